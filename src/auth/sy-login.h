/* sy-login.h: signing in to a subscription, and keeping its tokens fresh
 *
 * A SyLoginFlow runs one provider's sign-in: it says the URL to open (and,
 * for device flows, the code to type), takes a pasted redirect URL when the
 * browser cannot reach the local callback, and ends with a SyCredential.
 * sy_login_refresh_async() renews a credential's access token.
 *
 * Every URL comes from the config's endpoints: (auth, api) with the real
 * services as defaults, so tests and gateways point them elsewhere.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sy-config.h"
#include "sy-credential.h"
#include "sy-http-client.h"

G_BEGIN_DECLS

#define SY_LOGIN_ERROR (sy_login_error_quark ())

typedef enum
{
  SY_LOGIN_ERROR_UNSUPPORTED,   /* no sign-in for that provider (discontinued, or not yet) */
  SY_LOGIN_ERROR_REFUSED,       /* the refresh token was refused: sign in again */
  SY_LOGIN_ERROR_ANSWER,        /* the service answered something unusable */
} SyLoginError;

typedef struct
{
  gboolean  open_browser;       /* FALSE: only show the URL (--no-browser, SSH) */
  guint     callback_port;      /* 0: the provider's port (tests: any free one with G_MAXUINT16 + 1) */
  guint     timeout_s;          /* 0: 5 minutes */
  gboolean  device;             /* sign in with a code typed on another device (Codex);
                                   the code comes from the service shortly after the
                                   flow starts: get_user_code() is NULL until then */
  const char *project_id;       /* Gemini CLI: the Google Cloud project(s) to serve from,
                                   comma-separated; NULL: the one Google names */
} SyLoginOptions;

#define SY_TYPE_LOGIN_FLOW (sy_login_flow_get_type ())
G_DECLARE_FINAL_TYPE (SyLoginFlow, sy_login_flow, SY, LOGIN_FLOW, GObject)

GQuark          sy_login_error_quark        (void);
/* The providers one can sign in to, and the provider's display name. */
const char * const *sy_login_providers       (void);
const char     *sy_login_provider_title     (const char      *provider);
/* For a discontinued sign-in: config.yaml lines that serve the provider
 * with an API key instead; NULL otherwise. */
const char     *sy_login_provider_preset    (const char      *provider);
/* How early before expiry a token is renewed, in seconds. */
gint64          sy_login_refresh_lead       (const char      *provider);

/* The notice shown once per provider before its first sign-in (the
 * command line prints it, the login window asks to continue): using a
 * subscription through a proxy may break the provider's terms. Translated,
 * one paragraph, no trailing newline. */
char           *sy_login_terms_notice       (const char      *provider);
/* Whether the notice for @provider was shown already on this machine (a
 * marker under the user's state directory), and marking it so. */
gboolean        sy_login_terms_seen         (const char      *provider);
void            sy_login_terms_mark_seen    (const char      *provider);

SyLoginFlow    *sy_login_flow_new           (const char      *provider,
                                             SyHttpClient    *http,
                                             SyConfig        *config,
                                             const SyLoginOptions *options,
                                             GError         **error);
/* Starts: when it returns, get_url() says what to open. Device flows ask the
 * provider first: get_url() is NULL until its answer, and "notify::url"
 * says when the address (and the code) are known. */
void            sy_login_flow_run_async     (SyLoginFlow     *self,
                                             GCancellable    *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer         user_data);
SyCredential   *sy_login_flow_run_finish    (SyLoginFlow     *self,
                                             GAsyncResult    *result,
                                             GError         **error);
/* The "url" property. */
const char     *sy_login_flow_get_url       (SyLoginFlow     *self);
/* Device flows: the code to type at the URL; NULL for browser flows. */
const char     *sy_login_flow_get_user_code (SyLoginFlow     *self);
guint           sy_login_flow_get_callback_port (SyLoginFlow *self);
/* A redirect URL pasted by the user (the browser could not reach us). */
gboolean        sy_login_flow_deliver       (SyLoginFlow     *self,
                                             const char      *pasted,
                                             GError         **error);

void            sy_login_refresh_async      (SyHttpClient    *http,
                                             SyConfig        *config,
                                             SyCredential    *credential,
                                             GCancellable    *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer         user_data);
gboolean        sy_login_refresh_finish     (GAsyncResult    *result,
                                             GError         **error);

G_END_DECLS
