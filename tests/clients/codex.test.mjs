// codex.test.mjs: the real Codex CLI (`codex exec`, from the npm package
// @openai/codex) with a custom model provider (wire_api = "responses")
// pointing at Switchyard, which sends it on to a codex-api-key account on
// the fake upstream.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isolate, cliPath, startStack, runCli, cliEnv, newHome, assertRun, describeRun, noteRequests,
  test, run, assert, CLIENT_KEY, NOTE_TEXT,
} from './harness.mjs';

const netns = isolate();
const codex = cliPath('codex');

const UPSTREAM_KEY = 'sk-cli-upstream-canary-codex-0001';

const config = (upstream) => `
host: 127.0.0.1
api-keys: ["${CLIENT_KEY}"]
codex-api-key:
  - api-key: "${UPSTREAM_KEY}"
    base-url: "${upstream}/v1"
    models:
      - name: echo
        alias: sy-codex-text
      - name: tool-call
        alias: sy-codex-tool
`;

// CODEX_HOME/config.toml: Switchyard as the model provider, and off what
// Codex documents as going elsewhere: the update check, analytics, the
// feedback upload, OpenTelemetry export, the plugin catalogue.
function codexHome(ctx, home, model) {
  const dir = join(home, '.codex');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.toml'), `model = "${model}"
model_provider = "switchyard"
check_for_update_on_startup = false
approval_policy = "never"
# The command the test has the fake ask for is "cat notes.txt": no need
# for a sandbox, which needs kernel features (user namespaces, Landlock)
# a CI machine may not have.
sandbox_mode = "danger-full-access"

[model_providers.switchyard]
name = "Switchyard"
base_url = "${ctx.url}/v1"
env_key = "SWITCHYARD_API_KEY"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0

[analytics]
enabled = false

[feedback]
enabled = false

[otel]
exporter = "none"

# The plugins feature syncs a curated plugin list from GitHub (git
# ls-remote, api.github.com, chatgpt.com) at start-up.
[features]
plugins = false
`);
  return dir;
}

async function session(ctx, model, prompt, extra = []) {
  const home = newHome('codex-');
  // The tool-use turn: Codex's shell tool runs `cat notes.txt`.
  await ctx.toolArgs({ exec_command: { cmd: 'cat notes.txt' }, shell: { command: ['cat', 'notes.txt'] } });
  const env = cliEnv(home, {
    CODEX_HOME: codexHome(ctx, home, model),
    SWITCHYARD_API_KEY: CLIENT_KEY,
    RUST_LOG: 'error',
  });
  const before = (await ctx.requests()).length;
  const r = await runCli(codex, ['exec', '--skip-git-repo-check', '--color', 'never', ...extra, prompt],
                         { env, cwd: join(home, 'work') });
  const seen = (await ctx.requests()).slice(before);
  noteRequests(seen);
  return { r, seen };
}

test('codex exec: a streamed answer through Switchyard', async (ctx) => {
  const { r, seen } = await session(ctx, 'sy-codex-text', 'Count to twenty');
  assertRun(r);
  assert(/tok0 tok1 .*tok19/s.test(r.stdout), `the fake's streamed answer is not in the output: ${describeRun(r)}`);
  const main = seen.filter((q) => q.path === '/v1/responses' && q.body.includes('Count to twenty'));
  assert(main.length >= 1, `the fake did not see the prompt: ${JSON.stringify(seen.map((q) => [q.path, q.model]))}`);
  assert(main.every((q) => q.model === 'echo' && q.stream), `model/stream: ${JSON.stringify(main.map((q) => [q.model, q.stream]))}`);
});

test('codex exec: a tool-use turn through Switchyard', async (ctx) => {
  const { r, seen } = await session(ctx, 'sy-codex-tool', 'Use a tool', ['--json']);
  assertRun(r);
  const turns = seen.filter((q) => q.path === '/v1/responses' && q.model === 'tool-call');
  assert(turns.length >= 2 && turns.every((q) => q.stream),
         `requests: ${JSON.stringify(seen.map((q) => [q.path, q.model, q.stream]))}\n${describeRun(r)}`);
  assert(turns[turns.length - 1].body.includes('"function_call_output"') ||
         turns[turns.length - 1].body.includes('"custom_tool_call_output"'),
         'the last request holds no tool output');
  assert(turns[turns.length - 1].body.includes(NOTE_TEXT), 'the tool output sent back is not the file');
  assert(/tool said: /.test(r.stdout) && r.stdout.includes(NOTE_TEXT),
         `the fake's answer to the tool output (with the file's text) is not in the output: ${describeRun(r)}`);
});

run({
  notes: [netns, codex ? `codex: ${codex}` : 'codex: not installed'],
  skip: codex ? null : '@openai/codex is not installed: run `npm ci` in tests/clients',
  setup: () => startStack(config),
  teardown: (ctx) => ctx.stop(),
});
