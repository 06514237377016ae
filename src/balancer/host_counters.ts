/**
 * The counters of one host that only grow — connections, bytes, failures by
 * kind. Each worker thread adds to its own copy in the host's record of the
 * shared state (`src/state/arena.ts`), without a lock; reading one sums the
 * copies. `HostState` is a host with these counters and the rest of its state.
 *
 * @module
 */
import {
  HW_BYTES_IN,
  HW_BYTES_OUT,
  HW_FAILURE_KINDS,
  HW_FAILURES,
  HW_OPEN,
  HW_STARTED,
  HW_TOTAL,
} from "../state/arena.ts";
import type { StateTable } from "../state/table.ts";

/** The kinds of connect failure counted per host (a fixed set: metrics labels stay bounded). */
export type FailureKind = "refused" | "timeout" | "unreachable" | "reset" | "other";
export const FAILURE_KINDS: readonly FailureKind[] = [
  "refused",
  "timeout",
  "unreachable",
  "reset",
  "other",
];

/** Where a host's record is, and which worker thread this copy of the model belongs to. */
export interface HostPlace {
  table: StateTable;
  slot: number;
  worker: number;
}

export class HostCounters {
  /** The host's record in the shared state. */
  readonly slot: number;
  readonly #t: StateTable;
  readonly #worker: number;

  constructor(place: HostPlace) {
    this.slot = place.slot;
    this.#t = place.table;
    this.#worker = place.worker;
  }

  // ---- this thread's share ----

  /** A connection was established. */
  started(): void {
    this.#add(HW_STARTED, 1);
  }

  /** An established connection has finished (the rest of `HostState.finished`). */
  protected countFinished(): void {
    this.#add(HW_TOTAL, 1);
  }

  addBytesIn(n: number): void {
    this.#add(HW_BYTES_IN, n);
  }

  addBytesOut(n: number): void {
    this.#add(HW_BYTES_OUT, n);
  }

  /** Count a failed connect (or check) of `kind`. */
  addFailure(kind: FailureKind): void {
    this.#add(HW_FAILURES, 1);
    this.#add(HW_FAILURE_KINDS + FAILURE_KINDS.indexOf(kind), 1);
  }

  #add(field: number, n: number): void {
    this.#t.f64[this.#t.fw(this.slot, this.#worker, field)] += n;
  }

  // ---- summed over every worker thread ----

  #sum(field: number): number {
    return this.#t.sumF64(this.slot, field);
  }

  /** Connections that were established and have finished. */
  get total(): number {
    return this.#sum(HW_TOTAL);
  }

  /** Connections established to this host (finished or not). */
  get startedCount(): number {
    return this.#sum(HW_STARTED);
  }

  /** Bytes client → backend, and backend → client. */
  get bytesIn(): number {
    return this.#sum(HW_BYTES_IN);
  }

  get bytesOut(): number {
    return this.#sum(HW_BYTES_OUT);
  }

  /** Failed connect attempts (and failed checks). */
  get failures(): number {
    return this.#sum(HW_FAILURES);
  }

  /** Failed connects of the kind `FAILURE_KINDS[index]` (no object per call: `/metrics` asks per host). */
  failuresOfKind(index: number): number {
    return this.#sum(HW_FAILURE_KINDS + index);
  }

  get failuresByKind(): Record<FailureKind, number> {
    const out = {} as Record<FailureKind, number>;
    FAILURE_KINDS.forEach((kind, i) => out[kind] = this.#sum(HW_FAILURE_KINDS + i));
    return out;
  }

  /** A worker's own open connections to this host (for `/api/v1/workers`). */
  openBy(worker: number): number {
    return this.#t.i32[this.#t.iw(this.slot, worker, HW_OPEN)];
  }
}
