/* sy-thinking.h: reasoning settings, resolved against what the model can do
 *
 * The client asks for reasoning in its own terms (an effort level, a token
 * budget, "auto", "none") in the body or as a model suffix ("model(high)",
 * "model(8192)"). Before a request is encoded for its upstream, the setting
 * is converted into the upstream's terms and checked against the model's
 * capabilities (sy_thinking_resolve), then written into the upstream body
 * (sy_thinking_write_json), which every request encoder and the
 * same-format pass-through share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-codec.h"

G_BEGIN_DECLS

typedef struct
{
  gboolean supported;        /* the model thinks at all */
  gint64   min;              /* budget range; max == 0: no budgets (levels only) */
  gint64   max;
  gboolean zero_allowed;     /* thinking can be switched off */
  gboolean dynamic_allowed;  /* "auto" / budget -1 */
  guint    levels;           /* bit (1 << SyIrLevel) per supported level; 0: budgets only */
  gint64   max_completion_tokens;
} SyThinkingCaps;

/* Reads a catalogue entry's "thinking" object (and max_completion_tokens).
 * A null or absent "thinking" gives supported = FALSE. */
void     sy_thinking_caps_from_json (JsonObject           *model,
                                     SyThinkingCaps       *caps);

/* Splits "base(suffix)" into its halves; FALSE when there is no suffix. */
gboolean sy_thinking_split_suffix   (const char           *model,
                                     char                **base,
                                     char                **suffix);

/* Resolves request->reasoning (and, for Claude, max_tokens) for the
 * upstream. @model is the model as the client wrote it (suffix included);
 * @caps NULL means an unknown or user-defined model: converted, never
 * checked. Fails with SY_TRANSLATE_ERROR_UNSUPPORTED when a level or budget
 * of the upstream's own family is out of the model's range. Returns TRUE
 * and leaves the request alone when there is nothing to do; sets *changed
 * (if given) when the request was edited. */
gboolean sy_thinking_resolve        (SyIrRequest          *request,
                                     const char           *model,
                                     const SyThinkingCaps *caps,
                                     SyFormat              client_format,
                                     SyFormat              upstream_format,
                                     SyUpstreamFlavor      flavor,
                                     gboolean             *changed,
                                     GError              **error);

/* Writes request->reasoning into an upstream body of @format, replacing
 * whatever reasoning fields the body had (Claude: also max_tokens when the
 * request sets it). UNSET removes them (Codex: writes its default). */
void     sy_thinking_write_json     (JsonObject           *body,
                                     SyFormat              format,
                                     SyUpstreamFlavor      flavor,
                                     const SyIrRequest    *request);

G_END_DECLS
