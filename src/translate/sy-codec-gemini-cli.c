/* sy-codec-gemini-cli.c: the Cloud Code envelope around the Gemini format
 *
 * cloudcode-pa (Gemini CLI, Antigravity) speaks Gemini inside envelopes:
 * requests are {"model", "project", "request": <Gemini body>}, answers and
 * stream chunks {"response": <Gemini answer>}, token counts
 * {"request": <countTokens body>}. Everything else is the Gemini codec.
 * The provider fills "project" (and the Antigravity extras) later.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-translate"

#include "config.h"

#include <string.h>

#include "sy-codec.h"

static JsonNode *
wrap (const char *member,
      JsonNode   *inner)
{
  JsonObject *object = json_object_new ();
  JsonNode *node;

  json_object_set_member (object, member, inner);
  node = json_node_init_object (json_node_alloc (), object);
  json_object_unref (object);
  return node;
}

/* --------------------------------------------------------------- requests */

static SyIrRequest *
cli_decode_request (JsonNode        *body,
                    SyTranslateCtx  *ctx,
                    GError         **error)
{
  JsonObject *root;
  JsonNode *inner;
  const char *model;
  SyIrRequest *request;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    {
      g_set_error_literal (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_INVALID,
                           "request body: expected an object");
      return NULL;
    }
  root = json_node_get_object (body);
  inner = json_object_get_member (root, "request");
  if (inner == NULL || !JSON_NODE_HOLDS_OBJECT (inner))
    {
      g_set_error_literal (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_INVALID,
                           "request: expected an object");
      return NULL;
    }

  request = sy_codec_gemini ()->decode_request (inner, ctx, error);
  model = sy_json_get_string (root, "model");
  if (request != NULL && model != NULL)
    {
      g_free (request->model);
      request->model = g_strdup (g_str_has_prefix (model, "models/") ? model + 7 : model);
    }
  return request;
}

static JsonNode *
cli_encode_request (const SyIrRequest  *request,
                    SyTranslateCtx     *ctx,
                    GError            **error)
{
  JsonNode *inner = sy_codec_gemini ()->encode_request (request, ctx, error);
  JsonObject *envelope;
  JsonNode *node;

  if (inner == NULL)
    return NULL;
  envelope = json_object_new ();
  json_object_set_string_member (envelope, "model", ctx->upstream_model ? ctx->upstream_model
                                                    : request->model ? request->model : "");
  json_object_set_string_member (envelope, "project", "");
  json_object_set_member (envelope, "request", inner);
  node = json_node_init_object (json_node_alloc (), envelope);
  json_object_unref (envelope);
  return node;
}

/* ---------------------------------------------------------- whole answers */

static SyIrResponse *
cli_decode_response (JsonNode        *body,
                     SyTranslateCtx  *ctx,
                     GError         **error)
{
  JsonObject *root;
  JsonNode *inner;

  /* The Gemini decoder unwraps "response" itself; this keeps it explicit. */
  if (body != NULL && JSON_NODE_HOLDS_OBJECT (body))
    {
      root = json_node_get_object (body);
      inner = json_object_get_member (root, "response");
      if (inner != NULL && JSON_NODE_HOLDS_OBJECT (inner))
        body = inner;
    }
  return sy_codec_gemini ()->decode_response (body, ctx, error);
}

static JsonNode *
cli_encode_response (const SyIrResponse  *response,
                     SyTranslateCtx      *ctx,
                     GError             **error)
{
  JsonNode *inner = sy_codec_gemini ()->encode_response (response, ctx, error);

  return inner != NULL ? wrap ("response", inner) : NULL;
}

/* ---------------------------------------------------------------- streams */

/* Wraps the frames of the Gemini encoder in {"response": ...}; error
 * frames stay as they are (cloudcode-pa sends its errors unwrapped). */
typedef struct
{
  SyStreamEncoder  parent;
  SyStreamEncoder *inner;
  GString         *buffer;
  gboolean         error;
} CliEncoder;

static void
cli_on_frame (const char *event,
              const char *data,
              gsize       len,
              gpointer    user_data)
{
  CliEncoder *self = user_data;

  if (self->error)
    {
      self->parent.frame (event, data, len, self->parent.frame_data);
      return;
    }
  g_string_truncate (self->buffer, 0);
  g_string_append (self->buffer, "{\"response\":");
  g_string_append_len (self->buffer, data, len);
  g_string_append_c (self->buffer, '}');
  self->parent.frame (event, self->buffer->str, self->buffer->len, self->parent.frame_data);
}

static void
cli_encoder_encode (SyStreamEncoder *encoder,
                    const SyIrEvent *event)
{
  CliEncoder *self = (CliEncoder *) encoder;

  if (event->type == SY_IR_EVENT_ERROR)
    self->error = TRUE;
  sy_stream_encoder_encode (self->inner, event);
}

static void
cli_encoder_finish (SyStreamEncoder *encoder)
{
  CliEncoder *self = (CliEncoder *) encoder;

  sy_stream_encoder_finish (self->inner);
}

static void
cli_encoder_free (SyStreamEncoder *encoder)
{
  CliEncoder *self = (CliEncoder *) encoder;

  sy_stream_encoder_free (self->inner);
  g_string_free (self->buffer, TRUE);
  g_free (self);
}

static SyStreamEncoder *
cli_stream_encoder_new (SyTranslateCtx *ctx,
                        SyFrameFunc     frame,
                        gpointer        frame_data)
{
  CliEncoder *self = g_new0 (CliEncoder, 1);

  self->parent.encode = cli_encoder_encode;
  self->parent.finish = cli_encoder_finish;
  self->parent.free = cli_encoder_free;
  self->parent.ctx = ctx;
  self->parent.frame = frame;
  self->parent.frame_data = frame_data;
  self->buffer = g_string_new (NULL);
  self->inner = sy_codec_gemini ()->stream_encoder_new (ctx, cli_on_frame, self);
  return &self->parent;
}

static SyStreamDecoder *
cli_stream_decoder_new (SyTranslateCtx *ctx,
                        SyIrEmitFunc    emit,
                        gpointer        emit_data)
{
  /* The Gemini decoder reads chunks wrapped in "response" as well. */
  return sy_codec_gemini ()->stream_decoder_new (ctx, emit, emit_data);
}

/* --------------------------------------------------------------- counting */

static JsonNode *
cli_encode_count_request (const SyIrRequest  *request,
                          SyTranslateCtx     *ctx,
                          GError            **error)
{
  g_autoptr(JsonNode) counted = sy_codec_gemini ()->encode_count_request (request, ctx, error);
  JsonObject *root, *inner;
  JsonNode *node;

  if (counted == NULL)
    return NULL;
  /* cloudcode-pa takes {"request": {model, contents, ...}}. */
  root = json_node_get_object (counted);
  inner = sy_json_get_object (root, "generateContentRequest");
  if (inner != NULL)
    return wrap ("request", json_node_copy (json_object_get_member (root, "generateContentRequest")));

  inner = json_object_new ();
  {
    g_autofree char *model = g_str_has_prefix (ctx->upstream_model ? ctx->upstream_model : "", "models/")
                             ? g_strdup (ctx->upstream_model)
                             : g_strconcat ("models/", ctx->upstream_model ? ctx->upstream_model : "", NULL);

    json_object_set_string_member (inner, "model", model);
  }
  json_object_set_member (inner, "contents", json_node_copy (json_object_get_member (root, "contents")));
  node = json_node_init_object (json_node_alloc (), inner);
  json_object_unref (inner);
  return wrap ("request", node);
}

static gboolean
cli_decode_count_response (JsonNode  *body,
                           gint64    *tokens,
                           GError   **error)
{
  return sy_codec_gemini ()->decode_count_response (body, tokens, error);
}

static JsonNode *
cli_encode_count_response (gint64 tokens)
{
  /* Gemini CLI clients get the plain Gemini count. */
  return sy_codec_gemini ()->encode_count_response (tokens);
}

static const SyCodec codec = {
  .format = SY_FORMAT_GEMINI_CLI,
  .decode_request = cli_decode_request,
  .encode_request = cli_encode_request,
  .decode_response = cli_decode_response,
  .encode_response = cli_encode_response,
  .stream_decoder_new = cli_stream_decoder_new,
  .stream_encoder_new = cli_stream_encoder_new,
  .encode_count_request = cli_encode_count_request,
  .decode_count_response = cli_decode_count_response,
  .encode_count_response = cli_encode_count_response,
};

const SyCodec *
sy_codec_gemini_cli (void)
{
  return &codec;
}
