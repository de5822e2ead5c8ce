/* fake-upstream-main.c: the fake upstream as a process (for SDK tests)
 *
 * Prints "PORT\n" on stdout once listening; exits on SIGTERM or when stdin
 * closes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <stdio.h>
#include <glib-unix.h>

#include "fake-upstream.h"

static gboolean
on_stdin (gint         fd,
          GIOCondition condition,
          gpointer     loop)
{
  char buf[256];

  if (read (fd, buf, sizeof buf) <= 0)
    {
      g_main_loop_quit (loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_term (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(FakeUpstream) upstream = fake_upstream_new ();

  printf ("%u\n", fake_upstream_get_port (upstream));
  fflush (stdout);
  g_unix_fd_add (0, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, loop);
  g_unix_signal_add (SIGTERM, on_term, loop);
  g_main_loop_run (loop);
  return 0;
}
