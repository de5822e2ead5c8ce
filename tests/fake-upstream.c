/* fake-upstream.c: a real HTTP upstream on 127.0.0.1 for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include <json-glib/json-glib.h>

#include "fake-upstream.h"

typedef enum
{
  FMT_OPENAI,
  FMT_RESPONSES,
  FMT_CLAUDE,
  FMT_GEMINI,
} Fmt;

struct _FakeUpstream
{
  SoupServer  *server;
  char        *url;
  guint        port;
  guint        n_requests;
  guint        n_aborted;
  guint        n_streaming;
  guint64      bytes_sent;
  FakeRequest  last;
};

typedef struct
{
  FakeUpstream      *upstream;
  SoupServerMessage *msg;
  Fmt                fmt;
  char              *model;
  guint              sent;
  guint              total;
  guint              timer;
  guint64            queued;
  gboolean           big;
  gboolean           drop;
  gboolean           complete;
  gulong             finished_id;
  gulong             wrote_id;
} Stream;

static void
fake_request_clear (FakeRequest *req)
{
  g_clear_pointer (&req->method, g_free);
  g_clear_pointer (&req->path, g_free);
  g_clear_pointer (&req->query, g_free);
  g_clear_pointer (&req->headers, soup_message_headers_unref);
  g_clear_pointer (&req->body, g_bytes_unref);
}

static char *
error_body (Fmt         fmt,
            guint       status,
            const char *message)
{
  switch (fmt)
    {
    case FMT_CLAUDE:
      return g_strdup_printf ("{\"type\":\"error\",\"error\":{\"type\":\"%s\",\"message\":\"%s\"}}",
                              status == 429 ? "rate_limit_error" : "api_error", message);
    case FMT_GEMINI:
      return g_strdup_printf ("{\"error\":{\"code\":%u,\"message\":\"%s\",\"status\":\"%s\"}}",
                              status, message, status == 429 ? "RESOURCE_EXHAUSTED" : "INTERNAL");
    case FMT_OPENAI:
    case FMT_RESPONSES:
    default:
      return g_strdup_printf ("{\"error\":{\"message\":\"%s\",\"type\":\"%s\",\"code\":null}}",
                              message, status == 429 ? "rate_limit_error" : "server_error");
    }
}

static char *
full_answer (Fmt         fmt,
             const char *model)
{
  switch (fmt)
    {
    case FMT_CLAUDE:
      return g_strdup_printf ("{\"id\":\"msg_fake\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"%s\","
                              "\"content\":[{\"type\":\"text\",\"text\":\"Hello from fake claude\"}],"
                              "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                              "\"usage\":{\"input_tokens\":5,\"output_tokens\":4}}", model);
    case FMT_RESPONSES:
      return g_strdup_printf ("{\"id\":\"resp_fake\",\"object\":\"response\",\"created_at\":1700000000,"
                              "\"status\":\"completed\",\"model\":\"%s\",\"output\":[{\"type\":\"message\","
                              "\"id\":\"msg_fake\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":"
                              "[{\"type\":\"output_text\",\"text\":\"Hello from fake responses\",\"annotations\":[]}]}],"
                              "\"usage\":{\"input_tokens\":5,\"output_tokens\":4,\"total_tokens\":9}}", model);
    case FMT_GEMINI:
      return g_strdup_printf ("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hello from fake gemini\"}],"
                              "\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],"
                              "\"usageMetadata\":{\"promptTokenCount\":5,\"candidatesTokenCount\":4,"
                              "\"totalTokenCount\":9},\"modelVersion\":\"%s\"}", model);
    case FMT_OPENAI:
    default:
      return g_strdup_printf ("{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion\",\"created\":1700000000,"
                              "\"model\":\"%s\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                              "\"content\":\"Hello from fake openai\"},\"finish_reason\":\"stop\"}],"
                              "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":4,\"total_tokens\":9}}", model);
    }
}

/* Event @i of @total; the text of each delta is "tok<i> ". */
static void
append_event (GString    *out,
              Fmt         fmt,
              const char *model,
              guint       i,
              guint       total,
              gsize       pad)
{
  g_autofree char *text = g_strdup_printf ("tok%u %*s", i, (int) pad, "");

  switch (fmt)
    {
    case FMT_CLAUDE:
      if (i == 0)
        g_string_append_printf (out, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
                                "{\"id\":\"msg_fake\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"%s\","
                                "\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":"
                                "{\"input_tokens\":5,\"output_tokens\":1}}}\n\n"
                                "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                                "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n", model);
      g_string_append_printf (out, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
                              "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"%s\"}}\n\n", text);
      if (i + 1 == total)
        g_string_append (out, "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
                         "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
                         "\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":20}}\n\n"
                         "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
      break;

    case FMT_RESPONSES:
      if (i == 0)
        g_string_append_printf (out, "event: response.created\ndata: {\"type\":\"response.created\","
                                "\"sequence_number\":0,\"response\":{\"id\":\"resp_fake\",\"object\":\"response\","
                                "\"created_at\":1700000000,\"status\":\"in_progress\",\"model\":\"%s\",\"output\":[]}}\n\n",
                                model);
      g_string_append_printf (out, "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
                              "\"sequence_number\":%u,\"item_id\":\"msg_fake\",\"output_index\":0,\"content_index\":0,"
                              "\"delta\":\"%s\"}\n\n", i + 1, text);
      if (i + 1 == total)
        g_string_append_printf (out, "event: response.completed\ndata: {\"type\":\"response.completed\","
                                "\"sequence_number\":%u,\"response\":{\"id\":\"resp_fake\",\"object\":\"response\","
                                "\"created_at\":1700000000,\"status\":\"completed\",\"model\":\"%s\",\"output\":[],"
                                "\"usage\":{\"input_tokens\":5,\"output_tokens\":20,\"total_tokens\":25}}}\n\n",
                                total + 1, model);
      break;

    case FMT_GEMINI:
      if (i + 1 < total)
        g_string_append_printf (out, "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"%s\"}],"
                                "\"role\":\"model\"},\"index\":0}],\"modelVersion\":\"%s\"}\r\n\r\n", text, model);
      else
        g_string_append_printf (out, "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"%s\"}],"
                                "\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":"
                                "{\"promptTokenCount\":5,\"candidatesTokenCount\":20,\"totalTokenCount\":25},"
                                "\"modelVersion\":\"%s\"}\r\n\r\n", text, model);
      break;

    case FMT_OPENAI:
    default:
      g_string_append_printf (out, "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\","
                              "\"created\":1700000000,\"model\":\"%s\",\"choices\":[{\"index\":0,\"delta\":"
                              "{%s\"content\":\"%s\"},\"finish_reason\":null}]}\n\n",
                              model, i == 0 ? "\"role\":\"assistant\"," : "", text);
      if (i + 1 == total)
        g_string_append_printf (out, "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\","
                                "\"created\":1700000000,\"model\":\"%s\",\"choices\":[{\"index\":0,\"delta\":{},"
                                "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n", model);
      break;
    }
}

static void
stream_free (Stream *stream)
{
  g_clear_handle_id (&stream->timer, g_source_remove);
  g_clear_signal_handler (&stream->finished_id, stream->msg);
  g_clear_signal_handler (&stream->wrote_id, stream->msg);
  g_clear_object (&stream->msg);
  g_free (stream->model);
  g_free (stream);
}

static gboolean stream_tick (gpointer data);

static void
on_stream_finished (SoupServerMessage *msg,
                    Stream            *stream)
{
  stream->upstream->n_streaming--;
  if (!stream->complete)
    stream->upstream->n_aborted++;
  stream_free (stream);
}

static void
on_stream_wrote (SoupServerMessage *msg,
                 guint              size,
                 Stream            *stream)
{
  stream->upstream->bytes_sent += size;
  stream->queued = size > stream->queued ? 0 : stream->queued - size;
  /* Big streams refill as the socket drains, like a real fast upstream.
   * (A timeout, not an idle source: the test's client, proxy and upstream
   * share one loop, and default-priority work would starve an idle.) */
  if (stream->big && !stream->complete && stream->queued < 256 * 1024 && stream->timer == 0)
    stream->timer = g_timeout_add (0, stream_tick, stream);
}

static gboolean
stream_tick (gpointer data)
{
  Stream *stream = data;
  SoupMessageBody *body = soup_server_message_get_response_body (stream->msg);
  g_autoptr(GString) out = g_string_new (NULL);

  stream->timer = 0;

  if (stream->drop && stream->sent == 2)
    {
      GIOStream *io = soup_server_message_steal_connection (stream->msg);

      if (io != NULL)
        {
          g_io_stream_close (io, NULL, NULL);
          g_object_unref (io);
        }
      return G_SOURCE_REMOVE;
    }

  do
    {
      append_event (out, stream->fmt, stream->model, stream->sent, stream->total, stream->big ? 1000 : 0);
      stream->sent++;
    }
  while (stream->big && stream->sent < stream->total && out->len < 64 * 1024);

  stream->queued += out->len;
  soup_message_body_append (body, SOUP_MEMORY_COPY, out->str, out->len);
  if (stream->sent >= stream->total)
    {
      stream->complete = TRUE;
      soup_message_body_complete (body);
    }
  soup_server_message_unpause (stream->msg);

  if (!stream->complete && !stream->big)
    stream->timer = g_timeout_add (g_str_has_prefix (stream->model, "slow") ? 100 : 5, stream_tick, stream);
  else if (stream->big && !stream->complete && stream->queued < 256 * 1024)
    stream->timer = g_timeout_add (0, stream_tick, stream);

  return G_SOURCE_REMOVE;
}

static void
start_stream (FakeUpstream      *self,
              SoupServerMessage *msg,
              Fmt                fmt,
              const char        *model)
{
  Stream *stream = g_new0 (Stream, 1);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  stream->upstream = self;
  stream->msg = g_object_ref (msg);
  stream->fmt = fmt;
  stream->model = g_strdup (model);
  stream->big = g_str_has_prefix (model, "big-stream");
  stream->drop = g_str_has_prefix (model, "drop");
  stream->total = stream->big ? FAKE_BIG_STREAM_BYTES / 1100 : FAKE_STREAM_EVENTS;
  self->n_streaming++;

  soup_server_message_set_status (msg, 200, NULL);
  /* "drop" promises more than it sends, so closing is visibly a cut. */
  if (stream->drop)
    soup_message_headers_set_content_length (headers, 1024 * 1024);
  else
    soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, "text/event-stream", NULL);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  stream->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_stream_finished), stream);
  stream->wrote_id = g_signal_connect (msg, "wrote-body-data", G_CALLBACK (on_stream_wrote), stream);
  soup_server_message_pause (msg);

  if (g_str_has_prefix (model, "stall"))
    {
      /* Headers only: flush them with an empty write, then never more. */
      soup_server_message_unpause (msg);
      return;
    }
  stream->timer = g_timeout_add (1, stream_tick, stream);
}

static char *
model_from_body (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (body == NULL ||
      !json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root) || !json_object_has_member (json_node_get_object (root), "model"))
    return NULL;
  return g_strdup (json_object_get_string_member (json_node_get_object (root), "model"));
}

static gboolean
body_wants_stream (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (body == NULL ||
      !json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL))
    return FALSE;
  root = json_parser_get_root (parser);
  return JSON_NODE_HOLDS_OBJECT (root) &&
         json_object_get_boolean_member_with_default (json_node_get_object (root), "stream", FALSE);
}

static void
handle (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  FakeUpstream *self = user_data;
  SoupMessageBody *req_body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) body = soup_message_body_flatten (req_body);
  g_autofree char *model = NULL;
  g_autofree char *text = NULL;
  gboolean stream = FALSE;
  gboolean count = FALSE;
  Fmt fmt;
  const char *colon;

  self->n_requests++;
  fake_request_clear (&self->last);
  self->last.method = g_strdup (soup_server_message_get_method (msg));
  self->last.path = g_strdup (path);
  self->last.query = g_strdup (g_uri_get_query (soup_server_message_get_uri (msg)));
  self->last.headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  {
    SoupMessageHeadersIter iter;
    const char *name, *value;

    soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (msg));
    while (soup_message_headers_iter_next (&iter, &name, &value))
      soup_message_headers_append (self->last.headers, name, value);
  }
  self->last.body = g_bytes_ref (body);

  if ((colon = strrchr (path, ':')) != NULL && strstr (path, "/models/") != NULL)
    {
      const char *start = strstr (path, "/models/") + strlen ("/models/");

      fmt = FMT_GEMINI;
      model = g_strndup (start, colon - start);
      stream = g_str_equal (colon + 1, "streamGenerateContent");
      count = g_str_equal (colon + 1, "countTokens");
    }
  else
    {
      if (g_str_has_suffix (path, "/chat/completions"))
        fmt = FMT_OPENAI;
      else if (g_str_has_suffix (path, "/messages/count_tokens"))
        {
          fmt = FMT_CLAUDE;
          count = TRUE;
        }
      else if (g_str_has_suffix (path, "/messages"))
        fmt = FMT_CLAUDE;
      else if (g_str_has_suffix (path, "/responses"))
        fmt = FMT_RESPONSES;
      else
        {
          soup_server_message_set_status (msg, 404, NULL);
          return;
        }
      model = model_from_body (body);
      stream = body_wants_stream (body);
    }

  if (model == NULL)
    model = g_strdup ("none");

  if (g_str_has_prefix (model, "fail-"))
    {
      guint status = (guint) g_ascii_strtoull (model + 5, NULL, 10);
      g_autofree char *message = g_strdup_printf ("fake failure %u", status);

      text = error_body (fmt, status, message);
      soup_server_message_set_status (msg, status, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, text, strlen (text));
      return;
    }

  if (count)
    {
      text = fmt == FMT_GEMINI ? g_strdup ("{\"totalTokens\":42}") : g_strdup ("{\"input_tokens\":42}");
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, text, strlen (text));
      return;
    }

  if (stream && !g_str_has_prefix (model, "json-stream"))
    {
      start_stream (self, msg, fmt, model);
      return;
    }

  text = full_answer (fmt, model);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, text, strlen (text));
}

FakeUpstream *
fake_upstream_new (void)
{
  FakeUpstream *self = g_new0 (FakeUpstream, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  self->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (self->server, NULL, handle, self, NULL);
  if (!soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("fake upstream cannot listen: %s", error->message);
  uris = soup_server_get_uris (self->server);
  self->port = g_uri_get_port (uris->data);
  self->url = g_strdup_printf ("http://127.0.0.1:%u", self->port);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return self;
}

void
fake_upstream_free (FakeUpstream *self)
{
  if (self == NULL)
    return;
  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  fake_request_clear (&self->last);
  g_free (self->url);
  g_free (self);
}

const char *
fake_upstream_get_url (FakeUpstream *self)
{
  return self->url;
}

guint
fake_upstream_get_port (FakeUpstream *self)
{
  return self->port;
}

guint
fake_upstream_get_n_requests (FakeUpstream *self)
{
  return self->n_requests;
}

const FakeRequest *
fake_upstream_get_last (FakeUpstream *self)
{
  return &self->last;
}

guint
fake_upstream_get_n_aborted (FakeUpstream *self)
{
  return self->n_aborted;
}

guint
fake_upstream_get_n_streaming (FakeUpstream *self)
{
  return self->n_streaming;
}

guint64
fake_upstream_get_bytes_sent (FakeUpstream *self)
{
  return self->bytes_sent;
}

void
fake_upstream_reset (FakeUpstream *self)
{
  self->n_requests = 0;
  self->n_aborted = 0;
  self->bytes_sent = 0;
  fake_request_clear (&self->last);
}
