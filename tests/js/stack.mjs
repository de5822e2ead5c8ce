// stack.mjs: what the JavaScript tests (tests/sdk, tests/clients) share:
// the fake upstream and Switchyard (the built binaries) started for a test
// file and stopped after it, and a tiny TAP producer.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const buildDir = process.env.SY_BUILD_DIR;

// A reader that went away (`| head`) or a signal is no reason to leave
// servers behind: exiting runs the 'exit' handlers startStack() adds.
process.stdout.on('error', () => process.exit(1));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(1));

function waitForLine(stream, pattern, what) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${buf}`)), 15000);
    stream.on('data', (chunk) => {
      buf += chunk.toString();
      const m = buf.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}

// Starts the fake upstream, then Switchyard with the config
// @configFor(upstream URL) in @dir (a new temporary directory when not
// given; removed by stop()). Whatever way this process ends, both go too.
export async function startStack(configFor, { dir } = {}) {
  if (!buildDir) throw new Error('SY_BUILD_DIR is not set');
  dir ??= mkdtempSync(join(tmpdir(), 'sy-'));
  const fake = spawn(join(buildDir, 'tests', 'fake-upstream'), [], { stdio: ['pipe', 'pipe', 'inherit'] });
  process.on('exit', () => { if (fake.exitCode === null && fake.signalCode === null) fake.kill('SIGKILL'); });
  const [, fakePort] = await waitForLine(fake.stdout, /^(\d+)\n/, 'fake upstream');
  const upstream = `http://127.0.0.1:${fakePort}`;

  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, configFor(upstream));
  let log = '';
  const sy = spawn(join(buildDir, 'src', 'switchyard'),
                   ['--headless', '--debug', '--config', configPath, '--port', '0'],
                   { stdio: ['ignore', 'pipe', 'pipe'],
                     env: { ...process.env, XDG_CONFIG_HOME: dir, XDG_STATE_HOME: join(dir, 'state') } });
  process.on('exit', () => { if (sy.exitCode === null && sy.signalCode === null) sy.kill('SIGKILL'); });
  const syExited = new Promise((resolve) => sy.on('exit', (code, signal) => resolve(signal ?? code)));
  sy.stdout.on('data', (c) => { log += c; });
  sy.stderr.on('data', (c) => { log += c; });
  const [, url] = await waitForLine(sy.stderr, /Listening on (http:\/\/[^ \n]+)/, 'switchyard');

  return {
    url,
    upstream,
    log: () => log,
    // What the fake upstream saw last: {n_requests, method, path, query, body}.
    async lastUpstream() {
      const res = await fetch(`${upstream}/_fake/last`);
      return res.json();
    },
    // Every request the fake upstream answered, in order:
    // [{method, path, model, stream, body}].
    async requests() {
      const res = await fetch(`${upstream}/_fake/requests`);
      return res.json();
    },
    // From now on the fake's "tool-call" model calls the first declared tool
    // named in @map ({name: arguments}) with those arguments.
    async toolArgs(map) {
      const res = await fetch(`${upstream}/_fake/tool-args`, { method: 'POST', body: JSON.stringify(map) });
      if (res.status !== 204) throw new Error(`POST /_fake/tool-args: ${res.status}`);
    },
    // Stops both; resolves Switchyard's exit code (or signal).
    async stop() {
      if (sy.exitCode !== null || sy.signalCode !== null) {
        console.log(`# switchyard died during the tests (${sy.signalCode ?? sy.exitCode}); its log ends:`);
        for (const line of log.trimEnd().split('\n').slice(-20)) console.log(`#   ${line}`);
      }
      sy.kill('SIGTERM');
      const code = await syExited;
      fake.stdin.end();
      fake.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

// The message, and where in a test file it was thrown (the whole stack when
// @verbose).
function describeError(e, verbose) {
  if (!(e instanceof Error)) return String(e);
  if (verbose) return String(e.stack);
  const at = String(e.stack || '').split('\n').find((l) => /(\.test|pairs)\.mjs:/.test(l));
  return `${e.constructor.name}: ${e.message}${at ? `\n${at.trim()}` : ''}`;
}

// test(name, fn) adds a test; run() runs them in order.
const tests = [];
export function test(name, fn) {
  tests.push({ name, fn });
}

// Prints TAP for the tests: @notes as comments first; @skip, a reason to
// skip them all (null: run them); ctx = await @setup() is each test's
// argument and @teardown(ctx)'s. A test gets @testTimeoutMs and the whole
// file @budgetMs (null: no limit of the harness's own); @verbose prints
// whole stacks. @finish(failed) runs last. Exits the process.
export async function run({ setup, teardown, skip = null, notes = [], testTimeoutMs = null, budgetMs = null,
                            verbose = false, finish = () => {} }) {
  console.log('TAP version 13');
  for (const n of notes) console.log(`# ${n}`);
  if (skip) {
    console.log(`1..0 # SKIP ${skip}`);
    process.exit(0);
  }
  console.log(`1..${tests.length}`);
  let failed = 0;
  let ctx;
  try {
    ctx = await setup();
  } catch (e) {
    console.log(`Bail out! ${e.message}`);
    process.exit(1);
  }
  let n = 0;
  const start = Date.now();
  for (const t of tests) {
    n++;
    if (budgetMs !== null && Date.now() - start > budgetMs) {
      failed++;
      console.log(`not ok ${n} ${t.name}`);
      console.log(`# not run: this file's ${budgetMs / 1000} s are spent (earlier tests hung)`);
      continue;
    }
    let timer;
    try {
      const limit = testTimeoutMs === null ? [] : [new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no result within ${testTimeoutMs} ms`)), testTimeoutMs);
      })];
      await Promise.race([t.fn(ctx), ...limit]);
      console.log(`ok ${n} ${t.name}`);
    } catch (e) {
      failed++;
      console.log(`not ok ${n} ${t.name}`);
      for (const line of describeError(e, verbose).split('\n')) console.log(`# ${line}`);
    } finally {
      clearTimeout(timer);
    }
  }
  await teardown(ctx);
  finish(failed);
  process.exit(failed ? 1 : 0);
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

export function assertEq(actual, expected, message) {
  if (actual !== expected)
    throw new Error(`${message}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}
