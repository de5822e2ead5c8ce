/* test-codec-claude.c: the Claude Messages codec
 *
 * Requests (decode, encode, count_tokens), whole answers and streams in
 * both directions, the rules Claude imposes on what we send it
 * (alternation, tool results first, tool ids, signatures), and round trips.
 * JSON in this file is written with single quotes for readability; jp()
 * turns them into double quotes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-codec.h"
#include "translate-test-util.h"


/* ------------------------------------------------------------- helpers */

static JsonNode *
jp (const char *single_quoted)
{
  g_autofree char *text = g_strdup (single_quoted);

  g_strdelimit (text, "'", '"');
  return tt_parse (text);
}

static const SyCodec *
claude (void)
{
  return sy_codec_claude ();
}

static SyTranslateCtx *
new_ctx (SyFormat client,
         SyFormat upstream)
{
  SyTranslateCtx *ctx = sy_translate_ctx_new (client, upstream);

  ctx->deterministic = TRUE;
  ctx->now = 1700000000;
  sy_translate_ctx_set_models (ctx, "client-model", "claude-up");
  return ctx;
}

static SyIrRequest *
decode_ok (const char *json)
{
  g_autoptr(JsonNode) body = jp (json);
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_CLAUDE, SY_FORMAT_CLAUDE);
  g_autoptr(GError) error = NULL;
  SyIrRequest *request = claude ()->decode_request (body, ctx, &error);

  g_assert_no_error (error);
  g_assert_nonnull (request);
  return request;
}

static void
decode_fails (const char *json,
              const char *want)
{
  g_autoptr(JsonNode) body = jp (json);
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_CLAUDE, SY_FORMAT_CLAUDE);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyIrRequest) request = claude ()->decode_request (body, ctx, &error);

  g_assert_null (request);
  g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_INVALID);
  if (strstr (error->message, want) == NULL)
    g_error ("error \"%s\" does not contain \"%s\"", error->message, want);
}

static JsonNode *
encode_ok (const SyIrRequest *request,
           SyTranslateCtx    *ctx)
{
  g_autoptr(GError) error = NULL;
  JsonNode *out = claude ()->encode_request (request, ctx, &error);

  g_assert_no_error (error);
  g_assert_nonnull (out);
  return out;
}

static void
encode_fails (const SyIrRequest *request,
              int                code,
              const char        *want)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_CLAUDE);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) out = claude ()->encode_request (request, ctx, &error);

  g_assert_null (out);
  g_assert_error (error, SY_TRANSLATE_ERROR, code);
  if (strstr (error->message, want) == NULL)
    g_error ("error \"%s\" does not contain \"%s\"", error->message, want);
}

/* Encodes @request for a Claude upstream and compares with @expected. */
static void
assert_encodes (const SyIrRequest *request,
                const char        *expected)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_CLAUDE);
  g_autoptr(JsonNode) out = encode_ok (request, ctx);
  g_autoptr(JsonNode) want = jp (expected);

  tt_assert_json_equal (out, want);
}

static SyIrPart *
call_part (const char *id,
           const char *name,
           const char *arguments,
           const char *signature)
{
  SyIrPart *part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);

  part->id = g_strdup (id);
  part->name = g_strdup (name);
  part->arguments = g_strdup (arguments);
  part->signature = g_strdup (signature);
  return part;
}

static SyIrPart *
result_part (const char *id,
             const char *text)
{
  SyIrPart *part = sy_ir_part_new (SY_IR_PART_TOOL_RESULT);

  part->tool_call_id = g_strdup (id);
  part->content = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
  g_ptr_array_add (part->content, sy_ir_part_new_text (text));
  return part;
}

static SyIrPart *
thinking_part (const char *text,
               const char *signature)
{
  SyIrPart *part = sy_ir_part_new (SY_IR_PART_THINKING);

  part->text = g_strdup (text);
  part->signature = g_strdup (signature);
  return part;
}

static void
add (SyIrRequest *request,
     SyIrRole     role,
     SyIrPart    *part)
{
  sy_ir_message_add (sy_ir_request_add_message (request, role), part);
}

static SyIrPart *
part_at (SyIrRequest *request,
         guint        message,
         guint        part)
{
  SyIrMessage *m = g_ptr_array_index (request->messages, message);

  g_assert_cmpuint (part, <, m->parts->len);
  return g_ptr_array_index (m->parts, part);
}

/* ---------------------------------------------------- request decoding */

static void
test_decode_fields (void)
{
  g_autoptr(SyIrRequest) r = decode_ok (
    "{'model':'claude-sonnet-4-5','max_tokens':1024,'stream':true,"
    " 'system':[{'type':'text','text':'Be terse.','cache_control':{'type':'ephemeral'}},"
    "           {'type':'text','text':'Use metric units.'}],"
    " 'messages':[{'role':'user','content':'Weather in Paris?'}],"
    " 'tools':[{'name':'get_weather','description':'Look it up',"
    "           'input_schema':{'type':'object','properties':{'city':{'type':'string'}}},"
    "           'cache_control':{'type':'ephemeral'}},"
    "          {'type':'custom','name':'noargs'},"
    "          {'type':'web_search_20250305','name':'web_search','max_uses':3},"
    "          {'type':'bash_20250124','name':'bash'}],"
    " 'tool_choice':{'type':'tool','name':'get_weather','disable_parallel_tool_use':true},"
    " 'temperature':0.5,'top_p':0.9,'top_k':40,'stop_sequences':['END','STOP'],"
    " 'metadata':{'user_id':'user-42'}}");
  SyIrTool *tool;

  g_assert_cmpstr (r->model, ==, "claude-sonnet-4-5");
  g_assert_cmpint (r->max_tokens, ==, 1024);
  g_assert_true (r->stream);
  g_assert_cmpuint (r->system->len, ==, 2);
  g_assert_cmpstr (((SyIrPart *) g_ptr_array_index (r->system, 0))->text, ==, "Be terse.");
  g_assert_cmpstr (((SyIrPart *) g_ptr_array_index (r->system, 1))->text, ==, "Use metric units.");
  g_assert_cmpuint (r->messages->len, ==, 1);
  g_assert_cmpint (((SyIrMessage *) g_ptr_array_index (r->messages, 0))->role, ==, SY_IR_ROLE_USER);
  g_assert_cmpstr (part_at (r, 0, 0)->text, ==, "Weather in Paris?");

  g_assert_cmpuint (r->tools->len, ==, 4);
  tool = g_ptr_array_index (r->tools, 0);
  g_assert_cmpint (tool->type, ==, SY_IR_TOOL_FUNCTION);
  g_assert_cmpstr (tool->name, ==, "get_weather");
  g_assert_cmpstr (tool->description, ==, "Look it up");
  g_assert_nonnull (tool->parameters);
  tool = g_ptr_array_index (r->tools, 1);
  g_assert_cmpint (tool->type, ==, SY_IR_TOOL_FUNCTION);
  g_assert_cmpstr (tool->name, ==, "noargs");
  g_assert_null (tool->parameters);
  tool = g_ptr_array_index (r->tools, 2);
  g_assert_cmpint (tool->type, ==, SY_IR_TOOL_WEB_SEARCH);
  g_assert_cmpint (tool->raw_format, ==, SY_FORMAT_CLAUDE);
  g_assert_nonnull (tool->raw);
  tool = g_ptr_array_index (r->tools, 3);
  g_assert_cmpint (tool->type, ==, SY_IR_TOOL_OTHER);
  g_assert_cmpstr (tool->name, ==, "bash");

  g_assert_cmpint (r->tool_choice, ==, SY_IR_TOOL_CHOICE_NAMED);
  g_assert_cmpstr (r->tool_choice_name, ==, "get_weather");
  g_assert_cmpint (r->parallel_tool_calls, ==, 0);
  g_assert_true (r->has_temperature);
  g_assert_cmpfloat (r->temperature, ==, 0.5);
  g_assert_true (r->has_top_p);
  g_assert_cmpfloat (r->top_p, ==, 0.9);
  g_assert_cmpint (r->top_k, ==, 40);
  g_assert_cmpuint (r->stop->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (r->stop, 1), ==, "STOP");
  g_assert_cmpstr (r->user, ==, "user-42");
  g_assert_cmpint (r->reasoning.mode, ==, SY_IR_REASONING_UNSET);
}

static void
test_decode_system_string (void)
{
  g_autoptr(SyIrRequest) r = decode_ok (
    "{'model':'m','system':'You are helpful.','messages':[{'role':'user','content':'hi'}],"
    " 'tool_choice':{'type':'any'}}");
  g_autoptr(SyIrRequest) s = decode_ok (
    "{'model':'m','messages':[],'tool_choice':{'type':'none'}}");
  g_autoptr(SyIrRequest) t = decode_ok (
    "{'model':'m','messages':[],'tool_choice':{'type':'auto','disable_parallel_tool_use':false}}");

  g_assert_cmpuint (r->system->len, ==, 1);
  g_assert_cmpstr (((SyIrPart *) g_ptr_array_index (r->system, 0))->text, ==, "You are helpful.");
  g_assert_cmpint (r->tool_choice, ==, SY_IR_TOOL_CHOICE_REQUIRED);
  g_assert_cmpint (r->parallel_tool_calls, ==, -1);
  g_assert_false (r->stream);
  g_assert_cmpint (r->max_tokens, ==, SY_IR_UNSET);
  g_assert_cmpint (s->tool_choice, ==, SY_IR_TOOL_CHOICE_NONE);
  g_assert_cmpint (t->tool_choice, ==, SY_IR_TOOL_CHOICE_AUTO);
  g_assert_cmpint (t->parallel_tool_calls, ==, -1);
}

static void
test_decode_blocks (void)
{
  g_autoptr(SyIrRequest) r = decode_ok (
    "{'model':'m','messages':["
    " {'role':'user','content':["
    "   {'type':'text','text':'Look','cache_control':{'type':'ephemeral'}},"
    "   {'type':'image','source':{'type':'base64','media_type':'image/jpeg','data':'AAAA'}},"
    "   {'type':'image','source':{'type':'url','url':'https://x.test/a.png'}},"
    "   {'type':'document','source':{'type':'base64','media_type':'application/pdf','data':'JVBE'},'title':'a.pdf'},"
    "   {'type':'document','source':{'type':'url','url':'https://x.test/b.pdf'}},"
    "   {'type':'document','source':{'type':'text','media_type':'text/plain','data':'hello'}}]},"
    " {'role':'assistant','content':["
    "   {'type':'thinking','thinking':'Hmm','signature':'sigA'},"
    "   {'type':'redacted_thinking','data':'BLOB'},"
    "   {'type':'text','text':'Calling'},"
    "   {'type':'tool_use','id':'toolu_1','name':'get_weather','input':{'city':'Paris'}},"
    "   {'type':'tool_use','id':'toolu_2','name':'noargs','input':{}}]},"
    " {'role':'user','content':["
    "   {'type':'tool_result','tool_use_id':'toolu_1','content':'18C'},"
    "   {'type':'tool_result','tool_use_id':'toolu_2','is_error':true,'content':["
    "      {'type':'text','text':'boom'},"
    "      {'type':'image','source':{'type':'base64','media_type':'image/png','data':'BBBB'}}]},"
    "   {'type':'tool_result','tool_use_id':'toolu_3'}]}]}");
  SyIrPart *p;

  g_assert_cmpuint (r->messages->len, ==, 3);

  p = part_at (r, 0, 0);
  g_assert_cmpint (p->type, ==, SY_IR_PART_TEXT);
  g_assert_cmpstr (p->text, ==, "Look");
  p = part_at (r, 0, 1);
  g_assert_cmpint (p->type, ==, SY_IR_PART_IMAGE);
  g_assert_cmpstr (p->mime_type, ==, "image/jpeg");
  g_assert_cmpstr (p->data, ==, "AAAA");
  p = part_at (r, 0, 2);
  g_assert_cmpint (p->type, ==, SY_IR_PART_IMAGE);
  g_assert_cmpstr (p->url, ==, "https://x.test/a.png");
  g_assert_null (p->data);
  p = part_at (r, 0, 3);
  g_assert_cmpint (p->type, ==, SY_IR_PART_DOCUMENT);
  g_assert_cmpstr (p->mime_type, ==, "application/pdf");
  g_assert_cmpstr (p->data, ==, "JVBE");
  g_assert_cmpstr (p->filename, ==, "a.pdf");
  p = part_at (r, 0, 4);
  g_assert_cmpint (p->type, ==, SY_IR_PART_DOCUMENT);
  g_assert_cmpstr (p->url, ==, "https://x.test/b.pdf");
  p = part_at (r, 0, 5);
  g_assert_cmpint (p->type, ==, SY_IR_PART_DOCUMENT);
  g_assert_cmpstr (p->mime_type, ==, "text/plain");
  g_assert_cmpstr (p->data, ==, "aGVsbG8=");

  p = part_at (r, 1, 0);
  g_assert_cmpint (p->type, ==, SY_IR_PART_THINKING);
  g_assert_cmpstr (p->text, ==, "Hmm");
  g_assert_cmpstr (p->signature, ==, "claude#sigA");
  g_assert_false (p->redacted);
  p = part_at (r, 1, 1);
  g_assert_cmpint (p->type, ==, SY_IR_PART_THINKING);
  g_assert_true (p->redacted);
  g_assert_cmpstr (p->data, ==, "BLOB");
  p = part_at (r, 1, 3);
  g_assert_cmpint (p->type, ==, SY_IR_PART_TOOL_CALL);
  g_assert_cmpstr (p->id, ==, "toolu_1");
  g_assert_cmpstr (p->name, ==, "get_weather");
  g_assert_cmpstr (p->arguments, ==, "{\"city\":\"Paris\"}");
  p = part_at (r, 1, 4);
  g_assert_cmpstr (p->arguments, ==, "{}");

  p = part_at (r, 2, 0);
  g_assert_cmpint (p->type, ==, SY_IR_PART_TOOL_RESULT);
  g_assert_cmpstr (p->tool_call_id, ==, "toolu_1");
  g_assert_false (p->is_error);
  g_assert_cmpuint (p->content->len, ==, 1);
  g_assert_cmpstr (((SyIrPart *) g_ptr_array_index (p->content, 0))->text, ==, "18C");
  p = part_at (r, 2, 1);
  g_assert_true (p->is_error);
  g_assert_cmpuint (p->content->len, ==, 2);
  g_assert_cmpint (((SyIrPart *) g_ptr_array_index (p->content, 1))->type, ==, SY_IR_PART_IMAGE);
  p = part_at (r, 2, 2);
  g_assert_cmpuint (p->content->len, ==, 0);
}

static void
test_decode_thinking (void)
{
  static const struct {
    const char *fields;
    SyIrReasoningMode mode;
    SyIrLevel level;
    gint64 budget;
  } cases[] = {
    { "'thinking':{'type':'disabled'}", SY_IR_REASONING_NONE, 0, 0 },
    { "'thinking':{'type':'enabled','budget_tokens':2048}", SY_IR_REASONING_BUDGET, 0, 2048 },
    { "'thinking':{'type':'enabled','budget_tokens':0}", SY_IR_REASONING_NONE, 0, 0 },
    { "'thinking':{'type':'enabled','budget_tokens':-1}", SY_IR_REASONING_AUTO, 0, 0 },
    { "'thinking':{'type':'enabled'}", SY_IR_REASONING_AUTO, 0, 0 },
    { "'thinking':{'type':'adaptive'}", SY_IR_REASONING_LEVEL, SY_IR_LEVEL_HIGH, 0 },  /* effort's default */
    { "'thinking':{'type':'adaptive'},'output_config':{'effort':'high'}", SY_IR_REASONING_LEVEL, SY_IR_LEVEL_HIGH, 0 },
    { "'thinking':{'type':'auto'},'output_config':{'effort':'max'}", SY_IR_REASONING_LEVEL, SY_IR_LEVEL_MAX, 0 },
    { "'thinking':{'type':'adaptive'},'output_config':{'effort':'none'}", SY_IR_REASONING_NONE, 0, 0 },
    { "'output_config':{'effort':'low'}", SY_IR_REASONING_LEVEL, SY_IR_LEVEL_LOW, 0 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strdup_printf ("{'model':'m','messages':[],%s}", cases[i].fields);
      g_autoptr(SyIrRequest) r = decode_ok (json);

      g_test_message ("case %s", cases[i].fields);
      g_assert_cmpint (r->reasoning.mode, ==, cases[i].mode);
      if (cases[i].mode == SY_IR_REASONING_LEVEL)
        g_assert_cmpint (r->reasoning.level, ==, cases[i].level);
      if (cases[i].mode == SY_IR_REASONING_BUDGET)
        g_assert_cmpint (r->reasoning.budget, ==, cases[i].budget);
    }
}

static void
test_decode_output_format (void)
{
  g_autoptr(SyIrRequest) a = decode_ok (
    "{'model':'m','messages':[],'output_format':{'type':'json_schema','schema':{'type':'object'}}}");
  g_autoptr(SyIrRequest) b = decode_ok (
    "{'model':'m','messages':[],'output_config':{'format':{'type':'json_schema','schema':{'type':'object'}}}}");

  g_assert_cmpint (a->response_format, ==, SY_IR_RESPONSE_FORMAT_JSON_SCHEMA);
  g_assert_nonnull (a->response_schema);
  g_assert_cmpint (b->response_format, ==, SY_IR_RESPONSE_FORMAT_JSON_SCHEMA);
  g_assert_nonnull (b->response_schema);
}

static void
test_decode_count_body (void)
{
  /* the count_tokens body: same shape, no max_tokens */
  g_autoptr(SyIrRequest) r = decode_ok (
    "{'model':'claude-sonnet-4-5','system':'x','messages':[{'role':'user','content':'hi'}],"
    " 'tools':[{'name':'t','input_schema':{'type':'object'}}],'thinking':{'type':'enabled','budget_tokens':1024}}");

  g_assert_cmpint (r->max_tokens, ==, SY_IR_UNSET);
  g_assert_cmpuint (r->tools->len, ==, 1);
  g_assert_cmpint (r->reasoning.mode, ==, SY_IR_REASONING_BUDGET);
}

static void
test_decode_errors (void)
{
  static const struct { const char *json; const char *want; } cases[] = {
    { "[]", "request body" },
    { "{'model':'m'}", "messages: missing" },
    { "{'model':1,'messages':[]}", "model: expected a string" },
    { "{'messages':{}}", "messages: expected an array" },
    { "{'messages':[1]}", "messages[0]: expected an object" },
    { "{'messages':[{'role':'system','content':'x'}]}", "messages[0].role" },
    { "{'messages':[{'role':'user'}]}", "messages[0].content: missing" },
    { "{'messages':[{'role':'user','content':5}]}", "messages[0].content: expected a string or an array" },
    { "{'messages':[{'role':'user','content':[{'type':'video'}]}]}", "messages[0].content[0].type: unknown block type \"video\"" },
    { "{'messages':[{'role':'user','content':[{'text':'x'}]}]}", "messages[0].content[0].type: missing" },
    { "{'messages':[{'role':'user','content':['x']}]}", "messages[0].content[0]: expected an object" },
    { "{'messages':[{'role':'user','content':[{'type':'text','text':3}]}]}", "messages[0].content[0].text: expected a string" },
    { "{'messages':[{'role':'user','content':[{'type':'image','source':{'type':'file','file_id':'f'}}]}]}", "messages[0].content[0].source.type" },
    { "{'messages':[{'role':'user','content':[{'type':'image'}]}]}", "messages[0].content[0].source: missing" },
    { "{'messages':[{'role':'user','content':[{'type':'tool_result','content':'x'}]}]}", "tool_use_id: missing" },
    { "{'messages':[{'role':'user','content':[{'type':'tool_result','tool_use_id':'a','content':7}]}]}", "messages[0].content[0].content: expected a string or an array" },
    { "{'messages':[{'role':'user','content':[{'type':'tool_result','tool_use_id':'a','content':[{'type':'tool_use','name':'x'}]}]}]}", "not allowed in a tool_result" },
    { "{'messages':[{'role':'user','content':[{'type':'tool_result','tool_use_id':'a','is_error':'yes'}]}]}", "is_error: expected a boolean" },
    { "{'messages':[{'role':'assistant','content':[{'type':'tool_use','id':'a'}]}]}", "name: missing" },
    { "{'messages':[{'role':'assistant','content':[{'type':'redacted_thinking'}]}]}", "data: missing" },
    { "{'messages':[],'system':3}", "system: expected a string or an array" },
    { "{'messages':[],'system':[{'type':'image'}]}", "system[0].type" },
    { "{'messages':[],'max_tokens':'many'}", "max_tokens: expected an integer" },
    { "{'messages':[],'max_tokens':0}", "max_tokens: expected a positive integer" },
    { "{'messages':[],'max_tokens':1.5}", "max_tokens: expected an integer" },
    { "{'messages':[],'temperature':'hot'}", "temperature: expected a number" },
    { "{'messages':[],'top_k':-1}", "top_k" },
    { "{'messages':[],'stream':'yes'}", "stream: expected a boolean" },
    { "{'messages':[],'stop_sequences':'x'}", "stop_sequences: expected an array" },
    { "{'messages':[],'stop_sequences':[1]}", "stop_sequences[0]: expected a string" },
    { "{'messages':[],'tools':{}}", "tools: expected an array" },
    { "{'messages':[],'tools':[{'description':'x'}]}", "tools[0].name: missing" },
    { "{'messages':[],'tools':[{'name':'x','input_schema':'s'}]}", "tools[0].input_schema: expected an object" },
    { "{'messages':[],'tool_choice':'auto'}", "tool_choice: expected an object" },
    { "{'messages':[],'tool_choice':{'type':'sometimes'}}", "tool_choice.type" },
    { "{'messages':[],'tool_choice':{'type':'tool'}}", "tool_choice.name: missing" },
    { "{'messages':[],'thinking':{'type':'maybe'}}", "thinking.type" },
    { "{'messages':[],'thinking':{'type':'enabled','budget_tokens':'lots'}}", "thinking.budget_tokens: expected an integer" },
    { "{'messages':[],'thinking':{'type':'enabled','budget_tokens':-5}}", "thinking.budget_tokens" },
    { "{'messages':[],'thinking':{'type':'adaptive'},'output_config':{'effort':'extreme'}}", "output_config.effort" },
    { "{'messages':[],'metadata':{'user_id':5}}", "metadata.user_id: expected a string" },
    { "{'messages':[],'output_format':{'type':'json_object'}}", "output_format.type" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case %s", cases[i].json);
      decode_fails (cases[i].json, cases[i].want);
    }
}

/* ---------------------------------------------------- request encoding */

static void
test_encode_basic (void)
{
  g_autoptr(SyIrRequest) r = sy_ir_request_new ();
  SyIrTool *tool = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
  SyIrPart *image = sy_ir_part_new (SY_IR_PART_IMAGE);
  SyIrPart *pdf = sy_ir_part_new (SY_IR_PART_DOCUMENT);
  SyIrPart *text_doc = sy_ir_part_new (SY_IR_PART_DOCUMENT);
  SyIrMessage *m;

  r->model = g_strdup ("gpt-4o");
  r->stream = TRUE;
  g_ptr_array_add (r->system, sy_ir_part_new_text ("Be terse."));
  m = sy_ir_request_add_message (r, SY_IR_ROLE_USER);
  sy_ir_message_add (m, sy_ir_part_new_text ("Look"));
  image->mime_type = g_strdup ("image/png");
  image->data = g_strdup ("iVBO");
  sy_ir_message_add (m, image);
  pdf->mime_type = g_strdup ("application/pdf");
  pdf->data = g_strdup ("JVBE");
  pdf->filename = g_strdup ("report.pdf");
  sy_ir_message_add (m, pdf);
  text_doc->mime_type = g_strdup ("text/plain");
  text_doc->data = g_strdup ("aGVsbG8=");
  sy_ir_message_add (m, text_doc);

  tool->name = g_strdup ("noargs");
  g_ptr_array_add (r->tools, tool);
  tool = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
  tool->name = g_strdup ("typed");
  tool->description = g_strdup ("d");
  tool->parameters = jp ("{'properties':{'a':{'type':'string'}}}");
  g_ptr_array_add (r->tools, tool);
  tool = sy_ir_tool_new (SY_IR_TOOL_WEB_SEARCH);
  tool->name = g_strdup ("web_search");
  g_ptr_array_add (r->tools, tool);
  r->tool_choice = SY_IR_TOOL_CHOICE_REQUIRED;
  r->parallel_tool_calls = 0;

  r->has_temperature = TRUE;
  r->temperature = 0.25;
  r->has_top_p = TRUE;
  r->top_p = 1.0;            /* the no-op default next to a temperature: left out */
  r->top_k = 5;
  r->stop = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (r->stop, g_strdup ("END"));
  r->user = g_strdup ("u1");

  assert_encodes (r,
    "{'model':'claude-up','max_tokens':32000,'stream':true,"
    " 'system':[{'type':'text','text':'Be terse.'}],"
    " 'messages':[{'role':'user','content':["
    "   {'type':'text','text':'Look'},"
    "   {'type':'image','source':{'type':'base64','media_type':'image/png','data':'iVBO'}},"
    "   {'type':'document','source':{'type':'base64','media_type':'application/pdf','data':'JVBE'},'title':'report.pdf'},"
    "   {'type':'document','source':{'type':'text','media_type':'text/plain','data':'hello'}}]}],"
    " 'tools':[{'name':'noargs','input_schema':{'type':'object','properties':{}}},"
    "          {'name':'typed','description':'d','input_schema':{'type':'object','properties':{'a':{'type':'string'}}}},"
    "          {'type':'web_search_20250305','name':'web_search'}],"
    " 'tool_choice':{'type':'any','disable_parallel_tool_use':true},"
    " 'temperature':0.25,'top_k':5,'stop_sequences':['END'],"
    " 'metadata':{'user_id':'u1'}}");

  /* the IR's schema was copied, not changed */
  tool = g_ptr_array_index (r->tools, 1);
  g_assert_false (json_object_has_member (json_node_get_object (tool->parameters), "type"));
}

static void
test_encode_schema_types (void)
{
  g_autoptr(SyIrRequest) r = sy_ir_request_new ();
  SyIrTool *tool = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);

  /* Gemini-style upper-case types become JSON Schema; literals stay */
  tool->name = g_strdup ("f");
  tool->parameters = jp ("{'type':'OBJECT','properties':{'a':{'type':'STRING','enum':['X','Y']},"
                         " 'type':{'type':['INTEGER','NULL'],'default':{'type':'KEEP'}},"
                         " 'list':{'type':'ARRAY','items':[{'type':'NUMBER'}]}}}");
  g_ptr_array_add (r->tools, tool);
  add (r, SY_IR_ROLE_USER, sy_ir_part_new_text ("x"));
  assert_encodes (r,
    "{'model':'claude-up','max_tokens':32000,'stream':false,"
    " 'messages':[{'role':'user','content':[{'type':'text','text':'x'}]}],"
    " 'tools':[{'name':'f','input_schema':{'type':'object','properties':{"
    "   'a':{'type':'string','enum':['X','Y']},"
    "   'type':{'type':['integer','null'],'default':{'type':'KEEP'}},"
    "   'list':{'type':'array','items':[{'type':'number'}]}}}}]}");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (tool->parameters), "type"), ==, "OBJECT");
}

static void
test_encode_alternation (void)
{
  g_autoptr(SyIrRequest) r = sy_ir_request_new ();

  /* starts with the assistant; same-role neighbours; a message left empty
   * (only unsigned thinking) between two user messages */
  add (r, SY_IR_ROLE_ASSISTANT, sy_ir_part_new_text ("Hello, how can I help?"));
  add (r, SY_IR_ROLE_ASSISTANT, sy_ir_part_new_text ("Anything?"));
  add (r, SY_IR_ROLE_USER, sy_ir_part_new_text ("One"));
  add (r, SY_IR_ROLE_ASSISTANT, thinking_part ("private", NULL));
  add (r, SY_IR_ROLE_USER, sy_ir_part_new_text ("Two"));
  add (r, SY_IR_ROLE_USER, sy_ir_part_new_text (""));
  add (r, SY_IR_ROLE_ASSISTANT, sy_ir_part_new_text ("Done"));

  assert_encodes (r,
    "{'model':'claude-up','max_tokens':32000,'stream':false,'messages':["
    " {'role':'user','content':[{'type':'text','text':'.'}]},"
    " {'role':'assistant','content':[{'type':'text','text':'Hello, how can I help?'},{'type':'text','text':'Anything?'}]},"
    " {'role':'user','content':[{'type':'text','text':'One'},{'type':'text','text':'Two'}]},"
    " {'role':'assistant','content':[{'type':'text','text':'Done'}]}]}");
}

static void
test_encode_empty (void)
{
  g_autoptr(SyIrRequest) r = sy_ir_request_new ();

  g_ptr_array_add (r->system, sy_ir_part_new_text ("Only a system prompt."));
  assert_encodes (r,
    "{'model':'claude-up','max_tokens':32000,'stream':false,"
    " 'system':[{'type':'text','text':'Only a system prompt.'}],"
    " 'messages':[{'role':'user','content':[{'type':'text','text':'.'}]}]}");
}

static void
test_encode_tool_results_first (void)
{
  g_autoptr(SyIrRequest) r = sy_ir_request_new ();
  SyIrMessage *m;

  add (r, SY_IR_ROLE_USER, sy_ir_part_new_text ("Weather?"));
  m = sy_ir_request_add_message (r, SY_IR_ROLE_ASSISTANT);
  sy_ir_message_add (m, call_part ("call_1", "get_weather", "{\"city\":\"Paris\"}", NULL));
  sy_ir_message_add (m, call_part ("call_2", "get_time", "", NULL));
  /* text before the results, and the second result in a separate message */
  m = sy_ir_request_add_message (r, SY_IR_ROLE_USER);
  sy_ir_message_add (m, sy_ir_part_new_text ("Also, be brief."));
  sy_ir_message_add (m, result_part ("call_1", "18C"));
  m = sy_ir_request_add_message (r, SY_IR_ROLE_USER);
  sy_ir_message_add (m, result_part ("call_2", "noon"));
  part_at (r, 3, 0)->is_error = TRUE;

  assert_encodes (r,
    "{'model':'claude-up','max_tokens':32000,'stream':false,'messages':["
    " {'role':'user','content':[{'type':'text','text':'Weather?'}]},"
    " {'role':'assistant','content':["
    "   {'type':'tool_use','id':'call_1','name':'get_weather','input':{'city':'Paris'}},"
    "   {'type':'tool_use','id':'call_2','name':'get_time','input':{}}]},"
    " {'role':'user','content':["
    "   {'type':'tool_result','tool_use_id':'call_1','content':'18C'},"
    "   {'type':'tool_result','tool_use_id':'call_2','content':'noon','is_error':true},"
    "   {'type':'text','text':'Also, be brief.'}]}]}");
}

static void
test_encode_tool_ids (void)
{
  g_autoptr(SyIrRequest) r = sy_ir_request_new ();
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_GEMINI, SY_FORMAT_CLAUDE);
  g_autoptr(JsonNode) out = NULL;
  JsonArray *messages;
  JsonObject *use;
  JsonObject *result;
  SyIrPart *rich;

  add (r, SY_IR_ROLE_USER, sy_ir_part_new_text ("Go"));
  add (r, SY_IR_ROLE_ASSISTANT, call_part ("fc.abc/1:x y", "files.read", "not json", NULL));
  rich = result_part ("fc.abc/1:x y", "contents");
  g_ptr_array_add (rich->content, sy_ir_part_new_text ("more"));
  add (r, SY_IR_ROLE_USER, rich);
  add (r, SY_IR_ROLE_ASSISTANT, call_part (NULL, "files.read", "{}", NULL));

  out = encode_ok (r, ctx);
  messages = json_object_get_array_member (json_node_get_object (out), "messages");
  use = json_array_get_object_element (
          json_object_get_array_member (json_array_get_object_element (messages, 1), "content"), 0);
  result = json_array_get_object_element (
          json_object_get_array_member (json_array_get_object_element (messages, 2), "content"), 0);
  g_assert_cmpstr (json_object_get_string_member (use, "id"), ==, "fc_abc_1_x_y");
  g_assert_cmpstr (json_object_get_string_member (result, "tool_use_id"), ==, "fc_abc_1_x_y");
  /* names Claude refuses are renamed, and the rename is remembered */
  g_assert_cmpstr (json_object_get_string_member (use, "name"), ==, "files_read");
  g_assert_cmpstr (sy_translate_ctx_client_tool_name (ctx, "files_read"), ==, "files.read");
  /* arguments that are not an object become {} */
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (use, "input")), ==, 0);
  /* several text parts in a result stay blocks */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "content")), ==, 2);
  /* a call without an id gets one */
  use = json_array_get_object_element (
          json_object_get_array_member (json_array_get_object_element (messages, 3), "content"), 0);
  g_assert_cmpstr (json_object_get_string_member (use, "id"), ==, "toolu_0001");
}

static void
test_encode_signatures (void)
{
  g_autoptr(SyIrRequest) r = sy_ir_request_new ();
  SyIrPart *redacted = sy_ir_part_new (SY_IR_PART_THINKING);
  SyIrMessage *m;

  add (r, SY_IR_ROLE_USER, sy_ir_part_new_text ("Q"));
  m = sy_ir_request_add_message (r, SY_IR_ROLE_ASSISTANT);
  sy_ir_message_add (m, thinking_part ("mine", "claude#sigC"));
  sy_ir_message_add (m, thinking_part ("gemini thought", "gemini#sigG"));
  sy_ir_message_add (m, thinking_part ("openai summary", "openai#enc"));
  sy_ir_message_add (m, thinking_part ("plain reasoning", NULL));
  redacted->redacted = TRUE;
  redacted->data = g_strdup ("BLOB");
  sy_ir_message_add (m, redacted);
  sy_ir_message_add (m, call_part ("t1", "f", "{}", "gemini#callsig"));
  add (r, SY_IR_ROLE_USER, result_part ("t1", "ok"));

  assert_encodes (r,
    "{'model':'claude-up','max_tokens':32000,'stream':false,'messages':["
    " {'role':'user','content':[{'type':'text','text':'Q'}]},"
    " {'role':'assistant','content':["
    "   {'type':'thinking','thinking':'mine','signature':'sigC'},"
    "   {'type':'redacted_thinking','data':'BLOB'},"
    "   {'type':'tool_use','id':'t1','name':'f','input':{}}]},"
    " {'role':'user','content':[{'type':'tool_result','tool_use_id':'t1','content':'ok'}]}]}");
}

static void
test_encode_thinking (void)
{
  static const struct {
    SyIrReasoningMode mode;
    SyIrLevel level;
    gint64 budget;
    gboolean adaptive;
    const char *thinking;
    const char *effort;
  } cases[] = {
    { SY_IR_REASONING_NONE, 0, 0, FALSE, "{'type':'disabled'}", NULL },
    { SY_IR_REASONING_AUTO, 0, 0, FALSE, "{'type':'enabled'}", NULL },
    { SY_IR_REASONING_AUTO, 0, 0, TRUE, "{'type':'adaptive'}", NULL },
    { SY_IR_REASONING_BUDGET, 0, 4096, FALSE, "{'type':'enabled','budget_tokens':4096}", NULL },
    { SY_IR_REASONING_LEVEL, SY_IR_LEVEL_HIGH, 0, FALSE, "{'type':'enabled','budget_tokens':24576}", NULL },
    { SY_IR_REASONING_LEVEL, SY_IR_LEVEL_MINIMAL, 0, TRUE, "{'type':'adaptive'}", "low" },
    { SY_IR_REASONING_LEVEL, SY_IR_LEVEL_MEDIUM, 0, TRUE, "{'type':'adaptive'}", "medium" },
    { SY_IR_REASONING_LEVEL, SY_IR_LEVEL_XHIGH, 0, TRUE, "{'type':'adaptive'}", "high" },
    { SY_IR_REASONING_LEVEL, SY_IR_LEVEL_MAX, 0, TRUE, "{'type':'adaptive'}", "max" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyIrRequest) r = sy_ir_request_new ();
      g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_CLAUDE);
      g_autoptr(JsonNode) out = NULL;
      g_autoptr(JsonNode) want = jp (cases[i].thinking);
      JsonObject *root;

      add (r, SY_IR_ROLE_USER, sy_ir_part_new_text ("x"));
      r->reasoning.mode = cases[i].mode;
      r->reasoning.level = cases[i].level;
      r->reasoning.budget = cases[i].budget;
      r->reasoning.adaptive = cases[i].adaptive;
      out = encode_ok (r, ctx);
      root = json_node_get_object (out);
      g_test_message ("case %u", i);
      tt_assert_json_equal (json_object_get_member (root, "thinking"), want);
      if (cases[i].effort != NULL)
        g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "output_config"),
                                                        "effort"), ==, cases[i].effort);
      else
        g_assert_false (json_object_has_member (root, "output_config"));
    }
}

static void
test_encode_response_format (void)
{
  g_autoptr(SyIrRequest) r = sy_ir_request_new ();
  g_autoptr(SyIrRequest) s = sy_ir_request_new ();

  add (r, SY_IR_ROLE_USER, sy_ir_part_new_text ("x"));
  r->response_format = SY_IR_RESPONSE_FORMAT_JSON_SCHEMA;
  r->response_schema = jp ("{'type':'object','properties':{'a':{'type':'integer'}}}");
  assert_encodes (r,
    "{'model':'claude-up','max_tokens':32000,'stream':false,"
    " 'messages':[{'role':'user','content':[{'type':'text','text':'x'}]}],"
    " 'output_format':{'type':'json_schema','schema':{'type':'object','properties':{'a':{'type':'integer'}}}}}");

  add (s, SY_IR_ROLE_USER, sy_ir_part_new_text ("x"));
  s->response_format = SY_IR_RESPONSE_FORMAT_JSON_OBJECT;
  g_ptr_array_add (s->system, sy_ir_part_new_text ("Sys"));
  assert_encodes (s,
    "{'model':'claude-up','max_tokens':32000,'stream':false,"
    " 'system':[{'type':'text','text':'Sys'},{'type':'text','text':'Respond with a single JSON object.'}],"
    " 'messages':[{'role':'user','content':[{'type':'text','text':'x'}]}]}");
}

static void
test_encode_tool_choice (void)
{
  static const struct { SyIrToolChoice choice; int parallel; const char *want; } cases[] = {
    { SY_IR_TOOL_CHOICE_UNSET, -1, NULL },
    { SY_IR_TOOL_CHOICE_UNSET, 0, "{'type':'auto','disable_parallel_tool_use':true}" },
    { SY_IR_TOOL_CHOICE_AUTO, 1, "{'type':'auto'}" },
    { SY_IR_TOOL_CHOICE_NONE, 0, "{'type':'none'}" },
    { SY_IR_TOOL_CHOICE_REQUIRED, -1, "{'type':'any'}" },
    { SY_IR_TOOL_CHOICE_NAMED, -1, "{'type':'tool','name':'f'}" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyIrRequest) r = sy_ir_request_new ();
      g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_CLAUDE);
      g_autoptr(JsonNode) out = NULL;
      SyIrTool *tool = sy_ir_tool_new (SY_IR_TOOL_FUNCTION);
      JsonObject *root;

      tool->name = g_strdup ("f");
      g_ptr_array_add (r->tools, tool);
      add (r, SY_IR_ROLE_USER, sy_ir_part_new_text ("x"));
      r->tool_choice = cases[i].choice;
      r->tool_choice_name = g_strdup ("f");
      r->parallel_tool_calls = cases[i].parallel;
      out = encode_ok (r, ctx);
      root = json_node_get_object (out);
      if (cases[i].want == NULL)
        g_assert_false (json_object_has_member (root, "tool_choice"));
      else
        {
          g_autoptr(JsonNode) want = jp (cases[i].want);

          tt_assert_json_equal (json_object_get_member (root, "tool_choice"), want);
        }
    }

  /* no tools, no tool_choice (Claude refuses one without the other) */
  {
    g_autoptr(SyIrRequest) r = sy_ir_request_new ();

    add (r, SY_IR_ROLE_USER, sy_ir_part_new_text ("x"));
    r->tool_choice = SY_IR_TOOL_CHOICE_NONE;
    assert_encodes (r, "{'model':'claude-up','max_tokens':32000,'stream':false,"
                       " 'messages':[{'role':'user','content':[{'type':'text','text':'x'}]}]}");
  }
}

static void
test_encode_unsupported (void)
{
  guint i;

  for (i = 0; i < 9; i++)
    {
      g_autoptr(SyIrRequest) r = sy_ir_request_new ();
      const char *want = NULL;
      int code = SY_TRANSLATE_ERROR_UNSUPPORTED;

      add (r, SY_IR_ROLE_USER, sy_ir_part_new_text ("x"));
      switch (i)
        {
        case 0: r->n = 2; want = "n:"; break;
        case 1: r->logprobs = TRUE; want = "logprobs:"; break;
        case 2: r->top_logprobs = 3; want = "top_logprobs:"; break;
        case 3: r->has_presence_penalty = TRUE; r->presence_penalty = 0.5; want = "presence_penalty:"; break;
        case 4: r->has_frequency_penalty = TRUE; r->frequency_penalty = -1; want = "frequency_penalty:"; break;
        case 5: r->seed = 7; want = "seed:"; break;
        case 6:
          {
            SyIrPart *audio = sy_ir_part_new (SY_IR_PART_AUDIO);

            audio->mime_type = g_strdup ("audio/wav");
            audio->data = g_strdup ("UklG");
            add (r, SY_IR_ROLE_USER, audio);
            want = "messages[1].content[0]: audio";
          }
          break;
        case 7:
          {
            SyIrTool *tool = sy_ir_tool_new (SY_IR_TOOL_CODE_EXECUTION);

            tool->name = g_strdup ("code_execution");
            g_ptr_array_add (r->tools, tool);
            want = "tools[0]";
          }
          break;
        case 8:
          {
            SyIrPart *doc = sy_ir_part_new (SY_IR_PART_DOCUMENT);

            doc->mime_type = g_strdup ("application/msword");
            doc->data = g_strdup ("AAAA");
            add (r, SY_IR_ROLE_USER, doc);
            want = "messages[1].content[0]: documents of type application/msword";
          }
          break;
        }
      g_test_message ("case %u", i);
      encode_fails (r, code, want);
    }

  /* defaults are not rejected */
  {
    g_autoptr(SyIrRequest) r = sy_ir_request_new ();
    g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_CLAUDE);
    g_autoptr(JsonNode) out = NULL;

    add (r, SY_IR_ROLE_USER, sy_ir_part_new_text ("x"));
    r->n = 1;
    r->has_presence_penalty = TRUE;
    r->presence_penalty = 0;
    r->has_frequency_penalty = TRUE;
    r->frequency_penalty = 0;
    out = encode_ok (r, ctx);
  }
}

static void
test_count (void)
{
  g_autoptr(SyIrRequest) r = decode_ok (
    "{'model':'m','max_tokens':100,'stream':true,'temperature':0.3,'system':'S',"
    " 'messages':[{'role':'user','content':'hi'}],"
    " 'tools':[{'name':'t','input_schema':{'type':'object'}}],'tool_choice':{'type':'auto'},"
    " 'thinking':{'type':'enabled','budget_tokens':2048},'metadata':{'user_id':'u'}}");
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_CLAUDE);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) out = claude ()->encode_count_request (r, ctx, &error);
  g_autoptr(JsonNode) want = jp (
    "{'model':'claude-up','system':[{'type':'text','text':'S'}],"
    " 'messages':[{'role':'user','content':[{'type':'text','text':'hi'}]}],"
    " 'tools':[{'name':'t','input_schema':{'type':'object'}}],'tool_choice':{'type':'auto'},"
    " 'thinking':{'type':'enabled','budget_tokens':2048}}");
  g_autoptr(JsonNode) answer = jp ("{'input_tokens':42}");
  g_autoptr(JsonNode) bad = jp ("{'tokens':42}");
  g_autoptr(JsonNode) written = claude ()->encode_count_response (42);
  gint64 tokens = 0;

  g_assert_no_error (error);
  tt_assert_json_equal (out, want);
  g_assert_true (claude ()->decode_count_response (answer, &tokens, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tokens, ==, 42);
  g_assert_false (claude ()->decode_count_response (bad, &tokens, &error));
  g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM);
  tt_assert_json_equal (written, answer);
}

static void
test_request_round_trip (void)
{
  static const char *const bodies[] = {
    "{'model':'claude-up','max_tokens':2048,'stream':true,"
    " 'system':[{'type':'text','text':'A'},{'type':'text','text':'B'}],"
    " 'messages':["
    "  {'role':'user','content':[{'type':'text','text':'Q'},"
    "    {'type':'image','source':{'type':'base64','media_type':'image/png','data':'iVBO'}},"
    "    {'type':'document','source':{'type':'url','url':'https://x.test/a.pdf'},'title':'a.pdf'}]},"
    "  {'role':'assistant','content':[{'type':'thinking','thinking':'T','signature':'S1'},"
    "    {'type':'redacted_thinking','data':'R'},"
    "    {'type':'tool_use','id':'toolu_1','name':'f','input':{'a':[1,2]}}]},"
    "  {'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_1','content':'ok'},"
    "    {'type':'tool_result','tool_use_id':'toolu_1','is_error':true,'content':[{'type':'text','text':'e1'},{'type':'text','text':'e2'}]},"
    "    {'type':'text','text':'next'}]},"
    "  {'role':'assistant','content':[{'type':'text','text':'prefill'}]}],"
    " 'tools':[{'name':'f','description':'d','input_schema':{'type':'object','properties':{'a':{'type':'array'}}}},"
    "          {'type':'web_search_20250305','name':'web_search','max_uses':2}],"
    " 'tool_choice':{'type':'tool','name':'f','disable_parallel_tool_use':true},"
    " 'temperature':0.7,'top_k':3,'stop_sequences':['x'],"
    " 'thinking':{'type':'enabled','budget_tokens':5000},"
    " 'output_format':{'type':'json_schema','schema':{'type':'object'}},"
    " 'metadata':{'user_id':'u'}}",
    "{'model':'claude-up','max_tokens':10,'messages':[{'role':'user','content':'hi'}],"
    " 'thinking':{'type':'adaptive'},'output_config':{'effort':'max'}}",
    "{'model':'claude-up','max_tokens':10,'messages':[{'role':'user','content':'hi'}],"
    " 'thinking':{'type':'disabled'},'top_p':0.5}",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(SyIrRequest) first = decode_ok (bodies[i]);
      g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_CLAUDE, SY_FORMAT_CLAUDE);
      g_autoptr(JsonNode) encoded = NULL;
      g_autoptr(SyIrRequest) second = NULL;
      g_autoptr(JsonNode) a = NULL;
      g_autoptr(JsonNode) b = NULL;
      g_autoptr(GError) error = NULL;

      first->reasoning.adaptive = i == 1;   /* what sy-thinking would say for such a model */
      encoded = encode_ok (first, ctx);
      second = claude ()->decode_request (encoded, ctx, &error);
      g_assert_no_error (error);
      second->reasoning.adaptive = first->reasoning.adaptive;
      a = sy_ir_request_to_json (first);
      b = sy_ir_request_to_json (second);
      g_test_message ("case %u", i);
      tt_assert_json_equal (b, a);
    }
}

/* ------------------------------------------------------------- answers */

static const char answer_json[] =
  "{'id':'msg_01A','type':'message','role':'assistant','model':'claude-sonnet-4-5',"
  " 'content':[{'type':'thinking','thinking':'Consider.','signature':'SIG1'},"
  "            {'type':'redacted_thinking','data':'RED'},"
  "            {'type':'text','text':'Checking.'},"
  "            {'type':'server_tool_use','id':'srvtoolu_1','name':'web_search','input':{}},"
  "            {'type':'tool_use','id':'toolu_9','name':'get_weather','input':{'city':'Paris'}}],"
  " 'stop_reason':'tool_use','stop_sequence':null,"
  " 'usage':{'input_tokens':10,'output_tokens':50,'cache_creation_input_tokens':200,'cache_read_input_tokens':3000}}";

static void
test_decode_response (void)
{
  g_autoptr(JsonNode) body = jp (answer_json);
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_CLAUDE);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyIrResponse) r = NULL;
  SyIrPart *p;

  sy_translate_ctx_add_tool_name (ctx, "get.weather", "get_weather");
  r = claude ()->decode_response (body, ctx, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (r->id, ==, "msg_01A");
  g_assert_cmpstr (r->model, ==, "claude-sonnet-4-5");
  g_assert_cmpuint (r->parts->len, ==, 4);
  p = g_ptr_array_index (r->parts, 0);
  g_assert_cmpint (p->type, ==, SY_IR_PART_THINKING);
  g_assert_cmpstr (p->signature, ==, "claude#SIG1");
  p = g_ptr_array_index (r->parts, 1);
  g_assert_true (p->redacted);
  g_assert_cmpstr (p->data, ==, "RED");
  p = g_ptr_array_index (r->parts, 2);
  g_assert_cmpstr (p->text, ==, "Checking.");
  p = g_ptr_array_index (r->parts, 3);
  g_assert_cmpint (p->type, ==, SY_IR_PART_TOOL_CALL);
  g_assert_cmpstr (p->name, ==, "get.weather");
  g_assert_cmpstr (p->arguments, ==, "{\"city\":\"Paris\"}");
  g_assert_cmpint (r->finish, ==, SY_IR_FINISH_TOOL_CALLS);
  g_assert_cmpstr (r->native_finish, ==, "tool_use");
  g_assert_cmpint (r->usage.input_tokens, ==, 3210);
  g_assert_cmpint (r->usage.cached_tokens, ==, 3000);
  g_assert_cmpint (r->usage.cache_creation_tokens, ==, 200);
  g_assert_cmpint (r->usage.output_tokens, ==, 50);
  g_assert_cmpint (r->usage.total_tokens, ==, 3260);
}

static void
test_decode_response_errors (void)
{
  static const char *const cases[] = {
    "[1]",
    "{'type':'error','error':{'type':'overloaded_error','message':'Overloaded'}}",
    "{'type':'message','content':'text'}",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) body = jp (cases[i]);
      g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_CLAUDE);
      g_autoptr(GError) error = NULL;
      g_autoptr(SyIrResponse) r = claude ()->decode_response (body, ctx, &error);

      g_assert_null (r);
      g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM);
    }
}

static void
test_stop_reasons (void)
{
  static const struct { const char *reason; SyIrFinish finish; } cases[] = {
    { "end_turn", SY_IR_FINISH_STOP },
    { "max_tokens", SY_IR_FINISH_LENGTH },
    { "tool_use", SY_IR_FINISH_TOOL_CALLS },
    { "stop_sequence", SY_IR_FINISH_STOP_SEQUENCE },
    { "refusal", SY_IR_FINISH_CONTENT_FILTER },
    { "pause_turn", SY_IR_FINISH_STOP },
    { "model_context_window_exceeded", SY_IR_FINISH_LENGTH },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strdup_printf (
        "{'id':'m','type':'message','role':'assistant','content':[{'type':'text','text':'x'}],"
        " 'stop_reason':'%s','stop_sequence':%s,'usage':{'input_tokens':1,'output_tokens':2}}",
        cases[i].reason, strcmp (cases[i].reason, "stop_sequence") == 0 ? "'###'" : "null");
      g_autoptr(JsonNode) body = jp (json);
      g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_CLAUDE, SY_FORMAT_CLAUDE);
      g_autoptr(SyIrResponse) r = claude ()->decode_response (body, ctx, NULL);
      g_autoptr(JsonNode) back = claude ()->encode_response (r, ctx, NULL);
      JsonObject *root = json_node_get_object (back);

      g_assert_cmpint (r->finish, ==, cases[i].finish);
      if (cases[i].finish == SY_IR_FINISH_STOP_SEQUENCE)
        g_assert_cmpstr (json_object_get_string_member (root, "stop_sequence"), ==, "###");
      if (i < 5)
        g_assert_cmpstr (json_object_get_string_member (root, "stop_reason"), ==, cases[i].reason);
    }
}

static void
test_encode_response (void)
{
  g_autoptr(SyIrResponse) r = sy_ir_response_new ();
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_CLAUDE, SY_FORMAT_GEMINI);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) out = NULL;
  g_autoptr(JsonNode) want = NULL;

  r->model = g_strdup ("gemini-2.5-pro");
  g_ptr_array_add (r->parts, thinking_part ("Plan.", "gemini#TS1"));
  g_ptr_array_add (r->parts, sy_ir_part_new_text ("Answer"));
  g_ptr_array_add (r->parts, call_part ("call 1", "f", "{\"a\":1}", "gemini#TS2"));
  g_ptr_array_add (r->parts, call_part ("call_2", "g", "{}", NULL));
  r->finish = SY_IR_FINISH_STOP;   /* Gemini says STOP after calls */
  r->usage.input_tokens = 100;
  r->usage.cached_tokens = 60;
  r->usage.output_tokens = 20;
  r->usage.reasoning_tokens = 5;

  out = claude ()->encode_response (r, ctx, &error);
  g_assert_no_error (error);
  want = jp (
    "{'id':'msg_0001','type':'message','role':'assistant','model':'client-model',"
    " 'content':[{'type':'thinking','thinking':'Plan.','signature':'gemini#TS1'},"
    "            {'type':'text','text':'Answer'},"
    "            {'type':'thinking','thinking':'','signature':'gemini#TS2'},"
    "            {'type':'tool_use','id':'call_1','name':'f','input':{'a':1}},"
    "            {'type':'tool_use','id':'call_2','name':'g','input':{}}],"
    " 'stop_reason':'tool_use','stop_sequence':null,"
    " 'usage':{'input_tokens':40,'output_tokens':20,'cache_read_input_tokens':60}}");
  tt_assert_json_equal (out, want);

  /* the history the client sends back carries the Gemini signatures again */
  {
    g_autofree char *text = NULL;
    g_autofree char *request_json = NULL;
    g_autoptr(SyIrRequest) back = NULL;
    SyIrPart *p;

    text = sy_json_to_string (json_object_get_member (json_node_get_object (out), "content"));
    request_json = g_strdup_printf ("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"},"
                                    "{\"role\":\"assistant\",\"content\":%s}]}", text);
    {
      g_autoptr(JsonNode) body = tt_parse (request_json);
      g_autoptr(SyTranslateCtx) c2 = new_ctx (SY_FORMAT_CLAUDE, SY_FORMAT_GEMINI);

      back = claude ()->decode_request (body, c2, &error);
      g_assert_no_error (error);
    }
    p = part_at (back, 1, 0);
    g_assert_cmpstr (p->signature, ==, "gemini#TS1");
    p = part_at (back, 1, 2);
    g_assert_cmpint (p->type, ==, SY_IR_PART_THINKING);
    g_assert_cmpstr (p->text, ==, "");
    g_assert_cmpstr (p->signature, ==, "gemini#TS2");
    p = part_at (back, 1, 3);
    g_assert_cmpint (p->type, ==, SY_IR_PART_TOOL_CALL);
    g_assert_null (p->signature);
  }
}

static void
test_response_round_trip (void)
{
  g_autoptr(JsonNode) body = jp (answer_json);
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_CLAUDE, SY_FORMAT_CLAUDE);
  g_autoptr(SyIrResponse) first = claude ()->decode_response (body, ctx, NULL);
  g_autoptr(JsonNode) encoded = NULL;
  g_autoptr(SyIrResponse) second = NULL;
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;

  g_free (ctx->client_model);
  ctx->client_model = NULL;
  encoded = claude ()->encode_response (first, ctx, NULL);
  second = claude ()->decode_response (encoded, ctx, NULL);
  a = sy_ir_response_to_json (first);
  b = sy_ir_response_to_json (second);
  tt_assert_json_equal (b, a);
}

/* ------------------------------------------------------------- streams */

static const char transcript[] =
  "event: message_start\n"
  "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_S1\",\"type\":\"message\",\"role\":\"assistant\","
  "\"content\":[],\"model\":\"claude-sonnet-4-5\",\"stop_reason\":null,\"stop_sequence\":null,"
  "\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":100,\"cache_read_input_tokens\":2000,\"output_tokens\":1}}}\n\n"
  "event: ping\ndata: {\"type\": \"ping\"}\n\n"
  "event: content_block_start\n"
  "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n"
  "event: content_block_delta\n"
  "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Two cities\"}}\n\n"
  "event: content_block_delta\n"
  "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\", two calls.\"}}\n\n"
  "event: content_block_delta\n"
  "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQBCkgIARABGAIiQ\"}}\n\n"
  "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
  "event: content_block_start\n"
  "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
  "event: content_block_delta\n"
  "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Checking \\\"both\\\".\\n\"}}\n\n"
  "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
  "event: content_block_start\n"
  "data: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_A\",\"name\":\"get_weather\",\"input\":{}}}\n\n"
  "event: content_block_delta\n"
  "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}\n\n"
  "event: content_block_delta\n"
  "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \"}}\n\n"
  "event: content_block_delta\n"
  "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Paris\\\"}\"}}\n\n"
  "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\n"
  "event: content_block_start\n"
  "data: {\"type\":\"content_block_start\",\"index\":3,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_B\",\"name\":\"get_time\",\"input\":{}}}\n\n"
  "event: content_block_delta\n"
  "data: {\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}\n\n"
  "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":3}\n\n"
  "event: message_delta\n"
  "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":85}}\n\n"
  "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

static void
collect_event (const SyIrEvent *event,
               gpointer         user_data)
{
  json_array_add_element (user_data, sy_ir_event_to_json (event));
}

static JsonNode *decode_stream_with (const char     *text,
                                     SyTranslateCtx *ctx,
                                     GError        **error);

/* Feeds SSE @text to a Claude stream decoder; the IR events as JSON. Each
 * stream is decoded with and without the fast path: the same events. */
static JsonNode *
decode_stream (const char     *text,
               SyTranslateCtx *ctx,
               GError        **error)
{
  guint counter = ctx->counter;
  g_autoptr(GError) general_error = NULL;
  g_autoptr(JsonNode) general = NULL;
  JsonNode *fast;

  ctx->no_fast_path = TRUE;
  general = decode_stream_with (text, ctx, &general_error);
  ctx->no_fast_path = FALSE;
  ctx->counter = counter;
  fast = decode_stream_with (text, ctx, error);
  g_assert_true ((general == NULL) == (fast == NULL));
  if (fast != NULL)
    tt_assert_json_equal (fast, general);
  return fast;
}

static JsonNode *
decode_stream_with (const char     *text,
                    SyTranslateCtx *ctx,
                    GError        **error)
{
  g_autoptr(GPtrArray) frames = tt_sse_parse (text, strlen (text));
  JsonArray *events = json_array_new ();
  JsonNode *out = json_node_new (JSON_NODE_ARRAY);
  SyStreamDecoder *decoder = claude ()->stream_decoder_new (ctx, collect_event, events);
  gboolean ok = TRUE;
  guint i;

  json_node_take_array (out, events);
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
      json_node_unref (out);
      return NULL;
    }
  return out;
}

static void
test_stream_decode (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_CLAUDE);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) events = NULL;
  g_autoptr(JsonNode) want = jp (
    "[{'type':'start','id':'msg_S1','model':'claude-sonnet-4-5'},"
    " {'type':'thinking','text':'Two cities'},"
    " {'type':'thinking','text':', two calls.'},"
    " {'type':'signature','signature':'claude#EqQBCkgIARABGAIiQ'},"
    " {'type':'text','text':'Checking \\'both\\'.\\n'},"
    " {'type':'tool_call_start','index':0,'id':'toolu_A','name':'get.weather'},"
    " {'type':'tool_call_delta','index':0,'text':'{\\'city\\': '},"
    " {'type':'tool_call_delta','index':0,'text':'\\'Paris\\'}'},"
    " {'type':'tool_call_end','index':0},"
    " {'type':'tool_call_start','index':1,'id':'toolu_B','name':'get_time'},"
    " {'type':'tool_call_delta','index':1,'text':'{}'},"
    " {'type':'tool_call_end','index':1},"
    " {'type':'usage','usage':{'input_tokens':2112,'output_tokens':85,'total_tokens':2197,"
    "                          'cached_tokens':2000,'cache_creation_tokens':100}},"
    " {'type':'finish','finish':'tool_calls'}]");

  sy_translate_ctx_add_tool_name (ctx, "get.weather", "get_weather");
  events = decode_stream (transcript, ctx, &error);
  g_assert_no_error (error);
  tt_assert_json_equal (events, want);
}

/* The compact delta events take a fast path; the same events spaced out
 * (or with anything unusual) go through the JSON parser. Both must agree. */
static void
test_stream_decode_fast_path (void)
{
  static const char *const deltas[] = {
    "{'type':'text_delta','text':'plain'}",
    "{'type':'text_delta','text':'esc \\\' \\\\ \\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00 caf\u00c3\u00a9'}",
    "{'type':'thinking_delta','thinking':'hmm'}",
    "{'type':'input_json_delta','partial_json':'{\\'a\\':1}'}",
    "{'type':'input_json_delta','partial_json':''}",
    "{'type':'text_delta','text':''}",
    "{'type':'text_delta','text':'lone \\udc00 surrogate'}",
    "{'type':'text_delta','text':'nul \\u0000 byte'}",
    "{'type':'text_delta','text':'x','extra':1}",
    "{'type':'citations_delta','citation':{}}",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (deltas); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_CLAUDE);
      g_autofree char *delta_json = g_strdup (deltas[i]);
      g_autofree char *compact = NULL;
      g_autofree char *spaced = NULL;
      g_autoptr(JsonNode) a = NULL;
      g_autoptr(JsonNode) b = NULL;
      g_autoptr(GError) error = NULL;
      const char *head =
        "data: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"x\"}}\n\n"
        "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
        "{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}}\n\n";
      g_autofree char *one = NULL;
      g_autofree char *two = NULL;

      g_strdelimit (delta_json, "'", '"');
      compact = g_strdup_printf ("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":%s}", delta_json);
      spaced = g_strdup_printf ("{ \"type\": \"content_block_delta\", \"index\": 0, \"delta\": %s }", delta_json);
      one = g_strdup_printf ("%sdata: %s\n\n", head, compact);
      two = g_strdup_printf ("%sdata: %s\n\n", head, spaced);
      g_test_message ("case %u: %s", i, compact);
      a = decode_stream (one, ctx, &error);
      if (a == NULL)
        {
          /* what the parser refuses, both paths refuse */
          g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM);
          g_clear_error (&error);
          b = decode_stream (two, ctx, &error);
          g_assert_null (b);
          g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM);
          continue;
        }
      b = decode_stream (two, ctx, &error);
      g_assert_no_error (error);
      tt_assert_json_equal (a, b);
    }
}

static void
test_stream_decode_errors (void)
{
  static const struct { const char *type; guint status; } cases[] = {
    { "invalid_request_error", 400 },
    { "authentication_error", 401 },
    { "permission_error", 403 },
    { "not_found_error", 404 },
    { "request_too_large", 413 },
    { "rate_limit_error", 429 },
    { "api_error", 500 },
    { "overloaded_error", 529 },
    { "something_new", 500 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_CLAUDE);
      g_autoptr(GError) error = NULL;
      g_autofree char *text = g_strdup_printf (
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"x\"}}\n\n"
        "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"%s\",\"message\":\"Bad luck\"}}\n\n",
        cases[i].type);
      g_autoptr(JsonNode) events = decode_stream (text, ctx, &error);
      JsonObject *last;

      g_assert_no_error (error);
      g_assert_cmpuint (json_array_get_length (json_node_get_array (events)), ==, 2);
      last = json_array_get_object_element (json_node_get_array (events), 1);
      g_assert_cmpstr (json_object_get_string_member (last, "type"), ==, "error");
      g_assert_cmpint (json_object_get_int_member (last, "status"), ==, cases[i].status);
      g_assert_cmpstr (json_object_get_string_member (last, "text"), ==, "Bad luck");
      g_assert_cmpstr (json_object_get_string_member (last, "error_type"), ==, cases[i].type);
    }

  /* unreadable data, and a stream that never said anything */
  {
    g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_CLAUDE);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) events = decode_stream ("event: message_start\ndata: {oops\n\n", ctx, &error);

    g_assert_null (events);
    g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM);
  }
  {
    g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_CLAUDE);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) events = decode_stream ("event: ping\ndata: {\"type\":\"ping\"}\n\ndata: [DONE]\n\n",
                                                ctx, &error);

    g_assert_null (events);
    g_assert_error (error, SY_TRANSLATE_ERROR, SY_TRANSLATE_ERROR_UPSTREAM);
  }
  /* cut off after a tool call started: the call is closed, a finish owed */
  {
    g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_CLAUDE);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) events = decode_stream (
      "data: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"x\"}}\n\n"
      "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{\"q\":1}}}\n\n",
      ctx, &error);
    g_autoptr(JsonNode) want = jp (
      "[{'type':'start','id':'m','model':'x'},"
      " {'type':'tool_call_start','index':0,'id':'t','name':'f'},"
      " {'type':'tool_call_delta','index':0,'text':'{\\'q\\':1}'},"
      " {'type':'tool_call_end','index':0},"
      " {'type':'finish','finish':'tool_calls'}]");

    g_assert_no_error (error);
    tt_assert_json_equal (events, want);
  }
}

typedef struct
{
  GPtrArray *events;   /* char* */
  GPtrArray *datas;    /* JsonNode* */
} Frames;

static void
collect_frame (const char *event,
               const char *data,
               gsize       len,
               gpointer    user_data)
{
  Frames *frames = user_data;
  g_autofree char *text = g_strndup (data, len);

  g_ptr_array_add (frames->events, g_strdup (event));
  g_ptr_array_add (frames->datas, tt_parse (text));
}

static void
frames_init (Frames *frames)
{
  frames->events = g_ptr_array_new_with_free_func (g_free);
  frames->datas = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
}

static void
frames_clear (Frames *frames)
{
  g_ptr_array_unref (frames->events);
  g_ptr_array_unref (frames->datas);
}

static JsonObject *
frame_at (Frames *frames,
          guint   i)
{
  return json_node_get_object (g_ptr_array_index (frames->datas, i));
}

/* The Claude stream grammar: message_start first; blocks with contiguous
 * indexes, each started, then deltas for it only, then stopped before the
 * next starts; message_delta with usage after the last stop;
 * message_stop last; every event name equal to its data's type. */
static void
assert_grammar (Frames *frames)
{
  guint next = 0;
  gboolean open = FALSE;
  gboolean delta_seen = FALSE;
  guint i;

  g_assert_cmpuint (frames->events->len, >=, 3);
  g_assert_cmpstr (g_ptr_array_index (frames->events, 0), ==, "message_start");
  for (i = 0; i < frames->events->len; i++)
    {
      const char *event = g_ptr_array_index (frames->events, i);
      JsonObject *data = frame_at (frames, i);

      g_assert_cmpstr (json_object_get_string_member (data, "type"), ==, event);
      if (strcmp (event, "message_start") == 0)
        g_assert_cmpuint (i, ==, 0);
      else if (strcmp (event, "content_block_start") == 0)
        {
          g_assert_false (open);
          g_assert_false (delta_seen);
          g_assert_cmpint (json_object_get_int_member (data, "index"), ==, next);
          open = TRUE;
        }
      else if (strcmp (event, "content_block_delta") == 0)
        {
          g_assert_true (open);
          g_assert_cmpint (json_object_get_int_member (data, "index"), ==, next);
        }
      else if (strcmp (event, "content_block_stop") == 0)
        {
          g_assert_true (open);
          g_assert_cmpint (json_object_get_int_member (data, "index"), ==, next);
          open = FALSE;
          next++;
        }
      else if (strcmp (event, "message_delta") == 0)
        {
          g_assert_false (open);
          g_assert_false (delta_seen);
          g_assert_true (json_object_has_member (json_object_get_object_member (data, "usage"),
                                                 "output_tokens"));
          delta_seen = TRUE;
        }
      else if (strcmp (event, "message_stop") == 0)
        {
          g_assert_true (delta_seen);
          g_assert_cmpuint (i, ==, frames->events->len - 1);
        }
      else
        g_error ("unexpected event %s", event);
    }
}

static void
emit_simple (SyStreamEncoder *encoder,
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
emit_tool (SyStreamEncoder *encoder,
           SyIrEventType    type,
           guint            idx,
           const char      *id,
           const char      *name,
           const char      *text,
           const char      *signature)
{
  SyIrEvent event;

  sy_ir_event_init (&event, type);
  event.index = idx;
  event.id = id;
  event.name = name;
  event.text = text;
  event.text_len = text ? strlen (text) : 0;
  event.signature = signature;
  sy_stream_encoder_encode (encoder, &event);
}

static void
test_stream_encode (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_CLAUDE, SY_FORMAT_GEMINI);
  SyStreamEncoder *encoder;
  SyIrEvent event;
  Frames frames;
  g_autoptr(JsonNode) all = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(JsonNode) want = NULL;
  JsonArray *list = json_array_new ();
  guint i;

  frames_init (&frames);
  encoder = claude ()->stream_encoder_new (ctx, collect_frame, &frames);

  /* no START: the encoder makes its own message_start */
  emit_simple (encoder, SY_IR_EVENT_THINKING, "Plan");
  emit_simple (encoder, SY_IR_EVENT_THINKING, " more");
  sy_ir_event_init (&event, SY_IR_EVENT_SIGNATURE);
  event.signature = "gemini#TS";
  sy_stream_encoder_encode (encoder, &event);
  emit_simple (encoder, SY_IR_EVENT_THINKING, "After the signature");
  emit_simple (encoder, SY_IR_EVENT_TEXT, "Hi \"there\"\n\x01");
  emit_simple (encoder, SY_IR_EVENT_TEXT, "");
  sy_ir_event_init (&event, SY_IR_EVENT_SIGNATURE);   /* no thinking open: one is made */
  event.signature = "claude#CS";
  sy_stream_encoder_encode (encoder, &event);
  sy_ir_event_init (&event, SY_IR_EVENT_REDACTED_THINKING);
  event.data = "RED";
  sy_stream_encoder_encode (encoder, &event);
  emit_tool (encoder, SY_IR_EVENT_TOOL_CALL_START, 0, "call.1", "f", NULL, "gemini#CALLSIG");
  emit_tool (encoder, SY_IR_EVENT_TOOL_CALL_DELTA, 0, NULL, NULL, "{\"a\":", NULL);
  emit_tool (encoder, SY_IR_EVENT_TOOL_CALL_DELTA, 0, NULL, NULL, "1}", NULL);
  emit_tool (encoder, SY_IR_EVENT_TOOL_CALL_END, 0, NULL, NULL, NULL, NULL);
  emit_tool (encoder, SY_IR_EVENT_TOOL_CALL_START, 1, NULL, "g", NULL, NULL);
  emit_tool (encoder, SY_IR_EVENT_TOOL_CALL_DELTA, 1, NULL, NULL, "{}", NULL);
  sy_ir_event_init (&event, SY_IR_EVENT_FINISH);
  event.finish = SY_IR_FINISH_STOP;
  sy_stream_encoder_encode (encoder, &event);
  /* usage after the finish, as OpenAI sends it */
  sy_ir_event_init (&event, SY_IR_EVENT_USAGE);
  event.usage.input_tokens = 1000;
  event.usage.cached_tokens = 800;
  event.usage.output_tokens = 30;
  sy_stream_encoder_encode (encoder, &event);
  sy_stream_encoder_finish (encoder);
  sy_stream_encoder_finish (encoder);   /* only once */
  sy_stream_encoder_free (encoder);

  assert_grammar (&frames);
  for (i = 0; i < frames.events->len; i++)
    {
      JsonObject *frame = json_object_new ();

      json_object_set_string_member (frame, "event", g_ptr_array_index (frames.events, i));
      json_object_set_member (frame, "data", json_node_copy (g_ptr_array_index (frames.datas, i)));
      json_array_add_object_element (list, frame);
    }
  json_node_take_array (all, list);
  want = jp (
    "[{'event':'message_start','data':{'type':'message_start','message':{'id':'msg_0001','type':'message',"
    "   'role':'assistant','content':[],'model':'client-model','stop_reason':null,'stop_sequence':null,"
    "   'usage':{'input_tokens':0,'output_tokens':0}}}},"
    " {'event':'content_block_start','data':{'type':'content_block_start','index':0,'content_block':{'type':'thinking','thinking':''}}},"
    " {'event':'content_block_delta','data':{'type':'content_block_delta','index':0,'delta':{'type':'thinking_delta','thinking':'Plan'}}},"
    " {'event':'content_block_delta','data':{'type':'content_block_delta','index':0,'delta':{'type':'thinking_delta','thinking':' more'}}},"
    " {'event':'content_block_delta','data':{'type':'content_block_delta','index':0,'delta':{'type':'signature_delta','signature':'gemini#TS'}}},"
    " {'event':'content_block_stop','data':{'type':'content_block_stop','index':0}},"
    " {'event':'content_block_start','data':{'type':'content_block_start','index':1,'content_block':{'type':'thinking','thinking':''}}},"
    " {'event':'content_block_delta','data':{'type':'content_block_delta','index':1,'delta':{'type':'thinking_delta','thinking':'After the signature'}}},"
    " {'event':'content_block_stop','data':{'type':'content_block_stop','index':1}},"
    " {'event':'content_block_start','data':{'type':'content_block_start','index':2,'content_block':{'type':'text','text':''}}},"
    " {'event':'content_block_delta','data':{'type':'content_block_delta','index':2,'delta':{'type':'text_delta','text':'Hi \\'there\\'\\n\\u0001'}}},"
    " {'event':'content_block_stop','data':{'type':'content_block_stop','index':2}},"
    " {'event':'content_block_start','data':{'type':'content_block_start','index':3,'content_block':{'type':'thinking','thinking':''}}},"
    " {'event':'content_block_delta','data':{'type':'content_block_delta','index':3,'delta':{'type':'signature_delta','signature':'CS'}}},"
    " {'event':'content_block_stop','data':{'type':'content_block_stop','index':3}},"
    " {'event':'content_block_start','data':{'type':'content_block_start','index':4,'content_block':{'type':'redacted_thinking','data':'RED'}}},"
    " {'event':'content_block_stop','data':{'type':'content_block_stop','index':4}},"
    " {'event':'content_block_start','data':{'type':'content_block_start','index':5,'content_block':{'type':'thinking','thinking':''}}},"
    " {'event':'content_block_delta','data':{'type':'content_block_delta','index':5,'delta':{'type':'signature_delta','signature':'gemini#CALLSIG'}}},"
    " {'event':'content_block_stop','data':{'type':'content_block_stop','index':5}},"
    " {'event':'content_block_start','data':{'type':'content_block_start','index':6,'content_block':{'type':'tool_use','id':'call_1','name':'f','input':{}}}},"
    " {'event':'content_block_delta','data':{'type':'content_block_delta','index':6,'delta':{'type':'input_json_delta','partial_json':'{\\'a\\':'}}},"
    " {'event':'content_block_delta','data':{'type':'content_block_delta','index':6,'delta':{'type':'input_json_delta','partial_json':'1}'}}},"
    " {'event':'content_block_stop','data':{'type':'content_block_stop','index':6}},"
    " {'event':'content_block_start','data':{'type':'content_block_start','index':7,'content_block':{'type':'tool_use','id':'toolu_0002','name':'g','input':{}}}},"
    " {'event':'content_block_delta','data':{'type':'content_block_delta','index':7,'delta':{'type':'input_json_delta','partial_json':'{}'}}},"
    " {'event':'content_block_stop','data':{'type':'content_block_stop','index':7}},"
    " {'event':'message_delta','data':{'type':'message_delta','delta':{'stop_reason':'tool_use','stop_sequence':null},"
    "   'usage':{'input_tokens':200,'output_tokens':30,'cache_read_input_tokens':800}}},"
    " {'event':'message_stop','data':{'type':'message_stop'}}]");
  tt_assert_json_equal (all, want);
  frames_clear (&frames);
}

static void
test_stream_encode_minimal (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_CLAUDE, SY_FORMAT_OPENAI);
  SyStreamEncoder *encoder;
  SyIrEvent event;
  Frames frames;
  JsonObject *delta;

  /* START with an id, a stop sequence finish, nothing else */
  frames_init (&frames);
  encoder = claude ()->stream_encoder_new (ctx, collect_frame, &frames);
  sy_ir_event_init (&event, SY_IR_EVENT_START);
  event.id = "chatcmpl-1";
  event.model = "gpt-4o";
  sy_stream_encoder_encode (encoder, &event);
  emit_simple (encoder, SY_IR_EVENT_TEXT, "x");
  sy_ir_event_init (&event, SY_IR_EVENT_FINISH);
  event.finish = SY_IR_FINISH_STOP_SEQUENCE;
  event.stop_sequence = "END";
  sy_stream_encoder_encode (encoder, &event);
  sy_stream_encoder_finish (encoder);
  sy_stream_encoder_free (encoder);
  assert_grammar (&frames);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (frame_at (&frames, 0), "message"), "id"),
                   ==, "chatcmpl-1");
  delta = json_object_get_object_member (frame_at (&frames, frames.events->len - 2), "delta");
  g_assert_cmpstr (json_object_get_string_member (delta, "stop_reason"), ==, "stop_sequence");
  g_assert_cmpstr (json_object_get_string_member (delta, "stop_sequence"), ==, "END");
  frames_clear (&frames);

  /* nothing at all: still a well-formed (empty) message */
  frames_init (&frames);
  encoder = claude ()->stream_encoder_new (ctx, collect_frame, &frames);
  sy_ir_event_init (&event, SY_IR_EVENT_FINISH);
  event.finish = SY_IR_FINISH_LENGTH;
  sy_stream_encoder_encode (encoder, &event);
  sy_stream_encoder_finish (encoder);
  sy_stream_encoder_free (encoder);
  assert_grammar (&frames);
  g_assert_cmpuint (frames.events->len, ==, 3);
  delta = json_object_get_object_member (frame_at (&frames, 1), "delta");
  g_assert_cmpstr (json_object_get_string_member (delta, "stop_reason"), ==, "max_tokens");
  frames_clear (&frames);
}

static void
test_stream_encode_errors (void)
{
  static const struct { guint status; const char *type; } cases[] = {
    { 400, "invalid_request_error" },
    { 401, "authentication_error" },
    { 403, "permission_error" },
    { 404, "not_found_error" },
    { 429, "rate_limit_error" },
    { 500, "api_error" },
    { 502, "api_error" },
    { 503, "overloaded_error" },
    { 529, "overloaded_error" },
    { 0, "api_error" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_CLAUDE, SY_FORMAT_OPENAI);
      SyStreamEncoder *encoder;
      SyIrEvent event;
      Frames frames;
      JsonObject *err;

      frames_init (&frames);
      encoder = claude ()->stream_encoder_new (ctx, collect_frame, &frames);
      emit_simple (encoder, SY_IR_EVENT_TEXT, "partial");
      sy_ir_event_init (&event, SY_IR_EVENT_ERROR);
      event.status = cases[i].status;
      event.text = "went wrong";
      event.text_len = strlen (event.text);
      sy_stream_encoder_encode (encoder, &event);
      emit_simple (encoder, SY_IR_EVENT_TEXT, "ignored");
      sy_stream_encoder_finish (encoder);
      sy_stream_encoder_free (encoder);

      /* message_start, block start, delta, then the error and nothing else */
      g_assert_cmpuint (frames.events->len, ==, 4);
      g_assert_cmpstr (g_ptr_array_index (frames.events, 3), ==, "error");
      g_assert_cmpstr (json_object_get_string_member (frame_at (&frames, 3), "type"), ==, "error");
      err = json_object_get_object_member (frame_at (&frames, 3), "error");
      g_assert_cmpstr (json_object_get_string_member (err, "type"), ==, cases[i].type);
      g_assert_cmpstr (json_object_get_string_member (err, "message"), ==, "went wrong");
      frames_clear (&frames);
    }
}

static void
reencode_event (const SyIrEvent *event,
                gpointer         user_data)
{
  sy_stream_encoder_encode (user_data, event);
}

/* Claude stream → IR → Claude stream gives the same content back. */
static void
test_stream_round_trip (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_CLAUDE, SY_FORMAT_CLAUDE);
  g_autoptr(GPtrArray) input = tt_sse_parse (transcript, strlen (transcript));
  g_autoptr(GError) error = NULL;
  SyStreamEncoder *encoder;
  SyStreamDecoder *decoder;
  Frames frames;
  guint i;
  guint j;

  g_free (ctx->client_model);
  ctx->client_model = NULL;
  frames_init (&frames);
  encoder = claude ()->stream_encoder_new (ctx, collect_frame, &frames);
  decoder = claude ()->stream_decoder_new (ctx, reencode_event, encoder);
  for (i = 0; i < input->len; i++)
    {
      TtFrame *frame = g_ptr_array_index (input, i);

      g_assert_true (sy_stream_decoder_feed (decoder, frame->event, frame->data, strlen (frame->data), &error));
    }
  g_assert_true (sy_stream_decoder_finish (decoder, &error));
  sy_stream_encoder_finish (encoder);
  assert_grammar (&frames);

  /* same frames as the input, minus the ping and the empty input_json_delta
   * frames; message_start and message_delta usage differ in form only */
  for (i = 0, j = 0; i < input->len; i++)
    {
      TtFrame *frame = g_ptr_array_index (input, i);
      g_autoptr(JsonNode) data = tt_parse (frame->data);
      JsonObject *object = json_node_get_object (data);

      if (strcmp (frame->event, "ping") == 0)
        continue;
      if (strcmp (frame->event, "content_block_delta") == 0 &&
          g_strcmp0 (sy_json_get_string (json_object_get_object_member (object, "delta"), "partial_json"), "") == 0)
        {
          /* the second call had no arguments: "{}" is sent instead */
          if (json_object_get_int_member (object, "index") == 3)
            {
              JsonObject *got = frame_at (&frames, j++);

              g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (got, "delta"),
                                                              "partial_json"), ==, "{}");
            }
          continue;
        }
      g_assert_cmpuint (j, <, frames.events->len);
      g_assert_cmpstr (frame->event, ==, g_ptr_array_index (frames.events, j));
      if (strcmp (frame->event, "message_start") != 0 && strcmp (frame->event, "message_delta") != 0 &&
          strcmp (frame->event, "content_block_start") != 0)
        tt_assert_json_equal (g_ptr_array_index (frames.datas, j), data);
      j++;
    }
  g_assert_cmpuint (j, ==, frames.events->len);
  {
    JsonObject *usage = json_object_get_object_member (frame_at (&frames, frames.events->len - 2), "usage");
    g_autoptr(JsonNode) want = jp ("{'input_tokens':12,'output_tokens':85,"
                                   " 'cache_creation_input_tokens':100,'cache_read_input_tokens':2000}");
    g_autoptr(JsonNode) got = json_node_new (JSON_NODE_OBJECT);

    json_node_set_object (got, usage);
    tt_assert_json_equal (got, want);
  }

  sy_stream_decoder_free (decoder);
  sy_stream_encoder_free (encoder);
  frames_clear (&frames);
}

/* Thinking on, and the pending tool calls came from another upstream with
 * no signed thinking: Claude would refuse the turn, so it runs without. */
static void
test_encode_thinking_after_foreign_tool_history (void)
{
  g_autoptr(SyIrRequest) request = sy_ir_request_new ();
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_OPENAI, SY_FORMAT_CLAUDE);
  g_autoptr(JsonNode) out = NULL;
  g_autoptr(JsonNode) out2 = NULL;
  SyIrMessage *message;
  SyIrPart *part;

  request->reasoning.mode = SY_IR_REASONING_BUDGET;
  request->reasoning.budget = 4096;
  message = sy_ir_request_add_message (request, SY_IR_ROLE_USER);
  sy_ir_message_add (message, sy_ir_part_new_text ("weather?"));
  message = sy_ir_request_add_message (request, SY_IR_ROLE_ASSISTANT);
  part = sy_ir_part_new (SY_IR_PART_TOOL_CALL);
  part->id = g_strdup ("call_1");
  part->name = g_strdup ("get_weather");
  part->arguments = g_strdup ("{}");
  sy_ir_message_add (message, part);
  message = sy_ir_request_add_message (request, SY_IR_ROLE_USER);
  part = sy_ir_part_new (SY_IR_PART_TOOL_RESULT);
  part->tool_call_id = g_strdup ("call_1");
  part->content = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_ir_part_free);
  g_ptr_array_add (part->content, sy_ir_part_new_text ("sunny"));
  sy_ir_message_add (message, part);

  out = encode_ok (request, ctx);
  g_assert_false (json_object_has_member (json_node_get_object (out), "thinking"));

  /* With Claude's own signed thinking first, thinking stays on. */
  message = g_ptr_array_index (request->messages, 1);
  part = sy_ir_part_new (SY_IR_PART_THINKING);
  part->text = g_strdup ("let me check");
  part->signature = sy_ir_signature_wrap ("claude", "sig");
  g_ptr_array_insert (message->parts, 0, part);
  out2 = encode_ok (request, ctx);
  g_assert_true (json_object_has_member (json_node_get_object (out2), "thinking"));
}

static void
collect_text_frame (const char *event,
                    const char *data,
                    gsize       len,
                    gpointer    user_data)
{
  g_ptr_array_add (user_data, g_strdup_printf ("%s %.*s", event ? event : "-", (int) len, data));
}

/* Parallel calls whose arguments arrive interleaved (OpenAI upstreams):
 * Claude blocks come out one after the other, each with all its arguments. */
static void
test_stream_encode_interleaved_calls (void)
{
  g_autoptr(SyTranslateCtx) ctx = new_ctx (SY_FORMAT_CLAUDE, SY_FORMAT_OPENAI);
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) args0 = g_string_new (NULL);
  g_autoptr(GString) args1 = g_string_new (NULL);
  SyStreamEncoder *encoder = claude ()->stream_encoder_new (ctx, collect_text_frame, frames);
  static const struct { SyIrEventType type; guint index; const char *text; } script[] = {
    { SY_IR_EVENT_TOOL_CALL_START, 0, NULL },
    { SY_IR_EVENT_TOOL_CALL_START, 1, NULL },
    { SY_IR_EVENT_TOOL_CALL_DELTA, 0, "{\"a\":" },
    { SY_IR_EVENT_TOOL_CALL_DELTA, 1, "{\"b\":" },
    { SY_IR_EVENT_TOOL_CALL_DELTA, 0, "1}" },
    { SY_IR_EVENT_TOOL_CALL_DELTA, 1, "2}" },
    { SY_IR_EVENT_TOOL_CALL_END, 0, NULL },
    { SY_IR_EVENT_TOOL_CALL_END, 1, NULL },
  };
  int block = -1;
  int last_index = -1;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (script); i++)
    {
      SyIrEvent event;

      sy_ir_event_init (&event, script[i].type);
      event.index = script[i].index;
      event.id = script[i].index == 0 ? "call_a" : "call_b";
      event.name = script[i].index == 0 ? "first" : "second";
      event.text = script[i].text;
      event.text_len = script[i].text ? strlen (script[i].text) : 0;
      sy_stream_encoder_encode (encoder, &event);
    }
  sy_stream_encoder_finish (encoder);
  sy_stream_encoder_free (encoder);

  for (i = 0; i < frames->len; i++)
    {
      const char *frame = g_ptr_array_index (frames, i);
      const char *json = strchr (frame, ' ') + 1;
      g_autoptr(JsonNode) node = tt_parse (json);
      JsonObject *o = json_node_get_object (node);
      const char *type = json_object_get_string_member (o, "type");

      if (g_strcmp0 (type, "content_block_start") == 0)
        {
          const char *name = json_object_get_string_member (json_object_get_object_member (o, "content_block"), "name");

          g_assert_cmpint (block, ==, -1);
          g_assert_cmpint (json_object_get_int_member (o, "index"), ==, last_index + 1);
          last_index = json_object_get_int_member (o, "index");
          block = g_strcmp0 (name, "first") == 0 ? 0 : 1;
          g_assert_cmpint (block, ==, last_index);
        }
      else if (g_strcmp0 (type, "content_block_delta") == 0)
        {
          const char *part = json_object_get_string_member (json_object_get_object_member (o, "delta"), "partial_json");

          g_assert_cmpint (json_object_get_int_member (o, "index"), ==, last_index);
          g_string_append (block == 0 ? args0 : args1, part);
        }
      else if (g_strcmp0 (type, "content_block_stop") == 0)
        block = -1;
    }
  g_assert_cmpstr (args0->str, ==, "{\"a\":1}");
  g_assert_cmpstr (args1->str, ==, "{\"b\":2}");
  g_assert_cmpint (last_index, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/claude/decode/fields", test_decode_fields);
  g_test_add_func ("/claude/decode/system-string", test_decode_system_string);
  g_test_add_func ("/claude/decode/blocks", test_decode_blocks);
  g_test_add_func ("/claude/decode/thinking", test_decode_thinking);
  g_test_add_func ("/claude/decode/output-format", test_decode_output_format);
  g_test_add_func ("/claude/decode/count-body", test_decode_count_body);
  g_test_add_func ("/claude/decode/errors", test_decode_errors);
  g_test_add_func ("/claude/encode/basic", test_encode_basic);
  g_test_add_func ("/claude/encode/schema-types", test_encode_schema_types);
  g_test_add_func ("/claude/encode/alternation", test_encode_alternation);
  g_test_add_func ("/claude/encode/empty", test_encode_empty);
  g_test_add_func ("/claude/encode/tool-results-first", test_encode_tool_results_first);
  g_test_add_func ("/claude/encode/tool-ids", test_encode_tool_ids);
  g_test_add_func ("/claude/encode/signatures", test_encode_signatures);
  g_test_add_func ("/claude/encode/thinking", test_encode_thinking);
  g_test_add_func ("/claude/encode/response-format", test_encode_response_format);
  g_test_add_func ("/claude/encode/tool-choice", test_encode_tool_choice);
  g_test_add_func ("/claude/encode/unsupported", test_encode_unsupported);
  g_test_add_func ("/claude/count", test_count);
  g_test_add_func ("/claude/request/round-trip", test_request_round_trip);
  g_test_add_func ("/claude/response/decode", test_decode_response);
  g_test_add_func ("/claude/response/decode-errors", test_decode_response_errors);
  g_test_add_func ("/claude/response/stop-reasons", test_stop_reasons);
  g_test_add_func ("/claude/response/encode", test_encode_response);
  g_test_add_func ("/claude/response/round-trip", test_response_round_trip);
  g_test_add_func ("/claude/stream/decode", test_stream_decode);
  g_test_add_func ("/claude/stream/decode-fast-path", test_stream_decode_fast_path);
  g_test_add_func ("/claude/stream/decode-errors", test_stream_decode_errors);
  g_test_add_func ("/claude/stream/encode", test_stream_encode);
  g_test_add_func ("/claude/stream/encode-minimal", test_stream_encode_minimal);
  g_test_add_func ("/claude/stream/encode-errors", test_stream_encode_errors);
  g_test_add_func ("/claude/stream/round-trip", test_stream_round_trip);
  g_test_add_func ("/claude/stream/encode-interleaved-calls", test_stream_encode_interleaved_calls);
  g_test_add_func ("/claude/encode/thinking-after-foreign-tool-history",
                   test_encode_thinking_after_foreign_tool_history);

  return g_test_run ();
}
