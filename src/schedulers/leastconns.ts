/**
 * `leastconns`: the candidate with the fewest open connections per unit of
 * weight (`open / weight`), so a host of weight 2 carries twice the
 * connections of a host of weight 1 before it looks as busy.
 *
 * Ties rotate instead of going to the lowest address: pythondirector broke
 * them by address, so on an idle or evenly loaded group every new connection
 * went to the same host.
 *
 * @module
 */
import { weightUnits } from "./candidate_set.ts";
import { type Rank, Rotation } from "./rotation.ts";
import type { Candidate, PickContext, Scheduler, SchedulerState } from "./types.ts";

/**
 * Fewer open connections per weight is better. Compared by
 * cross-multiplying integer weight units (`a.open / wa < b.open / wb` ⇔
 * `a.open × wb < b.open × wa`), which is exact, so equal loads tie and
 * rotate; a division would leave `1/3` and `2/6` a hair apart. A weight of
 * 0 (outside the contract) ranks after every positive weight.
 */
export const byOpen: Rank = (a, b) => {
  const wa = weightUnits(a), wb = weightUnits(b);
  if (wa > 0 && wb > 0) return a.open * wb - b.open * wa;
  return (wa > 0 ? 0 : 1) - (wb > 0 ? 0 : 1) || a.open - b.open;
};

/** A least-connections scheduler with its own tie rotation. */
export function createLeastConns(state?: SchedulerState): Scheduler {
  const rotation = new Rotation(state);
  return {
    name: "leastconns",
    pick<C extends Candidate>(candidates: readonly C[], _ctx: PickContext): C {
      return rotation.pick(candidates, byOpen);
    },
  };
}
