/* sy-accounts-window.c: the Accounts window
 *
 * A list bound to the service's accounts model: a row per account
 * (SyAccountRow), rebuilt by GtkListBox when the model changes (a reload
 * adding or dropping accounts, a login signed in or out). What the
 * accounts do not signal is refreshed here: a login's status and plan
 * after a reload, and the cooldowns, whose "until" passes on its own.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "sy-account-row.h"
#include "sy-accounts-window.h"
#include "sy-app-util.h"
#include "sy-login.h"

/* Cooldowns end between signals: the rows look again this often. */
#define REFRESH_SECONDS 15

struct _SyAccountsWindow
{
  GtkApplicationWindow  parent_instance;

  SyService            *service;
  GListModel           *accounts;
  guint                 refresh_id;

  GtkHeaderBar         *header_bar;
  GtkMenuButton        *add_button;
  GtkInfoBar           *info_bar;
  GtkLabel             *error_label;
  GtkStack             *stack;
  GtkLabel             *summary_label;
  GtkListBox           *list_box;
};

G_DEFINE_FINAL_TYPE (SyAccountsWindow, sy_accounts_window, GTK_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_SERVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char css[] =
  ".sy-account-status.success { color: #26a269; }\n"
  ".sy-account-status.warning { color: #c64600; }\n"
  ".sy-account-status.error { color: #c01c28; }\n"
  /* The provider's badge. */
  ".sy-account-icon { border-radius: 9999px; padding: 9px; min-width: 22px; min-height: 22px;\n"
  "                   background-color: #e8e8e7; color: #5e5c64; }\n"
  ".sy-account-icon.sy-provider-claude { background-color: #f7e2d8; color: #b4522f; }\n"
  ".sy-account-icon.sy-provider-codex { background-color: #d9f0e7; color: #117a5c; }\n"
  ".sy-account-icon.sy-provider-gemini, .sy-account-icon.sy-provider-gemini-cli,\n"
  ".sy-account-icon.sy-provider-vertex, .sy-account-icon.sy-provider-antigravity\n"
  "                 { background-color: #dce6fa; color: #2b5fb3; }\n"
  ".sy-account-icon.sy-provider-kimi { background-color: #e9e1f8; color: #5d40b2; }\n"
  ".sy-account-icon.sy-provider-xai { background-color: #e2e2e2; color: #241f31; }\n"
  /* Quota left: red under a tenth, amber under a quarter. */
  ".sy-account-quota block.quota-ok { background-color: #3584e4; border-color: #1c71d8; }\n"
  ".sy-account-quota block.quota-mid { background-color: #e5a50a; border-color: #c88800; }\n"
  ".sy-account-quota block.quota-low { background-color: #e01b24; border-color: #c01c28; }\n";

static void
ensure_css (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

      gtk_css_provider_load_from_data (provider, css, -1, NULL);
      gtk_style_context_add_provider_for_screen (gdk_screen_get_default (), GTK_STYLE_PROVIDER (provider),
                                                 GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      g_once_init_leave (&done, 1);
    }
}

void
sy_accounts_window_show_error (SyAccountsWindow *self,
                               const char       *message)
{
  g_return_if_fail (SY_IS_ACCOUNTS_WINDOW (self));

  gtk_label_set_text (self->error_label, message);
  gtk_info_bar_set_revealed (self->info_bar, TRUE);
}

static void
on_info_bar_response (GtkInfoBar       *bar,
                      int               response,
                      SyAccountsWindow *self)
{
  gtk_info_bar_set_revealed (bar, FALSE);
}

static void
on_row_error (SyAccountRow     *row,
              const char       *message,
              SyAccountsWindow *self)
{
  sy_accounts_window_show_error (self, message);
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  SyAccountsWindow *self = user_data;
  GtkWidget *row = sy_account_row_new (self->service, SY_ACCOUNT_STATE (item));

  g_signal_connect_object (row, "error", G_CALLBACK (on_row_error), self, 0);
  return row;
}

static void
update_header (GtkListBoxRow *row,
               GtkListBoxRow *before,
               gpointer       user_data)
{
  if (before != NULL && gtk_list_box_row_get_header (row) == NULL)
    gtk_list_box_row_set_header (row, gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  else if (before == NULL && gtk_list_box_row_get_header (row) != NULL)
    gtk_list_box_row_set_header (row, NULL);
}

static void
update_summary (SyAccountsWindow *self)
{
  guint n = g_list_model_get_n_items (self->accounts);
  guint n_enabled = 0;
  g_autofree char *subtitle = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyAccountState) account = g_list_model_get_item (self->accounts, i);

      if (sy_account_state_get_enabled (account))
        n_enabled++;
    }
  if (n == 0)
    subtitle = g_strdup (_("No accounts"));
  else
    /* TRANSLATORS: the header bar's subtitle, "4 accounts, 3 in use" */
    subtitle = g_strdup_printf (ngettext ("%u account, %u in use", "%u accounts, %u in use", n),
                                n, n_enabled);
  gtk_header_bar_set_subtitle (self->header_bar, subtitle);
  gtk_stack_set_visible_child_name (self->stack, n == 0 ? "empty" : "list");
}

static void
on_items_changed (GListModel       *model,
                  guint             position,
                  guint             removed,
                  guint             added,
                  SyAccountsWindow *self)
{
  update_summary (self);
}

static void
update_row (GtkWidget *row,
            gpointer   user_data)
{
  if (SY_IS_ACCOUNT_ROW (row))
    sy_account_row_update (SY_ACCOUNT_ROW (row));
}

static void
update_all (SyAccountsWindow *self)
{
  gtk_container_foreach (GTK_CONTAINER (self->list_box), update_row, NULL);
  update_summary (self);
}

static void
on_reloaded (SyService        *service,
             guint             generation,
             SyAccountsWindow *self)
{
  update_all (self);
}

static gboolean
on_refresh (gpointer user_data)
{
  update_all (user_data);
  return G_SOURCE_CONTINUE;
}

/* The + menu: a sign-in per provider that still offers one. */
static GMenuModel *
build_login_menu (void)
{
  GMenu *menu = g_menu_new ();
  const char * const *providers = sy_login_providers ();

  for (guint i = 0; providers[i] != NULL; i++)
    {
      g_autoptr(GMenuItem) item = NULL;
      g_autofree char *label = NULL;

      if (sy_login_provider_preset (providers[i]) != NULL)
        continue;
      /* TRANSLATORS: an item of the + menu, "Log in to Claude…" */
      label = g_strdup_printf (_("Log in to %s…"), sy_app_provider_name (providers[i]));
      item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target (item, "app.login", "s", providers[i]);
      g_menu_append_item (menu, item);
    }
  return G_MENU_MODEL (menu);
}

static void
sy_accounts_window_constructed (GObject *object)
{
  SyAccountsWindow *self = SY_ACCOUNTS_WINDOW (object);
  g_autoptr(GMenuModel) menu = build_login_menu ();

  G_OBJECT_CLASS (sy_accounts_window_parent_class)->constructed (object);

  g_assert (SY_IS_SERVICE (self->service));
  self->accounts = g_object_ref (sy_service_get_accounts (self->service));
  gtk_menu_button_set_menu_model (self->add_button, menu);
  gtk_label_set_text (self->summary_label,
                      _("Switchyard spreads requests over the accounts that are switched on. An account "
                        "that fails rests for a while (cooling) and comes back by itself."));
  gtk_list_box_set_header_func (self->list_box, update_header, NULL, NULL);
  gtk_list_box_bind_model (self->list_box, self->accounts, create_row, self, NULL);
  g_signal_connect_object (self->accounts, "items-changed", G_CALLBACK (on_items_changed), self,
                           G_CONNECT_AFTER);
  g_signal_connect_object (self->service, "reloaded", G_CALLBACK (on_reloaded), self, 0);
  self->refresh_id = g_timeout_add_seconds (REFRESH_SECONDS, on_refresh, self);
  update_summary (self);
}

static void
sy_accounts_window_dispose (GObject *object)
{
  SyAccountsWindow *self = SY_ACCOUNTS_WINDOW (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->list_box != NULL)
    gtk_list_box_bind_model (self->list_box, NULL, NULL, NULL, NULL);
  g_clear_object (&self->accounts);
  g_clear_object (&self->service);
  G_OBJECT_CLASS (sy_accounts_window_parent_class)->dispose (object);
}

static void
sy_accounts_window_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SyAccountsWindow *self = SY_ACCOUNTS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_accounts_window_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SyAccountsWindow *self = SY_ACCOUNTS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_accounts_window_class_init (SyAccountsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = sy_accounts_window_constructed;
  object_class->dispose = sy_accounts_window_dispose;
  object_class->get_property = sy_accounts_window_get_property;
  object_class->set_property = sy_accounts_window_set_property;

  properties[PROP_SERVICE] = g_param_spec_object ("service", NULL, NULL, SY_TYPE_SERVICE,
                                                  G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                  G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  sy_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/switchyard/Switchyard/ui/sy-accounts-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SyAccountsWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, SyAccountsWindow, add_button);
  gtk_widget_class_bind_template_child (widget_class, SyAccountsWindow, info_bar);
  gtk_widget_class_bind_template_child (widget_class, SyAccountsWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, SyAccountsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, SyAccountsWindow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, SyAccountsWindow, list_box);
  gtk_widget_class_bind_template_callback (widget_class, on_info_bar_response);
}

static void
sy_accounts_window_init (SyAccountsWindow *self)
{
  ensure_css ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
sy_accounts_window_new (SyService *service)
{
  g_return_val_if_fail (SY_IS_SERVICE (service), NULL);

  return g_object_new (SY_TYPE_ACCOUNTS_WINDOW, "service", service, NULL);
}

GtkListBox *
sy_accounts_window_get_list (SyAccountsWindow *self)
{
  g_return_val_if_fail (SY_IS_ACCOUNTS_WINDOW (self), NULL);
  return self->list_box;
}
