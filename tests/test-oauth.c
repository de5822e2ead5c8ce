/* test-oauth.c: OAuth building blocks against a fake OAuth server
 *
 * The fake authorization/token server is a SoupServer on 127.0.0.1 and the
 * browser is a SoupSession, all on this thread's main loop.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-test"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <libsoup/soup.h>

#include "sy-core-error.h"
#include "sy-oauth.h"

#define STATE "0123456789abcdef0123456789abcdef"

/* ------------------------------------------------------------ logs */

/* Everything the library logged (debug included), to check that no code,
 * token or query string ever reaches a log. */
static GPtrArray *logged;

static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;
  gsize i;

  for (i = 0; i < n_fields; i++)
    {
      if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (strcmp (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }
  if (g_strcmp0 (domain, "sy-auth") == 0 && message != NULL)
    g_ptr_array_add (logged, g_strdup (message));

  return g_log_writer_default (level, fields, n_fields, user_data);
}

static gboolean
logged_contains (const char *text)
{
  guint i;

  for (i = 0; i < logged->len; i++)
    if (strstr (g_ptr_array_index (logged, i), text) != NULL)
      return TRUE;
  return FALSE;
}

/* ------------------------------------------------------------ main loop helpers */

static gboolean
watchdog_cb (gpointer user_data)
{
  g_error ("%s: nothing happened for 10 s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *@slot is set. */
static void
run_until (gpointer   *slot,
           const char *what)
{
  guint watchdog = g_timeout_add_seconds (10, watchdog_cb, (gpointer) what);

  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

/* A 127.0.0.1 port nobody listens on (free a moment ago). */
static guint
closed_port (void)
{
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                          G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_socket_bind (sock, any, FALSE, &error));
  bound = g_socket_get_local_address (sock, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* ------------------------------------------------------------ the browser */

typedef struct
{
  guint   status;
  char   *body;
  char   *content_type;
  char   *cache_control;
  GError *error;
} Page;

static void
page_free (Page *page)
{
  g_free (page->body);
  g_free (page->content_type);
  g_free (page->cache_control);
  g_clear_error (&page->error);
  g_free (page);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Page, page_free)

static Page *
browse (const char *url)
{
  /* A fresh session each time: no connection kept from an earlier page. */
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) bytes = NULL;
  Page *page = g_new0 (Page, 1);

  g_assert_nonnull (msg);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, result_cb, &result);
  run_until ((gpointer *) &result, url);

  bytes = soup_session_send_and_read_finish (session, result, &page->error);
  if (bytes != NULL)
    {
      SoupMessageHeaders *headers = soup_message_get_response_headers (msg);

      page->status = soup_message_get_status (msg);
      page->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      page->content_type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));
      page->cache_control = g_strdup (soup_message_headers_get_one (headers, "Cache-Control"));
    }
  return page;
}

static char *
callback_url (SyOAuthCallback *cb,
              const char      *path_and_query)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", sy_oauth_callback_get_port (cb), path_and_query);
}

static Page *
browse_callback (SyOAuthCallback *cb,
                 const char      *path_and_query)
{
  g_autofree char *url = callback_url (cb, path_and_query);

  return browse (url);
}

/* Nothing listens any more on the callback's port. */
static void
assert_not_listening (guint port)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/callback?code=x&state=" STATE, port);
  g_autoptr(Page) page = browse (url);

  g_assert_error (page->error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

/* ------------------------------------------------------------ the fake token server */

typedef struct
{
  guint       status;
  const char *content_type;
  const char *body;
} Answer;

typedef struct
{
  SoupServer        *server;
  char              *base;         /* http://127.0.0.1:PORT */

  /* One answer per request, the last one repeated. */
  const Answer      *answers;
  gsize              n_answers;
  gboolean           hold;         /* pause requests instead of answering */

  /* What it received: the last request, and the time of each. */
  guint              n_requests;
  GArray            *times;        /* gint64, monotonic µs */
  char              *path;
  char              *content_type;
  char              *accept;
  char              *x_test;
  GBytes            *body;
  SoupServerMessage *held;
} Fake;

static void
fake_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Fake *fake = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  gint64 now = g_get_monotonic_time ();
  const Answer *answer;

  g_assert_cmpstr (soup_server_message_get_method (msg), ==, "POST");

  fake->n_requests++;
  g_array_append_val (fake->times, now);
  g_free (fake->path);
  fake->path = g_strdup (path);
  g_free (fake->content_type);
  fake->content_type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));
  g_free (fake->accept);
  fake->accept = g_strdup (soup_message_headers_get_list (headers, "Accept"));
  g_free (fake->x_test);
  fake->x_test = g_strdup (soup_message_headers_get_one (headers, "X-Test"));
  g_clear_pointer (&fake->body, g_bytes_unref);
  fake->body = soup_message_body_flatten (body);

  if (fake->hold)
    {
      g_assert_null (fake->held);
      fake->held = g_object_ref (msg);
      soup_server_message_pause (msg);
      return;
    }

  g_assert_cmpuint (fake->n_answers, >, 0);
  answer = &fake->answers[MIN (fake->n_requests, fake->n_answers) - 1];
  soup_server_message_set_status (msg, answer->status, NULL);
  soup_server_message_set_response (msg, answer->content_type, SOUP_MEMORY_STATIC,
                                    answer->body, strlen (answer->body));
}

static Fake *
fake_new (const Answer *answers,
          gsize         n_answers)
{
  Fake *fake = g_new0 (Fake, 1);
  g_autoptr(GError) error = NULL;
  GSList *sockets;
  g_autoptr(GSocketAddress) address = NULL;

  fake->answers = answers;
  fake->n_answers = n_answers;
  fake->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  fake->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fake->server, NULL, fake_handler, fake, NULL);
  g_assert_true (soup_server_listen_local (fake->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);

  sockets = soup_server_get_listeners (fake->server);
  address = g_socket_get_local_address (sockets->data, &error);
  g_assert_no_error (error);
  g_slist_free (sockets);
  fake->base = g_strdup_printf ("http://127.0.0.1:%u",
                                g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
  return fake;
}

static void
fake_free (Fake *fake)
{
  if (fake->held != NULL)
    {
      soup_server_message_set_status (fake->held, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      soup_server_message_unpause (fake->held);
      g_clear_object (&fake->held);
    }
  soup_server_disconnect (fake->server);
  g_object_unref (fake->server);
  g_array_unref (fake->times);
  g_free (fake->base);
  g_free (fake->path);
  g_free (fake->content_type);
  g_free (fake->accept);
  g_free (fake->x_test);
  g_clear_pointer (&fake->body, g_bytes_unref);
  g_free (fake);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Fake, fake_free)

static char *
fake_url (Fake       *fake,
          const char *path)
{
  return g_strconcat (fake->base, path, NULL);
}

static char *
fake_body (Fake *fake)
{
  g_assert_nonnull (fake->body);
  return g_strndup (g_bytes_get_data (fake->body, NULL), g_bytes_get_size (fake->body));
}

static gint64
fake_gap_ms (Fake *fake,
             guint i)
{
  g_assert_cmpuint (i + 1, <, fake->times->len);
  return (g_array_index (fake->times, gint64, i + 1) - g_array_index (fake->times, gint64, i)) / 1000;
}

/* ------------------------------------------------------------ PKCE, state, URLs */

static gboolean
is_base64url (const char *s)
{
  for (; *s != '\0'; s++)
    if (!g_ascii_isalnum (*s) && *s != '-' && *s != '_')
      return FALSE;
  return TRUE;
}

static void
test_pkce (void)
{
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *verifier2 = NULL;
  g_autofree char *recomputed = NULL;
  g_autofree char *rfc = NULL;

  /* RFC 7636 appendix B. */
  rfc = sy_oauth_pkce_challenge ("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  g_assert_cmpstr (rfc, ==, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");

  sy_oauth_pkce_new (&verifier, &challenge);
  g_assert_cmpuint (strlen (verifier), ==, 128);
  g_assert_true (is_base64url (verifier));
  g_assert_cmpuint (strlen (challenge), ==, 43);
  g_assert_true (is_base64url (challenge));
  recomputed = sy_oauth_pkce_challenge (verifier);
  g_assert_cmpstr (challenge, ==, recomputed);

  sy_oauth_pkce_new (&verifier2, NULL);
  g_assert_cmpuint (strlen (verifier2), ==, 128);
  g_assert_cmpstr (verifier, !=, verifier2);
}

static void
test_state (void)
{
  g_autofree char *a = sy_oauth_random_state ();
  g_autofree char *b = sy_oauth_random_state ();

  g_assert_cmpuint (strlen (a), ==, 32);
  g_assert_cmpuint (strspn (a, "0123456789abcdef"), ==, 32);
  g_assert_cmpuint (strspn (b, "0123456789abcdef"), ==, 32);
  g_assert_cmpstr (a, !=, b);
}

static void
test_build_url (void)
{
  const char * const claude[] = {
    "code", "true",
    "client_id", "9d1c250a-e61b-44d9-88ed-5944d1962f5e",
    "redirect_uri", "http://localhost:54545/callback",
    "scope", "user:profile user:inference",
    "state", "ab12",
    NULL
  };
  const char * const odd[] = { "q", "a&b=c+d#e é~", "k y", "", NULL };
  const char * const one[] = { "b", "2", NULL };
  const char * const none[] = { NULL };
  g_autofree char *url = sy_oauth_build_url ("https://claude.ai/oauth/authorize", claude);
  g_autofree char *odd_url = sy_oauth_build_url ("https://h/p", odd);
  g_autofree char *appended = sy_oauth_build_url ("https://h/p?a=1", one);
  g_autofree char *trailing = sy_oauth_build_url ("https://h/p?", one);
  g_autofree char *plain = sy_oauth_build_url ("https://h/p", none);
  g_autofree char *plain2 = sy_oauth_build_url ("https://h/p", NULL);
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) params = NULL;

  g_assert_cmpstr (url, ==,
                   "https://claude.ai/oauth/authorize?code=true"
                   "&client_id=9d1c250a-e61b-44d9-88ed-5944d1962f5e"
                   "&redirect_uri=http%3A%2F%2Flocalhost%3A54545%2Fcallback"
                   "&scope=user%3Aprofile%20user%3Ainference&state=ab12");
  g_assert_cmpstr (odd_url, ==, "https://h/p?q=a%26b%3Dc%2Bd%23e%20%C3%A9~&k%20y=");
  g_assert_cmpstr (appended, ==, "https://h/p?a=1&b=2");
  g_assert_cmpstr (trailing, ==, "https://h/p?b=2");
  g_assert_cmpstr (plain, ==, "https://h/p");
  g_assert_cmpstr (plain2, ==, "https://h/p");

  /* What a server decodes is what went in. */
  uri = g_uri_parse (odd_url, G_URI_FLAGS_ENCODED, NULL);
  g_assert_nonnull (uri);
  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
  g_assert_nonnull (params);
  g_assert_cmpstr (g_hash_table_lookup (params, "q"), ==, "a&b=c+d#e é~");
  g_assert_cmpstr (g_hash_table_lookup (params, "k y"), ==, "");
}

typedef struct
{
  const char *text;
  const char *code;
  const char *state;
  const char *error;
  const char *description;
} RedirectCase;

static void
test_parse_redirect (void)
{
  static const RedirectCase good[] = {
    { "http://localhost:54545/callback?code=abc&state=xyz", "abc", "xyz", NULL, NULL },
    { "  http://localhost:1455/auth/callback?code=a%2Bb%20c&scope=x&state=s1\n", "a+b c", "s1", NULL, NULL },
    { "?code=abc&state=xyz", "abc", "xyz", NULL, NULL },
    { "code=abc&state=xyz", "abc", "xyz", NULL, NULL },
    { "abc#xyz", "abc", "xyz", NULL, NULL },
    { "abc", "abc", NULL, NULL, NULL },
    { "YWJj-_.~==", "YWJj-_.~==", NULL, NULL, NULL },
    /* Claude's "code#state" inside a redirect, encoded or not. */
    { "https://console.anthropic.com/oauth/code/callback?code=abc%23xyz&state=xyz", "abc", "xyz", NULL, NULL },
    { "https://console.anthropic.com/oauth/code/callback?code=abc#xyz", "abc", "xyz", NULL, NULL },
    /* Parameters in the fragment. */
    { "http://localhost/cb#code=frag&state=s", "frag", "s", NULL, NULL },
    { "http://localhost/cb?state=q#code=frag&state=s", "frag", "s", NULL, NULL },
    { "http://localhost:51121/oauth-callback?error=access_denied&error_description=User+denied+access&state=s",
      NULL, "s", "access_denied", "User denied access" },
    { "error=access_denied", NULL, NULL, "access_denied", NULL },
  };
  static const char * const garbage[] = {
    "", "   \n", "not a url at all", "http://localhost:54545/callback",
    "http://localhost:54545/callback?state=xyz", "?foo=bar", "code=%zz&state=s",
    "http://[::1/cb?code=a", "#xyz", "<code>", "https://h/cb?code=abc%23one&state=two",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *code = NULL;
      g_autofree char *state = NULL;
      g_autofree char *error = NULL;
      g_autofree char *description = NULL;
      g_autoptr(GError) err = NULL;

      g_test_message ("redirect: %s", good[i].text);
      g_assert_true (sy_oauth_parse_redirect (good[i].text, &code, &state, &error, &description, &err));
      g_assert_no_error (err);
      g_assert_cmpstr (code, ==, good[i].code);
      g_assert_cmpstr (state, ==, good[i].state);
      g_assert_cmpstr (error, ==, good[i].error);
      g_assert_cmpstr (description, ==, good[i].description);
    }

  for (i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      static char stale[] = "stale";
      char *code = stale;   /* out parameters are cleared on failure too */
      g_autoptr(GError) err = NULL;

      g_test_message ("garbage: %s", garbage[i]);
      g_assert_false (sy_oauth_parse_redirect (garbage[i], &code, NULL, NULL, NULL, &err));
      g_assert_error (err, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID);
      g_assert_null (code);
    }
}

/* ------------------------------------------------------------ JWT */

static char *
b64url (const char *text)
{
  char *s = g_base64_encode ((const guchar *) text, strlen (text));

  g_strdelimit (s, "+", '-');
  g_strdelimit (s, "/", '_');
  return s;   /* '=' padding kept: the decoder must cope with both */
}

static void
test_jwt (void)
{
  /* Base64url of a Codex-like claim set, with '-'/'_' and no padding. */
  static const char payload[] =
    "eyJlbWFpbCI6Im1lQGV4YW1wbGUuY29tIiwiaHR0cHM6Ly9hcGkub3BlbmFpLmNvbS9hdXRoIjp7ImNo"
    "YXRncHRfYWNjb3VudF9pZCI6ImExYjJjM2Q0IiwiY2hhdGdwdF9wbGFuX3R5cGUiOiJwbHVzIn0sIm5h"
    "bWUiOiJab8OrIH4_PiJ9";
  g_autofree char *jwt = g_strconcat ("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.", payload,
                                      ".c2lnbmF0dXJl", NULL);
  g_autofree char *padded_payload = b64url ("{\"sub\":\"u12\"}");
  g_autofree char *padded = g_strconcat ("e30.", padded_payload, ".", NULL);
  g_autofree char *not_json = g_strconcat ("e30.", padded_payload + 2, ".sig", NULL);
  g_autofree char *text_payload = b64url ("not json");
  g_autofree char *text_jwt = g_strconcat ("e30.", text_payload, ".sig", NULL);
  g_autofree char *array_payload = b64url ("[1,2]");
  g_autofree char *array_jwt = g_strconcat ("e30.", array_payload, ".sig", NULL);
  const char *bad[] = {
    "", "abc", "a.b", "a.b.c.d", ".e30.sig", "e30.e3$0.sig", "e30.e30x.sig" /* 5 chars */,
    "e30..sig", not_json, text_jwt, array_jwt,
  };
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(JsonObject) small = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *auth;
  gsize i;

  g_assert_nonnull (strpbrk (payload, "-_"));

  claims = sy_jwt_decode_payload (jwt, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (claims, "email"), ==, "me@example.com");
  g_assert_cmpstr (json_object_get_string_member (claims, "name"), ==, "Zoë ~?>");
  auth = json_object_get_object_member (claims, "https://api.openai.com/auth");
  g_assert_nonnull (auth);
  g_assert_cmpstr (json_object_get_string_member (auth, "chatgpt_account_id"), ==, "a1b2c3d4");
  g_assert_cmpstr (json_object_get_string_member (auth, "chatgpt_plan_type"), ==, "plus");

  /* Padded payload, empty signature ("alg":"none" tokens have one). */
  g_assert_nonnull (strchr (padded_payload, '='));
  small = sy_jwt_decode_payload (padded, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (small, "sub"), ==, "u12");

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) bad_error = NULL;

      g_test_message ("bad JWT: %s", bad[i]);
      g_assert_null (sy_jwt_decode_payload (bad[i], &bad_error));
      g_assert_error (bad_error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID);
    }
}

/* ------------------------------------------------------------ callback listener */

static SyOAuthCallback *
callback_new (void)
{
  g_autoptr(GError) error = NULL;
  SyOAuthCallback *cb = sy_oauth_callback_new (0, "/callback", STATE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cb);
  g_assert_cmpuint (sy_oauth_callback_get_port (cb), >, 0);
  return cb;
}

static char *
wait_code (SyOAuthCallback  *cb,
           GAsyncResult    **result,
           GError          **error)
{
  run_until ((gpointer *) result, "callback wait");
  return sy_oauth_callback_wait_finish (cb, *result, error);
}

static void
test_callback_success (void)
{
  g_autoptr(SyOAuthCallback) cb = callback_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(Page) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  guint port = sy_oauth_callback_get_port (cb);

  sy_oauth_callback_wait_async (cb, 30, NULL, result_cb, &result);
  page = browse_callback (cb, "/callback?code=the%2Fcode&state=" STATE "&scope=a+b");
  g_assert_no_error (page->error);
  g_assert_cmpuint (page->status, ==, 200);
  g_assert_true (g_str_has_prefix (page->content_type, "text/html"));
  g_assert_cmpstr (page->cache_control, ==, "no-store");
  g_assert_nonnull (strstr (page->body, "Signed in"));
  g_assert_nonnull (strstr (page->body, "return to Switchyard"));
  g_assert_null (strstr (page->body, "the/code"));

  code = wait_code (cb, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "the/code");
  assert_not_listening (port);
  g_assert_false (logged_contains ("the/code"));
  g_assert_false (logged_contains ("the%2Fcode"));
  g_assert_false (logged_contains (STATE));
}

static void
test_callback_state_mismatch (void)
{
  g_autoptr(SyOAuthCallback) cb = callback_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(Page) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  sy_oauth_callback_wait_async (cb, 30, NULL, result_cb, &result);
  page = browse_callback (cb, "/callback?code=forged&state=0123456789abcdef0123456789abcdee");
  g_assert_no_error (page->error);
  g_assert_cmpuint (page->status, ==, 400);
  g_assert_true (g_str_has_prefix (page->content_type, "text/html"));
  g_assert_nonnull (strstr (page->body, "state check failed"));

  code = wait_code (cb, &result, &error);
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_STATE);
  g_assert_null (code);
}

static void
test_callback_missing_state (void)
{
  g_autoptr(SyOAuthCallback) cb = callback_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(Page) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  sy_oauth_callback_wait_async (cb, 30, NULL, result_cb, &result);
  page = browse_callback (cb, "/callback?code=nostate");
  g_assert_cmpuint (page->status, ==, 400);
  g_assert_nonnull (strstr (page->body, "state"));

  code = wait_code (cb, &result, &error);
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, "no state"));
  g_assert_null (code);
}

static void
test_callback_code_hash_state (void)
{
  g_autoptr(SyOAuthCallback) good = callback_new ();
  g_autoptr(SyOAuthCallback) bad = callback_new ();
  g_autoptr(GAsyncResult) good_result = NULL;
  g_autoptr(GAsyncResult) bad_result = NULL;
  g_autoptr(Page) good_page = NULL;
  g_autoptr(Page) bad_page = NULL;
  g_autoptr(GError) good_error = NULL;
  g_autoptr(GError) bad_error = NULL;
  g_autofree char *good_code = NULL;
  g_autofree char *bad_code = NULL;

  /* Claude's code#state: the code part is the result, the state part is checked too. */
  sy_oauth_callback_wait_async (good, 30, NULL, result_cb, &good_result);
  good_page = browse_callback (good, "/callback?code=abc%23" STATE "&state=" STATE);
  g_assert_cmpuint (good_page->status, ==, 200);
  good_code = wait_code (good, &good_result, &good_error);
  g_assert_no_error (good_error);
  g_assert_cmpstr (good_code, ==, "abc");

  sy_oauth_callback_wait_async (bad, 30, NULL, result_cb, &bad_result);
  bad_page = browse_callback (bad, "/callback?code=abc%23other&state=" STATE);
  g_assert_cmpuint (bad_page->status, ==, 400);
  bad_code = wait_code (bad, &bad_result, &bad_error);
  g_assert_error (bad_error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_STATE);
  g_assert_null (bad_code);
}

static void
test_callback_denied (void)
{
  g_autoptr(SyOAuthCallback) cb = callback_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(Page) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  sy_oauth_callback_wait_async (cb, 30, NULL, result_cb, &result);
  page = browse_callback (cb, "/callback?error=access_denied"
                              "&error_description=The+user+said+%3Cb%3Eno%3C%2Fb%3E&state=" STATE);
  g_assert_cmpuint (page->status, ==, 200);
  /* Shown in plain words, never as markup. */
  g_assert_nonnull (strstr (page->body, "The user said &lt;b&gt;no&lt;/b&gt;"));
  g_assert_null (strstr (page->body, "<b>no"));

  code = wait_code (cb, &result, &error);
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_DENIED);
  g_assert_nonnull (strstr (error->message, "access_denied"));
  g_assert_nonnull (strstr (error->message, "The user said <b>no</b>"));
  g_assert_null (code);
}

static void
test_callback_wrong_path (void)
{
  g_autoptr(SyOAuthCallback) cb = callback_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(Page) other = NULL;
  g_autoptr(Page) favicon = NULL;
  g_autoptr(Page) empty = NULL;
  g_autoptr(Page) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  sy_oauth_callback_wait_async (cb, 30, NULL, result_cb, &result);
  other = browse_callback (cb, "/other?code=abc&state=" STATE);
  g_assert_cmpuint (other->status, ==, 404);
  favicon = browse_callback (cb, "/favicon.ico");
  g_assert_cmpuint (favicon->status, ==, 404);
  /* Not a redirect at all: refused, and the wait goes on. */
  empty = browse_callback (cb, "/callback");
  g_assert_cmpuint (empty->status, ==, 400);
  spin (20);
  g_assert_null (result);

  page = browse_callback (cb, "/callback?code=after404&state=" STATE);
  g_assert_cmpuint (page->status, ==, 200);
  code = wait_code (cb, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "after404");
}

static void
test_callback_deliver (void)
{
  g_autoptr(SyOAuthCallback) cb = callback_new ();
  g_autoptr(SyOAuthCallback) denied = callback_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) denied_result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) denied_error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *denied_code = NULL;
  guint port = sy_oauth_callback_get_port (cb);

  sy_oauth_callback_wait_async (cb, 30, NULL, result_cb, &result);

  /* Refused pastes leave the wait running. */
  g_assert_false (sy_oauth_callback_deliver (cb, "garbage words", &error));
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (sy_oauth_callback_deliver (cb, "http://localhost:54545/callback?code=c1&state=other", &error));
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_STATE);
  g_clear_error (&error);
  g_assert_false (sy_oauth_callback_deliver (cb, "c1#other", &error));
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_STATE);
  g_clear_error (&error);
  spin (20);
  g_assert_null (result);

  g_assert_true (sy_oauth_callback_deliver (cb, "  http://localhost:54545/callback?code=pasted&state=" STATE " ", &error));
  g_assert_no_error (error);
  /* The outcome is settled: a second paste is refused. */
  g_assert_false (sy_oauth_callback_deliver (cb, "again#" STATE, &error));
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID);
  g_clear_error (&error);

  code = wait_code (cb, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "pasted");
  assert_not_listening (port);

  /* A pasted error ends the wait with DENIED. */
  sy_oauth_callback_wait_async (denied, 30, NULL, result_cb, &denied_result);
  g_assert_true (sy_oauth_callback_deliver (denied, "?error=access_denied&error_description=nope&state=" STATE,
                                            &denied_error));
  g_assert_no_error (denied_error);
  denied_code = wait_code (denied, &denied_result, &denied_error);
  g_assert_error (denied_error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_DENIED);
  g_assert_nonnull (strstr (denied_error->message, "nope"));
  g_assert_null (denied_code);
}

static void
test_callback_claude_paste (void)
{
  g_autoptr(SyOAuthCallback) cb = callback_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  /* Pasted before anyone waits: the wait finds it. */
  g_assert_true (sy_oauth_callback_deliver (cb, "claudeCode_123-x#" STATE, &error));
  g_assert_no_error (error);
  sy_oauth_callback_wait_async (cb, 30, NULL, result_cb, &result);
  code = wait_code (cb, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "claudeCode_123-x");
}

static void
test_callback_timeout (void)
{
  g_autoptr(SyOAuthCallback) cb = callback_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  guint port = sy_oauth_callback_get_port (cb);
  gint64 start = g_get_monotonic_time ();

  sy_oauth_callback_wait_async (cb, 1, NULL, result_cb, &result);
  code = wait_code (cb, &result, &error);
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_TIMEOUT);
  g_assert_null (code);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 900 * 1000);
  assert_not_listening (port);
}

static void
test_callback_second_ignored (void)
{
  g_autoptr(SyOAuthCallback) cb = callback_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(Page) first = NULL;
  g_autoptr(Page) second = NULL;
  g_autoptr(Page) forged = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  /* Both arrive before the wait starts; the listener is still up. */
  first = browse_callback (cb, "/callback?code=first&state=" STATE);
  g_assert_cmpuint (first->status, ==, 200);
  second = browse_callback (cb, "/callback?code=second&state=" STATE);
  g_assert_cmpuint (second->status, ==, 409);
  forged = browse_callback (cb, "/callback?code=forged&state=bad");
  g_assert_cmpuint (forged->status, ==, 409);

  sy_oauth_callback_wait_async (cb, 30, NULL, result_cb, &result);
  code = wait_code (cb, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "first");
}

static void
test_callback_port_in_use (void)
{
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                          G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(SyOAuthCallback) cb = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *port_text = NULL;
  guint port;

  g_assert_true (g_socket_bind (sock, any, TRUE, &error));
  g_assert_true (g_socket_listen (sock, &error));
  bound = g_socket_get_local_address (sock, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  port_text = g_strdup_printf ("Port %u ", port);

  cb = sy_oauth_callback_new (port, "/callback", STATE, &error);
  g_assert_null (cb);
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_PORT_IN_USE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, port_text));

#ifdef __linux__
  {
    g_autofree char *comm = NULL;
    g_autofree char *pid_text = g_strdup_printf ("(pid %d)", (int) getpid ());

    g_assert_true (g_file_get_contents ("/proc/self/comm", &comm, NULL, NULL));
    g_strstrip (comm);
    g_assert_nonnull (strstr (error->message, comm));
    g_assert_nonnull (strstr (error->message, pid_text));
  }
#endif
}

static void
test_callback_port_freed (void)
{
  g_autoptr(SyOAuthCallback) cb = callback_new ();
  g_autoptr(SyOAuthCallback) again = NULL;
  g_autoptr(SyOAuthCallback) third = NULL;
  g_autoptr(SyOAuthCallback) busy = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) late = NULL;
  g_autoptr(Page) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  guint port = sy_oauth_callback_get_port (cb);

  sy_oauth_callback_wait_async (cb, 30, NULL, result_cb, &result);
  page = browse_callback (cb, "/callback?code=c&state=" STATE);
  g_assert_cmpuint (page->status, ==, 200);
  code = wait_code (cb, &result, &error);
  g_assert_no_error (error);

  /* The finished wait freed the port while the object lives on. */
  again = sy_oauth_callback_new (port, NULL, STATE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sy_oauth_callback_get_port (again), ==, port);
  busy = sy_oauth_callback_new (port, NULL, STATE, &error);
  g_assert_null (busy);
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_PORT_IN_USE);
  g_clear_error (&error);

  /* Disposing frees it too. */
  g_clear_object (&again);
  third = sy_oauth_callback_new (port, NULL, STATE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (third);

  /* A finished listener does not wait twice. */
  sy_oauth_callback_wait_async (cb, 30, NULL, result_cb, &late);
  run_until ((gpointer *) &late, "second wait");
  g_assert_null (sy_oauth_callback_wait_finish (cb, late, &error));
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_callback_cancel (void)
{
  g_autoptr(SyOAuthCallback) cb = callback_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  guint port = sy_oauth_callback_get_port (cb);

  sy_oauth_callback_wait_async (cb, 30, cancellable, result_cb, &result);
  g_timeout_add (20, cancel_cb, cancellable);
  code = wait_code (cb, &result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (code);
  assert_not_listening (port);
}

/* ------------------------------------------------------------ token endpoint */

static JsonObject *
post (SyHttpClient       *client,
      const char         *url,
      SyOAuthEncoding     encoding,
      const char * const *fields,
      const char * const *headers,
      guint              *status,
      GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_oauth_post_async (client, url, encoding, fields, headers, "direct", NULL, result_cb, &result);
  run_until ((gpointer *) &result, url);
  return sy_oauth_post_finish (result, status, error);
}

static void
test_post_form (void)
{
  static const Answer answers[] = {
    { 200, "application/json", "{\"access_token\":\"at-1\",\"refresh_token\":\"rt-1\",\"expires_in\":3600}" },
  };
  const char * const fields[] = {
    "grant_type", "authorization_code",
    "code", "a b&c=d/é+",
    "redirect_uri", "http://localhost:1455/auth/callback",
    NULL
  };
  const char * const headers[] = { "X-Test: form", NULL };
  g_autoptr(Fake) fake = fake_new (answers, G_N_ELEMENTS (answers));
  g_autoptr(SyHttpClient) client = sy_http_client_new ();
  g_autofree char *url = fake_url (fake, "/oauth/token?ignored=1");
  g_autofree char *body = NULL;
  g_autoptr(GHashTable) form = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 0;

  object = post (client, url, SY_OAUTH_FORM, fields, headers, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (object, "access_token"), ==, "at-1");
  g_assert_cmpint (json_object_get_int_member (object, "expires_in"), ==, 3600);

  g_assert_cmpstr (fake->path, ==, "/oauth/token");
  g_assert_cmpstr (fake->content_type, ==, "application/x-www-form-urlencoded");
  g_assert_cmpstr (fake->accept, ==, "application/json");
  g_assert_cmpstr (fake->x_test, ==, "form");
  body = fake_body (fake);
  g_assert_null (strchr (body, ' '));
  form = soup_form_decode (body);
  g_assert_cmpuint (g_hash_table_size (form), ==, 3);
  g_assert_cmpstr (g_hash_table_lookup (form, "grant_type"), ==, "authorization_code");
  g_assert_cmpstr (g_hash_table_lookup (form, "code"), ==, "a b&c=d/é+");
  g_assert_cmpstr (g_hash_table_lookup (form, "redirect_uri"), ==, "http://localhost:1455/auth/callback");

  /* The request was logged, without its query, fields or answer. */
  g_assert_true (logged_contains ("/oauth/token"));
  g_assert_false (logged_contains ("ignored=1"));
  g_assert_false (logged_contains ("a b&c"));
  g_assert_false (logged_contains ("at-1"));
}

static void
test_post_json (void)
{
  static const Answer answers[] = {
    { 200, "application/json; charset=utf-8", "{\"access_token\":\"sk-ant-oat01-x\",\"account\":{\"email_address\":\"me@example.com\"}}" },
  };
  const char * const fields[] = {
    "code", "c\"o\\de",
    "state", STATE,
    "grant_type", "authorization_code",
    "client_id", "9d1c250a-e61b-44d9-88ed-5944d1962f5e",
    NULL
  };
  /* A caller's Accept replaces ours. */
  const char * const headers[] = { "Accept: application/json, text/plain", "X-Test: json", NULL };
  g_autoptr(Fake) fake = fake_new (answers, G_N_ELEMENTS (answers));
  g_autoptr(SyHttpClient) client = sy_http_client_new ();
  g_autofree char *url = fake_url (fake, "/v1/oauth/token");
  g_autofree char *body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *sent;
  guint status = 0;

  object = post (client, url, SY_OAUTH_JSON, fields, headers, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "account"),
                                                  "email_address"), ==, "me@example.com");

  g_assert_cmpstr (fake->content_type, ==, "application/json");
  g_assert_cmpstr (fake->accept, ==, "application/json, text/plain");
  g_assert_cmpstr (fake->x_test, ==, "json");
  body = fake_body (fake);
  g_assert_true (json_parser_load_from_data (parser, body, -1, &error));
  g_assert_no_error (error);
  sent = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpuint (json_object_get_size (sent), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (sent, "code"), ==, "c\"o\\de");
  g_assert_cmpstr (json_object_get_string_member (sent, "state"), ==, STATE);
  g_assert_cmpstr (json_object_get_string_member (sent, "grant_type"), ==, "authorization_code");
  g_assert_cmpstr (json_object_get_string_member (sent, "client_id"), ==, "9d1c250a-e61b-44d9-88ed-5944d1962f5e");
}

static void
test_post_refused (void)
{
  static const Answer answers[] = {
    { 400, "application/json", "{\"error\":\"invalid_grant\",\"error_description\":\"The code has expired or was already used\"}" },
    { 502, "text/html", "<html><body>Bad Gateway</body></html>" },
    { 401, "application/json", "{\"error\":{\"message\":\"Refresh token reused\",\"type\":\"invalid_request_error\",\"code\":\"refresh_token_reused\"}}" },
    { 200, "text/plain", "not json" },
  };
  const char * const fields[] = { "grant_type", "refresh_token", NULL };
  g_autoptr(Fake) fake = fake_new (answers, G_N_ELEMENTS (answers));
  g_autoptr(SyHttpClient) client = sy_http_client_new ();
  g_autofree char *url = fake_url (fake, "/token");
  g_autoptr(JsonObject) grant = NULL;
  g_autoptr(JsonObject) gateway = NULL;
  g_autoptr(JsonObject) reused = NULL;
  g_autoptr(JsonObject) text = NULL;
  g_autoptr(GError) grant_error = NULL;
  g_autoptr(GError) gateway_error = NULL;
  g_autoptr(GError) reused_error = NULL;
  g_autoptr(GError) text_error = NULL;
  guint status = 0;

  grant = post (client, url, SY_OAUTH_FORM, fields, NULL, &status, &grant_error);
  g_assert_null (grant);
  g_assert_error (grant_error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_EXCHANGE);
  g_assert_cmpuint (status, ==, 400);
  g_assert_nonnull (strstr (grant_error->message, "invalid_grant"));
  g_assert_nonnull (strstr (grant_error->message, "The code has expired or was already used"));
  g_assert_nonnull (strstr (grant_error->message, "400"));

  gateway = post (client, url, SY_OAUTH_FORM, fields, NULL, &status, &gateway_error);
  g_assert_null (gateway);
  g_assert_error (gateway_error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_EXCHANGE);
  g_assert_cmpuint (status, ==, 502);
  g_assert_nonnull (strstr (gateway_error->message, "502"));
  g_assert_nonnull (strstr (gateway_error->message, "Bad Gateway"));

  /* OpenAI's error object. */
  reused = post (client, url, SY_OAUTH_FORM, fields, NULL, &status, &reused_error);
  g_assert_error (reused_error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_EXCHANGE);
  g_assert_cmpuint (status, ==, 401);
  g_assert_nonnull (strstr (reused_error->message, "refresh_token_reused"));
  g_assert_nonnull (strstr (reused_error->message, "Refresh token reused"));

  /* 2xx that is not a JSON object. */
  text = post (client, url, SY_OAUTH_FORM, fields, NULL, &status, &text_error);
  g_assert_error (text_error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (fake->n_requests, ==, 4);
}

static void
test_post_unreachable (void)
{
  const char * const fields[] = { "a", "b", NULL };
  g_autoptr(SyHttpClient) client = sy_http_client_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/token", closed_port ());
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 99;

  object = post (client, url, SY_OAUTH_FORM, fields, NULL, &status, &error);
  g_assert_null (object);
  g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_CONNECT);
  g_assert_cmpuint (status, ==, 0);
}

static void
test_post_cancel (void)
{
  const char * const fields[] = { "a", "b", NULL };
  g_autoptr(Fake) fake = fake_new (NULL, 0);
  g_autoptr(SyHttpClient) client = sy_http_client_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *url = fake_url (fake, "/token");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  fake->hold = TRUE;
  sy_oauth_post_async (client, url, SY_OAUTH_FORM, fields, NULL, "direct", cancellable, result_cb, &result);
  run_until ((gpointer *) &fake->held, "held request");
  g_cancellable_cancel (cancellable);
  run_until ((gpointer *) &result, "cancelled post");
  object = sy_oauth_post_finish (result, NULL, &error);
  g_assert_null (object);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (sy_http_client_get_n_active (client), ==, 0);
}

/* ------------------------------------------------------------ device polling */

static JsonObject *
device_poll (Fake      *fake,
             guint      interval_ms,
             guint      slow_down_ms,
             guint      timeout_ms,
             gboolean   pending_on_403_404,
             GError   **error)
{
  const char * const fields[] = {
    "client_id", "17e5f671-d194-4dfb-9706-5516cb48c098",
    "device_code", "dev-123",
    "grant_type", "urn:ietf:params:oauth:grant-type:device_code",
    NULL
  };
  g_autoptr(SyHttpClient) client = sy_http_client_new ();
  g_autofree char *url = fake_url (fake, "/api/oauth/token");
  g_autoptr(GAsyncResult) result = NULL;
  SyOAuthDevicePollInfo info = { 0 };

  info.url = url;
  info.encoding = SY_OAUTH_FORM;
  info.fields = fields;
  info.proxy_url = "direct";
  info.interval_ms = interval_ms;
  info.slow_down_ms = slow_down_ms;
  info.timeout_ms = timeout_ms;
  info.pending_on_403_404 = pending_on_403_404;

  sy_oauth_device_poll_full_async (client, &info, NULL, result_cb, &result);
  run_until ((gpointer *) &result, "device poll");
  g_assert_cmpuint (sy_http_client_get_n_active (client), ==, 0);
  return sy_oauth_device_poll_finish (result, error);
}

#define PENDING { 400, "application/json", "{\"error\":\"authorization_pending\",\"error_description\":\"waiting\"}" }
#define GRANTED { 200, "application/json", "{\"access_token\":\"kimi-at\",\"refresh_token\":\"kimi-rt\",\"expires_in\":900}" }

static void
test_device_success (void)
{
  static const Answer answers[] = { PENDING, PENDING, GRANTED };
  g_autoptr(Fake) fake = fake_new (answers, G_N_ELEMENTS (answers));
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GHashTable) form = NULL;

  object = device_poll (fake, 10, 0, 5000, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (object, "access_token"), ==, "kimi-at");
  g_assert_cmpuint (fake->n_requests, ==, 3);
  g_assert_cmpstr (fake->content_type, ==, "application/x-www-form-urlencoded");
  body = fake_body (fake);
  form = soup_form_decode (body);
  g_assert_cmpstr (g_hash_table_lookup (form, "device_code"), ==, "dev-123");
  g_assert_cmpstr (g_hash_table_lookup (form, "grant_type"), ==, "urn:ietf:params:oauth:grant-type:device_code");
}

static void
test_device_slow_down (void)
{
  static const Answer answers[] = {
    PENDING,
    { 400, "application/json", "{\"error\":\"slow_down\"}" },
    PENDING,
    GRANTED,
  };
  g_autoptr(Fake) fake = fake_new (answers, G_N_ELEMENTS (answers));
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  /* 10 ms apart, then 10 + 150 ms from the slow_down on, for good. */
  object = device_poll (fake, 10, 150, 5000, FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (object);
  g_assert_cmpuint (fake->n_requests, ==, 4);
  g_test_message ("gaps: %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT " ms",
                  fake_gap_ms (fake, 0), fake_gap_ms (fake, 1), fake_gap_ms (fake, 2));
  g_assert_cmpint (fake_gap_ms (fake, 1), >=, 150);
  g_assert_cmpint (fake_gap_ms (fake, 2), >=, 150);
}

static void
test_device_expired (void)
{
  static const Answer answers[] = {
    PENDING,
    { 400, "application/json", "{\"error\":\"expired_token\",\"error_description\":\"The device code has expired\"}" },
  };
  g_autoptr(Fake) fake = fake_new (answers, G_N_ELEMENTS (answers));
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  object = device_poll (fake, 10, 0, 5000, FALSE, &error);
  g_assert_null (object);
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_EXPIRED);
  g_assert_cmpuint (fake->n_requests, ==, 2);
}

static void
test_device_denied (void)
{
  static const Answer answers[] = {
    { 400, "application/json", "{\"error\":\"access_denied\",\"error_description\":\"The user declined\"}" },
  };
  g_autoptr(Fake) fake = fake_new (answers, G_N_ELEMENTS (answers));
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  object = device_poll (fake, 10, 0, 5000, FALSE, &error);
  g_assert_null (object);
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_DENIED);
  g_assert_nonnull (strstr (error->message, "The user declined"));
  g_assert_cmpuint (fake->n_requests, ==, 1);
}

static void
test_device_codex (void)
{
  static const Answer answers[] = {
    { 403, "application/json", "{\"error\":{\"message\":\"Device authorization is pending\"}}" },
    { 404, "text/plain", "not found" },
    { 200, "application/json", "{\"authorization_code\":\"ac-1\",\"code_verifier\":\"ver\",\"code_challenge\":\"cha\"}" },
  };
  g_autoptr(Fake) codex = fake_new (answers, G_N_ELEMENTS (answers));
  g_autoptr(Fake) plain = fake_new (answers, G_N_ELEMENTS (answers));
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(GError) error = NULL;

  object = device_poll (codex, 10, 0, 5000, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (object, "authorization_code"), ==, "ac-1");
  g_assert_cmpstr (json_object_get_string_member (object, "code_verifier"), ==, "ver");
  g_assert_cmpuint (codex->n_requests, ==, 3);

  /* Without the Codex rule a 403 is a refusal. */
  refused = device_poll (plain, 10, 0, 5000, FALSE, &error);
  g_assert_null (refused);
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_EXCHANGE);
  g_assert_nonnull (strstr (error->message, "403"));
  g_assert_cmpuint (plain->n_requests, ==, 1);
}

static void
test_device_timeout (void)
{
  static const Answer answers[] = { PENDING };
  g_autoptr(Fake) fake = fake_new (answers, G_N_ELEMENTS (answers));
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  object = device_poll (fake, 20, 0, 250, FALSE, &error);
  g_assert_null (object);
  g_assert_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 240 * 1000);
  g_assert_cmpuint (fake->n_requests, >=, 3);
}

static void
test_device_unreachable (void)
{
  g_autoptr(Fake) fake = fake_new (NULL, 0);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  /* Network failures are retried, then the third in a row ends it. */
  g_free (fake->base);
  fake->base = g_strdup_printf ("http://127.0.0.1:%u", closed_port ());
  object = device_poll (fake, 5, 0, 5000, FALSE, &error);
  g_assert_null (object);
  g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_CONNECT);
}

static void
test_device_cancel (void)
{
  static const Answer answers[] = { PENDING };
  const char * const fields[] = { "device_code", "d", NULL };
  g_autoptr(Fake) fake = fake_new (answers, G_N_ELEMENTS (answers));
  g_autoptr(SyHttpClient) client = sy_http_client_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *url = fake_url (fake, "/token");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  SyOAuthDevicePollInfo info = { 0 };
  guint n;

  info.url = url;
  info.fields = fields;
  info.proxy_url = "direct";
  info.interval_ms = 10;
  info.timeout_ms = 5000;

  sy_oauth_device_poll_full_async (client, &info, cancellable, result_cb, &result);
  while (fake->n_requests < 2)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  run_until ((gpointer *) &result, "cancelled device poll");
  object = sy_oauth_device_poll_finish (result, &error);
  g_assert_null (object);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* And it stopped polling. */
  n = fake->n_requests;
  spin (50);
  g_assert_cmpuint (fake->n_requests, ==, n);
}

/* The seconds API: 1 s interval (the minimum), one poll. */
static void
test_device_seconds (void)
{
  static const Answer answers[] = { GRANTED };
  const char * const fields[] = { "client_id", "app_x", NULL };
  const char * const headers[] = { "X-Test: seconds", NULL };
  g_autoptr(Fake) fake = fake_new (answers, G_N_ELEMENTS (answers));
  g_autoptr(SyHttpClient) client = sy_http_client_new ();
  g_autofree char *url = fake_url (fake, "/deviceauth/token");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  sy_oauth_device_poll_async (client, url, SY_OAUTH_JSON, fields, headers, 0, 10, TRUE,
                              NULL, result_cb, &result);
  run_until ((gpointer *) &result, "device poll (s)");
  object = sy_oauth_device_poll_finish (result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (object, "access_token"), ==, "kimi-at");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 950 * 1000);
  g_assert_cmpstr (fake->content_type, ==, "application/json");
  g_assert_cmpstr (fake->x_test, ==, "seconds");
  g_assert_cmpuint (fake->n_requests, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  static const char * const proxies[] = {
    "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
  };
  gsize i;

  /* The browser (libsoup) and the environment-proxy device poll talk to 127.0.0.1. */
  for (i = 0; i < G_N_ELEMENTS (proxies); i++)
    g_unsetenv (proxies[i]);

  g_test_init (&argc, &argv, NULL);
  logged = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (log_writer, NULL, NULL);

  g_test_add_func ("/oauth/pkce", test_pkce);
  g_test_add_func ("/oauth/state", test_state);
  g_test_add_func ("/oauth/build-url", test_build_url);
  g_test_add_func ("/oauth/parse-redirect", test_parse_redirect);
  g_test_add_func ("/oauth/jwt", test_jwt);
  g_test_add_func ("/oauth/callback/success", test_callback_success);
  g_test_add_func ("/oauth/callback/state-mismatch", test_callback_state_mismatch);
  g_test_add_func ("/oauth/callback/missing-state", test_callback_missing_state);
  g_test_add_func ("/oauth/callback/code-hash-state", test_callback_code_hash_state);
  g_test_add_func ("/oauth/callback/denied", test_callback_denied);
  g_test_add_func ("/oauth/callback/wrong-path", test_callback_wrong_path);
  g_test_add_func ("/oauth/callback/deliver", test_callback_deliver);
  g_test_add_func ("/oauth/callback/claude-paste", test_callback_claude_paste);
  g_test_add_func ("/oauth/callback/timeout", test_callback_timeout);
  g_test_add_func ("/oauth/callback/second-ignored", test_callback_second_ignored);
  g_test_add_func ("/oauth/callback/port-in-use", test_callback_port_in_use);
  g_test_add_func ("/oauth/callback/port-freed", test_callback_port_freed);
  g_test_add_func ("/oauth/callback/cancel", test_callback_cancel);
  g_test_add_func ("/oauth/post/form", test_post_form);
  g_test_add_func ("/oauth/post/json", test_post_json);
  g_test_add_func ("/oauth/post/refused", test_post_refused);
  g_test_add_func ("/oauth/post/unreachable", test_post_unreachable);
  g_test_add_func ("/oauth/post/cancel", test_post_cancel);
  g_test_add_func ("/oauth/device/success", test_device_success);
  g_test_add_func ("/oauth/device/slow-down", test_device_slow_down);
  g_test_add_func ("/oauth/device/expired", test_device_expired);
  g_test_add_func ("/oauth/device/denied", test_device_denied);
  g_test_add_func ("/oauth/device/codex-403", test_device_codex);
  g_test_add_func ("/oauth/device/timeout", test_device_timeout);
  g_test_add_func ("/oauth/device/unreachable", test_device_unreachable);
  g_test_add_func ("/oauth/device/cancel", test_device_cancel);
  g_test_add_func ("/oauth/device/seconds", test_device_seconds);

  {
    int ret = g_test_run ();

    g_ptr_array_unref (logged);
    return ret;
  }
}
