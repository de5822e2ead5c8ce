/* sy-service-logins.h: signing in through the service (CLI, app, tests)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "switchyard.h"
#include "sy-auth-dir.h"
#include "sy-login.h"
#include "sy-logins.h"

G_BEGIN_DECLS

/* The config snapshot in force (borrowed; a reload replaces it and emits
 * "reloaded"), for fronts in the same process. */
SyConfig     *sy_service_get_config   (SyService             *self);

/* Runs @provider's sign-in; the credential is stored (tokens in the token
 * store, the entry in accounts.json) before the result is ready, and the
 * account serves requests from then on. The flow says what URL to open and
 * takes a pasted redirect. Needs sy_service_load_logins_async() first. */
SyLoginFlow  *sy_service_login        (SyService             *self,
                                       const char            *provider,
                                       const SyLoginOptions  *options,
                                       GCancellable          *cancellable,
                                       GAsyncReadyCallback    callback,
                                       gpointer               user_data,
                                       GError               **error);
SyCredential *sy_service_login_finish (SyService             *self,
                                       GAsyncResult          *result,
                                       GError               **error);
/* A login made without a sign-in (an imported service-account key): stored
 * as a sign-in's would be, replacing the login with its id, whatever
 * cooldowns the old one earned forgotten. Needs the logins loaded. */
void          sy_service_add_login_async  (SyService           *self,
                                           SyCredential        *credential,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
SyCredential *sy_service_add_login_finish (SyService           *self,
                                           GAsyncResult        *result,
                                           GError             **error);

/* The config's auth-dir (CLIProxyAPI's files, used in place), once
 * sy_service_load_logins_async() ran and while the config names one. */
SyAuthDir    *sy_service_get_auth_dir (SyService             *self);

/* The login behind the account @account_id (a login serving several
 * projects is several accounts with one credential), NULL for an API-key
 * account or an unknown id. */
SyCredential *sy_service_lookup_login (SyService             *self,
                                       const char            *account_id);
/* After a front changed @credential's settings (label, prefix, priority,
 * enabled): saved where the login lives, the accounts rebuilt. */
void          sy_service_save_login_async    (SyService           *self,
                                              SyCredential        *credential,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean      sy_service_save_login_finish   (SyService           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
/* Signs @credential out: its entry and tokens (or its auth-dir file) go. */
void          sy_service_remove_login_async  (SyService           *self,
                                              SyCredential        *credential,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean      sy_service_remove_login_finish (SyService           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
/* `switchyard --import-auth @dir`: a GPtrArray of SyAuthFileResult*. */
void          sy_service_import_auth_files_async  (SyService           *self,
                                                   const char          *dir,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GPtrArray    *sy_service_import_auth_files_finish (SyService           *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* Sets the value at @path of config.yaml (NULL: removes the key; see
 * sy_config_edit_set(), comments kept), checked as a reload would check
 * it, written atomically and reloaded: the path of every edit a front
 * makes, so open windows and the proxy see it through "reloaded". Fails
 * for a service built from a string; when the reload refuses the result
 * (a port another program holds), the previous text is put back. Either
 * way a failure leaves config.yaml as it was. */
gboolean      sy_service_edit_config  (SyService             *self,
                                       const char * const    *path,
                                       JsonNode              *value,
                                       GError               **error);

/* The model ids the accounts serve now (client-visible names, prefixed
 * variants and aliases included, the first spelling of each name), in
 * listing order: what a model-mappings target may name. Names only an
 * exact model-mappings entry gives are left out (a mapping cannot serve
 * as another's target). Never NULL; g_strfreev() it. */
char        **sy_service_dup_model_ids (SyService         *self);
/* The upstream ids the model catalogue (built in, or the config's
 * model-catalog) lists for the OAuth @channel ("claude", "codex",
 * "antigravity"...; see sy-model-alias.h): the names oauth-model-alias
 * entries rename. Empty for a channel it does not know; g_strfreev() it. */
char        **sy_service_dup_catalogue_ids (SyService       *self,
                                            const char      *channel);

/* The SyQuotaHistory beside the usage file, NULL before start or without
 * one. */
gpointer      sy_service_get_quota_history (SyService         *self);
/* The diagnostics bundle (a zip, secrets masked), as the management API's. */
GBytes       *sy_service_build_diagnostics (SyService         *self,
                                            GError           **error);

G_END_DECLS
