/**
 * `roundrobin`: smooth weighted round robin (nginx's algorithm) over the
 * candidates, by group index.
 *
 * Every pick adds each candidate's weight to its `current` score, takes the
 * highest score and charges the winner the total weight. Over any run of
 * `total / gcd` picks each host gets exactly its share, and the picks are
 * spread out: weights 2:1 give A B A, not A A B; 3:1 give A B A A.
 *
 * With equal weights this is strict rotation, A B C A B C, because every
 * tie is settled by {@linkcode Rotation}: the next group index after the
 * last pick.
 *
 * When the candidate set changes (a host goes bad or comes back, is added,
 * removed, or re-weighted; a failover retry excludes one) the scores are
 * reset to zero, but the rotation's last index is kept. Scores belong to a
 * set: a host that was away must not come back owed (or owing) picks, and
 * hosts that stayed must not be skewed by scores earned against a different
 * total. Keeping the last index is what makes a returning host rejoin the
 * cycle in its turn: from all-equal scores the first pick is simply the
 * next index after the last one. The cost is that with unequal weights each
 * change starts a fresh cycle, so shares are exact between changes and
 * approximate across them (set changes are rare next to picks).
 *
 * @module
 */
import { weightUnits } from "./candidate_set.ts";
import { fmix32, fnv1aInt } from "./hashing.ts";
import { Rotation } from "./rotation.ts";
import {
  type Candidate,
  LocalSchedulerState,
  type PickContext,
  type Scheduler,
  type SchedulerState,
} from "./types.ts";

/**
 * Two independent 32-bit hashes of a candidate list (indexes and weight
 * units, in order): equal lists always hash equal, and two different lists
 * hash equal in both halves with negligible probability. One pass, no
 * allocation: the halves go to `out` (an array and its destructuring per
 * pick would cost more than the hashing).
 */
export function candidateSignature(candidates: readonly Candidate[], out: Int32Array): void {
  let a = 0x811c9dc5, b = 0x2f1b0c1d;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i], units = weightUnits(c);
    a = fnv1aInt(fnv1aInt(a, c.index), units);
    b = fnv1aInt(fnv1aInt(b, units), c.index);
  }
  out[0] = fmix32(a ^ candidates.length);
  out[1] = fmix32(b + candidates.length);
}

/** Smooth weighted round robin; its scores live on the candidates, its set in `state`. */
export class SmoothWeighted {
  readonly #rotation: Rotation;
  readonly #state: SchedulerState;
  /** Scratch for the rotation's pick (reused: no allocation per pick). */
  readonly #scores: number[] = [];
  /** Scratch for the candidate list's signature. */
  readonly #signature = new Int32Array(2);

  constructor(state: SchedulerState = new LocalSchedulerState()) {
    this.#state = state;
    this.#rotation = new Rotation(state);
  }

  pick<C extends Candidate>(candidates: readonly C[]): C {
    const count = candidates.length;
    if (count === 0) throw new RangeError("Cannot pick a host: no candidates");
    const state = this.#state;
    const signature = this.#signature;
    candidateSignature(candidates, signature);
    const a = signature[0], b = signature[1];
    const fresh = state.setA !== a || state.setB !== b;
    if (fresh) {
      state.setA = a;
      state.setB = b;
    }
    const scores = this.#scores;
    scores.length = count;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const c = candidates[i], units = weightUnits(c);
      c.score = (fresh ? 0 : c.score) + units;
      scores[i] = c.score;
      total += units;
    }
    // All weights 0 (outside the contract): scores never move, so every pick
    // is a tie and this degrades to plain rotation instead of failing.
    const chosen = this.#rotation.pickHighest(candidates, scores);
    candidates[chosen].score -= total;
    return candidates[chosen];
  }
}

/** A round-robin scheduler; its state in `state` (default: its own). */
export function createRoundRobin(state?: SchedulerState): Scheduler {
  const swrr = new SmoothWeighted(state);
  return {
    name: "roundrobin",
    pick<C extends Candidate>(candidates: readonly C[], _ctx: PickContext): C {
      return swrr.pick(candidates);
    },
  };
}
