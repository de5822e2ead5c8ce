/* test-config.c: config.yaml loading, validation and the file monitor
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-config"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "sy-config.h"
#include "sy-config-monitor.h"
#include "sy-core-error.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */

static char *
data_path (const char *name)
{
  const char *dir = g_getenv ("SY_TEST_DATA");

  if (dir != NULL)
    return g_build_filename (dir, "config", name, NULL);
  if (g_getenv ("G_TEST_SRCDIR") != NULL)
    return g_test_build_filename (G_TEST_DIST, "data", "config", name, NULL);
  else
    {
      g_autofree char *srcdir = g_path_get_dirname (__FILE__);

      return g_build_filename (srcdir, "data", "config", name, NULL);
    }
}

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("sy-test-config-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
rm_rf (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          rm_rf (child);
        }
      g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

/* Writes in place (truncate + write), as a plain editor save does. */
static void
write_in_place (const char *path,
                const char *text)
{
  FILE *fp = g_fopen (path, "wb");

  g_assert_nonnull (fp);
  g_assert_cmpuint (fwrite (text, 1, strlen (text), fp), ==, strlen (text));
  g_assert_cmpint (fclose (fp), ==, 0);
}

static SyConfig *
load_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  SyConfig *cfg = sy_config_new_from_data (text, -1, "t.yaml", &error);

  g_assert_no_error (error);
  g_assert_nonnull (cfg);
  return cfg;
}

static guint
strv_len0 (char **strv)
{
  return strv ? g_strv_length (strv) : 0;
}

static SyUpstreamEntry *
upstream (SyConfig *cfg,
          guint     i)
{
  g_assert_cmpuint (i, <, cfg->upstreams->len);
  return g_ptr_array_index (cfg->upstreams, i);
}

static void
assert_defaults (SyConfig *cfg)
{
  g_assert_cmpstr (cfg->host, ==, "127.0.0.1");
  g_assert_cmpint (cfg->port, ==, SY_DEFAULT_PORT);
  g_assert_nonnull (cfg->api_keys);
  g_assert_cmpuint (strv_len0 (cfg->api_keys), ==, 0);
  g_assert_false (cfg->debug);
  g_assert_cmpint (cfg->request_retry, ==, 0);
  g_assert_cmpint (cfg->max_retry_interval, ==, 0);
  g_assert_cmpint (cfg->max_retry_credentials, ==, 0);
  g_assert_cmpstr (cfg->routing_strategy, ==, "round-robin");
  g_assert_null (cfg->proxy_url);
  g_assert_null (cfg->auth_dir);
  g_assert_true (cfg->usage_statistics_enabled);   /* on by default, unlike CLIProxyAPI */
  g_assert_false (cfg->passthrough_headers);
  g_assert_false (cfg->force_model_prefix);
  g_assert_false (cfg->disable_cooling);
  g_assert_false (cfg->request_log);
  g_assert_false (cfg->logging_to_file);
  g_assert_cmpuint (cfg->max_body_size, ==, SY_DEFAULT_MAX_BODY_SIZE);
  g_assert_cmpuint (cfg->max_body_size, ==, 32 * 1024 * 1024);
  g_assert_cmpint (cfg->upstream_connect_timeout, ==, 30);
  g_assert_cmpint (cfg->upstream_idle_timeout, ==, 600);
  g_assert_cmpint (cfg->streaming_keepalive_seconds, ==, 0);
  g_assert_cmpint (cfg->streaming_bootstrap_retries, ==, 0);
  g_assert_cmpint (cfg->nonstream_keepalive_interval, ==, 0);
  g_assert_nonnull (cfg->upstreams);
  g_assert_cmpuint (cfg->upstreams->len, ==, 0);
  g_assert_nonnull (cfg->root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (cfg->root));
  g_assert_nonnull (cfg->warnings);
  g_assert_cmpint (cfg->error_logs_max_files, ==, 10);
  g_assert_cmpint (cfg->logs_max_total_size_mb, ==, 0);
  g_assert_cmpint (cfg->auth_auto_refresh_workers, ==, 16);
  g_assert_false (cfg->commercial_mode);
  g_assert_false (cfg->ws_auth);
  g_assert_false (cfg->enable_gemini_cli_endpoint);
  g_assert_true (cfg->antigravity_signature_cache_enabled);
  g_assert_false (cfg->antigravity_signature_bypass_strict);
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                   */

static void
test_cpa_example (void)
{
  g_autofree char *path = data_path ("cpa-example.yaml");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) cfg = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *expect_hash = NULL;
  g_autofree char *got_hash = NULL;
  g_autofree char *auth_dir = NULL;
  SyUpstreamEntry *e;
  JsonNode *node;
  gsize len;

  cfg = sy_config_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cfg);

  for (guint i = 0; cfg->warnings[i] != NULL; i++)
    g_test_message ("unexpected warning: %s", cfg->warnings[i]);
  g_assert_cmpuint (strv_len0 (cfg->warnings), ==, 0);

  g_assert_cmpstr (cfg->path, ==, path);
  g_assert_cmpstr (cfg->host, ==, "");
  g_assert_false (sy_host_is_loopback (cfg->host));
  g_assert_cmpint (cfg->port, ==, 8317);

  auth_dir = g_build_filename (g_get_home_dir (), ".cli-proxy-api", NULL);
  g_assert_cmpstr (cfg->auth_dir, ==, auth_dir);

  g_assert_cmpuint (strv_len0 (cfg->api_keys), ==, 3);
  g_assert_cmpstr (cfg->api_keys[0], ==, "your-api-key-1");
  g_assert_cmpstr (cfg->api_keys[1], ==, "your-api-key-2");
  g_assert_cmpstr (cfg->api_keys[2], ==, "your-api-key-3");

  g_assert_false (cfg->debug);
  g_assert_true (cfg->usage_statistics_enabled);
  g_assert_cmpstr (cfg->proxy_url, ==, "socks5://user:pass@192.168.1.1:1080/");
  g_assert_cmpint (cfg->request_retry, ==, 3);
  g_assert_cmpint (cfg->max_retry_interval, ==, 30);
  g_assert_cmpint (cfg->auth_auto_refresh_workers, ==, 8);
  g_assert_cmpstr (cfg->routing_strategy, ==, "fill-first");
  g_assert_cmpint (cfg->streaming_keepalive_seconds, ==, 15);
  g_assert_cmpint (cfg->streaming_bootstrap_retries, ==, 1);
  g_assert_cmpint (cfg->error_logs_max_files, ==, 10);
  g_assert_true (cfg->antigravity_signature_cache_enabled);
  g_assert_cmpuint (cfg->max_body_size, ==, SY_DEFAULT_MAX_BODY_SIZE);

  /* 2 gemini, 1 codex, 2 claude, 2 openai-compat (one per key), 1 vertex */
  g_assert_cmpuint (cfg->upstreams->len, ==, 8);

  e = upstream (cfg, 0);
  g_assert_cmpint (e->kind, ==, SY_UPSTREAM_GEMINI);
  g_assert_cmpstr (e->api_key, ==, "AIzaSy...01");
  g_assert_cmpstr (e->prefix, ==, "test");
  g_assert_cmpstr (e->base_url, ==, "https://generativelanguage.googleapis.com");
  g_assert_cmpstr (e->proxy_url, ==, "socks5://proxy.example.com:1080");
  g_assert_cmpuint (e->n_headers, ==, 1);
  g_assert_cmpstr (e->headers[0].name, ==, "X-Custom-Header");
  g_assert_cmpstr (e->headers[0].value, ==, "custom-value");
  g_assert_cmpuint (e->n_models, ==, 1);
  g_assert_cmpstr (e->models[0].name, ==, "gemini-2.5-flash");
  g_assert_cmpstr (e->models[0].alias, ==, "gemini-flash");
  g_assert_cmpuint (strv_len0 (e->excluded_models), ==, 2);
  g_assert_cmpstr (e->excluded_models[0], ==, "gemini-2.5-pro");
  g_assert_cmpstr (e->excluded_models[1], ==, "*-preview");
  g_assert_cmpuint (e->line, ==, 75);

  e = upstream (cfg, 1);
  g_assert_cmpint (e->kind, ==, SY_UPSTREAM_GEMINI);
  g_assert_cmpstr (e->api_key, ==, "AIzaSy...02");
  g_assert_null (e->base_url);
  g_assert_null (e->prefix);
  g_assert_cmpuint (e->n_models, ==, 0);
  g_assert_nonnull (e->excluded_models);
  g_assert_null (e->excluded_models[0]);

  e = upstream (cfg, 2);
  g_assert_cmpint (e->kind, ==, SY_UPSTREAM_CODEX);
  g_assert_cmpstr (e->prefix, ==, "test");
  g_assert_cmpstr (e->proxy_url, ==, "direct");
  g_assert_cmpstr (e->base_url, ==, "https://www.example.com");

  e = upstream (cfg, 3);
  g_assert_cmpint (e->kind, ==, SY_UPSTREAM_CLAUDE);
  g_assert_cmpstr (e->api_key, ==, "sk-atSM...");
  g_assert_cmpint (e->priority, ==, 0);

  e = upstream (cfg, 4);
  g_assert_cmpint (e->kind, ==, SY_UPSTREAM_CLAUDE);
  g_assert_cmpint (e->priority, ==, 5);
  g_assert_cmpstr (e->models[0].alias, ==, "claude-sonnet-latest");

  e = upstream (cfg, 5);
  g_assert_cmpint (e->kind, ==, SY_UPSTREAM_OPENAI_COMPAT);
  g_assert_cmpstr (e->name, ==, "openrouter");
  g_assert_cmpstr (e->api_key, ==, "sk-or-v1-...b780");
  g_assert_cmpstr (e->proxy_url, ==, "socks5://proxy.example.com:1080");
  g_assert_cmpstr (e->base_url, ==, "https://openrouter.ai/api/v1");
  g_assert_cmpuint (e->n_models, ==, 1);
  g_assert_cmpstr (e->models[0].alias, ==, "kimi-k2");
  e = upstream (cfg, 6);
  g_assert_cmpint (e->kind, ==, SY_UPSTREAM_OPENAI_COMPAT);
  g_assert_cmpstr (e->api_key, ==, "sk-or-v1-...b781");
  g_assert_null (e->proxy_url);
  g_assert_cmpuint (e->n_headers, ==, 1);
  g_assert_cmpuint (e->line, ==, upstream (cfg, 5)->line);

  e = upstream (cfg, 7);
  g_assert_cmpint (e->kind, ==, SY_UPSTREAM_VERTEX);
  g_assert_cmpstr (e->base_url, ==, "https://example.com/api");

  /* Keys honoured later stay in root */
  node = sy_config_lookup (cfg, "quota-exceeded.antigravity-credits");
  g_assert_nonnull (node);
  g_assert_true (json_node_get_boolean (node));
  node = sy_config_lookup (cfg, "payload.default.0.params.generationConfig");
  g_assert_null (node);   /* dotted param names cannot be reached by dotted lookup */
  node = sy_config_lookup (cfg, "oauth-model-alias.antigravity.0.alias");
  g_assert_cmpstr (json_node_get_string (node), ==, "gemini-3-pro-preview");
  node = sy_config_lookup (cfg, "ampcode.model-mappings.1.regex");
  g_assert_true (json_node_get_boolean (node));
  node = sy_config_lookup (cfg, "claude-header-defaults.timeout");
  g_assert_cmpstr (json_node_get_string (node), ==, "600");

  /* sha256 of the bytes */
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  expect_hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  got_hash = g_strdup_printf ("%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x"
                              "%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x",
                              cfg->sha256[0], cfg->sha256[1], cfg->sha256[2], cfg->sha256[3],
                              cfg->sha256[4], cfg->sha256[5], cfg->sha256[6], cfg->sha256[7],
                              cfg->sha256[8], cfg->sha256[9], cfg->sha256[10], cfg->sha256[11],
                              cfg->sha256[12], cfg->sha256[13], cfg->sha256[14], cfg->sha256[15],
                              cfg->sha256[16], cfg->sha256[17], cfg->sha256[18], cfg->sha256[19],
                              cfg->sha256[20], cfg->sha256[21], cfg->sha256[22], cfg->sha256[23],
                              cfg->sha256[24], cfg->sha256[25], cfg->sha256[26], cfg->sha256[27],
                              cfg->sha256[28], cfg->sha256[29], cfg->sha256[30], cfg->sha256[31]);
  g_assert_cmpstr (got_hash, ==, expect_hash);
}

static void
test_defaults (void)
{
  static const char *empty_texts[] = {
    "",
    "# only a comment\n\n   # and another\n",
    "---\n",
    "~\n",
  };
  g_autoptr(SyConfig) cfg = sy_config_new_default ();
  g_autoptr(SyConfig) ref = NULL;
  g_autofree char *json = NULL;

  assert_defaults (cfg);
  g_assert_null (cfg->path);
  g_assert_cmpuint (strv_len0 (cfg->warnings), ==, 0);
  json = json_to_string (cfg->root, FALSE);
  g_assert_cmpstr (json, ==, "{}");
  g_assert_true (sy_host_is_loopback (cfg->host));

  ref = sy_config_ref (cfg);
  g_assert_true (ref == cfg);
  g_assert_cmpint (cfg->ref_count, ==, 2);

  g_assert_true (g_type_is_a (SY_TYPE_CONFIG, G_TYPE_BOXED));

  for (guint i = 0; i < G_N_ELEMENTS (empty_texts); i++)
    {
      g_autoptr(SyConfig) c = load_ok (empty_texts[i]);

      assert_defaults (c);
      g_assert_cmpuint (strv_len0 (c->warnings), ==, 0);
    }
}

static void
test_default_text (void)
{
  g_autoptr(SyConfig) cfg = load_ok (sy_config_default_text ());
  g_autofree char *path = sy_config_default_path ();
  g_autofree char *expect = g_build_filename (g_get_user_config_dir (), "switchyard",
                                              "config.yaml", NULL);

  assert_defaults (cfg);
  for (guint i = 0; cfg->warnings[i] != NULL; i++)
    g_test_message ("unexpected warning: %s", cfg->warnings[i]);
  g_assert_cmpuint (strv_len0 (cfg->warnings), ==, 0);
  g_assert_nonnull (strstr (sy_config_default_text (), "claude-api-key"));
  g_assert_nonnull (strstr (sy_config_default_text (), "gemini-api-key"));
  g_assert_nonnull (strstr (sy_config_default_text (), "codex-api-key"));
  g_assert_nonnull (strstr (sy_config_default_text (), "openai-compatibility"));
  g_assert_cmpstr (path, ==, expect);
}

static void
test_multi_document (void)
{
  g_autoptr(SyConfig) cfg = load_ok ("port: 1234\n---\nport: 99999999\n...\n");

  g_assert_cmpint (cfg->port, ==, 1234);
}

typedef struct
{
  const char *name;
  const char *yaml;
  int         code;
  const char *prefix;
} BadCase;

static const BadCase bad_cases[] = {
  /* syntax */
  { "unclosed-quote", "host: \"127.0.0.1\nport: 8317\n",
    SY_CORE_ERROR_CONFIG_SYNTAX, "bad.yaml:3:1: found unexpected end of stream" },
  { "bad-indentation", "port: 8317\ntls:\n  enable: true\n cert: x\n",
    SY_CORE_ERROR_CONFIG_SYNTAX, "bad.yaml:4:2: did not find expected key" },
  { "tab", "port: 8317\ntls:\n\tenable: true\n",
    SY_CORE_ERROR_CONFIG_SYNTAX, "bad.yaml:3:1: found character that cannot start any token" },
  { "unclosed-bracket", "api-keys: [a, b\nport: 1\n",
    SY_CORE_ERROR_CONFIG_SYNTAX, "bad.yaml:2:5: did not find expected ',' or ']'" },
  { "mapping-in-scalar", "port: 8317\nhost: a: b\n",
    SY_CORE_ERROR_CONFIG_SYNTAX, "bad.yaml:2:8: mapping values are not allowed" },
  { "undefined-alias", "port: *nope\n",
    SY_CORE_ERROR_CONFIG_SYNTAX, "bad.yaml:1:7: found undefined alias" },
  { "control-char", "port: 1\nhost: \"a\x01\"\n",
    SY_CORE_ERROR_CONFIG_SYNTAX, "bad.yaml:2:9: control characters are not allowed" },
  /* found by fuzzing: libyaml puts the end of a text without a final line
   * break on a line after it */
  { "no-final-newline", "request-retry: 3\nmax-re",
    SY_CORE_ERROR_CONFIG_SYNTAX, "bad.yaml:2:7: could not find expected ':'" },
  { "no-final-newline-cr", "request-retry: 3\rmax-re",
    SY_CORE_ERROR_CONFIG_SYNTAX, "bad.yaml:2:7: could not find expected ':'" },
  /* found by fuzzing: so does it an empty value there (the merge key's
   * missing value here); the error is at the end of the last line */
  { "no-final-newline-empty-value", "moL:\n? << ",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:2:6: '<<' must merge a mapping or a list of mappings" },
  { "no-final-newline-empty-value-cr", "moL:\r? << ",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:2:6: '<<' must merge a mapping or a list of mappings" },
  /* shape */
  { "top-level-list", "- a\n- b\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:1: the top level must be a mapping" },
  { "duplicate-key", "port: 1\n\nport: 2\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:3:1: duplicate key 'port' (first defined at line 1)" },
  { "alias-loop", "a: &x [*x]\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:4: nesting is too deep" },
  /* int */
  { "port-string", "port: \"8317\"\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:7: 'port' must be an integer from 0 to 65535" },
  { "port-range", "host: x\n\n\nport: 65536\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:4:7: 'port' must be an integer from 0 to 65535" },
  { "port-negative", "port: -1\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:7: 'port' must be an integer from 0 to 65535" },
  { "port-float", "port: 8317.5\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:7: 'port' must be an integer" },
  { "request-retry-word", "request-retry: three\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:16: 'request-retry' must be an integer" },
  { "nested-int", "streaming:\n  keepalive-seconds: [1]\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:2:22: 'streaming.keepalive-seconds' must be an integer" },
  { "connect-timeout-zero", "upstream-connect-timeout: 0\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:27: 'upstream-connect-timeout' must be a positive integer" },
  { "idle-timeout-negative", "upstream-idle-timeout: -5\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:24: 'upstream-idle-timeout' must be an integer of 0 or more" },
  { "priority-string", "claude-api-key:\n  - api-key: k\n    priority: high\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:3:15: 'priority' must be an integer" },
  /* bool */
  { "debug-string", "debug: \"true\"\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:8: 'debug' must be true or false" },
  { "debug-int", "debug: 1\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:8: 'debug' must be true or false" },
  { "tls-enable", "tls:\n  enable: maybe\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:2:11: 'tls.enable' must be true or false" },
  /* string */
  { "host-list", "host: [a]\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:7: 'host' must be a string" },
  { "proxy-url-map", "proxy-url:\n  a: b\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:2:3: 'proxy-url' must be a string" },
  { "secret-key-map", "remote-management:\n  secret-key: {a: 1}\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:2:15: 'remote-management.secret-key' must be a string" },
  { "base-url-list", "gemini-api-key:\n  - api-key: k\n    base-url: [x]\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:3:15: 'base-url' must be a string" },
  /* list */
  { "api-keys-string", "api-keys: abc\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:11: 'api-keys' must be a list of strings" },
  { "api-keys-nested", "api-keys:\n  - a\n  - [b]\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:3:5: 'api-keys' must be a list of strings" },
  { "claude-keys-map", "claude-api-key:\n  api-key: x\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:2:3: 'claude-api-key' must be a list" },
  { "claude-entry-scalar", "claude-api-key:\n  - x\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:2:5: 'claude-api-key' entries must be mappings" },
  { "compat-list-map", "openai-compatibility: {a: 1}\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:23: 'openai-compatibility' must be a list" },
  { "payload-default-map", "payload:\n  default: {a: 1}\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:2:12: 'payload.default' must be a list" },
  { "excluded-models-string", "vertex-api-key:\n  - api-key: k\n    excluded-models: x\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:3:22: 'excluded-models' must be a list of strings" },
  /* map */
  { "tls-list", "tls: [1]\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:6: 'tls' must be a mapping" },
  { "payload-string", "payload: yes\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:10: 'payload' must be a mapping" },
  { "ampcode-list", "ampcode:\n  - a\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:2:3: 'ampcode' must be a mapping" },
  { "oauth-model-alias-list", "oauth-model-alias: []\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:20: 'oauth-model-alias' must be a mapping" },
  { "oauth-excluded-string", "oauth-excluded-models: x\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:24: 'oauth-excluded-models' must be a mapping" },
  { "claude-header-defaults-list", "claude-header-defaults: [a]\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:25: 'claude-header-defaults' must be a mapping" },
  { "remote-management-string", "remote-management: on\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:20: 'remote-management' must be a mapping" },
  { "headers-list", "claude-api-key:\n  - api-key: k\n    headers: [a]\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:3:14: 'headers' must be a mapping" },
  { "headers-value-list", "claude-api-key:\n  - api-key: k\n    headers:\n      X-A: [a]\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:4:12: 'headers' values must be strings" },
  /* enums and sizes */
  { "bad-strategy", "routing:\n  strategy: random\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:2:13: 'routing.strategy' must be 'round-robin' or 'fill-first'" },
  { "bad-max-body-size-unit", "max-body-size: 32 parsecs\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:16: 'max-body-size' must be a positive size" },
  { "bad-max-body-size-zero", "max-body-size: 0\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:16: 'max-body-size' must be a positive size" },
  { "bad-max-body-size-negative", "max-body-size: -1\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:16: 'max-body-size' must be a positive size" },
  { "bad-max-body-size-list", "max-body-size: [1]\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:16: 'max-body-size' must be a positive size" },
  { "bad-max-body-size-zero-unit", "max-body-size: 0MiB\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:16: 'max-body-size' must be a positive size" },
  { "bad-max-body-size-overflow", "max-body-size: 99999999999999999999GiB\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:1:16: 'max-body-size' must be a positive size" },
  /* models */
  { "model-without-name", "claude-api-key:\n  - api-key: k\n    models:\n      - alias: x\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:4:9: model entry without 'name'" },
  { "compat-model-without-name",
    "openai-compatibility:\n  - name: p\n    base-url: http://x\n    models:\n      - {name: a}\n      - {alias: b}\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:6:9: model entry without 'name'" },
  { "models-string", "codex-api-key:\n  - api-key: k\n    base-url: u\n    models: gpt\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:4:13: 'models' must be a list" },
  { "compat-without-name", "openai-compatibility:\n  - base-url: http://x\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:2:5: 'openai-compatibility' entry without 'name'" },
  { "model-mapping-without-to", "model-mappings:\n  - from: a\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:2:5: 'model-mappings' entry without 'to'" },
  { "model-mapping-bad-regex", "model-mappings:\n  - {from: \"a(\", to: b, regex: true}\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:2:5: 'model-mappings' entry: 'from' is not a valid" },
  { "model-mapping-regex-type", "ampcode:\n  model-mappings:\n    - {from: a, to: b, regex: 2}\n",
    SY_CORE_ERROR_CONFIG_INVALID, "bad.yaml:3:31: 'ampcode.model-mappings.regex' must be true or false" },
};

static void
test_bad_files (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      const BadCase *c = &bad_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(SyConfig) cfg = NULL;

      g_test_message ("case %s", c->name);
      cfg = sy_config_new_from_data (c->yaml, -1, "bad.yaml", &error);
      g_assert_null (cfg);
      g_assert_error (error, SY_CORE_ERROR, c->code);
      if (!g_str_has_prefix (error->message, c->prefix))
        g_error ("case %s: got \"%s\", expected prefix \"%s\"", c->name, error->message, c->prefix);
    }
}

static void
test_alias_bomb (void)
{
  g_autoptr(GString) text = g_string_new ("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) cfg = NULL;

  /* 10^10 values once expanded */
  for (guint i = 1; i < 10; i++)
    {
      g_string_append_printf (text, "l%u: &l%u [", i, i);
      for (guint j = 0; j < 10; j++)
        g_string_append_printf (text, "%s*l%u", j ? ", " : "", i - 1);
      g_string_append (text, "]\n");
    }

  cfg = sy_config_new_from_data (text->str, -1, NULL, &error);
  g_assert_null (cfg);
  g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "<string>:"));
  g_assert_nonnull (strstr (error->message, "too many values"));
}

static void
test_bad_file_on_disk (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "config.yaml", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.yaml", NULL);
  g_autofree char *expect = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) cfg = NULL;

  write_in_place (path, "port: 1\nport: x\n");
  cfg = sy_config_new_from_file (path, &error);
  g_assert_null (cfg);
  g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID);
  expect = g_strdup_printf ("%s:2:1: duplicate key 'port'", path);
  g_assert_true (g_str_has_prefix (error->message, expect));
  g_clear_error (&error);
  g_clear_pointer (&expect, g_free);

  cfg = sy_config_new_from_file (missing, &error);
  g_assert_null (cfg);
  g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO);
  expect = g_strdup_printf ("%s: %s", missing, g_strerror (ENOENT));
  g_assert_cmpstr (error->message, ==, expect);
  g_clear_error (&error);
  g_clear_pointer (&expect, g_free);

  cfg = sy_config_new_from_file (dir, &error);
  g_assert_null (cfg);
  g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO);
  g_assert_true (g_str_has_prefix (error->message, dir));

  rm_rf (dir);
}

static void
test_unknown_keys (void)
{
  static const char text[] =
    "port: 8317\n"                       /* 1 */
    "prot: 1\n"                          /* 2 */
    "tls:\n"                             /* 3 */
    "  enabel: true\n"                   /* 4 */
    "claude-api-key:\n"                  /* 5 */
    "  - api-key: k1\n"                  /* 6 */
    "    base_url: http://x\n"           /* 7 */
    "    models:\n"                      /* 8 */
    "      - name: a\n"                  /* 9 */
    "        aliass: b\n"                /* 10 */
    "openai-compatibility:\n"            /* 11 */
    "  - name: p\n"                      /* 12 */
    "    base-url: http://y\n"           /* 13 */
    "    colour: red\n"                  /* 14 */
    "    api-key-entries:\n"             /* 15 */
    "      - {api-key: k2, weight: 3}\n" /* 16 */
    "something-new: {a: 1}\n";           /* 17 */
  g_autoptr(SyConfig) cfg = load_ok (text);

  g_assert_cmpuint (strv_len0 (cfg->warnings), ==, 7);
  g_assert_cmpstr (cfg->warnings[0], ==, "t.yaml:2:1: unknown key 'prot', did you mean 'port'?");
  g_assert_cmpstr (cfg->warnings[1], ==, "t.yaml:4:3: unknown key 'enabel', did you mean 'enable'?");
  g_assert_cmpstr (cfg->warnings[2], ==, "t.yaml:7:5: unknown key 'base_url', did you mean 'base-url'?");
  g_assert_cmpstr (cfg->warnings[3], ==, "t.yaml:10:9: unknown key 'aliass', did you mean 'alias'?");
  g_assert_cmpstr (cfg->warnings[4], ==, "t.yaml:14:5: unknown key 'colour'");
  g_assert_cmpstr (cfg->warnings[5], ==, "t.yaml:16:23: unknown key 'weight'");
  g_assert_cmpstr (cfg->warnings[6], ==, "t.yaml:17:1: unknown key 'something-new'");

  /* unknown keys are kept in root */
  g_assert_nonnull (sy_config_lookup (cfg, "something-new.a"));
  g_assert_cmpuint (cfg->upstreams->len, ==, 2);
}

/* Where the suggestion stops: a case-only difference, a tie (the first
 * name in the table wins), exactly at the limit and one past it, and a key
 * too long to compare. */
static void
test_unknown_key_suggestions (void)
{
  g_autofree char *long_key = g_strnfill (70, 'd');
  g_autofree char *text = g_strdup_printf ("Debug: true\n"
                                           "hort: 1\n"
                                           "rqust-retyr: 3\n"
                                           "rqst-retyr: 3\n"
                                           "%s: 1\n",
                                           long_key);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) cfg = sy_config_new_from_data (text, -1, "t.yaml", &error);
  g_autofree char *expected = g_strdup_printf ("t.yaml:5:1: unknown key '%s'", long_key);

  g_assert_no_error (error);
  g_assert_cmpuint (strv_len0 (cfg->warnings), ==, 5);
  g_assert_cmpstr (cfg->warnings[0], ==, "t.yaml:1:1: unknown key 'Debug', did you mean 'debug'?");
  g_assert_cmpstr (cfg->warnings[1], ==, "t.yaml:2:1: unknown key 'hort', did you mean 'host'?");
  g_assert_cmpstr (cfg->warnings[2], ==, "t.yaml:3:1: unknown key 'rqust-retyr', did you mean 'request-retry'?");
  g_assert_cmpstr (cfg->warnings[3], ==, "t.yaml:4:1: unknown key 'rqst-retyr'");
  g_assert_cmpstr (cfg->warnings[4], ==, expected);
}

static void
test_scalars_in_root (void)
{
  static const char text[] =
    "x:\n"
    "  n1: null\n"
    "  n2: ~\n"
    "  n3:\n"
    "  b1: true\n"
    "  b2: FALSE\n"
    "  b3: \"true\"\n"
    "  i1: 42\n"
    "  i2: -7\n"
    "  i3: 0x1F\n"
    "  i4: '42'\n"
    "  d1: 1.5\n"
    "  d2: 1e3\n"
    "  s1: hello world\n"
    "  s2: yes\n"
    "  s3: 127.0.0.1\n"
    "  big: 99999999999999999999\n"
    "  list: [1, two, {three: 3}]\n"
    "base: &base {k: 1, m: 2}\n"
    "merged:\n"
    "  <<: *base\n"
    "  m: 3\n";
  g_autoptr(SyConfig) cfg = load_ok (text);
  JsonNode *n;

  g_assert_true (JSON_NODE_HOLDS_NULL (sy_config_lookup (cfg, "x.n1")));
  g_assert_true (JSON_NODE_HOLDS_NULL (sy_config_lookup (cfg, "x.n2")));
  g_assert_true (JSON_NODE_HOLDS_NULL (sy_config_lookup (cfg, "x.n3")));
  n = sy_config_lookup (cfg, "x.b1");
  g_assert_cmpint (json_node_get_value_type (n), ==, G_TYPE_BOOLEAN);
  g_assert_true (json_node_get_boolean (n));
  n = sy_config_lookup (cfg, "x.b2");
  g_assert_cmpint (json_node_get_value_type (n), ==, G_TYPE_BOOLEAN);
  g_assert_false (json_node_get_boolean (n));
  g_assert_cmpstr (json_node_get_string (sy_config_lookup (cfg, "x.b3")), ==, "true");
  n = sy_config_lookup (cfg, "x.i1");
  g_assert_cmpint (json_node_get_value_type (n), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_int (n), ==, 42);
  g_assert_cmpint (json_node_get_int (sy_config_lookup (cfg, "x.i2")), ==, -7);
  g_assert_cmpint (json_node_get_int (sy_config_lookup (cfg, "x.i3")), ==, 31);
  g_assert_cmpstr (json_node_get_string (sy_config_lookup (cfg, "x.i4")), ==, "42");
  n = sy_config_lookup (cfg, "x.d1");
  g_assert_cmpint (json_node_get_value_type (n), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_node_get_double (n), ==, 1.5);
  g_assert_cmpfloat (json_node_get_double (sy_config_lookup (cfg, "x.d2")), ==, 1000.0);
  g_assert_cmpstr (json_node_get_string (sy_config_lookup (cfg, "x.s1")), ==, "hello world");
  g_assert_cmpstr (json_node_get_string (sy_config_lookup (cfg, "x.s2")), ==, "yes");
  g_assert_cmpstr (json_node_get_string (sy_config_lookup (cfg, "x.s3")), ==, "127.0.0.1");
  g_assert_cmpint (json_node_get_value_type (sy_config_lookup (cfg, "x.big")), ==, G_TYPE_DOUBLE);
  g_assert_cmpint (json_node_get_int (sy_config_lookup (cfg, "x.list.0")), ==, 1);
  g_assert_cmpstr (json_node_get_string (sy_config_lookup (cfg, "x.list.1")), ==, "two");
  g_assert_cmpint (json_node_get_int (sy_config_lookup (cfg, "x.list.2.three")), ==, 3);
  g_assert_null (sy_config_lookup (cfg, "x.list.3"));
  g_assert_null (sy_config_lookup (cfg, "x.list.-1"));
  g_assert_null (sy_config_lookup (cfg, "x.nope"));
  g_assert_null (sy_config_lookup (cfg, "x.s1.deeper"));
  g_assert_true (sy_config_lookup (cfg, "") == cfg->root);

  /* merge keys: explicit keys win */
  g_assert_cmpint (json_node_get_int (sy_config_lookup (cfg, "merged.k")), ==, 1);
  g_assert_cmpint (json_node_get_int (sy_config_lookup (cfg, "merged.m")), ==, 3);
  g_assert_null (sy_config_lookup (cfg, "merged.<<"));
}

static void
test_lookup (void)
{
  g_autoptr(SyConfig) cfg = load_ok ("streaming:\n  keepalive-seconds: 15\nport: 9000\n");
  JsonNode *n;

  n = sy_config_lookup (cfg, "streaming.keepalive-seconds");
  g_assert_nonnull (n);
  g_assert_cmpint (json_node_get_int (n), ==, 15);
  g_assert_cmpint (cfg->streaming_keepalive_seconds, ==, 15);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (sy_config_lookup (cfg, "streaming")));
  g_assert_cmpint (json_node_get_int (sy_config_lookup (cfg, "port")), ==, 9000);
  g_assert_null (sy_config_lookup (cfg, "streaming.bootstrap-retries"));
  g_assert_null (sy_config_lookup (cfg, "nothing"));
  g_assert_null (sy_config_lookup (cfg, "port.x"));
}

static void
test_typed_values (void)
{
  static const struct { const char *yaml; guint64 size; } sizes[] = {
    { "max-body-size: 1048576\n", 1048576 },
    { "max-body-size: 32MiB\n", 32 * 1024 * 1024 },
    { "max-body-size: 512KiB\n", 512 * 1024 },
    { "max-body-size: 1GB\n", 1000000000 },
    { "max-body-size: 64MB\n", 64000000 },
    { "max-body-size: \"2 gib\"\n", G_GUINT64_CONSTANT (2147483648) },
    { "max-body-size: '4096'\n", 4096 },
    { "max-body-size: 10b\n", 10 },
    { "max-body-size: 0x100\n", 256 },
    { "max-body-size:\n", SY_DEFAULT_MAX_BODY_SIZE },
  };
  static const struct { const char *yaml; const char *strategy; } strategies[] = {
    { "routing: {strategy: round-robin}\n", "round-robin" },
    { "routing: {strategy: RoundRobin}\n", "round-robin" },
    { "routing: {strategy: rr}\n", "round-robin" },
    { "routing: {strategy: fill-first}\n", "fill-first" },
    { "routing: {strategy: FillFirst}\n", "fill-first" },
    { "routing: {strategy: ff}\n", "fill-first" },
    { "routing: {strategy: \"\"}\n", "round-robin" },
    { "routing:\n", "round-robin" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(SyConfig) cfg = load_ok (sizes[i].yaml);

      g_assert_cmpuint (cfg->max_body_size, ==, sizes[i].size);
    }
  for (guint i = 0; i < G_N_ELEMENTS (strategies); i++)
    {
      g_autoptr(SyConfig) cfg = load_ok (strategies[i].yaml);

      g_assert_cmpstr (cfg->routing_strategy, ==, strategies[i].strategy);
    }

  {
    g_autoptr(SyConfig) cfg = load_ok ("host: \"\"\nport: 0\ndebug: yes\nrequest-log: On\n"
                                       "request-retry: -3\nerror-logs-max-files: -1\n"
                                       "auth-auto-refresh-workers: 0\nproxy-url: \"\"\n"
                                       "upstream-connect-timeout: 5\nupstream-idle-timeout: 0\n"
                                       "antigravity-signature-cache-enabled: false\n"
                                       "ws-auth: true\nauth-dir: /srv/auth\n"
                                       "api-keys: [\" a \", b, a, \"\", ~]\n");

    g_assert_cmpstr (cfg->host, ==, "");
    g_assert_cmpint (cfg->port, ==, 0);
    g_assert_true (cfg->debug);
    g_assert_true (cfg->request_log);
    g_assert_cmpint (cfg->request_retry, ==, 0);
    g_assert_cmpint (cfg->error_logs_max_files, ==, 10);
    g_assert_cmpint (cfg->auth_auto_refresh_workers, ==, 16);
    g_assert_null (cfg->proxy_url);
    g_assert_cmpint (cfg->upstream_connect_timeout, ==, 5);
    g_assert_cmpint (cfg->upstream_idle_timeout, ==, 0);
    g_assert_false (cfg->antigravity_signature_cache_enabled);
    g_assert_true (cfg->ws_auth);
    g_assert_cmpstr (cfg->auth_dir, ==, "/srv/auth");
    g_assert_cmpuint (strv_len0 (cfg->api_keys), ==, 2);
    g_assert_cmpstr (cfg->api_keys[0], ==, "a");
    g_assert_cmpstr (cfg->api_keys[1], ==, "b");
  }
  {
    /* null host: the default, not all interfaces */
    g_autoptr(SyConfig) cfg = load_ok ("host:\nport:\n");

    g_assert_cmpstr (cfg->host, ==, "127.0.0.1");
    g_assert_cmpint (cfg->port, ==, 8317);
  }
  {
    g_autoptr(SyConfig) cfg = load_ok ("auth-dir: \"~\"\n");

    g_assert_cmpstr (cfg->auth_dir, ==, g_get_home_dir ());
  }
}

static void
test_openai_compat (void)
{
  static const char text[] =
    "openai-compatibility:\n"
    "  - name: \"Two-Keys\"\n"                  /* 2 */
    "    priority: 3\n"
    "    prefix: team\n"
    "    base-url: https://a.example/v1/\n"
    "    headers: {X-A: one}\n"
    "    api-key-entries:\n"
    "      - api-key: k-one\n"
    "        proxy-url: socks5://p:1\n"
    "      - api-key: k-two\n"
    "    models:\n"
    "      - {name: m1, alias: pool}\n"
    "      - {name: m2, alias: pool}\n"
    "  - name: KeyLess\n"                       /* 14 */
    "    base-url: http://127.0.0.1:11434/v1\n"
    "  - name: Legacy\n"                        /* 16 */
    "    base-url: http://l\n"
    "    api-keys: [l1, \" l2 \"]\n"
    "  - name: NoUrl\n"                         /* 19 */
    "    api-key-entries: [{api-key: k}]\n";
  g_autoptr(SyConfig) cfg = load_ok (text);
  SyUpstreamEntry *e;

  g_assert_cmpuint (cfg->upstreams->len, ==, 5);

  for (guint i = 0; i < 2; i++)
    {
      e = upstream (cfg, i);
      g_assert_cmpint (e->kind, ==, SY_UPSTREAM_OPENAI_COMPAT);
      g_assert_cmpstr (e->name, ==, "two-keys");
      g_assert_cmpint (e->priority, ==, 3);
      g_assert_cmpstr (e->prefix, ==, "team");
      g_assert_cmpstr (e->base_url, ==, "https://a.example/v1");
      g_assert_cmpuint (e->n_headers, ==, 1);
      g_assert_cmpstr (e->headers[0].value, ==, "one");
      g_assert_cmpuint (e->n_models, ==, 2);
      g_assert_cmpstr (e->models[1].name, ==, "m2");
      g_assert_cmpstr (e->models[1].alias, ==, "pool");
      g_assert_cmpuint (e->line, ==, 2);
    }
  g_assert_cmpstr (upstream (cfg, 0)->api_key, ==, "k-one");
  g_assert_cmpstr (upstream (cfg, 0)->proxy_url, ==, "socks5://p:1");
  g_assert_cmpstr (upstream (cfg, 1)->api_key, ==, "k-two");
  g_assert_null (upstream (cfg, 1)->proxy_url);

  e = upstream (cfg, 2);
  g_assert_cmpstr (e->name, ==, "keyless");
  g_assert_null (e->api_key);
  g_assert_cmpuint (e->line, ==, 14);
  g_assert_cmpuint (e->n_models, ==, 0);

  g_assert_cmpstr (upstream (cfg, 3)->name, ==, "legacy");
  g_assert_cmpstr (upstream (cfg, 3)->api_key, ==, "l1");
  g_assert_cmpstr (upstream (cfg, 4)->api_key, ==, "l2");

  g_assert_cmpuint (strv_len0 (cfg->warnings), ==, 1);
  g_assert_cmpstr (cfg->warnings[0], ==,
                   "t.yaml:19:5: openai-compatibility entry without base-url ignored");
  g_assert_cmpstr (sy_upstream_kind_to_string (e->kind), ==, "openai-compatibility");
}

static void
test_provider_entries (void)
{
  static const char text[] =
    "claude-api-key:\n"
    "  - api-key: c1\n"                          /* 2 */
    "    prefix: /team/\n"
    "  - api-key: c2\n"                          /* 4 */
    "    prefix: a/b\n"                          /* 5 */
    "  - api-key: \"  \"\n"                      /* 6: dropped */
    "  - prefix: x\n"                            /* 7: dropped */
    "  - api-key: c3\n"                          /* 8 */
    "    prefix: \"///\"\n"
    "    base-url: https://c.example///\n"
    "    headers:\n"
    "      X-Keep: v\n"
    "      X-Empty: \"\"\n"
    "      \"\": novalue\n"
    "      X-Null:\n"
    "      X-Trim: \"  t  \"\n"
    "    excluded-models: [Claude-Opus-*, \"*HAIKU*\", claude-opus-*, \"\"]\n"
    "codex-api-key:\n"
    "  - api-key: x1\n"                          /* 19: dropped, no base-url */
    "  - api-key: x2\n"                          /* 20 */
    "    base-url: https://x.example\n"
    "gemini-api-key:\n"
    "  - api-key: g1\n"                          /* 23 */
    "  - api-key: g1\n"                          /* 24: duplicate */
    "  - api-key: g1\n"                          /* 25: other base-url */
    "    base-url: https://g.example\n"
    "generative-language-api-key:\n"
    "  - g1\n"                                   /* 28: duplicate */
    "  - g2\n"                                   /* 29 */
    "vertex-api-key:\n"
    "  - api-key: v1\n"                          /* 31 */
    "    base-url: https://v.example/\n"
    "  - api-key: v1\n"                          /* 33: duplicate after trimming */
    "    base-url: https://v.example\n";
  g_autoptr(SyConfig) cfg = load_ok (text);
  SyUpstreamEntry *e;

  for (guint i = 0; cfg->warnings[i] != NULL; i++)
    g_test_message ("warning: %s", cfg->warnings[i]);

  g_assert_cmpuint (cfg->upstreams->len, ==, 8);

  e = upstream (cfg, 0);
  g_assert_cmpint (e->kind, ==, SY_UPSTREAM_CLAUDE);
  g_assert_cmpstr (e->prefix, ==, "team");
  g_assert_cmpuint (e->line, ==, 2);

  e = upstream (cfg, 1);
  g_assert_cmpstr (e->api_key, ==, "c2");
  g_assert_null (e->prefix);

  e = upstream (cfg, 2);
  g_assert_cmpstr (e->api_key, ==, "c3");
  g_assert_null (e->prefix);
  g_assert_cmpstr (e->base_url, ==, "https://c.example");
  g_assert_cmpuint (e->n_headers, ==, 2);
  g_assert_cmpstr (e->headers[0].name, ==, "X-Keep");
  g_assert_cmpstr (e->headers[0].value, ==, "v");
  g_assert_cmpstr (e->headers[1].name, ==, "X-Trim");
  g_assert_cmpstr (e->headers[1].value, ==, "t");
  g_assert_cmpuint (strv_len0 (e->excluded_models), ==, 2);
  g_assert_cmpstr (e->excluded_models[0], ==, "claude-opus-*");
  g_assert_cmpstr (e->excluded_models[1], ==, "*haiku*");
  g_assert_cmpuint (e->line, ==, 8);

  e = upstream (cfg, 3);
  g_assert_cmpint (e->kind, ==, SY_UPSTREAM_CODEX);
  g_assert_cmpstr (e->api_key, ==, "x2");
  g_assert_cmpuint (e->line, ==, 20);

  g_assert_cmpstr (upstream (cfg, 4)->api_key, ==, "g1");
  g_assert_null (upstream (cfg, 4)->base_url);
  g_assert_cmpstr (upstream (cfg, 5)->base_url, ==, "https://g.example");
  g_assert_cmpint (upstream (cfg, 6)->kind, ==, SY_UPSTREAM_GEMINI);
  g_assert_cmpstr (upstream (cfg, 6)->api_key, ==, "g2");
  g_assert_cmpuint (upstream (cfg, 6)->line, ==, 29);
  g_assert_cmpint (upstream (cfg, 7)->kind, ==, SY_UPSTREAM_VERTEX);

  g_assert_cmpuint (strv_len0 (cfg->warnings), ==, 7);
  g_assert_cmpstr (cfg->warnings[0], ==,
                   "t.yaml:5:13: 'prefix' must be a single path segment without '/', ignored");
  g_assert_cmpstr (cfg->warnings[1], ==, "t.yaml:6:5: claude-api-key entry without api-key ignored");
  g_assert_cmpstr (cfg->warnings[2], ==, "t.yaml:7:5: claude-api-key entry without api-key ignored");
  g_assert_cmpstr (cfg->warnings[3], ==, "t.yaml:19:5: codex-api-key entry without base-url ignored");
  g_assert_true (g_str_has_prefix (cfg->warnings[4], "t.yaml:24:5: duplicate gemini-api-key entry"));
  g_assert_true (g_str_has_prefix (cfg->warnings[5], "t.yaml:28:5: duplicate gemini-api-key entry"));
  g_assert_true (g_str_has_prefix (cfg->warnings[6], "t.yaml:33:5: duplicate vertex-api-key entry"));

  g_assert_cmpstr (sy_upstream_kind_to_string (SY_UPSTREAM_CLAUDE), ==, "claude");
  g_assert_cmpstr (sy_upstream_kind_to_string (SY_UPSTREAM_GEMINI), ==, "gemini");
  g_assert_cmpstr (sy_upstream_kind_to_string (SY_UPSTREAM_CODEX), ==, "codex");
  g_assert_cmpstr (sy_upstream_kind_to_string (SY_UPSTREAM_VERTEX), ==, "vertex");
}

/* client-limits and the request deadlines: defaults, overrides per key. */
static void
test_client_limits (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) defaults = sy_config_new_from_data ("", -1, "d.yaml", &error);
  g_autoptr(SyConfig) cfg = sy_config_new_from_data (
    "api-keys: [a, b, c]\n"
    "request-header-timeout: 5\n"
    "request-body-timeout: 0\n"
    "client-limits:\n"
    "  requests-per-minute: 60\n"
    "  concurrent-requests: 4\n"
    "  keys:\n"
    "    \" b \": {requests-per-minute: 600}\n"
    "    c: {requests-per-minute: 0, concurrent-requests: 0}\n", -1, "c.yaml", &error);
  g_autoptr(SyConfig) bad = NULL;
  int rate = -1, concurrent = -1;

  g_assert_no_error (error);
  g_assert_cmpint (defaults->request_header_timeout, ==, 30);
  g_assert_cmpint (defaults->request_body_timeout, ==, 60);
  sy_config_client_limits (defaults, "a", &rate, &concurrent);
  g_assert_cmpint (rate, ==, 0);
  g_assert_cmpint (concurrent, ==, 0);

  g_assert_cmpint (cfg->request_header_timeout, ==, 5);
  g_assert_cmpint (cfg->request_body_timeout, ==, 0);
  sy_config_client_limits (cfg, "a", &rate, &concurrent);
  g_assert_cmpint (rate, ==, 60);
  g_assert_cmpint (concurrent, ==, 4);
  sy_config_client_limits (cfg, NULL, &rate, &concurrent);
  g_assert_cmpint (rate, ==, 60);
  /* What an override leaves out is the default; 0 is unlimited. */
  sy_config_client_limits (cfg, "b", &rate, &concurrent);
  g_assert_cmpint (rate, ==, 600);
  g_assert_cmpint (concurrent, ==, 4);
  sy_config_client_limits (cfg, "c", &rate, &concurrent);
  g_assert_cmpint (rate, ==, 0);
  g_assert_cmpint (concurrent, ==, 0);

  bad = sy_config_new_from_data ("client-limits:\n  concurrent-requests: many\n", -1, "b.yaml", &error);
  g_assert_null (bad);
  g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "b.yaml:2:24: 'client-limits.concurrent-requests'"));
}

static void
test_secrets_not_in_messages (void)
{
  static const char *texts[] = {
    "claude-api-key:\n  - api-key: SECRET-c1\n    priority: high\n",
    "claude-api-key:\n  - api-key: SECRET-c1\n    bogus: 1\n",
    "claude-api-key:\n  - api-key: SECRET-c1\n    prefix: a/b\n    models: [{alias: x}]\n",
    "codex-api-key:\n  - api-key: SECRET-x1\n",
    "gemini-api-key:\n  - api-key: SECRET-g\n  - api-key: SECRET-g\n",
    "generative-language-api-key: [SECRET-g, SECRET-g]\n",
    "api-keys: [SECRET-a, {SECRET-b: 1}]\n",
    "api-keys: SECRET-a\n",
    "claude-api-key:\n  - api-key: [SECRET-c]\n",
    "openai-compatibility:\n  - name: p\n    api-key-entries: [{api-key: SECRET-o}]\n",
    "openai-compatibility:\n  - api-key-entries: [{api-key: SECRET-o}]\n",
    "openai-compatibility:\n  - name: p\n    base-url: u\n    api-keys: [SECRET-o, [x]]\n",
    "remote-management:\n  secret-key: SECRET-m\n  allow-remote: SECRET-m\n",
    "ampcode:\n  upstream-api-key: SECRET-amp\n  upstream-api-keys: {SECRET-client: SECRET-up}\n  x: 1\n",
    "claude-api-key:\n  - api-key: \"SECRET-unterminated\n",
    "api-keys: [SECRET-a, SECRET-b\n",
    "client-limits:\n  keys:\n    SECRET-k: {requests-per-minute: -1}\n",
    "client-limits:\n  keys:\n    SECRET-k: 5\n",
    "client-limits:\n  keys:\n    SECRET-k: {bogus: 1}\n",
  };
  guint messages = 0;

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SyConfig) cfg = sy_config_new_from_data (texts[i], -1, "s.yaml", &error);

      if (cfg == NULL)
        {
          g_test_message ("error: %s", error->message);
          g_assert_null (strstr (error->message, "SECRET"));
          messages++;
          continue;
        }
      for (guint j = 0; cfg->warnings[j] != NULL; j++)
        {
          g_test_message ("warning: %s", cfg->warnings[j]);
          g_assert_null (strstr (cfg->warnings[j], "SECRET"));
          messages++;
        }
    }
  g_assert_cmpuint (messages, >=, G_N_ELEMENTS (texts));
}

static void
test_host_is_loopback (void)
{
  static const struct { const char *host; gboolean loopback; } cases[] = {
    { "127.0.0.1", TRUE },
    { "127.1.2.3", TRUE },
    { "127.255.255.254", TRUE },
    { "localhost", TRUE },
    { "LocalHost", TRUE },
    { "::1", TRUE },
    { "[::1]", TRUE },
    { "::ffff:127.0.0.1", TRUE },
    { "[::ffff:127.9.0.1]", TRUE },
    { "::ffff:10.0.0.1", FALSE },
    { "", FALSE },
    { "0.0.0.0", FALSE },
    { "::", FALSE },
    { "[::]", FALSE },
    { "128.0.0.1", FALSE },
    { "192.168.1.10", FALSE },
    { "10.0.0.1", FALSE },
    { "example.com", FALSE },
    { "localhost.example.com", FALSE },
    { "127.0.0.1.nip.io", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("host: \"%s\"\n", cases[i].host);
      g_autoptr(SyConfig) cfg = load_ok (text);

      g_test_message ("host '%s'", cases[i].host);
      g_assert_cmpint (sy_host_is_loopback (cfg->host), ==, cases[i].loopback);
    }
}

static void
test_ensure_file (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *sub = g_build_filename (dir, "a", "b", NULL);
  g_autofree char *path = g_build_filename (sub, "config.yaml", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) cfg = NULL;
  gboolean created = FALSE;
  GStatBuf st;

  g_assert_true (sy_config_ensure_file (path, &created, &error));
  g_assert_no_error (error);
  g_assert_true (created);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (sub, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, sy_config_default_text ());
  cfg = sy_config_new_from_file (path, &error);
  g_assert_no_error (error);
  assert_defaults (cfg);
  g_clear_pointer (&contents, g_free);

  /* An existing file is left alone */
  write_in_place (path, "port: 1\n");
  g_assert_true (sy_config_ensure_file (path, &created, &error));
  g_assert_no_error (error);
  g_assert_false (created);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "port: 1\n");

  rm_rf (dir);
}

/* ------------------------------------------------------------------------ */
/* Monitor                                                                   */

typedef struct
{
  char            *dir;
  char            *path;
  SyConfigMonitor *monitor;
  guint            changed;
  guint            failed;
  SyConfig        *last;
  GError          *last_error;
  gint64           written_at;
  gint64           latency_us;
} MonitorFixture;

static void
on_changed (SyConfigMonitor *monitor,
            SyConfig        *cfg,
            MonitorFixture  *f)
{
  f->changed++;
  f->latency_us = g_get_monotonic_time () - f->written_at;
  g_clear_pointer (&f->last, sy_config_unref);
  f->last = sy_config_ref (cfg);
}

static void
on_failed (SyConfigMonitor *monitor,
           const GError    *error,
           MonitorFixture  *f)
{
  f->failed++;
  g_clear_error (&f->last_error);
  f->last_error = g_error_copy (error);
}

static void
monitor_setup (MonitorFixture *f,
               gconstpointer   data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) cfg = NULL;

  f->dir = make_tmp_dir ();
  f->path = g_build_filename (f->dir, "config.yaml", NULL);
  write_in_place (f->path, "port: 1000\n");
  cfg = sy_config_new_from_file (f->path, &error);
  g_assert_no_error (error);

  f->monitor = sy_config_monitor_new (f->path, cfg->sha256, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->monitor);
  sy_config_monitor_set_delay (f->monitor, 50);
  g_signal_connect (f->monitor, "changed", G_CALLBACK (on_changed), f);
  g_signal_connect (f->monitor, "failed", G_CALLBACK (on_failed), f);
}

static void
monitor_teardown (MonitorFixture *f,
                  gconstpointer   data)
{
  g_clear_object (&f->monitor);
  g_clear_pointer (&f->last, sy_config_unref);
  g_clear_error (&f->last_error);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static gboolean
deadline_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Spins the main context until *counter reaches target or timeout_ms passes. */
static void
spin (guint *counter,
      guint  target,
      guint  timeout_ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, deadline_cb, &expired);

  while (!expired && (counter == NULL || *counter < target))
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
}

static void
test_monitor_changed (MonitorFixture *f,
                      gconstpointer   data)
{
  /* let the directory watch settle */
  spin (NULL, 0, 20);
  g_assert_cmpuint (f->changed + f->failed, ==, 0);

  f->written_at = g_get_monotonic_time ();
  write_in_place (f->path, "port: 2000\n");
  spin (&f->changed, 1, 5000);
  g_assert_cmpuint (f->changed, ==, 1);
  g_assert_cmpuint (f->failed, ==, 0);
  g_assert_cmpint (f->last->port, ==, 2000);
  g_assert_cmpstr (f->last->path, ==, f->path);
  g_test_message ("write -> changed: %.1f ms", f->latency_us / 1000.0);

  /* and again, with the delay set to 0 */
  sy_config_monitor_set_delay (f->monitor, 0);
  f->written_at = g_get_monotonic_time ();
  write_in_place (f->path, "port: 2001\n");
  spin (&f->changed, 2, 5000);
  g_assert_cmpuint (f->changed, ==, 2);
  g_assert_cmpint (f->last->port, ==, 2001);
  g_test_message ("write -> changed (no debounce): %.1f ms", f->latency_us / 1000.0);

  /* nothing more arrives */
  spin (NULL, 0, 200);
  g_assert_cmpuint (f->changed, ==, 2);
  g_assert_cmpuint (f->failed, ==, 0);
}

static void
test_monitor_failed (MonitorFixture *f,
                     gconstpointer   data)
{
  spin (NULL, 0, 20);

  write_in_place (f->path, "port: [oops\n");
  spin (&f->failed, 1, 5000);
  g_assert_cmpuint (f->failed, ==, 1);
  g_assert_cmpuint (f->changed, ==, 0);
  g_assert_error (f->last_error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_SYNTAX);
  g_assert_true (g_str_has_prefix (f->last_error->message, f->path));

  /* the same broken content is not reported twice */
  write_in_place (f->path, "port: [oops\n");
  spin (NULL, 0, 300);
  g_assert_cmpuint (f->failed, ==, 1);

  write_in_place (f->path, "port: 70000\n");
  spin (&f->failed, 2, 5000);
  g_assert_cmpuint (f->failed, ==, 2);
  g_assert_error (f->last_error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID);
  g_assert_cmpuint (f->changed, ==, 0);

  /* fixing it brings a snapshot */
  write_in_place (f->path, "port: 3000\n");
  spin (&f->changed, 1, 5000);
  g_assert_cmpuint (f->changed, ==, 1);
  g_assert_cmpint (f->last->port, ==, 3000);
}

static void
test_monitor_identical (MonitorFixture *f,
                        gconstpointer   data)
{
  spin (NULL, 0, 20);

  write_in_place (f->path, "port: 1000\n");
  spin (NULL, 0, 300);
  g_assert_cmpuint (f->changed, ==, 0);
  g_assert_cmpuint (f->failed, ==, 0);

  /* unrelated files in the directory are ignored */
  {
    g_autofree char *other = g_build_filename (f->dir, "other.yaml", NULL);

    write_in_place (other, "port: [broken\n");
    spin (NULL, 0, 300);
    g_assert_cmpuint (f->changed + f->failed, ==, 0);
  }
}

static void
test_monitor_rename (MonitorFixture *f,
                     gconstpointer   data)
{
  g_autofree char *tmp = g_build_filename (f->dir, ".config.yaml.XYZ", NULL);

  spin (NULL, 0, 20);

  write_in_place (tmp, "port: 4000\n");
  f->written_at = g_get_monotonic_time ();
  g_assert_cmpint (g_rename (tmp, f->path), ==, 0);
  spin (&f->changed, 1, 5000);
  g_assert_cmpuint (f->changed, ==, 1);
  g_assert_cmpint (f->last->port, ==, 4000);
  g_test_message ("rename -> changed: %.1f ms", f->latency_us / 1000.0);

  /* g_file_set_contents() also writes a temp file and renames it */
  f->written_at = g_get_monotonic_time ();
  g_assert_true (g_file_set_contents (f->path, "port: 4001\n", -1, NULL));
  spin (&f->changed, 2, 5000);
  g_assert_cmpuint (f->changed, ==, 2);
  g_assert_cmpint (f->last->port, ==, 4001);
  g_assert_cmpuint (f->failed, ==, 0);
}

static void
test_monitor_recreate (MonitorFixture *f,
                       gconstpointer   data)
{
  spin (NULL, 0, 20);

  g_assert_cmpint (g_unlink (f->path), ==, 0);
  spin (NULL, 0, 200);
  g_assert_cmpuint (f->changed, ==, 0);
  g_assert_cmpuint (f->failed, ==, 0);

  /* an empty file (a save half-way through) is not loaded as "all defaults" */
  write_in_place (f->path, "");
  spin (NULL, 0, 200);
  g_assert_cmpuint (f->changed, ==, 0);
  g_assert_cmpuint (f->failed, ==, 0);

  f->written_at = g_get_monotonic_time ();
  write_in_place (f->path, "port: 5000\n");
  spin (&f->changed, 1, 5000);
  g_assert_cmpuint (f->changed, ==, 1);
  g_assert_cmpint (f->last->port, ==, 5000);
  g_assert_cmpuint (f->failed, ==, 0);
  g_test_message ("recreate -> changed: %.1f ms", f->latency_us / 1000.0);
}

static void
test_monitor_no_initial_hash (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "config.yaml", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfigMonitor) monitor = NULL;
  MonitorFixture f = { 0 };

  /* the file need not exist yet */
  monitor = sy_config_monitor_new (path, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (monitor, "changed", G_CALLBACK (on_changed), &f);
  g_signal_connect (monitor, "failed", G_CALLBACK (on_failed), &f);
  spin (NULL, 0, 20);

  write_in_place (path, "port: 6000\n");
  spin (&f.changed, 1, 5000);
  g_assert_cmpuint (f.changed, ==, 1);
  g_assert_cmpint (f.last->port, ==, 6000);

  g_clear_object (&monitor);
  g_clear_pointer (&f.last, sy_config_unref);
  rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/cpa-example", test_cpa_example);
  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/default-text", test_default_text);
  g_test_add_func ("/config/multi-document", test_multi_document);
  g_test_add_func ("/config/bad-files", test_bad_files);
  g_test_add_func ("/config/alias-bomb", test_alias_bomb);
  g_test_add_func ("/config/bad-file-on-disk", test_bad_file_on_disk);
  g_test_add_func ("/config/unknown-keys", test_unknown_keys);
  g_test_add_func ("/config/unknown-key-suggestions", test_unknown_key_suggestions);
  g_test_add_func ("/config/scalars-in-root", test_scalars_in_root);
  g_test_add_func ("/config/lookup", test_lookup);
  g_test_add_func ("/config/typed-values", test_typed_values);
  g_test_add_func ("/config/openai-compat", test_openai_compat);
  g_test_add_func ("/config/provider-entries", test_provider_entries);
  g_test_add_func ("/config/secrets-not-in-messages", test_secrets_not_in_messages);
  g_test_add_func ("/config/client-limits", test_client_limits);
  g_test_add_func ("/config/host-is-loopback", test_host_is_loopback);
  g_test_add_func ("/config/ensure-file", test_ensure_file);

  g_test_add ("/config/monitor/changed", MonitorFixture, NULL,
              monitor_setup, test_monitor_changed, monitor_teardown);
  g_test_add ("/config/monitor/failed", MonitorFixture, NULL,
              monitor_setup, test_monitor_failed, monitor_teardown);
  g_test_add ("/config/monitor/identical", MonitorFixture, NULL,
              monitor_setup, test_monitor_identical, monitor_teardown);
  g_test_add ("/config/monitor/rename", MonitorFixture, NULL,
              monitor_setup, test_monitor_rename, monitor_teardown);
  g_test_add ("/config/monitor/recreate", MonitorFixture, NULL,
              monitor_setup, test_monitor_recreate, monitor_teardown);
  g_test_add_func ("/config/monitor/no-initial-hash", test_monitor_no_initial_hash);

  return g_test_run ();
}
