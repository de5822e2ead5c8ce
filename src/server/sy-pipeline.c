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
 *    edited (and the reasoning setting, when the model name carries one),
 *    and a stream is relayed event by event without re-encoding;
 *  - different formats: the client's request is decoded into the IR once,
 *    resolved and encoded for each attempt's upstream; answers come back
 *    through the upstream's decoder and the client's encoder, a stream
 *    event by event;
 *  - nothing reaches the client before the first upstream event, so a failed
 *    attempt moves to the next account while the client has seen nothing;
 *  - a slow client pauses the upstream transfer (back-pressure);
 *  - after the first byte, failures become an error event in the client's
 *    own stream format;
 *  - with a request log (the server's), each attempt is recorded there: the
 *    request as sent, the answer's status, headers and bytes as received,
 *    and what made the attempt fail. The log keeps what it is given within
 *    its budget; here it costs one append per upstream chunk.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-server"

#include "config.h"

#include <string.h>

#include "sy-core-error.h"
#include "sy-json-guard.h"
#include "sy-log.h"
#include "sy-pipeline.h"
#include "sy-quota.h"
#include "sy-sse.h"
#include "sy-thinking.h"
#include "sy-usage-sniff.h"

#define ERROR_BODY_LIMIT   (1024 * 1024)
/* The most held of an answer that must be read whole before the client gets
 * anything (a single answer, or an upstream stream collected into one): far
 * above any real answer (images included), low enough that a broken
 * upstream cannot take the machine's memory. */
#define ANSWER_LIMIT       (64 * 1024 * 1024)

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
  RANK_LOCAL,          /* could not build or start the upstream request */
  RANK_TRANSPORT,      /* connection failed or timed out */
  RANK_UPSTREAM,       /* the upstream answered with an error */
  RANK_CLIENT,         /* the request cannot be served as asked (400 from translation) */
} Rank;

/* Between the pipeline and the caller's sink: sees every answer's status
 * and end, for the usage record. */
typedef struct
{
  SySink             parent;
  SyPipeline        *pipeline;
  SySink            *inner;
} RecordingSink;

struct _SyPipeline
{
  gint               ref_count;
  RecordingSink      recording;
  SyRegistry        *registry;
  SyConfig          *config;          /* borrowed from registry */
  SyHttpClient      *http;
  SyPipelineRequest  req;
  SySink            *sink;

  GPtrArray         *routes;          /* borrowed from registry */
  char              *pick_model;      /* the name routes were looked up by */
  GHashTable        *tried;           /* SyRoute* tried in this round */
  guint              n_tried;         /* accounts tried in this round */
  guint              round;           /* request-retry rounds done */
  guint              retry_timer;     /* a round waiting for a cooldown to end */
  SyPickInfo         last_pick;       /* why the last pick found nothing */
  SyFailure          failure;         /* the last upstream failure */
  gboolean           any_quota;       /* some account answered 429 */
  gboolean           previewed;       /* switched to the preview model already */
  char              *prefer_group;    /* quota-exceeded.switch-project */
  char              *avoid_group;
  GHashTable        *refreshed;       /* SyAccountState* refreshed for this request */
  char              *sent_token;      /* a login's access token, as this attempt sent it */
  char             **fallbacks;       /* more base URLs for this route's account, or NULL */
  guint              base_index;      /* 0: its own base; n: fallbacks[n - 1] */
  SyRoute           *route;
  SyProvider        *provider;
  SyHttpTransfer    *transfer;

  Mode               mode;
  guint              upstream_status;
  GByteArray        *buffer;
  SySseReader       *sse;
  guint              n_events;        /* upstream events received */
  guint              n_frames;        /* client frames written */
  gsize              collected;       /* bytes of a stream read into the collector */
  gboolean           saw_done;

  /* Translation: the client's request in the IR (decoded once), and the
   * codec state of the current attempt. */
  SyIrRequest       *ir;
  SyIrReasoning      ir_reasoning;    /* as decoded: restored before each attempt */
  gint64             ir_max_tokens;
  SyTranslateCtx    *tctx;
  SyStreamDecoder   *decoder;
  SyStreamEncoder   *encoder;
  SyIrCollector     *collector;
  gboolean           translate;       /* this attempt goes through the codecs */
  gboolean           upstream_stream; /* this attempt asked the upstream to stream */
  gboolean           stream_ended;    /* an error frame ended the client's stream */
  GError            *decode_error;    /* the upstream stream could not be read */
  guint              early_status;    /* the stream opened with an error event: its status */
  char              *early_message;
  GString           *frame_buf;

  SyRequestLog      *log;             /* borrowed from the server's sink; NULL: none */

  /* The usage record */
  SyUsageStore      *usage_store;     /* NULL: nothing recorded */
  SyIrUsage          usage;
  gint64             began_real;      /* wall clock at creation */
  gint64             began;           /* monotonic */
  gint64             first_byte;      /* monotonic, 0 until the client gets a status */
  guint              client_status;   /* the status the client got */
  guint              stream_error;    /* an error frame ended the stream: its status */
  guint              n_attempts;
  gboolean           recorded;

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
static gint64 pool_now (SyPipeline *self);
static void stop_transfer (SyPipeline *self);
static void attempt_failed (SyPipeline *self, guint status, GBytes *body, const char *retry_after,
                            const char *message);

void
sy_pipeline_request_clear (SyPipelineRequest *request)
{
  g_clear_pointer (&request->model, g_free);
  g_clear_pointer (&request->body, json_node_unref);
  g_clear_pointer (&request->request_id, g_free);
  g_clear_pointer (&request->api_key, g_free);
  g_clear_pointer (&request->route_label, g_free);
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

/* -- The usage record ------------------------------------------------------- */

static gint64
known (gint64 value)
{
  return value == SY_IR_UNSET ? 0 : value;
}

static void
record_usage (SyPipeline *self)
{
  SyUsageRecord record = { 0 };
  g_autofree char *key_id = NULL;
  g_autofree char *key_label = NULL;
  SyAccount *account = self->route ? self->route->account : NULL;
  gint64 now = g_get_monotonic_time ();

  if (self->recorded)
    return;
  self->recorded = TRUE;
  if (self->usage_store == NULL || !self->config->usage_statistics_enabled)
    return;

  if (self->req.api_key != NULL)
    {
      key_id = sy_usage_key_id (self->req.api_key);
      key_label = sy_mask_secret (self->req.api_key);
    }
  else if (self->req.route_label != NULL)
    key_label = g_strdup (self->req.route_label);

  record.time_us = self->began_real;
  record.key_id = key_id;
  record.key_label = key_label;
  record.account_id = account ? account->id : NULL;
  record.provider = account ? account->provider : NULL;
  record.model_asked = self->req.model;
  record.model_served = self->route ? self->route->upstream_model : NULL;
  record.client_format = (char *) sy_format_to_string (self->req.format);
  record.upstream_format = self->provider ? (char *) sy_format_to_string (sy_provider_get_format (self->provider))
                                          : NULL;
  record.stream = self->req.stream;
  record.status = self->stream_error ? self->stream_error : self->client_status;
  record.latency_us = now - self->began;
  record.ttfb_us = self->first_byte ? self->first_byte - self->began : 0;
  record.input_tokens = known (self->usage.input_tokens);
  record.output_tokens = known (self->usage.output_tokens);
  record.cached_tokens = known (self->usage.cached_tokens);
  record.reasoning_tokens = known (self->usage.reasoning_tokens);
  record.retries = self->n_attempts > 1 ? self->n_attempts - 1 : 0;
  sy_usage_store_add (self->usage_store, &record);
}

static void
recording_respond (SySink     *sink,
                   guint       status,
                   const char *content_type,
                   GBytes     *body)
{
  RecordingSink *rec = (RecordingSink *) sink;
  SyPipeline *self = rec->pipeline;

  self->client_status = status;
  if (self->first_byte == 0)
    self->first_byte = g_get_monotonic_time ();
  rec->inner->vtable->respond (rec->inner, status, content_type, body);
  record_usage (self);
}

static void
recording_begin (SySink     *sink,
                 guint       status,
                 const char *content_type)
{
  RecordingSink *rec = (RecordingSink *) sink;

  rec->pipeline->client_status = status;
  if (rec->pipeline->first_byte == 0)
    rec->pipeline->first_byte = g_get_monotonic_time ();
  rec->inner->vtable->begin (rec->inner, status, content_type);
}

static void
recording_write (SySink     *sink,
                 const char *data,
                 gsize       len)
{
  RecordingSink *rec = (RecordingSink *) sink;

  rec->inner->vtable->write (rec->inner, data, len);
}

static void
recording_finish (SySink *sink)
{
  RecordingSink *rec = (RecordingSink *) sink;

  rec->inner->vtable->finish (rec->inner);
  record_usage (rec->pipeline);
}

static gsize
recording_get_pending (SySink *sink)
{
  RecordingSink *rec = (RecordingSink *) sink;

  return rec->inner->vtable->get_pending (rec->inner);
}

static void
recording_set_header (SySink     *sink,
                      const char *name,
                      const char *value)
{
  RecordingSink *rec = (RecordingSink *) sink;

  rec->inner->vtable->set_header (rec->inner, name, value);
}

static const SySinkVTable recording_vtable = {
  .respond = recording_respond,
  .begin = recording_begin,
  .write = recording_write,
  .finish = recording_finish,
  .get_pending = recording_get_pending,
  .set_header = recording_set_header,
};

/* Usage in an answer relayed untouched (same format on both sides). */
static void
sniff_usage (SyPipeline *self,
             const char *data,
             gsize       len)
{
  if (self->usage_store == NULL || !sy_usage_sniff_worth_parsing (data, len))
    return;
  sy_usage_sniff_text (sy_provider_get_format (self->provider), data, len, &self->usage);
}

/* -- Quota read from the traffic ------------------------------------------- */

static const char *
transfer_header (gpointer    data,
                 const char *name)
{
  return sy_http_transfer_get_header (data, name);
}

static void
take_quota (SyPipeline *self,
            GPtrArray  *windows)
{
  if (windows->len > 0)
    sy_account_state_update_quota_windows (self->route->account->state, windows, pool_now (self));
  g_ptr_array_unref (windows);
}

/* "rate_limits" in the first bytes of an event (every event comes here):
 * memchr for its first letter, not g_strstr_len's byte-by-byte compare. */
static gboolean
has_rate_limits (const char *data,
                 gsize       len)
{
  const char *end = data + len;
  const char *p = data;

  while ((p = memchr (p, 'r', (gsize) (end - p))) != NULL)
    {
      if ((gsize) (end - p) >= 11 && memcmp (p, "rate_limits", 11) == 0)
        return TRUE;
      p++;
    }
  return FALSE;
}

/* Codex reports its windows in an event of the stream. */
static void
sniff_quota_event (SyPipeline       *self,
                   const SySseEvent *event)
{
  g_autoptr(JsonNode) node = NULL;

  if (event->data_len == 0 ||
      !((event->event != NULL && strstr (event->event, "rate_limits") != NULL) ||
        has_rate_limits (event->data, MIN (event->data_len, 64))))
    return;
  node = sy_json_parse (event->data, event->data_len, NULL);
  if (node != NULL)
    take_quota (self, sy_quota_from_event (self->route->account->provider, event->event, node,
                                           g_get_real_time ()));
}

void
sy_pipeline_set_usage (SyPipeline   *self,
                       SyUsageStore *store)
{
  self->usage_store = store;
}

void
sy_pipeline_set_request_log (SyPipeline   *self,
                             SyRequestLog *log)
{
  self->log = log;
}

/* What ended the current attempt (or broke its stream off). */
static void
log_attempt_error (SyPipeline *self,
                   const char *message)
{
  if (self->log != NULL)
    sy_request_log_upstream_error (self->log, message);
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
  self->recording.parent.vtable = &recording_vtable;
  self->recording.pipeline = self;
  self->recording.inner = sink;
  self->sink = &self->recording.parent;
  self->began_real = g_get_real_time ();
  self->began = g_get_monotonic_time ();
  sy_ir_usage_init (&self->usage);
  self->tried = g_hash_table_new (NULL, NULL);
  self->refreshed = g_hash_table_new (NULL, NULL);

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
  g_clear_pointer (&self->decoder, sy_stream_decoder_free);
  g_clear_pointer (&self->encoder, sy_stream_encoder_free);
  g_clear_pointer (&self->collector, sy_ir_collector_free);
  g_clear_pointer (&self->tctx, sy_translate_ctx_free);
  g_clear_error (&self->decode_error);
  g_clear_pointer (&self->early_message, g_free);
  self->early_status = 0;
  self->translate = FALSE;
  self->upstream_stream = FALSE;
  self->stream_ended = FALSE;
  self->mode = MODE_NONE;
  self->upstream_status = 0;
  self->n_events = 0;
  self->n_frames = 0;
  self->collected = 0;
  self->saw_done = FALSE;
  self->paused = FALSE;
}

void
sy_pipeline_unref (SyPipeline *self)
{
  if (self == NULL || --self->ref_count > 0)
    return;

  g_assert (self->transfer == NULL);
  g_assert (self->retry_timer == 0);
  clear_attempt (self);
  g_hash_table_unref (self->tried);
  g_hash_table_unref (self->refreshed);
  g_free (self->pick_model);
  g_clear_pointer (&self->sent_token, g_free);
  g_strfreev (self->fallbacks);
  g_free (self->prefer_group);
  g_free (self->avoid_group);
  g_clear_pointer (&self->err_message, g_free);
  g_clear_pointer (&self->err_body, g_bytes_unref);
  g_clear_pointer (&self->err_content_type, g_free);
  g_clear_pointer (&self->ir, sy_ir_request_free);
  if (self->frame_buf != NULL)
    g_string_free (self->frame_buf, TRUE);
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
  /* These come from the current attempt; an error status is recorded with
   * its answer, and the client-side and local ones belong to no attempt. */
  if (rank == RANK_TRANSPORT || (rank == RANK_UPSTREAM && message != NULL))
    log_attempt_error (self, message);
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

/* An upstream's error answer as the client may see it: an upstream that
 * quotes the request it refused (a gateway echoing its Authorization
 * header, a proxy's error page) would otherwise hand our keys and tokens
 * to the client. Every key and token the log knows is masked. */
static GBytes *
masked_error_body (GBytes *body)
{
  gsize len;
  const char *data = g_bytes_get_data (body, &len);
  g_autofree char *text = NULL;
  char *masked;

  /* Error answers are text (JSON, HTML); one with a NUL is cut there. */
  text = g_strndup (data, len);
  masked = sy_log_mask_secrets (text);
  return g_bytes_new_take (masked, strlen (masked));
}

static void
respond_recorded_error (SyPipeline *self)
{
  g_autofree char *message = NULL;
  g_autoptr(GBytes) body = NULL;
  guint status = self->err_status ? self->err_status : 502;

  self->done = TRUE;
  if (self->err_body != NULL)
    body = masked_error_body (self->err_body);

  /* An upstream of the client's own format already speaks its error shape. */
  if (self->err_rank == RANK_UPSTREAM && body != NULL &&
      self->err_format == self->req.format &&
      self->err_content_type != NULL && strstr (self->err_content_type, "json") != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();

      if (sy_json_parser_load (parser, g_bytes_get_data (body, NULL),
                                      g_bytes_get_size (body), NULL))
        {
          self->sink->vtable->respond (self->sink, status, "application/json", body);
          return;
        }
    }

  if (body != NULL)
    message = sy_format_error_message_from_body (g_bytes_get_data (body, NULL),
                                                 g_bytes_get_size (body));
  if (message == NULL || *message == '\0')
    {
      g_free (message);
      message = sy_log_mask_secrets (self->err_message ? self->err_message : "upstream request failed");
    }

  sy_pipeline_respond_error (self->sink, self->req.format, status, message, NULL, NULL);
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
                    const char *unmasked)
{
  /* It may quote an upstream's answer: see masked_error_body(). */
  g_autofree char *message = sy_log_mask_secrets (unmasked);

  self->stream_error = status;
  log_attempt_error (self, message);
  if (self->req.gemini_raw)
    {
      g_autofree char *json = sy_format_error_body (self->req.format, status, message, NULL, NULL);

      if (self->n_frames > 0)
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

/* ------------------------------------------------------------ translation */

/* One frame of the client's stream from its encoder. */
static void
on_client_frame (const char *event,
                 const char *data,
                 gsize       len,
                 gpointer    user_data)
{
  SyPipeline *self = user_data;

  if (self->cancelled)
    return;
  if (!self->started)
    begin_stream (self);

  if (self->req.gemini_raw)
    {
      if (len == 6 && memcmp (data, "[DONE]", 6) == 0)
        return;
      if (self->n_frames > 0)
        self->sink->vtable->write (self->sink, ",\n", 2);
      self->sink->vtable->write (self->sink, data, len);
    }
  else
    {
      if (self->frame_buf == NULL)
        self->frame_buf = g_string_sized_new (256);
      g_string_truncate (self->frame_buf, 0);
      sy_sse_append_event (self->frame_buf, event, data, len);
      self->sink->vtable->write (self->sink, self->frame_buf->str, self->frame_buf->len);
    }
  self->n_frames++;
}

/* One IR event from the upstream's decoder, to the client's stream. */
static void
on_ir_event (const SyIrEvent *event,
             gpointer         user_data)
{
  SyPipeline *self = user_data;

  if (self->stream_ended || self->cancelled)
    return;
  /* An error before anything reached the client (an overloaded upstream
   * that answered 200, then an error event) is a failed attempt: the
   * next account may serve it. */
  if (event->type == SY_IR_EVENT_ERROR && !self->started && self->n_frames == 0)
    {
      self->early_status = event->status >= 400 ? event->status : 502;
      self->early_message = event->text ? g_strndup (event->text, event->text_len ? event->text_len
                                                                                  : strlen (event->text))
                                        : g_strdup ("the upstream reported an error");
      self->stream_ended = TRUE;
      return;
    }
  if (event->type == SY_IR_EVENT_USAGE)
    sy_ir_usage_merge (&self->usage, &event->usage);
  sy_stream_encoder_encode (self->encoder, event);
  if (event->type == SY_IR_EVENT_ERROR)
    {
      const char *text = event->text ? event->text : "(no message)";
      int len = (int) (event->text && event->text_len ? event->text_len : strlen (text));

      g_info ("[%s] upstream reported an error in its stream: %.*s", self->req.request_id, len, text);
      if (self->log != NULL)
        {
          g_autofree char *message = g_strndup (text, len);

          log_attempt_error (self, message);
        }
      self->stream_ended = TRUE;
    }
}

static guint
status_for_translate_error (const GError *error)
{
  if (g_error_matches (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM))
    return 502;
  return 400;
}

/* The client's request in the IR, decoded on first need. */
static gboolean
ensure_ir (SyPipeline *self,
           GError    **error)
{
  const SyCodec *codec;
  g_autoptr(SyTranslateCtx) ctx = NULL;

  if (self->ir != NULL)
    return TRUE;
  codec = sy_codec_for_format (self->req.format);
  if (codec == NULL || codec->decode_request == NULL)
    {
      g_set_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UNSUPPORTED,
                   "requests in the %s format cannot be translated",
                   sy_format_display_name (self->req.format));
      return FALSE;
    }
  ctx = sy_translate_ctx_new (self->req.format, self->req.format);
  self->ir = codec->decode_request (self->req.body, ctx, error);
  if (self->ir == NULL)
    return FALSE;
  if (self->ir->messages->len == 0)
    {
      /* Every upstream refuses an empty conversation; say so in the client's terms. */
      const char *field = self->req.format == SY_FORMAT_OPENAI_RESPONSES ? "input"
                          : self->req.format == SY_FORMAT_GEMINI || self->req.format == SY_FORMAT_GEMINI_CLI
                          ? "contents" : "messages";

      g_clear_pointer (&self->ir, sy_ir_request_free);
      g_set_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_INVALID,
                   "%s: at least one message is required", field);
      return FALSE;
    }
  g_free (self->ir->model);
  self->ir->model = g_strdup (self->req.model);
  self->ir->stream = self->req.stream;
  self->ir_reasoning = self->ir->reasoning;
  self->ir_max_tokens = self->ir->max_tokens;
  return TRUE;
}

static gboolean
resolve_reasoning (SyPipeline *self,
                   SyFormat    upstream_format,
                   gboolean   *changed,
                   GError    **error)
{
  SyThinkingCaps caps;
  const SyThinkingCaps *use_caps = NULL;

  /* Each attempt starts from what the client asked. */
  self->ir->reasoning.mode = self->ir_reasoning.mode;
  self->ir->reasoning.level = self->ir_reasoning.level;
  self->ir->reasoning.budget = self->ir_reasoning.budget;
  self->ir->reasoning.include_thoughts = self->ir_reasoning.include_thoughts;
  self->ir->reasoning.adaptive = self->ir_reasoning.adaptive;
  self->ir->max_tokens = self->ir_max_tokens;

  if (self->route->catalogue != NULL)
    {
      sy_thinking_caps_from_json (self->route->catalogue, &caps);
      use_caps = &caps;
    }
  return sy_thinking_resolve (self->ir, self->req.model, use_caps, self->req.format,
                              upstream_format, sy_provider_get_flavor (self->provider),
                              changed, error);
}

/* A rough local count for upstreams without a counting endpoint: about four
 * characters per token over all text, tool arguments and schemas, and a
 * flat cost per image or document. */
static gint64
estimate_tokens (const SyIrRequest *request)
{
  gsize chars = 0;
  gint64 media = 0;
  guint i, j;

  for (i = 0; i < request->system->len; i++)
    {
      SyIrPart *part = g_ptr_array_index (request->system, i);
      chars += part->text ? strlen (part->text) : 0;
    }
  for (i = 0; i < request->messages->len; i++)
    {
      SyIrMessage *message = g_ptr_array_index (request->messages, i);

      for (j = 0; j < message->parts->len; j++)
        {
          SyIrPart *part = g_ptr_array_index (message->parts, j);
          g_autofree char *result = NULL;

          switch (part->type)
            {
            case SY_IR_PART_TEXT:
            case SY_IR_PART_THINKING:
              chars += part->text ? strlen (part->text) : 0;
              break;
            case SY_IR_PART_TOOL_CALL:
              chars += (part->name ? strlen (part->name) : 0) +
                       (part->arguments ? strlen (part->arguments) : 0);
              break;
            case SY_IR_PART_TOOL_RESULT:
              result = sy_ir_parts_text (part->content, "\n");
              chars += strlen (result);
              break;
            case SY_IR_PART_IMAGE:
            case SY_IR_PART_DOCUMENT:
            case SY_IR_PART_AUDIO:
            default:
              media += 258;
              break;
            }
        }
    }
  for (i = 0; i < request->tools->len; i++)
    {
      SyIrTool *tool = g_ptr_array_index (request->tools, i);
      g_autofree char *schema = tool->parameters ? sy_json_to_string (tool->parameters) : NULL;

      chars += (tool->name ? strlen (tool->name) : 0) +
               (tool->description ? strlen (tool->description) : 0) +
               (schema ? strlen (schema) : 0);
    }
  return (gint64) ((chars + 3) / 4) + media;
}

static void
respond_json (SyPipeline *self,
              guint       status,
              JsonNode   *node)
{
  char *text = sy_json_to_string (node);
  g_autoptr(GBytes) body = g_bytes_new_take (text, strlen (text));

  self->done = TRUE;
  self->sink->vtable->respond (self->sink, status, "application/json", body);
}

static void
respond_translate_error (SyPipeline   *self,
                         guint         status,
                         const GError *error)
{
  /* A 5xx here is an answer of the upstream's that could not be read. */
  if (status >= 500)
    log_attempt_error (self, error->message);
  self->done = TRUE;
  sy_pipeline_respond_error (self->sink, self->req.format, status, error->message,
                             NULL, NULL);
}

/* A whole upstream answer, for a client of another format. */
static void
translate_whole_answer (SyPipeline *self,
                        GBytes     *body)
{
  const SyCodec *up = sy_codec_for_format (self->tctx->upstream_format);
  const SyCodec *client = sy_codec_for_format (self->req.format);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) out = NULL;
  g_autoptr(SyIrResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  node = sy_json_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error);
  if (node == NULL)
    {
      g_autoptr(GError) wrapped = g_error_new (SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM,
                                               "the upstream's answer is not JSON: %s", error->message);
      respond_translate_error (self, 502, wrapped);
      return;
    }

  if (self->req.operation == SY_OPERATION_COUNT_TOKENS)
    {
      gint64 tokens = 0;

      if (!up->decode_count_response (node, &tokens, &error))
        {
          respond_translate_error (self, 502, error);
          return;
        }
      out = client->encode_count_response (tokens);
      respond_json (self, 200, out);
      return;
    }

  response = up->decode_response (node, self->tctx, &error);
  if (response == NULL)
    {
      respond_translate_error (self, status_for_translate_error (error), error);
      return;
    }
  sy_ir_usage_merge (&self->usage, &response->usage);

  if (self->req.stream)
    {
      /* Asked for a stream, got one piece: replay it as a stream. */
      self->encoder = client->stream_encoder_new (self->tctx, on_client_frame, self);
      sy_ir_response_emit (response, on_ir_event, self);
      if (!self->stream_ended)
        sy_stream_encoder_finish (self->encoder);
      if (self->req.gemini_raw && self->started)
        self->sink->vtable->write (self->sink, "]", 1);
      finish_stream (self);
      return;
    }

  out = client->encode_response (response, self->tctx, &error);
  if (out == NULL)
    {
      respond_translate_error (self, status_for_translate_error (error), error);
      return;
    }
  respond_json (self, 200, out);
}

/* The classifier reads retry hints from an error body: one for a message
 * that came some other way. */
static GBytes *
error_body_of (const char *message)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  char *text;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  return g_bytes_new_take (text, strlen (text));
}

/* The stream stopped early: the upstream sent an error event (its frame is
 * written already) or something that cannot be read. */
static void
translate_stream_failed (SyPipeline *self)
{
  stop_transfer (self);
  if (self->early_message != NULL)
    {
      g_autofree char *message = g_steal_pointer (&self->early_message);
      g_autoptr(GBytes) body = error_body_of (message);
      guint status = self->early_status;

      g_info ("[%s] the upstream's stream opened with an error (%u): %s", self->req.request_id, status, message);
      record_error (self, RANK_UPSTREAM, status, message, NULL, NULL);
      attempt_failed (self, status, body, NULL, message);
      return;
    }
  if (self->decode_error != NULL)
    {
      g_info ("[%s] upstream stream unreadable: %s", self->req.request_id, self->decode_error->message);
      if (self->collector != NULL)
        respond_translate_error (self, 502, self->decode_error);
      else if (self->started)
        {
          write_stream_error (self, 502, self->decode_error->message);
          finish_stream (self);
        }
      else
        {
          g_autofree char *message = g_strdup (self->decode_error->message);

          record_error (self, RANK_TRANSPORT, 502, message, NULL, NULL);
          attempt_failed (self, 502, NULL, NULL, message);
        }
      return;
    }
  if (self->req.gemini_raw && self->started)
    self->sink->vtable->write (self->sink, "]", 1);
  finish_stream (self);
}

/* The upstream's stream ended normally. */
static void
translate_stream_end (SyPipeline *self)
{
  const SyCodec *client = sy_codec_for_format (self->req.format);
  g_autoptr(GError) error = NULL;

  if (!self->stream_ended && !sy_stream_decoder_finish (self->decoder, &error))
    {
      if (self->collector == NULL && self->started)
        {
          write_stream_error (self, 502, error->message);
          finish_stream (self);
        }
      else
        respond_translate_error (self, 502, error);
      return;
    }

  if (self->collector != NULL)
    {
      guint status = 0;
      g_autoptr(SyIrResponse) response = sy_ir_collector_finish (self->collector, &status, &error);
      g_autoptr(JsonNode) out = NULL;

      if (response != NULL)
        sy_ir_usage_merge (&self->usage, &response->usage);

      if (response == NULL)
        {
          /* Nothing was sent: a failed attempt, like an error status
           * (an error event without a status counts as a 502). */
          g_autofree char *message = g_strdup (error->message);
          g_autoptr(GBytes) body = error_body_of (message);

          status = status >= 400 ? status : 502;
          stop_transfer (self);
          record_error (self, RANK_UPSTREAM, status, message, NULL, NULL);
          attempt_failed (self, status, body, NULL, message);
          return;
        }
      out = client->encode_response (response, self->tctx, &error);
      if (out == NULL)
        {
          respond_translate_error (self, status_for_translate_error (error), error);
          return;
        }
      respond_json (self, 200, out);
      return;
    }

  if (!self->stream_ended)
    sy_stream_encoder_finish (self->encoder);
  if (self->req.gemini_raw && self->started)
    self->sink->vtable->write (self->sink, "]", 1);
  finish_stream (self);
}

static gboolean
on_sse_event (const SySseEvent *event,
              gpointer          user_data)
{
  SyPipeline *self = user_data;

  if (self->cancelled)
    return FALSE;

  sniff_quota_event (self, event);
  if (self->translate)
    {
      if (self->stream_ended || self->decode_error != NULL)
        return FALSE;
      if (event->data_len == 0 && event->event == NULL)
        return TRUE;
      self->n_events++;
      if (!sy_stream_decoder_feed (self->decoder, event->event, event->data, event->data_len,
                                   &self->decode_error))
        return FALSE;
      return !self->stream_ended;
    }

  if (self->req.gemini_raw)
    {
      if (event->data_len == 0 || strcmp (event->data, "[DONE]") == 0)
        return TRUE;
      sniff_usage (self, event->data, event->data_len);
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
      else
        sniff_usage (self, event->data, event->data_len);
      /* The block as received, closed by one blank line in the block's
       * own line ending: Google sends "\r\n\r\n", and the stream reader
       * of @google/genai inside Gemini CLI takes "\r\n\n" for half an
       * event ("Incomplete JSON segment at the end"). */
      self->sink->vtable->write (self->sink, event->raw, event->raw_len);
      if (event->raw_len > 1 && event->raw[event->raw_len - 2] == '\r' && event->raw[event->raw_len - 1] == '\n')
        self->sink->vtable->write (self->sink, "\r\n", 2);
      else if (event->raw_len > 0 && (event->raw[event->raw_len - 1] == '\n' || event->raw[event->raw_len - 1] == '\r'))
        self->sink->vtable->write (self->sink, event->raw + event->raw_len - 1, 1);
      else
        self->sink->vtable->write (self->sink, "\n\n", 2);
    }
  self->n_events++;
  self->n_frames++;

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
  if (self->log != NULL)
    {
      g_auto(GStrv) headers = sy_http_transfer_dup_headers (transfer);

      sy_request_log_upstream_response (self->log, status, (const char * const *) headers);
    }
  if (sy_http_transfer_has_header_prefix (transfer, sy_quota_header_prefixes ()))
    take_quota (self, sy_quota_from_headers (self->route->account->provider, transfer_header, transfer,
                                             g_get_real_time ()));

  if (status < 400)
    {
      g_autofree char *key = sy_route_model_key (self->route);
      SyAccountPool *pool = sy_registry_get_pool (self->registry);

      sy_account_state_mark_success (self->route->account->state, key, sy_account_pool_now (pool));
    }

  if (status >= 400)
    self->mode = MODE_ERROR;
  else if ((self->translate ? self->upstream_stream : self->req.stream) &&
           content_type != NULL && strstr (content_type, "event-stream") != NULL)
    {
      self->mode = MODE_STREAM;
      self->sse = sy_sse_reader_new (on_sse_event, self);
      if (self->translate)
        {
          const SyCodec *up = sy_codec_for_format (self->tctx->upstream_format);
          const SyCodec *client = sy_codec_for_format (self->req.format);

          if (self->req.stream)
            {
              self->encoder = client->stream_encoder_new (self->tctx, on_client_frame, self);
              self->decoder = up->stream_decoder_new (self->tctx, on_ir_event, self);
            }
          else
            {
              self->collector = sy_ir_collector_new ();
              self->decoder = up->stream_decoder_new (self->tctx, sy_ir_collector_add, self->collector);
            }
        }
    }
  else
    self->mode = MODE_BUFFER;

  sy_debug ("[%s] upstream answered %u (%s)", self->req.request_id, status,
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

/* An answer that must be held whole outgrew ANSWER_LIMIT: nothing was
 * sent yet, so the client gets an error saying so. */
static void
answer_too_large (SyPipeline *self)
{
  g_autofree char *message = g_strdup_printf ("the upstream's answer is larger than %d MiB, the most "
                                              "held for a single answer", ANSWER_LIMIT >> 20);

  g_info ("[%s] %s", self->req.request_id, message);
  sy_pipeline_ref (self);
  stop_transfer (self);
  record_error (self, RANK_TRANSPORT, 502, message, NULL, NULL);
  respond_recorded_error (self);
  sy_pipeline_unref (self);
}

static void
on_data (SyHttpTransfer *transfer,
         const char     *data,
         gsize           len,
         gpointer        user_data)
{
  SyPipeline *self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->log != NULL)
    sy_request_log_upstream_append (self->log, data, len);

  switch (self->mode)
    {
    case MODE_ERROR:
      if (self->buffer->len < ERROR_BODY_LIMIT)
        g_byte_array_append (self->buffer, (const guint8 *) data,
                             MIN (len, ERROR_BODY_LIMIT - self->buffer->len));
      break;

    case MODE_BUFFER:
      if (self->buffer->len + len > ANSWER_LIMIT)
        {
          answer_too_large (self);
          return;
        }
      g_byte_array_append (self->buffer, (const guint8 *) data, len);
      break;

    case MODE_STREAM:
      /* A stream collected into a single answer is held whole too. */
      if (self->collector != NULL && (self->collected += len) > ANSWER_LIMIT)
        {
          answer_too_large (self);
          return;
        }
      sy_pipeline_ref (self);
      if (!sy_sse_reader_feed (self->sse, data, len, &error) && !self->cancelled &&
               !(self->translate && (self->stream_ended || self->decode_error != NULL)))
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
      else if (self->translate && !self->cancelled &&
               (self->stream_ended || self->decode_error != NULL))
        translate_stream_failed (self);
      else if (!self->cancelled && self->transfer != NULL && !self->paused &&
               self->sink->vtable->get_pending (self->sink) > SY_PIPELINE_HIGH_WATER)
        {
          self->paused = TRUE;
          sy_debug ("[%s] client is slow: upstream paused", self->req.request_id);
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
      attempt_failed (self, status, NULL, NULL, error->message);
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
      attempt_failed (self, self->upstream_status, body,
                      sy_http_transfer_get_header (finished, "Retry-After"), NULL);
      break;

    case MODE_STREAM:
      {
        g_autoptr(GError) sse_error = NULL;

        if (self->translate)
          {
            gboolean read_all = sy_sse_reader_finish (self->sse, &sse_error);

            if (self->stream_ended || self->decode_error != NULL)
              translate_stream_failed (self);
            else if (self->n_events == 0)
              {
                const char *message = read_all ? "upstream closed the stream before any event"
                                               : sse_error->message;

                record_error (self, RANK_TRANSPORT, 502, message, NULL, NULL);
                attempt_failed (self, 502, NULL, NULL, message);
              }
            else if (!read_all && self->started)
              {
                write_stream_error (self, 502, sse_error->message);
                finish_stream (self);
              }
            else if (!read_all)
              respond_translate_error (self, 502, sse_error);
            else
              translate_stream_end (self);
            return;
          }

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
            attempt_failed (self, 502, NULL, NULL, "upstream closed the stream before any event");
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
        if (self->translate)
          {
            translate_whole_answer (self, body);
            return;
          }
        /* Relayed as it is, but only if it is JSON at all: a sign-in page
         * or a cut-off answer with status 200 is the upstream failing,
         * not an answer (and nothing reached the client yet). The same
         * read finds the usage. */
        if (self->upstream_status < 400 &&
            !sy_usage_sniff_answer (sy_provider_get_format (self->provider), g_bytes_get_data (body, NULL),
                                    g_bytes_get_size (body), self->usage_store ? &self->usage : NULL))
          {
            g_autofree char *message =
              g_strdup_printf ("the upstream answered %u with a body that is not JSON (%s)", self->upstream_status,
                               content_type ? content_type : "no content type");

            g_info ("[%s] %s: %s", self->req.request_id, self->route->account->id, message);
            record_error (self, RANK_UPSTREAM, 502, message, NULL, NULL);
            attempt_failed (self, 502, NULL, NULL, message);
            return;
          }
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

/* Decodes, resolves and encodes the client's request for this attempt's
 * upstream. FALSE with the error recorded; TRUE with *body set, or with
 * the answer already given (a token count estimated here). */
static gboolean
prepare_translated (SyPipeline *self,
                    JsonNode  **body)
{
  SyFormat upstream_format = sy_provider_get_format (self->provider);
  const SyCodec *up = sy_codec_for_format (upstream_format);
  g_autoptr(GError) error = NULL;
  g_autofree char *client_model = NULL;

  if (!ensure_ir (self, &error) || !resolve_reasoning (self, upstream_format, NULL, &error))
    {
      record_error (self, RANK_CLIENT, status_for_translate_error (error), error->message, NULL, NULL);
      return FALSE;
    }

  if (!sy_thinking_split_suffix (self->req.model, &client_model, NULL))
    client_model = g_strdup (self->req.model);
  self->tctx = sy_translate_ctx_new (self->req.format, upstream_format);
  self->tctx->flavor = sy_provider_get_flavor (self->provider);
  sy_translate_ctx_set_models (self->tctx, client_model, self->route->upstream_model);
  sy_translate_ctx_set_client_body (self->tctx, self->req.body);
  self->tctx->client_request = self->ir;
  self->ir->stream = self->upstream_stream;

  if (self->req.operation == SY_OPERATION_COUNT_TOKENS)
    {
      if (up->encode_count_request == NULL)
        {
          const SyCodec *client = sy_codec_for_format (self->req.format);
          g_autoptr(JsonNode) out = client->encode_count_response (estimate_tokens (self->ir));

          sy_debug ("[%s] %s has no token counter: estimated locally", self->req.request_id,
                    sy_provider_get_name (self->provider));
          respond_json (self, 200, out);
          return TRUE;
        }
      *body = up->encode_count_request (self->ir, self->tctx, &error);
    }
  else
    *body = up->encode_request (self->ir, self->tctx, &error);

  if (*body == NULL)
    {
      record_error (self, RANK_CLIENT, status_for_translate_error (error), error->message, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

/* Same format: the body goes as it is, except a reasoning setting carried
 * by the model name ("model(high)"), written in the body's own terms. */
static gboolean
prepare_passthrough (SyPipeline *self)
{
  g_autoptr(GError) error = NULL;
  gboolean changed = FALSE;

  if (!sy_thinking_split_suffix (self->req.model, NULL, NULL) ||
      self->req.operation != SY_OPERATION_GENERATE)
    return TRUE;
  if (!ensure_ir (self, &error))
    {
      /* The upstream will judge the body; the suffix alone is not worth a 400. */
      sy_debug ("[%s] reasoning suffix ignored: %s", self->req.request_id, error->message);
      return TRUE;
    }
  if (!resolve_reasoning (self, self->req.format, &changed, &error))
    {
      record_error (self, RANK_CLIENT, status_for_translate_error (error), error->message, NULL, NULL);
      return FALSE;
    }
  if (changed && JSON_NODE_HOLDS_OBJECT (self->req.body))
    sy_thinking_write_json (json_node_get_object (self->req.body), self->req.format,
                            sy_provider_get_flavor (self->provider), self->ir);
  return TRUE;
}

/* The protocol name payload rules select on (CLIProxyAPI's names). */
static const char *
payload_protocol (SyProvider *provider)
{
  switch (sy_provider_get_format (provider))
    {
    case SY_FORMAT_CLAUDE:
      return "claude";
    case SY_FORMAT_GEMINI:
      return "gemini";
    case SY_FORMAT_GEMINI_CLI:
      return sy_provider_get_flavor (provider) == SY_FLAVOR_ANTIGRAVITY ? "antigravity" : "gemini";
    case SY_FORMAT_OPENAI_RESPONSES:
      return "codex";
    case SY_FORMAT_OPENAI:
    default:
      return "openai";
    }
}

/* config's payload: rules, on the body about to go upstream. A client body
 * forwarded as it is gets copied first: the next attempt (maybe another
 * protocol) must start from what the client sent. */
static void
apply_payload_rules (SyPipeline *self,
                     JsonNode  **translated)
{
  const SyPayloadRules *rules = sy_registry_get_payload_rules (self->registry);
  const char *protocol = payload_protocol (self->provider);
  JsonNode *body;
  guint changed;

  if (sy_payload_rules_is_empty (rules) ||
      !sy_payload_rules_match (rules, protocol, self->route->upstream_model, self->req.model))
    return;
  if (*translated == NULL)
    {
      g_autofree char *text = sy_json_to_string (self->req.body);

      *translated = sy_json_parse (text, -1, NULL);
    }
  body = *translated;
  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    return;
  changed = sy_payload_rules_apply (rules, json_node_get_object (body),
                                    sy_provider_get_format (self->provider) == SY_FORMAT_GEMINI_CLI,
                                    protocol, self->route->upstream_model, self->req.model);
  sy_debug ("[%s] payload rules changed %u path(s)", self->req.request_id, changed);
}

static gboolean
start_attempt (SyPipeline *self)
{
  SyUpstreamEntry *entry = self->route->account->entry;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) translated = NULL;
  SyUpstreamRequest upstream = { 0 };
  SyProviderCall call = { 0 };
  SyHttpRequestInfo info = { 0 };
  gboolean always_streams = sy_provider_always_streams (self->provider) &&
                            self->req.operation == SY_OPERATION_GENERATE;

  /* A single answer from an upstream that only streams is collected from
   * its stream, which takes the codecs even within one format. */
  self->translate = sy_provider_get_format (self->provider) != self->req.format ||
                    (always_streams && !self->req.stream);
  self->upstream_stream = self->req.stream || always_streams;

  if (self->translate)
    {
      if (!prepare_translated (self, &translated))
        return FALSE;
      if (self->done)
        return TRUE;
    }
  else if (!prepare_passthrough (self))
    return FALSE;
  if (self->req.operation == SY_OPERATION_GENERATE)
    apply_payload_rules (self, &translated);

  g_clear_pointer (&self->sent_token, g_free);
  if (self->route->account->credential != NULL)
    self->sent_token = g_strdup (sy_credential_get_access_token (self->route->account->credential));
  call.account = self->route->account;
  call.base_url = self->base_index > 0 ? self->fallbacks[self->base_index - 1] : NULL;
  call.upstream_model = self->route->upstream_model;
  call.operation = self->req.operation;
  call.stream = self->upstream_stream;
  /* Providers only set or drop members each attempt sets anew (the model):
   * the client's body is edited in place, never copied. */
  call.body = translated ? translated : self->req.body;
  call.client_header = self->req.client_header;
  call.client_header_data = self->req.client_header_data;

  if (!sy_provider_build_request (self->provider, &call, &upstream, &error))
    {
      record_error (self, RANK_LOCAL, 500, error->message, NULL, NULL);
      return FALSE;
    }

  g_ptr_array_add (upstream.headers, NULL);
  if (self->log != NULL)
    sy_request_log_upstream_request (self->log, upstream.url, (const char * const *) upstream.headers->pdata,
                                     upstream.body);
  info.method = "POST";
  info.url = upstream.url;
  info.headers = (const char * const *) upstream.headers->pdata;
  info.body = upstream.body;
  info.proxy_url = effective_proxy (self, entry);
  info.connect_timeout_s = self->config->upstream_connect_timeout;
  info.idle_timeout_s = self->config->upstream_idle_timeout;

  sy_debug ("[%s] model %s -> %s as %s (%s, %s)", self->req.request_id, self->req.model,
            self->route->account->id, self->route->upstream_model,
            self->req.stream ? "stream" : "single answer",
            self->translate ? "translated" : "same format");

  sy_pipeline_ref (self);   /* held by the transfer until done or cancel */
  self->n_attempts++;
  self->transfer = sy_http_client_start (self->http, &info, &pipeline_callbacks, self, &error);
  sy_upstream_request_clear (&upstream);
  if (self->transfer == NULL)
    {
      sy_pipeline_unref (self);
      g_info ("[%s] %s: %s", self->req.request_id, self->route->account->id, error->message);
      log_attempt_error (self, error->message);
      record_error (self, RANK_LOCAL, 502, error->message, NULL, NULL);
      return FALSE;
    }

  return TRUE;
}

/* --------------------------------------------------- accounts and retries */

static gint64
pool_now (SyPipeline *self)
{
  return sy_account_pool_now (sy_registry_get_pool (self->registry));
}

/* The soonest end of a cooldown among the routes, 0 when none cools. With
 * @round_budget, only accounts whose request-retry allows another round. */
static gint64
soonest_recovery (SyPipeline *self,
                  gint64      now,
                  gboolean    round_budget)
{
  gint64 soonest = 0;

  for (guint i = 0; i < self->routes->len; i++)
    {
      SyRoute *route = g_ptr_array_index (self->routes, i);
      SyAccountState *state = route->account->state;
      g_autofree char *key = sy_route_model_key (route);
      int retries = sy_account_state_get_request_retry (state);
      SyModelState ms;

      if (retries < 0)
        retries = self->config->request_retry;
      if (round_budget && (guint) retries <= self->round)
        continue;
      if (!sy_account_is_usable (route->account))
        continue;
      sy_account_state_get_model (state, key, now, &ms);
      if (ms.status == SY_MODEL_COOLING && (soonest == 0 || ms.until_us < soonest))
        soonest = ms.until_us;
    }
  return soonest;
}

static gboolean
any_retry_budget (SyPipeline *self)
{
  for (guint i = 0; i < self->routes->len; i++)
    {
      SyAccountState *state = ((SyRoute *) g_ptr_array_index (self->routes, i))->account->state;
      int retries = sy_account_state_get_request_retry (state);

      if ((guint) (retries < 0 ? self->config->request_retry : retries) > self->round)
        return TRUE;
    }
  return FALSE;
}

static void
set_retry_after (SyPipeline *self,
                 gint64      until,
                 gint64      now)
{
  g_autofree char *value = NULL;

  if (until <= now)
    return;
  value = g_strdup_printf ("%" G_GINT64_FORMAT, MAX ((until - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC, 1));
  self->sink->vtable->set_header (self->sink, "Retry-After", value);
}

static const char *
reason_in_words (SyFailureReason reason)
{
  switch (reason)
    {
    case SY_FAILURE_QUOTA:               return "quota exhausted";
    case SY_FAILURE_UNAUTHORIZED:        return "credentials rejected";
    case SY_FAILURE_PAYMENT_REQUIRED:    return "access refused by the provider";
    case SY_FAILURE_NOT_FOUND:
    case SY_FAILURE_MODEL_NOT_SUPPORTED: return "model not available to the account";
    case SY_FAILURE_TRANSIENT:           return "upstream errors";
    case SY_FAILURE_NONE:
    default:                             return "earlier errors";
    }
}

/* No account can take the request (all cooling or disabled), or the last
 * round failed: the answer, in the client's format. */
static void
respond_final (SyPipeline *self)
{
  gint64 now = pool_now (self);
  gint64 soonest = soonest_recovery (self, now, FALSE);

  if (self->err_rank == RANK_NONE)
    {
      g_autofree char *message = NULL;

      self->done = TRUE;
      if (soonest == 0)
        {
          message = g_strdup_printf ("Every account serving the model '%s' is disabled or needs a new sign-in", self->req.model);
          sy_pipeline_respond_error (self->sink, self->req.format, 503, message, NULL, "auth_unavailable");
          return;
        }
      message = g_strdup_printf ("All accounts serving the model '%s' are cooling down (%s); "
                                 "the first is available again in %" G_GINT64_FORMAT " s",
                                 self->req.model, reason_in_words (self->last_pick.reason),
                                 MAX ((soonest - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC, 1));
      g_info ("[%s] %s", self->req.request_id, message);
      set_retry_after (self, soonest, now);
      sy_pipeline_respond_error (self->sink, self->req.format, 429, message, NULL, "model_cooldown");
      return;
    }
  if (self->err_status == 429 && soonest != 0)
    set_retry_after (self, soonest, now);
  respond_recorded_error (self);
}

static void
on_retry_timer (gpointer user_data)
{
  g_autoptr(SyPipeline) self = user_data;

  self->retry_timer = 0;
  if (self->cancelled)
    return;
  self->round++;
  self->n_tried = 0;
  g_hash_table_remove_all (self->tried);
  sy_debug ("[%s] retry round %u", self->req.request_id, self->round);
  try_next_route (self);
}

/* quota-exceeded.switch-preview-model: the model's preview variant. */
static gboolean
switch_to_preview (SyPipeline *self)
{
  JsonNode *node = sy_config_lookup (self->config, "quota-exceeded.switch-preview-model");
  g_autofree char *preview = NULL;

  if (self->previewed || !self->any_quota || node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN || !json_node_get_boolean (node))
    return FALSE;
  self->previewed = TRUE;
  preview = sy_registry_preview_model (self->registry, self->pick_model);
  if (preview == NULL)
    return FALSE;
  g_info ("[%s] every account for %s is out of quota: trying %s", self->req.request_id,
          self->pick_model, preview);
  g_free (self->pick_model);
  self->pick_model = g_steal_pointer (&preview);
  self->routes = sy_registry_lookup (self->registry, self->pick_model);
  self->n_tried = 0;
  g_hash_table_remove_all (self->tried);
  return TRUE;
}

/* A round found no account left: wait for a cooldown to end and go again
 * (request-retry, max-retry-interval), or answer. */
static void
round_failed (SyPipeline *self)
{
  gint64 interval = (gint64) self->config->max_retry_interval * G_USEC_PER_SEC;
  gint64 now = pool_now (self);
  gint64 wait = -1;
  gint64 soonest;

  if (self->err_rank == RANK_CLIENT || self->failure.request_invalid)
    {
      respond_final (self);
      return;
    }
  if (switch_to_preview (self))
    {
      try_next_route (self);
      return;
    }
  if (interval > 0)
    {
      soonest = soonest_recovery (self, now, TRUE);
      if (soonest != 0 && soonest - now <= interval)
        wait = MAX (soonest - now, 0);
      else if (soonest == 0 && self->failure.status == 429 && self->failure.retry_after_us >= 0 &&
               self->failure.retry_after_us <= interval && any_retry_budget (self))
        wait = self->failure.retry_after_us;
    }
  if (wait < 0)
    {
      respond_final (self);
      return;
    }
  g_info ("[%s] waiting %" G_GINT64_FORMAT " ms for an account of %s to recover (round %u of %d)",
          self->req.request_id, wait / 1000, self->pick_model, self->round + 1, self->config->request_retry);
  self->retry_timer = sy_clock_add (sy_account_pool_get_clock (sy_registry_get_pool (self->registry)),
                                    wait, on_retry_timer, sy_pipeline_ref (self));
}

static void
try_next_route (SyPipeline *self)
{
  gint64 now = pool_now (self);

  while (self->config->max_retry_credentials <= 0 ||
         self->n_tried < (guint) self->config->max_retry_credentials)
    {
      SyRoute *route = sy_registry_pick (self->registry, self->pick_model, self->routes, self->tried,
                                         self->prefer_group, self->avoid_group, now, &self->last_pick);

      if (route == NULL)
        break;
      g_hash_table_add (self->tried, route);
      self->n_tried++;
      self->route = route;
      self->provider = sy_provider_for_kind (route->account->entry->kind);
      g_strfreev (self->fallbacks);
      self->fallbacks = sy_provider_dup_fallbacks (self->provider, route->account, self->config);
      self->base_index = 0;
      sy_account_state_count_request (route->account->state, now);

      if (start_attempt (self))
        return;
      clear_attempt (self);
    }

  round_failed (self);
}

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SyPipeline) self = user_data;
  g_autoptr(GError) error = NULL;
  SyAccountState *state = SY_ACCOUNT_STATE (source);

  if (self->cancelled)
    return;
  if (sy_account_state_refresh_finish (state, result, &error))
    {
      g_info ("[%s] %s: credentials refreshed after a 401, trying again", self->req.request_id,
              sy_account_state_get_id (state));
      if (start_attempt (self))
        return;
      clear_attempt (self);
    }
  else
    {
      g_autofree char *key = sy_route_model_key (self->route);

      g_info ("[%s] %s: refresh after a 401 failed: %s", self->req.request_id,
              sy_account_state_get_id (state), error->message);
      sy_account_state_mark_failure (state, key, &self->failure, error->message,
                                     self->config->disable_cooling, pool_now (self));
    }
  try_next_route (self);
}

/* The attempt on self->route failed before anything reached the client:
 * cool the account down as the failure calls for, then stop (the request
 * itself is at fault), refresh and retry (401), or move on. */
static void
attempt_failed (SyPipeline *self,
                guint       status,
                GBytes     *body,
                const char *retry_after,
                const char *message)
{
  SyAccountState *state = self->route->account->state;
  g_autofree char *key = sy_route_model_key (self->route);
  g_autofree char *body_message = NULL;
  gint64 now = pool_now (self);
  const char *group = sy_account_state_get_group (state);
  JsonNode *switch_project;
  SyFailure failure;

  clear_attempt (self);
  if (body != NULL && (status == 429 || status == 403))
    take_quota (self, sy_quota_from_error_body (self->route->account->provider, self->route->upstream_model,
                                                status, g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                                g_get_real_time ()));
  sy_failure_classify (status, body ? g_bytes_get_data (body, NULL) : NULL,
                       body ? g_bytes_get_size (body) : 0, retry_after, now, &failure);
  self->failure = failure;

  /* Busy or unreachable: the same account at its next base URL first. */
  if ((failure.status == 429 || failure.status >= 500) && !failure.request_invalid &&
      self->fallbacks != NULL && self->fallbacks[self->base_index] != NULL)
    {
      self->base_index++;
      g_info ("[%s] %s answered %u: trying %s", self->req.request_id, sy_account_state_get_id (state),
              failure.status, self->fallbacks[self->base_index - 1]);
      if (start_attempt (self))
        return;
      clear_attempt (self);
    }

  if (failure.status == 401 && sy_account_state_can_refresh (state) &&
      !g_hash_table_contains (self->refreshed, state))
    {
      SyCredential *credential = self->route->account->credential;

      g_hash_table_add (self->refreshed, state);
      /* Renewed while this attempt was on its way: try the new token. */
      if (credential != NULL && g_strcmp0 (sy_credential_get_access_token (credential), self->sent_token) != 0)
        {
          g_info ("[%s] %s: a 401 on a token renewed meanwhile: trying the new one",
                  self->req.request_id, sy_account_state_get_id (state));
          if (start_attempt (self))
            return;
          clear_attempt (self);
        }
      else
        {
          sy_account_state_refresh_async (state, NULL, on_refreshed, sy_pipeline_ref (self));
          return;
        }
    }

  if (body != NULL)
    body_message = sy_format_error_message_from_body (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  if (body_message != NULL)
    {
      g_autofree char *text = g_strdup_printf ("HTTP %u: %s", status, body_message);

      sy_account_state_mark_failure (state, key, &failure, text, self->config->disable_cooling, now);
    }
  else
    sy_account_state_mark_failure (state, key, &failure, message, self->config->disable_cooling, now);

  if (failure.request_invalid)
    {
      sy_debug ("[%s] the upstream refused the request itself: no other account is tried",
                self->req.request_id);
      respond_final (self);
      return;
    }

  if (failure.reason == SY_FAILURE_QUOTA)
    {
      self->any_quota = TRUE;
      /* quota-exceeded.switch-project: the next project of the same Google
       * account first (true), or none of them (false); unset, neither. */
      switch_project = sy_config_lookup (self->config, "quota-exceeded.switch-project");
      if (group != NULL && switch_project != NULL && JSON_NODE_HOLDS_VALUE (switch_project) &&
          json_node_get_value_type (switch_project) == G_TYPE_BOOLEAN)
        {
          gboolean on = json_node_get_boolean (switch_project);

          g_free (self->prefer_group);
          g_free (self->avoid_group);
          self->prefer_group = on ? g_strdup (group) : NULL;
          self->avoid_group = on ? NULL : g_strdup (group);
        }
    }
  try_next_route (self);
}

void
sy_pipeline_run (SyPipeline *self)
{
  g_return_if_fail (self->req.body != NULL);

  self->routes = sy_registry_lookup (self->registry, self->req.model);
  if (self->routes == NULL || self->routes->len == 0)
    {
      /* A first start has no account at all: say how to add one. */
      g_autofree char *message =
        sy_registry_get_accounts (self->registry)->len == 0
        ? g_strdup_printf ("No account serves the model '%s': none is set up yet. Sign in to a "
                           "subscription (switchyard --login claude, codex, antigravity, gemini-cli, "
                           "kimi or xai) or add API keys to config.yaml", self->req.model)
        : g_strdup_printf ("The model '%s' does not exist or no configured account serves it",
                           self->req.model);

      self->done = TRUE;
      sy_pipeline_respond_error (self->sink, self->req.format, 404, message, NULL, "model_not_found");
      return;
    }

  self->pick_model = g_strdup (self->req.model);
  try_next_route (self);
}

void
sy_pipeline_sink_drained (SyPipeline *self)
{
  if (self->paused && self->transfer != NULL && !self->cancelled)
    {
      self->paused = FALSE;
      sy_debug ("[%s] client caught up: upstream resumed", self->req.request_id);
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
  if (!self->recorded)
    {
      /* The client never got (all of) its answer. */
      self->client_status = 499;
      record_usage (self);
    }
  if (!self->done)
    g_info ("[%s] request ended before its answer (client gone or server stopped); "
            "upstream transfer cancelled", self->req.request_id);
  sy_pipeline_ref (self);
  stop_transfer (self);
  if (self->retry_timer != 0)
    {
      sy_clock_cancel (sy_account_pool_get_clock (sy_registry_get_pool (self->registry)), self->retry_timer);
      self->retry_timer = 0;
      sy_pipeline_unref (self);   /* the timer's reference */
    }
  sy_pipeline_unref (self);
}
