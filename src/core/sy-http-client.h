/* sy-http-client.h: libcurl multi driven by the GLib main loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SY_TYPE_HTTP_CLIENT (sy_http_client_get_type ())

G_DECLARE_FINAL_TYPE (SyHttpClient, sy_http_client, SY, HTTP_CLIENT, GObject)

typedef struct _SyHttpTransfer SyHttpTransfer;

typedef struct
{
  const char         *method;            /* "POST", "GET" */
  const char         *url;
  const char * const *headers;           /* "Name: value", NULL-terminated; may be NULL */
  GBytes             *body;              /* may be NULL */
  const char         *proxy_url;         /* NULL: environment; "direct"/"none": no proxy;
                                            http://, https://, socks5://, socks5h:// */
  guint               connect_timeout_s; /* 0 = 30 s */
  guint               idle_timeout_s;    /* no byte received for this long (while not
                                            paused): SY_CORE_ERROR_HTTP_TIMEOUT; 0 = none */
} SyHttpRequestInfo;

typedef struct
{
  /* Final status line and all headers received. */
  void (*response) (SyHttpTransfer *transfer,
                    guint           status,
                    gpointer        user_data);
  /* A piece of the (decoded) body. */
  void (*data)     (SyHttpTransfer *transfer,
                    const char     *data,
                    gsize           len,
                    gpointer        user_data);
  /* Transfer over: error is NULL on success. Never called after cancel(). */
  void (*done)     (SyHttpTransfer *transfer,
                    const GError   *error,
                    gpointer        user_data);
} SyHttpCallbacks;

SyHttpClient   *sy_http_client_new            (void);
guint           sy_http_client_get_n_active   (SyHttpClient            *self);
SyHttpTransfer *sy_http_client_start          (SyHttpClient            *self,
                                               const SyHttpRequestInfo *info,
                                               const SyHttpCallbacks   *callbacks,
                                               gpointer                 user_data,
                                               GError                 **error);

SyHttpTransfer *sy_http_transfer_ref          (SyHttpTransfer          *self);
void            sy_http_transfer_unref        (SyHttpTransfer          *self);
void            sy_http_transfer_pause        (SyHttpTransfer          *self);
void            sy_http_transfer_resume       (SyHttpTransfer          *self);
void            sy_http_transfer_cancel       (SyHttpTransfer          *self);
gboolean        sy_http_transfer_is_paused    (SyHttpTransfer          *self);
guint           sy_http_transfer_get_status   (SyHttpTransfer          *self);
const char     *sy_http_transfer_get_header   (SyHttpTransfer          *self,
                                               const char              *name);
const char     *sy_http_transfer_get_content_type (SyHttpTransfer      *self);
/* The final answer's headers as "name: value" strings (names lower-case,
 * sorted, a repeated header once with its last value), NULL-terminated. */
char          **sy_http_transfer_dup_headers  (SyHttpTransfer          *self);
/* Whether the final answer has a header whose (lower-case) name starts
 * with one of @prefixes (NULL-terminated, lower-case). */
gboolean        sy_http_transfer_has_header_prefix (SyHttpTransfer     *self,
                                                    const char * const *prefixes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyHttpTransfer, sy_http_transfer_unref)

G_END_DECLS
