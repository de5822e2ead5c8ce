/* test-log.c: secrets never reach a log line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-log.h"

static void
test_mask (void)
{
  g_autofree char *a = sy_mask_secret ("sk-abcdefghijklmnop1234");
  g_autofree char *b = sy_mask_secret ("short");

  g_assert_cmpstr (a, ==, "sk-...1234");
  g_assert_cmpstr (b, ==, "***");
}

static void
test_registered (void)
{
  g_autofree char *out = NULL;

  sy_log_add_secret ("my-registered-secret-value");
  out = sy_log_mask_secrets ("key=my-registered-secret-value and again my-registered-secret-value.");
  g_assert_null (strstr (out, "my-registered-secret-value"));
  g_assert_nonnull (strstr (out, "my-...alue"));
  sy_log_clear_secrets ();
}

/* Two holders of one secret: masked until the last lets it go. */
static void
test_registered_holders (void)
{
  const char *text = "value zq9-holder-secret-zq9 here";

  sy_log_add_secret ("zq9-holder-secret-zq9");
  sy_log_add_secret ("zq9-holder-secret-zq9");
  sy_log_remove_secret ("zq9-holder-secret-zq9");
  {
    g_autofree char *out = sy_log_mask_secrets (text);

    g_assert_null (strstr (out, "holder-secret"));
  }
  sy_log_remove_secret ("zq9-holder-secret-zq9");
  sy_log_remove_secret ("zq9-holder-secret-zq9");   /* once too often: harmless */
  {
    g_autofree char *out = sy_log_mask_secrets (text);

    g_assert_cmpstr (out, ==, text);
  }
  sy_log_clear_secrets ();
}

static void
test_shapes (void)
{
  struct { const char *in; const char *secret; } cases[] = {
    { "Authorization: Bearer sk-ant-oat01-AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAAA" },
    { "key AIzaSyA1234567890abcdefghijklmnop", "SyA1234567890abcdefghijklmnop" },
    { "token ya29.a0AfH6SMBxxxxxxxxxxxxxxxxxxx end", "a0AfH6SMBxxxxxxxxxxxxxxxxxxx" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = sy_log_mask_secrets (cases[i].in);
      g_assert_null (strstr (out, cases[i].secret));
    }

  /* Words that merely contain a prefix stay as they are. */
  {
    g_autofree char *out = sy_log_mask_secrets ("task-queue-management-handler ok");
    g_assert_cmpstr (out, ==, "task-queue-management-handler ok");
  }
}

/* ------------------------------------------------------------ listeners */

typedef struct
{
  GMutex     lock;
  GPtrArray *lines;
  GArray    *levels;
  guint      destroyed;
} Heard;

static void
heard_init (Heard *h)
{
  g_mutex_init (&h->lock);
  h->lines = g_ptr_array_new_with_free_func (g_free);
  h->levels = g_array_new (FALSE, FALSE, sizeof (GLogLevelFlags));
  h->destroyed = 0;
}

static void
heard_clear (Heard *h)
{
  g_clear_pointer (&h->lines, g_ptr_array_unref);
  g_clear_pointer (&h->levels, g_array_unref);
  g_mutex_clear (&h->lock);
}

static void
on_line (GLogLevelFlags  level,
         const char     *line,
         gpointer        user_data)
{
  Heard *h = user_data;

  g_mutex_lock (&h->lock);
  g_ptr_array_add (h->lines, g_strdup (line));
  g_array_append_val (h->levels, level);
  g_mutex_unlock (&h->lock);
}

static void
on_destroy (gpointer user_data)
{
  ((Heard *) user_data)->destroyed++;
}

static gboolean
strv_has_suffix (char       **lines,
                 const char  *suffix)
{
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_suffix (lines[i], suffix))
      return TRUE;
  return FALSE;
}

/* Each line as the ring keeps it (masked, with its level), the debug
 * lines that are not written neither; nothing once removed. */
static void
test_listener (void)
{
  Heard h;
  guint id;
  g_auto(GStrv) recent = NULL;
  GLogLevelFlags fatal;

  heard_init (&h);
  sy_log_add_secret ("zq8-listened-secret-zq8");
  id = sy_log_add_listener (on_line, &h, on_destroy);
  g_assert_cmpuint (id, >, 0);
  g_log ("sy-test", G_LOG_LEVEL_MESSAGE, "first with zq8-listened-secret-zq8");
  /* g_test_init() made warnings fatal: this one is the test's. */
  fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log ("sy-test", G_LOG_LEVEL_WARNING, "second");
  g_log_set_always_fatal (fatal);
  g_log ("sy-test", G_LOG_LEVEL_DEBUG, "not written without debug");

  g_assert_cmpuint (h.lines->len, ==, 2);
  g_assert_true (g_str_has_suffix (g_ptr_array_index (h.lines, 0),
                                   " MESSAGE sy-test: first with zq8...-zq8"));
  g_assert_null (strstr (g_ptr_array_index (h.lines, 0), "listened-secret"));
  g_assert_cmpint (g_array_index (h.levels, GLogLevelFlags, 0), ==, G_LOG_LEVEL_MESSAGE);
  g_assert_true (g_str_has_suffix (g_ptr_array_index (h.lines, 1), " WARNING sy-test: second"));
  g_assert_cmpint (g_array_index (h.levels, GLogLevelFlags, 1), ==, G_LOG_LEVEL_WARNING);
  /* What the listener heard is what the ring has. */
  recent = sy_log_dup_recent (2);
  g_assert_cmpstr (recent[0], ==, g_ptr_array_index (h.lines, 0));
  g_assert_cmpstr (recent[1], ==, g_ptr_array_index (h.lines, 1));

  g_assert_cmpuint (h.destroyed, ==, 0);
  sy_log_remove_listener (id);
  g_assert_cmpuint (h.destroyed, ==, 1);
  g_log ("sy-test", G_LOG_LEVEL_MESSAGE, "after removal");
  g_assert_cmpuint (h.lines->len, ==, 2);
  sy_log_clear_secrets ();
  heard_clear (&h);
}

/* Added with the ring's lines: a line is in one or the other. */
static void
test_listener_with_recent (void)
{
  Heard h;
  guint id;
  g_auto(GStrv) recent = NULL;

  heard_init (&h);
  g_log ("sy-test", G_LOG_LEVEL_MESSAGE, "before the listener");
  id = sy_log_add_listener_with_recent (on_line, &h, NULL, 10, &recent);
  g_log ("sy-test", G_LOG_LEVEL_MESSAGE, "after the listener");

  g_assert_cmpuint (g_strv_length (recent), <=, 10);
  g_assert_true (strv_has_suffix (recent, "sy-test: before the listener"));
  g_assert_false (strv_has_suffix (recent, "sy-test: after the listener"));
  g_assert_cmpuint (h.lines->len, ==, 1);
  g_assert_true (g_str_has_suffix (g_ptr_array_index (h.lines, 0), "sy-test: after the listener"));
  sy_log_remove_listener (id);
  heard_clear (&h);
}

#define THREAD_LINES 200

static gpointer
log_from_thread (gpointer data)
{
  for (guint i = 0; i < THREAD_LINES; i++)
    g_log ("sy-test", G_LOG_LEVEL_MESSAGE, "thread %s line %u", (const char *) data, i);
  return NULL;
}

/* Lines logged on other threads reach the listener, all of them, each
 * thread's in its order; removing while they log is safe. */
static void
test_listener_threads (void)
{
  Heard h;
  guint id, other;
  GThread *a, *b;
  guint next_a = 0, next_b = 0;

  heard_init (&h);
  id = sy_log_add_listener (on_line, &h, on_destroy);
  other = sy_log_add_listener (on_line, &h, on_destroy);
  a = g_thread_new ("log-a", log_from_thread, (gpointer) "a");
  b = g_thread_new ("log-b", log_from_thread, (gpointer) "b");
  /* The second listener goes while the threads log. */
  sy_log_remove_listener (other);
  g_thread_join (a);
  g_thread_join (b);
  sy_log_remove_listener (id);
  g_assert_cmpuint (h.destroyed, ==, 2);

  for (guint i = 0; i < h.lines->len; i++)
    {
      const char *line = g_ptr_array_index (h.lines, i);
      const char *at = strstr (line, "sy-test: thread ");
      g_autofree char *want_a = g_strdup_printf ("sy-test: thread a line %u", next_a);
      g_autofree char *want_b = g_strdup_printf ("sy-test: thread b line %u", next_b);

      g_assert_nonnull (at);
      /* Heard twice while both listeners were there: skip the copy. */
      if (i > 0 && g_strcmp0 (line, g_ptr_array_index (h.lines, i - 1)) == 0)
        continue;
      if (g_str_equal (at, want_a))
        next_a++;
      else if (g_str_equal (at, want_b))
        next_b++;
      else
        g_error ("out of order: %s (next a %u, b %u)", line, next_a, next_b);
    }
  g_assert_cmpuint (next_a, ==, THREAD_LINES);
  g_assert_cmpuint (next_b, ==, THREAD_LINES);
  heard_clear (&h);
}

/* The remembered line's stamp: ISO 8601 to the millisecond with the zone,
 * the time it was logged (the date part is formatted once a second). */
static gint64
logged_at (const char *text)
{
  g_auto(GStrv) recent = NULL;
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *stamp = NULL;
  g_autofree char *expected_tail = g_strdup_printf (" MESSAGE sy-test: %s", text);

  g_log ("sy-test", G_LOG_LEVEL_MESSAGE, "%s", text);
  recent = sy_log_dup_recent (1);
  g_assert_true (g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}"
                                       "([+-][0-9]{2}:[0-9]{2}|Z) ", recent[0], 0, 0));
  g_assert_true (g_str_has_suffix (recent[0], expected_tail));
  stamp = g_strndup (recent[0], strchr (recent[0], ' ') - recent[0]);
  dt = g_date_time_new_from_iso8601 (stamp, NULL);
  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

static void
test_stamp (void)
{
  gint64 before = g_get_real_time ();
  gint64 first = logged_at ("stamp one");
  gint64 second;

  /* Milliseconds: truncated, never ahead of the clock. */
  g_assert_cmpint (first, >=, before - 1000);
  g_assert_cmpint (first, <=, g_get_real_time ());
  g_usleep (1100 * 1000);
  second = logged_at ("stamp two");
  g_assert_cmpint (second - first, >=, 1000 * 1000);
  g_assert_cmpint (second, <=, g_get_real_time ());
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* The listeners hear what the writer writes. */
  sy_log_init (FALSE);
  g_test_add_func ("/log/mask", test_mask);
  g_test_add_func ("/log/registered", test_registered);
  g_test_add_func ("/log/registered-holders", test_registered_holders);
  g_test_add_func ("/log/shapes", test_shapes);
  g_test_add_func ("/log/stamp", test_stamp);
  g_test_add_func ("/log/listener", test_listener);
  g_test_add_func ("/log/listener-with-recent", test_listener_with_recent);
  g_test_add_func ("/log/listener-threads", test_listener_threads);
  return g_test_run ();
}
