/* sy-login.c: signing in to a subscription, and keeping its tokens fresh
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-auth"

#include "config.h"

#include <string.h>

#include "sy-login.h"
#include "sy-oauth.h"

/* Public constants of Claude Code's own sign-in (reference oauth.md §5). */
#define CLAUDE_CLIENT_ID "9d1c250a-e61b-44d9-88ed-5944d1962f5e"
#define CLAUDE_SCOPES    "user:profile user:inference user:sessions:claude_code user:mcp_servers user:file_upload"

typedef struct
{
  const char *name;
  const char *title;
  const char *auth;          /* default endpoints.<name>.auth */
  const char *api;           /* default endpoints.<name>.api */
  guint       port;          /* local callback */
  const char *path;
  gint64      lead_s;        /* refresh this long before expiry */
  const char *unavailable;   /* why there is no sign-in, or NULL */
} ProviderInfo;

static const ProviderInfo providers[] = {
  { "claude", "Claude (Pro / Max)", "https://claude.ai", "https://api.anthropic.com",
    54545, "/callback", 4 * 3600, NULL },
  { "codex", "ChatGPT (Codex)", "https://auth.openai.com", "https://chatgpt.com",
    1455, "/auth/callback", 5 * 86400, "not available in this version yet" },
  { "antigravity", "Google Antigravity", "https://accounts.google.com", "https://cloudcode-pa.googleapis.com",
    51121, "/oauth-callback", 5 * 60, "not available in this version yet" },
  { "gemini-cli", "Gemini Code Assist", "https://accounts.google.com", "https://cloudcode-pa.googleapis.com",
    8085, "/oauth2callback", 0, "not available in this version yet" },
  { "kimi", "Kimi", "https://auth.kimi.com", "https://api.kimi.com",
    0, NULL, 5 * 60, "not available in this version yet" },
  { "xai", "xAI (Grok)", "https://auth.x.ai", "https://api.x.ai",
    0, NULL, 5 * 60, "not available in this version yet" },
  { "qwen", "Qwen", NULL, NULL, 0, NULL, 0,
    "discontinued: Qwen ended its OAuth sign-in in April 2026; add a Qwen API key as an "
    "openai-compatibility entry instead" },
  { "iflow", "iFlow", NULL, NULL, 0, NULL, 0,
    "discontinued: iFlow ended its OAuth sign-in in April 2026; add an iFlow API key as an "
    "openai-compatibility entry instead" },
};

G_DEFINE_QUARK (sy-login-error-quark, sy_login_error)

static const ProviderInfo *
find_provider (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
    if (g_strcmp0 (providers[i].name, name) == 0)
      return &providers[i];
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
  const ProviderInfo *info = find_provider (provider);

  return info ? info->title : provider;
}

gint64
sy_login_refresh_lead (const char *provider)
{
  const ProviderInfo *info = find_provider (provider);

  return info ? info->lead_s : 0;
}

/* ------------------------------------------------------------------ flow */

struct _SyLoginFlow
{
  GObject               parent_instance;
  const ProviderInfo   *info;
  SyHttpClient         *http;
  SyConfig             *config;
  SyLoginOptions        options;
  char                 *auth_base;
  char                 *api_base;

  SyOAuthCallback      *callback;
  char                 *url;
  char                 *state;
  char                 *verifier;
  char                 *redirect_uri;
};

G_DEFINE_FINAL_TYPE (SyLoginFlow, sy_login_flow, G_TYPE_OBJECT)

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
  if (self->verifier != NULL)
    memset (self->verifier, 0, strlen (self->verifier));
  g_free (self->verifier);
  g_free (self->redirect_uri);

  G_OBJECT_CLASS (sy_login_flow_parent_class)->finalize (object);
}

static void
sy_login_flow_class_init (SyLoginFlowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sy_login_flow_finalize;
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
  const ProviderInfo *info = find_provider (provider);
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

static const char *
string_member (JsonObject *o,
               const char *name)
{
  JsonNode *node = o ? json_object_get_member (o, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
object_member (JsonObject *o,
               const char *name)
{
  JsonNode *node = o ? json_object_get_member (o, name) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* expires_in (seconds) from a token answer, as an absolute time. */
static gint64
expiry_from (JsonObject *answer,
             gint64      now_us)
{
  JsonNode *node = json_object_get_member (answer, "expires_in");
  gint64 seconds = 0;

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
    {
      if (json_node_get_value_type (node) == G_TYPE_INT64)
        seconds = json_node_get_int (node);
      else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
        seconds = (gint64) json_node_get_double (node);
      else if (json_node_get_value_type (node) == G_TYPE_STRING)
        seconds = g_ascii_strtoll (json_node_get_string (node), NULL, 10);
    }
  return seconds > 0 ? now_us + CLAMP (seconds, 1, 366 * 86400) * G_USEC_PER_SEC : 0;
}

/* Claude ------------------------------------------------------------------ */

static void
on_claude_tokens (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sy_oauth_post_finish (result, NULL, &error);
  JsonObject *account;
  JsonObject *organization;
  const char *access;
  const char *email;
  gint64 now = g_get_real_time ();
  SyCredential *credential;

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  access = string_member (answer, "access_token");
  account = object_member (answer, "account");
  organization = object_member (answer, "organization");
  email = string_member (account, "email_address");
  if (access == NULL)
    {
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                               "Claude's token answer holds no access token");
      return;
    }
  credential = sy_credential_new ("claude", email,
                                  string_member (account, "uuid") ? string_member (account, "uuid") : email);
  sy_credential_set_tokens (credential, access, string_member (answer, "refresh_token"), NULL,
                            expiry_from (answer, now), now);
  sy_credential_set_extra (credential, "account_uuid", string_member (account, "uuid"));
  sy_credential_set_extra (credential, "organization", string_member (organization, "name"));
  sy_credential_set_extra (credential, "organization_uuid", string_member (organization, "uuid"));
  g_task_return_pointer (task, credential, g_object_unref);
}

static void
on_claude_code (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyLoginFlow *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *code = sy_oauth_callback_wait_finish (self->callback, result, &error);
  g_autofree char *token_url = NULL;
  const char *fields[15];
  static const char * const headers[] = { "Accept: application/json", NULL };

  if (code == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  token_url = g_strconcat (self->api_base, "/v1/oauth/token", NULL);
  fields[0] = "grant_type";    fields[1] = "authorization_code";
  fields[2] = "code";          fields[3] = code;
  fields[4] = "state";         fields[5] = self->state;
  fields[6] = "client_id";     fields[7] = CLAUDE_CLIENT_ID;
  fields[8] = "redirect_uri";  fields[9] = self->redirect_uri;
  fields[10] = "code_verifier"; fields[11] = self->verifier;
  fields[12] = NULL;
  sy_oauth_post_async (self->http, token_url, SY_OAUTH_JSON, fields, headers, self->config->proxy_url,
                       g_task_get_cancellable (task), on_claude_tokens, g_object_ref (task));
  memset (code, 0, strlen (code));
}

static gboolean
claude_start (SyLoginFlow  *self,
              GTask        *task,
              GError      **error)
{
  g_autofree char *challenge = NULL;
  g_autofree char *authorize = NULL;
  const char *params[19];
  guint port = self->options.callback_port ? self->options.callback_port : self->info->port;

  sy_oauth_pkce_new (&self->verifier, &challenge);
  self->state = sy_oauth_random_state ();
  self->callback = sy_oauth_callback_new (port > G_MAXUINT16 ? 0 : port, self->info->path, self->state, error);
  if (self->callback == NULL)
    return FALSE;
  self->redirect_uri = g_strdup_printf ("http://localhost:%u%s", sy_oauth_callback_get_port (self->callback),
                                        self->info->path);
  authorize = g_strconcat (self->auth_base, "/oauth/authorize", NULL);
  params[0] = "code";                  params[1] = "true";
  params[2] = "client_id";             params[3] = CLAUDE_CLIENT_ID;
  params[4] = "response_type";         params[5] = "code";
  params[6] = "redirect_uri";          params[7] = self->redirect_uri;
  params[8] = "scope";                 params[9] = CLAUDE_SCOPES;
  params[10] = "code_challenge";       params[11] = challenge;
  params[12] = "code_challenge_method"; params[13] = "S256";
  params[14] = "state";                params[15] = self->state;
  params[16] = NULL;
  self->url = sy_oauth_build_url (authorize, params);
  return TRUE;
}

static void
open_browser (SyLoginFlow *self)
{
  g_autoptr(GError) error = NULL;

  if (!self->options.open_browser)
    return;
  if (!g_app_info_launch_default_for_uri (self->url, NULL, &error))
    g_message ("Could not open a browser (%s): open the address above yourself", error->message);
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
  if (!claude_start (self, task, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  open_browser (self);
  sy_oauth_callback_wait_async (self->callback, self->options.timeout_s, cancellable,
                                on_claude_code, g_object_ref (task));
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

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyCredential *credential = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  guint status = 0;
  g_autoptr(JsonObject) answer = sy_oauth_post_finish (result, &status, &error);
  const char *access;
  gint64 now = g_get_real_time ();

  if (answer == NULL)
    {
      /* 400/401 from the token endpoint: the refresh token is no good. */
      if (status == 400 || status == 401)
        {
          g_autofree char *reason = g_strdup_printf ("the sign-in expired or was revoked (%s)", error->message);

          sy_credential_set_status (credential, SY_CREDENTIAL_NEEDS_LOGIN, reason);
          g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_REFUSED, "%s: %s",
                                   sy_credential_get_label (credential), reason);
        }
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  access = string_member (answer, "access_token");
  if (access == NULL)
    {
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                               "the refresh answer holds no access token");
      return;
    }
  sy_credential_set_tokens (credential, access, string_member (answer, "refresh_token"),
                            string_member (answer, "id_token"), expiry_from (answer, now), now);
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
  const ProviderInfo *info = find_provider (sy_credential_get_provider (credential));
  const char *refresh = sy_credential_get_refresh_token (credential);
  g_autofree char *api = NULL;
  g_autofree char *url = NULL;
  const char *fields[7];
  static const char * const headers[] = { "Accept: application/json", NULL };

  g_task_set_source_tag (task, sy_login_refresh_async);
  g_task_set_task_data (task, g_object_ref (credential), g_object_unref);
  if (info == NULL || info->unavailable != NULL || g_strcmp0 (info->name, "claude") != 0)
    {
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_UNSUPPORTED,
                               "no token refresh for %s logins", sy_credential_get_provider (credential));
      g_object_unref (task);
      return;
    }
  if (refresh == NULL)
    {
      sy_credential_set_status (credential, SY_CREDENTIAL_NEEDS_LOGIN, "no refresh token was stored");
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_REFUSED,
                               "%s has no refresh token: sign in again", sy_credential_get_label (credential));
      g_object_unref (task);
      return;
    }
  api = sy_config_endpoint (config, info->name, "api", info->api);
  url = g_strconcat (api, "/v1/oauth/token", NULL);
  fields[0] = "grant_type";    fields[1] = "refresh_token";
  fields[2] = "refresh_token"; fields[3] = refresh;
  fields[4] = "client_id";     fields[5] = CLAUDE_CLIENT_ID;
  fields[6] = NULL;
  sy_oauth_post_async (http, url, SY_OAUTH_JSON, fields, headers, config ? config->proxy_url : NULL,
                       cancellable, on_refreshed, task);
}

gboolean
sy_login_refresh_finish (GAsyncResult  *result,
                         GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
