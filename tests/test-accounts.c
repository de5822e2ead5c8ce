/* test-accounts.c: account state, the pool, selection, the test clock
 *
 * Time comes from a manual SyClock: nothing here sleeps.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "sy-registry.h"

#define T0  ((gint64) 1790000000 * G_USEC_PER_SEC)
#define SEC ((gint64) G_USEC_PER_SEC)
#define MINUTE (60 * SEC)

static SyRegistry *
registry_in (SyAccountPool *pool,
             const char    *yaml)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) config = sy_config_new_from_data (yaml, -1, NULL, &error);

  g_assert_no_error (error);
  return sy_registry_new_with_pool (config, pool);
}

static SyFailure
failure (guint            status,
         SyFailureReason  reason,
         gint64           retry_after_us)
{
  SyFailure f = { status, reason, retry_after_us, FALSE, FALSE };

  return f;
}

/* "a" for the account whose key is "key-a", via its label. */
static const char *
who (SyRoute *route)
{
  return route ? route->account->entry->api_key : "(none)";
}

static SyAccountState *
state_of (SyRegistry *reg,
          const char *api_key)
{
  GPtrArray *accounts = sy_registry_get_accounts (reg);

  for (guint i = 0; i < accounts->len; i++)
    {
      SyAccount *account = g_ptr_array_index (accounts, i);

      if (g_strcmp0 (account->entry->api_key, api_key) == 0)
        return account->state;
    }
  g_assert_not_reached ();
}

static const char *three_accounts =
  "claude-api-key:\n"
  "  - {api-key: a, models: [{name: m}]}\n"
  "  - {api-key: b, models: [{name: m}]}\n"
  "  - {api-key: c, models: [{name: m}]}\n";

/* ------------------------------------------------------------------ clock */

static void
record_fire (gpointer data)
{
  GString *log = data;

  g_string_append_c (log, 'x');
}

static void
record_a (gpointer data) { g_string_append_c (data, 'a'); }
static void
record_b (gpointer data) { g_string_append_c (data, 'b'); }

static void
test_clock (void)
{
  g_autoptr(SyClock) clock = sy_clock_new_manual (T0);
  g_autoptr(GString) log = g_string_new (NULL);
  guint cancelled;

  g_assert_cmpint (sy_clock_now (clock), ==, T0);
  sy_clock_add (clock, 5 * SEC, record_b, log);
  sy_clock_add (clock, 2 * SEC, record_a, log);
  cancelled = sy_clock_add (clock, 3 * SEC, record_fire, log);
  sy_clock_cancel (clock, cancelled);

  sy_clock_advance (clock, 1 * SEC);
  g_assert_cmpstr (log->str, ==, "");
  sy_clock_advance (clock, 4 * SEC);       /* deadline order, the cancelled one never */
  g_assert_cmpstr (log->str, ==, "ab");
  g_assert_cmpint (sy_clock_now (clock), ==, T0 + 5 * SEC);

  /* Auto-advance: the timer runs from the main loop at once, time jumps. */
  sy_clock_set_auto_advance (clock, TRUE);
  sy_clock_add (clock, 30 * MINUTE, record_fire, log);
  while (log->len < 3)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (log->str, ==, "abx");
  g_assert_cmpint (sy_clock_now (clock), ==, T0 + 5 * SEC + 30 * MINUTE);
}

/* ------------------------------------------------------------ state */

static void
on_changed (SyAccountState *state,
            guint           what,
            guint          *seen)
{
  *seen |= what;
}

static void
test_cooldown_and_success (void)
{
  g_autoptr(SyAccountState) state = sy_account_state_new ("claude:1", "claude");
  SyFailure quota = failure (429, SY_FAILURE_QUOTA, 30 * SEC);
  SyFailure no_info = failure (429, SY_FAILURE_QUOTA, -1);
  SyFailure unauthorized = failure (401, SY_FAILURE_UNAUTHORIZED, -1);
  SyModelState ms;
  guint seen = 0;
  g_auto(GStrv) models = NULL;
  g_autofree char *joined = NULL;

  g_signal_connect (state, "changed", G_CALLBACK (on_changed), &seen);

  g_assert_cmpint (sy_account_state_mark_failure (state, "M", &quota, "slow down", FALSE, T0), ==, T0 + 30 * SEC);
  g_assert_true (seen & SY_ACCOUNT_CHANGED_STATE);
  g_assert_cmpstr (sy_account_state_get_last_error (state), ==, "slow down");
  g_assert_cmpuint (sy_account_state_get_n_errors (state), ==, 1);

  /* Per model (any case), ending on time. */
  sy_account_state_get_model (state, "m", T0 + 29 * SEC, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);
  g_assert_cmpint (ms.reason, ==, SY_FAILURE_QUOTA);
  g_assert_cmpint (ms.until_us, ==, T0 + 30 * SEC);
  sy_account_state_get_model (state, "other", T0, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_AVAILABLE);
  sy_account_state_get_model (state, "m", T0 + 30 * SEC, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_AVAILABLE);
  g_assert_cmpint (sy_account_state_get_next_recovery (state, T0), ==, T0 + 30 * SEC);

  /* 429s without retry information back off 1 s, 2 s, 4 s... */
  g_assert_cmpint (sy_account_state_mark_failure (state, "n", &no_info, NULL, FALSE, T0), ==, T0 + 1 * SEC);
  g_assert_cmpint (sy_account_state_mark_failure (state, "n", &no_info, NULL, FALSE, T0), ==, T0 + 2 * SEC);
  g_assert_cmpint (sy_account_state_mark_failure (state, "n", &no_info, NULL, FALSE, T0), ==, T0 + 4 * SEC);
  sy_account_state_get_model (state, "n", T0, &ms);
  g_assert_cmpuint (ms.backoff_level, ==, 3);
  g_assert_nonnull (strstr (sy_account_state_get_last_error (state), "429"));

  /* ...and a success starts over. */
  seen = 0;
  sy_account_state_mark_success (state, "n", T0);
  g_assert_true (seen & SY_ACCOUNT_CHANGED_STATE);
  sy_account_state_get_model (state, "n", T0, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_AVAILABLE);
  g_assert_cmpuint (ms.backoff_level, ==, 0);
  g_assert_cmpint (sy_account_state_mark_failure (state, "n", &no_info, NULL, FALSE, T0), ==, T0 + 1 * SEC);

  /* 401: half an hour. disable-cooling (global or the account's): none. */
  g_assert_cmpint (sy_account_state_mark_failure (state, "u", &unauthorized, NULL, FALSE, T0), ==, T0 + 30 * MINUTE);
  g_assert_cmpint (sy_account_state_mark_failure (state, "v", &unauthorized, NULL, TRUE, T0), ==, 0);
  sy_account_state_set_info (state, NULL, NULL, 0, NULL, -1, TRUE);
  g_assert_cmpint (sy_account_state_mark_failure (state, "w", &quota, NULL, FALSE, T0), ==, 0);
  sy_account_state_get_model (state, "w", T0, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_AVAILABLE);

  models = sy_account_state_list_models (state);
  joined = g_strjoinv (",", models);
  g_assert_cmpstr (joined, ==, "m,n,u");

  /* Clearing (management's reset): one model, then all. */
  sy_account_state_clear_cooldowns (state, "u");
  sy_account_state_get_model (state, "u", T0, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_AVAILABLE);
  sy_account_state_clear_cooldowns (state, NULL);
  g_assert_cmpint (sy_account_state_get_next_recovery (state, T0), ==, 0);

  /* Disabled: the account, or one model. */
  sy_account_state_set_model_enabled (state, "m", FALSE);
  sy_account_state_get_model (state, "M", T0, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_DISABLED);
}

/* A quota reading above zero ends a quota cooldown early; it does not end
 * one for other reasons. */
static void
test_quota_recovery (void)
{
  g_autoptr(SyAccountState) state = sy_account_state_new ("codex:1", "codex");
  SyFailure quota = failure (429, SY_FAILURE_QUOTA, 3 * 3600 * SEC);
  SyFailure denied = failure (403, SY_FAILURE_PAYMENT_REQUIRED, -1);
  SyModelState ms;

  g_assert_cmpfloat (sy_account_state_get_quota (state, "gpt-5"), <, 0);
  sy_account_state_mark_failure (state, "gpt-5", &quota, NULL, FALSE, T0);
  sy_account_state_mark_failure (state, "gpt-5-mini", &quota, NULL, FALSE, T0);
  sy_account_state_mark_failure (state, "gpt-5-codex", &denied, NULL, FALSE, T0);

  /* Still empty: nothing changes. */
  sy_account_state_report_quota (state, "gpt-5", 0.0, T0 + 3600 * SEC, T0 + MINUTE);
  sy_account_state_get_model (state, "gpt-5", T0 + MINUTE, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);
  g_assert_cmpfloat (ms.quota, ==, 0.0);
  g_assert_cmpint (ms.quota_reset_us, ==, T0 + 3600 * SEC);

  /* The window reset: gpt-5 is back at once, the others wait. */
  sy_account_state_report_quota (state, "gpt-5", 0.75, 0, T0 + 2 * MINUTE);
  sy_account_state_get_model (state, "gpt-5", T0 + 2 * MINUTE, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_AVAILABLE);
  g_assert_cmpfloat (sy_account_state_get_quota (state, "gpt-5"), ==, 0.75);
  sy_account_state_get_model (state, "gpt-5-mini", T0 + 2 * MINUTE, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);

  /* An account-wide reading: the mini model recovers, the refused one does not. */
  sy_account_state_report_quota (state, NULL, 0.5, 0, T0 + 3 * MINUTE);
  sy_account_state_get_model (state, "gpt-5-mini", T0 + 3 * MINUTE, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_AVAILABLE);
  g_assert_cmpfloat (ms.quota, ==, 0.5);
  sy_account_state_get_model (state, "gpt-5-codex", T0 + 3 * MINUTE, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);
  g_assert_cmpint (ms.reason, ==, SY_FAILURE_PAYMENT_REQUIRED);
  /* A model's own reading wins over the account's. */
  g_assert_cmpfloat (sy_account_state_get_quota (state, "gpt-5"), ==, 0.75);
}

/* Refresh: single flight, every waiter gets the one outcome. */
typedef struct
{
  guint   calls;
  GTask  *pending;
} Refresher;

static void
refresh_func (SyAccountState *state,
              GTask          *task,
              gpointer        user_data)
{
  Refresher *r = user_data;

  r->calls++;
  r->pending = g_object_ref (task);
}

static void
on_refresh_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GPtrArray *outcomes = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = sy_account_state_refresh_finish (SY_ACCOUNT_STATE (source), result, &error);

  g_ptr_array_add (outcomes, g_strdup (ok ? "ok" : error->message));
}

static void
test_refresh_single_flight (void)
{
  g_autoptr(SyAccountState) state = sy_account_state_new ("claude:oauth", "claude");
  g_autoptr(GPtrArray) outcomes = g_ptr_array_new_with_free_func (g_free);
  Refresher r = { 0 };

  g_assert_false (sy_account_state_can_refresh (state));
  sy_account_state_refresh_async (state, NULL, on_refresh_done, outcomes);
  while (outcomes->len < 1)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (strstr (g_ptr_array_index (outcomes, 0), "no credentials to refresh"));
  g_ptr_array_set_size (outcomes, 0);

  sy_account_state_set_refresh_func (state, refresh_func, &r, NULL);
  g_assert_true (sy_account_state_can_refresh (state));
  for (guint i = 0; i < 3; i++)
    sy_account_state_refresh_async (state, NULL, on_refresh_done, outcomes);
  g_assert_cmpuint (r.calls, ==, 1);
  g_task_return_boolean (r.pending, TRUE);
  g_clear_object (&r.pending);
  while (outcomes->len < 3)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (g_ptr_array_index (outcomes, i), ==, "ok");

  /* A failed refresh reaches every waiter; the next call refreshes anew. */
  g_ptr_array_set_size (outcomes, 0);
  sy_account_state_refresh_async (state, NULL, on_refresh_done, outcomes);
  sy_account_state_refresh_async (state, NULL, on_refresh_done, outcomes);
  g_assert_cmpuint (r.calls, ==, 2);
  g_task_return_new_error (r.pending, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "refresh token revoked");
  g_clear_object (&r.pending);
  while (outcomes->len < 2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (g_ptr_array_index (outcomes, 0), ==, "refresh token revoked");
  g_assert_cmpstr (g_ptr_array_index (outcomes, 1), ==, "refresh token revoked");
}

/* ------------------------------------------------------------ the pool */

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  guint      *calls)
{
  (*calls)++;
}

static const char *
id_at (GListModel *model,
       guint       i)
{
  g_autoptr(SyAccountState) state = g_list_model_get_item (model, i);

  return sy_account_state_get_id (state);
}

/* Reloads keep the state of accounts that stay, wherever they move. */
static void
test_pool_across_reload (void)
{
  g_autoptr(SyClock) clock = sy_clock_new_manual (T0);
  g_autoptr(SyAccountPool) pool = sy_account_pool_new (clock);
  g_autoptr(SyRegistry) first = registry_in (pool, three_accounts);
  g_autoptr(SyRegistry) second = NULL;
  g_autoptr(SyRegistry) third = NULL;
  GListModel *model = G_LIST_MODEL (pool);
  SyAccountState *b = state_of (first, "b");
  SyFailure quota = failure (429, SY_FAILURE_QUOTA, 10 * MINUTE);
  g_autofree char *id_a = NULL;
  g_autofree char *id_b = NULL;
  guint calls = 0;
  SyModelState ms;

  g_assert_true (g_list_model_get_item_type (model) == SY_TYPE_ACCOUNT_STATE);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);
  g_assert_null (g_list_model_get_item (model, 3));
  id_a = g_strdup (id_at (model, 0));
  id_b = g_strdup (id_at (model, 1));
  g_assert_true (sy_account_pool_lookup (pool, id_b) == b);
  sy_account_state_mark_failure (b, "m", &quota, NULL, FALSE, T0);
  sy_account_state_count_request (b, T0);

  g_signal_connect (pool, "items-changed", G_CALLBACK (on_items_changed), &calls);

  /* The same config again: nothing changes, no signal. */
  second = registry_in (pool, three_accounts);
  g_assert_cmpuint (calls, ==, 0);
  g_assert_true (state_of (second, "b") == b);

  /* b moves first with another priority, a is gone, d is new. */
  third = registry_in (pool,
    "claude-api-key:\n"
    "  - {api-key: b, priority: 3, models: [{name: m}]}\n"
    "  - {api-key: c, models: [{name: m}]}\n"
    "  - {api-key: d, models: [{name: m}]}\n");
  g_assert_cmpuint (calls, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);
  g_assert_cmpstr (id_at (model, 0), ==, id_b);
  g_assert_null (sy_account_pool_lookup (pool, id_a));
  g_assert_true (state_of (third, "b") == b);
  g_assert_cmpint (sy_account_state_get_priority (b), ==, 3);
  sy_account_state_get_model (b, "m", T0 + MINUTE, &ms);
  g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);
  g_assert_cmpuint (sy_account_state_get_n_requests (b), ==, 1);

  /* Requests on the old snapshot still hold their (same) objects. */
  g_assert_true (state_of (first, "b") == b);
  g_assert_nonnull (sy_account_state_get_id (state_of (first, "a")));
}

static gboolean
file_contains (const char *path,
               const char *needle)
{
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) && strstr (text, needle) != NULL;
}

/* Cooldowns and enabled flags survive a restart; expired ones do not come
 * back; a damaged file costs the state, not the start. */
static void
test_pool_persistence (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sy-accounts-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "sub", "state.json", NULL);
  g_autoptr(SyClock) clock = sy_clock_new_manual (T0);
  SyFailure quota = failure (429, SY_FAILURE_QUOTA, 10 * MINUTE);
  SyFailure transient = failure (503, SY_FAILURE_TRANSIENT, -1);
  g_autofree char *id_b = NULL;
  SyModelState ms;
  GStatBuf st;

  {
    g_autoptr(SyAccountPool) pool = sy_account_pool_new (clock);
    g_autoptr(SyRegistry) reg = registry_in (pool, three_accounts);
    g_autoptr(GError) error = NULL;

    g_assert_true (sy_account_pool_set_state_file (pool, path, &error));
    g_assert_no_error (error);
    id_b = g_strdup (sy_account_state_get_id (state_of (reg, "b")));
    sy_account_state_mark_failure (state_of (reg, "b"), "m", &quota, NULL, FALSE, T0);
    sy_account_state_mark_failure (state_of (reg, "c"), "m", &transient, NULL, FALSE, T0);
    sy_account_state_set_enabled (state_of (reg, "a"), FALSE);

    /* Saved on its own, shortly after the change, off the loop's back. */
    while (!file_contains (path, id_b))
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  /* "Restart" five minutes later: b still cools, c's minute is over, a stays off. */
  sy_clock_advance (clock, 5 * MINUTE);
  {
    g_autoptr(SyAccountPool) pool = sy_account_pool_new (clock);
    g_autoptr(GError) error = NULL;
    g_autoptr(SyRegistry) reg = NULL;

    g_assert_true (sy_account_pool_set_state_file (pool, path, &error));
    reg = registry_in (pool, three_accounts);
    sy_account_state_get_model (state_of (reg, "b"), "m", sy_clock_now (clock), &ms);
    g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);
    g_assert_cmpint (ms.until_us, ==, T0 + 10 * MINUTE);
    g_assert_cmpint (ms.reason, ==, SY_FAILURE_QUOTA);
    sy_account_state_get_model (state_of (reg, "c"), "m", sy_clock_now (clock), &ms);
    g_assert_cmpint (ms.status, ==, SY_MODEL_AVAILABLE);
    g_assert_false (sy_account_state_get_enabled (state_of (reg, "a")));
    g_assert_true (sy_account_state_get_enabled (state_of (reg, "c")));
  }

  /* Restored into accounts that appear only later (OAuth logins load late). */
  {
    g_autoptr(SyAccountPool) pool = sy_account_pool_new (clock);
    G_GNUC_UNUSED g_autoptr(SyRegistry) empty = registry_in (pool, "debug: false\n");
    g_autoptr(SyRegistry) reg = NULL;

    g_assert_true (sy_account_pool_set_state_file (pool, path, NULL));
    g_assert_true (sy_account_pool_flush (pool, NULL));
    g_assert_true (file_contains (path, id_b));    /* kept while it matters */
    reg = registry_in (pool, three_accounts);
    sy_account_state_get_model (state_of (reg, "b"), "m", sy_clock_now (clock), &ms);
    g_assert_cmpint (ms.status, ==, SY_MODEL_COOLING);
  }

  /* Damaged file. */
  g_assert_true (g_file_set_contents (path, "{\"accounts\": {", -1, NULL));
  {
    g_autoptr(SyAccountPool) pool = sy_account_pool_new (clock);
    g_autoptr(SyRegistry) reg = NULL;

    g_test_expect_message ("sy-accounts", G_LOG_LEVEL_WARNING, "*unreadable*starting without it*");
    g_assert_true (sy_account_pool_set_state_file (pool, path, NULL));
    g_test_assert_expected_messages ();
    reg = registry_in (pool, three_accounts);
    g_assert_true (sy_account_state_get_enabled (state_of (reg, "a")));
  }

  g_remove (path);
  {
    g_autofree char *sub = g_path_get_dirname (path);

    g_rmdir (sub);
    g_rmdir (dir);
  }
}

/* ------------------------------------------------------------ selection */

/* @n picks with nothing tried, as letters: "abcabc". */
static char *
picks (SyRegistry *reg,
       const char *model,
       guint       n,
       gint64      now)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      SyPickInfo info;
      SyRoute *route = sy_registry_pick (reg, model, sy_registry_lookup (reg, model), NULL,
                                         NULL, NULL, now, &info);

      g_string_append (out, route ? who (route) : "-");
    }
  return g_string_free (out, FALSE);
}

static void
test_round_robin (void)
{
  g_autoptr(SyAccountPool) pool = sy_account_pool_new (NULL);
  g_autoptr(SyRegistry) reg = registry_in (pool, three_accounts);
  g_autoptr(GHashTable) tried = g_hash_table_new (NULL, NULL);
  SyFailure quota = failure (429, SY_FAILURE_QUOTA, 10 * SEC);
  g_autofree char *order = picks (reg, "m", 6, T0);
  g_autofree char *skipping = NULL;
  g_autofree char *back = NULL;
  SyPickInfo info;
  SyRoute *route;

  g_assert_cmpstr (order, ==, "abcabc");

  /* A cooling account is stepped around; it comes back when it recovers. */
  sy_account_state_mark_failure (state_of (reg, "b"), "m", &quota, NULL, FALSE, T0);
  skipping = picks (reg, "M(high)", 4, T0 + 9 * SEC);
  g_assert_cmpstr (skipping, ==, "acac");
  back = picks (reg, "m", 3, T0 + 10 * SEC);
  g_assert_cmpuint (strlen (back), ==, 3);
  g_assert_nonnull (strchr (back, 'b'));

  /* Within one request: each account once, then nothing, and why. */
  for (guint i = 0; i < 2; i++)
    {
      route = sy_registry_pick (reg, "m", sy_registry_lookup (reg, "m"), tried, NULL, NULL, T0, &info);
      g_assert_nonnull (route);
      g_assert_false (g_hash_table_contains (tried, route));
      g_hash_table_add (tried, route);
    }
  g_assert_null (sy_registry_pick (reg, "m", sy_registry_lookup (reg, "m"), tried, NULL, NULL, T0, &info));
  g_assert_cmpuint (info.n_cooling, ==, 1);
  g_assert_cmpint (info.soonest_us, ==, T0 + 10 * SEC);
  g_assert_cmpint (info.reason, ==, SY_FAILURE_QUOTA);
}

/* fill-first drains the first account until it cools, then the next. */
static void
test_fill_first (void)
{
  g_autoptr(SyAccountPool) pool = sy_account_pool_new (NULL);
  g_autoptr(SyRegistry) reg = NULL;
  g_autofree char *yaml = g_strconcat ("routing: {strategy: ff}\n", three_accounts, NULL);
  SyFailure quota = failure (429, SY_FAILURE_QUOTA, 60 * SEC);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  g_autofree char *recovered = NULL;

  reg = registry_in (pool, yaml);
  first = picks (reg, "m", 3, T0);
  g_assert_cmpstr (first, ==, "aaa");
  sy_account_state_mark_failure (state_of (reg, "a"), "m", &quota, NULL, FALSE, T0);
  second = picks (reg, "m", 3, T0 + SEC);
  g_assert_cmpstr (second, ==, "bbb");
  sy_account_state_mark_failure (state_of (reg, "b"), "m", &quota, NULL, FALSE, T0 + SEC);
  third = picks (reg, "m", 2, T0 + 2 * SEC);
  g_assert_cmpstr (third, ==, "cc");
  recovered = picks (reg, "m", 2, T0 + 60 * SEC);
  g_assert_cmpstr (recovered, ==, "aa");
}

/* The top priority first; a lower one only while the top one is out. */
static void
test_priority_buckets (void)
{
  g_autoptr(SyAccountPool) pool = sy_account_pool_new (NULL);
  g_autoptr(SyRegistry) reg = registry_in (pool,
    "claude-api-key:\n"
    "  - {api-key: a, models: [{name: m}]}\n"
    "  - {api-key: b, priority: 2, models: [{name: m}]}\n"
    "  - {api-key: c, priority: 2, models: [{name: m}]}\n");
  SyFailure down = failure (503, SY_FAILURE_TRANSIENT, -1);
  g_autofree char *top = picks (reg, "m", 4, T0);
  g_autofree char *low = NULL;
  g_autofree char *back = NULL;

  g_assert_cmpstr (top, ==, "bcbc");
  sy_account_state_mark_failure (state_of (reg, "b"), "m", &down, NULL, FALSE, T0);
  sy_account_state_mark_failure (state_of (reg, "c"), "m", &down, NULL, FALSE, T0);
  low = picks (reg, "m", 2, T0 + SEC);
  g_assert_cmpstr (low, ==, "aa");
  back = picks (reg, "m", 2, T0 + MINUTE);
  g_assert_cmpstr (back, ==, "bc");
}

/* Quota-aware: within a priority, the most headroom wins; readings within
 * a twentieth tie, and the strategy decides ties. No reading counts as full. */
static void
test_quota_aware (void)
{
  g_autoptr(SyAccountPool) pool = sy_account_pool_new (NULL);
  g_autoptr(SyRegistry) reg = registry_in (pool, three_accounts);
  g_autofree char *unknown_wins = NULL;
  g_autofree char *tie = NULL;
  g_autofree char *low_left = NULL;

  sy_account_state_report_quota (state_of (reg, "a"), "m", 0.20, 0, T0);
  sy_account_state_report_quota (state_of (reg, "b"), NULL, 0.90, 0, T0);
  unknown_wins = picks (reg, "m", 3, T0);
  g_assert_cmpstr (unknown_wins, ==, "ccc");

  sy_account_state_report_quota (state_of (reg, "c"), "m", 0.93, 0, T0);
  tie = picks (reg, "m", 4, T0);
  /* b (0.90) and c (0.93) tie: round-robin alternates them; a never. */
  g_assert_true (g_str_equal (tie, "bcbc") || g_str_equal (tie, "cbcb"));

  /* Priority still comes first: headroom is compared within it. */
  sy_account_state_report_quota (state_of (reg, "b"), NULL, 0.0, 0, T0);
  sy_account_state_report_quota (state_of (reg, "c"), "m", 0.01, 0, T0);
  low_left = picks (reg, "m", 2, T0);
  g_assert_cmpstr (low_left, ==, "aa");
}

/* switch-project: the accounts of one group (projects of a Google login). */
static void
test_groups (void)
{
  g_autoptr(SyAccountPool) pool = sy_account_pool_new (NULL);
  g_autoptr(SyRegistry) reg = registry_in (pool,
    "gemini-api-key:\n"
    "  - {api-key: a, models: [{name: m}]}\n"
    "  - {api-key: b, models: [{name: m}]}\n"
    "  - {api-key: c, models: [{name: m}]}\n");
  GPtrArray *routes = sy_registry_lookup (reg, "m");
  SyPickInfo info;

  sy_account_state_set_info (state_of (reg, "a"), "a", NULL, 0, "me@example.com", -1, FALSE);
  sy_account_state_set_info (state_of (reg, "c"), "c", NULL, 0, "me@example.com", -1, FALSE);
  for (guint i = 0; i < 4; i++)
    {
      SyRoute *route = sy_registry_pick (reg, "m", routes, NULL, "me@example.com", NULL, T0, &info);

      g_assert_cmpstr (sy_account_state_get_group (route->account->state), ==, "me@example.com");
    }
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (who (sy_registry_pick (reg, "m", routes, NULL, NULL, "me@example.com", T0, &info)), ==, "b");
  /* A preferred group with nobody ready: the others. */
  g_assert_cmpstr (who (sy_registry_pick (reg, "m", routes, NULL, "other@example.com", NULL, T0, &info)), !=, "(none)");
}

static void
test_disabled (void)
{
  g_autoptr(SyAccountPool) pool = sy_account_pool_new (NULL);
  g_autoptr(SyRegistry) reg = registry_in (pool, three_accounts);
  GPtrArray *routes = sy_registry_lookup (reg, "m");
  g_autofree char *order = NULL;
  SyPickInfo info;

  sy_account_state_set_enabled (state_of (reg, "a"), FALSE);
  sy_account_state_set_model_enabled (state_of (reg, "b"), "m", FALSE);
  order = picks (reg, "m", 3, T0);
  g_assert_cmpstr (order, ==, "ccc");
  sy_account_state_set_enabled (state_of (reg, "c"), FALSE);
  g_assert_null (sy_registry_pick (reg, "m", routes, NULL, NULL, NULL, T0, &info));
  g_assert_cmpuint (info.n_disabled, ==, 3);
  g_assert_cmpuint (info.n_cooling, ==, 0);
}

/* Ids follow the key and endpoint, not the position. */
static void
test_stable_ids (void)
{
  g_autoptr(SyAccountPool) p1 = sy_account_pool_new (NULL);
  g_autoptr(SyAccountPool) p2 = sy_account_pool_new (NULL);
  g_autoptr(SyRegistry) one = registry_in (p1,
    "claude-api-key:\n"
    "  - {api-key: a}\n"
    "  - {api-key: b}\n"
    "  - {api-key: b}\n"
    "  - {api-key: b, base-url: \"http://127.0.0.1:9\"}\n");
  g_autoptr(SyRegistry) two = registry_in (p2,
    "claude-api-key:\n"
    "  - {api-key: b, base-url: \"http://127.0.0.1:9\"}\n"
    "  - {api-key: b}\n"
    "  - {api-key: a, priority: 4}\n");
  GPtrArray *a1 = sy_registry_get_accounts (one);
  GPtrArray *a2 = sy_registry_get_accounts (two);
#define ID(arr, i) (((SyAccount *) g_ptr_array_index (arr, i))->id)

  g_assert_cmpstr (ID (a1, 0), ==, ID (a2, 2));
  g_assert_cmpstr (ID (a1, 1), ==, ID (a2, 1));
  g_assert_cmpstr (ID (a1, 3), ==, ID (a2, 0));
  g_assert_cmpstr (ID (a1, 1), !=, ID (a1, 3));
  /* Identical entries are numbered. */
  g_assert_true (g_str_has_suffix (ID (a1, 2), "#2"));
  g_assert_true (g_str_has_prefix (ID (a1, 2), ID (a1, 1)));
  /* No key material in ids or labels. */
  for (guint i = 0; i < a1->len; i++)
    g_assert_true (g_str_has_prefix (ID (a1, i), "claude:"));
#undef ID
}

/* switch-preview-model: "<model>-preview…" among the served models. */
static void
test_preview_model (void)
{
  g_autoptr(SyAccountPool) pool = sy_account_pool_new (NULL);
  g_autoptr(SyRegistry) reg = registry_in (pool,
    "gemini-api-key:\n"
    "  - api-key: a\n"
    "    models: [{name: gemini-2.5-pro}, {name: gemini-2.5-pro-preview-06-05}, {name: gemini-2.5-flash}]\n");
  g_autofree char *plain = sy_registry_preview_model (reg, "gemini-2.5-pro");
  g_autofree char *suffixed = sy_registry_preview_model (reg, "Gemini-2.5-Pro(high)");
  g_autofree char *none = sy_registry_preview_model (reg, "gemini-2.5-flash");

  g_assert_cmpstr (plain, ==, "gemini-2.5-pro-preview-06-05");
  g_assert_cmpstr (suffixed, ==, "gemini-2.5-pro-preview-06-05(high)");
  g_assert_null (none);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/clock/manual", test_clock);
  g_test_add_func ("/accounts/state/cooldown", test_cooldown_and_success);
  g_test_add_func ("/accounts/state/quota-recovery", test_quota_recovery);
  g_test_add_func ("/accounts/state/refresh-single-flight", test_refresh_single_flight);
  g_test_add_func ("/accounts/pool/reload", test_pool_across_reload);
  g_test_add_func ("/accounts/pool/persistence", test_pool_persistence);
  g_test_add_func ("/accounts/pick/round-robin", test_round_robin);
  g_test_add_func ("/accounts/pick/fill-first", test_fill_first);
  g_test_add_func ("/accounts/pick/priority", test_priority_buckets);
  g_test_add_func ("/accounts/pick/quota-aware", test_quota_aware);
  g_test_add_func ("/accounts/pick/groups", test_groups);
  g_test_add_func ("/accounts/pick/disabled", test_disabled);
  g_test_add_func ("/accounts/ids", test_stable_ids);
  g_test_add_func ("/accounts/preview-model", test_preview_model);
  return g_test_run ();
}
