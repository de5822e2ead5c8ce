/* test-server.c: the whole engine over real HTTP on 127.0.0.1
 *
 * A SyService (built from a config string pointing at a fake upstream) serves
 * a SoupSession client in the same main loop.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define _GNU_SOURCE

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "fake-upstream.h"
#include "http-test-util.h"
#include "sy-account-pool.h"
#include "switchyard.h"

#define CLIENT_KEY "test-client-key-0001"
#define KEY_CLAUDE "sk-ant-upstream-claude-canary-1111"
#define KEY_GEMINI "AIzaUpstreamGeminiCanary2222xxxxxx"
#define KEY_CODEX  "sk-upstream-codex-canary-3333"
#define KEY_COMPAT "sk-upstream-compat-canary-4444"

typedef struct
{
  FakeUpstream *upstream;
  SyService    *service;
  SoupSession  *session;
  char         *base;
  char         *dead_url;   /* a port nothing listens on */
} Fixture;

static const char *behaviours =
  "      - name: echo\n"
  "      - name: slow-stream\n"
  "      - name: big-stream\n"
  "      - name: stall\n"
  "      - name: drop\n"
  "      - name: json-stream\n"
  "      - name: fail-429\n"
  "      - name: fail-500\n"
  "      - name: fail-400\n";

static char *
make_config (Fixture    *f,
             const char *extra)
{
  const char *url = fake_upstream_get_url (f->upstream);
  g_autoptr(GString) more = NULL;
  g_autoptr(GString) entries = NULL;
  g_autofree char *config = NULL;
  const char *split = extra ? strstr (extra, "%%\n") : NULL;
  gboolean tail = extra != NULL && g_str_has_prefix (extra, "  - ");

  /* @extra is top-level YAML, or (starting "  - ") more openai-compatibility
   * entries, or both: top-level, a line "%%", entries. UPSTREAM in it is
   * the fake upstream's URL. */
  if (split != NULL)
    {
      more = g_string_new_len (extra, split - extra);
      entries = g_string_new (split + 3);
      g_string_replace (entries, "UPSTREAM", url, 0);
    }
  else if (extra != NULL && tail)
    {
      entries = g_string_new (extra);
      g_string_replace (entries, "UPSTREAM", url, 0);
    }
  else if (extra != NULL)
    {
      more = g_string_new (extra);
      g_string_replace (more, "UPSTREAM", url, 0);
    }

  config = g_strdup_printf (
    "host: 127.0.0.1\n"
    "port: 0\n"
    "api-keys: [\"" CLIENT_KEY "\"]\n"
    "force-model-prefix: true\n"
    "max-body-size: 65536\n"
    "upstream-idle-timeout: 1\n"
    "upstream-connect-timeout: 5\n"
    "%s"
    "claude-api-key:\n"
    "  - api-key: \"" KEY_CLAUDE "\"\n"
    "    base-url: \"%s\"\n"
    "    prefix: c\n"
    "    models:\n%s"
    "gemini-api-key:\n"
    "  - api-key: \"" KEY_GEMINI "\"\n"
    "    base-url: \"%s\"\n"
    "    prefix: g\n"
    "    models:\n%s"
    "codex-api-key:\n"
    "  - api-key: \"" KEY_CODEX "\"\n"
    "    base-url: \"%s/v1\"\n"
    "    prefix: x\n"
    "    models:\n%s"
    "openai-compatibility:\n"
    "  - name: Fake\n"
    "    base-url: \"%s/v1\"\n"
    "    prefix: o\n"
    "    headers:\n"
    "      X-Custom: from-config\n"
    "    api-key-entries:\n"
    "      - api-key: \"" KEY_COMPAT "\"\n"
    "    models:\n%s"
    "      - name: real-upstream-name\n"
    "        alias: friendly\n"
    "  - name: Dead\n"
    "    base-url: \"%s/v1\"\n"
    "    prefix: dead\n"
    "    models:\n"
    "      - name: echo\n"
    /* One model, three accounts: failover within a request. */
    "  - {name: PoolDead, base-url: \"%s/v1\", prefix: pool, models: [{name: echo}]}\n"
    "  - {name: PoolA, base-url: \"%s/v1\", prefix: pool, models: [{name: echo}, {name: fail-400}, {name: fail-500}]}\n"
    "  - {name: PoolB, base-url: \"%s/v1\", prefix: pool, models: [{name: fail-400}, {name: fail-500}]}\n"
    /* Nothing listens at its base URL: only its proxy (the fake) gets there. */
    "  - {name: Proxied, base-url: \"%s/v1\", prefix: proxied, models: [{name: echo}],\n"
    "     api-key-entries: [{api-key: proxied-key, proxy-url: \"%s\"}]}\n",
    more ? more->str : "",
    url, behaviours, url, behaviours, url, behaviours, url, behaviours, f->dead_url,
    f->dead_url, url, url, f->dead_url, url);
  if (entries != NULL)
    return g_strconcat (config, entries->str, NULL);
  return g_steal_pointer (&config);
}

static char *
unused_port_url (void)
{
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  guint port;

  g_assert_true (g_socket_bind (sock, addr, TRUE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (sock, NULL);
  return g_strdup_printf ("http://127.0.0.1:%u", port);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml = NULL;

  f->upstream = fake_upstream_new ();
  f->dead_url = unused_port_url ();
  yaml = make_config (f, data);
  f->service = sy_service_new_from_string (yaml, &error);
  g_assert_no_error (error);
  g_assert_true (sy_service_start (f->service, &error));
  g_assert_no_error (error);
  f->base = sy_service_dup_url (f->service);
  f->session = soup_session_new_with_options ("timeout", 30, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->session);
  if (f->service != NULL)
    sy_service_stop (f->service);
  g_clear_object (&f->service);
  g_clear_pointer (&f->upstream, fake_upstream_free);
  g_free (f->base);
  g_free (f->dead_url);
  /* Let closed connections and cancelled transfers settle. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* headers: "Name: value" pairs, NULL-terminated; the client key is added
 * unless a header list is given. */
static SoupMessage *
build_message (Fixture            *f,
               const char         *method,
               const char         *path,
               const char         *body,
               const char * const *headers)
{
  g_autofree char *url = g_strconcat (f->base, path, NULL);
  SoupMessage *msg = soup_message_new (method, url);
  SoupMessageHeaders *h;

  g_assert_nonnull (msg);
  h = soup_message_get_request_headers (msg);
  if (headers == NULL)
    soup_message_headers_replace (h, "Authorization", "Bearer " CLIENT_KEY);
  for (guint i = 0; headers && headers[i]; i++)
    {
      g_auto(GStrv) kv = g_strsplit (headers[i], ": ", 2);
      soup_message_headers_replace (h, kv[0], kv[1]);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", b);
    }
  return msg;
}

/* headers: as for build_message(). */
static void
request_full (Fixture            *f,
              const char         *method,
              const char         *path,
              const char         *body,
              const char * const *headers,
              HttpResponse       *out)
{
  static const char * const client_key[] = { "Authorization: Bearer " CLIENT_KEY, NULL };
  g_autofree char *url = g_strconcat (f->base, path, NULL);

  http_request (f->session, method, url, NULL, body, body ? strlen (body) : 0, headers ? headers : client_key,
                out);
}

static void
post (Fixture      *f,
      const char   *path,
      const char   *body,
      HttpResponse *out)
{
  request_full (f, SOUP_METHOD_POST, path, body, NULL, out);
}

static JsonNode *
parse_json (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

static const char *
json_path_string (JsonNode   *root,
                  const char *path)
{
  g_autoptr(JsonNode) result = NULL;
  JsonArray *array;
  g_autoptr(GError) error = NULL;
  static char *last;

  result = json_path_query (path, root, &error);
  g_assert_no_error (error);
  array = json_node_get_array (result);
  if (json_array_get_length (array) == 0)
    return NULL;
  g_free (last);
  last = g_strdup (json_array_get_string_element (array, 0));
  return last;
}

/* The error shape of each client format. */
static void
assert_error_shape (HttpResponse *r,
                    const char   *format,
                    guint         status)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *obj;
  JsonObject *err;

  g_assert_cmpuint (r->status, ==, status);
  g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==, "application/json");
  root = parse_json (r->body);
  obj = json_node_get_object (root);
  err = json_object_get_object_member (obj, "error");
  g_assert_nonnull (err);
  g_assert_nonnull (json_object_get_string_member (err, "message"));
  if (g_str_equal (format, "claude"))
    {
      g_assert_cmpstr (json_object_get_string_member (obj, "type"), ==, "error");
      g_assert_nonnull (json_object_get_string_member (err, "type"));
    }
  else if (g_str_equal (format, "gemini"))
    {
      g_assert_cmpint (json_object_get_int_member (err, "code"), ==, status);
      g_assert_nonnull (json_object_get_string_member (err, "status"));
    }
  else
    g_assert_nonnull (json_object_get_string_member (err, "type"));
}

/* ---------------------------------------------------------------------- */

static void
test_health (Fixture       *f,
             gconstpointer  data)
{
  g_auto(HttpResponse) r = { 0 };
  g_auto(HttpResponse) r2 = { 0 };
  g_auto(HttpResponse) r3 = { 0 };
  const char *none[] = { NULL };

  request_full (f, "GET", "/healthz", NULL, none, &r);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (r.text, ==, "{\"status\":\"ok\"}");

  request_full (f, "GET", "/readyz", NULL, none, &r2);
  g_assert_cmpuint (r2.status, ==, 200);
  g_assert_nonnull (strstr (r2.text, "\"ready\""));

  request_full (f, "GET", "/", NULL, none, &r3);
  g_assert_cmpuint (r3.status, ==, 200);
  g_assert_nonnull (strstr (r3.text, "/v1/chat/completions"));
}

static void
test_auth (Fixture       *f,
           gconstpointer  data)
{
  const char *none[] = { NULL };
  const char *wrong[] = { "Authorization: Bearer nope", NULL };
  const char *xkey[] = { "x-api-key: " CLIENT_KEY, NULL };
  const char *goog[] = { "x-goog-api-key: " CLIENT_KEY, NULL };
  const char *raw[] = { "Authorization: " CLIENT_KEY, NULL };
  const char *chat = "{\"model\":\"o/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  const char *claude = "{\"model\":\"c/echo\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  const char *gemini = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}";

  {
    g_auto(HttpResponse) r = { 0 };
    request_full (f, "POST", "/v1/chat/completions", chat, none, &r);
    assert_error_shape (&r, "openai", 401);
    g_assert_nonnull (strstr (r.text, "Missing API key"));
  }
  {
    g_auto(HttpResponse) r = { 0 };
    request_full (f, "POST", "/v1/chat/completions", chat, wrong, &r);
    assert_error_shape (&r, "openai", 401);
    g_assert_nonnull (strstr (r.text, "Invalid API key"));
  }
  {
    g_auto(HttpResponse) r = { 0 };
    request_full (f, "POST", "/v1/messages", claude, wrong, &r);
    assert_error_shape (&r, "claude", 401);
  }
  {
    g_auto(HttpResponse) r = { 0 };
    request_full (f, "POST", "/v1beta/models/g/echo:generateContent", gemini, none, &r);
    assert_error_shape (&r, "gemini", 401);
  }
  {
    g_auto(HttpResponse) r = { 0 };
    request_full (f, "GET", "/v1/models", NULL, none, &r);
    assert_error_shape (&r, "openai", 401);
  }
  /* Every accepted way of sending the key. */
  {
    g_auto(HttpResponse) r = { 0 };
    request_full (f, "POST", "/v1/messages?beta=true", claude, xkey, &r);
    g_assert_cmpuint (r.status, ==, 200);
  }
  {
    g_auto(HttpResponse) r = { 0 };
    request_full (f, "POST", "/v1beta/models/g/echo:generateContent", gemini, goog, &r);
    g_assert_cmpuint (r.status, ==, 200);
  }
  {
    g_auto(HttpResponse) r = { 0 };
    request_full (f, "POST", "/v1beta/models/g/echo:generateContent?key=" CLIENT_KEY, gemini, none, &r);
    g_assert_cmpuint (r.status, ==, 200);
  }
  {
    g_auto(HttpResponse) r = { 0 };
    request_full (f, "POST", "/v1/chat/completions", chat, raw, &r);
    g_assert_cmpuint (r.status, ==, 200);
  }
}

static void
test_models (Fixture       *f,
             gconstpointer  data)
{
  const char *claude_ua[] = { "Authorization: Bearer " CLIENT_KEY, "User-Agent: claude-cli/2.1.0 (external, cli)", NULL };
  g_autoptr(JsonNode) root = NULL;

  {
    g_auto(HttpResponse) r = { 0 };
    g_autoptr(JsonNode) ids = NULL;
    g_autoptr(GError) error = NULL;
    JsonArray *arr;
    gboolean friendly = FALSE, cecho = FALSE, unprefixed = FALSE;

    request_full (f, "GET", "/v1/models", NULL, NULL, &r);
    g_assert_cmpuint (r.status, ==, 200);
    root = parse_json (r.body);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "object"), ==, "list");
    ids = json_path_query ("$.data[*].id", root, &error);
    arr = json_node_get_array (ids);
    for (guint i = 0; i < json_array_get_length (arr); i++)
      {
        const char *id = json_array_get_string_element (arr, i);
        friendly |= g_str_equal (id, "o/friendly");
        cecho |= g_str_equal (id, "c/echo");
        unprefixed |= g_str_equal (id, "echo");
      }
    g_assert_true (friendly);
    g_assert_true (cecho);
    g_assert_false (unprefixed);   /* force-model-prefix */
    g_clear_pointer (&root, json_node_unref);
  }
  {
    g_auto(HttpResponse) r = { 0 };

    request_full (f, "GET", "/v1/models", NULL, claude_ua, &r);
    g_assert_cmpuint (r.status, ==, 200);
    root = parse_json (r.body);
    g_assert_cmpstr (json_path_string (root, "$.data[0].type"), ==, "model");
    g_assert_true (json_object_has_member (json_node_get_object (root), "has_more"));
    g_clear_pointer (&root, json_node_unref);
  }
  {
    g_auto(HttpResponse) r = { 0 };

    request_full (f, "GET", "/v1beta/models", NULL, NULL, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_nonnull (strstr (r.text, "\"name\":\"models/g/echo\""));
    g_assert_nonnull (strstr (r.text, "generateContent"));
  }
  {
    g_auto(HttpResponse) r = { 0 };
    g_auto(HttpResponse) r2 = { 0 };

    request_full (f, "GET", "/v1beta/models/g/echo", NULL, NULL, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_nonnull (strstr (r.text, "models/g/echo"));
    request_full (f, "GET", "/v1beta/models/nothing-here", NULL, NULL, &r2);
    assert_error_shape (&r2, "gemini", 404);
  }
}

static void
test_openai_chat (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(HttpResponse) r = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) sent = NULL;
  const FakeRequest *last;

  post (f, "/v1/chat/completions",
        "{\"model\":\"o/friendly\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0.5}", &r);
  g_assert_cmpuint (r.status, ==, 200);
  root = parse_json (r.body);
  g_assert_cmpstr (json_path_string (root, "$.choices[0].message.content"), ==, "Hello from fake openai");

  last = fake_upstream_get_last (f->upstream);
  g_assert_cmpstr (last->path, ==, "/v1/chat/completions");
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Authorization"), ==, "Bearer " KEY_COMPAT);
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "X-Custom"), ==, "from-config");
  sent = parse_json (last->body);
  /* The alias became the upstream name; everything else went through. */
  g_assert_cmpstr (json_path_string (sent, "$.model"), ==, "real-upstream-name");
  g_assert_cmpstr (json_path_string (sent, "$.messages[0].content"), ==, "hi");
  g_assert_cmpfloat (json_object_get_double_member (json_node_get_object (sent), "temperature"), ==, 0.5);
}

static void
test_claude (Fixture       *f,
             gconstpointer  data)
{
  const char *hdrs[] = { "x-api-key: " CLIENT_KEY, "anthropic-version: 2023-06-01",
                         "anthropic-beta: interleaved-thinking-2025-05-14", NULL };
  g_auto(HttpResponse) r = { 0 };
  g_auto(HttpResponse) rc = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) sent = NULL;
  const FakeRequest *last;

  request_full (f, "POST", "/v1/messages?beta=true",
                "{\"model\":\"c/echo\",\"max_tokens\":32,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                hdrs, &r);
  g_assert_cmpuint (r.status, ==, 200);
  root = parse_json (r.body);
  g_assert_cmpstr (json_path_string (root, "$.content[0].text"), ==, "Hello from fake claude");

  last = fake_upstream_get_last (f->upstream);
  g_assert_cmpstr (last->path, ==, "/v1/messages");
  g_assert_cmpstr (last->query, ==, "beta=true");
  /* Not api.anthropic.com: a bearer token, as gateways expect. */
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Authorization"), ==, "Bearer " KEY_CLAUDE);
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Anthropic-Version"), ==, "2023-06-01");
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Anthropic-Beta"), ==,
                   "interleaved-thinking-2025-05-14");
  sent = parse_json (last->body);
  g_assert_cmpstr (json_path_string (sent, "$.model"), ==, "echo");

  request_full (f, "POST", "/v1/messages/count_tokens",
                "{\"model\":\"c/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", hdrs, &rc);
  g_assert_cmpuint (rc.status, ==, 200);
  g_assert_cmpstr (rc.text, ==, "{\"input_tokens\":42}");
  g_assert_cmpstr (fake_upstream_get_last (f->upstream)->path, ==, "/v1/messages/count_tokens");
}

static void
test_responses (Fixture       *f,
                gconstpointer  data)
{
  g_auto(HttpResponse) r = { 0 };
  g_autoptr(JsonNode) root = NULL;
  const FakeRequest *last;

  g_autoptr(JsonNode) sent = NULL;

  /* Codex only streams: a single answer is collected from its stream. */
  post (f, "/v1/responses", "{\"model\":\"x/echo\",\"input\":\"hi\"}", &r);
  g_assert_cmpuint (r.status, ==, 200);
  root = parse_json (r.body);
  g_assert_cmpstr (json_path_string (root, "$.status"), ==, "completed");
  g_assert_true (g_str_has_prefix (json_path_string (root, "$.output[0].content[0].text"), "tok0 tok1 "));
  g_assert_nonnull (strstr (json_path_string (root, "$.output[0].content[0].text"), "tok19"));
  last = fake_upstream_get_last (f->upstream);
  g_assert_cmpstr (last->path, ==, "/v1/responses");
  sent = parse_json (last->body);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (sent), "stream"));
  g_assert_false (json_object_get_boolean_member (json_node_get_object (sent), "store"));
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Authorization"), ==, "Bearer " KEY_CODEX);
}

static void
test_gemini (Fixture       *f,
             gconstpointer  data)
{
  const char *body = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}";
  g_auto(HttpResponse) r = { 0 };
  g_auto(HttpResponse) rc = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) sent = NULL;
  const FakeRequest *last;

  post (f, "/v1beta/models/g/echo:generateContent", body, &r);
  g_assert_cmpuint (r.status, ==, 200);
  root = parse_json (r.body);
  g_assert_cmpstr (json_path_string (root, "$.candidates[0].content.parts[0].text"), ==, "Hello from fake gemini");
  last = fake_upstream_get_last (f->upstream);
  g_assert_cmpstr (last->path, ==, "/v1beta/models/echo:generateContent");
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "x-goog-api-key"), ==, KEY_GEMINI);
  g_assert_null (soup_message_headers_get_one (last->headers, "Authorization"));
  sent = parse_json (last->body);
  g_assert_false (json_object_has_member (json_node_get_object (sent), "model"));

  post (f, "/v1beta/models/g/echo:countTokens", body, &rc);
  g_assert_cmpuint (rc.status, ==, 200);
  g_assert_cmpstr (rc.text, ==, "{\"totalTokens\":42}");
}

/* ---------------------------------------------------------------------- */
/* Streams                                                                 */

typedef struct
{
  Fixture       *f;
  SoupMessage   *msg;
  GInputStream  *stream;
  GCancellable  *cancellable;
  GString       *received;
  GError        *error;
  gboolean       headers_done;
  gboolean       eof;
  gboolean       reading;
  gboolean       stop_reading;
} Streamer;

static void read_more (Streamer *s);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Streamer *s = data;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &s->error);

  s->reading = FALSE;
  if (bytes == NULL)
    return;
  if (g_bytes_get_size (bytes) == 0)
    {
      s->eof = TRUE;
      return;
    }
  g_string_append_len (s->received, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (!s->stop_reading)
    read_more (s);
}

static void
read_more (Streamer *s)
{
  s->reading = TRUE;
  g_input_stream_read_bytes_async (s->stream, 65536, G_PRIORITY_DEFAULT, s->cancellable, on_read, s);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Streamer *s = data;

  s->stream = soup_session_send_finish (SOUP_SESSION (source), result, &s->error);
  s->headers_done = TRUE;
  if (s->stream != NULL && !s->stop_reading)
    read_more (s);
}

static Streamer *
streamer_start (Fixture    *f,
                const char *path,
                const char *body,
                gboolean    read)
{
  Streamer *s = g_new0 (Streamer, 1);

  s->f = f;
  s->msg = build_message (f, "POST", path, body, NULL);
  s->received = g_string_new (NULL);
  s->cancellable = g_cancellable_new ();
  s->stop_reading = !read;
  soup_session_send_async (f->session, s->msg, G_PRIORITY_DEFAULT, s->cancellable, on_sent, s);
  return s;
}

static void
streamer_free (Streamer *s)
{
  g_cancellable_cancel (s->cancellable);
  while (s->reading)
    g_main_context_iteration (NULL, TRUE);
  if (s->stream)
    g_input_stream_close (s->stream, NULL, NULL);
  g_clear_object (&s->stream);
  g_clear_object (&s->msg);
  g_clear_object (&s->cancellable);
  g_clear_error (&s->error);
  g_string_free (s->received, TRUE);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Streamer, streamer_free)

static gboolean
streamer_eof (gpointer data)
{
  Streamer *s = data;
  return s->eof || s->error != NULL;
}

static gboolean
streamer_has_data (gpointer data)
{
  Streamer *s = data;
  return s->received->len > 0 || s->eof || s->error != NULL;
}

static gboolean
streamer_headers (gpointer data)
{
  return ((Streamer *) data)->headers_done;
}

static guint
count_substr (const char *haystack,
              const char *needle)
{
  /* memmem, not strstr: sanitizers make strstr measure the haystack each call. */
  gsize nlen = strlen (needle);
  const char *end = haystack + strlen (haystack);
  const char *p = haystack;
  guint n = 0;

  while ((p = memmem (p, end - p, needle, nlen)) != NULL)
    {
      n++;
      p += nlen;
    }
  return n;
}

static void
stream_to_end (Fixture    *f,
               const char *path,
               const char *body,
               GString   **out)
{
  g_autoptr(Streamer) s = streamer_start (f, path, body, TRUE);

  g_assert_true (http_spin_until (streamer_eof, s, 20000));
  g_assert_no_error (s->error);
  g_assert_cmpuint (soup_message_get_status (s->msg), ==, 200);
  g_object_set_data_full (G_OBJECT (f->session), "ct",
                          g_strdup (soup_message_headers_get_content_type (soup_message_get_response_headers (s->msg), NULL)),
                          g_free);
  *out = g_string_new (s->received->str);
}

static void
test_streams (Fixture       *f,
              gconstpointer  data)
{
  GString *out = NULL;

  stream_to_end (f, "/v1/chat/completions",
                 "{\"model\":\"o/echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &out);
  g_assert_cmpstr (g_object_get_data (G_OBJECT (f->session), "ct"), ==, "text/event-stream");
  g_assert_cmpuint (count_substr (out->str, "chat.completion.chunk"), ==, FAKE_STREAM_EVENTS + 1);
  g_assert_true (g_str_has_suffix (out->str, "data: [DONE]\n\n"));
  g_assert_nonnull (strstr (out->str, "\"content\":\"tok0 \""));
  g_string_free (out, TRUE);

  stream_to_end (f, "/v1/messages",
                 "{\"model\":\"c/echo\",\"stream\":true,\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &out);
  g_assert_true (g_str_has_prefix (out->str, "event: message_start\n"));
  g_assert_cmpuint (count_substr (out->str, "event: content_block_delta"), ==, FAKE_STREAM_EVENTS);
  g_assert_true (g_str_has_suffix (out->str, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
  g_string_free (out, TRUE);

  stream_to_end (f, "/v1/responses", "{\"model\":\"x/echo\",\"stream\":true,\"input\":\"hi\"}", &out);
  g_assert_true (g_str_has_prefix (out->str, "event: response.created\n"));
  g_assert_nonnull (strstr (out->str, "event: response.completed\n"));
  g_assert_cmpuint (count_substr (out->str, "response.output_text.delta"), ==, 2 * FAKE_STREAM_EVENTS);
  g_string_free (out, TRUE);

  stream_to_end (f, "/v1beta/models/g/echo:streamGenerateContent?alt=sse",
                 "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}", &out);
  g_assert_cmpuint (count_substr (out->str, "data: {\"candidates\""), ==, FAKE_STREAM_EVENTS);
  g_assert_nonnull (strstr (out->str, "\"finishReason\":\"STOP\""));
  g_assert_cmpstr (fake_upstream_get_last (f->upstream)->query, ==, "alt=sse");
  /* Passed through as Google ends its events ("\r\n\r\n"), never as
   * "\r\n\n", which Gemini CLI's stream reader takes for half an event. */
  g_assert_cmpuint (count_substr (out->str, "\r\n\r\n"), ==, FAKE_STREAM_EVENTS);
  g_assert_null (strstr (out->str, "\r\n\n"));
  g_string_free (out, TRUE);

  /* No alt: SSE as well. */
  stream_to_end (f, "/v1beta/models/g/echo:streamGenerateContent",
                 "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}", &out);
  g_assert_cmpuint (count_substr (out->str, "data: {\"candidates\""), ==, FAKE_STREAM_EVENTS);
  g_string_free (out, TRUE);

  /* alt=json: one JSON array of the chunks. */
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GError) error = NULL;

    stream_to_end (f, "/v1beta/models/g/echo:streamGenerateContent?alt=json",
                   "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}", &out);
    g_assert_cmpstr (g_object_get_data (G_OBJECT (f->session), "ct"), ==, "application/json");
    json_parser_load_from_data (parser, out->str, out->len, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (json_parser_get_root (parser))), ==,
                      FAKE_STREAM_EVENTS);
    g_string_free (out, TRUE);
  }

  /* The upstream ignored "stream": its JSON answer is passed on. */
  {
    g_auto(HttpResponse) r = { 0 };

    post (f, "/v1/chat/completions",
          "{\"model\":\"o/json-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_nonnull (strstr (r.text, "chat.completion\""));
  }
}

static gboolean
upstream_aborted (gpointer data)
{
  return fake_upstream_get_n_aborted (((Fixture *) data)->upstream) > 0;
}

static gboolean
no_active_requests (gpointer data)
{
  return sy_service_get_n_active_requests (((Fixture *) data)->service) == 0;
}

/* Events reach the client as they come, and a client that leaves stops the
 * upstream at once. */
static void
test_stream_cancel (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(Streamer) s = streamer_start (f, "/v1/chat/completions",
    "{\"model\":\"o/slow-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", TRUE);

  g_assert_true (http_spin_until (streamer_has_data, s, 5000));
  g_assert_no_error (s->error);
  /* The first event arrived while the upstream is still streaming. */
  g_assert_nonnull (strstr (s->received->str, "tok0"));
  g_assert_cmpuint (fake_upstream_get_n_streaming (f->upstream), ==, 1);
  g_assert_null (strstr (s->received->str, "[DONE]"));

  g_cancellable_cancel (s->cancellable);
  while (s->reading)
    g_main_context_iteration (NULL, TRUE);
  g_input_stream_close (s->stream, NULL, NULL);
  soup_session_abort (f->session);

  g_assert_true (http_spin_until (upstream_aborted, f, 3000));
  g_assert_cmpuint (fake_upstream_get_n_aborted (f->upstream), ==, 1);
  g_assert_true (http_spin_until (no_active_requests, f, 3000));
}

/* Dropping the service mid-stream ends the stream and its upstream, and
 * nothing touches the freed server afterwards. */
static void
test_dispose_during_stream (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(Streamer) s = streamer_start (f, "/v1/chat/completions",
    "{\"model\":\"o/slow-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", TRUE);

  g_assert_true (http_spin_until (streamer_has_data, s, 5000));
  g_assert_nonnull (strstr (s->received->str, "tok0"));

  g_clear_object (&f->service);

  g_assert_true (http_spin_until (streamer_eof, s, 5000));
  g_assert_null (strstr (s->received->str, "[DONE]"));
  g_assert_true (http_spin_until (upstream_aborted, f, 5000));
}

static gboolean
has_two_events (gpointer data)
{
  Streamer *s = data;
  return count_substr (s->received->str, "data:") >= 2 || s->eof || s->error;
}

/* A request keeps the config it started with. */
static void
test_reload_during_stream (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(Streamer) s = streamer_start (f, "/v1/messages",
    "{\"model\":\"c/slow-stream\",\"stream\":true,\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml = NULL;
  guint generation = sy_service_get_generation (f->service);
  guint port = sy_service_get_port (f->service);

  g_assert_true (http_spin_until (has_two_events, s, 5000));
  g_assert_false (s->eof);

  /* The new config drops every account and changes the client key. */
  yaml = g_strdup_printf ("host: 127.0.0.1\nport: 0\napi-keys: [\"new-key\"]\n");
  g_assert_true (sy_service_load_string (f->service, yaml, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sy_service_get_generation (f->service), ==, generation + 1);
  /* Same host and port: the listener was not restarted. */
  g_assert_cmpuint (sy_service_get_port (f->service), ==, port);

  g_assert_true (http_spin_until (streamer_eof, s, 10000));
  g_assert_no_error (s->error);
  g_assert_cmpuint (count_substr (s->received->str, "event: content_block_delta"), ==, FAKE_STREAM_EVENTS);
  g_assert_true (g_str_has_suffix (s->received->str, "data: {\"type\":\"message_stop\"}\n\n"));

  /* New requests see the new config. */
  {
    const char *newkey[] = { "Authorization: Bearer new-key", NULL };
    g_auto(HttpResponse) r = { 0 };
    g_auto(HttpResponse) r2 = { 0 };

    post (f, "/v1/messages", "{\"model\":\"c/echo\",\"messages\":[]}", &r);
    assert_error_shape (&r, "claude", 401);
    request_full (f, "POST", "/v1/messages", "{\"model\":\"c/echo\",\"messages\":[]}", newkey, &r2);
    assert_error_shape (&r2, "claude", 404);
  }
}

/* A client that does not read pauses the upstream: memory stays bounded. */
static void
test_backpressure (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(Streamer) s = streamer_start (f, "/v1/chat/completions",
    "{\"model\":\"o/big-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", FALSE);
  gint64 until;
  guint64 sent_while_paused;
  guint events;

  g_assert_true (http_spin_until (streamer_headers, s, 5000));
  g_assert_no_error (s->error);

  until = g_get_monotonic_time () + G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (200);
    }
  sent_while_paused = fake_upstream_get_bytes_sent (f->upstream);
  g_test_message ("upstream sent %" G_GUINT64_FORMAT " of %u bytes while the client read nothing",
                  sent_while_paused, FAKE_BIG_STREAM_BYTES);
  g_assert_cmpuint (sent_while_paused, <, FAKE_BIG_STREAM_BYTES / 2);

  s->stop_reading = FALSE;
  read_more (s);
  g_assert_true (http_spin_until (streamer_eof, s, 60000));
  g_assert_no_error (s->error);
  g_test_message ("upstream sent %" G_GUINT64_FORMAT " bytes in all; client got %" G_GSIZE_FORMAT, fake_upstream_get_bytes_sent (f->upstream), s->received->len);
  events = count_substr (s->received->str, "chat.completion.chunk");
  g_assert_cmpuint (events, ==, FAKE_BIG_STREAM_BYTES / 1100 + 1);
  g_assert_true (g_str_has_suffix (s->received->str, "data: [DONE]\n\n"));
}

/* ---------------------------------------------------------------------- */
/* Bad input and failing upstreams                                         */

static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  struct {
    const char *path;
    const char *body;
    const char *format;
    guint       status;
    const char *needle;
  } cases[] = {
    { "/v1/chat/completions", "{\"model\":", "openai", 400, "not valid JSON" },
    { "/v1/messages", "{\"model\":", "claude", 400, "not valid JSON" },
    { "/v1beta/models/g/echo:generateContent", "{\"contents\":", "gemini", 400, "not valid JSON" },
    { "/v1/responses", "[1,2]", "openai", 400, "JSON object" },
    { "/v1/chat/completions", "", "openai", 400, "empty" },
    { "/v1/chat/completions", "{\"messages\":[]}", "openai", 400, "'model'" },
    { "/v1/messages", "{\"model\":42}", "claude", 400, "'model'" },
    { "/v1/chat/completions", "{\"model\":\"o/echo\",\"stream\":\"yes\"}", "openai", 400, "'stream'" },
    { "/v1/chat/completions", "{\"model\":\"no-such-model\",\"messages\":[]}", "openai", 404, "no-such-model" },
    { "/v1/messages", "{\"model\":\"no-such-model\",\"messages\":[]}", "claude", 404, "no-such-model" },
    { "/v1beta/models/no-such-model:generateContent", "{}", "gemini", 404, "no-such-model" },
    { "/v1beta/models/g/echo:explode", "{}", "gemini", 404, "not a Switchyard route" },
    { "/v2/nothing", "{}", "openai", 404, "not a Switchyard route" },
    /* Translated requests are checked before anything goes upstream. */
    { "/v1/messages", "{\"model\":\"o/echo\",\"messages\":[]}", "claude", 400, "messages" },
    { "/v1beta/models/c/echo:generateContent", "{}", "gemini", 400, "contents" },
    { "/v1/chat/completions", "{\"model\":\"c/echo\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
      "openai", 400, "n" },
    { "/v1/chat/completions", "{\"model\":\"g/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
      "\"reasoning_effort\":\"extreme\"}", "openai", 400, "reasoning_effort" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(HttpResponse) r = { 0 };

      g_test_message ("case %u: %s %s", i, cases[i].path, cases[i].body);
      post (f, cases[i].path, cases[i].body, &r);
      assert_error_shape (&r, cases[i].format, cases[i].status);
      g_assert_nonnull (strstr (r.text, cases[i].needle));
    }

  /* Wrong method */
  {
    g_auto(HttpResponse) r = { 0 };
    request_full (f, "GET", "/v1/chat/completions", NULL, NULL, &r);
    assert_error_shape (&r, "openai", 405);
    g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Allow"), ==, "POST");
  }
}

/* Translation between formats, end to end                                  */

typedef struct
{
  const char *name;
  const char *path;         /* MODEL: the model */
  const char *body;         /* MODEL: the model; STREAM: true or false */
  const char *text_path;    /* where the answer's text is, non-stream */
  const char *stream_path;  /* Gemini: the stream path */
} ClientShape;

static const ClientShape client_shapes[] = {
  { "openai", "/v1/chat/completions",
    "{\"model\":\"MODEL\",\"stream\":STREAM,\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
    "{\"role\":\"user\",\"content\":\"hi\"}]}", "$.choices[0].message.content", NULL },
  { "responses", "/v1/responses",
    "{\"model\":\"MODEL\",\"stream\":STREAM,\"instructions\":\"Be brief.\",\"input\":\"hi\"}",
    "$.output[0].content[0].text", NULL },
  { "claude", "/v1/messages",
    "{\"model\":\"MODEL\",\"stream\":STREAM,\"max_tokens\":100,\"system\":\"Be brief.\","
    "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "$.content[0].text", NULL },
  { "gemini", "/v1beta/models/MODEL:generateContent",
    "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}],"
    "\"systemInstruction\":{\"parts\":[{\"text\":\"Be brief.\"}]}}", "$.candidates[0].content.parts[0].text",
    "/v1beta/models/MODEL:streamGenerateContent?alt=sse" },
};

static const struct { const char *prefix; const char *says; } upstream_shapes[] = {
  { "c", "fake claude" }, { "g", "fake gemini" },
  { "x", "tok19" },   /* Codex only streams: the answer is collected from its stream */
  { "o", "fake openai" },
};

/* @template with MODEL and STREAM filled in. */
static char *
fill (const char *template,
      const char *model,
      gboolean    stream)
{
  g_autoptr(GString) out = g_string_new (template);

  g_string_replace (out, "MODEL", model, 0);
  g_string_replace (out, "STREAM", stream ? "true" : "false", 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_translate_answers (Fixture       *f,
                        gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (client_shapes); i++)
    for (guint j = 0; j < G_N_ELEMENTS (upstream_shapes); j++)
      {
        const ClientShape *c = &client_shapes[i];
        g_autofree char *model = g_strdup_printf ("%s/echo", upstream_shapes[j].prefix);
        g_autofree char *path = fill (c->path, model, FALSE);
        g_autofree char *body = fill (c->body, model, FALSE);
        g_auto(HttpResponse) r = { 0 };
        g_autoptr(JsonNode) root = NULL;
        const char *text;

        g_test_message ("%s client, %s upstream", c->name, upstream_shapes[j].prefix);
        post (f, path, body, &r);
        g_assert_cmpuint (r.status, ==, 200);
        root = parse_json (r.body);
        text = json_path_string (root, c->text_path);
        g_assert_nonnull (text);
        g_assert_nonnull (strstr (text, upstream_shapes[j].says));
      }
}

/* The stream of each client format, whatever the upstream's, keeps its
 * grammar: opening and closing events, all twenty text deltas in order. */
static void
test_translate_streams (Fixture       *f,
                        gconstpointer  data)
{
  static const struct { const char *first; const char *last; } grammar[] = {
    { "\"role\":\"assistant\"", "data: [DONE]\n\n" },
    { "event: response.created", "event: response.completed" },
    { "event: message_start", "event: message_stop" },
    { "\"candidates\"", "\"finishReason\":\"STOP\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (client_shapes); i++)
    for (guint j = 0; j < G_N_ELEMENTS (upstream_shapes); j++)
      {
        const ClientShape *c = &client_shapes[i];
        g_autofree char *model = g_strdup_printf ("%s/echo", upstream_shapes[j].prefix);
        g_autofree char *path = fill (c->stream_path ? c->stream_path : c->path, model, TRUE);
        g_autofree char *body = fill (c->body, model, TRUE);
        g_autoptr(GString) out = NULL;
        const char *at;

        g_test_message ("%s client, %s upstream, streaming", c->name, upstream_shapes[j].prefix);
        stream_to_end (f, path, body, &out);
        g_assert_nonnull (strstr (out->str, grammar[i].first));
        g_assert_nonnull (strstr (out->str, grammar[i].last));
        g_assert_true (strstr (out->str, grammar[i].first) < g_strrstr (out->str, grammar[i].last));
        /* tok0 .. tok19 in order: the fake streams twenty deltas */
        at = out->str;
        for (guint k = 0; k < FAKE_STREAM_EVENTS; k++)
          {
            g_autofree char *tok = g_strdup_printf ("tok%u ", k);

            at = strstr (at, tok);
            g_assert_nonnull (at);
          }
        g_assert_null (strstr (out->str, "event: error"));
        g_assert_null (strstr (out->str, "\"error\":{"));
      }
}

static void
test_translate_errors (Fixture       *f,
                       gconstpointer  data)
{
  /* An upstream error reaches the client in its own format, status kept. */
  {
    g_auto(HttpResponse) r = { 0 };
    post (f, "/v1/messages", "{\"model\":\"o/fail-429\",\"max_tokens\":10,"
          "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r);
    assert_error_shape (&r, "claude", 429);
    g_assert_nonnull (strstr (r.text, "fake failure 429"));
  }
  {
    g_auto(HttpResponse) r = { 0 };
    post (f, "/v1beta/models/c/fail-400:generateContent",
          "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}", &r);
    assert_error_shape (&r, "gemini", 400);
    g_assert_nonnull (strstr (r.text, "fake failure 400"));
  }
  /* The upstream drops mid-stream: the client's own error event ends it. */
  {
    g_autoptr(GString) out = NULL;

    stream_to_end (f, "/v1/messages", "{\"model\":\"o/drop\",\"stream\":true,\"max_tokens\":10,"
                   "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &out);
    g_assert_nonnull (strstr (out->str, "event: message_start"));
    g_assert_nonnull (strstr (out->str, "event: error"));
    g_assert_null (strstr (out->str, "event: message_stop"));
  }
  /* A stream answered in one piece still reaches a streaming client as a stream. */
  {
    g_autoptr(GString) out = NULL;

    stream_to_end (f, "/v1/chat/completions", "{\"model\":\"c/json-stream\",\"stream\":true,"
                   "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &out);
    g_assert_nonnull (strstr (out->str, "fake claude"));
    g_assert_nonnull (strstr (out->str, "data: [DONE]"));
  }
}

static void
test_translate_count_tokens (Fixture       *f,
                             gconstpointer  data)
{
#define CLAUDE_COUNT_BODY(model, text) \
  "{\"model\":\"" model "\",\"messages\":[{\"role\":\"user\",\"content\":\"" text "\"}]}"

  /* Gemini has a counter: its count comes back in Claude's shape. */
  {
    const char *body = CLAUDE_COUNT_BODY ("g/echo", "hello there");
    g_auto(HttpResponse) r = { 0 };
    g_autoptr(JsonNode) root = NULL;

    post (f, "/v1/messages/count_tokens", body, &r);
    g_assert_cmpuint (r.status, ==, 200);
    root = parse_json (r.body);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "input_tokens"), ==, 42);
    g_assert_nonnull (strstr (fake_upstream_get_last (f->upstream)->path, ":countTokens"));
  }
  /* OpenAI-compatible upstreams have none: estimated here, longer text, more tokens. */
  {
    const char *short_body = CLAUDE_COUNT_BODY ("o/echo", "hi");
    const char *long_body = CLAUDE_COUNT_BODY ("o/echo", "a much longer question about many different things");
    g_auto(HttpResponse) r1 = { 0 };
    g_auto(HttpResponse) r2 = { 0 };
    g_autoptr(JsonNode) a = NULL;
    g_autoptr(JsonNode) b = NULL;
    guint before = fake_upstream_get_n_requests (f->upstream);

    post (f, "/v1/messages/count_tokens", short_body, &r1);
    post (f, "/v1/messages/count_tokens", long_body, &r2);
    g_assert_cmpuint (r1.status, ==, 200);
    g_assert_cmpuint (r2.status, ==, 200);
    a = parse_json (r1.body);
    b = parse_json (r2.body);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (a), "input_tokens"), >, 0);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (b), "input_tokens"), >,
                     json_object_get_int_member (json_node_get_object (a), "input_tokens"));
    g_assert_cmpuint (fake_upstream_get_n_requests (f->upstream), ==, before);
  }
}

/* A reasoning suffix on the model reaches a same-format upstream in the
 * body's own terms; the name it was sent under has no suffix. */
static void
test_reasoning_suffix (Fixture       *f,
                       gconstpointer  data)
{
  g_auto(HttpResponse) r = { 0 };
  g_autoptr(JsonNode) sent = NULL;
  JsonObject *thinking;

  post (f, "/v1/messages", "{\"model\":\"c/echo(8192)\",\"max_tokens\":20000,"
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r);
  g_assert_cmpuint (r.status, ==, 200);
  sent = parse_json (fake_upstream_get_last (f->upstream)->body);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (sent), "model"), ==, "echo");
  thinking = json_object_get_object_member (json_node_get_object (sent), "thinking");
  g_assert_nonnull (thinking);
  g_assert_cmpstr (json_object_get_string_member (thinking, "type"), ==, "enabled");
  g_assert_cmpint (json_object_get_int_member (thinking, "budget_tokens"), ==, 8192);

  /* Across formats too: OpenAI's level becomes Gemini's thinking config. */
  {
    g_auto(HttpResponse) r2 = { 0 };
    g_autoptr(JsonNode) sent2 = NULL;
    JsonObject *config;

    post (f, "/v1/chat/completions", "{\"model\":\"g/echo(high)\","
          "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r2);
    g_assert_cmpuint (r2.status, ==, 200);
    sent2 = parse_json (fake_upstream_get_last (f->upstream)->body);
    config = json_object_get_object_member (
      json_object_get_object_member (json_node_get_object (sent2), "generationConfig"), "thinkingConfig");
    g_assert_cmpint (json_object_get_int_member (config, "thinkingBudget"), ==, 24576);
  }
}

/* payload: rules edit the body that goes upstream, after translation. */
static const char *payload_config =
  "payload:\n"
  "  override:\n"
  "    - models: [{name: \"echo\", protocol: \"claude\"}]\n"
  "      params: {\"metadata.user_id\": \"from-rule\", \"temperature\": 0.5}\n"
  "  default:\n"
  "    - models: [{name: \"echo\", protocol: \"gemini\"}]\n"
  "      params: {\"generationConfig.topK\": 7}\n"
  "  filter:\n"
  "    - models: [{name: \"echo\", protocol: \"claude\"}]\n"
  "      params: [\"top_k\"]\n";

static void
test_payload_rules (Fixture       *f,
                    gconstpointer  data)
{
  /* Same format: override and filter on the forwarded body. */
  {
    g_auto(HttpResponse) r = { 0 };
    g_autoptr(JsonNode) sent = NULL;
    JsonObject *o;

    post (f, "/v1/messages", "{\"model\":\"c/echo\",\"max_tokens\":10,\"temperature\":1,\"top_k\":3,"
          "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r);
    g_assert_cmpuint (r.status, ==, 200);
    sent = parse_json (fake_upstream_get_last (f->upstream)->body);
    o = json_node_get_object (sent);
    g_assert_cmpfloat (json_object_get_double_member (o, "temperature"), ==, 0.5);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "metadata"), "user_id"),
                     ==, "from-rule");
    g_assert_false (json_object_has_member (o, "top_k"));
  }
  /* Translated: the default lands in the Gemini body, unless the client set it. */
  {
    g_auto(HttpResponse) r = { 0 };
    g_autoptr(JsonNode) sent = NULL;

    post (f, "/v1/chat/completions", "{\"model\":\"g/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r);
    g_assert_cmpuint (r.status, ==, 200);
    sent = parse_json (fake_upstream_get_last (f->upstream)->body);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_node_get_object (sent),
                                                                                "generationConfig"), "topK"), ==, 7);
  }
  {
    g_auto(HttpResponse) r = { 0 };
    g_autoptr(JsonNode) sent = NULL;

    post (f, "/v1/chat/completions", "{\"model\":\"g/echo\",\"top_k\":3,"
          "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r);
    g_assert_cmpuint (r.status, ==, 200);
    sent = parse_json (fake_upstream_get_last (f->upstream)->body);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_node_get_object (sent),
                                                                                "generationConfig"), "topK"), ==, 3);
  }
  /* Another protocol: untouched. */
  {
    g_auto(HttpResponse) r = { 0 };
    g_autoptr(JsonNode) sent = NULL;

    post (f, "/v1/chat/completions", "{\"model\":\"o/echo\",\"temperature\":1,"
          "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r);
    g_assert_cmpuint (r.status, ==, 200);
    sent = parse_json (fake_upstream_get_last (f->upstream)->body);
    g_assert_cmpfloat (json_object_get_double_member (json_node_get_object (sent), "temperature"), ==, 1);
    g_assert_false (json_object_has_member (json_node_get_object (sent), "metadata"));
  }
}

static const char *mapping_config =
  "model-mappings:\n"
  "  - {from: claude-opus-4-5, to: g/echo}\n";

/* A Claude client asking for a Claude model, served by a Gemini key. */
static void
test_model_mapping (Fixture       *f,
                    gconstpointer  data)
{
  g_auto(HttpResponse) r = { 0 };
  g_autoptr(JsonNode) root = NULL;

  post (f, "/v1/messages", "{\"model\":\"claude-opus-4-5\",\"max_tokens\":10,"
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r);
  g_assert_cmpuint (r.status, ==, 200);
  root = parse_json (r.body);
  g_assert_cmpstr (json_path_string (root, "$.model"), ==, "claude-opus-4-5");
  g_assert_nonnull (strstr (json_path_string (root, "$.content[0].text"), "fake gemini"));
  g_assert_nonnull (strstr (fake_upstream_get_last (f->upstream)->path, "/models/echo:generateContent"));
}

static const char *priority_config =
  "  - {name: PrioLow, base-url: \"UPSTREAM/v1\", prefix: prio, models: [{name: echo, alias: m}]}\n"
  "  - {name: PrioHighA, priority: 9, base-url: \"UPSTREAM/v1\", prefix: prio,\n"
  "     models: [{name: fail-500, alias: m}]}\n"
  "  - {name: PrioHighB, priority: 9, base-url: \"UPSTREAM/v1\", prefix: prio,\n"
  "     models: [{name: fail-503, alias: m}]}\n";

/* Every top-priority account is tried (in rotation) before a lower one;
 * once they cool down (5xx: a minute), requests go straight to it. */
static void
test_priority_order (Fixture       *f,
                     gconstpointer  data)
{
  for (guint i = 0; i < 4; i++)
    {
      g_auto(HttpResponse) r = { 0 };
      guint before = fake_upstream_get_n_requests (f->upstream);
      g_autoptr(JsonNode) sent = NULL;

      post (f, "/v1/chat/completions", "{\"model\":\"prio/m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r);
      g_assert_cmpuint (r.status, ==, 200);
      /* two failing high-priority accounts, then the low one answered */
      g_assert_cmpuint (fake_upstream_get_n_requests (f->upstream) - before, ==, i == 0 ? 3 : 1);
      sent = parse_json (fake_upstream_get_last (f->upstream)->body);
      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (sent), "model"), ==, "echo");
    }
}

static void
test_body_limit (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GString) big = g_string_new ("{\"model\":\"o/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"");
  guint before = fake_upstream_get_n_requests (f->upstream);

  while (big->len < 70000)
    g_string_append (big, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  g_string_append (big, "\"}]}");

  {
    g_auto(HttpResponse) r = { 0 };
    post (f, "/v1/chat/completions", big->str, &r);
    assert_error_shape (&r, "openai", 413);
    g_assert_nonnull (strstr (r.text, "max-body-size"));
  }
  {
    g_auto(HttpResponse) r = { 0 };
    post (f, "/v1/messages", big->str, &r);
    assert_error_shape (&r, "claude", 413);
  }
  /* Chunked upload without Content-Length: the limit holds too. */
  {
    g_autofree char *url = g_strconcat (f->base, "/v1/chat/completions", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
    g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (g_strdup (big->str), big->len, g_free);
    g_autoptr(GError) send_error = NULL;
    g_autoptr(GBytes) answer = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer " CLIENT_KEY);
    soup_message_set_request_body (msg, "application/json", in, -1);
    answer = http_send (f->session, msg, 10000, &send_error);
    g_assert_no_error (send_error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 413);
  }
  g_assert_cmpuint (fake_upstream_get_n_requests (f->upstream), ==, before);
}

static void
test_upstream_errors (Fixture       *f,
                      gconstpointer  data)
{
  /* Same format: the upstream's own error body, status kept. */
  {
    g_auto(HttpResponse) r = { 0 };
    post (f, "/v1/messages", "{\"model\":\"c/fail-429\",\"messages\":[]}", &r);
    assert_error_shape (&r, "claude", 429);
    g_assert_nonnull (strstr (r.text, "rate_limit_error"));
    g_assert_nonnull (strstr (r.text, "fake failure 429"));
  }
  {
    g_auto(HttpResponse) r = { 0 };
    post (f, "/v1beta/models/g/fail-500:generateContent", "{}", &r);
    assert_error_shape (&r, "gemini", 500);
  }
  {
    g_auto(HttpResponse) r = { 0 };
    post (f, "/v1/chat/completions", "{\"model\":\"o/fail-400\",\"messages\":[]}", &r);
    assert_error_shape (&r, "openai", 400);
    g_assert_nonnull (strstr (r.text, "fake failure 400"));
  }
  /* Nobody listening: 502 in the client's format. */
  {
    g_auto(HttpResponse) r = { 0 };
    post (f, "/v1/chat/completions", "{\"model\":\"dead/echo\",\"messages\":[]}", &r);
    assert_error_shape (&r, "openai", 502);
    g_assert_null (strstr (r.text, KEY_COMPAT));
  }
  /* Headers, then silence: 504 after upstream-idle-timeout. */
  {
    g_auto(HttpResponse) r = { 0 };
    post (f, "/v1/chat/completions", "{\"model\":\"o/stall\",\"stream\":true,\"messages\":[]}", &r);
    assert_error_shape (&r, "openai", 504);
  }
  /* Cut mid-stream: the events so far, then an error event in the format. */
  {
    GString *out = NULL;

    stream_to_end (f, "/v1/chat/completions",
                   "{\"model\":\"o/drop\",\"stream\":true,\"messages\":[]}", &out);
    g_assert_nonnull (strstr (out->str, "tok1"));
    g_assert_true (g_str_has_suffix (out->str, "\n\n"));
    g_assert_nonnull (strstr (out->str, "data: {\"error\":{"));
    g_assert_null (strstr (out->str, "[DONE]"));
    g_string_free (out, TRUE);

    stream_to_end (f, "/v1/messages",
                   "{\"model\":\"c/drop\",\"stream\":true,\"messages\":[]}", &out);
    g_assert_nonnull (strstr (out->str, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\""));
    g_string_free (out, TRUE);

    stream_to_end (f, "/v1/responses", "{\"model\":\"x/drop\",\"stream\":true,\"input\":\"x\"}", &out);
    g_assert_nonnull (strstr (out->str, "event: error\ndata: {\"type\":\"error\""));
    g_string_free (out, TRUE);

    stream_to_end (f, "/v1beta/models/g/drop:streamGenerateContent?alt=sse", "{}", &out);
    g_assert_nonnull (strstr (out->str, "event: error\ndata: {\"error\":{\"code\":502"));
    g_string_free (out, TRUE);
  }

  /* And the process is still fine. */
  {
    g_auto(HttpResponse) r = { 0 };
    post (f, "/v1/chat/completions", "{\"model\":\"o/echo\",\"messages\":[]}", &r);
    g_assert_cmpuint (r.status, ==, 200);
  }
}

/* Before the first byte, a failing account hands the request to the next;
 * a request the upstream calls invalid is not retried elsewhere. */
static void
test_failover (Fixture       *f,
               gconstpointer  data)
{
  guint before;

  /* pool/echo: the dead account and a live one; round-robin starts at
   * each in turn, and both requests must succeed. */
  for (guint i = 0; i < 2; i++)
    {
      g_auto(HttpResponse) r = { 0 };

      post (f, "/v1/chat/completions", "{\"model\":\"pool/echo\",\"messages\":[]}", &r);
      g_assert_cmpuint (r.status, ==, 200);
      g_assert_nonnull (strstr (r.text, "Hello from fake openai"));
    }

  /* 500 from both live accounts: both were asked. */
  {
    g_auto(HttpResponse) r = { 0 };

    before = fake_upstream_get_n_requests (f->upstream);
    post (f, "/v1/chat/completions", "{\"model\":\"pool/fail-500\",\"messages\":[]}", &r);
    assert_error_shape (&r, "openai", 500);
    g_assert_cmpuint (fake_upstream_get_n_requests (f->upstream) - before, ==, 2);
  }

  /* 400: the request is wrong, another account would say the same. */
  {
    g_auto(HttpResponse) r = { 0 };

    before = fake_upstream_get_n_requests (f->upstream);
    post (f, "/v1/chat/completions", "{\"model\":\"pool/fail-400\",\"messages\":[]}", &r);
    assert_error_shape (&r, "openai", 400);
    g_assert_cmpuint (fake_upstream_get_n_requests (f->upstream) - before, ==, 1);
  }
}

/* proxy-url: the entry's own, else the global one; "direct" refuses both. */
static void
test_proxy (Fixture       *f,
            gconstpointer  data)
{
  {
    g_auto(HttpResponse) r = { 0 };

    post (f, "/v1/chat/completions", "{\"model\":\"proxied/echo\",\"messages\":[]}", &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpstr (fake_upstream_get_last (f->upstream)->path, ==, "/v1/chat/completions");
  }
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *yaml = NULL;
    g_auto(HttpResponse) via_global = { 0 };
    g_auto(HttpResponse) direct = { 0 };

    yaml = g_strdup_printf ("host: 127.0.0.1\nport: 0\napi-keys: [\"" CLIENT_KEY "\"]\n"
                            "proxy-url: \"%s\"\n"
                            "openai-compatibility:\n"
                            "  - {name: a, base-url: \"%s/v1\", prefix: a, models: [{name: echo}]}\n"
                            "  - {name: b, base-url: \"%s/v1\", prefix: b, models: [{name: echo}],\n"
                            "     api-key-entries: [{api-key: b-key, proxy-url: direct}]}\n",
                            fake_upstream_get_url (f->upstream), f->dead_url, f->dead_url);
    g_assert_true (sy_service_load_string (f->service, yaml, &error));
    g_assert_no_error (error);

    post (f, "/v1/chat/completions", "{\"model\":\"a/echo\",\"messages\":[]}", &via_global);
    g_assert_cmpuint (via_global.status, ==, 200);
    post (f, "/v1/chat/completions", "{\"model\":\"b/echo\",\"messages\":[]}", &direct);
    assert_error_shape (&direct, "openai", 502);
  }
}

static void
test_origin (Fixture       *f,
             gconstpointer  data)
{
  const char *evil[] = { "Authorization: Bearer " CLIENT_KEY, "Origin: https://evil.example", NULL };
  const char *local[] = { "Authorization: Bearer " CLIENT_KEY, "Origin: http://localhost:3000", NULL };
  const char *preflight[] = { "Origin: http://127.0.0.1:5173", "Access-Control-Request-Method: POST", NULL };

  {
    g_auto(HttpResponse) r = { 0 };
    request_full (f, "POST", "/v1/chat/completions", "{\"model\":\"o/echo\",\"messages\":[]}", evil, &r);
    assert_error_shape (&r, "openai", 403);
  }
  {
    g_auto(HttpResponse) r = { 0 };
    request_full (f, "POST", "/v1/chat/completions", "{\"model\":\"o/echo\",\"messages\":[]}", local, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Access-Control-Allow-Origin"), ==,
                     "http://localhost:3000");
  }
  /* Looks local, is not; and the IPv6 loopback, which is. */
  {
    const char *lookalike[] = { "Authorization: Bearer " CLIENT_KEY, "Origin: http://localhost.evil.example", NULL };
    const char *v6[] = { "Authorization: Bearer " CLIENT_KEY, "Origin: http://[::1]:8080", NULL };
    g_auto(HttpResponse) r1 = { 0 };
    g_auto(HttpResponse) r2 = { 0 };

    request_full (f, "POST", "/v1/chat/completions", "{\"model\":\"o/echo\",\"messages\":[]}", lookalike, &r1);
    assert_error_shape (&r1, "openai", 403);
    request_full (f, "POST", "/v1/chat/completions", "{\"model\":\"o/echo\",\"messages\":[]}", v6, &r2);
    g_assert_cmpuint (r2.status, ==, 200);
  }
  {
    g_auto(HttpResponse) r = { 0 };
    request_full (f, "OPTIONS", "/v1/chat/completions", NULL, preflight, &r);
    g_assert_cmpuint (r.status, ==, 204);
    g_assert_nonnull (soup_message_headers_get_one (r.headers, "Access-Control-Allow-Methods"));
  }
}

static void
test_listener_toggle (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) msg = build_message (f, "GET", "/healthz", NULL, NULL);
  g_autoptr(GBytes) refused = NULL;
  g_auto(HttpResponse) ok = { 0 };

  g_assert_true (sy_service_set_listening (f->service, FALSE, &error));
  g_assert_false (sy_service_get_listening (f->service));
  soup_session_abort (f->session);
  refused = http_send (f->session, msg, 5000, &error);
  g_assert_null (refused);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);

  g_assert_true (sy_service_set_listening (f->service, TRUE, &error));
  g_assert_no_error (error);
  g_free (f->base);
  f->base = sy_service_dup_url (f->service);
  request_full (f, "GET", "/healthz", NULL, NULL, &ok);
  g_assert_cmpuint (ok.status, ==, 200);
}

static void
test_unsafe_bind (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyService) open = sy_service_new_from_string ("host: 0.0.0.0\nport: 0\n", &error);
  g_autoptr(SyService) all = NULL;
  g_autoptr(SyService) keyed = NULL;

  g_assert_no_error (error);
  g_assert_false (sy_service_start (open, &error));
  g_assert_error (error, SY_SERVICE_ERROR, SY_SERVICE_ERROR_UNSAFE_BIND);
  g_assert_false (sy_service_get_listening (open));
  g_clear_error (&error);

  all = sy_service_new_from_string ("host: \"\"\nport: 0\n", &error);
  g_assert_false (sy_service_start (all, &error));
  g_assert_error (error, SY_SERVICE_ERROR, SY_SERVICE_ERROR_UNSAFE_BIND);
  g_clear_error (&error);

  keyed = sy_service_new_from_string ("host: 0.0.0.0\nport: 0\napi-keys: [k1]\n", &error);
  g_assert_true (sy_service_start (keyed, &error));
  g_assert_no_error (error);
  /* A reload that drops the keys while bound to all interfaces is refused. */
  g_assert_false (sy_service_load_string (keyed, "host: 0.0.0.0\nport: 0\n", &error));
  g_assert_error (error, SY_SERVICE_ERROR, SY_SERVICE_ERROR_UNSAFE_BIND);
  sy_service_stop (keyed);
}

/* Connections the server has not accepted yet wait in the kernel's queue:
 * 64 at once all get in while the main loop is busy elsewhere. With GLib's
 * default queue of 10 the rest waited for the SYN to be sent again (1 s).
 * Each connect here gives up after 1 s. */
static void
test_listen_backlog (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyService) service = sy_service_new_from_string ("host: 127.0.0.1\nport: 0\n", &error);
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = NULL;

  g_assert_no_error (error);
  g_assert_true (sy_service_start (service, &error));
  g_assert_no_error (error);
  address = g_inet_socket_address_new (loopback, (guint16) sy_service_get_port (service));

  /* The main loop does not run: nothing is accepted meanwhile. */
  for (guint i = 0; i < 64; i++)
    {
      GSocket *sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

      g_assert_no_error (error);
      g_ptr_array_add (sockets, sock);
      g_socket_set_timeout (sock, 1);
      g_socket_connect (sock, address, NULL, &error);
      g_assert_no_error (error);
    }
  g_ptr_array_set_size (sockets, 0);
  sy_service_stop (service);
}

typedef struct
{
  guint     reloaded;
  guint     failed;
} ReloadCount;

static void
on_reloaded (SyService *service,
             guint      generation,
             gpointer   data)
{
  ((ReloadCount *) data)->reloaded++;
}

static void
on_reload_failed (SyService    *service,
                  const GError *error,
                  gpointer      data)
{
  ((ReloadCount *) data)->failed++;
}

static gboolean
reloaded_once (gpointer data)
{
  return ((ReloadCount *) data)->reloaded > 0;
}

static gboolean
failed_once (gpointer data)
{
  return ((ReloadCount *) data)->failed > 0;
}

/* The file is watched: a valid edit takes effect, a broken one is refused. */
static void
test_file_reload (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sy-reload-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "config.yaml", NULL);
  g_autoptr(SyService) service = NULL;
  ReloadCount count = { 0 };
  gint64 t0;

  g_assert_true (g_file_set_contents (path, "host: 127.0.0.1\nport: 0\napi-keys: [one]\n", -1, &error));
  service = sy_service_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_true (sy_service_start (service, &error));
  g_signal_connect (service, "reloaded", G_CALLBACK (on_reloaded), &count);
  g_signal_connect (service, "reload-failed", G_CALLBACK (on_reload_failed), &count);

  t0 = g_get_monotonic_time ();
  g_assert_true (g_file_set_contents (path, "host: 127.0.0.1\nport: 0\napi-keys: [two]\ndebug: false\n", -1, &error));
  g_assert_true (http_spin_until (reloaded_once, &count, 5000));
  g_test_message ("reload applied %.1f ms after the write", (g_get_monotonic_time () - t0) / 1000.0);
  g_assert_cmpuint (sy_service_get_generation (service), ==, 2);

  g_test_expect_message ("sy-service", G_LOG_LEVEL_WARNING, "*config.yaml:*previous config stays in force*");
  g_assert_true (g_file_set_contents (path, "port: [oops\n", -1, &error));
  g_assert_true (http_spin_until (failed_once, &count, 5000));
  g_test_assert_expected_messages ();
  g_assert_cmpuint (sy_service_get_generation (service), ==, 2);
  g_assert_true (sy_service_get_listening (service));

  sy_service_stop (service);
  g_unlink (path);
  g_rmdir (dir);
}

/* ---------------------------------------------------------------------- */
/* Cooldowns, retries and account state                                    */

#define GOOGLE_429(delay) \
  "{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted (e.g. check quota).\"," \
  "\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\"," \
  "\"retryDelay\":\"" delay "\"}]}}"

static SyClock *
use_manual_clock (Fixture  *f,
                  gboolean  auto_advance)
{
  SyClock *clock = sy_clock_new_manual (g_get_real_time ());

  sy_clock_set_auto_advance (clock, auto_advance);
  sy_account_pool_set_clock (SY_ACCOUNT_POOL (sy_service_get_accounts (f->service)), clock);
  return clock;
}

/* The account of an openai-compatibility entry, by its lower-cased name. */
static SyAccountState *
account_named (Fixture    *f,
               const char *provider)
{
  GListModel *accounts = sy_service_get_accounts (f->service);

  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(SyAccountState) state = g_list_model_get_item (accounts, i);

      if (g_str_equal (sy_account_state_get_provider (state), provider))
        return state;   /* the pool keeps it alive */
    }
  g_assert_not_reached ();
}

/* Whether GET /v1/models lists @id. */
static gboolean
listed (Fixture    *f,
        const char *id)
{
  g_auto(HttpResponse) r = { 0 };
  g_autofree char *needle = g_strdup_printf ("\"id\":\"%s\"", id);

  request_full (f, "GET", "/v1/models", NULL, NULL, &r);
  g_assert_cmpuint (r.status, ==, 200);
  return strstr (r.text, needle) != NULL;
}

typedef struct
{
  const char *format;
  const char *path;
  const char *body;
} ClientCall;

static const ClientCall cool_calls[] = {
  { "openai", "/v1/chat/completions", "{\"model\":\"cd/cool\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}" },
  { "claude", "/v1/messages", "{\"model\":\"cd/cool\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}" },
  { "openai", "/v1/responses", "{\"model\":\"cd/cool\",\"input\":\"hi\"}" },
  { "gemini", "/v1beta/models/cd/cool:generateContent", "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}" },
};

static const char *cooldown_config =
  "routing: {strategy: fill-first}\n"
  "%%\n"
  "  - {name: CoolA, base-url: \"UPSTREAM/v1\", prefix: cd, api-key-entries: [{api-key: key-cool-a}],\n"
  "     models: [{name: echo, alias: cool}]}\n"
  "  - {name: CoolB, base-url: \"UPSTREAM/v1\", prefix: cd, api-key-entries: [{api-key: key-cool-b}],\n"
  "     models: [{name: echo, alias: cool}]}\n";

/* An exhausted account is stepped around for as long as its retry
 * information says, in every client format; when all are out, clients get
 * 429 with Retry-After; accounts come back on time. */
static void
test_cooldown (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(SyClock) clock = use_manual_clock (f, FALSE);
  SyAccountState *a = account_named (f, "coola");
  SyAccountState *b = account_named (f, "coolb");
  SyModelState ms;

  /* A: "retry in 120 s". The request moves on to B. */
  fake_upstream_script (f->upstream, "echo", "key-cool-a", 429, NULL, GOOGLE_429 ("120s"));
  {
    g_auto(HttpResponse) r = { 0 };

    post (f, cool_calls[0].path, cool_calls[0].body, &r);
    g_assert_cmpuint (r.status, ==, 200);
  }
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-cool-a"), ==, 1);
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-cool-b"), ==, 1);
  sy_account_state_get_model (a, "echo", sy_clock_now (clock), &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);
  g_assert_cmpint (ms.reason, ==, SY_FAILURE_QUOTA);
  g_assert_cmpint (ms.until_us, ==, sy_clock_now (clock) + 120 * G_USEC_PER_SEC);
  g_assert_nonnull (strstr (sy_account_state_get_last_error (a), "429"));

  /* Every format now goes straight to B (fill-first would pick A). */
  for (guint i = 0; i < G_N_ELEMENTS (cool_calls); i++)
    {
      g_auto(HttpResponse) r = { 0 };

      post (f, cool_calls[i].path, cool_calls[i].body, &r);
      g_assert_cmpuint (r.status, ==, 200);
    }
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-cool-a"), ==, 1);
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-cool-b"), ==, 5);

  /* B: "Retry-After: 30". Now both cool: 429, Retry-After from the soonest. */
  fake_upstream_script (f->upstream, "echo", "key-cool-b", 429, "30", NULL);
  {
    g_auto(HttpResponse) r = { 0 };

    post (f, cool_calls[2].path, cool_calls[2].body, &r);
    assert_error_shape (&r, "openai", 429);
    g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Retry-After"), ==, "30");
  }
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-cool-b"), ==, 6);

  /* Nobody is asked while all cool: each format gets its own 429. */
  sy_clock_advance (clock, 10 * G_USEC_PER_SEC);
  for (guint i = 0; i < G_N_ELEMENTS (cool_calls); i++)
    {
      g_auto(HttpResponse) r = { 0 };

      post (f, cool_calls[i].path, cool_calls[i].body, &r);
      assert_error_shape (&r, cool_calls[i].format, 429);
      g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Retry-After"), ==, "20");
      g_assert_nonnull (strstr (r.text, "cooling down (quota exhausted)"));
    }
  g_assert_cmpuint (fake_upstream_get_n_requests (f->upstream), ==, 7);
  /* Out of quota for now, but still a model this proxy serves. */
  g_assert_true (listed (f, "cd/cool"));

  /* B is back after its 30 s, A after its 120 s (and fill-first prefers A). */
  sy_clock_advance (clock, 21 * G_USEC_PER_SEC);
  {
    g_auto(HttpResponse) r = { 0 };

    post (f, cool_calls[1].path, cool_calls[1].body, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-cool-b"), ==, 7);
  }
  sy_clock_advance (clock, 90 * G_USEC_PER_SEC);
  {
    g_auto(HttpResponse) r = { 0 };

    post (f, cool_calls[3].path, cool_calls[3].body, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-cool-a"), ==, 2);
  }
  g_assert_cmpuint (sy_account_state_get_n_requests (a), ==, 2);
  g_assert_cmpuint (sy_account_state_get_n_errors (b), ==, 1);

  /* Disabled from the outside (the tray, the management API): skipped. */
  sy_account_state_set_enabled (a, FALSE);
  {
    g_auto(HttpResponse) r = { 0 };

    post (f, cool_calls[0].path, cool_calls[0].body, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-cool-a"), ==, 2);
  }
  sy_account_state_set_enabled (b, FALSE);
  {
    g_auto(HttpResponse) r = { 0 };

    post (f, cool_calls[0].path, cool_calls[0].body, &r);
    assert_error_shape (&r, "openai", 503);
    g_assert_nonnull (strstr (r.text, "disabled"));
  }
  g_assert_false (listed (f, "cd/cool"));
  sy_account_state_set_enabled (b, TRUE);
  g_assert_true (listed (f, "cd/cool"));
}

static const char *round_robin_config =
  "%%\n"
  "  - {name: R1, base-url: \"UPSTREAM/v1\", prefix: rr, api-key-entries: [{api-key: key-r1}], models: [{name: echo, alias: m}]}\n"
  "  - {name: R2, base-url: \"UPSTREAM/v1\", prefix: rr, api-key-entries: [{api-key: key-r2}], models: [{name: echo, alias: m}]}\n"
  "  - {name: R3, base-url: \"UPSTREAM/v1\", prefix: rr, api-key-entries: [{api-key: key-r3}], models: [{name: echo, alias: m}]}\n";

/* round-robin (the default): each account in turn, whatever the format. */
static void
test_round_robin (Fixture       *f,
                  gconstpointer  data)
{
  static const char * const keys[] = { "key-r1", "key-r2", "key-r3" };

  for (guint i = 0; i < 6; i++)
    {
      g_auto(HttpResponse) r = { 0 };
      g_autoptr(GString) body = g_string_new (cool_calls[i % G_N_ELEMENTS (cool_calls)].body);
      g_autoptr(GString) path = g_string_new (cool_calls[i % G_N_ELEMENTS (cool_calls)].path);

      g_string_replace (body, "cd/cool", "rr/m", 0);
      g_string_replace (path, "cd/cool", "rr/m", 0);
      post (f, path->str, body->str, &r);
      g_assert_cmpuint (r.status, ==, 200);
      /* In config order, one step per request. */
      g_assert_cmpuint (fake_upstream_count_key (f->upstream, keys[i % 3]), ==, i / 3 + 1);
    }
}

static const char *rounds_config =
  "request-retry: 2\n"
  "max-retry-interval: 30\n"
  "%%\n"
  "  - {name: Solo, base-url: \"UPSTREAM/v1\", prefix: solo, api-key-entries: [{api-key: key-solo}],\n"
  "     models: [{name: echo, alias: m}]}\n";

static void
post_solo (Fixture      *f,
           HttpResponse *r)
{
  post (f, "/v1/messages", "{\"model\":\"solo/m\",\"max_tokens\":10,"
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", r);
}

/* request-retry rounds wait for a cooldown no longer than
 * max-retry-interval (on the test clock: no sleeping). */
static void
test_retry_rounds (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SyClock) clock = use_manual_clock (f, TRUE);
  gint64 t0 = sy_clock_now (clock);

  /* A 2 s retry delay: waited for, then served. */
  fake_upstream_script (f->upstream, "echo", "key-solo", 429, NULL, GOOGLE_429 ("2s"));
  {
    g_auto(HttpResponse) r = { 0 };

    post_solo (f, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-solo"), ==, 2);
    g_assert_cmpint (sy_clock_now (clock) - t0, ==, 2 * G_USEC_PER_SEC);
  }

  /* A 5xx cools for a minute, longer than the 30 s allowed: no wait. */
  fake_upstream_script (f->upstream, "echo", "key-solo", 503, NULL, NULL);
  {
    g_auto(HttpResponse) r = { 0 };

    post_solo (f, &r);
    assert_error_shape (&r, "claude", 503);
    g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-solo"), ==, 3);
    g_assert_null (soup_message_headers_get_one (r.headers, "Retry-After"));
  }
  sy_clock_advance (clock, 61 * G_USEC_PER_SEC);

  /* 429s without retry information back off 1 s, 2 s, 4 s: two more rounds
   * (request-retry: 2), then the client hears 429 and when to come back. */
  for (guint i = 0; i < 3; i++)
    fake_upstream_script (f->upstream, "echo", "key-solo", 429, NULL, NULL);
  {
    g_auto(HttpResponse) r = { 0 };

    post_solo (f, &r);
    assert_error_shape (&r, "claude", 429);
    g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-solo"), ==, 6);
    g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Retry-After"), ==, "4");
  }
  /* The next request waits those 4 s out, then is served. */
  {
    g_auto(HttpResponse) r = { 0 };

    post_solo (f, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-solo"), ==, 7);
  }
  g_assert_cmpuint (fake_upstream_get_n_scripted (f->upstream), ==, 0);
}

typedef struct
{
  guint    calls;
  gboolean succeed;
} Refresher;

static void
refresh_now (SyAccountState *state,
             GTask          *task,
             gpointer        user_data)
{
  Refresher *r = user_data;

  r->calls++;
  if (r->succeed)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "the refresh token was revoked");
}

/* A 401 from an account that can refresh its credentials: one refresh, one
 * retry on the same account; a failed refresh cools it for 30 minutes. */
static void
test_refresh_on_401 (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SyClock) clock = use_manual_clock (f, FALSE);
  SyAccountState *solo = account_named (f, "solo");
  Refresher refresher = { 0, TRUE };
  SyModelState ms;

  sy_account_state_set_refresh_func (solo, refresh_now, &refresher, NULL);
  fake_upstream_script (f->upstream, "echo", "key-solo", 401, NULL, NULL);
  {
    g_auto(HttpResponse) r = { 0 };

    post_solo (f, &r);
    g_assert_cmpuint (r.status, ==, 200);
  }
  g_assert_cmpuint (refresher.calls, ==, 1);
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-solo"), ==, 2);
  sy_account_state_get_model (solo, "echo", sy_clock_now (clock), &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_AVAILABLE);

  /* Still 401 after the refresh: no second refresh in the same request. */
  refresher.succeed = TRUE;
  fake_upstream_script (f->upstream, "echo", "key-solo", 401, NULL, NULL);
  fake_upstream_script (f->upstream, "echo", "key-solo", 401, NULL, NULL);
  {
    g_auto(HttpResponse) r = { 0 };

    post_solo (f, &r);
    assert_error_shape (&r, "claude", 401);
  }
  g_assert_cmpuint (refresher.calls, ==, 2);
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-solo"), ==, 4);
  sy_account_state_clear_cooldowns (solo, NULL);

  refresher.succeed = FALSE;
  fake_upstream_script (f->upstream, "echo", "key-solo", 401, NULL, NULL);
  {
    g_auto(HttpResponse) r = { 0 };

    post_solo (f, &r);
    assert_error_shape (&r, "claude", 401);
  }
  g_assert_cmpuint (refresher.calls, ==, 3);
  sy_account_state_get_model (solo, "echo", sy_clock_now (clock), &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);
  g_assert_cmpint (ms.reason, ==, SY_FAILURE_UNAUTHORIZED);
  g_assert_cmpint (ms.until_us - sy_clock_now (clock), ==, 30 * 60 * G_USEC_PER_SEC);
  g_assert_cmpstr (sy_account_state_get_last_error (solo), ==, "the refresh token was revoked");
  sy_account_state_set_refresh_func (solo, NULL, NULL, NULL);

  /* Its only account refused: the model is not listed until it recovers. */
  g_assert_false (listed (f, "solo/m"));
  {
    g_auto(HttpResponse) r = { 0 };

    request_full (f, "GET", "/v1beta/models/solo/m", NULL, NULL, &r);
    assert_error_shape (&r, "gemini", 404);
  }
  sy_clock_advance (clock, 30 * 60 * G_USEC_PER_SEC);
  g_assert_true (listed (f, "solo/m"));
}

static const char *solo_config =
  "%%\n"
  "  - {name: Solo, base-url: \"UPSTREAM/v1\", prefix: solo, api-key-entries: [{api-key: key-solo}],\n"
  "     models: [{name: echo, alias: m}]}\n";

/* Cooldowns outlive a reload and a restart (saved with their end time). */
static void
test_state_across_restart (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(SyClock) clock = use_manual_clock (f, FALSE);
  g_autofree char *dir = g_dir_make_tmp ("sy-state-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "state.json", NULL);
  g_autofree char *yaml = make_config (f, solo_config);
  g_autofree char *yaml2 = g_strconcat ("debug: false\n", yaml, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_service_set_state_file (f->service, path, &error));
  g_assert_cmpstr (sy_service_get_state_file (f->service), ==, path);
  fake_upstream_script (f->upstream, "echo", "key-solo", 429, NULL, GOOGLE_429 ("600s"));
  {
    g_auto(HttpResponse) r = { 0 };

    post_solo (f, &r);
    assert_error_shape (&r, "claude", 429);
    g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Retry-After"), ==, "600");
  }

  /* A reload keeps the state of the accounts that stay. */
  g_assert_true (sy_service_load_string (f->service, yaml2, &error));
  g_assert_no_error (error);
  {
    g_auto(HttpResponse) r = { 0 };

    post_solo (f, &r);
    assert_error_shape (&r, "claude", 429);
    g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-solo"), ==, 1);
  }

  /* Restart, 100 s later. */
  sy_service_stop (f->service);
  g_clear_object (&f->service);
  sy_clock_advance (clock, 100 * G_USEC_PER_SEC);
  f->service = sy_service_new_from_string (yaml, &error);
  g_assert_no_error (error);
  sy_account_pool_set_clock (SY_ACCOUNT_POOL (sy_service_get_accounts (f->service)), clock);
  g_assert_true (sy_service_set_state_file (f->service, path, &error));
  g_assert_true (sy_service_start (f->service, &error));
  g_free (f->base);
  f->base = sy_service_dup_url (f->service);
  {
    g_auto(HttpResponse) r = { 0 };

    post_solo (f, &r);
    assert_error_shape (&r, "claude", 429);
    g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Retry-After"), ==, "500");
    g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-solo"), ==, 1);
  }
  sy_clock_advance (clock, 500 * G_USEC_PER_SEC);
  {
    g_auto(HttpResponse) r = { 0 };

    post_solo (f, &r);
    g_assert_cmpuint (r.status, ==, 200);
  }
  sy_service_stop (f->service);
  g_clear_object (&f->service);
  g_unlink (path);
  g_rmdir (dir);
}

static const char *preview_config =
  "quota-exceeded: {switch-preview-model: true}\n"
  "%%\n"
  "  - {name: Prev, base-url: \"UPSTREAM/v1\", prefix: pv, api-key-entries: [{api-key: key-prev}],\n"
  "     models: [{name: pm}, {name: pm-preview-1}]}\n";

/* quota-exceeded.switch-preview-model: the preview variant takes over. */
static void
test_switch_preview_model (Fixture       *f,
                           gconstpointer  data)
{
  g_auto(HttpResponse) r = { 0 };
  g_autoptr(JsonNode) sent = NULL;

  fake_upstream_script (f->upstream, "pm", "key-prev", 429, NULL, NULL);
  post (f, "/v1/chat/completions", "{\"model\":\"pv/pm\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-prev"), ==, 2);
  sent = parse_json (fake_upstream_get_last (f->upstream)->body);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (sent), "model"), ==, "pm-preview-1");
}

#define SWITCH_PROJECT_ENTRIES \
  "%%\n" \
  "  - {name: GA, base-url: \"UPSTREAM/v1\", prefix: sp, api-key-entries: [{api-key: key-ga}], models: [{name: echo, alias: m}]}\n" \
  "  - {name: GB, base-url: \"UPSTREAM/v1\", prefix: sp, api-key-entries: [{api-key: key-gb}], models: [{name: echo, alias: m}]}\n" \
  "  - {name: GC, base-url: \"UPSTREAM/v1\", prefix: sp, api-key-entries: [{api-key: key-gc}], models: [{name: echo, alias: m}]}\n"

static const char *switch_project_config =
  "routing: {strategy: fill-first}\n"
  "quota-exceeded: {switch-project: true}\n"
  SWITCH_PROJECT_ENTRIES;

/* Accounts GA and GC stand for two projects of one Google login. */
static void
group_projects (Fixture *f)
{
  const char *names[] = { "ga", "gc" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      SyAccountState *state = account_named (f, names[i]);

      sy_account_state_set_info (state, sy_account_state_get_label (state), "sp", 0,
                                 "me@example.com", -1, FALSE);
    }
}

/* quota-exceeded.switch-project: after a quota error, the same login's
 * other project first (true), or any account but those (false). */
static void
test_switch_project (Fixture       *f,
                     gconstpointer  data)
{
  const char *body = "{\"model\":\"sp/m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  g_autoptr(GError) error = NULL;
  g_autofree char *off = NULL;

  group_projects (f);
  fake_upstream_script (f->upstream, "echo", "key-ga", 429, NULL, NULL);
  {
    g_auto(HttpResponse) r = { 0 };

    post (f, "/v1/chat/completions", body, &r);
    g_assert_cmpuint (r.status, ==, 200);
  }
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-gc"), ==, 1);
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-gb"), ==, 0);

  off = make_config (f, "routing: {strategy: fill-first}\n"
                        "quota-exceeded: {switch-project: false}\n"
                        SWITCH_PROJECT_ENTRIES);
  g_assert_true (sy_service_load_string (f->service, off, &error));
  g_assert_no_error (error);
  group_projects (f);
  sy_account_state_clear_cooldowns (account_named (f, "ga"), NULL);
  fake_upstream_script (f->upstream, "echo", "key-ga", 429, NULL, NULL);
  {
    g_auto(HttpResponse) r = { 0 };

    post (f, "/v1/chat/completions", body, &r);
    g_assert_cmpuint (r.status, ==, 200);
  }
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-ga"), ==, 2);
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-gb"), ==, 1);
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-gc"), ==, 1);
}

/* 200, then an error event before any content (an overloaded upstream):
 * a failed attempt like an error status, so the next account serves —
 * streaming or not, since nothing reached the client yet. */
static void
test_stream_opens_with_error (Fixture       *f,
                              gconstpointer  data)
{
  static const char sse_error[] =
    "data: {\"error\":{\"message\":\"The server is overloaded\",\"type\":\"server_error\"}}\n\n";

  GString *out = NULL;
  SyModelState ms;

  fake_upstream_script_full (f->upstream, "echo", "key-cool-a", 200, NULL, "text/event-stream", sse_error);
  stream_to_end (f, "/v1/messages", "{\"model\":\"cd/cool\",\"max_tokens\":10,\"stream\":true,"
                 "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &out);
  g_assert_nonnull (strstr (out->str, "tok19"));
  g_assert_null (strstr (out->str, "overloaded"));
  g_string_free (out, TRUE);
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-cool-b"), ==, 1);
  sy_account_state_get_model (account_named (f, "coola"), "echo", g_get_real_time (), &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);

  /* A single answer collected from a stream (Codex always streams): the
   * same — the account cools down and the request fails over. */
  fake_upstream_script_full (f->upstream, "echo", "" KEY_CODEX, 200, NULL, "text/event-stream",
                             "event: error\ndata: {\"type\":\"error\",\"code\":\"server_is_overloaded\","
                             "\"message\":\"Our servers are overloaded\"}\n\n");
  {
    g_auto(HttpResponse) r = { 0 };

    post (f, "/v1/chat/completions", "{\"model\":\"x/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r);
    assert_error_shape (&r, "openai", 502);
    g_assert_nonnull (strstr (r.text, "overloaded"));
  }
  sy_account_state_get_model (account_named (f, "codex"), "echo", g_get_real_time (), &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);
  g_assert_cmpint (ms.reason, ==, SY_FAILURE_TRANSIENT);
}

/* A raw HTTP/1.1 exchange on its own thread (the service runs on this
 * one): the whole answer as bytes, and whether the server's end of the
 * connection had TCP_NODELAY while it was open (-1: not known here). */
typedef struct
{
  guint     port;
  char     *request;
  GString  *answer;
  int       nodelay;
  guint     client_port;   /* set by the thread once connected */
  gboolean  done;
} RawExchange;

#ifdef __linux__
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

/* The server's socket for the client connection from @client_port: this
 * process's own descriptors (the service is in-process). */
static int
server_nodelay (guint port,
                guint client_port)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      int fd = atoi (name);
      struct sockaddr_in local, peer;
      socklen_t len = sizeof local, plen = sizeof peer;
      int value = 0;
      socklen_t vlen = sizeof value;

      if (getsockname (fd, (struct sockaddr *) &local, &len) != 0 || local.sin_family != AF_INET ||
          ntohs (local.sin_port) != port ||
          getpeername (fd, (struct sockaddr *) &peer, &plen) != 0 || ntohs (peer.sin_port) != client_port)
        continue;
      if (getsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &value, &vlen) == 0)
        return value != 0;
    }
  return -1;
}
#endif

static gpointer
raw_exchange_thread (gpointer data)
{
  RawExchange *x = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  GInputStream *in;
  char buf[4096];
  gssize n;

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) x->port, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (conn, NULL);

    g_atomic_int_set (&x->client_port, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
  }
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                            x->request, strlen (x->request), NULL, NULL, &error));
  g_assert_no_error (error);
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, &error)) > 0)
    g_string_append_len (x->answer, buf, n);
  g_assert_no_error (error);
  g_atomic_int_set (&x->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

/* The chunks of a chunked HTTP/1.1 answer; the body joined into @body. */
static guint
count_chunks (const char *answer,
              GString    *body)
{
  const char *p = strstr (answer, "\r\n\r\n");
  guint chunks = 0;

  g_assert_nonnull (p);
  g_assert_nonnull (strstr (answer, "Transfer-Encoding: chunked"));
  p += 4;
  for (;;)
    {
      char *end = NULL;
      guint64 size = g_ascii_strtoull (p, &end, 16);

      g_assert_true (end != p && g_str_has_prefix (end, "\r\n"));
      if (size == 0)
        return chunks;
      chunks++;
      g_string_append_len (body, end + 2, (gssize) size);
      p = end + 2 + size;
      g_assert_true (g_str_has_prefix (p, "\r\n"));
      p += 2;
    }
}

/* What one upstream read delivers goes to the client as one chunk, not
 * an HTTP chunk (and a TCP send) per SSE event; and the client's
 * connection has TCP_NODELAY, so a lone paced event is not held back. */
static void
test_stream_batched (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GString) sse = g_string_new (NULL);
  g_autoptr(GString) body = g_string_new (NULL);
  const char *req_body = "{\"model\":\"o/echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  RawExchange x = { sy_service_get_port (f->service), NULL, g_string_new (NULL), -1, 0, FALSE };
  GThread *thread;
  guint chunks;

  for (guint i = 0; i < 50; i++)
    g_string_append_printf (sse, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ev%u \"}}]}\n\n", i);
  g_string_append (sse, "data: [DONE]\n\n");
  fake_upstream_script_full (f->upstream, "echo", NULL, 200, NULL, "text/event-stream", sse->str);

  x.request = g_strdup_printf ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Authorization: Bearer " CLIENT_KEY "\r\nContent-Type: application/json\r\n"
                               "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                               strlen (req_body), req_body);
  thread = g_thread_new ("raw-client", raw_exchange_thread, &x);
  while (!g_atomic_int_get (&x.done))
    {
      g_main_context_iteration (NULL, TRUE);
#ifdef __linux__
      /* Between iterations the server's socket for this client is open
       * (from its accept to its close): the highest value seen. */
      if (g_atomic_int_get (&x.client_port) != 0)
        x.nodelay = MAX (x.nodelay, server_nodelay (x.port, g_atomic_int_get (&x.client_port)));
#endif
    }
  g_thread_join (thread);

  g_assert_true (g_str_has_prefix (x.answer->str, "HTTP/1.1 200"));
  chunks = count_chunks (x.answer->str, body);
  g_test_message ("%u chunks for 51 events", chunks);
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *token = g_strdup_printf ("\"ev%u \"", i);

      g_assert_nonnull (strstr (body->str, token));
    }
  g_assert_true (g_str_has_suffix (body->str, "data: [DONE]\n\n"));
  /* One for the upstream's read (two if its body came in two reads). */
  g_assert_cmpuint (chunks, <=, 3);
#ifdef __linux__
  g_assert_cmpint (x.nodelay, ==, 1);
#endif
  g_free (x.request);
  g_string_free (x.answer, TRUE);
}

static const char *first_byte_config =
  "routing: {strategy: fill-first}\n"
  "%%\n"
  "  - {name: DropA, base-url: \"UPSTREAM/v1\", prefix: dd, api-key-entries: [{api-key: key-drop-a}],\n"
  "     models: [{name: drop, alias: m}]}\n"
  "  - {name: DropB, base-url: \"UPSTREAM/v1\", prefix: dd, api-key-entries: [{api-key: key-drop-b}],\n"
  "     models: [{name: echo, alias: m}]}\n";

/* Once the client has bytes, a failure is reported, never retried. */
static void
test_no_retry_after_first_byte (Fixture       *f,
                                gconstpointer  data)
{
  GString *out = NULL;

  stream_to_end (f, "/v1/chat/completions",
                 "{\"model\":\"dd/m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &out);
  g_assert_nonnull (strstr (out->str, "data: "));
  g_assert_nonnull (strstr (out->str, "\"error\""));
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-drop-a"), ==, 1);
  g_assert_cmpuint (fake_upstream_count_key (f->upstream, "key-drop-b"), ==, 0);
  g_string_free (out, TRUE);
}

/* No account at all (a first start): the 404 says how to add one. */
static void
test_no_accounts (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyService) service = sy_service_new_from_string ("host: 127.0.0.1\nport: 0\n", &error);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  static const char request[] = "{\"model\":\"claude-sonnet-4-6\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  g_autoptr(GBytes) request_body = g_bytes_new_static (request, strlen (request));

  g_assert_no_error (error);
  g_assert_true (sy_service_start (service, &error));
  base = sy_service_dup_url (service);
  url = g_strconcat (base, "/v1/chat/completions", NULL);
  msg = soup_message_new ("POST", url);
  soup_message_set_request_body_from_bytes (msg, "application/json", request_body);
  /* The server runs on this thread's loop: sent asynchronously. */
  body = http_send (session, msg, 20000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 404);
  g_assert_nonnull (strstr (g_bytes_get_data (body, NULL), "switchyard --login"));
  sy_service_stop (service);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func, extra) \
  g_test_add (name, Fixture, extra, fixture_setup, func, fixture_teardown)

  ADD ("/server/health", test_health, NULL);
  ADD ("/server/auth", test_auth, NULL);
  ADD ("/server/models", test_models, NULL);
  ADD ("/server/openai-chat", test_openai_chat, NULL);
  ADD ("/server/claude", test_claude, NULL);
  ADD ("/server/responses", test_responses, NULL);
  ADD ("/server/gemini", test_gemini, NULL);
  ADD ("/server/streams", test_streams, NULL);
  ADD ("/server/stream-batched", test_stream_batched, NULL);
  ADD ("/server/stream-cancel", test_stream_cancel, NULL);
  ADD ("/server/reload-during-stream", test_reload_during_stream, NULL);
  ADD ("/server/dispose-during-stream", test_dispose_during_stream, NULL);
  ADD ("/server/backpressure", test_backpressure, NULL);
  ADD ("/server/bad-input", test_bad_input, NULL);
  ADD ("/server/body-limit", test_body_limit, NULL);
  ADD ("/server/upstream-errors", test_upstream_errors, NULL);
  ADD ("/server/failover", test_failover, NULL);
  ADD ("/server/proxy", test_proxy, NULL);
  ADD ("/server/origin", test_origin, NULL);
  ADD ("/server/listener-toggle", test_listener_toggle, NULL);
  ADD ("/server/translate-answers", test_translate_answers, NULL);
  ADD ("/server/translate-streams", test_translate_streams, NULL);
  ADD ("/server/translate-errors", test_translate_errors, NULL);
  ADD ("/server/translate-count-tokens", test_translate_count_tokens, NULL);
  ADD ("/server/reasoning-suffix", test_reasoning_suffix, NULL);
  ADD ("/server/payload-rules", test_payload_rules, payload_config);
  ADD ("/server/model-mapping", test_model_mapping, mapping_config);
  ADD ("/server/priority-order", test_priority_order, priority_config);
  ADD ("/server/cooldown", test_cooldown, cooldown_config);
  ADD ("/server/round-robin", test_round_robin, round_robin_config);
  ADD ("/server/retry-rounds", test_retry_rounds, rounds_config);
  ADD ("/server/refresh-on-401", test_refresh_on_401, solo_config);
  ADD ("/server/state-across-restart", test_state_across_restart, solo_config);
  ADD ("/server/switch-preview-model", test_switch_preview_model, preview_config);
  ADD ("/server/switch-project", test_switch_project, switch_project_config);
  ADD ("/server/no-retry-after-first-byte", test_no_retry_after_first_byte, first_byte_config);
  ADD ("/server/stream-opens-with-error", test_stream_opens_with_error, cooldown_config);
  g_test_add_func ("/server/unsafe-bind", test_unsafe_bind);
  g_test_add_func ("/server/listen-backlog", test_listen_backlog);
  g_test_add_func ("/server/no-accounts", test_no_accounts);
  g_test_add_func ("/server/file-reload", test_file_reload);

  return g_test_run ();
}
