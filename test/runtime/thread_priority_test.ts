/**
 * Background threads give way: `lowerThreadPriority` in a worker thread
 * sets that thread's nice value, and only that thread's (the main thread,
 * which relays connections, keeps its own). Read back from
 * `/proc/self/task/TID/stat`, what the kernel schedules by.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

/** The nice value of thread `tid` of this process (field 19 of its stat line). */
function niceOf(tid: number | "self"): number {
  const path = tid === "self" ? "/proc/thread-self/stat" : `/proc/self/task/${tid}/stat`;
  const stat = readFileSync(path, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

const linux = process.platform === "linux";

test("thread priority: a worker lowers its own nice value, not the main thread's", {
  skip: linux ? false : "per-thread nice values are Linux's",
}, async () => {
  const mainBefore = niceOf("self");
  if (mainBefore >= 7) return; // already as low: nothing to observe
  const url = new URL("./fixtures/low_priority_worker.ts", import.meta.url).href;
  const worker = new Worker(url, { type: "module" });
  try {
    const { tid } = await new Promise<{ tid: number | undefined }>((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => reject(new Error(String(event.message)));
      setTimeout(() => reject(new Error("no answer from the worker in 20 s")), 20_000);
    });
    assert.ok(tid !== undefined, "lowerThreadPriority found no thread id");
    assert.equal(niceOf(tid), 7);
    assert.equal(niceOf("self"), mainBefore, "the main thread's nice value changed");
  } finally {
    worker.terminate();
  }
});
