/* console-win32-check.c: sy-console-win32.c with a real Ctrl+C
 *
 * Plain C for the MinGW-w64 cross compiler (no GLib there): the
 * 'console-win32-compile' test builds it with warnings as errors, and runs
 * it when wine is there; on Windows it is the 'console-win32' test. It
 * sends itself Ctrl+C and checks that the function is called and the
 * process lives on. TAP; skipped when the process has no console to send
 * it in. The Ctrl+C goes to every process of a console: the program
 * first leaves the console it was started in (meson's, the terminal's) for
 * a hidden one of its own.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <stdio.h>

#include <windows.h>

#include "sy-console-win32.h"

static volatile LONG n_interrupts;

static void
on_interrupt (void *data)
{
  InterlockedIncrement ((LONG *) data);
}

int
main (void)
{
  int i;

  /* stdout stays the pipe or terminal it was; only the console changes. */
  FreeConsole ();
  if (AllocConsole ())
    ShowWindow (GetConsoleWindow (), SW_HIDE);
  if (sy_console_win32_on_interrupt (on_interrupt, (void *) &n_interrupts) != 0)
    {
      printf ("not ok 1 - the handler is taken\n1..1\n");
      return 1;
    }
  printf ("ok 1 - the handler is taken\n");
  fflush (stdout);
  if (GetConsoleWindow () == NULL || !GenerateConsoleCtrlEvent (CTRL_C_EVENT, 0))
    {
      printf ("ok 2 # SKIP no console to send Ctrl+C in\n1..2\n");
      return 0;
    }
  /* Windows calls the handler on a thread of its own. */
  for (i = 0; i < 200 && InterlockedCompareExchange (&n_interrupts, 0, 0) == 0; i++)
    Sleep (10);
  printf ("%s 2 - Ctrl+C calls the function\n", n_interrupts == 1 ? "ok" : "not ok");
  printf ("ok 3 - the process lives on\n1..3\n");
  return n_interrupts == 1 ? 0 : 1;
}
