/* sy-tray-menu.c: the tray's menu, built from the engine's live objects
 *
 * Three sections are rebuilt from the service whenever it says something
 * changed (coalesced in an idle): the proxy switch and endpoint, the
 * accounts, and the fixed entries. The menu widgets follow the model by
 * themselves (gtk_menu_new_from_model), and so does what AppIndicator
 * exports over D-Bus.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "sy-clock.h"
#include "sy-login.h"
#include "sy-quota.h"
#include "sy-service-logins.h"
#include "sy-app-util.h"
#include "sy-attention.h"
#include "sy-tray-menu.h"

struct _SyTrayMenu
{
  GObject             parent_instance;
  SyService          *service;
  GMenu              *menu;
  GMenu              *proxy_section;
  GMenu              *accounts_section;
  GSimpleActionGroup *actions;
  GSimpleAction      *proxy_action;
  GPtrArray          *watched;        /* SyAccountState we listen to */
  GPtrArray          *credentials;    /* their logins' SyCredential, listened to too */
  char               *url;            /* what the endpoint line shows */
  guint               update_id;
  guint               recheck_id;     /* when the first cooldown ends */
  gboolean            failed;         /* the last attempt to listen failed */
  SyTrayStatus        status;
};

G_DEFINE_FINAL_TYPE (SyTrayMenu, sy_tray_menu, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATUS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  LISTEN_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

char *
sy_tray_menu_describe_account (SyAccountState *state,
                               gint64          now_us)
{
  return sy_tray_menu_describe_account_full (state, FALSE, now_us);
}

char *
sy_tray_menu_describe_account_full (SyAccountState *state,
                                    gboolean        needs_login,
                                    gint64          now_us)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GPtrArray) windows = sy_account_state_dup_quota_windows (state);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  const char *title = sy_app_provider_name (sy_account_state_get_provider (state));
  const char *label = sy_account_state_get_label (state);
  const SyQuotaWindow *lowest = NULL;
  gint64 recovery;

  if (label == NULL || *label == '\0')
    label = sy_account_state_get_id (state);
  g_string_append (line, title);
  if (g_strcmp0 (label, title) != 0)
    g_string_append_printf (line, " · %s", label);

  for (guint i = 0; i < windows->len; i++)
    {
      const SyQuotaWindow *w = g_ptr_array_index (windows, i);

      if (w->remaining >= 0 && (lowest == NULL || w->remaining < lowest->remaining))
        lowest = w;
    }

  if (!sy_account_state_get_enabled (state))
    g_ptr_array_add (parts, g_strdup (_("off")));
  if (needs_login)
    /* TRANSLATORS: in an account's line of the tray menu: the provider
     * refused its saved sign-in */
    g_ptr_array_add (parts, g_strdup (_("needs login")));
  if (lowest != NULL)
    {
      /* TRANSLATORS: the quota left, e.g. "62%" */
      g_ptr_array_add (parts, g_strdup_printf (_("%d%%"), (int) lround (lowest->remaining * 100)));
      if (lowest->reset_us > now_us)
        {
          g_autofree char *at = sy_app_format_time (lowest->reset_us, now_us);

          g_ptr_array_add (parts, g_strdup_printf (_("resets %s"), at));
        }
    }
  else if (sy_account_state_get_quota (state, NULL) >= 0)
    g_ptr_array_add (parts, g_strdup_printf (_("%d%%"),
                                             (int) lround (sy_account_state_get_quota (state, NULL) * 100)));
  recovery = sy_account_state_get_next_recovery (state, now_us);
  if (recovery > now_us)
    {
      g_autofree char *at = sy_app_format_time (recovery, now_us);

      g_ptr_array_add (parts, g_strdup_printf (_("cooling until %s"), at));
    }

  for (guint i = 0; i < parts->len; i++)
    g_string_append_printf (line, "%s%s", i == 0 ? " — " : " · ", (char *) g_ptr_array_index (parts, i));
  return g_string_free (g_steal_pointer (&line), FALSE);
}

/* Menu labels take '_' as a mnemonic mark: text from outside doubles it. */
static char *
escape_mnemonics (const char *text)
{
  g_auto(GStrv) pieces = g_strsplit (text, "_", -1);

  return g_strjoinv ("__", pieces);
}

SyTrayStatus
sy_tray_menu_compute_status (SyService *service,
                             gboolean   failed,
                             gint64     now_us)
{
  GListModel *accounts;
  g_autoptr(GPtrArray) exhausted = NULL;

  g_return_val_if_fail (SY_IS_SERVICE (service), SY_TRAY_STATUS_STOPPED);

  if (!sy_service_get_listening (service))
    return failed ? SY_TRAY_STATUS_ERROR : SY_TRAY_STATUS_STOPPED;

  /* Attention: an enabled account whose login was refused, or a model
   * that no account can serve now (each of its accounts cooling down for
   * it or out of quota). One account out while another serves is the
   * proxy doing its job, not news. */
  accounts = sy_service_get_accounts (service);
  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(SyAccountState) state = g_list_model_get_item (accounts, i);

      if (sy_account_state_get_enabled (state) && sy_attention_needs_login (service, state))
        return SY_TRAY_STATUS_ATTENTION;
    }
  exhausted = sy_attention_exhausted_models (service, now_us);
  if (exhausted->len > 0)
    return SY_TRAY_STATUS_ATTENTION;
  return SY_TRAY_STATUS_RUNNING;
}

static void
build_proxy_section (SyTrayMenu *self)
{
  g_autoptr(GMenuItem) endpoint = NULL;
  g_autofree char *url = sy_service_dup_url (self->service);
  g_autofree char *url_label = NULL;

  if (g_menu_model_get_n_items (G_MENU_MODEL (self->proxy_section)) == 0)
    g_menu_append (self->proxy_section, _("Proxy on"), "tray.proxy");
  /* Only the endpoint line is replaced: the switch keeps its widget. */
  if (g_strcmp0 (url, self->url) == 0)
    return;
  g_free (self->url);
  self->url = g_strdup (url);
  url_label = escape_mnemonics (url);
  endpoint = g_menu_item_new (url_label, "tray.copy-endpoint");
  if (g_menu_model_get_n_items (G_MENU_MODEL (self->proxy_section)) > 1)
    g_menu_remove (self->proxy_section, 1);
  g_menu_append_item (self->proxy_section, endpoint);
}

static void
build_accounts_section (SyTrayMenu *self)
{
  GListModel *accounts = sy_service_get_accounts (self->service);
  guint n = g_list_model_get_n_items (accounts);
  gint64 now_us = sy_clock_now (sy_clock_get_default ());

  g_menu_remove_all (self->accounts_section);
  if (n == 0)
    {
      g_autoptr(GMenuItem) none = g_menu_item_new (_("No accounts yet: log in below"), NULL);

      g_menu_item_set_action_and_target (none, "tray.account", "s", "");
      g_menu_append_item (self->accounts_section, none);
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyAccountState) state = g_list_model_get_item (accounts, i);
      g_autofree char *text = sy_tray_menu_describe_account_full (state,
                                                                  sy_attention_needs_login (self->service, state),
                                                                  now_us);
      g_autofree char *label = escape_mnemonics (text);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      /* A disabled action: the line shows, greyed, and does nothing. */
      g_menu_item_set_action_and_target (item, "tray.account", "s", sy_account_state_get_id (state));
      g_menu_append_item (self->accounts_section, item);
    }
}

static void queue_update (SyTrayMenu *self);

static gboolean
recheck (gpointer user_data)
{
  SyTrayMenu *self = user_data;

  self->recheck_id = 0;
  queue_update (self);
  return G_SOURCE_REMOVE;
}

/* Cooldowns end without a signal: look again when the first one does, so
 * the icon and the "cooling until" lines do not outlive them. */
static void
schedule_recheck (SyTrayMenu *self,
                  gint64      now_us)
{
  GListModel *accounts = sy_service_get_accounts (self->service);
  gint64 soonest = 0;

  g_clear_handle_id (&self->recheck_id, g_source_remove);
  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(SyAccountState) state = g_list_model_get_item (accounts, i);
      gint64 recovery = sy_account_state_get_next_recovery (state, now_us);

      if (recovery > now_us && (soonest == 0 || recovery < soonest))
        soonest = recovery;
    }
  if (soonest > 0)
    self->recheck_id = g_timeout_add_seconds ((guint) MIN ((soonest - now_us) / G_USEC_PER_SEC + 1, G_MAXINT),
                                              recheck, self);
}

static void
update_now (SyTrayMenu *self)
{
  SyTrayStatus status;
  gint64 now_us = sy_clock_now (sy_clock_get_default ());

  /* Listening again ends an earlier failure. */
  if (sy_service_get_listening (self->service))
    self->failed = FALSE;
  g_simple_action_set_state (self->proxy_action,
                             g_variant_new_boolean (sy_service_get_listening (self->service)));
  build_proxy_section (self);
  build_accounts_section (self);
  status = sy_tray_menu_compute_status (self->service, self->failed, now_us);
  schedule_recheck (self, now_us);
  if (status != self->status)
    {
      self->status = status;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }
}

static gboolean
update_idle (gpointer user_data)
{
  SyTrayMenu *self = user_data;

  self->update_id = 0;
  update_now (self);
  return G_SOURCE_REMOVE;
}

static void
queue_update (SyTrayMenu *self)
{
  if (self->update_id == 0)
    self->update_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, update_idle, self, NULL);
}

static void
unwatch_accounts (SyTrayMenu *self)
{
  for (guint i = 0; i < self->watched->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->watched, i), self);
  g_ptr_array_set_size (self->watched, 0);
  for (guint i = 0; i < self->credentials->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->credentials, i), self);
  g_ptr_array_set_size (self->credentials, 0);
}

static void
on_accounts_changed (GListModel *accounts,
                     guint       position,
                     guint       removed,
                     guint       added,
                     SyTrayMenu *self)
{
  unwatch_accounts (self);
  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      SyAccountState *state = g_list_model_get_item (accounts, i);
      SyCredential *credential = sy_service_lookup_login (self->service, sy_account_state_get_id (state));

      g_signal_connect_swapped (state, "changed", G_CALLBACK (queue_update), self);
      g_ptr_array_add (self->watched, state);
      /* A refused login changes the credential, not the account state. */
      if (credential != NULL && !g_ptr_array_find (self->credentials, credential, NULL))
        {
          g_signal_connect_swapped (credential, "changed", G_CALLBACK (queue_update), self);
          g_ptr_array_add (self->credentials, g_object_ref (credential));
        }
    }
  queue_update (self);
}

static void
on_proxy_change_state (GSimpleAction *action,
                       GVariant      *value,
                       gpointer       user_data)
{
  SyTrayMenu *self = user_data;
  gboolean on = g_variant_get_boolean (value);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  /* Off closes the listener only: requests under way finish. */
  if (on && sy_service_get_state (self->service) == SY_SERVICE_STATE_STOPPED)
    ok = sy_service_start (self->service, &error);
  else
    ok = sy_service_set_listening (self->service, on, &error);
  self->failed = !ok;
  g_simple_action_set_state (action, g_variant_new_boolean (sy_service_get_listening (self->service)));
  queue_update (self);
  if (!ok)
    {
      /* The application says it (log, notification). */
      g_message ("The proxy switch could not listen: %s", error->message);
      g_signal_emit (self, signals[LISTEN_FAILED], 0, error);
    }
}

static void
on_copy_endpoint (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  SyTrayMenu *self = user_data;
  g_autofree char *url = sy_service_dup_url (self->service);

  gtk_clipboard_set_text (gtk_clipboard_get (GDK_SELECTION_CLIPBOARD), url, -1);
}

SyTrayMenu *
sy_tray_menu_new (SyService *service)
{
  SyTrayMenu *self;
  g_autoptr(GMenu) more = g_menu_new ();
  g_autoptr(GMenu) login = g_menu_new ();
  g_autoptr(GMenu) quit = g_menu_new ();
  g_autoptr(GSimpleAction) copy = NULL;
  g_autoptr(GSimpleAction) account = NULL;
  const char * const *providers = sy_login_providers ();

  g_return_val_if_fail (SY_IS_SERVICE (service), NULL);

  self = g_object_new (SY_TYPE_TRAY_MENU, NULL);
  self->service = g_object_ref (service);

  self->proxy_action = g_simple_action_new_stateful ("proxy", NULL,
                                                     g_variant_new_boolean (sy_service_get_listening (service)));
  g_signal_connect (self->proxy_action, "change-state", G_CALLBACK (on_proxy_change_state), self);
  g_action_map_add_action (G_ACTION_MAP (self->actions), G_ACTION (self->proxy_action));
  copy = g_simple_action_new ("copy-endpoint", NULL);
  g_signal_connect (copy, "activate", G_CALLBACK (on_copy_endpoint), self);
  g_action_map_add_action (G_ACTION_MAP (self->actions), G_ACTION (copy));
  account = g_simple_action_new ("account", G_VARIANT_TYPE_STRING);
  g_simple_action_set_enabled (account, FALSE);
  g_action_map_add_action (G_ACTION_MAP (self->actions), G_ACTION (account));

  for (guint i = 0; providers[i] != NULL; i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (sy_login_provider_title (providers[i]), NULL);

      g_menu_item_set_action_and_target (item, "app.login", "s", providers[i]);
      g_menu_append_item (login, item);
    }
  g_menu_append_submenu (more, _("Log in"), G_MENU_MODEL (login));
  g_menu_append (more, _("Accounts…"), "app.accounts");
  g_menu_append (more, _("Model mappings…"), "app.mappings");
  g_menu_append (more, _("Usage & quota…"), "app.usage");
  g_menu_append (more, _("Settings…"), "app.settings");
  g_menu_append (more, _("Logs…"), "app.logs");
  g_menu_append (quit, _("Quit"), "app.quit");

  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (self->proxy_section));
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (self->accounts_section));
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (more));
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (quit));

  g_signal_connect_object (service, "notify::listening", G_CALLBACK (queue_update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (service, "notify::port", G_CALLBACK (queue_update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (service, "notify::host", G_CALLBACK (queue_update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (service, "reloaded", G_CALLBACK (queue_update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (sy_service_get_accounts (service), "items-changed",
                           G_CALLBACK (on_accounts_changed), self, 0);
  on_accounts_changed (sy_service_get_accounts (service), 0, 0, 0, self);
  update_now (self);
  return self;
}

GMenuModel *
sy_tray_menu_get_model (SyTrayMenu *self)
{
  g_return_val_if_fail (SY_IS_TRAY_MENU (self), NULL);
  return G_MENU_MODEL (self->menu);
}

GActionGroup *
sy_tray_menu_get_actions (SyTrayMenu *self)
{
  g_return_val_if_fail (SY_IS_TRAY_MENU (self), NULL);
  return G_ACTION_GROUP (self->actions);
}

SyTrayStatus
sy_tray_menu_get_status (SyTrayMenu *self)
{
  g_return_val_if_fail (SY_IS_TRAY_MENU (self), SY_TRAY_STATUS_RUNNING);
  return self->status;
}

void
sy_tray_menu_set_failed (SyTrayMenu *self,
                         gboolean    failed)
{
  g_return_if_fail (SY_IS_TRAY_MENU (self));

  self->failed = !!failed;
  update_now (self);
}

void
sy_tray_menu_update (SyTrayMenu *self)
{
  g_return_if_fail (SY_IS_TRAY_MENU (self));

  g_clear_handle_id (&self->update_id, g_source_remove);
  update_now (self);
}

static void
sy_tray_menu_dispose (GObject *object)
{
  SyTrayMenu *self = SY_TRAY_MENU (object);

  g_clear_handle_id (&self->update_id, g_source_remove);
  g_clear_handle_id (&self->recheck_id, g_source_remove);
  if (self->watched != NULL)
    unwatch_accounts (self);
  g_clear_object (&self->service);
  G_OBJECT_CLASS (sy_tray_menu_parent_class)->dispose (object);
}

static void
sy_tray_menu_finalize (GObject *object)
{
  SyTrayMenu *self = SY_TRAY_MENU (object);

  g_clear_pointer (&self->watched, g_ptr_array_unref);
  g_clear_pointer (&self->credentials, g_ptr_array_unref);
  g_free (self->url);
  g_clear_object (&self->proxy_action);
  g_clear_object (&self->actions);
  g_clear_object (&self->proxy_section);
  g_clear_object (&self->accounts_section);
  g_clear_object (&self->menu);
  G_OBJECT_CLASS (sy_tray_menu_parent_class)->finalize (object);
}

static void
sy_tray_menu_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  SyTrayMenu *self = SY_TRAY_MENU (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_tray_menu_class_init (SyTrayMenuClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_tray_menu_dispose;
  object_class->finalize = sy_tray_menu_finalize;
  object_class->get_property = sy_tray_menu_get_property;

  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL, SY_TYPE_TRAY_STATUS, SY_TRAY_STATUS_STOPPED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The proxy switch could not open the port: the GError says why (the
   * application tells the user). */
  signals[LISTEN_FAILED] =
    g_signal_new ("listen-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
sy_tray_menu_init (SyTrayMenu *self)
{
  self->menu = g_menu_new ();
  self->proxy_section = g_menu_new ();
  self->accounts_section = g_menu_new ();
  self->actions = g_simple_action_group_new ();
  self->watched = g_ptr_array_new_with_free_func (g_object_unref);
  self->credentials = g_ptr_array_new_with_free_func (g_object_unref);
  self->status = SY_TRAY_STATUS_STOPPED;
}
