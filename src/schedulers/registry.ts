/**
 * The scheduler names Director knows, and a factory for each.
 *
 * @module
 */
import type { Scheduler, SchedulerFactory } from "./types.ts";

const factories: Record<string, SchedulerFactory> = {};

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
  const factory = factories[name];
  if (!factory) {
    throw new Error(
      `Cannot create scheduler "${name}": known schedulers are ${SCHEDULER_NAMES.join(", ")}`,
    );
  }
  return factory();
}
