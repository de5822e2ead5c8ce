/* sy-logs-window.c: the Logs window: the engine's log, live
 *
 * The window keeps its own copy of the lines (the engine's last ones when
 * it opens, then each line as it is logged, at most "max-lines" of them)
 * and shows those the filter lets through. The
 * lines come masked from sy-log: no secret reaches this window.
 *
 * A log line can be written on any thread, and the log's listener runs
 * there under the log's lock. It only appends the line to a sink and
 * wakes the window's main context, where the sink's source (attached once,
 * with the window) hands the whole batch to the window. The listener must
 * not attach a source itself (an idle): that takes the context's lock, and
 * GLib logs with that lock held, so such a line would hang the app. The
 * sink outlives the window if it must (it is reference counted): a batch
 * that arrives after the window went is dropped.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-app"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "sy-app-util.h"
#include "sy-log.h"
#include "sy-logs-window.h"
#include "sy-service-logins.h"

typedef enum
{
  SEVERITY_NORMAL,
  SEVERITY_WARNING,
  SEVERITY_ERROR,
} Severity;

typedef struct
{
  Severity  severity;
  char     *time;       /* "12:34:56.789" */
  char     *level;      /* "WARNING" */
  char     *domain;     /* "sy-core:" (NULL if the line had none) */
  char     *message;
  char     *folded;     /* the shown text, case-folded, for the filter */
  guint     n_lines;    /* buffer lines it takes in the view */
} LogEntry;

typedef struct
{
  gatomicrefcount  ref;
  GMutex           lock;
  GMainContext    *context;
  GPtrArray       *pending;     /* lines not yet handed over */
  gint             queued;      /* (atomic) the source will hand them over */
  GSource         *source;      /* main thread only: hands them over */
  SyLogsWindow    *window;      /* main thread only; NULL once disposed */
} LogSink;

typedef struct
{
  GSource  parent;
  LogSink *sink;
} LogSinkSource;

struct _SyLogsWindow
{
  GtkApplicationWindow  parent_instance;

  SyService            *service;
  LogSink              *sink;
  guint                 listener_id;

  GQueue                entries;      /* LogEntry, oldest first */
  GQueue                shown;        /* the entries in the view, oldest first */
  char                 *needle;       /* case-folded filter text, NULL: none */
  gboolean              problems_only;
  gboolean              paused;
  guint                 new_while_paused;
  gboolean              cleared;
  gboolean              follow;       /* the view sticks to the newest line */
  gint64                user_scroll_until;  /* a person's scroll moves the view till then */
  gboolean              dragging;     /* the scrollbar is held */
  guint                 max_lines;
  guint                 scroll_id;
  GtkFileChooserNative *chooser;

  GtkHeaderBar         *header_bar;
  GtkToggleButton      *pause_button;
  GtkImage             *pause_image;
  GtkButton            *copy_button;
  GtkButton            *clear_button;
  GtkButton            *save_button;
  GtkInfoBar           *info_bar;
  GtkLabel             *info_label;
  GtkButton            *folder_button;
  GFile                *saved_folder;  /* where the last bundle went */
  GtkSearchEntry       *search_entry;
  GtkComboBoxText      *level_combo;
  GtkStack             *stack;
  GtkScrolledWindow    *scroller;
  GtkTextView          *text_view;
  GtkLabel             *empty_title;
  GtkLabel             *empty_label;
  GtkLabel             *status_label;
};

G_DEFINE_FINAL_TYPE (SyLogsWindow, sy_logs_window, GTK_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_SERVICE,
  PROP_MAX_LINES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void take_lines (SyLogsWindow *self, GPtrArray *lines);

/* ------------------------------------------------------------ the sink */

static LogSink *
log_sink_new (void)
{
  LogSink *sink = g_new0 (LogSink, 1);

  g_atomic_ref_count_init (&sink->ref);
  g_mutex_init (&sink->lock);
  sink->context = g_main_context_ref_thread_default ();
  sink->pending = g_ptr_array_new_with_free_func (g_free);
  return sink;
}

static LogSink *
log_sink_ref (LogSink *sink)
{
  g_atomic_ref_count_inc (&sink->ref);
  return sink;
}

static void
log_sink_unref (gpointer data)
{
  LogSink *sink = data;

  if (!g_atomic_ref_count_dec (&sink->ref))
    return;
  g_ptr_array_unref (sink->pending);
  g_main_context_unref (sink->context);
  g_mutex_clear (&sink->lock);
  g_free (sink);
}

/* On the main context: the batch goes to the window, if it is still
 * there. */
static void
log_sink_flush (LogSink *sink)
{
  g_autoptr(GPtrArray) lines = NULL;

  g_mutex_lock (&sink->lock);
  lines = g_steal_pointer (&sink->pending);
  sink->pending = g_ptr_array_new_with_free_func (g_free);
  g_atomic_int_set (&sink->queued, FALSE);
  g_mutex_unlock (&sink->lock);

  if (sink->window != NULL)
    take_lines (sink->window, lines);
}

static gboolean
log_sink_source_prepare (GSource *source,
                         gint    *timeout)
{
  *timeout = -1;
  return g_atomic_int_get (&((LogSinkSource *) source)->sink->queued);
}

static gboolean
log_sink_source_check (GSource *source)
{
  return g_atomic_int_get (&((LogSinkSource *) source)->sink->queued);
}

static gboolean
log_sink_source_dispatch (GSource     *source,
                          GSourceFunc  callback,
                          gpointer     data)
{
  log_sink_flush (((LogSinkSource *) source)->sink);
  return G_SOURCE_CONTINUE;
}

static void
log_sink_source_finalize (GSource *source)
{
  log_sink_unref (((LogSinkSource *) source)->sink);
}

static GSourceFuncs log_sink_source_funcs = {
  log_sink_source_prepare,
  log_sink_source_check,
  log_sink_source_dispatch,
  log_sink_source_finalize,
  NULL,
  NULL,
};

/* Any thread, under the log's lock, perhaps under the main context's
 * lock too: no logging here, nothing slow, and no main context call but
 * the wakeup (which takes no lock). */
static void
log_sink_hear (GLogLevelFlags  level,
               const char     *line,
               gpointer        data)
{
  LogSink *sink = data;
  gboolean wake;

  g_mutex_lock (&sink->lock);
  g_ptr_array_add (sink->pending, g_strdup (line));
  wake = !g_atomic_int_get (&sink->queued);
  g_atomic_int_set (&sink->queued, TRUE);
  g_mutex_unlock (&sink->lock);
  if (wake)
    g_main_context_wakeup (sink->context);
}

/* On the main context, with the window. */
static void
log_sink_attach (LogSink *sink)
{
  LogSinkSource *source = (LogSinkSource *) g_source_new (&log_sink_source_funcs,
                                                          sizeof (LogSinkSource));

  source->sink = log_sink_ref (sink);
  g_source_set_priority (&source->parent, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_static_name (&source->parent, "[switchyard] logs window");
  g_source_attach (&source->parent, sink->context);
  sink->source = &source->parent;
}

static void
log_sink_detach (LogSink *sink)
{
  if (sink->source == NULL)
    return;
  g_source_destroy (sink->source);
  g_clear_pointer (&sink->source, g_source_unref);
}

/* ------------------------------------------------------------ entries */

static void
log_entry_free (gpointer data)
{
  LogEntry *entry = data;

  g_free (entry->time);
  g_free (entry->level);
  g_free (entry->domain);
  g_free (entry->message);
  g_free (entry->folded);
  g_free (entry);
}

/* "2025-06-01T12:34:56.789+02:00 WARNING sy-core: message" (sy-log's
 * format): the time of day is enough on screen. */
static LogEntry *
log_entry_parse (const char *line)
{
  LogEntry *entry = g_new0 (LogEntry, 1);
  const char *stamp_end = strchr (line, ' ');
  const char *level_end = stamp_end != NULL ? strchr (stamp_end + 1, ' ') : NULL;
  const char *rest, *colon;
  g_autofree char *shown = NULL;

  if (stamp_end == NULL || level_end == NULL)
    {
      entry->time = g_strdup ("");
      entry->level = g_strdup ("");
      entry->message = g_strdup (line);
    }
  else
    {
      if (stamp_end - line >= 23 && line[10] == 'T')
        entry->time = g_strndup (line + 11, 12);
      else
        entry->time = g_strndup (line, stamp_end - line);
      entry->level = g_strndup (stamp_end + 1, level_end - stamp_end - 1);
      rest = level_end + 1;
      colon = strstr (rest, ": ");
      if (colon != NULL && memchr (rest, ' ', colon - rest) == NULL)
        {
          entry->domain = g_strndup (rest, colon - rest + 1);
          entry->message = g_strdup (colon + 2);
        }
      else
        entry->message = g_strdup (rest);
    }

  if (g_str_equal (entry->level, "ERROR") || g_str_equal (entry->level, "CRITICAL"))
    entry->severity = SEVERITY_ERROR;
  else if (g_str_equal (entry->level, "WARNING"))
    entry->severity = SEVERITY_WARNING;
  else
    entry->severity = SEVERITY_NORMAL;

  entry->n_lines = 1;
  for (const char *p = entry->message; *p != '\0'; p++)
    if (*p == '\n')
      entry->n_lines++;

  shown = g_strdup_printf ("%s %s %s %s", entry->time, entry->level,
                           entry->domain ? entry->domain : "", entry->message);
  entry->folded = g_utf8_casefold (shown, -1);
  return entry;
}

static gboolean
entry_matches (SyLogsWindow   *self,
               const LogEntry *entry)
{
  if (self->problems_only && entry->severity == SEVERITY_NORMAL)
    return FALSE;
  return self->needle == NULL || strstr (entry->folded, self->needle) != NULL;
}

/* ------------------------------------------------------------ the view */

static void
update_state (SyLogsWindow *self)
{
  guint total = g_queue_get_length (&self->entries);
  guint shown = g_queue_get_length (&self->shown);
  g_autofree char *status = NULL;

  if (self->paused)
    {
      g_autofree char *subtitle =
        g_strdup_printf (ngettext ("Paused — %u new line", "Paused — %u new lines",
                                      self->new_while_paused),
                         self->new_while_paused);

      gtk_header_bar_set_subtitle (self->header_bar, subtitle);
    }
  else
    gtk_header_bar_set_subtitle (self->header_bar, _("Live"));

  if (total == 0 && self->cleared)
    {
      gtk_label_set_text (self->empty_title, _("Cleared"));
      gtk_label_set_text (self->empty_label,
                          _("New lines show here as Switchyard logs them. The log file and the "
                            "diagnostics bundle still have the earlier ones."));
    }
  else if (total == 0)
    {
      gtk_label_set_text (self->empty_title, _("No log lines yet"));
      gtk_label_set_text (self->empty_label,
                          _("What Switchyard does — requests, sign-ins, config reloads, errors — "
                            "shows here as it happens."));
    }
  else
    {
      gtk_label_set_text (self->empty_title, _("No matching lines"));
      gtk_label_set_text (self->empty_label,
                          _("No line matches the filter. Change the search text or show all "
                            "levels."));
    }
  gtk_stack_set_visible_child_name (self->stack, shown > 0 ? "log" : "empty");

  if (shown == total)
    status = g_strdup_printf (ngettext ("%u line", "%u lines", total), total);
  else
    status = g_strdup_printf (ngettext ("%u of %u line shown", "%u of %u lines shown",
                                           total),
                              shown, total);
  gtk_label_set_text (self->status_label, status);

  gtk_widget_set_sensitive (GTK_WIDGET (self->copy_button), shown > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->clear_button), total > 0);
}

static gboolean
scroll_idle (gpointer data)
{
  SyLogsWindow *self = data;
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);

  self->scroll_id = 0;
  /* Straight there: GTK 3's animated scroll (scroll_to_mark) does not
   * survive the view being unmapped half-way (the empty state, closing). */
  if (self->follow)
    gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
  return G_SOURCE_REMOVE;
}

/* Once the new lines are laid out. */
static void
scroll_to_end (SyLogsWindow *self)
{
  if (self->follow && self->scroll_id == 0)
    self->scroll_id = g_idle_add_full (G_PRIORITY_LOW, scroll_idle, self, NULL);
}

static void
append_to_view (SyLogsWindow *self,
                LogEntry     *entry)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  const char *level_tag = entry->severity == SEVERITY_ERROR ? "error"
                          : entry->severity == SEVERITY_WARNING ? "warning" : "level";
  g_autofree char *level = g_strdup_printf (" %-8s ", entry->level);
  GtkTextIter end;

  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert_with_tags_by_name (buffer, &end, entry->time, -1, "dim", NULL);
  gtk_text_buffer_insert_with_tags_by_name (buffer, &end, level, -1, level_tag, NULL);
  if (entry->domain != NULL)
    {
      gtk_text_buffer_insert_with_tags_by_name (buffer, &end, entry->domain, -1, "dim", NULL);
      gtk_text_buffer_insert (buffer, &end, " ", 1);
    }
  if (entry->severity == SEVERITY_ERROR)
    gtk_text_buffer_insert_with_tags_by_name (buffer, &end, entry->message, -1, "error-text", NULL);
  else
    gtk_text_buffer_insert (buffer, &end, entry->message, -1);
  gtk_text_buffer_insert (buffer, &end, "\n", 1);
  g_queue_push_tail (&self->shown, entry);
}

/* The oldest entry goes; from the view too if it shows there (it is then
 * the view's first). */
static void
drop_oldest (SyLogsWindow *self)
{
  LogEntry *entry = g_queue_pop_head (&self->entries);

  if (entry == NULL)
    return;
  if (g_queue_peek_head (&self->shown) == entry)
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
      GtkTextIter start, end;

      g_queue_pop_head (&self->shown);
      gtk_text_buffer_get_start_iter (buffer, &start);
      gtk_text_buffer_get_iter_at_line (buffer, &end, entry->n_lines);
      gtk_text_buffer_delete (buffer, &start, &end);
    }
  log_entry_free (entry);
}

/* The view again from the window's lines (the filter changed, or the
 * view was paused). */
static void
render (SyLogsWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);

  g_queue_clear (&self->shown);
  gtk_text_buffer_set_text (buffer, "", 0);
  for (GList *l = self->entries.head; l != NULL; l = l->next)
    if (entry_matches (self, l->data))
      append_to_view (self, l->data);
  self->new_while_paused = 0;
  update_state (self);
  scroll_to_end (self);
}

static void
take_lines (SyLogsWindow *self,
            GPtrArray    *lines)
{
  for (guint i = 0; i < lines->len; i++)
    {
      LogEntry *entry = log_entry_parse (g_ptr_array_index (lines, i));

      g_queue_push_tail (&self->entries, entry);
      if (g_queue_get_length (&self->entries) > self->max_lines)
        drop_oldest (self);
      if (self->paused)
        self->new_while_paused++;
      else if (entry_matches (self, entry))
        append_to_view (self, entry);
    }
  update_state (self);
  if (!self->paused)
    scroll_to_end (self);
}

/* The view follows the newest line while it is scrolled to the bottom.
 * Only a person (a wheel, a key, the scrollbar) scrolling away stops
 * that: the text view moves the position by itself too, while it lays
 * lines out and when the oldest go. Back at the bottom it follows again. */
static void
on_scrolled (GtkAdjustment *adjustment,
             SyLogsWindow  *self)
{
  double value = gtk_adjustment_get_value (adjustment);
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  /* Within a line of the end: the view's bottom margin is not a line. */
  if (value >= bottom - 24.0)
    self->follow = TRUE;
  else if (self->dragging || g_get_monotonic_time () < self->user_scroll_until)
    self->follow = FALSE;
}

/* A scroll the person asked for moves the view within this time (the
 * scrolled window animates some). */
static void
person_scrolls (SyLogsWindow *self)
{
  self->user_scroll_until = g_get_monotonic_time () + 500 * G_TIME_SPAN_MILLISECOND;
}

static gboolean
on_view_scroll_event (GtkWidget    *widget,
                      GdkEvent     *event,
                      SyLogsWindow *self)
{
  person_scrolls (self);
  return GDK_EVENT_PROPAGATE;
}

static gboolean
on_view_key_press (GtkWidget    *widget,
                   GdkEventKey  *event,
                   SyLogsWindow *self)
{
  person_scrolls (self);
  return GDK_EVENT_PROPAGATE;
}

static gboolean
on_scrollbar_button (GtkWidget      *widget,
                     GdkEventButton *event,
                     SyLogsWindow   *self)
{
  self->dragging = event->type == GDK_BUTTON_PRESS;
  person_scrolls (self);
  return GDK_EVENT_PROPAGATE;
}

/* The text view lays its lines out bit by bit: the end moves after a
 * scroll to it. A view following the lines goes after it. */
static void
on_layout_changed (GtkAdjustment *adjustment,
                   SyLogsWindow  *self)
{
  scroll_to_end (self);
}

/* ------------------------------------------------------------ messages */

#define RESPONSE_SHOW_FOLDER 1

static void
show_info (SyLogsWindow   *self,
           GtkMessageType  type,
           const char     *text)
{
  /* "Show in Folder" belongs to the saved message only. */
  gtk_widget_hide (GTK_WIDGET (self->folder_button));
  gtk_label_set_text (self->info_label, text);
  gtk_info_bar_set_message_type (self->info_bar, type);
  gtk_info_bar_set_revealed (self->info_bar, TRUE);
}

static void
on_info_response (GtkInfoBar   *bar,
                  int           response,
                  SyLogsWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (response == RESPONSE_SHOW_FOLDER && self->saved_folder != NULL)
    {
      g_autofree char *uri = g_file_get_uri (self->saved_folder);

      if (!gtk_show_uri_on_window (GTK_WINDOW (self), uri, GDK_CURRENT_TIME, &error))
        {
          g_autofree char *said = g_strdup_printf (_("The folder could not be opened: %s"),
                                                   error->message);

          show_info (self, GTK_MESSAGE_WARNING, said);
        }
      return;
    }
  gtk_info_bar_set_revealed (bar, FALSE);
}

/* ------------------------------------------------------------ actions */

char *
sy_logs_window_dup_visible_text (SyLogsWindow *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (SY_IS_LOGS_WINDOW (self), NULL);

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
on_copy_clicked (GtkButton    *button,
                 SyLogsWindow *self)
{
  g_autofree char *text = sy_logs_window_dup_visible_text (self);
  guint n = g_queue_get_length (&self->shown);
  g_autofree char *said = NULL;

  gtk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self), GDK_SELECTION_CLIPBOARD),
                          text, -1);
  said = g_strdup_printf (ngettext ("Copied %u line to the clipboard.",
                                       "Copied %u lines to the clipboard.", n), n);
  show_info (self, GTK_MESSAGE_INFO, said);
}

/* The window's lines go; the engine's log (its file, the diagnostics
 * bundle's recent lines) stays as it is. */
static void
on_clear_clicked (GtkButton    *button,
                  SyLogsWindow *self)
{
  g_queue_clear (&self->shown);
  g_queue_clear_full (&self->entries, log_entry_free);
  self->cleared = TRUE;
  self->follow = TRUE;
  render (self);
}

static void
on_pause_toggled (GtkToggleButton *button,
                  SyLogsWindow    *self)
{
  self->paused = gtk_toggle_button_get_active (button);
  gtk_image_set_from_icon_name (self->pause_image,
                                self->paused ? "media-playback-start-symbolic"
                                             : "media-playback-pause-symbolic",
                                GTK_ICON_SIZE_BUTTON);
  gtk_widget_set_tooltip_text (GTK_WIDGET (button),
                               self->paused ? _("Resume the live view")
                                            : _("Pause the live view (new lines are kept)"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (button)),
                       self->paused ? _("Resume") : _("Pause"));
  if (self->paused)
    update_state (self);
  else
    render (self);
}

static void
on_search_changed (GtkSearchEntry *entry,
                   SyLogsWindow   *self)
{
  const char *text = gtk_entry_get_text (GTK_ENTRY (entry));

  g_clear_pointer (&self->needle, g_free);
  if (text != NULL && *text != '\0')
    self->needle = g_utf8_casefold (text, -1);
  render (self);
}

static void
on_stop_search (GtkSearchEntry *entry,
                SyLogsWindow   *self)
{
  gtk_entry_set_text (GTK_ENTRY (entry), "");
}

static void
on_level_changed (GtkComboBox  *combo,
                  SyLogsWindow *self)
{
  self->problems_only = g_strcmp0 (gtk_combo_box_get_active_id (combo), "problems") == 0;
  render (self);
}

static gboolean
on_key_press (GtkWidget    *widget,
              GdkEventKey  *event,
              SyLogsWindow *self)
{
  GdkModifierType mods = event->state & gtk_accelerator_get_default_mod_mask ();

  if (mods == GDK_CONTROL_MASK && (event->keyval == GDK_KEY_f || event->keyval == GDK_KEY_F))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
      return GDK_EVENT_STOP;
    }
  return GDK_EVENT_PROPAGATE;
}

gboolean
sy_logs_window_save_diagnostics (SyLogsWindow  *self,
                                 GFile         *file,
                                 GError       **error)
{
  g_autoptr(GBytes) bundle = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *where = NULL;
  g_autofree char *said = NULL;

  g_return_val_if_fail (SY_IS_LOGS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  where = g_file_get_parse_name (file);
  bundle = sy_service_build_diagnostics (self->service, &local);
  if (bundle == NULL ||
      !g_file_replace_contents (file, g_bytes_get_data (bundle, NULL), g_bytes_get_size (bundle),
                                NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL,
                                &local))
    {
      said = g_strdup_printf (_("The diagnostics bundle could not be saved to %s: %s"), where,
                              local->message);
      show_info (self, GTK_MESSAGE_ERROR, said);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  said = g_strdup_printf (_("Diagnostics bundle saved to %s. Secrets in it are masked: you can "
                            "attach it to a bug report."), where);
  show_info (self, GTK_MESSAGE_INFO, said);
  g_clear_object (&self->saved_folder);
  self->saved_folder = g_file_get_parent (file);
  gtk_widget_set_visible (GTK_WIDGET (self->folder_button), self->saved_folder != NULL);
  return TRUE;
}

static void
on_chooser_response (GtkNativeDialog *dialog,
                     int              response,
                     SyLogsWindow    *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      /* Said in the window, success or not. */
      if (file != NULL)
        sy_logs_window_save_diagnostics (self, file, NULL);
    }
  g_clear_object (&self->chooser);
}

static void
on_save_clicked (GtkButton    *button,
                 SyLogsWindow *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *name = g_strdup_printf ("switchyard-diagnostics-%s.zip", date);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->chooser != NULL)
    {
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
      return;
    }
  self->chooser = gtk_file_chooser_native_new (_("Save Diagnostics Bundle"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_do_overwrite_confirmation (GTK_FILE_CHOOSER (self->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  gtk_file_filter_set_name (filter, _("Zip archives"));
  gtk_file_filter_add_pattern (filter, "*.zip");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), g_object_ref_sink (filter));
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ------------------------------------------------------------ the class */

GtkWidget *
sy_logs_window_new (SyService *service)
{
  g_return_val_if_fail (SY_IS_SERVICE (service), NULL);

  return g_object_new (SY_TYPE_LOGS_WINDOW, "service", service, NULL);
}

/* "12:34:56.789 WARNING  ": a line that wraps goes on under its
 * domain, so the times and levels stay a column of their own. */
#define PREFIX_CHARS 22

static void
update_indent (GtkWidget    *widget,
               SyLogsWindow *self)
{
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  PangoFontDescription *font = NULL;
  PangoFontMetrics *metrics;
  int char_width;

  gtk_style_context_get (style, gtk_style_context_get_state (style), "font", &font, NULL);
  metrics = pango_context_get_metrics (gtk_widget_get_pango_context (widget), font, NULL);
  char_width = pango_font_metrics_get_approximate_char_width (metrics) / PANGO_SCALE;
  pango_font_metrics_unref (metrics);
  pango_font_description_free (font);
  if (char_width <= 0)
    return;
  /* Pango's negative indent: the first line full width, the others in. */
  gtk_text_view_set_indent (self->text_view, -PREFIX_CHARS * char_width);
}

static void
setup_tags (SyLogsWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);

  /* Colours that read on a light and on a dark theme alike. */
  gtk_text_buffer_create_tag (buffer, "dim", "foreground", "#8a8a86", NULL);
  gtk_text_buffer_create_tag (buffer, "level", "foreground", "#8a8a86", NULL);
  gtk_text_buffer_create_tag (buffer, "warning", "foreground", "#e66100",
                              "weight", PANGO_WEIGHT_BOLD, NULL);
  gtk_text_buffer_create_tag (buffer, "error", "foreground", "#e01b24",
                              "weight", PANGO_WEIGHT_BOLD, NULL);
  gtk_text_buffer_create_tag (buffer, "error-text", "foreground", "#e01b24", NULL);
}

static void
sy_logs_window_constructed (GObject *object)
{
  SyLogsWindow *self = SY_LOGS_WINDOW (object);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) recent = NULL;

  G_OBJECT_CLASS (sy_logs_window_parent_class)->constructed (object);

  g_return_if_fail (SY_IS_SERVICE (self->service));

  /* The last lines and, from that instant on, each new one. */
  self->sink = log_sink_new ();
  self->sink->window = self;
  log_sink_attach (self->sink);
  self->listener_id = sy_log_add_listener_with_recent (log_sink_hear, log_sink_ref (self->sink),
                                                       log_sink_unref, 0, &recent);
  for (guint i = 0; recent[i] != NULL; i++)
    g_ptr_array_add (lines, g_steal_pointer (&recent[i]));
  take_lines (self, lines);
}

static void
sy_logs_window_dispose (GObject *object)
{
  SyLogsWindow *self = SY_LOGS_WINDOW (object);

  if (self->listener_id != 0)
    sy_log_remove_listener (self->listener_id);
  self->listener_id = 0;
  if (self->sink != NULL)
    {
      self->sink->window = NULL;
      log_sink_detach (self->sink);
    }
  g_clear_pointer (&self->sink, log_sink_unref);
  /* The children go in the parent's dispose: their signals must not
   * queue anything on a window that is going. */
  if (self->scroller != NULL)
    g_signal_handlers_disconnect_by_data (gtk_scrolled_window_get_vadjustment (self->scroller), self);
  g_clear_handle_id (&self->scroll_id, g_source_remove);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_queue_clear (&self->shown);
  g_queue_clear_full (&self->entries, log_entry_free);
  g_clear_object (&self->saved_folder);
  g_clear_object (&self->service);
  G_OBJECT_CLASS (sy_logs_window_parent_class)->dispose (object);
}

static void
sy_logs_window_finalize (GObject *object)
{
  SyLogsWindow *self = SY_LOGS_WINDOW (object);

  g_free (self->needle);
  G_OBJECT_CLASS (sy_logs_window_parent_class)->finalize (object);
}

static void
sy_logs_window_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SyLogsWindow *self = SY_LOGS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;
    case PROP_MAX_LINES:
      g_value_set_uint (value, self->max_lines);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_logs_window_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  SyLogsWindow *self = SY_LOGS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;
    case PROP_MAX_LINES:
      self->max_lines = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_logs_window_class_init (SyLogsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = sy_logs_window_constructed;
  object_class->dispose = sy_logs_window_dispose;
  object_class->finalize = sy_logs_window_finalize;
  object_class->get_property = sy_logs_window_get_property;
  object_class->set_property = sy_logs_window_set_property;

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, SY_TYPE_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* How many lines the window keeps; the oldest go first. */
  properties[PROP_MAX_LINES] =
    g_param_spec_uint ("max-lines", NULL, NULL, 1, G_MAXUINT, SY_LOGS_WINDOW_MAX_LINES,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  sy_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/switchyard/Switchyard/ui/sy-logs-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, pause_image);
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, copy_button);
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, clear_button);
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, save_button);
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, info_bar);
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, info_label);
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, folder_button);
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, level_combo);
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, scroller);
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, text_view);
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, empty_title);
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, empty_label);
  gtk_widget_class_bind_template_child (widget_class, SyLogsWindow, status_label);
  gtk_widget_class_bind_template_callback (widget_class, on_pause_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_clear_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_info_response);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_level_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_key_press);
}

static void
sy_logs_window_init (SyLogsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_queue_init (&self->entries);
  g_queue_init (&self->shown);
  self->follow = TRUE;
  setup_tags (self);
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->level_combo), "all");
  g_signal_connect (gtk_scrolled_window_get_vadjustment (self->scroller), "value-changed",
                    G_CALLBACK (on_scrolled), self);
  g_signal_connect (gtk_scrolled_window_get_vadjustment (self->scroller), "changed",
                    G_CALLBACK (on_layout_changed), self);
  g_signal_connect (self->text_view, "style-updated", G_CALLBACK (update_indent), self);
  g_signal_connect (self->text_view, "scroll-event", G_CALLBACK (on_view_scroll_event), self);
  g_signal_connect (self->text_view, "key-press-event", G_CALLBACK (on_view_key_press), self);
  g_signal_connect (gtk_scrolled_window_get_vscrollbar (self->scroller), "button-press-event",
                    G_CALLBACK (on_scrollbar_button), self);
  g_signal_connect (gtk_scrolled_window_get_vscrollbar (self->scroller), "button-release-event",
                    G_CALLBACK (on_scrollbar_button), self);
  /* The lines have the focus (Ctrl+F goes to the filter): the filter's
   * hint stays readable. */
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
  update_state (self);
}
