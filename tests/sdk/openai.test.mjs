// openai.test.mjs: the official `openai` SDK against Switchyard: chat
// completions and the Responses API against every upstream kind (see
// pairs.mjs), and the OpenAI-compatible path in detail (errors, streams cut
// short, models list, secrets).
//
// SPDX-License-Identifier: GPL-3.0-or-later

import OpenAI from 'openai';
import { startStack, test, run, assert, assertEq } from './harness.mjs';
import {
  CLIENT_KEY, UPSTREAM_KEYS, pairsConfig, pairTests, REQUEST_TIMEOUT_MS,
  PROMPT, IMAGE_PROMPT, THINK_PROMPT, TOOL, TOOL_RESULT, PNG_DATA_URL,
} from './pairs.mjs';

const UPSTREAM_KEY = 'sk-sdk-upstream-canary-0123456789';

const config = (upstream) => pairsConfig(upstream, `
  - name: Fake
    base-url: "${upstream}/v1"
    api-key-entries:
      - api-key: "${UPSTREAM_KEY}"
    models:
      - name: echo
        alias: gpt-test
      - name: fail-429
        alias: gpt-busy
      - name: drop
        alias: gpt-flaky
`);

function client(ctx, key = CLIENT_KEY) {
  return new OpenAI({ baseURL: `${ctx.url}/v1`, apiKey: key, maxRetries: 0, timeout: REQUEST_TIMEOUT_MS });
}

test('chat completion', async (ctx) => {
  const res = await client(ctx).chat.completions.create({
    model: 'gpt-test',
    messages: [{ role: 'user', content: 'Say hello' }],
  });
  assertEq(res.choices[0].message.content, 'Hello from fake openai', 'content');
  assertEq(res.model, 'echo', 'upstream model name');
  assertEq(res.usage.total_tokens, 9, 'usage');
});

test('streamed chat completion', async (ctx) => {
  const stream = await client(ctx).chat.completions.create({
    model: 'gpt-test',
    stream: true,
    messages: [{ role: 'user', content: 'Count' }],
  });
  let text = '';
  let chunks = 0;
  let finish = null;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta?.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assertEq(chunks, 21, 'chunks');
  assert(text.startsWith('tok0 tok1 '), `text: ${text}`);
  assert(text.includes('tok19 '), `text: ${text}`);
  assertEq(finish, 'stop', 'finish reason');
});

test('models list', async (ctx) => {
  const ids = [];
  for await (const m of client(ctx).models.list()) ids.push(m.id);
  assert(ids.includes('gpt-test'), `ids: ${ids}`);
  assert(!ids.includes('echo'), 'the upstream name of an alias is not listed');
});

test('wrong key is a 401 AuthenticationError', async (ctx) => {
  try {
    await client(ctx, 'wrong').chat.completions.create({ model: 'gpt-test', messages: [] });
    throw new Error('no error');
  } catch (e) {
    assert(e instanceof OpenAI.AuthenticationError, `got ${e.constructor.name}: ${e.message}`);
    assertEq(e.status, 401, 'status');
  }
});

test('unknown model is a 404 NotFoundError', async (ctx) => {
  try {
    await client(ctx).chat.completions.create({ model: 'no-such-model', messages: [] });
    throw new Error('no error');
  } catch (e) {
    assert(e instanceof OpenAI.NotFoundError, `got ${e.constructor.name}: ${e.message}`);
    assert(e.message.includes('no-such-model'), e.message);
  }
});

test('upstream 429 is a RateLimitError', async (ctx) => {
  try {
    await client(ctx).chat.completions.create({ model: 'gpt-busy', messages: [] });
    throw new Error('no error');
  } catch (e) {
    assert(e instanceof OpenAI.RateLimitError, `got ${e.constructor.name}: ${e.message}`);
  }
});

test('upstream cut mid-stream surfaces as an error', async (ctx) => {
  const stream = await client(ctx).chat.completions.create({
    model: 'gpt-flaky', stream: true, messages: [{ role: 'user', content: 'x' }],
  });
  let text = '';
  try {
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    throw new Error('stream ended without an error');
  } catch (e) {
    assert(e instanceof OpenAI.APIError, `got ${e.constructor.name}: ${e.message}`);
  }
  assert(text.startsWith('tok0 tok1'), `text before the cut: ${text}`);
});

test('malformed JSON is a 400 BadRequestError', async (ctx) => {
  const res = await fetch(`${ctx.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: '{"model": ',
  });
  assertEq(res.status, 400, 'status');
  const body = await res.json();
  assert(body.error.message.includes('not valid JSON'), body.error.message);
});

// ---- Every upstream kind, through chat completions ----

function chatUsage(usage) {
  return usage ? { input: usage.prompt_tokens, output: usage.completion_tokens } : null;
}

// One chat completion, streamed or not, reduced to what the tests look at.
async function chat(ctx, params, stream) {
  if (!stream) {
    const res = await client(ctx).chat.completions.create(params);
    assert(res.choices?.length > 0, `no choices: ${JSON.stringify(res)}`);
    const m = res.choices[0].message;
    return {
      text: m.content, reasoning: m.reasoning_content, calls: m.tool_calls ?? [],
      finish: res.choices[0].finish_reason, usage: chatUsage(res.usage),
    };
  }
  const chunks = await client(ctx).chat.completions.create({
    ...params, stream: true, stream_options: { include_usage: true },
  });
  let text = null;
  let reasoning = null;
  let finish = null;
  let usage = null;
  const calls = [];
  for await (const chunk of chunks) {
    if (chunk.usage) usage = chatUsage(chunk.usage);
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    const d = choice.delta ?? {};
    if (typeof d.content === 'string') text = (text ?? '') + d.content;
    if (typeof d.reasoning_content === 'string') reasoning = (reasoning ?? '') + d.reasoning_content;
    for (const tc of d.tool_calls ?? []) {
      const slot = calls[tc.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } };
      if (tc.id) slot.id = tc.id;
      if (tc.function?.name) slot.function.name += tc.function.name;
      if (tc.function?.arguments) slot.function.arguments += tc.function.arguments;
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  return { text, reasoning, calls: calls.filter(Boolean), finish, usage };
}

const chatTools = [{
  type: 'function',
  function: { name: TOOL.name, description: TOOL.description, parameters: TOOL.schema },
}];

pairTests('openai.chat', {
  format: 'compat',
  toolFinish: 'tool_calls',
  text: (ctx, model, stream) => chat(ctx, { model, messages: [{ role: 'user', content: 'Say hello' }] }, stream),
  async toolCall(ctx, model, stream) {
    const messages = [{ role: 'user', content: PROMPT }];
    const r = await chat(ctx, { model, messages, tools: chatTools }, stream);
    const c = r.calls[0];
    return {
      ...r, messages,
      call: c && { id: c.id, name: c.function.name, args: JSON.parse(c.function.arguments), raw: c },
    };
  },
  toolResult(ctx, model, stream, first) {
    const messages = [
      ...first.messages,
      { role: 'assistant', content: first.text || null, tool_calls: [first.call.raw] },
      { role: 'tool', tool_call_id: first.call.id, content: TOOL_RESULT },
    ];
    return chat(ctx, { model, messages, tools: chatTools }, stream);
  },
  image: (ctx, model, stream) => chat(ctx, {
    model,
    messages: [{
      role: 'user',
      content: [{ type: 'text', text: IMAGE_PROMPT }, { type: 'image_url', image_url: { url: PNG_DATA_URL } }],
    }],
  }, stream),
  think: (ctx, model, stream) => chat(ctx, {
    model, reasoning_effort: 'low', messages: [{ role: 'user', content: THINK_PROMPT }],
  }, stream),
});

// ---- Every upstream kind, through the Responses API ----

// One response, streamed (through the SDK's accumulating stream helper) or
// not, reduced to what the tests look at.
async function respond(ctx, params, stream) {
  const res = stream
    ? await client(ctx).responses.stream(params).finalResponse()
    : await client(ctx).responses.create(params);
  const output = res.output ?? [];
  const texts = [];
  const summaries = [];
  let signature;
  for (const item of output) {
    if (item.type === 'message')
      for (const part of item.content ?? []) if (part.type === 'output_text') texts.push(part.text);
    if (item.type === 'reasoning') {
      for (const s of item.summary ?? []) summaries.push(s.text);
      signature ??= item.encrypted_content;
    }
  }
  return {
    text: texts.length ? texts.join('') : null,
    reasoning: summaries.length ? summaries.join('') : null,
    signature,
    calls: output.filter((item) => item.type === 'function_call'),
    usage: res.usage ? { input: res.usage.input_tokens, output: res.usage.output_tokens } : null,
  };
}

const responsesTools = [{
  type: 'function', name: TOOL.name, description: TOOL.description, parameters: TOOL.schema, strict: false,
}];

pairTests('openai.responses', {
  format: 'codex',
  text: (ctx, model, stream) => respond(ctx, { model, input: 'Say hello' }, stream),
  async toolCall(ctx, model, stream) {
    const input = [{ role: 'user', content: PROMPT }];
    const r = await respond(ctx, { model, input, tools: responsesTools }, stream);
    const c = r.calls[0];
    return { ...r, input, call: c && { id: c.call_id, name: c.name, args: JSON.parse(c.arguments), raw: c } };
  },
  toolResult(ctx, model, stream, first) {
    const { call_id, name, arguments: args } = first.call.raw;
    const input = [
      ...first.input,
      { type: 'function_call', call_id, name, arguments: args },
      { type: 'function_call_output', call_id, output: TOOL_RESULT },
    ];
    return respond(ctx, { model, input, tools: responsesTools }, stream);
  },
  image: (ctx, model, stream) => respond(ctx, {
    model,
    input: [{
      role: 'user',
      content: [
        { type: 'input_text', text: IMAGE_PROMPT },
        { type: 'input_image', image_url: PNG_DATA_URL, detail: 'auto' },
      ],
    }],
  }, stream),
  think: (ctx, model, stream) => respond(ctx, {
    model, input: THINK_PROMPT, reasoning: { effort: 'low', summary: 'auto' },
    include: ['reasoning.encrypted_content'],
  }, stream),
});

test('secrets never reach the log', async (ctx) => {
  const log = ctx.log();
  assert(log.includes('POST /v1/chat/completions'), 'the log has request lines');
  for (const key of [UPSTREAM_KEY, ...Object.values(UPSTREAM_KEYS)])
    assert(!log.includes(key), `upstream key ${key.slice(0, 12)}… in log`);
  assert(!log.includes(CLIENT_KEY), 'client key in log');
});


run(() => startStack(config), async (ctx) => {
  const code = await ctx.stop();
  if (code !== 0) console.log(`# switchyard exited with ${code}`);
});
