/* test-registry.c: which account serves which model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "sy-registry.h"

static SyRegistry *
registry_from (const char *yaml)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) config = sy_config_new_from_data (yaml, -1, NULL, &error);

  g_assert_no_error (error);
  return sy_registry_new (config);
}

static void
test_aliases_and_prefix (void)
{
  g_autoptr(SyRegistry) reg = registry_from (
    "openai-compatibility:\n"
    "  - name: Local\n"
    "    base-url: http://127.0.0.1:9/v1\n"
    "    prefix: team\n"
    "    api-key-entries: [{api-key: k1}, {api-key: k2}]\n"
    "    models:\n"
    "      - {name: up-one, alias: one}\n"
    "      - {name: up-two}\n");
  GPtrArray *routes;
  SyRoute *route;

  routes = sy_registry_lookup (reg, "one");
  g_assert_nonnull (routes);
  g_assert_cmpuint (routes->len, ==, 2);   /* both keys */
  route = g_ptr_array_index (routes, 0);
  g_assert_cmpstr (route->upstream_model, ==, "up-one");
  /* Ids are "provider:" and a digest of key and endpoint; labels count from 1. */
  g_assert_true (g_str_has_prefix (route->account->id, "local:"));
  g_assert_cmpuint (strlen (route->account->id), ==, strlen ("local:") + 8);
  g_assert_cmpstr (route->account->label, ==, "local #1");
  g_assert_cmpstr (((SyRoute *) g_ptr_array_index (routes, 1))->account->label, ==, "local #2");
  g_assert_cmpstr (route->account->id, !=, ((SyRoute *) g_ptr_array_index (routes, 1))->account->id);

  /* Case-insensitive, prefixed, upstream name, thinking suffix. */
  g_assert_nonnull (sy_registry_lookup (reg, "ONE"));
  g_assert_nonnull (sy_registry_lookup (reg, "team/one"));
  g_assert_nonnull (sy_registry_lookup (reg, "up-one"));
  g_assert_nonnull (sy_registry_lookup (reg, "team/up-two(high)"));
  g_assert_null (sy_registry_lookup (reg, "other/one"));
  g_assert_null (sy_registry_lookup (reg, "nothing"));
  g_assert_null (sy_registry_lookup (reg, ""));

  /* Listing: aliases and prefixed ids, not the upstream name of an alias. */
  g_assert_nonnull (sy_registry_find_model (reg, "team/one"));
  g_assert_nonnull (sy_registry_find_model (reg, "one"));
  g_assert_null (sy_registry_find_model (reg, "up-one"));
  g_assert_cmpuint (sy_registry_get_models (reg)->len, ==, 4);
}

static void
test_force_prefix (void)
{
  g_autoptr(SyRegistry) reg = registry_from (
    "force-model-prefix: true\n"
    "claude-api-key:\n"
    "  - {api-key: k, prefix: work, models: [{name: m}, {name: up, alias: nice}]}\n");

  g_assert_nonnull (sy_registry_lookup (reg, "work/m"));
  g_assert_null (sy_registry_lookup (reg, "m"));
  /* The upstream name of an alias obeys the prefix rules too, unlisted. */
  g_assert_nonnull (sy_registry_lookup (reg, "work/nice"));
  g_assert_nonnull (sy_registry_lookup (reg, "work/up"));
  g_assert_null (sy_registry_lookup (reg, "nice"));
  g_assert_null (sy_registry_lookup (reg, "up"));
  g_assert_null (sy_registry_find_model (reg, "work/up"));
  g_assert_cmpuint (sy_registry_get_models (reg)->len, ==, 2);
}

static void
test_catalogue_and_exclusions (void)
{
  g_autoptr(SyRegistry) reg = registry_from (
    "claude-api-key:\n"
    "  - api-key: k\n"
    "    excluded-models: [\"*haiku*\"]\n");
  GPtrArray *models = sy_registry_get_models (reg);
  const SyModelInfo *info;

  g_assert_cmpuint (models->len, >, 3);
  for (guint i = 0; i < models->len; i++)
    g_assert_null (strstr (((SyModelInfo *) g_ptr_array_index (models, i))->id, "haiku"));
  info = sy_registry_find_model (reg, "claude-sonnet-4-6");
  g_assert_nonnull (info);
  g_assert_cmpstr (info->owned_by, ==, "anthropic");
  g_assert_nonnull (info->display_name);
}

static void
test_suffix (void)
{
  g_autofree char *a = sy_model_strip_suffix ("gemini-2.5-pro(8192)");
  g_autofree char *b = sy_model_strip_suffix ("gemini-2.5-pro");
  g_autofree char *c = sy_model_strip_suffix ("(x)");

  g_assert_cmpstr (a, ==, "gemini-2.5-pro");
  g_assert_null (b);
  g_assert_null (c);
}

/* model-mappings: a name is served as another, before account selection. */
static void
test_model_mappings (void)
{
  g_autoptr(SyRegistry) reg = registry_from (
    "model-mappings:\n"
    "  - {from: claude-opus-4-5, to: gem}\n"
    "  - {from: \"^gpt-.*-mini$\", to: work/gem, regex: true}\n"
    "  - {from: dangling, to: nowhere}\n"
    "  - {from: local, to: gem}\n"
    "openai-compatibility:\n"
    "  - name: A\n"
    "    base-url: http://127.0.0.1:9/v1\n"
    "    prefix: work\n"
    "    api-key-entries: [{api-key: k1}]\n"
    "    models: [{name: gem-upstream, alias: gem}, {name: local}]\n");
  GPtrArray *routes;

  /* Exact (any case, suffix kept aside), and regex. */
  routes = sy_registry_lookup (reg, "Claude-Opus-4-5(high)");
  g_assert_nonnull (routes);
  g_assert_cmpstr (((SyRoute *) g_ptr_array_index (routes, 0))->upstream_model, ==, "gem-upstream");
  routes = sy_registry_lookup (reg, "gpt-5-mini");
  g_assert_nonnull (routes);
  g_assert_cmpstr (((SyRoute *) g_ptr_array_index (routes, 0))->upstream_model, ==, "gem-upstream");
  g_assert_null (sy_registry_lookup (reg, "gpt-5-mini-2"));

  /* A mapping wins over a local model of the same name... */
  routes = sy_registry_lookup (reg, "local");
  g_assert_cmpstr (((SyRoute *) g_ptr_array_index (routes, 0))->upstream_model, ==, "gem-upstream");
  /* ...but a target nobody serves maps nothing. */
  g_assert_null (sy_registry_lookup (reg, "dangling"));

  /* Exact mapped names are listed; regexes and dangling ones are not. */
  g_assert_nonnull (sy_registry_find_model (reg, "claude-opus-4-5"));
  g_assert_null (sy_registry_find_model (reg, "dangling"));
  g_assert_null (sy_registry_find_model (reg, "^gpt-.*-mini$"));
}

/* Higher priority first, config order within a priority. */
static void
test_priority (void)
{
  g_autoptr(SyRegistry) reg = registry_from (
    "openai-compatibility:\n"
    "  - {name: Low, base-url: \"http://127.0.0.1:9/v1\", models: [{name: m}]}\n"
    "  - {name: HighA, priority: 5, base-url: \"http://127.0.0.1:9/v1\", models: [{name: m}]}\n"
    "  - {name: Mid, priority: 1, base-url: \"http://127.0.0.1:9/v1\", models: [{name: m}]}\n"
    "  - {name: HighB, priority: 5, base-url: \"http://127.0.0.1:9/v1\", models: [{name: m}]}\n");
  GPtrArray *routes = sy_registry_lookup (reg, "m");
  static const char * const order[] = { "higha", "highb", "mid", "low" };

  g_assert_cmpuint (routes->len, ==, 4);
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    g_assert_cmpstr (((SyRoute *) g_ptr_array_index (routes, i))->account->provider, ==, order[i]);
}

/* model-catalog: a file replaces the built-in catalogue; a bad one does not. */
static void
test_model_catalog (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sy-catalog-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "models.json", NULL);
  g_autofree char *config_path = g_build_filename (dir, "config.yaml", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path,
    "{\"claude\":[{\"id\":\"claude-next-9\",\"display_name\":\"Claude Next\",\"owned_by\":\"anthropic\"}]}", -1, NULL));
  /* Relative to the config file. */
  g_assert_true (g_file_set_contents (config_path,
    "model-catalog: models.json\nclaude-api-key: [{api-key: a}]\n", -1, NULL));
  {
    g_autoptr(SyConfig) config = sy_config_new_from_file (config_path, &error);
    g_autoptr(SyRegistry) reg = NULL;

    g_assert_no_error (error);
    g_assert_null (config->warnings[0]);
    reg = sy_registry_new (config);
    g_assert_cmpuint (sy_registry_get_models (reg)->len, ==, 1);
    g_assert_cmpstr (sy_registry_find_model (reg, "claude-next-9")->display_name, ==, "Claude Next");
    g_assert_null (sy_registry_lookup (reg, "claude-sonnet-4-6"));
  }
  /* Not JSON: reported, the built-in catalogue serves. */
  g_assert_true (g_file_set_contents (path, "{\"claude\": [", -1, NULL));
  {
    g_autoptr(SyConfig) config = sy_config_new_from_file (config_path, &error);
    g_autoptr(SyRegistry) reg = NULL;

    g_test_expect_message ("sy-accounts", G_LOG_LEVEL_WARNING, "model-catalog *models.json*built-in catalogue");
    reg = sy_registry_new (config);
    g_test_assert_expected_messages ();
    g_assert_nonnull (sy_registry_lookup (reg, "claude-sonnet-4-6"));
  }
  g_unlink (path);
  g_unlink (config_path);
  g_rmdir (dir);
}

/* The tables for OAuth accounts are read with the config. */
static void
test_oauth_alias_table (void)
{
  g_autoptr(SyRegistry) reg = NULL;
  g_autofree char *resolved = NULL;

  g_test_expect_message ("sy-accounts", G_LOG_LEVEL_WARNING, "*oauth-model-alias*");
  reg = registry_from (
    "oauth-model-alias:\n"
    "  antigravity:\n"
    "    - {name: gemini-3-pro-high, alias: gemini-3-pro-preview}\n"
    "    - {name: same, alias: same}\n");
  g_test_assert_expected_messages ();
  resolved = sy_model_aliases_resolve (sy_registry_get_model_aliases (reg), "antigravity", "Gemini-3-Pro-Preview");
  g_assert_cmpstr (resolved, ==, "gemini-3-pro-high");
}

/* Logins serve their provider's catalogue, less their own exclusions and
 * oauth-excluded-models, under oauth-model-alias names. */
static void
test_logins (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) config = sy_config_new_from_data (
    "oauth-excluded-models: {claude: [\"*haiku*\"]}\n"
    "oauth-model-alias:\n"
    "  claude: [{name: claude-sonnet-4-6, alias: sonnet}]\n", -1, NULL, &error);
  g_autoptr(SyAccountPool) pool = sy_account_pool_new (NULL);
  g_autoptr(SyCredential) login = sy_credential_new ("claude", "me@example.com", "acct-1");
  g_autoptr(GPtrArray) logins = g_ptr_array_new ();
  g_autoptr(SyRegistry) reg = NULL;
  GPtrArray *routes;

  g_assert_no_error (error);
  sy_credential_set_extra (login, "excluded_models", "claude-opus-4-1*\n  \nCLAUDE-3-7-*");
  g_ptr_array_add (logins, login);
  reg = sy_registry_new_full (config, pool, logins);

  routes = sy_registry_lookup (reg, "sonnet");
  g_assert_nonnull (routes);
  g_assert_true (((SyRoute *) g_ptr_array_index (routes, 0))->account->credential == login);
  g_assert_cmpstr (((SyRoute *) g_ptr_array_index (routes, 0))->upstream_model, ==, "claude-sonnet-4-6");
  g_assert_null (sy_registry_find_model (reg, "claude-sonnet-4-6"));    /* replaced by its alias */
  g_assert_nonnull (sy_registry_lookup (reg, "claude-opus-4-6"));
  g_assert_null (sy_registry_lookup (reg, "claude-opus-4-1-20250805"));  /* the login's own */
  g_assert_null (sy_registry_lookup (reg, "claude-3-7-sonnet-20250219"));
  g_assert_null (sy_registry_lookup (reg, "claude-haiku-4-5-20251001"));  /* oauth-excluded-models */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pool)), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/registry/aliases-prefix", test_aliases_and_prefix);
  g_test_add_func ("/registry/force-prefix", test_force_prefix);
  g_test_add_func ("/registry/catalogue-exclusions", test_catalogue_and_exclusions);
  g_test_add_func ("/registry/suffix", test_suffix);
  g_test_add_func ("/registry/model-catalog", test_model_catalog);
  g_test_add_func ("/registry/oauth-alias-table", test_oauth_alias_table);
  g_test_add_func ("/registry/logins", test_logins);
  g_test_add_func ("/registry/model-mappings", test_model_mappings);
  g_test_add_func ("/registry/priority", test_priority);
  return g_test_run ();
}
