/* sy-login-google.h: the Google sign-in both Cloud Code providers share
 *
 * Antigravity and Gemini Code Assist (gemini-cli) sign in the same way and
 * differ only in constants: Google's authorization-code flow (no PKCE; a
 * client id and secret; access_type=offline, prompt=consent), a form
 * exchange at the token URL, the account's e-mail from userinfo, then the
 * Cloud Code project: loadCodeAssist, and onboardUser polled until done.
 *
 * Endpoints. Google's sign-in spans three hosts; the provider's `.auth` is
 * NULL so that endpoints.<provider>.auth, when set, replaces the scheme and
 * host of all three and keeps Google's paths:
 *   authorize  https://accounts.google.com   + the client's authorize_path
 *   token      https://oauth2.googleapis.com + /token
 *   userinfo   https://www.googleapis.com    + /oauth2/v1/userinfo?alt=json
 * endpoints.<provider>.api replaces https://cloudcode-pa.googleapis.com for
 * the v1internal calls (project discovery here, requests in the providers).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-login-private.h"

G_BEGIN_DECLS

typedef struct
{
  const char *provider;            /* "antigravity", "gemini-cli" */
  const char *client_id;
  const char *client_secret;       /* public: shipped in the vendor's client */
  const char *scopes;              /* space-separated */
  const char *authorize_path;      /* on accounts.google.com */

  /* Project discovery (the v1internal calls). */
  const char *ide_type;            /* loadCodeAssist metadata.ideType */
  const char *user_agent;          /* User-Agent of those calls... */
  gboolean    user_agent_platform; /* ...followed by " (<os>; <arch>)" */
  const char *api_client;          /* X-Goog-Api-Client, or NULL */
  const char *client_metadata;     /* Client-Metadata, or NULL */
  gboolean    project_required;    /* no project: the sign-in fails (else it is
                                      looked for again after each refresh) */
  gboolean    confirm_project;     /* onboardUser with the project until done */
  guint       auto_onboard_polls;  /* onboardUser without a project: at most this many */
} SyGoogleClient;

gboolean sy_login_google_start          (SyLoginFlow          *flow,
                                         const SyGoogleClient *client,
                                         GTask                *task,
                                         GError              **error);
void     sy_login_google_refresh        (const SyGoogleClient *client,
                                         SyHttpClient         *http,
                                         SyConfig             *config,
                                         SyCredential         *credential,
                                         GTask                *task);

/* Tests: every onboardUser poll waits @interval_ms instead of 2 or 5 s
 * (0 restores those). */
void     sy_login_google_set_poll_interval (guint              interval_ms);

G_END_DECLS
