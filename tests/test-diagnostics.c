/* test-diagnostics.c: the bundle opens with a standard unzip and holds no secret
 *
 * The archives are read by Python's zipfile (and checked by unzip -t when
 * there is one), not by our own code, so "standard tools read it" is what
 * is tested.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "sy-account-state.h"
#include "sy-diagnostics.h"
#include "sy-log.h"
#include "sy-log-file.h"
#include "sy-zip.h"

/* None of these may appear anywhere in a bundle. No provider key shapes
 * (sk-, AIza…): the masking by shape must not be what saves them. */
static const char * const canaries[] = {
  "client-CANARY-a1b2c3d4e5",
  "second-CANARY-f6a7b8c9d0",
  "mgmt-CANARY-e1f2a3b4c5",
  "gemini-CANARY-d6e7f8a9b0",
  "header-CANARY-c1d2e3f4a5",
  "proxypw-CANARY-b6c7d8e9",
  "compat-CANARY-a0b1c2d3e4",
  "amp-CANARY-f5e6d7c8b9a0",
  "pgdsn-CANARY-9f8e7d6c",
  "oauth-token-CANARY-77aa88bb99",
};

static const char config_yaml[] =
  "port: 0\n"
  "api-keys:\n"
  "  - client-CANARY-a1b2c3d4e5\n"
  "  - second-CANARY-f6a7b8c9d0\n"
  "remote-management:\n"
  "  secret-key: mgmt-CANARY-e1f2a3b4c5\n"
  "proxy-url: socks5://user:proxypw-CANARY-b6c7d8e9@127.0.0.1:1080\n"
  "gemini-api-key:\n"
  "  - api-key: gemini-CANARY-d6e7f8a9b0\n"
  "    base-url: http://127.0.0.1:9/gemini\n"
  "    headers:\n"
  "      X-Custom-Auth: header-CANARY-c1d2e3f4a5\n"
  "openai-compatibility:\n"
  "  - name: local\n"
  "    base-url: http://127.0.0.1:9/v1\n"
  "    api-key-entries:\n"
  "      - api-key: compat-CANARY-a0b1c2d3e4\n"
  "ampcode:\n"
  "  upstream-api-key: amp-CANARY-f5e6d7c8b9a0\n"
  "usage:\n"
  "  dsn: postgres://sy:pgdsn-CANARY-9f8e7d6c@127.0.0.1/usage\n";

static void
rm_rf (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        rm_rf (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

/* {"bad": first corrupt entry or null, "files": {name: text}, "methods": {name: 0|8}} */
static JsonNode *
unzip_with_python (const char *zip_path)
{
  const char *script =
    "import sys, zipfile, json\n"
    "z = zipfile.ZipFile(sys.argv[1])\n"
    "print(json.dumps({'bad': z.testzip(),\n"
    "                  'files': {i.filename: z.read(i).decode('utf-8') for i in z.infolist()},\n"
    "                  'methods': {i.filename: i.compress_type for i in z.infolist()}}))\n";
  const char *argv[] = { "python3", "-c", script, zip_path, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("python3 could not read %s: %s", zip_path, err);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

static void
check_with_unzip (const char *zip_path)
{
  g_autofree char *unzip = g_find_program_in_path ("unzip");
  const char *argv[] = { "unzip", "-t", zip_path, NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (unzip == NULL)
    return;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "No errors detected"));
}

static gboolean
have_python (void)
{
  g_autofree char *python = g_find_program_in_path ("python3");

  if (python == NULL)
    g_test_skip ("no python3 to read the archive with");
  return python != NULL;
}

static void
test_zip (void)
{
  g_autoptr(SyZip) zip = sy_zip_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GString) repetitive = g_string_new (NULL);
  g_autofree char *dir = g_dir_make_tmp ("sy-zip-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "t.zip", NULL);
  JsonObject *files, *methods;
  char noise[64];

  if (!have_python ())
    return;
  for (guint i = 0; i < 200; i++)
    g_string_append (repetitive, "the same line again and again\n");
  /* Too short and too random to shrink: stored. */
  for (guint i = 0; i < sizeof noise - 1; i++)
    noise[i] = (char) (' ' + (i * 37 + 11) % 94);
  noise[sizeof noise - 1] = '\0';

  g_assert_true (sy_zip_add (zip, "a.txt", repetitive->str, repetitive->len, &error));
  g_assert_true (sy_zip_add (zip, "dir/b.txt", noise, strlen (noise), &error));
  g_assert_true (sy_zip_add (zip, "empty.txt", "", 0, &error));
  g_assert_true (sy_zip_add (zip, "ünïcode.txt", "ok", 2, &error));
  g_assert_false (sy_zip_add (zip, "../evil.txt", "x", 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (sy_zip_add (zip, "/abs.txt", "x", 1, &error));
  g_clear_error (&error);
  bytes = sy_zip_finish (zip);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL));

  result = unzip_with_python (path);
  g_assert_true (json_object_get_null_member (json_node_get_object (result), "bad"));
  files = json_object_get_object_member (json_node_get_object (result), "files");
  methods = json_object_get_object_member (json_node_get_object (result), "methods");
  g_assert_cmpuint (json_object_get_size (files), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (files, "a.txt"), ==, repetitive->str);
  g_assert_cmpstr (json_object_get_string_member (files, "dir/b.txt"), ==, noise);
  g_assert_cmpstr (json_object_get_string_member (files, "empty.txt"), ==, "");
  g_assert_cmpstr (json_object_get_string_member (files, "ünïcode.txt"), ==, "ok");
  g_assert_cmpint (json_object_get_int_member (methods, "a.txt"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (methods, "dir/b.txt"), ==, 0);
  check_with_unzip (path);

  rm_rf (dir);
}

static JsonNode *
make_accounts (void)
{
  g_autoptr(GListStore) store = g_list_store_new (SY_TYPE_ACCOUNT_STATE);
  g_autoptr(SyAccountState) a = sy_account_state_new ("claude:work", "claude");
  g_autoptr(SyAccountState) b = sy_account_state_new ("codex:home", "codex");
  SyFailure failure = { 429, SY_FAILURE_QUOTA, (gint64) 60 * G_USEC_PER_SEC, FALSE, FALSE };
  gint64 now = g_get_real_time ();

  sy_account_state_set_info (a, "work@example.com", NULL, 0, NULL, -1, FALSE);
  sy_account_state_report_quota (a, NULL, 0.25, now + (gint64) 3600 * G_USEC_PER_SEC, now);
  /* A message that quotes the token (an upstream echoing the header). */
  sy_account_state_mark_failure (a, "claude-sonnet-4", &failure,
                                 "429 for Bearer oauth-token-CANARY-77aa88bb99: slow down", FALSE, now);
  sy_account_state_set_enabled (b, FALSE);
  g_list_store_append (store, a);
  g_list_store_append (store, b);
  return sy_diagnostics_accounts_json (G_LIST_MODEL (store), now);
}

static void
assert_no_canary (const char *name,
                  const char *text)
{
  for (guint i = 0; i < G_N_ELEMENTS (canaries); i++)
    if (strstr (text, canaries[i]) != NULL)
      g_error ("%s holds the secret %s:\n%s", name, canaries[i], text);
  g_assert_null (strstr (text, "CANARY"));
}

static JsonObject *
bundle_files (SyConfig   *config,
              JsonNode   *accounts,
              const char *dir,
              JsonNode  **keep)
{
  g_autofree char *path = g_build_filename (dir, "bundle.zip", NULL);
  g_autoptr(GError) error = NULL;
  GStatBuf st;
  JsonObject *files;

  g_assert_true (sy_diagnostics_write (path, config, accounts, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  *keep = unzip_with_python (path);
  g_assert_true (json_object_get_null_member (json_node_get_object (*keep), "bad"));
  check_with_unzip (path);
  files = json_object_get_object_member (json_node_get_object (*keep), "files");
  return files;
}

static void
test_bundle (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) config = NULL;
  g_autoptr(JsonNode) accounts = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(SyConfig) reread = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sy-diag-XXXXXX", NULL);
  const char *expected[] = { "versions.txt", "config.yaml", "accounts.json", "last-errors.txt", "recent.log" };
  JsonObject *files;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  if (!have_python ())
    return;
  config = sy_config_new_from_data (config_yaml, -1, "config.yaml", &error);
  g_assert_no_error (error);
  /* The login's token is registered, as the token store does. The config's
   * secrets are not: the bundle must mask them on its own. */
  sy_log_add_secret ("oauth-token-CANARY-77aa88bb99");
  g_message ("refreshed, new access token oauth-token-CANARY-77aa88bb99");
  g_message ("client key client-CANARY-a1b2c3d4e5 was used");
  g_message ("upstream with gemini-CANARY-d6e7f8a9b0 said 429");
  accounts = make_accounts ();

  files = bundle_files (config, accounts, dir, &result);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_true (json_object_has_member (files, expected[i]));
  json_object_iter_init (&iter, files);
  while (json_object_iter_next (&iter, &name, &member))
    assert_no_canary (name, json_node_get_string (member));

  /* What is there is still useful. */
  {
    const char *versions = json_object_get_string_member (files, "versions.txt");
    const char *cfg = json_object_get_string_member (files, "config.yaml");
    const char *acc = json_object_get_string_member (files, "accounts.json");
    const char *errors = json_object_get_string_member (files, "last-errors.txt");
    const char *recent = json_object_get_string_member (files, "recent.log");
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonArray *list;
    JsonObject *first;

    g_assert_true (g_str_has_prefix (versions, "Switchyard " PACKAGE_VERSION "\n"));
    g_assert_nonnull (strstr (versions, "GLib "));
    g_assert_nonnull (strstr (versions, "libsoup "));
    g_assert_nonnull (strstr (versions, "libcurl "));
    g_assert_nonnull (strstr (versions, "SQLite "));
    g_assert_nonnull (strstr (versions, "OpenSSL "));

    g_assert_nonnull (strstr (cfg, "http://127.0.0.1:9/gemini"));
    g_assert_nonnull (strstr (cfg, "cli...d4e5"));
    g_assert_nonnull (strstr (cfg, "socks5://***@127.0.0.1:1080"));
    /* Still a config: it loads, with its shape. */
    reread = sy_config_new_from_data (cfg, -1, "redacted.yaml", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (reread->upstreams->len, ==, 2);
    g_assert_cmpstr (reread->api_keys[0], ==, "cli...d4e5");

    json_parser_load_from_data (parser, acc, -1, &error);
    g_assert_no_error (error);
    list = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "accounts");
    g_assert_cmpuint (json_array_get_length (list), ==, 2);
    first = json_array_get_object_element (list, 0);
    g_assert_cmpstr (json_object_get_string_member (first, "id"), ==, "claude:work");
    g_assert_cmpstr (json_object_get_string_member (first, "label"), ==, "work@example.com");
    g_assert_true (json_object_get_boolean_member (first, "enabled"));
    g_assert_cmpint (json_object_get_int_member (first, "errors"), ==, 1);
    g_assert_nonnull (strstr (json_object_get_string_member (first, "last-error"), "oau...bb99"));
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (first, "quota"), 0.25, 1e-9);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                       json_object_get_array_member (first, "models"), 0), "status"), ==, "cooling");
    g_assert_false (json_object_get_boolean_member (json_array_get_object_element (list, 1), "enabled"));

    g_assert_nonnull (strstr (errors, "claude:work (claude): 429 for Bearer oau...bb99: slow down"));
    g_assert_nonnull (strstr (recent, "refreshed, new access token oau...bb99"));
    g_assert_nonnull (strstr (recent, "client key cli...d4e5 was used"));
    g_assert_nonnull (strstr (recent, "# From this process's log"));
  }

  sy_log_clear_secrets ();
  rm_rf (dir);
}

/* With logging-to-file, recent.log is main.log's tail; no accounts read. */
static void
test_bundle_from_main_log (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) config = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sy-diag-XXXXXX", NULL);
  g_autofree char *logs = g_build_filename (dir, "logs", NULL);
  g_autofree char *yaml = NULL;
  JsonObject *files;
  const char *recent;

  if (!have_python ())
    return;
  yaml = g_strdup_printf ("%slogging-to-file: true\nlogs-dir: %s\n", config_yaml, logs);
  config = sy_config_new_from_data (yaml, -1, NULL, &error);
  g_assert_no_error (error);
  sy_log_file_apply_config (config);
  sy_log_add_secret ("oauth-token-CANARY-77aa88bb99");
  for (guint i = 0; i < 600; i++)
    g_message ("file line %u with oauth-token-CANARY-77aa88bb99 and compat-CANARY-a0b1c2d3e4", i);
  sy_log_file_flush ();

  files = bundle_files (config, NULL, dir, &result);
  recent = json_object_get_string_member (files, "recent.log");
  g_assert_true (g_str_has_prefix (recent, "# From main.log, the last 500 lines\n"));
  g_assert_nonnull (strstr (recent, "file line 599 with oau...bb99 and com...d3e4"));
  g_assert_null (strstr (recent, "file line 99 "));
  g_assert_nonnull (strstr (json_object_get_string_member (files, "last-errors.txt"), "(accounts not read)"));
  g_assert_cmpstr (json_object_get_string_member (files, "accounts.json"), ==, "{\"accounts\":null}\n");
  {
    JsonObjectIter iter;
    const char *name;
    JsonNode *member;

    json_object_iter_init (&iter, files);
    while (json_object_iter_next (&iter, &name, &member))
      assert_no_canary (name, json_node_get_string (member));
  }

  sy_log_file_shutdown ();
  sy_log_clear_secrets ();
  rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  sy_log_init (FALSE);
  g_test_add_func ("/diagnostics/zip", test_zip);
  g_test_add_func ("/diagnostics/bundle", test_bundle);
  g_test_add_func ("/diagnostics/bundle-from-main-log", test_bundle_from_main_log);
  return g_test_run ();
}
