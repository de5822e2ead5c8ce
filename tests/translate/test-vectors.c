/* test-vectors.c: golden vectors for every translation direction
 *
 * Each file under tests/translate/vectors/<dir>/ is one case (request,
 * answer or stream) translated from one wire format to another through the
 * IR and compared structurally with what is expected. Stream cases are also
 * fed split at every byte boundary: the client stream must not change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sy-codec.h"
#include "sy-sse.h"
#include "translate-test-util.h"

static gboolean
format_from_name (const char *name,
                  SyFormat   *format)
{
  static const struct { const char *name; SyFormat format; } names[] = {
    { "openai", SY_FORMAT_OPENAI },
    { "openai-response", SY_FORMAT_OPENAI_RESPONSES },
    { "claude", SY_FORMAT_CLAUDE },
    { "gemini", SY_FORMAT_GEMINI },
    { "gemini-cli", SY_FORMAT_GEMINI_CLI },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (name, names[i].name) == 0)
      {
        *format = names[i].format;
        return TRUE;
      }
  return FALSE;
}

typedef struct
{
  JsonObject     *spec;
  SyFormat        from;
  SyFormat        to;
  SyTranslateCtx *ctx;
  SyIrRequest    *client_request;
} Case;

static void
case_clear (Case *c)
{
  sy_ir_request_free (c->client_request);
  sy_translate_ctx_free (c->ctx);
}

/* The context the way the pipeline sets it up, made deterministic. */
static void
case_setup (Case       *c,
            JsonObject *spec,
            SyFormat    client,
            SyFormat    upstream)
{
  const char *flavor = sy_json_get_string (spec, "flavor");
  const char *client_model = sy_json_get_string (spec, "client_model");
  const char *upstream_model = sy_json_get_string (spec, "upstream_model");

  c->ctx = sy_translate_ctx_new (client, upstream);
  c->ctx->deterministic = TRUE;
  c->ctx->now = 1700000000;
  if (g_strcmp0 (flavor, "codex") == 0)
    c->ctx->flavor = SY_FLAVOR_CODEX;
  else if (g_strcmp0 (flavor, "antigravity") == 0)
    c->ctx->flavor = SY_FLAVOR_ANTIGRAVITY;
  sy_translate_ctx_set_models (c->ctx, client_model ? client_model : "test-model",
                               upstream_model ? upstream_model : "test-model");
}

static void
set_client_request (Case *c)
{
  JsonNode *body = json_object_get_member (c->spec, "client_request");
  const SyCodec *codec = sy_codec_for_format (c->ctx->client_format);
  g_autoptr(GError) error = NULL;

  if (body == NULL)
    return;
  sy_translate_ctx_set_client_body (c->ctx, body);
  g_assert_nonnull (codec->decode_request);
  c->client_request = codec->decode_request (body, c->ctx, &error);
  g_assert_no_error (error);
  c->ctx->client_request = c->client_request;
  /* Encoding the request records the tool renames the answer maps back. */
  if (c->ctx->upstream_format != c->ctx->client_format)
    {
      const SyCodec *up = sy_codec_for_format (c->ctx->upstream_format);
      g_autoptr(JsonNode) encoded = NULL;

      g_assert_nonnull (up->encode_request);
      encoded = up->encode_request (c->client_request, c->ctx, &error);
      g_assert_no_error (error);
    }
}

static void
expect_error (JsonObject   *spec,
              const GError *error)
{
  const char *want = sy_json_get_string (spec, "error");

  g_assert_nonnull (error);
  if (strstr (error->message, want) == NULL)
    g_error ("error \"%s\" does not contain \"%s\"", error->message, want);
}

static void
run_request (Case *c)
{
  const SyCodec *dec = sy_codec_for_format (c->from);
  const SyCodec *enc = sy_codec_for_format (c->to);
  g_autoptr(SyIrRequest) request = NULL;
  g_autoptr(JsonNode) out = NULL;
  g_autoptr(GError) error = NULL;

  case_setup (c, c->spec, c->from, c->to);
  g_assert_nonnull (dec->decode_request);
  g_assert_nonnull (enc->encode_request);
  request = dec->decode_request (json_object_get_member (c->spec, "input"), c->ctx, &error);
  if (request != NULL)
    {
      c->ctx->client_request = request;
      out = enc->encode_request (request, c->ctx, &error);
    }
  if (json_object_has_member (c->spec, "error"))
    {
      expect_error (c->spec, error);
      return;
    }
  g_assert_no_error (error);
  tt_assert_json_equal (out, json_object_get_member (c->spec, "expected"));
}

static void
run_response (Case *c)
{
  const SyCodec *dec = sy_codec_for_format (c->from);
  const SyCodec *enc = sy_codec_for_format (c->to);
  g_autoptr(SyIrResponse) response = NULL;
  g_autoptr(JsonNode) out = NULL;
  g_autoptr(GError) error = NULL;

  case_setup (c, c->spec, c->to, c->from);
  set_client_request (c);
  g_assert_nonnull (dec->decode_response);
  g_assert_nonnull (enc->encode_response);
  response = dec->decode_response (json_object_get_member (c->spec, "input"), c->ctx, &error);
  if (response != NULL)
    out = enc->encode_response (response, c->ctx, &error);
  if (json_object_has_member (c->spec, "error"))
    {
      expect_error (c->spec, error);
      return;
    }
  g_assert_no_error (error);
  tt_assert_json_equal (out, json_object_get_member (c->spec, "expected"));
}

/* ----------------------------------------------------------------- streams */

typedef struct
{
  SyStreamDecoder *decoder;
  SyStreamEncoder *encoder;
  GString         *client;       /* the client's stream as SSE text */
  JsonArray       *frames;       /* [{event, data}], when wanted */
  GError          *error;
  gboolean         ended;        /* an error frame ended the stream */
} Pipe;

static void
on_frame (const char *event,
          const char *data,
          gsize       len,
          gpointer    user_data)
{
  Pipe *pipe = user_data;
  JsonObject *frame;
  g_autofree char *text = NULL;

  sy_sse_append_event (pipe->client, event, data, len);
  if (pipe->frames == NULL)
    return;
  frame = json_object_new ();
  text = g_strndup (data, len);
  if (event != NULL)
    json_object_set_string_member (frame, "event", event);
  else
    json_object_set_null_member (frame, "event");
  if (strcmp (text, "[DONE]") == 0)
    json_object_set_string_member (frame, "data", text);
  else
    json_object_set_member (frame, "data", tt_parse (text));
  json_array_add_object_element (pipe->frames, frame);
}

static void
on_ir_event (const SyIrEvent *event,
             gpointer         user_data)
{
  Pipe *pipe = user_data;

  if (pipe->ended)
    return;
  sy_stream_encoder_encode (pipe->encoder, event);
  if (event->type == SY_IR_EVENT_ERROR)
    pipe->ended = TRUE;
}

static gboolean
on_sse (const SySseEvent *event,
        gpointer          user_data)
{
  Pipe *pipe = user_data;

  if (pipe->error != NULL || pipe->ended)
    return FALSE;
  if (event->data_len == 0 && event->event == NULL)
    return TRUE;
  sy_stream_decoder_feed (pipe->decoder, event->event, event->data, event->data_len, &pipe->error);
  return pipe->error == NULL;
}

/* Every stream vector runs a second time with the decoders' fast paths
 * off: the client must get the same text. */
static gboolean vectors_no_fast_path;

/* Runs the upstream stream through, in pieces cut at @cuts (sorted byte
 * offsets, terminated by 0); returns the client's SSE text, and its frames
 * as JSON when @frames_out is given (split runs only compare the text).
 * NULL after an expected error. */
static char *
run_stream_once (Case        *c,
                 const char  *input,
                 gsize        len,
                 const gsize *cuts,
                 JsonNode   **frames_out)
{
  const SyCodec *dec = sy_codec_for_format (c->from);
  const SyCodec *enc = sy_codec_for_format (c->to);
  g_autoptr(SySseReader) reader = NULL;
  Pipe pipe = { 0 };
  gsize start = 0;
  guint i;

  case_clear (c);
  memset (&c->ctx, 0, sizeof c->ctx);
  c->client_request = NULL;
  case_setup (c, c->spec, c->to, c->from);
  set_client_request (c);
  c->ctx->no_fast_path = vectors_no_fast_path;

  g_assert_nonnull (dec->stream_decoder_new);
  g_assert_nonnull (enc->stream_encoder_new);
  pipe.frames = frames_out != NULL ? json_array_new () : NULL;
  pipe.client = g_string_new (NULL);
  pipe.encoder = enc->stream_encoder_new (c->ctx, on_frame, &pipe);
  pipe.decoder = dec->stream_decoder_new (c->ctx, on_ir_event, &pipe);
  reader = sy_sse_reader_new (on_sse, &pipe);

  for (i = 0; cuts != NULL && cuts[i] != 0; i++)
    {
      g_assert_true (sy_sse_reader_feed (reader, input + start, cuts[i] - start, NULL) || pipe.error);
      start = cuts[i];
    }
  sy_sse_reader_feed (reader, input + start, len - start, NULL);
  sy_sse_reader_finish (reader, NULL);
  if (pipe.error == NULL && !pipe.ended)
    {
      if (sy_stream_decoder_finish (pipe.decoder, &pipe.error))
        {
          if (!pipe.ended)
            sy_stream_encoder_finish (pipe.encoder);
        }
    }
  if (pipe.error != NULL)
    {
      if (pipe.frames)
        json_array_unref (pipe.frames);
      g_string_free (pipe.client, TRUE);
      sy_stream_decoder_free (pipe.decoder);
      sy_stream_encoder_free (pipe.encoder);
      if (json_object_has_member (c->spec, "error"))
        {
          expect_error (c->spec, pipe.error);
          g_error_free (pipe.error);
          return NULL;
        }
      g_error ("stream failed: %s", pipe.error->message);
    }

  sy_stream_decoder_free (pipe.decoder);
  sy_stream_encoder_free (pipe.encoder);
  if (frames_out != NULL)
    {
      *frames_out = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (*frames_out, pipe.frames);
    }
  return g_string_free (pipe.client, FALSE);
}

static void
run_stream (Case *c)
{
  const char *input = sy_json_get_string (c->spec, "input");
  JsonNode *expected = json_object_get_member (c->spec, "expected");
  g_autoptr(JsonNode) whole = NULL;
  g_autofree char *client_text = NULL;
  g_autoptr(GPtrArray) reparsed = NULL;
  gsize len;
  gsize cut;
  gsize *bytes;
  int stride;
  guint i;

  g_assert_nonnull (input);
  len = strlen (input);
  client_text = run_stream_once (c, input, len, NULL, &whole);
  if (client_text == NULL)
    return;   /* an expected error */
  tt_assert_json_equal (whole, expected);
  {
    g_autofree char *general = NULL;

    vectors_no_fast_path = TRUE;
    general = run_stream_once (c, input, len, NULL, NULL);
    vectors_no_fast_path = FALSE;
    g_assert_cmpstr (general, ==, client_text);
  }

  /* The client text is well-formed SSE carrying exactly these frames. */
  reparsed = tt_sse_parse (client_text, strlen (client_text));
  g_assert_cmpuint (reparsed->len, ==, json_array_get_length (json_node_get_array (whole)));
  for (i = 0; i < reparsed->len; i++)
    {
      TtFrame *frame = g_ptr_array_index (reparsed, i);
      JsonObject *want = json_array_get_object_element (json_node_get_array (whole), i);
      const char *event = sy_json_get_string (want, "event");

      g_assert_cmpstr (frame->event, ==, event);
    }

  /* Every split in two, then byte by byte: the same client stream.
   * SY_TEST_SPLIT_STRIDE > 1 tries every n-th split only (sanitizer runs,
   * where the plain run already tried them all). */
  stride = g_getenv ("SY_TEST_SPLIT_STRIDE") ? atoi (g_getenv ("SY_TEST_SPLIT_STRIDE")) : 1;
  if (stride < 1)
    stride = 1;
  for (cut = 1; cut < len; cut += stride)
    {
      gsize cuts[2] = { cut, 0 };
      g_autofree char *split = run_stream_once (c, input, len, cuts, NULL);

      if (g_strcmp0 (split, client_text) != 0)
        g_error ("stream differs when cut at byte %" G_GSIZE_FORMAT, cut);
    }
  bytes = g_new0 (gsize, len + 1);
  for (cut = 1; cut < len; cut++)
    bytes[cut - 1] = cut;
  {
    g_autofree char *single = run_stream_once (c, input, len, bytes, NULL);

    g_assert_cmpstr (single, ==, client_text);
  }
  g_free (bytes);
}

static void
run_vector (const char *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const char *kind;
  Case c = { 0 };

  if (!json_parser_load_from_file (parser, path, &error))
    g_error ("%s: %s", path, error->message);
  c.spec = json_node_get_object (json_parser_get_root (parser));
  kind = sy_json_get_string (c.spec, "kind");
  g_assert_true (format_from_name (sy_json_get_string (c.spec, "from"), &c.from));
  g_assert_true (format_from_name (sy_json_get_string (c.spec, "to"), &c.to));
  g_assert_true (json_object_has_member (c.spec, "expected") || json_object_has_member (c.spec, "error"));

  if (g_strcmp0 (kind, "request") == 0)
    run_request (&c);
  else if (g_strcmp0 (kind, "response") == 0)
    run_response (&c);
  else if (g_strcmp0 (kind, "stream") == 0)
    run_stream (&c);
  else
    g_error ("%s: unknown kind %s", path, kind);
  case_clear (&c);
}

/* Each case runs in a child, so one failing vector does not hide the rest. */
static void
test_vector (gconstpointer data)
{
  if (g_test_subprocess ())
    {
      run_vector (data);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *root = tt_data_path ("vectors");
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = NULL;
  const char *sub;
  guint i;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  dir = g_dir_open (root, 0, NULL);
  while (dir != NULL && (sub = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *subdir = g_build_filename (root, sub, NULL);
      g_autoptr(GDir) inner = g_dir_open (subdir, 0, NULL);
      const char *name;

      while (inner != NULL && (name = g_dir_read_name (inner)) != NULL)
        if (g_str_has_suffix (name, ".json"))
          g_ptr_array_add (files, g_build_filename (subdir, name, NULL));
    }
  g_ptr_array_sort (files, compare_strings);

  for (i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *parent = g_path_get_dirname (path);
      g_autofree char *group = g_path_get_basename (parent);
      g_autofree char *test_path = NULL;

      base[strlen (base) - 5] = '\0';
      test_path = g_strdup_printf ("/vectors/%s/%s", group, base);
      g_test_add_data_func (test_path, path, test_vector);
    }
  if (files->len == 0)
    g_test_message ("no vectors found under %s", root);

  return g_test_run ();
}
