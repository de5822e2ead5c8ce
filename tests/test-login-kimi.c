/* test-login-kimi.c: Kimi Code and xAI (Grok) device sign-ins, end to end
 *
 * A fake Kimi (device authorization, token endpoint, Chat Completions at
 * /coding/v1) and a fake xAI (the same at /oauth2, and the Responses API of
 * Grok's chat proxy) run on 127.0.0.1. The user approves after the first
 * poll; then requests are served with the login's token, renewed by the
 * timer (a manual clock) and after a 401, until the refresh token is
 * revoked. Tokens go to the token store of the test's private session.
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

#define CLIENT_KEY      "test-client-key-0001"
#define KIMI_CLIENT_ID  "17e5f671-d194-4dfb-9706-5516cb48c098"
#define XAI_CLIENT_ID   "b1a00492-073a-47ea-816f-4c329264a828"
#define DEVICE_GRANT    "urn:ietf:params:oauth:grant-type:device_code"
#define DEVICE_CODE     "dc-secret-4711"
#define USER_CODE       "WXYZ-1234"

typedef struct
{
  FakeUpstream *upstream;
  SyService    *service;
  SyClock      *clock;
  SoupSession  *client;
  char         *dir;
  char         *base;
  const char   *store_kind;

  /* the fake sign-in service (Kimi's or xAI's) */
  char         *device_id;        /* X-Msh-Device-Id of the device request */
  guint         n_device_calls;
  guint         n_polls;          /* in all */
  guint         n_sign_in_polls;  /* since the last device request */
  guint         n_refresh_calls;
  guint         generation;       /* of the tokens last issued */
  gboolean      deny;             /* the user refuses */
  gboolean      revoked;          /* refresh tokens are refused */
} Fixture;


static char *
base64url (const char *text)
{
  char *b64 = g_base64_encode ((const guchar *) text, strlen (text));
  char *end = b64 + strlen (b64);

  while (end > b64 && end[-1] == '=')
    *--end = '\0';
  g_strdelimit (b64, "+", '-');
  g_strdelimit (b64, "/", '_');
  return b64;
}

/* An unsigned JWT with @claims (what the clients read, they do not verify). */
static char *
fake_jwt (const char *claims,
          const char *signature)
{
  g_autofree char *header = base64url ("{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
  g_autofree char *payload = base64url (claims);

  return g_strdup_printf ("%s.%s.%s", header, payload, signature);
}

/* Kimi's access tokens are JWTs naming the user; "kimi-at-<n>" marks them. */
static char *
kimi_access (guint generation)
{
  g_autofree char *claims = g_strdup_printf ("{\"user_id\":\"u-42\",\"gen\":%u}", generation);
  g_autofree char *mark = g_strdup_printf ("kimi-at-%u", generation);

  return fake_jwt (claims, mark);
}

static char *
kimi_refresh (guint generation)
{
  return g_strdup_printf ("kimi-rt-%u", generation);
}

static char *
xai_access (guint generation)
{
  return g_strdup_printf ("xai-at-%u", generation);
}

static char *
xai_refresh (guint generation)
{
  return g_strdup_printf ("xai-rt-%u", generation);
}

static GHashTable *
read_form (SoupServerMessage *msg)
{
  g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  g_assert_cmpstr (soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL),
                   ==, "application/x-www-form-urlencoded");
  return soup_form_decode (text);
}

static void
device_answer (SoupServerMessage *msg,
               const char        *verify)
{
  g_autofree char *body = g_strdup_printf (
    "{\"device_code\":\"" DEVICE_CODE "\",\"user_code\":\"" USER_CODE "\","
    "\"verification_uri\":\"%s\",\"verification_uri_complete\":\"%s?user_code=" USER_CODE "\","
    "\"expires_in\":600,\"interval\":0.01}", verify, verify);

  answer_json (msg, 200, body);
}

/* ------------------------------------------------------------ fake Kimi */

static void
assert_kimi_headers (Fixture            *f,
                     SoupMessageHeaders *headers)
{
  g_assert_cmpstr (soup_message_headers_get_one (headers, "X-Msh-Platform"), ==, "switchyard");
  g_assert_cmpstr (soup_message_headers_get_one (headers, "X-Msh-Version"), ==, PACKAGE_VERSION);
  g_assert_nonnull (soup_message_headers_get_one (headers, "X-Msh-Device-Name"));
  g_assert_nonnull (soup_message_headers_get_one (headers, "X-Msh-Device-Model"));
  g_assert_cmpstr (soup_message_headers_get_one (headers, "X-Msh-Device-Id"), ==, f->device_id);
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
  g_autoptr(GHashTable) form = read_form (msg);
  const char *id = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "X-Msh-Device-Id");

  f->n_device_calls++;
  f->n_sign_in_polls = 0;
  g_assert_cmpstr (g_hash_table_lookup (form, "client_id"), ==, KIMI_CLIENT_ID);
  /* A fresh random id (a UUID) for each sign-in. */
  g_assert_true (id != NULL && g_uuid_string_is_valid (id));
  g_assert_cmpstr (id, !=, f->device_id);
  g_free (f->device_id);
  f->device_id = g_strdup (id);
  assert_kimi_headers (f, soup_server_message_get_request_headers (msg));
  device_answer (msg, "https://www.kimi.com/code/authorize_device");
}

static void
kimi_tokens (SoupServerMessage *msg,
             Fixture           *f)
{
  g_autofree char *access = kimi_access (++f->generation);
  g_autofree char *refresh = kimi_refresh (f->generation);
  g_autofree char *body = g_strdup_printf ("{\"access_token\":\"%s\",\"refresh_token\":\"%s\","
                                           "\"token_type\":\"Bearer\",\"expires_in\":900,"
                                           "\"scope\":\"kimi-code\"}", access, refresh);

  answer_json (msg, 200, body);
}

/* POST /api/oauth/token: the device grant (pending once), and refresh. */
static void
on_kimi_token (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(GHashTable) form = read_form (msg);
  const char *grant = g_hash_table_lookup (form, "grant_type");

  g_assert_cmpstr (g_hash_table_lookup (form, "client_id"), ==, KIMI_CLIENT_ID);
  assert_kimi_headers (f, soup_server_message_get_request_headers (msg));
  if (g_strcmp0 (grant, DEVICE_GRANT) == 0)
    {
      g_assert_cmpstr (g_hash_table_lookup (form, "device_code"), ==, DEVICE_CODE);
      /* Kimi says "not yet" with a 200. */
      f->n_polls++;
      if (f->n_sign_in_polls++ == 0)
        answer_json (msg, 200, "{\"error\":\"authorization_pending\"}");
      else if (f->deny)
        answer_json (msg, 200, "{\"error\":\"access_denied\",\"error_description\":\"The user said no\"}");
      else
        kimi_tokens (msg, f);
      return;
    }
  g_assert_cmpstr (grant, ==, "refresh_token");
  f->n_refresh_calls++;
  {
    g_autofree char *current = kimi_refresh (f->generation);

    /* A dead refresh token: Kimi answers 403. */
    if (f->revoked || g_strcmp0 (g_hash_table_lookup (form, "refresh_token"), current) != 0)
      {
        answer_json (msg, 403, "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token invalid\"}");
        return;
      }
  }
  kimi_tokens (msg, f);
}

/* ------------------------------------------------------------ fake xAI */

/* POST /oauth2/device/code */
static void
on_xai_device (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(GHashTable) form = read_form (msg);
  g_auto(GStrv) scopes = g_strsplit (g_hash_table_lookup (form, "scope"), " ", -1);

  f->n_device_calls++;
  f->n_sign_in_polls = 0;
  g_assert_cmpstr (g_hash_table_lookup (form, "client_id"), ==, XAI_CLIENT_ID);
  g_assert_true (g_strv_contains ((const char * const *) scopes, "offline_access"));
  g_assert_true (g_strv_contains ((const char * const *) scopes, "grok-cli:access"));
  g_assert_true (g_strv_contains ((const char * const *) scopes, "api:access"));
  g_assert_true (g_strv_contains ((const char * const *) scopes, "email"));
  device_answer (msg, "https://accounts.x.ai/device");
}

static void
xai_tokens (SoupServerMessage *msg,
            Fixture           *f)
{
  g_autofree char *access = xai_access (++f->generation);
  g_autofree char *refresh = xai_refresh (f->generation);
  g_autofree char *id_token = fake_jwt ("{\"email\":\"grok@example.com\",\"sub\":\"xai-user-7\"}", "sig");
  g_autofree char *body = g_strdup_printf ("{\"access_token\":\"%s\",\"refresh_token\":\"%s\",\"id_token\":\"%s\","
                                           "\"token_type\":\"Bearer\",\"expires_in\":3600}",
                                           access, refresh, id_token);

  answer_json (msg, 200, body);
}

/* POST /oauth2/token: the device grant (pending once, RFC 8628 style), and refresh. */
static void
on_xai_token (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(GHashTable) form = read_form (msg);
  const char *grant = g_hash_table_lookup (form, "grant_type");

  g_assert_cmpstr (g_hash_table_lookup (form, "client_id"), ==, XAI_CLIENT_ID);
  if (g_strcmp0 (grant, DEVICE_GRANT) == 0)
    {
      g_assert_cmpstr (g_hash_table_lookup (form, "device_code"), ==, DEVICE_CODE);
      f->n_polls++;
      if (f->n_sign_in_polls++ == 0)
        answer_json (msg, 400, "{\"error\":\"authorization_pending\"}");
      else
        xai_tokens (msg, f);
      return;
    }
  g_assert_cmpstr (grant, ==, "refresh_token");
  f->n_refresh_calls++;
  {
    g_autofree char *current = xai_refresh (f->generation);

    if (f->revoked || g_strcmp0 (g_hash_table_lookup (form, "refresh_token"), current) != 0)
      {
        answer_json (msg, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"Refresh token revoked\"}");
        return;
      }
  }
  xai_tokens (msg, f);
}

/* ------------------------------------------------------------ service */

static char *
config_yaml (Fixture *f)
{
  const char *url = fake_upstream_get_url (f->upstream);

  return g_strdup_printf ("host: 127.0.0.1\n"
                          "port: 0\n"
                          "api-keys: [\"" CLIENT_KEY "\"]\n"
                          "token-store: %s\n"
                          "endpoints:\n"
                          "  kimi: {auth: \"%s\", api: \"%s\"}\n"
                          "  xai: {auth: \"%s\", api: \"%s\"}\n",
                          f->store_kind, url, url, url, url);
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
  f->dir = g_dir_make_tmp ("sy-login-kimi-XXXXXX", NULL);
  f->upstream = fake_upstream_new ();
  f->clock = sy_clock_new_manual (g_get_real_time ());
  fake_upstream_add_handler (f->upstream, "/api/oauth/device_authorization", on_kimi_device, f);
  fake_upstream_add_handler (f->upstream, "/api/oauth/token", on_kimi_token, f);
  fake_upstream_add_handler (f->upstream, "/oauth2/device/code", on_xai_device, f);
  fake_upstream_add_handler (f->upstream, "/oauth2/token", on_xai_token, f);
  f->client = soup_session_new_with_options ("timeout", 30, NULL);
  g_string_truncate (all_logs, 0);
  start_service (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->service != NULL)
    stop_service (f);
  g_clear_object (&f->client);
  g_clear_pointer (&f->upstream, fake_upstream_free);
  g_clear_pointer (&f->clock, sy_clock_unref);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->base);
  g_free (f->device_id);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ------------------------------------------------------------------ steps */

typedef struct
{
  SyCredential *credential;
  GError       *error;
  gboolean      done;
  guint         n_url_notices;
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
on_url (SyLoginFlow *flow,
        GParamSpec  *pspec,
        gpointer     user_data)
{
  LoginResult *r = user_data;

  r->n_url_notices++;
}

/* Signs in as a person would at a device prompt: the address and the code
 * show up once the provider has answered, the user approves in a browser
 * elsewhere (the fake approves after the first poll). */
static SyCredential *
sign_in (Fixture     *f,
         const char  *provider,
         const char  *verify,
         GError     **error)
{
  SyLoginOptions options = { FALSE, 0, 60 };
  g_autoptr(SyLoginFlow) flow = NULL;
  g_autofree char *expected_url = g_strdup_printf ("%s?user_code=" USER_CODE, verify);
  LoginResult r = { 0 };
  guint polls_before = f->n_polls;

  flow = sy_service_login (f->service, provider, &options, NULL, on_login, &r, error);
  g_assert_nonnull (flow);
  /* Not known before the provider's answer. */
  g_assert_null (sy_login_flow_get_url (flow));
  g_assert_null (sy_login_flow_get_user_code (flow));
  g_signal_connect (flow, "notify::url", G_CALLBACK (on_url), &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handlers_disconnect_by_data (flow, &r);
  if (r.error == NULL || r.n_url_notices > 0)
    {
      g_assert_cmpuint (r.n_url_notices, ==, 1);
      g_assert_cmpstr (sy_login_flow_get_url (flow), ==, expected_url);
      g_assert_cmpstr (sy_login_flow_get_user_code (flow), ==, USER_CODE);
      /* Pending first, approved at the second poll. */
      g_assert_cmpuint (f->n_polls - polls_before, ==, 2);
    }
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.credential;
}

static void
ask_start (Fixture    *f,
           const char *model,
           Reply      *r)
{
  g_autofree char *url = g_strconcat (f->base, "/v1/chat/completions", NULL);
  g_autofree char *body = g_strdup_printf ("{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                                           model);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  SoupMessage *msg = soup_message_new ("POST", url);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer " CLIENT_KEY);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  soup_session_send_and_read_async (f->client, msg, G_PRIORITY_DEFAULT, NULL, on_reply, r);
  g_object_unref (msg);
}

static guint
ask (Fixture    *f,
     const char *model)
{
  Reply r = { 0 };

  ask_start (f, model, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_free (r.text);
  return r.status;
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

/* What Kimi last saw: its path, the bearer token, the X-Msh-* headers and the model. */
static void
assert_kimi_used (Fixture *f,
                  guint    generation)
{
  const FakeRequest *last = fake_upstream_get_last (f->upstream);
  g_autofree char *token = kimi_access (generation);
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);
  g_autoptr(JsonObject) body = last_body (f);

  g_assert_cmpstr (last->path, ==, "/coding/v1/chat/completions");
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Authorization"), ==, bearer);
  assert_kimi_headers (f, last->headers);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_one (last->headers, "User-Agent"), "switchyard/"));
  g_assert_cmpstr (json_object_get_string_member (body, "model"), ==, "k2");
}

/* Waits until the @n-th renewal is in and stored. */
static void
wait_refreshed (Fixture *f,
                guint    n)
{
  while (f->n_refresh_calls < n || count_in_logs ("credential refresh done") < n)
    g_main_context_iteration (NULL, TRUE);
}

static void
assert_no_secrets_logged (const char *text)
{
  g_assert_null (strstr (text, "kimi-at-"));
  g_assert_null (strstr (text, "kimi-rt-"));
  g_assert_null (strstr (text, "xai-at-"));
  g_assert_null (strstr (text, "xai-rt-"));
  g_assert_null (strstr (text, DEVICE_CODE));
}

/* ------------------------------------------------------------------ tests */

/* Sign in, serve, renew before expiry, renew on a 401, restart, revoke. */
static void
test_kimi_cycle (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) credential = sign_in (f, "kimi", "https://www.kimi.com/code/authorize_device", &error);
  g_autofree char *accounts = NULL;
  g_autofree char *id = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (credential);
  id = g_strdup (sy_credential_get_id (credential));
  g_assert_true (g_str_has_prefix (id, "kimi:"));
  g_assert_cmpstr (sy_credential_get_extra (credential, "device_id"), ==, f->device_id);
  g_assert_cmpstr (sy_credential_get_extra (credential, "user_id"), ==, "u-42");
  g_assert_cmpstr (sy_credential_get_label (credential), ==, "Kimi user u-42");

  /* accounts.json keeps the device id, never a token. */
  accounts = read_file (f->dir, "accounts.json");
  g_assert_nonnull (strstr (accounts, f->device_id));
  g_assert_null (strstr (accounts, "kimi-at-"));
  g_assert_null (strstr (accounts, "kimi-rt-"));

  g_assert_cmpuint (ask (f, "kimi-k2"), ==, 200);
  assert_kimi_used (f, 1);

  /* 15-minute tokens: renewed five minutes before they end. */
  sy_clock_advance (f->clock, (gint64) 540 * G_USEC_PER_SEC);
  g_assert_cmpuint (f->n_refresh_calls, ==, 0);
  sy_clock_advance (f->clock, (gint64) 80 * G_USEC_PER_SEC);
  wait_refreshed (f, 1);
  g_assert_cmpuint (ask (f, "kimi-k2"), ==, 200);
  assert_kimi_used (f, 2);

  /* A 401: one refresh for both requests that hit it, then a retry each. */
  {
    g_autofree char *token = kimi_access (2);
    Reply a = { 0 };
    Reply b = { 0 };

    fake_upstream_script (f->upstream, "k2", token, 401, NULL, NULL);
    fake_upstream_script (f->upstream, "k2", token, 401, NULL, NULL);
    ask_start (f, "kimi-k2", &a);
    ask_start (f, "kimi-k2", &b);
    while (!a.done || !b.done)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (a.status, ==, 200);
    g_assert_cmpuint (b.status, ==, 200);
    g_free (a.text);
    g_free (b.text);
  }
  g_assert_cmpuint (f->n_refresh_calls, ==, 2);
  assert_kimi_used (f, 3);

  /* Restart: the login, its device id and its latest tokens come back. */
  stop_service (f);
  start_service (f);
  g_assert_cmpuint (ask (f, "kimi-k2"), ==, 200);
  assert_kimi_used (f, 3);

  /* Revoked (Kimi answers 403): "needs sign-in", said and kept. */
  f->revoked = TRUE;
  {
    g_autofree char *token = kimi_access (3);

    fake_upstream_script (f->upstream, "k2", token, 401, NULL, NULL);
  }
  g_assert_cmpuint (ask (f, "kimi-k2"), ==, 401);
  {
    SyCredential *c = sy_logins_lookup (SY_LOGINS (sy_service_get_logins (f->service)), id);

    g_assert_cmpint (sy_credential_get_status (c), ==, SY_CREDENTIAL_NEEDS_LOGIN);
    g_assert_nonnull (strstr (sy_credential_get_status_reason (c), "refresh token invalid"));
  }
  g_free (accounts);
  accounts = read_file (f->dir, "accounts.json");
  g_assert_nonnull (strstr (accounts, "needs-login"));
  g_assert_cmpuint (ask (f, "kimi-k2"), ==, 503);

  /* Signing in again mends it: the same user, the same account. */
  f->revoked = FALSE;
  {
    g_autoptr(SyCredential) again = sign_in (f, "kimi", "https://www.kimi.com/code/authorize_device", &error);

    g_assert_no_error (error);
    g_assert_cmpstr (sy_credential_get_id (again), ==, id);
    g_assert_cmpuint (ask (f, "kimi-k2"), ==, 200);
    /* With the new sign-in's device id. */
    assert_kimi_used (f, 4);
  }

  assert_no_secrets_logged (all_logs->str);
}

/* The user refuses at the device prompt: a clear error, nothing stored. */
static void
test_kimi_denied (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) credential = NULL;
  g_autofree char *accounts = NULL;

  f->deny = TRUE;
  credential = sign_in (f, "kimi", "https://www.kimi.com/code/authorize_device", &error);
  g_assert_null (credential);
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_DENIED);
  g_assert_nonnull (strstr (error->message, "The user said no"));
  accounts = read_file (f->dir, "accounts.json");
  g_assert_null (accounts);
}

/* What the Grok chat proxy last saw. */
static void
assert_xai_used (Fixture *f,
                 guint    generation)
{
  const FakeRequest *last = fake_upstream_get_last (f->upstream);
  g_autofree char *token = xai_access (generation);
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);
  g_autoptr(JsonObject) body = last_body (f);

  g_assert_cmpstr (last->path, ==, "/v1/responses");
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Authorization"), ==, bearer);
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "X-XAI-Token-Auth"), ==, "xai-grok-cli");
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "x-grok-client-identifier"), ==, "grok-shell");
  g_assert_nonnull (soup_message_headers_get_one (last->headers, "x-grok-client-version"));
  g_assert_true (g_str_has_prefix (soup_message_headers_get_one (last->headers, "User-Agent"), "switchyard/"));
  g_assert_cmpstr (json_object_get_string_member (body, "model"), ==, "grok-4.3");
  g_assert_true (json_object_get_boolean_member (body, "stream"));
  g_assert_false (json_object_get_boolean_member (body, "store"));
  g_assert_false (json_object_has_member (body, "stream_options"));
}

static void
test_xai_cycle (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) credential = sign_in (f, "xai", "https://accounts.x.ai/device", &error);
  g_autofree char *id = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (credential);
  id = g_strdup (sy_credential_get_id (credential));
  g_assert_true (g_str_has_prefix (id, "xai:"));
  g_assert_cmpstr (sy_credential_get_email (credential), ==, "grok@example.com");
  g_assert_cmpstr (sy_credential_get_extra (credential, "subject"), ==, "xai-user-7");

  /* A single-answer client: the proxy streams, the answer is collected. */
  {
    Reply r = { 0 };

    ask_start (f, "grok-4.3", &r);
    while (!r.done)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_nonnull (strstr (r.text, "chat.completion"));
    g_free (r.text);
  }
  assert_xai_used (f, 1);

  /* Hour-long tokens: renewed five minutes before the end. */
  sy_clock_advance (f->clock, (gint64) 3330 * G_USEC_PER_SEC);
  wait_refreshed (f, 1);
  g_assert_cmpuint (ask (f, "grok-4.3"), ==, 200);
  assert_xai_used (f, 2);

  /* A 401: renewed, and tried again. */
  {
    g_autofree char *token = xai_access (2);

    fake_upstream_script (f->upstream, "grok-4.3", token, 401, NULL, NULL);
  }
  g_assert_cmpuint (ask (f, "grok-4.3"), ==, 200);
  g_assert_cmpuint (f->n_refresh_calls, ==, 2);
  assert_xai_used (f, 3);

  /* Revoked: invalid_grant marks the login. */
  f->revoked = TRUE;
  {
    g_autofree char *token = xai_access (3);

    fake_upstream_script (f->upstream, "grok-4.3", token, 401, NULL, NULL);
  }
  g_assert_cmpuint (ask (f, "grok-4.3"), ==, 401);
  {
    SyCredential *c = sy_logins_lookup (SY_LOGINS (sy_service_get_logins (f->service)), id);

    g_assert_cmpint (sy_credential_get_status (c), ==, SY_CREDENTIAL_NEEDS_LOGIN);
    g_assert_nonnull (strstr (sy_credential_get_status_reason (c), "revoked"));
  }
  g_assert_cmpuint (ask (f, "grok-4.3"), ==, 503);

  assert_no_secrets_logged (all_logs->str);
}

/* The catalogue lists: the login's models and no others. */
static void
test_models (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) kimi = sign_in (f, "kimi", "https://www.kimi.com/code/authorize_device", &error);
  g_autoptr(SyCredential) xai = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (kimi);
  g_assert_cmpuint (ask (f, "grok-4.6"), ==, 404);
  xai = sign_in (f, "xai", "https://accounts.x.ai/device", &error);
  g_assert_no_error (error);
  g_assert_nonnull (xai);
  g_assert_cmpuint (ask (f, "grok-4.6"), ==, 200);
  g_assert_cmpstr (fake_upstream_get_last (f->upstream)->path, ==, "/v1/responses");
  g_assert_cmpuint (ask (f, "kimi-k2.5"), ==, 200);
  g_assert_cmpstr (fake_upstream_get_last (f->upstream)->path, ==, "/coding/v1/chat/completions");
  {
    g_autoptr(JsonObject) body = last_body (f);

    g_assert_cmpstr (json_object_get_string_member (body, "model"), ==, "k2.5");
  }
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

  ADD ("/login-kimi/kimi-cycle/keyring", test_kimi_cycle, "keyring");
  ADD ("/login-kimi/kimi-cycle/file", test_kimi_cycle, "file");
  ADD ("/login-kimi/kimi-denied", test_kimi_denied, "auto");
  ADD ("/login-kimi/xai-cycle", test_xai_cycle, "file");
  ADD ("/login-kimi/models", test_models, "auto");

  return g_test_run ();
}
