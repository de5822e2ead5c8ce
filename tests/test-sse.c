/* test-sse.c: the incremental server-sent-events reader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-test"

#include "config.h"

#include <string.h>

#include "sy-core-error.h"
#include "sy-sse.h"

/* Events are recorded as one line of text each, so whole lists compare
 * with a single g_assert_cmpstr(). */

static void
append_escaped (GString    *out,
                const char *s,
                gsize       len)
{
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) s[i];

      if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\\')
        g_string_append (out, "\\\\");
      else if (c < 0x20 || c >= 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
}

static void
append_optional (GString    *out,
                 const char *label,
                 const char *value)
{
  g_string_append (out, label);
  if (value == NULL)
    g_string_append (out, "(null)");
  else
    {
      g_string_append_c (out, '"');
      append_escaped (out, value, strlen (value));
      g_string_append_c (out, '"');
    }
}

typedef struct
{
  GString *log;
  guint    n_events;
  guint    stop_every;   /* return FALSE on every event when 1 */
} Recorder;

static gboolean
record_event (const SySseEvent *event,
              gpointer          user_data)
{
  Recorder *rec = user_data;

  g_assert_nonnull (event->data);
  g_assert_nonnull (event->raw);
  g_assert_cmpint (event->raw[event->raw_len], ==, '\0');
  g_assert_cmpint (event->data[event->data_len], ==, '\0');

  append_optional (rec->log, "event=", event->event);
  append_optional (rec->log, " id=", event->id);
  g_string_append (rec->log, " data=\"");
  append_escaped (rec->log, event->data, event->data_len);
  g_string_append (rec->log, "\" raw=\"");
  append_escaped (rec->log, event->raw, event->raw_len);
  g_string_append (rec->log, "\"\n");
  rec->n_events++;

  return rec->stop_every == 0;
}

typedef struct
{
  const char *name;
  const char *input;
  gsize       input_len;  /* 0: strlen (input) */
  const char *expected;
} SseCase;

#define NUL_INPUT "data: a\0b\n\n"

static const SseCase sse_cases[] = {
  { "single", "data: hello\n\n", 0,
    "event=(null) id=(null) data=\"hello\" raw=\"data: hello\\n\"\n" },
  { "multi-line", "data: a\ndata: b\n\ndata: c\n\n", 0,
    "event=(null) id=(null) data=\"a\\nb\" raw=\"data: a\\ndata: b\\n\"\n"
    "event=(null) id=(null) data=\"c\" raw=\"data: c\\n\"\n" },
  { "crlf", "event: x\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n", 0,
    "event=\"x\" id=(null) data=\"1\" raw=\"event: x\\r\\ndata: 1\\r\\n\"\n"
    "event=(null) id=(null) data=\"2\" raw=\"data: 2\\r\\n\"\n" },
  { "cr", "data: a\rdata: b\r\rdata: c\r\r", 0,
    "event=(null) id=(null) data=\"a\\nb\" raw=\"data: a\\rdata: b\\r\"\n"
    "event=(null) id=(null) data=\"c\" raw=\"data: c\\r\"\n" },
  { "mixed-endings", "data: a\r\ndata: b\rdata: c\n\r\n\n\rdata: d\n\r", 0,
    "event=(null) id=(null) data=\"a\\nb\\nc\" raw=\"data: a\\r\\ndata: b\\rdata: c\\n\"\n"
    "event=(null) id=(null) data=\"d\" raw=\"data: d\\n\"\n" },
  { "comments", ": ping\n\n: note\ndata: x\n: tail\n\n", 0,
    "event=(null) id=(null) data=\"x\" raw=\": note\\ndata: x\\n: tail\\n\"\n" },
  { "id", "id: 7\ndata: x\n\nid: 8\n\n", 0,
    "event=(null) id=\"7\" data=\"x\" raw=\"id: 7\\ndata: x\\n\"\n" },
  { "event-names", "event: a\ndata: 1\n\nevent: b\nevent: c\ndata: 2\n\nevent: ping\n\n", 0,
    "event=\"a\" id=(null) data=\"1\" raw=\"event: a\\ndata: 1\\n\"\n"
    "event=\"c\" id=(null) data=\"2\" raw=\"event: b\\nevent: c\\ndata: 2\\n\"\n"
    "event=\"ping\" id=(null) data=\"\" raw=\"event: ping\\n\"\n" },
  { "bom", "\xEF\xBB\xBF" "data: bom\n\n", 0,
    "event=(null) id=(null) data=\"bom\" raw=\"data: bom\\n\"\n" },
  { "second-bom-is-data", "\xEF\xBB\xBF\xEF\xBB\xBF" "data: x\n\ndata: y\n\n", 0,
    "event=(null) id=(null) data=\"y\" raw=\"data: y\\n\"\n" },
  { "no-colon", "data\n\ndata\ndata\n\n", 0,
    "event=(null) id=(null) data=\"\" raw=\"data\\n\"\n"
    "event=(null) id=(null) data=\"\\n\" raw=\"data\\ndata\\n\"\n" },
  { "spaces", "data:none\ndata:  two\ndata: \n\n", 0,
    "event=(null) id=(null) data=\"none\\n two\\n\" raw=\"data:none\\ndata:  two\\ndata: \\n\"\n" },
  { "ignored-fields", "retry: 10\nfoo: bar\nData: no\ndata: x\n\n", 0,
    "event=(null) id=(null) data=\"x\" raw=\"retry: 10\\nfoo: bar\\nData: no\\ndata: x\\n\"\n" },
  { "leading-blank-lines", "\r\n\r\n\n\rdata: x\r\n\r\n", 0,
    "event=(null) id=(null) data=\"x\" raw=\"data: x\\r\\n\"\n" },
  { "nul-in-data", NUL_INPUT, sizeof NUL_INPUT - 1,
    "event=(null) id=(null) data=\"a\\x00b\" raw=\"data: a\\x00b\\n\"\n" },
  { "trailing-without-blank", "data: a\n\ndata: tail", 0,
    "event=(null) id=(null) data=\"a\" raw=\"data: a\\n\"\n"
    "event=(null) id=(null) data=\"tail\" raw=\"data: tail\"\n" },
  { "trailing-terminated-line", "event: e\ndata: t\r\n", 0,
    "event=\"e\" id=(null) data=\"t\" raw=\"event: e\\ndata: t\\r\\n\"\n" },
  { "trailing-cr", "data: a\r", 0,
    "event=(null) id=(null) data=\"a\" raw=\"data: a\\r\"\n" },
  { "only-comments", ": a\n: b\n\n:c", 0, "" },
  { "empty", "", 0, "" },
};

static char *
run_split (const SseCase *tc,
           const gsize   *cuts,
           guint          n_cuts)
{
  Recorder rec = { g_string_new (NULL), 0, 0 };
  g_autoptr(SySseReader) reader = sy_sse_reader_new (record_event, &rec);
  g_autoptr(GError) error = NULL;
  gsize len = tc->input_len ? tc->input_len : strlen (tc->input);
  gsize pos = 0;

  for (guint i = 0; i <= n_cuts; i++)
    {
      gsize end = i < n_cuts ? cuts[i] : len;

      g_assert_true (sy_sse_reader_feed (reader, tc->input + pos, end - pos, &error));
      g_assert_no_error (error);
      pos = end;
    }
  g_assert_true (sy_sse_reader_finish (reader, &error));
  g_assert_no_error (error);

  return g_string_free (rec.log, FALSE);
}

static void
test_sse_table (void)
{
  for (guint c = 0; c < G_N_ELEMENTS (sse_cases); c++)
    {
      const SseCase *tc = &sse_cases[c];
      gsize len = tc->input_len ? tc->input_len : strlen (tc->input);
      g_autofree gsize *cuts = g_new0 (gsize, len + 1);
      g_autofree char *whole = NULL;
      g_autofree char *bytewise = NULL;

      g_test_message ("case %s", tc->name);

      whole = run_split (tc, NULL, 0);
      g_assert_cmpstr (whole, ==, tc->expected);

      for (gsize i = 0; i < len; i++)
        cuts[i] = i;
      bytewise = run_split (tc, cuts, (guint) len);
      g_assert_cmpstr (bytewise, ==, tc->expected);

      for (guint round = 0; round < 200; round++)
        {
          g_autofree char *split = NULL;
          guint n_cuts = 0;
          gsize pos = 0;

          /* Random cut points, empty pieces allowed. */
          while (len > 0)
            {
              pos += (gsize) g_test_rand_int_range (0, (gint) MIN (len, 6) + 1);
              if (pos >= len)
                break;
              cuts[n_cuts++] = pos;
              if (n_cuts == len)
                break;
            }
          split = run_split (tc, cuts, n_cuts);
          g_assert_cmpstr (split, ==, tc->expected);
        }
    }
}

static void
test_sse_stop_and_resume (void)
{
  const char *input = "data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4";
  Recorder rec = { g_string_new (NULL), 0, 1 };
  g_autoptr(SySseReader) reader = sy_sse_reader_new (record_event, &rec);
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_sse_reader_feed (reader, input, strlen (input), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rec.n_events, ==, 1);

  /* An empty feed continues where the last one stopped. */
  g_assert_true (sy_sse_reader_feed (reader, NULL, 0, &error));
  g_assert_cmpuint (rec.n_events, ==, 2);

  /* A feed with more data still delivers at most one (we stop each time). */
  g_assert_true (sy_sse_reader_feed (reader, "\n", 1, &error));
  g_assert_cmpuint (rec.n_events, ==, 3);

  g_assert_true (sy_sse_reader_finish (reader, &error));
  g_assert_cmpuint (rec.n_events, ==, 4);

  g_assert_true (sy_sse_reader_finish (reader, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rec.n_events, ==, 4);

  g_assert_cmpstr (rec.log->str, ==,
                   "event=(null) id=(null) data=\"1\" raw=\"data: 1\\n\"\n"
                   "event=(null) id=(null) data=\"2\" raw=\"data: 2\\n\"\n"
                   "event=(null) id=(null) data=\"3\" raw=\"data: 3\\n\"\n"
                   "event=(null) id=(null) data=\"4\" raw=\"data: 4\\n\"\n");
  g_string_free (rec.log, TRUE);
}

static void
test_sse_stop_then_finish (void)
{
  const char *input = "data: 1\n\ndata: 2\n\ndata: 3";
  Recorder rec = { g_string_new (NULL), 0, 1 };
  g_autoptr(SySseReader) reader = sy_sse_reader_new (record_event, &rec);
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_sse_reader_feed (reader, input, strlen (input), &error));
  g_assert_cmpuint (rec.n_events, ==, 1);
  g_assert_true (sy_sse_reader_finish (reader, &error));
  g_assert_cmpuint (rec.n_events, ==, 2);
  g_assert_true (sy_sse_reader_finish (reader, &error));
  g_assert_cmpuint (rec.n_events, ==, 3);
  g_assert_no_error (error);

  /* After a complete finish the reader is ready for a new stream. */
  rec.stop_every = 0;
  g_assert_true (sy_sse_reader_feed (reader, "\xEF\xBB\xBF" "data: 4\n\n", 12, &error));
  g_assert_cmpuint (rec.n_events, ==, 4);
  g_assert_true (g_str_has_suffix (rec.log->str, "data=\"4\" raw=\"data: 4\\n\"\n"));
  g_string_free (rec.log, TRUE);
}

static void
test_sse_max_event (void)
{
  Recorder rec = { g_string_new (NULL), 0, 0 };
  g_autoptr(SySseReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  const char *ok = "data: 0123\n\n";        /* raw is 11 bytes */
  const char *big = "data: 0123456789\n\n";

  reader = sy_sse_reader_new (record_event, &rec);
  sy_sse_reader_set_max_event (reader, 11);
  g_assert_true (sy_sse_reader_feed (reader, ok, strlen (ok), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rec.n_events, ==, 1);

  g_assert_false (sy_sse_reader_feed (reader, big, strlen (big), &error));
  g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_SSE_TOO_LARGE);
  g_assert_cmpuint (rec.n_events, ==, 1);
  g_clear_error (&error);

  /* The failure is sticky. */
  g_assert_false (sy_sse_reader_feed (reader, ok, strlen (ok), &error));
  g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_SSE_TOO_LARGE);
  g_clear_error (&error);
  g_assert_false (sy_sse_reader_finish (reader, &error));
  g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_SSE_TOO_LARGE);
  g_clear_error (&error);
  g_clear_pointer (&reader, sy_sse_reader_free);

  /* Byte by byte: the error comes without waiting for a line end. */
  reader = sy_sse_reader_new (record_event, &rec);
  sy_sse_reader_set_max_event (reader, 64);
  {
    gboolean failed = FALSE;

    for (guint i = 0; i < 1000 && !failed; i++)
      {
        if (!sy_sse_reader_feed (reader, i < 6 ? &"data: "[i] : "x", 1, &error))
          {
            failed = TRUE;
            g_assert_cmpuint (i, ==, 64);
          }
      }
    g_assert_true (failed);
    g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_SSE_TOO_LARGE);
    g_clear_error (&error);
  }

  /* Comment lines count too: a stream of comments cannot grow unbounded. */
  g_clear_pointer (&reader, sy_sse_reader_free);
  reader = sy_sse_reader_new (record_event, &rec);
  sy_sse_reader_set_max_event (reader, 64);
  {
    gboolean failed = FALSE;

    for (guint i = 0; i < 100 && !failed; i++)
      failed = !sy_sse_reader_feed (reader, ": keepalive\n", 12, &error);
    g_assert_true (failed);
    g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_SSE_TOO_LARGE);
  }

  g_string_free (rec.log, TRUE);
}

typedef struct
{
  guint  n_events;
  gsize  data_len;
  gsize  raw_len;
  gsize  n_x;
} BigCount;

static gboolean
count_big (const SySseEvent *event,
           gpointer          user_data)
{
  BigCount *count = user_data;

  count->n_events++;
  count->data_len = event->data_len;
  count->raw_len = event->raw_len;
  for (gsize i = 0; i < event->data_len; i++)
    count->n_x += event->data[i] == 'x';
  return TRUE;
}

static void
feed_bytewise (SySseReader *reader,
               const char  *s,
               gsize        len)
{
  for (gsize i = 0; i < len; i++)
    g_assert_true (sy_sse_reader_feed (reader, s + i, 1, NULL));
}

static void
test_sse_linear (void)
{
  const gsize big = 4 * 1024 * 1024;
  g_autofree char *payload = g_malloc (big);
  BigCount count = { 0 };
  g_autoptr(SySseReader) reader = sy_sse_reader_new (count_big, &count);
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  memset (payload, 'x', big);

  /* One long line. */
  feed_bytewise (reader, "data: ", 6);
  feed_bytewise (reader, payload, big);
  feed_bytewise (reader, "\n\n", 2);
  g_assert_cmpuint (count.n_events, ==, 1);
  g_assert_cmpuint (count.data_len, ==, big);
  g_assert_cmpuint (count.n_x, ==, big);
  g_assert_cmpuint (count.raw_len, ==, big + 7);

  /* Many lines in one event. */
  for (gsize i = 0; i < big; i += 128)
    payload[i] = '\n';
  feed_bytewise (reader, "data: ", 6);
  for (gsize i = 0; i < big; i++)
    {
      feed_bytewise (reader, payload + i, 1);
      if (payload[i] == '\n')
        feed_bytewise (reader, "data: ", 6);
    }
  feed_bytewise (reader, "\n\n", 2);
  g_assert_cmpuint (count.n_events, ==, 2);
  g_assert_cmpuint (count.n_x, ==, big + big - big / 128);

  elapsed = g_get_monotonic_time () - start;
  g_test_message ("fed 8 MiB byte by byte in %" G_GINT64_FORMAT " ms", elapsed / 1000);
  /* Quadratic scanning would take minutes; linear takes well under a second
   * (a few seconds under sanitizers). */
  g_assert_cmpint (elapsed, <, 20 * G_USEC_PER_SEC);
}

typedef struct
{
  GPtrArray *events;
  GPtrArray *datas;
} Collected;

static gboolean
collect_event (const SySseEvent *event,
               gpointer          user_data)
{
  Collected *c = user_data;

  g_ptr_array_add (c->events, g_strdup (event->event));
  g_ptr_array_add (c->datas, g_bytes_new (event->data, event->data_len));
  return TRUE;
}

static void
test_sse_append_round_trip (void)
{
  static const struct {
    const char *event;
    const char *data;
  } items[] = {
    { NULL, "hello" },
    { "message", "line 1\nline 2\n" },
    { "delta", "" },
    { NULL, "\n\n" },
    { "x", "  leading spaces" },
    { NULL, ": not a comment\ndata: not a field" },
    { "ping", "{\"a\": 1}" },
  };
  g_autoptr(GString) out = g_string_new (NULL);
  Collected c = { g_ptr_array_new_with_free_func (g_free),
                  g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref) };
  g_autoptr(SySseReader) reader = sy_sse_reader_new (collect_event, &c);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) crlf = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    sy_sse_append_event (out, items[i].event, items[i].data, -1);

  g_assert_true (g_str_has_prefix (out->str, "data: hello\n\nevent: message\ndata: line 1\n"));

  for (gsize i = 0; i < out->len; i += 3)
    g_assert_true (sy_sse_reader_feed (reader, out->str + i, MIN (3, out->len - i), &error));
  g_assert_true (sy_sse_reader_finish (reader, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (c.events->len, ==, G_N_ELEMENTS (items));
  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      gsize len;
      const char *data = g_bytes_get_data (g_ptr_array_index (c.datas, i), &len);

      g_assert_cmpstr (g_ptr_array_index (c.events, i), ==, items[i].event);
      g_assert_cmpmem (data, len, items[i].data, strlen (items[i].data));
    }

  /* CR and CRLF in data become line breaks the reader reads back as '\n';
   * an explicit length is honoured; event names are cut at a line end. */
  sy_sse_append_event (crlf, "a\r\nevent: b", "1\r\n2\r3\n4xyz", 8);
  g_assert_cmpstr (crlf->str, ==, "event: a\ndata: 1\ndata: 2\ndata: 3\ndata: 4\n\n");

  g_ptr_array_unref (c.events);
  g_ptr_array_unref (c.datas);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sse/table", test_sse_table);
  g_test_add_func ("/sse/stop-and-resume", test_sse_stop_and_resume);
  g_test_add_func ("/sse/stop-then-finish", test_sse_stop_then_finish);
  g_test_add_func ("/sse/max-event", test_sse_max_event);
  g_test_add_func ("/sse/linear", test_sse_linear);
  g_test_add_func ("/sse/append-round-trip", test_sse_append_round_trip);

  return g_test_run ();
}
