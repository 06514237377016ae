/**
 * Long work in slices: every item runs in order, the generators' values
 * come back, and other work on the event loop gets a turn during a long
 * loop (measured by what ran, not by how long anything took).
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { drive, driveNow, inSlices, SLICE_MS } from "../src/slices.ts";

/** Busy for at least `ms` (work that does not yield by itself). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* spin */ }
}

test("inSlices: every item in order, and a waiting timer runs before the loop ends", async () => {
  const seen: number[] = [];
  let timerRanAt = -1;
  setTimeout(() => (timerRanAt = seen.length), 0);
  const items = Array.from({ length: 10 }, (_, i) => i);
  await inSlices(items, (i) => {
    seen.push(i);
    busy(SLICE_MS); // every item fills a slice
  });
  assert.deepEqual(seen, items);
  assert.ok(timerRanAt >= 1 && timerRanAt < items.length, `timer ran after ${timerRanAt} items`);
});

test("drive: runs a generator to its value, yielding to the event loop on the way", async () => {
  let timerRan = false;
  setTimeout(() => (timerRan = true), 0);
  function* steps(): Generator<unknown, string> {
    for (let i = 0; i < 5; i++) {
      busy(SLICE_MS);
      yield i;
    }
    return timerRan ? "timer had its turn" : "no turn";
  }
  assert.equal(await drive(steps()), "timer had its turn");
});

test("driveNow: runs a generator to its value without yielding", () => {
  let timerRan = false;
  const timer = setTimeout(() => (timerRan = true), 0);
  function* steps(): Generator<unknown, number> {
    let sum = 0;
    for (let i = 1; i <= 4; i++) {
      busy(SLICE_MS);
      yield (sum += i);
    }
    return sum;
  }
  assert.equal(driveNow(steps()), 10);
  assert.equal(timerRan, false);
  clearTimeout(timer);
});
