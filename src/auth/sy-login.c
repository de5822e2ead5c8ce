/* sy-login.c: signing in to a subscription, and keeping its tokens fresh
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-auth"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "sy-clock.h"
#include "sy-json-guard.h"
#include "sy-login-private.h"
#include "sy-secret.h"

static const SyLoginProvider * const providers[] = {
  &sy_login_claude,
  &sy_login_codex,
  &sy_login_antigravity,
  &sy_login_gemini_cli,
  &sy_login_kimi,
  &sy_login_xai,
  &sy_login_qwen,
  &sy_login_iflow,
  &sy_login_vertex,     /* imported, not signed in to: refresh only */
};

G_DEFINE_QUARK (sy-login-error-quark, sy_login_error)

static const SyLoginProvider *
find_provider (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
    if (g_strcmp0 (providers[i]->name, name) == 0)
      return providers[i];
  return NULL;
}

const char * const *
sy_login_providers (void)
{
  static const char * const names[] = {
    "claude", "codex", "antigravity", "gemini-cli", "kimi", "xai", NULL
  };

  return names;
}

const char *
sy_login_provider_title (const char *provider)
{
  const SyLoginProvider *info = find_provider (provider);

  return info ? info->title : provider;
}

const char *
sy_login_provider_preset (const char *provider)
{
  const SyLoginProvider *info = find_provider (provider);

  return info ? info->preset : NULL;
}

gint64
sy_login_refresh_lead (const char *provider)
{
  const SyLoginProvider *info = find_provider (provider);

  return info ? info->lead_s : 0;
}

/* ----------------------------------------------------------------- terms */

char *
sy_login_terms_notice (const char *provider)
{
  const char *title = sy_login_provider_title (provider);
  char *text;

  /* The titles are marked for translation where they are defined. */
  if (title != NULL && *title != '\0')
    title = _(title);
  /* The trailing blank line is the command line's, from before the
   * window; kept so the translations still match. */
  text = g_strdup_printf (_("Before you sign in to %s: subscriptions are meant for the provider's "
                            "own apps. Using one through a proxy may break its terms of service, "
                            "and providers have suspended accounts for it. You use your own "
                            "account at your own risk.\n\n"),
                          title);
  return g_strchomp (text);
}

/* One empty file per provider: the notice is said once, whichever front
 * (command line or window) said it. */
static char *
terms_marker (const char *provider)
{
  return g_build_filename (g_get_user_state_dir (), "switchyard", "notices", provider, NULL);
}

/* A provider name is a file name here: nothing that climbs out, and not
 * "" (the directory itself, which exists once any notice was seen). */
static gboolean
is_marker_name (const char *provider)
{
  return provider[0] != '\0' && provider[0] != '.' && strpbrk (provider, "/\\") == NULL;
}

gboolean
sy_login_terms_seen (const char *provider)
{
  g_autofree char *marker = NULL;

  g_return_val_if_fail (provider != NULL, FALSE);
  if (!is_marker_name (provider))
    return FALSE;
  marker = terms_marker (provider);
  return g_file_test (marker, G_FILE_TEST_EXISTS);
}

void
sy_login_terms_mark_seen (const char *provider)
{
  g_autofree char *marker = NULL;
  g_autofree char *dir = NULL;

  g_return_if_fail (provider != NULL);
  if (!is_marker_name (provider))
    return;
  marker = terms_marker (provider);
  dir = g_path_get_dirname (marker);
  if (g_mkdir_with_parents (dir, 0700) == 0)
    g_file_set_contents (marker, "", 0, NULL);
}

/* ------------------------------------------------------------------ flow */

G_DEFINE_FINAL_TYPE (SyLoginFlow, sy_login_flow, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sy_login_flow_finalize (GObject *object)
{
  SyLoginFlow *self = SY_LOGIN_FLOW (object);

  g_clear_object (&self->http);
  g_clear_pointer (&self->config, sy_config_unref);
  g_clear_object (&self->callback);
  g_free (self->auth_base);
  g_free (self->api_base);
  g_free (self->url);
  g_free (self->state);
  sy_secret_clear (&self->verifier);   /* the PKCE verifier */
  g_free (self->redirect_uri);
  g_free (self->user_code);
  if (self->data_free != NULL)
    self->data_free (self->data);

  G_OBJECT_CLASS (sy_login_flow_parent_class)->finalize (object);
}

static void
sy_login_flow_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SyLoginFlow *self = SY_LOGIN_FLOW (object);

  switch (prop_id)
    {
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_login_flow_class_init (SyLoginFlowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_login_flow_finalize;
  object_class->get_property = sy_login_flow_get_property;

  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_login_flow_init (SyLoginFlow *self)
{
}

SyLoginFlow *
sy_login_flow_new (const char            *provider,
                   SyHttpClient          *http,
                   SyConfig              *config,
                   const SyLoginOptions  *options,
                   GError               **error)
{
  const SyLoginProvider *info = find_provider (provider);
  SyLoginFlow *self;

  if (info == NULL)
    {
      g_set_error (error, SY_LOGIN_ERROR, SY_LOGIN_ERROR_UNSUPPORTED,
                   "unknown provider '%s' (one of: claude, codex, antigravity, gemini-cli, kimi, xai)",
                   provider);
      return NULL;
    }
  if (info->unavailable != NULL)
    {
      g_set_error (error, SY_LOGIN_ERROR, SY_LOGIN_ERROR_UNSUPPORTED,
                   "%s sign-in: %s", info->title, info->unavailable);
      return NULL;
    }
  self = g_object_new (SY_TYPE_LOGIN_FLOW, NULL);
  self->info = info;
  self->http = g_object_ref (http);
  self->config = config ? sy_config_ref (config) : sy_config_new_default ();
  if (options != NULL)
    self->options = *options;
  if (self->options.timeout_s == 0)
    self->options.timeout_s = 300;
  self->auth_base = sy_config_endpoint (self->config, info->name, "auth", info->auth);
  self->api_base = sy_config_endpoint (self->config, info->name, "api", info->api);
  return self;
}

const char *
sy_login_flow_get_url (SyLoginFlow *self)
{
  return self->url;
}

guint
sy_login_flow_get_callback_port (SyLoginFlow *self)
{
  return self->callback ? sy_oauth_callback_get_port (self->callback) : 0;
}

gboolean
sy_login_flow_deliver (SyLoginFlow  *self,
                       const char   *pasted,
                       GError      **error)
{
  if (self->callback == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "the sign-in has not started");
      return FALSE;
    }
  return sy_oauth_callback_deliver (self->callback, pasted, error);
}

SyOAuthCallback *
sy_login_flow_listen (SyLoginFlow  *self,
                      const char   *state,
                      GError      **error)
{
  guint port = self->options.callback_port ? self->options.callback_port : self->info->port;

  return sy_oauth_callback_new (port > G_MAXUINT16 ? 0 : port, self->info->path, state, error);
}

const char *
sy_login_flow_get_user_code (SyLoginFlow *self)
{
  return self->user_code;
}

static void
open_browser (SyLoginFlow *self)
{
  g_autoptr(GError) error = NULL;

  if (!self->options.open_browser)
    return;
  if (!g_app_info_launch_default_for_uri (self->url, NULL, &error))
    g_message (_("Could not open a browser (%s): open the address above yourself"), error->message);
}

void
sy_login_flow_run_async (SyLoginFlow         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, sy_login_flow_run_async);
  if (!self->info->start (self, task, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Device flows open it once the provider has said where. */
  if (self->url != NULL)
    open_browser (self);
}

void
sy_login_flow_set_prompt (SyLoginFlow *self,
                          const char  *url,
                          const char  *user_code)
{
  g_free (self->user_code);
  self->user_code = g_strdup (user_code);
  g_free (self->url);
  self->url = g_strdup (url);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);
  open_browser (self);
}

SyCredential *
sy_login_flow_run_finish (SyLoginFlow   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Refresh ----------------------------------------------------------------- */

/* The end of every provider's refresh: new tokens in, or the verdict. */
void
sy_login_finish_refresh (GTask        *task,
                         SyCredential *credential,
                         JsonObject   *answer,
                         guint         status,
                         GError       *error)
{
  const char *access;
  gint64 now = sy_clock_now (sy_clock_get_default ());

  if (answer == NULL)
    {
      /* 400/401 from the token endpoint: the refresh token is no good. */
      if (status == 400 || status == 401)
        {
          g_autofree char *reason = g_strdup_printf ("the sign-in expired or was revoked (%s)", error->message);

          sy_credential_set_status (credential, SY_CREDENTIAL_NEEDS_LOGIN, reason);
          g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_REFUSED, "%s: %s",
                                   sy_credential_get_label (credential), reason);
          g_error_free (error);
        }
      else
        g_task_return_error (task, error);
      return;
    }
  access = sy_login_json_string (answer, "access_token");
  if (access == NULL)
    {
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                               "the refresh answer holds no access token");
      return;
    }
  sy_credential_set_tokens (credential, access, sy_login_json_string (answer, "refresh_token"),
                            sy_login_json_string (answer, "id_token"), sy_login_expiry_from (answer, now), now);
  g_task_return_boolean (task, TRUE);
}

void
sy_login_refresh_async (SyHttpClient        *http,
                        SyConfig            *config,
                        SyCredential        *credential,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  const SyLoginProvider *info = find_provider (sy_credential_get_provider (credential));

  g_task_set_source_tag (task, sy_login_refresh_async);
  g_task_set_task_data (task, g_object_ref (credential), g_object_unref);
  if (info == NULL || info->refresh == NULL)
    {
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_UNSUPPORTED,
                               "no token refresh for %s logins", sy_credential_get_provider (credential));
      g_object_unref (task);
      return;
    }
  if (sy_credential_get_refresh_token (credential) == NULL)
    {
      sy_credential_set_status (credential, SY_CREDENTIAL_NEEDS_LOGIN, "no refresh token was stored");
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_REFUSED,
                               "%s has no refresh token: sign in again", sy_credential_get_label (credential));
      g_object_unref (task);
      return;
    }
  info->refresh (http, config, credential, task);
}

gboolean
sy_login_refresh_finish (GAsyncResult  *result,
                         GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

const char *
sy_login_json_string (JsonObject *o,
               const char *name)
{
  JsonNode *node = o ? json_object_get_member (o, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

JsonObject *
sy_login_json_object (JsonObject *o,
               const char *name)
{
  JsonNode *node = o ? json_object_get_member (o, name) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* expires_in (seconds) from a token answer, as an absolute time. */
gint64
sy_login_expiry_from (JsonObject *answer,
             gint64      now_us)
{
  JsonNode *node = json_object_get_member (answer, "expires_in");
  gint64 seconds = 0;

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
    {
      if (json_node_get_value_type (node) == G_TYPE_INT64 ||
          json_node_get_value_type (node) == G_TYPE_DOUBLE)
        {
          if (!sy_json_node_to_int64 (node, &seconds))
            seconds = json_node_get_double (node) > 0 ? G_MAXINT64 : 0;
        }
      else if (json_node_get_value_type (node) == G_TYPE_STRING)
        seconds = g_ascii_strtoll (json_node_get_string (node), NULL, 10);
    }
  return seconds > 0 ? now_us + CLAMP (seconds, 1, 366 * 86400) * G_USEC_PER_SEC : 0;
}

