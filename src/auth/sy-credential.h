/* sy-credential.h: one logged-in account: who it is, and its tokens
 *
 * The metadata (provider, email, label, prefix, priority, plan, project,
 * enabled) is kept in accounts.json; the tokens only in the token store.
 * The two halves serialize separately so neither file ever holds both.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  SY_CREDENTIAL_OK,
  SY_CREDENTIAL_NEEDS_LOGIN,    /* the refresh token was refused: log in again */
} SyCredentialStatus;

#define SY_TYPE_CREDENTIAL (sy_credential_get_type ())
G_DECLARE_FINAL_TYPE (SyCredential, sy_credential, SY, CREDENTIAL, GObject)

/* @provider: "claude", "codex", "antigravity", "gemini-cli", "kimi", "xai".
 * @identity: what makes the login unique for that provider (the e-mail,
 * plus the ChatGPT account id for Codex team plans). */
SyCredential   *sy_credential_new              (const char     *provider,
                                                const char     *email,
                                                const char     *identity);
/* An accounts.json entry (no secrets). */
SyCredential   *sy_credential_new_from_json    (JsonObject     *meta,
                                                GError        **error);
JsonObject     *sy_credential_to_json          (SyCredential   *self);
/* The token store half: access/refresh/id tokens, expiry. */
char           *sy_credential_dup_secret       (SyCredential   *self);
gboolean        sy_credential_set_secret       (SyCredential   *self,
                                                const char     *secret,
                                                GError        **error);

const char     *sy_credential_get_id           (SyCredential   *self);
const char     *sy_credential_get_provider     (SyCredential   *self);
const char     *sy_credential_get_email        (SyCredential   *self);
const char     *sy_credential_get_label        (SyCredential   *self);
void            sy_credential_set_label        (SyCredential   *self,
                                                const char     *label);
const char     *sy_credential_get_prefix       (SyCredential   *self);
void            sy_credential_set_prefix       (SyCredential   *self,
                                                const char     *prefix);
int             sy_credential_get_priority     (SyCredential   *self);
void            sy_credential_set_priority     (SyCredential   *self,
                                                int             priority);
gboolean        sy_credential_get_enabled      (SyCredential   *self);
void            sy_credential_set_enabled      (SyCredential   *self,
                                                gboolean        enabled);
/* Provider extras: "plan" (Codex), "account_id" (Codex), "project_id"
 * (Google), "organization" (Claude)... NULL when unset. */
const char     *sy_credential_get_extra        (SyCredential   *self,
                                                const char     *name);
void            sy_credential_set_extra        (SyCredential   *self,
                                                const char     *name,
                                                const char     *value);

const char     *sy_credential_get_access_token (SyCredential   *self);
const char     *sy_credential_get_refresh_token (SyCredential  *self);
const char     *sy_credential_get_id_token     (SyCredential   *self);
/* Wall-clock µs; 0 when unknown. */
gint64          sy_credential_get_expires      (SyCredential   *self);
gint64          sy_credential_get_last_refresh (SyCredential   *self);
/* New tokens (a NULL refresh or id token keeps the old one). */
void            sy_credential_set_tokens       (SyCredential   *self,
                                                const char     *access_token,
                                                const char     *refresh_token,
                                                const char     *id_token,
                                                gint64          expires_us,
                                                gint64          now_us);

SyCredentialStatus sy_credential_get_status    (SyCredential   *self);
const char     *sy_credential_get_status_reason (SyCredential  *self);
void            sy_credential_set_status       (SyCredential   *self,
                                                SyCredentialStatus status,
                                                const char     *reason);

G_END_DECLS
