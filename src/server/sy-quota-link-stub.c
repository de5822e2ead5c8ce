/* sy-quota-link-stub.c: TEMPORARY stand-ins for two quota calls
 *
 * sy_account_state_dup_quota_windows() and sy_quota_window_to_json() are
 * declared in src/accounts/ and being written elsewhere; until they land,
 * these let the management routes link: no windows, and a minimal JSON.
 * To be dropped at merge.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-quota.h"

GPtrArray *
sy_account_state_dup_quota_windows (SyAccountState *self)
{
  return g_ptr_array_new ();
}

JsonNode *
sy_quota_window_to_json (const SyQuotaWindow *window)
{
  JsonObject *o = json_object_new ();
  JsonNode *node;

  json_object_set_string_member (o, "id", window->id);
  json_object_set_double_member (o, "remaining", window->remaining);
  node = json_node_init_object (json_node_alloc (), o);
  json_object_unref (o);
  return node;
}
