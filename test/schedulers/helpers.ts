/**
 * Shared fixtures for the scheduler tests: hosts, a pick context and a
 * seeded random source so "random" inputs are reproducible.
 *
 * @module
 */
import type { PickContext } from "../../src/schedulers/types.ts";

/** A candidate the tests can mutate (the scheduler only sees it read-only). */
export interface TestHost {
  index: number;
  name: string;
  open: number;
  lastClosed: number;
  weight: number;
  score: number;
}

export const ctx: PickContext = { clientAddress: "192.0.2.10", now: 1_000_000 };

/**
 * Hosts named after their letters, indexed 0, 1, 2 … in group order, with
 * `weights[i]` (default 1).
 */
export function hosts(names: string, weights: readonly number[] = []): TestHost[] {
  return [...names].map((name, index) => ({
    index,
    name,
    open: 0,
    lastClosed: 0,
    weight: weights[index] ?? 1,
    score: 0,
  }));
}

/** A context for client `address` at time `now`. */
export function client(address: string, now = ctx.now): PickContext {
  return { clientAddress: address, now };
}

/** `count` distinct IPv4 client addresses (10.x.y.z). */
export function clients(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  );
}

/** The longest run of the same name in `names`. */
export function longestRun(names: readonly string[]): number {
  let longest = 0, run = 0;
  names.forEach((name, i) => {
    run = i > 0 && names[i - 1] === name ? run + 1 : 1;
    longest = Math.max(longest, run);
  });
  return longest;
}

/** Mulberry32: a tiny seeded PRNG returning numbers in [0, 1). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How many times each name occurs, as a plain object for readable diffs. */
export function tally(names: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}
