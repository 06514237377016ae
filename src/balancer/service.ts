/**
 * A service: listen addresses and groups of hosts, one group enabled.
 *
 * Its open-connection count lives in its record of the shared state, so a
 * `maxconn` holds across every worker thread: a slot is taken with one
 * compare-and-swap before a connection is accepted, and a listener that
 * finds none waits for a release from any thread (new clients wait in the
 * kernel's backlog meanwhile).
 *
 * @module
 */
import type { GroupConfig, ListenConfig, ServiceConfig } from "../config/model.ts";
import {
  type Arena,
  FLAG_BACKUP_ACTIVE,
  S_FLAGS,
  S_OPEN,
  S_RELEASES,
  S_WAITERS,
  SW_OPEN,
} from "../state/arena.ts";
import { ServicePolicy } from "../policy/service_policy.ts";
import { LocalReleases, type Releases, SharedReleases } from "../state/releases.ts";
import type { StateTable } from "../state/table.ts";
import { Group } from "./group.ts";
import type { ServicePlacement } from "./placement.ts";

/**
 * Connection slots against a limit, in one record of a state table (a
 * service's, or the process's): taken atomically, released with a wake-up.
 */
export class Slots {
  readonly releases: Releases;
  readonly #i32: Int32Array;
  readonly #open: number;
  readonly #mine: number;

  constructor(table: StateTable, slot: number, worker: number, shared: boolean) {
    this.#i32 = table.i32;
    this.#open = table.i(slot, S_OPEN);
    this.#mine = table.iw(slot, worker, SW_OPEN);
    this.releases = shared
      ? new SharedReleases(table.i32, table.i(slot, S_RELEASES), table.i(slot, S_WAITERS))
      : new LocalReleases();
  }

  /** Connections in progress, in every thread. */
  get open(): number {
    return Atomics.load(this.#i32, this.#open);
  }

  /** Take a slot if fewer than `limit` are taken; false when full. */
  tryTake(limit: number): boolean {
    const i32 = this.#i32;
    for (let open = Atomics.load(i32, this.#open); open < limit;) {
      const seen = Atomics.compareExchange(i32, this.#open, open, open + 1);
      if (seen === open) {
        i32[this.#mine]++;
        return true;
      }
      open = seen;
    }
    return false;
  }

  /** Give a slot back and wake whoever waits for one (in any thread). */
  release(): void {
    Atomics.sub(this.#i32, this.#open, 1);
    this.#i32[this.#mine]--;
    this.releases.release();
  }
}

export class Service {
  readonly name: string;
  listen: ListenConfig[];
  /** The group that takes new connections while no host of the enabled group can. */
  backupGroup: string | undefined;
  /** Close connections idle this long (ms); undefined: never. */
  idleTimeoutMs: number | undefined;
  /** Configured connection limit; undefined: the process-wide default applies. */
  maxconn: number | undefined;
  /** Access rules, SNI routes and per-client limits (`src/policy/`). */
  readonly policy: ServicePolicy;
  readonly slot: number;
  /** Connections in progress for this service (all its listeners, every thread). */
  readonly slots: Slots;
  readonly #arena: Arena;
  readonly #worker: number;
  readonly #flags: number;
  #groups = new Map<string, Group>();
  #groupList: readonly Group[] | undefined;
  #enabled: string;
  #json: string | undefined;

  constructor(config: ServiceConfig, arena: Arena, worker: number, placement?: ServicePlacement) {
    this.name = config.name;
    this.listen = [...config.listen];
    this.idleTimeoutMs = config.idleTimeoutMs;
    this.backupGroup = config.backupGroup;
    this.maxconn = config.maxconn;
    this.policy = new ServicePolicy(config);
    this.#arena = arena;
    this.#worker = worker;
    this.slot = placement?.slot ?? arena.serviceSlots!.take();
    this.slots = new Slots(arena.services, this.slot, worker, arena.shared);
    this.#flags = arena.services.i(this.slot, S_FLAGS);
    config.groups.forEach((group, i) => {
      this.#groups.set(group.name, new Group(group, arena, worker, placement?.groups[i]));
    });
    if (!this.#groups.has(config.enabledGroup)) {
      throw new Error(
        `Cannot create service "${config.name}": enabled group "${config.enabledGroup}" does not exist`,
      );
    }
    this.#enabled = config.enabledGroup;
  }

  placement(): ServicePlacement {
    return { slot: this.slot, groups: [...this.#groups.values()].map((g) => g.placement()) };
  }

  get open(): number {
    return this.slots.open;
  }

  /**
   * The groups, in order: one array kept until a group is added or removed
   * (the background tasks walk every service's groups several times a
   * second; an iterator each time was garbage at 1,000 services).
   */
  get groups(): readonly Group[] {
    return this.#groupList ??= [...this.#groups.values()];
  }

  group(name: string): Group | undefined {
    return this.#groups.get(name);
  }

  /** The group new connections go to. */
  get enabledGroup(): Group {
    return this.#groups.get(this.#enabled)!;
  }

  /** Switch the enabled group; connections in progress stay where they are. */
  enableGroup(name: string): void {
    if (!this.#groups.has(name)) {
      throw new Error(`Cannot enable group "${name}": service "${this.name}" has no such group`);
    }
    this.#enabled = name;
  }

  /** A new group, placed by the main thread (or as `placement` says, in another thread). */
  addGroup(config: GroupConfig, placement?: ServicePlacement["groups"][number]): Group {
    const group = new Group(config, this.#arena, this.#worker, placement);
    this.#groups.set(group.name, group);
    this.#groupList = undefined;
    return group;
  }

  /** The backup group, if one is set and exists. */
  get backup(): Group | undefined {
    return this.backupGroup === undefined ? undefined : this.#groups.get(this.backupGroup);
  }

  /** Is the backup group serving? Shared, so each switch is logged once, by one thread. */
  get backupActive(): boolean {
    return (Atomics.load(this.#arena.services.i32, this.#flags) & FLAG_BACKUP_ACTIVE) !== 0;
  }

  /** Record whether the backup serves; true if that changed it (the caller logs the switch). */
  setBackupActive(active: boolean): boolean {
    const i32 = this.#arena.services.i32;
    const before = active
      ? Atomics.or(i32, this.#flags, FLAG_BACKUP_ACTIVE)
      : Atomics.and(i32, this.#flags, ~FLAG_BACKUP_ACTIVE);
    return ((before & FLAG_BACKUP_ACTIVE) !== 0) !== active;
  }

  removeGroup(name: string): void {
    if (name === this.#enabled) {
      throw new Error(`Cannot delete group "${name}": it is the enabled group`);
    }
    if (name === this.backupGroup) {
      throw new Error(`Cannot delete group "${name}": it is the backup group`);
    }
    this.#groups.get(name)?.retire();
    this.#groups.delete(name);
    this.#groupList = undefined;
  }

  /** The main thread drops the service: its records may be reused once idle. */
  retire(): void {
    for (const group of this.#groups.values()) group.retire();
    this.#arena.serviceSlots?.retire(this.slot);
  }

  /**
   * The service's config as JSON, kept until an edit changes it
   * ({@linkcode configChanged}): a reload sends the running config to the
   * loader thread, and 20,000 hosts built and cloned anew each time cost the
   * relaying thread ~30 ms and as much garbage; kept strings cost a copy.
   */
  configJson(): string {
    return this.#json ??= JSON.stringify(this.toConfig());
  }

  /** Called by `applyEdit` after every edit of this service. */
  configChanged(): void {
    this.#json = undefined;
  }

  toConfig(): ServiceConfig {
    return {
      name: this.name,
      listen: [...this.listen],
      groups: [...this.#groups.values()].map((g) => g.toConfig()),
      enabledGroup: this.#enabled,
      ...(this.backupGroup === undefined ? {} : { backupGroup: this.backupGroup }),
      ...(this.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: this.idleTimeoutMs }),
      ...(this.maxconn === undefined ? {} : { maxconn: this.maxconn }),
      ...this.policy.toConfig(),
    };
  }
}
