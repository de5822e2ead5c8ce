/* test-codec-openai.c: the OpenAI Chat Completions codec
 *
 * Request decoding (every field and its error paths), request encoding
 * for OpenAI-compatible upstreams, whole answers both ways, and both
 * stream directions, each checked against the IR or the wire grammar.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-codec.h"
#include "translate-test-util.h"

static SyTranslateCtx *
new_ctx (void)
{
  SyTranslateCtx *ctx = sy_translate_ctx_new (SY_FORMAT_OPENAI, SY_FORMAT_OPENAI);

  ctx->deterministic = TRUE;
  ctx->now = 1700000000;
  return ctx;
}

static SyIrRequest *
decode (SyTranslateCtx *ctx,
        const char     *json,
        GError        **error)
{
  g_autoptr(JsonNode) body = tt_parse (json);

  return sy_codec_openai ()->decode_request (body, ctx, error);
}

static SyIrRequest *
decode_ok (SyTranslateCtx *ctx,
           const char     *json)
{
  g_autoptr(GError) error = NULL;
  SyIrRequest *request = decode (ctx, json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (request);
  return request;
}

static void
assert_ir (const SyIrRequest *request,
           const char        *expected)
{
  g_autoptr(JsonNode) actual = sy_ir_request_to_json (request);
  g_autoptr(JsonNode) want = tt_parse (expected);

  tt_assert_json_equal (actual, want);
}

static JsonNode *
encode_ok (const SyIrRequest *request,
           SyTranslateCtx    *ctx)
{
  g_autoptr(GError) error = NULL;
  JsonNode *out = sy_codec_openai ()->encode_request (request, ctx, &error);

  g_assert_no_error (error);
  g_assert_nonnull (out);
  return out;
}

/* ------------------------------------------------------ request decoding */

static void
test_decode_full (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx ();
  g_autoptr(SyIrRequest) request = decode_ok (ctx,
    "{\"model\":\"gpt-x\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
    " \"messages\":["
    "  {\"role\":\"system\",\"content\":\"Be terse.\"},"
    "  {\"role\":\"developer\",\"content\":[{\"type\":\"text\",\"text\":\"Dev rule.\"}]},"
    "  {\"role\":\"user\",\"content\":["
    "    {\"type\":\"text\",\"text\":\"Look\"},"
    "    {\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBO\",\"detail\":\"high\"}},"
    "    {\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.jpg\"}},"
    "    {\"type\":\"input_audio\",\"input_audio\":{\"data\":\"UklG\",\"format\":\"wav\"}},"
    "    {\"type\":\"file\",\"file\":{\"file_data\":\"data:application/pdf;base64,JVBE\",\"filename\":\"a.pdf\"}},"
    "    {\"type\":\"file\",\"file\":{\"file_data\":\"SGVsbG8=\",\"filename\":\"notes.txt\"}}]},"
    "  {\"role\":\"assistant\",\"reasoning_content\":\"Think.\",\"content\":\"Calling.\","
    "   \"tool_calls\":["
    "    {\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
    "    {\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"\"}}]},"
    "  {\"role\":\"tool\",\"tool_call_id\":\"call_a\",\"content\":\"sunny\"},"
    "  {\"role\":\"tool\",\"tool_call_id\":\"call_b\",\"content\":[{\"type\":\"text\",\"text\":\"12:00\"},{\"type\":\"text\",\"text\":\"UTC\"}]},"
    "  {\"role\":\"user\",\"content\":\"Thanks\"},"
    "  {\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"type\":\"function\",\"function\":{\"name\":\"snap\",\"arguments\":\"not json\"}}]},"
    "  {\"role\":\"tool\",\"tool_call_id\":\"call_0001\",\"content\":[{\"type\":\"text\",\"text\":\"see\"},"
    "    {\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/jpeg;base64,/9j/\"}}]}"
    " ],"
    " \"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather\","
    "   \"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}},\"strict\":true}},"
    "  {\"type\":\"function\",\"function\":{\"name\":\"get_time\"}},"
    "  {\"type\":\"web_search_preview\",\"search_context_size\":\"low\"}],"
    " \"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}},"
    " \"parallel_tool_calls\":false,"
    " \"max_tokens\":100,\"max_completion_tokens\":200,"
    " \"temperature\":0.5,\"top_p\":0.9,\"top_k\":40,\"stop\":[\"END\",\"STOP\"],\"seed\":7,"
    " \"presence_penalty\":0.1,\"frequency_penalty\":-0.2,\"n\":2,\"logprobs\":true,\"top_logprobs\":3,"
    " \"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"out\",\"schema\":{\"type\":\"object\"},\"strict\":true}},"
    " \"reasoning_effort\":\"high\",\"user\":\"u-1\"}");

  assert_ir (request,
    "{\"model\":\"gpt-x\",\"stream\":true,\"include_usage\":true,"
    " \"system\":[{\"type\":\"text\",\"text\":\"Be terse.\"},{\"type\":\"text\",\"text\":\"Dev rule.\"}],"
    " \"messages\":["
    "  {\"role\":\"user\",\"parts\":["
    "    {\"type\":\"text\",\"text\":\"Look\"},"
    "    {\"type\":\"image\",\"mime_type\":\"image/png\",\"data\":\"iVBO\"},"
    "    {\"type\":\"image\",\"url\":\"https://example.com/a.jpg\"},"
    "    {\"type\":\"audio\",\"mime_type\":\"audio/wav\",\"data\":\"UklG\"},"
    "    {\"type\":\"document\",\"mime_type\":\"application/pdf\",\"data\":\"JVBE\",\"filename\":\"a.pdf\"},"
    "    {\"type\":\"document\",\"mime_type\":\"text/plain\",\"data\":\"SGVsbG8=\",\"filename\":\"notes.txt\"}]},"
    "  {\"role\":\"assistant\",\"parts\":["
    "    {\"type\":\"thinking\",\"text\":\"Think.\"},"
    "    {\"type\":\"text\",\"text\":\"Calling.\"},"
    "    {\"type\":\"tool_call\",\"id\":\"call_a\",\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}},"
    "    {\"type\":\"tool_call\",\"id\":\"call_b\",\"name\":\"get_time\",\"arguments\":{}}]},"
    "  {\"role\":\"user\",\"parts\":["
    "    {\"type\":\"tool_result\",\"tool_call_id\":\"call_a\",\"name\":\"get_weather\",\"content\":[{\"type\":\"text\",\"text\":\"sunny\"}]},"
    "    {\"type\":\"tool_result\",\"tool_call_id\":\"call_b\",\"name\":\"get_time\",\"content\":[{\"type\":\"text\",\"text\":\"12:00\\n\\nUTC\"}]}]},"
    "  {\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"Thanks\"}]},"
    "  {\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\",\"id\":\"call_0001\",\"name\":\"snap\",\"arguments\":{}}]},"
    "  {\"role\":\"user\",\"parts\":["
    "    {\"type\":\"tool_result\",\"tool_call_id\":\"call_0001\",\"name\":\"snap\",\"content\":["
    "      {\"type\":\"text\",\"text\":\"see\"},{\"type\":\"image\",\"mime_type\":\"image/jpeg\",\"data\":\"/9j/\"}]}]}],"
    " \"tools\":["
    "  {\"type\":\"function\",\"name\":\"get_weather\",\"description\":\"Weather\","
    "   \"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}},\"strict\":true},"
    "  {\"type\":\"function\",\"name\":\"get_time\"},"
    "  {\"type\":\"other\",\"name\":\"web_search_preview\",\"raw\":{\"type\":\"web_search_preview\",\"search_context_size\":\"low\"}}],"
    " \"tool_choice\":\"named\",\"tool_choice_name\":\"get_weather\",\"parallel_tool_calls\":false,"
    " \"max_tokens\":200,\"temperature\":0.5,\"top_p\":0.9,\"top_k\":40,\"stop\":[\"END\",\"STOP\"],\"seed\":7,"
    " \"presence_penalty\":0.1,\"frequency_penalty\":-0.2,\"n\":2,\"logprobs\":true,\"top_logprobs\":3,"
    " \"response_format\":\"json_schema\",\"response_schema_name\":\"out\",\"response_schema\":{\"type\":\"object\"},"
    " \"response_schema_strict\":true,"
    " \"reasoning\":{\"mode\":\"level\",\"level\":\"high\"},\"user\":\"u-1\"}");
}

static void
test_decode_variants (void)
{
  static const struct
  {
    const char *body;
    const char *ir;
  } cases[] = {
    /* stop as a string, max_tokens alone, tool_choice strings, text formats */
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":\"X\",\"max_tokens\":5,"
      "\"tool_choice\":\"required\",\"response_format\":{\"type\":\"json_object\"}}",
      "{\"stream\":false,\"system\":[],\"messages\":[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"hi\"}]}],"
      "\"tools\":[],\"tool_choice\":\"required\",\"max_tokens\":5,\"stop\":[\"X\"],\"response_format\":\"json_object\","
      "\"reasoning\":{\"mode\":\"unset\"}}" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tool_choice\":\"none\","
      "\"response_format\":{\"type\":\"text\"},\"reasoning_effort\":\"none\",\"stop\":null,\"tools\":null}",
      "{\"stream\":false,\"system\":[],\"messages\":[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"hi\"}]}],"
      "\"tools\":[],\"tool_choice\":\"none\",\"response_format\":\"text\",\"reasoning\":{\"mode\":\"none\"}}" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tool_choice\":\"auto\",\"reasoning_effort\":\"auto\"}",
      "{\"stream\":false,\"system\":[],\"messages\":[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"hi\"}]}],"
      "\"tools\":[],\"tool_choice\":\"auto\",\"response_format\":\"unset\",\"reasoning\":{\"mode\":\"auto\"}}" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"reasoning_effort\":\"minimal\",\"stop\":[]}",
      "{\"stream\":false,\"system\":[],\"messages\":[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"hi\"}]}],"
      "\"tools\":[],\"tool_choice\":\"unset\",\"response_format\":\"unset\",\"reasoning\":{\"mode\":\"level\",\"level\":\"minimal\"}}" },
    /* refusal parts, empty strings, image_url given as a bare string, a raw base64 file without a name */
    { "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":\"https://x/y.png\"},"
      "{\"type\":\"file\",\"file\":{\"file_data\":\"JVBE\"}},{\"type\":\"text\",\"text\":\"\"}]},"
      "{\"role\":\"assistant\",\"content\":[{\"type\":\"refusal\",\"refusal\":\"No.\"}]},"
      "{\"role\":\"user\",\"content\":\"\"},{\"role\":\"assistant\",\"content\":\"\",\"reasoning_content\":\"\"}]}",
      "{\"stream\":false,\"system\":[],\"messages\":["
      "{\"role\":\"user\",\"parts\":[{\"type\":\"image\",\"url\":\"https://x/y.png\"},"
      "{\"type\":\"document\",\"mime_type\":\"application/pdf\",\"data\":\"JVBE\"}]},"
      "{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"text\":\"No.\"}]},"
      "{\"role\":\"user\",\"parts\":[]},{\"role\":\"assistant\",\"parts\":[]}],"
      "\"tools\":[],\"tool_choice\":\"unset\",\"response_format\":\"unset\",\"reasoning\":{\"mode\":\"unset\"}}" },
    /* arguments given as an object (lenient), a tool message with a name and no content */
    { "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"function\":{\"name\":\"f\",\"arguments\":{\"a\":1}}}]},"
      "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"name\":\"g\"}]}",
      "{\"stream\":false,\"system\":[],\"messages\":["
      "{\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\",\"id\":\"c1\",\"name\":\"f\",\"arguments\":{\"a\":1}}]},"
      "{\"role\":\"user\",\"parts\":[{\"type\":\"tool_result\",\"tool_call_id\":\"c1\",\"name\":\"g\",\"content\":[{\"type\":\"text\",\"text\":\"\"}]}]}],"
      "\"tools\":[],\"tool_choice\":\"unset\",\"response_format\":\"unset\",\"reasoning\":{\"mode\":\"unset\"}}" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx ();
      g_autoptr(SyIrRequest) request = decode_ok (ctx, cases[i].body);

      g_test_message ("case %u", i);
      assert_ir (request, cases[i].ir);
    }
}

static void
test_decode_errors (void)
{
  static const struct
  {
    const char *body;
    int         code;
    const char *message;
  } cases[] = {
    { "[]", SY_TRANSLATE_ERROR_INVALID, "expected a JSON object" },
    { "{}", SY_TRANSLATE_ERROR_INVALID, "messages: expected an array" },
    { "{\"messages\":{}}", SY_TRANSLATE_ERROR_INVALID, "messages: expected an array" },
    { "{\"messages\":[]}", SY_TRANSLATE_ERROR_INVALID, "messages: must not be empty" },
    { "{\"model\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", SY_TRANSLATE_ERROR_INVALID, "model: expected a string" },
    { "{\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", SY_TRANSLATE_ERROR_INVALID, "stream: expected a boolean" },
    { "{\"stream_options\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", SY_TRANSLATE_ERROR_INVALID, "stream_options: expected an object" },
    { "{\"stream_options\":{\"include_usage\":1},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
      SY_TRANSLATE_ERROR_INVALID, "stream_options.include_usage: expected a boolean" },
    { "{\"messages\":[1]}", SY_TRANSLATE_ERROR_INVALID, "messages[0]: expected an object" },
    { "{\"messages\":[{\"content\":\"x\"}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].role: expected a string" },
    { "{\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].role: unknown role" },
    { "{\"messages\":[{\"role\":\"user\"}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].content: expected a string or an array" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":5}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].content: expected a string or an array" },
    { "{\"messages\":[{\"role\":\"system\",\"content\":true}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].content: expected a string or an array" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":[\"x\"]}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].content[0]: expected an object" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].content[0].type: missing" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":3}]}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].content[0].text: expected a string" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]}", SY_TRANSLATE_ERROR_UNSUPPORTED, "messages[0].content[0].type: unsupported content part \"video\"" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{}}]}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].content[0].image_url.url: expected a string" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":4}}]}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].content[0].image_url.url: expected a string" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].content[0].input_audio: expected an object" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{\"format\":\"wav\"}}]}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].content[0].input_audio.data: expected a string" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"file\"}]}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].content[0].file: expected an object" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":{\"file_id\":\"file-1\"}}]}]}", SY_TRANSLATE_ERROR_UNSUPPORTED, "messages[0].content[0].file.file_id" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":{\"filename\":\"a.pdf\"}}]}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].content[0].file.file_data: expected a string" },
    { "{\"messages\":[{\"role\":\"assistant\",\"content\":3}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].content: expected a string or an array" },
    { "{\"messages\":[{\"role\":\"assistant\",\"reasoning_content\":[1]}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].reasoning_content: expected a string" },
    { "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":{}}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].tool_calls: expected an array" },
    { "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[7]}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].tool_calls[0]: expected an object" },
    { "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"a\"}]}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].tool_calls[0].function: expected an object" },
    { "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"a\",\"function\":{}}]}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].tool_calls[0].function.name: expected a string" },
    { "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":5,\"function\":{\"name\":\"f\"}}]}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].tool_calls[0].id: expected a string" },
    { "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"type\":\"custom\",\"custom\":{}}]}]}", SY_TRANSLATE_ERROR_UNSUPPORTED, "messages[0].tool_calls[0].type" },
    { "{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].tool_call_id: expected a string" },
    { "{\"messages\":[{\"role\":\"tool\",\"tool_call_id\":\"a\",\"content\":{}}]}", SY_TRANSLATE_ERROR_INVALID, "messages[0].content: expected a string or an array" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":{}}", SY_TRANSLATE_ERROR_INVALID, "tools: expected an array" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[1]}", SY_TRANSLATE_ERROR_INVALID, "tools[0]: expected an object" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\"}]}", SY_TRANSLATE_ERROR_INVALID, "tools[0].function: expected an object" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\",\"function\":{}}]}", SY_TRANSLATE_ERROR_INVALID, "tools[0].function.name: expected a string" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":[]}}]}", SY_TRANSLATE_ERROR_INVALID, "tools[0].function.parameters: expected an object" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"strict\":\"no\"}}]}", SY_TRANSLATE_ERROR_INVALID, "tools[0].function.strict: expected a boolean" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":\"maybe\"}", SY_TRANSLATE_ERROR_INVALID, "tool_choice: expected \"auto\"" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":3}", SY_TRANSLATE_ERROR_INVALID, "tool_choice: expected a string or an object" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":{\"type\":\"function\"}}", SY_TRANSLATE_ERROR_INVALID, "tool_choice.function: expected an object" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":{\"type\":\"function\",\"function\":{}}}", SY_TRANSLATE_ERROR_INVALID, "tool_choice.function.name: expected a string" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":{\"type\":\"allowed_tools\"}}", SY_TRANSLATE_ERROR_UNSUPPORTED, "tool_choice.type" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"parallel_tool_calls\":1}", SY_TRANSLATE_ERROR_INVALID, "parallel_tool_calls: expected a boolean" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":\"5\"}", SY_TRANSLATE_ERROR_INVALID, "max_tokens: expected an integer" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":0}", SY_TRANSLATE_ERROR_INVALID, "max_tokens: must be at least 1" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_completion_tokens\":1.5}", SY_TRANSLATE_ERROR_INVALID, "max_completion_tokens: expected an integer" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":\"hot\"}", SY_TRANSLATE_ERROR_INVALID, "temperature: expected a number" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_p\":[]}", SY_TRANSLATE_ERROR_INVALID, "top_p: expected a number" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_k\":-1}", SY_TRANSLATE_ERROR_INVALID, "top_k: must be at least 0" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":5}", SY_TRANSLATE_ERROR_INVALID, "stop: expected a string or an array" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":[\"a\",1]}", SY_TRANSLATE_ERROR_INVALID, "stop[1]: expected a string" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"seed\":\"1\"}", SY_TRANSLATE_ERROR_INVALID, "seed: expected an integer" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"presence_penalty\":true}", SY_TRANSLATE_ERROR_INVALID, "presence_penalty: expected a number" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"frequency_penalty\":\"0\"}", SY_TRANSLATE_ERROR_INVALID, "frequency_penalty: expected a number" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":0}", SY_TRANSLATE_ERROR_INVALID, "n: must be at least 1" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"logprobs\":\"yes\"}", SY_TRANSLATE_ERROR_INVALID, "logprobs: expected a boolean" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_logprobs\":\"2\"}", SY_TRANSLATE_ERROR_INVALID, "top_logprobs: expected an integer" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":\"json\"}", SY_TRANSLATE_ERROR_INVALID, "response_format: expected an object" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":{}}", SY_TRANSLATE_ERROR_INVALID, "response_format.type: expected a string" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":{\"type\":\"yaml\"}}", SY_TRANSLATE_ERROR_INVALID, "response_format.type: unknown type" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":{\"type\":\"json_schema\"}}", SY_TRANSLATE_ERROR_INVALID, "response_format.json_schema: expected an object" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":1}}}", SY_TRANSLATE_ERROR_INVALID, "response_format.json_schema.name: expected a string" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"schema\":true}}}", SY_TRANSLATE_ERROR_INVALID, "response_format.json_schema.schema: expected an object" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"reasoning_effort\":5}", SY_TRANSLATE_ERROR_INVALID, "reasoning_effort: expected a string" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"reasoning_effort\":\"extreme\"}", SY_TRANSLATE_ERROR_INVALID, "reasoning_effort: unknown level \"extreme\"" },
    { "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"user\":42}", SY_TRANSLATE_ERROR_INVALID, "user: expected a string" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx ();
      g_autoptr(GError) error = NULL;
      g_autoptr(SyIrRequest) request = decode (ctx, cases[i].body, &error);

      g_test_message ("case %u: %s", i, cases[i].body);
      g_assert_null (request);
      g_assert_error (error, SY_TRANSLATE_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: \"%s\" does not contain \"%s\"", i, error->message, cases[i].message);
    }
}

/* ------------------------------------------------------ request encoding */

static SyIrPart *
text_part (const char *text)
{
  return sy_ir_part_new_text (text);
}

static void
test_encode_request (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx ();
  g_autoptr(SyIrRequest) request = sy_ir_request_new ();
  g_autoptr(JsonNode) out = NULL;
  g_autoptr(JsonNode) expected = NULL;
  const char *long_name = "mcp__some_server_with_a_really_long_name_that_goes_on__fetch_the_document";
  const char *long_plain = "a_plain_tool_name_that_is_far_too_long_for_the_sixty_four_character_limit_x";
  SyIrMessage *message;
  SyIrPart *part;
  SyIrTool *tool;

  sy_translate_ctx_set_models (ctx, "client-model", "upstream-model");
  request->model = g_strdup ("client-model");
  request->stream = TRUE;
  g_ptr_array_add (request->system, text_part ("One."));
  g_ptr_array_add (request->system, text_part ("Two."));

  message = sy_ir_request_add_message (request, SY_IR_ROLE_USER);
  sy_ir_message_add (message, text_part ("Hi"));
  part = sy_ir_part_new (SY_IR_PART_IMAGE);
  part->mime_type = g_strdup ("image/png");
  part->data = g_strdup ("iVBO");
  sy_ir_message_add (message, part);
  part = sy_ir_part_new (SY_IR_PART_DOCUMENT);
  part->mime_type = g_strdup ("application/pdf");
  part->data = g_strdup ("JVBE");
  part->filename = g_strdup ("a.pdf");
  sy_ir_message_add (message, part);
  part = sy_ir_part_new (SY_IR_PART_AUDIO);
  part->mime_type = g_strdup ("audio/mpeg");
  part->data = g_strdup ("SUQz");
  sy_ir_message_add (message, part);

  message = sy_ir_request_add_message (request, SY_IR_ROLE_ASSISTANT);
  part = sy_ir_part_new (SY_IR_PART_THINKING);
  part->text = g_strdup ("Plan A.");
  part->signature = g_strdup ("claude#sig");
  sy_ir_message_add (message, part);
  part = sy_ir_part_new (SY_IR_PART_THINKING);
  part->redacted = TRUE;
  part->data = g_strdup ("blob");
  sy_ir_message_add (message, part);
  part = sy_ir_part_new (SY_IR_PART_THINKING);
  part->text = g_strdup ("Plan B.");
  sy_ir_message_add (message, part);
  part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
  part->id = g_strdup ("toolu_1");
  part->name = g_strdup (long_name);
  part->arguments = g_strdup ("{\"url\":\"x\"}");
  sy_ir_message_add (message, part);
  part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
  part->id = g_strdup ("toolu_2");
  part->name = g_strdup ("lookup");
  part->arguments = g_strdup ("{}");
  sy_ir_message_add (message, part);

  /* A user turn with results and more content: tools first, then the rest. */
  message = sy_ir_request_add_message (request, SY_IR_ROLE_USER);
  sy_ir_message_add (message, text_part ("And also this."));
  part = sy_ir_part_new (SY_IR_PART_TOOL_RESULT);
  part->tool_call_id = g_strdup ("toolu_1");
  part->content = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
  g_ptr_array_add (part->content, text_part ("page 1"));
  g_ptr_array_add (part->content, text_part ("page 2"));
  sy_ir_message_add (message, part);
  part = sy_ir_part_new (SY_IR_PART_TOOL_RESULT);
  part->tool_call_id = g_strdup ("toolu_2");
  part->content = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
  g_ptr_array_add (part->content, text_part ("a chart"));
  {
    SyIrPart *image = sy_ir_part_new (SY_IR_PART_IMAGE);

    image->url = g_strdup ("https://example.com/c.png");
    g_ptr_array_add (part->content, image);
  }
  sy_ir_message_add (message, part);

  /* Results only: no user message after the tool messages. */
  message = sy_ir_request_add_message (request, SY_IR_ROLE_ASSISTANT);
  part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
  part->id = g_strdup ("toolu_3");
  part->name = g_strdup (long_plain);
  part->arguments = g_strdup ("{}");
  sy_ir_message_add (message, part);
  message = sy_ir_request_add_message (request, SY_IR_ROLE_USER);
  part = sy_ir_part_new (SY_IR_PART_TOOL_RESULT);
  part->tool_call_id = g_strdup ("toolu_3");
  part->content = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
  sy_ir_message_add (message, part);

  tool = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
  tool->name = g_strdup (long_name);
  tool->description = g_strdup ("Fetch");
  tool->parameters = tt_parse ("{\"type\":\"object\",\"properties\":{\"url\":{\"type\":\"string\"}}}");
  g_ptr_array_add (request->tools, tool);
  tool = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
  tool->name = g_strdup ("lookup");
  tool->strict = 0;
  g_ptr_array_add (request->tools, tool);
  tool = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
  tool->name = g_strdup (long_plain);
  g_ptr_array_add (request->tools, tool);
  request->tool_choice = SY_IR_TOOL_CHOICE_NAMED;
  request->tool_choice_name = g_strdup (long_name);
  request->parallel_tool_calls = 1;

  request->max_tokens = 1000;
  request->has_temperature = TRUE;
  request->temperature = 0.25;
  request->top_k = 5;
  request->stop = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (request->stop, g_strdup ("END"));
  request->reasoning.mode = SY_IR_REASONING_BUDGET;
  request->reasoning.budget = 10000;
  request->response_format = SY_IR_RESPONSE_FORMAT_JSON_SCHEMA;
  request->response_schema = tt_parse ("{\"type\":\"object\"}");
  request->user = g_strdup ("u");

  out = encode_ok (request, ctx);
  expected = tt_parse (
    "{\"model\":\"upstream-model\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
    " \"messages\":["
    "  {\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":\"One.\"},{\"type\":\"text\",\"text\":\"Two.\"}]},"
    "  {\"role\":\"user\",\"content\":["
    "    {\"type\":\"text\",\"text\":\"Hi\"},"
    "    {\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBO\"}},"
    "    {\"type\":\"file\",\"file\":{\"filename\":\"a.pdf\",\"file_data\":\"data:application/pdf;base64,JVBE\"}},"
    "    {\"type\":\"input_audio\",\"input_audio\":{\"data\":\"SUQz\",\"format\":\"mp3\"}}]},"
    "  {\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"Plan A.\\n\\nPlan B.\",\"tool_calls\":["
    "    {\"id\":\"toolu_1\",\"type\":\"function\",\"function\":{\"name\":\"mcp__fetch_the_document\",\"arguments\":\"{\\\"url\\\":\\\"x\\\"}\"}},"
    "    {\"id\":\"toolu_2\",\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"arguments\":\"{}\"}}]},"
    "  {\"role\":\"tool\",\"tool_call_id\":\"toolu_1\",\"content\":\"page 1\\n\\npage 2\"},"
    "  {\"role\":\"tool\",\"tool_call_id\":\"toolu_2\",\"content\":[{\"type\":\"text\",\"text\":\"a chart\"},"
    "    {\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/c.png\"}}]},"
    "  {\"role\":\"user\",\"content\":\"And also this.\"},"
    "  {\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
    "    {\"id\":\"toolu_3\",\"type\":\"function\",\"function\":{\"name\":\"a_plain_tool_name_that_is_far_too_long_for_the_sixty_four_charac\",\"arguments\":\"{}\"}}]},"
    "  {\"role\":\"tool\",\"tool_call_id\":\"toolu_3\",\"content\":\"\"}],"
    " \"tools\":["
    "  {\"type\":\"function\",\"function\":{\"name\":\"mcp__fetch_the_document\",\"description\":\"Fetch\","
    "    \"parameters\":{\"type\":\"object\",\"properties\":{\"url\":{\"type\":\"string\"}}}}},"
    "  {\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"strict\":false}},"
    "  {\"type\":\"function\",\"function\":{\"name\":\"a_plain_tool_name_that_is_far_too_long_for_the_sixty_four_charac\"}}],"
    " \"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"mcp__fetch_the_document\"}},"
    " \"parallel_tool_calls\":true,"
    " \"max_tokens\":1000,\"temperature\":0.25,\"top_k\":5,\"stop\":\"END\",\"reasoning_effort\":\"high\","
    " \"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"response\",\"schema\":{\"type\":\"object\"}}},"
    " \"user\":\"u\"}");
  tt_assert_json_equal (out, expected);

  /* The renames are recorded for the answer. */
  g_assert_cmpstr (sy_translate_ctx_client_tool_name (ctx, "mcp__fetch_the_document"), ==, long_name);
  g_assert_cmpstr (sy_translate_ctx_client_tool_name (ctx, "a_plain_tool_name_that_is_far_too_long_for_the_sixty_four_charac"),
                   ==, long_plain);
}

static void
test_encode_collisions (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx ();
  g_autoptr(SyIrRequest) request = sy_ir_request_new ();
  g_autoptr(JsonNode) out = NULL;
  g_autoptr(JsonNode) expected = NULL;
  SyIrTool *tool;

  sy_ir_message_add (sy_ir_request_add_message (request, SY_IR_ROLE_USER), text_part ("x"));
  tool = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
  tool->name = g_strdup ("mcp__first_server_with_a_very_long_name_indeed_it_is_long__search");
  g_ptr_array_add (request->tools, tool);
  tool = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
  tool->name = g_strdup ("mcp__second_server_with_a_very_long_name_indeed_it_is_long__search");
  g_ptr_array_add (request->tools, tool);

  out = encode_ok (request, ctx);
  expected = tt_parse ("[{\"type\":\"function\",\"function\":{\"name\":\"mcp__search\"}},"
                       " {\"type\":\"function\",\"function\":{\"name\":\"mcp__search_1\"}}]");
  tt_assert_json_equal (json_object_get_member (json_node_get_object (out), "tools"), expected);
  g_assert_cmpstr (sy_translate_ctx_client_tool_name (ctx, "mcp__search_1"), ==,
                   "mcp__second_server_with_a_very_long_name_indeed_it_is_long__search");
}

static void
test_encode_reasoning (void)
{
  static const struct
  {
    SyIrReasoningMode mode;
    SyIrLevel         level;
    gint64            budget;
    const char       *effort;
  } cases[] = {
    { SY_IR_REASONING_UNSET, 0, 0, NULL },
    { SY_IR_REASONING_NONE, 0, 0, "none" },
    { SY_IR_REASONING_AUTO, 0, 0, "auto" },
    { SY_IR_REASONING_LEVEL, SY_IR_LEVEL_MINIMAL, 0, "minimal" },
    { SY_IR_REASONING_LEVEL, SY_IR_LEVEL_XHIGH, 0, "xhigh" },
    { SY_IR_REASONING_BUDGET, 0, 1024, "low" },
    { SY_IR_REASONING_BUDGET, 0, 8000, "medium" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx ();
      g_autoptr(SyIrRequest) request = sy_ir_request_new ();
      g_autoptr(JsonNode) out = NULL;
      JsonObject *body;

      sy_ir_message_add (sy_ir_request_add_message (request, SY_IR_ROLE_USER), text_part ("x"));
      request->reasoning.mode = cases[i].mode;
      request->reasoning.level = cases[i].level;
      request->reasoning.budget = cases[i].budget;
      out = encode_ok (request, ctx);
      body = json_node_get_object (out);
      g_assert_cmpstr (sy_json_get_string (body, "reasoning_effort"), ==, cases[i].effort);
      /* Not streaming: no stream_options. */
      g_assert_false (json_object_has_member (body, "stream_options"));
      g_assert_cmpint (sy_json_get_bool (body, "stream"), ==, 0);
    }
}

static void
test_encode_errors (void)
{
  static const struct
  {
    SyIrToolType type;
    SyFormat     raw_format;
    const char  *message;
  } cases[] = {
    { SY_IR_TOOL_WEB_SEARCH, SY_FORMAT_CLAUDE, "tools[1]" },
    { SY_IR_TOOL_CODE_EXECUTION, SY_FORMAT_GEMINI, "tools[1]" },
    { SY_IR_TOOL_URL_CONTEXT, SY_FORMAT_GEMINI, "tools[1]" },
    { SY_IR_TOOL_OTHER, SY_FORMAT_OPENAI_RESPONSES, "tools[1]" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx ();
      g_autoptr(SyIrRequest) request = sy_ir_request_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) out = NULL;
      SyIrTool *tool;

      sy_ir_message_add (sy_ir_request_add_message (request, SY_IR_ROLE_USER), text_part ("x"));
      tool = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
      tool->name = g_strdup ("f");
      g_ptr_array_add (request->tools, tool);
      tool = sy_ir_tool_new (cases[i].type);
      tool->name = g_strdup ("builtin");
      tool->raw = tt_parse ("{\"type\":\"builtin\"}");
      tool->raw_format = cases[i].raw_format;
      g_ptr_array_add (request->tools, tool);
      out = sy_codec_openai ()->encode_request (request, ctx, &error);
      g_assert_null (out);
      g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UNSUPPORTED);
      g_assert_nonnull (strstr (error->message, cases[i].message));
    }

  /* A document known only by URL cannot be sent. */
  {
    g_autoptr(SyTranslateCtx) ctx = new_ctx ();
    g_autoptr(SyIrRequest) request = sy_ir_request_new ();
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) out = NULL;
    SyIrMessage *message = sy_ir_request_add_message (request, SY_IR_ROLE_USER);
    SyIrPart *part = sy_ir_part_new (SY_IR_PART_DOCUMENT);

    sy_ir_message_add (message, text_part ("read"));
    part->url = g_strdup ("https://example.com/a.pdf");
    sy_ir_message_add (message, part);
    out = sy_codec_openai ()->encode_request (request, ctx, &error);
    g_assert_null (out);
    g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UNSUPPORTED);
    g_assert_nonnull (strstr (error->message, "messages[0].content[1]"));
  }

  /* An OpenAI built-in tool passes through to an OpenAI upstream. */
  {
    g_autoptr(SyTranslateCtx) ctx = new_ctx ();
    g_autoptr(SyIrRequest) request = decode_ok (ctx,
      "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"web_search_preview\"}]}");
    g_autoptr(JsonNode) out = encode_ok (request, ctx);
    g_autoptr(JsonNode) expected = tt_parse ("[{\"type\":\"web_search_preview\"}]");

    tt_assert_json_equal (json_object_get_member (json_node_get_object (out), "tools"), expected);
  }
}

static void
test_request_round_trip (void)
{
  static const char * const bodies[] = {
    "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
    " \"messages\":["
    "  {\"role\":\"system\",\"content\":\"S1\"},{\"role\":\"system\",\"content\":\"S2\"},"
    "  {\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"},"
    "    {\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA\"}},"
    "    {\"type\":\"input_audio\",\"input_audio\":{\"data\":\"UklG\",\"format\":\"wav\"}},"
    "    {\"type\":\"file\",\"file\":{\"file_data\":\"data:application/pdf;base64,JVBE\",\"filename\":\"x.pdf\"}}]},"
    "  {\"role\":\"assistant\",\"reasoning_content\":\"hmm\",\"content\":\"ok\",\"tool_calls\":["
    "    {\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":[1,2]}\"}},"
    "    {\"id\":\"c2\",\"type\":\"function\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}]},"
    "  {\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"r1\"},"
    "  {\"role\":\"tool\",\"tool_call_id\":\"c2\",\"content\":[{\"type\":\"text\",\"text\":\"r2\"},"
    "    {\"type\":\"image_url\",\"image_url\":{\"url\":\"https://e.com/i.png\"}}]},"
    "  {\"role\":\"user\",\"content\":\"next\"},"
    "  {\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"x\"},{\"type\":\"text\",\"text\":\"y\"}]}],"
    " \"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"description\":\"d\",\"parameters\":{\"type\":\"object\"},\"strict\":false}},"
    "  {\"type\":\"function\",\"function\":{\"name\":\"g\"}},{\"type\":\"file_search\",\"vector_store_ids\":[\"v\"]}],"
    " \"tool_choice\":\"required\",\"parallel_tool_calls\":true,\"max_completion_tokens\":64,"
    " \"temperature\":1,\"top_p\":0.5,\"top_k\":3,\"stop\":[\"a\",\"b\"],\"seed\":-4,"
    " \"presence_penalty\":0.5,\"frequency_penalty\":0.25,\"n\":3,\"logprobs\":true,\"top_logprobs\":2,"
    " \"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"n\",\"schema\":{\"type\":\"object\"},\"strict\":false}},"
    " \"reasoning_effort\":\"low\",\"user\":\"me\"}",
    "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":\"only\",\"reasoning_effort\":\"none\","
    " \"response_format\":{\"type\":\"json_object\"}}",
    "{\"messages\":[{\"role\":\"developer\",\"content\":\"d\"},{\"role\":\"user\",\"content\":\"\"},"
    " {\"role\":\"assistant\",\"content\":\"\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
    " \"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}},\"reasoning_effort\":\"auto\"}",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx ();
      g_autoptr(SyIrRequest) first = decode_ok (ctx, bodies[i]);
      g_autoptr(JsonNode) encoded = NULL;
      g_autoptr(SyIrRequest) second = NULL;
      g_autoptr(JsonNode) a = NULL;
      g_autoptr(JsonNode) b = NULL;
      g_autoptr(GError) error = NULL;

      encoded = encode_ok (first, ctx);
      second = sy_codec_openai ()->decode_request (encoded, ctx, &error);
      g_assert_no_error (error);
      a = sy_ir_request_to_json (first);
      b = sy_ir_request_to_json (second);
      tt_assert_json_equal (b, a);
    }
}

/* ------------------------------------------------------- whole answers */

static const char answer_json[] =
  "{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion\",\"created\":1712345678,\"model\":\"up-model\","
  " \"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Let me check.\","
  "   \"reasoning_content\":\"User wants weather.\",\"tool_calls\":["
  "   {\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"mcp__weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
  "   {\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"clock\",\"arguments\":\"\"}}]},"
  "   \"finish_reason\":\"tool_calls\"},"
  "  {\"index\":1,\"message\":{\"role\":\"assistant\",\"content\":\"other\"},\"finish_reason\":\"stop\"}],"
  " \"usage\":{\"prompt_tokens\":100,\"completion_tokens\":40,\"total_tokens\":140,"
  "   \"prompt_tokens_details\":{\"cached_tokens\":64},\"completion_tokens_details\":{\"reasoning_tokens\":12}}}";

static void
test_decode_response (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx ();
  g_autoptr(JsonNode) body = tt_parse (answer_json);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyIrResponse) response = NULL;
  g_autoptr(JsonNode) actual = NULL;
  g_autoptr(JsonNode) expected = NULL;

  sy_translate_ctx_add_tool_name (ctx, "mcp__server_with_long_name__weather", "mcp__weather");
  response = sy_codec_openai ()->decode_response (body, ctx, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (response->native_finish, ==, "tool_calls");
  actual = sy_ir_response_to_json (response);
  expected = tt_parse (
    "{\"id\":\"chatcmpl-up\",\"model\":\"up-model\",\"created\":1712345678,\"finish\":\"tool_calls\","
    " \"parts\":[{\"type\":\"thinking\",\"text\":\"User wants weather.\"},{\"type\":\"text\",\"text\":\"Let me check.\"},"
    "  {\"type\":\"tool_call\",\"id\":\"call_1\",\"name\":\"mcp__server_with_long_name__weather\",\"arguments\":{\"city\":\"Paris\"}},"
    "  {\"type\":\"tool_call\",\"id\":\"call_2\",\"name\":\"clock\",\"arguments\":{}}],"
    " \"usage\":{\"input_tokens\":100,\"output_tokens\":40,\"total_tokens\":140,\"cached_tokens\":64,\"reasoning_tokens\":12}}");
  tt_assert_json_equal (actual, expected);
}

static void
test_decode_response_variants (void)
{
  static const struct
  {
    const char *body;
    const char *ir;
  } cases[] = {
    /* length; no total (computed); "reasoning" instead of reasoning_content; content parts; images */
    { "{\"id\":\"a\",\"model\":\"m\",\"choices\":[{\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"p1\"}],"
      "\"reasoning\":\"r\",\"images\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,QQ==\"}}]},"
      "\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}",
      "{\"id\":\"a\",\"model\":\"m\",\"finish\":\"length\",\"parts\":[{\"type\":\"thinking\",\"text\":\"r\"},"
      "{\"type\":\"text\",\"text\":\"p1\"},{\"type\":\"image\",\"mime_type\":\"image/png\",\"data\":\"QQ==\"}],"
      "\"usage\":{\"input_tokens\":3,\"output_tokens\":4,\"total_tokens\":7}}" },
    /* calls with finish "stop" (some servers): tool_calls; a call without id gets one */
    { "{\"choices\":[{\"index\":0,\"message\":{\"content\":null,\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":\"[1]\"}}]},"
      "\"finish_reason\":\"stop\"}]}",
      "{\"finish\":\"tool_calls\",\"parts\":[{\"type\":\"tool_call\",\"id\":\"call_0001\",\"name\":\"f\",\"arguments\":{}}],\"usage\":{}}" },
    { "{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":\"content_filter\"}]}",
      "{\"finish\":\"content_filter\",\"parts\":[{\"type\":\"text\",\"text\":\"x\"}],\"usage\":{}}" },
    { "{\"choices\":[]}", "{\"finish\":\"unset\",\"parts\":[],\"usage\":{}}" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx ();
      g_autoptr(JsonNode) body = tt_parse (cases[i].body);
      g_autoptr(GError) error = NULL;
      g_autoptr(SyIrResponse) response = sy_codec_openai ()->decode_response (body, ctx, &error);
      g_autoptr(JsonNode) actual = NULL;
      g_autoptr(JsonNode) expected = tt_parse (cases[i].ir);

      g_assert_no_error (error);
      actual = sy_ir_response_to_json (response);
      tt_assert_json_equal (actual, expected);
    }
}

static void
test_decode_response_errors (void)
{
  static const struct
  {
    const char *body;
    const char *message;
  } cases[] = {
    { "[1]", "expected a JSON object" },
    { "{\"object\":\"chat.completion\"}", "no choices" },
    { "{\"error\":{\"message\":\"quota exceeded\",\"type\":\"insufficient_quota\"}}", "quota exceeded" },
    { "{\"error\":\"boom\"}", "boom" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx ();
      g_autoptr(JsonNode) body = tt_parse (cases[i].body);
      g_autoptr(GError) error = NULL;
      g_autoptr(SyIrResponse) response = sy_codec_openai ()->decode_response (body, ctx, &error);

      g_assert_null (response);
      g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM);
      g_assert_nonnull (strstr (error->message, cases[i].message));
    }
}

static void
test_encode_response (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx ();
  g_autoptr(SyIrResponse) response = sy_ir_response_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) out = NULL;
  g_autoptr(JsonNode) expected = NULL;
  SyIrPart *part;

  sy_translate_ctx_set_models (ctx, "client-m", "up-m");
  response->model = g_strdup ("up-m");
  part = sy_ir_part_new (SY_IR_PART_THINKING);
  part->text = g_strdup ("th");
  part->signature = g_strdup ("claude#s");
  g_ptr_array_add (response->parts, part);
  g_ptr_array_add (response->parts, sy_ir_part_new_text ("Hello "));
  g_ptr_array_add (response->parts, sy_ir_part_new_text ("world"));
  part = sy_ir_part_new (SY_IR_PART_IMAGE);
  part->mime_type = g_strdup ("image/png");
  part->data = g_strdup ("QQ==");
  g_ptr_array_add (response->parts, part);
  response->finish = SY_IR_FINISH_LENGTH;
  response->usage.input_tokens = 10;
  response->usage.output_tokens = 5;
  response->usage.cache_creation_tokens = 3;

  out = sy_codec_openai ()->encode_response (response, ctx, &error);
  g_assert_no_error (error);
  expected = tt_parse (
    "{\"id\":\"chatcmpl-0001\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"client-m\","
    " \"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello world\",\"reasoning_content\":\"th\","
    "   \"images\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,QQ==\"},\"index\":0}]},"
    "   \"finish_reason\":\"length\"}],"
    " \"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}");
  tt_assert_json_equal (out, expected);

  /* Only calls, no finish reason, no usage: content null, tool_calls, no usage object. */
  {
    g_autoptr(SyIrResponse) calls = sy_ir_response_new ();
    g_autoptr(JsonNode) out2 = NULL;
    g_autoptr(JsonNode) expected2 = NULL;

    calls->id = g_strdup ("msg_1");
    calls->created = 5;
    part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
    part->id = g_strdup ("toolu_1");
    part->name = g_strdup ("f");
    part->arguments = g_strdup ("{\"x\":1}");
    g_ptr_array_add (calls->parts, part);
    out2 = sy_codec_openai ()->encode_response (calls, ctx, &error);
    g_assert_no_error (error);
    expected2 = tt_parse (
      "{\"id\":\"msg_1\",\"object\":\"chat.completion\",\"created\":5,\"model\":\"client-m\","
      " \"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
      "   {\"id\":\"toolu_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\\\":1}\"}}]},"
      "   \"finish_reason\":\"tool_calls\"}]}");
    tt_assert_json_equal (out2, expected2);
  }
}

static void
test_response_round_trip (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx ();
  g_autoptr(JsonNode) body = tt_parse (answer_json);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyIrResponse) first = NULL;
  g_autoptr(SyIrResponse) second = NULL;
  g_autoptr(JsonNode) encoded = NULL;
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;

  first = sy_codec_openai ()->decode_response (body, ctx, &error);
  g_assert_no_error (error);
  encoded = sy_codec_openai ()->encode_response (first, ctx, &error);
  g_assert_no_error (error);
  second = sy_codec_openai ()->decode_response (encoded, ctx, &error);
  g_assert_no_error (error);
  a = sy_ir_response_to_json (first);
  b = sy_ir_response_to_json (second);
  tt_assert_json_equal (b, a);
}

/* ------------------------------------------------------- stream encoder */

typedef struct
{
  GPtrArray *events;   /* char* event names (or NULL) */
  GPtrArray *data;     /* char* */
} Frames;

static void
frames_init (Frames *frames)
{
  frames->events = g_ptr_array_new_with_free_func (g_free);
  frames->data = g_ptr_array_new_with_free_func (g_free);
}

static void
frames_clear (Frames *frames)
{
  g_ptr_array_unref (frames->events);
  g_ptr_array_unref (frames->data);
}

static void
on_frame (const char *event,
          const char *data,
          gsize       len,
          gpointer    user_data)
{
  Frames *frames = user_data;

  g_ptr_array_add (frames->events, g_strdup (event));
  g_ptr_array_add (frames->data, g_strndup (data, len));
}

static JsonObject *
frame_object (Frames *frames,
              guint   i,
              JsonNode **keep)
{
  *keep = tt_parse (g_ptr_array_index (frames->data, i));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*keep));
  return json_node_get_object (*keep);
}

static JsonObject *
frame_delta (JsonObject *chunk)
{
  JsonArray *choices = sy_json_get_array (chunk, "choices");

  g_assert_nonnull (choices);
  g_assert_cmpuint (json_array_get_length (choices), ==, 1);
  return sy_json_get_object (json_array_get_object_element (choices, 0), "delta");
}

static void
emit_event (SyStreamEncoder *encoder,
            SyIrEventType    type,
            const char      *text)
{
  SyIrEvent event;

  sy_ir_event_init (&event, type);
  event.text = text;
  event.text_len = text ? strlen (text) : 0;
  sy_stream_encoder_encode (encoder, &event);
}

static void
emit_call (SyStreamEncoder *encoder,
           SyIrEventType    type,
           guint            index,
           const char      *id,
           const char      *name,
           const char      *text)
{
  SyIrEvent event;

  sy_ir_event_init (&event, type);
  event.index = index;
  event.id = id;
  event.name = name;
  event.text = text;
  event.text_len = text ? strlen (text) : 0;
  sy_stream_encoder_encode (encoder, &event);
}

static void
run_encoder_transcript (gboolean  include_usage,
                        gboolean  send_start,
                        Frames   *frames)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx ();
  g_autoptr(SyIrRequest) request = sy_ir_request_new ();
  SyStreamEncoder *encoder;
  SyIrEvent event;

  request->include_usage = include_usage;
  ctx->client_request = request;
  sy_translate_ctx_set_models (ctx, "client-m", "up-m");
  encoder = sy_codec_openai ()->stream_encoder_new (ctx, on_frame, frames);

  if (send_start)
    {
      sy_ir_event_init (&event, SY_IR_EVENT_START);
      event.id = "msg_abc";
      event.model = "up-m";
      event.created = 1234;
      sy_stream_encoder_encode (encoder, &event);
    }
  emit_event (encoder, SY_IR_EVENT_THINKING, "Thinking \"hard\"\n");
  sy_ir_event_init (&event, SY_IR_EVENT_SIGNATURE);
  event.signature = "claude#sig";
  sy_stream_encoder_encode (encoder, &event);
  emit_event (encoder, SY_IR_EVENT_TEXT, "Hello\t\x01 ");
  emit_event (encoder, SY_IR_EVENT_TEXT, "");
  emit_call (encoder, SY_IR_EVENT_TOOL_CALL_START, 0, "call_a", "get_weather", NULL);
  emit_call (encoder, SY_IR_EVENT_TOOL_CALL_DELTA, 0, NULL, NULL, "{\"city\":");
  emit_call (encoder, SY_IR_EVENT_TOOL_CALL_START, 1, "call_b", "get_time", NULL);
  emit_call (encoder, SY_IR_EVENT_TOOL_CALL_DELTA, 0, NULL, NULL, "\"Paris\"}");
  emit_call (encoder, SY_IR_EVENT_TOOL_CALL_DELTA, 1, NULL, NULL, "{}");
  emit_call (encoder, SY_IR_EVENT_TOOL_CALL_END, 0, NULL, NULL, NULL);
  emit_call (encoder, SY_IR_EVENT_TOOL_CALL_END, 1, NULL, NULL, NULL);
  sy_ir_event_init (&event, SY_IR_EVENT_IMAGE);
  event.mime_type = "image/png";
  event.data = "QQ==";
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_REDACTED_THINKING);
  event.data = "blob";
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_FINISH);
  event.finish = SY_IR_FINISH_TOOL_CALLS;
  sy_stream_encoder_encode (encoder, &event);
  /* Usage after the finish, the way OpenAI upstreams send it. */
  sy_ir_event_init (&event, SY_IR_EVENT_USAGE);
  event.usage.input_tokens = 20;
  event.usage.cached_tokens = 8;
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_USAGE);
  event.usage.output_tokens = 7;
  event.usage.reasoning_tokens = 2;
  sy_stream_encoder_encode (encoder, &event);
  sy_stream_encoder_finish (encoder);
  sy_stream_encoder_finish (encoder);   /* exactly once */
  sy_stream_encoder_free (encoder);
}

static void
test_stream_encoder (void)
{
  Frames frames;
  g_autoptr(GString) args0 = g_string_new (NULL);
  g_autoptr(GString) args1 = g_string_new (NULL);
  g_autoptr(JsonNode) parsed = NULL;
  guint n;
  guint i;

  frames_init (&frames);
  run_encoder_transcript (TRUE, TRUE, &frames);
  n = frames.data->len;
  /* role, thinking, text, start a, delta a, start b, delta a, delta b, image, finish, usage, [DONE] */
  g_assert_cmpuint (n, ==, 12);

  for (i = 0; i < n; i++)
    {
      g_autoptr(JsonNode) keep = NULL;
      JsonObject *chunk;
      JsonObject *delta;
      JsonArray *calls;

      g_assert_null (g_ptr_array_index (frames.events, i));
      if (i == n - 1)
        {
          g_assert_cmpstr (g_ptr_array_index (frames.data, i), ==, "[DONE]");
          continue;
        }
      chunk = frame_object (&frames, i, &keep);
      g_assert_cmpstr (sy_json_get_string (chunk, "id"), ==, "msg_abc");
      g_assert_cmpstr (sy_json_get_string (chunk, "object"), ==, "chat.completion.chunk");
      g_assert_cmpstr (sy_json_get_string (chunk, "model"), ==, "client-m");
      g_assert_true (json_object_has_member (chunk, "created"));
      g_assert_cmpint (json_object_get_int_member (chunk, "created"), ==, 1234);
      if (i == n - 2)
        {
          g_autoptr(JsonNode) want = tt_parse ("{\"prompt_tokens\":20,\"completion_tokens\":7,\"total_tokens\":27,"
                                               "\"prompt_tokens_details\":{\"cached_tokens\":8},"
                                               "\"completion_tokens_details\":{\"reasoning_tokens\":2}}");

          g_assert_cmpuint (json_array_get_length (sy_json_get_array (chunk, "choices")), ==, 0);
          tt_assert_json_equal (json_object_get_member (chunk, "usage"), want);
          continue;
        }
      delta = frame_delta (chunk);
      g_assert_nonnull (delta);
      if (i == 0)
        g_assert_cmpstr (sy_json_get_string (delta, "role"), ==, "assistant");
      else
        g_assert_false (json_object_has_member (delta, "role"));
      if (i == 1)
        g_assert_cmpstr (sy_json_get_string (delta, "reasoning_content"), ==, "Thinking \"hard\"\n");
      if (i == 2)
        g_assert_cmpstr (sy_json_get_string (delta, "content"), ==, "Hello\t\x01 ");
      if (i == 8)
        {
          g_autoptr(JsonNode) want = tt_parse ("{\"images\":[{\"type\":\"image_url\",\"image_url\":"
                                               "{\"url\":\"data:image/png;base64,QQ==\"},\"index\":0}]}");

          tt_assert_json_equal (json_object_get_member (json_array_get_object_element (sy_json_get_array (chunk, "choices"), 0), "delta"), want);
        }
      if (i == n - 3)
        g_assert_cmpstr (sy_json_get_string (json_array_get_object_element (sy_json_get_array (chunk, "choices"), 0),
                                             "finish_reason"), ==, "tool_calls");
      else
        g_assert_true (json_node_is_null (json_object_get_member (
          json_array_get_object_element (sy_json_get_array (chunk, "choices"), 0), "finish_reason")));

      calls = sy_json_get_array (delta, "tool_calls");
      if (calls != NULL)
        {
          JsonObject *call = json_array_get_object_element (calls, 0);
          JsonObject *function = sy_json_get_object (call, "function");
          gint64 index = json_object_get_int_member (call, "index");
          const char *id = sy_json_get_string (call, "id");

          if (id != NULL)
            {
              g_assert_cmpstr (sy_json_get_string (call, "type"), ==, "function");
              g_assert_cmpstr (sy_json_get_string (function, "name"), ==, index == 0 ? "get_weather" : "get_time");
              g_assert_cmpstr (sy_json_get_string (function, "arguments"), ==, "");
            }
          g_string_append (index == 0 ? args0 : args1, sy_json_get_string (function, "arguments"));
        }
    }
  /* The argument fragments of each index concatenate to JSON. */
  parsed = tt_parse (args0->str);
  g_assert_cmpstr (sy_json_get_string (json_node_get_object (parsed), "city"), ==, "Paris");
  g_clear_pointer (&parsed, json_node_unref);
  parsed = tt_parse (args1->str);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (parsed));
  frames_clear (&frames);

  /* Without include_usage there is no usage chunk; without START the opening is synthesized. */
  frames_init (&frames);
  run_encoder_transcript (FALSE, FALSE, &frames);
  g_assert_cmpuint (frames.data->len, ==, 11);
  g_assert_cmpstr (g_ptr_array_index (frames.data, 10), ==, "[DONE]");
  {
    g_autoptr(JsonNode) keep = NULL;
    JsonObject *chunk = frame_object (&frames, 0, &keep);

    g_assert_cmpstr (sy_json_get_string (chunk, "id"), ==, "chatcmpl-0001");
    g_assert_cmpint (json_object_get_int_member (chunk, "created"), ==, 1700000000);
    g_assert_cmpstr (sy_json_get_string (frame_delta (chunk), "role"), ==, "assistant");
  }
  {
    g_autoptr(JsonNode) keep = NULL;
    JsonObject *chunk = frame_object (&frames, 9, &keep);

    g_assert_nonnull (sy_json_get_string (json_array_get_object_element (sy_json_get_array (chunk, "choices"), 0),
                                          "finish_reason"));
  }
  frames_clear (&frames);
}

static void
test_stream_encoder_finish_only (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx ();
  Frames frames;
  SyStreamEncoder *encoder;
  g_autoptr(JsonNode) keep = NULL;
  JsonObject *chunk;

  /* No client request at all, no events: role, stop, [DONE]. */
  frames_init (&frames);
  encoder = sy_codec_openai ()->stream_encoder_new (ctx, on_frame, &frames);
  sy_stream_encoder_finish (encoder);
  sy_stream_encoder_free (encoder);
  g_assert_cmpuint (frames.data->len, ==, 3);
  chunk = frame_object (&frames, 1, &keep);
  g_assert_cmpstr (sy_json_get_string (json_array_get_object_element (sy_json_get_array (chunk, "choices"), 0),
                                       "finish_reason"), ==, "stop");
  g_assert_cmpstr (g_ptr_array_index (frames.data, 2), ==, "[DONE]");
  frames_clear (&frames);
}

static void
test_stream_encoder_error (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx ();
  g_autoptr(SyIrRequest) request = sy_ir_request_new ();
  g_autoptr(JsonNode) data = NULL;
  g_autoptr(JsonNode) want = NULL;
  Frames frames;
  SyStreamEncoder *encoder;
  SyIrEvent event;

  request->include_usage = TRUE;
  ctx->client_request = request;
  frames_init (&frames);
  encoder = sy_codec_openai ()->stream_encoder_new (ctx, on_frame, &frames);
  emit_event (encoder, SY_IR_EVENT_TEXT, "partial");
  sy_ir_event_init (&event, SY_IR_EVENT_ERROR);
  event.status = 429;
  event.text = "slow down";
  event.text_len = strlen (event.text);
  sy_stream_encoder_encode (encoder, &event);
  emit_event (encoder, SY_IR_EVENT_TEXT, "more");
  sy_stream_encoder_finish (encoder);
  sy_stream_encoder_free (encoder);

  /* role, text, error: nothing after the error, not even [DONE]. */
  g_assert_cmpuint (frames.data->len, ==, 3);
  data = tt_parse (g_ptr_array_index (frames.data, 2));
  want = tt_parse ("{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit_error\",\"code\":\"rate_limit_exceeded\"}}");
  tt_assert_json_equal (data, want);
  frames_clear (&frames);

  /* An upstream error type is kept; unknown status → server error. */
  frames_init (&frames);
  encoder = sy_codec_openai ()->stream_encoder_new (ctx, on_frame, &frames);
  sy_ir_event_init (&event, SY_IR_EVENT_ERROR);
  event.text = "overloaded";
  event.error_type = "overloaded_error";
  sy_stream_encoder_encode (encoder, &event);
  sy_stream_encoder_finish (encoder);
  sy_stream_encoder_free (encoder);
  g_assert_cmpuint (frames.data->len, ==, 1);
  g_clear_pointer (&data, json_node_unref);
  g_clear_pointer (&want, json_node_unref);
  data = tt_parse (g_ptr_array_index (frames.data, 0));
  want = tt_parse ("{\"error\":{\"message\":\"overloaded\",\"type\":\"overloaded_error\",\"code\":\"internal_server_error\"}}");
  tt_assert_json_equal (data, want);
  frames_clear (&frames);
}

/* ------------------------------------------------------- stream decoder */

static void
collect_event (const SyIrEvent *event,
               gpointer         user_data)
{
  JsonArray *events = user_data;

  json_array_add_element (events, sy_ir_event_to_json (event));
}

/* Feeds each SSE event of @sse (data lines only) and finishes. */
static JsonNode *
decode_stream (SyTranslateCtx *ctx,
               const char     *sse,
               GError        **error)
{
  JsonArray *events = json_array_new ();
  JsonNode *result = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(GPtrArray) frames = tt_sse_parse (sse, strlen (sse));
  SyStreamDecoder *decoder = sy_codec_openai ()->stream_decoder_new (ctx, collect_event, events);
  gboolean ok = TRUE;
  guint i;

  json_node_take_array (result, events);
  for (i = 0; ok && i < frames->len; i++)
    {
      TtFrame *frame = g_ptr_array_index (frames, i);

      ok = sy_stream_decoder_feed (decoder, frame->event, frame->data, strlen (frame->data), error);
    }
  if (ok)
    ok = sy_stream_decoder_finish (decoder, error);
  sy_stream_decoder_free (decoder);
  if (!ok)
    {
      json_node_unref (result);
      return NULL;
    }
  return result;
}

static const char stream_transcript[] =
  "data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1712,\"model\":\"up\","
  "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n"
  ": keep-alive\n\n"
  "data: {\"id\":\"chatcmpl-9\",\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"Let me \"},\"finish_reason\":null}]}\n\n"
  "data: {\"id\":\"chatcmpl-9\",\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":[{\"text\":\"think.\"}]},\"finish_reason\":null}]}\n\n"
  "data: {\"id\":\"chatcmpl-9\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Checking both.\"},\"finish_reason\":null}]}\n\n"
  "data: {\"id\":\"chatcmpl-9\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_w\",\"type\":\"function\","
  "\"function\":{\"name\":\"mcp__weather\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n"
  "data: {\"id\":\"chatcmpl-9\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]},\"finish_reason\":null}]}\n\n"
  "data: {\"id\":\"chatcmpl-9\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_t\",\"type\":\"function\","
  "\"function\":{\"name\":\"clock\",\"arguments\":\"{\\\"tz\\\"\"}}]},\"finish_reason\":null}]}\n\n"
  "data: {\"id\":\"chatcmpl-9\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}},"
  "{\"index\":1,\"function\":{\"arguments\":\":\\\"UTC\\\"}\"}}]},\"finish_reason\":null}]}\n\n"
  "data: {\"id\":\"chatcmpl-9\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
  "data: {\"id\":\"chatcmpl-9\",\"choices\":[],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":30,\"total_tokens\":80,"
  "\"prompt_tokens_details\":{\"cached_tokens\":10},\"completion_tokens_details\":{\"reasoning_tokens\":5}}}\n\n"
  "data: [DONE]\n\n";

static void
test_stream_decoder (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) events = NULL;
  g_autoptr(JsonNode) expected = NULL;

  sy_translate_ctx_add_tool_name (ctx, "mcp__long_server__weather", "mcp__weather");
  events = decode_stream (ctx, stream_transcript, &error);
  g_assert_no_error (error);
  expected = tt_parse (
    "[{\"type\":\"start\",\"id\":\"chatcmpl-9\",\"model\":\"up\",\"created\":1712},"
    " {\"type\":\"thinking\",\"text\":\"Let me \"},"
    " {\"type\":\"thinking\",\"text\":\"think.\"},"
    " {\"type\":\"text\",\"text\":\"Checking both.\"},"
    " {\"type\":\"tool_call_start\",\"index\":0,\"id\":\"call_w\",\"name\":\"mcp__long_server__weather\"},"
    " {\"type\":\"tool_call_delta\",\"index\":0,\"text\":\"{\\\"city\\\":\"},"
    " {\"type\":\"tool_call_start\",\"index\":1,\"id\":\"call_t\",\"name\":\"clock\"},"
    " {\"type\":\"tool_call_delta\",\"index\":1,\"text\":\"{\\\"tz\\\"\"},"
    " {\"type\":\"tool_call_delta\",\"index\":0,\"text\":\"\\\"Paris\\\"}\"},"
    " {\"type\":\"tool_call_delta\",\"index\":1,\"text\":\":\\\"UTC\\\"}\"},"
    " {\"type\":\"tool_call_end\",\"index\":0},"
    " {\"type\":\"tool_call_end\",\"index\":1},"
    " {\"type\":\"finish\",\"finish\":\"tool_calls\"},"
    " {\"type\":\"usage\",\"usage\":{\"input_tokens\":50,\"output_tokens\":30,\"total_tokens\":80,"
    "   \"cached_tokens\":10,\"reasoning_tokens\":5}}]");
  tt_assert_json_equal (events, expected);
}

static void
test_stream_decoder_variants (void)
{
  static const struct
  {
    const char *sse;
    const char *events;
  } cases[] = {
    /* No finish_reason at all: finish() closes the call and reports tool_calls. */
    { "data: {\"id\":\"x\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}\n\n",
      "[{\"type\":\"start\",\"id\":\"x\",\"model\":\"m\"},{\"type\":\"text\",\"text\":\"Hi\"},"
      " {\"type\":\"tool_call_start\",\"index\":0,\"id\":\"c\",\"name\":\"f\"},"
      " {\"type\":\"tool_call_delta\",\"index\":0,\"text\":\"{}\"},"
      " {\"type\":\"tool_call_end\",\"index\":0},{\"type\":\"finish\",\"finish\":\"tool_calls\"}]" },
    /* Text only, no finish_reason, stream ends: STOP. */
    { "data: {\"id\":\"x\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n",
      "[{\"type\":\"start\",\"id\":\"x\"},{\"type\":\"text\",\"text\":\"Hi\"},{\"type\":\"finish\",\"finish\":\"stop\"}]" },
    /* Nothing at all. */
    { "data: [DONE]\n\n", "[{\"type\":\"finish\",\"finish\":\"stop\"}]" },
    /* Usage in the finishing chunk; length; "reasoning" as the field name; an object reasoning. */
    { "data: {\"id\":\"x\",\"choices\":[{\"delta\":{\"reasoning\":\"r\"}}]}\n\n"
      "data: {\"id\":\"x\",\"choices\":[{\"delta\":{\"reasoning_content\":{\"text\":\"s\"}}}]}\n\n"
      "data: {\"id\":\"x\",\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n\n",
      "[{\"type\":\"start\",\"id\":\"x\"},{\"type\":\"thinking\",\"text\":\"r\"},{\"type\":\"thinking\",\"text\":\"s\"},"
      " {\"type\":\"finish\",\"finish\":\"length\"},"
      " {\"type\":\"usage\",\"usage\":{\"input_tokens\":1,\"output_tokens\":2,\"total_tokens\":3}}]" },
    /* Calls without index (told apart by id), name arriving after arguments, no id (generated). */
    { "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\\\"\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"function\":{\"arguments\":\":1}\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":5,\"function\":{\"arguments\":\"{\\\"y\\\":2}\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":5,\"function\":{\"name\":\"h\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
      "[{\"type\":\"start\"},"
      " {\"type\":\"tool_call_start\",\"index\":0,\"id\":\"a\",\"name\":\"f\"},"
      " {\"type\":\"tool_call_delta\",\"index\":0,\"text\":\"{\\\"x\\\"\"},"
      " {\"type\":\"tool_call_delta\",\"index\":0,\"text\":\":1}\"},"
      " {\"type\":\"tool_call_start\",\"index\":1,\"id\":\"b\",\"name\":\"g\"},"
      " {\"type\":\"tool_call_delta\",\"index\":1,\"text\":\"{}\"},"
      " {\"type\":\"tool_call_start\",\"index\":2,\"id\":\"call_0001\",\"name\":\"h\"},"
      " {\"type\":\"tool_call_delta\",\"index\":2,\"text\":\"{\\\"y\\\":2}\"},"
      " {\"type\":\"tool_call_end\",\"index\":0},{\"type\":\"tool_call_end\",\"index\":1},{\"type\":\"tool_call_end\",\"index\":2},"
      " {\"type\":\"finish\",\"finish\":\"tool_calls\"}]" },
    /* Other choices are ignored; images; content_filter. */
    { "data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"B\"}},{\"index\":0,\"delta\":{\"content\":\"A\","
      "\"images\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,QQ==\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"index\":1,\"delta\":{},\"finish_reason\":\"stop\"},{\"index\":0,\"delta\":{},\"finish_reason\":\"content_filter\"}]}\n\n",
      "[{\"type\":\"start\"},{\"type\":\"text\",\"text\":\"A\"},{\"type\":\"image\",\"mime_type\":\"image/png\",\"data\":\"QQ==\"},"
      " {\"type\":\"finish\",\"finish\":\"content_filter\"}]" },
    /* Escapes of every kind, whitespace, escaped keys, numbers written as doubles. */
    { "data:  { \"id\" : \"x\" , \"choices\" : [ { \"delta\" : { \"cont\\u0065nt\" :"
      " \"caf\\u00e9 \\ud83d\\ude00 \\ud800 \\\"q\\\" a\\/b\\\\ \\b\\f\\n\\r\\t \\u0041\" } } ] ,"
      " \"usage\" : { \"prompt_tokens\" : 1.0 , \"completion_tokens\" : 2e1 , \"total_tokens\" : -0 } }  \n\n",
      "[{\"type\":\"start\",\"id\":\"x\"},"
      " {\"type\":\"text\",\"text\":\"caf\xc3\xa9 \xf0\x9f\x98\x80 \xef\xbf\xbd" " \\\"q\\\" a/b\\\\ \\b\\f\\n\\r\\t A\"},"
      " {\"type\":\"usage\",\"usage\":{\"input_tokens\":1,\"output_tokens\":20,\"total_tokens\":0}},"
      " {\"type\":\"finish\",\"finish\":\"stop\"}]" },
    /* An error in the stream: ERROR and nothing after, not even at finish(). */
    { "data: {\"id\":\"x\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
      "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\",\"code\":503}}\n\n"
      "data: {\"id\":\"x\",\"choices\":[{\"delta\":{\"content\":\"late\"}}]}\n\n",
      "[{\"type\":\"start\",\"id\":\"x\"},{\"type\":\"text\",\"text\":\"Hi\"},"
      " {\"type\":\"error\",\"text\":\"overloaded\",\"error_type\":\"server_error\",\"status\":503}]" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx ();
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) events = decode_stream (ctx, cases[i].sse, &error);
      g_autoptr(JsonNode) expected = tt_parse (cases[i].events);

      g_test_message ("case %u", i);
      g_assert_no_error (error);
      tt_assert_json_equal (events, expected);
    }
}

static void
test_stream_decoder_errors (void)
{
  static const char * const inputs[] = {
    "data: {not json\n\n",
    "data: [1,2]\n\n",
    "data: \"text\"\n\n",
    "data: {\"a\":1,}\n\n",
    "data: {\"a\":[1,]}\n\n",
    "data: {\"a\":\"unterminated}\n\n",
    "data: {\"a\":\"bad \\x escape\"}\n\n",
    "data: {\"a\":\"bad \\u12G4\"}\n\n",
    "data: {\"a\":\"tab\tinside\"}\n\n",
    "data: {\"a\":01}\n\n",
    "data: {\"a\":-}\n\n",
    "data: {\"a\":1.}\n\n",
    "data: {\"a\":1e}\n\n",
    "data: {\"a\":tru}\n\n",
    "data: {\"a\" 1}\n\n",
    "data: {1:2}\n\n",
    "data: {\"a\":1} x\n\n",
    "data: {\"a\":1}{\"b\":2}\n\n",
    "data: {\"a\":\"\xff\xfe\"}\n\n",
  };
  guint i;

  g_autoptr(GString) deep = g_string_new ("data: {\"a\":");
  g_autoptr(GString) fine = g_string_new ("data: {\"a\":");

  for (i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx ();
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) events = decode_stream (ctx, inputs[i], &error);

      g_test_message ("case %u", i);
      g_assert_null (events);
      g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM);
    }

  /* Nesting is bounded: 62 levels are read, 200 are refused. */
  for (i = 0; i < 200; i++)
    g_string_append_c (deep, '[');
  for (i = 0; i < 200; i++)
    g_string_append_c (deep, ']');
  g_string_append (deep, "}\n\n");
  for (i = 0; i < 62; i++)
    g_string_append_c (fine, '[');
  for (i = 0; i < 62; i++)
    g_string_append_c (fine, ']');
  g_string_append (fine, "}\n\n");
  {
    g_autoptr(SyTranslateCtx) ctx = new_ctx ();
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) events = decode_stream (ctx, deep->str, &error);

    g_assert_null (events);
    g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM);
  }
  {
    g_autoptr(SyTranslateCtx) ctx = new_ctx ();
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) events = decode_stream (ctx, fine->str, &error);

    g_assert_no_error (error);
    g_assert_nonnull (events);
  }
}

/* Decoder into encoder: the OpenAI stream comes back out equivalent. */
typedef struct
{
  SyStreamEncoder *encoder;
} Relay;

static void
relay_event (const SyIrEvent *event,
             gpointer         user_data)
{
  Relay *relay = user_data;

  sy_stream_encoder_encode (relay->encoder, event);
}

static void
test_stream_relay (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx ();
  g_autoptr(SyIrRequest) request = sy_ir_request_new ();
  g_autoptr(GPtrArray) input = tt_sse_parse (stream_transcript, strlen (stream_transcript));
  g_autoptr(GString) again = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(SyTranslateCtx) ctx2 = new_ctx ();
  Frames frames;
  Relay relay;
  SyStreamDecoder *decoder;
  guint i;

  request->include_usage = TRUE;
  ctx->client_request = request;
  frames_init (&frames);
  relay.encoder = sy_codec_openai ()->stream_encoder_new (ctx, on_frame, &frames);
  decoder = sy_codec_openai ()->stream_decoder_new (ctx, relay_event, &relay);
  for (i = 0; i < input->len; i++)
    {
      TtFrame *frame = g_ptr_array_index (input, i);

      g_assert_true (sy_stream_decoder_feed (decoder, frame->event, frame->data, strlen (frame->data), &error));
    }
  g_assert_true (sy_stream_decoder_finish (decoder, &error));
  sy_stream_encoder_finish (relay.encoder);
  sy_stream_decoder_free (decoder);
  sy_stream_encoder_free (relay.encoder);

  for (i = 0; i < frames.data->len; i++)
    g_string_append_printf (again, "data: %s\n\n", (char *) g_ptr_array_index (frames.data, i));
  frames_clear (&frames);

  first = decode_stream (ctx2, stream_transcript, &error);
  g_assert_no_error (error);
  second = decode_stream (ctx2, again->str, &error);
  g_assert_no_error (error);
  tt_assert_json_equal (second, first);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/codec-openai/decode/full", test_decode_full);
  g_test_add_func ("/codec-openai/decode/variants", test_decode_variants);
  g_test_add_func ("/codec-openai/decode/errors", test_decode_errors);
  g_test_add_func ("/codec-openai/encode/request", test_encode_request);
  g_test_add_func ("/codec-openai/encode/collisions", test_encode_collisions);
  g_test_add_func ("/codec-openai/encode/reasoning", test_encode_reasoning);
  g_test_add_func ("/codec-openai/encode/errors", test_encode_errors);
  g_test_add_func ("/codec-openai/request/round-trip", test_request_round_trip);
  g_test_add_func ("/codec-openai/response/decode", test_decode_response);
  g_test_add_func ("/codec-openai/response/decode-variants", test_decode_response_variants);
  g_test_add_func ("/codec-openai/response/decode-errors", test_decode_response_errors);
  g_test_add_func ("/codec-openai/response/encode", test_encode_response);
  g_test_add_func ("/codec-openai/response/round-trip", test_response_round_trip);
  g_test_add_func ("/codec-openai/stream/encoder", test_stream_encoder);
  g_test_add_func ("/codec-openai/stream/encoder-finish-only", test_stream_encoder_finish_only);
  g_test_add_func ("/codec-openai/stream/encoder-error", test_stream_encoder_error);
  g_test_add_func ("/codec-openai/stream/decoder", test_stream_decoder);
  g_test_add_func ("/codec-openai/stream/decoder-variants", test_stream_decoder_variants);
  g_test_add_func ("/codec-openai/stream/decoder-errors", test_stream_decoder_errors);
  g_test_add_func ("/codec-openai/stream/relay", test_stream_relay);

  return g_test_run ();
}
