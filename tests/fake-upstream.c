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
  GList       *script;     /* Scripted*, answered first-come */
  GHashTable  *per_key;    /* api key -> GUINT_TO_POINTER (requests) */
  JsonArray   *history;    /* {method, path, model, stream, body} of each API request */
  JsonObject  *tool_args;  /* tool name -> arguments for "tool-call…", or NULL */
};

/* One scripted answer: for @model (and the account whose key is @key). */
typedef struct
{
  char  *model;
  char  *key;
  guint  status;
  char  *retry_after;
  char  *content_type;
  char  *body;
} Scripted;

static void
scripted_free (Scripted *s)
{
  g_free (s->model);
  g_free (s->key);
  g_free (s->retry_after);
  g_free (s->content_type);
  g_free (s->body);
  g_free (s);
}

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
  gboolean           usage;       /* OpenAI chat: end with a usage chunk */
  GPtrArray         *events;      /* scripted events, or NULL for tokN */
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
    /* The types each API gives these statuses. */
    case FMT_CLAUDE:
      return g_strdup_printf ("{\"type\":\"error\",\"error\":{\"type\":\"%s\",\"message\":\"%s\"}}",
                              status == 429 ? "rate_limit_error" : status == 400 ? "invalid_request_error"
                              : status == 401 ? "authentication_error" : status == 403 ? "permission_error"
                              : status == 404 ? "not_found_error" : "api_error", message);
    case FMT_GEMINI:
      return g_strdup_printf ("{\"error\":{\"code\":%u,\"message\":\"%s\",\"status\":\"%s\"}}",
                              status, message, status == 429 ? "RESOURCE_EXHAUSTED" : status == 400 ? "INVALID_ARGUMENT"
                              : status == 401 ? "UNAUTHENTICATED" : status == 403 ? "PERMISSION_DENIED"
                              : status == 404 ? "NOT_FOUND" : "INTERNAL");
    case FMT_OPENAI:
    case FMT_RESPONSES:
    default:
      return g_strdup_printf ("{\"error\":{\"message\":\"%s\",\"type\":\"%s\",\"code\":null}}",
                              message, status == 429 ? "rate_limit_error" : status == 400 ? "invalid_request_error"
                              : status == 401 ? "authentication_error" : status < 500 ? "invalid_request_error"
                              : "server_error");
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

/* Event @i of @total; the text of each delta is "tok<i> ". @usage: an
 * OpenAI chat stream ends with a usage chunk (stream_options.include_usage). */
static void
append_event (GString    *out,
              Fmt         fmt,
              const char *model,
              guint       i,
              guint       total,
              gsize       pad,
              gboolean    usage)
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
      /* The events a real stream has around the deltas; the "done" ones
       * only for small streams (their text would be huge). */
      if (i == 0)
        g_string_append_printf (out, "event: response.created\ndata: {\"type\":\"response.created\","
                                "\"sequence_number\":0,\"response\":{\"id\":\"resp_fake\",\"object\":\"response\","
                                "\"created_at\":1700000000,\"status\":\"in_progress\",\"model\":\"%s\",\"output\":[]}}\n\n"
                                "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\","
                                "\"sequence_number\":1,\"output_index\":0,\"item\":{\"type\":\"message\",\"id\":\"msg_fake\","
                                "\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}}\n\n"
                                "event: response.content_part.added\ndata: {\"type\":\"response.content_part.added\","
                                "\"sequence_number\":2,\"item_id\":\"msg_fake\",\"output_index\":0,\"content_index\":0,"
                                "\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[]}}\n\n", model);
      g_string_append_printf (out, "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
                              "\"sequence_number\":%u,\"item_id\":\"msg_fake\",\"output_index\":0,\"content_index\":0,"
                              "\"delta\":\"%s\"}\n\n", i + 3, text);
      if (i + 1 == total)
        {
          g_autoptr(GString) all = g_string_new (NULL);
          g_autofree char *part = NULL;
          guint k;

          for (k = 0; pad == 0 && k < total; k++)
            g_string_append_printf (all, "tok%u ", k);
          part = g_strdup_printf ("{\"type\":\"output_text\",\"text\":\"%s\",\"annotations\":[]}", all->str);
          if (pad == 0)
            g_string_append_printf (out, "event: response.output_text.done\ndata: {\"type\":\"response.output_text.done\","
                                    "\"sequence_number\":%u,\"item_id\":\"msg_fake\",\"output_index\":0,\"content_index\":0,"
                                    "\"text\":\"%s\"}\n\n"
                                    "event: response.content_part.done\ndata: {\"type\":\"response.content_part.done\","
                                    "\"sequence_number\":%u,\"item_id\":\"msg_fake\",\"output_index\":0,\"content_index\":0,"
                                    "\"part\":%s}\n\n"
                                    "event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\","
                                    "\"sequence_number\":%u,\"output_index\":0,\"item\":{\"type\":\"message\",\"id\":\"msg_fake\","
                                    "\"status\":\"completed\",\"role\":\"assistant\",\"content\":[%s]}}\n\n",
                                    total + 3, all->str, total + 4, part, total + 5, part);
          /* Like the real API, the completed response repeats the output. */
          g_string_append_printf (out, "event: response.completed\ndata: {\"type\":\"response.completed\","
                                  "\"sequence_number\":%u,\"response\":{\"id\":\"resp_fake\",\"object\":\"response\","
                                  "\"created_at\":1700000000,\"status\":\"completed\",\"model\":\"%s\",\"output\":[",
                                  total + 6, model);
          if (pad == 0)
            g_string_append_printf (out, "{\"type\":\"message\",\"id\":\"msg_fake\",\"status\":\"completed\","
                                    "\"role\":\"assistant\",\"content\":[%s]}", part);
          g_string_append (out, "],\"usage\":{\"input_tokens\":5,\"output_tokens\":20,\"total_tokens\":25}}}\n\n");
        }
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
        {
          g_string_append_printf (out, "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\","
                                  "\"created\":1700000000,\"model\":\"%s\",\"choices\":[{\"index\":0,\"delta\":{},"
                                  "\"finish_reason\":\"stop\"}]}\n\n", model);
          if (usage)
            g_string_append_printf (out, "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\","
                                    "\"created\":1700000000,\"model\":\"%s\",\"choices\":[],\"usage\":"
                                    "{\"prompt_tokens\":5,\"completion_tokens\":20,\"total_tokens\":25}}\n\n", model);
          g_string_append (out, "data: [DONE]\n\n");
        }
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
  g_clear_pointer (&stream->events, g_ptr_array_unref);
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
      if (stream->events != NULL)
        g_string_append (out, g_ptr_array_index (stream->events, stream->sent));
      else
        append_event (out, stream->fmt, stream->model, stream->sent, stream->total, stream->big ? 1000 : 0,
                      stream->usage);
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

/* With @events (taken), those are sent one by one; otherwise tokN events
 * (@usage: see append_event()). */
static void
start_stream (FakeUpstream      *self,
              SoupServerMessage *msg,
              Fmt                fmt,
              const char        *model,
              GPtrArray         *events,
              gboolean           usage)
{
  Stream *stream = g_new0 (Stream, 1);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  stream->upstream = self;
  stream->msg = g_object_ref (msg);
  stream->fmt = fmt;
  stream->model = g_strdup (model);
  stream->big = g_str_has_prefix (model, "big-stream");
  stream->drop = g_str_has_prefix (model, "drop");
  stream->events = events;
  stream->usage = usage;
  stream->total = stream->big ? FAKE_BIG_STREAM_BYTES / 1100 : FAKE_STREAM_EVENTS;
  if (events != NULL)
    stream->total = events->len;
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

/* Scripted answers ("tool-call…", "vision…", "think…")
 *
 * The request is read in its own format; the answer is one Reply, written
 * out in the upstream's format, as one JSON body or as a list of events. */

#define TOOL_ID_CLAUDE  "toolu_fake_01"
#define TOOL_ID_OPENAI  "call_fake_01"
#define ITEM_ID_CALL    "fc_fake_01"
#define THINK_TEXT      "The user wants a short answer; think it over first."
#define THINK_ANSWER    "Thought it through: the answer is 42."

typedef struct
{
  char     *reasoning;   /* NULL: none */
  char     *text;        /* NULL: none */
  char     *tool_name;   /* NULL: no tool call */
  gboolean  tool_city;
  char     *tool_args;   /* JSON text set by POST /_fake/tool-args, or NULL */
  guint     input_tokens;
  guint     output_tokens;     /* including reasoning */
  guint     reasoning_tokens;
} Reply;

static void
reply_clear (Reply *reply)
{
  g_clear_pointer (&reply->reasoning, g_free);
  g_clear_pointer (&reply->text, g_free);
  g_clear_pointer (&reply->tool_name, g_free);
  g_clear_pointer (&reply->tool_args, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reply, reply_clear)

static gboolean
is_scripted (const char *model)
{
  return g_str_has_prefix (model, "tool-call") || g_str_has_prefix (model, "vision") ||
         g_str_has_prefix (model, "think");
}

static JsonObject *
obj_member (JsonObject *obj,
            const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
arr_member (JsonObject *obj,
            const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static const char *
str_member (JsonObject *obj,
            const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
arr_obj (JsonArray *arr,
         guint      i)
{
  JsonNode *node = json_array_get_element (arr, i);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static guint
arr_len (JsonArray *arr)
{
  return arr != NULL ? json_array_get_length (arr) : 0;
}

/* A string, or the "text" of a part, or the texts of an array of parts. */
static char *
content_text (JsonNode *content)
{
  if (content == NULL || JSON_NODE_HOLDS_NULL (content))
    return g_strdup ("");
  if (JSON_NODE_HOLDS_VALUE (content) && json_node_get_value_type (content) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (content));
  if (JSON_NODE_HOLDS_OBJECT (content) && str_member (json_node_get_object (content), "text") != NULL)
    return g_strdup (str_member (json_node_get_object (content), "text"));
  if (JSON_NODE_HOLDS_ARRAY (content))
    {
      JsonArray *parts = json_node_get_array (content);
      GString *out = g_string_new (NULL);
      guint i;

      for (i = 0; i < arr_len (parts); i++)
        {
          JsonNode *part = json_array_get_element (parts, i);

          if (JSON_NODE_HOLDS_VALUE (part) && json_node_get_value_type (part) == G_TYPE_STRING)
            g_string_append (out, json_node_get_string (part));
          else if (JSON_NODE_HOLDS_OBJECT (part) && str_member (json_node_get_object (part), "text") != NULL)
            g_string_append (out, str_member (json_node_get_object (part), "text"));
        }
      return g_string_free (out, FALSE);
    }
  return json_to_string (content, FALSE);
}

/* The items of a conversation: Claude/OpenAI messages, Responses input,
 * Gemini contents. */
static JsonArray *
conversation (Fmt         fmt,
              JsonObject *root)
{
  switch (fmt)
    {
    case FMT_RESPONSES:
      return arr_member (root, "input");
    case FMT_GEMINI:
      return arr_member (root, "contents");
    case FMT_CLAUDE:
    case FMT_OPENAI:
    default:
      return arr_member (root, "messages");
    }
}

/* The parts of one conversation item. */
static JsonArray *
item_parts (Fmt         fmt,
            JsonObject *item)
{
  return arr_member (item, fmt == FMT_GEMINI ? "parts" : "content");
}

static gboolean
schema_has_city (JsonObject *schema)
{
  JsonObject *props = obj_member (schema, "properties");

  return props != NULL && json_object_has_member (props, "city");
}

/* One declared function: taken when it is the first, or when @wanted
 * names it (then with those arguments, and the search stops). */
static gboolean
consider_tool (JsonObject  *fn,
               JsonObject  *schema,
               JsonObject  *wanted,
               char       **name,
               gboolean    *city,
               char       **args)
{
  const char *fn_name = str_member (fn, "name");

  if (fn_name == NULL)
    return FALSE;
  if (wanted != NULL && json_object_has_member (wanted, fn_name))
    {
      g_autoptr(JsonNode) node = json_node_copy (json_object_get_member (wanted, fn_name));

      g_free (*name);
      *name = g_strdup (fn_name);
      *city = FALSE;
      *args = json_to_string (node, FALSE);
      return TRUE;
    }
  if (*name == NULL)
    {
      *name = g_strdup (fn_name);
      *city = schema_has_city (schema);
    }
  return FALSE;
}

/* The first function tool the request declares, or the first one that
 * @wanted (tool name -> arguments, may be NULL) names. */
static gboolean
find_tool (Fmt          fmt,
           JsonObject  *root,
           JsonObject  *wanted,
           char       **name,
           gboolean    *city,
           char       **args)
{
  JsonArray *tools = arr_member (root, "tools");
  guint i, k;

  for (i = 0; i < arr_len (tools); i++)
    {
      JsonObject *tool = arr_obj (tools, i);
      JsonObject *fn = NULL;
      JsonObject *schema = NULL;
      const char *type = str_member (tool, "type");

      switch (fmt)
        {
        case FMT_CLAUDE:
          if (type == NULL || g_str_equal (type, "custom"))
            {
              fn = tool;
              schema = obj_member (tool, "input_schema");
            }
          break;
        case FMT_OPENAI:
          fn = obj_member (tool, "function");
          schema = obj_member (fn, "parameters");
          break;
        case FMT_RESPONSES:
          if (g_strcmp0 (type, "function") == 0)
            {
              fn = tool;
              schema = obj_member (tool, "parameters");
            }
          break;
        case FMT_GEMINI:
        default:
          {
            JsonArray *decls = arr_member (tool, "functionDeclarations");

            if (decls == NULL)
              decls = arr_member (tool, "function_declarations");
            /* Every declaration of the tool, in order. */
            for (k = 0; k < arr_len (decls); k++)
              {
                fn = arr_obj (decls, k);
                schema = obj_member (fn, "parametersJsonSchema");
                if (schema == NULL)
                  schema = obj_member (fn, "parameters");
                if (schema == NULL)
                  schema = obj_member (fn, "parameters_json_schema");
                if (consider_tool (fn, schema, wanted, name, city, args))
                  return TRUE;
              }
            fn = NULL;
          }
          break;
        }
      if (fn != NULL && consider_tool (fn, schema, wanted, name, city, args))
        return TRUE;
    }
  return *name != NULL;
}

/* The text of the last tool result in the request, or NULL. */
static char *
find_tool_result (Fmt         fmt,
                  JsonObject *root)
{
  JsonArray *items = conversation (fmt, root);
  char *found = NULL;
  guint i, j;

  for (i = 0; i < arr_len (items); i++)
    {
      JsonObject *item = arr_obj (items, i);
      JsonArray *parts = item_parts (fmt, item);

      if (item == NULL)
        continue;
      if (fmt == FMT_OPENAI && g_strcmp0 (str_member (item, "role"), "tool") == 0)
        {
          g_free (found);
          found = content_text (json_object_get_member (item, "content"));
          continue;
        }
      if (fmt == FMT_RESPONSES && g_strcmp0 (str_member (item, "type"), "function_call_output") == 0)
        {
          g_free (found);
          found = content_text (json_object_get_member (item, "output"));
          continue;
        }
      for (j = 0; j < arr_len (parts) && (fmt == FMT_CLAUDE || fmt == FMT_GEMINI); j++)
        {
          JsonObject *part = arr_obj (parts, j);
          JsonObject *fr;

          if (fmt == FMT_CLAUDE && g_strcmp0 (str_member (part, "type"), "tool_result") == 0)
            {
              g_free (found);
              found = content_text (json_object_get_member (part, "content"));
            }
          else if (fmt == FMT_GEMINI &&
                   ((fr = obj_member (part, "functionResponse")) != NULL ||
                    (fr = obj_member (part, "function_response")) != NULL))
            {
              JsonObject *response = obj_member (fr, "response");
              const char *keys[] = { "result", "output", "content" };
              guint k;

              g_free (found);
              found = NULL;
              for (k = 0; k < G_N_ELEMENTS (keys) && found == NULL; k++)
                if (response != NULL && json_object_has_member (response, keys[k]))
                  found = content_text (json_object_get_member (response, keys[k]));
              if (found == NULL)
                found = response != NULL ? content_text (json_object_get_member (fr, "response")) : g_strdup ("");
            }
        }
    }
  return found;
}

static gboolean
parse_data_url (const char  *url,
                char       **mime,
                const char **data)
{
  const char *marker;

  if (url == NULL || !g_str_has_prefix (url, "data:") || (marker = strstr (url, ";base64,")) == NULL)
    return FALSE;
  *mime = g_strndup (url + 5, marker - (url + 5));
  *data = marker + strlen (";base64,");
  return TRUE;
}

/* The first inline image of the request: its type and decoded size. */
static gboolean
find_image (Fmt          fmt,
            JsonObject  *root,
            char       **mime,
            gsize       *size)
{
  JsonArray *items = conversation (fmt, root);
  guint i, j;

  for (i = 0; i < arr_len (items); i++)
    {
      JsonArray *parts = item_parts (fmt, arr_obj (items, i));

      for (j = 0; j < arr_len (parts); j++)
        {
          JsonObject *part = arr_obj (parts, j);
          const char *type = str_member (part, "type");
          const char *data = NULL;
          JsonObject *inline_data;

          *mime = NULL;
          if (fmt == FMT_CLAUDE && g_strcmp0 (type, "image") == 0 &&
              g_strcmp0 (str_member (obj_member (part, "source"), "type"), "base64") == 0)
            {
              *mime = g_strdup (str_member (obj_member (part, "source"), "media_type"));
              data = str_member (obj_member (part, "source"), "data");
            }
          else if (fmt == FMT_OPENAI && g_strcmp0 (type, "image_url") == 0)
            {
              const char *url = str_member (obj_member (part, "image_url"), "url");

              if (url == NULL)
                url = str_member (part, "image_url");
              parse_data_url (url, mime, &data);
            }
          else if (fmt == FMT_RESPONSES && g_strcmp0 (type, "input_image") == 0)
            {
              const char *url = str_member (part, "image_url");

              if (url == NULL)
                url = str_member (obj_member (part, "image_url"), "url");
              parse_data_url (url, mime, &data);
            }
          else if (fmt == FMT_GEMINI &&
                   ((inline_data = obj_member (part, "inlineData")) != NULL ||
                    (inline_data = obj_member (part, "inline_data")) != NULL))
            {
              *mime = g_strdup (str_member (inline_data, "mimeType"));
              if (*mime == NULL)
                *mime = g_strdup (str_member (inline_data, "mime_type"));
              data = str_member (inline_data, "data");
            }

          if (*mime != NULL && data != NULL)
            {
              g_free (g_base64_decode (data, size));
              return TRUE;
            }
          g_clear_pointer (mime, g_free);
        }
    }
  return FALSE;
}

static guint
tokens_of (const char *text)
{
  return text != NULL ? (guint) strlen (text) / 4 + 1 : 0;
}

static gboolean
build_reply (Fmt         fmt,
             const char *model,
             GBytes     *body,
             JsonObject *tool_args,
             Reply      *reply)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root = NULL;
  gsize size = body != NULL ? g_bytes_get_size (body) : 0;

  if (!is_scripted (model))
    return FALSE;
  if (body != NULL && json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), size, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    root = json_node_get_object (json_parser_get_root (parser));

  if (g_str_has_prefix (model, "tool-call"))
    {
      g_autofree char *result = find_tool_result (fmt, root);

      if (result != NULL)
        reply->text = g_strdup_printf ("tool said: %s", result);
      else if (!find_tool (fmt, root, tool_args, &reply->tool_name, &reply->tool_city, &reply->tool_args))
        reply->text = g_strdup ("no tool declared");
    }
  else if (g_str_has_prefix (model, "vision"))
    {
      g_autofree char *mime = NULL;
      gsize n = 0;

      if (find_image (fmt, root, &mime, &n))
        reply->text = g_strdup_printf ("saw image %s/%" G_GSIZE_FORMAT, mime, n);
      else
        reply->text = g_strdup ("saw no image");
    }
  else
    {
      reply->reasoning = g_strdup (THINK_TEXT);
      reply->text = g_strdup (THINK_ANSWER);
    }

  reply->input_tokens = MAX (size / 4, 1);
  reply->reasoning_tokens = tokens_of (reply->reasoning);
  reply->output_tokens = reply->reasoning_tokens + tokens_of (reply->text) +
                         (reply->tool_name != NULL ? tokens_of (reply->tool_name) + 4 : 0);
  return TRUE;
}

static const char *
reply_args (const Reply *reply)
{
  if (reply->tool_args != NULL)
    return reply->tool_args;
  return reply->tool_city ? "{\"city\":\"Paris\"}" : "{}";
}

static JsonNode *
reply_args_node (const Reply *reply)
{
  JsonObject *args;
  JsonNode *node;

  if (reply->tool_args != NULL)
    return json_from_string (reply->tool_args, NULL);
  args = json_object_new ();
  node = json_node_new (JSON_NODE_OBJECT);
  if (reply->tool_city)
    json_object_set_string_member (args, "city", "Paris");
  json_node_take_object (node, args);
  return node;
}

/* The first or second half of @text (at a character boundary). */
static char *
half (const char *text,
      gboolean    second)
{
  const char *mid = g_utf8_offset_to_pointer (text, g_utf8_strlen (text, -1) / 2);

  return second ? g_strdup (mid) : g_strndup (text, mid - text);
}

static JsonObject *
typed (const char *type)
{
  JsonObject *obj = json_object_new ();

  json_object_set_string_member (obj, "type", type);
  return obj;
}

static JsonObject *
with_string (JsonObject *obj,
             const char *name,
             const char *value)
{
  json_object_set_string_member (obj, name, value);
  return obj;
}

static char *
obj_take_string (JsonObject *obj)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, obj);
  return json_to_string (node, FALSE);
}

/* Appends @obj (taken) as one event in the framing of @fmt. */
static void
add_event (GPtrArray  *events,
           Fmt         fmt,
           const char *event,
           JsonObject *obj)
{
  g_autofree char *json = obj_take_string (obj);

  if (fmt == FMT_GEMINI)
    g_ptr_array_add (events, g_strdup_printf ("data: %s\r\n\r\n", json));
  else if (event != NULL)
    g_ptr_array_add (events, g_strdup_printf ("event: %s\ndata: %s\n\n", event, json));
  else
    g_ptr_array_add (events, g_strdup_printf ("data: %s\n\n", json));
}

/* ---- Claude ---- */

static JsonObject *
claude_usage (const Reply *reply,
              gboolean     start)
{
  JsonObject *usage = json_object_new ();

  json_object_set_int_member (usage, "input_tokens", reply->input_tokens);
  json_object_set_int_member (usage, "cache_creation_input_tokens", 0);
  json_object_set_int_member (usage, "cache_read_input_tokens", 0);
  json_object_set_int_member (usage, "output_tokens", start ? 1 : reply->output_tokens);
  return usage;
}

static JsonObject *
claude_message (const Reply *reply,
                const char  *model,
                gboolean     full)
{
  JsonObject *msg = with_string (typed ("message"), "id", "msg_fake");
  JsonArray *content = json_array_new ();

  json_object_set_string_member (msg, "role", "assistant");
  json_object_set_string_member (msg, "model", model);
  if (full && reply->reasoning != NULL)
    {
      JsonObject *block = with_string (typed ("thinking"), "thinking", reply->reasoning);

      json_array_add_object_element (content, with_string (block, "signature", "sig-claude-1"));
    }
  if (full && reply->text != NULL)
    json_array_add_object_element (content, with_string (typed ("text"), "text", reply->text));
  if (full && reply->tool_name != NULL)
    {
      JsonObject *block = with_string (typed ("tool_use"), "id", TOOL_ID_CLAUDE);

      json_object_set_string_member (block, "name", reply->tool_name);
      json_object_set_member (block, "input", reply_args_node (reply));
      json_array_add_object_element (content, block);
    }
  json_object_set_array_member (msg, "content", content);
  if (full)
    json_object_set_string_member (msg, "stop_reason", reply->tool_name != NULL ? "tool_use" : "end_turn");
  else
    json_object_set_null_member (msg, "stop_reason");
  json_object_set_null_member (msg, "stop_sequence");
  json_object_set_object_member (msg, "usage", claude_usage (reply, !full));
  return msg;
}

static JsonObject *
claude_block_event (const char *type,
                    guint       index)
{
  JsonObject *obj = typed (type);

  json_object_set_int_member (obj, "index", index);
  return obj;
}

static void
claude_deltas (GPtrArray  *events,
               guint       index,
               const char *delta_type,
               const char *member,
               const char *text)
{
  guint k;

  for (k = 0; k < 2; k++)
    {
      JsonObject *obj = claude_block_event ("content_block_delta", index);
      g_autofree char *piece = half (text, k == 1);

      json_object_set_object_member (obj, "delta", with_string (typed (delta_type), member, piece));
      add_event (events, FMT_CLAUDE, "content_block_delta", obj);
    }
}

static void
claude_events (GPtrArray   *events,
               const Reply *reply,
               const char  *model)
{
  JsonObject *obj;
  JsonObject *delta;
  guint at = 0;

  obj = typed ("message_start");
  json_object_set_object_member (obj, "message", claude_message (reply, model, FALSE));
  add_event (events, FMT_CLAUDE, "message_start", obj);
  add_event (events, FMT_CLAUDE, "ping", typed ("ping"));

  if (reply->reasoning != NULL)
    {
      JsonObject *block = with_string (typed ("thinking"), "thinking", "");

      obj = claude_block_event ("content_block_start", at);
      json_object_set_object_member (obj, "content_block", with_string (block, "signature", ""));
      add_event (events, FMT_CLAUDE, "content_block_start", obj);
      claude_deltas (events, at, "thinking_delta", "thinking", reply->reasoning);
      obj = claude_block_event ("content_block_delta", at);
      json_object_set_object_member (obj, "delta", with_string (typed ("signature_delta"), "signature", "sig-claude-1"));
      add_event (events, FMT_CLAUDE, "content_block_delta", obj);
      add_event (events, FMT_CLAUDE, "content_block_stop", claude_block_event ("content_block_stop", at));
      at++;
    }
  if (reply->text != NULL)
    {
      obj = claude_block_event ("content_block_start", at);
      json_object_set_object_member (obj, "content_block", with_string (typed ("text"), "text", ""));
      add_event (events, FMT_CLAUDE, "content_block_start", obj);
      claude_deltas (events, at, "text_delta", "text", reply->text);
      add_event (events, FMT_CLAUDE, "content_block_stop", claude_block_event ("content_block_stop", at));
      at++;
    }
  if (reply->tool_name != NULL)
    {
      JsonObject *block = with_string (typed ("tool_use"), "id", TOOL_ID_CLAUDE);

      json_object_set_string_member (block, "name", reply->tool_name);
      json_object_set_object_member (block, "input", json_object_new ());
      obj = claude_block_event ("content_block_start", at);
      json_object_set_object_member (obj, "content_block", block);
      add_event (events, FMT_CLAUDE, "content_block_start", obj);
      claude_deltas (events, at, "input_json_delta", "partial_json", reply_args (reply));
      add_event (events, FMT_CLAUDE, "content_block_stop", claude_block_event ("content_block_stop", at));
    }

  obj = typed ("message_delta");
  delta = with_string (json_object_new (), "stop_reason", reply->tool_name != NULL ? "tool_use" : "end_turn");
  json_object_set_null_member (delta, "stop_sequence");
  json_object_set_object_member (obj, "delta", delta);
  json_object_set_object_member (obj, "usage", claude_usage (reply, FALSE));
  add_event (events, FMT_CLAUDE, "message_delta", obj);
  add_event (events, FMT_CLAUDE, "message_stop", typed ("message_stop"));
}

/* ---- OpenAI chat ---- */

static JsonObject *
openai_usage (const Reply *reply)
{
  JsonObject *usage = json_object_new ();
  JsonObject *details = json_object_new ();

  json_object_set_int_member (usage, "prompt_tokens", reply->input_tokens);
  json_object_set_int_member (usage, "completion_tokens", reply->output_tokens);
  json_object_set_int_member (usage, "total_tokens", reply->input_tokens + reply->output_tokens);
  json_object_set_int_member (details, "reasoning_tokens", reply->reasoning != NULL ? reply->reasoning_tokens : 0);
  json_object_set_object_member (usage, "completion_tokens_details", details);
  return usage;
}

static JsonObject *
openai_tool_call (const Reply *reply,
                  const char  *arguments,
                  gboolean     first)
{
  JsonObject *call = json_object_new ();
  JsonObject *fn = json_object_new ();

  json_object_set_int_member (call, "index", 0);
  if (first)
    {
      json_object_set_string_member (call, "id", TOOL_ID_OPENAI);
      json_object_set_string_member (call, "type", "function");
      json_object_set_string_member (fn, "name", reply->tool_name);
    }
  json_object_set_string_member (fn, "arguments", arguments);
  json_object_set_object_member (call, "function", fn);
  return call;
}

static JsonObject *
openai_completion (const char  *model,
                   gboolean     chunk)
{
  JsonObject *obj = with_string (json_object_new (), "id", "chatcmpl-fake");

  json_object_set_string_member (obj, "object", chunk ? "chat.completion.chunk" : "chat.completion");
  json_object_set_int_member (obj, "created", 1700000000);
  json_object_set_string_member (obj, "model", model);
  return obj;
}

static JsonObject *
openai_full (const Reply *reply,
             const char  *model)
{
  JsonObject *obj = openai_completion (model, FALSE);
  JsonObject *choice = json_object_new ();
  JsonObject *message = with_string (json_object_new (), "role", "assistant");
  JsonArray *choices = json_array_new ();

  if (reply->text != NULL)
    json_object_set_string_member (message, "content", reply->text);
  else
    json_object_set_null_member (message, "content");
  if (reply->reasoning != NULL)
    json_object_set_string_member (message, "reasoning_content", reply->reasoning);
  if (reply->tool_name != NULL)
    {
      JsonArray *calls = json_array_new ();
      JsonObject *call = openai_tool_call (reply, reply_args (reply), TRUE);

      json_object_remove_member (call, "index");
      json_array_add_object_element (calls, call);
      json_object_set_array_member (message, "tool_calls", calls);
    }
  json_object_set_int_member (choice, "index", 0);
  json_object_set_object_member (choice, "message", message);
  json_object_set_string_member (choice, "finish_reason", reply->tool_name != NULL ? "tool_calls" : "stop");
  json_array_add_object_element (choices, choice);
  json_object_set_array_member (obj, "choices", choices);
  json_object_set_object_member (obj, "usage", openai_usage (reply));
  return obj;
}

/* One chunk with @delta (taken; NULL: none) and @finish. */
static void
openai_chunk (GPtrArray   *events,
              const Reply *reply,
              const char  *model,
              JsonObject  *delta,
              const char  *finish)
{
  JsonObject *obj = openai_completion (model, TRUE);
  JsonObject *choice = json_object_new ();
  JsonArray *choices = json_array_new ();

  json_object_set_int_member (choice, "index", 0);
  json_object_set_object_member (choice, "delta", delta != NULL ? delta : json_object_new ());
  if (finish != NULL)
    json_object_set_string_member (choice, "finish_reason", finish);
  else
    json_object_set_null_member (choice, "finish_reason");
  json_array_add_object_element (choices, choice);
  json_object_set_array_member (obj, "choices", choices);
  add_event (events, FMT_OPENAI, NULL, obj);
}

static void
openai_events (GPtrArray   *events,
               const Reply *reply,
               const char  *model,
               gboolean     include_usage)
{
  JsonObject *delta = with_string (json_object_new (), "role", "assistant");
  guint k;

  json_object_set_string_member (delta, "content", "");
  openai_chunk (events, reply, model, delta, NULL);
  for (k = 0; reply->reasoning != NULL && k < 2; k++)
    {
      g_autofree char *piece = half (reply->reasoning, k == 1);

      openai_chunk (events, reply, model, with_string (json_object_new (), "reasoning_content", piece), NULL);
    }
  for (k = 0; reply->text != NULL && k < 2; k++)
    {
      g_autofree char *piece = half (reply->text, k == 1);

      openai_chunk (events, reply, model, with_string (json_object_new (), "content", piece), NULL);
    }
  for (k = 0; reply->tool_name != NULL && k < 3; k++)
    {
      g_autofree char *piece = k == 0 ? g_strdup ("") : half (reply_args (reply), k == 2);
      JsonArray *calls = json_array_new ();

      delta = json_object_new ();
      json_array_add_object_element (calls, openai_tool_call (reply, piece, k == 0));
      json_object_set_array_member (delta, "tool_calls", calls);
      openai_chunk (events, reply, model, delta, NULL);
    }
  openai_chunk (events, reply, model, NULL, reply->tool_name != NULL ? "tool_calls" : "stop");
  if (include_usage)
    {
      JsonObject *obj = openai_completion (model, TRUE);

      json_object_set_array_member (obj, "choices", json_array_new ());
      json_object_set_object_member (obj, "usage", openai_usage (reply));
      add_event (events, FMT_OPENAI, NULL, obj);
    }
  g_ptr_array_add (events, g_strdup ("data: [DONE]\n\n"));
}

/* ---- Responses ---- */

static JsonObject *
responses_usage (const Reply *reply)
{
  JsonObject *usage = json_object_new ();
  JsonObject *in = json_object_new ();
  JsonObject *out = json_object_new ();

  json_object_set_int_member (usage, "input_tokens", reply->input_tokens);
  json_object_set_int_member (in, "cached_tokens", 0);
  json_object_set_object_member (usage, "input_tokens_details", in);
  json_object_set_int_member (usage, "output_tokens", reply->output_tokens);
  json_object_set_int_member (out, "reasoning_tokens", reply->reasoning != NULL ? reply->reasoning_tokens : 0);
  json_object_set_object_member (usage, "output_tokens_details", out);
  json_object_set_int_member (usage, "total_tokens", reply->input_tokens + reply->output_tokens);
  return usage;
}

static JsonObject *
responses_reasoning_item (const Reply *reply,
                          gboolean     done)
{
  JsonObject *item = with_string (typed ("reasoning"), "id", "rs_fake");
  JsonArray *summary = json_array_new ();

  if (done)
    json_array_add_object_element (summary, with_string (typed ("summary_text"), "text", reply->reasoning));
  json_object_set_array_member (item, "summary", summary);
  if (done)
    json_object_set_string_member (item, "encrypted_content", "enc-1");
  return item;
}

static JsonObject *
responses_text_part (const char *text)
{
  JsonObject *part = typed ("output_text");

  json_object_set_array_member (part, "annotations", json_array_new ());
  json_object_set_string_member (part, "text", text);
  return part;
}

static JsonObject *
responses_message_item (const Reply *reply,
                        gboolean     done)
{
  JsonObject *item = with_string (typed ("message"), "id", "msg_fake");
  JsonArray *content = json_array_new ();

  json_object_set_string_member (item, "status", done ? "completed" : "in_progress");
  json_object_set_string_member (item, "role", "assistant");
  if (done)
    json_array_add_object_element (content, responses_text_part (reply->text));
  json_object_set_array_member (item, "content", content);
  return item;
}

static JsonObject *
responses_call_item (const Reply *reply,
                     gboolean     done)
{
  JsonObject *item = with_string (typed ("function_call"), "id", ITEM_ID_CALL);

  json_object_set_string_member (item, "status", done ? "completed" : "in_progress");
  json_object_set_string_member (item, "arguments", done ? reply_args (reply) : "");
  json_object_set_string_member (item, "call_id", TOOL_ID_OPENAI);
  json_object_set_string_member (item, "name", reply->tool_name);
  return item;
}

static JsonObject *
responses_response (const Reply *reply,
                    const char  *model,
                    gboolean     done)
{
  JsonObject *obj = with_string (json_object_new (), "id", "resp_fake");
  JsonArray *output = json_array_new ();

  json_object_set_string_member (obj, "object", "response");
  json_object_set_int_member (obj, "created_at", 1700000000);
  json_object_set_string_member (obj, "status", done ? "completed" : "in_progress");
  json_object_set_null_member (obj, "error");
  json_object_set_null_member (obj, "incomplete_details");
  json_object_set_string_member (obj, "model", model);
  if (done && reply->reasoning != NULL)
    json_array_add_object_element (output, responses_reasoning_item (reply, TRUE));
  if (done && reply->text != NULL)
    json_array_add_object_element (output, responses_message_item (reply, TRUE));
  if (done && reply->tool_name != NULL)
    json_array_add_object_element (output, responses_call_item (reply, TRUE));
  json_object_set_array_member (obj, "output", output);
  json_object_set_boolean_member (obj, "parallel_tool_calls", TRUE);
  if (done)
    json_object_set_object_member (obj, "usage", responses_usage (reply));
  else
    json_object_set_null_member (obj, "usage");
  return obj;
}

static void
responses_event (GPtrArray  *events,
                 const char *type,
                 JsonObject *obj)
{
  json_object_set_string_member (obj, "type", type);
  json_object_set_int_member (obj, "sequence_number", events->len);
  add_event (events, FMT_RESPONSES, type, obj);
}

static JsonObject *
responses_at (guint       output_index,
              const char *item_id)
{
  JsonObject *obj = json_object_new ();

  json_object_set_string_member (obj, "type", "");
  if (item_id != NULL)
    json_object_set_string_member (obj, "item_id", item_id);
  json_object_set_int_member (obj, "output_index", output_index);
  return obj;
}

static void
responses_item_event (GPtrArray  *events,
                      const char *type,
                      guint       output_index,
                      JsonObject *item)
{
  JsonObject *obj = responses_at (output_index, NULL);

  json_object_set_object_member (obj, "item", item);
  responses_event (events, type, obj);
}

static void
responses_events (GPtrArray   *events,
                  const Reply *reply,
                  const char  *model)
{
  JsonObject *obj;
  guint at = 0;
  guint k;

  obj = json_object_new ();
  json_object_set_string_member (obj, "type", "");
  json_object_set_object_member (obj, "response", responses_response (reply, model, FALSE));
  responses_event (events, "response.created", obj);
  obj = json_object_new ();
  json_object_set_string_member (obj, "type", "");
  json_object_set_object_member (obj, "response", responses_response (reply, model, FALSE));
  responses_event (events, "response.in_progress", obj);

  if (reply->reasoning != NULL)
    {
      responses_item_event (events, "response.output_item.added", at, responses_reasoning_item (reply, FALSE));
      obj = responses_at (at, "rs_fake");
      json_object_set_int_member (obj, "summary_index", 0);
      json_object_set_object_member (obj, "part", with_string (typed ("summary_text"), "text", ""));
      responses_event (events, "response.reasoning_summary_part.added", obj);
      for (k = 0; k < 2; k++)
        {
          g_autofree char *piece = half (reply->reasoning, k == 1);

          obj = responses_at (at, "rs_fake");
          json_object_set_int_member (obj, "summary_index", 0);
          json_object_set_string_member (obj, "delta", piece);
          responses_event (events, "response.reasoning_summary_text.delta", obj);
        }
      obj = responses_at (at, "rs_fake");
      json_object_set_int_member (obj, "summary_index", 0);
      json_object_set_string_member (obj, "text", reply->reasoning);
      responses_event (events, "response.reasoning_summary_text.done", obj);
      obj = responses_at (at, "rs_fake");
      json_object_set_int_member (obj, "summary_index", 0);
      json_object_set_object_member (obj, "part", with_string (typed ("summary_text"), "text", reply->reasoning));
      responses_event (events, "response.reasoning_summary_part.done", obj);
      responses_item_event (events, "response.output_item.done", at, responses_reasoning_item (reply, TRUE));
      at++;
    }
  if (reply->text != NULL)
    {
      responses_item_event (events, "response.output_item.added", at, responses_message_item (reply, FALSE));
      obj = responses_at (at, "msg_fake");
      json_object_set_int_member (obj, "content_index", 0);
      json_object_set_object_member (obj, "part", responses_text_part (""));
      responses_event (events, "response.content_part.added", obj);
      for (k = 0; k < 2; k++)
        {
          g_autofree char *piece = half (reply->text, k == 1);

          obj = responses_at (at, "msg_fake");
          json_object_set_int_member (obj, "content_index", 0);
          json_object_set_string_member (obj, "delta", piece);
          responses_event (events, "response.output_text.delta", obj);
        }
      obj = responses_at (at, "msg_fake");
      json_object_set_int_member (obj, "content_index", 0);
      json_object_set_string_member (obj, "text", reply->text);
      responses_event (events, "response.output_text.done", obj);
      obj = responses_at (at, "msg_fake");
      json_object_set_int_member (obj, "content_index", 0);
      json_object_set_object_member (obj, "part", responses_text_part (reply->text));
      responses_event (events, "response.content_part.done", obj);
      responses_item_event (events, "response.output_item.done", at, responses_message_item (reply, TRUE));
      at++;
    }
  if (reply->tool_name != NULL)
    {
      responses_item_event (events, "response.output_item.added", at, responses_call_item (reply, FALSE));
      for (k = 0; k < 2; k++)
        {
          g_autofree char *piece = half (reply_args (reply), k == 1);

          obj = responses_at (at, ITEM_ID_CALL);
          json_object_set_string_member (obj, "delta", piece);
          responses_event (events, "response.function_call_arguments.delta", obj);
        }
      obj = responses_at (at, ITEM_ID_CALL);
      json_object_set_string_member (obj, "arguments", reply_args (reply));
      responses_event (events, "response.function_call_arguments.done", obj);
      responses_item_event (events, "response.output_item.done", at, responses_call_item (reply, TRUE));
    }

  obj = json_object_new ();
  json_object_set_string_member (obj, "type", "");
  json_object_set_object_member (obj, "response", responses_response (reply, model, TRUE));
  responses_event (events, "response.completed", obj);
}

/* ---- Gemini ---- */

static JsonObject *
gemini_usage (const Reply *reply)
{
  JsonObject *usage = json_object_new ();
  guint candidates = reply->output_tokens - (reply->reasoning != NULL ? reply->reasoning_tokens : 0);

  json_object_set_int_member (usage, "promptTokenCount", reply->input_tokens);
  json_object_set_int_member (usage, "candidatesTokenCount", candidates);
  if (reply->reasoning != NULL)
    json_object_set_int_member (usage, "thoughtsTokenCount", reply->reasoning_tokens);
  json_object_set_int_member (usage, "totalTokenCount", reply->input_tokens + reply->output_tokens);
  return usage;
}

static JsonObject *
gemini_thought_part (const char *text,
                     gboolean    signed_)
{
  JsonObject *part = with_string (json_object_new (), "text", text);

  json_object_set_boolean_member (part, "thought", TRUE);
  if (signed_)
    json_object_set_string_member (part, "thoughtSignature", "sig-gemini-1");
  return part;
}

static JsonObject *
gemini_call_part (const Reply *reply)
{
  JsonObject *part = json_object_new ();
  JsonObject *call = with_string (json_object_new (), "name", reply->tool_name);

  json_object_set_member (call, "args", reply_args_node (reply));
  json_object_set_object_member (part, "functionCall", call);
  return part;
}

/* A response with @parts (taken); the last one has the finish and usage. */
static JsonObject *
gemini_response (const Reply *reply,
                 const char  *model,
                 JsonArray   *parts,
                 gboolean     last)
{
  JsonObject *obj = json_object_new ();
  JsonArray *candidates = json_array_new ();
  JsonObject *candidate = json_object_new ();
  JsonObject *content = json_object_new ();

  json_object_set_array_member (content, "parts", parts);
  json_object_set_string_member (content, "role", "model");
  json_object_set_object_member (candidate, "content", content);
  if (last)
    json_object_set_string_member (candidate, "finishReason", "STOP");
  json_object_set_int_member (candidate, "index", 0);
  json_array_add_object_element (candidates, candidate);
  json_object_set_array_member (obj, "candidates", candidates);
  if (last)
    json_object_set_object_member (obj, "usageMetadata", gemini_usage (reply));
  json_object_set_string_member (obj, "modelVersion", model);
  json_object_set_string_member (obj, "responseId", "fake-gemini-1");
  return obj;
}

static JsonArray *
gemini_all_parts (const Reply *reply)
{
  JsonArray *parts = json_array_new ();

  if (reply->reasoning != NULL)
    json_array_add_object_element (parts, gemini_thought_part (reply->reasoning, TRUE));
  if (reply->text != NULL)
    json_array_add_object_element (parts, with_string (json_object_new (), "text", reply->text));
  if (reply->tool_name != NULL)
    json_array_add_object_element (parts, gemini_call_part (reply));
  return parts;
}

static void
gemini_events (GPtrArray   *events,
               const Reply *reply,
               const char  *model)
{
  GPtrArray *chunks = g_ptr_array_new ();
  guint i, k;

  for (k = 0; reply->reasoning != NULL && k < 2; k++)
    {
      g_autofree char *piece = half (reply->reasoning, k == 1);

      g_ptr_array_add (chunks, gemini_thought_part (piece, k == 1));
    }
  for (k = 0; reply->text != NULL && k < 2; k++)
    {
      g_autofree char *piece = half (reply->text, k == 1);

      g_ptr_array_add (chunks, with_string (json_object_new (), "text", piece));
    }
  if (reply->tool_name != NULL)
    g_ptr_array_add (chunks, gemini_call_part (reply));

  for (i = 0; i < chunks->len; i++)
    {
      JsonArray *parts = json_array_new ();

      json_array_add_object_element (parts, g_ptr_array_index (chunks, i));
      add_event (events, FMT_GEMINI, NULL, gemini_response (reply, model, parts, i + 1 == chunks->len));
    }
  g_ptr_array_unref (chunks);
}

/* The whole answer as one JSON body. */
static char *
reply_body (const Reply *reply,
            Fmt          fmt,
            const char  *model)
{
  switch (fmt)
    {
    case FMT_CLAUDE:
      return obj_take_string (claude_message (reply, model, TRUE));
    case FMT_RESPONSES:
      return obj_take_string (responses_response (reply, model, TRUE));
    case FMT_GEMINI:
      return obj_take_string (gemini_response (reply, model, gemini_all_parts (reply), TRUE));
    case FMT_OPENAI:
    default:
      return obj_take_string (openai_full (reply, model));
    }
}

/* Whether an OpenAI chat stream request asks for a final usage chunk. */
static gboolean
body_wants_usage (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *options;

  if (body == NULL ||
      !json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return FALSE;
  options = obj_member (json_node_get_object (json_parser_get_root (parser)), "stream_options");
  return options != NULL && json_object_get_boolean_member_with_default (options, "include_usage", FALSE);
}

/* The whole answer as events; @usage: an OpenAI chat stream ends with a
 * usage chunk. */
static GPtrArray *
reply_events (const Reply *reply,
              Fmt          fmt,
              const char  *model,
              gboolean     usage)
{
  GPtrArray *events = g_ptr_array_new_with_free_func (g_free);

  switch (fmt)
    {
    case FMT_CLAUDE:
      claude_events (events, reply, model);
      break;
    case FMT_RESPONSES:
      responses_events (events, reply, model);
      break;
    case FMT_GEMINI:
      gemini_events (events, reply, model);
      break;
    case FMT_OPENAI:
    default:
      openai_events (events, reply, model, usage);
      break;
    }
  return events;
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

/* GET /_fake/last: what the last request looked like, for tests that run
 * the fake upstream as a process: {"n_requests","method","path","query",
 * "body"} with the body as text. Not counted as a request. */
static void
send_last (FakeUpstream      *self,
           SoupServerMessage *msg)
{
  JsonObject *obj = json_object_new ();
  g_autofree char *text = NULL;

  json_object_set_int_member (obj, "n_requests", self->n_requests);
  json_object_set_string_member (obj, "method", self->last.method);
  json_object_set_string_member (obj, "path", self->last.path);
  json_object_set_string_member (obj, "query", self->last.query);
  if (self->last.body != NULL)
    {
      g_autofree char *body = g_strndup (g_bytes_get_data (self->last.body, NULL), g_bytes_get_size (self->last.body));

      json_object_set_string_member (obj, "body", body);
    }
  else
    json_object_set_null_member (obj, "body");
  text = obj_take_string (obj);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, text, strlen (text));
}

/* GET /_fake/requests: every API request so far, in order, as
 * [{"method","path","model","stream","body"}] (for clients that send
 * several requests per run). Not counted as a request. */
static void
send_history (FakeUpstream      *self,
              SoupServerMessage *msg)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autofree char *text = NULL;

  json_node_set_array (node, self->history);
  text = json_to_string (node, FALSE);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, text, strlen (text));
}

/* POST /_fake/tool-args {"Name": {arguments}, ...}: from now on a
 * "tool-call…" model calls the first declared tool named there, with those
 * arguments (for real clients, whose first tool is not a weather tool). An
 * empty object goes back to the first tool. Not counted as a request. */
static void
set_tool_args (FakeUpstream      *self,
               SoupServerMessage *msg,
               GBytes            *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      soup_server_message_set_status (msg, 400, NULL);
      return;
    }
  g_clear_pointer (&self->tool_args, json_object_unref);
  self->tool_args = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  soup_server_message_set_status (msg, 204, NULL);
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
  g_auto(Reply) reply = { 0 };
  gboolean stream = FALSE;
  gboolean count = FALSE;
  Fmt fmt;
  const char *colon;

  if (g_str_equal (path, "/_fake/last"))
    {
      send_last (self, msg);
      return;
    }
  if (g_str_equal (path, "/_fake/requests"))
    {
      send_history (self, msg);
      return;
    }
  if (g_str_equal (path, "/_fake/tool-args"))
    {
      set_tool_args (self, msg, body);
      return;
    }

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

  {
    JsonObject *seen = json_object_new ();
    g_autofree char *text_body = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

    json_object_set_string_member (seen, "method", self->last.method);
    json_object_set_string_member (seen, "path", path);
    json_object_set_string_member (seen, "model", model);
    json_object_set_boolean_member (seen, "stream", stream);
    json_object_set_string_member (seen, "body", text_body);
    json_array_add_object_element (self->history, seen);
  }

  {
    SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
    const char *key = soup_message_headers_get_one (in, "x-api-key");
    const char *auth = soup_message_headers_get_one (in, "Authorization");

    if (key == NULL)
      key = soup_message_headers_get_one (in, "x-goog-api-key");
    if (key == NULL && auth != NULL && g_str_has_prefix (auth, "Bearer "))
      key = auth + strlen ("Bearer ");
    if (key != NULL)
      g_hash_table_replace (self->per_key, g_strdup (key),
                            GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->per_key, key)) + 1));

    for (GList *l = self->script; l != NULL; l = l->next)
      {
        Scripted *sc = l->data;

        if (g_ascii_strcasecmp (sc->model, model) != 0 || (sc->key != NULL && g_strcmp0 (sc->key, key) != 0))
          continue;
        self->script = g_list_delete_link (self->script, l);
        text = sc->body ? g_strdup (sc->body) : error_body (fmt, sc->status, "scripted failure");
        if (sc->retry_after != NULL)
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Retry-After", sc->retry_after);
        soup_server_message_set_status (msg, sc->status, NULL);
        soup_server_message_set_response (msg, sc->content_type ? sc->content_type : "application/json",
                                          SOUP_MEMORY_COPY, text, strlen (text));
        scripted_free (sc);
        return;
      }
  }

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

  if (build_reply (fmt, model, body, self->tool_args, &reply))
    {
      if (stream)
        {
          start_stream (self, msg, fmt, model, reply_events (&reply, fmt, model, body_wants_usage (body)), FALSE);
          return;
        }
      text = reply_body (&reply, fmt, model);
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, text, strlen (text));
      return;
    }

  if (stream && !g_str_has_prefix (model, "json-stream"))
    {
      start_stream (self, msg, fmt, model, NULL, fmt == FMT_OPENAI && body_wants_usage (body));
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

  self->per_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->history = json_array_new ();
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
  g_list_free_full (self->script, (GDestroyNotify) scripted_free);
  g_hash_table_unref (self->per_key);
  json_array_unref (self->history);
  g_clear_pointer (&self->tool_args, json_object_unref);
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
  g_list_free_full (g_steal_pointer (&self->script), (GDestroyNotify) scripted_free);
  g_hash_table_remove_all (self->per_key);
  json_array_unref (self->history);
  self->history = json_array_new ();
  g_clear_pointer (&self->tool_args, json_object_unref);
}

void
fake_upstream_script (FakeUpstream *self,
                      const char   *model,
                      const char   *key,
                      guint         status,
                      const char   *retry_after,
                      const char   *body)
{
  fake_upstream_script_full (self, model, key, status, retry_after, NULL, body);
}

void
fake_upstream_script_full (FakeUpstream *self,
                           const char   *model,
                           const char   *key,
                           guint         status,
                           const char   *retry_after,
                           const char   *content_type,
                           const char   *body)
{
  Scripted *sc = g_new0 (Scripted, 1);

  sc->content_type = g_strdup (content_type);
  sc->model = g_strdup (model);
  sc->key = g_strdup (key);
  sc->status = status;
  sc->retry_after = g_strdup (retry_after);
  sc->body = g_strdup (body);
  self->script = g_list_append (self->script, sc);
}

void
fake_upstream_add_handler (FakeUpstream      *self,
                           const char        *path,
                           SoupServerCallback callback,
                           gpointer           user_data)
{
  soup_server_add_handler (self->server, path, callback, user_data, NULL);
}

guint
fake_upstream_get_n_scripted (FakeUpstream *self)
{
  return g_list_length (self->script);
}

guint
fake_upstream_count_key (FakeUpstream *self,
                         const char   *key)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->per_key, key));
}
