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
import { CandidateSet } from "./candidate_set.ts";
import { Rotation } from "./rotation.ts";
import type { Candidate, PickContext, Scheduler } from "./types.ts";

/** Smooth weighted round robin state; one per group. */
export class SmoothWeighted {
  readonly #rotation = new Rotation();
  readonly #set = new CandidateSet();
  /** Score per position in the recorded set; reset when the set changes. */
  readonly #current: number[] = [];

  pick<C extends Candidate>(candidates: readonly C[]): C {
    const count = candidates.length;
    if (count === 0) throw new RangeError("Cannot pick a host: no candidates");
    const current = this.#current;
    const set = this.#set;
    if (!set.matches(candidates)) {
      set.record(candidates);
      current.length = count;
      current.fill(0);
    }
    let total = 0;
    for (let i = 0; i < count; i++) {
      const units = set.units(i);
      current[i] += units;
      total += units;
    }
    // All weights 0 (outside the contract): scores never move, so every pick
    // is a tie and this degrades to plain rotation instead of failing.
    const chosen = this.#rotation.pickHighest(candidates, current);
    current[chosen] -= total;
    return candidates[chosen];
  }
}

/** A round-robin scheduler with its own rotation state. */
export function createRoundRobin(): Scheduler {
  const state = new SmoothWeighted();
  return {
    name: "roundrobin",
    pick<C extends Candidate>(candidates: readonly C[], _ctx: PickContext): C {
      return state.pick(candidates);
    },
  };
}
