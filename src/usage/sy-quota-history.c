/* sy-quota-history.c: readings of quota windows over time (SQLite, one worker)
 *
 * Built like the usage store (sy-usage.c): one worker thread owns the
 * connection and is fed by a GAsyncQueue of operations. The worker decides
 * which readings to keep, against the last one kept per account and window
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

#include "sy-quota-history.h"
#include "sy-sqlite.h"
#include "sy-usage.h"

#define WHAT             "Quota database"
#define SCHEMA_VERSION   1
#define BATCH_US         G_USEC_PER_SEC
#define PRUNE_EVERY_US   (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define DAY_US           (G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC)
/* The forecast reads this far back when the window's length is unknown. */
#define FORECAST_LOOKBACK_US (8 * DAY_US)

typedef enum
{
  OP_ADD,
  OP_FLUSH,
  OP_RETENTION,
  OP_QUERY,
  OP_RANGE,
  OP_FORECAST,
  OP_CLOSE,
} OpKind;

typedef struct
{
  OpKind         kind;
  char          *account_id;
  char          *window_id;
  SyQuotaWindow *window;    /* OP_ADD */
  GTask         *task;      /* OP_FLUSH, OP_QUERY, OP_RANGE, OP_FORECAST */
  guint          days;      /* OP_RETENTION */
  gint64         from_us, to_us;
} Op;

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
  GAsyncQueue *queue;       /* Op* */
  GPtrArray   *batch;       /* Op* (OP_ADD) not yet committed */
  gint64       batch_deadline;
  GHashTable  *last;        /* "account\x1fwindow" -> Last* */
  guint        retention_days;
  gint64       next_prune;
  gboolean     warned;
} Worker;

struct _SyQuotaHistory
{
  GObject      parent_instance;

  GAsyncQueue *queue;       /* Op*, shared with the worker */
  GThread     *thread;
  gint         closed;      /* atomic */
};

G_DEFINE_FINAL_TYPE (SyQuotaHistory, sy_quota_history, G_TYPE_OBJECT)

static Op *
op_new (OpKind kind)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  return op;
}

static void
op_free (Op *op)
{
  g_free (op->account_id);
  g_free (op->window_id);
  g_clear_pointer (&op->window, sy_quota_window_free);
  g_clear_object (&op->task);
  g_free (op);
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

static void
warn_once (Worker *self,
           GError *error)
{
  /* A full disk would fail every batch: say it once, not every second. */
  if (!self->warned)
    g_warning ("%s (quota readings are being dropped)", error->message);
  self->warned = TRUE;
}

/* -- Worker: keeping ---------------------------------------------------------- */

static gboolean
same_reset (gint64 a,
            gint64 b)
{
  return (a == 0 && b == 0) || (a != 0 && b != 0 && ABS (a - b) <= SY_QUOTA_RESET_SLACK_US);
}

/* The last reading kept of the pair, from memory or else from the file. */
static Last *
lookup_last (Worker     *self,
             const char *key,
             const char *account_id,
             const char *window_id)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  Last *last = g_hash_table_lookup (self->last, key);

  if (last != NULL)
    return last;
  stmt = sy_sqlite_prepare (self->db, WHAT, self->path,
                            "SELECT remaining, reset_us, observed_us FROM readings"
                            " WHERE account_id = ? AND window_id = ?"
                            " ORDER BY observed_us DESC, id DESC LIMIT 1", &error);
  if (stmt == NULL)
    {
      warn_once (self, error);
      return NULL;
    }
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

/* Whether @op's reading is worth keeping; remembers it when it is. */
static gboolean
keep_reading (Worker *self,
              Op     *op)
{
  const SyQuotaWindow *w = op->window;
  g_autofree char *key = g_strdup_printf ("%s\x1f%s", op->account_id, w->id);
  Last *last = lookup_last (self, key, op->account_id, w->id);

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
write_reading (sqlite3_stmt *ins,
               const Op     *op)
{
  const SyQuotaWindow *w = op->window;

  sqlite3_reset (ins);
  sqlite3_bind_text (ins, 1, op->account_id, -1, SQLITE_STATIC);
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

static void
commit_batch (Worker *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) ins = NULL;

  if (self->batch->len == 0)
    return;

  if (!sy_sqlite_exec (self->db, WHAT, self->path, "BEGIN", &error))
    goto out;
  ins = sy_sqlite_prepare (self->db, WHAT, self->path, insert_sql, &error);
  for (guint i = 0; ins != NULL && i < self->batch->len; i++)
    if (!write_reading (ins, g_ptr_array_index (self->batch, i)))
      {
        sy_sqlite_set_error (&error, self->db, sqlite3_errcode (self->db), WHAT, self->path, "cannot write");
        break;
      }
  if (error == NULL)
    sy_sqlite_exec (self->db, WHAT, self->path, "COMMIT", &error);
  if (error != NULL)
    {
      sy_sqlite_exec (self->db, WHAT, self->path, "ROLLBACK", NULL);
      /* What is remembered as kept was not: read it again from the file. */
      g_hash_table_remove_all (self->last);
    }

out:
  if (error != NULL)
    warn_once (self, error);
  else
    self->warned = FALSE;
  g_ptr_array_set_size (self->batch, 0);
}

static void
prune (Worker *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  self->next_prune = g_get_monotonic_time () + PRUNE_EVERY_US;
  if (self->retention_days == 0)
    return;
  stmt = sy_sqlite_prepare (self->db, WHAT, self->path, "DELETE FROM readings WHERE observed_us < ?", &error);
  if (stmt == NULL)
    {
      warn_once (self, error);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, g_get_real_time () - (gint64) self->retention_days * DAY_US);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      sy_sqlite_set_error (&error, self->db, sqlite3_errcode (self->db), WHAT, self->path, "cannot prune");
      warn_once (self, error);
    }
}

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

static JsonNode *
wrap_accounts (JsonArray *accounts)
{
  JsonObject *root = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_array_member (root, "accounts", accounts);
  json_node_take_object (node, root);
  return node;
}

static JsonNode *
run_query (Worker  *self,
           Op      *op,
           GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  JsonArray *accounts;
  int rc;

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

  accounts = json_array_new ();
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonArray *windows = account_windows (accounts, (const char *) sqlite3_column_text (stmt, 0));
      JsonObject *window = group_object (windows, "id", (const char *) sqlite3_column_text (stmt, 1));
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
  if (rc != SQLITE_DONE)
    {
      sy_sqlite_set_error (error, self->db, rc, WHAT, self->path, "cannot read");
      json_array_unref (accounts);
      return NULL;
    }
  return wrap_accounts (accounts);
}

static JsonNode *
run_range (Worker  *self,
           Op      *op,
           GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  JsonArray *accounts;
  int rc;

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

  accounts = json_array_new ();
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonArray *windows = account_windows (accounts, (const char *) sqlite3_column_text (stmt, 0));
      JsonObject *window = group_object (windows, "id", (const char *) sqlite3_column_text (stmt, 1));

      json_object_set_string_member (window, "label", (const char *) sqlite3_column_text (stmt, 5));
      set_model (window, stmt, 6);
      json_object_set_int_member (window, "first", sqlite3_column_int64 (stmt, 2));
      json_object_set_int_member (window, "last", sqlite3_column_int64 (stmt, 3));
      json_object_set_int_member (window, "count", sqlite3_column_int64 (stmt, 4));
    }
  if (rc != SQLITE_DONE)
    {
      sy_sqlite_set_error (error, self->db, rc, WHAT, self->path, "cannot read");
      json_array_unref (accounts);
      return NULL;
    }
  return wrap_accounts (accounts);
}

/* The forecast's readings: the window's last length (from its latest
 * reading) back from @op->to_us, an hour more for the run's start. */
static gboolean
run_forecast (Worker  *self,
              Op      *op,
              gint64  *exhausted_us,
              GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) readings = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_quota_window_free);
  gint64 lookback = FORECAST_LOOKBACK_US;
  int rc;

  stmt = sy_sqlite_prepare (self->db, WHAT, self->path,
                            "SELECT window_us FROM readings WHERE account_id = ? AND window_id = ?"
                            " AND observed_us <= ? ORDER BY observed_us DESC, id DESC LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, op->window_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, op->to_us);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && sqlite3_column_int64 (stmt, 0) > 0)
    lookback = sqlite3_column_int64 (stmt, 0) + G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;
  else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      sy_sqlite_set_error (error, self->db, rc, WHAT, self->path, "cannot read");
      return FALSE;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = sy_sqlite_prepare (self->db, WHAT, self->path,
                            "SELECT remaining, reset_us, window_us, observed_us FROM readings"
                            " WHERE account_id = ? AND window_id = ? AND observed_us >= ? AND observed_us <= ?"
                            " ORDER BY observed_us, id", error);
  if (stmt == NULL)
    return FALSE;
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
      return FALSE;
    }
  sy_quota_forecast ((const SyQuotaWindow * const *) readings->pdata, readings->len, op->to_us, exhausted_us);
  return TRUE;
}

/* -- Worker loop -------------------------------------------------------------- */

static void
return_node (GTask    *task,
             JsonNode *node,
             GError   *error)
{
  if (node != NULL)
    g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
  else
    g_task_return_error (task, error);
}

/* Handles @op and frees it (or keeps it in the batch). FALSE: stop. */
static gboolean
handle_op (Worker *self,
           Op     *op)
{
  GError *error = NULL;
  JsonNode *node;
  gint64 exhausted = 0;
  gboolean running = TRUE;

  if (op->kind == OP_ADD)
    {
      if (!keep_reading (self, op))
        {
          op_free (op);
          return TRUE;
        }
      if (self->batch->len == 0)
        self->batch_deadline = g_get_monotonic_time () + BATCH_US;
      g_ptr_array_add (self->batch, op);
      return TRUE;
    }

  /* Anything else sees every reading queued before it. */
  commit_batch (self);
  if (op->task != NULL && g_task_return_error_if_cancelled (op->task))
    {
      op_free (op);
      return TRUE;
    }

  switch (op->kind)
    {
    case OP_FLUSH:
      g_task_return_boolean (op->task, TRUE);
      break;
    case OP_RETENTION:
      self->retention_days = op->days;
      prune (self);
      break;
    case OP_QUERY:
      node = run_query (self, op, &error);
      return_node (op->task, node, error);
      break;
    case OP_RANGE:
      node = run_range (self, op, &error);
      return_node (op->task, node, error);
      break;
    case OP_FORECAST:
      if (run_forecast (self, op, &exhausted, &error))
        g_task_return_pointer (op->task, g_memdup2 (&exhausted, sizeof exhausted), g_free);
      else
        g_task_return_error (op->task, error);
      break;
    case OP_CLOSE:
      running = FALSE;
      break;
    case OP_ADD:
    default:
      g_assert_not_reached ();
    }
  op_free (op);
  return running;
}

static gpointer
worker (gpointer data)
{
  Worker *self = data;
  gboolean running = TRUE;
  Op *op;

  prune (self);
  while (running)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 wake = self->batch->len > 0 ? MIN (self->batch_deadline, self->next_prune) : self->next_prune;

      op = g_async_queue_timeout_pop (self->queue, MAX (wake - now, 0));
      if (op != NULL)
        running = handle_op (self, op);
      now = g_get_monotonic_time ();
      if (self->batch->len > 0 && now >= self->batch_deadline)
        commit_batch (self);
      if (now >= self->next_prune)
        prune (self);
    }

  sqlite3_close (self->db);
  /* Adds that raced with close. */
  while ((op = g_async_queue_try_pop (self->queue)) != NULL)
    op_free (op);
  g_async_queue_unref (self->queue);
  g_ptr_array_unref (self->batch);
  g_hash_table_unref (self->last);
  g_free (self->path);
  g_free (self);
  return NULL;
}

/* -- Public API --------------------------------------------------------------- */

static void
push (SyQuotaHistory *self,
      Op             *op)
{
  g_async_queue_push (self->queue, op);
}

void
sy_quota_history_close (SyQuotaHistory *self)
{
  g_return_if_fail (SY_IS_QUOTA_HISTORY (self));

  if (!g_atomic_int_compare_and_exchange (&self->closed, 0, 1))
    return;
  push (self, op_new (OP_CLOSE));
  /* On the worker itself (its last reference dropped there) it cannot
   * wait for itself: it ends on its own after the queued readings. */
  if (g_thread_self () == self->thread)
    g_thread_unref (self->thread);
  else
    g_thread_join (self->thread);
  self->thread = NULL;
}

static void
sy_quota_history_finalize (GObject *object)
{
  SyQuotaHistory *self = SY_QUOTA_HISTORY (object);

  sy_quota_history_close (self);
  g_async_queue_unref (self->queue);
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
  state->queue = g_async_queue_new ();
  state->batch = g_ptr_array_new_with_free_func ((GDestroyNotify) op_free);
  state->last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  state->retention_days = SY_QUOTA_HISTORY_RETENTION_DEFAULT_DAYS;

  self = g_object_new (SY_TYPE_QUOTA_HISTORY, NULL);
  self->queue = g_async_queue_ref (state->queue);
  self->thread = g_thread_new ("sy-quota-history", worker, state);
  return self;
}

void
sy_quota_history_add (SyQuotaHistory      *self,
                      const char          *account_id,
                      const SyQuotaWindow *window)
{
  Op *op;

  g_return_if_fail (SY_IS_QUOTA_HISTORY (self));
  g_return_if_fail (account_id != NULL && window != NULL && window->id != NULL);

  /* Nothing to draw: the history is of the remaining fraction. */
  if (window->remaining < 0 || g_atomic_int_get (&self->closed))
    return;
  op = op_new (OP_ADD);
  op->account_id = g_strdup (account_id);
  op->window = sy_quota_window_copy (window);
  push (self, op);
}

void
sy_quota_history_set_retention_days (SyQuotaHistory *self,
                                     guint           days)
{
  Op *op;

  g_return_if_fail (SY_IS_QUOTA_HISTORY (self));

  if (g_atomic_int_get (&self->closed))
    return;
  op = op_new (OP_RETENTION);
  op->days = days;
  push (self, op);
}

/* Queues @op with a task, or fails the task at once when closed. */
static void
push_task (SyQuotaHistory      *self,
           Op                  *op,
           gpointer             source_tag,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  op->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, source_tag);
  if (g_atomic_int_get (&self->closed))
    {
      g_task_return_new_error (op->task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The quota history is closed");
      op_free (op);
      return;
    }
  push (self, op);
}

void
sy_quota_history_flush_async (SyQuotaHistory      *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (SY_IS_QUOTA_HISTORY (self));
  push_task (self, op_new (OP_FLUSH), sy_quota_history_flush_async, cancellable, callback, user_data);
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
  Op *op;

  g_return_if_fail (SY_IS_QUOTA_HISTORY (self));

  op = op_new (OP_QUERY);
  op->account_id = g_strdup (account_id);
  op->window_id = g_strdup (window_id);
  op->from_us = from_us;
  op->to_us = to_us;
  push_task (self, op, sy_quota_history_query_async, cancellable, callback, user_data);
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
  Op *op;

  g_return_if_fail (SY_IS_QUOTA_HISTORY (self));

  op = op_new (OP_RANGE);
  op->account_id = g_strdup (account_id);
  push_task (self, op, sy_quota_history_range_async, cancellable, callback, user_data);
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
  Op *op;

  g_return_if_fail (SY_IS_QUOTA_HISTORY (self));
  g_return_if_fail (account_id != NULL && window_id != NULL);

  op = op_new (OP_FORECAST);
  op->account_id = g_strdup (account_id);
  op->window_id = g_strdup (window_id);
  op->to_us = now_us;
  push_task (self, op, sy_quota_history_forecast_async, cancellable, callback, user_data);
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
