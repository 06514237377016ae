/**
 * A service: listen addresses and groups of hosts, one group enabled.
 *
 * @module
 */
import type { ListenConfig, ServiceConfig } from "../config/model.ts";
import { Group } from "./group.ts";
import { SlotWaiters } from "./slot_waiters.ts";

export class Service {
  readonly name: string;
  listen: ListenConfig[];
  /** The group that takes new connections while no host of the enabled group can. */
  backupGroup: string | undefined;
  /** Is the backup group serving now? (For logging the switch once, both ways.) */
  backupActive = false;
  /** Close connections idle this long (ms); undefined: never. */
  idleTimeoutMs: number | undefined;
  /** Configured connection limit; undefined: the process-wide default applies. */
  maxconn: number | undefined;
  /** Connections in progress for this service (all its listeners). */
  open = 0;
  #slots = new SlotWaiters();
  #groups = new Map<string, Group>();
  #enabled: string;

  constructor(config: ServiceConfig) {
    this.name = config.name;
    this.listen = [...config.listen];
    this.idleTimeoutMs = config.idleTimeoutMs;
    this.backupGroup = config.backupGroup;
    this.maxconn = config.maxconn;
    for (const group of config.groups) this.#groups.set(group.name, new Group(group));
    if (!this.#groups.has(config.enabledGroup)) {
      throw new Error(
        `Cannot create service "${config.name}": enabled group "${config.enabledGroup}" does not exist`,
      );
    }
    this.#enabled = config.enabledGroup;
  }

  get groups(): Iterable<Group> {
    return this.#groups.values();
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

  addGroup(group: Group): void {
    this.#groups.set(group.name, group);
  }

  /** The backup group, if one is set and exists. */
  get backup(): Group | undefined {
    return this.backupGroup === undefined ? undefined : this.#groups.get(this.backupGroup);
  }

  removeGroup(name: string): void {
    if (name === this.#enabled) {
      throw new Error(`Cannot delete group "${name}": it is the enabled group`);
    }
    if (name === this.backupGroup) {
      throw new Error(`Cannot delete group "${name}": it is the backup group`);
    }
    this.#groups.delete(name);
  }

  /**
   * Resolves when the service may accept another connection (fewer than
   * `limit` open). Until then the listeners do not accept, so new clients
   * wait in the kernel's accept backlog instead of being refused.
   */
  slot(limit: number): Promise<void> | undefined {
    return this.#slots.wait(this.open, limit);
  }

  /** A connection of this service finished: wake the listeners waiting for a slot (they re-check). */
  released(): void {
    this.open--;
    this.#slots.release();
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
    };
  }
}
