/* sy-autostart-win32.c: the Run registry key (see sy-autostart-win32.h)
 *
 * The wide (W) registry functions with names converted from UTF-8, and
 * this program's path from GetModuleFileNameW, which may be longer than
 * MAX_PATH. Plain C with the Windows headers only; links with advapi32.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "sy-autostart-win32.h"

/* Longer paths than this are not Windows paths (the \\?\ form's limit). */
#define MAX_MODULE_PATH 32768

/* A malloc()ed UTF-16 copy of @text, or NULL for text that is not UTF-8. */
static WCHAR *
to_wide (const char *text)
{
  int n_units;
  WCHAR *wide;

  n_units = MultiByteToWideChar (CP_UTF8, MB_ERR_INVALID_CHARS, text, -1, NULL, 0);
  if (n_units <= 0)
    return NULL;
  wide = malloc ((size_t) n_units * sizeof (WCHAR));
  if (wide == NULL)
    return NULL;
  if (MultiByteToWideChar (CP_UTF8, MB_ERR_INVALID_CHARS, text, -1, wide, n_units) != n_units)
    {
      free (wide);
      return NULL;
    }
  return wide;
}

/* A malloc()ed UTF-8 copy of NUL-terminated @wide, or NULL. */
static char *
to_utf8 (const WCHAR *wide)
{
  int len;
  char *text;

  len = WideCharToMultiByte (CP_UTF8, WC_ERR_INVALID_CHARS, wide, -1, NULL, 0, NULL, NULL);
  if (len <= 0)
    return NULL;
  text = malloc ((size_t) len);
  if (text == NULL)
    return NULL;
  if (WideCharToMultiByte (CP_UTF8, WC_ERR_INVALID_CHARS, wide, -1, text, len, NULL, NULL) != len)
    {
      free (text);
      return NULL;
    }
  return text;
}

/* Sets *error_out to "@what: <the system's words> (error @code)"; -1. */
static int
fail (char       **error_out,
      const char  *what,
      DWORD        code)
{
  WCHAR *buffer = NULL;
  char *words = NULL;
  char *message;
  size_t len;

  if (error_out == NULL)
    return -1;
  if (FormatMessageW (FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                      FORMAT_MESSAGE_IGNORE_INSERTS,
                      NULL, code, 0, (LPWSTR) &buffer, 0, NULL) > 0)
    {
      words = to_utf8 (buffer);
      LocalFree (buffer);
    }
  if (words != NULL)
    {
      /* System messages end with ".\r\n". */
      len = strlen (words);
      while (len > 0 && strchr (" .\r\n", words[len - 1]) != NULL)
        words[--len] = '\0';
    }
  len = strlen (what) + (words != NULL ? strlen (words) : 0) + 64;
  message = malloc (len);
  if (message != NULL)
    snprintf (message, len, "%s: %s (error %lu)", what,
              words != NULL && *words != '\0' ? words : "Windows error", (unsigned long) code);
  free (words);
  *error_out = message;
  return -1;
}

char *
sy_autostart_win32_command (void)
{
  WCHAR *path = NULL;
  DWORD size = MAX_PATH;
  DWORD len;
  char *utf8;
  char *command;

  /* The result fills the buffer exactly when the path was cut short. */
  for (;;)
    {
      WCHAR *bigger = realloc (path, (size_t) size * sizeof (WCHAR));

      if (bigger == NULL)
        {
          free (path);
          return NULL;
        }
      path = bigger;
      len = GetModuleFileNameW (NULL, path, size);
      if (len == 0)
        {
          free (path);
          return NULL;
        }
      if (len < size)
        break;
      if (size >= MAX_MODULE_PATH)
        {
          free (path);
          return NULL;
        }
      size *= 2;
    }
  utf8 = to_utf8 (path);
  free (path);
  if (utf8 == NULL)
    return NULL;
  /* A Windows path cannot hold '"': quoting is enough. */
  command = malloc (strlen (utf8) + 3);
  if (command != NULL)
    {
      command[0] = '"';
      strcpy (command + 1, utf8);
      strcat (command, "\"");
    }
  free (utf8);
  return command;
}

/* Whether Task Manager's StartupApproved value for @name says off: its
 * first byte is odd (2 on, 3 off; 6 and 7 the same with another flag). */
static int
switched_off (const WCHAR *name)
{
  HKEY key;
  BYTE data[16];
  DWORD type = 0;
  DWORD size = sizeof data;
  LONG status;

  if (RegOpenKeyExW (HKEY_CURRENT_USER, L"" SY_AUTOSTART_WIN32_APPROVED_KEY, 0, KEY_QUERY_VALUE,
                     &key) != ERROR_SUCCESS)
    return 0;
  status = RegQueryValueExW (key, name, NULL, &type, data, &size);
  RegCloseKey (key);
  return status == ERROR_SUCCESS && type == REG_BINARY && size >= 1 && (data[0] & 1) != 0;
}

int
sy_autostart_win32_get_enabled (const char *value_name)
{
  WCHAR *name = to_wide (value_name);
  HKEY key;
  DWORD type = 0;
  DWORD size = 0;
  LONG status;
  int on = 0;

  if (name == NULL)
    return 0;
  if (RegOpenKeyExW (HKEY_CURRENT_USER, L"" SY_AUTOSTART_WIN32_RUN_KEY, 0, KEY_QUERY_VALUE,
                     &key) == ERROR_SUCCESS)
    {
      status = RegQueryValueExW (key, name, NULL, &type, NULL, &size);
      RegCloseKey (key);
      /* More than the terminating 0 unit: there is a command. */
      on = status == ERROR_SUCCESS && (type == REG_SZ || type == REG_EXPAND_SZ) &&
           size > sizeof (WCHAR) && !switched_off (name);
    }
  free (name);
  return on;
}

/* Deletes @name under @subkey of HKEY_CURRENT_USER; an absent key or
 * value is success. */
static LONG
delete_value (const WCHAR *subkey,
              const WCHAR *name)
{
  HKEY key;
  LONG status;

  status = RegOpenKeyExW (HKEY_CURRENT_USER, subkey, 0, KEY_SET_VALUE, &key);
  if (status == ERROR_FILE_NOT_FOUND)
    return ERROR_SUCCESS;
  if (status != ERROR_SUCCESS)
    return status;
  status = RegDeleteValueW (key, name);
  RegCloseKey (key);
  return status == ERROR_FILE_NOT_FOUND ? ERROR_SUCCESS : status;
}

int
sy_autostart_win32_set_enabled (const char  *value_name,
                                int          enabled,
                                char       **error_out)
{
  WCHAR *name;
  WCHAR *command = NULL;
  char *utf8;
  HKEY key;
  LONG status;

  if (error_out != NULL)
    *error_out = NULL;
  name = to_wide (value_name);
  if (name == NULL)
    return fail (error_out, "the autostart entry's name", ERROR_INVALID_PARAMETER);

  if (!enabled)
    {
      status = delete_value (L"" SY_AUTOSTART_WIN32_RUN_KEY, name);
      if (status == ERROR_SUCCESS)
        delete_value (L"" SY_AUTOSTART_WIN32_APPROVED_KEY, name);
      free (name);
      return status == ERROR_SUCCESS ? 0 : fail (error_out, "HKEY_CURRENT_USER\\"
                                                 SY_AUTOSTART_WIN32_RUN_KEY, (DWORD) status);
    }

  utf8 = sy_autostart_win32_command ();
  if (utf8 != NULL)
    command = to_wide (utf8);
  free (utf8);
  if (command == NULL)
    {
      free (name);
      return fail (error_out, "this program's path", GetLastError ());
    }
  status = RegCreateKeyExW (HKEY_CURRENT_USER, L"" SY_AUTOSTART_WIN32_RUN_KEY, 0, NULL,
                            REG_OPTION_NON_VOLATILE, KEY_SET_VALUE, NULL, &key, NULL);
  if (status == ERROR_SUCCESS)
    {
      status = RegSetValueExW (key, name, 0, REG_SZ, (const BYTE *) command,
                               (DWORD) ((wcslen (command) + 1) * sizeof (WCHAR)));
      RegCloseKey (key);
    }
  /* Asked for here: on, whatever Task Manager said before. */
  if (status == ERROR_SUCCESS)
    status = delete_value (L"" SY_AUTOSTART_WIN32_APPROVED_KEY, name);
  free (command);
  free (name);
  if (status != ERROR_SUCCESS)
    return fail (error_out, "HKEY_CURRENT_USER\\" SY_AUTOSTART_WIN32_RUN_KEY, (DWORD) status);
  return 0;
}
