// openai.test.mjs: the official `openai` SDK against Switchyard and an
// OpenAI-compatible fake upstream, streaming included.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import OpenAI from 'openai';
import { startStack, test, run, assert, assertEq } from './harness.mjs';

const CLIENT_KEY = 'sdk-client-key-0001';
const UPSTREAM_KEY = 'sk-sdk-upstream-canary-0123456789';

const config = (upstream) => `
host: 127.0.0.1
api-keys: ["${CLIENT_KEY}"]
openai-compatibility:
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
`;

function client(ctx, key = CLIENT_KEY) {
  return new OpenAI({ baseURL: `${ctx.url}/v1`, apiKey: key, maxRetries: 0 });
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

test('secrets never reach the log', async (ctx) => {
  const log = ctx.log();
  assert(log.includes('POST /v1/chat/completions'), 'the log has request lines');
  assert(!log.includes(UPSTREAM_KEY), 'upstream key in log');
  assert(!log.includes(CLIENT_KEY), 'client key in log');
});

run(() => startStack(config), async (ctx) => {
  const code = await ctx.stop();
  if (code !== 0) console.log(`# switchyard exited with ${code}`);
});
