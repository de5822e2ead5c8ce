/* test-login-codex.c: a ChatGPT (Codex) subscription from sign-in to refresh
 *
 * A fake auth.openai.com (authorize page, device-code endpoints, token
 * endpoint) and a fake ChatGPT backend run on 127.0.0.1 (the fake
 * upstream); a SoupSession plays the browser and the clients; tokens go to
 * the token store of the test's private session; time is a manual clock.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "fake-upstream.h"
#include "login-test-util.h"
#include "sy-account-pool.h"
#include "sy-oauth.h"
#include "sy-service-logins.h"
#include "switchyard.h"

#define CLIENT_KEY     "test-client-key-0001"
#define CODEX_CLIENT   "app_EMoamEEZ73f0CkXaXp7hrann"
#define ACCOUNT_ID     "acct-5e1f-4c2a"
#define UPSTREAM_KEY   "sk-codex-key-canary-7777"
/* uuid5 (NAMESPACE_OID, "switchyard:codex:prompt-cache:" CLIENT_KEY), by Python's uuid. */
#define CLIENT_SESSION "266b6d3f-53cb-5419-953c-d472f9827d8a"
#define DEVICE_AUTH_ID "deviceauth-id-3f9a"
#define USER_CODE      "QWER-7531"
#define DEVICE_VERIFIER "device-verifier-from-openai-8c1d"

typedef struct
{
  FakeUpstream *upstream;
  SyService    *service;
  SyClock      *clock;
  SoupSession  *browser;
  char         *dir;
  char         *base;
  const char   *store_kind;

  /* the fake sign-in service */
  const char   *plan;             /* chatgpt_plan_type in the id_token */
  char         *challenge;        /* from the authorize request */
  char         *issued_code;
  guint         n_token_calls;
  guint         n_refresh_calls;
  guint         n_usercode_calls;
  guint         n_poll_calls;
  guint         token_generation; /* access tokens are "at-codex-fake-<n>" */
  gboolean      reused;           /* refresh tokens come back as already used */
  gboolean      never_approved;   /* device polls stay pending */
  GPtrArray    *id_tokens;        /* every id_token issued */
} Fixture;


static char *
access_token (guint generation)
{
  return g_strdup_printf ("at-codex-fake-%u", generation);
}

static char *
refresh_token (guint generation)
{
  return g_strdup_printf ("rt-codex-fake-%u", generation);
}

/* An id_token as OpenAI issues it (the signature is never checked). */
static char *
id_token (const char *plan)
{
  g_autofree char *claims = g_strdup_printf (
    "{\"iss\":\"https://auth.openai.com\",\"email\":\"me@example.com\",\"email_verified\":true,"
    "\"https://api.openai.com/auth\":{\"chatgpt_account_id\":\"" ACCOUNT_ID "\","
    "\"chatgpt_plan_type\":\"%s\",\"chatgpt_user_id\":\"user-1\"}}", plan);

  return unsigned_jwt (claims, "c2lnbmF0dXJl");
}

static GHashTable *
form_of (SoupServerMessage *msg)
{
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL),
                   ==, "application/x-www-form-urlencoded");
  return request_form (msg);
}

static JsonObject *
json_of (SoupServerMessage *msg)
{
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL),
                   ==, "application/json");
  return request_json (msg);
}

/* GET /oauth/authorize: the "user" consents at once and is sent back. */
static void
on_authorize (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Fixture *f = user_data;
  const char *redirect = query ? g_hash_table_lookup (query, "redirect_uri") : NULL;
  g_autofree char *location = NULL;

  g_assert_nonnull (redirect);
  g_assert_true (g_str_has_prefix (redirect, "http://localhost:"));
  g_assert_true (g_str_has_suffix (redirect, "/auth/callback"));
  g_assert_cmpstr (g_hash_table_lookup (query, "client_id"), ==, CODEX_CLIENT);
  g_assert_cmpstr (g_hash_table_lookup (query, "response_type"), ==, "code");
  g_assert_cmpstr (g_hash_table_lookup (query, "scope"), ==, "openid email profile offline_access");
  g_assert_cmpstr (g_hash_table_lookup (query, "code_challenge_method"), ==, "S256");
  g_assert_cmpstr (g_hash_table_lookup (query, "prompt"), ==, "login");
  g_assert_cmpstr (g_hash_table_lookup (query, "id_token_add_organizations"), ==, "true");
  g_assert_cmpstr (g_hash_table_lookup (query, "codex_cli_simplified_flow"), ==, "true");
  g_assert_cmpuint (strlen (g_hash_table_lookup (query, "state")), ==, 32);
  g_free (f->challenge);
  f->challenge = g_strdup (g_hash_table_lookup (query, "code_challenge"));
  g_free (f->issued_code);
  f->issued_code = g_strdup_printf ("ac_code-%u", g_random_int ());
  location = g_strdup_printf ("%s?code=%s&scope=openid&state=%s", redirect, f->issued_code,
                              (const char *) g_hash_table_lookup (query, "state"));
  soup_server_message_set_redirect (msg, 302, location);
}

static void
token_answer (SoupServerMessage *msg,
              Fixture           *f)
{
  g_autofree char *access = access_token (++f->token_generation);
  g_autofree char *refresh = refresh_token (f->token_generation);
  char *id = id_token (f->plan);
  g_autofree char *body = g_strdup_printf (
    "{\"id_token\":\"%s\",\"access_token\":\"%s\",\"refresh_token\":\"%s\",\"expires_in\":864000,"
    "\"token_type\":\"Bearer\",\"scope\":\"openid profile email offline_access\"}", id, access, refresh);

  g_ptr_array_add (f->id_tokens, id);
  answer_json (msg, 200, body);
}

/* POST /oauth/token, form-encoded: code exchange (both flows) and refresh. */
static void
on_token (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(GHashTable) form = form_of (msg);
  const char *grant = g_hash_table_lookup (form, "grant_type");
  g_autofree char *current = NULL;

  f->n_token_calls++;
  g_assert_cmpstr (g_hash_table_lookup (form, "client_id"), ==, CODEX_CLIENT);

  if (g_str_equal (grant, "authorization_code"))
    {
      const char *verifier = g_hash_table_lookup (form, "code_verifier");

      if (g_strcmp0 (g_hash_table_lookup (form, "code"), "ac_device-code-42") == 0)
        {
          /* The device flow: OpenAI's own verifier, and its callback. */
          g_autofree char *callback = g_strconcat (fake_upstream_get_url (f->upstream), "/deviceauth/callback", NULL);

          g_assert_cmpstr (verifier, ==, DEVICE_VERIFIER);
          g_assert_cmpstr (g_hash_table_lookup (form, "redirect_uri"), ==, callback);
        }
      else
        {
          g_autofree char *expected = sy_oauth_pkce_challenge (verifier);

          g_assert_cmpstr (g_hash_table_lookup (form, "code"), ==, f->issued_code);
          g_assert_cmpstr (expected, ==, f->challenge);
          g_assert_true (g_str_has_prefix (g_hash_table_lookup (form, "redirect_uri"), "http://localhost:"));
        }
      token_answer (msg, f);
      return;
    }
  g_assert_cmpstr (grant, ==, "refresh_token");
  g_assert_cmpstr (g_hash_table_lookup (form, "scope"), ==, "openid profile email");
  f->n_refresh_calls++;
  current = refresh_token (f->token_generation);
  if (f->reused)
    {
      answer_json (msg, 401,
                   "{\"error\":{\"message\":\"Your refresh token has already been used to generate a new access "
                   "token. Please try signing in again.\",\"type\":\"invalid_request_error\",\"param\":null,"
                   "\"code\":\"refresh_token_reused\"}}");
      return;
    }
  if (g_strcmp0 (g_hash_table_lookup (form, "refresh_token"), current) != 0)
    {
      answer_json (msg, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"unknown refresh token\"}");
      return;
    }
  token_answer (msg, f);
}

/* POST /api/accounts/deviceauth/usercode (JSON). */
static void
on_usercode (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonObject) o = json_of (msg);

  f->n_usercode_calls++;
  g_assert_cmpstr (json_object_get_string_member (o, "client_id"), ==, CODEX_CLIENT);
  /* 20 ms between polls, so the test is quick. */
  answer_json (msg, 200, "{\"device_auth_id\":\"" DEVICE_AUTH_ID "\",\"user_code\":\"" USER_CODE "\","
                         "\"interval\":\"0.02\",\"expires_at\":\"2099-01-01T00:00:00Z\"}");
}

/* POST /api/accounts/deviceauth/token (JSON): pending (403, then 404)
 * twice, then approved. */
static void
on_device_token (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonObject) o = json_of (msg);

  f->n_poll_calls++;
  g_assert_cmpstr (json_object_get_string_member (o, "device_auth_id"), ==, DEVICE_AUTH_ID);
  g_assert_cmpstr (json_object_get_string_member (o, "user_code"), ==, USER_CODE);
  if (f->never_approved || f->n_poll_calls == 1)
    answer_json (msg, 403, "{\"error\":{\"message\":\"Device authorization is pending\"}}");
  else if (f->n_poll_calls == 2)
    answer_json (msg, 404, "{\"error\":{\"message\":\"not found\"}}");
  else
    answer_json (msg, 200, "{\"authorization_code\":\"ac_device-code-42\",\"code_challenge\":\"unused\","
                           "\"code_verifier\":\"" DEVICE_VERIFIER "\"}");
}

static char *
config_yaml (Fixture *f)
{
  const char *url = fake_upstream_get_url (f->upstream);

  return g_strdup_printf ("host: 127.0.0.1\n"
                          "port: 0\n"
                          "api-keys: [\"" CLIENT_KEY "\"]\n"
                          "token-store: %s\n"
                          "codex-api-key:\n"
                          "  - api-key: \"" UPSTREAM_KEY "\"\n"
                          "    base-url: \"%s/v1\"\n"
                          "    models:\n"
                          "      - name: key-only-model\n"
                          "endpoints:\n"
                          "  codex: {auth: \"%s\", api: \"%s\"}\n",
                          f->store_kind, url, url, url);
}

static void
start_service (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml = config_yaml (f);
  g_autofree char *accounts = g_build_filename (f->dir, "accounts.json", NULL);
  g_autofree char *tokens = g_build_filename (f->dir, "tokens", NULL);
  gboolean loaded = FALSE;

  f->service = sy_service_new_from_string (yaml, &error);
  g_assert_no_error (error);
  sy_account_pool_set_clock (SY_ACCOUNT_POOL (sy_service_get_accounts (f->service)), f->clock);
  sy_service_set_login_files (f->service, accounts, tokens);
  sy_service_load_logins_async (f->service, NULL, on_loaded, &loaded);
  while (!loaded)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (sy_service_start (f->service, &error));
  g_free (f->base);
  f->base = sy_service_dup_url (f->service);
}

static void
stop_service (Fixture *f)
{
  sy_service_stop (f->service);
  g_clear_object (&f->service);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->store_kind = data ? data : "auto";
  f->plan = "plus";
  f->id_tokens = g_ptr_array_new_with_free_func (g_free);
  f->dir = g_dir_make_tmp ("sy-login-codex-XXXXXX", NULL);
  f->upstream = fake_upstream_new ();
  f->clock = sy_clock_new_manual (g_get_real_time ());
  fake_upstream_add_handler (f->upstream, "/oauth/authorize", on_authorize, f);
  fake_upstream_add_handler (f->upstream, "/oauth/token", on_token, f);
  fake_upstream_add_handler (f->upstream, "/api/accounts/deviceauth/usercode", on_usercode, f);
  fake_upstream_add_handler (f->upstream, "/api/accounts/deviceauth/token", on_device_token, f);
  f->browser = soup_session_new_with_options ("timeout", 30, NULL);
  g_string_truncate (all_logs, 0);
  start_service (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->service != NULL)
    stop_service (f);
  g_clear_object (&f->browser);
  g_clear_pointer (&f->upstream, fake_upstream_free);
  g_clear_pointer (&f->clock, sy_clock_unref);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->base);
  g_free (f->challenge);
  g_free (f->issued_code);
  g_ptr_array_unref (f->id_tokens);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ------------------------------------------------------------------ steps */

typedef struct
{
  SyCredential *credential;
  GError       *error;
  gboolean      done;
} LoginResult;

static void
on_login (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  LoginResult *r = user_data;

  r->credential = sy_service_login_finish (SY_SERVICE (source), result, &r->error);
  r->done = TRUE;
}

static void
on_browsed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GBytes **page = user_data;
  g_autoptr(GError) error = NULL;

  *page = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
}

/* Signs in as a person would: the browser opens the URL, consents, and is
 * sent back to the local callback. */
static SyCredential *
sign_in (Fixture  *f,
         GError  **error)
{
  SyLoginOptions options = { FALSE, G_MAXUINT16 + 1, 60, FALSE };
  g_autoptr(SyLoginFlow) flow = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) page = NULL;
  g_autofree char *authorize = g_strconcat (fake_upstream_get_url (f->upstream), "/oauth/authorize?", NULL);
  LoginResult r = { 0 };

  flow = sy_service_login (f->service, "codex", &options, NULL, on_login, &r, error);
  g_assert_nonnull (flow);
  g_assert_true (g_str_has_prefix (sy_login_flow_get_url (flow), authorize));
  g_assert_null (sy_login_flow_get_user_code (flow));
  msg = soup_message_new ("GET", sy_login_flow_get_url (flow));
  soup_session_send_and_read_async (f->browser, msg, G_PRIORITY_DEFAULT, NULL, on_browsed, &page);
  while (!r.done || page == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (page, NULL), g_bytes_get_size (page), "Signed in"));
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.credential;
}

static void
send_start (Fixture    *f,
            const char *method,
            const char *path,
            const char *body,
            Reply      *r)
{
  g_autofree char *url = g_strconcat (f->base, path, NULL);
  SoupMessage *msg = soup_message_new (method, url);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer " CLIENT_KEY);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  soup_session_send_and_read_async (f->browser, msg, G_PRIORITY_DEFAULT, NULL, on_reply, r);
  g_object_unref (msg);
}

static void
send (Fixture    *f,
      const char *method,
      const char *path,
      const char *body,
      Reply      *r)
{
  send_start (f, method, path, body, r);
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
}

#define CHAT_BODY \
  "{\"model\":\"gpt-5.1-codex\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"}," \
  "{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0.3,\"max_tokens\":50}"

/* An OpenAI chat client asks; the answer must be the backend's. */
static void
ask_start (Fixture *f,
           Reply   *r)
{
  send_start (f, "POST", "/v1/chat/completions", CHAT_BODY, r);
}

static void
ask (Fixture *f,
     Reply   *r)
{
  ask_start (f, r);
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
}

static JsonObject *
last_body (Fixture *f)
{
  const FakeRequest *last = fake_upstream_get_last (f->upstream);
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (last->body, NULL),
                                             g_bytes_get_size (last->body), NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* What the backend last saw: the ChatGPT channel's URL, headers and body. */
static void
assert_backend_used (Fixture    *f,
                     const char *token)
{
  const FakeRequest *last = fake_upstream_get_last (f->upstream);
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);
  g_autoptr(JsonObject) body = last_body (f);

  g_assert_cmpstr (last->path, ==, "/backend-api/codex/responses");
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Authorization"), ==, bearer);
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Chatgpt-Account-Id"), ==, ACCOUNT_ID);
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Originator"), ==, "codex-tui");
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Accept"), ==, "text/event-stream");
  /* One client, one prompt cache: the key derives from the client's key. */
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Session_id"), ==, CLIENT_SESSION);
  g_assert_cmpstr (json_object_get_string_member (body, "prompt_cache_key"), ==, CLIENT_SESSION);
  /* The Responses body the backend takes. */
  g_assert_cmpstr (json_object_get_string_member (body, "model"), ==, "gpt-5.1-codex");
  g_assert_cmpstr (json_object_get_string_member (body, "instructions"), ==, "Be brief.");
  g_assert_true (json_object_has_member (body, "input"));
  g_assert_null (json_object_get_member (body, "messages"));
  g_assert_true (json_object_get_boolean_member (body, "stream"));
  g_assert_false (json_object_get_boolean_member (body, "store"));
  g_assert_false (json_object_has_member (body, "temperature"));
  g_assert_false (json_object_has_member (body, "max_output_tokens"));
}

static void
assert_chat_answer (Reply *r)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;
  JsonObject *message;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (json_parser_load_from_data (parser, r->text, -1, NULL));
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (o, "object"), ==, "chat.completion");
  message = json_object_get_object_member (json_array_get_object_element (json_object_get_array_member (o, "choices"), 0),
                                           "message");
  g_assert_nonnull (strstr (json_object_get_string_member (message, "content"), "tok0"));
}

static gboolean
models_list (Fixture    *f,
             const char *id)
{
  Reply r = { 0 };
  g_autofree char *quoted = g_strdup_printf ("\"id\":\"%s\"", id);
  gboolean found;

  send (f, "GET", "/v1/models", NULL, &r);
  g_assert_cmpuint (r.status, ==, 200);
  found = strstr (r.text, quoted) != NULL;
  g_free (r.text);
  return found;
}

static void
assert_logs_clean (Fixture *f)
{
  g_assert_null (strstr (all_logs->str, "at-codex-fake"));
  g_assert_null (strstr (all_logs->str, "rt-codex-fake"));
  g_assert_null (strstr (all_logs->str, "ac_"));
  g_assert_null (strstr (all_logs->str, DEVICE_VERIFIER));
  g_assert_null (strstr (all_logs->str, DEVICE_AUTH_ID));
  for (guint i = 0; i < f->id_tokens->len; i++)
    {
      const char *id = g_ptr_array_index (f->id_tokens, i);
      g_autofree char *payload = g_strndup (strchr (id, '.') + 1, 24);

      g_assert_null (strstr (all_logs->str, payload));
    }
}

/* ------------------------------------------------------------------ tests */

/* Browser sign-in, serve, renew before expiry, renew on a 401, restart, and
 * a refresh token spent elsewhere. */
static void
test_browser_cycle (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *accounts = NULL;
  g_autoptr(SyCredential) credential = NULL;
  g_autofree char *id = NULL;

  g_assert_false (models_list (f, "gpt-5.3-codex-spark"));
  credential = sign_in (f, &error);
  g_assert_no_error (error);
  g_assert_nonnull (credential);
  g_assert_cmpstr (sy_credential_get_email (credential), ==, "me@example.com");
  g_assert_cmpstr (sy_credential_get_extra (credential, "account_id"), ==, ACCOUNT_ID);
  g_assert_cmpstr (sy_credential_get_extra (credential, "plan"), ==, "plus");
  g_assert_cmpstr (sy_credential_get_id_token (credential), ==, g_ptr_array_index (f->id_tokens, 0));
  id = g_strdup (sy_credential_get_id (credential));
  g_assert_true (g_str_has_prefix (id, "codex:"));

  /* accounts.json says who, and the plan; never a token. */
  accounts = read_file (f->dir, "accounts.json");
  g_assert_nonnull (strstr (accounts, "me@example.com"));
  g_assert_nonnull (strstr (accounts, ACCOUNT_ID));
  g_assert_null (strstr (accounts, "at-codex-fake"));
  g_assert_null (strstr (accounts, "rt-codex-fake"));

  /* The plus plan's models are listed (spark is not on every plan). */
  g_assert_true (models_list (f, "gpt-5.3-codex-spark"));
  g_assert_true (models_list (f, "gpt-5.1-codex"));

  /* Served by the ChatGPT backend with the login's token and account. */
  {
    Reply r = { 0 };

    ask (f, &r);
    assert_chat_answer (&r);
    g_free (r.text);
    assert_backend_used (f, "at-codex-fake-1");
  }

  /* A Responses client's body goes as written, brought to the backend's
   * terms; its own prompt-cache key is its session. */
  {
    Reply r = { 0 };
    g_autoptr(JsonObject) body = NULL;
    const FakeRequest *last;

    send (f, "POST", "/v1/responses",
          "{\"model\":\"gpt-5.1-codex\",\"stream\":true,\"input\":\"hi\",\"store\":true,\"temperature\":1,"
          "\"max_output_tokens\":99,\"previous_response_id\":\"resp_1\",\"service_tier\":\"flex\","
          "\"prompt_cache_key\":\"my-cache-key\"}", &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_nonnull (strstr (r.text, "response.completed"));
    g_free (r.text);
    last = fake_upstream_get_last (f->upstream);
    g_assert_cmpstr (last->path, ==, "/backend-api/codex/responses");
    g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Session_id"), ==, "my-cache-key");
    body = last_body (f);
    g_assert_false (json_object_get_boolean_member (body, "store"));
    g_assert_cmpstr (json_object_get_string_member (body, "instructions"), ==, "");
    g_assert_cmpstr (json_object_get_string_member (body, "input"), ==, "hi");
    g_assert_false (json_object_has_member (body, "temperature"));
    g_assert_false (json_object_has_member (body, "max_output_tokens"));
    g_assert_false (json_object_has_member (body, "previous_response_id"));
    g_assert_false (json_object_has_member (body, "service_tier"));
  }
  /* Members of the wrong type are the client's mistake, not a crash. */
  {
    Reply r = { 0 };
    g_autoptr(JsonObject) body = NULL;
    const FakeRequest *last;

    send (f, "POST", "/v1/responses",
          "{\"model\":\"gpt-5.1-codex\",\"stream\":true,\"input\":\"hi\",\"instructions\":null,"
          "\"prompt_cache_key\":{\"not\":\"a string\"},\"service_tier\":[\"priority\"]}", &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_free (r.text);
    last = fake_upstream_get_last (f->upstream);
    g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Session_id"), ==, CLIENT_SESSION);
    body = last_body (f);
    g_assert_cmpstr (json_object_get_string_member (body, "prompt_cache_key"), ==, CLIENT_SESSION);
    g_assert_cmpstr (json_object_get_string_member (body, "instructions"), ==, "");
    g_assert_false (json_object_has_member (body, "service_tier"));
  }

  /* An API-key Codex account still goes its own way. */
  {
    Reply r = { 0 };
    const FakeRequest *last;

    send (f, "POST", "/v1/chat/completions",
          "{\"model\":\"key-only-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_free (r.text);
    last = fake_upstream_get_last (f->upstream);
    g_assert_cmpstr (last->path, ==, "/v1/responses");
    g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Authorization"), ==, "Bearer " UPSTREAM_KEY);
    g_assert_null (soup_message_headers_get_one (last->headers, "Chatgpt-Account-Id"));
    g_assert_null (soup_message_headers_get_one (last->headers, "Session_id"));
  }

  /* Five days before expiry (ten-day tokens): renewed by the timer. */
  sy_clock_advance (f->clock, (gint64) (5 * 86400 + 60) * G_USEC_PER_SEC);
  while (f->n_refresh_calls < 1 || strstr (all_logs->str, "credential refresh done") == NULL)
    g_main_context_iteration (NULL, TRUE);
  {
    Reply r = { 0 };

    ask (f, &r);
    assert_chat_answer (&r);
    g_free (r.text);
    assert_backend_used (f, "at-codex-fake-2");
  }

  /* A 401: one refresh however many requests hit it, then a retry each. */
  fake_upstream_script (f->upstream, "gpt-5.1-codex", "at-codex-fake-2", 401, NULL, NULL);
  fake_upstream_script (f->upstream, "gpt-5.1-codex", "at-codex-fake-2", 401, NULL, NULL);
  {
    Reply a = { 0 };
    Reply b = { 0 };

    ask_start (f, &a);
    ask_start (f, &b);
    while (!a.done || !b.done)
      g_main_context_iteration (NULL, TRUE);
    assert_chat_answer (&a);
    assert_chat_answer (&b);
    g_free (a.text);
    g_free (b.text);
  }
  g_assert_cmpuint (f->n_refresh_calls, ==, 2);
  assert_backend_used (f, "at-codex-fake-3");

  /* Restart: the login, its account and its latest tokens come back. */
  stop_service (f);
  start_service (f);
  g_assert_true (models_list (f, "gpt-5.3-codex-spark"));
  {
    Reply r = { 0 };

    ask (f, &r);
    assert_chat_answer (&r);
    g_free (r.text);
    assert_backend_used (f, "at-codex-fake-3");
  }

  /* The refresh token was spent by another program: "needs sign-in". */
  f->reused = TRUE;
  fake_upstream_script (f->upstream, "gpt-5.1-codex", "at-codex-fake-3", 401, NULL, NULL);
  {
    Reply r = { 0 };

    ask (f, &r);
    g_assert_cmpuint (r.status, ==, 401);
    g_free (r.text);
  }
  g_assert_cmpuint (f->n_refresh_calls, ==, 3);
  {
    SyCredential *c = sy_logins_lookup (SY_LOGINS (sy_service_get_logins (f->service)), id);

    g_assert_cmpint (sy_credential_get_status (c), ==, SY_CREDENTIAL_NEEDS_LOGIN);
    g_assert_nonnull (strstr (sy_credential_get_status_reason (c), "already used"));
  }
  g_free (accounts);
  accounts = read_file (f->dir, "accounts.json");
  g_assert_nonnull (strstr (accounts, "needs-login"));
  {
    Reply r = { 0 };

    ask (f, &r);
    g_assert_cmpuint (r.status, ==, 503);
    g_free (r.text);
  }
  /* No more refreshes were tried for a spent token. */
  g_assert_cmpuint (f->n_refresh_calls, ==, 3);

  /* Signing in again mends it (same account, same id). */
  f->reused = FALSE;
  {
    g_autoptr(SyCredential) again = sign_in (f, &error);
    Reply r = { 0 };

    g_assert_no_error (error);
    g_assert_cmpstr (sy_credential_get_id (again), ==, id);
    ask (f, &r);
    assert_chat_answer (&r);
    g_free (r.text);
    assert_backend_used (f, "at-codex-fake-4");
  }

  assert_logs_clean (f);
}

/* Device sign-in: the code to type, two pending polls, approval, exchange. */
static void
test_device_cycle (Fixture       *f,
                   gconstpointer  data)
{
  SyLoginOptions options = { FALSE, 0, 60, TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(SyLoginFlow) flow = NULL;
  g_autofree char *device_url = g_strconcat (fake_upstream_get_url (f->upstream), "/codex/device", NULL);
  LoginResult r = { 0 };

  f->plan = "free";
  flow = sy_service_login (f->service, "codex", &options, NULL, on_login, &r, &error);
  g_assert_no_error (error);
  g_assert_nonnull (flow);
  /* No local callback; the address and the code together, once OpenAI
   * gave the code. */
  g_assert_cmpuint (sy_login_flow_get_callback_port (flow), ==, 0);
  g_assert_null (sy_login_flow_get_url (flow));
  while (sy_login_flow_get_user_code (flow) == NULL && !r.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (sy_login_flow_get_url (flow), ==, device_url);
  g_assert_cmpstr (sy_login_flow_get_user_code (flow), ==, USER_CODE);
  g_assert_cmpuint (f->n_usercode_calls, ==, 1);

  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (r.error);
  g_assert_nonnull (r.credential);
  g_assert_cmpuint (f->n_poll_calls, ==, 3);
  g_assert_cmpuint (f->n_token_calls, ==, 1);
  g_assert_cmpstr (sy_credential_get_email (r.credential), ==, "me@example.com");
  g_assert_cmpstr (sy_credential_get_extra (r.credential, "account_id"), ==, ACCOUNT_ID);
  g_assert_cmpstr (sy_credential_get_extra (r.credential, "plan"), ==, "free");
  g_assert_cmpstr (sy_credential_get_access_token (r.credential), ==, "at-codex-fake-1");
  g_assert_cmpstr (sy_credential_get_refresh_token (r.credential), ==, "rt-codex-fake-1");
  g_assert_cmpuint (sy_logins_get_all (SY_LOGINS (sy_service_get_logins (f->service)))->len, ==, 1);

  /* The free plan's list (no spark), served at once. */
  g_assert_false (models_list (f, "gpt-5.3-codex-spark"));
  g_assert_true (models_list (f, "gpt-5.4"));
  {
    Reply reply = { 0 };

    ask (f, &reply);
    assert_chat_answer (&reply);
    g_free (reply.text);
    assert_backend_used (f, "at-codex-fake-1");
  }
  g_clear_object (&r.credential);
  assert_logs_clean (f);
}

/* A device sign-in nobody approves ends when the wait does. */
static void
test_device_timeout (Fixture       *f,
                     gconstpointer  data)
{
  SyLoginOptions options = { FALSE, 0, 1, TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(SyLoginFlow) flow = NULL;
  LoginResult r = { 0 };

  f->never_approved = TRUE;
  flow = sy_service_login (f->service, "codex", &options, NULL, on_login, &r, &error);
  g_assert_no_error (error);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (r.credential);
  g_assert_error (r.error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_TIMEOUT);
  g_clear_error (&r.error);
  g_assert_cmpuint (f->n_token_calls, ==, 0);
  g_assert_cmpuint (f->n_poll_calls, >=, 2);
  g_assert_cmpuint (sy_logins_get_all (SY_LOGINS (sy_service_get_logins (f->service)))->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  all_logs = g_string_new (NULL);
  g_log_set_writer_func (record_log, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func, kind) \
  g_test_add (name, Fixture, kind, fixture_setup, func, fixture_teardown)

  ADD ("/login-codex/browser-cycle", test_browser_cycle, "keyring");
  ADD ("/login-codex/device-cycle", test_device_cycle, "file");
  ADD ("/login-codex/device-timeout", test_device_timeout, "file");

  return g_test_run ();
}
