/* test-json-guard.c: json-glib's parser kept to one value of bounded depth
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-json-guard.h"

/* [[…[{"k":1}]…]] with @depth arrays and objects in all. */
static char *
nested (guint depth)
{
  GString *s = g_string_sized_new (depth * 2 + 8);

  for (guint i = 1; i < depth; i++)
    g_string_append_c (s, '[');
  g_string_append (s, "{\"k\":1}");
  for (guint i = 1; i < depth; i++)
    g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* One value, with white space around it: json-glib parses it as before. */
static void
test_accepts (void)
{
  static const char * const texts[] = {
    "{}", " [1, {\"a\": \"]]]}}}\"}]\n", "\"just a string\"", "\"q\\\"uote\\\\\"", "123", "-1.5e3",
    "true", "null", "{\"a\": [\"[\", \"{\", \"\\\"[\"]}", "\t\r\n{\"x\":1}\r\n",
    "\xef\xbb\xbf{\"bom\": true}", "{\"quote's\": \"/* not a comment */\"}", NULL,
  };

  for (guint i = 0; texts[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      g_assert_true (sy_json_guard_check (texts[i], -1, SY_JSON_MAX_DEPTH, &error));
      g_assert_no_error (error);
      g_assert_true (sy_json_parser_load (parser, texts[i], -1, &error));
      g_assert_no_error (error);
      g_assert_nonnull (json_parser_get_root (parser));
    }
}

/* Anything after the first value is refused before json-glib, which would
 * take the first value and leak the rest (the leak check of the sanitizer
 * run fails without the guard). */
static void
test_trailing (void)
{
  static const char * const texts[] = {
    "1 {\"x\":1}", "{\"x\":1} {\"y\":2}", "[1] [2]", "-1{\"x\":\"c\"}", "{} x", "\"s\" \"t\"", "1 2",
    "{\"a\":\"}\"} ]", NULL,
  };

  for (guint i = 0; texts[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      g_assert_false (sy_json_parser_load (parser, texts[i], -1, &error));
      g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE);
      g_assert_nonnull (strstr (error->message, "after the JSON value"));
    }
  /* With an explicit length the bytes past it do not count; a NUL within
   * it does. */
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GError) error = NULL;

    g_assert_true (sy_json_parser_load (parser, "{\"a\":1} {\"b\":2}", 7, &error));
    g_assert_no_error (error);
    g_assert_false (sy_json_guard_check ("\0-1{\"x\":\"c\"}", 12, SY_JSON_MAX_DEPTH, NULL));
  }
}

/* Depth: up to the limit as before; past it an error, however deep,
 * without recursing (json-glib 1.6 overflows the stack on the deep one). */
static void
test_depth (void)
{
  g_autofree char *at_limit = nested (SY_JSON_MAX_DEPTH);
  g_autofree char *past = nested (SY_JSON_MAX_DEPTH + 1);
  g_autofree char *deep = g_strnfill (2000000, '[');
  g_autofree char *in_string = g_strdup_printf ("\"%s\"", deep);

  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GError) error = NULL;

    g_assert_true (sy_json_parser_load (parser, at_limit, -1, &error));
    g_assert_no_error (error);
  }
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      g_assert_false (sy_json_parser_load (parser, i == 0 ? past : deep, -1, &error));
      g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE);
      g_assert_nonnull (strstr (error->message, "nested deeper than 512 levels"));
    }
  /* Brackets in a string are text. */
  g_assert_true (sy_json_guard_check (in_string, -1, 4, NULL));
}

/* What json-glib takes beyond JSON, where brackets hide from a count that
 * knows only JSON: refused. With a comment or a single-quoted string
 * holding a double quote, json-glib would parse the deep part the guard
 * took for a string's text. */
static void
test_beyond_json (void)
{
  g_autofree char *deep = g_strnfill (300000, '[');
  g_autofree char *comment = g_strdup_printf ("[/*\"*/%s\"x\"", deep);
  g_autofree char *single = g_strdup_printf ("['\"', %s\"x\"", deep);
  const char * const texts[] = { comment, single, "/* c */ {}", "[1, // c\n2]", "['a']", "# c\n{}", NULL };

  for (guint i = 0; texts[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      g_assert_false (sy_json_parser_load (parser, texts[i], -1, &error));
      g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE);
      g_assert_nonnull (strstr (error->message, "not JSON"));
    }
}

/* Not JSON: passed on, json-glib gives its own error. */
static void
test_not_json (void)
{
  static const char * const texts[] = { "]", "{\"a\":", "\"open", "{\"a\" 1}", "", "   ", NULL };

  for (guint i = 0; texts[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      g_assert_true (sy_json_guard_check (texts[i], -1, SY_JSON_MAX_DEPTH, NULL));
      if (!sy_json_parser_load (parser, texts[i], -1, &error))
        g_assert_error (error, JSON_PARSER_ERROR, error->code);
      else
        g_assert_null (json_parser_get_root (parser));
    }
}

/* Escapes: only JSON's, surrogates in whole pairs. json-glib 1.6 reads one
 * or two bytes past a lone surrogate, a closing quote included: its string
 * would end elsewhere than the guard's, and brackets the guard took for
 * text it would parse, out of the depth count (the first deep text below
 * overflows the stack without the check; the second, a malformed
 * backslash-u before the same brackets, is refused alike). A high half followed by a backslash-u that is not a low half it
 * refuses, leaking the string (found by fuzz-mgmt; the sanitizer run's
 * leak check fails without the guard). Whole pairs and every JSON escape
 * pass as before. */
static void
test_escapes (void)
{
  g_autofree char *brackets = g_strnfill (300000, '[');
  g_autofree char *lone_eats_quote = g_strdup_printf ("[\"\\ud800\"\", %s\"]", brackets);
  g_autofree char *u_not_hex = g_strdup_printf ("[\"\\u\"\"\"x\", %s\"]", brackets);
  const char * const refused[] = {
    lone_eats_quote, u_not_hex,
    "[\"\\ud800\\u0041\"]", "[\"\\ud800\\ud800\"]", "\"\\uD800\\uDBFF\"", "[\"\\udbff\\ue000\"]",
    "[\"\\udc00\\udc00\"]", "[\"\\udddb\\u00e9\"]", "[\"\\ud800\\uZZZZ\"]", "[\"\\ud800\\u12\"]",
    "[\"\\ud800\\u\"", "\"\\ud800\\u0041", "{\"k\": \"x\\ud800\\ud800\\udc00\"}",
    "[\"ok\", \"\\ud9ab\\u0000\"]", "[\"\\ud800x\"]", "[\"\\ud800\\n\"]", "\"\\udc00\"",
    "[\"\\udc00ab\"]", "[\"\\uZZZZ\"]", "[\"\\u12\"]", "[\"\\x\"]", "[\"\\'\"]", "\"a\\", "[\"\\U0041\"]",
    NULL,
  };
  static const struct { const char *text; const char *utf8; } taken[] = {
    { "\"\\ud800\\udc00\"", "\xf0\x90\x80\x80" },
    { "\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf" },
    { "\"\\ud83d\\ude00!\\u00e9\"", "\xf0\x9f\x98\x80!\xc3\xa9" },
    { "\"a\\\\ud800\\u0041\"", "a\\ud800A" },
    { "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00E9\\ufffd\"", "\"\\/\b\f\n\r\tA\xc3\xa9\xef\xbf\xbd" },
  };

  for (guint i = 0; refused[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      g_assert_false (sy_json_guard_check (refused[i], -1, SY_JSON_MAX_DEPTH, NULL));
      g_assert_false (sy_json_parser_load (parser, refused[i], -1, &error));
      g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE);
      g_assert_nonnull (strstr (error->message, "not JSON: invalid escape in a string"));
    }
  for (guint i = 0; i < G_N_ELEMENTS (taken); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      g_assert_true (sy_json_parser_load (parser, taken[i].text, -1, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (json_node_get_string (json_parser_get_root (parser)), ==, taken[i].utf8);
    }
}

/* Integers from JSON nodes: doubles beyond gint64 (and NaN, infinities)
 * are refused rather than converted, which C leaves undefined. */
static void
test_node_to_int64 (void)
{
  static const struct { double d; gboolean ok; gint64 want; } doubles[] = {
    { 42.0, TRUE, 42 },
    { 42.9, TRUE, 42 },
    { -42.9, TRUE, -42 },
    { -9223372036854775808.0, TRUE, G_MININT64 },
    { 9223372036854774784.0, TRUE, G_GINT64_CONSTANT (9223372036854774784) },
    { 9223372036854775808.0, FALSE, 0 },
    { -9223372036854777856.0, FALSE, 0 },
    { 1e300, FALSE, 0 },
    { -1e300, FALSE, 0 },
  };
  gint64 v;

  for (guint i = 0; i < G_N_ELEMENTS (doubles); i++)
    {
      g_autoptr(JsonNode) node = json_node_init_double (json_node_alloc (), doubles[i].d);

      v = 7;
      g_assert_cmpint (sy_json_node_to_int64 (node, &v), ==, doubles[i].ok);
      g_assert_cmpint (v, ==, doubles[i].ok ? doubles[i].want : 7);
    }
  {
    g_autoptr(JsonNode) nan = json_node_init_double (json_node_alloc (), NAN);
    g_autoptr(JsonNode) max = json_node_init_int (json_node_alloc (), G_MAXINT64);
    g_autoptr(JsonNode) text = json_node_init_string (json_node_alloc (), "12");
    g_autoptr(JsonNode) null = json_node_init_null (json_node_alloc ());

    v = 7;
    g_assert_false (sy_json_node_to_int64 (nan, &v));
    g_assert_false (sy_json_node_to_int64 (text, &v));
    g_assert_false (sy_json_node_to_int64 (null, &v));
    g_assert_cmpint (v, ==, 7);
    g_assert_true (sy_json_node_to_int64 (max, &v));
    g_assert_cmpint (v, ==, G_MAXINT64);
  }
  g_assert_false (sy_json_node_to_int64 (NULL, &v));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json-guard/accepts", test_accepts);
  g_test_add_func ("/json-guard/trailing", test_trailing);
  g_test_add_func ("/json-guard/depth", test_depth);
  g_test_add_func ("/json-guard/beyond-json", test_beyond_json);
  g_test_add_func ("/json-guard/not-json", test_not_json);
  g_test_add_func ("/json-guard/escapes", test_escapes);
  g_test_add_func ("/json-guard/node-to-int64", test_node_to_int64);
  return g_test_run ();
}
