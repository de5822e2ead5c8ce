/* test-setup.c: setup, preview, status and restore of the tools' configs on
 * a temporary home
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "sy-integration.h"

typedef struct
{
  char                 *root;
  char                 *home;
  char                 *state;
  SyIntegrationContext  context;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->root = g_dir_make_tmp ("sy-setup-XXXXXX", &error);
  g_assert_no_error (error);
  f->home = g_build_filename (f->root, "home", NULL);
  f->state = g_build_filename (f->root, "state", "switchyard", "integrations", NULL);
  g_assert_cmpint (g_mkdir (f->home, 0700), ==, 0);
  f->context.home = f->home;
  f->context.state_dir = f->state;
  f->context.base_url = "http://127.0.0.1:8317";
  f->context.api_key = "sk-client";
  f->context.model = NULL;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  remove_tree (f->root);
  g_free (f->root);
  g_free (f->home);
  g_free (f->state);
}

static char *
home_path (Fixture    *f,
           const char *rel)
{
  return g_build_filename (f->home, rel, NULL);
}

static void
put (Fixture    *f,
     const char *rel,
     const char *text)
{
  g_autofree char *path = home_path (f, rel);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* The file's text, NULL when it does not exist. */
static char *
get (Fixture    *f,
     const char *rel)
{
  g_autofree char *path = home_path (f, rel);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* The names of @object's members, in order, joined with ",". */
static char *
member_names (JsonObject *object)
{
  g_autoptr(GList) names = json_object_get_members (object);
  GString *out = g_string_new (NULL);

  for (GList *l = names; l != NULL; l = l->next)
    g_string_append_printf (out, "%s%s", out->len > 0 ? "," : "", (const char *) l->data);
  return g_string_free (out, FALSE);
}

static guint
count_backup_dirs (Fixture    *f,
                   const char *tool)
{
  g_autofree char *dir = g_build_filename (f->state, tool, NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  if (d == NULL)
    return 0;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      n += g_file_test (child, G_FILE_TEST_IS_DIR);
    }
  return n;
}

static void
apply (Fixture    *f,
       const char *tool_id,
       gboolean    expect_changed)
{
  g_autoptr(GError) error = NULL;
  gboolean changed = !expect_changed;

  g_assert_true (sy_integration_apply (sy_integration_lookup (tool_id), &f->context, &changed, &error));
  g_assert_no_error (error);
  g_assert_cmpint (changed, ==, expect_changed);
}

static void
restore (Fixture    *f,
         const char *tool_id)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_integration_restore (sy_integration_lookup (tool_id), &f->context, FALSE, &error));
  g_assert_no_error (error);
}

/* Setting up @tool_id is refused with a parse error (whose message has
 * @says, when not NULL). */
static void
assert_refused (Fixture    *f,
                const char *tool_id,
                const char *says)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (sy_integration_apply (sy_integration_lookup (tool_id), &f->context, NULL, &error));
  g_assert_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_PARSE);
  if (says != NULL)
    g_assert_nonnull (strstr (error->message, says));
}

#define CLAUDE_ORIGINAL \
  "{\n" \
  "    \"permissions\": { \"allow\": [\"Bash(ls)\"] },\n" \
  "    \"env\": { \"MY_VAR\": \"1\", \"ANTHROPIC_BASE_URL\": \"https://old.example\" },\n" \
  "    \"model\": \"opus\"\n" \
  "}"

static void
test_claude_merge_and_restore (Fixture       *f,
                               gconstpointer  data)
{
  const SyIntegration *tool = sy_integration_lookup ("claude-code");
  g_autofree char *text = NULL;
  g_autofree char *after = NULL;
  g_autofree char *names = NULL;
  g_autofree char *env_names = NULL;
  g_autofree char *since = NULL;
  g_autofree char *record_text = NULL;
  g_autofree char *record_path = g_build_filename (f->state, "claude-code", "record.json", NULL);
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(JsonObject) record = NULL;
  JsonObject *env, *file;
  const char *backup;
  g_autofree char *backup_text = NULL;
  struct stat st;

  put (f, ".claude/settings.json", CLAUDE_ORIGINAL);
  {
    g_autofree char *path = home_path (f, ".claude/settings.json");

    g_assert_cmpint (g_chmod (path, 0640), ==, 0);
  }
  g_assert_cmpint (sy_integration_status (tool, &f->context, NULL), ==, SY_INTEGRATION_NOT_CONNECTED);
  f->context.model = "claude-sonnet-4-5";
  apply (f, "claude-code", TRUE);

  /* Merged: the user's keys stay, in their order; ours are set. */
  text = get (f, ".claude/settings.json");
  root = parse_object (text);
  names = member_names (root);
  g_assert_cmpstr (names, ==, "permissions,env,model");
  g_assert_cmpstr (json_object_get_string_member (root, "model"), ==, "opus");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (json_object_get_object_member (root, "permissions"), "allow"), 0), ==, "Bash(ls)");
  env = json_object_get_object_member (root, "env");
  env_names = member_names (env);
  g_assert_cmpstr (env_names, ==, "MY_VAR,ANTHROPIC_BASE_URL,ANTHROPIC_AUTH_TOKEN,ANTHROPIC_MODEL");
  g_assert_cmpstr (json_object_get_string_member (env, "MY_VAR"), ==, "1");
  g_assert_cmpstr (json_object_get_string_member (env, "ANTHROPIC_BASE_URL"), ==, "http://127.0.0.1:8317");
  g_assert_cmpstr (json_object_get_string_member (env, "ANTHROPIC_AUTH_TOKEN"), ==, "sk-client");
  g_assert_cmpstr (json_object_get_string_member (env, "ANTHROPIC_MODEL"), ==, "claude-sonnet-4-5");

  /* The record and the backup: the original bytes, private. */
  g_assert_true (g_file_get_contents (record_path, &record_text, NULL, NULL));
  record = parse_object (record_text);
  g_assert_cmpstr (json_object_get_string_member (record, "tool"), ==, "claude-code");
  file = json_array_get_object_element (json_object_get_array_member (record, "files"), 0);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (file, "path"), "/home/.claude/settings.json"));
  g_assert_true (json_object_get_boolean_member (file, "existed"));
  backup = json_object_get_string_member (file, "backup");
  g_assert_true (g_str_has_prefix (backup, f->state));
  g_assert_true (g_file_get_contents (backup, &backup_text, NULL, NULL));
  g_assert_cmpstr (backup_text, ==, CLAUDE_ORIGINAL);
  g_assert_cmpint (g_stat (backup, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  {
    g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);

    g_assert_cmpstr (json_object_get_string_member (file, "sha256"), ==, sum);
  }

  g_assert_cmpint (sy_integration_status (tool, &f->context, &since), ==, SY_INTEGRATION_CONNECTED);
  g_assert_nonnull (since);
  g_assert_true (g_str_has_suffix (since, "Z"));

  /* Restore: byte for byte, and not connected any more. */
  restore (f, "claude-code");
  after = get (f, ".claude/settings.json");
  g_assert_cmpstr (after, ==, CLAUDE_ORIGINAL);
  {
    g_autofree char *path = home_path (f, ".claude/settings.json");

    /* The file's own mode throughout. */
    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0640);
  }
  g_assert_false (g_file_test (record_path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (sy_integration_status (tool, &f->context, NULL), ==, SY_INTEGRATION_NOT_CONNECTED);
}

static void
test_absent_file (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *text = NULL;
  g_autofree char *gone = NULL;
  g_autoptr(JsonObject) root = NULL;
  JsonObject *env;

  f->context.api_key = NULL;
  apply (f, "claude-code", TRUE);
  text = get (f, ".claude/settings.json");
  g_assert_nonnull (text);
  root = parse_object (text);
  env = json_object_get_object_member (root, "env");
  /* No client key needed: a placeholder (Claude Code wants one). */
  g_assert_cmpstr (json_object_get_string_member (env, "ANTHROPIC_AUTH_TOKEN"), ==, "switchyard");
  restore (f, "claude-code");
  gone = get (f, ".claude/settings.json");
  g_assert_null (gone);
}

static void
test_dry_run (Fixture       *f,
              gconstpointer  data)
{
  const SyIntegration *tool = sy_integration_lookup ("claude-code");
  g_autoptr(GError) error = NULL;
  g_autofree char *preview = NULL;
  g_autofree char *after = NULL;
  g_autofree char *again = NULL;

  put (f, ".claude/settings.json", "{\"model\": \"opus\"}\n");
  preview = sy_integration_preview (tool, &f->context, &error);
  g_assert_no_error (error);
  g_assert_true (strstr (preview, "-{\"model\": \"opus\"}\n") != NULL);
  g_assert_true (strstr (preview, "+    \"ANTHROPIC_BASE_URL\": \"http://127.0.0.1:8317\",\n") != NULL);
  g_assert_true (g_str_has_prefix (preview, "--- "));
  /* Nothing written: the file as it was, no state at all. */
  after = get (f, ".claude/settings.json");
  g_assert_cmpstr (after, ==, "{\"model\": \"opus\"}\n");
  g_assert_false (g_file_test (f->state, G_FILE_TEST_EXISTS));

  /* Once set up, the preview is empty. */
  apply (f, "claude-code", TRUE);
  again = sy_integration_preview (tool, &f->context, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, "");
}

static void
test_idempotent (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *after = NULL;

  put (f, ".codex/config.toml", "model = \"o3\"\n");
  apply (f, "codex", TRUE);
  first = get (f, ".codex/config.toml");
  apply (f, "codex", FALSE);
  second = get (f, ".codex/config.toml");
  g_assert_cmpstr (first, ==, second);
  g_assert_cmpuint (count_backup_dirs (f, "codex"), ==, 1);

  /* A second setup with another model keeps the first backup: restore
   * gives the user's file, not the first setup's. */
  f->context.model = "gpt-5";
  apply (f, "codex", TRUE);
  g_assert_cmpuint (count_backup_dirs (f, "codex"), ==, 1);
  restore (f, "codex");
  after = get (f, ".codex/config.toml");
  g_assert_cmpstr (after, ==, "model = \"o3\"\n");
}

static void
test_changed_since (Fixture       *f,
                    gconstpointer  data)
{
  const SyIntegration *tool = sy_integration_lookup ("claude-code");
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *restored = NULL;

  put (f, ".claude/settings.json", "{\"theme\": \"dark\"}");
  apply (f, "claude-code", TRUE);
  put (f, ".claude/settings.json", "{\"theme\": \"light\"}");
  g_assert_cmpint (sy_integration_status (tool, &f->context, NULL), ==, SY_INTEGRATION_CHANGED);

  g_assert_false (sy_integration_restore (tool, &f->context, FALSE, &error));
  g_assert_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_CHANGED);
  g_assert_true (strstr (error->message, "settings.json") != NULL);
  g_clear_error (&error);
  kept = get (f, ".claude/settings.json");
  g_assert_cmpstr (kept, ==, "{\"theme\": \"light\"}");

  /* Forced: the original comes back anyway. */
  g_assert_true (sy_integration_restore (tool, &f->context, TRUE, &error));
  g_assert_no_error (error);
  restored = get (f, ".claude/settings.json");
  g_assert_cmpstr (restored, ==, "{\"theme\": \"dark\"}");

  /* Nothing left to restore. */
  g_assert_false (sy_integration_restore (tool, &f->context, FALSE, &error));
  g_assert_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_NOT_CONNECTED);
}

#define CODEX_ORIGINAL \
  "# Codex settings\r\n" \
  "model = \"o3\" # my model\r\n" \
  "approval_policy = \"on-request\"\r\n" \
  "\r\n" \
  "[mcp_servers.docs]\r\n" \
  "command = \"npx\"\r\n" \
  "args = [\r\n  \"-y\",\r\n  \"docs-server\", # pinned\r\n]\r\n" \
  "\r\n" \
  "[model_providers.switchyard]\r\n" \
  "name = \"stale\"\r\n" \
  "base_url = \"http://127.0.0.1:9999/v1\"\r\n" \
  "\r\n" \
  "[profiles.fast]\r\n" \
  "model = \"o4-mini\""

static void
test_codex (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *text = NULL;
  g_autofree char *after = NULL;

  put (f, ".codex/config.toml", CODEX_ORIGINAL);
  f->context.model = "gpt-5-codex";
  apply (f, "codex", TRUE);
  text = get (f, ".codex/config.toml");
  g_assert_cmpstr (text, ==,
    "# Codex settings\r\n"
    "model = \"gpt-5-codex\"\r\n"
    "approval_policy = \"on-request\"\r\n"
    "model_provider = \"switchyard\"\r\n"
    "\r\n"
    "[mcp_servers.docs]\r\n"
    "command = \"npx\"\r\n"
    "args = [\r\n  \"-y\",\r\n  \"docs-server\", # pinned\r\n]\r\n"
    "\r\n"
    "[model_providers.switchyard]\r\n"
    "name = \"Switchyard\"\r\n"
    "base_url = \"http://127.0.0.1:8317/v1\"\r\n"
    "wire_api = \"responses\"\r\n"
    "experimental_bearer_token = \"sk-client\"\r\n"
    "\r\n"
    "[profiles.fast]\r\n"
    "model = \"o4-mini\"");
  restore (f, "codex");
  after = get (f, ".codex/config.toml");
  g_assert_cmpstr (after, ==, CODEX_ORIGINAL);
}

static void
test_codex_new_file (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *text = NULL;

  f->context.api_key = NULL;
  apply (f, "codex", TRUE);
  text = get (f, ".codex/config.toml");
  g_assert_cmpstr (text, ==,
    "model_provider = \"switchyard\"\n"
    "\n"
    "[model_providers.switchyard]\n"
    "name = \"Switchyard\"\n"
    "base_url = \"http://127.0.0.1:8317/v1\"\n"
    "wire_api = \"responses\"\n");
}

static void
test_codex_broken (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *kept = NULL;

  put (f, ".codex/config.toml", "model = \"unterminated\n");
  assert_refused (f, "codex", "config.toml");
  kept = get (f, ".codex/config.toml");
  g_assert_cmpstr (kept, ==, "model = \"unterminated\n");
  g_assert_false (g_file_test (f->state, G_FILE_TEST_EXISTS));
}

#define GEMINI_ENV "# mine\nexport GEMINI_API_KEY=old-key\nDEBUG=1\n"
#define GEMINI_SETTINGS "{\"theme\": \"GitHub\", \"security\": {\"auth\": {\"selectedType\": \"oauth-personal\"}, \"folderTrust\": {\"enabled\": true}}}"

static void
test_gemini (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *env = NULL;
  g_autofree char *settings = NULL;
  g_autofree char *env_after = NULL;
  g_autofree char *settings_after = NULL;
  g_autoptr(JsonObject) root = NULL;
  JsonObject *security;

  put (f, ".gemini/.env", GEMINI_ENV);
  put (f, ".gemini/settings.json", GEMINI_SETTINGS);
  f->context.model = "gemini-2.5-pro";
  apply (f, "gemini-cli", TRUE);
  env = get (f, ".gemini/.env");
  g_assert_cmpstr (env, ==,
    "# mine\nGEMINI_API_KEY=sk-client\nDEBUG=1\n"
    "GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:8317\nGEMINI_MODEL=gemini-2.5-pro\n");
  settings = get (f, ".gemini/settings.json");
  root = parse_object (settings);
  g_assert_cmpstr (json_object_get_string_member (root, "theme"), ==, "GitHub");
  security = json_object_get_object_member (root, "security");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (security, "folderTrust"), "enabled"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (security, "auth"), "selectedType"), ==, "gemini-api-key");

  restore (f, "gemini-cli");
  env_after = get (f, ".gemini/.env");
  settings_after = get (f, ".gemini/settings.json");
  g_assert_cmpstr (env_after, ==, GEMINI_ENV);
  g_assert_cmpstr (settings_after, ==, GEMINI_SETTINGS);
}

static void
test_gemini_partly_absent (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *env_after = NULL;
  g_autofree char *settings_after = NULL;

  /* .env absent, settings.json there: restore deletes one, restores the other. */
  put (f, ".gemini/settings.json", GEMINI_SETTINGS);
  apply (f, "gemini-cli", TRUE);
  g_assert_true (g_file_test (f->home, G_FILE_TEST_IS_DIR));
  restore (f, "gemini-cli");
  env_after = get (f, ".gemini/.env");
  settings_after = get (f, ".gemini/settings.json");
  g_assert_null (env_after);
  g_assert_cmpstr (settings_after, ==, GEMINI_SETTINGS);
}

static void
test_gemini_env_forms (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *env = NULL;

  /* CRLF lines, no final line ending, a value that needs quotes, a
   * commented-out line and a longer name that only starts the same. */
  put (f, ".gemini/.env", "# GEMINI_API_KEY=commented\r\nGEMINI_API_KEY_OLD=x\r\n  GOOGLE_GEMINI_BASE_URL = https://old\r\nA=1");
  f->context.api_key = "key with space#";
  apply (f, "gemini-cli", TRUE);
  env = get (f, ".gemini/.env");
  g_assert_cmpstr (env, ==,
    "# GEMINI_API_KEY=commented\r\nGEMINI_API_KEY_OLD=x\r\nGOOGLE_GEMINI_BASE_URL=http://127.0.0.1:8317\r\nA=1\r\n"
    "GEMINI_API_KEY='key with space#'\r\n");
}

static void
test_opencode (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *text = NULL;
  g_autoptr(JsonObject) root = NULL;
  JsonObject *ours, *other;

  put (f, ".config/opencode/opencode.json",
       "{\"$schema\": \"https://opencode.ai/config.json\", \"theme\": \"tokyonight\","
       " \"provider\": {\"ollama\": {\"options\": {\"baseURL\": \"http://localhost:11434/v1\"}}}}");
  f->context.model = "gpt-5";
  apply (f, "opencode", TRUE);
  text = get (f, ".config/opencode/opencode.json");
  root = parse_object (text);
  g_assert_cmpstr (json_object_get_string_member (root, "theme"), ==, "tokyonight");
  g_assert_cmpstr (json_object_get_string_member (root, "model"), ==, "switchyard/gpt-5");
  other = json_object_get_object_member (json_object_get_object_member (root, "provider"), "ollama");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (other, "options"), "baseURL"), ==, "http://localhost:11434/v1");
  ours = json_object_get_object_member (json_object_get_object_member (root, "provider"), "switchyard");
  g_assert_cmpstr (json_object_get_string_member (ours, "npm"), ==, "@ai-sdk/openai-compatible");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (ours, "options"), "baseURL"), ==, "http://127.0.0.1:8317/v1");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (ours, "options"), "apiKey"), ==, "sk-client");
  g_assert_true (json_object_has_member (json_object_get_object_member (ours, "models"), "gpt-5"));
}

static void
test_droid (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *text = NULL;
  g_autoptr(JsonObject) root = NULL;
  JsonArray *models;
  JsonObject *ours;

  put (f, ".factory/settings.json",
       "{\"customModels\": [{\"model\": \"mine\", \"baseUrl\": \"https://x/v1\", \"apiKey\": \"k\", \"provider\": \"openai\"}],"
       " \"diffMode\": \"github\"}");
  /* Droid lists models one by one: without --model it says so. */
  assert_refused (f, "droid", "--model");

  f->context.model = "claude-sonnet-4-5";
  apply (f, "droid", TRUE);
  apply (f, "droid", FALSE);
  text = get (f, ".factory/settings.json");
  root = parse_object (text);
  g_assert_cmpstr (json_object_get_string_member (root, "diffMode"), ==, "github");
  models = json_object_get_array_member (root, "customModels");
  g_assert_cmpuint (json_array_get_length (models), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (models, 0), "model"), ==, "mine");
  ours = json_array_get_object_element (models, 1);
  g_assert_cmpstr (json_object_get_string_member (ours, "model"), ==, "claude-sonnet-4-5");
  g_assert_cmpstr (json_object_get_string_member (ours, "baseUrl"), ==, "http://127.0.0.1:8317/v1");
  g_assert_cmpstr (json_object_get_string_member (ours, "apiKey"), ==, "sk-client");
  g_assert_cmpstr (json_object_get_string_member (ours, "provider"), ==, "openai");
}

static void
test_damaged_backup (Fixture       *f,
                     gconstpointer  data)
{
  const SyIntegration *tool = sy_integration_lookup ("claude-code");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (f->state, "claude-code", NULL);
  g_autoptr(GDir) d = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *kept = NULL;
  const char *name;

  put (f, ".claude/settings.json", "{}");
  apply (f, "claude-code", TRUE);
  ours = get (f, ".claude/settings.json");
  /* The backup is not what was saved: nothing is restored. */
  d = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    if (strcmp (name, "record.json") != 0)
      {
        g_autofree char *backup = g_build_filename (dir, name, "0-settings.json", NULL);

        g_assert_true (g_file_set_contents (backup, "{\"x\": 1}", -1, NULL));
      }
  g_assert_false (sy_integration_restore (tool, &f->context, FALSE, &error));
  g_assert_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_IO);
  kept = get (f, ".claude/settings.json");
  g_assert_cmpstr (kept, ==, ours);
  g_assert_cmpint (sy_integration_status (tool, &f->context, NULL), ==, SY_INTEGRATION_CONNECTED);
}

static void
test_damaged_record (Fixture       *f,
                     gconstpointer  data)
{
  const SyIntegration *tool = sy_integration_lookup ("codex");
  g_autofree char *dir = g_build_filename (f->state, "codex", NULL);
  g_autofree char *record = g_build_filename (dir, "record.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *absent = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (record, "", 0, NULL));
  /* Neither a new setup over it nor a restore from it. */
  g_assert_false (sy_integration_apply (tool, &f->context, NULL, &error));
  g_assert_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_PARSE);
  g_clear_error (&error);
  absent = get (f, ".codex/config.toml");
  g_assert_null (absent);
  g_assert_false (sy_integration_restore (tool, &f->context, TRUE, &error));
  g_assert_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_PARSE);
}

#define CONTINUE_ORIGINAL \
  "name: My Config\n" \
  "version: 1.0.0\n" \
  "schema: v1\n" \
  "models:\n" \
  "  # the local one\n" \
  "  - name: Llama\n" \
  "    provider: ollama\n" \
  "    model: llama3\n" \
  "\n" \
  "context:\n" \
  "  - provider: code\n"

static void
test_continue (Fixture       *f,
               gconstpointer  data)
{
  const SyIntegration *tool = sy_integration_lookup ("continue");
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *two = NULL;
  g_autofree char *after = NULL;
  g_autofree char *created = NULL;

  put (f, ".continue/config.yaml", CONTINUE_ORIGINAL);
  assert_refused (f, "continue", "--model");

  f->context.model = "gpt-5";
  apply (f, "continue", TRUE);
  apply (f, "continue", FALSE);
  text = get (f, ".continue/config.yaml");
  g_assert_cmpstr (text, ==,
    "name: My Config\nversion: 1.0.0\nschema: v1\nmodels:\n"
    "  # the local one\n  - name: Llama\n    provider: ollama\n    model: llama3\n"
    "  - name: \"gpt-5 (Switchyard)\"\n    provider: openai\n    model: \"gpt-5\"\n"
    "    apiBase: \"http://127.0.0.1:8317/v1\"\n    apiKey: \"sk-client\"\n"
    "\ncontext:\n  - provider: code\n");

  /* Another port: our entry replaced, not added; another model: added. */
  f->context.base_url = "http://127.0.0.1:9000";
  apply (f, "continue", TRUE);
  f->context.model = "o3";
  apply (f, "continue", TRUE);
  two = get (f, ".continue/config.yaml");
  g_assert_cmpstr (two, ==,
    "name: My Config\nversion: 1.0.0\nschema: v1\nmodels:\n"
    "  # the local one\n  - name: Llama\n    provider: ollama\n    model: llama3\n"
    "  - name: \"gpt-5 (Switchyard)\"\n    provider: openai\n    model: \"gpt-5\"\n"
    "    apiBase: \"http://127.0.0.1:9000/v1\"\n    apiKey: \"sk-client\"\n"
    "  - name: \"o3 (Switchyard)\"\n    provider: openai\n    model: \"o3\"\n"
    "    apiBase: \"http://127.0.0.1:9000/v1\"\n    apiKey: \"sk-client\"\n"
    "\ncontext:\n  - provider: code\n");
  restore (f, "continue");
  after = get (f, ".continue/config.yaml");
  g_assert_cmpstr (after, ==, CONTINUE_ORIGINAL);

  /* A flow list is left alone; no file: a new config. */
  put (f, ".continue/config.yaml", "name: x\nmodels: []\n");
  assert_refused (f, "continue", NULL);
  put (f, ".continue/config.yaml", "name: x\nschema: v1\n");
  apply (f, "continue", TRUE);
  created = get (f, ".continue/config.yaml");
  g_assert_cmpstr (created, ==,
    "name: x\nschema: v1\nmodels:\n"
    "  - name: \"o3 (Switchyard)\"\n    provider: openai\n    model: \"o3\"\n"
    "    apiBase: \"http://127.0.0.1:9000/v1\"\n    apiKey: \"sk-client\"\n");
  g_assert_true (sy_integration_restore (tool, &f->context, TRUE, &error));
  g_assert_no_error (error);

  /* Entries at column 0, CRLF, no final line ending. */
  put (f, ".continue/config.yaml", "models:\r\n- name: a\r\n  provider: x\r\n  model: m\r\nrules:\r\n- be brief");
  apply (f, "continue", TRUE);
  g_free (created);
  created = get (f, ".continue/config.yaml");
  g_assert_cmpstr (created, ==,
    "models:\r\n- name: a\r\n  provider: x\r\n  model: m\r\n"
    "- name: \"o3 (Switchyard)\"\r\n  provider: openai\r\n  model: \"o3\"\r\n"
    "  apiBase: \"http://127.0.0.1:9000/v1\"\r\n  apiKey: \"sk-client\"\r\n"
    "rules:\r\n- be brief");
}

static void
test_not_json (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *kept = NULL;

  put (f, ".claude/settings.json", "{ not json");
  assert_refused (f, "claude-code", NULL);
  kept = get (f, ".claude/settings.json");
  g_assert_cmpstr (kept, ==, "{ not json");

  /* A comment would be lost on the way back: refused, with where. */
  g_clear_pointer (&kept, g_free);
  put (f, ".claude/settings.json", "{\n  \"a\": 1,\n  // mine\n  \"b\": 2\n}\n");
  assert_refused (f, "claude-code", "line 3, column 3");
  kept = get (f, ".claude/settings.json");
  g_assert_cmpstr (kept, ==, "{\n  \"a\": 1,\n  // mine\n  \"b\": 2\n}\n");
}

/* A byte-order mark is read past and written back. */
static void
test_json_bom (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;

  put (f, ".claude/settings.json", "\xef\xbb\xbf{\n  \"a\": 1\n}\n");
  g_assert_true (sy_integration_apply (sy_integration_lookup ("claude-code"), &f->context, NULL, &error));
  g_assert_no_error (error);
  after = get (f, ".claude/settings.json");
  g_assert_true (g_str_has_prefix (after, "\xef\xbb\xbf{\n  \"a\": 1,\n  \"env\": {\n"));
}

/* A settings file as Claude Code itself writes it (two spaces,
 * `"key": value`) comes back line for line, with only Switchyard's block
 * added: nothing of the user's file is restyled. */
static void
test_json_style_kept (Fixture       *f,
                      gconstpointer  data)
{
  const SyIntegration *tool = sy_integration_lookup ("claude-code");
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;
  const char *before =
    "{\n"
    "  \"permissions\": {\n"
    "    \"allow\": [\n"
    "      \"Bash(ls:*)\",\n"
    "      \"Read(~/notes/**)\"\n"
    "    ],\n"
    "    \"deny\": []\n"
    "  },\n"
    "  \"hooks\": {},\n"
    "  \"cleanupPeriodDays\": 30,\n"
    "  \"temperature\": 0.7,\n"
    "  \"scale\": 2.0,\n"
    "  \"statusLine\": \"printf '\\\\033[1m%s\\\\t\\\"ok\\\"' \\u00e9 caf\xc3\xa9 \\u0001\",\n"
    "  \"env\": {\n"
    "    \"MY_VAR\": \"1\"\n"
    "  },\n"
    "  \"includeCoAuthoredBy\": false,\n"
    "  \"apiKeyHelper\": null\n"
    "}\n";
  /* \u00e9 in the source becomes the character itself (JSON needs no
   * escape for it); everything else is the old text. */
  const char *expected =
    "{\n"
    "  \"permissions\": {\n"
    "    \"allow\": [\n"
    "      \"Bash(ls:*)\",\n"
    "      \"Read(~/notes/**)\"\n"
    "    ],\n"
    "    \"deny\": []\n"
    "  },\n"
    "  \"hooks\": {},\n"
    "  \"cleanupPeriodDays\": 30,\n"
    "  \"temperature\": 0.7,\n"
    "  \"scale\": 2.0,\n"
    "  \"statusLine\": \"printf '\\\\033[1m%s\\\\t\\\"ok\\\"' \xc3\xa9 caf\xc3\xa9 \\u0001\",\n"
    "  \"env\": {\n"
    "    \"MY_VAR\": \"1\",\n"
    "    \"ANTHROPIC_BASE_URL\": \"http://127.0.0.1:8317\",\n"
    "    \"ANTHROPIC_AUTH_TOKEN\": \"sk-client\"\n"
    "  },\n"
    "  \"includeCoAuthoredBy\": false,\n"
    "  \"apiKeyHelper\": null\n"
    "}\n";

  put (f, ".claude/settings.json", before);
  g_assert_true (sy_integration_apply (tool, &f->context, NULL, &error));
  g_assert_no_error (error);
  after = get (f, ".claude/settings.json");
  g_assert_cmpstr (after, ==, expected);
}

/* Other layouts: the indent unit (four spaces, a tab), CRLF line ends and
 * a missing final newline are what the file had. */
static void
test_json_style_layouts (Fixture       *f,
                         gconstpointer  data)
{
  static const struct { const char *before, *expected; } cases[] = {
    { "{\r\n    \"model\": \"opus\",\r\n    \"env\": {}\r\n}",
      "{\r\n    \"model\": \"opus\",\r\n    \"env\": {\r\n"
      "        \"ANTHROPIC_BASE_URL\": \"http://127.0.0.1:8317\",\r\n"
      "        \"ANTHROPIC_AUTH_TOKEN\": \"sk-client\"\r\n    }\r\n}" },
    { "{\n\t\"model\": \"opus\"\n}\n",
      "{\n\t\"model\": \"opus\",\n\t\"env\": {\n"
      "\t\t\"ANTHROPIC_BASE_URL\": \"http://127.0.0.1:8317\",\n"
      "\t\t\"ANTHROPIC_AUTH_TOKEN\": \"sk-client\"\n\t}\n}\n" },
    /* One line: the layout the tools write. */
    { "{ \"model\": \"opus\" }\n",
      "{\n  \"model\": \"opus\",\n  \"env\": {\n"
      "    \"ANTHROPIC_BASE_URL\": \"http://127.0.0.1:8317\",\n"
      "    \"ANTHROPIC_AUTH_TOKEN\": \"sk-client\"\n  }\n}\n" },
  };
  const SyIntegration *tool = sy_integration_lookup ("claude-code");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *after = NULL;

      put (f, ".claude/settings.json", cases[i].before);
      g_assert_true (sy_integration_apply (tool, &f->context, NULL, &error));
      g_assert_no_error (error);
      after = get (f, ".claude/settings.json");
      g_assert_cmpstr (after, ==, cases[i].expected);
      /* And back, byte for byte. */
      restore (f, "claude-code");
      g_free (after);
      after = get (f, ".claude/settings.json");
      g_assert_cmpstr (after, ==, cases[i].before);
    }
}

#define CLINE_PATH ".cline/data/settings/providers.json"

/* As Cline's own `cline auth` writes it: another provider in use. */
#define CLINE_ORIGINAL \
  "{\n" \
  "  \"version\": 1,\n" \
  "  \"lastUsedProvider\": \"anthropic\",\n" \
  "  \"modes\": {\n" \
  "    \"voiceInput\": {\n" \
  "      \"providerId\": \"elevenlabs\",\n" \
  "      \"modelId\": \"scribe_v2\"\n" \
  "    }\n" \
  "  },\n" \
  "  \"providers\": {\n" \
  "    \"anthropic\": {\n" \
  "      \"settings\": {\n" \
  "        \"provider\": \"anthropic\",\n" \
  "        \"apiKey\": \"sk-ant-mine\",\n" \
  "        \"model\": \"claude-sonnet-4-5\"\n" \
  "      },\n" \
  "      \"updatedAt\": \"2026-11-01T10:00:00.000Z\",\n" \
  "      \"tokenSource\": \"manual\"\n" \
  "    },\n" \
  "    \"openai-compatible\": {\n" \
  "      \"settings\": {\n" \
  "        \"provider\": \"openai-compatible\",\n" \
  "        \"apiKey\": \"sk-old\",\n" \
  "        \"model\": \"old-model\",\n" \
  "        \"baseUrl\": \"https://llm.example/v1\",\n" \
  "        \"headers\": {\n" \
  "          \"X-Team\": \"blue\"\n" \
  "        }\n" \
  "      },\n" \
  "      \"updatedAt\": \"2026-11-02T10:00:00.000Z\",\n" \
  "      \"tokenSource\": \"manual\"\n" \
  "    }\n" \
  "  }\n" \
  "}\n"

/* What Cline's schema requires of an entry: settings.provider, an ISO
 * time in milliseconds and Z, a token source. */
static void
assert_cline_entry (JsonObject *entry,
                    const char *model,
                    const char *key)
{
  JsonObject *settings = json_object_get_object_member (entry, "settings");
  const char *stamp = json_object_get_string_member (entry, "updatedAt");
  g_autoptr(GDateTime) parsed = g_date_time_new_from_iso8601 (stamp, NULL);

  g_assert_cmpstr (json_object_get_string_member (settings, "provider"), ==, "openai-compatible");
  g_assert_cmpstr (json_object_get_string_member (settings, "baseUrl"), ==, "http://127.0.0.1:8317/v1");
  g_assert_cmpstr (json_object_get_string_member (settings, "apiKey"), ==, key);
  g_assert_cmpstr (json_object_get_string_member (settings, "model"), ==, model);
  g_assert_nonnull (parsed);
  g_assert_true (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$", stamp, 0, 0));
  g_assert_cmpstr (json_object_get_string_member (entry, "tokenSource"), ==, "manual");
}

static void
test_cline (Fixture       *f,
            gconstpointer  data)
{
  const SyIntegration *tool = sy_integration_lookup ("cline");
  g_autofree char *text = NULL;
  g_autofree char *again = NULL;
  g_autofree char *after = NULL;
  g_autofree char *names = NULL;
  g_autofree char *provider_names = NULL;
  g_autofree char *settings_names = NULL;
  g_autoptr(JsonObject) root = NULL;
  JsonObject *providers, *anthropic, *ours, *settings;

  put (f, CLINE_PATH, CLINE_ORIGINAL);
  /* One model per provider: without --model it says so, and writes nothing. */
  assert_refused (f, "cline", "--model");
  g_assert_false (g_file_test (f->state, G_FILE_TEST_EXISTS));

  f->context.model = "sy-model";
  apply (f, "cline", TRUE);
  text = get (f, CLINE_PATH);
  root = parse_object (text);
  names = member_names (root);
  g_assert_cmpstr (names, ==, "version,lastUsedProvider,modes,providers");
  g_assert_cmpint (json_object_get_int_member (root, "version"), ==, 1);
  /* Cline uses the last used provider: ours. */
  g_assert_cmpstr (json_object_get_string_member (root, "lastUsedProvider"), ==, "openai-compatible");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_object_get_object_member (root, "modes"), "voiceInput"), "modelId"), ==, "scribe_v2");
  providers = json_object_get_object_member (root, "providers");
  provider_names = member_names (providers);
  g_assert_cmpstr (provider_names, ==, "anthropic,openai-compatible");
  /* The other provider is untouched, time and all. */
  anthropic = json_object_get_object_member (providers, "anthropic");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (anthropic, "settings"), "apiKey"), ==, "sk-ant-mine");
  g_assert_cmpstr (json_object_get_string_member (anthropic, "updatedAt"), ==, "2026-11-01T10:00:00.000Z");
  ours = json_object_get_object_member (providers, "openai-compatible");
  assert_cline_entry (ours, "sy-model", "sk-client");
  g_assert_cmpstr (json_object_get_string_member (ours, "updatedAt"), !=, "2026-11-02T10:00:00.000Z");
  /* The user's headers for that provider stay. */
  settings = json_object_get_object_member (ours, "settings");
  settings_names = member_names (settings);
  g_assert_cmpstr (settings_names, ==, "provider,apiKey,model,baseUrl,headers");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (settings, "headers"), "X-Team"), ==, "blue");
  /* Written as Cline writes it (two spaces, "key": value). */
  g_assert_true (strstr (text, "\n  \"lastUsedProvider\": \"openai-compatible\",\n") != NULL);

  /* Again: nothing changes, not even the time. */
  apply (f, "cline", FALSE);
  again = get (f, CLINE_PATH);
  g_assert_cmpstr (again, ==, text);
  g_assert_cmpint (sy_integration_status (tool, &f->context, NULL), ==, SY_INTEGRATION_CONNECTED);

  restore (f, "cline");
  after = get (f, CLINE_PATH);
  g_assert_cmpstr (after, ==, CLINE_ORIGINAL);
  g_assert_cmpint (sy_integration_status (tool, &f->context, NULL), ==, SY_INTEGRATION_NOT_CONNECTED);
}

static void
test_cline_new_file (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *text = NULL;
  g_autofree char *names = NULL;
  g_autofree char *gone = NULL;
  g_autoptr(JsonObject) root = NULL;
  struct stat st;

  f->context.model = "sy-model";
  f->context.api_key = NULL;
  apply (f, "cline", TRUE);
  text = get (f, CLINE_PATH);
  root = parse_object (text);
  names = member_names (root);
  g_assert_cmpstr (names, ==, "version,lastUsedProvider,modes,providers");
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (root, "modes")), ==, 0);
  assert_cline_entry (json_object_get_object_member (json_object_get_object_member (root, "providers"), "openai-compatible"),
                      "sy-model", "switchyard");
  {
    g_autofree char *path = home_path (f, CLINE_PATH);

    /* Private, as Cline keeps it. */
    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  /* Another model: the entry and its time change, the file stays one. */
  f->context.model = "sy-other";
  apply (f, "cline", TRUE);
  g_free (text);
  text = get (f, CLINE_PATH);
  json_object_unref (root);
  root = parse_object (text);
  assert_cline_entry (json_object_get_object_member (json_object_get_object_member (root, "providers"), "openai-compatible"),
                      "sy-other", "switchyard");

  restore (f, "cline");
  gone = get (f, CLINE_PATH);
  g_assert_null (gone);
}

/* Our entry as wanted already, but with a time Cline's schema refuses
 * (it would drop the whole file): the time is made right. */
static void
test_cline_bad_time (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *text = NULL;
  g_autoptr(JsonObject) root = NULL;

  put (f, CLINE_PATH,
       "{\"version\": 1, \"lastUsedProvider\": \"openai-compatible\", \"modes\": {}, \"providers\": "
       "{\"openai-compatible\": {\"settings\": {\"provider\": \"openai-compatible\", \"apiKey\": \"sk-client\", "
       "\"model\": \"sy-model\", \"baseUrl\": \"http://127.0.0.1:8317/v1\"}, \"updatedAt\": \"yesterday\", "
       "\"tokenSource\": \"manual\"}}}\n");
  f->context.model = "sy-model";
  apply (f, "cline", TRUE);
  text = get (f, CLINE_PATH);
  root = parse_object (text);
  assert_cline_entry (json_object_get_object_member (json_object_get_object_member (root, "providers"), "openai-compatible"),
                      "sy-model", "sk-client");
  apply (f, "cline", FALSE);
}

static void
test_cline_refused (Fixture       *f,
                    gconstpointer  data)
{
  const char *cases[] = {
    "{\"version\": 2, \"providers\": {}}\n",
    "{\"version\": 1, \"providers\": []}\n",
    "{\"version\": 1, \"providers\": {\"openai-compatible\": {\"settings\": \"x\"}}}\n",
  };

  f->context.model = "sy-model";
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *after = NULL;

      put (f, CLINE_PATH, cases[i]);
      assert_refused (f, "cline", NULL);
      after = get (f, CLINE_PATH);
      g_assert_cmpstr (after, ==, cases[i]);
    }
  g_assert_false (g_file_test (f->state, G_FILE_TEST_EXISTS));
}

static void
test_diff (void)
{
  g_autofree char *d = sy_integration_diff ("f", "a\nb\nc\nd\ne\nf\ng\nh\ni\n", "a\nb\nc\nd\nE\nf\ng\nh\ni\nj");
  g_autofree char *created = sy_integration_diff ("g", NULL, "x\n");
  g_autofree char *same = sy_integration_diff ("h", "x\n", "x\n");

  g_assert_cmpstr (d, ==,
    "--- f\n+++ f\n"
    "@@ -2,8 +2,9 @@\n"
    " b\n c\n d\n-e\n+E\n f\n g\n h\n i\n+j\n\\ No newline at end of file\n");
  g_assert_cmpstr (created, ==, "--- /dev/null\n+++ g\n@@ -0,0 +1,1 @@\n+x\n");
  g_assert_cmpstr (same, ==, "");
}

static void
test_list (void)
{
  const SyIntegration * const *tools = sy_integrations ();
  guint n = 0;

  for (; tools[n] != NULL; n++)
    g_assert_true (sy_integration_lookup (tools[n]->id) == tools[n]);
  g_assert_cmpuint (n, ==, 7);
  g_assert_null (sy_integration_lookup ("cursor"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/setup/claude/merge-restore", test_claude_merge_and_restore);
  ADD ("/setup/absent-file", test_absent_file);
  ADD ("/setup/dry-run", test_dry_run);
  ADD ("/setup/idempotent", test_idempotent);
  ADD ("/setup/changed-since", test_changed_since);
  ADD ("/setup/codex/merge-restore", test_codex);
  ADD ("/setup/codex/new-file", test_codex_new_file);
  ADD ("/setup/codex/broken", test_codex_broken);
  ADD ("/setup/gemini/merge-restore", test_gemini);
  ADD ("/setup/gemini/partly-absent", test_gemini_partly_absent);
  ADD ("/setup/gemini/env-forms", test_gemini_env_forms);
  ADD ("/setup/opencode", test_opencode);
  ADD ("/setup/droid", test_droid);
  ADD ("/setup/continue", test_continue);
  ADD ("/setup/cline/merge-restore", test_cline);
  ADD ("/setup/cline/new-file", test_cline_new_file);
  ADD ("/setup/cline/refused", test_cline_refused);
  ADD ("/setup/cline/bad-time", test_cline_bad_time);
  ADD ("/setup/json-style/kept", test_json_style_kept);
  ADD ("/setup/json-style/layouts", test_json_style_layouts);
  ADD ("/setup/not-json", test_not_json);
  ADD ("/setup/json-style/bom", test_json_bom);
  ADD ("/setup/damaged-backup", test_damaged_backup);
  ADD ("/setup/damaged-record", test_damaged_record);
  g_test_add_func ("/setup/diff", test_diff);
  g_test_add_func ("/setup/list", test_list);
  return g_test_run ();
}
