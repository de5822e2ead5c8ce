/* sy-thinking.c: reasoning settings, resolved against what the model can do
 *
 * Families matter: a level or budget written in the upstream's own family
 * (Gemini: gemini and gemini-cli; OpenAI: chat and Responses; Claude) that
 * the model cannot take is the client's mistake and answered with 400; one
 * that comes from another family is converted and clamped, since the client
 * could not have known the upstream's range.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sy-thinking.h"

#define LEVEL_BIT(l) (1u << (l))

typedef enum
{
  FAMILY_OPENAI,
  FAMILY_CLAUDE,
  FAMILY_GEMINI,
} Family;

static Family
family_of (SyFormat format)
{
  switch (format)
    {
    case SY_FORMAT_CLAUDE:
      return FAMILY_CLAUDE;
    case SY_FORMAT_GEMINI:
    case SY_FORMAT_GEMINI_CLI:
      return FAMILY_GEMINI;
    case SY_FORMAT_OPENAI:
    case SY_FORMAT_OPENAI_RESPONSES:
    default:
      return FAMILY_OPENAI;
    }
}

void
sy_thinking_caps_from_json (JsonObject     *model,
                            SyThinkingCaps *caps)
{
  JsonObject *thinking = sy_json_get_object (model, "thinking");
  JsonArray *levels;
  gint64 value;
  guint i;

  memset (caps, 0, sizeof *caps);
  if (sy_json_get_int (model, "max_completion_tokens", &value))
    caps->max_completion_tokens = value;
  if (thinking == NULL)
    return;
  caps->supported = TRUE;
  if (sy_json_get_int (thinking, "min", &value))
    caps->min = value;
  if (sy_json_get_int (thinking, "max", &value))
    caps->max = value;
  caps->zero_allowed = sy_json_get_bool (thinking, "zero_allowed") == 1;
  caps->dynamic_allowed = sy_json_get_bool (thinking, "dynamic_allowed") == 1;
  levels = sy_json_get_array (thinking, "levels");
  for (i = 0; levels != NULL && i < json_array_get_length (levels); i++)
    {
      SyIrLevel level;
      JsonNode *node = json_array_get_element (levels, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
          sy_ir_level_from_string (json_node_get_string (node), &level))
        caps->levels |= LEVEL_BIT (level);
    }
}

gboolean
sy_thinking_split_suffix (const char *model,
                          char      **base,
                          char      **suffix)
{
  const char *open;
  gsize len;

  if (model == NULL)
    return FALSE;
  len = strlen (model);
  if (len < 3 || model[len - 1] != ')')
    return FALSE;
  open = strrchr (model, '(');
  if (open == NULL || open == model)
    return FALSE;
  if (base)
    *base = g_strndup (model, open - model);
  if (suffix)
    *suffix = g_strndup (open + 1, model + len - 1 - (open + 1));
  return TRUE;
}

/* The suffix as a reasoning setting; FALSE when it is not one. */
static gboolean
parse_suffix (const char    *suffix,
              SyIrReasoning *out)
{
  SyIrLevel level;
  char *end = NULL;
  gint64 n;

  if (g_ascii_strcasecmp (suffix, "none") == 0)
    {
      out->mode = SY_IR_REASONING_NONE;
      return TRUE;
    }
  if (g_ascii_strcasecmp (suffix, "auto") == 0 || strcmp (suffix, "-1") == 0)
    {
      out->mode = SY_IR_REASONING_AUTO;
      return TRUE;
    }
  if (sy_ir_level_from_string (suffix, &level))
    {
      out->mode = SY_IR_REASONING_LEVEL;
      out->level = level;
      return TRUE;
    }
  if (*suffix != '\0' && g_ascii_isdigit (*suffix))
    {
      n = g_ascii_strtoll (suffix, &end, 10);
      if (end != NULL && *end == '\0' && n >= 0)
        {
          out->mode = n == 0 ? SY_IR_REASONING_NONE : SY_IR_REASONING_BUDGET;
          out->budget = n;
          return TRUE;
        }
    }
  return FALSE;
}

static char *
levels_text (guint levels)
{
  GString *out = g_string_new (NULL);
  int l;

  for (l = SY_IR_LEVEL_NONE; l <= SY_IR_LEVEL_MAX; l++)
    if (levels & LEVEL_BIT (l))
      {
        if (out->len > 0)
          g_string_append (out, ", ");
        g_string_append (out, sy_ir_level_to_string (l));
      }
  return g_string_free (out, FALSE);
}

/* The supported level nearest to @level (ties: the lower one); NONE is
 * never chosen here. */
static SyIrLevel
nearest_level (guint     levels,
               SyIrLevel level)
{
  int best = -1;
  int l;

  for (l = SY_IR_LEVEL_MINIMAL; l <= SY_IR_LEVEL_MAX; l++)
    {
      if (!(levels & LEVEL_BIT (l)))
        continue;
      if (best < 0 || abs (l - (int) level) < abs (best - (int) level))
        best = l;
    }
  return best < 0 ? level : (SyIrLevel) best;
}

static SyIrLevel
lowest_level (guint levels)
{
  int l;

  for (l = SY_IR_LEVEL_MINIMAL; l <= SY_IR_LEVEL_MAX; l++)
    if (levels & LEVEL_BIT (l))
      return l;
  return SY_IR_LEVEL_LOW;
}

/* A level the model does not list: an error within its own family,
 * the nearest one otherwise. */
static gboolean
check_level (SyIrLevel            *level,
             const SyThinkingCaps *caps,
             gboolean              same_family,
             GError              **error)
{
  g_autofree char *valid = NULL;

  if (caps->levels & LEVEL_BIT (*level))
    return TRUE;
  if (!same_family)
    {
      *level = nearest_level (caps->levels, *level);
      return TRUE;
    }
  valid = levels_text (caps->levels);
  g_set_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UNSUPPORTED,
               "reasoning: level \"%s\" not supported by this model, valid levels: %s",
               sy_ir_level_to_string (*level), valid);
  return FALSE;
}

static gint64
clamp_budget (gint64                budget,
              const SyThinkingCaps *caps)
{
  if (caps->max > 0 && budget > caps->max)
    budget = caps->max;
  if (budget < caps->min)
    budget = caps->min;
  return budget;
}

/* Claude's effort names: minimal becomes low; xhigh and max become max when
 * the model has it, else high. */
static SyIrLevel
claude_effort (SyIrLevel level,
               guint     levels)
{
  switch (level)
    {
    case SY_IR_LEVEL_MINIMAL:
      return SY_IR_LEVEL_LOW;
    case SY_IR_LEVEL_XHIGH:
    case SY_IR_LEVEL_MAX:
      return (levels & LEVEL_BIT (SY_IR_LEVEL_MAX)) ? SY_IR_LEVEL_MAX : SY_IR_LEVEL_HIGH;
    default:
      return level;
    }
}

static void
set_mode (SyIrReasoning     *r,
          SyIrReasoningMode  mode)
{
  r->mode = mode;
}

static gboolean
resolve_claude (SyIrRequest          *request,
                const SyThinkingCaps *caps,
                gboolean              same_family,
                gboolean              from_suffix,
                GError              **error)
{
  SyIrReasoning *r = &request->reasoning;

  if (caps->levels != 0)
    {
      /* Adaptive models: thinking is a level (output_config.effort). */
      SyIrLevel level;

      if (r->mode == SY_IR_REASONING_NONE)
        {
          if (!caps->zero_allowed)
            {
              set_mode (r, SY_IR_REASONING_LEVEL);
              r->level = lowest_level (caps->levels);
              r->adaptive = TRUE;
            }
          return TRUE;
        }
      if (r->mode == SY_IR_REASONING_AUTO)
        level = SY_IR_LEVEL_HIGH;
      else if (r->mode == SY_IR_REASONING_BUDGET)
        level = sy_ir_budget_to_level (r->budget);
      else
        level = r->level;

      if (same_family && r->mode == SY_IR_REASONING_LEVEL)
        {
          if (!check_level (&level, caps, TRUE, error))
            return FALSE;
        }
      else
        {
          level = claude_effort (level, caps->levels);
          if (!(caps->levels & LEVEL_BIT (level)))
            level = nearest_level (caps->levels, level);
        }
      set_mode (r, SY_IR_REASONING_LEVEL);
      r->level = level;
      r->adaptive = TRUE;
      return TRUE;
    }

  /* Budget models. */
  switch (r->mode)
    {
    case SY_IR_REASONING_NONE:
      if (!caps->zero_allowed)
        {
          set_mode (r, SY_IR_REASONING_BUDGET);
          r->budget = caps->min;
        }
      break;

    case SY_IR_REASONING_AUTO:
      if (!caps->dynamic_allowed)
        {
          set_mode (r, SY_IR_REASONING_BUDGET);
          r->budget = (caps->min + caps->max) / 2;
        }
      break;

    case SY_IR_REASONING_LEVEL:
      set_mode (r, SY_IR_REASONING_BUDGET);
      r->budget = clamp_budget (sy_ir_level_to_budget (r->level), caps);
      break;

    case SY_IR_REASONING_BUDGET:
      if (same_family && !from_suffix && (r->budget < caps->min || (caps->max > 0 && r->budget > caps->max)))
        {
          g_set_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UNSUPPORTED,
                       "thinking.budget_tokens: budget %" G_GINT64_FORMAT " out of range [%"
                       G_GINT64_FORMAT ",%" G_GINT64_FORMAT "]", r->budget, caps->min, caps->max);
          return FALSE;
        }
      r->budget = clamp_budget (r->budget, caps);
      break;

    case SY_IR_REASONING_UNSET:
    default:
      break;
    }

  /* Claude wants budget_tokens below max_tokens. */
  if (r->mode == SY_IR_REASONING_BUDGET)
    {
      if (request->max_tokens == SY_IR_UNSET && caps->max_completion_tokens > 0)
        request->max_tokens = caps->max_completion_tokens;
      if (request->max_tokens != SY_IR_UNSET && r->budget >= request->max_tokens &&
          request->max_tokens - 1 >= caps->min)
        r->budget = request->max_tokens - 1;
    }
  return TRUE;
}

static gboolean
resolve_gemini (SyIrReasoning        *r,
                const SyThinkingCaps *caps,
                gboolean              same_family,
                gboolean              from_suffix,
                GError              **error)
{
  gboolean has_budget = caps->max > 0;

  switch (r->mode)
    {
    case SY_IR_REASONING_NONE:
      if (caps->zero_allowed && has_budget)
        {
          set_mode (r, SY_IR_REASONING_BUDGET);
          r->budget = 0;
        }
      else if (caps->zero_allowed)
        break;
      else if (caps->levels != 0)
        {
          /* Cannot switch it off: think as little as possible, show nothing. */
          set_mode (r, SY_IR_REASONING_LEVEL);
          r->level = lowest_level (caps->levels);
        }
      else
        {
          set_mode (r, SY_IR_REASONING_BUDGET);
          r->budget = caps->min;
        }
      r->include_thoughts = 0;
      break;

    case SY_IR_REASONING_AUTO:
      if (!caps->dynamic_allowed)
        {
          if (!has_budget)
            {
              set_mode (r, SY_IR_REASONING_LEVEL);
              r->level = nearest_level (caps->levels, SY_IR_LEVEL_MEDIUM);
            }
          else
            {
              set_mode (r, SY_IR_REASONING_BUDGET);
              r->budget = (caps->min + caps->max) / 2;
            }
        }
      break;

    case SY_IR_REASONING_LEVEL:
      if (caps->levels != 0)
        return check_level (&r->level, caps, same_family, error);
      set_mode (r, SY_IR_REASONING_BUDGET);
      r->budget = clamp_budget (sy_ir_level_to_budget (r->level), caps);
      break;

    case SY_IR_REASONING_BUDGET:
      if (!has_budget)
        {
          set_mode (r, SY_IR_REASONING_LEVEL);
          r->level = sy_ir_budget_to_level (r->budget);
          return check_level (&r->level, caps, FALSE, error);
        }
      if (same_family && !from_suffix && (r->budget < caps->min || r->budget > caps->max))
        {
          g_set_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UNSUPPORTED,
                       "thinkingConfig.thinkingBudget: budget %" G_GINT64_FORMAT
                       " out of range [%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT "]",
                       r->budget, caps->min, caps->max);
          return FALSE;
        }
      r->budget = clamp_budget (r->budget, caps);
      break;

    case SY_IR_REASONING_UNSET:
    default:
      break;
    }
  return TRUE;
}

static gboolean
resolve_openai (SyIrReasoning        *r,
                const SyThinkingCaps *caps,
                gboolean              same_family,
                GError              **error)
{
  switch (r->mode)
    {
    case SY_IR_REASONING_NONE:
      if (!caps->zero_allowed && !(caps->levels & LEVEL_BIT (SY_IR_LEVEL_NONE)))
        {
          set_mode (r, SY_IR_REASONING_LEVEL);
          r->level = caps->levels ? lowest_level (caps->levels) : SY_IR_LEVEL_MINIMAL;
        }
      break;

    case SY_IR_REASONING_AUTO:
      if (!caps->dynamic_allowed)
        {
          set_mode (r, SY_IR_REASONING_LEVEL);
          r->level = caps->levels ? nearest_level (caps->levels, SY_IR_LEVEL_MEDIUM)
                                  : sy_ir_budget_to_level ((caps->min + caps->max) / 2);
        }
      break;

    case SY_IR_REASONING_LEVEL:
      if (caps->levels != 0)
        return check_level (&r->level, caps, same_family, error);
      break;

    case SY_IR_REASONING_BUDGET:
    case SY_IR_REASONING_UNSET:
    default:
      break;
    }
  return TRUE;
}

gboolean
sy_thinking_resolve (SyIrRequest          *request,
                     const char           *model,
                     const SyThinkingCaps *caps,
                     SyFormat              client_format,
                     SyFormat              upstream_format,
                     SyUpstreamFlavor      flavor,
                     gboolean             *changed,
                     GError              **error)
{
  SyIrReasoning before = request->reasoning;
  SyIrReasoning *r = &request->reasoning;
  gint64 max_tokens_before = request->max_tokens;
  Family target = family_of (upstream_format);
  gboolean same_family = family_of (client_format) == target;
  gboolean from_suffix = FALSE;
  g_autofree char *suffix = NULL;
  gboolean ok = TRUE;

  if (changed)
    *changed = FALSE;

  if (sy_thinking_split_suffix (model, NULL, &suffix))
    {
      SyIrReasoning parsed = { 0 };

      if (parse_suffix (suffix, &parsed))
        {
          r->mode = parsed.mode;
          r->level = parsed.level;
          r->budget = parsed.budget;
          from_suffix = TRUE;
        }
    }

  /* A level named "none" is the off switch. */
  if (r->mode == SY_IR_REASONING_LEVEL && r->level == SY_IR_LEVEL_NONE)
    r->mode = SY_IR_REASONING_NONE;

  /* Codex always reasons; medium unless asked otherwise. */
  if (r->mode == SY_IR_REASONING_UNSET && flavor == SY_FLAVOR_CODEX)
    {
      r->mode = SY_IR_REASONING_LEVEL;
      r->level = SY_IR_LEVEL_MEDIUM;
    }

  if (r->mode == SY_IR_REASONING_UNSET)
    goto out;

  /* The OpenAI family speaks levels only. */
  if (target == FAMILY_OPENAI && r->mode == SY_IR_REASONING_BUDGET)
    {
      r->mode = SY_IR_REASONING_LEVEL;
      r->level = sy_ir_budget_to_level (r->budget);
    }

  if (caps == NULL)
    {
      /* Unknown model: convert to the upstream's terms, check nothing. */
      if (target == FAMILY_GEMINI && r->mode == SY_IR_REASONING_LEVEL)
        {
          r->mode = SY_IR_REASONING_BUDGET;
          r->budget = sy_ir_level_to_budget (r->level);
        }
      else if (target == FAMILY_CLAUDE && r->mode == SY_IR_REASONING_LEVEL)
        {
          r->mode = SY_IR_REASONING_BUDGET;
          r->budget = sy_ir_level_to_budget (r->level);
        }
      else if (target == FAMILY_CLAUDE && r->mode == SY_IR_REASONING_AUTO)
        {
          /* Claude needs a budget with type "enabled". */
          r->mode = SY_IR_REASONING_BUDGET;
          r->budget = sy_ir_level_to_budget (SY_IR_LEVEL_MEDIUM);
        }
      goto out;
    }

  if (!caps->supported)
    {
      /* The model does not think: drop the setting rather than fail. */
      r->mode = SY_IR_REASONING_UNSET;
      r->include_thoughts = -1;
      goto out;
    }

  switch (target)
    {
    case FAMILY_CLAUDE:
      ok = resolve_claude (request, caps, same_family, from_suffix, error);
      break;
    case FAMILY_GEMINI:
      ok = resolve_gemini (r, caps, same_family, from_suffix, error);
      break;
    case FAMILY_OPENAI:
    default:
      ok = resolve_openai (r, caps, same_family, error);
      break;
    }

out:
  if (changed)
    *changed = from_suffix || before.mode != r->mode || before.level != r->level ||
               before.budget != r->budget || before.include_thoughts != r->include_thoughts ||
               before.adaptive != r->adaptive || max_tokens_before != request->max_tokens;
  return ok;
}

/* ---------------------------------------------------------------- writing */

static JsonObject *
ensure_object (JsonObject *parent,
               const char *member)
{
  JsonObject *child = sy_json_get_object (parent, member);

  if (child == NULL)
    {
      child = json_object_new ();
      json_object_set_object_member (parent, member, child);
    }
  return child;
}

/* Open-weight models served by OpenAI-compatible servers (vLLM, SGLang,
 * their hosted APIs) switch thinking with a chat-template flag instead:
 * GLM, Qwen3 and DeepSeek V3.x take chat_template_kwargs.enable_thinking
 * (GLM also clear_thinking), MiniMax takes reasoning_split. Keyed by the
 * model name in the body. */
static void
write_open_weight_switches (JsonObject          *body,
                            const SyIrReasoning *r)
{
  const char *model = sy_json_get_string (body, "model");
  g_autofree char *lower = NULL;
  gboolean on;

  if (model == NULL || r->mode == SY_IR_REASONING_UNSET)
    return;
  lower = g_ascii_strdown (model, -1);
  on = r->mode != SY_IR_REASONING_NONE;

  if (strstr (lower, "glm") != NULL || strstr (lower, "qwen3") != NULL ||
      strstr (lower, "deepseek-v3") != NULL)
    {
      JsonObject *kwargs = sy_json_get_object (body, "chat_template_kwargs");

      if (kwargs == NULL)
        {
          kwargs = json_object_new ();
          json_object_set_object_member (body, "chat_template_kwargs", kwargs);
        }
      json_object_set_boolean_member (kwargs, "enable_thinking", on);
      if (strstr (lower, "glm") != NULL && on)
        json_object_set_boolean_member (kwargs, "clear_thinking", FALSE);
    }
  else if (strstr (lower, "minimax") != NULL)
    json_object_set_boolean_member (body, "reasoning_split", on);
}

static void
write_openai (JsonObject        *body,
              SyFormat           format,
              SyUpstreamFlavor   flavor,
              const SyIrRequest *request)
{
  const SyIrReasoning *r = &request->reasoning;
  const char *effort = NULL;

  switch (r->mode)
    {
    case SY_IR_REASONING_NONE:
      effort = "none";
      break;
    case SY_IR_REASONING_AUTO:
      effort = "auto";
      break;
    case SY_IR_REASONING_LEVEL:
      effort = sy_ir_level_to_string (r->level);
      break;
    case SY_IR_REASONING_BUDGET:
      effort = sy_ir_level_to_string (sy_ir_budget_to_level (r->budget));
      break;
    case SY_IR_REASONING_UNSET:
    default:
      if (flavor == SY_FLAVOR_CODEX)
        effort = "medium";
      break;
    }

  if (format == SY_FORMAT_OPENAI)
    {
      json_object_remove_member (body, "reasoning_effort");
      if (effort != NULL)
        json_object_set_string_member (body, "reasoning_effort", effort);
      write_open_weight_switches (body, r);
      return;
    }

  if (effort == NULL)
    {
      JsonObject *reasoning = sy_json_get_object (body, "reasoning");

      if (reasoning != NULL)
        {
          json_object_remove_member (reasoning, "effort");
          if (json_object_get_size (reasoning) == 0)
            json_object_remove_member (body, "reasoning");
        }
      return;
    }
  {
    JsonObject *reasoning = ensure_object (body, "reasoning");

    json_object_set_string_member (reasoning, "effort", effort);
    if (!json_object_has_member (reasoning, "summary"))
      json_object_set_string_member (reasoning, "summary",
                                     r->summary ? r->summary : "auto");
  }
}

static void
write_claude (JsonObject        *body,
              const SyIrRequest *request)
{
  const SyIrReasoning *r = &request->reasoning;
  JsonObject *thinking;
  JsonObject *output_config = sy_json_get_object (body, "output_config");

  json_object_remove_member (body, "thinking");
  if (output_config != NULL)
    {
      json_object_remove_member (output_config, "effort");
      if (json_object_get_size (output_config) == 0)
        json_object_remove_member (body, "output_config");
    }
  if (r->mode == SY_IR_REASONING_UNSET)
    return;

  thinking = json_object_new ();
  switch (r->mode)
    {
    case SY_IR_REASONING_NONE:
      json_object_set_string_member (thinking, "type", "disabled");
      break;
    case SY_IR_REASONING_AUTO:
      json_object_set_string_member (thinking, "type", r->adaptive ? "adaptive" : "enabled");
      break;
    case SY_IR_REASONING_LEVEL:
      if (r->adaptive)
        {
          json_object_set_string_member (thinking, "type", "adaptive");
          json_object_set_string_member (ensure_object (body, "output_config"), "effort",
                                         sy_ir_level_to_string (r->level));
        }
      else
        {
          json_object_set_string_member (thinking, "type", "enabled");
          json_object_set_int_member (thinking, "budget_tokens", sy_ir_level_to_budget (r->level));
        }
      break;
    case SY_IR_REASONING_BUDGET:
    default:
      json_object_set_string_member (thinking, "type", "enabled");
      json_object_set_int_member (thinking, "budget_tokens", r->budget);
      break;
    }
  json_object_set_object_member (body, "thinking", thinking);
  if (request->max_tokens != SY_IR_UNSET)
    json_object_set_int_member (body, "max_tokens", request->max_tokens);
}

static void
write_gemini (JsonObject        *body,
              const SyIrRequest *request)
{
  const SyIrReasoning *r = &request->reasoning;
  JsonObject *generation = sy_json_get_object (body, "generationConfig");
  JsonObject *snake = sy_json_get_object (body, "generation_config");
  JsonObject *config;
  int include;

  if (snake != NULL)
    {
      json_object_remove_member (snake, "thinkingConfig");
      json_object_remove_member (snake, "thinking_config");
    }
  if (generation != NULL)
    {
      json_object_remove_member (generation, "thinkingConfig");
      json_object_remove_member (generation, "thinking_config");
    }
  if (r->mode == SY_IR_REASONING_UNSET)
    {
      if (generation != NULL && json_object_get_size (generation) == 0)
        json_object_remove_member (body, "generationConfig");
      return;
    }

  config = json_object_new ();
  include = r->include_thoughts;
  switch (r->mode)
    {
    case SY_IR_REASONING_LEVEL:
      json_object_set_string_member (config, "thinkingLevel", sy_ir_level_to_string (r->level));
      if (include < 0)
        include = 1;
      break;
    case SY_IR_REASONING_AUTO:
      json_object_set_int_member (config, "thinkingBudget", -1);
      if (include < 0)
        include = 1;
      break;
    case SY_IR_REASONING_NONE:
      json_object_set_int_member (config, "thinkingBudget", 0);
      include = 0;
      break;
    case SY_IR_REASONING_BUDGET:
    default:
      json_object_set_int_member (config, "thinkingBudget", r->budget);
      if (include < 0)
        include = r->budget > 0;
      break;
    }
  json_object_set_boolean_member (config, "includeThoughts", include != 0);
  json_object_set_object_member (ensure_object (body, "generationConfig"), "thinkingConfig", config);
}

void
sy_thinking_write_json (JsonObject        *body,
                        SyFormat           format,
                        SyUpstreamFlavor   flavor,
                        const SyIrRequest *request)
{
  switch (format)
    {
    case SY_FORMAT_CLAUDE:
      write_claude (body, request);
      break;
    case SY_FORMAT_GEMINI:
      write_gemini (body, request);
      break;
    case SY_FORMAT_GEMINI_CLI:
      write_gemini (ensure_object (body, "request"), request);
      break;
    case SY_FORMAT_OPENAI:
    case SY_FORMAT_OPENAI_RESPONSES:
    default:
      write_openai (body, format, flavor, request);
      break;
    }
}
