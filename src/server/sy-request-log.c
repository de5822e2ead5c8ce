/* sy-request-log.c: one request's record, written to the log dir
 *
 * Recording happens on the main loop and only copies (bodies within a
 * budget, headers and URLs with their secret values already masked, so
 * no second copy of a key or token lives in the record); a body given
 * whole (the client's request, an upstream request) is not even copied:
 * the record keeps a reference to the caller's bytes, cut to the budget.
 * Formatting, the full masking pass and the file I/O happen on one writer
 * thread, so files are written and pruned one at a time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-server"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "sy-log.h"
#include "sy-log-file.h"
#include "sy-request-log.h"

typedef struct
{
  GBytes     *whole;       /* given at once: the caller's bytes (a slice within the budget) */
  GByteArray *data;        /* given in pieces: copied */
  guint64     dropped;     /* bytes past the budget */
} Body;

typedef struct
{
  char   *url;
  char  **headers;
  Body    body;
  guint   status;          /* 0: no answer */
  char  **response_headers;
  Body    response;
  char   *error;
} Attempt;

struct _SyRequestLog
{
  char      *id;
  char      *method;
  char      *path;
  gint64     started_real;
  gint64     started_mono;
  gint64     duration_us;  /* set by finish */
  char     **headers;
  Body       body;
  GPtrArray *attempts;     /* Attempt* */
  guint      status;       /* the client's; 0: none given */
  char     **response_headers;
  Body       response;
  gsize      budget;       /* body bytes still to be kept */
  gsize      kept;         /* body bytes kept */
};

/* ------------------------------------------------------------ redaction */

static gboolean
name_is_secret (const char *name,
                gsize       len)
{
  static const char * const parts[] = { "key", "token", "secret", "auth", "cookie", "password",
                                        "session", "signature", NULL };
  char stack[128];
  g_autofree char *heap = NULL;
  char *lower = len < sizeof stack ? stack : (heap = g_malloc (len + 1));

  /* Every header of every request comes here: no allocation for a name. */
  for (gsize i = 0; i < len; i++)
    lower[i] = g_ascii_tolower (name[i]);
  lower[len] = '\0';
  for (guint i = 0; parts[i] != NULL; i++)
    if (strstr (lower, parts[i]) != NULL)
      return TRUE;
  return FALSE;
}

static char *
mask_value (const char *value)
{
  const char *space = strchr (value, ' ');

  /* "Bearer <token>", "Basic <credentials>": the scheme says what it was. */
  if (space != NULL && space > value && strchr (space + 1, ' ') == NULL &&
      g_ascii_isalpha (value[0]))
    {
      g_autofree char *scheme = g_strndup (value, space - value);
      g_autofree char *masked = sy_mask_secret (space + 1);

      return g_strdup_printf ("%s %s", scheme, masked);
    }
  return sy_mask_secret (value);
}

char *
sy_request_log_redact_header (const char *line)
{
  const char *colon = strchr (line, ':');
  const char *value;
  g_autofree char *name = NULL;
  g_autofree char *masked = NULL;

  if (colon == NULL || !name_is_secret (line, colon - line))
    return g_strdup (line);
  name = g_strndup (line, colon - line);
  value = colon + 1;
  while (*value == ' ' || *value == '\t')
    value++;
  masked = mask_value (value);
  return g_strdup_printf ("%s: %s", name, masked);
}

char *
sy_request_log_redact_url (const char *url)
{
  const char *query;
  g_auto(GStrv) params = NULL;
  GString *out;

  if (url == NULL)
    return NULL;
  query = strchr (url, '?');
  if (query == NULL)
    return g_strdup (url);

  out = g_string_new_len (url, query - url + 1);
  params = g_strsplit (query + 1, "&", -1);
  for (guint i = 0; params[i] != NULL; i++)
    {
      const char *eq = strchr (params[i], '=');

      if (i > 0)
        g_string_append_c (out, '&');
      if (eq != NULL && (name_is_secret (params[i], eq - params[i]) ||
                         (eq - params[i] == 3 && g_ascii_strncasecmp (params[i], "sig", 3) == 0)))
        {
          g_autofree char *masked = sy_mask_secret (eq + 1);

          g_string_append_len (out, params[i], eq - params[i] + 1);
          g_string_append (out, masked);
        }
      else
        g_string_append (out, params[i]);
    }
  return g_string_free (out, FALSE);
}

static char **
redact_headers (const char * const *headers)
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    g_ptr_array_add (out, sy_request_log_redact_header (headers[i]));
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

/* ------------------------------------------------------------ recording */

static void
body_clear (Body *body)
{
  g_clear_pointer (&body->whole, g_bytes_unref);
  g_clear_pointer (&body->data, g_byte_array_unref);
  body->dropped = 0;
}

static void
body_append (SyRequestLog *self,
             Body         *body,
             const char   *data,
             gsize         len)
{
  gsize take = MIN (len, self->budget);

  if (body->data == NULL && body->whole != NULL)
    {
      /* More after a whole body: from here on a copy. */
      body->data = g_bytes_unref_to_array (g_steal_pointer (&body->whole));
    }
  /* A stream arrives an event at a time: room for many at once. */
  if (body->data == NULL)
    body->data = g_byte_array_sized_new ((guint) MIN (self->budget, 4096));
  if (take > 0)
    g_byte_array_append (body->data, (const guint8 *) data, (guint) take);
  self->budget -= take;
  self->kept += take;
  body->dropped += len - take;
}

static void
body_set_bytes (SyRequestLog *self,
                Body         *body,
                GBytes       *bytes)
{
  gsize len = g_bytes_get_size (bytes);
  gsize take = MIN (len, self->budget);

  if (body->whole != NULL || body->data != NULL)
    {
      body_append (self, body, g_bytes_get_data (bytes, NULL), len);
      return;
    }
  /* GBytes do not change: a reference (or a slice of them) is as good as
   * a copy, without the copy — on the main loop, for every request. */
  body->whole = take == len ? g_bytes_ref (bytes) : g_bytes_new_from_bytes (bytes, 0, take);
  self->budget -= take;
  self->kept += take;
  body->dropped += len - take;
}

static void
attempt_free (Attempt *a)
{
  g_free (a->url);
  g_strfreev (a->headers);
  body_clear (&a->body);
  g_strfreev (a->response_headers);
  body_clear (&a->response);
  g_free (a->error);
  g_free (a);
}

static Attempt *
current_attempt (SyRequestLog *self)
{
  /* An answer without a request recorded before it still gets a place. */
  if (self->attempts->len == 0)
    g_ptr_array_add (self->attempts, g_new0 (Attempt, 1));
  return g_ptr_array_index (self->attempts, self->attempts->len - 1);
}

SyRequestLog *
sy_request_log_begin (const char *id,
                      const char *method,
                      const char *path)
{
  SyRequestLog *self = g_new0 (SyRequestLog, 1);

  self->id = g_strdup (id ? id : "-");
  self->method = g_strdup (method ? method : "-");
  self->path = sy_request_log_redact_url (path ? path : "-");
  self->started_real = g_get_real_time ();
  self->started_mono = g_get_monotonic_time ();
  self->attempts = g_ptr_array_new_with_free_func ((GDestroyNotify) attempt_free);
  self->budget = SY_REQUEST_LOG_BODY_LIMIT;
  return self;
}

void
sy_request_log_set_body_limit (SyRequestLog *self,
                               gsize         limit)
{
  self->budget = limit;
}

const char *
sy_request_log_get_id (SyRequestLog *self)
{
  return self->id;
}

void
sy_request_log_free (SyRequestLog *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->method);
  g_free (self->path);
  g_strfreev (self->headers);
  body_clear (&self->body);
  g_ptr_array_unref (self->attempts);
  g_strfreev (self->response_headers);
  body_clear (&self->response);
  g_free (self);
}

void
sy_request_log_client_request (SyRequestLog       *self,
                               const char * const *headers,
                               GBytes             *body)
{
  g_strfreev (self->headers);
  self->headers = redact_headers (headers);
  if (body != NULL)
    body_set_bytes (self, &self->body, body);
}

void
sy_request_log_upstream_request (SyRequestLog       *self,
                                 const char         *url,
                                 const char * const *headers,
                                 GBytes             *body)
{
  Attempt *a = g_new0 (Attempt, 1);

  a->url = sy_request_log_redact_url (url);
  a->headers = redact_headers (headers);
  if (body != NULL)
    body_set_bytes (self, &a->body, body);
  g_ptr_array_add (self->attempts, a);
}

void
sy_request_log_upstream_response (SyRequestLog       *self,
                                  guint               status,
                                  const char * const *headers)
{
  Attempt *a = current_attempt (self);

  a->status = status;
  g_strfreev (a->response_headers);
  a->response_headers = headers ? redact_headers (headers) : NULL;
}

void
sy_request_log_upstream_append (SyRequestLog *self,
                                const char   *data,
                                gsize         len)
{
  body_append (self, &current_attempt (self)->response, data, len);
}

void
sy_request_log_upstream_error (SyRequestLog *self,
                               const char   *message)
{
  Attempt *a = current_attempt (self);

  g_free (a->error);
  a->error = g_strdup (message ? message : "failed");
}

void
sy_request_log_client_response (SyRequestLog       *self,
                                guint               status,
                                const char * const *headers)
{
  self->status = status;
  g_strfreev (self->response_headers);
  self->response_headers = headers ? redact_headers (headers) : NULL;
}

void
sy_request_log_client_append (SyRequestLog *self,
                              const char   *data,
                              gsize         len)
{
  body_append (self, &self->response, data, len);
}

gboolean
sy_request_log_is_failure (SyRequestLog *self)
{
  Attempt *last;

  if (self->status >= 400)
    return TRUE;
  /* A stream that began well and then broke off still answered 200. */
  last = self->attempts->len > 0 ? g_ptr_array_index (self->attempts, self->attempts->len - 1) : NULL;
  return self->status > 0 && last != NULL && last->error != NULL;
}

/* ------------------------------------------------------------ the file */

static void
append_headers (GString    *out,
                char      **headers)
{
  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    {
      g_string_append (out, headers[i]);
      g_string_append_c (out, '\n');
    }
}

static void
append_body (GString    *out,
             const Body *body)
{
  const char *data = NULL;
  gsize len = 0;

  if (body->whole != NULL)
    data = g_bytes_get_data (body->whole, &len);
  else if (body->data != NULL)
    {
      data = (const char *) body->data->data;
      len = body->data->len;
    }
  if (data == NULL)     /* empty bytes may have no data at all */
    len = 0;
  if (len > 0 && memchr (data, '\0', len) != NULL)
    g_string_append_printf (out, "[%" G_GSIZE_FORMAT " bytes of binary data]\n", len);
  else if (len > 0)
    {
      /* A cut through a UTF-8 sequence (the budget) must not spoil the file. */
      g_autofree char *valid = g_utf8_make_valid (data, (gssize) len);

      g_string_append (out, valid);
      if (valid[strlen (valid) - 1] != '\n')
        g_string_append_c (out, '\n');
    }
  if (body->dropped > 0)
    g_string_append_printf (out, "[truncated: %" G_GUINT64_FORMAT " more bytes not recorded]\n",
                            body->dropped);
}

static char *
format_record (SyRequestLog *self)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (self->started_real / G_USEC_PER_SEC);
  g_autofree char *time = dt ? g_date_time_format_iso8601 (dt) : g_strdup ("-");

  g_string_append (out, "=== REQUEST INFO ===\n");
  g_string_append_printf (out, "Request-ID: %s\nTime: %s\nMethod: %s\nPath: %s\n",
                          self->id, time, self->method, self->path);
  g_string_append_printf (out, "Status: %u\nDuration: %.1f ms\nUpstream attempts: %u\n\n",
                          self->status, self->duration_us / 1000.0, self->attempts->len);
  g_string_append (out, "=== HEADERS ===\n");
  append_headers (out, self->headers);
  g_string_append (out, "\n=== REQUEST BODY ===\n");
  append_body (out, &self->body);

  for (guint i = 0; i < self->attempts->len; i++)
    {
      Attempt *a = g_ptr_array_index (self->attempts, i);

      g_string_append_printf (out, "\n=== API REQUEST %u ===\nURL: %s\nHeaders:\n", i + 1,
                              a->url ? a->url : "-");
      append_headers (out, a->headers);
      g_string_append (out, "Body:\n");
      append_body (out, &a->body);
      if (a->status > 0)
        {
          g_string_append_printf (out, "\n=== API RESPONSE %u ===\nStatus: %u\n", i + 1, a->status);
          if (a->response_headers != NULL)
            {
              g_string_append (out, "Headers:\n");
              append_headers (out, a->response_headers);
            }
          g_string_append (out, "Body:\n");
          append_body (out, &a->response);
        }
      if (a->error != NULL)
        g_string_append_printf (out, "\n=== API ERROR %u ===\n%s\n", i + 1, a->error);
    }

  g_string_append_printf (out, "\n=== RESPONSE ===\nStatus: %u\n", self->status);
  if (self->response_headers != NULL)
    {
      g_string_append (out, "Headers:\n");
      append_headers (out, self->response_headers);
    }
  g_string_append (out, "Body:\n");
  append_body (out, &self->response);

  return g_string_free (out, FALSE);
}

typedef struct
{
  SyRequestLog *log;
  char         *dir;
  gboolean      full;
  guint         error_max_files;
  guint64       max_total_bytes;
  gsize         bytes;
} Job;

static GMutex       writer_lock;
static GCond        writer_cond;
static guint        writer_pending;
static gsize        writer_pending_bytes;
static guint        writer_dropped;        /* since the writer last caught up */
static guint        writer_dropped_total;
static gboolean     writer_held;
static GThreadPool *writer_pool;

/* Ids come from us, but a file name takes no chances. */
static char *
safe_id (const char *id)
{
  char *out = g_strdup (id);

  for (char *p = out; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      *p = '_';
  return out;
}

static void
write_job (gpointer data,
           gpointer user_data)
{
  Job *job = data;
  const char *prefix = job->full ? "request" : "error";
  g_autofree char *raw = NULL;
  g_autofree char *text = NULL;
  g_autofree char *stamp = sy_log_file_name_stamp (job->log->started_real);
  g_autofree char *id = safe_id (job->log->id);
  g_autofree char *name = g_strdup_printf ("%s-%s-%s.log", prefix, stamp, id);
  g_autofree char *path = g_build_filename (job->dir, name, NULL);
  g_autoptr(GError) error = NULL;
  gsize bytes;

  g_mutex_lock (&writer_lock);
  while (writer_held)
    g_cond_wait (&writer_cond, &writer_lock);
  g_mutex_unlock (&writer_lock);

  raw = format_record (job->log);
  text = sy_log_mask_secrets (raw);
  if (g_mkdir_with_parents (job->dir, 0700) != 0 ||
      !g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error))
    g_warning ("request log %s not written: %s", name, error ? error->message : g_strerror (errno));
  else if (job->full && job->max_total_bytes > 0)
    sy_log_dir_prune (job->dir, "request-", job->max_total_bytes, 0);
  else if (!job->full && job->error_max_files > 0)
    sy_log_dir_prune (job->dir, "error-", 0, job->error_max_files);

  bytes = job->bytes;
  sy_request_log_free (job->log);
  g_free (job->dir);
  g_free (job);

  g_mutex_lock (&writer_lock);
  writer_pending--;
  writer_pending_bytes -= bytes;
  g_cond_broadcast (&writer_cond);
  g_mutex_unlock (&writer_lock);
}

void
sy_request_log_finish (SyRequestLog             *self,
                       const SyRequestLogConfig *config)
{
  Job *job;
  guint dropped = 0;

  if (self == NULL)
    return;
  if (config == NULL || config->dir == NULL || (!config->full && !sy_request_log_is_failure (self)))
    {
      sy_request_log_free (self);
      return;
    }
  self->duration_us = g_get_monotonic_time () - self->started_mono;
  job = g_new0 (Job, 1);
  job->log = self;
  job->dir = g_strdup (config->dir);
  job->full = config->full;
  job->error_max_files = config->error_max_files;
  job->max_total_bytes = config->max_total_bytes;
  job->bytes = self->kept;

  g_mutex_lock (&writer_lock);
  /* A disk that does not keep up (a storm of failures, a slow or full
   * disk) must not make records pile up in memory: past the limit a record
   * is dropped, and said so, once as it starts and once as it ends. */
  if (writer_pending > 0 && job->bytes > SY_REQUEST_LOG_PENDING_LIMIT - MIN (writer_pending_bytes, SY_REQUEST_LOG_PENDING_LIMIT))
    {
      gboolean first = writer_dropped == 0;
      guint pending = writer_pending;

      writer_dropped++;
      writer_dropped_total++;
      g_mutex_unlock (&writer_lock);
      if (first)
        g_warning ("request logs are being dropped: %u records (up to %u MiB) are waiting for the disk",
                   pending, (guint) (SY_REQUEST_LOG_PENDING_LIMIT / (1024 * 1024)));
      sy_request_log_free (job->log);
      g_free (job->dir);
      g_free (job);
      return;
    }
  if (writer_pending == 0 && writer_dropped > 0)
    {
      dropped = writer_dropped;
      writer_dropped = 0;
    }
  writer_pending++;
  writer_pending_bytes += job->bytes;
  /* One thread: files are written and pruned in order. */
  if (writer_pool == NULL)
    writer_pool = g_thread_pool_new (write_job, NULL, 1, FALSE, NULL);
  g_mutex_unlock (&writer_lock);
  g_thread_pool_push (writer_pool, job, NULL);
  if (dropped > 0)
    g_warning ("%u request logs were dropped while the disk was behind", dropped);
}

guint
sy_request_log_dropped (void)
{
  guint n;

  g_mutex_lock (&writer_lock);
  n = writer_dropped_total;
  g_mutex_unlock (&writer_lock);
  return n;
}

void
sy_request_log_hold_writer (gboolean hold)
{
  g_mutex_lock (&writer_lock);
  writer_held = hold;
  g_cond_broadcast (&writer_cond);
  g_mutex_unlock (&writer_lock);
}

void
sy_request_log_wait (void)
{
  g_mutex_lock (&writer_lock);
  while (writer_pending > 0)
    g_cond_wait (&writer_cond, &writer_lock);
  g_mutex_unlock (&writer_lock);
}

void
sy_request_log_config_init (SyRequestLogConfig *self,
                            SyConfig           *config)
{
  memset (self, 0, sizeof *self);
  /* commercial-mode: no request logging at all. */
  self->dir = config->commercial_mode ? NULL : sy_log_dir_for_config (config);
  self->full = config->request_log;
  self->error_max_files = (guint) MAX (config->error_logs_max_files, 0);
  self->max_total_bytes = (guint64) MAX (config->logs_max_total_size_mb, 0) * 1024 * 1024;
}

void
sy_request_log_config_clear (SyRequestLogConfig *self)
{
  g_clear_pointer (&self->dir, g_free);
}

/* ------------------------------------------------------------ routes */

typedef struct
{
  char   *name;
  goffset size;
  gint64  modified;
} FileInfo;

static void
file_info_free (FileInfo *info)
{
  g_free (info->name);
  g_free (info);
}

static int
newest_first (gconstpointer a,
              gconstpointer b)
{
  const FileInfo *x = *(FileInfo * const *) a;
  const FileInfo *y = *(FileInfo * const *) b;

  if (x->modified != y->modified)
    return x->modified > y->modified ? -1 : 1;
  return -strcmp (x->name, y->name);
}

static gboolean
is_regular_file (const char *path,
                 GStatBuf   *st)
{
  /* lstat: a link could lead out of the dir. */
  return g_lstat (path, st) == 0 && S_ISREG (st->st_mode);
}

JsonNode *
sy_request_log_list_error_files (const char *dir)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) file_info_free);
  g_autoptr(GDir) d = dir ? g_dir_open (dir, 0, NULL) : NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf st;
      FileInfo *info;

      if (!g_str_has_prefix (name, "error-") || !g_str_has_suffix (name, ".log"))
        continue;
      path = g_build_filename (dir, name, NULL);
      if (!is_regular_file (path, &st))
        continue;
      info = g_new0 (FileInfo, 1);
      info->name = g_strdup (name);
      info->size = st.st_size;
      info->modified = st.st_mtime;
      g_ptr_array_add (files, info);
    }
  g_ptr_array_sort (files, newest_first);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (guint i = 0; i < files->len; i++)
    {
      FileInfo *info = g_ptr_array_index (files, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, info->name);
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, info->size);
      json_builder_set_member_name (b, "modified");
      json_builder_add_int_value (b, info->modified);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
plain_log_name (const char *name)
{
  gsize len = strlen (name);

  if (len < 5 || len > 255 || strstr (name, "..") != NULL || name[0] == '.')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return g_str_has_suffix (name, ".log");
}

char *
sy_request_log_find (const char  *dir,
                     const char  *name_or_id,
                     gboolean     is_id,
                     GError     **error)
{
  GStatBuf st;

  if (dir == NULL || name_or_id == NULL || *name_or_id == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "no log name");
      return NULL;
    }

  if (!is_id)
    {
      g_autofree char *path = NULL;

      if (!g_str_has_prefix (name_or_id, "error-") || !plain_log_name (name_or_id))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "invalid log file name");
          return NULL;
        }
      path = g_build_filename (dir, name_or_id, NULL);
      if (!is_regular_file (path, &st))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "log file not found");
          return NULL;
        }
      return g_steal_pointer (&path);
    }

  if (strchr (name_or_id, '/') != NULL || strchr (name_or_id, '\\') != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "invalid request id");
      return NULL;
    }
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    g_autofree char *suffix = g_strdup_printf ("-%s.log", name_or_id);
    g_autofree char *best = NULL;
    gsize best_skip = 0;
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        gsize skip;
        g_autofree char *path = NULL;

        if (g_str_has_prefix (name, "error-"))
          skip = strlen ("error-");
        else if (g_str_has_prefix (name, "request-"))
          skip = strlen ("request-");
        else
          continue;
        if (!g_str_has_suffix (name, suffix) || !plain_log_name (name))
          continue;
        path = g_build_filename (dir, name, NULL);
        if (!is_regular_file (path, &st))
          continue;
        /* The newest by its stamp, whether request- or error-. */
        if (best == NULL || strcmp (name + skip, best + best_skip) > 0)
          {
            g_free (best);
            best = g_strdup (name);
            best_skip = skip;
          }
      }
    if (best == NULL)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no log for request %s", name_or_id);
        return NULL;
      }
    return g_build_filename (dir, best, NULL);
  }
}
