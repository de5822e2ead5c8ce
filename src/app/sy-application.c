/* sy-application.c: the desktop front (tray and windows arrive with the
 * desktop issue; until then it runs the engine under a GtkApplication)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-app"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sy-application.h"

struct _SyApplication
{
  GtkApplication  parent_instance;
  SyService      *service;
  int             status;
};

G_DEFINE_FINAL_TYPE (SyApplication, sy_application, GTK_TYPE_APPLICATION)

static void
sy_application_activate (GApplication *app)
{
  SyApplication *self = SY_APPLICATION (app);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  if (sy_service_get_state (self->service) == SY_SERVICE_STATE_RUNNING)
    return;

  if (!sy_service_start (self->service, &error))
    {
      g_printerr ("switchyard: %s\n", error->message);
      self->status = 1;
      return;
    }
  url = sy_service_dup_url (self->service);
  g_message ("Listening on %s", url);
  g_application_hold (app);
}

static void
sy_application_finalize (GObject *object)
{
  SyApplication *self = SY_APPLICATION (object);

  g_clear_object (&self->service);
  G_OBJECT_CLASS (sy_application_parent_class)->finalize (object);
}

static void
sy_application_class_init (SyApplicationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sy_application_finalize;
  G_APPLICATION_CLASS (klass)->activate = sy_application_activate;
}

static void
sy_application_init (SyApplication *self)
{
}

int
sy_application_run (SyService  *service,
                    int         argc,
                    char      **argv)
{
  g_autoptr(SyApplication) app = NULL;
  int status;

  if (!gtk_init_check (&argc, &argv))
    {
      g_message (_("No display available: running headless (use --headless to say so)"));
      return -1;
    }

  app = g_object_new (SY_TYPE_APPLICATION,
                      "application-id", "io.github.switchyard.Switchyard",
                      "flags", G_APPLICATION_DEFAULT_FLAGS,
                      NULL);
  app->service = g_object_ref (service);
  status = g_application_run (G_APPLICATION (app), 1, argv);
  return app->status ? app->status : status;
}
