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
import type { Candidate } from "../schedulers/types.ts";

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

  /** Connections in progress, including ones still connecting. */
  open = 0;
  /** Connections that were established and have finished. */
  total = 0;
  /** When the host last finished a connection (ms since epoch); 0 if never. */
  lastClosed = 0;
  /** Bytes client → backend, and backend → client. */
  bytesIn = 0;
  bytesOut = 0;
  /** Failed connect attempts (each one made the host bad). */
  failures = 0;
  bad: BadState | undefined = undefined;
  adminDown = false;
  /** A recovery probe is in flight: do not start a second one. */
  probing = false;

  constructor(config: HostConfig, index: number) {
    this.name = config.name;
    this.address = config.address;
    this.index = index;
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

  toConfig(): HostConfig {
    return { name: this.name, address: this.address };
  }
}
