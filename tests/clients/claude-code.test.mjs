// claude-code.test.mjs: the real Claude Code CLI (`claude -p`, from the npm
// package @anthropic-ai/claude-code) against Switchyard, which sends it on
// to a claude-api-key account on the fake upstream.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { join } from 'node:path';
import {
  isolate, cliPath, startStack, runCli, cliEnv, newHome, assertRun, describeRun, noteRequests,
  test, run, assert, CLIENT_KEY, NOTE_TEXT,
} from './harness.mjs';

const netns = isolate();
const claude = cliPath('claude');

const UPSTREAM_KEY = 'sk-ant-cli-upstream-canary-0001';

const config = (upstream) => `
host: 127.0.0.1
api-keys: ["${CLIENT_KEY}"]
claude-api-key:
  - api-key: "${UPSTREAM_KEY}"
    base-url: "${upstream}"
    models:
      - name: echo
        alias: sy-claude-text
      - name: tool-call
        alias: sy-claude-tool
      - name: echo
        alias: sy-claude-small
`;

// Everything Claude Code documents for switching off traffic that is not
// the model API: telemetry (Statsig), error reports (Sentry), the auto
// updater, /bug, feedback surveys and the rest ("nonessential traffic").
function env(ctx, home, model, auth) {
  return cliEnv(home, {
    ANTHROPIC_BASE_URL: ctx.url,
    ...auth,
    ANTHROPIC_MODEL: model,
    ANTHROPIC_DEFAULT_SONNET_MODEL: model,
    ANTHROPIC_DEFAULT_OPUS_MODEL: model,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: 'sy-claude-small',
    ANTHROPIC_SMALL_FAST_MODEL: 'sy-claude-small',
    CLAUDE_CODE_SUBAGENT_MODEL: model,
    CLAUDE_CONFIG_DIR: join(home, '.claude'),
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_BUG_COMMAND: '1',
    DISABLE_COST_WARNINGS: '1',
    DISABLE_NON_ESSENTIAL_MODEL_CALLS: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
    CLAUDE_CODE_DISABLE_TERMINAL_TITLE: '1',
    CLAUDE_CODE_IDE_SKIP_AUTO_INSTALL: '1',
    DISABLE_INSTALLATION_CHECKS: '1',
  });
}

async function session(ctx, model, auth, args) {
  const home = newHome('claude-');
  // The tool-use turn: Read notes.txt (a read-only tool, allowed in -p).
  await ctx.toolArgs({ Read: { file_path: join(home, 'work', 'notes.txt') } });
  const before = (await ctx.requests()).length;
  const r = await runCli(claude, args, { env: env(ctx, home, model, auth), cwd: join(home, 'work') });
  const seen = (await ctx.requests()).slice(before);
  noteRequests(seen);
  return { r, seen };
}

test('claude -p: a streamed answer through Switchyard (x-api-key)', async (ctx) => {
  const { r, seen } = await session(ctx, 'sy-claude-text', { ANTHROPIC_API_KEY: CLIENT_KEY },
                                    ['-p', 'Count to twenty', '--output-format', 'text']);
  assertRun(r);
  assert(/tok0 tok1 .*tok19/s.test(r.stdout), `the fake's streamed answer is not in the output: ${describeRun(r)}`);
  const main = seen.filter((q) => q.path === '/v1/messages' && q.body.includes('Count to twenty'));
  assert(main.length >= 1, `the fake did not see the prompt: ${JSON.stringify(seen.map((q) => [q.path, q.model]))}`);
  assert(main.every((q) => q.model === 'echo' && q.stream), `model/stream: ${JSON.stringify(main.map((q) => [q.model, q.stream]))}`);
});

test('claude -p: a tool-use turn through Switchyard (Bearer token)', async (ctx) => {
  const { r, seen } = await session(ctx, 'sy-claude-tool', { ANTHROPIC_AUTH_TOKEN: CLIENT_KEY },
                                    ['-p', 'Use a tool', '--output-format', 'stream-json', '--verbose',
                                     '--max-turns', '4']);
  assertRun(r);
  const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const uses = events.filter((e) => e.type === 'assistant')
    .flatMap((e) => e.message.content).filter((b) => b.type === 'tool_use');
  assert(uses.length >= 1 && uses[0].id === 'toolu_fake_01' && uses[0].name === 'Read',
         `no Read tool_use from the fake: ${describeRun(r)}`);
  const results = events.filter((e) => e.type === 'user')
    .flatMap((e) => e.message.content).filter((b) => b.type === 'tool_result' && b.tool_use_id === 'toolu_fake_01');
  assert(results.length === 1 && !results[0].is_error, `Claude Code did not run the tool: ${describeRun(r)}`);
  const final = events.find((e) => e.type === 'result');
  assert(final && final.subtype === 'success' && /^tool said: /.test(final.result) && final.result.includes(NOTE_TEXT),
         `the fake's answer to the tool result (with the file's text) is not the result: ${describeRun(r)}`);
  const turns = seen.filter((q) => q.path === '/v1/messages' && q.model === 'tool-call');
  assert(turns.length >= 2 && turns.every((q) => q.stream), `requests: ${JSON.stringify(seen.map((q) => [q.path, q.model, q.stream]))}`);
  assert(turns[turns.length - 1].body.includes('"tool_result"'), 'the last request holds no tool result');
});

run({
  notes: [netns, claude ? `claude: ${claude}` : 'claude: not installed'],
  skip: claude ? null : '@anthropic-ai/claude-code is not installed: run `npm ci` in tests/clients',
  setup: () => startStack(config),
  teardown: (ctx) => ctx.stop(),
});
