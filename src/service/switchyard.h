/* switchyard.h: embed the Switchyard engine
 *
 * A SyService owns the config snapshot, the accounts, the providers and the
 * HTTP server, all on the thread-default GMainContext of the thread that
 * created it. The headless binary and the desktop app are thin users of it.
 *
 *   g_autoptr(SyService) service = sy_service_new_from_file ("config.yaml", &error);
 *   if (service == NULL || !sy_service_start (service, &error))
 *     ...
 *   g_main_loop_run (loop);
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SY_SERVICE_ERROR (sy_service_error_quark ())

typedef enum
{
  SY_SERVICE_ERROR_UNSAFE_BIND,   /* non-loopback address with no api-keys */
  SY_SERVICE_ERROR_LISTEN,        /* the address/port cannot be bound */
  SY_SERVICE_ERROR_NO_FILE,       /* reload() on a service built from a string */
} SyServiceError;

typedef enum
{
  SY_SERVICE_STATE_STOPPED,
  SY_SERVICE_STATE_RUNNING,
} SyServiceState;

#define SY_TYPE_SERVICE (sy_service_get_type ())

G_DECLARE_FINAL_TYPE (SyService, sy_service, SY, SERVICE, GObject)

GQuark          sy_service_error_quark         (void);

SyService      *sy_service_new_from_file       (const char    *path,
                                                GError       **error);
SyService      *sy_service_new_from_string     (const char    *yaml,
                                                GError       **error);

void            sy_service_set_listen_override (SyService     *self,
                                                const char    *host,
                                                int            port);
gboolean        sy_service_start               (SyService     *self,
                                                GError       **error);
void            sy_service_stop                (SyService     *self);

gboolean        sy_service_reload              (SyService     *self,
                                                GError       **error);
gboolean        sy_service_load_string         (SyService     *self,
                                                const char    *yaml,
                                                GError       **error);
gboolean        sy_service_set_listening       (SyService     *self,
                                                gboolean       listening,
                                                GError       **error);

SyServiceState  sy_service_get_state           (SyService     *self);
gboolean        sy_service_get_listening       (SyService     *self);
const char     *sy_service_get_host            (SyService     *self);
guint           sy_service_get_port            (SyService     *self);
char           *sy_service_dup_url             (SyService     *self);
const char     *sy_service_get_config_path     (SyService     *self);
guint           sy_service_get_generation      (SyService     *self);
guint           sy_service_get_n_accounts      (SyService     *self);
guint           sy_service_get_n_models        (SyService     *self);
guint           sy_service_get_n_active_requests (SyService   *self);
const char * const *sy_service_get_warnings    (SyService     *self);

/* Every account's live state (SyAccountState items, config order): enabled,
 * cooldowns per model, quota, counters. Lives as long as the service and
 * follows reloads: an account that stays keeps its object. */
GListModel     *sy_service_get_accounts        (SyService     *self);
/* Where cooldowns and enabled flags are saved across restarts; services
 * built from a file default to sy_service_default_state_file(), from a
 * string to none (NULL). Setting it restores what the file holds. */
gboolean        sy_service_set_state_file      (SyService     *self,
                                                const char    *path,
                                                GError       **error);
const char     *sy_service_get_state_file      (SyService     *self);
char           *sy_service_default_state_file  (const char    *config_path);
/* The usage store (SQLite): services built from a file default to
 * sy_service_default_usage_file() ($XDG_DATA_HOME/switchyard/usage.db for
 * the default config), from a string to none. Set before start; NULL: no
 * usage is recorded. The store opens at start. */
void            sy_service_set_usage_file      (SyService     *self,
                                                const char    *path);
char           *sy_service_default_usage_file  (const char    *config_path);
/* The open usage store (a SyUsageStore, see sy-usage.h), NULL before start
 * or when it could not be opened. */
gpointer        sy_service_get_usage           (SyService     *self);
/* A management API key good for loopback clients only (the desktop app's
 * session key); enables /v0/management by itself. NULL removes it. */
void            sy_service_set_management_key  (SyService     *self,
                                                const char    *key);

/* Logins (subscriptions): accounts.json and where the encrypted token file
 * goes when there is no keyring. Services built from a file use
 * accounts.json beside it and $XDG_DATA_HOME/switchyard. */
void            sy_service_set_login_files     (SyService     *self,
                                                const char    *accounts_file,
                                                const char    *token_dir);
/* Opens the token store (config token-store: auto, keyring or file) and
 * loads every login; the accounts serve requests from then on. */
void            sy_service_load_logins_async   (SyService     *self,
                                                GCancellable  *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer       user_data);
gboolean        sy_service_load_logins_finish  (SyService     *self,
                                                GAsyncResult  *result,
                                                GError       **error);
/* The SyLogins, once loaded (NULL before). */
GObject        *sy_service_get_logins          (SyService     *self);

G_END_DECLS
