/* test-notifier.c: when the tray app notifies, without a notification service
 *
 * SyNotifier's send function is replaced by one that records what would
 * be shown and withdrawn; the accounts come from a config string and are
 * driven through their SyAccountState, the time by a manual clock.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "switchyard.h"
#include "sy-account-state.h"
#include "sy-clock.h"
#include "sy-config.h"
#include "sy-cooldown.h"
#include "sy-credential.h"
#include "sy-logins.h"
#include "sy-service-logins.h"
#include "sy-notifier.h"
#include "sy-quota.h"

#define SEC ((gint64) G_USEC_PER_SEC)
#define T0 ((gint64) 1800000000 * SEC)

#define CONFIG \
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
  SyClock    *clock;
  SyService  *service;
  SyNotifier *notifier;
  GPtrArray  *events;   /* "show <id>\n<title>\n<body>" or "withdraw <id>" */
} Fixture;

static void
record (const char    *id,
        GNotification *notification,
        const char    *title,
        const char    *body,
        gpointer       user_data)
{
  Fixture *f = user_data;

  if (notification == NULL)
    g_ptr_array_add (f->events, g_strdup_printf ("withdraw %s", id));
  else
    g_ptr_array_add (f->events, g_strdup_printf ("show %s\n%s\n%s", id, title, body ? body : ""));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->clock = sy_clock_new_manual (T0);
  sy_clock_set_default (f->clock);
  f->events = g_ptr_array_new_with_free_func (g_free);
  f->service = sy_service_new_from_string (CONFIG, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (sy_service_get_accounts (f->service)), ==, 2);
  f->notifier = sy_notifier_new (NULL, f->service);
  sy_notifier_set_send_func (f->notifier, record, f, NULL);
  /* Nothing to say about fresh accounts. */
  sy_notifier_check (f->notifier);
  g_assert_cmpuint (f->events->len, ==, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->notifier);
  g_clear_object (&f->service);
  g_ptr_array_unref (f->events);
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

static void
read_quota (SyAccountState *state,
            double          remaining,
            gint64          now_us)
{
  g_autoptr(GPtrArray) windows = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_quota_window_free);

  g_ptr_array_add (windows, sy_quota_window_new ("five_hour", "5-hour", NULL, remaining,
                                                 T0 + 2 * 3600 * SEC, 5 * 3600 * SEC, now_us,
                                                 SY_QUOTA_SOURCE_ACTIVE));
  sy_account_state_update_quota_windows (state, windows, now_us);
}

static char *
local_time (gint64 when_us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (when_us / SEC);

  return g_date_time_format (dt, "%H:%M");
}

static const char *
event (Fixture *f,
       guint    i)
{
  g_assert_cmpuint (i, <, f->events->len);
  return g_ptr_array_index (f->events, i);
}

static void
test_quota_once (Fixture       *f,
                 gconstpointer  data)
{
  SyAccountState *state = account (f, 0);
  g_autofree char *id = g_strdup_printf ("quota-%s-five_hour", sy_account_state_get_id (state));
  g_autofree char *shown = g_strdup_printf ("show %s\n", id);
  g_autofree char *withdrawn = g_strdup_printf ("withdraw %s", id);
  g_autofree char *reset = local_time (T0 + 2 * 3600 * SEC);

  /* Above the threshold: nothing. */
  read_quota (state, 0.5, T0);
  g_assert_cmpuint (f->events->len, ==, 0);

  read_quota (state, 0.08, T0);
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_true (g_str_has_prefix (event (f, 0), shown));
  g_assert_nonnull (strstr (event (f, 0), "8%"));
  g_assert_nonnull (strstr (event (f, 0), "5-hour"));
  g_assert_nonnull (strstr (event (f, 0), reset));

  /* The next, lower reading of the same window says nothing new. */
  read_quota (state, 0.05, T0 + 60 * SEC);
  g_assert_cmpuint (f->events->len, ==, 1);

  /* Back above the threshold: withdrawn; down again: said again. */
  read_quota (state, 0.9, T0 + 120 * SEC);
  g_assert_cmpuint (f->events->len, ==, 2);
  g_assert_cmpstr (event (f, 1), ==, withdrawn);
  read_quota (state, 0.9, T0 + 150 * SEC);
  g_assert_cmpuint (f->events->len, ==, 2);
  read_quota (state, 0.02, T0 + 180 * SEC);
  g_assert_cmpuint (f->events->len, ==, 3);
  g_assert_true (g_str_has_prefix (event (f, 2), shown));
  g_assert_nonnull (strstr (event (f, 2), "2%"));

  /* The other account is untouched by all this. */
  read_quota (account (f, 1), 0.5, T0 + 180 * SEC);
  g_assert_cmpuint (f->events->len, ==, 3);
}

static void
test_threshold (Fixture       *f,
                gconstpointer  data)
{
  read_quota (account (f, 0), 0.15, T0);
  g_assert_cmpuint (f->events->len, ==, 0);
  /* A higher threshold takes the current reading in at once. */
  sy_notifier_set_threshold (f->notifier, 0.2);
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_true (g_str_has_prefix (event (f, 0), "show quota-"));
}

static void
test_disabled (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) off = sy_config_new_from_data ("desktop-notifications: false\n", -1, NULL, &error);
  g_autoptr(SyConfig) on = sy_config_new_from_data (CONFIG, -1, NULL, &error);
  SyFailure quota = { 429, SY_FAILURE_QUOTA, 600 * SEC, FALSE, FALSE };
  g_autoptr(GError) start_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE, "port taken");

  g_assert_no_error (error);
  g_assert_nonnull (off);
  g_assert_nonnull (on);

  /* A notification on screen goes when they are turned off. */
  read_quota (account (f, 0), 0.05, T0);
  g_assert_cmpuint (f->events->len, ==, 1);
  sy_notifier_apply_config (f->notifier, off);
  g_assert_false (sy_notifier_get_enabled (f->notifier));
  g_assert_cmpuint (f->events->len, ==, 2);
  g_assert_true (g_str_has_prefix (event (f, 1), "withdraw quota-"));

  /* Off: low quota, every account cooling, a failed start: nothing. */
  read_quota (account (f, 1), 0.01, T0);
  sy_account_state_mark_failure (account (f, 0), "echo", &quota, "quota", FALSE, T0);
  sy_account_state_mark_failure (account (f, 1), "echo", &quota, "quota", FALSE, T0);
  sy_notifier_proxy_failed (f->notifier, start_error);
  g_assert_cmpuint (f->events->len, ==, 2);

  /* On again (the key absent means on): what holds is said. */
  sy_notifier_apply_config (f->notifier, on);
  g_assert_true (sy_notifier_get_enabled (f->notifier));
  g_assert_cmpuint (f->events->len, ==, 5);
}

static void
test_all_cooling (Fixture       *f,
                  gconstpointer  data)
{
  SyFailure long_quota = { 429, SY_FAILURE_QUOTA, 3 * 3600 * SEC, FALSE, FALSE };
  SyFailure short_quota = { 429, SY_FAILURE_QUOTA, 3600 * SEC, FALSE, FALSE };
  g_autofree char *soonest = local_time (T0 + 3600 * SEC);
  g_autofree char *later = local_time (T0 + 3 * 3600 * SEC);

  /* One account cooling is no news: the other serves. */
  sy_account_state_mark_failure (account (f, 0), "echo", &long_quota, "quota", FALSE, T0);
  g_assert_cmpuint (f->events->len, ==, 0);

  sy_account_state_mark_failure (account (f, 1), "echo", &short_quota, "quota", FALSE, T0);
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_true (g_str_has_prefix (event (f, 0), "show exhausted-echo\n"));
  g_assert_nonnull (strstr (event (f, 0), "No account can serve echo now"));
  g_assert_nonnull (strstr (event (f, 0), soonest));
  g_assert_null (strstr (event (f, 0), later));

  /* Still all cooling after another failure: said once. */
  sy_account_state_mark_failure (account (f, 1), "echo", &short_quota, "quota", FALSE, T0 + SEC);
  g_assert_cmpuint (f->events->len, ==, 1);

  /* One recovers: withdrawn. */
  sy_account_state_mark_success (account (f, 1), "echo", T0 + 2 * SEC);
  g_assert_cmpuint (f->events->len, ==, 2);
  g_assert_cmpstr (event (f, 1), ==, "withdraw exhausted-echo");
}

static void
test_disabled_account_not_counted (Fixture       *f,
                                   gconstpointer  data)
{
  SyFailure quota = { 429, SY_FAILURE_QUOTA, 3600 * SEC, FALSE, FALSE };

  /* The one enabled account cooling is every account there is. */
  sy_account_state_set_enabled (account (f, 1), FALSE);
  g_assert_cmpuint (f->events->len, ==, 0);
  sy_account_state_mark_failure (account (f, 0), "echo", &quota, "quota", FALSE, T0);
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_true (g_str_has_prefix (event (f, 0), "show exhausted-echo\n"));
}

/* Per model: each account cooling for a different model leaves each
 * model an account; only a model with none left is said, by name, with
 * the soonest return among its accounts. */
static void
test_per_model (Fixture       *f,
                gconstpointer  data)
{
  SyFailure hour = { 429, SY_FAILURE_QUOTA, 3600 * SEC, FALSE, FALSE };
  SyFailure two_hours = { 429, SY_FAILURE_QUOTA, 2 * 3600 * SEC, FALSE, FALSE };
  g_autofree char *soonest = local_time (T0 + 3600 * SEC);
  g_autofree char *later = local_time (T0 + 2 * 3600 * SEC);

  sy_account_state_mark_failure (account (f, 0), "echo", &hour, "quota", FALSE, T0);
  sy_account_state_mark_failure (account (f, 1), "other", &hour, "quota", FALSE, T0);
  /* Every account is cooling for something, yet both models serve. */
  g_assert_cmpuint (f->events->len, ==, 0);

  sy_account_state_mark_failure (account (f, 1), "echo", &two_hours, "quota", FALSE, T0);
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_true (g_str_has_prefix (event (f, 0), "show exhausted-echo\n"));
  g_assert_nonnull (strstr (event (f, 0), "echo"));
  g_assert_null (strstr (event (f, 0), "other"));
  g_assert_nonnull (strstr (event (f, 0), soonest));
  g_assert_null (strstr (event (f, 0), later));

  /* "other" follows on its own; echo is not said again. */
  sy_account_state_mark_failure (account (f, 0), "other", &two_hours, "quota", FALSE, T0);
  g_assert_cmpuint (f->events->len, ==, 2);
  g_assert_true (g_str_has_prefix (event (f, 1), "show exhausted-other\n"));
  g_assert_nonnull (strstr (event (f, 1), soonest));

  /* echo comes back: only its notification goes. */
  sy_account_state_mark_success (account (f, 0), "echo", T0 + SEC);
  g_assert_cmpuint (f->events->len, ==, 3);
  g_assert_cmpstr (event (f, 2), ==, "withdraw exhausted-echo");
}

/* No quota left for a model on every account counts as out too, with the
 * window's reset as the time it comes back. */
static void
test_model_out_of_quota (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *reset = local_time (T0 + 5 * 3600 * SEC);

  sy_account_state_report_quota (account (f, 0), "echo", 0, T0 + 5 * 3600 * SEC, T0);
  g_assert_cmpuint (f->events->len, ==, 0);
  sy_account_state_report_quota (account (f, 1), "echo", 0, T0 + 6 * 3600 * SEC, T0);
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_true (g_str_has_prefix (event (f, 0), "show exhausted-echo\n"));
  g_assert_nonnull (strstr (event (f, 0), reset));
  sy_account_state_report_quota (account (f, 1), "echo", 0.5, T0 + 6 * 3600 * SEC, T0 + SEC);
  g_assert_cmpuint (f->events->len, ==, 2);
  g_assert_cmpstr (event (f, 1), ==, "withdraw exhausted-echo");
}

static void
test_proxy_failed (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                                                 "port 8317 is taken");

  sy_notifier_proxy_failed (f->notifier, error);
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_true (g_str_has_prefix (event (f, 0), "show proxy-failed\n"));
  g_assert_nonnull (strstr (event (f, 0), "Switchyard could not start the proxy: port 8317 is taken"));
}

/* A socket listening on a loopback port (0: any free one). */
static GSocket *
occupy (guint port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) where = g_inet_socket_address_new (loopback, (guint16) port);
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);

  if (!g_socket_bind (socket, where, TRUE, NULL) || !g_socket_listen (socket, NULL))
    return NULL;
  return g_steal_pointer (&socket);
}

static guint
socket_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

static void
test_free_port (void)
{
  g_autoptr(GSocket) first = occupy (0);
  g_autoptr(GSocket) second = NULL;
  guint port;
  guint free_port;

  g_assert_nonnull (first);
  port = socket_port (first);
  g_assert_true (sy_notifier_port_in_use ("127.0.0.1", port));
  /* The next one taken too (when nobody had it): it is stepped over. */
  second = occupy (port + 1);
  free_port = sy_notifier_find_free_port ("127.0.0.1", port, SY_NOTIFIER_PORT_TRIES);
  g_assert_cmpuint (free_port, >, port);
  g_assert_cmpuint (free_port, <=, port + SY_NOTIFIER_PORT_TRIES);
  if (second != NULL)
    g_assert_cmpuint (free_port, >, port + 1);
  g_assert_false (sy_notifier_port_in_use ("127.0.0.1", free_port));
  /* No tries, no port. */
  g_assert_cmpuint (sy_notifier_find_free_port ("127.0.0.1", port, 0), ==, 0);
  g_clear_object (&first);
  g_assert_false (sy_notifier_port_in_use ("127.0.0.1", port));
}

/* The service's port is taken at start: the notification names it and
 * offers a free one; once the proxy listens (on the port offered), the
 * notification goes. */
static void
test_port_taken (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GSocket) taken = occupy (0);
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  g_autofree char *instead = NULL;
  guint port;
  guint offered;

  g_assert_nonnull (taken);
  port = socket_port (taken);
  sy_service_set_listen_override (f->service, "127.0.0.1", (int) port);
  g_assert_false (sy_service_start (f->service, &error));
  g_assert_error (error, SY_SERVICE_ERROR, SY_SERVICE_ERROR_LISTEN);

  offered = sy_notifier_listen_failed (f->notifier, sy_service_get_host (f->service),
                                       sy_service_get_port (f->service), error);
  g_assert_cmpuint (offered, >, port);
  g_assert_cmpuint (offered, <=, port + SY_NOTIFIER_PORT_TRIES);
  title = g_strdup_printf ("show proxy-failed\nPort %u is in use\n", port);
  instead = g_strdup_printf ("use port %u instead", offered);
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_true (g_str_has_prefix (event (f, 0), title));
  g_assert_nonnull (strstr (event (f, 0), instead));

  /* What the notification's button does (app.use-port) for a service
   * without a file: the port as an override, then the start. */
  g_clear_error (&error);
  sy_service_set_listen_override (f->service, "127.0.0.1", (int) offered);
  g_assert_true (sy_service_start (f->service, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sy_service_get_port (f->service), ==, offered);
  g_assert_cmpuint (f->events->len, ==, 2);
  g_assert_cmpstr (event (f, 1), ==, "withdraw proxy-failed");
  sy_service_stop (f->service);
}

/* Only a port another program holds is offered a way out: a port that
 * is free (the bind failed for another reason), or another error, is
 * said as it is. */
static void
test_listen_failed_other (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GSocket) probe = occupy (0);
  g_autoptr(GError) listen = NULL;
  g_autoptr(GError) other = g_error_new_literal (SY_SERVICE_ERROR, SY_SERVICE_ERROR_UNSAFE_BIND,
                                                 "refusing to listen on 0.0.0.0");
  guint port;

  g_assert_nonnull (probe);
  port = socket_port (probe);
  g_clear_object (&probe);   /* free again */
  listen = g_error_new (SY_SERVICE_ERROR, SY_SERVICE_ERROR_LISTEN, "cannot listen on 127.0.0.1:%u", port);

  g_assert_cmpuint (sy_notifier_listen_failed (f->notifier, "127.0.0.1", port, listen), ==, 0);
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_true (g_str_has_prefix (event (f, 0), "show proxy-failed\nThe proxy could not start\n"));
  g_assert_nonnull (strstr (event (f, 0), "cannot listen on"));

  g_assert_cmpuint (sy_notifier_listen_failed (f->notifier, "0.0.0.0", 8317, other), ==, 0);
  g_assert_cmpuint (f->events->len, ==, 2);
  g_assert_nonnull (strstr (event (f, 1), "refusing to listen"));
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* A login the provider refused: said once, withdrawn when signed in
 * again, said again when refused again. */
static void
test_needs_login (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sy-notifier-XXXXXX", &error);
  g_autofree char *accounts = NULL;
  g_autofree char *tokens = NULL;
  g_autoptr(SyService) service = NULL;
  g_autoptr(SyNotifier) notifier = NULL;
  g_autoptr(SyCredential) credential = sy_credential_new ("claude", "me@example.com", "acct-uuid-1");
  g_autoptr(SyCredential) added = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *id = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *withdrawn = NULL;
  Fixture f = { NULL, NULL, NULL, NULL };
  SyCredential *stored;

  g_assert_no_error (error);
  accounts = g_build_filename (dir, "accounts.json", NULL);
  tokens = g_build_filename (dir, "tokens", NULL);
  f.events = g_ptr_array_new_with_free_func (g_free);
  service = sy_service_new_from_string ("token-store: file\n", &error);
  g_assert_no_error (error);
  sy_service_set_login_files (service, accounts, tokens);
  notifier = sy_notifier_new (NULL, service);
  sy_notifier_set_send_func (notifier, record, &f, NULL);

  sy_service_load_logins_async (service, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (sy_service_load_logins_finish (service, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  sy_credential_set_tokens (credential, "sk-ant-oat01-x", "sk-ant-ort01-x", NULL,
                            g_get_real_time () + 3600 * SEC, g_get_real_time ());
  sy_service_add_login_async (service, credential, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  added = sy_service_add_login_finish (service, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  id = g_strdup_printf ("login-%s", sy_credential_get_id (added));
  shown = g_strdup_printf ("show %s\n", id);
  withdrawn = g_strdup_printf ("withdraw %s", id);
  g_assert_cmpuint (f.events->len, ==, 0);

  stored = sy_logins_lookup (SY_LOGINS (sy_service_get_logins (service)), sy_credential_get_id (added));
  g_assert_nonnull (stored);
  sy_credential_set_status (stored, SY_CREDENTIAL_NEEDS_LOGIN, "invalid_grant");
  g_assert_cmpuint (f.events->len, ==, 1);
  g_assert_true (g_str_has_prefix (event (&f, 0), shown));
  g_assert_nonnull (strstr (event (&f, 0), "me@example.com"));
  sy_credential_set_status (stored, SY_CREDENTIAL_NEEDS_LOGIN, "invalid_grant");
  g_assert_cmpuint (f.events->len, ==, 1);
  sy_credential_set_status (stored, SY_CREDENTIAL_OK, NULL);
  g_assert_cmpuint (f.events->len, ==, 2);
  g_assert_cmpstr (event (&f, 1), ==, withdrawn);
  sy_credential_set_status (stored, SY_CREDENTIAL_NEEDS_LOGIN, "invalid_grant");
  g_assert_cmpuint (f.events->len, ==, 3);
  g_assert_true (g_str_has_prefix (event (&f, 2), shown));

  /* Signed out while said: the notification goes with the login, and
   * the notifier lets go of it. */
  g_object_add_weak_pointer (G_OBJECT (stored), (gpointer *) &stored);
  sy_service_remove_login_async (service, stored, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (sy_service_remove_login_finish (service, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (f.events->len, ==, 4);
  g_assert_cmpstr (event (&f, 3), ==, withdrawn);
  g_clear_object (&added);
  g_clear_object (&credential);
  for (guint i = 0; i < 50 && stored != NULL; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (stored);

  g_clear_object (&notifier);
  g_clear_object (&service);
  g_ptr_array_unref (f.events);
  /* The few files the store wrote. */
  g_remove (accounts);
  {
    g_autoptr(GDir) d = g_dir_open (tokens, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *path = g_build_filename (tokens, name, NULL);

        g_remove (path);
      }
  }
  g_rmdir (tokens);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/notifier/quota-once", Fixture, NULL, fixture_set_up, test_quota_once, fixture_tear_down);
  g_test_add ("/notifier/threshold", Fixture, NULL, fixture_set_up, test_threshold, fixture_tear_down);
  g_test_add ("/notifier/disabled", Fixture, NULL, fixture_set_up, test_disabled, fixture_tear_down);
  g_test_add ("/notifier/all-cooling", Fixture, NULL, fixture_set_up, test_all_cooling, fixture_tear_down);
  g_test_add ("/notifier/disabled-account", Fixture, NULL, fixture_set_up,
              test_disabled_account_not_counted, fixture_tear_down);
  g_test_add ("/notifier/proxy-failed", Fixture, NULL, fixture_set_up, test_proxy_failed, fixture_tear_down);
  g_test_add ("/notifier/per-model", Fixture, NULL, fixture_set_up, test_per_model, fixture_tear_down);
  g_test_add ("/notifier/model-out-of-quota", Fixture, NULL, fixture_set_up, test_model_out_of_quota,
              fixture_tear_down);
  g_test_add ("/notifier/port-taken", Fixture, NULL, fixture_set_up, test_port_taken, fixture_tear_down);
  g_test_add ("/notifier/listen-failed-other", Fixture, NULL, fixture_set_up, test_listen_failed_other,
              fixture_tear_down);
  g_test_add_func ("/notifier/free-port", test_free_port);

  g_test_add_func ("/notifier/needs-login", test_needs_login);

  return g_test_run ();
}
