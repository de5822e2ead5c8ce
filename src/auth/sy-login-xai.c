/* sy-login-xai.c: xAI (Grok) sign-in (RFC 8628 device code) and refresh
 *
 * Facts (CLIProxyAPI after v6.9.25, internal/auth/xai, read for facts only):
 * xAI's OpenID discovery at https://auth.x.ai names /oauth2/device/code and
 * /oauth2/token on the same host; the client is the Grok CLI's public one
 * (its consent screen says "Grok Build"), with the scopes below; renewals
 * are form posts of the refresh token. The account is read from the
 * id_token's claims (email, sub).
 *
 * Like every provider here, the paths are fixed and the host comes from
 * endpoints.xai.auth: we do not follow the discovery document, so a move of
 * those paths at xAI needs a new Switchyard.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-auth"

#include "config.h"

#include "sy-login-private.h"

#define XAI_CLIENT_ID  "b1a00492-073a-47ea-816f-4c329264a828"
#define XAI_SCOPES     "openid profile email offline_access grok-cli:access api:access"
#define XAI_DEVICE     "/oauth2/device/code"
#define XAI_TOKEN      "/oauth2/token"
/* The longest xAI's own client waits for an approval. */
#define XAI_MAX_WAIT_S (30 * 60)

static void
on_xai_tokens (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sy_oauth_device_poll_finish (result, &error);
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *identity = NULL;
  const char *access;
  const char *id_token;
  const char *email;
  const char *subject;
  gint64 now = g_get_real_time ();
  SyCredential *credential;

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  access = sy_login_json_string (answer, "access_token");
  if (access == NULL || *access == '\0')
    {
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                               "xAI's token answer holds no access token");
      return;
    }
  /* Just received over TLS from the issuer: read, not verified. */
  id_token = sy_login_json_string (answer, "id_token");
  claims = id_token ? sy_jwt_decode_payload (id_token, NULL) : NULL;
  email = sy_login_json_string (claims, "email");
  subject = sy_login_json_string (claims, "sub");
  if (subject != NULL && *subject != '\0')
    identity = g_strconcat ("sub:", subject, NULL);
  else if (email != NULL && *email != '\0')
    identity = g_strdup (email);
  else
    identity = g_uuid_string_random ();   /* no way to tell accounts apart */
  credential = sy_credential_new ("xai", email, identity);
  sy_credential_set_tokens (credential, access, sy_login_json_string (answer, "refresh_token"), id_token,
                            sy_login_expiry_from (answer, now), now);
  sy_credential_set_extra (credential, "subject", subject);
  g_task_return_pointer (task, credential, g_object_unref);
}

static void
on_xai_device_code (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyLoginFlow *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sy_oauth_post_finish (result, NULL, &error);
  g_autofree char *token_url = g_strconcat (self->auth_base, XAI_TOKEN, NULL);

  if (answer == NULL ||
      !sy_login_device_wait (self, task, answer, token_url, XAI_CLIENT_ID, NULL, XAI_MAX_WAIT_S,
                             on_xai_tokens, &error))
    g_task_return_error (task, g_steal_pointer (&error));
}

static gboolean
xai_start (SyLoginFlow  *self,
           GTask        *task,
           GError      **error)
{
  g_autofree char *url = g_strconcat (self->auth_base, XAI_DEVICE, NULL);
  const char *fields[5];

  fields[0] = "client_id"; fields[1] = XAI_CLIENT_ID;
  fields[2] = "scope";     fields[3] = XAI_SCOPES;
  fields[4] = NULL;
  sy_oauth_post_async (self->http, url, SY_OAUTH_FORM, fields, NULL, self->config->proxy_url,
                       g_task_get_cancellable (task), on_xai_device_code, g_object_ref (task));
  return TRUE;
}

static void
on_xai_refreshed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  guint status = 0;
  g_autoptr(JsonObject) answer = sy_oauth_post_finish (result, &status, &error);

  sy_login_finish_refresh (task, g_task_get_task_data (task), answer, status, error);
}

static void
xai_refresh (SyHttpClient *http,
             SyConfig     *config,
             SyCredential *credential,
             GTask        *task)
{
  g_autofree char *auth = sy_config_endpoint (config, "xai", "auth", sy_login_xai.auth);
  g_autofree char *url = g_strconcat (auth, XAI_TOKEN, NULL);
  const char *fields[7];

  fields[0] = "grant_type";    fields[1] = "refresh_token";
  fields[2] = "client_id";     fields[3] = XAI_CLIENT_ID;
  fields[4] = "refresh_token"; fields[5] = sy_credential_get_refresh_token (credential);
  fields[6] = NULL;
  sy_oauth_post_async (http, url, SY_OAUTH_FORM, fields, NULL, config ? config->proxy_url : NULL,
                       g_task_get_cancellable (task), on_xai_refreshed, task);
}

const SyLoginProvider sy_login_xai = {
  .name = "xai",
  .title = "xAI (Grok)",
  .auth = "https://auth.x.ai",
  /* The subscription's chat goes through the Grok CLI's proxy, not the
   * metered developer API at api.x.ai (see sy-provider-xai.c). */
  .api = "https://cli-chat-proxy.grok.com",
  .port = 0,
  .path = NULL,
  .lead_s = 5 * 60,
  .start = xai_start,
  .refresh = xai_refresh,
};
