/* test-quota-history.c: the quota history store (a real SQLite file):
 * which readings are kept, queries, ranges, the forecast, retention,
 * reopening the file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "sy-quota-history.h"
#include "sy-usage.h"

#define SEC    ((gint64) G_USEC_PER_SEC)
#define MINUTE (60 * SEC)
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)

/* Readings are timed around the real clock: retention counts from it. */
static gint64 base_us;

/* -- Fixtures ------------------------------------------------------------------ */

typedef struct
{
  char *dir;
  char *path;     /* dir/sub/quota.db: "sub" is made by the store */
} Tmp;

static void
tmp_init (Tmp *tmp)
{
  g_autoptr(GError) error = NULL;

  tmp->dir = g_dir_make_tmp ("sy-quota-XXXXXX", &error);
  g_assert_no_error (error);
  tmp->path = g_build_filename (tmp->dir, "sub", "quota.db", NULL);
}

static void
tmp_clear (Tmp *tmp)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
  g_autofree char *sub = g_path_get_dirname (tmp->path);

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (tmp->path, suffixes[i], NULL);

      g_unlink (file);
    }
  g_rmdir (sub);
  g_rmdir (tmp->dir);
  g_free (tmp->path);
  g_free (tmp->dir);
}

static SyQuotaHistory *
open_history (const char *path)
{
  g_autoptr(GError) error = NULL;
  SyQuotaHistory *history = sy_quota_history_new (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (history);
  return history;
}

static void
add (SyQuotaHistory *history,
     const char     *account,
     const char     *id,
     const char     *model,
     double          remaining,
     gint64          reset_us,
     gint64          observed_us)
{
  g_autoptr(SyQuotaWindow) w = sy_quota_window_new (id, NULL, model, remaining, reset_us, 5 * HOUR,
                                                    observed_us, SY_QUOTA_SOURCE_HEADERS);

  sy_quota_history_add (history, account, w);
}

/* Closes and drops @history. Dropping the last reference closes too, but
 * the worker may hold one a moment longer (the task of the query that just
 * completed): closing first makes the commit happen now. */
static void
drop (SyQuotaHistory **history)
{
  sy_quota_history_close (*history);
  g_clear_object (history);
}

/* -- Running the async calls to completion --------------------------------- */

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  /* Results come on the caller's main context (this thread). */
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  *out = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static JsonNode *
query (SyQuotaHistory *history,
       const char     *account,
       const char     *window,
       gint64          from_us,
       gint64          to_us)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  sy_quota_history_query_async (history, account, window, from_us, to_us, NULL, got_result, &result);
  node = sy_quota_history_query_finish (history, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static JsonNode *
range (SyQuotaHistory *history,
       const char     *account)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  sy_quota_history_range_async (history, account, NULL, got_result, &result);
  node = sy_quota_history_range_finish (history, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static gint64
forecast (SyQuotaHistory *history,
          const char     *account,
          const char     *window,
          gint64          now_us)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 exhausted = -1;

  sy_quota_history_forecast_async (history, account, window, now_us, NULL, got_result, &result);
  g_assert_true (sy_quota_history_forecast_finish (history, wait_result (&result), &exhausted, &error));
  g_assert_no_error (error);
  return exhausted;
}

static void
flush (SyQuotaHistory *history)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  sy_quota_history_flush_async (history, NULL, got_result, &result);
  g_assert_true (sy_quota_history_flush_finish (history, wait_result (&result), &error));
  g_assert_no_error (error);
}

/* The points of one account's window in a query answer, NULL if absent. */
static JsonArray *
points_of (JsonNode   *root,
           const char *account,
           const char *window)
{
  JsonArray *accounts = json_object_get_array_member (json_node_get_object (root), "accounts");

  for (guint i = 0; i < json_array_get_length (accounts); i++)
    {
      JsonObject *a = json_array_get_object_element (accounts, i);
      JsonArray *windows = json_object_get_array_member (a, "windows");

      if (!g_str_equal (json_object_get_string_member (a, "account"), account))
        continue;
      for (guint j = 0; j < json_array_get_length (windows); j++)
        {
          JsonObject *w = json_array_get_object_element (windows, j);

          if (g_str_equal (json_object_get_string_member (w, "id"), window))
            return json_object_get_array_member (w, "points");
        }
    }
  return NULL;
}

static guint
n_points (JsonNode   *root,
          const char *account,
          const char *window)
{
  JsonArray *points = points_of (root, account, window);

  return points != NULL ? json_array_get_length (points) : 0;
}

static char *
to_text (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

/* -- Tests --------------------------------------------------------------------- */

static void
test_round_trip (void)
{
  Tmp tmp;
  g_autoptr(SyQuotaHistory) history = NULL;
  g_autoptr(JsonNode) all = NULL;
  g_autoptr(JsonNode) one = NULL;
  g_autoptr(JsonNode) window = NULL;
  g_autoptr(JsonNode) slice = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  gint64 reset = base_us + 5 * HOUR;

  tmp_init (&tmp);
  history = open_history (tmp.path);
  add (history, "codex:b", "secondary", NULL, 0.9, base_us + 3 * DAY, base_us);
  add (history, "codex:a", "primary", NULL, 0.8, reset, base_us);
  add (history, "codex:a", "primary", NULL, 0.7, reset, base_us + MINUTE);
  add (history, "codex:a", "model:gemini", "gemini", 0.0, 0, base_us + 2 * MINUTE);

  all = query (history, NULL, NULL, base_us, base_us + HOUR);
  text = to_text (all);
  expected = g_strdup_printf ("{\"accounts\":["
                              "{\"account\":\"codex:a\",\"windows\":["
                              "{\"id\":\"model:gemini\",\"label\":\"model:gemini\",\"model\":\"gemini\",\"points\":["
                              "{\"t\":%" G_GINT64_FORMAT ",\"remaining\":0.0}]},"
                              "{\"id\":\"primary\",\"label\":\"primary\",\"points\":["
                              "{\"t\":%" G_GINT64_FORMAT ",\"remaining\":0.80000000000000004,\"reset_at\":%" G_GINT64_FORMAT "},"
                              "{\"t\":%" G_GINT64_FORMAT ",\"remaining\":0.69999999999999996,\"reset_at\":%" G_GINT64_FORMAT "}]}]},"
                              "{\"account\":\"codex:b\",\"windows\":["
                              "{\"id\":\"secondary\",\"label\":\"secondary\",\"points\":["
                              "{\"t\":%" G_GINT64_FORMAT ",\"remaining\":0.90000000000000002,\"reset_at\":%" G_GINT64_FORMAT "}]}]}]}",
                              base_us + 2 * MINUTE, base_us, reset, base_us + MINUTE, reset,
                              base_us, base_us + 3 * DAY);
  g_assert_cmpstr (text, ==, expected);

  /* Filters: one account, one window, a time slice ([from, to)). */
  one = query (history, "codex:b", NULL, base_us, base_us + HOUR);
  g_assert_cmpuint (n_points (one, "codex:b", "secondary"), ==, 1);
  g_assert_null (points_of (one, "codex:a", "primary"));
  window = query (history, NULL, "primary", base_us, base_us + HOUR);
  g_assert_cmpuint (n_points (window, "codex:a", "primary"), ==, 2);
  g_assert_null (points_of (window, "codex:b", "secondary"));
  slice = query (history, "codex:a", "primary", base_us + SEC, base_us + MINUTE);
  g_assert_cmpuint (n_points (slice, "codex:a", "primary"), ==, 0);

  drop (&history);
  tmp_clear (&tmp);
}

/* Kept: a changed value, a changed reset time, the same value again after
 * five minutes. Not kept: the same value sooner, a reset time that only
 * wobbles, a reading older than the last kept, an unknown remaining. */
static void
test_dedupe (void)
{
  Tmp tmp;
  g_autoptr(SyQuotaHistory) history = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *points;
  gint64 reset = base_us + 5 * HOUR;
  gint64 t[] = { 0, MINUTE, 2 * MINUTE, 3 * MINUTE, 4 * MINUTE, 7 * MINUTE, 12 * MINUTE, 13 * MINUTE };

  tmp_init (&tmp);
  history = open_history (tmp.path);
  add (history, "a", "primary", NULL, 0.80, reset, base_us + t[0]);              /* kept */
  add (history, "a", "primary", NULL, 0.80, reset + 2 * SEC, base_us + t[1]);    /* wobble */
  add (history, "a", "primary", NULL, 0.80, reset, base_us + t[2]);              /* same */
  add (history, "a", "primary", NULL, 0.75, reset, base_us + t[3]);              /* kept */
  add (history, "a", "primary", NULL, 0.90, reset, base_us + t[2]);              /* older */
  add (history, "a", "primary", NULL, -1, reset, base_us + t[4]);                /* unknown */
  add (history, "a", "primary", NULL, 0.75, reset, base_us + t[5]);              /* 4 min */
  add (history, "a", "primary", NULL, 0.75, reset, base_us + t[6]);              /* kept: 9 min */
  add (history, "a", "primary", NULL, 0.75, base_us + 10 * HOUR, base_us + t[7]); /* kept: reset */
  /* Another account's window of the same id is its own. */
  add (history, "b", "primary", NULL, 0.80, reset, base_us + t[1]);

  root = query (history, NULL, NULL, base_us, base_us + DAY);
  points = points_of (root, "a", "primary");
  g_assert_nonnull (points);
  g_assert_cmpuint (json_array_get_length (points), ==, 4);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (points, 0), "t"), ==, base_us + t[0]);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (points, 1), "t"), ==, base_us + t[3]);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (points, 2), "t"), ==, base_us + t[6]);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (points, 3), "reset_at"), ==,
                   base_us + 10 * HOUR);
  g_assert_cmpuint (n_points (root, "b", "primary"), ==, 1);

  drop (&history);
  tmp_clear (&tmp);
}

/* Closed and opened again: the readings are there, and the rule goes on
 * from the last one kept. */
static void
test_reopen (void)
{
  Tmp tmp;
  g_autoptr(SyQuotaHistory) history = NULL;
  g_autoptr(JsonNode) root = NULL;
  gint64 reset = base_us + 5 * HOUR;

  tmp_init (&tmp);
  history = open_history (tmp.path);
  add (history, "a", "five_hour", NULL, 0.5, reset, base_us);
  add (history, "a", "five_hour", NULL, 0.4, reset, base_us + MINUTE);
  drop (&history);

  history = open_history (tmp.path);
  add (history, "a", "five_hour", NULL, 0.4, reset, base_us + 2 * MINUTE);   /* same, too soon */
  add (history, "a", "five_hour", NULL, 0.3, reset, base_us + 3 * MINUTE);   /* kept */
  root = query (history, "a", "five_hour", 0, G_MAXINT64);
  g_assert_cmpuint (n_points (root, "a", "five_hour"), ==, 3);
  g_clear_pointer (&root, json_node_unref);

  /* Close commits what is queued, without a flush. */
  add (history, "a", "five_hour", NULL, 0.2, reset, base_us + 4 * MINUTE);
  drop (&history);
  history = open_history (tmp.path);
  root = query (history, "a", "five_hour", 0, G_MAXINT64);
  g_assert_cmpuint (n_points (root, "a", "five_hour"), ==, 4);

  drop (&history);
  tmp_clear (&tmp);
}

static void
test_range (void)
{
  Tmp tmp;
  g_autoptr(SyQuotaHistory) history = NULL;
  g_autoptr(JsonNode) all = NULL;
  g_autoptr(JsonNode) one = NULL;
  g_autoptr(JsonNode) empty = NULL;
  g_autoptr(SyQuotaWindow) renamed = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *one_text = NULL;
  g_autofree char *empty_text = NULL;

  tmp_init (&tmp);
  history = open_history (tmp.path);
  add (history, "a", "primary", NULL, 0.9, 0, base_us);
  add (history, "a", "primary", NULL, 0.8, 0, base_us + HOUR);
  renamed = sy_quota_window_new ("primary", "5-hour", NULL, 0.7, 0, 5 * HOUR, base_us + 2 * HOUR,
                                 SY_QUOTA_SOURCE_EVENT);
  sy_quota_history_add (history, "a", renamed);
  add (history, "b", "model:m", "m", 0.0, base_us + DAY, base_us + 30 * MINUTE);

  all = range (history, NULL);
  text = to_text (all);
  /* The label is the latest reading's. */
  expected = g_strdup_printf ("{\"accounts\":["
                              "{\"account\":\"a\",\"windows\":[{\"id\":\"primary\",\"label\":\"5-hour\","
                              "\"first\":%" G_GINT64_FORMAT ",\"last\":%" G_GINT64_FORMAT ",\"count\":3}]},"
                              "{\"account\":\"b\",\"windows\":[{\"id\":\"model:m\",\"label\":\"model:m\","
                              "\"model\":\"m\",\"first\":%" G_GINT64_FORMAT ",\"last\":%" G_GINT64_FORMAT
                              ",\"count\":1}]}]}",
                              base_us, base_us + 2 * HOUR, base_us + 30 * MINUTE, base_us + 30 * MINUTE);
  g_assert_cmpstr (text, ==, expected);

  one = range (history, "b");
  one_text = to_text (one);
  g_assert_nonnull (strstr (one_text, "\"account\":\"b\""));
  g_assert_null (strstr (one_text, "\"account\":\"a\""));
  empty = range (history, "nobody");
  empty_text = to_text (empty);
  g_assert_cmpstr (empty_text, ==, "{\"accounts\":[]}");

  drop (&history);
  tmp_clear (&tmp);
}

static void
test_retention (void)
{
  Tmp tmp;
  g_autoptr(SyQuotaHistory) history = NULL;
  g_autoptr(JsonNode) root = NULL;
  gint64 now = g_get_real_time ();

  tmp_init (&tmp);
  history = open_history (tmp.path);
  add (history, "a", "old", NULL, 0.5, 0, now - 100 * DAY);
  add (history, "a", "recent", NULL, 0.5, 0, now - 10 * DAY);
  flush (history);
  drop (&history);

  /* The default (400 days) keeps both through a restart. */
  history = open_history (tmp.path);
  root = query (history, "a", NULL, 0, G_MAXINT64);
  g_assert_cmpuint (n_points (root, "a", "old"), ==, 1);
  g_assert_cmpuint (n_points (root, "a", "recent"), ==, 1);
  g_clear_pointer (&root, json_node_unref);

  sy_quota_history_set_retention_days (history, 30);
  root = query (history, "a", NULL, 0, G_MAXINT64);
  g_assert_cmpuint (n_points (root, "a", "old"), ==, 0);
  g_assert_cmpuint (n_points (root, "a", "recent"), ==, 1);
  g_clear_pointer (&root, json_node_unref);

  /* 0 keeps everything. */
  sy_quota_history_set_retention_days (history, 0);
  add (history, "a", "older", NULL, 0.5, 0, now - 1000 * DAY);
  root = query (history, "a", NULL, 0, G_MAXINT64);
  g_assert_cmpuint (n_points (root, "a", "older"), ==, 1);

  drop (&history);
  tmp_clear (&tmp);
}

static void
test_forecast (void)
{
  Tmp tmp;
  g_autoptr(SyQuotaHistory) history = NULL;
  gint64 reset = base_us + 10 * HOUR;
  gint64 now = base_us + 40 * MINUTE;

  tmp_init (&tmp);
  history = open_history (tmp.path);
  /* A window that reset: the run before does not count. */
  add (history, "a", "primary", NULL, 0.10, base_us - HOUR, base_us - 2 * HOUR);
  add (history, "a", "primary", NULL, 0.05, base_us - HOUR, base_us - 90 * MINUTE);
  /* One percent every ten minutes since. */
  for (int i = 0; i <= 4; i++)
    add (history, "a", "primary", NULL, 0.90 - 0.01 * i, reset, base_us + i * 10 * MINUTE);
  /* Idle. */
  add (history, "a", "secondary", NULL, 0.5, base_us + 3 * DAY, base_us);
  add (history, "a", "secondary", NULL, 0.5, base_us + 3 * DAY, base_us + 30 * MINUTE);

  /* 86 % left at 0.1 % a minute lasts 860 minutes, past the reset in 560
   * (counted with the run before the reset, the pace would be negative). */
  g_assert_cmpint (forecast (history, "a", "primary", now), ==, 0);
  /* 20 % left at 1 % a minute, no reset time: out in 20 minutes. */
  add (history, "b", "primary", NULL, 0.30, 0, base_us);
  add (history, "b", "primary", NULL, 0.20, 0, base_us + 10 * MINUTE);
  g_assert_cmpint (llabs (forecast (history, "b", "primary", base_us + 10 * MINUTE) -
                          (base_us + 30 * MINUTE)), <, SEC);
  g_assert_cmpint (forecast (history, "a", "secondary", now), ==, 0);
  g_assert_cmpint (forecast (history, "a", "unknown", now), ==, 0);
  /* Readings after "now" are not looked at. */
  g_assert_cmpint (forecast (history, "b", "primary", base_us + 5 * MINUTE), ==, 0);

  drop (&history);
  tmp_clear (&tmp);
}

static void
test_file (void)
{
  Tmp tmp;
  g_autoptr(SyQuotaHistory) history = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *junk = NULL;
  GStatBuf st;

  tmp_init (&tmp);
  history = open_history (tmp.path);
  g_assert_cmpint (g_stat (tmp.path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* Closed: adds are dropped, queries fail. */
  sy_quota_history_close (history);
  sy_quota_history_close (history);
  add (history, "a", "primary", NULL, 0.5, 0, base_us);
  sy_quota_history_query_async (history, NULL, NULL, 0, G_MAXINT64, NULL, got_result, &result);
  g_assert_null (sy_quota_history_query_finish (history, wait_result (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_object (&history);
  g_clear_error (&error);

  /* Not a database. */
  g_file_set_contents (tmp.path, "this is not SQLite, just some text that is long enough to have a header",
                       -1, &error);
  g_assert_no_error (error);
  junk = g_strconcat (tmp.path, "-wal", NULL);
  g_unlink (junk);
  g_clear_pointer (&junk, g_free);
  junk = g_strconcat (tmp.path, "-shm", NULL);
  g_unlink (junk);
  history = sy_quota_history_new (tmp.path, &error);
  g_assert_null (history);
  g_assert_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_CORRUPT);

  tmp_clear (&tmp);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Whole minutes, some days back: every reading is in the past. */
  base_us = (g_get_real_time () / MINUTE) * MINUTE - 2 * DAY;

  g_test_add_func ("/quota-history/round-trip", test_round_trip);
  g_test_add_func ("/quota-history/dedupe", test_dedupe);
  g_test_add_func ("/quota-history/reopen", test_reopen);
  g_test_add_func ("/quota-history/range", test_range);
  g_test_add_func ("/quota-history/retention", test_retention);
  g_test_add_func ("/quota-history/forecast", test_forecast);
  g_test_add_func ("/quota-history/file", test_file);

  return g_test_run ();
}
