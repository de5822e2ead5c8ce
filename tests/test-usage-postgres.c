/* test-usage-postgres.c: the usage store on a real PostgreSQL server (the
 * same JSON as SQLite, two instances on one database, roll-ups, retention,
 * a server restart, the bounded queue, masked passwords, the config keys)
 *
 * The server is started for the run: initdb and pg_ctl from
 * /usr/lib/postgresql/<version>/bin, in a temporary directory, listening
 * on a Unix socket there and nowhere else. PostgreSQL refuses to run as
 * root: as root it runs as the "postgres" user (runuser). A watchdog
 * process stops it and removes the directory if this process dies.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libpq-fe.h>

#include "sy-usage.h"

#define MINUTE_US (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)
#define HOUR_US   (60 * MINUTE_US)
#define DAY_US    SY_USAGE_DAY_US
/* A UTC midnight 30 days ago. Within the default retention (400 days): a
 * store prunes as its worker starts, which under load can come after
 * another store on the same database has written, and a fixed date would
 * one day fall out of it and see the rows go. */
static gint64 base_day;
#define BASE_US   (base_day * DAY_US)

#define ADMIN_USER  "sytest"        /* trusted: no password */
#define PW_USER     "sypw"          /* scram-sha-256 */
#define PW_RIGHT    "right-password-1234"
#define PW_RIGHT_MASKED "rig...1234"
#define MAX_QUEUED  100000

static const char *self_exe;

/* -- The server ----------------------------------------------------------- */

static struct
{
  char    *skip;        /* why the tests cannot run here, or NULL */
  char    *bindir;
  char    *runuser;     /* as root */
  char    *dir;         /* data/, the socket, the log */
  char    *data;
  guint    port;
  gboolean as_postgres; /* running as root: the server runs as "postgres" */
  gboolean running;
  int      watchdog;    /* write end of the watchdog's pipe */
  guint    databases;
} pg;

/* The warnings and messages of the store ("sy-usage"), for the tests
 * that check what is said (and that no password is). */
static GMutex log_lock;
static GString *log_text;

static void
capture_log (const char     *domain,
             GLogLevelFlags  level,
             const char     *message,
             gpointer        user_data)
{
  g_mutex_lock (&log_lock);
  g_string_append_printf (log_text, "%s\n", message);
  g_mutex_unlock (&log_lock);
  if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE))
    g_printerr ("# [%s] %s\n", domain, message);
}

static char *
log_take (void)
{
  char *text;

  g_mutex_lock (&log_lock);
  text = g_strdup (log_text->str);
  g_string_truncate (log_text, 0);
  g_mutex_unlock (&log_lock);
  return text;
}

/* The newest /usr/lib/postgresql/<version>/bin with initdb and pg_ctl. */
static char *
find_bindir (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/usr/lib/postgresql", 0, NULL);
  const char *name;
  char *best = NULL;
  gint64 best_version = -1;

  if (g_getenv ("SY_TEST_PG_BINDIR") != NULL)
    {
      g_autofree char *initdb = g_build_filename (g_getenv ("SY_TEST_PG_BINDIR"), "initdb", NULL);

      return g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE) ? g_strdup (g_getenv ("SY_TEST_PG_BINDIR")) : NULL;
    }
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *bin = g_build_filename ("/usr/lib/postgresql", name, "bin", NULL);
      g_autofree char *initdb = g_build_filename (bin, "initdb", NULL);
      g_autofree char *pg_ctl = g_build_filename (bin, "pg_ctl", NULL);
      gint64 version = g_ascii_strtoll (name, NULL, 10);

      if (g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE) && g_file_test (pg_ctl, G_FILE_TEST_IS_EXECUTABLE)
          && version > best_version)
        {
          g_free (best);
          best = g_steal_pointer (&bin);
          best_version = version;
        }
    }
  return best;
}

/* Runs a PostgreSQL tool (as "postgres" when we are root). */
static gboolean
run_tool (const char  *tool,
          const char  *const *args,
          char       **output)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (pg.as_postgres)
    {
      g_ptr_array_add (argv, g_strdup (pg.runuser));
      g_ptr_array_add (argv, g_strdup ("-u"));
      g_ptr_array_add (argv, g_strdup ("postgres"));
      g_ptr_array_add (argv, g_strdup ("--"));
    }
  g_ptr_array_add (argv, g_build_filename (pg.bindir, tool, NULL));
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, g_strdup (*args));
  g_ptr_array_add (argv, NULL);

  /* Started in the directory "postgres" owns: ours may be closed to it. */
  if (!g_spawn_sync (pg.dir, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, &err, &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    {
      if (output != NULL)
        *output = g_strdup_printf ("%s: %s\n%s%s", tool, error->message, out != NULL ? out : "",
                                   err != NULL ? err : "");
      return FALSE;
    }
  return TRUE;
}

static void
watchdog_tell (pid_t pid)
{
  if (pg.watchdog >= 0)
    g_assert_cmpint (write (pg.watchdog, &pid, sizeof pid), ==, sizeof pid);
}

static pid_t
postmaster_pid (void)
{
  g_autofree char *file = g_build_filename (pg.data, "postmaster.pid", NULL);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (file, &text, NULL, NULL))
    return 0;
  return (pid_t) g_ascii_strtoll (text, NULL, 10);
}

static gboolean
pg_start (char **output)
{
  g_autofree char *log = g_build_filename (pg.dir, "server.log", NULL);
  g_autofree char *options = g_strdup_printf ("-k %s -c listen_addresses='' -p %u -c fsync=off"
                                              " -c full_page_writes=off -c max_connections=40",
                                              pg.dir, pg.port);
  const char *args[] = { "-D", pg.data, "-l", log, "-w", "-t", "60", "-o", options, "start", NULL };

  if (!run_tool ("pg_ctl", args, output))
    return FALSE;
  pg.running = TRUE;
  watchdog_tell (postmaster_pid ());
  return TRUE;
}

static void
pg_stop (void)
{
  const char *args[] = { "-D", pg.data, "-m", "fast", "-w", "-t", "60", "stop", NULL };
  g_autofree char *output = NULL;

  if (!pg.running)
    return;
  if (!run_tool ("pg_ctl", args, &output))
    g_error ("cannot stop the PostgreSQL server: %s", output);
  pg.running = FALSE;
  watchdog_tell (0);
}

/* A child that outlives an abort: when the pipe closes (this process is
 * gone, however it ended) it stops the last server it was told of and
 * removes the directory. Only async-signal-safe calls after fork(). */
static void
watchdog_start (void)
{
  const char *rm_argv[] = { "rm", "-rf", pg.dir, NULL };
  int fds[2];
  pid_t child;

  if (pipe (fds) != 0)
    return;
  child = fork ();
  if (child < 0)
    {
      close (fds[0]);
      close (fds[1]);
      return;
    }
  if (child == 0)
    {
      pid_t target = 0, value;
      int devnull = open ("/dev/null", O_RDWR);
      struct timespec tick = { 0, 100 * 1000 * 1000 };
      int fd, i;

      setsid ();
      dup2 (devnull, 0);
      dup2 (devnull, 1);
      dup2 (devnull, 2);
      for (fd = 3; fd < 1024; fd++)
        if (fd != fds[0])
          close (fd);
      while (read (fds[0], &value, sizeof value) == sizeof value)
        target = value;
      if (target > 0 && kill (target, SIGINT) == 0)
        for (i = 0; i < 600 && kill (target, 0) == 0; i++)
          nanosleep (&tick, NULL);
      execv ("/bin/rm", (char **) rm_argv);
      _exit (0);
    }
  close (fds[0]);
  fcntl (fds[1], F_SETFD, FD_CLOEXEC);
  pg.watchdog = fds[1];
}

static PGconn *
admin_connect (const char *dbname)
{
  g_autofree char *dsn = g_strdup_printf ("host=%s port=%u user=" ADMIN_USER " dbname=%s",
                                          pg.dir, pg.port, dbname);
  PGconn *conn = PQconnectdb (dsn);

  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("admin connection: %s", PQerrorMessage (conn));
  return conn;
}

static void
admin_exec (const char *dbname,
            const char *sql)
{
  PGconn *conn = admin_connect (dbname);
  PGresult *res = PQexec (conn, sql);

  if (PQresultStatus (res) != PGRES_COMMAND_OK && PQresultStatus (res) != PGRES_TUPLES_OK)
    g_error ("%s: %s", sql, PQerrorMessage (conn));
  PQclear (res);
  PQfinish (conn);
}

/* Sets up the server once for all tests; on failure pg.skip says why. */
static void
pg_setup (void)
{
  g_autofree char *output = NULL;
  g_autofree char *hba = NULL;
  g_autofree char *hba_text = NULL;
  struct passwd *pw = NULL;
  const char *tmp = g_get_tmp_dir ();

  pg.watchdog = -1;
  pg.bindir = find_bindir ();
  if (pg.bindir == NULL)
    {
      pg.skip = g_strdup ("no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin"
                          " (or $SY_TEST_PG_BINDIR): install the postgresql package to run these tests");
      return;
    }
  if (geteuid () == 0)
    {
      const char *places[] = { "/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser" };
      guint i;

      pg.runuser = g_find_program_in_path ("runuser");
      for (i = 0; pg.runuser == NULL && i < G_N_ELEMENTS (places); i++)
        if (g_file_test (places[i], G_FILE_TEST_IS_EXECUTABLE))
          pg.runuser = g_strdup (places[i]);
      pw = getpwnam ("postgres");
      if (pw == NULL || pg.runuser == NULL)
        {
          pg.skip = g_strdup ("running as root, and PostgreSQL refuses root: there is no 'postgres' user"
                              " or no runuser to run the server as that user");
          return;
        }
      pg.as_postgres = TRUE;
      /* Every directory above it must be open to "postgres". */
      tmp = "/tmp";
    }
  /* The socket's path must stay short (about 100 bytes). */
  if (strlen (tmp) > 60)
    tmp = "/tmp";
  pg.dir = g_build_filename (tmp, "sy-usage-pg-XXXXXX", NULL);
  if (g_mkdtemp (pg.dir) == NULL)
    g_error ("cannot create %s: %s", pg.dir, g_strerror (errno));
  if (pw != NULL && chown (pg.dir, pw->pw_uid, pw->pw_gid) != 0)
    g_error ("cannot chown %s: %s", pg.dir, g_strerror (errno));
  pg.data = g_build_filename (pg.dir, "data", NULL);
  pg.port = 20000 + (guint) getpid () % 30000;
  watchdog_start ();

  {
    const char *args[] = { "-D", pg.data, "-U", ADMIN_USER, "-A", "trust", "-E", "UTF8", "--locale=C",
                           "--no-sync", NULL };

    if (!run_tool ("initdb", args, &output))
      g_error ("initdb failed: %s", output);
  }
  /* One user signs in with a password, everyone else is trusted. */
  hba = g_build_filename (pg.data, "pg_hba.conf", NULL);
  hba_text = g_strdup ("local all " PW_USER " scram-sha-256\nlocal all all trust\n");
  g_assert_true (g_file_set_contents (hba, hba_text, -1, NULL));
  g_assert_cmpint (g_chmod (hba, 0644), ==, 0);
  if (!pg_start (&output))
    g_error ("the PostgreSQL server did not start: %s", output);
  admin_exec ("postgres", "CREATE ROLE " PW_USER " LOGIN PASSWORD '" PW_RIGHT "'");
}

static void
pg_teardown (void)
{
  if (pg.dir == NULL)
    return;
  pg_stop ();
  {
    g_autofree char *quoted = g_shell_quote (pg.dir);
    g_autofree char *command = g_strdup_printf ("rm -rf %s", quoted);

    g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
  }
  if (pg.watchdog >= 0)
    close (pg.watchdog);
}

static gboolean
pg_ready (void)
{
  if (pg.skip != NULL)
    {
      g_test_skip (pg.skip);
      return FALSE;
    }
  return TRUE;
}

/* A new database for one test; its DSN (with the password when @owner is
 * the password user). */
static char *
fresh_db_with (const char *owner,
               const char *options)
{
  g_autofree char *name = g_strdup_printf ("t%u", ++pg.databases);
  g_autofree char *sql = g_strdup_printf ("CREATE DATABASE %s OWNER %s %s", name, owner, options);

  admin_exec ("postgres", sql);
  if (g_str_equal (owner, PW_USER))
    return g_strdup_printf ("host=%s port=%u user=" PW_USER " password=" PW_RIGHT " dbname=%s",
                            pg.dir, pg.port, name);
  return g_strdup_printf ("host=%s port=%u user=%s dbname=%s", pg.dir, pg.port, owner, name);
}

static char *
fresh_db (const char *owner)
{
  return fresh_db_with (owner, "");
}

/* A database whose text sorts as people read it ("a-b" near "ab", case
 * folded), when the server has ICU; else as fresh_db(). */
static char *
fresh_db_icu (const char *owner)
{
  PGconn *conn = admin_connect ("postgres");
  PGresult *res = PQexec (conn, "SELECT 1 FROM pg_collation WHERE collprovider = 'i' AND collname = 'en-x-icu'");
  gboolean icu = PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1;

  PQclear (res);
  PQfinish (conn);
  if (!icu)
    {
      g_test_message ("no ICU collations: the database sorts bytewise anyway");
      return fresh_db (owner);
    }
  return fresh_db_with (owner, "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C'");
}

static gint64
count_rows (const char *dsn,
            const char *sql)
{
  PGconn *conn = PQconnectdb (dsn);
  PGresult *res;
  gint64 n;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  res = PQexec (conn, sql);
  if (PQresultStatus (res) != PGRES_TUPLES_OK)
    g_error ("%s: %s", sql, PQerrorMessage (conn));
  g_assert_cmpint (PQntuples (res), ==, 1);
  n = PQgetisnull (res, 0, 0) ? -1 : g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10);
  PQclear (res);
  PQfinish (conn);
  return n;
}

/* -- The store ------------------------------------------------------------ */

static SyUsageStore *
open_pg (const char *dsn)
{
  g_autoptr(GError) error = NULL;
  SyUsageStore *store = sy_usage_store_new_postgres (dsn, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static SyUsageRecord
rec (gint64      time_us,
     const char *model,
     const char *account,
     const char *key,
     guint       status,
     gint64      in,
     gint64      out)
{
  SyUsageRecord r = { 0 };

  r.time_us = time_us;
  r.model_served = (char *) model;
  r.account_id = (char *) account;
  r.key_id = (char *) key;
  r.status = status;
  r.input_tokens = in;
  r.output_tokens = out;
  return r;
}

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static gboolean
try_flush (SyUsageStore  *store,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_usage_store_flush_async (store, NULL, got_result, &result);
  return sy_usage_store_flush_finish (store, wait_result (&result), error);
}

static void
flush (SyUsageStore *store)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (try_flush (store, &error));
  g_assert_no_error (error);
}

static JsonNode *
series_node (SyUsageStore *store,
             gint64        from,
             gint64        to,
             gint64        step,
             const char   *group,
             GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_usage_store_query_series_async (store, from, to, step, group, NULL, got_result, &result);
  return sy_usage_store_query_series_finish (store, wait_result (&result), error);
}

static JsonObject *
series (SyUsageStore *store,
        gint64        from,
        gint64        to,
        gint64        step,
        const char   *group)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = series_node (store, from, to, step, group, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return json_object_ref (json_node_get_object (node));
}

static JsonNode *
snapshot_node (SyUsageStore *store,
               gint64        since)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  sy_usage_store_snapshot_async (store, since, NULL, got_result, &result);
  node = sy_usage_store_snapshot_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static gint64
total_requests (JsonObject *result)
{
  JsonArray *list = json_object_get_array_member (result, "series");
  gint64 n = 0;
  guint i, j;

  for (i = 0; i < json_array_get_length (list); i++)
    {
      JsonArray *points = json_object_get_array_member (json_array_get_object_element (list, i), "points");

      for (j = 0; j < json_array_get_length (points); j++)
        n += json_object_get_int_member (json_array_get_object_element (points, j), "requests");
    }
  return n;
}

/* -- Tests ---------------------------------------------------------------- */

/* The records both backends get in test_same_json. */
static void
add_mixed_records (SyUsageStore *store)
{
  const char *models[] = { "gpt-5", "claude-sonnet", "gemini-pro", "Zeta", "a-b", "ab" };
  const char *accounts[] = { "a1", "a2", "" };
  const char *keys[] = { "k1", "k2", "k3", "K4" };
  const guint statuses[] = { 200, 200, 200, 429, 500, 0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  gint64 t0 = G_GINT64_CONSTANT (1776161100) * G_USEC_PER_SEC + 123456;
  SyUsageRecord r;
  guint i;

  for (i = 0; i < 400; i++)
    {
      r = rec (BASE_US + (gint64) g_rand_int_range (rand, -86400, 4 * 24 * 3600) * G_USEC_PER_SEC
               + g_rand_int_range (rand, 0, 1000000),
               models[g_rand_int_range (rand, 0, G_N_ELEMENTS (models))],
               accounts[g_rand_int_range (rand, 0, G_N_ELEMENTS (accounts))],
               keys[g_rand_int_range (rand, 0, G_N_ELEMENTS (keys))],
               statuses[g_rand_int_range (rand, 0, G_N_ELEMENTS (statuses))],
               g_rand_int_range (rand, 0, 5000), g_rand_int_range (rand, 0, 500));
      if (i % 7 == 0)
        {
          r.model_served = (char *) "";
          r.model_asked = (char *) "asked-only";
        }
      if (i % 5 == 0)
        r.key_label = (char *) "sk-...abcd";
      if (i % 11 == 0)
        r.provider = (char *) "codex";
      r.reasoning_tokens = i % 3 == 0 ? 64 : 0;
      r.cached_tokens = i % 4 == 0 ? 1024 : 0;
      r.latency_us = g_rand_int_range (rand, 1000, 9000000);
      sy_usage_store_add (store, &r);
    }

  /* Two at the same instant: kept in the order they came. */
  r = rec (t0, "gpt-5-codex", "me@x.com", "h1", 200, 1200, 80);
  sy_usage_store_add (store, &r);
  r = rec (t0, "gpt-5-codex", "me@x.com", "h1", 502, 0, 0);
  sy_usage_store_add (store, &r);
  r = rec (t0 + 20 * G_USEC_PER_SEC, NULL, NULL, NULL, 200, 0, 0);
  r.cached_tokens = 5;
  sy_usage_store_add (store, &r);

  /* Text that COPY has to escape, and bytes that are not UTF-8. */
  r = rec (t0 + 30 * G_USEC_PER_SEC, "we\tird\nmo\\del 'q' \"d\" \xc3\xa9", "acc\r\n\\N", "k\\t", 200, 1, 2);
  r.key_label = (char *) "\\.";
  r.provider = (char *) "bad\xff\xfe" "bytes";
  sy_usage_store_add (store, &r);
}

static char *
to_text (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

static void
assert_same_series (SyUsageStore *a,
                    SyUsageStore *b,
                    gint64        from,
                    gint64        to,
                    gint64        step,
                    const char   *group)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) x = series_node (a, from, to, step, group, &error);
  g_autoptr(JsonNode) y = NULL;
  g_autofree char *tx = NULL;
  g_autofree char *ty = NULL;

  g_assert_no_error (error);
  y = series_node (b, from, to, step, group, &error);
  g_assert_no_error (error);
  tx = to_text (x);
  ty = to_text (y);
  g_assert_cmpstr (tx, ==, ty);
  /* Not trivially equal: something is there. */
  g_assert_cmpint (total_requests (json_node_get_object (x)), >, 0);
}

static void
test_same_json (void)
{
  const char *groups[] = { NULL, "model", "account", "key" };
  const gint64 steps[] = { MINUTE_US, 10 * MINUTE_US, HOUR_US, DAY_US, 2 * DAY_US };
  g_autoptr(GError) error = NULL;
  g_autoptr(SyUsageStore) lite = NULL;
  g_autoptr(SyUsageStore) pgs = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dsn = NULL;
  guint i, j;

  if (!pg_ready ())
    return;
  dir = g_dir_make_tmp ("sy-usage-same-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "usage.db", NULL);
  lite = sy_usage_store_new (path, &error);
  g_assert_no_error (error);
  dsn = fresh_db_icu (ADMIN_USER);
  pgs = open_pg (dsn);

  add_mixed_records (lite);
  add_mixed_records (pgs);
  flush (lite);
  flush (pgs);
  g_assert_cmpint (count_rows (dsn, "SELECT COUNT(*) FROM switchyard_usage_requests"), ==, 404);

  for (i = 0; i < G_N_ELEMENTS (groups); i++)
    for (j = 0; j < G_N_ELEMENTS (steps); j++)
      assert_same_series (lite, pgs, BASE_US - DAY_US, BASE_US + 4 * DAY_US, steps[j], groups[i]);
  /* Bounds off the buckets, and widened to days. */
  assert_same_series (lite, pgs, BASE_US + 3 * HOUR_US + 17, BASE_US + DAY_US + 1, MINUTE_US * 7, "model");
  assert_same_series (lite, pgs, BASE_US + 3 * HOUR_US, BASE_US + DAY_US + 1, DAY_US, "account");
  assert_same_series (lite, pgs, 0, G_GINT64_CONSTANT (1776161100) * G_USEC_PER_SEC + HOUR_US, DAY_US, "key");

  /* The snapshot, whole and since a time. */
  {
    g_autoptr(JsonNode) x = snapshot_node (lite, 0);
    g_autoptr(JsonNode) y = snapshot_node (pgs, 0);
    g_autoptr(JsonNode) x2 = snapshot_node (lite, BASE_US + 2 * DAY_US);
    g_autoptr(JsonNode) y2 = snapshot_node (pgs, BASE_US + 2 * DAY_US);
    g_autofree char *tx = to_text (x);
    g_autofree char *ty = to_text (y);
    g_autofree char *tx2 = to_text (x2);
    g_autofree char *ty2 = to_text (y2);
    JsonObject *apis = json_object_get_object_member (json_node_get_object (y), "apis");

    g_assert_cmpint (json_object_get_int_member (json_node_get_object (y), "total_requests"), ==, 404);
    g_assert_cmpstr (tx, ==, ty);
    g_assert_cmpstr (tx2, ==, ty2);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (y2), "total_requests"), <, 404);
    /* The escaped text came back as it went in. */
    g_assert_true (json_object_has_member (apis, "\\."));
    g_assert_true (json_object_has_member (json_object_get_object_member (json_object_get_object_member (apis, "\\."),
                                                                          "models"),
                                           "we\tird\nmo\\del 'q' \"d\" \xc3\xa9"));
  }

  /* Stored as given, the bad bytes replaced. */
  g_assert_cmpint (count_rows (dsn, "SELECT COUNT(*) FROM switchyard_usage_requests WHERE account_id = E'acc\\r\\n\\\\N'"
                                    " AND key_id = E'k\\\\t' AND provider = 'bad\xef\xbf\xbd\xef\xbf\xbd" "bytes'"), ==, 1);
  g_assert_cmpint (count_rows (dsn, "SELECT SUM(requests) FROM switchyard_usage_daily"), ==, 404);

  sy_usage_store_close (pgs);
  sy_usage_store_close (lite);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
    g_unlink (path);
    g_rmdir (dir);
  }
}

static void
test_round_trip (void)
{
  g_autoptr(SyUsageStore) store = NULL;
  g_autofree char *dsn = NULL;
  g_autofree char *db = NULL;
  g_autofree char *limited = NULL;
  SyUsageRecord r = { 0 };
  PGconn *conn;
  PGresult *res;
  const char *expected[] = { NULL, "8c1d0e", "sk-...abcd", "me@x.com", "codex", "gpt-5(high)", "gpt-5-codex",
                             "openai", "codex", "1", "201", "1834000", "250000", "1200", "80", "1024", "64", "2" };
  int i;

  if (!pg_ready ())
    return;
  r.time_us = BASE_US + 123456789;
  r.key_id = (char *) "8c1d0e";
  r.key_label = (char *) "sk-...abcd";
  r.account_id = (char *) "me@x.com";
  r.provider = (char *) "codex";
  r.model_asked = (char *) "gpt-5(high)";
  r.model_served = (char *) "gpt-5-codex";
  r.client_format = (char *) "openai";
  r.upstream_format = (char *) "codex";
  r.stream = TRUE;
  r.status = 201;
  r.latency_us = 1834000;
  r.ttfb_us = 250000;
  r.input_tokens = 1200;
  r.output_tokens = 80;
  r.cached_tokens = 1024;
  r.reasoning_tokens = 64;
  r.retries = 2;

  dsn = fresh_db (ADMIN_USER);
  db = g_strdup_printf ("t%u", pg.databases);
  store = open_pg (dsn);
  sy_usage_store_add (store, &r);
  /* Closing without a flush still writes it. */
  sy_usage_store_close (store);
  g_clear_object (&store);

  conn = PQconnectdb (dsn);
  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  res = PQexec (conn, "SELECT time_us, key_id, key_label, account_id, provider, model_asked, model_served,"
                      " client_format, upstream_format, stream, status, latency_us, ttfb_us,"
                      " input_tokens, output_tokens, cached_tokens, reasoning_tokens, retries"
                      " FROM switchyard_usage_requests");
  g_assert_cmpint (PQresultStatus (res), ==, PGRES_TUPLES_OK);
  g_assert_cmpint (PQntuples (res), ==, 1);
  g_assert_cmpint (g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10), ==, r.time_us);
  for (i = 1; i < (int) G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (PQgetvalue (res, 0, i), ==, expected[i]);
  PQclear (res);
  /* The schema is version 1, said once. */
  res = PQexec (conn, "SELECT version FROM switchyard_usage_schema");
  g_assert_cmpint (PQntuples (res), ==, 1);
  g_assert_cmpstr (PQgetvalue (res, 0, 0), ==, "1");
  PQclear (res);
  PQfinish (conn);

  /* Once the tables are there, a user who may only read and write rows
   * (not create tables) runs a store on them. */
  admin_exec ("postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'syrw')"
                          " THEN CREATE ROLE syrw LOGIN; END IF; END $$");
  admin_exec (db, "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
  admin_exec (db, "GRANT SELECT, INSERT, UPDATE, DELETE ON switchyard_usage_requests, switchyard_usage_daily,"
                  " switchyard_usage_schema TO syrw");
  limited = g_strdup_printf ("host=%s port=%u user=syrw dbname=%s", pg.dir, pg.port, db);
  store = open_pg (limited);
  sy_usage_store_add (store, &r);
  sy_usage_store_set_retention_days (store, 1);
  flush (store);
  g_assert_cmpint (count_rows (dsn, "SELECT COUNT(*) FROM switchyard_usage_requests"), ==, 0);
  g_assert_cmpint (count_rows (dsn, "SELECT SUM(requests) FROM switchyard_usage_daily"), ==, 2);
  sy_usage_store_close (store);
}

typedef struct
{
  const char   *dsn;
  SyUsageStore *store;
  GError       *error;
} Opener;

static gpointer
open_in_thread (gpointer data)
{
  Opener *o = data;

  o->store = sy_usage_store_new_postgres (o->dsn, &o->error);
  return NULL;
}

static void
test_two_instances (void)
{
  g_autofree char *dsn = NULL;
  Opener openers[4] = { { 0 } };
  GThread *threads[4];
  SyUsageStore *a, *b;
  g_autoptr(JsonObject) seen_a = NULL;
  g_autoptr(JsonObject) seen_b = NULL;
  g_autoptr(JsonNode) snap_a = NULL;
  g_autoptr(JsonNode) snap_b = NULL;
  g_autofree char *text_a = NULL;
  g_autofree char *text_b = NULL;
  JsonObject *apis;
  guint i;

  if (!pg_ready ())
    return;
  dsn = fresh_db (ADMIN_USER);
  /* Instances starting together on an empty database: one creates the
   * tables, the others wait for it and find them. */
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      openers[i].dsn = dsn;
      threads[i] = g_thread_new ("open", open_in_thread, &openers[i]);
    }
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_thread_join (threads[i]);
      g_assert_no_error (openers[i].error);
      g_assert_nonnull (openers[i].store);
    }
  g_assert_cmpint (count_rows (dsn, "SELECT COUNT(*) FROM switchyard_usage_schema"), ==, 1);
  for (i = 2; i < G_N_ELEMENTS (threads); i++)
    g_object_unref (openers[i].store);
  a = openers[0].store;
  b = openers[1].store;

  {
    SyUsageRecord ra = rec (BASE_US + MINUTE_US, "gpt-5", "acc", "k", 200, 10, 1);
    SyUsageRecord rb = rec (BASE_US + 2 * MINUTE_US, "gpt-5", "acc", "k", 500, 20, 2);
    SyUsageRecord rb2 = rec (BASE_US + 3 * MINUTE_US, "claude", "acc-b", "k2", 200, 30, 3);

    ra.key_label = (char *) "from-a";
    rb.key_label = rb2.key_label = (char *) "from-b";
    sy_usage_store_add (a, &ra);
    sy_usage_store_add (b, &rb);
    sy_usage_store_add (b, &rb2);
  }
  flush (a);
  flush (b);

  /* Each sees the other's rows, raw and rolled up into the same day row. */
  seen_a = series (a, BASE_US, BASE_US + DAY_US, MINUTE_US, NULL);
  seen_b = series (b, BASE_US, BASE_US + DAY_US, MINUTE_US, NULL);
  g_assert_cmpint (total_requests (seen_a), ==, 3);
  g_assert_cmpint (total_requests (seen_b), ==, 3);
  g_assert_cmpint (count_rows (dsn, "SELECT requests FROM switchyard_usage_daily WHERE model = 'gpt-5'"), ==, 2);
  g_assert_cmpint (count_rows (dsn, "SELECT failed FROM switchyard_usage_daily WHERE model = 'gpt-5'"), ==, 1);
  g_assert_cmpint (count_rows (dsn, "SELECT input_tokens FROM switchyard_usage_daily WHERE model = 'gpt-5'"), ==, 30);
  snap_a = snapshot_node (a, 0);
  snap_b = snapshot_node (b, 0);
  text_a = to_text (snap_a);
  text_b = to_text (snap_b);
  g_assert_cmpstr (text_a, ==, text_b);
  apis = json_object_get_object_member (json_node_get_object (snap_a), "apis");
  g_assert_true (json_object_has_member (apis, "from-a"));
  g_assert_true (json_object_has_member (apis, "from-b"));

  /* Both at once on the same daily rows: the roll-ups add up. */
  for (i = 0; i < 3000; i++)
    {
      SyUsageRecord r = rec (BASE_US + DAY_US + (gint64) (i % 50) * HOUR_US, i % 2 ? "m1" : "m2", "acc", "k",
                             i % 10 == 0 ? 429 : 200, 1, 2);

      sy_usage_store_add (i % 3 ? a : b, &r);
      if (i % 500 == 499)
        {
          g_autoptr(GAsyncResult) ra = NULL;
          g_autoptr(GAsyncResult) rb = NULL;

          /* Both flushes in flight together. */
          sy_usage_store_flush_async (a, NULL, got_result, &ra);
          sy_usage_store_flush_async (b, NULL, got_result, &rb);
          g_assert_true (sy_usage_store_flush_finish (a, wait_result (&ra), NULL));
          g_assert_true (sy_usage_store_flush_finish (b, wait_result (&rb), NULL));
        }
    }
  g_assert_cmpint (count_rows (dsn, "SELECT SUM(requests) FROM switchyard_usage_daily"), ==, 3003);
  {
    g_autofree char *sql = g_strdup_printf ("SELECT SUM(failed) FROM switchyard_usage_daily WHERE day > %"
                                            G_GINT64_FORMAT, base_day);

    g_assert_cmpint (count_rows (dsn, sql), ==, 300);
  }
  g_assert_cmpint (count_rows (dsn, "SELECT COUNT(*) FROM switchyard_usage_requests"), ==, 3003);

  g_object_unref (a);
  g_object_unref (b);
}

/* Sums the points of every series: "group|day" -> requests,failed,in,out. */
static GHashTable *
sum_by_day (JsonObject *result)
{
  GHashTable *sums = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonArray *list = json_object_get_array_member (result, "series");
  guint i, j;

  for (i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *s = json_array_get_object_element (list, i);
      JsonArray *points = json_object_get_array_member (s, "points");

      for (j = 0; j < json_array_get_length (points); j++)
        {
          JsonObject *p = json_array_get_object_element (points, j);
          g_autofree char *k = g_strdup_printf ("%s|%" G_GINT64_FORMAT,
                                                json_object_get_string_member (s, "group"),
                                                json_object_get_int_member (p, "t") / DAY_US);
          gint64 *v = g_hash_table_lookup (sums, k);

          if (v == NULL)
            {
              v = g_new0 (gint64, 4);
              g_hash_table_insert (sums, g_steal_pointer (&k), v);
            }
          v[0] += json_object_get_int_member (p, "requests");
          v[1] += json_object_get_int_member (p, "failed");
          v[2] += json_object_get_int_member (p, "input_tokens");
          v[3] += json_object_get_int_member (p, "output_tokens");
        }
    }
  return sums;
}

static void
test_rollup (void)
{
  const char *groups[] = { "model", "account", "key" };
  const char *models[] = { "gpt-5", "claude-sonnet", "gemini-pro" };
  const char *accounts[] = { "a1", "a2" };
  const char *keys[] = { "k1", "k2", "k3", "k4" };
  const guint statuses[] = { 200, 200, 200, 429, 500, 0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(SyUsageStore) store = NULL;
  g_autofree char *dsn = NULL;
  guint i;

  if (!pg_ready ())
    return;
  dsn = fresh_db (ADMIN_USER);
  store = open_pg (dsn);
  for (i = 0; i < 600; i++)
    {
      SyUsageRecord r = rec (BASE_US + (gint64) g_rand_int_range (rand, 0, 5 * 24 * 3600) * G_USEC_PER_SEC,
                             models[g_rand_int_range (rand, 0, G_N_ELEMENTS (models))],
                             accounts[g_rand_int_range (rand, 0, G_N_ELEMENTS (accounts))],
                             keys[g_rand_int_range (rand, 0, G_N_ELEMENTS (keys))],
                             statuses[g_rand_int_range (rand, 0, G_N_ELEMENTS (statuses))],
                             g_rand_int_range (rand, 0, 5000), g_rand_int_range (rand, 0, 500));

      sy_usage_store_add (store, &r);
      /* Several batches: later ones add to the rows earlier ones made. */
      if (i % 150 == 149)
        flush (store);
    }
  flush (store);

  g_assert_cmpint (count_rows (dsn, "SELECT SUM(requests) FROM switchyard_usage_daily"), ==, 600);
  g_assert_cmpint (count_rows (dsn, "SELECT COUNT(*) FROM switchyard_usage_daily"), <=, 5 * 3 * 2 * 4);
  for (i = 0; i < G_N_ELEMENTS (groups); i++)
    {
      g_autoptr(JsonObject) hourly = series (store, BASE_US, BASE_US + 5 * DAY_US, HOUR_US, groups[i]);
      g_autoptr(JsonObject) daily = series (store, BASE_US, BASE_US + 5 * DAY_US, DAY_US, groups[i]);
      g_autoptr(GHashTable) raw = sum_by_day (hourly);
      g_autoptr(GHashTable) rolled = sum_by_day (daily);
      GHashTableIter iter;
      gpointer k, v;

      g_assert_cmpuint (g_hash_table_size (raw), >, 5);
      g_assert_cmpuint (g_hash_table_size (raw), ==, g_hash_table_size (rolled));
      g_hash_table_iter_init (&iter, raw);
      while (g_hash_table_iter_next (&iter, &k, &v))
        {
          gint64 *b = g_hash_table_lookup (rolled, k);

          g_assert_nonnull (b);
          g_assert_cmpmem (v, 4 * sizeof (gint64), b, 4 * sizeof (gint64));
        }
    }
  sy_usage_store_close (store);
}

static void
test_retention (void)
{
  gint64 now = g_get_real_time ();
  SyUsageRecord old1 = rec (now - 10 * DAY_US, "m", "a", "k", 200, 1, 1);
  SyUsageRecord old2 = rec (now - 10 * DAY_US + G_USEC_PER_SEC, "m", "a", "k", 500, 1, 1);
  SyUsageRecord fresh = rec (now - HOUR_US, "m", "a", "k", 200, 1, 1);
  g_autoptr(SyUsageStore) store = NULL;
  g_autoptr(JsonObject) raw_before = NULL;
  g_autoptr(JsonObject) raw_after = NULL;
  g_autoptr(JsonObject) daily = NULL;
  g_autofree char *dsn = NULL;

  if (!pg_ready ())
    return;
  dsn = fresh_db (ADMIN_USER);
  store = open_pg (dsn);
  sy_usage_store_add (store, &old1);
  sy_usage_store_add (store, &old2);
  sy_usage_store_add (store, &fresh);
  flush (store);
  raw_before = series (store, now - 20 * DAY_US, now + HOUR_US, HOUR_US, NULL);
  g_assert_cmpint (total_requests (raw_before), ==, 3);

  sy_usage_store_set_retention_days (store, 5);
  flush (store);
  raw_after = series (store, now - 20 * DAY_US, now + HOUR_US, HOUR_US, NULL);
  g_assert_cmpint (total_requests (raw_after), ==, 1);
  g_assert_cmpint (count_rows (dsn, "SELECT COUNT(*) FROM switchyard_usage_requests"), ==, 1);
  /* The roll-ups keep the pruned days. */
  daily = series (store, now - 20 * DAY_US, now + HOUR_US, DAY_US, NULL);
  g_assert_cmpint (total_requests (daily), ==, 3);
  g_assert_cmpint (count_rows (dsn, "SELECT SUM(failed) FROM switchyard_usage_daily"), ==, 1);

  /* 0 keeps everything from then on. */
  sy_usage_store_add (store, &old1);
  sy_usage_store_set_retention_days (store, 0);
  flush (store);
  g_assert_cmpint (count_rows (dsn, "SELECT COUNT(*) FROM switchyard_usage_requests"), ==, 2);
  sy_usage_store_close (store);
}

static void
assert_no_password (const char *text)
{
  g_assert_null (strstr (text, PW_RIGHT));
  g_assert_null (strstr (text, "password-1234"));
}

static void
test_reconnect (void)
{
  g_autoptr(SyUsageStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) down = NULL;
  g_autoptr(JsonObject) all = NULL;
  g_autofree char *dsn = NULL;
  g_autofree char *said = NULL;
  g_autofree char *output = NULL;
  SyUsageRecord r;
  gint64 deadline;
  guint i;

  if (!pg_ready ())
    return;
  /* With a password, which must never show. */
  dsn = fresh_db (PW_USER);
  store = open_pg (dsn);
  g_free (log_take ());
  r = rec (BASE_US, "m", "a", "k", 200, 0, 0);
  sy_usage_store_add (store, &r);
  flush (store);

  pg_stop ();
  for (i = 1; i <= 2; i++)
    {
      r = rec (BASE_US + i * MINUTE_US, "m", "a", "k", 200, i, 0);
      sy_usage_store_add (store, &r);
    }
  /* The flush and a query say the server is away; the records stay. */
  g_assert_false (try_flush (store, &error));
  g_assert_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_UNAVAILABLE);
  g_test_message ("%s", error->message);
  assert_no_password (error->message);
  g_assert_nonnull (strstr (error->message, "password=" PW_RIGHT_MASKED));
  g_clear_error (&error);
  down = series_node (store, BASE_US, BASE_US + DAY_US, MINUTE_US, NULL, &error);
  g_assert_null (down);
  g_assert_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  said = log_take ();
  g_assert_nonnull (strstr (said, "written once it answers again"));
  assert_no_password (said);
  g_clear_pointer (&said, g_free);

  /* Back: the worker writes them on its own, no flush needed. */
  if (!pg_start (&output))
    g_error ("restart: %s", output);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (count_rows (dsn, "SELECT COUNT(*) FROM switchyard_usage_requests") < 3)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (100 * 1000);
    }
  g_assert_cmpint (count_rows (dsn, "SELECT SUM(input_tokens) FROM switchyard_usage_requests"), ==, 3);
  g_assert_cmpint (count_rows (dsn, "SELECT SUM(requests) FROM switchyard_usage_daily"), ==, 3);

  /* A restart while idle: the next flush finds the connection dead and
   * makes a new one, without failing. */
  pg_stop ();
  if (!pg_start (&output))
    g_error ("restart: %s", output);
  r = rec (BASE_US + 3 * MINUTE_US, "m", "a", "k", 200, 3, 0);
  sy_usage_store_add (store, &r);
  flush (store);
  pg_stop ();
  if (!pg_start (&output))
    g_error ("restart: %s", output);
  all = series (store, BASE_US, BASE_US + DAY_US, MINUTE_US, NULL);
  g_assert_cmpint (total_requests (all), ==, 4);
  g_assert_cmpint (count_rows (dsn, "SELECT SUM(requests) FROM switchyard_usage_daily"), ==, 4);

  said = log_take ();
  assert_no_password (said);
  sy_usage_store_close (store);
}

static void
test_queue_bound (void)
{
  g_autoptr(SyUsageStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dsn = NULL;
  g_autofree char *said = NULL;
  g_autofree char *output = NULL;
  gint64 start, elapsed;
  guint i;

  if (!pg_ready ())
    return;
  dsn = fresh_db (ADMIN_USER);
  store = open_pg (dsn);
  flush (store);
  g_free (log_take ());

  pg_stop ();
  start = g_get_monotonic_time ();
  for (i = 0; i < MAX_QUEUED + 50; i++)
    {
      SyUsageRecord r = rec (BASE_US + i, "m", "a", "k", 200, i, 0);

      sy_usage_store_add (store, &r);
    }
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("%d adds with the server down: %" G_GINT64_FORMAT " us", MAX_QUEUED + 50, elapsed);
  /* Queued, never waiting on the database (loose, for sanitizers). */
  g_assert_cmpint (elapsed, <, 60 * G_USEC_PER_SEC);
  g_assert_false (try_flush (store, &error));
  g_assert_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_UNAVAILABLE);
  g_clear_error (&error);

  if (!pg_start (&output))
    g_error ("restart: %s", output);
  flush (store);
  /* The newest MAX_QUEUED, the 50 oldest dropped and counted. */
  g_assert_cmpint (count_rows (dsn, "SELECT COUNT(*) FROM switchyard_usage_requests"), ==, MAX_QUEUED);
  g_assert_cmpint (count_rows (dsn, "SELECT MIN(input_tokens) FROM switchyard_usage_requests"), ==, 50);
  g_assert_cmpint (count_rows (dsn, "SELECT MAX(input_tokens) FROM switchyard_usage_requests"), ==, MAX_QUEUED + 49);
  g_assert_cmpint (count_rows (dsn, "SELECT SUM(requests) FROM switchyard_usage_daily"), ==, MAX_QUEUED);
  said = log_take ();
  g_assert_nonnull (strstr (said, "usage records dropped so far"));
  g_assert_nonnull (strstr (said, "50 usage records were dropped in all"));
  sy_usage_store_close (store);
}

static void
assert_open_fails (const char *dsn,
                   int         code,
                   const char *secret,
                   const char *masked)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyUsageStore) store = sy_usage_store_new_postgres (dsn, &error);
  g_autofree char *said = NULL;

  g_assert_null (store);
  g_assert_error (error, SY_USAGE_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Usage database (PostgreSQL, "));
  g_assert_null (strstr (error->message, secret));
  if (masked != NULL)
    g_assert_nonnull (strstr (error->message, masked));
  said = log_take ();
  g_assert_null (strstr (said, secret));
}

static void
test_bad_dsn (void)
{
  g_autofree char *db = NULL;
  g_autofree char *wrong = NULL;
  g_autofree char *right = NULL;
  g_autoptr(SyUsageStore) store = NULL;
  g_autoptr(GError) error = NULL;

  if (!pg_ready ())
    return;
  db = fresh_db (PW_USER);

  /* The server answers, the password is wrong. */
  wrong = g_strdup_printf ("host=%s port=%u user=" PW_USER " password=wrong-password-5678 dbname=t%u",
                           pg.dir, pg.port, pg.databases);
  assert_open_fails (wrong, SY_USAGE_ERROR_OPEN, "wrong-password-5678", "password=wro...5678");
  {
    g_autoptr(SyUsageStore) none = sy_usage_store_new_postgres (wrong, &error);

    g_assert_null (none);
    g_assert_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_OPEN);
    g_assert_nonnull (strstr (error->message, "password authentication failed"));
    g_clear_error (&error);
  }
  /* Nobody listens there; the key = value and URI forms, quoted values. */
  assert_open_fails ("host=/nonexistent-sy-dir port=5432 user=u password=secret-pass-0001 dbname=x",
                     SY_USAGE_ERROR_OPEN, "secret-pass-0001", "password=sec...0001");
  assert_open_fails ("host=/nonexistent-sy-dir password = 'my secret \\' pass' dbname=x",
                     SY_USAGE_ERROR_OPEN, "secret", NULL);
  assert_open_fails ("postgresql://u:uri-secret-0002@/x?host=/nonexistent-sy-dir",
                     SY_USAGE_ERROR_OPEN, "uri-secret-0002", "u:uri...0002@");
  assert_open_fails ("postgresql:///x?host=/nonexistent-sy-dir&password=query-secret-0003",
                     SY_USAGE_ERROR_OPEN, "query-secret-0003", "password=que...0003");
  /* Not even parsed: libpq quotes the bad part, which is the password. */
  assert_open_fails ("postgresql://u:bad%zzsecret-0004@/x", SY_USAGE_ERROR_CONFIG, "bad%zzsecret-0004", NULL);
  assert_open_fails ("host=/x password='unterminated-secret-0005", SY_USAGE_ERROR_CONFIG,
                     "unterminated-secret-0005", NULL);

  /* And the right one works. */
  right = g_strdup_printf ("host=%s port=%u user=" PW_USER " password=" PW_RIGHT " dbname=t%u",
                           pg.dir, pg.port, pg.databases);
  store = sy_usage_store_new_postgres (right, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
}

static SyConfig *
config_from (const char *yaml)
{
  g_autoptr(GError) error = NULL;
  SyConfig *config = sy_config_new_from_data (yaml, -1, "config.yaml", &error);

  g_assert_no_error (error);
  /* The usage keys are known ones. */
  g_assert_true (config->warnings == NULL || config->warnings[0] == NULL);
  return config;
}

/* The child of test_from_config: the store that @yaml and the environment
 * make; one record in it. Prints "stored" or the error. */
static int
run_env_child (const char *yaml)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) config = sy_config_new_from_data (yaml, -1, "config.yaml", &error);
  g_autoptr(SyUsageStore) store = NULL;
  SyUsageRecord r = rec (g_get_real_time (), "env", "a", "k", 200, 1, 1);

  if (config == NULL)
    {
      g_print ("config: %s\n", error->message);
      return 1;
    }
  store = sy_usage_store_new_from_config (config, NULL, &error);
  if (store == NULL)
    {
      g_print ("error %d: %s\n", error->code, error->message);
      return 0;
    }
  sy_usage_store_add (store, &r);
  sy_usage_store_close (store);
  g_print ("stored\n");
  return 0;
}

static char *
run_with_env (const char *yaml,
              const char *env_dsn)
{
  g_auto(GStrv) envp = g_get_environ ();
  const char *argv[] = { self_exe, "--env-store", yaml, NULL };
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status;

  if (env_dsn != NULL)
    envp = g_environ_setenv (envp, "SWITCHYARD_USAGE_DSN", env_dsn, TRUE);
  else
    envp = g_environ_unsetenv (envp, "SWITCHYARD_USAGE_DSN");
  g_assert_true (g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);
  return out;
}

static void
test_from_config (void)
{
  gint64 now = g_get_real_time ();
  SyUsageRecord old = rec (now - 10 * DAY_US, "m", "a", "k", 200, 1, 1);
  SyUsageRecord fresh = rec (now - HOUR_US, "m", "a", "k", 200, 1, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyUsageStore) store = NULL;
  g_autoptr(SyConfig) config = NULL;
  g_autoptr(JsonObject) reopened = NULL;
  g_autofree char *dsn = NULL;
  g_autofree char *yaml = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *said = NULL;
  g_autofree char *expected = NULL;

  if (!pg_ready ())
    return;
  dsn = fresh_db (PW_USER);
  store = open_pg (dsn);
  sy_usage_store_add (store, &old);
  sy_usage_store_add (store, &fresh);
  sy_usage_store_close (store);
  g_clear_object (&store);

  /* postgres, its DSN, a retention of 5 days (the old row goes). */
  yaml = g_strdup_printf ("usage-store: postgres\nusage-store-dsn: \"%s\"\nusage-retention-days: 5\n", dsn);
  config = config_from (yaml);
  store = sy_usage_store_new_from_config (config, "/nonexistent/usage.db", &error);
  g_assert_no_error (error);
  flush (store);
  g_assert_cmpint (count_rows (dsn, "SELECT COUNT(*) FROM switchyard_usage_requests"), ==, 1);
  g_clear_object (&store);
  g_clear_pointer (&config, sy_config_unref);

  /* The DSN from the environment when the file has none (in a child
   * process: the environment is not ours to change with threads about). */
  said = run_with_env ("usage-store: postgres\nusage-store-dsn: \"\"\n", dsn);
  g_assert_cmpstr (said, ==, "stored\n");
  g_clear_pointer (&said, g_free);
  g_assert_cmpint (count_rows (dsn, "SELECT COUNT(*) FROM switchyard_usage_requests WHERE model_served = 'env'"), ==, 1);

  /* The file's DSN wins over the environment's. */
  g_free (yaml);
  yaml = g_strdup_printf ("usage-store: postgres\nusage-store-dsn: '%s'\n", dsn);
  said = run_with_env (yaml, "host=/nonexistent-sy-dir password=env-secret-0006 dbname=x");
  g_assert_cmpstr (said, ==, "stored\n");
  g_clear_pointer (&said, g_free);
  g_assert_cmpint (count_rows (dsn, "SELECT COUNT(*) FROM switchyard_usage_requests WHERE model_served = 'env'"), ==, 2);

  /* Only the environment's, which cannot connect: masked. */
  said = run_with_env ("usage-store: postgres\n", "host=/nonexistent-sy-dir password=env-secret-0006 dbname=x");
  g_test_message ("%s", said);
  g_free (expected);
  expected = g_strdup_printf ("error %d: Usage database (PostgreSQL, ", SY_USAGE_ERROR_OPEN);
  g_assert_true (g_str_has_prefix (said, expected));
  g_assert_null (strstr (said, "env-secret-0006"));
  g_assert_nonnull (strstr (said, "password=env...0006"));
  g_clear_pointer (&said, g_free);

  /* No DSN anywhere. */
  said = run_with_env ("usage-store: postgres\n", NULL);
  g_free (expected);
  expected = g_strdup_printf ("error %d: ", SY_USAGE_ERROR_CONFIG);
  g_assert_true (g_str_has_prefix (said, expected));
  g_assert_nonnull (strstr (said, "SWITCHYARD_USAGE_DSN"));
  g_clear_pointer (&said, g_free);

  /* An unknown kind. */
  config = config_from ("usage-store: mongo\n");
  store = sy_usage_store_new_from_config (config, "/nonexistent/usage.db", &error);
  g_assert_null (store);
  g_assert_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_CONFIG);
  g_clear_error (&error);
  g_clear_pointer (&config, sy_config_unref);

  /* A negative retention is refused when the file is read. */
  g_assert_null (sy_config_new_from_data ("usage-retention-days: -1\n", -1, "config.yaml", &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "usage-retention-days"));
  g_clear_error (&error);

  /* The default: SQLite at the path given (also without a config). */
  dir = g_dir_make_tmp ("sy-usage-cfg-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "usage.db", NULL);
  config = config_from ("port: 0\n");
  store = sy_usage_store_new_from_config (config, path, &error);
  g_assert_no_error (error);
  sy_usage_store_add (store, &fresh);
  flush (store);
  g_clear_object (&store);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  store = sy_usage_store_new_from_config (NULL, path, &error);
  g_assert_no_error (error);
  reopened = series (store, now - DAY_US, now, HOUR_US, NULL);
  g_assert_cmpint (total_requests (reopened), ==, 1);
  g_clear_object (&store);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
    g_unlink (path);
    g_rmdir (dir);
  }
}

int
main (int    argc,
      char **argv)
{
  int rc;

  base_day = g_get_real_time () / DAY_US - 30;
  if (argc == 3 && g_str_equal (argv[1], "--env-store"))
    return run_env_child (argv[2]);
  self_exe = argv[0];

  g_test_init (&argc, &argv, NULL);
  /* The store warns from its thread when the server goes away (tests do
   * that on purpose): those are captured and checked, not fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  log_text = g_string_new (NULL);
  g_log_set_handler ("sy-usage", G_LOG_LEVEL_MASK, capture_log, NULL);

  g_test_add_func ("/usage-postgres/same-json", test_same_json);
  g_test_add_func ("/usage-postgres/round-trip", test_round_trip);
  g_test_add_func ("/usage-postgres/two-instances", test_two_instances);
  g_test_add_func ("/usage-postgres/rollup", test_rollup);
  g_test_add_func ("/usage-postgres/retention", test_retention);
  g_test_add_func ("/usage-postgres/reconnect", test_reconnect);
  g_test_add_func ("/usage-postgres/queue-bound", test_queue_bound);
  g_test_add_func ("/usage-postgres/bad-dsn", test_bad_dsn);
  g_test_add_func ("/usage-postgres/from-config", test_from_config);

  pg_setup ();
  rc = g_test_run ();
  pg_teardown ();
  return rc;
}
