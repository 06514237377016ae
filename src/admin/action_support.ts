/**
 * What every admin change call shares: the refusal type, parameter reading
 * and the lookups of services and groups by name.
 *
 * @module
 */
import { EndpointError, parseEndpoint } from "../config/endpoint.ts";
import type { Endpoint } from "../config/model.ts";
import type { Director } from "../director.ts";
import type { Group } from "../balancer/group.ts";
import type { Service } from "../balancer/service.ts";
import { isSchedulerName, SCHEDULER_NAMES } from "../schedulers/registry.ts";

/** A refused change: `status` is the HTTP status, `message` says why. */
export class ActionError extends Error {
  constructor(readonly status: 400 | 404 | 409 | 500, message: string) {
    super(message);
    this.name = "ActionError";
  }
}

/** Parameters of a call (query string or form), read by name. */
export type Params = (name: string) => string | undefined;

export interface ActionContext {
  director: Director;
  params: Params;
  /** Who asks: a user name, or "reload" for changes a reload applies. */
  user: string;
}

/** An action: returns the success message, or throws {@linkcode ActionError}. */
export type Action = (ctx: ActionContext) => string | Promise<string>;

/** A required, non-empty parameter. */
export function need(params: Params, name: string): string {
  const value = params(name);
  if (value === undefined || value.trim() === "") {
    throw new ActionError(400, `missing parameter "${name}"`);
  }
  return value;
}

export function endpoint(spec: string, what: string): Endpoint {
  try {
    return parseEndpoint(spec);
  } catch (error) {
    const reason = error instanceof EndpointError ? error.message : String(error);
    throw new ActionError(400, `malformed ${what} "${spec}": ${reason}`);
  }
}

export function scheduler(name: string): string {
  if (!isSchedulerName(name)) {
    throw new ActionError(
      400,
      `unknown scheduler "${name}" (known: ${SCHEDULER_NAMES.join(", ")})`,
    );
  }
  return name;
}

export function findService(director: Director, name: string): Service {
  const service = director.balancer.service(name);
  if (!service) throw new ActionError(404, `no service "${name}"`);
  return service;
}

export function findGroup(service: Service, name: string): Group {
  const group = service.group(name);
  if (!group) throw new ActionError(404, `service "${service.name}" has no group "${name}"`);
  return group;
}

/** The service and group named by the `service` and `group` parameters. */
export function serviceGroup(ctx: ActionContext): { service: Service; group: Group } {
  const service = findService(ctx.director, need(ctx.params, "service"));
  return { service, group: findGroup(service, need(ctx.params, "group")) };
}

/** A decimal number of seconds in (0, max], as whole milliseconds. */
export function secondsParam(value: string, name: string, max: number): number {
  const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  const ms = Math.round(seconds * 1000);
  if (!(ms >= 1 && seconds <= max)) {
    throw new ActionError(
      400,
      `${name} must be a number of seconds between 0.001 and ${max}, not "${value}"`,
    );
  }
  return ms;
}

/** A whole number in [1, max]. */
export function countParam(value: string, name: string, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= max)) {
    throw new ActionError(400, `${name} must be a whole number from 1 to ${max}, not "${value}"`);
  }
  return n;
}
