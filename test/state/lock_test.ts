/**
 * The spin lock of the state tables: one owner at a time, the owner kept in
 * the lock word, and only the dead owner's locks broken.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { breakLock, lock, unlock } from "../../src/state/lock.ts";

const words = () => new Int32Array(new SharedArrayBuffer(16));

test("lock: the word holds its owner until unlocked", () => {
  const i32 = words();
  lock(i32, 1, 3);
  assert.equal(i32[1], 3);
  assert.equal(i32[0], 0, "only its own word");
  unlock(i32, 1);
  assert.equal(i32[1], 0);
  lock(i32, 1, 4);
  assert.equal(i32[1], 4, "free again for another owner");
});

test("breakLock frees a lock only for the owner that holds it", () => {
  const i32 = words();
  lock(i32, 2, 5);
  assert.equal(breakLock(i32, 2, 6), false, "another owner's lock stays");
  assert.equal(i32[2], 5);
  assert.equal(breakLock(i32, 2, 5), true);
  assert.equal(i32[2], 0);
  assert.equal(breakLock(i32, 2, 5), false, "nothing to break twice");
});
