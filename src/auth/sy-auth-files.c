/* sy-auth-files.c: CLIProxyAPI auth files, read and written
 *
 * Facts: reference oauth.md §12 (the keys), §4–§11 (each type's file),
 * server.md §7. The file as read stays the base of every rewrite, so
 * whatever else a user or CLIProxyAPI put there is kept.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-auth"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "sy-auth-files.h"
#include "sy-json-guard.h"
#include "sy-login-private.h"
#include "sy-secret.h"

/* Gemini CLI's public client and Google's token endpoint: CLIProxyAPI's
 * gemini files carry them, and renew with them. */
#define GEMINI_CLIENT_ID     "681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com"
#define GEMINI_CLIENT_SECRET "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"
#define GOOGLE_TOKEN_URI     "https://oauth2.googleapis.com/token"
#define OPENAI_AUTH_CLAIM    "https://api.openai.com/auth"

G_DEFINE_QUARK (sy-auth-file-error-quark, sy_auth_file_error)

/* Where CLIProxyAPI reads an expiry and a last refresh from; the first key
 * found wins, a nested "token" object is searched after the top level. */
static const char * const expiry_keys[] = {
  "expired", "expire", "expires_at", "expiresAt", "expiry", "expires", NULL
};
static const char * const refreshed_keys[] = {
  "last_refresh", "lastRefresh", "last_refreshed_at", "lastRefreshedAt", NULL
};

/* Knobs CLIProxyAPI honours that a Switchyard login has no place for: kept
 * in a file rewritten in place, named when an import leaves them behind. */
static const char * const dropped_knobs[] = {
  "proxy_url", "headers", "note", "request_retry", "request-retry", "disable_cooling",
  "disable-cooling", "tool_prefix_disabled", "websockets", "base_url", "user_agent",
  "refresh_interval_seconds", "refreshIntervalSeconds", "refresh_interval", "refreshInterval", NULL
};

typedef enum
{
  T_CLAUDE,
  T_CODEX,
  T_GEMINI,
  T_ANTIGRAVITY,
  T_KIMI,
  T_VERTEX,
  N_TYPES
} FileType;

static const struct
{
  const char *type;
  const char *provider;
} file_types[N_TYPES] = {
  [T_CLAUDE]      = { "claude", "claude" },
  [T_CODEX]       = { "codex", "codex" },
  [T_GEMINI]      = { "gemini", "gemini-cli" },
  [T_ANTIGRAVITY] = { "antigravity", "antigravity" },
  [T_KIMI]        = { "kimi", "kimi" },
  [T_VERTEX]      = { "vertex", "vertex" },
};

static int
type_from_provider (const char *provider)
{
  for (int t = 0; t < N_TYPES; t++)
    if (g_strcmp0 (file_types[t].provider, provider) == 0)
      return t;
  return -1;
}

const char *
sy_auth_file_type_for (const char *provider)
{
  int t = type_from_provider (provider);

  return t < 0 ? NULL : file_types[t].type;
}

static void
wipe_free (char *secret)
{
  sy_secret_free (secret);
}

/* An empty string is no value. */
static const char *
text_member (JsonObject *o,
             const char *name)
{
  const char *value = sy_login_json_string (o, name);

  return value != NULL && *value != '\0' ? value : NULL;
}

static gboolean
has_member (JsonObject *o,
            const char *name)
{
  return o != NULL && json_object_has_member (o, name);
}

/* Times ------------------------------------------------------------------- */

gint64
sy_auth_file_parse_time (JsonNode *node)
{
  double value = 0;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      value = (double) json_node_get_int (node);
      break;
    case G_TYPE_DOUBLE:
      value = json_node_get_double (node);
      break;
    case G_TYPE_STRING:
      {
        g_autofree char *text = g_strstrip (g_strdup (json_node_get_string (node)));
        g_autoptr(GDateTime) time = NULL;
        gint64 us;

        if (*text == '\0')
          return 0;
        if (strspn (text, "0123456789") == strlen (text))
          {
            value = g_ascii_strtod (text, NULL);
            break;
          }
        time = g_date_time_new_from_iso8601 (text, NULL);
        if (time == NULL)
          return 0;
        /* Go's zero time ("0001-01-01T00:00:00Z") means "not known". */
        us = g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
        return us > 0 ? us : 0;
      }
    default:
      return 0;
    }
  /* Milliseconds from 2001 on; seconds below that. */
  if (value <= 0 || value >= 1e15)
    return 0;
  if (value >= 1e12)
    return (gint64) (value * 1000);
  return (gint64) (value * G_USEC_PER_SEC);
}

char *
sy_auth_file_format_time (gint64 time_us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);

  if (time == NULL)
    return NULL;
  if (g_date_time_get_utc_offset (time) == 0)
    return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%S%:z");
}

static JsonNode *
find_time (JsonObject         *file,
           const char * const *keys)
{
  JsonObject *token = sy_login_json_object (file, "token");

  for (guint i = 0; keys[i] != NULL; i++)
    if (has_member (file, keys[i]) && !JSON_NODE_HOLDS_NULL (json_object_get_member (file, keys[i])))
      return json_object_get_member (file, keys[i]);
  for (guint i = 0; token != NULL && keys[i] != NULL; i++)
    if (has_member (token, keys[i]) && !JSON_NODE_HOLDS_NULL (json_object_get_member (token, keys[i])))
      return json_object_get_member (token, keys[i]);
  return NULL;
}

/* Sets @key to @time_us in the format the key already has (a number of
 * seconds or milliseconds, digits, or RFC 3339); RFC 3339 when new. */
static void
put_time (JsonObject *o,
          const char *key,
          gint64      time_us)
{
  JsonNode *node = json_object_get_member (o, key);
  GType type = node && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  gboolean millis;

  if (time_us <= 0)
    return;
  millis = sy_auth_file_parse_time (node) > 0 &&
           (type == G_TYPE_STRING ? g_ascii_strtod (json_node_get_string (node), NULL)
                                  : json_node_get_double (node)) >= 1e12;
  if (type == G_TYPE_INT64 || type == G_TYPE_DOUBLE)
    json_object_set_int_member (o, key, millis ? time_us / 1000 : time_us / G_USEC_PER_SEC);
  else if (type == G_TYPE_STRING && strspn (json_node_get_string (node), "0123456789") == strlen (json_node_get_string (node)) &&
           *json_node_get_string (node) != '\0')
    {
      g_autofree char *digits = g_strdup_printf ("%" G_GINT64_FORMAT, millis ? time_us / 1000 : time_us / G_USEC_PER_SEC);

      json_object_set_string_member (o, key, digits);
    }
  else
    {
      g_autofree char *text = sy_auth_file_format_time (time_us);

      json_object_set_string_member (o, key, text);
    }
}

/* Reading ----------------------------------------------------------------- */

JsonObject *
sy_auth_file_parse (const char  *data,
                    gssize       length,
                    GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (!sy_json_parser_load (parser, data, length, &local_error))
    {
      g_set_error (error, SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_INVALID, "not JSON (%s)", local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_INVALID, "not a JSON object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

/* §12.1: whitespace and slashes trimmed; still holding a '/' means none. */
static char *
clean_prefix (const char *raw)
{
  g_autofree char *copy = g_strdup (raw);
  char *start = g_strstrip (copy);
  char *end;

  while (*start == '/')
    start++;
  end = start + strlen (start);
  while (end > start && end[-1] == '/')
    *--end = '\0';
  g_strstrip (start);
  if (*start == '\0' || strchr (start, '/') != NULL)
    return NULL;
  return g_strdup (start);
}

/* An int, or a numeric string; @fallback otherwise. */
static gint64
int_member (JsonObject *o,
            const char *name,
            gint64      fallback)
{
  JsonNode *node = o ? json_object_get_member (o, name) : NULL;
  gint64 value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
    case G_TYPE_DOUBLE:
      return sy_json_node_to_int64 (node, &value) ? value : fallback;
    case G_TYPE_STRING:
      if (g_ascii_string_to_signed (json_node_get_string (node), 10, G_MININT, G_MAXINT, &value, NULL))
        return value;
      return fallback;
    default:
      return fallback;
    }
}

static gboolean
bool_member (JsonObject *o,
             const char *name,
             gboolean   *value)
{
  JsonNode *node = o ? json_object_get_member (o, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  *value = json_node_get_boolean (node);
  return TRUE;
}

/* excluded_models / excluded-models, one pattern a line; NULL when none. */
static char *
excluded_models (JsonObject *file)
{
  JsonNode *node = json_object_get_member (file, "excluded_models");
  g_autoptr(GString) lines = g_string_new (NULL);

  if (node == NULL)
    node = json_object_get_member (file, "excluded-models");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (node), i);
      g_autofree char *pattern = NULL;

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
        continue;
      pattern = g_strstrip (g_strdup (json_node_get_string (item)));
      if (*pattern == '\0' || strchr (pattern, '\n') != NULL)
        continue;
      if (lines->len > 0)
        g_string_append_c (lines, '\n');
      g_string_append (lines, pattern);
    }
  return lines->len > 0 ? g_string_free (g_steal_pointer (&lines), FALSE) : NULL;
}

static gboolean
unsupported_type (const char  *type,
                  GError     **error)
{
  if (g_str_equal (type, "qwen"))
    g_set_error_literal (error, SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_UNSUPPORTED, sy_login_qwen.unavailable);
  else if (g_str_equal (type, "iflow"))
    g_set_error_literal (error, SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_UNSUPPORTED, sy_login_iflow.unavailable);
  else if (g_str_equal (type, "aistudio"))
    g_set_error_literal (error, SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_UNSUPPORTED,
                         "AI Studio credentials exist only while a browser relay is connected to "
                         "CLIProxyAPI; there is nothing to carry over");
  else
    g_set_error (error, SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_UNSUPPORTED, "unknown type \"%s\"", type);
  return FALSE;
}

SyCredential *
sy_auth_file_to_credential (JsonObject  *file,
                            const char  *name,
                            const char  *identity,
                            GError     **error)
{
  g_autofree char *raw_type = g_strdup (text_member (file, "type"));
  g_autofree char *type = raw_type ? g_ascii_strdown (g_strstrip (raw_type), -1) : NULL;
  JsonObject *token = sy_login_json_object (file, "token");
  JsonObject *service_account = sy_login_json_object (file, "service_account");
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *service_account_text = NULL;
  g_autofree char *own_identity = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *excluded = NULL;
  const char *access = text_member (file, "access_token");
  const char *refresh = text_member (file, "refresh_token");
  const char *id_token = text_member (file, "id_token");
  const char *email = text_member (file, "email");
  const char *project = text_member (file, "project_id");
  const char *account_id = text_member (file, "account_id");
  const char *plan = NULL;
  gint64 expires;
  gint64 refreshed;
  gboolean flag;
  SyCredential *credential;
  int t = -1;

  if (type == NULL)
    {
      g_set_error_literal (error, SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_INVALID,
                           "no \"type\" says which provider it is for");
      return NULL;
    }
  for (int i = 0; i < N_TYPES; i++)
    if (g_str_equal (type, file_types[i].type) || g_str_equal (type, file_types[i].provider))
      t = i;
  if (t < 0)
    {
      unsupported_type (type, error);
      return NULL;
    }

  if (t == T_GEMINI && token != NULL)
    {
      /* The token object is what CLIProxyAPI renews from; the top-level
       * copies only mirror it. */
      access = text_member (token, "access_token") ? text_member (token, "access_token") : access;
      refresh = text_member (token, "refresh_token") ? text_member (token, "refresh_token") : refresh;
      id_token = text_member (token, "id_token") ? text_member (token, "id_token") : id_token;
    }
  if (t == T_VERTEX)
    {
      g_autoptr(JsonNode) node = NULL;

      if (service_account == NULL)
        {
          g_set_error_literal (error, SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_INVALID,
                               "a vertex file without its \"service_account\" key");
          return NULL;
        }
      node = json_node_init_object (json_node_alloc (), service_account);
      service_account_text = json_to_string (node, FALSE);
      access = NULL;
      refresh = service_account_text;
      id_token = NULL;
      email = email ? email : text_member (service_account, "client_email");
      project = project ? project : text_member (service_account, "project_id");
    }
  if (access == NULL && refresh == NULL)
    {
      g_set_error_literal (error, SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_INVALID,
                           "no access or refresh token in it");
      return NULL;
    }
  if (t == T_CODEX && id_token != NULL && (claims = sy_jwt_decode_payload (id_token, NULL)) != NULL)
    {
      JsonObject *auth = sy_login_json_object (claims, OPENAI_AUTH_CLAIM);

      email = email ? email : text_member (claims, "email");
      plan = text_member (auth, "chatgpt_plan_type");
      account_id = account_id ? account_id : text_member (auth, "chatgpt_account_id");
    }

  if (identity == NULL)
    {
      /* What one account is: its e-mail, plus what tells apart several
       * logins of that e-mail (a ChatGPT workspace, a Google project). */
      if (t == T_CODEX && g_strcmp0 (plan, "team") == 0 && account_id != NULL)
        own_identity = g_strdup_printf ("%s/%s", email ? email : "", account_id);
      else if ((t == T_GEMINI || t == T_VERTEX) && project != NULL)
        own_identity = g_strdup_printf ("%s/%s", email ? email : "", project);
      else if (t != T_KIMI && email != NULL)
        own_identity = g_strdup (email);
      else if (name != NULL)
        own_identity = g_strdup (name);
      else
        {
          g_set_error_literal (error, SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_INVALID,
                               "no e-mail says which account it is");
          return NULL;
        }
      identity = own_identity;
    }

  expires = sy_auth_file_parse_time (find_time (file, expiry_keys));
  refreshed = sy_auth_file_parse_time (find_time (file, refreshed_keys));
  if (t == T_ANTIGRAVITY)
    {
      gint64 timestamp = sy_auth_file_parse_time (json_object_get_member (file, "timestamp"));
      gint64 expires_in = int_member (file, "expires_in", 0);

      refreshed = refreshed ? refreshed : timestamp;
      if (expires == 0 && timestamp > 0 && expires_in > 0 &&
          expires_in <= (G_MAXINT64 - timestamp) / G_USEC_PER_SEC)
        expires = timestamp + expires_in * G_USEC_PER_SEC;
    }

  credential = sy_credential_new (file_types[t].provider, email, identity);
  sy_credential_set_tokens (credential, access, refresh, id_token, expires, refreshed);
  if (text_member (file, "label") != NULL)
    sy_credential_set_label (credential, text_member (file, "label"));
  if (text_member (file, "prefix") != NULL && (prefix = clean_prefix (text_member (file, "prefix"))) != NULL)
    sy_credential_set_prefix (credential, prefix);
  sy_credential_set_priority (credential, (int) CLAMP (int_member (file, "priority", 0), G_MININT, G_MAXINT));
  if (bool_member (file, "disabled", &flag) && flag)
    sy_credential_set_enabled (credential, FALSE);
  if (project != NULL && t != T_CLAUDE && t != T_CODEX && t != T_KIMI)
    sy_credential_set_extra (credential, "project_id", project);
  if (t == T_CODEX)
    {
      sy_credential_set_extra (credential, "account_id", account_id);
      sy_credential_set_extra (credential, "plan", plan);
    }
  if (t == T_GEMINI)
    {
      if (bool_member (file, "auto", &flag))
        sy_credential_set_extra (credential, "auto", flag ? "true" : "false");
      if (bool_member (file, "checked", &flag))
        sy_credential_set_extra (credential, "checked", flag ? "true" : "false");
    }
  if (t == T_KIMI)
    {
      sy_credential_set_extra (credential, "device_id", text_member (file, "device_id"));
      sy_credential_set_extra (credential, "scope", text_member (file, "scope"));
    }
  if (t == T_VERTEX)
    sy_credential_set_extra (credential, "location", text_member (file, "location"));
  if ((excluded = excluded_models (file)) != NULL)
    sy_credential_set_extra (credential, "excluded_models", excluded);
  wipe_free (g_steal_pointer (&service_account_text));
  return credential;
}

/* Writing ----------------------------------------------------------------- */

static JsonObject *
copy_object (JsonObject *o)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), o);
  g_autoptr(JsonParser) parser = json_parser_new ();
  char *text = json_to_string (node, FALSE);
  gboolean ok = sy_json_parser_load (parser, text, -1, NULL);

  wipe_free (text);
  g_return_val_if_fail (ok, json_object_new ());
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
put_string (JsonObject *o,
            const char *key,
            const char *value)
{
  if (value != NULL)
    json_object_set_string_member (o, key, value);
}

/* Only where the file has nothing under @key yet. */
static void
put_default (JsonObject *o,
             const char *key,
             const char *value)
{
  if (value != NULL && !json_object_has_member (o, key))
    json_object_set_string_member (o, key, value);
}

static char *
explicit_label (SyCredential *credential)
{
  g_autoptr(JsonObject) meta = credential ? sy_credential_to_json (credential) : NULL;

  return meta ? g_strdup (sy_login_json_string (meta, "label")) : NULL;
}

/* Prefix, priority, disabled, excluded models, label: written where the
 * credential says something else than the file did (@before: the file read
 * back, NULL for a new file). */
static void
put_knobs (JsonObject   *file,
           SyCredential *credential,
           SyCredential *before)
{
  const char *prefix = sy_credential_get_prefix (credential);
  const char *excluded = sy_credential_get_extra (credential, "excluded_models");
  g_autofree char *label = explicit_label (credential);
  g_autofree char *label_before = explicit_label (before);

  if (g_strcmp0 (prefix, before ? sy_credential_get_prefix (before) : NULL) != 0)
    {
      if (prefix != NULL)
        json_object_set_string_member (file, "prefix", prefix);
      else
        json_object_remove_member (file, "prefix");
    }
  if (sy_credential_get_priority (credential) != (before ? sy_credential_get_priority (before) : 0))
    json_object_set_int_member (file, "priority", sy_credential_get_priority (credential));
  if (sy_credential_get_enabled (credential) != (before ? sy_credential_get_enabled (before) : TRUE))
    json_object_set_boolean_member (file, "disabled", !sy_credential_get_enabled (credential));
  if (g_strcmp0 (excluded, before ? sy_credential_get_extra (before, "excluded_models") : NULL) != 0)
    {
      if (json_object_has_member (file, "excluded-models"))
        json_object_remove_member (file, "excluded-models");
      if (excluded != NULL)
        {
          g_auto(GStrv) patterns = g_strsplit (excluded, "\n", -1);
          JsonArray *list = json_array_new ();

          for (guint i = 0; patterns[i] != NULL; i++)
            json_array_add_string_element (list, patterns[i]);
          json_object_set_array_member (file, "excluded_models", list);
        }
      else if (json_object_has_member (file, "excluded_models"))
        json_object_remove_member (file, "excluded_models");
    }
  if (g_strcmp0 (label, label_before) != 0 && label != NULL)
    json_object_set_string_member (file, "label", label);
}

/* Every other accepted key the file already has gets the same time. */
static void
put_time_aliases (JsonObject         *o,
                  const char * const *keys,
                  const char         *canonical,
                  gint64              time_us)
{
  for (guint i = 0; o != NULL && keys[i] != NULL; i++)
    if (g_strcmp0 (keys[i], canonical) != 0 && json_object_has_member (o, keys[i]))
      put_time (o, keys[i], time_us);
}

static void
put_gemini (JsonObject   *file,
            SyCredential *credential)
{
  JsonObject *token = sy_login_json_object (file, "token");
  gint64 expires = sy_credential_get_expires (credential);
  gint64 refreshed = sy_credential_get_last_refresh (credential);

  if (token == NULL)
    {
      token = json_object_new ();
      json_object_set_object_member (file, "token", token);
    }
  put_string (token, "access_token", sy_credential_get_access_token (credential));
  put_default (token, "token_type", "Bearer");
  put_string (token, "refresh_token", sy_credential_get_refresh_token (credential));
  put_string (token, "id_token", json_object_has_member (token, "id_token") ? sy_credential_get_id_token (credential) : NULL);
  put_time (token, "expiry", expires);
  if (expires > 0 && refreshed > 0 && expires > refreshed)
    json_object_set_int_member (token, "expires_in", (expires - refreshed) / G_USEC_PER_SEC);
  put_default (token, "token_uri", GOOGLE_TOKEN_URI);
  put_default (token, "client_id", GEMINI_CLIENT_ID);
  put_default (token, "client_secret", GEMINI_CLIENT_SECRET);
  if (!json_object_has_member (token, "scopes"))
    {
      JsonArray *scopes = json_array_new ();

      json_array_add_string_element (scopes, "https://www.googleapis.com/auth/cloud-platform");
      json_array_add_string_element (scopes, "https://www.googleapis.com/auth/userinfo.email");
      json_array_add_string_element (scopes, "https://www.googleapis.com/auth/userinfo.profile");
      json_object_set_array_member (token, "scopes", scopes);
    }
  put_default (token, "universe_domain", "googleapis.com");
  put_time_aliases (token, expiry_keys, "expiry", expires);

  put_default (file, "project_id", sy_credential_get_extra (credential, "project_id"));
  put_default (file, "email", sy_credential_get_email (credential));
  if (sy_credential_get_extra (credential, "auto") != NULL && !json_object_has_member (file, "auto"))
    json_object_set_boolean_member (file, "auto", g_str_equal (sy_credential_get_extra (credential, "auto"), "true"));
  if (sy_credential_get_extra (credential, "checked") != NULL && !json_object_has_member (file, "checked"))
    json_object_set_boolean_member (file, "checked",
                                    g_str_equal (sy_credential_get_extra (credential, "checked"), "true"));
  json_object_set_string_member (file, "type", "gemini");

  /* CLIProxyAPI mirrors the token at the top level once it used it. */
  if (json_object_has_member (file, "access_token"))
    {
      put_string (file, "access_token", sy_credential_get_access_token (credential));
      put_string (file, "refresh_token", sy_credential_get_refresh_token (credential));
      put_default (file, "token_type", "Bearer");
      put_time (file, "expiry", expires);
    }
}

JsonObject *
sy_auth_file_from_credential (SyCredential  *credential,
                              JsonObject    *original,
                              GError       **error)
{
  int t = type_from_provider (sy_credential_get_provider (credential));
  g_autoptr(JsonObject) file = NULL;
  g_autoptr(SyCredential) before = NULL;
  gint64 expires = sy_credential_get_expires (credential);
  gint64 refreshed = sy_credential_get_last_refresh (credential);
  const char *id_token = sy_credential_get_id_token (credential);

  if (t < 0)
    {
      g_set_error (error, SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_UNSUPPORTED,
                   "CLIProxyAPI has no files for %s logins", sy_credential_get_provider (credential));
      return NULL;
    }
  file = original ? copy_object (original) : json_object_new ();
  if (original != NULL)
    before = sy_auth_file_to_credential (original, NULL, "-", NULL);

  /* Keys in the order CLIProxyAPI writes them (§12.2); keys the file has
   * keep their place. */
  switch (t)
    {
    case T_CLAUDE:
    case T_CODEX:
      if (id_token != NULL || (t == T_CLAUDE && !json_object_has_member (file, "id_token")))
        json_object_set_string_member (file, "id_token", id_token ? id_token : "");
      put_string (file, "access_token", sy_credential_get_access_token (credential));
      put_string (file, "refresh_token", sy_credential_get_refresh_token (credential));
      if (t == T_CODEX)
        put_string (file, "account_id", sy_credential_get_extra (credential, "account_id"));
      put_time (file, "last_refresh", refreshed);
      put_default (file, "email", sy_credential_get_email (credential));
      json_object_set_string_member (file, "type", file_types[t].type);
      put_time (file, "expired", expires);
      break;

    case T_GEMINI:
      put_gemini (file, credential);
      break;

    case T_ANTIGRAVITY:
      json_object_set_string_member (file, "type", "antigravity");
      put_string (file, "access_token", sy_credential_get_access_token (credential));
      put_string (file, "refresh_token", sy_credential_get_refresh_token (credential));
      if (expires > 0 && refreshed > 0 && expires > refreshed)
        json_object_set_int_member (file, "expires_in", (expires - refreshed) / G_USEC_PER_SEC);
      if (refreshed > 0)
        json_object_set_int_member (file, "timestamp", refreshed / 1000);
      put_time (file, "expired", expires);
      put_default (file, "email", sy_credential_get_email (credential));
      put_default (file, "project_id", sy_credential_get_extra (credential, "project_id"));
      break;

    case T_KIMI:
      put_string (file, "access_token", sy_credential_get_access_token (credential));
      put_string (file, "refresh_token", sy_credential_get_refresh_token (credential));
      put_default (file, "token_type", "Bearer");
      put_default (file, "scope", sy_credential_get_extra (credential, "scope"));
      put_default (file, "device_id", sy_credential_get_extra (credential, "device_id"));
      put_time (file, "expired", expires);
      json_object_set_string_member (file, "type", "kimi");
      break;

    case T_VERTEX:
      {
        g_autoptr(GError) local_error = NULL;
        const char *key = sy_credential_get_refresh_token (credential);
        g_autoptr(JsonObject) service_account = key ? sy_auth_file_parse (key, -1, &local_error) : NULL;

        if (service_account == NULL)
          {
            g_set_error (error, SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_INVALID,
                         "%s: the service-account key is missing or unreadable",
                         sy_credential_get_id (credential));
            return NULL;
          }
        json_object_set_object_member (file, "service_account", json_object_ref (service_account));
        put_default (file, "project_id", sy_credential_get_extra (credential, "project_id"));
        put_default (file, "email", sy_credential_get_email (credential));
        put_default (file, "location", sy_credential_get_extra (credential, "location"));
        json_object_set_string_member (file, "type", "vertex");
      }
      break;

    default:
      g_assert_not_reached ();
    }
  if (t != T_GEMINI)
    {
      put_time_aliases (file, expiry_keys, "expired", expires);
      put_time_aliases (file, refreshed_keys, "last_refresh", refreshed);
    }
  else
    put_time_aliases (file, refreshed_keys, NULL, refreshed);
  put_knobs (file, credential, before);
  return g_steal_pointer (&file);
}

char *
sy_auth_file_to_data (JsonObject *file,
                      gsize      *length)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), file);
  char *text;
  char *data;

  json_generator_set_root (generator, node);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  text = json_generator_to_data (generator, NULL);
  data = g_strconcat (text, "\n", NULL);
  wipe_free (text);
  if (length != NULL)
    *length = strlen (data);
  return data;
}

gboolean
sy_auth_file_write (const char  *path,
                    JsonObject  *file,
                    GError     **error)
{
  gsize length = 0;
  char *data = sy_auth_file_to_data (file, &length);
  gboolean ok = g_file_set_contents_full (path, data, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT,
                                          0600, error);

  wipe_free (data);
  return ok;
}

/* What may go in a file name: no separators, nothing a shell trips on. */
static char *
name_part (const char *text)
{
  char *part = g_strdup (text && *text ? text : "unknown");

  for (char *p = part; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("_@.+-", *p) == NULL)
      *p = '_';
  if (part[0] == '.')
    part[0] = '_';
  return part;
}

char *
sy_auth_file_name (SyCredential *credential)
{
  int t = type_from_provider (sy_credential_get_provider (credential));
  g_autofree char *email = name_part (sy_credential_get_email (credential));
  const char *project = sy_credential_get_extra (credential, "project_id");
  const char *plan = sy_credential_get_extra (credential, "plan");
  const char *account_id = sy_credential_get_extra (credential, "account_id");

  switch (t)
    {
    case T_CLAUDE:
      return g_strdup_printf ("claude-%s.json", email);
    case T_CODEX:
      if (g_strcmp0 (plan, "team") == 0 && account_id != NULL)
        {
          g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, account_id, -1);

          return g_strdup_printf ("codex-%.8s-%s-team.json", hash, email);
        }
      if (plan != NULL)
        {
          g_autofree char *part = name_part (plan);

          return g_strdup_printf ("codex-%s-%s.json", email, part);
        }
      return g_strdup_printf ("codex-%s.json", email);
    case T_GEMINI:
      {
        g_autofree char *part = name_part (project == NULL || strchr (project, ',') != NULL ||
                                           g_ascii_strcasecmp (project, "all") == 0 ? "all" : project);

        return g_strdup_printf ("gemini-%s-%s.json", email, part);
      }
    case T_ANTIGRAVITY:
      return g_strdup_printf ("antigravity-%s.json", email);
    case T_KIMI:
      {
        gint64 when = sy_credential_get_last_refresh (credential);

        return g_strdup_printf ("kimi-%" G_GINT64_FORMAT ".json", (when > 0 ? when : g_get_real_time ()) / 1000);
      }
    case T_VERTEX:
      {
        g_autofree char *part = name_part (project);
        g_autofree char *prefix = sy_credential_get_prefix (credential)
                                  ? name_part (sy_credential_get_prefix (credential)) : NULL;

        return prefix ? g_strdup_printf ("vertex-%s-%s.json", prefix, part)
                      : g_strdup_printf ("vertex-%s.json", part);
      }
    default:
      return NULL;
    }
}

/* Import, export ----------------------------------------------------------- */

void
sy_auth_file_result_free (SyAuthFileResult *result)
{
  if (result == NULL)
    return;
  g_free (result->file);
  g_free (result->id);
  g_free (result->skipped);
  g_free (result->dropped);
  g_free (result);
}

static SyAuthFileResult *
result_new (const char *file)
{
  SyAuthFileResult *result = g_new0 (SyAuthFileResult, 1);

  result->file = g_strdup (file);
  return result;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

GPtrArray *
sy_auth_file_list (const char  *dir,
                   GError     **error)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, error);
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (handle == NULL)
    return NULL;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_str_has_suffix (name, ".json") && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_names);
  return g_steal_pointer (&names);
}

typedef struct
{
  char             *dir;
  char             *record_path;
  GPtrArray        *names;      /* the files to go through */
  guint             next;
  GPtrArray        *results;    /* SyAuthFileResult* */
  JsonObject       *record;     /* imported-auth.json */
  SyAuthFileResult *current;    /* the file being stored */
  char             *current_sha;
} ImportData;

static void
import_data_free (gpointer data)
{
  ImportData *d = data;

  g_free (d->dir);
  g_free (d->record_path);
  g_clear_pointer (&d->names, g_ptr_array_unref);
  g_clear_pointer (&d->results, g_ptr_array_unref);
  g_clear_pointer (&d->record, json_object_unref);
  g_free (d->current_sha);
  g_free (d);
}

static JsonArray *
record_files (JsonObject *record)
{
  JsonNode *node = json_object_get_member (record, "files");

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      json_object_set_array_member (record, "files", json_array_new ());
      node = json_object_get_member (record, "files");
    }
  return json_node_get_array (node);
}

/* The login a content was last imported as, or NULL. */
static const char *
record_lookup (JsonObject *record,
               const char *sha)
{
  JsonArray *files = record_files (record);

  for (guint i = json_array_get_length (files); i > 0; i--)
    {
      JsonNode *item = json_array_get_element (files, i - 1);

      if (JSON_NODE_HOLDS_OBJECT (item) &&
          g_strcmp0 (sy_login_json_string (json_node_get_object (item), "sha256"), sha) == 0)
        return sy_login_json_string (json_node_get_object (item), "id");
    }
  return NULL;
}

static char *
knobs_left_behind (JsonObject *file)
{
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; dropped_knobs[i] != NULL; i++)
    if (json_object_has_member (file, dropped_knobs[i]))
      g_string_append_printf (names, "%s%s", names->len ? ", " : "", dropped_knobs[i]);
  return names->len ? g_string_free (g_steal_pointer (&names), FALSE) : NULL;
}

/* The login holds tokens newer than @candidate's: importing would go back. */
static gboolean
is_newer (SyCredential *login,
          SyCredential *candidate)
{
  if (sy_credential_get_last_refresh (login) > 0 && sy_credential_get_last_refresh (candidate) > 0)
    return sy_credential_get_last_refresh (login) > sy_credential_get_last_refresh (candidate);
  if (sy_credential_get_expires (login) > 0 && sy_credential_get_expires (candidate) > 0)
    return sy_credential_get_expires (login) > sy_credential_get_expires (candidate);
  return FALSE;
}

/* The same account signed in another way (a sign-in keys Claude logins
 * by account uuid, which files do not carry): same provider and e-mail,
 * same project and ChatGPT account where there are any. */
static SyCredential *
find_same_account (SyLogins     *logins,
                   SyCredential *candidate)
{
  GPtrArray *all = sy_logins_get_all (logins);

  if (sy_credential_get_email (candidate) == NULL)
    return NULL;
  for (guint i = 0; i < all->len; i++)
    {
      SyCredential *login = g_ptr_array_index (all, i);

      if (g_strcmp0 (sy_credential_get_provider (login), sy_credential_get_provider (candidate)) == 0 &&
          g_strcmp0 (sy_credential_get_email (login), sy_credential_get_email (candidate)) == 0 &&
          g_strcmp0 (sy_credential_get_extra (login, "project_id"), sy_credential_get_extra (candidate, "project_id")) == 0 &&
          g_strcmp0 (sy_credential_get_extra (login, "account_id"), sy_credential_get_extra (candidate, "account_id")) == 0)
        return login;
    }
  return NULL;
}

/* @credential under another id (that of the login it replaces). */
static SyCredential *
with_id (SyCredential *credential,
         const char   *id)
{
  g_autoptr(JsonObject) meta = sy_credential_to_json (credential);
  char *secret = sy_credential_dup_secret (credential);
  SyCredential *copy;

  json_object_set_string_member (meta, "id", id);
  copy = sy_credential_new_from_json (meta, NULL);
  if (copy != NULL)
    sy_credential_set_secret (copy, secret, NULL);
  wipe_free (secret);
  return copy;
}

static void import_next (GTask *task);

static void
on_imported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ImportData *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!sy_logins_add_finish (SY_LOGINS (source), result, &error))
    {
      d->current->skipped = g_strdup_printf ("could not be stored: %s", error->message);
      g_clear_pointer (&d->current->id, g_free);
    }
  else
    {
      JsonObject *entry = json_object_new ();
      g_autofree char *now = sy_auth_file_format_time (g_get_real_time ());
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), d->record);
      g_autofree char *text = NULL;
      g_autofree char *parent = g_path_get_dirname (d->record_path);

      json_object_set_string_member (entry, "file", d->current->file);
      json_object_set_string_member (entry, "sha256", d->current_sha);
      json_object_set_string_member (entry, "id", d->current->id);
      json_object_set_string_member (entry, "imported", now);
      json_array_add_object_element (record_files (d->record), entry);
      text = json_to_string (node, TRUE);
      if (g_mkdir_with_parents (parent, 0700) != 0 ||
          !g_file_set_contents_full (d->record_path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
        g_warning ("%s: could not note what was imported (%s); importing %s again will replace the login",
                   d->record_path, error ? error->message : g_strerror (errno), d->current->file);
    }
  d->current = NULL;
  import_next (task);
}

static void
import_next (GTask *task)
{
  ImportData *d = g_task_get_task_data (task);
  SyLogins *logins = g_task_get_source_object (task);

  while (d->next < d->names->len)
    {
      const char *name = g_ptr_array_index (d->names, d->next++);
      g_autofree char *path = g_build_filename (d->dir, name, NULL);
      SyAuthFileResult *result = result_new (name);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) file = NULL;
      g_autoptr(SyCredential) credential = NULL;
      g_autofree char *sha = NULL;
      char *data = NULL;
      gsize length = 0;
      const char *done_as;
      SyCredential *login;

      g_ptr_array_add (d->results, result);
      if (!g_file_get_contents (path, &data, &length, &error))
        {
          result->skipped = g_strdup_printf ("could not be read: %s", error->message);
          continue;
        }
      sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, length);
      file = sy_auth_file_parse (data, (gssize) length, &error);
      wipe_free (data);
      done_as = record_lookup (d->record, sha);
      if (done_as != NULL && sy_logins_lookup (logins, done_as) != NULL)
        {
          result->already = TRUE;
          result->id = g_strdup (done_as);
          result->skipped = g_strdup_printf ("already imported (as %s)", done_as);
          continue;
        }
      if (file == NULL || (credential = sy_auth_file_to_credential (file, name, NULL, &error)) == NULL)
        {
          result->skipped = g_strdup (error->message);
          continue;
        }
      login = sy_logins_lookup (logins, sy_credential_get_id (credential));
      if (login == NULL && (login = find_same_account (logins, credential)) != NULL)
        {
          SyCredential *renamed = with_id (credential, sy_credential_get_id (login));

          if (renamed != NULL)
            g_set_object (&credential, renamed);
          g_clear_object (&renamed);
        }
      if (login != NULL && is_newer (login, credential))
        {
          result->id = g_strdup (sy_credential_get_id (login));
          result->skipped = g_strdup_printf ("%s is signed in with newer tokens than this file's", result->id);
          continue;
        }
      result->id = g_strdup (sy_credential_get_id (credential));
      result->dropped = knobs_left_behind (file);
      d->current = result;
      g_free (d->current_sha);
      d->current_sha = g_steal_pointer (&sha);
      sy_logins_add_async (logins, credential, g_task_get_cancellable (task), on_imported, g_object_ref (task));
      return;
    }
  g_task_return_pointer (task, g_ptr_array_ref (d->results), (GDestroyNotify) g_ptr_array_unref);
}

void
sy_auth_import_async (SyLogins            *logins,
                      const char          *dir,
                      const char          *record_path,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (logins, cancellable, callback, user_data);
  ImportData *d = g_new0 (ImportData, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_task_set_source_tag (task, sy_auth_import_async);
  g_task_set_task_data (task, d, import_data_free);
  d->dir = g_strdup (dir);
  d->record_path = g_strdup (record_path);
  d->results = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_auth_file_result_free);
  d->names = sy_auth_file_list (dir, &error);
  if (d->names == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_file_get_contents (record_path, &text, NULL, &error))
    {
      d->record = sy_auth_file_parse (text, -1, &error);
      if (d->record == NULL)
        {
          /* Without it, stale files would replace fresher logins. */
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   "%s is not readable (%s); move it away to import anyway",
                                   record_path, error->message);
          return;
        }
    }
  else if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  else
    {
      d->record = json_object_new ();
      json_object_set_int_member (d->record, "version", 1);
    }
  import_next (task);
}

GPtrArray *
sy_auth_import_finish (SyLogins      *logins,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, logins), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

GPtrArray *
sy_auth_export (GPtrArray   *credentials,
                const char  *dir,
                GError     **error)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_auth_file_result_free);
  g_autoptr(GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Could not create %s: %s", dir, g_strerror (saved_errno));
      return NULL;
    }
  for (guint i = 0; i < credentials->len; i++)
    {
      SyCredential *credential = g_ptr_array_index (credentials, i);
      SyAuthFileResult *result = result_new (NULL);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(JsonObject) original = NULL;
      g_autoptr(JsonObject) file = NULL;
      g_autofree char *name = sy_auth_file_name (credential);
      g_autofree char *path = NULL;
      g_autofree char *existing = NULL;

      g_ptr_array_add (results, result);
      result->id = g_strdup (sy_credential_get_id (credential));
      if (name == NULL)
        {
          result->skipped = g_strdup_printf ("CLIProxyAPI has no files for %s logins",
                                             sy_credential_get_provider (credential));
          continue;
        }
      if (sy_credential_get_access_token (credential) == NULL && sy_credential_get_refresh_token (credential) == NULL)
        {
          result->skipped = g_strdup ("no tokens were stored for it (sign in again)");
          continue;
        }
      if (g_hash_table_contains (used, name))
        {
          /* Two logins CLIProxyAPI would name alike (same e-mail). */
          const char *tail = strchr (sy_credential_get_id (credential), ':');
          char *other = g_strdup_printf ("%.*s-%s.json", (int) (strlen (name) - strlen (".json")), name,
                                         tail ? tail + 1 : sy_credential_get_id (credential));

          g_free (name);
          name = other;
        }
      g_hash_table_add (used, g_strdup (name));
      path = g_build_filename (dir, name, NULL);
      if (g_file_get_contents (path, &existing, NULL, NULL))
        {
          original = sy_auth_file_parse (existing, -1, NULL);
          sy_secret_wipe (existing, strlen (existing));
          if (original != NULL &&
              g_ascii_strcasecmp (sy_login_json_string (original, "type") ? sy_login_json_string (original, "type") : "",
                                  sy_auth_file_type_for (sy_credential_get_provider (credential))) != 0)
            g_clear_pointer (&original, json_object_unref);
        }
      file = sy_auth_file_from_credential (credential, original, &local_error);
      if (file == NULL || !sy_auth_file_write (path, file, &local_error))
        {
          result->skipped = g_strdup (local_error->message);
          continue;
        }
      result->file = g_steal_pointer (&name);
    }
  return g_steal_pointer (&results);
}
