/* test-http-fetch.c: sy_http_fetch_async() against a real SoupServer on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "sy-core-error.h"
#include "sy-http-fetch.h"

#define LIMIT 64

typedef struct
{
  SoupServer   *server;
  char         *base;
  SyHttpClient *client;
  char         *seen_authorization;
  char         *seen_body;
  guint         n_stalled;
} Fixture;

typedef struct
{
  SyHttpAnswer *answer;
  GError       *error;
  gboolean      done;
} Fetched;

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Fixture *fx = user_data;
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);

  g_free (fx->seen_authorization);
  fx->seen_authorization = g_strdup (soup_message_headers_get_one (in, "Authorization"));
  g_free (fx->seen_body);
  fx->seen_body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  if (strcmp (path, "/json") == 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "17");
      soup_server_message_set_status (msg, 429, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                        "{\"error\":{\"message\":\"slow down\"}}", 33);
    }
  else if (strcmp (path, "/array") == 0)
    {
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "[1,2]", 5);
    }
  else if (strcmp (path, "/big") == 0)
    {
      g_autofree char *text = g_strnfill (LIMIT + 1, 'x');

      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, text, LIMIT + 1);
    }
  else if (strcmp (path, "/stall") == 0)
    {
      fx->n_stalled++;
      soup_server_message_pause (msg);
    }
  else
    soup_server_message_set_status (msg, 404, NULL);
}

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  fx->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fx->server, NULL, server_cb, fx, NULL);
  g_assert_true (soup_server_listen_local (fx->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (fx->server);
  fx->base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  fx->client = sy_http_client_new ();
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  g_clear_object (&fx->client);
  soup_server_disconnect (fx->server);
  g_clear_object (&fx->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_free (fx->base);
  g_free (fx->seen_authorization);
  g_free (fx->seen_body);
}

static void
on_fetched (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fetched *f = user_data;

  g_assert_true (source == NULL || SY_IS_HTTP_CLIENT (source));
  f->answer = sy_http_fetch_finish (result, &f->error);
  f->done = TRUE;
}

static void
fetched_clear (Fetched *f)
{
  g_clear_pointer (&f->answer, sy_http_answer_free);
  g_clear_error (&f->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Fetched, fetched_clear)

static void
fetch (Fixture      *fx,
       const char   *path,
       const char   *body,
       GCancellable *cancellable,
       Fetched      *out)
{
  g_autofree char *url = g_strconcat (fx->base, path, NULL);
  g_autofree char *bearer = g_strdup ("Authorization: Bearer token-canary-1");
  const char *headers[] = { bearer, NULL };
  g_autoptr(GBytes) bytes = body ? g_bytes_new (body, strlen (body)) : NULL;
  SyHttpRequestInfo info = { 0 };

  info.method = body ? "POST" : "GET";
  info.url = url;
  info.headers = headers;
  info.body = bytes;
  sy_http_fetch_async (fx->client, &info, LIMIT, cancellable, on_fetched, out);
  /* The call has its own copies: what held the token may go at once. */
  memset (bearer, 0, strlen (bearer));
}

static void
wait_fetched (Fetched *f)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!f->done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (f->done);
}

/* Any status comes back as an answer, with its JSON object and headers. */
static void
test_json_answer (Fixture       *fx,
                  gconstpointer  data)
{
  g_auto(Fetched) f = { 0 };
  JsonObject *error;

  fetch (fx, "/json", "{\"project\":\"p-1\"}", NULL, &f);
  wait_fetched (&f);
  g_assert_no_error (f.error);
  g_assert_cmpuint (f.answer->status, ==, 429);
  g_assert_false (f.answer->too_large);
  g_assert_cmpmem (f.answer->body->data, f.answer->body->len, "{\"error\":{\"message\":\"slow down\"}}", 33);
  g_assert_nonnull (f.answer->object);
  error = json_object_get_object_member (f.answer->object, "error");
  g_assert_cmpstr (json_object_get_string_member (error, "message"), ==, "slow down");
  g_assert_cmpstr (sy_http_answer_get_header (f.answer, "retry-after"), ==, "17");
  g_assert_null (sy_http_answer_get_header (f.answer, "x-missing"));
  g_assert_cmpstr (fx->seen_authorization, ==, "Bearer token-canary-1");
  g_assert_cmpstr (fx->seen_body, ==, "{\"project\":\"p-1\"}");
}

/* JSON that is not an object, and an answer over the limit: no object. */
static void
test_not_an_object (Fixture       *fx,
                    gconstpointer  data)
{
  g_auto(Fetched) array = { 0 };
  g_auto(Fetched) big = { 0 };

  fetch (fx, "/array", NULL, NULL, &array);
  wait_fetched (&array);
  g_assert_no_error (array.error);
  g_assert_cmpuint (array.answer->status, ==, 200);
  g_assert_null (array.answer->object);
  g_assert_cmpmem (array.answer->body->data, array.answer->body->len, "[1,2]", 5);

  fetch (fx, "/big", NULL, NULL, &big);
  wait_fetched (&big);
  g_assert_no_error (big.error);
  g_assert_cmpuint (big.answer->status, ==, 200);
  g_assert_true (big.answer->too_large);
  g_assert_cmpuint (big.answer->body->len, <=, LIMIT);
  g_assert_null (big.answer->object);
}

/* No answer: the client's error. */
static void
test_connection_refused (Fixture       *fx,
                         gconstpointer  data)
{
  g_auto(Fetched) f = { 0 };

  /* The server's port, the server gone. */
  soup_server_disconnect (fx->server);
  fetch (fx, "/json", NULL, NULL, &f);
  wait_fetched (&f);
  g_assert_null (f.answer);
  g_assert_error (f.error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_CONNECT);
}

/* Cancelling ends a call in flight at once; a cancelled call never starts. */
static void
test_cancel (Fixture       *fx,
             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_auto(Fetched) stalled = { 0 };
  g_auto(Fetched) late = { 0 };

  fetch (fx, "/stall", NULL, cancellable, &stalled);
  while (fx->n_stalled == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (stalled.done);
  g_cancellable_cancel (cancellable);
  wait_fetched (&stalled);
  g_assert_null (stalled.answer);
  g_assert_error (stalled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  fetch (fx, "/stall", NULL, cancellable, &late);
  wait_fetched (&late);
  g_assert_null (late.answer);
  g_assert_error (late.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (fx->n_stalled, ==, 1);
  g_assert_cmpuint (sy_http_client_get_n_active (fx->client), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  static const char * const proxy_vars[] = {
    "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
  };

  /* Only 127.0.0.1 may be contacted: no proxy from the environment. */
  for (guint i = 0; i < G_N_ELEMENTS (proxy_vars); i++)
    g_unsetenv (proxy_vars[i]);

  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/http-fetch/json-answer", test_json_answer);
  ADD ("/http-fetch/not-an-object", test_not_an_object);
  ADD ("/http-fetch/connection-refused", test_connection_refused);
  ADD ("/http-fetch/cancel", test_cancel);
#undef ADD

  return g_test_run ();
}
