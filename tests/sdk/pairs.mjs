// pairs.mjs: one client SDK against every upstream kind, streaming and not.
//
// One Switchyard config has four accounts on the same fake upstream, one per
// upstream kind, each with a prefix: "claude/tool-call" goes to the
// claude-api-key account as model "tool-call", and so on. A client test file
// gives a driver (how its SDK asks for text, a tool call, an image, reasoning)
// and pairTests() adds the same checks for each upstream × stream.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { test, assert, assertEq } from './harness.mjs';

export const CLIENT_KEY = 'sdk-client-key-0001';

// Upstream keys: never to be seen in the log.
export const UPSTREAM_KEYS = {
  claude: 'sk-ant-sdk-upstream-canary-claude-0001',
  gemini: 'AIza-sdk-upstream-canary-gemini-0002',
  codex: 'sk-sdk-upstream-canary-codex-0003',
  compat: 'sk-sdk-upstream-canary-compat-0004',
};

// prefix => what the account is, as the test names say it.
export const UPSTREAMS = {
  claude: 'claude-api-key',
  gemini: 'gemini-api-key',
  codex: 'codex-api-key',
  compat: 'openai-compatibility',
};

// The word in the fake upstream's echo answer ("Hello from fake <word>").
const ECHO_WORD = { claude: 'claude', gemini: 'gemini', codex: 'responses', compat: 'openai' };

const MODELS = ['echo', 'tool-call', 'vision', 'think'];

// The four accounts; @extraCompat: more openai-compatibility entries (YAML
// list items, indented by two spaces).
export function pairsConfig(upstream, extraCompat = '') {
  const models = MODELS.map((m) => `      - name: ${m}\n`).join('');
  return `
host: 127.0.0.1
api-keys: ["${CLIENT_KEY}"]
force-model-prefix: true
claude-api-key:
  - api-key: "${UPSTREAM_KEYS.claude}"
    base-url: "${upstream}"
    prefix: claude
    models:
${models}gemini-api-key:
  - api-key: "${UPSTREAM_KEYS.gemini}"
    base-url: "${upstream}"
    prefix: gemini
    models:
${models}codex-api-key:
  - api-key: "${UPSTREAM_KEYS.codex}"
    base-url: "${upstream}/v1"
    prefix: codex
    models:
${models}openai-compatibility:
  - name: compat
    base-url: "${upstream}/v1"
    prefix: compat
    api-key-entries:
      - api-key: "${UPSTREAM_KEYS.compat}"
    models:
${models}${extraCompat}`;
}

// A 1×1 PNG.
export const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
export const PNG_BYTES = Buffer.from(PNG_BASE64, 'base64').length;
export const PNG_DATA_URL = `data:image/png;base64,${PNG_BASE64}`;

export const PROMPT = 'What is the weather in Paris?';
export const IMAGE_PROMPT = 'What is in this picture?';
export const THINK_PROMPT = 'What is six times seven? Think first.';

export const TOOL = {
  name: 'get_weather',
  description: 'The current weather of a city',
  schema: {
    type: 'object',
    properties: { city: { type: 'string', description: 'City name' } },
    required: ['city'],
  },
};
export const TOOL_RESULT = 'sunny, 21 C';

// What the fake upstream's "think" model says.
const THINK_TEXT = 'think it over first';
const THINK_ANSWER = 'Thought it through: the answer is 42.';

// The fake upstream's signature for its own format, that a client of the
// same format gets back unchanged.
const SAME_FORMAT_SIGNATURE = { claude: 'sig-claude-1', gemini: 'sig-gemini-1', codex: 'enc-1' };

// A request timeout for the SDKs: the fake upstream answers in well under a
// second, so anything slower is a hang.
export const REQUEST_TIMEOUT_MS = 4000;

// Adds, to @message, what the upstream received (or that it was not called).
async function withUpstreamContext(ctx, fn) {
  const before = (await ctx.lastUpstream()).n_requests;
  try {
    await fn();
  } catch (e) {
    let note;
    try {
      const last = await ctx.lastUpstream();
      if (last.n_requests === before) {
        note = 'the upstream was not called';
      } else {
        const body = last.body && last.body.length > 700 ? `${last.body.slice(0, 700)}…` : last.body;
        note = `upstream got: ${last.method} ${last.path}${last.query ? `?${last.query}` : ''} ${body}`;
      }
    } catch (e2) {
      note = `(no upstream record: ${e2.message})`;
    }
    if (e instanceof Error) e.message = `${e.message}\n${note}`;
    throw e;
  }
}

function usageOk(usage, what) {
  assert(usage, `${what}: no usage`);
  assert(Number.isFinite(usage.input) && usage.input > 0, `${what}: input tokens ${usage.input}`);
  assert(Number.isFinite(usage.output) && usage.output > 0, `${what}: output tokens ${usage.output}`);
}

// @client: the client's name in test names; @driver: {text, toolCall,
// toolResult, image, think} (see openai.test.mjs for one).
export function pairTests(client, driver) {
  for (const [prefix, kind] of Object.entries(UPSTREAMS)) {
    for (const stream of [false, true]) {
      const pair = `${client} × ${kind} × ${stream ? 'stream' : 'no stream'}`;
      const model = (m) => `${prefix}/${m}`;
      const add = (what, fn) => test(`${pair}: ${what}`, (ctx) => withUpstreamContext(ctx, () => fn(ctx)));

      add('text', async (ctx) => {
        const { text } = await driver.text(ctx, model('echo'), stream);
        assert(typeof text === 'string' && text.length > 0, `no text: ${JSON.stringify(text)}`);
        const word = ECHO_WORD[prefix];
        assert(text === `Hello from fake ${word}` || /^tok0 tok1 (tok\d+ )*tok19 $/.test(text),
               `text from the wrong upstream or cut: ${JSON.stringify(text)}`);
      });

      add('usage', async (ctx) => {
        const { usage } = await driver.text(ctx, model('echo'), stream);
        usageOk(usage, 'echo');
      });

      add('tool call round trip', async (ctx) => {
        const first = await driver.toolCall(ctx, model('tool-call'), stream);
        assert(first.call, `no tool call; answer: ${JSON.stringify(first.text)}`);
        assertEq(first.call.name, TOOL.name, 'tool name');
        assert(first.call.args && typeof first.call.args === 'object' && !Array.isArray(first.call.args),
               `arguments are not an object: ${JSON.stringify(first.call.args)}`);
        assertEq(first.call.args.city, 'Paris', 'arguments.city');
        if (first.finish !== undefined)
          assertEq(first.finish, driver.toolFinish, 'finish reason of the tool call');
        const second = await driver.toolResult(ctx, model('tool-call'), stream, first);
        assert(typeof second.text === 'string' && second.text.startsWith('tool said: '),
               `second answer: ${JSON.stringify(second.text)}`);
        assert(second.text.includes(TOOL_RESULT), `tool result lost: ${JSON.stringify(second.text)}`);
        if (second.usage !== undefined) usageOk(second.usage, 'second answer');
      });

      add('image', async (ctx) => {
        const { text, usage } = await driver.image(ctx, model('vision'), stream);
        assertEq(text, `saw image image/png/${PNG_BYTES}`, 'answer');
        if (usage !== undefined) usageOk(usage, 'vision');
      });

      add('reasoning', async (ctx) => {
        const r = await driver.think(ctx, model('think'), stream);
        assert(typeof r.reasoning === 'string' && r.reasoning.includes(THINK_TEXT),
               `reasoning: ${JSON.stringify(r.reasoning)}`);
        assertEq(r.text, THINK_ANSWER, 'answer after the reasoning');
        const sig = SAME_FORMAT_SIGNATURE[prefix];
        if (driver.format === prefix && sig !== undefined)
          assertEq(r.signature, sig, 'signature of the same format');
      });
    }
  }
}
