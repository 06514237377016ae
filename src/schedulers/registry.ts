/**
 * The scheduler names Director knows, and a factory for each.
 *
 * @module
 */
import { createHash } from "./hash.ts";
import { createLeastConns } from "./leastconns.ts";
import { createLeastConnsRR } from "./leastconnsrr.ts";
import { createRandom } from "./random.ts";
import { createRoundRobin } from "./roundrobin.ts";
import { createSticky } from "./sticky.ts";
import type { Scheduler, SchedulerFactory, SchedulerOptions } from "./types.ts";

// Wrapped so no factory is handed an argument it does not expect
// (`createRandom` takes a random source, not options).
const factories: Record<string, SchedulerFactory> = {
  random: () => createRandom(),
  roundrobin: (options) => createRoundRobin(options?.state),
  leastconns: (options) => createLeastConns(options?.state),
  leastconnsrr: (options) => createLeastConnsRR(options?.state),
  sticky: (options) => createSticky(options),
  hash: () => createHash(),
};

/**
 * Names accepted in `<group scheduler="…">`, in documentation order:
 *
 * - `random`: a random candidate, probability ∝ weight.
 * - `roundrobin`: smooth weighted round robin; equal weights rotate A B C.
 * - `leastconns`: fewest open connections per weight; ties rotate.
 * - `leastconnsrr`: like `leastconns`, ties to the host idle longest.
 * - `sticky`: a client keeps its host for `stickytime`; new ones as `leastconns`.
 * - `hash`: consistent hashing of the client address (no table, no expiry).
 */
export const SCHEDULER_NAMES: readonly string[] = [
  "random",
  "roundrobin",
  "leastconns",
  "leastconnsrr",
  "sticky",
  "hash",
];

export function isSchedulerName(name: string): boolean {
  return SCHEDULER_NAMES.includes(name);
}

/** A new scheduler instance; throws for an unknown name. */
export function createScheduler(name: string, options: SchedulerOptions = {}): Scheduler {
  // Own properties only: a name like "toString" must not reach Object.prototype.
  const factory = Object.hasOwn(factories, name) ? factories[name] : undefined;
  if (!factory) {
    throw new Error(
      `Cannot create scheduler "${name}": known schedulers are ${SCHEDULER_NAMES.join(", ")}`,
    );
  }
  return factory(options);
}
