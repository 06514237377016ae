/**
 * The default connection limit from the descriptor limit: half of what is
 * usable (a third where accepted clients hold one too), capped like any
 * `maxconn`, and the default when the limit cannot be read.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultMaxconn, readFdLimits, RESERVED_FDS } from "../../src/cli/fd_limits.ts";
import { DEFAULTS, LIMITS } from "../../src/config/defaults.ts";

test("fd limits: half the usable descriptors, a third when accepts hold one", () => {
  assert.equal(defaultMaxconn({ soft: 1024 + RESERVED_FDS, hard: 4096 }), 512);
  assert.equal(defaultMaxconn({ soft: 900 + RESERVED_FDS, hard: 4096 }, true), 300);
  assert.equal(defaultMaxconn({ soft: 10, hard: 10 }), 1, "never below one");
});

test("fd limits: an unlimited soft limit stays under the maxconn cap; unknown → the default", () => {
  const most = defaultMaxconn({ soft: Number.MAX_SAFE_INTEGER, hard: Number.MAX_SAFE_INTEGER });
  assert.ok(most <= LIMITS.maxconn && most > 1000);
  assert.equal(defaultMaxconn(undefined), DEFAULTS.processMaxconn);
});

test("fd limits: this process's limits read from /proc where there is one", () => {
  const limits = readFdLimits();
  if (limits === undefined) return; // no /proc here
  assert.ok(limits.soft > 0 && limits.soft <= limits.hard);
});
