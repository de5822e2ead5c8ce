/* sy-diagnostics.c: a .zip to attach to a bug report, secrets masked
 *
 * Masking is done twice over: by what a value is (the config's keys,
 * tokens and passwords, found by their names while walking the config)
 * and by what the log knows (sy_log_mask_secrets(): registered secrets and
 * key shapes). The first list is also applied to every file, so a config
 * secret nobody registered cannot reach the bundle through a log line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-service"

#include "config.h"

#include <string.h>
#include <curl/curl.h>
#include <libsoup/soup.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <yaml.h>
#include <zlib.h>
#ifdef G_OS_UNIX
# include <sys/utsname.h>
#endif

#include "sy-account-state.h"
#include "sy-diagnostics.h"
#include "sy-log.h"
#include "sy-log-file.h"
#include "sy-zip.h"

#define RECENT_LINES  SY_LOG_RECENT_LINES
#define RECENT_ERRORS 100

/* ------------------------------------------------------------ masking */

static gboolean
name_is_secret (const char *name)
{
  static const char * const parts[] = { "key", "secret", "token", "password", "passwd", "dsn",
                                        "credential", "authorization", "cookie", NULL };
  g_autofree char *lower = g_ascii_strdown (name, -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (strstr (lower, parts[i]) != NULL)
      return TRUE;
  return FALSE;
}

static void
collect_secret (GPtrArray  *secrets,
                const char *value)
{
  /* Shorter ones would mask ordinary words all over the files. */
  if (value != NULL && strlen (value) >= 6)
    g_ptr_array_add (secrets, g_strdup (value));
}

/* "scheme://user:password@host/…": the user info goes. */
static char *
mask_url_userinfo (const char *value)
{
  const char *scheme_end = strstr (value, "://");
  const char *at, *slash;

  if (scheme_end == NULL)
    return NULL;
  at = strchr (scheme_end + 3, '@');
  slash = strchr (scheme_end + 3, '/');
  if (at == NULL || (slash != NULL && slash < at))
    return NULL;
  return g_strdup_printf ("%.*s***%s", (int) (scheme_end + 3 - value), value, at);
}

static JsonNode *redact_node (JsonNode *node, gboolean secret, GPtrArray *secrets);

static JsonNode *
redact_object (JsonObject *object,
               gboolean    all_secret,
               GPtrArray  *secrets)
{
  g_autoptr(JsonObject) out = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      /* An object's members are judged by their own names (so base-url
       * stays readable under gemini-api-key), except in a headers map,
       * where any value may be a credential. */
      gboolean headers = g_ascii_strcasecmp (name, "headers") == 0;
      JsonNode *copy;

      if (headers && JSON_NODE_HOLDS_OBJECT (member))
        copy = redact_object (json_node_get_object (member), TRUE, secrets);
      else
        copy = redact_node (member, all_secret || name_is_secret (name), secrets);
      json_object_set_member (out, name, copy);
    }
  return json_node_init_object (json_node_alloc (), out);
}

static JsonNode *
redact_node (JsonNode  *node,
             gboolean   secret,
             GPtrArray *secrets)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return redact_object (json_node_get_object (node), FALSE, secrets);

    case JSON_NODE_ARRAY:
      {
        JsonArray *in = json_node_get_array (node);
        g_autoptr(JsonArray) out = json_array_sized_new (json_array_get_length (in));

        for (guint i = 0; i < json_array_get_length (in); i++)
          json_array_add_element (out, redact_node (json_array_get_element (in, i), secret, secrets));
        return json_node_init_array (json_node_alloc (), out);
      }

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        {
          const char *value = json_node_get_string (node);
          g_autofree char *masked = NULL;

          if (secret)
            {
              collect_secret (secrets, value);
              masked = sy_mask_secret (value);
            }
          else if ((masked = mask_url_userinfo (value)) != NULL)
            collect_secret (secrets, value);
          if (masked != NULL)
            return json_node_init_string (json_node_alloc (), masked);
        }
      return json_node_copy (node);

    case JSON_NODE_NULL:
    default:
      return json_node_copy (node);
    }
}

/* The config's secrets, found by name, also the parsed ones (api-keys,
 * upstream keys and headers) in case the document spells them oddly. */
static GPtrArray *
config_secrets (SyConfig  *config,
                JsonNode **redacted)
{
  GPtrArray *secrets = g_ptr_array_new_with_free_func (g_free);
  JsonNode *node = redact_node (config->root, FALSE, secrets);

  for (guint i = 0; config->api_keys[i] != NULL; i++)
    collect_secret (secrets, config->api_keys[i]);
  for (guint i = 0; i < config->upstreams->len; i++)
    {
      SyUpstreamEntry *entry = g_ptr_array_index (config->upstreams, i);

      collect_secret (secrets, entry->api_key);
      for (guint h = 0; h < entry->n_headers; h++)
        collect_secret (secrets, entry->headers[h].value);
    }
  if (redacted != NULL)
    *redacted = node;
  else
    json_node_unref (node);
  return secrets;
}

/* The log's masking, then the config's own secrets. Takes @text. */
static char *
mask_all (char      *text,
          GPtrArray *secrets)
{
  char *masked = sy_log_mask_secrets (text);
  GString *str = g_string_new (masked);

  g_free (text);
  g_free (masked);
  for (guint i = 0; i < secrets->len; i++)
    {
      const char *secret = g_ptr_array_index (secrets, i);

      if (strstr (str->str, secret) != NULL)
        {
          g_autofree char *m = sy_mask_secret (secret);

          g_string_replace (str, secret, m, 0);
        }
    }
  return g_string_free (str, FALSE);
}

char *
sy_diagnostics_redact_config (SyConfig *config)
{
  JsonNode *redacted = NULL;
  g_autoptr(GPtrArray) secrets = config_secrets (config, &redacted);
  g_autofree char *json = json_to_string (redacted, TRUE);
  GString *out = g_string_new (NULL);

  json_node_unref (redacted);
  g_string_append_printf (out, "# %s, secrets masked. This is JSON, which YAML reads as well.\n",
                          config->path ? config->path : "config (built in)");
  for (guint i = 0; config->warnings[i] != NULL; i++)
    g_string_append_printf (out, "# warning: %s\n", config->warnings[i]);
  g_string_append (out, json);
  g_string_append_c (out, '\n');
  return mask_all (g_string_free (out, FALSE), secrets);
}

/* ------------------------------------------------------------ accounts */

static char *
iso_time (gint64 us)
{
  g_autoptr(GDateTime) dt = us > 0 ? g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC) : NULL;

  return dt ? g_date_time_format_iso8601 (dt) : NULL;
}

static void
add_time (JsonBuilder *b,
          const char  *name,
          gint64       us)
{
  g_autofree char *text = iso_time (us);

  if (text == NULL)
    return;
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, text);
}

static const char *
model_status_name (SyModelStatus status)
{
  switch (status)
    {
    case SY_MODEL_COOLING:  return "cooling";
    case SY_MODEL_DISABLED: return "disabled";
    case SY_MODEL_AVAILABLE:
    default:                return "available";
    }
}

JsonNode *
sy_diagnostics_accounts_json (GListModel *accounts,
                              gint64      now_us)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  guint n = accounts ? g_list_model_get_n_items (accounts) : 0;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "accounts");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyAccountState) state = g_list_model_get_item (accounts, i);
      g_auto(GStrv) models = sy_account_state_list_models (state);
      g_autofree char *last_error = sy_log_mask_secrets (sy_account_state_get_last_error (state));
      double quota = sy_account_state_get_quota (state, NULL);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, sy_account_state_get_id (state));
      json_builder_set_member_name (b, "provider");
      json_builder_add_string_value (b, sy_account_state_get_provider (state));
      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b, sy_account_state_get_label (state));
      if (sy_account_state_get_prefix (state) != NULL)
        {
          json_builder_set_member_name (b, "prefix");
          json_builder_add_string_value (b, sy_account_state_get_prefix (state));
        }
      json_builder_set_member_name (b, "enabled");
      json_builder_add_boolean_value (b, sy_account_state_get_enabled (state));
      json_builder_set_member_name (b, "priority");
      json_builder_add_int_value (b, sy_account_state_get_priority (state));
      json_builder_set_member_name (b, "requests");
      json_builder_add_int_value (b, (gint64) sy_account_state_get_n_requests (state));
      json_builder_set_member_name (b, "errors");
      json_builder_add_int_value (b, (gint64) sy_account_state_get_n_errors (state));
      if (last_error != NULL)
        {
          json_builder_set_member_name (b, "last-error");
          json_builder_add_string_value (b, last_error);
        }
      add_time (b, "last-used", sy_account_state_get_last_used (state));
      add_time (b, "next-recovery", sy_account_state_get_next_recovery (state, now_us));
      if (quota >= 0)
        {
          json_builder_set_member_name (b, "quota");
          json_builder_add_double_value (b, quota);
        }
      json_builder_set_member_name (b, "models");
      json_builder_begin_array (b);
      for (guint m = 0; models != NULL && models[m] != NULL; m++)
        {
          SyModelState ms;

          sy_account_state_get_model (state, models[m], now_us, &ms);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "model");
          json_builder_add_string_value (b, models[m]);
          json_builder_set_member_name (b, "status");
          json_builder_add_string_value (b, model_status_name (ms.status));
          if (ms.status == SY_MODEL_COOLING)
            {
              add_time (b, "until", ms.until_us);
              json_builder_set_member_name (b, "reason");
              json_builder_add_string_value (b, sy_failure_reason_to_string (ms.reason));
              json_builder_set_member_name (b, "backoff-level");
              json_builder_add_int_value (b, ms.backoff_level);
            }
          if (ms.quota >= 0)
            {
              json_builder_set_member_name (b, "quota");
              json_builder_add_double_value (b, ms.quota);
              add_time (b, "quota-reset", ms.quota_reset_us);
            }
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ------------------------------------------------------------ the files */

static char *
versions_text (SyConfig *config)
{
  GString *out = g_string_new (NULL);
  g_autofree char *os = g_get_os_info (G_OS_INFO_KEY_PRETTY_NAME);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *when = g_date_time_format_iso8601 (now);

  g_string_append_printf (out, "Switchyard %s\n", PACKAGE_VERSION);
  g_string_append_printf (out, "Bundle made %s\n\n", when);
  g_string_append_printf (out, "GLib       %u.%u.%u (built with %d.%d.%d)\n",
                          glib_major_version, glib_minor_version, glib_micro_version,
                          GLIB_MAJOR_VERSION, GLIB_MINOR_VERSION, GLIB_MICRO_VERSION);
  g_string_append_printf (out, "libsoup    %u.%u.%u\n", soup_get_major_version (),
                          soup_get_minor_version (), soup_get_micro_version ());
  g_string_append_printf (out, "libcurl    %s\n", curl_version ());
  g_string_append_printf (out, "json-glib  %s (built with)\n", JSON_VERSION_S);
  g_string_append_printf (out, "SQLite     %s\n", sqlite3_libversion ());
  g_string_append_printf (out, "OpenSSL    %s\n", OpenSSL_version (OPENSSL_VERSION));
  g_string_append_printf (out, "libyaml    %s\n", yaml_get_version_string ());
  g_string_append_printf (out, "zlib       %s\n\n", zlibVersion ());
  g_string_append_printf (out, "OS         %s\n", os ? os : "unknown");
#ifdef G_OS_UNIX
  {
    struct utsname u;

    if (uname (&u) == 0)
      g_string_append_printf (out, "uname      %s %s %s %s\n", u.sysname, u.release, u.version, u.machine);
  }
#endif
  g_string_append_printf (out, "\nConfig     %s\n", config->path ? config->path : "(built in)");
  g_string_append_printf (out, "Logging    %s\n", config->logging_to_file ? "to file" : "stderr");
  return g_string_free (out, FALSE);
}

/* The last lines: main.log when the config logs to a file and it has some,
 * else the ones this process logged. NULL-terminated. */
static char **
recent_lines (SyConfig    *config,
              const char **source)
{
  if (config->logging_to_file)
    {
      g_autofree char *dir = sy_log_dir_for_config (config);
      g_autoptr(JsonNode) result = NULL;
      JsonArray *lines;

      sy_log_file_flush ();   /* when this process writes there itself */
      result = sy_log_file_read_dir (dir, 0, RECENT_LINES, NULL);
      lines = result ? json_object_get_array_member (json_node_get_object (result), "lines") : NULL;
      if (lines != NULL && json_array_get_length (lines) > 0)
        {
          GPtrArray *out = g_ptr_array_new ();

          for (guint i = 0; i < json_array_get_length (lines); i++)
            g_ptr_array_add (out, g_strdup (json_array_get_string_element (lines, i)));
          g_ptr_array_add (out, NULL);
          *source = "main.log";
          return (char **) g_ptr_array_free (out, FALSE);
        }
    }
  *source = "this process's log (not logging to a file)";
  return sy_log_dup_recent (RECENT_LINES);
}

static gboolean
is_error_line (const char *line)
{
  return strstr (line, " WARNING ") != NULL || strstr (line, " CRITICAL ") != NULL ||
         strstr (line, " ERROR ") != NULL;
}

static char *
last_errors_text (JsonNode  *accounts,
                  char     **lines)
{
  GString *out = g_string_new ("# The accounts' last errors\n");
  JsonArray *list = NULL;
  guint n_errors = 0, first;
  guint n = g_strv_length (lines);

  if (accounts != NULL && JSON_NODE_HOLDS_OBJECT (accounts))
    {
      JsonNode *node = json_object_get_member (json_node_get_object (accounts), "accounts");

      if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
        list = json_node_get_array (node);
    }
  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonNode *node = json_array_get_element (list, i);
      JsonObject *a;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      a = json_node_get_object (node);
      if (json_object_has_member (a, "last-error"))
        g_string_append_printf (out, "%s (%s): %s\n", json_object_get_string_member_with_default (a, "id", "?"),
                                json_object_get_string_member_with_default (a, "provider", "?"),
                                json_object_get_string_member_with_default (a, "last-error", ""));
    }
  if (accounts == NULL)
    g_string_append (out, "(accounts not read)\n");

  g_string_append_printf (out, "\n# The last warnings and errors logged (at most %u)\n", RECENT_ERRORS);
  for (guint i = 0; i < n; i++)
    n_errors += is_error_line (lines[i]);
  first = n_errors > RECENT_ERRORS ? n_errors - RECENT_ERRORS : 0;
  for (guint i = 0, seen = 0; i < n; i++)
    if (is_error_line (lines[i]) && seen++ >= first)
      g_string_append_printf (out, "%s\n", lines[i]);
  if (n_errors == 0)
    g_string_append (out, "(none)\n");
  return g_string_free (out, FALSE);
}

static char *
accounts_text (JsonNode *accounts)
{
  g_autofree char *json = json_to_string (accounts, TRUE);

  return g_strconcat (json, "\n", NULL);
}

static gboolean
add_text (SyZip      *zip,
          const char *name,
          char       *text,      /* taken */
          GPtrArray  *secrets,
          GError    **error)
{
  g_autofree char *masked = mask_all (text, secrets);

  return sy_zip_add (zip, name, masked, strlen (masked), error);
}

GBytes *
sy_diagnostics_build (SyConfig  *config,
                      JsonNode  *accounts,
                      GError   **error)
{
  g_autoptr(SyZip) zip = NULL;
  g_autoptr(GPtrArray) secrets = NULL;
  g_auto(GStrv) lines = NULL;
  const char *source = NULL;
  GString *recent;

  g_return_val_if_fail (config != NULL, NULL);

  zip = sy_zip_new ();
  secrets = config_secrets (config, NULL);
  lines = recent_lines (config, &source);
  recent = g_string_new (NULL);
  g_string_append_printf (recent, "# From %s, the last %u lines\n", source, g_strv_length (lines));
  for (guint i = 0; lines[i] != NULL; i++)
    g_string_append_printf (recent, "%s\n", lines[i]);
  if (!add_text (zip, "recent.log", g_string_free (recent, FALSE), secrets, error))
    return NULL;
  if (!add_text (zip, "versions.txt", versions_text (config), secrets, error))
    return NULL;
  if (!add_text (zip, "config.yaml", sy_diagnostics_redact_config (config), secrets, error))
    return NULL;
  if (!add_text (zip, "accounts.json",
                 accounts ? accounts_text (accounts) : g_strdup ("{\"accounts\":null}\n"),
                 secrets, error))
    return NULL;
  if (!add_text (zip, "last-errors.txt", last_errors_text (accounts, lines), secrets, error))
    return NULL;
  return sy_zip_finish (zip);
}

gboolean
sy_diagnostics_write (const char  *zip_path,
                      SyConfig    *config,
                      JsonNode    *accounts,
                      GError     **error)
{
  g_autoptr(GBytes) zip = sy_diagnostics_build (config, accounts, error);

  if (zip == NULL)
    return FALSE;
  return g_file_set_contents_full (zip_path, g_bytes_get_data (zip, NULL), (gssize) g_bytes_get_size (zip),
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}
