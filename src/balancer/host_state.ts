/**
 * Run-time state of one backend host: its counters and its health.
 *
 * A host is *available* for new connections unless it is bad (it failed a
 * connect and recovery has not verified it since) or an operator took it
 * admin-down. Open connections are never affected by either.
 *
 * @module
 */
import type { Endpoint, HostConfig } from "../config/model.ts";
import { DEFAULT_WEIGHT } from "../config/scheduling.ts";
import type { Candidate } from "../schedulers/types.ts";

/** One change of a host's state, for the page's history ("is it flapping?"). */
export interface StateChange {
  /** ms since epoch. */
  at: number;
  state: "up" | "bad" | "admin-down" | "admin-up";
  reason: string;
}

/** Seconds of connection-rate history a host keeps (the page's chart). */
export const RATE_SAMPLES = 60;

/** How many state changes a host remembers. */
export const HISTORY_LENGTH = 20;

/** The kinds of connect failure counted per host (a fixed set: metrics labels stay bounded). */
export type FailureKind = "refused" | "timeout" | "unreachable" | "reset" | "other";

/** Why and since when a host is out of rotation. */
export interface BadState {
  /** ms since epoch when it went bad. */
  since: number;
  reason: string;
}

export class HostState implements Candidate {
  readonly name: string;
  readonly address: Endpoint;
  /** Order of addition within the group: the rotation order of the schedulers. */
  readonly index: number;
  /** Share of new connections (0 to 1000; 0: none, open ones continue). */
  weight: number;

  /** Connections in progress, including ones still connecting. */
  open = 0;
  /** Connections that were established and have finished. */
  total = 0;
  /** Connections established to this host (finished or not). */
  started = 0;
  /** New connections per second over the last {@linkcode RATE_SAMPLES} seconds, oldest first. */
  rate: number[] = [];
  #startedAtLastSample = 0;
  /** When the host last finished a connection (ms since epoch); 0 if never. */
  lastClosed = 0;
  /** Bytes client → backend, and backend → client. */
  bytesIn = 0;
  bytesOut = 0;
  /** Failed connect attempts (each one made the host bad). */
  failures = 0;
  /** Failed connect attempts by kind. */
  failuresByKind: Record<FailureKind, number> = {
    refused: 0,
    timeout: 0,
    unreachable: 0,
    reset: 0,
    other: 0,
  };
  /** The last {@linkcode HISTORY_LENGTH} state changes, oldest first. */
  history: StateChange[] = [];
  bad: BadState | undefined = undefined;
  adminDown = false;
  /** A recovery probe is in flight: do not start a second one. */
  probing = false;
  /** `maxconn`: at most this many open connections; undefined: no limit. */
  maxconn: number | undefined;

  constructor(config: HostConfig, index: number) {
    this.name = config.name;
    this.address = config.address;
    this.index = index;
    this.weight = config.weight ?? DEFAULT_WEIGHT;
    this.maxconn = config.maxconn;
  }

  /** At its connection limit: new connections go elsewhere or wait. */
  get full(): boolean {
    return this.maxconn !== undefined && this.open >= this.maxconn;
  }

  /** May the host take new connections? */
  get available(): boolean {
    return this.bad === undefined && !this.adminDown;
  }

  /** A connection to this host was established and has now finished. */
  connectionClosed(now: number): void {
    this.open--;
    this.total++;
    this.lastClosed = now;
  }

  /** Record the connections started since the previous sample (called once a second). */
  sampleRate(): void {
    this.rate.push(this.started - this.#startedAtLastSample);
    this.#startedAtLastSample = this.started;
    if (this.rate.length > RATE_SAMPLES) this.rate.shift();
  }

  /** Remember a state change (bounded). */
  record(change: StateChange): void {
    this.history.push(change);
    if (this.history.length > HISTORY_LENGTH) this.history.shift();
  }

  toConfig(): HostConfig {
    const weight = this.weight === DEFAULT_WEIGHT ? {} : { weight: this.weight };
    const maxconn = this.maxconn === undefined ? {} : { maxconn: this.maxconn };
    return { name: this.name, address: this.address, ...weight, ...maxconn };
  }
}
