/* sy-sqlite.h: opening and using the SQLite files of the usage layer
 *
 * What the SQLite stores share: the file is created 0600 (its directory
 * 0700) before SQLite sees it, opened in WAL mode with synchronous=NORMAL,
 * its schema created or checked against PRAGMA user_version. Errors are
 * SY_USAGE_ERROR (sy-usage.h), worded "<what> <path>: <doing>: <sqlite's
 * message>", what being "Usage database", "Quota database"...
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* Opens (or creates) @path for one thread at a time (SQLITE_OPEN_NOMUTEX),
 * runs @schema_sql (CREATE ... IF NOT EXISTS) and sets user_version to
 * @schema_version in one transaction. A file that is not a database fails
 * with SY_USAGE_ERROR_CORRUPT, one with a newer schema with
 * SY_USAGE_ERROR_VERSION. */
sqlite3      *sy_sqlite_open      (const char    *path,
                                   const char    *what,
                                   const char    *schema_sql,
                                   int            schema_version,
                                   GError       **error);

void          sy_sqlite_set_error (GError      **error,
                                   sqlite3      *db,
                                   int           rc,
                                   const char   *what,
                                   const char   *path,
                                   const char   *doing);

gboolean      sy_sqlite_exec      (sqlite3      *db,
                                   const char   *what,
                                   const char   *path,
                                   const char   *sql,
                                   GError      **error);

sqlite3_stmt *sy_sqlite_prepare   (sqlite3      *db,
                                   const char   *what,
                                   const char   *path,
                                   const char   *sql,
                                   GError      **error);

/* Ends the transaction that "BEGIN" opened: COMMIT, or ROLLBACK when
 * @failed (taken) says something in it failed or when the COMMIT fails.
 * FALSE, @error set, when it rolled back. */
gboolean      sy_sqlite_commit    (sqlite3      *db,
                                   const char   *what,
                                   const char   *path,
                                   GError       *failed,
                                   GError      **error);

/* Runs @sql, a DELETE of one parameter (@before_us), to its end: what the
 * retention of a store prunes. */
gboolean      sy_sqlite_prune     (sqlite3      *db,
                                   const char   *what,
                                   const char   *path,
                                   const char   *sql,
                                   gint64        before_us,
                                   GError      **error);

void          sy_sqlite_stmt_free (sqlite3_stmt *stmt);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sy_sqlite_stmt_free)

G_END_DECLS
