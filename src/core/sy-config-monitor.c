/* sy-config-monitor.c: watch config.yaml and hand out new snapshots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-core"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "sy-config-monitor.h"
#include "sy-core-error.h"

#define DEFAULT_DELAY_MS 50

struct _SyConfigMonitor
{
  GObject       parent_instance;

  char         *path;
  char         *basename;
  GFileMonitor *monitor;
  GMainContext *context;
  GSource      *timeout;
  guint         delay_ms;
  gboolean      have_sha256;
  guint8        sha256[32];
};

enum {
  CHANGED,
  FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SyConfigMonitor, sy_config_monitor, G_TYPE_OBJECT)

static void
sy_config_monitor_reload (SyConfigMonitor *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  g_autoptr(SyConfig) cfg = NULL;
  g_autofree char *data = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  gsize len = 0;

  if (!g_file_get_contents (self->path, &data, &len, &error))
    {
      g_autoptr(GError) io_error = NULL;

      /* Deleted (or half-way through a delete + create): wait for it to come back. */
      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return;

      io_error = g_error_new (SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO,
                              "%s: %s", self->path, error->message);
      g_signal_emit (self, signals[FAILED], 0, io_error);
      return;
    }

  /* Most likely truncated by a save that is still writing: loading it would
   * silently reset everything to the defaults. Wait for the next event. */
  if (len == 0)
    return;

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, (const guchar *) data, len);
  g_checksum_get_digest (checksum, digest, &digest_len);

  if (self->have_sha256 && memcmp (digest, self->sha256, sizeof digest) == 0)
    return;

  memcpy (self->sha256, digest, sizeof digest);
  self->have_sha256 = TRUE;

  cfg = sy_config_new_from_data (data, (gssize) len, self->path, &error);
  if (cfg == NULL)
    {
      g_debug ("config %s does not load: %s", self->path, error->message);
      g_signal_emit (self, signals[FAILED], 0, error);
      return;
    }

  /* Not shared with anyone yet. */
  cfg->path = g_strdup (self->path);
  g_signal_emit (self, signals[CHANGED], 0, cfg);
}

static gboolean
sy_config_monitor_timeout_cb (gpointer user_data)
{
  SyConfigMonitor *self = user_data;

  g_object_ref (self);   /* a "changed" handler may drop the last reference */
  g_clear_pointer (&self->timeout, g_source_unref);
  sy_config_monitor_reload (self);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
sy_config_monitor_schedule (SyConfigMonitor *self)
{
  if (self->timeout != NULL)
    {
      g_source_destroy (self->timeout);
      g_clear_pointer (&self->timeout, g_source_unref);
    }

  self->timeout = g_timeout_source_new (self->delay_ms);
  g_source_set_static_name (self->timeout, "[sy-config-monitor] debounce");
  g_source_set_callback (self->timeout, sy_config_monitor_timeout_cb, self, NULL);
  g_source_attach (self->timeout, self->context);
}

static gboolean
is_our_file (SyConfigMonitor *self,
             GFile           *file)
{
  g_autofree char *name = NULL;

  if (file == NULL)
    return FALSE;
  name = g_file_get_basename (file);
  return name != NULL && strcmp (name, self->basename) == 0;
}

static void
sy_config_monitor_changed_cb (GFileMonitor      *monitor,
                              GFile             *file,
                              GFile             *other_file,
                              GFileMonitorEvent  event,
                              gpointer           user_data)
{
  SyConfigMonitor *self = user_data;
  gboolean relevant = FALSE;

  switch (event)
    {
    case G_FILE_MONITOR_EVENT_CHANGED:
    case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
      relevant = is_our_file (self, file);
      break;

    case G_FILE_MONITOR_EVENT_RENAMED:
      relevant = is_our_file (self, other_file);
      break;

    case G_FILE_MONITOR_EVENT_DELETED:
    case G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED:
    case G_FILE_MONITOR_EVENT_PRE_UNMOUNT:
    case G_FILE_MONITOR_EVENT_UNMOUNTED:
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
    default:
      break;
    }

  if (relevant)
    sy_config_monitor_schedule (self);
}

static void
sy_config_monitor_dispose (GObject *object)
{
  SyConfigMonitor *self = SY_CONFIG_MONITOR (object);

  if (self->monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      g_file_monitor_cancel (self->monitor);
      g_clear_object (&self->monitor);
    }
  if (self->timeout != NULL)
    {
      g_source_destroy (self->timeout);
      g_clear_pointer (&self->timeout, g_source_unref);
    }

  G_OBJECT_CLASS (sy_config_monitor_parent_class)->dispose (object);
}

static void
sy_config_monitor_finalize (GObject *object)
{
  SyConfigMonitor *self = SY_CONFIG_MONITOR (object);

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->basename, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (sy_config_monitor_parent_class)->finalize (object);
}

static void
sy_config_monitor_class_init (SyConfigMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_config_monitor_dispose;
  object_class->finalize = sy_config_monitor_finalize;

  /**
   * SyConfigMonitor::changed:
   * @config: the new snapshot (the monitor keeps no reference)
   */
  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, SY_TYPE_CONFIG | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * SyConfigMonitor::failed:
   * @error: why the changed file does not load; the old snapshot stays valid
   */
  signals[FAILED] =
    g_signal_new ("failed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
sy_config_monitor_init (SyConfigMonitor *self)
{
  self->delay_ms = DEFAULT_DELAY_MS;
}

/**
 * sy_config_monitor_new:
 * @path: the config file (need not exist yet)
 * @current_sha256: (nullable) (array fixed-size=32): hash of the snapshot in use
 * @error: return location for a %SY_CORE_ERROR_CONFIG_IO error
 *
 * Watches the directory of @path in the thread-default main context.
 *
 * Returns: (transfer full): a new monitor, or %NULL
 */
SyConfigMonitor *
sy_config_monitor_new (const char    *path,
                       const guint8  *current_sha256,
                       GError       **error)
{
  g_autoptr(SyConfigMonitor) self = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) parent = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (SY_TYPE_CONFIG_MONITOR, NULL);
  self->path = g_strdup (path);
  self->context = g_main_context_ref_thread_default ();
  if (current_sha256 != NULL)
    {
      memcpy (self->sha256, current_sha256, sizeof self->sha256);
      self->have_sha256 = TRUE;
    }

  file = g_file_new_for_path (path);
  parent = g_file_get_parent (file);
  self->basename = g_file_get_basename (file);
  if (parent == NULL || self->basename == NULL)
    {
      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO,
                   "%s: not a file path", path);
      return NULL;
    }

  self->monitor = g_file_monitor_directory (parent, G_FILE_MONITOR_WATCH_MOVES,
                                            NULL, &local_error);
  if (self->monitor == NULL)
    {
      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO,
                   "%s: %s", path, local_error->message);
      return NULL;
    }
  g_file_monitor_set_rate_limit (self->monitor, 0);
  g_signal_connect (self->monitor, "changed",
                    G_CALLBACK (sy_config_monitor_changed_cb), self);

  return g_steal_pointer (&self);
}

/**
 * sy_config_monitor_set_delay:
 * @self: a #SyConfigMonitor
 * @debounce_ms: quiet time after the last event before the file is read
 */
void
sy_config_monitor_set_delay (SyConfigMonitor *self,
                             guint            debounce_ms)
{
  g_return_if_fail (SY_IS_CONFIG_MONITOR (self));

  self->delay_ms = debounce_ms;
}
