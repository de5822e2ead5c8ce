/* sy-login-private.h: what each provider's sign-in file implements
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-login.h"
#include "sy-oauth.h"

G_BEGIN_DECLS

typedef struct
{
  const char *name;          /* "claude" */
  const char *title;         /* for people */
  const char *auth;          /* default endpoints.<name>.auth */
  const char *api;           /* default endpoints.<name>.api */
  guint       port;          /* local callback port (browser flows) */
  const char *path;          /* local callback path */
  gint64      lead_s;        /* renew this long before expiry (0: only when refused) */
  const char *unavailable;   /* why there is no sign-in, or NULL */
  const char *preset;        /* discontinued: config.yaml lines that serve it with an API key */

  /* Begins the sign-in: sets flow->url (and flow->user_code for device
   * flows), starts waiting, and completes @task with a SyCredential (or an
   * error). FALSE (and @error) when it cannot even begin. */
  gboolean  (*start)   (SyLoginFlow   *flow,
                        GTask         *task,
                        GError       **error);
  /* Renews @credential's tokens; completes @task through
   * sy_login_finish_refresh(). The task owns a ref to @credential. */
  void      (*refresh) (SyHttpClient  *http,
                        SyConfig      *config,
                        SyCredential  *credential,
                        GTask         *task);
} SyLoginProvider;

struct _SyLoginFlow
{
  GObject               parent_instance;
  const SyLoginProvider *info;
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
  char                 *user_code;     /* device flows: what to type */
  gpointer              data;          /* the provider's own */
  GDestroyNotify        data_free;
};


extern const SyLoginProvider sy_login_claude;
extern const SyLoginProvider sy_login_codex;
extern const SyLoginProvider sy_login_antigravity;
extern const SyLoginProvider sy_login_gemini_cli;
extern const SyLoginProvider sy_login_kimi;
extern const SyLoginProvider sy_login_xai;
extern const SyLoginProvider sy_login_qwen;
extern const SyLoginProvider sy_login_iflow;
extern const SyLoginProvider sy_login_vertex;

/* Device flows: the provider's answer is in. Sets the address (and the code
 * to type), says so ("notify::url") and opens the browser if asked to. */
void         sy_login_flow_set_prompt   (SyLoginFlow   *flow,
                                         const char    *url,
                                         const char    *user_code);
/* Device flows: reads the provider's device answer (RFC 8628 §3.2), shows
 * its address and code, and polls @token_url (form: client_id, device_code,
 * grant_type) at the provider's pace until the code expires, @max_wait_s or
 * the flow's timeout; @callback gets a ref to @task and the poll's result
 * (sy_oauth_device_poll_finish). FALSE (SY_LOGIN_ERROR_ANSWER) when the
 * answer lacks the device code, the user code or the address. */
gboolean     sy_login_device_wait       (SyLoginFlow   *flow,
                                         GTask         *task,
                                         JsonObject    *answer,
                                         const char    *token_url,
                                         const char    *client_id,
                                         const char * const *headers,
                                         guint          max_wait_s,
                                         GAsyncReadyCallback callback,
                                         GError       **error);
/* A local callback on the provider's port (or the option's) and path. */
SyOAuthCallback *sy_login_flow_listen   (SyLoginFlow   *flow,
                                         const char    *state,
                                         GError       **error);
const char  *sy_login_json_string       (JsonObject    *object,
                                         const char    *name);
JsonObject  *sy_login_json_object       (JsonObject    *object,
                                         const char    *name);
/* expires_in (seconds, number or string) as an absolute time; 0 if none. */
gint64       sy_login_expiry_from       (JsonObject    *answer,
                                         gint64         now_us);
/* Takes @error. */
void         sy_login_finish_refresh    (GTask         *task,
                                         SyCredential  *credential,
                                         JsonObject    *answer,
                                         guint          status,
                                         GError        *error);

G_END_DECLS
