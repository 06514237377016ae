/**
 * A plan as admin calls: what `director diff` prints as curl commands and
 * `--apply` performs, in the plan's order. Each edit becomes the call that
 * makes it (an added service or group becomes its creation call followed
 * by the calls that set it up), so applying the calls one by one through
 * the admin API turns the running config into the target, as a reload would.
 *
 * @module
 */
import type { Edit, GroupSettings } from "../balancer/edits.ts";
import { DEFAULTS } from "../config/defaults.ts";
import type { DirectorConfig, GroupConfig, HostConfig, ServiceConfig } from "../config/model.ts";
import { planChanges } from "./plan.ts";
import { policyCalls, policyEdit } from "./plan_policy.ts";

/** One admin call: its URL name and parameters. */
export interface PlannedCall {
  action: string;
  params: Record<string, string>;
}

const seconds = (ms: number) => String(ms / 1000);
const call = (action: string, params: Record<string, string>): PlannedCall => ({ action, params });

function checkParams(check: NonNullable<GroupConfig["check"]>): Record<string, string> {
  return {
    interval: seconds(check.intervalMs),
    timeout: seconds(check.timeoutMs),
    rise: String(check.rise),
    fall: String(check.fall),
    ...(check.send !== undefined ? { send: check.send } : {}),
    ...(check.expect !== undefined ? { expect: check.expect } : {}),
  };
}

/** The calls that change a group's settings as `set` says. */
function groupSettingCalls(service: string, group: string, set: GroupSettings): PlannedCall[] {
  const at = { service, group };
  const calls: PlannedCall[] = [];
  if (set.scheduler !== undefined) {
    calls.push(call("changeScheduler", { ...at, scheduler: set.scheduler }));
  }
  if ("sendProxy" in set) {
    calls.push(call("changeSendProxy", { ...at, sendProxy: set.sendProxy ?? "off" }));
  }
  if (set.connectTimeoutMs !== undefined) {
    calls.push(call("changeConnectTimeout", { ...at, timeout: seconds(set.connectTimeoutMs) }));
  }
  if (set.stickyTimeMs !== undefined) {
    calls.push(call("changeStickyTime", { ...at, time: seconds(set.stickyTimeMs) }));
  }
  if ("queueTimeoutMs" in set) {
    const timeout = set.queueTimeoutMs == null ? "default" : seconds(set.queueTimeoutMs);
    calls.push(call("changeQueueTimeout", { ...at, timeout }));
  }
  if ("check" in set) {
    calls.push(
      set.check ? call("setCheck", { ...at, ...checkParams(set.check) }) : call("delCheck", at),
    );
  }
  if ("slowStartMs" in set) calls.push(slowStartCall(at, set.slowStartMs));
  if ("srv" in set) calls.push(call("changeSrv", { ...at, srv: set.srv ?? "off" }));
  return calls;
}

/** A new group's settings, as differences from what `newGroup` gives. */
function newGroupSettings(group: GroupConfig): GroupSettings {
  const set: GroupSettings = {};
  if (group.sendProxy) set.sendProxy = group.sendProxy;
  if (group.connectTimeoutMs !== DEFAULTS.connectTimeoutMs) {
    set.connectTimeoutMs = group.connectTimeoutMs;
  }
  const sticky = group.stickyTimeMs ?? DEFAULTS.stickyTimeMs;
  if (sticky !== DEFAULTS.stickyTimeMs) set.stickyTimeMs = sticky;
  if (group.queueTimeoutMs !== undefined) set.queueTimeoutMs = group.queueTimeoutMs;
  if (group.check) set.check = group.check;
  if (group.slowStartMs !== undefined) set.slowStartMs = group.slowStartMs;
  if (group.srv !== undefined) set.srv = group.srv;
  return set;
}

/** `changeSlowStart` for a group, or a host when `at` names one. */
function slowStartCall(at: Record<string, string>, ms: number | null | undefined): PlannedCall {
  return call("changeSlowStart", { ...at, time: ms == null ? "default" : seconds(ms) });
}

function addHostCalls(service: string, group: string, host: HostConfig): PlannedCall[] {
  const params: Record<string, string> = { service, group, name: host.name, ip: host.address.spec };
  const weight = host.weight ?? DEFAULTS.weight;
  if (weight !== DEFAULTS.weight) params.weight = String(weight);
  if (host.slowStartMs !== undefined) params.slowstart = seconds(host.slowStartMs);
  const calls = [call("addHost", params)];
  if (host.maxconn !== undefined) {
    calls.push(
      call("changeMaxconn", { service, group, host: host.name, maxconn: String(host.maxconn) }),
    );
  }
  return calls;
}

/** Calls that create a group (or, for the enabled group of a new service, set it up). */
function groupCalls(service: string, group: GroupConfig, create: boolean): PlannedCall[] {
  const calls = create
    ? [call("newGroup", { service, group: group.name, scheduler: group.scheduler })]
    : [];
  calls.push(...groupSettingCalls(service, group.name, newGroupSettings(group)));
  for (const host of group.hosts) calls.push(...addHostCalls(service, group.name, host));
  return calls;
}

function serviceLimitsCall(service: string, idleMs?: number | null, maxconn?: number | null) {
  return call("changeService", {
    service,
    idleTimeout: idleMs == null ? "off" : seconds(idleMs),
    maxconn: maxconn == null ? "default" : String(maxconn),
  });
}

/** Calls that create `service` from nothing (its listeners first). */
function newServiceCalls(service: ServiceConfig): PlannedCall[] {
  const name = service.name;
  const enabled = service.groups.find((g) => g.name === service.enabledGroup)!;
  const calls = [call("newService", {
    service: name,
    listen: service.listen[0].spec,
    group: enabled.name,
    scheduler: enabled.scheduler,
  })];
  for (const listen of service.listen.slice(1)) {
    calls.push(
      call("addListen", {
        service: name,
        listen: listen.spec,
        ...(listen.acceptProxy ? { acceptProxy: "yes" } : {}),
      }),
    );
  }
  if (service.idleTimeoutMs !== undefined || service.maxconn !== undefined) {
    calls.push(serviceLimitsCall(name, service.idleTimeoutMs, service.maxconn));
  }
  calls.push(...groupCalls(name, enabled, false));
  for (const group of service.groups) {
    if (group !== enabled) calls.push(...groupCalls(name, group, true));
  }
  if (service.backupGroup) {
    calls.push(call("setBackup", { service: name, group: service.backupGroup }));
  }
  const bare: ServiceConfig = { name, listen: [], groups: [], enabledGroup: enabled.name };
  const policy = policyEdit(bare, service);
  if (policy?.op === "setPolicy") calls.push(...policyCalls(name, {}, policy.set));
  return calls;
}

/**
 * The admin calls that make one edit; `before` finds a service's config
 * before the plan (a policy list changes relative to it).
 */
export function editCalls(
  edit: Edit,
  before: (service: string) => ServiceConfig | undefined = () => undefined,
): PlannedCall[] {
  switch (edit.op) {
    case "setPolicy":
      return policyCalls(edit.service, before(edit.service) ?? {}, edit.set);
    case "addService":
      return newServiceCalls(edit.service);
    case "removeService":
      return [call("delService", { service: edit.service })];
    case "setService":
      return serviceSettingCalls(edit);
    case "addListen":
      return [call("addListen", {
        service: edit.service,
        listen: edit.listen.spec,
        ...(edit.listen.acceptProxy ? { acceptProxy: "yes" } : {}),
      })];
    case "removeListen":
      return [call("delListen", { service: edit.service, listen: edit.spec })];
    case "setListen":
      return [call("changeListen", {
        service: edit.service,
        listen: edit.spec,
        acceptProxy: edit.acceptProxy ? "yes" : "no",
      })];
    case "addGroup":
      return groupCalls(edit.service, edit.group, true);
    case "removeGroup":
      return [call("delGroup", { service: edit.service, group: edit.group })];
    case "setGroup":
      return groupSettingCalls(edit.service, edit.group, edit.set);
    case "addHost":
      return addHostCalls(edit.service, edit.group, edit.host);
    case "removeHost":
      return [call("delHost", { service: edit.service, group: edit.group, name: edit.host })];
    case "setHost":
      return hostSettingCalls(edit);
  }
}

/** The calls that change a service's limits, enabled group and backup. */
function serviceSettingCalls({ service, set }: Extract<Edit, { op: "setService" }>): PlannedCall[] {
  const calls: PlannedCall[] = [];
  if ("idleTimeoutMs" in set || "maxconn" in set) {
    calls.push(serviceLimitsCall(service, set.idleTimeoutMs, set.maxconn));
  }
  // The old backup goes before the enabled group changes, the new one after.
  if (set.backupGroup === null) calls.push(call("delBackup", { service }));
  if (set.enabledGroup !== undefined) {
    calls.push(call("enableGroup", { service, group: set.enabledGroup }));
  }
  if (typeof set.backupGroup === "string") {
    calls.push(call("setBackup", { service, group: set.backupGroup }));
  }
  return calls;
}

/** The calls that change a host's weight and maxconn. */
function hostSettingCalls(edit: Extract<Edit, { op: "setHost" }>): PlannedCall[] {
  const at = { service: edit.service, group: edit.group, host: edit.host };
  const calls: PlannedCall[] = [];
  if (edit.set.weight !== undefined) {
    calls.push(call("changeWeight", { ...at, weight: String(edit.set.weight) }));
  }
  if ("maxconn" in edit.set) {
    const maxconn = edit.set.maxconn == null ? "none" : String(edit.set.maxconn);
    calls.push(call("changeMaxconn", { ...at, maxconn }));
  }
  if ("slowStartMs" in edit.set) calls.push(slowStartCall(at, edit.set.slowStartMs));
  return calls;
}

/** The admin calls, in a safe order, that turn `from` into `to`; and what needs a restart. */
export function planCalls(from: DirectorConfig, to: DirectorConfig): {
  calls: PlannedCall[];
  restartNeeded: string[];
} {
  const plan = planChanges(from, to);
  const services = new Map(from.services.map((s) => [s.name, s]));
  const calls = plan.edits.flatMap((edit) => editCalls(edit, (name) => services.get(name)));
  const timeouts = plan.settings.timeouts;
  if (timeouts) {
    calls.push(call("changeTimeouts", {
      drain: timeouts.drainMs === undefined ? "off" : seconds(timeouts.drainMs),
      adminRequest: timeouts.adminRequestMs === undefined
        ? "default"
        : seconds(timeouts.adminRequestMs),
    }));
  }
  if (plan.settings.checktimeSeconds !== undefined) {
    calls.push(call("changeChecktime", { time: String(plan.settings.checktimeSeconds) }));
  }
  calls.push(...userCalls(from.admin?.users ?? [], to.admin?.users ?? []));
  return { calls, restartNeeded: plan.restartNeeded };
}

/** Users: new ones first, so demoting a full user never leaves none with full access. */
function userCalls(
  from: readonly { name: string; password: string; access: string }[],
  to: readonly { name: string; password: string; access: string }[],
): PlannedCall[] {
  const before = new Map(from.map((u) => [u.name, u]));
  const after = new Set(to.map((u) => u.name));
  const added: PlannedCall[] = [], changed: PlannedCall[] = [], removed: PlannedCall[] = [];
  for (const user of to) {
    const old = before.get(user.name);
    if (old && old.password === user.password && old.access === user.access) continue;
    const params = { name: user.name, password: user.password, access: user.access };
    (old ? changed : added).push(call(old ? "changeUser" : "addUser", params));
  }
  for (const user of from) {
    if (!after.has(user.name)) removed.push(call("delUser", { name: user.name }));
  }
  return [...added, ...changed, ...removed];
}
