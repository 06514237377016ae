/**
 * A group of backend hosts with its scheduler.
 *
 * @module
 */
import type { CheckConfig, GroupConfig, HostConfig } from "../config/model.ts";
import { DEFAULT_STICKY_TIME_MS } from "../config/scheduling.ts";
import { createScheduler } from "../schedulers/registry.ts";
import type { PickContext, Scheduler } from "../schedulers/types.ts";
import { HostState } from "./host_state.ts";

export class Group {
  readonly name: string;
  connectTimeoutMs: number;
  /** Send a PROXY protocol header of this version to the hosts (`send-proxy`). */
  sendProxy: "v1" | "v2" | undefined;
  /** How long a client may wait for a slot when every host is full; default: connect timeout. */
  queueTimeoutMs: number | undefined;
  /** Active health check; undefined: the legacy recovery task applies. */
  check: CheckConfig | undefined;
  #scheduler: Scheduler;
  /** `stickytime` (ms), kept whatever the scheduler so a switch to `sticky` uses it. */
  #stickyTimeMs: number;
  #hosts: HostState[] = [];
  #nextIndex = 0;
  /** Reused for every pick: the candidate list is rebuilt in place, not reallocated. */
  #candidates: HostState[] = [];
  /** Clients queued for a slot (every host at its maxconn), in arrival order. */
  #slotWaiters = new Set<() => void>();

  constructor(config: GroupConfig) {
    this.name = config.name;
    this.connectTimeoutMs = config.connectTimeoutMs;
    this.sendProxy = config.sendProxy;
    this.check = config.check;
    this.queueTimeoutMs = config.queueTimeoutMs;
    this.#stickyTimeMs = config.stickyTimeMs ?? DEFAULT_STICKY_TIME_MS;
    this.#scheduler = createScheduler(config.scheduler, { stickyTimeMs: this.#stickyTimeMs });
    for (const host of config.hosts) this.addHost(host);
  }

  get schedulerName(): string {
    return this.#scheduler.name;
  }

  /** Replace the scheduler (rotation state starts afresh). Throws for an unknown name. */
  setScheduler(name: string): void {
    this.#scheduler = createScheduler(name, { stickyTimeMs: this.#stickyTimeMs });
  }

  get stickyTimeMs(): number {
    return this.#stickyTimeMs;
  }

  /** Change `stickytime`; a `sticky` scheduler keeps its table and applies it at once. */
  set stickyTimeMs(ms: number) {
    this.#stickyTimeMs = ms;
    this.#scheduler.configure?.({ stickyTimeMs: ms });
  }

  get hosts(): readonly HostState[] {
    return this.#hosts;
  }

  addHost(config: HostConfig): HostState {
    const host = new HostState(config, this.#nextIndex++);
    this.#hosts.push(host);
    return host;
  }

  /** Remove a host from the group; its open connections carry on untouched. */
  removeHost(host: HostState): void {
    this.#hosts = this.#hosts.filter((h) => h !== host);
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
   * tried for this client). Undefined when no host is available.
   */
  pick(ctx: PickContext, exclude?: ReadonlySet<HostState>): HostState | undefined {
    const candidates = this.#candidates;
    candidates.length = 0;
    for (const host of this.#hosts) {
      // Weight 0: no new connections, though the host stays in the group.
      if (host.available && host.weight > 0 && !host.full && !exclude?.has(host)) {
        candidates.push(host);
      }
    }
    if (candidates.length === 0) return undefined;
    const chosen = this.#scheduler.pick(candidates, ctx);
    candidates.length = 0;
    return chosen;
  }

  /** Is some host only unavailable because it is at its `maxconn`? (Then waiting helps.) */
  hasFullHost(exclude?: ReadonlySet<HostState>): boolean {
    return this.#hosts.some((h) => h.available && h.weight > 0 && h.full && !exclude?.has(h));
  }

  /**
   * Wait until a connection of this group ends (a slot may be free), for at
   * most `timeoutMs`. Resolves false on timeout or when `cancel` aborts.
   */
  waitForSlot(timeoutMs: number, cancel: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        cancel.removeEventListener("abort", onAbort);
        this.#slotWaiters.delete(wake);
        resolve(ok);
      };
      const wake = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      cancel.addEventListener("abort", onAbort, { once: true });
      this.#slotWaiters.add(wake);
    });
  }

  /** A connection to one of this group's hosts ended: the first queued client may go. */
  slotFreed(): void {
    const first = this.#slotWaiters.values().next();
    if (!first.done) first.value();
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
      hosts: this.#hosts.map((h) => h.toConfig()),
    };
  }
}
