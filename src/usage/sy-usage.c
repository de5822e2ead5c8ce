/* sy-usage.c: the persistent usage store (SQLite, one worker thread)
 *
 * The connection belongs to one worker thread fed by a GAsyncQueue of
 * operations. Records wait in the worker's batch until a second has passed
 * since the oldest of them (or a flush, query or close comes), then go to
 * disk in one transaction together with their daily roll-ups. Everything
 * that reads runs on the worker too, after committing what is pending, so a
 * query sees every record added before it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-usage"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "sy-usage.h"

#define SCHEMA_VERSION   1
#define BATCH_US         G_USEC_PER_SEC
#define PRUNE_EVERY_US   (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

G_DEFINE_QUARK (sy-usage-error-quark, sy_usage_error)

typedef enum
{
  OP_RECORD,
  OP_FLUSH,
  OP_RETENTION,
  OP_SERIES,
  OP_SNAPSHOT,
  OP_CLOSE,
} OpKind;

typedef struct
{
  OpKind         kind;
  SyUsageRecord *record;    /* OP_RECORD */
  GTask         *task;      /* OP_FLUSH, OP_SERIES, OP_SNAPSHOT */
  guint          days;      /* OP_RETENTION */
  gint64         from_us, to_us, step_us;
  char          *group;
} Op;

/* The worker's state: only its thread touches it, and frees it on exit,
 * so the store may be finalized on any thread (even the worker's, when a
 * task drops the last reference there). */
typedef struct
{
  char        *path;
  sqlite3     *db;
  GAsyncQueue *queue;       /* Op* */
  GPtrArray   *batch;       /* SyUsageRecord* not yet committed */
  gint64       batch_deadline;
  guint        retention_days;
  gint64       next_prune;
  gboolean     warned;
} Worker;

struct _SyUsageStore
{
  GObject      parent_instance;

  GAsyncQueue *queue;       /* Op*, shared with the worker */
  GThread     *thread;
  gint         closed;      /* atomic */
};

G_DEFINE_FINAL_TYPE (SyUsageStore, sy_usage_store, G_TYPE_OBJECT)

SyUsageRecord *
sy_usage_record_copy (const SyUsageRecord *record)
{
  SyUsageRecord *copy = g_new (SyUsageRecord, 1);

  *copy = *record;
  copy->key_id = g_strdup (record->key_id);
  copy->key_label = g_strdup (record->key_label);
  copy->account_id = g_strdup (record->account_id);
  copy->provider = g_strdup (record->provider);
  copy->model_asked = g_strdup (record->model_asked);
  copy->model_served = g_strdup (record->model_served);
  copy->client_format = g_strdup (record->client_format);
  copy->upstream_format = g_strdup (record->upstream_format);
  return copy;
}

void
sy_usage_record_free (SyUsageRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->key_id);
  g_free (record->key_label);
  g_free (record->account_id);
  g_free (record->provider);
  g_free (record->model_asked);
  g_free (record->model_served);
  g_free (record->client_format);
  g_free (record->upstream_format);
  g_free (record);
}

static void
op_free (Op *op)
{
  g_clear_pointer (&op->record, sy_usage_record_free);
  g_clear_object (&op->task);
  g_free (op->group);
  g_free (op);
}

static gboolean
is_failed (guint status)
{
  return status == 0 || status >= 400;
}

static const char *
nz (const char *s)
{
  return s != NULL ? s : "";
}

static const char *
record_model (const SyUsageRecord *r)
{
  return r->model_served != NULL && *r->model_served != '\0' ? r->model_served : nz (r->model_asked);
}

/* Floor division: days before 1970 still land on their own day. */
static gint64
day_of (gint64 time_us)
{
  return time_us >= 0 ? time_us / SY_USAGE_DAY_US : -((-time_us + SY_USAGE_DAY_US - 1) / SY_USAGE_DAY_US);
}

/* -- SQLite helpers ------------------------------------------------------- */

static void
set_sqlite_error (GError    **error,
                  sqlite3    *db,
                  int         rc,
                  const char *path,
                  const char *what)
{
  int code = SY_USAGE_ERROR_FAILED;

  if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
    code = SY_USAGE_ERROR_CORRUPT;
  else if (rc == SQLITE_CANTOPEN || rc == SQLITE_PERM || rc == SQLITE_READONLY)
    code = SY_USAGE_ERROR_OPEN;
  g_set_error (error, SY_USAGE_ERROR, code, "Usage database %s: %s: %s",
               path, what, db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
}

static gboolean
exec (sqlite3     *db,
      const char  *path,
      const char  *sql,
      GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, db, rc, path, "cannot run statement");
      return FALSE;
    }
  return TRUE;
}

static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *path,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, db, rc, path, "cannot prepare statement");
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

static void
stmt_free (sqlite3_stmt *stmt)
{
  sqlite3_finalize (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, stmt_free)

static const char schema_sql[] =
  "CREATE TABLE IF NOT EXISTS requests ("
  "  id INTEGER PRIMARY KEY,"
  "  time_us INTEGER NOT NULL,"
  "  key_id TEXT NOT NULL DEFAULT '',"
  "  key_label TEXT NOT NULL DEFAULT '',"
  "  account_id TEXT NOT NULL DEFAULT '',"
  "  provider TEXT NOT NULL DEFAULT '',"
  "  model_asked TEXT NOT NULL DEFAULT '',"
  "  model_served TEXT NOT NULL DEFAULT '',"
  "  client_format TEXT NOT NULL DEFAULT '',"
  "  upstream_format TEXT NOT NULL DEFAULT '',"
  "  stream INTEGER NOT NULL DEFAULT 0,"
  "  status INTEGER NOT NULL DEFAULT 0,"
  "  latency_us INTEGER NOT NULL DEFAULT 0,"
  "  ttfb_us INTEGER NOT NULL DEFAULT 0,"
  "  input_tokens INTEGER NOT NULL DEFAULT 0,"
  "  output_tokens INTEGER NOT NULL DEFAULT 0,"
  "  cached_tokens INTEGER NOT NULL DEFAULT 0,"
  "  reasoning_tokens INTEGER NOT NULL DEFAULT 0,"
  "  retries INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX IF NOT EXISTS requests_time ON requests (time_us);"
  /* day: UTC days since the epoch; model: served, else asked. */
  "CREATE TABLE IF NOT EXISTS daily ("
  "  day INTEGER NOT NULL,"
  "  model TEXT NOT NULL,"
  "  account_id TEXT NOT NULL,"
  "  key_id TEXT NOT NULL,"
  "  requests INTEGER NOT NULL DEFAULT 0,"
  "  failed INTEGER NOT NULL DEFAULT 0,"
  "  input_tokens INTEGER NOT NULL DEFAULT 0,"
  "  output_tokens INTEGER NOT NULL DEFAULT 0,"
  "  cached_tokens INTEGER NOT NULL DEFAULT 0,"
  "  reasoning_tokens INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (day, model, account_id, key_id)) WITHOUT ROWID;";

/* Creates the directory (0700) and the file (0600) before SQLite sees
 * them: SQLite gives its -wal and -shm files the database file's mode. */
static gboolean
create_file (const char  *path,
             GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_OPEN,
                   "Usage database %s: cannot create its directory: %s", path, g_strerror (saved));
      return FALSE;
    }
  fd = g_open (path, O_RDWR | O_CREAT, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_OPEN,
                   "Usage database %s: cannot open: %s", path, g_strerror (saved));
      return FALSE;
    }
  g_close (fd, NULL);
  return TRUE;
}

static sqlite3 *
open_db (const char  *path,
         GError     **error)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;
  int version = 0;
  gboolean wal = FALSE;

  if (!create_file (path, error))
    return NULL;

  /* NOMUTEX: one thread at a time uses the connection (this one, then the worker). */
  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, db, rc, path, "cannot open");
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, 5000);

  /* The first statement reads the header: a file that is not a database
   * fails here (SQLITE_NOTADB). */
  rc = sqlite3_prepare_v2 (db, "PRAGMA journal_mode=WAL", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          wal = g_ascii_strcasecmp ((const char *) sqlite3_column_text (stmt, 0), "wal") == 0;
          rc = SQLITE_OK;
        }
    }
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, db, rc, path, "not a usable SQLite database");
      goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (!wal)
    {
      g_set_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_FAILED,
                   "Usage database %s: cannot switch to WAL mode", path);
      goto fail;
    }

  rc = sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL);
  if (rc == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  else
    {
      set_sqlite_error (error, db, rc, path, "cannot read the schema version");
      goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (version > SCHEMA_VERSION)
    {
      g_set_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_VERSION,
                   "Usage database %s was written by a newer version (schema %d)", path, version);
      goto fail;
    }

  /* NORMAL is durable in WAL mode against a crash of the process; only a
   * power loss can lose the last commits. */
  if (!exec (db, path, "PRAGMA synchronous=NORMAL", error)
      || !exec (db, path, "BEGIN", error)
      || !exec (db, path, schema_sql, error)
      || !exec (db, path, "PRAGMA user_version=" G_STRINGIFY (SCHEMA_VERSION), error)
      || !exec (db, path, "COMMIT", error))
    goto fail;
  return db;

fail:
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return NULL;
}

/* -- Worker: writing ------------------------------------------------------ */

static const char insert_sql[] =
  "INSERT INTO requests (time_us, key_id, key_label, account_id, provider, model_asked,"
  " model_served, client_format, upstream_format, stream, status, latency_us, ttfb_us,"
  " input_tokens, output_tokens, cached_tokens, reasoning_tokens, retries)"
  " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

static const char rollup_sql[] =
  "INSERT INTO daily (day, model, account_id, key_id, requests, failed, input_tokens,"
  " output_tokens, cached_tokens, reasoning_tokens) VALUES (?,?,?,?,1,?,?,?,?,?)"
  " ON CONFLICT (day, model, account_id, key_id) DO UPDATE SET"
  " requests = requests + 1, failed = failed + excluded.failed,"
  " input_tokens = input_tokens + excluded.input_tokens,"
  " output_tokens = output_tokens + excluded.output_tokens,"
  " cached_tokens = cached_tokens + excluded.cached_tokens,"
  " reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens";

static gboolean
write_record (sqlite3_stmt        *ins,
              sqlite3_stmt        *roll,
              const SyUsageRecord *r)
{
  sqlite3_reset (ins);
  sqlite3_bind_int64 (ins, 1, r->time_us);
  sqlite3_bind_text (ins, 2, nz (r->key_id), -1, SQLITE_STATIC);
  sqlite3_bind_text (ins, 3, nz (r->key_label), -1, SQLITE_STATIC);
  sqlite3_bind_text (ins, 4, nz (r->account_id), -1, SQLITE_STATIC);
  sqlite3_bind_text (ins, 5, nz (r->provider), -1, SQLITE_STATIC);
  sqlite3_bind_text (ins, 6, nz (r->model_asked), -1, SQLITE_STATIC);
  sqlite3_bind_text (ins, 7, nz (r->model_served), -1, SQLITE_STATIC);
  sqlite3_bind_text (ins, 8, nz (r->client_format), -1, SQLITE_STATIC);
  sqlite3_bind_text (ins, 9, nz (r->upstream_format), -1, SQLITE_STATIC);
  sqlite3_bind_int (ins, 10, r->stream ? 1 : 0);
  sqlite3_bind_int64 (ins, 11, r->status);
  sqlite3_bind_int64 (ins, 12, r->latency_us);
  sqlite3_bind_int64 (ins, 13, r->ttfb_us);
  sqlite3_bind_int64 (ins, 14, r->input_tokens);
  sqlite3_bind_int64 (ins, 15, r->output_tokens);
  sqlite3_bind_int64 (ins, 16, r->cached_tokens);
  sqlite3_bind_int64 (ins, 17, r->reasoning_tokens);
  sqlite3_bind_int64 (ins, 18, r->retries);
  if (sqlite3_step (ins) != SQLITE_DONE)
    return FALSE;

  sqlite3_reset (roll);
  sqlite3_bind_int64 (roll, 1, day_of (r->time_us));
  sqlite3_bind_text (roll, 2, record_model (r), -1, SQLITE_STATIC);
  sqlite3_bind_text (roll, 3, nz (r->account_id), -1, SQLITE_STATIC);
  sqlite3_bind_text (roll, 4, nz (r->key_id), -1, SQLITE_STATIC);
  sqlite3_bind_int (roll, 5, is_failed (r->status) ? 1 : 0);
  sqlite3_bind_int64 (roll, 6, r->input_tokens);
  sqlite3_bind_int64 (roll, 7, r->output_tokens);
  sqlite3_bind_int64 (roll, 8, r->cached_tokens);
  sqlite3_bind_int64 (roll, 9, r->reasoning_tokens);
  return sqlite3_step (roll) == SQLITE_DONE;
}

static void
warn_once (Worker *self,
           GError       *error)
{
  /* A full disk would fail every batch: say it once, not every second. */
  if (!self->warned)
    g_warning ("%s (usage records are being dropped)", error->message);
  self->warned = TRUE;
}

static void
commit_batch (Worker *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) ins = NULL;
  g_autoptr(sqlite3_stmt) roll = NULL;
  guint i;

  if (self->batch->len == 0)
    return;

  if (!exec (self->db, self->path, "BEGIN", &error))
    goto out;
  ins = prepare (self->db, self->path, insert_sql, &error);
  roll = ins != NULL ? prepare (self->db, self->path, rollup_sql, &error) : NULL;
  for (i = 0; roll != NULL && i < self->batch->len; i++)
    if (!write_record (ins, roll, g_ptr_array_index (self->batch, i)))
      {
        set_sqlite_error (&error, self->db, sqlite3_errcode (self->db), self->path, "cannot write");
        break;
      }
  if (error == NULL)
    exec (self->db, self->path, "COMMIT", &error);
  if (error != NULL)
    exec (self->db, self->path, "ROLLBACK", NULL);

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
  stmt = prepare (self->db, self->path, "DELETE FROM requests WHERE time_us < ?", &error);
  if (stmt == NULL)
    {
      warn_once (self, error);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, g_get_real_time () - (gint64) self->retention_days * SY_USAGE_DAY_US);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      set_sqlite_error (&error, self->db, sqlite3_errcode (self->db), self->path, "cannot prune");
      warn_once (self, error);
    }
}

/* -- Worker: reading ------------------------------------------------------ */

static const char *
group_column (const char *group,
              gboolean    daily)
{
  if (group == NULL)
    return "NULL";
  if (g_str_equal (group, "model"))
    return daily ? "model" : "CASE WHEN model_served <> '' THEN model_served ELSE model_asked END";
  if (g_str_equal (group, "account"))
    return "account_id";
  if (g_str_equal (group, "key"))
    return "key_id";
  return NULL;
}

static JsonNode *
run_series (Worker        *self,
            Op            *op,
            GError       **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *current = NULL;
  gboolean daily = op->step_us >= SY_USAGE_DAY_US;
  gboolean open_series = FALSE;
  gint64 from = op->from_us, to = op->to_us;
  const char *column = group_column (op->group, daily);
  int rc;

  if (column == NULL || op->step_us <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Usage series: unknown group \"%s\" or step %" G_GINT64_FORMAT,
                   nz (op->group), op->step_us);
      return NULL;
    }

  if (daily)
    {
      /* Roll-ups know days only: widen to whole days, bucket by day start. */
      from = day_of (from) * SY_USAGE_DAY_US;
      to = (day_of (to - 1) + 1) * SY_USAGE_DAY_US;
      sql = g_strdup_printf ("SELECT %s AS g, (day * %" G_GINT64_FORMAT " - ?1) / ?3 AS b,"
                             " SUM(requests), SUM(failed), SUM(input_tokens), SUM(output_tokens)"
                             " FROM daily WHERE day >= ?1 / %" G_GINT64_FORMAT
                             " AND day < ?2 / %" G_GINT64_FORMAT
                             " GROUP BY g, b ORDER BY g, b",
                             column, SY_USAGE_DAY_US, SY_USAGE_DAY_US, SY_USAGE_DAY_US);
    }
  else
    sql = g_strdup_printf ("SELECT %s AS g, (time_us - ?1) / ?3 AS b,"
                           " COUNT(*), SUM(status = 0 OR status >= 400),"
                           " SUM(input_tokens), SUM(output_tokens)"
                           " FROM requests WHERE time_us >= ?1 AND time_us < ?2"
                           " GROUP BY g, b ORDER BY g, b", column);

  stmt = prepare (self->db, self->path, sql, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, from);
  sqlite3_bind_int64 (stmt, 2, to);
  sqlite3_bind_int64 (stmt, 3, op->step_us);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "from");
  json_builder_add_int_value (builder, from);
  json_builder_set_member_name (builder, "to");
  json_builder_add_int_value (builder, to);
  json_builder_set_member_name (builder, "step");
  json_builder_add_int_value (builder, op->step_us);
  json_builder_set_member_name (builder, "series");
  json_builder_begin_array (builder);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *g = (const char *) sqlite3_column_text (stmt, 0);

      if (!open_series || g_strcmp0 (g, current) != 0)
        {
          if (open_series)
            {
              json_builder_end_array (builder);
              json_builder_end_object (builder);
            }
          g_free (current);
          current = g_strdup (g);
          open_series = TRUE;
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "group");
          if (g != NULL)
            json_builder_add_string_value (builder, g);
          else
            json_builder_add_null_value (builder);
          json_builder_set_member_name (builder, "points");
          json_builder_begin_array (builder);
        }
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "t");
      json_builder_add_int_value (builder, from + sqlite3_column_int64 (stmt, 1) * op->step_us);
      json_builder_set_member_name (builder, "requests");
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 2));
      json_builder_set_member_name (builder, "failed");
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 3));
      json_builder_set_member_name (builder, "input_tokens");
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 4));
      json_builder_set_member_name (builder, "output_tokens");
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 5));
      json_builder_end_object (builder);
    }
  if (open_series)
    {
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, self->db, rc, self->path, "cannot read");
      return NULL;
    }
  return json_builder_get_root (builder);
}

static JsonObject *
object_member (JsonObject *parent,
               const char *name)
{
  JsonObject *child;

  if (json_object_has_member (parent, name))
    return json_object_get_object_member (parent, name);
  child = json_object_new ();
  json_object_set_object_member (parent, name, child);
  return child;
}

static void
add_to (JsonObject *object,
        const char *name,
        gint64      value)
{
  json_object_set_int_member (object, name, json_object_get_int_member_with_default (object, name, 0) + value);
}

/* RFC 3339 with nanoseconds and the local offset, as CLIProxyAPI prints. */
static char *
format_timestamp (GDateTime *local,
                  gint64     time_us)
{
  g_autofree char *head = g_date_time_format (local, "%Y-%m-%dT%H:%M:%S");
  g_autofree char *zone = g_date_time_format (local, "%:z");
  gint64 frac = time_us % G_USEC_PER_SEC;

  if (frac < 0)
    frac += G_USEC_PER_SEC;
  return g_strdup_printf ("%s.%06" G_GINT64_FORMAT "000%s", head, frac, zone);
}

static JsonNode *
run_snapshot (Worker        *self,
              Op            *op,
              GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr(JsonObject) usage = json_object_new ();
  JsonObject *apis, *by_day, *by_hour, *tok_day, *tok_hour;
  gint64 total = 0, failures = 0, tokens = 0;
  JsonNode *node;
  int rc;

  stmt = prepare (self->db, self->path,
                  "SELECT time_us, key_label, key_id, provider, model_served, account_id,"
                  " latency_us, status, input_tokens, output_tokens, reasoning_tokens, cached_tokens"
                  " FROM requests WHERE time_us >= ? ORDER BY time_us, id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, op->from_us);

  json_object_set_int_member (usage, "total_requests", 0);
  json_object_set_int_member (usage, "success_count", 0);
  json_object_set_int_member (usage, "failure_count", 0);
  json_object_set_int_member (usage, "total_tokens", 0);
  apis = object_member (usage, "apis");
  by_day = object_member (usage, "requests_by_day");
  by_hour = object_member (usage, "requests_by_hour");
  tok_day = object_member (usage, "tokens_by_day");
  tok_hour = object_member (usage, "tokens_by_hour");

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 time_us = sqlite3_column_int64 (stmt, 0);
      const char *label = (const char *) sqlite3_column_text (stmt, 1);
      const char *key_id = (const char *) sqlite3_column_text (stmt, 2);
      const char *provider = (const char *) sqlite3_column_text (stmt, 3);
      const char *model = (const char *) sqlite3_column_text (stmt, 4);
      const char *account = (const char *) sqlite3_column_text (stmt, 5);
      gint64 latency_us = sqlite3_column_int64 (stmt, 6);
      gboolean failed = is_failed ((guint) sqlite3_column_int64 (stmt, 7));
      gint64 in = sqlite3_column_int64 (stmt, 8);
      gint64 out = sqlite3_column_int64 (stmt, 9);
      gint64 reasoning = sqlite3_column_int64 (stmt, 10);
      gint64 cached = sqlite3_column_int64 (stmt, 11);
      gint64 sum = in + out + reasoning;
      const char *api;
      JsonObject *api_obj, *model_obj, *detail, *tok;
      JsonArray *details;
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
      g_autoptr(GDateTime) local = NULL;
      g_autofree char *day = NULL;
      g_autofree char *hour = NULL;
      g_autofree char *auth_index = NULL;
      g_autofree char *timestamp = NULL;

      if (sum == 0)
        sum = cached;
      if (label != NULL && *label != '\0')
        api = label;
      else if (key_id != NULL && *key_id != '\0')
        api = key_id;
      else if (provider != NULL && *provider != '\0')
        api = provider;
      else
        api = "unknown";
      if (model == NULL || *model == '\0')
        model = "unknown";

      total++;
      failures += failed ? 1 : 0;
      tokens += sum;

      api_obj = object_member (apis, api);
      add_to (api_obj, "total_requests", 1);
      add_to (api_obj, "total_tokens", sum);
      model_obj = object_member (object_member (api_obj, "models"), model);
      add_to (model_obj, "total_requests", 1);
      add_to (model_obj, "total_tokens", sum);
      if (!json_object_has_member (model_obj, "details"))
        json_object_set_array_member (model_obj, "details", json_array_new ());
      details = json_object_get_array_member (model_obj, "details");

      if (utc == NULL)
        continue;   /* out of GDateTime's range: counted, not dated */
      local = g_date_time_to_timezone (utc, tz);
      day = g_date_time_format (local, "%Y-%m-%d");
      hour = g_date_time_format (local, "%H");
      /* An opaque, stable id of the account, like CLIProxyAPI's auth index. */
      auth_index = g_compute_checksum_for_string (G_CHECKSUM_SHA256, nz (account), -1);
      auth_index[16] = '\0';

      detail = json_object_new ();
      timestamp = format_timestamp (local, time_us);
      json_object_set_string_member (detail, "timestamp", timestamp);
      json_object_set_int_member (detail, "latency_ms", latency_us / 1000);
      json_object_set_string_member (detail, "source", nz (account));
      json_object_set_string_member (detail, "auth_index", auth_index);
      tok = json_object_new ();
      json_object_set_int_member (tok, "input_tokens", in);
      json_object_set_int_member (tok, "output_tokens", out);
      json_object_set_int_member (tok, "reasoning_tokens", reasoning);
      json_object_set_int_member (tok, "cached_tokens", cached);
      json_object_set_int_member (tok, "total_tokens", sum);
      json_object_set_object_member (detail, "tokens", tok);
      json_object_set_boolean_member (detail, "failed", failed);
      json_array_add_object_element (details, detail);

      add_to (by_day, day, 1);
      add_to (by_hour, hour, 1);
      add_to (tok_day, day, sum);
      add_to (tok_hour, hour, sum);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, self->db, rc, self->path, "cannot read");
      return NULL;
    }

  json_object_set_int_member (usage, "total_requests", total);
  json_object_set_int_member (usage, "success_count", total - failures);
  json_object_set_int_member (usage, "failure_count", failures);
  json_object_set_int_member (usage, "total_tokens", tokens);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, usage);
  return node;
}

/* -- Worker loop ---------------------------------------------------------- */

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

static gboolean
handle_op (Worker *self,
           Op           *op)
{
  GError *error = NULL;
  JsonNode *node;

  if (op->kind == OP_RECORD)
    {
      if (self->batch->len == 0)
        self->batch_deadline = g_get_monotonic_time () + BATCH_US;
      g_ptr_array_add (self->batch, g_steal_pointer (&op->record));
      return TRUE;
    }

  /* Anything else sees every record queued before it. */
  commit_batch (self);
  if (op->task != NULL && g_task_return_error_if_cancelled (op->task))
    return TRUE;

  switch (op->kind)
    {
    case OP_FLUSH:
      g_task_return_boolean (op->task, TRUE);
      break;
    case OP_RETENTION:
      self->retention_days = op->days;
      prune (self);
      break;
    case OP_SERIES:
      node = run_series (self, op, &error);
      return_node (op->task, node, error);
      break;
    case OP_SNAPSHOT:
      node = run_snapshot (self, op, &error);
      return_node (op->task, node, error);
      break;
    case OP_CLOSE:
      return FALSE;
    case OP_RECORD:
    default:
      g_assert_not_reached ();
    }
  return TRUE;
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
        {
          running = handle_op (self, op);
          op_free (op);
        }
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
  g_free (self->path);
  g_free (self);
  return NULL;
}

/* -- Public API ----------------------------------------------------------- */

static void
push (SyUsageStore *self,
      Op           *op)
{
  g_async_queue_push (self->queue, op);
}

static Op *
op_new (OpKind kind)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  return op;
}

void
sy_usage_store_close (SyUsageStore *self)
{
  g_return_if_fail (SY_IS_USAGE_STORE (self));

  if (!g_atomic_int_compare_and_exchange (&self->closed, 0, 1))
    return;
  push (self, op_new (OP_CLOSE));
  /* On the worker itself (its last reference dropped there) it cannot
   * wait for itself: it ends on its own after the queued records. */
  if (g_thread_self () == self->thread)
    g_thread_unref (self->thread);
  else
    g_thread_join (self->thread);
  self->thread = NULL;
}

static void
sy_usage_store_finalize (GObject *object)
{
  SyUsageStore *self = SY_USAGE_STORE (object);

  sy_usage_store_close (self);
  g_async_queue_unref (self->queue);
  G_OBJECT_CLASS (sy_usage_store_parent_class)->finalize (object);
}

static void
sy_usage_store_class_init (SyUsageStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sy_usage_store_finalize;
}

static void
sy_usage_store_init (SyUsageStore *self)
{
}

SyUsageStore *
sy_usage_store_new (const char  *path,
                    GError     **error)
{
  SyUsageStore *self;
  Worker *worker_state;
  sqlite3 *db;

  g_return_val_if_fail (path != NULL, NULL);

  db = open_db (path, error);
  if (db == NULL)
    return NULL;
  worker_state = g_new0 (Worker, 1);
  worker_state->path = g_strdup (path);
  worker_state->db = db;
  worker_state->queue = g_async_queue_new ();
  worker_state->batch = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_usage_record_free);
  worker_state->retention_days = SY_USAGE_RETENTION_DEFAULT_DAYS;

  self = g_object_new (SY_TYPE_USAGE_STORE, NULL);
  self->queue = g_async_queue_ref (worker_state->queue);
  self->thread = g_thread_new ("sy-usage", worker, worker_state);
  return self;
}

void
sy_usage_store_add (SyUsageStore        *self,
                    const SyUsageRecord *record)
{
  Op *op;

  g_return_if_fail (SY_IS_USAGE_STORE (self));
  g_return_if_fail (record != NULL);

  if (g_atomic_int_get (&self->closed))
    return;
  op = op_new (OP_RECORD);
  op->record = sy_usage_record_copy (record);
  push (self, op);
}

void
sy_usage_store_set_retention_days (SyUsageStore *self,
                                   guint         days)
{
  Op *op;

  g_return_if_fail (SY_IS_USAGE_STORE (self));

  if (g_atomic_int_get (&self->closed))
    return;
  op = op_new (OP_RETENTION);
  op->days = days;
  push (self, op);
}

/* Queues @op with a task, or fails the task at once when closed. */
static void
push_task (SyUsageStore        *self,
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
      g_task_return_new_error (op->task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The usage store is closed");
      op_free (op);
      return;
    }
  push (self, op);
}

void
sy_usage_store_flush_async (SyUsageStore        *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (SY_IS_USAGE_STORE (self));
  push_task (self, op_new (OP_FLUSH), sy_usage_store_flush_async, cancellable, callback, user_data);
}

gboolean
sy_usage_store_flush_finish (SyUsageStore  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
sy_usage_store_query_series_async (SyUsageStore        *self,
                                   gint64               from_us,
                                   gint64               to_us,
                                   gint64               step_us,
                                   const char          *group,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  Op *op;

  g_return_if_fail (SY_IS_USAGE_STORE (self));

  op = op_new (OP_SERIES);
  op->from_us = from_us;
  op->to_us = to_us;
  op->step_us = step_us;
  op->group = g_strdup (group);
  push_task (self, op, sy_usage_store_query_series_async, cancellable, callback, user_data);
}

JsonNode *
sy_usage_store_query_series_finish (SyUsageStore  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sy_usage_store_snapshot_async (SyUsageStore        *self,
                               gint64               since_us,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  Op *op;

  g_return_if_fail (SY_IS_USAGE_STORE (self));

  op = op_new (OP_SNAPSHOT);
  op->from_us = since_us;
  push_task (self, op, sy_usage_store_snapshot_async, cancellable, callback, user_data);
}

JsonNode *
sy_usage_store_snapshot_finish (SyUsageStore  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
