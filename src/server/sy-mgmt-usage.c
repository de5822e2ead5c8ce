/* sy-mgmt-usage.c: /usage, /usage/export, /usage/import, /usage/series
 *
 * The first three keep CLIProxyAPI's shapes, served from the persistent
 * store instead of memory. An import is merged with the rows already kept:
 * a detail equal to one there (same api, model, time to the microsecond,
 * source, failed flag and token counts) is skipped, so importing the same
 * export twice adds nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-management"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sy-management-private.h"
#include "sy-mgmt-bodies.h"
#include "sy-usage.h"

static SyUsageStore *
usage_or_reply (SyMgmtRequest *request)
{
  SyUsageStore *usage = sy_management_get_usage (request->mgmt);

  if (usage == NULL)
    sy_mgmt_reply_error (request, 503, "usage_unavailable",
                         "The usage store is not open (see the log for why)");
  return usage;
}

static gint64
failed_count (JsonNode *snapshot)
{
  return sy_mgmt_int_with_default (json_node_get_object (snapshot), "failure_count", 0);
}

/* -- GET /usage, GET /usage/export ----------------------------------------- */

static void
on_snapshot (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SyMgmtRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) snapshot = sy_usage_store_snapshot_finish (SY_USAGE_STORE (source), result, &error);
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (snapshot == NULL)
    {
      sy_mgmt_reply_error (request, 500, "usage_failed", error->message);
      return;
    }

  json_builder_begin_object (b);
  if (strcmp (request->route, "/usage/export") == 0)
    {
      g_autofree char *now = sy_mgmt_format_time (g_get_real_time ());

      json_builder_set_member_name (b, "version");
      json_builder_add_int_value (b, 1);
      json_builder_set_member_name (b, "exported_at");
      json_builder_add_string_value (b, now);
      json_builder_set_member_name (b, "usage");
      json_builder_add_value (b, json_node_ref (snapshot));
    }
  else
    {
      json_builder_set_member_name (b, "usage");
      json_builder_add_value (b, json_node_ref (snapshot));
      json_builder_set_member_name (b, "failed_requests");
      json_builder_add_int_value (b, failed_count (snapshot));
    }
  json_builder_end_object (b);
  sy_mgmt_reply_builder (request, 200, b);
}

/* GET /usage covers the last USAGE_DEFAULT_DAYS (every row would make an
 * answer of hundreds of megabytes after a year), or ?days=N, or ?since=
 * (unix seconds or RFC 3339; 0: everything kept). The export takes
 * everything unless asked otherwise. */
#define USAGE_DEFAULT_DAYS 30

static void
handle_usage (SyMgmtRequest *request)
{
  SyUsageStore *usage = usage_or_reply (request);
  gboolean export = strcmp (request->route, "/usage/export") == 0;
  const char *days = sy_mgmt_query (request, "days");
  gint64 since = export ? 0 : g_get_real_time () - USAGE_DEFAULT_DAYS * SY_USAGE_DAY_US;

  if (usage == NULL)
    return;
  if (days != NULL)
    {
      char *end = NULL;
      guint64 n = g_ascii_strtoull (days, &end, 10);

      if (*days == '\0' || *end != '\0' || n > 100000)
        {
          sy_mgmt_reply_error (request, 400, "invalid days", "'days' takes a whole number of days");
          return;
        }
      since = n == 0 ? 0 : g_get_real_time () - (gint64) n * SY_USAGE_DAY_US;
    }
  if (!sy_mgmt_time_param (request, "since", &since))
    {
      sy_mgmt_reply_error (request, 400, "invalid since", "'since' takes unix seconds or an RFC 3339 time");
      return;
    }
  sy_mgmt_request_pause (request);
  sy_usage_store_snapshot_async (usage, since, NULL, on_snapshot, sy_mgmt_request_ref (request));
}

/* -- POST /usage/import ------------------------------------------------------ */

typedef struct
{
  SyMgmtRequest *request;
  JsonNode      *import;     /* the body's "usage" */
  gint64         added;
  gint64         skipped;
} ImportOp;

static void
import_op_free (ImportOp *op)
{
  sy_mgmt_request_unref (op->request);
  json_node_unref (op->import);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImportOp, import_op_free)

static gint64
token (JsonObject *tokens,
       const char *name)
{
  return tokens ? sy_mgmt_int_with_default (tokens, name, 0) : 0;
}

/* Calls @func for every detail of a snapshot. */
typedef SyMgmtDetailFunc DetailFunc;

void
sy_mgmt_for_each_detail (JsonNode        *snapshot,
                         SyMgmtDetailFunc func,
                         gpointer         user_data)
{
  JsonObject *apis;
  g_autoptr(GList) api_names = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (snapshot))
    return;
  apis = sy_mgmt_object_member (json_node_get_object (snapshot), "apis");
  if (apis == NULL)
    return;
  api_names = json_object_get_members (apis);
  for (GList *a = api_names; a != NULL; a = a->next)
    {
      JsonNode *api_node = json_object_get_member (apis, a->data);
      JsonObject *models;
      g_autoptr(GList) model_names = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (api_node))
        continue;
      models = sy_mgmt_object_member (json_node_get_object (api_node), "models");
      if (models == NULL)
        continue;
      model_names = json_object_get_members (models);
      for (GList *m = model_names; m != NULL; m = m->next)
        {
          JsonNode *model_node = json_object_get_member (models, m->data);
          JsonArray *details;

          if (!JSON_NODE_HOLDS_OBJECT (model_node))
            continue;
          details = sy_mgmt_array_member (json_node_get_object (model_node), "details");
          for (guint i = 0; details != NULL && i < json_array_get_length (details); i++)
            {
              JsonNode *d = json_array_get_element (details, i);
              const char *ts;
              gint64 time_us;

              if (!JSON_NODE_HOLDS_OBJECT (d))
                continue;
              ts = sy_mgmt_string_with_default (json_node_get_object (d), "timestamp", NULL);
              if (!sy_mgmt_parse_time (ts, &time_us))
                continue;
              func (a->data, m->data, json_node_get_object (d), time_us, user_data);
            }
        }
    }
}

char *
sy_mgmt_detail_key (const char *api,
                    const char *model,
                    JsonObject *detail,
                    gint64      time_us)
{
  JsonObject *tokens = sy_mgmt_object_member (detail, "tokens");

  return g_strdup_printf ("%s|%s|%" G_GINT64_FORMAT "|%s|%d|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT
                          "|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT,
                          api, model, time_us,
                          sy_mgmt_string_with_default (detail, "source", ""),
                          sy_mgmt_boolean_with_default (detail, "failed", FALSE),
                          token (tokens, "input_tokens"), token (tokens, "output_tokens"),
                          token (tokens, "reasoning_tokens"), token (tokens, "cached_tokens"));
}

void
sy_mgmt_detail_record (const char    *api,
                       const char    *model,
                       JsonObject    *detail,
                       gint64         time_us,
                       SyUsageRecord *record)
{
  JsonObject *tokens = sy_mgmt_object_member (detail, "tokens");
  gboolean failed = sy_mgmt_boolean_with_default (detail, "failed", FALSE);
  /* Milliseconds as the file says, microseconds within gint64. */
  gint64 latency_ms = CLAMP (sy_mgmt_int_with_default (detail, "latency_ms", 0), G_MININT64 / 1000,
                             G_MAXINT64 / 1000);

  memset (record, 0, sizeof *record);
  record->time_us = time_us;
  record->key_label = (char *) api;
  record->account_id = (char *) sy_mgmt_string_with_default (detail, "source", "");
  record->model_served = strcmp (model, "unknown") == 0 ? NULL : (char *) model;
  record->status = failed ? 500 : 200;
  record->latency_us = latency_ms * 1000;
  record->input_tokens = token (tokens, "input_tokens");
  record->output_tokens = token (tokens, "output_tokens");
  record->reasoning_tokens = token (tokens, "reasoning_tokens");
  record->cached_tokens = token (tokens, "cached_tokens");
}

static void
collect_key (const char *api,
             const char *model,
             JsonObject *detail,
             gint64      time_us,
             gpointer    user_data)
{
  g_hash_table_add (user_data, sy_mgmt_detail_key (api, model, detail, time_us));
}

typedef struct
{
  ImportOp     *op;
  GHashTable   *seen;
  SyUsageStore *usage;
} AddCtx;

static void
add_detail (const char *api,
            const char *model,
            JsonObject *detail,
            gint64      time_us,
            gpointer    user_data)
{
  AddCtx *ctx = user_data;
  char *key = sy_mgmt_detail_key (api, model, detail, time_us);
  SyUsageRecord record = { 0 };

  if (!g_hash_table_add (ctx->seen, key))
    {
      ctx->op->skipped++;
      return;
    }
  sy_mgmt_detail_record (api, model, detail, time_us, &record);
  sy_usage_store_add (ctx->usage, &record);
  ctx->op->added++;
}

static void
on_import_totals (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ImportOp) op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) snapshot = sy_usage_store_snapshot_finish (SY_USAGE_STORE (source), result, &error);
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (snapshot == NULL)
    {
      sy_mgmt_reply_error (op->request, 500, "usage_failed", error->message);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "added");
  json_builder_add_int_value (b, op->added);
  json_builder_set_member_name (b, "skipped");
  json_builder_add_int_value (b, op->skipped);
  json_builder_set_member_name (b, "total_requests");
  json_builder_add_int_value (b, sy_mgmt_int_with_default (json_node_get_object (snapshot),
                                                           "total_requests", 0));
  json_builder_set_member_name (b, "failed_requests");
  json_builder_add_int_value (b, failed_count (snapshot));
  json_builder_end_object (b);
  sy_mgmt_reply_builder (op->request, 200, b);
}

static void
on_import_flushed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ImportOp) op = user_data;
  g_autoptr(GError) error = NULL;

  if (!sy_usage_store_flush_finish (SY_USAGE_STORE (source), result, &error))
    {
      sy_mgmt_reply_error (op->request, 500, "usage_failed", error->message);
      return;
    }
  sy_usage_store_snapshot_async (SY_USAGE_STORE (source), 0, NULL, on_import_totals,
                                 g_steal_pointer (&op));
}

static void
on_import_existing (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ImportOp) op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) existing = sy_usage_store_snapshot_finish (SY_USAGE_STORE (source), result, &error);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  AddCtx ctx = { op, seen, SY_USAGE_STORE (source) };

  if (existing == NULL)
    {
      sy_mgmt_reply_error (op->request, 500, "usage_failed", error->message);
      return;
    }
  sy_mgmt_for_each_detail (existing, collect_key, seen);
  sy_mgmt_for_each_detail (op->import, add_detail, &ctx);
  sy_usage_store_flush_async (SY_USAGE_STORE (source), NULL, on_import_flushed, g_steal_pointer (&op));
}

JsonNode *
sy_mgmt_import_parse (JsonNode *body,
                      GError  **error)
{
  JsonObject *obj;
  JsonNode *snapshot;
  gint64 version;

  if (!JSON_NODE_HOLDS_OBJECT (body))
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "invalid body");
      return NULL;
    }
  obj = json_node_get_object (body);
  version = sy_mgmt_int_with_default (obj, "version", 0);
  if (version != 0 && version != 1)
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "unsupported version");
      return NULL;
    }
  snapshot = json_object_get_member (obj, "usage");
  if (snapshot == NULL || !JSON_NODE_HOLDS_OBJECT (snapshot))
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "invalid body\n'usage' must be an object");
      return NULL;
    }
  return snapshot;
}

static void
handle_import (SyMgmtRequest *request)
{
  SyUsageStore *usage = usage_or_reply (request);
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *snapshot;
  ImportOp *op;

  if (usage == NULL || (body = sy_mgmt_body_json (request)) == NULL)
    return;
  if ((snapshot = sy_mgmt_import_parse (body, &error)) == NULL)
    {
      sy_mgmt_reply_gerror (request, error);
      return;
    }

  op = g_new0 (ImportOp, 1);
  op->request = sy_mgmt_request_ref (request);
  op->import = json_node_ref (snapshot);
  sy_mgmt_request_pause (request);
  sy_usage_store_snapshot_async (usage, 0, NULL, on_import_existing, op);
}

/* -- GET /usage/series ------------------------------------------------------ */

/* Seconds, or a number with s, m, h or d. */
static gboolean
parse_step (const char *text,
            gint64     *out_us)
{
  char *end = NULL;
  gint64 n;
  gint64 unit = G_USEC_PER_SEC;

  if (text == NULL || *text == '\0')
    return FALSE;
  n = g_ascii_strtoll (text, &end, 10);
  if (end == text || n <= 0)
    return FALSE;
  if (strcmp (end, "m") == 0)
    unit = 60 * G_USEC_PER_SEC;
  else if (strcmp (end, "h") == 0)
    unit = G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;
  else if (strcmp (end, "d") == 0)
    unit = SY_USAGE_DAY_US;
  else if (*end != '\0' && strcmp (end, "s") != 0)
    return FALSE;
  if (n > G_MAXINT64 / unit)
    return FALSE;
  *out_us = n * unit;
  return TRUE;
}

static void
on_series (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SyMgmtRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) series = sy_usage_store_query_series_finish (SY_USAGE_STORE (source), result, &error);

  sy_mgmt_reply_result (request, series, "usage_failed", error);
}

#define MAX_BUCKETS 100000

static void
handle_series (SyMgmtRequest *request)
{
  SyUsageStore *usage = usage_or_reply (request);
  gint64 now = g_get_real_time ();
  gint64 to = now, from, step = G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;
  const char *group = sy_mgmt_query (request, "group");
  const char *text;

  if (usage == NULL)
    return;
  from = now - SY_USAGE_DAY_US;
  if (!sy_mgmt_time_param (request, "to", &to))
    {
      sy_mgmt_reply_error (request, 400, "invalid to", "'to' takes unix seconds or an RFC 3339 time");
      return;
    }
  if (!sy_mgmt_time_param (request, "from", &from))
    {
      sy_mgmt_reply_error (request, 400, "invalid from", "'from' takes unix seconds or an RFC 3339 time");
      return;
    }
  if ((text = sy_mgmt_query (request, "step")) != NULL && !parse_step (text, &step))
    {
      sy_mgmt_reply_error (request, 400, "invalid step", "'step' takes seconds, or a number with s, m, h or d");
      return;
    }
  if (group != NULL && (*group == '\0' || strcmp (group, "none") == 0))
    group = NULL;
  if (group != NULL && strcmp (group, "model") != 0 && strcmp (group, "account") != 0 &&
      strcmp (group, "key") != 0)
    {
      sy_mgmt_reply_error (request, 400, "invalid group", "'group' is model, account or key");
      return;
    }
  if (from >= to)
    {
      sy_mgmt_reply_error (request, 400, "invalid range", "'from' must be before 'to'");
      return;
    }
  if ((to - from) / step > MAX_BUCKETS)
    {
      sy_mgmt_reply_error (request, 400, "invalid step", "too many buckets: choose a larger step");
      return;
    }

  sy_mgmt_request_pause (request);
  sy_usage_store_query_series_async (usage, from, to, step, group, NULL, on_series,
                                     sy_mgmt_request_ref (request));
}

const SyMgmtRoute sy_mgmt_usage_routes[] = {
  { "/usage",        SY_MGMT_GET,  handle_usage },
  { "/usage/export", SY_MGMT_GET,  handle_usage },
  { "/usage/import", SY_MGMT_POST, handle_import },
  { "/usage/series", SY_MGMT_GET,  handle_series },
  { NULL, 0, NULL }
};
