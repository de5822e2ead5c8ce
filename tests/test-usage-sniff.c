/* test-usage-sniff.c: token counts read from relayed answers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include "sy-codec.h"
#include "sy-usage-sniff.h"

static void
test_worth_parsing (void)
{
  static const struct { const char *data; gboolean worth; } cases[] = {
    { "{\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}", FALSE },
    { "{\"choices\":[],\"usage\":{\"prompt_tokens\":5}}", TRUE },
    { "{\"choices\":[],\"usage\" : \n {\"prompt_tokens\":5}}", TRUE },
    { "{\"usageMetadata\":{\"promptTokenCount\":5}}", TRUE },
    { "{\"text\":\"the word usage in a sentence\"}", FALSE },
    { "{\"type\":\"message_delta\",\"usage\":{\"output_tokens\":20}}", TRUE },
    { "{\"response\":{\"usage\":{\"input_tokens\":1}}}", TRUE },
    { "{\"usage", FALSE },
    { "", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (sy_usage_sniff_worth_parsing (cases[i].data, strlen (cases[i].data)), ==, cases[i].worth);
}

static void
sniff (SyFormat    format,
       const char *json,
       SyIrUsage  *usage)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = sy_json_parse (json, strlen (json), &error);
  SyIrUsage skimmed = *usage;

  g_assert_no_error (error);
  g_assert_true (sy_usage_sniff (format, node, usage));
  /* The skimming reader finds the same, from the text. */
  g_assert_true (sy_usage_sniff_text (format, json, strlen (json), &skimmed));
  g_assert_cmpmem (&skimmed, sizeof skimmed, usage, sizeof *usage);
}

/* Documents where a careless skim goes wrong: the parsed document and the
 * skim must agree on every one. */
static void
test_skim_agrees (void)
{
  static const struct { SyFormat format; const char *json; gboolean found; } cases[] = {
    /* A tool's input (an object in Messages) has its own "usage" first. */
    { SY_FORMAT_CLAUDE, "{\"content\":[{\"type\":\"tool_use\",\"input\":{\"usage\":{\"input_tokens\":999}}}],"
      "\"usage\":{\"input_tokens\":5,\"output_tokens\":2}}", TRUE },
    /* Quotes, braces and the word itself inside strings. */
    { SY_FORMAT_OPENAI, "{\"choices\":[{\"message\":{\"content\":\"say \\\"usage\\\":{\\\"prompt_tokens\\\":7} }{[\"}}],"
      "\"usage\" : {\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}", TRUE },
    /* Escaped backslash right before a closing quote. */
    { SY_FORMAT_OPENAI, "{\"id\":\"a\\\\\",\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}", TRUE },
    /* The top level's usage wins over message.usage, wherever it stands. */
    { SY_FORMAT_CLAUDE, "{\"usage\":{\"output_tokens\":8},\"message\":{\"usage\":{\"input_tokens\":1}}}", TRUE },
    { SY_FORMAT_CLAUDE, "{\"message\":{\"usage\":{\"input_tokens\":1}},\"usage\":{\"output_tokens\":8}}", TRUE },
    /* Deeper than message/response: not where any format keeps it. */
    { SY_FORMAT_OPENAI, "{\"choices\":[{\"usage\":{\"prompt_tokens\":1}}],\"x\":{\"y\":{\"usage\":{\"prompt_tokens\":2}}}}",
      FALSE },
    { SY_FORMAT_OPENAI, "{\"usage\":null,\"choices\":[]}", FALSE },
    /* Gemini through Cloud Code, numbers as floats and exponents. */
    { SY_FORMAT_GEMINI_CLI, "{\"response\":{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"}\"}]}}],"
      "\"usageMetadata\":{\"promptTokenCount\":1.2e1,\"candidatesTokenCount\":4,\"totalTokenCount\":16.0}}}", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = sy_json_parse (cases[i].json, strlen (cases[i].json), &error);
      SyIrUsage parsed, skimmed;

      g_test_message ("case %u: %s", i, cases[i].json);
      g_assert_no_error (error);
      sy_ir_usage_init (&parsed);
      sy_ir_usage_init (&skimmed);
      g_assert_cmpint (sy_usage_sniff (cases[i].format, node, &parsed), ==, cases[i].found);
      g_assert_cmpint (sy_usage_sniff_text (cases[i].format, cases[i].json, strlen (cases[i].json), &skimmed),
                       ==, cases[i].found);
      g_assert_cmpmem (&skimmed, sizeof skimmed, &parsed, sizeof parsed);
    }

  /* Not a JSON object, or cut short: nothing, no crash. */
  {
    static const char * const broken[] = { "", "[1,2]", "{\"usage\":{\"prompt_tokens\":1}", "{\"a\":\"x",
                                           "{\"a\" 1}", "{\"usage\":{\"prompt_tokens\":}}", "nul" };

    for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
      {
        SyIrUsage u;

        sy_ir_usage_init (&u);
        g_assert_false (sy_usage_sniff_text (SY_FORMAT_OPENAI, broken[i], strlen (broken[i]), &u));
        g_assert_false (sy_ir_usage_is_set (&u));
      }
  }
}

static void
test_formats (void)
{
  SyIrUsage u;

  /* Chat: prompt includes the cached, completion the reasoning. */
  sy_ir_usage_init (&u);
  sniff (SY_FORMAT_OPENAI, "{\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":40,\"total_tokens\":140,"
         "\"prompt_tokens_details\":{\"cached_tokens\":64},\"completion_tokens_details\":{\"reasoning_tokens\":12}}}",
         &u);
  g_assert_cmpint (u.input_tokens, ==, 100);
  g_assert_cmpint (u.output_tokens, ==, 40);
  g_assert_cmpint (u.cached_tokens, ==, 64);
  g_assert_cmpint (u.reasoning_tokens, ==, 12);

  /* Responses: the stream's response.completed carries it in "response". */
  sy_ir_usage_init (&u);
  sniff (SY_FORMAT_OPENAI_RESPONSES, "{\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":7,"
         "\"output_tokens\":3,\"input_tokens_details\":{\"cached_tokens\":2},"
         "\"output_tokens_details\":{\"reasoning_tokens\":1}}}}", &u);
  g_assert_cmpint (u.input_tokens, ==, 7);
  g_assert_cmpint (u.output_tokens, ==, 3);
  g_assert_cmpint (u.cached_tokens, ==, 2);
  g_assert_cmpint (u.reasoning_tokens, ==, 1);

  /* Messages: input leaves the cache out; message_start then message_delta. */
  sy_ir_usage_init (&u);
  sniff (SY_FORMAT_CLAUDE, "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":10,"
         "\"cache_read_input_tokens\":90,\"cache_creation_input_tokens\":5,\"output_tokens\":1}}}", &u);
  sniff (SY_FORMAT_CLAUDE, "{\"type\":\"message_delta\",\"usage\":{\"output_tokens\":33}}", &u);
  g_assert_cmpint (u.input_tokens, ==, 105);
  g_assert_cmpint (u.cached_tokens, ==, 90);
  g_assert_cmpint (u.cache_creation_tokens, ==, 5);
  g_assert_cmpint (u.output_tokens, ==, 33);

  /* generateContent: candidates leave thoughts out; Cloud Code wraps it. */
  sy_ir_usage_init (&u);
  sniff (SY_FORMAT_GEMINI_CLI, "{\"response\":{\"usageMetadata\":{\"promptTokenCount\":11,\"candidatesTokenCount\":4,"
         "\"thoughtsTokenCount\":6,\"cachedContentTokenCount\":3,\"totalTokenCount\":21}}}", &u);
  g_assert_cmpint (u.input_tokens, ==, 11);
  g_assert_cmpint (u.output_tokens, ==, 10);
  g_assert_cmpint (u.reasoning_tokens, ==, 6);
  g_assert_cmpint (u.cached_tokens, ==, 3);
  g_assert_cmpint (u.total_tokens, ==, 21);

  /* Nothing there: nothing changes. */
  {
    g_autoptr(JsonNode) node = sy_json_parse ("{\"choices\":[]}", 14, NULL);

    sy_ir_usage_init (&u);
    g_assert_false (sy_usage_sniff (SY_FORMAT_OPENAI, node, &u));
    g_assert_false (sy_ir_usage_is_set (&u));
  }
}

/* Counts at the ends of gint64 and doubles beyond it: clamped to
 * 0..SY_IR_TOKENS_MAX or left unknown, never overflowed (the sanitizer
 * build stops on an overflow). */
static void
test_extremes (void)
{
  SyIrUsage u;

  sy_ir_usage_init (&u);
  sniff (SY_FORMAT_CLAUDE, "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":9223372036854775807,"
         "\"cache_read_input_tokens\":9223372036854775807,\"cache_creation_input_tokens\":9223372036854775807,"
         "\"output_tokens\":-9223372036854775807}}}", &u);
  g_assert_cmpint (u.input_tokens, ==, SY_IR_TOKENS_MAX);
  g_assert_cmpint (u.cached_tokens, ==, SY_IR_TOKENS_MAX);
  g_assert_cmpint (u.cache_creation_tokens, ==, SY_IR_TOKENS_MAX);
  g_assert_cmpint (u.output_tokens, ==, 0);

  sy_ir_usage_init (&u);
  sniff (SY_FORMAT_GEMINI, "{\"usageMetadata\":{\"promptTokenCount\":1e300,\"candidatesTokenCount\":9223372036854775807,"
         "\"thoughtsTokenCount\":9223372036854775807,\"cachedContentTokenCount\":-1e300,"
         "\"totalTokenCount\":9.3e18}}", &u);
  g_assert_cmpint (u.input_tokens, ==, SY_IR_UNSET);
  g_assert_cmpint (u.output_tokens, ==, SY_IR_TOKENS_MAX);
  g_assert_cmpint (u.reasoning_tokens, ==, SY_IR_TOKENS_MAX);
  g_assert_cmpint (u.cached_tokens, ==, SY_IR_UNSET);
  g_assert_cmpint (u.total_tokens, ==, SY_IR_UNSET);

  sy_ir_usage_init (&u);
  sniff (SY_FORMAT_OPENAI, "{\"usage\":{\"prompt_tokens\":-5,\"completion_tokens\":4.5e15,\"total_tokens\":"
         "9223372036854775808}}", &u);
  g_assert_cmpint (u.input_tokens, ==, 0);
  g_assert_cmpint (u.output_tokens, ==, SY_IR_TOKENS_MAX);
  g_assert_cmpint (u.total_tokens, ==, SY_IR_UNSET);   /* 2^63: only a double holds it */
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/usage-sniff/extremes", test_extremes);
  g_test_add_func ("/usage-sniff/worth-parsing", test_worth_parsing);
  g_test_add_func ("/usage-sniff/formats", test_formats);
  g_test_add_func ("/usage-sniff/skim-agrees", test_skim_agrees);
  return g_test_run ();
}
