/* sy-mgmt-quota.c: GET /quota, POST /quota/refresh, GET /quota/history
 *
 * Switchyard's own routes. /quota lists every account's latest windows
 * (as read from traffic or from the provider's usage endpoint), with, per
 * window, the range of its kept history and the burn-rate forecast: when
 * the window runs out at the pace of its readings since it last reset, if
 * that comes before the reset.
 *
 *   {"accounts":[{"id","auth_index","provider","label","supported",
 *      "last_read"?,"next_read"?,"last_error"?,
 *      "windows":[{...window..., "exhausted_at"?, "history":{"first","last","count"}?}]}]}
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-management"

#include "config.h"

#include <string.h>

#include "sy-management-private.h"
#include "sy-mgmt-bodies.h"
#include "sy-quota-history.h"
#include "sy-quota-poller.h"

#define FORECAST_SPAN_US (G_GINT64_CONSTANT (8) * 86400 * G_USEC_PER_SEC)

typedef struct
{
  SyMgmtRequest *request;
  JsonNode      *range;       /* the history's range, or NULL */
  JsonNode      *recent;      /* readings of the last days, or NULL */
} QuotaOp;

static void
quota_op_free (QuotaOp *op)
{
  sy_mgmt_request_unref (op->request);
  g_clear_pointer (&op->range, json_node_unref);
  g_clear_pointer (&op->recent, json_node_unref);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QuotaOp, quota_op_free)

/* The object of @account / @window in a history answer, or NULL. */
static JsonObject *
history_window (JsonNode   *history,
                const char *account,
                const char *window)
{
  JsonArray *accounts = history ? sy_mgmt_array_member (json_node_get_object (history), "accounts") : NULL;

  for (guint i = 0; accounts != NULL && i < json_array_get_length (accounts); i++)
    {
      JsonObject *a = json_array_get_object_element (accounts, i);
      JsonArray *windows;

      if (g_strcmp0 (json_object_get_string_member_with_default (a, "account", NULL), account) != 0)
        continue;
      windows = sy_mgmt_array_member (a, "windows");
      for (guint j = 0; windows != NULL && j < json_array_get_length (windows); j++)
        {
          JsonObject *w = json_array_get_object_element (windows, j);

          if (g_strcmp0 (json_object_get_string_member_with_default (w, "id", NULL), window) == 0)
            return w;
        }
    }
  return NULL;
}

/* The forecast from the readings of @points (oldest first). */
static gint64
forecast_from (JsonObject          *window,
               const SyQuotaWindow *latest,
               gint64               now)
{
  JsonArray *points = sy_mgmt_array_member (window, "points");
  g_autoptr(GPtrArray) readings = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_quota_window_free);
  gint64 exhausted = 0;

  for (guint i = 0; points != NULL && i < json_array_get_length (points); i++)
    {
      JsonObject *p = json_array_get_object_element (points, i);
      JsonNode *remaining = json_object_get_member (p, "remaining");

      if (remaining == NULL || !JSON_NODE_HOLDS_VALUE (remaining))
        continue;
      g_ptr_array_add (readings,
                       sy_quota_window_new (latest->id, latest->label, latest->model,
                                            json_node_get_double (remaining),
                                            json_object_get_int_member_with_default (p, "reset_at", 0),
                                            latest->window_us,
                                            json_object_get_int_member_with_default (p, "t", 0),
                                            latest->source));
    }
  /* The live reading counts too, when it is newer than the kept ones. */
  if (readings->len == 0 ||
      ((SyQuotaWindow *) g_ptr_array_index (readings, readings->len - 1))->observed_us < latest->observed_us)
    g_ptr_array_add (readings, sy_quota_window_copy (latest));
  if (!sy_quota_forecast ((const SyQuotaWindow * const *) readings->pdata, readings->len, now, &exhausted))
    return 0;
  return exhausted;
}

static void
reply_quota (QuotaOp *op)
{
  SyMgmtRequest *request = op->request;
  SyQuotaPoller *poller = sy_management_get_quota_poller (request->mgmt);
  GPtrArray *accounts = sy_registry_get_accounts (request->registry);
  const char *only = sy_mgmt_query (request, "account");
  g_autoptr(JsonBuilder) b = json_builder_new ();
  gint64 now = g_get_real_time ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "accounts");
  json_builder_begin_array (b);
  for (guint i = 0; i < accounts->len; i++)
    {
      SyAccount *account = g_ptr_array_index (accounts, i);
      g_autoptr(GPtrArray) windows = sy_account_state_dup_quota_windows (account->state);
      g_autofree char *auth_index = sy_account_auth_index (account->id);
      const GError *last_error = poller ? sy_quota_poller_get_last_error (poller, account->id) : NULL;
      gboolean supported = sy_quota_reader_supports (account);

      if (only != NULL && strcmp (only, account->id) != 0 && strcmp (only, auth_index) != 0)
        continue;
      if (windows->len == 0 && !supported)
        continue;   /* API keys without readings: nothing to say */

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, account->id);
      json_builder_set_member_name (b, "auth_index");
      json_builder_add_string_value (b, auth_index);
      json_builder_set_member_name (b, "provider");
      json_builder_add_string_value (b, account->provider);
      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b, account->label);
      json_builder_set_member_name (b, "supported");
      json_builder_add_boolean_value (b, supported);
      if (poller != NULL)
        {
          sy_mgmt_add_time (b, "last_read", sy_quota_poller_get_last_read (poller, account->id));
          sy_mgmt_add_time (b, "next_read", sy_quota_poller_get_next_read (poller, account->id));
        }
      if (last_error != NULL)
        {
          json_builder_set_member_name (b, "last_error");
          json_builder_add_string_value (b, last_error->message);
        }
      json_builder_set_member_name (b, "windows");
      json_builder_begin_array (b);
      for (guint j = 0; j < windows->len; j++)
        {
          SyQuotaWindow *w = g_ptr_array_index (windows, j);
          g_autoptr(JsonNode) node = sy_quota_window_to_json (w);
          JsonObject *obj = json_node_get_object (node);
          JsonObject *range = history_window (op->range, account->id, w->id);
          JsonObject *recent = history_window (op->recent, account->id, w->id);

          sy_mgmt_set_time (obj, "exhausted_at", forecast_from (recent, w, now));
          if (range != NULL)
            {
              JsonObject *h = json_object_new ();
              g_autofree char *first = sy_mgmt_format_time (json_object_get_int_member_with_default (range, "first", 0));
              g_autofree char *last = sy_mgmt_format_time (json_object_get_int_member_with_default (range, "last", 0));

              json_object_set_string_member (h, "first", first);
              json_object_set_string_member (h, "last", last);
              json_object_set_int_member (h, "count", json_object_get_int_member_with_default (range, "count", 0));
              json_object_set_object_member (obj, "history", h);
            }
          json_builder_add_value (b, g_steal_pointer (&node));
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  sy_mgmt_reply_builder (request, 200, b);
}

static void
on_recent (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(QuotaOp) op = user_data;
  g_autoptr(GError) error = NULL;

  op->recent = sy_quota_history_query_finish (SY_QUOTA_HISTORY (source), result, &error);
  if (op->recent == NULL)
    g_info ("quota history not read: %s", error->message);
  reply_quota (op);
}

static void
on_range (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  QuotaOp *op = user_data;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time ();

  op->range = sy_quota_history_range_finish (SY_QUOTA_HISTORY (source), result, &error);
  if (op->range == NULL)
    g_info ("quota history not read: %s", error->message);
  sy_quota_history_query_async (SY_QUOTA_HISTORY (source), NULL, NULL, now - FORECAST_SPAN_US, now + 1,
                                NULL, on_recent, op);
}

static void
start_quota_reply (SyMgmtRequest *request)
{
  SyQuotaHistory *history = sy_management_get_quota_history (request->mgmt);
  QuotaOp *op = g_new0 (QuotaOp, 1);

  op->request = sy_mgmt_request_ref (request);
  if (history == NULL)
    {
      reply_quota (op);
      quota_op_free (op);
      return;
    }
  sy_mgmt_request_pause (request);
  sy_quota_history_range_async (history, NULL, NULL, on_range, op);
}

static void
handle_quota (SyMgmtRequest *request)
{
  start_quota_reply (request);
}

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SyMgmtRequest) request = user_data;
  g_autoptr(GError) error = NULL;

  if (!sy_quota_poller_refresh_finish (SY_QUOTA_POLLER (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      sy_mgmt_reply_error (request, 404, "account not found", error->message);
      return;
    }
  /* A provider's refusal is shown per account (last_error). */
  start_quota_reply (request);
}

static void
handle_refresh (SyMgmtRequest *request)
{
  SyQuotaPoller *poller = sy_management_get_quota_poller (request->mgmt);
  const char *account = sy_mgmt_query (request, "account");
  GPtrArray *accounts = sy_registry_get_accounts (request->registry);

  if (poller == NULL)
    {
      sy_mgmt_reply_error (request, 503, "quota_unavailable", "Quota reads are not running");
      return;
    }
  /* An auth_index names the account as well as its id. */
  for (guint i = 0; account != NULL && i < accounts->len; i++)
    {
      SyAccount *a = g_ptr_array_index (accounts, i);
      g_autofree char *index = sy_account_auth_index (a->id);

      if (strcmp (index, account) == 0)
        account = a->id;
    }
  sy_mgmt_request_pause (request);
  sy_quota_poller_refresh_async (poller, account, NULL, on_refreshed, sy_mgmt_request_ref (request));
}

static void
on_history (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SyMgmtRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = sy_quota_history_query_finish (SY_QUOTA_HISTORY (source), result, &error);

  sy_mgmt_reply_result (request, node, "quota_failed", error);
}

static void
handle_history (SyMgmtRequest *request)
{
  SyQuotaHistory *history = sy_management_get_quota_history (request->mgmt);
  gint64 to = g_get_real_time () + 1;
  gint64 from = to - FORECAST_SPAN_US;

  if (history == NULL)
    {
      sy_mgmt_reply_error (request, 503, "quota_unavailable", "The quota history is not open");
      return;
    }
  if (!sy_mgmt_time_param (request, "from", &from) || !sy_mgmt_time_param (request, "to", &to) || from >= to)
    {
      sy_mgmt_reply_error (request, 400, "invalid range", "'from' and 'to' take unix seconds or RFC 3339 times");
      return;
    }
  sy_mgmt_request_pause (request);
  sy_quota_history_query_async (history, sy_mgmt_query (request, "account"), sy_mgmt_query (request, "window"),
                                from, to, NULL, on_history, sy_mgmt_request_ref (request));
}

gboolean
sy_mgmt_reset_parse (JsonNode    *body,
                     const char **wanted,
                     gboolean    *all,
                     GError     **error)
{
  JsonObject *obj;

  if (!JSON_NODE_HOLDS_OBJECT (body))
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "invalid body");
      return FALSE;
    }
  obj = json_node_get_object (body);
  *wanted = sy_mgmt_string_with_default (obj, "auth_index", NULL);
  if (*wanted == NULL)
    *wanted = sy_mgmt_string_with_default (obj, "authIndex", NULL);
  if (*wanted == NULL)
    *wanted = sy_mgmt_string_with_default (obj, "id", NULL);
  *all = sy_mgmt_boolean_with_default (obj, "all", FALSE);
  if (*wanted == NULL && !*all)
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "missing auth_index");
      return FALSE;
    }
  return TRUE;
}

/* POST /reset-quota {"auth_index"} (or "id", or "all": true): ends the
 * account's cooldowns, as after its provider's quota was reset. */
static void
handle_reset (SyMgmtRequest *request)
{
  g_autoptr(JsonNode) body = sy_mgmt_body_json (request);
  GPtrArray *accounts = sy_registry_get_accounts (request->registry);
  g_autoptr(GError) error = NULL;
  const char *wanted = NULL;
  gboolean all = FALSE;
  guint cleared = 0;
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (body == NULL)
    return;
  if (!sy_mgmt_reset_parse (body, &wanted, &all, &error))
    {
      sy_mgmt_reply_gerror (request, error);
      return;
    }
  for (guint i = 0; i < accounts->len; i++)
    {
      SyAccount *account = g_ptr_array_index (accounts, i);
      g_autofree char *index = sy_account_auth_index (account->id);

      if (!all && strcmp (index, wanted) != 0 && strcmp (account->id, wanted) != 0)
        continue;
      sy_account_state_clear_cooldowns (account->state, NULL);
      cleared++;
    }
  if (cleared == 0)
    {
      sy_mgmt_reply_error (request, 404, "auth not found", NULL);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, "ok");
  if (wanted != NULL)
    {
      json_builder_set_member_name (b, "auth_index");
      json_builder_add_string_value (b, wanted);
    }
  json_builder_set_member_name (b, "cleared");
  json_builder_add_int_value (b, cleared);
  json_builder_end_object (b);
  sy_mgmt_reply_builder (request, 200, b);
}

const SyMgmtRoute sy_mgmt_quota_routes[] = {
  { "/quota",         SY_MGMT_GET,  handle_quota },
  { "/quota/refresh", SY_MGMT_POST, handle_refresh },
  { "/quota/history", SY_MGMT_GET,  handle_history },
  { "/reset-quota",   SY_MGMT_POST, handle_reset },
  { NULL, 0, NULL }
};
