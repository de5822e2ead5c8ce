/* test-login-google.c: Antigravity and Gemini Code Assist, sign-in to revocation
 *
 * A fake Google runs on 127.0.0.1: the authorize page, the token endpoint
 * and userinfo (endpoints.<provider>.auth), and Cloud Code's v1internal
 * (loadCodeAssist, onboardUser, generateContent...; endpoints.<provider>.api).
 * A SoupSession plays the browser; tokens go to the token store of the
 * test's private session; time is a manual clock.
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
#include "sy-login-google.h"
#include "sy-service-logins.h"
#include "switchyard.h"

#define CLIENT_KEY      "test-client-key-0001"
#define GEMINI_KEY      "gemini-key-for-tests-0001"
#define REFRESH_TOKEN   "1//fake-refresh-token"
#define ANTIGRAVITY_ID  "1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com"
#define GEMINI_CLI_ID   "681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com"
#define EXPIRES_IN      3599

typedef struct
{
  const char *provider;
  const char *store;
  gboolean    with_key;        /* a Gemini API key serving the same models */
} Case;

typedef struct
{
  FakeUpstream *upstream;
  SyService    *service;
  SyClock      *clock;
  SoupSession  *browser;
  char         *dir;
  char         *base;
  const Case   *c;
  gboolean      switch_project;
  FakeUpstream *fallback;         /* a second Cloud Code host (endpoints...fallbacks) */
  guint         n_fallback;       /* generate calls it answered */

  /* the fake Google sign-in */
  char         *issued_code;
  char         *redirect_uri;
  guint         n_token_calls;
  guint         n_refresh_calls;
  guint         generation;       /* access tokens are "ya29.fake-<n>" */
  gboolean      revoked;          /* the refresh token is refused */
  char         *stale;            /* an access token the API refuses */

  /* the fake Cloud Code */
  char         *backend_project;  /* loadCodeAssist names it (NULL: none) */
  char         *onboard_project;  /* onboardUser without a project provisions it */
  guint         onboard_pending;  /* onboardUser is not done this many more times */
  gboolean      load_fails;
  guint         n_load_calls;
  guint         n_onboard_calls;
  GPtrArray    *asked;            /* cloudaicompanionProject of each loadCodeAssist */
  GPtrArray    *served;           /* the envelope's project of each generate call */
  GHashTable   *quota;            /* project -> 429s still to answer */
  char         *last_path;
  char         *last_query;
  char         *last_auth;
  char         *last_agent;
  char         *last_api_client;
  JsonNode     *last_body;
} Fixture;


static char *
access_token (guint generation)
{
  return g_strdup_printf ("ya29.fake-%u", generation);
}

static gboolean
is_antigravity (Fixture *f)
{
  return g_str_equal (f->c->provider, "antigravity");
}

static JsonNode *
parse_body (SoupServerMessage *msg)
{
  g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL));
  return json_node_copy (json_parser_get_root (parser));
}

/* ----------------------------------------------------------- fake Google */

/* GET /o/oauth2/v2/auth (Antigravity), /o/oauth2/auth (Gemini CLI): the
 * "user" consents at once and is sent back. */
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

  g_assert_cmpstr (path, ==, is_antigravity (f) ? "/o/oauth2/v2/auth" : "/o/oauth2/auth");
  g_assert_nonnull (redirect);
  g_assert_true (g_str_has_prefix (redirect, "http://localhost:"));
  g_assert_true (g_str_has_suffix (redirect, is_antigravity (f) ? "/oauth-callback" : "/oauth2callback"));
  g_assert_cmpstr (g_hash_table_lookup (query, "client_id"), ==, is_antigravity (f) ? ANTIGRAVITY_ID : GEMINI_CLI_ID);
  g_assert_cmpstr (g_hash_table_lookup (query, "response_type"), ==, "code");
  g_assert_cmpstr (g_hash_table_lookup (query, "access_type"), ==, "offline");
  g_assert_cmpstr (g_hash_table_lookup (query, "prompt"), ==, "consent");
  g_assert_null (g_hash_table_lookup (query, "code_challenge"));
  g_assert_nonnull (strstr (g_hash_table_lookup (query, "scope"), "https://www.googleapis.com/auth/cloud-platform"));
  g_assert_nonnull (strstr (g_hash_table_lookup (query, "scope"), "userinfo.email"));
  g_assert_true ((strstr (g_hash_table_lookup (query, "scope"), "/auth/cclog") != NULL) == is_antigravity (f));
  g_free (f->redirect_uri);
  f->redirect_uri = g_strdup (redirect);
  g_free (f->issued_code);
  f->issued_code = g_strdup_printf ("4/fake-code-%u", g_random_int ());
  {
    g_autofree char *code = g_uri_escape_string (f->issued_code, NULL, FALSE);

    location = g_strdup_printf ("%s?code=%s&state=%s&scope=email", redirect, code,
                                (const char *) g_hash_table_lookup (query, "state"));
  }
  soup_server_message_set_redirect (msg, 302, location);
}

static void
token_answer (SoupServerMessage *msg,
              Fixture           *f,
              gboolean           with_refresh)
{
  g_autofree char *access = access_token (++f->generation);
  g_autofree char *body = g_strdup_printf (
    "{\"access_token\":\"%s\",\"expires_in\":%d,%s\"scope\":\"https://www.googleapis.com/auth/cloud-platform\","
    "\"token_type\":\"Bearer\"}", access, EXPIRES_IN,
    with_refresh ? "\"refresh_token\":\"" REFRESH_TOKEN "\"," : "");

  answer_json (msg, 200, body);
}

/* POST /token: the code exchange and renewals, with the client secret. */
static void
on_token (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(GHashTable) form = soup_form_decode (text);
  const char *grant = g_hash_table_lookup (form, "grant_type");

  f->n_token_calls++;
  g_assert_cmpstr (soup_server_message_get_method (msg), ==, "POST");
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL),
                   ==, "application/x-www-form-urlencoded");
  g_assert_cmpstr (g_hash_table_lookup (form, "client_id"), ==, is_antigravity (f) ? ANTIGRAVITY_ID : GEMINI_CLI_ID);
  g_assert_true (g_str_has_prefix (g_hash_table_lookup (form, "client_secret"), "GOCSPX-"));

  if (g_strcmp0 (grant, "authorization_code") == 0)
    {
      g_assert_cmpstr (g_hash_table_lookup (form, "code"), ==, f->issued_code);
      g_assert_cmpstr (g_hash_table_lookup (form, "redirect_uri"), ==, f->redirect_uri);
      g_assert_null (g_hash_table_lookup (form, "code_verifier"));
      token_answer (msg, f, TRUE);
      return;
    }
  g_assert_cmpstr (grant, ==, "refresh_token");
  f->n_refresh_calls++;
  if (f->revoked || g_strcmp0 (g_hash_table_lookup (form, "refresh_token"), REFRESH_TOKEN) != 0)
    {
      answer_json (msg, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"Token has been expired or revoked.\"}");
      return;
    }
  /* Google keeps the refresh token: the answer has none. */
  token_answer (msg, f, FALSE);
}

/* The bearer token of a request, if it is the current one and not refused. */
static gboolean
token_ok (Fixture           *f,
          SoupServerMessage *msg)
{
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  g_autofree char *current = access_token (f->generation);
  g_autofree char *expected = g_strconcat ("Bearer ", current, NULL);

  if (g_strcmp0 (auth, expected) == 0 && g_strcmp0 (current, f->stale) != 0)
    return TRUE;
  answer_json (msg, 401, "{\"error\":{\"code\":401,\"message\":\"Request had invalid authentication "
                         "credentials.\",\"status\":\"UNAUTHENTICATED\"}}");
  return FALSE;
}

/* GET /oauth2/v1/userinfo?alt=json */
static void
on_userinfo (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  Fixture *f = user_data;

  g_assert_cmpstr (soup_server_message_get_method (msg), ==, "GET");
  g_assert_cmpstr (query ? g_hash_table_lookup (query, "alt") : NULL, ==, "json");
  if (!token_ok (f, msg))
    return;
  answer_json (msg, 200, "{\"id\":\"1234\",\"email\":\"me@example.com\",\"verified_email\":true}");
}

/* ------------------------------------------------------ fake Cloud Code */

static JsonObject *
checked_cloud_code_call (Fixture           *f,
                         SoupServerMessage *msg,
                         JsonNode         **root)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *agent = soup_message_headers_get_one (headers, "User-Agent");
  JsonObject *body;

  *root = parse_body (msg);
  body = json_node_get_object (*root);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (body, "metadata"), "ideType"),
                   ==, is_antigravity (f) ? "ANTIGRAVITY" : "IDE_UNSPECIFIED");
  if (is_antigravity (f))
    {
      g_assert_cmpstr (agent, ==, "google-api-nodejs-client/9.15.1");
      g_assert_cmpstr (soup_message_headers_get_one (headers, "X-Goog-Api-Client"), ==,
                       "google-cloud-sdk vscode_cloudshelleditor/0.1");
      g_assert_nonnull (strstr (soup_message_headers_get_one (headers, "Client-Metadata"), "\"pluginType\":\"GEMINI\""));
    }
  else
    g_assert_true (g_str_has_prefix (agent, "GeminiCLI/0.31.0/unknown ("));
  return body;
}

/* POST /v1internal:loadCodeAssist */
static void
on_load_code_assist (SoupServer        *server,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *body;
  const char *asked;
  const char *project;
  g_autofree char *answer = NULL;

  if (!token_ok (f, msg))
    return;
  body = checked_cloud_code_call (f, msg, &root);
  f->n_load_calls++;
  asked = json_object_get_string_member_with_default (body, "cloudaicompanionProject", NULL);
  g_ptr_array_add (f->asked, g_strdup (asked ? asked : "(none)"));
  if (f->load_fails)
    {
      answer_json (msg, 503, "{\"error\":{\"code\":503,\"message\":\"The service is currently unavailable.\","
                             "\"status\":\"UNAVAILABLE\"}}");
      return;
    }
  project = asked ? asked : f->backend_project;
  answer = g_strdup_printf ("{\"currentTier\":{\"id\":\"standard-tier\"},\"allowedTiers\":[{\"id\":\"free-tier\"},"
                            "{\"id\":\"standard-tier\",\"isDefault\":true}]%s%s%s}",
                            project ? ",\"cloudaicompanionProject\":\"" : "", project ? project : "",
                            project ? "\"" : "");
  answer_json (msg, 200, answer);
}

/* POST /v1internal:onboardUser: a long-running operation. */
static void
on_onboard_user (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *body;
  const char *asked;
  g_autofree char *answer = NULL;

  if (!token_ok (f, msg))
    return;
  body = checked_cloud_code_call (f, msg, &root);
  f->n_onboard_calls++;
  g_assert_cmpstr (json_object_get_string_member (body, "tierId"), ==, "standard-tier");
  if (f->onboard_pending > 0)
    {
      f->onboard_pending--;
      answer_json (msg, 200, "{\"name\":\"operations/onboard-1\",\"done\":false}");
      return;
    }
  asked = json_object_get_string_member_with_default (body, "cloudaicompanionProject", NULL);
  answer = g_strdup_printf ("{\"name\":\"operations/onboard-1\",\"done\":true,\"response\":{"
                            "\"cloudaicompanionProject\":{\"id\":\"%s\",\"name\":\"Project\"}}}",
                            asked ? asked : f->onboard_project);
  answer_json (msg, 200, answer);
}

/* POST /v1internal:generateContent, :streamGenerateContent?alt=sse, :countTokens */
static void
on_generate (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  Fixture *f = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  JsonObject *body;
  const char *project;
  const char *model;
  guint quota;
  g_autofree char *response = NULL;
  g_autofree char *answer = NULL;

  g_free (f->last_path);
  f->last_path = g_strdup (path);
  g_free (f->last_query);
  f->last_query = g_strdup (g_uri_get_query (soup_server_message_get_uri (msg)));
  g_free (f->last_auth);
  f->last_auth = g_strdup (soup_message_headers_get_one (headers, "Authorization"));
  g_free (f->last_agent);
  f->last_agent = g_strdup (soup_message_headers_get_one (headers, "User-Agent"));
  g_free (f->last_api_client);
  f->last_api_client = g_strdup (soup_message_headers_get_one (headers, "X-Goog-Api-Client"));
  g_clear_pointer (&f->last_body, json_node_unref);
  f->last_body = parse_body (msg);
  if (!token_ok (f, msg))
    return;

  body = json_node_get_object (f->last_body);
  if (g_str_has_suffix (path, ":countTokens"))
    {
      answer_json (msg, 200, "{\"totalTokens\":42}");
      return;
    }
  project = json_object_get_string_member_with_default (body, "project", "(none)");
  model = json_object_get_string_member_with_default (body, "model", "?");
  g_ptr_array_add (f->served, g_strdup (project));
  quota = GPOINTER_TO_UINT (g_hash_table_lookup (f->quota, project));
  if (quota > 0)
    {
      g_hash_table_replace (f->quota, g_strdup (project), GUINT_TO_POINTER (quota - 1));
      answer_json (msg, 429,
                   "{\"error\":{\"code\":429,\"message\":\"You have exhausted your capacity on this model. "
                   "Your quota will reset after 17s.\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":["
                   "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"RATE_LIMIT_EXCEEDED\","
                   "\"domain\":\"cloudcode-pa.googleapis.com\",\"metadata\":{\"quotaResetDelay\":\"17s\"}},"
                   "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"17s\"}]}}");
      return;
    }
  response = g_strdup_printf ("{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":"
                              "\"hello from %s\"}]},\"finishReason\":\"STOP\",\"index\":0}],"
                              "\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":4,"
                              "\"totalTokenCount\":7},\"modelVersion\":\"%s\",\"responseId\":\"r1\"}",
                              project, model);
  if (g_str_has_suffix (path, ":streamGenerateContent"))
    {
      answer = g_strdup_printf ("data: {\"response\":%s,\"traceId\":\"t1\"}\r\n\r\n", response);
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/event-stream", SOUP_MEMORY_COPY, answer, strlen (answer));
      return;
    }
  answer = g_strdup_printf ("{\"response\":%s,\"traceId\":\"t1\"}", response);
  answer_json (msg, 200, answer);
}

/* ---------------------------------------------------------------- service */

static char *
config_yaml (Fixture *f)
{
  const char *url = fake_upstream_get_url (f->upstream);
  g_autofree char *key = NULL;
  g_autofree char *fallbacks = f->fallback
    ? g_strdup_printf (", fallbacks: [\"%s\"]", fake_upstream_get_url (f->fallback)) : NULL;

  if (f->c->with_key)
    key = g_strdup_printf ("gemini-api-key:\n"
                           "  - api-key: \"" GEMINI_KEY "\"\n"
                           "    base-url: \"%s\"\n", url);
  return g_strdup_printf ("host: 127.0.0.1\n"
                          "port: 0\n"
                          "api-keys: [\"" CLIENT_KEY "\"]\n"
                          "token-store: %s\n"
                          "quota-exceeded:\n"
                          "  switch-project: %s\n"
                          "endpoints:\n"
                          "  antigravity: {auth: \"%s\", api: \"%s\"%s}\n"
                          "  gemini-cli: {auth: \"%s\", api: \"%s\"}\n"
                          "%s",
                          f->c->store, f->switch_project ? "true" : "false", url, url,
                          fallbacks ? fallbacks : "", url, url, key ? key : "");
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
  static const char * const generate_paths[] = {
    "/v1internal:generateContent", "/v1internal:streamGenerateContent", "/v1internal:countTokens",
  };

  f->c = data;
  f->switch_project = TRUE;
  f->dir = g_dir_make_tmp ("sy-login-google-XXXXXX", NULL);
  f->upstream = fake_upstream_new ();
  f->clock = sy_clock_new_manual (g_get_real_time ());
  f->asked = g_ptr_array_new_with_free_func (g_free);
  f->served = g_ptr_array_new_with_free_func (g_free);
  f->quota = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fake_upstream_add_handler (f->upstream, "/o/oauth2/v2/auth", on_authorize, f);
  fake_upstream_add_handler (f->upstream, "/o/oauth2/auth", on_authorize, f);
  fake_upstream_add_handler (f->upstream, "/token", on_token, f);
  fake_upstream_add_handler (f->upstream, "/oauth2/v1/userinfo", on_userinfo, f);
  fake_upstream_add_handler (f->upstream, "/v1internal:loadCodeAssist", on_load_code_assist, f);
  fake_upstream_add_handler (f->upstream, "/v1internal:onboardUser", on_onboard_user, f);
  for (guint i = 0; i < G_N_ELEMENTS (generate_paths); i++)
    fake_upstream_add_handler (f->upstream, generate_paths[i], on_generate, f);
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
  g_clear_pointer (&f->fallback, fake_upstream_free);
  g_clear_pointer (&f->clock, sy_clock_unref);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->base);
  g_free (f->issued_code);
  g_free (f->redirect_uri);
  g_free (f->stale);
  g_free (f->backend_project);
  g_free (f->onboard_project);
  g_ptr_array_unref (f->asked);
  g_ptr_array_unref (f->served);
  g_hash_table_unref (f->quota);
  g_free (f->last_path);
  g_free (f->last_query);
  g_free (f->last_auth);
  g_free (f->last_agent);
  g_free (f->last_api_client);
  g_clear_pointer (&f->last_body, json_node_unref);
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
sign_in (Fixture     *f,
         const char  *project,
         char       **page_text,
         GError     **error)
{
  SyLoginOptions options = { FALSE, G_MAXUINT16 + 1, 60, FALSE, project };
  g_autoptr(SyLoginFlow) flow = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) page = NULL;
  LoginResult r = { 0 };

  flow = sy_service_login (f->service, f->c->provider, &options, NULL, on_login, &r, error);
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
post (Fixture    *f,
      const char *path,
      const char *body,
      gboolean    gemini_client,
      Reply      *r)
{
  g_autofree char *url = g_strconcat (f->base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

  if (gemini_client)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "x-goog-api-key", CLIENT_KEY);
  else
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer " CLIENT_KEY);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  soup_session_send_and_read_async (f->browser, msg, G_PRIORITY_DEFAULT, NULL, on_reply, r);
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
}

/* An OpenAI chat client; the reply's status, its text kept in @text. */
static guint
ask_openai (Fixture     *f,
            const char  *model,
            gboolean     stream,
            char       **text)
{
  g_autofree char *body = g_strdup_printf ("{\"model\":\"%s\",\"max_tokens\":100,\"stream\":%s,"
                                           "\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"}]}",
                                           model, stream ? "true" : "false");
  Reply r = { 0 };

  post (f, "/v1/chat/completions", body, FALSE, &r);
  if (text != NULL)
    *text = g_steal_pointer (&r.text);
  g_free (r.text);
  return r.status;
}

/* A Gemini client. */
static guint
ask_gemini (Fixture     *f,
            const char  *model,
            char       **text)
{
  g_autofree char *path = g_strdup_printf ("/v1beta/models/%s:generateContent", model);
  Reply r = { 0 };

  post (f, path, "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi there\"}]}]}", TRUE, &r);
  if (text != NULL)
    *text = g_steal_pointer (&r.text);
  g_free (r.text);
  return r.status;
}

/* What Cloud Code last received: the path, the token, the envelope. */
static JsonObject *
assert_upstream_used (Fixture    *f,
                      const char *path,
                      guint       generation,
                      const char *project,
                      const char *model)
{
  g_autofree char *token = access_token (generation);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  JsonObject *body = json_node_get_object (f->last_body);
  JsonObject *inner = json_object_get_object_member (body, "request");

  g_assert_cmpstr (f->last_path, ==, path);
  g_assert_cmpstr (f->last_auth, ==, bearer);
  g_assert_cmpstr (json_object_get_string_member (body, "model"), ==, model);
  if (project != NULL)
    g_assert_cmpstr (json_object_get_string_member (body, "project"), ==, project);
  else
    g_assert_false (json_object_has_member (body, "project"));
  g_assert_nonnull (inner);
  g_assert_true (json_object_has_member (inner, "contents"));
  g_assert_false (json_object_has_member (inner, "model"));
  if (is_antigravity (f))
    {
      g_assert_true (g_str_has_prefix (f->last_agent, "antigravity/"));
      g_assert_null (f->last_api_client);
      g_assert_cmpstr (json_object_get_string_member (body, "userAgent"), ==, "antigravity");
      g_assert_cmpstr (json_object_get_string_member (body, "requestType"), ==, "agent");
      g_assert_true (g_str_has_prefix (json_object_get_string_member (body, "requestId"), "agent-"));
      g_assert_true (g_str_has_prefix (json_object_get_string_member (inner, "sessionId"), "-"));
      g_assert_false (json_object_has_member (inner, "safetySettings"));
    }
  else
    {
      g_autofree char *agent = g_strdup_printf ("GeminiCLI/0.31.0/%s (", model);

      g_assert_true (g_str_has_prefix (f->last_agent, agent));
      g_assert_cmpstr (f->last_api_client, ==, "google-genai-sdk/1.41.0 gl-node/v22.19.0");
      g_assert_false (json_object_has_member (body, "userAgent"));
    }
  return inner;
}

static SyAccountState *
state_of (Fixture    *f,
          const char *id)
{
  return sy_account_pool_lookup (SY_ACCOUNT_POOL (sy_service_get_accounts (f->service)), id);
}

static gboolean
on_too_long (gpointer user_data)
{
  g_error ("waited too long for %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

/* Runs the loop until @n renewals are done and stored. */
static void
wait_renewals (Fixture *f,
               guint    n)
{
  guint guard = g_timeout_add_seconds (30, on_too_long, "a renewal");

  while (f->n_refresh_calls < n || count_in_logs ("credential refresh done") < n)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (guard);
}

static void
assert_no_secret_logged (Fixture *f)
{
  g_assert_null (strstr (all_logs->str, "ya29."));
  g_assert_null (strstr (all_logs->str, REFRESH_TOKEN));
  g_assert_null (strstr (all_logs->str, "GOCSPX-"));
  g_assert_null (strstr (all_logs->str, "fake-code-"));
}

/* ------------------------------------------------------------------ tests */

/* Sign in (the backend provisions the project), serve OpenAI and Gemini
 * clients, renew on the timer and on a 401, then the revoked sign-in. */
static void
test_cycle (Fixture       *f,
            gconstpointer  data)
{
  const char *project = is_antigravity (f) ? "ag-proj-1" : "auto-proj-1";
  const char *model = is_antigravity (f) ? "gemini-3-flash" : "gemini-2.5-pro";
  g_autoptr(GError) error = NULL;
  g_autofree char *page = NULL;
  g_autofree char *accounts = NULL;
  g_autoptr(SyCredential) credential = NULL;
  g_autofree char *id = NULL;
  g_autofree char *text = NULL;
  JsonObject *inner;

  /* loadCodeAssist names no project; onboardUser provisions one, after
   * answering "not done" once. */
  f->onboard_project = g_strdup (project);
  f->onboard_pending = 1;
  credential = sign_in (f, NULL, &page, &error);
  g_assert_no_error (error);
  g_assert_nonnull (credential);
  g_assert_nonnull (strstr (page, "Signed in"));
  g_assert_cmpstr (sy_credential_get_provider (credential), ==, f->c->provider);
  g_assert_cmpstr (sy_credential_get_email (credential), ==, "me@example.com");
  g_assert_cmpstr (sy_credential_get_extra (credential, "project_id"), ==, project);
  g_assert_cmpuint (f->n_load_calls, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->asked, 0), ==, "(none)");
  /* Antigravity takes the provisioned project; the Gemini CLI confirms it
   * with one more onboardUser. */
  g_assert_cmpuint (f->n_onboard_calls, ==, is_antigravity (f) ? 2 : 3);
  id = g_strdup (sy_credential_get_id (credential));
  g_assert_true (g_str_has_prefix (id, f->c->provider));
  g_assert_nonnull (state_of (f, id));

  accounts = read_file (f->dir, "accounts.json");
  g_assert_nonnull (strstr (accounts, "me@example.com"));
  g_assert_nonnull (strstr (accounts, project));
  g_assert_null (strstr (accounts, "ya29."));
  g_assert_null (strstr (accounts, REFRESH_TOKEN));

  /* An OpenAI client, then a Gemini client: the envelope, the project. */
  g_assert_cmpuint (ask_openai (f, model, FALSE, &text), ==, 200);
  g_assert_nonnull (strstr (text, "hello from"));
  g_assert_nonnull (strstr (text, project));
  inner = assert_upstream_used (f, "/v1internal:generateContent", 1, project, model);
  /* Antigravity's Gemini models take no output limit; the Gemini CLI does. */
  g_assert_true (json_object_has_member (json_object_get_object_member (inner, "generationConfig"),
                                         "maxOutputTokens") == !is_antigravity (f));
  g_clear_pointer (&text, g_free);
  g_assert_cmpuint (ask_gemini (f, model, &text), ==, 200);
  g_assert_nonnull (strstr (text, project));
  assert_upstream_used (f, "/v1internal:generateContent", 1, project, model);
  g_clear_pointer (&text, g_free);
  g_assert_cmpuint (ask_openai (f, model, TRUE, &text), ==, 200);
  g_assert_nonnull (strstr (text, "hello from"));
  assert_upstream_used (f, "/v1internal:streamGenerateContent", 1, project, model);
  g_assert_cmpstr (f->last_query, ==, "alt=sse");
  g_clear_pointer (&text, g_free);

  /* Counting: {"request": ...} alone, at :countTokens. */
  {
    g_autofree char *path = g_strdup_printf ("/v1beta/models/%s:countTokens", model);
    Reply r = { 0 };
    JsonObject *body;

    post (f, path, "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi there\"}]}]}", TRUE, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_nonnull (strstr (r.text, "42"));
    g_free (r.text);
    g_assert_cmpstr (f->last_path, ==, "/v1internal:countTokens");
    body = json_node_get_object (f->last_body);
    g_assert_true (json_object_has_member (body, "request"));
    g_assert_false (json_object_has_member (body, "project"));
    g_assert_false (json_object_has_member (body, "model"));
  }

  /* Antigravity's Claude models: validated function calling, the output
   * limit kept. */
  if (is_antigravity (f))
    {
      g_assert_cmpuint (ask_openai (f, "claude-sonnet-4-6", FALSE, NULL), ==, 200);
      inner = assert_upstream_used (f, "/v1internal:generateContent", 1, project, "claude-sonnet-4-6");
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                         json_object_get_object_member (inner, "toolConfig"), "functionCallingConfig"), "mode"),
                       ==, "VALIDATED");
      g_assert_true (json_object_has_member (json_object_get_object_member (inner, "generationConfig"),
                                             "maxOutputTokens"));
    }

  /* Five minutes before the hour is up: renewed by the timer. */
  sy_clock_advance (f->clock, (gint64) (EXPIRES_IN - 5 * 60 + 5) * G_USEC_PER_SEC);
  wait_renewals (f, 1);
  g_assert_cmpuint (ask_openai (f, model, FALSE, NULL), ==, 200);
  assert_upstream_used (f, "/v1internal:generateContent", 2, project, model);

  /* A 401: renewed once, and the request served with the new token. */
  f->stale = access_token (2);
  g_assert_cmpuint (ask_openai (f, model, FALSE, NULL), ==, 200);
  g_assert_cmpuint (f->n_refresh_calls, ==, 2);
  assert_upstream_used (f, "/v1internal:generateContent", 3, project, model);

  /* The sign-in is revoked: "needs sign-in", kept. */
  f->revoked = TRUE;
  g_free (f->stale);
  f->stale = access_token (3);
  g_assert_cmpuint (ask_openai (f, model, FALSE, NULL), ==, 401);
  {
    SyCredential *c = sy_logins_lookup (SY_LOGINS (sy_service_get_logins (f->service)), id);

    g_assert_cmpint (sy_credential_get_status (c), ==, SY_CREDENTIAL_NEEDS_LOGIN);
    g_assert_nonnull (strstr (sy_credential_get_status_reason (c), "revoked"));
  }
  g_free (accounts);
  accounts = read_file (f->dir, "accounts.json");
  g_assert_nonnull (strstr (accounts, "needs-login"));
  g_assert_cmpuint (ask_openai (f, model, FALSE, NULL), ==, 503);

  assert_no_secret_logged (f);
}

/* Two projects: one account each, grouped; both serve; a 429 on one moves
 * to the other with switch-project, and away from both without. */
static void
test_gemini_cli_projects (Fixture       *f,
                          gconstpointer  data)
{
  const char *model = "gemini-2.5-pro";
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) credential = sign_in (f, " proj-a, proj-b ,", NULL, &error);
  g_autofree char *id_a = NULL;
  g_autofree char *id_b = NULL;
  g_autofree char *text = NULL;
  SyAccountState *a, *b, *key = NULL;
  SyModelState ms;
  GListModel *pool;

  g_assert_no_error (error);
  g_assert_cmpstr (sy_credential_get_extra (credential, "project_id"), ==, "proj-a,proj-b");
  g_assert_cmpuint (f->n_load_calls, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->asked, 0), ==, "proj-a");
  g_assert_cmpstr (g_ptr_array_index (f->asked, 1), ==, "proj-b");
  g_assert_cmpuint (f->n_onboard_calls, ==, 2);

  /* One account per project, the login's id as their group. */
  id_a = g_strconcat (sy_credential_get_id (credential), "/proj-a", NULL);
  id_b = g_strconcat (sy_credential_get_id (credential), "/proj-b", NULL);
  a = state_of (f, id_a);
  b = state_of (f, id_b);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_null (state_of (f, sy_credential_get_id (credential)));
  g_assert_cmpstr (sy_account_state_get_group (a), ==, sy_credential_get_id (credential));
  g_assert_cmpstr (sy_account_state_get_group (b), ==, sy_credential_get_id (credential));
  pool = sy_service_get_accounts (f->service);
  for (guint i = 0; i < g_list_model_get_n_items (pool); i++)
    {
      g_autoptr(SyAccountState) state = g_list_model_get_item (pool, i);

      if (g_str_equal (sy_account_state_get_provider (state), "gemini"))
        key = state;
    }
  g_assert_nonnull (key);
  g_assert_null (sy_account_state_get_group (key));

  /* Round robin over the API key and the two projects: both projects serve. */
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (ask_openai (f, model, FALSE, NULL), ==, 200);
  g_assert_true (g_ptr_array_find_with_equal_func (f->served, "proj-a", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (f->served, "proj-b", g_str_equal, NULL));
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, GEMINI_KEY), ==, 1);

  /* proj-a has the most headroom, then the API key, then proj-b; proj-a
   * answers 429: switch-project keeps to the login, so proj-b serves. */
  sy_account_state_report_quota (key, model, 0.9, 0, sy_clock_now (f->clock));
  sy_account_state_report_quota (b, model, 0.2, 0, sy_clock_now (f->clock));
  g_hash_table_replace (f->quota, g_strdup ("proj-a"), GUINT_TO_POINTER (1));
  g_ptr_array_set_size (f->served, 0);
  g_assert_cmpuint (ask_openai (f, model, FALSE, &text), ==, 200);
  g_assert_nonnull (strstr (text, "hello from proj-b"));
  g_assert_cmpuint (f->served->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->served, 0), ==, "proj-a");
  g_assert_cmpstr (g_ptr_array_index (f->served, 1), ==, "proj-b");
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, GEMINI_KEY), ==, 1);
  sy_account_state_get_model (a, model, sy_clock_now (f->clock), &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);
  g_assert_cmpint (ms.reason, ==, SY_FAILURE_QUOTA);
  g_clear_pointer (&text, g_free);

  /* The login's timer renews the credential both projects share. */
  sy_clock_advance (f->clock, (gint64) (EXPIRES_IN - 5 * 60 + 5) * G_USEC_PER_SEC);
  wait_renewals (f, 1);
  g_assert_cmpuint (ask_gemini (f, model, NULL), ==, 200);
  g_assert_cmpstr (f->last_auth, ==, "Bearer ya29.fake-2");
  g_assert_cmpstr (g_ptr_array_index (f->served, f->served->len - 1), ==, "proj-a");

  /* Restarted with switch-project: false: both projects come back from the
   * store, and a 429 on proj-a now skips proj-b too. */
  stop_service (f);
  f->switch_project = FALSE;
  start_service (f);
  a = state_of (f, id_a);
  b = state_of (f, id_b);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  pool = sy_service_get_accounts (f->service);
  for (guint i = 0; i < g_list_model_get_n_items (pool); i++)
    {
      g_autoptr(SyAccountState) state = g_list_model_get_item (pool, i);

      if (g_str_equal (sy_account_state_get_provider (state), "gemini"))
        key = state;
    }
  sy_account_state_clear_cooldowns (a, NULL);
  sy_account_state_report_quota (key, model, 0.9, 0, sy_clock_now (f->clock));
  sy_account_state_report_quota (b, model, 0.2, 0, sy_clock_now (f->clock));
  g_hash_table_replace (f->quota, g_strdup ("proj-a"), GUINT_TO_POINTER (1));
  g_ptr_array_set_size (f->served, 0);
  {
    guint before = fake_upstream_count_key (f->upstream, GEMINI_KEY);

    g_assert_cmpuint (ask_openai (f, model, FALSE, NULL), ==, 200);
    g_assert_cmpuint (f->served->len, ==, 1);
    g_assert_cmpstr (g_ptr_array_index (f->served, 0), ==, "proj-a");
    g_assert_cmpuint (fake_upstream_count_key (f->upstream, GEMINI_KEY), ==, before + 1);
  }

  assert_no_secret_logged (f);
}

/* Antigravity finds no project at sign-in: signed in all the same, served
 * without one, and the project is found after the next renewal. */
static void
test_antigravity_late_project (Fixture       *f,
                               gconstpointer  data)
{
  const char *model = "gemini-3-flash";
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) credential = NULL;
  g_autofree char *accounts = NULL;

  f->load_fails = TRUE;
  credential = sign_in (f, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (credential);
  g_assert_null (sy_credential_get_extra (credential, "project_id"));
  g_assert_nonnull (strstr (all_logs->str, "no Cloud Code project found"));

  g_assert_cmpuint (ask_openai (f, model, FALSE, NULL), ==, 200);
  assert_upstream_used (f, "/v1internal:generateContent", 1, NULL, model);

  f->load_fails = FALSE;
  f->backend_project = g_strdup ("late-proj");
  sy_clock_advance (f->clock, (gint64) (EXPIRES_IN - 5 * 60 + 5) * G_USEC_PER_SEC);
  wait_renewals (f, 1);
  {
    SyCredential *c = sy_logins_lookup (SY_LOGINS (sy_service_get_logins (f->service)),
                                        sy_credential_get_id (credential));

    g_assert_cmpstr (sy_credential_get_extra (c, "project_id"), ==, "late-proj");
  }
  accounts = read_file (f->dir, "accounts.json");
  g_assert_nonnull (strstr (accounts, "late-proj"));
  g_assert_cmpuint (ask_openai (f, model, FALSE, NULL), ==, 200);
  assert_upstream_used (f, "/v1internal:generateContent", 2, "late-proj", model);
  assert_no_secret_logged (f);
}

static void
on_fallback_generate (SoupServer        *server,
                      SoupServerMessage *msg,
                      const char        *path,
                      GHashTable        *query,
                      gpointer           user_data)
{
  Fixture *f = user_data;

  f->n_fallback++;
  on_generate (server, msg, path, query, user_data);
}

/* Antigravity's hosts in order: a busy first one sends the request to the
 * next host of the same account before any cooldown. */
static void
test_antigravity_fallback_hosts (Fixture       *f,
                                 gconstpointer  data)
{
  const char *model = "gemini-3-flash";
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) credential = NULL;
  SyModelState ms;

  stop_service (f);
  f->fallback = fake_upstream_new ();
  fake_upstream_add_handler (f->fallback, "/v1internal:generateContent", on_fallback_generate, f);
  start_service (f);
  credential = sign_in (f, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_nonnull (sy_credential_get_extra (credential, "project_id"));
  g_hash_table_replace (f->quota, g_strdup (sy_credential_get_extra (credential, "project_id")), GUINT_TO_POINTER (1));
  g_assert_cmpuint (ask_openai (f, model, FALSE, NULL), ==, 200);
  g_assert_cmpuint (f->n_fallback, ==, 1);
  sy_account_state_get_model (sy_account_pool_lookup (SY_ACCOUNT_POOL (sy_service_get_accounts (f->service)),
                                                      sy_credential_get_id (credential)),
                              model, sy_clock_now (f->clock), &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_AVAILABLE);

  /* The next request starts at the first host again. */
  g_assert_cmpuint (ask_openai (f, model, FALSE, NULL), ==, 200);
  g_assert_cmpuint (f->n_fallback, ==, 1);
}

/* The Gemini CLI with no project to be had: the sign-in fails and says why
 * (personal sign-in ended in June 2026); nothing is stored. */
static void
test_gemini_cli_no_project (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) credential = NULL;
  g_autofree char *accounts = NULL;

  f->onboard_pending = G_MAXUINT;
  credential = sign_in (f, NULL, NULL, &error);
  g_assert_null (credential);
  g_assert_error (error, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER);
  g_assert_nonnull (strstr (error->message, "June 2026"));
  g_assert_nonnull (strstr (error->message, "--project"));
  g_assert_nonnull (strstr (error->message, "still not done"));
  g_assert_cmpuint (f->n_onboard_calls, ==, 15);
  accounts = read_file (f->dir, "accounts.json");
  g_assert_null (accounts);
  assert_no_secret_logged (f);
}

int
main (int   argc,
      char *argv[])
{
  static const Case antigravity = { "antigravity", "keyring", FALSE };
  static const Case gemini_cli = { "gemini-cli", "file", FALSE };
  static const Case gemini_cli_key = { "gemini-cli", "keyring", TRUE };

  all_logs = g_string_new (NULL);
  g_log_set_writer_func (record_log, NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  /* onboardUser polls every few milliseconds, not seconds. */
  sy_login_google_set_poll_interval (5);

#define ADD(name, func, c) \
  g_test_add (name, Fixture, c, fixture_setup, func, fixture_teardown)

  ADD ("/login-google/antigravity/cycle", test_cycle, &antigravity);
  ADD ("/login-google/antigravity/late-project", test_antigravity_late_project, &antigravity);
  ADD ("/login-google/antigravity/fallback-hosts", test_antigravity_fallback_hosts, &antigravity);
  ADD ("/login-google/gemini-cli/cycle", test_cycle, &gemini_cli);
  ADD ("/login-google/gemini-cli/projects", test_gemini_cli_projects, &gemini_cli_key);
  ADD ("/login-google/gemini-cli/no-project", test_gemini_cli_no_project, &gemini_cli);

  return g_test_run ();
}
