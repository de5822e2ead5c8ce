/* fuzz-sse.c: libFuzzer target for the server-sent-events reader
 *
 * A differential check: the events read from a stream must not depend on
 * how the stream was cut into network reads. The first bytes of the input
 * choose the cuts (and a small event size limit); the rest is the stream.
 * It is read three times: in one piece by a new reader, in the chosen
 * pieces by another, and in the chosen pieces again by the first reader
 * after its finish (which makes it ready for a new stream). All three must
 * see the same events (name, data, id, raw block) and the same outcome.
 * Then every event is written back with sy_sse_append_event() and read
 * again: the writer's output must read as that same event.
 *
 * Input: byte 0: bits 0-2 the number N of cut bytes that follow, bits 3-4
 * the size limit (none, 8, 64, 512 bytes); N bytes: piece lengths, used
 * in turn (0: an empty read); the stream.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sy-core-error.h"
#include "sy-sse.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const gsize limits[] = { SY_SSE_DEFAULT_MAX_EVENT, 8, 64, 512 };

/* Quiet; but a critical (a failed precondition: a call a caller must
 * not make) is a bug, and crashes. */
static void
quiet_log (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  if (level & G_LOG_LEVEL_CRITICAL)
    abort ();
}

typedef struct
{
  GString *out;
} Log;

static void
append_field (GString    *log,
              char        tag,
              const char *value,
              gsize       len)
{
  if (value == NULL)
    {
      g_string_append_printf (log, "%c-|", tag);
      return;
    }
  g_string_append_printf (log, "%c%" G_GSIZE_FORMAT ":", tag, len);
  g_string_append_len (log, value, (gssize) len);
  g_string_append_c (log, '|');
}

/* Every event, written down unambiguously. */
static gboolean
log_event (const SySseEvent *event,
           gpointer          user_data)
{
  GString *log = ((Log *) user_data)->out;

  if (event->data == NULL || event->raw == NULL || event->raw[event->raw_len] != '\0' ||
      event->data[event->data_len] != '\0')
    abort ();
  append_field (log, 'E', event->event, event->event ? strlen (event->event) : 0);
  append_field (log, 'D', event->data, event->data_len);
  append_field (log, 'I', event->id, event->id ? strlen (event->id) : 0);
  append_field (log, 'R', event->raw, event->raw_len);
  g_string_append_c (log, '\n');
  return TRUE;
}

/* Reads @stream in the pieces @cuts says; the outcome is logged too. */
static void
read_pieces (SySseReader  *reader,
             Log          *log,
             const guint8 *cuts,
             gsize         n_cuts,
             const char   *stream,
             gsize         len)
{
  g_autoptr(GError) error = NULL;
  gsize pos = 0;
  gsize i = 0;
  gsize empty = 0;
  gboolean ok = TRUE;

  while (ok && pos < len)
    {
      gsize piece = n_cuts > 0 ? cuts[i++ % n_cuts] : len;

      /* An empty read is a case too, but cuts all 0 would get nowhere. */
      empty = piece == 0 ? empty + 1 : 0;
      if (empty > n_cuts)
        piece = 1;
      piece = MIN (piece, len - pos);
      ok = sy_sse_reader_feed (reader, stream + pos, piece, &error);
      pos += piece;
    }
  if (ok)
    ok = sy_sse_reader_finish (reader, &error);
  if (ok != (error == NULL))
    abort ();
  if (error != NULL && !g_error_matches (error, SY_CORE_ERROR, SY_CORE_ERROR_SSE_TOO_LARGE))
    abort ();
  g_string_append (log->out, ok ? "ok\n" : "too large\n");
}

static gboolean
check_round_trip (const SySseEvent *event,
                  gpointer          user_data)
{
  g_autoptr(GString) written = g_string_new (NULL);
  g_autoptr(GString) read = g_string_new (NULL);
  g_autoptr(GString) expected = g_string_new (NULL);
  Log read_log = { read };
  Log expected_log = { expected };
  g_autoptr(SySseReader) reader = sy_sse_reader_new (log_event, &read_log);
  SySseEvent same = *event;

  sy_sse_append_event (written, event->event, event->data, (gssize) event->data_len);
  if (!sy_sse_reader_feed (reader, written->str, written->len, NULL) || !sy_sse_reader_finish (reader, NULL))
    abort ();
  /* No id is written; the raw block is the writer's. */
  same.id = NULL;
  same.raw = written->str;
  same.raw_len = written->len - 1;   /* without the blank line's '\n' */
  written->str[same.raw_len] = '\0';
  log_event (&same, &expected_log);
  g_string_append (expected, "ok\n");
  g_string_append (read, "ok\n");
  if (strcmp (read->str, expected->str) != 0)
    abort ();
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static gboolean initialized;
  g_autoptr(GString) whole = g_string_new (NULL);
  g_autoptr(GString) pieces = g_string_new (NULL);
  g_autoptr(GString) again = g_string_new (NULL);
  g_autoptr(SySseReader) one = NULL;
  g_autoptr(SySseReader) other = NULL;
  g_autoptr(SySseReader) round_trip = NULL;
  Log one_log = { whole };
  Log other_log = { pieces };
  const guint8 *cuts;
  const char *stream;
  gsize n_cuts;
  gsize limit;
  gsize len;

  if (!initialized)
    {
      g_log_set_default_handler (quiet_log, NULL);
      initialized = TRUE;
    }
  if (size < 1)
    return 0;
  n_cuts = data[0] & 7;
  limit = limits[(data[0] >> 3) & 3];
  if (size < 1 + n_cuts)
    return 0;
  cuts = data + 1;
  stream = (const char *) data + 1 + n_cuts;
  len = size - 1 - n_cuts;

  one = sy_sse_reader_new (log_event, &one_log);
  other = sy_sse_reader_new (log_event, &other_log);
  sy_sse_reader_set_max_event (one, limit);
  sy_sse_reader_set_max_event (other, limit);

  read_pieces (one, &one_log, NULL, 0, stream, len);
  read_pieces (other, &other_log, cuts, n_cuts, stream, len);
  if (strcmp (whole->str, pieces->str) != 0)
    abort ();
  if (!g_str_has_suffix (whole->str, "ok\n"))
    return 0;

  /* Finished: the same reader reads the stream again as a new one did. */
  one_log.out = again;
  read_pieces (one, &one_log, cuts, n_cuts, stream, len);
  if (strcmp (whole->str, again->str) != 0)
    abort ();

  /* What was read, written and read again, is the same event. */
  round_trip = sy_sse_reader_new (check_round_trip, NULL);
  if (!sy_sse_reader_feed (round_trip, stream, len, NULL) || !sy_sse_reader_finish (round_trip, NULL))
    abort ();
  return 0;
}
