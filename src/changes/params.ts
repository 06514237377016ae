/**
 * Reading a call's parameters (query string, form or JSON, all as
 * strings): required ones, addresses, schedulers, durations, counts and
 * weights, each refused with a 400 that says what was expected.
 *
 * @module
 */
import { EndpointError, parseEndpoint } from "../config/endpoint.ts";
import type { Endpoint } from "../config/model.ts";
import { parseCount, parseSeconds } from "../config/numbers.ts";
import { parseWeight, WEIGHT_EXPECTED } from "../config/scheduling.ts";
import { isSchedulerName, SCHEDULER_NAMES } from "../schedulers/registry.ts";
import { ChangeError } from "./errors.ts";

/** Parameters of a call, read by name. */
export type Params = (name: string) => string | undefined;

/** A required, non-empty parameter. */
export function need(params: Params, name: string): string {
  const value = params(name);
  if (value === undefined || value.trim() === "") {
    throw new ChangeError(400, `missing parameter "${name}"`);
  }
  return value;
}

/** An optional parameter; an empty form field counts as absent. */
export function optional(params: Params, name: string): string | undefined {
  const value = params(name);
  return value === undefined || value.trim() === "" ? undefined : value;
}

export function endpoint(spec: string, what: string): Endpoint {
  try {
    return parseEndpoint(spec);
  } catch (error) {
    const reason = error instanceof EndpointError ? error.message : String(error);
    throw new ChangeError(400, `malformed ${what} "${spec}": ${reason}`);
  }
}

export function scheduler(name: string): string {
  if (!isSchedulerName(name)) {
    throw new ChangeError(
      400,
      `unknown scheduler "${name}" (known: ${SCHEDULER_NAMES.join(", ")})`,
    );
  }
  return name;
}

/** A decimal number of seconds in (0, max], as whole milliseconds (the config's rule). */
export function secondsParam(value: string, name: string, max: number): number {
  const ms = parseSeconds(value, max);
  if (ms === undefined) {
    throw new ChangeError(
      400,
      `${name} must be a number of seconds between 0.001 and ${max}, not "${value}"`,
    );
  }
  return ms;
}

/** A whole number in [1, max] (the config's rule). */
export function countParam(value: string, name: string, max: number): number {
  const n = parseCount(value, max);
  if (n === undefined) {
    throw new ChangeError(400, `${name} must be a whole number from 1 to ${max}, not "${value}"`);
  }
  return n;
}

/** A `weight`, validated like `<host weight>` (400 when it is not a weight). */
export function weightParam(value: string): number {
  const weight = parseWeight(value.trim());
  if (weight === undefined) {
    throw new ChangeError(400, `malformed weight "${value}": ${WEIGHT_EXPECTED}`);
  }
  return weight;
}

/** "yes" or "no". */
export function yesNo(value: string, name: string): boolean {
  if (value !== "yes" && value !== "no") {
    throw new ChangeError(400, `${name} must be "yes" or "no", not "${value}"`);
  }
  return value === "yes";
}
