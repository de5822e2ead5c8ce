/* main.c: switchyard [--headless] [--config FILE] [--host ADDR] [--port N] [--debug]
 *         switchyard --login PROVIDER [--no-browser] [--device] [--project ID] | --list-accounts | --logout ID
 *         switchyard --import-vertex KEY.json [--prefix P] [--location L]
 *         switchyard --import-auth DIR | --export-auth DIR
 *         switchyard --diagnostics FILE.zip
 *         switchyard setup TOOL [--model M] [--dry-run] | setup --restore TOOL [--force] | setup --status
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "switchyard"

#include "config.h"

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>
#ifdef G_OS_UNIX
# include <glib-unix.h>
#endif
#ifdef G_OS_WIN32
# include "sy-console-win32.h"
#endif

#include "sy-auth-files.h"
#include "sy-config.h"
#include "sy-diagnostics.h"
#include "sy-integration.h"
#include "sy-log.h"
#include "sy-login-channels.h"
#include "sy-service-logins.h"
#include "switchyard.h"
#ifdef G_OS_UNIX
# include <gio/gunixinputstream.h>
#endif
#if HAVE_GUI
# include "sy-application.h"
#endif

#define EXIT_CONFIG 2

/* The desktop app's id on the session bus, and where its actions are. */
#define APP_ID "io.github.switchyard.Switchyard"
#define APP_PATH "/io/github/switchyard/Switchyard"

static gboolean
on_quit_signal (gpointer user_data)
{
  g_message ("Shutting down");
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

#ifdef G_OS_WIN32
/* Ctrl+C in the console, on a thread of Windows': quit in the loop. */
static gboolean
on_console_quit (gpointer user_data)
{
  on_quit_signal (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_console_interrupt (void *loop)
{
  g_idle_add (on_console_quit, loop);
}
#endif

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

/* "switchyard: " and a translated message, on stderr. */
static void G_GNUC_PRINTF (1, 2)
print_error (const char *format,
             ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("switchyard: %s\n", message);
}

/* A provider's name as shown: most are product names, a few have words
 * in them to translate. "" stays "" (gettext would answer the header). */
static const char *
provider_title (const char *provider)
{
  const char *title = sy_login_provider_title (provider);

  return title != NULL && *title != '\0' ? _(title) : title;
}

/* Logins from the command line ------------------------------------------- */

/* `switchyard --login P` while the tray app runs: the running app signs
 * in (its app.login action, over the session bus), so the new account
 * joins the proxy that serves. FALSE when no app owns the name (or there
 * is no session bus): the sign-in then runs here. */
static gboolean
forward_login (const char *provider)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) listed = NULL;
  g_autoptr(GDBusActionGroup) actions = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *socket = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);
  gboolean has_owner = FALSE;

  /* Only a session bus that is there: without one, GLib would
   * autolaunch a bus daemon just to find nobody on it. */
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL && !g_file_test (socket, G_FILE_TEST_EXISTS))
    return FALSE;
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus == NULL)
    return FALSE;
  owned = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", APP_ID), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  if (owned != NULL)
    g_variant_get (owned, "(b)", &has_owner);
  if (!has_owner)
    return FALSE;

  actions = g_dbus_action_group_get (bus, APP_ID, APP_PATH);
  g_action_group_activate_action (G_ACTION_GROUP (actions), "login", g_variant_new_string (provider));
  /* The activation is sent without a reply: a call to the same object
   * after it comes back only once the app has taken it (a bus keeps one
   * sender's messages in order, the app runs them in order). */
  listed = g_dbus_connection_call_sync (bus, APP_ID, APP_PATH, "org.gtk.Actions", "List", NULL,
                                        G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL,
                                        &error);
  if (listed == NULL)
    {
      /* The app went away in between: sign in here after all. */
      g_debug ("the running app did not answer: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  GMainLoop    *loop;
  SyService    *service;
  SyLoginFlow  *flow;
  GError       *error;
  SyCredential *credential;
  GDataInputStream *input;
  GCancellable *cancellable;
  const char   *provider;
} Cli;

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Cli *cli = user_data;

  sy_service_load_logins_finish (SY_SERVICE (source), result, &cli->error);
  g_main_loop_quit (cli->loop);
}

static gboolean
load_logins (Cli *cli)
{
  sy_service_load_logins_async (cli->service, NULL, on_loaded, cli);
  g_main_loop_run (cli->loop);
  if (cli->error != NULL)
    {
      print_error (_("cannot read the accounts: %s"), cli->error->message);
      return FALSE;
    }
  return TRUE;
}

static void
on_logged_in (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Cli *cli = user_data;

  cli->credential = sy_service_login_finish (SY_SERVICE (source), result, &cli->error);
  g_cancellable_cancel (cli->cancellable);
  g_main_loop_quit (cli->loop);
}

static void
on_pasted_line (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                      result, NULL, &error);

  if (line == NULL)
    return;    /* end of input, or cancelled: keep waiting for the browser */
  g_strstrip (line);
  if (*line != '\0' && !sy_login_flow_deliver (cli->flow, line, &error))
    g_printerr ("%s\n%s\n", error->message,
                _("Paste the whole address the browser ended on, or press Ctrl+C."));
  g_data_input_stream_read_line_async (cli->input, G_PRIORITY_DEFAULT, cli->cancellable,
                                       on_pasted_line, cli);
}

/* Said once per provider, before its first sign-in. */
static void
terms_notice (const char *provider)
{
  g_autofree char *notice = NULL;

  if (sy_login_terms_seen (provider))
    return;
  notice = sy_login_terms_notice (provider);
  g_print ("%s\n\n", notice);
  if (g_strcmp0 (provider, "gemini-cli") == 0)
    g_print (_("Gemini CLI sign-in with a personal Google account ended in June 2026: sign in with "
               "an account that has Gemini Code Assist Standard or Enterprise, and name its Google "
               "Cloud project with --project ID (several: --project ID1,ID2).\n\n"));
  sy_login_terms_mark_seen (provider);
}

/* What to open (and, for device flows, the code to check), once known. */
static void
show_sign_in (Cli *cli)
{
  const char *title = provider_title (cli->provider);
  const char *code = sy_login_flow_get_user_code (cli->flow);

  if (code != NULL)
    {
      g_print (_("Sign in to %s: open this address in a browser\n\n  %s\n\n"
                 "and confirm the code %s there. Waiting for your approval…\n"),
               title, sy_login_flow_get_url (cli->flow), code);
      return;
    }
  g_print (_("Sign in to %s in your browser:\n\n  %s\n\n"), title, sy_login_flow_get_url (cli->flow));
  g_print (_("Waiting for the browser to come back to 127.0.0.1:%u (5 minutes).\n"
             "On another machine (SSH)? Forward the port (ssh -L %u:localhost:%u …), or paste here\n"
             "the address the browser ends on and press Enter.\n"),
           sy_login_flow_get_callback_port (cli->flow), sy_login_flow_get_callback_port (cli->flow),
           sy_login_flow_get_callback_port (cli->flow));
#ifdef G_OS_UNIX
  {
    g_autoptr(GInputStream) in = g_unix_input_stream_new (0, FALSE);

    cli->input = g_data_input_stream_new (in);
    g_data_input_stream_read_line_async (cli->input, G_PRIORITY_DEFAULT, cli->cancellable,
                                         on_pasted_line, cli);
  }
#endif
}

/* Device flows: the provider has said where to go. */
static void
on_url_known (SyLoginFlow *flow,
              GParamSpec  *pspec,
              gpointer     user_data)
{
  Cli *cli = user_data;

  if (sy_login_flow_get_url (flow) != NULL)
    show_sign_in (cli);
}

static int
run_login (SyService  *service,
           const char *provider,
           gboolean    no_browser,
           int         callback_port,
           gboolean    device,
           const char *project)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Cli cli = { loop, service, NULL, NULL, NULL, NULL, cancellable, NULL };
  SyLoginOptions options = { !no_browser, 0, 0, device, project };
  g_autoptr(GError) error = NULL;
  int status = 0;

  /* -1: the provider's own port; 0: any free one. */
  if (callback_port == 0)
    options.callback_port = G_MAXUINT16 + 1;
  else if (callback_port > 0)
    options.callback_port = (guint) callback_port;
  /* A code typed on another device takes longer than a browser nearby
   * (OpenAI's codes last 15 minutes). */
  if (device && g_strcmp0 (provider, "codex") == 0)
    options.timeout_s = 15 * 60;

  if (!load_logins (&cli))
    return 1;
  terms_notice (provider);
  cli.flow = sy_service_login (service, provider, &options, NULL, on_logged_in, &cli, &error);
  if (cli.flow == NULL)
    {
      g_printerr ("switchyard: %s\n", error->message);
      if (sy_login_provider_preset (provider) != NULL)
        g_printerr (_("\nWith an API key from the provider, add this to %s:\n\n%s"),
                    sy_service_get_config_path (service), sy_login_provider_preset (provider));
      return EXIT_CONFIG;
    }
  if (device && sy_login_flow_get_callback_port (cli.flow) != 0)
    g_printerr (_("%s has no device sign-in: using the browser.\n"), provider_title (provider));
  cli.provider = provider;
  if (sy_login_flow_get_url (cli.flow) != NULL)
    show_sign_in (&cli);
  else
    g_signal_connect (cli.flow, "notify::url", G_CALLBACK (on_url_known), &cli);
  g_main_loop_run (loop);
  if (cli.credential != NULL)
    {
      g_print (_("Signed in to %s as %s (account %s).\n"), provider_title (provider),
               sy_credential_get_label (cli.credential), sy_credential_get_id (cli.credential));
      g_clear_object (&cli.credential);
    }
  else
    {
      print_error (_("sign-in failed: %s"), cli.error ? cli.error->message : _("unknown error"));
      status = 1;
    }
  g_clear_error (&cli.error);
  g_clear_object (&cli.input);
  g_signal_handlers_disconnect_by_data (cli.flow, &cli);
  g_clear_object (&cli.flow);
  /* Let the cancelled read finish before the stream goes. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return status;
}

static int
run_list_accounts (SyService *service)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Cli cli = { loop, service, NULL, NULL, NULL, NULL, NULL, NULL };
  GPtrArray *all;
  SyAuthDir *auth_dir;
  GPtrArray *files;

  if (!load_logins (&cli))
    return 1;
  all = sy_logins_get_all (SY_LOGINS (sy_service_get_logins (service)));
  auth_dir = sy_service_get_auth_dir (service);
  files = auth_dir ? sy_auth_dir_get_all (auth_dir) : NULL;
  if (all->len == 0 && (files == NULL || files->len == 0))
    g_print (_("No signed-in accounts. Add one with: switchyard --login claude\n"));
  for (guint i = 0; i < all->len + (files ? files->len : 0); i++)
    {
      SyCredential *c = i < all->len ? g_ptr_array_index (all, i) : g_ptr_array_index (files, i - all->len);
      g_autofree char *where = i < all->len ? NULL
                               : g_strdup_printf (_(" (file %s in the auth-dir)"), sy_auth_dir_get_file (auth_dir, c));

      g_print ("%-20s %-12s %-32s %s%s%s%s\n", sy_credential_get_id (c), sy_credential_get_provider (c),
               sy_credential_get_label (c),
               /* TRANSLATORS: an account's state in --list-accounts, after its id,
                * provider and e-mail address; a reason may follow after ": ". */
               !sy_credential_get_enabled (c) ? C_("account state", "disabled") :
               sy_credential_get_status (c) == SY_CREDENTIAL_NEEDS_LOGIN ? C_("account state", "needs sign-in")
                                                                          : C_("account state", "ok"),
               sy_credential_get_status_reason (c) ? ": " : "",
               sy_credential_get_status_reason (c) ? sy_credential_get_status_reason (c) : "",
               where ? where : "");
    }
  return 0;
}

static void
on_removed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Cli *cli = user_data;

  sy_logins_remove_finish (SY_LOGINS (source), result, &cli->error);
  g_main_loop_quit (cli->loop);
}

static int
run_logout (SyService  *service,
            const char *id)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Cli cli = { loop, service, NULL, NULL, NULL, NULL, NULL, NULL };

  if (!load_logins (&cli))
    return 1;
  sy_logins_remove_async (SY_LOGINS (sy_service_get_logins (service)), id, NULL, on_removed, &cli);
  g_main_loop_run (loop);
  if (cli.error != NULL)
    {
      g_printerr ("switchyard: %s\n", cli.error->message);
      g_clear_error (&cli.error);
      return 1;
    }
  g_print (_("Signed out: %s (its tokens were deleted).\n"), id);
  return 0;
}

/* CLIProxyAPI's auth files ------------------------------------------------ */

typedef struct
{
  GMainLoop *loop;
  GPtrArray *results;
  GError    *error;
} ImportRun;

static void
on_imported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  ImportRun *run = user_data;

  run->results = sy_auth_import_finish (SY_LOGINS (source), result, &run->error);
  g_main_loop_quit (run->loop);
}

/* Each file becomes a login (tokens in the token store); a record beside
 * the config says what was imported, so a second run leaves it alone. The
 * files themselves are only read. */
static int
run_import_auth (SyService  *service,
                 const char *dir,
                 const char *config_path)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Cli cli = { loop, service, NULL, NULL, NULL, NULL, NULL };
  ImportRun run = { loop, NULL, NULL };
  g_autofree char *config_dir = g_path_get_dirname (config_path);
  g_autofree char *record = g_build_filename (config_dir, "imported-auth.json", NULL);
  guint imported = 0;
  guint skipped = 0;

  if (!load_logins (&cli))
    return 1;
  sy_auth_import_async (SY_LOGINS (sy_service_get_logins (service)), dir, record, NULL, on_imported, &run);
  g_main_loop_run (loop);
  if (run.results == NULL)
    {
      print_error (_("cannot import from %s: %s"), dir, run.error->message);
      g_clear_error (&run.error);
      return 1;
    }
  for (guint i = 0; i < run.results->len; i++)
    {
      SyAuthFileResult *r = g_ptr_array_index (run.results, i);

      if (r->skipped != NULL)
        {
          skipped++;
          /* TRANSLATORS: "skipped", "imported" and the line under it start
           * in the same column; keep the spaces lining them up. */
          g_print (_("skipped   %s: %s\n"), r->file, r->skipped);
          continue;
        }
      imported++;
      g_print (_("imported  %s as %s\n"), r->file, r->id);
      if (r->dropped != NULL)
        g_print (_("          not carried over (no such setting per account here): %s\n"), r->dropped);
    }
  g_print (_("%u imported, %u skipped. The files in %s were left as they are.\n"), imported, skipped, dir);
  if (imported > 0)
    g_print (_("Do not keep using the same accounts from CLIProxyAPI: each renewal replaces the refresh "
               "token, and the other copy then stops working.\n"));
  g_ptr_array_unref (run.results);
  return 0;
}

static int
run_export_auth (SyService  *service,
                 const char *dir)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Cli cli = { loop, service, NULL, NULL, NULL, NULL, NULL };
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  guint written = 0;

  if (!load_logins (&cli))
    return 1;
  g_printerr (_("Warning: the files written to %s hold live tokens in plain text. Anyone who can read "
                "them can use your accounts. Keep them private (they are written with mode 0600) and "
                "delete them when you no longer need them.\n"), dir);
  results = sy_auth_export (sy_logins_get_all (SY_LOGINS (sy_service_get_logins (service))), dir, &error);
  if (results == NULL)
    {
      g_printerr ("switchyard: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < results->len; i++)
    {
      SyAuthFileResult *r = g_ptr_array_index (results, i);

      if (r->skipped != NULL)
        /* TRANSLATORS: "skipped" and "exported" start in the same column. */
        g_print (_("skipped   %s: %s\n"), r->id, r->skipped);
      else
        {
          written++;
          g_print (_("exported  %s to %s\n"), r->id, r->file);
        }
    }
  g_print (_("%u of %u logins exported to %s.\n"), written, results->len, dir);
  return 0;
}

static void
on_added (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Cli *cli = user_data;

  cli->credential = sy_service_add_login_finish (SY_SERVICE (source), result, &cli->error);
  g_main_loop_quit (cli->loop);
}

/* A Google service-account key as a Vertex AI login. */
static int
run_import_vertex (SyService  *service,
                   const char *path,
                   const char *prefix,
                   const char *location)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Cli cli = { loop, service, NULL, NULL, NULL, NULL, NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) credential = NULL;
  char *key = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &key, &length, &error))
    {
      g_printerr ("switchyard: %s\n", error->message);
      return 1;
    }
  credential = sy_vertex_credential_new (key, (gssize) length, prefix, location, &error);
  memset (key, 0, length);
  g_free (key);
  if (credential == NULL)
    {
      g_printerr ("switchyard: %s: %s\n", path, error->message);
      return EXIT_CONFIG;
    }
  if (!load_logins (&cli))
    return 1;
  sy_service_add_login_async (service, credential, NULL, on_added, &cli);
  g_main_loop_run (loop);
  g_clear_object (&cli.credential);
  if (cli.error != NULL)
    {
      g_printerr ("switchyard: %s\n", cli.error->message);
      g_clear_error (&cli.error);
      return 1;
    }
  /* Whole sentences, one with the prefix and one without: word order
   * differs between languages. */
  if (sy_credential_get_prefix (credential) != NULL)
    g_print (_("Imported the service account %s (project %s, %s, prefix %s) as account %s.\n"),
             sy_credential_get_email (credential), sy_credential_get_extra (credential, "project_id"),
             sy_credential_get_extra (credential, "location"), sy_credential_get_prefix (credential),
             sy_credential_get_id (credential));
  else
    g_print (_("Imported the service account %s (project %s, %s) as account %s.\n"),
             sy_credential_get_email (credential), sy_credential_get_extra (credential, "project_id"),
             sy_credential_get_extra (credential, "location"), sy_credential_get_id (credential));
  g_print (_("Its key is in the token store now; you may delete %s.\n"), path);
  return 0;
}

/* A bundle for a bug report: as much as can be read, secrets masked. A
 * config that does not load is said in the bundle's log, with the
 * defaults in its place. */
static int
run_diagnostics (const char *config_path,
                 const char *zip_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) config = sy_config_new_from_file (config_path, &error);
  g_autoptr(SyService) service = NULL;
  g_autoptr(JsonNode) accounts = NULL;

  if (config == NULL)
    {
      g_message ("diagnostics: %s does not load: %s", config_path, error->message);
      g_clear_error (&error);
      config = sy_config_new_default ();
    }
  else if ((service = sy_service_new_from_file (config_path, &error)) != NULL)
    {
      g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
      Cli cli = { loop, service, NULL, NULL, NULL, NULL, NULL, NULL };

      /* Signed-in accounts too, when the token store opens. */
      sy_service_load_logins_async (service, NULL, on_loaded, &cli);
      g_main_loop_run (loop);
      if (cli.error != NULL)
        g_message ("diagnostics: the logins were not read: %s", cli.error->message);
      g_clear_error (&cli.error);
      accounts = sy_diagnostics_accounts_json (sy_service_get_accounts (service), g_get_real_time ());
    }
  else
    {
      g_message ("diagnostics: the accounts were not read: %s", error->message);
      g_clear_error (&error);
    }

  if (!sy_diagnostics_write (zip_path, config, accounts, &error))
    {
      g_printerr ("switchyard: %s\n", error->message);
      return 1;
    }
  g_print ("%s\n", zip_path);
  return 0;
}

/* CLIProxyAPI's single-dash login flags, as ours. One may stand for two
 * of ours, so the result is a new vector (of borrowed strings). */
static char **
translate_legacy_flags (int    *argc,
                        char  **argv)
{
  static const struct { const char *legacy; const char *ours; const char *also; } flags[] = {
    { "-claude-login", "--login=claude", NULL },
    { "-codex-login", "--login=codex", NULL },
    { "-codex-device-login", "--login=codex", "--device" },
    { "-antigravity-login", "--login=antigravity", NULL },
    { "-login", "--login=gemini-cli", NULL },
    { "-kimi-login", "--login=kimi", NULL },
    { "-no-browser", "--no-browser", NULL },
    { "-oauth-callback-port", "--callback-port", NULL },
    { "-project_id", "--project", NULL },
    { "-vertex-import", "--import-vertex", NULL },
    { "-vertex-import-prefix", "--prefix", NULL },
    { "-config", "--config", NULL },
  };
  GPtrArray *out = g_ptr_array_new ();

  for (int i = 0; i < *argc; i++)
    {
      guint f;

      for (f = 0; i > 0 && f < G_N_ELEMENTS (flags); f++)
        if (strcmp (argv[i], flags[f].legacy) == 0)
          break;
      if (i == 0 || f == G_N_ELEMENTS (flags))
        {
          g_ptr_array_add (out, argv[i]);
          continue;
        }
      g_ptr_array_add (out, (char *) flags[f].ours);
      if (flags[f].also != NULL)
        g_ptr_array_add (out, (char *) flags[f].also);
    }
  *argc = (int) out->len;
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

static int
run_headless (SyService *service)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  Cli cli = { loop, service, NULL, NULL, NULL, NULL, NULL, NULL };

  /* Signed-in accounts first, so they serve from the first request; API
   * keys alone still work when the accounts cannot be read. */
  if (!load_logins (&cli))
    g_clear_error (&cli.error);
  if (!sy_service_start (service, &error))
    {
      g_printerr ("switchyard: %s\n", error->message);
      return g_error_matches (error, SY_SERVICE_ERROR, SY_SERVICE_ERROR_UNSAFE_BIND) ? EXIT_CONFIG : 1;
    }

#ifdef G_OS_UNIX
  /* Before saying where it listens: whoever waits for that line may stop
   * it at once, and that must still end with the usage flushed. */
  g_unix_signal_add (SIGINT, on_quit_signal, loop);
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_unix_signal_add (SIGHUP, on_reload_signal, service);
#endif
  url = sy_service_dup_url (service);
  g_message ("Listening on %s (%u accounts, %u models; config %s)", url,
             sy_service_get_n_accounts (service), sy_service_get_n_models (service),
             sy_service_get_config_path (service));

#ifdef G_OS_WIN32
  if (sy_console_win32_on_interrupt (on_console_interrupt, loop) != 0)
    g_debug ("no console handler: Ctrl+C ends the process");
#endif

  g_main_loop_run (loop);
  sy_service_stop (service);
  return 0;
}

/* Setup of coding tools ------------------------------------------------- */

/* `switchyard setup ...`: points a coding tool's own config at this
 * Switchyard (reversibly), or undoes it, or lists the tools. */
static int
run_setup (int    argc,
           char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("TOOL"));
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) config = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *model = NULL;
  g_autofree char *restore = NULL;
  g_autofree char *state_dir = sy_integration_default_state_dir ();
  g_autofree char *base_url = NULL;
  g_autoptr(GString) ids = g_string_new (NULL);
  g_autofree char *description = NULL;
  gboolean dry_run = FALSE, force = FALSE, status = FALSE;
  const SyIntegration * const *tools = sy_integrations ();
  const SyIntegration *tool;
  SyIntegrationContext ctx = { 0 };
  const char *id;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_STRING, &model, N_("The model the tool uses by default"), N_("MODEL") },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, N_("Show the changes (a diff) without writing"), NULL },
    { "restore", 0, 0, G_OPTION_ARG_STRING, &restore, N_("Put back the tool's files as they were before the setup"), N_("TOOL") },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, N_("With --restore: even when the files changed since the setup"), NULL },
    { "status", 0, 0, G_OPTION_ARG_NONE, &status, N_("List the tools and whether they use Switchyard"), NULL },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("Config file (its port and first api-key are used)"), N_("FILE") },
    { NULL }
  };

  for (guint i = 0; tools[i] != NULL; i++)
    g_string_append_printf (ids, "%s%s", i > 0 ? ", " : "", tools[i]->id);
  /* TRANSLATORS: %s is the list of tools, "claude-code, codex, …" */
  description = g_strdup_printf (_("TOOL: %s.\nSee docs/integrations.md.\n"), ids->str);
  g_set_prgname ("switchyard setup");
  g_option_context_set_summary (context, _("Point a coding tool's own config at Switchyard, reversibly."));
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      print_error ("%s", error->message);
      return EXIT_CONFIG;
    }

  if (config_path == NULL)
    config_path = sy_config_default_path ();
  config = g_file_test (config_path, G_FILE_TEST_EXISTS)
           ? sy_config_new_from_file (config_path, &error) : sy_config_new_default ();
  if (config == NULL)
    {
      print_error ("%s", error->message);
      return EXIT_CONFIG;
    }
  if (config->port <= 0)
    {
      print_error (_("%s sets no fixed port (port: %d); the tools need one"), config_path, config->port);
      return EXIT_CONFIG;
    }
  base_url = g_strdup_printf ("http://127.0.0.1:%d", config->port);
  ctx.home = g_get_home_dir ();
  ctx.state_dir = state_dir;
  ctx.base_url = base_url;
  ctx.api_key = config->api_keys[0];
  ctx.model = model;

  if (status)
    {
      for (guint i = 0; tools[i] != NULL; i++)
        {
          g_autofree char *since = NULL;
          g_autofree char *when = NULL;
          SyIntegrationState state = sy_integration_status (tools[i], &ctx, &since);

          if (state == SY_INTEGRATION_CONNECTED)
            /* TRANSLATORS: %s is when, e.g. "2026-11-26 23:40" */
            when = g_strdup_printf (_("connected (set up %s)"), since ? since : "?");
          else if (state == SY_INTEGRATION_CHANGED)
            /* TRANSLATORS: %s is when, e.g. "2026-11-26 23:40" */
            when = g_strdup_printf (_("connected, files changed since (set up %s)"), since ? since : "?");
          else
            when = g_strdup (_("not connected"));
          g_print ("%-12s %-14s %s\n", tools[i]->id, tools[i]->title, when);
        }
      return 0;
    }

  id = restore != NULL ? restore : argc >= 2 ? argv[1] : NULL;
  if (id == NULL || (restore == NULL && argc > 2) || (restore != NULL && argc > 1))
    {
      print_error (_("usage: switchyard setup TOOL [--model MODEL] [--dry-run] | setup --restore TOOL [--force] | setup --status (TOOL: %s)"), ids->str);
      return EXIT_CONFIG;
    }
  tool = sy_integration_lookup (id);
  if (tool == NULL)
    {
      print_error (_("no setup for \"%s\"; there is one for %s"), id, ids->str);
      return EXIT_CONFIG;
    }

  if (restore != NULL)
    {
      if (!sy_integration_restore (tool, &ctx, force, &error))
        {
          print_error ("%s", error->message);
          return 1;
        }
      g_print (_("%s: restored its files as they were before the setup.\n"), tool->title);
      return 0;
    }

  if (dry_run)
    {
      g_autofree char *diff = sy_integration_preview (tool, &ctx, &error);

      if (diff == NULL)
        {
          print_error ("%s", error->message);
          return 1;
        }
      if (*diff == '\0')
        g_print (_("%s uses Switchyard at %s already: nothing to change.\n"), tool->title, base_url);
      else
        g_print ("%s", diff);
      return 0;
    }

  {
    gboolean changed = FALSE;

    if (!sy_integration_apply (tool, &ctx, &changed, &error))
      {
        print_error ("%s", error->message);
        return 1;
      }
    if (!changed)
      g_print (_("%s uses Switchyard at %s already: nothing changed.\n"), tool->title, base_url);
    else
      {
        if (ctx.api_key != NULL)
          g_print (_("%s now uses Switchyard at %s (with the config's first client key).\n"),
                   tool->title, base_url);
        else
          g_print (_("%s now uses Switchyard at %s.\n"), tool->title, base_url);
        for (guint i = 0; i < tool->n_files; i++)
          g_print ("  %s/%s\n", ctx.home, tool->files[i].path);
        g_print (_("Undo with: switchyard setup --restore %s\n"), tool->id);
      }
  }
  return 0;
}

/* Where the translations are installed. On Windows the program can be
 * installed anywhere: they are beside it, in ..\share\locale. */
static char *
installed_localedir (void)
{
#ifdef G_OS_WIN32
  g_autofree char *root = g_win32_get_package_installation_directory_of_module (NULL);

  if (root != NULL)
    return g_build_filename (root, "share", "locale", NULL);
#endif
  return g_strdup (LOCALEDIR);
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
  g_autofree char *installed = NULL;
  gboolean headless = FALSE;
  gboolean debug = FALSE;
  gboolean version = FALSE;
  gboolean no_browser = FALSE;
  gboolean device = FALSE;
  gboolean list_accounts = FALSE;
  gboolean gapplication_service = FALSE;
  g_autofree char *login = NULL;
  g_autofree char *logout = NULL;
  g_autofree char *project = NULL;
  g_autofree char *import_vertex = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *location = NULL;
  g_autofree char *import_auth = NULL;
  g_autofree char *export_auth = NULL;
  g_autofree char *diagnostics = NULL;
  int port = -1;
  int callback_port = -1;
  const char *localedir;
  g_autofree char **args = NULL;
  const GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless, N_("Run the proxy without a display"), NULL },
    /* TRANSLATORS: the words in capitals stand for an option's value in
     * --help (switchyard --config FILE). */
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("Config file (default: the user's switchyard/config.yaml)"), N_("FILE") },
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, N_("Address to listen on (overrides the config)"), N_("ADDR") },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, N_("Port to listen on (overrides the config)"), N_("N") },
    { "debug", 'd', 0, G_OPTION_ARG_NONE, &debug, N_("Log request traces"), NULL },
    { "version", 'v', 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { "login", 0, 0, G_OPTION_ARG_STRING, &login, N_("Sign in to a subscription: claude, codex, antigravity, gemini-cli, kimi or xai"), N_("PROVIDER") },
    { "no-browser", 0, 0, G_OPTION_ARG_NONE, &no_browser, N_("With --login: print the address instead of opening a browser"), NULL },
    { "callback-port", 0, 0, G_OPTION_ARG_INT, &callback_port, N_("With --login: the local port the browser comes back to (0: any free one)"), N_("N") },
    { "device", 0, 0, G_OPTION_ARG_NONE, &device, N_("With --login=codex: sign in by typing a code on any device (no local browser needed)"), NULL },
    { "project", 0, 0, G_OPTION_ARG_STRING, &project, N_("With --login gemini-cli: the Google Cloud project(s) to serve from, comma-separated (default: the one Google names)"), N_("ID") },
    { "list-accounts", 0, 0, G_OPTION_ARG_NONE, &list_accounts, N_("List the signed-in accounts"), NULL },
    { "logout", 0, 0, G_OPTION_ARG_STRING, &logout, N_("Sign out of an account and delete its tokens"), N_("ID") },
    { "import-vertex", 0, 0, G_OPTION_ARG_FILENAME, &import_vertex, N_("Add a Google service-account key (JSON) as a Vertex AI account"), N_("FILE") },
    { "prefix", 0, 0, G_OPTION_ARG_STRING, &prefix, N_("With --import-vertex: the account's model prefix"), N_("P") },
    { "location", 0, 0, G_OPTION_ARG_STRING, &location, N_("With --import-vertex: the Vertex AI location (default us-central1)"), N_("L") },
    { "import-auth", 0, 0, G_OPTION_ARG_FILENAME, &import_auth, N_("Import CLIProxyAPI auth files (*.json) from a directory as logins"), N_("DIR") },
    { "export-auth", 0, 0, G_OPTION_ARG_FILENAME, &export_auth, N_("Write every login as a CLIProxyAPI auth file into a directory (plain-text tokens)"), N_("DIR") },
    { "diagnostics", 0, 0, G_OPTION_ARG_FILENAME, &diagnostics, N_("Write a diagnostics bundle (versions, config and accounts with secrets masked, recent log) and exit"), N_("FILE.zip") },
    /* GApplication's own: the session bus starts the app so (its service
     * file, for the DBusActivatable desktop entry). Handed on to it. */
    { "gapplication-service", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &gapplication_service, NULL, NULL },
    { NULL }
  };

  /* Translations: the installed ones, or (for tests and runs from the
   * build tree) those under $SWITCHYARD_LOCALEDIR when it is set. */
  setlocale (LC_ALL, "");
  localedir = g_getenv ("SWITCHYARD_LOCALEDIR");
  installed = installed_localedir ();
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : installed);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc >= 2 && strcmp (argv[1], "setup") == 0)
    return run_setup (argc - 1, argv + 1);

  /* The strings stay argv's; only the vector is ours. */
  args = translate_legacy_flags (&argc, argv);
  argv = args;
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
      print_error ("%s", _("--port must be from 0 to 65535"));
      return EXIT_CONFIG;
    }

  sy_log_init (debug);

  /* The tray app signs in itself (its browser flow, its login window);
   * what only the terminal can do (no browser, a device code, a callback
   * port, projects) stays here, and so does an unknown provider (its
   * error is said here). Before the config: forwarding needs none. */
  if (login != NULL && !headless && !no_browser && !device && callback_port == -1 &&
      project == NULL && g_strv_contains (sy_login_providers (), login) && forward_login (login))
    {
      g_print (_("The sign-in continues in the running Switchyard.\n"));
      return 0;
    }

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

  if (diagnostics != NULL)
    return run_diagnostics (config_path, diagnostics);

  service = sy_service_new_from_file (config_path, &error);
  if (service == NULL)
    {
      g_printerr ("switchyard: %s\n", error->message);
      return EXIT_CONFIG;
    }
  if (host != NULL || port >= 0)
    sy_service_set_listen_override (service, host, port);
  if ((prefix != NULL || location != NULL) && import_vertex == NULL)
    {
      print_error ("%s", _("--prefix and --location go with --import-vertex"));
      return EXIT_CONFIG;
    }

  if (login != NULL)
    {
      if (callback_port < -1 || callback_port > 65535)
        {
          print_error ("%s", _("--callback-port must be from 0 to 65535"));
          return EXIT_CONFIG;
        }
      if (project != NULL && g_strcmp0 (login, "gemini-cli") != 0)
        {
          print_error ("%s", _("--project is for --login gemini-cli"));
          return EXIT_CONFIG;
        }
      return run_login (service, login, no_browser, callback_port, device, project);
    }
  if (list_accounts)
    return run_list_accounts (service);
  if (logout != NULL)
    return run_logout (service, logout);
  if (import_vertex != NULL)
    return run_import_vertex (service, import_vertex, prefix, location);
  if (import_auth != NULL)
    return run_import_auth (service, import_auth, config_path);
  if (export_auth != NULL)
    return run_export_auth (service, export_auth);

#if HAVE_GUI
  if (!headless)
    {
      char *app_argv[] = { argv[0], gapplication_service ? (char *) "--gapplication-service" : NULL, NULL };
      int status = sy_application_run (service, gapplication_service ? 2 : 1, app_argv);

      if (status >= 0)
        return status;
      /* Started by the bus to show the app, where there is nothing to
       * show it on: a proxy nobody asked for would be left running. */
      if (gapplication_service)
        {
          print_error ("%s", _("no display to start the desktop app on"));
          return 1;
        }
    }
#else
  if (!headless)
    g_message ("Built without the desktop app: running headless");
#endif

  return run_headless (service);
}
