/* sy-http-fetch.c: one request whose whole answer is wanted
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-core"

#include "config.h"

#include "sy-http-fetch.h"
#include "sy-json-guard.h"

typedef struct
{
  SyHttpTransfer *transfer;
  GSource        *cancel_source;
  SyHttpAnswer   *answer;
  gsize           max_size;
} Fetch;

void
sy_http_answer_free (SyHttpAnswer *answer)
{
  if (answer == NULL)
    return;
  g_byte_array_unref (answer->body);
  g_clear_pointer (&answer->object, json_object_unref);
  g_clear_pointer (&answer->transfer, sy_http_transfer_unref);
  g_free (answer);
}

const char *
sy_http_answer_get_header (const SyHttpAnswer *answer,
                           const char         *name)
{
  g_return_val_if_fail (answer != NULL, NULL);

  return answer->transfer ? sy_http_transfer_get_header (answer->transfer, name) : NULL;
}

static void
fetch_stop_cancel (Fetch *fetch)
{
  if (fetch->cancel_source != NULL)
    {
      g_source_destroy (fetch->cancel_source);
      g_clear_pointer (&fetch->cancel_source, g_source_unref);
    }
}

static void
fetch_free (Fetch *fetch)
{
  if (fetch->transfer != NULL)
    {
      sy_http_transfer_cancel (fetch->transfer);
      sy_http_transfer_unref (fetch->transfer);
    }
  fetch_stop_cancel (fetch);
  sy_http_answer_free (fetch->answer);
  g_free (fetch);
}

static void
fetch_response_cb (SyHttpTransfer *transfer,
                   guint           status,
                   gpointer        user_data)
{
  Fetch *fetch = g_task_get_task_data (user_data);

  fetch->answer->status = status;
}

static void
fetch_data_cb (SyHttpTransfer *transfer,
               const char     *data,
               gsize           len,
               gpointer        user_data)
{
  Fetch *fetch = g_task_get_task_data (user_data);
  SyHttpAnswer *answer = fetch->answer;

  if (answer->too_large || answer->body->len + len > fetch->max_size)
    {
      answer->too_large = TRUE;
      return;
    }
  g_byte_array_append (answer->body, (const guint8 *) data, len);
}

static void
fetch_done_cb (SyHttpTransfer *transfer,
               const GError   *error,
               gpointer        user_data)
{
  GTask *task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  SyHttpAnswer *answer = fetch->answer;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  /* Finished: the answer keeps it for its headers. */
  answer->transfer = g_steal_pointer (&fetch->transfer);
  fetch_stop_cancel (fetch);
  if (error != NULL)
    {
      g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
      return;
    }
  if (!answer->too_large && answer->body->len > 0 &&
      sy_json_parser_load (parser, (const char *) answer->body->data, answer->body->len, NULL) &&
      (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
    answer->object = json_object_ref (json_node_get_object (root));
  g_task_return_pointer (task, g_steal_pointer (&fetch->answer), (GDestroyNotify) sy_http_answer_free);
  g_object_unref (task);
}

static const SyHttpCallbacks fetch_callbacks = {
  fetch_response_cb,
  fetch_data_cb,
  fetch_done_cb,
};

static gboolean
fetch_cancelled_cb (GCancellable *cancellable,
                    gpointer      user_data)
{
  GTask *task = user_data;
  Fetch *fetch = g_task_get_task_data (task);

  g_clear_pointer (&fetch->cancel_source, g_source_unref);
  if (fetch->transfer != NULL)
    {
      sy_http_transfer_cancel (fetch->transfer);
      g_clear_pointer (&fetch->transfer, sy_http_transfer_unref);
    }
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

void
sy_http_fetch_async (SyHttpClient            *client,
                     const SyHttpRequestInfo *info,
                     gsize                    max_size,
                     GCancellable            *cancellable,
                     GAsyncReadyCallback      callback,
                     gpointer                 user_data)
{
  GTask *task;
  Fetch *fetch;
  GError *error = NULL;

  g_return_if_fail (SY_IS_HTTP_CLIENT (client));
  g_return_if_fail (info != NULL);

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_http_fetch_async);
  fetch = g_new0 (Fetch, 1);
  fetch->max_size = max_size;
  fetch->answer = g_new0 (SyHttpAnswer, 1);
  fetch->answer->body = g_byte_array_new ();
  g_task_set_task_data (task, fetch, (GDestroyNotify) fetch_free);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  /* The transfer holds @task until done (or the cancel source returns it). */
  fetch->transfer = sy_http_client_start (client, info, &fetch_callbacks, task, &error);
  if (fetch->transfer == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (cancellable != NULL)
    {
      fetch->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (fetch->cancel_source, G_SOURCE_FUNC (fetch_cancelled_cb), task, NULL);
      g_source_set_static_name (fetch->cancel_source, "[sy-core] http fetch cancel");
      g_source_attach (fetch->cancel_source, g_task_get_context (task));
    }
}

SyHttpAnswer *
sy_http_fetch_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, sy_http_fetch_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
