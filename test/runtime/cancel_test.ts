/**
 * The per-connection cancel token: listeners run once on cancel, a listener
 * added after the cancel runs at once, and a removed one never runs.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Cancel } from "../../src/runtime/cancel.ts";

test("cancel: every listener runs once, in order; a second cancel does nothing", () => {
  const cancel = new Cancel();
  const ran: string[] = [];
  cancel.onCancel(() => ran.push("a"));
  cancel.onCancel(() => ran.push("b"));
  assert.equal(cancel.cancelled, false);
  assert.deepEqual(ran, []);
  cancel.cancel();
  assert.equal(cancel.cancelled, true);
  cancel.cancel();
  assert.deepEqual(ran, ["a", "b"]);
});

test("cancel: a listener added after the cancel runs at once", () => {
  const cancel = new Cancel();
  cancel.cancel();
  let ran = 0;
  const remove = cancel.onCancel(() => ran++);
  assert.equal(ran, 1);
  remove();
  cancel.cancel();
  assert.equal(ran, 1);
});

test("cancel: a removed listener never runs; the others still do", () => {
  const cancel = new Cancel();
  const ran: string[] = [];
  const removeA = cancel.onCancel(() => ran.push("a"));
  cancel.onCancel(() => ran.push("b"));
  removeA();
  removeA(); // twice is harmless
  cancel.cancel();
  assert.deepEqual(ran, ["b"]);
});

test("cancel: a watcher is told once; an unwatched one, never; one watching late, at once", () => {
  const cancel = new Cancel();
  const told: string[] = [];
  const a = { cancelled: () => told.push("a") };
  const b = { cancelled: () => told.push("b") };
  cancel.watch(a);
  cancel.watch(b);
  cancel.unwatch(a);
  cancel.cancel();
  cancel.cancel();
  assert.deepEqual(told, ["b"]);
  cancel.watch(a);
  assert.deepEqual(told, ["b", "a"]);
});
