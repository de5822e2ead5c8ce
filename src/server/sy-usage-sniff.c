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

#include "sy-json-guard.h"
#include "sy-json.h"
#include "sy-json-scan.h"
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
  gint64 value;

  if (!sy_json_node_to_int64 (node, &value))
    return SY_IR_UNSET;
  return sy_ir_tokens (value);
}

static gint64
sum2 (gint64 a,
      gint64 b)
{
  if (a == SY_IR_UNSET)
    return b;
  if (b == SY_IR_UNSET)
    return a;
  return sy_ir_tokens (a + b);
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

/* -- From the text ------------------------------------------------------- */

/* The usage object under @key of @object (or of its "message" or
 * "response" object, as the sniffers look): its token, or -1. */
static int
usage_token (SyJsonScan *c,
             const char *key)
{
  int found = sy_json_scan_get_typed (c, 0, key, SY_JSON_TOK_OBJECT);

  if (found < 0)
    found = sy_json_scan_get_typed (c, sy_json_scan_get_typed (c, 0, "message", SY_JSON_TOK_OBJECT),
                                    key, SY_JSON_TOK_OBJECT);
  if (found < 0)
    found = sy_json_scan_get_typed (c, sy_json_scan_get_typed (c, 0, "response", SY_JSON_TOK_OBJECT),
                                    key, SY_JSON_TOK_OBJECT);
  return found;
}

/* The usage of a text the scanner read as one object, into @usage. */
static gboolean
sniff_scanned (SyFormat    format,
               SyJsonScan *c,
               const char *data,
               SyIrUsage  *usage)
{
  const char *key = "usage";
  int found;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  found = usage_token (c, key);
  if (found < 0)
    found = usage_token (c, key = "usageMetadata");
  if (found < 0)
    return FALSE;
  value = sy_json_read (data + SY_JSON_TOK (c, found)->start,
                        (gssize) (SY_JSON_TOK (c, found)->end - SY_JSON_TOK (c, found)->start), NULL);
  if (value == NULL)
    return FALSE;
  object = json_object_new ();
  json_object_set_member (object, key, g_steal_pointer (&value));
  root = json_node_init_object (json_node_alloc (), object);
  json_object_unref (object);
  return sy_usage_sniff (format, root, usage);
}

gboolean
sy_usage_sniff_text (SyFormat    format,
                     const char *data,
                     gsize       len,
                     SyIrUsage  *usage)
{
  SyJsonScan c;
  gboolean found = FALSE;

  if (data == NULL)
    return FALSE;
  /* The token scanner reads the whole text (and checks it) without
   * building anything; only the usage object becomes a tree. */
  sy_json_scan_init (&c);
  if (sy_json_scan_read (&c, data, len) && SY_JSON_TOK (&c, 0)->type == SY_JSON_TOK_OBJECT)
    found = sniff_scanned (format, &c, data, usage);
  sy_json_scan_clear (&c);
  return found;
}

gboolean
sy_usage_sniff_answer (SyFormat    format,
                       const char *data,
                       gsize       len,
                       SyIrUsage  *usage)
{
  SyJsonScan c;
  gboolean object;

  if (data == NULL || len == 0)
    return FALSE;
  sy_json_scan_init (&c);
  object = sy_json_scan_read (&c, data, len) && SY_JSON_TOK (&c, 0)->type == SY_JSON_TOK_OBJECT;
  if (object && usage != NULL)
    sniff_scanned (format, &c, data, usage);
  sy_json_scan_clear (&c);
  return object;
}
