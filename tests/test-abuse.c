/* test-abuse.c: client limits, deadlines, oversized heads, path traversal
 *
 * A real service on 127.0.0.1 (port 0) over a fake upstream; clients are
 * SoupSessions and raw sockets (a slow or stalling client, a huge head, a
 * stream cut off), all on this thread's main loop.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "fake-upstream.h"
#include "login-test-util.h"
#include "mgmt-test-util.h"
#include "switchyard.h"
#include "sy-clock.h"
#include "sy-server.h"
#include "sy-service-logins.h"

#define KEY_A      "sk-client-a-canary-71d3e9"
#define KEY_B      "sk-client-b-canary-0c55aa"
#define KEY_C      "sk-client-c-canary-9e21f4"
#define MGMT_KEY   "mgmt-abuse-canary-5b7e"
#define SECRET     "TOPSECRET-canary-4410"
#define CHAT       "{\"model\":\"o/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
#define STREAM     "{\"model\":\"o/slow-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"

typedef struct
{
  FakeUpstream *upstream;
  SyService    *service;
  SoupSession  *session;
  char         *base;
  guint         port;
  SyClock      *clock;
  char         *dir;
} Fixture;

/* ---------------------------------------------------------------------- */
/* The service                                                             */

/* @extra is top-level YAML (client-limits, timeouts, api-keys...). */
static char *
make_config (Fixture    *f,
             const char *extra)
{
  const char *url = fake_upstream_get_url (f->upstream);

  return g_strdup_printf ("host: 127.0.0.1\n"
                          "port: 0\n"
                          "force-model-prefix: true\n"
                          "%s"
                          "claude-api-key:\n"
                          "  - {api-key: sk-ant-up-canary, base-url: \"%s\", prefix: c, models: [{name: echo}]}\n"
                          "gemini-api-key:\n"
                          "  - {api-key: AIzaUpCanary, base-url: \"%s\", prefix: g, models: [{name: echo}]}\n"
                          "openai-compatibility:\n"
                          "  - name: Fake\n"
                          "    base-url: \"%s/v1\"\n"
                          "    prefix: o\n"
                          "    api-key-entries: [{api-key: sk-up-compat-canary}]\n"
                          "    models: [{name: echo}, {name: slow-stream}]\n",
                          extra ? extra : "", url, url, url);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml = NULL;

  f->clock = sy_clock_new_manual (g_get_real_time ());
  sy_clock_set_default (f->clock);
  f->upstream = fake_upstream_new ();
  yaml = make_config (f, data);
  f->service = sy_service_new_from_string (yaml, &error);
  g_assert_no_error (error);
  g_assert_true (sy_service_start (f->service, &error));
  g_assert_no_error (error);
  f->base = sy_service_dup_url (f->service);
  f->port = sy_service_get_port (f->service);
  f->session = soup_session_new_with_options ("timeout", 30, "proxy-resolver", NULL, NULL);
  g_string_truncate (all_logs, 0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  mgmt_stop_all (&f->session, &f->service, &f->upstream);
  g_free (f->base);
  sy_clock_set_default (NULL);
  g_clear_pointer (&f->clock, sy_clock_unref);
}

/* A request with @key (NULL: none) as a Bearer token. */
static void
call (Fixture      *f,
      const char   *method,
      const char   *path,
      const char   *key,
      const char   *body,
      HttpResponse *out)
{
  g_autofree char *url = g_strconcat (f->base, path, NULL);
  g_autofree char *auth = key ? g_strconcat ("Authorization: Bearer ", key, NULL) : NULL;
  const char *headers[] = { auth, NULL };

  http_request (f->session, method, url, body ? "application/json" : NULL, body, body ? strlen (body) : 0,
                headers, out);
}

static gboolean
service_idle (gpointer data)
{
  Fixture *f = data;

  return sy_service_get_n_active_requests (f->service) == 0;
}

/* ---------------------------------------------------------------------- */
/* Raw clients                                                             */

typedef struct
{
  GSocket *socket;
  GString *received;
  gboolean closed;       /* by the server: end of file, or reset */
  gint64   opened;       /* monotonic µs */
  gint64   closed_at;
  /* trickled: what is still to send, one byte a tick */
  const char *trickle;
  guint    trickle_id;
} Raw;

static Raw *
raw_connect (guint port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (lo, (guint16) port);
  Raw *raw = g_new0 (Raw, 1);

  raw->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  /* The kernel completes a loopback connect before the server accepts. */
  g_assert_true (g_socket_connect (raw->socket, address, NULL, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (raw->socket, FALSE);
  raw->received = g_string_new (NULL);
  raw->opened = g_get_monotonic_time ();
  return raw;
}

static void
raw_free (Raw *raw)
{
  g_clear_handle_id (&raw->trickle_id, g_source_remove);
  g_socket_close (raw->socket, NULL);
  g_object_unref (raw->socket);
  g_string_free (raw->received, TRUE);
  g_free (raw);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Raw, raw_free)

/* Reads what is there; notes the server's close. */
static void
raw_poll (Raw *raw)
{
  char buf[16384];

  while (!raw->closed)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (raw->socket, buf, sizeof buf, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return;
      if (n <= 0)
        {
          raw->closed = TRUE;
          raw->closed_at = g_get_monotonic_time ();
          return;
        }
      g_string_append_len (raw->received, buf, n);
    }
}

/* Sends all of @data, running the loop while the server catches up; FALSE
 * when the server closed the connection first. */
static gboolean
raw_send (Raw        *raw,
          const char *data,
          gsize       len)
{
  gsize sent = 0;

  while (sent < len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (raw->socket, data + sent, len - sent, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_main_context_iteration (NULL, FALSE);
          raw_poll (raw);
          if (raw->closed)
            return FALSE;
          continue;
        }
      if (n < 0)
        return FALSE;
      sent += (gsize) n;
    }
  return TRUE;
}

static gboolean
raw_is_closed (gpointer data)
{
  Raw *raw = data;

  raw_poll (raw);
  return raw->closed;
}

static gboolean
raw_has_data_event (gpointer data)
{
  Raw *raw = data;

  raw_poll (raw);
  return strstr (raw->received->str, "data:") != NULL || raw->closed;
}

static gboolean
raw_has_done (gpointer data)
{
  Raw *raw = data;

  raw_poll (raw);
  return strstr (raw->received->str, "[DONE]") != NULL || raw->closed;
}

/* A whole answer with a Content-Length is in. */
static gboolean
raw_has_answer (gpointer data)
{
  Raw *raw = data;
  const char *end;
  const char *length;

  raw_poll (raw);
  end = strstr (raw->received->str, "\r\n\r\n");
  length = g_strstr_len (raw->received->str, end ? end - raw->received->str : 0, "Content-Length: ");
  if (end == NULL || length == NULL)
    return raw->closed;
  return raw->received->len >= (gsize) (end + 4 - raw->received->str) +
                                 g_ascii_strtoull (length + strlen ("Content-Length: "), NULL, 10);
}

static gboolean
on_trickle (gpointer data)
{
  Raw *raw = data;

  if (*raw->trickle == '\0' || !raw_send (raw, raw->trickle, 1))
    {
      raw->trickle_id = 0;
      return G_SOURCE_REMOVE;
    }
  raw->trickle++;
  return G_SOURCE_CONTINUE;
}

/* @text, one byte every @interval_ms. */
static void
raw_trickle (Raw        *raw,
             const char *text,
             guint       interval_ms)
{
  raw->trickle = text;
  raw->trickle_id = g_timeout_add (interval_ms, on_trickle, raw);
}

static double
raw_seconds_open (Raw *raw)
{
  return (raw->closed_at - raw->opened) / (double) G_USEC_PER_SEC;
}

/* A request for a streamed answer over a raw socket. */
static Raw *
raw_stream (Fixture    *f,
            const char *key)
{
  g_autofree char *request = g_strdup_printf ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                                              "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
                                              key, strlen (STREAM), STREAM);
  Raw *raw = raw_connect (f->port);

  g_assert_true (raw_send (raw, request, strlen (request)));
  return raw;
}

/* ---------------------------------------------------------------------- */
/* Error answers in the client's format                                    */

static void
assert_limited (HttpResponse *r,
                const char   *format,
                const char   *retry_after,
                const char   *which)
{
  g_autoptr(JsonNode) root = NULL;

  if (r->status != 429)
    g_printerr ("unexpected answer %u: %s\n", r->status, r->text);
  g_assert_cmpuint (r->status, ==, 429);
  g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Retry-After"), ==, retry_after);
  root = http_response_json (r);
  g_assert_nonnull (strstr (http_json_string (root, "error.message"), which));
  if (g_str_equal (format, "claude"))
    {
      g_assert_cmpstr (http_json_string (root, "type"), ==, "error");
      g_assert_cmpstr (http_json_string (root, "error.type"), ==, "rate_limit_error");
    }
  else if (g_str_equal (format, "gemini"))
    {
      g_assert_cmpint (http_json_int (root, "error.code"), ==, 429);
      g_assert_cmpstr (http_json_string (root, "error.status"), ==, "RESOURCE_EXHAUSTED");
    }
  else
    {
      g_assert_cmpstr (http_json_string (root, "error.type"), ==, "rate_limit_error");
      g_assert_cmpstr (http_json_string (root, "error.code"), ==, "rate_limit_exceeded");
    }
}

/* ---------------------------------------------------------------------- */
/* client-limits                                                           */

static const char *keyed_rate =
  "api-keys: [\"" KEY_A "\", \"" KEY_B "\", \"" KEY_C "\"]\n"
  "client-limits:\n"
  "  requests-per-minute: 2\n"
  "  keys:\n"
  "    \"" KEY_B "\": {requests-per-minute: 0}\n"
  "    \"" KEY_C "\": {requests-per-minute: 4}\n";

/* Per key: the default, an unlimited override, a larger one; the answer
 * in each client format; time brings the requests back. */
static void
test_rate_per_key (Fixture       *f,
                   gconstpointer  data)
{
  g_auto(HttpResponse) openai = { 0 };
  g_auto(HttpResponse) claude = { 0 };
  g_auto(HttpResponse) gemini = { 0 };
  g_auto(HttpResponse) models = { 0 };
  g_auto(HttpResponse) health = { 0 };
  g_auto(HttpResponse) c_over = { 0 };
  g_auto(HttpResponse) almost = { 0 };
  g_auto(HttpResponse) again = { 0 };
  g_autofree char *masked_tail = NULL;

  for (guint i = 0; i < 2; i++)
    {
      g_auto(HttpResponse) r = { 0 };

      call (f, "POST", "/v1/chat/completions", KEY_A, CHAT, &r);
      g_assert_cmpuint (r.status, ==, 200);
    }
  /* 2 a minute: the next token in 30 s. */
  call (f, "POST", "/v1/chat/completions", KEY_A, CHAT, &openai);
  assert_limited (&openai, "openai", "30", "requests-per-minute");
  g_assert_nonnull (strstr (openai.text, "2 requests per minute"));
  call (f, "POST", "/v1/messages", KEY_A,
        "{\"model\":\"c/echo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &claude);
  assert_limited (&claude, "claude", "30", "requests-per-minute");
  call (f, "POST", "/v1beta/models/g/echo:generateContent", KEY_A,
        "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}", &gemini);
  assert_limited (&gemini, "gemini", "30", "requests-per-minute");
  /* Neither the refused requests nor these reached the upstream. */
  g_assert_cmpuint (fake_upstream_get_n_requests (f->upstream), ==, 2);
  /* Lists and health are not counted. */
  call (f, "GET", "/v1/models", KEY_A, NULL, &models);
  g_assert_cmpuint (models.status, ==, 200);
  call (f, "GET", "/healthz", NULL, NULL, &health);
  g_assert_cmpuint (health.status, ==, 200);

  /* Another key has its own limits. */
  for (guint i = 0; i < 6; i++)
    {
      g_auto(HttpResponse) r = { 0 };

      call (f, "POST", "/v1/chat/completions", KEY_B, CHAT, &r);
      g_assert_cmpuint (r.status, ==, 200);
    }
  for (guint i = 0; i < 4; i++)
    {
      g_auto(HttpResponse) r = { 0 };

      call (f, "POST", "/v1/chat/completions", KEY_C, CHAT, &r);
      g_assert_cmpuint (r.status, ==, 200);
    }
  call (f, "POST", "/v1/chat/completions", KEY_C, CHAT, &c_over);
  assert_limited (&c_over, "openai", "15", "requests-per-minute");

  /* 29 s: not quite a token; 30 s: one. */
  sy_clock_advance (f->clock, 29 * G_USEC_PER_SEC);
  call (f, "POST", "/v1/chat/completions", KEY_A, CHAT, &almost);
  assert_limited (&almost, "openai", "1", "requests-per-minute");
  sy_clock_advance (f->clock, 1 * G_USEC_PER_SEC);
  call (f, "POST", "/v1/chat/completions", KEY_A, CHAT, &again);
  g_assert_cmpuint (again.status, ==, 200);

  /* Logged, with the key masked. */
  g_assert_nonnull (strstr (all_logs->str, "client limit: /v1/chat/completions refused for key"));
  g_assert_null (strstr (all_logs->str, KEY_A));
  g_assert_null (strstr (all_logs->str, KEY_C));
  masked_tail = g_strndup (KEY_A + strlen (KEY_A) - 4, 4);
  g_assert_nonnull (strstr (all_logs->str, masked_tail));
}

/* A reload changes the limits of the next requests. */
static void
test_rate_reload (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *more = make_config (f, "api-keys: [\"" KEY_A "\"]\nclient-limits: {requests-per-minute: 3}\n");
  g_autofree char *off = make_config (f, "api-keys: [\"" KEY_A "\"]\n");
  g_auto(HttpResponse) first = { 0 };
  g_auto(HttpResponse) refused = { 0 };
  g_auto(HttpResponse) fourth = { 0 };

  call (f, "POST", "/v1/chat/completions", KEY_A, CHAT, &first);
  g_assert_cmpuint (first.status, ==, 200);
  call (f, "POST", "/v1/chat/completions", KEY_A, CHAT, &refused);
  assert_limited (&refused, "openai", "60", "requests-per-minute");

  g_assert_true (sy_service_load_string (f->service, more, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      g_auto(HttpResponse) r = { 0 };

      call (f, "POST", "/v1/chat/completions", KEY_A, CHAT, &r);
      g_assert_cmpuint (r.status, ==, 200);
    }
  call (f, "POST", "/v1/chat/completions", KEY_A, CHAT, &fourth);
  assert_limited (&fourth, "openai", "20", "3 requests per minute");

  g_assert_true (sy_service_load_string (f->service, off, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 5; i++)
    {
      g_auto(HttpResponse) r = { 0 };

      call (f, "POST", "/v1/chat/completions", KEY_A, CHAT, &r);
      g_assert_cmpuint (r.status, ==, 200);
    }
}

/* Without api-keys each client address is limited. */
static void
test_rate_per_address (Fixture       *f,
                       gconstpointer  data)
{
  g_auto(HttpResponse) first = { 0 };
  g_auto(HttpResponse) second = { 0 };

  call (f, "POST", "/v1/chat/completions", NULL, CHAT, &first);
  g_assert_cmpuint (first.status, ==, 200);
  call (f, "POST", "/v1/chat/completions", NULL, CHAT, &second);
  assert_limited (&second, "openai", "60", "this client address");
  g_assert_nonnull (strstr (all_logs->str, "refused for address 127.0.0.1"));
}

/* Streams hold a slot until they end, however they end: cut off by their
 * client many times over, the cap is whole again each time. */
static void
test_concurrent_streams (Fixture       *f,
                         gconstpointer  data)
{
  for (guint round = 0; round < 4; round++)
    {
      Raw *streams[3];
      g_auto(HttpResponse) over = { 0 };
      g_auto(HttpResponse) other = { 0 };

      for (guint i = 0; i < G_N_ELEMENTS (streams); i++)
        {
          streams[i] = raw_stream (f, KEY_A);
          g_assert_true (http_spin_until (raw_has_data_event, streams[i], 10000));
          g_assert_true (g_str_has_prefix (streams[i]->received->str, "HTTP/1.1 200"));
        }
      call (f, "POST", "/v1/chat/completions", KEY_A, CHAT, &over);
      assert_limited (&over, "openai", "1", "concurrent-requests");
      g_assert_nonnull (strstr (over.text, "at most 3"));
      /* Another key is not held up. */
      call (f, "POST", "/v1/chat/completions", KEY_B, CHAT, &other);
      g_assert_cmpuint (other.status, ==, 200);

      if (round < 3)
        {
          /* The clients go away mid-stream. */
          for (guint i = 0; i < G_N_ELEMENTS (streams); i++)
            raw_free (streams[i]);
        }
      else
        {
          /* They finish. */
          for (guint i = 0; i < G_N_ELEMENTS (streams); i++)
            {
              g_assert_true (http_spin_until (raw_has_done, streams[i], 10000));
              g_assert_nonnull (strstr (streams[i]->received->str, "[DONE]"));
              raw_free (streams[i]);
            }
        }
      g_assert_true (http_spin_until (service_idle, f, 10000));
    }
  /* And plain requests one after another never wait for a slot. */
  for (guint i = 0; i < 5; i++)
    {
      g_auto(HttpResponse) r = { 0 };

      call (f, "POST", "/v1/chat/completions", KEY_A, CHAT, &r);
      g_assert_cmpuint (r.status, ==, 200);
    }
}

/* ---------------------------------------------------------------------- */
/* Deadlines and heads                                                     */

/* A client that sends its head a byte a second is cut off at the
 * request-header-timeout (2 s); others are served meanwhile. */
static void
test_slowloris (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(Raw) slow = raw_connect (f->port);
  guint served = 0;

  raw_trickle (slow, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n", 1000);
  while (!raw_is_closed (slow))
    {
      g_auto(HttpResponse) r = { 0 };

      g_assert_cmpfloat ((g_get_monotonic_time () - slow->opened) / (double) G_USEC_PER_SEC, <, 8.0);
      call (f, "GET", "/healthz", NULL, NULL, &r);
      g_assert_cmpuint (r.status, ==, 200);
      served++;
      /* The other client's pace, not a wait for anything. */
      http_spin_for (100);
    }
  g_test_message ("cut after %.2f s; %u requests served meanwhile", raw_seconds_open (slow), served);
  g_assert_cmpfloat (raw_seconds_open (slow), >=, 1.8);
  g_assert_cmpfloat (raw_seconds_open (slow), <, 4.0);
  g_assert_cmpuint (served, >=, 5);
  /* No answer: the head never came. */
  g_assert_cmpuint (slow->received->len, ==, 0);
}

/* A kept-alive connection that sends no next request is closed too. */
static void
test_keepalive_idle (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(Raw) raw = raw_connect (f->port);
  static const char request[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  gint64 answered;

  g_assert_true (raw_send (raw, request, strlen (request)));
  g_assert_true (http_spin_until (raw_has_answer, raw, 5000));
  g_assert_true (g_str_has_prefix (raw->received->str, "HTTP/1.1 200"));
  g_assert_false (raw->closed);
  answered = g_get_monotonic_time ();
  g_assert_true (http_spin_until (raw_is_closed, raw, 8000));
  g_test_message ("idle connection closed %.2f s after its answer",
                  (raw->closed_at - answered) / (double) G_USEC_PER_SEC);
  g_assert_cmpfloat ((raw->closed_at - answered) / (double) G_USEC_PER_SEC, >=, 1.8);
  g_assert_cmpfloat ((raw->closed_at - answered) / (double) G_USEC_PER_SEC, <, 4.0);
}

/* A body that stops coming gets a 408 in the client's format, then the
 * connection closes; one that keeps trickling in is waited for. */
static void
test_body_stall (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(Raw) stall = raw_connect (f->port);
  g_autoptr(Raw) trickle = raw_connect (f->port);
  static const char claude[] = "{\"model\":\"c/echo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  g_autofree char *head = g_strdup_printf ("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                           "Authorization: Bearer " KEY_A "\r\nContent-Type: application/json\r\n"
                                           "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", strlen (claude));
  gsize early = strlen (claude) - 8;
  const char *body;

  /* Half the body, then nothing. */
  g_assert_true (raw_send (stall, head, strlen (head)));
  g_assert_true (raw_send (stall, claude, 10));
  /* All but 8 bytes, then those a byte every 400 ms (3.2 s in all). */
  g_assert_true (raw_send (trickle, head, strlen (head)));
  g_assert_true (raw_send (trickle, claude, early));
  raw_trickle (trickle, claude + early, 400);

  g_assert_true (http_spin_until (raw_is_closed, stall, 8000));
  g_test_message ("stalled body answered after %.2f s", raw_seconds_open (stall));
  g_assert_cmpfloat (raw_seconds_open (stall), >=, 1.8);
  g_assert_cmpfloat (raw_seconds_open (stall), <, 4.0);
  g_assert_true (g_str_has_prefix (stall->received->str, "HTTP/1.1 408"));
  body = strstr (stall->received->str, "\r\n\r\n");
  g_assert_nonnull (body);
  g_assert_nonnull (strstr (body, "{\"type\":\"error\",\"error\":{\"type\":"));
  g_assert_nonnull (strstr (body, "request-body-timeout"));
  g_assert_cmpuint (fake_upstream_get_n_requests (f->upstream), ==, 0);

  g_assert_true (http_spin_until (raw_has_answer, trickle, 10000));
  g_assert_true (g_str_has_prefix (trickle->received->str, "HTTP/1.1 200"));
  g_assert_cmpfloat ((g_get_monotonic_time () - trickle->opened) / (double) G_USEC_PER_SEC, >=, 3.0);
  g_assert_cmpuint (fake_upstream_get_n_requests (f->upstream), ==, 1);
}

/* The deadlines are for what the client sends: a stream longer than both
 * (2 s of events against 1 s) runs to its end. */
static void
test_stream_not_cut (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(Raw) stream = raw_stream (f, KEY_A);
  gint64 start = g_get_monotonic_time ();

  g_assert_true (http_spin_until (raw_has_done, stream, 15000));
  g_assert_true (g_str_has_prefix (stream->received->str, "HTTP/1.1 200"));
  g_assert_nonnull (strstr (stream->received->str, "[DONE]"));
  g_assert_cmpfloat ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC, >=, 1.5);
  g_assert_cmpuint (fake_upstream_get_n_aborted (f->upstream), ==, 0);
}

static void
assert_refused_head (Fixture    *f,
                     const char *head,
                     gsize       len)
{
  g_autoptr(Raw) raw = raw_connect (f->port);
  g_auto(HttpResponse) after = { 0 };

  raw_send (raw, head, len);
  g_assert_true (http_spin_until (raw_is_closed, raw, 5000));
  /* Closed at once (libsoup's 64 KB limit), long before any deadline,
   * without serving the request. */
  g_assert_cmpfloat (raw_seconds_open (raw), <, 3.0);
  g_assert_false (g_str_has_prefix (raw->received->str, "HTTP/1.1 200"));
  call (f, "GET", "/healthz", NULL, NULL, &after);
  g_assert_cmpuint (after.status, ==, 200);
}

/* One 1 MB header, or 100 000 small ones: the connection is dropped, the
 * server goes on. */
static void
test_huge_heads (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GString) big = g_string_new ("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ");
  g_autoptr(GString) many = g_string_new ("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  g_autoptr(GString) fine = g_string_new ("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
  g_autoptr(Raw) ok = raw_connect (f->port);

  for (guint i = 0; i < 1024 * 1024; i++)
    g_string_append_c (big, 'a');
  g_string_append (big, "\r\n\r\n");
  for (guint i = 0; i < 100000; i++)
    g_string_append_printf (many, "X-H%u: v\r\n", i);
  g_string_append (many, "\r\n");
  assert_refused_head (f, big->str, big->len);
  assert_refused_head (f, many->str, many->len);

  /* 400 headers (16 KB) are a head like any other. */
  for (guint i = 0; i < 400; i++)
    g_string_append_printf (fine, "X-Header-%03u: %s\r\n", i, "vvvvvvvvvvvvvvvvvvvvvvvvv");
  g_string_append (fine, "\r\n");
  g_assert_true (raw_send (ok, fine->str, fine->len));
  g_assert_true (http_spin_until (raw_has_answer, ok, 5000));
  g_assert_true (g_str_has_prefix (ok->received->str, "HTTP/1.1 200"));
}

/* ---------------------------------------------------------------------- */
/* Binding                                                                 */

/* No host in the config: loopback only, so another machine cannot reach
 * a server that asks for no key. */
static void
test_loopback_default (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyService) service = sy_service_new_from_string ("port: 0\n", &error);
  g_autofree char *outside = mgmt_outside_address ();
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) target = NULL;

  g_assert_no_error (error);
  g_assert_true (sy_service_start (service, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (sy_service_get_host (service), ==, "127.0.0.1");
  if (outside == NULL)
    {
      sy_service_stop (service);
      g_test_skip ("this machine has no address but loopback");
      return;
    }
  address = g_inet_address_new_from_string (outside);
  target = g_inet_socket_address_new (address, (guint16) sy_service_get_port (service));
  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (sock, 5);
  g_assert_false (g_socket_connect (sock, target, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  sy_service_stop (service);
}

/* ---------------------------------------------------------------------- */
/* Lockout after invalid client keys                                       */

#define GOOD_KEY "sk-client-lockout-good-5e1f"

static guint
keyed_status (SoupSession *session,
              const char  *base,
              const char  *method,
              const char  *path,
              const char  *key,
              const char  *body,
              HttpResponse *out)
{
  g_autofree char *url = g_strconcat (base, path, NULL);
  g_autofree char *auth = g_strconcat ("Authorization: Bearer ", key, NULL);
  const char *headers[] = { auth, NULL };

  http_request (session, method, url, body ? "application/json" : NULL, body, body ? strlen (body) : 0,
                headers, out);
  return out->status;
}

static guint
models_status (SoupSession *session,
               const char  *base,
               const char  *key)
{
  g_auto(HttpResponse) r = { 0 };

  return keyed_status (session, base, "GET", "/v1/models", key, NULL, &r);
}

static void
test_lockout_client_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyService) service = NULL;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, "proxy-resolver", NULL, NULL);
  g_autofree char *outside = mgmt_outside_address ();
  g_autofree char *remote = NULL;
  g_autofree char *local = NULL;
  SyClock *clock = sy_clock_new_manual (g_get_real_time ());
  g_auto(HttpResponse) banned = { 0 };
  g_auto(HttpResponse) banned_claude = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) claude_root = NULL;
  const char *message;

  if (outside == NULL)
    {
      sy_clock_unref (clock);
      g_test_skip ("this machine has no address but loopback");
      return;
    }
  sy_clock_set_default (clock);
  service = sy_service_new_from_string ("host: 0.0.0.0\nport: 0\napi-keys: [\"" GOOD_KEY "\"]\n", &error);
  g_assert_no_error (error);
  g_assert_true (sy_service_start (service, &error));
  g_assert_no_error (error);
  remote = g_strdup_printf ("http://%s:%u", outside, sy_service_get_port (service));
  local = g_strdup_printf ("http://127.0.0.1:%u", sy_service_get_port (service));

  /* Failures short of the limit, then the right key: the count starts over. */
  for (guint i = 0; i + 1 < SY_SERVER_KEY_FAILURES; i++)
    g_assert_cmpuint (models_status (session, remote, "sk-guess"), ==, 401);
  g_assert_cmpuint (models_status (session, remote, GOOD_KEY), ==, 200);
  for (guint i = 0; i + 1 < SY_SERVER_KEY_FAILURES; i++)
    g_assert_cmpuint (models_status (session, remote, "sk-guess"), ==, 401);
  g_assert_cmpuint (models_status (session, remote, GOOD_KEY), ==, 200);

  /* The limit in a row: the address is refused, the right key too, in the
   * client's format, with the time left. */
  for (guint i = 0; i < SY_SERVER_KEY_FAILURES; i++)
    g_assert_cmpuint (models_status (session, remote, "sk-guess"), ==, 401);
  g_assert_cmpuint (keyed_status (session, remote, "GET", "/v1/models", GOOD_KEY, NULL, &banned), ==, 403);
  g_assert_cmpstr (soup_message_headers_get_one (banned.headers, "Retry-After"), ==, "900");
  root = http_response_json (&banned);
  message = json_node_get_string (http_json_at (root, "error.message"));
  g_assert_nonnull (strstr (message, "Too many invalid API keys"));
  g_assert_null (strstr (banned.text, GOOD_KEY));
  g_assert_cmpuint (keyed_status (session, remote, "POST", "/v1/messages", GOOD_KEY,
                                  "{\"model\":\"x\",\"max_tokens\":1,\"messages\":[]}", &banned_claude), ==, 403);
  claude_root = http_response_json (&banned_claude);
  g_assert_cmpstr (json_node_get_string (http_json_at (claude_root, "type")), ==, "error");

  /* Loopback is never locked out (every local tool shares it). */
  for (guint i = 0; i < 3 * SY_SERVER_KEY_FAILURES; i++)
    g_assert_cmpuint (models_status (session, local, "sk-guess"), ==, 401);
  g_assert_cmpuint (models_status (session, local, GOOD_KEY), ==, 200);

  /* The ban ends. */
  sy_clock_advance (clock, SY_SERVER_KEY_BAN_US - G_USEC_PER_SEC);
  g_assert_cmpuint (models_status (session, remote, GOOD_KEY), ==, 403);
  sy_clock_advance (clock, G_USEC_PER_SEC);
  g_assert_cmpuint (models_status (session, remote, GOOD_KEY), ==, 200);

  sy_service_stop (service);
  sy_clock_set_default (NULL);
  sy_clock_unref (clock);
}

/* ---------------------------------------------------------------------- */
/* Path traversal                                                          */

#define ERROR_LOG  "error-20260101T000000-abcd1234.log"
#define EVIL       "evil-abuse-c71e.json"
/* A Claude sign-in as CLIProxyAPI writes it. */
#define AUTH_FILE(email) \
  "{\"type\":\"claude\",\"email\":\"" email "\",\"access_token\":\"sk-ant-oat01-abuse\"," \
  "\"refresh_token\":\"sk-ant-ort01-abuse\",\"id_token\":\"\",\"last_refresh\":\"2026-01-01T00:00:00Z\"," \
  "\"expired\":\"2099-01-01T00:00:00Z\"}"

typedef struct
{
  guint  status;
  char  *text;
} RawAnswer;

static void
raw_answer_clear (RawAnswer *a)
{
  g_clear_pointer (&a->text, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RawAnswer, raw_answer_clear)

/* @target as it is written (no client-side normalising of "../"). */
static void
raw_exchange (Fixture    *f,
              const char *method,
              const char *target,
              const char *content_type,
              const char *body,
              RawAnswer  *out)
{
  g_autoptr(Raw) raw = raw_connect (f->port);
  g_autofree char *request = g_strdup_printf ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                                              "Authorization: Bearer " MGMT_KEY "\r\n"
                                              "%s%s%s"
                                              "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
                                              method, target,
                                              content_type ? "Content-Type: " : "",
                                              content_type ? content_type : "", content_type ? "\r\n" : "",
                                              body ? strlen (body) : 0, body ? body : "");
  const char *rest;

  g_assert_true (raw_send (raw, request, strlen (request)));
  g_assert_true (http_spin_until (raw_is_closed, raw, 10000));
  out->status = 0;
  if (g_str_has_prefix (raw->received->str, "HTTP/1.1 "))
    out->status = (guint) g_ascii_strtoull (raw->received->str + 9, NULL, 10);
  rest = strstr (raw->received->str, "\r\n\r\n");
  out->text = g_strdup (rest ? rest + 4 : "");
}

static void
write_file (const char *dir,
            const char *name,
            const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
traversal_setup (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;
  g_autofree char *yaml = NULL;
  g_autofree char *auth = NULL;
  g_autofree char *logs = NULL;
  g_autofree char *statics = NULL;
  g_autofree char *accounts = NULL;
  g_autofree char *tokens = NULL;
  gboolean loaded = FALSE;

  f->upstream = fake_upstream_new ();
  f->dir = g_dir_make_tmp ("sy-abuse-XXXXXX", &error);
  g_assert_no_error (error);
  auth = g_build_filename (f->dir, "auth", NULL);
  logs = g_build_filename (f->dir, "logs", NULL);
  statics = g_build_filename (f->dir, "static", NULL);
  g_assert_cmpint (g_mkdir (auth, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (logs, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (statics, 0700), ==, 0);
  /* Secrets beside the served folders, where "../" leads. */
  write_file (f->dir, "secret.json", "{\"type\":\"claude\",\"access_token\":\"" SECRET "\"}");
  write_file (f->dir, "secret.log", SECRET "\n");
  write_file (f->dir, "error-secret-abcd1234.log", SECRET "\n");
  /* What may be served. */
  write_file (auth, "plain.json", AUTH_FILE ("served-auth-file@x.com"));
  write_file (logs, ERROR_LOG, "served-error-log\n");
  write_file (statics, "management.html", "<html>served-panel</html>");

  config = g_build_filename (f->dir, "config.yaml", NULL);
  /* The sign-ins' quota reads go to the fake, not to the provider. */
  yaml = g_strdup_printf ("host: 127.0.0.1\nport: 0\ntoken-store: file\nauth-dir: \"%s\"\nlogs-dir: \"%s\"\n"
                          "endpoints:\n  claude: {auth: \"%s\", api: \"%s\"}\n",
                          auth, logs, fake_upstream_get_url (f->upstream), fake_upstream_get_url (f->upstream));
  mgmt_write_config (config, yaml);
  f->service = sy_service_new_from_file (config, &error);
  g_assert_no_error (error);
  accounts = g_build_filename (f->dir, "accounts.json", NULL);
  tokens = g_build_filename (f->dir, "tokens", NULL);
  sy_service_set_usage_file (f->service, NULL);
  sy_service_set_login_files (f->service, accounts, tokens);
  sy_service_set_management_key (f->service, MGMT_KEY);
  sy_service_load_logins_async (f->service, NULL, on_loaded, &loaded);
  while (!loaded)
    g_main_context_iteration (NULL, TRUE);
  f->base = mgmt_start_service (f->service);
  f->port = sy_service_get_port (f->service);
  g_string_truncate (all_logs, 0);
}

static void
traversal_teardown (Fixture       *f,
                    gconstpointer  data)
{
  mgmt_stop_all (&f->session, &f->service, &f->upstream);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->base);
}

static void
assert_secrets_intact (Fixture *f)
{
  const char *names[] = { "secret.json", "secret.log", "error-secret-abcd1234.log" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (f->dir, names[i], NULL);
      g_autofree char *text = NULL;

      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      g_assert_nonnull (strstr (text, SECRET));
    }
}

static void
assert_refused (const char *what,
                RawAnswer  *a)
{
  if ((a->status != 400 && a->status != 404) || strstr (a->text, SECRET) != NULL)
    g_printerr ("%s: %u %s\n", what, a->status, a->text);
  g_assert_true (a->status == 400 || a->status == 404);
  g_assert_null (strstr (a->text, SECRET));
}

/* Names that try to leave the folder they name a file in, as written in
 * a path segment or a query value: "%s" is the absolute folder of the
 * test's secrets (escaped or not). */
static const char * const escapes[] = {
  "../SECRET", "../../SECRET", "..%2fSECRET", "..%2F..%2FSECRET", "%2e%2e%2fSECRET", "%2e%2e/SECRET",
  "%252e%252e%252fSECRET", "..%5cSECRET", "..\\SECRET", "%5c..%5cSECRET", "ABS/SECRET", "ABSE%2fSECRET",
  "SECRET%00", "%00", "..%00%2fSECRET", "%c0%ae%c0%ae%2fSECRET", "%c0%ae%c0%ae/SECRET", "sub/SECRET",
  "sub%2f..%2f..%2fSECRET", "error-..%2f..%2fSECRET", "error-%2e%2e%2fSECRET",
};

/* @pattern with SECRET -> @file, ABS -> the secrets' folder, ABSE -> it
 * %-escaped. */
static char *
escape_for (Fixture    *f,
            const char *pattern,
            const char *file)
{
  g_autoptr(GString) s = g_string_new (pattern);
  g_autofree char *escaped = g_uri_escape_string (f->dir, NULL, FALSE);

  g_string_replace (s, "ABSE", escaped, 0);
  g_string_replace (s, "ABS", f->dir, 0);
  g_string_replace (s, "SECRET", file, 0);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Every route that names a file, every escape: a clean 400 or 404,
 * nothing of the secrets read, changed or removed, nothing written
 * outside the auth-dir. */
static void
test_path_traversal (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *evil = g_build_filename (f->dir, EVIL, NULL);
  g_autofree char *parent = g_path_get_dirname (f->dir);
  g_autofree char *evil_above = g_build_filename (parent, EVIL, NULL);
  static const char upload_text[] = AUTH_FILE ("uploaded@x.com");
  g_auto(RawAnswer) log_ok = { 0 };
  g_auto(RawAnswer) twice = { 0 };
  g_auto(RawAnswer) id_ok = { 0 };
  g_auto(RawAnswer) download_ok = { 0 };
  g_auto(RawAnswer) panel_ok = { 0 };

  /* What is there to serve is served: the refusals below are not
   * refusals of everything. */
  raw_exchange (f, "GET", "/v0/management/request-error-logs/" ERROR_LOG, NULL, NULL, &log_ok);
  g_assert_cmpuint (log_ok.status, ==, 200);
  g_assert_nonnull (strstr (log_ok.text, "served-error-log"));
  /* A name is decoded once (by the HTTP server): "%2531" is the name
   * "%31", not "1", so an escape cannot be smuggled past a check made
   * between two decodings. */
  raw_exchange (f, "GET", "/v0/management/request-error-logs/"
                "error-20260101T000000-abcd%2531234.log", NULL, NULL, &twice);
  g_assert_cmpuint (twice.status, ==, 400);
  g_assert_null (strstr (twice.text, "served-error-log"));
  raw_exchange (f, "GET", "/v0/management/request-log-by-id/abcd1234", NULL, NULL, &id_ok);
  g_assert_cmpuint (id_ok.status, ==, 200);
  g_assert_nonnull (strstr (id_ok.text, "served-error-log"));
  raw_exchange (f, "GET", "/v0/management/auth-files/download?name=plain.json", NULL, NULL, &download_ok);
  g_assert_cmpuint (download_ok.status, ==, 200);
  g_assert_nonnull (strstr (download_ok.text, "served-auth-file@x.com"));
  raw_exchange (f, "GET", "/management.html", NULL, NULL, &panel_ok);
  g_assert_cmpuint (panel_ok.status, ==, 200);
  g_assert_nonnull (strstr (panel_ok.text, "served-panel"));

  for (guint i = 0; i < G_N_ELEMENTS (escapes); i++)
    {
      g_autofree char *log_name = escape_for (f, escapes[i], "secret.log");
      g_autofree char *json_name = escape_for (f, escapes[i], "secret.json");
      g_autofree char *id = escape_for (f, escapes[i], "error-secret");
      g_autofree char *evil_name = escape_for (f, escapes[i], EVIL);
      struct { const char *method; char *target; const char *body; } routes[] = {
        { "GET", g_strconcat ("/v0/management/request-error-logs/", log_name, NULL), NULL },
        { "GET", g_strconcat ("/v0/management/request-log-by-id/", id, NULL), NULL },
        { "GET", g_strconcat ("/v0/management/request-log-by-id/", log_name, NULL), NULL },
        { "GET", g_strconcat ("/v0/management/auth-files/download?name=", json_name, NULL), NULL },
        { "DELETE", g_strconcat ("/v0/management/auth-files?name=", json_name, NULL), NULL },
        { "POST", g_strconcat ("/v0/management/auth-files?name=", evil_name, NULL), upload_text },
        { "PATCH", g_strdup ("/v0/management/auth-files/status"), NULL },
        { "GET", g_strconcat ("/management.html/", json_name, NULL), NULL },
        { "GET", g_strconcat ("/static/", json_name, NULL), NULL },
        { "GET", g_strconcat ("/", json_name, NULL), NULL },
        { "GET", g_strconcat ("/v0/management/model-definitions/", json_name, NULL), NULL },
      };
      g_autofree char *status_body = g_strdup_printf ("{\"name\":\"%s\",\"disabled\":true}", json_name);

      routes[6].body = status_body;
      for (guint r = 0; r < G_N_ELEMENTS (routes); r++)
        {
          g_auto(RawAnswer) a = { 0 };
          g_autofree char *what = g_strdup_printf ("%s %s", routes[r].method, routes[r].target);

          raw_exchange (f, routes[r].method, routes[r].target, routes[r].body ? "application/json" : NULL,
                        routes[r].body, &a);
          /* An upload whose name only looks like an escape ("%2e%2e%2f"
           * decoded once) is imported as any other: nothing lands
           * outside the auth-dir (below). */
          if (r != 5 || a.status != 200)
            assert_refused (what, &a);
          g_free (routes[r].target);
        }
      assert_secrets_intact (f);
      g_assert_false (g_file_test (evil, G_FILE_TEST_EXISTS));
      g_assert_false (g_file_test (evil_above, G_FILE_TEST_EXISTS));
    }

  /* No name at all. */
  {
    const char *empty[][2] = {
      { "GET", "/v0/management/request-error-logs/" }, { "GET", "/v0/management/request-log-by-id/" },
      { "GET", "/v0/management/auth-files/download?name=" }, { "DELETE", "/v0/management/auth-files?name=" },
      { "GET", "/v0/management/auth-files/download?name=.json" }, { "GET", "/v0/management/request-log-by-id/.." },
    };

    for (guint i = 0; i < G_N_ELEMENTS (empty); i++)
      {
        g_auto(RawAnswer) a = { 0 };

        raw_exchange (f, empty[i][0], empty[i][1], NULL, NULL, &a);
        assert_refused (empty[i][1], &a);
      }
  }

  /* A browser's upload names the file it came from: only its base name
   * is kept, inside the auth-dir. */
  {
    const char *names[] = { "../" EVIL, "..\\" EVIL, "/tmp/../" EVIL, "../../" EVIL };

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *form = g_strdup_printf ("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
                                                 "filename=\"%s\"\r\nContent-Type: application/json\r\n\r\n"
                                                 "%s\r\n--XyZ--\r\n", names[i], upload_text);
        g_auto(RawAnswer) a = { 0 };

        raw_exchange (f, "POST", "/v0/management/auth-files", "multipart/form-data; boundary=XyZ", form, &a);
        g_assert_null (strstr (a.text, SECRET));
        g_assert_cmpuint (a.status, ==, 200);
        g_assert_false (g_file_test (evil, G_FILE_TEST_EXISTS));
        g_assert_false (g_file_test (evil_above, G_FILE_TEST_EXISTS));
      }
  }
  assert_secrets_intact (f);

  /* The paths went to the log as they came, decoded by libsoup: escaped
   * again, so none forged a line or garbled the log. */
  {
    g_auto(RawAnswer) a = { 0 };

    raw_exchange (f, "GET", "/v1/x%0aFORGED-abuse-line%0d%00", NULL, NULL, &a);
    g_assert_true (a.status == 400 || a.status == 404);
    g_assert_nonnull (strstr (all_logs->str, "%C0%AE%C0%AE"));
    g_assert_null (strstr (all_logs->str, "\nFORGED-abuse-line"));
    g_assert_true (g_utf8_validate (all_logs->str, all_logs->len, NULL));
  }
}

/* ---------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = g_dir_make_tmp ("sy-abuse-home-XXXXXX", NULL);
  int status;

  /* Nothing of the user's: state, data and config under a temporary home. */
  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_STATE_HOME", home, TRUE);
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  g_setenv ("XDG_CACHE_HOME", home, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", "/nonexistent-sy-test-runtime", TRUE);
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_unsetenv ("MANAGEMENT_STATIC_PATH");
  g_unsetenv ("MANAGEMENT_PASSWORD");
  g_unsetenv ("SWITCHYARD_MASTER_KEY");
  all_logs = g_string_new (NULL);
  g_log_set_writer_func (record_log, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func, extra) \
  g_test_add (name, Fixture, extra, fixture_setup, func, fixture_teardown)

  ADD ("/abuse/rate/per-key", test_rate_per_key, keyed_rate);
  ADD ("/abuse/rate/reload", test_rate_reload,
       "api-keys: [\"" KEY_A "\"]\nclient-limits: {requests-per-minute: 1}\n");
  ADD ("/abuse/rate/per-address", test_rate_per_address, "client-limits: {requests-per-minute: 1}\n");
  ADD ("/abuse/concurrent/streams", test_concurrent_streams,
       "api-keys: [\"" KEY_A "\", \"" KEY_B "\"]\nclient-limits: {concurrent-requests: 3}\n");
  ADD ("/abuse/deadline/slowloris", test_slowloris, "request-header-timeout: 2\n");
  ADD ("/abuse/deadline/keepalive-idle", test_keepalive_idle, "request-header-timeout: 2\n");
  ADD ("/abuse/deadline/body-stall", test_body_stall,
       "api-keys: [\"" KEY_A "\"]\nrequest-body-timeout: 2\n");
  ADD ("/abuse/deadline/stream-not-cut", test_stream_not_cut,
       "api-keys: [\"" KEY_A "\"]\nrequest-header-timeout: 1\nrequest-body-timeout: 1\n");
  ADD ("/abuse/huge-heads", test_huge_heads, NULL);
  g_test_add_func ("/abuse/loopback-default", test_loopback_default);
  g_test_add_func ("/abuse/lockout/client-keys", test_lockout_client_keys);
  g_test_add ("/abuse/path-traversal", Fixture, NULL, traversal_setup, test_path_traversal, traversal_teardown);

  status = g_test_run ();
  remove_tree (home);
  return status;
}
