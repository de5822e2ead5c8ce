/* sy-application.c: the desktop front: the tray over the engine
 *
 * One instance per session: GApplication owns io.github.switchyard.Switchyard
 * on the session bus, and a second `switchyard` only activates the first.
 * The application holds the engine, the tray and the "app" actions the
 * tray's menu names.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-app"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sy-accounts-window.h"
#include "sy-app-util.h"
#include "sy-application.h"
#include "sy-login-window.h"
#include "sy-logs-window.h"
#include "sy-mappings-window.h"
#include "sy-notifier.h"
#include "sy-service-logins.h"
#include "sy-settings-window.h"
#include "sy-tray.h"
#include "sy-tray-menu.h"
#include "sy-usage-window.h"

struct _SyApplication
{
  GtkApplication  parent_instance;
  SyService      *service;
  SyTrayMenu     *menu;
  SyTray         *tray;
  SyNotifier     *notifier;
  GHashTable     *windows;          /* name → GtkWindow (owned by GTK) */
  GCancellable   *cancellable;
  gboolean        logins_loaded;
  gboolean        activated;        /* the first activate ran */
  char           *pending_login;    /* app.login before the accounts were loaded */
  int             status;
};

G_DEFINE_FINAL_TYPE (SyApplication, sy_application, GTK_TYPE_APPLICATION)

static void
start_login (SyApplication *self,
             const char    *provider)
{
  GtkWindow *window = sy_application_present_window (self, "login");

  if (window != NULL)
    sy_login_window_start (SY_LOGIN_WINDOW (window), provider);
}

/* app.login(provider): the login window, signing in to @provider ("": the
 * list). The sign-in needs the accounts loaded: before they are, the
 * window says so, and the sign-in starts again once they are. */
static void
login_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  SyApplication *self = user_data;
  const char *provider = g_variant_get_string (parameter, NULL);

  if (*provider == '\0')
    provider = NULL;
  if (!self->logins_loaded && provider != NULL)
    {
      g_free (self->pending_login);
      self->pending_login = g_strdup (provider);
    }
  start_login (self, provider);
}

/* The windows, one of each: the tray's items and a second `switchyard`
 * present them. Each is built on the service alone (tests build them so
 * too) and joins the application when it is shown. */
static const struct
{
  const char  *name;
  GtkWidget *(*create) (SyService *service);
} window_types[] = {
  { "usage", sy_usage_window_new },
  { "settings", sy_settings_window_new },
  { "login", sy_login_window_new },
  { "accounts", sy_accounts_window_new },
  { "logs", sy_logs_window_new },
  { "mappings", sy_mappings_window_new },
};

static gboolean
is_window (gpointer key,
           gpointer value,
           gpointer user_data)
{
  return value == user_data;
}

static void
on_window_destroyed (GtkWidget *window,
                     gpointer   user_data)
{
  SyApplication *self = user_data;

  g_hash_table_foreach_remove (self->windows, is_window, window);
}

GtkWindow *
sy_application_present_window (SyApplication *self,
                               const char    *name)
{
  GtkWindow *window;

  g_return_val_if_fail (SY_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  window = g_hash_table_lookup (self->windows, name);
  if (window == NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (window_types) && window == NULL; i++)
        if (g_strcmp0 (window_types[i].name, name) == 0)
          window = GTK_WINDOW (window_types[i].create (self->service));
      if (window == NULL)
        {
          g_message ("The %s window is not there yet", name);
          return NULL;
        }
      gtk_window_set_application (window, GTK_APPLICATION (self));
      /* Closing hides: the window keeps its state (and its place) for the
       * next time; Quit destroys them all. */
      g_signal_connect (window, "delete-event", G_CALLBACK (gtk_widget_hide_on_delete), NULL);
      g_signal_connect (window, "destroy", G_CALLBACK (on_window_destroyed), self);
      g_hash_table_insert (self->windows, g_strdup (name), window);
    }
  gtk_window_present (window);
  return window;
}

SyService *
sy_application_get_service (SyApplication *self)
{
  g_return_val_if_fail (SY_IS_APPLICATION (self), NULL);
  return self->service;
}

static void
window_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  sy_application_present_window (SY_APPLICATION (user_data), g_action_get_name (G_ACTION (action)));
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "login", login_activated, "s", NULL, NULL, { 0 } },
  { "accounts", window_activated, NULL, NULL, NULL, { 0 } },
  { "mappings", window_activated, NULL, NULL, NULL, { 0 } },
  { "usage", window_activated, NULL, NULL, NULL, { 0 } },
  { "settings", window_activated, NULL, NULL, NULL, { 0 } },
  { "logs", window_activated, NULL, NULL, NULL, { 0 } },
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
};

/* The proxy could not listen: the icon says "error" until it does, and a
 * notification says why, offering the next free port when the one set
 * is taken. */
static void
listen_failed (SyApplication *self,
               const GError  *error)
{
  guint offered;

  g_warning ("%s", error->message);
  sy_tray_menu_set_failed (self->menu, TRUE);
  offered = sy_notifier_listen_failed (self->notifier, sy_service_get_host (self->service),
                                       sy_service_get_port (self->service), error);
  if (offered != 0)
    g_message ("Port %u is in use: port %u is free (the notification offers it)",
               sy_service_get_port (self->service), offered);
}

static void
on_menu_listen_failed (SyTrayMenu *menu,
                       GError     *error,
                       gpointer    user_data)
{
  listen_failed (SY_APPLICATION (user_data), error);
}

/* Listens, starting the service the first time. */
static gboolean
start_listening (SyApplication  *self,
                 GError        **error)
{
  if (sy_service_get_state (self->service) == SY_SERVICE_STATE_STOPPED)
    return sy_service_start (self->service, error);
  return sy_service_set_listening (self->service, TRUE, error);
}

/* app.use-port(q): the notification's "Use 8318". The port is written to
 * config.yaml (through the core, as a window's edit) so the next start
 * uses it too; a service without a file, or one whose port the command
 * line set, takes it as an override. Then the proxy starts. */
static void
use_port_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  SyApplication *self = user_data;
  guint16 port = g_variant_get_uint16 (parameter);
  static const char * const path[] = { "port", NULL };
  g_autoptr(GError) error = NULL;

  if (sy_service_get_config_path (self->service) != NULL)
    {
      g_autoptr(JsonNode) value = json_node_init_int (json_node_alloc (), port);

      if (!sy_service_edit_config (self->service, path, value, &error))
        {
          g_warning ("cannot write the port to %s: %s", sy_service_get_config_path (self->service),
                     error->message);
          g_clear_error (&error);
        }
    }
  if (sy_service_get_port (self->service) != port)
    {
      g_autofree char *host = g_strdup (sy_service_get_host (self->service));

      sy_service_set_listen_override (self->service, host, port);
    }
  if (!start_listening (self, &error))
    {
      listen_failed (self, error);
      return;
    }
  sy_tray_menu_update (self->menu);
  g_message ("Listening on port %u", sy_service_get_port (self->service));
}

static const GActionEntry core_actions[] = {
  { "use-port", use_port_activated, "q", NULL, NULL, { 0 } },
};

static void
on_logins_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SyApplication *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!sy_service_load_logins_finish (SY_SERVICE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("cannot read the accounts: %s", error->message);
      return;
    }
  self->logins_loaded = TRUE;
  if (self->pending_login != NULL)
    {
      g_autofree char *provider = g_steal_pointer (&self->pending_login);
      GtkWindow *window = g_hash_table_lookup (self->windows, "login");

      /* Unless the window was closed or moved on to another provider. */
      if (window != NULL && gtk_widget_get_visible (GTK_WIDGET (window))
          && g_strcmp0 (sy_login_window_get_provider (SY_LOGIN_WINDOW (window)), provider) == 0)
        start_login (self, provider);
    }
}

static void
sy_application_startup (GApplication *app)
{
  SyApplication *self = SY_APPLICATION (app);

  G_APPLICATION_CLASS (sy_application_parent_class)->startup (app);

  /* The windows' icon (title bars, task switchers) is the app's own. */
  sy_app_ensure_resources ();
  gtk_window_set_default_icon_name (SY_APP_ICON_NAME);
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  g_action_map_add_action_entries (G_ACTION_MAP (app), core_actions, G_N_ELEMENTS (core_actions), app);
  self->menu = sy_tray_menu_new (self->service);
  g_signal_connect_object (self->menu, "listen-failed", G_CALLBACK (on_menu_listen_failed), self, 0);
  self->tray = sy_tray_new ("switchyard", sy_tray_menu_get_model (self->menu),
                            "tray", sy_tray_menu_get_actions (self->menu),
                            "app", G_ACTION_GROUP (app),
                            NULL);
  g_object_bind_property (self->menu, "status", self->tray, "status", G_BINDING_SYNC_CREATE);
  self->notifier = sy_notifier_new (app, self->service);
  /* The tray is the application: it lives until Quit. */
  g_application_hold (app);
}

static void
sy_application_activate (GApplication *app)
{
  SyApplication *self = SY_APPLICATION (app);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  /* Once only, even when the start failed (the notification and the
   * switch retry it). */
  if (self->activated || sy_service_get_state (self->service) == SY_SERVICE_STATE_RUNNING)
    {
      /* A second `switchyard`: the running one shows its accounts. */
      g_message ("Switchyard is already running");
      sy_application_present_window (self, "accounts");
      return;
    }

  self->activated = TRUE;
  /* Signed-in accounts load beside the start: API keys serve at once,
   * the subscriptions join when their tokens are read. */
  sy_service_load_logins_async (self->service, self->cancellable, on_logins_loaded, self);
  if (!sy_service_start (self->service, &error))
    {
      listen_failed (self, error);
      return;
    }
  url = sy_service_dup_url (self->service);
  g_message ("Listening on %s", url);
}

static void
sy_application_shutdown (GApplication *app)
{
  SyApplication *self = SY_APPLICATION (app);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->notifier);
  {
    /* Quit destroys the windows (closing only hid them). */
    GList *windows = g_hash_table_get_values (self->windows);

    g_hash_table_remove_all (self->windows);
    for (GList *l = windows; l != NULL; l = l->next)
      {
        g_signal_handlers_disconnect_by_func (l->data, on_window_destroyed, self);
        gtk_widget_destroy (l->data);
      }
    g_list_free (windows);
  }
  g_clear_object (&self->tray);
  g_clear_object (&self->menu);
  if (self->service != NULL)
    sy_service_stop (self->service);
  G_APPLICATION_CLASS (sy_application_parent_class)->shutdown (app);
}

static void
sy_application_finalize (GObject *object)
{
  SyApplication *self = SY_APPLICATION (object);

  /* Normally gone at shutdown; an application never run has them too. */
  g_clear_object (&self->notifier);
  g_clear_object (&self->tray);
  g_clear_object (&self->menu);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->service);
  g_clear_pointer (&self->pending_login, g_free);
  g_clear_pointer (&self->windows, g_hash_table_unref);
  G_OBJECT_CLASS (sy_application_parent_class)->finalize (object);
}

static void
sy_application_class_init (SyApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = sy_application_finalize;
  app_class->startup = sy_application_startup;
  app_class->activate = sy_application_activate;
  app_class->shutdown = sy_application_shutdown;
}

static void
sy_application_init (SyApplication *self)
{
  self->cancellable = g_cancellable_new ();
  self->windows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

SyApplication *
sy_application_new (SyService *service)
{
  SyApplication *self;

  g_return_val_if_fail (SY_IS_SERVICE (service), NULL);

  self = g_object_new (SY_TYPE_APPLICATION,
                       "application-id", "io.github.switchyard.Switchyard",
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
  self->service = g_object_ref (service);
  return self;
}

int
sy_application_run (SyService  *service,
                    int         argc,
                    char      **argv)
{
  g_autoptr(SyApplication) app = NULL;
  int status;

  /* Every window draws with cairo: without OpenGL, GDK does not load the
   * GL driver (on Mesa's software one, 40 MB of LLVM) just to choose a
   * visual. A GDK_GL the user set wins. */
  g_setenv ("GDK_GL", "disable", FALSE);
  if (!gtk_init_check (&argc, &argv))
    {
      g_message (_("No display available: running headless (use --headless to say so)"));
      return -1;
    }

  /* DEFAULT_FLAGS: unique on the session bus; a second instance sends
   * "activate" to the first and exits. The options were parsed already
   * (main.c forwards --login to app.login): main.c passes argv[0] and at
   * most GApplication's own --gapplication-service, with which the bus
   * starts the app (DBusActivatable): GApplication then waits for the
   * bus's Activate instead of activating itself. */
  app = sy_application_new (service);
  status = g_application_run (G_APPLICATION (app), argc, argv);
  return app->status ? app->status : status;
}
