/* autostart-win32-check.c: sy-autostart-win32.c against a real registry
 *
 * Plain C for the MinGW-w64 cross compiler (no GLib there): the
 * 'autostart-win32-compile' test builds it with warnings as errors, and
 * runs it when wine is there; on Windows it is the 'autostart-win32' test.
 * It prints TAP and exits 1 when a check fails. Its Run value is named
 * after the process id ("Switchyard-test-<pid>", not the app's own) and
 * deleted again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "sy-autostart-win32.h"

static int n_checks;
static int n_failed;

static void
check (int         ok,
       const char *what,
       const char *detail)
{
  n_checks++;
  if (!ok)
    n_failed++;
  printf ("%s %d - %s%s%s\n", ok ? "ok" : "not ok", n_checks, what,
          detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

/* The data of @name under HKEY_CURRENT_USER\@subkey as UTF-8 (REG_SZ),
 * "<binary>" for other types, NULL when absent. */
static char *
read_value (const WCHAR *subkey,
            const WCHAR *name)
{
  WCHAR data[1024];
  DWORD size = sizeof data - sizeof (WCHAR);
  DWORD type = 0;
  HKEY key;
  LONG status;
  char *text;

  if (RegOpenKeyExW (HKEY_CURRENT_USER, subkey, 0, KEY_QUERY_VALUE, &key) != ERROR_SUCCESS)
    return NULL;
  memset (data, 0, sizeof data);
  status = RegQueryValueExW (key, name, NULL, &type, (BYTE *) data, &size);
  RegCloseKey (key);
  if (status != ERROR_SUCCESS)
    return NULL;
  if (type != REG_SZ)
    return strdup ("<binary>");
  text = malloc (4 * 1024);
  if (text == NULL ||
      WideCharToMultiByte (CP_UTF8, 0, data, -1, text, 4 * 1024, NULL, NULL) <= 0)
    abort ();
  return text;
}

/* What Task Manager writes when the entry is switched off there: 3, then
 * the time it was (any 8 bytes will do here). */
static int
switch_off_in_task_manager (const WCHAR *name)
{
  static const BYTE off[12] = { 3, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
  HKEY key;
  LONG status;

  status = RegCreateKeyExW (HKEY_CURRENT_USER, L"" SY_AUTOSTART_WIN32_APPROVED_KEY, 0, NULL,
                            REG_OPTION_NON_VOLATILE, KEY_SET_VALUE, NULL, &key, NULL);
  if (status != ERROR_SUCCESS)
    return 0;
  status = RegSetValueExW (key, name, 0, REG_BINARY, off, sizeof off);
  RegCloseKey (key);
  return status == ERROR_SUCCESS;
}

int
main (void)
{
  char name[64];
  WCHAR wname[64];
  char *command;
  char *value;
  char *error = NULL;
  size_t len;

  snprintf (name, sizeof name, "Switchyard-test-%lu", (unsigned long) GetCurrentProcessId ());
  MultiByteToWideChar (CP_UTF8, 0, name, -1, wname, 64);

  command = sy_autostart_win32_command ();
  len = command != NULL ? strlen (command) : 0;
  check (command != NULL && len > 6 && command[0] == '"' && command[len - 1] == '"' &&
         _strnicmp (command + len - 5, ".exe", 4) == 0 && strchr (command + 1, '"') == command + len - 1,
         "the command is this program's path, quoted", command);

  check (sy_autostart_win32_get_enabled (name) == 0, "off before anything is written", NULL);

  check (sy_autostart_win32_set_enabled (name, 1, &error) == 0 && error == NULL,
         "turned on", error);
  free (error);
  error = NULL;
  value = read_value (L"" SY_AUTOSTART_WIN32_RUN_KEY, wname);
  check (value != NULL && command != NULL && strcmp (value, command) == 0,
         "the Run key holds the quoted path", value);
  free (value);
  check (sy_autostart_win32_get_enabled (name) == 1, "on after it is written", NULL);
  check (sy_autostart_win32_get_enabled (SY_AUTOSTART_WIN32_VALUE "-test-absent") == 0,
         "another name is still off", NULL);

  check (switch_off_in_task_manager (wname), "switched off as Task Manager does", NULL);
  check (sy_autostart_win32_get_enabled (name) == 0, "off when Task Manager switched it off", NULL);
  check (sy_autostart_win32_set_enabled (name, 1, &error) == 0, "turned on again", error);
  free (error);
  error = NULL;
  value = read_value (L"" SY_AUTOSTART_WIN32_APPROVED_KEY, wname);
  check (value == NULL, "Task Manager's switch is cleared", value);
  free (value);
  check (sy_autostart_win32_get_enabled (name) == 1, "on again", NULL);

  check (sy_autostart_win32_set_enabled (name, 0, &error) == 0, "turned off", error);
  free (error);
  error = NULL;
  value = read_value (L"" SY_AUTOSTART_WIN32_RUN_KEY, wname);
  check (value == NULL, "the Run value is gone", value);
  free (value);
  check (sy_autostart_win32_get_enabled (name) == 0, "off after it is deleted", NULL);
  check (sy_autostart_win32_set_enabled (name, 0, &error) == 0, "turning off twice is fine", error);
  free (error);
  error = NULL;

  /* "\xff" is not UTF-8: refused with words, nothing written. */
  check (sy_autostart_win32_set_enabled ("Switchyard-\xff", 1, &error) == -1 && error != NULL,
         "a name that is not UTF-8 is refused", error);
  free (error);

  free (command);
  printf ("1..%d\n", n_checks);
  return n_failed == 0 ? 0 : 1;
}
