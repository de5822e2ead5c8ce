/* sy-login-antigravity.c: Google Antigravity sign-in and refresh
 *
 * Facts: reference oauth.md §9, providers.md §9.2. Google's sign-in with
 * Antigravity's client (sy-login-google.c); the Cloud Code project comes
 * from loadCodeAssist or onboardUser. A sign-in that finds none still
 * succeeds: the project is looked for again after each renewal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-login-google.h"

/* Public constants of the Antigravity client's own sign-in. */
static const SyGoogleClient antigravity_client = {
  .provider = "antigravity",
  .client_id = "1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com",
  .client_secret = "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",
  .scopes = "https://www.googleapis.com/auth/cloud-platform "
            "https://www.googleapis.com/auth/userinfo.email "
            "https://www.googleapis.com/auth/userinfo.profile "
            "https://www.googleapis.com/auth/cclog "
            "https://www.googleapis.com/auth/experimentsandconfigs",
  .authorize_path = "/o/oauth2/v2/auth",
  .ide_type = "ANTIGRAVITY",
  .user_agent = "google-api-nodejs-client/9.15.1",
  .api_client = "google-cloud-sdk vscode_cloudshelleditor/0.1",
  .client_metadata = "{\"ideType\":\"IDE_UNSPECIFIED\",\"platform\":\"PLATFORM_UNSPECIFIED\","
                     "\"pluginType\":\"GEMINI\"}",
  .project_required = FALSE,
  .confirm_project = FALSE,
  .auto_onboard_polls = 5,
};

static gboolean
antigravity_start (SyLoginFlow  *flow,
                   GTask        *task,
                   GError      **error)
{
  return sy_login_google_start (flow, &antigravity_client, task, error);
}

static void
antigravity_refresh (SyHttpClient *http,
                     SyConfig     *config,
                     SyCredential *credential,
                     GTask        *task)
{
  sy_login_google_refresh (&antigravity_client, http, config, credential, task);
}

const SyLoginProvider sy_login_antigravity = {
  .name = "antigravity",
  .title = "Google Antigravity",
  .auth = NULL,   /* three Google hosts: see sy-login-google.h */
  .api = "https://cloudcode-pa.googleapis.com",
  .port = 51121,
  .path = "/oauth-callback",
  .lead_s = 5 * 60,
  .start = antigravity_start,
  .refresh = antigravity_refresh,
};
