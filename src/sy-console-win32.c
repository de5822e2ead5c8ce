/* sy-console-win32.c: Ctrl+C in a Windows console (see sy-console-win32.h)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <windows.h>

#include "sy-console-win32.h"

static SyConsoleInterruptFunc interrupt_func;
static void *interrupt_data;

static BOOL WINAPI
on_console_event (DWORD event)
{
  switch (event)
    {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
      interrupt_func (interrupt_data);
      return TRUE;
    default:
      /* Closing the console, logoff, shutdown: Windows ends the process
       * when the handler returns whatever it says, so there is no time
       * to stop cleanly from here. Windows' default. */
      return FALSE;
    }
}

int
sy_console_win32_on_interrupt (SyConsoleInterruptFunc  func,
                               void                   *data)
{
  interrupt_func = func;
  interrupt_data = data;
  /* A process started in a new process group has Ctrl+C switched off
   * (handlers then never hear of it): on again. */
  SetConsoleCtrlHandler (NULL, FALSE);
  return SetConsoleCtrlHandler (on_console_event, TRUE) ? 0 : -1;
}
