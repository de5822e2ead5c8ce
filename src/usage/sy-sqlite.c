/* sy-sqlite.c: opening and using the SQLite files of the usage layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>

#include <glib/gstdio.h>

#include "sy-sqlite.h"
#include "sy-usage.h"

void
sy_sqlite_set_error (GError     **error,
                     sqlite3     *db,
                     int          rc,
                     const char  *what,
                     const char  *path,
                     const char  *doing)
{
  int code = SY_USAGE_ERROR_FAILED;

  if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
    code = SY_USAGE_ERROR_CORRUPT;
  else if (rc == SQLITE_CANTOPEN || rc == SQLITE_PERM || rc == SQLITE_READONLY)
    code = SY_USAGE_ERROR_OPEN;
  g_set_error (error, SY_USAGE_ERROR, code, "%s %s: %s: %s", what, path, doing,
               db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
}

gboolean
sy_sqlite_exec (sqlite3     *db,
                const char  *what,
                const char  *path,
                const char  *sql,
                GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      sy_sqlite_set_error (error, db, rc, what, path, "cannot run statement");
      return FALSE;
    }
  return TRUE;
}

sqlite3_stmt *
sy_sqlite_prepare (sqlite3     *db,
                   const char  *what,
                   const char  *path,
                   const char  *sql,
                   GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      sy_sqlite_set_error (error, db, rc, what, path, "cannot prepare statement");
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

void
sy_sqlite_stmt_free (sqlite3_stmt *stmt)
{
  sqlite3_finalize (stmt);
}

gboolean
sy_sqlite_commit (sqlite3     *db,
                  const char  *what,
                  const char  *path,
                  GError      *failed,
                  GError     **error)
{
  if (failed == NULL)
    sy_sqlite_exec (db, what, path, "COMMIT", &failed);
  if (failed == NULL)
    return TRUE;
  sy_sqlite_exec (db, what, path, "ROLLBACK", NULL);
  g_propagate_error (error, failed);
  return FALSE;
}

gboolean
sy_sqlite_prune (sqlite3     *db,
                 const char  *what,
                 const char  *path,
                 const char  *sql,
                 gint64       before_us,
                 GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = sy_sqlite_prepare (db, what, path, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, before_us);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      sy_sqlite_set_error (error, db, sqlite3_errcode (db), what, path, "cannot prune");
      return FALSE;
    }
  return TRUE;
}

/* Creates the directory (0700) and the file (0600) before SQLite sees
 * them: SQLite gives its -wal and -shm files the database file's mode. */
static gboolean
create_file (const char  *path,
             const char  *what,
             GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_OPEN,
                   "%s %s: cannot create its directory: %s", what, path, g_strerror (saved));
      return FALSE;
    }
  fd = g_open (path, O_RDWR | O_CREAT, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_OPEN,
                   "%s %s: cannot open: %s", what, path, g_strerror (saved));
      return FALSE;
    }
  g_close (fd, NULL);
  return TRUE;
}

sqlite3 *
sy_sqlite_open (const char  *path,
                const char  *what,
                const char  *schema_sql,
                int          schema_version,
                GError     **error)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autofree char *set_version = NULL;
  int rc;
  int version = 0;
  gboolean wal = FALSE;

  if (!create_file (path, what, error))
    return NULL;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      sy_sqlite_set_error (error, db, rc, what, path, "cannot open");
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
      sy_sqlite_set_error (error, db, rc, what, path, "not a usable SQLite database");
      goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (!wal)
    {
      g_set_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_FAILED,
                   "%s %s: cannot switch to WAL mode", what, path);
      goto fail;
    }

  rc = sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL);
  if (rc == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  else
    {
      sy_sqlite_set_error (error, db, rc, what, path, "cannot read the schema version");
      goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (version > schema_version)
    {
      g_set_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_VERSION,
                   "%s %s was written by a newer version (schema %d)", what, path, version);
      goto fail;
    }

  /* NORMAL is durable in WAL mode against a crash of the process; only a
   * power loss can lose the last commits. */
  set_version = g_strdup_printf ("PRAGMA user_version=%d", schema_version);
  if (!sy_sqlite_exec (db, what, path, "PRAGMA synchronous=NORMAL", error)
      || !sy_sqlite_exec (db, what, path, "BEGIN", error)
      || !sy_sqlite_exec (db, what, path, schema_sql, error)
      || !sy_sqlite_exec (db, what, path, set_version, error)
      || !sy_sqlite_exec (db, what, path, "COMMIT", error))
    goto fail;
  return db;

fail:
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return NULL;
}
