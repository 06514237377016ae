/**
 * The edits that turn one configuration into another: the engine of
 * reload (and of the cluster watcher), and, translated into admin calls by
 * `plan_calls.ts`, of `director diff` — pythondirector's planned
 * `compareconf`. Only what differs changes, so everything else — counters,
 * bad hosts, connections — carries on.
 *
 * Order matters, so that every edit is valid when it comes: services,
 * listeners, groups and hosts are added first, the enabled and backup
 * groups switch next, and only then is anything removed (never the
 * enabled group, never the backup). Everything is looked up through maps:
 * the plan is linear in the size of the two configurations.
 *
 * @module
 */
import type { Edit, GroupSettings, HostSettings } from "../balancer/edits.ts";
import { DEFAULTS } from "../config/defaults.ts";
import type {
  AdminUser,
  DirectorConfig,
  GroupConfig,
  HostConfig,
  ServiceConfig,
} from "../config/model.ts";
import { drive, driveNow } from "../slices.ts";
import { policyEdit } from "./plan_policy.ts";
import type { SharedSettings } from "./context.ts";

export interface Plan {
  edits: Edit[];
  /** Shared settings that differ. */
  settings: Partial<SharedSettings>;
  /** The admin users, when they differ (this node's own). */
  users: AdminUser[] | undefined;
  /** What no edit can change: needs a restart. */
  restartNeeded: string[];
}

const stickyTime = (group: GroupConfig) => group.stickyTimeMs ?? DEFAULTS.stickyTimeMs;
const weightOf = (host: HostConfig) => host.weight ?? DEFAULTS.weight;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const byName = <T extends { name: string }>(items: readonly T[]) =>
  new Map(items.map((item) => [item.name, item]));

/** What differs between two groups' settings (hosts aside). */
function groupSettings(from: GroupConfig, to: GroupConfig): GroupSettings | undefined {
  const set: GroupSettings = {};
  if (from.scheduler !== to.scheduler) set.scheduler = to.scheduler;
  if (from.connectTimeoutMs !== to.connectTimeoutMs) set.connectTimeoutMs = to.connectTimeoutMs;
  if (from.sendProxy !== to.sendProxy) set.sendProxy = to.sendProxy ?? null;
  if (from.queueTimeoutMs !== to.queueTimeoutMs) set.queueTimeoutMs = to.queueTimeoutMs ?? null;
  if (stickyTime(from) !== stickyTime(to)) set.stickyTimeMs = stickyTime(to);
  if (!same(from.check, to.check)) set.check = to.check ?? null;
  if (from.slowStartMs !== to.slowStartMs) set.slowStartMs = to.slowStartMs ?? null;
  if (from.srv !== to.srv) set.srv = to.srv ?? null;
  return Object.keys(set).length > 0 ? set : undefined;
}

/** Edits for the hosts of a group present in both. */
function hostEdits(
  service: string,
  from: GroupConfig,
  to: GroupConfig,
  adds: Edit[],
  removes: Edit[],
) {
  const group = to.name;
  // An SRV group's hosts are what DNS says (the refresh keeps them), not the file's.
  if (to.srv !== undefined) return;
  const before = byName(from.hosts);
  const after = byName(to.hosts);
  for (const host of to.hosts) {
    const old = before.get(host.name);
    if (old && old.address.spec === host.address.spec) {
      // Same host, new weight or limit: changed in place, its state and connections kept.
      const set: HostSettings = {};
      if (weightOf(old) !== weightOf(host)) set.weight = weightOf(host);
      if (old.maxconn !== host.maxconn) set.maxconn = host.maxconn ?? null;
      if (old.slowStartMs !== host.slowStartMs) set.slowStartMs = host.slowStartMs ?? null;
      if (Object.keys(set).length > 0) {
        adds.push({ op: "setHost", service, group, host: host.name, set });
      }
      continue;
    }
    // A host whose address changed is replaced: removed first, then added.
    if (old) adds.push({ op: "removeHost", service, group, host: host.name });
    adds.push({ op: "addHost", service, group, host });
  }
  for (const host of from.hosts) {
    if (!after.has(host.name)) removes.push({ op: "removeHost", service, group, host: host.name });
  }
}

/** Edits for a service present in both. */
function serviceEdits(from: ServiceConfig, to: ServiceConfig, adds: Edit[], removes: Edit[]) {
  const service = to.name;
  if (from.idleTimeoutMs !== to.idleTimeoutMs || from.maxconn !== to.maxconn) {
    adds.push({
      op: "setService",
      service,
      set: { idleTimeoutMs: to.idleTimeoutMs ?? null, maxconn: to.maxconn ?? null },
    });
  }
  const fromListen = new Map(from.listen.map((l) => [l.spec, l]));
  const toListen = new Set(to.listen.map((l) => l.spec));
  for (const listen of to.listen) {
    const old = fromListen.get(listen.spec);
    // Same address, other accept-proxy setting: changed in place, the socket stays bound.
    if (old && !!old.acceptProxy !== !!listen.acceptProxy) {
      adds.push({ op: "setListen", service, spec: listen.spec, acceptProxy: !!listen.acceptProxy });
    } else if (!old) adds.push({ op: "addListen", service, listen });
  }
  for (const listen of from.listen) {
    if (!toListen.has(listen.spec)) {
      removes.push({ op: "removeListen", service, spec: listen.spec });
    }
  }
  const fromGroups = byName(from.groups);
  for (const group of to.groups) {
    const old = fromGroups.get(group.name);
    if (!old) {
      adds.push({ op: "addGroup", service, group });
      continue;
    }
    const set = groupSettings(old, group);
    if (set) adds.push({ op: "setGroup", service, group: group.name, set });
    hostEdits(service, old, group, adds, removes);
  }
  // After new groups (a route may name one), before old ones go (a route may have named one).
  const policy = policyEdit(from, to);
  if (policy) adds.push(policy);
  // The backup is cleared before the enabled group switches (a backup cannot be
  // enabled), and set after it (nor can the enabled group be the backup).
  const backupChanges = from.backupGroup !== to.backupGroup;
  if (backupChanges && from.backupGroup !== undefined) {
    adds.push({ op: "setService", service, set: { backupGroup: null } });
  }
  if (from.enabledGroup !== to.enabledGroup) {
    adds.push({ op: "setService", service, set: { enabledGroup: to.enabledGroup } });
  }
  if (backupChanges && to.backupGroup !== undefined) {
    adds.push({ op: "setService", service, set: { backupGroup: to.backupGroup } });
  }
  const toGroups = new Set(to.groups.map((g) => g.name));
  for (const group of from.groups) {
    if (!toGroups.has(group.name)) removes.push({ op: "removeGroup", service, group: group.name });
  }
}

/** What needs a restart: the admin server's address or TLS, the worker count. */
function restartNeeded(from: DirectorConfig, to: DirectorConfig): string[] {
  const needed: string[] = [];
  const a = from.admin, b = to.admin;
  if (
    (a === undefined) !== (b === undefined) ||
    (a && b && (a.listen.spec !== b.listen.spec || a.secure !== b.secure || a.cert !== b.cert ||
      a.key !== b.key))
  ) {
    needed.push("the admin server's address or TLS settings");
  }
  if (from.workers !== to.workers) needed.push("the number of worker threads");
  return needed;
}

/** The edits, in a safe order, that turn `from` into `to` (see the module doc). */
export function planChanges(from: DirectorConfig, to: DirectorConfig): Plan {
  return driveNow(planSteps(from, to));
}

/** The same, yielding to the event loop now and then (a reload of a large config). */
export function planChangesSliced(from: DirectorConfig, to: DirectorConfig): Promise<Plan> {
  return drive(planSteps(from, to));
}

/** The plan, one service per step. */
function* planSteps(from: DirectorConfig, to: DirectorConfig): Generator<void, Plan> {
  const adds: Edit[] = [], removes: Edit[] = [];
  const before = byName(from.services);
  for (const service of to.services) {
    const old = before.get(service.name);
    if (old) serviceEdits(old, service, adds, removes);
    else adds.push({ op: "addService", service });
    yield;
  }
  const after = new Set(to.services.map((s) => s.name));
  for (const service of from.services) {
    if (!after.has(service.name)) removes.push({ op: "removeService", service: service.name });
  }
  const settings: Partial<SharedSettings> = {};
  if (from.checktimeSeconds !== to.checktimeSeconds) {
    settings.checktimeSeconds = to.checktimeSeconds;
  }
  if (!same(from.timeouts ?? {}, to.timeouts ?? {})) settings.timeouts = { ...to.timeouts };
  const users = same(from.admin?.users ?? [], to.admin?.users ?? [])
    ? undefined
    : structuredClone(to.admin?.users ?? []);
  return { edits: [...adds, ...removes], settings, users, restartNeeded: restartNeeded(from, to) };
}
