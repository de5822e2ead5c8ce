// harness.mjs: start the fake upstream and Switchyard (the built binaries)
// for SDK tests, and print TAP.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const buildDir = process.env.SY_BUILD_DIR;
if (!buildDir) {
  console.log('Bail out! SY_BUILD_DIR is not set');
  process.exit(99);
}

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

export async function startStack(configFor) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-sdk-'));
  const fake = spawn(join(buildDir, 'tests', 'fake-upstream'), [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [, fakePort] = await waitForLine(fake.stdout, /^(\d+)\n/, 'fake upstream');
  const upstream = `http://127.0.0.1:${fakePort}`;

  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, configFor(upstream));
  let log = '';
  const sy = spawn(join(buildDir, 'src', 'switchyard'),
                   ['--headless', '--debug', '--config', configPath, '--port', '0'],
                   { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CONFIG_HOME: dir, XDG_STATE_HOME: join(dir, "state") } });
  const syExited = new Promise((resolve) => sy.on('exit', (code, signal) => resolve(signal ?? code)));
  sy.stdout.on('data', (c) => { log += c; });
  sy.stderr.on('data', (c) => { log += c; });
  const [, url] = await waitForLine(sy.stderr, /Listening on (http:\/\/[^ ]+)/, 'switchyard');

  return {
    url,
    upstream,
    log: () => log,
    // What the fake upstream saw last: {n_requests, method, path, query, body}.
    async lastUpstream() {
      const res = await fetch(`${upstream}/_fake/last`);
      return res.json();
    },
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

// A test gets 10 s, a file 50 s: the fake upstream answers at once, so
// anything slower is a hang, and meson's limit is 120 s.
const TEST_TIMEOUT_MS = 10000;
const FILE_BUDGET_MS = 50000;

// The message, and where in a test file it was thrown (the whole stack with
// SY_SDK_VERBOSE=1).
function describeError(e) {
  if (!(e instanceof Error)) return String(e);
  if (process.env.SY_SDK_VERBOSE) return String(e.stack);
  const at = String(e.stack || '').split('\n').find((l) => /(\.test|pairs)\.mjs:/.test(l));
  return `${e.constructor.name}: ${e.message}${at ? `\n${at.trim()}` : ''}`;
}

// A tiny TAP producer: test(name, fn) runs in order.
const tests = [];
export function test(name, fn) {
  tests.push({ name, fn });
}

export async function run(setup, teardown) {
  console.log('TAP version 13');
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
    if (Date.now() - start > FILE_BUDGET_MS) {
      failed++;
      console.log(`not ok ${n} ${t.name}`);
      console.log(`# not run: this file's ${FILE_BUDGET_MS / 1000} s are spent (earlier tests hung)`);
      continue;
    }
    let timer;
    try {
      const limit = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no result within ${TEST_TIMEOUT_MS} ms`)), TEST_TIMEOUT_MS);
      });
      await Promise.race([t.fn(ctx), limit]);
      console.log(`ok ${n} ${t.name}`);
    } catch (e) {
      failed++;
      console.log(`not ok ${n} ${t.name}`);
      for (const line of describeError(e).split('\n')) console.log(`# ${line}`);
    } finally {
      clearTimeout(timer);
    }
  }
  await teardown(ctx);
  process.exit(failed ? 1 : 0);
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

export function assertEq(actual, expected, message) {
  if (actual !== expected)
    throw new Error(`${message}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}
