/**
 * Idle timeouts by one sweep: a connection quiet past its timeout is closed
 * once, one that moved bytes is kept, and the sweep timer runs only while
 * something is registered (so the test process can end).
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { IdleSweeper } from "../../src/proxy/idle.ts";

test("idle: a sweep closes what was quiet past its timeout, once, and keeps the rest", () => {
  const idle = new IdleSweeper();
  const closed: string[] = [];
  const quiet = idle.register(1000, () => closed.push("quiet"));
  const busy = idle.register(1000, () => closed.push("busy"));
  const long = idle.register(60_000, () => closed.push("long"));
  // Pretend 2 s passed; the busy one moved a byte just now.
  quiet.last -= 2000;
  long.last -= 2000;
  busy.last = Date.now();
  assert.equal(idle.sweep(), 1);
  assert.deepEqual(closed, ["quiet"]);
  assert.equal(idle.size, 2);
  assert.equal(idle.sweep(), 0, "a closed entry is gone: not closed twice");
  idle.unregister(busy);
  idle.unregister(long);
  assert.equal(idle.size, 0);
});

test("idle: the coarse clock moves at each sweep and each registration", () => {
  const idle = new IdleSweeper();
  idle.now = 0;
  const entry = idle.register(1000, () => {});
  assert.ok(idle.now > 0 && entry.last === idle.now);
  idle.now = 0;
  idle.sweep();
  assert.ok(idle.now > 0);
  idle.unregister(entry);
});

test("idle: the sweep timer runs only while something is registered", async () => {
  // Count the intervals the sweeper has running.
  const live = new Set<unknown>();
  const { setInterval: realSet, clearInterval: realClear } = globalThis;
  globalThis.setInterval = ((fn: () => void, ms: number) => {
    const id = realSet(fn, ms);
    live.add(id);
    return id;
  }) as typeof setInterval;
  globalThis.clearInterval = ((id: ReturnType<typeof setInterval>) => {
    live.delete(id);
    realClear(id);
  }) as typeof clearInterval;
  try {
    const idle = new IdleSweeper();
    const kept = [idle.register(1000, () => {}), idle.register(1000, () => {})];
    let closed = false;
    const quick = idle.register(1, () => (closed = true));
    quick.last -= 10;
    assert.equal(live.size, 1, "one timer for every entry");
    // The timer sweeps by itself.
    const deadline = Date.now() + 10_000;
    while (!closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(closed, "the timer's sweep closed it");
    assert.equal(live.size, 1, "still running for the two left");
    for (const entry of kept) idle.unregister(entry);
    assert.equal(live.size, 0, "stopped with the last entry");
  } finally {
    globalThis.setInterval = realSet;
    globalThis.clearInterval = realClear;
  }
});
