/* sy-pipeline.c: one client request, from model to upstream and back
 *
 * resolve model -> pick account -> build upstream request -> relay -> done
 *
 * The pipeline is written against SySink, so it knows nothing of HTTP
 * servers. It holds the registry (and so the config snapshot) it started
 * with until it is done: a reload never changes a request in flight.
 *
 * Rules kept here:
 *  - same format on both sides: the body is forwarded with only the model
 *    edited, and a stream is relayed event by event without re-encoding;
 *  - nothing reaches the client before the first upstream event, so a failed
 *    attempt moves to the next account while the client has seen nothing;
 *  - a slow client pauses the upstream transfer (back-pressure);
 *  - after the first byte, failures become an error event in the client's
 *    own stream format.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-server"

#include "config.h"

#include <string.h>

#include "sy-core-error.h"
#include "sy-pipeline.h"
#include "sy-sse.h"

#define ERROR_BODY_LIMIT   (1024 * 1024)
#define BUFFERED_LIMIT     (256 * 1024 * 1024)

typedef enum
{
  MODE_NONE,
  MODE_ERROR,      /* upstream said >= 400: collect the body for the client */
  MODE_STREAM,     /* relaying SSE events */
  MODE_BUFFER,     /* collecting a non-streamed answer */
} Mode;

/* The error reported when no attempt succeeds; higher rank wins. */
typedef enum
{
  RANK_NONE,
  RANK_UNSUPPORTED,    /* no account speaks the client's format (yet) */
  RANK_LOCAL,          /* could not build or start the upstream request */
  RANK_TRANSPORT,      /* connection failed or timed out */
  RANK_UPSTREAM,       /* the upstream answered with an error */
} Rank;

struct _SyPipeline
{
  gint               ref_count;
  SyRegistry        *registry;
  SyConfig          *config;          /* borrowed from registry */
  SyHttpClient      *http;
  SyPipelineRequest  req;
  SySink            *sink;

  GPtrArray         *routes;          /* borrowed from registry */
  guint              start;
  guint              attempt;
  SyRoute           *route;
  SyProvider        *provider;
  SyHttpTransfer    *transfer;

  Mode               mode;
  guint              upstream_status;
  GByteArray        *buffer;
  SySseReader       *sse;
  guint              n_events;
  gboolean           saw_done;

  gboolean           started;
  gboolean           done;
  gboolean           cancelled;
  gboolean           paused;

  Rank               err_rank;
  guint              err_status;
  SyFormat           err_format;
  char              *err_message;
  GBytes            *err_body;
  char              *err_content_type;
};

static void try_next_route (SyPipeline *self);

void
sy_pipeline_request_clear (SyPipelineRequest *request)
{
  g_clear_pointer (&request->model, g_free);
  g_clear_pointer (&request->body, json_node_unref);
  g_clear_pointer (&request->request_id, g_free);
}

void
sy_pipeline_respond_error (SySink     *sink,
                           SyFormat    format,
                           guint       status,
                           const char *message,
                           const char *type,
                           const char *code)
{
  char *text = sy_format_error_body (format, status, message, type, code);
  g_autoptr(GBytes) body = g_bytes_new_take (text, strlen (text));

  sink->vtable->respond (sink, status, "application/json", body);
}

SyPipeline *
sy_pipeline_new (SyRegistry        *registry,
                 SyHttpClient      *http,
                 SyPipelineRequest *request,
                 SySink            *sink)
{
  SyPipeline *self = g_new0 (SyPipeline, 1);

  self->ref_count = 1;
  self->registry = sy_registry_ref (registry);
  self->config = sy_registry_get_config (registry);
  self->http = g_object_ref (http);
  self->req = *request;
  memset (request, 0, sizeof *request);
  self->sink = sink;

  return self;
}

SyPipeline *
sy_pipeline_ref (SyPipeline *self)
{
  self->ref_count++;
  return self;
}

static void
clear_attempt (SyPipeline *self)
{
  g_clear_pointer (&self->buffer, g_byte_array_unref);
  g_clear_pointer (&self->sse, sy_sse_reader_free);
  self->mode = MODE_NONE;
  self->upstream_status = 0;
  self->n_events = 0;
  self->saw_done = FALSE;
  self->paused = FALSE;
}

void
sy_pipeline_unref (SyPipeline *self)
{
  if (self == NULL || --self->ref_count > 0)
    return;

  g_assert (self->transfer == NULL);
  clear_attempt (self);
  g_clear_pointer (&self->err_message, g_free);
  g_clear_pointer (&self->err_body, g_bytes_unref);
  g_clear_pointer (&self->err_content_type, g_free);
  sy_pipeline_request_clear (&self->req);
  g_clear_object (&self->http);
  g_clear_pointer (&self->registry, sy_registry_unref);
  g_free (self);
}

static void
record_error (SyPipeline *self,
              Rank        rank,
              guint       status,
              const char *message,
              GBytes     *body,
              const char *content_type)
{
  if (rank < self->err_rank)
    return;

  self->err_rank = rank;
  self->err_status = status;
  self->err_format = self->provider ? sy_provider_get_format (self->provider) : self->req.format;
  g_free (self->err_message);
  self->err_message = g_strdup (message);
  g_clear_pointer (&self->err_body, g_bytes_unref);
  self->err_body = body ? g_bytes_ref (body) : NULL;
  g_free (self->err_content_type);
  self->err_content_type = g_strdup (content_type);
}

static void
respond_recorded_error (SyPipeline *self)
{
  g_autofree char *message = NULL;
  guint status = self->err_status ? self->err_status : 502;

  self->done = TRUE;

  /* An upstream of the client's own format already speaks its error shape. */
  if (self->err_rank == RANK_UPSTREAM && self->err_body != NULL &&
      self->err_format == self->req.format &&
      self->err_content_type != NULL && strstr (self->err_content_type, "json") != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();

      if (json_parser_load_from_data (parser, g_bytes_get_data (self->err_body, NULL),
                                      g_bytes_get_size (self->err_body), NULL))
        {
          self->sink->vtable->respond (self->sink, status, "application/json", self->err_body);
          return;
        }
    }

  if (self->err_body != NULL)
    message = sy_format_error_message_from_body (g_bytes_get_data (self->err_body, NULL),
                                                 g_bytes_get_size (self->err_body));
  if (message == NULL || *message == '\0')
    {
      g_free (message);
      message = g_strdup (self->err_message ? self->err_message : "upstream request failed");
    }

  sy_pipeline_respond_error (self->sink, self->req.format, status, message, NULL, NULL);
}

static gboolean
status_moves_on (guint status)
{
  return status == 408 || status == 429 || status >= 500;
}

static guint
status_for_transport_error (const GError *error)
{
  if (g_error_matches (error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_TIMEOUT))
    return 504;
  return 502;
}

static void
write_stream_error (SyPipeline *self,
                    guint       status,
                    const char *message)
{
  if (self->req.gemini_raw)
    {
      g_autofree char *json = sy_format_error_body (self->req.format, status, message, NULL, NULL);

      if (self->n_events > 0)
        self->sink->vtable->write (self->sink, ",\n", 2);
      self->sink->vtable->write (self->sink, json, strlen (json));
      self->sink->vtable->write (self->sink, "]", 1);
    }
  else
    {
      g_autofree char *frame = sy_format_stream_error (self->req.format, status, message);
      self->sink->vtable->write (self->sink, frame, strlen (frame));
    }
}

static void
finish_stream (SyPipeline *self)
{
  self->done = TRUE;
  self->sink->vtable->finish (self->sink);
}

static void
begin_stream (SyPipeline *self)
{
  self->started = TRUE;
  self->sink->vtable->begin (self->sink, 200,
                             self->req.gemini_raw ? "application/json" : "text/event-stream");
  if (self->req.gemini_raw)
    self->sink->vtable->write (self->sink, "[", 1);
}

static gboolean
on_sse_event (const SySseEvent *event,
              gpointer          user_data)
{
  SyPipeline *self = user_data;

  if (self->cancelled)
    return FALSE;

  if (self->req.gemini_raw)
    {
      if (event->data_len == 0 || strcmp (event->data, "[DONE]") == 0)
        return TRUE;
      if (!self->started)
        begin_stream (self);
      if (self->n_events > 0)
        self->sink->vtable->write (self->sink, ",\n", 2);
      self->sink->vtable->write (self->sink, event->data, event->data_len);
    }
  else
    {
      if (event->data_len == 0 && event->event == NULL)
        return TRUE;    /* comments and keep-alives are not worth a first byte */
      if (!self->started)
        begin_stream (self);
      if (strcmp (event->data, "[DONE]") == 0)
        self->saw_done = TRUE;
      /* The block as received, closed by one blank line. */
      self->sink->vtable->write (self->sink, event->raw, event->raw_len);
      if (event->raw_len > 0 && event->raw[event->raw_len - 1] == '\n')
        self->sink->vtable->write (self->sink, "\n", 1);
      else
        self->sink->vtable->write (self->sink, "\n\n", 2);
    }
  self->n_events++;

  return TRUE;
}

static void
on_response (SyHttpTransfer *transfer,
             guint           status,
             gpointer        user_data)
{
  SyPipeline *self = user_data;
  const char *content_type = sy_http_transfer_get_content_type (transfer);

  self->upstream_status = status;
  self->buffer = g_byte_array_new ();

  if (status >= 400)
    self->mode = MODE_ERROR;
  else if (self->req.stream && content_type != NULL && strstr (content_type, "event-stream") != NULL)
    {
      self->mode = MODE_STREAM;
      self->sse = sy_sse_reader_new (on_sse_event, self);
    }
  else
    self->mode = MODE_BUFFER;

  g_debug ("[%s] upstream answered %u (%s)", self->req.request_id, status,
           content_type ? content_type : "no content type");
}

static void
stop_transfer (SyPipeline *self)
{
  if (self->transfer != NULL)
    {
      sy_http_transfer_cancel (self->transfer);
      g_clear_pointer (&self->transfer, sy_http_transfer_unref);
      sy_pipeline_unref (self);   /* the transfer's reference */
    }
}

static void
on_data (SyHttpTransfer *transfer,
         const char     *data,
         gsize           len,
         gpointer        user_data)
{
  SyPipeline *self = user_data;
  g_autoptr(GError) error = NULL;

  switch (self->mode)
    {
    case MODE_ERROR:
      if (self->buffer->len < ERROR_BODY_LIMIT)
        g_byte_array_append (self->buffer, (const guint8 *) data,
                             MIN (len, ERROR_BODY_LIMIT - self->buffer->len));
      break;

    case MODE_BUFFER:
      if (self->buffer->len + len > BUFFERED_LIMIT)
        {
          sy_pipeline_ref (self);
          stop_transfer (self);
          record_error (self, RANK_TRANSPORT, 502, "upstream answer exceeds the size limit", NULL, NULL);
          respond_recorded_error (self);
          sy_pipeline_unref (self);
          return;
        }
      g_byte_array_append (self->buffer, (const guint8 *) data, len);
      break;

    case MODE_STREAM:
      sy_pipeline_ref (self);
      if (!sy_sse_reader_feed (self->sse, data, len, &error) && !self->cancelled)
        {
          stop_transfer (self);
          if (self->started)
            {
              write_stream_error (self, 502, error->message);
              finish_stream (self);
            }
          else
            {
              record_error (self, RANK_TRANSPORT, 502, error->message, NULL, NULL);
              respond_recorded_error (self);
            }
        }
      else if (!self->cancelled && self->transfer != NULL && !self->paused &&
               self->sink->vtable->get_pending (self->sink) > SY_PIPELINE_HIGH_WATER)
        {
          self->paused = TRUE;
          g_debug ("[%s] client is slow: upstream paused", self->req.request_id);
          sy_http_transfer_pause (self->transfer);
        }
      sy_pipeline_unref (self);
      break;

    case MODE_NONE:
    default:
      break;
    }
}

static void
on_done (SyHttpTransfer *transfer,
         const GError   *error,
         gpointer        user_data)
{
  /* Take over the reference the transfer held. */
  g_autoptr(SyPipeline) self = user_data;
  g_autoptr(SyHttpTransfer) finished = g_steal_pointer (&self->transfer);
  g_autoptr(GBytes) body = NULL;

  if (self->cancelled)
    return;

  if (error != NULL)
    {
      guint status = status_for_transport_error (error);

      g_info ("[%s] %s: %s", self->req.request_id, self->route->account->id, error->message);
      if (self->started)
        {
          write_stream_error (self, status, error->message);
          finish_stream (self);
          return;
        }
      record_error (self, RANK_TRANSPORT, status, error->message, NULL, NULL);
      clear_attempt (self);
      try_next_route (self);
      return;
    }

  switch (self->mode)
    {
    case MODE_ERROR:
      body = g_byte_array_free_to_bytes (g_steal_pointer (&self->buffer));
      record_error (self, RANK_UPSTREAM, self->upstream_status, NULL, body,
                    sy_http_transfer_get_content_type (finished));
      g_info ("[%s] %s answered %u", self->req.request_id, self->route->account->id,
              self->upstream_status);
      clear_attempt (self);
      if (status_moves_on (self->err_status))
        try_next_route (self);
      else
        respond_recorded_error (self);
      break;

    case MODE_STREAM:
      {
        g_autoptr(GError) sse_error = NULL;

        if (!sy_sse_reader_finish (self->sse, &sse_error) && self->started)
          {
            /* The error frame closes the stream: no [DONE], no second ']'. */
            write_stream_error (self, 502, sse_error->message);
            finish_stream (self);
            return;
          }
        if (!self->started)
          {
            record_error (self, RANK_TRANSPORT, 502, "upstream closed the stream before any event",
                          NULL, NULL);
            clear_attempt (self);
            try_next_route (self);
            return;
          }
        if (self->req.gemini_raw)
          self->sink->vtable->write (self->sink, "]", 1);
        else if (self->req.format == SY_FORMAT_OPENAI && !self->saw_done)
          self->sink->vtable->write (self->sink, "data: [DONE]\n\n", 14);
        finish_stream (self);
      }
      break;

    case MODE_BUFFER:
    case MODE_NONE:
    default:
      {
        const char *content_type = sy_http_transfer_get_content_type (finished);

        if (self->buffer != NULL)
          body = g_byte_array_free_to_bytes (g_steal_pointer (&self->buffer));
        else
          body = g_bytes_new (NULL, 0);
        self->done = TRUE;
        self->sink->vtable->respond (self->sink, self->upstream_status,
                                     content_type ? content_type : "application/json", body);
      }
      break;
    }
}

static const SyHttpCallbacks pipeline_callbacks = {
  .response = on_response,
  .data = on_data,
  .done = on_done,
};

static const char *
effective_proxy (SyPipeline      *self,
                 SyUpstreamEntry *entry)
{
  if (entry->proxy_url != NULL && *entry->proxy_url != '\0')
    return entry->proxy_url;
  if (self->config->proxy_url != NULL && *self->config->proxy_url != '\0')
    return self->config->proxy_url;
  return NULL;
}

static gboolean
start_attempt (SyPipeline *self)
{
  SyUpstreamEntry *entry = self->route->account->entry;
  g_autoptr(GError) error = NULL;
  SyUpstreamRequest upstream = { 0 };
  SyProviderCall call = { 0 };
  SyHttpRequestInfo info = { 0 };

  call.account = self->route->account;
  call.upstream_model = self->route->upstream_model;
  call.operation = self->req.operation;
  call.stream = self->req.stream;
  /* Providers only set or drop members each attempt sets anew (the model):
   * the client's body is edited in place, never copied. */
  call.body = self->req.body;
  call.client_header = self->req.client_header;
  call.client_header_data = self->req.client_header_data;

  if (!sy_provider_build_request (self->provider, &call, &upstream, &error))
    {
      record_error (self, RANK_LOCAL, 500, error->message, NULL, NULL);
      return FALSE;
    }

  g_ptr_array_add (upstream.headers, NULL);
  info.method = "POST";
  info.url = upstream.url;
  info.headers = (const char * const *) upstream.headers->pdata;
  info.body = upstream.body;
  info.proxy_url = effective_proxy (self, entry);
  info.connect_timeout_s = self->config->upstream_connect_timeout;
  info.idle_timeout_s = self->config->upstream_idle_timeout;

  g_debug ("[%s] model %s -> %s as %s (%s)", self->req.request_id, self->req.model,
           self->route->account->id, self->route->upstream_model,
           self->req.stream ? "stream" : "single answer");

  sy_pipeline_ref (self);   /* held by the transfer until done or cancel */
  self->transfer = sy_http_client_start (self->http, &info, &pipeline_callbacks, self, &error);
  sy_upstream_request_clear (&upstream);
  if (self->transfer == NULL)
    {
      sy_pipeline_unref (self);
      g_info ("[%s] %s: %s", self->req.request_id, self->route->account->id, error->message);
      record_error (self, RANK_LOCAL, 502, error->message, NULL, NULL);
      return FALSE;
    }

  return TRUE;
}

static void
try_next_route (SyPipeline *self)
{
  guint n = self->routes->len;

  while (self->attempt < n)
    {
      SyRoute *route = g_ptr_array_index (self->routes, (self->start + self->attempt) % n);
      SyProvider *provider = sy_provider_for_kind (route->account->entry->kind);

      self->attempt++;
      self->route = route;
      self->provider = provider;

      if (sy_provider_get_format (provider) != self->req.format)
        {
          g_autofree char *message =
            g_strdup_printf ("model '%s' is served by an upstream that speaks %s; translation "
                             "from %s is not available in this version of Switchyard",
                             self->req.model,
                             sy_format_display_name (sy_provider_get_format (provider)),
                             sy_format_display_name (self->req.format));
          self->provider = NULL;
          record_error (self, RANK_UNSUPPORTED, 501, message, NULL, NULL);
          continue;
        }

      if (start_attempt (self))
        return;
    }

  respond_recorded_error (self);
}

void
sy_pipeline_run (SyPipeline *self)
{
  g_return_if_fail (self->req.body != NULL);

  self->routes = sy_registry_lookup (self->registry, self->req.model);
  if (self->routes == NULL || self->routes->len == 0)
    {
      g_autofree char *message =
        g_strdup_printf ("The model '%s' does not exist or no configured account serves it",
                         self->req.model);

      self->done = TRUE;
      sy_pipeline_respond_error (self->sink, self->req.format, 404, message, NULL, "model_not_found");
      return;
    }

  self->start = sy_registry_next_start (self->registry, self->req.model, self->routes->len);
  try_next_route (self);
}

void
sy_pipeline_sink_drained (SyPipeline *self)
{
  if (self->paused && self->transfer != NULL && !self->cancelled)
    {
      self->paused = FALSE;
      g_debug ("[%s] client caught up: upstream resumed", self->req.request_id);
      sy_http_transfer_resume (self->transfer);
    }
}

/* The client went away: stop the upstream at once, write nothing more. */
void
sy_pipeline_cancel (SyPipeline *self)
{
  if (self->cancelled)
    return;
  self->cancelled = TRUE;
  if (!self->done)
    g_info ("[%s] request ended before its answer (client gone or server stopped); "
            "upstream transfer cancelled", self->req.request_id);
  sy_pipeline_ref (self);
  stop_transfer (self);
  sy_pipeline_unref (self);
}
