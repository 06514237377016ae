/**
 * `random`: a random candidate, each with probability proportional to its
 * weight (uniform when the weights are equal).
 *
 * @module
 */
import { weightUnits } from "./candidate_set.ts";
import type { Candidate, PickContext, Scheduler } from "./types.ts";

/**
 * A random scheduler. `rand` must return numbers in [0, 1) like
 * `Math.random`; tests inject a deterministic one. One draw per pick.
 */
export function createRandom(rand: () => number = Math.random): Scheduler {
  return {
    name: "random",
    pick<C extends Candidate>(candidates: readonly C[], _ctx: PickContext): C {
      const count = candidates.length;
      if (count === 0) throw new RangeError("Cannot pick a host: no candidates");
      let total = 0;
      for (let i = 0; i < count; i++) total += weightUnits(candidates[i]);
      const draw = rand();
      // Every weight 0 is outside the contract; be uniform rather than fail.
      if (total === 0) return candidates[Math.min(Math.floor(draw * count), count - 1)];
      // Walk the cumulative weights to the one the draw falls in. Weight-0
      // candidates span nothing, so they can never be hit; `chosen` starts
      // at the last positive one in case `rand` returns 1 (or rounding
      // leaves the remainder at 0), which must still yield a candidate.
      let remaining = draw * total;
      let chosen = -1;
      for (let i = 0; i < count; i++) {
        const units = weightUnits(candidates[i]);
        if (units === 0) continue;
        chosen = i;
        remaining -= units;
        if (remaining < 0) break;
      }
      return candidates[chosen];
    },
  };
}
