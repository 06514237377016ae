/**
 * A consistent-hash ring over a set of candidates, for the `hash`
 * scheduler.
 *
 * Each host owns `160 × weight` points (at least one; none at weight 0) on
 * a 32-bit circle; a key belongs to the owner of the first point at or
 * after its hash, wrapping past the top. A host's points are derived from
 * its *name* and weight alone (not from the other hosts or its position;
 * the one exception is the size budget below), so:
 *
 * - removing a host hands only its own keys to its neighbours: nobody else
 *   moves;
 * - adding a host takes over only the keys just before its new points,
 *   about `1/(N+1)` of them;
 * - the mapping is the same after a restart or reload, as long as names
 *   and weights are.
 *
 * 160 points per unit of weight keeps each host's share within a few
 * percent of its due (the spread shrinks as 1/√points). So that large
 * weights (up to 1000 each) cannot make a ring of millions of points, a
 * ring holds at most {@linkcode MAX_RING_POINTS}: past that, the points per
 * unit of weight are halved until it fits. A host's points are a prefix of
 * one fixed sequence, so halving keeps each host's first half and moves
 * only the clients of the dropped points; it happens only when the total
 * weight of the set crosses such a boundary. Building is two passes and a
 * radix sort, paid only when the candidate set changes.
 *
 * @module
 */
import { CandidateSet, UNITS_PER_WEIGHT, weightUnits } from "./candidate_set.ts";
import { fmix32, fnv1a, fnv1aInt } from "./hashing.ts";
import type { Candidate } from "./types.ts";

/** Ring points per 1.0 of weight (while the ring is within its budget). */
export const POINTS_PER_WEIGHT = 160;

/** Most points one ring holds (2^17: 1 MiB of typed arrays). */
export const MAX_RING_POINTS = 131_072;

/** Points a host of `units` weight units gets at `perWeight` points per 1.0 (0 only for weight 0). */
export function pointsFor(units: number, perWeight = POINTS_PER_WEIGHT): number {
  return units > 0 ? Math.max(1, Math.round((perWeight * units) / UNITS_PER_WEIGHT)) : 0;
}

/** Points per 1.0 of weight for `candidates`: 160, halved until the ring fits its budget. */
export function pointsPerWeight(candidates: readonly Candidate[]): number {
  let perWeight = POINTS_PER_WEIGHT;
  for (;;) {
    let total = 0;
    for (const c of candidates) total += pointsFor(weightUnits(c), perWeight);
    // Every host keeps at least one point, so below that halving gains nothing.
    if (total <= MAX_RING_POINTS || total <= candidates.length) return perWeight;
    perWeight /= 2;
  }
}

/** Sort `keys` ascending, moving `values` along (LSD radix, 4 × 8 bits, stable). */
function radixSort(keys: Uint32Array, values: Uint32Array): void {
  const n = keys.length;
  let fromKeys: Uint32Array = keys, fromValues: Uint32Array = values;
  let toKeys: Uint32Array = new Uint32Array(n), toValues: Uint32Array = new Uint32Array(n);
  const counts = new Uint32Array(256);
  for (let shift = 0; shift < 32; shift += 8) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(fromKeys[i] >>> shift) & 255]++;
    for (let digit = 0, sum = 0; digit < 256; digit++) {
      const count = counts[digit];
      counts[digit] = sum;
      sum += count;
    }
    for (let i = 0; i < n; i++) {
      const at = counts[(fromKeys[i] >>> shift) & 255]++;
      toKeys[at] = fromKeys[i];
      toValues[at] = fromValues[i];
    }
    const spareKeys = fromKeys, spareValues = fromValues;
    fromKeys = toKeys;
    fromValues = toValues;
    toKeys = spareKeys;
    toValues = spareValues;
  }
  // Four passes, an even number: the sorted data is back in `keys` and `values`.
}

/** An immutable ring for one candidate set (the set it was built for is `set`). */
export class Ring {
  /** The candidates (indexes and weights) this ring was built for. */
  readonly set = new CandidateSet();
  /** Point hashes, ascending. */
  readonly #points: Uint32Array;
  /** Position in the candidate list of each point's owner. */
  readonly #owners: Uint32Array;

  constructor(candidates: readonly Candidate[]) {
    this.set.record(candidates);
    const perWeight = pointsPerWeight(candidates);
    let total = 0;
    for (const c of candidates) total += pointsFor(weightUnits(c), perWeight);
    const points = new Uint32Array(total);
    const owners = new Uint32Array(total);
    let k = 0;
    candidates.forEach((c, position) => {
      const seed = fnv1a(c.name);
      const count = pointsFor(weightUnits(c), perWeight);
      for (let i = 0; i < count; i++, k++) {
        points[k] = fmix32(fnv1aInt(seed, i));
        owners[k] = position;
      }
    });
    // Stable, so equal points (rare) order by position: deterministic.
    radixSort(points, owners);
    this.#points = points;
    this.#owners = owners;
  }

  /** How many points the ring has. */
  get size(): number {
    return this.#points.length;
  }

  /**
   * Position (in the candidate list the ring was built for) of the owner of
   * `hash`; -1 when the ring is empty (every weight 0).
   */
  owner(hash: number): number {
    const points = this.#points;
    if (points.length === 0) return -1;
    // The first point >= hash; past the last point the circle wraps to 0.
    let low = 0, high = points.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (points[mid] < hash) low = mid + 1;
      else high = mid;
    }
    return this.#owners[low === points.length ? 0 : low];
  }
}
