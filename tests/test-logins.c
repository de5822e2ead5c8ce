/* test-logins.c: a Claude subscription from sign-in to refresh, end to end
 *
 * A fake Claude (sign-in page, token endpoint, Messages API) runs on
 * 127.0.0.1; a SoupSession plays the browser; tokens go to the token store
 * (the Secret Service of the test's private session bus, or the encrypted
 * file when the test says so); time is a manual clock.
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

#define CLIENT_KEY "test-client-key-0001"

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
  char         *challenge;        /* from the authorize request */
  char         *issued_code;
  guint         n_token_calls;
  guint         n_refresh_calls;
  guint         token_generation; /* access tokens are "sk-ant-oat01-fake-<n>" */
  gboolean      deny;             /* the user refuses consent */
  gboolean      revoked;          /* refresh tokens are refused */
  guint         expires_in;       /* seconds; 0 = 8 hours */
  guint         unavailable;      /* refreshes answered 503 before one succeeds */
  GString      *log;              /* every log line of the test */
} Fixture;


static char *
access_token (guint generation)
{
  return g_strdup_printf ("sk-ant-oat01-fake-%u", generation);
}

static char *
refresh_token (guint generation)
{
  return g_strdup_printf ("sk-ant-ort01-fake-%u", generation);
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
  const char *state = query ? g_hash_table_lookup (query, "state") : NULL;
  g_autofree char *location = NULL;

  g_assert_nonnull (redirect);
  g_assert_cmpstr (g_hash_table_lookup (query, "client_id"), ==, "9d1c250a-e61b-44d9-88ed-5944d1962f5e");
  g_assert_cmpstr (g_hash_table_lookup (query, "code_challenge_method"), ==, "S256");
  g_assert_cmpstr (g_hash_table_lookup (query, "response_type"), ==, "code");
  g_assert_nonnull (strstr (g_hash_table_lookup (query, "scope"), "user:inference"));
  g_free (f->challenge);
  f->challenge = g_strdup (g_hash_table_lookup (query, "code_challenge"));
  g_free (f->issued_code);
  f->issued_code = g_strdup_printf ("code-%u", g_random_int ());
  if (f->deny)
    location = g_strdup_printf ("%s?error=access_denied&error_description=The+user+said+no&state=%s",
                                redirect, state);
  else
    location = g_strdup_printf ("%s?code=%s&state=%s", redirect, f->issued_code, state);
  soup_server_message_set_redirect (msg, 302, location);
}

static void
token_answer (SoupServerMessage *msg,
              Fixture           *f)
{
  g_autofree char *access = access_token (++f->token_generation);
  g_autofree char *refresh = refresh_token (f->token_generation);
  g_autofree char *body = g_strdup_printf (
    "{\"token_type\":\"Bearer\",\"access_token\":\"%s\",\"refresh_token\":\"%s\",\"expires_in\":%u,"
    "\"scope\":\"user:inference\",\"organization\":{\"uuid\":\"org-1\",\"name\":\"Me's org\"},"
    "\"account\":{\"uuid\":\"acct-1\",\"email_address\":\"me@example.com\"}}", access, refresh,
    f->expires_in ? f->expires_in : 28800);

  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

/* POST /v1/oauth/token: code exchange (PKCE checked) and refresh. */
static void
on_token (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  Fixture *f = user_data;
  SoupMessageBody *req = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (req);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;
  const char *grant;

  f->n_token_calls++;
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL),
                   ==, "application/json");
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL));
  o = json_node_get_object (json_parser_get_root (parser));
  grant = json_object_get_string_member (o, "grant_type");
  g_assert_cmpstr (json_object_get_string_member (o, "client_id"), ==, "9d1c250a-e61b-44d9-88ed-5944d1962f5e");

  if (g_str_equal (grant, "authorization_code"))
    {
      g_autofree char *expected = sy_oauth_pkce_challenge (json_object_get_string_member (o, "code_verifier"));

      g_assert_cmpstr (json_object_get_string_member (o, "code"), ==, f->issued_code);
      g_assert_cmpstr (expected, ==, f->challenge);
      g_assert_true (g_str_has_prefix (json_object_get_string_member (o, "redirect_uri"), "http://localhost:"));
      token_answer (msg, f);
      return;
    }
  g_assert_cmpstr (grant, ==, "refresh_token");
  f->n_refresh_calls++;
  if (f->unavailable > 0)
    {
      static const char busy[] = "{\"error\":\"temporarily_unavailable\"}";

      f->unavailable--;
      soup_server_message_set_status (msg, 503, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, busy, strlen (busy));
      return;
    }
  {
    g_autofree char *current = refresh_token (f->token_generation);

    if (f->revoked || g_strcmp0 (json_object_get_string_member (o, "refresh_token"), current) != 0)
      {
        static const char refused[] =
          "{\"error\":\"invalid_grant\",\"error_description\":\"Refresh token not found or invalid\"}";

        soup_server_message_set_status (msg, 400, NULL);
        soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, refused, strlen (refused));
        return;
      }
  }
  token_answer (msg, f);
}

static char *
config_yaml (Fixture *f)
{
  const char *url = fake_upstream_get_url (f->upstream);

  return g_strdup_printf ("host: 127.0.0.1\n"
                          "port: 0\n"
                          "api-keys: [\"" CLIENT_KEY "\"]\n"
                          "token-store: %s\n"
                          "endpoints:\n"
                          "  claude: {auth: \"%s\", api: \"%s\"}\n",
                          f->store_kind, url, url);
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
  f->dir = g_dir_make_tmp ("sy-logins-XXXXXX", NULL);
  f->upstream = fake_upstream_new ();
  f->clock = sy_clock_new_manual (g_get_real_time ());
  /* Token times are read from this clock too. */
  sy_clock_set_default (f->clock);
  fake_upstream_add_handler (f->upstream, "/oauth/authorize", on_authorize, f);
  fake_upstream_add_handler (f->upstream, "/v1/oauth/token", on_token, f);
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
  sy_clock_set_default (NULL);
  g_clear_pointer (&f->clock, sy_clock_unref);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->base);
  g_free (f->challenge);
  g_free (f->issued_code);
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
 * sent back to the local callback. Returns the browser's last page. */
static SyCredential *
sign_in (Fixture  *f,
         char    **page_text,
         GError  **error)
{
  SyLoginOptions options = { FALSE, G_MAXUINT16 + 1, 60 };
  g_autoptr(SyLoginFlow) flow = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) page = NULL;
  LoginResult r = { 0 };

  flow = sy_service_login (f->service, "claude", &options, NULL, on_login, &r, error);
  g_assert_nonnull (flow);
  g_assert_true (g_str_has_prefix (sy_login_flow_get_url (flow), fake_upstream_get_url (f->upstream)));
  msg = soup_message_new ("GET", sy_login_flow_get_url (flow));
  soup_session_send_and_read_async (f->browser, msg, G_PRIORITY_DEFAULT, NULL, on_browsed, &page);
  while (!r.done || page == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (page_text != NULL)
    *page_text = g_strndup (g_bytes_get_data (page, NULL), g_bytes_get_size (page));
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.credential;
}

static void
ask_start (Fixture *f,
           Reply   *r)
{
  g_autofree char *url = g_strconcat (f->base, "/v1/chat/completions", NULL);
  SoupMessage *msg = soup_message_new ("POST", url);
  static const char body[] =
    "{\"model\":\"claude-sonnet-4-6\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
    "{\"role\":\"user\",\"content\":\"hi\"}]}";
  g_autoptr(GBytes) bytes = g_bytes_new_static (body, strlen (body));

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer " CLIENT_KEY);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  soup_session_send_and_read_async (f->browser, msg, G_PRIORITY_DEFAULT, NULL, on_reply, r);
  g_object_unref (msg);
}

static void
ask (Fixture *f,
     Reply   *r)
{
  ask_start (f, r);
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
}

/* What the upstream last saw: its bearer token and the first system block. */
static void
assert_upstream_used (Fixture    *f,
                      const char *token)
{
  const FakeRequest *last = fake_upstream_get_last (f->upstream);
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *body;
  JsonArray *system;

  g_assert_cmpstr (last->path, ==, "/v1/messages");
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Authorization"), ==, bearer);
  g_assert_null (soup_message_headers_get_one (last->headers, "x-api-key"));
  g_assert_nonnull (strstr (soup_message_headers_get_one (last->headers, "Anthropic-Beta"), "oauth-2025-04-20"));
  g_assert_true (g_str_has_prefix (soup_message_headers_get_one (last->headers, "User-Agent"), "claude-cli/"));
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (last->body, NULL),
                                             g_bytes_get_size (last->body), NULL));
  body = json_node_get_object (json_parser_get_root (parser));
  system = json_object_get_array_member (body, "system");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (system, 0), "text"), ==,
                   "You are Claude Code, Anthropic's official CLI for Claude.");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (system, 1), "text"), ==,
                   "Be brief.");
}

/* ------------------------------------------------------------------ tests */

/* Sign in, serve, renew before expiry, renew on a 401, restart, revoke. */
static void
test_claude_cycle (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *page = NULL;
  g_autofree char *accounts = NULL;
  g_autoptr(SyCredential) credential = sign_in (f, &page, &error);
  g_autofree char *id = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (credential);
  g_assert_nonnull (strstr (page, "Signed in"));
  g_assert_cmpstr (sy_credential_get_email (credential), ==, "me@example.com");
  id = g_strdup (sy_credential_get_id (credential));
  g_assert_true (g_str_has_prefix (id, "claude:"));

  /* accounts.json says who; never a token. */
  accounts = read_file (f->dir, "accounts.json");
  g_assert_nonnull (strstr (accounts, "me@example.com"));
  g_assert_null (strstr (accounts, "sk-ant-"));

  /* Served with the login's token, on the OAuth channel's terms. */
  {
    Reply r = { 0 };

    ask (f, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_free (r.text);
    assert_upstream_used (f, "sk-ant-oat01-fake-1");
  }

  /* Four hours before expiry (8 h tokens): renewed by the timer. */
  sy_clock_advance (f->clock, (gint64) (4 * 3600 + 60) * G_USEC_PER_SEC);
  /* Renewed, and stored. */
  while (f->n_refresh_calls < 1 || strstr (all_logs->str, "credential refresh done") == NULL)
    g_main_context_iteration (NULL, TRUE);
  {
    Reply r = { 0 };

    ask (f, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_free (r.text);
    assert_upstream_used (f, "sk-ant-oat01-fake-2");
  }

  /* A 401: one refresh however many requests hit it, then a retry each. */
  fake_upstream_script (f->upstream, "claude-sonnet-4-6", "sk-ant-oat01-fake-2", 401, NULL, NULL);
  fake_upstream_script (f->upstream, "claude-sonnet-4-6", "sk-ant-oat01-fake-2", 401, NULL, NULL);
  {
    Reply a = { 0 };
    Reply b = { 0 };

    ask_start (f, &a);
    ask_start (f, &b);
    while (!a.done || !b.done)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (a.status, ==, 200);
    g_assert_cmpuint (b.status, ==, 200);
    g_free (a.text);
    g_free (b.text);
  }
  g_assert_cmpuint (f->n_refresh_calls, ==, 2);
  assert_upstream_used (f, "sk-ant-oat01-fake-3");

  /* Restart: the login and its latest tokens come back from the store. */
  stop_service (f);
  start_service (f);
  {
    Reply r = { 0 };

    ask (f, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_free (r.text);
    assert_upstream_used (f, "sk-ant-oat01-fake-3");
  }

  /* The refresh token is revoked: "needs sign-in", said and kept. */
  f->revoked = TRUE;
  fake_upstream_script (f->upstream, "claude-sonnet-4-6", "sk-ant-oat01-fake-3", 401, NULL, NULL);
  {
    Reply r = { 0 };

    ask (f, &r);
    g_assert_cmpuint (r.status, ==, 401);
    g_free (r.text);
  }
  {
    SyCredential *c = sy_logins_lookup (SY_LOGINS (sy_service_get_logins (f->service)), id);

    g_assert_cmpint (sy_credential_get_status (c), ==, SY_CREDENTIAL_NEEDS_LOGIN);
    g_assert_nonnull (strstr (sy_credential_get_status_reason (c), "invalid"));
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

  /* Signing in again mends it (same account, same id). */
  f->revoked = FALSE;
  {
    g_autoptr(SyCredential) again = sign_in (f, NULL, &error);
    Reply r = { 0 };

    g_assert_no_error (error);
    g_assert_cmpstr (sy_credential_get_id (again), ==, id);
    ask (f, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_free (r.text);
  }

  /* No token, code or verifier in any log line. */
  g_assert_null (strstr (all_logs->str, "sk-ant-oat01"));
  g_assert_null (strstr (all_logs->str, "sk-ant-ort01"));
  g_assert_null (strstr (all_logs->str, f->issued_code));
}

/* The user says no: a clear error, nothing stored. */
static void
test_denied (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *page = NULL;
  g_autoptr(SyCredential) credential = NULL;
  g_autofree char *accounts = NULL;

  f->deny = TRUE;
  credential = sign_in (f, &page, &error);
  g_assert_null (credential);
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_DENIED);
  g_assert_nonnull (strstr (error->message, "The user said no"));
  accounts = read_file (f->dir, "accounts.json");
  g_assert_null (accounts);
  g_assert_cmpuint (f->n_token_calls, ==, 0);
}

/* Discontinued and unknown providers are refused with the reason. */
static void
test_unavailable (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  SyLoginOptions options = { FALSE, 0, 0 };

  g_assert_null (sy_service_login (f->service, "qwen", &options, NULL, NULL, NULL, &error));
  g_assert_error (error, SY_LOGIN_ERROR, SY_LOGIN_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "discontinued"));
  g_clear_error (&error);
  g_assert_null (sy_service_login (f->service, "nope", &options, NULL, NULL, NULL, &error));
  g_assert_error (error, SY_LOGIN_ERROR, SY_LOGIN_ERROR_UNSUPPORTED);
}

/* Tokens shorter-lived than the renewal lead (4 h for Claude): renewed at
 * three quarters of their life, not over and over. */
static void
test_short_tokens (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) credential = NULL;
  gint64 deadline;

  f->expires_in = 3600;
  credential = sign_in (f, NULL, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 5;
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (f->n_refresh_calls, ==, 0);

  sy_clock_advance (f->clock, (gint64) 44 * 60 * G_USEC_PER_SEC);
  deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 5;
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (f->n_refresh_calls, ==, 0);
  sy_clock_advance (f->clock, (gint64) 2 * 60 * G_USEC_PER_SEC);
  while (strstr (all_logs->str, "credential refresh done") == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (f->n_refresh_calls, ==, 1);
  /* The new token is not renewed right away either. */
  sy_clock_advance (f->clock, G_USEC_PER_SEC);
  deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 5;
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (f->n_refresh_calls, ==, 1);
}

/* A renewal that fails for a passing reason keeps the old token and is
 * tried again five minutes later; a refused one would mark "needs sign-in". */
static void
test_renewal_retried (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) credential = sign_in (f, NULL, &error);
  gint64 deadline;

  g_assert_no_error (error);
  f->unavailable = 1;
  sy_clock_advance (f->clock, (gint64) (4 * 3600 + 60) * G_USEC_PER_SEC);
  while (f->n_refresh_calls < 1 || strstr (all_logs->str, "credential refresh failed") == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (sy_credential_get_status (credential), ==, SY_CREDENTIAL_OK);

  sy_clock_advance (f->clock, (gint64) 4 * 60 * G_USEC_PER_SEC);
  deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 5;
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (f->n_refresh_calls, ==, 1);
  sy_clock_advance (f->clock, (gint64) 61 * G_USEC_PER_SEC);
  while (strstr (all_logs->str, "credential refresh done") == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (f->n_refresh_calls, ==, 2);
  {
    Reply r = { 0 };

    ask (f, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_free (r.text);
    assert_upstream_used (f, "sk-ant-oat01-fake-2");
  }
}

/* Only a running service renews tokens: the command line (a sign-in, a
 * listing, an import) must not spend a rotating refresh token. */
static void
test_renewal_needs_running (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) credential = NULL;
  gint64 deadline;

  sy_service_stop (f->service);
  credential = sign_in (f, NULL, &error);
  g_assert_no_error (error);
  sy_clock_advance (f->clock, (gint64) 9 * 3600 * G_USEC_PER_SEC);
  deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 5;
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (f->n_refresh_calls, ==, 0);

  /* Started: the overdue renewal runs at once. */
  g_assert_true (sy_service_start (f->service, &error));
  sy_clock_advance (f->clock, 0);
  while (strstr (all_logs->str, "credential refresh done") == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (f->n_refresh_calls, ==, 1);
}

static void
on_logged_out (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_logins_remove_finish (SY_LOGINS (source), result, &error));
  *done = TRUE;
}

/* A sign-in by another process (the command line while the app runs)
 * reaches the running service live; so does a sign-out. */
static void
test_other_process (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  SyService *first = g_steal_pointer (&f->service);
  g_autoptr(SyCredential) credential = NULL;
  gboolean done = FALSE;

  /* The running app... */
  start_service (f);
  {
    Reply r = { 0 };

    ask (f, &r);
    g_assert_cmpuint (r.status, ==, 404);
    g_free (r.text);
  }
  /* ...and a login done by "another process". */
  {
    SyService *running = f->service;

    f->service = first;
    credential = sign_in (f, NULL, &error);
    g_assert_no_error (error);
    f->service = running;
  }
  while (strstr (all_logs->str, "Accounts reloaded") == NULL)
    g_main_context_iteration (NULL, TRUE);
  {
    Reply r = { 0 };

    ask (f, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_free (r.text);
    assert_upstream_used (f, "sk-ant-oat01-fake-1");
  }

  /* Signed out over there: gone here too. */
  g_string_truncate (all_logs, 0);
  sy_logins_remove_async (SY_LOGINS (sy_service_get_logins (first)), sy_credential_get_id (credential),
                          NULL, on_logged_out, &done);
  while (!done || strstr (all_logs->str, "Accounts reloaded") == NULL)
    g_main_context_iteration (NULL, TRUE);
  {
    Reply r = { 0 };

    ask (f, &r);
    g_assert_cmpuint (r.status, ==, 404);
    g_free (r.text);
  }
  sy_service_stop (first);
  g_object_unref (first);
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

  ADD ("/logins/claude-cycle/keyring", test_claude_cycle, "keyring");
  ADD ("/logins/claude-cycle/file", test_claude_cycle, "file");
  ADD ("/logins/denied", test_denied, "auto");
  ADD ("/logins/other-process", test_other_process, "file");
  ADD ("/logins/short-tokens", test_short_tokens, "file");
  ADD ("/logins/renewal-needs-running", test_renewal_needs_running, "file");
  ADD ("/logins/renewal-retried", test_renewal_retried, "file");
  ADD ("/logins/unavailable", test_unavailable, "auto");

  return g_test_run ();
}
