/* sy-tray.c: the tray icon, as a StatusNotifierItem or a GtkStatusIcon
 *
 * Both backends show the same GtkMenu, built once from the menu model with
 * the action groups inserted on it: AppIndicator exports it over
 * com.canonical.dbusmenu, the status icon pops it up. Which one shows is
 * decided by who owns org.kde.StatusNotifierWatcher, and changes with it.
 * Builds without AppIndicator (Windows, macOS) have the status icon only,
 * and ask no bus: Windows has no session bus to ask.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-app"

#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#ifdef GDK_WINDOWING_X11
# include <gdk/gdkx.h>
#endif
#if HAVE_APPINDICATOR
# include <libayatana-appindicator/app-indicator.h>
#endif

#include "sy-app-resources.h"
#include "sy-app-util.h"
#include "sy-tray.h"
#include "sy-tray-private.h"
#ifdef G_OS_WIN32
# include "sy-tray-win32.h"
#endif

#define WATCHER_NAME  "org.kde.StatusNotifierWatcher"
#define ICON_RESOURCE "/io/github/switchyard/Switchyard/icons"

struct _SyTray
{
  GObject        parent_instance;
  char          *id;
  GtkWidget     *menu;            /* owned (ref-sunk) */
  SyTrayStatus   status;
  char          *tooltip;
  SyTrayBackend  backend;
  guint          watch_id;
#if HAVE_APPINDICATOR
  AppIndicator  *indicator;
#endif
  GtkStatusIcon *status_icon;
};

G_DEFINE_FINAL_TYPE (SyTray, sy_tray, G_TYPE_OBJECT)
G_DEFINE_ENUM_TYPE (SyTrayStatus, sy_tray_status,
  G_DEFINE_ENUM_VALUE (SY_TRAY_STATUS_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (SY_TRAY_STATUS_STOPPED, "stopped"),
  G_DEFINE_ENUM_VALUE (SY_TRAY_STATUS_ATTENTION, "attention"),
  G_DEFINE_ENUM_VALUE (SY_TRAY_STATUS_ERROR, "error"))

enum
{
  PROP_0,
  PROP_STATUS,
  PROP_BACKEND,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

const char *
sy_tray_status_icon_name (SyTrayStatus status)
{
  switch (status)
    {
    case SY_TRAY_STATUS_STOPPED:   return "switchyard-stopped-symbolic";
    case SY_TRAY_STATUS_ATTENTION: return "switchyard-attention-symbolic";
    case SY_TRAY_STATUS_ERROR:     return "switchyard-error-symbolic";
    case SY_TRAY_STATUS_RUNNING:
    default:                       return "switchyard-running-symbolic";
    }
}

static const char *
status_description (SyTrayStatus status)
{
  switch (status)
    {
    case SY_TRAY_STATUS_STOPPED:   return _("Switchyard: proxy off");
    case SY_TRAY_STATUS_ATTENTION: return _("Switchyard: an account needs attention");
    case SY_TRAY_STATUS_ERROR:     return _("Switchyard: the proxy could not start");
    case SY_TRAY_STATUS_RUNNING:
    default:                       return _("Switchyard: proxy on");
    }
}

#if HAVE_APPINDICATOR
/* The panel is another process and reads icons from disk: when they are
 * not installed (a build tree), they are written out of the resources to
 * a directory named to it as the item's IconThemePath (in a Flatpak, the
 * app's cache directory has the same path inside and out). NULL: installed. */
static char *
icon_theme_dir (void)
{
  g_autoptr(GtkIconTheme) plain = gtk_icon_theme_new ();
  g_autofree char *root = NULL;
  g_autofree char *dir = NULL;
  const SyTrayStatus all[] = { SY_TRAY_STATUS_RUNNING, SY_TRAY_STATUS_STOPPED,
                               SY_TRAY_STATUS_ATTENTION, SY_TRAY_STATUS_ERROR };

  /* Installed in a Flatpak is not enough: the panel outside cannot see
   * /app, and Flatpak exports only icons named after the app id. */
  if (!g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) &&
      gtk_icon_theme_has_icon (plain, sy_tray_status_icon_name (SY_TRAY_STATUS_RUNNING)))
    return NULL;

  root = g_build_filename (g_get_user_cache_dir (), "switchyard", "icons", NULL);
  dir = g_build_filename (root, "hicolor", "scalable", "status", NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      g_autofree char *name = g_strconcat (sy_tray_status_icon_name (all[i]), ".svg", NULL);
      g_autofree char *res = g_build_path ("/", ICON_RESOURCE, "scalable", "status", name, NULL);
      g_autofree char *file = g_build_filename (dir, name, NULL);
      g_autoptr(GBytes) bytes = g_resources_lookup_data (res, 0, NULL);
      g_autoptr(GError) error = NULL;

      if (bytes == NULL ||
          !g_file_set_contents (file, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error))
        g_warning ("tray icon %s not written: %s", name, error ? error->message : "not in the resources");
    }
  return g_steal_pointer (&root);
}

static void
drop_indicator (SyTray *self)
{
  g_clear_object (&self->indicator);
}

static void
use_indicator (SyTray *self)
{
  g_autofree char *theme_dir = NULL;

  if (self->indicator != NULL)
    return;
  g_clear_object (&self->status_icon);

  theme_dir = icon_theme_dir ();
  self->indicator = app_indicator_new_with_path (self->id, sy_tray_status_icon_name (self->status),
                                                 APP_INDICATOR_CATEGORY_APPLICATION_STATUS,
                                                 theme_dir);
  app_indicator_set_title (self->indicator, self->tooltip ? self->tooltip : "Switchyard");
  app_indicator_set_icon_full (self->indicator, sy_tray_status_icon_name (self->status),
                               status_description (self->status));
  app_indicator_set_menu (self->indicator, GTK_MENU (self->menu));
  app_indicator_set_status (self->indicator, APP_INDICATOR_STATUS_ACTIVE);
  self->backend = SY_TRAY_BACKEND_APPINDICATOR;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKEND]);
}
#endif

GdkPixbuf *
_sy_tray_render_status_icon (SyTrayStatus   status,
                             const GdkRGBA *color,
                             int            size)
{
  g_autoptr(GtkIconInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  GdkPixbuf *pixbuf;

  info = gtk_icon_theme_lookup_icon (gtk_icon_theme_get_default (), sy_tray_status_icon_name (status),
                                     size, GTK_ICON_LOOKUP_FORCE_SIZE);
  if (info == NULL)
    return NULL;
  pixbuf = gtk_icon_info_load_symbolic (info, color, NULL, NULL, NULL, NULL, &error);
  if (pixbuf == NULL)
    g_warning ("tray icon %s: %s", sy_tray_status_icon_name (status), error->message);
  return pixbuf;
}

/* The colour of the symbolic icons on a tray GTK does not style: on
 * Windows the taskbar's, light or dark as its theme says (their own dark
 * grey would vanish on a dark taskbar). FALSE: the icon theme's way. */
static gboolean
status_icon_color (GdkRGBA *color)
{
#ifdef G_OS_WIN32
  return gdk_rgba_parse (color, sy_tray_win32_taskbar_is_light () ? "#2e3436" : "#ffffff");
#else
  return FALSE;
#endif
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static void
on_status_icon_menu (GtkStatusIcon *icon,
                     guint          button,
                     guint          time,
                     SyTray        *self)
{
  /* Placing the menu by the icon's geometry is an X11 thing: elsewhere the
   * menu opens at the pointer, which is on the icon. */
#ifdef GDK_WINDOWING_X11
  if (GDK_IS_X11_DISPLAY (gdk_display_get_default ()))
    {
      gtk_menu_popup (GTK_MENU (self->menu), NULL, NULL, gtk_status_icon_position_menu, icon,
                      button, time);
      return;
    }
#endif
  gtk_menu_popup (GTK_MENU (self->menu), NULL, NULL, NULL, NULL, button, time);
}

static void
on_status_icon_activate (GtkStatusIcon *icon,
                         SyTray        *self)
{
  on_status_icon_menu (icon, 1, gtk_get_current_event_time (), self);
}

static void
update_status_icon (SyTray *self)
{
  GdkRGBA color;
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  if (status_icon_color (&color))
    pixbuf = _sy_tray_render_status_icon (self->status, &color,
                                          gtk_status_icon_get_size (self->status_icon) > 0
                                          ? gtk_status_icon_get_size (self->status_icon) : 16);
  if (pixbuf != NULL)
    gtk_status_icon_set_from_pixbuf (self->status_icon, pixbuf);
  else
    gtk_status_icon_set_from_icon_name (self->status_icon, sy_tray_status_icon_name (self->status));
  gtk_status_icon_set_tooltip_text (self->status_icon,
                                    self->tooltip ? self->tooltip : status_description (self->status));
}

/* Where there is no StatusNotifierWatcher: an XEmbed tray icon, or the
 * notification area's on Windows. A left click pops the menu up too
 * (there is no window to present yet). */
static void
use_status_icon (SyTray *self)
{
  if (self->status_icon != NULL)
    return;
#if HAVE_APPINDICATOR
  drop_indicator (self);
#endif
  self->status_icon = gtk_status_icon_new ();
  gtk_status_icon_set_title (self->status_icon, "Switchyard");
  update_status_icon (self);
  g_signal_connect (self->status_icon, "popup-menu", G_CALLBACK (on_status_icon_menu), self);
  g_signal_connect (self->status_icon, "activate", G_CALLBACK (on_status_icon_activate), self);
  self->backend = SY_TRAY_BACKEND_STATUS_ICON;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKEND]);
}
G_GNUC_END_IGNORE_DEPRECATIONS

#if HAVE_APPINDICATOR
static void
on_watcher_appeared (GDBusConnection *connection,
                     const char      *name,
                     const char      *owner,
                     gpointer         user_data)
{
  g_debug ("%s is %s: StatusNotifierItem", name, owner);
  use_indicator (user_data);
}

static void
on_watcher_vanished (GDBusConnection *connection,
                     const char      *name,
                     gpointer         user_data)
{
  g_debug ("no %s: status icon", name);
  use_status_icon (user_data);
}
#endif

static void
insert_group (SyTray       *self,
              const char   *prefix,
              GActionGroup *group)
{
  gtk_widget_insert_action_group (self->menu, prefix, group);
}

SyTray *
sy_tray_new (const char *id,
             GMenuModel *menu,
             const char *first_prefix,
             ...)
{
  SyTray *self;
  va_list args;
  const char *prefix;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (G_IS_MENU_MODEL (menu), NULL);

  sy_app_ensure_resources ();
  self = g_object_new (SY_TYPE_TRAY, NULL);
  self->id = g_strdup (id);
  self->menu = g_object_ref_sink (gtk_menu_new_from_model (menu));
  va_start (args, first_prefix);
  for (prefix = first_prefix; prefix != NULL; prefix = va_arg (args, const char *))
    insert_group (self, prefix, va_arg (args, GActionGroup *));
  va_end (args);

#if HAVE_APPINDICATOR
  self->watch_id = g_bus_watch_name (G_BUS_TYPE_SESSION, WATCHER_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                     on_watcher_appeared, on_watcher_vanished, self, NULL);
#else
  use_status_icon (self);
#endif
  return self;
}

void
sy_tray_set_status (SyTray       *self,
                    SyTrayStatus  status)
{
  g_return_if_fail (SY_IS_TRAY (self));

  if (self->status == status)
    return;
  self->status = status;
#if HAVE_APPINDICATOR
  if (self->indicator != NULL)
    app_indicator_set_icon_full (self->indicator, sy_tray_status_icon_name (status),
                                 status_description (status));
#endif
  if (self->status_icon != NULL)
    update_status_icon (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

SyTrayStatus
sy_tray_get_status (SyTray *self)
{
  g_return_val_if_fail (SY_IS_TRAY (self), SY_TRAY_STATUS_RUNNING);
  return self->status;
}

void
sy_tray_set_tooltip (SyTray     *self,
                     const char *tooltip)
{
  g_return_if_fail (SY_IS_TRAY (self));

  g_free (self->tooltip);
  self->tooltip = g_strdup (tooltip);
#if HAVE_APPINDICATOR
  if (self->indicator != NULL)
    app_indicator_set_title (self->indicator, tooltip ? tooltip : "Switchyard");
#endif
  if (self->status_icon != NULL)
    update_status_icon (self);
}

SyTrayBackend
sy_tray_get_backend (SyTray *self)
{
  g_return_val_if_fail (SY_IS_TRAY (self), SY_TRAY_BACKEND_NONE);
  return self->backend;
}

GtkStatusIcon *
_sy_tray_get_status_icon (SyTray *self)
{
  g_return_val_if_fail (SY_IS_TRAY (self), NULL);
  return self->status_icon;
}

GtkMenu *
_sy_tray_get_menu (SyTray *self)
{
  g_return_val_if_fail (SY_IS_TRAY (self), NULL);
  return GTK_MENU (self->menu);
}

static void
sy_tray_dispose (GObject *object)
{
  SyTray *self = SY_TRAY (object);

  if (self->watch_id != 0)
    {
      g_bus_unwatch_name (self->watch_id);
      self->watch_id = 0;
    }
#if HAVE_APPINDICATOR
  drop_indicator (self);
#endif
  g_clear_object (&self->status_icon);
  if (self->menu != NULL)
    gtk_widget_destroy (self->menu);
  g_clear_object (&self->menu);
  G_OBJECT_CLASS (sy_tray_parent_class)->dispose (object);
}

static void
sy_tray_finalize (GObject *object)
{
  SyTray *self = SY_TRAY (object);

  g_free (self->id);
  g_free (self->tooltip);
  G_OBJECT_CLASS (sy_tray_parent_class)->finalize (object);
}

static void
sy_tray_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  SyTray *self = SY_TRAY (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case PROP_BACKEND:
      g_value_set_int (value, self->backend);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_tray_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_STATUS:
      sy_tray_set_status (SY_TRAY (object), g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_tray_class_init (SyTrayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_tray_dispose;
  object_class->finalize = sy_tray_finalize;
  object_class->get_property = sy_tray_get_property;
  object_class->set_property = sy_tray_set_property;

  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL, SY_TYPE_TRAY_STATUS, SY_TRAY_STATUS_RUNNING,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BACKEND] =
    g_param_spec_int ("backend", NULL, NULL, SY_TRAY_BACKEND_NONE, SY_TRAY_BACKEND_STATUS_ICON,
                      SY_TRAY_BACKEND_NONE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_tray_init (SyTray *self)
{
}
