/* sy-model-alias.h: oauth-model-alias and oauth-excluded-models, per channel
 *
 * config.yaml's CLIProxyAPI keys for OAuth accounts:
 *
 *   oauth-model-alias:
 *     antigravity:
 *       - name: "gemini-3-pro-high"       upstream id
 *         alias: "gemini-3-pro-preview"   client-visible id
 *         fork: false                     true: keep the original AND add the alias
 *   oauth-excluded-models:
 *     gemini-cli: ["gemini-2.5-*", "*-preview"]
 *
 * Channels: gemini-cli, vertex, aistudio, antigravity, claude, codex, qwen,
 * iflow, kimi, and xai. Neither table applies to API-key accounts. An
 * account's models are filtered by the exclusions first, then renamed by the
 * aliases (then prefixed, elsewhere). The table is immutable once built.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _SyModelAliases SyModelAliases;

/* Reads the two config nodes (NULL or JSON null: nothing configured).
 * Channel keys are lower-cased. Dropped, each with a line in @warnings (if
 * given; g_strdup'd): unknown channels, lists that are not lists, entries
 * that are not mappings, entries whose name or alias is empty or not a
 * string, entries whose name equals their alias (ignoring case), and aliases
 * a channel already has (ignoring case: the first one wins). One name may
 * have several aliases; the same alias on two channels is fine. `fork`
 * takes booleans and the strings "true"/"false". Exclusion patterns are
 * lower-cased globs where '*' matches any run of characters. */
SyModelAliases *sy_model_aliases_new         (JsonNode             *oauth_model_alias,
                                              JsonNode             *oauth_excluded_models,
                                              GPtrArray            *warnings);
void            sy_model_aliases_free        (SyModelAliases       *self);
gboolean        sy_model_aliases_is_empty    (const SyModelAliases *self);

/* The ids an OAuth account of @channel lists for its upstream model
 * @upstream_id, in order (g_strdup'd strings; never NULL; caller frees):
 * an excluded id lists nothing; an id without aliases lists itself; else
 * its aliases in config order, replacing the id, unless one of its entries
 * has fork: true, which keeps the id first. */
GPtrArray      *sy_model_aliases_list        (const SyModelAliases *self,
                                              const char           *channel,
                                              const char           *upstream_id);

/* The upstream name for a client-visible @model on @channel, or NULL when
 * @model is no alias there. The alias is matched ignoring case on the name
 * without its thinking suffix ("x(high)" → "x"), and the request's suffix
 * is carried over to the upstream name unless the configured name has its
 * own. An alias that itself ends in a suffix also matches the whole
 * @model, and then nothing is carried over. */
char           *sy_model_aliases_resolve     (const SyModelAliases *self,
                                              const char           *channel,
                                              const char           *model);

/* Whether oauth-excluded-models[@channel] removes @upstream_id (case is
 * ignored). */
gboolean        sy_model_aliases_is_excluded (const SyModelAliases *self,
                                              const char           *channel,
                                              const char           *upstream_id);

/* Whether @channel (any case) is an OAuth channel the tables may name. */
gboolean        sy_model_alias_channel_is_known (const char        *channel);

/* Exclusion globs: '*' matches any run of characters, anywhere; both sides lower-case. */
gboolean        sy_model_glob_match      (const char *pattern,
                                          const char *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyModelAliases, sy_model_aliases_free)

G_END_DECLS
