/* sy-codec.h: one codec per wire format, all speaking the IR
 *
 * N formats cost N codecs. A codec decodes and encodes requests, whole
 * answers and streams of its format; stream codecs are small state machines
 * with no I/O. Everything one translated request shares between its request
 * and its answer (tool-name maps, ids, the client's request) lives in a
 * SyTranslateCtx.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-ir.h"

G_BEGIN_DECLS

#define SY_TRANSLATE_ERROR (sy_translate_error_quark ())

typedef enum
{
  SY_TRANSLATE_ERROR_INVALID,      /* the body is not a valid request/answer of its format: 400 */
  SY_TRANSLATE_ERROR_UNSUPPORTED,  /* a field the target format cannot express: 400, message names it */
  SY_TRANSLATE_ERROR_UPSTREAM,     /* the upstream's answer cannot be read: 502 */
} SyTranslateError;

GQuark sy_translate_error_quark (void);

/* Sets @error in SY_TRANSLATE_ERROR (when @error is not NULL); returns FALSE. */
gboolean sy_translate_fail (GError           **error,
                            SyTranslateError   code,
                            const char        *format,
                            ...) G_GNUC_PRINTF (3, 4);

/* Upstream variants that share a wire format but differ in details. */
typedef enum
{
  SY_FLAVOR_PLAIN,
  SY_FLAVOR_CODEX,        /* Responses spoken by chatgpt.com: stream and store:false forced */
  SY_FLAVOR_ANTIGRAVITY,  /* Cloud Code envelope with Antigravity extras */
} SyUpstreamFlavor;

/* --------------------------------------------------------------- context */

typedef struct
{
  SyFormat            client_format;
  SyFormat            upstream_format;
  SyUpstreamFlavor    flavor;
  char               *client_model;     /* as the client asked, suffix stripped */
  char               *upstream_model;   /* what the request encoder writes */
  const SyIrRequest  *client_request;   /* borrowed; set by the caller after decoding */
  JsonNode           *client_body;      /* the client's JSON request (Responses echoes fields) */
  gint64              now;              /* unix seconds, for "created" fields */
  gboolean            deterministic;    /* tests: ids are counters, not random */
  gboolean            no_fast_path;     /* tests: stream decoders read every event the general way */
  guint               counter;

  /* private */
  GHashTable         *to_upstream;      /* client tool name -> upstream name */
  GHashTable         *to_client;        /* upstream tool name -> client name */
  GHashTable         *to_client_folded; /* lower-case, leading '_' stripped -> client name */
} SyTranslateCtx;

SyTranslateCtx *sy_translate_ctx_new              (SyFormat        client_format,
                                                   SyFormat        upstream_format);
void            sy_translate_ctx_free             (SyTranslateCtx *ctx);
void            sy_translate_ctx_set_models       (SyTranslateCtx *ctx,
                                                   const char     *client_model,
                                                   const char     *upstream_model);
void            sy_translate_ctx_set_client_body  (SyTranslateCtx *ctx,
                                                   JsonNode       *body);

/* Request encoders that must rename tools (Gemini's character set, the
 * 64-character limit of OpenAI names) record each rename; answer decoders
 * look names back up. Lookups of an unknown name return it unchanged. */
void            sy_translate_ctx_add_tool_name    (SyTranslateCtx *ctx,
                                                   const char     *client_name,
                                                   const char     *upstream_name);
const char     *sy_translate_ctx_upstream_tool_name (SyTranslateCtx *ctx,
                                                   const char     *client_name);
const char     *sy_translate_ctx_client_tool_name (SyTranslateCtx *ctx,
                                                   const char     *upstream_name);

/* A fresh id: @prefix followed by 24 random [A-Za-z0-9] (deterministic:
 * @prefix followed by a 4-digit counter). */
char           *sy_translate_ctx_new_id           (SyTranslateCtx *ctx,
                                                   const char     *prefix);

/* Gemini's tool names: [A-Za-z0-9_.:-], first a letter or '_', at most 64. */
char           *sy_tool_name_sanitize_gemini      (const char     *name);
/* OpenAI's 64-character limit: "mcp__" names keep "mcp__" + last "__" segment. */
char           *sy_tool_name_shorten              (const char     *name);

/* -------------------------------------------------------------- streams */

/* One output frame: @event is the SSE event name or NULL; @data the JSON
 * text (or "[DONE]"). The caller frames it (SSE or a JSON array). */
typedef void (*SyFrameFunc) (const char *event,
                             const char *data,
                             gsize       len,
                             gpointer    user_data);

typedef struct _SyStreamDecoder SyStreamDecoder;
typedef struct _SyStreamEncoder SyStreamEncoder;

struct _SyStreamDecoder
{
  /* One upstream SSE event (event name may be NULL; data without "data: ").
   * Emits 0..n IR events. FALSE with @error when the data cannot be read. */
  gboolean (*feed)   (SyStreamDecoder *self,
                      const char      *event,
                      const char      *data,
                      gsize            len,
                      GError         **error);
  /* The upstream closed the stream normally. Emits what is still owed
   * (e.g. FINISH if the upstream never said why it stopped). */
  gboolean (*finish) (SyStreamDecoder *self,
                      GError         **error);
  void     (*free)   (SyStreamDecoder *self);

  SyTranslateCtx *ctx;
  guint           fast_events;  /* events read on a fast path (tests, profiling) */
  SyIrEmitFunc    emit;
  gpointer        emit_data;
};

struct _SyStreamEncoder
{
  /* One IR event in, 0..n frames out. An ERROR event writes the format's
   * error frame(s) and ends the stream: nothing is encoded after it. */
  void     (*encode) (SyStreamEncoder *self,
                      const SyIrEvent *event);
  /* The stream ended normally: closing frames (message_stop,
   * response.completed, [DONE]...), exactly once. */
  void     (*finish) (SyStreamEncoder *self);
  void     (*free)   (SyStreamEncoder *self);

  SyTranslateCtx *ctx;
  SyFrameFunc     frame;
  gpointer        frame_data;
};

gboolean sy_stream_decoder_feed   (SyStreamDecoder *self,
                                   const char      *event,
                                   const char      *data,
                                   gsize            len,
                                   GError         **error);
gboolean sy_stream_decoder_finish (SyStreamDecoder *self,
                                   GError         **error);
void     sy_stream_decoder_free   (SyStreamDecoder *self);
void     sy_stream_encoder_encode (SyStreamEncoder *self,
                                   const SyIrEvent *event);
void     sy_stream_encoder_finish (SyStreamEncoder *self);
void     sy_stream_encoder_free   (SyStreamEncoder *self);

/* ---------------------------------------------------------------- codec */

typedef struct
{
  SyFormat format;

  /* Requests. decode_request also reads the format's token-count body. */
  SyIrRequest  *(*decode_request)       (JsonNode            *body,
                                         SyTranslateCtx      *ctx,
                                         GError             **error);
  JsonNode     *(*encode_request)       (const SyIrRequest   *request,
                                         SyTranslateCtx      *ctx,
                                         GError             **error);

  /* Whole answers. */
  SyIrResponse *(*decode_response)      (JsonNode            *body,
                                         SyTranslateCtx      *ctx,
                                         GError             **error);
  JsonNode     *(*encode_response)      (const SyIrResponse  *response,
                                         SyTranslateCtx      *ctx,
                                         GError             **error);

  /* Streams. */
  SyStreamDecoder *(*stream_decoder_new) (SyTranslateCtx     *ctx,
                                          SyIrEmitFunc        emit,
                                          gpointer            emit_data);
  SyStreamEncoder *(*stream_encoder_new) (SyTranslateCtx     *ctx,
                                          SyFrameFunc         frame,
                                          gpointer            frame_data);

  /* Token counting; NULL where the format has no counting endpoint. */
  JsonNode     *(*encode_count_request)  (const SyIrRequest  *request,
                                          SyTranslateCtx     *ctx,
                                          GError            **error);
  gboolean      (*decode_count_response) (JsonNode           *body,
                                          gint64             *tokens,
                                          GError            **error);
  JsonNode     *(*encode_count_response) (gint64              tokens);
} SyCodec;

const SyCodec *sy_codec_for_format (SyFormat format);

const SyCodec *sy_codec_openai     (void);
const SyCodec *sy_codec_responses  (void);
const SyCodec *sy_codec_claude     (void);
const SyCodec *sy_codec_gemini     (void);
const SyCodec *sy_codec_gemini_cli (void);

/* Small JSON helpers the codecs share. */
gboolean      sy_json_node_is_string (JsonNode *node);   /* NULL-safe */
gboolean      sy_json_node_is_number (JsonNode *node);   /* ints and doubles */
const char   *sy_json_get_string   (JsonObject *object,
                                    const char *member);  /* NULL unless a string */
JsonObject   *sy_json_get_object   (JsonObject *object,
                                    const char *member);  /* NULL unless an object */
JsonArray    *sy_json_get_array    (JsonObject *object,
                                    const char *member);  /* NULL unless an array */
gboolean      sy_json_get_number   (JsonObject *object,
                                    const char *member,
                                    double     *value);   /* ints and doubles */
gboolean      sy_json_get_int      (JsonObject *object,
                                    const char *member,
                                    gint64     *value);   /* integral numbers only */
int           sy_json_get_bool     (JsonObject *object,
                                    const char *member);  /* -1 absent, 0, 1 */
char         *sy_json_to_string    (JsonNode   *node);    /* compact */
JsonNode     *sy_json_parse        (const char *text,
                                    gssize      len,
                                    GError    **error);   /* owned node */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyTranslateCtx, sy_translate_ctx_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyStreamDecoder, sy_stream_decoder_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyStreamEncoder, sy_stream_encoder_free)

G_END_DECLS
