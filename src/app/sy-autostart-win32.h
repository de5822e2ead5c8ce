/* sy-autostart-win32.h: starting the app at logon on Windows, in plain C
 *
 * A value in the user's Run key,
 * HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run, holding
 * the quoted path of this program: Explorer starts it at logon while the
 * value is there. Task Manager's Startup tab switches such an entry off
 * without deleting it, in a value of the same name under
 * ...\Explorer\StartupApproved\Run: an entry switched off there counts as
 * off here, and turning autostart on here switches it on there again.
 *
 * Plain C with the Windows headers only, no GLib (as sy-secret-wincred.c):
 * MinGW-w64 builds it here, where there are no GLib headers for Windows
 * (the 'autostart-win32-compile' test), and sy-autostart.c calls it under
 * G_OS_WIN32. Strings are UTF-8; strings handed out come from malloc().
 * Links with advapi32.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/* The value's name in the Run key, as the app uses it. */
#define SY_AUTOSTART_WIN32_VALUE   "Switchyard"
#define SY_AUTOSTART_WIN32_RUN_KEY "Software\\Microsoft\\Windows\\CurrentVersion\\Run"
#define SY_AUTOSTART_WIN32_APPROVED_KEY \
  "Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\StartupApproved\\Run"

/* 1 when the Run key has a non-empty @value_name that Task Manager has not
 * switched off, 0 otherwise (also when the registry cannot be read). */
int   sy_autostart_win32_get_enabled (const char  *value_name);

/* Enabled: writes @value_name with sy_autostart_win32_command() and
 * clears Task Manager's switch; disabled: deletes both (absent ones are
 * fine). 0 on success, -1 with *error_out (when not NULL) saying why. */
int   sy_autostart_win32_set_enabled (const char  *value_name,
                                      int          enabled,
                                      char       **error_out);

/* "\"C:\\...\\switchyard.exe\"": this program's path, quoted (it may
 * have spaces, as under Program Files); NULL when it cannot be had. */
char *sy_autostart_win32_command     (void);

#ifdef __cplusplus
}
#endif
