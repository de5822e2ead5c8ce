/* sy-registry.h: accounts and the models they serve, for one config snapshot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-config.h"
#include "sy-payload.h"

G_BEGIN_DECLS

typedef struct
{
  char            *id;         /* stable: "claude-api-key[0]", "openai-compatibility:name[1]" */
  char            *provider;   /* "claude", "gemini", "codex", "vertex", or compat name */
  SyUpstreamEntry *entry;      /* borrowed from the registry's config */
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

typedef struct _SyRegistry SyRegistry;

SyRegistry      *sy_registry_new             (SyConfig     *config);
SyRegistry      *sy_registry_ref             (SyRegistry   *self);
void             sy_registry_unref           (SyRegistry   *self);
SyConfig        *sy_registry_get_config      (SyRegistry   *self);
const SyPayloadRules *sy_registry_get_payload_rules (SyRegistry *self);
GPtrArray       *sy_registry_get_accounts    (SyRegistry   *self);
GPtrArray       *sy_registry_get_models      (SyRegistry   *self);
const SyModelInfo *sy_registry_find_model    (SyRegistry   *self,
                                              const char   *model);
GPtrArray       *sy_registry_lookup          (SyRegistry   *self,
                                              const char   *model);
/* Routes come highest priority first; this many share the top priority. */
guint            sy_registry_top_bucket      (GPtrArray    *routes);
guint            sy_registry_next_start      (SyRegistry   *self,
                                              const char   *model,
                                              guint         n_routes);
char            *sy_model_strip_suffix       (const char   *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyRegistry, sy_registry_unref)

G_END_DECLS
