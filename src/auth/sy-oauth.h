/* sy-oauth.h: provider-independent OAuth building blocks
 *
 * What every subscription login needs, whatever the provider: state and PKCE
 * values, authorize URLs, the local callback listener a browser is redirected
 * to (or a redirect URL the user pastes), token-endpoint POSTs and RFC 8628
 * device-code polling. The per-provider flows are built on top of these.
 *
 * Nothing here logs a token, code, verifier or secret: URLs are logged
 * without their query.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sy-http-client.h"

G_BEGIN_DECLS

#define SY_OAUTH_ERROR (sy_oauth_error_quark ())

typedef enum
{
  SY_OAUTH_ERROR_DENIED,        /* the user refused consent (error=access_denied...): the
                                   message has the error and its error_description */
  SY_OAUTH_ERROR_STATE,         /* state mismatch: possible forgery, refused */
  SY_OAUTH_ERROR_TIMEOUT,       /* no callback / device approval in time */
  SY_OAUTH_ERROR_PORT_IN_USE,   /* callback port taken: the message names the port and, on
                                   Linux, the process holding it when it can be found */
  SY_OAUTH_ERROR_EXCHANGE,      /* token endpoint refused: the message has the server's
                                   error / error_description and the HTTP status */
  SY_OAUTH_ERROR_EXPIRED,       /* device code expired */
  SY_OAUTH_ERROR_INVALID,       /* malformed redirect URL, JWT, JSON... */
} SyOAuthError;

GQuark      sy_oauth_error_quark    (void);

/* 16 random bytes as 32 lower-case hex characters. */
char       *sy_oauth_random_state   (void);

/* RFC 7636 S256: @verifier = 96 random bytes, base64url without padding (128
 * characters); @challenge = base64url-no-pad (SHA-256 (verifier)). */
void        sy_oauth_pkce_new       (char              **verifier,
                                     char              **challenge);
char       *sy_oauth_pkce_challenge (const char         *verifier);

/* @base + "?" (or "&" when @base already has a query) + key=value&...,
 * keys and values percent-encoded (everything but RFC 3986 unreserved
 * characters; a space is %20). @params: key, value, key, value, ..., NULL;
 * NULL or empty: @base unchanged. */
char       *sy_oauth_build_url      (const char         *base,
                                     const char * const *params);

/* Reads what the user pasted after a browser login: a whole redirect URL
 * (parameters in the query, or in the fragment when the query has none), just
 * its query ("?code=..&state=.." or "code=..&state=.."), or Claude's
 * "code#state" (or a bare code). A code of the form "code#state" is split
 * there too. Sets the out parameters that are not NULL (NULL when absent).
 * TRUE when there is a code or an error; FALSE with SY_OAUTH_ERROR_INVALID
 * for anything else (empty, spaces, bad percent-encoding, no code, two
 * different states). */
gboolean    sy_oauth_parse_redirect (const char         *text,
                                     char              **code,
                                     char              **state,
                                     char              **error,
                                     char              **error_description,
                                     GError            **err);

/* The payload (claims) of a JWT, decoded WITHOUT verifying the signature: only
 * for tokens just received over TLS from the issuer (Codex id_token).
 * SY_OAUTH_ERROR_INVALID unless three dot-separated parts of which the
 * second is base64url of a JSON object. */
JsonObject *sy_jwt_decode_payload   (const char         *jwt,
                                     GError            **error);

/* ------------------------------------------------------------ the local callback */

#define SY_TYPE_OAUTH_CALLBACK (sy_oauth_callback_get_type ())

G_DECLARE_FINAL_TYPE (SyOAuthCallback, sy_oauth_callback, SY, OAUTH_CALLBACK, GObject)

/* Listens at once on 127.0.0.1:@port (0: any free port, for tests) for the
 * browser's redirect to @path (NULL: "/callback"), in the thread-default main
 * context. SY_OAUTH_ERROR_PORT_IN_USE when the port is taken.
 *
 * A GET of @path answers a small HTML page and settles the outcome:
 *   - no code and no error: 400, not a redirect; nothing settled;
 *   - state missing or not @expected_state (nor, for a "code#state" code,
 *     its state part): 400, the wait fails with SY_OAUTH_ERROR_STATE;
 *   - error=...: the wait fails with SY_OAUTH_ERROR_DENIED (error_description
 *     in the message);
 *   - otherwise: "Signed in", the wait returns the code.
 * Only the first such callback counts; later ones get 409. Other paths: 404.
 * The listener stops (the port is freed) when the wait ends or the object is
 * disposed. */
SyOAuthCallback *sy_oauth_callback_new         (guint               port,
                                                const char         *path,
                                                const char         *expected_state,
                                                GError            **error);
guint            sy_oauth_callback_get_port    (SyOAuthCallback    *self);

/* Waits for the outcome (it may already be there): the code, without the
 * "#state" part. @timeout_s: 0 = 300 s; SY_OAUTH_ERROR_TIMEOUT after that.
 * One wait per object; cancelling it ends it (G_IO_ERROR_CANCELLED). */
void             sy_oauth_callback_wait_async  (SyOAuthCallback    *self,
                                                guint               timeout_s,
                                                GCancellable       *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer            user_data);
char            *sy_oauth_callback_wait_finish (SyOAuthCallback    *self,
                                                GAsyncResult       *result,
                                                GError            **error);

/* Hands over what the user pasted (see sy_oauth_parse_redirect()) when the
 * browser cannot reach the listener. TRUE: it settled the outcome (a code, or
 * an error= that fails the wait with DENIED). FALSE: refused, and the wait
 * goes on so the user can paste again: SY_OAUTH_ERROR_INVALID (unreadable,
 * or the outcome is already settled) or SY_OAUTH_ERROR_STATE (a state that is
 * present — as a parameter or after '#' — and not the expected one; a paste
 * without any state is taken, the user copied it from their own browser). */
gboolean         sy_oauth_callback_deliver     (SyOAuthCallback    *self,
                                                const char         *pasted,
                                                GError            **error);

/* ------------------------------------------------------------ token endpoint */

typedef enum
{
  SY_OAUTH_FORM,    /* application/x-www-form-urlencoded */
  SY_OAUTH_JSON,    /* application/json, every field a string */
} SyOAuthEncoding;

/* POSTs @fields (key, value, ..., NULL) to @url with "Accept: application/json"
 * and the Content-Type of @encoding; @headers ("Name: value", NULL-terminated,
 * may be NULL) are added, and replace those two if they name them.
 * @proxy_url as in SyHttpRequestInfo (NULL: environment). */
void        sy_oauth_post_async     (SyHttpClient       *client,
                                     const char         *url,
                                     SyOAuthEncoding     encoding,
                                     const char * const *fields,
                                     const char * const *headers,
                                     const char         *proxy_url,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data);
/* The JSON object answered with a 2xx. Non-2xx: SY_OAUTH_ERROR_EXCHANGE with
 * the server's error / error_description (or the start of a non-JSON body) and
 * the status; a 2xx that is not a JSON object: SY_OAUTH_ERROR_INVALID;
 * transport failures: the SY_CORE_ERROR of the HTTP client. @status (may be
 * NULL) is set either way, 0 when no answer came. */
JsonObject *sy_oauth_post_finish    (GAsyncResult       *result,
                                     guint              *status,
                                     GError            **error);

/* ------------------------------------------------------------ device-code polling */

/* RFC 8628 polling: POSTs @fields to @url every @interval_s (at least 1; the
 * first poll after one interval) until a JSON object with "access_token" (or,
 * for Codex, "authorization_code") comes back, which is the result.
 * error "authorization_pending": keeps waiting; "slow_down": the interval
 * grows by 5 s for good (RFC 8628 §3.5); "expired_token": EXPIRED;
 * "access_denied": DENIED; HTTP 403/404 with @pending_on_403_404 (Codex):
 * keeps waiting; any other refusal: EXCHANGE. A network failure is retried,
 * and ends the polling on the third in a row. TIMEOUT after @timeout_s
 * (0 = 900 s). Uses the environment's proxy: see the _full variant. */
void        sy_oauth_device_poll_async  (SyHttpClient       *client,
                                         const char         *url,
                                         SyOAuthEncoding     encoding,
                                         const char * const *fields,
                                         const char * const *headers,
                                         guint               interval_s,
                                         guint               timeout_s,
                                         gboolean            pending_on_403_404,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data);

/* The same with a proxy and times in milliseconds (tests poll every few ms). */
typedef struct
{
  const char         *url;
  SyOAuthEncoding     encoding;
  const char * const *fields;
  const char * const *headers;            /* may be NULL */
  const char         *proxy_url;          /* as in SyHttpRequestInfo; NULL: environment */
  guint               interval_ms;        /* at least 1 */
  guint               slow_down_ms;       /* added on "slow_down"; 0 = 5000 */
  guint               timeout_ms;         /* 0 = 900000 */
  gboolean            pending_on_403_404;
} SyOAuthDevicePollInfo;

void        sy_oauth_device_poll_full_async (SyHttpClient                *client,
                                             const SyOAuthDevicePollInfo *info,
                                             GCancellable                *cancellable,
                                             GAsyncReadyCallback          callback,
                                             gpointer                     user_data);
JsonObject *sy_oauth_device_poll_finish     (GAsyncResult                *result,
                                             GError                     **error);

G_END_DECLS
