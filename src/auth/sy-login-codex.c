/* sy-login-codex.c: ChatGPT (Codex) sign-in (browser or device code) and refresh
 *
 * Facts: reference oauth.md §6. Both flows end with the same form-encoded
 * code exchange at <auth>/oauth/token: the browser flow with its own PKCE
 * verifier and the local callback as redirect, the device flow with the
 * verifier OpenAI hands back and <auth>/deviceauth/callback. Who signed in
 * (e-mail, ChatGPT account, plan) is read from the id_token's claims.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-auth"

#include "config.h"

#include <string.h>

#include "sy-clock.h"
#include "sy-login-private.h"
#include "sy-secret.h"

/* Public constants of the Codex CLI's own sign-in. */
#define CODEX_CLIENT_ID       "app_EMoamEEZ73f0CkXaXp7hrann"
#define CODEX_SCOPES          "openid email profile offline_access"
#define CODEX_REFRESH_SCOPES  "openid profile email"
#define CODEX_AUTH_CLAIMS     "https://api.openai.com/auth"
#define DEVICE_INTERVAL_MS    5000

typedef struct
{
  char *device_auth_id;
} DeviceData;

static void
device_data_free (gpointer data)
{
  DeviceData *device = data;

  g_free (device->device_auth_id);
  g_free (device);
}

/* What the id_token says of the account. The token was just received over
 * TLS from the issuer, so its claims are read without checking the
 * signature. */
typedef struct
{
  char *email;
  char *account_id;
  char *plan;
} CodexIdentity;

static void
codex_identity_clear (CodexIdentity *identity)
{
  g_clear_pointer (&identity->email, g_free);
  g_clear_pointer (&identity->account_id, g_free);
  g_clear_pointer (&identity->plan, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CodexIdentity, codex_identity_clear)

static gboolean
read_id_token (const char     *id_token,
               CodexIdentity  *identity,
               GError        **error)
{
  g_autoptr(JsonObject) claims = NULL;
  JsonObject *auth;

  if (id_token == NULL)
    {
      g_set_error (error, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                   "OpenAI's token answer holds no id_token");
      return FALSE;
    }
  claims = sy_jwt_decode_payload (id_token, error);
  if (claims == NULL)
    return FALSE;
  auth = sy_login_json_object (claims, CODEX_AUTH_CLAIMS);
  identity->email = g_strdup (sy_login_json_string (claims, "email"));
  identity->account_id = g_strdup (sy_login_json_string (auth, "chatgpt_account_id"));
  identity->plan = g_strdup (sy_login_json_string (auth, "chatgpt_plan_type"));
  return TRUE;
}

static void
on_codex_tokens (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sy_oauth_post_finish (result, NULL, &error);
  g_auto(CodexIdentity) identity = { NULL, NULL, NULL };
  g_autofree char *key = NULL;
  const char *access;
  gint64 now = sy_clock_now (sy_clock_get_default ());
  SyCredential *credential;

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  access = sy_login_json_string (answer, "access_token");
  if (access == NULL)
    {
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                               "OpenAI's token answer holds no access token");
      return;
    }
  if (!read_id_token (sy_login_json_string (answer, "id_token"), &identity, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* The ChatGPT account is what serves (and a team plan shares one e-mail
   * across accounts): without it there is nothing to send upstream. */
  if (identity.account_id == NULL)
    {
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                               "OpenAI's id_token names no ChatGPT account");
      return;
    }
  key = g_strconcat (identity.account_id, "/", identity.email ? identity.email : "", NULL);
  credential = sy_credential_new ("codex", identity.email, key);
  sy_credential_set_tokens (credential, access, sy_login_json_string (answer, "refresh_token"),
                            sy_login_json_string (answer, "id_token"), sy_login_expiry_from (answer, now), now);
  sy_credential_set_extra (credential, "account_id", identity.account_id);
  sy_credential_set_extra (credential, "plan", identity.plan);
  g_info ("Codex sign-in: ChatGPT plan %s", identity.plan ? identity.plan : "unknown");
  g_task_return_pointer (task, credential, g_object_unref);
}

/* The code exchange both flows end with (form-encoded, unlike Claude's). */
static void
exchange_code (SyLoginFlow *self,
               GTask       *task,
               const char  *code,
               const char  *verifier,
               const char  *redirect_uri)
{
  g_autofree char *token_url = g_strconcat (self->auth_base, "/oauth/token", NULL);
  const char *fields[11];

  fields[0] = "grant_type";    fields[1] = "authorization_code";
  fields[2] = "client_id";     fields[3] = CODEX_CLIENT_ID;
  fields[4] = "code";          fields[5] = code;
  fields[6] = "redirect_uri";  fields[7] = redirect_uri;
  fields[8] = "code_verifier"; fields[9] = verifier;
  fields[10] = NULL;
  sy_oauth_post_async (self->http, token_url, SY_OAUTH_FORM, fields, NULL, self->config->proxy_url,
                       g_task_get_cancellable (task), on_codex_tokens, g_object_ref (task));
}

/* ------------------------------------------------------------------ browser */

static void
on_codex_code (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyLoginFlow *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *code = sy_oauth_callback_wait_finish (self->callback, result, &error);

  if (code == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  exchange_code (self, task, code, self->verifier, self->redirect_uri);
  sy_secret_wipe (code, strlen (code));
}

static gboolean
browser_start (SyLoginFlow  *self,
               GTask        *task,
               GError      **error)
{
  g_autofree char *challenge = NULL;
  g_autofree char *authorize = NULL;
  const char *params[23];

  sy_oauth_pkce_new (&self->verifier, &challenge);
  self->state = sy_oauth_random_state ();
  self->callback = sy_login_flow_listen (self, self->state, error);
  if (self->callback == NULL)
    return FALSE;
  /* OpenAI knows this client's redirect as localhost:1455; another port
   * (--callback-port, tests) is named as it is. */
  self->redirect_uri = g_strdup_printf ("http://localhost:%u%s", sy_oauth_callback_get_port (self->callback),
                                        self->info->path);
  authorize = g_strconcat (self->auth_base, "/oauth/authorize", NULL);
  params[0] = "client_id";                  params[1] = CODEX_CLIENT_ID;
  params[2] = "response_type";              params[3] = "code";
  params[4] = "redirect_uri";               params[5] = self->redirect_uri;
  params[6] = "scope";                      params[7] = CODEX_SCOPES;
  params[8] = "state";                      params[9] = self->state;
  params[10] = "code_challenge";            params[11] = challenge;
  params[12] = "code_challenge_method";     params[13] = "S256";
  params[14] = "prompt";                    params[15] = "login";
  params[16] = "id_token_add_organizations"; params[17] = "true";
  params[18] = "codex_cli_simplified_flow"; params[19] = "true";
  params[20] = NULL;
  self->url = sy_oauth_build_url (authorize, params);
  sy_oauth_callback_wait_async (self->callback, self->options.timeout_s, g_task_get_cancellable (task),
                                on_codex_code, g_object_ref (task));
  return TRUE;
}

/* ------------------------------------------------------------------- device */

/* "interval": seconds, as a number or a string (fractions taken); 5 s when
 * absent or not positive. */
static guint
device_interval_ms (JsonObject *answer)
{
  JsonNode *node = json_object_get_member (answer, "interval");
  double seconds = 0;

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
    {
      if (json_node_get_value_type (node) == G_TYPE_INT64)
        seconds = (double) json_node_get_int (node);
      else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
        seconds = json_node_get_double (node);
      else if (json_node_get_value_type (node) == G_TYPE_STRING)
        seconds = g_ascii_strtod (json_node_get_string (node), NULL);
    }
  if (!(seconds > 0))
    return DEVICE_INTERVAL_MS;
  return (guint) CLAMP (seconds * 1000.0, 1.0, 60000.0);
}

static void
on_device_approved (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyLoginFlow *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sy_oauth_device_poll_finish (result, &error);
  const char *code;
  const char *verifier;

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  code = sy_login_json_string (answer, "authorization_code");
  verifier = sy_login_json_string (answer, "code_verifier");
  if (code == NULL || verifier == NULL)
    {
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                               "OpenAI approved the device without a code and verifier");
      return;
    }
  /* Kept where the flow wipes it when it goes. */
  g_free (self->verifier);
  self->verifier = g_strdup (verifier);
  exchange_code (self, task, code, self->verifier, self->redirect_uri);
}

static void
on_device_code (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyLoginFlow *self = g_task_get_source_object (task);
  DeviceData *device = self->data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sy_oauth_post_finish (result, NULL, &error);
  g_autofree char *poll_url = NULL;
  const char *user_code;
  const char *fields[5];
  SyOAuthDevicePollInfo info = { 0 };

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  user_code = sy_login_json_string (answer, "user_code");
  if (user_code == NULL)
    user_code = sy_login_json_string (answer, "usercode");
  device->device_auth_id = g_strdup (sy_login_json_string (answer, "device_auth_id"));
  if (user_code == NULL || device->device_auth_id == NULL)
    {
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                               "OpenAI's device sign-in answered without a user code");
      return;
    }
  {
    g_autofree char *device_url = g_strconcat (self->auth_base, "/codex/device", NULL);

    sy_login_flow_set_prompt (self, device_url, user_code);
  }

  poll_url = g_strconcat (self->auth_base, "/api/accounts/deviceauth/token", NULL);
  fields[0] = "device_auth_id"; fields[1] = device->device_auth_id;
  fields[2] = "user_code";      fields[3] = self->user_code;
  fields[4] = NULL;
  info.url = poll_url;
  info.encoding = SY_OAUTH_JSON;
  info.fields = fields;
  info.proxy_url = self->config->proxy_url;
  info.interval_ms = device_interval_ms (answer);
  info.timeout_ms = MIN (self->options.timeout_s, G_MAXUINT / 1000) * 1000;
  /* Until the user approves, OpenAI answers 403 or 404. */
  info.pending_on_403_404 = TRUE;
  sy_oauth_device_poll_full_async (self->http, &info, g_task_get_cancellable (task),
                                   on_device_approved, g_object_ref (task));
}

/* The address and the code to type come with the service's first answer
 * (announced together: notify::url). */
static gboolean
device_start (SyLoginFlow  *self,
              GTask        *task,
              GError      **error)
{
  g_autofree char *url = g_strconcat (self->auth_base, "/api/accounts/deviceauth/usercode", NULL);
  const char *fields[3];

  self->data = g_new0 (DeviceData, 1);
  self->data_free = device_data_free;
  self->redirect_uri = g_strconcat (self->auth_base, "/deviceauth/callback", NULL);
  fields[0] = "client_id"; fields[1] = CODEX_CLIENT_ID;
  fields[2] = NULL;
  sy_oauth_post_async (self->http, url, SY_OAUTH_JSON, fields, NULL, self->config->proxy_url,
                       g_task_get_cancellable (task), on_device_code, g_object_ref (task));
  return TRUE;
}

static gboolean
codex_start (SyLoginFlow  *self,
             GTask        *task,
             GError      **error)
{
  return self->options.device ? device_start (self, task, error) : browser_start (self, task, error);
}

/* ------------------------------------------------------------------ refresh */

static void
on_codex_refreshed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyCredential *credential = g_task_get_task_data (task);
  GError *error = NULL;
  guint status = 0;
  g_autoptr(JsonObject) answer = sy_oauth_post_finish (result, &status, &error);
  g_auto(CodexIdentity) identity = { NULL, NULL, NULL };

  /* Refresh tokens are single-use: this one was spent already (another
   * program signed in to the same account, say). Whatever the status, no
   * retry can mend it. */
  if (answer == NULL && strstr (error->message, "refresh_token_reused") != NULL)
    {
      sy_credential_set_status (credential, SY_CREDENTIAL_NEEDS_LOGIN,
                                "the refresh token was already used (by another program signed in to "
                                "this account?): sign in again");
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_REFUSED,
                               "%s: its refresh token was already used", sy_credential_get_label (credential));
      g_error_free (error);
      return;
    }
  /* A new id_token may tell of a new plan. */
  if (answer != NULL && sy_login_json_string (answer, "id_token") != NULL &&
      read_id_token (sy_login_json_string (answer, "id_token"), &identity, NULL) &&
      identity.plan != NULL && g_strcmp0 (identity.account_id, sy_credential_get_extra (credential, "account_id")) == 0)
    sy_credential_set_extra (credential, "plan", identity.plan);
  sy_login_finish_refresh (task, credential, answer, status, error);
}

static void
codex_refresh (SyHttpClient *http,
               SyConfig     *config,
               SyCredential *credential,
               GTask        *task)
{
  g_autofree char *auth = sy_config_endpoint (config, "codex", "auth", sy_login_codex.auth);
  g_autofree char *url = g_strconcat (auth, "/oauth/token", NULL);
  const char *fields[9];

  fields[0] = "client_id";     fields[1] = CODEX_CLIENT_ID;
  fields[2] = "grant_type";    fields[3] = "refresh_token";
  fields[4] = "refresh_token"; fields[5] = sy_credential_get_refresh_token (credential);
  fields[6] = "scope";         fields[7] = CODEX_REFRESH_SCOPES;
  fields[8] = NULL;
  sy_oauth_post_async (http, url, SY_OAUTH_FORM, fields, NULL, config ? config->proxy_url : NULL,
                       g_task_get_cancellable (task), on_codex_refreshed, task);
}

const SyLoginProvider sy_login_codex = {
  .name = "codex",
  .title = "ChatGPT (Codex)",
  .auth = "https://auth.openai.com",
  .api = "https://chatgpt.com",
  .port = 1455,
  .path = "/auth/callback",
  .lead_s = 5 * 86400,
  .start = codex_start,
  .refresh = codex_refresh,
};
