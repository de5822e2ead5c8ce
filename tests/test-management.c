/* test-management.c: /v0/management — who may use it, and the usage routes
 *
 * A real service from a config file in a temporary directory, a real
 * SQLite usage file, the fake upstream on 127.0.0.1, requests over HTTP.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "fake-upstream.h"
#include "mgmt-test-util.h"
#include "switchyard.h"
#include "sy-clock.h"
#include "sy-log.h"
#include "sy-request-log.h"
#include "sy-secret-hash.h"
#include "sy-usage.h"

#define CLIENT_KEY   "sk-client-canary-7f3a9b"
#define MGMT_KEY     "mgmt-canary-41c9e2d8"
#define KEYED_PANEL_OFF \
  "remote-management:\n  secret-key: \"" MGMT_KEY "\"\n  disable-control-panel: true\n"
#define UPSTREAM_KEY "sk-upstream-canary-5d1e"
#define CLAUDE_KEY   "sk-ant-canary-0b7c"

typedef struct
{
  FakeUpstream *upstream;
  char         *dir;
  char         *config_path;
  SyService    *service;
  char         *base;
  SoupSession  *session;
  SyClock      *clock;
} Fixture;

static void
write_config (Fixture    *f,
              const char *management)
{
  const char *url = fake_upstream_get_url (f->upstream);
  g_autofree char *yaml = g_strdup_printf (
    "# test config\n"
    "host: %s\n"
    "port: 0\n"
    "api-keys: [\"" CLIENT_KEY "\"]\n"
    "%s"
    "claude-api-key:\n"
    "  - api-key: \"" CLAUDE_KEY "\"\n"
    "    base-url: \"%s\"\n"
    "    models: [{name: claude-echo}]\n"
    "  - api-key: \"sk-ant-rl-canary-9a8b\"\n"
    "    base-url: \"%s/rl\"\n"
    "    models: [{name: claude-rl}]\n"
    "openai-compatibility:\n"
    "  - name: fake\n"
    "    base-url: \"%s/v1\"\n"
    "    api-key-entries: [{api-key: \"" UPSTREAM_KEY "\"}]\n"
    "    models: [{name: echo}, {name: fail-500}]\n",
    g_str_has_prefix (management ? management : "", "#all") ? "\"\"" : "127.0.0.1",
    management ? management : "", url, url, url);

  mgmt_write_config (f->config_path, yaml);
}

static void
start_service (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *usage = g_build_filename (f->dir, "usage.db", NULL);

  f->service = sy_service_new_from_file (f->config_path, &error);
  g_assert_no_error (error);
  sy_service_set_usage_file (f->service, usage);
  f->base = mgmt_start_service (f->service);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->clock = sy_clock_new_manual (g_get_real_time ());
  sy_clock_set_default (f->clock);
  f->upstream = fake_upstream_new ();
  f->dir = g_dir_make_tmp ("sy-mgmt-XXXXXX", &error);
  g_assert_no_error (error);
  f->config_path = g_build_filename (f->dir, "config.yaml", NULL);
  write_config (f, data);
  start_service (f);
  f->session = soup_session_new_with_options ("timeout", 30, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  mgmt_stop_all (&f->session, &f->service, &f->upstream);
  dir = g_dir_open (f->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->config_path);
  g_free (f->base);
  sy_clock_set_default (NULL);
  g_clear_pointer (&f->clock, sy_clock_unref);
  g_unsetenv ("MANAGEMENT_PASSWORD");
}

/* A management request with @key (NULL: none) as a Bearer token. */
static void
mgmt (Fixture      *f,
      const char   *method,
      const char   *path,
      const char   *key,
      const char   *body,
      HttpResponse *out)
{
  mgmt_request (f->session, f->base, method, path, key, NULL, body, body ? strlen (body) : 0, out);
}

static void
client_post (Fixture      *f,
             const char   *path,
             const char   *body,
             HttpResponse *out)
{
  g_autofree char *url = g_strconcat (f->base, path, NULL);
  const char *headers[] = { "Authorization: Bearer " CLIENT_KEY, NULL };

  http_request (f->session, "POST", url, NULL, body, strlen (body), headers, out);
}

/* ---------------------------------------------------------------------- */

static void
test_off_without_key (Fixture       *f,
                      gconstpointer  data)
{
  g_auto(HttpResponse) r = { 0 };
  g_auto(HttpResponse) r2 = { 0 };

  mgmt (f, "GET", "/usage", MGMT_KEY, NULL, &r);
  g_assert_cmpuint (r.status, ==, 404);
  g_assert_cmpuint (g_bytes_get_size (r.body), ==, 0);

  /* The desktop app's session key turns it on, for loopback clients. */
  sy_service_set_management_key (f->service, MGMT_KEY);
  mgmt (f, "GET", "/usage", MGMT_KEY, NULL, &r2);
  g_assert_cmpuint (r2.status, ==, 200);
}

static void
test_keys (Fixture       *f,
           gconstpointer  data)
{
  g_auto(HttpResponse) missing = { 0 };
  g_auto(HttpResponse) wrong = { 0 };
  g_auto(HttpResponse) bearer = { 0 };
  g_auto(HttpResponse) header = { 0 };
  g_autofree char *url = g_strconcat (f->base, "/v0/management/usage", NULL);
  const char *headers[] = { "X-Management-Key: " MGMT_KEY, NULL };

  g_autofree char *text = NULL;

  /* The plain key in the file was replaced by its hash at start. */
  g_assert_true (g_file_get_contents (f->config_path, &text, NULL, NULL));
  g_assert_null (strstr (text, MGMT_KEY));
  g_assert_nonnull (strstr (text, "secret-key: $2b$10$"));
  g_assert_true (g_str_has_prefix (text, "# test config\n"));

  mgmt (f, "GET", "/usage", NULL, NULL, &missing);
  mgmt_assert_error (&missing, 401, "missing management key");
  mgmt (f, "GET", "/usage", "not-the-key", NULL, &wrong);
  mgmt_assert_error (&wrong, 401, "invalid management key");
  mgmt (f, "GET", "/usage", MGMT_KEY, NULL, &bearer);
  g_assert_cmpuint (bearer.status, ==, 200);
  g_assert_nonnull (soup_message_headers_get_one (bearer.headers, "X-CPA-VERSION"));
  http_request (f->session, "GET", url, NULL, NULL, 0, headers, &header);
  g_assert_cmpuint (header.status, ==, 200);
}

static void
test_lockout (Fixture       *f,
              gconstpointer  data)
{
  g_auto(HttpResponse) banned = { 0 };
  g_auto(HttpResponse) later = { 0 };
  g_autoptr(JsonNode) root = NULL;

  for (guint i = 0; i < 5; i++)
    {
      g_auto(HttpResponse) r = { 0 };

      mgmt (f, "GET", "/usage", "guess", NULL, &r);
      g_assert_cmpuint (r.status, ==, 401);
    }
  /* Banned: even the right key is refused, with the time left. */
  mgmt (f, "GET", "/usage", MGMT_KEY, NULL, &banned);
  g_assert_cmpuint (banned.status, ==, 403);
  root = http_response_json (&banned);
  g_assert_true (g_str_has_prefix (http_json_string (root, "error"), "IP banned"));
  g_assert_nonnull (strstr (http_json_string (root, "error"), "30m00s"));

  sy_clock_advance (f->clock, 30 * 60 * G_USEC_PER_SEC + 1);
  mgmt (f, "GET", "/usage", MGMT_KEY, NULL, &later);
  g_assert_cmpuint (later.status, ==, 200);
}

static void
test_success_resets_failures (Fixture       *f,
                              gconstpointer  data)
{
  for (guint round = 0; round < 3; round++)
    {
      g_auto(HttpResponse) ok = { 0 };

      for (guint i = 0; i < 4; i++)
        {
          g_auto(HttpResponse) r = { 0 };

          mgmt (f, "GET", "/usage", "guess", NULL, &r);
          g_assert_cmpuint (r.status, ==, 401);
        }
      mgmt (f, "GET", "/usage", MGMT_KEY, NULL, &ok);
      g_assert_cmpuint (ok.status, ==, 200);
    }
}

static void
test_bcrypt_secret (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = sy_secret_bcrypt_hash (MGMT_KEY, &error);
  g_autofree char *section = NULL;

  g_assert_no_error (error);
  sy_service_stop (f->service);
  g_clear_object (&f->service);
  g_clear_pointer (&f->base, g_free);
  section = g_strdup_printf ("remote-management:\n  secret-key: \"%s\"\n", hash);
  write_config (f, section);
  start_service (f);

  for (guint i = 0; i < 3; i++)    /* the second and third come from the digest */
    {
      g_auto(HttpResponse) r = { 0 };

      mgmt (f, "GET", "/usage", MGMT_KEY, NULL, &r);
      g_assert_cmpuint (r.status, ==, 200);
    }
  {
    g_auto(HttpResponse) r = { 0 };

    mgmt (f, "GET", "/usage", MGMT_KEY "x", NULL, &r);
    g_assert_cmpuint (r.status, ==, 401);
  }
}

static void
test_env_password (Fixture       *f,
                   gconstpointer  data)
{
  g_auto(HttpResponse) off = { 0 };
  g_auto(HttpResponse) on = { 0 };

  mgmt (f, "GET", "/usage", "env-canary-pass", NULL, &off);
  g_assert_cmpuint (off.status, ==, 404);
  g_setenv ("MANAGEMENT_PASSWORD", "env-canary-pass", TRUE);
  mgmt (f, "GET", "/usage", "env-canary-pass", NULL, &on);
  g_assert_cmpuint (on.status, ==, 200);
}

static void
remote_request (Fixture      *f,
                const char   *address,
                HttpResponse *out)
{
  g_autofree char *base = g_strdup_printf ("http://%s:%u", address, sy_service_get_port (f->service));

  mgmt_request (f->session, base, "GET", "/usage", MGMT_KEY, NULL, NULL, 0, out);
}

static void
test_remote (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *address = mgmt_outside_address ();
  g_auto(HttpResponse) refused = { 0 };
  g_auto(HttpResponse) local = { 0 };
  g_auto(HttpResponse) allowed = { 0 };

  if (address == NULL)
    {
      g_test_skip ("this machine has no address but loopback");
      return;
    }
  /* Listening on all interfaces: a client from another address is
   * refused, the right key notwithstanding. */
  remote_request (f, address, &refused);
  mgmt_assert_error (&refused, 403, "remote management disabled");
  mgmt (f, "GET", "/usage", MGMT_KEY, NULL, &local);
  g_assert_cmpuint (local.status, ==, 200);

  sy_service_stop (f->service);
  g_clear_object (&f->service);
  g_clear_pointer (&f->base, g_free);
  write_config (f, "#all\nremote-management:\n  secret-key: \"" MGMT_KEY "\"\n  allow-remote: true\n");
  start_service (f);
  remote_request (f, address, &allowed);
  g_assert_cmpuint (allowed.status, ==, 200);
}

static void
test_routes_and_cors (Fixture       *f,
                      gconstpointer  data)
{
  g_auto(HttpResponse) unknown = { 0 };
  g_auto(HttpResponse) method = { 0 };
  g_auto(HttpResponse) origin = { 0 };
  g_auto(HttpResponse) foreign = { 0 };
  g_autofree char *url = g_strconcat (f->base, "/v0/management/usage", NULL);
  const char *same[] = { "Authorization: Bearer " MGMT_KEY, "Origin: http://127.0.0.1:8317", NULL };
  const char *other[] = { "Authorization: Bearer " MGMT_KEY, "Origin: https://evil.example", NULL };

  mgmt (f, "GET", "/no-such-route", MGMT_KEY, NULL, &unknown);
  mgmt_assert_error (&unknown, 404, "not_found");
  mgmt (f, "DELETE", "/usage", MGMT_KEY, NULL, &method);
  g_assert_cmpuint (method.status, ==, 405);
  g_assert_cmpstr (soup_message_headers_get_one (method.headers, "Allow"), ==, "GET");

  /* No CORS headers, even for a loopback page; another site is refused. */
  http_request (f->session, "GET", url, NULL, NULL, 0, same, &origin);
  g_assert_cmpuint (origin.status, ==, 200);
  g_assert_null (soup_message_headers_get_one (origin.headers, "Access-Control-Allow-Origin"));
  http_request (f->session, "GET", url, NULL, NULL, 0, other, &foreign);
  g_assert_cmpuint (foreign.status, ==, 403);
}

/* -- usage ---------------------------------------------------------------- */

static JsonNode *
get_usage (Fixture *f)
{
  g_auto(HttpResponse) r = { 0 };

  mgmt (f, "GET", "/usage", MGMT_KEY, NULL, &r);
  g_assert_cmpuint (r.status, ==, 200);
  /* Neither the client's key nor an upstream key, only masked labels. */
  g_assert_null (strstr (r.text, CLIENT_KEY));
  g_assert_null (strstr (r.text, UPSTREAM_KEY));
  g_assert_null (strstr (r.text, CLAUDE_KEY));
  return http_response_json (&r);
}

static gboolean
usage_has (gpointer data)
{
  gpointer *args = data;
  Fixture *f = args[0];
  g_autoptr(JsonNode) root = get_usage (f);

  return http_json_int (root, "usage.total_requests") >= GPOINTER_TO_INT (args[1]);
}

static void
wait_for_requests (Fixture *f,
                   int      n)
{
  gpointer args[2] = { f, GINT_TO_POINTER (n) };

  g_assert_true (http_spin_until (usage_has, args, 5000));
}

static JsonNode *
find_api (JsonNode *usage)
{
  JsonObject *apis = json_object_get_object_member (json_object_get_object_member (json_node_get_object (usage),
                                                                                   "usage"), "apis");
  g_autoptr(GList) names = json_object_get_members (apis);

  g_assert_cmpuint (g_list_length (names), ==, 1);
  /* The masked key: its start and end, never the whole. */
  g_assert_true (g_str_has_suffix (names->data, "9b") || strstr (names->data, "...") != NULL);
  g_assert_cmpstr (names->data, !=, CLIENT_KEY);
  return json_object_get_member (apis, names->data);
}

static void
test_usage_rows (Fixture       *f,
                 gconstpointer  data)
{
  g_auto(HttpResponse) chat = { 0 };
  g_auto(HttpResponse) stream = { 0 };
  g_auto(HttpResponse) claude = { 0 };
  g_auto(HttpResponse) translated = { 0 };
  g_auto(HttpResponse) failed = { 0 };
  g_auto(HttpResponse) unknown = { 0 };
  g_auto(HttpResponse) responses = { 0 };
  g_auto(HttpResponse) gemini = { 0 };
  g_autoptr(JsonNode) usage = NULL;
  JsonNode *api;

  sy_service_set_management_key (f->service, MGMT_KEY);
  /* Same format, whole answer: 5 in, 4 out. */
  client_post (f, "/v1/chat/completions", "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
               &chat);
  g_assert_cmpuint (chat.status, ==, 200);
  /* Same format, streamed with a usage chunk: 5 in, 20 out. */
  client_post (f, "/v1/chat/completions",
               "{\"model\":\"echo\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
               "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &stream);
  g_assert_cmpuint (stream.status, ==, 200);
  /* Claude upstream, Claude client, streamed: message_start + message_delta. */
  client_post (f, "/v1/messages", "{\"model\":\"claude-echo\",\"max_tokens\":50,\"stream\":true,"
               "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &claude);
  g_assert_cmpuint (claude.status, ==, 200);
  /* OpenAI client, Claude upstream: through the codecs. */
  client_post (f, "/v1/chat/completions", "{\"model\":\"claude-echo\",\"messages\":[{\"role\":\"user\","
               "\"content\":\"hi\"}]}", &translated);
  g_assert_cmpuint (translated.status, ==, 200);
  client_post (f, "/v1/chat/completions", "{\"model\":\"fail-500\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
               &failed);
  g_assert_cmpuint (failed.status, ==, 500);
  /* Responses and Gemini clients, Claude upstream, streamed: the usage the
   * translation decoded. */
  client_post (f, "/v1/responses", "{\"model\":\"claude-echo\",\"stream\":true,\"input\":\"hi\"}", &responses);
  g_assert_cmpuint (responses.status, ==, 200);
  client_post (f, "/v1beta/models/claude-echo:streamGenerateContent?alt=sse",
               "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}", &gemini);
  g_assert_cmpuint (gemini.status, ==, 200);
  /* No account serves it: recorded under the model asked for. */
  client_post (f, "/v1/chat/completions", "{\"model\":\"no-such-model\",\"messages\":[{\"role\":\"user\","
               "\"content\":\"hi\"}]}", &unknown);
  g_assert_cmpuint (unknown.status, ==, 404);

  wait_for_requests (f, 8);
  usage = get_usage (f);
  g_assert_cmpint (http_json_int (usage, "usage.total_requests"), ==, 8);
  g_assert_cmpint (http_json_int (usage, "usage.failure_count"), ==, 2);
  g_assert_cmpint (http_json_int (usage, "failed_requests"), ==, 2);
  /* 9 + 25 + 25 (5 in, 20 out) + 9 (5 in, 4 out) + 25 + 25 */
  g_assert_cmpint (http_json_int (usage, "usage.total_tokens"), ==, 9 + 25 + 25 + 9 + 25 + 25);
  api = find_api (usage);
  g_assert_cmpint (http_json_int (api, "models.echo.total_requests"), ==, 2);
  g_assert_cmpint (http_json_int (api, "models.echo.total_tokens"), ==, 34);
  g_assert_cmpint (http_json_int (api, "models.echo.details.1.tokens.output_tokens"), ==, 20);
  g_assert_cmpint (http_json_int (api, "models.claude-echo.total_requests"), ==, 4);
  g_assert_cmpint (http_json_int (api, "models.claude-echo.details.2.tokens.output_tokens"), ==, 20);
  g_assert_cmpint (http_json_int (api, "models.claude-echo.details.3.tokens.input_tokens"), ==, 5);
  g_assert_cmpint (http_json_int (api, "models.claude-echo.details.3.tokens.output_tokens"), ==, 20);
  g_assert_cmpint (http_json_int (api, "models.claude-echo.details.0.tokens.input_tokens"), ==, 5);
  g_assert_cmpint (http_json_int (api, "models.claude-echo.details.0.tokens.output_tokens"), ==, 20);
  g_assert_cmpint (http_json_int (api, "models.claude-echo.details.1.tokens.output_tokens"), ==, 4);
  g_assert_true (json_node_get_boolean (http_json_at (api, "models.fail-500.details.0.failed")));
  g_assert_false (json_node_get_boolean (http_json_at (api, "models.echo.details.0.failed")));
  g_assert_true (json_node_get_boolean (http_json_at (api, "models.no-such-model.details.0.failed")));
}

static void
test_usage_off (Fixture       *f,
                gconstpointer  data)
{
  g_auto(HttpResponse) chat = { 0 };
  g_autoptr(JsonNode) usage = NULL;

  client_post (f, "/v1/chat/completions", "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
               &chat);
  g_assert_cmpuint (chat.status, ==, 200);
  http_spin_for (1500);    /* past the store's one-second batch */
  usage = get_usage (f);
  g_assert_cmpint (http_json_int (usage, "usage.total_requests"), ==, 0);
}

static void
test_usage_series (Fixture       *f,
                   gconstpointer  data)
{
  g_auto(HttpResponse) chat = { 0 };
  g_auto(HttpResponse) series = { 0 };
  g_auto(HttpResponse) bad_step = { 0 };
  g_auto(HttpResponse) bad_group = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *path = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  client_post (f, "/v1/chat/completions", "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
               &chat);
  wait_for_requests (f, 1);
  path = g_strdup_printf ("/usage/series?from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT "&step=1h&group=model",
                          now - 7200, now + 60);
  mgmt (f, "GET", path, MGMT_KEY, NULL, &series);
  g_assert_cmpuint (series.status, ==, 200);
  root = http_response_json (&series);
  g_assert_cmpstr (http_json_string (root, "series.0.group"), ==, "echo");
  g_assert_cmpint (http_json_int (root, "series.0.points.0.requests"), ==, 1);
  g_assert_cmpint (http_json_int (root, "series.0.points.0.output_tokens"), ==, 4);

  mgmt (f, "GET", "/usage/series?step=0", MGMT_KEY, NULL, &bad_step);
  mgmt_assert_error (&bad_step, 400, "invalid step");
  mgmt (f, "GET", "/usage/series?group=colour", MGMT_KEY, NULL, &bad_group);
  mgmt_assert_error (&bad_group, 400, "invalid group");
}

static JsonNode *mgmt_json (Fixture *f, const char *path);

static void
test_usage_export_import (Fixture       *f,
                          gconstpointer  data)
{
  g_auto(HttpResponse) chat = { 0 };
  g_auto(HttpResponse) exported = { 0 };
  g_auto(HttpResponse) again = { 0 };
  g_auto(HttpResponse) more = { 0 };
  g_auto(HttpResponse) bad = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) result2 = NULL;
  g_autoptr(JsonNode) after = NULL;
  JsonObject *usage;
  g_autofree char *extra = NULL;
  g_autofree char *stamp = NULL;

  client_post (f, "/v1/chat/completions", "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
               &chat);
  wait_for_requests (f, 1);
  mgmt (f, "GET", "/usage/export", MGMT_KEY, NULL, &exported);
  g_assert_cmpuint (exported.status, ==, 200);
  root = http_response_json (&exported);
  g_assert_cmpint (http_json_int (root, "version"), ==, 1);
  g_assert_nonnull (http_json_string (root, "exported_at"));

  /* The same export again: every detail is already there. */
  mgmt (f, "POST", "/usage/import", MGMT_KEY, exported.text, &again);
  g_assert_cmpuint (again.status, ==, 200);
  result = http_response_json (&again);
  g_assert_cmpint (http_json_int (result, "added"), ==, 0);
  g_assert_cmpint (http_json_int (result, "skipped"), ==, 1);
  g_assert_cmpint (http_json_int (result, "total_requests"), ==, 1);

  /* Another instance's history (CLIProxyAPI's shape, nanoseconds). */
  {
    /* 200 days ago, in CLIProxyAPI's form (nanoseconds, an offset). */
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
    g_autoptr(GDateTime) then = g_date_time_add_days (now, -200);
    g_autoptr(GTimeZone) tz = g_time_zone_new_offset (8 * 3600);
    g_autoptr(GDateTime) local = g_date_time_to_timezone (then, tz);

    stamp = g_date_time_format (local, "%Y-%m-%dT%H:%M:%S.123456789+08:00");
  }
  extra = g_strdup_printf ("{\"version\":1,\"usage\":{\"apis\":{\"sk-other\":{\"models\":{\"gpt-5\":{\"details\":["
                    "{\"timestamp\":\"%s\",\"latency_ms\":1834,"
                    "\"source\":\"me@x.com\",\"auth_index\":\"3f1c0a9b2d4e5f60\",\"tokens\":{\"input_tokens\":1200,"
                    "\"output_tokens\":80,\"reasoning_tokens\":64,\"cached_tokens\":1024,\"total_tokens\":1280},"
                    "\"failed\":true}]}}}}}}", stamp);
  mgmt (f, "POST", "/usage/import", MGMT_KEY, extra, &more);
  g_assert_cmpuint (more.status, ==, 200);
  result2 = http_response_json (&more);
  g_assert_cmpint (http_json_int (result2, "added"), ==, 1);
  g_assert_cmpint (http_json_int (result2, "total_requests"), ==, 2);
  g_assert_cmpint (http_json_int (result2, "failed_requests"), ==, 1);

  after = mgmt_json (f, "/usage?since=0");
  usage = json_object_get_object_member (json_node_get_object (after), "usage");
  g_assert_cmpint (json_object_get_int_member (usage, "total_requests"), ==, 2);
  /* By default /usage covers the last 30 days: not April's row. */
  {
    g_autoptr(JsonNode) recent = get_usage (f);
    g_autoptr(JsonNode) days = mgmt_json (f, "/usage?days=400");

    g_assert_cmpint (http_json_int (recent, "usage.total_requests"), ==, 1);
    g_assert_cmpint (http_json_int (days, "usage.total_requests"), ==, 2);
  }
  g_assert_cmpint (http_json_int (after, "usage.apis.sk-other.models.gpt-5.details.0.tokens.cached_tokens"), ==, 1024);
  g_assert_cmpint (http_json_int (after, "usage.apis.sk-other.models.gpt-5.details.0.latency_ms"), ==, 1834);

  mgmt (f, "POST", "/usage/import", MGMT_KEY, "{\"version\":7,\"usage\":{}}", &bad);
  mgmt_assert_error (&bad, 400, "unsupported version");

  /* Numbers no count or latency has: a double past gint64 is not
   * converted (undefined in C) but taken as absent, an integer past the
   * usage store's bound is kept at it. */
  {
    g_autofree char *huge = g_strdup_printf ("{\"version\":1,\"usage\":{\"apis\":{\"sk-huge\":{\"models\":"
                                             "{\"m\":{\"details\":[{\"timestamp\":\"%s\",\"latency_ms\":1e300,"
                                             "\"source\":\"me@x.com\",\"tokens\":{\"input_tokens\":1e300,"
                                             "\"output_tokens\":9223372036854775807,\"cached_tokens\":-1e300},"
                                             "\"failed\":false}]}}}}}}", stamp);
    g_auto(HttpResponse) imported = { 0 };
    g_autoptr(JsonNode) result3 = NULL;
    g_autoptr(JsonNode) all = NULL;

    mgmt (f, "POST", "/usage/import", MGMT_KEY, huge, &imported);
    g_assert_cmpuint (imported.status, ==, 200);
    result3 = http_response_json (&imported);
    g_assert_cmpint (http_json_int (result3, "added"), ==, 1);
    all = mgmt_json (f, "/usage?days=400");
    g_assert_cmpint (http_json_int (all, "usage.apis.sk-huge.models.m.details.0.tokens.input_tokens"), ==, 0);
    g_assert_cmpint (http_json_int (all, "usage.apis.sk-huge.models.m.details.0.tokens.output_tokens"), ==,
                     G_GINT64_CONSTANT (1000000000000));
    g_assert_cmpint (http_json_int (all, "usage.apis.sk-huge.models.m.details.0.tokens.cached_tokens"), ==, 0);
    g_assert_cmpint (http_json_int (all, "usage.apis.sk-huge.models.m.details.0.latency_ms"), ==, 0);
  }
}


/* -- config routes ------------------------------------------------------------ */

static char *
read_config (Fixture *f)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (f->config_path, &text, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&text);
}

static void
assert_ok (HttpResponse *r)
{
  g_autoptr(JsonNode) root = NULL;

  if (r->status != 200)
    g_printerr ("%u %s\n", r->status, r->text);
  g_assert_cmpuint (r->status, ==, 200);
  root = http_response_json (r);
  g_assert_cmpstr (http_json_string (root, "status"), ==, "ok");
}

static JsonNode *
mgmt_json (Fixture    *f,
           const char *path)
{
  g_auto(HttpResponse) r = { 0 };

  mgmt (f, "GET", path, MGMT_KEY, NULL, &r);
  g_assert_cmpuint (r.status, ==, 200);
  return http_response_json (&r);
}

static guint models_status (Fixture *f, const char *key);

static void
test_config_get (Fixture       *f,
                 gconstpointer  data)
{
  g_auto(HttpResponse) r = { 0 };
  g_autoptr(JsonNode) root = NULL;

  mgmt (f, "GET", "/config", MGMT_KEY, NULL, &r);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_null (strstr (r.text, CLIENT_KEY));
  g_assert_null (strstr (r.text, CLAUDE_KEY));
  g_assert_null (strstr (r.text, UPSTREAM_KEY));
  g_assert_null (strstr (r.text, MGMT_KEY));
  root = http_response_json (&r);
  g_assert_null (http_json_at (root, "host"));
  g_assert_null (http_json_at (root, "port"));
  g_assert_null (http_json_at (root, "remote-management"));
  g_assert_cmpstr (http_json_string (root, "api-keys.0"), ==, "sk-...3a9b");
  g_assert_cmpstr (http_json_string (root, "claude-api-key.0.api-key"), ==, "sk-...0b7c");
  g_assert_cmpstr (http_json_string (root, "openai-compatibility.0.api-key-entries.0.api-key"), ==, "sk-...5d1e");

  /* Reading (and masking) changed nothing in the live config: the keys
   * still work, the management key and the client's. */
  {
    g_autoptr(JsonNode) keys = mgmt_json (f, "/api-keys");
    g_autoptr(JsonNode) claude = mgmt_json (f, "/claude-api-key");
    g_autoptr(JsonNode) again = mgmt_json (f, "/config");
    g_auto(HttpResponse) chat = { 0 };

    g_assert_cmpstr (http_json_string (keys, "api-keys.0"), ==, "sk-...3a9b");
    g_assert_cmpstr (http_json_string (claude, "claude-api-key.0.api-key"), ==, "sk-...0b7c");
    g_assert_cmpstr (http_json_string (again, "api-keys.0"), ==, "sk-...3a9b");
    g_assert_cmpuint (models_status (f, CLIENT_KEY), ==, 200);
    client_post (f, "/v1/messages", "{\"model\":\"claude-echo\",\"max_tokens\":20,"
                 "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &chat);
    g_assert_cmpuint (chat.status, ==, 200);
    g_assert_cmpuint (fake_upstream_count_key (f->upstream, CLAUDE_KEY), ==, 1);
  }
}

static void
test_config_scalars (Fixture       *f,
                     gconstpointer  data)
{
  g_auto(HttpResponse) put = { 0 };
  g_auto(HttpResponse) bad = { 0 };
  g_auto(HttpResponse) strategy = { 0 };
  g_auto(HttpResponse) bad_strategy = { 0 };
  g_auto(HttpResponse) proxy = { 0 };
  g_auto(HttpResponse) cleared = { 0 };
  g_autoptr(JsonNode) debug = NULL;
  g_autoptr(JsonNode) retry = NULL;
  g_autoptr(JsonNode) strat = NULL;
  g_autoptr(JsonNode) proxy_shown = NULL;
  g_autoptr(JsonNode) proxy_gone = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text2 = NULL;

  mgmt (f, "PUT", "/debug", MGMT_KEY, "{\"value\":true}", &put);
  assert_ok (&put);
  debug = mgmt_json (f, "/debug");
  g_assert_true (json_node_get_boolean (http_json_at (debug, "debug")));
  text = read_config (f);
  g_assert_true (g_str_has_prefix (text, "# test config\n"));     /* comments kept */
  g_assert_nonnull (strstr (text, "debug: true"));

  mgmt (f, "PATCH", "/request-retry", MGMT_KEY, "{\"value\":\"three\"}", &bad);
  mgmt_assert_error (&bad, 400, "invalid body");
  {
    g_auto(HttpResponse) ok = { 0 };

    mgmt (f, "PATCH", "/request-retry", MGMT_KEY, "{\"value\":5}", &ok);
    assert_ok (&ok);
  }
  retry = mgmt_json (f, "/request-retry");
  g_assert_cmpint (http_json_int (retry, "request-retry"), ==, 5);

  mgmt (f, "PUT", "/routing/strategy", MGMT_KEY, "{\"value\":\"ff\"}", &strategy);
  assert_ok (&strategy);
  strat = mgmt_json (f, "/routing/strategy");
  g_assert_cmpstr (http_json_string (strat, "strategy"), ==, "fill-first");
  mgmt (f, "PUT", "/routing/strategy", MGMT_KEY, "{\"value\":\"sideways\"}", &bad_strategy);
  mgmt_assert_error (&bad_strategy, 400, "invalid strategy");

  /* A proxy password is not shown; DELETE clears the key. */
  mgmt (f, "PUT", "/proxy-url", MGMT_KEY, "{\"value\":\"http://user:pw-canary@127.0.0.1:3128\"}", &proxy);
  assert_ok (&proxy);
  proxy_shown = mgmt_json (f, "/proxy-url");
  g_assert_null (strstr (http_json_string (proxy_shown, "proxy-url"), "pw-canary"));
  g_assert_nonnull (strstr (http_json_string (proxy_shown, "proxy-url"), "127.0.0.1:3128"));
  mgmt (f, "DELETE", "/proxy-url", MGMT_KEY, NULL, &cleared);
  assert_ok (&cleared);
  proxy_gone = mgmt_json (f, "/proxy-url");
  g_assert_true (JSON_NODE_HOLDS_NULL (http_json_at (proxy_gone, "proxy-url")));
  text2 = read_config (f);
  g_assert_null (strstr (text2, "proxy-url"));
}

static guint
models_status (Fixture    *f,
               const char *key)
{
  g_autofree char *url = g_strconcat (f->base, "/v1/models", NULL);
  g_autofree char *auth = g_strconcat ("Authorization: Bearer ", key, NULL);
  const char *headers[] = { auth, NULL };
  g_auto(HttpResponse) r = { 0 };

  http_request (f->session, "GET", url, NULL, NULL, 0, headers, &r);
  return r.status;
}

static void
test_config_api_keys (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(JsonNode) listed = mgmt_json (f, "/api-keys");
  g_autofree char *body = NULL;
  g_autofree char *text = NULL;
  g_auto(HttpResponse) put = { 0 };
  g_auto(HttpResponse) patch = { 0 };
  g_auto(HttpResponse) del = { 0 };
  g_auto(HttpResponse) missing = { 0 };
  const char *masked = http_json_string (listed, "api-keys.0");

  g_assert_nonnull (masked);
  g_assert_cmpstr (masked, !=, CLIENT_KEY);

  /* The masked list written back with one more key: the first key stays. */
  body = g_strdup_printf ("[\"%s\", \"sk-second-key-123456\", \"sk-second-key-123456\"]", masked);
  mgmt (f, "PUT", "/api-keys", MGMT_KEY, body, &put);
  assert_ok (&put);
  text = read_config (f);
  g_assert_nonnull (strstr (text, CLIENT_KEY));
  g_assert_nonnull (strstr (text, "sk-second-key-123456"));
  g_assert_cmpuint (models_status (f, CLIENT_KEY), ==, 200);
  g_assert_cmpuint (models_status (f, "sk-second-key-123456"), ==, 200);

  mgmt (f, "PATCH", "/api-keys", MGMT_KEY, "{\"old\":\"sk-second-key-123456\",\"new\":\"sk-third-key-654321\"}", &patch);
  assert_ok (&patch);
  g_assert_cmpuint (models_status (f, "sk-second-key-123456"), ==, 401);
  g_assert_cmpuint (models_status (f, "sk-third-key-654321"), ==, 200);

  {
    g_autofree char *path = g_strdup_printf ("/api-keys?value=%s", "sk-...4321");

    mgmt (f, "DELETE", path, MGMT_KEY, NULL, &del);
    assert_ok (&del);
  }
  g_assert_cmpuint (models_status (f, "sk-third-key-654321"), ==, 401);
  g_assert_cmpuint (models_status (f, CLIENT_KEY), ==, 200);
  mgmt (f, "DELETE", "/api-keys", MGMT_KEY, NULL, &missing);
  mgmt_assert_error (&missing, 400, "missing index or value");
}

static void
test_config_object_lists (Fixture       *f,
                          gconstpointer  data)
{
  g_auto(HttpResponse) patch = { 0 };
  g_auto(HttpResponse) vertex = { 0 };
  g_auto(HttpResponse) del = { 0 };
  g_auto(HttpResponse) gone = { 0 };
  g_auto(HttpResponse) compat = { 0 };
  g_autoptr(JsonNode) listed = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autofree char *text = NULL;

  mgmt (f, "PATCH", "/claude-api-key", MGMT_KEY,
        "{\"index\":0,\"value\":{\"prefix\":\"work\",\"headers\":{\"X-Team\":\"blue\"}}}", &patch);
  assert_ok (&patch);
  listed = mgmt_json (f, "/claude-api-key");
  g_assert_cmpstr (http_json_string (listed, "claude-api-key.0.prefix"), ==, "work");
  g_assert_cmpstr (http_json_string (listed, "claude-api-key.0.headers.X-Team"), ==, "blue");
  g_assert_cmpstr (http_json_string (listed, "claude-api-key.0.api-key"), ==, "sk-...0b7c");
  text = read_config (f);
  g_assert_nonnull (strstr (text, CLAUDE_KEY));          /* the key itself untouched */

  mgmt (f, "PUT", "/vertex-api-key", MGMT_KEY, "[{\"base-url\":\"http://127.0.0.1:1\"}]", &vertex);
  mgmt_assert_error (&vertex, 400, "vertex-api-key[0].api-key is required");

  /* Found by its masked key, as a front that only saw the list knows it. */
  mgmt (f, "DELETE", "/claude-api-key?api-key=sk-...0b7c", MGMT_KEY, NULL, &del);
  assert_ok (&del);
  after = mgmt_json (f, "/claude-api-key");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (http_json_at (after, "claude-api-key"))), ==, 1);
  g_assert_cmpstr (http_json_string (after, "claude-api-key.0.api-key"), ==, "sk-...9a8b");
  mgmt (f, "DELETE", "/claude-api-key?index=3", MGMT_KEY, NULL, &gone);
  mgmt_assert_error (&gone, 404, "item not found");

  mgmt (f, "PATCH", "/openai-compatibility", MGMT_KEY, "{\"name\":\"fake\",\"value\":{\"prefix\":\"f\"}}", &compat);
  assert_ok (&compat);
  {
    g_autoptr(JsonNode) c = mgmt_json (f, "/openai-compatibility");

    g_assert_cmpstr (http_json_string (c, "openai-compatibility.0.prefix"), ==, "f");
    g_assert_cmpstr (http_json_string (c, "openai-compatibility.0.api-key-entries.0.api-key"), ==, "sk-...5d1e");
  }
}

static void
test_config_maps (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(HttpResponse) alias = { 0 };
  g_auto(HttpResponse) excluded = { 0 };
  g_auto(HttpResponse) del = { 0 };
  g_auto(HttpResponse) put = { 0 };
  g_auto(HttpResponse) patch = { 0 };
  g_auto(HttpResponse) clear = { 0 };
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) e = NULL;
  g_autoptr(JsonNode) m = NULL;
  g_autoptr(JsonNode) m2 = NULL;
  g_autoptr(JsonNode) m3 = NULL;

  mgmt (f, "PATCH", "/oauth-model-alias", MGMT_KEY,
        "{\"channel\":\"codex\",\"aliases\":[{\"name\":\"gpt-5\",\"alias\":\"fast\"}]}", &alias);
  assert_ok (&alias);
  a = mgmt_json (f, "/oauth-model-alias");
  g_assert_cmpstr (http_json_string (a, "oauth-model-alias.codex.0.alias"), ==, "fast");

  mgmt (f, "PUT", "/oauth-excluded-models", MGMT_KEY, "{\"items\":{\"claude\":[\"*-haiku-*\"]}}", &excluded);
  assert_ok (&excluded);
  e = mgmt_json (f, "/oauth-excluded-models");
  g_assert_cmpstr (http_json_string (e, "oauth-excluded-models.claude.0"), ==, "*-haiku-*");
  mgmt (f, "DELETE", "/oauth-excluded-models?provider=claude", MGMT_KEY, NULL, &del);
  assert_ok (&del);

  /* Switchyard's model mappings: they change what a request is served as. */
  mgmt (f, "PUT", "/model-mappings", MGMT_KEY, "{\"value\":[{\"from\":\"fast\",\"to\":\"echo\"}]}", &put);
  assert_ok (&put);
  m = mgmt_json (f, "/model-mappings");
  g_assert_cmpstr (http_json_string (m, "model-mappings.0.to"), ==, "echo");
  {
    g_auto(HttpResponse) chat = { 0 };

    client_post (f, "/v1/chat/completions", "{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                 &chat);
    g_assert_cmpuint (chat.status, ==, 200);
  }
  mgmt (f, "PATCH", "/model-mappings", MGMT_KEY,
        "{\"value\":[{\"from\":\"fast\",\"to\":\"claude-echo\"},{\"from\":\"slow\",\"to\":\"echo\"}]}", &patch);
  assert_ok (&patch);
  m2 = mgmt_json (f, "/model-mappings");
  g_assert_cmpstr (http_json_string (m2, "model-mappings.0.to"), ==, "claude-echo");
  g_assert_cmpstr (http_json_string (m2, "model-mappings.1.from"), ==, "slow");
  mgmt (f, "DELETE", "/model-mappings", MGMT_KEY, "{\"value\":[\"fast\"]}", &clear);
  assert_ok (&clear);
  m3 = mgmt_json (f, "/model-mappings");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (http_json_at (m3, "model-mappings"))), ==, 1);
}

/* Found by fuzzing: bodies the routes read with a critical (fatal here)
 * on the way to their answer: a blank body, which parses as JSON to no
 * root at all; an object or a list where a string, a number or a boolean
 * was expected. */
static void
test_config_odd_bodies (Fixture       *f,
                        gconstpointer  data)
{
  static const struct { const char *method; const char *path; const char *body; guint status; } cases[] = {
    { "PUT", "/model-mappings", " \n", 400 },
    { "PATCH", "/ampcode/model-mappings", " \n", 400 },
    { "DELETE", "/ampcode/upstream-api-keys", " \n", 400 },
    { "DELETE", "/model-mappings", " \n", 200 },   /* no list named: all cleared */
    { "PATCH", "/api-keys", "{\"old\":[1],\"new\":{},\"value\":{}}", 400 },
    { "PATCH", "/gemini-api-key", "{\"match\":{},\"name\":[],\"value\":{\"base-url\":\"x\"}}", 400 },
    { "PATCH", "/oauth-model-alias", "{\"provider\":{},\"aliases\":[]}", 400 },
    { "PUT", "/model-mappings", "{\"value\":[{\"from\":{}}]}", 400 },
    { "DELETE", "/model-mappings", "{\"value\":[{},[]]}", 200 },
    { "POST", "/reset-quota", "{\"auth_index\":{},\"all\":[]}", 400 },
    { "POST", "/usage/import", "{\"version\":{},\"usage\":{\"apis\":{\"k\":{\"models\":{\"m\":{\"details\":"
              "[{\"timestamp\":\"2026-01-02T03:04:05Z\",\"source\":{},\"failed\":[],\"latency_ms\":"
              "9223372036854775807,\"tokens\":{\"input_tokens\":{}}}]}}}}}}", 200 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(HttpResponse) r = { 0 };

      g_test_message ("%s %s %s", cases[i].method, cases[i].path, cases[i].body);
      mgmt (f, cases[i].method, cases[i].path, MGMT_KEY, cases[i].body, &r);
      g_assert_cmpuint (r.status, ==, cases[i].status);
    }
}

static void
test_config_yaml (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(HttpResponse) raw = { 0 };
  g_auto(HttpResponse) syntax = { 0 };
  g_auto(HttpResponse) invalid = { 0 };
  g_auto(HttpResponse) good = { 0 };
  g_auto(HttpResponse) after = { 0 };
  g_autofree char *before = read_config (f);
  g_autofree char *edited = NULL;
  g_autofree char *now = NULL;
  g_autoptr(JsonNode) root = NULL;

  mgmt (f, "GET", "/config.yaml", MGMT_KEY, NULL, &raw);
  g_assert_cmpuint (raw.status, ==, 200);
  g_assert_cmpstr (raw.text, ==, before);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_content_type (raw.headers, NULL), "application/yaml"));

  mgmt (f, "PUT", "/config.yaml", MGMT_KEY, "key: [unclosed", &syntax);
  mgmt_assert_error (&syntax, 400, "invalid_yaml");
  mgmt (f, "PUT", "/config.yaml", MGMT_KEY, "port: many\n", &invalid);
  mgmt_assert_error (&invalid, 422, "invalid_config");
  now = read_config (f);
  g_assert_cmpstr (now, ==, before);                    /* refused: file untouched */

  /* A plain secret-key in the new text is stored hashed, and still works. */
  edited = g_strconcat (before, "request-retry: 7\n", NULL);
  mgmt (f, "PUT", "/config.yaml", MGMT_KEY, edited, &good);
  g_assert_cmpuint (good.status, ==, 200);
  root = http_response_json (&good);
  g_assert_true (json_node_get_boolean (http_json_at (root, "ok")));
  g_clear_pointer (&now, g_free);
  now = read_config (f);
  g_assert_null (strstr (now, MGMT_KEY));
  g_assert_nonnull (strstr (now, "$2"));
  g_assert_nonnull (strstr (now, "request-retry: 7"));
  mgmt (f, "GET", "/request-retry", MGMT_KEY, NULL, &after);
  g_assert_cmpuint (after.status, ==, 200);
  g_assert_nonnull (strstr (after.text, "7"));
}

/* -- quota ----------------------------------------------------------------------- */

/* A Claude upstream whose answers carry the subscription's windows. */
static void
rate_limited_claude (SoupServer        *server,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *reset5 = g_strdup_printf ("%" G_GINT64_FORMAT, now + 3600);
  g_autofree char *reset7 = g_strdup_printf ("%" G_GINT64_FORMAT, now + 3 * 86400);
  const char *body = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-rl\","
                     "\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"stop_reason\":\"end_turn\","
                     "\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}";

  soup_message_headers_replace (h, "anthropic-ratelimit-unified-status", "allowed");
  soup_message_headers_replace (h, "anthropic-ratelimit-unified-5h-utilization", "0.3");
  soup_message_headers_replace (h, "anthropic-ratelimit-unified-5h-reset", reset5);
  soup_message_headers_replace (h, "anthropic-ratelimit-unified-7d-utilization", "0.6");
  soup_message_headers_replace (h, "anthropic-ratelimit-unified-7d-reset", reset7);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static JsonNode *
quota_window (JsonNode   *quota,
              const char *provider_label_part,
              const char *window)
{
  JsonArray *accounts = json_node_get_array (http_json_at (quota, "accounts"));

  for (guint i = 0; i < json_array_get_length (accounts); i++)
    {
      JsonNode *a = json_array_get_element (accounts, i);
      JsonArray *windows = json_node_get_array (http_json_at (a, "windows"));

      if (strstr (http_json_string (a, "label"), provider_label_part) == NULL)
        continue;
      for (guint j = 0; j < json_array_get_length (windows); j++)
        if (g_strcmp0 (http_json_string (json_array_get_element (windows, j), "id"), window) == 0)
          return json_array_get_element (windows, j);
    }
  return NULL;
}

static gboolean
history_has_reading (gpointer data)
{
  Fixture *f = data;
  g_auto(HttpResponse) r = { 0 };
  g_autoptr(JsonNode) root = NULL;
  JsonNode *points;

  mgmt (f, "GET", "/quota/history?window=five_hour", MGMT_KEY, NULL, &r);
  g_assert_cmpuint (r.status, ==, 200);
  root = http_response_json (&r);
  points = http_json_at (root, "accounts.0.windows.0.points");
  return points != NULL && json_array_get_length (json_node_get_array (points)) > 0;
}

static void
test_quota_passive (Fixture       *f,
                    gconstpointer  data)
{
  g_auto(HttpResponse) claude = { 0 };
  g_auto(HttpResponse) refresh = { 0 };
  g_auto(HttpResponse) unknown = { 0 };
  g_autoptr(JsonNode) quota = NULL;
  g_autoptr(JsonNode) later = NULL;
  g_autoptr(JsonNode) history = NULL;
  JsonNode *five, *week;

  fake_upstream_add_handler (f->upstream, "/rl/v1/messages", rate_limited_claude, NULL);
  client_post (f, "/v1/messages", "{\"model\":\"claude-rl\",\"max_tokens\":20,"
               "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &claude);
  g_assert_cmpuint (claude.status, ==, 200);

  quota = mgmt_json (f, "/quota");
  five = quota_window (quota, "9a8b", "five_hour");
  week = quota_window (quota, "9a8b", "seven_day");
  g_assert_nonnull (five);
  g_assert_nonnull (week);
  g_assert_cmpfloat_with_epsilon (json_node_get_double (http_json_at (five, "remaining")), 0.7, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_node_get_double (http_json_at (week, "remaining")), 0.4, 1e-9);
  g_assert_cmpstr (http_json_string (five, "source"), ==, "headers");
  g_assert_nonnull (http_json_string (five, "reset_at"));
  /* The other accounts saw no such headers. */
  g_assert_null (quota_window (quota, "0b7c", "five_hour"));

  /* Each reading is kept: the history and its range. */
  g_assert_true (http_spin_until (history_has_reading, f, 5000));
  history = mgmt_json (f, "/quota/history?window=five_hour");
  g_assert_cmpfloat_with_epsilon (json_node_get_double (http_json_at (history, "accounts.0.windows.0.points.0.remaining")),
                                  0.7, 1e-9);
  later = mgmt_json (f, "/quota");
  g_assert_cmpint (http_json_int (quota_window (later, "9a8b", "five_hour"), "history.count"), ==, 1);

  /* No account here has a usage endpoint (API keys): nothing to read. */
  mgmt (f, "POST", "/quota/refresh", MGMT_KEY, NULL, &refresh);
  g_assert_cmpuint (refresh.status, ==, 200);
  mgmt (f, "POST", "/quota/refresh?account=nobody", MGMT_KEY, NULL, &unknown);
  mgmt_assert_error (&unknown, 404, "account not found");
}

/* -- logs -------------------------------------------------------------------------- */

static void
test_logs (Fixture       *f,
           gconstpointer  data)
{
  g_auto(HttpResponse) chat = { 0 };
  g_auto(HttpResponse) cleared = { 0 };
  g_autoptr(JsonNode) logs = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *lines;
  gboolean found = FALSE;

  g_message ("a line for the log file, with the key %s in it", CLIENT_KEY);
  client_post (f, "/v1/chat/completions", "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
               &chat);
  http_spin_for (1200);     /* the file is written at least every second */
  logs = mgmt_json (f, "/logs?limit=1000");
  lines = json_node_get_array (http_json_at (logs, "lines"));
  g_assert_cmpint (http_json_int (logs, "line-count"), ==, json_array_get_length (lines));
  g_assert_cmpint (http_json_int (logs, "latest-timestamp"), >, 0);
  for (guint i = 0; i < json_array_get_length (lines); i++)
    {
      const char *line = json_array_get_string_element (lines, i);

      g_assert_null (strstr (line, CLIENT_KEY));          /* masked on the way in */
      found |= strstr (line, "a line for the log file") != NULL;
    }
  g_assert_true (found);

  mgmt (f, "DELETE", "/logs", MGMT_KEY, NULL, &cleared);
  g_assert_cmpuint (cleared.status, ==, 200);
  root = http_response_json (&cleared);
  g_assert_true (json_node_get_boolean (http_json_at (root, "success")));
  after = mgmt_json (f, "/logs");
  /* Only what came after the clearing (the access lines of these calls). */
  lines = json_node_get_array (http_json_at (after, "lines"));
  for (guint i = 0; i < json_array_get_length (lines); i++)
    g_assert_null (strstr (json_array_get_string_element (lines, i), "a line for the log file"));
}

static void
test_logs_off (Fixture       *f,
               gconstpointer  data)
{
  g_auto(HttpResponse) r = { 0 };
  g_auto(HttpResponse) bad_name = { 0 };
  g_auto(HttpResponse) none = { 0 };
  g_autoptr(JsonNode) files = NULL;

  mgmt (f, "GET", "/logs", MGMT_KEY, NULL, &r);
  mgmt_assert_error (&r, 400, "logging to file disabled");
  files = mgmt_json (f, "/request-error-logs");
  g_assert_nonnull (http_json_at (files, "files"));
  mgmt (f, "GET", "/request-error-logs/..%2Fconfig.yaml", MGMT_KEY, NULL, &bad_name);
  g_assert_cmpuint (bad_name.status, ==, 400);
  mgmt (f, "GET", "/request-log-by-id/abc123", MGMT_KEY, NULL, &none);
  g_assert_cmpuint (none.status, ==, 404);
}

static void
test_diagnostics_route (Fixture       *f,
                        gconstpointer  data)
{
  g_auto(HttpResponse) r = { 0 };
  g_autofree char *zip = g_build_filename (f->dir, "bundle.zip", NULL);
  g_autofree char *out = NULL;
  g_autofree char *cmd = NULL;
  int status = 0;

  mgmt (f, "GET", "/diagnostics", MGMT_KEY, NULL, &r);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (r.headers, NULL), ==, "application/zip");
  g_assert_cmpuint (g_bytes_get_size (r.body), >, 4);
  g_assert_cmpint (memcmp (g_bytes_get_data (r.body, NULL), "PK", 2), ==, 0);
  g_assert_true (g_file_set_contents (zip, g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body), NULL));
  /* Unpacked, no key is in it. */
  cmd = g_strdup_printf ("python3 -c \"import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); "
                         "sys.stdout.write(''.join(z.read(n).decode('utf-8','replace') for n in z.namelist()))\" '%s'",
                         zip);
  g_assert_true (g_spawn_command_line_sync (cmd, &out, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "claude"));
  g_assert_null (strstr (out, CLIENT_KEY));
  g_assert_null (strstr (out, CLAUDE_KEY));
  g_assert_null (strstr (out, UPSTREAM_KEY));
  g_assert_null (strstr (out, MGMT_KEY));
}

/* -- browsers: allowed origins, the control panel ------------------------------ */

static void
test_allowed_origins (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *url = g_strconcat (f->base, "/v0/management/usage", NULL);
  const char *listed[] = { "Authorization: Bearer " MGMT_KEY, "Origin: https://panel.example", NULL };
  const char *preflight[] = { "Origin: https://panel.example", "Access-Control-Request-Method: GET",
                              "Access-Control-Request-Headers: authorization", NULL };
  const char *other[] = { "Authorization: Bearer " MGMT_KEY, "Origin: https://other.example", NULL };
  g_auto(HttpResponse) ok = { 0 };
  g_auto(HttpResponse) pre = { 0 };
  g_auto(HttpResponse) refused = { 0 };

  http_request (f->session, "GET", url, NULL, NULL, 0, listed, &ok);
  g_assert_cmpuint (ok.status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (ok.headers, "Access-Control-Allow-Origin"), ==,
                   "https://panel.example");
  http_request (f->session, "OPTIONS", url, NULL, NULL, 0, preflight, &pre);
  g_assert_cmpuint (pre.status, ==, 204);
  g_assert_nonnull (strstr (soup_message_headers_get_one (pre.headers, "Access-Control-Allow-Headers"),
                            "Authorization"));
  http_request (f->session, "GET", url, NULL, NULL, 0, other, &refused);
  mgmt_assert_error (&refused, 403, "cross-origin requests are not allowed");
  g_assert_null (soup_message_headers_get_one (refused.headers, "Access-Control-Allow-Origin"));
}

static void
test_control_panel (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *url = g_strconcat (f->base, "/management.html", NULL);
  g_autofree char *dir = g_build_filename (f->dir, "static", NULL);
  g_autofree char *file = g_build_filename (dir, "management.html", NULL);
  g_auto(HttpResponse) missing = { 0 };
  g_auto(HttpResponse) served = { 0 };
  g_auto(HttpResponse) off = { 0 };

  http_request (f->session, "GET", url, NULL, NULL, 0, NULL, &missing);
  g_assert_cmpuint (missing.status, ==, 404);
  g_assert_nonnull (strstr (missing.text, "static"));

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, "<html>panel</html>", -1, NULL));
  http_request (f->session, "GET", url, NULL, NULL, 0, NULL, &served);
  g_assert_cmpuint (served.status, ==, 200);
  g_assert_cmpstr (served.text, ==, "<html>panel</html>");
  g_assert_true (g_str_has_prefix (soup_message_headers_get_content_type (served.headers, NULL), "text/html"));

  /* disable-control-panel: gone. */
  sy_service_stop (f->service);
  g_clear_object (&f->service);
  g_clear_pointer (&f->base, g_free);
  write_config (f, KEYED_PANEL_OFF);
  start_service (f);
  g_free (url);
  url = g_strconcat (f->base, "/management.html", NULL);
  http_request (f->session, "GET", url, NULL, NULL, 0, NULL, &off);
  g_assert_cmpuint (off.status, ==, 404);
  g_remove (file);
  g_rmdir (dir);
}

static void
test_reset_quota (Fixture       *f,
                  gconstpointer  data)
{
  const char *body = "{\"model\":\"fail-500\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  g_auto(HttpResponse) first = { 0 };
  g_auto(HttpResponse) cooling = { 0 };
  g_auto(HttpResponse) reset = { 0 };
  g_auto(HttpResponse) again = { 0 };
  g_auto(HttpResponse) unknown = { 0 };
  g_autoptr(JsonNode) usage = NULL;
  g_autofree char *reset_body = NULL;
  const char *auth_index;

  client_post (f, "/v1/chat/completions", body, &first);
  g_assert_cmpuint (first.status, ==, 500);
  client_post (f, "/v1/chat/completions", body, &cooling);
  g_assert_cmpuint (cooling.status, ==, 429);      /* the only account cools down */
  wait_for_requests (f, 2);
  usage = get_usage (f);
  auth_index = http_json_string (find_api (usage), "models.fail-500.details.0.auth_index");
  g_assert_nonnull (auth_index);

  reset_body = g_strdup_printf ("{\"auth_index\":\"%s\"}", auth_index);
  mgmt (f, "POST", "/reset-quota", MGMT_KEY, reset_body, &reset);
  g_assert_cmpuint (reset.status, ==, 200);
  g_assert_nonnull (strstr (reset.text, auth_index));
  client_post (f, "/v1/chat/completions", body, &again);
  g_assert_cmpuint (again.status, ==, 500);         /* tried upstream again */

  mgmt (f, "POST", "/reset-quota", MGMT_KEY, "{\"auth_index\":\"0000000000000000\"}", &unknown);
  mgmt_assert_error (&unknown, 404, "auth not found");
}

/* -- request logs ----------------------------------------------------------------- */

#define CHAT_BODY(model, stream) \
  "{\"model\":\"" model "\",\"stream\":" stream ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"

static gboolean
no_request_active (gpointer data)
{
  Fixture *f = data;

  return sy_service_get_n_active_requests (f->service) == 0;
}

/* Every request done, its record finished and written (or dropped). */
static void
wait_for_request_logs (Fixture *f)
{
  g_assert_true (http_spin_until (no_request_active, f, 5000));
  sy_request_log_wait ();
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* @dir's files named <prefix>….log, sorted. */
static GPtrArray *
list_request_logs (const char *dir,
                   const char *prefix)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, prefix) && g_str_has_suffix (name, ".log"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

/* The request id in "<prefix>-<stamp>-<id>.log". */
static char *
id_of_log (const char *name)
{
  const char *dash = strrchr (name, '-');

  g_assert_nonnull (dash);
  g_assert_true (g_str_has_suffix (name, ".log"));
  return g_strndup (dash + 1, strlen (dash + 1) - strlen (".log"));
}

/* Without request-log every request keeps a record until it ends, in case
 * it fails: what it copies of bodies stops at 1 MB (an error log needs the
 * start and the error; a long stream must not hold itself in memory). */
static void
test_request_log_body_budget (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (g_get_user_state_dir (), "switchyard", "logs", NULL);
  g_autoptr(GPtrArray) before = list_request_logs (dir, "error-");
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GString) big = g_string_new ("{\"error\":{\"message\":\"");
  g_auto(HttpResponse) failed = { 0 };
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  for (guint i = 0; i < before->len; i++)
    {
      g_autofree char *old = g_build_filename (dir, g_ptr_array_index (before, i), NULL);

      g_assert_cmpint (g_remove (old), ==, 0);
    }
  while (big->len < 3 * 1024 * 1024)
    g_string_append (big, "overloaded ");
  g_string_append (big, "\"}}");
  fake_upstream_script (f->upstream, "echo", NULL, 500, NULL, big->str);

  client_post (f, "/v1/chat/completions", CHAT_BODY ("echo", "false"), &failed);
  g_assert_cmpuint (failed.status, ==, 500);
  wait_for_request_logs (f);
  after = list_request_logs (dir, "error-");
  g_assert_cmpuint (after->len, ==, 1);
  path = g_build_filename (dir, g_ptr_array_index (after, 0), NULL);
  g_assert_true (g_file_get_contents (path, &text, &len, NULL));
  g_assert_nonnull (strstr (text, "[truncated: "));
  g_assert_cmpuint (len, <, SY_REQUEST_LOG_FAILURE_BODY_LIMIT + 256 * 1024);
  g_assert_cmpuint (len, >, SY_REQUEST_LOG_FAILURE_BODY_LIMIT / 2);
}

static void
test_request_log_errors (Fixture       *f,
                         gconstpointer  data)
{
  /* No logs-dir: the default, which the management routes read too. */
  g_autofree char *dir = g_build_filename (g_get_user_state_dir (), "switchyard", "logs", NULL);
  g_autofree char *masked_client = sy_mask_secret (CLIENT_KEY);
  g_autoptr(GPtrArray) before = list_request_logs (dir, "error-");
  g_autoptr(GPtrArray) after = NULL;
  g_auto(HttpResponse) ok = { 0 };
  g_auto(HttpResponse) failed = { 0 };
  g_auto(HttpResponse) file = { 0 };
  g_auto(HttpResponse) by_id = { 0 };
  g_autoptr(JsonNode) listing = NULL;
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  JsonArray *files;
  const char *name;

  /* Other tests of this process failed requests too: start empty. */
  for (guint i = 0; i < before->len; i++)
    {
      g_autofree char *old = g_build_filename (dir, g_ptr_array_index (before, i), NULL);

      g_assert_cmpint (g_remove (old), ==, 0);
    }

  client_post (f, "/v1/chat/completions", CHAT_BODY ("echo", "false"), &ok);
  g_assert_cmpuint (ok.status, ==, 200);
  wait_for_request_logs (f);
  after = list_request_logs (dir, "error-");
  g_assert_cmpuint (after->len, ==, 0);               /* a success leaves nothing */
  g_clear_pointer (&after, g_ptr_array_unref);
  after = list_request_logs (dir, "request-");
  g_assert_cmpuint (after->len, ==, 0);
  g_clear_pointer (&after, g_ptr_array_unref);

  client_post (f, "/v1/chat/completions", CHAT_BODY ("fail-500", "false"), &failed);
  g_assert_cmpuint (failed.status, ==, 500);
  wait_for_request_logs (f);

  listing = mgmt_json (f, "/request-error-logs");
  files = json_node_get_array (http_json_at (listing, "files"));
  g_assert_cmpuint (json_array_get_length (files), ==, 1);
  name = http_json_string (json_array_get_element (files, 0), "name");
  g_assert_true (g_str_has_prefix (name, "error-"));
  g_assert_cmpint (http_json_int (json_array_get_element (files, 0), "size"), >, 0);
  after = list_request_logs (dir, "error-");
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (after, 0), ==, name);

  path = g_strconcat ("/request-error-logs/", name, NULL);
  mgmt (f, "GET", path, MGMT_KEY, NULL, &file);
  g_assert_cmpuint (file.status, ==, 200);
  g_assert_nonnull (strstr (file.text, "Path: /v1/chat/completions\n"));
  g_assert_nonnull (strstr (file.text, "=== REQUEST BODY ===\n{\"model\":\"fail-500\""));
  g_assert_nonnull (strstr (file.text, "=== API RESPONSE 1 ===\nStatus: 500\n"));
  g_assert_nonnull (strstr (file.text, "fake failure 500"));          /* the upstream's error body */
  g_assert_nonnull (strstr (file.text, "=== RESPONSE ===\nStatus: 500\n"));
  /* The client's key is there masked, the upstream's not at all in clear. */
  g_assert_nonnull (strstr (file.text, masked_client));
  g_assert_null (strstr (file.text, CLIENT_KEY));
  g_assert_null (strstr (file.text, UPSTREAM_KEY));

  id = id_of_log (name);
  /* The client was told the id. */
  g_assert_cmpstr (soup_message_headers_get_one (failed.headers, "X-Request-Id"), ==, id);
  g_assert_nonnull (strstr (file.text, "Request-ID: "));
  g_assert_true (g_str_has_prefix (strstr (file.text, "Request-ID: ") + strlen ("Request-ID: "), id));
  g_free (path);
  path = g_strconcat ("/request-log-by-id/", id, NULL);
  mgmt (f, "GET", path, MGMT_KEY, NULL, &by_id);
  g_assert_cmpuint (by_id.status, ==, 200);
  g_assert_cmpstr (by_id.text, ==, file.text);
}

static void
test_request_log_all (Fixture       *f,
                      gconstpointer  data)
{
  g_auto(HttpResponse) streamed = { 0 };
  g_auto(HttpResponse) by_id = { 0 };
  g_autoptr(GPtrArray) logs = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *id = NULL;
  g_autofree char *route = NULL;
  const char *response;

  client_post (f, "/v1/chat/completions", CHAT_BODY ("echo", "true"), &streamed);
  g_assert_cmpuint (streamed.status, ==, 200);
  g_assert_nonnull (strstr (streamed.text, "tok19"));
  wait_for_request_logs (f);

  /* logs-dir "." is the config's dir. */
  logs = list_request_logs (f->dir, "request-");
  errors = list_request_logs (f->dir, "error-");
  g_assert_cmpuint (logs->len, ==, 1);
  g_assert_cmpuint (errors->len, ==, 0);
  path = g_build_filename (f->dir, g_ptr_array_index (logs, 0), NULL);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "Status: 200\n"));
  g_assert_nonnull (strstr (text, "=== API RESPONSE 1 ===\nStatus: 200\n"));
  g_assert_nonnull (strstr (text, "content-type: text/event-stream"));
  /* The answer as the client got it, every chunk. */
  response = strstr (text, "=== RESPONSE ===\n");
  g_assert_nonnull (response);
  g_assert_nonnull (strstr (response, streamed.text));
  g_assert_null (strstr (text, CLIENT_KEY));
  g_assert_null (strstr (text, UPSTREAM_KEY));

  id = id_of_log (g_ptr_array_index (logs, 0));
  route = g_strconcat ("/request-log-by-id/", id, NULL);
  mgmt (f, "GET", route, MGMT_KEY, NULL, &by_id);
  g_assert_cmpuint (by_id.status, ==, 200);
  g_assert_cmpstr (by_id.text, ==, text);
}

static void
test_request_log_max_files (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) logs = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < 3; i++)
    {
      g_auto(HttpResponse) r = { 0 };
      g_autoptr(GPtrArray) now = NULL;

      client_post (f, "/v1/chat/completions", CHAT_BODY ("fail-500", "false"), &r);
      g_assert_cmpuint (r.status, ==, 500);
      wait_for_request_logs (f);
      now = list_request_logs (f->dir, "error-");
      g_assert_cmpuint (now->len, ==, MIN (i + 1, 2));
      /* Names sort by time: this request's is the last. */
      g_ptr_array_add (ids, id_of_log (g_ptr_array_index (now, now->len - 1)));
    }

  logs = list_request_logs (f->dir, "error-");
  g_assert_cmpuint (logs->len, ==, 2);
  /* The first request's file went, the two newest stay. */
  for (guint i = 0; i < logs->len; i++)
    {
      g_autofree char *id = id_of_log (g_ptr_array_index (logs, i));

      g_assert_cmpstr (id, !=, g_ptr_array_index (ids, 0));
      g_assert_cmpstr (id, ==, g_ptr_array_index (ids, i + 1));
    }
}

/* A stream that began well and broke off: the client got 200, and an error
 * file says what happened. */
static void
test_request_log_broken_stream (Fixture       *f,
                                gconstpointer  data)
{
  g_auto(HttpResponse) r = { 0 };
  g_autoptr(GPtrArray) logs = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;

  fake_upstream_script_full (f->upstream, "claude-echo", NULL, 200, NULL, "text/event-stream",
    "event: message_start\n"
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
    "\"model\":\"claude-echo\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":3,\"output_tokens\":0}}}\n\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"half an answer\"}}\n\n"
    "event: error\n"
    "data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"overloaded midway\"}}\n\n");
  /* OpenAI chat to a Claude upstream: through the codecs, event by event. */
  client_post (f, "/v1/chat/completions", CHAT_BODY ("claude-echo", "true"), &r);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_nonnull (strstr (r.text, "half an answer"));
  g_assert_nonnull (strstr (r.text, "overloaded midway"));
  wait_for_request_logs (f);

  logs = list_request_logs (f->dir, "error-");
  g_assert_cmpuint (logs->len, ==, 1);
  path = g_build_filename (f->dir, g_ptr_array_index (logs, 0), NULL);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "=== API ERROR 1 ===\noverloaded midway\n"));
  g_assert_nonnull (strstr (text, "=== RESPONSE ===\nStatus: 200\n"));
  g_assert_nonnull (strstr (text, "half an answer"));
  g_assert_null (strstr (text, CLIENT_KEY));
  g_assert_null (strstr (text, CLAUDE_KEY));
}

/* A body refused before any upstream is a failure too; a request without
 * the key is no request to a model and leaves nothing. */
static void
test_request_log_refused (Fixture       *f,
                          gconstpointer  data)
{
  g_auto(HttpResponse) bad = { 0 };
  g_auto(HttpResponse) nokey = { 0 };
  g_autofree char *url = g_strconcat (f->base, "/v1/chat/completions", NULL);
  g_autoptr(GPtrArray) logs = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;

  http_request (f->session, "POST", url, NULL, "{\"model\":\"echo\"", 15, NULL, &nokey);
  g_assert_cmpuint (nokey.status, ==, 401);
  client_post (f, "/v1/chat/completions", "{\"model\":\"echo\"", &bad);
  g_assert_cmpuint (bad.status, ==, 400);
  wait_for_request_logs (f);

  logs = list_request_logs (f->dir, "error-");
  g_assert_cmpuint (logs->len, ==, 1);
  path = g_build_filename (f->dir, g_ptr_array_index (logs, 0), NULL);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "=== REQUEST BODY ===\n{\"model\":\"echo\"\n"));
  g_assert_nonnull (strstr (text, "Upstream attempts: 0\n"));
  g_assert_nonnull (strstr (text, "=== RESPONSE ===\nStatus: 400\n"));
  g_assert_nonnull (strstr (text, "not valid JSON"));
}

/* A change the service would refuse is refused before it is written. */
static void
test_config_refused (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *before = read_config (f);
  g_autofree char *after = NULL;
  g_auto(HttpResponse) keys = { 0 };
  g_autoptr(JsonNode) root = NULL;

  /* Listening on all interfaces: the client keys cannot all go. */
  mgmt (f, "PUT", "/api-keys", MGMT_KEY, "[]", &keys);
  g_assert_cmpuint (keys.status, ==, 422);
  root = http_response_json (&keys);
  g_assert_cmpstr (http_json_string (root, "error"), ==, "invalid_config");
  g_assert_nonnull (strstr (http_json_string (root, "message"), "api-keys"));
  after = read_config (f);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpuint (models_status (f, CLIENT_KEY), ==, 200);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = g_dir_make_tmp ("sy-mgmt-home-XXXXXX", NULL);
  g_autofree char *state = g_build_filename (home, "state", NULL);
  g_autofree char *data = g_build_filename (home, "data", NULL);
  int status;

  /* Account state files go to the state dir: keep them out of the user's. */
  g_setenv ("XDG_STATE_HOME", state, TRUE);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_test_init (&argc, &argv, NULL);
  sy_log_init (FALSE);      /* the process's log handler: masking, the file */

#define KEYED "remote-management:\n  secret-key: \"" MGMT_KEY "\"\n"
  g_test_add ("/management/off-without-key", Fixture, NULL, fixture_setup, test_off_without_key, fixture_teardown);
  g_test_add ("/management/keys", Fixture, KEYED, fixture_setup, test_keys, fixture_teardown);
  g_test_add ("/management/lockout", Fixture, KEYED, fixture_setup, test_lockout, fixture_teardown);
  g_test_add ("/management/success-resets", Fixture, KEYED, fixture_setup, test_success_resets_failures,
              fixture_teardown);
  g_test_add ("/management/bcrypt", Fixture, NULL, fixture_setup, test_bcrypt_secret, fixture_teardown);
  g_test_add ("/management/env-password", Fixture, NULL, fixture_setup, test_env_password, fixture_teardown);
  g_test_add ("/management/remote", Fixture, "#all\n" KEYED, fixture_setup, test_remote, fixture_teardown);
  g_test_add ("/management/routes-cors", Fixture, KEYED, fixture_setup, test_routes_and_cors, fixture_teardown);
  g_test_add ("/management/usage/rows", Fixture, NULL, fixture_setup, test_usage_rows, fixture_teardown);
  g_test_add ("/management/usage/off", Fixture, KEYED "usage-statistics-enabled: false\n", fixture_setup,
              test_usage_off, fixture_teardown);
  g_test_add ("/management/usage/series", Fixture, KEYED, fixture_setup, test_usage_series, fixture_teardown);
  g_test_add ("/management/usage/export-import", Fixture, KEYED, fixture_setup, test_usage_export_import,
              fixture_teardown);

  g_test_add ("/management/config/get", Fixture, KEYED, fixture_setup, test_config_get, fixture_teardown);
  g_test_add ("/management/config/scalars", Fixture, KEYED, fixture_setup, test_config_scalars, fixture_teardown);
  g_test_add ("/management/config/api-keys", Fixture, KEYED, fixture_setup, test_config_api_keys, fixture_teardown);
  g_test_add ("/management/config/object-lists", Fixture, KEYED, fixture_setup, test_config_object_lists,
              fixture_teardown);
  g_test_add ("/management/config/maps", Fixture, KEYED, fixture_setup, test_config_maps, fixture_teardown);
  g_test_add ("/management/config/yaml", Fixture, KEYED, fixture_setup, test_config_yaml, fixture_teardown);
  g_test_add ("/management/config/odd-bodies", Fixture, KEYED, fixture_setup, test_config_odd_bodies,
              fixture_teardown);

  g_test_add ("/management/quota/passive", Fixture, KEYED, fixture_setup, test_quota_passive, fixture_teardown);
  g_test_add ("/management/logs", Fixture, KEYED "logging-to-file: true\n", fixture_setup, test_logs,
              fixture_teardown);
  g_test_add ("/management/logs-off", Fixture, KEYED, fixture_setup, test_logs_off, fixture_teardown);
  g_test_add ("/management/diagnostics", Fixture, KEYED, fixture_setup, test_diagnostics_route, fixture_teardown);

  g_test_add ("/management/allowed-origins", Fixture,
              "remote-management:\n  secret-key: \"" MGMT_KEY "\"\n  allowed-origins: [\"https://panel.example\"]\n",
              fixture_setup, test_allowed_origins, fixture_teardown);
  g_test_add ("/management/control-panel", Fixture, KEYED, fixture_setup, test_control_panel, fixture_teardown);

  g_test_add ("/management/reset-quota", Fixture, KEYED, fixture_setup, test_reset_quota, fixture_teardown);
  g_test_add ("/management/request-log/body-budget", Fixture, KEYED, fixture_setup,
              test_request_log_body_budget, fixture_teardown);
  g_test_add ("/management/request-log/errors", Fixture, KEYED, fixture_setup, test_request_log_errors,
              fixture_teardown);
  g_test_add ("/management/request-log/all", Fixture, KEYED "request-log: true\nlogs-dir: \".\"\n",
              fixture_setup, test_request_log_all, fixture_teardown);
  g_test_add ("/management/request-log/max-files", Fixture, KEYED "error-logs-max-files: 2\nlogs-dir: \".\"\n"
              "disable-cooling: true\n", fixture_setup, test_request_log_max_files, fixture_teardown);
  g_test_add ("/management/request-log/broken-stream", Fixture, KEYED "logs-dir: \".\"\n", fixture_setup,
              test_request_log_broken_stream, fixture_teardown);
  g_test_add ("/management/request-log/refused", Fixture, KEYED "logs-dir: \".\"\n", fixture_setup,
              test_request_log_refused, fixture_teardown);

  g_test_add ("/management/config/refused", Fixture, "#all\n" KEYED, fixture_setup, test_config_refused,
              fixture_teardown);

  status = g_test_run ();
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", home);

    (void) !system (cmd);
  }
  return status;
}
