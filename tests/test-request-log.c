/* test-request-log.c: request records on disk, secrets kept out of them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "sy-log.h"
#include "sy-request-log.h"

#define CANARY_CLIENT_KEY   "client-key-CANARY-7a61c0de55"
#define CANARY_UPSTREAM     "upstream-tok-CANARY-0b5e55ed"
#define CANARY_GOOGLE       "AIzaCANARYgoogle0123456789abcdef"
#define CANARY_COOKIE       "sess-CANARY-c00c1e-4242"
#define CANARY_BODY         "registered-CANARY-b0d1-5ec7e7"

static void
rm_rf (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
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
  char *dir = g_dir_make_tmp ("sy-request-log-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* The names in @dir starting with @prefix, sorted. */
static GPtrArray *
names_in (const char *dir,
          const char *prefix)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, prefix))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

static guint
count_in (const char *dir,
          const char *prefix)
{
  g_autoptr(GPtrArray) names = names_in (dir, prefix);

  return names->len;
}

static char *
read_only_file (const char *dir,
                const char *prefix)
{
  g_autoptr(GPtrArray) names = names_in (dir, prefix);
  g_autofree char *path = NULL;
  char *text = NULL;

  g_assert_cmpuint (names->len, ==, 1);
  path = g_build_filename (dir, g_ptr_array_index (names, 0), NULL);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static void
config_for (SyRequestLogConfig *config,
            const char         *dir,
            gboolean            full,
            guint               max_files)
{
  memset (config, 0, sizeof *config);
  config->dir = g_strdup (dir);
  config->full = full;
  config->error_max_files = max_files;
}

static GBytes *
bytes (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

/* A request through one failed and one good attempt, every kind of secret
 * in it; the file has none of them and everything else. */
static void
test_redaction (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *text = NULL;
  SyRequestLogConfig config;
  SyRequestLog *log;
  const char *client_headers[] = {
    "Content-Type: application/json",
    "Authorization: Bearer " CANARY_CLIENT_KEY,
    "x-api-key: " CANARY_CLIENT_KEY,
    "X-Goog-Api-Key: " CANARY_GOOGLE,
    "Cookie: session=" CANARY_COOKIE,
    "User-Agent: test-agent/1.0",
    NULL
  };
  const char *upstream_headers[] = {
    "authorization: Bearer " CANARY_UPSTREAM,
    "anthropic-version: 2023-06-01",
    NULL
  };
  const char *answer_headers[] = { "Content-Type: text/event-stream", "Set-Cookie: s=" CANARY_COOKIE, NULL };
  g_autoptr(GBytes) body = bytes ("{\"model\":\"m\",\"messages\":[{\"content\":\"say " CANARY_BODY "\"}]}");
  g_autoptr(GBytes) up_body = bytes ("{\"model\":\"up\",\"note\":\"" CANARY_BODY "\"}");

  sy_log_add_secret (CANARY_BODY);
  config_for (&config, dir, TRUE, 10);
  log = sy_request_log_begin ("req0001", "POST", "/v1beta/models/m:generateContent?key=" CANARY_GOOGLE "&alt=sse");
  sy_request_log_client_request (log, client_headers, body);

  sy_request_log_upstream_request (log, "https://up.example/v1/x?key=" CANARY_GOOGLE, upstream_headers, up_body);
  sy_request_log_upstream_response (log, 429, NULL);
  sy_request_log_upstream_append (log, "{\"error\":\"slow down\"}", 21);

  sy_request_log_upstream_request (log, "https://up.example/v1/x", upstream_headers, up_body);
  sy_request_log_upstream_response (log, 200, answer_headers);
  sy_request_log_upstream_append (log, "data: {\"t\":\"" CANARY_BODY "\"}\n\n", 16 + strlen (CANARY_BODY));

  sy_request_log_client_response (log, 200, answer_headers);
  sy_request_log_client_append (log, "data: one\n\n", 11);
  sy_request_log_client_append (log, "data: " CANARY_BODY "\n\n", 8 + strlen (CANARY_BODY));
  g_assert_false (sy_request_log_is_failure (log));
  sy_request_log_finish (log, &config);
  sy_request_log_wait ();

  text = read_only_file (dir, "request-");
  g_assert_null (strstr (text, "CANARY"));
  /* Masked forms: the shape is still there to read. */
  g_assert_nonnull (strstr (text, "Authorization: Bearer cli...de55"));
  g_assert_nonnull (strstr (text, "x-api-key: cli...de55"));
  g_assert_nonnull (strstr (text, "authorization: Bearer ups...55ed"));
  g_assert_nonnull (strstr (text, "?key=AIz...cdef&alt=sse"));
  g_assert_nonnull (strstr (text, "say reg...c7e7"));
  /* The rest is as it was. */
  g_assert_nonnull (strstr (text, "Content-Type: application/json\n"));
  g_assert_nonnull (strstr (text, "User-Agent: test-agent/1.0\n"));
  g_assert_nonnull (strstr (text, "anthropic-version: 2023-06-01\n"));
  g_assert_nonnull (strstr (text, "Request-ID: req0001\n"));
  g_assert_nonnull (strstr (text, "Method: POST\n"));
  g_assert_nonnull (strstr (text, "Upstream attempts: 2\n"));
  g_assert_nonnull (strstr (text, "=== API RESPONSE 1 ===\nStatus: 429\n"));
  g_assert_nonnull (strstr (text, "{\"error\":\"slow down\"}"));
  g_assert_nonnull (strstr (text, "=== API RESPONSE 2 ===\nStatus: 200\n"));
  g_assert_nonnull (strstr (text, "=== RESPONSE ===\nStatus: 200\n"));
  g_assert_nonnull (strstr (text, "data: one\n\ndata: reg...c7e7"));
  /* Sections in order. */
  g_assert_true (strstr (text, "=== REQUEST INFO ===") < strstr (text, "=== HEADERS ==="));
  g_assert_true (strstr (text, "=== REQUEST BODY ===") < strstr (text, "=== API REQUEST 1 ==="));
  g_assert_true (strstr (text, "=== API REQUEST 2 ===") < strstr (text, "=== RESPONSE ==="));

  sy_request_log_config_clear (&config);
  sy_log_clear_secrets ();
  rm_rf (dir);
}

static void
test_redact_helpers (void)
{
  struct { const char *in; const char *out; } headers[] = {
    { "Authorization: Bearer abcdefghijklmnop", "Authorization: Bearer abc...mnop" },
    { "Proxy-Authorization: Basic dXNlcjpwYXNzd29yZA==", "Proxy-Authorization: Basic dXN...ZA==" },
    { "x-goog-api-key:AIzaSyAAAAAAAAAAAAAAAA", "x-goog-api-key: AIz...AAAA" },
    { "X-Management-Key: short", "X-Management-Key: ***" },
    { "Content-Length: 12", "Content-Length: 12" },
    { "no colon at all", "no colon at all" },
  };
  struct { const char *in; const char *out; } urls[] = {
    { "https://h/p?key=abcdefghijklmnop&alt=sse", "https://h/p?key=abc...mnop&alt=sse" },
    { "/p?access_token=abcdefghijklmnop", "/p?access_token=abc...mnop" },
    { "/p?x=1&client_secret=abcdefghijklmnop&y", "/p?x=1&client_secret=abc...mnop&y" },
    { "/v1/chat/completions", "/v1/chat/completions" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      g_autofree char *out = sy_request_log_redact_header (headers[i].in);
      g_assert_cmpstr (out, ==, headers[i].out);
    }
  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autofree char *out = sy_request_log_redact_url (urls[i].in);
      g_assert_cmpstr (out, ==, urls[i].out);
    }
}

static void
finish_one (const SyRequestLogConfig *config,
            const char               *id,
            guint                     status)
{
  SyRequestLog *log = sy_request_log_begin (id, "POST", "/v1/messages");
  g_autoptr(GBytes) body = bytes ("{}");

  sy_request_log_client_request (log, NULL, body);
  sy_request_log_client_response (log, status, NULL);
  sy_request_log_client_append (log, "{\"error\":{}}", 12);
  sy_request_log_finish (log, config);
  /* Distinct stamps: the names sort in the order written. */
  g_usleep (2);
}

/* request-log off: failures only, the newest error-logs-max-files kept. */
static void
test_error_only (void)
{
  g_autofree char *dir = make_dir ();
  SyRequestLogConfig config;
  g_autoptr(GPtrArray) names = NULL;

  config_for (&config, dir, FALSE, 10);
  finish_one (&config, "ok1", 200);
  finish_one (&config, "ok2", 304);
  for (guint i = 0; i < 13; i++)
    {
      g_autofree char *id = g_strdup_printf ("bad%02u", i);

      finish_one (&config, id, i % 2 ? 502 : 429);
    }
  sy_request_log_wait ();

  g_assert_cmpuint (count_in (dir, "request-"), ==, 0);
  names = names_in (dir, "");
  g_assert_cmpuint (names->len, ==, 10);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *want = g_strdup_printf ("-bad%02u.log", i + 3);

      g_assert_true (g_str_has_prefix (name, "error-"));
      g_assert_true (g_str_has_suffix (name, want));
    }

  /* 0: no cleanup at all. */
  config.error_max_files = 0;
  finish_one (&config, "bad13", 500);
  finish_one (&config, "bad14", 500);
  sy_request_log_wait ();
  g_ptr_array_unref (names);
  names = names_in (dir, "error-");
  g_assert_cmpuint (names->len, ==, 12);

  /* A stream that answered 200 and then broke off counts as failed. */
  {
    SyRequestLog *log = sy_request_log_begin ("broke", "POST", "/v1/responses");
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;

    sy_request_log_upstream_request (log, "https://up/", NULL, NULL);
    sy_request_log_upstream_response (log, 200, NULL);
    sy_request_log_client_response (log, 200, NULL);
    sy_request_log_client_append (log, "data: part\n\n", 12);
    sy_request_log_upstream_error (log, "connection reset by peer");
    g_assert_true (sy_request_log_is_failure (log));
    sy_request_log_finish (log, &config);
    sy_request_log_wait ();
    path = sy_request_log_find (dir, "broke", TRUE, NULL);
    g_assert_nonnull (path);
    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    g_assert_nonnull (strstr (text, "=== API ERROR 1 ===\nconnection reset by peer\n"));
  }

  sy_request_log_config_clear (&config);
  rm_rf (dir);
}

/* request-log on: every request, as request-*.log, successes too. */
static void
test_full (void)
{
  g_autofree char *dir = make_dir ();
  SyRequestLogConfig config;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(JsonNode) listing = NULL;

  config_for (&config, dir, TRUE, 1);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *id = g_strdup_printf ("full%u", i);

      finish_one (&config, id, i == 3 ? 500 : 200);
    }
  sy_request_log_wait ();
  names = names_in (dir, "request-");
  g_assert_cmpuint (names->len, ==, 4);
  g_assert_true (g_str_has_suffix (g_ptr_array_index (names, 3), "-full3.log"));
  g_assert_cmpuint (count_in (dir, "error-"), ==, 0);
  /* The error list is about error-*.log files only. */
  listing = sy_request_log_list_error_files (dir);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (listing),
                                                                          "files")), ==, 0);

  /* logs-max-total-size-mb caps the request files too. */
  {
    GStatBuf st;
    g_autofree char *first = g_build_filename (dir, g_ptr_array_index (names, 0), NULL);

    g_assert_cmpint (g_stat (first, &st), ==, 0);
    config.max_total_bytes = (guint64) st.st_size * 2 + st.st_size / 2;
    finish_one (&config, "full4", 200);
    sy_request_log_wait ();
    g_ptr_array_unref (names);
    names = names_in (dir, "request-");
    g_assert_cmpuint (names->len, ==, 2);
    g_assert_true (g_str_has_suffix (g_ptr_array_index (names, 1), "-full4.log"));
  }

  sy_request_log_config_clear (&config);
  rm_rf (dir);
}

/* A disk that stalls: records waiting for the writer stop at
 * SY_REQUEST_LOG_PENDING_LIMIT body bytes; the rest are dropped, counted and
 * said so (as it starts, and once the writer has caught up). */
static void
test_pending_limit (void)
{
  g_autofree char *dir = make_dir ();
  SyRequestLogConfig config;
  gsize body_size = 5 * 1024 * 1024;
  guint fits = SY_REQUEST_LOG_PENDING_LIMIT / body_size;
  g_autofree char *data = g_malloc (body_size);
  g_autoptr(GBytes) body = NULL;
  guint dropped_before = sy_request_log_dropped ();

  memset (data, 'x', body_size);
  body = g_bytes_new_static (data, body_size);
  config_for (&config, dir, TRUE, 0);
  sy_request_log_hold_writer (TRUE);
  for (guint i = 0; i < fits + 8; i++)
    {
      g_autofree char *id = g_strdup_printf ("big%02u", i);
      SyRequestLog *log = sy_request_log_begin (id, "POST", "/v1/messages");

      /* The first record the writer could not take says so. */
      if (i == fits)
        g_test_expect_message ("sy-server", G_LOG_LEVEL_WARNING, "request logs are being dropped: *");
      sy_request_log_client_request (log, NULL, body);
      sy_request_log_client_response (log, 200, NULL);
      sy_request_log_finish (log, &config);
      if (i == fits)
        g_test_assert_expected_messages ();
    }
  g_assert_cmpuint (sy_request_log_dropped () - dropped_before, ==, 8);
  sy_request_log_hold_writer (FALSE);
  sy_request_log_wait ();
  g_assert_cmpuint (count_in (dir, "request-"), ==, fits);
  /* Every record kept is whole. */
  {
    g_autoptr(GPtrArray) names = names_in (dir, "request-");
    g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, 0), NULL);
    GStatBuf st;

    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_size, >, (goffset) body_size);
  }

  /* Caught up: the next record is written, and the count is told. */
  g_test_expect_message ("sy-server", G_LOG_LEVEL_WARNING, "8 request logs were dropped while the disk was behind");
  finish_one (&config, "after", 200);
  g_test_assert_expected_messages ();
  sy_request_log_wait ();
  g_assert_cmpuint (count_in (dir, "request-"), ==, fits + 1);
  g_assert_cmpuint (sy_request_log_dropped () - dropped_before, ==, 8);

  sy_request_log_config_clear (&config);
  rm_rf (dir);
}

static void
test_truncation (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *text = NULL;
  SyRequestLogConfig config;
  SyRequestLog *log;
  g_autoptr(GBytes) body = bytes ("0123456789");
  const char binary[] = { 'a', '\0', 'b', '\0' };

  config_for (&config, dir, TRUE, 0);
  log = sy_request_log_begin ("trunc", "POST", "/v1/chat/completions");
  sy_request_log_set_body_limit (log, 100);
  sy_request_log_client_request (log, NULL, body);          /* 10 of 100 */
  sy_request_log_upstream_request (log, "https://up/", NULL, NULL);
  sy_request_log_upstream_response (log, 200, NULL);
  sy_request_log_upstream_append (log, binary, sizeof binary);  /* 14 */
  sy_request_log_client_response (log, 200, NULL);
  for (guint i = 0; i < 30; i++)
    sy_request_log_client_append (log, "chunk-0010", 10);  /* 86 kept of 300 */
  sy_request_log_finish (log, &config);
  sy_request_log_wait ();

  text = read_only_file (dir, "request-");
  g_assert_nonnull (strstr (text, "=== REQUEST BODY ===\n0123456789\n"));
  g_assert_nonnull (strstr (text, "[4 bytes of binary data]"));
  g_assert_nonnull (strstr (text, "[truncated: 214 more bytes not recorded]"));
  sy_request_log_config_clear (&config);
  rm_rf (dir);
}

static void
test_list_and_find (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *outside = make_dir ();
  g_autofree char *secret_path = g_build_filename (outside, "secret.log", NULL);
  g_autofree char *link_path = g_build_filename (dir, "error-20240101T000000.000000Z-link.log", NULL);
  SyRequestLogConfig config;
  g_autoptr(JsonNode) listing = NULL;
  JsonArray *files;
  const char *bad_names[] = {
    "../error-x.log", "error-../../etc/passwd.log", "error-x.log/../../y.log", "/etc/passwd",
    "error-x.txt", "main.log", "request-20240101T000000.000000Z-x.log", "error-a\\b.log",
    "error-\xc3\xa9.log", "",
  };
  const char *bad_ids[] = { "a/b", "a\\b", "../x", "..\\x", "", "/" };

  config_for (&config, dir, FALSE, 0);
  finish_one (&config, "one", 500);
  finish_one (&config, "two", 500);
  finish_one (&config, "three", 404);
  sy_request_log_wait ();
  /* A link in the dir that leads out of it is not served. */
  g_assert_true (g_file_set_contents (secret_path, "outside", -1, NULL));
  g_assert_cmpint (symlink (secret_path, link_path), ==, 0);

  listing = sy_request_log_list_error_files (dir);
  files = json_object_get_array_member (json_node_get_object (listing), "files");
  g_assert_cmpuint (json_array_get_length (files), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *f = json_array_get_object_element (files, i);

      g_assert_true (g_str_has_prefix (json_object_get_string_member (f, "name"), "error-"));
      g_assert_cmpint (json_object_get_int_member (f, "size"), >, 100);
      g_assert_cmpint (json_object_get_int_member (f, "modified"), >, 1700000000);
    }
  g_assert_true (g_str_has_suffix (json_object_get_string_member (json_array_get_object_element (files, 0),
                                                                  "name"), "-three.log"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (json_array_get_object_element (files, 2),
                                                                  "name"), "-one.log"));

  /* By name, as listed. */
  {
    const char *name = json_object_get_string_member (json_array_get_object_element (files, 1), "name");
    g_autoptr(GError) error = NULL;
    g_autofree char *path = sy_request_log_find (dir, name, FALSE, &error);
    g_autofree char *want = g_build_filename (dir, name, NULL);

    g_assert_no_error (error);
    g_assert_cmpstr (path, ==, want);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = sy_request_log_find (dir, bad_names[i], FALSE, &error);

      g_assert_null (path);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    }
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *path = sy_request_log_find (dir, "error-20240101T000000.000000Z-link.log", FALSE, &error);

    g_assert_null (path);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *path = sy_request_log_find (dir, "error-20240101T000000.000000Z-gone.log", FALSE, &error);

    g_assert_null (path);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  }

  /* By id. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *path = sy_request_log_find (dir, "two", TRUE, &error);
    g_autofree char *base = NULL;

    g_assert_no_error (error);
    base = g_path_get_basename (path);
    g_assert_true (g_str_has_prefix (base, "error-"));
    g_assert_true (g_str_has_suffix (base, "-two.log"));
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad_ids); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = sy_request_log_find (dir, bad_ids[i], TRUE, &error);

      g_assert_null (path);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    }
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *path = sy_request_log_find (dir, "link", TRUE, &error);

    g_assert_null (path);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *path = sy_request_log_find (dir, "nobody", TRUE, &error);

    g_assert_null (path);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  }

  /* A missing dir lists nothing. */
  {
    g_autofree char *missing = g_build_filename (dir, "nope", NULL);
    g_autoptr(JsonNode) empty = sy_request_log_list_error_files (missing);

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (empty),
                                                                            "files")), ==, 0);
  }

  sy_request_log_config_clear (&config);
  rm_rf (dir);
  rm_rf (outside);
}

static void
test_config (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) plain = sy_config_new_from_data ("logs-dir: /var/tmp/sy\nerror-logs-max-files: 3\n",
                                                       -1, NULL, &error);
  g_autoptr(SyConfig) full = sy_config_new_from_data ("request-log: true\nlogs-max-total-size-mb: 2\n",
                                                      -1, NULL, &error);
  g_autoptr(SyConfig) commercial = sy_config_new_from_data ("commercial-mode: true\nrequest-log: true\n",
                                                            -1, NULL, &error);
  SyRequestLogConfig c;

  g_assert_no_error (error);
  sy_request_log_config_init (&c, plain);
  g_assert_cmpstr (c.dir, ==, "/var/tmp/sy");
  g_assert_false (c.full);
  g_assert_cmpuint (c.error_max_files, ==, 3);
  sy_request_log_config_clear (&c);

  sy_request_log_config_init (&c, full);
  g_assert_nonnull (c.dir);
  g_assert_true (c.full);
  g_assert_cmpuint (c.error_max_files, ==, 10);
  g_assert_cmpuint (c.max_total_bytes, ==, 2 * 1024 * 1024);
  sy_request_log_config_clear (&c);

  sy_request_log_config_init (&c, commercial);
  g_assert_null (c.dir);
  sy_request_log_config_clear (&c);

  /* No dir: nothing written, nothing left over. */
  {
    SyRequestLog *log = sy_request_log_begin ("x", "POST", "/v1/messages");

    sy_request_log_client_response (log, 500, NULL);
    sy_request_log_finish (log, &c);
    sy_request_log_finish (sy_request_log_begin ("y", "POST", "/"), NULL);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/request-log/redaction", test_redaction);
  g_test_add_func ("/request-log/redact-helpers", test_redact_helpers);
  g_test_add_func ("/request-log/error-only", test_error_only);
  g_test_add_func ("/request-log/full", test_full);
  g_test_add_func ("/request-log/truncation", test_truncation);
  g_test_add_func ("/request-log/pending-limit", test_pending_limit);
  g_test_add_func ("/request-log/list-and-find", test_list_and_find);
  g_test_add_func ("/request-log/config", test_config);
  return g_test_run ();
}
