/**
 * The command line: each command and its options, and a usage error that
 * says "Cannot …" for every line that cannot be understood.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCommandLine, UsageError } from "../../src/cli/args.ts";
import { LIMITS } from "../../src/config/defaults.ts";

function refused(args: string[], message: RegExp) {
  assert.throws(() => parseCommandLine(args), (error: unknown) => {
    assert.ok(error instanceof UsageError, String(error));
    assert.match(error.message, /^Cannot /);
    assert.match(error.message, message);
    return true;
  });
}

test("args: run, check, demo, workers", () => {
  assert.deepEqual(parseCommandLine(["-c", "a.xml"]), {
    kind: "run",
    config: "a.xml",
    demo: false,
    workers: undefined,
  });
  assert.deepEqual(parseCommandLine(["--config", "a.xml", "--check"]), {
    kind: "check",
    config: "a.xml",
  });
  assert.deepEqual(parseCommandLine(["--demo", "--workers", "auto"]), {
    kind: "run",
    config: undefined,
    demo: true,
    workers: "auto",
  });
  const most = parseCommandLine(["--workers", String(LIMITS.workers)]);
  assert.equal(most.kind === "run" && most.workers, LIMITS.workers);
});

test("args: --workers outside 1 … the config's cap is refused", () => {
  for (const bad of ["0", String(LIMITS.workers + 1), "1.5", "two", ""]) {
    refused(
      ["--workers", bad],
      new RegExp(`--workers must be a number from 1 to ${LIMITS.workers}`),
    );
  }
});

test("args: diff with two files, and the options that only go with it", () => {
  assert.deepEqual(parseCommandLine(["diff", "old.xml", "new.xml", "--apply", "--user", "ops"]), {
    kind: "diff",
    old: "old.xml",
    new: "new.xml",
    admin: undefined,
    user: "ops",
    apply: true,
  });
  refused(["diff", "old.xml"], /two files/);
  refused(["--apply"], /go with diff/);
});

test("args: help, version, hash-password; unknown commands and options", () => {
  assert.deepEqual(parseCommandLine(["-h"]), { kind: "help" });
  assert.deepEqual(parseCommandLine(["--version"]), { kind: "version" });
  assert.deepEqual(parseCommandLine(["hash-password"]), { kind: "hash-password" });
  refused(["frobnicate"], /unknown command "frobnicate"/);
  refused(["--frobnicate"], /Cannot parse the command line/);
  refused(["--config", ""], /--config needs a file name/);
});
