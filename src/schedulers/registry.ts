/**
 * The scheduler names Director knows, and a factory for each.
 *
 * @module
 */
import { createLeastConns } from "./leastconns.ts";
import { createLeastConnsRR } from "./leastconnsrr.ts";
import { createRandom } from "./random.ts";
import { createRoundRobin } from "./roundrobin.ts";
import type { Scheduler, SchedulerFactory } from "./types.ts";

// Wrapped so `createRandom` is never handed an argument by accident.
const factories: Record<string, SchedulerFactory> = {
  random: () => createRandom(),
  roundrobin: createRoundRobin,
  leastconns: createLeastConns,
  leastconnsrr: createLeastConnsRR,
};

/** Names accepted in `<group scheduler="…">`, in documentation order. */
export const SCHEDULER_NAMES: readonly string[] = [
  "random",
  "roundrobin",
  "leastconns",
  "leastconnsrr",
];

export function isSchedulerName(name: string): boolean {
  return SCHEDULER_NAMES.includes(name);
}

/** A new scheduler instance; throws for an unknown name. */
export function createScheduler(name: string): Scheduler {
  // Own properties only: a name like "toString" must not reach Object.prototype.
  const factory = Object.hasOwn(factories, name) ? factories[name] : undefined;
  if (!factory) {
    throw new Error(
      `Cannot create scheduler "${name}": known schedulers are ${SCHEDULER_NAMES.join(", ")}`,
    );
  }
  return factory();
}
