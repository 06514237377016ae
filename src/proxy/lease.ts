/**
 * One connection's lease: every slot and count a client connection holds,
 * taken when it is admitted and given back exactly once, whichever way it
 * ends (relayed to the end, no host left, queue timeout, client gone).
 *
 * - Admission (before the listener accepts it): a slot of its service's
 *   `maxconn` and of the process-wide limit (`Slots.tryTake`); then, by
 *   the client's address, its entry in the per-client table.
 * - While connecting: the host being tried (the group's pick counted it);
 *   a failed attempt hands it back and frees a queued client's turn.
 * - Once relaying: the host's started count; at the end its finished
 *   count and last-closed time, then every slot back, each waking whoever
 *   waits for one in any thread.
 *
 * A worker thread that dies takes its leases with it; the main thread then
 * takes back that thread's share of every count (`src/workers/pool.ts`).
 *
 * @module
 */
import type { Group } from "../balancer/group.ts";
import type { HostState } from "../balancer/host_state.ts";
import type { Service, Slots } from "../balancer/service.ts";
import type { ClientTable } from "../state/client_table.ts";

export class Lease {
  readonly service: Service;
  #process: Slots;
  #host: HostState | undefined;
  #group: Group | undefined;
  #released = false;
  /** The client's entry in the per-client table (client-maxconn, client-rate), if any. */
  #clients: ClientTable | undefined;
  #clientEntry = 0;
  #worker = 0;
  /** Hosts whose connect failed for this client (made on the first failure). */
  tried: Set<HostState> | undefined;

  /** The service's and the process's slots are already taken (the listener's admission). */
  constructor(service: Service, process: Slots) {
    this.service = service;
    this.#process = process;
  }

  /** The client counts in `table`'s `entry` (taken by worker `worker`) until the end. */
  holdClient(table: ClientTable, entry: number, worker: number): void {
    this.#clients = table;
    this.#clientEntry = entry;
    this.#worker = worker;
  }

  get host(): HostState | undefined {
    return this.#host;
  }

  /** The group's pick chose `host` and counted the connection on it. */
  trying(group: Group, host: HostState): void {
    this.#group = group;
    this.#host = host;
  }

  /**
   * The connect to the host being tried failed: the connection never was.
   * `blame`: the host is to blame (it is not tried again for this client).
   */
  failed(blame: boolean): void {
    const host = this.#host, group = this.#group;
    if (!host || !group) return;
    this.#host = this.#group = undefined;
    host.unopened();
    group.slotFreed();
    if (blame) (this.tried ??= new Set()).add(host);
  }

  /** Connected: count the connection as started on its host. */
  established(): void {
    this.#host?.started();
  }

  /** The connection is over: give everything back (once; later calls do nothing). */
  release(now: number): void {
    if (this.#released) return;
    this.#released = true;
    const host = this.#host, group = this.#group;
    if (host && group) {
      host.finished(now);
      group.slotFreed();
    }
    this.#clients?.release(this.#clientEntry, this.#worker);
    this.service.slots.release();
    this.#process.release();
  }
}
