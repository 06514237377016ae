/**
 * Shared rotation state for the schedulers that must not favour one host:
 * among the best-ranked candidates, take the first whose group `index` comes
 * after the last pick, wrapping to the lowest.
 *
 * Remembering the last *index* (not a position in the array) is what lets
 * rotation survive the candidate set changing: a host that goes bad simply
 * drops out of the cycle, and when it returns it is picked in its turn
 * instead of the cycle restarting.
 *
 * `pick` runs for every new connection, so it is one pass over the
 * candidates with no allocation and no reliance on their order.
 *
 * @module
 */
import type { Candidate, SchedulerState } from "./types.ts";

/**
 * Orders candidates by preference: negative when `a` is better than `b`,
 * 0 when tied (the tie is then settled by rotation).
 */
export type Rank = (a: Candidate, b: Candidate) => number;

/** Everyone ties: plain round robin. */
const noRank: Rank = () => 0;

/** Rotation over group indexes, remembering the last pick in `state.last`. */
export class Rotation {
  readonly #state: Pick<SchedulerState, "last">;

  /** `state.last`: group index of the last pick; -1 before the first, so index 0 starts. */
  constructor(state: Pick<SchedulerState, "last"> = { last: -1 }) {
    this.#state = state;
  }

  /**
   * The best-ranked candidate, ties going to the next index after the last
   * pick (wrapping). Throws on an empty list, which the contract rules out.
   */
  pick<C extends Candidate>(candidates: readonly C[], rank: Rank = noRank): C {
    const count = candidates.length;
    if (count === 0) throw new RangeError("Cannot pick a host: no candidates");
    const last = this.#state.last;
    // Both track only the best rank seen so far: `lowest` is the tied
    // candidate with the smallest index (the wrap-around choice), `next` the
    // tied candidate with the smallest index above `last`, if any.
    let lowest = candidates[0];
    let next: C | undefined = lowest.index > last ? lowest : undefined;
    for (let i = 1; i < count; i++) {
      const c = candidates[i];
      const order = rank(c, lowest);
      if (order > 0) continue;
      if (order < 0) {
        // A strictly better rank: the earlier ties no longer matter.
        lowest = c;
        next = c.index > last ? c : undefined;
        continue;
      }
      if (c.index < lowest.index) lowest = c;
      if (c.index > last && (next === undefined || c.index < next.index)) next = c;
    }
    const chosen = next ?? lowest;
    this.#state.last = chosen.index;
    return chosen;
  }

  /**
   * Like `pick`, but by a score per array position (`scores[i]` belongs to
   * `candidates[i]`, higher is better), returning the chosen *position*.
   * Smooth weighted round robin needs the position to charge the winner.
   * Kept as its own loop rather than a `Rank` over positions so neither
   * path allocates a closure per pick.
   */
  pickHighest(candidates: readonly Candidate[], scores: ArrayLike<number>): number {
    const count = candidates.length;
    if (count === 0) throw new RangeError("Cannot pick a host: no candidates");
    const last = this.#state.last;
    let lowest = 0;
    let next = candidates[0].index > last ? 0 : -1;
    for (let i = 1; i < count; i++) {
      const score = scores[i], best = scores[lowest];
      if (score < best) continue;
      const index = candidates[i].index;
      if (score > best) {
        lowest = i;
        next = index > last ? i : -1;
        continue;
      }
      if (index < candidates[lowest].index) lowest = i;
      if (index > last && (next < 0 || index < candidates[next].index)) next = i;
    }
    const chosen = next >= 0 ? next : lowest;
    this.#state.last = candidates[chosen].index;
    return chosen;
  }
}
