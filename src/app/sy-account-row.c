/* sy-account-row.c: one account in the Accounts window
 *
 * A row shows what the account is (provider, label, plan, prefix,
 * priority), how it is doing (active, cooling, needs login, disabled,
 * discontinued) and its quota windows, and holds its controls: the
 * enable switch, re-login, prefix and priority, remove. Everything it
 * changes goes through the core: the account's state for the switch, the
 * login's credential for a signed-in account, config.yaml (through
 * sy_service_edit_config) for an API-key account.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-app"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sy-account-row.h"
#include "sy-app-util.h"
#include "sy-quota.h"
#include "sy-registry.h"
#include "sy-service-logins.h"

struct _SyAccountRow
{
  GtkListBoxRow   parent_instance;

  SyService      *service;
  SyAccountState *account;
  SyCredential   *credential;     /* the login behind it, watched; NULL for an API key */
  guint           update_id;
  gboolean        updating;       /* the switch follows the account: no echo */
  GtkWidget      *remove_dialog;  /* weak: the open "Remove?" question */

  GtkImage       *icon;
  GtkLabel       *title_label;
  GtkLabel       *subtitle_label;
  GtkLabel       *status_label;
  GtkGrid        *quota_grid;
  GtkButton      *relogin_button;
  GtkToggleButton *edit_button;
  GtkRevealer    *edit_revealer;
  GtkEntry       *prefix_entry;
  GtkSpinButton  *priority_spin;
  GtkButton      *apply_button;
  GtkButton      *remove_button;
  GtkSwitch      *enabled_switch;
};

G_DEFINE_FINAL_TYPE (SyAccountRow, sy_account_row, GTK_TYPE_LIST_BOX_ROW)

enum
{
  ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
reason_text (SyFailureReason reason)
{
  switch (reason)
    {
    case SY_FAILURE_QUOTA: return _("quota used up");
    case SY_FAILURE_UNAUTHORIZED: return _("the key or sign-in was refused");
    case SY_FAILURE_PAYMENT_REQUIRED: return _("payment required");
    case SY_FAILURE_NOT_FOUND: return _("model not found");
    case SY_FAILURE_MODEL_NOT_SUPPORTED: return _("model not supported");
    case SY_FAILURE_TRANSIENT: return _("the provider had an error");
    case SY_FAILURE_NONE:
    default: return NULL;
    }
}

char *
sy_account_row_describe_status (SyService       *service,
                                SyAccountState  *account,
                                gint64           now_us,
                                const char     **style_class)
{
  SyCredential *credential = sy_service_lookup_login (service, sy_account_state_get_id (account));
  g_auto(GStrv) models = NULL;
  const char *provider = sy_account_state_get_provider (account);
  const char *soonest_model = NULL;
  const char *why;
  g_autofree char *at = NULL;
  SyModelState soonest = { 0 };

  if (credential != NULL && sy_login_provider_preset (provider) != NULL)
    {
      *style_class = "error";
      return g_strdup_printf (_("Discontinued: %s no longer offers this sign-in"),
                              sy_app_provider_name (provider));
    }
  if (credential != NULL && sy_credential_get_status (credential) == SY_CREDENTIAL_NEEDS_LOGIN)
    {
      *style_class = "warning";
      return g_strdup (_("Needs login: the provider refused the saved sign-in"));
    }
  if (!sy_account_state_get_enabled (account))
    {
      *style_class = "dim-label";
      return g_strdup (_("Disabled"));
    }

  /* The cooldown that ends first says why and until when. */
  models = sy_account_state_list_models (account);
  for (guint i = 0; models != NULL && models[i] != NULL; i++)
    {
      SyModelState state;

      sy_account_state_get_model (account, models[i], now_us, &state);
      if (state.status == SY_MODEL_COOLING && state.until_us > now_us
          && (soonest_model == NULL || state.until_us < soonest.until_us))
        {
          soonest = state;
          soonest_model = models[i];
        }
    }
  if (soonest_model == NULL)
    {
      *style_class = "success";
      return g_strdup (_("Active"));
    }
  *style_class = "warning";
  at = sy_app_format_time (soonest.until_us, now_us);
  why = reason_text (soonest.reason);
  if (why != NULL)
    /* TRANSLATORS: "Cooling until 18:00 — quota used up (claude-sonnet-4-5)" */
    return g_strdup_printf (_("Cooling until %s — %s (%s)"), at, why, soonest_model);
  return g_strdup_printf (_("Cooling until %s (%s)"), at, soonest_model);
}

/* The theme's icon for the provider when it has one, else a generic one:
 * a person for a sign-in, a key for a provider's API key, a server for an
 * OpenAI-compatible endpoint. */
static const char *
icon_name_for (SyAccountState *account,
               gboolean        is_login,
               char          **owned)
{
  static const char * const key_providers[] = { "claude", "gemini", "codex", "vertex", NULL };
  GtkIconTheme *theme = gtk_icon_theme_get_default ();
  const char *provider = sy_account_state_get_provider (account);

  *owned = g_strdup_printf ("switchyard-provider-%s-symbolic", provider);
  if (theme != NULL && gtk_icon_theme_has_icon (theme, *owned))
    return *owned;
  if (is_login)
    return "avatar-default-symbolic";
  if (g_strv_contains (key_providers, provider))
    return "dialog-password-symbolic";
  return "network-server-symbolic";
}

/* The icon's badge takes the provider's colour (sy-accounts-window.c has
 * the CSS): "sy-provider-claude". */
static void
set_provider_class (GtkWidget  *icon,
                    const char *provider)
{
  GtkStyleContext *context = gtk_widget_get_style_context (icon);
  g_autoptr(GList) classes = gtk_style_context_list_classes (context);
  g_autofree char *name = g_strdup_printf ("sy-provider-%s", provider);

  for (GList *l = classes; l != NULL; l = l->next)
    if (g_str_has_prefix (l->data, "sy-provider-"))
      gtk_style_context_remove_class (context, l->data);
  g_strcanon (name, "abcdefghijklmnopqrstuvwxyz0123456789-", '-');
  gtk_style_context_add_class (context, name);
}

static char *
format_quota (const SyQuotaWindow *w,
              gint64               now_us)
{
  g_autofree char *at = NULL;

  if (w->remaining < 0)
    return g_strdup (_("unknown"));
  if (w->reset_us <= now_us)
    return g_strdup_printf (_("%d%% left"), (int) lround (w->remaining * 100));
  at = sy_app_format_time (w->reset_us, now_us);
  /* TRANSLATORS: "62% left · resets 18:00" */
  return g_strdup_printf (_("%d%% left · resets %s"), (int) lround (w->remaining * 100), at);
}

static void
add_quota_line (SyAccountRow        *self,
                int                  line,
                const SyQuotaWindow *w,
                gint64               now_us)
{
  g_autofree char *text = format_quota (w, now_us);
  g_autofree char *accessible = NULL;
  const char *name = w->label != NULL ? w->label : w->id;
  GtkWidget *label = gtk_label_new (name);
  GtkWidget *bar = gtk_level_bar_new_for_interval (0, 1);
  GtkWidget *value = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  /* The bars of every row line up for the usual window names. */
  gtk_label_set_width_chars (GTK_LABEL (label), 10);
  gtk_style_context_add_class (gtk_widget_get_style_context (label), "dim-label");
  gtk_level_bar_set_value (GTK_LEVEL_BAR (bar), CLAMP (w->remaining, 0, 1));
  /* Red below a tenth (the notifier's threshold), amber below a quarter;
   * the colours are the window's CSS. */
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_FULL);
  gtk_level_bar_add_offset_value (GTK_LEVEL_BAR (bar), "quota-low", 0.1);
  gtk_level_bar_add_offset_value (GTK_LEVEL_BAR (bar), "quota-mid", 0.25);
  gtk_level_bar_add_offset_value (GTK_LEVEL_BAR (bar), "quota-ok", 1.0);
  gtk_style_context_add_class (gtk_widget_get_style_context (bar), "sy-account-quota");
  gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
  /* One width everywhere: the bars of all rows line up. */
  gtk_widget_set_size_request (bar, 200, -1);
  accessible = g_strdup_printf ("%s: %s", name, text);
  atk_object_set_name (gtk_widget_get_accessible (bar), accessible);
  gtk_label_set_xalign (GTK_LABEL (value), 0);
  gtk_label_set_width_chars (GTK_LABEL (value), 22);
  gtk_style_context_add_class (gtk_widget_get_style_context (value), "numeric");
  gtk_grid_attach (self->quota_grid, label, 0, line, 1, 1);
  gtk_grid_attach (self->quota_grid, bar, 1, line, 1, 1);
  gtk_grid_attach (self->quota_grid, value, 2, line, 1, 1);
  gtk_widget_show (label);
  gtk_widget_show (bar);
  gtk_widget_show (value);
}

static void
update_quota (SyAccountRow *self,
              gint64        now_us)
{
  g_autoptr(GPtrArray) windows = sy_account_state_dup_quota_windows (self->account);
  g_autoptr(GList) old = gtk_container_get_children (GTK_CONTAINER (self->quota_grid));
  double overall = sy_account_state_get_quota (self->account, NULL);

  for (GList *l = old; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  for (guint i = 0; i < windows->len; i++)
    add_quota_line (self, i, g_ptr_array_index (windows, i), now_us);
  /* A fraction reported without a window of its own. */
  if (windows->len == 0 && overall >= 0)
    {
      g_autoptr(SyQuotaWindow) w = sy_quota_window_new ("quota", _("Quota"), NULL, overall, 0, 0, now_us,
                                                        SY_QUOTA_SOURCE_HEADERS);

      add_quota_line (self, 0, w, now_us);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->quota_grid), windows->len > 0 || overall >= 0);
}

static void
set_status_class (GtkLabel   *label,
                  const char *style_class)
{
  static const char * const all[] = { "success", "warning", "error", "dim-label" };
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (label));

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    gtk_style_context_remove_class (context, all[i]);
  gtk_style_context_add_class (context, style_class);
}

static void queue_update (SyAccountRow *self);

/* A login's status (needs login) and plan change on its credential, which
 * a reload may replace: the row watches the one in force. */
static void
watch_credential (SyAccountRow *self,
                  SyCredential *credential)
{
  if (credential == self->credential)
    return;
  if (self->credential != NULL)
    g_signal_handlers_disconnect_by_func (self->credential, queue_update, self);
  g_set_object (&self->credential, credential);
  if (credential != NULL)
    g_signal_connect_swapped (credential, "changed", G_CALLBACK (queue_update), self);
}

void
sy_account_row_update (SyAccountRow *self)
{
  SyAccountState *account;
  SyCredential *credential;
  const char *label;
  const char *provider;
  const char *prefix;
  const char *plan = NULL;
  const char *style_class = "success";
  const char *tooltip;
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *icon_owned = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *status = NULL;
  g_autofree char *accessible = NULL;
  gint64 now_us = g_get_real_time ();

  g_return_if_fail (SY_IS_ACCOUNT_ROW (self));

  account = self->account;
  provider = sy_account_state_get_provider (account);
  credential = sy_service_lookup_login (self->service, sy_account_state_get_id (account));
  watch_credential (self, credential);
  label = sy_account_state_get_label (account);
  if (label == NULL || *label == '\0')
    label = sy_account_state_get_id (account);
  prefix = sy_account_state_get_prefix (account);

  gtk_image_set_from_icon_name (self->icon, icon_name_for (account, credential != NULL, &icon_owned),
                                GTK_ICON_SIZE_DND);
  set_provider_class (GTK_WIDGET (self->icon), provider);
  gtk_label_set_text (self->title_label, label);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title_label), sy_account_state_get_id (account));

  g_ptr_array_add (parts, g_strdup (sy_app_provider_name (provider)));
  g_ptr_array_add (parts, g_strdup (credential != NULL ? _("signed in") : _("API key")));
  if (credential != NULL)
    plan = sy_credential_get_extra (credential, "plan");
  if (plan != NULL && *plan != '\0')
    {
      g_autofree char *title = g_strdup (plan);

      title[0] = g_ascii_toupper (title[0]);
      /* TRANSLATORS: the subscription's plan, "Pro plan" */
      g_ptr_array_add (parts, g_strdup_printf (_("%s plan"), title));
    }
  if (prefix != NULL && *prefix != '\0')
    /* TRANSLATORS: the account's models are also offered as "work/model" */
    g_ptr_array_add (parts, g_strdup_printf (_("prefix %s/"), prefix));
  if (sy_account_state_get_priority (account) != 0)
    g_ptr_array_add (parts, g_strdup_printf (_("priority %d"), sy_account_state_get_priority (account)));
  g_ptr_array_add (parts, NULL);
  subtitle = g_strjoinv (" · ", (char **) parts->pdata);
  gtk_label_set_text (self->subtitle_label, subtitle);

  status = sy_account_row_describe_status (self->service, account, now_us, &style_class);
  gtk_label_set_text (self->status_label, status);
  set_status_class (self->status_label, style_class);
  /* The provider's own words, for who wants them. */
  if (credential != NULL && sy_credential_get_status_reason (credential) != NULL)
    tooltip = sy_credential_get_status_reason (credential);
  else
    tooltip = sy_account_state_get_last_error (account);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), tooltip);

  update_quota (self, now_us);

  self->updating = TRUE;
  gtk_switch_set_active (self->enabled_switch, sy_account_state_get_enabled (account));
  self->updating = FALSE;
  accessible = g_strdup_printf (_("Use %s"), label);
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->enabled_switch)), accessible);

  /* Re-login is for sign-ins the provider still offers: not an ended
   * one (Qwen, iFlow), nor an imported key that has none (Vertex). */
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->relogin_button),
                                          g_variant_new_string (provider));
  gtk_widget_set_visible (GTK_WIDGET (self->relogin_button),
                          credential != NULL && g_strv_contains (sy_login_providers (), provider));
}

static gboolean
update_idle (gpointer user_data)
{
  SyAccountRow *self = user_data;

  self->update_id = 0;
  sy_account_row_update (self);
  return G_SOURCE_REMOVE;
}

static void
queue_update (SyAccountRow *self)
{
  if (self->update_id == 0)
    self->update_id = g_idle_add (update_idle, self);
}

static void
on_account_changed (SyAccountState *account,
                    guint           what,
                    gpointer        user_data)
{
  /* Requests count on every answer: nothing a row shows. */
  if (what == SY_ACCOUNT_CHANGED_COUNTERS)
    return;
  queue_update (user_data);
}

static SyCredential *
lookup_login (SyAccountRow *self)
{
  return sy_service_lookup_login (self->service, sy_account_state_get_id (self->account));
}

static void
report (SyAccountRow *self,
        const char   *message)
{
  g_signal_emit (self, signals[ERROR], 0, message);
}

static void
on_enabled_toggled (GtkSwitch    *sw,
                    GParamSpec   *pspec,
                    SyAccountRow *self)
{
  if (self->updating)
    return;
  sy_account_state_set_enabled (self->account, gtk_switch_get_active (sw));
}

static void
on_edit_toggled (GtkToggleButton *button,
                 SyAccountRow    *self)
{
  const char *prefix = sy_account_state_get_prefix (self->account);

  if (!gtk_toggle_button_get_active (button))
    return;
  gtk_entry_set_text (self->prefix_entry, prefix != NULL ? prefix : "");
  gtk_spin_button_set_value (self->priority_spin, sy_account_state_get_priority (self->account));
  gtk_widget_grab_focus (GTK_WIDGET (self->prefix_entry));
}

/* Async completions hold a reference on the row: it may have left the
 * list (a reload rebuilt it) by then. */
static void
on_login_saved (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SyAccountRow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!sy_service_save_login_finish (SY_SERVICE (source), result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not save the account: %s"), error->message);

      report (self, message);
    }
}

static void
on_apply_clicked (GtkButton    *button,
                  SyAccountRow *self)
{
  g_autofree char *prefix = g_strstrip (g_strdup (gtk_entry_get_text (self->prefix_entry)));
  SyCredential *credential = lookup_login (self);
  int priority;
  g_autoptr(GError) error = NULL;

  gtk_spin_button_update (self->priority_spin);
  priority = gtk_spin_button_get_value_as_int (self->priority_spin);
  /* A prefix is one path segment. */
  g_strdelimit (prefix, "/", ' ');
  g_strstrip (prefix);
  if (strchr (prefix, ' ') != NULL)
    {
      report (self, _("A prefix is one word without spaces or slashes."));
      return;
    }
  gtk_toggle_button_set_active (self->edit_button, FALSE);

  if (credential != NULL)
    {
      sy_credential_set_prefix (credential, *prefix != '\0' ? prefix : NULL);
      sy_credential_set_priority (credential, priority);
      sy_service_save_login_async (self->service, credential, on_login_saved, g_object_ref (self));
      return;
    }
  if (!sy_account_config_set (self->service, self->account, prefix, priority, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not change config.yaml: %s"), error->message);

      report (self, message);
    }
}

static void
on_login_removed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SyAccountRow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!sy_service_remove_login_finish (SY_SERVICE (source), result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not remove the account: %s"), error->message);

      report (self, message);
    }
}

static void
on_remove_response (GtkDialog    *dialog,
                    int           response,
                    SyAccountRow *self)
{
  SyCredential *credential;
  g_autoptr(GError) error = NULL;

  g_clear_weak_pointer (&self->remove_dialog);
  gtk_widget_destroy (GTK_WIDGET (dialog));
  if (response != GTK_RESPONSE_ACCEPT)
    return;
  credential = lookup_login (self);
  if (credential != NULL)
    {
      sy_service_remove_login_async (self->service, credential, on_login_removed, g_object_ref (self));
      return;
    }
  if (!sy_account_config_remove (self->service, self->account, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not change config.yaml: %s"), error->message);

      report (self, message);
    }
}

static void
on_remove_clicked (GtkButton    *button,
                   SyAccountRow *self)
{
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  SyCredential *credential = lookup_login (self);
  GtkWidget *dialog;
  GtkWidget *remove;

  dialog = gtk_message_dialog_new (GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL,
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                   _("Remove %s?"), gtk_label_get_text (self->title_label));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
                                            credential != NULL
                                            ? _("Its tokens are deleted from this computer and "
                                                "Switchyard stops using it. You can log in again later.")
                                            : _("Its entry is taken out of config.yaml and Switchyard "
                                                "stops using the key."));
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  remove = gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Remove"), GTK_RESPONSE_ACCEPT);
  gtk_style_context_add_class (gtk_widget_get_style_context (remove), "destructive-action");
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response), self, 0);
  /* The question goes with the row: a reload that rebuilds the list
   * would otherwise leave it open with buttons that do nothing. */
  if (self->remove_dialog != NULL)
    gtk_widget_destroy (self->remove_dialog);
  g_set_weak_pointer (&self->remove_dialog, dialog);
  gtk_widget_show (dialog);
}

static void
sy_account_row_dispose (GObject *object)
{
  SyAccountRow *self = SY_ACCOUNT_ROW (object);

  g_clear_handle_id (&self->update_id, g_source_remove);
  if (self->remove_dialog != NULL)
    gtk_widget_destroy (self->remove_dialog);
  g_clear_weak_pointer (&self->remove_dialog);
  if (self->account != NULL)
    g_signal_handlers_disconnect_by_func (self->account, on_account_changed, self);
  g_clear_object (&self->account);
  watch_credential (self, NULL);
  g_clear_object (&self->service);
  G_OBJECT_CLASS (sy_account_row_parent_class)->dispose (object);
}

static void
sy_account_row_class_init (SyAccountRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = sy_account_row_dispose;

  /* error (const char *message): an edit did not take */
  signals[ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  sy_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/switchyard/Switchyard/ui/sy-account-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SyAccountRow, icon);
  gtk_widget_class_bind_template_child (widget_class, SyAccountRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, SyAccountRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, SyAccountRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, SyAccountRow, quota_grid);
  gtk_widget_class_bind_template_child (widget_class, SyAccountRow, relogin_button);
  gtk_widget_class_bind_template_child (widget_class, SyAccountRow, edit_button);
  gtk_widget_class_bind_template_child (widget_class, SyAccountRow, edit_revealer);
  gtk_widget_class_bind_template_child (widget_class, SyAccountRow, prefix_entry);
  gtk_widget_class_bind_template_child (widget_class, SyAccountRow, priority_spin);
  gtk_widget_class_bind_template_child (widget_class, SyAccountRow, apply_button);
  gtk_widget_class_bind_template_child (widget_class, SyAccountRow, remove_button);
  gtk_widget_class_bind_template_child (widget_class, SyAccountRow, enabled_switch);
  gtk_widget_class_bind_template_callback (widget_class, on_enabled_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_edit_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_apply_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);
}

static void
sy_account_row_init (SyAccountRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* The settings open under the row (a popover would do, but GTK 3
   * leaks a little of every popover a row takes with it). Enter in the
   * entry or the spin button applies. */
  g_object_bind_property (self->edit_button, "active", self->edit_revealer, "reveal-child",
                          G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (self->prefix_entry, "activate", G_CALLBACK (gtk_button_clicked),
                            self->apply_button);
  g_signal_connect_swapped (self->priority_spin, "activate", G_CALLBACK (gtk_button_clicked),
                            self->apply_button);
}

GtkWidget *
sy_account_row_new (SyService      *service,
                    SyAccountState *account)
{
  SyAccountRow *self;

  g_return_val_if_fail (SY_IS_SERVICE (service), NULL);
  g_return_val_if_fail (SY_IS_ACCOUNT_STATE (account), NULL);

  self = g_object_new (SY_TYPE_ACCOUNT_ROW, NULL);
  self->service = g_object_ref (service);
  self->account = g_object_ref (account);
  g_signal_connect (account, "changed", G_CALLBACK (on_account_changed), self);
  sy_account_row_update (self);
  return GTK_WIDGET (self);
}

SyAccountState *
sy_account_row_get_account (SyAccountRow *self)
{
  g_return_val_if_fail (SY_IS_ACCOUNT_ROW (self), NULL);
  return self->account;
}

/* API-key accounts: their config.yaml entry. */

static char *
normalise_url (JsonObject *item)
{
  const char *url = json_object_has_member (item, "base-url")
                    && JSON_NODE_HOLDS_VALUE (json_object_get_member (item, "base-url"))
                    ? json_object_get_string_member (item, "base-url") : NULL;
  char *out;
  gsize len;

  if (url == NULL)
    return NULL;
  out = g_strstrip (g_strdup (url));
  len = strlen (out);
  while (len > 0 && out[len - 1] == '/')
    out[--len] = '\0';
  if (len == 0)
    g_clear_pointer (&out, g_free);
  return out;
}

static const char *
item_string (JsonObject *item,
             const char *name)
{
  JsonNode *node = json_object_get_member (item, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
same_trimmed (const char *written,
              const char *value)
{
  g_autofree char *trimmed = written != NULL ? g_strstrip (g_strdup (written)) : NULL;

  return g_strcmp0 (trimmed, value) == 0;
}

/* The list holding the account's entry (a copy, to edit and write back),
 * its key in config.yaml and the entry's index in it; the entry found the
 * way the engine reads it (a registry of the snapshot in force gives each
 * account the id the service's does). */
static JsonNode *
find_config_item (SyService        *service,
                  SyAccountState   *account,
                  const char      **list_key,
                  guint            *index,
                  char            **api_key,
                  GError          **error)
{
  SyConfig *config = sy_service_get_config (service);
  g_autoptr(SyRegistry) registry = sy_registry_new (config);
  GPtrArray *accounts = sy_registry_get_accounts (registry);
  SyUpstreamEntry *entry = NULL;
  JsonObject *root;
  JsonNode *list;

  for (guint i = 0; i < accounts->len && entry == NULL; i++)
    {
      SyAccount *a = g_ptr_array_index (accounts, i);

      if (g_strcmp0 (a->id, sy_account_state_get_id (account)) == 0)
        entry = a->entry;
    }
  if (entry == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("this account is no longer in config.yaml"));
      return NULL;
    }
  switch (entry->kind)
    {
    case SY_UPSTREAM_CLAUDE: *list_key = "claude-api-key"; break;
    case SY_UPSTREAM_GEMINI: *list_key = "gemini-api-key"; break;
    case SY_UPSTREAM_CODEX: *list_key = "codex-api-key"; break;
    case SY_UPSTREAM_VERTEX: *list_key = "vertex-api-key"; break;
    case SY_UPSTREAM_OPENAI_COMPAT: *list_key = "openai-compatibility"; break;
    default: *list_key = NULL; break;
    }
  root = JSON_NODE_HOLDS_OBJECT (config->root) ? json_node_get_object (config->root) : NULL;
  list = *list_key != NULL && root != NULL ? json_object_get_member (root, *list_key) : NULL;
  if (list != NULL && !JSON_NODE_HOLDS_ARRAY (list))
    list = NULL;
  for (guint i = 0; list != NULL && i < json_array_get_length (json_node_get_array (list)); i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (list), i);
      JsonObject *item = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      g_autofree char *url = item != NULL ? normalise_url (item) : NULL;
      g_autofree char *name = NULL;

      if (item == NULL || g_strcmp0 (url, entry->base_url) != 0)
        continue;
      if (entry->kind == SY_UPSTREAM_OPENAI_COMPAT)
        {
          if (item_string (item, "name") != NULL)
            name = g_strstrip (g_utf8_strdown (item_string (item, "name"), -1));
          if (g_strcmp0 (name, entry->name) != 0)
            continue;
        }
      else if (!same_trimmed (item_string (item, "api-key"), entry->api_key))
        continue;
      *index = i;
      *api_key = g_strdup (entry->api_key);
      return json_node_copy (list);
    }
  /* The older spellings (generative-language-api-key, ...) are not edited
   * from here. */
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("this account's entry is written in a form the app does not edit; "
                         "change it in config.yaml"));
  return NULL;
}

gboolean
sy_account_config_set (SyService       *service,
                       SyAccountState  *account,
                       const char      *prefix,
                       int              priority,
                       GError         **error)
{
  const char *list_key = NULL;
  const char *path[2] = { NULL, NULL };
  g_autofree char *api_key = NULL;
  guint index = 0;
  g_autoptr(JsonNode) list = find_config_item (service, account, &list_key, &index, &api_key, error);
  JsonObject *item;

  if (list == NULL)
    return FALSE;
  item = json_array_get_object_element (json_node_get_array (list), index);
  if (prefix != NULL && *prefix != '\0')
    json_object_set_string_member (item, "prefix", prefix);
  else
    json_object_remove_member (item, "prefix");
  if (priority != 0 || json_object_has_member (item, "priority"))
    json_object_set_int_member (item, "priority", priority);
  path[0] = list_key;
  return sy_service_edit_config (service, path, list, error);
}

/* An openai-compatibility entry with several keys loses the one key; any
 * other entry goes whole. */
static gboolean
remove_compat_key (JsonObject *item,
                   const char *api_key)
{
  JsonNode *entries = json_object_get_member (item, "api-key-entries");
  JsonNode *keys = json_object_get_member (item, "api-keys");
  JsonArray *array;

  if (entries != NULL && JSON_NODE_HOLDS_ARRAY (entries))
    {
      array = json_node_get_array (entries);
      if (json_array_get_length (array) < 2)
        return FALSE;
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *node = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_OBJECT (node)
              && same_trimmed (item_string (json_node_get_object (node), "api-key"), api_key))
            {
              json_array_remove_element (array, i);
              return TRUE;
            }
        }
    }
  if (keys != NULL && JSON_NODE_HOLDS_ARRAY (keys))
    {
      array = json_node_get_array (keys);
      if (json_array_get_length (array) < 2)
        return FALSE;
      for (guint i = 0; i < json_array_get_length (array); i++)
        if (same_trimmed (json_array_get_string_element (array, i), api_key))
          {
            json_array_remove_element (array, i);
            return TRUE;
          }
    }
  return FALSE;
}

gboolean
sy_account_config_remove (SyService       *service,
                          SyAccountState  *account,
                          GError         **error)
{
  const char *list_key = NULL;
  const char *path[2] = { NULL, NULL };
  g_autofree char *api_key = NULL;
  guint index = 0;
  g_autoptr(JsonNode) list = find_config_item (service, account, &list_key, &index, &api_key, error);
  JsonArray *array;

  if (list == NULL)
    return FALSE;
  array = json_node_get_array (list);
  if (g_strcmp0 (list_key, "openai-compatibility") != 0 || api_key == NULL
      || !remove_compat_key (json_array_get_object_element (array, index), api_key))
    json_array_remove_element (array, index);
  path[0] = list_key;
  return sy_service_edit_config (service, path, json_array_get_length (array) > 0 ? list : NULL, error);
}
