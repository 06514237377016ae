/**
 * `leastconnsrr`: the candidate with the fewest open connections per unit
 * of weight; ties go to the host that least recently closed a connection
 * (one that never closed any first), so a host that just freed up is not
 * immediately reloaded; remaining ties rotate.
 *
 * @module
 */
import { byOpen } from "./leastconns.ts";
import { type Rank, Rotation } from "./rotation.ts";
import type { Candidate, PickContext, Scheduler, SchedulerState } from "./types.ts";

/** Fewer open connections per weight, then the oldest `lastClosed` (0, never, is oldest). */
export const byOpenThenLastClosed: Rank = (a, b) => byOpen(a, b) || a.lastClosed - b.lastClosed;

/** A least-connections scheduler that breaks ties by idle time, then rotation. */
export function createLeastConnsRR(state?: SchedulerState): Scheduler {
  const rotation = new Rotation(state);
  return {
    name: "leastconnsrr",
    pick<C extends Candidate>(candidates: readonly C[], _ctx: PickContext): C {
      return rotation.pick(candidates, byOpenThenLastClosed);
    },
  };
}
