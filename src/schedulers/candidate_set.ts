/**
 * Weights as exact integers, and a record of "which candidates, with which
 * weights" for the schedulers whose state depends on the whole set (smooth
 * weighted round robin, the hash ring).
 *
 * Weights have at most 3 decimals, so `weight × 1000` is an integer and the
 * schedulers can add, subtract and cross-multiply them without the rounding
 * drift of `0.1 + 0.2`: equal weights then tie exactly, and ties are what
 * keep rotation strict.
 *
 * @module
 */
import type { Candidate } from "./types.ts";

/** Weight units per 1.0 of weight (weights have at most 3 decimals). */
export const UNITS_PER_WEIGHT = 1000;

/**
 * A candidate's weight in integer units; 0 for weight 0 and for anything
 * that is not a positive number (NaN, negative), so a bad value cannot
 * poison the arithmetic.
 */
export function weightUnits(candidate: Candidate): number {
  const weight = candidate.weight;
  return weight > 0 ? Math.round(weight * UNITS_PER_WEIGHT) : 0;
}

/**
 * The identity of a candidate list: its indexes and weight units, in order.
 *
 * `matches` runs on every pick, so it is one pass with no allocation;
 * `record` reuses its arrays. Candidates are identified by group index,
 * which a group never reuses, so an equal record means the same hosts with
 * the same weights in the same positions.
 */
export class CandidateSet {
  #indexes: number[] = [];
  #units: number[] = [];

  /** How many candidates the record holds. */
  get size(): number {
    return this.#indexes.length;
  }

  /** True when `candidates` are exactly the recorded ones. */
  matches(candidates: readonly Candidate[]): boolean {
    const count = candidates.length;
    if (count !== this.#indexes.length) return false;
    for (let i = 0; i < count; i++) {
      const c = candidates[i];
      if (c.index !== this.#indexes[i] || weightUnits(c) !== this.#units[i]) return false;
    }
    return true;
  }

  /** Remember `candidates` as the current set. */
  record(candidates: readonly Candidate[]): void {
    const count = candidates.length;
    this.#indexes.length = count;
    this.#units.length = count;
    for (let i = 0; i < count; i++) {
      this.#indexes[i] = candidates[i].index;
      this.#units[i] = weightUnits(candidates[i]);
    }
  }

  /** Weight units of the candidate at `position` in the recorded set. */
  units(position: number): number {
    return this.#units[position];
  }
}
