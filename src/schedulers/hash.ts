/**
 * `hash`: consistent hashing on the client address. A client goes to the
 * same host for as long as the candidate set stays the same, with no table
 * to hold or expire; when a host leaves, only its clients move (to the
 * hosts next to it on the ring), and when one joins it takes about
 * `1/(N+1)` of the clients. Shares follow the weights. See `ring.ts`.
 *
 * Rings are cached per candidate set. The set changes when a host goes bad
 * or returns, and for one pick at a time during a failover retry (the
 * failed host excluded), so a handful of recent rings are kept: flipping
 * between two sets does not rebuild either. Picking with a cached ring is
 * one comparison of the set, one string hash and a binary search.
 *
 * @module
 */
import { clientKey, hashString } from "./hashing.ts";
import { Ring } from "./ring.ts";
import type { Candidate, PickContext, Scheduler } from "./types.ts";

/** Rings kept per scheduler (the current set and a few recent ones). */
export const RING_CACHE_SIZE = 4;

/** Most recently used first; at most {@linkcode RING_CACHE_SIZE}. */
class RingCache {
  readonly #rings: Ring[] = [];
  /** Rings built so far (a test hook: proves picks do not rebuild). */
  builds = 0;

  /** The ring for `candidates`, from the cache or built now. */
  get(candidates: readonly Candidate[]): Ring {
    const rings = this.#rings;
    if (rings.length > 0 && rings[0].set.matches(candidates)) return rings[0];
    let found = -1;
    for (let i = 1; i < rings.length; i++) {
      if (rings[i].set.matches(candidates)) {
        found = i;
        break;
      }
    }
    const ring = found >= 0 ? rings[found] : this.#build(candidates);
    // Move (or insert) to the front, dropping the least recently used.
    let i = found >= 0 ? found : Math.min(rings.length, RING_CACHE_SIZE - 1);
    for (; i > 0; i--) rings[i] = rings[i - 1];
    rings[0] = ring;
    return ring;
  }

  #build(candidates: readonly Candidate[]): Ring {
    this.builds++;
    return new Ring(candidates);
  }
}

/** A hash scheduler, also exposing how many rings it has built. */
export interface HashScheduler extends Scheduler {
  readonly ringBuilds: number;
}

/** A consistent-hashing scheduler with its own ring cache. */
export function createHash(): HashScheduler {
  const cache = new RingCache();
  return {
    name: "hash",
    get ringBuilds() {
      return cache.builds;
    },
    pick<C extends Candidate>(candidates: readonly C[], ctx: PickContext): C {
      const count = candidates.length;
      if (count === 0) throw new RangeError("Cannot pick a host: no candidates");
      if (count === 1) return candidates[0];
      const hash = hashString(clientKey(ctx.clientAddress));
      const position = cache.get(candidates).owner(hash);
      // An empty ring means every weight is 0 (outside the contract): still
      // map the client consistently rather than fail.
      return candidates[position >= 0 ? position : hash % count];
    },
  };
}
