/* sy-login-window.c: signing in to a subscription from the desktop
 *
 * Pages of one stack: the providers, the terms notice (once per provider,
 * shared with the command line through sy_login_terms_seen()), the Google
 * Cloud project (Gemini CLI), the sign-in under way and its result. The
 * flow itself is the service's; the window only shows what it says and
 * hands it a pasted redirect. The flow never opens a browser itself: the
 * window does, through its "open-uri" signal, so that tests can stand in
 * for the browser.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-app"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sy-app-util.h"
#include "sy-login-window.h"
#include "sy-oauth.h"
#include "sy-service-logins.h"

struct _SyLoginWindow
{
  GtkApplicationWindow  parent_instance;

  SyService            *service;
  char                 *provider;       /* the one being signed in to */
  char                 *project;        /* Gemini CLI: the projects asked for */
  SyLoginFlow          *flow;
  GCancellable         *cancellable;
  guint                 attempt;        /* answers of older attempts are ignored */
  gboolean              opened;         /* the browser was opened for this flow */
  guint                 callback_port;  /* 0: each provider's own */
  gboolean              device;         /* Codex: a code instead of the browser */

  /* template */
  GtkHeaderBar         *header;
  GtkInfoBar           *info_bar;
  GtkLabel             *info_label;
  GtkStack             *stack;
  GtkListBox           *provider_list;
  GtkLabel             *terms_title;
  GtkLabel             *terms_label;
  GtkButton            *terms_continue;
  GtkEntry             *project_entry;
  GtkSpinner           *spinner;
  GtkLabel             *status_label;
  GtkLabel             *hint_label;
  GtkWidget            *code_box;
  GtkLabel             *code_label;
  GtkWidget            *url_frame;
  GtkLabel             *url_label;
  GtkButton            *copy_link_button;
  GtkWidget            *paste_box;
  GtkLabel             *paste_hint;
  GtkEntry             *paste_entry;
  GtkLabel             *paste_error;
  GtkWidget            *device_button;
  GtkImage             *result_icon;
  GtkLabel             *result_title;
  GtkLabel             *result_detail;
  GtkWidget            *preset_frame;
  GtkLabel             *preset_label;
  GtkWidget            *another_button;
  GtkWidget            *retry_button;
  GtkWidget            *done_button;
};

#define TEMPLATE "/io/github/switchyard/Switchyard/ui/sy-login-window.ui"

G_DEFINE_FINAL_TYPE (SyLoginWindow, sy_login_window, GTK_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SERVICE,
  PROP_CALLBACK_PORT,
  N_PROPS
};

enum {
  OPEN_URI,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Providers whose sign-in ended: listed so that whoever looks for them
 * learns why, and what to use instead (their API key). */
static const char * const ended[] = { "qwen", "iflow" };

static void begin_flow (SyLoginWindow *self);

static const char *
title_of (const char *provider)
{
  const char *title = sy_login_provider_title (provider);

  /* "" stays "" (gettext would answer its header). */
  return title != NULL && *title != '\0' ? _(title) : provider;
}

static gboolean
is_ended (const char *provider)
{
  for (guint i = 0; i < G_N_ELEMENTS (ended); i++)
    if (g_strcmp0 (ended[i], provider) == 0)
      return TRUE;
  return FALSE;
}

/* What a row says under the provider's name. */
static const char *
describe_provider (const char *provider)
{
  if (is_ended (provider))
    return _("Sign-in ended in April 2026: use an API key instead");
  if (g_strcmp0 (provider, "kimi") == 0 || g_strcmp0 (provider, "xai") == 0)
    return _("Confirm a code in your browser");
  if (g_strcmp0 (provider, "gemini-cli") == 0)
    return _("In your browser, with a Google Cloud project");
  return _("In your browser");
}

static void
show_info (SyLoginWindow *self,
           const char    *text)
{
  gtk_label_set_text (self->info_label, text);
  gtk_widget_show (GTK_WIDGET (self->info_bar));
}

static void
hide_info (SyLoginWindow *self)
{
  gtk_widget_hide (GTK_WIDGET (self->info_bar));
}

static void
on_info_bar_response (GtkInfoBar *bar,
                      int         response,
                      gpointer    user_data)
{
  gtk_widget_hide (GTK_WIDGET (bar));
}

/* Drops the running flow: its answer, when it comes, is ignored. */
static void
stop_flow (SyLoginWindow *self)
{
  self->attempt++;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->flow != NULL)
    g_signal_handlers_disconnect_by_data (self->flow, self);
  g_clear_object (&self->flow);
}

static void
show_chooser (SyLoginWindow *self)
{
  stop_flow (self);
  gtk_spinner_stop (self->spinner);
  g_clear_pointer (&self->provider, g_free);
  gtk_header_bar_set_subtitle (self->header, NULL);
  gtk_stack_set_visible_child_name (self->stack, "chooser");
}

static void
open_uri (SyLoginWindow *self,
          const char    *uri)
{
  gboolean handled = FALSE;

  g_signal_emit (self, signals[OPEN_URI], 0, uri, &handled);
}

static gboolean
sy_login_window_real_open_uri (SyLoginWindow *self,
                               const char    *uri)
{
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_on_window (GTK_WINDOW (self), uri, GDK_CURRENT_TIME, &error))
    {
      g_autofree char *text = NULL;

      text = g_strdup_printf (_("Could not open a browser (%s). Copy the link and open "
                                "it in a browser yourself."), error->message);

      show_info (self, text);
    }
  return TRUE;
}

/* The flow's address (and code) as they become known. */
static void
update_progress (SyLoginWindow *self)
{
  const char *url = self->flow ? sy_login_flow_get_url (self->flow) : NULL;
  const char *code = self->flow ? sy_login_flow_get_user_code (self->flow) : NULL;
  guint port = self->flow ? sy_login_flow_get_callback_port (self->flow) : 0;

  gtk_widget_set_visible (self->url_frame, url != NULL);
  gtk_label_set_text (self->url_label, url ? url : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->url_label), url);
  gtk_widget_set_visible (self->code_box, code != NULL);
  gtk_label_set_text (self->code_label, code ? code : "");
  /* Only browser flows come back to a local address one could paste. */
  gtk_widget_set_visible (self->paste_box, url != NULL && port != 0);
  /* Codex also signs in with a code, confirmed in any browser anywhere. */
  gtk_widget_set_visible (self->device_button,
                          url != NULL && port != 0 && g_strcmp0 (self->provider, "codex") == 0);

  if (url == NULL)
    {
      gtk_label_set_text (self->status_label, _("Asking for a sign-in code…"));
      gtk_label_set_text (self->hint_label, "");
      return;
    }
  if (code != NULL)
    {
      gtk_label_set_text (self->status_label, _("Waiting for your approval…"));
      gtk_label_set_text (self->hint_label,
                          _("Open the address below in a browser, on this or any other device, "
                            "sign in and confirm the code."));
    }
  else
    {
      g_autofree char *paste = NULL;

      paste = g_strdup_printf (_("Browser on another machine? Sign in there, then paste the "
                                 "address it ends on (it starts with http://localhost:%u):"),
                               port);

      gtk_label_set_text (self->status_label, _("Waiting for the browser…"));
      gtk_label_set_text (self->hint_label,
                          _("Sign in in the browser window that opened. If none did, open the "
                            "address below yourself."));
      gtk_label_set_text (self->paste_hint, paste);
    }
  if (!self->opened)
    {
      self->opened = TRUE;
      open_uri (self, url);
    }
}

static void
on_flow_url (SyLoginFlow *flow,
             GParamSpec  *pspec,
             gpointer     user_data)
{
  update_progress (SY_LOGIN_WINDOW (user_data));
}

static void
show_result (SyLoginWindow *self,
             gboolean       ok,
             const char    *icon,
             const char    *title,
             const char    *detail)
{
  gtk_image_set_from_icon_name (self->result_icon, icon, GTK_ICON_SIZE_DIALOG);
  gtk_label_set_text (self->result_title, title);
  gtk_label_set_text (self->result_detail, detail ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (self->result_detail), detail != NULL && *detail != '\0');
  gtk_widget_hide (self->preset_frame);
  gtk_widget_set_visible (self->retry_button, !ok);
  gtk_widget_set_visible (self->done_button, ok);
  gtk_stack_set_visible_child_name (self->stack, "result");
  /* The focus on the answer's button, not in the (selectable) detail,
   * which would then show all selected. */
  gtk_widget_grab_focus (ok ? self->done_button : self->retry_button);
  gtk_label_select_region (self->result_detail, 0, 0);
}

/* What went wrong, for a person: a headline, and the service's own words
 * below it. */
static char *
describe_error (SyLoginWindow *self,
                const GError  *error)
{
  const char *title = title_of (self->provider);

  if (error->domain == SY_OAUTH_ERROR)
    switch (error->code)
      {
      case SY_OAUTH_ERROR_DENIED:
        return g_strdup (_("The sign-in was refused in the browser."));
      case SY_OAUTH_ERROR_STATE:
        return g_strdup (_("The browser answered another sign-in. Start again and use only "
                           "the newest page."));
      case SY_OAUTH_ERROR_TIMEOUT:
        return g_strdup (_("The sign-in took too long: nothing came back in time."));
      case SY_OAUTH_ERROR_EXPIRED:
        return g_strdup (_("The code expired before it was confirmed."));
      case SY_OAUTH_ERROR_PORT_IN_USE:
        return g_strdup (_("Another program uses the port the browser comes back to. Close "
                           "it (often the provider's own command-line tool) and try again."));
      case SY_OAUTH_ERROR_EXCHANGE:
        return g_strdup_printf (_("%s did not accept the sign-in."), title);
      default:
        break;
      }
  if (g_error_matches (error, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER)
      || g_error_matches (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID))
    return g_strdup_printf (_("%s answered something Switchyard could not use."), title);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED))
    return g_strdup (_("Your accounts are still loading. Try again in a moment."));
  if (error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR)
    return g_strdup_printf (_("Could not reach %s. Check the connection and try again."), title);
  return g_strdup_printf (_("Could not sign in to %s."), title);
}

static void
show_error (SyLoginWindow *self,
            const GError  *error)
{
  g_autofree char *headline = describe_error (self, error);

  show_result (self, FALSE, "dialog-error-symbolic", headline, error->message);
}

/* Qwen, iFlow: no sign-in, but the config lines that serve them. */
static void
show_ended (SyLoginWindow *self)
{
  g_autofree char *headline = g_strdup_printf (_("%s ended its sign-in in April 2026"),
                                               title_of (self->provider));
  g_autofree char *detail = g_strdup_printf (_("Serve it with an API key from the provider "
                                               "instead: add these lines to %s, with your key."),
                                             sy_service_get_config_path (self->service));

  show_result (self, FALSE, "dialog-information-symbolic", headline, detail);
  gtk_widget_hide (self->retry_button);
  gtk_widget_grab_focus (self->another_button);
  {
    g_autofree char *preset = g_strchomp (g_strdup (sy_login_provider_preset (self->provider)));

    gtk_label_set_text (self->preset_label, preset);
  }
  gtk_widget_show (self->preset_frame);
}

typedef struct
{
  SyLoginWindow *self;
  guint          attempt;
} Attempt;

static void
on_login_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Attempt *a = user_data;
  g_autoptr(SyLoginWindow) self = a->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) credential = NULL;
  gboolean current = a->attempt == self->attempt;

  credential = sy_service_login_finish (SY_SERVICE (source), result, &error);
  g_free (a);
  /* Cancelled, or another sign-in began since. */
  if (!current || gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  g_signal_handlers_disconnect_by_data (self->flow, self);
  g_clear_object (&self->flow);
  g_clear_object (&self->cancellable);
  gtk_spinner_stop (self->spinner);
  if (credential == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_chooser (self);
      else
        show_error (self, error);
      return;
    }
  {
    const char *who = sy_credential_get_email (credential);
    g_autofree char *headline = NULL;
    g_autofree char *detail = NULL;

    if (who == NULL || *who == '\0')
      who = sy_credential_get_label (credential);
    headline = g_strdup_printf (_("Signed in as %s"), who);
    detail = g_strdup_printf (_("The %s account serves requests through the proxy now."),
                              title_of (self->provider));
    show_result (self, TRUE, "object-select-symbolic", headline, detail);
  }
}

static void
begin_flow (SyLoginWindow *self)
{
  /* The window opens the browser itself (open-uri), once the address is
   * known, and never the flow: so a test never starts one. */
  SyLoginOptions options = { FALSE, 0, 0, FALSE, NULL };
  g_autoptr(GError) error = NULL;
  Attempt *a;

  stop_flow (self);
  hide_info (self);
  if (sy_service_get_logins (self->service) == NULL)
    {
      /* The application starts the sign-in again once they are read. */
      gtk_widget_hide (self->url_frame);
      gtk_widget_hide (self->code_box);
      gtk_widget_hide (self->paste_box);
      gtk_widget_hide (self->device_button);
      gtk_label_set_text (self->status_label, _("Loading your accounts…"));
      gtk_label_set_text (self->hint_label, _("The sign-in starts as soon as they are read."));
      gtk_spinner_start (self->spinner);
      gtk_stack_set_visible_child_name (self->stack, "progress");
      return;
    }
  g_clear_pointer (&self->project, g_free);
  options.callback_port = self->callback_port;
  options.device = self->device;
  if (g_strcmp0 (self->provider, "gemini-cli") == 0)
    {
      self->project = g_strstrip (g_strdup (gtk_entry_get_text (self->project_entry)));
      if (*self->project != '\0')
        options.project_id = self->project;
    }
  self->cancellable = g_cancellable_new ();
  self->opened = FALSE;
  a = g_new0 (Attempt, 1);
  a->self = g_object_ref (self);
  a->attempt = self->attempt;
  self->flow = sy_service_login (self->service, self->provider, &options, self->cancellable,
                                 on_login_done, a, &error);
  if (self->flow == NULL)
    {
      g_object_unref (a->self);
      g_free (a);
      g_clear_object (&self->cancellable);
      if (g_error_matches (error, SY_LOGIN_ERROR, SY_LOGIN_ERROR_UNSUPPORTED)
          && sy_login_provider_preset (self->provider) != NULL)
        show_ended (self);
      else
        show_error (self, error);
      return;
    }
  g_signal_connect (self->flow, "notify::url", G_CALLBACK (on_flow_url), self);
  gtk_entry_set_text (self->paste_entry, "");
  gtk_widget_hide (GTK_WIDGET (self->paste_error));
  gtk_button_set_label (self->copy_link_button, _("Copy _Link"));
  gtk_spinner_start (self->spinner);
  gtk_stack_set_visible_child_name (self->stack, "progress");
  update_progress (self);
}

/* After the notice: the project for Gemini CLI, else the sign-in. */
static void
after_terms (SyLoginWindow *self)
{
  if (g_strcmp0 (self->provider, "gemini-cli") == 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "project");
      gtk_widget_grab_focus (GTK_WIDGET (self->project_entry));
      return;
    }
  begin_flow (self);
}

void
sy_login_window_start (SyLoginWindow *self,
                       const char    *provider)
{
  g_return_if_fail (SY_IS_LOGIN_WINDOW (self));

  show_chooser (self);
  hide_info (self);
  self->device = FALSE;
  if (provider == NULL)
    return;
  self->provider = g_strdup (provider);
  gtk_header_bar_set_subtitle (self->header, title_of (provider));
  /* Only a sign-in one can start has terms to accept: an ended one says
   * what to do instead, one with no sign-in (Vertex, an unknown name)
   * says so, and neither marks a notice seen. */
  if (g_strv_contains (sy_login_providers (), provider) && !sy_login_terms_seen (provider))
    {
      g_autofree char *notice = sy_login_terms_notice (provider);

      gtk_label_set_text (self->terms_title, _("Your account, your risk"));
      gtk_label_set_text (self->terms_label, notice);
      gtk_stack_set_visible_child_name (self->stack, "terms");
      gtk_widget_grab_focus (GTK_WIDGET (self->terms_continue));
      return;
    }
  after_terms (self);
}

const char *
sy_login_window_get_provider (SyLoginWindow *self)
{
  g_return_val_if_fail (SY_IS_LOGIN_WINDOW (self), NULL);
  return self->provider;
}

/* ------------------------------------------------------------ callbacks */

static void
on_provider_activated (GtkListBox    *list,
                       GtkListBoxRow *row,
                       gpointer       user_data)
{
  SyLoginWindow *self = SY_LOGIN_WINDOW (user_data);

  sy_login_window_start (self, g_object_get_data (G_OBJECT (row), "provider"));
}

static void
on_terms_continue_clicked (SyLoginWindow *self)
{
  g_return_if_fail (self->provider != NULL);
  sy_login_terms_mark_seen (self->provider);
  after_terms (self);
}

static void
on_project_continue_clicked (SyLoginWindow *self)
{
  begin_flow (self);
}

static void
on_cancel_clicked (SyLoginWindow *self)
{
  show_chooser (self);
}

static void
on_another_clicked (SyLoginWindow *self)
{
  show_chooser (self);
}

static void
on_retry_clicked (SyLoginWindow *self)
{
  g_autofree char *provider = g_strdup (self->provider);

  sy_login_window_start (self, provider);
}

static void
on_close_clicked (SyLoginWindow *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static void
on_open_clicked (SyLoginWindow *self)
{
  const char *url = self->flow ? sy_login_flow_get_url (self->flow) : NULL;

  if (url != NULL)
    open_uri (self, url);
}

static void
copy_text (SyLoginWindow *self,
           const char    *text)
{
  GtkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self), GDK_SELECTION_CLIPBOARD);

  gtk_clipboard_set_text (clipboard, text, -1);
}

static void
on_copy_link_clicked (SyLoginWindow *self)
{
  const char *url = self->flow ? sy_login_flow_get_url (self->flow) : NULL;

  if (url == NULL)
    return;
  copy_text (self, url);
  gtk_button_set_label (self->copy_link_button, _("Copied"));
}

static void
on_copy_code_clicked (SyLoginWindow *self)
{
  const char *code = self->flow ? sy_login_flow_get_user_code (self->flow) : NULL;

  if (code != NULL)
    copy_text (self, code);
}

static void
on_device_clicked (SyLoginWindow *self)
{
  self->device = TRUE;
  begin_flow (self);
}

static void
on_paste_activated (SyLoginWindow *self)
{
  g_autofree char *pasted = g_strstrip (g_strdup (gtk_entry_get_text (self->paste_entry)));
  g_autoptr(GError) error = NULL;

  if (self->flow == NULL || *pasted == '\0')
    return;
  if (!sy_login_flow_deliver (self->flow, pasted, &error))
    {
      g_autofree char *text = NULL;

      text = g_strdup_printf (_("That is not the address this sign-in ends on (%s). "
                                "Paste the whole address from the browser's address bar."),
                              error->message);

      gtk_label_set_text (self->paste_error, text);
      gtk_widget_show (GTK_WIDGET (self->paste_error));
      return;
    }
  gtk_widget_hide (GTK_WIDGET (self->paste_error));
  gtk_label_set_text (self->status_label, _("Finishing the sign-in…"));
}

/* ------------------------------------------------------------- the list */

static GtkWidget *
provider_row_new (const char *provider)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (title_of (provider));
  GtkWidget *detail = gtk_label_new (describe_provider (provider));
  GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic", GTK_ICON_SIZE_BUTTON);
  g_autofree char *name = g_strconcat ("provider-", provider, NULL);
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  gtk_label_set_attributes (GTK_LABEL (title), attrs);
  pango_attr_list_unref (attrs);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_ellipsize (GTK_LABEL (detail), PANGO_ELLIPSIZE_END);
  gtk_style_context_add_class (gtk_widget_get_style_context (detail), "dim-label");
  if (is_ended (provider))
    gtk_style_context_add_class (gtk_widget_get_style_context (title), "dim-label");
  gtk_style_context_add_class (gtk_widget_get_style_context (arrow), "dim-label");
  gtk_widget_set_hexpand (text, TRUE);
  gtk_container_add (GTK_CONTAINER (text), title);
  gtk_container_add (GTK_CONTAINER (text), detail);
  gtk_container_add (GTK_CONTAINER (box), text);
  gtk_container_add (GTK_CONTAINER (box), arrow);
  g_object_set (box, "margin-start", 12, "margin-end", 12,
                "margin-top", 8, "margin-bottom", 8, NULL);
  gtk_container_add (GTK_CONTAINER (row), box);
  gtk_widget_set_name (row, name);
  g_object_set_data_full (G_OBJECT (row), "provider", g_strdup (provider), g_free);
  gtk_widget_show_all (row);
  return row;
}

static void
fill_providers (SyLoginWindow *self)
{
  const char * const *providers = sy_login_providers ();

  for (guint i = 0; providers[i] != NULL; i++)
    gtk_container_add (GTK_CONTAINER (self->provider_list), provider_row_new (providers[i]));
  for (guint i = 0; i < G_N_ELEMENTS (ended); i++)
    if (sy_login_provider_preset (ended[i]) != NULL)
      gtk_container_add (GTK_CONTAINER (self->provider_list), provider_row_new (ended[i]));
}

static void
separate_rows (GtkListBoxRow *row,
               GtkListBoxRow *before,
               gpointer       user_data)
{
  if (before != NULL && gtk_list_box_row_get_header (row) == NULL)
    gtk_list_box_row_set_header (row, gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
}

/* ------------------------------------------------------------- GObject */

static void
sy_login_window_dispose (GObject *object)
{
  SyLoginWindow *self = SY_LOGIN_WINDOW (object);

  stop_flow (self);
  G_OBJECT_CLASS (sy_login_window_parent_class)->dispose (object);
}

static void
sy_login_window_finalize (GObject *object)
{
  SyLoginWindow *self = SY_LOGIN_WINDOW (object);

  g_clear_object (&self->service);
  g_free (self->provider);
  g_free (self->project);
  G_OBJECT_CLASS (sy_login_window_parent_class)->finalize (object);
}

static void
sy_login_window_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SyLoginWindow *self = SY_LOGIN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;
    case PROP_CALLBACK_PORT:
      g_value_set_uint (value, self->callback_port);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_login_window_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SyLoginWindow *self = SY_LOGIN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;
    case PROP_CALLBACK_PORT:
      self->callback_port = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_login_window_class_init (SyLoginWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_login_window_dispose;
  object_class->finalize = sy_login_window_finalize;
  object_class->get_property = sy_login_window_get_property;
  object_class->set_property = sy_login_window_set_property;

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, SY_TYPE_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* The local port browser flows come back to: 0 for the provider's own
   * (the one its sign-in page accepts); tests set G_MAXUINT16 + 1, any
   * free port, since their fake sign-in pages accept any. */
  properties[PROP_CALLBACK_PORT] =
    g_param_spec_uint ("callback-port", NULL, NULL, 0, G_MAXUINT16 + 1, 0,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SyLoginWindow::open-uri:
   * @uri: the sign-in address
   *
   * The window opens the browser: when the address is first known and on
   * "Open Browser". The default handler shows @uri with the desktop's
   * browser; a handler returning %TRUE stands in for it.
   */
  signals[OPEN_URI] =
    g_signal_new_class_handler ("open-uri", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                G_CALLBACK (sy_login_window_real_open_uri),
                                g_signal_accumulator_true_handled, NULL, NULL,
                                G_TYPE_BOOLEAN, 1, G_TYPE_STRING);

  sy_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, TEMPLATE);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, header);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, info_bar);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, info_label);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, provider_list);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, terms_title);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, terms_label);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, terms_continue);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, project_entry);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, hint_label);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, code_box);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, code_label);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, url_frame);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, url_label);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, copy_link_button);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, paste_box);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, paste_hint);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, paste_entry);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, paste_error);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, device_button);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, result_icon);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, result_title);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, result_detail);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, preset_frame);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, preset_label);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, another_button);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, SyLoginWindow, done_button);
  gtk_widget_class_bind_template_callback (widget_class, on_info_bar_response);
  gtk_widget_class_bind_template_callback (widget_class, on_provider_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_terms_continue_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_project_continue_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_another_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_close_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_open_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_link_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_code_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_paste_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_device_clicked);
}

static void
sy_login_window_init (SyLoginWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_list_box_set_header_func (self->provider_list, separate_rows, NULL, NULL);
  fill_providers (self);
}

GtkWidget *
sy_login_window_new (SyService *service)
{
  g_return_val_if_fail (SY_IS_SERVICE (service), NULL);
  return g_object_new (SY_TYPE_LOGIN_WINDOW, "service", service, NULL);
}
