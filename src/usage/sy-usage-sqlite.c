/* sy-usage-sqlite.c: the usage store's SQLite backend (one file, WAL mode)
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

#include "sy-usage-backend.h"

#define SCHEMA_VERSION 1

typedef struct
{
  SyUsageBackend parent;
  char          *path;
  sqlite3       *db;
} SqliteBackend;

static const char *
nz (const char *s)
{
  return s != NULL ? s : "";
}

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

static gboolean
sqlite_open (SyUsageBackend  *backend,
             GError         **error)
{
  /* A file does not go away like a server: opened once, by the constructor. */
  return TRUE;
}

/* -- Writing -------------------------------------------------------------- */

static const char insert_sql[] =
  "INSERT INTO requests (time_us, key_id, key_label, account_id, provider, model_asked,"
  " model_served, client_format, upstream_format, stream, status, latency_us, ttfb_us,"
  " input_tokens, output_tokens, cached_tokens, reasoning_tokens, retries)"
  " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

static const char rollup_sql[] =
  "INSERT INTO daily (day, model, account_id, key_id, requests, failed, input_tokens,"
  " output_tokens, cached_tokens, reasoning_tokens) VALUES (?,?,?,?,?,?,?,?,?,?)"
  " ON CONFLICT (day, model, account_id, key_id) DO UPDATE SET"
  " requests = requests + excluded.requests, failed = failed + excluded.failed,"
  " input_tokens = input_tokens + excluded.input_tokens,"
  " output_tokens = output_tokens + excluded.output_tokens,"
  " cached_tokens = cached_tokens + excluded.cached_tokens,"
  " reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens";

static gboolean
write_record (sqlite3_stmt        *ins,
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
  return sqlite3_step (ins) == SQLITE_DONE;
}

static gboolean
write_rollup (sqlite3_stmt        *roll,
              const SyUsageRollup *u)
{
  sqlite3_reset (roll);
  sqlite3_bind_int64 (roll, 1, u->day);
  sqlite3_bind_text (roll, 2, u->model, -1, SQLITE_STATIC);
  sqlite3_bind_text (roll, 3, u->account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (roll, 4, u->key_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (roll, 5, u->requests);
  sqlite3_bind_int64 (roll, 6, u->failed);
  sqlite3_bind_int64 (roll, 7, u->input_tokens);
  sqlite3_bind_int64 (roll, 8, u->output_tokens);
  sqlite3_bind_int64 (roll, 9, u->cached_tokens);
  sqlite3_bind_int64 (roll, 10, u->reasoning_tokens);
  return sqlite3_step (roll) == SQLITE_DONE;
}

static gboolean
sqlite_write (SyUsageBackend  *backend,
              GPtrArray       *records,
              GArray          *rollups,
              GError         **error)
{
  SqliteBackend *self = (SqliteBackend *) backend;
  g_autoptr(sqlite3_stmt) ins = NULL;
  g_autoptr(sqlite3_stmt) roll = NULL;
  GError *local = NULL;
  guint i;

  if (!exec (self->db, self->path, "BEGIN", error))
    return FALSE;
  ins = prepare (self->db, self->path, insert_sql, &local);
  roll = ins != NULL ? prepare (self->db, self->path, rollup_sql, &local) : NULL;
  for (i = 0; roll != NULL && local == NULL && i < records->len; i++)
    if (!write_record (ins, g_ptr_array_index (records, i)))
      set_sqlite_error (&local, self->db, sqlite3_errcode (self->db), self->path, "cannot write");
  for (i = 0; roll != NULL && local == NULL && i < rollups->len; i++)
    if (!write_rollup (roll, &g_array_index (rollups, SyUsageRollup, i)))
      set_sqlite_error (&local, self->db, sqlite3_errcode (self->db), self->path, "cannot write");
  if (local == NULL)
    exec (self->db, self->path, "COMMIT", &local);
  if (local != NULL)
    {
      exec (self->db, self->path, "ROLLBACK", NULL);
      g_propagate_error (error, local);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sqlite_prune (SyUsageBackend  *backend,
              gint64           before_us,
              GError         **error)
{
  SqliteBackend *self = (SqliteBackend *) backend;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self->db, self->path, "DELETE FROM requests WHERE time_us < ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, before_us);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      set_sqlite_error (error, self->db, sqlite3_errcode (self->db), self->path, "cannot prune");
      return FALSE;
    }
  return TRUE;
}

/* -- Reading -------------------------------------------------------------- */

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
  return "key_id";
}

static gboolean
sqlite_series (SyUsageBackend            *backend,
               const SyUsageSeriesQuery  *query,
               SyUsageSeriesFunc          func,
               gpointer                   user_data,
               GError                   **error)
{
  SqliteBackend *self = (SqliteBackend *) backend;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *sql = NULL;
  const char *column = group_column (query->group, query->daily);
  int rc;

  /* Text compares bytewise here (BINARY), as the backends agree to. */
  if (query->daily)
    sql = g_strdup_printf ("SELECT %s AS g, (day * %" G_GINT64_FORMAT " - ?1) / ?3 AS b,"
                           " SUM(requests), SUM(failed), SUM(input_tokens), SUM(output_tokens)"
                           " FROM daily WHERE day >= ?1 / %" G_GINT64_FORMAT
                           " AND day < ?2 / %" G_GINT64_FORMAT
                           " GROUP BY g, b ORDER BY g, b",
                           column, SY_USAGE_DAY_US, SY_USAGE_DAY_US, SY_USAGE_DAY_US);
  else
    sql = g_strdup_printf ("SELECT %s AS g, (time_us - ?1) / ?3 AS b,"
                           " COUNT(*), SUM(status = 0 OR status >= 400),"
                           " SUM(input_tokens), SUM(output_tokens)"
                           " FROM requests WHERE time_us >= ?1 AND time_us < ?2"
                           " GROUP BY g, b ORDER BY g, b", column);

  stmt = prepare (self->db, self->path, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, query->from_us);
  sqlite3_bind_int64 (stmt, 2, query->to_us);
  sqlite3_bind_int64 (stmt, 3, query->step_us);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      SyUsageSeriesRow row;

      row.group = (const char *) sqlite3_column_text (stmt, 0);
      row.bucket = sqlite3_column_int64 (stmt, 1);
      row.requests = sqlite3_column_int64 (stmt, 2);
      row.failed = sqlite3_column_int64 (stmt, 3);
      row.input_tokens = sqlite3_column_int64 (stmt, 4);
      row.output_tokens = sqlite3_column_int64 (stmt, 5);
      func (&row, user_data);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, self->db, rc, self->path, "cannot read");
      return FALSE;
    }
  return TRUE;
}

static gboolean
sqlite_snapshot (SyUsageBackend       *backend,
                 gint64                since_us,
                 SyUsageSnapshotFunc   func,
                 gpointer              user_data,
                 GError              **error)
{
  SqliteBackend *self = (SqliteBackend *) backend;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (self->db, self->path,
                  "SELECT time_us, key_label, key_id, provider,"
                  " CASE WHEN model_served <> '' THEN model_served ELSE model_asked END, account_id,"
                  " latency_us, status, input_tokens, output_tokens, reasoning_tokens, cached_tokens"
                  " FROM requests WHERE time_us >= ? ORDER BY time_us, id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, since_us);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      SyUsageSnapshotRow row;

      row.time_us = sqlite3_column_int64 (stmt, 0);
      row.key_label = nz ((const char *) sqlite3_column_text (stmt, 1));
      row.key_id = nz ((const char *) sqlite3_column_text (stmt, 2));
      row.provider = nz ((const char *) sqlite3_column_text (stmt, 3));
      row.model_served = nz ((const char *) sqlite3_column_text (stmt, 4));
      row.account_id = nz ((const char *) sqlite3_column_text (stmt, 5));
      row.latency_us = sqlite3_column_int64 (stmt, 6);
      row.status = (guint) sqlite3_column_int64 (stmt, 7);
      row.input_tokens = sqlite3_column_int64 (stmt, 8);
      row.output_tokens = sqlite3_column_int64 (stmt, 9);
      row.reasoning_tokens = sqlite3_column_int64 (stmt, 10);
      row.cached_tokens = sqlite3_column_int64 (stmt, 11);
      func (&row, user_data);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, self->db, rc, self->path, "cannot read");
      return FALSE;
    }
  return TRUE;
}

static void
sqlite_free (SyUsageBackend *backend)
{
  SqliteBackend *self = (SqliteBackend *) backend;

  sqlite3_close (self->db);
  g_free (self->path);
  g_free (self);
}

static const SyUsageBackendClass sqlite_class = {
  .name = "sqlite",
  .open = sqlite_open,
  .write = sqlite_write,
  .prune = sqlite_prune,
  .series = sqlite_series,
  .snapshot = sqlite_snapshot,
  .free = sqlite_free,
};

SyUsageBackend *
sy_usage_sqlite_backend_new (const char  *path,
                             GError     **error)
{
  SqliteBackend *self;
  sqlite3 *db = open_db (path, error);

  if (db == NULL)
    return NULL;
  self = g_new0 (SqliteBackend, 1);
  self->parent.klass = &sqlite_class;
  self->path = g_strdup (path);
  self->db = db;
  return &self->parent;
}
