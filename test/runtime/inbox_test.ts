/**
 * The inbox that gives Bun's push-based sockets pull-style reads: order,
 * end of stream, errors, and above all bounded memory (the socket is paused
 * once 64 KiB are queued and resumed when reads drain it).
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Inbox, INBOX_LIMIT } from "../../src/runtime/bun/inbox.ts";

function inbox() {
  const events: string[] = [];
  const box = new Inbox({ pause: () => events.push("pause"), resume: () => events.push("resume") });
  return { box, events };
}

const chunk = (size: number, fill: number) => new Uint8Array(size).fill(fill);

test("a chunk arriving while a read waits goes straight into that read's buffer", async () => {
  const { box } = inbox();
  const buf = new Uint8Array(4);
  const reading = box.read(buf);
  box.push(Uint8Array.of(1, 2, 3, 4, 5, 6));
  assert.equal(await reading, 4);
  assert.deepEqual([...buf], [1, 2, 3, 4]);
  assert.equal(box.queued, 2);
  assert.equal(await box.read(buf), 2);
  assert.deepEqual([...buf.subarray(0, 2)], [5, 6]);
});

test("queued chunks are read in order, across chunk boundaries", async () => {
  const { box } = inbox();
  box.push(Uint8Array.of(1, 2));
  box.push(Uint8Array.of(3, 4, 5));
  box.push(Uint8Array.of(6));
  const buf = new Uint8Array(4);
  assert.equal(await box.read(buf), 4);
  assert.deepEqual([...buf], [1, 2, 3, 4]);
  assert.equal(await box.read(buf), 2);
  assert.deepEqual([...buf.subarray(0, 2)], [5, 6]);
});

test("end of stream: queued data first, then null, for every later read", async () => {
  const { box } = inbox();
  box.push(Uint8Array.of(7));
  box.end();
  const buf = new Uint8Array(8);
  assert.equal(await box.read(buf), 1);
  assert.equal(await box.read(buf), null);
  assert.equal(await box.read(buf), null);
  const waiting = inbox();
  const pending = waiting.box.read(buf);
  waiting.box.end();
  assert.equal(await pending, null);
});

test("an error rejects the waiting read and every later one; queued data is dropped", async () => {
  const { box } = inbox();
  const pending = box.read(new Uint8Array(8));
  box.fail(new Error("Connection reset by peer"));
  await assert.rejects(pending, /reset/);
  box.push(Uint8Array.of(1));
  await assert.rejects(box.read(new Uint8Array(8)), /reset/);
  assert.equal(box.queued, 0);
});

test("a second read while one waits is refused", async () => {
  const { box } = inbox();
  const first = box.read(new Uint8Array(8));
  await assert.rejects(box.read(new Uint8Array(8)), /Cannot read: another read/);
  box.push(Uint8Array.of(1));
  assert.equal(await first, 1);
});

test("backpressure: paused at the limit, resumed only once reads drain below it", async () => {
  const { box, events } = inbox();
  const size = 16 * 1024;
  for (let i = 0; i < INBOX_LIMIT / size - 1; i++) box.push(chunk(size, i));
  assert.deepEqual(events, []);
  box.push(chunk(size, 9));
  assert.deepEqual(events, ["pause"]);
  assert.equal(box.paused, true);
  // Data already in flight is still taken, but pause is not repeated.
  box.push(chunk(size, 10));
  assert.deepEqual(events, ["pause"]);
  assert.equal(box.queued, INBOX_LIMIT + size);
  const buf = new Uint8Array(size);
  await box.read(buf);
  assert.deepEqual(events, ["pause"], "still at the limit: stay paused");
  await box.read(buf);
  assert.deepEqual(events, ["pause", "resume"]);
  assert.equal(box.paused, false);
});
