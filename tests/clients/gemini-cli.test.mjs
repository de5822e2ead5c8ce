// gemini-cli.test.mjs: the real Gemini CLI (`gemini -p`, from the npm
// package @google/gemini-cli) with GOOGLE_GEMINI_BASE_URL and
// GEMINI_API_KEY pointing at Switchyard, which sends it on to a
// gemini-api-key account on the fake upstream.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  isolate, cliPath, nodeAtLeast, startStack, runCli, cliEnv, newHome, assertRun, describeRun, noteRequests,
  test, run, assert, CLIENT_KEY, NOTE_TEXT,
} from './harness.mjs';

const netns = isolate();
const gemini = cliPath('gemini');
// Gemini CLI is JavaScript, and every release says engines: node >= 20.
// Debian 12's Node is 18: then it runs with the Node 20 that npm installed
// from package.json's optionalDependencies.
const node = nodeAtLeast(20);

const UPSTREAM_KEY = 'AIza-cli-upstream-canary-gemini-0001';

const config = (upstream) => `
host: 127.0.0.1
api-keys: ["${CLIENT_KEY}"]
gemini-api-key:
  - api-key: "${UPSTREAM_KEY}"
    base-url: "${upstream}"
    models:
      - name: echo
        alias: sy-gemini-text
      - name: tool-call
        alias: sy-gemini-tool
`;

// ~/.gemini/settings.json: off what Gemini CLI documents as going
// elsewhere: usage statistics (Clearcut), telemetry, the update check and
// auto-update, the IDE companion.
function settings(home) {
  const dir = join(home, '.gemini');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'settings.json'), JSON.stringify({
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false, logPrompts: false },
    ide: { enabled: false },
    // With GOOGLE_GEMINI_BASE_URL set, Gemini CLI 0.61 guesses the auth
    // type "gateway" from the environment and then refuses it in -p mode
    // ("Invalid auth method selected."); an API key with that base URL is
    // what works.
    security: { auth: { selectedType: 'gemini-api-key' } },
  }, null, 2));
}

async function session(ctx, model, prompt, extra = []) {
  const home = newHome('gemini-');
  settings(home);
  // The tool-use turn: read_file notes.txt (read-only, allowed in -p).
  await ctx.toolArgs({ read_file: { file_path: join(home, 'work', 'notes.txt') } });
  const env = cliEnv(home, {
    GOOGLE_GEMINI_BASE_URL: ctx.url,
    GEMINI_API_KEY: CLIENT_KEY,
    GEMINI_TELEMETRY_ENABLED: 'false',
    GEMINI_CLI_NO_RELAUNCH: 'true',
    // -p refuses an untrusted folder; the temp work directory is ours.
    GEMINI_CLI_TRUST_WORKSPACE: 'true',
    // Its bundle's `#!/usr/bin/env node`, and a node it may start, are
    // that Node too.
    PATH: `${dirname(node.path)}:${process.env.PATH}`,
  });
  const before = (await ctx.requests()).length;
  const r = await runCli(node.path, [gemini, '-m', model, ...extra, '-p', prompt], { env, cwd: join(home, 'work') });
  const seen = (await ctx.requests()).slice(before);
  noteRequests(seen);
  return { r, seen };
}

const summary = (seen) => JSON.stringify(seen.map((q) => [q.path, q.model, q.stream]));

test('gemini -p: a streamed answer through Switchyard', async (ctx) => {
  const { r, seen } = await session(ctx, 'sy-gemini-text', 'Count to twenty');
  assertRun(r);
  assert(/tok0 tok1 .*tok19/s.test(r.stdout), `the fake's streamed answer is not in the output: ${describeRun(r)}\n${summary(seen)}`);
  const main = seen.filter((q) => q.body.includes('Count to twenty'));
  assert(main.length >= 1, `the fake did not see the prompt: ${summary(seen)}`);
  assert(main.every((q) => q.model === 'echo' && q.stream), `model/stream: ${summary(main)}`);
});

test('gemini -p: a tool-use turn through Switchyard', async (ctx) => {
  const { r, seen } = await session(ctx, 'sy-gemini-tool', 'Use a tool', ['--output-format', 'json']);
  assertRun(r);
  const turns = seen.filter((q) => q.model === 'tool-call');
  assert(turns.length >= 2 && turns.every((q) => q.stream), `requests: ${summary(seen)}\n${describeRun(r)}`);
  assert(turns[turns.length - 1].body.includes('"functionResponse"'), 'the last request holds no function response');
  assert(turns[turns.length - 1].body.includes(NOTE_TEXT), 'the function response sent back is not the file');
  assert(/tool said: /.test(r.stdout) && r.stdout.includes(NOTE_TEXT),
         `the fake's answer to the tool result (with the file's text) is not in the output: ${describeRun(r)}`);
});

run({
  notes: [netns, gemini ? `gemini: ${gemini}` : 'gemini: not installed',
          node ? `gemini runs with: ${node.path} (Node ${node.version})` : 'gemini runs with: no Node >= 20'],
  skip: !gemini ? '@google/gemini-cli is not installed: run `npm ci` in tests/clients'
    : !node ? `@google/gemini-cli needs Node >= 20; this is Node ${process.versions.node}, and ` +
              `tests/clients/node_modules has no node-${process.platform}-${process.arch} that runs here ` +
              '(package.json has it for linux x64 and arm64: run `npm ci` in tests/clients)' : null,
  setup: () => startStack(config),
  teardown: (ctx) => ctx.stop(),
});
