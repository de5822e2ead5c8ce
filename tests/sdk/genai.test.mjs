// genai.test.mjs: the official `@google/genai` SDK against Switchyard's
// Gemini API, with every upstream kind behind it (see pairs.mjs).
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { GoogleGenAI } from '@google/genai';
import { startStack, test, run, assert, assertEq } from './harness.mjs';
import {
  CLIENT_KEY, UPSTREAM_KEYS, UPSTREAMS, pairsConfig, pairTests, REQUEST_TIMEOUT_MS,
  PROMPT, IMAGE_PROMPT, THINK_PROMPT, TOOL, TOOL_RESULT, PNG_BASE64,
} from './pairs.mjs';

function client(ctx, key = CLIENT_KEY) {
  return new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: ctx.url, timeout: REQUEST_TIMEOUT_MS } });
}

// One generateContent, streamed or not, reduced to what the tests look at.
async function generate(ctx, params, stream) {
  const ai = client(ctx);
  let parts = [];
  let usage = null;
  let finish;
  if (!stream) {
    const res = await ai.models.generateContent(params);
    const candidate = res.candidates?.[0];
    parts = candidate?.content?.parts ?? [];
    finish = candidate?.finishReason;
    usage = res.usageMetadata ?? null;
  } else {
    for await (const chunk of await ai.models.generateContentStream(params)) {
      const candidate = chunk.candidates?.[0];
      parts.push(...(candidate?.content?.parts ?? []));
      if (candidate?.finishReason) finish = candidate.finishReason;
      if (chunk.usageMetadata) usage = chunk.usageMetadata;
    }
  }
  const texts = parts.filter((p) => typeof p.text === 'string' && !p.thought).map((p) => p.text);
  const thoughts = parts.filter((p) => typeof p.text === 'string' && p.thought).map((p) => p.text);
  return {
    parts,
    text: texts.length ? texts.join('') : null,
    reasoning: thoughts.length ? thoughts.join('') : null,
    signature: parts.find((p) => p.thoughtSignature)?.thoughtSignature,
    calls: parts.filter((p) => p.functionCall).map((p) => p.functionCall),
    finish,
    usage: usage ? { input: usage.promptTokenCount, output: usage.candidatesTokenCount } : null,
  };
}

const tools = [{
  functionDeclarations: [{ name: TOOL.name, description: TOOL.description, parametersJsonSchema: TOOL.schema }],
}];

const user = (text) => ({ role: 'user', parts: [{ text }] });

pairTests('genai', {
  format: 'gemini',
  toolFinish: 'STOP',
  text: (ctx, model, stream) => generate(ctx, { model, contents: [user('Say hello')] }, stream),
  async toolCall(ctx, model, stream) {
    const contents = [user(PROMPT)];
    const r = await generate(ctx, { model, contents, config: { tools } }, stream);
    const c = r.calls[0];
    return { ...r, contents, call: c && { id: c.id, name: c.name, args: c.args } };
  },
  toolResult(ctx, model, stream, first) {
    const response = { name: first.call.name, response: { result: TOOL_RESULT } };
    if (first.call.id) response.id = first.call.id;
    const contents = [
      ...first.contents,
      { role: 'model', parts: first.parts },
      { role: 'user', parts: [{ functionResponse: response }] },
    ];
    return generate(ctx, { model, contents, config: { tools } }, stream);
  },
  image: (ctx, model, stream) => generate(ctx, {
    model,
    contents: [{ role: 'user', parts: [{ text: IMAGE_PROMPT }, { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } }] }],
  }, stream),
  think: (ctx, model, stream) => generate(ctx, {
    model, contents: [user(THINK_PROMPT)],
    config: { thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 } },
  }, stream),
});

for (const [prefix, kind] of Object.entries(UPSTREAMS)) {
  test(`genai × ${kind}: count tokens`, async (ctx) => {
    const res = await client(ctx).models.countTokens({ model: `${prefix}/echo`, contents: [user(PROMPT)] });
    assert(Number.isInteger(res.totalTokens) && res.totalTokens > 0, `totalTokens: ${JSON.stringify(res)}`);
  });
}

test('wrong key is an ApiError 401', async (ctx) => {
  try {
    await client(ctx, 'wrong').models.generateContent({ model: 'gemini/echo', contents: [user('x')] });
    throw new Error('no error');
  } catch (e) {
    assertEq(e.status, 401, `status (${e.constructor.name}: ${e.message})`);
  }
});

test('secrets never reach the log', async (ctx) => {
  const log = ctx.log();
  assert(log.includes('generateContent'), 'the log has request lines');
  for (const key of [CLIENT_KEY, ...Object.values(UPSTREAM_KEYS)])
    assert(!log.includes(key), `key ${key.slice(0, 12)}… in log`);
});

run(() => startStack(pairsConfig), async (ctx) => {
  const code = await ctx.stop();
  if (code !== 0) console.log(`# switchyard exited with ${code}`);
});
