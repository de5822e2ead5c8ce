/* sy-log-file.h: the application log in <log dir>/main.log, rotated
 *
 * With logging-to-file on, every line sy-log writes (already masked) is
 * also appended to main.log as
 *
 *   2025-06-01T12:34:56.789+02:00 WARNING sy-server: message
 *
 * Lines are buffered in memory and written by a thread of this module at
 * least every half second (and at once past 64 KiB), so logging never
 * waits for the disk and a crash loses at most that half second. Past the
 * size cap main.log becomes main-<UTC stamp>.log and a new one starts; the
 * rotated files are kept within logs-max-total-size-mb (0: the newest 5).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "sy-config.h"

G_BEGIN_DECLS

#define SY_LOG_FILE_DEFAULT_MAX_SIZE (10 * 1024 * 1024)
/* Rotated files kept when logs-max-total-size-mb is 0. */
#define SY_LOG_FILE_KEEP_ROTATED     5

/* The log dir: the config's logs-dir ('~' expanded), else
 * $XDG_STATE_HOME/switchyard/logs. */
char      *sy_log_dir_for_config        (SyConfig    *config);

/* Turns file logging on or off (config reloads call it again). Lines
 * logged while it is off are not kept; turning it off writes what is
 * buffered and closes the file. @max_total_bytes caps the rotated files
 * (0: keep SY_LOG_FILE_KEEP_ROTATED of them). */
void       sy_log_file_configure        (const char  *dir,
                                         gboolean     enabled,
                                         guint64      max_total_bytes);
/* The same from a config: logging-to-file, logs-dir, logs-max-total-size-mb. */
void       sy_log_file_apply_config     (SyConfig    *config);
/* main.log's size cap (default SY_LOG_FILE_DEFAULT_MAX_SIZE; 0: the default). */
void       sy_log_file_set_max_file_size (guint64     bytes);
gboolean   sy_log_file_get_enabled      (void);
/* The configured dir (also while off), or NULL. */
char      *sy_log_file_dup_dir          (void);

/* One line, without its '\n' (sy-log calls this). Any thread. */
void       sy_log_file_write            (const char  *line);
/* Writes what is buffered now (a write to the OS, not an fsync). */
void       sy_log_file_flush            (void);
/* Flushes, stops the thread and closes the file (at exit). */
void       sy_log_file_shutdown         (void);

/* Lines of main.log and the rotated files, oldest first, whose timestamp
 * is later than @after_unix (0: every line), the last @limit of them (0:
 * all): {"lines":[…],"line-count":N,"latest-timestamp":<unix s>}. The
 * latest timestamp is that of the last line returned, else @after_unix.
 * Fails when file logging is off. Reads files: not for the main loop when
 * they are big. */
JsonNode  *sy_log_file_read             (guint64      after_unix,
                                         guint        limit,
                                         GError     **error);
/* The same on any log dir, whatever the configuration. */
JsonNode  *sy_log_file_read_dir         (const char  *dir,
                                         guint64      after_unix,
                                         guint        limit,
                                         GError     **error);
/* Empties main.log and deletes the rotated files; returns how many were
 * deleted. Fails when file logging is off. */
guint      sy_log_file_clear            (GError     **error);

/* Deletes the oldest of @dir's files named <prefix>*.log (oldest by name:
 * the names carry sortable stamps) until at most @max_files remain (0: no
 * count cap) and they take at most @max_total_bytes (0: no size cap).
 * Returns how many were deleted. */
guint      sy_log_dir_prune             (const char  *dir,
                                         const char  *prefix,
                                         guint64      max_total_bytes,
                                         guint        max_files);
/* "20250601T103456.789012Z": the UTC stamp in file names, sortable. */
char      *sy_log_file_name_stamp       (gint64       real_time_us);
/* The Unix time of a log line's leading ISO-8601 timestamp; FALSE when the
 * line does not start with one. */
gboolean   sy_log_line_parse_time       (const char  *line,
                                         gint64      *unix_out);

G_END_DECLS
