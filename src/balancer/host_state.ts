/**
 * One backend host: what it is (name, address, weight, maxconn — this
 * thread's copy of the model) and its run-time state, which lives in the
 * host's record of the shared state (`src/state/arena.ts`) so that every
 * worker thread sees the same open count, flags and scheduler score.
 *
 * A host is *available* for new connections unless it is bad (it failed a
 * connect and recovery has not verified it since) or an operator took it
 * admin-down. Open connections are never affected by either.
 *
 * Counters that only grow (connections, bytes, failures) are kept per
 * worker thread, each thread adding to its own copy; reading one sums them
 * (`host_counters.ts`, the class this one extends).
 *
 * @module
 */
import type { Endpoint, HostConfig } from "../config/model.ts";
import { DEFAULT_WEIGHT } from "../config/scheduling.ts";
import type { Candidate } from "../schedulers/types.ts";
import {
  FLAG_ADMIN_DOWN,
  FLAG_BAD,
  H_BAD_SINCE,
  H_FLAGS,
  H_LAST_CLOSED,
  H_OPEN,
  H_SCORE,
  H_UP_SINCE,
  HW_OPEN,
} from "../state/arena.ts";
import { HostCounters, type HostPlace } from "./host_counters.ts";
import type { StateTable } from "../state/table.ts";

// Where they were defined before host_counters.ts; importers keep importing them from here.
export { FAILURE_KINDS, type FailureKind, type HostPlace } from "./host_counters.ts";

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

/** Why and since when a host is out of rotation. */
export interface BadState {
  /** ms since epoch when it went bad. */
  since: number;
  reason: string;
}

export class HostState extends HostCounters implements Candidate {
  readonly name: string;
  readonly address: Endpoint;
  /** Order of addition within the group: the rotation order of the schedulers. */
  readonly index: number;
  /** Share of new connections (0 to 1000; 0: none, open ones continue). */
  weight: number;
  /** `maxconn`: at most this many open connections; undefined: no limit. */
  maxconn: number | undefined;
  /** `slowstart` (ms) of this host, overriding its group's; 0: none. */
  slowStartMs: number | undefined;
  readonly #t: StateTable;
  // Indexes into the table's views, computed once.
  readonly #flags: number;
  readonly #open: number;
  readonly #openMine: number;

  // Kept by the main thread only (the control plane): reasons, history, rate.
  /** Why the host went bad, as the thread that found it said. */
  badReason = "";
  /** The last {@linkcode HISTORY_LENGTH} state changes, oldest first. */
  history: StateChange[] = [];
  /** New connections per second over the last {@linkcode RATE_SAMPLES} seconds, oldest first. */
  rate: number[] = [];
  #startedAtLastSample = 0;
  /** A recovery probe is in flight: do not start a second one. */
  probing = false;
  /** Lookups of the host's name that failed (the DNS refresh counts them), and the last reason. */
  dnsFailures = 0;
  dnsError = "";
  #resolved: string | undefined;
  #target: Endpoint;

  constructor(config: HostConfig, index: number, place: HostPlace) {
    super(place);
    this.name = config.name;
    this.address = config.address;
    this.index = index;
    this.weight = config.weight ?? DEFAULT_WEIGHT;
    this.maxconn = config.maxconn;
    this.slowStartMs = config.slowStartMs;
    this.#target = this.address;
    this.resolved = config.resolved;
    this.#t = place.table;
    this.#flags = place.table.i(place.slot, H_FLAGS);
    this.#open = place.table.i(place.slot, H_OPEN);
    this.#openMine = place.table.iw(place.slot, place.worker, HW_OPEN);
  }

  /**
   * The IP address a host named by a DNS name resolves to now (kept in
   * step in every thread by edits); undefined: connect to the name.
   */
  get resolved(): string | undefined {
    return this.#resolved;
  }

  set resolved(ip: string | undefined) {
    this.#resolved = ip;
    const { port } = this.address;
    const spec = ip === undefined ? "" : ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
    this.#target = ip === undefined ? this.address : { spec, hostname: ip, port };
  }

  /** Where to connect: the resolved address, else the address as configured. */
  get target(): Endpoint {
    return this.#target;
  }

  /** Connections in progress, in every thread, including ones still connecting. */
  get open(): number {
    return Atomics.load(this.#t.i32, this.#open);
  }

  /** When the host last finished a connection (ms since epoch); 0 if never. */
  get lastClosed(): number {
    return this.#t.f64[this.#t.f(this.slot, H_LAST_CLOSED)];
  }

  get score(): number {
    return this.#t.f64[this.#t.f(this.slot, H_SCORE)];
  }

  set score(value: number) {
    this.#t.f64[this.#t.f(this.slot, H_SCORE)] = value;
  }

  /** Present while the host is bad. */
  get bad(): BadState | undefined {
    if ((Atomics.load(this.#t.i32, this.#flags) & FLAG_BAD) === 0) return undefined;
    return { since: this.#t.f64[this.#t.f(this.slot, H_BAD_SINCE)], reason: this.badReason };
  }

  get adminDown(): boolean {
    return (Atomics.load(this.#t.i32, this.#flags) & FLAG_ADMIN_DOWN) !== 0;
  }

  /** May the host take new connections? */
  get available(): boolean {
    return (Atomics.load(this.#t.i32, this.#flags) & (FLAG_BAD | FLAG_ADMIN_DOWN)) === 0;
  }

  /** At its connection limit: new connections go elsewhere or wait. */
  get full(): boolean {
    return this.maxconn !== undefined && this.open >= this.maxconn;
  }

  /** When the host last came back into rotation (ms since epoch; 0: never out). */
  get upSince(): number {
    return this.#t.f64[this.#t.f(this.slot, H_UP_SINCE)];
  }

  // ---- the data plane's updates (this thread's share) ----

  /** A connection to this host begins (connecting counts). Call under the group's lock. */
  opened(): void {
    Atomics.add(this.#t.i32, this.#open, 1);
    this.#t.i32[this.#openMine]++;
  }

  /** A connect failed: the connection never was. */
  unopened(): void {
    Atomics.sub(this.#t.i32, this.#open, 1);
    this.#t.i32[this.#openMine]--;
  }

  /** An established connection has finished. */
  finished(now: number): void {
    const t = this.#t;
    t.f64[t.f(this.slot, H_LAST_CLOSED)] = now;
    this.countFinished();
    Atomics.sub(t.i32, this.#open, 1);
    t.i32[this.#openMine]--;
  }

  // ---- flags, changed atomically: exactly one caller wins each transition ----

  /** Take the host out of rotation; true if this call did (it was not bad yet). */
  setBad(now: number): boolean {
    const before = Atomics.or(this.#t.i32, this.#flags, FLAG_BAD);
    if ((before & FLAG_BAD) !== 0) return false;
    this.#t.f64[this.#t.f(this.slot, H_BAD_SINCE)] = now;
    return true;
  }

  /** Put a bad host back; true if this call did. `now` starts its slow start. */
  clearBad(now: number): boolean {
    const before = Atomics.and(this.#t.i32, this.#flags, ~FLAG_BAD);
    if ((before & FLAG_BAD) === 0) return false;
    this.#t.f64[this.#t.f(this.slot, H_UP_SINCE)] = now;
    return true;
  }

  /** Admin-down or up; true if that changed anything. */
  setAdminDown(down: boolean, now: number): boolean {
    const before = down
      ? Atomics.or(this.#t.i32, this.#flags, FLAG_ADMIN_DOWN)
      : Atomics.and(this.#t.i32, this.#flags, ~FLAG_ADMIN_DOWN);
    const changed = ((before & FLAG_ADMIN_DOWN) !== 0) !== down;
    if (changed && !down) this.#t.f64[this.#t.f(this.slot, H_UP_SINCE)] = now;
    return changed;
  }

  /** Mark the host as just (re)joining the rotation: its slow start begins now. */
  joined(now: number): void {
    this.#t.f64[this.#t.f(this.slot, H_UP_SINCE)] = now;
  }

  // ---- the control plane's bookkeeping (main thread) ----

  /** Record the connections started since the previous sample (called once a second). */
  sampleRate(): void {
    const started = this.startedCount;
    this.rate.push(started - this.#startedAtLastSample);
    this.#startedAtLastSample = started;
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
    const slow = this.slowStartMs === undefined ? {} : { slowStartMs: this.slowStartMs };
    const resolved = this.#resolved === undefined ? {} : { resolved: this.#resolved };
    return { name: this.name, address: this.address, ...weight, ...maxconn, ...slow, ...resolved };
  }
}
