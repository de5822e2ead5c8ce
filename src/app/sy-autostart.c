/* sy-autostart.c: starting the app when the user logs in (XDG autostart)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-app"

#include "config.h"


#include "sy-autostart.h"
#ifdef G_OS_WIN32
/* Windows: a value in the Run registry key, written by plain Win32 code
 * (sy-autostart-win32.c, which MinGW-w64 builds here without GLib). */
# include <stdlib.h>

# include "sy-autostart-win32.h"

char *
sy_autostart_get_path (void)
{
  return g_strdup ("HKEY_CURRENT_USER\\" SY_AUTOSTART_WIN32_RUN_KEY "\\" SY_AUTOSTART_WIN32_VALUE);
}

gboolean
sy_autostart_get_enabled (void)
{
  return sy_autostart_win32_get_enabled (SY_AUTOSTART_WIN32_VALUE) == 1;
}

gboolean
sy_autostart_set_enabled (gboolean   enabled,
                          GError   **error)
{
  char *message = NULL;

  if (sy_autostart_win32_set_enabled (SY_AUTOSTART_WIN32_VALUE, enabled, &message) == 0)
    return TRUE;
  g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                       message != NULL ? message : "the Run registry key");
  free (message);
  return FALSE;
}

#elif defined (__APPLE__)
/* macOS: a LaunchAgent (sy-autostart-launchd.c, plain GLib, tested
 * everywhere). */
# include "sy-autostart-launchd.h"

char *
sy_autostart_get_path (void)
{
  return sy_autostart_launchd_get_path (g_get_home_dir ());
}

gboolean
sy_autostart_get_enabled (void)
{
  return sy_autostart_launchd_get_enabled (g_get_home_dir ());
}

gboolean
sy_autostart_set_enabled (gboolean   enabled,
                          GError   **error)
{
  return sy_autostart_launchd_set_enabled (g_get_home_dir (), enabled, error);
}

#else /* XDG autostart */
# include "sy-autostart-launchd.h"
# include "sy-autostart-portal.h"

/* The installed desktop entry's (data/io.github.switchyard.Switchyard.desktop.in)
 * Name, Comment, Icon and Exec, without its DBusActivatable: a session
 * runs an autostart entry's Exec. The app needs no start-in-the-background
 * flag: it starts as the tray icon alone, no window.
 * Exec is the command, not this binary's path: an installed switchyard is
 * on PATH, and a path into a build tree or an old install would go stale. */
static const char entry_text[] =
  "[Desktop Entry]\n"
  "Type=Application\n"
  "Name=Switchyard\n"
  "Comment=Serve your AI subscriptions as OpenAI-, Claude- and Gemini-compatible APIs\n"
  "Exec=switchyard\n"
  "Icon=io.github.switchyard.Switchyard\n"
  "Terminal=false\n"
  "StartupNotify=false\n"
  "NoDisplay=false\n"
  "X-GNOME-Autostart-enabled=true\n";

char *
sy_autostart_get_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", SY_AUTOSTART_FILE_NAME, NULL);
}

gboolean
sy_autostart_get_enabled (void)
{
  g_autofree char *path = sy_autostart_get_path ();
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *enabled = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL))
    return FALSE;
  /* The spec's way to turn an entry off without deleting it, and GNOME's. */
  if (g_key_file_get_boolean (file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN, NULL))
    return FALSE;
  enabled = g_key_file_get_value (file, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", NULL);
  return enabled == NULL || g_ascii_strcasecmp (g_strstrip (enabled), "false") != 0;
}

gboolean
sy_autostart_set_enabled (gboolean   enabled,
                          GError   **error)
{
  g_autofree char *path = sy_autostart_get_path ();

  /* In a sandbox the session never reads this entry: the Background portal
   * writes the host's one. The entry then only records what was asked. */
  if (sy_autostart_portal_wanted () && !sy_autostart_portal_request (NULL, enabled, error))
    return FALSE;
  return sy_autostart_file_set (path, enabled ? entry_text : NULL, 0700, 0600, error);
}
#endif
