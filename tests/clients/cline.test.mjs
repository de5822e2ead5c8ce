// cline.test.mjs: the real Cline CLI (`cline "prompt"`, from the npm package
// cline) set up with `switchyard setup cline` (the built binary, run on the
// test's HOME as a user would): its OpenAI-compatible provider points at
// Switchyard, which sends the chat completions on to an
// openai-compatibility entry on the fake upstream.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  isolate, startStack, runCli, cliEnv, newHome, assertRun, describeRun, noteRequests,
  test, run, assert, CLIENT_KEY, NOTE_TEXT,
} from './harness.mjs';

const netns = isolate();
const here = dirname(fileURLToPath(import.meta.url));
const buildDir = process.env.SY_BUILD_DIR;

// The npm package's `bin/cline` is a Node wrapper that finds the native
// executable (Bun with the CLI inside) in the platform package and starts
// it: the test starts it directly.
function clinePath() {
  const platform = `${process.platform}-${process.arch}`;
  const native = join(here, 'node_modules', '@cline', `cli-${platform}`, 'bin', 'cline');
  return existsSync(native) ? native : null;
}
const cline = clinePath();

const UPSTREAM_KEY = 'sk-cli-upstream-canary-cline-0001';

const config = (upstream) => `
host: 127.0.0.1
api-keys: ["${CLIENT_KEY}"]
openai-compatibility:
  - name: fake
    base-url: "${upstream}/v1"
    api-key-entries:
      - api-key: "${UPSTREAM_KEY}"
    models:
      - name: echo
        alias: sy-cline-text
      - name: tool-call
        alias: sy-cline-tool
`;

const SETTINGS = join('.cline', 'data', 'settings');

// The user's Cline as it was before: another provider in use (as
// `cline auth` writes it), and off what Cline sends elsewhere: telemetry
// and the update check (global-settings.json).
function clineHome(home) {
  const dir = join(home, SETTINGS);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'global-settings.json'),
                `${JSON.stringify({ telemetryOptOut: true, autoUpdateEnabled: false }, null, 2)}\n`);
  writeFileSync(join(dir, 'providers.json'), `${JSON.stringify({
    version: 1,
    lastUsedProvider: 'anthropic',
    modes: {},
    providers: {
      anthropic: {
        settings: { provider: 'anthropic', apiKey: 'sk-ant-not-used', model: 'claude-sonnet-4-5' },
        updatedAt: '2026-11-01T10:00:00.000Z',
        tokenSource: 'manual',
      },
    },
  }, null, 2)}\n`, { mode: 0o600 });
}

// `switchyard setup cline --model M` with the running Switchyard's port
// and client key in its config, on @home.
function setup(ctx, home, model) {
  const port = new URL(ctx.url).port;
  const syConfig = join(home, 'switchyard.yaml');
  writeFileSync(syConfig, `port: ${port}\napi-keys: ["${CLIENT_KEY}"]\n`);
  const r = spawnSync(join(buildDir, 'src', 'switchyard'), ['setup', 'cline', '--model', model, '--config', syConfig], {
    encoding: 'utf8',
    env: cliEnv(home, {}),
  });
  assert(r.status === 0, `switchyard setup cline: exit ${r.status}\n${r.stdout}${r.stderr}`);
  const written = JSON.parse(readFileSync(join(home, SETTINGS, 'providers.json'), 'utf8'));
  assert(written.lastUsedProvider === 'openai-compatible' &&
         written.providers['openai-compatible']?.settings?.baseUrl === `${ctx.url}/v1` &&
         written.providers.anthropic?.settings?.apiKey === 'sk-ant-not-used',
         `providers.json after the setup: ${JSON.stringify(written)}`);
}

async function session(ctx, model, prompt, extra = []) {
  const home = newHome('cline-');
  clineHome(home);
  setup(ctx, home, model);
  // The tool-use turn: Cline's read_files with the note's absolute path.
  await ctx.toolArgs({ read_files: { files: [{ path: join(home, 'work', 'notes.txt') }] } });
  const env = cliEnv(home, {
    // The session runs in this process, not in a hub daemon that Cline
    // would otherwise start in the background (and leave running).
    CLINE_SESSION_BACKEND_MODE: 'local',
    // Cline 3.0.65 polls PostHog feature flags (data.cline.bot) at start-up
    // whatever telemetryOptOut says; only this switches the poll off.
    E2E_TEST: 'true',
    CLINE_NO_AUTO_UPDATE: '1',
  });
  const before = (await ctx.requests()).length;
  const r = await runCli(cline, [...extra, prompt], { env, cwd: join(home, 'work') });
  const seen = (await ctx.requests()).slice(before);
  noteRequests(seen);
  return { r, seen };
}

const summary = (seen) => JSON.stringify(seen.map((q) => [q.path, q.model, q.stream]));

test('cline: a streamed answer through Switchyard after `switchyard setup cline`', async (ctx) => {
  const { r, seen } = await session(ctx, 'sy-cline-text', 'Count to twenty');
  assertRun(r);
  assert(/tok0 tok1 .*tok19/s.test(r.stdout), `the fake's streamed answer is not in the output: ${describeRun(r)}\n${summary(seen)}`);
  const main = seen.filter((q) => q.path === '/v1/chat/completions' && q.body.includes('Count to twenty'));
  assert(main.length >= 1, `the fake did not see the prompt: ${summary(seen)}`);
  assert(main.every((q) => q.model === 'echo' && q.stream), `model/stream: ${summary(main)}`);
});

test('cline: a tool-use turn through Switchyard', async (ctx) => {
  const { r, seen } = await session(ctx, 'sy-cline-tool', 'Use a tool');
  assertRun(r);
  const turns = seen.filter((q) => q.path === '/v1/chat/completions' && q.model === 'tool-call');
  assert(turns.length >= 2 && turns.every((q) => q.stream), `requests: ${summary(seen)}\n${describeRun(r)}`);
  const last = turns[turns.length - 1].body;
  assert(last.includes('"role":"tool"'), 'the last request holds no tool result');
  assert(last.includes(NOTE_TEXT), 'the tool result sent back is not the file');
  assert(/tool said: /.test(r.stdout) && r.stdout.includes(NOTE_TEXT),
         `the fake's answer to the tool result (with the file's text) is not in the output: ${describeRun(r)}`);
});

run({
  notes: [netns, cline ? `cline: ${cline}` : 'cline: not installed'],
  skip: !cline ? 'cline is not installed: run `npm ci` in tests/clients' : null,
  setup: () => startStack(config),
  teardown: (ctx) => ctx.stop(),
});
