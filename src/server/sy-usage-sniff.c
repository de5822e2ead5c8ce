/* sy-usage-sniff.c: token counts from an upstream answer, without decoding it
 *
 * Where each format keeps its counts:
 *   Chat Completions  usage.{prompt_tokens, completion_tokens, total_tokens,
 *                     prompt_tokens_details.cached_tokens,
 *                     completion_tokens_details.reasoning_tokens}
 *   Responses         usage (or response.usage in stream events)
 *                     .{input_tokens, output_tokens, total_tokens,
 *                     input_tokens_details.cached_tokens,
 *                     output_tokens_details.reasoning_tokens}
 *   Messages          usage (or message.usage in message_start)
 *                     .{input_tokens, output_tokens, cache_read_input_tokens,
 *                     cache_creation_input_tokens}; input_tokens leaves the
 *                     cache out, so both cache counts are added back
 *   generateContent   usageMetadata.{promptTokenCount, candidatesTokenCount,
 *                     thoughtsTokenCount, cachedContentTokenCount,
 *                     totalTokenCount}; candidates leave thoughts out; the
 *                     Cloud Code envelope wraps it all in "response"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-json.h"
#include "sy-usage-sniff.h"

/* A member "usage" or "usageMetadata" whose value is an object: OpenAI
 * streams asked for usage carry "usage":null in every chunk but the last,
 * and those are not worth a parse. */
gboolean
sy_usage_sniff_worth_parsing (const char *data,
                              gsize       len)
{
  const char *end = data + len;
  const char *p = data;

  if (data == NULL)
    return FALSE;
  /* Every event of a relayed stream comes here: memchr for the 'u' of
   * "usage" (a rare letter in JSON punctuation and keys), then a compare;
   * g_strstr_len with a length searches byte by byte. */
  while (p < end && (p = memchr (p, 'u', (gsize) (end - p))) != NULL)
    {
      if (p == data || p[-1] != '"' || end - p < 5 || memcmp (p, "usage", 5) != 0)
        {
          p++;
          continue;
        }
      p += 5;
      if (end - p >= 8 && memcmp (p, "Metadata", 8) == 0)
        p += 8;
      if (p >= end || *p != '"')
        continue;
      p++;
      while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ':'))
        p++;
      if (p < end && *p == '{')
        return TRUE;
    }
  return FALSE;
}

static JsonObject *
object_at (JsonObject *object,
           const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gint64
int_at (JsonObject *object,
        const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return SY_IR_UNSET;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return json_node_get_int (node);
    case G_TYPE_DOUBLE:
      return (gint64) json_node_get_double (node);
    default:
      return SY_IR_UNSET;
    }
}

static gint64
sum2 (gint64 a,
      gint64 b)
{
  if (a == SY_IR_UNSET)
    return b;
  if (b == SY_IR_UNSET)
    return a;
  return a + b;
}

static gboolean
sniff_openai (JsonObject *root,
              SyIrUsage  *out)
{
  JsonObject *usage = object_at (root, "usage");

  if (usage == NULL)
    return FALSE;
  out->input_tokens = int_at (usage, "prompt_tokens");
  out->output_tokens = int_at (usage, "completion_tokens");
  out->total_tokens = int_at (usage, "total_tokens");
  out->cached_tokens = int_at (object_at (usage, "prompt_tokens_details"), "cached_tokens");
  out->reasoning_tokens = int_at (object_at (usage, "completion_tokens_details"), "reasoning_tokens");
  return TRUE;
}

static gboolean
sniff_responses (JsonObject *root,
                 SyIrUsage  *out)
{
  JsonObject *usage = object_at (root, "usage");

  if (usage == NULL)
    usage = object_at (object_at (root, "response"), "usage");
  if (usage == NULL)
    return FALSE;
  out->input_tokens = int_at (usage, "input_tokens");
  out->output_tokens = int_at (usage, "output_tokens");
  out->total_tokens = int_at (usage, "total_tokens");
  out->cached_tokens = int_at (object_at (usage, "input_tokens_details"), "cached_tokens");
  out->reasoning_tokens = int_at (object_at (usage, "output_tokens_details"), "reasoning_tokens");
  return TRUE;
}

static gboolean
sniff_claude (JsonObject *root,
              SyIrUsage  *out)
{
  JsonObject *usage = object_at (root, "usage");
  gint64 input, read, created;

  if (usage == NULL)
    usage = object_at (object_at (root, "message"), "usage");
  if (usage == NULL)
    return FALSE;
  input = int_at (usage, "input_tokens");
  read = int_at (usage, "cache_read_input_tokens");
  created = int_at (usage, "cache_creation_input_tokens");
  if (input != SY_IR_UNSET)
    out->input_tokens = sum2 (sum2 (input, read), created);
  out->output_tokens = int_at (usage, "output_tokens");
  out->cached_tokens = read;
  out->cache_creation_tokens = created;
  return TRUE;
}

static gboolean
sniff_gemini (JsonObject *root,
              SyIrUsage  *out)
{
  JsonObject *meta = object_at (root, "usageMetadata");
  gint64 thoughts;

  if (meta == NULL)
    meta = object_at (object_at (root, "response"), "usageMetadata");
  if (meta == NULL)
    return FALSE;
  thoughts = int_at (meta, "thoughtsTokenCount");
  out->input_tokens = int_at (meta, "promptTokenCount");
  out->output_tokens = sum2 (int_at (meta, "candidatesTokenCount"), thoughts);
  out->total_tokens = int_at (meta, "totalTokenCount");
  out->cached_tokens = int_at (meta, "cachedContentTokenCount");
  out->reasoning_tokens = thoughts;
  return TRUE;
}

gboolean
sy_usage_sniff (SyFormat   format,
                JsonNode  *node,
                SyIrUsage *usage)
{
  SyIrUsage found;
  JsonObject *root;
  gboolean ok = FALSE;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  root = json_node_get_object (node);
  sy_ir_usage_init (&found);
  switch (format)
    {
    case SY_FORMAT_OPENAI:
      ok = sniff_openai (root, &found);
      break;
    case SY_FORMAT_OPENAI_RESPONSES:
      ok = sniff_responses (root, &found);
      break;
    case SY_FORMAT_CLAUDE:
      ok = sniff_claude (root, &found);
      break;
    case SY_FORMAT_GEMINI:
    case SY_FORMAT_GEMINI_CLI:
      ok = sniff_gemini (root, &found);
      break;
    default:
      break;
    }
  if (ok)
    sy_ir_usage_merge (usage, &found);
  return ok;
}

/* -- Skimming ------------------------------------------------------------ */

typedef struct
{
  const char *p;
  const char *end;
} Skim;

static void
skim_ws (Skim *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

/* Past a string whose opening quote is at s->p; FALSE when unterminated. */
static gboolean
skim_string (Skim *s)
{
  for (s->p++; s->p < s->end; s->p++)
    {
      if (*s->p == '\\')
        s->p++;
      else if (*s->p == '"')
        {
          s->p++;
          return TRUE;
        }
    }
  return FALSE;
}

/* Past one value of any kind (its syntax is the full reader's business). */
static gboolean
skim_value (Skim *s)
{
  guint depth = 0;

  skim_ws (s);
  if (s->p >= s->end)
    return FALSE;
  if (*s->p == '"')
    return skim_string (s);
  if (*s->p != '{' && *s->p != '[')
    {
      while (s->p < s->end && *s->p != ',' && *s->p != '}' && *s->p != ']')
        s->p++;
      return s->p < s->end;
    }
  while (s->p < s->end)
    {
      switch (*s->p)
        {
        case '"':
          if (!skim_string (s))
            return FALSE;
          continue;
        case '{':
        case '[':
          depth++;
          break;
        case '}':
        case ']':
          if (--depth == 0)
            {
              s->p++;
              return TRUE;
            }
          break;
        default:
          break;
        }
      s->p++;
    }
  return FALSE;
}

typedef struct
{
  const char *start;   /* the value's text; NULL: not found */
  gsize       len;
  const char *key;     /* "usage" or "usageMetadata" */
} Found;

static gboolean
key_is (const char *key_start,
        const char *key_end,
        const char *name)
{
  gsize n = strlen (name);

  return (gsize) (key_end - key_start) == n && memcmp (key_start, name, n) == 0;
}

/* The members of the object at s->p: usage found directly goes to @top;
 * with @descend, usage of a "message" or "response" object to @nested. */
static gboolean
skim_object (Skim    *s,
             gboolean descend,
             Found   *top,
             Found   *nested)
{
  skim_ws (s);
  if (s->p >= s->end || *s->p != '{')
    return FALSE;
  s->p++;
  for (;;)
    {
      const char *key_start, *key_end;

      skim_ws (s);
      if (s->p < s->end && *s->p == '}')
        return TRUE;
      if (s->p >= s->end || *s->p != '"')
        return FALSE;
      key_start = s->p + 1;
      if (!skim_string (s))
        return FALSE;
      key_end = s->p - 1;
      skim_ws (s);
      if (s->p >= s->end || *s->p != ':')
        return FALSE;
      s->p++;
      skim_ws (s);
      if (s->p < s->end && *s->p == '{' && top->start == NULL &&
          (key_is (key_start, key_end, "usage") || key_is (key_start, key_end, "usageMetadata")))
        {
          top->start = s->p;
          top->key = key_is (key_start, key_end, "usage") ? "usage" : "usageMetadata";
          if (!skim_value (s))
            return FALSE;
          top->len = (gsize) (s->p - top->start);
        }
      else if (descend && s->p < s->end && *s->p == '{' && nested->start == NULL &&
               (key_is (key_start, key_end, "message") || key_is (key_start, key_end, "response")))
        {
          Found none = { NULL, 0, NULL };

          if (!skim_object (s, FALSE, nested, &none))
            return FALSE;
          s->p++;   /* its closing brace */
        }
      else if (!skim_value (s))
        return FALSE;
      skim_ws (s);
      if (s->p < s->end && *s->p == ',')
        {
          s->p++;
          continue;
        }
      return s->p < s->end && *s->p == '}';
    }
}

gboolean
sy_usage_sniff_text (SyFormat    format,
                     const char *data,
                     gsize       len,
                     SyIrUsage  *usage)
{
  Skim s = { data, data + len };
  Found top = { NULL, 0, NULL }, nested = { NULL, 0, NULL };
  const Found *use;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  if (data == NULL || !skim_object (&s, TRUE, &top, &nested))
    return FALSE;
  /* The top level's own usage first, as the sniffers read the document. */
  use = top.start != NULL ? &top : &nested;
  if (use->start == NULL)
    return FALSE;
  value = sy_json_read (use->start, (gssize) use->len, NULL);
  if (value == NULL)
    return FALSE;
  object = json_object_new ();
  json_object_set_member (object, use->key, g_steal_pointer (&value));
  root = json_node_init_object (json_node_alloc (), object);
  json_object_unref (object);
  return sy_usage_sniff (format, root, usage);
}
