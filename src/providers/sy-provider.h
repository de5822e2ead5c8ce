/* sy-provider.h: one upstream kind behind a small class
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "sy-codec.h"
#include "sy-format.h"
#include "sy-registry.h"

G_BEGIN_DECLS

typedef enum
{
  SY_OPERATION_GENERATE,
  SY_OPERATION_COUNT_TOKENS,
} SyOperation;

/* Header lookup on the client's request (case-insensitive); may return NULL. */
typedef const char *(*SyHeaderLookup) (gpointer    data,
                                       const char *name);

typedef struct
{
  SyAccount      *account;
  const char     *upstream_model;
  SyOperation     operation;
  gboolean        stream;
  const char     *base_url;        /* NULL: the account's (or the provider's default) */
  JsonNode       *body;            /* client body in the upstream's format; a provider may
                                      set or remove members, but every attempt must set
                                      anew what it relies on (another account may have
                                      edited the same body before) */
  SyHeaderLookup  client_header;
  gpointer        client_header_data;
} SyProviderCall;

typedef struct
{
  char      *url;
  GPtrArray *headers;              /* "Name: value" strings */
  GBytes    *body;
} SyUpstreamRequest;

#define SY_TYPE_PROVIDER (sy_provider_get_type ())

G_DECLARE_DERIVABLE_TYPE (SyProvider, sy_provider, SY, PROVIDER, GObject)

struct _SyProviderClass
{
  GObjectClass parent_class;

  const char *name;
  SyFormat    format;
  const char *default_base_url;
  gboolean    model_in_url;     /* Gemini family: the body carries no "model" */
  SyUpstreamFlavor flavor;      /* variant of the wire format the translation writes */
  gboolean    always_stream;    /* answers only as a stream, even to single-answer clients */
  /* More bases tried in order, on the same account, when the first answers
   * 429 or 5xx or cannot be reached (NULL-terminated; only when the account
   * has no base URL of its own). */
  const char * const *fallback_base_urls;

  /* Sets the URL and the upstream's auth headers, and edits call->body where
   * the upstream needs more than the model set. The base class sets
   * Content-Type, Accept, the model and User-Agent, serializes the body, and
   * adds the account's own headers last. */
  gboolean  (*build_request) (SyProvider             *self,
                              const SyProviderCall   *call,
                              const char             *base_url,
                              SyUpstreamRequest      *request,
                              GError                **error);
};

SyProvider *sy_provider_for_kind          (SyUpstreamKind        kind);
/* The fallback bases of @account on a provider that has some: its own,
 * replaced by endpoints.<name>.fallbacks when the config has them; NULL
 * when the provider has none or the account has its own base URL. Free
 * with g_strfreev. */
char      **sy_provider_dup_fallbacks     (SyProvider           *self,
                                           SyAccount            *account,
                                           SyConfig             *config);
SyFormat    sy_provider_get_format        (SyProvider           *self);
SyUpstreamFlavor sy_provider_get_flavor   (SyProvider           *self);
gboolean    sy_provider_always_streams    (SyProvider           *self);
const char *sy_provider_get_name          (SyProvider           *self);
gboolean    sy_provider_build_request     (SyProvider           *self,
                                           const SyProviderCall *call,
                                           SyUpstreamRequest    *request,
                                           GError              **error);
void        sy_upstream_request_clear     (SyUpstreamRequest    *request);
void        sy_upstream_request_add_header (SyUpstreamRequest   *request,
                                           const char           *name,
                                           const char           *value);

/* Class getters of the built-in providers, one file each. */
GType sy_provider_claude_get_type         (void);
GType sy_provider_gemini_get_type         (void);
GType sy_provider_vertex_get_type         (void);
GType sy_provider_codex_get_type          (void);
GType sy_provider_openai_compat_get_type  (void);
GType sy_provider_gemini_cli_get_type     (void);
GType sy_provider_antigravity_get_type    (void);
GType sy_provider_kimi_get_type           (void);
GType sy_provider_xai_get_type            (void);

G_END_DECLS
