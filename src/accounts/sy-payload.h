/* sy-payload.h: payload rules, edits to upstream request bodies per model
 *
 * config.yaml's `payload:` map (the CLIProxyAPI keys):
 *   default / default-raw     set a path when the body does not have it
 *   override / override-raw   always set it
 *   filter                    remove it
 * each a list of {models: [{name: GLOB, protocol: P}], params: {...}} (filter:
 * params is a list of paths). Paths are dotted ("generationConfig.x", "a.0.b",
 * "-1" appends to an array); for the Cloud Code envelope they are relative
 * to the inner "request". Rules run after translation and reasoning, in the
 * order default, default-raw, override, override-raw, filter; among defaults
 * the first rule that sets a path wins.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _SyPayloadRules SyPayloadRules;

/* Reads the `payload` node (NULL or JSON null: no rules). Rules that cannot
 * be used (a *-raw value that is not JSON, a rule without models or params)
 * are skipped, each with a line in @warnings (if given). */
SyPayloadRules *sy_payload_rules_new     (JsonNode       *payload,
                                          GPtrArray      *warnings);
void            sy_payload_rules_free    (SyPayloadRules *rules);
gboolean        sy_payload_rules_is_empty (const SyPayloadRules *rules);

/* The protocol name rules select on, for an upstream wire format name:
 * "gemini", "antigravity", "claude", "codex" or "openai". */

/* TRUE when some rule applies to this request (so a caller that must not
 * edit a shared body knows to copy it first). */
gboolean        sy_payload_rules_match   (const SyPayloadRules *rules,
                                          const char     *protocol,
                                          const char     *upstream_model,
                                          const char     *client_model);

/* Applies the matching rules to @body. @envelope: paths are relative to
 * body.request (Cloud Code). Returns the number of paths changed. */
guint           sy_payload_rules_apply   (const SyPayloadRules *rules,
                                          JsonObject     *body,
                                          gboolean        envelope,
                                          const char     *protocol,
                                          const char     *upstream_model,
                                          const char     *client_model);

/* Dotted-path helpers (exposed for tests). */
JsonNode       *sy_json_path_get         (JsonNode       *root,
                                          const char     *path);
gboolean        sy_json_path_set         (JsonNode       *root,
                                          const char     *path,
                                          JsonNode       *value);   /* takes a copy */
gboolean        sy_json_path_remove      (JsonNode       *root,
                                          const char     *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyPayloadRules, sy_payload_rules_free)

G_END_DECLS
