/**
 * A service: listen addresses and groups of hosts, one group enabled.
 *
 * @module
 */
import type { Endpoint, ServiceConfig } from "../config/model.ts";
import { Group } from "./group.ts";

export class Service {
  readonly name: string;
  listen: Endpoint[];
  #groups = new Map<string, Group>();
  #enabled: string;

  constructor(config: ServiceConfig) {
    this.name = config.name;
    this.listen = [...config.listen];
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

  removeGroup(name: string): void {
    if (name === this.#enabled) {
      throw new Error(`Cannot delete group "${name}": it is the enabled group`);
    }
    this.#groups.delete(name);
  }

  toConfig(): ServiceConfig {
    return {
      name: this.name,
      listen: [...this.listen],
      groups: [...this.#groups.values()].map((g) => g.toConfig()),
      enabledGroup: this.#enabled,
    };
  }
}
