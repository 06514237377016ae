/**
 * Edits: the changes to a model's structure, as data. The change layer
 * (`src/changes/`) validates a call and turns it into edits; each copy of
 * the model applies them with {@linkcode applyEdit} — the main thread's,
 * and every worker thread's — so all copies change in step and the same
 * way. An edit has already been validated: applying it cannot fail.
 *
 * Placement: an edit that adds something is applied by the main thread
 * first, which places the new objects in the shared state and writes that
 * placement into the edit, so the worker threads map the same records.
 *
 * `null` in a `set` means "unset" (back to the default); an absent key
 * means "unchanged".
 *
 * @module
 */
import type {
  CheckConfig,
  GroupConfig,
  HostConfig,
  ListenConfig,
  ServiceConfig,
} from "../config/model.ts";
import type { PolicySettings } from "../policy/service_policy.ts";
import type { AffinityHandle } from "../schedulers/affinity.ts";
import type { Balancer } from "./balancer.ts";
import type { GroupPlacement, HostPlacement, ServicePlacement } from "./placement.ts";

export interface ServiceSettings {
  idleTimeoutMs?: number | null;
  maxconn?: number | null;
  backupGroup?: string | null;
  enabledGroup?: string;
}

export interface GroupSettings {
  scheduler?: string;
  connectTimeoutMs?: number;
  sendProxy?: "v1" | "v2" | null;
  queueTimeoutMs?: number | null;
  stickyTimeMs?: number;
  check?: CheckConfig | null;
  slowStartMs?: number | null;
  srv?: string | null;
}

export interface HostSettings {
  weight?: number;
  maxconn?: number | null;
  slowStartMs?: number | null;
  /** The address a DNS name resolves to now (the DNS refresh; no admin call sets it). */
  resolved?: string | null;
}

export type Edit =
  | { op: "addService"; service: ServiceConfig; placement?: ServicePlacement }
  | { op: "removeService"; service: string }
  | { op: "setService"; service: string; set: ServiceSettings }
  /** Access rules, SNI routes, per-client limits (`src/policy/`). */
  | { op: "setPolicy"; service: string; set: PolicySettings }
  | { op: "addListen"; service: string; listen: ListenConfig }
  | { op: "removeListen"; service: string; spec: string }
  | { op: "setListen"; service: string; spec: string; acceptProxy: boolean }
  | { op: "addGroup"; service: string; group: GroupConfig; placement?: GroupPlacement }
  | { op: "removeGroup"; service: string; group: string }
  | {
    op: "setGroup";
    service: string;
    group: string;
    set: GroupSettings;
    affinity?: AffinityHandle;
  }
  | { op: "addHost"; service: string; group: string; host: HostConfig; placement?: HostPlacement }
  | { op: "removeHost"; service: string; group: string; host: string }
  | { op: "setHost"; service: string; group: string; host: string; set: HostSettings };

/** `value` unless it is `null` (unset): then undefined. */
const unset = <T>(value: T | null): T | undefined => value === null ? undefined : value;

function serviceOf(model: Balancer, name: string) {
  const service = model.service(name);
  if (!service) throw new Error(`Cannot apply an edit: no service "${name}"`);
  return service;
}

function groupOf(model: Balancer, service: string, name: string) {
  const group = serviceOf(model, service).group(name);
  if (!group) throw new Error(`Cannot apply an edit: service "${service}" has no group "${name}"`);
  return group;
}

function hostOf(model: Balancer, service: string, group: string, name: string) {
  const host = groupOf(model, service, group).findHost(name);
  if (!host) throw new Error(`Cannot apply an edit: group "${group}" has no host "${name}"`);
  return host;
}

function setService(model: Balancer, name: string, set: ServiceSettings): void {
  const service = serviceOf(model, name);
  if ("idleTimeoutMs" in set) service.idleTimeoutMs = unset(set.idleTimeoutMs!);
  if ("maxconn" in set) service.maxconn = unset(set.maxconn!);
  if ("backupGroup" in set) {
    service.backupGroup = unset(set.backupGroup!);
    if (service.backupGroup === undefined) service.setBackupActive(false);
  }
  if (set.enabledGroup !== undefined) service.enableGroup(set.enabledGroup);
}

function setGroup(
  model: Balancer,
  edit: Extract<Edit, { op: "setGroup" }>,
): void {
  const group = groupOf(model, edit.service, edit.group);
  const set = edit.set;
  if (set.connectTimeoutMs !== undefined) group.connectTimeoutMs = set.connectTimeoutMs;
  if ("sendProxy" in set) group.sendProxy = unset(set.sendProxy!);
  if ("queueTimeoutMs" in set) group.queueTimeoutMs = unset(set.queueTimeoutMs!);
  if (set.stickyTimeMs !== undefined) group.stickyTimeMs = set.stickyTimeMs;
  if ("check" in set) group.check = unset(set.check!);
  if ("slowStartMs" in set) group.slowStartMs = unset(set.slowStartMs!);
  if ("srv" in set) group.srv = unset(set.srv!);
  if (set.scheduler !== undefined) {
    group.setScheduler(set.scheduler, edit.affinity);
    edit.affinity ??= group.affinityHandle;
  }
  // A higher limit or a new scheduler may let queued clients through at once.
  group.slotFreed();
}

function setListen(model: Balancer, edit: Extract<Edit, { op: "setListen" }>): void {
  // The listener reads this object for every new connection.
  const listen = serviceOf(model, edit.service).listen.find((l) => l.spec === edit.spec);
  if (!listen) return;
  if (edit.acceptProxy) listen.acceptProxy = true;
  else delete listen.acceptProxy;
}

function setHost(model: Balancer, edit: Extract<Edit, { op: "setHost" }>): void {
  const host = hostOf(model, edit.service, edit.group, edit.host);
  if (edit.set.weight !== undefined) host.weight = edit.set.weight;
  if ("maxconn" in edit.set) host.maxconn = unset(edit.set.maxconn!);
  if ("slowStartMs" in edit.set) host.slowStartMs = unset(edit.set.slowStartMs!);
  if ("resolved" in edit.set) host.resolved = unset(edit.set.resolved!);
  // A higher limit may let queued clients through at once.
  groupOf(model, edit.service, edit.group).slotFreed();
}

/** Apply one validated edit to `model` (see the module doc). */
export function applyEdit(model: Balancer, edit: Edit): void {
  applyOne(model, edit);
  // Every change to a service's config is an edit naming it: its kept JSON is stale
  // (an added service is a new one, with none kept yet).
  if (edit.op !== "addService") model.service(edit.service)?.configChanged();
}

function applyOne(model: Balancer, edit: Edit): void {
  switch (edit.op) {
    case "addService": {
      const service = model.addService(edit.service, edit.placement);
      edit.placement ??= service.placement();
      return;
    }
    case "removeService":
      return model.removeService(edit.service);
    case "setService":
      return setService(model, edit.service, edit.set);
    case "setPolicy":
      return serviceOf(model, edit.service).policy.apply(edit.set);
    case "addListen":
      serviceOf(model, edit.service).listen.push({ ...edit.listen });
      return;
    case "removeListen": {
      const service = serviceOf(model, edit.service);
      service.listen = service.listen.filter((l) => l.spec !== edit.spec);
      return;
    }
    case "setListen":
      return setListen(model, edit);
    case "addGroup": {
      const group = serviceOf(model, edit.service).addGroup(edit.group, edit.placement);
      edit.placement ??= group.placement();
      return;
    }
    case "removeGroup":
      return serviceOf(model, edit.service).removeGroup(edit.group);
    case "setGroup":
      return setGroup(model, edit);
    case "addHost": {
      const host = groupOf(model, edit.service, edit.group).addHost(edit.host, edit.placement);
      // A new host starts its slow start now (see balancer/slowstart.ts).
      if (!edit.placement) host.joined(model.now());
      edit.placement ??= { slot: host.slot, index: host.index };
      return;
    }
    case "removeHost": {
      const group = groupOf(model, edit.service, edit.group);
      group.removeHost(hostOf(model, edit.service, edit.group, edit.host));
      return;
    }
    case "setHost":
      return setHost(model, edit);
  }
}
