/**
 * The shared connect-timeout queue of the Bun adapter (`deadlines.ts`):
 * what is due expires once, in deadline order, what settled never does,
 * and settled entries leave the queue as they settle.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Deadlines, type Timed } from "../../src/runtime/bun/deadlines.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function entry(inMs: number, log: string[], name: string): Timed {
  return { deadline: Date.now() + inMs, done: false, expire: () => log.push(name) };
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(5);
  }
}

test("deadlines: due entries expire once, earliest first, even when added out of order", async () => {
  const queue = new Deadlines();
  const log: string[] = [];
  const late = entry(3000, log, "late");
  queue.add(late);
  queue.add(entry(60, log, "early"));
  queue.add(entry(120, log, "middle"));
  await until(() => log.length === 2);
  assert.deepEqual(log, ["early", "middle"]);
  assert.equal(late.done, false, "the late entry expired long before its deadline");
  late.done = true;
  queue.settled();
  assert.equal(queue.size, 0);
});

test("deadlines: a settled entry never expires, and settled heads leave the queue", async () => {
  const queue = new Deadlines();
  const log: string[] = [];
  const entries = Array.from({ length: 2000 }, (_, i) => entry(50, log, `e${i}`));
  for (const e of entries) queue.add(e);
  // Settle in order, all but every 500th: the queue shrinks from its head.
  for (let i = 0; i < 1000; i++) {
    if (i % 500 === 499) continue;
    entries[i].done = true;
    queue.settled();
  }
  assert.equal(queue.size, 2000 - 499);
  await until(() => log.length === 1002);
  await sleep(100);
  const expected = entries.map((_, i) => i).filter((i) => i >= 1000 || i % 500 === 499);
  assert.deepEqual(log, expected.map((i) => `e${i}`));
  assert.equal(queue.size, 0);
});
