/* test-win-settings.c: the Settings window on a live service
 *
 * Runs in tests/headless-session.sh (Xvfb, a private bus, no keyring). The
 * service is built from a config.yaml in a throwaway directory: the window
 * shows it, its edits land in that file and change what the proxy does
 * (a client key is accepted, then refused once revoked), refused edits
 * leave the file alone, and a hand edit shows in the open window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "app-test-util.h"
#include "sy-autostart.h"
#include "sy-integration.h"
#include "sy-service-logins.h"
#include "sy-settings-window.h"

#define UPSTREAM \
  "openai-compatibility:\n" \
  "  - name: Fake\n" \
  "    base-url: http://127.0.0.1:9/v1\n" \
  "    api-key-entries:\n" \
  "      - api-key: sk-upstream\n" \
  "    models:\n" \
  "      - name: echo\n"

#define CONFIG_OPEN \
  "# The proxy for the tests\n" \
  "host: 127.0.0.1\n" \
  "port: 0\n" \
  UPSTREAM

#define CONFIG_FULL \
  "host: 127.0.0.1\n" \
  "port: 0\n" \
  "api-keys:\n" \
  "  - sk-first-0123456789abcdef\n" \
  "  - sk-second-fedcba9876543210\n" \
  "routing:\n" \
  "  strategy: fill-first\n" \
  "token-store: file\n" \
  "desktop-notifications: false\n" \
  UPSTREAM

static const char claude_file[] =
  "{\"id_token\":\"\",\"access_token\":\"sk-ant-oat01-abc\",\"refresh_token\":\"sk-ant-ort01-def\","
  "\"last_refresh\":\"2026-04-14T10:00:00+08:00\",\"email\":\"me@example.com\","
  "\"type\":\"claude\",\"expired\":\"2036-04-14T18:00:00+08:00\"}";

typedef struct
{
  AppTestService  t;
  GtkWidget      *window;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  app_test_service_init (&f->t, data != NULL ? data : CONFIG_OPEN);
  f->window = sy_settings_window_new (f->t.service);
  g_object_ref_sink (f->window);
  app_test_show (f->window);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_widget_destroy (f->window);
  g_clear_object (&f->window);
  app_test_service_clear (&f->t);
}

static char *
config_text (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (f->t.config_path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static GtkWidget *
named (Fixture    *f,
       const char *name)
{
  GtkWidget *widget = app_test_find_named (f->window, name);

  if (widget == NULL)
    {
      g_autofree char *dump = app_test_dump (f->window);

      g_test_message ("%s", dump);
      g_error ("no widget named %s", name);
    }
  return widget;
}

static void
assert_shows (Fixture    *f,
              const char *pattern)
{
  if (app_test_find (f->window, GTK_TYPE_LABEL, pattern) == NULL)
    {
      g_autofree char *dump = app_test_dump (f->window);

      g_test_message ("%s", dump);
      g_error ("no label \"%s\" in the window", pattern);
    }
}

static gboolean
error_shown (Fixture *f)
{
  return gtk_info_bar_get_revealed (GTK_INFO_BAR (named (f, "error_bar")));
}

static gboolean
error_is_shown (gpointer data)
{
  return error_shown (data);
}

static const char *
error_text (Fixture *f)
{
  return gtk_label_get_text (GTK_LABEL (named (f, "error_label")));
}

static guint
n_rows (Fixture *f)
{
  g_autoptr(GList) rows = gtk_container_get_children (GTK_CONTAINER (named (f, "keys_list")));
  guint n = 0;

  for (GList *l = rows; l != NULL; l = l->next)
    n += GTK_IS_LIST_BOX_ROW (l->data);
  return n;
}

static guint
request_with_key (Fixture    *f,
                  const char *key)
{
  g_autofree char *auth = key != NULL ? g_strdup_printf ("Authorization: Bearer %s", key) : NULL;
  const char *headers[] = { auth, NULL };

  return app_test_request_with_headers (&f->t, "GET", "/v1/models", NULL, headers, NULL);
}

/* The config as it is shows in the window. */
static void
test_shows_config (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *url = sy_service_dup_url (f->t.service);
  g_autofree char *url_line = g_strdup_printf ("Clients connect to %s", url);

  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (named (f, "host_entry"))), ==, "127.0.0.1");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (named (f, "port_spin"))), ==, 0);
  /* The two fields say what they are to a screen reader. */
  g_assert_cmpstr (atk_object_get_name (gtk_widget_get_accessible (named (f, "host_entry"))), ==, "Host");
  g_assert_cmpstr (atk_object_get_name (gtk_widget_get_accessible (named (f, "port_spin"))), ==, "Port");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (named (f, "url_label"))), ==, url_line);
  g_assert_cmpstr (gtk_combo_box_get_active_id (GTK_COMBO_BOX (named (f, "strategy_combo"))), ==,
                   "fill-first");
  g_assert_cmpstr (gtk_combo_box_get_active_id (GTK_COMBO_BOX (named (f, "token_store_combo"))), ==,
                   "file");
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (named (f, "notifications_switch"))));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (named (f, "config_path_label"))), ==, f->t.config_path);
  /* Keys masked, both listed; a row each. */
  assert_shows (f, "sk-first-0…cdef");
  assert_shows (f, "sk-second-…3210");
  g_assert_null (app_test_find (f->window, GTK_TYPE_LABEL, "sk-first-0123456789abcdef"));
  g_assert_cmpuint (n_rows (f), ==, 2);
  g_assert_nonnull (app_test_find (f->window, GTK_TYPE_BUTTON, "Revoke key sk-first-0…cdef"));

  /* The token store: not open until the logins load, then the file. */
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (named (f, "token_status_label"))), ==, "Not loaded yet");
  app_test_load_logins (&f->t);
  app_test_spin_for (400);
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (named (f, "token_status_label"))),
                                   "In use: an encrypted file in "));
}

static void
test_mask (void)
{
  g_autofree char *generated = sy_settings_generate_api_key ();
  g_autofree char *again = sy_settings_generate_api_key ();
  struct { const char *key; const char *shown; } cases[] = {
    { "sk-sy-AbCdEfGhIjKlMnOpQrStUvWxYz012345", "sk-sy-AbCd…2345" },
    { "sk-0123456789abcdef0123", "sk-…" },     /* too short to show its end */
    { "sk-0123456789abcdef01234", "sk-0123456…1234" },
    { "abcdefgh", "abc…" },
    { "abcdefg", "•••" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = sy_settings_mask_api_key (cases[i].key);

      g_assert_cmpstr (shown, ==, cases[i].shown);
    }
  /* base64url, no padding, never the same twice. */
  g_assert_true (g_str_has_prefix (generated, "sk-sy-"));
  g_assert_cmpuint (strlen (generated), ==, 38);
  for (const char *p = generated + 6; *p != '\0'; p++)
    g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');
  g_assert_cmpstr (generated, !=, again);
}

static void
test_generate_and_revoke (Fixture       *f,
                          gconstpointer  data)
{
  SyConfig *config;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *masked = NULL;
  g_autofree char *revoke_name = NULL;
  g_autofree char *text = NULL;
  g_autofree char *clipboard = NULL;
  GtkWidget *dialog = NULL;
  GList *toplevels;

  /* No keys: an open proxy on loopback. */
  g_assert_cmpuint (request_with_key (f, NULL), ==, 200);
  assert_shows (f, "No keys yet*");
  g_assert_true (gtk_widget_is_drawable (app_test_find (f->window, GTK_TYPE_LABEL, "No keys yet*")));

  gtk_button_clicked (GTK_BUTTON (named (f, "generate_button")));
  g_assert_false (error_shown (f));
  config = sy_service_get_config (f->t.service);
  g_assert_nonnull (config->api_keys[0]);
  g_assert_null (config->api_keys[1]);
  first = g_strdup (config->api_keys[0]);
  g_assert_true (g_str_has_prefix (first, "sk-sy-"));
  g_assert_cmpuint (strlen (first), ==, 6 + 32);
  text = config_text (f);
  g_assert_nonnull (strstr (text, first));
  g_assert_nonnull (strstr (text, "# The proxy for the tests"));     /* comments kept */
  /* Shown whole once, and on the clipboard. */
  assert_shows (f, first);
  clipboard = gtk_clipboard_wait_for_text (gtk_clipboard_get (GDK_SELECTION_CLIPBOARD));
  g_assert_cmpstr (clipboard, ==, first);

  /* The proxy wants it now. */
  g_assert_cmpuint (request_with_key (f, NULL), ==, 401);
  g_assert_cmpuint (request_with_key (f, "sk-sy-wrong"), ==, 401);
  g_assert_cmpuint (request_with_key (f, first), ==, 200);

  gtk_button_clicked (GTK_BUTTON (named (f, "generate_button")));
  config = sy_service_get_config (f->t.service);
  g_assert_cmpstr (config->api_keys[0], ==, first);
  g_assert_nonnull (config->api_keys[1]);
  second = g_strdup (config->api_keys[1]);
  g_assert_cmpstr (second, !=, first);
  g_assert_cmpuint (request_with_key (f, second), ==, 200);
  /* The first is masked now that the second is the new one. */
  masked = sy_settings_mask_api_key (first);
  assert_shows (f, masked);

  /* Copy puts the whole key on the clipboard. */
  {
    g_autofree char *copy_name = g_strdup_printf ("Copy key %s", masked);
    g_autofree char *copied = NULL;

    gtk_button_clicked (GTK_BUTTON (app_test_find (f->window, GTK_TYPE_BUTTON, copy_name)));
    copied = gtk_clipboard_wait_for_text (gtk_clipboard_get (GDK_SELECTION_CLIPBOARD));
    g_assert_cmpstr (copied, ==, first);
  }

  /* Revoke asks first; Cancel keeps the key. */
  revoke_name = g_strdup_printf ("Revoke key %s", masked);
  for (int attempt = 0; attempt < 2; attempt++)
    {
      gtk_button_clicked (GTK_BUTTON (app_test_find (f->window, GTK_TYPE_BUTTON, revoke_name)));
      dialog = NULL;
      toplevels = gtk_window_list_toplevels ();
      for (GList *l = toplevels; l != NULL; l = l->next)
        if (GTK_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
          dialog = l->data;
      g_list_free (toplevels);
      g_assert_nonnull (dialog);
      g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (f->window));
      gtk_dialog_response (GTK_DIALOG (dialog), attempt == 0 ? GTK_RESPONSE_CANCEL : GTK_RESPONSE_ACCEPT);
      if (attempt == 0)
        {
          g_autofree char *unchanged = config_text (f);

          g_assert_nonnull (strstr (unchanged, first));
          g_assert_cmpuint (request_with_key (f, first), ==, 200);
        }
    }

  g_clear_pointer (&text, g_free);
  text = config_text (f);
  g_assert_null (strstr (text, first));
  g_assert_nonnull (strstr (text, second));
  g_assert_cmpuint (request_with_key (f, first), ==, 401);
  g_assert_cmpuint (request_with_key (f, second), ==, 200);
  g_assert_null (app_test_find (f->window, GTK_TYPE_BUTTON, revoke_name));
  g_assert_cmpuint (n_rows (f), ==, 1);
}

static void
test_strategy (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *text = NULL;

  g_assert_cmpstr (gtk_combo_box_get_active_id (GTK_COMBO_BOX (named (f, "strategy_combo"))), ==,
                   "round-robin");
  /* A port being typed (not applied) survives the reload of another edit. */
  gtk_entry_set_text (GTK_ENTRY (named (f, "port_spin")), "9999");
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (named (f, "strategy_combo")), "fill-first");
  g_assert_false (error_shown (f));
  g_assert_cmpstr (sy_service_get_config (f->t.service)->routing_strategy, ==, "fill-first");
  text = config_text (f);
  g_assert_nonnull (strstr (text, "routing:\n  strategy: fill-first\n"));
  g_assert_null (strstr (text, "9999"));
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (named (f, "port_spin"))), ==, "9999");
  g_assert_true (gtk_widget_get_sensitive (named (f, "apply_address_button")));
}

static void
set_address (Fixture    *f,
             const char *host,
             const char *port)
{
  gtk_entry_set_text (GTK_ENTRY (named (f, "host_entry")), host);
  gtk_entry_set_text (GTK_ENTRY (named (f, "port_spin")), port);
  g_assert_true (gtk_widget_get_sensitive (named (f, "apply_address_button")));
  gtk_button_clicked (GTK_BUTTON (named (f, "apply_address_button")));
}

static guint
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* Refused changes say why in the window and leave the file as it was; an
 * accepted one moves the listener. */
static void
test_address (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *before = config_text (f);
  g_autoptr(GSocket) taken = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) taken_address = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree char *taken_text = NULL;
  g_autofree char *port_text = NULL;
  g_autofree char *url = NULL;
  guint taken_port;
  guint port;

  /* The config decides the address from here (the harness's override
   * kept the test off 8317). */
  sy_service_set_listen_override (f->t.service, NULL, -1);

  /* All interfaces without a key. */
  set_address (f, "0.0.0.0", "0");
  g_assert_true (error_shown (f));
  g_assert_nonnull (strstr (error_text (f), "0.0.0.0"));
  g_assert_nonnull (strstr (error_text (f), "API key"));
  {
    g_autofree char *after = config_text (f);

    g_assert_cmpstr (after, ==, before);
  }
  g_assert_cmpstr (sy_service_get_config (f->t.service)->host, ==, "127.0.0.1");
  app_test_spin_for (300);     /* the bar slides in */
  g_free (app_test_screenshot (f->window, "settings-window-error.png"));
  gtk_info_bar_response (GTK_INFO_BAR (named (f, "error_bar")), GTK_RESPONSE_CLOSE);
  g_assert_false (error_shown (f));
  /* An empty host is every interface too. */
  set_address (f, "", "0");
  g_assert_true (error_shown (f));
  g_assert_nonnull (strstr (error_text (f), "all interfaces"));
  {
    g_autofree char *after = config_text (f);

    g_assert_cmpstr (after, ==, before);
  }
  gtk_info_bar_response (GTK_INFO_BAR (named (f, "error_bar")), GTK_RESPONSE_CLOSE);

  /* Out of range. */
  set_address (f, "127.0.0.1", "70000");
  g_assert_true (error_shown (f));
  g_assert_nonnull (strstr (error_text (f), "65535"));
  {
    g_autofree char *after = config_text (f);

    g_assert_cmpstr (after, ==, before);
  }

  /* Held by another program. */
  taken = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  taken_address = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_bind (taken, taken_address, TRUE, NULL));
  g_assert_true (g_socket_listen (taken, NULL));
  local = g_socket_get_local_address (taken, NULL);
  taken_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  taken_text = g_strdup_printf ("%u", taken_port);
  set_address (f, "127.0.0.1", taken_text);
  g_assert_true (error_shown (f));
  g_assert_nonnull (strstr (error_text (f), taken_text));
  g_assert_nonnull (strstr (error_text (f), "in use"));
  {
    g_autofree char *after = config_text (f);

    g_assert_cmpstr (after, ==, before);
  }
  g_assert_cmpuint (sy_service_get_port (f->t.service), !=, taken_port);

  /* A free port: written, the listener moves, the URL follows. */
  port = free_port ();
  port_text = g_strdup_printf ("%u", port);
  set_address (f, "127.0.0.1", port_text);
  g_assert_false (error_shown (f));
  g_assert_cmpint (sy_service_get_config (f->t.service)->port, ==, (int) port);
  g_assert_cmpuint (sy_service_get_port (f->t.service), ==, port);
  {
    g_autofree char *after = config_text (f);
    g_autofree char *line = g_strdup_printf ("\nport: %u\n", port);

    g_assert_nonnull (strstr (after, line));
    g_assert_nonnull (strstr (after, "# The proxy for the tests"));
  }
  url = g_strdup_printf ("Clients connect to http://127.0.0.1:%u", port);
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (named (f, "url_label"))), url));
  g_assert_cmpuint (request_with_key (f, NULL), ==, 200);
  g_assert_false (gtk_widget_get_sensitive (named (f, "apply_address_button")));
}

/* A new port the core can only find taken by trying: the edit fails and
 * config.yaml goes back to the config in force, so the next start or
 * reload does not pick up an address the service refused. */
static void
test_refused_edit_restores (Fixture       *f,
                            gconstpointer  data)
{
  static const char * const port_path[] = { "port", NULL };
  g_autofree char *before = config_text (f);
  g_autofree char *after = NULL;
  g_autoptr(GSocket) taken = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
  g_autoptr(GError) error = NULL;
  guint taken_port;

  sy_service_set_listen_override (f->t.service, NULL, -1);
  g_assert_true (sy_service_get_listening (f->t.service));
  g_assert_true (g_socket_bind (taken, any, TRUE, NULL));
  g_assert_true (g_socket_listen (taken, NULL));
  local = g_socket_get_local_address (taken, NULL);
  taken_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  json_node_set_int (node, taken_port);
  g_assert_false (sy_service_edit_config (f->t.service, port_path, node, &error));
  g_assert_nonnull (error);
  after = config_text (f);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpint (sy_service_get_config (f->t.service)->port, ==, 0);
  g_assert_true (sy_service_get_listening (f->t.service));
  g_assert_cmpuint (sy_service_get_port (f->t.service), !=, taken_port);
  g_assert_cmpuint (request_with_key (f, NULL), ==, 200);

  /* The file monitor sees the two writes; the config in force stays. */
  app_test_spin_for (500);
  g_assert_cmpint (sy_service_get_config (f->t.service)->port, ==, 0);
  g_assert_true (sy_service_get_listening (f->t.service));
  g_assert_cmpuint (sy_service_get_port (f->t.service), !=, taken_port);
  {
    g_autofree char *later = config_text (f);

    g_assert_cmpstr (later, ==, before);
  }
}

static void
test_autostart (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "autostart",
                                            "io.github.switchyard.Switchyard.desktop", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  GtkSwitch *sw = GTK_SWITCH (named (f, "autostart_switch"));

  /* The session's own XDG_CONFIG_HOME, never the user's. */
  g_assert_nonnull (g_getenv ("XDG_CONFIG_HOME"));
  g_assert_true (g_str_has_prefix (path, g_getenv ("XDG_CONFIG_HOME")));
  g_unlink (path);
  g_assert_false (sy_autostart_get_enabled ());

  gtk_switch_set_active (sw, TRUE);
  g_assert_false (error_shown (f));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_key_file_load_from_file (entry, path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  text = g_key_file_get_string (entry, "Desktop Entry", "Exec", &error);
  g_assert_cmpstr (text, ==, "switchyard");
  g_clear_pointer (&text, g_free);
  text = g_key_file_get_string (entry, "Desktop Entry", "Type", &error);
  g_assert_cmpstr (text, ==, "Application");
  {
    /* The same app as the installed desktop entry: its name, comment,
     * icon and command. */
    g_autofree char *installed_path = g_test_build_filename (G_TEST_DIST, "..", "data",
                                                              "io.github.switchyard.Switchyard.desktop.in",
                                                              NULL);
    g_autoptr(GKeyFile) installed = g_key_file_new ();
    static const char * const keys[] = { "Name", "Comment", "Icon", "Exec" };

    g_assert_true (g_key_file_load_from_file (installed, installed_path, G_KEY_FILE_NONE, &error));
    g_assert_no_error (error);
    for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
      {
        g_autofree char *ours = g_key_file_get_string (entry, "Desktop Entry", keys[i], &error);
        g_autofree char *theirs = NULL;

        g_assert_no_error (error);
        theirs = g_key_file_get_string (installed, "Desktop Entry", keys[i], &error);
        g_assert_no_error (error);
        g_assert_cmpstr (ours, ==, theirs);
      }
  }
  g_assert_true (g_key_file_get_boolean (entry, "Desktop Entry", "X-GNOME-Autostart-enabled", &error));
  g_assert_true (sy_autostart_get_enabled ());

  gtk_switch_set_active (sw, FALSE);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (sy_autostart_get_enabled ());

  /* Switched off inside the file (as a session's settings do): off here. */
  g_assert_true (sy_autostart_set_enabled (TRUE, &error));
  g_clear_pointer (&text, g_free);
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree char *off = g_strconcat (text, "Hidden=true\n", NULL);

    g_file_set_contents (path, off, -1, &error);
    g_assert_no_error (error);
  }
  g_assert_false (sy_autostart_get_enabled ());
  g_unlink (path);
}

static void
test_notifications (Fixture       *f,
                    gconstpointer  data)
{
  GtkSwitch *sw = GTK_SWITCH (named (f, "notifications_switch"));
  JsonNode *node;
  g_autofree char *text = NULL;

  /* Absent from the file: on. */
  g_assert_true (gtk_switch_get_active (sw));
  gtk_switch_set_active (sw, FALSE);
  text = config_text (f);
  g_assert_nonnull (strstr (text, "desktop-notifications: false"));
  node = sy_config_lookup (sy_service_get_config (f->t.service), "desktop-notifications");
  g_assert_nonnull (node);
  g_assert_false (json_node_get_boolean (node));

  gtk_switch_set_active (sw, TRUE);
  g_clear_pointer (&text, g_free);
  text = config_text (f);
  g_assert_nonnull (strstr (text, "desktop-notifications: true"));
  g_assert_null (strstr (text, "desktop-notifications: false"));
}

static gboolean
one_login (gpointer data)
{
  return sy_logins_get_all (SY_LOGINS (data))->len == 1;
}

static gboolean
import_finished (gpointer data)
{
  Fixture *f = data;
  const char *text = gtk_label_get_text (GTK_LABEL (named (f, "import_result_label")));

  return strstr (text, "imported") != NULL || strstr (text, "failed") != NULL;
}

static void
test_import (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (f->t.dir, "cpa-auths", NULL);
  g_autofree char *claude = g_build_filename (dir, "claude-me@example.com.json", NULL);
  g_autofree char *qwen = g_build_filename (dir, "qwen-me.json", NULL);
  g_autoptr(GError) error = NULL;
  GObject *logins;
  const char *details;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  g_file_set_contents (claude, claude_file, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (qwen, "{\"type\":\"qwen\",\"access_token\":\"q\",\"email\":\"me\"}", -1, &error);
  g_assert_no_error (error);

  /* Before the logins are there, the window says so. */
  sy_settings_window_import_folder (SY_SETTINGS_WINDOW (f->window), dir);
  assert_shows (f, "The accounts are still loading*");

  app_test_load_logins (&f->t);
  logins = sy_service_get_logins (f->t.service);
  g_assert_cmpuint (sy_logins_get_all (SY_LOGINS (logins))->len, ==, 0);
  sy_settings_window_import_folder (SY_SETTINGS_WINDOW (f->window), dir);
  g_assert_true (app_test_spin_until (import_finished, f, 10000));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (named (f, "import_result_label"))), ==,
                   "1 imported, 1 skipped");
  details = gtk_label_get_text (GTK_LABEL (named (f, "import_details_label")));
  g_assert_true (gtk_widget_get_visible (named (f, "import_details_label")));
  g_assert_true (g_str_has_prefix (details, "qwen-me.json — "));
  g_assert_nonnull (strstr (details, "discontinued"));
  g_assert_true (gtk_widget_get_sensitive (named (f, "import_button")));

  /* The account is there, and serves. */
  g_assert_cmpuint (sy_logins_get_all (SY_LOGINS (logins))->len, ==, 1);
  g_assert_cmpstr (sy_credential_get_email (g_ptr_array_index (sy_logins_get_all (SY_LOGINS (logins)), 0)),
                   ==, "me@example.com");
  g_assert_cmpuint (g_list_model_get_n_items (sy_service_get_accounts (f->t.service)), >=, 1);
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (named (f, "token_status_label"))),
                                   "In use: "));

  /* A generated key and a real port too, for the picture. */
  gtk_button_clicked (GTK_BUTTON (named (f, "generate_button")));
  sy_service_set_listen_override (f->t.service, NULL, -1);
  {
    g_autofree char *port = g_strdup_printf ("%u", free_port ());

    set_address (f, "127.0.0.1", port);
    g_assert_false (error_shown (f));
  }
  app_test_spin_for (100);
  g_free (app_test_screenshot (f->window, "settings-window.png"));
}

/* Closing the window while an import runs: the import finishes, the
 * window's widgets are left alone. */
static void
test_import_closed (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (f->t.dir, "cpa-auths", NULL);
  g_autofree char *claude = g_build_filename (dir, "claude-me@example.com.json", NULL);
  g_autoptr(GError) error = NULL;
  GObject *logins;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  g_file_set_contents (claude, claude_file, -1, &error);
  g_assert_no_error (error);
  app_test_load_logins (&f->t);
  logins = sy_service_get_logins (f->t.service);
  sy_settings_window_import_folder (SY_SETTINGS_WINDOW (f->window), dir);
  gtk_widget_destroy (f->window);
  g_assert_true (app_test_spin_until (one_login, logins, 10000));
}

static void
test_hand_edit (Fixture       *f,
                gconstpointer  data)
{
  app_test_rewrite_config (&f->t,
                           "host: 127.0.0.1\n"
                           "port: 0\n"
                           "api-keys: [sk-by-hand-0000111122223333]\n"
                           "routing: {strategy: ff}\n"
                           "token-store: keyring\n"
                           "desktop-notifications: false\n"
                           UPSTREAM);
  app_test_spin_for (50);
  g_assert_cmpstr (gtk_combo_box_get_active_id (GTK_COMBO_BOX (named (f, "strategy_combo"))), ==,
                   "fill-first");
  g_assert_cmpstr (gtk_combo_box_get_active_id (GTK_COMBO_BOX (named (f, "token_store_combo"))), ==,
                   "keyring");
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (named (f, "notifications_switch"))));
  assert_shows (f, "sk-by-hand…3333");
  g_assert_cmpuint (n_rows (f), ==, 1);
  g_assert_false (gtk_widget_is_drawable (app_test_find (f->window, GTK_TYPE_LABEL, "No keys yet*")));
  /* The harness's --port stand-in holds the listener where it is. */
  app_test_rewrite_config (&f->t, "port: 1\n" UPSTREAM);
  app_test_spin_for (50);
  g_assert_true (g_str_has_suffix (gtk_label_get_text (GTK_LABEL (named (f, "url_label"))),
                                   ", as the command line says"));
  app_test_rewrite_config (&f->t,
                           "host: 127.0.0.1\n"
                           "port: 0\n"
                           "api-keys: [sk-by-hand-0000111122223333]\n"
                           "routing: {strategy: ff}\n"
                           "token-store: keyring\n"
                           "desktop-notifications: false\n"
                           UPSTREAM);
  app_test_spin_for (50);
  g_assert_false (g_str_has_suffix (gtk_label_get_text (GTK_LABEL (named (f, "url_label"))),
                                    ", as the command line says"));

  /* The hand edit wrote nothing back. */
  {
    g_autofree char *text = config_text (f);

    g_assert_nonnull (strstr (text, "routing: {strategy: ff}"));
  }

  /* A broken edit: said in the window, the previous config stays. */
  g_test_expect_message ("sy-service", G_LOG_LEVEL_WARNING, "*previous config stays in force*");
  {
    g_autoptr(GError) error = NULL;

    g_file_set_contents (f->t.config_path, "routing: {strategy: sideways}\n" UPSTREAM, -1, &error);
    g_assert_no_error (error);
  }
  g_assert_true (app_test_spin_until (error_is_shown, f, 10000));
  g_test_assert_expected_messages ();
  g_assert_true (g_str_has_prefix (error_text (f), "The changes to config.yaml were not applied: "));
  g_assert_cmpstr (gtk_combo_box_get_active_id (GTK_COMBO_BOX (named (f, "strategy_combo"))), ==,
                   "fill-first");
  /* Fixed by hand: the error goes. */
  app_test_rewrite_config (&f->t, CONFIG_OPEN);
  app_test_spin_for (50);
  g_assert_false (error_shown (f));
  g_assert_cmpstr (gtk_combo_box_get_active_id (GTK_COMBO_BOX (named (f, "strategy_combo"))), ==,
                   "round-robin");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (named (f, "notifications_switch"))));
}

/* A file manager on the bus: ShowItems gets the config's URI. */
static void
file_manager_call (GDBusConnection       *connection,
                   const char            *sender,
                   const char            *path,
                   const char            *iface,
                   const char            *method,
                   GVariant              *params,
                   GDBusMethodInvocation *invocation,
                   gpointer               user_data)
{
  char **uri = user_data;
  g_autofree const char **uris = NULL;
  const char *startup = NULL;

  g_assert_cmpstr (method, ==, "ShowItems");
  g_variant_get (params, "(^a&s&s)", &uris, &startup);
  g_assert_nonnull (uris[0]);
  g_assert_null (uris[1]);
  *uri = g_strdup (uris[0]);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
is_set (gpointer data)
{
  return *(char **) data != NULL;
}

static void
test_reveal (Fixture       *f,
             gconstpointer  data)
{
  static const char xml[] =
    "<node><interface name='org.freedesktop.FileManager1'>"
    "<method name='ShowItems'><arg type='as' direction='in'/><arg type='s' direction='in'/></method>"
    "</interface></node>";
  static const GDBusInterfaceVTable vtable = { file_manager_call, NULL, NULL, { 0 } };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (xml, &error);
  g_autofree char *uri = NULL;
  g_autofree char *expected = g_filename_to_uri (f->t.config_path, NULL, NULL);
  guint object;
  guint owner;

  g_assert_no_error (error);
  object = g_dbus_connection_register_object (bus, "/org/freedesktop/FileManager1", info->interfaces[0],
                                              &vtable, &uri, NULL, &error);
  g_assert_no_error (error);
  owner = g_bus_own_name_on_connection (bus, "org.freedesktop.FileManager1", G_BUS_NAME_OWNER_FLAGS_NONE,
                                        NULL, NULL, NULL, NULL);
  app_test_spin_for (200);

  gtk_button_clicked (GTK_BUTTON (named (f, "reveal_config_button")));
  g_assert_true (app_test_spin_until (is_set, &uri, 5000));
  g_assert_cmpstr (uri, ==, expected);
  app_test_spin_for (50);
  g_assert_false (error_shown (f));

  g_bus_unown_name (owner);
  g_dbus_connection_unregister_object (bus, object);
}

/* ------------------------------------------------------------ coding tools */

static const char claude_settings[] =
  "{\n  \"theme\": \"dark\",\n  \"env\": {\n    \"MY_VAR\": \"kept\"\n  }\n}\n";

static char *
claude_path (void)
{
  return g_build_filename (g_get_home_dir (), ".claude", "settings.json", NULL);
}

/* The row of tool @id shows a status line matching @pattern. */
static void
assert_tool_status (Fixture    *f,
                    const char *id,
                    const char *pattern)
{
  GtkWidget *row = named (f, id);

  if (app_test_find (row, GTK_TYPE_LABEL, pattern) == NULL)
    {
      g_autofree char *dump = app_test_dump (row);

      g_test_message ("%s", dump);
      g_error ("the %s row does not say %s", id, pattern);
    }
}

static void
remove_claude (void)
{
  g_autofree char *path = claude_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *state = g_build_filename (g_get_user_state_dir (), "switchyard", "integrations",
                                             "claude-code", NULL);
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", state);

  g_unlink (path);
  g_rmdir (dir);
  g_assert_cmpint (system (command), ==, 0);
}

static void
test_tools (Fixture       *f,
            gconstpointer  data)
{
  const SyIntegration * const *tools = sy_integrations ();
  SySettingsWindow *win = SY_SETTINGS_WINDOW (f->window);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = claude_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *url = g_strdup_printf ("\"http://127.0.0.1:%u\"", sy_service_get_port (f->t.service));
  g_auto(GStrv) lines = NULL;
  gboolean found = FALSE;
  g_autofree char *diff = NULL;
  g_autofree char *after = NULL;
  g_autofree char *restored = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root, *env;
  GtkWidget *scroll;
  GtkAdjustment *adj;

  remove_claude ();
  /* Every tool has its row, none connected in a fresh home. */
  for (guint i = 0; tools[i] != NULL; i++)
    {
      assert_tool_status (f, tools[i]->id, "Not connected");
      g_assert_nonnull (app_test_find (named (f, tools[i]->id), GTK_TYPE_LABEL, tools[i]->title));
    }
  g_assert_false (gtk_widget_get_sensitive (app_test_find (named (f, "claude-code"), GTK_TYPE_BUTTON,
                                                           "Disconnect")));
  /* Below the list: what tools calling from their vendor's servers need. */
  {
    GtkWidget *note = named (f, "tools_remote_note");
    const char *text = gtk_label_get_text (GTK_LABEL (note));

    g_assert_true (gtk_widget_get_mapped (note));
    g_assert_nonnull (strstr (text, "Cursor"));
    g_assert_nonnull (strstr (text, "127.0.0.1"));
  }

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, claude_settings, -1, NULL));

  /* The preview names the service's own port and writes nothing. */
  diff = sy_settings_window_dup_preview (win, "claude-code", NULL, &error);
  g_assert_no_error (error);
  /* An added line sets the base URL to the port the proxy listens on. */
  lines = g_strsplit (diff, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] == '+' && strstr (lines[i], "\"ANTHROPIC_BASE_URL\"") != NULL
        && strstr (lines[i], url) != NULL)
      found = TRUE;
  if (!found)
    g_test_message ("%s", diff);
  g_assert_true (found);
  g_assert_nonnull (strstr (diff, "sk-first-0123456789abcdef"));
  {
    g_autofree char *now = NULL;

    g_assert_true (g_file_get_contents (path, &now, NULL, NULL));
    g_assert_cmpstr (now, ==, claude_settings);
  }

  /* Droid needs a model: without one the preview says so. */
  g_assert_null (sy_settings_window_dup_preview (win, "droid", NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* Connect: the user's keys stay, env points at the proxy. */
  g_assert_true (sy_settings_window_connect_tool (win, "claude-code", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_true (json_parser_load_from_data (parser, after, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "theme"), ==, "dark");
  env = json_object_get_object_member (root, "env");
  g_assert_cmpstr (json_object_get_string_member (env, "MY_VAR"), ==, "kept");
  {
    g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u", sy_service_get_port (f->t.service));

    g_assert_cmpstr (json_object_get_string_member (env, "ANTHROPIC_BASE_URL"), ==, base);
  }
  g_assert_cmpstr (json_object_get_string_member (env, "ANTHROPIC_AUTH_TOKEN"), ==,
                   "sk-first-0123456789abcdef");
  assert_tool_status (f, "claude-code", "Connected since *");
  assert_tool_status (f, "codex", "Not connected");
  g_assert_true (gtk_widget_get_sensitive (app_test_find (named (f, "claude-code"), GTK_TYPE_BUTTON,
                                                          "Disconnect")));
  /* Connected already: nothing more to write. */
  g_clear_pointer (&diff, g_free);
  diff = sy_settings_window_dup_preview (win, "claude-code", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (diff, ==, "");

  /* The section at the bottom of the window, for the eye. */
  scroll = app_test_find (f->window, GTK_TYPE_SCROLLED_WINDOW, NULL);
  adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroll));
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
  app_test_spin_for (200);
  g_free (app_test_screenshot (f->window, "settings-window-tools.png"));

  /* Disconnect puts the file back byte for byte. */
  g_assert_true (sy_settings_window_disconnect_tool (win, "claude-code", FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &restored, NULL, NULL));
  g_assert_cmpstr (restored, ==, claude_settings);
  assert_tool_status (f, "claude-code", "Not connected");

  /* A file edited after setup: a plain restore refuses, the forced one
   * puts the original back. */
  g_assert_true (sy_settings_window_connect_tool (win, "claude-code", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, "{\"edited\": true}\n", -1, NULL));
  assert_tool_status (f, "claude-code", "Connected since *");  /* rows as of the last action */
  g_assert_false (sy_settings_window_disconnect_tool (win, "claude-code", FALSE, &error));
  g_assert_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_CHANGED);
  g_clear_error (&error);
  assert_tool_status (f, "claude-code", "Connected — its files changed since");
  g_assert_true (sy_settings_window_disconnect_tool (win, "claude-code", TRUE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&restored, g_free);
  g_assert_true (g_file_get_contents (path, &restored, NULL, NULL));
  g_assert_cmpstr (restored, ==, claude_settings);
  assert_tool_status (f, "claude-code", "Not connected");
  remove_claude ();
}

/* The dialog of @type the window has open (transient for it), or NULL. */
static GtkWidget *
open_dialog (GType type)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();
  GtkWidget *dialog = NULL;

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_window_get_transient_for (l->data) != NULL)
      dialog = l->data;
  return dialog;
}

/* The buttons: Connect opens a dialog with the preview; its Connect
 * writes; Disconnect of a changed file asks first; errors go to the bar. */
static void
test_tools_dialogs (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *path = claude_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *restored = NULL;
  GtkWidget *dialog, *view;
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  remove_claude ();
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, claude_settings, -1, NULL));

  gtk_button_clicked (GTK_BUTTON (app_test_find (named (f, "claude-code"), GTK_TYPE_BUTTON, "Connect…")));
  app_test_spin_for (100);
  dialog = open_dialog (GTK_TYPE_DIALOG);
  g_assert_nonnull (dialog);
  view = app_test_find (dialog, GTK_TYPE_TEXT_VIEW, NULL);
  g_assert_true (gtk_text_view_get_monospace (GTK_TEXT_VIEW (view)));
  gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), &start, &end);
  text = gtk_text_buffer_get_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), &start, &end, FALSE);
  g_assert_nonnull (strstr (text, "ANTHROPIC_BASE_URL"));
  g_free (app_test_screenshot (dialog, "settings-window-tools-connect.png"));
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  app_test_spin_for (100);
  assert_tool_status (f, "claude-code", "Connected since *");
  g_assert_false (error_shown (f));

  /* Changed since: Disconnect asks; Restore Anyway restores. */
  g_assert_true (g_file_set_contents (path, "{}\n", -1, NULL));
  gtk_button_clicked (GTK_BUTTON (app_test_find (named (f, "claude-code"), GTK_TYPE_BUTTON, "Disconnect")));
  app_test_spin_for (100);
  dialog = open_dialog (GTK_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (dialog);
  g_assert_nonnull (app_test_find (dialog, GTK_TYPE_LABEL, "Its files changed since — restore anyway?"));
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  app_test_spin_for (100);
  g_assert_true (g_file_get_contents (path, &restored, NULL, NULL));
  g_assert_cmpstr (restored, ==, claude_settings);
  assert_tool_status (f, "claude-code", "Not connected");

  /* The file turns unreadable while the dialog is open: the window's
   * bar says so in words, nothing is written. */
  gtk_button_clicked (GTK_BUTTON (app_test_find (named (f, "claude-code"), GTK_TYPE_BUTTON, "Connect…")));
  app_test_spin_for (100);
  dialog = open_dialog (GTK_TYPE_DIALOG);
  g_assert_nonnull (dialog);
  g_assert_true (g_file_set_contents (path, "{ not json", -1, NULL));
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  app_test_spin_for (100);
  g_assert_true (error_shown (f));
  g_assert_nonnull (strstr (error_text (f), "Claude Code was not connected"));
  g_clear_pointer (&restored, g_free);
  g_assert_true (g_file_get_contents (path, &restored, NULL, NULL));
  g_assert_cmpstr (restored, ==, "{ not json");
  assert_tool_status (f, "claude-code", "Not connected");
  remove_claude ();

  /* Droid needs a model: Connect waits until one is typed. */
  gtk_button_clicked (GTK_BUTTON (app_test_find (named (f, "droid"), GTK_TYPE_BUTTON, "Connect…")));
  app_test_spin_for (100);
  dialog = open_dialog (GTK_TYPE_DIALOG);
  g_assert_nonnull (dialog);
  g_assert_false (gtk_widget_get_sensitive (gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog),
                                                                                GTK_RESPONSE_ACCEPT)));
  gtk_entry_set_text (GTK_ENTRY (app_test_find (dialog, GTK_TYPE_ENTRY, NULL)), "gpt-5");
  g_assert_true (gtk_widget_get_sensitive (gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog),
                                                                               GTK_RESPONSE_ACCEPT)));
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  app_test_spin_for (50);
  assert_tool_status (f, "droid", "Not connected");
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/settings/mask", test_mask);
  g_test_add ("/settings/shows-config", Fixture, CONFIG_FULL, fixture_setup, test_shows_config,
              fixture_teardown);
  g_test_add ("/settings/keys", Fixture, NULL, fixture_setup, test_generate_and_revoke, fixture_teardown);
  g_test_add ("/settings/strategy", Fixture, NULL, fixture_setup, test_strategy, fixture_teardown);
  g_test_add ("/settings/address", Fixture, NULL, fixture_setup, test_address, fixture_teardown);
  g_test_add ("/settings/refused-edit-restores", Fixture, NULL, fixture_setup, test_refused_edit_restores,
              fixture_teardown);
  g_test_add ("/settings/autostart", Fixture, NULL, fixture_setup, test_autostart, fixture_teardown);
  g_test_add ("/settings/notifications", Fixture, NULL, fixture_setup, test_notifications, fixture_teardown);
  g_test_add ("/settings/import", Fixture, NULL, fixture_setup, test_import, fixture_teardown);
  g_test_add ("/settings/import-closed", Fixture, NULL, fixture_setup, test_import_closed, fixture_teardown);
  g_test_add ("/settings/hand-edit", Fixture, NULL, fixture_setup, test_hand_edit, fixture_teardown);
  g_test_add ("/settings/reveal", Fixture, NULL, fixture_setup, test_reveal, fixture_teardown);

  g_test_add ("/settings/tools", Fixture, CONFIG_FULL, fixture_setup, test_tools, fixture_teardown);
  g_test_add ("/settings/tools-dialogs", Fixture, CONFIG_FULL, fixture_setup, test_tools_dialogs,
              fixture_teardown);

  return g_test_run ();
}
