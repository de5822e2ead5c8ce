/* test-amp.c: the Amp CLI module over real HTTP on 127.0.0.1
 *
 * Two fake upstreams: one is the provider Switchyard's own accounts use,
 * the other stands in for ampcode.com and records what reaches it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "fake-upstream.h"
#include "http-test-util.h"
#include "mgmt-test-util.h"
#include "sy-amp.h"
#include "sy-log.h"
#include "sy-request-log.h"
#include "switchyard.h"

#define CLIENT_KEY   "sk-amp-client-canary-1a2b"
#define CLIENT_KEY2  "sk-amp-client-canary-3c4d"
#define MGMT_KEY     "mgmt-amp-canary-9e8f"
#define AMP_KEY      "amp-upstream-canary-5566"
#define AMP_KEY2     "amp-upstream-mapped-canary-7788"
#define LOCAL_KEY    "sk-local-compat-canary-0101"
#define CLAUDE_KEY   "sk-ant-local-canary-0202"

typedef struct
{
  FakeUpstream       *local;      /* the provider behind Switchyard's accounts */
  FakeUpstream       *amp;        /* "ampcode.com" */
  char               *dir;
  char               *config_path;
  SyService          *service;
  char               *base;
  SoupSession        *session;
  /* The last request the Amp fake's own pages and API got. */
  guint               amp_hits;
  char               *amp_path;
  char               *amp_query;
  char               *amp_method;
  SoupMessageHeaders *amp_headers;
} Fixture;

static void
on_amp_page (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  Fixture *f = user_data;
  const char *q = g_uri_get_query (soup_server_message_get_uri (msg));
  g_autofree char *body = g_strdup_printf ("{\"amp\":\"%s\"}", path);

  f->amp_hits++;
  g_free (f->amp_path);
  f->amp_path = g_strdup (path);
  g_free (f->amp_query);
  f->amp_query = g_strdup (q);
  g_free (f->amp_method);
  f->amp_method = g_strdup (soup_server_message_get_method (msg));
  g_clear_pointer (&f->amp_headers, soup_message_headers_unref);
  f->amp_headers = soup_message_headers_ref (soup_server_message_get_request_headers (msg));
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "X-Amp-Page", "yes");
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static void
write_config (Fixture    *f,
              const char *extra)
{
  const char *local = fake_upstream_get_url (f->local);
  g_autoptr(GString) more = g_string_new (extra ? extra : "");
  g_autofree char *yaml = NULL;

  g_string_replace (more, "AMPURL", fake_upstream_get_url (f->amp), 0);
  yaml = g_strdup_printf (
    "host: %s\n"
    "port: 0\n"
    "api-keys: [\"" CLIENT_KEY "\", \"" CLIENT_KEY2 "\"]\n"
    "upstream-idle-timeout: 2\n"
    "remote-management:\n  secret-key: \"" MGMT_KEY "\"\n  disable-control-panel: true\n"
    "%s"
    "claude-api-key:\n"
    "  - api-key: \"" CLAUDE_KEY "\"\n"
    "    base-url: \"%s\"\n"
    "    models: [{name: claude-echo}, {name: think-c}]\n"
    "openai-compatibility:\n"
    "  - name: local\n"
    "    base-url: \"%s/v1\"\n"
    "    api-key-entries: [{api-key: \"" LOCAL_KEY "\"}]\n"
    "    models: [{name: echo}, {name: think-a}]\n",
    g_str_has_prefix (more->str, "#all") ? "\"\"" : "127.0.0.1", more->str, local, local);
  mgmt_write_config (f->config_path, yaml);
}

static void
start_service (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_autofree char *usage = g_build_filename (f->dir, "usage.db", NULL);

  f->service = sy_service_new_from_file (f->config_path, &error);
  g_assert_no_error (error);
  /* A real SQLite usage file, in the test's directory. */
  sy_service_set_usage_file (f->service, usage);
  f->base = mgmt_start_service (f->service);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  static const char * const pages[] = { "/api/internal", "/api/user", "/api/telemetry", "/threads", "/docs",
                                        "/settings", "/auth", "/news.rss" };
  g_autoptr(GString) extra = g_string_new ("ampcode:\n  upstream-url: \"AMPURL\"\n  upstream-api-key: \"" AMP_KEY "\"\n");

  f->local = fake_upstream_new ();
  f->amp = fake_upstream_new ();
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    fake_upstream_add_handler (f->amp, pages[i], on_amp_page, f);
  f->dir = g_dir_make_tmp ("sy-amp-XXXXXX", &error);
  g_assert_no_error (error);
  f->config_path = g_build_filename (f->dir, "config.yaml", NULL);
  /* @data: more of the ampcode section ("  key: value\n" lines) or, from
   * "#all", a config listening on every interface. */
  if (data != NULL && g_str_has_prefix (data, "#all\n"))
    {
      g_string_prepend (extra, "#all\n");
      g_string_append (extra, (const char *) data + 5);
    }
  else if (data != NULL)
    g_string_append (extra, data);
  write_config (f, extra->str);
  start_service (f);
  f->session = soup_session_new_with_options ("timeout", 30, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  mgmt_stop_all (&f->session, &f->service, &f->local);
  g_clear_pointer (&f->amp, fake_upstream_free);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  dir = g_dir_open (f->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->config_path);
  g_free (f->base);
  g_free (f->amp_path);
  g_free (f->amp_query);
  g_free (f->amp_method);
  g_clear_pointer (&f->amp_headers, soup_message_headers_unref);
}

/* @key NULL: none; @more: "Name: value" headers, NULL-terminated (may be NULL). */
static void
request (Fixture            *f,
         const char         *method,
         const char         *path,
         const char         *key,
         const char         *body,
         const char * const *more,
         HttpResponse       *out)
{
  g_autofree char *url = g_strconcat (f->base, path, NULL);
  g_autoptr(GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);

  if (key != NULL)
    g_ptr_array_add (headers, g_strdup_printf ("Authorization: Bearer %s", key));
  for (guint i = 0; more != NULL && more[i] != NULL; i++)
    g_ptr_array_add (headers, g_strdup (more[i]));
  g_ptr_array_add (headers, NULL);
  http_request (f->session, method, url, body ? "application/json" : NULL, body, body ? strlen (body) : 0,
                (const char * const *) headers->pdata, out);
}

static void
post (Fixture      *f,
      const char   *path,
      const char   *body,
      HttpResponse *out)
{
  request (f, "POST", path, CLIENT_KEY, body, NULL, out);
}

static const char *
last_header (FakeUpstream *fake,
             const char   *name)
{
  const FakeRequest *last = fake_upstream_get_last (fake);

  g_assert_nonnull (last);
  return soup_message_headers_get_one (last->headers, name);
}

static void
assert_no_client_key (SoupMessageHeaders *headers)
{
  const char *names[] = { "Authorization", "X-Api-Key", "X-Goog-Api-Key" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *value = soup_message_headers_get_one (headers, names[i]);

      g_assert_true (value == NULL || strstr (value, "sk-amp-client") == NULL);
    }
}

/* ---------------------------------------------------------------------- */
/* Units                                                                   */

static void
test_classify (void)
{
  static const struct { const char *method, *path; SyAmpRouteKind kind; const char *local, *provider; } cases[] = {
    { "GET", "/api/provider/anthropic/v1/models", SY_AMP_ROUTE_PROVIDER, "/v1/models", "anthropic" },
    { "GET", "/api/provider/OpenAI/models", SY_AMP_ROUTE_PROVIDER, "/v1/models", "openai" },
    { "POST", "/api/provider/openai/chat/completions", SY_AMP_ROUTE_PROVIDER, "/v1/chat/completions", "openai" },
    { "POST", "/api/provider/openai/v1/chat/completions", SY_AMP_ROUTE_PROVIDER, "/v1/chat/completions", "openai" },
    { "POST", "/api/provider/openai/v1/responses", SY_AMP_ROUTE_PROVIDER, "/v1/responses", "openai" },
    { "POST", "/api/provider/openai/completions", SY_AMP_ROUTE_PROVIDER, NULL, "openai" },
    { "POST", "/api/provider/anthropic/v1/messages", SY_AMP_ROUTE_PROVIDER, "/v1/messages", "anthropic" },
    { "POST", "/api/provider/anthropic/v1/messages/count_tokens", SY_AMP_ROUTE_PROVIDER,
      "/v1/messages/count_tokens", "anthropic" },
    { "POST", "/api/provider/google/v1beta/models/g-1:generateContent", SY_AMP_ROUTE_PROVIDER,
      "/v1beta/models/g-1:generateContent", "google" },
    { "POST", "/api/provider/google/v1beta1/publishers/google/models/g-2:streamGenerateContent",
      SY_AMP_ROUTE_PROVIDER, "/v1beta/models/g-2:streamGenerateContent", "google" },
    { "GET", "/api/provider/google/v1beta1/publishers/google/models/g-2", SY_AMP_ROUTE_PROVIDER, NULL, "google" },
    { "GET", "/api/provider/openai/v1/nothing", SY_AMP_ROUTE_NONE, NULL, NULL },
    { "GET", "/api/internal", SY_AMP_ROUTE_PROXY, NULL, NULL },
    { "POST", "/api/threads/T-1", SY_AMP_ROUTE_PROXY, NULL, NULL },
    { "GET", "/api/internals", SY_AMP_ROUTE_NONE, NULL, NULL },
    { "GET", "/threads/T-1", SY_AMP_ROUTE_PROXY_ROOT, NULL, NULL },
    { "GET", "/threads.rss", SY_AMP_ROUTE_PROXY_ROOT, NULL, NULL },
    { "POST", "/threads/T-1", SY_AMP_ROUTE_NONE, NULL, NULL },
    { "POST", "/auth/cli-login", SY_AMP_ROUTE_PROXY_ROOT, NULL, NULL },
    { "GET", "/settings", SY_AMP_ROUTE_PROXY_ROOT, NULL, NULL },
    { "GET", "/news.rss", SY_AMP_ROUTE_PROXY_ROOT, NULL, NULL },
    { "GET", "/healthz", SY_AMP_ROUTE_NONE, NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *local = NULL;
      g_autofree char *provider = NULL;
      SyAmpRouteKind kind = sy_amp_classify (cases[i].method, cases[i].path, &local, &provider);

      g_test_message ("%s %s", cases[i].method, cases[i].path);
      g_assert_cmpint (kind, ==, cases[i].kind);
      g_assert_cmpstr (local, ==, cases[i].local);
      g_assert_cmpstr (provider, ==, cases[i].provider);
    }
}

static void
test_map_and_beta (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) config = sy_config_new_from_data (
    "ampcode:\n"
    "  model-mappings:\n"
    "    - {from: \"claude-.*\", to: by-regex-1, regex: true}\n"
    "    - {from: \"Claude-Opus-4\", to: by-name}\n"
    "    - {from: \"^claude-op\", to: by-regex-2, regex: true}\n",
    -1, "config.yaml", &error);
  g_autoptr(SyConfig) legacy = sy_config_new_from_data (
    "amp-model-mappings: [{from: old, to: new}]\n"
    "amp-upstream-url: \"http://127.0.0.1:9/\"\n", -1, "config.yaml", &error);
  g_autofree char *exact = NULL;
  g_autofree char *regex = NULL;
  g_autofree char *none = NULL;
  g_autofree char *old = NULL;
  g_autofree char *url = NULL;
  g_autofree char *beta = NULL;
  g_autofree char *beta_none = NULL;

  g_assert_no_error (error);
  /* An exact name wins over an earlier pattern; case does not matter. */
  exact = sy_amp_map_model (config, "claude-opus-4");
  g_assert_cmpstr (exact, ==, "by-name");
  /* Patterns in order: the first that matches. */
  regex = sy_amp_map_model (config, "claude-sonnet");
  g_assert_cmpstr (regex, ==, "by-regex-1");
  none = sy_amp_map_model (config, "gpt-5");
  g_assert_null (none);
  /* CLIProxyAPI's older spellings still count. */
  old = sy_amp_map_model (legacy, "OLD");
  g_assert_cmpstr (old, ==, "new");
  url = sy_amp_upstream_url (legacy);
  g_assert_cmpstr (url, ==, "http://127.0.0.1:9");

  beta = sy_amp_filter_beta ("interleaved-thinking-2025-05-14, context-1m-2025-08-07,oauth-2025-04-20");
  g_assert_cmpstr (beta, ==, "interleaved-thinking-2025-05-14,oauth-2025-04-20");
  beta_none = sy_amp_filter_beta ("context-1m-2025-08-07");
  g_assert_null (beta_none);
}

static void
test_key_order (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) full = sy_config_new_from_data (
    "ampcode:\n"
    "  upstream-api-key: \" configured \"\n"
    "  upstream-api-keys:\n"
    "    - {upstream-api-key: per-client, api-keys: [\"client-a\", \" client-b \"]}\n",
    -1, "config.yaml", &error);
  g_autoptr(SyConfig) bare = sy_config_new_default ();
  g_autofree char *home = g_dir_make_tmp ("sy-amp-home-XXXXXX", NULL);
  g_autofree char *amp_dir = g_build_filename (home, ".local", "share", "amp", NULL);
  g_autofree char *secrets = g_build_filename (amp_dir, "secrets.json", NULL);
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *other = NULL;
  g_autofree char *env = NULL;
  g_autofree char *file = NULL;
  g_autofree char *nothing = NULL;

  g_assert_no_error (error);
  g_unsetenv ("AMP_API_KEY");
  a = sy_amp_upstream_key (full, "client-a", home);
  b = sy_amp_upstream_key (full, "client-b", home);
  other = sy_amp_upstream_key (full, "client-c", home);
  g_assert_cmpstr (a, ==, "per-client");
  g_assert_cmpstr (b, ==, "per-client");
  g_assert_cmpstr (other, ==, "configured");

  nothing = sy_amp_upstream_key (bare, "client-a", home);
  g_assert_null (nothing);
  g_assert_cmpint (g_mkdir_with_parents (amp_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (secrets, "{\"apiKey@https://ampcode.com/\":\"from-secrets\"}", -1, NULL));
  file = sy_amp_upstream_key (bare, NULL, home);
  g_assert_cmpstr (file, ==, "from-secrets");
  g_setenv ("AMP_API_KEY", "from-env", TRUE);
  env = sy_amp_upstream_key (bare, NULL, home);
  g_assert_cmpstr (env, ==, "from-env");
  g_unsetenv ("AMP_API_KEY");

  g_unlink (secrets);
  g_rmdir (amp_dir);
  g_clear_pointer (&amp_dir, g_free);
  amp_dir = g_build_filename (home, ".local", "share", NULL);
  g_rmdir (amp_dir);
  g_clear_pointer (&amp_dir, g_free);
  amp_dir = g_build_filename (home, ".local", NULL);
  g_rmdir (amp_dir);
  g_rmdir (home);
}

/* ---------------------------------------------------------------------- */
/* Over HTTP                                                               */

static void
test_model_lists (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(HttpResponse) claude = { 0 };
  g_auto(HttpResponse) gemini = { 0 };
  g_auto(HttpResponse) openai = { 0 };
  g_auto(HttpResponse) nokey = { 0 };
  g_autoptr(JsonNode) c = NULL;
  g_autoptr(JsonNode) g = NULL;
  g_autoptr(JsonNode) o = NULL;
  g_autofree char *masked = sy_log_mask_secrets ("sent " AMP_KEY " upstream");

  /* The configured Amp key is masked in any log line. */
  g_assert_null (strstr (masked, AMP_KEY));

  request (f, "GET", "/api/provider/anthropic/v1/models", CLIENT_KEY, NULL, NULL, &claude);
  request (f, "GET", "/api/provider/google/models", CLIENT_KEY, NULL, NULL, &gemini);
  request (f, "GET", "/api/provider/openai/v1/models", CLIENT_KEY, NULL, NULL, &openai);
  request (f, "GET", "/api/provider/openai/v1/models", NULL, NULL, NULL, &nokey);
  g_assert_cmpuint (claude.status, ==, 200);
  g_assert_cmpuint (nokey.status, ==, 401);
  c = http_response_json (&claude);
  g = http_response_json (&gemini);
  o = http_response_json (&openai);
  g_assert_nonnull (http_json_at (c, "has_more"));
  g_assert_true (JSON_NODE_HOLDS_ARRAY (http_json_at (g, "models")));
  g_assert_cmpstr (http_json_string (o, "object"), ==, "list");
  g_assert_nonnull (strstr (openai.text, "\"think-a\""));
  g_assert_cmpuint (f->amp_hits + fake_upstream_get_n_requests (f->amp), ==, 0);
}

static void
test_local (Fixture       *f,
            gconstpointer  data)
{
  g_auto(HttpResponse) chat = { 0 };
  g_auto(HttpResponse) messages = { 0 };
  g_auto(HttpResponse) gemini = { 0 };
  g_auto(HttpResponse) responses = { 0 };
  g_auto(HttpResponse) count = { 0 };
  g_auto(HttpResponse) v1beta = { 0 };
  g_auto(HttpResponse) legacy = { 0 };
  g_auto(HttpResponse) v1beta1_get = { 0 };
  g_autoptr(JsonNode) root = NULL;
  static const char * const beta[] = { "Anthropic-Beta: context-1m-2025-08-07,oauth-2025-04-20", NULL };

  post (f, "/api/provider/openai/v1/chat/completions",
        "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &chat);
  g_assert_cmpuint (chat.status, ==, 200);
  root = http_response_json (&chat);
  g_assert_cmpstr (http_json_string (root, "model"), ==, "echo");
  g_assert_cmpuint (fake_upstream_get_n_requests (f->local), ==, 1);
  g_assert_cmpstr (last_header (f->local, "Authorization"), ==, "Bearer " LOCAL_KEY);

  /* Served by the Claude account; the 1M-context beta does not go there. */
  request (f, "POST", "/api/provider/anthropic/v1/messages", CLIENT_KEY,
           "{\"model\":\"claude-echo\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
           beta, &messages);
  g_assert_cmpuint (messages.status, ==, 200);
  g_assert_cmpstr (fake_upstream_get_last (f->local)->path, ==, "/v1/messages");
  g_assert_null (strstr (last_header (f->local, "Anthropic-Beta") ? last_header (f->local, "Anthropic-Beta") : "",
                         "context-1m"));

  /* The v1beta1 bridge: a Vertex-style path to the Gemini handler. */
  post (f, "/api/provider/google/v1beta1/publishers/google/models/echo:generateContent",
        "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}", &gemini);
  g_assert_cmpuint (gemini.status, ==, 200);
  g_assert_nonnull (strstr (gemini.text, "candidates"));
  g_assert_cmpuint (fake_upstream_get_n_requests (f->local), ==, 3);

  /* The other model routes, with and without /v1. */
  post (f, "/api/provider/openai/responses", "{\"model\":\"echo\",\"input\":\"hi\"}", &responses);
  g_assert_cmpuint (responses.status, ==, 200);
  g_assert_nonnull (strstr (responses.text, "\"object\":\"response\""));   /* a Responses answer */
  post (f, "/api/provider/anthropic/v1/messages/count_tokens",
        "{\"model\":\"claude-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &count);
  g_assert_cmpuint (count.status, ==, 200);
  g_assert_nonnull (strstr (count.text, "input_tokens"));
  post (f, "/api/provider/google/v1beta/models/echo:generateContent",
        "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}", &v1beta);
  g_assert_cmpuint (v1beta.status, ==, 200);
  g_assert_cmpuint (fake_upstream_get_n_requests (f->amp), ==, 0);

  /* Legacy completions and v1beta1 reads: only ampcode.com has them. */
  post (f, "/api/provider/openai/v1/completions", "{\"model\":\"echo\",\"prompt\":\"hi\"}", &legacy);
  g_assert_cmpuint (fake_upstream_get_n_requests (f->amp), ==, 1);
  g_assert_cmpstr (fake_upstream_get_last (f->amp)->path, ==, "/api/provider/openai/v1/completions");
  request (f, "GET", "/api/provider/google/v1beta1/publishers/google/models/echo", CLIENT_KEY, NULL, NULL,
           &v1beta1_get);
  g_assert_cmpuint (fake_upstream_get_n_requests (f->amp), ==, 2);
  g_assert_cmpstr (fake_upstream_get_last (f->amp)->method, ==, "GET");
  g_assert_cmpstr (last_header (f->amp, "Authorization"), ==, "Bearer " AMP_KEY);
}

static void
test_mapping (Fixture       *f,
              gconstpointer  data)
{
  g_auto(HttpResponse) exact = { 0 };
  g_auto(HttpResponse) regex = { 0 };
  g_auto(HttpResponse) stream = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) sent = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const FakeRequest *last;

  post (f, "/api/provider/openai/v1/chat/completions",
        "{\"model\":\"GPT-Amp-Smart\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &exact);
  g_assert_cmpuint (exact.status, ==, 200);
  root = http_response_json (&exact);
  /* Served as echo, answered as the model asked for. */
  g_assert_cmpstr (http_json_string (root, "model"), ==, "GPT-Amp-Smart");
  last = fake_upstream_get_last (f->local);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (last->body, NULL),
                                             g_bytes_get_size (last->body), NULL));
  sent = json_node_ref (json_parser_get_root (parser));
  g_assert_cmpstr (http_json_string (sent, "model"), ==, "echo");

  post (f, "/api/provider/anthropic/v1/messages",
        "{\"model\":\"amp-fast-2\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &regex);
  g_assert_cmpuint (regex.status, ==, 200);
  g_clear_pointer (&root, json_node_unref);
  root = http_response_json (&regex);
  g_assert_cmpstr (http_json_string (root, "model"), ==, "amp-fast-2");
  g_assert_cmpstr (fake_upstream_get_last (f->local)->path, ==, "/v1/messages");

  /* Streamed: every event says the model asked for. */
  post (f, "/api/provider/openai/v1/chat/completions",
        "{\"model\":\"gpt-amp-smart\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        &stream);
  g_assert_cmpuint (stream.status, ==, 200);
  g_assert_nonnull (strstr (stream.text, "\"model\":\"gpt-amp-smart\""));
  g_assert_null (strstr (stream.text, "\"model\":\"echo\""));
  g_assert_nonnull (strstr (stream.text, "data: [DONE]"));
  g_assert_cmpuint (fake_upstream_get_n_requests (f->amp), ==, 0);
}

static void
test_force_mapping (Fixture       *f,
                    gconstpointer  data)
{
  g_auto(HttpResponse) r = { 0 };
  g_autoptr(JsonNode) root = NULL;

  /* echo is served here, but the forced mapping sends it to claude-echo. */
  post (f, "/api/provider/openai/v1/chat/completions",
        "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r);
  g_assert_cmpuint (r.status, ==, 200);
  root = http_response_json (&r);
  g_assert_cmpstr (http_json_string (root, "model"), ==, "echo");
  g_assert_cmpstr (fake_upstream_get_last (f->local)->path, ==, "/v1/messages");
  g_assert_cmpuint (fake_upstream_count_key (f->local, CLAUDE_KEY), ==, 1);
}

static void
test_fallback (Fixture       *f,
               gconstpointer  data)
{
  g_auto(HttpResponse) r = { 0 };
  g_auto(HttpResponse) mapped = { 0 };
  g_autoptr(JsonNode) root = NULL;
  static const char * const extra[] = { "X-Goog-Api-Key: " CLIENT_KEY, "X-Api-Key: " CLIENT_KEY,
                                        "X-Amp-Thread: T-42", NULL };
  const FakeRequest *last;

  request (f, "POST", "/api/provider/openai/v1/chat/completions?key=" CLIENT_KEY "&x=1", CLIENT_KEY,
           "{\"model\":\"gpt-not-here\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", extra, &r);
  g_assert_cmpuint (r.status, ==, 200);
  root = http_response_json (&r);
  g_assert_cmpstr (http_json_string (root, "model"), ==, "gpt-not-here");
  g_assert_cmpuint (fake_upstream_get_n_requests (f->local), ==, 0);
  g_assert_cmpuint (fake_upstream_get_n_requests (f->amp), ==, 1);
  last = fake_upstream_get_last (f->amp);
  /* As it came, under the same path; Amp's key in place of the client's. */
  g_assert_cmpstr (last->path, ==, "/api/provider/openai/v1/chat/completions");
  g_assert_cmpstr (last->query, ==, "x=1");
  g_assert_cmpstr (last_header (f->amp, "Authorization"), ==, "Bearer " AMP_KEY);
  g_assert_cmpstr (last_header (f->amp, "X-Api-Key"), ==, AMP_KEY);
  g_assert_null (last_header (f->amp, "X-Goog-Api-Key"));
  g_assert_cmpstr (last_header (f->amp, "X-Amp-Thread"), ==, "T-42");
  assert_no_client_key (last->headers);
  g_assert_cmpuint (fake_upstream_count_key (f->amp, CLIENT_KEY), ==, 0);

  /* The second client key has an upstream key of its own. */
  request (f, "POST", "/api/provider/anthropic/v1/messages", CLIENT_KEY2,
           "{\"model\":\"claude-not-here\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
           NULL, &mapped);
  g_assert_cmpuint (mapped.status, ==, 200);
  g_assert_cmpstr (fake_upstream_get_last (f->amp)->path, ==, "/api/provider/anthropic/v1/messages");
  g_assert_cmpstr (last_header (f->amp, "Authorization"), ==, "Bearer " AMP_KEY2);
  g_assert_cmpuint (fake_upstream_count_key (f->amp, CLIENT_KEY2), ==, 0);
  g_assert_cmpuint (fake_upstream_get_n_requests (f->local), ==, 0);
}

static void
test_fallback_stream (Fixture       *f,
                      gconstpointer  data)
{
  g_auto(HttpResponse) r = { 0 };
  g_auto(HttpResponse) cut = { 0 };
  const char *type;

  post (f, "/api/provider/openai/v1/chat/completions",
        "{\"model\":\"slow-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r);
  g_assert_cmpuint (r.status, ==, 200);
  type = soup_message_headers_get_content_type (r.headers, NULL);
  g_assert_cmpstr (type, ==, "text/event-stream");
  g_assert_nonnull (strstr (r.text, "data: [DONE]"));
  g_assert_cmpuint (fake_upstream_get_n_requests (f->amp), ==, 1);

  /* The upstream cuts its stream: the client is told so in the stream. */
  post (f, "/api/provider/openai/v1/chat/completions",
        "{\"model\":\"drop\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &cut);
  g_assert_cmpuint (cut.status, ==, 200);
  g_assert_nonnull (strstr (cut.text, "event: error"));
  g_assert_nonnull (strstr (cut.text, "broke off"));
  g_assert_cmpuint (fake_upstream_get_n_requests (f->local), ==, 0);
}

static JsonNode *wait_for_usage (Fixture *f, gint64 n);
static JsonNode *model_usage (JsonNode *usage, const char *model);

static void
test_upstream_down (Fixture       *f,
                    gconstpointer  data)
{
  g_auto(HttpResponse) r = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) usage = NULL;

  /* Nothing listens where the Amp upstream was. */
  g_clear_pointer (&f->amp, fake_upstream_free);
  post (f, "/api/provider/openai/v1/chat/completions",
        "{\"model\":\"gpt-not-here\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r);
  g_assert_cmpuint (r.status, ==, 502);
  root = http_response_json (&r);
  g_assert_nonnull (strstr (http_json_string (root, "error.message"), "Amp upstream"));
  g_assert_null (strstr (r.text, AMP_KEY));
  /* Counted as a failed request, and no longer active. */
  g_assert_cmpuint (sy_service_get_n_active_requests (f->service), ==, 0);
  usage = wait_for_usage (f, 1);
  g_assert_cmpint (http_json_int (usage, "usage.failure_count"), ==, 1);
  g_assert_true (json_node_get_boolean (http_json_at (model_usage (usage, "gpt-not-here"), "details.0.failed")));
}

static void
test_thinking (Fixture       *f,
               gconstpointer  data)
{
  g_auto(HttpResponse) compat = { 0 };
  g_auto(HttpResponse) compat_stream = { 0 };
  g_auto(HttpResponse) claude = { 0 };
  g_auto(HttpResponse) chat = { 0 };
#define THINK_REQ(model, stream) \
  "{\"model\":\"" model "\",\"max_tokens\":50,\"stream\":" stream "," \
  "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
  g_autofree char *a = g_strdup (THINK_REQ ("think-a", "false"));
  g_autofree char *a_stream = g_strdup (THINK_REQ ("think-a", "true"));
  g_autofree char *c = g_strdup (THINK_REQ ("think-c", "false"));
  g_autoptr(JsonNode) root = NULL;

  /* Not Claude's thinking: left out, the text stays block 0. */
  post (f, "/api/provider/anthropic/v1/messages", a, &compat);
  g_assert_cmpuint (compat.status, ==, 200);
  g_assert_null (strstr (compat.text, "\"thinking\""));
  root = http_response_json (&compat);
  g_assert_cmpstr (http_json_string (root, "content.0.type"), ==, "text");
  post (f, "/api/provider/anthropic/v1/messages", a_stream, &compat_stream);
  g_assert_cmpuint (compat_stream.status, ==, 200);
  g_assert_null (strstr (compat_stream.text, "thinking"));
  g_assert_nonnull (strstr (compat_stream.text, "\"index\":0"));
  g_assert_null (strstr (compat_stream.text, "\"index\":1"));
  g_assert_nonnull (strstr (compat_stream.text, "message_stop"));

  /* Claude's own thinking goes back to it. */
  post (f, "/api/provider/anthropic/v1/messages", c, &claude);
  g_assert_cmpuint (claude.status, ==, 200);
  g_assert_nonnull (strstr (claude.text, "\"thinking\""));

  /* The chat format's reasoning text is left out too. */
  post (f, "/api/provider/openai/v1/chat/completions",
       "{\"model\":\"think-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &chat);
  g_assert_cmpuint (chat.status, ==, 200);
  g_assert_null (strstr (chat.text, "reasoning_content"));
}

static void
test_pages (Fixture       *f,
            gconstpointer  data)
{
  g_auto(HttpResponse) internal = { 0 };
  g_auto(HttpResponse) nokey = { 0 };
  g_auto(HttpResponse) thread = { 0 };
  g_auto(HttpResponse) login = { 0 };
  g_auto(HttpResponse) rss = { 0 };
  static const char * const origin[] = { "Origin: http://localhost:5173", NULL };

  request (f, "POST", "/api/internal?getUserInfo", CLIENT_KEY, "{\"method\":\"getUserInfo\"}", NULL, &internal);
  g_assert_cmpuint (internal.status, ==, 200);
  g_assert_cmpstr (f->amp_path, ==, "/api/internal");
  g_assert_cmpstr (f->amp_query, ==, "getUserInfo");
  g_assert_cmpstr (f->amp_method, ==, "POST");
  g_assert_cmpstr (soup_message_headers_get_one (f->amp_headers, "Authorization"), ==, "Bearer " AMP_KEY);
  assert_no_client_key (f->amp_headers);
  g_assert_cmpstr (soup_message_headers_get_one (internal.headers, "X-Amp-Page"), ==, "yes");

  /* /api/... wants the client key; the pages a browser opens do not. */
  request (f, "GET", "/api/user", NULL, NULL, NULL, &nokey);
  g_assert_cmpuint (nokey.status, ==, 401);
  request (f, "GET", "/threads/T-1", NULL, NULL, origin, &thread);
  g_assert_cmpuint (thread.status, ==, 200);
  g_assert_cmpstr (f->amp_path, ==, "/threads/T-1");
  g_assert_null (soup_message_headers_get_one (thread.headers, "Access-Control-Allow-Origin"));
  request (f, "POST", "/auth/cli-login", NULL, "{}", NULL, &login);
  g_assert_cmpuint (login.status, ==, 200);
  g_assert_cmpstr (f->amp_method, ==, "POST");
  request (f, "GET", "/news.rss", NULL, NULL, NULL, &rss);
  g_assert_cmpuint (rss.status, ==, 200);
  g_assert_cmpuint (f->amp_hits, ==, 4);
}

static void
test_loopback_only (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *address = mgmt_outside_address ();
  g_autofree char *outside = NULL;
  g_autofree char *url = NULL;
  g_auto(HttpResponse) refused = { 0 };
  g_auto(HttpResponse) refused_api = { 0 };
  g_auto(HttpResponse) served = { 0 };
  g_auto(HttpResponse) model = { 0 };
  static const char * const key[] = { "Authorization: Bearer " CLIENT_KEY, NULL };

  if (address == NULL)
    {
      g_test_skip ("this machine has no address but loopback");
      return;
    }
  outside = g_strdup_printf ("http://%s:%u", address, sy_service_get_port (f->service));
  url = g_strconcat (outside, "/threads/T-1", NULL);
  http_request (f->session, "GET", url, NULL, NULL, 0, NULL, &refused);
  g_assert_cmpuint (refused.status, ==, 403);
  g_clear_pointer (&url, g_free);
  url = g_strconcat (outside, "/api/user", NULL);
  http_request (f->session, "GET", url, NULL, NULL, 0, key, &refused_api);
  g_assert_cmpuint (refused_api.status, ==, 403);
  g_assert_cmpuint (f->amp_hits, ==, 0);

  /* From this machine they go through; model calls are not management. */
  request (f, "GET", "/threads/T-1", NULL, NULL, NULL, &served);
  g_assert_cmpuint (served.status, ==, 200);
  g_clear_pointer (&url, g_free);
  url = g_strconcat (outside, "/api/provider/openai/v1/chat/completions", NULL);
  http_request (f->session, "POST", url, "application/json",
                "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                strlen ("{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), key, &model);
  g_assert_cmpuint (model.status, ==, 200);
}

static void
mgmt (Fixture      *f,
      const char   *method,
      const char   *path,
      const char   *body,
      HttpResponse *out)
{
  mgmt_request (f->session, f->base, method, path, MGMT_KEY, body ? "application/json" : NULL, body,
                body ? strlen (body) : 0, out);
}

static void
test_management (Fixture       *f,
                 gconstpointer  data)
{
  g_auto(HttpResponse) get_url = { 0 };
  g_auto(HttpResponse) put_url = { 0 };
  g_auto(HttpResponse) get_key = { 0 };
  g_auto(HttpResponse) put_restrict = { 0 };
  g_auto(HttpResponse) put_maps = { 0 };
  g_auto(HttpResponse) patch_maps = { 0 };
  g_auto(HttpResponse) del_maps = { 0 };
  g_auto(HttpResponse) put_keys = { 0 };
  g_auto(HttpResponse) patch_keys = { 0 };
  g_auto(HttpResponse) del_keys_bad = { 0 };
  g_auto(HttpResponse) del_keys = { 0 };
  g_auto(HttpResponse) get_all = { 0 };
  g_auto(HttpResponse) get_keys = { 0 };
  g_auto(HttpResponse) force = { 0 };
  g_auto(HttpResponse) served = { 0 };
  g_auto(HttpResponse) put_masked = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) shown = NULL;
  g_autofree char *text = NULL;
  g_autofree char *body = NULL;

  mgmt (f, "GET", "/ampcode/upstream-url", NULL, &get_url);
  g_assert_cmpuint (get_url.status, ==, 200);
  g_assert_nonnull (strstr (get_url.text, fake_upstream_get_url (f->amp)));
  mgmt (f, "GET", "/ampcode/upstream-api-key", NULL, &get_key);
  g_assert_null (strstr (get_key.text, AMP_KEY));   /* masked */

  /* Its masked form sent back (a form saved unchanged) keeps the key. */
  shown = http_response_json (&get_key);
  body = g_strdup_printf ("{\"value\":\"%s\"}", http_json_string (shown, "upstream-api-key"));
  mgmt (f, "PUT", "/ampcode/upstream-api-key", body, &put_masked);
  g_assert_cmpuint (put_masked.status, ==, 200);
  g_assert_true (g_file_get_contents (f->config_path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, AMP_KEY));
  g_clear_pointer (&text, g_free);

  mgmt (f, "PUT", "/ampcode/upstream-url", "{\"value\":\"http://127.0.0.1:1/amp\"}", &put_url);
  g_assert_cmpuint (put_url.status, ==, 200);
  mgmt (f, "PATCH", "/ampcode/restrict-management-to-localhost", "{\"value\":true}", &put_restrict);
  g_assert_cmpuint (put_restrict.status, ==, 200);
  mgmt (f, "PUT", "/ampcode/model-mappings",
        "{\"value\":[{\"from\":\"a-model\",\"to\":\"echo\"},{\"from\":\"b-.*\",\"to\":\"echo\",\"regex\":true}]}",
        &put_maps);
  g_assert_cmpuint (put_maps.status, ==, 200);
  mgmt (f, "PATCH", "/ampcode/model-mappings", "{\"value\":[{\"from\":\"a-model\",\"to\":\"claude-echo\"}]}",
        &patch_maps);
  g_assert_cmpuint (patch_maps.status, ==, 200);
  mgmt (f, "DELETE", "/ampcode/model-mappings", "{\"value\":[\"b-.*\"]}", &del_maps);
  g_assert_cmpuint (del_maps.status, ==, 200);
  mgmt (f, "PUT", "/ampcode/upstream-api-keys",
        "{\"value\":[{\"upstream-api-key\":\"up-key-number-one-1111\",\"api-keys\":[\"c-1\"]},"
        "{\"upstream-api-key\":\"up-key-number-two-2222\",\"api-keys\":[\"c-2\"]}]}", &put_keys);
  g_assert_cmpuint (put_keys.status, ==, 200);
  mgmt (f, "PATCH", "/ampcode/upstream-api-keys",
        "{\"value\":[{\"upstream-api-key\":\"up-key-number-two-2222\",\"api-keys\":[\"c-2\",\"c-3\"]}]}", &patch_keys);
  g_assert_cmpuint (patch_keys.status, ==, 200);
  mgmt (f, "DELETE", "/ampcode/upstream-api-keys", "{}", &del_keys_bad);
  g_assert_cmpuint (del_keys_bad.status, ==, 400);
  mgmt (f, "DELETE", "/ampcode/upstream-api-keys", "{\"value\":[\"up-key-number-one-1111\"]}", &del_keys);
  g_assert_cmpuint (del_keys.status, ==, 200);
  mgmt (f, "PUT", "/ampcode/force-model-mappings", "{\"value\":true}", &force);
  g_assert_cmpuint (force.status, ==, 200);

  /* In the file, under ampcode. */
  g_assert_true (g_file_get_contents (f->config_path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "http://127.0.0.1:1/amp"));
  g_assert_nonnull (strstr (text, "restrict-management-to-localhost: true"));
  g_assert_nonnull (strstr (text, "a-model"));
  g_assert_null (strstr (text, "b-.*"));
  g_assert_null (strstr (text, "up-key-number-one-1111"));
  g_assert_nonnull (strstr (text, "c-3"));

  mgmt (f, "GET", "/ampcode", NULL, &get_all);
  g_assert_cmpuint (get_all.status, ==, 200);
  root = http_response_json (&get_all);
  g_assert_cmpstr (http_json_string (root, "ampcode.upstream-url"), ==, "http://127.0.0.1:1/amp");
  g_assert_true (json_node_get_boolean (http_json_at (root, "ampcode.force-model-mappings")));
  g_assert_cmpstr (http_json_string (root, "ampcode.model-mappings.0.to"), ==, "claude-echo");
  g_assert_null (strstr (get_all.text, AMP_KEY));
  mgmt (f, "GET", "/ampcode/upstream-api-keys", NULL, &get_keys);
  g_assert_cmpuint (get_keys.status, ==, 200);
  g_assert_null (strstr (get_keys.text, "\"up-key-number-two-2222\""));   /* masked */

  /* And in effect: the reloaded config maps a-model to claude-echo. */
  post (f, "/api/provider/openai/v1/chat/completions",
        "{\"model\":\"a-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &served);
  g_assert_cmpuint (served.status, ==, 200);
  g_assert_cmpstr (fake_upstream_get_last (f->local)->path, ==, "/v1/messages");
}

/* ---------------------------------------------------------------------- */
/* Counted like every request: usage, request log, active count           */

static JsonNode *
get_usage (Fixture *f)
{
  g_auto(HttpResponse) r = { 0 };

  mgmt_request (f->session, f->base, "GET", "/usage", MGMT_KEY, NULL, NULL, 0, &r);
  g_assert_cmpuint (r.status, ==, 200);
  /* Masked labels only, never a key. */
  g_assert_null (strstr (r.text, CLIENT_KEY));
  g_assert_null (strstr (r.text, AMP_KEY));
  return http_response_json (&r);
}

typedef struct
{
  Fixture *f;
  gint64   n;
} UsageWait;

static gboolean
usage_has (gpointer data)
{
  UsageWait *w = data;
  g_autoptr(JsonNode) root = get_usage (w->f);

  return http_json_int (root, "usage.total_requests") >= w->n;
}

/* The usage once it has @n requests (and no more come within a moment). */
static JsonNode *
wait_for_usage (Fixture *f,
                gint64   n)
{
  UsageWait w = { f, n };

  g_assert_true (http_spin_until (usage_has, &w, 5000));
  http_spin_for (200);
  return get_usage (f);
}

/* The usage of @model under the client key's masked label. */
static JsonNode *
model_usage (JsonNode   *usage,
             const char *model)
{
  g_autofree char *label = sy_mask_secret (CLIENT_KEY);
  g_autofree char *at = g_strdup_printf ("models.%s", model);
  JsonNode *apis = http_json_at (usage, "usage.apis");
  JsonNode *api;

  /* The label has dots in it ("sk-...1a2b"): looked up by hand. */
  g_assert_nonnull (apis);
  api = json_object_get_member (json_node_get_object (apis), label);
  g_assert_nonnull (api);
  g_assert_nonnull (http_json_at (api, at));
  return http_json_at (api, at);
}

static gboolean
no_active (gpointer data)
{
  return sy_service_get_n_active_requests (((Fixture *) data)->service) == 0;
}

static void
test_usage (Fixture       *f,
            gconstpointer  data)
{
  g_auto(HttpResponse) chat = { 0 };
  g_auto(HttpResponse) stream = { 0 };
  g_auto(HttpResponse) gemini = { 0 };
  g_auto(HttpResponse) internal = { 0 };
  g_auto(HttpResponse) local = { 0 };
  g_auto(HttpResponse) legacy = { 0 };
  g_autoptr(JsonNode) usage = NULL;
  JsonNode *m;

  /* To ampcode.com: a whole answer (OpenAI usage 5 + 4), a Claude stream
   * (message_start 5 in, message_delta 20 out), a Gemini answer. */
  post (f, "/api/provider/openai/v1/chat/completions",
        "{\"model\":\"gpt-not-here\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &chat);
  g_assert_cmpuint (chat.status, ==, 200);
  post (f, "/api/provider/anthropic/v1/messages",
        "{\"model\":\"claude-not-here\",\"stream\":true,\"max_tokens\":5,"
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &stream);
  g_assert_cmpuint (stream.status, ==, 200);
  g_assert_nonnull (strstr (stream.text, "message_delta"));
  post (f, "/api/provider/google/v1beta/models/gem-not-here:generateContent",
        "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}", &gemini);
  g_assert_cmpuint (gemini.status, ==, 200);
  /* Amp's own API: no usage row (it is no model call). */
  request (f, "GET", "/api/internal?x=1", CLIENT_KEY, NULL, NULL, &internal);
  g_assert_cmpuint (internal.status, ==, 200);
  /* Served here: the pipeline's row, as before. */
  post (f, "/api/provider/openai/v1/chat/completions",
        "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &local);
  g_assert_cmpuint (local.status, ==, 200);
  /* Legacy completions go to ampcode.com without the fallback handler:
   * the model comes from the body. */
  post (f, "/api/provider/openai/v1/completions", "{\"model\":\"legacy-m\",\"prompt\":\"hi\"}", &legacy);
  g_assert_cmpuint (fake_upstream_get_n_requests (f->amp), ==, 4);

  usage = wait_for_usage (f, 5);
  g_assert_cmpint (http_json_int (usage, "usage.total_requests"), ==, 5);
  m = model_usage (usage, "legacy-m");
  g_assert_cmpint (http_json_int (m, "total_requests"), ==, 1);
  /* The fake has no legacy route: ampcode.com's 404, a failed row. */
  g_assert_cmpuint (legacy.status, ==, 404);
  g_assert_true (json_node_get_boolean (http_json_at (m, "details.0.failed")));
  g_assert_cmpint (http_json_int (usage, "usage.failure_count"), ==, 1);

  m = model_usage (usage, "gpt-not-here");
  g_assert_cmpint (http_json_int (m, "total_requests"), ==, 1);
  /* The account is the Amp upstream, by its URL. */
  g_assert_cmpstr (http_json_string (m, "details.0.source"), ==, fake_upstream_get_url (f->amp));
  g_assert_cmpint (http_json_int (m, "details.0.tokens.input_tokens"), ==, 5);
  g_assert_cmpint (http_json_int (m, "details.0.tokens.output_tokens"), ==, 4);
  g_assert_false (json_node_get_boolean (http_json_at (m, "details.0.failed")));

  m = model_usage (usage, "claude-not-here");
  g_assert_cmpint (http_json_int (m, "details.0.tokens.input_tokens"), ==, 5);
  g_assert_cmpint (http_json_int (m, "details.0.tokens.output_tokens"), ==, 20);

  m = model_usage (usage, "gem-not-here");
  g_assert_cmpint (http_json_int (m, "details.0.tokens.input_tokens"), ==, 5);
  g_assert_cmpint (http_json_int (m, "details.0.tokens.output_tokens"), ==, 4);

  m = model_usage (usage, "echo");
  g_assert_cmpstr (http_json_string (m, "details.0.source"), !=, fake_upstream_get_url (f->amp));
  g_assert_true (no_active (f));
}

/* The request log names the file by the X-Request-Id the client got. */
static char *
read_request_log (Fixture    *f,
                  const char *id)
{
  g_autofree char *suffix = g_strdup_printf ("-%s.log", id);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  /* The client may have its answer a moment before the server has
   * finished the call (and queued its log): wait for it. */
  do
    {
      g_autoptr(GDir) dir = NULL;
      const char *name;

      while (g_main_context_iteration (NULL, FALSE))
        ;
      sy_request_log_wait ();
      dir = g_dir_open (f->dir, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_prefix (name, "request-") && g_str_has_suffix (name, suffix))
          {
            g_autofree char *path = g_build_filename (f->dir, name, NULL);
            char *text = NULL;

            g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
            return text;
          }
      g_usleep (10 * 1000);
    }
  while (g_get_monotonic_time () < deadline);
  return NULL;
}

static void
test_request_log (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(HttpResponse) chat = { 0 };
  g_auto(HttpResponse) internal = { 0 };
  g_autofree char *chat_log = NULL;
  g_autofree char *internal_log = NULL;
  static const char * const extra[] = { "X-Goog-Api-Key: " CLIENT_KEY, NULL };
  const char *id;

  request (f, "POST", "/api/provider/openai/v1/chat/completions?key=" CLIENT_KEY, CLIENT_KEY,
           "{\"model\":\"gpt-not-here\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", extra, &chat);
  g_assert_cmpuint (chat.status, ==, 200);
  id = soup_message_headers_get_one (chat.headers, "X-Request-Id");
  g_assert_nonnull (id);
  chat_log = read_request_log (f, id);
  g_assert_nonnull (chat_log);
  /* The client's request, the call to the Amp upstream and its answer... */
  g_assert_nonnull (strstr (chat_log, "/api/provider/openai/v1/chat/completions"));
  g_assert_nonnull (strstr (chat_log, fake_upstream_get_url (f->amp)));
  g_assert_nonnull (strstr (chat_log, "\"gpt-not-here\""));
  g_assert_nonnull (strstr (chat_log, "chat.completion"));
  /* ...and neither the client's key nor the Amp key. */
  g_assert_null (strstr (chat_log, CLIENT_KEY));
  g_assert_null (strstr (chat_log, AMP_KEY));

  /* Amp's own API calls are recorded too. */
  request (f, "GET", "/api/internal?x=1", CLIENT_KEY, NULL, NULL, &internal);
  g_assert_cmpuint (internal.status, ==, 200);
  id = soup_message_headers_get_one (internal.headers, "X-Request-Id");
  g_assert_nonnull (id);
  internal_log = read_request_log (f, id);
  g_assert_nonnull (internal_log);
  g_assert_nonnull (strstr (internal_log, "/api/internal"));
  g_assert_nonnull (strstr (internal_log, "{\"amp\":\"/api/internal\"}"));
  g_assert_null (strstr (internal_log, CLIENT_KEY));
  g_assert_null (strstr (internal_log, AMP_KEY));
}

typedef struct
{
  GInputStream *stream;
  GError       *error;
  gboolean      sent;
} Sent;

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Sent *sent = user_data;

  sent->stream = soup_session_send_finish (SOUP_SESSION (source), result, &sent->error);
  sent->sent = TRUE;
}

static gboolean
is_sent (gpointer data)
{
  return ((Sent *) data)->sent;
}

static gboolean
amp_aborted (gpointer data)
{
  return fake_upstream_get_n_aborted (((Fixture *) data)->amp) > 0;
}

static void
test_active (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *url = g_strconcat (f->base, "/api/provider/openai/v1/chat/completions", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = g_bytes_new_static (
    "{\"model\":\"slow-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
    strlen ("{\"model\":\"slow-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
  g_auto(HttpResponse) done = { 0 };
  g_autoptr(JsonNode) usage = NULL;
  Sent sent = { 0 };

  g_assert_cmpuint (sy_service_get_n_active_requests (f->service), ==, 0);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer " CLIENT_KEY);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  soup_session_send_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, on_sent, &sent);

  /* The stream has begun (2 s of it to come): one active request. */
  g_assert_true (http_spin_until (is_sent, &sent, 5000));
  g_assert_no_error (sent.error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_cmpuint (sy_service_get_n_active_requests (f->service), ==, 1);

  /* The client leaves: the upstream is cancelled, the count goes down and
   * the row says the client went away (499, failed). */
  g_input_stream_close (sent.stream, NULL, NULL);
  g_clear_object (&sent.stream);
  soup_session_abort (f->session);
  g_assert_true (http_spin_until (amp_aborted, f, 5000));
  g_assert_true (http_spin_until (no_active, f, 5000));
  usage = wait_for_usage (f, 1);
  g_assert_true (json_node_get_boolean (http_json_at (model_usage (usage, "slow-stream"), "details.0.failed")));

  /* A whole stream: counted while it lasts, not after. */
  post (f, "/api/provider/openai/v1/chat/completions",
        "{\"model\":\"slow-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &done);
  g_assert_cmpuint (done.status, ==, 200);
  g_assert_nonnull (strstr (done.text, "[DONE]"));
  g_assert_true (http_spin_until (no_active, f, 5000));
}

/* Stopping the service mid-stream ends the call to ampcode.com too. */
static void
test_stop_during_proxy (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *url = g_strconcat (f->base, "/api/provider/openai/v1/chat/completions", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  const char *json = "{\"model\":\"slow-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  g_autoptr(GBytes) body = g_bytes_new_static (json, strlen (json));
  Sent sent = { 0 };

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer " CLIENT_KEY);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  soup_session_send_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, on_sent, &sent);
  g_assert_true (http_spin_until (is_sent, &sent, 5000));
  g_assert_no_error (sent.error);
  g_assert_cmpuint (sy_service_get_n_active_requests (f->service), ==, 1);

  sy_service_stop (f->service);
  g_clear_object (&f->service);
  g_assert_true (http_spin_until (amp_aborted, f, 5000));
  g_clear_object (&sent.stream);
}

/* Gemini's alt: absent or "sse" streams SSE, anything else one JSON array
 * of the chunks; either way the answer is rewritten for Amp. */
static void
test_gemini_alt (Fixture       *f,
                 gconstpointer  data)
{
  g_auto(HttpResponse) json = { 0 };
  g_auto(HttpResponse) sse = { 0 };
  g_auto(HttpResponse) think = { 0 };
  g_auto(HttpResponse) think_sse = { 0 };
  g_auto(HttpResponse) proxied = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) think_root = NULL;
  JsonArray *chunks;
  const char *body = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}";

  /* Mapped to "echo": every chunk of the array names the model Amp asked for. */
  post (f, "/api/provider/google/v1beta/models/gpt-amp-smart:streamGenerateContent?alt=json", body, &json);
  g_assert_cmpuint (json.status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (json.headers, NULL), ==, "application/json");
  root = http_response_json (&json);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  chunks = json_node_get_array (root);
  g_assert_cmpuint (json_array_get_length (chunks), >, 1);
  for (guint i = 0; i < json_array_get_length (chunks); i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (chunks, i), "modelVersion"),
                     ==, "gpt-amp-smart");
  g_assert_null (strstr (json.text, "\"echo\""));
  g_assert_cmpstr (fake_upstream_get_last (f->local)->path, ==, "/v1/chat/completions");

  /* alt=sse: the same chunks as events. */
  post (f, "/api/provider/google/v1beta/models/gpt-amp-smart:streamGenerateContent?alt=sse", body, &sse);
  g_assert_cmpuint (sse.status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (sse.headers, NULL), ==, "text/event-stream");
  g_assert_nonnull (strstr (sse.text, "data: {"));
  g_assert_nonnull (strstr (sse.text, "\"modelVersion\":\"gpt-amp-smart\""));
  g_assert_null (strstr (sse.text, "\"echo\""));

  /* Not Claude's thoughts: left out of the array as of the events. */
  post (f, "/api/provider/google/v1beta/models/think-a:streamGenerateContent?alt=json", body, &think);
  g_assert_cmpuint (think.status, ==, 200);
  think_root = http_response_json (&think);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (think_root));
  g_assert_null (strstr (think.text, "\"thought\""));
  g_assert_nonnull (strstr (think.text, "\"text\""));
  post (f, "/api/provider/google/v1beta/models/think-a:streamGenerateContent", body, &think_sse);
  g_assert_cmpuint (think_sse.status, ==, 200);
  g_assert_nonnull (strstr (think_sse.text, "data: {"));
  g_assert_null (strstr (think_sse.text, "\"thought\""));

  /* To ampcode.com: alt as the client gave it, the ?key= left out. */
  post (f, "/api/provider/google/v1beta/models/gem-not-here:streamGenerateContent?alt=json&key=" CLIENT_KEY,
        body, &proxied);
  g_assert_cmpuint (proxied.status, ==, 200);
  g_assert_cmpstr (fake_upstream_get_last (f->amp)->path, ==,
                   "/api/provider/google/v1beta/models/gem-not-here:streamGenerateContent");
  g_assert_cmpstr (fake_upstream_get_last (f->amp)->query, ==, "alt=json");
}

/* Amp's keys from outside the config never reach a log line. */
static void
test_secrets_masked (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *home = g_dir_make_tmp ("sy-amp-home-XXXXXX", &error);
  g_autofree char *local = g_build_filename (home, ".local", NULL);
  g_autofree char *share = g_build_filename (local, "share", NULL);
  g_autofree char *amp_dir = g_build_filename (share, "amp", NULL);
  g_autofree char *file = NULL;
  g_autofree char *masked = NULL;
  g_autofree char *by_service = NULL;
  Fixture f = { 0 };

  g_assert_no_error (error);
  file = g_build_filename (amp_dir, "secrets.json", NULL);
  g_assert_cmpint (g_mkdir_with_parents (amp_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, "{\"apiKey@https://ampcode.com/\": \"amp-file-canary-1357\"}", -1,
                                      NULL));
  g_setenv ("AMP_API_KEY", "amp-env-canary-2468", TRUE);

  sy_log_clear_secrets ();
  masked = sy_log_mask_secrets ("env amp-env-canary-2468 file amp-file-canary-1357");
  g_assert_nonnull (strstr (masked, "amp-file-canary-1357"));   /* not yet known */
  g_clear_pointer (&masked, g_free);
  sy_amp_register_secrets (home);
  masked = sy_log_mask_secrets ("env amp-env-canary-2468 file amp-file-canary-1357");
  g_assert_null (strstr (masked, "amp-env-canary-2468"));
  g_assert_null (strstr (masked, "amp-file-canary-1357"));
  g_assert_nonnull (strstr (masked, "env "));

  /* A service registers the environment's key when it loads its config. */
  sy_log_clear_secrets ();
  fixture_setup (&f, NULL);
  by_service = sy_log_mask_secrets ("sent amp-env-canary-2468 upstream");
  g_assert_null (strstr (by_service, "amp-env-canary-2468"));
  fixture_teardown (&f, NULL);

  g_unsetenv ("AMP_API_KEY");
  g_unlink (file);
  g_rmdir (amp_dir);
  g_rmdir (share);
  g_rmdir (local);
  g_rmdir (home);
}

int
main (int   argc,
      char *argv[])
{
  const char *maps =
    "  upstream-api-keys: [{upstream-api-key: \"" AMP_KEY2 "\", api-keys: [\"" CLIENT_KEY2 "\"]}]\n"
    "  model-mappings:\n"
    "    - {from: \"amp-.*\", to: claude-echo, regex: true}\n"
    "    - {from: gpt-amp-smart, to: echo}\n";

  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("AMP_API_KEY");

  g_test_add_func ("/amp/classify", test_classify);
  g_test_add_func ("/amp/map-and-beta", test_map_and_beta);
  g_test_add_func ("/amp/key-order", test_key_order);
  g_test_add ("/amp/model-lists", Fixture, NULL, fixture_setup, test_model_lists, fixture_teardown);
  g_test_add ("/amp/local", Fixture, NULL, fixture_setup, test_local, fixture_teardown);
  g_test_add ("/amp/mapping", Fixture, maps, fixture_setup, test_mapping, fixture_teardown);
  g_test_add ("/amp/force-mapping", Fixture,
              "  force-model-mappings: true\n  model-mappings: [{from: echo, to: claude-echo}]\n",
              fixture_setup, test_force_mapping, fixture_teardown);
  g_test_add ("/amp/fallback", Fixture, maps, fixture_setup, test_fallback, fixture_teardown);
  g_test_add ("/amp/fallback-stream", Fixture, NULL, fixture_setup, test_fallback_stream, fixture_teardown);
  g_test_add ("/amp/upstream-down", Fixture, NULL, fixture_setup,
              test_upstream_down, fixture_teardown);
  g_test_add ("/amp/thinking", Fixture, NULL, fixture_setup, test_thinking, fixture_teardown);
  g_test_add ("/amp/pages", Fixture, NULL, fixture_setup, test_pages, fixture_teardown);
  g_test_add ("/amp/loopback-only", Fixture, "#all\n  restrict-management-to-localhost: true\n", fixture_setup, test_loopback_only, fixture_teardown);
  g_test_add ("/amp/management", Fixture, NULL, fixture_setup, test_management, fixture_teardown);
  g_test_add ("/amp/usage", Fixture, NULL, fixture_setup, test_usage, fixture_teardown);
  g_test_add ("/amp/request-log", Fixture, "request-log: true\nlogs-dir: \".\"\n", fixture_setup,
              test_request_log, fixture_teardown);
  g_test_add ("/amp/gemini-alt", Fixture, maps, fixture_setup, test_gemini_alt, fixture_teardown);
  g_test_add_func ("/amp/secrets-masked", test_secrets_masked);
  g_test_add ("/amp/active", Fixture, NULL, fixture_setup, test_active, fixture_teardown);
  g_test_add ("/amp/stop-during-proxy", Fixture, NULL, fixture_setup, test_stop_during_proxy, fixture_teardown);

  return g_test_run ();
}
