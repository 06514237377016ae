/**
 * A group of backend hosts with its scheduler.
 *
 * A pick runs under the group's lock in the shared state: the candidates
 * are read, the scheduler chooses, and the chosen host's open count goes
 * up, all before any other thread may pick in this group. So `leastconns`
 * sees every connection any thread just placed, a rotation is one rotation
 * across threads, and a host's `maxconn` is never exceeded.
 *
 * @module
 */
import type { CheckConfig, GroupConfig, HostConfig } from "../config/model.ts";
import { DEFAULT_STICKY_TIME_MS } from "../config/scheduling.ts";
import { type AffinityHandle, AffinityTable } from "../schedulers/affinity.ts";
import { createScheduler } from "../schedulers/registry.ts";
import type { Candidate, PickContext, Scheduler } from "../schedulers/types.ts";
import { type Arena, G_LAST, G_LOCK } from "../state/arena.ts";
import { lock, unlock } from "../state/lock.ts";
import type { Releases } from "../state/releases.ts";
import { groupReleases, GroupSchedulerState } from "./group_record.ts";
import { HostState } from "./host_state.ts";
import type { GroupPlacement, HostPlacement } from "./placement.ts";
import { candidateFor, hostFactor, hostOf, rampsWith } from "./slowstart.ts";

export class Group {
  readonly name: string;
  connectTimeoutMs: number;
  /** Send a PROXY protocol header of this version to the hosts (`send-proxy`). */
  sendProxy: "v1" | "v2" | undefined;
  /** How long a client may wait for a slot when every host is full; default: connect timeout. */
  queueTimeoutMs: number | undefined;
  /** Active health check; undefined: the legacy recovery task applies. */
  check: CheckConfig | undefined;
  /** `slowstart` (ms) for the group's hosts (a host's own overrides it). */
  slowStartMs: number | undefined;
  /** `srv`: the hosts are this SRV record's targets, kept up to date by the DNS refresh. */
  srv: string | undefined;
  /** SRV lookups that failed or came back empty (main thread), and the last reason. */
  srvFailures = 0;
  srvError = "";
  readonly slot: number;
  /** Clients queued for a slot (every host at its maxconn) wait on these. */
  readonly releases: Releases;
  #arena: Arena;
  #worker: number;
  #state: GroupSchedulerState;
  #lockIndex: number;
  #scheduler: Scheduler;
  /** `stickytime` (ms), kept whatever the scheduler so a switch to `sticky` uses it. */
  #stickyTimeMs: number;
  /** The sticky table, one for every thread (made by the main thread with the group). */
  #affinity: AffinityTable | undefined;
  #hosts: HostState[] = [];
  #nextIndex = 0;
  /** Reused for every pick: the candidate list is rebuilt in place, not reallocated. */
  #candidates: Candidate[] = [];
  /** Does the scheduler follow slow start (see `slowstart.ts`)? */
  #ramps = false;

  constructor(config: GroupConfig, arena: Arena, worker: number, placement?: GroupPlacement) {
    this.name = config.name;
    this.connectTimeoutMs = config.connectTimeoutMs;
    this.sendProxy = config.sendProxy;
    this.check = config.check;
    this.queueTimeoutMs = config.queueTimeoutMs;
    this.slowStartMs = config.slowStartMs;
    this.srv = config.srv;
    this.#arena = arena;
    this.#worker = worker;
    this.#stickyTimeMs = config.stickyTimeMs ?? DEFAULT_STICKY_TIME_MS;
    const table = arena.groups;
    this.slot = placement?.slot ?? arena.groupSlots!.take();
    if (!placement) table.i32[table.i(this.slot, G_LAST)] = -1;
    this.#lockIndex = table.i(this.slot, G_LOCK);
    this.#state = new GroupSchedulerState(table, this.slot);
    this.releases = groupReleases(arena, this.slot);
    this.#scheduler = this.#createScheduler(config.scheduler, placement?.affinity);
    this.#nextIndex = placement?.nextIndex ?? 0;
    config.hosts.forEach((host, i) => this.addHost(host, placement?.hosts[i]));
  }

  /** Where this group and its hosts live in the shared state (for another thread's copy). */
  placement(): GroupPlacement {
    return {
      slot: this.slot,
      nextIndex: this.#nextIndex,
      affinity: this.#affinity?.handle(),
      hosts: this.#hosts.map((h) => ({ slot: h.slot, index: h.index })),
    };
  }

  /**
   * The sticky table, made when a group first uses `sticky` (by the main
   * thread, which owns the arena; another thread maps it from `handle`).
   */
  #ensureAffinity(handle: AffinityHandle | undefined): AffinityTable {
    if (this.#affinity) return this.#affinity;
    const owner = this.#worker + 1;
    if (handle) return this.#affinity = new AffinityTable(undefined, undefined, { handle, owner });
    if (!this.#arena.hostSlots) {
      throw new Error(
        `Cannot make group "${this.name}" sticky: its table comes from the main thread`,
      );
    }
    return this.#affinity = new AffinityTable(this.#stickyTimeMs, undefined, {
      shared: this.#arena.shared,
      owner,
    });
  }

  #createScheduler(name: string, affinity?: AffinityHandle): Scheduler {
    this.#ramps = rampsWith(name);
    return createScheduler(name, {
      state: this.#state,
      affinity: name === "sticky" ? this.#ensureAffinity(affinity) : undefined,
      stickyTimeMs: this.#stickyTimeMs,
    });
  }

  get schedulerName(): string {
    return this.#scheduler.name;
  }

  /**
   * Replace the scheduler (its rotation continues; a sticky table is kept).
   * Throws for an unknown name. `affinity`: the main thread's sticky table,
   * for another thread's copy.
   */
  setScheduler(name: string, affinity?: AffinityHandle): void {
    this.#scheduler = this.#createScheduler(name, affinity);
  }

  /** A worker thread died: release the sticky table's lock if it held it. */
  breakLocks(owner: number): void {
    this.#affinity?.breakLock(owner);
  }

  /** The sticky table's handle, once the group has one (for other threads). */
  get affinityHandle(): AffinityHandle | undefined {
    return this.#affinity?.handle();
  }

  get stickyTimeMs(): number {
    return this.#stickyTimeMs;
  }

  /** Change `stickytime`; the sticky table keeps its clients and applies it at once. */
  set stickyTimeMs(ms: number) {
    this.#stickyTimeMs = ms;
    if (this.#affinity) this.#affinity.ttlMs = ms;
  }

  get hosts(): readonly HostState[] {
    return this.#hosts;
  }

  /**
   * Add a host. The main thread gives it the next index and a fresh slot;
   * another thread's copy is told both (`placement`).
   */
  addHost(config: HostConfig, placement?: HostPlacement): HostState {
    const slot = placement?.slot ?? this.#arena.hostSlots!.take();
    const index = placement?.index ?? this.#nextIndex;
    this.#nextIndex = Math.max(this.#nextIndex, index + 1);
    const host = new HostState(config, index, {
      table: this.#arena.hosts,
      slot,
      worker: this.#worker,
    });
    this.#hosts.push(host);
    return host;
  }

  /** Remove a host from the group; its open connections carry on untouched. */
  removeHost(host: HostState): void {
    this.#hosts = this.#hosts.filter((h) => h !== host);
    this.#arena.hostSlots?.retire(host.slot);
  }

  findHost(name: string): HostState | undefined {
    return this.#hosts.find((h) => h.name === name);
  }

  /** The host whose address is `spec` (as written, e.g. `127.0.0.1:80`). */
  findHostByAddress(spec: string): HostState | undefined {
    return this.#hosts.find((h) => h.address.spec === spec);
  }

  /** True when no host can take a connection because every non-admin-down host is bad. */
  get allBad(): boolean {
    let live = 0;
    for (const host of this.#hosts) {
      if (host.adminDown) continue;
      live++;
      if (host.bad === undefined) return false;
    }
    return live > 0;
  }

  /**
   * Choose a host for a new connection, skipping `exclude` (hosts already
   * tried for this client), and count the connection on it (`opened`).
   * Undefined when no host is available.
   */
  pick(ctx: PickContext, exclude?: ReadonlySet<HostState>): HostState | undefined {
    const i32 = this.#arena.groups.i32;
    lock(i32, this.#lockIndex, this.#worker + 1);
    try {
      const candidates = this.#candidates, hosts = this.#hosts;
      candidates.length = 0;
      // Indexed: this runs for every connection, and for-of's iterator protocol bloats it.
      for (let i = 0; i < hosts.length; i++) {
        const host = hosts[i];
        // Weight 0: no new connections, though the host stays in the group.
        if (host.available && host.weight > 0 && !host.full && !exclude?.has(host)) {
          // A host in slow start is offered with its ramped weight.
          const factor = this.#ramps ? hostFactor(host, this.slowStartMs, ctx.now) : 1;
          candidates.push(candidateFor(host, factor));
        }
      }
      if (candidates.length === 0) return undefined;
      const chosen = hostOf(this.#scheduler.pick(candidates, ctx));
      candidates.length = 0;
      chosen.opened();
      return chosen;
    } finally {
      unlock(i32, this.#lockIndex);
    }
  }

  /** Is some host only unavailable because it is at its `maxconn`? (Then waiting helps.) */
  hasFullHost(exclude?: ReadonlySet<HostState>): boolean {
    return this.#hosts.some((h) => h.available && h.weight > 0 && h.full && !exclude?.has(h));
  }

  /** A connection to one of this group's hosts ended: queued clients (in any thread) may go. */
  slotFreed(): void {
    this.releases.release();
  }

  /** The main thread drops the group: its record may be reused. */
  retire(): void {
    for (const host of this.#hosts) this.#arena.hostSlots?.retire(host.slot);
    this.#arena.groupSlots?.retire(this.slot);
  }

  toConfig(): GroupConfig {
    return {
      name: this.name,
      scheduler: this.schedulerName,
      connectTimeoutMs: this.connectTimeoutMs,
      ...(this.sendProxy ? { sendProxy: this.sendProxy } : {}),
      ...(this.check ? { check: { ...this.check } } : {}),
      ...(this.queueTimeoutMs === undefined ? {} : { queueTimeoutMs: this.queueTimeoutMs }),
      ...(this.#stickyTimeMs === DEFAULT_STICKY_TIME_MS
        ? {}
        : { stickyTimeMs: this.#stickyTimeMs }),
      ...(this.slowStartMs === undefined ? {} : { slowStartMs: this.slowStartMs }),
      ...(this.srv === undefined ? {} : { srv: this.srv }),
      hosts: this.#hosts.map((h) => h.toConfig()),
    };
  }
}
