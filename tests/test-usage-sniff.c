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

  g_assert_no_error (error);
  g_assert_true (sy_usage_sniff (format, node, usage));
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/usage-sniff/worth-parsing", test_worth_parsing);
  g_test_add_func ("/usage-sniff/formats", test_formats);
  return g_test_run ();
}
