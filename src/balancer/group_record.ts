/**
 * What of a group lives in its record of the shared state besides its lock
 * (`src/state/arena.ts`): the scheduler's state, which every thread's
 * scheduler reads and writes under that lock, and the releases that wake
 * clients queued for a slot in any thread.
 *
 * @module
 */
import type { SchedulerState } from "../schedulers/types.ts";
import { type Arena, G_LAST, G_RELEASES, G_SIG_A, G_SIG_B, G_WAITERS } from "../state/arena.ts";
import { LocalReleases, type Releases, SharedReleases } from "../state/releases.ts";
import type { StateTable } from "../state/table.ts";

/** The scheduler state of a group, in its record of the shared state. */
export class GroupSchedulerState implements SchedulerState {
  readonly #i32: Int32Array;
  readonly #base: number;

  constructor(table: StateTable, slot: number) {
    this.#i32 = table.i32;
    this.#base = table.i(slot, 0);
  }

  get last(): number {
    return this.#i32[this.#base + G_LAST];
  }
  set last(value: number) {
    this.#i32[this.#base + G_LAST] = value;
  }
  get setA(): number {
    return this.#i32[this.#base + G_SIG_A];
  }
  set setA(value: number) {
    this.#i32[this.#base + G_SIG_A] = value;
  }
  get setB(): number {
    return this.#i32[this.#base + G_SIG_B];
  }
  set setB(value: number) {
    this.#i32[this.#base + G_SIG_B] = value;
  }
}

/** The group's releases: shared between threads when the arena is. */
export function groupReleases(arena: Arena, slot: number): Releases {
  const table = arena.groups;
  return arena.shared
    ? new SharedReleases(table.i32, table.i(slot, G_RELEASES), table.i(slot, G_WAITERS))
    : new LocalReleases();
}
