/* test-win-login.c: the login window, signing in against fake sign-in services
 *
 * A fake auth.openai.com (authorize page and token endpoint) and a fake
 * auth.x.ai (device code and token endpoints) run on the fake upstream;
 * the config's endpoints: point the service at them. A SoupSession plays
 * the browser; the window's "open-uri" signal is taken over so no real
 * browser starts. Each test begins with no terms notice seen.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "app-test-util.h"
#include "fake-upstream.h"
#include "login-test-util.h"
#include "sy-account-state.h"
#include "sy-login-window.h"
#include "sy-service-logins.h"

#define CODEX_CLIENT   "app_EMoamEEZ73f0CkXaXp7hrann"
#define XAI_CODE       "WDJB-MJHT"
#define XAI_DEVICE     "device-code-xai-1"
#define CODEX_USER_CODE "QWER-7531"
#define CODEX_DEVICE_CODE "ac_device-code-42"

typedef struct
{
  AppTestService  t;
  FakeUpstream   *upstream;
  SoupSession    *browser;
  GtkWidget      *window;
  GPtrArray      *opened;          /* every URI the window asked to open */

  /* the fake services */
  char           *issued_code;
  gboolean        refuse_code;     /* the token endpoint refuses the exchange */
  gboolean        approved;        /* xAI: the device code was confirmed */
  guint           n_token_calls;
  guint           n_polls;
} Fixture;

/* ------------------------------------------------------ the fake services */

/* GET /oauth/authorize: the "user" consents at once and is sent back. */
static void
on_authorize (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Fixture *f = user_data;
  const char *redirect = query ? g_hash_table_lookup (query, "redirect_uri") : NULL;
  g_autofree char *location = NULL;

  g_assert_nonnull (redirect);
  g_assert_cmpstr (g_hash_table_lookup (query, "client_id"), ==, CODEX_CLIENT);
  g_free (f->issued_code);
  f->issued_code = g_strdup_printf ("ac_code-%u", g_random_int ());
  location = g_strdup_printf ("%s?code=%s&scope=openid&state=%s", redirect, f->issued_code,
                              (const char *) g_hash_table_lookup (query, "state"));
  soup_server_message_set_redirect (msg, 302, location);
}

/* POST /oauth/token: the code exchange. */
static void
on_token (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(GHashTable) form = request_form (msg);
  g_autofree char *id = unsigned_jwt ("{\"email\":\"me@example.com\",\"https://api.openai.com/auth\":"
                                      "{\"chatgpt_account_id\":\"acct-1\",\"chatgpt_plan_type\":\"plus\"}}",
                                      "c2ln");
  g_autofree char *body = NULL;

  f->n_token_calls++;
  g_assert_cmpstr (g_hash_table_lookup (form, "grant_type"), ==, "authorization_code");
  if (g_strcmp0 (g_hash_table_lookup (form, "code"), CODEX_DEVICE_CODE) != 0)
    g_assert_cmpstr (g_hash_table_lookup (form, "code"), ==, f->issued_code);
  if (f->refuse_code)
    {
      answer_json (msg, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"The code has expired\"}");
      return;
    }
  body = g_strdup_printf ("{\"id_token\":\"%s\",\"access_token\":\"at-win-login-1\","
                          "\"refresh_token\":\"rt-win-login-1\",\"expires_in\":864000}", id);
  answer_json (msg, 200, body);
}

/* POST /oauth2/device/code (xAI): a code to confirm, polled every 20 ms. */
static void
on_device_code (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  Fixture *f = user_data;
  g_autofree char *body = g_strdup_printf ("{\"device_code\":\"" XAI_DEVICE "\",\"user_code\":\"" XAI_CODE "\","
                                           "\"verification_uri\":\"%s/device\",\"interval\":\"0.02\","
                                           "\"expires_in\":600}", fake_upstream_get_url (f->upstream));

  answer_json (msg, 200, body);
}

/* POST /oauth2/token (xAI): pending until the test approves. */
static void
on_device_token (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(GHashTable) form = request_form (msg);
  g_autofree char *id = NULL;
  g_autofree char *body = NULL;

  f->n_polls++;
  g_assert_cmpstr (g_hash_table_lookup (form, "device_code"), ==, XAI_DEVICE);
  if (!f->approved)
    {
      answer_json (msg, 400, "{\"error\":\"authorization_pending\"}");
      return;
    }
  id = unsigned_jwt ("{\"email\":\"grok@example.com\",\"sub\":\"xai-user-7\"}", "c2ln");
  body = g_strdup_printf ("{\"id_token\":\"%s\",\"access_token\":\"at-win-xai-1\","
                          "\"refresh_token\":\"rt-win-xai-1\",\"expires_in\":3600}", id);
  answer_json (msg, 200, body);
}

/* POST /api/accounts/deviceauth/usercode (Codex, JSON). */
static void
on_codex_usercode (SoupServer        *server,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  g_autoptr(JsonObject) o = request_json (msg);

  g_assert_cmpstr (json_object_get_string_member (o, "client_id"), ==, CODEX_CLIENT);
  answer_json (msg, 200, "{\"device_auth_id\":\"devauth-1\",\"user_code\":\"" CODEX_USER_CODE "\","
                         "\"interval\":\"0.02\",\"expires_at\":\"2099-01-01T00:00:00Z\"}");
}

/* POST /api/accounts/deviceauth/token (Codex, JSON): pending, then approved. */
static void
on_codex_device_token (SoupServer        *server,
                       SoupServerMessage *msg,
                       const char        *path,
                       GHashTable        *query,
                       gpointer           user_data)
{
  Fixture *f = user_data;

  f->n_polls++;
  if (!f->approved)
    answer_json (msg, 403, "{\"error\":{\"message\":\"Device authorization is pending\"}}");
  else
    answer_json (msg, 200, "{\"authorization_code\":\"" CODEX_DEVICE_CODE "\",\"code_challenge\":\"x\","
                           "\"code_verifier\":\"device-verifier-1\"}");
}

/* ---------------------------------------------------------------- fixture */

static gboolean
on_open_uri (SyLoginWindow *window,
             const char    *uri,
             gpointer       user_data)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->opened, g_strdup (uri));
  return TRUE;
}

static void
forget_notices (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_state_dir (), "switchyard", "notices", NULL);

  if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    remove_tree (dir);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *yaml = NULL;
  const char *url;

  f->upstream = fake_upstream_new ();
  fake_upstream_add_handler (f->upstream, "/oauth/authorize", on_authorize, f);
  fake_upstream_add_handler (f->upstream, "/oauth/token", on_token, f);
  fake_upstream_add_handler (f->upstream, "/oauth2/device/code", on_device_code, f);
  fake_upstream_add_handler (f->upstream, "/oauth2/token", on_device_token, f);
  fake_upstream_add_handler (f->upstream, "/api/accounts/deviceauth/usercode", on_codex_usercode, f);
  fake_upstream_add_handler (f->upstream, "/api/accounts/deviceauth/token", on_codex_device_token, f);
  url = fake_upstream_get_url (f->upstream);
  yaml = g_strdup_printf ("host: 127.0.0.1\n"
                          "port: 0\n"
                          "token-store: file\n"
                          "endpoints:\n"
                          "  codex: {auth: \"%s\", api: \"%s\"}\n"
                          "  xai: {auth: \"%s\", api: \"%s\"}\n",
                          url, url, url, url);
  app_test_service_init (&f->t, yaml);
  app_test_load_logins (&f->t);
  f->browser = soup_session_new_with_options ("timeout", 30, NULL);
  f->opened = g_ptr_array_new_with_free_func (g_free);
  forget_notices ();
  g_string_truncate (all_logs, 0);

  f->window = sy_login_window_new (f->t.service);
  g_object_set (f->window, "callback-port", G_MAXUINT16 + 1, NULL);
  g_signal_connect (f->window, "open-uri", G_CALLBACK (on_open_uri), f);
  app_test_show (f->window);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_widget_destroy (f->window);
  app_test_spin_for (50);
  /* No token or code of the sign-ins in any log line. */
  g_assert_null (strstr (all_logs->str, "at-win-"));
  g_assert_null (strstr (all_logs->str, "rt-win-"));
  g_assert_null (strstr (all_logs->str, "ac_code-"));
  g_clear_object (&f->browser);
  app_test_service_clear (&f->t);
  g_clear_pointer (&f->upstream, fake_upstream_free);
  g_ptr_array_unref (f->opened);
  g_free (f->issued_code);
}

/* ---------------------------------------------------------------- helpers */

static const char *
page (Fixture *f)
{
  return gtk_stack_get_visible_child_name (GTK_STACK (app_test_find_named (f->window, "stack")));
}

static GtkWidget *
named (Fixture    *f,
       const char *name)
{
  GtkWidget *widget = app_test_find_named (f->window, name);

  if (widget == NULL)
    {
      g_autofree char *dump = app_test_dump (f->window);

      g_error ("no widget %s in:\n%s", name, dump);
    }
  return widget;
}

static const char *
label_text (Fixture    *f,
            const char *name)
{
  return gtk_label_get_text (GTK_LABEL (named (f, name)));
}

typedef struct
{
  Fixture    *f;
  const char *page;
} PageWait;

static gboolean
on_page (gpointer data)
{
  PageWait *w = data;

  return g_strcmp0 (page (w->f), w->page) == 0;
}

static void
wait_for_page (Fixture    *f,
               const char *name)
{
  PageWait w = { f, name };

  if (!app_test_spin_until (on_page, &w, 10000))
    {
      g_autofree char *dump = app_test_dump (f->window);

      g_error ("still on page %s, not %s:\n%s", page (f), name, dump);
    }
}

static void
click (Fixture    *f,
       const char *name)
{
  GtkWidget *button = named (f, name);

  g_assert_true (gtk_widget_is_visible (button));
  gtk_button_clicked (GTK_BUTTON (button));
}

static char *
clipboard_text (Fixture *f)
{
  return gtk_clipboard_wait_for_text (gtk_widget_get_clipboard (f->window, GDK_SELECTION_CLIPBOARD));
}

static void
on_browsed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GBytes **body = user_data;
  g_autoptr(GError) error = NULL;

  *body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
}

/* A screenshot of the window as it is now, once the page switched to is
 * drawn. */
static void
shoot (Fixture    *f,
       const char *name)
{
  app_test_spin_for (50);
  g_free (app_test_screenshot (f->window, name));
}

static gboolean
is_visible (gpointer data)
{
  return gtk_widget_get_visible (data);
}

static gboolean
polled_twice (gpointer data)
{
  return ((Fixture *) data)->n_polls >= 2;
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

/* The browser at the sign-in page: with @follow, it goes on to the local
 * callback; without, the redirect address comes back (what a person on
 * another machine would copy from the address bar). */
static char *
browse (Fixture    *f,
        const char *url,
        gboolean    follow)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;

  if (!follow)
    soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_session_send_and_read_async (f->browser, msg, G_PRIORITY_DEFAULT, NULL, on_browsed, &body);
  g_assert_true (app_test_spin_until (is_set, &body, 10000));
  if (!follow)
    {
      g_assert_cmpuint (soup_message_get_status (msg), ==, 302);
      return g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location"));
    }
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static SyAccountState *
find_account (Fixture    *f,
              const char *provider)
{
  GListModel *accounts = sy_service_get_accounts (f->t.service);

  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(SyAccountState) state = g_list_model_get_item (accounts, i);

      if (g_strcmp0 (sy_account_state_get_provider (state), provider) == 0)
        return state;
    }
  return NULL;
}

/* Starts Codex past its terms notice, at the progress page. */
static const char *
start_codex (Fixture *f)
{
  g_autofree char *authorize = g_strconcat (fake_upstream_get_url (f->upstream), "/oauth/authorize?", NULL);
  const char *url;

  sy_login_window_start (SY_LOGIN_WINDOW (f->window), "codex");
  if (g_strcmp0 (page (f), "terms") == 0)
    click (f, "terms_continue");
  g_assert_cmpstr (page (f), ==, "progress");
  url = label_text (f, "url_label");
  g_assert_true (g_str_has_prefix (url, authorize));
  return url;
}

/* ------------------------------------------------------------------ tests */

/* The list: every provider one can sign in to, the ended ones said so. */
static void
test_chooser (Fixture       *f,
              gconstpointer  data)
{
  const char * const *providers = sy_login_providers ();
  GtkWidget *qwen;

  g_assert_cmpstr (page (f), ==, "chooser");
  g_assert_null (sy_login_window_get_provider (SY_LOGIN_WINDOW (f->window)));
  for (guint i = 0; providers[i] != NULL; i++)
    {
      g_autofree char *name = g_strconcat ("provider-", providers[i], NULL);
      GtkWidget *row = named (f, name);

      g_assert_nonnull (app_test_find (row, GTK_TYPE_LABEL, sy_login_provider_title (providers[i])));
      g_assert_null (app_test_find (row, GTK_TYPE_LABEL, "*ended*"));
    }
  g_assert_nonnull (app_test_find (named (f, "provider-codex"), GTK_TYPE_LABEL, "In your browser"));
  g_assert_nonnull (app_test_find (named (f, "provider-xai"), GTK_TYPE_LABEL, "Confirm a code*"));
  qwen = named (f, "provider-qwen");
  g_assert_nonnull (app_test_find (qwen, GTK_TYPE_LABEL, "Sign-in ended in April 2026*"));
  g_assert_nonnull (named (f, "provider-iflow"));
  shoot (f, "login-window.png");

  /* An ended one: no sign-in, no terms, the config lines instead. */
  g_signal_emit_by_name (named (f, "provider_list"), "row-activated", qwen);
  g_assert_cmpstr (page (f), ==, "result");
  g_assert_true (g_str_has_prefix (label_text (f, "result_title"), "Qwen ended its sign-in"));
  g_assert_nonnull (strstr (label_text (f, "result_detail"), f->t.config_path));
  g_assert_true (gtk_widget_is_visible (named (f, "preset_frame")));
  g_assert_nonnull (strstr (label_text (f, "preset_label"), "dashscope"));
  shoot (f, "login-ended.png");
  g_assert_false (gtk_widget_get_visible (named (f, "retry_button")));
  g_assert_false (sy_login_terms_seen ("qwen"));
  click (f, "another_button");
  g_assert_cmpstr (page (f), ==, "chooser");
}

/* Browser flow, finished by pasting the address the browser ended on. */
static void
test_paste_redirect (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *url = NULL;
  g_autofree char *copied = NULL;
  g_autofree char *redirect = NULL;
  SyAccountState *account;

  g_assert_null (find_account (f, "codex"));
  url = g_strdup (start_codex (f));
  g_assert_cmpstr (sy_login_window_get_provider (SY_LOGIN_WINDOW (f->window)), ==, "codex");
  /* Progress: the spinner turns, the browser was opened once, the paste
   * fallback names the local port. */
  g_assert_true (gtk_widget_get_visible (named (f, "spinner")));
  g_assert_cmpstr (label_text (f, "status_label"), ==, "Waiting for the browser…");
  g_assert_cmpuint (f->opened->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->opened, 0), ==, url);
  g_assert_true (gtk_widget_get_visible (named (f, "paste_box")));
  g_assert_false (gtk_widget_get_visible (named (f, "code_box")));
  g_assert_nonnull (strstr (label_text (f, "paste_hint"), "http://localhost:"));
  shoot (f, "login-progress.png");

  /* Open Browser asks again; Copy Link puts the address on the clipboard. */
  click (f, "open_button");
  g_assert_cmpuint (f->opened->len, ==, 2);
  click (f, "copy_link_button");
  copied = clipboard_text (f);
  g_assert_cmpstr (copied, ==, url);

  /* Something else pasted: said, and the sign-in still waits. */
  gtk_entry_set_text (GTK_ENTRY (named (f, "paste_entry")), "not an address");
  click (f, "paste_button");
  g_assert_true (gtk_widget_get_visible (named (f, "paste_error")));
  g_assert_true (g_str_has_prefix (label_text (f, "paste_error"), "That is not the address"));
  g_assert_cmpstr (page (f), ==, "progress");

  redirect = browse (f, url, FALSE);
  g_assert_true (g_str_has_prefix (redirect, "http://localhost:"));
  gtk_entry_set_text (GTK_ENTRY (named (f, "paste_entry")), redirect);
  g_signal_emit_by_name (named (f, "paste_entry"), "activate");
  g_assert_false (gtk_widget_get_visible (named (f, "paste_error")));
  wait_for_page (f, "result");
  g_assert_cmpstr (label_text (f, "result_title"), ==, "Signed in as me@example.com");
  shoot (f, "login-done.png");
  g_assert_true (gtk_widget_get_visible (named (f, "done_button")));
  g_assert_false (gtk_widget_get_visible (named (f, "retry_button")));
  g_assert_cmpuint (f->n_token_calls, ==, 1);

  /* The account serves from now on. */
  account = find_account (f, "codex");
  g_assert_nonnull (account);
  g_assert_cmpstr (sy_account_state_get_label (account), ==, "me@example.com");
  g_assert_cmpuint (sy_logins_get_all (SY_LOGINS (sy_service_get_logins (f->t.service)))->len, ==, 1);
}

/* Browser flow, finished by the browser reaching the local callback. */
static void
test_callback (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *url = g_strdup (start_codex (f));
  g_autofree char *landing = NULL;

  landing = browse (f, url, TRUE);
  g_assert_nonnull (strstr (landing, "Signed in"));
  wait_for_page (f, "result");
  g_assert_cmpstr (label_text (f, "result_title"), ==, "Signed in as me@example.com");
  g_assert_nonnull (find_account (f, "codex"));
  /* Another sign-in from the result page. */
  click (f, "another_button");
  g_assert_cmpstr (page (f), ==, "chooser");
}

/* The token endpoint refuses: plain words, the service's reason, retry. */
static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *url = g_strdup (start_codex (f));
  g_autofree char *redirect = NULL;

  f->refuse_code = TRUE;
  redirect = browse (f, url, FALSE);
  gtk_entry_set_text (GTK_ENTRY (named (f, "paste_entry")), redirect);
  click (f, "paste_button");
  wait_for_page (f, "result");
  g_assert_cmpstr (label_text (f, "result_title"), ==, "ChatGPT (Codex) did not accept the sign-in.");
  shoot (f, "login-error.png");
  g_assert_nonnull (strstr (label_text (f, "result_detail"), "The code has expired"));
  g_assert_true (gtk_widget_get_visible (named (f, "retry_button")));
  g_assert_false (gtk_widget_get_visible (named (f, "done_button")));
  g_assert_null (find_account (f, "codex"));

  /* Try Again: a new sign-in (no notice the second time), this one taken. */
  f->refuse_code = FALSE;
  click (f, "retry_button");
  g_assert_cmpstr (page (f), ==, "progress");
  g_free (url);
  url = g_strdup (label_text (f, "url_label"));
  g_free (redirect);
  redirect = browse (f, url, TRUE);
  wait_for_page (f, "result");
  g_assert_cmpstr (label_text (f, "result_title"), ==, "Signed in as me@example.com");
}

/* The terms notice: before the first sign-in of each provider, once. */
static void
test_terms_once (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *path = g_build_filename (g_get_user_state_dir (), "switchyard", "notices", "codex", NULL);

  g_assert_false (sy_login_terms_seen ("codex"));
  sy_login_window_start (SY_LOGIN_WINDOW (f->window), "codex");
  g_assert_cmpstr (page (f), ==, "terms");
  g_assert_cmpstr (label_text (f, "terms_title"), ==, "Your account, your risk");
  g_assert_true (g_str_has_prefix (label_text (f, "terms_label"), "Before you sign in to ChatGPT (Codex): "));
  g_assert_nonnull (strstr (label_text (f, "terms_label"), "terms of service"));
  /* Nothing started yet. */
  g_assert_cmpuint (f->opened->len, ==, 0);
  shoot (f, "login-terms.png");

  /* Cancel: back to the list, the notice still unseen. */
  click (f, "terms_cancel");
  g_assert_cmpstr (page (f), ==, "chooser");
  g_assert_false (sy_login_terms_seen ("codex"));

  sy_login_window_start (SY_LOGIN_WINDOW (f->window), "codex");
  g_assert_cmpstr (page (f), ==, "terms");
  click (f, "terms_continue");
  g_assert_cmpstr (page (f), ==, "progress");
  g_assert_true (sy_login_terms_seen ("codex"));
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (f->opened->len, ==, 1);

  /* Cancel the sign-in: the list again, and the flow is gone. */
  click (f, "cancel_button");
  g_assert_cmpstr (page (f), ==, "chooser");
  g_assert_null (sy_login_window_get_provider (SY_LOGIN_WINDOW (f->window)));
  app_test_spin_for (100);
  g_assert_cmpstr (page (f), ==, "chooser");

  /* "" is no provider: not the notices' directory, which exists now. */
  sy_login_terms_mark_seen ("");
  g_assert_false (sy_login_terms_seen (""));

  /* The second time: straight to the sign-in. Another provider: its own notice. */
  sy_login_window_start (SY_LOGIN_WINDOW (f->window), "codex");
  g_assert_cmpstr (page (f), ==, "progress");
  sy_login_window_start (SY_LOGIN_WINDOW (f->window), "claude");
  g_assert_cmpstr (page (f), ==, "terms");
  g_assert_true (g_str_has_prefix (label_text (f, "terms_label"), "Before you sign in to Claude (Pro / Max): "));
}

/* A login with no sign-in to start (an imported Vertex key, or a name
 * from outside): no terms to accept, the error at once, no notice marked. */
static void
test_no_sign_in (Fixture       *f,
                 gconstpointer  data)
{
  sy_login_window_start (SY_LOGIN_WINDOW (f->window), "vertex");
  g_assert_cmpstr (page (f), ==, "result");
  g_assert_true (gtk_widget_get_visible (named (f, "retry_button")));
  g_assert_false (sy_login_terms_seen ("vertex"));
  g_assert_cmpuint (f->opened->len, ==, 0);

  sy_login_window_start (SY_LOGIN_WINDOW (f->window), "nosuch");
  g_assert_cmpstr (page (f), ==, "result");
  g_assert_false (sy_login_terms_seen ("nosuch"));
}

/* A device flow: the code big, Copy puts it on the clipboard, approval ends it. */
static void
test_device (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *device_url = g_strconcat (fake_upstream_get_url (f->upstream), "/device", NULL);
  g_autofree char *copied = NULL;

  sy_login_terms_mark_seen ("xai");
  sy_login_window_start (SY_LOGIN_WINDOW (f->window), "xai");
  g_assert_cmpstr (page (f), ==, "progress");
  /* Until xAI answers: no address, no code. */
  g_assert_false (gtk_widget_get_visible (named (f, "url_frame")));
  g_assert_cmpuint (f->opened->len, ==, 0);
  g_assert_true (app_test_spin_until (is_visible, named (f, "code_box"), 10000));
  g_assert_cmpstr (label_text (f, "code_label"), ==, XAI_CODE);
  g_assert_cmpstr (label_text (f, "url_label"), ==, device_url);
  g_assert_cmpstr (label_text (f, "status_label"), ==, "Waiting for your approval…");
  /* No local callback: nothing to paste. */
  g_assert_false (gtk_widget_get_visible (named (f, "paste_box")));
  g_assert_cmpuint (f->opened->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->opened, 0), ==, device_url);
  shoot (f, "login-device.png");

  click (f, "copy_code_button");
  copied = clipboard_text (f);
  g_assert_cmpstr (copied, ==, XAI_CODE);

  /* Pending polls keep it waiting. */
  g_assert_true (app_test_spin_until (polled_twice, f, 10000));
  g_assert_cmpstr (page (f), ==, "progress");
  f->approved = TRUE;
  wait_for_page (f, "result");
  g_assert_cmpstr (label_text (f, "result_title"), ==, "Signed in as grok@example.com");
  g_assert_nonnull (find_account (f, "xai"));
}

/* Codex: a code on another device instead of this browser. */
static void
test_codex_device (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *device_url = g_strconcat (fake_upstream_get_url (f->upstream), "/codex/device", NULL);

  start_codex (f);
  g_assert_false (gtk_widget_get_visible (named (f, "code_box")));
  click (f, "device_button");
  g_assert_cmpstr (page (f), ==, "progress");
  g_assert_true (app_test_spin_until (is_visible, named (f, "code_box"), 10000));
  g_assert_cmpstr (label_text (f, "code_label"), ==, CODEX_USER_CODE);
  g_assert_cmpstr (label_text (f, "url_label"), ==, device_url);
  g_assert_false (gtk_widget_get_visible (named (f, "paste_box")));
  g_assert_false (gtk_widget_get_visible (named (f, "device_button")));
  /* The browser sign-in's page, then the device page. */
  g_assert_cmpuint (f->opened->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->opened, 1), ==, device_url);
  f->approved = TRUE;
  wait_for_page (f, "result");
  g_assert_cmpstr (label_text (f, "result_title"), ==, "Signed in as me@example.com");
  g_assert_nonnull (find_account (f, "codex"));
  /* The next sign-in is the browser's again. */
  start_codex (f);
  g_assert_true (gtk_widget_get_visible (named (f, "paste_box")));
}

/* Before the accounts are read, the window says so and starts nothing;
 * started again once they are, the sign-in runs. */
static void
test_loading (Fixture       *f,
              gconstpointer  data)
{
  AppTestService t;
  GtkWidget *window;
  GtkWidget *status;
  g_autofree char *yaml = g_strdup_printf ("host: 127.0.0.1\nport: 0\ntoken-store: file\n"
                                           "endpoints:\n  codex: {auth: \"%s\"}\n",
                                           fake_upstream_get_url (f->upstream));

  app_test_service_init (&t, yaml);
  window = sy_login_window_new (t.service);
  g_object_set (window, "callback-port", G_MAXUINT16 + 1, NULL);
  g_signal_connect (window, "open-uri", G_CALLBACK (on_open_uri), f);
  app_test_show (window);
  sy_login_terms_mark_seen ("codex");
  sy_login_window_start (SY_LOGIN_WINDOW (window), "codex");
  status = app_test_find_named (window, "status_label");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==, "Loading your accounts…");
  g_assert_false (gtk_widget_get_visible (app_test_find_named (window, "url_frame")));
  g_assert_cmpuint (f->opened->len, ==, 0);

  app_test_load_logins (&t);
  sy_login_window_start (SY_LOGIN_WINDOW (window), "codex");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==, "Waiting for the browser…");
  g_assert_true (gtk_widget_get_visible (app_test_find_named (window, "url_frame")));
  g_assert_cmpuint (f->opened->len, ==, 1);
  gtk_widget_destroy (window);
  app_test_spin_for (50);
  app_test_service_clear (&t);
}

/* A hand edit of config.yaml (another sign-in service) is what the next
 * sign-in from the open window uses. */
static void
test_config_edit (Fixture       *f,
                  gconstpointer  data)
{
  const char *url = fake_upstream_get_url (f->upstream);
  g_autofree char *yaml = g_strdup_printf ("host: 127.0.0.1\nport: 0\ntoken-store: file\n"
                                           "endpoints:\n  codex: {auth: \"%s/gateway\", api: \"%s\"}\n",
                                           url, url);
  g_autofree char *moved = g_strconcat (url, "/gateway/oauth/authorize?", NULL);

  start_codex (f);
  g_assert_false (g_str_has_prefix (label_text (f, "url_label"), moved));
  click (f, "cancel_button");
  app_test_rewrite_config (&f->t, yaml);
  sy_login_window_start (SY_LOGIN_WINDOW (f->window), "codex");
  g_assert_cmpstr (page (f), ==, "progress");
  g_assert_true (g_str_has_prefix (label_text (f, "url_label"), moved));
}

/* Gemini CLI asks for the Google Cloud project before the sign-in. */
static void
test_gemini_project (Fixture       *f,
                     gconstpointer  data)
{
  sy_login_window_start (SY_LOGIN_WINDOW (f->window), "gemini-cli");
  g_assert_cmpstr (page (f), ==, "terms");
  click (f, "terms_continue");
  g_assert_cmpstr (page (f), ==, "project");
  g_assert_true (gtk_widget_is_visible (named (f, "project_entry")));
  g_assert_cmpuint (f->opened->len, ==, 0);
  g_assert_nonnull (app_test_find (f->window, GTK_TYPE_LABEL, "Google Cloud project"));
  shoot (f, "login-project.png");
  /* Other providers go without. */
  sy_login_window_start (SY_LOGIN_WINDOW (f->window), "codex");
  g_assert_cmpstr (page (f), !=, "project");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *state = g_build_filename (g_get_home_dir (), ".local", "state", NULL);

  /* The session's own (throwaway) home: the notices marked seen here
   * must not meet other tests'. */
  g_setenv ("XDG_STATE_HOME", state, TRUE);
  all_logs = g_string_new (NULL);
  g_log_set_writer_func (record_log, NULL, NULL);
  gtk_test_init (&argc, &argv, NULL);
  /* Pages switch at once (no crossfade): screenshots show the page asked for. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

#define ADD(name, func) \
  g_test_add (name, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/win-login/chooser", test_chooser);
  ADD ("/win-login/paste-redirect", test_paste_redirect);
  ADD ("/win-login/callback", test_callback);
  ADD ("/win-login/refused", test_refused);
  ADD ("/win-login/terms-once", test_terms_once);
  ADD ("/win-login/no-sign-in", test_no_sign_in);
  ADD ("/win-login/device", test_device);
  ADD ("/win-login/codex-device", test_codex_device);
  ADD ("/win-login/loading", test_loading);
  ADD ("/win-login/config-edit", test_config_edit);
  ADD ("/win-login/gemini-project", test_gemini_project);

  return g_test_run ();
}
