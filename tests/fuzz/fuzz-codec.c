/* fuzz-codec.c: libFuzzer target for one decoder of one wire format
 *
 * Built once per format and kind (FUZZ_FORMAT, FUZZ_KIND). Whatever the
 * decoder accepts is encoded again into every format, so the encoders see
 * every IR a decoder can produce. Nothing may crash, leak or hang; errors
 * are fine.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-codec.h"
#include "sy-sse.h"
#include "sy-thinking.h"

#define KIND_REQUEST  1
#define KIND_RESPONSE 2
#define KIND_STREAM   3

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const SyFormat all_formats[] = {
  SY_FORMAT_OPENAI, SY_FORMAT_OPENAI_RESPONSES, SY_FORMAT_CLAUDE,
  SY_FORMAT_GEMINI, SY_FORMAT_GEMINI_CLI,
};

static void
quiet_log (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
}

#if FUZZ_KIND == KIND_STREAM
static void
discard_frame (const char *event, const char *data, gsize len, gpointer user_data)
{
}

typedef struct
{
  SyStreamDecoder *decoder;
  GPtrArray       *encoders;
  SyIrCollector   *collector;
  gboolean         failed;
} Fan;

static void
fan_event (const SyIrEvent *event,
           gpointer         user_data)
{
  Fan *fan = user_data;
  guint i;

  for (i = 0; i < fan->encoders->len; i++)
    sy_stream_encoder_encode (g_ptr_array_index (fan->encoders, i), event);
  sy_ir_collector_add (event, fan->collector);
}

static gboolean
fan_sse (const SySseEvent *event,
         gpointer          user_data)
{
  Fan *fan = user_data;
  g_autoptr(GError) error = NULL;

  if (fan->failed)
    return FALSE;
  if (!sy_stream_decoder_feed (fan->decoder, event->event, event->data, event->data_len, &error))
    fan->failed = TRUE;
  return !fan->failed;
}

static void
fuzz_stream (const guint8 *data,
             size_t        size)
{
  g_autoptr(SyTranslateCtx) ctx = sy_translate_ctx_new (SY_FORMAT_OPENAI, FUZZ_FORMAT);
  const SyCodec *codec = sy_codec_for_format (FUZZ_FORMAT);
  g_autoptr(SySseReader) reader = NULL;
  g_autoptr(SyIrResponse) response = NULL;
  g_autoptr(SyIrRequest) request = sy_ir_request_new ();
  Fan fan = { 0 };
  guint i;

  request->include_usage = TRUE;
  ctx->client_request = request;
  ctx->deterministic = TRUE;
  fan.encoders = g_ptr_array_new ();
  fan.collector = sy_ir_collector_new ();
  for (i = 0; i < G_N_ELEMENTS (all_formats); i++)
    g_ptr_array_add (fan.encoders, sy_codec_for_format (all_formats[i])->stream_encoder_new (ctx, discard_frame, NULL));
  fan.decoder = codec->stream_decoder_new (ctx, fan_event, &fan);
  reader = sy_sse_reader_new (fan_sse, &fan);

  if (sy_sse_reader_feed (reader, (const char *) data, size, NULL) &&
      sy_sse_reader_finish (reader, NULL) && !fan.failed &&
      sy_stream_decoder_finish (fan.decoder, NULL))
    {
      for (i = 0; i < fan.encoders->len; i++)
        sy_stream_encoder_finish (g_ptr_array_index (fan.encoders, i));
    }
  response = sy_ir_collector_finish (fan.collector, NULL, NULL);

  sy_stream_decoder_free (fan.decoder);
  for (i = 0; i < fan.encoders->len; i++)
    sy_stream_encoder_free (g_ptr_array_index (fan.encoders, i));
  g_ptr_array_unref (fan.encoders);
  sy_ir_collector_free (fan.collector);
}

#else
static void
fuzz_json (const guint8 *data,
           size_t        size)
{
  const SyCodec *codec = sy_codec_for_format (FUZZ_FORMAT);
  g_autoptr(JsonNode) node = sy_json_parse ((const char *) data, size, NULL);
  g_autoptr(SyTranslateCtx) ctx = sy_translate_ctx_new (FUZZ_FORMAT, FUZZ_FORMAT);
  guint i;

  if (node == NULL)
    return;
  ctx->deterministic = TRUE;

#if FUZZ_KIND == KIND_REQUEST
  {
    g_autoptr(SyIrRequest) request = codec->decode_request (node, ctx, NULL);

    if (request == NULL)
      return;
    for (i = 0; i < G_N_ELEMENTS (all_formats); i++)
      {
        const SyCodec *out = sy_codec_for_format (all_formats[i]);
        g_autoptr(SyTranslateCtx) octx = sy_translate_ctx_new (FUZZ_FORMAT, all_formats[i]);
        g_autoptr(JsonNode) encoded = NULL;

        octx->client_request = request;
        sy_thinking_resolve (request, "fuzz-model(high)", NULL, FUZZ_FORMAT, all_formats[i],
                             SY_FLAVOR_PLAIN, NULL, NULL);
        encoded = out->encode_request (request, octx, NULL);
        if (out->encode_count_request != NULL)
          {
            G_GNUC_UNUSED g_autoptr(JsonNode) count = out->encode_count_request (request, octx, NULL);
          }
      }
  }
#else
  {
    g_autoptr(SyIrResponse) response = codec->decode_response (node, ctx, NULL);
    g_autoptr(SyIrRequest) request = sy_ir_request_new ();

    if (response == NULL)
      return;
    for (i = 0; i < G_N_ELEMENTS (all_formats); i++)
      {
        const SyCodec *out = sy_codec_for_format (all_formats[i]);
        g_autoptr(SyTranslateCtx) octx = sy_translate_ctx_new (all_formats[i], FUZZ_FORMAT);
        g_autoptr(JsonNode) encoded = NULL;

        octx->client_request = request;
        encoded = out->encode_response (response, octx, NULL);
      }
  }
#endif
}
#endif

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static gboolean initialized;

  if (!initialized)
    {
      g_log_set_default_handler (quiet_log, NULL);
      initialized = TRUE;
    }

#if FUZZ_KIND == KIND_STREAM
  fuzz_stream (data, size);
#else
  fuzz_json (data, size);
#endif
  return 0;
}
