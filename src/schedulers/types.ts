/**
 * The scheduler contract: given the hosts that may take a new connection,
 * pick one.
 *
 * A scheduler is a small object with a `pick` that does no I/O and reads
 * nothing but its arguments and its own rotation state, so every scheduler
 * can be tested directly and run through one conformance suite.
 *
 * @module
 */

/** What a scheduler may know about a candidate host. */
export interface Candidate {
  /** Position of the host in its group (stable, used for rotation order). */
  readonly index: number;
  readonly name: string;
  /** Open (in-progress) connections right now. */
  readonly open: number;
  /** When the host last finished a connection (ms since epoch); 0 if never. */
  readonly lastClosed: number;
}

export interface PickContext {
  /** The client's address (IP literal), for schedulers that care who asks. */
  readonly clientAddress: string;
  /** Current time in ms since epoch. */
  readonly now: number;
}

export interface Scheduler {
  readonly name: string;
  /**
   * Choose one of `candidates` (never empty, in group order, only hosts that
   * may take connections). Returns the chosen element itself.
   */
  pick<C extends Candidate>(candidates: readonly C[], ctx: PickContext): C;
}

/** Makes a fresh scheduler (each group owns one; some keep rotation state). */
export type SchedulerFactory = () => Scheduler;
