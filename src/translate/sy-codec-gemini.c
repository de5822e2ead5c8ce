/* sy-codec-gemini.c: the Gemini generateContent format <-> the IR
 *
 * Requests: contents/systemInstruction/tools/toolConfig/generationConfig,
 * also the countTokens bodies. Answers: GenerateContentResponse, whole or
 * as the SSE chunks of streamGenerateContent?alt=sse (each chunk is a
 * whole GenerateContentResponse holding the next parts).
 *
 * Gemini has no tool-call ids: calls in a request without one get a
 * generated id and the next functionResponse of the same name takes it
 * (FIFO). Tool names are sanitised to Gemini's character set and mapped
 * back in answers. Tool schemas are cleaned (sy-gemini-schema.h).
 *
 * The decoders also accept the Cloud Code envelope ({"response": ...})
 * around an answer, so the Gemini CLI codec can share them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-translate"

#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "sy-codec.h"
#include "sy-json.h"
#include "sy-json-scan.h"
#include "sy-gemini-schema.h"

/* What Gemini 3 accepts instead of a real signature on replayed calls. */
#define SIGNATURE_SENTINEL "skip_thought_signature_validator"

static const struct
{
  const char *category;
  const char *threshold;
} default_safety[] = {
  { "HARM_CATEGORY_HARASSMENT", "OFF" },
  { "HARM_CATEGORY_HATE_SPEECH", "OFF" },
  { "HARM_CATEGORY_SEXUALLY_EXPLICIT", "OFF" },
  { "HARM_CATEGORY_DANGEROUS_CONTENT", "OFF" },
  { "HARM_CATEGORY_CIVIC_INTEGRITY", "BLOCK_NONE" },
};

/* -------------------------------------------------------------- helpers */

/* A member under its camelCase or snake_case name. */
static JsonNode *
member2 (JsonObject *object,
         const char *camel,
         const char *snake)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, camel);
  if (node == NULL && snake != NULL)
    node = json_object_get_member (object, snake);
  return node;
}

static const char *
string2 (JsonObject *object,
         const char *camel,
         const char *snake)
{
  JsonNode *node = member2 (object, camel, snake);

  return sy_json_node_is_string (node) ? json_node_get_string (node) : NULL;
}

static JsonObject *
object2 (JsonObject *object,
         const char *camel,
         const char *snake)
{
  JsonNode *node = member2 (object, camel, snake);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gboolean
is_null_node (JsonNode *node)
{
  return node == NULL || JSON_NODE_HOLDS_NULL (node);
}

static JsonNode *
node_take_object (JsonObject *object)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), object);

  json_object_unref (object);
  return node;
}

static char *
object_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return sy_json_to_string (node);
}

/* A signature read from a Gemini field, wrapped; NULL for none or the sentinel. */
static char *
import_signature (const char *value)
{
  if (value == NULL || *value == '\0' || strcmp (value, SIGNATURE_SENTINEL) == 0)
    return NULL;
  return sy_ir_signature_import (value, "gemini");
}

static SyIrPartType
part_type_for_mime (const char *mime_type)
{
  if (mime_type != NULL && g_str_has_prefix (mime_type, "image/"))
    return SY_IR_PART_IMAGE;
  if (mime_type != NULL && g_str_has_prefix (mime_type, "audio/"))
    return SY_IR_PART_AUDIO;
  return SY_IR_PART_DOCUMENT;
}

/* Gemini wants a mime type with every fileData; guess one from the URL. */
static const char *
guess_mime (const SyIrPart *part)
{
  static const struct { const char *ext; const char *mime; } table[] = {
    { ".png", "image/png" }, { ".jpg", "image/jpeg" }, { ".jpeg", "image/jpeg" },
    { ".gif", "image/gif" }, { ".webp", "image/webp" }, { ".heic", "image/heic" },
    { ".pdf", "application/pdf" }, { ".txt", "text/plain" }, { ".mp3", "audio/mpeg" },
    { ".wav", "audio/wav" }, { ".ogg", "audio/ogg" }, { ".flac", "audio/flac" },
  };
  g_autofree char *lower = NULL;
  char *query;
  guint i;

  if (part->mime_type != NULL)
    return part->mime_type;
  lower = g_ascii_strdown (part->url ? part->url : "", -1);
  if ((query = strpbrk (lower, "?#")) != NULL)
    *query = '\0';
  for (i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_str_has_suffix (lower, table[i].ext))
      return table[i].mime;
  switch (part->type)
    {
    case SY_IR_PART_IMAGE: return "image/jpeg";
    case SY_IR_PART_AUDIO: return "audio/mpeg";
    default:               return "application/pdf";
    }
}

static gint64
parse_time (const char *text)
{
  g_autoptr(GDateTime) time = NULL;

  if (text == NULL)
    return SY_IR_UNSET;
  time = g_date_time_new_from_iso8601 (text, NULL);
  return time != NULL ? g_date_time_to_unix (time) : SY_IR_UNSET;
}

static char *
format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_seconds);

  if (time == NULL)
    return g_strdup ("1970-01-01T00:00:00Z");
  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

/* The arguments of a call as an object node ({} if they are not one). */
static JsonNode *
parse_arguments (const char *arguments)
{
  JsonNode *node = arguments != NULL ? sy_json_parse (arguments, -1, NULL) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_clear_pointer (&node, json_node_unref);
      return node_take_object (json_object_new ());
    }
  return node;
}

static SyIrFinish
finish_from_gemini (const char *reason)
{
  if (reason == NULL)
    return SY_IR_FINISH_UNSET;
  if (strcmp (reason, "MAX_TOKENS") == 0)
    return SY_IR_FINISH_LENGTH;
  if (strcmp (reason, "SAFETY") == 0 || strcmp (reason, "RECITATION") == 0 ||
      strcmp (reason, "BLOCKLIST") == 0 || strcmp (reason, "PROHIBITED_CONTENT") == 0 ||
      strcmp (reason, "SPII") == 0 || strcmp (reason, "IMAGE_SAFETY") == 0 ||
      strcmp (reason, "IMAGE_PROHIBITED_CONTENT") == 0 || strcmp (reason, "LANGUAGE") == 0)
    return SY_IR_FINISH_CONTENT_FILTER;
  if (strcmp (reason, "MALFORMED_FUNCTION_CALL") == 0 ||
      strcmp (reason, "UNEXPECTED_TOOL_CALL") == 0 || strcmp (reason, "OTHER") == 0)
    return SY_IR_FINISH_ERROR;
  return SY_IR_FINISH_STOP;
}

static const char *
finish_to_gemini (SyIrFinish finish)
{
  switch (finish)
    {
    case SY_IR_FINISH_LENGTH:         return "MAX_TOKENS";
    case SY_IR_FINISH_CONTENT_FILTER: return "SAFETY";
    default:                          return "STOP";
    }
}

static void
usage_from_gemini (JsonObject *meta,
                   SyIrUsage  *usage)
{
  gint64 prompt, candidates, thoughts, cached, total;
  gboolean has_candidates, has_thoughts;

  sy_ir_usage_init (usage);
  if (meta == NULL)
    return;
  if (sy_json_get_int (meta, "promptTokenCount", &prompt))
    usage->input_tokens = sy_ir_tokens (prompt);
  has_candidates = sy_json_get_int (meta, "candidatesTokenCount", &candidates);
  has_thoughts = sy_json_get_int (meta, "thoughtsTokenCount", &thoughts);
  if (has_candidates || has_thoughts)
    usage->output_tokens = sy_ir_tokens ((has_candidates ? sy_ir_tokens (candidates) : 0) +
                                         (has_thoughts ? sy_ir_tokens (thoughts) : 0));
  if (has_thoughts)
    usage->reasoning_tokens = sy_ir_tokens (thoughts);
  if (sy_json_get_int (meta, "cachedContentTokenCount", &cached))
    usage->cached_tokens = sy_ir_tokens (cached);
  if (sy_json_get_int (meta, "totalTokenCount", &total))
    usage->total_tokens = sy_ir_tokens (total);
  else if (usage->input_tokens != SY_IR_UNSET && usage->output_tokens != SY_IR_UNSET)
    usage->total_tokens = sy_ir_tokens (usage->input_tokens + usage->output_tokens);
}

static JsonObject *
usage_to_gemini (const SyIrUsage *usage)
{
  JsonObject *meta = json_object_new ();
  gint64 input = usage->input_tokens != SY_IR_UNSET ? usage->input_tokens : 0;
  gint64 output = usage->output_tokens != SY_IR_UNSET ? usage->output_tokens : 0;
  gint64 reasoning = usage->reasoning_tokens != SY_IR_UNSET ? usage->reasoning_tokens : 0;

  json_object_set_int_member (meta, "promptTokenCount", input);
  json_object_set_int_member (meta, "candidatesTokenCount", MAX (output - reasoning, 0));
  json_object_set_int_member (meta, "totalTokenCount",
                              usage->total_tokens != SY_IR_UNSET ? usage->total_tokens : input + output);
  if (usage->reasoning_tokens != SY_IR_UNSET)
    json_object_set_int_member (meta, "thoughtsTokenCount", usage->reasoning_tokens);
  if (usage->cached_tokens != SY_IR_UNSET)
    json_object_set_int_member (meta, "cachedContentTokenCount", usage->cached_tokens);
  return meta;
}

/* A response object, unwrapped from the Cloud Code envelope if need be. */
static JsonObject *
unwrap_response (JsonObject *object)
{
  JsonObject *inner;

  if (object != NULL && !json_object_has_member (object, "candidates") &&
      (inner = sy_json_get_object (object, "response")) != NULL)
    return inner;
  return object;
}

/* ======================================================= request decoding */

typedef struct
{
  char *name;
  char *id;
} PendingCall;

static void
pending_call_free (gpointer data)
{
  PendingCall *call = data;

  g_free (call->name);
  g_free (call->id);
  g_free (call);
}

typedef struct
{
  SyTranslateCtx *ctx;
  SyIrRequest    *request;
  GQueue          pending;    /* PendingCall*: calls waiting for their response */
} Decoder;

/* The id for a functionResponse: its own, else that of the oldest pending
 * call of the same name, else a fresh one. */
static char *
take_call_id (Decoder    *dec,
              const char *name,
              const char *id)
{
  GList *link;

  for (link = dec->pending.head; link != NULL; link = link->next)
    {
      PendingCall *call = link->data;

      if (id != NULL ? g_strcmp0 (call->id, id) == 0 : g_strcmp0 (call->name, name) == 0)
        {
          char *found = g_strdup (call->id);

          pending_call_free (call);
          g_queue_delete_link (&dec->pending, link);
          return found;
        }
    }
  return id != NULL ? g_strdup (id) : sy_translate_ctx_new_id (dec->ctx, "call_");
}

static gboolean
decode_function_response (Decoder    *dec,
                          JsonObject *object,
                          const char *where,
                          SyIrPart  **out,
                          GError    **error)
{
  g_autoptr(SyIrPart) part = sy_ir_part_new (SY_IR_PART_TOOL_RESULT);
  const char *name = sy_json_get_string (object, "name");
  JsonNode *response = json_object_get_member (object, "response");
  JsonObject *robj = response != NULL && JSON_NODE_HOLDS_OBJECT (response)
                     ? json_node_get_object (response) : NULL;
  const char *text = NULL;
  g_autofree char *json = NULL;

  if (name == NULL)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.functionResponse.name: expected a string", where);

  part->name = g_strdup (name);
  part->tool_call_id = take_call_id (dec, name, sy_json_get_string (object, "id"));
  part->content = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);

  if (robj != NULL && json_object_get_size (robj) == 1 &&
      (text = sy_json_get_string (robj, "result")) != NULL)
    ;
  else if (robj != NULL && json_object_get_size (robj) == 1 &&
           (text = sy_json_get_string (robj, "error")) != NULL)
    part->is_error = TRUE;
  else if (!is_null_node (response))
    text = json = sy_json_to_string (response);
  else
    text = "";
  g_ptr_array_add (part->content, sy_ir_part_new_text (text));
  *out = g_steal_pointer (&part);
  return TRUE;
}

/* One part of contents[i]; *out stays NULL for parts the IR has no use for. */
static gboolean
decode_part (Decoder    *dec,
             JsonObject *object,
             const char *where,
             SyIrPart  **out,
             GError    **error)
{
  g_autoptr(SyIrPart) part = NULL;
  JsonNode *text = json_object_get_member (object, "text");
  JsonObject *inline_data = object2 (object, "inlineData", "inline_data");
  JsonObject *file_data = object2 (object, "fileData", "file_data");
  JsonObject *call = object2 (object, "functionCall", "function_call");
  JsonObject *response = object2 (object, "functionResponse", "function_response");
  g_autofree char *signature = import_signature (string2 (object, "thoughtSignature", "thought_signature"));
  gboolean thought = sy_json_get_bool (object, "thought") == 1;

  *out = NULL;

  if (text != NULL && !is_null_node (text))
    {
      if (!sy_json_node_is_string (text))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.text: expected a string", where);
      part = sy_ir_part_new (thought ? SY_IR_PART_THINKING : SY_IR_PART_TEXT);
      part->text = g_strdup (json_node_get_string (text));
      part->signature = g_steal_pointer (&signature);
    }
  else if (inline_data != NULL)
    {
      const char *mime = string2 (inline_data, "mimeType", "mime_type");
      const char *data = sy_json_get_string (inline_data, "data");

      if (data == NULL)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.inlineData.data: expected a string", where);
      part = sy_ir_part_new (part_type_for_mime (mime));
      part->mime_type = g_strdup (mime);
      part->data = g_strdup (data);
    }
  else if (file_data != NULL)
    {
      const char *mime = string2 (file_data, "mimeType", "mime_type");
      const char *uri = string2 (file_data, "fileUri", "file_uri");

      if (uri == NULL)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.fileData.fileUri: expected a string", where);
      part = sy_ir_part_new (part_type_for_mime (mime));
      part->mime_type = g_strdup (mime);
      part->url = g_strdup (uri);
    }
  else if (call != NULL)
    {
      const char *name = sy_json_get_string (call, "name");
      const char *id = sy_json_get_string (call, "id");
      JsonNode *args = json_object_get_member (call, "args");
      PendingCall *pending;

      if (name == NULL)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.functionCall.name: expected a string", where);
      if (!is_null_node (args) && !JSON_NODE_HOLDS_OBJECT (args))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s.functionCall.args: expected an object", where);
      part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
      part->name = g_strdup (name);
      part->id = id != NULL ? g_strdup (id) : sy_translate_ctx_new_id (dec->ctx, "call_");
      part->arguments = is_null_node (args) ? g_strdup ("{}") : sy_json_to_string (args);
      part->signature = g_steal_pointer (&signature);
      pending = g_new0 (PendingCall, 1);
      pending->name = g_strdup (name);
      pending->id = g_strdup (part->id);
      g_queue_push_tail (&dec->pending, pending);
    }
  else if (response != NULL)
    {
      if (!decode_function_response (dec, response, where, &part, error))
        return FALSE;
    }
  else if (signature != NULL)
    {
      /* A part that only carries a signature: empty signed thinking. */
      part = sy_ir_part_new (SY_IR_PART_THINKING);
      part->text = g_strdup ("");
      part->signature = g_steal_pointer (&signature);
    }

  *out = g_steal_pointer (&part);
  return TRUE;
}

static gboolean
decode_contents (Decoder    *dec,
                 JsonArray  *contents,
                 GError    **error)
{
  SyIrRole previous = SY_IR_ROLE_ASSISTANT;
  guint i, j;

  for (i = 0; i < json_array_get_length (contents); i++)
    {
      JsonNode *node = json_array_get_element (contents, i);
      JsonObject *content;
      const char *role;
      JsonArray *parts;
      SyIrRole ir_role;
      SyIrMessage *message = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "contents[%u]: expected an object", i);
      content = json_node_get_object (node);
      role = sy_json_get_string (content, "role");
      if (g_strcmp0 (role, "model") == 0)
        ir_role = SY_IR_ROLE_ASSISTANT;
      else if (g_strcmp0 (role, "user") == 0 || g_strcmp0 (role, "function") == 0 ||
               g_strcmp0 (role, "tool") == 0)
        ir_role = SY_IR_ROLE_USER;
      else
        /* Missing or unknown: the turns alternate, starting with the user. */
        ir_role = previous == SY_IR_ROLE_USER ? SY_IR_ROLE_ASSISTANT : SY_IR_ROLE_USER;
      previous = ir_role;

      parts = sy_json_get_array (content, "parts");
      if (parts == NULL)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "contents[%u].parts: expected an array", i);

      for (j = 0; j < json_array_get_length (parts); j++)
        {
          JsonNode *pnode = json_array_get_element (parts, j);
          g_autofree char *where = g_strdup_printf ("contents[%u].parts[%u]", i, j);
          SyIrPart *part = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (pnode))
            return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "%s: expected an object", where);
          if (!decode_part (dec, json_node_get_object (pnode), where, &part, error))
            return FALSE;
          if (part == NULL)
            continue;
          if (message == NULL)
            message = sy_ir_request_tail (dec->request, ir_role);
          sy_ir_message_add (message, part);
        }
    }
  return TRUE;
}

static gboolean
decode_system (SyIrRequest *request,
               JsonNode    *node,
               GError     **error)
{
  JsonArray *parts;
  guint i;

  if (is_null_node (node))
    return TRUE;
  if (sy_json_node_is_string (node))
    {
      g_ptr_array_add (request->system, sy_ir_part_new_text (json_node_get_string (node)));
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "systemInstruction: expected an object");
  parts = sy_json_get_array (json_node_get_object (node), "parts");
  if (parts == NULL)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "systemInstruction.parts: expected an array");
  for (i = 0; i < json_array_get_length (parts); i++)
    {
      JsonNode *pnode = json_array_get_element (parts, i);
      const char *text;

      if (!JSON_NODE_HOLDS_OBJECT (pnode))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "systemInstruction.parts[%u]: expected an object", i);
      text = sy_json_get_string (json_node_get_object (pnode), "text");
      if (text != NULL)
        g_ptr_array_add (request->system, sy_ir_part_new_text (text));
    }
  return TRUE;
}

static SyIrTool *
builtin_tool (SyIrToolType  type,
              JsonObject   *raw)
{
  SyIrTool *tool = sy_ir_tool_new (type);

  tool->raw = node_take_object (json_object_ref (raw));
  tool->raw_format = SY_FORMAT_GEMINI;
  return tool;
}

static gboolean
decode_tools (SyIrRequest *request,
              JsonNode    *node,
              GError     **error)
{
  JsonArray *tools;
  guint i, j;

  if (is_null_node (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "tools: expected an array");
  tools = json_node_get_array (node);

  for (i = 0; i < json_array_get_length (tools); i++)
    {
      JsonNode *tnode = json_array_get_element (tools, i);
      JsonObject *tool;
      JsonNode *decls;

      if (!JSON_NODE_HOLDS_OBJECT (tnode))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "tools[%u]: expected an object", i);
      tool = json_node_get_object (tnode);
      decls = member2 (tool, "functionDeclarations", "function_declarations");

      if (decls != NULL)
        {
          JsonArray *list;

          if (!JSON_NODE_HOLDS_ARRAY (decls))
            return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                      "tools[%u].functionDeclarations: expected an array", i);
          list = json_node_get_array (decls);
          for (j = 0; j < json_array_get_length (list); j++)
            {
              JsonNode *dnode = json_array_get_element (list, j);
              JsonObject *decl;
              const char *name;
              JsonNode *params;
              SyIrTool *ir;

              if (!JSON_NODE_HOLDS_OBJECT (dnode))
                return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                          "tools[%u].functionDeclarations[%u]: expected an object", i, j);
              decl = json_node_get_object (dnode);
              name = sy_json_get_string (decl, "name");
              if (name == NULL)
                return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                          "tools[%u].functionDeclarations[%u].name: expected a string", i, j);
              params = member2 (decl, "parametersJsonSchema", "parameters_json_schema");
              if (params == NULL)
                params = json_object_get_member (decl, "parameters");
              if (!is_null_node (params) && !JSON_NODE_HOLDS_OBJECT (params))
                return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                          "tools[%u].functionDeclarations[%u].parameters: expected an object", i, j);
              ir = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
              ir->name = g_strdup (name);
              ir->description = g_strdup (sy_json_get_string (decl, "description"));
              ir->parameters = is_null_node (params) ? NULL : json_node_copy (params);
              g_ptr_array_add (request->tools, ir);
            }
        }
      else if (member2 (tool, "googleSearch", "google_search") != NULL ||
               member2 (tool, "googleSearchRetrieval", "google_search_retrieval") != NULL)
        g_ptr_array_add (request->tools, builtin_tool (SY_IR_TOOL_WEB_SEARCH, tool));
      else if (member2 (tool, "codeExecution", "code_execution") != NULL)
        g_ptr_array_add (request->tools, builtin_tool (SY_IR_TOOL_CODE_EXECUTION, tool));
      else if (member2 (tool, "urlContext", "url_context") != NULL)
        g_ptr_array_add (request->tools, builtin_tool (SY_IR_TOOL_URL_CONTEXT, tool));
      else
        {
          SyIrTool *other = builtin_tool (SY_IR_TOOL_OTHER, tool);
          GList *names = json_object_get_members (tool);

          other->name = g_strdup (names != NULL ? names->data : "unknown");
          g_list_free (names);
          g_ptr_array_add (request->tools, other);
        }
    }
  return TRUE;
}

static gboolean
decode_tool_config (SyIrRequest *request,
                    JsonObject  *config,
                    GError     **error)
{
  JsonObject *calling = object2 (config, "functionCallingConfig", "function_calling_config");
  const char *mode;
  JsonArray *allowed;

  if (calling == NULL)
    return TRUE;
  mode = sy_json_get_string (calling, "mode");
  allowed = sy_json_get_array (calling, "allowedFunctionNames");
  if (allowed == NULL)
    allowed = sy_json_get_array (calling, "allowed_function_names");

  if (mode == NULL || g_ascii_strcasecmp (mode, "MODE_UNSPECIFIED") == 0)
    request->tool_choice = SY_IR_TOOL_CHOICE_UNSET;
  else if (g_ascii_strcasecmp (mode, "AUTO") == 0 || g_ascii_strcasecmp (mode, "VALIDATED") == 0)
    request->tool_choice = SY_IR_TOOL_CHOICE_AUTO;
  else if (g_ascii_strcasecmp (mode, "NONE") == 0)
    request->tool_choice = SY_IR_TOOL_CHOICE_NONE;
  else if (g_ascii_strcasecmp (mode, "ANY") == 0)
    {
      request->tool_choice = SY_IR_TOOL_CHOICE_REQUIRED;
      if (allowed != NULL && json_array_get_length (allowed) == 1 &&
          sy_json_node_is_string (json_array_get_element (allowed, 0)))
        {
          request->tool_choice = SY_IR_TOOL_CHOICE_NAMED;
          request->tool_choice_name = g_strdup (json_array_get_string_element (allowed, 0));
        }
    }
  else
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                              "toolConfig.functionCallingConfig.mode: unknown mode \"%s\"", mode);
  return TRUE;
}

static gboolean
decode_thinking (SyIrRequest *request,
                 JsonObject  *config,
                 GError     **error)
{
  JsonNode *level = member2 (config, "thinkingLevel", "thinking_level");
  JsonNode *budget = member2 (config, "thinkingBudget", "thinking_budget");
  JsonNode *include = member2 (config, "includeThoughts", "include_thoughts");

  if (!is_null_node (level))
    {
      g_autofree char *lower = NULL;
      SyIrLevel value;

      if (!sy_json_node_is_string (level))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                  "generationConfig.thinkingConfig.thinkingLevel: expected a string");
      lower = g_ascii_strdown (json_node_get_string (level), -1);
      if (!sy_ir_level_from_string (lower, &value))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                  "generationConfig.thinkingConfig.thinkingLevel: unknown level \"%s\"",
                                  json_node_get_string (level));
      request->reasoning.mode = SY_IR_REASONING_LEVEL;
      request->reasoning.level = value;
    }
  else if (!is_null_node (budget))
    {
      GType type = JSON_NODE_HOLDS_VALUE (budget) ? json_node_get_value_type (budget) : G_TYPE_INVALID;
      gint64 value;

      /* A fraction is taken whole; a double past gint64's range is not
       * an integer. */
      if (type == G_TYPE_INT64)
        value = json_node_get_int (budget);
      else if (type != G_TYPE_DOUBLE || !sy_ir_int_from_double (trunc (json_node_get_double (budget)), &value))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                  "generationConfig.thinkingConfig.thinkingBudget: expected an integer");
      if (value == 0)
        request->reasoning.mode = SY_IR_REASONING_NONE;
      else if (value == -1)
        request->reasoning.mode = SY_IR_REASONING_AUTO;
      else if (value > 0)
        {
          request->reasoning.mode = SY_IR_REASONING_BUDGET;
          request->reasoning.budget = value;
        }
      else
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                  "generationConfig.thinkingConfig.thinkingBudget: %" G_GINT64_FORMAT
                                  " is not a budget", value);
    }

  if (!is_null_node (include))
    {
      if (!JSON_NODE_HOLDS_VALUE (include) || json_node_get_value_type (include) != G_TYPE_BOOLEAN)
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                  "generationConfig.thinkingConfig.includeThoughts: expected a boolean");
      request->reasoning.include_thoughts = json_node_get_boolean (include) ? 1 : 0;
    }
  return TRUE;
}

/* A number member (camel or snake); FALSE with @error if present but not one. */
static gboolean
get_number2 (JsonObject *object,
             const char *camel,
             const char *snake,
             gboolean   *has,
             double     *value,
             GError    **error)
{
  JsonNode *node = member2 (object, camel, snake);

  *has = FALSE;
  if (is_null_node (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_INT64 &&
       json_node_get_value_type (node) != G_TYPE_DOUBLE))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "generationConfig.%s: expected a number", camel);
  *has = TRUE;
  *value = json_node_get_double (node);
  return TRUE;
}

static gboolean
get_int2 (JsonObject *object,
          const char *camel,
          const char *snake,
          gint64     *value,
          GError    **error)
{
  JsonNode *node = member2 (object, camel, snake);
  double d;

  if (is_null_node (node))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *value = json_node_get_int (node);
      return TRUE;
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      d = json_node_get_double (node);
      if (sy_ir_int_from_double (d, value))
        return TRUE;
    }
  return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "generationConfig.%s: expected an integer", camel);
}

static gboolean
decode_generation_config (SyIrRequest *request,
                          JsonObject  *config,
                          GError     **error)
{
  JsonNode *stop = member2 (config, "stopSequences", "stop_sequences");
  const char *mime = string2 (config, "responseMimeType", "response_mime_type");
  JsonNode *schema;
  JsonObject *thinking;
  gint64 value = SY_IR_UNSET;
  int logprobs;

  if (!get_int2 (config, "maxOutputTokens", "max_output_tokens", &value, error))
    return FALSE;
  if (value != SY_IR_UNSET && value > 0)
    request->max_tokens = value;
  if (!get_number2 (config, "temperature", NULL, &request->has_temperature, &request->temperature, error) ||
      !get_number2 (config, "topP", "top_p", &request->has_top_p, &request->top_p, error) ||
      !get_number2 (config, "presencePenalty", "presence_penalty",
                    &request->has_presence_penalty, &request->presence_penalty, error) ||
      !get_number2 (config, "frequencyPenalty", "frequency_penalty",
                    &request->has_frequency_penalty, &request->frequency_penalty, error) ||
      !get_int2 (config, "topK", "top_k", &request->top_k, error) ||
      !get_int2 (config, "seed", NULL, &request->seed, error) ||
      !get_int2 (config, "candidateCount", "candidate_count", &request->n, error))
    return FALSE;

  if (!is_null_node (stop))
    {
      JsonArray *list;
      guint i;

      if (!JSON_NODE_HOLDS_ARRAY (stop))
        return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "generationConfig.stopSequences: expected an array");
      list = json_node_get_array (stop);
      request->stop = g_ptr_array_new_with_free_func (g_free);
      for (i = 0; i < json_array_get_length (list); i++)
        {
          JsonNode *item = json_array_get_element (list, i);

          if (!sy_json_node_is_string (item))
            return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                      "generationConfig.stopSequences[%u]: expected a string", i);
          g_ptr_array_add (request->stop, g_strdup (json_node_get_string (item)));
        }
    }

  schema = member2 (config, "responseJsonSchema", "response_json_schema");
  if (is_null_node (schema))
    schema = member2 (config, "responseSchema", "response_schema");
  if (mime != NULL && g_ascii_strcasecmp (mime, "application/json") == 0)
    {
      if (!is_null_node (schema))
        {
          request->response_format = SY_IR_RESPONSE_FORMAT_JSON_SCHEMA;
          request->response_schema = json_node_copy (schema);
        }
      else
        request->response_format = SY_IR_RESPONSE_FORMAT_JSON_OBJECT;
    }
  else if (mime != NULL && g_ascii_strcasecmp (mime, "text/plain") == 0)
    request->response_format = SY_IR_RESPONSE_FORMAT_TEXT;

  logprobs = sy_json_get_bool (config, "responseLogprobs");
  if (logprobs < 0)
    logprobs = sy_json_get_bool (config, "response_logprobs");
  request->logprobs = logprobs == 1;
  if (!get_int2 (config, "logprobs", NULL, &request->top_logprobs, error))
    return FALSE;

  thinking = object2 (config, "thinkingConfig", "thinking_config");
  if (thinking != NULL && !decode_thinking (request, thinking, error))
    return FALSE;
  return TRUE;
}

static SyIrRequest *
gemini_decode_request (JsonNode        *body,
                       SyTranslateCtx  *ctx,
                       GError         **error)
{
  g_autoptr(SyIrRequest) request = NULL;
  JsonObject *root, *inner, *config;
  JsonNode *contents, *node;
  const char *model;
  Decoder dec = { 0 };
  gboolean ok;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "request body: expected an object");
      return NULL;
    }
  root = json_node_get_object (body);
  /* countTokens: {"generateContentRequest": {model, contents, ...}} */
  inner = object2 (root, "generateContentRequest", "generate_content_request");
  if (inner != NULL)
    root = inner;

  request = sy_ir_request_new ();
  model = sy_json_get_string (root, "model");
  if (model != NULL)
    request->model = g_strdup (g_str_has_prefix (model, "models/") ? model + 7 : model);

  contents = json_object_get_member (root, "contents");
  if (contents == NULL || !JSON_NODE_HOLDS_ARRAY (contents))
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "contents: expected an array");
      return NULL;
    }

  dec.ctx = ctx;
  dec.request = request;
  g_queue_init (&dec.pending);
  ok = decode_contents (&dec, json_node_get_array (contents), error);
  g_queue_clear_full (&dec.pending, pending_call_free);
  if (!ok)
    return NULL;

  if (!decode_system (request, member2 (root, "systemInstruction", "system_instruction"), error) ||
      !decode_tools (request, json_object_get_member (root, "tools"), error))
    return NULL;

  node = member2 (root, "toolConfig", "tool_config");
  if (!is_null_node (node))
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "toolConfig: expected an object");
          return NULL;
        }
      if (!decode_tool_config (request, json_node_get_object (node), error))
        return NULL;
    }

  node = member2 (root, "generationConfig", "generation_config");
  if (!is_null_node (node))
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID, "generationConfig: expected an object");
          return NULL;
        }
      config = json_node_get_object (node);
      if (!decode_generation_config (request, config, error))
        return NULL;
    }

  return g_steal_pointer (&request);
}

/* ======================================================= request encoding */

typedef struct
{
  SyTranslateCtx    *ctx;
  const SyIrRequest *request;
  JsonArray         *contents;
  JsonObject        *last;          /* the last content written */
  SyIrRole           last_role;
} Encoder;

static const char *
upstream_name (SyTranslateCtx *ctx,
               const char     *client_name)
{
  const char *known = sy_translate_ctx_upstream_tool_name (ctx, client_name);
  g_autofree char *clean = NULL;

  if (known != client_name)
    return known;
  clean = sy_tool_name_sanitize_gemini (client_name);
  if (g_strcmp0 (clean, client_name) == 0)
    return client_name;
  sy_translate_ctx_add_tool_name (ctx, client_name, clean);
  return sy_translate_ctx_upstream_tool_name (ctx, client_name);
}

static JsonObject *
media_part (const SyIrPart *part)
{
  JsonObject *out = json_object_new ();
  JsonObject *media = json_object_new ();

  if (part->data != NULL)
    {
      json_object_set_string_member (media, "mimeType",
                                     part->mime_type ? part->mime_type : "application/octet-stream");
      json_object_set_string_member (media, "data", part->data);
      json_object_set_object_member (out, "inlineData", media);
    }
  else
    {
      json_object_set_string_member (media, "mimeType", guess_mime (part));
      json_object_set_string_member (media, "fileUri", part->url ? part->url : "");
      json_object_set_object_member (out, "fileData", media);
    }
  return out;
}

/* The parts array of the content for @role, merging with the previous one. */
static JsonArray *
content_parts (Encoder *enc,
               SyIrRole role)
{
  JsonObject *content;

  if (enc->last != NULL && enc->last_role == role)
    return json_object_get_array_member (enc->last, "parts");
  content = json_object_new ();
  json_object_set_string_member (content, "role", role == SY_IR_ROLE_USER ? "user" : "model");
  json_object_set_array_member (content, "parts", json_array_new ());
  json_array_add_object_element (enc->contents, content);
  enc->last = content;
  enc->last_role = role;
  return json_object_get_array_member (content, "parts");
}

static gboolean
encode_tool_result (Encoder        *enc,
                    const SyIrPart *part,
                    JsonArray      *parts,
                    GError        **error)
{
  JsonObject *out = json_object_new ();
  JsonObject *call = json_object_new ();
  const char *name = part->name;
  g_autofree char *text = sy_ir_parts_text (part->content, "\n");
  JsonNode *response = NULL;
  guint i;

  if (name == NULL)
    name = sy_ir_request_find_call_name (enc->request, part->tool_call_id);
  if (name == NULL)
    {
      json_object_unref (out);
      json_object_unref (call);
      return sy_translate_fail (error, SY_TRANSLATE_ERROR_INVALID,
                                "tool result \"%s\": no earlier tool call has this id",
                                part->tool_call_id ? part->tool_call_id : "");
    }

  json_object_set_string_member (call, "name", upstream_name (enc->ctx, name));
  if (enc->ctx->flavor == SY_FLAVOR_ANTIGRAVITY && part->tool_call_id != NULL)
    json_object_set_string_member (call, "id", part->tool_call_id);
  if (part->is_error)
    {
      JsonObject *r = json_object_new ();

      json_object_set_string_member (r, "error", text);
      response = node_take_object (r);
    }
  else
    {
      response = sy_json_parse (text, -1, NULL);
      if (response != NULL && !JSON_NODE_HOLDS_OBJECT (response))
        g_clear_pointer (&response, json_node_unref);
      if (response == NULL)
        {
          JsonObject *r = json_object_new ();

          json_object_set_string_member (r, "result", text);
          response = node_take_object (r);
        }
    }
  json_object_set_member (call, "response", response);
  json_object_set_object_member (out, "functionResponse", call);
  json_array_add_object_element (parts, out);

  /* Images and files of the result follow it as parts of their own. */
  for (i = 0; part->content != NULL && i < part->content->len; i++)
    {
      const SyIrPart *item = g_ptr_array_index (part->content, i);

      if (item->type == SY_IR_PART_IMAGE || item->type == SY_IR_PART_DOCUMENT ||
          item->type == SY_IR_PART_AUDIO)
        json_array_add_object_element (parts, media_part (item));
    }
  return TRUE;
}

static gboolean
encode_message (Encoder           *enc,
                const SyIrMessage *message,
                GError           **error)
{
  JsonArray *parts = NULL;
  const char *donated = NULL;
  guint i;

  for (i = 0; i < message->parts->len; i++)
    {
      const SyIrPart *part = g_ptr_array_index (message->parts, i);
      const SyIrPart *next = i + 1 < message->parts->len
                             ? g_ptr_array_index (message->parts, i + 1) : NULL;
      gboolean model = message->role == SY_IR_ROLE_ASSISTANT;
      const char *signature = sy_ir_signature_for (part->signature, "gemini");
      JsonObject *out = NULL;

      switch (part->type)
        {
        case SY_IR_PART_TEXT:
          if ((part->text == NULL || *part->text == '\0') && (!model || signature == NULL))
            break;
          out = json_object_new ();
          json_object_set_string_member (out, "text", part->text ? part->text : "");
          if (model && signature != NULL)
            json_object_set_string_member (out, "thoughtSignature", signature);
          break;

        case SY_IR_PART_THINKING:
          /* Only Gemini's own signed thoughts go back to Gemini. */
          if (!model || part->redacted || signature == NULL)
            break;
          if ((part->text == NULL || *part->text == '\0') && next != NULL &&
              next->type == SY_IR_PART_TOOL_CALL &&
              sy_ir_signature_for (next->signature, "gemini") == NULL)
            {
              donated = signature;
              break;
            }
          out = json_object_new ();
          json_object_set_string_member (out, "text", part->text ? part->text : "");
          json_object_set_boolean_member (out, "thought", TRUE);
          json_object_set_string_member (out, "thoughtSignature", signature);
          break;

        case SY_IR_PART_TOOL_CALL:
          {
            JsonObject *call = json_object_new ();

            json_object_set_string_member (call, "name", upstream_name (enc->ctx, part->name));
            json_object_set_member (call, "args", parse_arguments (part->arguments));
            if (enc->ctx->flavor == SY_FLAVOR_ANTIGRAVITY && part->id != NULL)
              json_object_set_string_member (call, "id", part->id);
            out = json_object_new ();
            json_object_set_object_member (out, "functionCall", call);
            if (signature == NULL)
              signature = donated;
            if (model)
              json_object_set_string_member (out, "thoughtSignature",
                                             signature ? signature : SIGNATURE_SENTINEL);
            donated = NULL;
          }
          break;

        case SY_IR_PART_TOOL_RESULT:
          if (parts == NULL)
            parts = content_parts (enc, message->role);
          if (!encode_tool_result (enc, part, parts, error))
            return FALSE;
          break;

        case SY_IR_PART_IMAGE:
        case SY_IR_PART_DOCUMENT:
        case SY_IR_PART_AUDIO:
          if (part->data == NULL && part->url == NULL)
            break;
          out = media_part (part);
          break;

        default:
          break;
        }

      if (out != NULL)
        {
          if (parts == NULL)
            parts = content_parts (enc, message->role);
          json_array_add_object_element (parts, out);
        }
    }
  return TRUE;
}

static gboolean
encode_tools (const SyIrRequest *request,
              SyTranslateCtx    *ctx,
              JsonObject        *body,
              GError           **error)
{
  gboolean antigravity = ctx->flavor == SY_FLAVOR_ANTIGRAVITY;
  JsonArray *tools = json_array_new ();
  JsonArray *decls = json_array_new ();
  guint i;

  for (i = 0; i < request->tools->len; i++)
    {
      const SyIrTool *tool = g_ptr_array_index (request->tools, i);
      gboolean gemini_raw = tool->raw != NULL && JSON_NODE_HOLDS_OBJECT (tool->raw) &&
                            (tool->raw_format == SY_FORMAT_GEMINI ||
                             tool->raw_format == SY_FORMAT_GEMINI_CLI);
      const char *key = NULL;

      switch (tool->type)
        {
        case SY_IR_TOOL_FUNCTION:
          {
            JsonObject *decl = json_object_new ();
            g_autoptr(JsonNode) empty = NULL;
            JsonNode *params = tool->parameters;

            if (params == NULL)
              {
                JsonObject *schema = json_object_new ();

                json_object_set_string_member (schema, "type", "object");
                json_object_set_object_member (schema, "properties", json_object_new ());
                params = empty = node_take_object (schema);
              }
            json_object_set_string_member (decl, "name", upstream_name (ctx, tool->name));
            if (tool->description != NULL)
              json_object_set_string_member (decl, "description", tool->description);
            json_object_set_member (decl, antigravity ? "parameters" : "parametersJsonSchema",
                                    sy_gemini_schema_clean (params, antigravity
                                                            ? SY_GEMINI_SCHEMA_PLACEHOLDER
                                                            : SY_GEMINI_SCHEMA_PLAIN));
            json_array_add_object_element (decls, decl);
          }
          continue;

        case SY_IR_TOOL_WEB_SEARCH:     key = "googleSearch"; break;
        case SY_IR_TOOL_CODE_EXECUTION: key = "codeExecution"; break;
        case SY_IR_TOOL_URL_CONTEXT:    key = "urlContext"; break;
        case SY_IR_TOOL_OTHER:
        default:
          if (!gemini_raw)
            {
              json_array_unref (tools);
              json_array_unref (decls);
              return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                                        "tools[%u]: the built-in tool \"%s\" is not available from this upstream",
                                        i, tool->name ? tool->name : "unknown");
            }
          break;
        }

      if (gemini_raw)
        json_array_add_element (tools, json_node_copy (tool->raw));
      else
        {
          JsonObject *out = json_object_new ();

          json_object_set_object_member (out, key, json_object_new ());
          json_array_add_object_element (tools, out);
        }
    }

  if (json_array_get_length (decls) > 0)
    {
      JsonObject *functions = json_object_new ();
      JsonArray *all = json_array_new ();

      json_object_set_array_member (functions, "functionDeclarations", decls);
      json_array_add_object_element (all, functions);
      for (i = 0; i < json_array_get_length (tools); i++)
        json_array_add_element (all, json_node_copy (json_array_get_element (tools, i)));
      json_array_unref (tools);
      tools = all;
    }
  else
    json_array_unref (decls);

  if (json_array_get_length (tools) > 0)
    json_object_set_array_member (body, "tools", tools);
  else
    json_array_unref (tools);

  if (request->tool_choice != SY_IR_TOOL_CHOICE_UNSET)
    {
      JsonObject *config = json_object_new ();
      JsonObject *calling = json_object_new ();

      switch (request->tool_choice)
        {
        case SY_IR_TOOL_CHOICE_NONE:
          json_object_set_string_member (calling, "mode", "NONE");
          break;
        case SY_IR_TOOL_CHOICE_REQUIRED:
          json_object_set_string_member (calling, "mode", "ANY");
          break;
        case SY_IR_TOOL_CHOICE_NAMED:
          {
            JsonArray *names = json_array_new ();

            json_object_set_string_member (calling, "mode", "ANY");
            json_array_add_string_element (names, upstream_name (ctx, request->tool_choice_name));
            json_object_set_array_member (calling, "allowedFunctionNames", names);
          }
          break;
        default:
          json_object_set_string_member (calling, "mode", "AUTO");
          break;
        }
      json_object_set_object_member (config, "functionCallingConfig", calling);
      json_object_set_object_member (body, "toolConfig", config);
    }
  return TRUE;
}

static gboolean
encode_generation_config (const SyIrRequest *request,
                          JsonObject        *body,
                          GError           **error)
{
  JsonObject *config;
  const SyIrReasoning *reasoning = &request->reasoning;

  if (request->n != SY_IR_UNSET && request->n > 1)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                              "n: only 1 choice can be served by this upstream");
  if (request->logprobs)
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UNSUPPORTED,
                              "logprobs: not available from this upstream");

  config = json_object_new ();
  if (request->max_tokens != SY_IR_UNSET)
    json_object_set_int_member (config, "maxOutputTokens", request->max_tokens);
  if (request->has_temperature)
    json_object_set_double_member (config, "temperature", request->temperature);
  if (request->has_top_p)
    json_object_set_double_member (config, "topP", request->top_p);
  if (request->top_k != SY_IR_UNSET)
    json_object_set_int_member (config, "topK", request->top_k);
  if (request->stop != NULL && request->stop->len > 0)
    {
      JsonArray *stop = json_array_new ();
      guint i;

      for (i = 0; i < request->stop->len; i++)
        json_array_add_string_element (stop, g_ptr_array_index (request->stop, i));
      json_object_set_array_member (config, "stopSequences", stop);
    }
  if (request->seed != SY_IR_UNSET)
    json_object_set_int_member (config, "seed", request->seed);
  if (request->has_presence_penalty)
    json_object_set_double_member (config, "presencePenalty", request->presence_penalty);
  if (request->has_frequency_penalty)
    json_object_set_double_member (config, "frequencyPenalty", request->frequency_penalty);

  switch (request->response_format)
    {
    case SY_IR_RESPONSE_FORMAT_JSON_SCHEMA:
      json_object_set_string_member (config, "responseMimeType", "application/json");
      if (request->response_schema != NULL)
        json_object_set_member (config, "responseJsonSchema", json_node_copy (request->response_schema));
      break;
    case SY_IR_RESPONSE_FORMAT_JSON_OBJECT:
      json_object_set_string_member (config, "responseMimeType", "application/json");
      break;
    case SY_IR_RESPONSE_FORMAT_TEXT:
      json_object_set_string_member (config, "responseMimeType", "text/plain");
      break;
    default:
      break;
    }

  if (reasoning->mode != SY_IR_REASONING_UNSET || reasoning->include_thoughts >= 0)
    {
      JsonObject *thinking = json_object_new ();
      gboolean include = reasoning->mode != SY_IR_REASONING_NONE &&
                         reasoning->mode != SY_IR_REASONING_UNSET;

      switch (reasoning->mode)
        {
        case SY_IR_REASONING_LEVEL:
          json_object_set_string_member (thinking, "thinkingLevel",
                                         sy_ir_level_to_string (reasoning->level));
          break;
        case SY_IR_REASONING_BUDGET:
          json_object_set_int_member (thinking, "thinkingBudget", reasoning->budget);
          break;
        case SY_IR_REASONING_AUTO:
          json_object_set_int_member (thinking, "thinkingBudget", -1);
          break;
        case SY_IR_REASONING_NONE:
          json_object_set_int_member (thinking, "thinkingBudget", 0);
          break;
        default:
          break;
        }
      if (reasoning->include_thoughts >= 0)
        include = reasoning->include_thoughts == 1;
      json_object_set_boolean_member (thinking, "includeThoughts", include);
      json_object_set_object_member (config, "thinkingConfig", thinking);
    }

  if (json_object_get_size (config) > 0)
    json_object_set_object_member (body, "generationConfig", config);
  else
    json_object_unref (config);
  return TRUE;
}

static JsonObject *
encode_system (const SyIrRequest *request)
{
  JsonObject *system;
  JsonArray *parts;
  guint i;

  if (request->system->len == 0)
    return NULL;
  system = json_object_new ();
  parts = json_array_new ();
  for (i = 0; i < request->system->len; i++)
    {
      const SyIrPart *part = g_ptr_array_index (request->system, i);

      if (part->type == SY_IR_PART_TEXT)
        {
          JsonObject *text = json_object_new ();

          json_object_set_string_member (text, "text", part->text ? part->text : "");
          json_array_add_object_element (parts, text);
        }
      else if ((part->type == SY_IR_PART_IMAGE || part->type == SY_IR_PART_DOCUMENT) &&
               (part->data != NULL || part->url != NULL))
        json_array_add_object_element (parts, media_part (part));
    }
  json_object_set_array_member (system, "parts", parts);
  return system;
}

static JsonArray *
encode_contents (const SyIrRequest *request,
                 SyTranslateCtx    *ctx,
                 GError           **error)
{
  Encoder enc = { 0 };
  guint i;

  enc.ctx = ctx;
  enc.request = request;
  enc.contents = json_array_new ();
  for (i = 0; i < request->messages->len; i++)
    if (!encode_message (&enc, g_ptr_array_index (request->messages, i), error))
      {
        json_array_unref (enc.contents);
        return NULL;
      }
  return enc.contents;
}

static JsonNode *
gemini_encode_request (const SyIrRequest  *request,
                       SyTranslateCtx     *ctx,
                       GError            **error)
{
  JsonObject *body = json_object_new ();
  JsonObject *system;
  JsonArray *contents, *safety;
  guint i;

  contents = encode_contents (request, ctx, error);
  if (contents == NULL)
    goto failed;
  json_object_set_array_member (body, "contents", contents);
  if ((system = encode_system (request)) != NULL)
    json_object_set_object_member (body, "systemInstruction", system);
  if (!encode_tools (request, ctx, body, error) ||
      !encode_generation_config (request, body, error))
    goto failed;

  safety = json_array_new ();
  for (i = 0; i < G_N_ELEMENTS (default_safety); i++)
    {
      JsonObject *setting = json_object_new ();

      json_object_set_string_member (setting, "category", default_safety[i].category);
      json_object_set_string_member (setting, "threshold", default_safety[i].threshold);
      json_array_add_object_element (safety, setting);
    }
  json_object_set_array_member (body, "safetySettings", safety);
  return node_take_object (body);

failed:
  json_object_unref (body);
  return NULL;
}

/* ========================================================= whole answers */

static SyIrResponse *
gemini_decode_response (JsonNode        *body,
                        SyTranslateCtx  *ctx,
                        GError         **error)
{
  g_autoptr(SyIrResponse) response = NULL;
  JsonObject *root, *err, *candidate = NULL, *content, *feedback;
  JsonArray *candidates, *parts;
  gboolean calls = FALSE;
  const char *reason;
  guint i;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    {
      sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "Gemini answer: expected an object");
      return NULL;
    }
  root = unwrap_response (json_node_get_object (body));
  if ((err = sy_json_get_object (root, "error")) != NULL)
    {
      const char *message = sy_json_get_string (err, "message");

      sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "Gemini error: %s", message ? message : "unknown");
      return NULL;
    }

  response = sy_ir_response_new ();
  response->id = g_strdup (sy_json_get_string (root, "responseId"));
  response->model = g_strdup (sy_json_get_string (root, "modelVersion"));
  response->created = parse_time (sy_json_get_string (root, "createTime"));
  usage_from_gemini (sy_json_get_object (root, "usageMetadata"), &response->usage);

  candidates = sy_json_get_array (root, "candidates");
  if (candidates != NULL && json_array_get_length (candidates) > 0)
    {
      JsonNode *first = json_array_get_element (candidates, 0);

      if (!JSON_NODE_HOLDS_OBJECT (first))
        {
          sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "Gemini answer: candidates[0] is not an object");
          return NULL;
        }
      candidate = json_node_get_object (first);
    }

  if (candidate == NULL)
    {
      feedback = sy_json_get_object (root, "promptFeedback");
      reason = sy_json_get_string (feedback, "blockReason");
      response->finish = reason != NULL ? SY_IR_FINISH_CONTENT_FILTER : SY_IR_FINISH_STOP;
      response->native_finish = g_strdup (reason);
      return g_steal_pointer (&response);
    }

  content = sy_json_get_object (candidate, "content");
  parts = sy_json_get_array (content, "parts");
  for (i = 0; parts != NULL && i < json_array_get_length (parts); i++)
    {
      JsonNode *pnode = json_array_get_element (parts, i);
      JsonObject *part, *call, *inline_data;
      const char *text;
      g_autofree char *signature = NULL;
      SyIrPart *ir = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (pnode))
        continue;
      part = json_node_get_object (pnode);
      signature = import_signature (sy_json_get_string (part, "thoughtSignature"));
      text = sy_json_get_string (part, "text");
      call = sy_json_get_object (part, "functionCall");
      inline_data = object2 (part, "inlineData", "inline_data");

      if (call != NULL)
        {
          const char *id = sy_json_get_string (call, "id");
          JsonNode *args = json_object_get_member (call, "args");

          ir = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
          ir->id = id != NULL ? g_strdup (id) : sy_translate_ctx_new_id (ctx, "call_");
          ir->name = g_strdup (sy_translate_ctx_client_tool_name (ctx, sy_json_get_string (call, "name")));
          ir->arguments = args != NULL && JSON_NODE_HOLDS_OBJECT (args)
                          ? sy_json_to_string (args) : g_strdup ("{}");
          calls = TRUE;
        }
      else if (text != NULL)
        {
          ir = sy_ir_part_new (sy_json_get_bool (part, "thought") == 1
                               ? SY_IR_PART_THINKING : SY_IR_PART_TEXT);
          ir->text = g_strdup (text);
        }
      else if (inline_data != NULL)
        {
          ir = sy_ir_part_new (SY_IR_PART_IMAGE);
          ir->mime_type = g_strdup (string2 (inline_data, "mimeType", "mime_type"));
          ir->data = g_strdup (sy_json_get_string (inline_data, "data"));
        }
      else if (signature != NULL)
        {
          ir = sy_ir_part_new (SY_IR_PART_THINKING);
          ir->text = g_strdup ("");
        }
      if (ir == NULL)
        continue;
      ir->signature = g_steal_pointer (&signature);
      g_ptr_array_add (response->parts, ir);
    }

  reason = sy_json_get_string (candidate, "finishReason");
  response->native_finish = g_strdup (reason);
  response->finish = finish_from_gemini (reason);
  if (response->finish == SY_IR_FINISH_UNSET)
    response->finish = SY_IR_FINISH_STOP;
  if (calls && response->finish == SY_IR_FINISH_STOP)
    response->finish = SY_IR_FINISH_TOOL_CALLS;
  return g_steal_pointer (&response);
}

/* The fields every answer and chunk carries besides its candidates. */
static void
set_answer_meta (JsonObject     *object,
                 SyTranslateCtx *ctx,
                 const char     *id,
                 const char     *model,
                 gint64          created)
{
  g_autofree char *time = format_time (created != SY_IR_UNSET ? created : ctx->now);

  json_object_set_string_member (object, "modelVersion",
                                 ctx->client_model ? ctx->client_model : model ? model : "");
  json_object_set_string_member (object, "responseId", id);
  json_object_set_string_member (object, "createTime", time);
}

static JsonObject *
answer_part (const SyIrPart *part)
{
  JsonObject *out = NULL;
  g_autofree char *signature = sy_ir_signature_export (part->signature, "gemini");

  switch (part->type)
    {
    case SY_IR_PART_TEXT:
      out = json_object_new ();
      json_object_set_string_member (out, "text", part->text ? part->text : "");
      break;

    case SY_IR_PART_THINKING:
      if (part->redacted)
        return NULL;
      out = json_object_new ();
      json_object_set_string_member (out, "text", part->text ? part->text : "");
      json_object_set_boolean_member (out, "thought", TRUE);
      break;

    case SY_IR_PART_TOOL_CALL:
      {
        JsonObject *call = json_object_new ();

        if (part->id != NULL)
          json_object_set_string_member (call, "id", part->id);
        json_object_set_string_member (call, "name", part->name ? part->name : "");
        json_object_set_member (call, "args", parse_arguments (part->arguments));
        out = json_object_new ();
        json_object_set_object_member (out, "functionCall", call);
      }
      break;

    case SY_IR_PART_IMAGE:
    case SY_IR_PART_DOCUMENT:
    case SY_IR_PART_AUDIO:
      if (part->data == NULL && part->url == NULL)
        return NULL;
      out = media_part (part);
      break;

    default:
      return NULL;
    }

  if (signature != NULL)
    json_object_set_string_member (out, "thoughtSignature", signature);
  return out;
}

static JsonObject *
candidate_with (JsonArray  *parts,
                const char *finish)
{
  JsonObject *candidate = json_object_new ();
  JsonObject *content = json_object_new ();

  json_object_set_string_member (content, "role", "model");
  json_object_set_array_member (content, "parts", parts);
  json_object_set_object_member (candidate, "content", content);
  if (finish != NULL)
    json_object_set_string_member (candidate, "finishReason", finish);
  json_object_set_int_member (candidate, "index", 0);
  return candidate;
}

static JsonNode *
gemini_encode_response (const SyIrResponse  *response,
                        SyTranslateCtx      *ctx,
                        GError             **error)
{
  JsonObject *body = json_object_new ();
  JsonArray *parts = json_array_new ();
  JsonArray *candidates = json_array_new ();
  g_autofree char *id = response->id ? g_strdup (response->id) : sy_translate_ctx_new_id (ctx, "resp_");
  guint i;

  for (i = 0; i < response->parts->len; i++)
    {
      JsonObject *part = answer_part (g_ptr_array_index (response->parts, i));

      if (part != NULL)
        json_array_add_object_element (parts, part);
    }
  json_array_add_object_element (candidates, candidate_with (parts, finish_to_gemini (response->finish)));
  json_object_set_array_member (body, "candidates", candidates);
  if (sy_ir_usage_is_set (&response->usage))
    json_object_set_object_member (body, "usageMetadata", usage_to_gemini (&response->usage));
  set_answer_meta (body, ctx, id, response->model, response->created);
  return node_take_object (body);
}

/* ======================================================== stream decoder */

typedef struct
{
  SyStreamDecoder parent;
  gboolean        started;
  gboolean        finished;
  gboolean        failed;
  gboolean        saw_call;
  guint           calls;
  SyJsonScan      scan;       /* the fast path's reader */
  GString        *text;       /* its unescaped strings */
  GString        *text2;
} GeminiDecoder;

static void
emit (GeminiDecoder *self,
      SyIrEvent     *event)
{
  self->parent.emit (event, self->parent.emit_data);
}

static void
emit_text (GeminiDecoder *self,
           SyIrEventType  type,
           const char    *text)
{
  SyIrEvent event;

  sy_ir_event_init (&event, type);
  event.text = text;
  event.text_len = strlen (text);
  emit (self, &event);
}

/* The candidate's finishReason, as a FINISH event. */
static void
emit_finish (GeminiDecoder *self,
             const char    *reason)
{
  SyIrEvent event;

  sy_ir_event_init (&event, SY_IR_EVENT_FINISH);
  event.finish = finish_from_gemini (reason);
  if (event.finish == SY_IR_FINISH_UNSET)
    event.finish = SY_IR_FINISH_STOP;
  if (self->saw_call && event.finish == SY_IR_FINISH_STOP)
    event.finish = SY_IR_FINISH_TOOL_CALLS;
  event.native_finish = reason;
  self->finished = TRUE;
  emit (self, &event);
}

static void
decode_stream_part (GeminiDecoder *self,
                    JsonObject    *part)
{
  SyTranslateCtx *ctx = self->parent.ctx;
  g_autofree char *signature = import_signature (sy_json_get_string (part, "thoughtSignature"));
  const char *text = sy_json_get_string (part, "text");
  JsonObject *call = sy_json_get_object (part, "functionCall");
  JsonObject *inline_data = object2 (part, "inlineData", "inline_data");
  SyIrEvent event;

  if (call != NULL)
    {
      const char *id = sy_json_get_string (call, "id");
      JsonNode *args = json_object_get_member (call, "args");
      g_autofree char *new_id = id != NULL ? NULL : sy_translate_ctx_new_id (ctx, "call_");
      g_autofree char *json = args != NULL && JSON_NODE_HOLDS_OBJECT (args)
                              ? sy_json_to_string (args) : g_strdup ("{}");
      guint index = self->calls++;

      sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_START);
      event.index = index;
      event.id = id != NULL ? id : new_id;
      event.name = sy_translate_ctx_client_tool_name (ctx, sy_json_get_string (call, "name"));
      event.signature = signature;
      emit (self, &event);
      sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_DELTA);
      event.index = index;
      event.text = json;
      event.text_len = strlen (json);
      emit (self, &event);
      sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_END);
      event.index = index;
      emit (self, &event);
      self->saw_call = TRUE;
      return;
    }

  if (text != NULL && *text != '\0')
    emit_text (self, sy_json_get_bool (part, "thought") == 1
                     ? SY_IR_EVENT_THINKING : SY_IR_EVENT_TEXT, text);
  else if (inline_data != NULL)
    {
      sy_ir_event_init (&event, SY_IR_EVENT_IMAGE);
      event.mime_type = string2 (inline_data, "mimeType", "mime_type");
      event.data = sy_json_get_string (inline_data, "data");
      emit (self, &event);
    }

  if (signature != NULL)
    {
      sy_ir_event_init (&event, SY_IR_EVENT_SIGNATURE);
      event.signature = signature;
      emit (self, &event);
    }
}

static void
decode_stream_chunk (GeminiDecoder *self,
                     JsonObject    *chunk)
{
  JsonObject *err = sy_json_get_object (chunk, "error");
  JsonArray *candidates, *parts;
  JsonObject *candidate = NULL, *meta, *feedback;
  const char *reason;
  SyIrEvent event;
  guint i;

  if (err != NULL)
    {
      gint64 code = 0;

      sy_json_get_int (err, "code", &code);
      sy_ir_event_init (&event, SY_IR_EVENT_ERROR);
      event.status = code > 0 && code < 1000 ? (guint) code : 0;
      event.text = sy_json_get_string (err, "message");
      if (event.text == NULL)
        event.text = "upstream error";
      event.text_len = strlen (event.text);
      event.error_type = sy_json_get_string (err, "status");
      self->failed = TRUE;
      emit (self, &event);
      return;
    }

  if (!self->started)
    {
      sy_ir_event_init (&event, SY_IR_EVENT_START);
      event.id = sy_json_get_string (chunk, "responseId");
      event.model = sy_json_get_string (chunk, "modelVersion");
      event.created = parse_time (sy_json_get_string (chunk, "createTime"));
      self->started = TRUE;
      emit (self, &event);
    }

  candidates = sy_json_get_array (chunk, "candidates");
  if (candidates != NULL && json_array_get_length (candidates) > 0 &&
      JSON_NODE_HOLDS_OBJECT (json_array_get_element (candidates, 0)))
    candidate = json_array_get_object_element (candidates, 0);

  parts = sy_json_get_array (sy_json_get_object (candidate, "content"), "parts");
  for (i = 0; parts != NULL && i < json_array_get_length (parts); i++)
    {
      JsonNode *pnode = json_array_get_element (parts, i);

      if (JSON_NODE_HOLDS_OBJECT (pnode))
        decode_stream_part (self, json_node_get_object (pnode));
    }

  meta = sy_json_get_object (chunk, "usageMetadata");
  if (meta != NULL)
    {
      sy_ir_event_init (&event, SY_IR_EVENT_USAGE);
      usage_from_gemini (meta, &event.usage);
      emit (self, &event);
    }

  reason = sy_json_get_string (candidate, "finishReason");
  if (reason == NULL && candidate == NULL)
    {
      feedback = sy_json_get_object (chunk, "promptFeedback");
      reason = sy_json_get_string (feedback, "blockReason");
      if (reason != NULL)
        {
          sy_ir_event_init (&event, SY_IR_EVENT_FINISH);
          event.finish = SY_IR_FINISH_CONTENT_FILTER;
          event.native_finish = reason;
          self->finished = TRUE;
          emit (self, &event);
        }
      return;
    }
  if (reason != NULL)
    emit_finish (self, reason);
}

/* The fast path. Nearly every chunk of a stream is text parts and the
 * usage so far (Gemini repeats usageMetadata in each): those are read with
 * the token scanner, in place, instead of building and freeing a json-glib
 * tree per chunk (that was 70% of a translated stream's cost). A chunk
 * with anything else (an error, a call, inline data, a signature, no
 * candidate) returns FALSE before anything is emitted and goes through
 * decode_stream_chunk(), which the tests compare this with. */
static gboolean
decoder_fast_chunk (GeminiDecoder *self,
                    const char    *data,
                    gsize          len)
{
  static const char * const slow_members[] = { "functionCall", "inlineData", "inline_data", "thoughtSignature" };
  SyJsonScan *c = &self->scan;
  int root = 0, candidates, candidate = -1, parts, part, meta;
  const char *reason;
  SyIrEvent event;

  if (!sy_json_scan_read (c, data, len) || SY_JSON_TOK (c, 0)->type != SY_JSON_TOK_OBJECT)
    return FALSE;
  if (sy_json_scan_member (c, 0, "candidates") < 0 &&
      (root = sy_json_scan_get_typed (c, 0, "response", SY_JSON_TOK_OBJECT)) < 0)
    root = 0;
  if (sy_json_scan_member (c, root, "error") >= 0)
    return FALSE;
  candidates = sy_json_scan_get_typed (c, root, "candidates", SY_JSON_TOK_ARRAY);
  if (candidates >= 0 && (candidate = sy_json_scan_first (c, candidates)) >= 0 &&
      SY_JSON_TOK (c, candidate)->type != SY_JSON_TOK_OBJECT)
    candidate = -1;
  if (candidate < 0)
    return FALSE;
  parts = sy_json_scan_get_typed (c, sy_json_scan_get_typed (c, candidate, "content", SY_JSON_TOK_OBJECT),
                                  "parts", SY_JSON_TOK_ARRAY);
  for (part = sy_json_scan_first (c, parts); part >= 0; part = sy_json_scan_after (c, parts, part))
    if (SY_JSON_TOK (c, part)->type == SY_JSON_TOK_OBJECT)
      for (guint i = 0; i < G_N_ELEMENTS (slow_members); i++)
        if (sy_json_scan_member (c, part, slow_members[i]) >= 0)
          return FALSE;

  if (!self->started)
    {
      g_autofree char *id = g_strdup (sy_json_scan_string (c, sy_json_scan_get (c, root, "responseId"),
                                                           self->text));
      const char *created = sy_json_scan_string (c, sy_json_scan_get (c, root, "createTime"), self->text);

      sy_ir_event_init (&event, SY_IR_EVENT_START);
      event.id = id;
      event.created = parse_time (created);
      event.model = sy_json_scan_string (c, sy_json_scan_get (c, root, "modelVersion"), self->text2);
      self->started = TRUE;
      emit (self, &event);
    }

  for (part = sy_json_scan_first (c, parts); part >= 0; part = sy_json_scan_after (c, parts, part))
    {
      const char *text;
      int thought;

      if (SY_JSON_TOK (c, part)->type != SY_JSON_TOK_OBJECT)
        continue;
      text = sy_json_scan_string (c, sy_json_scan_get (c, part, "text"), self->text);
      thought = sy_json_scan_member (c, part, "thought");
      if (text != NULL && *text != '\0')
        emit_text (self, thought >= 0 && SY_JSON_TOK (c, thought)->type == SY_JSON_TOK_TRUE
                         ? SY_IR_EVENT_THINKING : SY_IR_EVENT_TEXT, text);
    }

  meta = sy_json_scan_get_typed (c, root, "usageMetadata", SY_JSON_TOK_OBJECT);
  if (meta >= 0)
    {
      gint64 prompt, candidates_count, thoughts, cached, total;
      gboolean has_candidates, has_thoughts;

      sy_ir_event_init (&event, SY_IR_EVENT_USAGE);
      /* usage_from_gemini(), on tokens */
      if (sy_json_scan_int (c, sy_json_scan_get (c, meta, "promptTokenCount"), &prompt))
        event.usage.input_tokens = sy_ir_tokens (prompt);
      has_candidates = sy_json_scan_int (c, sy_json_scan_get (c, meta, "candidatesTokenCount"), &candidates_count);
      has_thoughts = sy_json_scan_int (c, sy_json_scan_get (c, meta, "thoughtsTokenCount"), &thoughts);
      if (has_candidates || has_thoughts)
        event.usage.output_tokens = sy_ir_tokens ((has_candidates ? sy_ir_tokens (candidates_count) : 0) +
                                                  (has_thoughts ? sy_ir_tokens (thoughts) : 0));
      if (has_thoughts)
        event.usage.reasoning_tokens = sy_ir_tokens (thoughts);
      if (sy_json_scan_int (c, sy_json_scan_get (c, meta, "cachedContentTokenCount"), &cached))
        event.usage.cached_tokens = sy_ir_tokens (cached);
      if (sy_json_scan_int (c, sy_json_scan_get (c, meta, "totalTokenCount"), &total))
        event.usage.total_tokens = sy_ir_tokens (total);
      else if (event.usage.input_tokens != SY_IR_UNSET && event.usage.output_tokens != SY_IR_UNSET)
        event.usage.total_tokens = sy_ir_tokens (event.usage.input_tokens + event.usage.output_tokens);
      emit (self, &event);
    }

  reason = sy_json_scan_string (c, sy_json_scan_get (c, candidate, "finishReason"), self->text);
  if (reason != NULL)
    emit_finish (self, reason);
  return TRUE;
}

static gboolean
gemini_decoder_feed (SyStreamDecoder *decoder,
                     const char      *event_name,
                     const char      *data,
                     gsize            len,
                     GError         **error)
{
  GeminiDecoder *self = (GeminiDecoder *) decoder;
  g_autoptr(GError) parse_error = NULL;
  JsonNode *node = NULL;
  gsize start = 0;

  if (self->failed)
    return TRUE;
  while (start < len && g_ascii_isspace (data[start]))
    start++;
  if (start == len || (len - start == 6 && strncmp (data + start, "[DONE]", 6) == 0))
    return TRUE;

  if (!self->parent.ctx->no_fast_path && decoder_fast_chunk (self, data + start, len - start))
    {
      self->parent.fast_events++;
      return TRUE;
    }
  node = sy_json_parse (data + start, len - start, &parse_error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_clear_pointer (&node, json_node_unref);
      return sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "Gemini stream: cannot read a chunk: %s",
                                parse_error ? parse_error->message : "not an object");
    }
  decode_stream_chunk (self, unwrap_response (json_node_get_object (node)));
  json_node_unref (node);
  return TRUE;
}

static gboolean
gemini_decoder_finish (SyStreamDecoder *decoder,
                       GError         **error)
{
  GeminiDecoder *self = (GeminiDecoder *) decoder;
  SyIrEvent event;

  if (self->failed || self->finished)
    return TRUE;
  sy_ir_event_init (&event, SY_IR_EVENT_FINISH);
  event.finish = self->saw_call ? SY_IR_FINISH_TOOL_CALLS : SY_IR_FINISH_STOP;
  self->finished = TRUE;
  emit (self, &event);
  return TRUE;
}

static void
gemini_decoder_free (SyStreamDecoder *decoder)
{
  GeminiDecoder *self = (GeminiDecoder *) decoder;

  sy_json_scan_clear (&self->scan);
  g_string_free (self->text, TRUE);
  g_string_free (self->text2, TRUE);
  g_free (self);
}

static SyStreamDecoder *
gemini_stream_decoder_new (SyTranslateCtx *ctx,
                           SyIrEmitFunc    emit_func,
                           gpointer        emit_data)
{
  GeminiDecoder *self = g_new0 (GeminiDecoder, 1);

  sy_json_scan_init (&self->scan);
  self->text = g_string_new (NULL);
  self->text2 = g_string_new (NULL);
  self->parent.feed = gemini_decoder_feed;
  self->parent.finish = gemini_decoder_finish;
  self->parent.free = gemini_decoder_free;
  self->parent.ctx = ctx;
  self->parent.emit = emit_func;
  self->parent.emit_data = emit_data;
  return &self->parent;
}

/* ======================================================== stream encoder */

typedef struct
{
  char    *id;
  char    *name;
  char    *signature;
  GString *arguments;
} OpenCall;

static void
open_call_free (gpointer data)
{
  OpenCall *call = data;

  if (call == NULL)
    return;
  g_free (call->id);
  g_free (call->name);
  g_free (call->signature);
  g_string_free (call->arguments, TRUE);
  g_free (call);
}

typedef struct
{
  SyStreamEncoder parent;
  char           *id;
  char           *model;
  gint64          created;
  GPtrArray      *calls;      /* OpenCall* by index, NULL once written */
  GString        *buffer;     /* text chunks are written by hand: they are most of a stream */
  char           *meta;       /* ,"modelVersion":...,"createTime":...} once known */
  SyIrUsage       usage;
  SyIrFinish      finish;
  gboolean        ended;
} GeminiEncoder;

static void
ensure_id (GeminiEncoder *self)
{
  if (self->id == NULL)
    self->id = sy_translate_ctx_new_id (self->parent.ctx, "resp_");
}

/* One chunk: the parts (taken), and finishReason/usage when closing. */
static void
write_chunk (GeminiEncoder *self,
             JsonArray     *parts,
             const char    *finish,
             gboolean       with_usage)
{
  JsonObject *chunk = json_object_new ();
  JsonArray *candidates = json_array_new ();
  g_autofree char *text = NULL;

  ensure_id (self);
  json_array_add_object_element (candidates, candidate_with (parts, finish));
  json_object_set_array_member (chunk, "candidates", candidates);
  if (with_usage && sy_ir_usage_is_set (&self->usage))
    json_object_set_object_member (chunk, "usageMetadata", usage_to_gemini (&self->usage));
  set_answer_meta (chunk, self->parent.ctx, self->id, self->model, self->created);
  text = object_to_string (chunk);
  json_object_unref (chunk);
  self->parent.frame (NULL, text, strlen (text), self->parent.frame_data);
}

/* A text or thought chunk, without building a JSON tree. */
static void
write_text (GeminiEncoder *self,
            const char    *text,
            gsize          len,
            gboolean       thought)
{
  if (self->meta == NULL)
    {
      JsonObject *meta = json_object_new ();
      char *json;

      ensure_id (self);
      set_answer_meta (meta, self->parent.ctx, self->id, self->model, self->created);
      json = object_to_string (meta);
      json_object_unref (meta);
      json[0] = ',';                      /* {"a":..} -> ,"a":..} */
      self->meta = json;
    }

  g_string_truncate (self->buffer, 0);
  g_string_append (self->buffer, "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":");
  sy_json_append_string (self->buffer, text, len);
  if (thought)
    g_string_append (self->buffer, ",\"thought\":true");
  g_string_append (self->buffer, "}]},\"index\":0}]");
  g_string_append (self->buffer, self->meta);
  self->parent.frame (NULL, self->buffer->str, self->buffer->len, self->parent.frame_data);
}

static void
write_part (GeminiEncoder *self,
            JsonObject    *part)
{
  JsonArray *parts = json_array_new ();

  json_array_add_object_element (parts, part);
  write_chunk (self, parts, NULL, FALSE);
}

static void
write_call (GeminiEncoder *self,
            guint          index)
{
  OpenCall *call;
  JsonObject *fc, *part;
  g_autofree char *signature = NULL;

  if (index >= self->calls->len || (call = g_ptr_array_index (self->calls, index)) == NULL)
    return;
  fc = json_object_new ();
  if (call->id != NULL)
    json_object_set_string_member (fc, "id", call->id);
  json_object_set_string_member (fc, "name", call->name ? call->name : "");
  json_object_set_member (fc, "args", parse_arguments (call->arguments->str));
  part = json_object_new ();
  json_object_set_object_member (part, "functionCall", fc);
  signature = sy_ir_signature_export (call->signature, "gemini");
  if (signature != NULL)
    json_object_set_string_member (part, "thoughtSignature", signature);
  g_ptr_array_index (self->calls, index) = NULL;
  open_call_free (call);
  write_part (self, part);
}

static void
gemini_encoder_encode (SyStreamEncoder *encoder,
                       const SyIrEvent *event)
{
  GeminiEncoder *self = (GeminiEncoder *) encoder;
  JsonObject *part;
  OpenCall *call;

  if (self->ended)
    return;

  switch (event->type)
    {
    case SY_IR_EVENT_START:
      if (self->id == NULL && event->id != NULL)
        self->id = g_strdup (event->id);
      if (self->model == NULL && event->model != NULL)
        self->model = g_strdup (event->model);
      if (self->created == SY_IR_UNSET)
        self->created = event->created;
      break;

    case SY_IR_EVENT_TEXT:
    case SY_IR_EVENT_THINKING:
      {
        gsize len = event->text_len ? event->text_len : (event->text ? strlen (event->text) : 0);

        if (len > 0)
          write_text (self, event->text, len, event->type == SY_IR_EVENT_THINKING);
      }
      break;

    case SY_IR_EVENT_SIGNATURE:
      {
        g_autofree char *signature = sy_ir_signature_export (event->signature, "gemini");

        if (signature == NULL)
          break;
        /* A part of its own: an empty thought carrying the signature. */
        part = json_object_new ();
        json_object_set_string_member (part, "text", "");
        json_object_set_boolean_member (part, "thought", TRUE);
        json_object_set_string_member (part, "thoughtSignature", signature);
        write_part (self, part);
      }
      break;

    case SY_IR_EVENT_TOOL_CALL_START:
      call = g_new0 (OpenCall, 1);
      call->id = g_strdup (event->id);
      call->name = g_strdup (event->name);
      call->signature = g_strdup (event->signature);
      call->arguments = g_string_new (NULL);
      if (event->index >= self->calls->len)
        g_ptr_array_set_size (self->calls, event->index + 1);
      open_call_free (g_ptr_array_index (self->calls, event->index));
      g_ptr_array_index (self->calls, event->index) = call;
      break;

    case SY_IR_EVENT_TOOL_CALL_DELTA:
      if (event->index < self->calls->len &&
          (call = g_ptr_array_index (self->calls, event->index)) != NULL && event->text != NULL)
        g_string_append_len (call->arguments, event->text,
                             event->text_len ? (gssize) event->text_len : (gssize) strlen (event->text));
      break;

    case SY_IR_EVENT_TOOL_CALL_END:
      write_call (self, event->index);
      break;

    case SY_IR_EVENT_IMAGE:
      {
        SyIrPart image = { 0 };

        image.type = SY_IR_PART_IMAGE;
        image.mime_type = (char *) event->mime_type;
        image.data = (char *) (event->data ? event->data : "");
        write_part (self, media_part (&image));
      }
      break;

    case SY_IR_EVENT_USAGE:
      sy_ir_usage_merge (&self->usage, &event->usage);
      break;

    case SY_IR_EVENT_FINISH:
      self->finish = event->finish;
      break;

    case SY_IR_EVENT_ERROR:
      {
        g_autofree char *body = sy_format_error_body (SY_FORMAT_GEMINI,
                                                      event->status ? event->status : 500,
                                                      event->text, NULL, NULL);

        self->ended = TRUE;
        self->parent.frame (NULL, body, strlen (body), self->parent.frame_data);
      }
      break;

    default:
      break;
    }
}

static void
gemini_encoder_finish (SyStreamEncoder *encoder)
{
  GeminiEncoder *self = (GeminiEncoder *) encoder;
  JsonArray *parts;
  JsonObject *empty;
  guint i;

  if (self->ended)
    return;
  for (i = 0; i < self->calls->len; i++)
    write_call (self, i);
  self->ended = TRUE;

  parts = json_array_new ();
  empty = json_object_new ();
  json_object_set_string_member (empty, "text", "");
  json_array_add_object_element (parts, empty);
  write_chunk (self, parts, finish_to_gemini (self->finish), TRUE);
}

static void
gemini_encoder_free (SyStreamEncoder *encoder)
{
  GeminiEncoder *self = (GeminiEncoder *) encoder;

  g_free (self->id);
  g_free (self->model);
  g_ptr_array_unref (self->calls);
  g_string_free (self->buffer, TRUE);
  g_free (self->meta);
  g_free (self);
}

static SyStreamEncoder *
gemini_stream_encoder_new (SyTranslateCtx *ctx,
                           SyFrameFunc     frame,
                           gpointer        frame_data)
{
  GeminiEncoder *self = g_new0 (GeminiEncoder, 1);

  self->parent.encode = gemini_encoder_encode;
  self->parent.finish = gemini_encoder_finish;
  self->parent.free = gemini_encoder_free;
  self->parent.ctx = ctx;
  self->parent.frame = frame;
  self->parent.frame_data = frame_data;
  self->created = SY_IR_UNSET;
  self->calls = g_ptr_array_new_with_free_func (open_call_free);
  self->buffer = g_string_new (NULL);
  sy_ir_usage_init (&self->usage);
  return &self->parent;
}

/* ============================================================= counting */

static JsonNode *
gemini_encode_count_request (const SyIrRequest  *request,
                             SyTranslateCtx     *ctx,
                             GError            **error)
{
  JsonObject *body = json_object_new ();
  JsonObject *inner, *system;
  JsonArray *contents;
  g_autofree char *model = NULL;

  contents = encode_contents (request, ctx, error);
  if (contents == NULL)
    {
      json_object_unref (body);
      return NULL;
    }
  system = encode_system (request);
  if (system == NULL && request->tools->len == 0)
    {
      json_object_set_array_member (body, "contents", contents);
      return node_take_object (body);
    }

  inner = json_object_new ();
  model = g_str_has_prefix (ctx->upstream_model ? ctx->upstream_model : "", "models/")
          ? g_strdup (ctx->upstream_model)
          : g_strconcat ("models/", ctx->upstream_model ? ctx->upstream_model : "", NULL);
  json_object_set_string_member (inner, "model", model);
  json_object_set_array_member (inner, "contents", contents);
  if (system != NULL)
    json_object_set_object_member (inner, "systemInstruction", system);
  if (!encode_tools (request, ctx, inner, error))
    {
      json_object_unref (inner);
      json_object_unref (body);
      return NULL;
    }
  /* Only declarations count; the calling mode is not part of the prompt. */
  json_object_remove_member (inner, "toolConfig");
  json_object_set_object_member (body, "generateContentRequest", inner);
  return node_take_object (body);
}

static gboolean
gemini_decode_count_response (JsonNode  *body,
                              gint64    *tokens,
                              GError   **error)
{
  JsonObject *root;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    return sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "Gemini token count: expected an object");
  root = unwrap_response (json_node_get_object (body));
  if (sy_json_get_int (root, "totalTokens", tokens))
    return TRUE;
  if (json_object_get_size (root) == 0)
    {
      /* Gemini leaves zero counts out. */
      *tokens = 0;
      return TRUE;
    }
  return sy_translate_fail (error, SY_TRANSLATE_ERROR_UPSTREAM, "Gemini token count: no totalTokens");
}

static JsonNode *
gemini_encode_count_response (gint64 tokens)
{
  JsonObject *body = json_object_new ();
  JsonArray *details = json_array_new ();
  JsonObject *text = json_object_new ();

  json_object_set_string_member (text, "modality", "TEXT");
  json_object_set_int_member (text, "tokenCount", tokens);
  json_array_add_object_element (details, text);
  json_object_set_int_member (body, "totalTokens", tokens);
  json_object_set_array_member (body, "promptTokensDetails", details);
  return node_take_object (body);
}

/* ================================================================ codec */

static const SyCodec codec = {
  .format = SY_FORMAT_GEMINI,
  .decode_request = gemini_decode_request,
  .encode_request = gemini_encode_request,
  .decode_response = gemini_decode_response,
  .encode_response = gemini_encode_response,
  .stream_decoder_new = gemini_stream_decoder_new,
  .stream_encoder_new = gemini_stream_encoder_new,
  .encode_count_request = gemini_encode_count_request,
  .decode_count_response = gemini_decode_count_response,
  .encode_count_response = gemini_encode_count_response,
};

const SyCodec *
sy_codec_gemini (void)
{
  return &codec;
}
