/* sy-notifier.c: desktop notifications about the accounts and the proxy
 *
 * The notifier follows every account's "changed" signal (as the tray menu
 * does) and the logins' credentials, and keeps the set of notifications
 * it has shown. A condition that holds and is not in the set is sent;
 * one in the set that no longer holds is withdrawn and may come again.
 * So a low quota window is said once until it climbs back above the
 * threshold, a refused login once until it is signed in again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-app"

#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "sy-app-util.h"
#include "sy-notifier.h"
#include "sy-account-state.h"
#include "sy-attention.h"
#include "sy-clock.h"
#include "sy-credential.h"
#include "sy-logins.h"
#include "sy-quota.h"
#include "sy-service-logins.h"

struct _SyNotifier
{
  GObject             parent_instance;
  GApplication       *app;         /* weak */
  SyService          *service;
  SyNotifierSendFunc  send;
  gpointer            send_data;
  GDestroyNotify      send_destroy;
  gboolean            enabled;
  double              threshold;
  GHashTable         *shown;       /* ids of the notifications on screen */
  GPtrArray          *watched;     /* account states followed */
  GPtrArray          *credentials; /* credentials followed */
  guint               recheck_id;  /* when the first exhausted model is back */
};

G_DEFINE_FINAL_TYPE (SyNotifier, sy_notifier, G_TYPE_OBJECT)

static void
send_default (const char    *id,
              GNotification *notification,
              const char    *title,
              const char    *body,
              gpointer       user_data)
{
  SyNotifier *self = user_data;

  if (self->app == NULL)
    return;
  if (notification != NULL)
    g_application_send_notification (self->app, id, notification);
  else
    g_application_withdraw_notification (self->app, id);
}

static void
show (SyNotifier           *self,
      const char           *id,
      const char           *title,
      const char           *body,
      const char           *action,
      GNotificationPriority priority)
{
  g_autoptr(GNotification) notification = g_notification_new (title);

  if (body != NULL)
    g_notification_set_body (notification, body);
  g_notification_set_priority (notification, priority);
  g_notification_set_default_action (notification, action);
  self->send (id, notification, title, body, self->send_data);
  g_hash_table_add (self->shown, g_strdup (id));
}

static void
withdraw (SyNotifier *self,
          const char *id)
{
  if (g_hash_table_remove (self->shown, id))
    self->send (id, NULL, NULL, NULL, self->send_data);
}

static void
withdraw_all (SyNotifier *self)
{
  GHashTableIter iter;
  gpointer id;

  g_hash_table_iter_init (&iter, self->shown);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    self->send (id, NULL, NULL, NULL, self->send_data);
  g_hash_table_remove_all (self->shown);
}

static const char *
account_name (SyAccountState *state)
{
  const char *label = sy_account_state_get_label (state);

  return label != NULL && *label != '\0' ? label : sy_account_state_get_id (state);
}

/* @current gets the id of each notification that may stay. */
static void
check_quota (SyNotifier     *self,
             SyAccountState *state,
             gint64          now_us,
             GHashTable     *current)
{
  g_autoptr(GPtrArray) windows = sy_account_state_dup_quota_windows (state);

  for (guint i = 0; i < windows->len; i++)
    {
      const SyQuotaWindow *w = g_ptr_array_index (windows, i);
      g_autofree char *id = g_strdup_printf ("quota-%s-%s", sy_account_state_get_id (state), w->id);
      g_autofree char *title = NULL;
      g_autofree char *body = NULL;
      const char *window = w->label != NULL ? w->label : w->id;
      int percent;

      g_hash_table_add (current, g_strdup (id));
      if (w->remaining < 0)
        continue;
      if (w->remaining >= self->threshold || !sy_account_state_get_enabled (state))
        {
          withdraw (self, id);
          continue;
        }
      if (g_hash_table_contains (self->shown, id))
        continue;

      percent = (int) lround (w->remaining * 100);
      /* TRANSLATORS: %s is an account's name */
      title = g_strdup_printf (_("Quota running low: %s"), account_name (state));
      if (w->reset_us > now_us)
        {
          g_autofree char *at = sy_app_format_time (w->reset_us, now_us);

          /* TRANSLATORS: %d%% is the remaining percentage, the first %s the
           * quota window ("5-hour", "Weekly"), the last %s a time */
          body = g_strdup_printf (_("%d%% of the %s quota left; it resets at %s."), percent, window, at);
        }
      else
        /* TRANSLATORS: %d%% is the remaining percentage, %s the quota window */
        body = g_strdup_printf (_("%d%% of the %s quota left."), percent, window);
      show (self, id, title, body, "app.usage", G_NOTIFICATION_PRIORITY_NORMAL);
    }
}

/* Per model: a model whose every account is out (cooling down for it, or
 * no quota left) fails every request for it, whatever the other models
 * do. One notification per model, withdrawn when an account is back. */
static gboolean
recheck (gpointer user_data)
{
  SyNotifier *self = user_data;

  self->recheck_id = 0;
  sy_notifier_check (self);
  return G_SOURCE_REMOVE;
}

static void
check_exhausted (SyNotifier *self,
                 gint64      now_us)
{
  g_autoptr(GPtrArray) exhausted = sy_attention_exhausted_models (self->service, now_us);
  g_autoptr(GHashTable) current = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;
  gint64 soonest = 0;

  for (guint i = 0; i < exhausted->len; i++)
    {
      const SyExhaustedModel *m = g_ptr_array_index (exhausted, i);

      if (m->soonest_us > now_us && (soonest == 0 || m->soonest_us < soonest))
        soonest = m->soonest_us;
    }
  /* A cooldown ends without a signal: look again then, so the
   * notification goes when the model is served again. */
  g_clear_handle_id (&self->recheck_id, g_source_remove);
  if (soonest > 0)
    self->recheck_id = g_timeout_add_seconds ((guint) MIN ((soonest - now_us) / G_USEC_PER_SEC + 1, G_MAXINT),
                                              recheck, self);

  for (guint i = 0; i < exhausted->len; i++)
    {
      const SyExhaustedModel *m = g_ptr_array_index (exhausted, i);
      g_autofree char *id = g_strdup_printf ("exhausted-%s", m->model);
      g_autofree char *title = NULL;
      g_autofree char *body = NULL;

      g_hash_table_add (current, g_strdup (id));
      if (g_hash_table_contains (self->shown, id))
        continue;
      /* TRANSLATORS: %s is a model's name ("claude-sonnet-4-5") */
      title = g_strdup_printf (_("No account can serve %s now"), m->model);
      if (m->soonest_us > now_us)
        {
          g_autofree char *at = sy_app_format_time (m->soonest_us, now_us);

          /* TRANSLATORS: the first %s is a model's name, the second a time */
          body = g_strdup_printf (_("Every account for %s is cooling down or out of quota; "
                                    "the first is back at %s."), m->model, at);
        }
      else
        /* TRANSLATORS: %s is a model's name */
        body = g_strdup_printf (_("Every account for %s is cooling down or out of quota."), m->model);
      show (self, id, title, body, "app.accounts", G_NOTIFICATION_PRIORITY_HIGH);
    }

  g_hash_table_iter_init (&iter, self->shown);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (g_str_has_prefix (key, "exhausted-") && !g_hash_table_contains (current, key))
      g_ptr_array_add (gone, g_strdup (key));
  for (guint i = 0; i < gone->len; i++)
    withdraw (self, g_ptr_array_index (gone, i));
}

static void
on_credential_changed (SyNotifier *self)
{
  sy_notifier_check (self);
}

static void
check_logins (SyNotifier *self,
              GHashTable *current)
{
  GObject *logins = sy_service_get_logins (self->service);
  GPtrArray *all = NULL;   /* borrowed */

  if (logins == NULL)
    return;
  all = sy_logins_get_all (SY_LOGINS (logins));
  if (all == NULL)
    return;
  /* Signed-out logins are followed no longer. */
  for (guint i = self->credentials->len; i > 0; i--)
    {
      SyCredential *followed = g_ptr_array_index (self->credentials, i - 1);

      if (!g_ptr_array_find (all, followed, NULL))
        {
          g_signal_handlers_disconnect_by_data (followed, self);
          g_ptr_array_remove_index_fast (self->credentials, i - 1);
        }
    }
  for (guint i = 0; i < all->len; i++)
    {
      SyCredential *credential = g_ptr_array_index (all, i);
      g_autofree char *id = g_strdup_printf ("login-%s", sy_credential_get_id (credential));
      g_autofree char *title = NULL;
      const char *label = sy_credential_get_label (credential);

      g_hash_table_add (current, g_strdup (id));
      if (!g_ptr_array_find (self->credentials, credential, NULL))
        {
          g_signal_connect_object (credential, "changed", G_CALLBACK (on_credential_changed),
                                   self, G_CONNECT_SWAPPED);
          g_ptr_array_add (self->credentials, g_object_ref (credential));
        }
      if (sy_credential_get_status (credential) != SY_CREDENTIAL_NEEDS_LOGIN)
        {
          withdraw (self, id);
          continue;
        }
      if (g_hash_table_contains (self->shown, id))
        continue;
      if (label == NULL || *label == '\0')
        label = sy_credential_get_id (credential);
      /* TRANSLATORS: %s is an account's name */
      title = g_strdup_printf (_("Sign in again: %s"), label);
      show (self, id, title,
            _("The provider refused the saved sign-in; the account serves no requests until you log in again."),
            "app.accounts", G_NOTIFICATION_PRIORITY_NORMAL);
    }
}

void
sy_notifier_check (SyNotifier *self)
{
  GListModel *accounts;
  gint64 now_us;
  g_autoptr(GHashTable) current = NULL;
  g_autoptr(GPtrArray) gone = NULL;
  GHashTableIter iter;
  gpointer id;

  g_return_if_fail (SY_IS_NOTIFIER (self));

  /* Off, or disposed already. */
  if (!self->enabled || self->service == NULL)
    return;
  accounts = sy_service_get_accounts (self->service);
  now_us = sy_clock_now (sy_clock_get_default ());
  current = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(SyAccountState) state = g_list_model_get_item (accounts, i);

      check_quota (self, state, now_us, current);
    }
  check_exhausted (self, now_us);
  check_logins (self, current);

  /* An account or a login that went (removed, dropped from the config)
   * takes its notifications along. */
  gone = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_iter_init (&iter, self->shown);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    if ((g_str_has_prefix (id, "quota-") || g_str_has_prefix (id, "login-")) &&
        !g_hash_table_contains (current, id))
      g_ptr_array_add (gone, g_strdup (id));
  for (guint i = 0; i < gone->len; i++)
    withdraw (self, g_ptr_array_index (gone, i));
}

static void
unwatch_accounts (SyNotifier *self)
{
  for (guint i = 0; i < self->watched->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->watched, i), self);
  g_ptr_array_set_size (self->watched, 0);
}

static void
on_accounts_changed (GListModel *accounts,
                     guint       position,
                     guint       removed,
                     guint       added,
                     SyNotifier *self)
{
  unwatch_accounts (self);
  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      SyAccountState *state = g_list_model_get_item (accounts, i);

      g_signal_connect_swapped (state, "changed", G_CALLBACK (sy_notifier_check), self);
      g_ptr_array_add (self->watched, state);
    }
  sy_notifier_check (self);
}

/* The service's own snapshot: the file is not read a second time (and a
 * service built from a string has its settings too). */
static void
read_config_file (SyNotifier *self)
{
  sy_notifier_apply_config (self, sy_service_get_config (self->service));
}

static void
on_reloaded (SyService  *service,
             guint       generation,
             SyNotifier *self)
{
  read_config_file (self);
}

/* Listening: what said it could not is over. */
static void
on_listening (SyService  *service,
              GParamSpec *pspec,
              SyNotifier *self)
{
  if (sy_service_get_listening (service))
    withdraw (self, "proxy-failed");
}

static void
sy_notifier_dispose (GObject *object)
{
  SyNotifier *self = SY_NOTIFIER (object);

  g_clear_handle_id (&self->recheck_id, g_source_remove);
  if (self->watched != NULL)
    unwatch_accounts (self);
  if (self->credentials != NULL)
    {
      for (guint i = 0; i < self->credentials->len; i++)
        g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->credentials, i), self);
      g_ptr_array_set_size (self->credentials, 0);
    }
  if (self->service != NULL)
    {
      g_signal_handlers_disconnect_by_data (sy_service_get_accounts (self->service), self);
      g_signal_handlers_disconnect_by_data (self->service, self);
    }
  g_clear_object (&self->service);
  g_clear_weak_pointer (&self->app);
  if (self->send_destroy != NULL)
    self->send_destroy (self->send_data);
  self->send_destroy = NULL;
  G_OBJECT_CLASS (sy_notifier_parent_class)->dispose (object);
}

static void
sy_notifier_finalize (GObject *object)
{
  SyNotifier *self = SY_NOTIFIER (object);

  g_hash_table_unref (self->shown);
  g_ptr_array_unref (self->watched);
  g_ptr_array_unref (self->credentials);
  G_OBJECT_CLASS (sy_notifier_parent_class)->finalize (object);
}

static void
sy_notifier_class_init (SyNotifierClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = sy_notifier_dispose;
  G_OBJECT_CLASS (klass)->finalize = sy_notifier_finalize;
}

static void
sy_notifier_init (SyNotifier *self)
{
  self->enabled = TRUE;
  self->threshold = SY_NOTIFIER_DEFAULT_THRESHOLD;
  self->shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->watched = g_ptr_array_new_with_free_func (g_object_unref);
  self->credentials = g_ptr_array_new_with_free_func (g_object_unref);
  self->send = send_default;
  self->send_data = self;
}

SyNotifier *
sy_notifier_new (GApplication *app,
                 SyService    *service)
{
  SyNotifier *self;

  g_return_val_if_fail (app == NULL || G_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (SY_IS_SERVICE (service), NULL);

  self = g_object_new (SY_TYPE_NOTIFIER, NULL);
  g_set_weak_pointer (&self->app, app);
  self->service = g_object_ref (service);
  read_config_file (self);
  g_signal_connect (service, "reloaded", G_CALLBACK (on_reloaded), self);
  g_signal_connect (service, "notify::listening", G_CALLBACK (on_listening), self);
  g_signal_connect (sy_service_get_accounts (service), "items-changed",
                    G_CALLBACK (on_accounts_changed), self);
  on_accounts_changed (sy_service_get_accounts (service), 0, 0, 0, self);
  return self;
}

void
sy_notifier_set_send_func (SyNotifier         *self,
                           SyNotifierSendFunc  func,
                           gpointer            user_data,
                           GDestroyNotify      destroy)
{
  g_return_if_fail (SY_IS_NOTIFIER (self));

  if (self->send_destroy != NULL)
    self->send_destroy (self->send_data);
  self->send = func != NULL ? func : send_default;
  self->send_data = func != NULL ? user_data : self;
  self->send_destroy = func != NULL ? destroy : NULL;
}

gboolean
sy_notifier_get_enabled (SyNotifier *self)
{
  g_return_val_if_fail (SY_IS_NOTIFIER (self), FALSE);

  return self->enabled;
}

void
sy_notifier_set_enabled (SyNotifier *self,
                         gboolean    enabled)
{
  g_return_if_fail (SY_IS_NOTIFIER (self));

  enabled = !!enabled;
  if (self->enabled == enabled)
    return;
  self->enabled = enabled;
  /* Off takes down what is on screen; on looks again at once. */
  if (!enabled)
    withdraw_all (self);
  else
    sy_notifier_check (self);
}

void
sy_notifier_apply_config (SyNotifier *self,
                          SyConfig   *config)
{
  JsonNode *node;

  g_return_if_fail (SY_IS_NOTIFIER (self));

  node = config != NULL ? sy_config_lookup (config, "desktop-notifications") : NULL;
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    sy_notifier_set_enabled (self, json_node_get_boolean (node));
  else
    sy_notifier_set_enabled (self, TRUE);
}

void
sy_notifier_set_threshold (SyNotifier *self,
                           double      fraction)
{
  g_return_if_fail (SY_IS_NOTIFIER (self));

  self->threshold = CLAMP (fraction, 0.0, 1.0);
  sy_notifier_check (self);
}

void
sy_notifier_proxy_failed (SyNotifier   *self,
                          const GError *error)
{
  g_autofree char *body = NULL;

  g_return_if_fail (SY_IS_NOTIFIER (self));

  if (!self->enabled)
    return;
  /* TRANSLATORS: %s says why, as the system put it */
  body = g_strdup_printf (_("Switchyard could not start the proxy: %s"),
                          error != NULL ? error->message : _("unknown error"));
  show (self, "proxy-failed", _("The proxy could not start"), body, "app.settings",
        G_NOTIFICATION_PRIORITY_HIGH);
}

/* An IP address to bind for @host: the address itself, any address for
 * "" (all interfaces), loopback for a name. */
static GInetAddress *
bind_address (const char *host)
{
  GInetAddress *address = NULL;

  if (host != NULL && *host != '\0')
    address = g_inet_address_new_from_string (host);
  if (address == NULL && (host == NULL || *host == '\0'))
    address = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  if (address == NULL)
    address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  return address;
}

gboolean
sy_notifier_port_in_use (const char *host,
                         guint       port)
{
  g_autoptr(GInetAddress) address = bind_address (host);
  g_autoptr(GSocketAddress) where = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (port <= G_MAXUINT16, FALSE);

  socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &error);
  if (socket == NULL)
    return FALSE;
  where = g_inet_socket_address_new (address, (guint16) port);
  /* With reuse on, as the server binds: only a listener is in the way,
   * not the last connections' TIME_WAIT. */
  if (g_socket_bind (socket, where, TRUE, &error) && g_socket_listen (socket, &error))
    return FALSE;
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
}

guint
sy_notifier_find_free_port (const char *host,
                            guint       port,
                            guint       n_tries)
{
  for (guint next = port + 1; next <= port + n_tries && next <= G_MAXUINT16; next++)
    if (!sy_notifier_port_in_use (host, next))
      return next;
  return 0;
}

guint
sy_notifier_listen_failed (SyNotifier   *self,
                           const char   *host,
                           guint         port,
                           const GError *error)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  g_autofree char *button = NULL;
  guint free_port;

  g_return_val_if_fail (SY_IS_NOTIFIER (self), 0);

  /* Only a port someone else holds has a way out here (not a refused
   * address, a port under 1024, or port 0). */
  if (!g_error_matches (error, SY_SERVICE_ERROR, SY_SERVICE_ERROR_LISTEN) || port == 0 ||
      !sy_notifier_port_in_use (host, port) ||
      (free_port = sy_notifier_find_free_port (host, port, SY_NOTIFIER_PORT_TRIES)) == 0)
    {
      sy_notifier_proxy_failed (self, error);
      return 0;
    }
  if (!self->enabled)
    return free_port;

  /* TRANSLATORS: %u is a port number */
  title = g_strdup_printf (_("Port %u is in use"), port);
  /* TRANSLATORS: the first %u is the port taken, the second a free one */
  body = g_strdup_printf (_("Another program listens on port %u, so the proxy is off. "
                            "Switchyard can use port %u instead."), port, free_port);
  /* TRANSLATORS: a button in the notification; %u is a port number */
  button = g_strdup_printf (_("Use %u"), free_port);
  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_set_default_action (notification, "app.settings");
  g_notification_add_button_with_target (notification, button, "app.use-port", "q", (guint16) free_port);
  self->send ("proxy-failed", notification, title, body, self->send_data);
  g_hash_table_add (self->shown, g_strdup ("proxy-failed"));
  return free_port;
}
