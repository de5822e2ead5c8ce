/* sy-codec.c: the translation context, codec lookup and shared JSON helpers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "sy-codec.h"
#include "sy-json.h"

G_DEFINE_QUARK (sy-translate-error-quark, sy_translate_error)

gboolean
sy_translate_fail (GError           **error,
                   SyTranslateError   code,
                   const char        *format,
                   ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;
  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (SY_TRANSLATE_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}

/* --------------------------------------------------------------- context */

SyTranslateCtx *
sy_translate_ctx_new (SyFormat client_format,
                      SyFormat upstream_format)
{
  SyTranslateCtx *ctx = g_new0 (SyTranslateCtx, 1);

  ctx->client_format = client_format;
  ctx->upstream_format = upstream_format;
  ctx->now = g_get_real_time () / G_USEC_PER_SEC;
  ctx->to_upstream = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  ctx->to_client = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  ctx->to_client_folded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return ctx;
}

void
sy_translate_ctx_free (SyTranslateCtx *ctx)
{
  if (ctx == NULL)
    return;
  g_free (ctx->client_model);
  g_free (ctx->upstream_model);
  g_clear_pointer (&ctx->client_body, json_node_unref);
  g_hash_table_unref (ctx->to_upstream);
  g_hash_table_unref (ctx->to_client);
  g_hash_table_unref (ctx->to_client_folded);
  g_free (ctx);
}

void
sy_translate_ctx_set_models (SyTranslateCtx *ctx,
                             const char     *client_model,
                             const char     *upstream_model)
{
  g_free (ctx->client_model);
  ctx->client_model = g_strdup (client_model);
  g_free (ctx->upstream_model);
  ctx->upstream_model = g_strdup (upstream_model);
}

void
sy_translate_ctx_set_client_body (SyTranslateCtx *ctx,
                                  JsonNode       *body)
{
  g_clear_pointer (&ctx->client_body, json_node_unref);
  ctx->client_body = body ? json_node_ref (body) : NULL;
}

static char *
fold_name (const char *name)
{
  while (*name == '_')
    name++;
  return g_ascii_strdown (name, -1);
}

void
sy_translate_ctx_add_tool_name (SyTranslateCtx *ctx,
                                const char     *client_name,
                                const char     *upstream_name)
{
  if (client_name == NULL || upstream_name == NULL)
    return;
  g_hash_table_replace (ctx->to_upstream, g_strdup (client_name), g_strdup (upstream_name));
  g_hash_table_replace (ctx->to_client, g_strdup (upstream_name), g_strdup (client_name));
  g_hash_table_replace (ctx->to_client_folded, fold_name (upstream_name), g_strdup (client_name));
}

const char *
sy_translate_ctx_upstream_tool_name (SyTranslateCtx *ctx,
                                     const char     *client_name)
{
  const char *found;

  if (client_name == NULL)
    return NULL;
  found = g_hash_table_lookup (ctx->to_upstream, client_name);
  return found ? found : client_name;
}

const char *
sy_translate_ctx_client_tool_name (SyTranslateCtx *ctx,
                                   const char     *upstream_name)
{
  const char *found;
  g_autofree char *folded = NULL;

  if (upstream_name == NULL)
    return NULL;
  found = g_hash_table_lookup (ctx->to_client, upstream_name);
  if (found != NULL)
    return found;
  /* Models sometimes change the case of a renamed tool ("Read" vs "read"). */
  folded = fold_name (upstream_name);
  found = g_hash_table_lookup (ctx->to_client_folded, folded);
  return found ? found : upstream_name;
}

char *
sy_translate_ctx_new_id (SyTranslateCtx *ctx,
                         const char     *prefix)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  char tail[25];
  guint i;

  ctx->counter++;
  if (ctx->deterministic)
    return g_strdup_printf ("%s%04u", prefix, ctx->counter);
  for (i = 0; i < 24; i++)
    tail[i] = alphabet[g_random_int_range (0, sizeof alphabet - 1)];
  tail[24] = '\0';
  return g_strconcat (prefix, tail, NULL);
}

char *
sy_tool_name_sanitize_gemini (const char *name)
{
  GString *out = g_string_new (NULL);
  const char *p;

  for (p = name ? name : ""; *p; p++)
    {
      char c = *p;

      if (g_ascii_isalnum (c) || c == '_' || c == '.' || c == ':' || c == '-')
        g_string_append_c (out, c);
      else
        g_string_append_c (out, '_');
    }
  if (out->len == 0 || !(g_ascii_isalpha (out->str[0]) || out->str[0] == '_'))
    {
      if (out->len > 63)
        g_string_truncate (out, 63);
      g_string_prepend_c (out, '_');
    }
  if (out->len > 64)
    g_string_truncate (out, 64);
  return g_string_free (out, FALSE);
}

char *
sy_tool_name_shorten (const char *name)
{
  const char *last;

  if (name == NULL)
    return NULL;
  if (strlen (name) <= 64)
    return g_strdup (name);
  if (g_str_has_prefix (name, "mcp__"))
    {
      last = g_strrstr (name + 5, "__");
      if (last != NULL && last[2] != '\0')
        {
          g_autofree char *shorter = g_strconcat ("mcp__", last + 2, NULL);

          if (strlen (shorter) <= 64)
            return g_steal_pointer (&shorter);
          return g_strndup (shorter, 64);
        }
    }
  return g_strndup (name, 64);
}

/* -------------------------------------------------------------- streams */

gboolean
sy_stream_decoder_feed (SyStreamDecoder *self,
                        const char      *event,
                        const char      *data,
                        gsize            len,
                        GError         **error)
{
  return self->feed (self, event, data, len, error);
}

gboolean
sy_stream_decoder_finish (SyStreamDecoder *self,
                          GError         **error)
{
  return self->finish (self, error);
}

void
sy_stream_decoder_free (SyStreamDecoder *self)
{
  if (self != NULL)
    self->free (self);
}

void
sy_stream_encoder_encode (SyStreamEncoder *self,
                          const SyIrEvent *event)
{
  self->encode (self, event);
}

void
sy_stream_encoder_finish (SyStreamEncoder *self)
{
  self->finish (self);
}

void
sy_stream_encoder_free (SyStreamEncoder *self)
{
  if (self != NULL)
    self->free (self);
}

/* ---------------------------------------------------------------- codec */

const SyCodec *
sy_codec_for_format (SyFormat format)
{
  switch (format)
    {
    case SY_FORMAT_OPENAI:
      return sy_codec_openai ();
    case SY_FORMAT_OPENAI_RESPONSES:
      return sy_codec_responses ();
    case SY_FORMAT_CLAUDE:
      return sy_codec_claude ();
    case SY_FORMAT_GEMINI:
      return sy_codec_gemini ();
    case SY_FORMAT_GEMINI_CLI:
      return sy_codec_gemini_cli ();
    default:
      return NULL;
    }
}

/* ----------------------------------------------------------------- JSON */

static JsonNode *
member (JsonObject *object,
        const char *name)
{
  if (object == NULL)
    return NULL;
  return json_object_get_member (object, name);
}

gboolean
sy_json_node_is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

gboolean
sy_json_node_is_number (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

const char *
sy_json_get_string (JsonObject *object,
                    const char *name)
{
  JsonNode *node = member (object, name);

  return sy_json_node_is_string (node) ? json_node_get_string (node) : NULL;
}

JsonObject *
sy_json_get_object (JsonObject *object,
                    const char *name)
{
  JsonNode *node = member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

JsonArray *
sy_json_get_array (JsonObject *object,
                   const char *name)
{
  JsonNode *node = member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  return json_node_get_array (node);
}

gboolean
sy_json_get_number (JsonObject *object,
                    const char *name,
                    double     *value)
{
  JsonNode *node = member (object, name);

  if (!sy_json_node_is_number (node))
    return FALSE;
  *value = json_node_get_double (node);
  return TRUE;
}

gboolean
sy_json_get_int (JsonObject *object,
                 const char *name,
                 gint64     *value)
{
  JsonNode *node = member (object, name);
  GType type;
  double d;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    {
      *value = json_node_get_int (node);
      return TRUE;
    }
  if (type != G_TYPE_DOUBLE)
    return FALSE;
  d = json_node_get_double (node);
  return sy_ir_int_from_double (d, value);
}

int
sy_json_get_bool (JsonObject *object,
                  const char *name)
{
  JsonNode *node = member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return -1;
  return json_node_get_boolean (node) ? 1 : 0;
}

char *
sy_json_to_string (JsonNode *node)
{
  return sy_json_write (node, NULL);
}

JsonNode *
sy_json_parse (const char *text,
               gssize      len,
               GError    **error)
{
  return sy_json_read (text, len, error);
}
