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

G_END_DECLS
