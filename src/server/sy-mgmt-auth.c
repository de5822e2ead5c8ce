/* sy-mgmt-auth.c: the credential routes: /auth-files, the sign-ins, /api-call
 *
 * CLIProxyAPI's paths, verbs, JSON shapes and error strings (reference
 * management.md §3.5-§3.7, oauth.md §3), over Switchyard's logins: those in
 * the token store (accounts.json names them) and the auth-dir's files. A
 * token-store login has no file; it is listed under the name CLIProxyAPI
 * would give its file, and every route takes that name or the login's id.
 *
 * What differs, and why:
 *   - a listing never holds a token: "id_token" carries only the Codex
 *     claims CLIProxyAPI shows (account id, plan, subscription times);
 *   - /auth-files/download, the one route that hands tokens out (it is the
 *     export a user asks for), answers loopback clients only, even with
 *     allow-remote;
 *   - an upload goes through the importer of `switchyard --import-auth`:
 *     tokens into the token store, never an older file over newer tokens;
 *   - a sign-in listens on the provider's callback port itself (on another
 *     free port when that one is taken), so no forwarder is needed; a
 *     redirect pasted into /oauth-callback is handed to the same listener;
 *   - Qwen and iFlow ended their sign-ins in April 2026: 410;
 *   - /api-call masks known secrets in what the upstream answers, and its
 *     "header" holds the response headers of a fixed list (the HTTP client
 *     does not enumerate them).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-management"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "sy-auth-files.h"
#include "sy-clock.h"
#include "sy-json-guard.h"
#include "sy-log.h"
#include "sy-login-channels.h"
#include "sy-logins.h"
#include "sy-management-private.h"
#include "sy-mgmt-bodies.h"
#include "sy-oauth.h"
#include "sy-quota.h"

/* CLIProxyAPI keeps a web sign-in's session this long. */
#define OAUTH_SESSION_TTL_S      (10 * 60)
/* How long a sign-in waits for the browser (device flows: the code's life). */
#define OAUTH_BROWSER_TIMEOUT_S  (5 * 60)
#define OAUTH_DEVICE_TIMEOUT_S   (15 * 60)
/* /api-call: tokens this close to expiry are renewed first. */
#define API_CALL_REFRESH_US      (5 * 60 * G_USEC_PER_SEC)
#define API_CALL_IDLE_TIMEOUT_S  60
#define API_CALL_MAX_BODY        (32 * 1024 * 1024)

/* ====================================================================== */
/* Logins as files                                                         */

typedef struct
{
  SyCredential *credential;   /* NULL: an auth-dir file that is not a usable login */
  char         *name;         /* the file's name (CLIProxyAPI's, for a token-store login) */
  char         *path;         /* the auth-dir file; NULL for a token-store login */
  char         *skipped;      /* why that file is not a login */
} Login;

static void
login_free (Login *login)
{
  g_clear_object (&login->credential);
  g_free (login->name);
  g_free (login->path);
  g_free (login->skipped);
  g_free (login);
}

static const SyManagementHost *
host_of (SyMgmtRequest *request,
         gpointer      *host)
{
  return sy_management_get_host (request->mgmt, host);
}

static SyAuthDir *
auth_dir_of (SyMgmtRequest *request)
{
  gpointer host = NULL;
  const SyManagementHost *vtable = host_of (request, &host);

  return vtable != NULL && vtable->get_auth_dir != NULL ? vtable->get_auth_dir (host) : NULL;
}

static gint64
now_of (SyMgmtRequest *request)
{
  return sy_clock_now (sy_account_pool_get_clock (sy_registry_get_pool (request->registry)));
}

/* The part of an id after "provider:". */
static const char *
id_tail (const char *id)
{
  const char *colon = strchr (id, ':');

  return colon != NULL ? colon + 1 : id;
}

/* The name a token-store login is listed under: CLIProxyAPI's for its file,
 * except where that would change over time (Kimi's names hold the time of
 * the last renewal) or does not exist (xAI); unique among @used. */
static char *
store_login_name (SyCredential *credential,
                  GHashTable   *used)
{
  const char *provider = sy_credential_get_provider (credential);
  const char *type = sy_auth_file_type_for (provider);
  char *name = NULL;

  if (type != NULL && g_strcmp0 (provider, "kimi") != 0)
    name = sy_auth_file_name (credential);
  if (name == NULL)
    name = g_strdup_printf ("%s-%s.json", type ? type : provider, id_tail (sy_credential_get_id (credential)));
  if (g_hash_table_contains (used, name))
    {
      char *other = g_strdup_printf ("%.*s-%s.json", (int) (strlen (name) - strlen (".json")), name,
                                     id_tail (sy_credential_get_id (credential)));

      g_free (name);
      name = other;
    }
  return name;
}

static int
compare_logins (gconstpointer a,
                gconstpointer b)
{
  const Login *la = *(const Login * const *) a;
  const Login *lb = *(const Login * const *) b;

  return g_ascii_strcasecmp (la->name, lb->name);
}

/* Every login (Login*), by name as CLIProxyAPI sorts its list: the
 * auth-dir's files, usable or not, and the token store's logins. */
static GPtrArray *
collect_logins (SyMgmtRequest *request)
{
  SyLogins *logins = sy_management_get_logins (request->mgmt);
  SyAuthDir *dir = auth_dir_of (request);
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) login_free);
  g_autoptr(GHashTable) used = g_hash_table_new (g_str_hash, g_str_equal);

  if (dir != NULL)
    {
      GPtrArray *credentials = sy_auth_dir_get_all (dir);
      GHashTableIter iter;
      gpointer name, reason;

      for (guint i = 0; i < credentials->len; i++)
        {
          SyCredential *credential = g_ptr_array_index (credentials, i);
          const char *file = sy_auth_dir_get_file (dir, credential);
          Login *login;

          if (file == NULL)
            continue;
          login = g_new0 (Login, 1);
          login->credential = g_object_ref (credential);
          login->name = g_strdup (file);
          login->path = g_build_filename (sy_auth_dir_get_path (dir), file, NULL);
          g_hash_table_add (used, login->name);
          g_ptr_array_add (all, login);
        }
      g_hash_table_iter_init (&iter, sy_auth_dir_get_skipped (dir));
      while (g_hash_table_iter_next (&iter, &name, &reason))
        {
          Login *login = g_new0 (Login, 1);

          login->name = g_strdup (name);
          login->path = g_build_filename (sy_auth_dir_get_path (dir), name, NULL);
          login->skipped = g_strdup (reason);
          g_hash_table_add (used, login->name);
          g_ptr_array_add (all, login);
        }
    }
  if (logins != NULL)
    {
      GPtrArray *credentials = sy_logins_get_all (logins);

      for (guint i = 0; i < credentials->len; i++)
        {
          Login *login = g_new0 (Login, 1);

          login->credential = g_object_ref (g_ptr_array_index (credentials, i));
          login->name = store_login_name (login->credential, used);
          g_hash_table_add (used, login->name);
          g_ptr_array_add (all, login);
        }
    }
  g_ptr_array_sort (all, compare_logins);
  return all;
}

/* By name, or by the login's id. Borrowed from @logins. */
static Login *
find_login (GPtrArray  *logins,
            const char *name)
{
  for (guint i = 0; i < logins->len; i++)
    {
      Login *login = g_ptr_array_index (logins, i);

      if (g_strcmp0 (login->name, name) == 0)
        return login;
    }
  for (guint i = 0; i < logins->len; i++)
    {
      Login *login = g_ptr_array_index (logins, i);

      if (login->credential != NULL && g_strcmp0 (sy_credential_get_id (login->credential), name) == 0)
        return login;
    }
  return NULL;
}

/* CLIProxyAPI refuses names that could leave the directory. */
static gboolean
is_unsafe_name (const char *name)
{
  return name == NULL || *name == '\0' || strpbrk (name, "/\\") != NULL ||
         g_str_equal (name, ".") || g_str_equal (name, "..");
}

static gboolean
ends_with_json (const char *name)
{
  gsize len = strlen (name);

  return len >= 5 && g_ascii_strcasecmp (name + len - 5, ".json") == 0;
}

/* The registry's accounts serving @credential (borrowed SyAccount*). */
static GPtrArray *
accounts_of (SyRegistry   *registry,
             SyCredential *credential)
{
  GPtrArray *accounts = sy_registry_get_accounts (registry);
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; credential != NULL && i < accounts->len; i++)
    {
      SyAccount *account = g_ptr_array_index (accounts, i);

      if (account->credential == credential)
        g_ptr_array_add (found, account);
    }
  return found;
}

/* An auth-dir file as JSON, or NULL. The text held tokens: wiped. */
static JsonObject *
read_auth_file (const char  *path,
                GError     **error)
{
  char *data = NULL;
  gsize length = 0;
  JsonObject *file;

  if (!g_file_get_contents (path, &data, &length, error))
    return NULL;
  file = sy_auth_file_parse (data, (gssize) length, error);
  memset (data, 0, length);
  g_free (data);
  return file;
}

static const char *
string_member (JsonObject *o,
               const char *name)
{
  JsonNode *node = o ? json_object_get_member (o, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* A proxy URL without its password. */
static char *
mask_proxy_url (const char *url)
{
  const char *scheme_end = strstr (url, "://");
  const char *host_start = scheme_end ? scheme_end + 3 : url;
  const char *at = strchr (host_start, '@');
  const char *slash = strchr (host_start, '/');
  const char *colon;

  if (at == NULL || (slash != NULL && slash < at))
    return g_strdup (url);
  colon = memchr (host_start, ':', at - host_start);
  if (colon == NULL)
    return g_strdup (url);
  return g_strdup_printf ("%.*s:***%s", (int) (colon - url), url, at);
}

/* ====================================================================== */
/* GET /auth-files                                                         */

/* The non-secret claims of a Codex id_token CLIProxyAPI lists. */
static JsonObject *
codex_claims (SyCredential *credential)
{
  const char *id_token = sy_credential_get_id_token (credential);
  g_autoptr(JsonObject) claims = NULL;
  JsonObject *auth;
  JsonObject *out;
  static const struct { const char *claim; const char *as; } keys[] = {
    { "chatgpt_account_id", "chatgpt_account_id" },
    { "chatgpt_plan_type", "plan_type" },
    { "chatgpt_subscription_active_start", "chatgpt_subscription_active_start" },
    { "chatgpt_subscription_active_until", "chatgpt_subscription_active_until" },
  };

  if (g_strcmp0 (sy_credential_get_provider (credential), "codex") != 0 || id_token == NULL ||
      (claims = sy_jwt_decode_payload (id_token, NULL)) == NULL)
    return NULL;
  auth = sy_mgmt_object_member (claims, "https://api.openai.com/auth");
  if (auth == NULL)
    return NULL;
  out = json_object_new ();
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      JsonNode *node = json_object_get_member (auth, keys[i].claim);

      if (node != NULL && !JSON_NODE_HOLDS_NULL (node) && JSON_NODE_HOLDS_VALUE (node))
        json_object_set_member (out, keys[i].as, json_node_copy (node));
    }
  if (json_object_get_size (out) == 0)
    g_clear_pointer (&out, json_object_unref);
  return out;
}

static void
file_times (const char *path,
            gint64     *size,
            gint64     *created_us,
            gint64     *modified_us)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                                                 G_FILE_ATTRIBUTE_TIME_MODIFIED ","
                                                 G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC ","
                                                 G_FILE_ATTRIBUTE_TIME_CREATED ","
                                                 G_FILE_ATTRIBUTE_TIME_CREATED_USEC,
                                                 G_FILE_QUERY_INFO_NONE, NULL, NULL);

  *size = 0;
  *created_us = 0;
  *modified_us = 0;
  if (info == NULL)
    return;
  *size = g_file_info_get_size (info);
  if (g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_TIME_MODIFIED))
    *modified_us = (gint64) g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED) * G_USEC_PER_SEC +
                   g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC);
  /* Where the file system does not record creation, the last change is
   * the best there is. */
  if (g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_TIME_CREATED))
    *created_us = (gint64) g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_CREATED) * G_USEC_PER_SEC +
                  g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_TIME_CREATED_USEC);
  else
    *created_us = *modified_us;
}

/* The model cooldowns of @accounts, soonest first: [{model, until, reason}]. */
static JsonArray *
cooldowns_of (GPtrArray *accounts,
              gint64     now,
              gint64    *soonest,
              gboolean  *any)
{
  JsonArray *list = json_array_new ();

  *soonest = 0;
  *any = FALSE;
  for (guint a = 0; a < accounts->len; a++)
    {
      SyAccount *account = g_ptr_array_index (accounts, a);
      g_auto(GStrv) models = sy_account_state_list_models (account->state);

      for (guint m = 0; models != NULL && models[m] != NULL; m++)
        {
          SyModelState ms;
          JsonObject *item;
          g_autofree char *until = NULL;

          sy_account_state_get_model (account->state, models[m], now, &ms);
          if (ms.status != SY_MODEL_COOLING)
            continue;
          item = json_object_new ();
          until = sy_mgmt_format_time (ms.until_us);
          json_object_set_string_member (item, "model", models[m]);
          json_object_set_string_member (item, "until", until);
          json_object_set_string_member (item, "reason", sy_failure_reason_to_string (ms.reason));
          if (accounts->len > 1)
            json_object_set_string_member (item, "account", account->id);
          json_array_add_object_element (list, item);
          *any = TRUE;
          if (*soonest == 0 || ms.until_us < *soonest)
            *soonest = ms.until_us;
        }
    }
  return list;
}

static JsonArray *
quota_of (GPtrArray *accounts)
{
  JsonArray *list = json_array_new ();

  for (guint a = 0; a < accounts->len; a++)
    {
      SyAccount *account = g_ptr_array_index (accounts, a);
      g_autoptr(GPtrArray) windows = sy_account_state_dup_quota_windows (account->state);

      for (guint w = 0; windows != NULL && w < windows->len; w++)
        json_array_add_element (list, sy_quota_window_to_json (g_ptr_array_index (windows, w)));
    }
  return list;
}

/* A knob CLIProxyAPI keeps in the file (note, proxy_url): the file's key for
 * an auth-dir login, the login's extra for a token-store one. */
static const char *
knob_of (Login      *login,
         JsonObject *file,
         const char *name)
{
  if (login->path != NULL)
    return string_member (file, name);
  return login->credential ? sy_credential_get_extra (login->credential, name) : NULL;
}

/* One entry of the list (management.md §3.5), plus Switchyard's "quota",
 * "cooldowns", "prefix", "proxy_url" (password masked) and "last_error". */
static JsonObject *
login_entry (SyMgmtRequest *request,
             Login         *login,
             gint64         now)
{
  SyCredential *c = login->credential;
  g_autoptr(GPtrArray) accounts = accounts_of (request->registry, c);
  g_autoptr(JsonObject) file = NULL;
  JsonObject *entry = json_object_new ();
  JsonObject *claims;
  const char *id = c ? sy_credential_get_id (c) : login->name;
  g_autofree char *auth_index = sy_account_auth_index (id);
  const char *type;
  const char *provider;
  const char *status;
  const char *last_error = NULL;
  const char *note;
  const char *proxy_url;
  g_autofree char *message = NULL;
  gboolean disabled = c != NULL && !sy_credential_get_enabled (c);
  gboolean unavailable = FALSE;
  gboolean cooling = FALSE;
  gint64 next_retry = 0;
  gint64 size = 0;
  gint64 created = 0;
  gint64 modified = 0;
  gint64 last_refresh = c ? sy_credential_get_last_refresh (c) : 0;
  JsonArray *cooldowns = cooldowns_of (accounts, now, &next_retry, &cooling);

  if (login->path != NULL)
    {
      file = read_auth_file (login->path, NULL);
      file_times (login->path, &size, &created, &modified);
    }
  else if (c != NULL)
    {
      gint64 added = 0;

      /* A token-store login: when it came (recorded by these routes), and
       * its last change is its last renewal. */
      if (sy_mgmt_parse_time (sy_credential_get_extra (c, "created_at"), &added))
        created = added;
      modified = MAX (created, last_refresh);
    }

  for (guint a = 0; a < accounts->len; a++)
    {
      SyAccount *account = g_ptr_array_index (accounts, a);

      if (!sy_account_state_get_enabled (account->state))
        disabled = TRUE;
      if (last_error == NULL)
        last_error = sy_account_state_get_last_error (account->state);
    }

  if (c != NULL)
    {
      provider = sy_credential_get_provider (c);
      type = sy_auth_file_type_for (provider) ? sy_auth_file_type_for (provider) : provider;
    }
  else
    {
      type = string_member (file, "type") ? string_member (file, "type") : "unknown";
      provider = type;
    }

  if (c == NULL)
    {
      status = "error";
      message = g_strdup (login->skipped);
      unavailable = TRUE;
    }
  else if (sy_credential_get_status (c) == SY_CREDENTIAL_NEEDS_LOGIN)
    {
      status = "error";
      message = g_strdup (sy_credential_get_status_reason (c) ? sy_credential_get_status_reason (c)
                                                              : "sign in again");
      unavailable = TRUE;
    }
  else if (disabled)
    {
      status = "disabled";
      message = g_strdup ("disabled");
    }
  else if (cooling)
    {
      status = "cooling";
      message = g_strdup (last_error ? last_error : "");
      unavailable = TRUE;
    }
  else
    {
      status = "active";
      message = g_strdup ("");
    }
  {
    g_autofree char *masked = sy_log_mask_secrets (message);

    g_free (message);
    message = g_steal_pointer (&masked);
  }

  json_object_set_string_member (entry, "id", id);
  json_object_set_string_member (entry, "auth_index", auth_index);
  json_object_set_string_member (entry, "name", login->name);
  json_object_set_string_member (entry, "type", type);
  json_object_set_string_member (entry, "provider", provider);
  json_object_set_string_member (entry, "label", c ? sy_credential_get_label (c) : login->name);
  json_object_set_string_member (entry, "status", status);
  json_object_set_string_member (entry, "status_message", message);
  json_object_set_boolean_member (entry, "disabled", disabled);
  json_object_set_boolean_member (entry, "unavailable", unavailable);
  json_object_set_boolean_member (entry, "runtime_only", FALSE);
  json_object_set_string_member (entry, "source", login->path ? "file" : "store");
  json_object_set_int_member (entry, "size", size);
  if (c != NULL && sy_credential_get_email (c) != NULL)
    json_object_set_string_member (entry, "email", sy_credential_get_email (c));
  if (c != NULL)
    {
      json_object_set_string_member (entry, "account_type",
                                     g_strcmp0 (provider, "vertex") == 0 ? "service_account" : "oauth");
      json_object_set_string_member (entry, "account", sy_credential_get_email (c) ? sy_credential_get_email (c)
                                                                                  : sy_credential_get_label (c));
    }
  sy_mgmt_set_time (entry, "created_at", created);
  sy_mgmt_set_time (entry, "modtime", modified);
  sy_mgmt_set_time (entry, "updated_at", modified);
  sy_mgmt_set_time (entry, "last_refresh", last_refresh);
  if (cooling)
    sy_mgmt_set_time (entry, "next_retry_after", next_retry);
  if (login->path != NULL)
    json_object_set_string_member (entry, "path", login->path);
  if (c != NULL && (claims = codex_claims (c)) != NULL)
    json_object_set_object_member (entry, "id_token", claims);
  json_object_set_int_member (entry, "priority", c ? sy_credential_get_priority (c) : 0);
  if ((note = knob_of (login, file, "note")) != NULL && *note != '\0')
    json_object_set_string_member (entry, "note", note);

  /* Switchyard's own. */
  if (c != NULL && sy_credential_get_prefix (c) != NULL)
    json_object_set_string_member (entry, "prefix", sy_credential_get_prefix (c));
  if ((proxy_url = knob_of (login, file, "proxy_url")) != NULL && *proxy_url != '\0')
    {
      g_autofree char *masked = mask_proxy_url (proxy_url);

      json_object_set_string_member (entry, "proxy_url", masked);
    }
  if (last_error != NULL)
    {
      g_autofree char *masked = sy_log_mask_secrets (last_error);

      json_object_set_string_member (entry, "last_error", masked);
    }
  json_object_set_array_member (entry, "quota", quota_of (accounts));
  json_object_set_array_member (entry, "cooldowns", cooldowns);
  return entry;
}

static void
handle_list (SyMgmtRequest *request)
{
  g_autoptr(GPtrArray) logins = collect_logins (request);
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonArray *files = json_array_new ();
  gint64 now = now_of (request);

  for (guint i = 0; i < logins->len; i++)
    json_array_add_object_element (files, login_entry (request, g_ptr_array_index (logins, i), now));
  json_object_set_array_member (root, "files", files);
  node = json_node_init_object (json_node_alloc (), root);
  sy_mgmt_reply_json (request, 200, node);
}

/* ====================================================================== */
/* GET /auth-files/models, GET /model-definitions/:channel                 */

static void
handle_models (SyMgmtRequest *request)
{
  const char *raw = sy_mgmt_query (request, "name");
  g_autofree char *name = raw ? g_strstrip (g_strdup (raw)) : NULL;
  g_autoptr(GPtrArray) logins = NULL;
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  GPtrArray *models = sy_registry_get_models (request->registry);
  JsonArray *list;
  Login *login;

  if (name == NULL || *name == '\0')
    {
      sy_mgmt_reply_error (request, 400, "name is required", NULL);
      return;
    }
  list = json_array_new ();
  logins = collect_logins (request);
  login = find_login (logins, name);
  /* An unknown name serves no model: an empty list, as CLIProxyAPI says. */
  for (guint i = 0; login != NULL && login->credential != NULL && i < models->len; i++)
    {
      const SyModelInfo *info = g_ptr_array_index (models, i);
      GPtrArray *routes = sy_registry_lookup (request->registry, info->id);
      SyRoute *route = NULL;
      JsonObject *item;
      const char *type = NULL;

      for (guint r = 0; routes != NULL && r < routes->len && route == NULL; r++)
        if (((SyRoute *) g_ptr_array_index (routes, r))->account->credential == login->credential)
          route = g_ptr_array_index (routes, r);
      if (route == NULL)
        continue;
      item = json_object_new ();
      json_object_set_string_member (item, "id", info->id);
      if (info->display_name != NULL)
        json_object_set_string_member (item, "display_name", info->display_name);
      type = string_member (route->catalogue, "type");
      if (type == NULL)
        type = sy_auth_file_type_for (sy_credential_get_provider (login->credential));
      if (type != NULL)
        json_object_set_string_member (item, "type", type);
      if (info->owned_by != NULL)
        json_object_set_string_member (item, "owned_by", info->owned_by);
      json_array_add_object_element (list, item);
    }
  json_object_set_array_member (root, "models", list);
  node = json_node_init_object (json_node_alloc (), root);
  sy_mgmt_reply_json (request, 200, node);
}

static void
handle_model_definitions (SyMgmtRequest *request)
{
  /* The channels CLIProxyAPI knows, and the catalogue list of each. */
  static const struct { const char *channel; const char *catalogue; } channels[] = {
    { "claude", "claude" }, { "gemini", "gemini" }, { "vertex", "vertex" },
    { "gemini-cli", "gemini-cli" }, { "aistudio", "aistudio" }, { "codex", "codex-pro" },
    { "qwen", "qwen" }, { "iflow", "iflow" }, { "kimi", "kimi" }, { "antigravity", "antigravity" },
  };
  const char *raw = request->tail ? request->tail : sy_mgmt_query (request, "channel");
  g_autofree char *channel = raw ? g_strstrip (g_ascii_strdown (raw, -1)) : NULL;
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonArray *catalogue = NULL;
  JsonArray *list;

  if (channel == NULL || *channel == '\0')
    {
      sy_mgmt_reply_error (request, 400, "channel is required", NULL);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (channels); i++)
    if (g_str_equal (channels[i].channel, channel))
      catalogue = sy_registry_get_catalogue (request->registry, channels[i].catalogue);
  if (catalogue == NULL)
    {
      json_object_set_string_member (root, "error", "unknown channel");
      json_object_set_string_member (root, "channel", raw);
      node = json_node_init_object (json_node_alloc (), root);
      sy_mgmt_reply_json (request, 400, node);
      return;
    }
  list = json_array_new ();
  for (guint i = 0; i < json_array_get_length (catalogue); i++)
    json_array_add_element (list, json_node_copy (json_array_get_element (catalogue, i)));
  json_object_set_string_member (root, "channel", channel);
  json_object_set_array_member (root, "models", list);
  node = json_node_init_object (json_node_alloc (), root);
  sy_mgmt_reply_json (request, 200, node);
}

/* ====================================================================== */
/* GET /auth-files/download                                                */

/* What CLIProxyAPI would have in the file of a token-store login: its
 * tokens and knobs, and the keys these routes keep as extras. */
static JsonObject *
export_login (SyCredential  *credential,
              GError       **error)
{
  JsonObject *file = sy_auth_file_from_credential (credential, NULL, error);
  const char *headers = sy_credential_get_extra (credential, "headers");

  if (file == NULL)
    return NULL;
  if (sy_credential_get_extra (credential, "note") != NULL)
    json_object_set_string_member (file, "note", sy_credential_get_extra (credential, "note"));
  if (sy_credential_get_extra (credential, "proxy_url") != NULL)
    json_object_set_string_member (file, "proxy_url", sy_credential_get_extra (credential, "proxy_url"));
  if (headers != NULL)
    {
      g_autoptr(JsonObject) parsed = sy_auth_file_parse (headers, -1, NULL);

      if (parsed != NULL)
        json_object_set_object_member (file, "headers", g_steal_pointer (&parsed));
    }
  return file;
}

/* ?name=, trimmed: the name of a .json file of the auth-dir, or NULL (and
 * a 400 sent). */
static char *
query_json_name (SyMgmtRequest *request)
{
  const char *raw = sy_mgmt_query (request, "name");
  g_autofree char *name = raw ? g_strstrip (g_strdup (raw)) : NULL;

  if (is_unsafe_name (name))
    {
      sy_mgmt_reply_error (request, 400, "invalid name", NULL);
      return NULL;
    }
  if (!ends_with_json (name))
    {
      sy_mgmt_reply_error (request, 400, "name must end with .json", NULL);
      return NULL;
    }
  return g_steal_pointer (&name);
}

static void
handle_download (SyMgmtRequest *request)
{
  g_autofree char *name = NULL;
  g_autoptr(GPtrArray) logins = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *disposition = NULL;
  const char *client = soup_server_message_get_remote_host (request->msg);
  char *data = NULL;
  gsize length = 0;
  Login *login;

  /* The one route that hands out tokens: only to this machine, whatever
   * remote-management.allow-remote says. */
  if (client == NULL || !sy_host_is_loopback (client))
    {
      sy_mgmt_reply_error (request, 403, "auth file download is only allowed from localhost", NULL);
      return;
    }
  name = query_json_name (request);
  if (name == NULL)
    return;
  logins = collect_logins (request);
  login = find_login (logins, name);
  if (login == NULL)
    {
      sy_mgmt_reply_error (request, 404, "file not found", NULL);
      return;
    }
  if (login->path != NULL)
    {
      if (!g_file_get_contents (login->path, &data, &length, &error))
        {
          if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            sy_mgmt_reply_error (request, 404, "file not found", NULL);
          else
            sy_mgmt_reply_error (request, 500, "failed to read file", error->message);
          return;
        }
    }
  else
    {
      g_autoptr(JsonObject) file = export_login (login->credential, &error);

      if (file == NULL)
        {
          sy_mgmt_reply_error (request, 400, "not exportable", error->message);
          return;
        }
      data = sy_auth_file_to_data (file, &length);
    }
  {
    g_autoptr(GBytes) bytes = g_bytes_new (data, length);

    disposition = g_strdup_printf ("attachment; filename=\"%s\"", login->name);
    soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                  "Content-Disposition", disposition);
    sy_mgmt_reply_bytes (request, 200, "application/json", bytes);
  }
  memset (data, 0, length);
  g_free (data);
  g_message ("management: %s downloaded with its tokens", login->name);
}

/* ====================================================================== */
/* Saving a change                                                         */

typedef struct
{
  SyMgmtRequest *request;
  JsonNode      *answer;     /* sent once saved */
} SaveOp;

static void
save_op_free (SaveOp *op)
{
  sy_mgmt_request_unref (op->request);
  g_clear_pointer (&op->answer, json_node_unref);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveOp, save_op_free)

static void
on_change_saved (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SaveOp) op = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *message = g_strdup_printf ("failed to update auth: %s", error->message);
      g_autofree char *masked = sy_log_mask_secrets (message);

      sy_mgmt_reply_error (op->request, 500, masked, NULL);
      return;
    }
  sy_mgmt_reply_json (op->request, 200, op->answer);
}

/* Saves @credential through the owner, then answers @answer (taken). */
static void
save_then_reply (SyMgmtRequest *request,
                 SyCredential  *credential,
                 JsonNode      *answer)
{
  gpointer host = NULL;
  const SyManagementHost *vtable = host_of (request, &host);
  SaveOp *op;

  if (vtable == NULL || vtable->save_login == NULL)
    {
      json_node_unref (answer);
      sy_mgmt_reply_error (request, 503, "logins are not available", NULL);
      return;
    }
  op = g_new0 (SaveOp, 1);
  op->request = sy_mgmt_request_ref (request);
  op->answer = answer;
  sy_mgmt_request_pause (request);
  vtable->save_login (host, credential, on_change_saved, op);
}

/* An auth-dir file rewritten by @edit (atomically, 0600). */
typedef gboolean (*FileEdit) (JsonObject *file,
                              gpointer    data);

static gboolean
edit_auth_file (Login     *login,
                FileEdit   edit,
                gpointer   data,
                GError   **error)
{
  g_autoptr(JsonObject) file = read_auth_file (login->path, error);

  if (file == NULL)
    return FALSE;
  if (!edit (file, data))
    return TRUE;
  return sy_auth_file_write (login->path, file, error);
}

/* Body parsing with CLIProxyAPI's messages for these routes. */
JsonObject *
sy_mgmt_body_object (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);
  JsonNode *root;

  if (len == 0 || !sy_json_parser_load (parser, data, (gssize) len, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_object_ref (json_node_get_object (root));
}

static JsonObject *
body_object (SyMgmtRequest *request)
{
  return sy_mgmt_body_object (request->body);
}

char *
sy_mgmt_login_name (JsonObject *body,
                    GError    **error)
{
  const char *raw = string_member (body, "name");
  g_autofree char *name = raw ? g_strstrip (g_strdup (raw)) : NULL;

  if (name == NULL || *name == '\0')
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "name is required");
      return NULL;
    }
  return g_steal_pointer (&name);
}

/* The login named @name; NULL with the answer sent. */
static Login *
patched_login (SyMgmtRequest *request,
               const char    *name,
               GPtrArray     *logins)
{
  Login *login;

  login = find_login (logins, name);
  if (login == NULL)
    {
      sy_mgmt_reply_error (request, 404, "auth file not found", NULL);
      return NULL;
    }
  if (login->credential == NULL)
    {
      sy_mgmt_reply_error (request, 400, "not a usable login", login->skipped);
      return NULL;
    }
  return login;
}

/* ====================================================================== */
/* PATCH /auth-files/status                                                */

static gboolean
edit_disabled (JsonObject *file,
               gpointer    data)
{
  json_object_set_boolean_member (file, "disabled", GPOINTER_TO_INT (data));
  return TRUE;
}

gboolean
sy_mgmt_status_parse (JsonObject *body,
                      char      **name,
                      gboolean   *disabled,
                      GError    **error)
{
  JsonNode *disabled_node = json_object_get_member (body, "disabled");

  if (string_member (body, "name") != NULL && *string_member (body, "name") != '\0' &&
      (disabled_node == NULL || !JSON_NODE_HOLDS_VALUE (disabled_node) ||
       json_node_get_value_type (disabled_node) != G_TYPE_BOOLEAN))
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "disabled is required");
      return FALSE;
    }
  if ((*name = sy_mgmt_login_name (body, error)) == NULL)
    return FALSE;
  *disabled = json_node_get_boolean (disabled_node);
  return TRUE;
}

static void
handle_status (SyMgmtRequest *request)
{
  g_autoptr(JsonObject) body = body_object (request);
  g_autoptr(GPtrArray) logins = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autofree char *name = NULL;
  gboolean disabled;
  Login *login;

  if (body == NULL)
    {
      sy_mgmt_reply_error (request, 400, "invalid request body", NULL);
      return;
    }
  logins = collect_logins (request);
  if (!sy_mgmt_status_parse (body, &name, &disabled, &error))
    {
      sy_mgmt_reply_gerror (request, error);
      return;
    }
  if ((login = patched_login (request, name, logins)) == NULL)
    return;

  if (login->path != NULL)
    {
      /* The file says it, as CLIProxyAPI writes it; reading it back
       * carries it to the login. */
      if (!edit_auth_file (login, edit_disabled, GINT_TO_POINTER (disabled), &error))
        {
          g_autofree char *message = g_strdup_printf ("failed to update auth: %s", error->message);

          sy_mgmt_reply_error (request, 500, message, NULL);
          return;
        }
    }
  else
    sy_credential_set_enabled (login->credential, !disabled);
  /* The account's own switch (the tray's) follows, so re-enabling here
   * undoes a disable from there too. */
  accounts = accounts_of (request->registry, login->credential);
  for (guint i = 0; i < accounts->len; i++)
    sy_account_state_set_enabled (((SyAccount *) g_ptr_array_index (accounts, i))->state, !disabled);

  answer = json_object_new ();
  json_object_set_string_member (answer, "status", "ok");
  json_object_set_boolean_member (answer, "disabled", disabled);
  g_message ("management: %s %s", login->name, disabled ? "disabled" : "enabled");
  save_then_reply (request, login->credential, json_node_init_object (json_node_alloc (), answer));
}

/* ====================================================================== */
/* PATCH /auth-files/fields                                                */

typedef SyMgmtFields Fields;

void
sy_mgmt_fields_clear (SyMgmtFields *f)
{
  g_free (f->prefix);
  g_free (f->proxy_url);
  g_clear_pointer (&f->headers, json_object_unref);
  g_free (f->note);
  memset (f, 0, sizeof *f);
}

/* @headers (may be NULL) with the patch's changes; NULL when none are left. */
static JsonObject *
merge_headers (JsonObject *headers,
               JsonObject *patch)
{
  JsonObject *out = json_object_new ();
  g_autoptr(GList) names = headers ? json_object_get_members (headers) : NULL;
  g_autoptr(GList) changes = json_object_get_members (patch);

  for (GList *l = names; l != NULL; l = l->next)
    if (string_member (headers, l->data) != NULL)
      json_object_set_string_member (out, l->data, string_member (headers, l->data));
  for (GList *l = changes; l != NULL; l = l->next)
    {
      g_autofree char *name = g_strstrip (g_strdup (l->data));
      g_autofree char *value = g_strstrip (g_strdup (string_member (patch, l->data)));

      if (*name == '\0')
        continue;
      if (*value == '\0')
        {
          if (json_object_has_member (out, name))
            json_object_remove_member (out, name);
        }
      else
        json_object_set_string_member (out, name, value);
    }
  if (json_object_get_size (out) == 0)
    g_clear_pointer (&out, json_object_unref);
  return out;
}

static void
set_or_remove (JsonObject *o,
               const char *name,
               const char *value)
{
  if (value != NULL && *value != '\0')
    json_object_set_string_member (o, name, value);
  else if (json_object_has_member (o, name))
    json_object_remove_member (o, name);
}

static gboolean
edit_fields (JsonObject *file,
             gpointer    data)
{
  Fields *f = data;

  if (f->has_prefix)
    set_or_remove (file, "prefix", f->prefix);
  if (f->has_proxy)
    set_or_remove (file, "proxy_url", f->proxy_url);
  if (f->headers != NULL)
    {
      g_autoptr(JsonObject) merged = merge_headers (sy_mgmt_object_member (file, "headers"), f->headers);

      if (merged != NULL)
        json_object_set_object_member (file, "headers", g_steal_pointer (&merged));
      else if (json_object_has_member (file, "headers"))
        json_object_remove_member (file, "headers");
    }
  if (f->has_priority)
    {
      if (f->priority != 0)
        json_object_set_int_member (file, "priority", f->priority);
      else if (json_object_has_member (file, "priority"))
        json_object_remove_member (file, "priority");
    }
  if (f->has_note)
    set_or_remove (file, "note", f->note);
  return TRUE;
}

void
sy_mgmt_fields_edit (JsonObject   *file,
                     SyMgmtFields *fields)
{
  edit_fields (file, fields);
}

static void
apply_fields (SyCredential *credential,
              Fields       *f)
{
  if (f->has_prefix)
    sy_credential_set_prefix (credential, f->prefix);
  if (f->has_proxy)
    sy_credential_set_extra (credential, "proxy_url", *f->proxy_url ? f->proxy_url : NULL);
  if (f->headers != NULL)
    {
      const char *text = sy_credential_get_extra (credential, "headers");
      g_autoptr(JsonObject) current = text ? sy_auth_file_parse (text, -1, NULL) : NULL;
      g_autoptr(JsonObject) merged = merge_headers (current, f->headers);

      if (merged != NULL)
        {
          g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), merged);
          g_autofree char *json = json_to_string (node, FALSE);

          sy_credential_set_extra (credential, "headers", json);
        }
      else
        sy_credential_set_extra (credential, "headers", NULL);
    }
  if (f->has_priority)
    sy_credential_set_priority (credential, (int) CLAMP (f->priority, G_MININT, G_MAXINT));
  if (f->has_note)
    sy_credential_set_extra (credential, "note", *f->note ? f->note : NULL);
}

/* CLIProxyAPI trims spaces; Switchyard's prefixes are one path segment. */
static char *
clean_prefix (const char *raw)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (raw));
  const char *start = trimmed;
  gsize len;

  while (*start == '/')
    start++;
  len = strlen (start);
  while (len > 0 && start[len - 1] == '/')
    len--;
  return g_strndup (start, len);
}

gboolean
sy_mgmt_fields_parse (JsonObject   *body,
                      SyMgmtFields *f,
                      GError      **error)
{
  JsonObject *headers;
  JsonNode *node;

  if ((node = json_object_get_member (body, "prefix")) != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (string_member (body, "prefix") == NULL)
        goto invalid;
      f->has_prefix = TRUE;
      f->prefix = clean_prefix (string_member (body, "prefix"));
      if (strchr (f->prefix, '/') != NULL)
        {
          g_set_error_literal (error, SY_MGMT_ERROR, 400,
                               "invalid prefix\na prefix is one path segment, without '/'");
          return FALSE;
        }
    }
  if ((node = json_object_get_member (body, "proxy_url")) != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (string_member (body, "proxy_url") == NULL)
        goto invalid;
      f->has_proxy = TRUE;
      f->proxy_url = g_strstrip (g_strdup (string_member (body, "proxy_url")));
    }
  if ((node = json_object_get_member (body, "headers")) != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      g_autoptr(GList) names = NULL;

      if ((headers = sy_mgmt_object_member (body, "headers")) == NULL)
        goto invalid;
      names = json_object_get_members (headers);
      for (GList *l = names; l != NULL; l = l->next)
        if (string_member (headers, l->data) == NULL)
          goto invalid;
      if (json_object_get_size (headers) > 0)
        f->headers = json_object_ref (headers);
    }
  if ((node = json_object_get_member (body, "priority")) != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
        goto invalid;
      f->has_priority = TRUE;
      f->priority = json_node_get_int (node);
    }
  if ((node = json_object_get_member (body, "note")) != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (string_member (body, "note") == NULL)
        goto invalid;
      f->has_note = TRUE;
      f->note = g_strstrip (g_strdup (string_member (body, "note")));
    }
  if (!f->has_prefix && !f->has_proxy && f->headers == NULL && !f->has_priority && !f->has_note)
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "no fields to update");
      return FALSE;
    }
  return TRUE;

invalid:
  g_set_error_literal (error, SY_MGMT_ERROR, 400, "invalid request body");
  return FALSE;
}

static void
handle_fields (SyMgmtRequest *request)
{
  g_autoptr(JsonObject) body = body_object (request);
  g_autoptr(GPtrArray) logins = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_auto(SyMgmtFields) f = { 0 };
  Login *login;

  if (body == NULL)
    {
      sy_mgmt_reply_error (request, 400, "invalid request body", NULL);
      return;
    }
  logins = collect_logins (request);
  if ((name = sy_mgmt_login_name (body, &error)) == NULL)
    {
      sy_mgmt_reply_gerror (request, error);
      return;
    }
  if ((login = patched_login (request, name, logins)) == NULL)
    return;
  if (!sy_mgmt_fields_parse (body, &f, &error))
    {
      sy_mgmt_reply_gerror (request, error);
      return;
    }
  /* A proxy URL with a password is as secret as a token in the log. */
  if (f.proxy_url != NULL && strchr (f.proxy_url, '@') != NULL)
    sy_log_add_secret (f.proxy_url);

  if (login->path != NULL)
    {
      if (!edit_auth_file (login, edit_fields, &f, &error))
        {
          g_autofree char *message = g_strdup_printf ("failed to update auth: %s", error->message);

          sy_mgmt_reply_error (request, 500, message, NULL);
          return;
        }
    }
  else
    apply_fields (login->credential, &f);
  {
    g_autoptr(JsonObject) answer = json_object_new ();

    json_object_set_string_member (answer, "status", "ok");
    save_then_reply (request, login->credential, json_node_init_object (json_node_alloc (), answer));
  }
}

/* ====================================================================== */
/* POST /auth-files                                                        */

typedef struct
{
  char  *name;
  char  *error;
  guint  status;
} Failure;

static void
failure_free (Failure *f)
{
  g_free (f->name);
  g_free (f->error);
  g_free (f);
}

static void
add_failure (GPtrArray  *failed,
             const char *name,
             guint       status,
             const char *error)
{
  Failure *f = g_new0 (Failure, 1);

  f->name = g_strdup (name);
  f->error = sy_log_mask_secrets (error);
  f->status = status;
  g_ptr_array_add (failed, f);
}

/* The answer about a batch of files: for a single one CLIProxyAPI's short
 * answer (its error, or {"status":"ok"}); else the names of those @done,
 * their number under @count_key, and the failures (then 207). */
static void
reply_files (SyMgmtRequest *request,
             gboolean       single,
             const char    *count_key,
             GPtrArray     *done,
             GPtrArray     *failed)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonArray *files;

  if (single)
    {
      if (failed->len > 0)
        {
          Failure *f = g_ptr_array_index (failed, 0);

          sy_mgmt_reply_error (request, f->status, f->error, NULL);
        }
      else
        sy_mgmt_reply_ok (request);
      return;
    }
  files = json_array_new ();
  for (guint i = 0; i < done->len; i++)
    json_array_add_string_element (files, g_ptr_array_index (done, i));
  json_object_set_string_member (root, "status", failed->len > 0 ? "partial" : "ok");
  json_object_set_int_member (root, count_key, done->len);
  json_object_set_array_member (root, "files", files);
  if (failed->len > 0)
    {
      JsonArray *list = json_array_new ();

      for (guint i = 0; i < failed->len; i++)
        {
          Failure *f = g_ptr_array_index (failed, i);
          JsonObject *item = json_object_new ();

          json_object_set_string_member (item, "name", f->name);
          json_object_set_string_member (item, "error", f->error);
          json_array_add_object_element (list, item);
        }
      json_object_set_array_member (root, "failed", list);
    }
  node = json_node_init_object (json_node_alloc (), root);
  sy_mgmt_reply_json (request, failed->len > 0 ? 207 : 200, node);
}

typedef struct
{
  SyMgmtRequest *request;
  gboolean       single;      /* one file: CLIProxyAPI's short answers */
  char          *dir;         /* private temporary directory of the files */
  GPtrArray     *names;       /* written there, in order */
  GHashTable    *files;       /* name -> JsonObject, for the knobs */
  GPtrArray     *uploaded;    /* names */
  GPtrArray     *failed;      /* Failure* */
  GPtrArray     *to_save;     /* SyCredential*: imported, their knobs and date to keep */
  guint          next;
} UploadOp;

static void
remove_private_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
upload_op_free (UploadOp *op)
{
  sy_mgmt_request_unref (op->request);
  if (op->dir != NULL)
    remove_private_dir (op->dir);
  g_free (op->dir);
  g_ptr_array_unref (op->names);
  g_hash_table_unref (op->files);
  g_ptr_array_unref (op->uploaded);
  g_ptr_array_unref (op->failed);
  g_ptr_array_unref (op->to_save);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UploadOp, upload_op_free)

static void
upload_reply (UploadOp *op)
{
  reply_files (op->request, op->single, "uploaded", op->uploaded, op->failed);
}

static void upload_save_next (UploadOp *op);

static void
on_upload_saved (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  UploadOp *op = user_data;
  g_autoptr(GError) error = NULL;

  /* The login is in: a knob that could not be kept is only logged. */
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("management: an uploaded login's settings were not saved: %s", error->message);
  upload_save_next (op);
}

static void
upload_save_next (UploadOp *op)
{
  gpointer host = NULL;
  const SyManagementHost *vtable = host_of (op->request, &host);

  if (op->next < op->to_save->len && vtable != NULL && vtable->save_login != NULL)
    {
      SyCredential *credential = g_ptr_array_index (op->to_save, op->next++);

      vtable->save_login (host, credential, on_upload_saved, op);
      return;
    }
  upload_reply (op);
  upload_op_free (op);
}

/* CLIProxyAPI's knobs Switchyard keeps as a login's extras. */
static void
keep_knobs (SyCredential *credential,
            JsonObject   *file,
            gint64        now)
{
  JsonObject *headers = sy_mgmt_object_member (file, "headers");
  const char *note = string_member (file, "note");
  const char *proxy_url = string_member (file, "proxy_url");

  if (note != NULL && *note != '\0')
    sy_credential_set_extra (credential, "note", note);
  if (proxy_url != NULL && *proxy_url != '\0')
    sy_credential_set_extra (credential, "proxy_url", proxy_url);
  if (headers != NULL && json_object_get_size (headers) > 0)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), headers);
      g_autofree char *text = json_to_string (node, FALSE);

      sy_credential_set_extra (credential, "headers", text);
    }
  if (sy_credential_get_extra (credential, "created_at") == NULL)
    {
      g_autofree char *when = sy_mgmt_format_time (now);

      sy_credential_set_extra (credential, "created_at", when);
    }
}

static void
on_upload_imported (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  UploadOp *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = g_task_propagate_pointer (G_TASK (result), &error);
  SyLogins *logins = sy_management_get_logins (op->request->mgmt);

  if (results == NULL)
    {
      for (guint i = 0; i < op->names->len; i++)
        add_failure (op->failed, g_ptr_array_index (op->names, i), 500, error->message);
      upload_save_next (op);
      return;
    }
  for (guint i = 0; i < results->len; i++)
    {
      SyAuthFileResult *r = g_ptr_array_index (results, i);
      SyCredential *credential;

      if (r->skipped != NULL && !r->already)
        {
          /* Unreadable, unsupported, or older than the login it would replace. */
          add_failure (op->failed, r->file, 400, r->skipped);
          continue;
        }
      g_ptr_array_add (op->uploaded, g_strdup (r->file));
      if (r->skipped == NULL && r->id != NULL && logins != NULL &&
          (credential = sy_logins_lookup (logins, r->id)) != NULL)
        {
          keep_knobs (credential, g_hash_table_lookup (op->files, r->file), now_of (op->request));
          g_ptr_array_add (op->to_save, g_object_ref (credential));
        }
      g_message ("management: %s uploaded%s%s", r->file, r->id ? " as " : "", r->id ? r->id : "");
    }
  upload_save_next (op);
}

/* Takes one uploaded file: checked, and written for the importer. */
static void
upload_take (UploadOp   *op,
             const char *raw_name,
             GBytes     *bytes)
{
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) file = NULL;
  g_autoptr(SyCredential) credential = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  const char *base = raw_name ? raw_name : "";

  /* The base name, whatever the browser sent. */
  for (const char *p = base; *p != '\0'; p++)
    if (*p == '/' || *p == '\\')
      base = p + 1;
  name = g_strstrip (g_strdup (base));
  if (is_unsafe_name (name) || !ends_with_json (name))
    {
      add_failure (op->failed, name, 400, "file must be .json");
      return;
    }
  if (g_hash_table_contains (op->files, name))
    {
      add_failure (op->failed, name, 400, "the same file name was uploaded twice");
      return;
    }
  file = sy_auth_file_parse (data, (gssize) len, &error);
  if (file == NULL)
    {
      g_autofree char *message = g_strdup_printf ("invalid auth file: %s", error->message);

      add_failure (op->failed, name, 400, message);
      return;
    }
  credential = sy_auth_file_to_credential (file, name, NULL, &error);
  if (credential == NULL)
    {
      add_failure (op->failed, name, 400, error->message);
      return;
    }
  if (op->dir == NULL && (op->dir = g_dir_make_tmp ("sy-upload-XXXXXX", &error)) == NULL)
    {
      add_failure (op->failed, name, 500, error->message);
      return;
    }
  path = g_build_filename (op->dir, name, NULL);
  if (!g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_NONE, 0600, &error))
    {
      add_failure (op->failed, name, 500, error->message);
      return;
    }
  g_ptr_array_add (op->names, g_strdup (name));
  g_hash_table_insert (op->files, g_strdup (name), g_steal_pointer (&file));
}

/* Whether part @i of @multipart is a file (its Content-Disposition names
 * one); then *@name (may be NULL) is the name, *@body its contents. */
static gboolean
file_part (SoupMultipart  *multipart,
           int             i,
           char          **name,
           GBytes        **body)
{
  SoupMessageHeaders *part_headers;
  GBytes *part_body;
  g_autofree char *disposition = NULL;
  g_autoptr(GHashTable) params = NULL;

  soup_multipart_get_part (multipart, i, &part_headers, &part_body);
  if (!soup_message_headers_get_content_disposition (part_headers, &disposition, &params) ||
      !g_hash_table_contains (params, "filename"))
    return FALSE;
  if (name != NULL)
    *name = g_strdup (g_hash_table_lookup (params, "filename"));
  if (body != NULL)
    *body = part_body;
  return TRUE;
}

static void
handle_upload (SyMgmtRequest *request)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (request->msg);
  const char *type = soup_message_headers_get_content_type (headers, NULL);
  gpointer host = NULL;
  const SyManagementHost *vtable = host_of (request, &host);
  g_autoptr(UploadOp) op = g_new0 (UploadOp, 1);

  op->request = sy_mgmt_request_ref (request);
  op->names = g_ptr_array_new_with_free_func (g_free);
  op->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_object_unref);
  op->uploaded = g_ptr_array_new_with_free_func (g_free);
  op->failed = g_ptr_array_new_with_free_func ((GDestroyNotify) failure_free);
  op->to_save = g_ptr_array_new_with_free_func (g_object_unref);

  if (vtable == NULL || vtable->import_auth_files == NULL || sy_management_get_logins (request->mgmt) == NULL)
    {
      sy_mgmt_reply_error (request, 503, "core auth manager unavailable", NULL);
      return;
    }
  if (g_strcmp0 (type, "multipart/form-data") == 0)
    {
      SoupMultipart *multipart = soup_multipart_new_from_message (headers, request->body);
      guint n_files = 0;

      if (multipart == NULL)
        {
          sy_mgmt_reply_error (request, 400, "invalid multipart form", NULL);
          return;
        }
      for (int i = 0; i < soup_multipart_get_length (multipart); i++)
        if (file_part (multipart, i, NULL, NULL))
          n_files++;
      op->single = n_files == 1;
      for (int i = 0; i < soup_multipart_get_length (multipart); i++)
        {
          g_autofree char *name = NULL;
          GBytes *body = NULL;

          if (file_part (multipart, i, &name, &body))
            upload_take (op, name, body);
        }
      soup_multipart_free (multipart);
      if (n_files == 0)
        {
          sy_mgmt_reply_error (request, 400, "no files uploaded", NULL);
          return;
        }
    }
  else
    {
      g_autofree char *name = query_json_name (request);

      if (name == NULL)
        return;
      op->single = TRUE;
      upload_take (op, name, request->body);
    }

  sy_mgmt_request_pause (request);
  if (op->names->len == 0)
    {
      upload_reply (op);
      return;
    }
  {
    /* The op owns the directory; the call borrows it. */
    const char *dir = op->dir;

    vtable->import_auth_files (host, dir, on_upload_imported, g_steal_pointer (&op));
  }
}

/* ====================================================================== */
/* DELETE /auth-files                                                      */

typedef struct
{
  SyMgmtRequest *request;
  GPtrArray     *names;
  guint          next;
  gboolean       all;        /* ?all=: {"status":"ok","deleted":N} */
  GPtrArray     *deleted;    /* names */
  GPtrArray     *failed;     /* Failure* */
} DeleteOp;

static void
delete_op_free (DeleteOp *op)
{
  sy_mgmt_request_unref (op->request);
  g_ptr_array_unref (op->names);
  g_ptr_array_unref (op->deleted);
  g_ptr_array_unref (op->failed);
  g_free (op);
}

static void
delete_reply (DeleteOp *op)
{
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (op->all)
    {
      root = json_object_new ();
      json_object_set_string_member (root, "status", "ok");
      json_object_set_int_member (root, "deleted", op->deleted->len);
      node = json_node_init_object (json_node_alloc (), root);
      sy_mgmt_reply_json (op->request, 200, node);
      return;
    }
  reply_files (op->request, op->names->len == 1, "deleted", op->deleted, op->failed);
}

static void delete_next (DeleteOp *op);

static void
on_deleted (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  DeleteOp *op = user_data;
  g_autoptr(GError) error = NULL;
  const char *name = g_ptr_array_index (op->names, op->next - 1);

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *message = g_strdup_printf ("failed to remove file: %s", error->message);

      add_failure (op->failed, name, 500, message);
    }
  else
    {
      g_ptr_array_add (op->deleted, g_strdup (name));
      g_message ("management: %s signed out", name);
    }
  delete_next (op);
}

static void
delete_next (DeleteOp *op)
{
  gpointer host = NULL;
  const SyManagementHost *vtable = host_of (op->request, &host);

  while (op->next < op->names->len)
    {
      const char *name = g_ptr_array_index (op->names, op->next++);
      g_autoptr(GPtrArray) logins = NULL;
      Login *login;

      if (is_unsafe_name (name))
        {
          add_failure (op->failed, name, 400, "invalid name");
          continue;
        }
      logins = collect_logins (op->request);
      login = find_login (logins, name);
      if (login == NULL)
        {
          add_failure (op->failed, name, 404, "auth file not found");
          continue;
        }
      if (login->credential != NULL)
        {
          vtable->delete_login (host, login->credential, on_deleted, op);
          return;
        }
      /* A file that is not a login: only the file goes. */
      if (g_unlink (login->path) != 0 && errno != ENOENT)
        {
          g_autofree char *message = g_strdup_printf ("failed to remove file: %s", g_strerror (errno));

          add_failure (op->failed, name, 500, message);
          continue;
        }
      if (vtable->rescan_auth_dir != NULL)
        vtable->rescan_auth_dir (host);
      g_ptr_array_add (op->deleted, g_strdup (name));
    }
  delete_reply (op);
  delete_op_free (op);
}

static void
add_name (GPtrArray  *names,
          const char *raw)
{
  g_autofree char *name = raw ? g_strstrip (g_strdup (raw)) : NULL;

  if (name == NULL || *name == '\0')
    return;
  for (guint i = 0; i < names->len; i++)
    if (g_str_equal (g_ptr_array_index (names, i), name))
      return;
  g_ptr_array_add (names, g_steal_pointer (&name));
}

gboolean
sy_mgmt_delete_names (GBytes     *body,
                      GPtrArray  *names,
                      GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);
  JsonNode *root;
  JsonArray *list = NULL;

  if (len == 0 || !sy_json_parser_load (parser, data, (gssize) len, NULL) ||
      (root = json_parser_get_root (parser)) == NULL ||
      (!JSON_NODE_HOLDS_ARRAY (root) && !JSON_NODE_HOLDS_OBJECT (root)))
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "invalid request body");
      return FALSE;
    }
  if (JSON_NODE_HOLDS_ARRAY (root))
    list = json_node_get_array (root);
  else
    {
      add_name (names, string_member (json_node_get_object (root), "name"));
      list = sy_mgmt_array_member (json_node_get_object (root), "names");
    }
  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonNode *item = json_array_get_element (list, i);

      if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
        add_name (names, json_node_get_string (item));
    }
  return TRUE;
}

/* ?name=a&name=b: the query table keeps one value per key. */
static void
query_names (SyMgmtRequest *request,
             GPtrArray     *names)
{
  GUri *uri = soup_server_message_get_uri (request->msg);
  const char *query = uri ? g_uri_get_query (uri) : NULL;
  GUriParamsIter iter;
  char *key;
  char *value;

  if (query == NULL)
    return;
  g_uri_params_iter_init (&iter, query, -1, "&", G_URI_PARAMS_WWW_FORM);
  while (g_uri_params_iter_next (&iter, &key, &value, NULL))
    {
      if (g_str_equal (key, "name"))
        add_name (names, value);
      g_free (key);
      g_free (value);
    }
}

static void
handle_delete (SyMgmtRequest *request)
{
  const char *all = sy_mgmt_query (request, "all");
  gpointer host = NULL;
  const SyManagementHost *vtable = host_of (request, &host);
  DeleteOp *op;

  if (vtable == NULL || vtable->delete_login == NULL)
    {
      sy_mgmt_reply_error (request, 503, "core auth manager unavailable", NULL);
      return;
    }
  op = g_new0 (DeleteOp, 1);
  op->request = sy_mgmt_request_ref (request);
  op->names = g_ptr_array_new_with_free_func (g_free);
  op->deleted = g_ptr_array_new_with_free_func (g_free);
  op->failed = g_ptr_array_new_with_free_func ((GDestroyNotify) failure_free);

  if (g_strcmp0 (all, "true") == 0 || g_strcmp0 (all, "1") == 0 || g_strcmp0 (all, "*") == 0)
    {
      g_autoptr(GPtrArray) logins = collect_logins (request);

      op->all = TRUE;
      for (guint i = 0; i < logins->len; i++)
        add_name (op->names, ((Login *) g_ptr_array_index (logins, i))->name);
    }
  else
    {
      query_names (request, op->names);
      if (op->names->len == 0 && g_bytes_get_size (request->body) > 0)
        {
          g_autoptr(GError) error = NULL;

          if (!sy_mgmt_delete_names (request->body, op->names, &error))
            {
              sy_mgmt_reply_gerror (request, error);
              delete_op_free (op);
              return;
            }
        }
      if (op->names->len == 0)
        {
          sy_mgmt_reply_error (request, 400, "invalid name", NULL);
          delete_op_free (op);
          return;
        }
    }
  sy_mgmt_request_pause (request);
  delete_next (op);
}

/* ====================================================================== */
/* POST /vertex/import                                                     */

typedef struct
{
  SyMgmtRequest *request;
  char          *location;
} VertexOp;

static void
vertex_op_free (VertexOp *op)
{
  sy_mgmt_request_unref (op->request);
  g_free (op->location);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VertexOp, vertex_op_free)

static void
on_vertex_added (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(VertexOp) op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) credential = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *name = NULL;

  if (credential == NULL)
    {
      sy_mgmt_reply_error (op->request, 500, "save_failed", error->message);
      return;
    }
  name = sy_auth_file_name (credential);
  root = json_object_new ();
  json_object_set_string_member (root, "status", "ok");
  /* No file: the key is in the token store; its name there. */
  json_object_set_string_member (root, "auth-file", name);
  json_object_set_string_member (root, "project_id", sy_credential_get_extra (credential, "project_id"));
  json_object_set_string_member (root, "email", sy_credential_get_email (credential));
  json_object_set_string_member (root, "location", op->location);
  node = json_node_init_object (json_node_alloc (), root);
  g_message ("management: service account %s imported as %s", sy_credential_get_email (credential),
             sy_credential_get_id (credential));
  sy_mgmt_reply_json (op->request, 200, node);
}

static void
handle_vertex_import (SyMgmtRequest *request)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (request->msg);
  gpointer host = NULL;
  const SyManagementHost *vtable = host_of (request, &host);
  g_autoptr(GHashTable) form = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) credential = NULL;
  g_autofree char *location = NULL;
  g_autofree char *when = NULL;
  SoupMultipart *multipart;
  const char *given;
  VertexOp *op;

  if (vtable == NULL || vtable->add_login == NULL)
    {
      sy_mgmt_reply_error (request, 503, "core auth manager unavailable", NULL);
      return;
    }
  multipart = soup_multipart_new_from_message (headers, request->body);
  if (multipart != NULL)
    form = soup_form_decode_multipart (multipart, "file", NULL, NULL, &key);
  if (key == NULL)
    {
      sy_mgmt_reply_error (request, 400, "file required", NULL);
      return;
    }
  given = form ? g_hash_table_lookup (form, "location") : NULL;
  if (given == NULL || *given == '\0')
    given = sy_mgmt_query (request, "location");
  location = g_strstrip (g_strdup (given && *given ? given : "us-central1"));
  if (*location == '\0')
    {
      g_free (location);
      location = g_strdup ("us-central1");
    }
  credential = sy_vertex_credential_new (g_bytes_get_data (key, NULL), (gssize) g_bytes_get_size (key),
                                         NULL, location, &error);
  if (credential == NULL)
    {
      sy_mgmt_reply_error (request, 400, "invalid service account", error->message);
      return;
    }
  when = sy_mgmt_format_time (now_of (request));
  sy_credential_set_extra (credential, "created_at", when);
  op = g_new0 (VertexOp, 1);
  op->request = sy_mgmt_request_ref (request);
  op->location = g_steal_pointer (&location);
  sy_mgmt_request_pause (request);
  vtable->add_login (host, credential, on_vertex_added, op);
}

/* ====================================================================== */
/* Sign-ins started from the web UI (oauth.md §3)                          */

#define SESSIONS_KEY "sy-mgmt-oauth-sessions"

typedef struct
{
  gint            ref_count;
  GWeakRef        mgmt;
  char           *state;
  char           *provider;     /* Switchyard's name: "claude", "codex"... */
  char           *project_id;
  SyLoginFlow    *flow;
  GCancellable   *cancellable;
  SyMgmtRequest  *waiting;      /* the auth-url request, until the address is known */
  gulong          notify_id;
  guint           expire_id;
  gboolean        retried;      /* started again on another port */
  gboolean        finished;
  char           *error;        /* why it failed; NULL while it has not */
} Session;

static Session *
session_ref (Session *s)
{
  g_atomic_int_inc (&s->ref_count);
  return s;
}

static void
session_unref (Session *s)
{
  if (!g_atomic_int_dec_and_test (&s->ref_count))
    return;
  g_weak_ref_clear (&s->mgmt);
  g_free (s->state);
  g_free (s->provider);
  g_free (s->project_id);
  g_clear_object (&s->flow);
  g_clear_object (&s->cancellable);
  g_clear_pointer (&s->waiting, sy_mgmt_request_unref);
  g_free (s->error);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Session, session_unref)

/* Out of the table: its sign-in stops. */
static void
session_discard (Session *s)
{
  if (s->notify_id != 0 && s->flow != NULL)
    g_signal_handler_disconnect (s->flow, s->notify_id);
  s->notify_id = 0;
  if (s->expire_id != 0)
    g_source_remove (s->expire_id);
  s->expire_id = 0;
  if (!s->finished)
    g_cancellable_cancel (s->cancellable);
  if (s->waiting != NULL)
    {
      sy_mgmt_reply_error (s->waiting, 500, "the sign-in was stopped", NULL);
      g_clear_pointer (&s->waiting, sy_mgmt_request_unref);
    }
  session_unref (s);
}

static GHashTable *
sessions_of (SyManagement *mgmt)
{
  GHashTable *sessions = g_object_get_data (G_OBJECT (mgmt), SESSIONS_KEY);

  if (sessions == NULL)
    {
      sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) session_discard);
      g_object_set_data_full (G_OBJECT (mgmt), SESSIONS_KEY, sessions, (GDestroyNotify) g_hash_table_unref);
    }
  return sessions;
}

static void
session_remove (Session *s)
{
  g_autoptr(SyManagement) mgmt = g_weak_ref_get (&s->mgmt);
  GHashTable *sessions = mgmt ? sessions_of (mgmt) : NULL;

  if (sessions != NULL && s->state != NULL && g_hash_table_lookup (sessions, s->state) == s)
    g_hash_table_remove (sessions, s->state);
}

static gboolean
on_session_expired (gpointer user_data)
{
  Session *s = user_data;

  s->expire_id = 0;
  session_remove (s);
  return G_SOURCE_REMOVE;
}

/* CLIProxyAPI's rule: 1-128 of [A-Za-z0-9._-], no "..". */
static gboolean
state_is_valid (const char *state)
{
  gsize len = state ? strlen (state) : 0;

  if (len == 0 || len > 128 || strstr (state, "..") != NULL)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (state[i]) && strchr ("._-", state[i]) == NULL)
      return FALSE;
  return TRUE;
}

/* The "state" of an authorize URL. */
static char *
state_of_url (const char *url)
{
  const char *query = url ? strchr (url, '?') : NULL;
  g_autoptr(GHashTable) params = query ? g_uri_parse_params (query + 1, -1, "&", G_URI_PARAMS_NONE, NULL) : NULL;

  return params ? g_strdup (g_hash_table_lookup (params, "state")) : NULL;
}

static void
oauth_error (SyMgmtRequest *request,
             guint          status,
             const char    *error)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *masked = sy_log_mask_secrets (error);

  json_object_set_string_member (root, "status", "error");
  json_object_set_string_member (root, "error", masked);
  node = json_node_init_object (json_node_alloc (), root);
  sy_mgmt_reply_json (request, status, node);
}

/* {"status":"ok","url","state"} (+ "user_code" for a device sign-in). */
static void
session_answer (Session *s)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(SyMgmtRequest) request = g_steal_pointer (&s->waiting);
  const char *code = sy_login_flow_get_user_code (s->flow);

  json_object_set_string_member (root, "status", "ok");
  json_object_set_string_member (root, "url", sy_login_flow_get_url (s->flow));
  json_object_set_string_member (root, "state", s->state);
  if (code != NULL)
    {
      json_object_set_string_member (root, "user_code", code);
      json_object_set_string_member (root, "verification_uri", sy_login_flow_get_url (s->flow));
    }
  node = json_node_init_object (json_node_alloc (), root);
  sy_mgmt_reply_json (request, 200, node);
}

/* The address is known: the session is registered under its state. */
static void
session_register (Session *s)
{
  g_autoptr(SyManagement) mgmt = g_weak_ref_get (&s->mgmt);

  if (s->state == NULL)
    s->state = state_of_url (sy_login_flow_get_url (s->flow));
  if (s->state == NULL || !state_is_valid (s->state))
    {
      g_free (s->state);
      s->state = g_strdup_printf ("sy-%" G_GINT64_FORMAT, g_get_real_time () * 1000);
    }
  if (mgmt != NULL)
    g_hash_table_replace (sessions_of (mgmt), g_strdup (s->state), session_ref (s));
  s->expire_id = g_timeout_add_seconds (OAUTH_SESSION_TTL_S, on_session_expired, s);
  session_answer (s);
}

static void
on_flow_url (GObject    *flow,
             GParamSpec *pspec,
             gpointer    user_data)
{
  Session *s = user_data;

  if (sy_login_flow_get_url (s->flow) == NULL || s->waiting == NULL)
    return;
  g_signal_handler_disconnect (s->flow, s->notify_id);
  s->notify_id = 0;
  session_register (s);
}

static gboolean session_start (Session *s, SyMgmtRequest *request, guint port, GError **error);

static void
on_session_saved (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Session) s = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("management: the sign-in's date was not saved: %s", error->message);
  /* Gone from the table: get-auth-status says "ok". */
  session_remove (s);
}

static void
on_session_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Session) s = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) credential = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(SyManagement) mgmt = g_weak_ref_get (&s->mgmt);

  if (credential == NULL && s->waiting != NULL && !s->retried &&
      g_error_matches (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_PORT_IN_USE))
    {
      g_autoptr(GError) retry_error = NULL;
      g_autoptr(SyMgmtRequest) request = g_steal_pointer (&s->waiting);

      /* Someone holds the provider's port (a sign-in from the command
       * line?): any free one will do for a browser on this machine, and a
       * pasted redirect does not care. */
      g_message ("management: %s; listening on another port", error->message);
      s->retried = TRUE;
      g_clear_object (&s->flow);
      if (!session_start (s, request, G_MAXUINT16 + 1, &retry_error))
        oauth_error (request, 500, retry_error->message);
      return;
    }
  s->finished = TRUE;
  if (credential == NULL)
    {
      if (s->waiting != NULL)
        {
          g_autoptr(SyMgmtRequest) request = g_steal_pointer (&s->waiting);

          oauth_error (request, 500, error->message);
          return;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_message ("management: %s sign-in failed: %s", s->provider, error->message);
      g_free (s->error);
      s->error = sy_log_mask_secrets (error->message);
      return;
    }
  g_message ("management: signed in to %s as %s (%s)", s->provider, sy_credential_get_label (credential),
             sy_credential_get_id (credential));
  if (sy_credential_get_extra (credential, "created_at") == NULL && mgmt != NULL)
    {
      gpointer host = NULL;
      const SyManagementHost *vtable = sy_management_get_host (mgmt, &host);
      g_autofree char *when = sy_mgmt_format_time (g_get_real_time ());

      sy_credential_set_extra (credential, "created_at", when);
      if (vtable != NULL && vtable->save_login != NULL)
        {
          vtable->save_login (host, credential, on_session_saved, g_steal_pointer (&s));
          return;
        }
    }
  session_remove (s);
}

/* Starts (or restarts) the sign-in; the answer goes out once the address
 * is known. FALSE and @error when it cannot start. */
static gboolean
session_start (Session        *s,
               SyMgmtRequest  *request,
               guint           port,
               GError        **error)
{
  gpointer host = NULL;
  const SyManagementHost *vtable = host_of (request, &host);
  gboolean device = g_strcmp0 (s->provider, "kimi") == 0;
  SyLoginOptions options = { 0 };

  options.open_browser = FALSE;
  options.callback_port = port;
  options.timeout_s = device ? OAUTH_DEVICE_TIMEOUT_S : OAUTH_BROWSER_TIMEOUT_S;
  options.project_id = s->project_id;
  s->waiting = sy_mgmt_request_ref (request);
  s->flow = vtable->start_login (host, s->provider, &options, s->cancellable, on_session_done,
                                 session_ref (s), error);
  if (s->flow == NULL)
    {
      g_clear_pointer (&s->waiting, sy_mgmt_request_unref);
      /* The callback will not come: its reference goes here. */
      session_unref (s);
      return FALSE;
    }
  if (sy_login_flow_get_url (s->flow) != NULL)
    session_register (s);
  else if (device)
    s->notify_id = g_signal_connect (s->flow, "notify::url", G_CALLBACK (on_flow_url), s);
  /* else: it failed to start; on_session_done says why (or tries again). */
  return TRUE;
}

static void
start_sign_in (SyMgmtRequest *request,
               const char    *provider)
{
  gpointer host = NULL;
  const SyManagementHost *vtable = host_of (request, &host);
  GHashTable *sessions = sessions_of (request->mgmt);
  g_autoptr(Session) s = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) superseded = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;
  const char *project = sy_mgmt_query (request, "project_id");

  if (vtable == NULL || vtable->start_login == NULL)
    {
      oauth_error (request, 503, "sign-ins are not available");
      return;
    }
  /* A new sign-in to the same provider replaces one still waiting (they
   * would share the callback port). */
  g_hash_table_iter_init (&iter, sessions);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_strcmp0 (((Session *) value)->provider, provider) == 0 && !((Session *) value)->finished)
      g_ptr_array_add (superseded, key);
  for (guint i = 0; i < superseded->len; i++)
    g_hash_table_remove (sessions, g_ptr_array_index (superseded, i));

  s = g_new0 (Session, 1);
  s->ref_count = 1;
  g_weak_ref_init (&s->mgmt, request->mgmt);
  s->provider = g_strdup (provider);
  s->cancellable = g_cancellable_new ();
  /* Gemini: a project id, or none for the one Google names. "ALL" and
   * "GOOGLE_ONE" (every listed project; a personal account) are not
   * offered by Switchyard's sign-in: the one Google names. */
  if (project != NULL && *project != '\0' && g_ascii_strcasecmp (project, "ALL") != 0 &&
      g_ascii_strcasecmp (project, "GOOGLE_ONE") != 0)
    s->project_id = g_strdup (project);
  if (g_strcmp0 (provider, "kimi") == 0)
    s->state = g_strdup_printf ("kmi-%" G_GINT64_FORMAT, g_get_real_time () * 1000);

  sy_mgmt_request_pause (request);
  if (!session_start (s, request, 0, &error))
    {
      guint status = g_error_matches (error, SY_LOGIN_ERROR, SY_LOGIN_ERROR_UNSUPPORTED) ? 410 :
                     g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED) ? 503 : 500;

      oauth_error (request, status, error->message);
    }
}

static void handle_anthropic_url (SyMgmtRequest *r) { start_sign_in (r, "claude"); }
static void handle_codex_url (SyMgmtRequest *r) { start_sign_in (r, "codex"); }
static void handle_gemini_cli_url (SyMgmtRequest *r) { start_sign_in (r, "gemini-cli"); }
static void handle_antigravity_url (SyMgmtRequest *r) { start_sign_in (r, "antigravity"); }
static void handle_kimi_url (SyMgmtRequest *r) { start_sign_in (r, "kimi"); }

/* Qwen and iFlow: the sign-in's own word on why there is none (GET, and
 * iFlow's cookie POST alike). */
static void
handle_discontinued (SyMgmtRequest *request)
{
  const char *provider = g_str_has_prefix (request->route, "/qwen") ? "qwen" : "iflow";
  g_autoptr(GError) error = NULL;
  g_autoptr(SyLoginFlow) flow = NULL;

  flow = sy_login_flow_new (provider, request->http, request->config, NULL, &error);
  oauth_error (request, 410, flow == NULL ? error->message : "this sign-in is no longer offered");
}

/* CLIProxyAPI's provider names, as Switchyard's. */
static const char *
callback_provider (const char *raw)
{
  static const struct { const char *name; const char *ours; } names[] = {
    { "anthropic", "claude" }, { "claude", "claude" }, { "codex", "codex" }, { "openai", "codex" },
    { "gemini", "gemini-cli" }, { "google", "gemini-cli" }, { "iflow", "iflow" }, { "i-flow", "iflow" },
    { "antigravity", "antigravity" }, { "anti-gravity", "antigravity" }, { "qwen", "qwen" },
  };
  g_autofree char *lower = raw ? g_strstrip (g_ascii_strdown (raw, -1)) : NULL;

  for (guint i = 0; lower != NULL && i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (lower, names[i].name))
      return names[i].ours;
  return NULL;
}

void
sy_mgmt_callback_clear (SyMgmtCallback *callback)
{
  g_clear_pointer (&callback->state, g_free);
  g_clear_pointer (&callback->code, g_free);
  g_clear_pointer (&callback->error, g_free);
  callback->provider = NULL;
}

gboolean
sy_mgmt_callback_parse (GBytes         *body_bytes,
                        SyMgmtCallback *cb,
                        GError        **error)
{
  g_autoptr(JsonObject) body = sy_mgmt_body_object (body_bytes);
  const char *redirect;

  if (body == NULL)
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "invalid body");
      return FALSE;
    }
  cb->provider = callback_provider (string_member (body, "provider"));
  if (cb->provider == NULL)
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "unsupported provider");
      return FALSE;
    }
  cb->state = g_strstrip (g_strdup (string_member (body, "state") ? string_member (body, "state") : ""));
  cb->code = g_strstrip (g_strdup (string_member (body, "code") ? string_member (body, "code") : ""));
  cb->error = g_strstrip (g_strdup (string_member (body, "error") ? string_member (body, "error") : ""));
  redirect = string_member (body, "redirect_url");
  if (redirect != NULL && *redirect != '\0')
    {
      g_autofree char *r_code = NULL;
      g_autofree char *r_state = NULL;
      g_autofree char *r_error = NULL;
      g_autofree char *r_description = NULL;
      g_autoptr(GUri) uri = g_uri_parse (redirect, G_URI_FLAGS_ENCODED_QUERY, NULL);
      const char *query = uri ? g_uri_get_query (uri) : NULL;
      g_autoptr(GHashTable) q = NULL;

      if (uri == NULL)
        {
          g_set_error_literal (error, SY_MGMT_ERROR, 400, "invalid redirect_url");
          return FALSE;
        }
      q = query ? g_uri_parse_params (query, -1, "&", G_URI_PARAMS_WWW_FORM, NULL) : NULL;
      if (q != NULL)
        {
          r_state = g_strdup (g_hash_table_lookup (q, "state"));
          r_code = g_strdup (g_hash_table_lookup (q, "code"));
          r_error = g_strdup (g_hash_table_lookup (q, "error"));
          r_description = g_strdup (g_hash_table_lookup (q, "error_description"));
        }
      if (*cb->state == '\0' && r_state != NULL)
        {
          g_free (cb->state);
          cb->state = g_strstrip (g_steal_pointer (&r_state));
        }
      if (*cb->code == '\0' && r_code != NULL)
        {
          g_free (cb->code);
          cb->code = g_strstrip (g_steal_pointer (&r_code));
        }
      if (*cb->error == '\0' && (r_error != NULL || r_description != NULL))
        {
          /* "error=" may be there and empty, with no description. */
          g_free (cb->error);
          cb->error = g_strstrip (g_strdup (r_error && *r_error ? r_error : r_description ? r_description : ""));
        }
    }
  if (*cb->state == '\0')
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "state is required");
      return FALSE;
    }
  if (!state_is_valid (cb->state))
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "invalid state");
      return FALSE;
    }
  if (*cb->code == '\0' && *cb->error == '\0')
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "code or error is required");
      return FALSE;
    }
  return TRUE;
}

char *
sy_mgmt_callback_paste (SyMgmtCallback *cb)
{
  const char *params[7];
  guint n = 0;

  if (*cb->code != '\0')
    {
      params[n++] = "code";
      params[n++] = cb->code;
    }
  else
    {
      params[n++] = "error";
      params[n++] = cb->error;
    }
  params[n++] = "state";
  params[n++] = cb->state;
  params[n] = NULL;
  return sy_oauth_build_url ("", params);
}

static void
handle_oauth_callback (SyMgmtRequest *request)
{
  g_auto(SyMgmtCallback) cb = { 0 };
  g_autofree char *paste = NULL;
  g_autoptr(GError) error = NULL;
  Session *s;

  if (!sy_mgmt_callback_parse (request->body, &cb, &error))
    {
      oauth_error (request, (guint) error->code, error->message);
      return;
    }
  s = g_hash_table_lookup (sessions_of (request->mgmt), cb.state);
  if (s == NULL)
    {
      oauth_error (request, 404, "unknown or expired state");
      return;
    }
  if (s->finished || s->error != NULL || s->flow == NULL)
    {
      oauth_error (request, 409, "oauth flow is not pending");
      return;
    }
  if (g_strcmp0 (s->provider, cb.provider) != 0)
    {
      oauth_error (request, 400, "provider does not match state");
      return;
    }

  /* To the sign-in's own listener, as a pasted redirect. */
  paste = sy_mgmt_callback_paste (&cb);
  if (!sy_login_flow_deliver (s->flow, paste, &error))
    {
      if (g_error_matches (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_STATE))
        oauth_error (request, 400, "invalid state");
      else
        oauth_error (request, 409, "oauth flow is not pending");
    }
  else
    {
      g_autoptr(JsonObject) root = json_object_new ();
      g_autoptr(JsonNode) node = NULL;

      json_object_set_string_member (root, "status", "ok");
      node = json_node_init_object (json_node_alloc (), root);
      sy_mgmt_reply_json (request, 200, node);
    }
  memset (cb.code, 0, strlen (cb.code));
  memset (paste, 0, strlen (paste));
}

static void
handle_auth_status (SyMgmtRequest *request)
{
  const char *raw = sy_mgmt_query (request, "state");
  g_autofree char *state = raw ? g_strstrip (g_strdup (raw)) : NULL;
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  Session *s;

  if (state != NULL && *state != '\0' && !state_is_valid (state))
    {
      oauth_error (request, 400, "invalid state");
      return;
    }
  s = state != NULL && *state != '\0' ? g_hash_table_lookup (sessions_of (request->mgmt), state) : NULL;
  if (s != NULL && s->error != NULL)
    {
      json_object_set_string_member (root, "status", "error");
      json_object_set_string_member (root, "error", s->error);
    }
  else
    /* Gone (done, or never there): ok, as CLIProxyAPI says. */
    json_object_set_string_member (root, "status", s != NULL ? "wait" : "ok");
  node = json_node_init_object (json_node_alloc (), root);
  sy_mgmt_reply_json (request, 200, node);
}

/* ====================================================================== */
/* POST /api-call                                                          */

/* The response headers /api-call reports: the HTTP client reads headers by
 * name only, so these (what quota pages and debugging look at). */
static const char * const api_call_headers[] = {
  "Content-Type", "Content-Length", "Content-Encoding", "Date", "Retry-After", "Location",
  "X-Request-Id", "Request-Id", "Cf-Ray", "Www-Authenticate",
  "X-Ratelimit-Limit-Requests", "X-Ratelimit-Limit-Tokens", "X-Ratelimit-Remaining-Requests",
  "X-Ratelimit-Remaining-Tokens", "X-Ratelimit-Reset-Requests", "X-Ratelimit-Reset-Tokens",
  "Anthropic-Ratelimit-Unified-Status", "Anthropic-Ratelimit-Unified-Reset",
  "Anthropic-Ratelimit-Unified-5h-Utilization", "Anthropic-Ratelimit-Unified-5h-Reset",
  "Anthropic-Ratelimit-Unified-7d-Utilization", "Anthropic-Ratelimit-Unified-7d-Reset",
  "X-Codex-Primary-Used-Percent", "X-Codex-Primary-Reset-After-Seconds", "X-Codex-Primary-Window-Minutes",
  "X-Codex-Secondary-Used-Percent", "X-Codex-Secondary-Reset-After-Seconds",
  "X-Codex-Secondary-Window-Minutes",
  NULL
};

typedef struct
{
  SyMgmtRequest  *request;
  char           *method;
  char           *url;
  GBytes         *data;
  GPtrArray      *names;       /* the header names asked for */
  GPtrArray      *values;      /* their values, $TOKEN$ still in */
  SyAccount      *account;     /* borrowed from the request's registry; NULL: none */
  gboolean        wants_token;
  SyHttpTransfer *transfer;
  GByteArray     *body;
  guint           status;
  gboolean        too_large;
} ApiCall;

static void
api_call_free (ApiCall *call)
{
  sy_mgmt_request_unref (call->request);
  g_free (call->method);
  g_free (call->url);
  g_clear_pointer (&call->data, g_bytes_unref);
  g_ptr_array_unref (call->names);
  g_ptr_array_unref (call->values);
  g_clear_pointer (&call->transfer, sy_http_transfer_unref);
  g_byte_array_unref (call->body);
  g_free (call);
}

static void
api_call_response (SyHttpTransfer *transfer,
                   guint           status,
                   gpointer        user_data)
{
  ((ApiCall *) user_data)->status = status;
}

static void
api_call_data (SyHttpTransfer *transfer,
               const char     *data,
               gsize           len,
               gpointer        user_data)
{
  ApiCall *call = user_data;

  if (call->too_large || call->body->len + len > API_CALL_MAX_BODY)
    {
      call->too_large = TRUE;
      return;
    }
  g_byte_array_append (call->body, (const guint8 *) data, len);
}

static void
api_call_done (SyHttpTransfer *transfer,
               const GError   *error,
               gpointer        user_data)
{
  ApiCall *call = user_data;
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autofree char *masked = NULL;
  JsonObject *headers;

  if (error != NULL)
    {
      g_debug ("management: api-call to %s failed: %s", call->url, error->message);
      sy_mgmt_reply_error (call->request, 502, "request failed", NULL);
      api_call_free (call);
      return;
    }
  if (call->too_large)
    {
      sy_mgmt_reply_error (call->request, 502, "failed to read response", "the answer is over 32 MiB");
      api_call_free (call);
      return;
    }
  root = json_object_new ();
  headers = json_object_new ();
  for (guint i = 0; api_call_headers[i] != NULL; i++)
    {
      const char *value = sy_http_transfer_get_header (transfer, api_call_headers[i]);
      g_autofree char *clean = NULL;
      JsonArray *values;

      if (value == NULL)
        continue;
      clean = sy_log_mask_secrets (value);
      values = json_array_new ();
      json_array_add_string_element (values, clean);
      json_object_set_array_member (headers, api_call_headers[i], values);
    }
  /* The body as text; what the upstream echoes of a known secret is masked. */
  text = g_utf8_make_valid ((const char *) call->body->data, call->body->len);
  masked = sy_log_mask_secrets (text);
  json_object_set_int_member (root, "status_code", call->status);
  json_object_set_object_member (root, "header", headers);
  json_object_set_string_member (root, "body", masked);
  node = json_node_init_object (json_node_alloc (), root);
  sy_mgmt_reply_json (call->request, 200, node);
  api_call_free (call);
}

static const SyHttpCallbacks api_call_callbacks = {
  api_call_response,
  api_call_data,
  api_call_done,
};

/* The account's current token: a login's access token, or the API key. */
static const char *
account_token (SyAccount *account)
{
  if (account->credential != NULL)
    return sy_credential_get_access_token (account->credential);
  return account->entry ? account->entry->api_key : NULL;
}

static void
wipe_string (gpointer data)
{
  char *s = data;

  if (s != NULL)
    {
      memset (s, 0, strlen (s));
      g_free (s);
    }
}

static void
api_call_send (ApiCall *call)
{
  SyHttpRequestInfo info = { 0 };
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (wipe_string);
  g_autoptr(GError) error = NULL;
  const char *token = call->account ? account_token (call->account) : NULL;
  const char *proxy = NULL;

  if (call->wants_token && (token == NULL || *token == '\0'))
    {
      sy_mgmt_reply_error (call->request, 400, "auth token not found", NULL);
      api_call_free (call);
      return;
    }
  for (guint i = 0; i < call->names->len; i++)
    {
      const char *value = g_ptr_array_index (call->values, i);
      g_autoptr(GString) line = g_string_new (NULL);

      g_string_printf (line, "%s: %s", (const char *) g_ptr_array_index (call->names, i), value);
      if (token != NULL)
        g_string_replace (line, "$TOKEN$", token, 0);
      g_ptr_array_add (lines, g_string_free (g_steal_pointer (&line), FALSE));
    }
  g_ptr_array_add (lines, NULL);

  /* The account's proxy, else the config's, else none (not the
   * environment's), as CLIProxyAPI picks. */
  if (call->account != NULL && call->account->credential != NULL)
    proxy = sy_credential_get_extra (call->account->credential, "proxy_url");
  if (proxy == NULL && call->account != NULL && call->account->entry != NULL)
    proxy = call->account->entry->proxy_url;
  if (proxy == NULL)
    proxy = call->request->config->proxy_url;
  if (proxy == NULL || *proxy == '\0')
    proxy = "direct";

  info.method = call->method;
  info.url = call->url;
  info.headers = (const char * const *) lines->pdata;
  info.body = call->data;
  info.proxy_url = proxy;
  info.idle_timeout_s = API_CALL_IDLE_TIMEOUT_S;
  call->transfer = sy_http_client_start (call->request->http, &info, &api_call_callbacks, call, &error);
  if (call->transfer == NULL)
    {
      g_debug ("management: api-call not sent: %s", error->message);
      sy_mgmt_reply_error (call->request, 400, "failed to build request", NULL);
      api_call_free (call);
    }
}

static void
on_api_call_refreshed (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  ApiCall *call = user_data;
  g_autoptr(GError) error = NULL;

  if (!sy_account_state_refresh_finish (SY_ACCOUNT_STATE (source), result, &error))
    {
      g_message ("management: api-call: %s could not be renewed: %s", call->account->id, error->message);
      sy_mgmt_reply_error (call->request, 400, "auth token refresh failed", NULL);
      api_call_free (call);
      return;
    }
  api_call_send (call);
}

/* The account an auth_index names: a login's (also by its login id, for a
 * login serving several projects), or an API key's. Borrowed. */
static SyAccount *
account_by_index (SyRegistry *registry,
                  const char *auth_index)
{
  GPtrArray *accounts = sy_registry_get_accounts (registry);

  for (guint i = 0; i < accounts->len; i++)
    {
      SyAccount *account = g_ptr_array_index (accounts, i);
      g_autofree char *index = sy_account_auth_index (account->id);
      g_autofree char *login_index = account->credential
                                     ? sy_account_auth_index (sy_credential_get_id (account->credential)) : NULL;

      if (g_str_equal (index, auth_index) || g_strcmp0 (login_index, auth_index) == 0)
        return account;
    }
  return NULL;
}

void
sy_mgmt_api_call_clear (SyMgmtApiCall *call)
{
  g_clear_pointer (&call->method, g_free);
  g_clear_pointer (&call->url, g_free);
  g_clear_pointer (&call->auth_index, g_free);
  g_clear_pointer (&call->data, g_bytes_unref);
  g_clear_pointer (&call->names, g_ptr_array_unref);
  g_clear_pointer (&call->values, g_ptr_array_unref);
  call->wants_token = FALSE;
}

gboolean
sy_mgmt_api_call_parse (GBytes        *body_bytes,
                        SyMgmtApiCall *call,
                        GError       **error)
{
  g_autoptr(JsonObject) body = sy_mgmt_body_object (body_bytes);
  g_autoptr(GUri) uri = NULL;
  static const char * const index_keys[] = { "auth_index", "authIndex", "AuthIndex" };
  JsonObject *headers;
  const char *data;

  if (body == NULL || (json_object_has_member (body, "header") &&
                       !JSON_NODE_HOLDS_NULL (json_object_get_member (body, "header")) &&
                       sy_mgmt_object_member (body, "header") == NULL))
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "invalid body");
      return FALSE;
    }
  call->method = g_strstrip (g_ascii_strup (string_member (body, "method") ? string_member (body, "method") : "",
                                            -1));
  if (*call->method == '\0')
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "missing method");
      return FALSE;
    }
  call->url = g_strstrip (g_strdup (string_member (body, "url") ? string_member (body, "url") : ""));
  if (*call->url == '\0')
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "missing url");
      return FALSE;
    }
  uri = g_uri_parse (call->url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0 &&
       g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0))
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "invalid url");
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (index_keys) && call->auth_index == NULL; i++)
    {
      const char *value = string_member (body, index_keys[i]);

      if (value != NULL)
        {
          call->auth_index = g_strstrip (g_strdup (value));
          if (*call->auth_index == '\0')
            g_clear_pointer (&call->auth_index, g_free);
        }
    }

  call->names = g_ptr_array_new_with_free_func (g_free);
  call->values = g_ptr_array_new_with_free_func (g_free);
  data = string_member (body, "data");
  if (data != NULL && *data != '\0')
    call->data = g_bytes_new (data, strlen (data));
  headers = sy_mgmt_object_member (body, "header");
  if (headers != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (headers);

      for (GList *l = names; l != NULL; l = l->next)
        {
          const char *value = string_member (headers, l->data);

          if (value == NULL)
            continue;
          g_ptr_array_add (call->names, g_strdup (l->data));
          g_ptr_array_add (call->values, g_strdup (value));
          if (strstr (value, "$TOKEN$") != NULL)
            call->wants_token = TRUE;
        }
    }
  return TRUE;
}

static void
handle_api_call (SyMgmtRequest *request)
{
  g_auto(SyMgmtApiCall) parsed = { 0 };
  g_autoptr(GError) error = NULL;
  ApiCall *call;
  gint64 now = now_of (request);

  if (!sy_mgmt_api_call_parse (request->body, &parsed, &error))
    {
      sy_mgmt_reply_gerror (request, error);
      return;
    }

  call = g_new0 (ApiCall, 1);
  call->request = sy_mgmt_request_ref (request);
  call->method = g_steal_pointer (&parsed.method);
  call->url = g_steal_pointer (&parsed.url);
  call->names = g_steal_pointer (&parsed.names);
  call->values = g_steal_pointer (&parsed.values);
  call->body = g_byte_array_new ();
  call->account = parsed.auth_index ? account_by_index (request->registry, parsed.auth_index) : NULL;
  call->data = g_steal_pointer (&parsed.data);
  call->wants_token = parsed.wants_token;

  sy_mgmt_request_pause (request);
  if (call->wants_token && call->account == NULL)
    {
      sy_mgmt_reply_error (request, 400, "auth token not found", NULL);
      api_call_free (call);
      return;
    }
  /* A login's token renewed first when it is about to expire (or was never
   * minted: Vertex). */
  if (call->wants_token && call->account->credential != NULL &&
      sy_account_state_can_refresh (call->account->state))
    {
      SyCredential *credential = call->account->credential;
      gint64 expires = sy_credential_get_expires (credential);

      if (sy_credential_get_access_token (credential) == NULL ||
          (expires > 0 && expires - now < API_CALL_REFRESH_US))
        {
          sy_account_state_refresh_async (call->account->state, NULL, on_api_call_refreshed, call);
          return;
        }
    }
  api_call_send (call);
}

/* ====================================================================== */

static void
handle_auth_files (SyMgmtRequest *request)
{
  switch (request->method)
    {
    case SY_MGMT_GET:
      handle_list (request);
      break;
    case SY_MGMT_POST:
      handle_upload (request);
      break;
    case SY_MGMT_DELETE:
      handle_delete (request);
      break;
    default:
      g_assert_not_reached ();
    }
}

const SyMgmtRoute sy_mgmt_auth_routes[] = {
  { "/auth-files", SY_MGMT_GET | SY_MGMT_POST | SY_MGMT_DELETE, handle_auth_files },
  { "/auth-files/models", SY_MGMT_GET, handle_models },
  { "/auth-files/download", SY_MGMT_GET, handle_download },
  { "/auth-files/status", SY_MGMT_PATCH, handle_status },
  { "/auth-files/fields", SY_MGMT_PATCH, handle_fields },
  { "/model-definitions", SY_MGMT_GET, handle_model_definitions },
  { "/model-definitions/", SY_MGMT_GET, handle_model_definitions },
  { "/vertex/import", SY_MGMT_POST, handle_vertex_import },
  { "/anthropic-auth-url", SY_MGMT_GET, handle_anthropic_url },
  { "/codex-auth-url", SY_MGMT_GET, handle_codex_url },
  { "/gemini-cli-auth-url", SY_MGMT_GET, handle_gemini_cli_url },
  { "/antigravity-auth-url", SY_MGMT_GET, handle_antigravity_url },
  { "/kimi-auth-url", SY_MGMT_GET, handle_kimi_url },
  { "/qwen-auth-url", SY_MGMT_GET, handle_discontinued },
  { "/iflow-auth-url", SY_MGMT_GET | SY_MGMT_POST, handle_discontinued },
  { "/oauth-callback", SY_MGMT_POST, handle_oauth_callback },
  { "/get-auth-status", SY_MGMT_GET, handle_auth_status },
  { "/api-call", SY_MGMT_POST, handle_api_call },
  { NULL, 0, NULL }
};
