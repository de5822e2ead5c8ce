/* sy-log-file.c: the application log in <log dir>/main.log, rotated
 *
 * Threads and locks: any thread appends lines to a memory buffer under
 * state_lock, which is all a caller of g_log() ever waits for. The writer
 * thread takes the buffer and writes it to the file under io_lock, which
 * also guards the file, rotation, reading and clearing. Lock order:
 * control_lock (configure, shutdown), then io_lock, then state_lock.
 * Nothing here logs through g_log() while holding a lock (that would come
 * back into sy_log_file_write()): trouble with the file goes to stderr.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-core"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "sy-log-file.h"

#ifndef O_BINARY
# define O_BINARY 0
#endif

#define MAIN_LOG        "main.log"
#define ROTATED_PREFIX  "main-"
/* A line waits in memory at most this long before it is written. */
#define FLUSH_INTERVAL_US (G_USEC_PER_SEC / 2)
/* ...or until this much is buffered. */
#define FLUSH_BYTES     (64 * 1024)
/* A disk that does not keep up: lines past this are counted, not kept. */
#define PENDING_LIMIT   (8 * 1024 * 1024)

static GMutex   control_lock;
static GThread *writer;

static GMutex   io_lock;
static char    *log_dir;
static FILE    *file;
static guint64  file_size;
static guint64  max_total;
static guint64  max_file_size = SY_LOG_FILE_DEFAULT_MAX_SIZE;
static gboolean io_error_reported;

static GMutex   state_lock;
static GCond    state_cond;
static GString *pending;
static gint64   pending_since;   /* monotonic µs of the oldest buffered line */
static guint64  dropped;         /* lines lost to PENDING_LIMIT */
static gint     enabled;         /* written under state_lock, read atomically too */
static gboolean quit;
static gboolean at_exit_registered;

/* ------------------------------------------------------------ names */

char *
sy_log_file_name_stamp (gint64 real_time_us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (real_time_us / G_USEC_PER_SEC);
  g_autofree char *base = NULL;

  if (dt == NULL)
    return g_strdup ("00000000T000000.000000Z");
  base = g_date_time_format (dt, "%Y%m%dT%H%M%S");
  return g_strdup_printf ("%s.%06dZ", base, (int) (real_time_us % G_USEC_PER_SEC));
}

char *
sy_log_dir_for_config (SyConfig *config)
{
  JsonNode *node = config ? sy_config_lookup (config, "logs-dir") : NULL;
  const char *dir = NULL;

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    dir = json_node_get_string (node);
  if (dir == NULL || *dir == '\0')
    return g_build_filename (g_get_user_state_dir (), "switchyard", "logs", NULL);
  if (dir[0] == '~' && (dir[1] == '\0' || G_IS_DIR_SEPARATOR (dir[1])))
    return g_build_filename (g_get_home_dir (), dir + 1, NULL);
  if (!g_path_is_absolute (dir) && config->path != NULL)
    {
      /* Relative to the config file, not to wherever we were started. */
      g_autofree char *base = g_path_get_dirname (config->path);

      return g_build_filename (base, dir, NULL);
    }
  return g_strdup (dir);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* @dir's files <prefix>*.log, sorted by name (oldest first). */
static GPtrArray *
list_logs (const char *dir,
           const char *prefix)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) d = dir ? g_dir_open (dir, 0, NULL) : NULL;
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, prefix) && g_str_has_suffix (name, ".log"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

guint
sy_log_dir_prune (const char *dir,
                  const char *prefix,
                  guint64     max_total_bytes,
                  guint       max_files)
{
  g_autoptr(GPtrArray) names = list_logs (dir, prefix);
  g_autoptr(GArray) sizes = g_array_new (FALSE, TRUE, sizeof (guint64));
  guint64 total = 0;
  guint count = names->len;
  guint removed = 0;

  if (max_total_bytes == 0 && max_files == 0)
    return 0;
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
      GStatBuf st;
      guint64 size = g_stat (path, &st) == 0 ? (guint64) st.st_size : 0;

      g_array_append_val (sizes, size);
      total += size;
    }
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = NULL;

      if (!((max_files > 0 && count > max_files) || (max_total_bytes > 0 && total > max_total_bytes)))
        break;
      path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
      if (g_unlink (path) == 0 || errno == ENOENT)
        removed++;
      count--;
      total -= g_array_index (sizes, guint64, i);
    }
  return removed;
}

/* ------------------------------------------------------------ timestamps */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's method). */
static gint64
days_from_civil (gint64 y,
                 guint  m,
                 guint  d)
{
  gint64 era;
  guint yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (guint) (y - era * 400);
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (gint64) doe - 719468;
}

static gboolean
read_digits (const char **p,
             guint        n,
             guint       *out)
{
  guint v = 0;

  for (guint i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit ((*p)[i]))
        return FALSE;
      v = v * 10 + (guint) ((*p)[i] - '0');
    }
  *p += n;
  *out = v;
  return TRUE;
}

/* "YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM|±HHMM]" then a space or the end.
 * By hand: a GDateTime per line is too slow for a 10 MiB file. */
gboolean
sy_log_line_parse_time (const char *line,
                        gint64     *unix_out)
{
  const char *p = line;
  guint year, month, day, hour, minute, second, oh = 0, om = 0;
  int sign = 0;

  if (line == NULL ||
      !read_digits (&p, 4, &year) || *p++ != '-' || !read_digits (&p, 2, &month) || *p++ != '-' ||
      !read_digits (&p, 2, &day))
    return FALSE;
  if (*p != 'T' && *p != ' ')
    return FALSE;
  p++;
  if (!read_digits (&p, 2, &hour) || *p++ != ':' || !read_digits (&p, 2, &minute) ||
      *p++ != ':' || !read_digits (&p, 2, &second))
    return FALSE;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return FALSE;
  if (*p == '.' || *p == ',')
    {
      p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
    }
  if (*p == 'Z')
    p++;
  else if (*p == '+' || *p == '-')
    {
      sign = *p == '+' ? 1 : -1;
      p++;
      if (!read_digits (&p, 2, &oh))
        return FALSE;
      if (*p == ':')
        p++;
      if (!read_digits (&p, 2, &om))
        return FALSE;
    }
  else
    return FALSE;   /* no zone: the time would mean nothing */
  if (*p != '\0' && *p != ' ' && *p != '\n' && *p != '\r')
    return FALSE;

  *unix_out = days_from_civil (year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
              sign * (gint64) (oh * 3600 + om * 60);
  return TRUE;
}

/* ------------------------------------------------------------ writing */

static void
report_io_error (const char *what,
                 const char *path,
                 int         err)
{
  /* Once until it works again: a full disk would say it for every line. */
  if (io_error_reported)
    return;
  io_error_reported = TRUE;
  fprintf (stderr, "switchyard: cannot %s %s: %s (file logging paused)\n", what, path, g_strerror (err));
}

static void
close_locked (void)
{
  if (file != NULL)
    fclose (file);
  file = NULL;
  file_size = 0;
}

static gboolean
ensure_open_locked (void)
{
  g_autofree char *path = NULL;
  GStatBuf st;
  int fd;

  if (file != NULL)
    return TRUE;
  if (log_dir == NULL)
    return FALSE;
  if (g_mkdir_with_parents (log_dir, 0700) != 0)
    {
      report_io_error ("create", log_dir, errno);
      return FALSE;
    }
  path = g_build_filename (log_dir, MAIN_LOG, NULL);
  fd = g_open (path, O_WRONLY | O_CREAT | O_APPEND | O_BINARY, 0600);
  if (fd < 0 || (file = fdopen (fd, "ab")) == NULL)
    {
      report_io_error ("open", path, errno);
      if (fd >= 0)
        g_close (fd, NULL);
      return FALSE;
    }
  file_size = g_stat (path, &st) == 0 ? (guint64) st.st_size : 0;
  io_error_reported = FALSE;
  return TRUE;
}

static void
prune_rotated_locked (void)
{
  sy_log_dir_prune (log_dir, ROTATED_PREFIX, max_total, max_total > 0 ? 0 : SY_LOG_FILE_KEEP_ROTATED);
}

static void
rotate_locked (void)
{
  g_autofree char *path = g_build_filename (log_dir, MAIN_LOG, NULL);
  g_autofree char *rotated = NULL;
  gint64 now = g_get_real_time ();

  close_locked ();
  /* Two rotations in one microsecond must not overwrite each other. */
  do
    {
      g_autofree char *stamp = sy_log_file_name_stamp (now++);
      g_autofree char *name = g_strdup_printf (ROTATED_PREFIX "%s.log", stamp);

      g_free (rotated);
      rotated = g_build_filename (log_dir, name, NULL);
    }
  while (g_file_test (rotated, G_FILE_TEST_EXISTS));
  if (g_rename (path, rotated) != 0)
    report_io_error ("rotate", path, errno);
  prune_rotated_locked ();
}

/* Writes the buffer to main.log, rotating when it grows past the cap. */
static void
write_pending_locked (void)
{
  GString *chunk;
  guint64 lost;

  g_mutex_lock (&state_lock);
  chunk = pending;
  pending = NULL;
  lost = dropped;
  dropped = 0;
  g_mutex_unlock (&state_lock);

  if ((chunk == NULL || chunk->len == 0) && lost == 0)
    goto out;
  if (!ensure_open_locked ())
    goto out;
  if (lost > 0)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S%:z");
      int n = fprintf (file, "%s WARNING sy-core: %" G_GUINT64_FORMAT
                       " log lines were not written: the disk did not keep up\n", stamp, lost);

      file_size += n > 0 ? (guint64) n : 0;
    }
  if (chunk != NULL && chunk->len > 0 && fwrite (chunk->str, 1, chunk->len, file) != chunk->len)
    report_io_error ("write", MAIN_LOG, errno);
  /* Into the OS's hands: a crash of ours loses nothing from here on. */
  if (fflush (file) != 0)
    report_io_error ("write", MAIN_LOG, errno);
  file_size += chunk ? chunk->len : 0;
  if (file_size >= max_file_size)
    rotate_locked ();

out:
  if (chunk != NULL)
    g_string_free (chunk, TRUE);
}

static gpointer
writer_main (gpointer data)
{
  g_mutex_lock (&state_lock);
  while (!quit)
    {
      gint64 due;

      if ((pending == NULL || pending->len == 0) && dropped == 0)
        {
          g_cond_wait (&state_cond, &state_lock);
          continue;
        }
      due = pending_since + FLUSH_INTERVAL_US;
      if (pending != NULL && pending->len < FLUSH_BYTES && g_get_monotonic_time () < due)
        {
          g_cond_wait_until (&state_cond, &state_lock, due);
          continue;
        }
      g_mutex_unlock (&state_lock);
      g_mutex_lock (&io_lock);
      write_pending_locked ();
      g_mutex_unlock (&io_lock);
      g_mutex_lock (&state_lock);
    }
  g_mutex_unlock (&state_lock);
  return NULL;
}

void
sy_log_file_write (const char *line)
{
  gsize len;
  gboolean wake = FALSE;

  if (!g_atomic_int_get (&enabled) || line == NULL)
    return;
  len = strlen (line);
  g_mutex_lock (&state_lock);
  if (enabled)
    {
      if (pending == NULL)
        pending = g_string_sized_new (4096);
      if (pending->len + len + 1 > PENDING_LIMIT)
        dropped++;
      else
        {
          if (pending->len == 0)
            {
              pending_since = g_get_monotonic_time ();
              wake = TRUE;   /* the writer sleeps while there is nothing */
            }
          g_string_append_len (pending, line, len);
          g_string_append_c (pending, '\n');
          wake = wake || pending->len >= FLUSH_BYTES;
        }
      if (wake)
        g_cond_signal (&state_cond);
    }
  g_mutex_unlock (&state_lock);
}

void
sy_log_file_flush (void)
{
  g_mutex_lock (&io_lock);
  write_pending_locked ();
  g_mutex_unlock (&io_lock);
}

/* exit() after main() returns: what is buffered still reaches the file. */
static void
flush_at_exit (void)
{
  sy_log_file_flush ();
}

static void
stop_writer (void)
{
  if (writer == NULL)
    return;
  g_mutex_lock (&state_lock);
  quit = TRUE;
  g_cond_signal (&state_cond);
  g_mutex_unlock (&state_lock);
  g_thread_join (writer);
  writer = NULL;
}

void
sy_log_file_configure (const char *dir,
                       gboolean    on,
                       guint64     max_total_bytes)
{
  gboolean now_on = on && dir != NULL && *dir != '\0';

  g_mutex_lock (&control_lock);

  /* What is buffered was logged under the old settings: it goes there. */
  g_mutex_lock (&io_lock);
  write_pending_locked ();
  if (g_strcmp0 (dir, log_dir) != 0)
    {
      close_locked ();
      g_free (log_dir);
      log_dir = g_strdup (dir);
      io_error_reported = FALSE;
    }
  max_total = max_total_bytes;
  if (now_on)
    prune_rotated_locked ();
  g_mutex_unlock (&io_lock);

  g_mutex_lock (&state_lock);
  g_atomic_int_set (&enabled, now_on);
  g_mutex_unlock (&state_lock);

  if (now_on && writer == NULL)
    {
      quit = FALSE;
      writer = g_thread_new ("sy-log-file", writer_main, NULL);
      if (!at_exit_registered)
        {
          at_exit_registered = TRUE;
          atexit (flush_at_exit);
        }
    }
  else if (!now_on)
    {
      stop_writer ();
      g_mutex_lock (&io_lock);
      write_pending_locked ();
      close_locked ();
      g_mutex_unlock (&io_lock);
    }

  g_mutex_unlock (&control_lock);
}

void
sy_log_file_apply_config (SyConfig *config)
{
  g_autofree char *dir = sy_log_dir_for_config (config);

  sy_log_file_configure (dir, config->logging_to_file,
                         (guint64) config->logs_max_total_size_mb * 1024 * 1024);
}

void
sy_log_file_set_max_file_size (guint64 bytes)
{
  g_mutex_lock (&io_lock);
  max_file_size = bytes > 0 ? bytes : SY_LOG_FILE_DEFAULT_MAX_SIZE;
  g_mutex_unlock (&io_lock);
}

gboolean
sy_log_file_get_enabled (void)
{
  return g_atomic_int_get (&enabled);
}

char *
sy_log_file_dup_dir (void)
{
  char *dir;

  g_mutex_lock (&io_lock);
  dir = g_strdup (log_dir);
  g_mutex_unlock (&io_lock);
  return dir;
}

void
sy_log_file_shutdown (void)
{
  g_autofree char *dir = NULL;
  guint64 total;

  g_mutex_lock (&io_lock);
  dir = g_strdup (log_dir);
  total = max_total;
  g_mutex_unlock (&io_lock);
  sy_log_file_configure (dir, FALSE, total);
}

/* ------------------------------------------------------------ reading */

typedef struct
{
  GPtrArray *lines;    /* char*, oldest first */
  gint64     latest;
} FileLines;

/* The lines of one file later than @after (0: all); *first_time is the
 * time of its first stamped line (G_MININT64 when none). */
static void
read_one (const char *path,
          gint64      after,
          GPtrArray  *out,
          gint64     *latest,
          gint64     *first_time)
{
  g_autofree char *content = NULL;
  gsize length = 0;
  char *p, *end;
  gint64 current = G_MININT64;

  *first_time = G_MININT64;
  if (!g_file_get_contents (path, &content, &length, NULL))
    return;
  p = content;
  end = content + length;
  while (p < end)
    {
      char *nl = memchr (p, '\n', end - p);
      char *stop = nl ? nl : end;
      gint64 t;

      if (stop > p && stop[-1] == '\r')
        stop[-1] = '\0';
      *stop = '\0';
      if (sy_log_line_parse_time (p, &t))
        {
          current = t;
          if (*first_time == G_MININT64)
            *first_time = t;
        }
      /* A line without a stamp (the rest of a message with newlines)
       * belongs to the stamped line before it. */
      if (*p != '\0' && (after == 0 || (current != G_MININT64 && current > after)))
        {
          g_ptr_array_add (out, g_strdup (p));
          if (current > *latest)
            *latest = current;
        }
      p = stop + 1;
    }
}

JsonNode *
sy_log_file_read_dir (const char  *dir,
                      guint64      after_unix,
                      guint        limit,
                      GError     **error)
{
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GPtrArray) per_file = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  gint64 after = (gint64) MIN (after_unix, (guint64) G_MAXINT64);
  gint64 latest = after;
  guint total = 0;
  guint skip;

  if (dir == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "no log directory");
      return NULL;
    }
  files = list_logs (dir, ROTATED_PREFIX);
  g_ptr_array_add (files, g_strdup (MAIN_LOG));

  /* Newest file first, so a small limit reads only the newest files. */
  for (guint i = files->len; i > 0; i--)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (files, i - 1), NULL);
      GPtrArray *lines;
      GStatBuf st;
      gint64 first_time;

      if (g_stat (path, &st) != 0)
        continue;
      /* Nothing in a file last written before @after can be later. */
      if (after > 0 && (gint64) st.st_mtime < after)
        break;
      lines = g_ptr_array_new_with_free_func (g_free);
      read_one (path, after, lines, &latest, &first_time);
      g_ptr_array_insert (per_file, 0, lines);
      total += lines->len;
      if ((limit > 0 && total >= limit) ||
          (after > 0 && first_time != G_MININT64 && first_time <= after))
        break;
    }

  skip = limit > 0 && total > limit ? total - limit : 0;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "lines");
  json_builder_begin_array (b);
  for (guint f = 0; f < per_file->len; f++)
    {
      GPtrArray *lines = g_ptr_array_index (per_file, f);

      for (guint i = 0; i < lines->len; i++)
        {
          if (skip > 0)
            {
              skip--;
              continue;
            }
          json_builder_add_string_value (b, g_ptr_array_index (lines, i));
        }
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "line-count");
  json_builder_add_int_value (b, limit > 0 ? MIN (total, limit) : total);
  json_builder_set_member_name (b, "latest-timestamp");
  json_builder_add_int_value (b, latest);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
check_enabled (GError **error)
{
  if (!sy_log_file_get_enabled ())
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "logging to file disabled");
      return FALSE;
    }
  return TRUE;
}

JsonNode *
sy_log_file_read (guint64   after_unix,
                  guint     limit,
                  GError  **error)
{
  JsonNode *result;

  if (!check_enabled (error))
    return NULL;
  /* Rotation must not move a file between the listing and the reading. */
  g_mutex_lock (&io_lock);
  write_pending_locked ();
  result = sy_log_file_read_dir (log_dir, after_unix, limit, error);
  g_mutex_unlock (&io_lock);
  return result;
}

guint
sy_log_file_clear (GError **error)
{
  g_autoptr(GPtrArray) rotated = NULL;
  g_autofree char *path = NULL;
  guint removed = 0;
  int fd;

  if (!check_enabled (error))
    return 0;
  g_mutex_lock (&io_lock);
  /* Lines logged before the clear go with it. */
  g_mutex_lock (&state_lock);
  if (pending != NULL)
    g_string_truncate (pending, 0);
  dropped = 0;
  g_mutex_unlock (&state_lock);

  close_locked ();
  path = g_build_filename (log_dir, MAIN_LOG, NULL);
  fd = g_open (path, O_WRONLY | O_TRUNC | O_BINARY, 0600);
  if (fd >= 0)
    g_close (fd, NULL);
  else if (errno != ENOENT)
    {
      int saved = errno;

      g_mutex_unlock (&io_lock);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot empty %s: %s",
                   path, g_strerror (saved));
      return 0;
    }
  rotated = list_logs (log_dir, ROTATED_PREFIX);
  for (guint i = 0; i < rotated->len; i++)
    {
      g_autofree char *r = g_build_filename (log_dir, g_ptr_array_index (rotated, i), NULL);

      if (g_unlink (r) == 0)
        removed++;
    }
  g_mutex_unlock (&io_lock);
  return removed;
}
