/* test-thinking.c: reasoning settings across formats, and the golden matrix
 *
 * Every case of fixtures/thinking_matrix.json is translated from its client
 * format to its upstream format through the real codecs, with the setting
 * resolved against the case's model, and the upstream body checked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-thinking.h"
#include "translate-test-util.h"

static JsonNode *matrix;

/* ------------------------------------------------------------ unit tests */

static void
test_suffix (void)
{
  g_autofree char *base = NULL;
  g_autofree char *suffix = NULL;

  g_assert_true (sy_thinking_split_suffix ("gemini-2.5-pro(8192)", &base, &suffix));
  g_assert_cmpstr (base, ==, "gemini-2.5-pro");
  g_assert_cmpstr (suffix, ==, "8192");
  g_assert_false (sy_thinking_split_suffix ("gpt-5", NULL, NULL));
  g_assert_false (sy_thinking_split_suffix ("(x)", NULL, NULL));
  g_assert_false (sy_thinking_split_suffix ("model(", NULL, NULL));
}

static void
test_levels (void)
{
  SyIrLevel level;

  g_assert_cmpint (sy_ir_level_to_budget (SY_IR_LEVEL_MINIMAL), ==, 512);
  g_assert_cmpint (sy_ir_level_to_budget (SY_IR_LEVEL_HIGH), ==, 24576);
  g_assert_cmpint (sy_ir_level_to_budget (SY_IR_LEVEL_MAX), ==, 128000);
  g_assert_cmpint (sy_ir_budget_to_level (512), ==, SY_IR_LEVEL_MINIMAL);
  g_assert_cmpint (sy_ir_budget_to_level (513), ==, SY_IR_LEVEL_LOW);
  g_assert_cmpint (sy_ir_budget_to_level (8192), ==, SY_IR_LEVEL_MEDIUM);
  g_assert_cmpint (sy_ir_budget_to_level (24577), ==, SY_IR_LEVEL_XHIGH);
  g_assert_true (sy_ir_level_from_string ("XHigh", &level));
  g_assert_cmpint (level, ==, SY_IR_LEVEL_XHIGH);
  g_assert_false (sy_ir_level_from_string ("extreme", &level));
}

static SyIrRequest *
request_with (SyIrReasoningMode mode,
              SyIrLevel         level,
              gint64            budget)
{
  SyIrRequest *request = sy_ir_request_new ();

  request->reasoning.mode = mode;
  request->reasoning.level = level;
  request->reasoning.budget = budget;
  return request;
}

static void
test_unknown_model (void)
{
  g_autoptr(SyIrRequest) request = request_with (SY_IR_REASONING_LEVEL, SY_IR_LEVEL_HIGH, 0);
  g_autoptr(JsonNode) node = tt_parse ("{}");
  g_autoptr(JsonNode) expected = tt_parse ("{\"generationConfig\":{\"thinkingConfig\":"
                                           "{\"thinkingBudget\":24576,\"includeThoughts\":true}}}");
  gboolean changed = FALSE;

  g_assert_true (sy_thinking_resolve (request, "my-model", NULL, SY_FORMAT_OPENAI,
                                      SY_FORMAT_GEMINI, SY_FLAVOR_PLAIN, &changed, NULL));
  g_assert_true (changed);
  sy_thinking_write_json (json_node_get_object (node), SY_FORMAT_GEMINI, SY_FLAVOR_PLAIN, request);
  tt_assert_json_equal (node, expected);
}

static void
test_write_replaces (void)
{
  g_autoptr(SyIrRequest) request = request_with (SY_IR_REASONING_NONE, 0, 0);
  g_autoptr(JsonNode) node = tt_parse ("{\"thinking\":{\"type\":\"adaptive\"},"
                                       "\"output_config\":{\"effort\":\"high\"},\"max_tokens\":10}");
  g_autoptr(JsonNode) expected = tt_parse ("{\"thinking\":{\"type\":\"disabled\"},\"max_tokens\":10}");
  g_autoptr(JsonNode) cli = tt_parse ("{\"request\":{\"generationConfig\":{\"thinkingConfig\":"
                                      "{\"thinking_budget\":5}}}}");
  g_autoptr(JsonNode) cli_expected = tt_parse ("{\"request\":{}}");

  sy_thinking_write_json (json_node_get_object (node), SY_FORMAT_CLAUDE, SY_FLAVOR_PLAIN, request);
  tt_assert_json_equal (node, expected);

  request->reasoning.mode = SY_IR_REASONING_UNSET;
  sy_thinking_write_json (json_node_get_object (cli), SY_FORMAT_GEMINI_CLI, SY_FLAVOR_PLAIN, request);
  tt_assert_json_equal (cli, cli_expected);
}

static void
test_claude_budget_below_max_tokens (void)
{
  g_autoptr(SyIrRequest) request = request_with (SY_IR_REASONING_BUDGET, 0, 50000);
  SyThinkingCaps caps = { .supported = TRUE, .min = 1024, .max = 128000, .zero_allowed = TRUE,
                          .max_completion_tokens = 64000 };

  request->max_tokens = 4096;
  g_assert_true (sy_thinking_resolve (request, "claude-x", &caps, SY_FORMAT_OPENAI,
                                      SY_FORMAT_CLAUDE, SY_FLAVOR_PLAIN, NULL, NULL));
  g_assert_cmpint (request->reasoning.budget, ==, 4095);

  request->max_tokens = SY_IR_UNSET;
  request->reasoning.budget = 50000;
  g_assert_true (sy_thinking_resolve (request, "claude-x", &caps, SY_FORMAT_OPENAI,
                                      SY_FORMAT_CLAUDE, SY_FLAVOR_PLAIN, NULL, NULL));
  g_assert_cmpint (request->max_tokens, ==, 64000);
  g_assert_cmpint (request->reasoning.budget, ==, 50000);
}

/* ---------------------------------------------------------------- matrix */

static gboolean
target_of (const char       *name,
           SyFormat         *format,
           SyUpstreamFlavor *flavor)
{
  *flavor = SY_FLAVOR_PLAIN;
  if (strcmp (name, "openai") == 0)
    *format = SY_FORMAT_OPENAI;
  else if (strcmp (name, "openai-response") == 0)
    *format = SY_FORMAT_OPENAI_RESPONSES;
  else if (strcmp (name, "codex") == 0)
    {
      *format = SY_FORMAT_OPENAI_RESPONSES;
      *flavor = SY_FLAVOR_CODEX;
    }
  else if (strcmp (name, "claude") == 0)
    *format = SY_FORMAT_CLAUDE;
  else if (strcmp (name, "gemini") == 0)
    *format = SY_FORMAT_GEMINI;
  else if (strcmp (name, "gemini-cli") == 0)
    *format = SY_FORMAT_GEMINI_CLI;
  else if (strcmp (name, "iflow") == 0)
    *format = SY_FORMAT_OPENAI;   /* its GLM and MiniMax models: chat-template switches */
  else if (strcmp (name, "antigravity") == 0)
    {
      *format = SY_FORMAT_GEMINI_CLI;
      *flavor = SY_FLAVOR_ANTIGRAVITY;
    }
  else
    return FALSE;
  return TRUE;
}

static JsonObject *
find_model (const char *id)
{
  JsonArray *models = json_object_get_array_member (json_node_get_object (matrix), "test_models");
  guint i;

  for (i = 0; i < json_array_get_length (models); i++)
    {
      JsonObject *model = json_array_get_object_element (models, i);

      if (g_strcmp0 (sy_json_get_string (model, "id"), id) == 0)
        return model;
    }
  return NULL;
}

static JsonNode *
lookup_path (JsonNode   *root,
             const char *path)
{
  g_auto(GStrv) steps = g_strsplit (path, ".", -1);
  JsonNode *node = root;
  guint i;

  for (i = 0; steps[i] != NULL; i++)
    {
      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        return NULL;
      node = json_object_get_member (json_node_get_object (node), steps[i]);
    }
  return node;
}

static char *
node_text (JsonNode *node)
{
  if (node == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return json_to_string (node, FALSE);
}

static void
check_field (JsonNode   *out,
             const char *field,
             const char *value,
             const char *what)
{
  g_autofree char *got = node_text (lookup_path (out, field));

  if (g_strcmp0 (got, value) != 0)
    {
      g_autofree char *body = tt_to_string (out, FALSE);

      g_test_fail_printf ("%s: %s is %s, expected %s in %s", what, field, got ? got : "(absent)",
                          value, body);
    }
}

static const char * const thinking_fields[] = {
  "reasoning_effort", "reasoning.effort", "thinking", "output_config.effort",
  "chat_template_kwargs.enable_thinking", "reasoning_split",
  "generationConfig.thinkingConfig", "request.generationConfig.thinkingConfig",
};

static void
run_matrix_case (JsonObject *c)
{
  const char *from_name = sy_json_get_string (c, "from");
  const char *to_name = sy_json_get_string (c, "to");
  const char *model = sy_json_get_string (c, "model");
  const char *field = sy_json_get_string (c, "expectField");
  const char *description = sy_json_get_string (c, "description");
  g_autofree char *what = g_strdup_printf ("%s -> %s, %s: %s", from_name, to_name, model,
                                           description ? description : "");
  g_autofree char *base = NULL;
  SyFormat from;
  SyFormat to;
  SyUpstreamFlavor from_flavor;
  SyUpstreamFlavor flavor;
  const SyCodec *decoder;
  const SyCodec *encoder;
  g_autoptr(SyTranslateCtx) ctx = NULL;
  g_autoptr(SyIrRequest) request = NULL;
  g_autoptr(JsonNode) out = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *model_entry;
  SyThinkingCaps caps;
  const SyThinkingCaps *use_caps = NULL;
  gboolean ok;
  guint i;

  g_assert_true (target_of (from_name, &from, &from_flavor));
  g_assert_true (target_of (to_name, &to, &flavor));
  if (!sy_thinking_split_suffix (model, &base, NULL))
    base = g_strdup (model);

  model_entry = find_model (base);
  g_assert_nonnull (model_entry);
  if (sy_json_get_bool (model_entry, "user_defined") != 1)
    {
      sy_thinking_caps_from_json (model_entry, &caps);
      use_caps = &caps;
    }

  decoder = sy_codec_for_format (from);
  encoder = sy_codec_for_format (to);
  g_assert_nonnull (decoder->decode_request);
  g_assert_nonnull (encoder->encode_request);

  ctx = sy_translate_ctx_new (from, to);
  ctx->flavor = flavor;
  ctx->deterministic = TRUE;
  sy_translate_ctx_set_models (ctx, base, base);
  request = decoder->decode_request (json_object_get_member (c, "inputJSON"), ctx, &error);
  if (request == NULL)
    {
      g_test_fail_printf ("%s: cannot decode: %s", what, error->message);
      return;
    }
  g_free (request->model);
  request->model = g_strdup (model);
  request->stream = TRUE;
  if (to == SY_FORMAT_CLAUDE)
    request->max_tokens = 200000;
  ctx->client_request = request;

  ok = sy_thinking_resolve (request, model, use_caps, from, to, flavor, NULL, &error);
  if (sy_json_get_bool (c, "expectErr") == 1)
    {
      if (ok)
        g_test_fail_printf ("%s: expected an error", what);
      else
        g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UNSUPPORTED);
      return;
    }
  if (!ok)
    {
      g_test_fail_printf ("%s: unexpected error %s", what, error->message);
      return;
    }

  out = encoder->encode_request (request, ctx, &error);
  if (out == NULL)
    {
      g_test_fail_printf ("%s: cannot encode: %s", what, error->message);
      return;
    }

  if (field == NULL || *field == '\0')
    {
      for (i = 0; i < G_N_ELEMENTS (thinking_fields); i++)
        if (lookup_path (out, thinking_fields[i]) != NULL)
          {
            g_autofree char *body = tt_to_string (out, FALSE);
            g_test_fail_printf ("%s: expected no thinking field, found %s in %s", what,
                                thinking_fields[i], body);
          }
      return;
    }
  check_field (out, field, sy_json_get_string (c, "expectValue"), what);
  if (sy_json_get_string (c, "expectField2") != NULL)
    check_field (out, sy_json_get_string (c, "expectField2"), sy_json_get_string (c, "expectValue2"), what);
  if (sy_json_get_string (c, "includeThoughts") != NULL)
    {
      const char *path = to == SY_FORMAT_GEMINI_CLI
                         ? "request.generationConfig.thinkingConfig.includeThoughts"
                         : "generationConfig.thinkingConfig.includeThoughts";
      check_field (out, path, sy_json_get_string (c, "includeThoughts"), what);
    }
}

static void
test_matrix_case (gconstpointer data)
{
  run_matrix_case ((JsonObject *) data);
}

int
main (int    argc,
      char **argv)
{
  JsonObject *suites;
  g_autoptr(GList) names = NULL;
  GList *l;
  guint total = 0;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/thinking/suffix", test_suffix);
  g_test_add_func ("/thinking/levels", test_levels);
  g_test_add_func ("/thinking/unknown-model", test_unknown_model);
  g_test_add_func ("/thinking/write-replaces", test_write_replaces);
  g_test_add_func ("/thinking/claude-budget-below-max-tokens", test_claude_budget_below_max_tokens);

  matrix = tt_load_json ("fixtures/thinking_matrix.json");
  suites = json_object_get_object_member (json_node_get_object (matrix), "suites");
  names = json_object_get_members (suites);
  for (l = names; l != NULL; l = l->next)
    {
      JsonArray *cases = json_object_get_array_member (suites, l->data);
      guint i;

      for (i = 0; i < json_array_get_length (cases); i++)
        {
          JsonObject *c = json_array_get_object_element (cases, i);
          g_autofree char *path = g_strdup_printf ("/thinking/matrix/%s/%s", (const char *) l->data,
                                                   sy_json_get_string (c, "name"));

          g_test_add_data_func (path, c, test_matrix_case);
          total++;
        }
    }
  g_assert_cmpuint (total, ==, 271);

  return g_test_run ();
}
