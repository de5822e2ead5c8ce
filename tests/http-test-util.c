/* http-test-util.c: HTTP requests to a server on this thread's main loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include "http-test-util.h"

void
http_response_clear (HttpResponse *r)
{
  g_clear_pointer (&r->headers, soup_message_headers_unref);
  g_clear_pointer (&r->body, g_bytes_unref);
  g_clear_pointer (&r->text, g_free);
}

static gboolean
keep_ticking (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
http_spin_until (gboolean (*cond) (gpointer),
                 gpointer  data,
                 guint     timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint tick = g_timeout_add (5, keep_ticking, NULL);
  gboolean ok = TRUE;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        {
          ok = FALSE;
          break;
        }
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
  return ok;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
http_spin_for (guint ms)
{
  http_spin_until (never, NULL, ms);
}

typedef struct
{
  GBytes  *bytes;
  GError  *error;
  gboolean done;
} SendResult;

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  SendResult *r = data;

  r->bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &r->error);
  r->done = TRUE;
}

static gboolean
send_done (gpointer data)
{
  return ((SendResult *) data)->done;
}

GBytes *
http_send (SoupSession  *session,
           SoupMessage  *msg,
           guint         timeout_ms,
           GError      **error)
{
  SendResult r = { 0 };

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_sent, &r);
  g_assert_true (http_spin_until (send_done, &r, timeout_ms));
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.bytes;
}

void
http_request (SoupSession        *session,
              const char         *method,
              const char         *url,
              const char         *content_type,
              const char         *body,
              gsize               body_len,
              const char * const *headers,
              HttpResponse       *out)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *h;

  g_assert_nonnull (msg);
  h = soup_message_get_request_headers (msg);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (headers[i], ": ", 2);

      soup_message_headers_replace (h, kv[0], kv[1] ? kv[1] : "");
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) b = g_bytes_new (body, body_len);

      soup_message_set_request_body_from_bytes (msg, content_type ? content_type : "application/json", b);
    }
  out->body = http_send (session, msg, 30000, &error);
  g_assert_no_error (error);
  out->status = soup_message_get_status (msg);
  out->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  out->text = g_strndup (g_bytes_get_data (out->body, NULL), g_bytes_get_size (out->body));
}

JsonNode *
http_response_json (HttpResponse *r)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, r->text, -1, &error);
  if (error != NULL)
    g_printerr ("not JSON (%u): %s\n", r->status, r->text);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

JsonNode *
http_json_at (JsonNode   *root,
              const char *dotted)
{
  g_auto(GStrv) parts = g_strsplit (dotted, ".", -1);
  JsonNode *node = root;

  for (guint i = 0; parts[i] != NULL && node != NULL; i++)
    {
      if (JSON_NODE_HOLDS_OBJECT (node))
        node = json_object_get_member (json_node_get_object (node), parts[i]);
      else if (JSON_NODE_HOLDS_ARRAY (node))
        {
          guint64 index = g_ascii_strtoull (parts[i], NULL, 10);
          JsonArray *array = json_node_get_array (node);

          node = index < json_array_get_length (array) ? json_array_get_element (array, index) : NULL;
        }
      else
        node = NULL;
    }
  return node;
}

gint64
http_json_int (JsonNode   *root,
               const char *dotted)
{
  JsonNode *node = http_json_at (root, dotted);

  if (node == NULL)
    g_error ("no member %s", dotted);
  return json_node_get_int (node);
}

const char *
http_json_string (JsonNode   *root,
                  const char *dotted)
{
  JsonNode *node = http_json_at (root, dotted);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
}
