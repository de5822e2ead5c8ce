// harness.mjs: the SDK tests' harness: the shared one (tests/js/stack.mjs)
// with a time limit for each test and for the whole file.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { buildDir, run as runTap } from '../js/stack.mjs';

export { startStack, test, assert, assertEq } from '../js/stack.mjs';

if (!buildDir) {
  console.log('Bail out! SY_BUILD_DIR is not set');
  process.exit(99);
}

// A test gets 10 s, a file 50 s: the fake upstream answers at once, so
// anything slower is a hang, and meson's limit is 120 s.
const TEST_TIMEOUT_MS = 10000;
const FILE_BUDGET_MS = 50000;

export function run(setup, teardown) {
  return runTap({ setup, teardown, testTimeoutMs: TEST_TIMEOUT_MS, budgetMs: FILE_BUDGET_MS,
                  verbose: Boolean(process.env.SY_SDK_VERBOSE) });
}
