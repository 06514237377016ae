/**
 * The layout of a state table: shared and per-worker fields of every record
 * are distinct cells, Float64 fields are aligned, views follow the buffer as
 * it grows, and a handle maps the same memory in another view.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CACHE_LINE, StateTable } from "../../src/state/table.ts";

const SHAPE = { i32: 2, f64: 1, i32PerWorker: 1, f64PerWorker: 2 };

test("table: every field of every record, shared or per worker, is its own cell", () => {
  const table = new StateTable(SHAPE, 3, false);
  table.ensure(4);
  const i32 = new Set<number>();
  const f64 = new Set<number>();
  for (let slot = 0; slot < 4; slot++) {
    for (let field = 0; field < SHAPE.i32; field++) i32.add(table.i(slot, field));
    for (let field = 0; field < SHAPE.f64; field++) f64.add(table.f(slot, field));
    for (let w = 0; w < 3; w++) {
      for (let field = 0; field < SHAPE.i32PerWorker; field++) i32.add(table.iw(slot, w, field));
      for (let field = 0; field < SHAPE.f64PerWorker; field++) f64.add(table.fw(slot, w, field));
    }
  }
  assert.equal(i32.size, 4 * (2 + 3 * 1));
  assert.equal(f64.size, 4 * (1 + 3 * 2));
  // Int32 and Float64 parts of a record do not overlap: write all, read all back.
  for (const at of i32) table.i32[at] = 7;
  for (const at of f64) table.f64[at] = 0.5;
  for (const at of i32) assert.equal(table.i32[at], 7);
  for (const at of f64) assert.equal(table.f64[at], 0.5);
  assert.equal(table.strideBytes % 8, 0);
});

test("table (shared): the shared part and each worker's block are on cache lines of their own", () => {
  for (const workers of [1, 2, 3]) {
    const table = new StateTable(SHAPE, workers, true);
    table.ensure(3);
    assert.equal(table.strideBytes % CACHE_LINE, 0, "records start on a cache line");
    // Which part of which record every cache line holds: exactly one.
    const owner = new Map<number, string>();
    const claim = (byte: number, part: string) => {
      const line = Math.floor(byte / CACHE_LINE);
      const before = owner.get(line);
      assert.ok(before === undefined || before === part, `line ${line}: ${before} and ${part}`);
      owner.set(line, part);
    };
    for (let slot = 0; slot < 3; slot++) {
      for (let f = 0; f < SHAPE.i32; f++) claim(4 * table.i(slot, f), `${slot}/shared`);
      for (let f = 0; f < SHAPE.f64; f++) claim(8 * table.f(slot, f), `${slot}/shared`);
      for (let w = 0; w < workers; w++) {
        for (let f = 0; f < SHAPE.i32PerWorker; f++) {
          claim(4 * table.iw(slot, w, f), `${slot}/${w}`);
        }
        for (let f = 0; f < SHAPE.f64PerWorker; f++) {
          claim(8 * table.fw(slot, w, f), `${slot}/${w}`);
        }
      }
    }
    assert.equal(owner.size, 3 * (1 + workers));
  }
});

test("table: sums over workers, and clear zeroes one record only", () => {
  const table = new StateTable(SHAPE, 2, false);
  table.ensure(2);
  table.i32[table.iw(1, 0, 0)] = 3;
  table.i32[table.iw(1, 1, 0)] = 4;
  table.f64[table.fw(1, 0, 1)] = 1.5;
  table.f64[table.fw(1, 1, 1)] = 2;
  table.i32[table.i(0, 1)] = 9;
  assert.equal(table.sumI32(1, 0), 7);
  assert.equal(table.sumF64(1, 1), 3.5);
  table.clear(1);
  assert.equal(table.sumI32(1, 0), 0);
  assert.equal(table.i32[table.i(0, 1)], 9, "the record before is untouched");
});

test("table: ensure grows the buffer and the views follow; it never shrinks", () => {
  const table = new StateTable(SHAPE, 1, true);
  assert.equal(table.capacity, 0);
  table.ensure(3);
  const capacity = table.capacity;
  assert.ok(capacity >= 3);
  table.i32[table.i(2, 0)] = 42;
  table.ensure(capacity + 100);
  assert.ok(table.capacity >= capacity + 100);
  assert.equal(table.i32[table.i(2, 0)], 42, "kept across growth");
  table.i32[table.i(capacity + 99, 1)] = 5;
  assert.equal(table.i32[table.i(capacity + 99, 1)], 5, "the view reaches the new records");
  table.ensure(1);
  assert.ok(table.capacity >= capacity + 100);
});

test("table: an attached table shares the memory of the one it maps", () => {
  const table = new StateTable(SHAPE, 2, true);
  table.ensure(2);
  const view = StateTable.attach(table.handle());
  Atomics.add(table.i32, table.i(1, 0), 5);
  assert.equal(Atomics.load(view.i32, view.i(1, 0)), 5);
  view.f64[view.fw(1, 1, 0)] = 2.25;
  assert.equal(table.f64[table.fw(1, 1, 0)], 2.25);
  table.ensure(500);
  assert.equal(view.capacity, table.capacity, "growth is seen through the handle");
});
