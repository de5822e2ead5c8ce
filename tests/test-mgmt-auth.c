/* test-mgmt-auth.c: the management API's credential routes
 *
 * A real service from a config file in a temporary directory, its token
 * store the encrypted file (no session bus), an auth-dir beside it; the
 * fake upstream on 127.0.0.1 plays Claude's API and token endpoint, the
 * ChatGPT sign-in, Kimi's device sign-in, Google's service-account token
 * endpoint and an echo server for /api-call. Requests go over HTTP.
 *
 * Every token of the test is a canary: none may appear in any management
 * answer but the explicit download, nor in any log line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "fake-upstream.h"
#include "login-test-util.h"
#include "mgmt-test-util.h"
#include "sy-account-pool.h"
#include "sy-account-state.h"
#include "sy-auth-dir.h"
#include "sy-oauth.h"
#include "sy-registry.h"
#include "sy-service-logins.h"
#include "switchyard.h"

#define CLIENT_KEY   "sk-client-canary-3e8d1f"
#define MGMT_KEY     "mgmt-canary-77a1c0e4"
#define CLAUDE_KEY   "sk-ant-api03-keycanary-51b2c3d4e5"

/* Claude logins: A and B serve, C's refresh token is refused, D expires soon. */
#define A_ACCESS     "sk-ant-oat01-canary-access-aaaa1111"
#define A_REFRESH    "sk-ant-ort01-canary-refresh-aaaa2222"
#define B_ACCESS     "sk-ant-oat01-canary-access-bbbb1111"
#define B_REFRESH    "sk-ant-ort01-canary-refresh-bbbb2222"
#define C_ACCESS     "sk-ant-oat01-canary-access-cccc1111"
#define C_REFRESH    "sk-ant-ort01-canary-refused-cccc2222"
#define D_ACCESS     "sk-ant-oat01-canary-access-dddd1111"
#define D_REFRESH    "sk-ant-ort01-canary-refresh-dddd2222"
#define RENEWED      "sk-ant-oat01-canary-renewed-"

#define CODEX_ACCESS  "codex-canary-access-0c0d3e"
#define CODEX_REFRESH "rt_codex-canary-refresh-9f8e7d"
#define CODEX_CLIENT  "app_EMoamEEZ73f0CkXaXp7hrann"
#define PROXY_PASS    "proxypass-canary-4411"

#define KIMI_ACCESS   "kimi-canary-access-5a5b5c5d"
#define KIMI_REFRESH  "kimi-canary-refresh-6a6b6c6d"
#define KIMI_CODE     "KIMI-4242"

#define VERTEX_TOKEN  "ya29.vertex-canary-token-8h8h"

/* management.md §3.5, the entry every listing must match key by key. */
static const char reference_entry[] =
  "{\"id\":\"codex-me@x.com-plus.json\",\"auth_index\":\"3f1c0a9b2d4e5f60\",\"name\":\"codex-me@x.com-plus.json\","
  "\"type\":\"codex\",\"provider\":\"codex\",\"label\":\"me@x.com\",\"status\":\"active\",\"status_message\":\"\","
  "\"disabled\":false,\"unavailable\":false,\"runtime_only\":false,\"source\":\"file\",\"size\":1834,"
  "\"email\":\"me@x.com\",\"account_type\":\"oauth\",\"account\":\"me@x.com\","
  "\"created_at\":\"…\",\"modtime\":\"…\",\"updated_at\":\"…\",\"last_refresh\":\"…\",\"next_retry_after\":\"…\","
  "\"path\":\"/…/auths/codex-me@x.com-plus.json\","
  "\"id_token\":{\"chatgpt_account_id\":\"…\",\"plan_type\":\"plus\",\"chatgpt_subscription_active_start\":\"…\","
  "\"chatgpt_subscription_active_until\":\"…\"},"
  "\"priority\":10,\"note\":\"work account\"}";

typedef struct
{
  FakeUpstream *upstream;
  SyService    *service;
  SoupSession  *session;
  char         *dir;
  char         *auth;
  char         *config_path;
  char         *base;
  EVP_PKEY     *key;

  /* what the fakes saw */
  guint         n_refresh;
  guint         n_codex_tokens;
  guint         n_kimi_polls;
  char         *echo_authorization;
  gboolean      usage_endpoint;      /* /api/oauth/usage answers (else 404) */
  char         *echo_body;
  char         *codex_code;
  GPtrArray    *canaries;         /* tokens handed out by the fakes too */
} Fixture;

/* ------------------------------------------------------------------ files */

/* An id_token as OpenAI issues it (the signature is never checked). */
static char *
codex_id_token (const char *email)
{
  g_autofree char *claims = g_strdup_printf (
    "{\"iss\":\"https://auth.openai.com\",\"email\":\"%s\",\"email_verified\":true,"
    "\"https://api.openai.com/auth\":{\"chatgpt_account_id\":\"acct-77c1\",\"chatgpt_plan_type\":\"plus\","
    "\"chatgpt_subscription_active_start\":\"2026-01-01T00:00:00Z\","
    "\"chatgpt_subscription_active_until\":\"2026-12-31T00:00:00Z\",\"chatgpt_user_id\":\"user-1\"}}", email);

  return unsigned_jwt (claims, "c2lnbmF0dXJlLWNhbmFyeQ");
}

static char *
rfc3339 (gint64 time_us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);

  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

/* CLIProxyAPI's Claude file (oauth.md §5). */
static char *
claude_file (const char *email,
             const char *access,
             const char *refresh,
             gint64      expires_in_s,
             gint64      refreshed_ago_s)
{
  gint64 now = g_get_real_time ();
  g_autofree char *expired = rfc3339 (now + expires_in_s * G_USEC_PER_SEC);
  g_autofree char *refreshed = rfc3339 (now - refreshed_ago_s * G_USEC_PER_SEC);

  return g_strdup_printf ("{\"id_token\":\"\",\"access_token\":\"%s\",\"refresh_token\":\"%s\","
                          "\"last_refresh\":\"%s\",\"email\":\"%s\",\"type\":\"claude\",\"expired\":\"%s\"}",
                          access, refresh, refreshed, email, expired);
}

/* A Codex file in the auth-dir with every knob the listing shows. */
static void
write_codex_file (Fixture *f)
{
  g_autofree char *id_token = codex_id_token ("me@x.com");
  g_autofree char *expired = rfc3339 (g_get_real_time () + G_GINT64_CONSTANT (10) * 86400 * G_USEC_PER_SEC);
  g_autofree char *refreshed = rfc3339 (g_get_real_time ());
  g_autofree char *text = g_strdup_printf (
    "{\"id_token\":\"%s\",\"access_token\":\"" CODEX_ACCESS "\",\"refresh_token\":\"" CODEX_REFRESH "\","
    "\"account_id\":\"acct-77c1\",\"last_refresh\":\"%s\",\"email\":\"me@x.com\",\"type\":\"codex\","
    "\"expired\":\"%s\",\"priority\":10,\"note\":\"work account\","
    "\"proxy_url\":\"http://user:" PROXY_PASS "@127.0.0.1:9\"}", id_token, refreshed, expired);
  g_autofree char *path = g_build_filename (f->auth, "codex-me@x.com-plus.json", NULL);
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (f->canaries, g_strdup (id_token));
  g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------ fakes */

/* POST /v1/oauth/token: Claude renews, except C's refresh token. */
static void
on_claude_token (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonObject) o = request_json (msg);
  g_autofree char *body = NULL;

  g_assert_cmpstr (json_object_get_string_member (o, "grant_type"), ==, "refresh_token");
  if (g_strcmp0 (json_object_get_string_member (o, "refresh_token"), C_REFRESH) == 0)
    {
      answer_json (msg, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token revoked\"}");
      return;
    }
  f->n_refresh++;
  body = g_strdup_printf ("{\"token_type\":\"Bearer\",\"access_token\":\"" RENEWED "%u\","
                          "\"refresh_token\":\"sk-ant-ort01-canary-renewed-%u\",\"expires_in\":28800}",
                          f->n_refresh, f->n_refresh);
  answer_json (msg, 200, body);
}

/* GET /oauth/authorize: the "user" consents at once and is sent back. */
static void
on_codex_authorize (SoupServer        *server,
                    SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  Fixture *f = user_data;
  const char *redirect = query ? g_hash_table_lookup (query, "redirect_uri") : NULL;
  g_autofree char *location = NULL;

  g_assert_nonnull (redirect);
  g_assert_cmpstr (g_hash_table_lookup (query, "client_id"), ==, CODEX_CLIENT);
  g_free (f->codex_code);
  f->codex_code = g_strdup_printf ("ac_code-canary-%u", g_random_int ());
  location = g_strdup_printf ("%s?code=%s&scope=openid&state=%s", redirect, f->codex_code,
                              (const char *) g_hash_table_lookup (query, "state"));
  soup_server_message_set_redirect (msg, 302, location);
}

/* POST /oauth/token (form): the code exchange. */
static void
on_codex_token (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(GHashTable) form = request_form (msg);
  g_autofree char *id_token = codex_id_token ("web@x.com");
  g_autofree char *body = NULL;

  g_assert_cmpstr (g_hash_table_lookup (form, "grant_type"), ==, "authorization_code");
  g_assert_cmpstr (g_hash_table_lookup (form, "code"), ==, f->codex_code);
  f->n_codex_tokens++;
  g_ptr_array_add (f->canaries, g_strdup (id_token));
  body = g_strdup_printf ("{\"id_token\":\"%s\",\"access_token\":\"" CODEX_ACCESS "-web\","
                          "\"refresh_token\":\"" CODEX_REFRESH "-web\",\"expires_in\":864000}", id_token);
  answer_json (msg, 200, body);
}

/* POST /api/oauth/device_authorization */
static void
on_kimi_device (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  Fixture *f = user_data;
  g_autofree char *body = g_strdup_printf (
    "{\"device_code\":\"dc-canary-1\",\"user_code\":\"" KIMI_CODE "\",\"verification_uri\":\"%s/device\","
    "\"verification_uri_complete\":\"%s/device?user_code=" KIMI_CODE "\",\"expires_in\":600,\"interval\":0.01}",
    fake_upstream_get_url (f->upstream), fake_upstream_get_url (f->upstream));

  answer_json (msg, 200, body);
}

/* POST /api/oauth/token: pending once, then approved. */
static void
on_kimi_token (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  Fixture *f = user_data;

  if (++f->n_kimi_polls == 1)
    {
      answer_json (msg, 400, "{\"error\":\"authorization_pending\"}");
      return;
    }
  answer_json (msg, 200, "{\"access_token\":\"" KIMI_ACCESS "\",\"refresh_token\":\"" KIMI_REFRESH "\","
                         "\"token_type\":\"Bearer\",\"expires_in\":3600,\"scope\":\"kimi-code\"}");
}

/* POST /token: Google mints a service-account token. */
static void
on_vertex_token (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  answer_json (msg, 200, "{\"access_token\":\"" VERTEX_TOKEN "\",\"expires_in\":3600,\"token_type\":\"Bearer\"}");
}

/* /echo: what /api-call sent; the answer repeats the Authorization header. */
static void
on_echo (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  Fixture *f = user_data;
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  SoupMessageBody *req = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (req);
  const char *authorization = soup_message_headers_get_one (in, "Authorization");
  g_autofree char *body = NULL;

  g_free (f->echo_authorization);
  f->echo_authorization = g_strdup (authorization);
  g_free (f->echo_body);
  f->echo_body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  body = g_strdup_printf ("{\"method\":\"%s\",\"you_sent\":\"%s\",\"x_custom\":\"%s\"}",
                          soup_server_message_get_method (msg), authorization ? authorization : "",
                          soup_message_headers_get_one (in, "X-Custom") ? soup_message_headers_get_one (in, "X-Custom") : "");
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "X-Ratelimit-Remaining-Requests", "41");
  answer_json (msg, 200, body);
}

/* /api/oauth/usage: Claude's usage endpoint, for the active quota reads. */
static void
on_claude_usage (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  Fixture *f = user_data;
  const char *authorization =
    soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");

  /* Only for the test about it: readings change which account is picked. */
  if (!f->usage_endpoint)
    {
      answer_json (msg, 404, "{\"error\":\"not here\"}");
      return;
    }
  g_free (f->echo_authorization);
  f->echo_authorization = g_strdup (authorization);
  answer_json (msg, 200, "{\"five_hour\":{\"utilization\":42.0,\"resets_at\":\"2099-01-02T19:59:59.600956+00:00\"},"
                         "\"seven_day\":{\"utilization\":10.0,\"resets_at\":\"2099-01-05T00:00:00+00:00\"}}");
}

/* ------------------------------------------------------------------ service */

static void
write_config (Fixture    *f,
              const char *extra)
{
  const char *url = fake_upstream_get_url (f->upstream);
  gboolean all = extra != NULL && g_str_has_prefix (extra, "#all");
  g_autofree char *yaml = g_strdup_printf (
    "host: %s\n"
    "port: 0\n"
    "api-keys: [\"" CLIENT_KEY "\"]\n"
    "token-store: file\n"
    "auth-dir: \"%s\"\n"
    "routing: {strategy: round-robin}\n"
    "%s"
    "endpoints:\n"
    "  claude: {auth: \"%s\", api: \"%s\"}\n"
    "  codex: {auth: \"%s\", api: \"%s\"}\n"
    "  kimi: {auth: \"%s\", api: \"%s\"}\n"
    "  vertex: {auth: \"%s\", api: \"%s\"}\n"
    "claude-api-key:\n"
    "  - api-key: \"" CLAUDE_KEY "\"\n"
    "    base-url: \"%s\"\n"
    "    models: [{name: claude-key-only}]\n",
    all ? "\"\"" : "127.0.0.1", f->auth,
    all ? "remote-management:\n  secret-key: \"" MGMT_KEY "\"\n  allow-remote: true\n" : "",
    url, url, url, url, url, url, url, url, url);

  mgmt_write_config (f->config_path, yaml);
}

static void
start_service (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *accounts = g_build_filename (f->dir, "accounts.json", NULL);
  g_autofree char *tokens = g_build_filename (f->dir, "tokens", NULL);
  gboolean loaded = FALSE;

  f->service = sy_service_new_from_file (f->config_path, &error);
  g_assert_no_error (error);
  sy_service_set_usage_file (f->service, NULL);
  sy_service_set_login_files (f->service, accounts, tokens);
  sy_service_set_management_key (f->service, MGMT_KEY);
  sy_service_load_logins_async (f->service, NULL, on_loaded, &loaded);
  while (!loaded)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (sy_service_get_auth_dir (f->service));
  sy_auth_dir_set_delay (sy_service_get_auth_dir (f->service), 50);
  f->base = mgmt_start_service (f->service);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  const char *extra = data;
  static const char * const canaries[] = {
    MGMT_KEY, CLAUDE_KEY, A_ACCESS, A_REFRESH, B_ACCESS, B_REFRESH, C_ACCESS, C_REFRESH, D_ACCESS, D_REFRESH,
    RENEWED, CODEX_ACCESS, CODEX_REFRESH, PROXY_PASS, KIMI_ACCESS, KIMI_REFRESH, VERTEX_TOKEN,
    "sk-ant-ort01-canary-renewed-", "PRIVATE KEY", "dc-canary-1",
  };

  f->canaries = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < G_N_ELEMENTS (canaries); i++)
    g_ptr_array_add (f->canaries, g_strdup (canaries[i]));
  f->dir = g_dir_make_tmp ("sy-mgmt-auth-XXXXXX", NULL);
  f->auth = g_build_filename (f->dir, "auth", NULL);
  g_assert_cmpint (g_mkdir (f->auth, 0700), ==, 0);
  f->config_path = g_build_filename (f->dir, "config.yaml", NULL);
  f->upstream = fake_upstream_new ();
  fake_upstream_add_handler (f->upstream, "/v1/oauth/token", on_claude_token, f);
  fake_upstream_add_handler (f->upstream, "/oauth/authorize", on_codex_authorize, f);
  fake_upstream_add_handler (f->upstream, "/oauth/token", on_codex_token, f);
  fake_upstream_add_handler (f->upstream, "/api/oauth/device_authorization", on_kimi_device, f);
  fake_upstream_add_handler (f->upstream, "/api/oauth/token", on_kimi_token, f);
  fake_upstream_add_handler (f->upstream, "/token", on_vertex_token, f);
  fake_upstream_add_handler (f->upstream, "/echo", on_echo, f);
  fake_upstream_add_handler (f->upstream, "/api/oauth/usage", on_claude_usage, f);
  /* Straight to 127.0.0.1: no system proxy lookup in the test. */
  f->session = soup_session_new_with_options ("timeout", 30, "proxy-resolver", NULL, NULL);
  g_string_truncate (all_logs, 0);
  if (extra != NULL && strstr (extra, "codex-file") != NULL)
    write_codex_file (f);
  write_config (f, extra);
  start_service (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  /* No token of the test reached a log line. */
  for (guint i = 0; i < f->canaries->len; i++)
    {
      const char *canary = g_ptr_array_index (f->canaries, i);

      if (count_in_logs (canary) != 0)
        g_error ("%s turned up in the log:\n%s", canary, all_logs->str);
    }
  mgmt_stop_all (&f->session, &f->service, &f->upstream);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->auth);
  g_free (f->config_path);
  g_free (f->base);
  g_free (f->echo_authorization);
  g_free (f->echo_body);
  g_free (f->codex_code);
  g_ptr_array_unref (f->canaries);
  g_clear_pointer (&f->key, EVP_PKEY_free);
}

/* ------------------------------------------------------------------ requests */

static void
mgmt_full (Fixture      *f,
           const char   *method,
           const char   *path,
           const char   *content_type,
           const char   *body,
           gsize         len,
           HttpResponse *out)
{
  mgmt_request (f->session, f->base, method, path, MGMT_KEY, content_type, body, len, out);
}

static void
mgmt (Fixture      *f,
      const char   *method,
      const char   *path,
      const char   *body,
      HttpResponse *out)
{
  mgmt_full (f, method, path, NULL, body, body ? strlen (body) : 0, out);
}

/* The answer holds none of the test's secrets. */
static void
assert_no_canary (Fixture      *f,
                  HttpResponse *r)
{
  for (guint i = 0; i < f->canaries->len; i++)
    {
      const char *canary = g_ptr_array_index (f->canaries, i);

      if (strstr (r->text, canary) != NULL)
        g_error ("%s turned up in an answer: %s", canary, r->text);
    }
}

static void
upload_raw (Fixture      *f,
            const char   *name,
            const char   *text,
            HttpResponse *out)
{
  g_autofree char *escaped = g_uri_escape_string (name, NULL, TRUE);
  g_autofree char *path = g_strdup_printf ("/auth-files?name=%s", escaped);

  mgmt_full (f, "POST", path, "application/json", text, strlen (text), out);
}

static void
upload_ok (Fixture    *f,
           const char *name,
           const char *text)
{
  g_auto(HttpResponse) r = { 0 };

  upload_raw (f, name, text, &r);
  if (r.status != 200)
    g_printerr ("%s: %s\n", name, r.text);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (r.text, ==, "{\"status\":\"ok\"}");
}

static void
upload_multipart (Fixture            *f,
                  const char * const *names,
                  const char * const *texts,
                  HttpResponse       *out)
{
  SoupMultipart *multipart = soup_multipart_new ("multipart/form-data");
  SoupMessageHeaders *headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_MULTIPART);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *content_type = NULL;

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(GBytes) part = g_bytes_new (texts[i], strlen (texts[i]));
      g_autofree char *field = g_strdup_printf ("file%u", i);

      soup_multipart_append_form_file (multipart, field, names[i], "application/json", part);
    }
  soup_multipart_to_message (multipart, headers, &body);
  content_type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));
  soup_multipart_free (multipart);
  soup_message_headers_unref (headers);
  mgmt_full (f, "POST", "/auth-files", content_type, g_bytes_get_data (body, NULL), g_bytes_get_size (body), out);
}

static JsonNode *
list_files (Fixture *f)
{
  g_auto(HttpResponse) r = { 0 };

  mgmt (f, "GET", "/auth-files", NULL, &r);
  g_assert_cmpuint (r.status, ==, 200);
  assert_no_canary (f, &r);
  return http_response_json (&r);
}

/* The entry named @name in a listing, or NULL. */
static JsonObject *
entry_named (JsonNode   *root,
             const char *name)
{
  JsonArray *files = json_object_get_array_member (json_node_get_object (root), "files");

  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonObject *entry = json_array_get_object_element (files, i);

      if (g_strcmp0 (json_object_get_string_member (entry, "name"), name) == 0)
        return entry;
    }
  return NULL;
}

/* The entry whose e-mail is @email, or NULL. */
static JsonObject *
entry_of (JsonNode   *root,
          const char *email)
{
  JsonArray *files = json_object_get_array_member (json_node_get_object (root), "files");

  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonObject *entry = json_array_get_object_element (files, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (entry, "email", NULL), email) == 0)
        return entry;
    }
  return NULL;
}

static guint
n_files (JsonNode *root)
{
  return json_array_get_length (json_object_get_array_member (json_node_get_object (root), "files"));
}

static char *
name_of (Fixture    *f,
         const char *email)
{
  g_autoptr(JsonNode) root = list_files (f);
  JsonObject *entry = entry_of (root, email);

  g_assert_nonnull (entry);
  return g_strdup (json_object_get_string_member (entry, "name"));
}

static char *
auth_index_of (Fixture    *f,
               const char *email)
{
  g_autoptr(JsonNode) root = list_files (f);
  JsonObject *entry = entry_of (root, email);

  g_assert_nonnull (entry);
  return g_strdup (json_object_get_string_member (entry, "auth_index"));
}

static SyAccountState *
state_of (Fixture    *f,
          const char *provider)
{
  GListModel *accounts = sy_service_get_accounts (f->service);

  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(SyAccountState) state = g_list_model_get_item (accounts, i);

      if (g_strcmp0 (sy_account_state_get_provider (state), provider) == 0)
        return state;
    }
  return NULL;
}

static void
client_ask (Fixture    *f,
            const char *model)
{
  g_autofree char *url = g_strconcat (f->base, "/v1/messages", NULL);
  g_autofree char *body = g_strdup_printf ("{\"model\":\"%s\",\"max_tokens\":16,"
                                           "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", model);
  const char *headers[] = { "x-api-key: " CLIENT_KEY, "anthropic-version: 2023-06-01", NULL };
  g_auto(HttpResponse) r = { 0 };

  http_request (f->session, "POST", url, NULL, body, strlen (body), headers, &r);
  if (r.status != 200)
    g_printerr ("%s\n", r.text);
  g_assert_cmpuint (r.status, ==, 200);
}

static char *
first_model (Fixture    *f,
             const char *name)
{
  g_autofree char *escaped = g_uri_escape_string (name, NULL, TRUE);
  g_autofree char *path = g_strdup_printf ("/auth-files/models?name=%s", escaped);
  g_auto(HttpResponse) r = { 0 };
  g_autoptr(JsonNode) root = NULL;

  mgmt (f, "GET", path, NULL, &r);
  g_assert_cmpuint (r.status, ==, 200);
  root = http_response_json (&r);
  g_assert_nonnull (http_json_string (root, "models.0.id"));
  return g_strdup (http_json_string (root, "models.0.id"));
}

typedef struct
{
  Fixture *f;
  guint    n;
} AccountsWait;

static gboolean
enough_accounts (gpointer data)
{
  AccountsWait *w = data;

  return sy_service_get_n_accounts (w->f->service) >= w->n;
}

/* Until the service serves @n accounts (an auth-dir file was picked up). */
static void
wait_accounts (Fixture *f,
               guint    n)
{
  AccountsWait w = { f, n };

  g_assert_true (http_spin_until (enough_accounts, &w, 10000));
}

/* A browser visit on the test's main loop (the sign-in's listener runs on
 * it too); with @follow FALSE the first answer, redirect or not. */
static SoupMessage *
browse (Fixture    *f,
        const char *url,
        gboolean    follow)
{
  SoupMessage *msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) page = NULL;

  g_assert_nonnull (msg);
  if (!follow)
    soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  page = http_send (f->session, msg, 30000, &error);
  g_assert_no_error (error);
  return msg;
}

/* ------------------------------------------------------------------ listing */

static void
assert_same_shape (JsonObject *expected,
                   JsonObject *actual,
                   const char *where)
{
  g_autoptr(GList) names = json_object_get_members (expected);

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *e = json_object_get_member (expected, l->data);
      JsonNode *a = json_object_get_member (actual, l->data);

      if (a == NULL)
        g_error ("%s: no \"%s\"", where, (const char *) l->data);
      g_assert_cmpint (json_node_get_node_type (a), ==, json_node_get_node_type (e));
      if (JSON_NODE_HOLDS_VALUE (e))
        g_assert_cmpstr (g_type_name (json_node_get_value_type (a)), ==, g_type_name (json_node_get_value_type (e)));
      if (JSON_NODE_HOLDS_OBJECT (e))
        assert_same_shape (json_node_get_object (e), json_node_get_object (a), l->data);
    }
}

static void
test_list_shape (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *claude = claude_file ("a@example.com", A_ACCESS, A_REFRESH, 8 * 3600, 60);
  g_autofree char *auth_index = NULL;
  g_autofree char *path = g_build_filename (f->auth, "codex-me@x.com-plus.json", NULL);
  SyAccountState *state = state_of (f, "codex");
  SyFailure quota = { 429, SY_FAILURE_QUOTA, 600 * G_USEC_PER_SEC, FALSE, FALSE };
  JsonObject *codex;
  JsonObject *store;
  JsonObject *cooldown;

  g_assert_nonnull (state);
  upload_ok (f, "claude-a@example.com.json", claude);
  sy_account_state_mark_failure (state, "gpt-5", &quota, "quota exceeded", FALSE, g_get_real_time ());

  root = list_files (f);
  g_assert_cmpuint (n_files (root), ==, 2);

  /* The auth-dir file has every key of CLIProxyAPI's entry, of its type. */
  codex = entry_named (root, "codex-me@x.com-plus.json");
  g_assert_nonnull (codex);
  g_assert_true (json_parser_load_from_data (parser, reference_entry, -1, NULL));
  assert_same_shape (json_node_get_object (json_parser_get_root (parser)), codex, "codex entry");
  auth_index = sy_account_auth_index (json_object_get_string_member (codex, "id"));
  g_assert_cmpuint (strlen (auth_index), ==, 16);
  g_assert_cmpstr (json_object_get_string_member (codex, "auth_index"), ==, auth_index);
  g_assert_cmpstr (json_object_get_string_member (codex, "type"), ==, "codex");
  g_assert_cmpstr (json_object_get_string_member (codex, "source"), ==, "file");
  g_assert_cmpstr (json_object_get_string_member (codex, "path"), ==, path);
  g_assert_cmpstr (json_object_get_string_member (codex, "email"), ==, "me@x.com");
  g_assert_cmpstr (json_object_get_string_member (codex, "status"), ==, "cooling");
  g_assert_cmpstr (json_object_get_string_member (codex, "status_message"), ==, "quota exceeded");
  g_assert_true (json_object_get_boolean_member (codex, "unavailable"));
  g_assert_false (json_object_get_boolean_member (codex, "disabled"));
  g_assert_cmpint (json_object_get_int_member (codex, "priority"), ==, 10);
  g_assert_cmpstr (json_object_get_string_member (codex, "note"), ==, "work account");
  g_assert_cmpint (json_object_get_int_member (codex, "size"), >, 100);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (codex, "id_token"), "plan_type"),
                   ==, "plus");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (codex, "id_token"),
                                                  "chatgpt_account_id"), ==, "acct-77c1");
  /* Switchyard's own: the cooldowns, the quota windows, the proxy masked. */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (codex, "cooldowns")), ==, 1);
  cooldown = json_array_get_object_element (json_object_get_array_member (codex, "cooldowns"), 0);
  g_assert_cmpstr (json_object_get_string_member (cooldown, "model"), ==, "gpt-5");
  g_assert_cmpstr (json_object_get_string_member (cooldown, "reason"), ==, "quota");
  g_assert_cmpstr (json_object_get_string_member (cooldown, "until"), ==,
                   json_object_get_string_member (codex, "next_retry_after"));
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (codex, "quota")));
  g_assert_cmpstr (json_object_get_string_member (codex, "proxy_url"), ==, "http://user:***@127.0.0.1:9");

  /* A token-store login: no file, the name CLIProxyAPI would give it. */
  store = entry_of (root, "a@example.com");
  g_assert_nonnull (store);
  g_assert_cmpstr (json_object_get_string_member (store, "name"), ==, "claude-a@example.com.json");
  g_assert_cmpstr (json_object_get_string_member (store, "source"), ==, "store");
  g_assert_cmpstr (json_object_get_string_member (store, "type"), ==, "claude");
  g_assert_cmpstr (json_object_get_string_member (store, "status"), ==, "active");
  g_assert_cmpstr (json_object_get_string_member (store, "account_type"), ==, "oauth");
  g_assert_nonnull (json_object_get_string_member_with_default (store, "created_at", NULL));
  g_assert_nonnull (json_object_get_string_member_with_default (store, "last_refresh", NULL));
  g_assert_false (json_object_has_member (store, "path"));
  g_assert_false (json_object_has_member (store, "next_retry_after"));
  g_assert_false (json_object_has_member (store, "id_token"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (store, "cooldowns")), ==, 0);

  /* The sign-in is the Codex entry's: the same auth_index for /api-call. */
  sy_account_state_clear_cooldowns (state, NULL);
  {
    g_autoptr(JsonNode) again = list_files (f);

    g_assert_cmpstr (json_object_get_string_member (entry_named (again, "codex-me@x.com-plus.json"), "status"),
                     ==, "active");
  }
}

/* ------------------------------------------------------------------ upload */

static void
test_upload (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *a = claude_file ("a@example.com", A_ACCESS, A_REFRESH, 8 * 3600, 60);
  g_autofree char *b = claude_file ("b@example.com", B_ACCESS, B_REFRESH, 8 * 3600, 60);
  g_autofree char *c = claude_file ("c@example.com", C_ACCESS, C_REFRESH, 8 * 3600, 60);
  g_autofree char *stale = claude_file ("a@example.com", "sk-ant-oat01-stale-xxxxxxxxxxxx",
                                        "sk-ant-ort01-stale-xxxxxxxxxxxx", 8 * 3600, 86400);
  g_autofree char *accounts = NULL;
  g_auto(HttpResponse) two = { 0 };
  g_auto(HttpResponse) partial = { 0 };
  g_auto(HttpResponse) bad = { 0 };
  g_auto(HttpResponse) bad_name = { 0 };
  g_auto(HttpResponse) older = { 0 };
  g_auto(HttpResponse) none = { 0 };
  g_auto(HttpResponse) qwen = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) listed = NULL;
  const char *pair_names[] = { "claude-a@example.com.json", "claude-b@example.com.json", NULL };
  const char *pair_texts[] = { a, b };
  const char *mixed_names[] = { "claude-c@example.com.json", "notes.txt", "broken.json", NULL };
  const char *mixed_texts[] = { c, "{}", "{\"type\":" };
  JsonArray *failed;

  /* Two files in one form. */
  upload_multipart (f, pair_names, pair_texts, &two);
  g_assert_cmpuint (two.status, ==, 200);
  root = http_response_json (&two);
  g_assert_cmpstr (http_json_string (root, "status"), ==, "ok");
  g_assert_cmpint (http_json_int (root, "uploaded"), ==, 2);
  g_assert_cmpstr (http_json_string (root, "files.0"), ==, "claude-a@example.com.json");
  g_assert_cmpstr (http_json_string (root, "files.1"), ==, "claude-b@example.com.json");
  g_clear_pointer (&root, json_node_unref);

  /* One good file and two bad ones: 207, each failure named. */
  upload_multipart (f, mixed_names, mixed_texts, &partial);
  g_assert_cmpuint (partial.status, ==, 207);
  root = http_response_json (&partial);
  g_assert_cmpstr (http_json_string (root, "status"), ==, "partial");
  g_assert_cmpint (http_json_int (root, "uploaded"), ==, 1);
  g_assert_cmpstr (http_json_string (root, "files.0"), ==, "claude-c@example.com.json");
  failed = json_node_get_array (http_json_at (root, "failed"));
  g_assert_cmpuint (json_array_get_length (failed), ==, 2);
  g_assert_cmpstr (http_json_string (root, "failed.0.name"), ==, "notes.txt");
  g_assert_cmpstr (http_json_string (root, "failed.0.error"), ==, "file must be .json");
  g_assert_cmpstr (http_json_string (root, "failed.1.name"), ==, "broken.json");
  g_assert_true (g_str_has_prefix (http_json_string (root, "failed.1.error"), "invalid auth file"));
  g_clear_pointer (&root, json_node_unref);

  /* A single bad file: 400 with the reason. */
  upload_raw (f, "claude-x.json", "{\"type\":\"claude\"}", &bad);
  mgmt_assert_error (&bad, 400, "no access or refresh token in it");
  upload_raw (f, "../claude-x.json", a, &bad_name);
  mgmt_assert_error (&bad_name, 400, "invalid name");
  upload_raw (f, "qwen-me.json", "{\"type\":\"qwen\",\"access_token\":\"qwen-canary-token-1234\"}", &qwen);
  g_assert_cmpuint (qwen.status, ==, 400);
  g_assert_nonnull (strstr (qwen.text, "April 2026"));
  {
    g_autofree char *url = g_strconcat (f->base, "/v0/management/auth-files", NULL);
    const char *headers[] = { "Authorization: Bearer " MGMT_KEY, NULL };
    const char *empty = "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--b--\r\n";

    http_request (f->session, "POST", url, "multipart/form-data; boundary=b", empty, strlen (empty), headers, &none);
    mgmt_assert_error (&none, 400, "no files uploaded");
  }

  /* An older file of a login does not replace its newer tokens. */
  upload_raw (f, "claude-a@example.com.json", stale, &older);
  g_assert_cmpuint (older.status, ==, 400);
  g_assert_nonnull (strstr (older.text, "newer tokens"));

  /* Three logins, their tokens in the token store, none in accounts.json. */
  listed = list_files (f);
  g_assert_cmpuint (n_files (listed), ==, 3);
  g_assert_nonnull (entry_of (listed, "c@example.com"));
  accounts = read_file (f->dir, "accounts.json");
  g_assert_nonnull (accounts);
  g_assert_nonnull (strstr (accounts, "b@example.com"));
  g_assert_null (strstr (accounts, B_ACCESS));
  g_assert_null (strstr (accounts, B_REFRESH));
  g_assert_cmpuint (sy_service_get_n_accounts (f->service), ==, 4);   /* and the API key */
  /* Nothing of the upload stays on disk but the token store. */
  g_assert_null (read_file (f->auth, "claude-a@example.com.json"));
}

/* ------------------------------------------------------------------ download */

static void
test_download (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *a = claude_file ("a@example.com", A_ACCESS, A_REFRESH, 8 * 3600, 60);
  g_autofree char *on_disk = NULL;
  g_autofree char *dir_path = g_build_filename (f->auth, "codex-me@x.com-plus.json", NULL);
  g_auto(HttpResponse) exported = { 0 };
  g_auto(HttpResponse) gone = { 0 };
  g_auto(HttpResponse) file = { 0 };
  g_auto(HttpResponse) bad = { 0 };
  g_auto(HttpResponse) txt = { 0 };
  g_auto(HttpResponse) missing = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;

  upload_ok (f, "claude-a@example.com.json", a);
  mgmt (f, "GET", "/auth-files/download?name=claude-a%40example.com.json", NULL, &exported);
  g_assert_cmpuint (exported.status, ==, 200);
  g_assert_nonnull (strstr (soup_message_headers_get_one (exported.headers, "Content-Disposition"),
                            "claude-a@example.com.json"));
  /* The export a user asks for: CLIProxyAPI's file, tokens in. */
  g_assert_true (json_parser_load_from_data (parser, exported.text, -1, NULL));
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "claude");
  g_assert_cmpstr (json_object_get_string_member (o, "email"), ==, "a@example.com");
  g_assert_cmpstr (json_object_get_string_member (o, "access_token"), ==, A_ACCESS);
  g_assert_cmpstr (json_object_get_string_member (o, "refresh_token"), ==, A_REFRESH);

  /* Round trip: signed out, the downloaded file brings the login back. */
  mgmt (f, "DELETE", "/auth-files?name=claude-a%40example.com.json", NULL, &gone);
  g_assert_cmpuint (gone.status, ==, 200);
  {
    g_autoptr(JsonNode) empty = list_files (f);

    g_assert_cmpuint (n_files (empty), ==, 0);
  }
  upload_ok (f, "claude-a@example.com.json", exported.text);
  {
    g_autoptr(JsonNode) back = list_files (f);
    g_autofree char *model = NULL;

    g_assert_cmpuint (n_files (back), ==, 1);
    g_assert_nonnull (entry_of (back, "a@example.com"));
    model = first_model (f, "claude-a@example.com.json");
    client_ask (f, model);
    g_assert_cmpuint (fake_upstream_count_key (f->upstream, A_ACCESS), ==, 1);
  }

  /* An auth-dir login: its file, as it is. */
  write_codex_file (f);
  wait_accounts (f, 3);
  g_assert_true (g_file_get_contents (dir_path, &on_disk, NULL, NULL));
  mgmt (f, "GET", "/auth-files/download?name=codex-me%40x.com-plus.json", NULL, &file);
  g_assert_cmpuint (file.status, ==, 200);
  g_assert_cmpstr (file.text, ==, on_disk);

  mgmt (f, "GET", "/auth-files/download?name=..%2Fconfig.yaml", NULL, &bad);
  mgmt_assert_error (&bad, 400, "invalid name");
  mgmt (f, "GET", "/auth-files/download?name=notes.txt", NULL, &txt);
  mgmt_assert_error (&txt, 400, "name must end with .json");
  mgmt (f, "GET", "/auth-files/download?name=nobody.json", NULL, &missing);
  mgmt_assert_error (&missing, 404, "file not found");
}

/* With allow-remote, a remote client manages, but never downloads tokens. */
static void
test_download_remote (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *address = mgmt_outside_address ();
  g_autofree char *a = claude_file ("a@example.com", A_ACCESS, A_REFRESH, 8 * 3600, 60);
  g_auto(HttpResponse) listed = { 0 };
  g_auto(HttpResponse) refused = { 0 };
  g_auto(HttpResponse) local = { 0 };
  g_autofree char *remote = NULL;

  if (address == NULL)
    {
      g_test_skip ("this machine has no address but loopback");
      return;
    }
  upload_ok (f, "claude-a@example.com.json", a);
  remote = g_strdup_printf ("http://%s:%u", address, sy_service_get_port (f->service));
  mgmt_request (f->session, remote, "GET", "/auth-files", MGMT_KEY, NULL, NULL, 0, &listed);
  g_assert_cmpuint (listed.status, ==, 200);
  mgmt_request (f->session, remote, "GET", "/auth-files/download?name=claude-a%40example.com.json", MGMT_KEY,
                NULL, NULL, 0, &refused);
  mgmt_assert_error (&refused, 403, "auth file download is only allowed from localhost");
  assert_no_canary (f, &refused);
  mgmt (f, "GET", "/auth-files/download?name=claude-a%40example.com.json", NULL, &local);
  g_assert_cmpuint (local.status, ==, 200);
}

/* ------------------------------------------------------------------ status and routing */

static void
patch_status (Fixture      *f,
              const char   *name,
              gboolean      disabled,
              HttpResponse *out)
{
  g_autofree char *body = g_strdup_printf ("{\"name\":\"%s\",\"disabled\":%s}", name, disabled ? "true" : "false");

  mgmt (f, "PATCH", "/auth-files/status", body, out);
}

static void
test_status_routing (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *a = claude_file ("a@example.com", A_ACCESS, A_REFRESH, 8 * 3600, 60);
  g_autofree char *b = claude_file ("b@example.com", B_ACCESS, B_REFRESH, 8 * 3600, 60);
  g_autofree char *model = NULL;
  g_autofree char *a_name = NULL;
  g_auto(HttpResponse) off = { 0 };
  g_auto(HttpResponse) on = { 0 };
  g_auto(HttpResponse) invalid = { 0 };
  g_auto(HttpResponse) no_name = { 0 };
  g_auto(HttpResponse) no_flag = { 0 };
  g_auto(HttpResponse) unknown = { 0 };
  g_auto(HttpResponse) dir_off = { 0 };
  guint a_before;
  guint b_before;

  upload_ok (f, "claude-a@example.com.json", a);
  upload_ok (f, "claude-b@example.com.json", b);
  a_name = name_of (f, "a@example.com");
  model = first_model (f, a_name);
  for (guint i = 0; i < 4; i++)
    client_ask (f, model);
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, A_ACCESS), >, 0);
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, B_ACCESS), >, 0);

  patch_status (f, a_name, TRUE, &off);
  g_assert_cmpuint (off.status, ==, 200);
  g_assert_cmpstr (off.text, ==, "{\"status\":\"ok\",\"disabled\":true}");
  {
    g_autoptr(JsonNode) root = list_files (f);
    JsonObject *entry = entry_of (root, "a@example.com");

    g_assert_true (json_object_get_boolean_member (entry, "disabled"));
    g_assert_cmpstr (json_object_get_string_member (entry, "status"), ==, "disabled");
  }
  /* A disabled login is not picked: the fake never sees its token again. */
  a_before = fake_upstream_count_key (f->upstream, A_ACCESS);
  b_before = fake_upstream_count_key (f->upstream, B_ACCESS);
  for (guint i = 0; i < 4; i++)
    client_ask (f, model);
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, A_ACCESS), ==, a_before);
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, B_ACCESS), ==, b_before + 4);

  /* And it is kept: accounts.json says so. */
  {
    g_autofree char *accounts = read_file (f->dir, "accounts.json");

    g_assert_nonnull (strstr (accounts, "\"enabled\" : false"));
  }

  /* By id too; enabled again, it serves again. */
  {
    g_autoptr(JsonNode) root = list_files (f);
    const char *id = json_object_get_string_member (entry_of (root, "a@example.com"), "id");

    patch_status (f, id, FALSE, &on);
  }
  g_assert_cmpuint (on.status, ==, 200);
  g_assert_cmpstr (on.text, ==, "{\"status\":\"ok\",\"disabled\":false}");
  for (guint i = 0; i < 4; i++)
    client_ask (f, model);
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, A_ACCESS), >, a_before);

  mgmt (f, "PATCH", "/auth-files/status", "{\"name\":", &invalid);
  mgmt_assert_error (&invalid, 400, "invalid request body");
  mgmt (f, "PATCH", "/auth-files/status", "{\"disabled\":true}", &no_name);
  mgmt_assert_error (&no_name, 400, "name is required");
  mgmt (f, "PATCH", "/auth-files/status", "{\"name\":\"x.json\"}", &no_flag);
  mgmt_assert_error (&no_flag, 400, "disabled is required");
  patch_status (f, "nobody.json", TRUE, &unknown);
  mgmt_assert_error (&unknown, 404, "auth file not found");

  /* An auth-dir login: "disabled" goes into its file. */
  write_codex_file (f);
  wait_accounts (f, 4);
  {
    g_autofree char *text = NULL;

    patch_status (f, "codex-me@x.com-plus.json", TRUE, &dir_off);
    g_assert_cmpuint (dir_off.status, ==, 200);
    text = read_file (f->auth, "codex-me@x.com-plus.json");
    g_assert_nonnull (strstr (text, "\"disabled\" : true"));
    {
      g_autoptr(JsonNode) root = list_files (f);

      g_assert_true (json_object_get_boolean_member (entry_named (root, "codex-me@x.com-plus.json"), "disabled"));
    }
  }
}

/* ------------------------------------------------------------------ delete */

static gboolean
has_skipped_qwen (gpointer data)
{
  Fixture *f = data;

  return g_hash_table_contains (sy_auth_dir_get_skipped (sy_service_get_auth_dir (f->service)), "qwen-old.json");
}

static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *a = claude_file ("a@example.com", A_ACCESS, A_REFRESH, 8 * 3600, 60);
  g_autofree char *b = claude_file ("b@example.com", B_ACCESS, B_REFRESH, 8 * 3600, 60);
  g_autofree char *c = claude_file ("c@example.com", C_ACCESS, C_REFRESH, 8 * 3600, 60);
  g_autofree char *d = claude_file ("d@example.com", D_ACCESS, D_REFRESH, 8 * 3600, 60);
  g_autofree char *a_name = NULL;
  g_autofree char *model = NULL;
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  g_auto(HttpResponse) one = { 0 };
  g_auto(HttpResponse) partial = { 0 };
  g_auto(HttpResponse) by_object = { 0 };
  g_auto(HttpResponse) dir = { 0 };
  g_auto(HttpResponse) all = { 0 };
  g_auto(HttpResponse) nothing = { 0 };
  g_auto(HttpResponse) garbage = { 0 };
  g_autoptr(JsonNode) root = NULL;

  upload_ok (f, "claude-a@example.com.json", a);
  upload_ok (f, "claude-b@example.com.json", b);
  upload_ok (f, "claude-c@example.com.json", c);
  upload_ok (f, "claude-d@example.com.json", d);
  a_name = name_of (f, "a@example.com");
  model = first_model (f, a_name);

  /* ?name=: signed out, gone from the list, the file and the token store. */
  path = g_strdup_printf ("/auth-files?name=%s", a_name);
  mgmt (f, "DELETE", path, NULL, &one);
  g_assert_cmpuint (one.status, ==, 200);
  g_assert_cmpstr (one.text, ==, "{\"status\":\"ok\"}");
  root = list_files (f);
  g_assert_null (entry_of (root, "a@example.com"));
  g_assert_cmpuint (n_files (root), ==, 3);
  g_clear_pointer (&root, json_node_unref);
  {
    g_autofree char *accounts = read_file (f->dir, "accounts.json");

    g_assert_null (strstr (accounts, "a@example.com"));
  }
  for (guint i = 0; i < 3; i++)
    client_ask (f, model);
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, A_ACCESS), ==, 0);

  /* A list with one unknown name: 207. */
  body = g_strdup_printf ("[\"claude-b@example.com.json\",\"nobody.json\"]");
  mgmt (f, "DELETE", "/auth-files", body, &partial);
  g_assert_cmpuint (partial.status, ==, 207);
  root = http_response_json (&partial);
  g_assert_cmpstr (http_json_string (root, "status"), ==, "partial");
  g_assert_cmpint (http_json_int (root, "deleted"), ==, 1);
  g_assert_cmpstr (http_json_string (root, "files.0"), ==, "claude-b@example.com.json");
  g_assert_cmpstr (http_json_string (root, "failed.0.name"), ==, "nobody.json");
  g_assert_cmpstr (http_json_string (root, "failed.0.error"), ==, "auth file not found");
  g_clear_pointer (&root, json_node_unref);

  /* {"names":[...]} */
  mgmt (f, "DELETE", "/auth-files", "{\"names\":[\"claude-c@example.com.json\"]}", &by_object);
  g_assert_cmpuint (by_object.status, ==, 200);

  /* An auth-dir login: its file goes. */
  write_codex_file (f);
  wait_accounts (f, 3);
  mgmt (f, "DELETE", "/auth-files", "{\"name\":\"codex-me@x.com-plus.json\"}", &dir);
  g_assert_cmpuint (dir.status, ==, 200);
  g_assert_null (read_file (f->auth, "codex-me@x.com-plus.json"));
  root = list_files (f);
  g_assert_null (entry_named (root, "codex-me@x.com-plus.json"));
  g_clear_pointer (&root, json_node_unref);

  /* A file that is no login (Qwen's sign-in ended) is listed as an
   * error, and can be deleted. */
  {
    g_autofree char *qwen = g_build_filename (f->auth, "qwen-old.json", NULL);
    g_auto(HttpResponse) removed = { 0 };
    JsonObject *entry;

    g_test_expect_message ("sy-auth", G_LOG_LEVEL_WARNING, "auth-dir: qwen-old.json left out: *April 2026*");
    g_assert_true (g_file_set_contents (qwen, "{\"type\":\"qwen\",\"access_token\":\"qwen-x-123456789\"}",
                                        -1, NULL));
    g_assert_true (http_spin_until (has_skipped_qwen, f, 10000));
    g_test_assert_expected_messages ();
    root = list_files (f);
    entry = entry_named (root, "qwen-old.json");
    g_assert_nonnull (entry);
    g_assert_cmpstr (json_object_get_string_member (entry, "status"), ==, "error");
    g_assert_cmpstr (json_object_get_string_member (entry, "type"), ==, "qwen");
    g_assert_nonnull (strstr (json_object_get_string_member (entry, "status_message"), "April 2026"));
    g_clear_pointer (&root, json_node_unref);
    mgmt (f, "DELETE", "/auth-files?name=qwen-old.json", NULL, &removed);
    g_assert_cmpuint (removed.status, ==, 200);
    g_assert_false (g_file_test (qwen, G_FILE_TEST_EXISTS));
    root = list_files (f);
    g_assert_null (entry_named (root, "qwen-old.json"));
    g_clear_pointer (&root, json_node_unref);
  }

  mgmt (f, "DELETE", "/auth-files", NULL, &nothing);
  mgmt_assert_error (&nothing, 400, "invalid name");
  mgmt (f, "DELETE", "/auth-files", "{\"names\":", &garbage);
  mgmt_assert_error (&garbage, 400, "invalid request body");

  /* ?all=true: every login. */
  mgmt (f, "DELETE", "/auth-files?all=true", NULL, &all);
  g_assert_cmpuint (all.status, ==, 200);
  g_assert_cmpstr (all.text, ==, "{\"status\":\"ok\",\"deleted\":1}");
  root = list_files (f);
  g_assert_cmpuint (n_files (root), ==, 0);
  g_assert_cmpuint (sy_service_get_n_accounts (f->service), ==, 1);   /* the API key */
}

/* ------------------------------------------------------------------ fields */

static void
test_fields (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *a = claude_file ("a@example.com", A_ACCESS, A_REFRESH, 8 * 3600, 60);
  g_autofree char *a_name = NULL;
  g_autofree char *body = NULL;
  g_auto(HttpResponse) set = { 0 };
  g_auto(HttpResponse) exported = { 0 };
  g_auto(HttpResponse) cleared = { 0 };
  g_auto(HttpResponse) empty = { 0 };
  g_auto(HttpResponse) wrong = { 0 };
  g_auto(HttpResponse) dir = { 0 };
  g_auto(HttpResponse) models = { 0 };
  JsonObject *entry;

  upload_ok (f, "claude-a@example.com.json", a);
  a_name = name_of (f, "a@example.com");
  body = g_strdup_printf ("{\"name\":\"%s\",\"prefix\":\" team/ \",\"priority\":5,\"note\":\" work account \","
                          "\"proxy_url\":\"http://user:" PROXY_PASS "@127.0.0.1:9\",\"headers\":{\"X-A\":\"1\"}}",
                          a_name);
  mgmt (f, "PATCH", "/auth-files/fields", body, &set);
  g_assert_cmpuint (set.status, ==, 200);
  g_assert_cmpstr (set.text, ==, "{\"status\":\"ok\"}");
  {
    g_autoptr(JsonNode) root = list_files (f);

    entry = entry_of (root, "a@example.com");
    g_assert_cmpint (json_object_get_int_member (entry, "priority"), ==, 5);
    g_assert_cmpstr (json_object_get_string_member (entry, "note"), ==, "work account");
    g_assert_cmpstr (json_object_get_string_member (entry, "prefix"), ==, "team");
    g_assert_cmpstr (json_object_get_string_member (entry, "proxy_url"), ==, "http://user:***@127.0.0.1:9");
  }
  /* The prefix serves: team/<model>. */
  mgmt (f, "GET", "/auth-files/models?name=claude-a%40example.com.json", NULL, &models);
  g_assert_nonnull (strstr (models.text, "\"team/"));
  /* Kept as CLIProxyAPI keeps them: the download carries them. */
  mgmt (f, "GET", "/auth-files/download?name=claude-a%40example.com.json", NULL, &exported);
  g_assert_cmpuint (exported.status, ==, 200);
  g_assert_nonnull (strstr (exported.text, "\"note\" : \"work account\""));
  g_assert_nonnull (strstr (exported.text, "\"prefix\" : \"team\""));
  g_assert_nonnull (strstr (exported.text, "\"priority\" : 5"));
  g_assert_nonnull (strstr (exported.text, "\"X-A\" : \"1\""));

  /* Empty note, priority 0, empty header value: removed. */
  g_free (body);
  body = g_strdup_printf ("{\"name\":\"%s\",\"note\":\"\",\"priority\":0,\"headers\":{\"X-A\":\"\"}}", a_name);
  mgmt (f, "PATCH", "/auth-files/fields", body, &cleared);
  g_assert_cmpuint (cleared.status, ==, 200);
  {
    g_autoptr(JsonNode) root = list_files (f);

    entry = entry_of (root, "a@example.com");
    g_assert_false (json_object_has_member (entry, "note"));
    g_assert_cmpint (json_object_get_int_member (entry, "priority"), ==, 0);
  }

  /* The login's own headers go with its requests; no proxy, it reaches
   * the fake directly again. */
  g_free (body);
  body = g_strdup_printf ("{\"name\":\"%s\",\"proxy_url\":\"\",\"headers\":{\"X-Team\":\"blue\"}}", a_name);
  {
    g_auto(HttpResponse) headers = { 0 };
    g_autofree char *model = NULL;
    const FakeRequest *last;

    mgmt (f, "PATCH", "/auth-files/fields", body, &headers);
    g_assert_cmpuint (headers.status, ==, 200);
    model = first_model (f, a_name);
    client_ask (f, model);
    last = fake_upstream_get_last (f->upstream);
    g_assert_cmpstr (soup_message_headers_get_one (last->headers, "X-Team"), ==, "blue");
  }

  g_free (body);
  body = g_strdup_printf ("{\"name\":\"%s\"}", a_name);
  mgmt (f, "PATCH", "/auth-files/fields", body, &empty);
  mgmt_assert_error (&empty, 400, "no fields to update");
  g_free (body);
  body = g_strdup_printf ("{\"name\":\"%s\",\"priority\":\"high\"}", a_name);
  mgmt (f, "PATCH", "/auth-files/fields", body, &wrong);
  mgmt_assert_error (&wrong, 400, "invalid request body");

  /* An auth-dir login: the file takes them. */
  write_codex_file (f);
  wait_accounts (f, 3);
  mgmt (f, "PATCH", "/auth-files/fields",
        "{\"name\":\"codex-me@x.com-plus.json\",\"note\":\"home\",\"priority\":3}", &dir);
  g_assert_cmpuint (dir.status, ==, 200);
  {
    g_autofree char *text = read_file (f->auth, "codex-me@x.com-plus.json");
    g_autoptr(JsonNode) root = list_files (f);

    g_assert_nonnull (strstr (text, "\"note\" : \"home\""));
    g_assert_nonnull (strstr (text, "\"priority\" : 3"));
    g_assert_nonnull (strstr (text, CODEX_REFRESH));   /* the tokens stay */
    entry = entry_named (root, "codex-me@x.com-plus.json");
    g_assert_cmpstr (json_object_get_string_member (entry, "note"), ==, "home");
    g_assert_cmpint (json_object_get_int_member (entry, "priority"), ==, 3);
  }
}

/* ------------------------------------------------------------------ models */

static void
test_models (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *a = claude_file ("a@example.com", A_ACCESS, A_REFRESH, 8 * 3600, 60);
  g_auto(HttpResponse) models = { 0 };
  g_auto(HttpResponse) unknown = { 0 };
  g_auto(HttpResponse) no_name = { 0 };
  g_auto(HttpResponse) claude = { 0 };
  g_auto(HttpResponse) codex = { 0 };
  g_auto(HttpResponse) nope = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) defs = NULL;
  g_autoptr(JsonNode) bad = NULL;
  JsonArray *list;

  upload_ok (f, "claude-a@example.com.json", a);
  mgmt (f, "GET", "/auth-files/models?name=claude-a%40example.com.json", NULL, &models);
  g_assert_cmpuint (models.status, ==, 200);
  root = http_response_json (&models);
  list = json_node_get_array (http_json_at (root, "models"));
  g_assert_cmpuint (json_array_get_length (list), >, 3);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *m = json_array_get_object_element (list, i);

      g_assert_true (g_str_has_prefix (json_object_get_string_member (m, "id"), "claude-"));
      g_assert_cmpstr (json_object_get_string_member (m, "owned_by"), ==, "anthropic");
      g_assert_cmpstr (json_object_get_string_member (m, "type"), ==, "claude");
      /* The API key's model is not this login's. */
      g_assert_cmpstr (json_object_get_string_member (m, "id"), !=, "claude-key-only");
    }
  mgmt (f, "GET", "/auth-files/models?name=nobody.json", NULL, &unknown);
  g_assert_cmpuint (unknown.status, ==, 200);
  g_assert_cmpstr (unknown.text, ==, "{\"models\":[]}");
  mgmt (f, "GET", "/auth-files/models", NULL, &no_name);
  mgmt_assert_error (&no_name, 400, "name is required");

  mgmt (f, "GET", "/model-definitions/claude", NULL, &claude);
  g_assert_cmpuint (claude.status, ==, 200);
  defs = http_response_json (&claude);
  g_assert_cmpstr (http_json_string (defs, "channel"), ==, "claude");
  g_assert_true (g_str_has_prefix (http_json_string (defs, "models.0.id"), "claude-"));
  mgmt (f, "GET", "/model-definitions/Codex", NULL, &codex);
  g_assert_cmpuint (codex.status, ==, 200);
  g_assert_nonnull (strstr (codex.text, "\"channel\":\"codex\""));
  g_assert_nonnull (strstr (codex.text, "\"id\":\"gpt-5"));
  mgmt (f, "GET", "/model-definitions/nope", NULL, &nope);
  g_assert_cmpuint (nope.status, ==, 400);
  bad = http_response_json (&nope);
  g_assert_cmpstr (http_json_string (bad, "error"), ==, "unknown channel");
  g_assert_cmpstr (http_json_string (bad, "channel"), ==, "nope");
}

/* ------------------------------------------------------------------ api-call */

static void
api_call (Fixture      *f,
          const char   *auth_index,
          const char   *method,
          const char   *url,
          const char   *extra,
          HttpResponse *out)
{
  g_autofree char *body = g_strdup_printf ("{\"auth_index\":\"%s\",\"method\":\"%s\",\"url\":\"%s\","
                                           "\"header\":{\"Authorization\":\"Bearer $TOKEN$\"}%s}",
                                           auth_index, method, url, extra ? extra : "");

  mgmt (f, "POST", "/api-call", body, out);
}

static void
test_api_call (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *a = claude_file ("a@example.com", A_ACCESS, A_REFRESH, 8 * 3600, 60);
  g_autofree char *echo = g_strconcat (fake_upstream_get_url (f->upstream), "/echo", NULL);
  g_autofree char *a_index = NULL;
  g_autofree char *key_index = NULL;
  g_auto(HttpResponse) ok = { 0 };
  g_auto(HttpResponse) posted = { 0 };
  g_auto(HttpResponse) keyed = { 0 };
  g_autoptr(JsonNode) root = NULL;
  GListModel *accounts = sy_service_get_accounts (f->service);

  upload_ok (f, "claude-a@example.com.json", a);
  a_index = auth_index_of (f, "a@example.com");

  api_call (f, a_index, "get", echo, NULL, &ok);
  g_assert_cmpuint (ok.status, ==, 200);
  /* The upstream got the login's token... */
  g_assert_cmpstr (f->echo_authorization, ==, "Bearer " A_ACCESS);
  /* ...and what it echoed of it comes back masked. */
  assert_no_canary (f, &ok);
  root = http_response_json (&ok);
  g_assert_cmpint (http_json_int (root, "status_code"), ==, 200);
  g_assert_cmpstr (http_json_string (root, "header.Content-Type.0"), ==, "application/json");
  g_assert_cmpstr (http_json_string (root, "header.X-Ratelimit-Remaining-Requests.0"), ==, "41");
  g_assert_nonnull (strstr (http_json_string (root, "body"), "\"method\":\"GET\""));
  g_assert_nonnull (strstr (http_json_string (root, "body"), "\"you_sent\":\"Bearer sk-"));
  g_clear_pointer (&root, json_node_unref);

  /* A body and a header without the token go as they are. */
  {
    g_autofree char *body = g_strdup_printf ("{\"authIndex\":\"%s\",\"method\":\"POST\",\"url\":\"%s\","
                                             "\"header\":{\"X-Custom\":\"plain\",\"Content-Type\":\"application/json\"},"
                                             "\"data\":\"{\\\"q\\\":1}\"}", a_index, echo);

    mgmt (f, "POST", "/api-call", body, &posted);
  }
  g_assert_cmpuint (posted.status, ==, 200);
  g_assert_cmpstr (f->echo_body, ==, "{\"q\":1}");
  g_assert_null (f->echo_authorization);
  g_assert_nonnull (strstr (posted.text, "x_custom\\\":\\\"plain"));

  /* An API-key account: its key. */
  for (guint i = 0; i < g_list_model_get_n_items (accounts) && key_index == NULL; i++)
    {
      g_autoptr(SyAccountState) state = g_list_model_get_item (accounts, i);

      if (g_str_has_prefix (sy_account_state_get_label (state), "claude-api-key"))
        key_index = sy_account_auth_index (sy_account_state_get_id (state));
    }
  g_assert_nonnull (key_index);
  api_call (f, key_index, "GET", echo, NULL, &keyed);
  g_assert_cmpuint (keyed.status, ==, 200);
  g_assert_cmpstr (f->echo_authorization, ==, "Bearer " CLAUDE_KEY);
  assert_no_canary (f, &keyed);
}

static void
test_api_call_refresh (Fixture       *f,
                       gconstpointer  data)
{
  /* D expires in a minute: renewed first. C's renewal is refused. */
  g_autofree char *c = claude_file ("c@example.com", C_ACCESS, C_REFRESH, 60, 3600);
  g_autofree char *d = claude_file ("d@example.com", D_ACCESS, D_REFRESH, 60, 3600);
  g_autofree char *echo = g_strconcat (fake_upstream_get_url (f->upstream), "/echo", NULL);
  g_autofree char *c_index = NULL;
  g_autofree char *d_index = NULL;
  g_auto(HttpResponse) renewed = { 0 };
  g_auto(HttpResponse) refused = { 0 };
  GLogLevelFlags fatal;

  /* The service renews C on its own too (its timer), and says in a
   * warning that the refresh token was refused: expected here. */
  fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  upload_ok (f, "claude-c@example.com.json", c);
  upload_ok (f, "claude-d@example.com.json", d);
  c_index = auth_index_of (f, "c@example.com");
  d_index = auth_index_of (f, "d@example.com");

  api_call (f, d_index, "GET", echo, NULL, &renewed);
  g_assert_cmpuint (renewed.status, ==, 200);
  g_assert_true (g_str_has_prefix (f->echo_authorization, "Bearer " RENEWED));
  g_assert_cmpuint (f->n_refresh, >=, 1);
  assert_no_canary (f, &renewed);

  g_clear_pointer (&f->echo_authorization, g_free);
  api_call (f, c_index, "GET", echo, NULL, &refused);
  mgmt_assert_error (&refused, 400, "auth token refresh failed");
  g_assert_null (f->echo_authorization);
  g_assert_cmpuint (count_in_logs ("refresh token revoked"), >, 0);
  g_log_set_always_fatal (fatal);
}

static void
test_api_call_errors (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *a = claude_file ("a@example.com", A_ACCESS, A_REFRESH, 8 * 3600, 60);
  g_autofree char *echo = g_strconcat (fake_upstream_get_url (f->upstream), "/echo", NULL);
  g_autofree char *a_index = NULL;
  g_autofree char *closed = NULL;
  g_auto(HttpResponse) invalid = { 0 };
  g_auto(HttpResponse) no_method = { 0 };
  g_auto(HttpResponse) no_url = { 0 };
  g_auto(HttpResponse) bad_url = { 0 };
  g_auto(HttpResponse) ftp = { 0 };
  g_auto(HttpResponse) unknown = { 0 };
  g_auto(HttpResponse) no_index = { 0 };
  g_auto(HttpResponse) failed = { 0 };

  upload_ok (f, "claude-a@example.com.json", a);
  a_index = auth_index_of (f, "a@example.com");

  mgmt (f, "POST", "/api-call", "not json", &invalid);
  mgmt_assert_error (&invalid, 400, "invalid body");
  mgmt (f, "POST", "/api-call", "{\"url\":\"http://127.0.0.1/\"}", &no_method);
  mgmt_assert_error (&no_method, 400, "missing method");
  mgmt (f, "POST", "/api-call", "{\"method\":\"GET\"}", &no_url);
  mgmt_assert_error (&no_url, 400, "missing url");
  mgmt (f, "POST", "/api-call", "{\"method\":\"GET\",\"url\":\"not a url\"}", &bad_url);
  mgmt_assert_error (&bad_url, 400, "invalid url");
  mgmt (f, "POST", "/api-call", "{\"method\":\"GET\",\"url\":\"file:///etc/passwd\"}", &ftp);
  mgmt_assert_error (&ftp, 400, "invalid url");
  api_call (f, "0123456789abcdef", "GET", echo, NULL, &unknown);
  mgmt_assert_error (&unknown, 400, "auth token not found");
  {
    g_autofree char *body = g_strdup_printf ("{\"method\":\"GET\",\"url\":\"%s\","
                                             "\"header\":{\"Authorization\":\"Bearer $TOKEN$\"}}", echo);

    mgmt (f, "POST", "/api-call", body, &no_index);
    mgmt_assert_error (&no_index, 400, "auth token not found");
  }
  /* Nothing listens there: 502. */
  {
    g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
    g_autoptr(GSocketAddress) bound = NULL;

    g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
    bound = g_socket_get_local_address (socket, NULL);
    closed = g_strdup_printf ("http://127.0.0.1:%u/x", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  }
  api_call (f, a_index, "GET", closed, NULL, &failed);
  mgmt_assert_error (&failed, 502, "request failed");
  assert_no_canary (f, &failed);
}

/* ------------------------------------------------------------------ web sign-ins */

static JsonNode *
auth_status (Fixture    *f,
             const char *state)
{
  g_autofree char *path = g_strdup_printf ("/get-auth-status?state=%s", state);
  g_auto(HttpResponse) r = { 0 };

  mgmt (f, "GET", path, NULL, &r);
  g_assert_cmpuint (r.status, ==, 200);
  return http_response_json (&r);
}

typedef struct
{
  Fixture    *f;
  const char *state;
  const char *want;
} StatusWait;

static gboolean
status_is (gpointer data)
{
  StatusWait *w = data;
  g_autoptr(JsonNode) root = auth_status (w->f, w->state);

  return g_strcmp0 (http_json_string (root, "status"), w->want) == 0;
}

static void
wait_status (Fixture    *f,
             const char *state,
             const char *want)
{
  StatusWait w = { f, state, want };

  g_assert_true (http_spin_until (status_is, &w, 15000));
}

/* GET /codex-auth-url: the answer, and its state. */
static JsonNode *
start_codex (Fixture *f)
{
  g_auto(HttpResponse) r = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *authorize = g_strconcat (fake_upstream_get_url (f->upstream), "/oauth/authorize?", NULL);

  mgmt (f, "GET", "/codex-auth-url?is_webui=true", NULL, &r);
  g_assert_cmpuint (r.status, ==, 200);
  root = http_response_json (&r);
  g_assert_cmpstr (http_json_string (root, "status"), ==, "ok");
  g_assert_true (g_str_has_prefix (http_json_string (root, "url"), authorize));
  g_assert_cmpuint (strlen (http_json_string (root, "state")), ==, 32);
  return g_steal_pointer (&root);
}

/* The redirect_uri an authorize URL names. */
static char *
redirect_of (JsonNode *started)
{
  const char *url = http_json_string (started, "url");
  g_autoptr(GHashTable) params = g_uri_parse_params (strchr (url, '?') + 1, -1, "&", G_URI_PARAMS_NONE, NULL);

  return g_strdup (g_hash_table_lookup (params, "redirect_uri"));
}

static void
test_oauth_codex (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GSocket) holder = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) codex_port = g_inet_socket_address_new (lo, 1455);
  gboolean held = g_socket_bind (holder, codex_port, FALSE, NULL) && g_socket_listen (holder, NULL);
  g_autoptr(JsonNode) first = start_codex (f);
  g_autoptr(JsonNode) started = start_codex (f);
  const char *state = http_json_string (started, "state");
  g_autofree char *redirect = redirect_of (started);
  g_autofree char *stale = NULL;
  g_auto(HttpResponse) superseded = { 0 };
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) waiting = auth_status (f, state);
  JsonObject *entry;

  /* Codex's callback port taken (by the test, here): the sign-in listens
   * on another one, and its authorize URL says which. */
  if (held)
    g_assert_null (strstr (redirect, ":1455/"));
  g_assert_true (g_str_has_suffix (redirect, "/auth/callback"));
  /* A second start replaced the first. */
  g_assert_cmpstr (http_json_string (first, "state"), !=, state);
  stale = g_strdup_printf ("{\"provider\":\"codex\",\"state\":\"%s\",\"code\":\"x\"}",
                           http_json_string (first, "state"));
  mgmt (f, "POST", "/oauth-callback", stale, &superseded);
  g_assert_cmpuint (superseded.status, ==, 404);

  g_assert_cmpstr (http_json_string (waiting, "status"), ==, "wait");
  /* The browser: consent, then the provider's redirect to our listener. */
  msg = browse (f, http_json_string (started, "url"), TRUE);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  wait_status (f, state, "ok");
  g_assert_cmpuint (f->n_codex_tokens, ==, 1);
  root = list_files (f);
  entry = entry_of (root, "web@x.com");
  g_assert_nonnull (entry);
  g_assert_cmpstr (json_object_get_string_member (entry, "name"), ==, "codex-web@x.com-plus.json");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (entry, "id_token"), "plan_type"),
                   ==, "plus");
  g_assert_nonnull (json_object_get_string_member_with_default (entry, "created_at", NULL));
}

/* The redirect pasted into /oauth-callback, as the web UI does. */
static void
test_oauth_callback (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(JsonNode) started = start_codex (f);
  const char *state = http_json_string (started, "state");
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *body = NULL;
  g_autofree char *mismatch = NULL;
  g_auto(HttpResponse) delivered = { 0 };
  g_auto(HttpResponse) again = { 0 };
  g_auto(HttpResponse) wrong_provider = { 0 };
  g_autoptr(JsonNode) root = NULL;

  msg = browse (f, http_json_string (started, "url"), FALSE);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 302);

  mismatch = g_strdup_printf ("{\"provider\":\"anthropic\",\"state\":\"%s\",\"code\":\"x\"}", state);
  mgmt (f, "POST", "/oauth-callback", mismatch, &wrong_provider);
  g_assert_cmpuint (wrong_provider.status, ==, 400);
  g_assert_cmpstr (wrong_provider.text, ==, "{\"status\":\"error\",\"error\":\"provider does not match state\"}");

  body = g_strdup_printf ("{\"provider\":\"openai\",\"redirect_url\":\"%s\"}",
                          soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location"));
  mgmt (f, "POST", "/oauth-callback", body, &delivered);
  g_assert_cmpuint (delivered.status, ==, 200);
  g_assert_cmpstr (delivered.text, ==, "{\"status\":\"ok\"}");
  wait_status (f, state, "ok");
  root = list_files (f);
  g_assert_nonnull (entry_of (root, "web@x.com"));

  /* Done: the state is no longer known. */
  mgmt (f, "POST", "/oauth-callback", body, &again);
  g_assert_cmpuint (again.status, ==, 404);
  g_assert_cmpstr (again.text, ==, "{\"status\":\"error\",\"error\":\"unknown or expired state\"}");
}

/* A sign-in that is over no longer listens for its redirect: sent again,
 * nothing takes it. (Another program may have taken the port since: then
 * there is nothing to tell.) */
static void
assert_listener_gone (const char *location)
{
  g_autoptr(GUri) uri = g_uri_parse (location, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (uri);
  address = g_inet_socket_address_new (lo, (guint16) g_uri_get_port (uri));
  if (g_socket_connect (sock, address, NULL, &error))
    g_test_message ("port %d was taken again by another listener", g_uri_get_port (uri));
  else
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

static gboolean
both_replied (gpointer data)
{
  Reply *r = data;

  return r[0].done && r[1].done;
}

/* Each state is good for one callback: the same code and state again,
 * while its exchange runs, after its success, or after the sign-in
 * failed, starts no second token exchange. */
static void
test_oauth_once (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(JsonNode) started = start_codex (f);
  const char *state = http_json_string (started, "state");
  g_autoptr(SoupMessage) consent = browse (f, http_json_string (started, "url"), FALSE);
  const char *location = soup_message_headers_get_one (soup_message_get_response_headers (consent), "Location");
  g_autofree char *body = g_strdup_printf ("{\"provider\":\"codex\",\"redirect_url\":\"%s\"}", location);
  Reply twice[2] = { { 0 }, { 0 } };
  g_auto(HttpResponse) after = { 0 };
  g_autoptr(JsonNode) failing = NULL;
  g_autoptr(SoupMessage) failing_consent = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autofree char *forged = NULL;
  g_autofree char *failing_body = NULL;
  g_auto(HttpResponse) after_failure = { 0 };
  g_autoptr(SoupMessage) forged_msg = NULL;
  const char *failing_location;

  /* Twice at once: one delivers, the other finds it delivered (or
   * done). */
  for (guint i = 0; i < G_N_ELEMENTS (twice); i++)
    {
      g_autofree char *url = g_strconcat (f->base, "/v0/management/oauth-callback", NULL);
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer " MGMT_KEY);
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
      soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, on_reply, &twice[i]);
    }
  g_assert_true (http_spin_until (both_replied, twice, 15000));
  for (guint i = 0; i < G_N_ELEMENTS (twice); i++)
    {
      const Reply *other = &twice[1 - i];

      if (twice[i].status == 200)
        g_assert_true (other->status == 409 || other->status == 404);
    }
  g_assert_true (twice[0].status == 200 || twice[1].status == 200);
  wait_status (f, state, "ok");
  g_assert_cmpuint (f->n_codex_tokens, ==, 1);

  /* After the success. */
  mgmt (f, "POST", "/oauth-callback", body, &after);
  g_assert_cmpuint (after.status, ==, 404);
  assert_listener_gone (location);
  /* Time for a wrongly started exchange to show: none comes. */
  http_spin_for (300);
  g_assert_cmpuint (f->n_codex_tokens, ==, 1);

  /* A sign-in that failed (a forged redirect came first) does not take
   * its genuine answer afterwards. */
  failing = start_codex (f);
  failing_consent = browse (f, http_json_string (failing, "url"), FALSE);
  failing_location = soup_message_headers_get_one (soup_message_get_response_headers (failing_consent), "Location");
  {
    const char *url = http_json_string (failing, "url");

    params = g_uri_parse_params (strchr (url, '?') + 1, -1, "&", G_URI_PARAMS_NONE, NULL);
  }
  forged = g_strdup_printf ("%s?code=forged-code&state=ffffffffffffffffffffffffffffffff",
                            (const char *) g_hash_table_lookup (params, "redirect_uri"));
  forged_msg = browse (f, forged, TRUE);
  g_assert_cmpuint (soup_message_get_status (forged_msg), ==, 400);
  wait_status (f, http_json_string (failing, "state"), "error");
  assert_listener_gone (failing_location);
  failing_body = g_strdup_printf ("{\"provider\":\"codex\",\"redirect_url\":\"%s\"}", failing_location);
  mgmt (f, "POST", "/oauth-callback", failing_body, &after_failure);
  g_assert_cmpuint (after_failure.status, ==, 409);
  http_spin_for (300);
  g_assert_cmpuint (f->n_codex_tokens, ==, 1);
  g_free (twice[0].text);
  g_free (twice[1].text);
}

static void
test_oauth_errors (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(JsonNode) started = start_codex (f);
  const char *state = http_json_string (started, "state");
  g_autoptr(GHashTable) params = NULL;
  g_autofree char *forged = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(JsonNode) failed = NULL;
  g_autofree char *late = NULL;
  g_auto(HttpResponse) unknown = { 0 };
  g_auto(HttpResponse) unsupported = { 0 };
  g_auto(HttpResponse) no_state = { 0 };
  g_auto(HttpResponse) bad_state = { 0 };
  g_auto(HttpResponse) no_code = { 0 };
  g_auto(HttpResponse) not_pending = { 0 };
  g_auto(HttpResponse) invalid = { 0 };
  g_auto(HttpResponse) status_bad = { 0 };
  g_autoptr(JsonNode) none = auth_status (f, "never-issued-state");

  g_assert_cmpstr (http_json_string (none, "status"), ==, "ok");
  mgmt (f, "POST", "/oauth-callback", "{\"provider\":\"codex\",\"state\":\"0123abcd\",\"code\":\"x\"}", &unknown);
  g_assert_cmpuint (unknown.status, ==, 404);
  g_assert_cmpstr (unknown.text, ==, "{\"status\":\"error\",\"error\":\"unknown or expired state\"}");
  mgmt (f, "POST", "/oauth-callback", "{\"provider\":\"kimi\",\"state\":\"abc\",\"code\":\"x\"}", &unsupported);
  g_assert_cmpstr (unsupported.text, ==, "{\"status\":\"error\",\"error\":\"unsupported provider\"}");
  mgmt (f, "POST", "/oauth-callback", "{\"provider\":\"codex\",\"code\":\"x\"}", &no_state);
  g_assert_cmpstr (no_state.text, ==, "{\"status\":\"error\",\"error\":\"state is required\"}");
  mgmt (f, "POST", "/oauth-callback", "{\"provider\":\"codex\",\"state\":\"../etc\",\"code\":\"x\"}", &bad_state);
  g_assert_cmpstr (bad_state.text, ==, "{\"status\":\"error\",\"error\":\"invalid state\"}");
  mgmt (f, "POST", "/oauth-callback", "{\"provider\":\"codex\",\"state\":\"abc\"}", &no_code);
  g_assert_cmpstr (no_code.text, ==, "{\"status\":\"error\",\"error\":\"code or error is required\"}");
  mgmt (f, "POST", "/oauth-callback", "[1]", &invalid);
  g_assert_cmpstr (invalid.text, ==, "{\"status\":\"error\",\"error\":\"invalid body\"}");
  /* Found by fuzzing: an empty error= in the redirect, without a
   * description, left no error text at all (a NULL read). */
  {
    g_auto(HttpResponse) empty_error = { 0 };

    mgmt (f, "POST", "/oauth-callback",
          "{\"provider\":\"codex\",\"state\":\"abc\",\"redirect_url\":\"http://localhost/cb?error=\"}",
          &empty_error);
    g_assert_cmpuint (empty_error.status, ==, 400);
    g_assert_cmpstr (empty_error.text, ==, "{\"status\":\"error\",\"error\":\"code or error is required\"}");
  }
  mgmt (f, "GET", "/get-auth-status?state=a%2Fb", NULL, &status_bad);
  g_assert_cmpuint (status_bad.status, ==, 400);
  g_assert_cmpstr (status_bad.text, ==, "{\"status\":\"error\",\"error\":\"invalid state\"}");

  /* A redirect with another state to the sign-in's listener: refused,
   * and the sign-in says so. */
  {
    const char *url = http_json_string (started, "url");

    params = g_uri_parse_params (strchr (url, '?') + 1, -1, "&", G_URI_PARAMS_NONE, NULL);
  }
  forged = g_strdup_printf ("%s?code=forged-code&state=ffffffffffffffffffffffffffffffff",
                            (const char *) g_hash_table_lookup (params, "redirect_uri"));
  msg = browse (f, forged, TRUE);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 400);
  wait_status (f, state, "error");
  failed = auth_status (f, state);
  g_assert_nonnull (http_json_string (failed, "error"));
  g_assert_cmpuint (f->n_codex_tokens, ==, 0);

  late = g_strdup_printf ("{\"provider\":\"codex\",\"state\":\"%s\",\"code\":\"x\"}", state);
  mgmt (f, "POST", "/oauth-callback", late, &not_pending);
  g_assert_cmpuint (not_pending.status, ==, 409);
  g_assert_cmpstr (not_pending.text, ==, "{\"status\":\"error\",\"error\":\"oauth flow is not pending\"}");
}

/* The user says no: error= through /oauth-callback fails the sign-in. */
static void
test_oauth_denied (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(JsonNode) started = start_codex (f);
  const char *state = http_json_string (started, "state");
  g_autofree char *body = g_strdup_printf ("{\"provider\":\"codex\",\"state\":\"%s\",\"error\":\"access_denied\"}",
                                           state);
  g_auto(HttpResponse) delivered = { 0 };
  g_autoptr(JsonNode) root = NULL;

  mgmt (f, "POST", "/oauth-callback", body, &delivered);
  g_assert_cmpuint (delivered.status, ==, 200);
  wait_status (f, state, "error");
  root = auth_status (f, state);
  g_assert_nonnull (strstr (http_json_string (root, "error"), "access_denied"));
}

static void
test_oauth_kimi (Fixture       *f,
                 gconstpointer  data)
{
  g_auto(HttpResponse) r = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) listed = NULL;
  g_autofree char *verify = g_strdup_printf ("%s/device?user_code=" KIMI_CODE, fake_upstream_get_url (f->upstream));
  const char *state;
  JsonArray *files;
  gboolean found = FALSE;

  mgmt (f, "GET", "/kimi-auth-url", NULL, &r);
  g_assert_cmpuint (r.status, ==, 200);
  root = http_response_json (&r);
  g_assert_cmpstr (http_json_string (root, "status"), ==, "ok");
  g_assert_cmpstr (http_json_string (root, "url"), ==, verify);
  g_assert_cmpstr (http_json_string (root, "user_code"), ==, KIMI_CODE);
  state = http_json_string (root, "state");
  g_assert_true (g_str_has_prefix (state, "kmi-"));
  wait_status (f, state, "ok");
  g_assert_cmpuint (f->n_kimi_polls, ==, 2);
  listed = list_files (f);
  files = json_node_get_array (http_json_at (listed, "files"));
  for (guint i = 0; i < json_array_get_length (files); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (files, i), "type"), "kimi") == 0)
      found = TRUE;
  g_assert_true (found);
}

static void
test_discontinued (Fixture       *f,
                   gconstpointer  data)
{
  static const char * const routes[][2] = {
    { "GET", "/qwen-auth-url" }, { "GET", "/iflow-auth-url" }, { "POST", "/iflow-auth-url" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_auto(HttpResponse) r = { 0 };
      g_autoptr(JsonNode) root = NULL;

      mgmt (f, routes[i][0], routes[i][1], g_str_equal (routes[i][0], "POST") ? "{\"cookie\":\"BXAuth=x;\"}" : NULL,
            &r);
      g_assert_cmpuint (r.status, ==, 410);
      root = http_response_json (&r);
      g_assert_cmpstr (http_json_string (root, "status"), ==, "error");
      g_assert_nonnull (strstr (http_json_string (root, "error"), "April 2026"));
    }
}

/* ------------------------------------------------------------------ vertex */

static char *
service_account_json (Fixture *f)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;
  g_autofree char *pem = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  f->key = EVP_RSA_gen (2048);
  g_assert_nonnull (f->key);
  g_assert_cmpint (PEM_write_bio_PrivateKey (bio, f->key, NULL, NULL, 0, NULL, NULL), ==, 1);
  len = BIO_get_mem_data (bio, &data);
  pem = g_strndup (data, len);
  BIO_free (bio);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "service_account");
  json_builder_set_member_name (b, "project_id");
  json_builder_add_string_value (b, "my-proj");
  json_builder_set_member_name (b, "private_key_id");
  json_builder_add_string_value (b, "kid-1");
  json_builder_set_member_name (b, "private_key");
  json_builder_add_string_value (b, pem);
  json_builder_set_member_name (b, "client_email");
  json_builder_add_string_value (b, "sa@my-proj.iam.gserviceaccount.com");
  json_builder_set_member_name (b, "token_uri");
  json_builder_add_string_value (b, "https://oauth2.googleapis.com/token");
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static void
post_form (Fixture      *f,
           const char   *path,
           const char   *file,
           const char   *location,
           HttpResponse *out)
{
  SoupMultipart *multipart = soup_multipart_new ("multipart/form-data");
  SoupMessageHeaders *headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_MULTIPART);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *content_type = NULL;

  if (file != NULL)
    {
      g_autoptr(GBytes) part = g_bytes_new (file, strlen (file));

      soup_multipart_append_form_file (multipart, "file", "key.json", "application/json", part);
    }
  if (location != NULL)
    soup_multipart_append_form_string (multipart, "location", location);
  soup_multipart_to_message (multipart, headers, &body);
  content_type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));
  soup_multipart_free (multipart);
  soup_message_headers_unref (headers);
  mgmt_full (f, "POST", path, content_type, g_bytes_get_data (body, NULL), g_bytes_get_size (body), out);
}

static void
test_vertex (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *key = service_account_json (f);
  g_auto(HttpResponse) imported = { 0 };
  g_auto(HttpResponse) missing = { 0 };
  g_auto(HttpResponse) invalid = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) listed = NULL;
  JsonObject *entry;

  post_form (f, "/vertex/import", key, "europe-west4", &imported);
  g_assert_cmpuint (imported.status, ==, 200);
  assert_no_canary (f, &imported);
  root = http_response_json (&imported);
  g_assert_cmpstr (http_json_string (root, "status"), ==, "ok");
  g_assert_cmpstr (http_json_string (root, "auth-file"), ==, "vertex-my-proj.json");
  g_assert_cmpstr (http_json_string (root, "project_id"), ==, "my-proj");
  g_assert_cmpstr (http_json_string (root, "email"), ==, "sa@my-proj.iam.gserviceaccount.com");
  g_assert_cmpstr (http_json_string (root, "location"), ==, "europe-west4");

  listed = list_files (f);
  entry = entry_named (listed, "vertex-my-proj.json");
  g_assert_nonnull (entry);
  g_assert_cmpstr (json_object_get_string_member (entry, "type"), ==, "vertex");
  g_assert_cmpstr (json_object_get_string_member (entry, "account_type"), ==, "service_account");

  post_form (f, "/vertex/import", NULL, "us-central1", &missing);
  mgmt_assert_error (&missing, 400, "file required");
  post_form (f, "/vertex/import", "{\"type\":\"authorized_user\"}", NULL, &invalid);
  mgmt_assert_error (&invalid, 400, "invalid service account");
}

/* ------------------------------------------------------------------ quota */

static void
test_quota_active (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *a = claude_file ("a@example.com", A_ACCESS, A_REFRESH, 8 * 3600, 60);
  g_auto(HttpResponse) refresh = { 0 };
  g_autoptr(JsonNode) root = NULL;
  JsonArray *accounts;
  JsonObject *claude = NULL;
  JsonArray *windows;
  gboolean seen = FALSE;

  f->usage_endpoint = TRUE;
  upload_ok (f, "claude-a@example.com.json", a);
  /* Read now, from the provider's usage endpoint, with the login's token. */
  mgmt (f, "POST", "/quota/refresh", NULL, &refresh);
  g_assert_cmpuint (refresh.status, ==, 200);
  g_assert_cmpstr (f->echo_authorization, ==, "Bearer " A_ACCESS);
  g_assert_null (strstr (refresh.text, A_ACCESS));
  assert_no_canary (f, &refresh);
  root = http_response_json (&refresh);
  accounts = json_object_get_array_member (json_node_get_object (root), "accounts");
  for (guint i = 0; i < json_array_get_length (accounts); i++)
    {
      JsonObject *entry = json_array_get_object_element (accounts, i);

      if (g_strcmp0 (json_object_get_string_member (entry, "provider"), "claude") == 0 &&
          json_object_get_boolean_member (entry, "supported"))
        claude = entry;
    }
  g_assert_nonnull (claude);
  g_assert_nonnull (json_object_get_string_member (claude, "last_read"));
  windows = json_object_get_array_member (claude, "windows");
  for (guint i = 0; i < json_array_get_length (windows); i++)
    {
      JsonObject *w = json_array_get_object_element (windows, i);

      if (g_strcmp0 (json_object_get_string_member (w, "id"), "five_hour") != 0)
        continue;
      seen = TRUE;
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (w, "remaining"), 0.58, 1e-9);
      g_assert_cmpstr (json_object_get_string_member (w, "source"), ==, "active");
    }
  g_assert_true (seen);
  /* The same windows are in the account's /auth-files entry. */
  {
    g_autoptr(JsonNode) files = list_files (f);
    JsonObject *entry = entry_of (files, "a@example.com");

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (entry, "quota")), >=, 2);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = g_dir_make_tmp ("sy-mgmt-auth-home-XXXXXX", NULL);
  g_autofree char *state = g_build_filename (home, "state", NULL);
  g_autofree char *data = g_build_filename (home, "data", NULL);
  g_autofree char *config = g_build_filename (home, "config", NULL);
  int status;

  /* Account state files and the like land here, not in the user's. */
  g_setenv ("XDG_STATE_HOME", state, TRUE);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  /* No session bus (the token store is its file), times in UTC. */
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_unsetenv ("DISPLAY");
  g_unsetenv ("SWITCHYARD_MASTER_KEY");
  g_unsetenv ("MANAGEMENT_PASSWORD");
  g_setenv ("TZ", "UTC", TRUE);
  all_logs = g_string_new (NULL);
  g_log_set_writer_func (record_log, NULL, NULL);
  g_setenv ("XDG_RUNTIME_DIR", "/nonexistent-sy-test-runtime", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/mgmt-auth/list-shape", Fixture, "codex-file", fixture_setup, test_list_shape, fixture_teardown);
  g_test_add ("/mgmt-auth/upload", Fixture, NULL, fixture_setup, test_upload, fixture_teardown);
  g_test_add ("/mgmt-auth/download", Fixture, NULL, fixture_setup, test_download, fixture_teardown);
  g_test_add ("/mgmt-auth/download-remote", Fixture, "#all", fixture_setup, test_download_remote, fixture_teardown);
  g_test_add ("/mgmt-auth/status-routing", Fixture, NULL, fixture_setup, test_status_routing, fixture_teardown);
  g_test_add ("/mgmt-auth/delete", Fixture, NULL, fixture_setup, test_delete, fixture_teardown);
  g_test_add ("/mgmt-auth/fields", Fixture, NULL, fixture_setup, test_fields, fixture_teardown);
  g_test_add ("/mgmt-auth/quota-active", Fixture, NULL, fixture_setup, test_quota_active, fixture_teardown);
  g_test_add ("/mgmt-auth/models", Fixture, NULL, fixture_setup, test_models, fixture_teardown);
  g_test_add ("/mgmt-auth/api-call", Fixture, NULL, fixture_setup, test_api_call, fixture_teardown);
  g_test_add ("/mgmt-auth/api-call-refresh", Fixture, NULL, fixture_setup, test_api_call_refresh, fixture_teardown);
  g_test_add ("/mgmt-auth/api-call-errors", Fixture, NULL, fixture_setup, test_api_call_errors, fixture_teardown);
  g_test_add ("/mgmt-auth/oauth-codex", Fixture, NULL, fixture_setup, test_oauth_codex, fixture_teardown);
  g_test_add ("/mgmt-auth/oauth-callback", Fixture, NULL, fixture_setup, test_oauth_callback, fixture_teardown);
  g_test_add ("/mgmt-auth/oauth-errors", Fixture, NULL, fixture_setup, test_oauth_errors, fixture_teardown);
  g_test_add ("/mgmt-auth/oauth-once", Fixture, NULL, fixture_setup, test_oauth_once, fixture_teardown);
  g_test_add ("/mgmt-auth/oauth-denied", Fixture, NULL, fixture_setup, test_oauth_denied, fixture_teardown);
  g_test_add ("/mgmt-auth/oauth-kimi", Fixture, NULL, fixture_setup, test_oauth_kimi, fixture_teardown);
  g_test_add ("/mgmt-auth/discontinued", Fixture, NULL, fixture_setup, test_discontinued, fixture_teardown);
  g_test_add ("/mgmt-auth/vertex", Fixture, NULL, fixture_setup, test_vertex, fixture_teardown);

  status = g_test_run ();
  remove_tree (home);
  return status;
}
