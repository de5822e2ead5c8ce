/* fake-app.c: a stand-in for the running tray app, on the session bus
 *
 * fake-app RECORD: owns io.github.switchyard.Switchyard as a
 * GApplication service and exports a "login" action (a string); each
 * activation of it ("login PROVIDER") and of the application ("activate")
 * is appended to RECORD as a line. "ready" is the first line, once the
 * name is owned. Runs until SIGTERM, or a minute.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <gio/gio.h>
#include <glib-unix.h>

static const char *record_path;

static void
record (const char *line)
{
  FILE *out = fopen (record_path, "a");

  if (out == NULL)
    g_error ("cannot write %s", record_path);
  fprintf (out, "%s\n", line);
  fclose (out);
}

static void
login_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  g_autofree char *line = g_strdup_printf ("login %s", g_variant_get_string (parameter, NULL));

  record (line);
}

static void
on_startup (GApplication *app)
{
  static const GActionEntry actions[] = {
    { "login", login_activated, "s", NULL, NULL, { 0 } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (app), actions, G_N_ELEMENTS (actions), app);
  g_application_hold (app);
  record ("ready");
}

static void
on_activate (GApplication *app)
{
  record ("activate");
}

static gboolean
quit (gpointer user_data)
{
  g_application_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GApplication) app = NULL;

  if (argc != 2)
    {
      g_printerr ("usage: fake-app RECORD\n");
      return 2;
    }
  record_path = argv[1];
  app = g_application_new ("io.github.switchyard.Switchyard", G_APPLICATION_IS_SERVICE);
  g_signal_connect (app, "startup", G_CALLBACK (on_startup), NULL);
  g_signal_connect (app, "activate", G_CALLBACK (on_activate), NULL);
  g_unix_signal_add (SIGTERM, quit, app);
  g_timeout_add_seconds (60, quit, app);
  return g_application_run (app, 1, argv);
}
