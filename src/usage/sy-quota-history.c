/* sy-quota-history.c: readings of quota windows over time (SQLite, one worker)
 *
 * Built like the usage store (sy-usage.c), on the same worker
 * (sy-db-worker.c): one thread owns the connection. It decides which
 * readings to keep, against the last one kept per account and window
 * (remembered in memory, read from the file the first time a pair comes),
 * batches them for at most a second and commits them in one transaction;
 * anything else it does (flush, queries) comes after committing the batch.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-usage"

#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-db-worker.h"
#include "sy-quota-history.h"
#include "sy-sqlite.h"
#include "sy-usage.h"

#define WHAT             "Quota database"
#define SCHEMA_VERSION   1
/* The forecast reads this far back when the window's length is unknown. */
#define FORECAST_LOOKBACK_US (8 * SY_USAGE_DAY_US)

/* A reading offered to the history. */
typedef struct
{
  char          *account_id;
  SyQuotaWindow *window;
} Reading;

/* What a query, a range or a forecast (to_us: now) asks for. */
typedef struct
{
  char   *account_id;
  char   *window_id;
  gint64  from_us, to_us;
} Query;

/* The last reading kept of one account and window. */
typedef struct
{
  double remaining;
  gint64 reset_us;
  gint64 observed_us;
} Last;

/* The worker's state: only its thread touches it, and frees it on exit. */
typedef struct
{
  char        *path;
  sqlite3     *db;
  GHashTable  *last;        /* "account\x1fwindow" -> Last* */
} Worker;

struct _SyQuotaHistory
{
  GObject     parent_instance;

  SyDbWorker *worker;       /* its state: a Worker */
};

G_DEFINE_FINAL_TYPE (SyQuotaHistory, sy_quota_history, G_TYPE_OBJECT)

static void
reading_free (Reading *reading)
{
  g_free (reading->account_id);
  sy_quota_window_free (reading->window);
  g_free (reading);
}

static Query *
query_new (const char *account_id,
           const char *window_id,
           gint64      from_us,
           gint64      to_us)
{
  Query *query = g_new (Query, 1);

  query->account_id = g_strdup (account_id);
  query->window_id = g_strdup (window_id);
  query->from_us = from_us;
  query->to_us = to_us;
  return query;
}

static void
query_free (Query *query)
{
  g_free (query->account_id);
  g_free (query->window_id);
  g_free (query);
}

static const char schema_sql[] =
  "CREATE TABLE IF NOT EXISTS readings ("
  "  id INTEGER PRIMARY KEY,"
  "  account_id TEXT NOT NULL,"
  "  window_id TEXT NOT NULL,"
  "  label TEXT NOT NULL DEFAULT '',"
  "  model TEXT,"                         /* NULL: the window meters the account */
  "  remaining REAL NOT NULL,"
  "  reset_us INTEGER NOT NULL DEFAULT 0,"
  "  window_us INTEGER NOT NULL DEFAULT 0,"
  "  observed_us INTEGER NOT NULL,"
  "  source TEXT NOT NULL DEFAULT '');"
  "CREATE INDEX IF NOT EXISTS readings_window ON readings (account_id, window_id, observed_us);"
  "CREATE INDEX IF NOT EXISTS readings_time ON readings (observed_us);";

/* -- Worker: keeping ---------------------------------------------------------- */

static gboolean
same_reset (gint64 a,
            gint64 b)
{
  return (a == 0 && b == 0) || (a != 0 && b != 0 && ABS (a - b) <= SY_QUOTA_RESET_SLACK_US);
}

/* The last reading kept of the pair, from memory or else from the file;
 * NULL when there is none, or when it cannot be read (@error set). */
static Last *
lookup_last (Worker      *self,
             const char  *key,
             const char  *account_id,
             const char  *window_id,
             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  Last *last = g_hash_table_lookup (self->last, key);

  if (last != NULL)
    return last;
  stmt = sy_sqlite_prepare (self->db, WHAT, self->path,
                            "SELECT remaining, reset_us, observed_us FROM readings"
                            " WHERE account_id = ? AND window_id = ?"
                            " ORDER BY observed_us DESC, id DESC LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, window_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  last = g_new (Last, 1);
  last->remaining = sqlite3_column_double (stmt, 0);
  last->reset_us = sqlite3_column_int64 (stmt, 1);
  last->observed_us = sqlite3_column_int64 (stmt, 2);
  g_hash_table_insert (self->last, g_strdup (key), last);
  return last;
}

/* Whether @item's reading is worth keeping; remembers it when it is. */
static gboolean
keep_reading (gpointer   state,
              gpointer   item,
              GError   **error)
{
  Worker *self = state;
  const Reading *reading = item;
  const SyQuotaWindow *w = reading->window;
  g_autofree char *key = g_strdup_printf ("%s\x1f%s", reading->account_id, w->id);
  Last *last = lookup_last (self, key, reading->account_id, w->id, error);

  if (last != NULL)
    {
      if (w->observed_us < last->observed_us)
        return FALSE;
      if (fabs (w->remaining - last->remaining) < 1e-9 && same_reset (w->reset_us, last->reset_us) &&
          w->observed_us - last->observed_us < SY_QUOTA_HISTORY_INTERVAL_US)
        return FALSE;
    }
  else
    {
      last = g_new (Last, 1);
      g_hash_table_insert (self->last, g_steal_pointer (&key), last);
    }
  last->remaining = w->remaining;
  last->reset_us = w->reset_us;
  last->observed_us = w->observed_us;
  return TRUE;
}

static const char insert_sql[] =
  "INSERT INTO readings (account_id, window_id, label, model, remaining, reset_us, window_us,"
  " observed_us, source) VALUES (?,?,?,?,?,?,?,?,?)";

static gboolean
write_reading (sqlite3_stmt  *ins,
               const Reading *reading)
{
  const SyQuotaWindow *w = reading->window;

  sqlite3_reset (ins);
  sqlite3_bind_text (ins, 1, reading->account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (ins, 2, w->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (ins, 3, w->label != NULL ? w->label : w->id, -1, SQLITE_STATIC);
  if (w->model != NULL)
    sqlite3_bind_text (ins, 4, w->model, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (ins, 4);
  sqlite3_bind_double (ins, 5, w->remaining);
  sqlite3_bind_int64 (ins, 6, w->reset_us);
  sqlite3_bind_int64 (ins, 7, w->window_us);
  sqlite3_bind_int64 (ins, 8, w->observed_us);
  sqlite3_bind_text (ins, 9, sy_quota_source_to_string (w->source), -1, SQLITE_STATIC);
  return sqlite3_step (ins) == SQLITE_DONE;
}

static gboolean
write_readings (gpointer    state,
                GPtrArray  *readings,
                GError    **error)
{
  Worker *self = state;
  g_autoptr(sqlite3_stmt) ins = NULL;
  GError *local = NULL;

  if (!sy_sqlite_exec (self->db, WHAT, self->path, "BEGIN", error))
    return FALSE;
  ins = sy_sqlite_prepare (self->db, WHAT, self->path, insert_sql, &local);
  for (guint i = 0; ins != NULL && i < readings->len; i++)
    if (!write_reading (ins, g_ptr_array_index (readings, i)))
      {
        sy_sqlite_set_error (&local, self->db, sqlite3_errcode (self->db), WHAT, self->path, "cannot write");
        break;
      }
  if (!sy_sqlite_commit (self->db, WHAT, self->path, local, error))
    {
      /* What is remembered as kept was not: read it again from the file. */
      g_hash_table_remove_all (self->last);
      return FALSE;
    }
  return TRUE;
}

static gboolean
prune_readings (gpointer    state,
                gint64      before_us,
                GError    **error)
{
  Worker *self = state;

  return sy_sqlite_prune (self->db, WHAT, self->path, "DELETE FROM readings WHERE observed_us < ?", before_us,
                          error);
}

static void
worker_free (gpointer state)
{
  Worker *self = state;

  sqlite3_close (self->db);
  g_hash_table_unref (self->last);
  g_free (self->path);
  g_free (self);
}

static const SyDbWorkerClass worker_class = {
  .thread_name = "sy-quota-history",
  .name = "quota history",
  .what = WHAT,
  .items = "quota readings",
  .batch_ms = 1000,
  .item_free = (GDestroyNotify) reading_free,
  .keep = keep_reading,
  .write = write_readings,
  .prune = prune_readings,
  .free = worker_free,
};

/* -- Worker: reading ---------------------------------------------------------- */

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           index,
                   const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, index);
}

static void
set_model (JsonObject   *object,
           sqlite3_stmt *stmt,
           int           column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    json_object_remove_member (object, "model");
  else
    json_object_set_string_member (object, "model", (const char *) sqlite3_column_text (stmt, column));
}

/* The object of @id in @array (objects sorted as they come), appended when
 * the last one is another: rows come grouped. */
static JsonObject *
group_object (JsonArray  *array,
              const char *member,
              const char *id)
{
  guint n = json_array_get_length (array);
  JsonObject *object;

  if (n > 0)
    {
      object = json_array_get_object_element (array, n - 1);
      if (g_strcmp0 (json_object_get_string_member (object, member), id) == 0)
        return object;
    }
  object = json_object_new ();
  json_object_set_string_member (object, member, id);
  json_array_add_object_element (array, object);
  return object;
}

static JsonArray *
account_windows (JsonArray  *accounts,
                 const char *account_id)
{
  JsonObject *account = group_object (accounts, "account", account_id);

  if (!json_object_has_member (account, "windows"))
    json_object_set_array_member (account, "windows", json_array_new ());
  return json_object_get_array_member (account, "windows");
}

/* Fills the object of a row's window (a query's or a range's). */
typedef void (*WindowRowFunc) (JsonObject   *window,
                               sqlite3_stmt *stmt);

/* {"accounts":[{"account":..,"windows":[...]}]} from the rows of @stmt,
 * which start with the account and the window and come grouped by them. */
static JsonNode *
read_accounts (Worker         *self,
               sqlite3_stmt   *stmt,
               WindowRowFunc   row,
               GError        **error)
{
  JsonArray *accounts = json_array_new ();
  JsonObject *root;
  JsonNode *node;
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonArray *windows = account_windows (accounts, (const char *) sqlite3_column_text (stmt, 0));

      row (group_object (windows, "id", (const char *) sqlite3_column_text (stmt, 1)), stmt);
    }
  if (rc != SQLITE_DONE)
    {
      sy_sqlite_set_error (error, self->db, rc, WHAT, self->path, "cannot read");
      json_array_unref (accounts);
      return NULL;
    }
  root = json_object_new ();
  json_object_set_array_member (root, "accounts", accounts);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, root);
  return node;
}

static void
query_row (JsonObject   *window,
           sqlite3_stmt *stmt)
{
  JsonObject *point = json_object_new ();
  gint64 reset_us = sqlite3_column_int64 (stmt, 5);

  /* The latest reading's label and model (rows come oldest first). */
  json_object_set_string_member (window, "label", (const char *) sqlite3_column_text (stmt, 2));
  set_model (window, stmt, 3);
  if (!json_object_has_member (window, "points"))
    json_object_set_array_member (window, "points", json_array_new ());
  json_object_set_int_member (point, "t", sqlite3_column_int64 (stmt, 6));
  json_object_set_double_member (point, "remaining", sqlite3_column_double (stmt, 4));
  if (reset_us != 0)
    json_object_set_int_member (point, "reset_at", reset_us);
  json_array_add_object_element (json_object_get_array_member (window, "points"), point);
}

static gpointer
run_query (gpointer   state,
           gpointer   data,
           GError   **error)
{
  Worker *self = state;
  const Query *op = data;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = sy_sqlite_prepare (self->db, WHAT, self->path,
                            "SELECT account_id, window_id, label, model, remaining, reset_us, observed_us"
                            " FROM readings WHERE observed_us >= ?1 AND observed_us < ?2"
                            " AND (?3 IS NULL OR account_id = ?3) AND (?4 IS NULL OR window_id = ?4)"
                            " ORDER BY account_id, window_id, observed_us, id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, op->from_us);
  sqlite3_bind_int64 (stmt, 2, op->to_us);
  bind_text_or_null (stmt, 3, op->account_id);
  bind_text_or_null (stmt, 4, op->window_id);
  return read_accounts (self, stmt, query_row, error);
}

static void
range_row (JsonObject   *window,
           sqlite3_stmt *stmt)
{
  json_object_set_string_member (window, "label", (const char *) sqlite3_column_text (stmt, 5));
  set_model (window, stmt, 6);
  json_object_set_int_member (window, "first", sqlite3_column_int64 (stmt, 2));
  json_object_set_int_member (window, "last", sqlite3_column_int64 (stmt, 3));
  json_object_set_int_member (window, "count", sqlite3_column_int64 (stmt, 4));
}

static gpointer
run_range (gpointer   state,
           gpointer   data,
           GError   **error)
{
  Worker *self = state;
  const Query *op = data;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = sy_sqlite_prepare (self->db, WHAT, self->path,
                            "SELECT r.account_id, r.window_id, MIN(r.observed_us), MAX(r.observed_us), COUNT(*),"
                            " (SELECT label FROM readings l WHERE l.account_id = r.account_id"
                            "  AND l.window_id = r.window_id ORDER BY l.observed_us DESC, l.id DESC LIMIT 1),"
                            " (SELECT model FROM readings l WHERE l.account_id = r.account_id"
                            "  AND l.window_id = r.window_id ORDER BY l.observed_us DESC, l.id DESC LIMIT 1)"
                            " FROM readings r WHERE (?1 IS NULL OR r.account_id = ?1)"
                            " GROUP BY r.account_id, r.window_id ORDER BY r.account_id, r.window_id", error);
  if (stmt == NULL)
    return NULL;
  bind_text_or_null (stmt, 1, op->account_id);
  return read_accounts (self, stmt, range_row, error);
}

/* The forecast's readings: the window's last length (from its latest
 * reading) back from @op->to_us, an hour more for the run's start. The
 * result: a gint64, when the window runs out (0: not before it resets). */
static gpointer
run_forecast (gpointer   state,
              gpointer   data,
              GError   **error)
{
  Worker *self = state;
  const Query *op = data;
  gint64 exhausted = 0;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) readings = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_quota_window_free);
  gint64 lookback = FORECAST_LOOKBACK_US;
  int rc;

  stmt = sy_sqlite_prepare (self->db, WHAT, self->path,
                            "SELECT window_us FROM readings WHERE account_id = ? AND window_id = ?"
                            " AND observed_us <= ? ORDER BY observed_us DESC, id DESC LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, op->account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, op->window_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, op->to_us);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && sqlite3_column_int64 (stmt, 0) > 0)
    lookback = sqlite3_column_int64 (stmt, 0) + G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;
  else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      sy_sqlite_set_error (error, self->db, rc, WHAT, self->path, "cannot read");
      return NULL;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = sy_sqlite_prepare (self->db, WHAT, self->path,
                            "SELECT remaining, reset_us, window_us, observed_us FROM readings"
                            " WHERE account_id = ? AND window_id = ? AND observed_us >= ? AND observed_us <= ?"
                            " ORDER BY observed_us, id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, op->account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, op->window_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, op->to_us - lookback);
  sqlite3_bind_int64 (stmt, 4, op->to_us);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (readings, sy_quota_window_new (op->window_id, NULL, NULL, sqlite3_column_double (stmt, 0),
                                                    sqlite3_column_int64 (stmt, 1),
                                                    sqlite3_column_int64 (stmt, 2),
                                                    sqlite3_column_int64 (stmt, 3),
                                                    SY_QUOTA_SOURCE_HEADERS));
  if (rc != SQLITE_DONE)
    {
      sy_sqlite_set_error (error, self->db, rc, WHAT, self->path, "cannot read");
      return NULL;
    }
  sy_quota_forecast ((const SyQuotaWindow * const *) readings->pdata, readings->len, op->to_us, &exhausted);
  return g_memdup2 (&exhausted, sizeof exhausted);
}

/* -- Public API --------------------------------------------------------------- */

void
sy_quota_history_close (SyQuotaHistory *self)
{
  g_return_if_fail (SY_IS_QUOTA_HISTORY (self));

  sy_db_worker_close (self->worker);
}

static void
sy_quota_history_finalize (GObject *object)
{
  SyQuotaHistory *self = SY_QUOTA_HISTORY (object);

  sy_db_worker_free (self->worker);
  G_OBJECT_CLASS (sy_quota_history_parent_class)->finalize (object);
}

static void
sy_quota_history_class_init (SyQuotaHistoryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sy_quota_history_finalize;
}

static void
sy_quota_history_init (SyQuotaHistory *self)
{
}

SyQuotaHistory *
sy_quota_history_new (const char  *path,
                      GError     **error)
{
  SyQuotaHistory *self;
  Worker *state;
  sqlite3 *db;

  g_return_val_if_fail (path != NULL, NULL);

  db = sy_sqlite_open (path, WHAT, schema_sql, SCHEMA_VERSION, error);
  if (db == NULL)
    return NULL;
  state = g_new0 (Worker, 1);
  state->path = g_strdup (path);
  state->db = db;
  state->last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  self = g_object_new (SY_TYPE_QUOTA_HISTORY, NULL);
  self->worker = sy_db_worker_new (&worker_class, state, SY_QUOTA_HISTORY_RETENTION_DEFAULT_DAYS);
  return self;
}

void
sy_quota_history_add (SyQuotaHistory      *self,
                      const char          *account_id,
                      const SyQuotaWindow *window)
{
  Reading *reading;

  g_return_if_fail (SY_IS_QUOTA_HISTORY (self));
  g_return_if_fail (account_id != NULL && window != NULL && window->id != NULL);

  /* Nothing to draw: the history is of the remaining fraction. */
  if (window->remaining < 0)
    return;
  reading = g_new (Reading, 1);
  reading->account_id = g_strdup (account_id);
  reading->window = sy_quota_window_copy (window);
  sy_db_worker_add (self->worker, reading);
}

void
sy_quota_history_set_retention_days (SyQuotaHistory *self,
                                     guint           days)
{
  g_return_if_fail (SY_IS_QUOTA_HISTORY (self));

  sy_db_worker_set_retention_days (self->worker, days);
}

void
sy_quota_history_flush_async (SyQuotaHistory      *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (SY_IS_QUOTA_HISTORY (self));
  sy_db_worker_flush_async (self->worker, self, sy_quota_history_flush_async, cancellable, callback, user_data);
}

gboolean
sy_quota_history_flush_finish (SyQuotaHistory  *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
sy_quota_history_query_async (SyQuotaHistory      *self,
                              const char          *account_id,
                              const char          *window_id,
                              gint64               from_us,
                              gint64               to_us,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (SY_IS_QUOTA_HISTORY (self));

  sy_db_worker_run_async (self->worker, run_query, query_new (account_id, window_id, from_us, to_us),
                          (GDestroyNotify) query_free, (GDestroyNotify) json_node_unref, self,
                          sy_quota_history_query_async, cancellable, callback, user_data);
}

JsonNode *
sy_quota_history_query_finish (SyQuotaHistory  *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sy_quota_history_range_async (SyQuotaHistory      *self,
                              const char          *account_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (SY_IS_QUOTA_HISTORY (self));

  sy_db_worker_run_async (self->worker, run_range, query_new (account_id, NULL, 0, 0),
                          (GDestroyNotify) query_free, (GDestroyNotify) json_node_unref, self,
                          sy_quota_history_range_async, cancellable, callback, user_data);
}

JsonNode *
sy_quota_history_range_finish (SyQuotaHistory  *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sy_quota_history_forecast_async (SyQuotaHistory      *self,
                                 const char          *account_id,
                                 const char          *window_id,
                                 gint64               now_us,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (SY_IS_QUOTA_HISTORY (self));
  g_return_if_fail (account_id != NULL && window_id != NULL);

  sy_db_worker_run_async (self->worker, run_forecast, query_new (account_id, window_id, 0, now_us),
                          (GDestroyNotify) query_free, g_free, self,
                          sy_quota_history_forecast_async, cancellable, callback, user_data);
}

gboolean
sy_quota_history_forecast_finish (SyQuotaHistory  *self,
                                  GAsyncResult    *result,
                                  gint64          *exhausted_us,
                                  GError         **error)
{
  g_autofree gint64 *value = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  value = g_task_propagate_pointer (G_TASK (result), error);
  if (exhausted_us != NULL)
    *exhausted_us = value != NULL ? *value : 0;
  return value != NULL;
}
