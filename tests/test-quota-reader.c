/* test-quota-reader.c: active quota reads against a real SoupServer on
 * 127.0.0.1 standing in for each provider's usage endpoint, and the poller
 * that times them (with a manual clock)
 *
 * The answers are built from the fields the providers' usage endpoints
 * send (docs/quota-reads.md lists them and where they come from).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-test"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "sy-core-error.h"
#include "sy-quota-poller.h"
#include "sy-quota-reader.h"

/* 2026-07-01T00:00:00Z */
#define T0          (G_GINT64_CONSTANT (1782864000) * G_USEC_PER_SEC)
#define SECOND      G_GINT64_CONSTANT (1000000)
#define TOKEN(p)    "tok-" p "-9f8e7d6c5b4a"

/* ---------------------------------------------------------------- the fake */

typedef struct
{
  char       *method;
  char       *path;
  char       *query;
  char       *body;
  GHashTable *headers;     /* lower-case name → value */
} Seen;

typedef struct
{
  guint  status;
  char  *body;
  char  *retry_after;
} Reply;

typedef struct
{
  SoupServer *server;
  char       *base;
  GPtrArray  *seen;        /* Seen* */
  GHashTable *replies;     /* path → Reply* */
  SyClock    *clock;
  SyHttpClient *http;
} Fake;

static void
seen_free (Seen *seen)
{
  g_free (seen->method);
  g_free (seen->path);
  g_free (seen->query);
  g_free (seen->body);
  g_hash_table_unref (seen->headers);
  g_free (seen);
}

static void
reply_free (Reply *reply)
{
  g_free (reply->body);
  g_free (reply->retry_after);
  g_free (reply);
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Fake *fake = user_data;
  Seen *seen = g_new0 (Seen, 1);
  SoupMessageHeadersIter iter;
  const char *name;
  const char *value;
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  Reply *reply = g_hash_table_lookup (fake->replies, path);

  seen->method = g_strdup (soup_server_message_get_method (msg));
  seen->path = g_strdup (path);
  seen->query = g_strdup (g_uri_get_query (uri));
  seen->body = g_strndup (request->data ? request->data : "", request->length);
  seen->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_hash_table_insert (seen->headers, g_ascii_strdown (name, -1), g_strdup (value));
  g_ptr_array_add (fake->seen, seen);

  if (reply == NULL)
    {
      soup_server_message_set_status (msg, 404, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                        "{\"error\":\"not found\"}", 21);
      return;
    }
  soup_server_message_set_status (msg, reply->status, NULL);
  if (reply->retry_after != NULL)
    soup_message_headers_append (soup_server_message_get_response_headers (msg), "Retry-After",
                                 reply->retry_after);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, reply->body, strlen (reply->body));
}

static void
fake_reply (Fake       *fake,
            const char *path,
            guint       status,
            const char *body)
{
  Reply *reply = g_new0 (Reply, 1);

  reply->status = status;
  reply->body = g_strdup (body);
  g_hash_table_insert (fake->replies, g_strdup (path), reply);
}

static Fake *
fake_new (void)
{
  Fake *fake = g_new0 (Fake, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;
  g_autofree char *uri = NULL;

  fake->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fake->server, NULL, server_cb, fake, NULL);
  g_assert_true (soup_server_listen_local (fake->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (fake->server);
  uri = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  fake->base = g_strndup (uri, strlen (uri) - (g_str_has_suffix (uri, "/") ? 1 : 0));
  fake->seen = g_ptr_array_new_with_free_func ((GDestroyNotify) seen_free);
  fake->replies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) reply_free);
  fake->clock = sy_clock_new_manual (T0);
  sy_clock_set_default (fake->clock);
  fake->http = sy_http_client_new ();
  return fake;
}

static void
fake_free (Fake *fake)
{
  g_object_unref (fake->http);
  soup_server_disconnect (fake->server);
  g_object_unref (fake->server);
  g_ptr_array_unref (fake->seen);
  g_hash_table_unref (fake->replies);
  sy_clock_set_default (NULL);
  sy_clock_unref (fake->clock);
  g_free (fake->base);
  g_free (fake);
  /* Sources the client and server leave behind for their last connections. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Fake, fake_free)

static Seen *
fake_seen (Fake *fake,
           guint i)
{
  g_assert_cmpuint (i, <, fake->seen->len);
  return g_ptr_array_index (fake->seen, i);
}

static const char *
seen_header (Seen       *seen,
             const char *name)
{
  return g_hash_table_lookup (seen->headers, name);
}

static guint
fake_count (Fake       *fake,
            const char *path)
{
  guint n = 0;

  for (guint i = 0; i < fake->seen->len; i++)
    if (g_strcmp0 (((Seen *) g_ptr_array_index (fake->seen, i))->path, path) == 0)
      n++;
  return n;
}

static gboolean
timed_out_cb (gpointer data)
{
  g_error ("timed out waiting");
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *@flag is set (10 s at most). */
static void
wait_for (gboolean *flag)
{
  guint guard = g_timeout_add_seconds (10, timed_out_cb, NULL);

  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (guard);
}

/* A few turns of the loop, for what should not happen. */
static void
spin (void)
{
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_usleep (20000);
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
}

/* ---------------------------------------------------------- the accounts */

static SyConfig *
fake_config (Fake       *fake,
             const char *more)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("endpoints:\n"
                                           "  claude: {api: \"%s\"}\n"
                                           "  codex: {api: \"%s\"}\n"
                                           "  gemini-cli: {api: \"%s\"}\n"
                                           "  antigravity: {api: \"%s\"}\n"
                                           "  kimi: {api: \"%s\"}\n"
                                           "  xai: {api: \"%s\"}\n"
                                           "%s",
                                           fake->base, fake->base, fake->base, fake->base, fake->base,
                                           fake->base, more ? more : "");
  SyConfig *config = sy_config_new_from_data (text, -1, NULL, &error);

  g_assert_no_error (error);
  if (config->warnings[0] != NULL)
    g_error ("%s", config->warnings[0]);
  return config;
}

static SyCredential *
login_new (const char *provider,
           const char *token)
{
  g_autofree char *email = g_strdup_printf ("%s@example.com", provider);
  SyCredential *login = sy_credential_new (provider, email, email);

  sy_credential_set_tokens (login, token, "refresh-token", NULL, T0 + 3600 * SECOND, T0);
  return login;
}

static SyRegistry *
registry_new (SyConfig  *config,
              GPtrArray *logins)
{
  g_autoptr(SyAccountPool) pool = sy_account_pool_new (NULL);

  return sy_registry_new_full (config, pool, logins);
}

static SyAccount *
registry_account (SyRegistry *registry,
                  const char *id)
{
  GPtrArray *accounts = sy_registry_get_accounts (registry);

  for (guint i = 0; i < accounts->len; i++)
    {
      SyAccount *account = g_ptr_array_index (accounts, i);

      if (g_strcmp0 (account->id, id) == 0)
        return account;
    }
  g_assert_not_reached ();
}

/* One login of @provider, its registry and account. */
typedef struct
{
  SyConfig     *config;
  SyCredential *login;
  SyRegistry   *registry;
  SyAccount    *account;
} One;

static void
one_init (One        *one,
          Fake       *fake,
          const char *provider,
          const char *token,
          const char *more_config)
{
  g_autoptr(GPtrArray) logins = g_ptr_array_new ();

  one->config = fake_config (fake, more_config);
  one->login = login_new (provider, token);
  g_ptr_array_add (logins, one->login);
  one->registry = registry_new (one->config, logins);
  one->account = registry_account (one->registry, sy_credential_get_id (one->login));
}

static void
one_clear (One *one)
{
  g_clear_pointer (&one->registry, sy_registry_unref);
  g_clear_object (&one->login);
  g_clear_pointer (&one->config, sy_config_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (One, one_clear)

/* --------------------------------------------------------------- one read */

typedef struct
{
  gboolean   done;
  GPtrArray *windows;
  GError    *error;
} ReadResult;

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  ReadResult *r = user_data;

  r->windows = sy_quota_reader_read_finish (result, &r->error);
  r->done = TRUE;
}

static GPtrArray *
read_account (Fake       *fake,
              SyConfig   *config,
              SyAccount  *account,
              GError    **error)
{
  ReadResult r = { 0 };

  sy_quota_reader_read_async (fake->http, config, account, NULL, read_cb, &r);
  wait_for (&r.done);
  g_assert_true ((r.windows == NULL) != (r.error == NULL));
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.windows;
}

static const SyQuotaWindow *
find_window (GPtrArray  *windows,
             const char *id)
{
  for (guint i = 0; i < windows->len; i++)
    {
      const SyQuotaWindow *window = g_ptr_array_index (windows, i);

      if (g_strcmp0 (window->id, id) == 0)
        return window;
    }
  return NULL;
}

static const SyQuotaWindow *
get_window (GPtrArray  *windows,
            const char *id)
{
  const SyQuotaWindow *window = find_window (windows, id);

  if (window == NULL)
    g_error ("no window %s", id);
  g_assert_cmpint (window->source, ==, SY_QUOTA_SOURCE_ACTIVE);
  g_assert_cmpint (window->observed_us, ==, T0);
  return window;
}

static gint64
rfc3339 (const char *text)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (text, NULL);

  g_assert_nonnull (time);
  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}

/* ------------------------------------------------------------------ Claude */

/* What /api/oauth/usage answers in mid 2026: the flat windows, some null,
 * and the newer "limits" list with a model-scoped weekly limit. */
static const char claude_usage[] =
  "{\"five_hour\": {\"utilization\": 24.0, \"resets_at\": \"2026-07-01T02:59:59.600956+00:00\"},"
  " \"seven_day\": {\"utilization\": 36.0, \"resets_at\": \"2026-07-06T06:59:59.600974+00:00\"},"
  " \"seven_day_oauth_apps\": null,"
  " \"seven_day_opus\": null,"
  " \"seven_day_sonnet\": {\"utilization\": 1.0, \"resets_at\": \"2026-07-06T14:59:59.600981+00:00\"},"
  " \"seven_day_cowork\": {\"utilization\": 9, \"resets_at\": \"2026-07-07T00:00:00Z\"},"
  " \"iguana_necktie\": null,"
  " \"extra_usage\": {\"is_enabled\": false, \"monthly_limit\": null, \"used_credits\": null, \"utilization\": null},"
  " \"limits\": ["
  "  {\"kind\": \"session\", \"group\": \"session\", \"percent\": 24,"
  "   \"resets_at\": \"2026-07-01T02:59:59.600956+00:00\", \"scope\": null, \"is_active\": true},"
  "  {\"kind\": \"weekly_all\", \"group\": \"weekly\", \"percent\": 36,"
  "   \"resets_at\": \"2026-07-06T06:59:59.600974+00:00\", \"scope\": null, \"is_active\": false},"
  "  {\"kind\": \"weekly_scoped\", \"group\": \"weekly\", \"percent\": 5,"
  "   \"resets_at\": \"2026-07-06T09:00:00.283070+00:00\","
  "   \"scope\": {\"model\": {\"id\": null, \"display_name\": \"Fable\"}, \"surface\": null}, \"is_active\": false}]}";

static void
test_claude (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_auto(One) one = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) windows = NULL;
  const SyQuotaWindow *w;
  Seen *seen;

  one_init (&one, fake, "claude", TOKEN ("claude"), NULL);
  fake_reply (fake, "/api/oauth/usage", 200, claude_usage);
  windows = read_account (fake, one.config, one.account, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (fake->seen->len, ==, 1);
  seen = fake_seen (fake, 0);
  g_assert_cmpstr (seen->method, ==, "GET");
  g_assert_cmpstr (seen_header (seen, "authorization"), ==, "Bearer " TOKEN ("claude"));
  g_assert_cmpstr (seen_header (seen, "anthropic-beta"), ==, "oauth-2025-04-20");
  g_assert_cmpstr (seen->body, ==, "");

  w = get_window (windows, "five_hour");
  g_assert_cmpfloat_with_epsilon (w->remaining, 0.76, 1e-9);
  g_assert_cmpint (w->reset_us, ==, rfc3339 ("2026-07-01T02:59:59.600956Z"));
  g_assert_cmpint (w->window_us, ==, 5 * 3600 * SECOND);
  g_assert_null (w->model);
  g_assert_cmpstr (w->label, ==, "5-hour");
  w = get_window (windows, "seven_day");
  g_assert_cmpfloat_with_epsilon (w->remaining, 0.64, 1e-9);
  g_assert_cmpint (w->window_us, ==, 7 * 24 * 3600 * SECOND);
  w = get_window (windows, "seven_day_sonnet");
  g_assert_cmpfloat_with_epsilon (w->remaining, 0.99, 1e-9);
  g_assert_cmpstr (w->model, ==, "claude-sonnet");
  w = get_window (windows, "seven_day_scoped:fable");
  g_assert_cmpfloat_with_epsilon (w->remaining, 0.95, 1e-9);
  g_assert_cmpstr (w->model, ==, "fable");
  g_assert_cmpstr (w->label, ==, "Weekly (Fable)");
  g_assert_cmpint (w->reset_us, ==, rfc3339 ("2026-07-06T09:00:00.283070Z"));
  /* null windows, unknown products and the limits repeating the flat
   * windows add nothing */
  g_assert_null (find_window (windows, "seven_day_opus"));
  g_assert_null (find_window (windows, "seven_day_oauth_apps"));
  g_assert_null (find_window (windows, "seven_day_cowork"));
  g_assert_cmpuint (windows->len, ==, 4);
}

/* The flat windows null, the list alone says it. */
static void
test_claude_limits_only (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_auto(One) one = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) windows = NULL;

  one_init (&one, fake, "claude", TOKEN ("claude"), NULL);
  fake_reply (fake, "/api/oauth/usage", 200,
              "{\"five_hour\": null, \"seven_day\": null,"
              " \"limits\": [{\"kind\": \"session\", \"percent\": 90, \"resets_at\": \"2026-07-01T01:00:00Z\"},"
              "              {\"kind\": \"weekly_all\", \"percent\": 100, \"resets_at\": \"2026-07-03T00:00:00Z\"},"
              "              {\"kind\": \"weekly_scoped\", \"percent\": 5, \"scope\": {\"model\": null}}]}");
  windows = read_account (fake, one.config, one.account, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (windows->len, ==, 2);
  g_assert_cmpfloat_with_epsilon (get_window (windows, "five_hour")->remaining, 0.1, 1e-9);
  g_assert_cmpfloat (get_window (windows, "seven_day")->remaining, ==, 0);
  g_assert_cmpint (get_window (windows, "seven_day")->reset_us, ==, T0 + 2 * 24 * 3600 * SECOND);
}

/* ------------------------------------------------------------------- Codex */

static const char codex_usage[] =
  "{\"user_id\": \"user-xQUMqCfxw5UrwgWtiyCvwgup\", \"account_id\": \"a3cc6d1b-2a1b-475b-9b94-54191484abb8\","
  " \"email\": \"codex@example.com\", \"plan_type\": \"pro\","
  " \"rate_limit\": {\"allowed\": true, \"limit_reached\": false,"
  "   \"primary_window\": {\"used_percent\": 42, \"limit_window_seconds\": 18000,"
  "                        \"reset_after_seconds\": 3600, \"reset_at\": 1782867600},"
  "   \"secondary_window\": {\"used_percent\": 87, \"limit_window_seconds\": 604800,"
  "                          \"reset_after_seconds\": 86400, \"reset_at\": 1782950400}},"
  " \"code_review_rate_limit\": null,"
  " \"additional_rate_limits\": [{\"limit_name\": \"GPT-5.3-Codex-Spark\", \"metered_feature\": \"codex_bengalfox\","
  "   \"rate_limit\": {\"allowed\": true, \"limit_reached\": false,"
  "     \"primary_window\": {\"used_percent\": 10, \"limit_window_seconds\": 18000, \"reset_after_seconds\": 600},"
  "     \"secondary_window\": null}}],"
  " \"credits\": {\"has_credits\": false, \"unlimited\": false, \"balance\": \"0\"},"
  " \"spend_control\": {\"reached\": false}, \"rate_limit_reached_type\": null}";

static void
test_codex (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_auto(One) one = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) windows = NULL;
  const SyQuotaWindow *w;
  Seen *seen;

  one_init (&one, fake, "codex", TOKEN ("codex"), NULL);
  sy_credential_set_extra (one.login, "account_id", "a3cc6d1b-2a1b-475b-9b94-54191484abb8");
  fake_reply (fake, "/backend-api/wham/usage", 200, codex_usage);
  windows = read_account (fake, one.config, one.account, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (fake->seen->len, ==, 1);
  seen = fake_seen (fake, 0);
  g_assert_cmpstr (seen->method, ==, "GET");
  g_assert_cmpstr (seen_header (seen, "authorization"), ==, "Bearer " TOKEN ("codex"));
  g_assert_cmpstr (seen_header (seen, "chatgpt-account-id"), ==, "a3cc6d1b-2a1b-475b-9b94-54191484abb8");

  w = get_window (windows, "primary");
  g_assert_cmpfloat_with_epsilon (w->remaining, 0.58, 1e-9);
  g_assert_cmpint (w->reset_us, ==, G_GINT64_CONSTANT (1782867600) * SECOND);
  g_assert_cmpint (w->window_us, ==, 18000 * SECOND);
  g_assert_cmpstr (w->label, ==, "5-hour");
  g_assert_null (w->model);
  w = get_window (windows, "secondary");
  g_assert_cmpfloat_with_epsilon (w->remaining, 0.13, 1e-9);
  g_assert_cmpstr (w->label, ==, "Weekly");
  /* a model's own limit, its reset counted from the answer */
  w = get_window (windows, "additional:codex-bengalfox:primary");
  g_assert_cmpfloat_with_epsilon (w->remaining, 0.9, 1e-9);
  g_assert_cmpstr (w->model, ==, "gpt-5.3-codex-spark");
  g_assert_cmpstr (w->label, ==, "GPT-5.3-Codex-Spark 5-hour");
  g_assert_cmpint (w->reset_us, ==, T0 + 600 * SECOND);
  g_assert_cmpuint (windows->len, ==, 3);   /* credits are a balance, not a window */
}

/* -------------------------------------------------------------- Gemini CLI */

static const char gemini_quota[] =
  "{\"buckets\": ["
  " {\"remainingAmount\": \"250\", \"remainingFraction\": 0.25, \"resetTime\": \"2026-07-02T00:00:00Z\","
  "  \"tokenType\": \"REQUESTS\", \"modelId\": \"gemini-2.5-pro\"},"
  " {\"remainingFraction\": 0.5, \"resetTime\": \"2026-07-02T00:00:00Z\","
  "  \"tokenType\": \"INPUT_TOKENS\", \"modelId\": \"gemini-2.5-pro\"},"
  " {\"resetTime\": \"2026-07-01T18:30:00Z\", \"tokenType\": \"REQUESTS\", \"modelId\": \"gemini-2.5-flash\"},"
  " {\"remainingFraction\": 1, \"resetTime\": \"2026-07-02T00:00:00Z\","
  "  \"tokenType\": \"REQUESTS\", \"modelId\": \"gemini-3.1-pro-preview\"}]}";

static void
test_gemini_cli (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_auto(One) one = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) windows = NULL;
  g_autoptr(GPtrArray) logins = g_ptr_array_new ();
  g_autoptr(SyRegistry) two = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *second = NULL;
  const SyQuotaWindow *w;
  Seen *seen;

  one_init (&one, fake, "gemini-cli", TOKEN ("gemini"), NULL);

  /* no project: nothing to ask for */
  windows = read_account (fake, one.config, one.account, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_assert_cmpuint (fake->seen->len, ==, 0);
  g_clear_error (&error);

  sy_credential_set_extra (one.login, "project_id", "proj-a");
  fake_reply (fake, "/v1internal:retrieveUserQuota", 200, gemini_quota);
  windows = read_account (fake, one.config, one.account, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fake->seen->len, ==, 1);
  seen = fake_seen (fake, 0);
  g_assert_cmpstr (seen->method, ==, "POST");
  g_assert_cmpstr (seen_header (seen, "authorization"), ==, "Bearer " TOKEN ("gemini"));
  g_assert_cmpstr (seen_header (seen, "content-type"), ==, "application/json");
  body = json_from_string (seen->body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (body), "project"), ==, "proj-a");

  /* per model, the lowest of its buckets */
  w = get_window (windows, "model:gemini-2.5-pro");
  g_assert_cmpstr (w->model, ==, "gemini-2.5-pro");
  g_assert_cmpfloat_with_epsilon (w->remaining, 0.25, 1e-9);
  g_assert_cmpint (w->reset_us, ==, rfc3339 ("2026-07-02T00:00:00Z"));
  /* proto3 JSON leaves a zero out: a reset time and no fraction is none left */
  w = get_window (windows, "model:gemini-2.5-flash");
  g_assert_cmpfloat (w->remaining, ==, 0);
  g_assert_cmpfloat (get_window (windows, "model:gemini-3.1-pro-preview")->remaining, ==, 1);
  g_assert_cmpuint (windows->len, ==, 3);
  g_clear_pointer (&windows, g_ptr_array_unref);

  /* a login serving two projects: each account asks for its own */
  sy_credential_set_extra (one.login, "project_id", "proj-a, proj-b");
  g_ptr_array_add (logins, one.login);
  two = registry_new (one.config, logins);
  second = g_strconcat (sy_credential_get_id (one.login), "/proj-b", NULL);
  windows = read_account (fake, one.config, registry_account (two, second), &error);
  g_assert_no_error (error);
  g_clear_pointer (&body, json_node_unref);
  body = json_from_string (fake_seen (fake, 1)->body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (body), "project"), ==, "proj-b");
}

/* ------------------------------------------------------------- Antigravity */

static const char antigravity_summary[] =
  "{\"description\": \"Usage limits for your plan\","
  " \"groups\": ["
  "  {\"displayName\": \"Gemini Models\", \"description\": \"Gemini 3 Pro, Gemini 3 Flash\","
  "   \"buckets\": ["
  "    {\"bucketId\": \"gemini-5h\", \"displayName\": \"5-hour limit\", \"window\": \"5h\","
  "     \"remainingFraction\": 0.4, \"resetTime\": \"2026-07-01T03:00:00Z\"},"
  "    {\"bucketId\": \"gemini-weekly\", \"displayName\": \"Weekly limit\", \"window\": \"weekly\","
  "     \"remainingFraction\": 0.82, \"resetTime\": \"2026-07-06T00:00:00Z\"}]},"
  "  {\"displayName\": \"Claude and GPT models\","
  "   \"buckets\": ["
  "    {\"bucketId\": \"claude-weekly\", \"displayName\": \"Weekly limit\", \"window\": \"weekly\","
  "     \"resetTime\": \"2026-07-06T00:00:00Z\"}]}]}";

static void
test_antigravity_summary (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_auto(One) one = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) windows = NULL;
  g_autoptr(JsonNode) body = NULL;
  const SyQuotaWindow *w;
  Seen *seen;

  one_init (&one, fake, "antigravity", TOKEN ("antigravity"), NULL);
  sy_credential_set_extra (one.login, "project_id", "ag-proj-1");
  fake_reply (fake, "/v1internal:retrieveUserQuotaSummary", 200, antigravity_summary);
  windows = read_account (fake, one.config, one.account, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (fake->seen->len, ==, 1);
  seen = fake_seen (fake, 0);
  g_assert_cmpstr (seen->method, ==, "POST");
  g_assert_cmpstr (seen_header (seen, "authorization"), ==, "Bearer " TOKEN ("antigravity"));
  g_assert_true (g_str_has_prefix (seen_header (seen, "user-agent"), "antigravity/"));
  body = json_from_string (seen->body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (body), "project"), ==, "ag-proj-1");

  w = get_window (windows, "gemini-5h");
  g_assert_cmpfloat_with_epsilon (w->remaining, 0.4, 1e-9);
  g_assert_cmpint (w->window_us, ==, 5 * 3600 * SECOND);
  g_assert_cmpstr (w->model, ==, "Gemini Models");
  g_assert_cmpstr (w->label, ==, "Gemini Models: 5-hour limit");
  w = get_window (windows, "gemini-weekly");
  g_assert_cmpint (w->window_us, ==, 7 * 24 * 3600 * SECOND);
  g_assert_cmpint (w->reset_us, ==, rfc3339 ("2026-07-06T00:00:00Z"));
  w = get_window (windows, "claude-weekly");
  g_assert_cmpfloat (w->remaining, ==, 0);
  g_assert_cmpstr (w->model, ==, "Claude and GPT models");
  g_assert_cmpuint (windows->len, ==, 3);
}

static const char antigravity_models[] =
  "{\"models\": {"
  " \"gemini-3-pro-high\": {\"displayName\": \"Gemini 3 Pro (High)\", \"maxTokens\": 1048576,"
  "   \"quotaInfo\": {\"remainingFraction\": 0.6, \"resetTime\": \"2026-07-01T04:00:00Z\"}},"
  " \"claude-sonnet-4-6\": {\"displayName\": \"Claude Sonnet 4.6\","
  "   \"quotaInfo\": {\"resetTime\": \"2026-07-01T05:00:00Z\"}},"
  " \"chat_20706\": {\"maxTokens\": 16384}},"
  " \"defaultAgentModelId\": \"gemini-3-pro-high\"}";

/* The summary is for paid tiers: a free account's 403 sends the read to
 * the models' list. */
static void
test_antigravity_fallback (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_auto(One) one = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) windows = NULL;
  const SyQuotaWindow *w;

  one_init (&one, fake, "antigravity", TOKEN ("antigravity"), NULL);
  sy_credential_set_extra (one.login, "project_id", "ag-proj-1");
  fake_reply (fake, "/v1internal:retrieveUserQuotaSummary", 403,
              "{\"error\": {\"code\": 403, \"message\": \"You do not have a valid license of this product.\","
              " \"status\": \"PERMISSION_DENIED\"}}");
  fake_reply (fake, "/v1internal:fetchAvailableModels", 200, antigravity_models);
  windows = read_account (fake, one.config, one.account, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (fake->seen->len, ==, 2);
  g_assert_cmpstr (fake_seen (fake, 0)->path, ==, "/v1internal:retrieveUserQuotaSummary");
  g_assert_cmpstr (fake_seen (fake, 1)->path, ==, "/v1internal:fetchAvailableModels");
  g_assert_cmpstr (fake_seen (fake, 1)->method, ==, "POST");
  g_assert_cmpstr (seen_header (fake_seen (fake, 1), "authorization"), ==, "Bearer " TOKEN ("antigravity"));

  w = get_window (windows, "model:gemini-3-pro-high");
  g_assert_cmpfloat_with_epsilon (w->remaining, 0.6, 1e-9);
  g_assert_cmpstr (w->model, ==, "gemini-3-pro-high");
  g_assert_cmpstr (w->label, ==, "Gemini 3 Pro (High)");
  g_assert_cmpint (w->reset_us, ==, rfc3339 ("2026-07-01T04:00:00Z"));
  g_assert_cmpfloat (get_window (windows, "model:claude-sonnet-4-6")->remaining, ==, 0);
  g_assert_cmpuint (windows->len, ==, 2);
  g_clear_pointer (&windows, g_ptr_array_unref);

  /* both refused: the last word is the models' */
  fake_reply (fake, "/v1internal:fetchAvailableModels", 503,
              "{\"error\": {\"code\": 503, \"message\": \"No capacity available\", \"status\": \"UNAVAILABLE\"}}");
  windows = read_account (fake, one.config, one.account, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "503"));
  g_assert_nonnull (strstr (error->message, "No capacity available"));
  g_assert_cmpuint (fake->seen->len, ==, 4);
}

/* -------------------------------------------------------------------- Kimi */

static const char kimi_usages[] =
  "{\"user\": {\"userId\": \"d1kf3v0\", \"region\": \"REGION_OVERSEA\", \"membership\": {\"level\": \"LEVEL_INTERMEDIATE\"}},"
  " \"usage\": {\"limit\": \"100\", \"used\": \"1\", \"remaining\": \"99\", \"resetTime\": \"2026-07-06T13:59:23.136523Z\"},"
  " \"limits\": [{\"window\": {\"duration\": 300, \"timeUnit\": \"TIME_UNIT_MINUTE\"},"
  "              \"detail\": {\"limit\": \"100\", \"used\": \"2\", \"remaining\": \"98\","
  "                         \"resetTime\": \"2026-07-01T04:59:23.136523Z\"}}]}";

static void
test_kimi (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_auto(One) one = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) windows = NULL;
  const SyQuotaWindow *w;
  Seen *seen;

  one_init (&one, fake, "kimi", TOKEN ("kimi"), NULL);
  sy_credential_set_extra (one.login, "device_id", "0c5e9d2a41b34f0e8a7d6c5b4a392817");
  fake_reply (fake, "/coding/v1/usages", 200, kimi_usages);
  windows = read_account (fake, one.config, one.account, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (fake->seen->len, ==, 1);
  seen = fake_seen (fake, 0);
  g_assert_cmpstr (seen->method, ==, "GET");
  g_assert_cmpstr (seen_header (seen, "authorization"), ==, "Bearer " TOKEN ("kimi"));
  g_assert_cmpstr (seen_header (seen, "x-msh-device-id"), ==, "0c5e9d2a41b34f0e8a7d6c5b4a392817");

  w = get_window (windows, "limit:5-hour");
  g_assert_cmpfloat_with_epsilon (w->remaining, 0.98, 1e-9);
  g_assert_cmpint (w->window_us, ==, 300 * 60 * SECOND);
  g_assert_cmpint (w->reset_us, ==, rfc3339 ("2026-07-01T04:59:23.136523Z"));
  g_assert_cmpstr (w->label, ==, "5-hour");
  g_assert_null (w->model);
  w = get_window (windows, "weekly");
  g_assert_cmpfloat_with_epsilon (w->remaining, 0.99, 1e-9);
  g_assert_cmpint (w->reset_us, ==, rfc3339 ("2026-07-06T13:59:23.136523Z"));
  g_assert_cmpuint (windows->len, ==, 2);
}

/* Numbers no window has: lengths, waits and reset times past what
 * microseconds hold, from a broken or hostile endpoint. They are unknown
 * (0), not converted or multiplied past gint64's range (undefined
 * behaviour; the sanitizer build stops on it). */
static void
test_absurd_numbers (void)
{
  static const char codex_absurd[] =
    "{\"rate_limit\": {\"allowed\": true,"
    "   \"primary_window\": {\"used_percent\": 42, \"limit_window_seconds\": 1e300,"
    "                        \"reset_after_seconds\": 1e300, \"reset_at\": 1e300},"
    "   \"secondary_window\": {\"used_percent\": 87, \"limit_window_seconds\": 9.3e18,"
    "                          \"reset_after_seconds\": 9.3e15, \"reset_at\": 9.3e15}}}";
  static const char kimi_absurd[] =
    "{\"limits\": [{\"window\": {\"duration\": 1e300, \"timeUnit\": \"TIME_UNIT_WEEK\"},"
    "              \"detail\": {\"limit\": \"100\", \"used\": \"2\", \"resetIn\": 1e300}},"
    "             {\"window\": {\"duration\": 9.3e12, \"timeUnit\": \"TIME_UNIT_SECOND\"},"
    "              \"detail\": {\"limit\": \"100\", \"used\": \"2\", \"resetIn\": 9.3e12}}]}";
  g_autoptr(Fake) fake = fake_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) windows = NULL;
  g_autoptr(GPtrArray) kimi_windows = NULL;
  const SyQuotaWindow *w;

  {
    g_auto(One) one = { 0 };

    one_init (&one, fake, "codex", TOKEN ("codex"), NULL);
    fake_reply (fake, "/backend-api/wham/usage", 200, codex_absurd);
    windows = read_account (fake, one.config, one.account, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (windows->len, ==, 2);
  for (guint i = 0; i < windows->len; i++)
    {
      w = windows->pdata[i];
      g_assert_cmpint (w->window_us, ==, 0);
      g_assert_cmpint (w->reset_us, ==, 0);
    }
  w = get_window (windows, "primary");
  g_assert_cmpfloat_with_epsilon (w->remaining, 0.58, 1e-9);

  {
    g_auto(One) one = { 0 };

    one_init (&one, fake, "kimi", TOKEN ("kimi"), NULL);
    fake_reply (fake, "/coding/v1/usages", 200, kimi_absurd);
    kimi_windows = read_account (fake, one.config, one.account, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (kimi_windows->len, ==, 2);
  for (guint i = 0; i < kimi_windows->len; i++)
    {
      w = kimi_windows->pdata[i];
      g_assert_cmpint (w->window_us, ==, 0);
      g_assert_cmpint (w->reset_us, ==, 0);
      g_assert_cmpfloat_with_epsilon (w->remaining, 0.98, 1e-9);
    }
}

/* --------------------------------------------------------------------- xAI */

static const char xai_billing[] =
  "{\"config\": {\"currentPeriod\": {\"type\": \"BILLING_PERIOD_TYPE_WEEKLY\","
  "   \"start\": \"2026-06-29T00:00:00Z\", \"end\": \"2026-07-06T00:00:00Z\"},"
  " \"creditUsagePercent\": 25,"
  " \"productUsage\": [{\"product\": \"grok-code\", \"usagePercent\": 25}],"
  " \"onDemandCap\": {\"val\": 0}, \"onDemandUsed\": {\"val\": 0}}}";

static void
test_xai (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_auto(One) one = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) windows = NULL;
  const SyQuotaWindow *w;
  Seen *seen;

  one_init (&one, fake, "xai", TOKEN ("xai"), NULL);
  fake_reply (fake, "/v1/billing", 200, xai_billing);
  windows = read_account (fake, one.config, one.account, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (fake->seen->len, ==, 1);
  seen = fake_seen (fake, 0);
  g_assert_cmpstr (seen->method, ==, "GET");
  g_assert_cmpstr (seen->query, ==, "format=credits");
  g_assert_cmpstr (seen_header (seen, "authorization"), ==, "Bearer " TOKEN ("xai"));
  g_assert_cmpstr (seen_header (seen, "x-xai-token-auth"), ==, "xai-grok-cli");

  w = get_window (windows, "credits");
  g_assert_cmpfloat_with_epsilon (w->remaining, 0.75, 1e-9);
  g_assert_cmpstr (w->label, ==, "Weekly credits");
  g_assert_cmpint (w->reset_us, ==, rfc3339 ("2026-07-06T00:00:00Z"));
  g_assert_cmpint (w->window_us, ==, 7 * 24 * 3600 * SECOND);
  g_assert_cmpuint (windows->len, ==, 1);
  g_clear_pointer (&windows, g_ptr_array_unref);

  /* a plan with a monthly allowance, in cents */
  fake_reply (fake, "/v1/billing", 200,
              "{\"config\": {\"monthlyLimit\": {\"val\": 10000}, \"used\": {\"val\": 2500},"
              " \"billingPeriodStart\": \"2026-07-01T00:00:00Z\", \"billingPeriodEnd\": \"2026-08-01T00:00:00Z\"}}");
  windows = read_account (fake, one.config, one.account, &error);
  g_assert_no_error (error);
  w = get_window (windows, "monthly");
  g_assert_cmpfloat_with_epsilon (w->remaining, 0.75, 1e-9);
  g_assert_cmpint (w->window_us, ==, 31 * 24 * 3600 * SECOND);
  g_assert_cmpuint (windows->len, ==, 1);
}

/* ------------------------------------------------------------------ errors */

static void
expect_error (Fake       *fake,
              One        *one,
              int         code,
              const char *part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) windows = read_account (fake, one->config, one->account, &error);

  g_assert_null (windows);
  g_assert_error (error, G_IO_ERROR, code);
  g_assert_nonnull (strstr (error->message, part));
  /* the token, nor anything of it, is never in a message */
  g_assert_null (strstr (error->message, "9f8e7d6c5b4a"));
}

static void
test_errors (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_auto(One) one = { 0 };
  Reply *reply;

  one_init (&one, fake, "claude", TOKEN ("claude"), NULL);

  /* an upstream that echoes the token it refused */
  fake_reply (fake, "/api/oauth/usage", 401,
              "{\"type\": \"error\", \"error\": {\"type\": \"authentication_error\","
              " \"message\": \"Invalid bearer token " TOKEN ("claude") "\"}}");
  expect_error (fake, &one, G_IO_ERROR_PERMISSION_DENIED, "HTTP 401");
  expect_error (fake, &one, G_IO_ERROR_PERMISSION_DENIED, "Invalid bearer token");
  fake_reply (fake, "/api/oauth/usage", 403,
              "{\"type\": \"error\", \"error\": {\"type\": \"permission_error\","
              " \"message\": \"OAuth token does not meet scope requirement user:profile\"}}");
  expect_error (fake, &one, G_IO_ERROR_PERMISSION_DENIED, "user:profile");
  fake_reply (fake, "/api/oauth/usage", 429,
              "{\"type\": \"error\", \"error\": {\"type\": \"rate_limit_error\", \"message\": \"Rate limited\"}}");
  reply = g_hash_table_lookup (fake->replies, "/api/oauth/usage");
  reply->retry_after = g_strdup ("120");
  expect_error (fake, &one, G_IO_ERROR_BUSY, "retry after 120");
  fake_reply (fake, "/api/oauth/usage", 500, "<html>Internal Server Error " TOKEN ("claude") "</html>");
  expect_error (fake, &one, G_IO_ERROR_FAILED, "HTTP 500");
  fake_reply (fake, "/api/oauth/usage", 502, "");
  expect_error (fake, &one, G_IO_ERROR_FAILED, "HTTP 502");
  fake_reply (fake, "/api/oauth/usage", 200, "<html>sign in</html>");
  expect_error (fake, &one, G_IO_ERROR_INVALID_DATA, "without a JSON object");
  fake_reply (fake, "/api/oauth/usage", 200, "{\"type\": \"something else\"}");
  expect_error (fake, &one, G_IO_ERROR_INVALID_DATA, "no usage");
  g_assert_cmpuint (fake->seen->len, ==, 8);
}

/* Nothing listens: the transport's error. */
static void
test_unreachable (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(SyConfig) config = NULL;
  g_autoptr(SyRegistry) registry = NULL;
  g_autoptr(SyCredential) login = login_new ("codex", TOKEN ("codex"));
  g_autoptr(GPtrArray) logins = g_ptr_array_new ();
  g_autoptr(GPtrArray) windows = NULL;
  g_autofree char *text = NULL;

  /* a port that was free a moment ago, and is closed again */
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (sock, any, TRUE, &error));
  bound = g_socket_get_local_address (sock, &error);
  g_assert_no_error (error);
  text = g_strdup_printf ("endpoints: {codex: {api: \"http://127.0.0.1:%u\"}}\n",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (sock, NULL);
  config = sy_config_new_from_data (text, -1, NULL, &error);
  g_assert_no_error (error);
  g_ptr_array_add (logins, login);
  registry = registry_new (config, logins);
  windows = read_account (fake, config, registry_account (registry, sy_credential_get_id (login)), &error);
  g_assert_null (windows);
  g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_CONNECT);
  g_assert_null (strstr (error->message, "9f8e7d6c5b4a"));
}

/* API keys, compatible upstreams and signed-out logins: no call. */
static void
test_not_supported (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) config = NULL;
  g_autoptr(SyRegistry) registry = NULL;
  g_autoptr(GPtrArray) logins = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *more = NULL;
  GPtrArray *accounts;
  guint n_keys = 0;

  more = g_strdup_printf ("claude-api-key: [{api-key: sk-ant-api03-key}]\n"
                          "codex-api-key: [{api-key: sk-proj-key, base-url: \"https://api.openai.com/v1\"}]\n"
                          "gemini-api-key: [{api-key: AIza-key}]\n"
                          "openai-compatibility:\n"
                          "  - name: local\n"
                          "    base-url: \"%s/v1\"\n"
                          "    api-key-entries: [{api-key: local-key}]\n"
                          "    models: [{name: m1}]\n", fake->base);
  config = fake_config (fake, more);
  g_ptr_array_add (logins, login_new ("claude", TOKEN ("claude")));
  sy_credential_set_status (g_ptr_array_index (logins, 0), SY_CREDENTIAL_NEEDS_LOGIN, "refresh token revoked");
  registry = registry_new (config, logins);
  accounts = sy_registry_get_accounts (registry);

  for (guint i = 0; i < accounts->len; i++)
    {
      SyAccount *account = g_ptr_array_index (accounts, i);
      g_autoptr(GPtrArray) windows = NULL;

      windows = read_account (fake, config, account, &error);
      g_assert_null (windows);
      if (account->credential != NULL)
        {
          g_assert_true (sy_quota_reader_supports (account));
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
          g_assert_nonnull (strstr (error->message, "needs a new sign-in"));
        }
      else
        {
          g_assert_false (sy_quota_reader_supports (account));
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
          n_keys++;
        }
      g_clear_error (&error);
    }
  g_assert_cmpuint (n_keys, ==, 4);
  g_assert_cmpuint (accounts->len, ==, 5);
  g_assert_cmpuint (fake->seen->len, ==, 0);
}

/* endpoints.<provider>.usage wins over .api for the usage calls. */
static void
test_usage_endpoint (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) logins = g_ptr_array_new ();
  g_autoptr(SyConfig) config = NULL;
  g_autoptr(SyRegistry) registry = NULL;
  g_autoptr(SyCredential) login = login_new ("claude", TOKEN ("claude"));
  g_autoptr(GPtrArray) windows = NULL;
  g_autofree char *text = g_strdup_printf ("endpoints:\n"
                                           "  claude: {api: \"http://127.0.0.1:9/\", usage: \"%s/usage-gw/\"}\n",
                                           fake->base);

  config = sy_config_new_from_data (text, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (config->warnings), ==, 0);
  g_ptr_array_add (logins, login);
  registry = registry_new (config, logins);
  fake_reply (fake, "/usage-gw/api/oauth/usage", 200, claude_usage);
  windows = read_account (fake, config, registry_account (registry, sy_credential_get_id (login)), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (windows->len, ==, 4);
  g_assert_cmpstr (fake_seen (fake, 0)->path, ==, "/usage-gw/api/oauth/usage");
}

/* ------------------------------------------------------------------ poller */

typedef struct
{
  Fake          *fake;
  SyQuotaPoller *poller;
  GPtrArray     *read_ids;     /* account ids the "read" signal named */
  guint          n_windows;    /* in its last emission */
} Poll;

static void
read_signal_cb (SyQuotaPoller *poller,
                const char    *account_id,
                GPtrArray     *windows,
                gpointer       user_data)
{
  Poll *poll = user_data;

  g_ptr_array_add (poll->read_ids, g_strdup (account_id));
  poll->n_windows = windows->len;
}

static void
poll_init (Poll *poll,
           Fake *fake)
{
  poll->fake = fake;
  poll->poller = sy_quota_poller_new (fake->http, fake->clock);
  poll->read_ids = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (poll->poller, "read", G_CALLBACK (read_signal_cb), poll);
}

static void
poll_clear (Poll *poll)
{
  g_clear_object (&poll->poller);
  g_clear_pointer (&poll->read_ids, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Poll, poll_clear)

/* Moves the clock by @seconds and waits until @path has been asked
 * @expected times in all. */
static void
advance_and_wait (Fake       *fake,
                  gint64      seconds,
                  const char *path,
                  guint       expected)
{
  guint guard;

  sy_clock_advance (fake->clock, seconds * SECOND);
  guard = g_timeout_add_seconds (10, timed_out_cb, NULL);
  while (fake_count (fake, path) < expected)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (guard);
}

/* Waits until *@n reaches @expected (the "read" signal's count). */
static void
wait_count (guint *n,
            guint  expected)
{
  guint guard = g_timeout_add_seconds (10, timed_out_cb, NULL);

  while (*n < expected)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (guard);
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} RefreshResult;

static void
refresh_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  RefreshResult *r = user_data;

  r->ok = sy_quota_poller_refresh_finish (SY_QUOTA_POLLER (source), result, &r->error);
  r->done = TRUE;
}

static GPtrArray *
two_logins (void)
{
  GPtrArray *logins = g_ptr_array_new_with_free_func (g_object_unref);
  SyCredential *codex = login_new ("codex", TOKEN ("codex"));

  sy_credential_set_extra (codex, "account_id", "acct-1");
  g_ptr_array_add (logins, codex);
  g_ptr_array_add (logins, login_new ("claude", TOKEN ("claude")));
  return logins;
}

static const char *
login_id (GPtrArray *logins,
          guint      i)
{
  return sy_credential_get_id (g_ptr_array_index (logins, i));
}

/* Started: each account at most once per interval, the accounts spread
 * over it; readings go to the state and the signal. */
static void
test_poller_interval (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_auto(Poll) poll = { 0 };
  g_autoptr(GPtrArray) logins = two_logins ();
  g_autoptr(SyConfig) config = fake_config (fake, "quota-refresh-interval: 120\n");
  g_autoptr(SyRegistry) registry = registry_new (config, logins);
  g_autoptr(GPtrArray) windows = NULL;
  SyAccount *codex = registry_account (registry, login_id (logins, 0));
  const char *codex_path = "/backend-api/wham/usage";
  const char *claude_path = "/api/oauth/usage";

  fake_reply (fake, codex_path, 200, codex_usage);
  fake_reply (fake, claude_path, 200, claude_usage);
  poll_init (&poll, fake);
  sy_quota_poller_set_registry (poll.poller, registry);
  g_assert_cmpint (sy_quota_poller_get_interval (poll.poller), ==, 120 * SECOND);
  /* not started: nothing planned, nothing asked */
  g_assert_cmpint (sy_quota_poller_get_next_read (poll.poller, codex->id), ==, 0);
  sy_clock_advance (fake->clock, 600 * SECOND);
  spin ();
  g_assert_cmpuint (fake->seen->len, ==, 0);

  sy_quota_poller_start (poll.poller);
  g_assert_cmpint (sy_quota_poller_get_next_read (poll.poller, codex->id), ==, T0 + 600 * SECOND);
  g_assert_cmpint (sy_quota_poller_get_next_read (poll.poller, login_id (logins, 1)), ==, T0 + 660 * SECOND);
  advance_and_wait (fake, 0, codex_path, 1);
  wait_count (&poll.read_ids->len, 1);
  g_assert_cmpstr (g_ptr_array_index (poll.read_ids, 0), ==, codex->id);
  g_assert_cmpuint (poll.n_windows, ==, 3);
  g_assert_cmpuint (fake_count (fake, claude_path), ==, 0);
  /* the state has the lowest account-wide window (the weekly one) */
  g_assert_cmpfloat_with_epsilon (sy_account_state_get_quota (codex->state, NULL), 0.13, 1e-9);
  g_assert_cmpint (sy_quota_poller_get_last_read (poll.poller, codex->id), ==, T0 + 600 * SECOND);
  windows = sy_quota_poller_dup_windows (poll.poller, codex->id);
  g_assert_cmpuint (windows->len, ==, 3);
  g_assert_cmpint (sy_quota_poller_get_next_read (poll.poller, codex->id), ==, T0 + 720 * SECOND);

  /* the second account half an interval later */
  advance_and_wait (fake, 60, claude_path, 1);
  wait_count (&poll.read_ids->len, 2);
  g_assert_cmpuint (fake_count (fake, codex_path), ==, 1);

  /* no second call within the interval, one after it */
  sy_clock_advance (fake->clock, 59 * SECOND);
  spin ();
  g_assert_cmpuint (fake_count (fake, codex_path), ==, 1);
  advance_and_wait (fake, 1, codex_path, 2);
  wait_count (&poll.read_ids->len, 3);
  g_assert_cmpuint (fake_count (fake, claude_path), ==, 1);

  /* stopped: no more */
  sy_quota_poller_stop (poll.poller);
  g_assert_cmpint (sy_quota_poller_get_next_read (poll.poller, codex->id), ==, 0);
  sy_clock_advance (fake->clock, 3600 * SECOND);
  spin ();
  g_assert_cmpuint (fake->seen->len, ==, 3);
}

static void
test_poller_interval_config (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_auto(Poll) poll = { 0 };
  g_autoptr(GPtrArray) logins = two_logins ();
  g_autoptr(SyConfig) short_config = fake_config (fake, "quota-refresh-interval: 5\n");
  g_autoptr(SyConfig) unset = fake_config (fake, NULL);
  g_autoptr(SyRegistry) a = registry_new (short_config, logins);
  g_autoptr(SyRegistry) b = registry_new (unset, logins);

  poll_init (&poll, fake);
  g_assert_cmpint (sy_quota_poller_get_interval (poll.poller), ==, 600 * SECOND);
  sy_quota_poller_set_registry (poll.poller, a);
  g_assert_cmpint (sy_quota_poller_get_interval (poll.poller), ==, 60 * SECOND);
  {
    /* 0: no timed reads at all; on demand still reads. */
    g_autoptr(SyConfig) off = fake_config (fake, "quota-refresh-interval: 0\n");
    g_autoptr(GPtrArray) quiet_logins = two_logins ();
    g_autoptr(SyRegistry) quiet = registry_new (off, quiet_logins);
    RefreshResult asked = { 0 };

    fake_reply (fake, "/backend-api/wham/usage", 200, codex_usage);
    sy_quota_poller_set_registry (poll.poller, quiet);
    g_assert_cmpint (sy_quota_poller_get_interval (poll.poller), ==, 0);
    sy_quota_poller_start (poll.poller);
    g_assert_cmpint (sy_quota_poller_get_next_read (poll.poller, login_id (quiet_logins, 0)), ==, 0);
    sy_clock_advance (fake->clock, 3 * 3600 * SECOND);
    spin ();
    g_assert_cmpuint (fake->seen->len, ==, 0);
    sy_quota_poller_refresh_async (poll.poller, login_id (quiet_logins, 0), NULL, refresh_cb, &asked);
    wait_for (&asked.done);
    g_assert_true (asked.ok);
    g_assert_cmpuint (fake_count (fake, "/backend-api/wham/usage"), ==, 1);
    sy_quota_poller_stop (poll.poller);
  }
  sy_quota_poller_set_registry (poll.poller, b);
  g_assert_cmpint (sy_quota_poller_get_interval (poll.poller), ==, 600 * SECOND);
}

/* A failure is kept, and asked again at the next interval, not sooner. */
static void
test_poller_failure (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_auto(Poll) poll = { 0 };
  g_autoptr(GPtrArray) logins = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SyConfig) config = fake_config (fake, "quota-refresh-interval: 300\n");
  g_autoptr(SyRegistry) registry = NULL;
  g_autoptr(GPtrArray) windows = NULL;
  const char *path = "/api/oauth/usage";
  const char *id;
  const GError *error;

  g_ptr_array_add (logins, login_new ("claude", TOKEN ("claude")));
  id = login_id (logins, 0);
  registry = registry_new (config, logins);
  fake_reply (fake, path, 503, "{\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}");
  poll_init (&poll, fake);
  sy_quota_poller_set_registry (poll.poller, registry);
  sy_quota_poller_start (poll.poller);
  advance_and_wait (fake, 0, path, 1);
  while (sy_quota_poller_get_last_error (poll.poller, id) == NULL)
    g_main_context_iteration (NULL, TRUE);
  error = sy_quota_poller_get_last_error (poll.poller, id);
  g_assert_error ((GError *) error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "Overloaded"));
  g_assert_null (sy_quota_poller_dup_windows (poll.poller, id));
  g_assert_cmpuint (poll.read_ids->len, ==, 0);

  /* 401: nothing special either */
  fake_reply (fake, path, 401, "{\"type\": \"error\", \"error\": {\"type\": \"authentication_error\", \"message\": \"expired\"}}");
  sy_clock_advance (fake->clock, 299 * SECOND);
  spin ();
  g_assert_cmpuint (fake_count (fake, path), ==, 1);
  advance_and_wait (fake, 1, path, 2);
  while (sy_quota_poller_get_last_error (poll.poller, id)->code != G_IO_ERROR_PERMISSION_DENIED)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (sy_quota_poller_get_next_read (poll.poller, id), ==, T0 + 600 * SECOND);

  /* recovered: the error goes */
  fake_reply (fake, path, 200, claude_usage);
  advance_and_wait (fake, 300, path, 3);
  wait_count (&poll.read_ids->len, 1);
  g_assert_null (sy_quota_poller_get_last_error (poll.poller, id));
  windows = sy_quota_poller_dup_windows (poll.poller, id);
  g_assert_cmpuint (windows->len, ==, 4);
  g_assert_cmpuint (fake_count (fake, path), ==, 3);
}

/* On demand: a read in flight is joined; one that ended within 30 s
 * answers; after that a new one; and a timed read keeps its distance. */
static void
test_poller_on_demand (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_auto(Poll) poll = { 0 };
  g_autoptr(GPtrArray) logins = two_logins ();
  g_autofree char *more = g_strdup ("quota-refresh-interval: 600\n"
                                    "claude-api-key: [{api-key: sk-ant-api03-key}]\n");
  g_autoptr(SyConfig) config = fake_config (fake, more);
  g_autoptr(SyRegistry) registry = registry_new (config, logins);
  RefreshResult first = { 0 };
  RefreshResult second = { 0 };
  RefreshResult third = { 0 };
  RefreshResult all = { 0 };
  RefreshResult missing = { 0 };
  RefreshResult key = { 0 };
  const char *codex_id = login_id (logins, 0);
  const char *codex_path = "/backend-api/wham/usage";
  const char *claude_path = "/api/oauth/usage";
  GPtrArray *accounts = sy_registry_get_accounts (registry);
  const char *key_id = NULL;

  for (guint i = 0; i < accounts->len; i++)
    if (((SyAccount *) g_ptr_array_index (accounts, i))->credential == NULL)
      key_id = ((SyAccount *) g_ptr_array_index (accounts, i))->id;
  g_assert_nonnull (key_id);

  fake_reply (fake, codex_path, 200, codex_usage);
  fake_reply (fake, claude_path, 500, "{}");
  poll_init (&poll, fake);
  sy_quota_poller_set_registry (poll.poller, registry);

  /* not started: on demand still reads; two at once make one call */
  sy_quota_poller_refresh_async (poll.poller, codex_id, NULL, refresh_cb, &first);
  sy_quota_poller_refresh_async (poll.poller, codex_id, NULL, refresh_cb, &second);
  wait_for (&first.done);
  wait_for (&second.done);
  g_assert_no_error (first.error);
  g_assert_true (first.ok && second.ok);
  g_assert_cmpuint (fake_count (fake, codex_path), ==, 1);
  g_assert_cmpuint (poll.read_ids->len, ==, 1);

  /* 10 s later: the last reading answers */
  sy_clock_advance (fake->clock, 10 * SECOND);
  sy_quota_poller_refresh_async (poll.poller, codex_id, NULL, refresh_cb, &third);
  wait_for (&third.done);
  g_assert_true (third.ok);
  g_assert_cmpuint (fake_count (fake, codex_path), ==, 1);

  /* every account: codex still fresh, claude read (and failing) */
  sy_quota_poller_refresh_async (poll.poller, NULL, NULL, refresh_cb, &all);
  wait_for (&all.done);
  g_assert_no_error (all.error);
  g_assert_true (all.ok);
  g_assert_cmpuint (fake_count (fake, codex_path), ==, 1);
  g_assert_cmpuint (fake_count (fake, claude_path), ==, 1);
  g_assert_error ((GError *) sy_quota_poller_get_last_error (poll.poller, login_id (logins, 1)),
                  G_IO_ERROR, G_IO_ERROR_FAILED);

  /* 31 s after the read: a new one; a failing account says why */
  sy_clock_advance (fake->clock, 21 * SECOND);
  memset (&first, 0, sizeof first);
  sy_quota_poller_refresh_async (poll.poller, codex_id, NULL, refresh_cb, &first);
  wait_for (&first.done);
  g_assert_true (first.ok);
  g_assert_cmpuint (fake_count (fake, codex_path), ==, 2);
  memset (&second, 0, sizeof second);
  sy_clock_advance (fake->clock, 31 * SECOND);
  sy_quota_poller_refresh_async (poll.poller, login_id (logins, 1), NULL, refresh_cb, &second);
  wait_for (&second.done);
  g_assert_false (second.ok);
  g_assert_error (second.error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&second.error);
  g_assert_cmpuint (fake_count (fake, claude_path), ==, 2);

  sy_quota_poller_refresh_async (poll.poller, "claude:nobody", NULL, refresh_cb, &missing);
  sy_quota_poller_refresh_async (poll.poller, key_id, NULL, refresh_cb, &key);
  wait_for (&missing.done);
  wait_for (&key.done);
  g_assert_error (missing.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_error (key.error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&missing.error);
  g_clear_error (&key.error);

  /* started now: the timed read comes an interval after the on-demand one */
  sy_quota_poller_start (poll.poller);
  g_assert_cmpint (sy_quota_poller_get_next_read (poll.poller, codex_id), ==, T0 + 31 * SECOND + 600 * SECOND);
  sy_clock_advance (fake->clock, 568 * SECOND);
  spin ();
  g_assert_cmpuint (fake_count (fake, codex_path), ==, 2);
  advance_and_wait (fake, 1, codex_path, 3);
  g_assert_cmpuint (fake->seen->len, ==, 5);
}

/* A new registry: accounts that left are dropped, even with a read in
 * flight (its reading goes nowhere), the others keep their schedule. */
static void
test_poller_registry_swap (void)
{
  g_autoptr(Fake) fake = fake_new ();
  g_auto(Poll) poll = { 0 };
  g_autoptr(GPtrArray) logins = two_logins ();
  g_autoptr(GPtrArray) fewer = g_ptr_array_new ();
  g_autoptr(SyConfig) config = fake_config (fake, "quota-refresh-interval: 120\n");
  g_autoptr(SyConfig) slower = fake_config (fake, "quota-refresh-interval: 240\n");
  g_autoptr(SyRegistry) before = registry_new (config, logins);
  g_autoptr(SyRegistry) after = NULL;
  RefreshResult claude = { 0 };
  const char *codex_id = login_id (logins, 0);
  const char *claude_id = login_id (logins, 1);
  SyAccount *claude_account = registry_account (before, claude_id);

  fake_reply (fake, "/backend-api/wham/usage", 200, codex_usage);
  fake_reply (fake, "/api/oauth/usage", 200, claude_usage);
  poll_init (&poll, fake);
  sy_quota_poller_set_registry (poll.poller, before);
  sy_quota_poller_start (poll.poller);
  advance_and_wait (fake, 0, "/backend-api/wham/usage", 1);
  wait_count (&poll.read_ids->len, 1);
  g_assert_cmpint (sy_quota_poller_get_next_read (poll.poller, claude_id), ==, T0 + 60 * SECOND);

  /* claude asked for, then gone before the answer */
  sy_quota_poller_refresh_async (poll.poller, claude_id, NULL, refresh_cb, &claude);
  g_ptr_array_add (fewer, g_ptr_array_index (logins, 0));
  after = registry_new (slower, fewer);
  sy_quota_poller_set_registry (poll.poller, after);
  g_assert_cmpint (sy_quota_poller_get_interval (poll.poller), ==, 240 * SECOND);
  g_assert_cmpint (sy_quota_poller_get_next_read (poll.poller, codex_id), ==, T0 + 240 * SECOND);
  g_assert_cmpint (sy_quota_poller_get_next_read (poll.poller, claude_id), ==, 0);
  wait_for (&claude.done);
  g_assert_true (claude.ok);
  g_assert_cmpuint (fake_count (fake, "/api/oauth/usage"), ==, 1);
  /* nobody was told, and the entry went with its account */
  g_assert_cmpuint (poll.read_ids->len, ==, 1);
  g_assert_cmpfloat (sy_account_state_get_quota (claude_account->state, NULL), ==, -1);
  g_assert_null (sy_quota_poller_dup_windows (poll.poller, claude_id));
  g_assert_cmpint (sy_quota_poller_get_last_read (poll.poller, claude_id), ==, 0);

  /* the one left is read on its new interval, the other never */
  sy_clock_advance (fake->clock, 239 * SECOND);
  spin ();
  g_assert_cmpuint (fake_count (fake, "/backend-api/wham/usage"), ==, 1);
  advance_and_wait (fake, 1, "/backend-api/wham/usage", 2);
  sy_clock_advance (fake->clock, 600 * SECOND);
  spin ();
  g_assert_cmpuint (fake_count (fake, "/api/oauth/usage"), ==, 1);

  /* no registry at all: nothing left to read */
  sy_quota_poller_set_registry (poll.poller, NULL);
  g_assert_cmpint (sy_quota_poller_get_next_read (poll.poller, codex_id), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/quota-reader/claude", test_claude);
  g_test_add_func ("/quota-reader/claude-limits-only", test_claude_limits_only);
  g_test_add_func ("/quota-reader/codex", test_codex);
  g_test_add_func ("/quota-reader/gemini-cli", test_gemini_cli);
  g_test_add_func ("/quota-reader/antigravity-summary", test_antigravity_summary);
  g_test_add_func ("/quota-reader/antigravity-fallback", test_antigravity_fallback);
  g_test_add_func ("/quota-reader/kimi", test_kimi);
  g_test_add_func ("/quota-reader/absurd-numbers", test_absurd_numbers);
  g_test_add_func ("/quota-reader/xai", test_xai);
  g_test_add_func ("/quota-reader/errors", test_errors);
  g_test_add_func ("/quota-reader/unreachable", test_unreachable);
  g_test_add_func ("/quota-reader/not-supported", test_not_supported);
  g_test_add_func ("/quota-reader/usage-endpoint", test_usage_endpoint);
  g_test_add_func ("/quota-poller/interval", test_poller_interval);
  g_test_add_func ("/quota-poller/interval-config", test_poller_interval_config);
  g_test_add_func ("/quota-poller/failure", test_poller_failure);
  g_test_add_func ("/quota-poller/on-demand", test_poller_on_demand);
  g_test_add_func ("/quota-poller/registry-swap", test_poller_registry_swap);
  return g_test_run ();
}
