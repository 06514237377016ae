/**
 * The scheduler contract: given the hosts that may take a new connection,
 * pick one.
 *
 * A scheduler is a small object with a `pick` that does no I/O and reads
 * nothing but its arguments and its own state (rotation, affinity table,
 * hash ring), so every scheduler can be tested directly and run through one
 * conformance suite. Time, when a scheduler needs it, comes from
 * `ctx.now`, never from the clock.
 *
 * @module
 */
import type { AffinityTable } from "./affinity.ts";

/** What a scheduler may know about a candidate host. */
export interface Candidate {
  /**
   * Position of the host in its group: stable for the host's lifetime and
   * never reused in the group, so schedulers key their state by it.
   */
  readonly index: number;
  readonly name: string;
  /** Open (in-progress) connections right now. */
  readonly open: number;
  /** When the host last finished a connection (ms since epoch); 0 if never. */
  readonly lastClosed: number;
  /**
   * Relative share of new connections, 0 to 1000 with at most 3 decimals
   * (1 unless configured). The group never offers a host of weight 0, but a
   * scheduler given one must still return a candidate.
   */
  readonly weight: number;
  /**
   * A score the scheduler itself keeps per host (smooth weighted round
   * robin), stored with the host so every worker thread sees the same one.
   * Other schedulers leave it alone.
   */
  score: number;
}

/**
 * The state a scheduler keeps that must be the same in every worker thread:
 * in the group's record of the shared state (`src/state/`), or in plain
 * fields ({@linkcode LocalSchedulerState}) for a lone scheduler.
 */
export interface SchedulerState {
  /** Rotation: group index of the last pick; -1 before the first. */
  last: number;
  /** Smooth weighted round robin: the candidate set its scores belong to (two 32-bit hashes). */
  setA: number;
  setB: number;
}

/** Scheduler state in plain fields (one thread, tests). */
export class LocalSchedulerState implements SchedulerState {
  last = -1;
  setA = 0;
  setB = 0;
}

export interface PickContext {
  /** The client's address (IP literal), for schedulers that care who asks. */
  readonly clientAddress: string;
  /** Current time in ms since epoch. */
  readonly now: number;
}

/** Group settings some schedulers use; the others ignore them. */
export interface SchedulerOptions {
  /** Where to keep rotation and scores; default: plain fields of this scheduler. */
  readonly state?: SchedulerState;
  /** `sticky`: its table (shared between threads); default: a new one from the two below. */
  readonly affinity?: AffinityTable;
  /** `sticky`: ms a client's host is remembered after its last connection. */
  readonly stickyTimeMs?: number;
  /** `sticky`: most clients remembered at once (the oldest are forgotten first). */
  readonly maxStickyClients?: number;
}

export interface Scheduler {
  readonly name: string;
  /**
   * Choose one of `candidates` (never empty, in group order, only hosts that
   * may take connections). Returns the chosen element itself.
   */
  pick<C extends Candidate>(candidates: readonly C[], ctx: PickContext): C;
  /**
   * Apply changed group settings without losing state (a sticky table
   * survives a new `stickytime`). Schedulers without settings omit it.
   */
  configure?(options: SchedulerOptions): void;
}

/** Makes a fresh scheduler (each group owns one; most keep some state). */
export type SchedulerFactory = (options?: SchedulerOptions) => Scheduler;
