/* test-format.c: error bodies in each client format
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-format.h"

static JsonObject *
parse (const char *text,
       JsonParser *parser)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_bodies (void)
{
  g_autoptr(JsonParser) p1 = json_parser_new ();
  g_autoptr(JsonParser) p2 = json_parser_new ();
  g_autoptr(JsonParser) p3 = json_parser_new ();
  g_autofree char *openai = sy_format_error_body (SY_FORMAT_OPENAI, 429, "slow \"down\"", NULL, NULL);
  g_autofree char *claude = sy_format_error_body (SY_FORMAT_CLAUDE, 404, "no such model", NULL, NULL);
  g_autofree char *gemini = sy_format_error_body (SY_FORMAT_GEMINI, 413, "too big", NULL, NULL);
  JsonObject *o;

  o = json_object_get_object_member (parse (openai, p1), "error");
  g_assert_cmpstr (json_object_get_string_member (o, "message"), ==, "slow \"down\"");
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "rate_limit_error");

  o = parse (claude, p2);
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "error");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "error"), "type"), ==,
                   "not_found_error");

  o = json_object_get_object_member (parse (gemini, p3), "error");
  g_assert_cmpint (json_object_get_int_member (o, "code"), ==, 413);
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "INVALID_ARGUMENT");
}

static void
test_stream_errors (void)
{
  g_autofree char *openai = sy_format_stream_error (SY_FORMAT_OPENAI, 502, "gone");
  g_autofree char *claude = sy_format_stream_error (SY_FORMAT_CLAUDE, 502, "gone");
  g_autofree char *responses = sy_format_stream_error (SY_FORMAT_OPENAI_RESPONSES, 502, "gone");
  g_autofree char *gemini = sy_format_stream_error (SY_FORMAT_GEMINI, 502, "gone");

  g_assert_true (g_str_has_prefix (openai, "data: {\"error\":{\"message\":\"gone\""));
  g_assert_true (g_str_has_suffix (openai, "\n\n"));
  g_assert_true (g_str_has_prefix (claude, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\""));
  g_assert_true (g_str_has_prefix (responses, "event: error\ndata: {\"type\":\"error\""));
  g_assert_nonnull (strstr (responses, "\"sequence_number\":0"));
  g_assert_true (g_str_has_prefix (gemini, "event: error\ndata: {\"error\":{\"code\":502"));
}

static void
test_message_from_body (void)
{
  struct { const char *body; const char *message; } cases[] = {
    { "{\"error\":{\"message\":\"openai says\",\"type\":\"x\"}}", "openai says" },
    { "{\"type\":\"error\",\"error\":{\"type\":\"x\",\"message\":\"claude says\"}}", "claude says" },
    { "[{\"error\":{\"code\":429,\"message\":\"gemini says\",\"status\":\"RESOURCE_EXHAUSTED\"}}]", "gemini says" },
    { "{\"error\":\"plain string\"}", "plain string" },
    { "  <html>Bad gateway</html>\n", "<html>Bad gateway</html>" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *m = sy_format_error_message_from_body (cases[i].body, strlen (cases[i].body));
      g_assert_cmpstr (m, ==, cases[i].message);
    }
  g_assert_null (sy_format_error_message_from_body ("", 0));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/format/bodies", test_bodies);
  g_test_add_func ("/format/stream-errors", test_stream_errors);
  g_test_add_func ("/format/message-from-body", test_message_from_body);
  return g_test_run ();
}
