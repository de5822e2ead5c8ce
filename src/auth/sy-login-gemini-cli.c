/* sy-login-gemini-cli.c: Gemini Code Assist (Gemini CLI) sign-in and refresh
 *
 * Facts: reference oauth.md §4, providers.md §1. Google's sign-in with the
 * Gemini CLI's client (sy-login-google.c), then each Google Cloud project
 * is activated: loadCodeAssist, and onboardUser until done. The projects
 * are the ones asked for (SyLoginOptions.project_id, comma-separated), or
 * the one the backend names; a login without a project fails.
 *
 * Gemini CLI sign-in with a personal Google account ended in June 2026:
 * these logins are for Gemini Code Assist Standard or Enterprise, which
 * come with a Google Cloud project.
 *
 * Google access tokens last an hour. The Gemini CLI itself renews them when
 * they have expired; renewing five minutes before spares the first request
 * after expiry a 401 and a retry.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-login-google.h"

/* Public constants of the Gemini CLI's own sign-in. */
static const SyGoogleClient gemini_cli_client = {
  .provider = "gemini-cli",
  .client_id = "681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com",
  .client_secret = "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",
  .scopes = "https://www.googleapis.com/auth/cloud-platform "
            "https://www.googleapis.com/auth/userinfo.email "
            "https://www.googleapis.com/auth/userinfo.profile",
  .authorize_path = "/o/oauth2/auth",
  .ide_type = "IDE_UNSPECIFIED",
  .user_agent = "GeminiCLI/0.31.0/unknown",
  .user_agent_platform = TRUE,
  .project_required = TRUE,
  .confirm_project = TRUE,
  .auto_onboard_polls = 15,
};

static gboolean
gemini_cli_start (SyLoginFlow  *flow,
                  GTask        *task,
                  GError      **error)
{
  return sy_login_google_start (flow, &gemini_cli_client, task, error);
}

static void
gemini_cli_refresh (SyHttpClient *http,
                    SyConfig     *config,
                    SyCredential *credential,
                    GTask        *task)
{
  sy_login_google_refresh (&gemini_cli_client, http, config, credential, task);
}

const SyLoginProvider sy_login_gemini_cli = {
  .name = "gemini-cli",
  .title = "Gemini Code Assist",
  .auth = NULL,   /* three Google hosts: see sy-login-google.h */
  .api = "https://cloudcode-pa.googleapis.com",
  .port = 8085,
  .path = "/oauth2callback",
  .lead_s = 5 * 60,
  .start = gemini_cli_start,
  .refresh = gemini_cli_refresh,
};
