/* test-app.c: the desktop app as a person starts it
 *
 * The real SyApplication, run in tests/headless-session.sh over a core
 * with a fake upstream: the first activation starts the proxy, the tray's
 * actions (app.login, app.accounts, …) open their windows, a second
 * launch (another "activate") shows the accounts, Quit closes everything.
 * A picture of each window goes to $SHOT_DIR (app-NAME.png).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "app-test-util.h"
#include "fake-upstream.h"
#include "sy-application.h"
#include "sy-login-window.h"

typedef struct
{
  AppTestService  t;
  FakeUpstream   *upstream;
  SyApplication  *app;
  guint           n_opened_uris;
  gboolean        done;
} Fixture;

static gboolean
on_open_uri (SyLoginWindow *window,
             const char    *uri,
             gpointer       user_data)
{
  Fixture *f = user_data;

  f->n_opened_uris++;
  return TRUE;     /* no browser in a test */
}

static gboolean
is_listening (gpointer data)
{
  return sy_service_get_state (SY_SERVICE (data)) == SY_SERVICE_STATE_RUNNING
         && sy_service_get_listening (SY_SERVICE (data));
}

static gboolean
logins_loaded (gpointer data)
{
  return sy_service_get_logins (SY_SERVICE (data)) != NULL;
}

static gboolean
is_visible (gpointer data)
{
  return gtk_widget_get_visible (GTK_WIDGET (data)) && gtk_widget_get_mapped (GTK_WIDGET (data));
}

/* The application's window of @type_name, if it has one. */
static GtkWindow *
window_of_type (SyApplication *app,
                const char    *type_name)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (g_strcmp0 (G_OBJECT_TYPE_NAME (l->data), type_name) == 0)
      return l->data;
  return NULL;
}

static GtkWindow *
check_opened (Fixture    *f,
              const char *action,
              const char *type_name)
{
  GtkWindow *window;
  g_autofree char *shot_name = g_strdup_printf ("app-%s.png", action);
  g_autofree char *shot = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (f->app), action, NULL);
  window = window_of_type (f->app, type_name);
  g_assert_nonnull (window);
  g_assert_true (app_test_spin_until (is_visible, window, 5000));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  app_test_spin_for (200);
  /* Its own title, from its template. */
  g_assert_true (gtk_window_get_title (window) != NULL
                 || gtk_window_get_titlebar (window) != NULL);
  shot = app_test_screenshot (GTK_WIDGET (window), shot_name);
  return window;
}

static gboolean
drive (gpointer user_data)
{
  Fixture *f = user_data;
  GtkWindow *login;
  GtkWindow *accounts;
  g_autofree char *body = NULL;
  g_autofree char *dump = NULL;
  const char *request = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  /* The first activation started the proxy and is loading the logins. */
  g_assert_true (app_test_spin_until (is_listening, f->t.service, 5000));
  g_assert_true (app_test_spin_until (logins_loaded, f->t.service, 10000));
  g_assert_cmpuint (app_test_request (&f->t, "POST", "/v1/chat/completions", request, &body), ==, 200);
  /* No window yet: the app is its tray. */
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (f->app)));

  /* Log in ▸ Claude: the login window, signing in to Claude. The window
   * is made once; no browser, a free callback port. */
  login = sy_application_present_window (f->app, "login");
  g_assert_nonnull (login);
  g_signal_connect (login, "open-uri", G_CALLBACK (on_open_uri), f);
  g_object_set (login, "callback-port", G_MAXUINT16 + 1, NULL);
  gtk_widget_hide (GTK_WIDGET (login));
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "login", g_variant_new_string ("claude"));
  g_assert_true (app_test_spin_until (is_visible, login, 5000));
  g_assert_true (window_of_type (f->app, "SyLoginWindow") == login);
  g_assert_cmpstr (sy_login_window_get_provider (SY_LOGIN_WINDOW (login)), ==, "claude");
  dump = app_test_dump (GTK_WIDGET (login));
  g_assert_nonnull (app_test_find (GTK_WIDGET (login), GTK_TYPE_LABEL, "*Claude*"));

  /* Each of the tray's windows. */
  accounts = check_opened (f, "accounts", "SyAccountsWindow");
  g_assert_nonnull (app_test_find (GTK_WIDGET (accounts), GTK_TYPE_LABEL, "fake #1"));
  check_opened (f, "mappings", "SyMappingsWindow");
  check_opened (f, "usage", "SyUsageWindow");
  check_opened (f, "settings", "SySettingsWindow");
  check_opened (f, "logs", "SyLogsWindow");
  /* One of each: asking again presents the same window. */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "accounts", NULL);
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (f->app))), ==, 6);

  /* Closing hides; a second `switchyard` (another activate) shows the
   * accounts again, and the proxy keeps serving. */
  gtk_window_close (accounts);
  app_test_spin_for (100);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (accounts)));
  g_application_activate (G_APPLICATION (f->app));
  g_assert_true (app_test_spin_until (is_visible, accounts, 5000));
  g_assert_cmpuint (app_test_request (&f->t, "POST", "/v1/chat/completions", request, NULL), ==, 200);

  f->done = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
test_app (void)
{
  Fixture f = { 0 };
  g_autofree char *yaml = NULL;
  int status;

  f.upstream = fake_upstream_new ();
  yaml = g_strdup_printf ("host: 127.0.0.1\nport: 0\n"
                          "openai-compatibility:\n"
                          "  - name: Fake\n"
                          "    base-url: %s/v1\n"
                          "    api-key-entries:\n"
                          "      - api-key: sk-test\n"
                          "    models:\n"
                          "      - name: echo\n"
                          "endpoints:\n"
                          "  claude: {auth: \"http://127.0.0.1:1\", api: \"http://127.0.0.1:1\"}\n",
                          fake_upstream_get_url (f.upstream));
  app_test_service_init (&f.t, yaml);
  /* The application starts it, as `switchyard` does. */
  sy_service_stop (f.t.service);

  f.app = sy_application_new (f.t.service);
  g_idle_add (drive, &f);
  status = g_application_run (G_APPLICATION (f.app), 0, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (f.done);
  /* Quit closed the windows and stopped the proxy. */
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (f.app)));
  g_assert_cmpint (sy_service_get_state (f.t.service), ==, SY_SERVICE_STATE_STOPPED);
  g_assert_cmpuint (f.n_opened_uris, ==, 0);

  g_clear_object (&f.app);
  app_test_service_clear (&f.t);
  fake_upstream_free (f.upstream);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/windows", test_app);
  return g_test_run ();
}
