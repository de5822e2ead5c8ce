/* fuzz-init.c: what every fuzz target does before its first input
 *
 * GLib 2.74 hands out small blocks (GHashTable, GList, JsonNode,
 * JsonObject, …) from the magazines of its slice allocator: inside them
 * AddressSanitizer sees no use after free and no overflow, and libFuzzer's
 * leak check fires on the blocks a magazine keeps. With
 * G_SLICE=always-malloc each is a malloc() of its own. GLib reads the
 * variable once, before main() (its constructors already allocate), so a
 * target started without it starts itself again with it.
 *
 * UndefinedBehaviorSanitizer reports and goes on by default, and libFuzzer
 * counts only what stops the process: its defaults here make each report
 * fatal, so that undefined behaviour is a crash with its input saved.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
const char *__ubsan_default_options (void);

/* Read by UndefinedBehaviorSanitizer at start; UBSAN_OPTIONS still wins. */
const char *
__ubsan_default_options (void)
{
  return "halt_on_error=1:print_stacktrace=1";
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  const char *slice = getenv ("G_SLICE");

  if (slice == NULL || strstr (slice, "always-malloc") == NULL)
    {
      if (setenv ("G_SLICE", "always-malloc", 1) == 0)
        execv ("/proc/self/exe", *argv);
      perror ("fuzz target: cannot start again with G_SLICE=always-malloc");
      exit (1);
    }
  return 0;
}
