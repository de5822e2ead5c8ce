/* sy-console-win32.h: Ctrl+C in a Windows console, in plain C
 *
 * `switchyard --headless` in a console stops on Ctrl+C as on SIGINT
 * elsewhere: the service is stopped and the usage store closed, rather
 * than the process being ended where it stands (Windows' default).
 *
 * Plain C with the Windows headers only, no GLib (as
 * src/auth/sy-secret-wincred.c), so that MinGW-w64 builds it here (the
 * 'console-win32-compile' test); main.c calls it under G_OS_WIN32.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*SyConsoleInterruptFunc) (void *data);

/* From now on Ctrl+C and Ctrl+Break call @func (@data) instead of ending
 * the process. @func runs on a thread Windows starts for it: it must only
 * hand the news on (g_idle_add() is fine). One handler a process; 0 on
 * success, -1 when Windows refused it. */
int sy_console_win32_on_interrupt (SyConsoleInterruptFunc  func,
                                   void                   *data);

#ifdef __cplusplus
}
#endif
