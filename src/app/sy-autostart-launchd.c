/* sy-autostart-launchd.c: starting the app at login on macOS (a LaunchAgent)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-app"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "sy-autostart-launchd.h"

char *
sy_autostart_launchd_get_path (const char *home)
{
  g_return_val_if_fail (home != NULL, NULL);

  return g_build_filename (home, "Library", "LaunchAgents", SY_AUTOSTART_LAUNCHD_LABEL ".plist", NULL);
}

/* RunAtLoad without KeepAlive: started once at login, and a Quit from the
 * menu bar stays a quit. LimitLoadToSessionType Aqua: only in a graphical
 * login, not over SSH. ProcessType Interactive: it is an app the user sees. */
char *
sy_autostart_launchd_plist (void)
{
  return g_strdup (
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
    "<plist version=\"1.0\">\n"
    "<dict>\n"
    "  <key>Label</key>\n"
    "  <string>" SY_AUTOSTART_LAUNCHD_LABEL "</string>\n"
    "  <key>ProgramArguments</key>\n"
    "  <array>\n"
    "    <string>/usr/bin/open</string>\n"
    "    <string>-b</string>\n"
    "    <string>" SY_AUTOSTART_LAUNCHD_LABEL "</string>\n"
    "  </array>\n"
    "  <key>RunAtLoad</key>\n"
    "  <true/>\n"
    "  <key>LimitLoadToSessionType</key>\n"
    "  <string>Aqua</string>\n"
    "  <key>ProcessType</key>\n"
    "  <string>Interactive</string>\n"
    "</dict>\n"
    "</plist>\n");
}

/* launchctl and the System Settings' "Allow in the Background" switch
 * may leave the file in place with Disabled set. */
static gboolean
plist_disabled (const char *text)
{
  const char *key = strstr (text, "<key>Disabled</key>");

  if (key == NULL)
    return FALSE;
  key += strlen ("<key>Disabled</key>");
  key += strspn (key, " \t\r\n");
  return g_str_has_prefix (key, "<true/>");
}

gboolean
sy_autostart_launchd_get_enabled (const char *home)
{
  g_autofree char *path = sy_autostart_launchd_get_path (home);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  return !plist_disabled (text);
}

gboolean
sy_autostart_file_set (const char  *path,
                       const char  *text,
                       int          dir_mode,
                       int          file_mode,
                       GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  const char *failed = NULL;
  int saved = 0;

  if (text == NULL)
    {
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          saved = errno;
          failed = path;
        }
    }
  else if (g_mkdir_with_parents (dir, dir_mode) != 0)
    {
      saved = errno;
      failed = dir;
    }
  else
    return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, file_mode, error);
  if (failed == NULL)
    return TRUE;
  /* Shown in the window: the system's words only (translated). */
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", failed, g_strerror (saved));
  return FALSE;
}

gboolean
sy_autostart_launchd_set_enabled (const char  *home,
                                  gboolean     enabled,
                                  GError     **error)
{
  g_autofree char *path = sy_autostart_launchd_get_path (home);
  g_autofree char *text = enabled ? sy_autostart_launchd_plist () : NULL;

  /* launchd ignores an agent that others may write to. */
  return sy_autostart_file_set (path, text, 0755, 0644, error);
}
