/**
 * Release counters that wake waiting clients: the one-thread promise list
 * and the shared `Atomics.waitAsync` version behave alike — a release after
 * `mark` wakes, a release before it makes `next` return at once, a timeout
 * ends the wait, and the waiters count goes back to zero.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test as nodeTest } from "node:test";
import { LocalReleases, type Releases, SharedReleases } from "../../src/state/releases.ts";

const kinds: [string, () => { releases: Releases; waiters: () => number }][] = [
  ["local", () => ({ releases: new LocalReleases(), waiters: () => 0 })],
  ["shared", () => {
    const i32 = new Int32Array(new SharedArrayBuffer(8));
    return { releases: new SharedReleases(i32, 0, 1), waiters: () => Atomics.load(i32, 1) };
  }],
];

/** Has `promise` settled after the pending callbacks ran? */
async function settled(promise: Promise<void>, ms = 20): Promise<boolean> {
  let done = false;
  promise.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, ms));
  return done;
}

// `Atomics.waitAsync` does not keep Deno's event loop alive (in Director a
// socket always does): each test holds a timer while it runs.
function test(name: string, body: () => Promise<void>) {
  nodeTest(name, async () => {
    const alive = setInterval(() => {}, 1000);
    try {
      await body();
    } finally {
      clearInterval(alive);
    }
  });
}

for (const [kind, make] of kinds) {
  test(`${kind} releases: a release after mark wakes the waiter`, async () => {
    const { releases, waiters } = make();
    const mark = releases.mark();
    const waiting = releases.next(mark);
    assert.equal(await settled(waiting), false, "nothing released yet");
    releases.release();
    await waiting;
    assert.equal(releases.mark(), mark + 1);
    assert.equal(waiters(), 0);
  });

  test(`${kind} releases: a release between mark and next is not missed`, async () => {
    const { releases } = make();
    const mark = releases.mark();
    releases.release();
    assert.equal(await settled(releases.next(mark)), true);
  });

  test(`${kind} releases: every waiter wakes on one release`, async () => {
    const { releases, waiters } = make();
    const mark = releases.mark();
    const all = Promise.all([releases.next(mark), releases.next(mark), releases.next(mark)]);
    releases.release();
    await all;
    assert.equal(waiters(), 0);
  });

  test(`${kind} releases: a wait ends at its timeout without a release`, async () => {
    const { releases, waiters } = make();
    const mark = releases.mark();
    await releases.next(mark, 10);
    assert.equal(releases.mark(), mark, "no release happened");
    assert.equal(waiters(), 0);
  });
}
