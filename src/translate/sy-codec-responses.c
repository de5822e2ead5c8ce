/* sy-codec-responses.c: the OpenAI Responses API codec, also spoken by Codex
 *
 * Requests: `instructions` + `input` items (messages, function calls and
 * their outputs, reasoning items) to and from the IR. With the Codex flavor
 * (chatgpt.com) the encoder forces what that backend insists on: streaming,
 * store:false, instructions always present, encrypted reasoning included, no
 * token limit or sampling parameters.
 *
 * Answers: a `response` object whose `output` holds message, reasoning and
 * function_call items. Streams: the typed `response.*` events, each with a
 * `sequence_number`; the encoder ends with `response.completed` carrying the
 * whole response object, the same one encode_response builds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-translate"

#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-codec.h"
#include "sy-json.h"

#define MAX_TOOL_NAME 64

/* ------------------------------------------------------------ helpers */

/* The member, or NULL when absent or JSON null. */
static JsonNode *
member (JsonObject *object,
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
node_is_bool (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN;
}

/* Optional typed members: TRUE and *out untouched when absent or null,
 * FALSE with an INVALID error naming "<prefix><name>" on a wrong type. */
static gboolean
opt_string (JsonObject  *object,
            const char  *prefix,
            const char  *name,
            const char **out,
            GError     **error)
{
  JsonNode *node = member (object, name);

  if (node == NULL)
    return TRUE;
  if (!sy_json_node_is_string (node))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s%s: expected a string", prefix, name);
  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
opt_bool (JsonObject *object,
          const char *prefix,
          const char *name,
          int        *out,
          GError    **error)
{
  JsonNode *node = member (object, name);

  if (node == NULL)
    return TRUE;
  if (!node_is_bool (node))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s%s: expected a boolean", prefix, name);
  *out = json_node_get_boolean (node) ? 1 : 0;
  return TRUE;
}

static gboolean
opt_number (JsonObject *object,
            const char *name,
            gboolean   *has,
            double     *out,
            GError    **error)
{
  JsonNode *node = member (object, name);

  if (node == NULL)
    return TRUE;
  if (!sy_json_node_is_number (node))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: expected a number", name);
  *out = json_node_get_double (node);
  *has = TRUE;
  return TRUE;
}

static gint64
get_int_or_unset (JsonObject *object,
                  const char *name)
{
  JsonNode *node = member (object, name);
  gint64 value;

  if (!sy_json_node_is_number (node))
    return SY_IR_UNSET;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (!sy_ir_int_from_double (trunc (json_node_get_double (node)), &value))
    return SY_IR_UNSET;
  return value;
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = member (object, name);

  return sy_json_node_is_string (node) ? json_node_get_string (node) : NULL;
}

static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  JsonNode *node = member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
get_array (JsonObject *object,
           const char *name)
{
  JsonNode *node = member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_alloc ();

  json_node_init_object (node, object);
  json_object_unref (object);
  return node;
}

/* json_node_copy() shares objects and arrays; this copies them too. */
static JsonNode *
deep_copy (JsonNode *node)
{
  JsonNode *copy;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_object_new ();
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init_ordered (&iter, json_node_get_object (node));
      while (json_object_iter_next_ordered (&iter, &name, &value))
        json_object_set_member (object, name, deep_copy (value));
      return object_node (object);
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_array_new ();
      JsonArray *source = json_node_get_array (node);
      guint i;

      for (i = 0; i < json_array_get_length (source); i++)
        json_array_add_element (array, deep_copy (json_array_get_element (source, i)));
      copy = json_node_alloc ();
      json_node_init_array (copy, array);
      json_array_unref (array);
      return copy;
    }
  /* Fresh value nodes: a copy of a sealed node would be sealed too. */
  copy = json_node_alloc ();
  if (JSON_NODE_HOLDS_NULL (node))
    return json_node_init_null (copy);
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return json_node_init_string (copy, json_node_get_string (node));
    case G_TYPE_BOOLEAN:
      return json_node_init_boolean (copy, json_node_get_boolean (node));
    case G_TYPE_DOUBLE:
      return json_node_init_double (copy, json_node_get_double (node));
    default:
      return json_node_init_int (copy, json_node_get_int (node));
    }
}

/* Adds @object (taking it) to @array. */
static void
array_add_object (JsonArray  *array,
                  JsonObject *object)
{
  json_array_add_object_element (array, object);
}

static void
set_string_take (JsonObject *object,
                 const char *name,
                 char       *value)
{
  json_object_set_string_member (object, name, value);
  g_free (value);
}

static void
set_string_or_null (JsonObject *object,
                    const char *name,
                    const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

/* JSON text of an object, "{}" when @text is empty or not an object. */
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

static GPtrArray *
part_array_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
}

static const char *
audio_mime_for_format (const char *format)
{
  if (format == NULL || *format == '\0' || g_str_equal (format, "wav"))
    return "audio/wav";
  if (g_str_equal (format, "mp3"))
    return "audio/mpeg";
  if (g_str_equal (format, "pcm16"))
    return "audio/pcm";
  if (g_str_equal (format, "g711_ulaw") || g_str_equal (format, "g711_alaw"))
    return "audio/basic";
  return NULL;
}

static char *
audio_format_for_mime (const char *mime)
{
  const char *slash;

  if (mime == NULL)
    return g_strdup ("wav");
  if (g_str_equal (mime, "audio/mpeg") || g_str_equal (mime, "audio/mp3"))
    return g_strdup ("mp3");
  if (g_str_equal (mime, "audio/wav") || g_str_equal (mime, "audio/x-wav") ||
      g_str_equal (mime, "audio/wave"))
    return g_strdup ("wav");
  if (g_str_equal (mime, "audio/pcm") || g_str_equal (mime, "audio/L16"))
    return g_strdup ("pcm16");
  slash = strchr (mime, '/');
  return g_strdup (slash != NULL ? slash + 1 : mime);
}

static const char *
document_mime_for_filename (const char *filename)
{
  static const struct { const char *ext; const char *mime; } table[] = {
    { ".pdf", "application/pdf" },
    { ".txt", "text/plain" },
    { ".md", "text/markdown" },
    { ".csv", "text/csv" },
    { ".json", "application/json" },
    { ".html", "text/html" },
    { ".xml", "application/xml" },
  };
  guint i;

  if (filename == NULL)
    return "application/pdf";
  for (i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_str_has_suffix (filename, table[i].ext))
      return table[i].mime;
  return "application/octet-stream";
}

/* ----------------------------------------------------- request decoding */

/* One content part of a message item or of a function_call_output. */
static SyIrPart *
decode_content_part (JsonNode   *node,
                     const char *path,
                     GError    **error)
{
  JsonObject *object;
  const char *type = NULL;
  const char *text = NULL;
  g_autoptr(SyIrPart) part = NULL;
  g_autofree char *prefix = g_strdup_printf ("%s.", path);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: expected an object", path);
      return NULL;
    }
  object = json_node_get_object (node);
  if (!opt_string (object, prefix, "type", &type, error))
    return NULL;
  if (type == NULL)
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.type: required", path);
      return NULL;
    }

  if (g_str_equal (type, "input_text") || g_str_equal (type, "output_text") ||
      g_str_equal (type, "text") || g_str_equal (type, "refusal"))
    {
      const char *field = g_str_equal (type, "refusal") ? "refusal" : "text";

      if (!opt_string (object, prefix, field, &text, error))
        return NULL;
      if (text == NULL)
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.%s: required", path, field);
          return NULL;
        }
      return sy_ir_part_new_text (text);
    }

  if (g_str_equal (type, "input_image"))
    {
      const char *url = NULL;
      const char *file_id = NULL;
      JsonNode *url_node = member (object, "image_url");

      /* Also accept the Chat Completions shape {"image_url":{"url":...}}. */
      if (url_node != NULL && JSON_NODE_HOLDS_OBJECT (url_node))
        {
          g_autofree char *sub = g_strdup_printf ("%simage_url.", prefix);

          if (!opt_string (json_node_get_object (url_node), sub, "url", &url, error))
            return NULL;
        }
      else if (!opt_string (object, prefix, "image_url", &url, error))
        return NULL;
      if (!opt_string (object, prefix, "file_id", &file_id, error))
        return NULL;
      if (url == NULL && file_id != NULL)
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                             "%s.file_id: uploaded files cannot be sent to this upstream; send image_url", path);
          return NULL;
        }
      if (url == NULL)
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.image_url: required", path);
          return NULL;
        }
      part = sy_ir_part_new (SY_IR_PART_IMAGE);
      if (!sy_ir_parse_data_url (url, &part->mime_type, &part->data))
        part->url = g_strdup (url);
      return g_steal_pointer (&part);
    }

  if (g_str_equal (type, "input_file"))
    {
      const char *file_data = NULL;
      const char *file_url = NULL;
      const char *file_id = NULL;
      const char *filename = NULL;

      if (!opt_string (object, prefix, "file_data", &file_data, error) ||
          !opt_string (object, prefix, "file_url", &file_url, error) ||
          !opt_string (object, prefix, "file_id", &file_id, error) ||
          !opt_string (object, prefix, "filename", &filename, error))
        return NULL;
      part = sy_ir_part_new (SY_IR_PART_DOCUMENT);
      part->filename = g_strdup (filename);
      if (file_data != NULL)
        {
          if (!sy_ir_parse_data_url (file_data, &part->mime_type, &part->data))
            {
              part->mime_type = g_strdup (document_mime_for_filename (filename));
              part->data = g_strdup (file_data);
            }
        }
      else if (file_url != NULL)
        part->url = g_strdup (file_url);
      else if (file_id != NULL)
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                             "%s.file_id: uploaded files cannot be sent to this upstream; send file_data", path);
          return NULL;
        }
      else
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.file_data: required", path);
          return NULL;
        }
      return g_steal_pointer (&part);
    }

  if (g_str_equal (type, "input_audio"))
    {
      JsonObject *audio = get_object (object, "input_audio");
      const char *data = NULL;
      const char *format = NULL;
      const char *mime;
      g_autofree char *sub = NULL;

      if (member (object, "input_audio") != NULL && audio == NULL)
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.input_audio: expected an object", path);
          return NULL;
        }
      sub = audio != NULL ? g_strdup_printf ("%sinput_audio.", prefix) : g_strdup (prefix);
      if (audio == NULL)
        audio = object;
      if (!opt_string (audio, sub, "data", &data, error) ||
          !opt_string (audio, sub, "format", &format, error))
        return NULL;
      if (data == NULL)
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%sdata: required", sub);
          return NULL;
        }
      part = sy_ir_part_new (SY_IR_PART_AUDIO);
      part->data = g_strdup (data);
      mime = audio_mime_for_format (format);
      part->mime_type = mime != NULL ? g_strdup (mime) : g_strdup_printf ("audio/%s", format);
      return g_steal_pointer (&part);
    }

  sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                     "%s.type: content part \"%s\" is not supported", path, type);
  return NULL;
}

/* A message item's content: a string or an array of parts, appended to @into. */
static gboolean
decode_content (JsonNode   *content,
                const char *path,
                GPtrArray  *into,
                GError    **error)
{
  JsonArray *array;
  guint i;

  if (content == NULL)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: required", path);
  if (sy_json_node_is_string (content))
    {
      g_ptr_array_add (into, sy_ir_part_new_text (json_node_get_string (content)));
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (content))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: expected a string or an array", path);
  array = json_node_get_array (content);
  for (i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *sub = g_strdup_printf ("%s[%u]", path, i);
      SyIrPart *part = decode_content_part (json_array_get_element (array, i), sub, error);

      if (part == NULL)
        return FALSE;
      g_ptr_array_add (into, part);
    }
  return TRUE;
}

static gboolean
decode_message_item (SyIrRequest *request,
                     JsonObject  *item,
                     const char  *path,
                     GError     **error)
{
  const char *role = NULL;
  g_autofree char *prefix = g_strdup_printf ("%s.", path);
  g_autofree char *content_path = g_strdup_printf ("%s.content", path);
  g_autoptr(GPtrArray) parts = part_array_new ();
  SyIrMessage *message;
  guint i;

  if (!opt_string (item, prefix, "role", &role, error))
    return FALSE;
  if (role == NULL)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.role: required", path);
  if (!decode_content (member (item, "content"), content_path, parts, error))
    return FALSE;

  if (g_str_equal (role, "system") || g_str_equal (role, "developer"))
    {
      for (i = 0; i < parts->len; i++)
        {
          SyIrPart *part = g_ptr_array_index (parts, i);

          if (part->type != SY_IR_PART_TEXT && part->type != SY_IR_PART_IMAGE)
            return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                                      "%s.content[%u]: only text and images can be system instructions", path, i);
        }
      g_ptr_array_set_free_func (parts, NULL);
      for (i = 0; i < parts->len; i++)
        g_ptr_array_add (request->system, g_ptr_array_index (parts, i));
      return TRUE;
    }

  if (g_str_equal (role, "user"))
    message = sy_ir_request_tail (request, SY_IR_ROLE_USER);
  else if (g_str_equal (role, "assistant"))
    message = sy_ir_request_tail (request, SY_IR_ROLE_ASSISTANT);
  else
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                              "%s.role: expected user, assistant, system or developer", path);

  g_ptr_array_set_free_func (parts, NULL);
  for (i = 0; i < parts->len; i++)
    sy_ir_message_add (message, g_ptr_array_index (parts, i));
  return TRUE;
}

static gboolean
decode_function_call_item (SyIrRequest *request,
                           JsonObject  *item,
                           const char  *path,
                           GError     **error)
{
  const char *call_id = NULL;
  const char *name = NULL;
  const char *arguments = NULL;
  g_autofree char *prefix = g_strdup_printf ("%s.", path);
  SyIrPart *part;

  if (!opt_string (item, prefix, "call_id", &call_id, error) ||
      !opt_string (item, prefix, "name", &name, error) ||
      !opt_string (item, prefix, "arguments", &arguments, error))
    return FALSE;
  if (call_id == NULL)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.call_id: required", path);
  if (name == NULL)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.name: required", path);

  part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
  part->id = g_strdup (call_id);
  part->name = g_strdup (name);
  part->arguments = normalize_arguments (arguments);
  sy_ir_message_add (sy_ir_request_tail (request, SY_IR_ROLE_ASSISTANT), part);
  return TRUE;
}

static gboolean
decode_function_call_output_item (SyIrRequest *request,
                                  JsonObject  *item,
                                  const char  *path,
                                  GError     **error)
{
  const char *call_id = NULL;
  const char *name;
  g_autofree char *prefix = g_strdup_printf ("%s.", path);
  g_autofree char *output_path = g_strdup_printf ("%s.output", path);
  JsonNode *output = member (item, "output");
  g_autoptr(SyIrPart) part = NULL;

  if (!opt_string (item, prefix, "call_id", &call_id, error))
    return FALSE;
  if (call_id == NULL)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.call_id: required", path);

  part = sy_ir_part_new (SY_IR_PART_TOOL_RESULT);
  part->tool_call_id = g_strdup (call_id);
  if (part->content == NULL)
    part->content = part_array_new ();
  if (output == NULL)
    g_ptr_array_add (part->content, sy_ir_part_new_text (""));
  else if (!decode_content (output, output_path, part->content, error))
    return FALSE;
  name = sy_ir_request_find_call_name (request, call_id);
  part->name = g_strdup (name);
  sy_ir_message_add (sy_ir_request_tail (request, SY_IR_ROLE_USER), g_steal_pointer (&part));
  return TRUE;
}

/* Joined "summary_text" texts of a reasoning item ("\n\n" between them);
 * falls back to its "reasoning_text" content when it has no summary. */
static char *
reasoning_item_text (JsonObject *item)
{
  const char *lists[] = { "summary", "content" };
  guint l;

  for (l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      JsonArray *array = get_array (item, lists[l]);
      g_autoptr(GString) text = NULL;
      guint i;

      if (array == NULL)
        continue;
      for (i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *node = json_array_get_element (array, i);
          const char *piece;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          piece = get_string (json_node_get_object (node), "text");
          if (piece == NULL)
            continue;
          if (text == NULL)
            text = g_string_new (piece);
          else
            {
              g_string_append (text, "\n\n");
              g_string_append (text, piece);
            }
        }
      if (text != NULL)
        return g_string_free (g_steal_pointer (&text), FALSE);
    }
  return NULL;
}

static gboolean
decode_reasoning_item (SyIrRequest *request,
                       JsonObject  *item,
                       const char  *path,
                       GError     **error)
{
  const char *encrypted = NULL;
  g_autofree char *prefix = g_strdup_printf ("%s.", path);
  g_autofree char *text = NULL;
  JsonNode *summary = member (item, "summary");
  SyIrPart *part;

  if (!opt_string (item, prefix, "encrypted_content", &encrypted, error))
    return FALSE;
  if (summary != NULL && !JSON_NODE_HOLDS_ARRAY (summary))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.summary: expected an array", path);
  text = reasoning_item_text (item);
  if (text == NULL && encrypted == NULL)
    return TRUE;

  part = sy_ir_part_new (SY_IR_PART_THINKING);
  part->text = text != NULL ? g_steal_pointer (&text) : g_strdup ("");
  if (encrypted != NULL)
    part->signature = sy_ir_signature_import (encrypted, "openai");
  sy_ir_message_add (sy_ir_request_tail (request, SY_IR_ROLE_ASSISTANT), part);
  return TRUE;
}

static gboolean
decode_input (SyIrRequest *request,
              JsonNode    *input,
              GError     **error)
{
  JsonArray *array;
  guint i;

  if (input == NULL)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "input: required");
  if (sy_json_node_is_string (input))
    {
      SyIrMessage *message = sy_ir_request_add_message (request, SY_IR_ROLE_USER);

      sy_ir_message_add (message, sy_ir_part_new_text (json_node_get_string (input)));
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (input))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "input: expected a string or an array");

  array = json_node_get_array (input);
  for (i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autofree char *path = g_strdup_printf ("input[%u]", i);
      g_autofree char *prefix = g_strdup_printf ("input[%u].", i);
      JsonObject *item;
      const char *type = NULL;
      gboolean ok;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: expected an object", path);
      item = json_node_get_object (node);
      if (!opt_string (item, prefix, "type", &type, error))
        return FALSE;
      if (type == NULL)
        {
          if (member (item, "role") == NULL)
            return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.type: required", path);
          type = "message";
        }

      if (g_str_equal (type, "message"))
        ok = decode_message_item (request, item, path, error);
      else if (g_str_equal (type, "function_call"))
        ok = decode_function_call_item (request, item, path, error);
      else if (g_str_equal (type, "function_call_output"))
        ok = decode_function_call_output_item (request, item, path, error);
      else if (g_str_equal (type, "reasoning"))
        ok = decode_reasoning_item (request, item, path, error);
      else if (g_str_equal (type, "web_search_call"))
        ok = TRUE;   /* a record of a built-in search; its findings are in the next message */
      else if (g_str_equal (type, "item_reference"))
        ok = sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                                "%s: item_reference: Switchyard does not store responses; send the whole item", path);
      else
        ok = sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                                "%s.type: input item \"%s\" is not supported", path, type);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_web_search_type (const char *type)
{
  return g_str_equal (type, "web_search") || g_str_has_prefix (type, "web_search_");
}

static gboolean
decode_tools (SyIrRequest *request,
              JsonNode    *tools,
              GError     **error)
{
  JsonArray *array;
  guint i;

  if (tools == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (tools))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "tools: expected an array");
  array = json_node_get_array (tools);
  for (i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autofree char *prefix = g_strdup_printf ("tools[%u].", i);
      JsonObject *object;
      const char *type = NULL;
      g_autoptr(SyIrTool) tool = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "tools[%u]: expected an object", i);
      object = json_node_get_object (node);
      if (!opt_string (object, prefix, "type", &type, error))
        return FALSE;
      if (type == NULL)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "tools[%u].type: required", i);

      if (g_str_equal (type, "function"))
        {
          const char *name = NULL;
          const char *description = NULL;
          JsonNode *parameters = member (object, "parameters");

          if (!opt_string (object, prefix, "name", &name, error) ||
              !opt_string (object, prefix, "description", &description, error))
            return FALSE;
          if (name == NULL)
            return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "tools[%u].name: required", i);
          if (parameters != NULL && !JSON_NODE_HOLDS_OBJECT (parameters))
            return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "tools[%u].parameters: expected an object", i);
          tool = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
          tool->name = g_strdup (name);
          tool->description = g_strdup (description);
          tool->parameters = parameters != NULL ? deep_copy (parameters) : NULL;
          if (!opt_bool (object, prefix, "strict", &tool->strict, error))
            return FALSE;
        }
      else
        {
          tool = sy_ir_tool_new (is_web_search_type (type) ? SY_IR_TOOL_WEB_SEARCH : SY_IR_TOOL_OTHER);
          tool->name = g_strdup (type);
          tool->raw = deep_copy (node);
          tool->raw_format = SY_FORMAT_OPENAI_RESPONSES;
        }
      g_ptr_array_add (request->tools, g_steal_pointer (&tool));
    }
  return TRUE;
}

static gboolean
decode_tool_choice (SyIrRequest *request,
                    JsonNode    *choice,
                    GError     **error)
{
  JsonObject *object;
  const char *type = NULL;

  if (choice == NULL)
    return TRUE;
  if (sy_json_node_is_string (choice))
    {
      const char *text = json_node_get_string (choice);

      if (g_str_equal (text, "auto"))
        request->tool_choice = SY_IR_TOOL_CHOICE_AUTO;
      else if (g_str_equal (text, "none"))
        request->tool_choice = SY_IR_TOOL_CHOICE_NONE;
      else if (g_str_equal (text, "required"))
        request->tool_choice = SY_IR_TOOL_CHOICE_REQUIRED;
      else
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                  "tool_choice: expected auto, none, required or an object");
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (choice))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "tool_choice: expected a string or an object");

  object = json_node_get_object (choice);
  if (!opt_string (object, "tool_choice.", "type", &type, error))
    return FALSE;
  if (g_strcmp0 (type, "function") == 0)
    {
      const char *name = NULL;
      JsonObject *function = get_object (object, "function");

      if (!opt_string (object, "tool_choice.", "name", &name, error))
        return FALSE;
      if (name == NULL && function != NULL &&
          !opt_string (function, "tool_choice.function.", "name", &name, error))
        return FALSE;
      if (name == NULL)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "tool_choice.name: required");
      request->tool_choice = SY_IR_TOOL_CHOICE_NAMED;
      request->tool_choice_name = g_strdup (name);
      return TRUE;
    }
  return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                            "tool_choice: type \"%s\" cannot be sent to this upstream", type ? type : "(none)");
}

static gboolean
decode_reasoning (SyIrRequest *request,
                  JsonNode    *node,
                  GError     **error)
{
  JsonObject *object;
  const char *effort = NULL;
  const char *summary = NULL;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "reasoning: expected an object");
  object = json_node_get_object (node);
  if (!opt_string (object, "reasoning.", "effort", &effort, error) ||
      !opt_string (object, "reasoning.", "summary", &summary, error))
    return FALSE;
  if (summary == NULL && !opt_string (object, "reasoning.", "generate_summary", &summary, error))
    return FALSE;

  if (effort != NULL)
    {
      if (g_str_equal (effort, "none"))
        request->reasoning.mode = SY_IR_REASONING_NONE;
      else if (g_str_equal (effort, "auto"))
        request->reasoning.mode = SY_IR_REASONING_AUTO;
      else if (sy_ir_level_from_string (effort, &request->reasoning.level))
        request->reasoning.mode = SY_IR_REASONING_LEVEL;
      else
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                  "reasoning.effort: unknown effort \"%s\"", effort);
    }
  request->reasoning.summary = g_strdup (summary);
  return TRUE;
}

static gboolean
decode_text (SyIrRequest *request,
             JsonNode    *node,
             GError     **error)
{
  JsonObject *format;
  JsonNode *format_node;
  const char *type = NULL;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "text: expected an object");
  format_node = member (json_node_get_object (node), "format");
  if (format_node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (format_node))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "text.format: expected an object");
  format = json_node_get_object (format_node);
  if (!opt_string (format, "text.format.", "type", &type, error))
    return FALSE;
  if (type == NULL)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "text.format.type: required");

  if (g_str_equal (type, "text"))
    request->response_format = SY_IR_RESPONSE_FORMAT_TEXT;
  else if (g_str_equal (type, "json_object"))
    request->response_format = SY_IR_RESPONSE_FORMAT_JSON_OBJECT;
  else if (g_str_equal (type, "json_schema"))
    {
      const char *name = NULL;
      JsonNode *schema = member (format, "schema");

      if (!opt_string (format, "text.format.", "name", &name, error) ||
          !opt_bool (format, "text.format.", "strict", &request->response_schema_strict, error))
        return FALSE;
      if (schema == NULL)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "text.format.schema: required");
      if (!JSON_NODE_HOLDS_OBJECT (schema))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "text.format.schema: expected an object");
      request->response_format = SY_IR_RESPONSE_FORMAT_JSON_SCHEMA;
      request->response_schema_name = g_strdup (name);
      request->response_schema = deep_copy (schema);
    }
  else
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                              "text.format.type: expected text, json_object or json_schema");
  return TRUE;
}

static SyIrRequest *
responses_decode_request (JsonNode       *body,
                          SyTranslateCtx *ctx,
                          GError        **error)
{
  g_autoptr(SyIrRequest) request = NULL;
  JsonObject *root;
  const char *model = NULL;
  const char *instructions = NULL;
  const char *previous = NULL;
  const char *user = NULL;
  int stream = -1;
  JsonNode *node;
  gboolean has_max = FALSE;
  double max_tokens = 0;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "request body: expected a JSON object");
      return NULL;
    }
  root = json_node_get_object (body);
  request = sy_ir_request_new ();

  if (!opt_string (root, "", "model", &model, error) ||
      !opt_string (root, "", "previous_response_id", &previous, error) ||
      !opt_string (root, "", "instructions", &instructions, error) ||
      !opt_string (root, "", "user", &user, error) ||
      !opt_bool (root, "", "stream", &stream, error) ||
      !opt_bool (root, "", "parallel_tool_calls", &request->parallel_tool_calls, error) ||
      !opt_number (root, "temperature", &request->has_temperature, &request->temperature, error) ||
      !opt_number (root, "top_p", &request->has_top_p, &request->top_p, error) ||
      !opt_number (root, "max_output_tokens", &has_max, &max_tokens, error))
    return NULL;

  if (previous != NULL)
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                         "previous_response_id: Switchyard does not store responses; send the whole conversation");
      return NULL;
    }
  if (has_max)
    {
      node = member (root, "max_output_tokens");
      if (json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) <= 0)
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "max_output_tokens: expected a positive integer");
          return NULL;
        }
      request->max_tokens = json_node_get_int (node);
    }

  node = member (root, "top_logprobs");
  if (node != NULL)
    {
      if (!sy_json_node_is_number (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
          json_node_get_int (node) < 0)
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "top_logprobs: expected a non-negative integer");
          return NULL;
        }
      if (json_node_get_int (node) > 0)
        {
          request->logprobs = TRUE;
          request->top_logprobs = json_node_get_int (node);
        }
    }

  request->model = g_strdup (model);
  request->stream = stream == 1;
  request->user = g_strdup (user);
  if (instructions != NULL && *instructions != '\0')
    g_ptr_array_add (request->system, sy_ir_part_new_text (instructions));

  if (!decode_input (request, member (root, "input"), error) ||
      !decode_tools (request, member (root, "tools"), error) ||
      !decode_tool_choice (request, member (root, "tool_choice"), error) ||
      !decode_reasoning (request, member (root, "reasoning"), error) ||
      !decode_text (request, member (root, "text"), error))
    return NULL;

  return g_steal_pointer (&request);
}

/* ----------------------------------------------------- request encoding */

/* Tool names as the upstream sees them: at most 64 characters, unique. */
typedef struct
{
  SyTranslateCtx *ctx;
  GHashTable     *client_to_upstream;  /* owned strings */
  GHashTable     *upstream_to_client;  /* owned strings */
} NameMap;

static void
name_map_init (NameMap        *map,
               SyTranslateCtx *ctx)
{
  map->ctx = ctx;
  map->client_to_upstream = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  map->upstream_to_client = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
name_map_clear (NameMap *map)
{
  g_clear_pointer (&map->client_to_upstream, g_hash_table_unref);
  g_clear_pointer (&map->upstream_to_client, g_hash_table_unref);
}

static const char *
name_map_get (NameMap    *map,
              const char *client_name)
{
  const char *known;
  g_autofree char *base = NULL;
  char *candidate;
  guint n = 0;

  if (client_name == NULL)
    return NULL;
  known = g_hash_table_lookup (map->client_to_upstream, client_name);
  if (known != NULL)
    return known;

  base = strlen (client_name) > MAX_TOOL_NAME ? sy_tool_name_shorten (client_name)
                                             : g_strdup (client_name);
  candidate = g_strdup (base);
  while (g_hash_table_contains (map->upstream_to_client, candidate))
    {
      char suffix[16];
      gsize keep;

      g_snprintf (suffix, sizeof suffix, "_%u", ++n);
      keep = MIN (strlen (base), MAX_TOOL_NAME - strlen (suffix));
      g_free (candidate);
      candidate = g_strdup_printf ("%.*s%s", (int) keep, base, suffix);
    }
  g_hash_table_insert (map->upstream_to_client, g_strdup (candidate), g_strdup (client_name));
  g_hash_table_insert (map->client_to_upstream, g_strdup (client_name), candidate);
  sy_translate_ctx_add_tool_name (map->ctx, client_name, candidate);
  return candidate;
}

/* Gemini writes schema types in capitals ("OBJECT"); OpenAI wants JSON
 * Schema's lower-case names. Values (enum, const, default, examples) are
 * left alone. */
static void
lower_schema_types (JsonNode *node)
{
  if (node == NULL)
    return;
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint i;

      for (i = 0; i < json_array_get_length (array); i++)
        lower_schema_types (json_array_get_element (array, i));
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, object);
      while (json_object_iter_next (&iter, &name, &value))
        {
          if (g_str_equal (name, "enum") || g_str_equal (name, "const") ||
              g_str_equal (name, "default") || g_str_equal (name, "examples"))
            continue;
          if (g_str_equal (name, "type") && sy_json_node_is_string (value))
            {
              g_autofree char *lower = g_ascii_strdown (json_node_get_string (value), -1);

              json_node_set_string (value, lower);
            }
          else if (g_str_equal (name, "type") && JSON_NODE_HOLDS_ARRAY (value))
            {
              JsonArray *types = json_node_get_array (value);
              guint i;

              for (i = 0; i < json_array_get_length (types); i++)
                if (sy_json_node_is_string (json_array_get_element (types, i)))
                  {
                    JsonNode *element = json_array_get_element (types, i);
                    g_autofree char *lower = g_ascii_strdown (json_node_get_string (element), -1);

                    json_node_set_string (element, lower);
                  }
            }
          else
            lower_schema_types (value);
        }
    }
}

static char *
document_filename (const SyIrPart *part)
{
  if (part->filename != NULL)
    return g_strdup (part->filename);
  if (g_strcmp0 (part->mime_type, "application/pdf") == 0)
    return g_strdup ("document.pdf");
  return g_strdup ("document");
}

/* input_image / input_file / input_audio for an IR media part. */
static JsonObject *
encode_media_part (const SyIrPart *part)
{
  JsonObject *object = json_object_new ();

  switch (part->type)
    {
    case SY_IR_PART_IMAGE:
      json_object_set_string_member (object, "type", "input_image");
      if (part->data != NULL)
        set_string_take (object, "image_url",
                                            sy_ir_make_data_url (part->mime_type ? part->mime_type : "image/png",
                                                                 part->data));
      else
        json_object_set_string_member (object, "image_url", part->url ? part->url : "");
      break;

    case SY_IR_PART_DOCUMENT:
      json_object_set_string_member (object, "type", "input_file");
      if (part->data != NULL)
        {
          set_string_take (object, "filename", document_filename (part));
          set_string_take (object, "file_data",
                                              sy_ir_make_data_url (part->mime_type ? part->mime_type : "application/pdf",
                                                                   part->data));
        }
      else
        {
          if (part->filename != NULL)
            json_object_set_string_member (object, "filename", part->filename);
          json_object_set_string_member (object, "file_url", part->url ? part->url : "");
        }
      break;

    case SY_IR_PART_AUDIO:
      {
        JsonObject *audio = json_object_new ();

        json_object_set_string_member (object, "type", "input_audio");
        json_object_set_string_member (audio, "data", part->data ? part->data : "");
        set_string_take (audio, "format", audio_format_for_mime (part->mime_type));
        json_object_set_object_member (object, "input_audio", audio);
      }
      break;

    default:
      g_assert_not_reached ();
    }
  return object;
}

static JsonObject *
reasoning_item_new (const char *id,
                    const char *text,
                    const char *encrypted)
{
  JsonObject *item = json_object_new ();
  JsonArray *summary = json_array_new ();

  if (id != NULL)
    json_object_set_string_member (item, "id", id);
  json_object_set_string_member (item, "type", "reasoning");
  if (text != NULL && *text != '\0')
    {
      JsonObject *piece = json_object_new ();

      json_object_set_string_member (piece, "type", "summary_text");
      json_object_set_string_member (piece, "text", text);
      array_add_object (summary, piece);
    }
  json_object_set_array_member (item, "summary", summary);
  if (encrypted != NULL)
    json_object_set_string_member (item, "encrypted_content", encrypted);
  return item;
}

typedef struct
{
  NameMap    *names;
  JsonArray  *input;
  JsonArray  *content;   /* parts of the message item being filled */
  SyIrRole    role;
} InputWriter;

static void
writer_flush (InputWriter *w)
{
  JsonObject *item;

  if (w->content == NULL)
    return;
  item = json_object_new ();
  json_object_set_string_member (item, "type", "message");
  json_object_set_string_member (item, "role", w->role == SY_IR_ROLE_USER ? "user" : "assistant");
  json_object_set_array_member (item, "content", w->content);
  w->content = NULL;
  array_add_object (w->input, item);
}

static JsonArray *
writer_content (InputWriter *w)
{
  if (w->content == NULL)
    w->content = json_array_new ();
  return w->content;
}

/* An openai signature carried by a TEXT or TOOL_CALL part travels as a
 * reasoning item with an empty summary right before it. */
static void
writer_signature_item (InputWriter *w,
                       const char  *signature)
{
  const char *bare = signature != NULL ? sy_ir_signature_for (signature, "openai") : NULL;

  if (bare == NULL)
    return;
  writer_flush (w);
  array_add_object (w->input, reasoning_item_new (NULL, NULL, bare));
}

static JsonNode *
encode_tool_output (const SyIrPart *part)
{
  JsonNode *node;
  JsonArray *array;
  gboolean media = FALSE;
  guint i;

  for (i = 0; part->content != NULL && i < part->content->len; i++)
    if (((SyIrPart *) g_ptr_array_index (part->content, i))->type != SY_IR_PART_TEXT)
      media = TRUE;

  if (!media)
    {
      g_autofree char *text = part->content != NULL ? sy_ir_parts_text (part->content, "\n\n") : NULL;

      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (node, text != NULL ? text : "");
      return node;
    }

  array = json_array_new ();
  for (i = 0; i < part->content->len; i++)
    {
      const SyIrPart *piece = g_ptr_array_index (part->content, i);

      if (piece->type == SY_IR_PART_TEXT)
        {
          JsonObject *object = json_object_new ();

          json_object_set_string_member (object, "type", "input_text");
          json_object_set_string_member (object, "text", piece->text ? piece->text : "");
          array_add_object (array, object);
        }
      else if (piece->type == SY_IR_PART_IMAGE || piece->type == SY_IR_PART_DOCUMENT ||
               piece->type == SY_IR_PART_AUDIO)
        array_add_object (array, encode_media_part (piece));
    }
  node = json_node_alloc ();
  json_node_init_array (node, array);
  json_array_unref (array);
  return node;
}

static gboolean
encode_message (InputWriter       *w,
                const SyIrMessage *message,
                guint              index,
                GError           **error)
{
  guint i;

  w->role = message->role;
  for (i = 0; i < message->parts->len; i++)
    {
      const SyIrPart *part = g_ptr_array_index (message->parts, i);
      JsonObject *object;

      switch (part->type)
        {
        case SY_IR_PART_TEXT:
          writer_signature_item (w, part->signature);
          object = json_object_new ();
          json_object_set_string_member (object, "type",
                                         message->role == SY_IR_ROLE_USER ? "input_text" : "output_text");
          json_object_set_string_member (object, "text", part->text ? part->text : "");
          array_add_object (writer_content (w), object);
          break;

        case SY_IR_PART_IMAGE:
        case SY_IR_PART_DOCUMENT:
        case SY_IR_PART_AUDIO:
          if (message->role != SY_IR_ROLE_USER)
            return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                                      "messages[%u]: images, files and audio in assistant turns cannot be sent to this upstream",
                                      index);
          array_add_object (writer_content (w), encode_media_part (part));
          break;

        case SY_IR_PART_TOOL_CALL:
          writer_signature_item (w, part->signature);
          writer_flush (w);
          object = json_object_new ();
          json_object_set_string_member (object, "type", "function_call");
          json_object_set_string_member (object, "call_id", part->id ? part->id : "");
          json_object_set_string_member (object, "name", name_map_get (w->names, part->name ? part->name : ""));
          json_object_set_string_member (object, "arguments", part->arguments ? part->arguments : "{}");
          array_add_object (w->input, object);
          break;

        case SY_IR_PART_TOOL_RESULT:
          writer_flush (w);
          object = json_object_new ();
          json_object_set_string_member (object, "type", "function_call_output");
          json_object_set_string_member (object, "call_id", part->tool_call_id ? part->tool_call_id : "");
          json_object_set_member (object, "output", encode_tool_output (part));
          array_add_object (w->input, object);
          break;

        case SY_IR_PART_THINKING:
          {
            const char *bare = part->signature != NULL && !part->redacted
                               ? sy_ir_signature_for (part->signature, "openai") : NULL;

            /* Reasoning the upstream cannot verify is left out. */
            if (bare == NULL)
              break;
            writer_flush (w);
            array_add_object (w->input, reasoning_item_new (NULL, part->text, bare));
          }
          break;

        default:
          break;
        }
    }
  writer_flush (w);
  return TRUE;
}

/* A web search tool of any client format as a Responses tool. */
static JsonObject *
encode_web_search (const SyIrTool *tool,
                   gboolean        codex)
{
  JsonObject *object;
  JsonObject *raw = tool->raw != NULL && JSON_NODE_HOLDS_OBJECT (tool->raw)
                    ? json_node_get_object (tool->raw) : NULL;

  if (raw != NULL && tool->raw_format == SY_FORMAT_OPENAI_RESPONSES)
    {
      JsonNode *copy = deep_copy (tool->raw);

      object = json_object_ref (json_node_get_object (copy));
      json_node_unref (copy);
      if (codex)
        json_object_set_string_member (object, "type", "web_search");
      return object;
    }

  object = json_object_new ();
  json_object_set_string_member (object, "type", "web_search");
  if (raw != NULL && tool->raw_format == SY_FORMAT_CLAUDE)
    {
      JsonNode *domains = member (raw, "allowed_domains");
      JsonNode *location = member (raw, "user_location");

      if (domains != NULL && JSON_NODE_HOLDS_ARRAY (domains))
        {
          JsonObject *filters = json_object_new ();

          json_object_set_member (filters, "allowed_domains", deep_copy (domains));
          json_object_set_object_member (object, "filters", filters);
        }
      if (location != NULL && JSON_NODE_HOLDS_OBJECT (location))
        json_object_set_member (object, "user_location", deep_copy (location));
    }
  return object;
}

static gboolean
encode_tools (const SyIrRequest *request,
              NameMap           *names,
              gboolean           codex,
              JsonObject        *root,
              GError           **error)
{
  JsonArray *tools;
  guint i;

  if (request->tools == NULL || request->tools->len == 0)
    return TRUE;

  /* Names that fit keep them; shortened ones make way. */
  for (i = 0; i < request->tools->len; i++)
    {
      const SyIrTool *tool = g_ptr_array_index (request->tools, i);

      if (tool->type == SY_IR_TOOL_FUNCTION && tool->name != NULL &&
          strlen (tool->name) <= MAX_TOOL_NAME)
        name_map_get (names, tool->name);
    }

  tools = json_array_new ();
  for (i = 0; i < request->tools->len; i++)
    {
      const SyIrTool *tool = g_ptr_array_index (request->tools, i);
      JsonObject *object;

      switch (tool->type)
        {
        case SY_IR_TOOL_FUNCTION:
          object = json_object_new ();
          json_object_set_string_member (object, "type", "function");
          json_object_set_string_member (object, "name", name_map_get (names, tool->name ? tool->name : ""));
          if (tool->description != NULL)
            json_object_set_string_member (object, "description", tool->description);
          if (tool->parameters != NULL)
            {
              JsonNode *schema = deep_copy (tool->parameters);

              lower_schema_types (schema);
              json_object_set_member (object, "parameters", schema);
            }
          else
            {
              JsonObject *schema = json_object_new ();

              json_object_set_string_member (schema, "type", "object");
              json_object_set_object_member (schema, "properties", json_object_new ());
              json_object_set_object_member (object, "parameters", schema);
            }
          /* The Responses API defaults strict to true, which rejects most schemas. */
          json_object_set_boolean_member (object, "strict", tool->strict == 1);
          array_add_object (tools, object);
          break;

        case SY_IR_TOOL_WEB_SEARCH:
          array_add_object (tools, encode_web_search (tool, codex));
          break;

        case SY_IR_TOOL_OTHER:
          if (tool->raw != NULL && tool->raw_format == SY_FORMAT_OPENAI_RESPONSES)
            {
              json_array_add_element (tools, deep_copy (tool->raw));
              break;
            }
          G_GNUC_FALLTHROUGH;
        default:
          json_array_unref (tools);
          return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                                    "tools[%u]: the built-in tool \"%s\" cannot be sent to this upstream",
                                    i, tool->name ? tool->name : "(unnamed)");
        }
    }
  json_object_set_array_member (root, "tools", tools);
  return TRUE;
}

static void
encode_tool_choice (const SyIrRequest *request,
                    NameMap           *names,
                    JsonObject        *root)
{
  JsonObject *object;

  switch (request->tool_choice)
    {
    case SY_IR_TOOL_CHOICE_AUTO:
      json_object_set_string_member (root, "tool_choice", "auto");
      break;
    case SY_IR_TOOL_CHOICE_NONE:
      json_object_set_string_member (root, "tool_choice", "none");
      break;
    case SY_IR_TOOL_CHOICE_REQUIRED:
      json_object_set_string_member (root, "tool_choice", "required");
      break;
    case SY_IR_TOOL_CHOICE_NAMED:
      object = json_object_new ();
      json_object_set_string_member (object, "type", "function");
      json_object_set_string_member (object, "name",
                                     name_map_get (names, request->tool_choice_name ? request->tool_choice_name : ""));
      json_object_set_object_member (root, "tool_choice", object);
      break;
    case SY_IR_TOOL_CHOICE_UNSET:
    default:
      break;
    }
}

static void
encode_reasoning (const SyIrRequest *request,
                  gboolean           codex,
                  JsonObject        *root)
{
  const SyIrReasoning *r = &request->reasoning;
  const char *effort = NULL;
  JsonObject *object;

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
      effort = codex ? "medium" : NULL;
      break;
    }

  if (effort != NULL)
    {
      object = json_object_new ();
      json_object_set_string_member (object, "effort", effort);
      json_object_set_string_member (object, "summary", r->summary ? r->summary : "auto");
      json_object_set_object_member (root, "reasoning", object);
    }
  if (codex)
    {
      JsonArray *include = json_array_new ();

      json_array_add_string_element (include, "reasoning.encrypted_content");
      json_object_set_array_member (root, "include", include);
    }
}

static void
encode_text_format (const SyIrRequest *request,
                    JsonObject        *root)
{
  JsonObject *text;
  JsonObject *format;

  if (request->response_format == SY_IR_RESPONSE_FORMAT_UNSET)
    return;
  format = json_object_new ();
  switch (request->response_format)
    {
    case SY_IR_RESPONSE_FORMAT_JSON_OBJECT:
      json_object_set_string_member (format, "type", "json_object");
      break;
    case SY_IR_RESPONSE_FORMAT_JSON_SCHEMA:
      json_object_set_string_member (format, "type", "json_schema");
      json_object_set_string_member (format, "name",
                                     request->response_schema_name ? request->response_schema_name : "response");
      if (request->response_schema != NULL)
        {
          JsonNode *schema = deep_copy (request->response_schema);

          lower_schema_types (schema);
          json_object_set_member (format, "schema", schema);
        }
      else
        json_object_set_object_member (format, "schema", json_object_new ());
      if (request->response_schema_strict != -1)
        json_object_set_boolean_member (format, "strict", request->response_schema_strict == 1);
      break;
    case SY_IR_RESPONSE_FORMAT_TEXT:
    default:
      json_object_set_string_member (format, "type", "text");
      break;
    }
  text = json_object_new ();
  json_object_set_object_member (text, "format", format);
  json_object_set_object_member (root, "text", text);
}

/* Settings the Responses API has no field for: refuse rather than ignore. */
static gboolean
check_unsupported (const SyIrRequest *request,
                   GError           **error)
{
  if (request->n != SY_IR_UNSET && request->n > 1)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED, "n: only 1 choice can be served by this upstream");
  if (request->stop != NULL && request->stop->len > 0)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED, "stop: stop sequences are not available from this upstream");
  if (request->logprobs)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED, "logprobs: not available from this upstream");
  if (request->has_presence_penalty && request->presence_penalty != 0)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED, "presence_penalty: not available from this upstream");
  if (request->has_frequency_penalty && request->frequency_penalty != 0)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED, "frequency_penalty: not available from this upstream");
  return TRUE;
}

static JsonNode *
responses_encode_request (const SyIrRequest *request,
                          SyTranslateCtx    *ctx,
                          GError           **error)
{
  gboolean codex = ctx->flavor == SY_FLAVOR_CODEX;
  JsonObject *root;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GString) instructions = NULL;
  JsonArray *input;
  NameMap names;
  InputWriter writer = { 0 };
  JsonArray *system_media = NULL;
  gboolean ok = TRUE;
  guint i;

  if (!check_unsupported (request, error))
    return NULL;

  root = json_object_new ();
  node = object_node (root);
  json_object_set_string_member (root, "model",
                                 ctx->upstream_model ? ctx->upstream_model
                                                     : (request->model ? request->model : ""));

  /* System text becomes instructions; system images a leading developer message. */
  for (i = 0; request->system != NULL && i < request->system->len; i++)
    {
      const SyIrPart *part = g_ptr_array_index (request->system, i);

      if (part->type == SY_IR_PART_TEXT)
        {
          if (instructions == NULL)
            instructions = g_string_new (NULL);
          else
            g_string_append (instructions, "\n\n");
          g_string_append (instructions, part->text ? part->text : "");
        }
      else if (part->type == SY_IR_PART_IMAGE || part->type == SY_IR_PART_DOCUMENT)
        {
          if (system_media == NULL)
            system_media = json_array_new ();
          array_add_object (system_media, encode_media_part (part));
        }
    }
  if (instructions != NULL)
    json_object_set_string_member (root, "instructions", instructions->str);
  else if (codex)
    json_object_set_string_member (root, "instructions", "");

  name_map_init (&names, ctx);
  input = json_array_new ();
  json_object_set_array_member (root, "input", input);
  if (system_media != NULL)
    {
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "type", "message");
      json_object_set_string_member (item, "role", "developer");
      json_object_set_array_member (item, "content", system_media);
      array_add_object (input, item);
    }

  ok = encode_tools (request, &names, codex, root, error);
  writer.names = &names;
  writer.input = input;
  for (i = 0; ok && i < request->messages->len; i++)
    ok = encode_message (&writer, g_ptr_array_index (request->messages, i), i, error);
  if (ok)
    encode_tool_choice (request, &names, root);
  name_map_clear (&names);
  if (!ok)
    {
      /* The parts of the message that was refused, not yet in an item. */
      g_clear_pointer (&writer.content, json_array_unref);
      return NULL;
    }

  if (request->parallel_tool_calls != -1)
    json_object_set_boolean_member (root, "parallel_tool_calls", request->parallel_tool_calls == 1);
  encode_reasoning (request, codex, root);
  encode_text_format (request, root);

  if (!codex)
    {
      if (request->max_tokens != SY_IR_UNSET)
        json_object_set_int_member (root, "max_output_tokens", request->max_tokens);
      if (request->has_temperature)
        json_object_set_double_member (root, "temperature", request->temperature);
      if (request->has_top_p)
        json_object_set_double_member (root, "top_p", request->top_p);
      if (request->user != NULL)
        json_object_set_string_member (root, "user", request->user);
      json_object_set_boolean_member (root, "stream", request->stream);
    }
  else
    {
      json_object_set_boolean_member (root, "stream", TRUE);
      json_object_set_boolean_member (root, "store", FALSE);
    }

  return g_steal_pointer (&node);
}

/* ------------------------------------------------------------- answers */

static void
decode_usage (JsonObject *object,
              SyIrUsage  *usage)
{
  JsonObject *details;
  gint64 value;

  if (object == NULL)
    return;
  if (sy_json_get_int (object, "input_tokens", &value))
    usage->input_tokens = sy_ir_tokens (value);
  if (sy_json_get_int (object, "output_tokens", &value))
    usage->output_tokens = sy_ir_tokens (value);
  if (sy_json_get_int (object, "total_tokens", &value))
    usage->total_tokens = sy_ir_tokens (value);
  details = get_object (object, "input_tokens_details");
  if (sy_json_get_int (details, "cached_tokens", &value))
    usage->cached_tokens = sy_ir_tokens (value);
  details = get_object (object, "output_tokens_details");
  if (sy_json_get_int (details, "reasoning_tokens", &value))
    usage->reasoning_tokens = sy_ir_tokens (value);
  if (usage->total_tokens == SY_IR_UNSET && usage->input_tokens != SY_IR_UNSET &&
      usage->output_tokens != SY_IR_UNSET)
    usage->total_tokens = sy_ir_tokens (usage->input_tokens + usage->output_tokens);
}

/* The finish of a terminal response object. */
static SyIrFinish
decode_finish (JsonObject  *response,
               gboolean     saw_call,
               const char **native)
{
  const char *status = get_string (response, "status");
  JsonObject *details = get_object (response, "incomplete_details");
  const char *reason = details != NULL ? get_string (details, "reason") : NULL;

  *native = status;
  if (g_strcmp0 (status, "incomplete") == 0)
    {
      if (reason != NULL)
        *native = reason;
      if (g_strcmp0 (reason, "content_filter") == 0)
        return SY_IR_FINISH_CONTENT_FILTER;
      return SY_IR_FINISH_LENGTH;
    }
  if (g_strcmp0 (status, "cancelled") == 0 || g_strcmp0 (status, "failed") == 0)
    return SY_IR_FINISH_ERROR;
  return saw_call ? SY_IR_FINISH_TOOL_CALLS : SY_IR_FINISH_STOP;
}

static char *
image_mime (JsonObject *item)
{
  const char *format = get_string (item, "output_format");

  return g_strdup_printf ("image/%s", format != NULL ? format : "png");
}

/* Appends the IR parts of one output item. */
static void
decode_output_item (SyTranslateCtx *ctx,
                    JsonObject     *item,
                    GPtrArray      *parts,
                    gboolean       *saw_call)
{
  const char *type = get_string (item, "type");
  SyIrPart *part;

  if (g_strcmp0 (type, "message") == 0)
    {
      JsonArray *content = get_array (item, "content");
      guint i;

      for (i = 0; content != NULL && i < json_array_get_length (content); i++)
        {
          JsonNode *node = json_array_get_element (content, i);
          JsonObject *piece;
          const char *text;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          piece = json_node_get_object (node);
          text = get_string (piece, "text");
          if (text == NULL)
            text = get_string (piece, "refusal");
          if (text != NULL)
            g_ptr_array_add (parts, sy_ir_part_new_text (text));
        }
    }
  else if (g_strcmp0 (type, "reasoning") == 0)
    {
      g_autofree char *text = reasoning_item_text (item);
      const char *encrypted = get_string (item, "encrypted_content");

      if (text == NULL && encrypted == NULL)
        return;
      part = sy_ir_part_new (SY_IR_PART_THINKING);
      part->text = text != NULL ? g_steal_pointer (&text) : g_strdup ("");
      if (encrypted != NULL)
        part->signature = sy_ir_signature_import (encrypted, "openai");
      g_ptr_array_add (parts, part);
    }
  else if (g_strcmp0 (type, "function_call") == 0)
    {
      const char *call_id = get_string (item, "call_id");
      const char *name = get_string (item, "name");

      part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
      part->id = g_strdup (call_id != NULL ? call_id : get_string (item, "id"));
      part->name = g_strdup (sy_translate_ctx_client_tool_name (ctx, name ? name : ""));
      part->arguments = normalize_arguments (get_string (item, "arguments"));
      g_ptr_array_add (parts, part);
      *saw_call = TRUE;
    }
  else if (g_strcmp0 (type, "image_generation_call") == 0)
    {
      const char *result = get_string (item, "result");

      if (result == NULL)
        return;
      part = sy_ir_part_new (SY_IR_PART_IMAGE);
      part->data = g_strdup (result);
      part->mime_type = image_mime (item);
      g_ptr_array_add (parts, part);
    }
}

static SyIrResponse *
responses_decode_response (JsonNode       *body,
                           SyTranslateCtx *ctx,
                           GError        **error)
{
  g_autoptr(SyIrResponse) response = NULL;
  JsonObject *root;
  JsonObject *inner;
  JsonArray *output;
  const char *native = NULL;
  gboolean saw_call = FALSE;
  guint i;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "upstream answer: expected a JSON object");
      return NULL;
    }
  root = json_node_get_object (body);
  /* A response.completed event is accepted in place of its response. */
  inner = get_object (root, "response");
  if (inner != NULL && get_array (root, "output") == NULL)
    root = inner;

  if (g_strcmp0 (get_string (root, "status"), "failed") == 0)
    {
      JsonObject *err = get_object (root, "error");
      const char *message = err != NULL ? get_string (err, "message") : NULL;

      sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "upstream response failed: %s",
                         message != NULL ? message : "no reason given");
      return NULL;
    }
  output = get_array (root, "output");
  if (output == NULL)
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "upstream answer: no output array");
      return NULL;
    }

  response = sy_ir_response_new ();
  response->id = g_strdup (get_string (root, "id"));
  response->model = g_strdup (get_string (root, "model"));
  response->created = get_int_or_unset (root, "created_at");
  for (i = 0; i < json_array_get_length (output); i++)
    {
      JsonNode *node = json_array_get_element (output, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        decode_output_item (ctx, json_node_get_object (node), response->parts, &saw_call);
    }
  response->finish = decode_finish (root, saw_call, &native);
  response->native_finish = g_strdup (native);
  decode_usage (get_object (root, "usage"), &response->usage);
  return g_steal_pointer (&response);
}

static JsonNode *
usage_to_json (const SyIrUsage *usage)
{
  JsonObject *object;
  JsonObject *details;
  gint64 input;
  gint64 output;

  if (!sy_ir_usage_is_set (usage))
    return json_node_new (JSON_NODE_NULL);

  input = usage->input_tokens != SY_IR_UNSET ? usage->input_tokens : 0;
  output = usage->output_tokens != SY_IR_UNSET ? usage->output_tokens : 0;
  object = json_object_new ();
  json_object_set_int_member (object, "input_tokens", input);
  details = json_object_new ();
  json_object_set_int_member (details, "cached_tokens",
                              usage->cached_tokens != SY_IR_UNSET ? usage->cached_tokens : 0);
  json_object_set_object_member (object, "input_tokens_details", details);
  json_object_set_int_member (object, "output_tokens", output);
  details = json_object_new ();
  json_object_set_int_member (details, "reasoning_tokens",
                              usage->reasoning_tokens != SY_IR_UNSET ? usage->reasoning_tokens : 0);
  json_object_set_object_member (object, "output_tokens_details", details);
  json_object_set_int_member (object, "total_tokens",
                              usage->total_tokens != SY_IR_UNSET ? usage->total_tokens : input + output);
  return object_node (object);
}

static JsonObject *
output_text_new (const char *text)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "type", "output_text");
  json_object_set_string_member (object, "text", text ? text : "");
  json_object_set_array_member (object, "annotations", json_array_new ());
  return object;
}

static JsonObject *
message_item_new (const char *id,
                  const char *status,
                  JsonArray  *content)   /* taken */
{
  JsonObject *item = json_object_new ();

  json_object_set_string_member (item, "id", id);
  json_object_set_string_member (item, "type", "message");
  json_object_set_string_member (item, "status", status);
  json_object_set_string_member (item, "role", "assistant");
  json_object_set_array_member (item, "content", content);
  return item;
}

static JsonObject *
function_call_item_new (const char *id,
                        const char *status,
                        const char *call_id,
                        const char *name,
                        const char *arguments)
{
  JsonObject *item = json_object_new ();

  json_object_set_string_member (item, "id", id);
  json_object_set_string_member (item, "type", "function_call");
  json_object_set_string_member (item, "status", status);
  json_object_set_string_member (item, "arguments", arguments);
  json_object_set_string_member (item, "call_id", call_id);
  json_object_set_string_member (item, "name", name);
  return item;
}

static JsonObject *
image_item_new (const char *id,
                const char *status,
                const char *data)
{
  JsonObject *item = json_object_new ();

  json_object_set_string_member (item, "id", id);
  json_object_set_string_member (item, "type", "image_generation_call");
  json_object_set_string_member (item, "status", status);
  if (data != NULL)
    json_object_set_string_member (item, "result", data);
  return item;
}

static const char *
finish_status (SyIrFinish   finish,
               const char **incomplete_reason)
{
  *incomplete_reason = NULL;
  switch (finish)
    {
    case SY_IR_FINISH_LENGTH:
      *incomplete_reason = "max_output_tokens";
      return "incomplete";
    case SY_IR_FINISH_CONTENT_FILTER:
      *incomplete_reason = "content_filter";
      return "incomplete";
    default:
      return "completed";
    }
}

/* The response object of answers and of the stream's opening and closing
 * events. @output is taken; NULL means an empty array. */
static JsonObject *
response_object_new (SyTranslateCtx  *ctx,
                     const char      *id,
                     const char      *model,
                     gint64           created,
                     const char      *status,
                     const char      *incomplete_reason,
                     JsonArray       *output,
                     const SyIrUsage *usage)
{
  static const char *const echo[] = {
    "instructions", "max_output_tokens", "parallel_tool_calls", "reasoning",
    "temperature", "text", "tool_choice", "tools", "top_p", "truncation",
    "user", "metadata", "store",
  };
  JsonObject *object = json_object_new ();
  JsonObject *body = ctx->client_body != NULL && JSON_NODE_HOLDS_OBJECT (ctx->client_body)
                     ? json_node_get_object (ctx->client_body) : NULL;
  guint i;

  json_object_set_string_member (object, "id", id);
  json_object_set_string_member (object, "object", "response");
  json_object_set_int_member (object, "created_at", created);
  json_object_set_string_member (object, "status", status);
  json_object_set_null_member (object, "error");
  if (incomplete_reason != NULL)
    {
      JsonObject *details = json_object_new ();

      json_object_set_string_member (details, "reason", incomplete_reason);
      json_object_set_object_member (object, "incomplete_details", details);
    }
  else
    json_object_set_null_member (object, "incomplete_details");
  set_string_or_null (object, "model", model);
  json_object_set_array_member (object, "output", output != NULL ? output : json_array_new ());
  if (usage != NULL)
    json_object_set_member (object, "usage", usage_to_json (usage));
  else
    json_object_set_null_member (object, "usage");

  for (i = 0; body != NULL && i < G_N_ELEMENTS (echo); i++)
    {
      JsonNode *node = json_object_get_member (body, echo[i]);

      if (node != NULL)
        json_object_set_member (object, echo[i], deep_copy (node));
    }
  return object;
}

static const char *
answer_model (SyTranslateCtx *ctx,
              const char     *model)
{
  return ctx->client_model != NULL ? ctx->client_model : model;
}

static JsonNode *
responses_encode_response (const SyIrResponse *response,
                           SyTranslateCtx     *ctx,
                           GError            **error)
{
  g_autofree char *id = response->id != NULL ? g_strdup (response->id)
                                             : sy_translate_ctx_new_id (ctx, "resp_");
  JsonArray *output = json_array_new ();
  JsonArray *content = NULL;
  const char *status;
  const char *reason;
  guint i;

  for (i = 0; i < response->parts->len; i++)
    {
      const SyIrPart *part = g_ptr_array_index (response->parts, i);
      g_autofree char *signature = part->signature != NULL && !part->redacted
                                   ? sy_ir_signature_export (part->signature, "openai") : NULL;
      g_autofree char *item_id = NULL;

      /* A signature on text or a call rides on a reasoning item before it. */
      if (signature != NULL && part->type != SY_IR_PART_THINKING)
        {
          if (content != NULL)
            {
              item_id = sy_translate_ctx_new_id (ctx, "msg_");
              array_add_object (output, message_item_new (item_id, "completed", g_steal_pointer (&content)));
              g_clear_pointer (&item_id, g_free);
            }
          item_id = sy_translate_ctx_new_id (ctx, "rs_");
          array_add_object (output, reasoning_item_new (item_id, NULL, signature));
          g_clear_pointer (&item_id, g_free);
        }

      if (part->type == SY_IR_PART_TEXT)
        {
          if (content == NULL)
            content = json_array_new ();
          array_add_object (content, output_text_new (part->text));
          continue;
        }
      if (content != NULL && (part->type == SY_IR_PART_THINKING || part->type == SY_IR_PART_TOOL_CALL ||
                              part->type == SY_IR_PART_IMAGE))
        {
          item_id = sy_translate_ctx_new_id (ctx, "msg_");
          array_add_object (output, message_item_new (item_id, "completed", g_steal_pointer (&content)));
          g_clear_pointer (&item_id, g_free);
        }

      switch (part->type)
        {
        case SY_IR_PART_THINKING:
          if (part->redacted || (signature == NULL && (part->text == NULL || *part->text == '\0')))
            break;
          item_id = sy_translate_ctx_new_id (ctx, "rs_");
          array_add_object (output, reasoning_item_new (item_id, part->text, signature));
          break;

        case SY_IR_PART_TOOL_CALL:
          {
            g_autofree char *call_id = part->id != NULL ? g_strdup (part->id)
                                                        : sy_translate_ctx_new_id (ctx, "call_");

            item_id = sy_translate_ctx_new_id (ctx, "fc_");
            array_add_object (output, function_call_item_new (item_id, "completed", call_id,
                                                              part->name ? part->name : "",
                                                              part->arguments ? part->arguments : "{}"));
          }
          break;

        case SY_IR_PART_IMAGE:
          if (part->data == NULL)
            break;
          item_id = sy_translate_ctx_new_id (ctx, "ig_");
          array_add_object (output, image_item_new (item_id, "completed", part->data));
          break;

        default:
          break;
        }
    }
  if (content != NULL)
    {
      g_autofree char *item_id = sy_translate_ctx_new_id (ctx, "msg_");

      array_add_object (output, message_item_new (item_id, "completed", g_steal_pointer (&content)));
    }

  status = finish_status (response->finish, &reason);
  return object_node (response_object_new (ctx, id, answer_model (ctx, response->model),
                                           response->created != SY_IR_UNSET ? response->created : ctx->now,
                                           status, reason, output, &response->usage));
}

/* ------------------------------------------------ flat event scanner */

/*
 * Most of a stream is delta events: one flat object with a few strings and
 * numbers. Parsing each with JsonParser costs more than everything else
 * together, so these are read by the small scanner below; anything it does
 * not fully understand goes to JsonParser instead.
 */

typedef struct
{
  const char *p;
  const char *end;
} Scan;

typedef struct
{
  GString *type;
  GString *item_id;
  GString *delta;
  gint64   output_index;
  gint64   part_index;     /* summary_index or content_index */
  gboolean has_type;
  gboolean has_item_id;
  gboolean has_delta;
} FlatEvent;

static void
scan_ws (Scan *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
scan_hex4 (Scan     *s,
           gunichar *out)
{
  int i;

  if (s->end - s->p < 4)
    return FALSE;
  *out = 0;
  for (i = 0; i < 4; i++)
    {
      int v = hex_value (s->p[i]);

      if (v < 0)
        return FALSE;
      *out = (*out << 4) | (gunichar) v;
    }
  s->p += 4;
  return TRUE;
}

/* A JSON string at s->p, unescaped into @out (or skipped when NULL). */
static gboolean
scan_string (Scan    *s,
             GString *out)
{
  const char *run;

  if (s->p >= s->end || *s->p != '"')
    return FALSE;
  s->p++;
  run = s->p;
  while (s->p < s->end)
    {
      char c = *s->p;

      if (c == '"')
        {
          if (out != NULL)
            g_string_append_len (out, run, s->p - run);
          s->p++;
          return TRUE;
        }
      if ((guchar) c < 0x20)
        return FALSE;
      if (c != '\\')
        {
          s->p++;
          continue;
        }
      if (out != NULL)
        g_string_append_len (out, run, s->p - run);
      s->p++;
      if (s->p >= s->end)
        return FALSE;
      c = *s->p++;
      switch (c)
        {
        case '"': case '\\': case '/':
          if (out != NULL) g_string_append_c (out, c);
          break;
        case 'b': if (out != NULL) g_string_append_c (out, '\b'); break;
        case 'f': if (out != NULL) g_string_append_c (out, '\f'); break;
        case 'n': if (out != NULL) g_string_append_c (out, '\n'); break;
        case 'r': if (out != NULL) g_string_append_c (out, '\r'); break;
        case 't': if (out != NULL) g_string_append_c (out, '\t'); break;
        case 'u':
          {
            gunichar ch;

            if (!scan_hex4 (s, &ch))
              return FALSE;
            if (ch >= 0xD800 && ch <= 0xDBFF)
              {
                gunichar low;

                if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u')
                  return FALSE;
                s->p += 2;
                if (!scan_hex4 (s, &low) || low < 0xDC00 || low > 0xDFFF)
                  return FALSE;
                ch = 0x10000 + ((ch - 0xD800) << 10) + (low - 0xDC00);
              }
            else if (ch >= 0xDC00 && ch <= 0xDFFF)
              return FALSE;
            if (ch == 0)
              return FALSE;   /* would cut a C string short: leave it to JsonParser */
            if (out != NULL)
              g_string_append_unichar (out, ch);
          }
          break;
        default:
          return FALSE;
        }
      run = s->p;
    }
  return FALSE;
}

/* Skips any JSON value (nested ones by bracket matching). */
static gboolean
scan_skip (Scan *s)
{
  int depth = 0;

  scan_ws (s);
  do
    {
      if (s->p >= s->end)
        return FALSE;
      switch (*s->p)
        {
        case '"':
          if (!scan_string (s, NULL))
            return FALSE;
          break;
        case '{': case '[':
          depth++;
          s->p++;
          break;
        case '}': case ']':
          if (depth == 0)
            return FALSE;
          depth--;
          s->p++;
          break;
        default:
          s->p++;
          break;
        }
      if (depth > 0)
        while (s->p < s->end && *s->p != '"' && *s->p != '{' && *s->p != '[' &&
               *s->p != '}' && *s->p != ']')
          s->p++;
      else if (s->p[-1] != '"' && s->p[-1] != '}' && s->p[-1] != ']')
        while (s->p < s->end && *s->p != ',' && *s->p != '}' && *s->p != ']' &&
               *s->p != ' ' && *s->p != '\n' && *s->p != '\r' && *s->p != '\t')
          s->p++;
    }
  while (depth > 0);
  return TRUE;
}

static gboolean
scan_int (Scan   *s,
          gint64 *out)
{
  gint64 value = 0;
  const char *start = s->p;

  while (s->p < s->end && *s->p >= '0' && *s->p <= '9' && s->p - start < 12)
    value = value * 10 + (*s->p++ - '0');
  if (s->p == start || (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E')))
    return FALSE;
  *out = value;
  return TRUE;
}

/* Reads a flat event; FALSE when JsonParser should look at it instead. */
static gboolean
scan_flat_event (const char *data,
                 gsize       len,
                 FlatEvent  *ev,
                 GString    *key)
{
  Scan s = { data, data + len };

  g_string_truncate (ev->type, 0);
  g_string_truncate (ev->item_id, 0);
  g_string_truncate (ev->delta, 0);
  ev->output_index = SY_IR_UNSET;
  ev->part_index = SY_IR_UNSET;
  ev->has_type = ev->has_item_id = ev->has_delta = FALSE;

  scan_ws (&s);
  if (s.p >= s.end || *s.p != '{')
    return FALSE;
  s.p++;
  scan_ws (&s);
  if (s.p < s.end && *s.p == '}')
    return FALSE;
  for (;;)
    {
      GString *target = NULL;
      gboolean *seen = NULL;
      gint64 *number = NULL;

      scan_ws (&s);
      g_string_truncate (key, 0);
      if (!scan_string (&s, key))
        return FALSE;
      scan_ws (&s);
      if (s.p >= s.end || *s.p != ':')
        return FALSE;
      s.p++;
      scan_ws (&s);

      switch (key->len)
        {
        case 4:
          if (memcmp (key->str, "type", 4) == 0)
            target = ev->type, seen = &ev->has_type;
          break;
        case 5:
          if (memcmp (key->str, "delta", 5) == 0)
            target = ev->delta, seen = &ev->has_delta;
          break;
        case 7:
          if (memcmp (key->str, "item_id", 7) == 0)
            target = ev->item_id, seen = &ev->has_item_id;
          break;
        case 12:
          if (memcmp (key->str, "output_index", 12) == 0)
            number = &ev->output_index;
          break;
        case 13:
          if (memcmp (key->str, "summary_index", 13) == 0 || memcmp (key->str, "content_index", 13) == 0)
            number = &ev->part_index;
          break;
        default:
          break;
        }

      if (target != NULL)
        {
          if (*seen || !scan_string (&s, target))
            return FALSE;
          *seen = TRUE;
        }
      else if (number != NULL)
        {
          if (!scan_int (&s, number))
            return FALSE;
        }
      else if (!scan_skip (&s))
        return FALSE;

      scan_ws (&s);
      if (s.p >= s.end)
        return FALSE;
      if (*s.p == ',')
        {
          s.p++;
          continue;
        }
      if (*s.p != '}')
        return FALSE;
      s.p++;
      scan_ws (&s);
      return s.p == s.end && ev->has_type && ev->has_delta;
    }
}

/* ------------------------------------------------------ stream decoder */

typedef struct
{
  char     *item_id;
  gint64    output_index;
  guint     index;        /* IR tool call index */
  gboolean  got_delta;
  gboolean  ended;
} DecoderCall;

typedef struct
{
  SyStreamDecoder  parent;

  gboolean         started;
  gboolean         done;          /* a terminal event was handled */
  gboolean         saw_item;      /* any output item event */
  GPtrArray       *calls;         /* DecoderCall* */
  GHashTable      *text_items;    /* item ids whose text came as deltas */
  char            *thinking_item; /* reasoning item the last THINKING came from */
  gint64           thinking_part; /* its summary_index */
  gboolean         thinking_text; /* that item has produced text */
  FlatEvent        flat;
  GString         *key;
} ResponsesDecoder;

static void
decoder_call_free (DecoderCall *call)
{
  g_free (call->item_id);
  g_free (call);
}

static void
decoder_emit (ResponsesDecoder *self,
              SyIrEvent        *event)
{
  self->parent.emit (event, self->parent.emit_data);
}

static void
decoder_start (ResponsesDecoder *self,
               JsonObject       *response)
{
  SyIrEvent event;

  if (self->started)
    return;
  self->started = TRUE;
  sy_ir_event_init (&event, SY_IR_EVENT_START);
  if (response != NULL)
    {
      event.id = get_string (response, "id");
      event.model = get_string (response, "model");
      event.created = get_int_or_unset (response, "created_at");
    }
  decoder_emit (self, &event);
}

static void
decoder_text (ResponsesDecoder *self,
              SyIrEventType     type,
              const char       *text)
{
  SyIrEvent event;

  decoder_start (self, NULL);
  sy_ir_event_init (&event, type);
  event.text = text;
  event.text_len = strlen (text);
  decoder_emit (self, &event);
}

/* THINKING from reasoning item @item_id, summary part @part: parts after
 * the first are separated by a blank line, as in decode_response. */
static void
decoder_thinking (ResponsesDecoder *self,
                  const char       *item_id,
                  gint64            part,
                  const char       *text)
{
  gboolean same_item = item_id != NULL && g_strcmp0 (self->thinking_item, item_id) == 0;

  if (!same_item)
    {
      g_free (self->thinking_item);
      self->thinking_item = g_strdup (item_id);
      self->thinking_text = FALSE;
    }
  else if (part != self->thinking_part && self->thinking_text)
    decoder_text (self, SY_IR_EVENT_THINKING, "\n\n");
  self->thinking_part = part;
  if (item_id != NULL)
    g_hash_table_add (self->text_items, g_strdup (item_id));
  if (*text != '\0')
    {
      self->thinking_text = TRUE;
      decoder_text (self, SY_IR_EVENT_THINKING, text);
    }
}

static DecoderCall *
decoder_find_call (ResponsesDecoder *self,
                   const char       *item_id,
                   gint64            output_index)
{
  guint i;

  for (i = 0; i < self->calls->len; i++)
    {
      DecoderCall *call = g_ptr_array_index (self->calls, i);

      if (item_id != NULL && call->item_id != NULL)
        {
          if (g_str_equal (item_id, call->item_id))
            return call;
        }
      else if (output_index != SY_IR_UNSET && call->output_index == output_index)
        return call;
    }
  return NULL;
}

static DecoderCall *
decoder_call_start (ResponsesDecoder *self,
                    JsonObject       *item,
                    gint64            output_index)
{
  const char *item_id = get_string (item, "id");
  const char *call_id = get_string (item, "call_id");
  const char *name = get_string (item, "name");
  DecoderCall *call = decoder_find_call (self, item_id, output_index);
  SyIrEvent event;

  if (call != NULL)
    return call;
  call = g_new0 (DecoderCall, 1);
  call->item_id = g_strdup (item_id);
  call->output_index = output_index;
  call->index = self->calls->len;
  g_ptr_array_add (self->calls, call);

  decoder_start (self, NULL);
  sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_START);
  event.index = call->index;
  event.id = call_id != NULL ? call_id : item_id;
  event.name = sy_translate_ctx_client_tool_name (self->parent.ctx, name ? name : "");
  decoder_emit (self, &event);
  return call;
}

static void
decoder_call_delta (ResponsesDecoder *self,
                    DecoderCall      *call,
                    const char       *text)
{
  SyIrEvent event;

  if (text == NULL || *text == '\0' || call->ended)
    return;
  call->got_delta = TRUE;
  sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_DELTA);
  event.index = call->index;
  event.text = text;
  event.text_len = strlen (text);
  decoder_emit (self, &event);
}

static void
decoder_call_end (ResponsesDecoder *self,
                  DecoderCall      *call)
{
  SyIrEvent event;

  if (call->ended)
    return;
  call->ended = TRUE;
  sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_END);
  event.index = call->index;
  decoder_emit (self, &event);
}

/* An output item is complete: emit whatever did not come as deltas. */
static void
decoder_item_done (ResponsesDecoder *self,
                   JsonObject       *item,
                   gint64            output_index)
{
  const char *type = get_string (item, "type");
  const char *item_id = get_string (item, "id");
  gboolean streamed = item_id != NULL && g_hash_table_contains (self->text_items, item_id);

  self->saw_item = TRUE;
  if (g_strcmp0 (type, "function_call") == 0)
    {
      DecoderCall *call = decoder_call_start (self, item, output_index);

      if (!call->got_delta)
        decoder_call_delta (self, call, get_string (item, "arguments"));
      decoder_call_end (self, call);
    }
  else if (g_strcmp0 (type, "message") == 0 && !streamed)
    {
      JsonArray *content = get_array (item, "content");
      guint i;

      for (i = 0; content != NULL && i < json_array_get_length (content); i++)
        {
          JsonNode *node = json_array_get_element (content, i);
          const char *text;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          text = get_string (json_node_get_object (node), "text");
          if (text == NULL)
            text = get_string (json_node_get_object (node), "refusal");
          if (text != NULL && *text != '\0')
            decoder_text (self, SY_IR_EVENT_TEXT, text);
        }
    }
  else if (g_strcmp0 (type, "reasoning") == 0)
    {
      const char *encrypted = get_string (item, "encrypted_content");

      if (!streamed)
        {
          g_autofree char *text = reasoning_item_text (item);

          if (text == NULL && encrypted == NULL)
            return;
          /* An empty THINKING opens the block the signature belongs to. */
          decoder_thinking (self, item_id, 0, text != NULL ? text : "");
          if (text == NULL || *text == '\0')
            decoder_text (self, SY_IR_EVENT_THINKING, "");
        }
      if (encrypted != NULL)
        {
          g_autofree char *signature = sy_ir_signature_import (encrypted, "openai");
          SyIrEvent event;

          decoder_start (self, NULL);
          sy_ir_event_init (&event, SY_IR_EVENT_SIGNATURE);
          event.signature = signature;
          decoder_emit (self, &event);
        }
    }
  else if (g_strcmp0 (type, "image_generation_call") == 0)
    {
      const char *result = get_string (item, "result");
      g_autofree char *mime = image_mime (item);
      SyIrEvent event;

      if (result == NULL)
        return;
      decoder_start (self, NULL);
      sy_ir_event_init (&event, SY_IR_EVENT_IMAGE);
      event.data = result;
      event.mime_type = mime;
      decoder_emit (self, &event);
    }
}

static void
decoder_terminal (ResponsesDecoder *self,
                  JsonObject       *response)
{
  SyIrEvent event;
  const char *native = NULL;
  JsonArray *output = get_array (response, "output");
  gboolean saw_call;
  guint i;

  decoder_start (self, response);
  /* An upstream that sent no item events: take the items from here. */
  if (!self->saw_item && output != NULL)
    for (i = 0; i < json_array_get_length (output); i++)
      {
        JsonNode *node = json_array_get_element (output, i);

        if (JSON_NODE_HOLDS_OBJECT (node))
          decoder_item_done (self, json_node_get_object (node), i);
      }
  for (i = 0; i < self->calls->len; i++)
    decoder_call_end (self, g_ptr_array_index (self->calls, i));

  sy_ir_event_init (&event, SY_IR_EVENT_USAGE);
  sy_ir_usage_init (&event.usage);
  decode_usage (get_object (response, "usage"), &event.usage);
  if (sy_ir_usage_is_set (&event.usage))
    decoder_emit (self, &event);

  saw_call = self->calls->len > 0;
  sy_ir_event_init (&event, SY_IR_EVENT_FINISH);
  event.finish = decode_finish (response, saw_call, &native);
  event.native_finish = native;
  decoder_emit (self, &event);
  self->done = TRUE;
}

static void
decoder_error (ResponsesDecoder *self,
               const char       *message,
               const char       *code)
{
  SyIrEvent event;

  sy_ir_event_init (&event, SY_IR_EVENT_ERROR);
  event.text = message != NULL ? message : "the upstream reported an error";
  event.text_len = strlen (event.text);
  event.error_type = code;
  decoder_emit (self, &event);
  self->done = TRUE;
}

/* The delta events; TRUE if @type is one. */
static gboolean
decoder_delta (ResponsesDecoder *self,
               const char       *type,
               const char       *item_id,
               gint64            output_index,
               gint64            part_index,
               const char       *delta)
{
  if (g_str_equal (type, "response.output_text.delta") || g_str_equal (type, "response.refusal.delta"))
    {
      if (item_id != NULL && !g_hash_table_contains (self->text_items, item_id))
        g_hash_table_add (self->text_items, g_strdup (item_id));
      if (delta != NULL && *delta != '\0')
        decoder_text (self, SY_IR_EVENT_TEXT, delta);
    }
  else if (g_str_equal (type, "response.reasoning_summary_text.delta") ||
           g_str_equal (type, "response.reasoning_text.delta"))
    {
      if (delta != NULL)
        decoder_thinking (self, item_id, part_index, delta);
    }
  else if (g_str_equal (type, "response.function_call_arguments.delta"))
    {
      DecoderCall *call = decoder_find_call (self, item_id, output_index);

      if (call != NULL)
        decoder_call_delta (self, call, delta);
    }
  else
    return FALSE;
  return TRUE;
}

static gboolean
responses_decoder_feed (SyStreamDecoder *decoder,
                        const char      *event_name,
                        const char      *data,
                        gsize            len,
                        GError         **error)
{
  ResponsesDecoder *self = (ResponsesDecoder *) decoder;
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  const char *type;
  const char *item_id;
  gint64 output_index;
  gsize i;

  if (self->done || data == NULL)
    return TRUE;
  for (i = 0; i < len && g_ascii_isspace (data[i]); i++)
    ;
  if (i == len || (len - i >= 6 && strncmp (data + i, "[DONE]", 6) == 0))
    return TRUE;

  if (!self->parent.ctx->no_fast_path &&
      scan_flat_event (data + i, len - i, &self->flat, self->key) &&
      decoder_delta (self, self->flat.type->str,
                     self->flat.has_item_id ? self->flat.item_id->str : NULL,
                     self->flat.output_index, self->flat.part_index, self->flat.delta->str))
    {
      self->parent.fast_events++;
      return TRUE;
    }

  root = sy_json_parse (data, len, &parse_error);
  if (root == NULL)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "upstream stream: %s", parse_error->message);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "upstream stream: expected a JSON object");
  object = json_node_get_object (root);
  type = get_string (object, "type");
  if (type == NULL)
    type = event_name;
  if (type == NULL)
    return TRUE;

  item_id = get_string (object, "item_id");
  output_index = get_int_or_unset (object, "output_index");

  if (decoder_delta (self, type, item_id, output_index,
                     member (object, "summary_index") != NULL ? get_int_or_unset (object, "summary_index")
                                                             : get_int_or_unset (object, "content_index"),
                     get_string (object, "delta")))
    ;
  else if (g_str_equal (type, "response.function_call_arguments.done"))
    {
      DecoderCall *call = decoder_find_call (self, item_id, output_index);

      if (call != NULL && !call->got_delta)
        decoder_call_delta (self, call, get_string (object, "arguments"));
    }
  else if (g_str_equal (type, "response.output_item.added"))
    {
      JsonObject *item = get_object (object, "item");

      self->saw_item = TRUE;
      if (item != NULL && g_strcmp0 (get_string (item, "type"), "function_call") == 0)
        decoder_call_start (self, item, output_index);
    }
  else if (g_str_equal (type, "response.output_item.done"))
    {
      JsonObject *item = get_object (object, "item");

      if (item != NULL)
        decoder_item_done (self, item, output_index);
    }
  else if (g_str_equal (type, "response.created") || g_str_equal (type, "response.in_progress") ||
           g_str_equal (type, "response.queued"))
    decoder_start (self, get_object (object, "response"));
  else if (g_str_equal (type, "response.completed") || g_str_equal (type, "response.incomplete") ||
           g_str_equal (type, "response.done"))
    {
      JsonObject *response = get_object (object, "response");

      if (response == NULL)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "upstream stream: %s without a response", type);
      if (g_strcmp0 (get_string (response, "status"), "failed") == 0)
        {
          JsonObject *err = get_object (response, "error");

          decoder_error (self, err ? get_string (err, "message") : NULL, err ? get_string (err, "code") : NULL);
        }
      else
        decoder_terminal (self, response);
    }
  else if (g_str_equal (type, "response.failed"))
    {
      JsonObject *response = get_object (object, "response");
      JsonObject *err = get_object (response, "error");

      decoder_error (self, err ? get_string (err, "message") : NULL, err ? get_string (err, "code") : NULL);
    }
  else if (g_str_equal (type, "error"))
    {
      JsonObject *err = get_object (object, "error");
      JsonObject *source = err != NULL ? err : object;
      const char *code = get_string (source, "code");

      decoder_error (self, get_string (source, "message"), code ? code : get_string (source, "type"));
    }
  return TRUE;
}

static gboolean
responses_decoder_finish (SyStreamDecoder *decoder,
                          GError         **error)
{
  ResponsesDecoder *self = (ResponsesDecoder *) decoder;

  if (self->done)
    return TRUE;
  self->done = TRUE;
  return sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM,
                            "upstream stream: closed before response.completed");
}

static void
responses_decoder_free (SyStreamDecoder *decoder)
{
  ResponsesDecoder *self = (ResponsesDecoder *) decoder;

  g_ptr_array_unref (self->calls);
  g_hash_table_unref (self->text_items);
  g_free (self->thinking_item);
  g_string_free (self->flat.type, TRUE);
  g_string_free (self->flat.item_id, TRUE);
  g_string_free (self->flat.delta, TRUE);
  g_string_free (self->key, TRUE);
  g_free (self);
}

static SyStreamDecoder *
responses_stream_decoder_new (SyTranslateCtx *ctx,
                              SyIrEmitFunc    emit,
                              gpointer        emit_data)
{
  ResponsesDecoder *self = g_new0 (ResponsesDecoder, 1);

  self->parent.feed = responses_decoder_feed;
  self->parent.finish = responses_decoder_finish;
  self->parent.free = responses_decoder_free;
  self->parent.ctx = ctx;
  self->parent.emit = emit;
  self->parent.emit_data = emit_data;
  self->calls = g_ptr_array_new_with_free_func ((GDestroyNotify) decoder_call_free);
  self->text_items = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->thinking_part = SY_IR_UNSET;
  self->flat.type = g_string_new (NULL);
  self->flat.item_id = g_string_new (NULL);
  self->flat.delta = g_string_new (NULL);
  self->key = g_string_new (NULL);
  return &self->parent;
}

/* ------------------------------------------------------ stream encoder */

typedef enum
{
  OPEN_NONE,
  OPEN_MESSAGE,
  OPEN_REASONING,
} OpenKind;

typedef struct
{
  guint     ir_index;
  guint     output_index;
  char     *item_id;
  char     *call_id;
  char     *name;
  GString  *arguments;
  gboolean  done;
} EncoderCall;

typedef struct
{
  SyStreamEncoder  parent;

  gint64           sequence;
  gboolean         started;
  gboolean         stopped;       /* an error was written, or finish() ran */
  char            *id;
  char            *model;
  gint64           created;

  GPtrArray       *output;        /* JsonObject* per output_index, NULL until done */

  OpenKind         open;
  guint            open_index;
  char            *open_item;
  GString         *text;          /* the open message's text or summary part's text */
  gboolean         part_open;     /* reasoning: a summary part is open */
  char            *encrypted;     /* reasoning: encrypted_content for its done item */

  GPtrArray       *calls;         /* EncoderCall* */
  SyIrFinish       finish;
  SyIrUsage        usage;
  GString         *frame;
} ResponsesEncoder;

static void
encoder_call_free (EncoderCall *call)
{
  g_free (call->item_id);
  g_free (call->call_id);
  g_free (call->name);
  g_string_free (call->arguments, TRUE);
  g_free (call);
}

static void
encoder_send (ResponsesEncoder *self,
              const char       *type,
              GString          *data)
{
  self->parent.frame (type, data->str, data->len, self->parent.frame_data);
}

/* Writes @object (taken) as the event @type, numbering it. */
static void
encoder_emit (ResponsesEncoder *self,
              const char       *type,
              JsonObject       *object)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  json_object_set_int_member (object, "sequence_number", ++self->sequence);
  node = object_node (object);
  text = sy_json_to_string (node);
  self->parent.frame (type, text, strlen (text), self->parent.frame_data);
}

static JsonObject *
event_new (const char *type)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "type", type);
  return object;
}

/* The hot path: a delta event written without building a JSON tree. */
static void
encoder_delta (ResponsesEncoder *self,
               const char       *type,
               const char       *item_id,
               guint             output_index,
               const char       *index_name,
               const char       *text,
               gsize             len)
{
  GString *f = self->frame;

  g_string_truncate (f, 0);
  g_string_append (f, "{\"type\":\"");
  g_string_append (f, type);
  g_string_append (f, "\",\"item_id\":");
  sy_json_append_string (f, item_id, strlen (item_id));
  g_string_append (f, ",\"output_index\":");
  sy_json_append_uint (f, output_index);
  if (index_name != NULL)
    {
      g_string_append (f, ",\"");
      g_string_append (f, index_name);
      g_string_append (f, "\":0");
    }
  g_string_append (f, ",\"delta\":");
  sy_json_append_string (f, text, len);
  g_string_append (f, ",\"sequence_number\":");
  sy_json_append_uint (f, (guint64) ++self->sequence);
  g_string_append_c (f, '}');
  encoder_send (self, type, f);
}

static JsonObject *
encoder_response (ResponsesEncoder *self,
                  const char       *status,
                  const char       *reason,
                  gboolean          final)
{
  JsonArray *output = json_array_new ();
  guint i;

  for (i = 0; final && i < self->output->len; i++)
    {
      JsonObject *item = g_ptr_array_index (self->output, i);

      if (item != NULL)
        json_array_add_object_element (output, json_object_ref (item));
    }
  return response_object_new (self->parent.ctx, self->id, answer_model (self->parent.ctx, self->model),
                              self->created, status, reason, output,
                              final ? &self->usage : NULL);
}

static void
encoder_start (ResponsesEncoder *self,
               const SyIrEvent  *event)
{
  static const char *const types[] = { "response.created", "response.in_progress" };
  guint i;

  if (self->started)
    return;
  self->started = TRUE;
  if (event != NULL && event->id != NULL)
    self->id = g_strdup (event->id);
  else
    self->id = sy_translate_ctx_new_id (self->parent.ctx, "resp_");
  self->model = g_strdup (event != NULL ? event->model : NULL);
  self->created = event != NULL && event->created != SY_IR_UNSET ? event->created : self->parent.ctx->now;

  for (i = 0; i < G_N_ELEMENTS (types); i++)
    {
      JsonObject *object = event_new (types[i]);

      json_object_set_object_member (object, "response", encoder_response (self, "in_progress", NULL, FALSE));
      encoder_emit (self, types[i], object);
    }
}

/* A new output item: its index, and output_item.added. */
static guint
encoder_add_item (ResponsesEncoder *self,
                  JsonObject       *item)   /* taken */
{
  guint index = self->output->len;
  JsonObject *object = event_new ("response.output_item.added");

  g_ptr_array_add (self->output, NULL);
  json_object_set_int_member (object, "output_index", index);
  json_object_set_object_member (object, "item", item);
  encoder_emit (self, "response.output_item.added", object);
  return index;
}

static void
encoder_item_done (ResponsesEncoder *self,
                   guint             index,
                   JsonObject       *item)   /* taken */
{
  JsonObject *object = event_new ("response.output_item.done");

  g_ptr_array_index (self->output, index) = json_object_ref (item);
  json_object_set_int_member (object, "output_index", index);
  json_object_set_object_member (object, "item", item);
  encoder_emit (self, "response.output_item.done", object);
}

static JsonObject *
item_event_new (const char *type,
                const char *item_id,
                guint       output_index)
{
  JsonObject *object = event_new (type);

  json_object_set_string_member (object, "item_id", item_id);
  json_object_set_int_member (object, "output_index", output_index);
  return object;
}

static void
encoder_close_summary_part (ResponsesEncoder *self)
{
  JsonObject *object;
  JsonObject *part;

  if (!self->part_open)
    return;
  self->part_open = FALSE;
  object = item_event_new ("response.reasoning_summary_text.done", self->open_item, self->open_index);
  json_object_set_int_member (object, "summary_index", 0);
  json_object_set_string_member (object, "text", self->text->str);
  encoder_emit (self, "response.reasoning_summary_text.done", object);

  object = item_event_new ("response.reasoning_summary_part.done", self->open_item, self->open_index);
  json_object_set_int_member (object, "summary_index", 0);
  part = json_object_new ();
  json_object_set_string_member (part, "type", "summary_text");
  json_object_set_string_member (part, "text", self->text->str);
  json_object_set_object_member (object, "part", part);
  encoder_emit (self, "response.reasoning_summary_part.done", object);
}

/* Closes the open message or reasoning item. */
static void
encoder_close_open (ResponsesEncoder *self)
{
  JsonObject *object;
  JsonArray *content;

  switch (self->open)
    {
    case OPEN_MESSAGE:
      object = item_event_new ("response.output_text.done", self->open_item, self->open_index);
      json_object_set_int_member (object, "content_index", 0);
      json_object_set_string_member (object, "text", self->text->str);
      encoder_emit (self, "response.output_text.done", object);

      object = item_event_new ("response.content_part.done", self->open_item, self->open_index);
      json_object_set_int_member (object, "content_index", 0);
      json_object_set_object_member (object, "part", output_text_new (self->text->str));
      encoder_emit (self, "response.content_part.done", object);

      content = json_array_new ();
      array_add_object (content, output_text_new (self->text->str));
      encoder_item_done (self, self->open_index,
                         message_item_new (self->open_item, "completed", content));
      break;

    case OPEN_REASONING:
      encoder_close_summary_part (self);
      encoder_item_done (self, self->open_index,
                         reasoning_item_new (self->open_item, self->text->str, self->encrypted));
      break;

    case OPEN_NONE:
    default:
      return;
    }
  self->open = OPEN_NONE;
  g_clear_pointer (&self->open_item, g_free);
  g_clear_pointer (&self->encrypted, g_free);
  g_string_truncate (self->text, 0);
}

static void
encoder_open (ResponsesEncoder *self,
              OpenKind          kind)
{
  JsonObject *object;

  if (self->open == kind)
    return;
  encoder_close_open (self);
  self->open = kind;
  if (kind == OPEN_MESSAGE)
    {
      self->open_item = sy_translate_ctx_new_id (self->parent.ctx, "msg_");
      self->open_index = encoder_add_item (self, message_item_new (self->open_item, "in_progress",
                                                                   json_array_new ()));
      object = item_event_new ("response.content_part.added", self->open_item, self->open_index);
      json_object_set_int_member (object, "content_index", 0);
      json_object_set_object_member (object, "part", output_text_new (""));
      encoder_emit (self, "response.content_part.added", object);
    }
  else
    {
      self->open_item = sy_translate_ctx_new_id (self->parent.ctx, "rs_");
      self->open_index = encoder_add_item (self, reasoning_item_new (self->open_item, NULL, NULL));
    }
}

static void
encoder_thinking (ResponsesEncoder *self,
                  const char       *text,
                  gsize             len)
{
  encoder_open (self, OPEN_REASONING);
  if (len == 0)
    return;
  if (!self->part_open)
    {
      JsonObject *object = item_event_new ("response.reasoning_summary_part.added",
                                           self->open_item, self->open_index);
      JsonObject *part = json_object_new ();

      self->part_open = TRUE;
      json_object_set_int_member (object, "summary_index", 0);
      json_object_set_string_member (part, "type", "summary_text");
      json_object_set_string_member (part, "text", "");
      json_object_set_object_member (object, "part", part);
      encoder_emit (self, "response.reasoning_summary_part.added", object);
    }
  g_string_append_len (self->text, text, len);
  encoder_delta (self, "response.reasoning_summary_text.delta", self->open_item, self->open_index,
                 "summary_index", text, len);
}

static EncoderCall *
encoder_find_call (ResponsesEncoder *self,
                   guint             ir_index)
{
  guint i;

  for (i = self->calls->len; i > 0; i--)
    {
      EncoderCall *call = g_ptr_array_index (self->calls, i - 1);

      if (call->ir_index == ir_index)
        return call;
    }
  return NULL;
}

static void
encoder_call_done (ResponsesEncoder *self,
                   EncoderCall      *call)
{
  JsonObject *object;

  if (call->done)
    return;
  call->done = TRUE;
  if (call->arguments->len == 0)
    {
      g_string_append (call->arguments, "{}");
      encoder_delta (self, "response.function_call_arguments.delta", call->item_id, call->output_index,
                     NULL, call->arguments->str, call->arguments->len);
    }
  object = item_event_new ("response.function_call_arguments.done", call->item_id, call->output_index);
  json_object_set_string_member (object, "arguments", call->arguments->str);
  encoder_emit (self, "response.function_call_arguments.done", object);
  encoder_item_done (self, call->output_index,
                     function_call_item_new (call->item_id, "completed", call->call_id, call->name,
                                             call->arguments->str));
}

static void
encoder_call_start (ResponsesEncoder *self,
                    const SyIrEvent  *event)
{
  EncoderCall *call;
  g_autofree char *signature = NULL;

  encoder_close_open (self);
  if (event->signature != NULL)
    signature = sy_ir_signature_export (event->signature, "openai");
  if (signature != NULL)
    {
      char *item_id = sy_translate_ctx_new_id (self->parent.ctx, "rs_");
      guint index = encoder_add_item (self, reasoning_item_new (item_id, NULL, NULL));

      encoder_item_done (self, index, reasoning_item_new (item_id, NULL, signature));
      g_free (item_id);
    }

  call = g_new0 (EncoderCall, 1);
  call->ir_index = event->index;
  call->item_id = sy_translate_ctx_new_id (self->parent.ctx, "fc_");
  call->call_id = event->id != NULL ? g_strdup (event->id) : sy_translate_ctx_new_id (self->parent.ctx, "call_");
  call->name = g_strdup (event->name ? event->name : "");
  call->arguments = g_string_new (NULL);
  g_ptr_array_add (self->calls, call);
  call->output_index = encoder_add_item (self, function_call_item_new (call->item_id, "in_progress",
                                                                       call->call_id, call->name, ""));
}

static void
encoder_error (ResponsesEncoder *self,
               const SyIrEvent  *event)
{
  JsonObject *object = event_new ("error");
  const char *code = event->error_type;

  if (code == NULL)
    {
      switch (event->status)
        {
        case 401: code = "authentication_error"; break;
        case 403: code = "permission_error"; break;
        case 429: code = "rate_limit_error"; break;
        default:  code = event->status >= 400 && event->status < 500 ? "invalid_request_error"
                                                                     : "server_error"; break;
        }
    }
  json_object_set_string_member (object, "code", code);
  json_object_set_string_member (object, "message", event->text ? event->text : "upstream error");
  json_object_set_null_member (object, "param");
  encoder_emit (self, "error", object);
  self->stopped = TRUE;
}

static void
responses_encoder_encode (SyStreamEncoder *encoder,
                          const SyIrEvent *event)
{
  ResponsesEncoder *self = (ResponsesEncoder *) encoder;
  EncoderCall *call;
  gsize len;

  if (self->stopped)
    return;
  if (event->type == SY_IR_EVENT_ERROR)
    {
      encoder_error (self, event);
      return;
    }
  encoder_start (self, event->type == SY_IR_EVENT_START ? event : NULL);
  len = event->text == NULL ? 0 : event->text_len != 0 ? event->text_len : strlen (event->text);

  switch (event->type)
    {
    case SY_IR_EVENT_TEXT:
      encoder_open (self, OPEN_MESSAGE);
      if (len == 0)
        break;
      g_string_append_len (self->text, event->text, len);
      encoder_delta (self, "response.output_text.delta", self->open_item, self->open_index,
                     "content_index", event->text, len);
      break;

    case SY_IR_EVENT_THINKING:
      encoder_thinking (self, event->text, len);
      break;

    case SY_IR_EVENT_SIGNATURE:
      /* A signature ends its thinking block: the reasoning item is done. */
      encoder_open (self, OPEN_REASONING);
      g_free (self->encrypted);
      self->encrypted = event->signature != NULL ? sy_ir_signature_export (event->signature, "openai") : NULL;
      encoder_close_open (self);
      break;

    case SY_IR_EVENT_TOOL_CALL_START:
      encoder_call_start (self, event);
      break;

    case SY_IR_EVENT_TOOL_CALL_DELTA:
      call = encoder_find_call (self, event->index);
      if (call == NULL || call->done || len == 0)
        break;
      g_string_append_len (call->arguments, event->text, len);
      encoder_delta (self, "response.function_call_arguments.delta", call->item_id, call->output_index,
                     NULL, event->text, len);
      break;

    case SY_IR_EVENT_TOOL_CALL_END:
      call = encoder_find_call (self, event->index);
      if (call != NULL)
        encoder_call_done (self, call);
      break;

    case SY_IR_EVENT_IMAGE:
      {
        char *item_id;
        guint index;

        if (event->data == NULL)
          break;
        encoder_close_open (self);
        item_id = sy_translate_ctx_new_id (self->parent.ctx, "ig_");
        index = encoder_add_item (self, image_item_new (item_id, "in_progress", NULL));
        encoder_item_done (self, index, image_item_new (item_id, "completed", event->data));
        g_free (item_id);
      }
      break;

    case SY_IR_EVENT_USAGE:
      sy_ir_usage_merge (&self->usage, &event->usage);
      break;

    case SY_IR_EVENT_FINISH:
      self->finish = event->finish;
      break;

    case SY_IR_EVENT_START:
    case SY_IR_EVENT_REDACTED_THINKING:   /* nothing a Responses client can hold */
    default:
      break;
    }
}

static void
responses_encoder_finish (SyStreamEncoder *encoder)
{
  ResponsesEncoder *self = (ResponsesEncoder *) encoder;
  JsonObject *object;
  const char *status;
  const char *reason;
  const char *type;
  guint i;

  if (self->stopped)
    return;
  encoder_start (self, NULL);
  encoder_close_open (self);
  for (i = 0; i < self->calls->len; i++)
    encoder_call_done (self, g_ptr_array_index (self->calls, i));
  self->stopped = TRUE;

  status = finish_status (self->finish, &reason);
  type = reason != NULL ? "response.incomplete" : "response.completed";
  object = event_new (type);
  json_object_set_object_member (object, "response", encoder_response (self, status, reason, TRUE));
  encoder_emit (self, type, object);
}

static void
responses_encoder_free (SyStreamEncoder *encoder)
{
  ResponsesEncoder *self = (ResponsesEncoder *) encoder;
  guint i;

  for (i = 0; i < self->output->len; i++)
    if (g_ptr_array_index (self->output, i) != NULL)
      json_object_unref (g_ptr_array_index (self->output, i));
  g_ptr_array_unref (self->output);
  g_ptr_array_unref (self->calls);
  g_free (self->id);
  g_free (self->model);
  g_free (self->open_item);
  g_free (self->encrypted);
  g_string_free (self->text, TRUE);
  g_string_free (self->frame, TRUE);
  g_free (self);
}

static SyStreamEncoder *
responses_stream_encoder_new (SyTranslateCtx *ctx,
                              SyFrameFunc     frame,
                              gpointer        frame_data)
{
  ResponsesEncoder *self = g_new0 (ResponsesEncoder, 1);

  self->parent.encode = responses_encoder_encode;
  self->parent.finish = responses_encoder_finish;
  self->parent.free = responses_encoder_free;
  self->parent.ctx = ctx;
  self->parent.frame = frame;
  self->parent.frame_data = frame_data;
  self->output = g_ptr_array_new ();
  self->calls = g_ptr_array_new_with_free_func ((GDestroyNotify) encoder_call_free);
  self->text = g_string_new (NULL);
  self->frame = g_string_new (NULL);
  self->finish = SY_IR_FINISH_UNSET;
  sy_ir_usage_init (&self->usage);
  return &self->parent;
}

/* ---------------------------------------------------------------- codec */

static const SyCodec codec = {
  .format = SY_FORMAT_OPENAI_RESPONSES,
  .decode_request = responses_decode_request,
  .encode_request = responses_encode_request,
  .decode_response = responses_decode_response,
  .encode_response = responses_encode_response,
  .stream_decoder_new = responses_stream_decoder_new,
  .stream_encoder_new = responses_stream_encoder_new,
};

const SyCodec *
sy_codec_responses (void)
{
  return &codec;
}
