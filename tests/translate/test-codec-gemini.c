/* test-codec-gemini.c: the Gemini and Gemini CLI codecs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-codec.h"
#include "translate-test-util.h"

#define SAFETY \
  "[{\"category\":\"HARM_CATEGORY_HARASSMENT\",\"threshold\":\"OFF\"}," \
  "{\"category\":\"HARM_CATEGORY_HATE_SPEECH\",\"threshold\":\"OFF\"}," \
  "{\"category\":\"HARM_CATEGORY_SEXUALLY_EXPLICIT\",\"threshold\":\"OFF\"}," \
  "{\"category\":\"HARM_CATEGORY_DANGEROUS_CONTENT\",\"threshold\":\"OFF\"}," \
  "{\"category\":\"HARM_CATEGORY_CIVIC_INTEGRITY\",\"threshold\":\"BLOCK_NONE\"}]"

static SyTranslateCtx *
new_ctx (SyFormat client,
         SyFormat upstream)
{
  SyTranslateCtx *ctx = sy_translate_ctx_new (client, upstream);

  ctx->deterministic = TRUE;
  ctx->now = 1700000000;
  sy_translate_ctx_set_models (ctx, "client-model", "gemini-2.5-pro");
  return ctx;
}

static SyIrRequest *
decode_ok (const SyCodec  *codec,
           SyTranslateCtx *ctx,
           const char     *json)
{
  g_autoptr(JsonNode) body = tt_parse (json);
  g_autoptr(GError) error = NULL;
  SyIrRequest *request = codec->decode_request (body, ctx, &error);

  g_assert_no_error (error);
  g_assert_nonnull (request);
  return request;
}

static void
assert_ir_request (const SyIrRequest *request,
                   const char        *expected)
{
  g_autoptr(JsonNode) actual = sy_ir_request_to_json (request);
  g_autoptr(JsonNode) want = tt_parse (expected);

  tt_assert_json_equal (actual, want);
}

static JsonNode *
encode_ok (const SyCodec     *codec,
           SyTranslateCtx    *ctx,
           const SyIrRequest *request)
{
  g_autoptr(GError) error = NULL;
  JsonNode *out = codec->encode_request (request, ctx, &error);

  g_assert_no_error (error);
  g_assert_nonnull (out);
  return out;
}

/* Decodes @from with the Gemini codec, encodes it back, compares with @to. */
static void
check_gemini_to_gemini (SyUpstreamFlavor flavor,
                        const char      *from,
                        const char      *to)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI, SY_FORMAT_GEMINI);
  g_autoptr(SyIrRequest) request = NULL;
  g_autoptr(JsonNode) out = NULL;
  g_autoptr(JsonNode) want = tt_parse (to);

  ctx->flavor = flavor;
  request = decode_ok (sy_codec_gemini (), ctx, from);
  out = encode_ok (sy_codec_gemini (), ctx, request);
  tt_assert_json_equal (out, want);
}

/* ------------------------------------------------------ request decoding */

static void
test_decode_request_fields (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI, SY_FORMAT_OPENAI);
  g_autoptr(SyIrRequest) request = decode_ok (sy_codec_gemini (), ctx,
    "{\"model\":\"models/gemini-x\","
    " \"systemInstruction\":{\"role\":\"user\",\"parts\":[{\"text\":\"Be terse.\"},{\"text\":\"Really.\"}]},"
    " \"contents\":["
    "  {\"role\":\"user\",\"parts\":[{\"text\":\"Hi\"},"
    "    {\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"AAA\"}},"
    "    {\"inlineData\":{\"mimeType\":\"application/pdf\",\"data\":\"PDF\"}},"
    "    {\"inlineData\":{\"mimeType\":\"audio/wav\",\"data\":\"WAV\"}},"
    "    {\"fileData\":{\"mimeType\":\"image/jpeg\",\"fileUri\":\"https://x/y.jpg\"}}]},"
    "  {\"role\":\"model\",\"parts\":[{\"text\":\"hmm\",\"thought\":true,\"thoughtSignature\":\"S1\"},"
    "    {\"text\":\"Let me look.\",\"thoughtSignature\":\"S2\"},"
    "    {\"functionCall\":{\"name\":\"look\",\"args\":{\"q\":1}},\"thoughtSignature\":\"S3\"},"
    "    {\"functionCall\":{\"name\":\"look\",\"args\":{\"q\":2}},\"thoughtSignature\":\"skip_thought_signature_validator\"}]},"
    "  {\"role\":\"function\",\"parts\":[{\"functionResponse\":{\"name\":\"look\",\"response\":{\"result\":\"one\"}}},"
    "    {\"functionResponse\":{\"name\":\"look\",\"response\":{\"n\":2}}}]},"
    "  {\"role\":\"user\",\"parts\":[{\"text\":\"thanks\"}]}],"
    " \"tools\":[{\"functionDeclarations\":[{\"name\":\"look\",\"description\":\"Look\","
    "    \"parameters\":{\"type\":\"OBJECT\"}},{\"name\":\"peek\",\"parametersJsonSchema\":{\"type\":\"object\"}}]},"
    "   {\"googleSearch\":{}},{\"codeExecution\":{}},{\"urlContext\":{}},{\"computerUse\":{\"environment\":\"x\"}}],"
    " \"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"ANY\",\"allowedFunctionNames\":[\"look\"]}},"
    " \"safetySettings\":[{\"category\":\"HARM_CATEGORY_HARASSMENT\",\"threshold\":\"BLOCK_NONE\"}],"
    " \"generationConfig\":{\"maxOutputTokens\":100,\"temperature\":0.5,\"topP\":0.9,\"topK\":40,"
    "   \"stopSequences\":[\"END\"],\"candidateCount\":1,\"seed\":7,\"presencePenalty\":0.1,"
    "   \"frequencyPenalty\":0.2,\"responseMimeType\":\"application/json\","
    "   \"responseSchema\":{\"type\":\"object\"},\"responseLogprobs\":true,\"logprobs\":3,"
    "   \"thinkingConfig\":{\"thinkingLevel\":\"HIGH\",\"includeThoughts\":true}}}");

  assert_ir_request (request,
    "{\"model\":\"gemini-x\",\"stream\":false,"
    " \"system\":[{\"type\":\"text\",\"text\":\"Be terse.\"},{\"type\":\"text\",\"text\":\"Really.\"}],"
    " \"messages\":["
    "  {\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"Hi\"},"
    "    {\"type\":\"image\",\"mime_type\":\"image/png\",\"data\":\"AAA\"},"
    "    {\"type\":\"document\",\"mime_type\":\"application/pdf\",\"data\":\"PDF\"},"
    "    {\"type\":\"audio\",\"mime_type\":\"audio/wav\",\"data\":\"WAV\"},"
    "    {\"type\":\"image\",\"mime_type\":\"image/jpeg\",\"url\":\"https://x/y.jpg\"}]},"
    "  {\"role\":\"assistant\",\"parts\":[{\"type\":\"thinking\",\"text\":\"hmm\",\"signature\":\"gemini#S1\"},"
    "    {\"type\":\"text\",\"text\":\"Let me look.\",\"signature\":\"gemini#S2\"},"
    "    {\"type\":\"tool_call\",\"id\":\"call_0001\",\"name\":\"look\",\"arguments\":{\"q\":1},\"signature\":\"gemini#S3\"},"
    "    {\"type\":\"tool_call\",\"id\":\"call_0002\",\"name\":\"look\",\"arguments\":{\"q\":2}}]},"
    "  {\"role\":\"user\",\"parts\":["
    "    {\"type\":\"tool_result\",\"tool_call_id\":\"call_0001\",\"name\":\"look\",\"content\":[{\"type\":\"text\",\"text\":\"one\"}]},"
    "    {\"type\":\"tool_result\",\"tool_call_id\":\"call_0002\",\"name\":\"look\",\"content\":[{\"type\":\"text\",\"text\":\"{\\\"n\\\":2}\"}]},"
    "    {\"type\":\"text\",\"text\":\"thanks\"}]}],"
    " \"tools\":[{\"type\":\"function\",\"name\":\"look\",\"description\":\"Look\",\"parameters\":{\"type\":\"OBJECT\"}},"
    "   {\"type\":\"function\",\"name\":\"peek\",\"parameters\":{\"type\":\"object\"}},"
    "   {\"type\":\"web_search\",\"raw\":{\"googleSearch\":{}}},"
    "   {\"type\":\"code_execution\",\"raw\":{\"codeExecution\":{}}},"
    "   {\"type\":\"url_context\",\"raw\":{\"urlContext\":{}}},"
    "   {\"type\":\"other\",\"name\":\"computerUse\",\"raw\":{\"computerUse\":{\"environment\":\"x\"}}}],"
    " \"tool_choice\":\"named\",\"tool_choice_name\":\"look\","
    " \"max_tokens\":100,\"temperature\":0.5,\"top_p\":0.9,\"top_k\":40,\"stop\":[\"END\"],"
    " \"seed\":7,\"presence_penalty\":0.1,\"frequency_penalty\":0.2,\"n\":1,\"logprobs\":true,\"top_logprobs\":3,"
    " \"response_format\":\"json_schema\",\"response_schema\":{\"type\":\"object\"},"
    " \"reasoning\":{\"mode\":\"level\",\"level\":\"high\",\"include_thoughts\":true}}");
}

static void
test_decode_request_snake_case (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI, SY_FORMAT_OPENAI);
  g_autoptr(SyIrRequest) request = decode_ok (sy_codec_gemini (), ctx,
    "{\"system_instruction\":{\"parts\":[{\"text\":\"S\"}]},"
    " \"contents\":[{\"parts\":[{\"inline_data\":{\"mime_type\":\"image/gif\",\"data\":\"G\"}},"
    "   {\"file_data\":{\"mime_type\":\"application/pdf\",\"file_uri\":\"gs://b/f.pdf\"}}]},"
    "  {\"parts\":[{\"text\":\"model turn\"}]}],"
    " \"tools\":[{\"function_declarations\":[{\"name\":\"f\",\"parameters_json_schema\":{\"type\":\"object\"}}]},"
    "   {\"google_search\":{}}],"
    " \"tool_config\":{\"function_calling_config\":{\"mode\":\"none\"}},"
    " \"generation_config\":{\"max_output_tokens\":5,\"top_p\":1,\"top_k\":2,\"stop_sequences\":[],"
    "   \"response_mime_type\":\"application/json\","
    "   \"thinking_config\":{\"thinking_budget\":-1,\"include_thoughts\":false}}}");

  assert_ir_request (request,
    "{\"stream\":false,\"system\":[{\"type\":\"text\",\"text\":\"S\"}],"
    " \"messages\":[{\"role\":\"user\",\"parts\":[{\"type\":\"image\",\"mime_type\":\"image/gif\",\"data\":\"G\"},"
    "   {\"type\":\"document\",\"mime_type\":\"application/pdf\",\"url\":\"gs://b/f.pdf\"}]},"
    "  {\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"text\":\"model turn\"}]}],"
    " \"tools\":[{\"type\":\"function\",\"name\":\"f\",\"parameters\":{\"type\":\"object\"}},"
    "   {\"type\":\"web_search\",\"raw\":{\"google_search\":{}}}],"
    " \"tool_choice\":\"none\",\"max_tokens\":5,\"top_p\":1,\"top_k\":2,\"stop\":[],"
    " \"response_format\":\"json_object\","
    " \"reasoning\":{\"mode\":\"auto\",\"include_thoughts\":false}}");
}

static void
test_decode_request_thinking (void)
{
  static const struct { const char *config; const char *reasoning; } cases[] = {
    { "{\"thinkingBudget\":0}", "{\"mode\":\"none\"}" },
    { "{\"thinkingBudget\":-1}", "{\"mode\":\"auto\"}" },
    { "{\"thinkingBudget\":2048}", "{\"mode\":\"budget\",\"budget\":2048}" },
    { "{\"thinking_level\":\"Low\"}", "{\"mode\":\"level\",\"level\":\"low\"}" },
    { "{\"includeThoughts\":true}", "{\"mode\":\"unset\",\"include_thoughts\":true}" },
    { "{\"thinkingLevel\":\"minimal\",\"thinkingBudget\":5}", "{\"mode\":\"level\",\"level\":\"minimal\"}" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI, SY_FORMAT_OPENAI);
      g_autofree char *body = g_strdup_printf ("{\"contents\":[],\"generationConfig\":{\"thinkingConfig\":%s}}",
                                               cases[i].config);
      g_autoptr(SyIrRequest) request = decode_ok (sy_codec_gemini (), ctx, body);
      g_autoptr(JsonNode) ir = sy_ir_request_to_json (request);
      g_autoptr(JsonNode) want = tt_parse (cases[i].reasoning);

      tt_assert_json_equal (json_object_get_member (json_node_get_object (ir), "reasoning"), want);
    }
}

static void
test_decode_request_errors (void)
{
  static const struct { const char *body; const char *message; } cases[] = {
    { "[]", "request body" },
    { "{}", "contents: expected an array" },
    { "{\"contents\":{}}", "contents: expected an array" },
    { "{\"contents\":[1]}", "contents[0]: expected an object" },
    { "{\"contents\":[{\"role\":\"user\"}]}", "contents[0].parts: expected an array" },
    { "{\"contents\":[{\"parts\":[\"x\"]}]}", "contents[0].parts[0]: expected an object" },
    { "{\"contents\":[{\"parts\":[{\"text\":5}]}]}", "contents[0].parts[0].text" },
    { "{\"contents\":[{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/png\"}}]}]}", "inlineData.data" },
    { "{\"contents\":[{\"parts\":[{\"fileData\":{\"mimeType\":\"image/png\"}}]}]}", "fileData.fileUri" },
    { "{\"contents\":[{\"parts\":[{\"functionCall\":{\"args\":{}}}]}]}", "contents[0].parts[0].functionCall.name" },
    { "{\"contents\":[{\"parts\":[{\"functionCall\":{\"name\":\"f\",\"args\":[1]}}]}]}", "functionCall.args" },
    { "{\"contents\":[{\"parts\":[{\"functionResponse\":{\"response\":{}}}]}]}", "functionResponse.name" },
    { "{\"contents\":[],\"systemInstruction\":5}", "systemInstruction: expected an object" },
    { "{\"contents\":[],\"systemInstruction\":{\"parts\":{}}}", "systemInstruction.parts" },
    { "{\"contents\":[],\"tools\":{}}", "tools: expected an array" },
    { "{\"contents\":[],\"tools\":[5]}", "tools[0]: expected an object" },
    { "{\"contents\":[],\"tools\":[{\"functionDeclarations\":{}}]}", "tools[0].functionDeclarations" },
    { "{\"contents\":[],\"tools\":[{\"functionDeclarations\":[{}]}]}", "tools[0].functionDeclarations[0].name" },
    { "{\"contents\":[],\"tools\":[{\"functionDeclarations\":[{\"name\":\"f\",\"parameters\":3}]}]}", "parameters" },
    { "{\"contents\":[],\"toolConfig\":[]}", "toolConfig: expected an object" },
    { "{\"contents\":[],\"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"SOMETIMES\"}}}", "functionCallingConfig.mode" },
    { "{\"contents\":[],\"generationConfig\":1}", "generationConfig: expected an object" },
    { "{\"contents\":[],\"generationConfig\":{\"maxOutputTokens\":\"x\"}}", "generationConfig.maxOutputTokens" },
    { "{\"contents\":[],\"generationConfig\":{\"temperature\":\"hot\"}}", "generationConfig.temperature" },
    { "{\"contents\":[],\"generationConfig\":{\"topK\":1.5}}", "generationConfig.topK" },
    { "{\"contents\":[],\"generationConfig\":{\"stopSequences\":\"x\"}}", "generationConfig.stopSequences" },
    { "{\"contents\":[],\"generationConfig\":{\"stopSequences\":[1]}}", "generationConfig.stopSequences[0]" },
    { "{\"contents\":[],\"generationConfig\":{\"thinkingConfig\":{\"thinkingLevel\":\"huge\"}}}", "thinkingLevel" },
    { "{\"contents\":[],\"generationConfig\":{\"thinkingConfig\":{\"thinkingLevel\":3}}}", "thinkingLevel" },
    { "{\"contents\":[],\"generationConfig\":{\"thinkingConfig\":{\"thinkingBudget\":-5}}}", "thinkingBudget" },
    { "{\"contents\":[],\"generationConfig\":{\"thinkingConfig\":{\"thinkingBudget\":\"x\"}}}", "thinkingBudget" },
    { "{\"contents\":[],\"generationConfig\":{\"thinkingConfig\":{\"includeThoughts\":1}}}", "includeThoughts" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI, SY_FORMAT_OPENAI);
      g_autoptr(JsonNode) body = tt_parse (cases[i].body);
      g_autoptr(GError) error = NULL;
      g_autoptr(SyIrRequest) request = sy_codec_gemini ()->decode_request (body, ctx, &error);

      g_assert_null (request);
      g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_INVALID);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: \"%s\" lacks \"%s\"", i, error->message, cases[i].message);
    }
}

static void
test_decode_request_ids (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI, SY_FORMAT_OPENAI);
  /* Two calls of a, one of b, answered out of order by name; explicit ids
   * are kept and matched; an unknown response gets a fresh id. */
  g_autoptr(SyIrRequest) request = decode_ok (sy_codec_gemini (), ctx,
    "{\"contents\":["
    " {\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"a\"}},{\"functionCall\":{\"name\":\"b\",\"args\":{}}},"
    "   {\"functionCall\":{\"name\":\"a\",\"args\":{\"k\":true}}},{\"functionCall\":{\"name\":\"c\",\"id\":\"own\"}}]},"
    " {\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":\"b\",\"response\":{\"result\":\"B\"}}},"
    "   {\"functionResponse\":{\"name\":\"a\",\"response\":{\"result\":\"A1\"}}},"
    "   {\"functionResponse\":{\"name\":\"c\",\"id\":\"own\",\"response\":{\"error\":\"bad\"}}},"
    "   {\"functionResponse\":{\"name\":\"a\",\"response\":{\"result\":{\"x\":1}}}},"
    "   {\"functionResponse\":{\"name\":\"z\"}}]}]}");

  assert_ir_request (request,
    "{\"stream\":false,\"system\":[],\"tools\":[],\"tool_choice\":\"unset\",\"response_format\":\"unset\","
    " \"reasoning\":{\"mode\":\"unset\"},\"messages\":["
    " {\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\",\"id\":\"call_0001\",\"name\":\"a\",\"arguments\":{}},"
    "   {\"type\":\"tool_call\",\"id\":\"call_0002\",\"name\":\"b\",\"arguments\":{}},"
    "   {\"type\":\"tool_call\",\"id\":\"call_0003\",\"name\":\"a\",\"arguments\":{\"k\":true}},"
    "   {\"type\":\"tool_call\",\"id\":\"own\",\"name\":\"c\",\"arguments\":{}}]},"
    " {\"role\":\"user\",\"parts\":["
    "   {\"type\":\"tool_result\",\"tool_call_id\":\"call_0002\",\"name\":\"b\",\"content\":[{\"type\":\"text\",\"text\":\"B\"}]},"
    "   {\"type\":\"tool_result\",\"tool_call_id\":\"call_0001\",\"name\":\"a\",\"content\":[{\"type\":\"text\",\"text\":\"A1\"}]},"
    "   {\"type\":\"tool_result\",\"tool_call_id\":\"own\",\"name\":\"c\",\"is_error\":true,\"content\":[{\"type\":\"text\",\"text\":\"bad\"}]},"
    "   {\"type\":\"tool_result\",\"tool_call_id\":\"call_0003\",\"name\":\"a\",\"content\":[{\"type\":\"text\",\"text\":\"{\\\"result\\\":{\\\"x\\\":1}}\"}]},"
    "   {\"type\":\"tool_result\",\"tool_call_id\":\"call_0004\",\"name\":\"z\",\"content\":[{\"type\":\"text\",\"text\":\"\"}]}]}]}");
}

static void
test_decode_count_bodies (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI, SY_FORMAT_CLAUDE);
  g_autoptr(SyIrRequest) plain = decode_ok (sy_codec_gemini (), ctx,
    "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"count me\"}]}]}");
  g_autoptr(SyIrRequest) wrapped = decode_ok (sy_codec_gemini (), ctx,
    "{\"generateContentRequest\":{\"model\":\"models/gemini-2.5-flash\","
    " \"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"count me\"}]}],"
    " \"systemInstruction\":{\"parts\":[{\"text\":\"sys\"}]},"
    " \"tools\":[{\"functionDeclarations\":[{\"name\":\"f\"}]}]}}");

  g_assert_null (plain->model);
  g_assert_cmpuint (plain->messages->len, ==, 1);
  g_assert_cmpstr (wrapped->model, ==, "gemini-2.5-flash");
  g_assert_cmpuint (wrapped->messages->len, ==, 1);
  g_assert_cmpuint (wrapped->system->len, ==, 1);
  g_assert_cmpuint (wrapped->tools->len, ==, 1);
}

/* ------------------------------------------------------ request encoding */

static void
test_encode_alternation (void)
{
  /* Consecutive same-role contents merge; tool results stay in user turns;
   * empty messages vanish; function ids are not written for plain Gemini. */
  check_gemini_to_gemini (SY_FLAVOR_PLAIN,
    "{\"contents\":["
    " {\"role\":\"user\",\"parts\":[{\"text\":\"one\"}]},"
    " {\"role\":\"user\",\"parts\":[{\"text\":\"two\"}]},"
    " {\"role\":\"model\",\"parts\":[{\"text\":\"thinking\",\"thought\":true}]},"
    " {\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"f\",\"args\":{\"a\":1}}}]},"
    " {\"role\":\"function\",\"parts\":[{\"functionResponse\":{\"name\":\"f\",\"response\":{\"result\":\"ok\"}}}]},"
    " {\"role\":\"user\",\"parts\":[{\"text\":\"\"},{\"text\":\"next\"}]}]}",
    "{\"contents\":["
    " {\"role\":\"user\",\"parts\":[{\"text\":\"one\"},{\"text\":\"two\"}]},"
    " {\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"f\",\"args\":{\"a\":1}},"
    "   \"thoughtSignature\":\"skip_thought_signature_validator\"}]},"
    " {\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":\"f\",\"response\":{\"result\":\"ok\"}}},"
    "   {\"text\":\"next\"}]}],"
    " \"safetySettings\":" SAFETY "}");
}

static SyIrRequest *
request_with_history (void)
{
  SyIrRequest *request = sy_ir_request_new ();
  SyIrMessage *user = sy_ir_request_add_message (request, SY_IR_ROLE_USER);
  SyIrMessage *model = sy_ir_request_add_message (request, SY_IR_ROLE_ASSISTANT);
  SyIrMessage *results = sy_ir_request_add_message (request, SY_IR_ROLE_USER);
  SyIrPart *part, *image;
  SyIrTool *tool;

  sy_ir_message_add (user, sy_ir_part_new_text ("Weather?"));
  part = sy_ir_part_new (SY_IR_PART_IMAGE);
  part->url = g_strdup ("https://example.com/cat.PNG?size=2");
  sy_ir_message_add (user, part);

  part = sy_ir_part_new (SY_IR_PART_THINKING);
  part->text = g_strdup ("claude thought");
  part->signature = g_strdup ("claude#CS");
  sy_ir_message_add (model, part);
  part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
  part->id = g_strdup ("toolu_1");
  part->name = g_strdup ("get weather");
  part->arguments = g_strdup ("{\"city\":\"Paris\"}");
  sy_ir_message_add (model, part);
  part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
  part->id = g_strdup ("toolu_2");
  part->name = g_strdup ("1st.tool");
  part->arguments = g_strdup ("not json");
  sy_ir_message_add (model, part);
  part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
  part->id = g_strdup ("toolu_3");
  part->name = g_strdup ("get weather");
  part->arguments = g_strdup ("{}");
  part->signature = g_strdup ("gemini#G3");
  sy_ir_message_add (model, part);

  part = sy_ir_part_new (SY_IR_PART_TOOL_RESULT);
  part->tool_call_id = g_strdup ("toolu_1");
  part->content = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
  g_ptr_array_add (part->content, sy_ir_part_new_text ("{\"temp\":21}"));
  image = sy_ir_part_new (SY_IR_PART_IMAGE);
  image->mime_type = g_strdup ("image/png");
  image->data = g_strdup ("IMG");
  g_ptr_array_add (part->content, image);
  sy_ir_message_add (results, part);
  part = sy_ir_part_new (SY_IR_PART_TOOL_RESULT);
  part->tool_call_id = g_strdup ("toolu_2");
  part->name = g_strdup ("1st.tool");
  part->is_error = TRUE;
  part->content = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
  g_ptr_array_add (part->content, sy_ir_part_new_text ("boom"));
  sy_ir_message_add (results, part);
  part = sy_ir_part_new (SY_IR_PART_TOOL_RESULT);
  part->tool_call_id = g_strdup ("toolu_3");
  part->content = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
  g_ptr_array_add (part->content, sy_ir_part_new_text ("sunny"));
  sy_ir_message_add (results, part);

  tool = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
  tool->name = g_strdup ("get weather");
  tool->description = g_strdup ("Weather");
  tool->parameters = tt_parse ("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"format\":\"city\"},"
                               "\"unit\":{\"type\":[\"string\",\"null\"]}},\"required\":[\"city\",\"unit\"],"
                               "\"additionalProperties\":false,\"$schema\":\"x\"}");
  g_ptr_array_add (request->tools, tool);
  tool = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
  tool->name = g_strdup ("1st.tool");
  g_ptr_array_add (request->tools, tool);
  tool = sy_ir_tool_new (SY_IR_TOOL_WEB_SEARCH);
  tool->name = g_strdup ("web_search");
  tool->raw = tt_parse ("{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}");
  tool->raw_format = SY_FORMAT_CLAUDE;
  g_ptr_array_add (request->tools, tool);
  g_ptr_array_add (request->tools, sy_ir_tool_new (SY_IR_TOOL_CODE_EXECUTION));
  g_ptr_array_add (request->tools, sy_ir_tool_new (SY_IR_TOOL_URL_CONTEXT));
  request->tool_choice = SY_IR_TOOL_CHOICE_NAMED;
  request->tool_choice_name = g_strdup ("get weather");
  g_ptr_array_add (request->system, sy_ir_part_new_text ("Be terse."));
  return request;
}

static void
test_encode_tools_and_history (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_CLAUDE, SY_FORMAT_GEMINI);
  g_autoptr(SyIrRequest) request = request_with_history ();
  g_autoptr(JsonNode) out = encode_ok (sy_codec_gemini (), ctx, request);
  g_autoptr(JsonNode) want = tt_parse (
    "{\"contents\":["
    " {\"role\":\"user\",\"parts\":[{\"text\":\"Weather?\"},"
    "   {\"fileData\":{\"mimeType\":\"image/png\",\"fileUri\":\"https://example.com/cat.PNG?size=2\"}}]},"
    " {\"role\":\"model\",\"parts\":["
    "   {\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}},\"thoughtSignature\":\"skip_thought_signature_validator\"},"
    "   {\"functionCall\":{\"name\":\"_1st.tool\",\"args\":{}},\"thoughtSignature\":\"skip_thought_signature_validator\"},"
    "   {\"functionCall\":{\"name\":\"get_weather\",\"args\":{}},\"thoughtSignature\":\"G3\"}]},"
    " {\"role\":\"user\",\"parts\":["
    "   {\"functionResponse\":{\"name\":\"get_weather\",\"response\":{\"temp\":21}}},"
    "   {\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"IMG\"}},"
    "   {\"functionResponse\":{\"name\":\"_1st.tool\",\"response\":{\"error\":\"boom\"}}},"
    "   {\"functionResponse\":{\"name\":\"get_weather\",\"response\":{\"result\":\"sunny\"}}}]}],"
    " \"systemInstruction\":{\"parts\":[{\"text\":\"Be terse.\"}]},"
    " \"tools\":[{\"functionDeclarations\":["
    "   {\"name\":\"get_weather\",\"description\":\"Weather\",\"parametersJsonSchema\":{\"type\":\"object\","
    "     \"properties\":{\"city\":{\"type\":\"string\",\"description\":\"format: city\"},"
    "     \"unit\":{\"type\":\"string\",\"description\":\"(nullable)\"}},\"required\":[\"city\"],"
    "     \"description\":\"No extra properties allowed\"}},"
    "   {\"name\":\"_1st.tool\",\"parametersJsonSchema\":{\"type\":\"object\",\"properties\":{}}}]},"
    "  {\"googleSearch\":{}},{\"codeExecution\":{}},{\"urlContext\":{}}],"
    " \"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"ANY\",\"allowedFunctionNames\":[\"get_weather\"]}},"
    " \"safetySettings\":" SAFETY "}");

  tt_assert_json_equal (out, want);
  /* The renames are recorded for the answer. */
  g_assert_cmpstr (sy_translate_ctx_client_tool_name (ctx, "get_weather"), ==, "get weather");
  g_assert_cmpstr (sy_translate_ctx_client_tool_name (ctx, "_1st.tool"), ==, "1st.tool");
  g_assert_cmpstr (sy_translate_ctx_client_tool_name (ctx, "Get_Weather"), ==, "get weather");
}

static void
test_encode_antigravity (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_CLAUDE, SY_FORMAT_GEMINI_CLI);
  g_autoptr(SyIrRequest) request = request_with_history ();
  g_autoptr(JsonNode) out = NULL;
  JsonObject *body;
  JsonArray *contents, *tools;
  g_autoptr(JsonNode) decl = NULL;
  g_autoptr(JsonNode) want_decl = tt_parse (
    "{\"name\":\"_1st.tool\",\"parameters\":{\"type\":\"object\",\"properties\":{\"reason\":{\"type\":\"string\","
    "\"description\":\"Brief explanation of why you are calling this tool\"}},\"required\":[\"reason\"]}}");
  g_autoptr(JsonNode) want_call = tt_parse (
    "{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"},\"id\":\"toolu_1\"},"
    "\"thoughtSignature\":\"skip_thought_signature_validator\"}");
  g_autoptr(JsonNode) want_result = tt_parse (
    "{\"functionResponse\":{\"name\":\"get_weather\",\"id\":\"toolu_1\",\"response\":{\"temp\":21}}}");

  ctx->flavor = SY_FLAVOR_ANTIGRAVITY;
  out = encode_ok (sy_codec_gemini_cli (), ctx, request);
  body = json_node_get_object (out);
  g_assert_cmpstr (json_object_get_string_member (body, "model"), ==, "gemini-2.5-pro");
  g_assert_cmpstr (json_object_get_string_member (body, "project"), ==, "");
  body = json_object_get_object_member (body, "request");
  tools = json_object_get_array_member (body, "tools");
  decl = json_node_copy (json_array_get_element (
           json_object_get_array_member (json_array_get_object_element (tools, 0), "functionDeclarations"), 1));
  tt_assert_json_equal (decl, want_decl);
  contents = json_object_get_array_member (body, "contents");
  tt_assert_json_equal (json_array_get_element (
                          json_object_get_array_member (json_array_get_object_element (contents, 1), "parts"), 0),
                        want_call);
  tt_assert_json_equal (json_array_get_element (
                          json_object_get_array_member (json_array_get_object_element (contents, 2), "parts"), 0),
                        want_result);
}

static void
test_encode_signatures (void)
{
  /* A signed empty thought before an unsigned call donates its signature;
   * a signed thought with text stays a thought; an unsigned one is dropped. */
  check_gemini_to_gemini (SY_FLAVOR_PLAIN,
    "{\"contents\":[{\"role\":\"model\",\"parts\":["
    " {\"text\":\"\",\"thought\":true,\"thoughtSignature\":\"D\"},"
    " {\"functionCall\":{\"name\":\"f\",\"args\":{}}},"
    " {\"text\":\"plan\",\"thought\":true,\"thoughtSignature\":\"T\"},"
    " {\"functionCall\":{\"name\":\"g\",\"args\":{}},\"thoughtSignature\":\"OWN\"},"
    " {\"thoughtSignature\":\"LONE\"},"
    " {\"text\":\"unsigned thought\",\"thought\":true},"
    " {\"text\":\"answer\",\"thoughtSignature\":\"A\"}]}]}",
    "{\"contents\":[{\"role\":\"model\",\"parts\":["
    " {\"functionCall\":{\"name\":\"f\",\"args\":{}},\"thoughtSignature\":\"D\"},"
    " {\"text\":\"plan\",\"thought\":true,\"thoughtSignature\":\"T\"},"
    " {\"functionCall\":{\"name\":\"g\",\"args\":{}},\"thoughtSignature\":\"OWN\"},"
    " {\"text\":\"\",\"thought\":true,\"thoughtSignature\":\"LONE\"},"
    " {\"text\":\"answer\",\"thoughtSignature\":\"A\"}]}],"
    " \"safetySettings\":" SAFETY "}");
  /* Foreign (wrapped) signatures never reach Gemini as its own. */
  check_gemini_to_gemini (SY_FLAVOR_PLAIN,
    "{\"contents\":[{\"role\":\"model\",\"parts\":["
    " {\"text\":\"c\",\"thought\":true,\"thoughtSignature\":\"claude#C\"},"
    " {\"functionCall\":{\"name\":\"f\",\"args\":{}},\"thoughtSignature\":\"openai#O\"}]}]}",
    "{\"contents\":[{\"role\":\"model\",\"parts\":["
    " {\"functionCall\":{\"name\":\"f\",\"args\":{}},\"thoughtSignature\":\"skip_thought_signature_validator\"}]}],"
    " \"safetySettings\":" SAFETY "}");
}

static void
test_encode_generation_config (void)
{
  check_gemini_to_gemini (SY_FLAVOR_PLAIN,
    "{\"contents\":[],\"safetySettings\":[],"
    " \"generationConfig\":{\"maxOutputTokens\":64,\"temperature\":0.3,\"topP\":0.8,\"topK\":5,"
    "  \"stopSequences\":[\"x\",\"y\"],\"seed\":3,\"presencePenalty\":0.5,\"frequencyPenalty\":-0.5,"
    "  \"candidateCount\":1,\"responseMimeType\":\"application/json\","
    "  \"responseSchema\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"format\":\"email\"}}},"
    "  \"thinkingConfig\":{\"thinkingBudget\":1024}}}",
    "{\"contents\":[],"
    " \"generationConfig\":{\"maxOutputTokens\":64,\"temperature\":0.3,\"topP\":0.8,\"topK\":5,"
    "  \"stopSequences\":[\"x\",\"y\"],\"seed\":3,\"presencePenalty\":0.5,\"frequencyPenalty\":-0.5,"
    "  \"responseMimeType\":\"application/json\","
    "  \"responseJsonSchema\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"format\":\"email\"}}},"
    "  \"thinkingConfig\":{\"thinkingBudget\":1024,\"includeThoughts\":true}},"
    " \"safetySettings\":" SAFETY "}");
}

static void
test_encode_reasoning (void)
{
  static const struct { SyIrReasoningMode mode; SyIrLevel level; gint64 budget; int include; const char *want; } cases[] = {
    { SY_IR_REASONING_LEVEL, SY_IR_LEVEL_HIGH, 0, -1, "{\"thinkingLevel\":\"high\",\"includeThoughts\":true}" },
    { SY_IR_REASONING_LEVEL, SY_IR_LEVEL_LOW, 0, 0, "{\"thinkingLevel\":\"low\",\"includeThoughts\":false}" },
    { SY_IR_REASONING_BUDGET, 0, 8192, -1, "{\"thinkingBudget\":8192,\"includeThoughts\":true}" },
    { SY_IR_REASONING_AUTO, 0, 0, -1, "{\"thinkingBudget\":-1,\"includeThoughts\":true}" },
    { SY_IR_REASONING_NONE, 0, 0, -1, "{\"thinkingBudget\":0,\"includeThoughts\":false}" },
    { SY_IR_REASONING_UNSET, 0, 0, -1, NULL },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_GEMINI);
      g_autoptr(SyIrRequest) request = sy_ir_request_new ();
      g_autoptr(JsonNode) out = NULL;
      JsonObject *config;

      request->reasoning.mode = cases[i].mode;
      request->reasoning.level = cases[i].level;
      request->reasoning.budget = cases[i].budget;
      request->reasoning.include_thoughts = cases[i].include;
      out = encode_ok (sy_codec_gemini (), ctx, request);
      config = sy_json_get_object (json_node_get_object (out), "generationConfig");
      if (cases[i].want == NULL)
        g_assert_null (config);
      else
        {
          g_autoptr(JsonNode) want = tt_parse (cases[i].want);

          tt_assert_json_equal (json_object_get_member (config, "thinkingConfig"), want);
        }
    }
}

static void
test_encode_unsupported (void)
{
  static const char *messages[] = {
    "n: only 1 choice", "logprobs: not available", "tools[0]: the built-in tool \"computer\"",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (messages); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_GEMINI);
      g_autoptr(SyIrRequest) request = sy_ir_request_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) out = NULL;

      if (i == 0)
        request->n = 2;
      else if (i == 1)
        request->logprobs = TRUE;
      else
        {
          SyIrTool *tool = sy_ir_tool_new (SY_IR_TOOL_OTHER);

          tool->name = g_strdup ("computer");
          tool->raw = tt_parse ("{\"type\":\"computer_20250124\"}");
          tool->raw_format = SY_FORMAT_CLAUDE;
          g_ptr_array_add (request->tools, tool);
        }
      out = sy_codec_gemini ()->encode_request (request, ctx, &error);
      g_assert_null (out);
      g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UNSUPPORTED);
      g_assert_nonnull (strstr (error->message, messages[i]));
    }

  /* A result whose call is unknown cannot be named. */
  {
    g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_GEMINI);
    g_autoptr(SyIrRequest) request = sy_ir_request_new ();
    SyIrPart *part = sy_ir_part_new (SY_IR_PART_TOOL_RESULT);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) out = NULL;

    part->tool_call_id = g_strdup ("nope");
    sy_ir_message_add (sy_ir_request_add_message (request, SY_IR_ROLE_USER), part);
    out = sy_codec_gemini ()->encode_request (request, ctx, &error);
    g_assert_null (out);
    g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_INVALID);
  }
}

static void
test_request_round_trip (void)
{
  const char *body =
    "{\"systemInstruction\":{\"parts\":[{\"text\":\"sys\"}]},"
    " \"contents\":["
    "  {\"role\":\"user\",\"parts\":[{\"text\":\"Hi\"},{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"AAA\"}},"
    "    {\"fileData\":{\"mimeType\":\"application/pdf\",\"fileUri\":\"gs://x\"}}]},"
    "  {\"role\":\"model\",\"parts\":[{\"text\":\"t\",\"thought\":true,\"thoughtSignature\":\"S\"},"
    "    {\"functionCall\":{\"name\":\"f\",\"args\":{\"a\":[1,2]}},\"thoughtSignature\":\"F\"},"
    "    {\"functionCall\":{\"name\":\"f\",\"args\":{}}}]},"
    "  {\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":\"f\",\"response\":{\"result\":\"r\"}}},"
    "    {\"functionResponse\":{\"name\":\"f\",\"response\":{\"error\":\"e\"}}}]}],"
    " \"tools\":[{\"functionDeclarations\":[{\"name\":\"f\",\"description\":\"d\","
    "   \"parametersJsonSchema\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}}}}]},"
    "   {\"googleSearch\":{\"timeRangeFilter\":{}}}],"
    " \"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"ANY\"}},"
    " \"generationConfig\":{\"maxOutputTokens\":9,\"temperature\":1,\"stopSequences\":[\"s\"],"
    "   \"responseMimeType\":\"application/json\",\"thinkingConfig\":{\"thinkingLevel\":\"low\",\"includeThoughts\":false}}}";
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI, SY_FORMAT_GEMINI);
  g_autoptr(SyIrRequest) first = decode_ok (sy_codec_gemini (), ctx, body);
  g_autoptr(JsonNode) encoded = encode_ok (sy_codec_gemini (), ctx, first);
  g_autoptr(SyTranslateCtx) ctx2 = new_ctx (SY_FORMAT_GEMINI, SY_FORMAT_GEMINI);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyIrRequest) second = sy_codec_gemini ()->decode_request (encoded, ctx2, &error);
  g_autoptr(JsonNode) a = sy_ir_request_to_json (first);
  g_autoptr(JsonNode) b = NULL;

  g_assert_no_error (error);
  b = sy_ir_request_to_json (second);
  tt_assert_json_equal (b, a);
}

/* ------------------------------------------------------- whole answers */

static SyIrResponse *
decode_response_ok (const SyCodec  *codec,
                    SyTranslateCtx *ctx,
                    const char     *json)
{
  g_autoptr(JsonNode) body = tt_parse (json);
  g_autoptr(GError) error = NULL;
  SyIrResponse *response = codec->decode_response (body, ctx, &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);
  return response;
}

static void
assert_ir_response (const SyIrResponse *response,
                    const char         *expected)
{
  g_autoptr(JsonNode) actual = sy_ir_response_to_json (response);
  g_autoptr(JsonNode) want = tt_parse (expected);

  tt_assert_json_equal (actual, want);
}

static void
test_decode_response (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_GEMINI);
  g_autoptr(SyIrResponse) response = NULL;

  sy_translate_ctx_add_tool_name (ctx, "get weather", "get_weather");
  response = decode_response_ok (sy_codec_gemini (), ctx,
    "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":["
    "   {\"text\":\"plan\",\"thought\":true},{\"text\":\"\",\"thoughtSignature\":\"SIG\"},"
    "   {\"text\":\"Calling.\"},"
    "   {\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}},\"thoughtSignature\":\"FS\"},"
    "   {\"functionCall\":{\"name\":\"other\",\"id\":\"fc-7\"}},"
    "   {\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"IMG\"}}]},"
    "  \"finishReason\":\"STOP\",\"index\":0}],"
    " \"usageMetadata\":{\"promptTokenCount\":40,\"candidatesTokenCount\":6,\"totalTokenCount\":60,"
    "  \"thoughtsTokenCount\":14,\"cachedContentTokenCount\":8},"
    " \"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"abc123\",\"createTime\":\"2026-04-14T10:00:00.000000Z\"}");

  assert_ir_response (response,
    "{\"id\":\"abc123\",\"model\":\"gemini-2.5-flash\",\"created\":1776160800,\"finish\":\"tool_calls\","
    " \"parts\":[{\"type\":\"thinking\",\"text\":\"plan\"},"
    "  {\"type\":\"text\",\"text\":\"\",\"signature\":\"gemini#SIG\"},"
    "  {\"type\":\"text\",\"text\":\"Calling.\"},"
    "  {\"type\":\"tool_call\",\"id\":\"call_0001\",\"name\":\"get weather\",\"arguments\":{\"city\":\"Paris\"},"
    "   \"signature\":\"gemini#FS\"},"
    "  {\"type\":\"tool_call\",\"id\":\"fc-7\",\"name\":\"other\",\"arguments\":{}},"
    "  {\"type\":\"image\",\"mime_type\":\"image/png\",\"data\":\"IMG\"}],"
    " \"usage\":{\"input_tokens\":40,\"output_tokens\":20,\"total_tokens\":60,\"reasoning_tokens\":14,"
    "  \"cached_tokens\":8}}");
  g_assert_cmpstr (response->native_finish, ==, "STOP");
}

static void
test_decode_response_finish (void)
{
  static const struct { const char *reason; const char *finish; } cases[] = {
    { "STOP", "stop" }, { "MAX_TOKENS", "length" }, { "SAFETY", "content_filter" },
    { "RECITATION", "content_filter" }, { "BLOCKLIST", "content_filter" },
    { "PROHIBITED_CONTENT", "content_filter" }, { "SPII", "content_filter" },
    { "MALFORMED_FUNCTION_CALL", "error" }, { "OTHER", "error" },
    { "FINISH_REASON_UNSPECIFIED", "stop" }, { NULL, "stop" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_GEMINI);
      g_autofree char *body = cases[i].reason
        ? g_strdup_printf ("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]},\"finishReason\":\"%s\"}]}",
                           cases[i].reason)
        : g_strdup ("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]}}]}");
      g_autoptr(SyIrResponse) response = decode_response_ok (sy_codec_gemini (), ctx, body);
      g_autoptr(JsonNode) ir = sy_ir_response_to_json (response);

      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (ir), "finish"), ==, cases[i].finish);
      g_assert_cmpstr (response->native_finish, ==, cases[i].reason);
    }
}

static void
test_decode_response_blocked_and_errors (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_GEMINI);
  g_autoptr(SyIrResponse) blocked = decode_response_ok (sy_codec_gemini (), ctx,
    "{\"promptFeedback\":{\"blockReason\":\"SAFETY\"},\"usageMetadata\":{\"promptTokenCount\":3}}");
  static const char *bad[] = {
    "[1]", "{\"error\":{\"code\":429,\"message\":\"quota\",\"status\":\"RESOURCE_EXHAUSTED\"}}",
    "{\"candidates\":[5]}",
  };
  guint i;

  assert_ir_response (blocked, "{\"finish\":\"content_filter\",\"parts\":[],\"usage\":{\"input_tokens\":3}}");
  g_assert_cmpstr (blocked->native_finish, ==, "SAFETY");
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) body = tt_parse (bad[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(SyIrResponse) response = sy_codec_gemini ()->decode_response (body, ctx, &error);

      g_assert_null (response);
      g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM);
    }
}

static void
test_encode_response (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI, SY_FORMAT_CLAUDE);
  g_autoptr(SyIrResponse) response = sy_ir_response_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) out = NULL;
  g_autoptr(JsonNode) want = tt_parse (
    "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":["
    "  {\"text\":\"why\",\"thought\":true,\"thoughtSignature\":\"claude#CS\"},"
    "  {\"text\":\"Hello\"},"
    "  {\"functionCall\":{\"id\":\"toolu_9\",\"name\":\"f\",\"args\":{\"a\":1}},\"thoughtSignature\":\"GS\"},"
    "  {\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"IMG\"}}]},"
    "  \"finishReason\":\"MAX_TOKENS\",\"index\":0}],"
    " \"usageMetadata\":{\"promptTokenCount\":10,\"candidatesTokenCount\":5,\"totalTokenCount\":17,"
    "  \"thoughtsTokenCount\":2,\"cachedContentTokenCount\":4},"
    " \"modelVersion\":\"client-model\",\"responseId\":\"msg_1\",\"createTime\":\"2023-11-14T22:13:20Z\"}");
  SyIrPart *part;

  response->id = g_strdup ("msg_1");
  response->model = g_strdup ("claude-x");
  part = sy_ir_part_new (SY_IR_PART_THINKING);
  part->text = g_strdup ("why");
  part->signature = g_strdup ("claude#CS");
  g_ptr_array_add (response->parts, part);
  part = sy_ir_part_new (SY_IR_PART_THINKING);
  part->redacted = TRUE;
  part->data = g_strdup ("opaque");
  g_ptr_array_add (response->parts, part);
  g_ptr_array_add (response->parts, sy_ir_part_new_text ("Hello"));
  part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
  part->id = g_strdup ("toolu_9");
  part->name = g_strdup ("f");
  part->arguments = g_strdup ("{\"a\":1}");
  part->signature = g_strdup ("gemini#GS");
  g_ptr_array_add (response->parts, part);
  part = sy_ir_part_new (SY_IR_PART_IMAGE);
  part->mime_type = g_strdup ("image/png");
  part->data = g_strdup ("IMG");
  g_ptr_array_add (response->parts, part);
  response->finish = SY_IR_FINISH_LENGTH;
  response->usage.input_tokens = 10;
  response->usage.output_tokens = 7;
  response->usage.reasoning_tokens = 2;
  response->usage.cached_tokens = 4;

  out = sy_codec_gemini ()->encode_response (response, ctx, &error);
  g_assert_no_error (error);
  tt_assert_json_equal (out, want);
}

static void
test_response_round_trip (void)
{
  const char *body =
    "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":["
    "  {\"text\":\"t\",\"thought\":true,\"thoughtSignature\":\"S\"},{\"text\":\"hi\"},"
    "  {\"functionCall\":{\"id\":\"c1\",\"name\":\"f\",\"args\":{\"x\":\"y\"}},\"thoughtSignature\":\"F\"}]},"
    "  \"finishReason\":\"STOP\",\"index\":0}],"
    " \"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":3,\"totalTokenCount\":9,\"thoughtsTokenCount\":2},"
    " \"modelVersion\":\"m\",\"responseId\":\"r\",\"createTime\":\"2023-11-14T22:13:20Z\"}";
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI, SY_FORMAT_GEMINI);
  g_autoptr(SyIrResponse) first = decode_response_ok (sy_codec_gemini (), ctx, body);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) encoded = NULL;
  g_autoptr(SyIrResponse) second = NULL;
  g_autoptr(JsonNode) a = sy_ir_response_to_json (first);
  g_autoptr(JsonNode) b = NULL;

  g_free (ctx->client_model);
  ctx->client_model = NULL;
  encoded = sy_codec_gemini ()->encode_response (first, ctx, &error);
  g_assert_no_error (error);
  second = sy_codec_gemini ()->decode_response (encoded, ctx, &error);
  g_assert_no_error (error);
  b = sy_ir_response_to_json (second);
  tt_assert_json_equal (b, a);
}

/* ------------------------------------------------------------- streams */

static void
collect_event (const SyIrEvent *event,
               gpointer         user_data)
{
  json_array_add_element (user_data, sy_ir_event_to_json (event));
}

static JsonNode *
decode_stream_with (const SyCodec  *codec,
                    SyTranslateCtx *ctx,
                    const char    **chunks,
                    gboolean        fast,
                    guint          *fast_events)
{
  JsonArray *events = json_array_new ();
  g_autoptr(SyStreamDecoder) decoder = NULL;
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  guint counter = ctx->counter;
  guint i;

  ctx->no_fast_path = !fast;
  decoder = codec->stream_decoder_new (ctx, collect_event, events);
  for (i = 0; chunks[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (sy_stream_decoder_feed (decoder, NULL, chunks[i], strlen (chunks[i]), &error));
      g_assert_no_error (error);
    }
  g_assert_true (sy_stream_decoder_finish (decoder, NULL));
  json_node_take_array (node, events);
  if (fast_events != NULL)
    *fast_events = decoder->fast_events;
  if (!fast)
    ctx->counter = counter;   /* the same ids on the second run */
  ctx->no_fast_path = FALSE;
  return node;
}

/* Feeds each of @chunks (NULL-terminated) as one SSE data; returns the IR
 * events. Every stream is decoded twice, with and without the fast path:
 * the events must be the same. */
static JsonNode *
decode_stream (const SyCodec  *codec,
               SyTranslateCtx *ctx,
               const char    **chunks)
{
  g_autoptr(JsonNode) general = decode_stream_with (codec, ctx, chunks, FALSE, NULL);
  JsonNode *fast = decode_stream_with (codec, ctx, chunks, TRUE, NULL);

  tt_assert_json_equal (fast, general);
  return fast;
}

/* The fast path reads the usual chunks, as Gemini spaces them, and
 * gives what the general reader gives on them and on everything around
 * them; anything it does not handle falls through to the general reader. */
static void
test_stream_fast_path (void)
{
  static const struct { const char *chunk; gboolean fast; } cases[] = {
    /* Gemini's own spacing, usage in every chunk */
    { "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hel\"}],\"role\": \"model\"},\"index\": 0}],"
      "\"usageMetadata\": {\"promptTokenCount\": 7,\"totalTokenCount\": 7},\"modelVersion\": \"gemini-2.5-pro\","
      "\"responseId\": \"r-1\",\"createTime\": \"2025-01-02T03:04:05Z\"}", TRUE },
    { "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"lo \\u00e9\\ud83d\\ude00 \\\"q\\\"\\n\"}]}}]}", TRUE },
    /* thoughts, a non-object part, an empty text, a string that is not true */
    { "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"think\",\"thought\":true},7,{\"text\":\"\"},"
      "{\"text\":\"said\",\"thought\":\"true\"},{\"text\":\"also\",\"thought\":false}]}}]}", TRUE },
    /* the Cloud Code envelope; numbers written as floats */
    { "{\"response\":{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]}}],"
      "\"usageMetadata\":{\"promptTokenCount\":1.0,\"candidatesTokenCount\":2e0,\"thoughtsTokenCount\":3,"
      "\"cachedContentTokenCount\":1.5}},\"traceId\":\"t\"}", TRUE },
    /* a candidate without parts, null members */
    { "{\"candidates\":[{\"content\":null,\"finishReason\":null}],\"usageMetadata\":null}", TRUE },
    /* what the general reader takes: a call, a signature, inline data */
    { "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"},{\"functionCall\":{\"name\":\"f\",\"args\":{}}}]}}]}",
      FALSE },
    { "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"s\",\"thoughtSignature\":\"SIG\"}]}}]}", FALSE },
    { "{\"candidates\":[{\"content\":{\"parts\":[{\"inline_data\":{\"mime_type\":\"image/png\",\"data\":\"AA\"}}]}}]}",
      FALSE },
    /* no candidate: a prompt blocked, or a bare usage chunk */
    { "{\"usageMetadata\":{\"promptTokenCount\":3}}", FALSE },
    { "{\"candidates\":[\"odd\"]}", FALSE },
    /* the end */
    { "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"!\"}],\"role\": \"model\"},\"finishReason\": \"MAX_TOKENS\","
      "\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 7,\"candidatesTokenCount\": 4,\"totalTokenCount\": 11}}",
      TRUE },
  };
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_GEMINI);
  const char *chunks[G_N_ELEMENTS (cases) + 1];
  guint expected_fast = 0, fast_events = 0;
  g_autoptr(JsonNode) general = NULL;
  g_autoptr(JsonNode) fast = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      chunks[i] = cases[i].chunk;
      expected_fast += cases[i].fast;
    }
  chunks[G_N_ELEMENTS (cases)] = NULL;
  general = decode_stream_with (sy_codec_gemini (), ctx, chunks, FALSE, NULL);
  fast = decode_stream_with (sy_codec_gemini (), ctx, chunks, TRUE, &fast_events);
  tt_assert_json_equal (fast, general);
  g_assert_cmpuint (fast_events, ==, expected_fast);

  /* Each chunk alone too (the first chunk of a stream starts it). */
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *one[] = { cases[i].chunk, NULL };
      g_autoptr(JsonNode) a = decode_stream_with (sy_codec_gemini (), ctx, one, FALSE, NULL);
      g_autoptr(JsonNode) b = decode_stream_with (sy_codec_gemini (), ctx, one, TRUE, &fast_events);

      g_test_message ("chunk %u", i);
      tt_assert_json_equal (b, a);
      g_assert_cmpuint (fast_events, ==, cases[i].fast);
    }
}

static void
test_stream_decoder (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_GEMINI);
  const char *chunks[] = {
    "",
    "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"hmm\",\"thought\":true,"
    "\"thoughtSignature\":\"TS\"}]},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":5},"
    "\"modelVersion\":\"gm\",\"responseId\":\"rid\",\"createTime\":\"2023-11-14T22:13:20Z\"}",
    "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hi\"},"
    "{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"c\":1}},\"thoughtSignature\":\"FS\"}]}}]}",
    "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"I\"}},"
    "{\"text\":\"\"}]},\"finishReason\":\"STOP\"}],"
    "\"usageMetadata\":{\"promptTokenCount\":5,\"candidatesTokenCount\":3,\"totalTokenCount\":9,\"thoughtsTokenCount\":1}}",
    "[DONE]",
    NULL,
  };
  g_autoptr(JsonNode) events = NULL;
  g_autoptr(JsonNode) want = tt_parse (
    "[{\"type\":\"start\",\"id\":\"rid\",\"model\":\"gm\",\"created\":1700000000},"
    " {\"type\":\"thinking\",\"text\":\"hmm\"},"
    " {\"type\":\"signature\",\"signature\":\"gemini#TS\"},"
    " {\"type\":\"usage\",\"usage\":{\"input_tokens\":5}},"
    " {\"type\":\"text\",\"text\":\"Hi\"},"
    " {\"type\":\"tool_call_start\",\"index\":0,\"id\":\"call_0001\",\"name\":\"get weather\",\"signature\":\"gemini#FS\"},"
    " {\"type\":\"tool_call_delta\",\"index\":0,\"text\":\"{\\\"c\\\":1}\"},"
    " {\"type\":\"tool_call_end\",\"index\":0},"
    " {\"type\":\"image\",\"mime_type\":\"image/png\",\"data\":\"I\"},"
    " {\"type\":\"usage\",\"usage\":{\"input_tokens\":5,\"output_tokens\":4,\"total_tokens\":9,\"reasoning_tokens\":1}},"
    " {\"type\":\"finish\",\"finish\":\"tool_calls\"}]");

  sy_translate_ctx_add_tool_name (ctx, "get weather", "get_weather");
  events = decode_stream (sy_codec_gemini (), ctx, chunks);
  tt_assert_json_equal (events, want);
}

static void
test_stream_decoder_edges (void)
{
  /* No finish reason: finish() owes one. Blocked prompt: content filter.
   * Error chunk: ERROR with the code, nothing after. Bad JSON: an error. */
  {
    g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_GEMINI);
    const char *chunks[] = { "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}}]}", NULL };
    g_autoptr(JsonNode) events = decode_stream (sy_codec_gemini (), ctx, chunks);
    g_autoptr(JsonNode) want = tt_parse ("[{\"type\":\"start\"},{\"type\":\"text\",\"text\":\"a\"},"
                                         "{\"type\":\"finish\",\"finish\":\"stop\"}]");

    tt_assert_json_equal (events, want);
  }
  {
    g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_GEMINI);
    const char *chunks[] = { "{\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"}}", NULL };
    g_autoptr(JsonNode) events = decode_stream (sy_codec_gemini (), ctx, chunks);
    g_autoptr(JsonNode) want = tt_parse ("[{\"type\":\"start\"},{\"type\":\"finish\",\"finish\":\"content_filter\"}]");

    tt_assert_json_equal (events, want);
  }
  {
    g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_GEMINI);
    const char *chunks[] = {
      "{\"error\":{\"code\":429,\"message\":\"Resource exhausted\",\"status\":\"RESOURCE_EXHAUSTED\"}}",
      "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"late\"}]}}]}",
      NULL,
    };
    g_autoptr(JsonNode) events = decode_stream (sy_codec_gemini (), ctx, chunks);
    g_autoptr(JsonNode) want = tt_parse ("[{\"type\":\"error\",\"status\":429,\"text\":\"Resource exhausted\","
                                         "\"error_type\":\"RESOURCE_EXHAUSTED\"}]");

    tt_assert_json_equal (events, want);
  }
  {
    g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_GEMINI);
    JsonArray *events = json_array_new ();
    g_autoptr(SyStreamDecoder) decoder = sy_codec_gemini ()->stream_decoder_new (ctx, collect_event, events);
    g_autoptr(GError) error = NULL;

    g_assert_false (sy_stream_decoder_feed (decoder, NULL, "{nope", 5, &error));
    g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM);
    json_array_unref (events);
  }
}

static void
collect_frame (const char *event,
               const char *data,
               gsize       len,
               gpointer    user_data)
{
  JsonObject *frame = json_object_new ();
  g_autofree char *text = g_strndup (data, len);

  if (event != NULL)
    json_object_set_string_member (frame, "event", event);
  else
    json_object_set_null_member (frame, "event");
  json_object_set_member (frame, "data", tt_parse (text));
  json_array_add_object_element (user_data, frame);
}

static void
test_stream_encoder (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI, SY_FORMAT_CLAUDE);
  JsonArray *frames = json_array_new ();
  g_autoptr(SyStreamEncoder) encoder = sy_codec_gemini ()->stream_encoder_new (ctx, collect_frame, frames);
  g_autoptr(JsonNode) actual = json_node_new (JSON_NODE_ARRAY);
  SyIrEvent event;
  g_autoptr(JsonNode) want = NULL;

#define META "\"modelVersion\":\"client-model\",\"responseId\":\"msg_1\",\"createTime\":\"2023-11-14T22:13:20Z\""
#define CHUNK(parts) "{\"event\":null,\"data\":{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[" parts "]},\"index\":0}]," META "}}"
  want = tt_parse ("["
    CHUNK ("{\"text\":\"plan\",\"thought\":true}") ","
    CHUNK ("{\"text\":\"\",\"thought\":true,\"thoughtSignature\":\"CSIG\"}") ","
    CHUNK ("{\"text\":\"Hel\"}") ","
    CHUNK ("{\"text\":\"lo\"}") ","
    CHUNK ("{\"functionCall\":{\"id\":\"toolu_1\",\"name\":\"f\",\"args\":{\"a\":1}},\"thoughtSignature\":\"openai#X\"}") ","
    CHUNK ("{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"IMG\"}}") ","
    CHUNK ("{\"functionCall\":{\"id\":\"toolu_2\",\"name\":\"g\",\"args\":{}}}") ","
    "{\"event\":null,\"data\":{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"\"}]},"
    " \"finishReason\":\"MAX_TOKENS\",\"index\":0}],"
    " \"usageMetadata\":{\"promptTokenCount\":9,\"candidatesTokenCount\":4,\"totalTokenCount\":15,\"thoughtsTokenCount\":2},"
    META "}}]");

  sy_ir_event_init (&event, SY_IR_EVENT_START);
  event.id = "msg_1";
  event.model = "claude-x";
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_THINKING);
  event.text = "plan";
  event.text_len = 4;
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_SIGNATURE);
  event.signature = "gemini#CSIG";
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_REDACTED_THINKING);
  event.data = "opaque";
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_TEXT);
  event.text = "Hello world";
  event.text_len = 3;
  sy_stream_encoder_encode (encoder, &event);
  event.text = "lo";
  event.text_len = 2;
  sy_stream_encoder_encode (encoder, &event);
  event.text = "";
  event.text_len = 0;
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_START);
  event.index = 0;
  event.id = "toolu_1";
  event.name = "f";
  event.signature = "openai#X";
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_START);
  event.index = 1;
  event.id = "toolu_2";
  event.name = "g";
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_DELTA);
  event.index = 0;
  event.text = "{\"a\":";
  event.text_len = 5;
  sy_stream_encoder_encode (encoder, &event);
  event.text = "1}";
  event.text_len = 2;
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_END);
  event.index = 0;
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_IMAGE);
  event.mime_type = "image/png";
  event.data = "IMG";
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_FINISH);
  event.finish = SY_IR_FINISH_LENGTH;
  sy_stream_encoder_encode (encoder, &event);
  /* Usage after the finish, in two pieces. */
  sy_ir_event_init (&event, SY_IR_EVENT_USAGE);
  event.usage.input_tokens = 9;
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_USAGE);
  event.usage.output_tokens = 6;
  event.usage.reasoning_tokens = 2;
  sy_stream_encoder_encode (encoder, &event);
  sy_stream_encoder_finish (encoder);

  json_node_take_array (actual, frames);
  tt_assert_json_equal (actual, want);
#undef CHUNK
#undef META
}

static void
test_stream_encoder_error (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI, SY_FORMAT_CLAUDE);
  JsonArray *frames = json_array_new ();
  g_autoptr(SyStreamEncoder) encoder = sy_codec_gemini ()->stream_encoder_new (ctx, collect_frame, frames);
  g_autoptr(JsonNode) actual = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(JsonNode) want = tt_parse (
    "[{\"event\":null,\"data\":{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"a\"}]},\"index\":0}],"
    "  \"modelVersion\":\"client-model\",\"responseId\":\"resp_0001\",\"createTime\":\"2023-11-14T22:13:20Z\"}},"
    " {\"event\":null,\"data\":{\"error\":{\"code\":503,\"message\":\"overloaded\",\"status\":\"UNAVAILABLE\"}}}]");
  SyIrEvent event;

  /* No START: the encoder makes up its own id. */
  sy_ir_event_init (&event, SY_IR_EVENT_TEXT);
  event.text = "a";
  event.text_len = 1;
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_ERROR);
  event.status = 503;
  event.text = "overloaded";
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_TEXT);
  event.text = "b";
  event.text_len = 1;
  sy_stream_encoder_encode (encoder, &event);
  sy_stream_encoder_finish (encoder);

  json_node_take_array (actual, frames);
  tt_assert_json_equal (actual, want);
}

static void
test_stream_round_trip (void)
{
  /* Gemini chunks -> IR -> Gemini chunks -> IR: the same events. */
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI, SY_FORMAT_GEMINI);
  const char *chunks[] = {
    "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"t\",\"thought\":true}]}}],"
    "\"responseId\":\"r\",\"modelVersion\":\"m\",\"createTime\":\"2023-11-14T22:13:20Z\"}",
    "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"\",\"thought\":true,\"thoughtSignature\":\"S\"}]}}]}",
    "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"id\":\"c\",\"name\":\"f\",\"args\":{}}}]}}]}",
    "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"\"}]},\"finishReason\":\"STOP\"}],"
    "\"usageMetadata\":{\"promptTokenCount\":1,\"candidatesTokenCount\":2,\"totalTokenCount\":3}}",
    NULL,
  };
  g_autoptr(JsonNode) first = decode_stream (sy_codec_gemini (), ctx, chunks);
  JsonArray *frames = json_array_new ();
  g_autoptr(SyStreamEncoder) encoder = NULL;
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) second = NULL;
  guint i;

  g_free (ctx->client_model);
  ctx->client_model = NULL;
  encoder = sy_codec_gemini ()->stream_encoder_new (ctx, collect_frame, frames);
  for (i = 0; i < json_array_get_length (json_node_get_array (first)); i++)
    {
      JsonObject *e = json_array_get_object_element (json_node_get_array (first), i);
      const char *type = json_object_get_string_member (e, "type");
      SyIrEvent event;

      if (strcmp (type, "start") == 0)
        {
          sy_ir_event_init (&event, SY_IR_EVENT_START);
          event.id = "r";
          event.model = "m";
          event.created = 1700000000;
        }
      else if (strcmp (type, "thinking") == 0)
        {
          sy_ir_event_init (&event, SY_IR_EVENT_THINKING);
          event.text = "t";
          event.text_len = 1;
        }
      else if (strcmp (type, "signature") == 0)
        {
          sy_ir_event_init (&event, SY_IR_EVENT_SIGNATURE);
          event.signature = "gemini#S";
        }
      else if (strcmp (type, "tool_call_start") == 0)
        {
          sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_START);
          event.id = "c";
          event.name = "f";
        }
      else if (strcmp (type, "tool_call_delta") == 0)
        {
          sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_DELTA);
          event.text = "{}";
          event.text_len = 2;
        }
      else if (strcmp (type, "tool_call_end") == 0)
        sy_ir_event_init (&event, SY_IR_EVENT_TOOL_CALL_END);
      else if (strcmp (type, "usage") == 0)
        {
          sy_ir_event_init (&event, SY_IR_EVENT_USAGE);
          event.usage.input_tokens = 1;
          event.usage.output_tokens = 2;
          event.usage.total_tokens = 3;
        }
      else
        {
          sy_ir_event_init (&event, SY_IR_EVENT_FINISH);
          event.finish = SY_IR_FINISH_TOOL_CALLS;
        }
      sy_stream_encoder_encode (encoder, &event);
    }
  sy_stream_encoder_finish (encoder);
  for (i = 0; i < json_array_get_length (frames); i++)
    g_ptr_array_add (texts, sy_json_to_string (json_object_get_member (json_array_get_object_element (frames, i), "data")));
  g_ptr_array_add (texts, NULL);
  second = decode_stream (sy_codec_gemini (), ctx, (const char **) texts->pdata);
  tt_assert_json_equal (second, first);
  json_array_unref (frames);
}

/* ------------------------------------------------------------ Gemini CLI */

static void
test_cli_request (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI_CLI, SY_FORMAT_GEMINI_CLI);
  g_autoptr(SyIrRequest) request = decode_ok (sy_codec_gemini_cli (), ctx,
    "{\"model\":\"gemini-2.5-flash\",\"project\":\"p\",\"request\":{\"contents\":[{\"role\":\"user\","
    "\"parts\":[{\"text\":\"hi\"}]}],\"systemInstruction\":{\"parts\":[{\"text\":\"s\"}]}}}");
  g_autoptr(JsonNode) out = encode_ok (sy_codec_gemini_cli (), ctx, request);
  g_autoptr(JsonNode) want = tt_parse (
    "{\"model\":\"gemini-2.5-pro\",\"project\":\"\",\"request\":{\"contents\":[{\"role\":\"user\","
    "\"parts\":[{\"text\":\"hi\"}]}],\"systemInstruction\":{\"parts\":[{\"text\":\"s\"}]},"
    "\"safetySettings\":" SAFETY "}}");
  static const char *bad[] = { "5", "{\"model\":\"m\"}", "{\"request\":{}}" };
  guint i;

  g_assert_cmpstr (request->model, ==, "gemini-2.5-flash");
  tt_assert_json_equal (out, want);
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) body = tt_parse (bad[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(SyIrRequest) none = sy_codec_gemini_cli ()->decode_request (body, ctx, &error);

      g_assert_null (none);
      g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_INVALID);
    }
}

static void
test_cli_response (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI_CLI, SY_FORMAT_GEMINI_CLI);
  g_autoptr(SyIrResponse) response = decode_response_ok (sy_codec_gemini_cli (), ctx,
    "{\"response\":{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hi\"}]},\"finishReason\":\"STOP\"}],"
    "\"responseId\":\"r1\"},\"traceId\":\"t\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) out = sy_codec_gemini_cli ()->encode_response (response, ctx, &error);
  g_autoptr(JsonNode) want = tt_parse (
    "{\"response\":{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"hi\"}]},"
    "\"finishReason\":\"STOP\",\"index\":0}],\"modelVersion\":\"client-model\",\"responseId\":\"r1\","
    "\"createTime\":\"2023-11-14T22:13:20Z\"}}");

  g_assert_no_error (error);
  tt_assert_json_equal (out, want);
}

static void
test_cli_stream (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI_CLI, SY_FORMAT_GEMINI_CLI);
  const char *chunks[] = {
    "{\"response\":{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]},\"finishReason\":\"STOP\"}],"
    "\"responseId\":\"r\"},\"traceId\":\"t\"}",
    NULL,
  };
  g_autoptr(JsonNode) events = decode_stream (sy_codec_gemini_cli (), ctx, chunks);
  g_autoptr(JsonNode) want_events = tt_parse (
    "[{\"type\":\"start\",\"id\":\"r\"},{\"type\":\"text\",\"text\":\"x\"},{\"type\":\"finish\",\"finish\":\"stop\"}]");
  JsonArray *frames = json_array_new ();
  g_autoptr(SyStreamEncoder) encoder = sy_codec_gemini_cli ()->stream_encoder_new (ctx, collect_frame, frames);
  g_autoptr(JsonNode) actual = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(JsonNode) want = tt_parse (
    "[{\"event\":null,\"data\":{\"response\":{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"x\"}]},"
    "  \"index\":0}],\"modelVersion\":\"client-model\",\"responseId\":\"r\",\"createTime\":\"2023-11-14T22:13:20Z\"}}},"
    " {\"event\":null,\"data\":{\"error\":{\"code\":500,\"message\":\"broken\",\"status\":\"INTERNAL\"}}}]");
  SyIrEvent event;

  tt_assert_json_equal (events, want_events);

  sy_ir_event_init (&event, SY_IR_EVENT_START);
  event.id = "r";
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_TEXT);
  event.text = "x";
  event.text_len = 1;
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_ERROR);
  event.text = "broken";
  sy_stream_encoder_encode (encoder, &event);
  sy_stream_encoder_finish (encoder);
  json_node_take_array (actual, frames);
  tt_assert_json_equal (actual, want);
}

/* ------------------------------------------------------------- counting */

static void
test_counting (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_CLAUDE, SY_FORMAT_GEMINI);
  g_autoptr(SyIrRequest) plain = decode_ok (sy_codec_gemini (), ctx,
    "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"count\"}]}]}");
  g_autoptr(SyIrRequest) full = decode_ok (sy_codec_gemini (), ctx,
    "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"count\"}]}],"
    "\"systemInstruction\":{\"parts\":[{\"text\":\"s\"}]},"
    "\"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"ANY\"}},"
    "\"tools\":[{\"functionDeclarations\":[{\"name\":\"f\",\"parameters\":{\"type\":\"object\"}}]}]}");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) a = sy_codec_gemini ()->encode_count_request (plain, ctx, &error);
  g_autoptr(JsonNode) b = sy_codec_gemini ()->encode_count_request (full, ctx, &error);
  g_autoptr(JsonNode) c = sy_codec_gemini_cli ()->encode_count_request (plain, ctx, &error);
  g_autoptr(JsonNode) d = sy_codec_gemini_cli ()->encode_count_request (full, ctx, &error);
  g_autoptr(JsonNode) want_a = tt_parse ("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"count\"}]}]}");
  g_autoptr(JsonNode) want_b = tt_parse (
    "{\"generateContentRequest\":{\"model\":\"models/gemini-2.5-pro\","
    "\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"count\"}]}],"
    "\"systemInstruction\":{\"parts\":[{\"text\":\"s\"}]},"
    "\"tools\":[{\"functionDeclarations\":[{\"name\":\"f\",\"parametersJsonSchema\":{\"type\":\"object\"}}]}]}}");
  g_autoptr(JsonNode) want_c = tt_parse (
    "{\"request\":{\"model\":\"models/gemini-2.5-pro\",\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"count\"}]}]}}");
  g_autoptr(JsonNode) want_d = tt_parse (
    "{\"request\":{\"model\":\"models/gemini-2.5-pro\","
    "\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"count\"}]}],"
    "\"systemInstruction\":{\"parts\":[{\"text\":\"s\"}]},"
    "\"tools\":[{\"functionDeclarations\":[{\"name\":\"f\",\"parametersJsonSchema\":{\"type\":\"object\"}}]}]}}");
  g_autoptr(JsonNode) count_body = tt_parse ("{\"totalTokens\":31,\"promptTokensDetails\":[]}");
  g_autoptr(JsonNode) wrapped_count = tt_parse ("{\"response\":{\"totalTokens\":7}}");
  g_autoptr(JsonNode) empty_count = tt_parse ("{}");
  g_autoptr(JsonNode) bad_count = tt_parse ("{\"foo\":1}");
  g_autoptr(JsonNode) encoded = sy_codec_gemini ()->encode_count_response (12);
  g_autoptr(JsonNode) encoded_cli = sy_codec_gemini_cli ()->encode_count_response (12);
  g_autoptr(JsonNode) want_count = tt_parse (
    "{\"totalTokens\":12,\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":12}]}");
  gint64 tokens = 0;

  g_assert_no_error (error);
  tt_assert_json_equal (a, want_a);
  tt_assert_json_equal (b, want_b);
  tt_assert_json_equal (c, want_c);
  tt_assert_json_equal (d, want_d);

  g_assert_true (sy_codec_gemini ()->decode_count_response (count_body, &tokens, NULL));
  g_assert_cmpint (tokens, ==, 31);
  g_assert_true (sy_codec_gemini_cli ()->decode_count_response (wrapped_count, &tokens, NULL));
  g_assert_cmpint (tokens, ==, 7);
  g_assert_true (sy_codec_gemini ()->decode_count_response (empty_count, &tokens, NULL));
  g_assert_cmpint (tokens, ==, 0);
  g_assert_false (sy_codec_gemini ()->decode_count_response (bad_count, &tokens, &error));
  g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM);
  tt_assert_json_equal (encoded, want_count);
  tt_assert_json_equal (encoded_cli, want_count);

  /* The count bodies decode back (CLI: model from the inner request). */
  {
    g_autoptr(SyIrRequest) back = decode_ok (sy_codec_gemini (), ctx, "{\"generateContentRequest\":"
                                             "{\"model\":\"models/m\",\"contents\":[]}}");
    g_autoptr(SyIrRequest) back_cli = NULL;
    g_autofree char *text = sy_json_to_string (d);

    back_cli = decode_ok (sy_codec_gemini_cli (), ctx, text);
    g_assert_cmpstr (back->model, ==, "m");
    g_assert_cmpstr (back_cli->model, ==, "gemini-2.5-pro");
    g_assert_cmpuint (back_cli->tools->len, ==, 1);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/codec-gemini/decode-request/fields", test_decode_request_fields);
  g_test_add_func ("/codec-gemini/decode-request/snake-case", test_decode_request_snake_case);
  g_test_add_func ("/codec-gemini/decode-request/thinking", test_decode_request_thinking);
  g_test_add_func ("/codec-gemini/decode-request/errors", test_decode_request_errors);
  g_test_add_func ("/codec-gemini/decode-request/ids", test_decode_request_ids);
  g_test_add_func ("/codec-gemini/decode-request/count-bodies", test_decode_count_bodies);
  g_test_add_func ("/codec-gemini/encode-request/alternation", test_encode_alternation);
  g_test_add_func ("/codec-gemini/encode-request/tools-history", test_encode_tools_and_history);
  g_test_add_func ("/codec-gemini/encode-request/antigravity", test_encode_antigravity);
  g_test_add_func ("/codec-gemini/encode-request/signatures", test_encode_signatures);
  g_test_add_func ("/codec-gemini/encode-request/generation-config", test_encode_generation_config);
  g_test_add_func ("/codec-gemini/encode-request/reasoning", test_encode_reasoning);
  g_test_add_func ("/codec-gemini/encode-request/unsupported", test_encode_unsupported);
  g_test_add_func ("/codec-gemini/request/round-trip", test_request_round_trip);
  g_test_add_func ("/codec-gemini/decode-response/fields", test_decode_response);
  g_test_add_func ("/codec-gemini/decode-response/finish", test_decode_response_finish);
  g_test_add_func ("/codec-gemini/decode-response/blocked-errors", test_decode_response_blocked_and_errors);
  g_test_add_func ("/codec-gemini/encode-response", test_encode_response);
  g_test_add_func ("/codec-gemini/response/round-trip", test_response_round_trip);
  g_test_add_func ("/codec-gemini/stream/decoder", test_stream_decoder);
  g_test_add_func ("/codec-gemini/stream/fast-path", test_stream_fast_path);
  g_test_add_func ("/codec-gemini/stream/decoder-edges", test_stream_decoder_edges);
  g_test_add_func ("/codec-gemini/stream/encoder", test_stream_encoder);
  g_test_add_func ("/codec-gemini/stream/encoder-error", test_stream_encoder_error);
  g_test_add_func ("/codec-gemini/stream/round-trip", test_stream_round_trip);
  g_test_add_func ("/codec-gemini/cli/request", test_cli_request);
  g_test_add_func ("/codec-gemini/cli/response", test_cli_response);
  g_test_add_func ("/codec-gemini/cli/stream", test_cli_stream);
  g_test_add_func ("/codec-gemini/counting", test_counting);

  return g_test_run ();
}
