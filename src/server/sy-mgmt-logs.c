/* sy-mgmt-logs.c: /logs, /request-error-logs, /request-log-by-id, /diagnostics
 *
 * Log files are read on a worker thread: main.log and its rotations can be
 * tens of megabytes. Every file was masked when it was written; the
 * diagnostics bundle is masked again as it is built.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-management"

#include "config.h"

#include <string.h>

#include "sy-log-file.h"
#include "sy-management-private.h"
#include "sy-request-log.h"

typedef struct
{
  guint64 after;
  guint   limit;
} ReadArgs;

static void
read_in_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  ReadArgs *args = task_data;
  GError *error = NULL;
  JsonNode *node = sy_log_file_read (args->after, args->limit, &error);

  if (node == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(SyMgmtRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = g_task_propagate_pointer (G_TASK (result), &error);

  sy_mgmt_reply_result (request, node, "failed to read logs", error);
}

static gboolean
unsigned_param (SyMgmtRequest *request,
                const char    *name,
                guint64        max,
                guint64       *out)
{
  const char *text = sy_mgmt_query (request, name);
  char *end = NULL;
  guint64 value;

  if (text == NULL || *text == '\0')
    return TRUE;
  value = g_ascii_strtoull (text, &end, 10);
  if (*end != '\0' || text[0] == '-' || value > max)
    return FALSE;
  *out = value;
  return TRUE;
}

static void
handle_logs (SyMgmtRequest *request)
{
  g_autoptr(GTask) task = NULL;
  ReadArgs *args;
  guint64 after = 0, limit = 0;

  if (!sy_log_file_get_enabled ())
    {
      sy_mgmt_reply_error (request, 400, "logging to file disabled", NULL);
      return;
    }
  if (request->method == SY_MGMT_DELETE)
    {
      g_autoptr(GError) error = NULL;
      guint removed = sy_log_file_clear (&error);
      g_autoptr(JsonBuilder) b = json_builder_new ();

      if (error != NULL)
        {
          sy_mgmt_reply_error (request, 500, "failed to clear logs", error->message);
          return;
        }
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "success");
      json_builder_add_boolean_value (b, TRUE);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, "Logs cleared successfully");
      json_builder_set_member_name (b, "removed");
      json_builder_add_int_value (b, removed);
      json_builder_end_object (b);
      sy_mgmt_reply_builder (request, 200, b);
      return;
    }
  if (!unsigned_param (request, "after", G_MAXINT64, &after) ||
      !unsigned_param (request, "limit", G_MAXUINT, &limit))
    {
      sy_mgmt_reply_error (request, 400, "invalid query", "'after' and 'limit' take whole numbers");
      return;
    }
  args = g_new0 (ReadArgs, 1);
  args->after = after;
  args->limit = (guint) limit;
  sy_mgmt_request_pause (request);
  task = g_task_new (NULL, NULL, on_read, sy_mgmt_request_ref (request));
  g_task_set_task_data (task, args, g_free);
  g_task_run_in_thread (task, read_in_thread);
}

static void
handle_error_logs (SyMgmtRequest *request)
{
  g_autofree char *dir = sy_log_dir_for_config (request->config);
  g_autoptr(JsonNode) list = NULL;

  if (request->config->request_log)
    {
      /* With every request logged there are no error-only files. */
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "files");
      json_builder_begin_array (b);
      json_builder_end_array (b);
      json_builder_end_object (b);
      sy_mgmt_reply_builder (request, 200, b);
      return;
    }
  list = sy_request_log_list_error_files (dir);
  sy_mgmt_reply_json (request, 200, list);
}

static void
send_log_file (SyMgmtRequest *request,
               gboolean       by_id)
{
  g_autofree char *dir = sy_log_dir_for_config (request->config);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = sy_request_log_find (dir, request->tail, by_id, &error);
  g_autofree char *contents = NULL;
  g_autofree char *base = NULL;
  g_autofree char *disposition = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize len = 0;

  if (path == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
        sy_mgmt_reply_error (request, 400, "invalid name", NULL);
      else
        sy_mgmt_reply_error (request, 404, "file not found", NULL);
      return;
    }
  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      sy_mgmt_reply_error (request, 404, "file not found", error->message);
      return;
    }
  base = g_path_get_basename (path);
  disposition = g_strdup_printf ("attachment; filename=\"%s\"", base);
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                "Content-Disposition", disposition);
  bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
  sy_mgmt_reply_bytes (request, 200, "text/plain; charset=utf-8", bytes);
}

static void
handle_error_log (SyMgmtRequest *request)
{
  send_log_file (request, FALSE);
}

static void
handle_log_by_id (SyMgmtRequest *request)
{
  send_log_file (request, TRUE);
}

static void
handle_diagnostics (SyMgmtRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) zip = sy_management_build_diagnostics (request->mgmt, &error);

  if (zip == NULL)
    {
      sy_mgmt_reply_error (request, 500, "diagnostics_failed", error->message);
      return;
    }
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                "Content-Disposition", "attachment; filename=\"switchyard-diagnostics.zip\"");
  sy_mgmt_reply_bytes (request, 200, "application/zip", zip);
}

const SyMgmtRoute sy_mgmt_logs_routes[] = {
  { "/logs",                SY_MGMT_GET | SY_MGMT_DELETE, handle_logs },
  { "/request-error-logs",  SY_MGMT_GET,                  handle_error_logs },
  { "/request-error-logs/", SY_MGMT_GET,                  handle_error_log },
  { "/request-log-by-id/",  SY_MGMT_GET,                  handle_log_by_id },
  { "/diagnostics",         SY_MGMT_GET,                  handle_diagnostics },
  { NULL, 0, NULL }
};
