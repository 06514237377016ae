/**
 * The arena: every state table of a running Director, and the layout of
 * their records. The main thread creates it (shared with worker threads
 * when there are several) and hands slots out; worker threads map it from
 * an {@linkcode ArenaHandle}.
 *
 * What lives here is exactly what must be the same in every thread at
 * every moment: open connections (per host, service and process, and each
 * worker's share of them), host flags (bad, admin-down), the schedulers'
 * state (rotation position, smooth-weight scores, least-recently-closed
 * times), the release counters that wake queued clients, and the counters
 * the admin views read. Structure (names, addresses, weights, settings)
 * is not here: every thread keeps its own copy of the model, changed in
 * step by the change layer.
 *
 * @module
 */
import { ClientTable, type ClientTableHandle } from "./client_table.ts";
import { SlotAllocator } from "./slots.ts";
import { StateTable, type TableHandle, type TableShape } from "./table.ts";

/** Host record: shared Int32. */
export const H_FLAGS = 0, H_OPEN = 1;
/** Host record: shared Float64. */
export const H_LAST_CLOSED = 0, H_BAD_SINCE = 1, H_UP_SINCE = 2, H_SCORE = 3;
/** Host record: per-worker Int32. */
export const HW_OPEN = 0;
/** Host record: per-worker Float64 counters. */
export const HW_TOTAL = 0,
  HW_STARTED = 1,
  HW_BYTES_IN = 2,
  HW_BYTES_OUT = 3,
  HW_FAILURES = 4,
  /** Failures by kind: refused, timeout, unreachable, reset, other (in that order). */
  HW_FAILURE_KINDS = 5;
export const HOST_SHAPE: TableShape = { i32: 2, f64: 4, i32PerWorker: 1, f64PerWorker: 10 };

/** Host flags. */
export const FLAG_BAD = 1, FLAG_ADMIN_DOWN = 2;

/** Group record: the scheduler lock, rotation, smooth-weight set signature, releases. */
export const G_LOCK = 0, G_LAST = 1, G_SIG_A = 2, G_SIG_B = 3, G_RELEASES = 4, G_WAITERS = 5;
export const GROUP_SHAPE: TableShape = { i32: 6, f64: 0, i32PerWorker: 0, f64PerWorker: 0 };

/** Service record (and the process record, the same shape): open, releases, flags, per-worker counters. */
export const S_OPEN = 0, S_RELEASES = 1, S_WAITERS = 2, S_FLAGS = 3;
/**
 * Service record: the second (of the clock, truncated to Int32) in which a
 * refused client was last logged, one field per reason (denied,
 * client-maxconn, client-rate, sni-timeout): the log throttle every thread
 * shares.
 */
export const S_LOGGED = 4;
/** Service flags. */
export const FLAG_BACKUP_ACTIVE = 1;
export const SW_OPEN = 0;
/** Per-worker Float64 counters of a service: refused clients by reason. */
export const SW_DENIED = 0, SW_CLIENT_MAXCONN = 1, SW_CLIENT_RATE = 2, SW_SNI_TIMEOUT = 3;
export const SERVICE_SHAPE: TableShape = { i32: 8, f64: 0, i32PerWorker: 1, f64PerWorker: 4 };

export interface ArenaHandle {
  hosts: TableHandle;
  groups: TableHandle;
  services: TableHandle;
  process: TableHandle;
  clients: ClientTableHandle;
}

export class Arena {
  readonly shared: boolean;
  readonly workers: number;
  readonly hosts: StateTable;
  readonly groups: StateTable;
  readonly services: StateTable;
  /** One record: the process-wide connection count (same shape as a service's). */
  readonly process: StateTable;
  /** Per-client counters of `client-maxconn` and `client-rate`, every service. */
  readonly clients: ClientTable;
  /** Slot allocation: main thread only (undefined in a worker thread). */
  readonly hostSlots: SlotAllocator | undefined;
  readonly groupSlots: SlotAllocator | undefined;
  readonly serviceSlots: SlotAllocator | undefined;

  private constructor(
    shared: boolean,
    workers: number,
    tables: [StateTable, StateTable, StateTable, StateTable],
    owner: boolean,
    clients: ClientTable,
  ) {
    this.shared = shared;
    this.workers = workers;
    [this.hosts, this.groups, this.services, this.process] = tables;
    this.clients = clients;
    if (!owner) return;
    this.process.ensure(1);
    const idleHost = (slot: number) =>
      Atomics.load(this.hosts.i32, this.hosts.i(slot, H_OPEN)) === 0;
    const idleService = (slot: number) =>
      Atomics.load(this.services.i32, this.services.i(slot, S_OPEN)) === 0;
    this.hostSlots = this.#allocator(this.hosts, idleHost);
    this.groupSlots = this.#allocator(this.groups, () => true);
    this.serviceSlots = this.#allocator(this.services, idleService);
  }

  #allocator(table: StateTable, isIdle: (slot: number) => boolean): SlotAllocator {
    return new SlotAllocator(isIdle, (slot) => {
      table.ensure(slot + 1);
      table.clear(slot);
    });
  }

  /** The main thread's arena: shared with `workers` threads when `shared`. */
  static create(workers: number, shared: boolean): Arena {
    const table = (shape: TableShape) => new StateTable(shape, workers, shared);
    return new Arena(
      shared,
      workers,
      [
        table(HOST_SHAPE),
        table(GROUP_SHAPE),
        table(SERVICE_SHAPE),
        table(SERVICE_SHAPE),
      ],
      true,
      new ClientTable({ workers, shared }),
    );
  }

  /** A worker thread's view of the main thread's arena. */
  static attach(handle: ArenaHandle, worker: number): Arena {
    return new Arena(
      true,
      handle.hosts.workers,
      [
        StateTable.attach(handle.hosts),
        StateTable.attach(handle.groups),
        StateTable.attach(handle.services),
        StateTable.attach(handle.process),
      ],
      false,
      ClientTable.attach(handle.clients, worker + 1),
    );
  }

  handle(): ArenaHandle {
    return {
      hosts: this.hosts.handle(),
      groups: this.groups.handle(),
      services: this.services.handle(),
      process: this.process.handle(),
      clients: this.clients.handle(),
    };
  }
}
