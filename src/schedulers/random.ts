/**
 * `random`: a uniformly random candidate.
 *
 * @module
 */
import type { Candidate, PickContext, Scheduler } from "./types.ts";

/**
 * A random scheduler. `rand` must return numbers in [0, 1) like
 * `Math.random`; tests inject a deterministic one.
 */
export function createRandom(rand: () => number = Math.random): Scheduler {
  return {
    name: "random",
    pick<C extends Candidate>(candidates: readonly C[], _ctx: PickContext): C {
      const count = candidates.length;
      if (count === 0) throw new RangeError("Cannot pick a host: no candidates");
      // Clamp so an injected source that returns 1 still yields an element.
      const i = Math.min(Math.floor(rand() * count), count - 1);
      return candidates[i];
    },
  };
}
