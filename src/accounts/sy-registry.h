/* sy-registry.h: accounts and the models they serve, for one config snapshot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-account-pool.h"
#include "sy-config.h"
#include "sy-credential.h"
#include "sy-model-alias.h"
#include "sy-payload.h"

G_BEGIN_DECLS

typedef struct
{
  char            *id;         /* stable across reloads and restarts: "claude:3f9a1c2b" */
  char            *provider;   /* "claude", "gemini", "codex", "vertex", or compat name */
  char            *label;      /* for people: "claude-api-key #1 (sk-...abcd)" */
  SyUpstreamEntry *entry;      /* the config's entry, or one made for a login */
  SyAccountState  *state;      /* live state, shared with the pool */
  SyCredential    *credential; /* a login's tokens; NULL for API keys */
} SyAccount;

typedef struct
{
  SyAccount  *account;
  char       *upstream_model;  /* the id sent upstream */
  JsonObject *catalogue;       /* the built-in catalogue's entry for it (thinking
                                  capabilities...), NULL for models it does not know */
} SyRoute;

typedef struct
{
  char       *id;              /* client-visible id (alias, prefixed variants included) */
  char       *owned_by;
  char       *display_name;
  char       *description;
  gint64      created;
  gint64      input_token_limit;
  gint64      output_token_limit;
} SyModelInfo;

/* Why sy_registry_pick() found nothing, or what it stepped around. */
typedef struct
{
  guint            n_cooling;    /* candidates cooling down */
  guint            n_disabled;   /* candidates disabled (account or model) */
  gint64           soonest_us;   /* earliest end of those cooldowns, 0 when none */
  SyFailureReason  reason;       /* the reason of that earliest cooldown */
} SyPickInfo;

typedef struct _SyRegistry SyRegistry;

/* A registry of its own pool (tests, tools). */
SyRegistry      *sy_registry_new             (SyConfig     *config);
/* The accounts' live state lives in @pool, which this syncs. */
SyRegistry      *sy_registry_new_with_pool   (SyConfig     *config,
                                              SyAccountPool *pool);
/* ...with the logged-in accounts too (SyCredential*, may be NULL). */
SyRegistry      *sy_registry_new_full        (SyConfig     *config,
                                              SyAccountPool *pool,
                                              GPtrArray    *credentials);
/* The built-in (or model-catalog) list of @provider's models, or NULL. */
JsonArray       *sy_registry_get_catalogue   (SyRegistry   *self,
                                              const char   *key);
SyAccountPool   *sy_registry_get_pool        (SyRegistry   *self);
/* oauth-model-alias and oauth-excluded-models, for OAuth accounts. */
const SyModelAliases *sy_registry_get_model_aliases (SyRegistry *self);
SyRegistry      *sy_registry_ref             (SyRegistry   *self);
void             sy_registry_unref           (SyRegistry   *self);
SyConfig        *sy_registry_get_config      (SyRegistry   *self);
const SyPayloadRules *sy_registry_get_payload_rules (SyRegistry *self);
GPtrArray       *sy_registry_get_accounts    (SyRegistry   *self);
GPtrArray       *sy_registry_get_models      (SyRegistry   *self);
const SyModelInfo *sy_registry_find_model    (SyRegistry   *self,
                                              const char   *model);
/* The models some account can serve at @now_us, in listing order: an
 * account that is enabled, with the model not disabled and not suspended
 * (a quota or transient cooldown keeps a model listed; a refused key or an
 * unknown model hides it until some account can serve it again).
 * Borrowed SyModelInfo*, free the array. */
GPtrArray       *sy_registry_list_servable   (SyRegistry   *self,
                                              gint64        now_us);
gboolean         sy_registry_is_servable     (SyRegistry   *self,
                                              const char   *model,
                                              gint64        now_us);
GPtrArray       *sy_registry_lookup          (SyRegistry   *self,
                                              const char   *model);
/* The next route to try for @model among @routes, skipping those in @tried
 * (a set of SyRoute*, may be NULL): enabled and not cooling at @now_us;
 * highest priority first; then the most quota headroom; then
 * routing.strategy (round-robin cursor per model, or fill-first). With
 * @prefer_group, accounts of that group come first; accounts of
 * @avoid_group are skipped. NULL when none is available; @info says why. */
SyRoute         *sy_registry_pick            (SyRegistry   *self,
                                              const char   *model,
                                              GPtrArray    *routes,
                                              GHashTable   *tried,
                                              const char   *prefer_group,
                                              const char   *avoid_group,
                                              gint64        now_us,
                                              SyPickInfo   *info);
/* quota-exceeded.switch-preview-model: a served model named "<model>-preview…"
 * (the thinking suffix carried over), or NULL. */
char            *sy_registry_preview_model   (SyRegistry   *self,
                                              const char   *model);
/* Enabled, and (for a login) signed in. */
gboolean         sy_account_is_usable        (const SyAccount *account);
/* CLIProxyAPI's auth_index of an account: the first 16 hex digits of the
 * SHA-256 of its id. Opaque and stable; the usage store's details and the
 * management API's /auth-files and /api-call use the same value. */
char            *sy_account_auth_index       (const char   *account_id);
/* The state key of a route's model: its upstream name without a suffix. */
char            *sy_route_model_key          (const SyRoute *route);
char            *sy_model_strip_suffix       (const char   *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyRegistry, sy_registry_unref)

G_END_DECLS
