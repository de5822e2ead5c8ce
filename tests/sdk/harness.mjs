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
                   { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CONFIG_HOME: dir } });
  sy.stdout.on('data', (c) => { log += c; });
  sy.stderr.on('data', (c) => { log += c; });
  const [, url] = await waitForLine(sy.stderr, /Listening on (http:\/\/[^ ]+)/, 'switchyard');

  return {
    url,
    upstream,
    log: () => log,
    async stop() {
      const exited = new Promise((resolve) => sy.on('exit', (code) => resolve(code)));
      sy.kill('SIGTERM');
      const code = await exited;
      fake.stdin.end();
      fake.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
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
  for (const t of tests) {
    n++;
    try {
      await t.fn(ctx);
      console.log(`ok ${n} ${t.name}`);
    } catch (e) {
      failed++;
      console.log(`not ok ${n} ${t.name}`);
      for (const line of String(e.stack || e).split('\n')) console.log(`# ${line}`);
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
