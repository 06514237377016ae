/**
 * `roundrobin`: candidates in turn by group index, A B C A B C …; a host
 * that leaves and comes back rejoins the cycle in its place.
 *
 * @module
 */
import { Rotation } from "./rotation.ts";
import type { Candidate, PickContext, Scheduler } from "./types.ts";

/** A round-robin scheduler with its own rotation state. */
export function createRoundRobin(): Scheduler {
  const rotation = new Rotation();
  return {
    name: "roundrobin",
    pick<C extends Candidate>(candidates: readonly C[], _ctx: PickContext): C {
      return rotation.pick(candidates);
    },
  };
}
