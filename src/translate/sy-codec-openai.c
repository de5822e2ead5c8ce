/* sy-codec-openai.c: the OpenAI Chat Completions codec
 *
 * Requests (/v1/chat/completions bodies), whole answers (chat.completion)
 * and streams (chat.completion.chunk events ending in [DONE]) to and from
 * the IR. As an upstream format it speaks to OpenAI-compatible servers, so
 * the encoder writes only what those commonly accept, plus a few widely
 * used extensions (top_k, reasoning_content, delta.images).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-translate"

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "sy-codec.h"
#include "sy-json.h"
#include "sy-json-scan.h"
#include "sy-thinking.h"

#define MAX_TOOL_NAME 64

/* ---------------------------------------------------------------- errors */

/* "prefix.name", or "name" at the top level. */
static char *
field_path (const char *prefix,
            const char *name)
{
  if (prefix == NULL || *prefix == '\0')
    return g_strdup (name);
  return g_strconcat (prefix, ".", name, NULL);
}

static gboolean
fail_type (GError    **error,
           const char *prefix,
           const char *name,
           const char *expected)
{
  g_autofree char *path = field_path (prefix, name);

  return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: expected %s", path, expected);
}

/* ------------------------------------------------------------ JSON reads */

/* The member's node, or NULL when it is absent or JSON null. */
static JsonNode *
opt_member (JsonObject *object,
            const char *name)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, name);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

static gboolean
node_get_int (JsonNode *node,
              gint64   *value)
{
  double d;

  if (!sy_json_node_is_number (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *value = json_node_get_int (node);
      return TRUE;
    }
  d = json_node_get_double (node);
  return sy_ir_int_from_double (d, value);
}

static gboolean
get_string (JsonObject  *object,
            const char  *prefix,
            const char  *name,
            const char **value,
            GError     **error)
{
  JsonNode *node = opt_member (object, name);

  *value = NULL;
  if (node == NULL)
    return TRUE;
  if (!sy_json_node_is_string (node))
    return fail_type (error, prefix, name, "a string");
  *value = json_node_get_string (node);
  return TRUE;
}

static gboolean
get_number (JsonObject *object,
            const char *prefix,
            const char *name,
            gboolean   *has,
            double     *value,
            GError    **error)
{
  JsonNode *node = opt_member (object, name);

  *has = FALSE;
  if (node == NULL)
    return TRUE;
  if (!sy_json_node_is_number (node))
    return fail_type (error, prefix, name, "a number");
  *has = TRUE;
  *value = json_node_get_double (node);
  return TRUE;
}

/* An integer >= @min, SY_IR_UNSET when absent. */
static gboolean
get_int (JsonObject *object,
         const char *prefix,
         const char *name,
         gint64      min,
         gint64     *value,
         GError    **error)
{
  JsonNode *node = opt_member (object, name);
  gint64 v;

  *value = SY_IR_UNSET;
  if (node == NULL)
    return TRUE;
  if (!node_get_int (node, &v))
    return fail_type (error, prefix, name, "an integer");
  if (v < min)
    {
      g_autofree char *path = field_path (prefix, name);

      return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: must be at least %" G_GINT64_FORMAT,
                                path, min);
    }
  *value = v;
  return TRUE;
}

/* -1 absent, 0, 1. */
static gboolean
get_bool (JsonObject *object,
          const char *prefix,
          const char *name,
          int        *value,
          GError    **error)
{
  JsonNode *node = opt_member (object, name);

  *value = -1;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fail_type (error, prefix, name, "a boolean");
  *value = json_node_get_boolean (node) ? 1 : 0;
  return TRUE;
}

/* Arguments as the IR keeps them: JSON text of an object, "{}" otherwise. */
static char *
normalize_arguments (const char *text)
{
  g_autoptr(JsonNode) node = NULL;

  if (text == NULL || *text == '\0')
    return g_strdup ("{}");
  node = sy_json_parse (text, -1, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return g_strdup ("{}");
  return g_strdup (text);
}

/* Arguments given as a string (the standard) or, leniently, as an object. */
static char *
arguments_from_node (JsonNode *node)
{
  if (node == NULL)
    return g_strdup ("{}");
  if (sy_json_node_is_string (node))
    return normalize_arguments (json_node_get_string (node));
  if (JSON_NODE_HOLDS_OBJECT (node))
    return sy_json_to_string (node);
  return g_strdup ("{}");
}

/* ------------------------------------------------------------ finishes */

static SyIrFinish
finish_from_string (const char *reason)
{
  if (reason == NULL)
    return SY_IR_FINISH_UNSET;
  if (strcmp (reason, "stop") == 0)
    return SY_IR_FINISH_STOP;
  if (strcmp (reason, "length") == 0 || strcmp (reason, "max_tokens") == 0)
    return SY_IR_FINISH_LENGTH;
  if (strcmp (reason, "tool_calls") == 0 || strcmp (reason, "function_call") == 0)
    return SY_IR_FINISH_TOOL_CALLS;
  if (strcmp (reason, "content_filter") == 0)
    return SY_IR_FINISH_CONTENT_FILTER;
  if (strcmp (reason, "error") == 0)
    return SY_IR_FINISH_ERROR;
  return SY_IR_FINISH_STOP;
}

static const char *
finish_to_string (SyIrFinish finish,
                  gboolean   has_calls)
{
  switch (finish)
    {
    case SY_IR_FINISH_LENGTH:         return "length";
    case SY_IR_FINISH_TOOL_CALLS:     return "tool_calls";
    case SY_IR_FINISH_CONTENT_FILTER: return "content_filter";
    case SY_IR_FINISH_UNSET:          return has_calls ? "tool_calls" : "stop";
    case SY_IR_FINISH_STOP:
    case SY_IR_FINISH_STOP_SEQUENCE:
    case SY_IR_FINISH_ERROR:
    default:                          return "stop";
    }
}

/* ---------------------------------------------------------------- media */

static const struct
{
  const char *extension;
  const char *mime_type;
} file_types[] = {
  { "pdf",  "application/pdf" },
  { "txt",  "text/plain" },
  { "md",   "text/markdown" },
  { "csv",  "text/csv" },
  { "html", "text/html" },
  { "htm",  "text/html" },
  { "json", "application/json" },
  { "xml",  "application/xml" },
  { "png",  "image/png" },
  { "jpg",  "image/jpeg" },
  { "jpeg", "image/jpeg" },
  { "gif",  "image/gif" },
  { "webp", "image/webp" },
};

/* OpenAI file inputs are PDFs unless the name says otherwise. */
static const char *
mime_for_filename (const char *filename)
{
  const char *dot;
  guint i;

  if (filename == NULL)
    return "application/pdf";
  dot = strrchr (filename, '.');
  if (dot == NULL)
    return "application/octet-stream";
  for (i = 0; i < G_N_ELEMENTS (file_types); i++)
    if (g_ascii_strcasecmp (dot + 1, file_types[i].extension) == 0)
      return file_types[i].mime_type;
  return "application/octet-stream";
}

static char *
audio_mime_for_format (const char *format)
{
  return g_strconcat ("audio/", format, NULL);
}

static const char *
audio_format_for_mime (const char *mime_type)
{
  const char *sub;

  if (mime_type == NULL || !g_str_has_prefix (mime_type, "audio/"))
    return "wav";
  sub = mime_type + strlen ("audio/");
  if (strcmp (sub, "mpeg") == 0 || strcmp (sub, "mpeg3") == 0)
    return "mp3";
  if (strcmp (sub, "x-wav") == 0 || strcmp (sub, "wave") == 0)
    return "wav";
  return sub;
}

/* An image from a URL: a data URL is split, anything else stays a URL. */
static SyIrPart *
image_part_from_url (const char *url)
{
  SyIrPart *part = sy_ir_part_new (SY_IR_PART_IMAGE);

  if (!sy_ir_parse_data_url (url, &part->mime_type, &part->data))
    part->url = g_strdup (url);
  return part;
}

/* ------------------------------------------------------ request decoding */

/* One element of a content array. Appends 0..1 parts to @into. */
static gboolean
decode_content_part (JsonNode   *node,
                     const char *path,
                     GPtrArray  *into,
                     GError    **error)
{
  JsonObject *object;
  const char *type;
  const char *text;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: expected an object", path);
  object = json_node_get_object (node);
  if (!get_string (object, path, "type", &type, error))
    return FALSE;
  if (type == NULL)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.type: missing", path);

  if (strcmp (type, "text") == 0 || strcmp (type, "refusal") == 0)
    {
      const char *member = type[0] == 't' ? "text" : "refusal";

      if (!get_string (object, path, member, &text, error))
        return FALSE;
      if (text == NULL)
        return fail_type (error, path, member, "a string");
      if (*text != '\0')
        g_ptr_array_add (into, sy_ir_part_new_text (text));
      return TRUE;
    }

  if (strcmp (type, "image_url") == 0)
    {
      JsonNode *image = opt_member (object, "image_url");
      const char *url = NULL;

      if (sy_json_node_is_string (image))
        url = json_node_get_string (image);
      else if (image != NULL && JSON_NODE_HOLDS_OBJECT (image))
        {
          g_autofree char *sub = field_path (path, "image_url");

          if (!get_string (json_node_get_object (image), sub, "url", &url, error))
            return FALSE;
        }
      if (url == NULL)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.image_url.url: expected a string", path);
      g_ptr_array_add (into, image_part_from_url (url));
      return TRUE;
    }

  if (strcmp (type, "input_audio") == 0)
    {
      JsonObject *audio = sy_json_get_object (object, "input_audio");
      g_autofree char *sub = field_path (path, "input_audio");
      const char *data;
      const char *format;
      SyIrPart *part;

      if (audio == NULL)
        return fail_type (error, path, "input_audio", "an object");
      if (!get_string (audio, sub, "data", &data, error) ||
          !get_string (audio, sub, "format", &format, error))
        return FALSE;
      if (data == NULL)
        return fail_type (error, sub, "data", "a string");
      part = sy_ir_part_new (SY_IR_PART_AUDIO);
      part->data = g_strdup (data);
      part->mime_type = audio_mime_for_format (format ? format : "wav");
      g_ptr_array_add (into, part);
      return TRUE;
    }

  if (strcmp (type, "file") == 0)
    {
      JsonObject *file = sy_json_get_object (object, "file");
      g_autofree char *sub = field_path (path, "file");
      const char *file_data;
      const char *filename;
      const char *file_id;
      SyIrPart *part;

      if (file == NULL)
        return fail_type (error, path, "file", "an object");
      if (!get_string (file, sub, "file_data", &file_data, error) ||
          !get_string (file, sub, "filename", &filename, error) ||
          !get_string (file, sub, "file_id", &file_id, error))
        return FALSE;
      if (file_data == NULL && file_id != NULL)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                                  "%s.file.file_id: uploaded files cannot be forwarded; send file_data", path);
      if (file_data == NULL)
        return fail_type (error, sub, "file_data", "a string");
      part = sy_ir_part_new (SY_IR_PART_DOCUMENT);
      if (!sy_ir_parse_data_url (file_data, &part->mime_type, &part->data))
        {
          part->data = g_strdup (file_data);
          part->mime_type = g_strdup (mime_for_filename (filename));
        }
      part->filename = g_strdup (filename);
      g_ptr_array_add (into, part);
      return TRUE;
    }

  return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED, "%s.type: unsupported content part \"%s\"",
                            path, type);
}

/* A message's content: a string, an array of parts, or (if @nullable) null. */
static gboolean
decode_content (JsonObject *message,
                const char *path,
                gboolean    nullable,
                GPtrArray  *into,
                GError    **error)
{
  JsonNode *node = opt_member (message, "content");
  JsonArray *array;
  guint i;

  if (node == NULL)
    {
      if (nullable)
        return TRUE;
      return fail_type (error, path, "content", "a string or an array");
    }
  if (sy_json_node_is_string (node))
    {
      const char *text = json_node_get_string (node);

      if (*text != '\0')
        g_ptr_array_add (into, sy_ir_part_new_text (text));
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail_type (error, path, "content", "a string or an array");

  array = json_node_get_array (node);
  for (i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *sub = g_strdup_printf ("%s.content[%u]", path, i);

      if (!decode_content_part (json_array_get_element (array, i), sub, into, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
decode_tool_calls (JsonObject     *message,
                   const char     *path,
                   SyIrMessage    *into,
                   SyTranslateCtx *ctx,
                   GError        **error)
{
  JsonNode *node = opt_member (message, "tool_calls");
  JsonArray *array;
  guint i;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail_type (error, path, "tool_calls", "an array");
  array = json_node_get_array (node);
  for (i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autofree char *sub = g_strdup_printf ("%s.tool_calls[%u]", path, i);
      g_autofree char *fsub = NULL;
      JsonObject *call;
      JsonObject *function;
      const char *id;
      const char *type;
      const char *name;
      SyIrPart *part;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: expected an object", sub);
      call = json_node_get_object (element);
      if (!get_string (call, sub, "id", &id, error) ||
          !get_string (call, sub, "type", &type, error))
        return FALSE;
      if (type != NULL && strcmp (type, "function") != 0)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED, "%s.type: unsupported tool call type \"%s\"",
                                  sub, type);
      function = sy_json_get_object (call, "function");
      if (function == NULL)
        return fail_type (error, sub, "function", "an object");
      fsub = field_path (sub, "function");
      if (!get_string (function, fsub, "name", &name, error))
        return FALSE;
      if (name == NULL)
        return fail_type (error, fsub, "name", "a string");

      part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
      part->id = id ? g_strdup (id) : sy_translate_ctx_new_id (ctx, "call_");
      part->name = g_strdup (name);
      part->arguments = arguments_from_node (opt_member (function, "arguments"));
      sy_ir_message_add (into, part);
    }
  return TRUE;
}

/* Tool message content: text-only arrays become one text (joined like the
 * encoder joins them), anything with media keeps its parts. */
static gboolean
decode_tool_content (JsonObject *message,
                     const char *path,
                     SyIrPart   *result,
                     GError    **error)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
  JsonNode *node = opt_member (message, "content");
  gboolean text_only = TRUE;
  guint i;

  if (sy_json_node_is_string (node))
    {
      g_ptr_array_add (result->content, sy_ir_part_new_text (json_node_get_string (node)));
      return TRUE;
    }
  if (!decode_content (message, path, TRUE, parts, error))
    return FALSE;
  for (i = 0; i < parts->len; i++)
    if (((SyIrPart *) g_ptr_array_index (parts, i))->type != SY_IR_PART_TEXT)
      text_only = FALSE;
  if (text_only)
    {
      SyIrPart *text = sy_ir_part_new (SY_IR_PART_TEXT);

      text->text = sy_ir_parts_text (parts, "\n\n");
      g_ptr_array_add (result->content, text);
      return TRUE;
    }
  while (parts->len > 0)
    g_ptr_array_add (result->content, g_ptr_array_steal_index (parts, 0));
  return TRUE;
}

static gboolean
decode_message (SyIrRequest    *request,
                JsonNode       *node,
                guint           index,
                gboolean       *after_tool,
                SyTranslateCtx *ctx,
                GError        **error)
{
  g_autofree char *path = g_strdup_printf ("messages[%u]", index);
  JsonObject *message;
  const char *role;
  SyIrMessage *out;
  gboolean was_tool = *after_tool;

  *after_tool = FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: expected an object", path);
  message = json_node_get_object (node);
  if (!get_string (message, path, "role", &role, error))
    return FALSE;
  if (role == NULL)
    return fail_type (error, path, "role", "a string");

  if (strcmp (role, "system") == 0 || strcmp (role, "developer") == 0)
    return decode_content (message, path, FALSE, request->system, error);

  if (strcmp (role, "user") == 0)
    {
      out = sy_ir_request_add_message (request, SY_IR_ROLE_USER);
      return decode_content (message, path, FALSE, out->parts, error);
    }

  if (strcmp (role, "assistant") == 0)
    {
      const char *reasoning;

      out = sy_ir_request_add_message (request, SY_IR_ROLE_ASSISTANT);
      if (!get_string (message, path, "reasoning_content", &reasoning, error))
        return FALSE;
      if (reasoning != NULL && *reasoning != '\0')
        {
          SyIrPart *thinking = sy_ir_part_new (SY_IR_PART_THINKING);

          thinking->text = g_strdup (reasoning);
          sy_ir_message_add (out, thinking);
        }
      if (!decode_content (message, path, TRUE, out->parts, error))
        return FALSE;
      return decode_tool_calls (message, path, out, ctx, error);
    }

  if (strcmp (role, "tool") == 0)
    {
      const char *call_id;
      const char *name;
      SyIrPart *result;

      if (!get_string (message, path, "tool_call_id", &call_id, error) ||
          !get_string (message, path, "name", &name, error))
        return FALSE;
      if (call_id == NULL)
        return fail_type (error, path, "tool_call_id", "a string");
      result = sy_ir_part_new (SY_IR_PART_TOOL_RESULT);
      result->tool_call_id = g_strdup (call_id);
      if (name == NULL)
        name = sy_ir_request_find_call_name (request, call_id);
      result->name = g_strdup (name);
      result->content = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
      /* Consecutive tool messages answer one assistant turn: one user message. */
      out = was_tool ? g_ptr_array_index (request->messages, request->messages->len - 1)
                     : sy_ir_request_add_message (request, SY_IR_ROLE_USER);
      sy_ir_message_add (out, result);
      *after_tool = TRUE;
      return decode_tool_content (message, path, result, error);
    }

  return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.role: unknown role \"%s\"", path, role);
}

static gboolean
decode_tools (SyIrRequest *request,
              JsonObject  *body,
              GError     **error)
{
  JsonNode *node = opt_member (body, "tools");
  JsonArray *array;
  guint i;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail_type (error, NULL, "tools", "an array");
  array = json_node_get_array (node);
  for (i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autofree char *path = g_strdup_printf ("tools[%u]", i);
      g_autofree char *fpath = NULL;
      JsonObject *object;
      JsonObject *function;
      JsonNode *parameters;
      const char *type;
      const char *name;
      const char *description;
      int strict;
      SyIrTool *tool;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: expected an object", path);
      object = json_node_get_object (element);
      if (!get_string (object, path, "type", &type, error))
        return FALSE;
      if (type != NULL && strcmp (type, "function") != 0)
        {
          tool = sy_ir_tool_new (SY_IR_TOOL_OTHER);
          tool->name = g_strdup (type);
          tool->raw = json_node_copy (element);
          tool->raw_format = SY_FORMAT_OPENAI;
          g_ptr_array_add (request->tools, tool);
          continue;
        }
      function = sy_json_get_object (object, "function");
      if (function == NULL)
        return fail_type (error, path, "function", "an object");
      fpath = field_path (path, "function");
      if (!get_string (function, fpath, "name", &name, error) ||
          !get_string (function, fpath, "description", &description, error) ||
          !get_bool (function, fpath, "strict", &strict, error))
        return FALSE;
      if (name == NULL)
        return fail_type (error, fpath, "name", "a string");
      parameters = opt_member (function, "parameters");
      if (parameters != NULL && !JSON_NODE_HOLDS_OBJECT (parameters))
        return fail_type (error, fpath, "parameters", "an object");

      tool = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
      tool->name = g_strdup (name);
      tool->description = g_strdup (description);
      tool->parameters = parameters ? json_node_copy (parameters) : NULL;
      tool->strict = strict;
      g_ptr_array_add (request->tools, tool);
    }
  return TRUE;
}

static gboolean
decode_tool_choice (SyIrRequest *request,
                    JsonObject  *body,
                    GError     **error)
{
  JsonNode *node = opt_member (body, "tool_choice");
  JsonObject *object;
  JsonObject *function;
  const char *type;
  const char *name;

  if (node == NULL)
    return TRUE;
  if (sy_json_node_is_string (node))
    {
      const char *choice = json_node_get_string (node);

      if (strcmp (choice, "auto") == 0)
        request->tool_choice = SY_IR_TOOL_CHOICE_AUTO;
      else if (strcmp (choice, "none") == 0)
        request->tool_choice = SY_IR_TOOL_CHOICE_NONE;
      else if (strcmp (choice, "required") == 0)
        request->tool_choice = SY_IR_TOOL_CHOICE_REQUIRED;
      else
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                  "tool_choice: expected \"auto\", \"none\" or \"required\", got \"%s\"", choice);
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail_type (error, NULL, "tool_choice", "a string or an object");
  object = json_node_get_object (node);
  if (!get_string (object, "tool_choice", "type", &type, error))
    return FALSE;
  if (type != NULL && strcmp (type, "function") != 0)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED, "tool_choice.type: unsupported \"%s\"", type);
  function = sy_json_get_object (object, "function");
  if (function == NULL)
    return fail_type (error, "tool_choice", "function", "an object");
  if (!get_string (function, "tool_choice.function", "name", &name, error))
    return FALSE;
  if (name == NULL)
    return fail_type (error, "tool_choice.function", "name", "a string");
  request->tool_choice = SY_IR_TOOL_CHOICE_NAMED;
  request->tool_choice_name = g_strdup (name);
  return TRUE;
}

static gboolean
decode_stop (SyIrRequest *request,
             JsonObject  *body,
             GError     **error)
{
  JsonNode *node = opt_member (body, "stop");
  JsonArray *array;
  guint i;

  if (node == NULL)
    return TRUE;
  if (sy_json_node_is_string (node))
    {
      request->stop = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (request->stop, g_strdup (json_node_get_string (node)));
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail_type (error, NULL, "stop", "a string or an array");
  array = json_node_get_array (node);
  if (json_array_get_length (array) == 0)
    return TRUE;
  request->stop = g_ptr_array_new_with_free_func (g_free);
  for (i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!sy_json_node_is_string (element))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "stop[%u]: expected a string", i);
      g_ptr_array_add (request->stop, g_strdup (json_node_get_string (element)));
    }
  return TRUE;
}

static gboolean
decode_response_format (SyIrRequest *request,
                        JsonObject  *body,
                        GError     **error)
{
  JsonNode *node = opt_member (body, "response_format");
  JsonObject *object;
  JsonObject *schema;
  JsonNode *schema_node;
  const char *type;
  const char *name;
  int strict;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail_type (error, NULL, "response_format", "an object");
  object = json_node_get_object (node);
  if (!get_string (object, "response_format", "type", &type, error))
    return FALSE;
  if (type == NULL)
    return fail_type (error, "response_format", "type", "a string");
  if (strcmp (type, "text") == 0)
    request->response_format = SY_IR_RESPONSE_FORMAT_TEXT;
  else if (strcmp (type, "json_object") == 0)
    request->response_format = SY_IR_RESPONSE_FORMAT_JSON_OBJECT;
  else if (strcmp (type, "json_schema") == 0)
    {
      schema = sy_json_get_object (object, "json_schema");
      if (schema == NULL)
        return fail_type (error, "response_format", "json_schema", "an object");
      if (!get_string (schema, "response_format.json_schema", "name", &name, error) ||
          !get_bool (schema, "response_format.json_schema", "strict", &strict, error))
        return FALSE;
      schema_node = opt_member (schema, "schema");
      if (schema_node != NULL && !JSON_NODE_HOLDS_OBJECT (schema_node))
        return fail_type (error, "response_format.json_schema", "schema", "an object");
      request->response_format = SY_IR_RESPONSE_FORMAT_JSON_SCHEMA;
      request->response_schema_name = g_strdup (name);
      request->response_schema = schema_node ? json_node_copy (schema_node) : NULL;
      request->response_schema_strict = strict;
    }
  else
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "response_format.type: unknown type \"%s\"", type);
  return TRUE;
}

static gboolean
decode_reasoning (SyIrRequest *request,
                  JsonObject  *body,
                  GError     **error)
{
  const char *effort;
  SyIrLevel level;

  if (!get_string (body, NULL, "reasoning_effort", &effort, error))
    return FALSE;
  if (effort == NULL)
    return TRUE;
  if (g_ascii_strcasecmp (effort, "none") == 0)
    request->reasoning.mode = SY_IR_REASONING_NONE;
  else if (g_ascii_strcasecmp (effort, "auto") == 0)
    request->reasoning.mode = SY_IR_REASONING_AUTO;
  else if (sy_ir_level_from_string (effort, &level) && level != SY_IR_LEVEL_NONE)
    {
      request->reasoning.mode = SY_IR_REASONING_LEVEL;
      request->reasoning.level = level;
    }
  else
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "reasoning_effort: unknown level \"%s\"", effort);
  return TRUE;
}

static SyIrRequest *
decode_request (JsonNode       *body_node,
                SyTranslateCtx *ctx,
                GError        **error)
{
  g_autoptr(SyIrRequest) request = sy_ir_request_new ();
  JsonObject *body;
  JsonObject *stream_options;
  JsonNode *messages;
  JsonArray *array;
  const char *model;
  const char *user;
  gint64 max_tokens;
  gint64 max_completion_tokens;
  gboolean after_tool = FALSE;
  int stream;
  int flag;
  guint i;

  if (body_node == NULL || !JSON_NODE_HOLDS_OBJECT (body_node))
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "request body: expected a JSON object");
      return NULL;
    }
  body = json_node_get_object (body_node);

  if (!get_string (body, NULL, "model", &model, error) ||
      !get_bool (body, NULL, "stream", &stream, error) ||
      !get_string (body, NULL, "user", &user, error))
    return NULL;
  request->model = g_strdup (model);
  request->stream = stream == 1;
  request->user = g_strdup (user);

  if (opt_member (body, "stream_options") != NULL)
    {
      stream_options = sy_json_get_object (body, "stream_options");
      if (stream_options == NULL)
        {
          fail_type (error, NULL, "stream_options", "an object");
          return NULL;
        }
      if (!get_bool (stream_options, "stream_options", "include_usage", &flag, error))
        return NULL;
      request->include_usage = flag == 1;
    }

  messages = opt_member (body, "messages");
  if (messages == NULL || !JSON_NODE_HOLDS_ARRAY (messages))
    {
      fail_type (error, NULL, "messages", "an array");
      return NULL;
    }
  array = json_node_get_array (messages);
  if (json_array_get_length (array) == 0)
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "messages: must not be empty");
      return NULL;
    }
  for (i = 0; i < json_array_get_length (array); i++)
    if (!decode_message (request, json_array_get_element (array, i), i, &after_tool, ctx, error))
      return NULL;

  if (!decode_tools (request, body, error) ||
      !decode_tool_choice (request, body, error) ||
      !get_bool (body, NULL, "parallel_tool_calls", &request->parallel_tool_calls, error) ||
      !get_int (body, NULL, "max_tokens", 1, &max_tokens, error) ||
      !get_int (body, NULL, "max_completion_tokens", 1, &max_completion_tokens, error) ||
      !get_number (body, NULL, "temperature", &request->has_temperature, &request->temperature, error) ||
      !get_number (body, NULL, "top_p", &request->has_top_p, &request->top_p, error) ||
      !get_int (body, NULL, "top_k", 0, &request->top_k, error) ||
      !decode_stop (request, body, error) ||
      !get_int (body, NULL, "seed", G_MININT64 + 1, &request->seed, error) ||
      !get_number (body, NULL, "presence_penalty", &request->has_presence_penalty,
                   &request->presence_penalty, error) ||
      !get_number (body, NULL, "frequency_penalty", &request->has_frequency_penalty,
                   &request->frequency_penalty, error) ||
      !get_int (body, NULL, "n", 1, &request->n, error) ||
      !get_bool (body, NULL, "logprobs", &flag, error) ||
      !get_int (body, NULL, "top_logprobs", 0, &request->top_logprobs, error) ||
      !decode_response_format (request, body, error) ||
      !decode_reasoning (request, body, error))
    return NULL;
  request->logprobs = flag == 1;
  request->max_tokens = max_completion_tokens != SY_IR_UNSET ? max_completion_tokens : max_tokens;

  return g_steal_pointer (&request);
}

/* ------------------------------------------------------ request encoding */

/* The upstream name of a client tool name: names over 64 characters are
 * shortened (distinct per client name) and the rename recorded. */
static const char *
upstream_tool_name (SyTranslateCtx *ctx,
                    const char     *name)
{
  const char *known;
  g_autofree char *shorter = NULL;
  g_autofree char *candidate = NULL;
  guint n;

  if (name == NULL || strlen (name) <= MAX_TOOL_NAME)
    return name;
  known = sy_translate_ctx_upstream_tool_name (ctx, name);
  if (known != name)
    return known;

  /* Two long names may shorten alike: later ones get _1, _2... */
  shorter = sy_tool_name_shorten (name);
  candidate = g_strdup (shorter);
  for (n = 1; strcmp (sy_translate_ctx_client_tool_name (ctx, candidate), candidate) != 0; n++)
    {
      g_autofree char *suffix = g_strdup_printf ("_%u", n);
      gsize keep = MIN (strlen (shorter), MAX_TOOL_NAME - strlen (suffix));

      g_free (candidate);
      candidate = g_strdup_printf ("%.*s%s", (int) keep, shorter, suffix);
    }
  sy_translate_ctx_add_tool_name (ctx, name, candidate);
  return sy_translate_ctx_upstream_tool_name (ctx, name);
}

/* One content part as an OpenAI part object; NULL with @error if it cannot be sent. */
static JsonObject *
encode_part (const SyIrPart *part,
             const char     *path,
             GError        **error)
{
  JsonObject *object;
  JsonObject *inner;
  g_autofree char *url = NULL;

  switch (part->type)
    {
    case SY_IR_PART_TEXT:
      object = json_object_new ();
      json_object_set_string_member (object, "type", "text");
      json_object_set_string_member (object, "text", part->text ? part->text : "");
      return object;

    case SY_IR_PART_IMAGE:
      if (part->data != NULL)
        url = sy_ir_make_data_url (part->mime_type, part->data);
      else if (part->url != NULL)
        url = g_strdup (part->url);
      else
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: image without data or URL", path);
          return NULL;
        }
      object = json_object_new ();
      inner = json_object_new ();
      json_object_set_string_member (object, "type", "image_url");
      json_object_set_string_member (inner, "url", url);
      json_object_set_object_member (object, "image_url", inner);
      return object;

    case SY_IR_PART_AUDIO:
      if (part->data == NULL)
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED, "%s: audio by URL cannot be sent to this upstream", path);
          return NULL;
        }
      object = json_object_new ();
      inner = json_object_new ();
      json_object_set_string_member (object, "type", "input_audio");
      json_object_set_string_member (inner, "data", part->data);
      json_object_set_string_member (inner, "format", audio_format_for_mime (part->mime_type));
      json_object_set_object_member (object, "input_audio", inner);
      return object;

    case SY_IR_PART_DOCUMENT:
      if (part->data == NULL)
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED, "%s: a document by URL cannot be sent to this upstream", path);
          return NULL;
        }
      url = sy_ir_make_data_url (part->mime_type, part->data);
      object = json_object_new ();
      inner = json_object_new ();
      json_object_set_string_member (object, "type", "file");
      if (part->filename != NULL)
        json_object_set_string_member (inner, "filename", part->filename);
      json_object_set_string_member (inner, "file_data", url);
      json_object_set_object_member (object, "file", inner);
      return object;

    case SY_IR_PART_TOOL_CALL:
    case SY_IR_PART_TOOL_RESULT:
    case SY_IR_PART_THINKING:
    default:
      return NULL;
    }
}

static gboolean
is_content_part (const SyIrPart *part)
{
  return part->type == SY_IR_PART_TEXT || part->type == SY_IR_PART_IMAGE ||
         part->type == SY_IR_PART_AUDIO || part->type == SY_IR_PART_DOCUMENT;
}

/* The content of a message: one text as a string, anything else as an
 * array of parts; NULL when there is no content part. */
static gboolean
encode_content (GPtrArray  *parts,
                const char *path,
                JsonNode  **out,
                GError    **error)
{
  JsonArray *array = NULL;
  const SyIrPart *only = NULL;
  guint count = 0;
  guint i;

  *out = NULL;
  for (i = 0; parts != NULL && i < parts->len; i++)
    if (is_content_part (g_ptr_array_index (parts, i)))
      {
        only = g_ptr_array_index (parts, i);
        count++;
      }
  if (count == 0)
    return TRUE;
  if (count == 1 && only->type == SY_IR_PART_TEXT)
    {
      *out = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (*out, only->text ? only->text : "");
      return TRUE;
    }

  array = json_array_new ();
  for (i = 0; i < parts->len; i++)
    {
      const SyIrPart *part = g_ptr_array_index (parts, i);
      g_autofree char *sub = NULL;
      JsonObject *object;

      if (!is_content_part (part))
        continue;
      sub = g_strdup_printf ("%s[%u]", path, i);
      object = encode_part (part, sub, error);
      if (object == NULL)
        {
          json_array_unref (array);
          return FALSE;
        }
      json_array_add_object_element (array, object);
    }
  *out = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (*out, array);
  return TRUE;
}

/* A tool result's content: the joined text, or parts when media is present. */
static gboolean
encode_tool_result (const SyIrPart *result,
                    const char     *path,
                    JsonObject     *message,
                    GError        **error)
{
  gboolean media = FALSE;
  JsonNode *content;
  guint i;

  for (i = 0; result->content != NULL && i < result->content->len; i++)
    if (((SyIrPart *) g_ptr_array_index (result->content, i))->type != SY_IR_PART_TEXT)
      media = TRUE;

  if (!media)
    {
      g_autofree char *text = sy_ir_parts_text (result->content, "\n\n");

      json_object_set_string_member (message, "content", text);
      return TRUE;
    }
  if (!encode_content (result->content, path, &content, error))
    return FALSE;
  json_object_set_member (message, "content", content);
  return TRUE;
}

static gboolean
encode_user (const SyIrMessage *message,
             guint              index,
             JsonArray         *out,
             GError           **error)
{
  g_autofree char *path = g_strdup_printf ("messages[%u].content", index);
  JsonNode *content = NULL;
  gboolean any_result = FALSE;
  JsonObject *object;
  guint i;

  for (i = 0; i < message->parts->len; i++)
    {
      const SyIrPart *part = g_ptr_array_index (message->parts, i);
      g_autofree char *sub = NULL;

      if (part->type != SY_IR_PART_TOOL_RESULT)
        continue;
      any_result = TRUE;
      sub = g_strdup_printf ("%s[%u].content", path, i);
      object = json_object_new ();
      json_object_set_string_member (object, "role", "tool");
      json_object_set_string_member (object, "tool_call_id", part->tool_call_id ? part->tool_call_id : "");
      if (!encode_tool_result (part, sub, object, error))
        {
          json_object_unref (object);
          return FALSE;
        }
      json_array_add_object_element (out, object);
    }

  if (!encode_content (message->parts, path, &content, error))
    return FALSE;
  if (content == NULL && any_result)
    return TRUE;
  object = json_object_new ();
  json_object_set_string_member (object, "role", "user");
  if (content != NULL)
    json_object_set_member (object, "content", content);
  else
    json_object_set_string_member (object, "content", "");
  json_array_add_object_element (out, object);
  return TRUE;
}

static gboolean
encode_assistant (const SyIrMessage *message,
                  guint              index,
                  SyTranslateCtx    *ctx,
                  JsonArray         *out,
                  GError           **error)
{
  g_autofree char *path = g_strdup_printf ("messages[%u].content", index);
  g_autoptr(GString) reasoning = NULL;
  JsonArray *calls = NULL;
  JsonNode *content = NULL;
  JsonObject *object;
  guint i;

  for (i = 0; i < message->parts->len; i++)
    {
      const SyIrPart *part = g_ptr_array_index (message->parts, i);
      JsonObject *call;
      JsonObject *function;

      if (part->type == SY_IR_PART_THINKING && !part->redacted && part->text != NULL && *part->text != '\0')
        {
          if (reasoning == NULL)
            reasoning = g_string_new (part->text);
          else
            g_string_append_printf (reasoning, "\n\n%s", part->text);
        }
      else if (part->type == SY_IR_PART_TOOL_CALL)
        {
          if (calls == NULL)
            calls = json_array_new ();
          call = json_object_new ();
          function = json_object_new ();
          json_object_set_string_member (call, "id", part->id ? part->id : "");
          json_object_set_string_member (call, "type", "function");
          json_object_set_string_member (function, "name", upstream_tool_name (ctx, part->name ? part->name : ""));
          json_object_set_string_member (function, "arguments", part->arguments ? part->arguments : "{}");
          json_object_set_object_member (call, "function", function);
          json_array_add_object_element (calls, call);
        }
    }

  if (!encode_content (message->parts, path, &content, error))
    {
      if (calls != NULL)
        json_array_unref (calls);
      return FALSE;
    }

  object = json_object_new ();
  json_object_set_string_member (object, "role", "assistant");
  if (content != NULL)
    json_object_set_member (object, "content", content);
  else if (calls != NULL)
    json_object_set_null_member (object, "content");
  else
    json_object_set_string_member (object, "content", "");
  if (reasoning != NULL)
    json_object_set_string_member (object, "reasoning_content", reasoning->str);
  if (calls != NULL)
    json_object_set_array_member (object, "tool_calls", calls);
  json_array_add_object_element (out, object);
  return TRUE;
}

static gboolean
encode_tools (const SyIrRequest *request,
              SyTranslateCtx    *ctx,
              JsonObject        *body,
              GError           **error)
{
  JsonArray *tools;
  JsonObject *choice;
  JsonObject *function;
  guint i;

  if (request->tools->len == 0)
    return TRUE;

  tools = json_array_new ();
  for (i = 0; i < request->tools->len; i++)
    {
      const SyIrTool *tool = g_ptr_array_index (request->tools, i);
      JsonObject *object;

      if (tool->type == SY_IR_TOOL_OTHER && tool->raw != NULL && tool->raw_format == SY_FORMAT_OPENAI)
        {
          json_array_add_element (tools, json_node_copy (tool->raw));
          continue;
        }
      if (tool->type != SY_IR_TOOL_FUNCTION)
        {
          json_array_unref (tools);
          return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                                    "tools[%u]: the built-in tool \"%s\" is not available from this upstream",
                                    i, tool->name ? tool->name : "unknown");
        }
      object = json_object_new ();
      function = json_object_new ();
      json_object_set_string_member (object, "type", "function");
      json_object_set_string_member (function, "name", upstream_tool_name (ctx, tool->name ? tool->name : ""));
      if (tool->description != NULL)
        json_object_set_string_member (function, "description", tool->description);
      if (tool->parameters != NULL)
        json_object_set_member (function, "parameters", json_node_copy (tool->parameters));
      if (tool->strict != -1)
        json_object_set_boolean_member (function, "strict", tool->strict == 1);
      json_object_set_object_member (object, "function", function);
      json_array_add_object_element (tools, object);
    }
  json_object_set_array_member (body, "tools", tools);

  switch (request->tool_choice)
    {
    case SY_IR_TOOL_CHOICE_AUTO:
      json_object_set_string_member (body, "tool_choice", "auto");
      break;
    case SY_IR_TOOL_CHOICE_NONE:
      json_object_set_string_member (body, "tool_choice", "none");
      break;
    case SY_IR_TOOL_CHOICE_REQUIRED:
      json_object_set_string_member (body, "tool_choice", "required");
      break;
    case SY_IR_TOOL_CHOICE_NAMED:
      choice = json_object_new ();
      function = json_object_new ();
      json_object_set_string_member (choice, "type", "function");
      json_object_set_string_member (function, "name",
                                     upstream_tool_name (ctx, request->tool_choice_name ? request->tool_choice_name : ""));
      json_object_set_object_member (choice, "function", function);
      json_object_set_object_member (body, "tool_choice", choice);
      break;
    case SY_IR_TOOL_CHOICE_UNSET:
    default:
      break;
    }
  if (request->parallel_tool_calls != -1)
    json_object_set_boolean_member (body, "parallel_tool_calls", request->parallel_tool_calls == 1);
  return TRUE;
}

/* reasoning_effort, and the switches some open-weight models take instead
 * (written by the thinking module, which the pass-through shares) */
static void
encode_reasoning (const SyIrRequest *request,
                  JsonObject        *body)
{
  sy_thinking_write_json (body, SY_FORMAT_OPENAI, SY_FLAVOR_PLAIN, request);
}

static void
encode_response_format (const SyIrRequest *request,
                        JsonObject        *body)
{
  JsonObject *format;
  JsonObject *schema;

  if (request->response_format == SY_IR_RESPONSE_FORMAT_UNSET)
    return;
  format = json_object_new ();
  switch (request->response_format)
    {
    case SY_IR_RESPONSE_FORMAT_TEXT:
      json_object_set_string_member (format, "type", "text");
      break;
    case SY_IR_RESPONSE_FORMAT_JSON_OBJECT:
      json_object_set_string_member (format, "type", "json_object");
      break;
    case SY_IR_RESPONSE_FORMAT_JSON_SCHEMA:
    case SY_IR_RESPONSE_FORMAT_UNSET:
    default:
      schema = json_object_new ();
      json_object_set_string_member (format, "type", "json_schema");
      json_object_set_string_member (schema, "name",
                                     request->response_schema_name ? request->response_schema_name : "response");
      if (request->response_schema != NULL)
        json_object_set_member (schema, "schema", json_node_copy (request->response_schema));
      if (request->response_schema_strict != -1)
        json_object_set_boolean_member (schema, "strict", request->response_schema_strict == 1);
      json_object_set_object_member (format, "json_schema", schema);
      break;
    }
  json_object_set_object_member (body, "response_format", format);
}

static JsonNode *
encode_request (const SyIrRequest *request,
                SyTranslateCtx    *ctx,
                GError           **error)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonArray *messages = json_array_new ();
  JsonNode *system = NULL;
  JsonNode *root;
  const char *model;
  guint i;

  model = ctx->upstream_model ? ctx->upstream_model : request->model;
  if (model != NULL)
    json_object_set_string_member (body, "model", model);
  json_object_set_array_member (body, "messages", messages);

  if (!encode_content (request->system, "system", &system, error))
    return NULL;
  if (system != NULL)
    {
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "role", "system");
      json_object_set_member (object, "content", system);
      json_array_add_object_element (messages, object);
    }

  for (i = 0; i < request->messages->len; i++)
    {
      const SyIrMessage *message = g_ptr_array_index (request->messages, i);
      gboolean ok;

      if (message->role == SY_IR_ROLE_USER)
        ok = encode_user (message, i, messages, error);
      else
        ok = encode_assistant (message, i, ctx, messages, error);
      if (!ok)
        return NULL;
    }

  if (!encode_tools (request, ctx, body, error))
    return NULL;

  if (request->max_tokens != SY_IR_UNSET)
    json_object_set_int_member (body, "max_tokens", request->max_tokens);
  if (request->has_temperature)
    json_object_set_double_member (body, "temperature", request->temperature);
  if (request->has_top_p)
    json_object_set_double_member (body, "top_p", request->top_p);
  if (request->top_k != SY_IR_UNSET)
    json_object_set_int_member (body, "top_k", request->top_k);
  if (request->stop != NULL && request->stop->len == 1)
    json_object_set_string_member (body, "stop", g_ptr_array_index (request->stop, 0));
  else if (request->stop != NULL && request->stop->len > 1)
    {
      JsonArray *stop = json_array_new ();

      for (i = 0; i < request->stop->len; i++)
        json_array_add_string_element (stop, g_ptr_array_index (request->stop, i));
      json_object_set_array_member (body, "stop", stop);
    }
  if (request->seed != SY_IR_UNSET)
    json_object_set_int_member (body, "seed", request->seed);
  if (request->has_presence_penalty)
    json_object_set_double_member (body, "presence_penalty", request->presence_penalty);
  if (request->has_frequency_penalty)
    json_object_set_double_member (body, "frequency_penalty", request->frequency_penalty);
  if (request->n != SY_IR_UNSET)
    json_object_set_int_member (body, "n", request->n);
  if (request->logprobs)
    json_object_set_boolean_member (body, "logprobs", TRUE);
  if (request->top_logprobs != SY_IR_UNSET)
    json_object_set_int_member (body, "top_logprobs", request->top_logprobs);
  encode_response_format (request, body);
  encode_reasoning (request, body);
  if (request->user != NULL)
    json_object_set_string_member (body, "user", request->user);

  json_object_set_boolean_member (body, "stream", request->stream);
  if (request->stream)
    {
      /* The proxy accounts every answer, so it always asks for usage. */
      JsonObject *options = json_object_new ();

      json_object_set_boolean_member (options, "include_usage", TRUE);
      json_object_set_object_member (body, "stream_options", options);
    }

  root = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (root, body);
  return root;
}

/* ------------------------------------------------------- whole answers */

static void
decode_usage (JsonObject *object,
              SyIrUsage  *usage)
{
  JsonObject *details;
  gint64 value;

  if (sy_json_get_int (object, "prompt_tokens", &value))
    usage->input_tokens = sy_ir_tokens (value);
  if (sy_json_get_int (object, "completion_tokens", &value))
    usage->output_tokens = sy_ir_tokens (value);
  if (sy_json_get_int (object, "total_tokens", &value))
    usage->total_tokens = sy_ir_tokens (value);
  details = sy_json_get_object (object, "prompt_tokens_details");
  if (sy_json_get_int (details, "cached_tokens", &value))
    usage->cached_tokens = sy_ir_tokens (value);
  details = sy_json_get_object (object, "completion_tokens_details");
  if (sy_json_get_int (details, "reasoning_tokens", &value))
    usage->reasoning_tokens = sy_ir_tokens (value);
  if (usage->total_tokens == SY_IR_UNSET && usage->input_tokens != SY_IR_UNSET &&
      usage->output_tokens != SY_IR_UNSET)
    usage->total_tokens = sy_ir_tokens (usage->input_tokens + usage->output_tokens);
}

static gint64
or_zero (gint64 value)
{
  return value == SY_IR_UNSET ? 0 : value;
}

static JsonObject *
encode_usage (const SyIrUsage *usage)
{
  JsonObject *object = json_object_new ();
  gint64 total = usage->total_tokens;

  if (total == SY_IR_UNSET)
    total = or_zero (usage->input_tokens) + or_zero (usage->output_tokens);
  json_object_set_int_member (object, "prompt_tokens", or_zero (usage->input_tokens));
  json_object_set_int_member (object, "completion_tokens", or_zero (usage->output_tokens));
  json_object_set_int_member (object, "total_tokens", total);
  if (usage->cached_tokens != SY_IR_UNSET)
    {
      JsonObject *details = json_object_new ();

      json_object_set_int_member (details, "cached_tokens", usage->cached_tokens);
      json_object_set_object_member (object, "prompt_tokens_details", details);
    }
  if (usage->reasoning_tokens != SY_IR_UNSET)
    {
      JsonObject *details = json_object_new ();

      json_object_set_int_member (details, "reasoning_tokens", usage->reasoning_tokens);
      json_object_set_object_member (object, "completion_tokens_details", details);
    }
  return object;
}

/* Reasoning text in any of the shapes compatible servers use: a string, an
 * object with "text", or an array of those. Appends to @out. */
static void
collect_reasoning (JsonNode *node,
                   GString  *out)
{
  JsonArray *array;
  guint i;

  if (node == NULL)
    return;
  if (sy_json_node_is_string (node))
    g_string_append (out, json_node_get_string (node));
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      const char *text = sy_json_get_string (json_node_get_object (node), "text");

      if (text != NULL)
        g_string_append (out, text);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      array = json_node_get_array (node);
      for (i = 0; i < json_array_get_length (array); i++)
        collect_reasoning (json_array_get_element (array, i), out);
    }
}

static JsonNode *
reasoning_member (JsonObject *object)
{
  JsonNode *node = opt_member (object, "reasoning_content");

  return node != NULL ? node : opt_member (object, "reasoning");
}

/* The choice to serve: the one with index 0, else the first. */
static JsonObject *
first_choice (JsonObject *body)
{
  JsonArray *choices = sy_json_get_array (body, "choices");
  JsonObject *first = NULL;
  guint i;

  for (i = 0; choices != NULL && i < json_array_get_length (choices); i++)
    {
      JsonNode *node = json_array_get_element (choices, i);
      gint64 index;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      if (first == NULL)
        first = json_node_get_object (node);
      if (sy_json_get_int (json_node_get_object (node), "index", &index) && index == 0)
        return json_node_get_object (node);
    }
  return first;
}

static gboolean
upstream_error (JsonObject *body,
                GError    **error)
{
  JsonNode *node = opt_member (body, "error");
  const char *message = NULL;
  g_autofree char *text = NULL;

  if (node == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_OBJECT (node))
    message = sy_json_get_string (json_node_get_object (node), "message");
  else if (sy_json_node_is_string (node))
    message = json_node_get_string (node);
  if (message == NULL)
    message = text = sy_json_to_string (node);
  sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "upstream error: %s", message);
  return TRUE;
}

static void
decode_images (JsonObject *message,
               GPtrArray  *parts)
{
  JsonArray *images = sy_json_get_array (message, "images");
  guint i;

  for (i = 0; images != NULL && i < json_array_get_length (images); i++)
    {
      JsonNode *node = json_array_get_element (images, i);
      JsonObject *image_url;
      const char *url;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      image_url = sy_json_get_object (json_node_get_object (node), "image_url");
      url = sy_json_get_string (image_url, "url");
      if (url != NULL)
        g_ptr_array_add (parts, image_part_from_url (url));
    }
}

static SyIrResponse *
decode_response (JsonNode       *body_node,
                 SyTranslateCtx *ctx,
                 GError        **error)
{
  g_autoptr(SyIrResponse) response = sy_ir_response_new ();
  g_autoptr(GString) reasoning = g_string_new (NULL);
  JsonObject *body;
  JsonObject *choice;
  JsonObject *message;
  JsonObject *usage;
  JsonNode *content;
  JsonArray *calls;
  const char *reason;
  gboolean has_calls = FALSE;
  guint i;

  if (body_node == NULL || !JSON_NODE_HOLDS_OBJECT (body_node))
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "upstream answer: expected a JSON object");
      return NULL;
    }
  body = json_node_get_object (body_node);
  if (upstream_error (body, error))
    return NULL;
  if (sy_json_get_array (body, "choices") == NULL)
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "upstream answer: no choices");
      return NULL;
    }

  response->id = g_strdup (sy_json_get_string (body, "id"));
  response->model = g_strdup (sy_json_get_string (body, "model"));
  if (!sy_json_get_int (body, "created", &response->created))
    response->created = SY_IR_UNSET;

  choice = first_choice (body);
  message = sy_json_get_object (choice, "message");

  collect_reasoning (reasoning_member (message), reasoning);
  if (reasoning->len > 0)
    {
      SyIrPart *part = sy_ir_part_new (SY_IR_PART_THINKING);

      part->text = g_strdup (reasoning->str);
      g_ptr_array_add (response->parts, part);
    }

  content = opt_member (message, "content");
  if (sy_json_node_is_string (content) && *json_node_get_string (content) != '\0')
    g_ptr_array_add (response->parts, sy_ir_part_new_text (json_node_get_string (content)));
  else if (content != NULL && JSON_NODE_HOLDS_ARRAY (content))
    {
      JsonArray *array = json_node_get_array (content);

      for (i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *node = json_array_get_element (array, i);
          const char *text;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          text = sy_json_get_string (json_node_get_object (node), "text");
          if (text != NULL && *text != '\0')
            g_ptr_array_add (response->parts, sy_ir_part_new_text (text));
        }
    }

  decode_images (message, response->parts);

  calls = sy_json_get_array (message, "tool_calls");
  for (i = 0; calls != NULL && i < json_array_get_length (calls); i++)
    {
      JsonNode *node = json_array_get_element (calls, i);
      JsonObject *function;
      const char *id;
      const char *name;
      SyIrPart *part;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      function = sy_json_get_object (json_node_get_object (node), "function");
      name = sy_json_get_string (function, "name");
      if (name == NULL)
        continue;
      id = sy_json_get_string (json_node_get_object (node), "id");
      part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
      part->id = id ? g_strdup (id) : sy_translate_ctx_new_id (ctx, "call_");
      part->name = g_strdup (sy_translate_ctx_client_tool_name (ctx, name));
      part->arguments = arguments_from_node (opt_member (function, "arguments"));
      g_ptr_array_add (response->parts, part);
      has_calls = TRUE;
    }

  reason = sy_json_get_string (choice, "finish_reason");
  response->native_finish = g_strdup (reason);
  response->finish = finish_from_string (reason);
  if (has_calls && (response->finish == SY_IR_FINISH_STOP || response->finish == SY_IR_FINISH_UNSET))
    response->finish = SY_IR_FINISH_TOOL_CALLS;

  usage = sy_json_get_object (body, "usage");
  if (usage != NULL)
    decode_usage (usage, &response->usage);

  return g_steal_pointer (&response);
}

static const char *
answer_model (const char     *model,
              SyTranslateCtx *ctx)
{
  if (ctx->client_model != NULL)
    return ctx->client_model;
  return model ? model : "";
}

static JsonNode *
encode_response (const SyIrResponse *response,
                 SyTranslateCtx     *ctx,
                 GError            **error)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) reasoning = g_string_new (NULL);
  g_autofree char *id = NULL;
  JsonArray *choices = json_array_new ();
  JsonObject *choice = json_object_new ();
  JsonObject *message = json_object_new ();
  JsonArray *calls = NULL;
  JsonArray *images = NULL;
  gboolean has_text = FALSE;
  JsonNode *root;
  guint i;

  (void) error;

  for (i = 0; i < response->parts->len; i++)
    {
      const SyIrPart *part = g_ptr_array_index (response->parts, i);

      switch (part->type)
        {
        case SY_IR_PART_TEXT:
          g_string_append (text, part->text ? part->text : "");
          has_text = TRUE;
          break;

        case SY_IR_PART_THINKING:
          if (!part->redacted && part->text != NULL)
            g_string_append (reasoning, part->text);
          break;

        case SY_IR_PART_TOOL_CALL:
          {
            JsonObject *call = json_object_new ();
            JsonObject *function = json_object_new ();

            if (calls == NULL)
              calls = json_array_new ();
            json_object_set_string_member (call, "id", part->id ? part->id : "");
            json_object_set_string_member (call, "type", "function");
            json_object_set_string_member (function, "name", part->name ? part->name : "");
            json_object_set_string_member (function, "arguments", part->arguments ? part->arguments : "{}");
            json_object_set_object_member (call, "function", function);
            json_array_add_object_element (calls, call);
          }
          break;

        case SY_IR_PART_IMAGE:
          if (part->data != NULL || part->url != NULL)
            {
              JsonObject *image = json_object_new ();
              JsonObject *image_url = json_object_new ();
              g_autofree char *url = part->data ? sy_ir_make_data_url (part->mime_type, part->data)
                                                : g_strdup (part->url);

              if (images == NULL)
                images = json_array_new ();
              json_object_set_string_member (image, "type", "image_url");
              json_object_set_string_member (image_url, "url", url);
              json_object_set_object_member (image, "image_url", image_url);
              json_object_set_int_member (image, "index", json_array_get_length (images));
              json_array_add_object_element (images, image);
            }
          break;

        default:
          break;
        }
    }

  id = response->id ? g_strdup (response->id) : sy_translate_ctx_new_id (ctx, "chatcmpl-");
  json_object_set_string_member (body, "id", id);
  json_object_set_string_member (body, "object", "chat.completion");
  json_object_set_int_member (body, "created", response->created != SY_IR_UNSET ? response->created : ctx->now);
  json_object_set_string_member (body, "model", answer_model (response->model, ctx));

  json_object_set_string_member (message, "role", "assistant");
  if (has_text)
    json_object_set_string_member (message, "content", text->str);
  else
    json_object_set_null_member (message, "content");
  if (reasoning->len > 0)
    json_object_set_string_member (message, "reasoning_content", reasoning->str);
  if (calls != NULL)
    json_object_set_array_member (message, "tool_calls", calls);
  if (images != NULL)
    json_object_set_array_member (message, "images", images);

  json_object_set_int_member (choice, "index", 0);
  json_object_set_object_member (choice, "message", message);
  json_object_set_string_member (choice, "finish_reason", finish_to_string (response->finish, calls != NULL));
  json_array_add_object_element (choices, choice);
  json_object_set_array_member (body, "choices", choices);

  if (sy_ir_usage_is_set (&response->usage))
    json_object_set_object_member (body, "usage", encode_usage (&response->usage));

  root = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (root, body);
  return root;
}

/* ------------------------------------------------------- stream decoder */

typedef struct
{
  gint64    key;            /* the upstream's index (or a synthetic one) */
  guint     index;          /* IR index, in order of appearance */
  char     *id;
  GString  *pending;        /* argument text that arrived before the name */
  gboolean  started;
  gboolean  closed;
} DecoderCall;

typedef struct
{
  SyStreamDecoder  parent;
  SyJsonScan            chunk;
  GString         *text;    /* scratch: the string being emitted */
  GString         *name;    /* scratch: a tool name */
  GArray          *calls;   /* DecoderCall */
  guint            started_calls;
  gint64           next_key;
  gboolean         started;
  gboolean         finished;
  gboolean         failed;
} OpenaiDecoder;

static void
decoder_call_clear (gpointer data)
{
  DecoderCall *call = data;

  g_free (call->id);
  if (call->pending != NULL)
    g_string_free (call->pending, TRUE);
}

static void
decoder_emit (OpenaiDecoder *self,
              SyIrEvent     *event)
{
  self->parent.emit (event, self->parent.emit_data);
}

static void
decoder_emit_text (OpenaiDecoder *self,
                   SyIrEventType  type,
                   const char    *text,
                   gsize          len)
{
  SyIrEvent event;

  if (len == 0)
    return;
  sy_ir_event_init (&event, type);
  event.text = text;
  event.text_len = len;
  decoder_emit (self, &event);
}

static DecoderCall *
decoder_find_call (OpenaiDecoder *self,
                   int            delta,
                   const char    *id)
{
  SyJsonScan *c = &self->chunk;
  gint64 key;
  guint i;

  if (sy_json_scan_int (c, sy_json_scan_get (c, delta, "index"), &key))
    {
      for (i = 0; i < self->calls->len; i++)
        if (g_array_index (self->calls, DecoderCall, i).key == key)
          return &g_array_index (self->calls, DecoderCall, i);
    }
  else if (id != NULL)
    {
      /* No index (some servers): calls are told apart by id. */
      for (i = 0; i < self->calls->len; i++)
        {
          DecoderCall *call = &g_array_index (self->calls, DecoderCall, i);

          if (call->id != NULL && strcmp (call->id, id) == 0)
            return call;
        }
      key = --self->next_key;
    }
  else if (self->calls->len > 0)
    return &g_array_index (self->calls, DecoderCall, self->calls->len - 1);
  else
    key = --self->next_key;

  {
    DecoderCall call = { 0, };

    call.key = key;
    g_array_append_val (self->calls, call);
    return &g_array_index (self->calls, DecoderCall, self->calls->len - 1);
  }
}

static void
decoder_close_calls (OpenaiDecoder *self)
{
  SyIrEvent event;
  guint i;

  for (i = 0; i < self->calls->len; i++)
    {
      DecoderCall *call = &g_array_index (self->calls, DecoderCall, i);

      if (!call->started || call->closed)
        continue;
      call->closed = TRUE;
      sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_END);
      event.index = call->index;
      decoder_emit (self, &event);
    }
}

static void
decoder_tool_call (OpenaiDecoder *self,
                   int            delta)
{
  SyJsonScan *c = &self->chunk;
  int function = sy_json_scan_get_typed (c, delta, "function", SY_JSON_TOK_OBJECT);
  g_autofree char *id = g_strdup (sy_json_scan_string (c, sy_json_scan_get (c, delta, "id"), self->text));
  const char *name = sy_json_scan_string (c, sy_json_scan_get (c, function, "name"), self->name);
  const char *arguments;
  DecoderCall *call;
  SyIrEvent event;

  if (id != NULL && *id == '\0')
    g_clear_pointer (&id, g_free);
  if (name != NULL && *name == '\0')
    name = NULL;

  call = decoder_find_call (self, delta, id);
  if (call->closed)
    return;
  if (call->id == NULL && id != NULL)
    call->id = g_steal_pointer (&id);

  if (!call->started && name != NULL)
    {
      call->started = TRUE;
      call->index = self->started_calls++;
      if (call->id == NULL)
        call->id = sy_translate_ctx_new_id (self->parent.ctx, "call_");
      sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_START);
      event.index = call->index;
      event.id = call->id;
      event.name = sy_translate_ctx_client_tool_name (self->parent.ctx, name);
      decoder_emit (self, &event);
      if (call->pending != NULL && call->pending->len > 0)
        {
          sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_DELTA);
          event.index = call->index;
          event.text = call->pending->str;
          event.text_len = call->pending->len;
          decoder_emit (self, &event);
        }
      if (call->pending != NULL)
        g_string_free (g_steal_pointer (&call->pending), TRUE);
    }

  arguments = sy_json_scan_string (c, sy_json_scan_get (c, function, "arguments"), self->text);
  if (arguments == NULL || *arguments == '\0')
    return;
  if (!call->started)
    {
      if (call->pending == NULL)
        call->pending = g_string_new (NULL);
      g_string_append_len (call->pending, arguments, self->text->len);
      return;
    }
  sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_DELTA);
  event.index = call->index;
  event.text = arguments;
  event.text_len = self->text->len;
  decoder_emit (self, &event);
}

static void
decoder_tool_calls (OpenaiDecoder *self,
                    int            array)
{
  SyJsonScan *c = &self->chunk;
  int element;

  for (element = sy_json_scan_first (c, array); element >= 0; element = sy_json_scan_after (c, array, element))
    if (SY_JSON_TOK (c, element)->type == SY_JSON_TOK_OBJECT)
      decoder_tool_call (self, element);
}

static void
decoder_images (OpenaiDecoder *self,
                int            array)
{
  SyJsonScan *c = &self->chunk;
  int element;

  for (element = sy_json_scan_first (c, array); element >= 0; element = sy_json_scan_after (c, array, element))
    {
      int image_url = sy_json_scan_get_typed (c, element, "image_url", SY_JSON_TOK_OBJECT);
      const char *url = sy_json_scan_string (c, sy_json_scan_get (c, image_url, "url"), self->text);
      g_autofree char *mime_type = NULL;
      g_autofree char *data = NULL;
      SyIrEvent event;

      if (url == NULL || !sy_ir_parse_data_url (url, &mime_type, &data))
        continue;
      sy_ir_event_init (&event, SY_IR_EVENT_IMAGE);
      event.mime_type = mime_type;
      event.data = data;
      decoder_emit (self, &event);
    }
}

/* Reasoning as a string, an object with "text", or an array of those. */
static void
decoder_collect_reasoning (OpenaiDecoder *self,
                           int            index,
                           GString       *out)
{
  SyJsonScan *c = &self->chunk;
  int element;

  if (index < 0)
    return;
  switch (SY_JSON_TOK (c, index)->type)
    {
    case SY_JSON_TOK_STRING:
      sy_json_scan_append_string (c, index, out);
      break;
    case SY_JSON_TOK_OBJECT:
      index = sy_json_scan_get_typed (c, index, "text", SY_JSON_TOK_STRING);
      if (index >= 0)
        sy_json_scan_append_string (c, index, out);
      break;
    case SY_JSON_TOK_ARRAY:
      for (element = sy_json_scan_first (c, index); element >= 0; element = sy_json_scan_after (c, index, element))
        decoder_collect_reasoning (self, element, out);
      break;
    default:
      break;
    }
}

static void
decoder_usage (OpenaiDecoder *self,
               int            object)
{
  SyJsonScan *c = &self->chunk;
  SyIrEvent event;
  gint64 value;

  sy_ir_event_init (&event, SY_IR_EVENT_USAGE);
  if (sy_json_scan_int (c, sy_json_scan_get (c, object, "prompt_tokens"), &value))
    event.usage.input_tokens = sy_ir_tokens (value);
  if (sy_json_scan_int (c, sy_json_scan_get (c, object, "completion_tokens"), &value))
    event.usage.output_tokens = sy_ir_tokens (value);
  if (sy_json_scan_int (c, sy_json_scan_get (c, object, "total_tokens"), &value))
    event.usage.total_tokens = sy_ir_tokens (value);
  if (sy_json_scan_int (c, sy_json_scan_get (c, sy_json_scan_get (c, object, "prompt_tokens_details"), "cached_tokens"), &value))
    event.usage.cached_tokens = sy_ir_tokens (value);
  if (sy_json_scan_int (c, sy_json_scan_get (c, sy_json_scan_get (c, object, "completion_tokens_details"), "reasoning_tokens"), &value))
    event.usage.reasoning_tokens = sy_ir_tokens (value);
  if (event.usage.total_tokens == SY_IR_UNSET && event.usage.input_tokens != SY_IR_UNSET &&
      event.usage.output_tokens != SY_IR_UNSET)
    event.usage.total_tokens = sy_ir_tokens (event.usage.input_tokens + event.usage.output_tokens);
  if (sy_ir_usage_is_set (&event.usage))
    decoder_emit (self, &event);
}

/* The choice to serve: index 0, else the first. */
static int
decoder_choice (OpenaiDecoder *self,
                int            chunk)
{
  SyJsonScan *c = &self->chunk;
  int choices = sy_json_scan_get_typed (c, chunk, "choices", SY_JSON_TOK_ARRAY);
  int first = -1;
  int element;
  gint64 index;

  for (element = sy_json_scan_first (c, choices); element >= 0; element = sy_json_scan_after (c, choices, element))
    {
      if (SY_JSON_TOK (c, element)->type != SY_JSON_TOK_OBJECT)
        continue;
      if (first < 0)
        first = element;
      if (sy_json_scan_int (c, sy_json_scan_get (c, element, "index"), &index) && index == 0)
        return element;
    }
  return first;
}

static void
decoder_finish_event (OpenaiDecoder *self,
                      SyIrFinish     finish,
                      const char    *native)
{
  SyIrEvent event;

  decoder_close_calls (self);
  if (self->started_calls > 0 && (finish == SY_IR_FINISH_STOP || finish == SY_IR_FINISH_UNSET))
    finish = SY_IR_FINISH_TOOL_CALLS;
  sy_ir_event_init (&event, SY_IR_EVENT_FINISH);
  event.finish = finish;
  event.native_finish = native;
  decoder_emit (self, &event);
  self->finished = TRUE;
}

/* {"error": ...} in the stream: rare, so read with json-glib. */
static void
decoder_error (OpenaiDecoder *self,
               const char    *data,
               gsize          len)
{
  g_autoptr(JsonNode) root = sy_json_parse (data, len, NULL);
  g_autofree char *text = NULL;
  JsonObject *object = NULL;
  JsonNode *node = NULL;
  const char *message = NULL;
  SyIrEvent event;
  gint64 code;

  sy_ir_event_init (&event, SY_IR_EVENT_ERROR);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    node = opt_member (json_node_get_object (root), "error");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      object = json_node_get_object (node);
      message = sy_json_get_string (object, "message");
      event.error_type = sy_json_get_string (object, "type");
      if (sy_json_get_int (object, "code", &code) && code >= 100 && code < 600)
        event.status = (guint) code;
      else if (sy_json_get_int (object, "status", &code) && code >= 100 && code < 600)
        event.status = (guint) code;
    }
  else if (sy_json_node_is_string (node))
    message = json_node_get_string (node);
  if (message == NULL)
    message = text = node ? sy_json_to_string (node) : g_strndup (data, len);
  event.text = message;
  event.text_len = strlen (message);
  decoder_emit (self, &event);
  self->failed = TRUE;
}

static gboolean
decoder_feed (SyStreamDecoder *parent,
              const char      *event_name,
              const char      *data,
              gsize            len,
              GError         **error)
{
  OpenaiDecoder *self = (OpenaiDecoder *) parent;
  SyJsonScan *c = &self->chunk;
  const char *text;
  int choice;
  int delta;
  int node;
  gsize i;

  (void) event_name;

  if (self->failed)
    return TRUE;
  for (i = 0; i < len && g_ascii_isspace (data[i]); i++)
    ;
  if (i == len)
    return TRUE;
  if (len - i >= 6 && strncmp (data + i, "[DONE]", 6) == 0)
    return TRUE;

  if (!sy_json_scan_read (c, data, len))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "upstream chunk is not valid JSON (or not UTF-8)");
  if (SY_JSON_TOK (c, 0)->type != SY_JSON_TOK_OBJECT)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "upstream chunk: expected a JSON object");

  if (sy_json_scan_get (c, 0, "error") >= 0)
    {
      decoder_error (self, data, len);
      return TRUE;
    }

  if (!self->started)
    {
      g_autofree char *id = g_strdup (sy_json_scan_string (c, sy_json_scan_get (c, 0, "id"), self->text));
      const char *model = sy_json_scan_string (c, sy_json_scan_get (c, 0, "model"), self->name);
      SyIrEvent event;

      self->started = TRUE;
      sy_ir_event_init (&event, SY_IR_EVENT_START);
      event.id = id;
      event.model = model;
      if (!sy_json_scan_int (c, sy_json_scan_get (c, 0, "created"), &event.created))
        event.created = SY_IR_UNSET;
      decoder_emit (self, &event);
    }

  choice = decoder_choice (self, 0);
  delta = sy_json_scan_get_typed (c, choice, "delta", SY_JSON_TOK_OBJECT);
  if (delta >= 0)
    {
      node = sy_json_scan_get (c, delta, "reasoning_content");
      if (node < 0)
        node = sy_json_scan_get (c, delta, "reasoning");
      if (node >= 0)
        {
          g_string_truncate (self->text, 0);
          decoder_collect_reasoning (self, node, self->text);
          decoder_emit_text (self, SY_IR_EVENT_THINKING, self->text->str, self->text->len);
        }

      text = sy_json_scan_string (c, sy_json_scan_get (c, delta, "content"), self->text);
      if (text != NULL)
        decoder_emit_text (self, SY_IR_EVENT_TEXT, text, self->text->len);

      node = sy_json_scan_get_typed (c, delta, "images", SY_JSON_TOK_ARRAY);
      if (node >= 0)
        decoder_images (self, node);

      node = sy_json_scan_get_typed (c, delta, "tool_calls", SY_JSON_TOK_ARRAY);
      if (node >= 0)
        decoder_tool_calls (self, node);
    }

  text = sy_json_scan_string (c, sy_json_scan_get (c, choice, "finish_reason"), self->text);
  if (text != NULL && !self->finished)
    decoder_finish_event (self, finish_from_string (text), text);

  node = sy_json_scan_get_typed (c, 0, "usage", SY_JSON_TOK_OBJECT);
  if (node >= 0)
    decoder_usage (self, node);
  return TRUE;
}

static gboolean
decoder_finish (SyStreamDecoder *parent,
                GError         **error)
{
  OpenaiDecoder *self = (OpenaiDecoder *) parent;

  (void) error;
  if (self->failed || self->finished)
    return TRUE;
  decoder_finish_event (self, SY_IR_FINISH_STOP, NULL);
  return TRUE;
}

static void
decoder_free (SyStreamDecoder *parent)
{
  OpenaiDecoder *self = (OpenaiDecoder *) parent;

  sy_json_scan_clear (&self->chunk);
  g_string_free (self->text, TRUE);
  g_string_free (self->name, TRUE);
  g_array_unref (self->calls);
  g_free (self);
}

static SyStreamDecoder *
stream_decoder_new (SyTranslateCtx *ctx,
                    SyIrEmitFunc    emit,
                    gpointer        emit_data)
{
  OpenaiDecoder *self = g_new0 (OpenaiDecoder, 1);

  self->parent.feed = decoder_feed;
  self->parent.finish = decoder_finish;
  self->parent.free = decoder_free;
  self->parent.ctx = ctx;
  self->parent.emit = emit;
  self->parent.emit_data = emit_data;
  sy_json_scan_init (&self->chunk);
  self->text = g_string_sized_new (256);
  self->name = g_string_sized_new (64);
  self->calls = g_array_new (FALSE, TRUE, sizeof (DecoderCall));
  g_array_set_clear_func (self->calls, decoder_call_clear);
  return &self->parent;
}

/* ------------------------------------------------------- stream encoder */

/*
 * Chunks are written directly as text: the part every chunk shares (id,
 * object, created, model) is escaped once, and a content delta costs one
 * escaped copy of its text. This keeps the text path linear and cheap.
 */

typedef struct
{
  SyStreamEncoder  parent;
  GString         *head;       /* {"id":…,"object":…,"created":…,"model":…, */
  GString         *out;
  SyIrUsage        usage;
  guint            images;
  gboolean         started;
  gboolean         finish_sent;
  gboolean         saw_calls;
  gboolean         ended;
} OpenaiEncoder;

static void
append_json_cstring (GString    *out,
                     const char *text)
{
  if (text == NULL)
    text = "";
  sy_json_append_string (out, text, strlen (text));
}

static gsize
event_text_len (const SyIrEvent *event)
{
  if (event->text == NULL)
    return 0;
  return event->text_len ? event->text_len : strlen (event->text);
}

static void
encoder_frame (OpenaiEncoder *self)
{
  self->parent.frame (NULL, self->out->str, self->out->len, self->parent.frame_data);
}

/* Starts a chunk; the caller appends the delta object, then chunk_end. */
static void
chunk_begin (OpenaiEncoder *self)
{
  g_string_truncate (self->out, 0);
  g_string_append_len (self->out, self->head->str, self->head->len);
  g_string_append (self->out, "\"choices\":[{\"index\":0,\"delta\":");
}

static void
chunk_end (OpenaiEncoder *self,
           const char    *finish_reason)
{
  g_string_append (self->out, ",\"finish_reason\":");
  if (finish_reason != NULL)
    append_json_cstring (self->out, finish_reason);
  else
    g_string_append (self->out, "null");
  g_string_append (self->out, "}]}");
  encoder_frame (self);
}

static void
encoder_start (OpenaiEncoder   *self,
               const SyIrEvent *start)
{
  SyTranslateCtx *ctx = self->parent.ctx;
  g_autofree char *generated = NULL;
  const char *id = start ? start->id : NULL;
  const char *model = ctx->client_model;
  gint64 created = start && start->created != SY_IR_UNSET ? start->created : ctx->now;

  if (id == NULL)
    id = generated = sy_translate_ctx_new_id (ctx, "chatcmpl-");
  if (model == NULL)
    model = start && start->model ? start->model : "";

  g_string_append (self->head, "{\"id\":");
  append_json_cstring (self->head, id);
  g_string_append_printf (self->head, ",\"object\":\"chat.completion.chunk\",\"created\":%" G_GINT64_FORMAT ",\"model\":",
                          created);
  append_json_cstring (self->head, model);
  g_string_append_c (self->head, ',');
  self->started = TRUE;

  chunk_begin (self);
  g_string_append (self->out, "{\"role\":\"assistant\",\"content\":\"\"}");
  chunk_end (self, NULL);
}

static void
encoder_text (OpenaiEncoder   *self,
              const char      *member,
              const SyIrEvent *event)
{
  gsize len = event_text_len (event);

  if (len == 0)
    return;
  chunk_begin (self);
  g_string_append (self->out, "{\"");
  g_string_append (self->out, member);
  g_string_append (self->out, "\":");
  sy_json_append_string (self->out, event->text, len);
  g_string_append_c (self->out, '}');
  chunk_end (self, NULL);
}

static void
encoder_usage_chunk (OpenaiEncoder *self)
{
  const SyIrUsage *usage = &self->usage;
  gint64 total = usage->total_tokens;

  if (total == SY_IR_UNSET)
    total = or_zero (usage->input_tokens) + or_zero (usage->output_tokens);
  g_string_truncate (self->out, 0);
  g_string_append_len (self->out, self->head->str, self->head->len);
  g_string_append_printf (self->out,
                          "\"choices\":[],\"usage\":{\"prompt_tokens\":%" G_GINT64_FORMAT
                          ",\"completion_tokens\":%" G_GINT64_FORMAT ",\"total_tokens\":%" G_GINT64_FORMAT,
                          or_zero (usage->input_tokens), or_zero (usage->output_tokens), total);
  if (usage->cached_tokens != SY_IR_UNSET)
    g_string_append_printf (self->out, ",\"prompt_tokens_details\":{\"cached_tokens\":%" G_GINT64_FORMAT "}",
                            usage->cached_tokens);
  if (usage->reasoning_tokens != SY_IR_UNSET)
    g_string_append_printf (self->out, ",\"completion_tokens_details\":{\"reasoning_tokens\":%" G_GINT64_FORMAT "}",
                            usage->reasoning_tokens);
  g_string_append (self->out, "}}");
  encoder_frame (self);
}

static const char *
error_type_for_status (guint status)
{
  switch (status)
    {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 429: return "rate_limit_error";
    default:  return status >= 500 || status == 0 ? "server_error" : "invalid_request_error";
    }
}

static const char *
error_code_for_status (guint status)
{
  switch (status)
    {
    case 401: return "invalid_api_key";
    case 403: return "insufficient_quota";
    case 404: return "model_not_found";
    case 429: return "rate_limit_exceeded";
    default:  return status >= 500 || status == 0 ? "internal_server_error" : NULL;
    }
}

static void
encoder_error (OpenaiEncoder   *self,
               const SyIrEvent *event)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *message = NULL;
  g_autofree char *text = NULL;
  JsonObject *inner = json_object_new ();
  const char *code = error_code_for_status (event->status);

  message = event->text ? g_strndup (event->text, event_text_len (event)) : g_strdup ("upstream error");
  json_object_set_string_member (inner, "message", message);
  json_object_set_string_member (inner, "type",
                                 event->error_type ? event->error_type : error_type_for_status (event->status));
  if (code != NULL)
    json_object_set_string_member (inner, "code", code);
  else
    json_object_set_null_member (inner, "code");
  json_object_set_object_member (body, "error", inner);
  json_node_set_object (root, body);
  text = sy_json_to_string (root);
  self->parent.frame (NULL, text, strlen (text), self->parent.frame_data);
  self->ended = TRUE;
}

static void
encoder_encode (SyStreamEncoder *parent,
                const SyIrEvent *event)
{
  OpenaiEncoder *self = (OpenaiEncoder *) parent;

  if (self->ended)
    return;
  if (event->type == SY_IR_EVENT_ERROR)
    {
      encoder_error (self, event);
      return;
    }
  if (!self->started)
    encoder_start (self, event->type == SY_IR_EVENT_START ? event : NULL);

  switch (event->type)
    {
    case SY_IR_EVENT_TEXT:
      encoder_text (self, "content", event);
      break;

    case SY_IR_EVENT_THINKING:
      encoder_text (self, "reasoning_content", event);
      break;

    case SY_IR_EVENT_TOOL_CALL_START:
      self->saw_calls = TRUE;
      chunk_begin (self);
      g_string_append_printf (self->out, "{\"tool_calls\":[{\"index\":%u,\"id\":", event->index);
      append_json_cstring (self->out, event->id);
      g_string_append (self->out, ",\"type\":\"function\",\"function\":{\"name\":");
      append_json_cstring (self->out, event->name);
      g_string_append (self->out, ",\"arguments\":\"\"}}]}");
      chunk_end (self, NULL);
      break;

    case SY_IR_EVENT_TOOL_CALL_DELTA:
      if (event_text_len (event) == 0)
        break;
      chunk_begin (self);
      g_string_append (self->out, "{\"tool_calls\":[{\"index\":");
      sy_json_append_uint (self->out, event->index);
      g_string_append (self->out, ",\"function\":{\"arguments\":");
      sy_json_append_string (self->out, event->text, event_text_len (event));
      g_string_append (self->out, "}}]}");
      chunk_end (self, NULL);
      break;

    case SY_IR_EVENT_IMAGE:
      {
        g_autofree char *url = NULL;

        if (event->data == NULL)
          break;
        url = sy_ir_make_data_url (event->mime_type, event->data);
        chunk_begin (self);
        g_string_append (self->out, "{\"images\":[{\"type\":\"image_url\",\"image_url\":{\"url\":");
        append_json_cstring (self->out, url);
        g_string_append_printf (self->out, "},\"index\":%u}]}", self->images++);
        chunk_end (self, NULL);
      }
      break;

    case SY_IR_EVENT_USAGE:
      sy_ir_usage_merge (&self->usage, &event->usage);
      break;

    case SY_IR_EVENT_FINISH:
      if (self->finish_sent)
        break;
      self->finish_sent = TRUE;
      chunk_begin (self);
      g_string_append (self->out, "{}");
      chunk_end (self, finish_to_string (event->finish, self->saw_calls));
      break;

    case SY_IR_EVENT_START:
    case SY_IR_EVENT_SIGNATURE:
    case SY_IR_EVENT_REDACTED_THINKING:
    case SY_IR_EVENT_TOOL_CALL_END:
    case SY_IR_EVENT_ERROR:
    default:
      break;
    }
}

static void
encoder_finish (SyStreamEncoder *parent)
{
  OpenaiEncoder *self = (OpenaiEncoder *) parent;
  const SyIrRequest *request = parent->ctx->client_request;

  if (self->ended)
    return;
  self->ended = TRUE;
  if (!self->started)
    encoder_start (self, NULL);
  if (!self->finish_sent)
    {
      self->finish_sent = TRUE;
      chunk_begin (self);
      g_string_append (self->out, "{}");
      chunk_end (self, finish_to_string (SY_IR_FINISH_UNSET, self->saw_calls));
    }
  if (request != NULL && request->include_usage)
    encoder_usage_chunk (self);
  parent->frame (NULL, "[DONE]", 6, parent->frame_data);
}

static void
encoder_free (SyStreamEncoder *parent)
{
  OpenaiEncoder *self = (OpenaiEncoder *) parent;

  g_string_free (self->head, TRUE);
  g_string_free (self->out, TRUE);
  g_free (self);
}

static SyStreamEncoder *
stream_encoder_new (SyTranslateCtx *ctx,
                    SyFrameFunc     frame,
                    gpointer        frame_data)
{
  OpenaiEncoder *self = g_new0 (OpenaiEncoder, 1);

  self->parent.encode = encoder_encode;
  self->parent.finish = encoder_finish;
  self->parent.free = encoder_free;
  self->parent.ctx = ctx;
  self->parent.frame = frame;
  self->parent.frame_data = frame_data;
  self->head = g_string_new (NULL);
  self->out = g_string_sized_new (256);
  sy_ir_usage_init (&self->usage);
  return &self->parent;
}

/* ---------------------------------------------------------------- codec */

static const SyCodec codec = {
  .format = SY_FORMAT_OPENAI,
  .decode_request = decode_request,
  .encode_request = encode_request,
  .decode_response = decode_response,
  .encode_response = encode_response,
  .stream_decoder_new = stream_decoder_new,
  .stream_encoder_new = stream_encoder_new,
  .encode_count_request = NULL,
  .decode_count_response = NULL,
  .encode_count_response = NULL,
};

const SyCodec *
sy_codec_openai (void)
{
  return &codec;
}
