/* test-json.c: the strict JSON reader and the compact writer
 *
 * Valid documents are read by sy_json_read and by json-glib and compared,
 * value types included; invalid ones must be rejected (even where json-glib
 * accepts them); written output must read back, with both readers, to the
 * same tree. The vectors and fixtures are read by both, and random trees
 * and mutated documents exercise the two directions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-json.h"
#include "translate-test-util.h"

/* ------------------------------------------------------------- helpers */

/* json-glib's reading of text, or NULL when it refuses it. */
static JsonNode *
glib_read (const char *text,
           gssize      len)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser, text, len, NULL))
    return NULL;
  if (json_parser_get_root (parser) == NULL)
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

/* Stricter than tt_json_equal: value types must match, integers compare
 * exactly, doubles bit for bit when exact_doubles (so -0.0 != 0.0), member
 * order must match when ordered, and every child's parent in a must be its
 * container when check_parents (json-glib's own setters leave it unset). */
typedef struct
{
  gboolean exact_doubles;
  gboolean ordered;
  gboolean check_parents;
} Strict;

static gboolean
strict_equal (JsonNode     *a,
              JsonNode     *b,
              const Strict *how)
{
  if (JSON_NODE_TYPE (a) != JSON_NODE_TYPE (b))
    return FALSE;
  switch (JSON_NODE_TYPE (a))
    {
    case JSON_NODE_NULL:
      return TRUE;

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (a) != json_node_get_value_type (b))
        return FALSE;
      switch (json_node_get_value_type (a))
        {
        case G_TYPE_INT64:
          return json_node_get_int (a) == json_node_get_int (b);
        case G_TYPE_DOUBLE:
          {
            double x = json_node_get_double (a);
            double y = json_node_get_double (b);

            if (how->exact_doubles)
              return memcmp (&x, &y, sizeof x) == 0;
            return x == y;
          }
        case G_TYPE_BOOLEAN:
          return json_node_get_boolean (a) == json_node_get_boolean (b);
        case G_TYPE_STRING:
          return g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0;
        default:
          return FALSE;
        }

    case JSON_NODE_ARRAY:
      {
        JsonArray *xa = json_node_get_array (a);
        JsonArray *xb = json_node_get_array (b);
        guint i;

        if (json_array_get_length (xa) != json_array_get_length (xb))
          return FALSE;
        for (i = 0; i < json_array_get_length (xa); i++)
          {
            JsonNode *ea = json_array_get_element (xa, i);
            JsonNode *eb = json_array_get_element (xb, i);

            if (how->check_parents && json_node_get_parent (ea) != a)
              return FALSE;
            if (!strict_equal (ea, eb, how))
              return FALSE;
          }
        return TRUE;
      }

    case JSON_NODE_OBJECT:
      {
        JsonObject *oa = json_node_get_object (a);
        JsonObject *ob = json_node_get_object (b);
        g_autoptr(GList) ma = json_object_get_members (oa);
        g_autoptr(GList) mb = json_object_get_members (ob);
        GList *la, *lb;

        if (json_object_get_size (oa) != json_object_get_size (ob))
          return FALSE;
        for (la = ma, lb = mb; la != NULL && lb != NULL; la = la->next, lb = lb->next)
          {
            JsonNode *va = json_object_get_member (oa, la->data);
            JsonNode *vb = json_object_get_member (ob, la->data);

            if (how->ordered && strcmp (la->data, lb->data) != 0)
              return FALSE;
            if (vb == NULL)
              return FALSE;
            if (how->check_parents && json_node_get_parent (va) != a)
              return FALSE;
            if (!strict_equal (va, vb, how))
              return FALSE;
          }
        return la == NULL && lb == NULL;
      }

    default:
      return FALSE;
    }
}

static const Strict same_as_glib = { FALSE, TRUE, TRUE };
static const Strict same_exactly = { TRUE, TRUE, TRUE };

static JsonNode *
read_ok (const char *text,
         gssize      len)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = sy_json_read (text, len, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

/* Writes node, checks that both readers read the output back to the same
 * tree, and that writing that again gives the same text. */
static void
check_round_trip (JsonNode *node)
{
  gsize len = 0;
  g_autofree char *text = sy_json_write (node, &len);
  g_autofree char *again = NULL;
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(JsonNode) glib = NULL;

  g_assert_cmpuint (len, ==, strlen (text));
  back = read_ok (text, len);
  if (!strict_equal (back, node, &same_exactly))
    g_error ("round trip differs: %s", text);
  again = sy_json_write (back, NULL);
  g_assert_cmpstr (again, ==, text);

  glib = glib_read (text, len);
  if (glib == NULL)
    g_error ("json-glib refuses the writer's output: %s", text);
  tt_assert_json_equal (back, glib);
}

/* -------------------------------------------------------- valid documents */

static const char *const valid_docs[] = {
  "null",
  "true",
  "false",
  "0",
  "-0",
  "1",
  "-1",
  "42",
  "9223372036854775807",
  "-9223372036854775808",
  "1.5",
  "-0.0",
  "0.1",
  "1e308",
  "1.7976931348623157e308",
  "-1.7976931348623157e308",
  "5e-324",
  "2.2250738585072014e-308",
  "1E+2",
  "1e-2",
  "123.456e-78",
  "0e0",
  "\"\"",
  "\"hello\"",
  "\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"",
  "\"\\u0041\\u00e9\\u20AC\\uffff\"",
  "\"\\ud83d\\ude00 \\uD834\\uDD1E\"",
  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf\"",
  "\"\xe2\x80\xa8\xe2\x80\xa9\"",
  "\"\\u001f\\u0001\x7f\"",
  "\"a string that is long enough for the eight-byte scan to run a few times\"",
  "{}",
  "[]",
  " \t\r\n{ \"a\" : 1 , \"b\" : [ 1 , 2 ] } \n\t ",
  "[null,true,false,0,-1,1.25,\"x\",[],{}]",
  "{\"a\":{\"b\":{\"c\":[[[]]]}}}",
  "{\"\":\"empty key\"}",
  "{\"k\\u00e9y\":1,\"q\\\"uote\":2,\"back\\\\slash\":3,\"\\ud83d\\ude00\":4}",
  "{\"z\":1,\"y\":2,\"x\":3,\"a\":4}",
  "{\"dup\":1,\"other\":true,\"dup\":2}",
  "[1,[2,[3,[4,[5]]]]]",
  "[\"\xe4\xb8\xad\xe6\x96\x87\",\"\xd0\xba\xd0\xb8\xd1\x80\xd0\xb8\xd0\xbb\xd0\xbb\xd0\xb8\xd1\x86\xd0\xb0\"]",
  "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,"
  "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},"
  "\"logprobs\":null,\"finish_reason\":null}],\"usage\":{\"prompt_tokens\":9,"
  "\"temperature\":0.7}}",
};

static void
test_valid (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (valid_docs); i++)
    {
      const char *text = valid_docs[i];
      g_autoptr(JsonNode) mine = read_ok (text, -1);
      g_autoptr(JsonNode) glib = glib_read (text, -1);

      g_test_message ("valid: %s", text);
      g_assert_nonnull (glib);
      tt_assert_json_equal (mine, glib);
      if (!strict_equal (mine, glib, &same_as_glib))
        g_error ("types, order or parents differ from json-glib for %s", text);
      g_assert_null (json_node_get_parent (mine));
      check_round_trip (mine);
    }
}

/* Values json-glib reads differently (or not at all); checked directly. */
static void
test_numbers (void)
{
  static const struct { const char *text; gint64 value; } ints[] = {
    { "0", 0 },
    { "-0", 0 },
    { "7", 7 },
    { "-12", -12 },
    { "9223372036854775807", G_MAXINT64 },
    { "-9223372036854775808", G_MININT64 },
    { "-9223372036854775807", -G_MAXINT64 },
  };
  static const struct { const char *text; double value; } doubles[] = {
    { "9223372036854775808", 9223372036854775808.0 },
    { "-9223372036854775809", -9223372036854775809.0 },
    { "18446744073709551616", 18446744073709551616.0 },
    { "123456789012345678901234567890", 123456789012345678901234567890.0 },
    { "1.0", 1.0 },
    { "1e2", 100.0 },
    { "1E-2", 0.01 },
    { "0.1", 0.1 },
    { "-2.5e+3", -2500.0 },
    { "1e308", 1e308 },
    { "5e-324", 4.9406564584124654e-324 },
    { "1e-400", 0.0 },
    { "0.30000000000000004", 0.30000000000000004 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (ints); i++)
    {
      g_autoptr(JsonNode) node = read_ok (ints[i].text, -1);

      g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_INT64);
      g_assert_cmpint (json_node_get_int (node), ==, ints[i].value);
    }
  for (i = 0; i < G_N_ELEMENTS (doubles); i++)
    {
      g_autoptr(JsonNode) node = read_ok (doubles[i].text, -1);

      g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_DOUBLE);
      g_assert_cmpfloat (json_node_get_double (node), ==, doubles[i].value);
    }

  {
    g_autoptr(JsonNode) node = read_ok ("-0.0", -1);

    g_assert_true (signbit (json_node_get_double (node)));
  }
}

static void
test_strings (void)
{
  static const struct { const char *text; const char *value; } cases[] = {
    { "\"\\u0041\\u00e9\\u20ac\"", "A\xc3\xa9\xe2\x82\xac" },
    { "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80" },
    { "\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf" },
    { "\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"", "/\b\f\n\r\t\"\\" },
    { "\"\\u0001x\\u001F\"", "\001x\037" },
    { "\"\xf0\x90\x80\x80\"", "\xf0\x90\x80\x80" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = read_ok (cases[i].text, -1);

      g_assert_cmpstr (json_node_get_string (node), ==, cases[i].value);
    }
}

static void
test_duplicates (void)
{
  g_autoptr(JsonNode) node = read_ok ("{\"a\":1,\"b\":2,\"a\":{\"c\":3}}", -1);
  JsonObject *object = json_node_get_object (node);
  g_autofree char *text = NULL;

  g_assert_cmpuint (json_object_get_size (object), ==, 2);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "a")));
  text = sy_json_write (node, NULL);
  g_assert_cmpstr (text, ==, "{\"a\":{\"c\":3},\"b\":2}");
}

static void
test_length (void)
{
  static const char padded[] = "[1,2]xyz";
  static const char with_nul[] = "\"a\0b\"";
  static const char nul_after[] = "{} \0";
  g_autoptr(JsonNode) node = read_ok (padded, 5);
  g_autoptr(GError) error = NULL;
  JsonNode *bad;

  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 2);

  bad = sy_json_read ("\"abc\"", 4, &error);
  g_assert_null (bad);
  g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA);
  g_clear_error (&error);

  bad = sy_json_read ("12345", 3, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_node_get_int (bad), ==, 123);
  json_node_unref (bad);

  bad = sy_json_read ("tru", 3, &error);
  g_assert_null (bad);
  g_assert_nonnull (error);
  g_clear_error (&error);

  bad = sy_json_read (with_nul, sizeof with_nul - 1, &error);
  g_assert_null (bad);
  g_assert_nonnull (error);
  g_clear_error (&error);

  bad = sy_json_read (nul_after, sizeof nul_after - 1, &error);
  g_assert_null (bad);
  g_assert_nonnull (error);
  g_clear_error (&error);

  bad = sy_json_read ("", 0, &error);
  g_assert_null (bad);
  g_assert_nonnull (error);
  g_clear_error (&error);

  bad = sy_json_read (NULL, 0, &error);
  g_assert_null (bad);
  g_assert_nonnull (error);
}

/* ------------------------------------------------------ invalid documents */

static const char *const invalid_docs[] = {
  "",
  " ",
  "[1,2,]",
  "{\"a\":1,}",
  "[,1]",
  "{,}",
  "[1 2]",
  "{\"a\":1 \"b\":2}",
  "{\"a\" 1}",
  "{\"a\":}",
  "{a:1}",
  "{1:1}",
  "['x']",
  "'x'",
  "[1] // comment",
  "/* c */ [1]",
  "[1 /* c */]",
  "# c\n1",
  "NaN",
  "-NaN",
  "Infinity",
  "-Infinity",
  "[nan]",
  "01",
  "-01",
  "00",
  "1.",
  ".5",
  "-.5",
  "1.e5",
  "1e",
  "1e+",
  "+1",
  "--1",
  "-",
  "0x10",
  "1e400",
  "-1e400",
  "\"a\tb\"",
  "\"a\nb\"",
  "\"\x01\"",
  "\"\x1f\"",
  "\"\\x41\"",
  "\"\\a\"",
  "\"\\u12\"",
  "\"\\u12G4\"",
  "\"\\ud800\"",
  "\"\\ud800x\"",
  "\"\\ud800\\u0041\"",
  "\"\\ud800\\ud800\"",
  "\"\\udc00\"",
  "\"\\udfff\\ud800\"",
  "\"\x80\"",
  "\"\xc0\xaf\"",
  "\"\xc1\xbf\"",
  "\"\xe0\x80\xaf\"",
  "\"\xed\xa0\x80\"",
  "\"\xf0\x80\x80\xaf\"",
  "\"\xf4\x90\x80\x80\"",
  "\"\xf5\x80\x80\x80\"",
  "\"\xff\"",
  "\"\xc3\"",
  "\"\xe2\x82\"",
  "\"\xe2\x82\x41\"",
  "\xef\xbb\xbf{}",
  "\"abc",
  "\"abc\\",
  "\"abc\\\"",
  "[1,2",
  "[1,",
  "[",
  "{",
  "{\"a\"",
  "{\"a\":",
  "{\"a\":1",
  "]",
  "}",
  "[1]]",
  "{}}",
  "1 2",
  "[1] x",
  "nul",
  "nulll",
  "truex",
  "True",
  "FALSE",
  "None",
  "undefined",
  "[1,,2]",
  "\"a\" \"b\"",
  "{\"a\":1}{\"b\":2}",
  "\x0c 1",
  "\xc2\xa0 1",
};

static void
test_invalid (void)
{
  guint i;
  guint glib_accepts = 0;

  for (i = 0; i < G_N_ELEMENTS (invalid_docs); i++)
    {
      const char *text = invalid_docs[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) glib = NULL;
      JsonNode *node = sy_json_read (text, -1, &error);

      if (node != NULL)
        {
          g_autofree char *out = sy_json_write (node, NULL);

          g_error ("accepted invalid document %s as %s", text, out);
        }
      g_assert_nonnull (error);
      g_assert_true (error->domain == JSON_PARSER_ERROR);
      g_assert_true (g_str_has_prefix (error->message, "at byte "));
      /* json-glib leaks on some of these, so only when asked (--verbose). */
      if (g_test_verbose ())
        glib = glib_read (text, -1);
      if (glib != NULL)
        {
          glib_accepts++;
          g_test_message ("json-glib accepts: %s (we: %s)", text, error->message);
        }
    }
  if (g_test_verbose ())
    g_test_message ("%u of %u invalid documents are accepted by json-glib",
                    glib_accepts, (guint) G_N_ELEMENTS (invalid_docs));
}

static void
test_errors (void)
{
  static const struct { const char *text; int code; const char *prefix; } cases[] = {
    { "[1,2,]", JSON_PARSER_ERROR_TRAILING_COMMA, "at byte 5: " },
    { "{\"a\":1,}", JSON_PARSER_ERROR_TRAILING_COMMA, "at byte 7: " },
    { "[1 2]", JSON_PARSER_ERROR_MISSING_COMMA, "at byte 3: " },
    { "{\"a\" 1}", JSON_PARSER_ERROR_MISSING_COLON, "at byte 5: " },
    { "[tru]", JSON_PARSER_ERROR_INVALID_BAREWORD, "at byte 1: " },
    { "[\"ab\x01\"]", JSON_PARSER_ERROR_INVALID_DATA, "at byte 4: " },
    { "[\"ab\xff\"]", JSON_PARSER_ERROR_INVALID_DATA, "at byte 4: " },
    { "  [01]", JSON_PARSER_ERROR_INVALID_DATA, "at byte 3: " },
    { "[\"x\\ud800\"]", JSON_PARSER_ERROR_INVALID_DATA, "at byte 3: " },
    { "{} x", JSON_PARSER_ERROR_PARSE, "at byte 3: " },
    { "[1,", JSON_PARSER_ERROR_PARSE, "at byte 3: " },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      JsonNode *node = sy_json_read (cases[i].text, -1, &error);

      g_assert_null (node);
      g_assert_error (error, JSON_PARSER_ERROR, cases[i].code);
      if (!g_str_has_prefix (error->message, cases[i].prefix))
        g_error ("%s: got \"%s\", expected it to start with \"%s\"",
                 cases[i].text, error->message, cases[i].prefix);
    }
}

static char *
nested (const char *open,
        const char *close,
        guint       depth)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < depth; i++)
    g_string_append (s, open);
  g_string_append (s, "1");
  for (i = 0; i < depth; i++)
    g_string_append (s, close);
  return g_string_free (s, FALSE);
}

static void
test_depth (void)
{
  static const guint depths[] = { 1, 100, 512, 513, 600, 100000 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (depths); i++)
    {
      g_autofree char *arrays = nested ("[", "]", depths[i]);
      g_autofree char *objects = nested ("{\"k\":", "}", depths[i]);
      g_autoptr(GError) error = NULL;
      JsonNode *a = sy_json_read (arrays, -1, &error);
      JsonNode *o;

      if (depths[i] <= 512)
        {
          g_assert_no_error (error);
          g_assert_nonnull (a);
          check_round_trip (a);
          json_node_unref (a);
        }
      else
        {
          g_assert_null (a);
          g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE);
          g_clear_error (&error);
        }

      o = sy_json_read (objects, -1, &error);
      if (depths[i] <= 512)
        {
          g_assert_no_error (error);
          g_assert_nonnull (o);
          json_node_unref (o);
        }
      else
        {
          g_assert_null (o);
          g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE);
        }
    }
}

/* ----------------------------------------------------------------- writer */

static void
expect_written (JsonNode   *node,
                const char *expected)
{
  g_autofree char *text = sy_json_write (node, NULL);

  g_assert_cmpstr (text, ==, expected);
}

/* Writes and frees a node made by json_node_init_* on a fresh node (json-glib
 * does not allow initializing one node twice). */
static void
expect_value (JsonNode   *node,
              const char *expected)
{
  expect_written (node, expected);
  json_node_unref (node);
}

static void
test_write_values (void)
{
  static const struct { double value; const char *text; } doubles[] = {
    { 0.0, "0.0" },
    { -0.0, "-0.0" },
    { 1.0, "1.0" },
    { 0.1, "0.1" },
    { 1.5, "1.5" },
    { -2.25, "-2.25" },
    { 100.0, "100.0" },
    { 1e300, "1e+300" },
    { 1e-7, "1e-07" },
    { 0.30000000000000004, "0.30000000000000004" },
    { 1.7976931348623157e308, "1.7976931348623157e+308" },
    { 123456789012345678.0, "1.2345678901234568e+17" },
  };
  guint i;

  expect_value (json_node_init_null (json_node_alloc ()), "null");
  expect_value (json_node_init_boolean (json_node_alloc (), TRUE), "true");
  expect_value (json_node_init_boolean (json_node_alloc (), FALSE), "false");
  expect_value (json_node_init_int (json_node_alloc (), 0), "0");
  expect_value (json_node_init_int (json_node_alloc (), -7), "-7");
  expect_value (json_node_init_int (json_node_alloc (), G_MAXINT64), "9223372036854775807");
  expect_value (json_node_init_int (json_node_alloc (), G_MININT64), "-9223372036854775808");
  for (i = 0; i < G_N_ELEMENTS (doubles); i++)
    expect_value (json_node_init_double (json_node_alloc (), doubles[i].value), doubles[i].text);
  expect_value (json_node_init_double (json_node_alloc (), INFINITY), "null");
  expect_value (json_node_init_double (json_node_alloc (), -INFINITY), "null");
  expect_value (json_node_init_double (json_node_alloc (), NAN), "null");

  expect_value (json_node_init_string (json_node_alloc (), ""), "\"\"");
  expect_value (json_node_init_string (json_node_alloc (), "a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
  expect_value (json_node_init_string (json_node_alloc (), "\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
  expect_value (json_node_init_string (json_node_alloc (), "\001\037\177"), "\"\\u0001\\u001f\177\"");
  expect_value (json_node_init_string (json_node_alloc (), "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8"),
                "\"caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8\"");
  expect_written (NULL, "null");
}

static void
test_write_containers (void)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GString) out = g_string_new ("prefix:");

  json_object_set_int_member (object, "z", 1);
  json_object_set_string_member (object, "a\n", "x");
  json_array_add_null_element (array);
  json_array_add_boolean_element (array, TRUE);
  json_array_add_object_element (array, json_object_new ());
  json_array_add_array_element (array, json_array_new ());
  json_object_set_array_member (object, "m", json_array_ref (array));
  json_object_set_double_member (object, "d", 2.0);
  json_object_set_int_member (object, "z", 3);   /* replaces, keeps its place */
  node = json_node_init_object (json_node_alloc (), object);

  expect_written (node, "{\"z\":3,\"a\\n\":\"x\",\"m\":[null,true,{},[]],\"d\":2.0}");
  sy_json_write_to (node, out);
  g_assert_cmpstr (out->str, ==, "prefix:{\"z\":3,\"a\\n\":\"x\",\"m\":[null,true,{},[]],\"d\":2.0}");
  check_round_trip (node);
}

/* ------------------------------------------------------- files on disk */

static void
collect_json_files (const char *dir,
                    GPtrArray  *paths)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        collect_json_files (path, paths);
      else if (g_str_has_suffix (name, ".json"))
        g_ptr_array_add (paths, g_steal_pointer (&path));
    }
}

static void
test_files (void)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  const char *dirs[] = { "vectors", "fixtures" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *dir = tt_data_path (dirs[i]);

      collect_json_files (dir, paths);
    }
  g_assert_cmpuint (paths->len, >, 10);

  for (i = 0; i < paths->len; i++)
    {
      const char *path = paths->pdata[i];
      g_autofree char *text = NULL;
      g_autoptr(JsonNode) mine = NULL;
      g_autoptr(JsonNode) glib = NULL;
      g_autoptr(GError) error = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &text, &len, &error));
      mine = sy_json_read (text, len, &error);
      if (mine == NULL)
        g_error ("%s: %s", path, error->message);
      glib = glib_read (text, len);
      g_assert_nonnull (glib);
      tt_assert_json_equal (mine, glib);
      if (!strict_equal (mine, glib, &same_as_glib))
        g_error ("%s: types, order or parents differ from json-glib", path);
      check_round_trip (mine);
    }
  g_test_message ("%u files", paths->len);
}

/* ---------------------------------------------------------- randomized */

static gunichar
random_char (void)
{
  switch (g_test_rand_int_range (0, 8))
    {
    case 0:
      return g_test_rand_int_range (1, 0x20);
    case 1:
      {
        static const char specials[] = "\"\\/\x7f";

        return specials[g_test_rand_int_range (0, 4)];
      }
    case 2:
      return g_test_rand_int_range (0x80, 0x800);
    case 3:
      {
        gunichar c = g_test_rand_int_range (0x800, 0x10000);

        return c >= 0xd800 && c <= 0xdfff ? 0xfffd : c;
      }
    case 4:
      return g_test_rand_int_range (0x10000, 0x110000);
    default:
      return g_test_rand_int_range (0x20, 0x7f);
    }
}

static char *
random_string (void)
{
  GString *s = g_string_new (NULL);
  int n = g_test_rand_bit () ? g_test_rand_int_range (0, 6) : g_test_rand_int_range (0, 60);
  int i;

  for (i = 0; i < n; i++)
    g_string_append_unichar (s, random_char ());
  return g_string_free (s, FALSE);
}

static double
random_double (void)
{
  switch (g_test_rand_int_range (0, 4))
    {
    case 0:
      {
        guint64 bits;
        double d;

        do
          {
            bits = ((guint64) g_test_rand_int () << 32) | (guint32) g_test_rand_int ();
            memcpy (&d, &bits, sizeof d);
          }
        while (!isfinite (d));
        return d;
      }
    case 1:
      return g_test_rand_int_range (-1000, 1000) / 8.0;
    case 2:
      return g_test_rand_double_range (-1e6, 1e6);
    default:
      return g_test_rand_int_range (-100, 100) * 0.1;
    }
}

static gint64
random_int (void)
{
  switch (g_test_rand_int_range (0, 3))
    {
    case 0:
      return (gint64) (((guint64) g_test_rand_int () << 32) | (guint32) g_test_rand_int ());
    case 1:
      return g_test_rand_bit () ? G_MAXINT64 : G_MININT64;
    default:
      return g_test_rand_int_range (-1000, 1000);
    }
}

static JsonNode *
random_tree (int depth)
{
  JsonNode *node = json_node_alloc ();
  int kind = g_test_rand_int_range (0, depth > 0 ? 8 : 6);

  switch (kind)
    {
    case 0:
      return json_node_init_null (node);
    case 1:
      return json_node_init_boolean (node, g_test_rand_bit ());
    case 2:
      return json_node_init_int (node, random_int ());
    case 3:
      return json_node_init_double (node, random_double ());
    case 4:
    case 5:
      {
        g_autofree char *s = random_string ();

        return json_node_init_string (node, s);
      }
    case 6:
      {
        g_autoptr(JsonArray) array = json_array_new ();
        int n = g_test_rand_int_range (0, 6);
        int i;

        for (i = 0; i < n; i++)
          json_array_add_element (array, random_tree (depth - 1));
        return json_node_init_array (node, array);
      }
    default:
      {
        g_autoptr(JsonObject) object = json_object_new ();
        int n = g_test_rand_int_range (0, 6);
        int i;

        for (i = 0; i < n; i++)
          {
            g_autofree char *key = random_string ();

            json_object_set_member (object, key, random_tree (depth - 1));
          }
        return json_node_init_object (node, object);
      }
    }
}

static void
test_random_trees (void)
{
  int rounds = g_test_thorough () ? 20000 : 2000;
  int i;

  for (i = 0; i < rounds; i++)
    {
      g_autoptr(JsonNode) tree = random_tree (g_test_rand_int_range (0, 6));

      check_round_trip (tree);
    }
}

/* Mutated documents: whatever the reader accepts must be valid UTF-8 and
 * must survive a round trip; nothing may crash or leak. */
static void
test_random_mutations (void)
{
  int rounds = g_test_thorough () ? 50000 : 5000;
  int accepted = 0;
  int i;

  for (i = 0; i < rounds; i++)
    {
      const char *base = valid_docs[g_test_rand_int_range (0, G_N_ELEMENTS (valid_docs))];
      g_autofree char *text = g_strdup (base);
      gsize len = strlen (text);
      int edits = g_test_rand_int_range (1, 4);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;
      int e;

      for (e = 0; e < edits && len > 0; e++)
        {
          gsize at = g_test_rand_int_range (0, len);

          switch (g_test_rand_int_range (0, 3))
            {
            case 0:
              text[at] = g_test_rand_int_range (1, 256);
              break;
            case 1:
              {
                static const char pick[] = "\"\\{}[],:0-.eE \xc3\xa9u";

                text[at] = pick[g_test_rand_int_range (0, sizeof pick - 1)];
              }
              break;
            default:
              len = at;     /* truncate */
              break;
            }
        }

      node = sy_json_read (text, len, &error);
      if (node == NULL)
        {
          g_assert_nonnull (error);
          g_assert_true (g_str_has_prefix (error->message, "at byte "));
          continue;
        }
      g_assert_no_error (error);
      g_assert_true (g_utf8_validate (text, len, NULL));
      check_round_trip (node);
      accepted++;
    }
  g_test_message ("%d of %d mutated documents accepted", accepted, rounds);
}

/* A string cannot carry NUL: U+FFFD takes its place, the rest is kept. */
static void
test_nul_escape (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = sy_json_read ("{\"t\":\"A\\u0000B\"}", -1, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "t"), ==,
                   "A\xef\xbf\xbd" "B");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/read/valid", test_valid);
  g_test_add_func ("/json/read/numbers", test_numbers);
  g_test_add_func ("/json/read/strings", test_strings);
  g_test_add_func ("/json/read/duplicates", test_duplicates);
  g_test_add_func ("/json/read/length", test_length);
  g_test_add_func ("/json/read/invalid", test_invalid);
  g_test_add_func ("/json/read/errors", test_errors);
  g_test_add_func ("/json/read/depth", test_depth);
  g_test_add_func ("/json/write/values", test_write_values);
  g_test_add_func ("/json/write/containers", test_write_containers);
  g_test_add_func ("/json/files", test_files);
  g_test_add_func ("/json/random/trees", test_random_trees);
  g_test_add_func ("/json/random/mutations", test_random_mutations);
  g_test_add_func ("/json/nul-escape", test_nul_escape);

  return g_test_run ();
}
