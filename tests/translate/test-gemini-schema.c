/* test-gemini-schema.c: the Gemini schema cleaner against the CPA cases and
 * one check per rule of translation.md §7
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-gemini-schema.h"
#include "translate-test-util.h"

typedef struct
{
  char                 *name;
  SyGeminiSchemaVariant variant;
  JsonNode             *input;
  JsonNode             *expected;
} FixtureCase;

static void
fixture_case_free (gpointer data)
{
  FixtureCase *c = data;

  g_free (c->name);
  json_node_unref (c->input);
  json_node_unref (c->expected);
  g_free (c);
}

static void
run_fixture_case (gconstpointer data)
{
  const FixtureCase *c = data;
  g_autoptr(JsonNode) actual = sy_gemini_schema_clean (c->input, c->variant);

  tt_assert_json_equal (actual, c->expected);
}

/* Cleans @input (JSON text) and compares with @expected (JSON text). */
static void
check (SyGeminiSchemaVariant variant,
       const char           *input,
       const char           *expected)
{
  g_autoptr(JsonNode) in = tt_parse (input);
  g_autoptr(JsonNode) want = tt_parse (expected);
  g_autofree char *before = tt_to_string (in, FALSE);
  g_autoptr(JsonNode) actual = sy_gemini_schema_clean (in, variant);
  g_autofree char *after = tt_to_string (in, FALSE);

  tt_assert_json_equal (actual, want);
  /* The input is never modified. */
  g_assert_cmpstr (before, ==, after);
}

static void
test_enum_hints (void)
{
  /* 2..10 values get a hint, numbers become strings and the type string. */
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"enum\":[1,2,3]}}}",
         "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"string\",\"enum\":[\"1\",\"2\",\"3\"],"
         "\"description\":\"Allowed: 1, 2, 3\"}}}");
  /* One value, or more than 10: no hint. */
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"string\",\"enum\":[\"only\"]}",
         "{\"type\":\"string\",\"enum\":[\"only\"]}");
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"string\",\"enum\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\"]}",
         "{\"type\":\"string\",\"enum\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\"]}");
  /* Booleans and doubles are stringified too; the hint follows an existing description. */
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"description\":\"Mode\",\"enum\":[true,0.5]}",
         "{\"type\":\"string\",\"enum\":[\"true\",\"0.5\"],\"description\":\"Mode (Allowed: true, 0.5)\"}");
}

static void
test_constraints_to_description (void)
{
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"string\",\"format\":\"date-time\",\"description\":\"When\"}",
         "{\"type\":\"string\",\"description\":\"When (format: date-time)\"}");
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"minLength\":1,\"pattern\":\"^a\"},"
         "\"uniqueItems\":true,\"minItems\":1,\"maxItems\":5}",
         "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"description\":\"minLength: 1 (pattern: ^a)\"},"
         "\"description\":\"minItems: 1 (maxItems: 5) (uniqueItems: true)\"}");
  /* minimum/maximum stay; default and exclusive bounds move. */
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"number\",\"minimum\":0,\"maximum\":1,\"exclusiveMaximum\":2.5,\"default\":0.25}",
         "{\"type\":\"number\",\"minimum\":0,\"maximum\":1,"
         "\"description\":\"exclusiveMaximum: 2.5 (default: 0.25)\"}");
  /* The reference's example. */
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"object\",\"properties\":{\"unit\":{\"type\":[\"string\",\"null\"],\"enum\":[\"c\",\"f\"],\"default\":\"c\"},"
         "\"n\":{\"type\":\"integer\",\"minimum\":1,\"maxLength\":3},"
         "\"note\":{\"type\":[\"string\",\"null\"],\"description\":\"Free text\"}},"
         "\"required\":[\"unit\",\"note\"],\"additionalProperties\":false,"
         "\"$schema\":\"http://json-schema.org/draft-07/schema#\"}",
         "{\"type\":\"object\",\"properties\":{\"unit\":{\"type\":\"string\",\"enum\":[\"c\",\"f\"],"
         "\"description\":\"Allowed: c, f (default: c)\"},"
         "\"n\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"maxLength: 3\"},"
         "\"note\":{\"type\":\"string\",\"description\":\"Free text ((nullable))\"}},"
         "\"required\":[\"unit\"],\"description\":\"No extra properties allowed\"}");
}

static void
test_keywords_removed (void)
{
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"object\",\"x-google-enum\":[1],\"title\":\"T\",\"$id\":\"a\",\"$defs\":{\"A\":{}},"
         "\"propertyNames\":{\"pattern\":\"x\"},\"deprecated\":true,"
         "\"properties\":{\"x-name\":{\"type\":\"string\",\"x-extra\":{\"a\":1},\"nullable\":true,\"title\":\"X\"},"
         "\"title\":{\"type\":\"string\"},\"format\":{\"type\":\"string\"}},"
         "\"additionalProperties\":{\"type\":\"string\"}}",
         "{\"type\":\"object\",\"properties\":{\"x-name\":{\"type\":\"string\"},"
         "\"title\":{\"type\":\"string\"},\"format\":{\"type\":\"string\"}}}");
  /* The placeholder variant keeps nullable and title. */
  check (SY_GEMINI_SCHEMA_PLACEHOLDER,
         "{\"type\":\"object\",\"title\":\"T\",\"x-a\":1,\"properties\":{\"a\":{\"type\":\"string\",\"nullable\":true}},"
         "\"required\":[\"a\"]}",
         "{\"type\":\"object\",\"title\":\"T\",\"properties\":{\"a\":{\"type\":\"string\",\"nullable\":true}},"
         "\"required\":[\"a\"]}");
}

static void
test_nullable (void)
{
  /* A nullable property leaves required; several types give a hint. */
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"object\",\"properties\":{\"v\":{\"type\":[\"null\",\"integer\",\"string\"]},"
         "\"w\":{\"type\":\"string\"}},\"required\":[\"v\",\"w\"]}",
         "{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"integer\","
         "\"description\":\"Accepts: integer | string ((nullable))\"},\"w\":{\"type\":\"string\"}},"
         "\"required\":[\"w\"]}");
  /* Not a property (array items): flattened, no nullable hint; only null → string. */
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"array\",\"items\":{\"type\":[\"null\"]}}",
         "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}");
}

static void
test_ref (void)
{
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"object\",\"$defs\":{\"Addr\":{\"type\":\"object\"}},"
         "\"properties\":{\"home\":{\"$ref\":\"#/$defs/Addr\",\"title\":\"gone\",\"description\":\"Where\"},"
         "\"work\":{\"$ref\":\"#/$defs/Addr\"}}}",
         "{\"type\":\"object\",\"properties\":{\"home\":{\"type\":\"object\",\"description\":\"Where (See: Addr)\"},"
         "\"work\":{\"type\":\"object\",\"description\":\"See: Addr\"}}}");
}

static void
test_all_of (void)
{
  /* Merged into existing properties; the parent's definition wins. */
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":[\"a\"],"
         "\"allOf\":[{\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"boolean\",\"format\":\"x\"}},"
         "\"required\":[\"a\",\"b\"]},{\"required\":[\"zz\"]}]}",
         "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"},"
         "\"b\":{\"type\":\"boolean\",\"description\":\"format: x\"}},\"required\":[\"a\",\"b\"]}");
}

static void
test_any_of (void)
{
  /* The object alternative wins over array and scalar ones. */
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
         "{\"properties\":{\"k\":{\"type\":\"string\"}}}]}",
         "{\"properties\":{\"k\":{\"type\":\"string\"}},"
         "\"description\":\"Accepts: string | array | object\"}");
  /* Array over scalar; a single typed alternative gives no hint. */
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"object\",\"properties\":{\"l\":{\"oneOf\":[{\"type\":\"null\"},{\"items\":{\"type\":\"integer\"}}]},"
         "\"s\":{\"anyOf\":[{\"type\":\"number\"}]}}}",
         "{\"type\":\"object\",\"properties\":{\"l\":{\"items\":{\"type\":\"integer\"},"
         "\"description\":\"Accepts: null | array\"},\"s\":{\"type\":\"number\"}}}");
  /* An object that lists properties keeps them and takes the alternatives' others. */
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},"
         "\"anyOf\":[{\"required\":[\"a\"]},{\"properties\":{\"b\":{\"type\":\"string\"}}}]}",
         "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"},\"b\":{\"type\":\"string\"}}}");
}

static void
test_required_pruned (void)
{
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":[\"b\",\"a\",\"c\"]}",
         "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":[\"a\"]}");
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"object\",\"required\":[\"b\"]}",
         "{\"type\":\"object\"}");
}

static void
test_placeholders (void)
{
  /* Antigravity: an empty root object gets "reason"; a nested object with
   * properties but nothing required gets "_". */
  check (SY_GEMINI_SCHEMA_PLACEHOLDER,
         "{\"type\":\"object\"}",
         "{\"type\":\"object\",\"properties\":{\"reason\":{\"type\":\"string\","
         "\"description\":\"Brief explanation of why you are calling this tool\"}},\"required\":[\"reason\"]}");
  check (SY_GEMINI_SCHEMA_PLACEHOLDER,
         "{\"type\":\"object\",\"properties\":{\"o\":{\"type\":\"object\",\"properties\":{\"k\":{\"type\":\"string\"}}}}}",
         "{\"type\":\"object\",\"properties\":{\"o\":{\"type\":\"object\",\"properties\":{\"k\":{\"type\":\"string\"},"
         "\"_\":{\"type\":\"boolean\"}},\"required\":[\"_\"]}}}");
  /* Plain Gemini takes such placeholders out again. */
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"object\",\"properties\":{\"reason\":{\"type\":\"string\","
         "\"description\":\"Brief explanation of why you are calling this tool\"}},\"required\":[\"reason\"]}",
         "{\"type\":\"object\",\"properties\":{}}");
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"object\",\"properties\":{\"o\":{\"type\":\"object\",\"properties\":{\"k\":{\"type\":\"string\"},"
         "\"_\":{\"type\":\"boolean\"}},\"required\":[\"_\"]}}}",
         "{\"type\":\"object\",\"properties\":{\"o\":{\"type\":\"object\",\"properties\":{\"k\":{\"type\":\"string\"}}}}}");
  /* A real "reason" property stays. */
  check (SY_GEMINI_SCHEMA_PLAIN,
         "{\"type\":\"object\",\"properties\":{\"reason\":{\"type\":\"string\",\"description\":\"Why\"}}}",
         "{\"type\":\"object\",\"properties\":{\"reason\":{\"type\":\"string\",\"description\":\"Why\"}}}");
}

static void
test_not_an_object (void)
{
  g_autoptr(JsonNode) in = tt_parse ("[1,2]");
  g_autoptr(JsonNode) out = sy_gemini_schema_clean (in, SY_GEMINI_SCHEMA_PLAIN);

  tt_assert_json_equal (out, in);
  g_assert_null (sy_gemini_schema_clean (NULL, SY_GEMINI_SCHEMA_PLAIN));
}

int
main (int argc, char **argv)
{
  g_autoptr(JsonNode) fixtures = NULL;
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (fixture_case_free);
  JsonArray *list;
  guint i;
  int ret;

  g_test_init (&argc, &argv, NULL);

  fixtures = tt_load_json ("fixtures/gemini_schema_cases.json");
  list = json_object_get_array_member (json_node_get_object (fixtures), "cases");
  for (i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *o = json_array_get_object_element (list, i);
      FixtureCase *c = g_new0 (FixtureCase, 1);
      const char *function = json_object_get_string_member (o, "function");
      g_autofree char *path = NULL;

      c->name = g_strdup (json_object_get_string_member (o, "name"));
      if (g_strcmp0 (function, "CleanJSONSchemaForAntigravity") == 0)
        c->variant = SY_GEMINI_SCHEMA_PLACEHOLDER;
      else if (g_strcmp0 (function, "CleanJSONSchemaForGemini") == 0)
        c->variant = SY_GEMINI_SCHEMA_PLAIN;
      else
        g_error ("unknown cleaner %s", function);
      c->input = json_node_copy (json_object_get_member (o, "input"));
      c->expected = json_node_copy (json_object_get_member (o, "expected"));
      g_ptr_array_add (cases, c);
      path = g_strdup_printf ("/gemini-schema/fixture/%s", c->name);
      g_test_add_data_func (path, c, run_fixture_case);
    }
  g_assert_cmpuint (cases->len, ==, 13);

  g_test_add_func ("/gemini-schema/enum-hints", test_enum_hints);
  g_test_add_func ("/gemini-schema/constraints", test_constraints_to_description);
  g_test_add_func ("/gemini-schema/keywords-removed", test_keywords_removed);
  g_test_add_func ("/gemini-schema/nullable", test_nullable);
  g_test_add_func ("/gemini-schema/ref", test_ref);
  g_test_add_func ("/gemini-schema/all-of", test_all_of);
  g_test_add_func ("/gemini-schema/any-of", test_any_of);
  g_test_add_func ("/gemini-schema/required", test_required_pruned);
  g_test_add_func ("/gemini-schema/placeholders", test_placeholders);
  g_test_add_func ("/gemini-schema/not-an-object", test_not_an_object);

  ret = g_test_run ();
  return ret;
}
