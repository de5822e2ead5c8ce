/* test-codec-responses.c: the OpenAI Responses / Codex codec
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-codec.h"
#include "translate-test-util.h"

#define LONG_NAME "mcp__some_really_long_server_name_for_testing__and_a_namespace__read_file_contents"
#define LONG_PLAIN "a_tool_name_that_is_far_too_long_for_openai_because_it_has_more_than_64_characters_x"

static SyTranslateCtx *
ctx_new (SyUpstreamFlavor flavor)
{
  SyTranslateCtx *ctx = sy_translate_ctx_new (SY_FORMAT_OPENAI_RESPONSES, SY_FORMAT_OPENAI_RESPONSES);

  ctx->deterministic = TRUE;
  ctx->now = 1700000000;
  ctx->flavor = flavor;
  sy_translate_ctx_set_models (ctx, "client-model", "upstream-model");
  return ctx;
}

static SyIrRequest *
decode (SyTranslateCtx *ctx,
        const char     *json)
{
  g_autoptr(JsonNode) body = tt_parse (json);
  g_autoptr(GError) error = NULL;
  SyIrRequest *request = sy_codec_responses ()->decode_request (body, ctx, &error);

  g_assert_no_error (error);
  g_assert_nonnull (request);
  return request;
}

static JsonNode *
encode (SyTranslateCtx    *ctx,
        const SyIrRequest *request)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = sy_codec_responses ()->encode_request (request, ctx, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static SyIrPart *
part_at (SyIrRequest *request,
         guint        message,
         guint        part)
{
  SyIrMessage *m = g_ptr_array_index (request->messages, message);

  return g_ptr_array_index (m->parts, part);
}

/* ------------------------------------------------------------- decoding */

static void
test_decode_full (void)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
  g_autoptr(SyIrRequest) r = decode (ctx,
    "{\"model\":\"gpt-5\",\"instructions\":\"Be brief.\",\"stream\":true,\"user\":\"u1\","
    " \"store\":true,\"max_output_tokens\":100,\"temperature\":0.5,\"top_p\":0.9,"
    " \"parallel_tool_calls\":false,\"top_logprobs\":0,"
    " \"reasoning\":{\"effort\":\"high\",\"summary\":\"detailed\"},"
    " \"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"out\",\"strict\":true,"
    "          \"schema\":{\"type\":\"object\"}}},"
    " \"tool_choice\":{\"type\":\"function\",\"name\":\"get\"},"
    " \"tools\":[{\"type\":\"function\",\"name\":\"get\",\"description\":\"d\","
    "            \"parameters\":{\"type\":\"object\"},\"strict\":true},"
    "           {\"type\":\"web_search_preview\",\"search_context_size\":\"low\"},"
    "           {\"type\":\"file_search\",\"vector_store_ids\":[\"v\"]}],"
    " \"input\":["
    "  {\"role\":\"developer\",\"content\":\"Dev note.\"},"
    "  {\"type\":\"message\",\"role\":\"system\",\"content\":[{\"type\":\"input_text\",\"text\":\"Sys.\"}]},"
    "  {\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"hi\"},"
    "     {\"type\":\"input_image\",\"image_url\":\"data:image/png;base64,AAAA\",\"detail\":\"auto\"},"
    "     {\"type\":\"input_image\",\"image_url\":\"https://x/y.png\"},"
    "     {\"type\":\"input_file\",\"file_data\":\"data:application/pdf;base64,JVBE\",\"filename\":\"a.pdf\"},"
    "     {\"type\":\"input_audio\",\"input_audio\":{\"data\":\"UklG\",\"format\":\"mp3\"}}]},"
    "  {\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[{\"type\":\"summary_text\",\"text\":\"a\"},"
    "     {\"type\":\"summary_text\",\"text\":\"b\"}],\"encrypted_content\":\"ENC\"},"
    "  {\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"ok\"}]},"
    "  {\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"get\",\"arguments\":\"{\\\"a\\\":1}\"},"
    "  {\"type\":\"function_call\",\"call_id\":\"c2\",\"name\":\"get\",\"arguments\":\"\"},"
    "  {\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":\"done\"},"
    "  {\"type\":\"function_call_output\",\"call_id\":\"c2\",\"output\":[{\"type\":\"input_text\",\"text\":\"t\"},"
    "     {\"type\":\"input_image\",\"image_url\":\"data:image/jpeg;base64,BBBB\"}]},"
    "  {\"role\":\"user\",\"content\":\"thanks\"}]}");
  SyIrPart *p;
  SyIrTool *t;

  g_assert_cmpstr (r->model, ==, "gpt-5");
  g_assert_true (r->stream);
  g_assert_cmpstr (r->user, ==, "u1");
  g_assert_cmpint (r->max_tokens, ==, 100);
  g_assert_true (r->has_temperature && r->temperature == 0.5);
  g_assert_true (r->has_top_p && r->top_p == 0.9);
  g_assert_cmpint (r->parallel_tool_calls, ==, 0);
  g_assert_false (r->logprobs);
  g_assert_cmpint (r->reasoning.mode, ==, SY_IR_REASONING_LEVEL);
  g_assert_cmpint (r->reasoning.level, ==, SY_IR_LEVEL_HIGH);
  g_assert_cmpstr (r->reasoning.summary, ==, "detailed");
  g_assert_cmpint (r->response_format, ==, SY_IR_RESPONSE_FORMAT_JSON_SCHEMA);
  g_assert_cmpstr (r->response_schema_name, ==, "out");
  g_assert_cmpint (r->response_schema_strict, ==, 1);
  g_assert_nonnull (r->response_schema);
  g_assert_cmpint (r->tool_choice, ==, SY_IR_TOOL_CHOICE_NAMED);
  g_assert_cmpstr (r->tool_choice_name, ==, "get");

  g_assert_cmpuint (r->tools->len, ==, 3);
  t = g_ptr_array_index (r->tools, 0);
  g_assert_cmpint (t->type, ==, SY_IR_TOOL_FUNCTION);
  g_assert_cmpstr (t->name, ==, "get");
  g_assert_cmpstr (t->description, ==, "d");
  g_assert_cmpint (t->strict, ==, 1);
  g_assert_nonnull (t->parameters);
  t = g_ptr_array_index (r->tools, 1);
  g_assert_cmpint (t->type, ==, SY_IR_TOOL_WEB_SEARCH);
  g_assert_cmpint (t->raw_format, ==, SY_FORMAT_OPENAI_RESPONSES);
  g_assert_nonnull (t->raw);
  t = g_ptr_array_index (r->tools, 2);
  g_assert_cmpint (t->type, ==, SY_IR_TOOL_OTHER);
  g_assert_cmpstr (t->name, ==, "file_search");

  g_assert_cmpuint (r->system->len, ==, 3);
  g_assert_cmpstr (((SyIrPart *) g_ptr_array_index (r->system, 0))->text, ==, "Be brief.");
  g_assert_cmpstr (((SyIrPart *) g_ptr_array_index (r->system, 1))->text, ==, "Dev note.");
  g_assert_cmpstr (((SyIrPart *) g_ptr_array_index (r->system, 2))->text, ==, "Sys.");

  /* user, assistant (thinking, text, 2 calls), user (2 results, text) */
  g_assert_cmpuint (r->messages->len, ==, 3);
  g_assert_cmpuint (((SyIrMessage *) g_ptr_array_index (r->messages, 0))->parts->len, ==, 5);
  p = part_at (r, 0, 0);
  g_assert_cmpstr (p->text, ==, "hi");
  p = part_at (r, 0, 1);
  g_assert_cmpint (p->type, ==, SY_IR_PART_IMAGE);
  g_assert_cmpstr (p->mime_type, ==, "image/png");
  g_assert_cmpstr (p->data, ==, "AAAA");
  p = part_at (r, 0, 2);
  g_assert_cmpstr (p->url, ==, "https://x/y.png");
  g_assert_null (p->data);
  p = part_at (r, 0, 3);
  g_assert_cmpint (p->type, ==, SY_IR_PART_DOCUMENT);
  g_assert_cmpstr (p->mime_type, ==, "application/pdf");
  g_assert_cmpstr (p->data, ==, "JVBE");
  g_assert_cmpstr (p->filename, ==, "a.pdf");
  p = part_at (r, 0, 4);
  g_assert_cmpint (p->type, ==, SY_IR_PART_AUDIO);
  g_assert_cmpstr (p->mime_type, ==, "audio/mpeg");
  g_assert_cmpstr (p->data, ==, "UklG");

  g_assert_cmpint (((SyIrMessage *) g_ptr_array_index (r->messages, 1))->role, ==, SY_IR_ROLE_ASSISTANT);
  g_assert_cmpuint (((SyIrMessage *) g_ptr_array_index (r->messages, 1))->parts->len, ==, 4);
  p = part_at (r, 1, 0);
  g_assert_cmpint (p->type, ==, SY_IR_PART_THINKING);
  g_assert_cmpstr (p->text, ==, "a\n\nb");
  g_assert_cmpstr (p->signature, ==, "openai#ENC");
  p = part_at (r, 1, 1);
  g_assert_cmpstr (p->text, ==, "ok");
  p = part_at (r, 1, 2);
  g_assert_cmpint (p->type, ==, SY_IR_PART_TOOL_CALL);
  g_assert_cmpstr (p->id, ==, "c1");
  g_assert_cmpstr (p->name, ==, "get");
  g_assert_cmpstr (p->arguments, ==, "{\"a\":1}");
  p = part_at (r, 1, 3);
  g_assert_cmpstr (p->arguments, ==, "{}");

  g_assert_cmpint (((SyIrMessage *) g_ptr_array_index (r->messages, 2))->role, ==, SY_IR_ROLE_USER);
  g_assert_cmpuint (((SyIrMessage *) g_ptr_array_index (r->messages, 2))->parts->len, ==, 3);
  p = part_at (r, 2, 0);
  g_assert_cmpint (p->type, ==, SY_IR_PART_TOOL_RESULT);
  g_assert_cmpstr (p->tool_call_id, ==, "c1");
  g_assert_cmpstr (p->name, ==, "get");
  g_assert_cmpuint (p->content->len, ==, 1);
  g_assert_cmpstr (((SyIrPart *) g_ptr_array_index (p->content, 0))->text, ==, "done");
  p = part_at (r, 2, 1);
  g_assert_cmpuint (p->content->len, ==, 2);
  g_assert_cmpint (((SyIrPart *) g_ptr_array_index (p->content, 1))->type, ==, SY_IR_PART_IMAGE);
  p = part_at (r, 2, 2);
  g_assert_cmpstr (p->text, ==, "thanks");

  sy_translate_ctx_free (ctx);
}

static void
test_decode_small (void)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
  g_autoptr(SyIrRequest) a = decode (ctx, "{\"model\":\"m\",\"input\":\"hello\",\"tool_choice\":\"required\","
                                          "\"reasoning\":{\"effort\":\"none\"},\"text\":{\"format\":{\"type\":\"json_object\"}},"
                                          "\"top_logprobs\":3}");
  g_autoptr(SyIrRequest) b = decode (ctx, "{\"input\":[],\"tool_choice\":\"none\",\"reasoning\":{\"effort\":\"auto\"},"
                                          "\"text\":{\"format\":{\"type\":\"text\"}},\"instructions\":\"\","
                                          "\"previous_response_id\":null}");
  g_autoptr(SyIrRequest) c = decode (ctx, "{\"input\":[],\"tool_choice\":\"auto\",\"reasoning\":{\"summary\":\"auto\"},"
                                          "\"tools\":[{\"type\":\"web_search\"}]}");

  g_assert_cmpuint (a->messages->len, ==, 1);
  g_assert_cmpstr (part_at (a, 0, 0)->text, ==, "hello");
  g_assert_cmpint (a->tool_choice, ==, SY_IR_TOOL_CHOICE_REQUIRED);
  g_assert_cmpint (a->reasoning.mode, ==, SY_IR_REASONING_NONE);
  g_assert_cmpint (a->response_format, ==, SY_IR_RESPONSE_FORMAT_JSON_OBJECT);
  g_assert_true (a->logprobs);
  g_assert_cmpint (a->top_logprobs, ==, 3);
  g_assert_false (a->stream);

  g_assert_cmpuint (b->messages->len, ==, 0);
  g_assert_cmpuint (b->system->len, ==, 0);
  g_assert_cmpint (b->tool_choice, ==, SY_IR_TOOL_CHOICE_NONE);
  g_assert_cmpint (b->reasoning.mode, ==, SY_IR_REASONING_AUTO);
  g_assert_cmpint (b->response_format, ==, SY_IR_RESPONSE_FORMAT_TEXT);

  g_assert_cmpint (c->tool_choice, ==, SY_IR_TOOL_CHOICE_AUTO);
  g_assert_cmpint (c->reasoning.mode, ==, SY_IR_REASONING_UNSET);
  g_assert_cmpstr (c->reasoning.summary, ==, "auto");
  g_assert_cmpint (((SyIrTool *) g_ptr_array_index (c->tools, 0))->type, ==, SY_IR_TOOL_WEB_SEARCH);
  g_assert_cmpint (c->max_tokens, ==, SY_IR_UNSET);
  g_assert_cmpint (c->parallel_tool_calls, ==, -1);
  sy_translate_ctx_free (ctx);
}

static const struct
{
  const char *body;
  int         code;
  const char *message;
} decode_errors[] = {
  { "[]", SY_TRANSLATE_ERROR_INVALID, "expected a JSON object" },
  { "{\"model\":\"m\"}", SY_TRANSLATE_ERROR_INVALID, "input: required" },
  { "{\"input\":5}", SY_TRANSLATE_ERROR_INVALID, "input: expected a string or an array" },
  { "{\"input\":\"x\",\"model\":3}", SY_TRANSLATE_ERROR_INVALID, "model: expected a string" },
  { "{\"input\":\"x\",\"instructions\":[]}", SY_TRANSLATE_ERROR_INVALID, "instructions: expected a string" },
  { "{\"input\":\"x\",\"stream\":\"yes\"}", SY_TRANSLATE_ERROR_INVALID, "stream: expected a boolean" },
  { "{\"input\":\"x\",\"temperature\":\"hot\"}", SY_TRANSLATE_ERROR_INVALID, "temperature: expected a number" },
  { "{\"input\":\"x\",\"top_p\":true}", SY_TRANSLATE_ERROR_INVALID, "top_p: expected a number" },
  { "{\"input\":\"x\",\"max_output_tokens\":1.5}", SY_TRANSLATE_ERROR_INVALID, "max_output_tokens: expected a positive integer" },
  { "{\"input\":\"x\",\"max_output_tokens\":0}", SY_TRANSLATE_ERROR_INVALID, "max_output_tokens: expected a positive integer" },
  { "{\"input\":\"x\",\"parallel_tool_calls\":1}", SY_TRANSLATE_ERROR_INVALID, "parallel_tool_calls: expected a boolean" },
  { "{\"input\":\"x\",\"user\":1}", SY_TRANSLATE_ERROR_INVALID, "user: expected a string" },
  { "{\"input\":\"x\",\"top_logprobs\":-1}", SY_TRANSLATE_ERROR_INVALID, "top_logprobs" },
  { "{\"input\":\"x\",\"previous_response_id\":\"resp_1\"}", SY_TRANSLATE_ERROR_UNSUPPORTED,
    "previous_response_id: Switchyard does not store responses; send the whole conversation" },
  { "{\"input\":[3]}", SY_TRANSLATE_ERROR_INVALID, "input[0]: expected an object" },
  { "{\"input\":[{\"content\":\"x\"}]}", SY_TRANSLATE_ERROR_INVALID, "input[0].type: required" },
  { "{\"input\":[{\"type\":7}]}", SY_TRANSLATE_ERROR_INVALID, "input[0].type: expected a string" },
  { "{\"input\":[{\"type\":\"message\",\"content\":\"x\"}]}", SY_TRANSLATE_ERROR_INVALID, "input[0].role: required" },
  { "{\"input\":[{\"role\":\"tool\",\"content\":\"x\"}]}", SY_TRANSLATE_ERROR_INVALID, "input[0].role: expected" },
  { "{\"input\":[{\"role\":\"user\"}]}", SY_TRANSLATE_ERROR_INVALID, "input[0].content: required" },
  { "{\"input\":[{\"role\":\"user\",\"content\":5}]}", SY_TRANSLATE_ERROR_INVALID,
    "input[0].content: expected a string or an array" },
  { "{\"input\":[{\"role\":\"user\",\"content\":[\"x\"]}]}", SY_TRANSLATE_ERROR_INVALID,
    "input[0].content[0]: expected an object" },
  { "{\"input\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}]}", SY_TRANSLATE_ERROR_INVALID,
    "input[0].content[0].type: required" },
  { "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\"}]}]}", SY_TRANSLATE_ERROR_INVALID,
    "input[0].content[0].text: required" },
  { "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":1}]}]}", SY_TRANSLATE_ERROR_INVALID,
    "input[0].content[0].text: expected a string" },
  { "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"file_id\":\"file-1\"}]}]}",
    SY_TRANSLATE_ERROR_UNSUPPORTED, "input[0].content[0].file_id" },
  { "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\"}]}]}", SY_TRANSLATE_ERROR_INVALID,
    "input[0].content[0].image_url: required" },
  { "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\",\"file_id\":\"f\"}]}]}",
    SY_TRANSLATE_ERROR_UNSUPPORTED, "input[0].content[0].file_id" },
  { "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\"}]}]}", SY_TRANSLATE_ERROR_INVALID,
    "input[0].content[0].file_data: required" },
  { "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{}}]}]}",
    SY_TRANSLATE_ERROR_INVALID, "input[0].content[0].input_audio.data: required" },
  { "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_video\"}]}]}", SY_TRANSLATE_ERROR_UNSUPPORTED,
    "input[0].content[0].type: content part \"input_video\"" },
  { "{\"input\":[{\"role\":\"system\",\"content\":[{\"type\":\"input_file\",\"file_data\":\"data:a/b;base64,AA\"}]}]}",
    SY_TRANSLATE_ERROR_UNSUPPORTED, "input[0].content[0]: only text and images" },
  { "{\"input\":[{\"type\":\"function_call\",\"name\":\"f\"}]}", SY_TRANSLATE_ERROR_INVALID, "input[0].call_id: required" },
  { "{\"input\":[{\"type\":\"function_call\",\"call_id\":\"c\"}]}", SY_TRANSLATE_ERROR_INVALID, "input[0].name: required" },
  { "{\"input\":[{\"type\":\"function_call\",\"call_id\":\"c\",\"name\":\"f\",\"arguments\":{}}]}",
    SY_TRANSLATE_ERROR_INVALID, "input[0].arguments: expected a string" },
  { "{\"input\":[{\"type\":\"function_call_output\",\"output\":\"x\"}]}", SY_TRANSLATE_ERROR_INVALID,
    "input[0].call_id: required" },
  { "{\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":3}]}", SY_TRANSLATE_ERROR_INVALID,
    "input[0].output: expected a string or an array" },
  { "{\"input\":[{\"type\":\"reasoning\",\"summary\":\"x\"}]}", SY_TRANSLATE_ERROR_INVALID, "input[0].summary: expected an array" },
  { "{\"input\":[{\"type\":\"reasoning\",\"summary\":[],\"encrypted_content\":5}]}", SY_TRANSLATE_ERROR_INVALID,
    "input[0].encrypted_content: expected a string" },
  { "{\"input\":[{\"type\":\"item_reference\",\"id\":\"x\"}]}", SY_TRANSLATE_ERROR_UNSUPPORTED, "input[0]: item_reference" },
  { "{\"input\":[{\"type\":\"computer_call\"}]}", SY_TRANSLATE_ERROR_UNSUPPORTED, "input[0].type: input item \"computer_call\"" },
  { "{\"input\":\"x\",\"tools\":{}}", SY_TRANSLATE_ERROR_INVALID, "tools: expected an array" },
  { "{\"input\":\"x\",\"tools\":[1]}", SY_TRANSLATE_ERROR_INVALID, "tools[0]: expected an object" },
  { "{\"input\":\"x\",\"tools\":[{}]}", SY_TRANSLATE_ERROR_INVALID, "tools[0].type: required" },
  { "{\"input\":\"x\",\"tools\":[{\"type\":\"function\"}]}", SY_TRANSLATE_ERROR_INVALID, "tools[0].name: required" },
  { "{\"input\":\"x\",\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"parameters\":[]}]}", SY_TRANSLATE_ERROR_INVALID,
    "tools[0].parameters: expected an object" },
  { "{\"input\":\"x\",\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"strict\":\"y\"}]}", SY_TRANSLATE_ERROR_INVALID,
    "tools[0].strict: expected a boolean" },
  { "{\"input\":\"x\",\"tool_choice\":\"any\"}", SY_TRANSLATE_ERROR_INVALID, "tool_choice: expected auto" },
  { "{\"input\":\"x\",\"tool_choice\":3}", SY_TRANSLATE_ERROR_INVALID, "tool_choice: expected a string or an object" },
  { "{\"input\":\"x\",\"tool_choice\":{\"type\":\"function\"}}", SY_TRANSLATE_ERROR_INVALID, "tool_choice.name: required" },
  { "{\"input\":\"x\",\"tool_choice\":{\"type\":\"allowed_tools\"}}", SY_TRANSLATE_ERROR_UNSUPPORTED, "tool_choice: type \"allowed_tools\"" },
  { "{\"input\":\"x\",\"reasoning\":\"high\"}", SY_TRANSLATE_ERROR_INVALID, "reasoning: expected an object" },
  { "{\"input\":\"x\",\"reasoning\":{\"effort\":\"huge\"}}", SY_TRANSLATE_ERROR_INVALID, "reasoning.effort" },
  { "{\"input\":\"x\",\"reasoning\":{\"effort\":1}}", SY_TRANSLATE_ERROR_INVALID, "reasoning.effort: expected a string" },
  { "{\"input\":\"x\",\"reasoning\":{\"summary\":1}}", SY_TRANSLATE_ERROR_INVALID, "reasoning.summary: expected a string" },
  { "{\"input\":\"x\",\"text\":1}", SY_TRANSLATE_ERROR_INVALID, "text: expected an object" },
  { "{\"input\":\"x\",\"text\":{\"format\":\"json\"}}", SY_TRANSLATE_ERROR_INVALID, "text.format: expected an object" },
  { "{\"input\":\"x\",\"text\":{\"format\":{}}}", SY_TRANSLATE_ERROR_INVALID, "text.format.type: required" },
  { "{\"input\":\"x\",\"text\":{\"format\":{\"type\":\"yaml\"}}}", SY_TRANSLATE_ERROR_INVALID, "text.format.type: expected" },
  { "{\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"n\"}}}", SY_TRANSLATE_ERROR_INVALID,
    "text.format.schema: required" },
  { "{\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_schema\",\"schema\":[]}}}", SY_TRANSLATE_ERROR_INVALID,
    "text.format.schema: expected an object" },
  { "{\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_schema\",\"schema\":{},\"strict\":1}}}",
    SY_TRANSLATE_ERROR_INVALID, "text.format.strict: expected a boolean" },
};

static void
test_decode_errors (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (decode_errors); i++)
    {
      SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
      g_autoptr(JsonNode) body = tt_parse (decode_errors[i].body);
      g_autoptr(GError) error = NULL;
      g_autoptr(SyIrRequest) r = sy_codec_responses ()->decode_request (body, ctx, &error);

      g_assert_null (r);
      g_assert_error (error, SY_TRANSLATE_ERROR, decode_errors[i].code);
      if (strstr (error->message, decode_errors[i].message) == NULL)
        g_error ("case %u: \"%s\" lacks \"%s\"", i, error->message, decode_errors[i].message);
      sy_translate_ctx_free (ctx);
    }
}

/* ------------------------------------------------------------- encoding */

static SyIrRequest *
sample_request (void)
{
  SyIrRequest *r = sy_ir_request_new ();
  SyIrMessage *m;
  SyIrPart *p;
  SyIrPart *inner;
  SyIrTool *t;

  r->model = g_strdup ("client-model");
  r->stream = FALSE;
  g_ptr_array_add (r->system, sy_ir_part_new_text ("One."));
  g_ptr_array_add (r->system, sy_ir_part_new_text ("Two."));

  m = sy_ir_request_add_message (r, SY_IR_ROLE_USER);
  sy_ir_message_add (m, sy_ir_part_new_text ("Look"));
  p = sy_ir_part_new (SY_IR_PART_IMAGE);
  p->mime_type = g_strdup ("image/png");
  p->data = g_strdup ("AAAA");
  sy_ir_message_add (m, p);
  p = sy_ir_part_new (SY_IR_PART_DOCUMENT);
  p->mime_type = g_strdup ("application/pdf");
  p->data = g_strdup ("JVBE");
  sy_ir_message_add (m, p);

  m = sy_ir_request_add_message (r, SY_IR_ROLE_ASSISTANT);
  p = sy_ir_part_new (SY_IR_PART_THINKING);
  p->text = g_strdup ("hmm");
  p->signature = g_strdup ("openai#ENC1");
  sy_ir_message_add (m, p);
  p = sy_ir_part_new (SY_IR_PART_THINKING);
  p->text = g_strdup ("claude thought");
  p->signature = g_strdup ("claude#SIG");
  sy_ir_message_add (m, p);
  sy_ir_message_add (m, sy_ir_part_new_text ("Calling"));
  p = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
  p->id = g_strdup ("call_1");
  p->name = g_strdup (LONG_NAME);
  p->arguments = g_strdup ("{\"path\":\"a\"}");
  sy_ir_message_add (m, p);

  m = sy_ir_request_add_message (r, SY_IR_ROLE_USER);
  p = sy_ir_part_new (SY_IR_PART_TOOL_RESULT);
  p->tool_call_id = g_strdup ("call_1");
  p->content = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
  g_ptr_array_add (p->content, sy_ir_part_new_text ("line 1"));
  g_ptr_array_add (p->content, sy_ir_part_new_text ("line 2"));
  sy_ir_message_add (m, p);
  p = sy_ir_part_new (SY_IR_PART_TOOL_RESULT);
  p->tool_call_id = g_strdup ("call_2");
  p->content = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
  g_ptr_array_add (p->content, sy_ir_part_new_text ("see"));
  inner = sy_ir_part_new (SY_IR_PART_IMAGE);
  inner->url = g_strdup ("https://x/i.png");
  g_ptr_array_add (p->content, inner);
  sy_ir_message_add (m, p);
  sy_ir_message_add (m, sy_ir_part_new_text ("Go on"));

  t = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
  t->name = g_strdup (LONG_NAME);
  t->description = g_strdup ("Read");
  t->parameters = tt_parse ("{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}}}");
  g_ptr_array_add (r->tools, t);
  t = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
  t->name = g_strdup ("plain");
  t->strict = 1;
  g_ptr_array_add (r->tools, t);

  r->tool_choice = SY_IR_TOOL_CHOICE_NAMED;
  r->tool_choice_name = g_strdup (LONG_NAME);
  r->parallel_tool_calls = 1;
  r->max_tokens = 256;
  r->has_temperature = TRUE;
  r->temperature = 0.25;
  r->has_top_p = TRUE;
  r->top_p = 0.5;
  r->user = g_strdup ("someone");
  r->reasoning.mode = SY_IR_REASONING_BUDGET;
  r->reasoning.budget = 10000;
  r->response_format = SY_IR_RESPONSE_FORMAT_JSON_SCHEMA;
  r->response_schema = tt_parse ("{\"type\":\"object\"}");
  return r;
}

static const char sample_input[] =
  "[{\"type\":\"message\",\"role\":\"user\",\"content\":["
  "   {\"type\":\"input_text\",\"text\":\"Look\"},"
  "   {\"type\":\"input_image\",\"image_url\":\"data:image/png;base64,AAAA\"},"
  "   {\"type\":\"input_file\",\"filename\":\"document.pdf\",\"file_data\":\"data:application/pdf;base64,JVBE\"}]},"
  " {\"type\":\"reasoning\",\"summary\":[{\"type\":\"summary_text\",\"text\":\"hmm\"}],\"encrypted_content\":\"ENC1\"},"
  " {\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Calling\"}]},"
  " {\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"mcp__read_file_contents\",\"arguments\":\"{\\\"path\\\":\\\"a\\\"}\"},"
  " {\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"line 1\\n\\nline 2\"},"
  " {\"type\":\"function_call_output\",\"call_id\":\"call_2\",\"output\":["
  "   {\"type\":\"input_text\",\"text\":\"see\"},{\"type\":\"input_image\",\"image_url\":\"https://x/i.png\"}]},"
  " {\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Go on\"}]}]";

static const char sample_tools[] =
  "[{\"type\":\"function\",\"name\":\"mcp__read_file_contents\",\"description\":\"Read\","
  "  \"parameters\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}}},\"strict\":false},"
  " {\"type\":\"function\",\"name\":\"plain\",\"parameters\":{\"type\":\"object\",\"properties\":{}},\"strict\":true}]";

static void
test_encode_plain (void)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
  g_autoptr(SyIrRequest) r = sample_request ();
  g_autoptr(JsonNode) out = encode (ctx, r);
  g_autofree char *want = g_strdup_printf (
    "{\"model\":\"upstream-model\",\"instructions\":\"One.\\n\\nTwo.\",\"input\":%s,\"tools\":%s,"
    " \"tool_choice\":{\"type\":\"function\",\"name\":\"mcp__read_file_contents\"},"
    " \"parallel_tool_calls\":true,\"reasoning\":{\"effort\":\"high\",\"summary\":\"auto\"},"
    " \"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"response\",\"schema\":{\"type\":\"object\"}}},"
    " \"max_output_tokens\":256,\"temperature\":0.25,\"top_p\":0.5,\"user\":\"someone\",\"stream\":false}",
    sample_input, sample_tools);
  g_autoptr(JsonNode) expected = tt_parse (want);

  tt_assert_json_equal (out, expected);
  g_assert_cmpstr (sy_translate_ctx_client_tool_name (ctx, "mcp__read_file_contents"), ==, LONG_NAME);
  g_assert_cmpstr (sy_translate_ctx_upstream_tool_name (ctx, LONG_NAME), ==, "mcp__read_file_contents");
  sy_translate_ctx_free (ctx);
}

static void
test_encode_codex (void)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_CODEX);
  g_autoptr(SyIrRequest) r = sample_request ();
  g_autoptr(JsonNode) out = encode (ctx, r);
  g_autofree char *want = g_strdup_printf (
    "{\"model\":\"upstream-model\",\"instructions\":\"One.\\n\\nTwo.\",\"input\":%s,\"tools\":%s,"
    " \"tool_choice\":{\"type\":\"function\",\"name\":\"mcp__read_file_contents\"},"
    " \"parallel_tool_calls\":true,\"reasoning\":{\"effort\":\"high\",\"summary\":\"auto\"},"
    " \"include\":[\"reasoning.encrypted_content\"],"
    " \"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"response\",\"schema\":{\"type\":\"object\"}}},"
    " \"stream\":true,\"store\":false}",
    sample_input, sample_tools);
  g_autoptr(JsonNode) expected = tt_parse (want);
  g_autoptr(SyIrRequest) bare = sy_ir_request_new ();
  g_autoptr(JsonNode) minimal = NULL;
  g_autoptr(JsonNode) minimal_want = tt_parse (
    "{\"model\":\"upstream-model\",\"instructions\":\"\",\"input\":[],"
    " \"reasoning\":{\"effort\":\"medium\",\"summary\":\"auto\"},"
    " \"include\":[\"reasoning.encrypted_content\"],\"stream\":true,\"store\":false}");

  tt_assert_json_equal (out, expected);

  /* No system, no reasoning: instructions "" and the Codex defaults. */
  minimal = encode (ctx, bare);
  tt_assert_json_equal (minimal, minimal_want);
  sy_translate_ctx_free (ctx);
}

static void
test_encode_variants (void)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
  g_autoptr(SyIrRequest) r = sy_ir_request_new ();
  g_autoptr(JsonNode) out = NULL;
  g_autoptr(JsonNode) want = NULL;
  SyIrMessage *m;
  SyIrPart *p;
  SyIrTool *t;

  r->stream = TRUE;
  r->reasoning.mode = SY_IR_REASONING_NONE;
  r->tool_choice = SY_IR_TOOL_CHOICE_REQUIRED;
  r->response_format = SY_IR_RESPONSE_FORMAT_JSON_OBJECT;
  r->seed = 7;              /* no such field: dropped */
  r->top_k = 40;            /* likewise */
  m = sy_ir_request_add_message (r, SY_IR_ROLE_USER);
  p = sy_ir_part_new (SY_IR_PART_AUDIO);
  p->mime_type = g_strdup ("audio/wav");
  p->data = g_strdup ("UklG");
  sy_ir_message_add (m, p);
  p = sy_ir_part_new (SY_IR_PART_DOCUMENT);
  p->url = g_strdup ("https://x/d.pdf");
  sy_ir_message_add (m, p);
  m = sy_ir_request_add_message (r, SY_IR_ROLE_ASSISTANT);
  /* a call that carries an openai signature gets a reasoning item before it */
  p = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
  p->id = g_strdup ("c9");
  p->name = g_strdup ("f");
  p->arguments = g_strdup ("{}");
  p->signature = g_strdup ("openai#SIGX");
  sy_ir_message_add (m, p);
  /* redacted and unsigned thinking is left out */
  p = sy_ir_part_new (SY_IR_PART_THINKING);
  p->redacted = TRUE;
  p->data = g_strdup ("blob");
  sy_ir_message_add (m, p);
  p = sy_ir_part_new (SY_IR_PART_THINKING);
  p->text = g_strdup ("free");
  sy_ir_message_add (m, p);
  t = sy_ir_tool_new (SY_IR_TOOL_WEB_SEARCH);
  t->name = g_strdup ("web_search");
  t->raw = tt_parse ("{\"type\":\"web_search_20250305\",\"name\":\"web_search\",\"allowed_domains\":[\"a.com\"]}");
  t->raw_format = SY_FORMAT_CLAUDE;
  g_ptr_array_add (r->tools, t);
  t = sy_ir_tool_new (SY_IR_TOOL_WEB_SEARCH);
  t->raw = tt_parse ("{\"type\":\"web_search_preview\",\"search_context_size\":\"low\"}");
  t->raw_format = SY_FORMAT_OPENAI_RESPONSES;
  g_ptr_array_add (r->tools, t);

  out = encode (ctx, r);
  want = tt_parse (
    "{\"model\":\"upstream-model\",\"stream\":true,\"tool_choice\":\"required\","
    " \"reasoning\":{\"effort\":\"none\",\"summary\":\"auto\"},\"text\":{\"format\":{\"type\":\"json_object\"}},"
    " \"tools\":[{\"type\":\"web_search\",\"filters\":{\"allowed_domains\":[\"a.com\"]}},"
    "            {\"type\":\"web_search_preview\",\"search_context_size\":\"low\"}],"
    " \"input\":[{\"type\":\"message\",\"role\":\"user\",\"content\":["
    "   {\"type\":\"input_audio\",\"input_audio\":{\"data\":\"UklG\",\"format\":\"wav\"}},"
    "   {\"type\":\"input_file\",\"file_url\":\"https://x/d.pdf\"}]},"
    "  {\"type\":\"reasoning\",\"summary\":[],\"encrypted_content\":\"SIGX\"},"
    "  {\"type\":\"function_call\",\"call_id\":\"c9\",\"name\":\"f\",\"arguments\":\"{}\"}]}");
  tt_assert_json_equal (out, want);

  /* Codex: web_search_preview becomes web_search. */
  ctx->flavor = SY_FLAVOR_CODEX;
  g_clear_pointer (&out, json_node_unref);
  out = encode (ctx, r);
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (json_object_get_array_member (json_node_get_object (out), "tools"), 1),
                     "type"), ==, "web_search");
  g_assert_false (json_object_has_member (json_node_get_object (out), "max_output_tokens"));
  sy_translate_ctx_free (ctx);
}

static void
test_encode_schema_types (void)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
  g_autoptr(SyIrRequest) r = sy_ir_request_new ();
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(JsonNode) out = NULL;
  g_autoptr(JsonNode) want = tt_parse (
    "{\"type\":\"object\",\"properties\":{\"type\":{\"type\":\"string\",\"enum\":[\"OBJECT\"]},"
    " \"n\":{\"type\":[\"integer\",\"null\"]}}}");
  g_autoptr(JsonNode) original = tt_parse (
    "{\"type\":\"OBJECT\",\"properties\":{\"type\":{\"type\":\"STRING\",\"enum\":[\"OBJECT\"]},"
    " \"n\":{\"type\":[\"INTEGER\",\"NULL\"]}}}");
  SyIrTool *t = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);

  /* Gemini's capitalised types, from a sealed parse: lower-cased on a copy. */
  g_assert_true (json_parser_load_from_data (parser,
    "{\"type\":\"OBJECT\",\"properties\":{\"type\":{\"type\":\"STRING\",\"enum\":[\"OBJECT\"]},"
    " \"n\":{\"type\":[\"INTEGER\",\"NULL\"]}}}", -1, NULL));
  t->name = g_strdup ("f");
  t->parameters = json_node_ref (json_parser_get_root (parser));
  g_ptr_array_add (r->tools, t);
  r->response_format = SY_IR_RESPONSE_FORMAT_JSON_SCHEMA;
  r->response_schema = json_node_ref (json_parser_get_root (parser));
  out = encode (ctx, r);
  tt_assert_json_equal (json_object_get_member (
                          json_array_get_object_element (json_object_get_array_member (json_node_get_object (out), "tools"), 0),
                          "parameters"), want);
  tt_assert_json_equal (json_object_get_member (json_object_get_object_member (
                          json_object_get_object_member (json_node_get_object (out), "text"), "format"), "schema"), want);
  tt_assert_json_equal (t->parameters, original);
  sy_translate_ctx_free (ctx);
}

static void
test_encode_errors (void)
{
  static const char *const messages[] = {
    "n: only 1 choice", "stop: stop sequences", "logprobs: not available",
    "presence_penalty", "frequency_penalty", "tools[0]: the built-in tool \"codeExecution\"",
    "messages[0]: images", "messages[0]: images",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (messages); i++)
    {
      SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
      g_autoptr(SyIrRequest) r = sy_ir_request_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) out = NULL;
      SyIrTool *t;
      SyIrPart *p;

      switch (i)
        {
        case 0: r->n = 2; break;
        case 1:
          r->stop = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (r->stop, g_strdup ("END"));
          break;
        case 2: r->logprobs = TRUE; break;
        case 3: r->has_presence_penalty = TRUE; r->presence_penalty = 0.5; break;
        case 4: r->has_frequency_penalty = TRUE; r->frequency_penalty = 0.5; break;
        case 5:
          t = sy_ir_tool_new (SY_IR_TOOL_CODE_EXECUTION);
          t->name = g_strdup ("codeExecution");
          g_ptr_array_add (r->tools, t);
          break;
        case 6:
          p = sy_ir_part_new (SY_IR_PART_IMAGE);
          p->url = g_strdup ("https://x");
          sy_ir_message_add (sy_ir_request_add_message (r, SY_IR_ROLE_ASSISTANT), p);
          break;
        case 7:
          /* found by fuzzing: the parts gathered before the refused one
           * were leaked (a leak check fails without the fix) */
          {
            SyIrMessage *m = sy_ir_request_add_message (r, SY_IR_ROLE_ASSISTANT);

            p = sy_ir_part_new (SY_IR_PART_TEXT);
            p->text = g_strdup ("look:");
            sy_ir_message_add (m, p);
            p = sy_ir_part_new (SY_IR_PART_IMAGE);
            p->url = g_strdup ("https://x");
            sy_ir_message_add (m, p);
          }
          break;
        default:
          break;
        }
      out = sy_codec_responses ()->encode_request (r, ctx, &error);
      g_assert_null (out);
      g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UNSUPPORTED);
      if (strstr (error->message, messages[i]) == NULL)
        g_error ("case %u: \"%s\" lacks \"%s\"", i, error->message, messages[i]);
      sy_translate_ctx_free (ctx);
    }

  /* Zero penalties are the default and pass. */
  {
    SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
    g_autoptr(SyIrRequest) r = sy_ir_request_new ();
    g_autoptr(JsonNode) out = NULL;

    r->has_presence_penalty = TRUE;
    r->n = 1;
    out = encode (ctx, r);
    sy_translate_ctx_free (ctx);
  }
}

static void
test_tool_name_collisions (void)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_CODEX);
  g_autoptr(SyIrRequest) r = sy_ir_request_new ();
  g_autoptr(JsonNode) out = NULL;
  const char *names[] = { LONG_PLAIN, LONG_PLAIN "_second", "mcp__a__read", "mcp__" LONG_PLAIN "__read" };
  JsonArray *tools;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    {
      SyIrTool *t = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);

      t->name = g_strdup (names[i]);
      g_ptr_array_add (r->tools, t);
    }
  out = encode (ctx, r);
  tools = json_object_get_array_member (json_node_get_object (out), "tools");
  g_assert_cmpuint (json_array_get_length (tools), ==, 4);
  for (i = 0; i < 4; i++)
    {
      const char *upstream = json_object_get_string_member (json_array_get_object_element (tools, i), "name");

      g_assert_cmpuint (strlen (upstream), <=, 64);
      g_assert_cmpstr (sy_translate_ctx_client_tool_name (ctx, upstream), ==, names[i]);
    }
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (tools, 2), "name"), ==, "mcp__a__read");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (tools, 3), "name"), ==, "mcp__read");
  g_assert_cmpuint (strlen (json_object_get_string_member (json_array_get_object_element (tools, 1), "name")), ==, 64);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (json_array_get_object_element (tools, 1), "name"), "_1"));
  sy_translate_ctx_free (ctx);
}

/* ---------------------------------------------------------- round trips */

static void
test_request_round_trip (void)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
  g_autoptr(JsonNode) body = tt_parse (
    "{\"model\":\"m\",\"instructions\":\"Sys\",\"stream\":true,\"max_output_tokens\":50,\"temperature\":1,"
    " \"top_p\":0.5,\"user\":\"u\",\"parallel_tool_calls\":true,"
    " \"reasoning\":{\"effort\":\"low\",\"summary\":\"concise\"},"
    " \"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"x\",\"schema\":{\"type\":\"object\"},\"strict\":false}},"
    " \"tool_choice\":\"auto\","
    " \"tools\":[{\"type\":\"function\",\"name\":\"f\",\"parameters\":{\"type\":\"object\"},\"strict\":false},"
    "           {\"type\":\"web_search\"},{\"type\":\"file_search\",\"vector_store_ids\":[]}],"
    " \"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"q\"},"
    "   {\"type\":\"input_image\",\"image_url\":\"data:image/gif;base64,R0lG\"},"
    "   {\"type\":\"input_file\",\"filename\":\"x.pdf\",\"file_data\":\"data:application/pdf;base64,JV\"}]},"
    "  {\"type\":\"reasoning\",\"summary\":[{\"type\":\"summary_text\",\"text\":\"t\"}],\"encrypted_content\":\"E\"},"
    "  {\"type\":\"function_call\",\"call_id\":\"c\",\"name\":\"f\",\"arguments\":\"{\\\"x\\\":1}\"},"
    "  {\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":\"r\"},"
    "  {\"role\":\"assistant\",\"content\":\"a\"},{\"role\":\"user\",\"content\":\"b\"}]}");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyIrRequest) first = sy_codec_responses ()->decode_request (body, ctx, &error);
  g_autoptr(JsonNode) wire = NULL;
  g_autoptr(SyIrRequest) second = NULL;
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;

  g_assert_no_error (error);
  wire = encode (ctx, first);
  second = sy_codec_responses ()->decode_request (wire, ctx, &error);
  g_assert_no_error (error);
  a = sy_ir_request_to_json (first);
  b = sy_ir_request_to_json (second);
  /* The request model is the one asked for; the encoder writes the upstream's. */
  json_object_remove_member (json_node_get_object (a), "model");
  json_object_remove_member (json_node_get_object (b), "model");
  tt_assert_json_equal (b, a);
  sy_translate_ctx_free (ctx);
}

static const char sample_answer[] =
  "{\"id\":\"resp_9\",\"object\":\"response\",\"created_at\":1712345678,\"status\":\"completed\","
  " \"model\":\"gpt-5-codex\",\"error\":null,\"incomplete_details\":null,"
  " \"output\":["
  "  {\"id\":\"rs_1\",\"type\":\"reasoning\",\"summary\":[{\"type\":\"summary_text\",\"text\":\"Plan\"}],"
  "   \"encrypted_content\":\"ENCX\"},"
  "  {\"id\":\"msg_1\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\","
  "   \"content\":[{\"type\":\"output_text\",\"text\":\"Reading.\",\"annotations\":[]}]},"
  "  {\"id\":\"fc_1\",\"type\":\"function_call\",\"status\":\"completed\",\"call_id\":\"call_A\","
  "   \"name\":\"mcp__read_file_contents\",\"arguments\":\"{\\\"path\\\":\\\"x\\\"}\"},"
  "  {\"id\":\"ws_1\",\"type\":\"web_search_call\",\"status\":\"completed\"}],"
  " \"usage\":{\"input_tokens\":1200,\"input_tokens_details\":{\"cached_tokens\":1024},"
  "  \"output_tokens\":80,\"output_tokens_details\":{\"reasoning_tokens\":64},\"total_tokens\":1280}}";

static void
register_long_name (SyTranslateCtx *ctx)
{
  g_autoptr(SyIrRequest) r = sy_ir_request_new ();
  SyIrTool *t = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
  g_autoptr(JsonNode) out = NULL;

  t->name = g_strdup (LONG_NAME);
  g_ptr_array_add (r->tools, t);
  out = encode (ctx, r);
}

static void
test_decode_response (void)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_CODEX);
  g_autoptr(JsonNode) body = tt_parse (sample_answer);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyIrResponse) r = NULL;
  SyIrPart *p;

  register_long_name (ctx);
  r = sy_codec_responses ()->decode_response (body, ctx, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (r->id, ==, "resp_9");
  g_assert_cmpstr (r->model, ==, "gpt-5-codex");
  g_assert_cmpint (r->created, ==, 1712345678);
  g_assert_cmpuint (r->parts->len, ==, 3);
  p = g_ptr_array_index (r->parts, 0);
  g_assert_cmpint (p->type, ==, SY_IR_PART_THINKING);
  g_assert_cmpstr (p->text, ==, "Plan");
  g_assert_cmpstr (p->signature, ==, "openai#ENCX");
  p = g_ptr_array_index (r->parts, 1);
  g_assert_cmpstr (p->text, ==, "Reading.");
  p = g_ptr_array_index (r->parts, 2);
  g_assert_cmpint (p->type, ==, SY_IR_PART_TOOL_CALL);
  g_assert_cmpstr (p->id, ==, "call_A");
  g_assert_cmpstr (p->name, ==, LONG_NAME);
  g_assert_cmpstr (p->arguments, ==, "{\"path\":\"x\"}");
  g_assert_cmpint (r->finish, ==, SY_IR_FINISH_TOOL_CALLS);
  g_assert_cmpstr (r->native_finish, ==, "completed");
  g_assert_cmpint (r->usage.input_tokens, ==, 1200);
  g_assert_cmpint (r->usage.cached_tokens, ==, 1024);
  g_assert_cmpint (r->usage.output_tokens, ==, 80);
  g_assert_cmpint (r->usage.reasoning_tokens, ==, 64);
  g_assert_cmpint (r->usage.total_tokens, ==, 1280);
  sy_translate_ctx_free (ctx);
}

static void
test_decode_response_variants (void)
{
  static const struct { const char *body; SyIrFinish finish; const char *native; } cases[] = {
    { "{\"status\":\"incomplete\",\"incomplete_details\":{\"reason\":\"max_output_tokens\"},\"output\":[]}",
      SY_IR_FINISH_LENGTH, "max_output_tokens" },
    { "{\"status\":\"incomplete\",\"incomplete_details\":{\"reason\":\"content_filter\"},\"output\":[]}",
      SY_IR_FINISH_CONTENT_FILTER, "content_filter" },
    { "{\"status\":\"completed\",\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"refusal\",\"refusal\":\"no\"}]}]}",
      SY_IR_FINISH_STOP, "completed" },
    { "{\"type\":\"response.completed\",\"response\":{\"status\":\"cancelled\",\"output\":[]}}",
      SY_IR_FINISH_ERROR, "cancelled" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
      g_autoptr(JsonNode) body = tt_parse (cases[i].body);
      g_autoptr(GError) error = NULL;
      g_autoptr(SyIrResponse) r = sy_codec_responses ()->decode_response (body, ctx, &error);

      g_assert_no_error (error);
      g_assert_cmpint (r->finish, ==, cases[i].finish);
      g_assert_cmpstr (r->native_finish, ==, cases[i].native);
      g_assert_false (sy_ir_usage_is_set (&r->usage));
      sy_translate_ctx_free (ctx);
    }

  {
    static const char *const bad[] = {
      "[1]", "{\"status\":\"completed\"}",
      "{\"status\":\"failed\",\"error\":{\"code\":\"server_error\",\"message\":\"boom\"},\"output\":[]}",
    };

    for (i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
        g_autoptr(JsonNode) body = tt_parse (bad[i]);
        g_autoptr(GError) error = NULL;
        g_autoptr(SyIrResponse) r = sy_codec_responses ()->decode_response (body, ctx, &error);

        g_assert_null (r);
        g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM);
        if (i == 2)
          g_assert_nonnull (strstr (error->message, "boom"));
        sy_translate_ctx_free (ctx);
      }
  }
}

static void
test_encode_response (void)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
  g_autoptr(SyIrResponse) r = sy_ir_response_new ();
  g_autoptr(JsonNode) client = tt_parse (
    "{\"model\":\"client-model\",\"input\":\"x\",\"instructions\":\"I\",\"max_output_tokens\":99,"
    " \"tools\":[],\"store\":false,\"metadata\":{\"k\":\"v\"},\"temperature\":0.3,\"stream\":false}");
  g_autoptr(JsonNode) out = NULL;
  g_autoptr(JsonNode) want = tt_parse (
    "{\"id\":\"resp_0001\",\"object\":\"response\",\"created_at\":1700000000,\"status\":\"incomplete\","
    " \"error\":null,\"incomplete_details\":{\"reason\":\"max_output_tokens\"},\"model\":\"client-model\","
    " \"output\":["
    "  {\"id\":\"rs_0002\",\"type\":\"reasoning\",\"summary\":[{\"type\":\"summary_text\",\"text\":\"think\"}],"
    "   \"encrypted_content\":\"claude#CS\"},"
    "  {\"id\":\"msg_0003\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":["
    "   {\"type\":\"output_text\",\"text\":\"a\",\"annotations\":[]},{\"type\":\"output_text\",\"text\":\"b\",\"annotations\":[]}]},"
    "  {\"id\":\"rs_0004\",\"type\":\"reasoning\",\"summary\":[],\"encrypted_content\":\"gemini#GS\"},"
    "  {\"id\":\"fc_0005\",\"type\":\"function_call\",\"status\":\"completed\",\"arguments\":\"{}\","
    "   \"call_id\":\"call_x\",\"name\":\"" LONG_NAME "\"},"
    "  {\"id\":\"ig_0006\",\"type\":\"image_generation_call\",\"status\":\"completed\",\"result\":\"IMG\"}],"
    " \"usage\":{\"input_tokens\":10,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":5,"
    "  \"output_tokens_details\":{\"reasoning_tokens\":2},\"total_tokens\":15},"
    " \"instructions\":\"I\",\"max_output_tokens\":99,\"tools\":[],\"store\":false,\"metadata\":{\"k\":\"v\"},"
    " \"temperature\":0.3}");
  SyIrPart *p;

  sy_translate_ctx_set_client_body (ctx, client);
  p = sy_ir_part_new (SY_IR_PART_THINKING);
  p->text = g_strdup ("think");
  p->signature = g_strdup ("claude#CS");
  g_ptr_array_add (r->parts, p);
  p = sy_ir_part_new (SY_IR_PART_THINKING);
  p->redacted = TRUE;
  p->data = g_strdup ("blob");
  g_ptr_array_add (r->parts, p);
  g_ptr_array_add (r->parts, sy_ir_part_new_text ("a"));
  g_ptr_array_add (r->parts, sy_ir_part_new_text ("b"));
  p = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
  p->id = g_strdup ("call_x");
  p->name = g_strdup (LONG_NAME);
  p->arguments = g_strdup ("{}");
  p->signature = g_strdup ("gemini#GS");
  g_ptr_array_add (r->parts, p);
  p = sy_ir_part_new (SY_IR_PART_IMAGE);
  p->mime_type = g_strdup ("image/png");
  p->data = g_strdup ("IMG");
  g_ptr_array_add (r->parts, p);
  r->finish = SY_IR_FINISH_LENGTH;
  r->usage.input_tokens = 10;
  r->usage.output_tokens = 5;
  r->usage.reasoning_tokens = 2;
  r->model = g_strdup ("upstream-model");

  out = sy_codec_responses ()->encode_response (r, ctx, NULL);
  tt_assert_json_equal (out, want);
  sy_translate_ctx_free (ctx);
}

static void
test_response_round_trip (void)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
  g_autoptr(JsonNode) body = tt_parse (sample_answer);
  g_autoptr(SyIrResponse) first = NULL;
  g_autoptr(SyIrResponse) second = NULL;
  g_autoptr(JsonNode) wire = NULL;
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;

  g_free (ctx->client_model);
  ctx->client_model = NULL;
  first = sy_codec_responses ()->decode_response (body, ctx, NULL);
  wire = sy_codec_responses ()->encode_response (first, ctx, NULL);
  second = sy_codec_responses ()->decode_response (wire, ctx, NULL);
  g_assert_nonnull (second);
  a = sy_ir_response_to_json (first);
  b = sy_ir_response_to_json (second);
  tt_assert_json_equal (b, a);
  sy_translate_ctx_free (ctx);
}

/* -------------------------------------------------------------- streams */

typedef struct
{
  GPtrArray *events;   /* char* type */
  GPtrArray *datas;    /* JsonNode* */
} Frames;

static void
collect_frame (const char *event,
               const char *data,
               gsize       len,
               gpointer    user_data)
{
  Frames *f = user_data;
  g_autofree char *text = g_strndup (data, len);

  g_ptr_array_add (f->events, g_strdup (event));
  g_ptr_array_add (f->datas, tt_parse (text));
}

static void
frames_init (Frames *f)
{
  f->events = g_ptr_array_new_with_free_func (g_free);
  f->datas = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
}

static void
frames_clear (Frames *f)
{
  g_ptr_array_unref (f->events);
  g_ptr_array_unref (f->datas);
}

static JsonObject *
frame_data (Frames *f,
            guint   i)
{
  return json_node_get_object (g_ptr_array_index (f->datas, i));
}

static void
emit_text (SyStreamEncoder *enc,
           SyIrEventType    type,
           const char      *text)
{
  SyIrEvent e;

  sy_ir_event_init (&e, type);
  e.text = text;
  e.text_len = strlen (text);
  sy_stream_encoder_encode (enc, &e);
}

/* Checks the grammar of a Responses event stream; returns the final response. */
static JsonObject *
check_grammar (Frames *f)
{
  g_autoptr(GHashTable) open_items = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) item_ids = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  gint64 next_output = 0;
  JsonObject *last;
  guint i;

  g_assert_cmpuint (f->events->len, >=, 3);
  g_assert_cmpstr (g_ptr_array_index (f->events, 0), ==, "response.created");
  g_assert_cmpstr (g_ptr_array_index (f->events, 1), ==, "response.in_progress");
  for (i = 0; i < f->events->len; i++)
    {
      const char *type = g_ptr_array_index (f->events, i);
      JsonObject *data = frame_data (f, i);

      g_assert_cmpstr (json_object_get_string_member (data, "type"), ==, type);
      g_assert_cmpint (json_object_get_int_member (data, "sequence_number"), ==, i + 1);

      if (g_str_equal (type, "response.output_item.added"))
        {
          gint64 index = json_object_get_int_member (data, "output_index");
          JsonObject *item = json_object_get_object_member (data, "item");

          g_assert_cmpint (index, ==, next_output);
          next_output++;
          g_hash_table_add (open_items, GINT_TO_POINTER ((int) index));
          g_hash_table_insert (item_ids, GINT_TO_POINTER ((int) index),
                               g_strdup (json_object_get_string_member (item, "id")));
        }
      else if (g_str_equal (type, "response.output_item.done"))
        {
          gint64 index = json_object_get_int_member (data, "output_index");
          JsonObject *item = json_object_get_object_member (data, "item");

          g_assert_true (g_hash_table_remove (open_items, GINT_TO_POINTER ((int) index)));
          g_assert_cmpstr (json_object_get_string_member (item, "id"), ==,
                           g_hash_table_lookup (item_ids, GINT_TO_POINTER ((int) index)));
        }
      else if (json_object_has_member (data, "item_id"))
        {
          gint64 index = json_object_get_int_member (data, "output_index");

          /* Part and delta events belong to an open item, by index and id. */
          g_assert_true (g_hash_table_contains (open_items, GINT_TO_POINTER ((int) index)));
          g_assert_cmpstr (json_object_get_string_member (data, "item_id"), ==,
                           g_hash_table_lookup (item_ids, GINT_TO_POINTER ((int) index)));
        }
    }
  g_assert_cmpuint (g_hash_table_size (open_items), ==, 0);
  last = frame_data (f, f->events->len - 1);
  g_assert_true (g_str_equal (g_ptr_array_index (f->events, f->events->len - 1), "response.completed") ||
                 g_str_equal (g_ptr_array_index (f->events, f->events->len - 1), "response.incomplete"));
  last = json_object_get_object_member (last, "response");
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (last, "output")), ==, next_output);
  /* completed carries the very items the done events carried */
  for (i = 0; i < f->events->len; i++)
    if (g_str_equal (g_ptr_array_index (f->events, i), "response.output_item.done"))
      {
        JsonObject *data = frame_data (f, i);
        gint64 index = json_object_get_int_member (data, "output_index");

        tt_assert_json_equal (json_object_get_member (data, "item"),
                              json_array_get_element (json_object_get_array_member (last, "output"), index));
      }
  return last;
}

static void
test_stream_encoder_grammar (void)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
  g_autoptr(JsonNode) client = tt_parse ("{\"input\":\"x\",\"tools\":[],\"parallel_tool_calls\":true}");
  SyStreamEncoder *enc;
  Frames f;
  SyIrEvent e;
  JsonObject *response;
  JsonArray *output;
  JsonObject *usage;
  guint i;
  gboolean saw_args_done = FALSE;

  frames_init (&f);
  sy_translate_ctx_set_client_body (ctx, client);
  enc = sy_codec_responses ()->stream_encoder_new (ctx, collect_frame, &f);

  sy_ir_event_init (&e, SY_IR_EVENT_START);
  e.id = "up_1";
  e.model = "upstream-model";
  e.created = 1699999999;
  sy_stream_encoder_encode (enc, &e);
  emit_text (enc, SY_IR_EVENT_THINKING, "Let me ");
  emit_text (enc, SY_IR_EVENT_THINKING, "think.");
  sy_ir_event_init (&e, SY_IR_EVENT_SIGNATURE);
  e.signature = "openai#ENC";
  sy_stream_encoder_encode (enc, &e);
  /* a second signed thinking block is its own reasoning item */
  emit_text (enc, SY_IR_EVENT_THINKING, "More.");
  sy_ir_event_init (&e, SY_IR_EVENT_SIGNATURE);
  e.signature = "claude#CSIG";
  sy_stream_encoder_encode (enc, &e);
  emit_text (enc, SY_IR_EVENT_TEXT, "Hello \"world\"\n");
  emit_text (enc, SY_IR_EVENT_TEXT, "again");
  sy_ir_event_init (&e, SY_IR_EVENT_TOOL_CALL_START);
  e.index = 0;
  e.id = "call_1";
  e.name = LONG_NAME;
  sy_stream_encoder_encode (enc, &e);
  emit_text (enc, SY_IR_EVENT_TOOL_CALL_DELTA, "{\"path\":");
  emit_text (enc, SY_IR_EVENT_TOOL_CALL_DELTA, "\"a\"}");
  sy_ir_event_init (&e, SY_IR_EVENT_TOOL_CALL_END);
  e.index = 0;
  sy_stream_encoder_encode (enc, &e);
  sy_ir_event_init (&e, SY_IR_EVENT_TOOL_CALL_START);
  e.index = 1;
  e.id = "call_2";
  e.name = "other";
  e.signature = "gemini#GSIG";
  sy_stream_encoder_encode (enc, &e);   /* never ended, no arguments: closed at finish with "{}" */
  sy_ir_event_init (&e, SY_IR_EVENT_FINISH);
  e.finish = SY_IR_FINISH_TOOL_CALLS;
  sy_stream_encoder_encode (enc, &e);
  sy_ir_event_init (&e, SY_IR_EVENT_USAGE);
  e.usage.input_tokens = 100;
  e.usage.output_tokens = 20;
  e.usage.cached_tokens = 50;
  e.usage.reasoning_tokens = 5;
  e.usage.total_tokens = 120;
  sy_stream_encoder_encode (enc, &e);
  sy_stream_encoder_finish (enc);
  sy_stream_encoder_finish (enc);   /* only once */

  response = check_grammar (&f);
  g_assert_cmpstr (g_ptr_array_index (f.events, f.events->len - 1), ==, "response.completed");
  g_assert_cmpstr (json_object_get_string_member (response, "id"), ==, "up_1");
  g_assert_cmpstr (json_object_get_string_member (response, "model"), ==, "client-model");
  g_assert_cmpstr (json_object_get_string_member (response, "status"), ==, "completed");
  g_assert_cmpint (json_object_get_int_member (response, "created_at"), ==, 1699999999);
  g_assert_true (json_object_get_boolean_member (response, "parallel_tool_calls"));
  output = json_object_get_array_member (response, "output");
  g_assert_cmpuint (json_array_get_length (output), ==, 6);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (output, 1), "encrypted_content"), ==, "claude#CSIG");
  json_array_remove_element (output, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (output, 0), "encrypted_content"), ==, "ENC");
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (json_object_get_array_member (
                       json_array_get_object_element (output, 0), "summary"), 0), "text"), ==, "Let me think.");
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (json_object_get_array_member (
                       json_array_get_object_element (output, 1), "content"), 0), "text"), ==, "Hello \"world\"\nagain");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (output, 2), "arguments"), ==, "{\"path\":\"a\"}");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (output, 2), "name"), ==, LONG_NAME);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (output, 3), "type"), ==, "reasoning");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (output, 3), "encrypted_content"), ==, "gemini#GSIG");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (output, 4), "arguments"), ==, "{}");
  usage = json_object_get_object_member (response, "usage");
  g_assert_cmpint (json_object_get_int_member (usage, "input_tokens"), ==, 100);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (usage, "input_tokens_details"),
                                               "cached_tokens"), ==, 50);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (usage, "output_tokens_details"),
                                               "reasoning_tokens"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (usage, "total_tokens"), ==, 120);

  for (i = 0; i < f.events->len; i++)
    if (g_str_equal (g_ptr_array_index (f.events, i), "response.function_call_arguments.done") &&
        !saw_args_done)
      {
        saw_args_done = TRUE;
        g_assert_cmpstr (json_object_get_string_member (frame_data (&f, i), "arguments"), ==, "{\"path\":\"a\"}");
      }
  g_assert_true (saw_args_done);
  /* The text delta kept its quotes and newline through the hand-built JSON. */
  for (i = 0; i < f.events->len; i++)
    if (g_str_equal (g_ptr_array_index (f.events, i), "response.output_text.delta"))
      {
        g_assert_cmpstr (json_object_get_string_member (frame_data (&f, i), "delta"), ==, "Hello \"world\"\n");
        g_assert_cmpint (json_object_get_int_member (frame_data (&f, i), "content_index"), ==, 0);
        break;
      }

  sy_stream_encoder_free (enc);
  frames_clear (&f);
  sy_translate_ctx_free (ctx);
}

static void
test_stream_encoder_minimal (void)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
  SyStreamEncoder *enc;
  Frames f;
  SyIrEvent e;
  JsonObject *response;

  /* No START, text, length finish: opening frames synthesized, incomplete at the end. */
  frames_init (&f);
  enc = sy_codec_responses ()->stream_encoder_new (ctx, collect_frame, &f);
  emit_text (enc, SY_IR_EVENT_TEXT, "cut");
  sy_ir_event_init (&e, SY_IR_EVENT_FINISH);
  e.finish = SY_IR_FINISH_LENGTH;
  sy_stream_encoder_encode (enc, &e);
  sy_stream_encoder_finish (enc);
  response = check_grammar (&f);
  g_assert_cmpstr (g_ptr_array_index (f.events, f.events->len - 1), ==, "response.incomplete");
  g_assert_cmpstr (json_object_get_string_member (response, "status"), ==, "incomplete");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (response, "incomplete_details"),
                                                  "reason"), ==, "max_output_tokens");
  g_assert_cmpstr (json_object_get_string_member (response, "id"), ==, "resp_0001");
  g_assert_cmpint (json_object_get_int_member (response, "created_at"), ==, 1700000000);
  g_assert_true (json_object_get_null_member (response, "usage"));
  sy_stream_encoder_free (enc);
  frames_clear (&f);

  /* Nothing at all: still a valid created/in_progress/completed. */
  frames_init (&f);
  enc = sy_codec_responses ()->stream_encoder_new (ctx, collect_frame, &f);
  sy_stream_encoder_finish (enc);
  g_assert_cmpuint (f.events->len, ==, 3);
  check_grammar (&f);
  sy_stream_encoder_free (enc);
  frames_clear (&f);
  sy_translate_ctx_free (ctx);
}

static void
test_stream_encoder_error (void)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
  SyStreamEncoder *enc;
  Frames f;
  SyIrEvent e;
  JsonObject *data;
  guint n;

  frames_init (&f);
  enc = sy_codec_responses ()->stream_encoder_new (ctx, collect_frame, &f);
  emit_text (enc, SY_IR_EVENT_TEXT, "partial");
  n = f.events->len;
  sy_ir_event_init (&e, SY_IR_EVENT_ERROR);
  e.status = 429;
  e.text = "slow down";
  e.text_len = strlen (e.text);
  sy_stream_encoder_encode (enc, &e);
  emit_text (enc, SY_IR_EVENT_TEXT, "more");
  sy_stream_encoder_finish (enc);
  g_assert_cmpuint (f.events->len, ==, n + 1);
  g_assert_cmpstr (g_ptr_array_index (f.events, n), ==, "error");
  data = frame_data (&f, n);
  g_assert_cmpstr (json_object_get_string_member (data, "type"), ==, "error");
  g_assert_cmpstr (json_object_get_string_member (data, "code"), ==, "rate_limit_error");
  g_assert_cmpstr (json_object_get_string_member (data, "message"), ==, "slow down");
  g_assert_cmpint (json_object_get_int_member (data, "sequence_number"), ==, n + 1);
  sy_stream_encoder_free (enc);
  frames_clear (&f);
  sy_translate_ctx_free (ctx);
}

typedef struct
{
  GPtrArray     *types;
  SyIrCollector *collector;
} Events;

static void
collect_event (const SyIrEvent *event,
               gpointer         user_data)
{
  Events *ev = user_data;

  g_ptr_array_add (ev->types, GINT_TO_POINTER (event->type));
  if (event->type == SY_IR_EVENT_THINKING || event->type == SY_IR_EVENT_TEXT ||
      event->type == SY_IR_EVENT_TOOL_CALL_DELTA || event->type == SY_IR_EVENT_ERROR)
    g_assert_cmpuint (event->text_len, ==, strlen (event->text));
  sy_ir_collector_add (event, ev->collector);
}

/* Feeds SSE text (blocks separated by blank lines) to a decoder. */
static gboolean
feed_sse (SyStreamDecoder *dec,
          const char      *text,
          GError         **error)
{
  g_autoptr(GPtrArray) frames = tt_sse_parse (text, strlen (text));
  guint i;

  for (i = 0; i < frames->len; i++)
    {
      TtFrame *frame = g_ptr_array_index (frames, i);

      if (!sy_stream_decoder_feed (dec, frame->event, frame->data, strlen (frame->data), error))
        return FALSE;
    }
  return sy_stream_decoder_finish (dec, error);
}

static const char transcript[] =
  "event: response.created\n"
  "data: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_T\",\"object\":\"response\","
  "\"created_at\":1760000000,\"status\":\"in_progress\",\"model\":\"gpt-5-codex\",\"output\":[]}}\n\n"
  "event: response.in_progress\n"
  "data: {\"type\":\"response.in_progress\",\"sequence_number\":1,\"response\":{\"id\":\"resp_T\",\"status\":\"in_progress\"}}\n\n"
  ": keep-alive\n\n"
  "event: codex.rate_limits\n"
  "data: {\"type\":\"codex.rate_limits\",\"primary\":{\"used_percent\":3}}\n\n"
  "event: response.output_item.added\n"
  "data: {\"type\":\"response.output_item.added\",\"sequence_number\":2,\"output_index\":0,"
  "\"item\":{\"id\":\"rs_A\",\"type\":\"reasoning\",\"summary\":[]}}\n\n"
  "event: response.reasoning_summary_part.added\n"
  "data: {\"type\":\"response.reasoning_summary_part.added\",\"item_id\":\"rs_A\",\"output_index\":0,\"summary_index\":0,"
  "\"part\":{\"type\":\"summary_text\",\"text\":\"\"}}\n\n"
  "event: response.reasoning_summary_text.delta\n"
  "data: {\"type\":\"response.reasoning_summary_text.delta\",\"item_id\":\"rs_A\",\"output_index\":0,\"summary_index\":0,\"delta\":\"**Plan**\"}\n\n"
  "event: response.reasoning_summary_text.done\n"
  "data: {\"type\":\"response.reasoning_summary_text.done\",\"item_id\":\"rs_A\",\"output_index\":0,\"summary_index\":0,\"text\":\"**Plan**\"}\n\n"
  "event: response.reasoning_summary_text.delta\n"
  "data: {\"type\":\"response.reasoning_summary_text.delta\",\"item_id\":\"rs_A\",\"output_index\":0,\"summary_index\":1,\"delta\":\"Read both.\"}\n\n"
  "event: response.output_item.done\n"
  "data: {\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":{\"id\":\"rs_A\",\"type\":\"reasoning\","
  "\"summary\":[{\"type\":\"summary_text\",\"text\":\"**Plan**\"},{\"type\":\"summary_text\",\"text\":\"Read both.\"}],"
  "\"encrypted_content\":\"gAAAENC\"}}\n\n"
  "event: response.output_item.added\n"
  "data: {\"type\":\"response.output_item.added\",\"output_index\":1,\"item\":{\"id\":\"msg_B\",\"type\":\"message\","
  "\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}}\n\n"
  "event: response.content_part.added\n"
  "data: {\"type\":\"response.content_part.added\",\"item_id\":\"msg_B\",\"output_index\":1,\"content_index\":0,"
  "\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[]}}\n\n"
  "event: response.output_text.delta\n"
  "data: {\"type\":\"response.output_text.delta\",\"item_id\":\"msg_B\",\"output_index\":1,\"content_index\":0,\"delta\":\"Reading \"}\n\n"
  "event: response.output_text.delta\n"
  "data: {\"type\":\"response.output_text.delta\",\"item_id\":\"msg_B\",\"output_index\":1,\"content_index\":0,\"delta\":\"files.\"}\n\n"
  "event: response.output_text.done\n"
  "data: {\"type\":\"response.output_text.done\",\"item_id\":\"msg_B\",\"output_index\":1,\"content_index\":0,\"text\":\"Reading files.\"}\n\n"
  "event: response.output_item.done\n"
  "data: {\"type\":\"response.output_item.done\",\"output_index\":1,\"item\":{\"id\":\"msg_B\",\"type\":\"message\","
  "\"status\":\"completed\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Reading files.\"}]}}\n\n"
  "event: response.output_item.added\n"
  "data: {\"type\":\"response.output_item.added\",\"output_index\":2,\"item\":{\"id\":\"fc_C\",\"type\":\"function_call\","
  "\"status\":\"in_progress\",\"call_id\":\"call_C\",\"name\":\"mcp__read_file_contents\",\"arguments\":\"\"}}\n\n"
  "event: response.function_call_arguments.delta\n"
  "data: {\"type\":\"response.function_call_arguments.delta\",\"item_id\":\"fc_C\",\"output_index\":2,\"delta\":\"{\\\"path\\\":\"}\n\n"
  "event: response.function_call_arguments.delta\n"
  "data: {\"type\":\"response.function_call_arguments.delta\",\"item_id\":\"fc_C\",\"output_index\":2,\"delta\":\"\\\"a.txt\\\"}\"}\n\n"
  "event: response.function_call_arguments.done\n"
  "data: {\"type\":\"response.function_call_arguments.done\",\"item_id\":\"fc_C\",\"output_index\":2,\"arguments\":\"{\\\"path\\\":\\\"a.txt\\\"}\"}\n\n"
  "event: response.output_item.done\n"
  "data: {\"type\":\"response.output_item.done\",\"output_index\":2,\"item\":{\"id\":\"fc_C\",\"type\":\"function_call\","
  "\"status\":\"completed\",\"call_id\":\"call_C\",\"name\":\"mcp__read_file_contents\",\"arguments\":\"{\\\"path\\\":\\\"a.txt\\\"}\"}}\n\n"
  /* the second call streams no deltas: arguments.done carries them */
  "data: {\"type\":\"response.output_item.added\",\"output_index\":3,\"item\":{\"id\":\"fc_D\",\"type\":\"function_call\","
  "\"call_id\":\"call_D\",\"name\":\"shell\",\"arguments\":\"\"}}\n\n"
  "data: {\"type\":\"response.function_call_arguments.done\",\"item_id\":\"fc_D\",\"output_index\":3,\"arguments\":\"{\\\"cmd\\\":\\\"ls\\\"}\"}\n\n"
  "data: {\"type\":\"response.output_item.done\",\"output_index\":3,\"item\":{\"id\":\"fc_D\",\"type\":\"function_call\","
  "\"call_id\":\"call_D\",\"name\":\"shell\",\"arguments\":\"{\\\"cmd\\\":\\\"ls\\\"}\"}}\n\n"
  "event: response.completed\n"
  "data: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_T\",\"status\":\"completed\",\"model\":\"gpt-5-codex\","
  "\"output\":[],\"usage\":{\"input_tokens\":1200,\"input_tokens_details\":{\"cached_tokens\":1024},\"output_tokens\":80,"
  "\"output_tokens_details\":{\"reasoning_tokens\":64},\"total_tokens\":1280}}}\n\n"
  "data: [DONE]\n\n";

static void
test_stream_decoder_transcript (void)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_CODEX);
  Events ev = { g_ptr_array_new (), sy_ir_collector_new () };
  SyStreamDecoder *dec;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyIrResponse) r = NULL;
  static const SyIrEventType want[] = {
    SY_IR_EVENT_START, SY_IR_EVENT_THINKING, SY_IR_EVENT_THINKING, SY_IR_EVENT_THINKING, SY_IR_EVENT_SIGNATURE,
    SY_IR_EVENT_TEXT, SY_IR_EVENT_TEXT,
    SY_IR_EVENT_TOOL_CALL_START, SY_IR_EVENT_TOOL_CALL_DELTA, SY_IR_EVENT_TOOL_CALL_DELTA, SY_IR_EVENT_TOOL_CALL_END,
    SY_IR_EVENT_TOOL_CALL_START, SY_IR_EVENT_TOOL_CALL_DELTA, SY_IR_EVENT_TOOL_CALL_END,
    SY_IR_EVENT_USAGE, SY_IR_EVENT_FINISH,
  };
  SyIrPart *p;
  guint i;

  register_long_name (ctx);
  dec = sy_codec_responses ()->stream_decoder_new (ctx, collect_event, &ev);
  g_assert_true (feed_sse (dec, transcript, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (ev.types->len, ==, G_N_ELEMENTS (want));
  for (i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_cmpint (GPOINTER_TO_INT (g_ptr_array_index (ev.types, i)), ==, want[i]);

  r = sy_ir_collector_finish (ev.collector, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (r->id, ==, "resp_T");
  g_assert_cmpstr (r->model, ==, "gpt-5-codex");
  g_assert_cmpint (r->created, ==, 1760000000);
  g_assert_cmpuint (r->parts->len, ==, 4);
  p = g_ptr_array_index (r->parts, 0);
  g_assert_cmpstr (p->text, ==, "**Plan**\n\nRead both.");
  g_assert_cmpstr (p->signature, ==, "openai#gAAAENC");
  p = g_ptr_array_index (r->parts, 1);
  g_assert_cmpstr (p->text, ==, "Reading files.");
  p = g_ptr_array_index (r->parts, 2);
  g_assert_cmpstr (p->id, ==, "call_C");
  g_assert_cmpstr (p->name, ==, LONG_NAME);
  g_assert_cmpstr (p->arguments, ==, "{\"path\":\"a.txt\"}");
  p = g_ptr_array_index (r->parts, 3);
  g_assert_cmpstr (p->name, ==, "shell");
  g_assert_cmpstr (p->arguments, ==, "{\"cmd\":\"ls\"}");
  g_assert_cmpint (r->finish, ==, SY_IR_FINISH_TOOL_CALLS);
  g_assert_cmpint (r->usage.input_tokens, ==, 1200);
  g_assert_cmpint (r->usage.cached_tokens, ==, 1024);
  g_assert_cmpint (r->usage.reasoning_tokens, ==, 64);
  g_assert_cmpint (r->usage.total_tokens, ==, 1280);

  /* The same answer as decode_response gives for the completed object. */
  {
    g_autoptr(SyIrResponse) whole = NULL;
    g_autoptr(JsonNode) body = tt_parse (
      "{\"id\":\"resp_T\",\"created_at\":1760000000,\"status\":\"completed\",\"model\":\"gpt-5-codex\",\"output\":["
      "{\"id\":\"rs_A\",\"type\":\"reasoning\",\"summary\":[{\"type\":\"summary_text\",\"text\":\"**Plan**\"},"
      "{\"type\":\"summary_text\",\"text\":\"Read both.\"}],\"encrypted_content\":\"gAAAENC\"},"
      "{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"Reading files.\"}]},"
      "{\"type\":\"function_call\",\"call_id\":\"call_C\",\"name\":\"mcp__read_file_contents\",\"arguments\":\"{\\\"path\\\":\\\"a.txt\\\"}\"},"
      "{\"type\":\"function_call\",\"call_id\":\"call_D\",\"name\":\"shell\",\"arguments\":\"{\\\"cmd\\\":\\\"ls\\\"}\"}],"
      "\"usage\":{\"input_tokens\":1200,\"input_tokens_details\":{\"cached_tokens\":1024},\"output_tokens\":80,"
      "\"output_tokens_details\":{\"reasoning_tokens\":64},\"total_tokens\":1280}}");
    g_autoptr(JsonNode) a = NULL;
    g_autoptr(JsonNode) b = NULL;

    whole = sy_codec_responses ()->decode_response (body, ctx, &error);
    g_assert_no_error (error);
    a = sy_ir_response_to_json (whole);
    b = sy_ir_response_to_json (r);
    tt_assert_json_equal (b, a);
  }

  sy_stream_decoder_free (dec);
  g_ptr_array_unref (ev.types);
  sy_ir_collector_free (ev.collector);
  sy_translate_ctx_free (ctx);
}

static SyIrResponse *
decode_stream (const char *sse,
               GError    **error)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
  Events ev = { g_ptr_array_new (), sy_ir_collector_new () };
  SyStreamDecoder *dec = sy_codec_responses ()->stream_decoder_new (ctx, collect_event, &ev);
  SyIrResponse *r = NULL;

  if (feed_sse (dec, sse, error))
    r = sy_ir_collector_finish (ev.collector, NULL, error);
  sy_stream_decoder_free (dec);
  g_ptr_array_unref (ev.types);
  sy_ir_collector_free (ev.collector);
  sy_translate_ctx_free (ctx);
  return r;
}

static void
test_stream_decoder_edges (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyIrResponse) r = NULL;
  SyIrPart *p;

  /* Only a completed event: items taken from it; incomplete → LENGTH. */
  r = decode_stream (
    "data: {\"type\":\"response.incomplete\",\"response\":{\"id\":\"r1\",\"status\":\"incomplete\","
    "\"incomplete_details\":{\"reason\":\"max_output_tokens\"},\"output\":["
    "{\"type\":\"reasoning\",\"summary\":[],\"encrypted_content\":\"E\"},"
    "{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"cut\"}]}]}}\n\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->parts->len, ==, 2);
  p = g_ptr_array_index (r->parts, 0);
  g_assert_cmpint (p->type, ==, SY_IR_PART_THINKING);
  g_assert_cmpstr (p->text, ==, "");
  g_assert_cmpstr (p->signature, ==, "openai#E");
  g_assert_cmpstr (((SyIrPart *) g_ptr_array_index (r->parts, 1))->text, ==, "cut");
  g_assert_cmpint (r->finish, ==, SY_IR_FINISH_LENGTH);
  g_assert_cmpstr (r->native_finish, ==, "max_output_tokens");
  g_clear_pointer (&r, sy_ir_response_free);

  /* reasoning_text deltas (open-weight models) are thinking too. */
  r = decode_stream (
    "data: {\"type\":\"response.reasoning_text.delta\",\"item_id\":\"rs\",\"content_index\":0,\"delta\":\"hm\"}\n\n"
    "data: {\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\"delta\":\"ok\"}\n\n"
    "data: {\"type\":\"response.completed\",\"response\":{\"status\":\"completed\",\"output\":[]}}\n\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->parts->len, ==, 2);
  g_assert_cmpstr (((SyIrPart *) g_ptr_array_index (r->parts, 0))->text, ==, "hm");
  g_assert_cmpint (r->finish, ==, SY_IR_FINISH_STOP);
  g_clear_pointer (&r, sy_ir_response_free);

  /* response.failed and error events end the stream with an error. */
  r = decode_stream (
    "event: response.failed\n"
    "data: {\"type\":\"response.failed\",\"response\":{\"status\":\"failed\",\"error\":{\"code\":\"server_error\",\"message\":\"melted\"}}}\n\n",
    &error);
  g_assert_null (r);
  g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM);
  g_assert_nonnull (strstr (error->message, "melted"));
  g_clear_error (&error);

  r = decode_stream ("event: error\ndata: {\"type\":\"error\",\"code\":\"rate_limit_exceeded\",\"message\":\"later\"}\n\n", &error);
  g_assert_null (r);
  g_assert_nonnull (strstr (error->message, "later"));
  g_clear_error (&error);

  /* A cut stream and garbage are upstream errors. */
  r = decode_stream ("data: {\"type\":\"response.output_text.delta\",\"delta\":\"x\"}\n\n", &error);
  g_assert_null (r);
  g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM);
  g_assert_nonnull (strstr (error->message, "response.completed"));
  g_clear_error (&error);

  r = decode_stream ("data: {not json\n\n", &error);
  g_assert_null (r);
  g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM);
  g_clear_error (&error);
}

/* The delta fast path reads exactly what JsonParser would. */
static void
test_stream_decoder_scanner (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyIrResponse) r = NULL;
  SyIrPart *p;

  r = decode_stream (
    "data: {\"type\":\"response.output_text.delta\",\"logprobs\":[{\"t\":[1,\"]}\\\"\"],\"x\":{}}],"
    "\"obfuscation\":\"a\\\\b\",\"item_id\":\"m1\",\"output_index\":0,\"content_index\":0,"
    "\"delta\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\/ tab\\t nl\\n\",\"sequence_number\":7}\n\n"
    /* odd shapes fall back to JsonParser and still work */
    "data:   {\"delta\":\"A\\u0000B\",\"type\":\"response.output_text.delta\",\"item_id\":\"m1\"}  \n\n"
    "data: {\"type\":\"response.output_text.delta\",\"delta\":\"1.5e3 \",\"output_index\":1.0}\n\n"
    "data: {\"type\":\"response.output_text.delta\",\"item_id\":null,\"delta\":\"end\"}\n\n"
    "data: {\"type\":\"response.output_text.delta\",\"item_id\":\"m1\",\"delta\":\"\"}\n\n"
    "data: {\"type\":\"response.completed\",\"response\":{\"status\":\"completed\",\"output\":[]}}\n\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->parts->len, ==, 1);
  p = g_ptr_array_index (r->parts, 0);
  /* "A\u0000B" reaches the IR as "A\uFFFDB" (strings are C strings) */
  g_assert_cmpstr (p->text, ==, "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" / tab\t nl\nA\xef\xbf\xbd" "B1.5e3 end");
}

/* Stream encode → decode gives back the IR of the answer. */
static void
encode_event (const SyIrEvent *event,
              gpointer         user_data)
{
  sy_stream_encoder_encode (user_data, event);
}

static void
frame_to_decoder (const char *event,
                  const char *data,
                  gsize       len,
                  gpointer    user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_stream_decoder_feed (user_data, event, data, len, &error));
  g_assert_no_error (error);
}

static void
test_stream_round_trip (void)
{
  SyTranslateCtx *ctx = ctx_new (SY_FLAVOR_PLAIN);
  g_autoptr(JsonNode) body = tt_parse (sample_answer);
  g_autoptr(SyIrResponse) first = NULL;
  g_autoptr(SyIrResponse) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;
  SyIrCollector *collector = sy_ir_collector_new ();
  SyStreamDecoder *dec;
  SyStreamEncoder *enc;

  g_free (ctx->client_model);
  ctx->client_model = NULL;
  first = sy_codec_responses ()->decode_response (body, ctx, &error);
  g_assert_no_error (error);

  dec = sy_codec_responses ()->stream_decoder_new (ctx, sy_ir_collector_add, collector);
  enc = sy_codec_responses ()->stream_encoder_new (ctx, frame_to_decoder, dec);
  sy_ir_response_emit (first, encode_event, enc);
  sy_stream_encoder_finish (enc);
  g_assert_true (sy_stream_decoder_finish (dec, &error));
  second = sy_ir_collector_finish (collector, NULL, &error);
  g_assert_no_error (error);

  a = sy_ir_response_to_json (first);
  b = sy_ir_response_to_json (second);
  tt_assert_json_equal (b, a);

  sy_stream_encoder_free (enc);
  sy_stream_decoder_free (dec);
  sy_ir_collector_free (collector);
  sy_translate_ctx_free (ctx);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/responses/decode/full", test_decode_full);
  g_test_add_func ("/responses/decode/small", test_decode_small);
  g_test_add_func ("/responses/decode/errors", test_decode_errors);
  g_test_add_func ("/responses/encode/plain", test_encode_plain);
  g_test_add_func ("/responses/encode/codex", test_encode_codex);
  g_test_add_func ("/responses/encode/variants", test_encode_variants);
  g_test_add_func ("/responses/encode/errors", test_encode_errors);
  g_test_add_func ("/responses/encode/schema-types", test_encode_schema_types);
  g_test_add_func ("/responses/encode/tool-names", test_tool_name_collisions);
  g_test_add_func ("/responses/round-trip/request", test_request_round_trip);
  g_test_add_func ("/responses/answer/decode", test_decode_response);
  g_test_add_func ("/responses/answer/decode-variants", test_decode_response_variants);
  g_test_add_func ("/responses/answer/encode", test_encode_response);
  g_test_add_func ("/responses/round-trip/answer", test_response_round_trip);
  g_test_add_func ("/responses/stream/encoder-grammar", test_stream_encoder_grammar);
  g_test_add_func ("/responses/stream/encoder-minimal", test_stream_encoder_minimal);
  g_test_add_func ("/responses/stream/encoder-error", test_stream_encoder_error);
  g_test_add_func ("/responses/stream/decoder-transcript", test_stream_decoder_transcript);
  g_test_add_func ("/responses/stream/decoder-edges", test_stream_decoder_edges);
  g_test_add_func ("/responses/stream/decoder-scanner", test_stream_decoder_scanner);
  g_test_add_func ("/responses/round-trip/stream", test_stream_round_trip);
  return g_test_run ();
}
