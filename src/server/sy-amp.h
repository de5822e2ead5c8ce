/* sy-amp.h: the Amp CLI module (routes, fallback to ampcode.com, key resolution)
 *
 * Amp CLI talks to one base URL for everything: its model calls under
 * /api/provider/{provider}/..., its account and thread calls under /api/...,
 * and pages a browser opens (/threads, /settings, /auth...). Switchyard
 * serves the model calls it can with its own accounts and passes the rest
 * to ampcode.upstream-url with the Amp key in place of the client's.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "sy-config.h"
#include "sy-format.h"
#include "sy-http-client.h"
#include "sy-registry.h"
#include "sy-request-log.h"
#include "sy-sink.h"
#include "sy-usage.h"

G_BEGIN_DECLS

#define SY_AMP_DEFAULT_UPSTREAM "https://ampcode.com"

typedef enum
{
  SY_AMP_ROUTE_NONE,       /* not an Amp route */
  SY_AMP_ROUTE_PROVIDER,   /* /api/provider/{provider}/...: served as @local_path */
  SY_AMP_ROUTE_PROXY,      /* /api/{internal,user,...}: to the upstream, with the API key */
  SY_AMP_ROUTE_PROXY_ROOT, /* /threads, /docs, /settings, /auth...: pages, no API key */
} SyAmpRouteKind;

/* What @method @path is. For a provider route, @local_path is the
 * Switchyard route that serves it ("/v1/messages"), or NULL when only the
 * upstream can (legacy completions, v1beta1 other than POST); @provider is
 * the {provider} segment, lower-cased. Both NULL for other kinds. */
SyAmpRouteKind sy_amp_classify          (const char   *method,
                                         const char   *path,
                                         char        **local_path,
                                         char        **provider);

typedef enum
{
  SY_AMP_SERVE_LOCAL,   /* some account serves the model as asked */
  SY_AMP_SERVE_MAPPED,  /* an ampcode.model-mappings target is served */
  SY_AMP_SERVE_PROXY,   /* neither: the upstream (Amp credits) */
} SyAmpServe;

/* The fallback handler's choice for @model; @mapped gets the target for
 * SY_AMP_SERVE_MAPPED (else NULL). */
SyAmpServe     sy_amp_decide            (SyRegistry   *registry,
                                         const char   *model,
                                         char        **mapped);
/* The mapping target for @model (exact, case-insensitive, then regex
 * entries in order), or NULL. */
char          *sy_amp_map_model         (SyConfig     *config,
                                         const char   *model);
/* Whether an account of the Claude provider would serve @model. */
gboolean       sy_amp_served_by_claude  (SyRegistry   *registry,
                                         const char   *model);

/* ampcode.upstream-url without a trailing '/' (default ampcode.com). */
char          *sy_amp_upstream_url      (SyConfig     *config);
/* The key for a proxied call: upstream-api-keys by @client_key, else
 * upstream-api-key, else $AMP_API_KEY, else Amp's own secrets.json under
 * @home (NULL: the user's home). NULL when there is none. Secret. */
char          *sy_amp_upstream_key      (SyConfig     *config,
                                         const char   *client_key,
                                         const char   *home);
gboolean       sy_amp_restrict_to_localhost (SyConfig *config);

/* @value of an Anthropic-Beta header without context-1m-2025-08-07;
 * NULL when nothing is left. */
char          *sy_amp_filter_beta       (const char   *value);

/* A sink over @inner that rewrites the response's model to @requested and
 * (with @suppress_thinking) drops thinking blocks and reasoning text. */
SySink        *sy_amp_sink_new          (SySink       *inner,
                                         const char   *requested,
                                         gboolean      suppress_thinking);
void           sy_amp_sink_free         (SySink       *sink);

/* A call on its way to the upstream. */
typedef struct _SyAmpProxy SyAmpProxy;

/* How a call to the upstream is counted, like every other request. */
typedef struct
{
  SyUsageStore *usage;        /* a usage row (model calls); NULL: none */
  SyRequestLog *log;          /* taken: the call's record, the client's request
                               * already in it; NULL: not recorded */
  const char   *model;        /* the model asked for; NULL: the body's "model" */
  SyFormat      format;       /* the client's format: where the answer reports tokens */
  /* Called once, when the call is over (answered, failed or the client
   * gone): the server's count of active requests. */
  void        (*finished)      (SyAmpProxy *proxy,
                                gpointer    data);
  gpointer      finished_data;
} SyAmpProxyRecord;

/* Reverse-proxies @msg (paused here, answered when the upstream is) to
 * the upstream at @path (and the message's query) with @body, the client's
 * keys swapped for the upstream key. @record may be NULL. Usage rows say
 * provider "amp" and account @config's upstream URL; their status is the
 * upstream's, 502 when it cannot be reached, 499 when the client left first.
 * Returns the call, valid until @record's finished() (NULL when it is over
 * already: the upstream could not be asked). */
SyAmpProxy    *sy_amp_proxy             (SyHttpClient      *http,
                                         SyConfig          *config,
                                         SoupServerMessage *msg,
                                         const char        *path,
                                         GBytes            *body,
                                         const char        *client_key,
                                         SyAmpProxyRecord  *record);

/* The server stops: the call to the upstream ends now, and nothing more
 * is written to the message (whose connection is gone). */
void           sy_amp_proxy_cancel      (SyAmpProxy        *proxy);

/* Registers the Amp key the environment or Amp's secrets.json under @home
 * (NULL: the user's home) holds with the log's masker (sy_log_add_secret),
 * so that no log line shows it. */
void           sy_amp_register_secrets  (const char        *home);

G_END_DECLS
