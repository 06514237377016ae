/**
 * Admission of a new client by its source address, before anything is
 * connected or forwarded: the service's access list, then its per-client
 * limits. A refused client is closed at once by the caller.
 *
 * Every refusal is counted by reason in the service's record of the
 * shared state (each thread its own column, summed by the views) and
 * logged at most once a second per service and reason *across threads*:
 * the second of the last line is one shared Int32, taken with a
 * compare-and-swap, so a flood of refused clients writes one line a second
 * however many threads see it (`suppressed=` counts this thread's held-back
 * lines).
 *
 * @module
 */
import type { Service } from "../balancer/service.ts";
import type { Fields, Logger } from "../log.ts";
import {
  type Arena,
  S_LOGGED,
  SW_CLIENT_MAXCONN,
  SW_CLIENT_RATE,
  SW_DENIED,
  SW_SNI_TIMEOUT,
} from "../state/arena.ts";
import { type ClientLimits, OVER_RATE } from "../state/client_table.ts";
import { writeAddressKey } from "./cidr.ts";

export type Refusal = "denied" | "client-maxconn" | "client-rate" | "sni-timeout";

/** The per-worker counter and shared log field of each reason. */
const REASONS: Record<Refusal, { counter: number; logged: number }> = {
  "denied": { counter: SW_DENIED, logged: S_LOGGED },
  "client-maxconn": { counter: SW_CLIENT_MAXCONN, logged: S_LOGGED + 1 },
  "client-rate": { counter: SW_CLIENT_RATE, logged: S_LOGGED + 2 },
  "sni-timeout": { counter: SW_SNI_TIMEOUT, logged: S_LOGGED + 3 },
};

/** The event each reason logs. */
const EVENTS: Record<Refusal, string> = {
  "denied": "client_denied",
  "client-maxconn": "client_limited",
  "client-rate": "client_limited",
  "sni-timeout": "sni_timeout",
};

/** Refused clients of a service so far, by reason, over every thread. */
export function refusedCounts(arena: Arena, service: Service): Record<Refusal, number> {
  const table = arena.services;
  return {
    "denied": table.sumF64(service.slot, SW_DENIED),
    "client-maxconn": table.sumF64(service.slot, SW_CLIENT_MAXCONN),
    "client-rate": table.sumF64(service.slot, SW_CLIENT_RATE),
    "sni-timeout": table.sumF64(service.slot, SW_SNI_TIMEOUT),
  };
}

/** `admit`: the client was refused (closed by the caller). */
export const REFUSED = -1;
/** `admit`: let in, nothing to give back. */
export const ADMITTED = 0;

/** A reused key buffer: admission allocates nothing. */
const key = new Uint32Array(4);

export class Admission {
  readonly #arena: Arena;
  readonly #worker: number;
  readonly #log: Logger;
  /** Lines this thread held back, per service and reason, since its last line. */
  #suppressed = new Map<string, number>();

  constructor(arena: Arena, worker: number, log: Logger) {
    this.#arena = arena;
    this.#worker = worker;
    this.#log = log;
  }

  /**
   * May a new client of `service` from `address` go on? `REFUSED` (counted
   * and logged), `ADMITTED`, or an entry of the client table the
   * connection holds until it ends (`arena.clients.release(entry, worker)`).
   */
  admit(service: Service, address: string, now: number): number {
    const policy = service.policy;
    if (!policy.acl.allows(address)) return this.#refused(service, "denied", address);
    if (!policy.limitsClients || !writeAddressKey(address, key)) return ADMITTED;
    const limits: ClientLimits = {
      maxconn: policy.clientMaxconn ?? Number.MAX_SAFE_INTEGER,
      rate: policy.clientRate,
    };
    const entry = this.#arena.clients.admit(service.slot, key, limits, this.#worker, now);
    if (entry > 0) return entry;
    // FULL (every tracked address has connections open) counts as client-maxconn.
    const reason = entry === OVER_RATE ? "client-rate" : "client-maxconn";
    return this.#refused(service, reason, address);
  }

  #refused(service: Service, reason: Refusal, address: string): number {
    this.refuse(service, reason, address);
    return REFUSED;
  }

  /** Count a refusal and log it (throttled, with `extra` fields); returns `reason`. */
  refuse(service: Service, reason: Refusal, address: string, extra: Fields = {}): Refusal {
    const table = this.#arena.services, { counter, logged } = REASONS[reason];
    table.f64[table.fw(service.slot, this.#worker, counter)]++;
    const key = `${service.name}\u0000${reason}`;
    const second = Math.floor(Date.now() / 1000) | 0;
    const at = table.i(service.slot, logged);
    const last = Atomics.load(table.i32, at);
    if (last === second || Atomics.compareExchange(table.i32, at, last, second) !== last) {
      this.#suppressed.set(key, (this.#suppressed.get(key) ?? 0) + 1);
      return reason;
    }
    const suppressed = this.#suppressed.get(key) ?? 0;
    this.#suppressed.delete(key);
    const fields: Fields = { service: service.name, client: address, ...extra };
    if (EVENTS[reason] === "client_limited") fields.reason = reason;
    fields.suppressed = suppressed || undefined;
    this.#log.warn(EVENTS[reason], fields);
    return reason;
  }
}
