/**
 * A spin lock in one Int32 of a state table, for the short critical
 * sections of the data path (a scheduler's pick and the open count it
 * bumps). Nothing inside a critical section awaits, so a holder always
 * finishes within microseconds unless its thread is descheduled; spinning
 * then yields briefly with `Atomics.wait` where the runtime allows it.
 *
 * The lock word holds its owner (worker index + 1), so the main thread can
 * break the locks of a worker that died holding one.
 *
 * @module
 */

/** How many tries before backing off for a moment. */
const SPINS = 200;
const canWait = (() => {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
})();
const nap = canWait ? new Int32Array(new SharedArrayBuffer(4)) : undefined;

/** Take the lock at `i32[index]` for `owner` (worker index + 1; never 0). */
export function lock(i32: Int32Array, index: number, owner: number): void {
  for (let tries = 1;; tries++) {
    if (Atomics.compareExchange(i32, index, 0, owner) === 0) return;
    if (tries % SPINS === 0 && nap) Atomics.wait(nap, 0, 0, 0.05);
  }
}

export function unlock(i32: Int32Array, index: number): void {
  Atomics.store(i32, index, 0);
}

/** Release the lock if `owner` holds it (its thread died holding it); true if it did. */
export function breakLock(i32: Int32Array, index: number, owner: number): boolean {
  return Atomics.compareExchange(i32, index, owner, 0) === owner;
}
