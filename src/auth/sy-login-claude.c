/* sy-login-claude.c: Claude Pro / Max sign-in (browser, PKCE) and refresh
 *
 * Facts: reference oauth.md §5. The code comes back to a local callback
 * (or is pasted); the exchange and refreshes are JSON posts to the API
 * host's /v1/oauth/token.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-auth"

#include "config.h"

#include <string.h>

#include "sy-clock.h"
#include "sy-login-private.h"
#include "sy-secret.h"

/* Public constants of Claude Code's own sign-in. */
#define CLAUDE_CLIENT_ID "9d1c250a-e61b-44d9-88ed-5944d1962f5e"
#define CLAUDE_SCOPES    "user:profile user:inference user:sessions:claude_code user:mcp_servers user:file_upload"

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
  gint64 now = sy_clock_now (sy_clock_get_default ());
  SyCredential *credential;

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  access = sy_login_json_string (answer, "access_token");
  account = sy_login_json_object (answer, "account");
  organization = sy_login_json_object (answer, "organization");
  email = sy_login_json_string (account, "email_address");
  if (access == NULL)
    {
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                               "Claude's token answer holds no access token");
      return;
    }
  credential = sy_credential_new ("claude", email,
                                  sy_login_json_string (account, "uuid") ? sy_login_json_string (account, "uuid") : email);
  sy_credential_set_tokens (credential, access, sy_login_json_string (answer, "refresh_token"), NULL,
                            sy_login_expiry_from (answer, now), now);
  sy_credential_set_extra (credential, "account_uuid", sy_login_json_string (account, "uuid"));
  sy_credential_set_extra (credential, "organization", sy_login_json_string (organization, "name"));
  sy_credential_set_extra (credential, "organization_uuid", sy_login_json_string (organization, "uuid"));
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
  sy_secret_wipe (code, strlen (code));
}

static gboolean
claude_start (SyLoginFlow  *self,
              GTask        *task,
              GError      **error)
{
  g_autofree char *challenge = NULL;
  g_autofree char *authorize = NULL;
  const char *params[19];

  sy_oauth_pkce_new (&self->verifier, &challenge);
  self->state = sy_oauth_random_state ();
  self->callback = sy_login_flow_listen (self, self->state, error);
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
  sy_oauth_callback_wait_async (self->callback, self->options.timeout_s, g_task_get_cancellable (task),
                                on_claude_code, g_object_ref (task));
  return TRUE;
}

static void
on_claude_refreshed (GObject      *source,
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
claude_refresh (SyHttpClient *http,
                SyConfig     *config,
                SyCredential *credential,
                GTask        *task)
{
  g_autofree char *api = sy_config_endpoint (config, "claude", "api", sy_login_claude.api);
  g_autofree char *url = g_strconcat (api, "/v1/oauth/token", NULL);
  const char *fields[7];
  static const char * const headers[] = { "Accept: application/json", NULL };

  fields[0] = "grant_type";    fields[1] = "refresh_token";
  fields[2] = "refresh_token"; fields[3] = sy_credential_get_refresh_token (credential);
  fields[4] = "client_id";     fields[5] = CLAUDE_CLIENT_ID;
  fields[6] = NULL;
  sy_oauth_post_async (http, url, SY_OAUTH_JSON, fields, headers, config ? config->proxy_url : NULL,
                       g_task_get_cancellable (task), on_claude_refreshed, task);
}

const SyLoginProvider sy_login_claude = {
  .name = "claude",
  .title = "Claude (Pro / Max)",
  .auth = "https://claude.ai",
  .api = "https://api.anthropic.com",
  .port = 54545,
  .path = "/callback",
  .lead_s = 4 * 3600,
  .start = claude_start,
  .refresh = claude_refresh,
};
