/* sy-server.c: the client-facing HTTP server
 *
 * Routes are thin adapters: they work out the client's format, check the
 * API key, read the body (within max-body-size), and hand a SyPipeline a sink
 * made from the SoupServerMessage. Streams are written chunk by chunk and
 * paced by "wrote-body-data"; the client going away cancels the pipeline.
 *
 * Every request to a model gets a SyRequestLog (unless commercial-mode): the
 * client's request, the pipeline's upstream attempts and the answer as the
 * sink wrote it. The sink owns it and finishes it when the message is done;
 * the writer then keeps it (request-log, or a failure) or drops it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-server"

#include "config.h"

#include <string.h>
#include <gio/gnetworking.h>
#include <libsoup/soup.h>

#include "sy-amp.h"
#include "sy-api-key.h"
#include "sy-clock.h"
#include "sy-format.h"
#include "sy-json.h"
#include "sy-limits.h"
#include "sy-management.h"
#include "sy-pipeline.h"
#include "sy-request-log.h"
#include "sy-log.h"
#include "sy-server.h"

struct _SyServer
{
  GObject       parent_instance;
  SoupServer   *soup;
  SyHttpClient *http;
  SyRegistry   *registry;
  SyManagement *management;  /* NULL: the management routes answer 404 */
  SyUsageStore *usage;       /* NULL: requests are not recorded */
  char         *host;
  guint         port;
  gboolean      listening;
  GPtrArray    *sinks;        /* SoupSink*: requests with a pipeline */
  GPtrArray    *proxies;      /* SyAmpProxy*: Amp calls to the Amp upstream */
  SyLimiter    *limiter;      /* client-limits */
  SyLockout    *lockout;      /* addresses sending invalid client keys */
};

G_DEFINE_FINAL_TYPE (SyServer, sy_server, G_TYPE_OBJECT)

typedef enum
{
  ROUTE_NOT_FOUND,
  ROUTE_ROOT,
  ROUTE_HEALTH,
  ROUTE_READY,
  ROUTE_MODELS,            /* GET /v1/models */
  ROUTE_GEMINI_MODELS,     /* GET /v1beta/models */
  ROUTE_GEMINI_MODEL,      /* GET /v1beta/models/{model} */
  ROUTE_GENERATE,          /* every POST that reaches an upstream */
  ROUTE_MANAGEMENT,        /* /v0/management/...: its own keys and answers */
  ROUTE_AMP_PROXY,         /* Amp CLI's calls and pages for ampcode.upstream-url */
} RouteKind;

typedef struct
{
  RouteKind   kind;
  SyFormat    format;
  SyOperation operation;
  gboolean    gemini_stream;
  char       *model;       /* from the URL (Gemini) */
  const char *method;      /* the method the route takes */
  SyAmpRouteKind amp;      /* an Amp CLI route (sy-amp.h) */
  char       *amp_provider; /* its /api/provider/{provider} */
} Route;

/* Per message, from the early handler on: its route, body and timing. */
typedef struct
{
  Route       route;
  GByteArray *body;
  guint64     limit;
  gboolean    too_large;
  gint64      started;
  const char *api_key;      /* the config's key the client gave (borrowed from the config) */
} Request;

/* The SySink over a SoupServerMessage. */
typedef struct
{
  SySink             parent;
  SyServer          *server;
  SoupServerMessage *msg;
  SyPipeline        *pipeline;
  SyRequestLog      *log;         /* NULL: not recorded */
  SySink            *amp;         /* an Amp answer's rewriter over this sink, or NULL */
  gsize              pending;
  gboolean           completed;
  gulong             finished_id;
  gulong             wrote_id;
  GString           *batch;       /* written, not yet handed to libsoup */
  GSource           *flush;       /* hands the batch over, this loop iteration */
} SoupSink;

static void
route_clear (Route *route)
{
  g_clear_pointer (&route->model, g_free);
  g_clear_pointer (&route->amp_provider, g_free);
}

static void
request_free (Request *request)
{
  route_clear (&request->route);
  g_clear_pointer (&request->body, g_byte_array_unref);
  g_free (request);
}

static const char *
header_lookup (gpointer    data,
               const char *name)
{
  return soup_message_headers_get_one (soup_server_message_get_request_headers (data), name);
}

static void
set_json_response (SoupServerMessage *msg,
                   guint              status,
                   const char        *json,
                   gsize              len)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, len);
}

static void
respond_error (SoupServerMessage *msg,
               SyFormat           format,
               guint              status,
               const char        *message,
               const char        *type,
               const char        *code)
{
  g_autofree char *body = sy_format_error_body (format, status, message, type, code);

  set_json_response (msg, status, body, strlen (body));
}

/* The request's path for a log line. libsoup hands it over decoded: a
 * %0a would start a forged line of its own, other bytes garble the log.
 * As it is when it is printable ASCII, else %-escaped into *copy. */
static const char *
printable_path (SoupServerMessage  *msg,
                char              **copy)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *path = uri != NULL ? g_uri_get_path (uri) : "-";

  *copy = NULL;
  for (const char *p = path; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f)
      return *copy = g_uri_escape_string (path, "/:@!$&'()*+,;=", FALSE);
  return path;
}

static void
respond_too_large (SoupServerMessage *msg,
                   Request           *request)
{
  g_autofree char *message =
    g_strdup_printf ("The request body is larger than the limit of %" G_GUINT64_FORMAT
                     " bytes (max-body-size)", request->limit);

  respond_error (msg, request->route.format, 413, message, NULL, "request_too_large");
}

/* ---------------------------------------------------------------------- */
/* The request log                                                         */

static void
add_header_line (const char *name,
                 const char *value,
                 gpointer    user_data)
{
  g_ptr_array_add (user_data, g_strdup_printf ("%s: %s", name, value));
}

/* "Name: value" strings, NULL-terminated; the log masks secret values. */
static char **
header_lines (SoupMessageHeaders *headers)
{
  GPtrArray *lines = g_ptr_array_new ();

  soup_message_headers_foreach (headers, add_header_line, lines);
  g_ptr_array_add (lines, NULL);
  return (char **) g_ptr_array_free (lines, FALSE);
}

static void
log_client_response (SyRequestLog      *log,
                     SoupServerMessage *msg,
                     guint              status)
{
  g_auto(GStrv) headers = header_lines (soup_server_message_get_response_headers (msg));

  sy_request_log_client_response (log, status, (const char * const *) headers);
}

/* Takes @log: to the writer when the config keeps it. A success without
 * request-log is dropped here, without building the config's view. */
static void
finish_request_log (SyServer     *server,
                    SyRequestLog *log)
{
  SyConfig *config = server->registry ? sy_registry_get_config (server->registry) : NULL;
  SyRequestLogConfig cfg;

  if (config == NULL || (!config->request_log && !sy_request_log_is_failure (log)))
    {
      sy_request_log_free (log);
      return;
    }
  sy_request_log_config_init (&cfg, config);
  sy_request_log_finish (log, &cfg);
  sy_request_log_config_clear (&cfg);
}

/* An Amp call to the Amp upstream: counted active until it is over. */
static void
on_amp_proxy_finished (SyAmpProxy *proxy,
                       gpointer    data)
{
  SyServer *self = data;

  g_ptr_array_remove_fast (self->proxies, proxy);
  g_object_unref (self);
}

static void
start_amp_proxy (SyServer          *self,
                 SoupServerMessage *msg,
                 const char        *path,
                 GBytes            *body,
                 const char        *client_key,
                 SyFormat           format,
                 const char        *model,
                 gboolean           model_call,
                 SyRequestLog      *log)
{
  SyAmpProxyRecord record = { 0 };
  SyAmpProxy *proxy;

  /* Model calls make usage rows; Amp's own API and pages do not. */
  record.usage = model_call ? self->usage : NULL;
  record.log = log;
  record.model = model;
  record.format = format;
  record.finished = on_amp_proxy_finished;
  record.finished_data = g_object_ref (self);
  proxy = sy_amp_proxy (self->http, sy_registry_get_config (self->registry), msg, path, body, client_key,
                        &record);
  if (proxy != NULL)
    g_ptr_array_add (self->proxies, proxy);
}

/* ---------------------------------------------------------------------- */
/* The sink                                                                */

static void soup_sink_free (SoupSink *sink);

static void
soup_sink_respond (SySink     *sink,
                   guint       status,
                   const char *content_type,
                   GBytes     *body)
{
  SoupSink *self = (SoupSink *) sink;
  /* Not g_bytes_get_data (body, &len): gcc 12 at -O3 then warns of a
   * dangling pointer to len (a false positive that fails -Werror). */
  gsize len = g_bytes_get_size (body);
  gconstpointer data = g_bytes_get_data (body, NULL);

  if (self->completed)
    return;
  self->completed = TRUE;
  soup_server_message_set_status (self->msg, status, NULL);
  soup_server_message_set_response (self->msg, content_type, SOUP_MEMORY_COPY, data, len);
  if (self->log != NULL)
    {
      log_client_response (self->log, self->msg, status);
      sy_request_log_client_append (self->log, data, len);
    }
  soup_server_message_unpause (self->msg);
}

static void
soup_sink_begin (SySink     *sink,
                 guint       status,
                 const char *content_type)
{
  SoupSink *self = (SoupSink *) sink;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (self->msg);

  soup_server_message_set_status (self->msg, status, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, content_type, NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_replace (headers, "X-Accel-Buffering", "no");
  soup_message_body_set_accumulate (soup_server_message_get_response_body (self->msg), FALSE);
  if (self->log != NULL)
    log_client_response (self->log, self->msg, status);
  soup_server_message_unpause (self->msg);
}

/* What one upstream read produced (often many SSE events) goes to the
 * client as one chunk: libsoup frames and sends each append on its own,
 * and a send per event is most of a stream's cost. The batch is handed
 * over at high priority in the same loop iteration, so nothing waits. */
static void
soup_sink_flush (SoupSink *self)
{
  gsize len;

  if (self->flush != NULL)
    {
      g_source_destroy (self->flush);
      g_clear_pointer (&self->flush, g_source_unref);
    }
  if (self->batch == NULL || self->batch->len == 0)
    return;
  len = self->batch->len;
  soup_message_body_append_take (soup_server_message_get_response_body (self->msg),
                                 (guchar *) g_string_free (g_steal_pointer (&self->batch), FALSE), len);
  soup_server_message_unpause (self->msg);
}

static gboolean
on_flush (gpointer data)
{
  SoupSink *self = data;

  g_clear_pointer (&self->flush, g_source_unref);
  soup_sink_flush (self);
  return G_SOURCE_REMOVE;
}

static void
soup_sink_write (SySink     *sink,
                 const char *data,
                 gsize       len)
{
  SoupSink *self = (SoupSink *) sink;

  if (self->completed || len == 0)
    return;
  self->pending += len;
  if (self->log != NULL)
    sy_request_log_client_append (self->log, data, len);
  /* One upstream read is at most 16 KB (curl's buffer): room for it at
   * once, and a plain copy while it fits (g_string_append_len goes
   * through g_string_insert_len's checks, once per SSE event). */
  if (self->batch == NULL)
    self->batch = g_string_sized_new (MAX (len, 16 * 1024));
  if (self->batch->allocated_len - self->batch->len > len)
    {
      memcpy (self->batch->str + self->batch->len, data, len);
      self->batch->len += len;
      self->batch->str[self->batch->len] = '\0';
    }
  else
    g_string_append_len (self->batch, data, len);
  if (self->flush == NULL)
    {
      g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

      self->flush = g_idle_source_new ();
      g_source_set_priority (self->flush, G_PRIORITY_HIGH);
      g_source_set_callback (self->flush, on_flush, self, NULL);
      g_source_attach (self->flush, context);
    }
}

static void
soup_sink_finish (SySink *sink)
{
  SoupSink *self = (SoupSink *) sink;

  if (self->completed)
    return;
  soup_sink_flush (self);
  self->completed = TRUE;
  soup_message_body_complete (soup_server_message_get_response_body (self->msg));
  soup_server_message_unpause (self->msg);
}

static gsize
soup_sink_get_pending (SySink *sink)
{
  return ((SoupSink *) sink)->pending;
}

static void
soup_sink_set_header (SySink     *sink,
                      const char *name,
                      const char *value)
{
  SoupSink *self = (SoupSink *) sink;

  if (self->completed)
    return;
  soup_message_headers_replace (soup_server_message_get_response_headers (self->msg), name, value);
}

static const SySinkVTable soup_sink_vtable = {
  .respond = soup_sink_respond,
  .begin = soup_sink_begin,
  .write = soup_sink_write,
  .finish = soup_sink_finish,
  .get_pending = soup_sink_get_pending,
  .set_header = soup_sink_set_header,
};

static void
on_wrote_body_data (SoupServerMessage *msg,
                    guint              chunk_size,
                    SoupSink          *self)
{
  self->pending = chunk_size > self->pending ? 0 : self->pending - chunk_size;
  if (self->pending <= SY_PIPELINE_LOW_WATER && self->pipeline != NULL)
    sy_pipeline_sink_drained (self->pipeline);   /* resumes only a paused upstream */
}

static void
on_message_finished (SoupServerMessage *msg,
                     SoupSink          *self)
{
  /* Finished before we completed the response: the client went away. */
  if (self->pipeline != NULL && !self->completed)
    sy_pipeline_cancel (self->pipeline);
  soup_sink_free (self);
}

static SoupSink *
soup_sink_new (SyServer          *server,
               SoupServerMessage *msg)
{
  SoupSink *self = g_new0 (SoupSink, 1);

  self->parent.vtable = &soup_sink_vtable;
  /* A message may finish after its server's last outside reference is gone. */
  /* A message may finish after its server's last outside reference is gone. */
  self->server = g_object_ref (server);
  self->msg = g_object_ref (msg);
  self->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_message_finished), self);
  self->wrote_id = g_signal_connect (msg, "wrote-body-data", G_CALLBACK (on_wrote_body_data), self);
  g_ptr_array_add (server->sinks, self);

  return self;
}

static void
soup_sink_free (SoupSink *self)
{
  g_clear_signal_handler (&self->finished_id, self->msg);
  g_clear_signal_handler (&self->wrote_id, self->msg);
  if (self->flush != NULL)
    {
      g_source_destroy (self->flush);
      g_clear_pointer (&self->flush, g_source_unref);
    }
  if (self->batch != NULL)
    g_string_free (self->batch, TRUE);
  /* The pipeline may outlive us (a reference of its own): it lets go of
   * the log before the log goes to the writer. */
  if (self->pipeline != NULL)
    sy_pipeline_set_request_log (self->pipeline, NULL);
  if (self->log != NULL)
    finish_request_log (self->server, g_steal_pointer (&self->log));
  g_clear_pointer (&self->pipeline, sy_pipeline_unref);
  g_clear_pointer (&self->amp, sy_amp_sink_free);
  g_clear_object (&self->msg);
  g_ptr_array_remove_fast (self->server->sinks, self);
  g_clear_object (&self->server);
  g_free (self);
}

/* ---------------------------------------------------------------------- */
/* Routing                                                                 */

static gboolean
parse_gemini_path (const char *rest,
                   Route      *route)
{
  const char *colon = strrchr (rest, ':');
  const char *action;

  if (colon == NULL)
    {
      if (*rest == '\0')
        return FALSE;
      route->kind = ROUTE_GEMINI_MODEL;
      route->method = SOUP_METHOD_GET;
      route->model = g_uri_unescape_string (rest, NULL);
      return route->model != NULL;
    }

  action = colon + 1;
  route->kind = ROUTE_GENERATE;
  route->method = SOUP_METHOD_POST;
  route->operation = SY_OPERATION_GENERATE;
  if (strcmp (action, "generateContent") == 0)
    route->gemini_stream = FALSE;
  else if (strcmp (action, "streamGenerateContent") == 0)
    route->gemini_stream = TRUE;
  else if (strcmp (action, "countTokens") == 0)
    route->operation = SY_OPERATION_COUNT_TOKENS;
  else
    return FALSE;

  route->model = g_uri_unescape_segment (rest, colon, NULL);
  return route->model != NULL && *route->model != '\0';
}

static void classify (const char *method,
                      const char *path,
                      Route      *route);

/* Amp CLI's routes: its model calls as the route they mirror, the rest
 * for the Amp upstream. FALSE: not one of them. */
static gboolean
classify_amp (const char *method,
              const char *path,
              Route      *route)
{
  g_autofree char *local = NULL;
  g_autofree char *provider = NULL;
  SyAmpRouteKind kind = sy_amp_classify (method, path, &local, &provider);

  if (kind == SY_AMP_ROUTE_NONE)
    return FALSE;
  if (local != NULL)
    classify (method, local, route);
  else
    {
      memset (route, 0, sizeof *route);
      route->kind = ROUTE_AMP_PROXY;
      route->format = SY_FORMAT_OPENAI;
      route->method = SOUP_METHOD_GET;
    }
  route->amp = kind;
  route->amp_provider = g_steal_pointer (&provider);
  return TRUE;
}

static void
classify (const char *method,
          const char *path,
          Route      *route)
{
  if ((g_str_has_prefix (path, "/api/") || !g_str_has_prefix (path, "/v")) &&
      classify_amp (method, path, route))
    return;
  memset (route, 0, sizeof *route);
  route->kind = ROUTE_NOT_FOUND;
  route->format = g_str_has_prefix (path, "/v1beta") ? SY_FORMAT_GEMINI : SY_FORMAT_OPENAI;
  route->method = SOUP_METHOD_GET;

  if (strcmp (path, "/") == 0)
    route->kind = ROUTE_ROOT;
  else if (strcmp (path, "/healthz") == 0)
    route->kind = ROUTE_HEALTH;
  else if (strcmp (path, "/readyz") == 0)
    route->kind = ROUTE_READY;
  else if (strcmp (path, "/v1/models") == 0)
    route->kind = ROUTE_MODELS;
  else if (g_str_has_prefix (path, SY_MANAGEMENT_PREFIX "/") || strcmp (path, "/management.html") == 0)
    route->kind = ROUTE_MANAGEMENT;
  else if (strcmp (path, "/v1beta/models") == 0)
    route->kind = ROUTE_GEMINI_MODELS;
  else if (strcmp (path, "/v1/chat/completions") == 0)
    {
      route->kind = ROUTE_GENERATE;
      route->method = SOUP_METHOD_POST;
    }
  else if (strcmp (path, "/v1/responses") == 0)
    {
      route->kind = ROUTE_GENERATE;
      route->method = SOUP_METHOD_POST;
      route->format = SY_FORMAT_OPENAI_RESPONSES;
    }
  else if (strcmp (path, "/v1/messages") == 0 || strcmp (path, "/v1/messages/count_tokens") == 0)
    {
      route->kind = ROUTE_GENERATE;
      route->method = SOUP_METHOD_POST;
      route->format = SY_FORMAT_CLAUDE;
      if (g_str_has_suffix (path, "/count_tokens"))
        route->operation = SY_OPERATION_COUNT_TOKENS;
    }
  else if (g_str_has_prefix (path, "/v1beta/models/"))
    {
      if (!parse_gemini_path (path + strlen ("/v1beta/models/"), route))
        {
          route_clear (route);
          route->kind = ROUTE_NOT_FOUND;
          route->method = SOUP_METHOD_GET;
        }
    }
  else if (g_str_has_prefix (path, "/v1/messages"))
    route->format = SY_FORMAT_CLAUDE;
}

static gboolean
route_needs_key (RouteKind kind)
{
  return kind != ROUTE_ROOT && kind != ROUTE_HEALTH && kind != ROUTE_READY &&
         kind != ROUTE_NOT_FOUND && kind != ROUTE_MANAGEMENT;
}

/* Amp CLI's management calls and pages, from this machine only when
 * ampcode.restrict-management-to-localhost says so. */
static gboolean
amp_address_allowed (SyConfig          *config,
                     SoupServerMessage *msg)
{
  const char *remote = soup_server_message_get_remote_host (msg);

  return !sy_amp_restrict_to_localhost (config) || (remote != NULL && sy_host_is_loopback (remote));
}

/* Browsers send Origin; a page on another site must not spend the user's
 * subscriptions through a proxy that needs no key on loopback. */
static gboolean
origin_allowed (SoupServerMessage *msg)
{
  const char *origin = header_lookup (msg, "Origin");
  g_autoptr(GUri) uri = NULL;

  if (origin == NULL || strcmp (origin, "null") == 0)
    return origin == NULL;
  uri = g_uri_parse (origin, G_URI_FLAGS_NONE, NULL);
  return uri != NULL && sy_host_is_loopback (g_uri_get_host (uri));
}

static void
add_cors_headers (SoupServerMessage *msg)
{
  const char *origin = header_lookup (msg, "Origin");
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  if (origin == NULL || !origin_allowed (msg))
    return;
  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", origin);
  soup_message_headers_replace (headers, "Vary", "Origin");
  soup_message_headers_replace (headers, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  soup_message_headers_replace (headers, "Access-Control-Allow-Headers", "*");
}

/* ---------------------------------------------------------------------- */
/* Model lists                                                             */

static char *
builder_to_string (JsonBuilder *b)
{
  g_autoptr(JsonNode) root = json_builder_get_root (b);

  return json_to_string (root, FALSE);
}

static char *
models_openai (SyRegistry *registry)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GPtrArray) models =
    sy_registry_list_servable (registry, sy_account_pool_now (sy_registry_get_pool (registry)));

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "object");
  json_builder_add_string_value (b, "list");
  json_builder_set_member_name (b, "data");
  json_builder_begin_array (b);
  for (guint i = 0; i < models->len; i++)
    {
      SyModelInfo *info = g_ptr_array_index (models, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, info->id);
      json_builder_set_member_name (b, "object");
      json_builder_add_string_value (b, "model");
      json_builder_set_member_name (b, "created");
      json_builder_add_int_value (b, info->created);
      json_builder_set_member_name (b, "owned_by");
      json_builder_add_string_value (b, info->owned_by);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  return builder_to_string (b);
}

static char *
models_claude (SyRegistry *registry)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GPtrArray) models =
    sy_registry_list_servable (registry, sy_account_pool_now (sy_registry_get_pool (registry)));

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "data");
  json_builder_begin_array (b);
  for (guint i = 0; i < models->len; i++)
    {
      SyModelInfo *info = g_ptr_array_index (models, i);
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (info->created);
      g_autofree char *created = dt ? g_date_time_format_iso8601 (dt) : g_strdup ("1970-01-01T00:00:00Z");

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "model");
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, info->id);
      json_builder_set_member_name (b, "display_name");
      json_builder_add_string_value (b, info->display_name ? info->display_name : info->id);
      json_builder_set_member_name (b, "created_at");
      json_builder_add_string_value (b, created);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "has_more");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_set_member_name (b, "first_id");
  if (models->len > 0)
    json_builder_add_string_value (b, ((SyModelInfo *) g_ptr_array_index (models, 0))->id);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "last_id");
  if (models->len > 0)
    json_builder_add_string_value (b, ((SyModelInfo *) g_ptr_array_index (models, models->len - 1))->id);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);

  return builder_to_string (b);
}

static void
add_gemini_model (JsonBuilder       *b,
                  const SyModelInfo *info)
{
  g_autofree char *name = g_strdup_printf ("models/%s", info->id);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "displayName");
  json_builder_add_string_value (b, info->display_name ? info->display_name : info->id);
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, info->description ? info->description : info->id);
  if (info->input_token_limit > 0)
    {
      json_builder_set_member_name (b, "inputTokenLimit");
      json_builder_add_int_value (b, info->input_token_limit);
    }
  if (info->output_token_limit > 0)
    {
      json_builder_set_member_name (b, "outputTokenLimit");
      json_builder_add_int_value (b, info->output_token_limit);
    }
  json_builder_set_member_name (b, "supportedGenerationMethods");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "generateContent");
  json_builder_add_string_value (b, "streamGenerateContent");
  json_builder_add_string_value (b, "countTokens");
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static char *
models_gemini (SyRegistry *registry)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GPtrArray) models =
    sy_registry_list_servable (registry, sy_account_pool_now (sy_registry_get_pool (registry)));

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "models");
  json_builder_begin_array (b);
  for (guint i = 0; i < models->len; i++)
    add_gemini_model (b, g_ptr_array_index (models, i));
  json_builder_end_array (b);
  json_builder_end_object (b);

  return builder_to_string (b);
}

/* ---------------------------------------------------------------------- */
/* Handlers                                                                */

/* The client's request as it came, into a new record (NULL: not recorded).
 * The record keeps a reference to @body, not a copy. */
static SyRequestLog *
begin_request_log (SyServer          *self,
                   SoupServerMessage *msg,
                   GBytes            *body,
                   const char        *id)
{
  SyConfig *config = sy_registry_get_config (self->registry);
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *path = NULL;
  g_auto(GStrv) headers = NULL;
  SyRequestLog *log;

  /* commercial-mode writes no request log at all: nothing to collect. */
  if (config->commercial_mode)
    return NULL;
  /* The query too (the log masks ?key= and the like). */
  path = g_uri_get_query (uri) != NULL ? g_strconcat (g_uri_get_path (uri), "?", g_uri_get_query (uri), NULL)
                                       : g_strdup (g_uri_get_path (uri));
  log = sy_request_log_begin (id, soup_server_message_get_method (msg), path);
  if (!config->request_log)
    sy_request_log_set_body_limit (log, SY_REQUEST_LOG_FAILURE_BODY_LIMIT);
  headers = header_lines (soup_server_message_get_request_headers (msg));
  sy_request_log_client_request (log, (const char * const *) headers, body);
  return log;
}

/* An answer handle_generate gives itself, before any pipeline: recorded,
 * and the record finished (takes @log, may be NULL). */
static void
respond_generate_error (SyServer          *self,
                        SoupServerMessage *msg,
                        SyFormat           format,
                        SyRequestLog      *log,
                        guint              status,
                        const char        *message)
{
  g_autoptr(GBytes) body = NULL;

  respond_error (msg, format, status, message, NULL, NULL);
  if (log == NULL)
    return;
  body = soup_message_body_flatten (soup_server_message_get_response_body (msg));
  log_client_response (log, msg, status);
  sy_request_log_client_append (log, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  finish_request_log (self, log);
}

static void
handle_generate (SyServer          *self,
                 SoupServerMessage *msg,
                 const Route       *route,
                 Request           *request,
                 GHashTable        *query)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyRequestLog) log = NULL;
  g_autofree char *request_id = g_strdup_printf ("%08x", g_random_int ());
  /* The bytes as they came, shared with the request log. */
  g_autoptr(GBytes) raw = request->body ? g_byte_array_free_to_bytes (g_steal_pointer (&request->body)) : NULL;
  SyPipelineRequest preq = { 0 };
  JsonObject *obj;
  SoupSink *sink;
  g_autofree char *amp_requested = NULL;   /* an Amp request served here: the model it asked for */
  gboolean amp_suppress = FALSE;

  /* The id names the request in the log lines and the request log
   * (GET /v0/management/request-log-by-id/<id>). */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "X-Request-Id", request_id);
  log = begin_request_log (self, msg, raw, request_id);

  if (raw == NULL || g_bytes_get_size (raw) == 0)
    {
      respond_generate_error (self, msg, route->format, g_steal_pointer (&log), 400,
                              "The request body is empty; a JSON object is expected");
      return;
    }

  /* The strict reader of the translators: several times faster than
   * json-glib's parser on the request path, and what it refuses (comments,
   * trailing commas, nesting past 512) is not JSON a client should send. */
  root = sy_json_read (g_bytes_get_data (raw, NULL), (gssize) g_bytes_get_size (raw), &error);
  if (root == NULL)
    {
      g_autofree char *message = g_strdup_printf ("The request body is not valid JSON: %s",
                                                  error->message);
      respond_generate_error (self, msg, route->format, g_steal_pointer (&log), 400, message);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      respond_generate_error (self, msg, route->format, g_steal_pointer (&log), 400,
                              "The request body must be a JSON object");
      return;
    }
  obj = json_node_get_object (root);
  /* The parsed tree is what travels on: drop the raw bytes now (the
   * request log may keep them still). */
  if (route->amp == SY_AMP_ROUTE_NONE)
    g_clear_pointer (&raw, g_bytes_unref);

  preq.format = route->format;
  preq.operation = route->operation;
  if (route->format == SY_FORMAT_GEMINI)
    {
      const char *alt = query ? g_hash_table_lookup (query, "alt") : NULL;

      if (alt == NULL && query != NULL)
        alt = g_hash_table_lookup (query, "$alt");
      preq.model = g_strdup (route->model);
      preq.stream = route->gemini_stream;
      preq.gemini_raw = route->gemini_stream && alt != NULL && g_ascii_strcasecmp (alt, "sse") != 0;
    }
  else
    {
      JsonNode *model = json_object_get_member (obj, "model");
      JsonNode *stream = json_object_get_member (obj, "stream");

      if (model == NULL || !JSON_NODE_HOLDS_VALUE (model) ||
          json_node_get_value_type (model) != G_TYPE_STRING ||
          *json_node_get_string (model) == '\0')
        {
          respond_generate_error (self, msg, route->format, g_steal_pointer (&log), 400,
                                  "The request needs a 'model' string naming the model to use");
          return;
        }
      if (stream != NULL && JSON_NODE_HOLDS_VALUE (stream) &&
          json_node_get_value_type (stream) != G_TYPE_BOOLEAN)
        {
          respond_generate_error (self, msg, route->format, g_steal_pointer (&log), 400,
                                  "'stream' must be true or false");
          return;
        }
      preq.model = g_strdup (json_node_get_string (model));
      preq.stream = route->operation == SY_OPERATION_GENERATE &&
                    stream != NULL && JSON_NODE_HOLDS_VALUE (stream) && json_node_get_boolean (stream);
    }

  if (route->amp != SY_AMP_ROUTE_NONE)
    {
      g_autofree char *mapped = NULL;

      /* Amp's fallback handler: here, here as another model, or Amp's own. */
      switch (sy_amp_decide (self->registry, preq.model, &mapped))
        {
        case SY_AMP_SERVE_PROXY:
          sy_debug ("[%s] amp: %s is not served here: to the Amp upstream", request_id, preq.model);
          start_amp_proxy (self, msg, g_uri_get_path (soup_server_message_get_uri (msg)), raw, request->api_key,
                           route->format, preq.model, TRUE, g_steal_pointer (&log));
          sy_pipeline_request_clear (&preq);
          return;
        case SY_AMP_SERVE_MAPPED:
          sy_debug ("[%s] amp: %s served as %s", request_id, preq.model, mapped);
          if (route->format != SY_FORMAT_GEMINI)
            json_object_set_string_member (obj, "model", mapped);
          amp_requested = g_steal_pointer (&preq.model);
          preq.model = g_steal_pointer (&mapped);
          break;
        case SY_AMP_SERVE_LOCAL:
        default:
          amp_requested = g_strdup (preq.model);
          break;
        }
      amp_suppress = !sy_amp_served_by_claude (self->registry, preq.model);
      g_clear_pointer (&raw, g_bytes_unref);
    }

  preq.body = json_node_ref (root);
  preq.client_header = header_lookup;
  preq.client_header_data = msg;
  preq.request_id = g_steal_pointer (&request_id);
  preq.api_key = g_strdup (request->api_key);
  preq.route_label = g_strdup_printf ("%s %s", soup_server_message_get_method (msg),
                                      g_uri_get_path (soup_server_message_get_uri (msg)));

  sy_debug ("[%s] %s %s model=%s stream=%s", preq.request_id,
            soup_server_message_get_method (msg), g_uri_get_path (soup_server_message_get_uri (msg)),
            preq.model, preq.stream ? "yes" : "no");

  soup_server_message_pause (msg);
  sink = soup_sink_new (self, msg);
  if (amp_requested != NULL)
    sink->amp = sy_amp_sink_new (&sink->parent, amp_requested, amp_suppress);
  sink->pipeline = sy_pipeline_new (self->registry, self->http, &preq, sink->amp ? sink->amp : &sink->parent);
  sy_pipeline_set_usage (sink->pipeline, self->usage);
  /* The sink owns the record and finishes it; the pipeline borrows it. */
  sink->log = g_steal_pointer (&log);
  sy_pipeline_set_request_log (sink->pipeline, sink->log);
  sy_pipeline_run (sink->pipeline);
}

static void
handle_management (SyServer          *self,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   Request           *request)
{
  g_autoptr(GBytes) body = NULL;

  if (self->management == NULL)
    {
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }
  if (request->too_large)
    {
      respond_too_large (msg, request);
      return;
    }
  body = g_byte_array_free_to_bytes (g_steal_pointer (&request->body));
  sy_management_handle (self->management, self->registry, self->http, msg, path, query, body);
}

/* ---------------------------------------------------------------------- */
/* client-limits                                                           */

/* What reaches a model counts; lists, health and management do not. */
static gboolean
route_is_limited (const Route *route)
{
  return route->kind == ROUTE_GENERATE ||
         (route->kind == ROUTE_AMP_PROXY && route->amp == SY_AMP_ROUTE_PROVIDER);
}

static void
on_limited_finished (SoupServerMessage *msg,
                     gpointer           data)
{
  /* Done, answered or cut off: the slot is free for the client's next. */
  g_object_set_data (G_OBJECT (msg), "sy-limit-slot", NULL);
}

/* TRUE: the request may go on (holding a slot until its message is
 * finished); else a 429 in the client's format was set. */
static gboolean
check_client_limits (SyServer          *self,
                     SoupServerMessage *msg,
                     const Route       *route,
                     Request           *request,
                     SyConfig          *config)
{
  const char *remote = soup_server_message_get_remote_host (msg);
  g_autofree char *who = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *message = NULL;
  g_autofree char *retry = NULL;
  g_autofree char *path_copy = NULL;
  SyLimitSlot *slot = NULL;
  SyLimitResult result;
  guint retry_after = 0;
  int rate = 0, concurrent = 0;
  const char *whose;

  sy_config_client_limits (config, request->api_key, &rate, &concurrent);
  if (rate <= 0 && concurrent <= 0)
    return TRUE;
  /* Without api-keys (a loopback server) each address is a client. */
  if (request->api_key != NULL)
    who = g_strconcat ("key:", request->api_key, NULL);
  else
    who = g_strconcat ("addr:", remote ? remote : "-", NULL);
  result = sy_limiter_acquire (self->limiter, who, rate, concurrent, sy_clock_now (sy_clock_get_default ()),
                               &slot, &retry_after);
  if (result == SY_LIMIT_OK)
    {
      if (slot != NULL)
        {
          g_object_set_data_full (G_OBJECT (msg), "sy-limit-slot", slot, (GDestroyNotify) sy_limit_slot_release);
          g_signal_connect (msg, "finished", G_CALLBACK (on_limited_finished), NULL);
        }
      return TRUE;
    }

  whose = request->api_key != NULL ? "this API key" : "this client address";
  if (result == SY_LIMIT_RATE)
    message = g_strdup_printf ("Rate limit reached for %s: %d requests per minute "
                               "(client-limits requests-per-minute); try again in %u s",
                               whose, rate, retry_after);
  else
    message = g_strdup_printf ("Too many requests at once for %s: at most %d "
                               "(client-limits concurrent-requests); try again when one has finished",
                               whose, concurrent);
  shown = request->api_key != NULL ? sy_mask_secret (request->api_key) : g_strdup (remote ? remote : "-");
  g_info ("client limit: %s refused for %s %s (%s)", printable_path (msg, &path_copy),
          request->api_key != NULL ? "key" : "address", shown,
          result == SY_LIMIT_RATE ? "requests-per-minute" : "concurrent-requests");
  retry = g_strdup_printf ("%u", retry_after);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", retry);
  respond_error (msg, route->format, 429, message, NULL, "rate_limit_exceeded");
  /* libsoup 3.2 knows no phrase for 429. */
  soup_server_message_set_status (msg, 429, "Too Many Requests");
  return FALSE;
}

/* The client's API key. A client on another machine that sends
 * SY_SERVER_KEY_FAILURES invalid keys in a row is refused for
 * SY_SERVER_KEY_BAN_US whatever it sends: a key cannot be guessed at the
 * speed of the network. Loopback clients are never locked out: every local
 * tool shares that address, and one misconfigured tool would lock out
 * all the others. TRUE when the request may go on. */
static gboolean
check_client_key (SyServer          *self,
                  SoupServerMessage *msg,
                  const Route       *route,
                  Request           *request,
                  GHashTable        *query,
                  SyConfig          *config)
{
  const char *remote = soup_server_message_get_remote_host (msg);
  gboolean lockable = remote != NULL && !sy_host_is_loopback (remote);
  gint64 now = sy_clock_now (sy_clock_get_default ());
  gint64 left = lockable ? sy_lockout_check (self->lockout, remote, now) : 0;

  if (left > 0)
    {
      guint retry_after = (guint) ((left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
      g_autofree char *retry = g_strdup_printf ("%u", retry_after);
      g_autofree char *message =
        g_strdup_printf ("Too many invalid API keys from this address: refused for %u more minutes",
                         (retry_after + 59) / 60);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", retry);
      respond_error (msg, route->format, 403, message, NULL, "invalid_api_key");
      return FALSE;
    }

  switch (sy_api_key_check ((const char * const *) config->api_keys, header_lookup, msg, query,
                             &request->api_key))
    {
    case SY_API_KEY_MISSING:
      respond_error (msg, route->format, 401,
                     "Missing API key: send it as 'Authorization: Bearer <key>', 'x-api-key' "
                     "or 'x-goog-api-key'", NULL, "invalid_api_key");
      return FALSE;
    case SY_API_KEY_INVALID:
      if (lockable && sy_lockout_fail (self->lockout, remote, now))
        g_message ("client keys: %s refused for %d minutes after %d invalid API keys", remote,
                   (int) (SY_SERVER_KEY_BAN_US / G_USEC_PER_SEC / 60), SY_SERVER_KEY_FAILURES);
      respond_error (msg, route->format, 401, "Invalid API key", NULL, "invalid_api_key");
      return FALSE;
    case SY_API_KEY_OK:
    default:
      if (lockable && config->api_keys[0] != NULL)
        sy_lockout_succeed (self->lockout, remote);
      return TRUE;
    }
}

static void
handle_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  SyServer *self = user_data;
  SyConfig *config = sy_registry_get_config (self->registry);
  Request *request = g_object_get_data (G_OBJECT (msg), "sy-request");   /* early handler's */
  const Route *route = &request->route;
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *body = NULL;

  if (route->kind == ROUTE_MANAGEMENT)
    {
      /* Its own rule for browsers: loopback pages, and the origins
       * remote-management.allowed-origins names (with CORS). */
      handle_management (self, msg, path, query, request);
      return;
    }
  if (route->amp != SY_AMP_ROUTE_NONE)
    {
      const char *beta = header_lookup (msg, "Anthropic-Beta");

      if (route->amp != SY_AMP_ROUTE_PROVIDER && !amp_address_allowed (config, msg))
        {
          respond_error (msg, route->format, 403,
                         "Amp management is only served to this machine "
                         "(ampcode.restrict-management-to-localhost)", "permission_error", NULL);
          return;
        }
      if (beta != NULL)
        {
          g_autofree char *kept = sy_amp_filter_beta (beta);
          SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

          if (kept != NULL)
            soup_message_headers_replace (headers, "Anthropic-Beta", kept);
          else
            soup_message_headers_remove (headers, "Anthropic-Beta");
        }
    }
  if (!origin_allowed (msg))
    {
      respond_error (msg, route->format, 403,
                     "Cross-origin requests from web pages are not allowed", "permission_error", NULL);
      return;
    }
  /* Amp's pages go to a browser as ampcode.com's, without our CORS. */
  if (route->amp != SY_AMP_ROUTE_PROXY_ROOT)
    add_cors_headers (msg);

  if (strcmp (method, SOUP_METHOD_OPTIONS) == 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
      return;
    }

  if (route->kind == ROUTE_NOT_FOUND)
    {
      g_autofree char *message = g_strdup_printf ("%s %s is not a Switchyard route", method, path);
      respond_error (msg, route->format, 404, message, NULL, "not_found");
      return;
    }

  if (route->kind != ROUTE_AMP_PROXY && strcmp (method, route->method) != 0 &&
      !(strcmp (method, SOUP_METHOD_HEAD) == 0 && strcmp (route->method, SOUP_METHOD_GET) == 0))
    {
      g_autofree char *message = g_strdup_printf ("%s takes %s, not %s", path, route->method, method);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", route->method);
      respond_error (msg, route->format, 405, message, NULL, NULL);
      return;
    }

  if (route_needs_key (route->kind) && route->amp != SY_AMP_ROUTE_PROXY_ROOT &&
      !check_client_key (self, msg, route, request, query, config))
    return;

  if (route_is_limited (route) && !check_client_limits (self, msg, route, request, config))
    return;

  switch (route->kind)
    {
    case ROUTE_ROOT:
      body = g_strdup ("{\"name\":\"Switchyard\",\"version\":\"" PACKAGE_VERSION "\",\"endpoints\":"
                       "[\"POST /v1/chat/completions\",\"POST /v1/responses\",\"POST /v1/messages\","
                       "\"POST /v1/messages/count_tokens\",\"POST /v1beta/models/{model}:generateContent\","
                       "\"POST /v1beta/models/{model}:streamGenerateContent\","
                       "\"POST /v1beta/models/{model}:countTokens\",\"GET /v1/models\","
                       "\"GET /v1beta/models\",\"GET /healthz\",\"GET /readyz\"]}");
      set_json_response (msg, 200, body, strlen (body));
      break;

    case ROUTE_HEALTH:
      set_json_response (msg, 200, "{\"status\":\"ok\"}", strlen ("{\"status\":\"ok\"}"));
      break;

    case ROUTE_READY:
      body = g_strdup_printf ("{\"status\":\"ready\",\"accounts\":%u,\"models\":%u}",
                              sy_registry_get_accounts (self->registry)->len,
                              sy_registry_get_models (self->registry)->len);
      set_json_response (msg, self->listening ? 200 : 503, body, strlen (body));
      break;

    case ROUTE_MODELS:
      {
        const char *ua = header_lookup (msg, "User-Agent");

        if (g_strcmp0 (route->amp_provider, "google") == 0)
          body = models_gemini (self->registry);
        else if (g_strcmp0 (route->amp_provider, "anthropic") == 0 ||
                 (route->amp_provider == NULL && ua != NULL && g_str_has_prefix (ua, "claude-cli")))
          body = models_claude (self->registry);
        else
          body = models_openai (self->registry);
        set_json_response (msg, 200, body, strlen (body));
      }
      break;

    case ROUTE_GEMINI_MODELS:
      body = models_gemini (self->registry);
      set_json_response (msg, 200, body, strlen (body));
      break;

    case ROUTE_GEMINI_MODEL:
      {
        const char *id = g_str_has_prefix (route->model, "models/") ? route->model + 7 : route->model;
        const SyModelInfo *info = sy_registry_find_model (self->registry, id);

        if (info != NULL &&
            !sy_registry_is_servable (self->registry, id,
                                      sy_account_pool_now (sy_registry_get_pool (self->registry))))
          info = NULL;
        if (info == NULL)
          {
            g_autofree char *message = g_strdup_printf ("Model '%s' is not served here", id);
            respond_error (msg, SY_FORMAT_GEMINI, 404, message, NULL, NULL);
          }
        else
          {
            g_autoptr(JsonBuilder) b = json_builder_new ();

            add_gemini_model (b, info);
            body = builder_to_string (b);
            set_json_response (msg, 200, body, strlen (body));
          }
      }
      break;

    case ROUTE_GENERATE:
      if (request->too_large)
        {
          respond_too_large (msg, request);
          break;
        }
      handle_generate (self, msg, route, request, query);
      break;

    case ROUTE_AMP_PROXY:
      if (request->too_large)
        {
          respond_too_large (msg, request);
          break;
        }
      {
        g_autoptr(GBytes) raw = g_byte_array_free_to_bytes (g_steal_pointer (&request->body));
        g_autofree char *id = g_strdup_printf ("%08x", g_random_int ());

        /* Recorded like the model calls (the request log, the active count). */
        soup_message_headers_replace (soup_server_message_get_response_headers (msg), "X-Request-Id", id);
        start_amp_proxy (self, msg, path, raw, request->api_key, route->format, NULL,
                         route->amp == SY_AMP_ROUTE_PROVIDER, begin_request_log (self, msg, raw, id));
      }
      break;

    case ROUTE_MANAGEMENT:
    case ROUTE_NOT_FOUND:
    default:
      g_assert_not_reached ();
    }
}

/* ---------------------------------------------------------------------- */
/* Body collection and access log                                          */

static void
on_got_chunk (SoupServerMessage *msg,
              GBytes            *chunk,
              Request           *request)
{
  gsize len = g_bytes_get_size (chunk);

  if (request->too_large)
    return;
  if (request->body->len + len > request->limit)
    {
      request->too_large = TRUE;
      g_byte_array_set_size (request->body, 0);
      return;
    }
  g_byte_array_append (request->body, g_bytes_get_data (chunk, NULL), len);
}

/* Answers (SSE events above all) go out in small writes: without
 * TCP_NODELAY each one after the first waits for the client's delayed
 * acknowledgement (Nagle), tens of milliseconds per stream. Once per
 * connection. */
static void
set_no_delay (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  if (socket == NULL || g_object_get_data (G_OBJECT (socket), "sy-no-delay") != NULL)
    return;
  g_object_set_data (G_OBJECT (socket), "sy-no-delay", GINT_TO_POINTER (1));
  if (g_socket_get_family (socket) == G_SOCKET_FAMILY_IPV4 ||
      g_socket_get_family (socket) == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

static void
early_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  SyServer *self = user_data;
  SyConfig *config = sy_registry_get_config (self->registry);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  Request *request = g_new0 (Request, 1);
  goffset length = soup_message_headers_get_content_length (headers);

  set_no_delay (msg);
  classify (soup_server_message_get_method (msg), path, &request->route);
  request->started = g_get_monotonic_time ();
  request->limit = config->max_body_size;
  request->body = g_byte_array_new ();
  g_object_set_data_full (G_OBJECT (msg), "sy-request", request, (GDestroyNotify) request_free);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      (guint64) length > request->limit)
    {
      request->too_large = TRUE;
      respond_too_large (msg, request);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      return;
    }

  /* Collect the body ourselves, so the limit also holds for chunked uploads. */
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), request);
}

/* ---------------------------------------------------------------------- */
/* Deadlines for what the client sends                                     */

/* From the moment libsoup waits for a request (a new connection, or the
 * next request on a kept-alive one) its head must be complete within
 * request-header-timeout, and its body may not stall for longer than
 * request-body-timeout. Once the answer begins nothing is timed here: a
 * stream runs as long as it runs. A connection past its deadline is shut
 * down under libsoup, which then drops it as a client that went away.
 *
 * libsoup announces the next request on a kept-alive connection only once
 * its first bytes are in: the wait for them is timed on the socket, from
 * the end of the request before. (libsoup itself refuses a head over
 * 64 KB: it closes the connection.) */
typedef struct
{
  SoupServerMessage *msg;        /* owns this (as data) */
  GSocket           *socket;
  GSource           *timer;
  guint              header_s;
  guint              body_s;
  gint64             progress;   /* monotonic time of the last body bytes */
  gboolean           reading_body;
} Deadline;

static void
deadline_stop (Deadline *d)
{
  if (d->timer == NULL)
    return;
  g_source_destroy (d->timer);
  g_clear_pointer (&d->timer, g_source_unref);
}

static void
deadline_free (Deadline *d)
{
  deadline_stop (d);
  g_clear_object (&d->socket);
  g_free (d);
}

static void deadline_arm (Deadline *d,
                          gint64    delay_us);

static void
deadline_close (Deadline   *d,
                const char *why)
{
  const char *remote = soup_server_message_get_remote_host (d->msg);

  g_info ("closing the connection from %s: %s", remote ? remote : "-", why);
  g_socket_shutdown (d->socket, TRUE, TRUE, NULL);
}

static gboolean
on_deadline (gpointer data)
{
  Deadline *d = data;
  gint64 late;

  g_clear_pointer (&d->timer, g_source_unref);
  if (!d->reading_body)
    {
      g_autofree char *why = g_strdup_printf ("no complete request head within %u s (request-header-timeout)",
                                              d->header_s);

      deadline_close (d, why);
      return G_SOURCE_REMOVE;
    }
  /* Bytes came meanwhile: wait for the rest of the time from the last. */
  late = g_get_monotonic_time () - d->progress;
  if (late < (gint64) d->body_s * G_USEC_PER_SEC)
    {
      deadline_arm (d, (gint64) d->body_s * G_USEC_PER_SEC - late);
      return G_SOURCE_REMOVE;
    }
  {
    Request *request = g_object_get_data (G_OBJECT (d->msg), "sy-request");
    g_autofree char *message = g_strdup_printf ("The request body stalled: no data for %u s "
                                                "(request-body-timeout)", d->body_s);
    g_autofree char *body = sy_format_error_body (request ? request->route.format : SY_FORMAT_OPENAI, 408,
                                                  message, NULL, "request_timeout");
    g_autofree char *answer = g_strdup_printf ("HTTP/1.1 408 Request Timeout\r\n"
                                               "Content-Type: application/json\r\n"
                                               "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                                               "Connection: close\r\n\r\n%s",
                                               strlen (body), body);

    /* Nothing of an answer has been written while the body is read: the
     * 408 goes straight to the socket (best effort), then it closes. */
    g_socket_send (d->socket, answer, strlen (answer), NULL, NULL);
    deadline_close (d, message);
  }
  return G_SOURCE_REMOVE;
}

static void
deadline_arm (Deadline *d,
              gint64    delay_us)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

  deadline_stop (d);
  d->timer = g_timeout_source_new ((guint) MAX (1, (delay_us + 999) / 1000));
  g_source_set_callback (d->timer, on_deadline, d, NULL);
  g_source_set_static_name (d->timer, "[sy-server] request deadline");
  g_source_attach (d->timer, context);
}

/* A kept-alive connection between requests (data of its GSocket, which it
 * does not reference: the socket's end ends it).
 *
 * Between requests the connection is also watched for the client closing
 * it: libsoup before 3.3 notices that end but never drops the connection,
 * so each one a client closed while idle would keep its descriptor (in
 * CLOSE_WAIT) for the life of the process. Nothing of libsoup's is in
 * flight then, so closing the socket here frees the descriptor; libsoup
 * sees a closed socket if it looks again. */
typedef struct
{
  GSocket *socket;
  GSource *timer;
  GSource *watch;     /* readable: the next request, or the client's close */
  guint    seconds;
} IdleDeadline;

static void
idle_deadline_free (IdleDeadline *idle)
{
  g_source_destroy (idle->timer);
  g_source_unref (idle->timer);
  if (idle->watch != NULL)
    {
      g_source_destroy (idle->watch);
      g_source_unref (idle->watch);
    }
  g_free (idle);
}

/* Ends the idle connection: its descriptor goes now (frees @idle). */
static void
idle_close (IdleDeadline *idle)
{
  GSocket *socket = idle->socket;

  g_socket_shutdown (socket, TRUE, TRUE, NULL);
  g_socket_close (socket, NULL);
  g_object_set_data (G_OBJECT (socket), "sy-idle-deadline", NULL);
}

static gboolean
on_idle_deadline (gpointer data)
{
  IdleDeadline *idle = data;

  g_debug ("closing a kept-alive connection: no new request within %u s (request-header-timeout)",
           idle->seconds);
  idle_close (idle);
  return G_SOURCE_REMOVE;
}

static gboolean
on_idle_readable (GSocket      *socket,
                  GIOCondition  condition,
                  gpointer      data)
{
  IdleDeadline *idle = data;
  char byte;
  GInputVector vector = { &byte, 1 };
  gint flags = G_SOCKET_MSG_PEEK;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_socket_receive_message (socket, NULL, &vector, 1, NULL, NULL, &flags, NULL, &error);
  if (n > 0)
    {
      /* The next request: libsoup reads it; the deadline keeps running
       * until its head is in. */
      g_source_destroy (idle->watch);
      g_clear_pointer (&idle->watch, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  idle_close (idle);
  return G_SOURCE_REMOVE;
}

static void
idle_deadline_start (GSocket *socket,
                     guint    seconds)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  IdleDeadline *idle = g_new0 (IdleDeadline, 1);

  idle->socket = socket;
  idle->seconds = seconds;
  if (seconds > 0)
    {
      idle->timer = g_timeout_source_new (seconds * 1000);
      g_source_set_callback (idle->timer, on_idle_deadline, idle, NULL);
    }
  else
    {
      /* No deadline: a timer that never fires keeps the code simple. */
      idle->timer = g_timeout_source_new_seconds (G_MAXUINT / 1000);
    }
  g_source_set_static_name (idle->timer, "[sy-server] keep-alive deadline");
  g_source_attach (idle->timer, context);
  idle->watch = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (idle->watch, G_SOURCE_FUNC (on_idle_readable), idle, NULL);
  g_source_set_static_name (idle->watch, "[sy-server] keep-alive close watch");
  g_source_attach (idle->watch, context);
  g_object_set_data_full (G_OBJECT (socket), "sy-idle-deadline", idle, (GDestroyNotify) idle_deadline_free);
}

static void
idle_deadline_cancel (GSocket *socket)
{
  if (socket != NULL)
    g_object_set_data (G_OBJECT (socket), "sy-idle-deadline", NULL);
}

static void
on_deadline_got_headers (SoupServerMessage *msg,
                         Deadline          *d)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupEncoding encoding = soup_message_headers_get_encoding (headers);

  deadline_stop (d);
  idle_deadline_cancel (d->socket);
  if (d->body_s == 0 ||
      !(encoding == SOUP_ENCODING_CHUNKED ||
        (encoding == SOUP_ENCODING_CONTENT_LENGTH && soup_message_headers_get_content_length (headers) > 0)))
    return;
  d->reading_body = TRUE;
  d->progress = g_get_monotonic_time ();
  deadline_arm (d, (gint64) d->body_s * G_USEC_PER_SEC);
}

static void
on_deadline_got_chunk (SoupServerMessage *msg,
                       GBytes            *chunk,
                       Deadline          *d)
{
  d->progress = g_get_monotonic_time ();
}

/* The body is in, or the answer has begun: nothing more to wait for. */
static void
on_deadline_done (SoupServerMessage *msg,
                  Deadline          *d)
{
  d->reading_body = FALSE;
  deadline_stop (d);
}

static void
on_deadline_finished (SoupServerMessage *msg,
                      gpointer           data)
{
  g_object_set_data (G_OBJECT (msg), "sy-deadline", NULL);
}

static void
on_request_started (SoupServer        *server,
                    SoupServerMessage *msg,
                    SyServer          *self)
{
  SyConfig *config = sy_registry_get_config (self->registry);
  GSocket *socket = soup_server_message_get_socket (msg);
  Deadline *d;

  idle_deadline_cancel (socket);
  if (socket == NULL || (config->request_header_timeout <= 0 && config->request_body_timeout <= 0))
    return;
  d = g_new0 (Deadline, 1);
  d->msg = msg;
  d->socket = g_object_ref (socket);
  d->header_s = (guint) MAX (config->request_header_timeout, 0);
  d->body_s = (guint) MAX (config->request_body_timeout, 0);
  g_object_set_data_full (G_OBJECT (msg), "sy-deadline", d, (GDestroyNotify) deadline_free);
  g_signal_connect (msg, "got-headers", G_CALLBACK (on_deadline_got_headers), d);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_deadline_got_chunk), d);
  g_signal_connect (msg, "got-body", G_CALLBACK (on_deadline_done), d);
  g_signal_connect (msg, "wrote-headers", G_CALLBACK (on_deadline_done), d);
  g_signal_connect (msg, "finished", G_CALLBACK (on_deadline_finished), NULL);
  if (d->header_s > 0)
    deadline_arm (d, (gint64) d->header_s * G_USEC_PER_SEC);
}

/* Whether libsoup keeps the connection for another request (its own
 * check is private in libsoup 3.2). */
static gboolean
is_keepalive (SoupServerMessage *msg)
{
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);

  if (soup_message_headers_header_contains (out, "Connection", "close") ||
      soup_message_headers_header_contains (in, "Connection", "close"))
    return FALSE;
  return soup_server_message_get_http_version (msg) != SOUP_HTTP_1_0 ||
         soup_message_headers_header_contains (in, "Connection", "Keep-Alive");
}

static void
on_request_finished (SoupServer        *server,
                     SoupServerMessage *msg,
                     SyServer          *self)
{
  Request *request = g_object_get_data (G_OBJECT (msg), "sy-request");
  double ms = request ? (g_get_monotonic_time () - request->started) / 1000.0 : 0;
  SyConfig *config = sy_registry_get_config (self->registry);
  GSocket *socket = soup_server_message_get_socket (msg);
  g_autofree char *path_copy = NULL;

  /* The connection may carry another request: how long it may wait for it. */
  if (socket != NULL && g_socket_is_connected (socket) && is_keepalive (msg))
    idle_deadline_start (socket, (guint) MAX (config->request_header_timeout, 0));

  /* The path only: a query may carry ?key=. */
  g_info ("%u | %.1f ms | %s | %s %s", soup_server_message_get_status (msg), ms,
          soup_server_message_get_remote_host (msg) ? soup_server_message_get_remote_host (msg) : "-",
          soup_server_message_get_method (msg), printable_path (msg, &path_copy));
}

static void
on_request_aborted (SoupServer        *server,
                    SoupServerMessage *msg,
                    SyServer          *self)
{
  g_autofree char *path_copy = NULL;

  sy_debug ("client closed the connection during %s %s", soup_server_message_get_method (msg),
            printable_path (msg, &path_copy));
}

/* ---------------------------------------------------------------------- */

static void
sy_server_dispose (GObject *object)
{
  SyServer *self = SY_SERVER (object);

  sy_server_disconnect (self);
  g_clear_object (&self->soup);
  g_clear_object (&self->http);
  g_clear_pointer (&self->registry, sy_registry_unref);
  g_clear_object (&self->management);
  g_clear_object (&self->usage);
  g_clear_pointer (&self->host, g_free);

  G_OBJECT_CLASS (sy_server_parent_class)->dispose (object);
}

static void
sy_server_finalize (GObject *object)
{
  SyServer *self = SY_SERVER (object);

  /* Every sink holds a reference: none can be left. */
  g_assert (self->sinks->len == 0 && self->proxies->len == 0);
  g_ptr_array_unref (self->sinks);
  g_ptr_array_unref (self->proxies);
  sy_limiter_unref (self->limiter);
  sy_lockout_free (self->lockout);

  G_OBJECT_CLASS (sy_server_parent_class)->finalize (object);
}

static void
sy_server_class_init (SyServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_server_dispose;
  object_class->finalize = sy_server_finalize;
}

static void
sy_server_init (SyServer *self)
{
  self->sinks = g_ptr_array_new ();
  self->proxies = g_ptr_array_new ();
  self->limiter = sy_limiter_new ();
  self->lockout = sy_lockout_new (SY_SERVER_KEY_FAILURES, SY_SERVER_KEY_BAN_US);
}

SyServer *
sy_server_new (SyHttpClient *http,
               SyRegistry   *registry)
{
  SyServer *self = g_object_new (SY_TYPE_SERVER, NULL);

  self->http = g_object_ref (http);
  self->registry = sy_registry_ref (registry);
  self->soup = soup_server_new ("server-header", "switchyard/" PACKAGE_VERSION " ", NULL);
  soup_server_add_early_handler (self->soup, NULL, early_handler, self, NULL);
  soup_server_add_handler (self->soup, NULL, handle_request, self, NULL);
  g_signal_connect_object (self->soup, "request-started", G_CALLBACK (on_request_started), self, 0);
  g_signal_connect_object (self->soup, "request-finished", G_CALLBACK (on_request_finished), self, 0);
  g_signal_connect_object (self->soup, "request-aborted", G_CALLBACK (on_request_aborted), self, 0);

  return self;
}

/* New requests use @registry; requests in flight keep the one they began with. */
void
sy_server_set_registry (SyServer   *self,
                        SyRegistry *registry)
{
  g_return_if_fail (SY_IS_SERVER (self));

  sy_registry_ref (registry);
  g_clear_pointer (&self->registry, sy_registry_unref);
  self->registry = registry;
}

void
sy_server_set_management (SyServer     *self,
                          SyManagement *management)
{
  g_set_object (&self->management, management);
}

void
sy_server_set_usage (SyServer     *self,
                     SyUsageStore *usage)
{
  g_set_object (&self->usage, usage);
}

SyManagement *
sy_server_get_management (SyServer *self)
{
  return self->management;
}

SyRegistry *
sy_server_get_registry (SyServer *self)
{
  return self->registry;
}

/* The kernel's queue of connections not yet accepted. GLib's default is
 * 10: a burst of new connections (an IDE opening a dozen requests at once,
 * a load test) overflowed it and the rest waited a second for the SYN to
 * be sent again. nginx asks for 511; the kernel caps it at somaxconn. */
#define SY_LISTEN_BACKLOG 1024

static gboolean
listen_on (SyServer      *self,
           GInetAddress  *address,
           guint          port,
           guint         *bound_port,
           GError       **error)
{
  GSocketFamily family = g_inet_address_get_family (address);
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GSocketAddress) saddr = g_inet_socket_address_new (address, port);
  g_autoptr(GSocketAddress) local = NULL;

  sock = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (sock == NULL)
    return FALSE;
  /* An IPv6 socket for "::" takes IPv4 too unless told not to; the IPv4
   * one is bound on its own. */
  if (family == G_SOCKET_FAMILY_IPV6 && !g_socket_set_option (sock, IPPROTO_IPV6, IPV6_V6ONLY, 1, error))
    return FALSE;
  if (!g_socket_bind (sock, saddr, TRUE, error))
    return FALSE;
  g_socket_set_listen_backlog (sock, SY_LISTEN_BACKLOG);
  if (!g_socket_listen (sock, error))
    return FALSE;
  if (!soup_server_listen_socket (self->soup, sock, 0, error))
    return FALSE;
  local = g_socket_get_local_address (sock, NULL);
  if (bound_port != NULL && G_IS_INET_SOCKET_ADDRESS (local))
    *bound_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return TRUE;
}

/* IPv4 on @v4 and IPv6 on @v6 on one port (the one IPv4 got, for port 0);
 * a machine without IPv6 is served on IPv4 alone. */
static gboolean
listen_pair (SyServer      *self,
             GInetAddress  *v4,
             GInetAddress  *v6,
             guint          port,
             GError       **error)
{
  guint bound = port;
  g_autoptr(GError) v6_error = NULL;

  if (!listen_on (self, v4, port, &bound, error))
    return FALSE;
  if (!listen_on (self, v6, bound, NULL, &v6_error))
    {
      if (g_error_matches (v6_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED) ||
          g_error_matches (v6_error, G_IO_ERROR, G_IO_ERROR_FAILED) ||
          g_error_matches (v6_error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE))
        g_debug ("no IPv6 listener: %s", v6_error->message);
      else
        {
          g_propagate_error (error, g_steal_pointer (&v6_error));
          soup_server_disconnect (self->soup);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
sy_server_listen (SyServer    *self,
                  const char  *host,
                  guint        port,
                  GError     **error)
{
  g_autoptr(GSList) uris = NULL;
  gboolean ok;

  g_return_val_if_fail (SY_IS_SERVER (self), FALSE);

  if (self->listening)
    sy_server_disconnect (self);

  if (host == NULL || *host == '\0')
    {
      g_autoptr(GInetAddress) v4 = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GInetAddress) v6 = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);

      ok = listen_pair (self, v4, v6, port, error);
    }
  else if (g_ascii_strcasecmp (host, "localhost") == 0)
    {
      g_autoptr(GInetAddress) v4 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GInetAddress) v6 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);

      ok = listen_pair (self, v4, v6, port, error);
    }
  else
    {
      g_autofree char *bare = g_strdup (host);
      g_autoptr(GInetAddress) addr = NULL;

      /* "[::1]" -> "::1" */
      if (bare[0] == '[' && bare[strlen (bare) - 1] == ']')
        {
          memmove (bare, bare + 1, strlen (bare));
          bare[strlen (bare) - 1] = '\0';
        }
      addr = g_inet_address_new_from_string (bare);
      if (addr == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "host '%s' is not an IP address (use an address such as 127.0.0.1, "
                       "'localhost', or \"\" for all interfaces)", host);
          return FALSE;
        }
      ok = listen_on (self, addr, port, NULL, error);
    }

  if (!ok)
    return FALSE;

  self->listening = TRUE;
  g_free (self->host);
  self->host = g_strdup (host ? host : "");
  uris = soup_server_get_uris (self->soup);
  self->port = uris ? (guint) g_uri_get_port (uris->data) : port;
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  return TRUE;
}

void
sy_server_disconnect (SyServer *self)
{
  g_return_if_fail (SY_IS_SERVER (self));

  if (!self->listening)
    return;

  /* The connections close now, so the requests on them end now: their
   * messages are no use to write to, their upstreams are cancelled. */
  for (guint i = 0; i < self->sinks->len; i++)
    {
      SoupSink *sink = g_ptr_array_index (self->sinks, i);

      if (!sink->completed)
        {
          sink->completed = TRUE;
          sy_pipeline_cancel (sink->pipeline);
        }
    }
  for (guint i = 0; i < self->proxies->len; i++)
    sy_amp_proxy_cancel (g_ptr_array_index (self->proxies, i));
  soup_server_disconnect (self->soup);
  self->listening = FALSE;
}

gboolean
sy_server_is_listening (SyServer *self)
{
  return self->listening;
}

guint
sy_server_get_port (SyServer *self)
{
  return self->port;
}

const char *
sy_server_get_host (SyServer *self)
{
  return self->host;
}

guint
sy_server_get_n_active (SyServer *self)
{
  return self->sinks->len + self->proxies->len;
}
