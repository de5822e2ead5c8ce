/* test-win-logs.c: the Logs window tails the engine's log, live and masked
 *
 * Runs in tests/headless-session.sh. The engine's log writer is installed
 * (sy_log_init) as `switchyard` does; lines logged by the test in a
 * "sy-…" domain go through it, masked, to the window. The diagnostics
 * bundle is saved by calling the window's save function with a path (a
 * file chooser cannot be driven headless) and read back with unzip.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-test"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "app-test-util.h"
#include "sy-log.h"
#include "sy-logs-window.h"

/* Not shaped like any provider's key: only the config makes it a secret. */
#define CLIENT_KEY  "zq-client-key-7c1f0a9e5d3b"
#define CLIENT_KEY2 "zq-second-key-44be19d0c6a2"

#define CONFIG \
  "host: 127.0.0.1\n" \
  "port: 0\n" \
  "api-keys:\n" \
  "  - " CLIENT_KEY "\n" \
  "openai-compatibility:\n" \
  "  - name: Fake\n" \
  "    base-url: http://127.0.0.1:9/v1\n" \
  "    api-key-entries:\n" \
  "      - api-key: sk-test-upstream\n" \
  "    models:\n" \
  "      - name: echo\n"

typedef struct
{
  AppTestService  t;
  GtkWidget      *window;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  app_test_service_init (&f->t, CONFIG);
  f->window = sy_logs_window_new (f->t.service);
  g_object_ref_sink (f->window);
  app_test_show (f->window);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_widget_destroy (f->window);
  g_clear_object (&f->window);
  app_test_service_clear (&f->t);
}

/* Lines the test means to log at a level g_test_init() made fatal. */
static void
log_quietly (GLogLevelFlags  level,
             const char     *message)
{
  GLogLevelFlags fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK);

  g_log (G_LOG_DOMAIN, level, "%s", message);
  g_log_set_always_fatal (fatal);
}

static char *
visible (Fixture *f)
{
  return sy_logs_window_dup_visible_text (SY_LOGS_WINDOW (f->window));
}

typedef struct
{
  Fixture    *f;
  const char *text;
} Shows;

static gboolean
view_has (gpointer data)
{
  Shows *s = data;
  g_autofree char *text = visible (s->f);

  return strstr (text, s->text) != NULL;
}

static void
assert_shows (Fixture    *f,
              const char *text)
{
  Shows s = { f, text };

  if (!app_test_spin_until (view_has, &s, 5000))
    {
      g_autofree char *now = visible (f);

      g_error ("the view never showed \"%s\"; it has:\n%s", text, now);
    }
}

static void
assert_not_shown (Fixture    *f,
                  const char *text)
{
  g_autofree char *now = visible (f);

  if (strstr (now, text) != NULL)
    g_error ("the view shows \"%s\":\n%s", text, now);
}

static void
search (Fixture    *f,
        const char *text)
{
  GtkWidget *entry = app_test_find_named (f->window, "search_entry");

  g_assert_true (GTK_IS_SEARCH_ENTRY (entry));
  gtk_entry_set_text (GTK_ENTRY (entry), text);
  /* At once, as the entry does after its short delay (which, on a slow
   * machine, a fixed wait would not outlast). */
  g_signal_emit_by_name (entry, "search-changed");
}

static const char *
label_text (Fixture    *f,
            const char *name)
{
  GtkWidget *label = app_test_find_named (f->window, name);

  g_assert_true (GTK_IS_LABEL (label));
  return gtk_label_get_text (GTK_LABEL (label));
}

/* The last lines from before the window opened, then each new one. */
static void
test_live (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GtkWidget) second = NULL;
  g_autofree char *text = NULL;

  g_message ("a line logged while the window is open");
  assert_shows (f, "sy-test: a line logged while the window is open");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (app_test_find_named (f->window, "stack"))),
                   ==, "log");
  g_assert_cmpstr (gtk_header_bar_get_subtitle (GTK_HEADER_BAR (app_test_find_named (f->window, "header_bar"))),
                   ==, "Live");

  /* A window opened now starts with the lines from before, at once. */
  second = g_object_ref_sink (sy_logs_window_new (f->t.service));
  text = sy_logs_window_dup_visible_text (SY_LOGS_WINDOW (second));
  g_assert_nonnull (strstr (text, "MESSAGE  sy-test: a line logged while the window is open\n"));
  gtk_widget_destroy (second);
}

static gpointer
log_from_thread (gpointer data)
{
  for (guint i = 0; i < 20; i++)
    g_message ("from a worker thread, line %u", i);
  return NULL;
}

/* A line logged on another thread reaches the window (on its own thread). */
static void
test_thread (Fixture       *f,
             gconstpointer  data)
{
  GThread *thread = g_thread_new ("logger", log_from_thread, NULL);

  g_thread_join (thread);
  assert_shows (f, "from a worker thread, line 19");
  assert_shows (f, "from a worker thread, line 0\n");
}

/* GLib logs with a main context's lock held (here: its warning about a
 * prepare() that prepares again). The line reaches the window's listener
 * on this very thread, inside that lock: the listener must not take the
 * context's lock (g_idle_add, g_source_attach), or the app hangs. */
typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean done;
} Watchdog;

static gpointer
watchdog_run (gpointer data)
{
  Watchdog *w = data;
  gint64 until = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&w->lock);
  while (!w->done)
    if (!g_cond_wait_until (&w->cond, &w->lock, until))
      {
        /* Not g_error(): the log's lock may be what hangs. */
        fputs ("deadlock: a line logged under the main context's lock never returned\n", stderr);
        abort ();
      }
  g_mutex_unlock (&w->lock);
  return NULL;
}

static gboolean
prepare_again (GSource *source,
               gint    *timeout)
{
  GLogLevelFlags fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK);
  gint priority;

  *timeout = -1;
  /* Warns (under the context's lock) and returns FALSE. */
  g_main_context_prepare (g_source_get_context (source), &priority);
  g_log_set_always_fatal (fatal);
  g_source_destroy (source);
  return FALSE;
}

static void
test_under_context_lock (Fixture       *f,
                         gconstpointer  data)
{
  static GSourceFuncs funcs = { prepare_again, NULL, NULL, NULL, NULL, NULL };
  Watchdog w = { 0 };
  GThread *watchdog;
  GSource *source;

  /* Nothing waiting to be handed over: the next line queues anew. */
  g_message ("before the warning");
  assert_shows (f, "sy-test: before the warning");

  g_mutex_init (&w.lock);
  g_cond_init (&w.cond);
  watchdog = g_thread_new ("watchdog", watchdog_run, &w);
  source = g_source_new (&funcs, sizeof (GSource));
  g_source_attach (source, NULL);
  g_source_unref (source);

  assert_shows (f, "called recursively from within a source");

  g_mutex_lock (&w.lock);
  w.done = TRUE;
  g_cond_signal (&w.cond);
  g_mutex_unlock (&w.lock);
  g_thread_join (watchdog);
  g_mutex_clear (&w.lock);
  g_cond_clear (&w.cond);
}

/* Case-insensitive substring; empty shows everything again. */
static void
test_filter (Fixture       *f,
             gconstpointer  data)
{
  g_message ("alpha: the first kind");
  g_message ("beta: the second kind");
  assert_shows (f, "beta: the second kind");

  search (f, "ALPHA: THE");
  assert_shows (f, "alpha: the first kind");
  assert_not_shown (f, "beta: the second kind");
  g_assert_true (g_str_has_suffix (label_text (f, "status_label"), "lines shown"));

  /* A new line that does not match stays out; one that does comes in. */
  g_message ("beta: not this either");
  g_message ("Alpha: The Third");
  assert_shows (f, "Alpha: The Third");
  assert_not_shown (f, "beta: not this either");

  search (f, "no line says this");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (app_test_find_named (f->window, "stack"))),
                   ==, "empty");
  g_assert_cmpstr (label_text (f, "empty_title"), ==, "No matching lines");

  search (f, "");
  assert_shows (f, "beta: the second kind");
  assert_shows (f, "beta: not this either");
}

static gboolean
tagged_at (Fixture    *f,
           const char *text,
           const char *tag_name)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (app_test_find_named (f->window, "text_view")));
  GtkTextTag *tag = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), tag_name);
  GtkTextIter start, match;

  g_assert_nonnull (tag);
  gtk_text_buffer_get_start_iter (buffer, &start);
  if (!gtk_text_iter_forward_search (&start, text, 0, &match, NULL, NULL))
    return FALSE;
  return gtk_text_iter_has_tag (&match, tag);
}

/* Warnings and errors only; their levels in colour. */
static void
test_level (Fixture       *f,
            gconstpointer  data)
{
  GtkWidget *combo = app_test_find_named (f->window, "level_combo");
  g_autofree char *text = NULL;

  g_message ("an ordinary line");
  log_quietly (G_LOG_LEVEL_WARNING, "a warning line");
  log_quietly (G_LOG_LEVEL_CRITICAL, "a critical line");
  assert_shows (f, "a critical line");
  assert_shows (f, "an ordinary line");

  g_assert_true (tagged_at (f, "WARNING  sy-test: a warning line", "warning"));
  g_assert_false (tagged_at (f, "WARNING  sy-test: a warning line", "error"));
  g_assert_true (tagged_at (f, "CRITICAL sy-test: a critical line", "error"));
  g_assert_true (tagged_at (f, "a critical line", "error-text"));
  g_assert_false (tagged_at (f, "MESSAGE  sy-test: an ordinary line", "warning"));

  g_assert_true (gtk_combo_box_set_active_id (GTK_COMBO_BOX (combo), "problems"));
  text = visible (f);
  g_assert_nonnull (strstr (text, "a warning line"));
  g_assert_nonnull (strstr (text, "a critical line"));
  g_assert_null (strstr (text, "an ordinary line"));
  g_assert_null (strstr (text, " MESSAGE "));

  g_message ("another ordinary line");
  log_quietly (G_LOG_LEVEL_WARNING, "another warning");
  assert_shows (f, "another warning");
  assert_not_shown (f, "another ordinary line");

  g_assert_true (gtk_combo_box_set_active_id (GTK_COMBO_BOX (combo), "all"));
  assert_shows (f, "another ordinary line");
}

/* The lines shown, as shown, on the clipboard. */
static void
test_copy (Fixture       *f,
           gconstpointer  data)
{
  GtkWidget *copy = app_test_find_named (f->window, "copy_button");
  g_autofree char *clip = NULL;
  g_autofree char *shown = NULL;

  g_message ("copy me: one");
  g_message ("leave me out");
  g_message ("copy me: two");
  assert_shows (f, "copy me: two");
  search (f, "copy me");

  g_assert_true (GTK_IS_BUTTON (copy));
  g_assert_true (gtk_widget_get_sensitive (copy));
  gtk_button_clicked (GTK_BUTTON (copy));
  clip = gtk_clipboard_wait_for_text (gtk_clipboard_get (GDK_SELECTION_CLIPBOARD));
  shown = visible (f);
  g_assert_nonnull (clip);
  g_assert_cmpstr (clip, ==, shown);
  g_assert_nonnull (strstr (clip, "MESSAGE  sy-test: copy me: one\n"));
  g_assert_nonnull (strstr (clip, "MESSAGE  sy-test: copy me: two\n"));
  g_assert_null (strstr (clip, "leave me out"));
  g_assert_cmpstr (label_text (f, "info_label"), ==, "Copied 2 lines to the clipboard.");
}

/* Clear empties the window only: the engine keeps its lines. */
static void
test_clear (Fixture       *f,
            gconstpointer  data)
{
  GtkWidget *clear = app_test_find_named (f->window, "clear_button");
  g_autofree char *text = NULL;
  g_auto(GStrv) recent = NULL;

  g_message ("before the clear");
  assert_shows (f, "before the clear");
  gtk_button_clicked (GTK_BUTTON (clear));
  text = visible (f);
  g_assert_cmpstr (text, ==, "");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (app_test_find_named (f->window, "stack"))),
                   ==, "empty");
  g_assert_cmpstr (label_text (f, "empty_title"), ==, "Cleared");
  g_free (app_test_screenshot (f->window, "logs-window-empty.png"));
  g_assert_false (gtk_widget_get_sensitive (clear));
  recent = sy_log_dup_recent (1);
  g_assert_true (g_str_has_suffix (recent[0], "sy-test: before the clear"));

  g_message ("after the clear");
  assert_shows (f, "after the clear");
  assert_not_shown (f, "before the clear");
  /* The filter brings nothing back either. */
  search (f, "clear");
  assert_not_shown (f, "before the clear");
}

static gboolean
subtitle_is_one_new (gpointer bar)
{
  return g_strcmp0 (gtk_header_bar_get_subtitle (bar), "Paused — 1 new line") == 0;
}

/* Paused: the view stands still, the lines are kept and come on resume. */
static void
test_pause (Fixture       *f,
            gconstpointer  data)
{
  GtkWidget *pause = app_test_find_named (f->window, "pause_button");
  GtkHeaderBar *bar = GTK_HEADER_BAR (app_test_find_named (f->window, "header_bar"));

  g_assert_true (GTK_IS_TOGGLE_BUTTON (pause));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (pause), TRUE);
  g_message ("while paused");
  /* The line arrived (the title counts it), and the view stood still. */
  g_assert_true (app_test_spin_until (subtitle_is_one_new, bar, 5000));
  assert_not_shown (f, "while paused");

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (pause), FALSE);
  assert_shows (f, "sy-test: while paused");
  g_assert_cmpstr (gtk_header_bar_get_subtitle (bar), ==, "Live");
}

static GtkAdjustment *
vadjustment (Fixture *f)
{
  return gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (app_test_find_named (f->window,
                                                                                         "scroller")));
}

static gboolean
at_bottom (gpointer data)
{
  GtkAdjustment *adj = vadjustment (data);

  /* Laid out (the lines are more than a page), and scrolled down. */
  return gtk_adjustment_get_upper (adj) > gtk_adjustment_get_page_size (adj) + 100.0 &&
         gtk_adjustment_get_value (adj) >=
         gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj) - 24.0;
}

/* At the bottom the view follows new lines; scrolled up, it stays. */
static void
test_follow (Fixture       *f,
             gconstpointer  data)
{
  GtkAdjustment *adj = vadjustment (f);

  for (guint i = 0; i < 200; i++)
    g_message ("filling line %u.", i);
  assert_shows (f, "filling line 199.");
  g_assert_true (app_test_spin_until (at_bottom, f, 5000));
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), >, 0.0);

  /* The text view moving the position by itself does not stop it. */
  gtk_adjustment_set_value (adj, 0.0);
  g_message ("a line after the view moved by itself");
  assert_shows (f, "a line after the view moved by itself");
  g_assert_true (app_test_spin_until (at_bottom, f, 5000));

  /* A person scrolls back to the top (the wheel, then the scrolled
   * window's move): new lines do not move it. */
  {
    GdkEvent *event = gdk_event_new (GDK_SCROLL);
    gboolean handled = FALSE;

    event->scroll.direction = GDK_SCROLL_UP;
    event->scroll.window = g_object_ref (gtk_widget_get_window (app_test_find_named (f->window, "text_view")));
    g_signal_emit_by_name (app_test_find_named (f->window, "text_view"), "scroll-event", event, &handled);
    gdk_event_free (event);
  }
  gtk_adjustment_set_value (adj, 0.0);
  g_message ("a line while reading the top");
  assert_shows (f, "a line while reading the top");
  app_test_spin_for (200);
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), ==, 0.0);

  /* Back at the bottom: it follows again. */
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
  for (guint i = 0; i < 50; i++)
    g_message ("more line %u.", i);
  assert_shows (f, "more line 49.");
  g_assert_true (app_test_spin_until (at_bottom, f, 5000));
}

/* The window keeps the newest "max-lines" (5000 unless told). */
static void
test_cap (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *text = NULL;
  guint max = 0;
  guint n = 0;

  g_object_get (f->window, "max-lines", &max, NULL);
  g_assert_cmpuint (max, ==, SY_LOGS_WINDOW_MAX_LINES);
  /* A smaller window: the same dropping, quick enough under ASan. */
  gtk_widget_destroy (f->window);
  g_clear_object (&f->window);
  f->window = g_object_ref_sink (g_object_new (SY_TYPE_LOGS_WINDOW, "service", f->t.service,
                                               "max-lines", 300, NULL));
  app_test_show (f->window);

  for (guint i = 0; i < 350; i++)
    g_message ("numbered line %u.", i);
  assert_shows (f, "numbered line 349.");
  text = visible (f);
  for (const char *p = text; *p != '\0'; p++)
    if (*p == '\n')
      n++;
  g_assert_cmpuint (n, ==, 300);
  g_assert_null (strstr (text, "numbered line 49."));
  g_assert_nonnull (strstr (text, "numbered line 50."));
  g_assert_cmpstr (label_text (f, "status_label"), ==, "300 lines");
  /* Laying 300 lines out takes a while under ASan. */
  g_assert_true (app_test_spin_until (at_bottom, f, 30000));
}

/* A key from the config never shows in plain: not logged now, not after
 * a hand edit brings a new one, whose reload the window shows live. */
static void
test_secret (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *masked = sy_mask_secret (CLIENT_KEY);
  g_autofree char *masked2 = sy_mask_secret (CLIENT_KEY2);
  g_autofree char *said = g_strdup_printf ("sy-test: a client came with %s", masked);
  g_autofree char *text = NULL;

  g_assert_cmpstr (masked, !=, CLIENT_KEY);
  g_message ("a client came with %s", CLIENT_KEY);
  assert_shows (f, said);
  text = visible (f);
  g_assert_null (strstr (text, CLIENT_KEY));

  /* By hand: a second key in the list. */
  app_test_rewrite_config (&f->t, "host: 127.0.0.1\nport: 0\napi-keys:\n  - " CLIENT_KEY "\n"
                                  "  - " CLIENT_KEY2 "\n");
  assert_shows (f, "Config reloaded from");

  g_message ("then another with %s", CLIENT_KEY2);
  assert_shows (f, masked2);
  g_clear_pointer (&text, g_free);
  text = visible (f);
  g_assert_null (strstr (text, CLIENT_KEY));
  g_assert_null (strstr (text, CLIENT_KEY2));
}

/* unzip -p; NULL when no unzip is there. */
static char *
unzip_member (const char *zip,
              const char *member)
{
  g_autofree char *unzip = g_find_program_in_path ("unzip");
  const char *argv[] = { "unzip", "-p", zip, member, NULL };
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status = 0;

  if (unzip == NULL)
    return NULL;
  argv[0] = unzip;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

/* The bundle is a zip with the config in it, its keys masked; the window
 * says where it went, and says so in plain words when it cannot. */
static void
test_diagnostics (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->t.dir, "switchyard-diagnostics-test.zip", NULL);
  g_autofree char *bad = g_build_filename (f->t.dir, "no-such-dir", "bundle.zip", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) bad_file = g_file_new_for_path (bad);
  g_autoptr(GError) error = NULL;
  GtkInfoBar *bar = GTK_INFO_BAR (app_test_find_named (f->window, "info_bar"));
  g_autofree char *bytes = NULL;
  g_autofree char *config = NULL;
  g_autofree char *log = NULL;
  gsize len = 0;

  g_message ("logged with %s before saving", CLIENT_KEY);
  g_assert_false (gtk_info_bar_get_revealed (bar));
  g_assert_true (sy_logs_window_save_diagnostics (SY_LOGS_WINDOW (f->window), file, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  g_assert_cmpuint (len, >, 22);
  g_assert_cmpmem (bytes, 4, "PK\003\004", 4);
  g_assert_null (g_strstr_len (bytes, len, CLIENT_KEY));
  g_assert_true (gtk_info_bar_get_revealed (bar));
  g_assert_cmpint (gtk_info_bar_get_message_type (bar), ==, GTK_MESSAGE_INFO);
  g_assert_true (g_str_has_prefix (label_text (f, "info_label"), "Diagnostics bundle saved to "));
  g_assert_nonnull (strstr (label_text (f, "info_label"), path));
  g_assert_true (gtk_widget_get_visible (app_test_find_named (f->window, "folder_button")));

  config = unzip_member (path, "config.yaml");
  if (config == NULL)
    g_test_message ("no unzip here: the members are not read back");
  else
    {
      g_assert_nonnull (strstr (config, "api-keys"));
      g_assert_null (strstr (config, CLIENT_KEY));
      log = unzip_member (path, "recent.log");
      g_assert_nonnull (strstr (log, "before saving"));
      g_assert_null (strstr (log, CLIENT_KEY));
    }

  /* Into a folder that is not there: FALSE, and the window says why. */
  g_assert_false (sy_logs_window_save_diagnostics (SY_LOGS_WINDOW (f->window), bad_file, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpint (gtk_info_bar_get_message_type (bar), ==, GTK_MESSAGE_ERROR);
  g_assert_true (g_str_has_prefix (label_text (f, "info_label"),
                                   "The diagnostics bundle could not be saved to "));
  g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
  g_assert_false (gtk_widget_get_visible (app_test_find_named (f->window, "folder_button")));
}

/* A few lines of each kind, for the screenshot. */
static void
test_screenshot (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *shot = NULL;

  /* The earlier tests' lines go; these are the ones to look at. */
  gtk_button_clicked (GTK_BUTTON (app_test_find_named (f->window, "clear_button")));
  g_message ("Listening on http://127.0.0.1:8317");
  g_info ("Accounts: 3, models: 41");
  g_info ("Tokens are kept in the keyring");
  g_message ("Claude · me@example.com: quota 62%% left, resets 18:00");
  g_info ("POST /v1/messages claude-sonnet-4 → Claude · me@example.com 200 (1.8 s, 2 310 tokens)");
  log_quietly (G_LOG_LEVEL_WARNING, "Codex · work@example.com: rate limited (429); cooling until 18:42");
  g_info ("POST /v1/chat/completions gpt-5 → Codex · home@example.com 200 (0.9 s)");
  log_quietly (G_LOG_LEVEL_CRITICAL, "Grok · x@example.com: the token was refused (401): log in again");
  g_message ("a client came with %s", CLIENT_KEY);
  g_info ("POST /v1/messages claude-opus-4 → Claude · me@example.com 200 (4.2 s, 8 120 tokens)");
  g_message ("Config reloaded from ~/.config/switchyard/config.yaml (3 accounts, 41 models)");
  assert_shows (f, "Config reloaded");
  /* And the saved bundle's message, as a person sees it after saving. */
  {
    g_autofree char *path = g_build_filename (f->t.dir, "switchyard-diagnostics-2026-06-01.zip", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (path);

    g_assert_true (sy_logs_window_save_diagnostics (SY_LOGS_WINDOW (f->window), file, NULL));
  }
  gtk_window_resize (GTK_WINDOW (f->window), 900, 580);
  app_test_spin_for (200);
  shot = app_test_screenshot (f->window, "logs-window.png");
  g_assert_true (g_file_test (shot, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  /* As `switchyard` does: every line through the masking writer. */
  sy_log_init (FALSE);

#define ADD(path, fn) \
  g_test_add ("/win-logs/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("live", test_live);
  ADD ("thread", test_thread);
  ADD ("under-context-lock", test_under_context_lock);
  ADD ("filter", test_filter);
  ADD ("level", test_level);
  ADD ("copy", test_copy);
  ADD ("clear", test_clear);
  ADD ("pause", test_pause);
  ADD ("follow", test_follow);
  ADD ("cap", test_cap);
  ADD ("secret", test_secret);
  ADD ("diagnostics", test_diagnostics);
  ADD ("screenshot", test_screenshot);
#undef ADD
  return g_test_run ();
}
