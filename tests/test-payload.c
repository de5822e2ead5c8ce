/* test-payload.c: payload rules and dotted JSON paths
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-payload.h"

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_strdup (text);

  g_strdelimit (json, "'", '"');
  if (!json_parser_load_from_data (parser, json, -1, &error))
    g_error ("%s: %s", json, error->message);
  return json_node_copy (json_parser_get_root (parser));
}

static char *
to_text (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, FALSE);

  return g_strdelimit (g_steal_pointer (&text), "\"", '\'');
}

static void
test_paths (void)
{
  g_autoptr(JsonNode) root = parse ("{'a':{'b':1},'list':[{'x':1},{'x':2}]}");
  g_autoptr(JsonNode) v = parse ("{'deep':[true]}");
  g_autoptr(JsonNode) three = parse ("3");
  g_autofree char *text = NULL;

  g_assert_cmpint (json_node_get_int (sy_json_path_get (root, "a.b")), ==, 1);
  g_assert_cmpint (json_node_get_int (sy_json_path_get (root, "list.1.x")), ==, 2);
  g_assert_null (sy_json_path_get (root, "list.2.x"));
  g_assert_null (sy_json_path_get (root, "a.b.c"));

  /* Set creates what is missing: objects, or arrays before an index. */
  g_assert_true (sy_json_path_set (root, "n.m", v));
  g_assert_true (sy_json_path_set (root, "arr.0", three));
  g_assert_true (sy_json_path_set (root, "list.-1", three));
  g_assert_true (sy_json_path_set (root, "list.0.x", three));
  g_assert_false (sy_json_path_set (root, "list.9", three));
  /* The value is copied: editing the body does not edit the rule. */
  json_array_add_int_element (json_node_get_array (sy_json_path_get (root, "n.m.deep")), 7);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (v), "deep")), ==, 1);

  g_assert_true (sy_json_path_remove (root, "a.b"));
  g_assert_false (sy_json_path_remove (root, "a.b"));
  g_assert_true (sy_json_path_remove (root, "list.1"));

  text = to_text (root);
  g_assert_cmpstr (text, ==, "{'a':{},'list':[{'x':3},3],'n':{'m':{'deep':[true,7]}},'arr':[3]}");
}

static SyPayloadRules *
rules_from (const char *yamlish_json,
            GPtrArray  *warnings)
{
  g_autoptr(JsonNode) node = parse (yamlish_json);

  return sy_payload_rules_new (node, warnings);
}

static char *
apply (SyPayloadRules *rules,
       const char     *body,
       gboolean        envelope,
       const char     *protocol,
       const char     *upstream_model,
       const char     *client_model,
       guint          *changed)
{
  g_autoptr(JsonNode) node = parse (body);

  *changed = sy_payload_rules_apply (rules, json_node_get_object (node), envelope, protocol,
                                     upstream_model, client_model);
  return to_text (node);
}

static void
test_rules (void)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SyPayloadRules) rules = rules_from (
    "{'default':["
    "   {'models':[{'name':'gemini-*','protocol':'gemini'}],"
    "    'params':{'generationConfig.thinkingConfig.thinkingBudget':32768,'generationConfig.topK':5}},"
    "   {'models':[{'name':'*'}],'params':{'generationConfig.topK':9,'x':1}},"
    "   {'models':[],'params':{'never':1}}],"
    " 'default-raw':[{'models':[{'name':'*'}],'params':{'raw':'{\\'a\\':[1,2]}','bad':'{nope'}}],"
    " 'override':[{'models':[{'name':'gpt-*','protocol':'codex'}],'params':{'reasoning.effort':'high'}},"
    "             {'models':[{'name':'alias-model'}],'params':{'by_client':true}}],"
    " 'override-raw':[{'models':[{'name':'*'}],'params':{}}],"
    " 'filter':[{'models':[{'name':'gemini-2.5-pro'}],'params':['generationConfig.responseJsonSchema','x']}]}",
    warnings);
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;
  guint changed = 0;

  /* Two rules dropped (no models; no params), one raw value that is not JSON. */
  g_assert_cmpuint (warnings->len, ==, 3);
  g_assert_nonnull (strstr (g_ptr_array_index (warnings, 1), "'bad' is not valid JSON"));

  /* Gemini: defaults fill what is missing (the first rule wins topK), the
   * body's own value stays, raw JSON parses, filter runs last. */
  a = apply (rules, "{'generationConfig':{'thinkingConfig':{'thinkingBudget':1},'responseJsonSchema':{}}}",
             FALSE, "gemini", "gemini-2.5-pro", "gemini-2.5-pro", &changed);
  g_assert_cmpstr (a, ==, "{'generationConfig':{'thinkingConfig':{'thinkingBudget':1},'topK':5},'raw':{'a':[1,2]}}");
  g_assert_cmpuint (changed, ==, 5);   /* topK, x, raw; then both filters */

  /* Another protocol: the Gemini-only rules stay out. */
  b = apply (rules, "{}", FALSE, "codex", "gpt-5", "gpt-5(high)", &changed);
  g_assert_cmpstr (b, ==, "{'generationConfig':{'topK':9},'x':1,'raw':{'a':[1,2]},'reasoning':{'effort':'high'}}");

  /* Globs match the client's name too (an alias), with or without its suffix. */
  c = apply (rules, "{}", FALSE, "claude", "claude-sonnet-4-5", "alias-model(8192)", &changed);
  g_assert_nonnull (strstr (c, "'by_client':true"));
  g_assert_true (sy_payload_rules_match (rules, "claude", "claude-sonnet-4-5", "alias-model"));

  /* Cloud Code envelope: paths are inside "request". */
  d = apply (rules, "{'model':'gemini-2.5-pro','project':'p','request':{'contents':[]}}", TRUE,
             "gemini", "gemini-2.5-pro", "gemini-2.5-pro", &changed);
  g_assert_cmpstr (d, ==, "{'model':'gemini-2.5-pro','project':'p','request':{'contents':[],"
                   "'generationConfig':{'thinkingConfig':{'thinkingBudget':32768},'topK':5},'raw':{'a':[1,2]}}}");
}

static void
test_no_rules (void)
{
  g_autoptr(SyPayloadRules) none = sy_payload_rules_new (NULL, NULL);
  g_autoptr(JsonNode) body = parse ("{'a':1}");

  g_assert_true (sy_payload_rules_is_empty (none));
  g_assert_false (sy_payload_rules_match (none, "openai", "m", "m"));
  g_assert_cmpuint (sy_payload_rules_apply (none, json_node_get_object (body), FALSE, "openai", "m", "m"), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/payload/paths", test_paths);
  g_test_add_func ("/payload/rules", test_rules);
  g_test_add_func ("/payload/no-rules", test_no_rules);
  return g_test_run ();
}
