/**
 * Slot allocation of the state tables: fresh slots are cleared, a retired
 * slot is reused only once nothing counts on it, and a worker's `claim`
 * keeps the high-water mark in step.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SlotAllocator } from "../../src/state/slots.ts";

function allocator() {
  const busy = new Set<number>();
  const cleared: number[] = [];
  const slots = new SlotAllocator((slot) => !busy.has(slot), (slot) => cleared.push(slot));
  return { slots, busy, cleared };
}

test("slots: new slots count up and each is cleared before use", () => {
  const { slots, cleared } = allocator();
  assert.deepEqual([slots.take(), slots.take(), slots.take()], [0, 1, 2]);
  assert.deepEqual(cleared, [0, 1, 2]);
  assert.equal(slots.highWater, 3);
});

test("slots: a retired slot is not reused while something still counts on it", () => {
  const { slots, busy, cleared } = allocator();
  slots.take(), slots.take();
  busy.add(0);
  slots.retire(0);
  assert.equal(slots.retiredCount, 1);
  assert.equal(slots.take(), 2, "slot 0 still has connections: a new slot instead");
  busy.delete(0);
  assert.equal(slots.take(), 0, "idle now: reused");
  assert.equal(slots.retiredCount, 0);
  assert.equal(cleared.at(-1), 0, "and cleared before reuse");
  assert.equal(slots.highWater, 3);
});

test("slots: claim raises the high-water mark to a slot chosen elsewhere", () => {
  const { slots } = allocator();
  slots.claim(4);
  assert.equal(slots.highWater, 5);
  slots.claim(1);
  assert.equal(slots.highWater, 5, "never lowered");
  assert.equal(slots.take(), 5);
});
