/* sy-tray-win32.h: what the tray needs to know from Windows, in plain C
 *
 * Plain C with the Windows headers only, no GLib (as sy-autostart-win32.c),
 * so that MinGW-w64 builds it here (the 'tray-win32-compile' test).
 * sy-tray.c calls it under G_OS_WIN32. Links with advapi32.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when the taskbar has the light theme (Settings > Personalization >
 * Colors: "Windows mode"), 0 when dark: Windows 10's default, and every
 * taskbar before the setting came (1903). */
int sy_tray_win32_taskbar_is_light (void);

#ifdef __cplusplus
}
#endif
