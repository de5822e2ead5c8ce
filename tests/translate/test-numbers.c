/* test-numbers.c: token counts that C cannot hold or add, in every format
 *
 * An upstream's usage object is read as it comes: counts at the ends of
 * gint64, negative ones and doubles far out of its range. Each format's
 * answer and stream decoder (the stream ones on their fast path and off
 * it) must keep the counts it takes in 0..SY_IR_TOKENS_MAX, leave the
 * ones no integer holds unset, and every format must encode the result.
 * Without the clamping, input + output overflowed and doubles like 1e300
 * were converted to gint64: undefined behaviour, which the sanitizer
 * build (CI) stops on, and counts here that differ from the expected.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-codec.h"
#include "translate-test-util.h"

static const SyFormat all_formats[] = {
  SY_FORMAT_OPENAI, SY_FORMAT_OPENAI_RESPONSES, SY_FORMAT_CLAUDE,
  SY_FORMAT_GEMINI, SY_FORMAT_GEMINI_CLI,
};

typedef enum
{
  EXPECT_MAX,     /* input, output and total are SY_IR_TOKENS_MAX */
  EXPECT_ZERO,    /* ... are 0 */
  EXPECT_UNSET,   /* ... are unknown */
  EXPECT_BOUNDS,  /* only that every count is unset or in bounds */
} Expect;

typedef struct
{
  const char *value;       /* every count of the usage object */
  Expect      expect;
} Case;

static const Case cases[] = {
  { "9223372036854775807", EXPECT_MAX },
  { "9000000000000000000", EXPECT_MAX },
  { "9.2e18", EXPECT_MAX },
  { "-9223372036854775807", EXPECT_ZERO },
  { "-9223372036854775808", EXPECT_ZERO },
  { "-5", EXPECT_ZERO },
  { "1e300", EXPECT_UNSET },
  { "-1e300", EXPECT_UNSET },
  { "9.3e18", EXPECT_UNSET },
  { "9223372036854775808", EXPECT_BOUNDS },
  { "18446744073709551616", EXPECT_BOUNDS },
};

/* The format's usage object with every count @v; without a total when
 * @total is FALSE, for the decoders that add input and output. */
static char *
usage_text (SyFormat    format,
            const char *v,
            gboolean    total)
{
  g_autofree char *t = NULL;

  switch (format)
    {
    case SY_FORMAT_OPENAI:
      t = total ? g_strdup_printf ("\"total_tokens\":%s,", v) : g_strdup ("");
      return g_strdup_printf ("{\"prompt_tokens\":%s,\"completion_tokens\":%s,%s"
                              "\"prompt_tokens_details\":{\"cached_tokens\":%s},"
                              "\"completion_tokens_details\":{\"reasoning_tokens\":%s}}",
                              v, v, t, v, v);
    case SY_FORMAT_OPENAI_RESPONSES:
      t = total ? g_strdup_printf ("\"total_tokens\":%s,", v) : g_strdup ("");
      return g_strdup_printf ("{\"input_tokens\":%s,\"output_tokens\":%s,%s"
                              "\"input_tokens_details\":{\"cached_tokens\":%s},"
                              "\"output_tokens_details\":{\"reasoning_tokens\":%s}}",
                              v, v, t, v, v);
    case SY_FORMAT_CLAUDE:
      return g_strdup_printf ("{\"input_tokens\":%s,\"output_tokens\":%s,"
                              "\"cache_read_input_tokens\":%s,\"cache_creation_input_tokens\":%s}",
                              v, v, v, v);
    case SY_FORMAT_GEMINI:
    case SY_FORMAT_GEMINI_CLI:
      t = total ? g_strdup_printf ("\"totalTokenCount\":%s,", v) : g_strdup ("");
      return g_strdup_printf ("{\"promptTokenCount\":%s,\"candidatesTokenCount\":%s,%s"
                              "\"cachedContentTokenCount\":%s,\"thoughtsTokenCount\":%s}",
                              v, v, t, v, v);
    default:
      g_assert_not_reached ();
    }
}

static char *
gemini_answer (const char *usage)
{
  return g_strdup_printf ("{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"hi\"}]},"
                          "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":%s,"
                          "\"modelVersion\":\"m\",\"responseId\":\"r1\"}", usage);
}

static char *
responses_object (const char *status,
                  const char *usage)
{
  return g_strdup_printf ("{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1,\"status\":\"%s\","
                          "\"model\":\"m\",\"output\":[{\"type\":\"message\",\"id\":\"msg_1\","
                          "\"role\":\"assistant\",\"status\":\"completed\",\"content\":"
                          "[{\"type\":\"output_text\",\"text\":\"hi\",\"annotations\":[]}]}],"
                          "\"usage\":%s}", status, usage);
}

/* A whole answer of @format carrying @usage. */
static char *
answer_text (SyFormat    format,
             const char *usage)
{
  g_autofree char *inner = NULL;

  switch (format)
    {
    case SY_FORMAT_OPENAI:
      return g_strdup_printf ("{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
                              "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},"
                              "\"finish_reason\":\"stop\"}],\"usage\":%s}", usage);
    case SY_FORMAT_OPENAI_RESPONSES:
      return responses_object ("completed", usage);
    case SY_FORMAT_CLAUDE:
      return g_strdup_printf ("{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\","
                              "\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"stop_reason\":\"end_turn\","
                              "\"stop_sequence\":null,\"usage\":%s}", usage);
    case SY_FORMAT_GEMINI:
      return gemini_answer (usage);
    case SY_FORMAT_GEMINI_CLI:
      inner = gemini_answer (usage);
      return g_strdup_printf ("{\"response\":%s}", inner);
    default:
      g_assert_not_reached ();
    }
}

/* A stream of @format carrying @usage: event names and data, by pairs. */
static GPtrArray *
stream_events (SyFormat    format,
               const char *usage)
{
  GPtrArray *e = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *inner = NULL;

#define EV(name, ...) G_STMT_START { \
    g_ptr_array_add (e, g_strdup (name)); \
    g_ptr_array_add (e, g_strdup_printf (__VA_ARGS__)); \
  } G_STMT_END
  switch (format)
    {
    case SY_FORMAT_OPENAI:
      EV (NULL, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"},"
                "\"finish_reason\":null}]}");
      EV (NULL, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
      EV (NULL, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                "\"choices\":[],\"usage\":%s}", usage);
      EV (NULL, "[DONE]");
      break;
    case SY_FORMAT_OPENAI_RESPONSES:
      inner = responses_object ("in_progress", "null");
      EV ("response.created", "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":%s}", inner);
      g_free (inner);
      inner = responses_object ("completed", usage);
      EV ("response.completed", "{\"type\":\"response.completed\",\"sequence_number\":1,\"response\":%s}", inner);
      break;
    case SY_FORMAT_CLAUDE:
      EV ("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                           "\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"stop_reason\":null,"
                           "\"usage\":%s}}", usage);
      EV ("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                                 "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
      EV ("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
                                 "\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}");
      EV ("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
      EV ("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                           "\"usage\":%s}", usage);
      EV ("message_stop", "{\"type\":\"message_stop\"}");
      break;
    case SY_FORMAT_GEMINI:
      inner = gemini_answer (usage);
      EV (NULL, "%s", inner);
      break;
    case SY_FORMAT_GEMINI_CLI:
      inner = gemini_answer (usage);
      EV (NULL, "{\"response\":%s}", inner);
      break;
    default:
      g_assert_not_reached ();
    }
#undef EV
  return e;
}

static SyTranslateCtx *
ctx_new (SyFormat client,
         SyFormat upstream)
{
  SyTranslateCtx *ctx = sy_translate_ctx_new (client, upstream);

  ctx->deterministic = TRUE;
  ctx->now = 1700000000;
  sy_translate_ctx_set_models (ctx, "m", "m");
  return ctx;
}

static void
assert_count (gint64      count,
              Expect      expect,
              const char *what)
{
  if (count != SY_IR_UNSET && (count < 0 || count > SY_IR_TOKENS_MAX))
    g_error ("%s: %" G_GINT64_FORMAT " is out of bounds", what, count);
  switch (expect)
    {
    case EXPECT_MAX:
      g_assert_cmpint (count, ==, SY_IR_TOKENS_MAX);
      break;
    case EXPECT_ZERO:
      g_assert_cmpint (count, ==, 0);
      break;
    case EXPECT_UNSET:
      g_assert_cmpint (count, ==, SY_IR_UNSET);
      break;
    case EXPECT_BOUNDS:
      break;
    }
}

static void
assert_usage (const SyIrUsage *u,
              Expect           expect)
{
  assert_count (u->input_tokens, expect, "input");
  assert_count (u->output_tokens, expect, "output");
  assert_count (u->total_tokens, expect, "total");
  assert_count (u->cached_tokens, expect == EXPECT_UNSET ? EXPECT_UNSET : EXPECT_BOUNDS, "cached");
  assert_count (u->cache_creation_tokens, expect == EXPECT_UNSET ? EXPECT_UNSET : EXPECT_BOUNDS, "creation");
  assert_count (u->reasoning_tokens, expect == EXPECT_UNSET ? EXPECT_UNSET : EXPECT_BOUNDS, "reasoning");
}

static void
test_answers (void)
{
  for (guint f = 0; f < G_N_ELEMENTS (all_formats); f++)
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      for (int total = 0; total < 2; total++)
        {
          SyFormat from = all_formats[f];
          g_autofree char *usage = usage_text (from, cases[i].value, total);
          g_autofree char *text = answer_text (from, usage);
          g_autoptr(JsonNode) body = tt_parse (text);
          g_autoptr(GError) error = NULL;
          SyIrResponse *response;

          for (guint t = 0; t < G_N_ELEMENTS (all_formats); t++)
            {
              SyTranslateCtx *ctx = ctx_new (all_formats[t], from);
              g_autoptr(JsonNode) out = NULL;

              g_test_message ("%s -> %s, counts %s%s", sy_format_to_string (from),
                              sy_format_to_string (all_formats[t]), cases[i].value,
                              total ? "" : ", no total");
              response = sy_codec_for_format (from)->decode_response (body, ctx, &error);
              g_assert_no_error (error);
              g_assert_nonnull (response);
              assert_usage (&response->usage, cases[i].expect);
              out = sy_codec_for_format (all_formats[t])->encode_response (response, ctx, &error);
              g_assert_no_error (error);
              g_assert_nonnull (out);
              sy_ir_response_free (response);
              sy_translate_ctx_free (ctx);
            }
        }
}

typedef struct
{
  SyStreamEncoder *encoder;
  SyIrUsage        usage;
  guint            frames;
} Pipe;

static void
on_frame (const char *event,
          const char *data,
          gsize       len,
          gpointer    user_data)
{
  Pipe *pipe = user_data;

  (void) event;
  g_assert_true (len == 0 || data != NULL);
  pipe->frames++;
}

static void
on_ir_event (const SyIrEvent *event,
             gpointer         user_data)
{
  Pipe *pipe = user_data;

  g_assert_cmpint (event->type, !=, SY_IR_EVENT_ERROR);
  if (event->type == SY_IR_EVENT_USAGE)
    sy_ir_usage_merge (&pipe->usage, &event->usage);
  sy_stream_encoder_encode (pipe->encoder, event);
}

static void
test_streams (void)
{
  for (guint f = 0; f < G_N_ELEMENTS (all_formats); f++)
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      for (int total = 0; total < 2; total++)
        for (int slow = 0; slow < 2; slow++)
          {
            SyFormat from = all_formats[f];
            g_autofree char *usage = usage_text (from, cases[i].value, total);
            g_autoptr(GPtrArray) events = stream_events (from, usage);

            for (guint t = 0; t < G_N_ELEMENTS (all_formats); t++)
              {
                SyTranslateCtx *ctx = ctx_new (all_formats[t], from);
                g_autoptr(GError) error = NULL;
                SyStreamDecoder *decoder;
                Pipe pipe = { 0 };

                g_test_message ("stream %s -> %s, counts %s%s%s", sy_format_to_string (from),
                                sy_format_to_string (all_formats[t]), cases[i].value,
                                total ? "" : ", no total", slow ? ", no fast path" : "");
                ctx->no_fast_path = slow;
                sy_ir_usage_init (&pipe.usage);
                pipe.encoder = sy_codec_for_format (all_formats[t])->stream_encoder_new (ctx, on_frame, &pipe);
                decoder = sy_codec_for_format (from)->stream_decoder_new (ctx, on_ir_event, &pipe);
                for (guint e = 0; e < events->len; e += 2)
                  {
                    const char *data = g_ptr_array_index (events, e + 1);

                    g_assert_true (sy_stream_decoder_feed (decoder, g_ptr_array_index (events, e),
                                                           data, strlen (data), &error));
                    g_assert_no_error (error);
                  }
                g_assert_true (sy_stream_decoder_finish (decoder, &error));
                g_assert_no_error (error);
                sy_stream_encoder_finish (pipe.encoder);
                g_assert_cmpuint (pipe.frames, >, 0);
                assert_usage (&pipe.usage, cases[i].expect);
                sy_stream_decoder_free (decoder);
                sy_stream_encoder_free (pipe.encoder);
                sy_translate_ctx_free (ctx);
              }
          }
}

static void
test_int_from_double (void)
{
  gint64 v = 7;

  g_assert_true (sy_ir_int_from_double (-9223372036854775808.0, &v));
  g_assert_cmpint (v, ==, G_MININT64);
  g_assert_true (sy_ir_int_from_double (9223372036854774784.0, &v));   /* the largest below 2^63 */
  g_assert_cmpint (v, ==, G_GINT64_CONSTANT (9223372036854774784));
  g_assert_true (sy_ir_int_from_double (-0.0, &v));
  g_assert_cmpint (v, ==, 0);
  v = 7;
  g_assert_false (sy_ir_int_from_double (9223372036854775808.0, &v));
  g_assert_false (sy_ir_int_from_double (-9223372036854777856.0, &v));
  g_assert_false (sy_ir_int_from_double (1.5, &v));
  g_assert_false (sy_ir_int_from_double (1e300, &v));
  g_assert_false (sy_ir_int_from_double (HUGE_VAL, &v));
  g_assert_false (sy_ir_int_from_double (-HUGE_VAL, &v));
  g_assert_false (sy_ir_int_from_double (NAN, &v));
  g_assert_cmpint (v, ==, 7);   /* untouched when refused */

  g_assert_cmpint (sy_ir_tokens (G_MAXINT64), ==, SY_IR_TOKENS_MAX);
  g_assert_cmpint (sy_ir_tokens (G_MININT64 + 1), ==, 0);
  g_assert_cmpint (sy_ir_tokens (-1), ==, 0);
  g_assert_cmpint (sy_ir_tokens (123), ==, 123);
}

/* Other integers of an answer: a Responses created_at past gint64's
 * range is unknown, not converted. */
static void
test_responses_created (void)
{
  static const char *const values[] = { "1e300", "-1e300", "9.3e18" };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":%s,"
                                               "\"status\":\"completed\",\"model\":\"m\",\"output\":[]}",
                                               values[i]);
      g_autoptr(JsonNode) body = tt_parse (text);
      SyTranslateCtx *ctx = ctx_new (SY_FORMAT_OPENAI, SY_FORMAT_OPENAI_RESPONSES);
      g_autoptr(GError) error = NULL;
      SyIrResponse *response = sy_codec_responses ()->decode_response (body, ctx, &error);

      g_assert_no_error (error);
      g_assert_cmpint (response->created, ==, SY_IR_UNSET);
      sy_ir_response_free (response);
      sy_translate_ctx_free (ctx);
    }
}

/* A thinking budget out of gint64's range is refused like a string, not
 * converted; one with a fraction is still taken whole, as before. */
static void
test_gemini_budget (void)
{
  static const char *const refused[] = { "1e300", "-1e300", "9.3e18", "-9.3e18" };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}],"
                                               "\"generationConfig\":{\"maxOutputTokens\":%s}}", refused[i]);
      g_autofree char *budget = g_strdup_printf ("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}],"
                                                 "\"generationConfig\":{\"thinkingConfig\":{\"thinkingBudget\":%s}}}",
                                                 refused[i]);
      const char *bodies[] = { text, budget };

      for (guint b = 0; b < G_N_ELEMENTS (bodies); b++)
        {
          g_autoptr(JsonNode) body = tt_parse (bodies[b]);
          SyTranslateCtx *ctx = ctx_new (SY_FORMAT_GEMINI, SY_FORMAT_OPENAI);
          g_autoptr(GError) error = NULL;
          SyIrRequest *request = sy_codec_gemini ()->decode_request (body, ctx, &error);

          g_assert_null (request);
          g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_INVALID);
          g_assert_nonnull (strstr (error->message, "expected an integer"));
          sy_translate_ctx_free (ctx);
        }
    }

  {
    g_autoptr(JsonNode) body = tt_parse ("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}],"
                                         "\"generationConfig\":{\"thinkingConfig\":{\"thinkingBudget\":1024.7}}}");
    SyTranslateCtx *ctx = ctx_new (SY_FORMAT_GEMINI, SY_FORMAT_OPENAI);
    g_autoptr(GError) error = NULL;
    SyIrRequest *request = sy_codec_gemini ()->decode_request (body, ctx, &error);

    g_assert_no_error (error);
    g_assert_cmpint (request->reasoning.mode, ==, SY_IR_REASONING_BUDGET);
    g_assert_cmpint (request->reasoning.budget, ==, 1024);
    sy_ir_request_free (request);
    sy_translate_ctx_free (ctx);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/numbers/int-from-double", test_int_from_double);
  g_test_add_func ("/numbers/answers", test_answers);
  g_test_add_func ("/numbers/streams", test_streams);
  g_test_add_func ("/numbers/gemini-budget", test_gemini_budget);
  g_test_add_func ("/numbers/responses-created", test_responses_created);
  return g_test_run ();
}
