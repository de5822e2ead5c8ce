/* test-autostart-launchd.c: the macOS LaunchAgent, written and removed on a
 * temporary home; the plist is checked by a property-list reader
 * (Python's plistlib, as launchd reads the same XML format).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "sy-autostart-launchd.h"

static char *
make_home (void)
{
  g_autoptr(GError) error = NULL;
  char *home = g_dir_make_tmp ("sy-launchd-XXXXXX", &error);

  g_assert_no_error (error);
  return home;
}

static void
remove_home (const char *home)
{
  g_autofree char *agents = g_build_filename (home, "Library", "LaunchAgents", NULL);
  g_autofree char *library = g_build_filename (home, "Library", NULL);

  g_rmdir (agents);
  g_rmdir (library);
  g_assert_cmpint (g_rmdir (home), ==, 0);
}

static void
test_enable_disable (void)
{
  g_autofree char *home = make_home ();
  g_autofree char *path = sy_autostart_launchd_get_path (home);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected = sy_autostart_launchd_plist ();
  struct stat st;

  g_assert_true (g_str_has_suffix (path, "/Library/LaunchAgents/io.github.switchyard.Switchyard.plist"));
  g_assert_false (sy_autostart_launchd_get_enabled (home));

  /* Removing an absent agent is fine. */
  g_assert_true (sy_autostart_launchd_set_enabled (home, FALSE, &error));
  g_assert_no_error (error);

  g_assert_true (sy_autostart_launchd_set_enabled (home, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (sy_autostart_launchd_get_enabled (home));
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, expected);
  /* launchd refuses an agent that group or others may write. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);

  g_assert_true (sy_autostart_launchd_set_enabled (home, FALSE, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (sy_autostart_launchd_get_enabled (home));
  remove_home (home);
}

/* System Settings may keep the file and set Disabled. */
static void
test_disabled_key (void)
{
  g_autofree char *home = make_home ();
  g_autofree char *path = sy_autostart_launchd_get_path (home);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *off = NULL;
  g_autofree char *on = NULL;
  g_auto(GStrv) halves = NULL;

  g_assert_true (sy_autostart_launchd_set_enabled (home, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  halves = g_strsplit (text, "<dict>", 2);
  g_assert_cmpuint (g_strv_length (halves), ==, 2);
  off = g_strjoinv ("<dict>\n  <key>Disabled</key>\n  <true/>", halves);
  g_assert_true (g_file_set_contents (path, off, -1, NULL));
  g_assert_false (sy_autostart_launchd_get_enabled (home));
  on = g_strjoinv ("<dict>\n  <key>Disabled</key>\n  <false/>", halves);
  g_assert_true (g_file_set_contents (path, on, -1, NULL));
  g_assert_true (sy_autostart_launchd_get_enabled (home));
  g_assert_true (sy_autostart_launchd_set_enabled (home, FALSE, &error));
  remove_home (home);
}

/* What launchd gets: a valid property list with the label, the command and
 * RunAtLoad, read by a real plist parser. */
static void
test_plist_reads (void)
{
  g_autofree char *text = sy_autostart_launchd_plist ();
  g_autofree char *python = g_find_program_in_path ("python3");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  const char *script =
    "import plistlib, sys, json\n"
    "p = plistlib.loads(sys.stdin.buffer.read())\n"
    "print(json.dumps([p['Label'], p['ProgramArguments'], p['RunAtLoad'], 'KeepAlive' in p,"
    " p['LimitLoadToSessionType']]))\n";

  if (python == NULL)
    {
      g_test_skip ("python3 is not installed");
      return;
    }
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                           G_SUBPROCESS_FLAGS_STDERR_PIPE, &error, python, "-c", script, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (proc, text, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpstr (out, ==,
                   "[\"io.github.switchyard.Switchyard\", [\"/usr/bin/open\", \"-b\", "
                   "\"io.github.switchyard.Switchyard\"], true, false, \"Aqua\"]\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/autostart-launchd/enable-disable", test_enable_disable);
  g_test_add_func ("/autostart-launchd/disabled-key", test_disabled_key);
  g_test_add_func ("/autostart-launchd/plist-reads", test_plist_reads);
  return g_test_run ();
}
