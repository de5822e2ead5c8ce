/* test-tray-status.c: what the tray's icon and account lines say, without a display
 *
 * The status is computed from a service's live account states and
 * logins (sy_tray_menu_compute_status), and the menu (a SyTrayMenu, no
 * panel) follows it: attention per model (every account that serves one
 * is out for it), attention for a refused login with "needs login" in
 * its line, and "error" with a "listen-failed" signal when the proxy
 * switch cannot open the port.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "switchyard.h"
#include "sy-account-state.h"
#include "sy-clock.h"
#include "sy-cooldown.h"
#include "sy-credential.h"
#include "sy-logins.h"
#include "sy-notifier.h"
#include "sy-service-logins.h"
#include "sy-tray-menu.h"

#define SEC ((gint64) G_USEC_PER_SEC)
#define T0 ((gint64) 1800000000 * SEC)

#define CONFIG \
  "host: 127.0.0.1\n" \
  "port: 0\n" \
  "openai-compatibility:\n" \
  "  - name: Fake\n" \
  "    base-url: http://127.0.0.1:9/v1\n" \
  "    api-key-entries:\n" \
  "      - api-key: sk-test-one\n" \
  "      - api-key: sk-test-two\n" \
  "    models:\n" \
  "      - name: echo\n" \
  "      - name: other\n"

typedef struct
{
  SyClock   *clock;
  SyService *service;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->clock = sy_clock_new_manual (T0);
  sy_clock_set_default (f->clock);
  f->service = sy_service_new_from_string (CONFIG, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (sy_service_get_accounts (f->service)), ==, 2);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->service != NULL)
    sy_service_stop (f->service);
  g_clear_object (&f->service);
  sy_clock_set_default (NULL);
  sy_clock_unref (f->clock);
}

static SyAccountState *
account (Fixture *f,
         guint    i)
{
  SyAccountState *state = g_list_model_get_item (sy_service_get_accounts (f->service), i);

  g_object_unref (state);   /* the model keeps it */
  return state;
}

static SyTrayStatus
status (Fixture *f)
{
  return sy_tray_menu_compute_status (f->service, FALSE, T0);
}

static void
test_stopped_and_error (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (status (f), ==, SY_TRAY_STATUS_STOPPED);
  g_assert_cmpint (sy_tray_menu_compute_status (f->service, TRUE, T0), ==, SY_TRAY_STATUS_ERROR);
  g_assert_true (sy_service_set_listening (f->service, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status (f), ==, SY_TRAY_STATUS_RUNNING);
  /* Listening, an earlier failure no longer counts. */
  g_assert_cmpint (sy_tray_menu_compute_status (f->service, TRUE, T0), ==, SY_TRAY_STATUS_RUNNING);
}

/* Attention is per model: accounts cooling for different models leave
 * each model served; a model whose every (enabled) account is out is
 * attention, until one of them is back. */
static void
test_per_model (Fixture       *f,
                gconstpointer  data)
{
  SyFailure hour = { 429, SY_FAILURE_QUOTA, 3600 * SEC, FALSE, FALSE };
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_service_set_listening (f->service, TRUE, &error));
  sy_account_state_mark_failure (account (f, 0), "echo", &hour, "quota", FALSE, T0);
  g_assert_cmpint (status (f), ==, SY_TRAY_STATUS_RUNNING);
  sy_account_state_mark_failure (account (f, 1), "other", &hour, "quota", FALSE, T0);
  /* Both accounts cooling, each model still has one. */
  g_assert_cmpint (status (f), ==, SY_TRAY_STATUS_RUNNING);

  sy_account_state_mark_failure (account (f, 1), "echo", &hour, "quota", FALSE, T0);
  g_assert_cmpint (status (f), ==, SY_TRAY_STATUS_ATTENTION);
  /* The cooldowns over (an hour later), nothing is out. */
  g_assert_cmpint (sy_tray_menu_compute_status (f->service, FALSE, T0 + 2 * 3600 * SEC), ==,
                   SY_TRAY_STATUS_RUNNING);
  sy_account_state_mark_success (account (f, 0), "echo", T0);
  g_assert_cmpint (status (f), ==, SY_TRAY_STATUS_RUNNING);

  /* A disabled account serves nothing: the one left cooling for "other"
   * is every account for it. */
  sy_account_state_set_enabled (account (f, 0), FALSE);
  g_assert_cmpint (status (f), ==, SY_TRAY_STATUS_ATTENTION);
  sy_account_state_set_enabled (account (f, 0), TRUE);
  g_assert_cmpint (status (f), ==, SY_TRAY_STATUS_RUNNING);

  /* No quota left for a model on every account is out too. */
  sy_account_state_report_quota (account (f, 0), "other", 0, T0 + 3600 * SEC, T0);
  g_assert_cmpint (status (f), ==, SY_TRAY_STATUS_ATTENTION);
}

static void
spin_idle (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* A socket listening on a free loopback port: the port is taken. */
static GSocket *
occupy (guint *port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) where = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);

  g_assert_true (g_socket_bind (socket, where, TRUE, NULL));
  g_assert_true (g_socket_listen (socket, NULL));
  local = g_socket_get_local_address (socket, NULL);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return g_steal_pointer (&socket);
}

typedef struct
{
  SyNotifier *notifier;
  SyService  *service;
  GPtrArray  *events;
  guint       n_failed;
  guint       offered;
} Switch;

static void
record (const char    *id,
        GNotification *notification,
        const char    *title,
        const char    *body,
        gpointer       user_data)
{
  Switch *sw = user_data;

  if (notification == NULL)
    g_ptr_array_add (sw->events, g_strdup_printf ("withdraw %s", id));
  else
    g_ptr_array_add (sw->events, g_strdup_printf ("show %s\n%s\n%s", id, title, body ? body : ""));
}

/* As the application does with the menu's signal. */
static void
on_listen_failed (SyTrayMenu *menu,
                  GError     *error,
                  Switch     *sw)
{
  g_assert_error (error, SY_SERVICE_ERROR, SY_SERVICE_ERROR_LISTEN);
  sw->n_failed++;
  sw->offered = sy_notifier_listen_failed (sw->notifier, sy_service_get_host (sw->service),
                                           sy_service_get_port (sw->service), error);
}

/* The proxy switch on a taken port: the switch stays off, the icon says
 * "error", the menu says why (the notifier offers the next port); on a
 * free port it listens and the error is over. */
static void
test_switch_fails (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SyTrayMenu) menu = NULL;
  g_autoptr(GSocket) taken = NULL;
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *title = NULL;
  Switch sw = { NULL, f->service, events, 0, 0 };
  GActionGroup *actions;
  guint port;

  taken = occupy (&port);
  sy_service_set_listen_override (f->service, "127.0.0.1", (int) port);
  sw.notifier = sy_notifier_new (NULL, f->service);
  sy_notifier_set_send_func (sw.notifier, record, &sw, NULL);
  menu = sy_tray_menu_new (f->service);
  actions = sy_tray_menu_get_actions (menu);
  g_signal_connect (menu, "listen-failed", G_CALLBACK (on_listen_failed), &sw);
  g_assert_cmpint (sy_tray_menu_get_status (menu), ==, SY_TRAY_STATUS_STOPPED);

  g_action_group_change_action_state (actions, "proxy", g_variant_new_boolean (TRUE));
  spin_idle ();
  g_assert_cmpuint (sw.n_failed, ==, 1);
  g_assert_cmpint (sy_tray_menu_get_status (menu), ==, SY_TRAY_STATUS_ERROR);
  state = g_action_group_get_action_state (actions, "proxy");
  g_assert_false (g_variant_get_boolean (state));
  g_clear_pointer (&state, g_variant_unref);
  g_assert_cmpuint (sw.offered, >, port);
  title = g_strdup_printf ("show proxy-failed\nPort %u is in use\n", port);
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (events, 0), title));

  /* The port taken by nobody now: the switch works, the error is over. */
  g_clear_object (&taken);
  g_action_group_change_action_state (actions, "proxy", g_variant_new_boolean (TRUE));
  spin_idle ();
  g_assert_cmpuint (sw.n_failed, ==, 1);
  g_assert_true (sy_service_get_listening (f->service));
  g_assert_cmpint (sy_tray_menu_get_status (menu), ==, SY_TRAY_STATUS_RUNNING);
  state = g_action_group_get_action_state (actions, "proxy");
  g_assert_true (g_variant_get_boolean (state));
  g_assert_cmpuint (events->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (events, 1), ==, "withdraw proxy-failed");

  /* Off by the switch: stopped, not error. */
  g_action_group_change_action_state (actions, "proxy", g_variant_new_boolean (FALSE));
  spin_idle ();
  g_assert_cmpint (sy_tray_menu_get_status (menu), ==, SY_TRAY_STATUS_STOPPED);

  /* Startup's failure, as the application says it. */
  sy_tray_menu_set_failed (menu, TRUE);
  g_assert_cmpint (sy_tray_menu_get_status (menu), ==, SY_TRAY_STATUS_ERROR);
  g_clear_object (&sw.notifier);
}

/* Whether some item of @model (its sections and submenus too) has a
 * label containing @needle. */
static gboolean
menu_has_label (GMenuModel *model,
                const char *needle)
{
  for (int i = 0; i < g_menu_model_get_n_items (model); i++)
    {
      g_autofree char *label = NULL;
      g_autoptr(GMenuLinkIter) links = g_menu_model_iterate_item_links (model, i);
      GMenuModel *linked;

      if (g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_LABEL, "s", &label) &&
          strstr (label, needle) != NULL)
        return TRUE;
      while (g_menu_link_iter_get_next (links, NULL, &linked))
        {
          gboolean found = menu_has_label (linked, needle);

          g_object_unref (linked);
          if (found)
            return TRUE;
        }
    }
  return FALSE;
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        remove_tree (path);
      else
        g_remove (path);
    }
  g_rmdir (dir);
}

/* A login the provider refused: attention, and "needs login" in its
 * line; signed in again, both go. */
static void
test_needs_login (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sy-tray-status-XXXXXX", &error);
  g_autofree char *accounts = NULL;
  g_autofree char *tokens = NULL;
  g_autoptr(SyService) service = NULL;
  g_autoptr(SyTrayMenu) menu = NULL;
  g_autoptr(SyCredential) credential = sy_credential_new ("claude", "me@example.com", "acct-uuid-1");
  g_autoptr(SyCredential) added = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *line = NULL;
  SyAccountState *state = NULL;
  SyCredential *stored;
  GListModel *model;

  g_assert_no_error (error);
  accounts = g_build_filename (dir, "accounts.json", NULL);
  tokens = g_build_filename (dir, "tokens", NULL);
  service = sy_service_new_from_string ("host: 127.0.0.1\nport: 0\ntoken-store: file\n", &error);
  g_assert_no_error (error);
  sy_service_set_login_files (service, accounts, tokens);
  sy_service_load_logins_async (service, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (sy_service_load_logins_finish (service, result, &error));
  g_clear_object (&result);
  sy_credential_set_tokens (credential, "sk-ant-oat01-x", "sk-ant-ort01-x", NULL,
                            g_get_real_time () + 3600 * SEC, g_get_real_time ());
  sy_service_add_login_async (service, credential, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  added = sy_service_add_login_finish (service, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_true (sy_service_set_listening (service, TRUE, &error));
  g_assert_no_error (error);

  stored = sy_logins_lookup (SY_LOGINS (sy_service_get_logins (service)), sy_credential_get_id (added));
  g_assert_nonnull (stored);
  model = sy_service_get_accounts (service);
  for (guint i = 0; i < g_list_model_get_n_items (model) && state == NULL; i++)
    {
      g_autoptr(SyAccountState) item = g_list_model_get_item (model, i);

      if (sy_service_lookup_login (service, sy_account_state_get_id (item)) == stored)
        state = item;
    }
  g_assert_nonnull (state);

  menu = sy_tray_menu_new (service);
  g_assert_cmpint (sy_tray_menu_get_status (menu), ==, SY_TRAY_STATUS_RUNNING);
  g_assert_false (menu_has_label (sy_tray_menu_get_model (menu), "needs login"));

  sy_credential_set_status (stored, SY_CREDENTIAL_NEEDS_LOGIN, "invalid_grant");
  g_assert_cmpint (sy_tray_menu_compute_status (service, FALSE, g_get_real_time ()), ==,
                   SY_TRAY_STATUS_ATTENTION);
  spin_idle ();
  g_assert_cmpint (sy_tray_menu_get_status (menu), ==, SY_TRAY_STATUS_ATTENTION);
  line = sy_tray_menu_describe_account_full (state, TRUE, g_get_real_time ());
  g_assert_nonnull (strstr (line, "me@example.com"));
  g_assert_nonnull (strstr (line, "needs login"));
  g_assert_true (menu_has_label (sy_tray_menu_get_model (menu), "needs login"));

  sy_credential_set_status (stored, SY_CREDENTIAL_OK, NULL);
  spin_idle ();
  g_assert_cmpint (sy_tray_menu_get_status (menu), ==, SY_TRAY_STATUS_RUNNING);
  g_assert_false (menu_has_label (sy_tray_menu_get_model (menu), "needs login"));

  g_clear_object (&menu);
  sy_service_stop (service);
  g_clear_object (&service);
  remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/tray-status/stopped-and-error", Fixture, NULL, fixture_set_up, test_stopped_and_error,
              fixture_tear_down);
  g_test_add ("/tray-status/per-model", Fixture, NULL, fixture_set_up, test_per_model, fixture_tear_down);
  g_test_add ("/tray-status/switch-fails", Fixture, NULL, fixture_set_up, test_switch_fails,
              fixture_tear_down);
  g_test_add_func ("/tray-status/needs-login", test_needs_login);

  return g_test_run ();
}
