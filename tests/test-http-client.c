/* test-http-client.c: SyHttpClient against a real in-process SoupServer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-test"

#include "config.h"

#include <string.h>

#include <curl/curl.h>
#include <libsoup/soup.h>

#include "sy-core-error.h"
#include "sy-http-client.h"

#define BIG_SIZE   (2 * 1024 * 1024)
#define BIG_CHUNK  16384
#define N_PARALLEL 50

/* Fixture: one SoupServer on 127.0.0.1 and one client, same main loop */

typedef struct
{
  SoupServer        *server;
  guint              port;
  char              *base;
  SyHttpClient      *client;

  /* what the server saw */
  guint              n_requests;
  char              *seen_method;
  char              *seen_path;
  char              *seen_host;
  char              *seen_api_key;
  char              *seen_content_type;
  char              *seen_accept_encoding;
  gboolean           seen_expect;
  GBytes            *seen_body;
  GArray            *remote_ports;

  /* the streaming response in flight, if any */
  SoupServerMessage *stream_msg;
  gboolean           stream_finished;
  gsize              big_offset;
  gboolean           big_completed;
  guint              endless_chunks;
  guint              slow_chunks;
  guint              slow_source;

  /* /held: answered only once two are in (or on a timeout) */
  GPtrArray         *held;
  guint              max_held;
} Fixture;

static guint8
big_byte (gsize offset)
{
  return (guint8) ((offset % 251) ^ (offset / 251));
}

static GBytes *
gzip_bytes (const char *data,
            gsize       len)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (mem, G_CONVERTER (compressor));
  g_autoptr(GError) error = NULL;

  g_assert_true (g_output_stream_write_all (out, data, len, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_no_error (error);

  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

static const char *
gzip_text (void)
{
  static char *text;

  if (text == NULL)
    {
      GString *s = g_string_new (NULL);

      for (guint i = 0; i < 2000; i++)
        g_string_append_printf (s, "line %u of a compressible response\n", i);
      text = g_string_free (s, FALSE);
    }
  return text;
}

static void
stream_finished_cb (SoupServerMessage *msg,
                    Fixture           *fx)
{
  if (msg == fx->stream_msg)
    fx->stream_finished = TRUE;
}

static void
track_stream (Fixture           *fx,
              SoupServerMessage *msg)
{
  g_assert_null (fx->stream_msg);
  fx->stream_msg = g_object_ref (msg);
  fx->stream_finished = FALSE;
  g_signal_connect (msg, "finished", G_CALLBACK (stream_finished_cb), fx);
}

static void
start_chunked (SoupServerMessage *msg,
               const char        *content_type)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, content_type, NULL);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
}

static void
big_write_next (SoupServerMessage *msg,
                Fixture           *fx)
{
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  gsize n;
  guint8 *chunk;

  if (fx->big_completed)
    return;

  if (fx->big_offset >= BIG_SIZE)
    {
      fx->big_completed = TRUE;
      soup_message_body_complete (body);
      soup_server_message_unpause (msg);
      return;
    }

  n = MIN (BIG_CHUNK, BIG_SIZE - fx->big_offset);
  chunk = g_malloc (n);
  for (gsize i = 0; i < n; i++)
    chunk[i] = big_byte (fx->big_offset + i);
  fx->big_offset += n;
  soup_message_body_append (body, SOUP_MEMORY_TAKE, chunk, n);
  soup_server_message_unpause (msg);
}

static void
endless_write_next (SoupServerMessage *msg,
                    Fixture           *fx)
{
  static const char chunk[1024] = { 'z' };

  fx->endless_chunks++;
  soup_message_body_append (soup_server_message_get_response_body (msg),
                            SOUP_MEMORY_STATIC, chunk, sizeof chunk);
  soup_server_message_unpause (msg);
}

static gboolean
slow_write_next (gpointer user_data)
{
  Fixture *fx = user_data;
  SoupMessageBody *body = soup_server_message_get_response_body (fx->stream_msg);

  soup_message_body_append (body, SOUP_MEMORY_STATIC, "tick;", 5);
  if (++fx->slow_chunks == 5)
    {
      soup_message_body_complete (body);
      fx->slow_source = 0;
    }
  soup_server_message_unpause (fx->stream_msg);

  return fx->slow_source != 0;
}

static void
release_held (Fixture *fx)
{
  while (fx->held->len > 0)
    {
      SoupServerMessage *msg = g_ptr_array_steal_index (fx->held, 0);

      soup_server_message_unpause (msg);
      g_object_unref (msg);
    }
}

static gboolean
release_held_late (gpointer user_data)
{
  release_held (user_data);
  return G_SOURCE_REMOVE;
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Fixture *fx = user_data;
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  fx->n_requests++;
  g_clear_pointer (&fx->seen_method, g_free);
  g_clear_pointer (&fx->seen_path, g_free);
  g_clear_pointer (&fx->seen_host, g_free);
  g_clear_pointer (&fx->seen_api_key, g_free);
  g_clear_pointer (&fx->seen_content_type, g_free);
  g_clear_pointer (&fx->seen_accept_encoding, g_free);
  g_clear_pointer (&fx->seen_body, g_bytes_unref);
  fx->seen_method = g_strdup (soup_server_message_get_method (msg));
  fx->seen_path = g_strdup (path);
  fx->seen_host = g_strdup (soup_message_headers_get_one (req, "Host"));
  fx->seen_api_key = g_strdup (soup_message_headers_get_one (req, "X-Api-Key"));
  fx->seen_content_type = g_strdup (soup_message_headers_get_one (req, "Content-Type"));
  fx->seen_accept_encoding = g_strdup (soup_message_headers_get_one (req, "Accept-Encoding"));
  fx->seen_expect = soup_message_headers_get_one (req, "Expect") != NULL;
  fx->seen_body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    {
      guint16 port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote));

      g_array_append_val (fx->remote_ports, port);
    }

  if (g_str_equal (path, "/echo") || g_str_equal (path, "/proxied"))
    {
      gsize len;
      const char *data = g_bytes_get_data (fx->seen_body, &len);
      g_autofree char *reply = g_strdup_printf ("reply:%.*s", (int) len, data ? data : "");

      soup_server_message_set_status (msg, 201, NULL);
      soup_message_headers_append (resp, "X-Reply", "yes");
      soup_message_headers_append (resp, "X-Multi", "first");
      soup_message_headers_append (resp, "X-Multi", "last");
      soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                        reply, strlen (reply));
    }
  else if (g_str_equal (path, "/empty"))
    {
      soup_server_message_set_status (msg, 204, NULL);
    }
  else if (g_str_equal (path, "/two-chunks"))
    {
      start_chunked (msg, "text/event-stream");
      track_stream (fx, msg);
      soup_message_body_append (soup_server_message_get_response_body (msg),
                                SOUP_MEMORY_STATIC, "chunk-1", 7);
      /* chunk-2 is appended by the client's data callback (send_chunk2). */
    }
  else if (g_str_equal (path, "/big"))
    {
      start_chunked (msg, "application/octet-stream");
      track_stream (fx, msg);
      fx->big_offset = 0;
      fx->big_completed = FALSE;
      g_signal_connect (msg, "wrote-headers", G_CALLBACK (big_write_next), fx);
      g_signal_connect (msg, "wrote-chunk", G_CALLBACK (big_write_next), fx);
    }
  else if (g_str_equal (path, "/endless"))
    {
      start_chunked (msg, "text/event-stream");
      track_stream (fx, msg);
      g_signal_connect (msg, "wrote-headers", G_CALLBACK (endless_write_next), fx);
      g_signal_connect (msg, "wrote-chunk", G_CALLBACK (endless_write_next), fx);
    }
  else if (g_str_equal (path, "/slow"))
    {
      /* A chunk every 400 ms, five times: slower in total than the idle
       * timeout, but never idle for that long. */
      start_chunked (msg, "text/event-stream");
      track_stream (fx, msg);
      fx->slow_source = g_timeout_add (400, slow_write_next, fx);
    }
  else if (g_str_equal (path, "/held"))
    {
      /* Nothing is answered until a second request is in: a client that
       * queues the second behind the first answer never gets there. */
      soup_server_message_pause (msg);
      soup_message_headers_append (resp, "Connection", "close");
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "held", 4);
      g_ptr_array_add (fx->held, g_object_ref (msg));
      fx->max_held = MAX (fx->max_held, fx->held->len);
      if (fx->held->len == 2)
        release_held (fx);
    }
  else if (g_str_equal (path, "/stall"))
    {
      /* Headers, then nothing at all. */
      start_chunked (msg, "text/event-stream");
      track_stream (fx, msg);
    }
  else if (g_str_equal (path, "/gzip"))
    {
      g_autoptr(GBytes) gz = gzip_bytes (gzip_text (), strlen (gzip_text ()));

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_append (resp, "Content-Encoding", "gzip");
      soup_message_headers_set_content_type (resp, "text/plain", NULL);
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg), gz);
    }
  else if (g_str_has_prefix (path, "/n/"))
    {
      g_autofree char *reply = g_strdup_printf ("reply for %s", path + 3);

      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY,
                                        reply, strlen (reply));
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    }
  else
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    }
}

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (loopback, 0);

  fx->remote_ports = g_array_new (FALSE, FALSE, sizeof (guint16));
  fx->held = g_ptr_array_new_with_free_func (g_object_unref);
  fx->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fx->server, NULL, server_cb, fx, NULL);

  /* What soup_server_listen_local (0, SOUP_SERVER_LISTEN_IPV4_ONLY) does,
   * but with a listen backlog of 128 instead of GSocketListener's 10: with
   * 50 simultaneous connects the kernel would otherwise drop SYNs, and
   * each retransmission costs a second. */
  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (sock, addr, TRUE, &error));
  g_socket_set_listen_backlog (sock, 128);
  g_assert_true (g_socket_listen (sock, &error));
  g_assert_true (soup_server_listen_socket (fx->server, sock, 0, &error));
  g_assert_no_error (error);

  uris = soup_server_get_uris (fx->server);
  g_assert_nonnull (uris);
  fx->port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  fx->base = g_strdup_printf ("http://127.0.0.1:%u", fx->port);

  fx->client = sy_http_client_new ();
}

static void
spin_ms (guint ms);

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  g_clear_object (&fx->client);
  g_clear_handle_id (&fx->slow_source, g_source_remove);
  if (fx->stream_msg != NULL)
    g_signal_handlers_disconnect_by_data (fx->stream_msg, fx);
  g_clear_object (&fx->stream_msg);
  soup_server_disconnect (fx->server);
  g_clear_object (&fx->server);
  /* Let both sides' pending sources run down. */
  spin_ms (20);

  g_clear_pointer (&fx->base, g_free);
  g_clear_pointer (&fx->seen_method, g_free);
  g_clear_pointer (&fx->seen_path, g_free);
  g_clear_pointer (&fx->seen_host, g_free);
  g_clear_pointer (&fx->seen_api_key, g_free);
  g_clear_pointer (&fx->seen_content_type, g_free);
  g_clear_pointer (&fx->seen_accept_encoding, g_free);
  g_clear_pointer (&fx->seen_body, g_bytes_unref);
  g_clear_pointer (&fx->remote_ports, g_array_unref);
  g_clear_pointer (&fx->held, g_ptr_array_unref);
}

/* Spinning the main loop */

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Spins until *flag (a gboolean or guint) is non-zero or ms elapsed. */
/* Waits for @cond at most @ms: a bound generous enough for loaded
 * sanitizer runs, never a measurement (it returns as soon as @cond holds). */
#define spin_until(cond, ms)                                                 \
  G_STMT_START {                                                             \
    gint64 _end = g_get_monotonic_time () + (gint64) (ms) * 1000;            \
    guint _wake = g_timeout_add (5, wake_cb, NULL);                          \
    while (!(cond) && g_get_monotonic_time () < _end)                        \
      g_main_context_iteration (NULL, TRUE);                                 \
    g_source_remove (_wake);                                                 \
  } G_STMT_END

static void
spin_ms (guint ms)
{
  spin_until (FALSE, ms);
}

/* Recording one transfer from the client side */

typedef struct _Result Result;

struct _Result
{
  Fixture        *fx;
  SyHttpTransfer *transfer;         /* unowned */

  guint           n_response;
  guint           status;
  gsize           bytes_at_response;
  char           *content_type;
  char           *x_multi;
  GByteArray     *body;
  guint           n_data;
  char           *first_piece;
  guint           n_done;
  GError         *error;
  gint64          start_time;
  gint64          done_time;

  gboolean        cancelled;
  guint           calls_after_cancel;

  /* behaviours */
  gboolean        send_chunk2;
  gboolean        pause_on_first_data;
  gboolean        pause_resume_each_data;
  gboolean        cancel_on_first_data;
  guint           pause_cycles;     /* pause in the callback, resume from an idle */
  gboolean        cancel_on_response;
  Result         *start_on_response;  /* start this one from inside on_response */
  Result         *cancel_on_response_other;
  Result         *start_cancel_on_response;  /* start and at once cancel this one */
};

static Result *
result_new (Fixture *fx)
{
  Result *r = g_new0 (Result, 1);

  r->fx = fx;
  r->body = g_byte_array_new ();
  r->start_time = g_get_monotonic_time ();
  return r;
}

static void
result_free (Result *r)
{
  g_clear_pointer (&r->content_type, g_free);
  g_clear_pointer (&r->x_multi, g_free);
  g_clear_pointer (&r->first_piece, g_free);
  g_clear_error (&r->error);
  g_byte_array_unref (r->body);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

static const SyHttpCallbacks callbacks;

static void
on_response (SyHttpTransfer *transfer,
             guint           status,
             gpointer        user_data)
{
  Result *r = user_data;

  if (r->cancelled)
    r->calls_after_cancel++;
  g_assert_true (transfer == r->transfer);
  r->n_response++;
  r->status = status;
  r->bytes_at_response = r->body->len;
  g_assert_cmpuint (sy_http_transfer_get_status (transfer), ==, status);
  g_free (r->content_type);
  r->content_type = g_strdup (sy_http_transfer_get_content_type (transfer));
  g_free (r->x_multi);
  r->x_multi = g_strdup (sy_http_transfer_get_header (transfer, "x-MULTI"));

  if (r->start_on_response != NULL)
    {
      g_autofree char *url = g_strconcat (r->fx->base, "/n/started", NULL);
      SyHttpRequestInfo info = { "GET", url, NULL, NULL, "direct", 0, 0 };
      g_autoptr(GError) error = NULL;

      r->start_on_response->transfer =
        sy_http_client_start (r->fx->client, &info, &callbacks, r->start_on_response, &error);
      g_assert_no_error (error);
      g_assert_nonnull (r->start_on_response->transfer);
    }

  if (r->start_cancel_on_response != NULL)
    {
      g_autofree char *url = g_strconcat (r->fx->base, "/n/never", NULL);
      SyHttpRequestInfo info = { "GET", url, NULL, NULL, "direct", 0, 0 };
      g_autoptr(SyHttpTransfer) t = NULL;

      t = sy_http_client_start (r->fx->client, &info, &callbacks,
                                r->start_cancel_on_response, NULL);
      g_assert_nonnull (t);
      r->start_cancel_on_response->transfer = t;
      r->start_cancel_on_response->cancelled = TRUE;
      sy_http_transfer_cancel (t);
    }

  if (r->cancel_on_response_other != NULL)
    {
      r->cancel_on_response_other->cancelled = TRUE;
      sy_http_transfer_cancel (r->cancel_on_response_other->transfer);
    }

  if (r->cancel_on_response)
    {
      r->cancelled = TRUE;
      sy_http_transfer_cancel (transfer);
    }
}

static gboolean
resume_idle_cb (gpointer user_data)
{
  Result *r = user_data;

  g_assert_true (sy_http_transfer_is_paused (r->transfer));
  sy_http_transfer_resume (r->transfer);
  return G_SOURCE_REMOVE;
}

static void
send_chunk2 (Fixture *fx)
{
  SoupMessageBody *body = soup_server_message_get_response_body (fx->stream_msg);

  soup_message_body_append (body, SOUP_MEMORY_STATIC, "chunk-2", 7);
  soup_message_body_complete (body);
  soup_server_message_unpause (fx->stream_msg);
}

static void
on_data (SyHttpTransfer *transfer,
         const char     *data,
         gsize           len,
         gpointer        user_data)
{
  Result *r = user_data;

  if (r->cancelled)
    r->calls_after_cancel++;
  g_assert_true (transfer == r->transfer);
  g_assert_cmpuint (r->n_response, ==, 1);
  g_assert_cmpuint (len, >, 0);
  g_assert_false (sy_http_transfer_is_paused (transfer));

  if (r->n_data == 0)
    r->first_piece = g_strndup (data, len);
  r->n_data++;
  g_byte_array_append (r->body, (const guint8 *) data, (guint) len);

  if (r->n_data == 1 && r->send_chunk2)
    send_chunk2 (r->fx);

  if (r->pause_resume_each_data)
    {
      sy_http_transfer_pause (transfer);
      g_assert_true (sy_http_transfer_is_paused (transfer));
      sy_http_transfer_resume (transfer);
      g_assert_false (sy_http_transfer_is_paused (transfer));
    }

  if (r->n_data == 1 && r->pause_on_first_data)
    sy_http_transfer_pause (transfer);

  if (r->pause_cycles > 0 && r->n_data % 7 == 0)
    {
      r->pause_cycles--;
      sy_http_transfer_pause (transfer);
      g_idle_add (resume_idle_cb, r);
    }

  if (r->n_data == 1 && r->cancel_on_first_data)
    {
      r->cancelled = TRUE;
      sy_http_transfer_cancel (transfer);
      sy_http_transfer_cancel (transfer);
    }
}

static void
on_done (SyHttpTransfer *transfer,
         const GError   *error,
         gpointer        user_data)
{
  Result *r = user_data;

  if (r->cancelled)
    r->calls_after_cancel++;
  g_assert_true (transfer == r->transfer);
  r->n_done++;
  r->done_time = g_get_monotonic_time ();
  if (error != NULL)
    r->error = g_error_copy (error);
  else
    g_assert_cmpuint (r->n_response, ==, 1);
}

static const SyHttpCallbacks callbacks = { on_response, on_data, on_done };

static SyHttpTransfer *
start_request (Fixture    *fx,
               Result     *r,
               const char *method,
               const char *path_or_url,
               GBytes     *body,
               const char *proxy_url,
               guint       idle_timeout_s)
{
  g_autofree char *url = NULL;
  SyHttpRequestInfo info = { 0 };
  g_autoptr(GError) error = NULL;
  SyHttpTransfer *t;

  url = path_or_url[0] == '/' ? g_strconcat (fx->base, path_or_url, NULL) : g_strdup (path_or_url);
  info.method = method;
  info.url = url;
  info.body = body;
  info.proxy_url = proxy_url ? proxy_url : "direct";
  info.idle_timeout_s = idle_timeout_s;
  info.connect_timeout_s = 30;   /* a TLS handshake under a loaded sanitizer run is slow */

  t = sy_http_client_start (fx->client, &info, &callbacks, r, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  r->transfer = t;
  return t;
}

/* Tests */

static void
test_post_round_trip (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(Result) r = result_new (fx);
  g_autoptr(GBytes) body = g_bytes_new_static ("{\"q\":1}", 7);
  g_autofree char *url = g_strconcat (fx->base, "/echo", NULL);
  const char *headers[] = { "X-Api-Key: k-123", "Content-Type: application/json", NULL };
  SyHttpRequestInfo info = { "POST", url, headers, body, "direct", 0, 0 };
  g_autoptr(SyHttpTransfer) t = NULL;
  g_autoptr(GError) error = NULL;

  t = sy_http_client_start (fx->client, &info, &callbacks, r, &error);
  g_assert_no_error (error);
  r->transfer = t;
  g_assert_cmpuint (sy_http_client_get_n_active (fx->client), ==, 1);

  spin_until (r->n_done > 0, 30000);
  g_assert_cmpuint (r->n_done, ==, 1);
  g_assert_no_error (r->error);
  g_assert_cmpuint (sy_http_client_get_n_active (fx->client), ==, 0);

  /* server side */
  g_assert_cmpstr (fx->seen_method, ==, "POST");
  g_assert_cmpstr (fx->seen_path, ==, "/echo");
  g_assert_cmpstr (fx->seen_api_key, ==, "k-123");
  g_assert_cmpstr (fx->seen_content_type, ==, "application/json");
  g_assert_false (fx->seen_expect);
  g_assert_nonnull (fx->seen_accept_encoding);
  g_assert_cmpmem (g_bytes_get_data (fx->seen_body, NULL), g_bytes_get_size (fx->seen_body),
                   "{\"q\":1}", 7);

  /* client side */
  g_assert_cmpuint (r->n_response, ==, 1);
  g_assert_cmpuint (r->status, ==, 201);
  g_assert_cmpuint (r->bytes_at_response, ==, 0);
  g_assert_cmpstr (r->content_type, ==, "text/plain; charset=utf-8");
  g_assert_cmpstr (r->x_multi, ==, "last");
  g_assert_cmpmem (r->body->data, r->body->len, "reply:{\"q\":1}", 13);
  g_assert_cmpuint (sy_http_transfer_get_status (t), ==, 201);
  g_assert_cmpstr (sy_http_transfer_get_header (t, "x-reply"), ==, "yes");
  g_assert_cmpstr (sy_http_transfer_get_header (t, "X-Reply"), ==, "yes");
  g_assert_null (sy_http_transfer_get_header (t, "X-Absent"));

  /* Calls on a finished transfer are harmless. */
  sy_http_transfer_pause (t);
  sy_http_transfer_resume (t);
  sy_http_transfer_cancel (t);
}

static void
test_empty_body (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(Result) r = result_new (fx);
  G_GNUC_UNUSED g_autoptr(SyHttpTransfer) t = start_request (fx, r, "GET", "/empty", NULL, NULL, 0);

  spin_until (r->n_done > 0, 30000);
  g_assert_no_error (r->error);
  g_assert_cmpuint (r->n_response, ==, 1);
  g_assert_cmpuint (r->status, ==, 204);
  g_assert_cmpuint (r->n_data, ==, 0);
  g_assert_cmpstr (fx->seen_method, ==, "GET");
}

static void
test_put_without_content_type (Fixture       *fx,
                               gconstpointer  data)
{
  g_autoptr(Result) r = result_new (fx);
  g_autoptr(GBytes) body = g_bytes_new_static ("raw", 3);
  G_GNUC_UNUSED g_autoptr(SyHttpTransfer) t = start_request (fx, r, "PUT", "/echo", body, NULL, 0);

  spin_until (r->n_done > 0, 30000);
  g_assert_no_error (r->error);
  g_assert_cmpstr (fx->seen_method, ==, "PUT");
  /* curl's default application/x-www-form-urlencoded is not sent. */
  g_assert_null (fx->seen_content_type);
  g_assert_cmpmem (r->body->data, r->body->len, "reply:raw", 9);
}

static void
test_streaming (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(Result) r = result_new (fx);
  g_autoptr(SyHttpTransfer) t = NULL;

  r->send_chunk2 = TRUE;
  t = start_request (fx, r, "GET", "/two-chunks", NULL, NULL, 0);

  spin_until (r->n_done > 0, 30000);
  g_assert_no_error (r->error);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (r->content_type, ==, "text/event-stream");
  /* chunk-2 is only written once the client holds chunk-1. */
  g_assert_cmpstr (r->first_piece, ==, "chunk-1");
  g_assert_cmpmem (r->body->data, r->body->len, "chunk-1chunk-2", 14);
}

static void
check_big_body (Result *r)
{
  g_assert_cmpuint (r->body->len, ==, BIG_SIZE);
  for (gsize i = 0; i < BIG_SIZE; i++)
    {
      if (r->body->data[i] != big_byte (i))
        g_error ("byte %" G_GSIZE_FORMAT " is wrong", i);
    }
}

static void
test_pause_resume (Fixture       *fx,
                   gconstpointer  data)
{
  gboolean pause_outside = GPOINTER_TO_INT (data);
  g_autoptr(Result) r = result_new (fx);
  g_autoptr(SyHttpTransfer) t = NULL;
  guint n_paused;
  gsize bytes_paused;

  r->pause_on_first_data = !pause_outside;
  t = start_request (fx, r, "GET", "/big", NULL, NULL, 1);

  spin_until (r->n_data > 0, 30000);
  g_assert_cmpuint (r->n_data, >, 0);
  if (pause_outside)
    sy_http_transfer_pause (t);
  g_assert_true (sy_http_transfer_is_paused (t));

  /* Nothing arrives while paused, and the 1 s idle timeout does not run. */
  n_paused = r->n_data;
  bytes_paused = r->body->len;
  spin_ms (200);
  g_assert_cmpuint (r->n_data, ==, n_paused);
  g_assert_cmpuint (r->body->len, ==, bytes_paused);
  g_assert_cmpuint (r->n_done, ==, 0);
  g_assert_cmpuint (r->body->len, <, BIG_SIZE);
  spin_ms (1100);
  g_assert_cmpuint (r->n_data, ==, n_paused);
  g_assert_cmpuint (r->n_done, ==, 0);

  /* Then some pauses from inside the callback, resumed from an idle. */
  r->pause_cycles = 5;
  sy_http_transfer_resume (t);
  g_assert_false (sy_http_transfer_is_paused (t));

  spin_until (r->n_done > 0, 30000);
  g_assert_no_error (r->error);
  g_assert_cmpuint (r->pause_cycles, ==, 0);
  g_assert_true (fx->big_completed);
  check_big_body (r);
}

static void
test_pause_resume_in_callback (Fixture       *fx,
                               gconstpointer  data)
{
  g_autoptr(Result) r = result_new (fx);
  g_autoptr(SyHttpTransfer) t = NULL;

  r->pause_resume_each_data = TRUE;
  t = start_request (fx, r, "GET", "/big", NULL, NULL, 0);

  spin_until (r->n_done > 0, 30000);
  g_assert_no_error (r->error);
  g_assert_false (sy_http_transfer_is_paused (t));
  check_big_body (r);
}

static void
test_cancel (Fixture       *fx,
             gconstpointer  data)
{
  gboolean from_callback = GPOINTER_TO_INT (data);
  g_autoptr(Result) r = result_new (fx);
  g_autoptr(SyHttpTransfer) t = NULL;

  r->cancel_on_first_data = from_callback;
  t = start_request (fx, r, "GET", "/endless", NULL, NULL, 0);

  spin_until (r->n_data > 0, 30000);
  g_assert_cmpuint (r->n_data, >, 0);
  if (!from_callback)
    {
      r->cancelled = TRUE;
      sy_http_transfer_cancel (t);
      sy_http_transfer_cancel (t);
    }
  g_assert_cmpuint (sy_http_client_get_n_active (fx->client), ==, 0);

  /* The server keeps writing until it notices the client is gone. */
  spin_until (fx->stream_finished, 30000);
  g_assert_true (fx->stream_finished);
  spin_ms (50);

  g_assert_cmpuint (r->calls_after_cancel, ==, 0);
  g_assert_cmpuint (r->n_done, ==, 0);
}

static void
test_connection_refused (Fixture       *fx,
                         gconstpointer  data)
{
  g_autoptr(Result) r = result_new (fx);
  g_autoptr(SyHttpTransfer) t = NULL;
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  guint port;

  /* A port that was just free: bind it, read it back, close it. */
  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (sock, addr, FALSE, &error));
  bound = g_socket_get_local_address (sock, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (sock, NULL);

  url = g_strdup_printf ("http://127.0.0.1:%u/v1/models?key=SECRET", port);
  t = start_request (fx, r, "GET", url, NULL, NULL, 0);

  spin_until (r->n_done > 0, 30000);
  g_assert_cmpuint (r->n_done, ==, 1);
  g_assert_error (r->error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_CONNECT);
  g_assert_cmpuint (r->n_response, ==, 0);
  g_test_message ("error: %s", r->error->message);
  g_assert_null (strstr (r->error->message, "SECRET"));
  g_assert_null (strstr (r->error->message, "key="));
  g_assert_null (strstr (r->error->message, "/v1"));
  g_assert_nonnull (strstr (r->error->message, "127.0.0.1"));
  g_assert_cmpuint (sy_http_client_get_n_active (fx->client), ==, 0);
}

static void
test_idle_timeout (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(Result) r = result_new (fx);
  g_autoptr(SyHttpTransfer) t = NULL;
  gint64 elapsed;

  t = start_request (fx, r, "GET", "/stall?key=SECRET", NULL, NULL, 1);

  spin_until (r->n_done > 0, 30000);
  elapsed = r->done_time - r->start_time;
  g_assert_cmpuint (r->n_done, ==, 1);
  g_assert_error (r->error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_TIMEOUT);
  g_assert_null (strstr (r->error->message, "SECRET"));
  /* Headers arrived, so the response was reported. */
  g_assert_cmpuint (r->n_response, ==, 1);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpint (elapsed, >=, 900 * 1000);
  g_assert_cmpint (elapsed, <, 2500 * 1000);

  /* ... and the connection is gone: a paused SoupServerMessage does not
   * watch its socket, so make the server write until the write fails. */
  for (guint i = 0; i < 100 && !fx->stream_finished; i++)
    {
      soup_message_body_append (soup_server_message_get_response_body (fx->stream_msg),
                                SOUP_MEMORY_STATIC, "late", 4);
      soup_server_message_unpause (fx->stream_msg);
      spin_until (fx->stream_finished, 50);
    }
  g_assert_true (fx->stream_finished);
}

static void
test_idle_timeout_reset (Fixture       *fx,
                         gconstpointer  data)
{
  g_autoptr(Result) r = result_new (fx);
  G_GNUC_UNUSED g_autoptr(SyHttpTransfer) t = start_request (fx, r, "GET", "/slow", NULL, NULL, 1);

  spin_until (r->n_done > 0, 30000);
  g_assert_no_error (r->error);
  g_assert_cmpmem (r->body->data, r->body->len, "tick;tick;tick;tick;tick;", 25);
  g_assert_cmpint (r->done_time - r->start_time, >, 1500 * 1000);
}

/* A self-signed certificate for 127.0.0.1 that nothing trusts. */
static const char untrusted_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBjzCCATagAwIBAgIUTylhLnlSgN4U7yd0iPUuc6wFzYcwCgYIKoZIzj0EAwIw\n"
  "FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyNjEzNDU0N1oYDzIxMjYxMTAy\n"
  "MTM0NTQ3WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO\n"
  "PQMBBwNCAAQ8D+NLIRmJva1AfzQZrqKGLk0/84tJqOi1QtV2lCN3RyyDSr/OOmE6\n"
  "nUzE4l3VtRNQ+iSI9PNlif3REgAjcnIXo2QwYjAdBgNVHQ4EFgQUudjOM/z/xATC\n"
  "8txWIQEQevlV/QgwHwYDVR0jBBgwFoAUudjOM/z/xATC8txWIQEQevlV/QgwDwYD\n"
  "VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0cAMEQC\n"
  "ICnkWHN+CChdGDPaNDVCTg9chHxp430aOpKdBdC5jp6iAiB4z0EGMCItT7xemlsb\n"
  "CfthuzDVogM40W7KVjSp7h2E4w==\n"
  "-----END CERTIFICATE-----\n"
  "-----BEGIN PRIVATE KEY-----\n"
  "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQglAV4L0zlk9C5LP16\n"
  "JFTN4nbMAOnN9PwTDGxnS+v7+eGhRANCAAQ8D+NLIRmJva1AfzQZrqKGLk0/84tJ\n"
  "qOi1QtV2lCN3RyyDSr/OOmE6nUzE4l3VtRNQ+iSI9PNlif3REgAjcnIX\n"
  "-----END PRIVATE KEY-----\n";

static void
test_tls_untrusted (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(SoupServer) tls_server = NULL;
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Result) r = result_new (fx);
  g_autoptr(SyHttpTransfer) t = NULL;
  g_autofree char *url = NULL;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("no GLib TLS backend for the test server");
      return;
    }

  cert = g_tls_certificate_new_from_pem (untrusted_pem, -1, &error);
  g_assert_no_error (error);
  tls_server = soup_server_new ("tls-certificate", cert, NULL);
  soup_server_add_handler (tls_server, NULL, server_cb, fx, NULL);
  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_true (g_socket_bind (sock, addr, TRUE, &error));
  g_assert_true (g_socket_listen (sock, &error));
  g_assert_true (soup_server_listen_socket (tls_server, sock, SOUP_SERVER_LISTEN_HTTPS, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (sock, &error);

  url = g_strdup_printf ("https://127.0.0.1:%u/echo?key=SECRET",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  t = start_request (fx, r, "GET", url, NULL, NULL, 0);

  spin_until (r->n_done > 0, 30000);
  g_assert_cmpuint (r->n_done, ==, 1);
  g_test_message ("error: %s", r->error ? r->error->message : "none");
  g_assert_error (r->error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_TLS);
  g_assert_null (strstr (r->error->message, "SECRET"));
  g_assert_cmpuint (r->n_response, ==, 0);
  g_assert_cmpuint (fx->n_requests, ==, 0);

  soup_server_disconnect (tls_server);
}

static void
test_bad_proxy (Fixture       *fx,
                gconstpointer  data)
{
  static const char * const bad[] = {
    "ftp://127.0.0.1:21", "socks4://127.0.0.1:1080", "127.0.0.1:3128", "http://", "proxy",
  };
  g_autofree char *url = g_strconcat (fx->base, "/echo", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      SyHttpRequestInfo info = { "GET", url, NULL, NULL, bad[i], 0, 0 };
      g_autoptr(GError) error = NULL;
      SyHttpTransfer *t;

      t = sy_http_client_start (fx->client, &info, &callbacks, NULL, &error);
      g_assert_null (t);
      g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_PROXY);
    }

  /* A password in a rejected proxy URL is not echoed. */
  {
    SyHttpRequestInfo info = { "GET", url, NULL, NULL, "socks4://user:SECRET@127.0.0.1:1", 0, 0 };
    g_autoptr(GError) error = NULL;

    g_assert_null (sy_http_client_start (fx->client, &info, &callbacks, NULL, &error));
    g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_PROXY);
    g_assert_null (strstr (error->message, "SECRET"));
  }

  g_assert_cmpuint (fx->n_requests, ==, 0);
  g_assert_cmpuint (sy_http_client_get_n_active (fx->client), ==, 0);
}

static void
test_bad_request (Fixture       *fx,
                  gconstpointer  data)
{
  g_autofree char *url = g_strconcat (fx->base, "/echo", NULL);
  const char *injected[] = { "X-A: 1\r\nX-B: 2", NULL };
  struct {
    const char         *method;
    const char         *url;
    const char * const *headers;
  } cases[] = {
    { "GET", "ftp://127.0.0.1/x", NULL },
    { "GET", "not a url", NULL },
    { "GET /x HTTP/1.1\r\n", url, NULL },
    { "GET", url, injected },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SyHttpRequestInfo info = {
        cases[i].method, cases[i].url, cases[i].headers, NULL, "direct", 0, 0
      };
      g_autoptr(GError) error = NULL;

      g_assert_null (sy_http_client_start (fx->client, &info, &callbacks, NULL, &error));
      g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_FAILED);
    }
  g_assert_cmpuint (fx->n_requests, ==, 0);
}

static void
test_proxy (Fixture       *fx,
            gconstpointer  data)
{
  /* "direct", "none" and NULL (environment: cleared in main()) all go
   * straight to the server. */
  static const char * const direct[] = { "direct", "none", "" };

  for (guint i = 0; i < G_N_ELEMENTS (direct); i++)
    {
      g_autoptr(Result) r = result_new (fx);
      G_GNUC_UNUSED g_autoptr(SyHttpTransfer) t = start_request (fx, r, "GET", "/echo", NULL, direct[i], 0);

      spin_until (r->n_done > 0, 30000);
      g_assert_no_error (r->error);
      g_assert_cmpuint (r->status, ==, 201);
    }

  /* An http:// proxy: our server plays the proxy for a URL whose own port
   * is closed, so the request can only succeed through the proxy. */
  {
    g_autoptr(Result) r = result_new (fx);
    g_autofree char *proxy = g_strdup_printf ("http://user:pw@127.0.0.1:%u", fx->port);
    G_GNUC_UNUSED g_autoptr(SyHttpTransfer) t = start_request (fx, r, "GET", "http://127.0.0.1:1/proxied",
                                                 NULL, proxy, 0);

    spin_until (r->n_done > 0, 30000);
    g_assert_no_error (r->error);
    g_assert_cmpuint (r->status, ==, 201);
    g_assert_cmpstr (fx->seen_path, ==, "/proxied");
    g_assert_cmpstr (fx->seen_host, ==, "127.0.0.1:1");
  }
}

static void
test_keep_alive (Fixture       *fx,
                 gconstpointer  data)
{
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(Result) r = result_new (fx);
      G_GNUC_UNUSED g_autoptr(SyHttpTransfer) t = start_request (fx, r, "GET", "/n/ka", NULL, NULL, 0);

      spin_until (r->n_done > 0, 30000);
      g_assert_no_error (r->error);
      g_assert_cmpuint (r->status, ==, 200);
    }

  g_assert_cmpuint (fx->remote_ports->len, ==, 2);
  g_assert_cmpuint (g_array_index (fx->remote_ports, guint16, 0), ==,
                    g_array_index (fx->remote_ports, guint16, 1));
}

/* Two requests at once to one plain-HTTP host (a local model server) go
 * out at once, each on its own connection: they used to wait for the
 * first connection to say whether it could carry both (HTTP/2), which
 * over plain HTTP queued every request behind the one before. */
static void
test_concurrent_plain_http (Fixture       *fx,
                            gconstpointer  data)
{
  g_autoptr(Result) a = result_new (fx);
  g_autoptr(Result) b = result_new (fx);
  G_GNUC_UNUSED g_autoptr(SyHttpTransfer) ta = start_request (fx, a, "GET", "/held", NULL, NULL, 0);
  G_GNUC_UNUSED g_autoptr(SyHttpTransfer) tb = start_request (fx, b, "GET", "/held", NULL, NULL, 0);
  guint late = g_timeout_add (5000, release_held_late, fx);

  spin_until (a->n_done > 0 && b->n_done > 0, 30000);
  if (fx->max_held == 2)
    g_source_remove (late);
  g_assert_no_error (a->error);
  g_assert_no_error (b->error);
  g_assert_cmpmem (a->body->data, a->body->len, "held", 4);
  g_assert_cmpmem (b->body->data, b->body->len, "held", 4);
  g_assert_cmpuint (fx->max_held, ==, 2);
}

static void
test_gzip (Fixture       *fx,
           gconstpointer  data)
{
  g_autoptr(Result) r = result_new (fx);
  g_autoptr(SyHttpTransfer) t = start_request (fx, r, "GET", "/gzip", NULL, NULL, 0);

  spin_until (r->n_done > 0, 30000);
  g_assert_no_error (r->error);
  g_assert_cmpstr (sy_http_transfer_get_header (t, "Content-Encoding"), ==, "gzip");
  g_assert_cmpmem (r->body->data, r->body->len, gzip_text (), strlen (gzip_text ()));
}

static void
test_parallel (Fixture       *fx,
               gconstpointer  data)
{
  Result *results[N_PARALLEL];
  SyHttpTransfer *transfers[N_PARALLEL];
  guint n_done = 0;

  for (guint i = 0; i < N_PARALLEL; i++)
    {
      g_autofree char *path = g_strdup_printf ("/n/%u", i);

      results[i] = result_new (fx);
      transfers[i] = start_request (fx, results[i], "GET", path, NULL, NULL, 5);
    }
  g_assert_cmpuint (sy_http_client_get_n_active (fx->client), ==, N_PARALLEL);

  spin_until (sy_http_client_get_n_active (fx->client) == 0, 30000);
  g_assert_cmpuint (sy_http_client_get_n_active (fx->client), ==, 0);

  for (guint i = 0; i < N_PARALLEL; i++)
    {
      g_autofree char *expected = g_strdup_printf ("reply for %u", i);

      g_assert_no_error (results[i]->error);
      g_assert_cmpuint (results[i]->n_done, ==, 1);
      g_assert_cmpmem (results[i]->body->data, results[i]->body->len,
                       expected, strlen (expected));
      n_done += results[i]->n_done;
      sy_http_transfer_unref (transfers[i]);
      result_free (results[i]);
    }
  g_assert_cmpuint (n_done, ==, N_PARALLEL);
}

static void
test_reentrancy (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(Result) a = result_new (fx);
  g_autoptr(Result) b = result_new (fx);
  g_autoptr(Result) c = result_new (fx);
  g_autoptr(Result) d = result_new (fx);
  g_autoptr(Result) e = result_new (fx);
  g_autoptr(SyHttpTransfer) ta = NULL;
  g_autoptr(SyHttpTransfer) tc = NULL;
  g_autoptr(SyHttpTransfer) td = NULL;

  /* c stalls; a's response callback starts b, starts and cancels e, and
   * cancels c, all from inside curl; d cancels itself from its response
   * callback. */
  tc = start_request (fx, c, "GET", "/stall", NULL, NULL, 0);
  spin_until (c->n_response > 0, 30000);
  g_assert_cmpuint (c->n_response, ==, 1);

  a->start_on_response = b;
  a->cancel_on_response_other = c;
  a->start_cancel_on_response = e;
  ta = start_request (fx, a, "GET", "/n/a", NULL, NULL, 0);
  d->cancel_on_response = TRUE;
  td = start_request (fx, d, "GET", "/n/d", NULL, NULL, 0);

  spin_until (a->n_done > 0 && b->n_done > 0, 30000);
  g_assert_no_error (a->error);
  g_assert_no_error (b->error);
  g_assert_cmpmem (a->body->data, a->body->len, "reply for a", 11);
  g_assert_cmpmem (b->body->data, b->body->len, "reply for started", 17);
  spin_ms (50);

  g_assert_cmpuint (c->calls_after_cancel, ==, 0);
  g_assert_cmpuint (c->n_done, ==, 0);
  g_assert_cmpuint (d->n_response, ==, 1);
  g_assert_cmpuint (d->calls_after_cancel, ==, 0);
  g_assert_cmpuint (d->n_done, ==, 0);
  g_assert_cmpuint (e->calls_after_cancel, ==, 0);
  g_assert_cmpuint (sy_http_client_get_n_active (fx->client), ==, 0);
  /* c, a, d and b reached the server; e never did. */
  g_assert_cmpuint (fx->n_requests, ==, 4);

  g_clear_pointer (&b->transfer, sy_http_transfer_unref);
}

static void
test_dispose_cancels (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(Result) r = result_new (fx);
  g_autoptr(SyHttpTransfer) t = start_request (fx, r, "GET", "/endless", NULL, NULL, 0);

  spin_until (r->n_data > 0, 30000);
  r->cancelled = TRUE;
  g_clear_object (&fx->client);

  spin_until (fx->stream_finished, 30000);
  g_assert_true (fx->stream_finished);
  g_assert_cmpuint (r->calls_after_cancel, ==, 0);
  g_assert_cmpuint (sy_http_transfer_get_status (t), ==, 200);
  g_assert_cmpstr (sy_http_transfer_get_content_type (t), ==, "text/event-stream");
}

int
main (int   argc,
      char *argv[])
{
  static const char * const proxy_vars[] = {
    "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
    "no_proxy", "NO_PROXY",
  };
  int ret;

  /* Only 127.0.0.1 may be contacted: no proxy from the environment. */
  for (guint i = 0; i < G_N_ELEMENTS (proxy_vars); i++)
    g_unsetenv (proxy_vars[i]);

  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("/http-client/post-round-trip", test_post_round_trip, NULL);
  ADD ("/http-client/empty-body", test_empty_body, NULL);
  ADD ("/http-client/streaming", test_streaming, NULL);
  ADD ("/http-client/pause-resume/pause-in-callback", test_pause_resume, GINT_TO_POINTER (FALSE));
  ADD ("/http-client/pause-resume/pause-outside", test_pause_resume, GINT_TO_POINTER (TRUE));
  ADD ("/http-client/pause-resume/both-in-callback", test_pause_resume_in_callback, NULL);
  ADD ("/http-client/cancel/in-callback", test_cancel, GINT_TO_POINTER (TRUE));
  ADD ("/http-client/cancel/outside", test_cancel, GINT_TO_POINTER (FALSE));
  ADD ("/http-client/cancel/dispose", test_dispose_cancels, NULL);
  ADD ("/http-client/connection-refused", test_connection_refused, NULL);
  ADD ("/http-client/idle-timeout", test_idle_timeout, NULL);
  ADD ("/http-client/idle-timeout-reset", test_idle_timeout_reset, NULL);
  ADD ("/http-client/put-without-content-type", test_put_without_content_type, NULL);
  ADD ("/http-client/tls-untrusted", test_tls_untrusted, NULL);
  ADD ("/http-client/bad-proxy", test_bad_proxy, NULL);
  ADD ("/http-client/bad-request", test_bad_request, NULL);
  ADD ("/http-client/proxy", test_proxy, NULL);
  ADD ("/http-client/keep-alive", test_keep_alive, NULL);
  ADD ("/http-client/concurrent-plain-http", test_concurrent_plain_http, NULL);
  ADD ("/http-client/gzip", test_gzip, NULL);
  ADD ("/http-client/parallel", test_parallel, NULL);
  ADD ("/http-client/reentrancy", test_reentrancy, NULL);
#undef ADD

  ret = g_test_run ();

  curl_global_cleanup ();
  return ret;
}
