/**
 * A group of backend hosts with its scheduler.
 *
 * @module
 */
import type { GroupConfig, HostConfig } from "../config/model.ts";
import { createScheduler } from "../schedulers/registry.ts";
import type { PickContext, Scheduler } from "../schedulers/types.ts";
import { HostState } from "./host_state.ts";

export class Group {
  readonly name: string;
  connectTimeoutMs: number;
  #scheduler: Scheduler;
  #hosts: HostState[] = [];
  #nextIndex = 0;
  /** Reused for every pick: the candidate list is rebuilt in place, not reallocated. */
  #candidates: HostState[] = [];

  constructor(config: GroupConfig) {
    this.name = config.name;
    this.connectTimeoutMs = config.connectTimeoutMs;
    this.#scheduler = createScheduler(config.scheduler);
    for (const host of config.hosts) this.addHost(host);
  }

  get schedulerName(): string {
    return this.#scheduler.name;
  }

  /** Replace the scheduler (rotation state starts afresh). Throws for an unknown name. */
  setScheduler(name: string): void {
    this.#scheduler = createScheduler(name);
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
      if (host.available && !exclude?.has(host)) candidates.push(host);
    }
    if (candidates.length === 0) return undefined;
    const chosen = this.#scheduler.pick(candidates, ctx);
    candidates.length = 0;
    return chosen;
  }

  toConfig(): GroupConfig {
    return {
      name: this.name,
      scheduler: this.schedulerName,
      connectTimeoutMs: this.connectTimeoutMs,
      hosts: this.#hosts.map((h) => h.toConfig()),
    };
  }
}
