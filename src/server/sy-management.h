/* sy-management.h: the management API under /v0/management
 *
 * The routes of CLIProxyAPI's management API that apply to Switchyard, with
 * the same paths, verbs and JSON shapes, plus Switchyard's own (quota, usage
 * series). The server hands every /v0/management request here; this object
 * checks who is asking and dispatches to the route.
 *
 * Who may ask, stricter than CLIProxyAPI:
 *   - off (404, empty body) until remote-management.secret-key is set, the
 *     MANAGEMENT_PASSWORD environment variable is set, or a local session
 *     key was given (the desktop app's);
 *   - loopback clients only, unless remote-management.allow-remote is true
 *     (or MANAGEMENT_PASSWORD is set); the connection's address counts, never
 *     X-Forwarded-For;
 *   - keys compared in constant time; the secret-key as a bcrypt hash;
 *   - five failures from one address ban it for 30 minutes;
 *   - no CORS headers; responses never carry a token or key value.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "sy-auth-dir.h"
#include "sy-config.h"
#include "sy-http-client.h"
#include "sy-login.h"
#include "sy-registry.h"

G_BEGIN_DECLS

#define SY_MANAGEMENT_PREFIX       "/v0/management"
#define SY_MANAGEMENT_MAX_FAILURES 5
#define SY_MANAGEMENT_BAN_US       (G_GINT64_CONSTANT (30) * 60 * G_USEC_PER_SEC)

typedef struct _SyLogins SyLogins;
typedef struct _SyUsageStore SyUsageStore;
typedef struct _SyQuotaHistory SyQuotaHistory;
typedef struct _SyQuotaPoller SyQuotaPoller;

/* What only the owner (the service) can do; every member may be NULL.
 *
 * The login members serve the credential routes (sy-mgmt-auth.c). The
 * asynchronous ones complete a GTask of their own, read with
 * g_task_propagate_pointer() or g_task_propagate_boolean(); each change
 * takes effect (the accounts are rebuilt) before the task completes. */
typedef struct
{
  /* Load @path's config now (after a route wrote it), so the answer of the
   * route reflects it. */
  gboolean     (*reload)            (gpointer               host,
                                     GError               **error);

  /* The auth-dir whose files are logins too; NULL when the config names
   * none. */
  SyAuthDir   *(*get_auth_dir)      (gpointer               host);
  /* Starts @provider's sign-in (see sy_service_login()); the task's
   * pointer is the stored SyCredential. NULL and @error when it cannot
   * even start. */
  SyLoginFlow *(*start_login)       (gpointer               host,
                                     const char            *provider,
                                     const SyLoginOptions  *options,
                                     GCancellable          *cancellable,
                                     GAsyncReadyCallback    callback,
                                     gpointer               user_data,
                                     GError               **error);
  /* Stores a login made without a sign-in (a Vertex service-account
   * key), replacing the login with its id; pointer: the SyCredential. */
  void         (*add_login)         (gpointer               host,
                                     SyCredential          *credential,
                                     GAsyncReadyCallback    callback,
                                     gpointer               user_data);
  /* Imports the CLIProxyAPI auth files in @dir as logins (the path of
   * `switchyard --import-auth`); pointer: a GPtrArray of
   * SyAuthFileResult*, one per file. */
  void         (*import_auth_files) (gpointer               host,
                                     const char            *dir,
                                     GAsyncReadyCallback    callback,
                                     gpointer               user_data);
  /* A route changed @credential: a token-store login's settings are saved
   * (accounts.json); an auth-dir login's file, which the route rewrote, is
   * read again. Boolean. */
  void         (*save_login)        (gpointer               host,
                                     SyCredential          *credential,
                                     GAsyncReadyCallback    callback,
                                     gpointer               user_data);
  /* Signs @credential out: removed from accounts.json and its tokens from
   * the token store, or its auth-dir file deleted. Boolean. */
  void         (*delete_login)      (gpointer               host,
                                     SyCredential          *credential,
                                     GAsyncReadyCallback    callback,
                                     gpointer               user_data);
  /* Reads the auth-dir again now (after a route removed a file that was
   * not a login), without waiting for the watcher. */
  void         (*rescan_auth_dir)   (gpointer               host);
  /* Whether the owner would take @config (beyond loading: e.g. no
   * listening on all interfaces without api-keys), before it is written. */
  gboolean     (*check_config)      (gpointer               host,
                                     SyConfig              *config,
                                     GError               **error);
  /* The diagnostics bundle (a zip), secrets masked. */
  GBytes      *(*diagnostics)       (gpointer               host,
                                     GError               **error);
} SyManagementHost;

#define SY_TYPE_MANAGEMENT (sy_management_get_type ())
G_DECLARE_FINAL_TYPE (SyManagement, sy_management, SY, MANAGEMENT, GObject)

SyManagement *sy_management_new              (void);

/* The owner's hooks; @host is passed back to them. */
void          sy_management_set_host         (SyManagement            *self,
                                              const SyManagementHost  *vtable,
                                              gpointer                 host);
/* For the route files: the owner's hooks (NULL when none) and, in @host,
 * what to pass them. */
const SyManagementHost *sy_management_get_host (SyManagement          *self,
                                              gpointer                *host);
/* The config file routes write (NULL: the config came from a string and
 * cannot be changed). */
void          sy_management_set_config_path  (SyManagement  *self,
                                              const char    *path);
void          sy_management_set_logins       (SyManagement  *self,
                                              SyLogins      *logins);
void          sy_management_set_usage        (SyManagement  *self,
                                              SyUsageStore  *usage);
/* The quota history and the active reads (either may be NULL). */
void          sy_management_set_quota        (SyManagement   *self,
                                              SyQuotaHistory *history,
                                              SyQuotaPoller  *poller);
/* A key good for loopback clients only, for a front in the same process or
 * on the same machine (the desktop app); NULL removes it. Enables the API
 * by itself. */
void          sy_management_set_local_key    (SyManagement  *self,
                                              const char    *key);

/* TRUE when some key is set, so the routes exist. */
gboolean      sy_management_is_enabled       (SyManagement  *self,
                                              SyConfig      *config);

/* One request whose path starts with SY_MANAGEMENT_PREFIX. The message may
 * be paused and answered later. @body may be NULL. */
void          sy_management_handle           (SyManagement      *self,
                                              SyRegistry        *registry,
                                              SyHttpClient      *http,
                                              SoupServerMessage *msg,
                                              const char        *path,
                                              GHashTable        *query,
                                              GBytes            *body);

G_END_DECLS
