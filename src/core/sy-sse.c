/* sy-sse.c: incremental server-sent-events reader and writer helpers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-core"

#include "config.h"

#include <string.h>

#include "sy-core-error.h"
#include "sy-sse.h"

/*
 * The reader keeps, in buf, the bytes of the current block (from
 * block_start) and anything fed after it. Lines are processed one at a
 * time as their terminator arrives, so each byte is scanned once:
 * line_start is where the next unprocessed line begins, and scan_pos how
 * far we already looked for its terminator. Field values are accumulated
 * into data/event/id as their lines complete; the raw block is simply
 * buf[block_start, start of the blank line).
 *
 * Consumed bytes are dropped from the front of buf once per feed, not
 * once per event, which keeps a feed of many small events linear too.
 */

typedef enum
{
  BOM_UNKNOWN,
  BOM_DONE,
} BomState;

struct _SySseReader
{
  SySseEventFunc  func;
  gpointer        user_data;
  gsize           max_event;

  GString        *buf;
  gsize           block_start;
  gsize           line_start;
  gsize           scan_pos;

  GString        *data;
  GString        *event;
  GString        *id;

  GError         *failure;      /* sticky SSE_TOO_LARGE */

  BomState        bom;
  guint           has_data : 1;
  guint           has_event : 1;
  guint           has_id : 1;
  guint           after_cr : 1; /* last terminator was a '\r' at the end of buf */
  guint           stopped : 1;  /* callback returned FALSE during this call */
  guint           in_callback : 1;
};

static const char bom_bytes[] = "\xEF\xBB\xBF";

SySseReader *
sy_sse_reader_new (SySseEventFunc func,
                   gpointer       user_data)
{
  SySseReader *self;

  g_return_val_if_fail (func != NULL, NULL);

  self = g_new0 (SySseReader, 1);
  self->func = func;
  self->user_data = user_data;
  self->max_event = SY_SSE_DEFAULT_MAX_EVENT;
  self->buf = g_string_new (NULL);
  self->data = g_string_new (NULL);
  self->event = g_string_new (NULL);
  self->id = g_string_new (NULL);
  self->bom = BOM_UNKNOWN;

  return self;
}

void
sy_sse_reader_set_max_event (SySseReader *self,
                             gsize        max_bytes)
{
  g_return_if_fail (self != NULL);

  self->max_event = max_bytes;
}

void
sy_sse_reader_free (SySseReader *self)
{
  if (self == NULL)
    return;

  g_string_free (self->buf, TRUE);
  g_string_free (self->data, TRUE);
  g_string_free (self->event, TRUE);
  g_string_free (self->id, TRUE);
  g_clear_error (&self->failure);
  g_free (self);
}

static void
reset_fields (SySseReader *self)
{
  g_string_truncate (self->data, 0);
  g_string_truncate (self->event, 0);
  g_string_truncate (self->id, 0);
  self->has_data = FALSE;
  self->has_event = FALSE;
  self->has_id = FALSE;
}

/* Dispatches the block buf[block_start, raw_end). Returns what the callback
 * returned (TRUE when nothing was dispatched). */
static gboolean
dispatch (SySseReader *self,
          gsize        raw_end)
{
  SySseEvent event = { 0 };
  char saved_raw;
  gboolean ret;

  if (!self->has_data && !self->has_event)
    {
      reset_fields (self);
      return TRUE;
    }

  if (self->has_data)
    {
      /* Drop the '\n' added after the last data line. */
      g_string_truncate (self->data, self->data->len - 1);
    }

  event.event = self->has_event ? self->event->str : NULL;
  event.data = self->data->str;
  event.data_len = self->data->len;
  event.id = self->has_id ? self->id->str : NULL;
  event.raw = self->buf->str + self->block_start;
  event.raw_len = raw_end - self->block_start;

  /* Make raw a C string for the callback's convenience. */
  saved_raw = self->buf->str[raw_end];
  self->buf->str[raw_end] = '\0';

  self->in_callback = TRUE;
  ret = self->func (&event, self->user_data);
  self->in_callback = FALSE;

  self->buf->str[raw_end] = saved_raw;
  reset_fields (self);

  return ret;
}

static void
process_field (SySseReader *self,
               const char  *line,
               gsize        len)
{
  const char *colon = memchr (line, ':', len);
  const char *value;
  gsize name_len;
  gsize value_len;

  if (colon == NULL)
    {
      name_len = len;
      value = line + len;
      value_len = 0;
    }
  else
    {
      name_len = (gsize) (colon - line);
      value = colon + 1;
      value_len = len - name_len - 1;
      if (value_len > 0 && value[0] == ' ')
        {
          value++;
          value_len--;
        }
    }

#define FIELD_IS(name) (name_len == strlen (name) && memcmp (line, name, name_len) == 0)
  if (FIELD_IS ("data"))
    {
      g_string_append_len (self->data, value, value_len);
      g_string_append_c (self->data, '\n');
      self->has_data = TRUE;
    }
  else if (FIELD_IS ("event"))
    {
      g_string_truncate (self->event, 0);
      g_string_append_len (self->event, value, value_len);
      self->has_event = TRUE;
    }
  else if (FIELD_IS ("id"))
    {
      /* WHATWG: an id containing NUL is ignored. */
      if (memchr (value, '\0', value_len) == NULL)
        {
          g_string_truncate (self->id, 0);
          g_string_append_len (self->id, value, value_len);
          self->has_id = TRUE;
        }
    }
  /* "retry" and unknown fields are ignored. */
#undef FIELD_IS
}

static gboolean
check_size (SySseReader *self,
            gsize        end,
            GError     **error)
{
  if (end - self->block_start <= self->max_event)
    return TRUE;

  self->failure = g_error_new (SY_CORE_ERROR, SY_CORE_ERROR_SSE_TOO_LARGE,
                               "Server-sent event larger than %" G_GSIZE_FORMAT " bytes",
                               self->max_event);
  g_propagate_error (error, g_error_copy (self->failure));
  return FALSE;
}

/* Processes every complete line in buf. */
static gboolean
process_lines (SySseReader *self,
               GError     **error)
{
  while (!self->stopped)
    {
      const char *s = self->buf->str;
      gsize len = self->buf->len;
      gsize p = self->scan_pos;
      gsize eol;
      gsize next;

      if (self->after_cr && p < len)
        {
          self->after_cr = FALSE;
          if (s[p] == '\n')
            {
              /* The '\n' of a "\r\n" split across feeds: it belongs to the
               * previous line (so to raw, unless that line was blank). */
              p++;
              if (self->block_start == self->line_start)
                self->block_start = p;
              self->line_start = p;
              self->scan_pos = p;
            }
        }

      /* strcspn is the C library's vectorised scan; the buffer is a
       * GString, so NUL-terminated, and a NUL inside a line only restarts
       * the scan past it. */
      eol = p + strcspn (s + p, "\r\n");
      while (eol < len && s[eol] == '\0')
        eol = eol + 1 + strcspn (s + eol + 1, "\r\n");

      if (eol == len)
        {
          self->scan_pos = len;
          return check_size (self, len, error);
        }

      if (!check_size (self, eol, error))
        return FALSE;

      if (s[eol] == '\r')
        {
          if (eol + 1 < len)
            next = (s[eol + 1] == '\n') ? eol + 2 : eol + 1;
          else
            {
              next = eol + 1;
              self->after_cr = TRUE;
            }
        }
      else
        {
          next = eol + 1;
        }

      if (eol == self->line_start)
        {
          gsize raw_end = self->line_start;

          self->line_start = self->scan_pos = next;
          if (!dispatch (self, raw_end))
            self->stopped = TRUE;
          self->block_start = next;
        }
      else
        {
          if (s[self->line_start] != ':')
            process_field (self, s + self->line_start, eol - self->line_start);
          self->line_start = self->scan_pos = next;
        }
    }

  return TRUE;
}

static void
compact (SySseReader *self)
{
  gsize drop = self->block_start;

  if (drop == 0)
    return;

  g_string_erase (self->buf, 0, drop);
  self->block_start = 0;
  self->line_start -= drop;
  self->scan_pos -= drop;
}

/* Returns FALSE while the first bytes may still turn out to be a BOM. */
static gboolean
handle_bom (SySseReader *self,
            gboolean     at_eof)
{
  gsize n;

  if (self->bom == BOM_DONE)
    return TRUE;

  n = MIN (self->buf->len, 3);
  if (memcmp (self->buf->str, bom_bytes, n) != 0)
    {
      self->bom = BOM_DONE;
      return TRUE;
    }
  if (n == 3)
    {
      g_string_erase (self->buf, 0, 3);
      self->bom = BOM_DONE;
      return TRUE;
    }
  if (at_eof)
    {
      self->bom = BOM_DONE;
      return TRUE;
    }

  return FALSE;
}

gboolean
sy_sse_reader_feed (SySseReader *self,
                    const char  *data,
                    gsize        len,
                    GError     **error)
{
  gboolean ret;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (!self->in_callback, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->failure != NULL)
    {
      g_propagate_error (error, g_error_copy (self->failure));
      return FALSE;
    }

  g_string_append_len (self->buf, data, len);

  if (!handle_bom (self, FALSE))
    return TRUE;

  self->stopped = FALSE;
  ret = process_lines (self, error);
  compact (self);

  return ret;
}

gboolean
sy_sse_reader_finish (SySseReader *self,
                      GError     **error)
{
  gsize len;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->in_callback, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->failure != NULL)
    {
      g_propagate_error (error, g_error_copy (self->failure));
      return FALSE;
    }

  handle_bom (self, TRUE);

  self->stopped = FALSE;
  if (!process_lines (self, error))
    return FALSE;

  if (self->stopped)
    {
      compact (self);
      return TRUE;
    }

  /* A last line without its terminator. */
  len = self->buf->len;
  if (self->line_start < len)
    {
      const char *line = self->buf->str + self->line_start;

      if (line[0] != ':')
        process_field (self, line, len - self->line_start);
      self->line_start = self->scan_pos = len;
    }

  /* Nothing is left after this one, so its return value is moot. */
  dispatch (self, len);

  /* Everything consumed: ready for a new stream. */
  g_string_truncate (self->buf, 0);
  self->block_start = self->line_start = self->scan_pos = 0;
  self->after_cr = FALSE;
  self->bom = BOM_UNKNOWN;
  reset_fields (self);

  return TRUE;
}

void
sy_sse_append_event (GString    *out,
                     const char *event,
                     const char *data,
                     gssize      data_len)
{
  gsize len;
  gsize start = 0;

  g_return_if_fail (out != NULL);
  g_return_if_fail (data != NULL || data_len <= 0);

  if (data == NULL)
    data = "";
  len = data_len < 0 ? strlen (data) : (gsize) data_len;

  if (event != NULL)
    {
      /* An event name cannot span lines: cut it at the first line end. */
      g_string_append (out, "event: ");
      g_string_append_len (out, event, strcspn (event, "\r\n"));
      g_string_append_c (out, '\n');
    }

  /* One "data:" line per line of data; "\r\n", "\r" and "\n" all end a
   * line in the reader, so all three split here. */
  for (;;)
    {
      /* Compact JSON has no line ends at all: memchr finds that at once. */
      const char *nl = memchr (data + start, '\n', len - start);
      const char *cr = memchr (data + start, '\r', (gsize) ((nl != NULL ? nl : data + len) - (data + start)));
      gsize end = cr != NULL ? (gsize) (cr - data) : nl != NULL ? (gsize) (nl - data) : len;

      g_string_append (out, "data: ");
      g_string_append_len (out, data + start, end - start);
      g_string_append_c (out, '\n');

      if (end >= len)
        break;

      if (data[end] == '\r' && end + 1 < len && data[end + 1] == '\n')
        end++;
      start = end + 1;
    }

  g_string_append_c (out, '\n');
}
