/* sy-settings-window.c: the Settings window
 *
 * Every control reads the service's config snapshot and writes through
 * sy_service_edit_config(), which checks the edit as a reload would,
 * writes config.yaml atomically and reloads; "reloaded" then refreshes the
 * whole window, so an edit made here and a hand edit of the file look the
 * same. What the core cannot check before writing (a port another program
 * holds) is checked here first, so a refused change leaves the file alone.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-app"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <openssl/rand.h>

#include "sy-app-util.h"
#include "sy-auth-files.h"
#include "sy-integration.h"
#include "sy-autostart.h"
#include "sy-service-logins.h"
#include "sy-settings-window.h"

#define API_KEY_PREFIX      "sk-sy-"
#define API_KEY_RANDOM_BYTES 24          /* 32 base64url characters */

struct _SySettingsWindow
{
  GtkApplicationWindow  parent_instance;

  SyService            *service;
  gboolean              updating;        /* widgets being set from the config */
  gboolean              reload_error;    /* the error bar is about a refused hand edit */
  gboolean              disposed;        /* async answers find no widgets then */
  char                 *fresh_key;       /* generated in this window, shown whole */
  char                 *revoking;        /* the key the confirmation is about */
  GtkWidget            *confirm;         /* the revoke confirmation, while open */
  GtkFileChooserNative *chooser;
  guint                 logins_poll;     /* until the logins are loaded */
  char                 *tools_base_url;  /* what the tools are pointed at */
  char                 *tools_state_dir;
  char                 *connecting;      /* the tool the Connect dialog is about */
  char                 *disconnecting;   /* the tool "restore anyway?" is about */
  GtkWidget            *connect_dialog;  /* while open */
  GtkEntry             *connect_model;   /* its model entry, for tools that need one */
  GtkTextBuffer        *connect_preview;

  /* template */
  GtkInfoBar           *error_bar;
  GtkLabel             *error_label;
  GtkEntry             *host_entry;
  GtkSpinButton        *port_spin;
  GtkWidget            *apply_address_button;
  GtkLabel             *url_label;
  GtkComboBoxText      *strategy_combo;
  GtkListBox           *keys_list;
  GtkListBox           *proxy_list;
  GtkListBox           *signins_list;
  GtkListBox           *desktop_list;
  GtkListBox           *file_list;
  GtkWidget            *generate_button;
  GtkComboBoxText      *token_store_combo;
  GtkLabel             *token_status_label;
  GtkWidget            *import_button;
  GtkSpinner           *import_spinner;
  GtkLabel             *import_result_label;
  GtkLabel             *import_details_label;
  GtkSwitch            *autostart_switch;
  GtkSwitch            *notifications_switch;
  GtkLabel             *config_path_label;
  GtkWidget            *open_config_button;
  GtkWidget            *reveal_config_button;
  GtkListBox           *tools_list;
};

G_DEFINE_FINAL_TYPE (SySettingsWindow, sy_settings_window, GTK_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SERVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------ keys */

char *
sy_settings_generate_api_key (void)
{
  guint8 bytes[API_KEY_RANDOM_BYTES];
  g_autofree char *text = NULL;

  /* A key guards the user's subscriptions: only a CSPRNG will do. */
  if (RAND_bytes (bytes, sizeof bytes) != 1)
    g_error ("No secure random numbers available");
  text = g_base64_encode (bytes, sizeof bytes);
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  /* 24 bytes encode to 32 characters exactly: no padding to strip. */
  return g_strconcat (API_KEY_PREFIX, text, NULL);
}

char *
sy_settings_mask_api_key (const char *key)
{
  gsize len = strlen (key);

  /* Enough to tell keys apart, never enough to use one: at least ten
   * characters stay hidden. */
  if (len >= 24)
    return g_strdup_printf ("%.10s…%s", key, key + len - 4);
  if (len >= 8)
    return g_strdup_printf ("%.3s…", key);
  return g_strdup ("•••");
}

/* ------------------------------------------------------------ errors */

static void
show_error (SySettingsWindow *self,
            const char       *message)
{
  self->reload_error = FALSE;
  gtk_label_set_text (self->error_label, message);
  gtk_info_bar_set_revealed (self->error_bar, TRUE);
}

static void
clear_error (SySettingsWindow *self)
{
  gtk_info_bar_set_revealed (self->error_bar, FALSE);
  gtk_label_set_text (self->error_label, "");
}

static void
on_error_bar_response (SySettingsWindow *self,
                       int               response)
{
  clear_error (self);
}

/* Takes @value. TRUE when the config now says it; the error in the
 * window otherwise (and the file untouched: the core checks first). */
static gboolean
edit (SySettingsWindow   *self,
      const char * const *path,
      JsonNode           *value)
{
  g_autoptr(JsonNode) owned = value;
  g_autoptr(GError) error = NULL;

  if (!sy_service_edit_config (self->service, path, owned, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Not saved: %s"), error->message);

      show_error (self, message);
      return FALSE;
    }
  clear_error (self);
  return TRUE;
}

static JsonNode *
string_node (const char *text)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  return node;
}

/* ------------------------------------------------------------ reading the config */

static const char *
config_string (SyConfig   *config,
               const char *key)
{
  JsonNode *node = sy_config_lookup (config, key);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static gboolean
config_boolean (SyConfig   *config,
                const char *key,
                gboolean    fallback)
{
  JsonNode *node = sy_config_lookup (config, key);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);
  return fallback;
}

static void
update_url (SySettingsWindow *self)
{
  SyConfig *config = sy_service_get_config (self->service);
  g_autofree char *url = sy_service_dup_url (self->service);
  g_autofree char *text = NULL;

  if (!sy_service_get_listening (self->service))
    text = g_strdup_printf (_("The proxy is off; when on, clients connect to %s"), url);
  else if ((config->port != 0 && (guint) config->port != sy_service_get_port (self->service))
           || g_strcmp0 (config->host, sy_service_get_host (self->service)) != 0)
    /* --host/--port win over config.yaml (and a port of 0 is any). */
    text = g_strdup_printf (_("Clients connect to %s, as the command line says"), url);
  else
    text = g_strdup_printf (_("Clients connect to %s"), url);
  gtk_label_set_text (self->url_label, text);
}

static void
update_token_status (SySettingsWindow *self)
{
  SyConfig *config = sy_service_get_config (self->service);
  GObject *logins = sy_service_get_logins (self->service);
  const char *wanted = config_string (config, "token-store");
  const char *backend = NULL;
  g_autofree char *text = NULL;

  if (logins != NULL)
    backend = sy_token_store_get_backend (sy_logins_get_store (SY_LOGINS (logins)));
  if (logins == NULL)
    text = g_strdup (_("Not loaded yet"));
  else if (g_strcmp0 (backend, "keyring") == 0)
    text = g_strdup (_("In use: the system keyring"));
  else if (g_strcmp0 (backend, "file") == 0)
    text = g_strdup_printf (_("In use: an encrypted file in %s"),
                            sy_token_store_get_dir (sy_logins_get_store (SY_LOGINS (logins))));
  else
    text = g_strdup (_("Not open"));

  /* The store is opened once, at start. */
  if (backend != NULL && wanted != NULL && g_ascii_strcasecmp (wanted, "auto") != 0
      && g_ascii_strcasecmp (wanted, backend) != 0)
    {
      g_autofree char *full = g_strdup_printf (_("%s — the new choice applies when Switchyard starts again"),
                                               text);

      g_free (text);
      text = g_steal_pointer (&full);
    }
  gtk_label_set_text (self->token_status_label, text);
}

static void on_copy_key   (GtkButton *button, SySettingsWindow *self);
static void on_revoke_key (GtkButton *button, SySettingsWindow *self);

static GtkWidget *
icon_button (const char *icon,
             const char *tooltip,
             const char *key)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon, GTK_ICON_SIZE_BUTTON);

  gtk_widget_set_tooltip_text (button, tooltip);
  atk_object_set_name (gtk_widget_get_accessible (button), tooltip);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_object_set_data_full (G_OBJECT (button), "sy-key", g_strdup (key), g_free);
  return button;
}

static GtkWidget *
key_row (SySettingsWindow *self,
         const char       *key)
{
  gboolean fresh = g_strcmp0 (key, self->fresh_key) == 0;
  g_autofree char *masked = sy_settings_mask_api_key (key);
  g_autofree char *copy_name = g_strdup_printf (_("Copy key %s"), masked);
  g_autofree char *revoke_name = g_strdup_printf (_("Revoke key %s"), masked);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *label = gtk_label_new (fresh ? key : masked);
  GtkWidget *copy = icon_button ("edit-copy-symbolic", copy_name, key);
  GtkWidget *revoke = icon_button ("user-trash-symbolic", revoke_name, key);

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  g_object_set (box, "margin-start", 12, "margin-end", 12, "margin-top", 8, "margin-bottom", 8, NULL);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_widget_set_valign (texts, GTK_ALIGN_CENTER);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), fresh);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_style_context_add_class (gtk_widget_get_style_context (label), "monospace");
  gtk_container_add (GTK_CONTAINER (texts), label);
  if (fresh)
    {
      GtkWidget *note = gtk_label_new (_("New key, copied to the clipboard"));

      gtk_label_set_xalign (GTK_LABEL (note), 0);
      gtk_style_context_add_class (gtk_widget_get_style_context (note), "dim-label");
      gtk_container_add (GTK_CONTAINER (texts), note);
    }
  g_signal_connect (copy, "clicked", G_CALLBACK (on_copy_key), self);
  g_signal_connect (revoke, "clicked", G_CALLBACK (on_revoke_key), self);
  gtk_container_add (GTK_CONTAINER (box), texts);
  gtk_container_add (GTK_CONTAINER (box), copy);
  gtk_container_add (GTK_CONTAINER (box), revoke);
  gtk_container_add (GTK_CONTAINER (row), box);
  gtk_widget_show_all (row);
  return row;
}

static void
update_keys (SySettingsWindow *self)
{
  SyConfig *config = sy_service_get_config (self->service);
  g_autoptr(GList) rows = gtk_container_get_children (GTK_CONTAINER (self->keys_list));

  for (GList *l = rows; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  for (guint i = 0; config->api_keys[i] != NULL; i++)
    gtk_container_add (GTK_CONTAINER (self->keys_list), key_row (self, config->api_keys[i]));
}

/* ------------------------------------------------------------ coding tools */

/* Tools that need a model named (their merge refuses a NULL model):
 * the dialog asks for one and Connect waits for it. */
static gboolean
tool_needs_model (const SyIntegration *tool)
{
  return g_str_equal (tool->id, "droid") || g_str_equal (tool->id, "continue") ||
         g_str_equal (tool->id, "cline");
}

/* What the CLI's `switchyard setup` uses: the service's port on loopback
 * and the config's first client key. */
static gboolean
tool_context (SySettingsWindow     *self,
              SyIntegrationContext *ctx,
              const char           *model,
              GError              **error)
{
  SyConfig *config = sy_service_get_config (self->service);
  guint port = sy_service_get_port (self->service);

  if (port == 0 && config->port > 0)
    port = config->port;
  if (port == 0)
    {
      g_set_error_literal (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_IO,
                           _("The proxy has no port yet; set one under Proxy"));
      return FALSE;
    }
  g_free (self->tools_base_url);
  self->tools_base_url = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_free (self->tools_state_dir);
  self->tools_state_dir = sy_integration_default_state_dir ();
  ctx->home = g_get_home_dir ();
  ctx->state_dir = self->tools_state_dir;
  ctx->base_url = self->tools_base_url;
  ctx->api_key = config->api_keys != NULL ? config->api_keys[0] : NULL;
  ctx->model = model != NULL && *model != '\0' ? model : NULL;
  return TRUE;
}

static const SyIntegration *
lookup_tool (const char *id,
             GError    **error)
{
  const SyIntegration *tool = sy_integration_lookup (id);

  if (tool == NULL)
    g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_UNKNOWN_TOOL,
                 _("There is no setup for “%s”"), id);
  return tool;
}

char *
sy_settings_window_dup_preview (SySettingsWindow *self,
                                const char       *id,
                                const char       *model,
                                GError          **error)
{
  const SyIntegration *tool = lookup_tool (id, error);
  SyIntegrationContext ctx = { 0 };

  if (tool == NULL || !tool_context (self, &ctx, model, error))
    return NULL;
  return sy_integration_preview (tool, &ctx, error);
}

static void update_tools (SySettingsWindow *self);

gboolean
sy_settings_window_connect_tool (SySettingsWindow *self,
                                 const char       *id,
                                 const char       *model,
                                 GError          **error)
{
  const SyIntegration *tool = lookup_tool (id, error);
  SyIntegrationContext ctx = { 0 };
  gboolean ok;

  if (tool == NULL || !tool_context (self, &ctx, model, error))
    return FALSE;
  ok = sy_integration_apply (tool, &ctx, NULL, error);
  update_tools (self);
  return ok;
}

gboolean
sy_settings_window_disconnect_tool (SySettingsWindow *self,
                                    const char       *id,
                                    gboolean          force,
                                    GError          **error)
{
  const SyIntegration *tool = lookup_tool (id, error);
  SyIntegrationContext ctx = { 0 };
  gboolean ok;

  if (tool == NULL || !tool_context (self, &ctx, NULL, error))
    return FALSE;
  ok = sy_integration_restore (tool, &ctx, force, error);
  update_tools (self);
  return ok;
}

/* Takes @what. */
static void
show_tool_error (SySettingsWindow *self,
                 char             *what,
                 const GError     *error)
{
  g_autofree char *owned = what;
  g_autofree char *message = g_strdup_printf ("%s: %s", owned, error->message);

  show_error (self, message);
}

/* The preview in the dialog again, for the model typed so far. */
static void
update_connect_dialog (SySettingsWindow *self)
{
  const SyIntegration *tool = sy_integration_lookup (self->connecting);
  const char *model = self->connect_model != NULL ? gtk_entry_get_text (self->connect_model) : NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *diff = NULL;
  gboolean ready;

  if (tool == NULL || self->connect_dialog == NULL)
    return;
  ready = !tool_needs_model (tool) || (model != NULL && *model != '\0');
  if (ready)
    diff = sy_settings_window_dup_preview (self, tool->id, model, &error);
  if (!ready)
    gtk_text_buffer_set_text (self->connect_preview,
                              _("Name the model to use above; the changes show here."), -1);
  else if (diff == NULL)
    gtk_text_buffer_set_text (self->connect_preview, error->message, -1);
  else if (*diff == '\0')
    gtk_text_buffer_set_text (self->connect_preview,
                              _("Nothing to change: it already uses Switchyard."), -1);
  else
    gtk_text_buffer_set_text (self->connect_preview, diff, -1);
  gtk_dialog_set_response_sensitive (GTK_DIALOG (self->connect_dialog), GTK_RESPONSE_ACCEPT,
                                     ready && diff != NULL);
}

static void
on_connect_response (GtkDialog        *dialog,
                     int               response,
                     SySettingsWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *model = NULL;
  const SyIntegration *tool = sy_integration_lookup (self->connecting);

  if (self->connect_model != NULL)
    model = g_strdup (gtk_entry_get_text (self->connect_model));
  self->connect_dialog = NULL;
  self->connect_model = NULL;
  self->connect_preview = NULL;
  gtk_widget_destroy (GTK_WIDGET (dialog));
  if (response == GTK_RESPONSE_ACCEPT && tool != NULL)
    {
      if (sy_settings_window_connect_tool (self, tool->id, model, &error))
        clear_error (self);
      else
        /* TRANSLATORS: %s is a tool, "Claude Code" */
        show_tool_error (self, g_strdup_printf (_("%s was not connected"), tool->title), error);
    }
  g_clear_pointer (&self->connecting, g_free);
}

static void
on_connect_clicked (GtkButton        *button,
                    SySettingsWindow *self)
{
  const SyIntegration *tool = sy_integration_lookup (g_object_get_data (G_OBJECT (button), "tool"));
  g_autofree char *title = NULL;
  GtkWidget *dialog, *area, *scroll, *view, *label;

  if (tool == NULL || self->connect_dialog != NULL)
    return;
  /* TRANSLATORS: %s is a tool, "Claude Code" */
  title = g_strdup_printf (_("Connect %s"), tool->title);
  dialog = gtk_dialog_new_with_buttons (title, GTK_WINDOW (self),
                                        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT
                                        | GTK_DIALOG_USE_HEADER_BAR,
                                        _("_Cancel"), GTK_RESPONSE_CANCEL,
                                        _("C_onnect"), GTK_RESPONSE_ACCEPT,
                                        NULL);
  gtk_window_set_default_size (GTK_WINDOW (dialog), 640, 420);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  gtk_style_context_add_class (gtk_widget_get_style_context (
    gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT)),
    "suggested-action");
  area = gtk_dialog_get_content_area (GTK_DIALOG (dialog));
  gtk_box_set_spacing (GTK_BOX (area), 6);
  g_object_set (area, "margin", 12, NULL);

  label = gtk_label_new (_("These changes will be written; the files are backed up first."));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
  gtk_container_add (GTK_CONTAINER (area), label);

  self->connecting = g_strdup (tool->id);
  if (tool_needs_model (tool))
    {
      GtkWidget *entry = gtk_entry_new ();

      /* TRANSLATORS: %s is a tool, "Factory Droid" */
      g_autofree char *hint = g_str_equal (tool->id, "cline")
                              ? g_strdup (_("Cline uses one model with Switchyard: name it"))
                              : g_strdup_printf (_("%s lists models one by one: name the model to add"),
                                                 tool->title);
      gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Model, e.g. gpt-5"));
      gtk_widget_set_tooltip_text (entry, hint);
      atk_object_set_name (gtk_widget_get_accessible (entry), _("Model"));
      gtk_container_add (GTK_CONTAINER (area), entry);
      self->connect_model = GTK_ENTRY (entry);
      g_signal_connect_swapped (entry, "changed", G_CALLBACK (update_connect_dialog), self);
    }

  view = gtk_text_view_new ();
  gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_text_view_set_cursor_visible (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 6);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 6);
  atk_object_set_name (gtk_widget_get_accessible (view), _("Changes"));
  scroll = gtk_scrolled_window_new (NULL, NULL);
  gtk_scrolled_window_set_shadow_type (GTK_SCROLLED_WINDOW (scroll), GTK_SHADOW_IN);
  gtk_widget_set_vexpand (scroll, TRUE);
  gtk_container_add (GTK_CONTAINER (scroll), view);
  gtk_container_add (GTK_CONTAINER (area), scroll);
  self->connect_preview = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  self->connect_dialog = dialog;
  update_connect_dialog (self);

  g_signal_connect (dialog, "response", G_CALLBACK (on_connect_response), self);
  gtk_widget_show_all (dialog);
}

static void
on_disconnect_response (GtkDialog        *dialog,
                        int               response,
                        SySettingsWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_steal_pointer (&self->disconnecting);
  const SyIntegration *tool = sy_integration_lookup (id);

  self->confirm = NULL;
  gtk_widget_destroy (GTK_WIDGET (dialog));
  if (response != GTK_RESPONSE_ACCEPT || tool == NULL)
    return;
  if (sy_settings_window_disconnect_tool (self, id, TRUE, &error))
    clear_error (self);
  else
    /* TRANSLATORS: %s is a tool, "Claude Code" */
    show_tool_error (self, g_strdup_printf (_("%s was not disconnected"), tool->title), error);
}

static void
on_disconnect_clicked (GtkButton        *button,
                       SySettingsWindow *self)
{
  const SyIntegration *tool = sy_integration_lookup (g_object_get_data (G_OBJECT (button), "tool"));
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog;

  if (tool == NULL || self->confirm != NULL)
    return;
  if (sy_settings_window_disconnect_tool (self, tool->id, FALSE, &error))
    {
      clear_error (self);
      return;
    }
  if (!g_error_matches (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_CHANGED))
    {
      /* TRANSLATORS: %s is a tool, "Claude Code" */
      show_tool_error (self, g_strdup_printf (_("%s was not disconnected"), tool->title), error);
      return;
    }
  /* Restoring now drops what was edited since: only when the user says so. */
  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE,
                                   "%s", _("Its files changed since — restore anyway?"));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", error->message);
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("_Restore Anyway"), GTK_RESPONSE_ACCEPT, NULL);
  gtk_style_context_add_class (gtk_widget_get_style_context (
    gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT)),
    "destructive-action");
  g_free (self->disconnecting);
  self->disconnecting = g_strdup (tool->id);
  self->confirm = dialog;
  g_signal_connect (dialog, "response", G_CALLBACK (on_disconnect_response), self);
  gtk_widget_show (dialog);
}

static GtkWidget *
tool_row (SySettingsWindow    *self,
          const SyIntegration *tool)
{
  SyIntegrationContext ctx = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *since = NULL;
  g_autofree char *status = NULL;
  g_autofree char *connect_name = NULL;
  g_autofree char *disconnect_name = NULL;
  SyIntegrationState state = SY_INTEGRATION_NOT_CONNECTED;
  GtkWidget *row, *box, *labels, *title, *line, *connect, *disconnect;

  if (tool_context (self, &ctx, NULL, &error))
    state = sy_integration_status (tool, &ctx, &since);
  if (since != NULL)
    {
      /* "2026-11-26T23:40:12Z" → "2026-11-26 23:40" */
      g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (since, NULL);

      if (when != NULL)
        {
          g_autoptr(GDateTime) local = g_date_time_to_local (when);

          g_free (since);
          since = g_date_time_format (local, "%Y-%m-%d %H:%M");
        }
    }
  if (state == SY_INTEGRATION_CONNECTED)
    /* TRANSLATORS: %s is when, "2026-11-26 23:40" */
    status = g_strdup_printf (_("Connected since %s"), since != NULL ? since : "?");
  else if (state == SY_INTEGRATION_CHANGED)
    status = g_strdup (_("Connected — its files changed since"));
  else
    status = g_strdup (_("Not connected"));

  row = gtk_list_box_row_new ();
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_name (row, tool->id);
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  g_object_set (box, "margin-start", 12, "margin-end", 12, "margin-top", 8, "margin-bottom", 8, NULL);
  labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand (labels, TRUE);
  title = gtk_label_new (tool->title);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  line = gtk_label_new (status);
  gtk_label_set_xalign (GTK_LABEL (line), 0);
  gtk_label_set_ellipsize (GTK_LABEL (line), PANGO_ELLIPSIZE_END);
  gtk_style_context_add_class (gtk_widget_get_style_context (line), "dim-label");
  if (state == SY_INTEGRATION_CHANGED)
    gtk_widget_set_tooltip_text (line, _("A file was edited after Switchyard set it up; "
                                         "Disconnect asks before putting the old one back."));
  gtk_container_add (GTK_CONTAINER (labels), title);
  gtk_container_add (GTK_CONTAINER (labels), line);
  gtk_container_add (GTK_CONTAINER (box), labels);

  connect = gtk_button_new_with_label (state == SY_INTEGRATION_NOT_CONNECTED
                                       ? _("Connect…") : _("Update…"));
  gtk_widget_set_valign (connect, GTK_ALIGN_CENTER);
  /* TRANSLATORS: %s is a tool, "Claude Code" */
  connect_name = g_strdup_printf (_("Connect %s"), tool->title);
  gtk_widget_set_tooltip_text (connect, connect_name);
  g_object_set_data_full (G_OBJECT (connect), "tool", g_strdup (tool->id), g_free);
  g_signal_connect (connect, "clicked", G_CALLBACK (on_connect_clicked), self);
  gtk_container_add (GTK_CONTAINER (box), connect);

  disconnect = gtk_button_new_with_label (_("Disconnect"));
  gtk_widget_set_valign (disconnect, GTK_ALIGN_CENTER);
  /* TRANSLATORS: %s is a tool, "Claude Code" */
  disconnect_name = g_strdup_printf (_("Disconnect %s and put its files back"), tool->title);
  gtk_widget_set_tooltip_text (disconnect, disconnect_name);
  gtk_widget_set_sensitive (disconnect, state != SY_INTEGRATION_NOT_CONNECTED);
  g_object_set_data_full (G_OBJECT (disconnect), "tool", g_strdup (tool->id), g_free);
  g_signal_connect (disconnect, "clicked", G_CALLBACK (on_disconnect_clicked), self);
  gtk_container_add (GTK_CONTAINER (box), disconnect);

  gtk_container_add (GTK_CONTAINER (row), box);
  gtk_widget_show_all (row);
  return row;
}

static void
update_tools (SySettingsWindow *self)
{
  const SyIntegration * const *tools = sy_integrations ();
  g_autoptr(GList) rows = NULL;

  if (self->disposed || self->tools_list == NULL)
    return;
  rows = gtk_container_get_children (GTK_CONTAINER (self->tools_list));
  for (GList *l = rows; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  for (guint i = 0; tools[i] != NULL; i++)
    gtk_container_add (GTK_CONTAINER (self->tools_list), tool_row (self, tools[i]));
}

/* The whole window from the config in force: after each reload, whoever
 * made it. Address fields being edited (Apply not pressed yet) are kept. */
static void
refresh (SySettingsWindow *self)
{
  SyConfig *config = sy_service_get_config (self->service);
  const char *store = config_string (config, "token-store");
  g_autofree char *store_id = g_ascii_strdown (store != NULL ? store : "auto", -1);
  const char *path = sy_service_get_config_path (self->service);

  self->updating = TRUE;
  if (!gtk_widget_get_sensitive (self->apply_address_button))
    {
      gtk_entry_set_text (self->host_entry, config->host);
      gtk_spin_button_set_value (self->port_spin, config->port);
    }
  update_url (self);
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->strategy_combo), config->routing_strategy);
  update_keys (self);
  if (!gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->token_store_combo), g_strstrip (store_id)))
    gtk_combo_box_set_active (GTK_COMBO_BOX (self->token_store_combo), -1);
  update_token_status (self);
  update_tools (self);
  gtk_switch_set_active (self->autostart_switch, sy_autostart_get_enabled ());
  gtk_switch_set_active (self->notifications_switch,
                         config_boolean (config, "desktop-notifications", TRUE));
  gtk_label_set_text (self->config_path_label, path != NULL ? path : _("None (built in)"));
  gtk_widget_set_sensitive (self->open_config_button, path != NULL);
  gtk_widget_set_sensitive (self->reveal_config_button, path != NULL);
  self->updating = FALSE;
}

static void
on_reloaded (SySettingsWindow *self,
             guint             generation)
{
  /* The file loads again: what was wrong with it is gone. */
  if (self->reload_error)
    clear_error (self);
  refresh (self);
}

/* A hand edit the core refused: the previous config stays in force, and
 * the window says why (the log is not where people look). */
static void
on_reload_failed (SySettingsWindow *self,
                  const GError     *error)
{
  g_autofree char *message = g_strdup_printf (_("The changes to config.yaml were not applied: %s"),
                                              error->message);

  show_error (self, message);
  self->reload_error = TRUE;
}

static void
on_accounts_changed (SySettingsWindow *self)
{
  /* The accounts appear when the logins are loaded: the store is open. */
  update_token_status (self);
}

/* ------------------------------------------------------------ proxy */

static void
on_address_changed (SySettingsWindow *self)
{
  if (!self->updating)
    gtk_widget_set_sensitive (self->apply_address_button, TRUE);
}

/* Whether something else holds @port on @host. Only for a literal address
 * (a name is left to the core); the service's own port is its business. */
static gboolean
port_is_free (SySettingsWindow  *self,
              const char        *host,
              guint              port)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocket) socket = NULL;

  if (port == 0 || (sy_service_get_listening (self->service) && port == sy_service_get_port (self->service)))
    return TRUE;
  if (*host == '\0')
    address = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  else if (g_ascii_strcasecmp (host, "localhost") == 0)
    address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    address = g_inet_address_new_from_string (host);
  if (address == NULL)
    return TRUE;
  socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, NULL);
  if (socket == NULL)
    return TRUE;
  socket_address = g_inet_socket_address_new (address, port);
  /* Reuse: a socket of ours in TIME_WAIT is no obstacle, a listener is. */
  return g_socket_bind (socket, socket_address, TRUE, NULL);
}

static char *
read_config_text (SySettingsWindow *self)
{
  const char *path = sy_service_get_config_path (self->service);
  char *text = NULL;

  if (path == NULL || !g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

static void
on_apply_address (SySettingsWindow *self)
{
  static const char * const host_path[] = { "host", NULL };
  static const char * const port_path[] = { "port", NULL };
  SyConfig *config = sy_service_get_config (self->service);
  g_autofree char *host = g_strstrip (g_strdup (gtk_entry_get_text (self->host_entry)));
  g_autofree char *old_host = g_strdup (config->host);
  int old_port = config->port;
  g_autofree char *port_text = g_strstrip (g_strdup (gtk_entry_get_text (GTK_ENTRY (self->port_spin))));
  g_autofree char *before = NULL;
  guint64 port = 0;
  gboolean ok = TRUE;

  if (!g_ascii_string_to_unsigned (port_text, 10, 0, 65535, &port, NULL))
    {
      show_error (self, _("The port must be a whole number from 1 to 65535 (0 lets the system pick "
                          "a free one)."));
      return;
    }
  if (config->api_keys[0] == NULL && !sy_host_is_loopback (host))
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf (_("Listening on %s without API keys would let anyone who can reach "
                                   "this computer use your subscriptions. Generate an API key first, "
                                   "or listen on 127.0.0.1."),
                                 *host != '\0' ? host : _("all interfaces"));
      show_error (self, message);
      return;
    }
  if (!port_is_free (self, host, (guint) port))
    {
      g_autofree char *message = g_strdup_printf (_("Port %u is in use by another program. "
                                                     "Choose another port."), (guint) port);

      show_error (self, message);
      return;
    }

  before = read_config_text (self);
  if (g_strcmp0 (host, old_host) != 0)
    ok = edit (self, host_path, string_node (host));
  if (ok && (int) port != old_port)
    {
      JsonNode *node = json_node_new (JSON_NODE_VALUE);

      json_node_set_int (node, (gint64) port);
      ok = edit (self, port_path, node);
    }
  if (!ok)
    {
      g_autofree char *after = read_config_text (self);

      /* The core takes back an edit the listener refused, but not the
       * first half of a two-part change (a new host, then a port that
       * fails): put the old address back, the error stays in view. */
      if (g_strcmp0 (before, after) != 0)
        {
          g_autoptr(JsonNode) host_node = string_node (old_host);
          g_autoptr(JsonNode) port_node = json_node_new (JSON_NODE_VALUE);

          json_node_set_int (port_node, old_port);
          sy_service_edit_config (self->service, host_path, host_node, NULL);
          sy_service_edit_config (self->service, port_path, port_node, NULL);
        }
      return;
    }
  gtk_widget_set_sensitive (self->apply_address_button, FALSE);
  refresh (self);
}

static void
on_strategy_changed (SySettingsWindow *self)
{
  static const char * const path[] = { "routing", "strategy", NULL };
  const char *id = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->strategy_combo));

  if (self->updating || id == NULL)
    return;
  if (!edit (self, path, string_node (id)))
    refresh (self);
}

/* ------------------------------------------------------------ API keys */

static gboolean
set_keys (SySettingsWindow *self,
          GPtrArray        *keys)
{
  static const char * const path[] = { "api-keys", NULL };
  JsonArray *array = json_array_sized_new (keys->len);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < keys->len; i++)
    json_array_add_string_element (array, g_ptr_array_index (keys, i));
  json_node_take_array (node, array);
  return edit (self, path, node);
}

static void
copy_text (SySettingsWindow *self,
           const char       *text)
{
  gtk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self), GDK_SELECTION_CLIPBOARD),
                          text, -1);
}

static void
on_generate_clicked (SySettingsWindow *self)
{
  SyConfig *config = sy_service_get_config (self->service);
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autofree char *key = sy_settings_generate_api_key ();

  for (guint i = 0; config->api_keys[i] != NULL; i++)
    g_ptr_array_add (keys, config->api_keys[i]);
  g_ptr_array_add (keys, key);
  /* Set before the edit: the reload rebuilds the rows. */
  g_free (self->fresh_key);
  self->fresh_key = g_strdup (key);
  if (set_keys (self, keys))
    copy_text (self, key);
  else
    g_clear_pointer (&self->fresh_key, g_free);
  update_keys (self);
}

static void
on_copy_key (GtkButton        *button,
             SySettingsWindow *self)
{
  copy_text (self, g_object_get_data (G_OBJECT (button), "sy-key"));
}

static void
on_revoke_response (GtkDialog        *dialog,
                    int               response,
                    SySettingsWindow *self)
{
  g_autofree char *key = g_steal_pointer (&self->revoking);

  self->confirm = NULL;
  gtk_widget_destroy (GTK_WIDGET (dialog));
  if (response == GTK_RESPONSE_ACCEPT && key != NULL)
    {
      SyConfig *config = sy_service_get_config (self->service);
      g_autoptr(GPtrArray) keys = g_ptr_array_new ();

      for (guint i = 0; config->api_keys[i] != NULL; i++)
        if (strcmp (config->api_keys[i], key) != 0)
          g_ptr_array_add (keys, config->api_keys[i]);
      if (g_strcmp0 (key, self->fresh_key) == 0)
        g_clear_pointer (&self->fresh_key, g_free);
      set_keys (self, keys);
    }
}

static void
on_revoke_key (GtkButton        *button,
               SySettingsWindow *self)
{
  const char *key = g_object_get_data (G_OBJECT (button), "sy-key");
  g_autofree char *masked = sy_settings_mask_api_key (key);
  GtkWidget *accept;

  if (self->confirm != NULL)
    gtk_widget_destroy (self->confirm);
  g_free (self->revoking);
  self->revoking = g_strdup (key);
  self->confirm = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                          GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                          _("Revoke the key %s?"), masked);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (self->confirm), "%s",
                                            _("Programs that use it are refused from now on."));
  gtk_dialog_add_button (GTK_DIALOG (self->confirm), _("_Cancel"), GTK_RESPONSE_CANCEL);
  accept = gtk_dialog_add_button (GTK_DIALOG (self->confirm), _("_Revoke"), GTK_RESPONSE_ACCEPT);
  gtk_style_context_add_class (gtk_widget_get_style_context (accept), "destructive-action");
  gtk_dialog_set_default_response (GTK_DIALOG (self->confirm), GTK_RESPONSE_CANCEL);
  g_signal_connect (self->confirm, "response", G_CALLBACK (on_revoke_response), self);
  gtk_widget_show (self->confirm);
}

/* ------------------------------------------------------------ sign-ins */

static void
on_token_store_changed (SySettingsWindow *self)
{
  static const char * const path[] = { "token-store", NULL };
  const char *id = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->token_store_combo));

  if (self->updating || id == NULL)
    return;
  if (!edit (self, path, string_node (id)))
    refresh (self);
}

static void
import_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SySettingsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = sy_service_import_auth_files_finish (SY_SERVICE (source), result, &error);
  g_autoptr(GString) details = g_string_new (NULL);
  g_autofree char *summary = NULL;
  guint imported = 0;
  guint skipped = 0;

  if (self->disposed)
    return;
  gtk_spinner_stop (self->import_spinner);
  gtk_widget_hide (GTK_WIDGET (self->import_spinner));
  gtk_widget_set_sensitive (self->import_button, TRUE);
  if (results == NULL)
    {
      summary = g_strdup_printf (_("Import failed: %s"), error->message);
      gtk_label_set_text (self->import_result_label, summary);
      gtk_widget_hide (GTK_WIDGET (self->import_details_label));
      return;
    }
  for (guint i = 0; i < results->len; i++)
    {
      SyAuthFileResult *r = g_ptr_array_index (results, i);

      if (r->skipped == NULL)
        {
          imported++;
          continue;
        }
      skipped++;
      if (details->len > 0)
        g_string_append_c (details, '\n');
      g_string_append_printf (details, "%s — %s", r->file, r->skipped);
    }
  if (results->len == 0)
    summary = g_strdup (_("No auth files (*.json) in that folder"));
  else
    {
      g_autofree char *done = g_strdup_printf (ngettext ("%u imported", "%u imported", imported), imported);
      g_autofree char *left = g_strdup_printf (ngettext ("%u skipped", "%u skipped", skipped), skipped);

      /* Translators: the two counts above, e.g. "2 imported, 1 skipped" */
      summary = skipped > 0 ? g_strdup_printf (_("%s, %s"), done, left) : g_steal_pointer (&done);
    }
  gtk_label_set_text (self->import_result_label, summary);
  gtk_label_set_text (self->import_details_label, details->str);
  gtk_widget_set_visible (GTK_WIDGET (self->import_details_label), details->len > 0);
}

void
sy_settings_window_import_folder (SySettingsWindow *self,
                                  const char       *dir)
{
  g_return_if_fail (SY_IS_SETTINGS_WINDOW (self));
  g_return_if_fail (dir != NULL);

  gtk_widget_hide (GTK_WIDGET (self->import_details_label));
  if (sy_service_get_logins (self->service) == NULL)
    {
      gtk_label_set_text (self->import_result_label,
                          _("The accounts are still loading; try again in a moment."));
      return;
    }
  gtk_label_set_text (self->import_result_label, _("Importing…"));
  gtk_widget_show (GTK_WIDGET (self->import_spinner));
  gtk_spinner_start (self->import_spinner);
  gtk_widget_set_sensitive (self->import_button, FALSE);
  sy_service_import_auth_files_async (self->service, dir, import_done, g_object_ref (self));
}

static void
on_chooser_response (GtkNativeDialog  *chooser,
                     int               response,
                     SySettingsWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;

      if (path != NULL)
        sy_settings_window_import_folder (self, path);
    }
}

static void
on_import_clicked (SySettingsWindow *self)
{
  g_autofree char *cpa_dir = g_build_filename (g_get_home_dir (), ".cli-proxy-api", NULL);

  if (self->chooser != NULL)
    {
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
      return;
    }
  self->chooser = gtk_file_chooser_native_new (_("Import from CLIProxyAPI"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Import"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  /* CLIProxyAPI's default auth-dir. */
  if (g_file_test (cpa_dir, G_FILE_TEST_IS_DIR))
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), cpa_dir);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ------------------------------------------------------------ desktop */

static void
on_autostart_toggled (SySettingsWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (self->updating)
    return;
  if (!sy_autostart_set_enabled (gtk_switch_get_active (self->autostart_switch), &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not change starting at login: %s"),
                                                  error->message);

      show_error (self, message);
      self->updating = TRUE;
      gtk_switch_set_active (self->autostart_switch, sy_autostart_get_enabled ());
      self->updating = FALSE;
      return;
    }
  clear_error (self);
}

static void
on_notifications_toggled (SySettingsWindow *self)
{
  static const char * const path[] = { "desktop-notifications", NULL };
  JsonNode *node;

  if (self->updating)
    return;
  node = json_node_new (JSON_NODE_VALUE);
  json_node_set_boolean (node, gtk_switch_get_active (self->notifications_switch));
  if (!edit (self, path, node))
    refresh (self);
}

/* ------------------------------------------------------------ config file */

static gboolean
show_uri (SySettingsWindow *self,
          const char       *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = g_filename_to_uri (path, NULL, &error);

  if (uri == NULL || !gtk_show_uri_on_window (GTK_WINDOW (self), uri, GDK_CURRENT_TIME, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not open %s: %s"), path, error->message);

      show_error (self, message);
      return FALSE;
    }
  clear_error (self);
  return TRUE;
}

static void
on_open_config (SySettingsWindow *self)
{
  const char *path = sy_service_get_config_path (self->service);

  if (path != NULL)
    show_uri (self, path);
}

static void
show_items_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SySettingsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  const char *path = sy_service_get_config_path (self->service);

  if (self->disposed)
    return;
  if (reply != NULL)
    {
      clear_error (self);
      return;
    }
  /* No file manager that selects: at least its folder. */
  g_debug ("FileManager1.ShowItems: %s", error->message);
  if (path != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (path);

      show_uri (self, dir);
    }
}

static void
on_reveal_config (SySettingsWindow *self)
{
  const char *path = sy_service_get_config_path (self->service);
  g_autoptr(GDBusConnection) bus = NULL;
  g_autofree char *uri = NULL;
  const char *uris[2] = { NULL, NULL };

  if (path == NULL)
    return;
  uri = g_filename_to_uri (path, NULL, NULL);
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (uri == NULL || bus == NULL)
    {
      g_autofree char *dir = g_path_get_dirname (path);

      show_uri (self, dir);
      return;
    }
  uris[0] = uri;
  g_dbus_connection_call (bus, "org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
                          "org.freedesktop.FileManager1", "ShowItems",
                          g_variant_new ("(^ass)", uris, ""), NULL, G_DBUS_CALL_FLAGS_NONE, 5000,
                          NULL, show_items_done, g_object_ref (self));
}

/* ------------------------------------------------------------ GObject */

static void
sy_settings_window_constructed (GObject *object)
{
  SySettingsWindow *self = SY_SETTINGS_WINDOW (object);

  G_OBJECT_CLASS (sy_settings_window_parent_class)->constructed (object);

  g_signal_connect_object (self->service, "reloaded", G_CALLBACK (on_reloaded), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->service, "reload-failed", G_CALLBACK (on_reload_failed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->service, "notify::listening", G_CALLBACK (update_url), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->service, "notify::port", G_CALLBACK (update_url), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->service, "notify::host", G_CALLBACK (update_url), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (sy_service_get_accounts (self->service), "items-changed",
                           G_CALLBACK (on_accounts_changed), self, G_CONNECT_SWAPPED);
  refresh (self);
}

/* The service says nothing when its logins finish loading (the accounts
 * may come out the same): look until they are there. */
static gboolean
poll_logins (gpointer user_data)
{
  SySettingsWindow *self = user_data;

  update_token_status (self);
  if (sy_service_get_logins (self->service) == NULL)
    return G_SOURCE_CONTINUE;
  self->logins_poll = 0;
  return G_SOURCE_REMOVE;
}

static void
sy_settings_window_map (GtkWidget *widget)
{
  SySettingsWindow *self = SY_SETTINGS_WINDOW (widget);

  GTK_WIDGET_CLASS (sy_settings_window_parent_class)->map (widget);
  /* Not in the config: the autostart file may have changed meanwhile. */
  self->updating = TRUE;
  gtk_switch_set_active (self->autostart_switch, sy_autostart_get_enabled ());
  self->updating = FALSE;
  update_token_status (self);
  if (sy_service_get_logins (self->service) == NULL && self->logins_poll == 0)
    self->logins_poll = g_timeout_add (200, poll_logins, self);
}

static void
sy_settings_window_unmap (GtkWidget *widget)
{
  SySettingsWindow *self = SY_SETTINGS_WINDOW (widget);

  g_clear_handle_id (&self->logins_poll, g_source_remove);
  GTK_WIDGET_CLASS (sy_settings_window_parent_class)->unmap (widget);
}

static void
sy_settings_window_dispose (GObject *object)
{
  SySettingsWindow *self = SY_SETTINGS_WINDOW (object);

  self->disposed = TRUE;
  g_clear_handle_id (&self->logins_poll, g_source_remove);
  if (self->confirm != NULL)
    gtk_widget_destroy (g_steal_pointer (&self->confirm));
  if (self->connect_dialog != NULL)
    gtk_widget_destroy (g_steal_pointer (&self->connect_dialog));
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  G_OBJECT_CLASS (sy_settings_window_parent_class)->dispose (object);
}

static void
sy_settings_window_finalize (GObject *object)
{
  SySettingsWindow *self = SY_SETTINGS_WINDOW (object);

  g_clear_object (&self->service);
  g_free (self->fresh_key);
  g_free (self->revoking);
  g_free (self->tools_base_url);
  g_free (self->tools_state_dir);
  g_free (self->connecting);
  g_free (self->disconnecting);
  G_OBJECT_CLASS (sy_settings_window_parent_class)->finalize (object);
}

static void
sy_settings_window_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SySettingsWindow *self = SY_SETTINGS_WINDOW (object);

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
sy_settings_window_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SySettingsWindow *self = SY_SETTINGS_WINDOW (object);

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
sy_settings_window_class_init (SySettingsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = sy_settings_window_constructed;
  object_class->dispose = sy_settings_window_dispose;
  object_class->finalize = sy_settings_window_finalize;
  object_class->set_property = sy_settings_window_set_property;
  object_class->get_property = sy_settings_window_get_property;
  widget_class->map = sy_settings_window_map;
  widget_class->unmap = sy_settings_window_unmap;

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, SY_TYPE_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  sy_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/switchyard/Switchyard/ui/sy-settings-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, error_bar);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, host_entry);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, port_spin);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, apply_address_button);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, url_label);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, strategy_combo);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, keys_list);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, generate_button);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, proxy_list);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, signins_list);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, desktop_list);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, file_list);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, token_store_combo);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, token_status_label);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, import_button);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, import_spinner);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, import_result_label);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, import_details_label);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, autostart_switch);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, config_path_label);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, open_config_button);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, reveal_config_button);
  gtk_widget_class_bind_template_child (widget_class, SySettingsWindow, tools_list);
  gtk_widget_class_bind_template_callback (widget_class, on_error_bar_response);
  gtk_widget_class_bind_template_callback (widget_class, on_address_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_apply_address);
  gtk_widget_class_bind_template_callback (widget_class, on_strategy_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_generate_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_token_store_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_import_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_autostart_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_notifications_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_open_config);
  gtk_widget_class_bind_template_callback (widget_class, on_reveal_config);
}

static GtkWidget *
placeholder (void)
{
  GtkWidget *label = gtk_label_new (_("No keys yet — only programs on this computer can use the proxy"));

  gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
  g_object_set (label, "margin", 18, NULL);
  gtk_style_context_add_class (gtk_widget_get_style_context (label), "dim-label");
  gtk_widget_show (label);
  return label;
}

/* A line between rows, as GNOME's boxed lists have. */
static void
separator_header (GtkListBoxRow *row,
                  GtkListBoxRow *before,
                  gpointer       user_data)
{
  if (before != NULL && gtk_list_box_row_get_header (row) == NULL)
    gtk_list_box_row_set_header (row, gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  else if (before == NULL)
    gtk_list_box_row_set_header (row, NULL);
}

static void
sy_settings_window_init (SySettingsWindow *self)
{
  GtkListBox *lists[6];

  gtk_widget_init_template (GTK_WIDGET (self));
  lists[0] = self->proxy_list;
  lists[1] = self->keys_list;
  lists[2] = self->signins_list;
  lists[3] = self->desktop_list;
  lists[4] = self->file_list;
  lists[5] = self->tools_list;
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    gtk_list_box_set_header_func (lists[i], separator_header, NULL, NULL);
  gtk_list_box_set_placeholder (self->keys_list, placeholder ());
  gtk_label_set_line_wrap (self->url_label, FALSE);
  gtk_label_set_selectable (self->url_label, TRUE);
  gtk_label_set_line_wrap (self->config_path_label, FALSE);
  gtk_label_set_ellipsize (self->config_path_label, PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_selectable (self->config_path_label, TRUE);
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->port_spin)), _("Port"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->host_entry)), _("Host"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->strategy_combo)), _("Routing strategy"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->token_store_combo)), _("Token store"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->autostart_switch)), _("Start at login"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->notifications_switch)),
                       _("Notifications"));
}

GtkWidget *
sy_settings_window_new (SyService *service)
{
  g_return_val_if_fail (SY_IS_SERVICE (service), NULL);

  return g_object_new (SY_TYPE_SETTINGS_WINDOW, "service", service, NULL);
}
