/* sy-usage-sqlite.c: the usage store's SQLite backend (one file, WAL mode)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-usage"

#include "config.h"

#include <string.h>

#include "sy-sqlite.h"
#include "sy-usage-backend.h"

#define WHAT           "Usage database"
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

  if (!sy_sqlite_exec (self->db, WHAT, self->path, "BEGIN", error))
    return FALSE;
  ins = sy_sqlite_prepare (self->db, WHAT, self->path, insert_sql, &local);
  roll = ins != NULL ? sy_sqlite_prepare (self->db, WHAT, self->path, rollup_sql, &local) : NULL;
  for (i = 0; roll != NULL && local == NULL && i < records->len; i++)
    if (!write_record (ins, g_ptr_array_index (records, i)))
      sy_sqlite_set_error (&local, self->db, sqlite3_errcode (self->db), WHAT, self->path, "cannot write");
  for (i = 0; roll != NULL && local == NULL && i < rollups->len; i++)
    if (!write_rollup (roll, &g_array_index (rollups, SyUsageRollup, i)))
      sy_sqlite_set_error (&local, self->db, sqlite3_errcode (self->db), WHAT, self->path, "cannot write");
  return sy_sqlite_commit (self->db, WHAT, self->path, local, error);
}

static gboolean
sqlite_prune (SyUsageBackend  *backend,
              gint64           before_us,
              GError         **error)
{
  SqliteBackend *self = (SqliteBackend *) backend;

  return sy_sqlite_prune (self->db, WHAT, self->path, "DELETE FROM requests WHERE time_us < ?", before_us, error);
}

/* -- Reading -------------------------------------------------------------- */

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
  const char *column = sy_usage_group_column (query->group, query->daily);
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

  stmt = sy_sqlite_prepare (self->db, WHAT, self->path, sql, error);
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
      sy_sqlite_set_error (error, self->db, rc, WHAT, self->path, "cannot read");
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

  stmt = sy_sqlite_prepare (self->db, WHAT, self->path,
                            "SELECT " SY_USAGE_SNAPSHOT_COLUMNS
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
      sy_sqlite_set_error (error, self->db, rc, WHAT, self->path, "cannot read");
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
  /* Opened here, used by the worker after: one thread at a time. */
  sqlite3 *db = sy_sqlite_open (path, WHAT, schema_sql, SCHEMA_VERSION, error);

  if (db == NULL)
    return NULL;
  self = g_new0 (SqliteBackend, 1);
  self->parent.klass = &sqlite_class;
  self->path = g_strdup (path);
  self->db = db;
  return &self->parent;
}
