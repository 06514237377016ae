/**
 * A thread's crash reads as one line naming the error, on every runtime:
 * a real worker that throws, and the shapes each runtime gives its error
 * event (Bun's carries the source lines and the stack around the error).
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { threadErrorReason } from "../../src/runtime/thread_error.ts";

const event = (message: unknown) => ({ message }) as unknown as Event;

test("thread error: a worker's uncaught error is reported as its own line, nothing else", async () => {
  const url = new URL("./fixtures/throwing_worker.ts", import.meta.url).href;
  const worker = new Worker(url, { type: "module" });
  try {
    const reason = await new Promise<string>((resolve) => {
      worker.onerror = (e) => {
        e.preventDefault?.();
        resolve(threadErrorReason(e));
      };
    });
    assert.match(reason, /TypeError: Cannot go on: the fixture fails on purpose 400$/);
    assert.doesNotMatch(reason, /\n|padding|\^/);
  } finally {
    worker.terminate();
  }
});

test("thread error: Bun's report (code frame, error, stack) gives the error line", () => {
  const bun =
    ' 9 | `);throw new TypeError("x: y");var x=1\n    ^\nReferenceError: Deno is not defined\n' +
    "      at /$bunfs/root/control/load_worker.js:12:2121\n";
  assert.equal(threadErrorReason(event(bun)), "ReferenceError: Deno is not defined");
});

test("thread error: Deno's one line is kept; a long one is cut; none reads crashed", () => {
  const deno = "Uncaught (in promise) ReferenceError: Bun is not defined";
  assert.equal(threadErrorReason(event(deno)), deno);
  const long = threadErrorReason(event(`Error: ${"y".repeat(1000)}`));
  assert.equal(long.length, 301);
  assert.equal(threadErrorReason(event(undefined)), "crashed");
  assert.equal(threadErrorReason(event("  \n")), "crashed");
  assert.equal(threadErrorReason(event("out of memory")), "out of memory");
});
