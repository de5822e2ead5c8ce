/* sy-format.c: wire format names and error bodies in each format's shape
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-translate"

#include "config.h"

#include "sy-format.h"
#include "sy-json.h"

const char *
sy_format_to_string (SyFormat format)
{
  switch (format)
    {
    case SY_FORMAT_OPENAI:           return "openai";
    case SY_FORMAT_OPENAI_RESPONSES: return "openai-responses";
    case SY_FORMAT_CLAUDE:           return "claude";
    case SY_FORMAT_GEMINI:           return "gemini";
    case SY_FORMAT_GEMINI_CLI:       return "gemini-cli";
    default:                         return "unknown";
    }
}

const char *
sy_format_display_name (SyFormat format)
{
  switch (format)
    {
    case SY_FORMAT_OPENAI:           return "OpenAI Chat Completions";
    case SY_FORMAT_OPENAI_RESPONSES: return "OpenAI Responses";
    case SY_FORMAT_CLAUDE:           return "Claude Messages";
    case SY_FORMAT_GEMINI:           return "Gemini";
    case SY_FORMAT_GEMINI_CLI:       return "Gemini CLI";
    default:                         return "unknown";
    }
}

static const char *
openai_type_for_status (guint status)
{
  switch (status)
    {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "invalid_request_error";
    case 429: return "rate_limit_error";
    default:  return status >= 500 ? "server_error" : "invalid_request_error";
    }
}

static const char *
claude_type_for_status (guint status)
{
  switch (status)
    {
    case 401: return "authentication_error";
    case 402: return "billing_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 504: return "timeout_error";
    case 529: return "overloaded_error";
    default:  return status >= 500 ? "api_error" : "invalid_request_error";
    }
}

static const char *
gemini_status_for_status (guint status)
{
  switch (status)
    {
    case 400: return "INVALID_ARGUMENT";
    case 401: return "UNAUTHENTICATED";
    case 403: return "PERMISSION_DENIED";
    case 404: return "NOT_FOUND";
    case 409: return "ABORTED";
    case 413: return "INVALID_ARGUMENT";
    case 429: return "RESOURCE_EXHAUSTED";
    case 499: return "CANCELLED";
    case 501: return "UNIMPLEMENTED";
    case 503: return "UNAVAILABLE";
    case 502: return "UNAVAILABLE";
    case 504: return "DEADLINE_EXCEEDED";
    default:  return status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
    }
}

static char *
builder_to_string (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

char *
sy_format_error_body (SyFormat    format,
                      guint       status,
                      const char *message,
                      const char *type,
                      const char *code)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (message == NULL)
    message = "error";

  switch (format)
    {
    case SY_FORMAT_CLAUDE:
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "error");
      json_builder_set_member_name (b, "error");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, type ? type : claude_type_for_status (status));
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, message);
      json_builder_end_object (b);
      json_builder_end_object (b);
      break;

    case SY_FORMAT_GEMINI:
    case SY_FORMAT_GEMINI_CLI:
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "error");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "code");
      json_builder_add_int_value (b, status);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, message);
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, gemini_status_for_status (status));
      json_builder_end_object (b);
      json_builder_end_object (b);
      break;

    case SY_FORMAT_OPENAI:
    case SY_FORMAT_OPENAI_RESPONSES:
    default:
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "error");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, message);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, type ? type : openai_type_for_status (status));
      json_builder_set_member_name (b, "param");
      json_builder_add_null_value (b);
      json_builder_set_member_name (b, "code");
      if (code != NULL)
        json_builder_add_string_value (b, code);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
      json_builder_end_object (b);
      break;
    }

  return builder_to_string (b);
}

/* One complete SSE frame reporting an error inside an already started stream. */
char *
sy_format_stream_error (SyFormat    format,
                        guint       status,
                        const char *message)
{
  g_autoptr(JsonBuilder) b = NULL;
  g_autofree char *json = NULL;

  switch (format)
    {
    case SY_FORMAT_OPENAI:
      json = sy_format_error_body (format, status, message, NULL, NULL);
      return g_strdup_printf ("data: %s\n\n", json);

    case SY_FORMAT_CLAUDE:
      json = sy_format_error_body (format, status, message,
                                   status >= 500 && status != 529 && status != 504 ? "api_error" : NULL,
                                   NULL);
      return g_strdup_printf ("event: error\ndata: %s\n\n", json);

    case SY_FORMAT_OPENAI_RESPONSES:
      b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "error");
      json_builder_set_member_name (b, "code");
      json_builder_add_string_value (b, openai_type_for_status (status));
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, message ? message : "error");
      json_builder_set_member_name (b, "param");
      json_builder_add_null_value (b);
      json_builder_set_member_name (b, "sequence_number");
      json_builder_add_int_value (b, 0);
      json_builder_end_object (b);
      json = builder_to_string (b);
      return g_strdup_printf ("event: error\ndata: %s\n\n", json);

    case SY_FORMAT_GEMINI:
    case SY_FORMAT_GEMINI_CLI:
    default:
      json = sy_format_error_body (format, status, message, NULL, NULL);
      return g_strdup_printf ("event: error\ndata: %s\n\n", json);
    }
}

/* The human message of an upstream error body in any of the formats, or the
 * body itself (trimmed, cut at 2000 bytes) when it is not JSON. */
char *
sy_format_error_message_from_body (const char *body,
                                   gsize       len)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  if (body == NULL || len == 0)
    return NULL;

  /* An upstream's body: our reader (bounded depth, one value), not json-glib's. */
  if ((root = sy_json_read (body, (gssize) len, NULL)) != NULL)
    {
      JsonNode *node = root;

      /* Some upstreams wrap the error in a one-element array. */
      if (JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) > 0)
        node = json_array_get_element (json_node_get_array (node), 0);

      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          JsonObject *obj = json_node_get_object (node);
          JsonNode *err = json_object_get_member (obj, "error");

          if (err != NULL && JSON_NODE_HOLDS_OBJECT (err))
            {
              JsonObject *eobj = json_node_get_object (err);
              JsonNode *msg = json_object_get_member (eobj, "message");

              if (msg != NULL && JSON_NODE_HOLDS_VALUE (msg) &&
                  json_node_get_value_type (msg) == G_TYPE_STRING)
                return g_strdup (json_node_get_string (msg));
            }
          else if (err != NULL && JSON_NODE_HOLDS_VALUE (err) &&
                   json_node_get_value_type (err) == G_TYPE_STRING)
            return g_strdup (json_node_get_string (err));

          if (json_object_has_member (obj, "message"))
            {
              JsonNode *msg = json_object_get_member (obj, "message");

              if (JSON_NODE_HOLDS_VALUE (msg) && json_node_get_value_type (msg) == G_TYPE_STRING)
                return g_strdup (json_node_get_string (msg));
            }
        }
    }

  text = g_strndup (body, MIN (len, 2000));
  g_strstrip (text);
  if (!g_utf8_validate (text, -1, NULL))
    return g_utf8_make_valid (text, -1);
  return g_steal_pointer (&text);
}
