/**
 * `leastconns`: the candidate with the fewest open connections.
 *
 * Ties rotate instead of going to the lowest address: pythondirector broke
 * them by address, so on an idle or evenly loaded group every new connection
 * went to the same host.
 *
 * @module
 */
import { type Rank, Rotation } from "./rotation.ts";
import type { Candidate, PickContext, Scheduler } from "./types.ts";

/** Fewer open connections is better. */
export const byOpen: Rank = (a, b) => a.open - b.open;

/** A least-connections scheduler with its own tie rotation. */
export function createLeastConns(): Scheduler {
  const rotation = new Rotation();
  return {
    name: "leastconns",
    pick<C extends Candidate>(candidates: readonly C[], _ctx: PickContext): C {
      return rotation.pick(candidates, byOpen);
    },
  };
}
