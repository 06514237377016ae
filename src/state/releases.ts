/**
 * Waiting for a slot to free up: a listener whose service is at its
 * `maxconn`, a client queued while every host of its group is full.
 *
 * A release counter lives in a state table; a waiter reads it, re-checks
 * its condition, and if it still cannot go, waits until the counter moves.
 * With worker threads that wait is `Atomics.waitAsync` on the shared
 * counter, so a connection closing in any thread wakes waiters in every
 * thread; with one thread it is a plain promise list (no atomics needed).
 * Releases notify only while someone waits (a waiters count beside the
 * counter), so the data path pays one atomic add per close otherwise.
 *
 * @module
 */

/** Wake-ups for one limit (see the module doc). */
export interface Releases {
  /** The counter now: pass it to `next` after re-checking the condition. */
  mark(): number;
  /** Resolves once a release happened after `mark` (at once if one already did), or after `timeoutMs`. */
  next(mark: number, timeoutMs?: number): Promise<void>;
  /** A slot freed: wake every waiter (each re-checks its condition). */
  release(): void;
}

/** Releases in a shared table: `i32[counter]` counts releases, `i32[waiters]` the waiting. */
export class SharedReleases implements Releases {
  #i32: Int32Array;
  #counter: number;
  #waiters: number;

  constructor(i32: Int32Array, counter: number, waiters: number) {
    this.#i32 = i32;
    this.#counter = counter;
    this.#waiters = waiters;
  }

  mark(): number {
    return Atomics.load(this.#i32, this.#counter);
  }

  async next(mark: number, timeoutMs = Infinity): Promise<void> {
    Atomics.add(this.#i32, this.#waiters, 1);
    try {
      const waited = Atomics.waitAsync(this.#i32, this.#counter, mark, timeoutMs);
      if (waited.async) await waited.value;
    } finally {
      Atomics.sub(this.#i32, this.#waiters, 1);
    }
  }

  release(): void {
    Atomics.add(this.#i32, this.#counter, 1);
    if (Atomics.load(this.#i32, this.#waiters) > 0) Atomics.notify(this.#i32, this.#counter);
  }
}

/** Releases within one thread: promises resolved by the next release. */
export class LocalReleases implements Releases {
  #count = 0;
  #waiting: (() => void)[] = [];

  mark(): number {
    return this.#count;
  }

  next(mark: number, timeoutMs = Infinity): Promise<void> {
    if (mark !== this.#count) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      if (timeoutMs !== Infinity) {
        timer = setTimeout(() => {
          const at = this.#waiting.indexOf(wake);
          if (at >= 0) this.#waiting.splice(at, 1);
          resolve();
        }, timeoutMs);
      }
      this.#waiting.push(wake);
    });
  }

  release(): void {
    this.#count++;
    if (this.#waiting.length > 0) { for (const wake of this.#waiting.splice(0)) wake(); }
  }
}
