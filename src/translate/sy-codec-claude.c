/* sy-codec-claude.c: the Claude Messages codec
 *
 * Reads Claude Messages requests (and count_tokens bodies), whole answers
 * and event streams into the IR, and writes the IR back out: requests and
 * count_tokens bodies for Claude upstreams, answers and event streams for
 * Claude clients.
 *
 * What Claude insists on and the encoders therefore guarantee: strict
 * user/assistant alternation starting with a user turn, tool results first
 * in their user turn, tool ids of [A-Za-z0-9_-] only, and thinking blocks
 * only with signatures Claude made itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-translate"

#include "config.h"

#include <string.h>

#include "sy-codec.h"
#include "sy-json.h"

#define CLAUDE_DEFAULT_MAX_TOKENS 32000
#define CLAUDE_MAX_TOOL_NAME      128

/* -------------------------------------------------------------- helpers */

/* A member that is present and not null, else NULL. */
static JsonNode *
member (JsonObject *object,
        const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

static char *
path_join (const char *path,
           const char *name)
{
  if (path == NULL || *path == '\0')
    return g_strdup (name);
  return g_strdup_printf ("%s.%s", path, name);
}

static gboolean
bad_type (GError    **error,
          const char *path,
          const char *name,
          const char *expected)
{
  g_autofree char *where = path_join (path, name);

  return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: expected %s", where, expected);
}

static gboolean
is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/* The typed readers below leave *out unset (NULL, SY_IR_UNSET, -1) when the
 * member is absent or null, and fail naming the field when it has the
 * wrong type. */
static gboolean
opt_string (JsonObject  *object,
            const char  *name,
            const char  *path,
            const char **out,
            GError     **error)
{
  JsonNode *node = member (object, name);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!is_string (node))
    return bad_type (error, path, name, "a string");
  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
opt_int (JsonObject  *object,
         const char  *name,
         const char  *path,
         gint64      *out,
         GError     **error)
{
  JsonNode *node = member (object, name);

  *out = SY_IR_UNSET;
  if (node == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType type = json_node_get_value_type (node);

      if (type == G_TYPE_INT64)
        {
          *out = json_node_get_int (node);
          return TRUE;
        }
      if (type == G_TYPE_DOUBLE)
        {
          double value = json_node_get_double (node);

          if (value > -9.0e15 && value < 9.0e15 && (double) (gint64) value == value)
            {
              *out = (gint64) value;
              return TRUE;
            }
        }
    }
  return bad_type (error, path, name, "an integer");
}

static gboolean
opt_number (JsonObject  *object,
            const char  *name,
            const char  *path,
            gboolean    *has,
            double      *out,
            GError     **error)
{
  JsonNode *node = member (object, name);
  GType type;

  *has = FALSE;
  if (node == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node))
    {
      type = json_node_get_value_type (node);
      if (type == G_TYPE_INT64 || type == G_TYPE_DOUBLE)
        {
          *out = json_node_get_double (node);
          *has = TRUE;
          return TRUE;
        }
    }
  return bad_type (error, path, name, "a number");
}

static gboolean
opt_bool (JsonObject  *object,
          const char  *name,
          const char  *path,
          int         *out,
          GError     **error)
{
  JsonNode *node = member (object, name);

  *out = -1;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return bad_type (error, path, name, "a boolean");
  *out = json_node_get_boolean (node) ? 1 : 0;
  return TRUE;
}

static gboolean
opt_object (JsonObject  *object,
            const char  *name,
            const char  *path,
            JsonObject **out,
            GError     **error)
{
  JsonNode *node = member (object, name);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return bad_type (error, path, name, "an object");
  *out = json_node_get_object (node);
  return TRUE;
}

static gboolean
opt_array (JsonObject  *object,
           const char  *name,
           const char  *path,
           JsonArray  **out,
           GError     **error)
{
  JsonNode *node = member (object, name);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return bad_type (error, path, name, "an array");
  *out = json_node_get_array (node);
  return TRUE;
}

static JsonNode *
object_node (JsonObject *object)    /* takes ownership */
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

/* Compact JSON text of an object member, "{}" unless it is an object. */
static char *
arguments_from_input (JsonNode *input)
{
  if (input == NULL || !JSON_NODE_HOLDS_OBJECT (input))
    return g_strdup ("{}");
  return sy_json_to_string (input);
}

/* The arguments text as an object, {} when it is not one. */
static JsonNode *
input_from_arguments (const char *arguments)
{
  g_autoptr(JsonNode) parsed = NULL;

  if (arguments != NULL && *arguments != '\0')
    parsed = sy_json_parse (arguments, -1, NULL);
  if (parsed != NULL && JSON_NODE_HOLDS_OBJECT (parsed))
    return g_steal_pointer (&parsed);
  return object_node (json_object_new ());
}

static gboolean
id_char_ok (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-';
}

/* Claude accepts tool ids of [A-Za-z0-9_-] only: every other byte becomes
 * '_'. The same function serves tool_use.id and tool_result.tool_use_id,
 * so a call and its result still match. A missing id gets a fresh one. */
static char *
claude_tool_id (SyTranslateCtx *ctx,
                const char     *id)
{
  char *out;
  char *p;

  if (id == NULL || *id == '\0')
    return sy_translate_ctx_new_id (ctx, "toolu_");
  out = g_strdup (id);
  for (p = out; *p; p++)
    if (!id_char_ok (*p))
      *p = '_';
  return out;
}

/* Claude tool names are [A-Za-z0-9_-]{1,128}. Names from clients of other
 * formats (Gemini allows '.' and ':') are renamed and the rename recorded,
 * so answers carry the client's name again. */
static const char *
claude_tool_name (SyTranslateCtx *ctx,
                  const char     *name)
{
  g_autofree char *renamed = NULL;
  gsize len;
  gsize i;

  if (name == NULL)
    return "";
  len = strlen (name);
  for (i = 0; i < len && id_char_ok (name[i]); i++)
    ;
  if (len > 0 && i == len && len <= CLAUDE_MAX_TOOL_NAME)
    return name;

  renamed = g_strndup (name, MIN (len, (gsize) CLAUDE_MAX_TOOL_NAME));
  for (i = 0; renamed[i]; i++)
    if (!id_char_ok (renamed[i]))
      renamed[i] = '_';
  if (*renamed == '\0')
    {
      g_free (renamed);
      renamed = g_strdup ("tool");
    }
  sy_translate_ctx_add_tool_name (ctx, name, renamed);
  return sy_translate_ctx_upstream_tool_name (ctx, name);
}

static SyIrFinish
finish_from_claude (const char *reason)
{
  if (reason == NULL)
    return SY_IR_FINISH_UNSET;
  if (strcmp (reason, "end_turn") == 0 || strcmp (reason, "pause_turn") == 0)
    return SY_IR_FINISH_STOP;
  if (strcmp (reason, "max_tokens") == 0 ||
      strcmp (reason, "model_context_window_exceeded") == 0)
    return SY_IR_FINISH_LENGTH;
  if (strcmp (reason, "tool_use") == 0)
    return SY_IR_FINISH_TOOL_CALLS;
  if (strcmp (reason, "stop_sequence") == 0)
    return SY_IR_FINISH_STOP_SEQUENCE;
  if (strcmp (reason, "refusal") == 0)
    return SY_IR_FINISH_CONTENT_FILTER;
  return SY_IR_FINISH_STOP;
}

/* A natural end of an answer that called tools is a tool_use stop for
 * Claude clients, whatever the upstream said (Gemini says STOP). */
static const char *
finish_to_claude (SyIrFinish finish,
                  gboolean   has_tool_calls)
{
  switch (finish)
    {
    case SY_IR_FINISH_LENGTH:         return "max_tokens";
    case SY_IR_FINISH_STOP_SEQUENCE:  return "stop_sequence";
    case SY_IR_FINISH_CONTENT_FILTER: return "refusal";
    case SY_IR_FINISH_TOOL_CALLS:     return "tool_use";
    case SY_IR_FINISH_UNSET:
    case SY_IR_FINISH_STOP:
    case SY_IR_FINISH_ERROR:
    default:
      return has_tool_calls ? "tool_use" : "end_turn";
    }
}

/* Claude's usage fields to the IR: the IR's input counts every prompt
 * token, Claude's input_tokens only the uncached ones. */
static void
usage_to_ir (gint64     input,
             gint64     output,
             gint64     creation,
             gint64     cache_read,
             SyIrUsage *usage)
{
  sy_ir_usage_init (usage);
  if (input != SY_IR_UNSET || creation != SY_IR_UNSET || cache_read != SY_IR_UNSET)
    usage->input_tokens = sy_ir_tokens ((input != SY_IR_UNSET ? input : 0) +
                                        (creation != SY_IR_UNSET ? creation : 0) +
                                        (cache_read != SY_IR_UNSET ? cache_read : 0));
  usage->output_tokens = output;
  usage->cached_tokens = cache_read;
  usage->cache_creation_tokens = creation;
  if (usage->input_tokens != SY_IR_UNSET && output != SY_IR_UNSET)
    usage->total_tokens = sy_ir_tokens (usage->input_tokens + output);
}

static void
read_claude_usage (JsonObject *object,
                   gint64     *input,
                   gint64     *output,
                   gint64     *creation,
                   gint64     *cache_read)
{
  gint64 value;

  if (object == NULL)
    return;
  if (sy_json_get_int (object, "input_tokens", &value))
    *input = sy_ir_tokens (value);
  if (sy_json_get_int (object, "output_tokens", &value))
    *output = sy_ir_tokens (value);
  if (sy_json_get_int (object, "cache_creation_input_tokens", &value))
    *creation = sy_ir_tokens (value);
  if (sy_json_get_int (object, "cache_read_input_tokens", &value))
    *cache_read = sy_ir_tokens (value);
}

/* The IR usage as Claude's usage object. @always: input_tokens and
 * output_tokens are required fields (0 when unknown). */
static void
write_usage (JsonObject      *object,
             const SyIrUsage *usage,
             gboolean         always)
{
  gint64 input = usage->input_tokens;

  if (input != SY_IR_UNSET)
    {
      if (usage->cached_tokens != SY_IR_UNSET)
        input -= usage->cached_tokens;
      if (usage->cache_creation_tokens != SY_IR_UNSET)
        input -= usage->cache_creation_tokens;
      json_object_set_int_member (object, "input_tokens", MAX (input, 0));
    }
  else if (always)
    json_object_set_int_member (object, "input_tokens", 0);

  if (usage->output_tokens != SY_IR_UNSET)
    json_object_set_int_member (object, "output_tokens", usage->output_tokens);
  else
    json_object_set_int_member (object, "output_tokens", 0);

  if (usage->cache_creation_tokens != SY_IR_UNSET)
    json_object_set_int_member (object, "cache_creation_input_tokens", usage->cache_creation_tokens);
  if (usage->cached_tokens != SY_IR_UNSET)
    json_object_set_int_member (object, "cache_read_input_tokens", usage->cached_tokens);
}

static guint
status_from_error_type (const char *type)
{
  static const struct { const char *type; guint status; } table[] = {
    { "invalid_request_error", 400 },
    { "authentication_error", 401 },
    { "billing_error", 402 },
    { "permission_error", 403 },
    { "not_found_error", 404 },
    { "request_too_large", 413 },
    { "rate_limit_error", 429 },
    { "api_error", 500 },
    { "timeout_error", 504 },
    { "overloaded_error", 529 },
  };
  guint i;

  if (type == NULL)
    return 500;
  for (i = 0; i < G_N_ELEMENTS (table); i++)
    if (strcmp (table[i].type, type) == 0)
      return table[i].status;
  return 500;
}

static const char *
error_type_from_status (guint status)
{
  switch (status)
    {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 503:
    case 529: return "overloaded_error";
    default:  return "api_error";
    }
}

/* ------------------------------------------------------ request decoding */

static gboolean
decode_source (JsonObject *block,
               SyIrPart   *part,
               const char *path,
               GError    **error)
{
  g_autofree char *source_path = path_join (path, "source");
  JsonObject *source;
  const char *type;
  const char *media_type;
  const char *data;
  const char *url;

  if (!opt_object (block, "source", path, &source, error))
    return FALSE;
  if (source == NULL)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: missing", source_path);
  if (!opt_string (source, "type", source_path, &type, error) ||
      !opt_string (source, "media_type", source_path, &media_type, error) ||
      !opt_string (source, "data", source_path, &data, error) ||
      !opt_string (source, "url", source_path, &url, error))
    return FALSE;

  if (g_strcmp0 (type, "base64") == 0)
    {
      if (data == NULL)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.data: missing", source_path);
      part->data = g_strdup (data);
      part->mime_type = g_strdup (media_type ? media_type :
                                  part->type == SY_IR_PART_DOCUMENT ? "application/pdf" : "image/png");
      return TRUE;
    }
  if (g_strcmp0 (type, "url") == 0)
    {
      if (url == NULL)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.url: missing", source_path);
      part->url = g_strdup (url);
      part->mime_type = g_strdup (media_type);
      return TRUE;
    }
  if (g_strcmp0 (type, "text") == 0 && part->type == SY_IR_PART_DOCUMENT)
    {
      /* Plain-text documents travel base64-encoded like any other file. */
      if (data == NULL)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.data: missing", source_path);
      part->data = g_base64_encode ((const guchar *) data, strlen (data));
      part->mime_type = g_strdup (media_type ? media_type : "text/plain");
      return TRUE;
    }
  return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.type: unsupported source type \"%s\"",
                            source_path, type ? type : "(none)");
}

static SyIrPart *decode_block (JsonNode   *node,
                               const char *path,
                               gboolean    in_tool_result,
                               GError    **error);

static gboolean
decode_tool_result_content (JsonObject *block,
                            SyIrPart   *part,
                            const char *path,
                            GError    **error)
{
  JsonNode *content = member (block, "content");
  g_autofree char *content_path = path_join (path, "content");
  JsonArray *array;
  guint i;

  part->content = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
  if (content == NULL)
    return TRUE;
  if (is_string (content))
    {
      g_ptr_array_add (part->content, sy_ir_part_new_text (json_node_get_string (content)));
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (content))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: expected a string or an array", content_path);

  array = json_node_get_array (content);
  for (i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *item_path = g_strdup_printf ("%s[%u]", content_path, i);
      SyIrPart *item = decode_block (json_array_get_element (array, i), item_path, TRUE, error);

      if (item == NULL)
        return FALSE;
      g_ptr_array_add (part->content, item);
    }
  return TRUE;
}

/* One content block. Inside a tool_result only text, image and document
 * blocks are allowed. cache_control and citations are dropped. */
static SyIrPart *
decode_block (JsonNode   *node,
              const char *path,
              gboolean    in_tool_result,
              GError    **error)
{
  g_autoptr(SyIrPart) part = NULL;
  JsonObject *block;
  const char *type;
  const char *text;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: expected an object", path);
      return NULL;
    }
  block = json_node_get_object (node);
  if (!opt_string (block, "type", path, &type, error))
    return NULL;
  if (type == NULL)
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.type: missing", path);
      return NULL;
    }

  if (strcmp (type, "text") == 0)
    {
      if (!opt_string (block, "text", path, &text, error))
        return NULL;
      if (text == NULL)
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.text: missing", path);
          return NULL;
        }
      return sy_ir_part_new_text (text);
    }

  if (strcmp (type, "image") == 0 || strcmp (type, "document") == 0)
    {
      const char *title = NULL;

      part = sy_ir_part_new (type[0] == 'i' ? SY_IR_PART_IMAGE : SY_IR_PART_DOCUMENT);
      if (!decode_source (block, part, path, error))
        return NULL;
      if (part->type == SY_IR_PART_DOCUMENT)
        {
          if (!opt_string (block, "title", path, &title, error))
            return NULL;
          part->filename = g_strdup (title);
        }
      return g_steal_pointer (&part);
    }

  if (in_tool_result)
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                         "%s.type: \"%s\" blocks are not allowed in a tool_result", path, type);
      return NULL;
    }

  if (strcmp (type, "tool_use") == 0)
    {
      const char *id;
      const char *name;

      if (!opt_string (block, "id", path, &id, error) ||
          !opt_string (block, "name", path, &name, error))
        return NULL;
      if (name == NULL)
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.name: missing", path);
          return NULL;
        }
      part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
      part->id = g_strdup (id);
      part->name = g_strdup (name);
      part->arguments = arguments_from_input (member (block, "input"));
      return g_steal_pointer (&part);
    }

  if (strcmp (type, "tool_result") == 0)
    {
      const char *id;
      int is_error;

      if (!opt_string (block, "tool_use_id", path, &id, error) ||
          !opt_bool (block, "is_error", path, &is_error, error))
        return NULL;
      if (id == NULL)
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.tool_use_id: missing", path);
          return NULL;
        }
      part = sy_ir_part_new (SY_IR_PART_TOOL_RESULT);
      part->tool_call_id = g_strdup (id);
      part->is_error = is_error == 1;
      if (!decode_tool_result_content (block, part, path, error))
        return NULL;
      return g_steal_pointer (&part);
    }

  if (strcmp (type, "thinking") == 0)
    {
      const char *signature;

      if (!opt_string (block, "thinking", path, &text, error) ||
          !opt_string (block, "signature", path, &signature, error))
        return NULL;
      part = sy_ir_part_new (SY_IR_PART_THINKING);
      part->text = g_strdup (text ? text : "");
      if (signature != NULL && *signature != '\0')
        part->signature = sy_ir_signature_import (signature, "claude");
      return g_steal_pointer (&part);
    }

  if (strcmp (type, "redacted_thinking") == 0)
    {
      const char *data;

      if (!opt_string (block, "data", path, &data, error))
        return NULL;
      if (data == NULL)
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.data: missing", path);
          return NULL;
        }
      part = sy_ir_part_new (SY_IR_PART_THINKING);
      part->redacted = TRUE;
      part->data = g_strdup (data);
      return g_steal_pointer (&part);
    }

  sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.type: unknown block type \"%s\"", path, type);
  return NULL;
}

static gboolean
decode_system (SyIrRequest *request,
               JsonNode    *system,
               GError     **error)
{
  JsonArray *array;
  guint i;

  if (is_string (system))
    {
      const char *text = json_node_get_string (system);

      if (*text != '\0')
        g_ptr_array_add (request->system, sy_ir_part_new_text (text));
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (system))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "system: expected a string or an array");

  array = json_node_get_array (system);
  for (i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autofree char *path = g_strdup_printf ("system[%u]", i);
      const char *type;
      const char *text;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: expected an object", path);
      if (!opt_string (json_node_get_object (node), "type", path, &type, error) ||
          !opt_string (json_node_get_object (node), "text", path, &text, error))
        return FALSE;
      if (g_strcmp0 (type, "text") != 0)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.type: only text blocks are allowed", path);
      if (text == NULL)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.text: missing", path);
      g_ptr_array_add (request->system, sy_ir_part_new_text (text));
    }
  return TRUE;
}

static gboolean
decode_messages (SyIrRequest *request,
                 JsonArray   *messages,
                 GError     **error)
{
  guint i;
  guint j;

  for (i = 0; i < json_array_get_length (messages); i++)
    {
      JsonNode *node = json_array_get_element (messages, i);
      g_autofree char *path = g_strdup_printf ("messages[%u]", i);
      SyIrMessage *message;
      JsonObject *object;
      JsonNode *content;
      const char *role;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: expected an object", path);
      object = json_node_get_object (node);
      if (!opt_string (object, "role", path, &role, error))
        return FALSE;
      if (g_strcmp0 (role, "user") != 0 && g_strcmp0 (role, "assistant") != 0)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                  "%s.role: expected \"user\" or \"assistant\"", path);

      content = member (object, "content");
      if (content == NULL)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.content: missing", path);
      if (!is_string (content) && !JSON_NODE_HOLDS_ARRAY (content))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                  "%s.content: expected a string or an array", path);

      message = sy_ir_request_add_message (request, role[0] == 'u' ? SY_IR_ROLE_USER
                                                                  : SY_IR_ROLE_ASSISTANT);
      if (is_string (content))
        {
          sy_ir_message_add (message, sy_ir_part_new_text (json_node_get_string (content)));
          continue;
        }
      for (j = 0; j < json_array_get_length (json_node_get_array (content)); j++)
        {
          g_autofree char *block_path = g_strdup_printf ("%s.content[%u]", path, j);
          SyIrPart *part = decode_block (json_array_get_element (json_node_get_array (content), j),
                                         block_path, FALSE, error);

          if (part == NULL)
            return FALSE;
          sy_ir_message_add (message, part);
        }
    }
  return TRUE;
}

static gboolean
decode_tools (SyIrRequest *request,
              JsonArray   *tools,
              GError     **error)
{
  guint i;

  for (i = 0; i < json_array_get_length (tools); i++)
    {
      JsonNode *node = json_array_get_element (tools, i);
      g_autofree char *path = g_strdup_printf ("tools[%u]", i);
      JsonObject *object;
      const char *type;
      const char *name;
      const char *description;
      JsonObject *schema;
      SyIrTool *tool;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: expected an object", path);
      object = json_node_get_object (node);
      if (!opt_string (object, "type", path, &type, error) ||
          !opt_string (object, "name", path, &name, error) ||
          !opt_string (object, "description", path, &description, error))
        return FALSE;

      if (type == NULL || strcmp (type, "custom") == 0)
        {
          if (!opt_object (object, "input_schema", path, &schema, error))
            return FALSE;
          if (name == NULL)
            return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.name: missing", path);
          tool = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
          tool->name = g_strdup (name);
          tool->description = g_strdup (description);
          if (schema != NULL)
            tool->parameters = json_node_copy (member (object, "input_schema"));
        }
      else
        {
          /* Server tools (web_search_20250305, bash_20250124, ...) keep
           * their whole object; web search has an IR meaning. */
          tool = sy_ir_tool_new (g_str_has_prefix (type, "web_search_") ? SY_IR_TOOL_WEB_SEARCH
                                                                         : SY_IR_TOOL_OTHER);
          tool->name = g_strdup (name ? name : type);
          tool->raw = json_node_copy (node);
          tool->raw_format = SY_FORMAT_CLAUDE;
        }
      g_ptr_array_add (request->tools, tool);
    }
  return TRUE;
}

static gboolean
decode_tool_choice (SyIrRequest *request,
                    JsonObject  *choice,
                    GError     **error)
{
  const char *type;
  const char *name;
  int disable;

  if (!opt_string (choice, "type", "tool_choice", &type, error) ||
      !opt_string (choice, "name", "tool_choice", &name, error) ||
      !opt_bool (choice, "disable_parallel_tool_use", "tool_choice", &disable, error))
    return FALSE;

  if (g_strcmp0 (type, "auto") == 0)
    request->tool_choice = SY_IR_TOOL_CHOICE_AUTO;
  else if (g_strcmp0 (type, "any") == 0)
    request->tool_choice = SY_IR_TOOL_CHOICE_REQUIRED;
  else if (g_strcmp0 (type, "none") == 0)
    request->tool_choice = SY_IR_TOOL_CHOICE_NONE;
  else if (g_strcmp0 (type, "tool") == 0)
    {
      if (name == NULL)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "tool_choice.name: missing");
      request->tool_choice = SY_IR_TOOL_CHOICE_NAMED;
      request->tool_choice_name = g_strdup (name);
    }
  else
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                              "tool_choice.type: expected \"auto\", \"any\", \"tool\" or \"none\"");

  if (disable == 1)
    request->parallel_tool_calls = 0;
  return TRUE;
}

static gboolean
decode_effort (JsonObject *output_config,
               SyIrLevel  *level,
               gboolean   *has,
               GError    **error)
{
  const char *effort;

  *has = FALSE;
  if (output_config == NULL)
    return TRUE;
  if (!opt_string (output_config, "effort", "output_config", &effort, error))
    return FALSE;
  if (effort == NULL)
    return TRUE;
  if (!sy_ir_level_from_string (effort, level))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                              "output_config.effort: unknown effort \"%s\"", effort);
  *has = TRUE;
  return TRUE;
}

static void
set_level (SyIrReasoning *reasoning,
           SyIrLevel      level)
{
  if (level == SY_IR_LEVEL_NONE)
    reasoning->mode = SY_IR_REASONING_NONE;
  else
    {
      reasoning->mode = SY_IR_REASONING_LEVEL;
      reasoning->level = level;
    }
}

static gboolean
decode_thinking (SyIrRequest *request,
                 JsonObject  *thinking,
                 JsonObject  *output_config,
                 GError     **error)
{
  SyIrReasoning *reasoning = &request->reasoning;
  SyIrLevel level = SY_IR_LEVEL_MEDIUM;
  gboolean has_effort;
  const char *type;
  gint64 budget;

  if (!decode_effort (output_config, &level, &has_effort, error))
    return FALSE;

  if (thinking == NULL)
    {
      /* effort alone still says how hard the model should work */
      if (has_effort)
        set_level (reasoning, level);
      return TRUE;
    }

  if (!opt_string (thinking, "type", "thinking", &type, error) ||
      !opt_int (thinking, "budget_tokens", "thinking", &budget, error))
    return FALSE;

  if (g_strcmp0 (type, "disabled") == 0)
    reasoning->mode = SY_IR_REASONING_NONE;
  else if (g_strcmp0 (type, "enabled") == 0)
    {
      if (budget == SY_IR_UNSET || budget == -1)
        reasoning->mode = SY_IR_REASONING_AUTO;
      else if (budget == 0)
        reasoning->mode = SY_IR_REASONING_NONE;
      else if (budget > 0)
        {
          reasoning->mode = SY_IR_REASONING_BUDGET;
          reasoning->budget = budget;
        }
      else
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                  "thinking.budget_tokens: expected a positive integer");
    }
  else if (g_strcmp0 (type, "adaptive") == 0 || g_strcmp0 (type, "auto") == 0)
    {
      /* Claude's effort defaults to high when adaptive thinking names none. */
      set_level (reasoning, has_effort ? level : SY_IR_LEVEL_HIGH);
    }
  else
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                              "thinking.type: expected \"enabled\", \"disabled\" or \"adaptive\"");
  return TRUE;
}

/* Structured output: output_format (beta) or output_config.format. */
static gboolean
decode_output_format (SyIrRequest *request,
                      JsonObject  *format,
                      const char  *path,
                      GError     **error)
{
  const char *type;
  JsonObject *schema;

  if (!opt_string (format, "type", path, &type, error) ||
      !opt_object (format, "schema", path, &schema, error))
    return FALSE;
  if (g_strcmp0 (type, "json_schema") != 0)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.type: expected \"json_schema\"", path);
  if (schema == NULL)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.schema: missing", path);
  request->response_format = SY_IR_RESPONSE_FORMAT_JSON_SCHEMA;
  g_clear_pointer (&request->response_schema, json_node_unref);
  request->response_schema = json_node_copy (member (format, "schema"));
  return TRUE;
}

static SyIrRequest *
claude_decode_request (JsonNode        *body,
                       SyTranslateCtx  *ctx,
                       GError         **error)
{
  g_autoptr(SyIrRequest) request = NULL;
  JsonObject *root;
  JsonNode *system;
  JsonArray *messages;
  JsonArray *tools;
  JsonArray *stop;
  JsonObject *choice;
  JsonObject *thinking;
  JsonObject *output_config;
  JsonObject *output_format;
  JsonObject *config_format = NULL;
  JsonObject *metadata;
  const char *model;
  int stream;
  guint i;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "request body: expected a JSON object");
      return NULL;
    }
  root = json_node_get_object (body);
  request = sy_ir_request_new ();

  if (!opt_string (root, "model", NULL, &model, error) ||
      !opt_bool (root, "stream", NULL, &stream, error) ||
      !opt_array (root, "messages", NULL, &messages, error) ||
      !opt_array (root, "tools", NULL, &tools, error) ||
      !opt_object (root, "tool_choice", NULL, &choice, error) ||
      !opt_int (root, "max_tokens", NULL, &request->max_tokens, error) ||
      !opt_number (root, "temperature", NULL, &request->has_temperature, &request->temperature, error) ||
      !opt_number (root, "top_p", NULL, &request->has_top_p, &request->top_p, error) ||
      !opt_int (root, "top_k", NULL, &request->top_k, error) ||
      !opt_array (root, "stop_sequences", NULL, &stop, error) ||
      !opt_object (root, "thinking", NULL, &thinking, error) ||
      !opt_object (root, "output_config", NULL, &output_config, error) ||
      !opt_object (root, "output_format", NULL, &output_format, error) ||
      !opt_object (root, "metadata", NULL, &metadata, error))
    return NULL;
  if (output_config != NULL &&
      !opt_object (output_config, "format", "output_config", &config_format, error))
    return NULL;

  if (messages == NULL)
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "messages: missing");
      return NULL;
    }
  if (request->max_tokens != SY_IR_UNSET && request->max_tokens <= 0)
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "max_tokens: expected a positive integer");
      return NULL;
    }
  if (request->top_k != SY_IR_UNSET && request->top_k < 0)
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "top_k: expected a non-negative integer");
      return NULL;
    }

  request->model = g_strdup (model);
  request->stream = stream == 1;

  system = member (root, "system");
  if (system != NULL && !decode_system (request, system, error))
    return NULL;
  if (!decode_messages (request, messages, error))
    return NULL;
  if (tools != NULL && !decode_tools (request, tools, error))
    return NULL;
  if (choice != NULL && !decode_tool_choice (request, choice, error))
    return NULL;

  if (stop != NULL)
    {
      request->stop = g_ptr_array_new_with_free_func (g_free);
      for (i = 0; i < json_array_get_length (stop); i++)
        {
          JsonNode *node = json_array_get_element (stop, i);

          if (!is_string (node))
            {
              sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "stop_sequences[%u]: expected a string", i);
              return NULL;
            }
          g_ptr_array_add (request->stop, g_strdup (json_node_get_string (node)));
        }
    }

  if (!decode_thinking (request, thinking, output_config, error))
    return NULL;

  if (output_format != NULL &&
      !decode_output_format (request, output_format, "output_format", error))
    return NULL;
  if (config_format != NULL &&
      !decode_output_format (request, config_format, "output_config.format", error))
    return NULL;

  if (metadata != NULL)
    {
      const char *user;

      if (!opt_string (metadata, "user_id", "metadata", &user, error))
        return NULL;
      request->user = g_strdup (user);
    }

  return g_steal_pointer (&request);
}

/* ------------------------------------------------------ request encoding */

static JsonObject *
text_block (const char *text)
{
  JsonObject *block = json_object_new ();

  json_object_set_string_member (block, "type", "text");
  json_object_set_string_member (block, "text", text);
  return block;
}

/* image and document blocks; NULL with @error for what Claude cannot take */
static JsonObject *
media_block (const SyIrPart *part,
             const char     *path,
             GError        **error)
{
  JsonObject *block;
  JsonObject *source = json_object_new ();
  gboolean document = part->type == SY_IR_PART_DOCUMENT;

  if (part->data != NULL)
    {
      const char *mime = part->mime_type ? part->mime_type :
                         document ? "application/pdf" : "image/png";

      if (document && g_str_has_prefix (mime, "text/"))
        {
          gsize len = 0;
          g_autofree guchar *raw = g_base64_decode (part->data, &len);
          g_autofree char *text = g_strndup ((const char *) raw, len);

          json_object_set_string_member (source, "type", "text");
          json_object_set_string_member (source, "media_type", "text/plain");
          json_object_set_string_member (source, "data", text);
        }
      else if (document && strcmp (mime, "application/pdf") != 0)
        {
          json_object_unref (source);
          sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                             "%s: documents of type %s are not accepted by this upstream (PDF and text only)",
                             path, mime);
          return NULL;
        }
      else
        {
          json_object_set_string_member (source, "type", "base64");
          json_object_set_string_member (source, "media_type", mime);
          json_object_set_string_member (source, "data", part->data);
        }
    }
  else if (part->url != NULL)
    {
      json_object_set_string_member (source, "type", "url");
      json_object_set_string_member (source, "url", part->url);
    }
  else
    {
      json_object_unref (source);
      sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: %s without data or url",
                         path, document ? "document" : "image");
      return NULL;
    }

  block = json_object_new ();
  json_object_set_string_member (block, "type", document ? "document" : "image");
  json_object_set_object_member (block, "source", source);
  if (document && part->filename != NULL)
    json_object_set_string_member (block, "title", part->filename);
  return block;
}

static JsonObject *
tool_result_block (const SyIrPart *part,
                   SyTranslateCtx *ctx,
                   const char     *path,
                   GError        **error)
{
  JsonObject *block = json_object_new ();
  g_autofree char *id = claude_tool_id (ctx, part->tool_call_id);
  guint texts = 0;
  guint others = 0;
  guint i;

  json_object_set_string_member (block, "type", "tool_result");
  json_object_set_string_member (block, "tool_use_id", id);

  for (i = 0; part->content != NULL && i < part->content->len; i++)
    {
      const SyIrPart *item = g_ptr_array_index (part->content, i);

      if (item->type == SY_IR_PART_TEXT)
        texts += item->text != NULL && *item->text != '\0';
      else
        others++;
    }

  if (texts == 1 && others == 0)
    {
      g_autofree char *text = sy_ir_parts_text (part->content, "");

      json_object_set_string_member (block, "content", text);
    }
  else if (texts + others > 0)
    {
      JsonArray *content = json_array_new ();

      json_object_set_array_member (block, "content", content);
      for (i = 0; i < part->content->len; i++)
        {
          const SyIrPart *item = g_ptr_array_index (part->content, i);
          g_autofree char *item_path = g_strdup_printf ("%s.content[%u]", path, i);
          JsonObject *out;

          switch (item->type)
            {
            case SY_IR_PART_TEXT:
              if (item->text == NULL || *item->text == '\0')
                continue;
              out = text_block (item->text);
              break;
            case SY_IR_PART_IMAGE:
            case SY_IR_PART_DOCUMENT:
              out = media_block (item, item_path, error);
              if (out == NULL)
                {
                  json_object_unref (block);
                  return NULL;
                }
              break;
            default:
              json_object_unref (block);
              sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                                 "%s: this kind of tool result content is not accepted by this upstream",
                                 item_path);
              return NULL;
            }
          json_array_add_object_element (content, out);
        }
    }

  if (part->is_error)
    json_object_set_boolean_member (block, "is_error", TRUE);
  return block;
}

/* Whether encode_part writes anything for @part: Claude does not take
 * back empty text, nor thinking it did not sign itself. */
static gboolean
part_is_sent (const SyIrPart *part)
{
  switch (part->type)
    {
    case SY_IR_PART_TEXT:
      return part->text != NULL && *part->text != '\0';
    case SY_IR_PART_THINKING:
      if (part->redacted)
        return part->data != NULL;
      return sy_ir_signature_for (part->signature, "claude") != NULL;
    default:
      return TRUE;
    }
}

/* One IR part as a block (JsonNode*) into @results (tool results) or
 * @blocks; parts part_is_sent() rejects are skipped. */
static gboolean
encode_part (const SyIrPart *part,
             SyTranslateCtx *ctx,
             const char     *path,
             GPtrArray      *results,
             GPtrArray      *blocks,
             GError        **error)
{
  JsonObject *block = NULL;

  if (!part_is_sent (part))
    return TRUE;

  switch (part->type)
    {
    case SY_IR_PART_TEXT:
      block = text_block (part->text);
      break;

    case SY_IR_PART_IMAGE:
    case SY_IR_PART_DOCUMENT:
      block = media_block (part, path, error);
      if (block == NULL)
        return FALSE;
      break;

    case SY_IR_PART_AUDIO:
      return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                                "%s: audio input is not accepted by this upstream", path);

    case SY_IR_PART_TOOL_CALL:
      {
        g_autofree char *id = claude_tool_id (ctx, part->id);

        block = json_object_new ();
        json_object_set_string_member (block, "type", "tool_use");
        json_object_set_string_member (block, "id", id);
        json_object_set_string_member (block, "name", claude_tool_name (ctx, part->name));
        json_object_set_member (block, "input", input_from_arguments (part->arguments));
      }
      break;

    case SY_IR_PART_TOOL_RESULT:
      block = tool_result_block (part, ctx, path, error);
      if (block == NULL)
        return FALSE;
      g_ptr_array_add (results, object_node (block));
      return TRUE;

    case SY_IR_PART_THINKING:
      block = json_object_new ();
      if (part->redacted)
        {
          json_object_set_string_member (block, "type", "redacted_thinking");
          json_object_set_string_member (block, "data", part->data);
        }
      else
        {
          g_autofree char *signature = sy_ir_signature_export (part->signature, "claude");

          json_object_set_string_member (block, "type", "thinking");
          json_object_set_string_member (block, "thinking", part->text ? part->text : "");
          json_object_set_string_member (block, "signature", signature);
        }
      break;

    default:
      return TRUE;
    }
  g_ptr_array_add (blocks, object_node (block));
  return TRUE;
}

static gboolean
message_is_sent (const SyIrMessage *message)
{
  guint i;

  for (i = 0; i < message->parts->len; i++)
    if (part_is_sent (g_ptr_array_index (message->parts, i)))
      return TRUE;
  return FALSE;
}

static JsonObject *
claude_message (const char *role,
                JsonArray  *content)   /* takes ownership */
{
  JsonObject *message = json_object_new ();

  json_object_set_string_member (message, "role", role);
  json_object_set_array_member (message, "content", content);
  return message;
}

/* The turn being built: consecutive IR messages of one role. */
typedef struct
{
  JsonArray *messages;
  SyIrRole   role;
  GPtrArray *results;   /* JsonNode*: its tool_result blocks */
  GPtrArray *blocks;    /* JsonNode*: its other blocks */
} TurnBuilder;

static void
turn_flush (TurnBuilder *turns)
{
  JsonArray *content;
  guint i;

  if (turns->results->len + turns->blocks->len == 0)
    return;

  /* Claude wants a user turn first (and at least one message, see
   * encode_messages). A conversation that starts with the assistant gets
   * a minimal user turn "." in front: it carries no instruction, and
   * refusing the request instead would help nobody. */
  if (json_array_get_length (turns->messages) == 0 && turns->role != SY_IR_ROLE_USER)
    {
      content = json_array_new ();
      json_array_add_object_element (content, text_block ("."));
      json_array_add_object_element (turns->messages, claude_message ("user", content));
    }

  /* Tool results go first in their user turn: Claude requires them to
   * answer the previous assistant turn before anything else. */
  content = json_array_sized_new (turns->results->len + turns->blocks->len);
  for (i = 0; i < turns->results->len; i++)
    json_array_add_element (content, g_ptr_array_index (turns->results, i));
  for (i = 0; i < turns->blocks->len; i++)
    json_array_add_element (content, g_ptr_array_index (turns->blocks, i));
  g_ptr_array_set_free_func (turns->results, NULL);
  g_ptr_array_set_free_func (turns->blocks, NULL);
  g_ptr_array_set_size (turns->results, 0);
  g_ptr_array_set_size (turns->blocks, 0);
  g_ptr_array_set_free_func (turns->results, (GDestroyNotify) json_node_unref);
  g_ptr_array_set_free_func (turns->blocks, (GDestroyNotify) json_node_unref);

  json_array_add_object_element (turns->messages,
                                 claude_message (turns->role == SY_IR_ROLE_USER ? "user" : "assistant",
                                                 content));
}

static JsonArray *
encode_messages (const SyIrRequest *request,
                 SyTranslateCtx    *ctx,
                 GError           **error)
{
  TurnBuilder turns;
  gboolean ok = TRUE;
  guint i;
  guint j;

  turns.messages = json_array_new ();
  turns.role = SY_IR_ROLE_USER;
  turns.results = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  turns.blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  for (i = 0; ok && i < request->messages->len; i++)
    {
      const SyIrMessage *message = g_ptr_array_index (request->messages, i);

      /* A message with nothing Claude takes (only foreign thinking, say)
       * is dropped, so its neighbours may merge; consecutive same-role
       * messages become one turn. */
      if (!message_is_sent (message))
        continue;
      if (message->role != turns.role)
        turn_flush (&turns);
      turns.role = message->role;

      for (j = 0; ok && j < message->parts->len; j++)
        {
          g_autofree char *path = g_strdup_printf ("messages[%u].content[%u]", i, j);

          ok = encode_part (g_ptr_array_index (message->parts, j), ctx, path,
                            turns.results, turns.blocks, error);
        }
    }

  if (ok)
    turn_flush (&turns);
  g_ptr_array_unref (turns.results);
  g_ptr_array_unref (turns.blocks);
  if (!ok)
    {
      json_array_unref (turns.messages);
      return NULL;
    }

  if (json_array_get_length (turns.messages) == 0)
    {
      JsonArray *content = json_array_new ();

      json_array_add_object_element (content, text_block ("."));
      json_array_add_object_element (turns.messages, claude_message ("user", content));
    }
  return turns.messages;
}

/* A deep copy of a JSON schema with its "type" keywords in lower case:
 * Gemini clients write "OBJECT" and "STRING", Claude wants JSON Schema.
 * Literal values (enum, const, default, examples) are copied as they are. */
static JsonNode *
schema_copy (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *out = json_object_new ();
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &value))
        {
          if (strcmp (name, "type") == 0 && is_string (value))
            {
              g_autofree char *lower = g_ascii_strdown (json_node_get_string (value), -1);

              json_object_set_string_member (out, name, lower);
            }
          else if (strcmp (name, "enum") == 0 || strcmp (name, "const") == 0 ||
                   strcmp (name, "default") == 0 || strcmp (name, "examples") == 0)
            json_object_set_member (out, name, json_node_copy (value));
          else if (strcmp (name, "type") == 0 && JSON_NODE_HOLDS_ARRAY (value))
            {
              JsonArray *types = json_array_new ();
              guint i;

              for (i = 0; i < json_array_get_length (json_node_get_array (value)); i++)
                {
                  JsonNode *item = json_array_get_element (json_node_get_array (value), i);
                  g_autofree char *lower = is_string (item)
                                           ? g_ascii_strdown (json_node_get_string (item), -1) : NULL;

                  if (lower != NULL)
                    json_array_add_string_element (types, lower);
                  else
                    json_array_add_element (types, json_node_copy (item));
                }
              json_object_set_array_member (out, name, types);
            }
          else
            json_object_set_member (out, name, schema_copy (value));
        }
      return object_node (out);
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *in = json_node_get_array (node);
      JsonArray *out = json_array_sized_new (json_array_get_length (in));
      JsonNode *copy = json_node_new (JSON_NODE_ARRAY);
      guint i;

      for (i = 0; i < json_array_get_length (in); i++)
        json_array_add_element (out, schema_copy (json_array_get_element (in, i)));
      json_node_take_array (copy, out);
      return copy;
    }
  return json_node_copy (node);
}

static JsonArray *
encode_tools (const SyIrRequest *request,
              SyTranslateCtx    *ctx,
              GError           **error)
{
  JsonArray *tools = json_array_new ();
  guint i;

  for (i = 0; i < request->tools->len; i++)
    {
      const SyIrTool *tool = g_ptr_array_index (request->tools, i);
      JsonObject *out;

      switch (tool->type)
        {
        case SY_IR_TOOL_FUNCTION:
          out = json_object_new ();
          json_object_set_string_member (out, "name", claude_tool_name (ctx, tool->name));
          if (tool->description != NULL)
            json_object_set_string_member (out, "description", tool->description);
          if (tool->parameters != NULL && JSON_NODE_HOLDS_OBJECT (tool->parameters))
            {
              JsonNode *schema = schema_copy (tool->parameters);

              /* Claude insists on an object schema */
              if (!json_object_has_member (json_node_get_object (schema), "type"))
                json_object_set_string_member (json_node_get_object (schema), "type", "object");
              json_object_set_member (out, "input_schema", schema);
            }
          else
            {
              JsonObject *schema = json_object_new ();

              json_object_set_string_member (schema, "type", "object");
              json_object_set_object_member (schema, "properties", json_object_new ());
              json_object_set_object_member (out, "input_schema", schema);
            }
          break;

        case SY_IR_TOOL_WEB_SEARCH:
          if (tool->raw != NULL && tool->raw_format == SY_FORMAT_CLAUDE)
            out = json_node_dup_object (tool->raw);
          else
            {
              out = json_object_new ();
              json_object_set_string_member (out, "type", "web_search_20250305");
              json_object_set_string_member (out, "name", "web_search");
            }
          break;

        case SY_IR_TOOL_OTHER:
          if (tool->raw != NULL && tool->raw_format == SY_FORMAT_CLAUDE &&
              JSON_NODE_HOLDS_OBJECT (tool->raw))
            {
              out = json_node_dup_object (tool->raw);
              break;
            }
          G_GNUC_FALLTHROUGH;
        case SY_IR_TOOL_CODE_EXECUTION:
        case SY_IR_TOOL_URL_CONTEXT:
        default:
          json_array_unref (tools);
          sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                             "tools[%u]: the built-in tool \"%s\" is not available from this upstream",
                             i, tool->name ? tool->name : "(unnamed)");
          return NULL;
        }
      json_array_add_object_element (tools, out);
    }
  return tools;
}

static JsonObject *
encode_tool_choice (const SyIrRequest *request,
                    SyTranslateCtx    *ctx)
{
  JsonObject *choice = json_object_new ();

  switch (request->tool_choice)
    {
    case SY_IR_TOOL_CHOICE_NONE:
      json_object_set_string_member (choice, "type", "none");
      return choice;
    case SY_IR_TOOL_CHOICE_REQUIRED:
      json_object_set_string_member (choice, "type", "any");
      break;
    case SY_IR_TOOL_CHOICE_NAMED:
      json_object_set_string_member (choice, "type", "tool");
      json_object_set_string_member (choice, "name",
                                     claude_tool_name (ctx, request->tool_choice_name));
      break;
    case SY_IR_TOOL_CHOICE_AUTO:
      json_object_set_string_member (choice, "type", "auto");
      break;
    case SY_IR_TOOL_CHOICE_UNSET:
    default:
      if (request->parallel_tool_calls != 0)
        {
          json_object_unref (choice);
          return NULL;
        }
      json_object_set_string_member (choice, "type", "auto");
      break;
    }
  if (request->parallel_tool_calls == 0)
    json_object_set_boolean_member (choice, "disable_parallel_tool_use", TRUE);
  return choice;
}

static const char *
claude_effort (SyIrLevel level)
{
  switch (level)
    {
    case SY_IR_LEVEL_MINIMAL:
    case SY_IR_LEVEL_LOW:    return "low";
    case SY_IR_LEVEL_MEDIUM: return "medium";
    case SY_IR_LEVEL_XHIGH:
    case SY_IR_LEVEL_HIGH:   return "high";
    case SY_IR_LEVEL_MAX:    return "max";
    case SY_IR_LEVEL_NONE:
    default:                 return "low";
    }
}

/* TRUE when thinking is asked for but the last assistant turn called tools
 * without opening with a thinking block (which Claude then rejects). */
static gboolean
thinking_blocked_by_history (JsonArray           *messages,
                             const SyIrReasoning *reasoning)
{
  guint n = json_array_get_length (messages);
  guint i;

  if (reasoning->mode == SY_IR_REASONING_UNSET || reasoning->mode == SY_IR_REASONING_NONE)
    return FALSE;

  for (i = n; i > 0; i--)
    {
      JsonObject *message = json_array_get_object_element (messages, i - 1);
      JsonArray *content;
      JsonObject *first;
      const char *type;
      guint j;
      gboolean calls = FALSE;

      if (g_strcmp0 (json_object_get_string_member_with_default (message, "role", NULL), "assistant") != 0)
        continue;
      content = sy_json_get_array (message, "content");
      if (content == NULL || json_array_get_length (content) == 0)
        return FALSE;
      for (j = 0; j < json_array_get_length (content); j++)
        {
          JsonObject *block = json_array_get_object_element (content, j);

          if (g_strcmp0 (json_object_get_string_member_with_default (block, "type", NULL), "tool_use") == 0)
            calls = TRUE;
        }
      if (!calls)
        return FALSE;
      first = json_array_get_object_element (content, 0);
      type = json_object_get_string_member_with_default (first, "type", NULL);
      return g_strcmp0 (type, "thinking") != 0 && g_strcmp0 (type, "redacted_thinking") != 0;
    }
  return FALSE;
}

/* thinking (and output_config.effort) as the thinking module left them */
static void
encode_thinking (const SyIrReasoning *reasoning,
                 JsonObject          *root,
                 JsonObject          *output_config)
{
  JsonObject *thinking;

  if (reasoning->mode == SY_IR_REASONING_UNSET)
    return;

  thinking = json_object_new ();
  switch (reasoning->mode)
    {
    case SY_IR_REASONING_AUTO:
      json_object_set_string_member (thinking, "type", reasoning->adaptive ? "adaptive" : "enabled");
      break;

    case SY_IR_REASONING_LEVEL:
      if (reasoning->level == SY_IR_LEVEL_NONE)
        json_object_set_string_member (thinking, "type", "disabled");
      else if (reasoning->adaptive)
        {
          json_object_set_string_member (thinking, "type", "adaptive");
          json_object_set_string_member (output_config, "effort", claude_effort (reasoning->level));
        }
      else
        {
          json_object_set_string_member (thinking, "type", "enabled");
          json_object_set_int_member (thinking, "budget_tokens",
                                      sy_ir_level_to_budget (reasoning->level));
        }
      break;

    case SY_IR_REASONING_BUDGET:
      json_object_set_string_member (thinking, "type", "enabled");
      json_object_set_int_member (thinking, "budget_tokens", reasoning->budget);
      break;

    case SY_IR_REASONING_NONE:
    case SY_IR_REASONING_UNSET:
    default:
      json_object_set_string_member (thinking, "type", "disabled");
      break;
    }
  json_object_set_object_member (root, "thinking", thinking);
}

/* Claude has no counterpart for these: refuse rather than answer
 * differently from what the client asked. */
static gboolean
check_unsupported (const SyIrRequest *request,
                   GError           **error)
{
  if (request->n != SY_IR_UNSET && request->n > 1)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                              "n: only 1 choice can be served by this upstream");
  if (request->logprobs)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED, "logprobs: not available from this upstream");
  if (request->top_logprobs != SY_IR_UNSET && request->top_logprobs > 0)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                              "top_logprobs: not available from this upstream");
  if (request->has_presence_penalty && request->presence_penalty != 0.0)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                              "presence_penalty: not available from this upstream");
  if (request->has_frequency_penalty && request->frequency_penalty != 0.0)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                              "frequency_penalty: not available from this upstream");
  if (request->seed != SY_IR_UNSET)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED, "seed: not available from this upstream");
  return TRUE;
}

static JsonNode *
encode_request_body (const SyIrRequest *request,
                     SyTranslateCtx    *ctx,
                     gboolean           count,
                     GError           **error)
{
  g_autoptr(JsonNode) root_node = object_node (json_object_new ());
  JsonObject *root = json_node_get_object (root_node);
  g_autoptr(JsonObject) output_config = json_object_new ();
  g_autoptr(JsonArray) system = json_array_new ();
  JsonArray *messages;
  guint i;

  if (!count && !check_unsupported (request, error))
    return NULL;

  json_object_set_string_member (root, "model",
                                 ctx->upstream_model ? ctx->upstream_model :
                                 request->model ? request->model : "");
  json_object_set_array_member (root, "system", json_array_ref (system));

  for (i = 0; i < request->system->len; i++)
    {
      const SyIrPart *part = g_ptr_array_index (request->system, i);

      if (part->type != SY_IR_PART_TEXT)
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                             "system: only text instructions are accepted by this upstream");
          return NULL;
        }
      if (part->text != NULL && *part->text != '\0')
        json_array_add_object_element (system, text_block (part->text));
    }
  /* Claude has no JSON-object mode; the instruction is the nearest thing. */
  if (request->response_format == SY_IR_RESPONSE_FORMAT_JSON_OBJECT)
    json_array_add_object_element (system, text_block ("Respond with a single JSON object."));

  messages = encode_messages (request, ctx, error);
  if (messages == NULL)
    return NULL;
  json_object_set_array_member (root, "messages", messages);

  if (request->tools != NULL && request->tools->len > 0)
    {
      JsonArray *tools = encode_tools (request, ctx, error);
      JsonObject *choice;

      if (tools == NULL)
        return NULL;
      json_object_set_array_member (root, "tools", tools);
      /* tool_choice without tools is an error for Claude */
      choice = encode_tool_choice (request, ctx);
      if (choice != NULL)
        json_object_set_object_member (root, "tool_choice", choice);
    }

  if (thinking_blocked_by_history (messages, &request->reasoning))
    {
      /* With thinking on, Claude wants the assistant turn that made the
       * pending tool calls to open with its own signed thinking; history
       * from another upstream has none, so this turn runs without. */
      SyIrReasoning off = request->reasoning;

      off.mode = SY_IR_REASONING_UNSET;
      encode_thinking (&off, root, output_config);
    }
  else
    encode_thinking (&request->reasoning, root, output_config);

  if (!count)
    {
      json_object_set_int_member (root, "max_tokens",
                                  request->max_tokens != SY_IR_UNSET ? request->max_tokens
                                                                     : CLAUDE_DEFAULT_MAX_TOKENS);
      if (request->has_temperature)
        json_object_set_double_member (root, "temperature", request->temperature);
      /* top_p 1 is the no-op default many clients send next to a
       * temperature; recent Claude models refuse the two together. */
      if (request->has_top_p && !(request->has_temperature && request->top_p >= 1.0))
        json_object_set_double_member (root, "top_p", request->top_p);
      if (request->top_k != SY_IR_UNSET)
        json_object_set_int_member (root, "top_k", request->top_k);
      if (request->stop != NULL && request->stop->len > 0)
        {
          JsonArray *stop = json_array_new ();

          for (i = 0; i < request->stop->len; i++)
            json_array_add_string_element (stop, g_ptr_array_index (request->stop, i));
          json_object_set_array_member (root, "stop_sequences", stop);
        }
      if (request->response_format == SY_IR_RESPONSE_FORMAT_JSON_SCHEMA &&
          request->response_schema != NULL)
        {
          JsonObject *format = json_object_new ();

          json_object_set_string_member (format, "type", "json_schema");
          json_object_set_member (format, "schema", schema_copy (request->response_schema));
          json_object_set_object_member (root, "output_format", format);
        }
      if (request->user != NULL)
        {
          JsonObject *metadata = json_object_new ();

          json_object_set_string_member (metadata, "user_id", request->user);
          json_object_set_object_member (root, "metadata", metadata);
        }
      json_object_set_boolean_member (root, "stream", request->stream);
    }

  if (json_array_get_length (system) == 0)
    json_object_remove_member (root, "system");
  if (json_object_get_size (output_config) > 0)
    json_object_set_object_member (root, "output_config", g_steal_pointer (&output_config));
  return g_steal_pointer (&root_node);
}

static JsonNode *
claude_encode_request (const SyIrRequest *request,
                       SyTranslateCtx    *ctx,
                       GError           **error)
{
  return encode_request_body (request, ctx, FALSE, error);
}

/* The count_tokens body: the prompt only (no max_tokens, stream or
 * sampling settings). */
static JsonNode *
claude_encode_count_request (const SyIrRequest *request,
                             SyTranslateCtx    *ctx,
                             GError           **error)
{
  return encode_request_body (request, ctx, TRUE, error);
}

static gboolean
claude_decode_count_response (JsonNode  *body,
                              gint64    *tokens,
                              GError   **error)
{
  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body) ||
      !sy_json_get_int (json_node_get_object (body), "input_tokens", tokens))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM,
                              "the upstream's token count has no input_tokens");
  return TRUE;
}

static JsonNode *
claude_encode_count_response (gint64 tokens)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "input_tokens", MAX (tokens, 0));
  return object_node (object);
}

/* ------------------------------------------------------ answer decoding */

static const char *
upstream_error_message (JsonObject *root)
{
  JsonObject *err = sy_json_get_object (root, "error");
  const char *message = err ? sy_json_get_string (err, "message") : NULL;

  return message ? message : "unknown error";
}

static SyIrResponse *
claude_decode_response (JsonNode        *body,
                        SyTranslateCtx  *ctx,
                        GError         **error)
{
  g_autoptr(SyIrResponse) response = NULL;
  JsonObject *root;
  JsonArray *content;
  gint64 input = SY_IR_UNSET;
  gint64 output = SY_IR_UNSET;
  gint64 creation = SY_IR_UNSET;
  gint64 cache_read = SY_IR_UNSET;
  guint i;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "the upstream's answer is not a JSON object");
      return NULL;
    }
  root = json_node_get_object (body);
  if (g_strcmp0 (sy_json_get_string (root, "type"), "error") == 0)
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "the upstream reported an error: %s",
                         upstream_error_message (root));
      return NULL;
    }
  if (member (root, "content") != NULL && sy_json_get_array (root, "content") == NULL)
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "the upstream's answer has a malformed content");
      return NULL;
    }

  response = sy_ir_response_new ();
  response->id = g_strdup (sy_json_get_string (root, "id"));
  response->model = g_strdup (sy_json_get_string (root, "model"));

  content = sy_json_get_array (root, "content");
  for (i = 0; content != NULL && i < json_array_get_length (content); i++)
    {
      JsonObject *block = json_array_get_object_element (content, i);
      const char *type = block ? sy_json_get_string (block, "type") : NULL;
      SyIrPart *part;

      if (type == NULL)
        continue;
      if (strcmp (type, "text") == 0)
        {
          const char *text = sy_json_get_string (block, "text");

          part = sy_ir_part_new_text (text ? text : "");
        }
      else if (strcmp (type, "thinking") == 0)
        {
          const char *text = sy_json_get_string (block, "thinking");
          const char *signature = sy_json_get_string (block, "signature");

          part = sy_ir_part_new (SY_IR_PART_THINKING);
          part->text = g_strdup (text ? text : "");
          if (signature != NULL && *signature != '\0')
            part->signature = sy_ir_signature_wrap ("claude", signature);
        }
      else if (strcmp (type, "redacted_thinking") == 0)
        {
          part = sy_ir_part_new (SY_IR_PART_THINKING);
          part->redacted = TRUE;
          part->data = g_strdup (sy_json_get_string (block, "data"));
        }
      else if (strcmp (type, "tool_use") == 0)
        {
          part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
          part->id = g_strdup (sy_json_get_string (block, "id"));
          part->name = g_strdup (sy_translate_ctx_client_tool_name (ctx,
                                   sy_json_get_string (block, "name")));
          part->arguments = arguments_from_input (member (block, "input"));
        }
      else
        continue;   /* server tool blocks and the like: nothing a client of another format reads */
      g_ptr_array_add (response->parts, part);
    }

  response->native_finish = g_strdup (sy_json_get_string (root, "stop_reason"));
  response->finish = finish_from_claude (response->native_finish);
  response->stop_sequence = g_strdup (sy_json_get_string (root, "stop_sequence"));

  read_claude_usage (sy_json_get_object (root, "usage"), &input, &output, &creation, &cache_read);
  usage_to_ir (input, output, creation, cache_read, &response->usage);

  return g_steal_pointer (&response);
}

/* ------------------------------------------------------ answer encoding */

static gboolean
signature_is_foreign (const char *wrapped)
{
  return wrapped != NULL && sy_ir_signature_for (wrapped, "claude") == NULL;
}

static JsonObject *
thinking_block (const char *text,
                const char *wrapped_signature)
{
  JsonObject *block = json_object_new ();
  g_autofree char *signature = sy_ir_signature_export (wrapped_signature, "claude");

  json_object_set_string_member (block, "type", "thinking");
  json_object_set_string_member (block, "thinking", text ? text : "");
  json_object_set_string_member (block, "signature", signature ? signature : "");
  return block;
}

static JsonNode *
claude_encode_response (const SyIrResponse *response,
                        SyTranslateCtx     *ctx,
                        GError            **error)
{
  JsonObject *root = json_object_new ();
  JsonArray *content = json_array_new ();
  JsonObject *usage = json_object_new ();
  g_autofree char *new_id = NULL;
  gboolean has_tool_calls = FALSE;
  guint i;

  if (response->id == NULL)
    new_id = sy_translate_ctx_new_id (ctx, "msg_");
  json_object_set_string_member (root, "id", response->id ? response->id : new_id);
  json_object_set_string_member (root, "type", "message");
  json_object_set_string_member (root, "role", "assistant");
  json_object_set_string_member (root, "model",
                                 ctx->client_model ? ctx->client_model :
                                 response->model ? response->model : "");

  for (i = 0; i < response->parts->len; i++)
    {
      const SyIrPart *part = g_ptr_array_index (response->parts, i);
      JsonObject *block;

      switch (part->type)
        {
        case SY_IR_PART_TEXT:
          if (part->text == NULL || *part->text == '\0')
            continue;
          block = text_block (part->text);
          break;

        case SY_IR_PART_THINKING:
          if (part->redacted)
            {
              block = json_object_new ();
              json_object_set_string_member (block, "type", "redacted_thinking");
              json_object_set_string_member (block, "data", part->data ? part->data : "");
            }
          else
            block = thinking_block (part->text, part->signature);
          break;

        case SY_IR_PART_TOOL_CALL:
          {
            g_autofree char *id = claude_tool_id (ctx, part->id);

            /* A call signed by another family (a Gemini thoughtSignature)
             * rides in an empty thinking block right before it, so it
             * comes back with the history. */
            if (signature_is_foreign (part->signature))
              json_array_add_object_element (content, thinking_block ("", part->signature));
            block = json_object_new ();
            json_object_set_string_member (block, "type", "tool_use");
            json_object_set_string_member (block, "id", id);
            json_object_set_string_member (block, "name", part->name ? part->name : "");
            json_object_set_member (block, "input", input_from_arguments (part->arguments));
            has_tool_calls = TRUE;
          }
          break;

        case SY_IR_PART_IMAGE:
          if (part->data == NULL && part->url == NULL)
            continue;
          block = media_block (part, "content", NULL);
          if (block == NULL)
            continue;
          break;

        default:
          continue;
        }
      json_array_add_object_element (content, block);
    }
  json_object_set_array_member (root, "content", content);

  json_object_set_string_member (root, "stop_reason",
                                 finish_to_claude (response->finish, has_tool_calls));
  if (response->finish == SY_IR_FINISH_STOP_SEQUENCE && response->stop_sequence != NULL)
    json_object_set_string_member (root, "stop_sequence", response->stop_sequence);
  else
    json_object_set_null_member (root, "stop_sequence");

  write_usage (usage, &response->usage, TRUE);
  json_object_set_object_member (root, "usage", usage);

  return object_node (root);
}

/* ------------------------------------------------------ stream decoding */

typedef enum
{
  BLOCK_NONE,
  BLOCK_TEXT,
  BLOCK_THINKING,
  BLOCK_REDACTED,
  BLOCK_TOOL,
  BLOCK_OTHER,
} BlockKind;

typedef struct
{
  BlockKind  kind;
  guint      tool_index;
  gboolean   has_args;
  gboolean   closed;
  char      *initial_input;   /* a tool_use start that already carried its input */
} DecoderBlock;

typedef struct
{
  SyStreamDecoder parent;

  GArray   *blocks;           /* DecoderBlock, by Claude content index */
  guint     tools;
  gboolean  started;
  gboolean  finished;         /* FINISH emitted */
  gboolean  failed;           /* an error event was passed on */
  gint64    input;
  gint64    output;
  gint64    creation;
  gint64    cache_read;
  GString  *scratch;          /* unescaped text of the fast path */
} ClaudeDecoder;

static void
decoder_block_clear (gpointer data)
{
  DecoderBlock *block = data;

  g_clear_pointer (&block->initial_input, g_free);
}

static void
decoder_emit (ClaudeDecoder *self,
              SyIrEvent     *event)
{
  self->parent.emit (event, self->parent.emit_data);
}

static void
decoder_emit_text (ClaudeDecoder *self,
                   SyIrEventType  type,
                   const char    *text,
                   guint          idx)
{
  SyIrEvent event;

  if (text == NULL || *text == '\0')
    return;
  sy_ir_event_init (&event, type);
  event.text = text;
  event.text_len = strlen (text);
  event.index = idx;
  decoder_emit (self, &event);
}

static void
decoder_start (ClaudeDecoder *self,
               const char    *id,
               const char    *model)
{
  SyIrEvent event;

  if (self->started)
    return;
  self->started = TRUE;
  sy_ir_event_init (&event, SY_IR_EVENT_START);
  event.id = id;
  event.model = model;
  decoder_emit (self, &event);
}

static DecoderBlock *
decoder_block_at (ClaudeDecoder *self,
                  gint64         idx,
                  gboolean       create)
{
  if (idx < 0 || idx > 100000)
    return NULL;
  if ((guint) idx >= self->blocks->len)
    {
      if (!create)
        return NULL;
      g_array_set_size (self->blocks, (guint) idx + 1);
    }
  return &g_array_index (self->blocks, DecoderBlock, (guint) idx);
}

static DecoderBlock *
decoder_block (ClaudeDecoder *self,
               JsonObject    *root,
               gboolean       create)
{
  gint64 idx;

  if (!sy_json_get_int (root, "index", &idx))
    return NULL;
  return decoder_block_at (self, idx, create);
}

static void
decoder_end_tool (ClaudeDecoder *self,
                  DecoderBlock  *block)
{
  SyIrEvent event;

  if (block->kind != BLOCK_TOOL || block->closed)
    return;
  block->closed = TRUE;
  if (!block->has_args)
    decoder_emit_text (self, SY_IR_EVENT_TOOL_CALL_DELTA,
                       block->initial_input ? block->initial_input : "{}", block->tool_index);
  sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_END);
  event.index = block->tool_index;
  decoder_emit (self, &event);
}

static void
decoder_block_start (ClaudeDecoder *self,
                     JsonObject    *root)
{
  DecoderBlock *block = decoder_block (self, root, TRUE);
  JsonObject *content = sy_json_get_object (root, "content_block");
  const char *type = content ? sy_json_get_string (content, "type") : NULL;
  SyIrEvent event;

  if (block == NULL || type == NULL)
    return;
  decoder_block_clear (block);
  memset (block, 0, sizeof *block);

  if (strcmp (type, "text") == 0)
    {
      block->kind = BLOCK_TEXT;
      decoder_emit_text (self, SY_IR_EVENT_TEXT, sy_json_get_string (content, "text"), 0);
    }
  else if (strcmp (type, "thinking") == 0)
    {
      const char *signature = sy_json_get_string (content, "signature");

      block->kind = BLOCK_THINKING;
      decoder_emit_text (self, SY_IR_EVENT_THINKING, sy_json_get_string (content, "thinking"), 0);
      if (signature != NULL && *signature != '\0')
        {
          g_autofree char *wrapped = sy_ir_signature_wrap ("claude", signature);

          sy_ir_event_init (&event, SY_IR_EVENT_SIGNATURE);
          event.signature = wrapped;
          decoder_emit (self, &event);
        }
    }
  else if (strcmp (type, "redacted_thinking") == 0)
    {
      block->kind = BLOCK_REDACTED;
      sy_ir_event_init (&event, SY_IR_EVENT_REDACTED_THINKING);
      event.data = sy_json_get_string (content, "data");
      if (event.data != NULL)
        decoder_emit (self, &event);
    }
  else if (strcmp (type, "tool_use") == 0)
    {
      JsonObject *input = sy_json_get_object (content, "input");

      block->kind = BLOCK_TOOL;
      block->tool_index = self->tools++;
      if (input != NULL && json_object_get_size (input) > 0)
        block->initial_input = sy_json_to_string (member (content, "input"));
      sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_START);
      event.index = block->tool_index;
      event.id = sy_json_get_string (content, "id");
      event.name = sy_translate_ctx_client_tool_name (self->parent.ctx,
                                                      sy_json_get_string (content, "name"));
      decoder_emit (self, &event);
    }
  else
    block->kind = BLOCK_OTHER;   /* server tool use and results: not relayed */
}

static void
decoder_block_delta (ClaudeDecoder *self,
                     JsonObject    *root)
{
  DecoderBlock *block = decoder_block (self, root, FALSE);
  JsonObject *delta = sy_json_get_object (root, "delta");
  const char *type = delta ? sy_json_get_string (delta, "type") : NULL;
  SyIrEvent event;

  if (type == NULL)
    return;

  if (strcmp (type, "text_delta") == 0)
    decoder_emit_text (self, SY_IR_EVENT_TEXT, sy_json_get_string (delta, "text"), 0);
  else if (strcmp (type, "thinking_delta") == 0)
    decoder_emit_text (self, SY_IR_EVENT_THINKING, sy_json_get_string (delta, "thinking"), 0);
  else if (strcmp (type, "signature_delta") == 0)
    {
      const char *signature = sy_json_get_string (delta, "signature");
      g_autofree char *wrapped = NULL;

      if (signature == NULL || *signature == '\0')
        return;
      wrapped = sy_ir_signature_wrap ("claude", signature);
      sy_ir_event_init (&event, SY_IR_EVENT_SIGNATURE);
      event.signature = wrapped;
      decoder_emit (self, &event);
    }
  else if (strcmp (type, "input_json_delta") == 0)
    {
      const char *partial = sy_json_get_string (delta, "partial_json");

      if (block == NULL || block->kind != BLOCK_TOOL || block->closed ||
          partial == NULL || *partial == '\0')
        return;
      block->has_args = TRUE;
      decoder_emit_text (self, SY_IR_EVENT_TOOL_CALL_DELTA, partial, block->tool_index);
    }
}

static void
decoder_finish_event (ClaudeDecoder *self,
                      SyIrFinish     finish,
                      const char    *native,
                      const char    *stop_sequence)
{
  SyIrEvent event;

  if (self->finished)
    return;
  self->finished = TRUE;
  sy_ir_event_init (&event, SY_IR_EVENT_FINISH);
  event.finish = finish;
  event.native_finish = native;
  event.stop_sequence = stop_sequence;
  decoder_emit (self, &event);
}

static void
decoder_message_delta (ClaudeDecoder *self,
                       JsonObject    *root)
{
  JsonObject *delta = sy_json_get_object (root, "delta");
  const char *reason = delta ? sy_json_get_string (delta, "stop_reason") : NULL;
  SyIrEvent event;
  guint i;

  read_claude_usage (sy_json_get_object (root, "usage"),
                     &self->input, &self->output, &self->creation, &self->cache_read);
  sy_ir_event_init (&event, SY_IR_EVENT_USAGE);
  usage_to_ir (self->input, self->output, self->creation, self->cache_read, &event.usage);
  if (sy_ir_usage_is_set (&event.usage))
    decoder_emit (self, &event);

  if (reason == NULL)
    return;
  for (i = 0; i < self->blocks->len; i++)
    decoder_end_tool (self, &g_array_index (self->blocks, DecoderBlock, i));
  decoder_finish_event (self, finish_from_claude (reason), reason,
                        sy_json_get_string (delta, "stop_sequence"));
}

static void
decoder_error (ClaudeDecoder *self,
               JsonObject    *root)
{
  JsonObject *err = sy_json_get_object (root, "error");
  const char *type = err ? sy_json_get_string (err, "type") : NULL;
  const char *message = err ? sy_json_get_string (err, "message") : NULL;
  SyIrEvent event;

  sy_ir_event_init (&event, SY_IR_EVENT_ERROR);
  event.status = status_from_error_type (type);
  event.error_type = type;
  event.text = message ? message : "upstream error";
  event.text_len = strlen (event.text);
  self->failed = TRUE;
  decoder_emit (self, &event);
}

/* The fast path. Nearly every event of a stream is a text, thinking or
 * argument delta, and Claude writes them in one compact shape:
 *   {"type":"content_block_delta","index":N,"delta":{"type":"text_delta","text":"..."}}
 * Those are read here without building a JSON tree (a parser per event
 * costs more than all the rest of the translation). Anything that deviates
 * in the least returns FALSE and goes through json-glib instead. */
static gboolean
scan_literal (const char **p,
              const char  *end,
              const char  *literal,
              gsize        len)
{
  if ((gsize) (end - *p) < len || memcmp (*p, literal, len) != 0)
    return FALSE;
  *p += len;
  return TRUE;
}

#define SCAN(p, end, literal) scan_literal ((p), (end), literal, sizeof literal - 1)

static gboolean
scan_hex4 (const char *p,
           const char *end,
           gunichar   *out)
{
  int i;

  *out = 0;
  if (end - p < 4)
    return FALSE;
  for (i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (p[i]);

      if (digit < 0)
        return FALSE;
      *out = (*out << 4) | (gunichar) digit;
    }
  return TRUE;
}

/* A JSON string body from *p (just past the opening quote) into @out,
 * unescaped; *p ends past the closing quote. */
static gboolean
scan_string (const char **p,
             const char  *end,
             GString     *out)
{
  const char *s = *p;
  const char *run = s;

  g_string_truncate (out, 0);
  while (s < end)
    {
      guchar c = (guchar) *s;
      gunichar u;
      gunichar low;

      if (c == '"')
        {
          g_string_append_len (out, run, s - run);
          *p = s + 1;
          return g_utf8_validate_len (out->str, out->len, NULL);
        }
      if (c < 0x20)
        return FALSE;
      if (c != '\\')
        {
          s++;
          continue;
        }
      g_string_append_len (out, run, s - run);
      if (end - s < 2)
        return FALSE;
      switch (s[1])
        {
        case '"':  g_string_append_c (out, '"'); s += 2; break;
        case '\\': g_string_append_c (out, '\\'); s += 2; break;
        case '/':  g_string_append_c (out, '/'); s += 2; break;
        case 'b':  g_string_append_c (out, '\b'); s += 2; break;
        case 'f':  g_string_append_c (out, '\f'); s += 2; break;
        case 'n':  g_string_append_c (out, '\n'); s += 2; break;
        case 'r':  g_string_append_c (out, '\r'); s += 2; break;
        case 't':  g_string_append_c (out, '\t'); s += 2; break;
        case 'u':
          if (!scan_hex4 (s + 2, end, &u))
            return FALSE;
          s += 6;
          if (u >= 0xD800 && u < 0xDC00)
            {
              if (end - s < 6 || s[0] != '\\' || s[1] != 'u' ||
                  !scan_hex4 (s + 2, end, &low) || low < 0xDC00 || low > 0xDFFF)
                return FALSE;
              u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
              s += 6;
            }
          else if (u >= 0xDC00 && u < 0xE000)
            return FALSE;
          g_string_append_unichar (out, u);
          break;
        default:
          return FALSE;
        }
      run = s;
    }
  return FALSE;
}

static gboolean
decoder_fast_delta (ClaudeDecoder *self,
                    const char    *data,
                    gsize          len)
{
  const char *p = data;
  const char *end = data + len;
  SyIrEventType type;
  DecoderBlock *block;
  SyIrEvent event;
  gint64 idx = 0;
  int digits = 0;

  if (!SCAN (&p, end, "{\"type\":\"content_block_delta\",\"index\":"))
    return FALSE;
  while (p < end && g_ascii_isdigit (*p) && digits < 6)
    {
      idx = idx * 10 + (*p - '0');
      p++;
      digits++;
    }
  if (digits == 0 || digits == 6 || !SCAN (&p, end, ",\"delta\":{\"type\":\""))
    return FALSE;
  if (SCAN (&p, end, "text_delta\",\"text\":\""))
    type = SY_IR_EVENT_TEXT;
  else if (SCAN (&p, end, "thinking_delta\",\"thinking\":\""))
    type = SY_IR_EVENT_THINKING;
  else if (SCAN (&p, end, "input_json_delta\",\"partial_json\":\""))
    type = SY_IR_EVENT_TOOL_CALL_DELTA;
  else
    return FALSE;
  if (!scan_string (&p, end, self->scratch) || !SCAN (&p, end, "}}"))
    return FALSE;
  while (p < end && g_ascii_isspace (*p))
    p++;
  if (p != end)
    return FALSE;

  decoder_start (self, NULL, NULL);
  if (self->scratch->len == 0)
    return TRUE;
  sy_ir_event_init (&event, type);
  event.text = self->scratch->str;
  event.text_len = self->scratch->len;
  if (type == SY_IR_EVENT_TOOL_CALL_DELTA)
    {
      block = decoder_block_at (self, idx, FALSE);
      if (block == NULL || block->kind != BLOCK_TOOL || block->closed)
        return TRUE;
      block->has_args = TRUE;
      event.index = block->tool_index;
    }
  decoder_emit (self, &event);
  return TRUE;
}

static gboolean
claude_decoder_feed (SyStreamDecoder *decoder,
                     const char      *event_name,
                     const char      *data,
                     gsize            len,
                     GError         **error)
{
  ClaudeDecoder *self = (ClaudeDecoder *) decoder;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) parse_error = NULL;
  JsonObject *root;
  const char *type;
  gsize i;

  for (i = 0; i < len && g_ascii_isspace (data[i]); i++)
    ;
  if (i == len || (len - i >= 6 && strncmp (data + i, "[DONE]", 6) == 0))
    return TRUE;
  if (self->failed)
    return TRUE;
  if (!self->parent.ctx->no_fast_path && decoder_fast_delta (self, data + i, len - i))
    {
      self->parent.fast_events++;
      return TRUE;
    }

  node = sy_json_parse (data, len, &parse_error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "unreadable upstream event: %s",
                              parse_error ? parse_error->message : "not a JSON object");
  root = json_node_get_object (node);
  type = sy_json_get_string (root, "type");
  if (type == NULL)
    type = event_name;
  if (type == NULL || strcmp (type, "ping") == 0)
    return TRUE;

  if (strcmp (type, "error") == 0)
    {
      decoder_error (self, root);
      return TRUE;
    }
  if (self->failed)
    return TRUE;

  if (strcmp (type, "message_start") == 0)
    {
      JsonObject *message = sy_json_get_object (root, "message");

      if (message != NULL)
        read_claude_usage (sy_json_get_object (message, "usage"),
                           &self->input, &self->output, &self->creation, &self->cache_read);
      decoder_start (self, message ? sy_json_get_string (message, "id") : NULL,
                     message ? sy_json_get_string (message, "model") : NULL);
      return TRUE;
    }

  decoder_start (self, NULL, NULL);
  if (strcmp (type, "content_block_start") == 0)
    decoder_block_start (self, root);
  else if (strcmp (type, "content_block_delta") == 0)
    decoder_block_delta (self, root);
  else if (strcmp (type, "content_block_stop") == 0)
    {
      DecoderBlock *block = decoder_block (self, root, FALSE);

      if (block != NULL)
        decoder_end_tool (self, block);
    }
  else if (strcmp (type, "message_delta") == 0)
    decoder_message_delta (self, root);
  /* message_stop and unknown events: nothing to say */
  return TRUE;
}

static gboolean
claude_decoder_finish (SyStreamDecoder *decoder,
                       GError         **error)
{
  ClaudeDecoder *self = (ClaudeDecoder *) decoder;
  guint i;

  if (self->failed || self->finished)
    return TRUE;
  if (!self->started)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "the upstream closed the stream without an answer");

  /* The upstream never said why it stopped: close what is open. */
  for (i = 0; i < self->blocks->len; i++)
    decoder_end_tool (self, &g_array_index (self->blocks, DecoderBlock, i));
  decoder_finish_event (self, self->tools > 0 ? SY_IR_FINISH_TOOL_CALLS : SY_IR_FINISH_STOP,
                        NULL, NULL);
  return TRUE;
}

static void
claude_decoder_free (SyStreamDecoder *decoder)
{
  ClaudeDecoder *self = (ClaudeDecoder *) decoder;

  g_array_unref (self->blocks);
  g_string_free (self->scratch, TRUE);
  g_free (self);
}

static SyStreamDecoder *
claude_stream_decoder_new (SyTranslateCtx *ctx,
                           SyIrEmitFunc    emit,
                           gpointer        emit_data)
{
  ClaudeDecoder *self = g_new0 (ClaudeDecoder, 1);

  self->parent.feed = claude_decoder_feed;
  self->parent.finish = claude_decoder_finish;
  self->parent.free = claude_decoder_free;
  self->parent.ctx = ctx;
  self->parent.emit = emit;
  self->parent.emit_data = emit_data;
  self->blocks = g_array_new (FALSE, TRUE, sizeof (DecoderBlock));
  g_array_set_clear_func (self->blocks, decoder_block_clear);
  self->input = SY_IR_UNSET;
  self->output = SY_IR_UNSET;
  self->creation = SY_IR_UNSET;
  self->cache_read = SY_IR_UNSET;
  self->scratch = g_string_sized_new (256);
  return &self->parent;
}

/* ------------------------------------------------------ stream encoding */

typedef struct
{
  SyStreamEncoder parent;

  GString    *buf;             /* the frame being written (delta frames) */
  gboolean    started;
  gboolean    done;            /* an error was written, or finish() ran */
  BlockKind   open;            /* the kind of the open block, BLOCK_NONE if none */
  gboolean    open_signed;     /* the open thinking block already has its signature */
  guint       open_tool;       /* IR index of the open tool_use block */
  GPtrArray  *held;            /* HeldCall*: calls that started while another was open */
  guint       next_index;      /* Claude content index of the next block */
  gboolean    saw_tool;
  SyIrFinish  finish;
  char       *stop_sequence;
  SyIrUsage   usage;
} ClaudeEncoder;

static void
encoder_send_buf (ClaudeEncoder *self,
                  const char    *event)
{
  self->parent.frame (event, self->buf->str, self->buf->len, self->parent.frame_data);
}

static void
encoder_send (ClaudeEncoder *self,
              const char    *event,
              JsonObject    *object)   /* takes ownership */
{
  g_autoptr(JsonNode) node = object_node (object);
  g_autofree char *text = sy_json_to_string (node);

  self->parent.frame (event, text, strlen (text), self->parent.frame_data);
}

static void
encoder_start (ClaudeEncoder  *self,
               const SyIrEvent *event)
{
  SyTranslateCtx *ctx = self->parent.ctx;
  JsonObject *root;
  JsonObject *message;
  JsonObject *usage;
  g_autofree char *new_id = NULL;
  const char *id = event ? event->id : NULL;
  const char *model = ctx->client_model;

  if (self->started)
    return;
  self->started = TRUE;

  if (id == NULL)
    id = new_id = sy_translate_ctx_new_id (ctx, "msg_");
  if (model == NULL)
    model = event && event->model ? event->model : ctx->upstream_model ? ctx->upstream_model : "";

  usage = json_object_new ();
  json_object_set_int_member (usage, "input_tokens", 0);
  json_object_set_int_member (usage, "output_tokens", 0);
  message = json_object_new ();
  json_object_set_string_member (message, "id", id);
  json_object_set_string_member (message, "type", "message");
  json_object_set_string_member (message, "role", "assistant");
  json_object_set_array_member (message, "content", json_array_new ());
  json_object_set_string_member (message, "model", model);
  json_object_set_null_member (message, "stop_reason");
  json_object_set_null_member (message, "stop_sequence");
  json_object_set_object_member (message, "usage", usage);
  root = json_object_new ();
  json_object_set_string_member (root, "type", "message_start");
  json_object_set_object_member (root, "message", message);
  encoder_send (self, "message_start", root);
}

static void
encoder_close (ClaudeEncoder *self)
{
  if (self->open == BLOCK_NONE)
    return;
  g_string_truncate (self->buf, 0);
  g_string_append_printf (self->buf, "{\"type\":\"content_block_stop\",\"index\":%u}",
                          self->next_index - 1);
  encoder_send_buf (self, "content_block_stop");
  self->open = BLOCK_NONE;
  self->open_signed = FALSE;
}

/* Opens a block of @kind (closing the open one); @block is its start
 * object (taken). */
static void
encoder_open (ClaudeEncoder *self,
              BlockKind      kind,
              JsonObject    *block)
{
  JsonObject *root = json_object_new ();

  encoder_close (self);
  json_object_set_string_member (root, "type", "content_block_start");
  json_object_set_int_member (root, "index", self->next_index);
  json_object_set_object_member (root, "content_block", block);
  encoder_send (self, "content_block_start", root);
  self->next_index++;
  self->open = kind;
  self->open_signed = FALSE;
}

static void
encoder_open_empty (ClaudeEncoder *self,
                    BlockKind      kind)
{
  JsonObject *block = json_object_new ();

  if (kind == BLOCK_TEXT)
    {
      json_object_set_string_member (block, "type", "text");
      json_object_set_string_member (block, "text", "");
    }
  else
    {
      json_object_set_string_member (block, "type", "thinking");
      json_object_set_string_member (block, "thinking", "");
    }
  encoder_open (self, kind, block);
}

/* content_block_delta {delta: {type: @type, @field: @text}} on the open block */
static void
encoder_delta (ClaudeEncoder *self,
               const char    *type,
               const char    *field,
               const char    *text,
               gsize          len)
{
  GString *buf = self->buf;

  /* Once per streamed token: appended piece by piece, no printf. */
  g_string_truncate (buf, 0);
  g_string_append (buf, "{\"type\":\"content_block_delta\",\"index\":");
  sy_json_append_uint (buf, self->next_index - 1);
  g_string_append (buf, ",\"delta\":{\"type\":\"");
  g_string_append (buf, type);
  g_string_append (buf, "\",\"");
  g_string_append (buf, field);
  g_string_append (buf, "\":");
  sy_json_append_string (buf, text, len);
  g_string_append (buf, "}}");
  encoder_send_buf (self, "content_block_delta");
}

static void
encoder_signature (ClaudeEncoder *self,
                   const char    *wrapped)
{
  g_autofree char *signature = sy_ir_signature_export (wrapped, "claude");

  if (signature == NULL)
    return;
  if (self->open != BLOCK_THINKING || self->open_signed)
    encoder_open_empty (self, BLOCK_THINKING);
  encoder_delta (self, "signature_delta", "signature", signature, strlen (signature));
  self->open_signed = TRUE;
}

/* Claude blocks cannot interleave, but OpenAI-style upstreams may stream
 * parallel calls' arguments interleaved: a call that starts while another
 * is open waits here, its arguments collected, until the open one ends. */
typedef struct
{
  guint    index;
  char    *id;
  char    *name;
  char    *signature;
  GString *args;
  gboolean ended;
} HeldCall;

static void
held_call_free (gpointer data)
{
  HeldCall *held = data;

  g_free (held->id);
  g_free (held->name);
  g_free (held->signature);
  g_string_free (held->args, TRUE);
  g_free (held);
}

static HeldCall *
find_held (ClaudeEncoder *self,
           guint          index)
{
  guint i;

  for (i = 0; i < self->held->len; i++)
    {
      HeldCall *held = g_ptr_array_index (self->held, i);

      if (held->index == index)
        return held;
    }
  return NULL;
}

static void encoder_tool_start (ClaudeEncoder *self, const SyIrEvent *event);

/* Opens the held calls in order; stops at one still streaming (it becomes
 * the open block), or releases them all when @all. */
static void
encoder_release_held (ClaudeEncoder *self,
                      gboolean       all)
{
  while (self->held->len > 0)
    {
      HeldCall *held = g_ptr_array_steal_index (self->held, 0);
      SyIrEvent start;
      gboolean ended = held->ended;

      sy_ir_event_init (&start, SY_IR_EVENT_TOOL_CALL_START);
      start.index = held->index;
      start.id = held->id;
      start.name = held->name;
      start.signature = held->signature;
      encoder_tool_start (self, &start);
      if (held->args->len > 0)
        encoder_delta (self, "input_json_delta", "partial_json", held->args->str, held->args->len);
      held_call_free (held);
      if (!ended && !all)
        return;
      encoder_close (self);
    }
}

static void
encoder_tool_start (ClaudeEncoder   *self,
                    const SyIrEvent *event)
{
  g_autofree char *id = claude_tool_id (self->parent.ctx, event->id);
  JsonObject *block;

  encoder_close (self);
  if (signature_is_foreign (event->signature))
    {
      encoder_signature (self, event->signature);
      encoder_close (self);
    }
  block = json_object_new ();
  json_object_set_string_member (block, "type", "tool_use");
  json_object_set_string_member (block, "id", id);
  json_object_set_string_member (block, "name", event->name ? event->name : "");
  json_object_set_object_member (block, "input", json_object_new ());
  encoder_open (self, BLOCK_TOOL, block);
  self->open_tool = event->index;
  self->saw_tool = TRUE;
}

static void
encoder_error (ClaudeEncoder   *self,
               const SyIrEvent *event)
{
  JsonObject *root = json_object_new ();
  JsonObject *err = json_object_new ();
  g_autofree char *message = NULL;

  if (event->text != NULL)
    message = event->text_len ? g_strndup (event->text, event->text_len) : g_strdup (event->text);
  json_object_set_string_member (err, "type", error_type_from_status (event->status));
  json_object_set_string_member (err, "message", message ? message : "upstream error");
  json_object_set_string_member (root, "type", "error");
  json_object_set_object_member (root, "error", err);
  encoder_send (self, "error", root);
  self->done = TRUE;
}

static void
claude_encoder_encode (SyStreamEncoder *encoder,
                       const SyIrEvent *event)
{
  ClaudeEncoder *self = (ClaudeEncoder *) encoder;
  gsize len;

  if (self->done)
    return;
  if (event->type == SY_IR_EVENT_ERROR)
    {
      encoder_error (self, event);
      return;
    }

  encoder_start (self, event->type == SY_IR_EVENT_START ? event : NULL);
  len = event->text == NULL ? 0 : event->text_len ? event->text_len : strlen (event->text);

  /* Other content after parallel calls: the held ones go out first. */
  if (self->held->len > 0 &&
      (event->type == SY_IR_EVENT_TEXT || event->type == SY_IR_EVENT_THINKING ||
       event->type == SY_IR_EVENT_SIGNATURE || event->type == SY_IR_EVENT_REDACTED_THINKING ||
       event->type == SY_IR_EVENT_IMAGE))
    {
      encoder_close (self);
      encoder_release_held (self, TRUE);
    }

  switch (event->type)
    {
    case SY_IR_EVENT_TEXT:
      if (len == 0)
        break;
      if (self->open != BLOCK_TEXT)
        encoder_open_empty (self, BLOCK_TEXT);
      encoder_delta (self, "text_delta", "text", event->text, len);
      break;

    case SY_IR_EVENT_THINKING:
      if (len == 0)
        break;
      if (self->open != BLOCK_THINKING || self->open_signed)
        encoder_open_empty (self, BLOCK_THINKING);
      encoder_delta (self, "thinking_delta", "thinking", event->text, len);
      break;

    case SY_IR_EVENT_SIGNATURE:
      encoder_signature (self, event->signature);
      break;

    case SY_IR_EVENT_REDACTED_THINKING:
      {
        JsonObject *block = json_object_new ();

        json_object_set_string_member (block, "type", "redacted_thinking");
        json_object_set_string_member (block, "data", event->data ? event->data : "");
        encoder_open (self, BLOCK_REDACTED, block);
        encoder_close (self);
      }
      break;

    case SY_IR_EVENT_TOOL_CALL_START:
      if (self->open == BLOCK_TOOL)
        {
          HeldCall *held = g_new0 (HeldCall, 1);

          held->index = event->index;
          held->id = g_strdup (event->id);
          held->name = g_strdup (event->name);
          held->signature = g_strdup (event->signature);
          held->args = g_string_new (NULL);
          g_ptr_array_add (self->held, held);
        }
      else
        encoder_tool_start (self, event);
      break;

    case SY_IR_EVENT_TOOL_CALL_DELTA:
      if (len == 0)
        break;
      if (self->open == BLOCK_TOOL && self->open_tool == event->index)
        encoder_delta (self, "input_json_delta", "partial_json", event->text, len);
      else
        {
          HeldCall *held = find_held (self, event->index);

          if (held != NULL)
            g_string_append_len (held->args, event->text, len);
        }
      break;

    case SY_IR_EVENT_TOOL_CALL_END:
      if (self->open == BLOCK_TOOL && self->open_tool == event->index)
        {
          encoder_close (self);
          encoder_release_held (self, FALSE);
        }
      else
        {
          HeldCall *held = find_held (self, event->index);

          if (held != NULL)
            held->ended = TRUE;
        }
      break;

    case SY_IR_EVENT_IMAGE:
      {
        SyIrPart part = { .type = SY_IR_PART_IMAGE };
        JsonObject *block;

        part.mime_type = (char *) event->mime_type;
        part.data = (char *) event->data;
        block = media_block (&part, "image", NULL);
        if (block != NULL)
          {
            encoder_open (self, BLOCK_OTHER, block);
            encoder_close (self);
          }
      }
      break;

    case SY_IR_EVENT_USAGE:
      sy_ir_usage_merge (&self->usage, &event->usage);
      break;

    case SY_IR_EVENT_FINISH:
      self->finish = event->finish;
      g_free (self->stop_sequence);
      self->stop_sequence = g_strdup (event->stop_sequence);
      break;

    case SY_IR_EVENT_START:
    case SY_IR_EVENT_ERROR:
    default:
      break;
    }
}

static void
claude_encoder_finish (SyStreamEncoder *encoder)
{
  ClaudeEncoder *self = (ClaudeEncoder *) encoder;
  JsonObject *root;
  JsonObject *delta;
  JsonObject *usage;

  if (self->done)
    return;
  self->done = TRUE;
  encoder_start (self, NULL);
  encoder_close (self);
  encoder_release_held (self, TRUE);

  delta = json_object_new ();
  json_object_set_string_member (delta, "stop_reason", finish_to_claude (self->finish, self->saw_tool));
  if (self->finish == SY_IR_FINISH_STOP_SEQUENCE && self->stop_sequence != NULL)
    json_object_set_string_member (delta, "stop_sequence", self->stop_sequence);
  else
    json_object_set_null_member (delta, "stop_sequence");
  usage = json_object_new ();
  write_usage (usage, &self->usage, FALSE);
  root = json_object_new ();
  json_object_set_string_member (root, "type", "message_delta");
  json_object_set_object_member (root, "delta", delta);
  json_object_set_object_member (root, "usage", usage);
  encoder_send (self, "message_delta", root);

  g_string_assign (self->buf, "{\"type\":\"message_stop\"}");
  encoder_send_buf (self, "message_stop");
}

static void
claude_encoder_free (SyStreamEncoder *encoder)
{
  ClaudeEncoder *self = (ClaudeEncoder *) encoder;

  g_string_free (self->buf, TRUE);
  g_ptr_array_unref (self->held);
  g_free (self->stop_sequence);
  g_free (self);
}

static SyStreamEncoder *
claude_stream_encoder_new (SyTranslateCtx *ctx,
                           SyFrameFunc     frame,
                           gpointer        frame_data)
{
  ClaudeEncoder *self = g_new0 (ClaudeEncoder, 1);

  self->parent.encode = claude_encoder_encode;
  self->parent.finish = claude_encoder_finish;
  self->parent.free = claude_encoder_free;
  self->parent.ctx = ctx;
  self->parent.frame = frame;
  self->parent.frame_data = frame_data;
  self->buf = g_string_sized_new (256);
  self->held = g_ptr_array_new_with_free_func (held_call_free);
  self->open = BLOCK_NONE;
  sy_ir_usage_init (&self->usage);
  return &self->parent;
}

/* ---------------------------------------------------------------- codec */

static const SyCodec codec = {
  .format = SY_FORMAT_CLAUDE,
  .decode_request = claude_decode_request,
  .encode_request = claude_encode_request,
  .decode_response = claude_decode_response,
  .encode_response = claude_encode_response,
  .stream_decoder_new = claude_stream_decoder_new,
  .stream_encoder_new = claude_stream_encoder_new,
  .encode_count_request = claude_encode_count_request,
  .decode_count_response = claude_decode_count_response,
  .encode_count_response = claude_encode_count_response,
};

const SyCodec *
sy_codec_claude (void)
{
  return &codec;
}
