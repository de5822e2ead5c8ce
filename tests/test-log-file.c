/* test-log-file.c: main.log, its rotation, reading and clearing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "sy-log.h"
#include "sy-log-file.h"

static void
rm_rf (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        rm_rf (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

static char *
make_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("sy-log-file-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static char *
read_main (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "main.log", NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static guint
count_rotated (const char *dir,
               guint64    *total)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  if (total != NULL)
    *total = 0;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "main-") && g_str_has_suffix (name, ".log"))
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        GStatBuf st;

        g_assert_cmpint (g_stat (path, &st), ==, 0);
        if (total != NULL)
          *total += st.st_size;
        n++;
      }
  return n;
}

static JsonArray *
lines_of (JsonNode *result)
{
  g_assert_nonnull (result);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (result));
  return json_object_get_array_member (json_node_get_object (result), "lines");
}

/* A line with a time and a zone in front, the secret masked, the time
 * readable back. */
static void
test_format_and_masking (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  const char *line = NULL;
  gint64 t = 0;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  sy_log_add_secret ("canary-token-QQ7f3a9e2b");
  sy_log_file_configure (dir, TRUE, 0);
  g_message ("the token is canary-token-QQ7f3a9e2b and a key sk-ant-api03-ZZZZZZZZZZZZZZZZZZZZZZ");
  sy_log_file_flush ();
  text = read_main (dir);
  g_assert_null (strstr (text, "canary-token-QQ7f3a9e2b"));
  g_assert_null (strstr (text, "ZZZZZZZZZZZZZZZZZZZZ"));
  g_assert_nonnull (strstr (text, "can...9e2b"));

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "the token is") != NULL)
      line = lines[i];
  g_assert_nonnull (line);
  g_assert_true (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}([+-]\\d\\d:\\d\\d|Z) "
                                       "MESSAGE switchyard: the token is", line, 0, 0));
  g_assert_true (sy_log_line_parse_time (line, &t));
  g_assert_cmpint (ABS (t - now), <=, 2);

  /* The in-memory ring has the same masked line. */
  {
    g_auto(GStrv) recent = sy_log_dup_recent (3);
    gboolean found = FALSE;

    g_assert_cmpuint (g_strv_length (recent), <=, 3);
    for (guint i = 0; recent[i] != NULL; i++)
      {
        g_assert_null (strstr (recent[i], "canary-token-QQ7f3a9e2b"));
        found = found || strstr (recent[i], "the token is can...9e2b") != NULL;
      }
    g_assert_true (found);
  }

  sy_log_file_shutdown ();
  sy_log_clear_secrets ();
  rm_rf (dir);
}

/* Lines reach the file without a flush, close or exit within ~1 s: a crash
 * then loses at most that. */
static void
test_crash_bound (void)
{
  g_autofree char *dir = make_dir ();
  gint64 start;
  gboolean found = FALSE;

  sy_log_file_configure (dir, TRUE, 0);
  g_message ("unflushed line 1");
  g_message ("unflushed line 2");
  start = g_get_monotonic_time ();
  while (!found && g_get_monotonic_time () - start < 1500 * 1000)
    {
      g_autofree char *text = read_main (dir);   /* a fresh fd each time */

      found = strstr (text, "unflushed line 1") != NULL && strstr (text, "unflushed line 2") != NULL;
      if (!found)
        g_usleep (50 * 1000);
    }
  g_assert_true (found);
  sy_log_file_shutdown ();
  rm_rf (dir);
}

/* @n lines of ~95 bytes in one piece, so the writer thread cannot split
 * them and the rotations fall where the test expects. */
static void
log_batch (const char *tag,
           guint       n)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S+00:00");
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, "%s%s INFO test: %s %04u padding padding padding padding padding padding",
                            i > 0 ? "\n" : "", stamp, tag, i);
  sy_log_file_write (text->str);
}

static gboolean
rotated_contains (const char *dir,
                  const char *needle)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "main-"))
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        g_autofree char *text = NULL;

        g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
        if (strstr (text, needle) != NULL)
          return TRUE;
      }
  return FALSE;
}

static void
test_rotation (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *text = NULL;
  guint64 total = 0;

  sy_log_file_set_max_file_size (4096);
  sy_log_file_configure (dir, TRUE, 0);

  log_batch ("first", 45);        /* past 4 KiB: rotated */
  sy_log_file_flush ();
  g_assert_cmpuint (count_rotated (dir, &total), ==, 1);
  g_assert_cmpuint (total, >=, 4096);
  text = read_main (dir);
  g_assert_cmpstr (text, ==, "");
  g_assert_true (rotated_contains (dir, "first 0044"));

  log_batch ("second", 10);       /* under the cap: stays in main.log */
  sy_log_file_flush ();
  g_assert_cmpuint (count_rotated (dir, NULL), ==, 1);
  g_free (text);
  text = read_main (dir);
  g_assert_nonnull (strstr (text, "second 0009"));

  /* With no total cap the newest five rotated files are kept. */
  for (guint i = 0; i < 7; i++)
    {
      g_autofree char *tag = g_strdup_printf ("round%u", i);

      log_batch (tag, 45);
      sy_log_file_flush ();
    }
  g_assert_cmpuint (count_rotated (dir, NULL), ==, SY_LOG_FILE_KEEP_ROTATED);
  g_assert_true (rotated_contains (dir, "round6 0044"));
  g_assert_false (rotated_contains (dir, "first 0000"));

  /* Reading crosses the files in order: the last lines are round6's. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) result = sy_log_file_read (0, 3, &error);
    JsonArray *lines = lines_of (result);

    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (lines), ==, 3);
    g_assert_nonnull (strstr (json_array_get_string_element (lines, 0), "round6 0042"));
    g_assert_nonnull (strstr (json_array_get_string_element (lines, 2), "round6 0044"));
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (result), "line-count"), ==, 3);
  }

  sy_log_file_shutdown ();
  sy_log_file_set_max_file_size (0);
  rm_rf (dir);
}

/* logs-max-total-size-mb: the rotated files together stay under it, the
 * newest kept. */
static void
test_total_cap (void)
{
  g_autofree char *dir = make_dir ();
  guint64 total = 0;

  sy_log_file_set_max_file_size (4096);
  sy_log_file_configure (dir, TRUE, 10000);
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *tag = g_strdup_printf ("capped%u", i);

      log_batch (tag, 45);          /* ~4.5 KB: one rotated file each */
      sy_log_file_flush ();
    }
  g_assert_cmpuint (count_rotated (dir, &total), ==, 2);
  g_assert_cmpuint (total, <=, 10000);
  g_assert_true (rotated_contains (dir, "capped5 0044"));
  g_assert_true (rotated_contains (dir, "capped4 0044"));
  g_assert_false (rotated_contains (dir, "capped3 0044"));

  /* A lower cap at runtime applies at once. */
  sy_log_file_configure (dir, TRUE, 5000);
  g_assert_cmpuint (count_rotated (dir, NULL), ==, 1);
  g_assert_true (rotated_contains (dir, "capped5 0044"));

  sy_log_file_shutdown ();
  sy_log_file_set_max_file_size (0);
  rm_rf (dir);
}

static void
write_file (const char *dir,
            const char *name,
            const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* after= and limit= over hand-made files (times in different zones). */
static void
test_after_limit (void)
{
  g_autofree char *dir = make_dir ();
  /* 1700000000 = 2023-11-14T22:13:20Z */
  const char *old =
    "2023-11-14T22:13:20.000Z INFO sy-core: a\n"
    "2023-11-14T23:13:21.500+01:00 INFO sy-core: b\n";       /* 1700000001 */
  const char *newer =
    "2023-11-14T17:13:22.000-05:00 INFO sy-core: c\n"       /* 1700000002 */
    "  continuation of c\n"
    "2023-11-14T22:13:25+00:00 WARNING sy-core: d\n";        /* 1700000005 */
  g_autoptr(GError) error = NULL;

  write_file (dir, "main-20231114T221320.000000Z.log", old);
  write_file (dir, "main.log", newer);

  {
    g_autoptr(JsonNode) result = sy_log_file_read_dir (dir, 0, 0, &error);
    JsonArray *lines = lines_of (result);
    JsonObject *o = json_node_get_object (result);

    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (lines), ==, 5);
    g_assert_true (g_str_has_suffix (json_array_get_string_element (lines, 0), ": a"));
    g_assert_true (g_str_has_suffix (json_array_get_string_element (lines, 1), ": b"));
    g_assert_cmpstr (json_array_get_string_element (lines, 3), ==, "  continuation of c");
    g_assert_true (g_str_has_suffix (json_array_get_string_element (lines, 4), ": d"));
    g_assert_cmpint (json_object_get_int_member (o, "line-count"), ==, 5);
    g_assert_cmpint (json_object_get_int_member (o, "latest-timestamp"), ==, 1700000005);
  }
  {
    /* Strictly later than after; the continuation goes with its line. */
    g_autoptr(JsonNode) result = sy_log_file_read_dir (dir, 1700000001, 0, &error);
    JsonArray *lines = lines_of (result);

    g_assert_cmpuint (json_array_get_length (lines), ==, 3);
    g_assert_true (g_str_has_suffix (json_array_get_string_element (lines, 0), ": c"));
    g_assert_cmpstr (json_array_get_string_element (lines, 1), ==, "  continuation of c");
  }
  {
    g_autoptr(JsonNode) result = sy_log_file_read_dir (dir, 1700000000, 2, &error);
    JsonArray *lines = lines_of (result);

    g_assert_cmpuint (json_array_get_length (lines), ==, 2);
    g_assert_cmpstr (json_array_get_string_element (lines, 0), ==, "  continuation of c");
    g_assert_true (g_str_has_suffix (json_array_get_string_element (lines, 1), ": d"));
  }
  {
    /* Nothing newer: no lines, the timestamp stays where it was. */
    g_autoptr(JsonNode) result = sy_log_file_read_dir (dir, 1700000005, 10, &error);
    JsonObject *o = json_node_get_object (result);

    g_assert_cmpuint (json_array_get_length (lines_of (result)), ==, 0);
    g_assert_cmpint (json_object_get_int_member (o, "line-count"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (o, "latest-timestamp"), ==, 1700000005);
  }
  {
    /* A missing dir reads as no lines. */
    g_autofree char *missing = g_build_filename (dir, "nope", NULL);
    g_autoptr(JsonNode) result = sy_log_file_read_dir (missing, 0, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (lines_of (result)), ==, 0);
  }
  rm_rf (dir);
}

static void
test_parse_time (void)
{
  struct { const char *line; gboolean ok; gint64 t; } cases[] = {
    { "2023-11-14T22:13:20Z x", TRUE, 1700000000 },
    { "2023-11-14T22:13:20.123456Z", TRUE, 1700000000 },
    { "2023-11-15T00:13:20.001+02:00 INFO", TRUE, 1700000000 },
    { "2023-11-14T12:43:20-0930 x", TRUE, 1700000000 },
    { "1970-01-01T00:00:00Z", TRUE, 0 },
    { "2024-02-29T00:00:00Z", TRUE, 1709164800 },
    { "2023-11-14T22:13:20 no zone", FALSE, 0 },
    { "22:13:20.123 INFO sy-core: short stamp", FALSE, 0 },
    { "2023-13-14T22:13:20Z", FALSE, 0 },
    { "2023-11-14T22:13:20Zjunk", FALSE, 0 },
    { "", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 t = -1;

      g_assert_cmpint (sy_log_line_parse_time (cases[i].line, &t), ==, cases[i].ok);
      if (cases[i].ok)
        g_assert_cmpint (t, ==, cases[i].t);
    }
}

static void
test_clear (void)
{
  g_autofree char *dir = make_dir ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint removed;

  sy_log_file_configure (dir, TRUE, 0);
  write_file (dir, "main-20231114T221320.000000Z.log", "2023-11-14T22:13:20Z INFO x: old\n");
  write_file (dir, "main-20231114T221321.000000Z.log", "2023-11-14T22:13:21Z INFO x: old\n");
  write_file (dir, "error-20231114T221321.000000Z-abc.log", "not a main log\n");
  g_message ("before the clear");
  removed = sy_log_file_clear (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 2);
  g_assert_cmpuint (count_rotated (dir, NULL), ==, 0);
  text = read_main (dir);
  g_assert_cmpstr (text, ==, "");
  {
    g_autofree char *other = g_build_filename (dir, "error-20231114T221321.000000Z-abc.log", NULL);
    g_assert_true (g_file_test (other, G_FILE_TEST_EXISTS));
  }

  /* Logging goes on in the emptied file. */
  g_message ("after the clear");
  {
    g_autoptr(JsonNode) result = sy_log_file_read (0, 0, &error);
    JsonArray *lines = lines_of (result);

    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (lines), ==, 1);
    g_assert_nonnull (strstr (json_array_get_string_element (lines, 0), "after the clear"));
  }
  sy_log_file_shutdown ();
  rm_rf (dir);
}

static void
test_runtime_toggle (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *dir2 = make_dir ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text2 = NULL;
  g_autoptr(JsonNode) none = NULL;

  sy_log_file_configure (dir, TRUE, 0);
  g_assert_true (sy_log_file_get_enabled ());
  g_message ("line while on");
  sy_log_file_configure (dir, FALSE, 0);
  g_assert_false (sy_log_file_get_enabled ());
  g_message ("line while off");

  none = sy_log_file_read (0, 0, &error);
  g_assert_null (none);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (error->message, ==, "logging to file disabled");
  g_clear_error (&error);
  g_assert_cmpuint (sy_log_file_clear (&error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  sy_log_file_configure (dir, TRUE, 0);
  g_message ("line when on again");
  /* Another dir from a reload: new lines go there. */
  sy_log_file_configure (dir2, TRUE, 0);
  g_message ("line in the second dir");
  sy_log_file_flush ();

  text = read_main (dir);
  g_assert_nonnull (strstr (text, "line while on"));
  g_assert_null (strstr (text, "line while off"));
  g_assert_nonnull (strstr (text, "line when on again"));
  g_assert_null (strstr (text, "line in the second dir"));
  text2 = read_main (dir2);
  g_assert_nonnull (strstr (text2, "line in the second dir"));
  g_assert_null (strstr (text2, "line when on again"));

  sy_log_file_shutdown ();
  g_assert_false (sy_log_file_get_enabled ());
  rm_rf (dir);
  rm_rf (dir2);
}

static void
test_prune (void)
{
  g_autofree char *dir = make_dir ();
  const char *names[] = { "error-20240101T000000.000000Z-a.log", "error-20240102T000000.000000Z-b.log",
                          "error-20240103T000000.000000Z-c.log", "error-20240104T000000.000000Z-d.log" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    write_file (dir, names[i], "0123456789");
  write_file (dir, "request-20240101T000000.000000Z-x.log", "0123456789");

  g_assert_cmpuint (sy_log_dir_prune (dir, "error-", 0, 0), ==, 0);
  g_assert_cmpuint (sy_log_dir_prune (dir, "error-", 0, 3), ==, 1);
  g_assert_cmpuint (sy_log_dir_prune (dir, "error-", 25, 0), ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);

      /* the oldest go first */
      g_assert_cmpint (g_file_test (path, G_FILE_TEST_EXISTS), ==, i >= 2);
    }
  {
    g_autofree char *path = g_build_filename (dir, "request-20240101T000000.000000Z-x.log", NULL);
    g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  }
  rm_rf (dir);
}

static void
test_dir_for_config (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) none = sy_config_new_from_data ("port: 1\n", -1, NULL, &error);
  g_autoptr(SyConfig) home = sy_config_new_from_data ("logs-dir: ~/sy-logs\n", -1, NULL, &error);
  g_autoptr(SyConfig) abs = sy_config_new_from_data ("logs-dir: /var/tmp/sy-logs\n", -1, NULL, &error);
  g_autofree char *d1 = NULL, *d2 = NULL, *d3 = NULL, *want1 = NULL, *want2 = NULL;

  g_assert_no_error (error);
  /* A known key: no warning. */
  g_assert_null (home->warnings[0]);
  d1 = sy_log_dir_for_config (none);
  d2 = sy_log_dir_for_config (home);
  d3 = sy_log_dir_for_config (abs);
  want1 = g_build_filename (g_get_user_state_dir (), "switchyard", "logs", NULL);
  want2 = g_build_filename (g_get_home_dir (), "sy-logs", NULL);
  g_assert_cmpstr (d1, ==, want1);
  g_assert_cmpstr (d2, ==, want2);
  g_assert_cmpstr (d3, ==, "/var/tmp/sy-logs");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  sy_log_init (FALSE);
  g_test_add_func ("/log-file/format-and-masking", test_format_and_masking);
  g_test_add_func ("/log-file/crash-bound", test_crash_bound);
  g_test_add_func ("/log-file/rotation", test_rotation);
  g_test_add_func ("/log-file/total-cap", test_total_cap);
  g_test_add_func ("/log-file/after-limit", test_after_limit);
  g_test_add_func ("/log-file/parse-time", test_parse_time);
  g_test_add_func ("/log-file/clear", test_clear);
  g_test_add_func ("/log-file/runtime-toggle", test_runtime_toggle);
  g_test_add_func ("/log-file/prune", test_prune);
  g_test_add_func ("/log-file/dir-for-config", test_dir_for_config);
  return g_test_run ();
}
