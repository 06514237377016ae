/**
 * Where the objects of a model live in the shared state, so that another
 * thread's copy of the model maps the very same records: a host's slot
 * and rotation index, a group's slot and next index, a service's slot.
 * The main thread decides them; worker threads receive them with the
 * config they start from and with every change that adds something.
 *
 * @module
 */
import type { AffinityHandle } from "../schedulers/affinity.ts";

export interface HostPlacement {
  slot: number;
  /** The host's index in its group: the schedulers' rotation order (never reused). */
  index: number;
}

export interface GroupPlacement {
  slot: number;
  /** The index the group's next new host gets. */
  nextIndex: number;
  /** The sticky table, once the group has one. */
  affinity?: AffinityHandle;
  /** In the group's host order. */
  hosts: HostPlacement[];
}

export interface ServicePlacement {
  slot: number;
  /** In the service's group order. */
  groups: GroupPlacement[];
}
