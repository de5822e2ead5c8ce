/* bench-translate.c: what translation costs, per direction
 *
 * For every client format and every upstream format: microseconds to
 * decode a realistic request, resolve its reasoning and encode it for the
 * upstream (serialized), and MB/s of upstream stream translated into the
 * client's stream. Each figure is also given as a ratio to the direct path
 * it replaces: parsing and re-serializing the same body, and reading the
 * same stream's events without translating them.
 *
 * Usage: bench-translate [SECONDS_PER_FIGURE]   (default 0.3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sy-codec.h"
#include "sy-sse.h"
#include "sy-thinking.h"

static const SyFormat formats[] = {
  SY_FORMAT_OPENAI, SY_FORMAT_OPENAI_RESPONSES, SY_FORMAT_CLAUDE,
  SY_FORMAT_GEMINI, SY_FORMAT_GEMINI_CLI,
};

static double budget_s = 0.3;

/* ------------------------------------------------------------ samples */

static const char png_1x1[] =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/* A conversation like a coding agent's: a long system prompt, tools with
 * schemas, a few turns with a tool call and its result, an image. */
static SyIrRequest *
sample_request (void)
{
  SyIrRequest *request = sy_ir_request_new ();
  GString *system = g_string_new (NULL);
  SyIrMessage *message;
  SyIrPart *part;
  guint i;

  request->model = g_strdup ("bench-model");
  request->max_tokens = 4096;
  request->has_temperature = TRUE;
  request->temperature = 0.2;
  for (i = 0; i < 40; i++)
    g_string_append (system, "You are a careful coding assistant. Follow the repository's style. ");
  g_ptr_array_add (request->system, sy_ir_part_new_text (system->str));
  g_string_free (system, TRUE);

  for (i = 0; i < 8; i++)
    {
      SyIrTool *tool = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
      g_autoptr(JsonParser) parser = json_parser_new ();

      tool->name = g_strdup_printf ("tool_%u", i);
      tool->description = g_strdup ("Reads, writes or searches files in the workspace.");
      json_parser_load_from_data (parser,
        "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\",\"description\":\"file\"},"
        "\"limit\":{\"type\":\"integer\",\"minimum\":1},\"mode\":{\"type\":\"string\",\"enum\":[\"a\",\"b\"]}},"
        "\"required\":[\"path\"]}", -1, NULL);
      tool->parameters = json_node_copy (json_parser_get_root (parser));
      g_ptr_array_add (request->tools, tool);
    }

  for (i = 0; i < 6; i++)
    {
      message = sy_ir_request_add_message (request, SY_IR_ROLE_USER);
      sy_ir_message_add (message, sy_ir_part_new_text ("Please look at src/main.c and explain the "
                                                       "event loop, then propose a fix for the leak."));
      if (i == 0)
        {
          part = sy_ir_part_new (SY_IR_PART_IMAGE);
          part->mime_type = g_strdup ("image/png");
          part->data = g_strdup (png_1x1);
          sy_ir_message_add (message, part);
        }
      message = sy_ir_request_add_message (request, SY_IR_ROLE_ASSISTANT);
      sy_ir_message_add (message, sy_ir_part_new_text ("Let me read the file first."));
      part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
      part->id = g_strdup_printf ("call_%u", i);
      part->name = g_strdup ("tool_0");
      part->arguments = g_strdup ("{\"path\":\"src/main.c\",\"limit\":200}");
      sy_ir_message_add (message, part);
      message = sy_ir_request_add_message (request, SY_IR_ROLE_USER);
      part = sy_ir_part_new (SY_IR_PART_TOOL_RESULT);
      part->tool_call_id = g_strdup_printf ("call_%u", i);
      part->name = g_strdup ("tool_0");
      part->content = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
      g_ptr_array_add (part->content, sy_ir_part_new_text (
        "int main (void) { GMainLoop *loop = g_main_loop_new (NULL, FALSE); "
        "g_main_loop_run (loop); return 0; }"));
      sy_ir_message_add (message, part);
    }
  message = sy_ir_request_add_message (request, SY_IR_ROLE_USER);
  sy_ir_message_add (message, sy_ir_part_new_text ("Now write the patch."));
  request->reasoning.mode = SY_IR_REASONING_LEVEL;
  request->reasoning.level = SY_IR_LEVEL_MEDIUM;
  return request;
}

typedef struct
{
  GString *text;
} Sink;

static void
to_sse (const char *event,
        const char *data,
        gsize       len,
        gpointer    user_data)
{
  Sink *sink = user_data;

  if (len == 6 && memcmp (data, "[DONE]", 6) == 0 && event == NULL)
    {
      sy_sse_append_event (sink->text, NULL, data, len);
      return;
    }
  sy_sse_append_event (sink->text, event, data, len);
}

/* An upstream stream in @format: thinking, 400 text deltas, a tool call. */
static char *
sample_stream (SyFormat format)
{
  g_autoptr(SyTranslateCtx) ctx = sy_translate_ctx_new (format, format);
  g_autoptr(SyIrRequest) request = sy_ir_request_new ();
  const SyCodec *codec = sy_codec_for_format (format);
  Sink sink = { g_string_new (NULL) };
  SyStreamEncoder *encoder;
  SyIrEvent event;
  guint i;

  request->include_usage = TRUE;
  ctx->client_request = request;
  sy_translate_ctx_set_models (ctx, "bench-model", "bench-model");
  encoder = codec->stream_encoder_new (ctx, to_sse, &sink);

  sy_ir_event_init (&event, SY_IR_EVENT_START);
  event.id = "resp-bench";
  event.model = "bench-model";
  sy_stream_encoder_encode (encoder, &event);
  for (i = 0; i < 20; i++)
    {
      sy_ir_event_init (&event, SY_IR_EVENT_THINKING);
      event.text = "Considering the event loop and the ownership of each source. ";
      event.text_len = strlen (event.text);
      sy_stream_encoder_encode (encoder, &event);
    }
  for (i = 0; i < 400; i++)
    {
      sy_ir_event_init (&event, SY_IR_EVENT_TEXT);
      event.text = "The loop owns the source; unref it after g_source_attach. ";
      event.text_len = strlen (event.text);
      sy_stream_encoder_encode (encoder, &event);
    }
  sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_START);
  event.id = "call_bench";
  event.name = "tool_0";
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_DELTA);
  event.text = "{\"path\":\"src/main.c\",\"limit\":200}";
  event.text_len = strlen (event.text);
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_END);
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_USAGE);
  event.usage.input_tokens = 12000;
  event.usage.output_tokens = 900;
  event.usage.reasoning_tokens = 300;
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_FINISH);
  event.finish = SY_IR_FINISH_TOOL_CALLS;
  sy_stream_encoder_encode (encoder, &event);
  sy_stream_encoder_finish (encoder);
  sy_stream_encoder_free (encoder);
  return g_string_free (sink.text, FALSE);
}

/* -------------------------------------------------------------- timing */

typedef gboolean (*Work) (gpointer data);

/* Runs @work until the time budget is spent; seconds per call. */
static double
time_per_call (Work     work,
               gpointer data)
{
  guint64 calls = 0;
  gint64 start = g_get_monotonic_time ();
  gint64 now = start;

  while (now - start < (gint64) (budget_s * G_USEC_PER_SEC))
    {
      guint i;

      for (i = 0; i < 16; i++)
        if (!work (data))
          return -1;
      calls += 16;
      now = g_get_monotonic_time ();
    }
  return (double) (now - start) / G_USEC_PER_SEC / (double) calls;
}

typedef struct
{
  const char *body;
  gsize       len;
  SyFormat    from;
  SyFormat    to;
} RequestJob;

static gboolean
direct_request (gpointer data)
{
  RequestJob *job = data;
  g_autoptr(JsonNode) node = sy_json_parse (job->body, job->len, NULL);
  g_autofree char *out = node ? sy_json_to_string (node) : NULL;

  return out != NULL;
}

static gboolean
translate_request (gpointer data)
{
  RequestJob *job = data;
  g_autoptr(JsonNode) node = sy_json_parse (job->body, job->len, NULL);
  g_autoptr(SyTranslateCtx) ctx = sy_translate_ctx_new (job->from, job->to);
  g_autoptr(SyIrRequest) request = NULL;
  g_autoptr(JsonNode) encoded = NULL;
  g_autofree char *out = NULL;

  if (node == NULL)
    return FALSE;
  sy_translate_ctx_set_models (ctx, "bench-model", "bench-model");
  request = sy_codec_for_format (job->from)->decode_request (node, ctx, NULL);
  if (request == NULL)
    return FALSE;
  ctx->client_request = request;
  if (!sy_thinking_resolve (request, "bench-model", NULL, job->from, job->to, SY_FLAVOR_PLAIN, NULL, NULL))
    return FALSE;
  encoded = sy_codec_for_format (job->to)->encode_request (request, ctx, NULL);
  if (encoded == NULL)
    return FALSE;
  out = sy_json_to_string (encoded);
  return TRUE;
}

typedef struct
{
  const char *text;
  gsize       len;
  SyFormat    from;
  SyFormat    to;
  SyStreamDecoder *decoder;
  gsize       out_bytes;
} StreamJob;

static gboolean
count_event (const SySseEvent *event,
             gpointer          user_data)
{
  StreamJob *job = user_data;

  job->out_bytes += event->raw_len;
  return TRUE;
}

static gboolean
direct_stream (gpointer data)
{
  StreamJob *job = data;
  g_autoptr(SySseReader) reader = sy_sse_reader_new (count_event, job);

  return sy_sse_reader_feed (reader, job->text, job->len, NULL) && sy_sse_reader_finish (reader, NULL);
}

static void
count_frame (const char *event,
             const char *data,
             gsize       len,
             gpointer    user_data)
{
  StreamJob *job = user_data;

  job->out_bytes += len;
}

static void
forward_event (const SyIrEvent *event,
               gpointer         user_data)
{
  sy_stream_encoder_encode (user_data, event);
}

static gboolean
feed_event (const SySseEvent *event,
            gpointer          user_data)
{
  StreamJob *job = user_data;

  return sy_stream_decoder_feed (job->decoder, event->event, event->data, event->data_len, NULL);
}

static gboolean
translate_stream (gpointer data)
{
  StreamJob *job = data;
  g_autoptr(SyTranslateCtx) ctx = sy_translate_ctx_new (job->to, job->from);
  g_autoptr(SyIrRequest) request = sy_ir_request_new ();
  g_autoptr(SySseReader) reader = NULL;
  SyStreamEncoder *encoder;
  gboolean ok;

  request->include_usage = TRUE;
  ctx->client_request = request;
  sy_translate_ctx_set_models (ctx, "bench-model", "bench-model");
  encoder = sy_codec_for_format (job->to)->stream_encoder_new (ctx, count_frame, job);
  job->decoder = sy_codec_for_format (job->from)->stream_decoder_new (ctx, forward_event, encoder);
  reader = sy_sse_reader_new (feed_event, job);
  ok = sy_sse_reader_feed (reader, job->text, job->len, NULL) &&
       sy_sse_reader_finish (reader, NULL) && sy_stream_decoder_finish (job->decoder, NULL);
  if (ok)
    sy_stream_encoder_finish (encoder);
  sy_stream_decoder_free (job->decoder);
  sy_stream_encoder_free (encoder);
  return ok;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(SyIrRequest) sample = sample_request ();
  char *bodies[G_N_ELEMENTS (formats)];
  char *streams[G_N_ELEMENTS (formats)];
  double worst_request = 0, worst_mbps = -1;
  guint i, j;

  if (argc > 1)
    budget_s = g_ascii_strtod (argv[1], NULL);
  if (budget_s <= 0)
    budget_s = 0.3;

  for (i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = sy_translate_ctx_new (formats[i], formats[i]);
      g_autoptr(JsonNode) node = NULL;

      sy_translate_ctx_set_models (ctx, "bench-model", "bench-model");
      ctx->client_request = sample;
      node = sy_codec_for_format (formats[i])->encode_request (sample, ctx, NULL);
      g_assert (node != NULL);
      bodies[i] = sy_json_to_string (node);
      streams[i] = sample_stream (formats[i]);
    }

  printf ("Requests: decode + resolve reasoning + encode + serialize, per request\n");
  printf ("(direct = parse and re-serialize the same body, what a same-format hop costs)\n\n");
  printf ("%-16s %-16s %8s %10s %10s %7s\n", "client", "upstream", "bytes", "us/req", "direct us", "ratio");
  for (i = 0; i < G_N_ELEMENTS (formats); i++)
    for (j = 0; j < G_N_ELEMENTS (formats); j++)
      {
        RequestJob job = { bodies[i], strlen (bodies[i]), formats[i], formats[j] };
        double t = time_per_call (translate_request, &job);
        double d = time_per_call (direct_request, &job);

        if (i == j)
          continue;
        g_assert (t > 0 && d > 0);
        printf ("%-16s %-16s %8zu %10.1f %10.1f %6.2fx\n", sy_format_to_string (formats[i]),
                sy_format_to_string (formats[j]), job.len, t * 1e6, d * 1e6, t / d);
        worst_request = MAX (worst_request, t * 1e6);
      }

  printf ("\nStreams: upstream SSE -> decoder -> client encoder, MB/s of upstream bytes\n");
  printf ("(direct = reading the same events without translating them)\n\n");
  printf ("%-16s %-16s %8s %10s %10s %7s\n", "upstream", "client", "bytes", "MB/s", "direct", "ratio");
  for (i = 0; i < G_N_ELEMENTS (formats); i++)
    for (j = 0; j < G_N_ELEMENTS (formats); j++)
      {
        StreamJob job = { streams[i], strlen (streams[i]), formats[i], formats[j], NULL, 0 };
        double t, d, mbps, direct_mbps;

        if (i == j)
          continue;
        t = time_per_call (translate_stream, &job);
        d = time_per_call (direct_stream, &job);
        g_assert (t > 0 && d > 0);
        mbps = job.len / t / 1e6;
        direct_mbps = job.len / d / 1e6;
        printf ("%-16s %-16s %8zu %10.0f %10.0f %6.2fx\n", sy_format_to_string (formats[i]),
                sy_format_to_string (formats[j]), job.len, mbps, direct_mbps, t / d);
        if (worst_mbps < 0 || mbps < worst_mbps)
          worst_mbps = mbps;
      }

  printf ("\nslowest request translation: %.1f us; slowest stream translation: %.0f MB/s\n",
          worst_request, worst_mbps);

  for (i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_free (bodies[i]);
      g_free (streams[i]);
    }
  return 0;
}
