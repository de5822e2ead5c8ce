/* main.c: switchyard [--headless] [--config FILE] [--host ADDR] [--port N] [--debug]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "switchyard"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <glib/gi18n.h>
#ifdef G_OS_UNIX
# include <glib-unix.h>
#endif

#include "sy-config.h"
#include "sy-log.h"
#include "switchyard.h"
#if HAVE_GUI
# include "sy-application.h"
#endif

#define EXIT_CONFIG 2

static gboolean
on_quit_signal (gpointer user_data)
{
  g_message ("Shutting down");
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

#ifdef G_OS_UNIX
static gboolean
on_reload_signal (gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!sy_service_reload (user_data, &error))
    g_warning ("reload failed, the previous config stays in force: %s", error->message);
  return G_SOURCE_CONTINUE;
}
#endif

static int
run_headless (SyService *service)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  if (!sy_service_start (service, &error))
    {
      g_printerr ("switchyard: %s\n", error->message);
      return g_error_matches (error, SY_SERVICE_ERROR, SY_SERVICE_ERROR_UNSAFE_BIND) ? EXIT_CONFIG : 1;
    }

  url = sy_service_dup_url (service);
  g_message ("Listening on %s (%u accounts, %u models; config %s)", url,
             sy_service_get_n_accounts (service), sy_service_get_n_models (service),
             sy_service_get_config_path (service));

#ifdef G_OS_UNIX
  g_unix_signal_add (SIGINT, on_quit_signal, loop);
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_unix_signal_add (SIGHUP, on_reload_signal, service);
#endif

  g_main_loop_run (loop);
  sy_service_stop (service);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyService) service = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *host = NULL;
  gboolean headless = FALSE;
  gboolean debug = FALSE;
  gboolean version = FALSE;
  int port = -1;
  const GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless, N_("Run the proxy without a display"), NULL },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("Config file (default: the user's switchyard/config.yaml)"), N_("FILE") },
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, N_("Address to listen on (overrides the config)"), N_("ADDR") },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, N_("Port to listen on (overrides the config)"), N_("N") },
    { "debug", 'd', 0, G_OPTION_ARG_NONE, &debug, N_("Log request traces"), NULL },
    { "version", 'v', 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
    _("Serve your AI subscriptions as OpenAI-, Claude- and Gemini-compatible APIs on 127.0.0.1:8317."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("switchyard: %s\n", error->message);
      return EXIT_CONFIG;
    }

  if (version)
    {
      g_print ("switchyard %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (port < -1 || port > 65535)
    {
      g_printerr ("switchyard: --port must be from 0 to 65535\n");
      return EXIT_CONFIG;
    }

  sy_log_init (debug);

  if (config_path == NULL)
    {
      gboolean created = FALSE;

      config_path = sy_config_default_path ();
      if (!sy_config_ensure_file (config_path, &created, &error))
        {
          g_printerr ("switchyard: %s\n", error->message);
          return EXIT_CONFIG;
        }
      if (created)
        g_message ("Created %s with default settings", config_path);
    }

  service = sy_service_new_from_file (config_path, &error);
  if (service == NULL)
    {
      g_printerr ("switchyard: %s\n", error->message);
      return EXIT_CONFIG;
    }
  if (host != NULL || port >= 0)
    sy_service_set_listen_override (service, host, port);

#if HAVE_GUI
  if (!headless)
    {
      int status = sy_application_run (service, argc, argv);

      if (status >= 0)
        return status;
    }
#else
  if (!headless)
    g_message ("Built without the desktop app: running headless");
#endif

  return run_headless (service);
}
