/* test-usage.c: the persistent usage store (series, roll-ups, retention,
 * the CLIProxyAPI snapshot, durability across a SIGKILL)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "sy-usage.h"

#define MINUTE_US (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)
#define HOUR_US   (60 * MINUTE_US)
#define DAY_US    SY_USAGE_DAY_US
/* A UTC midnight: 2024-10-04. */
#define BASE_US   (G_GINT64_CONSTANT (20000) * DAY_US)

static const char *self_exe;

/* -- Fixtures ------------------------------------------------------------- */

typedef struct
{
  char *dir;      /* the temporary directory */
  char *path;     /* dir/sub/usage.db: "sub" is made by the store */
} Tmp;

static void
tmp_init (Tmp *tmp)
{
  g_autoptr(GError) error = NULL;

  tmp->dir = g_dir_make_tmp ("sy-usage-XXXXXX", &error);
  g_assert_no_error (error);
  tmp->path = g_build_filename (tmp->dir, "sub", "usage.db", NULL);
}

static void
tmp_clear (Tmp *tmp)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
  g_autofree char *sub = g_path_get_dirname (tmp->path);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (tmp->path, suffixes[i], NULL);

      g_unlink (file);
    }
  g_rmdir (sub);
  g_rmdir (tmp->dir);
  g_free (tmp->path);
  g_free (tmp->dir);
}

static SyUsageStore *
open_store (const char *path)
{
  g_autoptr(GError) error = NULL;
  SyUsageStore *store = sy_usage_store_new (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static SyUsageRecord
rec (gint64      time_us,
     const char *model,
     const char *account,
     const char *key,
     guint       status,
     gint64      in,
     gint64      out)
{
  SyUsageRecord r = { 0 };

  r.time_us = time_us;
  r.model_served = (char *) model;
  r.account_id = (char *) account;
  r.key_id = (char *) key;
  r.status = status;
  r.input_tokens = in;
  r.output_tokens = out;
  return r;
}

/* -- Running the async calls to completion -------------------------------- */

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

static void
flush (SyUsageStore *store)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  sy_usage_store_flush_async (store, NULL, got_result, &result);
  g_assert_true (sy_usage_store_flush_finish (store, wait_result (&result), &error));
  g_assert_no_error (error);
}

static JsonObject *
series (SyUsageStore *store,
        gint64        from,
        gint64        to,
        gint64        step,
        const char   *group)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  sy_usage_store_query_series_async (store, from, to, step, group, NULL, got_result, &result);
  node = sy_usage_store_query_series_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  return json_object_ref (json_node_get_object (node));
}

static JsonObject *
snapshot (SyUsageStore *store,
          gint64        since)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  sy_usage_store_snapshot_async (store, since, NULL, got_result, &result);
  node = sy_usage_store_snapshot_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  return json_object_ref (json_node_get_object (node));
}

/* The series of @group ("" for the null group), or NULL. */
static JsonArray *
points_of (JsonObject *result,
           const char *group)
{
  JsonArray *list = json_object_get_array_member (result, "series");
  guint i;

  for (i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *s = json_array_get_object_element (list, i);
      const char *g = json_object_get_null_member (s, "group") ? "" : json_object_get_string_member (s, "group");

      if (g_str_equal (g, group))
        return json_object_get_array_member (s, "points");
    }
  return NULL;
}

static void
assert_point (JsonArray *points,
              guint      index,
              gint64     t,
              gint64     requests,
              gint64     failed,
              gint64     in,
              gint64     out)
{
  JsonObject *p;

  g_assert_nonnull (points);
  g_assert_cmpuint (index, <, json_array_get_length (points));
  p = json_array_get_object_element (points, index);
  g_assert_cmpint (json_object_get_int_member (p, "t"), ==, t);
  g_assert_cmpint (json_object_get_int_member (p, "requests"), ==, requests);
  g_assert_cmpint (json_object_get_int_member (p, "failed"), ==, failed);
  g_assert_cmpint (json_object_get_int_member (p, "input_tokens"), ==, in);
  g_assert_cmpint (json_object_get_int_member (p, "output_tokens"), ==, out);
}

static gint64
count_rows (const char *path,
            const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* -- Tests ---------------------------------------------------------------- */

static void
add_series_records (SyUsageStore *store)
{
  SyUsageRecord r1 = rec (BASE_US + 10 * MINUTE_US + 5 * G_USEC_PER_SEC, "gpt-5", "acc-a", "k1", 200, 100, 10);
  SyUsageRecord r2 = rec (BASE_US + 10 * MINUTE_US + 30 * G_USEC_PER_SEC, "gpt-5", "acc-b", "k2", 500, 50, 0);
  SyUsageRecord r3 = rec (BASE_US + 12 * MINUTE_US, "", "acc-a", "k1", 429, 7, 3);
  SyUsageRecord r4 = rec (BASE_US + DAY_US + HOUR_US, "gpt-5", "acc-a", "k1", 200, 1000, 100);
  SyUsageRecord r5 = rec (BASE_US - G_USEC_PER_SEC, "gpt-5", "acc-a", "k1", 200, 1, 1);

  r3.model_asked = (char *) "claude-x";   /* no served model: grouped by the asked one */
  sy_usage_store_add (store, &r1);
  sy_usage_store_add (store, &r2);
  sy_usage_store_add (store, &r3);
  sy_usage_store_add (store, &r4);
  sy_usage_store_add (store, &r5);
}

static void
test_series (void)
{
  Tmp tmp;
  g_autoptr(SyUsageStore) store = NULL;
  g_autoptr(JsonObject) by_model = NULL;
  g_autoptr(JsonObject) by_account = NULL;
  g_autoptr(JsonObject) by_key = NULL;
  g_autoptr(JsonObject) all = NULL;
  g_autoptr(JsonObject) window = NULL;
  g_autoptr(JsonObject) until = NULL;
  g_autoptr(JsonObject) days = NULL;
  g_autoptr(JsonObject) unaligned = NULL;
  g_autoptr(JsonObject) two_days = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) bad = NULL;
  JsonArray *p;

  tmp_init (&tmp);
  store = open_store (tmp.path);
  add_series_records (store);
  flush (store);

  /* Minutes, by model. */
  by_model = series (store, BASE_US, BASE_US + 2 * DAY_US, MINUTE_US, "model");
  g_assert_cmpint (json_object_get_int_member (by_model, "from"), ==, BASE_US);
  g_assert_cmpint (json_object_get_int_member (by_model, "to"), ==, BASE_US + 2 * DAY_US);
  g_assert_cmpint (json_object_get_int_member (by_model, "step"), ==, MINUTE_US);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (by_model, "series")), ==, 2);
  p = points_of (by_model, "gpt-5");
  g_assert_cmpuint (json_array_get_length (p), ==, 2);
  assert_point (p, 0, BASE_US + 10 * MINUTE_US, 2, 1, 150, 10);
  assert_point (p, 1, BASE_US + DAY_US + HOUR_US, 1, 0, 1000, 100);
  p = points_of (by_model, "claude-x");
  g_assert_cmpuint (json_array_get_length (p), ==, 1);
  assert_point (p, 0, BASE_US + 12 * MINUTE_US, 1, 1, 7, 3);

  /* By account and by key. */
  by_account = series (store, BASE_US, BASE_US + 2 * DAY_US, MINUTE_US, "account");
  p = points_of (by_account, "acc-a");
  g_assert_cmpuint (json_array_get_length (p), ==, 3);
  assert_point (p, 0, BASE_US + 10 * MINUTE_US, 1, 0, 100, 10);
  assert_point (p, 1, BASE_US + 12 * MINUTE_US, 1, 1, 7, 3);
  assert_point (p, 2, BASE_US + DAY_US + HOUR_US, 1, 0, 1000, 100);
  p = points_of (by_account, "acc-b");
  g_assert_cmpuint (json_array_get_length (p), ==, 1);
  assert_point (p, 0, BASE_US + 10 * MINUTE_US, 1, 1, 50, 0);
  by_key = series (store, BASE_US, BASE_US + 2 * DAY_US, MINUTE_US, "key");
  g_assert_cmpuint (json_array_get_length (points_of (by_key, "k1")), ==, 3);
  assert_point (points_of (by_key, "k2"), 0, BASE_US + 10 * MINUTE_US, 1, 1, 50, 0);
  g_assert_null (points_of (by_key, "acc-a"));

  /* Ungrouped: one series whose group is null; 10-minute buckets. */
  all = series (store, BASE_US, BASE_US + 2 * DAY_US, 10 * MINUTE_US, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (all, "series")), ==, 1);
  p = points_of (all, "");
  g_assert_cmpuint (json_array_get_length (p), ==, 2);
  assert_point (p, 0, BASE_US + 10 * MINUTE_US, 3, 2, 157, 13);
  assert_point (p, 1, BASE_US + DAY_US + HOUR_US, 1, 0, 1000, 100);

  /* From is included, to excluded; the record before BASE_US never shows. */
  window = series (store, BASE_US + 11 * MINUTE_US, BASE_US + DAY_US, MINUTE_US, NULL);
  p = points_of (window, "");
  g_assert_cmpuint (json_array_get_length (p), ==, 1);
  assert_point (p, 0, BASE_US + 12 * MINUTE_US, 1, 1, 7, 3);
  until = series (store, BASE_US - DAY_US, BASE_US + 12 * MINUTE_US, HOUR_US, NULL);
  p = points_of (until, "");
  g_assert_cmpuint (json_array_get_length (p), ==, 2);
  assert_point (p, 0, BASE_US - HOUR_US, 1, 0, 1, 1);
  assert_point (p, 1, BASE_US, 2, 1, 150, 10);

  /* Days (the roll-ups), by model. */
  days = series (store, BASE_US, BASE_US + 2 * DAY_US, DAY_US, "model");
  p = points_of (days, "gpt-5");
  g_assert_cmpuint (json_array_get_length (p), ==, 2);
  assert_point (p, 0, BASE_US, 2, 1, 150, 10);
  assert_point (p, 1, BASE_US + DAY_US, 1, 0, 1000, 100);
  assert_point (points_of (days, "claude-x"), 0, BASE_US, 1, 1, 7, 3);
  /* Bounds inside a day widen to the whole day. */
  unaligned = series (store, BASE_US + 3 * HOUR_US, BASE_US + DAY_US + 1, DAY_US, NULL);
  g_assert_cmpint (json_object_get_int_member (unaligned, "from"), ==, BASE_US);
  g_assert_cmpint (json_object_get_int_member (unaligned, "to"), ==, BASE_US + 2 * DAY_US);
  g_assert_cmpuint (json_array_get_length (points_of (unaligned, "")), ==, 2);
  two_days = series (store, BASE_US, BASE_US + 2 * DAY_US, 2 * DAY_US, "account");
  assert_point (points_of (two_days, "acc-a"), 0, BASE_US, 3, 1, 1107, 113);

  /* An unknown group is an error, not a crash. */
  sy_usage_store_query_series_async (store, 0, BASE_US, MINUTE_US, "nope", NULL, got_result, &result);
  bad = sy_usage_store_query_series_finish (store, wait_result (&result), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (bad);

  sy_usage_store_close (store);
  tmp_clear (&tmp);
}

static void
test_round_trip (void)
{
  Tmp tmp;
  g_autoptr(SyUsageStore) store = NULL;
  g_autoptr(SyUsageRecord) copy = NULL;
  SyUsageRecord r = { 0 };
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  r.time_us = BASE_US + 123456789;
  r.key_id = (char *) "8c1d0e";
  r.key_label = (char *) "sk-...abcd";
  r.account_id = (char *) "me@x.com";
  r.provider = (char *) "codex";
  r.model_asked = (char *) "gpt-5(high)";
  r.model_served = (char *) "gpt-5-codex";
  r.client_format = (char *) "openai";
  r.upstream_format = (char *) "codex";
  r.stream = TRUE;
  r.status = 201;
  r.latency_us = 1834000;
  r.ttfb_us = 250000;
  r.input_tokens = 1200;
  r.output_tokens = 80;
  r.cached_tokens = 1024;
  r.reasoning_tokens = 64;
  r.retries = 2;

  /* The copy owns its strings. */
  copy = sy_usage_record_copy (&r);
  g_assert_true (copy->model_served != r.model_served);
  g_assert_cmpstr (copy->model_served, ==, r.model_served);

  tmp_init (&tmp);
  store = open_store (tmp.path);
  sy_usage_store_add (store, copy);
  /* Closing without a flush still writes it. */
  sy_usage_store_close (store);

  g_assert_cmpint (sqlite3_open_v2 (tmp.path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                   "SELECT time_us, key_id, key_label, account_id, provider, model_asked, model_served,"
                   " client_format, upstream_format, stream, status, latency_us, ttfb_us,"
                   " input_tokens, output_tokens, cached_tokens, reasoning_tokens, retries FROM requests",
                   -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, r.time_us);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 1), ==, "8c1d0e");
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 2), ==, "sk-...abcd");
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 3), ==, "me@x.com");
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 4), ==, "codex");
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 5), ==, "gpt-5(high)");
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 6), ==, "gpt-5-codex");
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 7), ==, "openai");
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 8), ==, "codex");
  g_assert_cmpint (sqlite3_column_int64 (stmt, 9), ==, 1);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 10), ==, 201);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 11), ==, 1834000);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 12), ==, 250000);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 13), ==, 1200);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 14), ==, 80);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 15), ==, 1024);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 16), ==, 64);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 17), ==, 2);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  tmp_clear (&tmp);
}

/* Counts out of 0..SY_USAGE_TOKENS_MAX are kept at its ends: four
 * records of G_MAXINT64 tokens in one minute add up to four times the
 * maximum. Unclamped, the sums overflowed: undefined behaviour in the
 * roll-up, and SQLite refused every later query of those rows ("integer
 * overflow"), so one absurd count from an upstream broke the charts. */
static void
test_token_bounds (void)
{
  Tmp tmp;
  g_autoptr(SyUsageStore) store = NULL;
  g_autoptr(JsonObject) all = NULL;
  JsonArray *p;

  tmp_init (&tmp);
  store = open_store (tmp.path);
  for (int i = 0; i < 4; i++)
    {
      SyUsageRecord r = rec (BASE_US + i * G_USEC_PER_SEC, "gpt-5", "acc-a", "k1", 200,
                             G_MAXINT64, G_MININT64 + 1);

      r.cached_tokens = G_MAXINT64;
      r.reasoning_tokens = -1;
      sy_usage_store_add (store, &r);
    }
  flush (store);
  all = series (store, BASE_US, BASE_US + HOUR_US, MINUTE_US, "model");
  p = points_of (all, "gpt-5");
  g_assert_cmpuint (json_array_get_length (p), ==, 1);
  assert_point (p, 0, BASE_US, 4, 0, 4 * SY_USAGE_TOKENS_MAX, 0);
  sy_usage_store_close (store);
  g_assert_cmpint (count_rows (tmp.path, "SELECT count(*) FROM requests WHERE input_tokens = 1000000000000"
                                         " AND output_tokens = 0 AND cached_tokens = 1000000000000"
                                         " AND reasoning_tokens = 0"), ==, 4);
  tmp_clear (&tmp);
}

/* Sums the points of every series into @sums: "group|day" -> requests,failed,in,out. */
static GHashTable *
sum_by_day (JsonObject *result)
{
  GHashTable *sums = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonArray *list = json_object_get_array_member (result, "series");
  guint i, j;

  for (i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *s = json_array_get_object_element (list, i);
      JsonArray *points = json_object_get_array_member (s, "points");

      for (j = 0; j < json_array_get_length (points); j++)
        {
          JsonObject *p = json_array_get_object_element (points, j);
          g_autofree char *k = g_strdup_printf ("%s|%" G_GINT64_FORMAT,
                                                json_object_get_string_member (s, "group"),
                                                json_object_get_int_member (p, "t") / DAY_US);
          gint64 *v = g_hash_table_lookup (sums, k);

          if (v == NULL)
            {
              v = g_new0 (gint64, 4);
              g_hash_table_insert (sums, g_steal_pointer (&k), v);
            }
          v[0] += json_object_get_int_member (p, "requests");
          v[1] += json_object_get_int_member (p, "failed");
          v[2] += json_object_get_int_member (p, "input_tokens");
          v[3] += json_object_get_int_member (p, "output_tokens");
        }
    }
  return sums;
}

static void
test_rollup (void)
{
  const char *groups[] = { "model", "account", "key" };
  const char *models[] = { "gpt-5", "claude-sonnet", "gemini-pro" };
  const char *accounts[] = { "a1", "a2" };
  const char *keys[] = { "k1", "k2", "k3", "k4" };
  const guint statuses[] = { 200, 200, 200, 429, 500, 0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(SyUsageStore) store = NULL;
  Tmp tmp;
  guint i;

  tmp_init (&tmp);
  store = open_store (tmp.path);
  for (i = 0; i < 600; i++)
    {
      SyUsageRecord r = rec (BASE_US + (gint64) g_rand_int_range (rand, 0, 5 * 24 * 3600) * G_USEC_PER_SEC,
                             models[g_rand_int_range (rand, 0, G_N_ELEMENTS (models))],
                             accounts[g_rand_int_range (rand, 0, G_N_ELEMENTS (accounts))],
                             keys[g_rand_int_range (rand, 0, G_N_ELEMENTS (keys))],
                             statuses[g_rand_int_range (rand, 0, G_N_ELEMENTS (statuses))],
                             g_rand_int_range (rand, 0, 5000), g_rand_int_range (rand, 0, 500));

      sy_usage_store_add (store, &r);
    }
  flush (store);

  g_assert_cmpint (count_rows (tmp.path, "SELECT SUM(requests) FROM daily"), ==, 600);
  for (i = 0; i < G_N_ELEMENTS (groups); i++)
    {
      g_autoptr(JsonObject) hourly = series (store, BASE_US, BASE_US + 5 * DAY_US, HOUR_US, groups[i]);
      g_autoptr(JsonObject) daily = series (store, BASE_US, BASE_US + 5 * DAY_US, DAY_US, groups[i]);
      g_autoptr(GHashTable) raw = sum_by_day (hourly);
      g_autoptr(GHashTable) rolled = sum_by_day (daily);
      GHashTableIter iter;
      gpointer k, v;

      g_assert_cmpuint (g_hash_table_size (raw), >, 5);
      g_assert_cmpuint (g_hash_table_size (raw), ==, g_hash_table_size (rolled));
      g_hash_table_iter_init (&iter, raw);
      while (g_hash_table_iter_next (&iter, &k, &v))
        {
          gint64 *a = v;
          gint64 *b = g_hash_table_lookup (rolled, k);

          g_assert_nonnull (b);
          g_assert_cmpmem (a, 4 * sizeof (gint64), b, 4 * sizeof (gint64));
        }
    }

  sy_usage_store_close (store);
  tmp_clear (&tmp);
}

static gint64
total_requests (JsonObject *result)
{
  JsonArray *list = json_object_get_array_member (result, "series");
  gint64 n = 0;
  guint i, j;

  for (i = 0; i < json_array_get_length (list); i++)
    {
      JsonArray *points = json_object_get_array_member (json_array_get_object_element (list, i), "points");

      for (j = 0; j < json_array_get_length (points); j++)
        n += json_object_get_int_member (json_array_get_object_element (points, j), "requests");
    }
  return n;
}

static void
test_retention (void)
{
  gint64 now = g_get_real_time ();
  SyUsageRecord old1 = rec (now - 10 * DAY_US, "m", "a", "k", 200, 1, 1);
  SyUsageRecord old2 = rec (now - 10 * DAY_US + G_USEC_PER_SEC, "m", "a", "k", 500, 1, 1);
  SyUsageRecord fresh = rec (now - HOUR_US, "m", "a", "k", 200, 1, 1);
  g_autoptr(SyUsageStore) store = NULL;
  g_autoptr(JsonObject) raw_before = NULL;
  g_autoptr(JsonObject) raw_after = NULL;
  g_autoptr(JsonObject) daily = NULL;
  Tmp tmp;

  tmp_init (&tmp);
  store = open_store (tmp.path);
  sy_usage_store_add (store, &old1);
  sy_usage_store_add (store, &old2);
  sy_usage_store_add (store, &fresh);
  flush (store);
  /* The default (400 days) keeps all three. */
  raw_before = series (store, now - 20 * DAY_US, now + HOUR_US, HOUR_US, NULL);
  g_assert_cmpint (total_requests (raw_before), ==, 3);

  sy_usage_store_set_retention_days (store, 5);
  flush (store);
  raw_after = series (store, now - 20 * DAY_US, now + HOUR_US, HOUR_US, NULL);
  g_assert_cmpint (total_requests (raw_after), ==, 1);
  g_assert_cmpint (count_rows (tmp.path, "SELECT COUNT(*) FROM requests"), ==, 1);
  /* The roll-ups keep the pruned days. */
  daily = series (store, now - 20 * DAY_US, now + HOUR_US, DAY_US, NULL);
  g_assert_cmpint (total_requests (daily), ==, 3);
  g_assert_cmpint (count_rows (tmp.path, "SELECT SUM(failed) FROM daily"), ==, 1);

  sy_usage_store_close (store);
  tmp_clear (&tmp);
}

static char *
local_format (gint64      time_us,
              const char *format)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);

  return g_date_time_format (dt, format);
}

static void
test_snapshot (void)
{
  /* 2026-04-14T10:05:00Z and a few seconds on: the same local hour anywhere. */
  gint64 t0 = G_GINT64_CONSTANT (1776161100) * G_USEC_PER_SEC + 123456;
  SyUsageRecord r1 = rec (t0, "gpt-5-codex", "me@x.com", "h1", 200, 1200, 80);
  SyUsageRecord r2 = rec (t0 + 10 * G_USEC_PER_SEC, "gpt-5-codex", "me@x.com", "h1", 502, 0, 0);
  SyUsageRecord r3 = rec (t0 + 20 * G_USEC_PER_SEC, NULL, NULL, NULL, 200, 0, 0);
  SyUsageRecord r4 = rec (t0 + 30 * G_USEC_PER_SEC, "gpt-5", "you@x.com", "hash123", 200, 10, 20);
  g_autoptr(SyUsageStore) store = NULL;
  g_autoptr(JsonObject) usage = NULL;
  g_autoptr(JsonObject) later = NULL;
  g_autoptr(GDateTime) parsed = NULL;
  g_autoptr(GRegex) rfc3339 = NULL;
  g_autofree char *day = local_format (t0, "%Y-%m-%d");
  g_autofree char *hour = local_format (t0, "%H");
  JsonObject *apis, *api, *model, *detail, *tokens;
  JsonArray *details;
  Tmp tmp;

  r1.key_label = r2.key_label = (char *) "sk-...abcd";
  r1.latency_us = 1834567;
  r1.reasoning_tokens = 64;
  r1.cached_tokens = 1024;
  r3.provider = (char *) "codex";
  r3.cached_tokens = 5;     /* nothing else: the total falls back to it */

  tmp_init (&tmp);
  store = open_store (tmp.path);
  sy_usage_store_add (store, &r1);
  sy_usage_store_add (store, &r2);
  sy_usage_store_add (store, &r3);
  sy_usage_store_add (store, &r4);
  usage = snapshot (store, 0);

  g_assert_cmpint (json_object_get_int_member (usage, "total_requests"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (usage, "success_count"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (usage, "failure_count"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (usage, "total_tokens"), ==, 1344 + 0 + 5 + 30);

  /* apis: the key's label, else its id, else the provider. */
  apis = json_object_get_object_member (usage, "apis");
  g_assert_cmpuint (json_object_get_size (apis), ==, 3);
  api = json_object_get_object_member (apis, "sk-...abcd");
  g_assert_cmpint (json_object_get_int_member (api, "total_requests"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (api, "total_tokens"), ==, 1344);
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (api, "models")), ==, 1);
  model = json_object_get_object_member (json_object_get_object_member (api, "models"), "gpt-5-codex");
  g_assert_cmpint (json_object_get_int_member (model, "total_requests"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (model, "total_tokens"), ==, 1344);
  details = json_object_get_array_member (model, "details");
  g_assert_cmpuint (json_array_get_length (details), ==, 2);

  detail = json_array_get_object_element (details, 0);
  g_assert_cmpuint (json_object_get_size (detail), ==, 6);
  rfc3339 = g_regex_new ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}[+-]\\d\\d:\\d\\d$", 0, 0, NULL);
  g_assert_true (g_regex_match (rfc3339, json_object_get_string_member (detail, "timestamp"), 0, NULL));
  parsed = g_date_time_new_from_iso8601 (json_object_get_string_member (detail, "timestamp"), NULL);
  g_assert_nonnull (parsed);
  g_assert_cmpint (g_date_time_to_unix (parsed) * G_USEC_PER_SEC + g_date_time_get_microsecond (parsed), ==, t0);
  g_assert_cmpint (json_object_get_int_member (detail, "latency_ms"), ==, 1834);
  g_assert_cmpstr (json_object_get_string_member (detail, "source"), ==, "me@x.com");
  g_assert_cmpuint (strlen (json_object_get_string_member (detail, "auth_index")), ==, 16);
  g_assert_false (json_object_get_boolean_member (detail, "failed"));
  tokens = json_object_get_object_member (detail, "tokens");
  g_assert_cmpuint (json_object_get_size (tokens), ==, 5);
  g_assert_cmpint (json_object_get_int_member (tokens, "input_tokens"), ==, 1200);
  g_assert_cmpint (json_object_get_int_member (tokens, "output_tokens"), ==, 80);
  g_assert_cmpint (json_object_get_int_member (tokens, "reasoning_tokens"), ==, 64);
  g_assert_cmpint (json_object_get_int_member (tokens, "cached_tokens"), ==, 1024);
  g_assert_cmpint (json_object_get_int_member (tokens, "total_tokens"), ==, 1344);
  detail = json_array_get_object_element (details, 1);
  g_assert_true (json_object_get_boolean_member (detail, "failed"));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (details, 0), "auth_index"),
                   ==, json_object_get_string_member (detail, "auth_index"));

  api = json_object_get_object_member (apis, "codex");
  model = json_object_get_object_member (json_object_get_object_member (api, "models"), "unknown");
  g_assert_cmpint (json_object_get_int_member (model, "total_tokens"), ==, 5);
  api = json_object_get_object_member (apis, "hash123");
  g_assert_cmpint (json_object_get_int_member (api, "total_tokens"), ==, 30);
  g_assert_true (json_object_has_member (json_object_get_object_member (api, "models"), "gpt-5"));

  /* Days and hours in local time. */
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (usage, "requests_by_day")), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (usage, "requests_by_day"), day), ==, 4);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (usage, "requests_by_hour"), hour), ==, 4);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (usage, "tokens_by_day"), day), ==, 1379);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (usage, "tokens_by_hour"), hour), ==, 1379);
  g_assert_cmpuint (strlen (hour), ==, 2);

  /* since_us leaves the earlier ones out. */
  later = snapshot (store, r4.time_us);
  g_assert_cmpint (json_object_get_int_member (later, "total_requests"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (later, "total_tokens"), ==, 30);
  g_assert_false (json_object_has_member (json_object_get_object_member (later, "apis"), "sk-...abcd"));

  sy_usage_store_close (store);
  tmp_clear (&tmp);
}

static void
test_many (void)
{
  g_autoptr(SyUsageStore) store = NULL;
  g_autoptr(JsonObject) raw = NULL;
  g_autoptr(JsonObject) daily = NULL;
  gint64 start, elapsed;
  Tmp tmp;
  guint i;

  tmp_init (&tmp);
  store = open_store (tmp.path);
  start = g_get_monotonic_time ();
  for (i = 0; i < 10000; i++)
    {
      SyUsageRecord r = rec (BASE_US + (gint64) i * G_USEC_PER_SEC / 10, i % 2 ? "m1" : "m2", "acc", "key", 200, i, 1);

      sy_usage_store_add (store, &r);
    }
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("10000 adds: %" G_GINT64_FORMAT " us", elapsed);
  /* Copies onto a queue: far below a disk write each (loose, for sanitizers). */
  g_assert_cmpint (elapsed, <, 2 * G_USEC_PER_SEC);

  flush (store);
  raw = series (store, BASE_US, BASE_US + DAY_US, HOUR_US, "model");
  g_assert_cmpint (total_requests (raw), ==, 10000);
  daily = series (store, BASE_US, BASE_US + DAY_US, DAY_US, NULL);
  assert_point (points_of (daily, ""), 0, BASE_US, 10000, 0, 9999 * 10000 / 2, 10000);

  sy_usage_store_close (store);
  tmp_clear (&tmp);
}

/* The child of test_durability: adds a record every 2 ms until killed.
 * input_tokens numbers them from 0. */
static int
run_writer (const char *path)
{
  g_autoptr(SyUsageStore) store = open_store (path);
  gint64 i;

  for (i = 0; ; i++)
    {
      SyUsageRecord r = rec (g_get_real_time (), "m", "a", "k", 200, i, 0);

      sy_usage_store_add (store, &r);
      if (i == 0)
        {
          g_assert_cmpint (write (STDOUT_FILENO, "R", 1), ==, 1);
        }
      g_usleep (2000);
    }
  return 0;
}

static void
test_durability (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyUsageStore) reopened = NULL;
  g_autoptr(JsonObject) all = NULL;
  const char *argv[] = { self_exe, "--writer", NULL, NULL };
  GPid pid;
  int out_fd, status;
  char c;
  gint64 killed_at, count, first, last, last_time;
  Tmp tmp;

  tmp_init (&tmp);
  argv[2] = tmp.path;
  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (read (out_fd, &c, 1), ==, 1);
  close (out_fd);

  g_usleep (3 * G_USEC_PER_SEC);
  killed_at = g_get_real_time ();
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  g_spawn_close_pid (pid);

  /* What is on disk is a prefix of what was added (no gaps), and reaches
   * to within 1.5 s of the kill: a crash loses about a second at most. */
  count = count_rows (tmp.path, "SELECT COUNT(*) FROM requests");
  first = count_rows (tmp.path, "SELECT MIN(input_tokens) FROM requests");
  last = count_rows (tmp.path, "SELECT MAX(input_tokens) FROM requests");
  last_time = count_rows (tmp.path, "SELECT MAX(time_us) FROM requests");
  g_test_message ("%" G_GINT64_FORMAT " records, last %" G_GINT64_FORMAT " ms before the kill",
                  count, (killed_at - last_time) / 1000);
  g_assert_cmpint (count, >, 100);
  g_assert_cmpint (first, ==, 0);
  g_assert_cmpint (last, ==, count - 1);
  g_assert_cmpint (last_time, >=, killed_at - 3 * G_USEC_PER_SEC / 2);
  g_assert_cmpint (count_rows (tmp.path, "SELECT SUM(requests) FROM daily"), ==, count);

  /* And the store opens it again. */
  reopened = open_store (tmp.path);
  all = series (reopened, 0, killed_at + 1, DAY_US, NULL);
  g_assert_cmpint (total_requests (all), ==, count);

  sy_usage_store_close (reopened);
  tmp_clear (&tmp);
}

static void
test_file_mode (void)
{
  g_autoptr(SyUsageStore) store = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *wal = NULL;
  SyUsageRecord r = rec (BASE_US, "m", "a", "k", 200, 1, 1);
  GStatBuf st;
  Tmp tmp;

  tmp_init (&tmp);
  store = open_store (tmp.path);
  sy_usage_store_add (store, &r);
  flush (store);

  dir = g_path_get_dirname (tmp.path);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (tmp.path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  /* WAL mode, and its log has the same mode. */
  wal = g_strconcat (tmp.path, "-wal", NULL);
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  sy_usage_store_close (store);
  tmp_clear (&tmp);
}

static void
test_bad_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyUsageStore) store = NULL;
  g_autoptr(GString) junk = g_string_new (NULL);
  g_autofree char *dir = NULL;
  Tmp tmp;

  tmp_init (&tmp);
  dir = g_path_get_dirname (tmp.path);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  while (junk->len < 8192)
    g_string_append (junk, "this is a config file, not a database. ");
  g_assert_true (g_file_set_contents (tmp.path, junk->str, junk->len, NULL));

  store = sy_usage_store_new (tmp.path, &error);
  g_assert_null (store);
  g_assert_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, tmp.path));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  /* Left as it was. */
  {
    g_autofree char *after = NULL;
    gsize len;

    g_assert_true (g_file_get_contents (tmp.path, &after, &len, NULL));
    g_assert_cmpmem (after, len, junk->str, junk->len);
  }
  g_unlink (tmp.path);

  /* A directory where the file should be. */
  g_assert_cmpint (g_mkdir (tmp.path, 0700), ==, 0);
  store = sy_usage_store_new (tmp.path, &error);
  g_assert_null (store);
  g_assert_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_OPEN);
  g_clear_error (&error);
  g_rmdir (tmp.path);

  tmp_clear (&tmp);
}

static void
test_closed (void)
{
  g_autoptr(SyUsageStore) store = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SyUsageRecord r = rec (BASE_US, "m", "a", "k", 200, 1, 1);
  Tmp tmp;

  tmp_init (&tmp);
  store = open_store (tmp.path);
  sy_usage_store_add (store, &r);
  sy_usage_store_close (store);
  sy_usage_store_close (store);
  sy_usage_store_add (store, &r);   /* dropped */
  sy_usage_store_set_retention_days (store, 1);
  sy_usage_store_flush_async (store, NULL, got_result, &result);
  g_assert_false (sy_usage_store_flush_finish (store, wait_result (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_cmpint (count_rows (tmp.path, "SELECT COUNT(*) FROM requests"), ==, 1);

  g_clear_object (&store);
  tmp_clear (&tmp);
}

int
main (int    argc,
      char **argv)
{
  if (argc == 3 && g_str_equal (argv[1], "--writer"))
    return run_writer (argv[2]);
  self_exe = argv[0];

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/usage/series", test_series);
  g_test_add_func ("/usage/round-trip", test_round_trip);
  g_test_add_func ("/usage/token-bounds", test_token_bounds);
  g_test_add_func ("/usage/rollup", test_rollup);
  g_test_add_func ("/usage/retention", test_retention);
  g_test_add_func ("/usage/snapshot", test_snapshot);
  g_test_add_func ("/usage/many", test_many);
  g_test_add_func ("/usage/durability", test_durability);
  g_test_add_func ("/usage/file-mode", test_file_mode);
  g_test_add_func ("/usage/bad-files", test_bad_files);
  g_test_add_func ("/usage/closed", test_closed);
  return g_test_run ();
}
