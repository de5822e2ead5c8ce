/* sy-service.c: the engine as one object
 *
 * Signals: "reloaded" (guint generation) after a new config took effect,
 * "reload-failed" (GError) when a changed config was refused (the running
 * one stays). Properties: state, listening, port, host, generation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-service"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "sy-amp.h"
#include "sy-auth-dir.h"
#include "sy-auth-files.h"
#include "sy-config-edit.h"
#include "sy-config-monitor.h"
#include "sy-diagnostics.h"
#include "sy-log-file.h"
#include "sy-secret-hash.h"
#include "sy-log.h"
#include "sy-service-logins.h"
#include "sy-quota-history.h"
#include "sy-quota-poller.h"
#include "sy-server.h"
#include "switchyard.h"

struct _SyService
{
  GObject          parent_instance;
  SyConfig        *config;
  SyRegistry      *registry;
  SyAccountPool   *pool;            /* accounts' live state, across reloads */
  char            *state_file;
  SyLogins        *logins;          /* NULL until sy_service_load_logins_async() */
  SyAuthDir       *auth_dir;        /* the config's auth-dir: logins kept in their own files */
  gboolean         logins_wanted;   /* sy_service_load_logins_async() was called */
  char            *accounts_file;   /* accounts.json */
  char            *token_dir;       /* the encrypted token file, when there is no keyring */
  GHashTable      *refresh_timers;  /* credential id -> SyClock timer id */
  SyHttpClient    *http;
  SyServer        *server;
  SyManagement    *management;
  SyUsageStore    *usage;           /* opened at start; NULL when it cannot be */
  char            *usage_file;      /* NULL: no usage store */
  SyQuotaHistory  *quota_history;   /* next to the usage file; NULL without one */
  SyQuotaPoller   *quota_poller;    /* runs while the service does */
  SyConfigMonitor *monitor;
  char            *path;
  char            *host_override;
  int              port_override;   /* -1: none */
  SyServiceState   state;
  guint            generation;
};

G_DEFINE_FINAL_TYPE (SyService, sy_service, G_TYPE_OBJECT)
G_DEFINE_QUARK (sy-service-error-quark, sy_service_error)

enum {
  PROP_0,
  PROP_STATE,
  PROP_LISTENING,
  PROP_HOST,
  PROP_PORT,
  PROP_GENERATION,
  N_PROPS
};

enum {
  RELOADED,
  RELOAD_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void hash_secret_key (const char *path);

static const char *
target_host (SyService *self,
             SyConfig  *config)
{
  return self->host_override ? self->host_override : config->host;
}

static guint
target_port (SyService *self,
             SyConfig  *config)
{
  return self->port_override >= 0 ? (guint) self->port_override : (guint) config->port;
}

/* An open proxy on the network would hand the user's subscriptions to anyone. */
static gboolean
check_bind_safety (SyService  *self,
                   SyConfig   *config,
                   GError    **error)
{
  const char *host = target_host (self, config);

  if (config->api_keys[0] == NULL && !sy_host_is_loopback (host))
    {
      g_set_error (error, SY_SERVICE_ERROR, SY_SERVICE_ERROR_UNSAFE_BIND,
                   "refusing to listen on %s without client API keys: anyone who can reach "
                   "that address could use your subscriptions. Add 'api-keys' to the config, "
                   "or listen on 127.0.0.1",
                   *host ? host : "all interfaces (host: \"\")");
      return FALSE;
    }
  return TRUE;
}

/* The password of a proxy URL ("http://user:password@host"). */
static void
register_proxy_password (const char *url)
{
  g_autoptr(GUri) uri = NULL;

  if (url == NULL || strchr (url, '@') == NULL)
    return;
  uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD, NULL);
  if (uri != NULL && g_uri_get_password (uri) != NULL)
    sy_log_add_secret (g_uri_get_password (uri));
}

static void
register_secrets (SyConfig *config)
{
  JsonNode *management = sy_config_lookup (config, "remote-management.secret-key");

  for (guint i = 0; config->api_keys[i] != NULL; i++)
    sy_log_add_secret (config->api_keys[i]);
  register_proxy_password (config->proxy_url);
  for (guint i = 0; i < config->upstreams->len; i++)
    {
      SyUpstreamEntry *entry = g_ptr_array_index (config->upstreams, i);

      sy_log_add_secret (entry->api_key);
      register_proxy_password (entry->proxy_url);
      for (guint h = 0; h < entry->n_headers; h++)
        sy_log_add_secret (entry->headers[h].value);
    }
  /* The management key: the environment's, and the config's while it is
   * still plain text (it becomes a bcrypt hash at load). */
  sy_log_add_secret (g_getenv ("MANAGEMENT_PASSWORD"));
  if (management != NULL && JSON_NODE_HOLDS_VALUE (management) &&
      json_node_get_value_type (management) == G_TYPE_STRING &&
      !sy_secret_is_bcrypt (json_node_get_string (management)))
    sy_log_add_secret (json_node_get_string (management));
  /* Amp's keys for ampcode.com: masked wherever a line might quote them. */
  {
    JsonNode *key = sy_config_ampcode (config, "upstream-api-key");
    JsonNode *list = sy_config_ampcode (config, "upstream-api-keys");

    if (key != NULL && JSON_NODE_HOLDS_VALUE (key) && json_node_get_value_type (key) == G_TYPE_STRING)
      sy_log_add_secret (json_node_get_string (key));
    for (guint i = 0; list != NULL && JSON_NODE_HOLDS_ARRAY (list) &&
                      i < json_array_get_length (json_node_get_array (list)); i++)
      {
        JsonNode *item = json_array_get_element (json_node_get_array (list), i);
        JsonNode *value = JSON_NODE_HOLDS_OBJECT (item)
                          ? json_object_get_member (json_node_get_object (item), "upstream-api-key") : NULL;

        if (value != NULL && JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
          sy_log_add_secret (json_node_get_string (value));
      }
  }
  /* ...and the ones Amp keeps itself (AMP_API_KEY, its secrets.json). */
  sy_amp_register_secrets (NULL);
}

static void
log_warnings (SyConfig *config)
{
  for (guint i = 0; config->warnings != NULL && config->warnings[i] != NULL; i++)
    g_warning ("%s", config->warnings[i]);
}

static gboolean
listen_on (SyService   *self,
           const char  *host,
           guint        port,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!sy_server_listen (self->server, host, port, &local_error))
    {
      g_set_error (error, SY_SERVICE_ERROR, SY_SERVICE_ERROR_LISTEN,
                   "cannot listen on %s:%u: %s", *host ? host : "*", port, local_error->message);
      return FALSE;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOST]);
  return TRUE;
}

/* Logins ------------------------------------------------------------------ */

typedef struct
{
  GWeakRef      service;
  SyCredential *credential;
} RefreshCtx;

static void
refresh_ctx_free (gpointer data)
{
  RefreshCtx *ctx = data;

  g_weak_ref_clear (&ctx->service);
  g_object_unref (ctx->credential);
  g_free (ctx);
}

static void schedule_refresh (SyService *self, SyCredential *credential);
static void arm_refresh (SyService *self, SyCredential *credential, gint64 at);

/* After a renewal that failed for a passing reason (network, 5xx). */
#define REFRESH_RETRY_US (5 * 60 * G_USEC_PER_SEC)

static RefreshCtx *
refresh_ctx_new (SyService    *self,
                 SyCredential *credential)
{
  RefreshCtx *ctx = g_new0 (RefreshCtx, 1);

  g_weak_ref_init (&ctx->service, self);
  ctx->credential = g_object_ref (credential);
  return ctx;
}

static void
on_refresh_saved (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GError *refresh_error = g_object_get_data (G_OBJECT (task), "sy-refresh-error");

  if (SY_IS_AUTH_DIR (source) ? !sy_auth_dir_save_finish (SY_AUTH_DIR (source), result, &error)
                                : !sy_logins_save_finish (SY_LOGINS (source), result, &error))
    {
      /* Tokens that could not be kept are not used either. */
      g_warning ("Could not store the renewed tokens: %s", error->message);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (refresh_error != NULL)
    g_task_return_error (task, g_error_copy (refresh_error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RefreshCtx *ctx = g_task_get_task_data (task);
  g_autoptr(SyService) self = g_weak_ref_get (&ctx->service);
  g_autoptr(GError) error = NULL;
  gboolean ok = sy_login_refresh_finish (result, &error);

  if (self == NULL || (self->logins == NULL && self->auth_dir == NULL))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the service is gone");
      return;
    }
  if (!ok && !g_error_matches (error, SY_LOGIN_ERROR, SY_LOGIN_ERROR_REFUSED))
    {
      /* Network trouble and the like: the old token is kept, and the timer
       * tries again in a few minutes (a 401 meanwhile tries at once). */
      arm_refresh (self, ctx->credential,
                   sy_clock_now (sy_account_pool_get_clock (self->pool)) + REFRESH_RETRY_US);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!ok)
    g_object_set_data_full (G_OBJECT (task), "sy-refresh-error", g_steal_pointer (&error),
                            (GDestroyNotify) g_error_free);
  else
    schedule_refresh (self, ctx->credential);
  /* Renewed tokens (or the "needs login" verdict) are stored before use,
   * where the login came from: the token store, or its auth-dir file (an
   * auth-dir login's tokens never go to the store, even if its file went). */
  if (self->logins != NULL && sy_logins_lookup (self->logins, sy_credential_get_id (ctx->credential)) == ctx->credential)
    sy_logins_save_async (self->logins, ctx->credential, NULL, on_refresh_saved, g_object_ref (task));
  else if (self->auth_dir != NULL && sy_auth_dir_get_file (self->auth_dir, ctx->credential) != NULL)
    sy_auth_dir_save_async (self->auth_dir, ctx->credential, NULL, on_refresh_saved, g_object_ref (task));
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s is no longer signed in",
                             sy_credential_get_id (ctx->credential));
}

/* SyAccountState's refresher for a login (401 handling, and the timer).
 * @user_data: a RefreshCtx owned by the state. */
static void
refresh_login (SyAccountState *state,
               GTask          *task,
               gpointer        user_data)
{
  RefreshCtx *owner = user_data;
  g_autoptr(SyService) self = g_weak_ref_get (&owner->service);
  RefreshCtx *ctx;

  if (self == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the service is gone");
      return;
    }
  ctx = refresh_ctx_new (self, owner->credential);
  g_task_set_task_data (task, ctx, refresh_ctx_free);
  g_info ("%s: renewing the access token", sy_credential_get_id (ctx->credential));
  sy_login_refresh_async (self->http, self->config, ctx->credential, NULL, on_refreshed, g_object_ref (task));
}

/* Both sources of logins: the token store's, then the auth-dir's. */
static GPtrArray *
all_credentials (SyService *self)
{
  GPtrArray *all = g_ptr_array_new_with_free_func (g_object_unref);
  GPtrArray *part;

  part = self->logins ? sy_logins_get_all (self->logins) : NULL;
  for (guint i = 0; part != NULL && i < part->len; i++)
    g_ptr_array_add (all, g_object_ref (g_ptr_array_index (part, i)));
  part = self->auth_dir ? sy_auth_dir_get_all (self->auth_dir) : NULL;
  for (guint i = 0; part != NULL && i < part->len; i++)
    g_ptr_array_add (all, g_object_ref (g_ptr_array_index (part, i)));
  return all;
}

static SyCredential *
lookup_credential (SyService  *self,
                   const char *id)
{
  SyCredential *credential = self->logins ? sy_logins_lookup (self->logins, id) : NULL;

  if (credential == NULL && self->auth_dir != NULL)
    credential = sy_auth_dir_lookup (self->auth_dir, id);
  return credential;
}

static SyRegistry *
build_registry (SyService *self,
                SyConfig  *config)
{
  g_autoptr(GPtrArray) credentials = all_credentials (self);
  SyRegistry *registry = sy_registry_new_full (config, self->pool, credentials);
  GPtrArray *accounts = sy_registry_get_accounts (registry);

  for (guint i = 0; i < accounts->len; i++)
    {
      SyAccount *account = g_ptr_array_index (accounts, i);

      if (account->credential != NULL)
        sy_account_state_set_refresh_func (account->state, refresh_login,
                                           refresh_ctx_new (self, account->credential), refresh_ctx_free);
    }
  return registry;
}

static SyAccountState *
state_of_login (SyService    *self,
                SyCredential *credential)
{
  SyAccountState *state = sy_account_pool_lookup (self->pool, sy_credential_get_id (credential));
  GPtrArray *accounts = self->registry ? sy_registry_get_accounts (self->registry) : NULL;

  /* A login serving several projects is one account per project, each
   * renewing the same credential: the first will do. */
  for (guint i = 0; state == NULL && accounts != NULL && i < accounts->len; i++)
    if (((SyAccount *) g_ptr_array_index (accounts, i))->credential == credential)
      state = ((SyAccount *) g_ptr_array_index (accounts, i))->state;
  return state;
}

static void
on_timer_refreshed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (sy_account_state_refresh_finish (SY_ACCOUNT_STATE (source), result, &error) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_error_matches (error, SY_LOGIN_ERROR, SY_LOGIN_ERROR_REFUSED))
    g_warning ("%s: %s", sy_account_state_get_id (SY_ACCOUNT_STATE (source)), error->message);
  else
    g_message ("%s: renewal failed (%s); trying again in 5 minutes",
               sy_account_state_get_id (SY_ACCOUNT_STATE (source)), error->message);
}

typedef struct
{
  GWeakRef  service;
  char     *id;
} TimerCtx;

static void
timer_ctx_free (gpointer data)
{
  TimerCtx *ctx = data;

  g_weak_ref_clear (&ctx->service);
  g_free (ctx->id);
  g_free (ctx);
}

static void
on_refresh_timer (gpointer user_data)
{
  TimerCtx *ctx = user_data;
  g_autoptr(SyService) self = g_weak_ref_get (&ctx->service);
  SyCredential *credential;
  SyAccountState *state;

  if (self != NULL)
    {
      g_hash_table_remove (self->refresh_timers, ctx->id);
      credential = lookup_credential (self, ctx->id);
      state = credential ? state_of_login (self, credential) : NULL;
      if (state != NULL && sy_credential_get_status (credential) == SY_CREDENTIAL_OK)
        sy_account_state_refresh_async (state, NULL, on_timer_refreshed, NULL);
    }
}

/* The renewal timer of @credential at @at (0: none). Only a running
 * service renews: a command-line sign-in, listing or import must not spend
 * (and then lose) a rotating refresh token. */
static void
arm_refresh (SyService    *self,
             SyCredential *credential,
             gint64        at)
{
  SyClock *clock = sy_account_pool_get_clock (self->pool);
  gpointer old;
  TimerCtx *ctx;

  if (g_hash_table_lookup_extended (self->refresh_timers, sy_credential_get_id (credential), NULL, &old))
    {
      sy_clock_cancel (clock, GPOINTER_TO_UINT (old));
      g_hash_table_remove (self->refresh_timers, sy_credential_get_id (credential));
    }
  if (at <= 0 || self->state != SY_SERVICE_STATE_RUNNING ||
      sy_credential_get_refresh_token (credential) == NULL ||
      sy_credential_get_status (credential) != SY_CREDENTIAL_OK)
    return;
  ctx = g_new0 (TimerCtx, 1);
  g_weak_ref_init (&ctx->service, self);
  ctx->id = g_strdup (sy_credential_get_id (credential));
  g_hash_table_insert (self->refresh_timers, g_strdup (ctx->id),
                       GUINT_TO_POINTER (sy_clock_add_full (clock, MAX (at - sy_clock_now (clock), 0),
                                                            on_refresh_timer, ctx, timer_ctx_free)));
}

/* The next proactive renewal: the provider's lead time before expiry, less
 * up to a tenth of it at random so many accounts do not renew at once. */
static void
schedule_refresh (SyService    *self,
                  SyCredential *credential)
{
  gint64 lead = sy_login_refresh_lead (sy_credential_get_provider (credential)) * G_USEC_PER_SEC;
  gint64 expires = sy_credential_get_expires (credential);
  gint64 issued = sy_credential_get_last_refresh (credential);
  gint64 at = 0;

  if (expires > 0 && lead > 0)
    {
      at = expires - lead - (gint64) (g_random_double () * (double) lead / 10.0);
      /* A token that lives less than the lead would be renewed again at
       * once, forever: renew those at three quarters of their life. */
      if (issued > 0 && expires > issued && expires - issued <= lead)
        at = issued + (expires - issued) * 3 / 4;
    }
  arm_refresh (self, credential, at);
}

/* The clock may outlive us (an embedder's, a test's). */
static void
cancel_refresh_timers (SyService *self)
{
  GHashTableIter iter;
  gpointer id;

  if (self->pool == NULL || self->refresh_timers == NULL)
    return;
  g_hash_table_iter_init (&iter, self->refresh_timers);
  while (g_hash_table_iter_next (&iter, NULL, &id))
    sy_clock_cancel (sy_account_pool_get_clock (self->pool), GPOINTER_TO_UINT (id));
  g_hash_table_remove_all (self->refresh_timers);
}

static void
rebuild_registry (SyService *self)
{
  g_autoptr(SyRegistry) registry = build_registry (self, self->config);

  g_clear_pointer (&self->registry, sy_registry_unref);
  self->registry = g_steal_pointer (&registry);
  if (self->server != NULL)
    sy_server_set_registry (self->server, self->registry);
  if (self->quota_poller != NULL)
    sy_quota_poller_set_registry (self->quota_poller, self->registry);
  g_info ("Accounts: %u, models: %u",
             sy_registry_get_accounts (self->registry)->len, sy_registry_get_models (self->registry)->len);
}

/* From SyLogins or SyAuthDir: a login came, went or changed. */
static void
on_logins_changed (GObject   *source,
                   SyService *self)
{
  g_autoptr(GPtrArray) all = all_credentials (self);

  rebuild_registry (self);
  for (guint i = 0; i < all->len; i++)
    schedule_refresh (self, g_ptr_array_index (all, i));
}

/* The config's auth-dir, read and watched; replaced when the config names
 * another one. Its logins serve without the token store. */
static void
open_auth_dir (SyService *self)
{
  const char *path = self->config->auth_dir;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (path, self->auth_dir ? sy_auth_dir_get_path (self->auth_dir) : NULL) == 0)
    return;
  if (self->auth_dir != NULL)
    g_signal_handlers_disconnect_by_data (self->auth_dir, self);
  g_clear_object (&self->auth_dir);
  if (path != NULL)
    {
      self->auth_dir = sy_auth_dir_new (path);
      if (!sy_auth_dir_load (self->auth_dir, &error))
        g_warning ("auth-dir %s: %s", path, error->message);
      else if (!sy_auth_dir_watch (self->auth_dir, &error))
        g_warning ("auth-dir %s: changes will not be picked up: %s", path, error->message);
      g_signal_connect_object (self->auth_dir, "changed", G_CALLBACK (on_logins_changed), self, 0);
    }
  on_logins_changed (NULL, self);
}

static void
on_logins_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyService *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!sy_logins_load_finish (SY_LOGINS (source), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_set_object (&self->logins, SY_LOGINS (source));
  sy_management_set_logins (self->management, self->logins);
  g_signal_connect_object (self->logins, "changed", G_CALLBACK (on_logins_changed), self, 0);
  if (!sy_logins_watch (self->logins, &error))
    g_warning ("Sign-ins from other processes will need a restart: %s", error->message);
  on_logins_changed (G_OBJECT (self->logins), self);
  g_task_return_boolean (task, TRUE);
}

static void
on_store_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyService *self = g_task_get_source_object (task);
  SyTokenStore *store = SY_TOKEN_STORE (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyLogins) logins = NULL;

  if (!sy_token_store_open_finish (store, result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_info ("Tokens are kept in the %s", g_strcmp0 (sy_token_store_get_backend (store), "keyring") == 0
          ? "system keyring" : "encrypted token file");
  logins = sy_logins_new (store, self->accounts_file);
  sy_logins_load_async (logins, g_task_get_cancellable (task), on_logins_loaded, g_object_ref (task));
}

/* Swap in @config (requests in flight keep the registry they started with),
 * then say so: a log line and "reloaded", whatever asked for the reload. */
static gboolean
apply_config (SyService  *self,
              SyConfig   *config,
              GError    **error)
{
  g_autoptr(SyRegistry) registry = NULL;
  gboolean relisten;

  if (!check_bind_safety (self, config, error))
    return FALSE;

  relisten = self->server != NULL && sy_server_is_listening (self->server) &&
             (g_strcmp0 (target_host (self, config), target_host (self, self->config)) != 0 ||
              target_port (self, config) != target_port (self, self->config));

  register_secrets (config);
  registry = build_registry (self, config);

  if (relisten)
    {
      g_autoptr(GError) old_error = NULL;

      g_message ("Address changed: moving the listener to %s:%u",
                 target_host (self, config), target_port (self, config));
      if (!listen_on (self, target_host (self, config), target_port (self, config), error))
        {
          if (!listen_on (self, target_host (self, self->config), target_port (self, self->config),
                          &old_error))
            g_warning ("cannot listen on the previous address either: %s", old_error->message);
          return FALSE;
        }
    }

  log_warnings (config);
  sy_log_set_debug (config->debug);
  sy_log_file_apply_config (config);

  g_clear_pointer (&self->config, sy_config_unref);
  self->config = sy_config_ref (config);
  g_clear_pointer (&self->registry, sy_registry_unref);
  self->registry = g_steal_pointer (&registry);
  if (self->server != NULL)
    sy_server_set_registry (self->server, self->registry);
  if (self->quota_poller != NULL)
    sy_quota_poller_set_registry (self->quota_poller, self->registry);

  if (self->logins_wanted)
    open_auth_dir (self);

  self->generation++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GENERATION]);
  g_message ("Config reloaded from %s (%u accounts, %u models)", self->path ? self->path : "a string",
             sy_registry_get_accounts (self->registry)->len, sy_registry_get_models (self->registry)->len);
  g_signal_emit (self, signals[RELOADED], 0, self->generation);
  return TRUE;
}

static void
on_config_changed (SyConfigMonitor *monitor,
                   SyConfig        *config,
                   SyService       *self)
{
  g_autoptr(GError) error = NULL;

  /* A plain key typed into the file: hashed now (the rewrite is seen as
   * one more change); this snapshot still compares it as it is. */
  hash_secret_key (self->path);

  if (!apply_config (self, config, &error))
    {
      g_warning ("%s: the new config was not applied, the previous one stays in force: %s",
                 self->path, error->message);
      g_signal_emit (self, signals[RELOAD_FAILED], 0, error);
      return;
    }
}

static void
on_config_failed (SyConfigMonitor *monitor,
                  const GError    *error,
                  SyService       *self)
{
  g_warning ("%s; the previous config stays in force", error->message);
  g_signal_emit (self, signals[RELOAD_FAILED], 0, error);
}

static void
sy_service_dispose (GObject *object)
{
  SyService *self = SY_SERVICE (object);

  sy_service_stop (self);
  cancel_refresh_timers (self);
  if (self->pool != NULL && self->state_file != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!sy_account_pool_flush (self->pool, &error))
        g_warning ("Could not save account state: %s", error->message);
    }
  g_clear_object (&self->monitor);
  g_clear_object (&self->server);
  g_clear_object (&self->management);
  if (self->usage != NULL)
    sy_usage_store_close (self->usage);   /* commits what is queued */
  g_clear_object (&self->usage);
  if (self->quota_poller != NULL)
    sy_quota_poller_stop (self->quota_poller);
  g_clear_object (&self->quota_poller);
  if (self->quota_history != NULL)
    sy_quota_history_close (self->quota_history);
  g_clear_object (&self->quota_history);
  g_clear_object (&self->http);

  G_OBJECT_CLASS (sy_service_parent_class)->dispose (object);
}

static void
sy_service_finalize (GObject *object)
{
  SyService *self = SY_SERVICE (object);

  g_clear_pointer (&self->registry, sy_registry_unref);
  g_clear_object (&self->logins);
  g_clear_object (&self->auth_dir);
  g_free (self->accounts_file);
  g_free (self->token_dir);
  g_hash_table_unref (self->refresh_timers);
  g_clear_object (&self->pool);
  g_clear_pointer (&self->state_file, g_free);
  g_clear_pointer (&self->config, sy_config_unref);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->host_override, g_free);
  g_clear_pointer (&self->usage_file, g_free);

  G_OBJECT_CLASS (sy_service_parent_class)->finalize (object);
}

static void
sy_service_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  SyService *self = SY_SERVICE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_LISTENING:
      g_value_set_boolean (value, sy_service_get_listening (self));
      break;
    case PROP_HOST:
      g_value_set_string (value, sy_service_get_host (self));
      break;
    case PROP_PORT:
      g_value_set_uint (value, sy_service_get_port (self));
      break;
    case PROP_GENERATION:
      g_value_set_uint (value, self->generation);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_service_class_init (SyServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_service_dispose;
  object_class->finalize = sy_service_finalize;
  object_class->get_property = sy_service_get_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, SY_SERVICE_STATE_STOPPED, SY_SERVICE_STATE_RUNNING,
                      SY_SERVICE_STATE_STOPPED, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LISTENING] =
    g_param_spec_boolean ("listening", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_HOST] =
    g_param_spec_string ("host", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, 65535, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_GENERATION] =
    g_param_spec_uint ("generation", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[RELOADED] = g_signal_new ("reloaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[RELOAD_FAILED] = g_signal_new ("reload-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
sy_service_init (SyService *self)
{
  self->port_override = -1;
  self->http = sy_http_client_new ();
  self->pool = sy_account_pool_new (NULL);
  self->refresh_timers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static void on_quota_read (SyQuotaPoller *poller, const char *account_id, GPtrArray *windows,
                           SyService *self);
static void on_pool_items_changed (GListModel *model, guint position, guint removed, guint added,
                                   SyService *self);
static void watch_account_quota (SyService *self, guint position, guint n);

/* Management hooks ---------------------------------------------------------
 *
 * What the management API's credential routes (src/server/sy-mgmt-auth.c)
 * need of the service: its logins, kept where they came from. */

static gboolean
management_reload (gpointer   host,
                   GError   **error)
{
  return sy_service_reload (SY_SERVICE (host), error);
}

/* remote-management.secret-key is kept as a bcrypt hash: a plain one is
 * replaced in the file, comments kept. */
static void
hash_secret_key (const char *path)
{
  g_autoptr(GError) error = NULL;
  gboolean changed = FALSE;

  /* A missing file is for the config loader to report. */
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return;
  if (!sy_config_hash_secret_in_file (path, &changed, &error))
    g_warning ("remote-management.secret-key could not be hashed in %s: %s", path, error->message);
  else if (changed)
    g_message ("remote-management.secret-key in %s is now stored as a bcrypt hash", path);
}

static GBytes *
management_diagnostics (gpointer   host,
                        GError   **error)
{
  SyService *self = SY_SERVICE (host);
  g_autoptr(JsonNode) accounts =
    sy_diagnostics_accounts_json (G_LIST_MODEL (self->pool), sy_account_pool_now (self->pool));

  return sy_diagnostics_build (self->config, accounts, error);
}

static SyAuthDir *
management_get_auth_dir (gpointer host)
{
  return SY_SERVICE (host)->auth_dir;
}

/* Reads the auth-dir now instead of after the watcher's delay, and serves
 * with what it holds. */
static void
management_rescan_auth_dir (gpointer host)
{
  SyService *self = SY_SERVICE (host);
  g_autoptr(GError) error = NULL;

  if (self->auth_dir == NULL)
    return;
  if (!sy_auth_dir_load (self->auth_dir, &error))
    g_warning ("auth-dir %s: %s", sy_auth_dir_get_path (self->auth_dir), error->message);
  on_logins_changed (NULL, self);
}

static SyLoginFlow *
management_start_login (gpointer               host,
                        const char            *provider,
                        const SyLoginOptions  *options,
                        GCancellable          *cancellable,
                        GAsyncReadyCallback    callback,
                        gpointer               user_data,
                        GError               **error)
{
  return sy_service_login (SY_SERVICE (host), provider, options, cancellable, callback, user_data, error);
}

static void
management_add_login (gpointer             host,
                      SyCredential        *credential,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  sy_service_add_login_async (SY_SERVICE (host), credential, NULL, callback, user_data);
}

static void
on_management_imported (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *results = sy_auth_import_finish (SY_LOGINS (source), result, &error);

  if (results == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, results, (GDestroyNotify) g_ptr_array_unref);
}

/* As `switchyard --import-auth`, with its record beside accounts.json (the
 * config's directory, for a service built from a file). */
static void
management_import_auth_files (gpointer             host,
                              const char          *dir,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  SyService *self = SY_SERVICE (host);
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  g_autofree char *parent = NULL;
  g_autofree char *record = NULL;

  if (self->logins == NULL || self->accounts_file == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "logins are not loaded");
      return;
    }
  parent = g_path_get_dirname (self->accounts_file);
  record = g_build_filename (parent, "imported-auth.json", NULL);
  sy_auth_import_async (self->logins, dir, record, NULL, on_management_imported, g_steal_pointer (&task));
}

static void
on_management_saved (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyService *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!sy_logins_save_finish (SY_LOGINS (source), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Prefix and priority are copied into the accounts when they are built. */
  on_logins_changed (NULL, self);
  g_task_return_boolean (task, TRUE);
}

static void
management_save_login (gpointer             host,
                       SyCredential        *credential,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  SyService *self = SY_SERVICE (host);
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  const char *id = sy_credential_get_id (credential);

  if (self->logins != NULL && sy_logins_lookup (self->logins, id) == credential)
    sy_logins_save_async (self->logins, credential, NULL, on_management_saved, g_steal_pointer (&task));
  else if (self->auth_dir != NULL && sy_auth_dir_get_file (self->auth_dir, credential) != NULL)
    {
      management_rescan_auth_dir (self);
      g_task_return_boolean (task, TRUE);
    }
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s is no longer signed in", id);
}

static void
on_management_removed (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!sy_logins_remove_finish (SY_LOGINS (source), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
management_delete_login (gpointer             host,
                         SyCredential        *credential,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  SyService *self = SY_SERVICE (host);
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  const char *id = sy_credential_get_id (credential);
  const char *file = self->auth_dir ? sy_auth_dir_get_file (self->auth_dir, credential) : NULL;

  /* Its renewal timer goes with it. */
  arm_refresh (self, credential, 0);
  if (self->logins != NULL && sy_logins_lookup (self->logins, id) == credential)
    sy_logins_remove_async (self->logins, id, NULL, on_management_removed, g_steal_pointer (&task));
  else if (file != NULL)
    {
      g_autofree char *path = g_build_filename (sy_auth_dir_get_path (self->auth_dir), file, NULL);

      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved_errno = errno;

          g_task_return_new_error (task, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                                   "could not delete %s: %s", file, g_strerror (saved_errno));
          return;
        }
      g_message ("auth-dir: %s deleted through the management API (%s)", file, id);
      management_rescan_auth_dir (self);
      g_task_return_boolean (task, TRUE);
    }
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s is no longer signed in", id);
}

static gboolean
management_check_config (gpointer   host,
                         SyConfig  *config,
                         GError   **error)
{
  return check_bind_safety (SY_SERVICE (host), config, error);
}

static const SyManagementHost management_host = {
  .reload = management_reload,
  .check_config = management_check_config,
  .diagnostics = management_diagnostics,
  .get_auth_dir = management_get_auth_dir,
  .start_login = management_start_login,
  .add_login = management_add_login,
  .import_auth_files = management_import_auth_files,
  .save_login = management_save_login,
  .delete_login = management_delete_login,
  .rescan_auth_dir = management_rescan_auth_dir,
};

static SyService *
service_new_with_config (SyConfig *config)
{
  SyService *self = g_object_new (SY_TYPE_SERVICE, NULL);

  register_secrets (config);
  log_warnings (config);
  sy_log_set_debug (config->debug);
  sy_log_file_apply_config (config);
  self->config = sy_config_ref (config);
  self->registry = build_registry (self, config);
  self->server = sy_server_new (self->http, self->registry);
  self->management = sy_management_new ();
  self->quota_poller = sy_quota_poller_new (self->http, sy_account_pool_get_clock (self->pool));
  sy_quota_poller_set_registry (self->quota_poller, self->registry);
  g_signal_connect_object (self->quota_poller, "read", G_CALLBACK (on_quota_read), self, 0);
  sy_management_set_quota (self->management, NULL, self->quota_poller);
  g_signal_connect_object (self->pool, "items-changed", G_CALLBACK (on_pool_items_changed), self, 0);
  watch_account_quota (self, 0, g_list_model_get_n_items (G_LIST_MODEL (self->pool)));
  sy_management_set_host (self->management, &management_host, self);
  sy_server_set_management (self->server, self->management);
  self->generation = 1;

  return self;
}

SyService *
sy_service_new_from_file (const char  *path,
                          GError     **error)
{
  g_autoptr(SyConfig) config = NULL;
  SyService *self;

  g_return_val_if_fail (path != NULL, NULL);

  hash_secret_key (path);
  config = sy_config_new_from_file (path, error);
  if (config == NULL)
    return NULL;

  self = service_new_with_config (config);
  self->path = g_strdup (path);
  sy_management_set_config_path (self->management, path);
  self->usage_file = sy_service_default_usage_file (path);
  {
    g_autoptr(GError) state_error = NULL;
    g_autofree char *state_file = sy_service_default_state_file (path);

    g_autofree char *dir = g_path_get_dirname (path);
    g_autofree char *accounts = g_build_filename (dir, "accounts.json", NULL);
    g_autofree char *tokens = g_build_filename (g_get_user_data_dir (), "switchyard", NULL);

    if (!sy_service_set_state_file (self, state_file, &state_error))
      g_warning ("Account state not restored: %s", state_error->message);
    sy_service_set_login_files (self, accounts, tokens);
  }
  return self;
}

void
sy_service_set_login_files (SyService  *self,
                            const char *accounts_file,
                            const char *token_dir)
{
  g_return_if_fail (SY_IS_SERVICE (self));

  g_free (self->accounts_file);
  self->accounts_file = g_strdup (accounts_file);
  g_free (self->token_dir);
  self->token_dir = g_strdup (token_dir);
}

void
sy_service_load_logins_async (SyService           *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(SyTokenStore) store = NULL;
  JsonNode *kind_node = sy_config_lookup (self->config, "token-store");
  SyTokenStoreKind kind = SY_TOKEN_STORE_AUTO;

  /* The auth-dir needs no token store: it serves even if that fails. */
  self->logins_wanted = TRUE;
  open_auth_dir (self);
  if (self->accounts_file == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                               "no accounts file: logins are not kept for this service");
      return;
    }
  if (kind_node != NULL && JSON_NODE_HOLDS_VALUE (kind_node) &&
      json_node_get_value_type (kind_node) == G_TYPE_STRING)
    {
      gboolean ok = FALSE;

      kind = sy_token_store_kind_from_string (json_node_get_string (kind_node), &ok);
      if (!ok)
        {
          g_warning ("token-store: '%s' is not auto, keyring or file; using auto", json_node_get_string (kind_node));
          kind = SY_TOKEN_STORE_AUTO;
        }
    }
  store = sy_token_store_new (kind, self->token_dir);
  sy_token_store_open_async (store, cancellable, on_store_opened, g_steal_pointer (&task));
}

gboolean
sy_service_load_logins_finish (SyService     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_login_added (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyCredential *credential = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!sy_logins_add_finish (SY_LOGINS (source), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    {
      SyService *self = g_task_get_source_object (task);
      SyAccountState *state = sy_account_pool_lookup (self->pool, sy_credential_get_id (credential));

      /* A fresh sign-in: whatever the old tokens earned is forgotten. */
      if (state != NULL)
        sy_account_state_clear_cooldowns (state, NULL);
      g_task_return_pointer (task, g_object_ref (credential), g_object_unref);
    }
}

static void
on_login_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyService *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) credential = sy_login_flow_run_finish (SY_LOGIN_FLOW (source), result, &error);

  if (credential == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_set_task_data (task, g_object_ref (credential), g_object_unref);
  sy_logins_add_async (self->logins, credential, g_task_get_cancellable (task), on_login_added,
                       g_object_ref (task));
}

SyLoginFlow *
sy_service_login (SyService             *self,
                  const char            *provider,
                  const SyLoginOptions  *options,
                  GCancellable          *cancellable,
                  GAsyncReadyCallback    callback,
                  gpointer               user_data,
                  GError               **error)
{
  g_autoptr(SyLoginFlow) flow = NULL;
  GTask *task;

  g_return_val_if_fail (SY_IS_SERVICE (self), NULL);
  if (self->logins == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "logins are not loaded");
      return NULL;
    }
  flow = sy_login_flow_new (provider, self->http, self->config, options, error);
  if (flow == NULL)
    return NULL;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_service_login);
  sy_login_flow_run_async (flow, cancellable, on_login_done, task);
  return g_steal_pointer (&flow);
}

SyCredential *
sy_service_login_finish (SyService     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sy_service_add_login_async (SyService           *self,
                            SyCredential        *credential,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_return_if_fail (SY_IS_SERVICE (self));
  g_return_if_fail (SY_IS_CREDENTIAL (credential));
  g_task_set_source_tag (task, sy_service_add_login_async);
  if (self->logins == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "logins are not loaded");
      return;
    }
  g_task_set_task_data (task, g_object_ref (credential), g_object_unref);
  sy_logins_add_async (self->logins, credential, cancellable, on_login_added, g_steal_pointer (&task));
}

SyCredential *
sy_service_add_login_finish (SyService     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

SyConfig *
sy_service_get_config (SyService *self)
{
  g_return_val_if_fail (SY_IS_SERVICE (self), NULL);
  return self->config;
}

GObject *
sy_service_get_logins (SyService *self)
{
  g_return_val_if_fail (SY_IS_SERVICE (self), NULL);
  return self->logins ? G_OBJECT (self->logins) : NULL;
}

SyAuthDir *
sy_service_get_auth_dir (SyService *self)
{
  g_return_val_if_fail (SY_IS_SERVICE (self), NULL);
  return self->auth_dir;
}

/* -- For fronts in the same process (the desktop app) ------------------- */

SyCredential *
sy_service_lookup_login (SyService  *self,
                         const char *account_id)
{
  GPtrArray *accounts;

  g_return_val_if_fail (SY_IS_SERVICE (self), NULL);
  g_return_val_if_fail (account_id != NULL, NULL);

  accounts = self->registry ? sy_registry_get_accounts (self->registry) : NULL;
  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    {
      SyAccount *account = g_ptr_array_index (accounts, i);

      if (account->credential != NULL
          && g_strcmp0 (sy_account_state_get_id (account->state), account_id) == 0)
        return account->credential;
    }
  return lookup_credential (self, account_id);
}

void
sy_service_save_login_async (SyService           *self,
                             SyCredential        *credential,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (SY_IS_SERVICE (self));
  g_return_if_fail (SY_IS_CREDENTIAL (credential));
  management_save_login (self, credential, callback, user_data);
}

gboolean
sy_service_save_login_finish (SyService     *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
sy_service_remove_login_async (SyService           *self,
                               SyCredential        *credential,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (SY_IS_SERVICE (self));
  g_return_if_fail (SY_IS_CREDENTIAL (credential));
  management_delete_login (self, credential, callback, user_data);
}

gboolean
sy_service_remove_login_finish (SyService     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
sy_service_import_auth_files_async (SyService           *self,
                                    const char          *dir,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (SY_IS_SERVICE (self));
  g_return_if_fail (dir != NULL);
  management_import_auth_files (self, dir, callback, user_data);
}

GPtrArray *
sy_service_import_auth_files_finish (SyService     *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
sy_service_edit_config (SyService           *self,
                        const char * const  *path,
                        JsonNode            *value,
                        GError             **error)
{
  g_autofree char *text = NULL;
  g_autofree char *edited = NULL;
  g_autoptr(SyConfig) check = NULL;
  gsize len = 0;

  g_return_val_if_fail (SY_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (path != NULL && path[0] != NULL, FALSE);

  if (self->path == NULL)
    {
      g_set_error_literal (error, SY_SERVICE_ERROR, SY_SERVICE_ERROR_NO_FILE,
                           "this service was built from a string, there is no file to change");
      return FALSE;
    }
  if (!g_file_get_contents (self->path, &text, &len, error))
    return FALSE;
  edited = sy_config_edit_set (text, path, value, error);
  if (edited == NULL)
    return FALSE;
  /* The same checks as a reload's, before anything is written. */
  check = sy_config_new_from_data (edited, -1, self->path, error);
  if (check == NULL || !check_bind_safety (self, check, error))
    return FALSE;
  if (strcmp (edited, text) == 0)
    return TRUE;
  if (!sy_config_write_atomic (self->path, edited, strlen (edited), error))
    return FALSE;
  if (!sy_service_reload (self, error))
    {
      g_autoptr(GError) restore_error = NULL;

      /* Refused only by trying (a new port another program holds): the
       * file goes back to what it said, not left holding a config the
       * running service does not follow. */
      if (!sy_config_write_atomic (self->path, text, len, &restore_error))
        g_warning ("%s: the refused edit stays in the file: %s", self->path, restore_error->message);
      return FALSE;
    }
  return TRUE;
}

char **
sy_service_dup_model_ids (SyService *self)
{
  g_autoptr(GHashTable) skip = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  JsonNode *mappings;
  GPtrArray *models;

  g_return_val_if_fail (SY_IS_SERVICE (self), NULL);

  /* The registry lists an exact mapping's name with its target's details;
   * such a name has no accounts of its own. */
  mappings = sy_config_lookup (self->config, "model-mappings");
  for (guint i = 0; mappings != NULL && JSON_NODE_HOLDS_ARRAY (mappings) &&
                    i < json_array_get_length (json_node_get_array (mappings)); i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (mappings), i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
      JsonNode *regex = o != NULL ? json_object_get_member (o, "regex") : NULL;
      const char *from = o != NULL ? json_object_get_string_member_with_default (o, "from", NULL) : NULL;

      if (from == NULL || (regex != NULL && JSON_NODE_HOLDS_VALUE (regex) &&
                           json_node_get_value_type (regex) == G_TYPE_BOOLEAN &&
                           json_node_get_boolean (regex)))
        continue;
      g_hash_table_add (skip, g_ascii_strdown (from, -1));
    }

  models = sy_registry_get_models (self->registry);
  for (guint i = 0; i < models->len; i++)
    {
      const SyModelInfo *info = g_ptr_array_index (models, i);
      char *key = g_ascii_strdown (info->id, -1);

      if (g_hash_table_contains (skip, key))
        {
          g_free (key);
          continue;
        }
      g_hash_table_add (skip, key);
      g_strv_builder_add (ids, info->id);
    }
  return g_strv_builder_end (ids);
}

char **
sy_service_dup_catalogue_ids (SyService  *self,
                              const char *channel)
{
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  g_autofree char *key = NULL;
  JsonArray *models;

  g_return_val_if_fail (SY_IS_SERVICE (self), NULL);
  g_return_val_if_fail (channel != NULL, NULL);

  /* Codex's lists go by plan; the largest plan's holds the others'. */
  key = g_ascii_strcasecmp (channel, "codex") == 0 ? g_strdup ("codex-pro") : g_ascii_strdown (channel, -1);
  models = sy_registry_get_catalogue (self->registry, key);
  for (guint i = 0; models != NULL && i < json_array_get_length (models); i++)
    {
      JsonNode *node = json_array_get_element (models, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *id = o != NULL ? json_object_get_string_member_with_default (o, "id", NULL) : NULL;
      const char *name = o != NULL ? json_object_get_string_member_with_default (o, "name", NULL) : NULL;

      if (id == NULL && name != NULL)
        id = g_str_has_prefix (name, "models/") ? name + strlen ("models/") : name;
      if (id != NULL && *id != '\0')
        g_strv_builder_add (ids, id);
    }
  return g_strv_builder_end (ids);
}

gpointer
sy_service_get_quota_history (SyService *self)
{
  g_return_val_if_fail (SY_IS_SERVICE (self), NULL);
  return self->quota_history;
}

GBytes *
sy_service_build_diagnostics (SyService  *self,
                              GError    **error)
{
  g_return_val_if_fail (SY_IS_SERVICE (self), NULL);
  return management_diagnostics (self, error);
}

/* @dir/switchyard/@stem@suffix for the default config file; for another,
 * one file per config file: @stem-<its path's digest>@suffix. */
static char *
file_for_config (const char *config_path,
                 const char *dir,
                 const char *stem,
                 const char *suffix)
{
  g_autofree char *default_config = sy_config_default_path ();
  g_autoptr(GFile) file = g_file_new_for_path (config_path);
  g_autofree char *absolute = g_file_get_path (file);
  g_autofree char *name = NULL;

  if (g_strcmp0 (absolute, default_config) == 0)
    name = g_strconcat (stem, suffix, NULL);
  else
    {
      g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, absolute, -1);

      name = g_strdup_printf ("%s-%.12s%s", stem, digest, suffix);
    }
  return g_build_filename (dir, "switchyard", name, NULL);
}

/* Beside the user's other state. */
char *
sy_service_default_state_file (const char *config_path)
{
  return file_for_config (config_path, g_get_user_state_dir (), "accounts-state", ".json");
}

gboolean
sy_service_set_state_file (SyService   *self,
                           const char  *path,
                           GError     **error)
{
  g_return_val_if_fail (SY_IS_SERVICE (self), FALSE);

  g_free (self->state_file);
  self->state_file = g_strdup (path);
  return sy_account_pool_set_state_file (self->pool, path, error);
}

const char *
sy_service_get_state_file (SyService *self)
{
  g_return_val_if_fail (SY_IS_SERVICE (self), NULL);
  return self->state_file;
}

GListModel *
sy_service_get_accounts (SyService *self)
{
  g_return_val_if_fail (SY_IS_SERVICE (self), NULL);
  return G_LIST_MODEL (self->pool);
}

SyService *
sy_service_new_from_string (const char  *yaml,
                            GError     **error)
{
  g_autoptr(SyConfig) config = sy_config_new_from_data (yaml, -1, NULL, error);

  if (config == NULL)
    return NULL;
  return service_new_with_config (config);
}

/* --host / --port: win over the config, also across reloads. */
void
sy_service_set_listen_override (SyService  *self,
                                const char *host,
                                int         port)
{
  g_return_if_fail (SY_IS_SERVICE (self));

  g_free (self->host_override);
  self->host_override = g_strdup (host);
  self->port_override = port;
}

/* A usage store that cannot be opened is logged, not fatal: the proxy
 * serves without recording, and the usage routes say why. */
static void
open_usage (SyService *self)
{
  g_autoptr(GError) error = NULL;

  if (self->usage != NULL || self->usage_file == NULL)
    return;
  self->usage = sy_usage_store_new_from_config (self->config, self->usage_file, &error);
  if (self->usage == NULL)
    {
      g_warning ("Usage statistics are off: %s", error->message);
      g_clear_error (&error);
    }
  else
    {
      sy_server_set_usage (self->server, self->usage);
      sy_management_set_usage (self->management, self->usage);
    }

  if (self->quota_history == NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self->usage_file);
      g_autofree char *base = g_path_get_basename (self->usage_file);
      g_autofree char *name = g_str_has_prefix (base, "usage") ? g_strconcat ("quota", base + 5, NULL)
                                                               : g_strconcat ("quota-", base, NULL);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      self->quota_history = sy_quota_history_new (path, &error);
      if (self->quota_history == NULL)
        g_warning ("Quota history is off: %s", error->message);
      sy_management_set_quota (self->management, self->quota_history, self->quota_poller);
    }
}

/* -- Quota: every reading, passive or active, goes to the history ---------- */

static void
keep_windows (SyService  *self,
              const char *account_id,
              GPtrArray  *windows)
{
  if (self->quota_history == NULL)
    return;
  for (guint i = 0; i < windows->len; i++)
    sy_quota_history_add (self->quota_history, account_id, g_ptr_array_index (windows, i));
}

static void
on_quota_read (SyQuotaPoller *poller,
               const char    *account_id,
               GPtrArray     *windows,
               SyService     *self)
{
  keep_windows (self, account_id, windows);
}

static void
on_account_changed (SyAccountState  *state,
                    SyAccountChange  what,
                    SyService       *self)
{
  g_autoptr(GPtrArray) windows = NULL;

  if (!(what & SY_ACCOUNT_CHANGED_QUOTA))
    return;
  windows = sy_account_state_dup_quota_windows (state);
  /* The history keeps a reading only when it moved, or every 5 minutes. */
  keep_windows (self, sy_account_state_get_id (state), windows);
}

static void
watch_account_quota (SyService *self,
                     guint      position,
                     guint      n)
{
  for (guint i = position; i < position + n; i++)
    {
      g_autoptr(SyAccountState) state = g_list_model_get_item (G_LIST_MODEL (self->pool), i);

      if (g_object_get_data (G_OBJECT (state), "sy-service-quota-watch") == NULL)
        {
          g_signal_connect_object (state, "changed", G_CALLBACK (on_account_changed), self, 0);
          g_object_set_data (G_OBJECT (state), "sy-service-quota-watch", GINT_TO_POINTER (1));
        }
    }
}

static void
on_pool_items_changed (GListModel *model,
                       guint       position,
                       guint       removed,
                       guint       added,
                       SyService  *self)
{
  watch_account_quota (self, position, added);
}

char *
sy_service_default_usage_file (const char *config_path)
{
  return file_for_config (config_path, g_get_user_data_dir (), "usage", ".db");
}

void
sy_service_set_usage_file (SyService  *self,
                           const char *path)
{
  g_return_if_fail (SY_IS_SERVICE (self));
  g_return_if_fail (self->usage == NULL);

  g_free (self->usage_file);
  self->usage_file = g_strdup (path);
}

gpointer
sy_service_get_usage (SyService *self)
{
  g_return_val_if_fail (SY_IS_SERVICE (self), NULL);
  return self->usage;
}

void
sy_service_set_management_key (SyService  *self,
                               const char *key)
{
  g_return_if_fail (SY_IS_SERVICE (self));
  sy_management_set_local_key (self->management, key);
}

gboolean
sy_service_start (SyService  *self,
                  GError    **error)
{
  g_return_val_if_fail (SY_IS_SERVICE (self), FALSE);

  if (self->state == SY_SERVICE_STATE_RUNNING)
    return TRUE;

  if (!check_bind_safety (self, self->config, error) ||
      !listen_on (self, target_host (self, self->config), target_port (self, self->config), error))
    return FALSE;

  open_usage (self);
  sy_quota_poller_start (self->quota_poller);

  /* What edits killed before their rename left beside config.yaml */
  if (self->path != NULL)
    sy_config_remove_stale_temps (self->path);
  if (self->path != NULL && self->monitor == NULL)
    {
      g_autoptr(GError) monitor_error = NULL;

      self->monitor = sy_config_monitor_new (self->path, self->config->sha256, &monitor_error);
      if (self->monitor == NULL)
        g_warning ("config changes will not be picked up: %s", monitor_error->message);
      else
        {
          g_signal_connect_object (self->monitor, "changed", G_CALLBACK (on_config_changed), self, 0);
          g_signal_connect_object (self->monitor, "failed", G_CALLBACK (on_config_failed), self, 0);
        }
    }

  self->state = SY_SERVICE_STATE_RUNNING;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  {
    g_autoptr(GPtrArray) all = all_credentials (self);

    for (guint i = 0; i < all->len; i++)
      schedule_refresh (self, g_ptr_array_index (all, i));
  }
  return TRUE;
}

void
sy_service_stop (SyService *self)
{
  g_return_if_fail (SY_IS_SERVICE (self));

  if (self->state == SY_SERVICE_STATE_STOPPED)
    return;

  g_clear_object (&self->monitor);
  if (self->server != NULL && sy_server_is_listening (self->server))
    {
      sy_server_disconnect (self->server);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
    }
  self->state = SY_SERVICE_STATE_STOPPED;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  cancel_refresh_timers (self);
  sy_quota_poller_stop (self->quota_poller);
}

gboolean
sy_service_reload (SyService  *self,
                   GError    **error)
{
  g_autoptr(SyConfig) config = NULL;

  g_return_val_if_fail (SY_IS_SERVICE (self), FALSE);

  if (self->path == NULL)
    {
      g_set_error_literal (error, SY_SERVICE_ERROR, SY_SERVICE_ERROR_NO_FILE,
                           "this service was built from a string, there is no file to reload");
      return FALSE;
    }
  config = sy_config_new_from_file (self->path, error);
  return config != NULL && apply_config (self, config, error);
}

gboolean
sy_service_load_string (SyService   *self,
                        const char  *yaml,
                        GError     **error)
{
  g_autoptr(SyConfig) config = NULL;

  g_return_val_if_fail (SY_IS_SERVICE (self), FALSE);

  config = sy_config_new_from_data (yaml, -1, NULL, error);
  return config != NULL && apply_config (self, config, error);
}

gboolean
sy_service_set_listening (SyService  *self,
                          gboolean    listening,
                          GError    **error)
{
  g_return_val_if_fail (SY_IS_SERVICE (self), FALSE);

  if (!!listening == sy_server_is_listening (self->server))
    return TRUE;

  if (!listening)
    {
      sy_server_disconnect (self->server);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
      return TRUE;
    }

  return check_bind_safety (self, self->config, error) &&
         listen_on (self, target_host (self, self->config), target_port (self, self->config), error);
}

SyServiceState
sy_service_get_state (SyService *self)
{
  return self->state;
}

gboolean
sy_service_get_listening (SyService *self)
{
  return self->server != NULL && sy_server_is_listening (self->server);
}

const char *
sy_service_get_host (SyService *self)
{
  return target_host (self, self->config);
}

guint
sy_service_get_port (SyService *self)
{
  if (sy_service_get_listening (self))
    return sy_server_get_port (self->server);
  return target_port (self, self->config);
}

char *
sy_service_dup_url (SyService *self)
{
  const char *host = sy_service_get_host (self);

  if (host == NULL || *host == '\0' || g_str_equal (host, "0.0.0.0"))
    host = "127.0.0.1";
  if (strchr (host, ':') != NULL && host[0] != '[')
    return g_strdup_printf ("http://[%s]:%u", host, sy_service_get_port (self));
  return g_strdup_printf ("http://%s:%u", host, sy_service_get_port (self));
}

const char *
sy_service_get_config_path (SyService *self)
{
  return self->path;
}

guint
sy_service_get_generation (SyService *self)
{
  return self->generation;
}

guint
sy_service_get_n_accounts (SyService *self)
{
  return sy_registry_get_accounts (self->registry)->len;
}

guint
sy_service_get_n_models (SyService *self)
{
  return sy_registry_get_models (self->registry)->len;
}

guint
sy_service_get_n_active_requests (SyService *self)
{
  return self->server ? sy_server_get_n_active (self->server) : 0;
}

const char * const *
sy_service_get_warnings (SyService *self)
{
  return (const char * const *) self->config->warnings;
}
