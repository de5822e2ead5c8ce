/* sy-quota-stub.c: TEMPORARY stand-ins for sy-quota.c and
 * sy_account_state_update_quota_windows(), so that the quota reader's test
 * links before those land
 *
 * *** Test-only: linked into test-quota-reader and nothing else. Drop this
 * *** file (and its line in tests/meson.build) once src/accounts/sy-quota.c
 * *** and the state's quota windows are merged.
 *
 * The functions are weak, so the real ones win wherever both are linked.
 * The window update keeps to what sy-account-state.h promises and the test
 * checks: each model's (and the account's) remaining fraction is the lowest
 * of the windows read for it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-quota.h"

#define SY_STUB __attribute__ ((weak))

SY_STUB SyQuotaWindow *
sy_quota_window_new (const char    *id,
                     const char    *label,
                     const char    *model,
                     double         remaining,
                     gint64         reset_us,
                     gint64         window_us,
                     gint64         observed_us,
                     SyQuotaSource  source)
{
  SyQuotaWindow *window = g_new0 (SyQuotaWindow, 1);

  window->id = g_strdup (id);
  window->label = g_strdup (label);
  window->model = g_strdup (model);
  window->remaining = remaining;
  window->reset_us = reset_us;
  window->window_us = window_us;
  window->observed_us = observed_us;
  window->source = source;
  return window;
}

SY_STUB SyQuotaWindow *
sy_quota_window_copy (const SyQuotaWindow *window)
{
  return sy_quota_window_new (window->id, window->label, window->model, window->remaining, window->reset_us,
                              window->window_us, window->observed_us, window->source);
}

SY_STUB void
sy_quota_window_free (SyQuotaWindow *window)
{
  if (window == NULL)
    return;
  g_free (window->id);
  g_free (window->label);
  g_free (window->model);
  g_free (window);
}

SY_STUB const char *
sy_quota_source_to_string (SyQuotaSource source)
{
  switch (source)
    {
    case SY_QUOTA_SOURCE_HEADERS: return "headers";
    case SY_QUOTA_SOURCE_EVENT: return "event";
    case SY_QUOTA_SOURCE_ERROR: return "error";
    case SY_QUOTA_SOURCE_ACTIVE: return "active";
    default: return "unknown";
    }
}

SY_STUB JsonNode *
sy_quota_window_to_json (const SyQuotaWindow *window)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_string_member (object, "id", window->id);
  json_object_set_string_member (object, "label", window->label);
  if (window->model != NULL)
    json_object_set_string_member (object, "model", window->model);
  json_object_set_double_member (object, "remaining", window->remaining);
  json_object_set_string_member (object, "source", sy_quota_source_to_string (window->source));
  return json_node_init_object (json_node_alloc (), object);
}

SY_STUB void
sy_account_state_update_quota_windows (SyAccountState *self,
                                       GPtrArray      *windows,
                                       gint64          now_us)
{
  g_autoptr(GHashTable) lowest = g_hash_table_new (g_str_hash, g_str_equal);   /* model → window */
  const SyQuotaWindow *account = NULL;
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  for (guint i = 0; i < windows->len; i++)
    {
      const SyQuotaWindow *window = g_ptr_array_index (windows, i);
      const SyQuotaWindow *seen;

      if (window->remaining < 0)
        continue;
      if (window->model == NULL)
        {
          if (account == NULL || window->remaining < account->remaining)
            account = window;
          continue;
        }
      seen = g_hash_table_lookup (lowest, window->model);
      if (seen == NULL || window->remaining < seen->remaining)
        g_hash_table_insert (lowest, window->model, (gpointer) window);
    }
  if (account != NULL)
    sy_account_state_report_quota (self, NULL, account->remaining, account->reset_us, now_us);
  g_hash_table_iter_init (&iter, lowest);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const SyQuotaWindow *window = value;

      sy_account_state_report_quota (self, key, window->remaining, window->reset_us, now_us);
    }
}
