// anthropic.test.mjs: the official `@anthropic-ai/sdk` against Switchyard's
// Claude Messages API, with every upstream kind behind it (see pairs.mjs).
//
// SPDX-License-Identifier: GPL-3.0-or-later

import Anthropic from '@anthropic-ai/sdk';
import { startStack, test, run, assert } from './harness.mjs';
import {
  CLIENT_KEY, UPSTREAM_KEYS, UPSTREAMS, pairsConfig, pairTests, REQUEST_TIMEOUT_MS,
  PROMPT, IMAGE_PROMPT, THINK_PROMPT, TOOL, TOOL_RESULT, PNG_BASE64,
} from './pairs.mjs';

function client(ctx, key = CLIENT_KEY) {
  return new Anthropic({ baseURL: ctx.url, apiKey: key, maxRetries: 0, timeout: REQUEST_TIMEOUT_MS });
}

// One message, streamed (through the SDK's accumulating stream helper) or
// not, reduced to what the tests look at.
async function message(ctx, params, stream) {
  const full = { max_tokens: 1024, ...params };
  const res = stream
    ? await client(ctx).messages.stream(full).finalMessage()
    : await client(ctx).messages.create(full);
  const blocks = res.content ?? [];
  const texts = blocks.filter((b) => b.type === 'text').map((b) => b.text);
  const thinking = blocks.filter((b) => b.type === 'thinking');
  return {
    content: blocks,
    text: texts.length ? texts.join('') : null,
    reasoning: thinking.length ? thinking.map((b) => b.thinking).join('') : null,
    signature: thinking[0]?.signature,
    calls: blocks.filter((b) => b.type === 'tool_use'),
    finish: res.stop_reason,
    usage: res.usage ? { input: res.usage.input_tokens, output: res.usage.output_tokens } : null,
  };
}

const tools = [{ name: TOOL.name, description: TOOL.description, input_schema: TOOL.schema }];

pairTests('anthropic', {
  format: 'claude',
  toolFinish: 'tool_use',
  text: (ctx, model, stream) => message(ctx, { model, messages: [{ role: 'user', content: 'Say hello' }] }, stream),
  async toolCall(ctx, model, stream) {
    const messages = [{ role: 'user', content: PROMPT }];
    const r = await message(ctx, { model, messages, tools }, stream);
    const c = r.calls[0];
    return { ...r, messages, call: c && { id: c.id, name: c.name, args: c.input } };
  },
  toolResult(ctx, model, stream, first) {
    const messages = [
      ...first.messages,
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: first.call.id, content: TOOL_RESULT }] },
    ];
    return message(ctx, { model, messages, tools }, stream);
  },
  image: (ctx, model, stream) => message(ctx, {
    model,
    messages: [{
      role: 'user',
      content: [
        { type: 'text', text: IMAGE_PROMPT },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
      ],
    }],
  }, stream),
  think: (ctx, model, stream) => message(ctx, {
    model, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 },
    messages: [{ role: 'user', content: THINK_PROMPT }],
  }, stream),
});

for (const [prefix, kind] of Object.entries(UPSTREAMS)) {
  test(`anthropic × ${kind}: count tokens`, async (ctx) => {
    const res = await client(ctx).messages.countTokens({
      model: `${prefix}/echo`, messages: [{ role: 'user', content: PROMPT }],
    });
    assert(Number.isInteger(res.input_tokens) && res.input_tokens > 0, `input_tokens: ${JSON.stringify(res)}`);
  });
}

test('wrong key is a 401 AuthenticationError', async (ctx) => {
  try {
    await client(ctx, 'wrong').messages.create({
      model: 'claude/echo', max_tokens: 16, messages: [{ role: 'user', content: 'x' }],
    });
    throw new Error('no error');
  } catch (e) {
    assert(e instanceof Anthropic.AuthenticationError, `got ${e.constructor.name}: ${e.message}`);
  }
});

test('unknown model is a 404 NotFoundError', async (ctx) => {
  try {
    await client(ctx).messages.create({
      model: 'no-such-model', max_tokens: 16, messages: [{ role: 'user', content: 'x' }],
    });
    throw new Error('no error');
  } catch (e) {
    assert(e instanceof Anthropic.NotFoundError, `got ${e.constructor.name}: ${e.message}`);
  }
});

test('secrets never reach the log', async (ctx) => {
  const log = ctx.log();
  assert(log.includes('POST /v1/messages'), 'the log has request lines');
  for (const key of [CLIENT_KEY, ...Object.values(UPSTREAM_KEYS)])
    assert(!log.includes(key), `key ${key.slice(0, 12)}… in log`);
});

run(() => startStack(pairsConfig), async (ctx) => {
  const code = await ctx.stop();
  if (code !== 0) console.log(`# switchyard exited with ${code}`);
});
