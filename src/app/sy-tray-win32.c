/* sy-tray-win32.c: what the tray needs to know from Windows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <windows.h>

#include "sy-tray-win32.h"

#define PERSONALIZE_KEY L"Software\\Microsoft\\Windows\\CurrentVersion\\Themes\\Personalize"

int
sy_tray_win32_taskbar_is_light (void)
{
  DWORD light = 0;
  DWORD size = sizeof light;

  /* The taskbar's own setting ("Windows mode"), not the apps' one
   * (AppsUseLightTheme): the icon sits on the taskbar. */
  if (RegGetValueW (HKEY_CURRENT_USER, PERSONALIZE_KEY, L"SystemUsesLightTheme", RRF_RT_REG_DWORD,
                    NULL, &light, &size) != ERROR_SUCCESS)
    return 0;
  return light != 0;
}
