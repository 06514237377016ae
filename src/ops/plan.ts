/**
 * The admin calls that turn one configuration into another.
 *
 * This is pythondirector's planned `compareconf`, and the engine of reload:
 * `director diff` prints the plan as curl commands, and a reload applies it
 * to the running state, so only what differs changes and everything else —
 * counters, bad hosts, connections — carries on.
 *
 * Order matters so that no step is refused half-way: listeners are bound
 * first (a busy port fails before anything else changed), then things are
 * added, then the enabled group switches, and only then are things removed
 * (never the last host of the enabled group, never the enabled group).
 *
 * @module
 */
import type {
  AdminUser,
  DirectorConfig,
  GroupConfig,
  HostConfig,
  ServiceConfig,
} from "../config/model.ts";

/** One admin call: its URL name and parameters. */
export interface PlannedCall {
  action: string;
  params: Record<string, string>;
}

/** What a plan cannot do through admin calls (needs a restart). */
export interface PlanResult {
  calls: PlannedCall[];
  restartNeeded: string[];
}

const seconds = (ms: number) => String(ms / 1000);
const call = (action: string, params: Record<string, string>): PlannedCall => ({
  action,
  params,
});

function addGroupCalls(service: string, group: GroupConfig, isNew: boolean): PlannedCall[] {
  const calls: PlannedCall[] = [];
  if (isNew) {
    calls.push(call("newGroup", { service, group: group.name, scheduler: group.scheduler }));
  }
  if (group.connectTimeoutMs !== 5000) {
    calls.push(call("changeConnectTimeout", {
      service,
      group: group.name,
      timeout: seconds(group.connectTimeoutMs),
    }));
  }
  for (const host of group.hosts) calls.push(addHost(service, group.name, host));
  return calls;
}

function addHost(service: string, group: string, host: HostConfig): PlannedCall {
  return call("addHost", { service, group, name: host.name, ip: host.address.spec });
}

/** The changeService call that sets a service's idle timeout and maxconn. */
function serviceLimits(service: ServiceConfig): PlannedCall {
  return call("changeService", {
    service: service.name,
    idleTimeout: service.idleTimeoutMs === undefined ? "off" : seconds(service.idleTimeoutMs),
    maxconn: service.maxconn === undefined ? "default" : String(service.maxconn),
  });
}

/** Calls that create `service` from nothing (its listeners first). */
function newServiceCalls(service: ServiceConfig): PlannedCall[] {
  const enabled = service.groups.find((g) => g.name === service.enabledGroup)!;
  const calls = [call("newService", {
    service: service.name,
    listen: service.listen[0].spec,
    group: enabled.name,
    scheduler: enabled.scheduler,
  })];
  for (const listen of service.listen.slice(1)) {
    calls.push(call("addListen", { service: service.name, listen: listen.spec }));
  }
  if (service.idleTimeoutMs !== undefined || service.maxconn !== undefined) {
    calls.push(serviceLimits(service));
  }
  calls.push(...addGroupCalls(service.name, enabled, false));
  for (const group of service.groups) {
    if (group !== enabled) calls.push(...addGroupCalls(service.name, group, true));
  }
  return calls;
}

/** Calls that turn `from` into `to`, for a service present in both. */
function changeServiceCalls(from: ServiceConfig, to: ServiceConfig) {
  const s = to.name;
  const binds: PlannedCall[] = [], adds: PlannedCall[] = [], removes: PlannedCall[] = [];
  if (from.idleTimeoutMs !== to.idleTimeoutMs || from.maxconn !== to.maxconn) {
    adds.push(serviceLimits(to));
  }
  const fromListen = new Set(from.listen.map((l) => l.spec));
  const toListen = new Set(to.listen.map((l) => l.spec));
  for (const l of to.listen) {
    if (!fromListen.has(l.spec)) binds.push(call("addListen", { service: s, listen: l.spec }));
  }
  for (const l of from.listen) {
    if (!toListen.has(l.spec)) removes.push(call("delListen", { service: s, listen: l.spec }));
  }

  for (const group of to.groups) {
    const old = from.groups.find((g) => g.name === group.name);
    if (!old) {
      adds.push(...addGroupCalls(s, group, true));
      continue;
    }
    if (old.scheduler !== group.scheduler) {
      adds.push(
        call("changeScheduler", { service: s, group: group.name, scheduler: group.scheduler }),
      );
    }
    if (old.connectTimeoutMs !== group.connectTimeoutMs) {
      adds.push(call("changeConnectTimeout", {
        service: s,
        group: group.name,
        timeout: seconds(group.connectTimeoutMs),
      }));
    }
    const oldHosts = new Map(old.hosts.map((h) => [h.name, h]));
    const newHosts = new Map(group.hosts.map((h) => [h.name, h]));
    for (const host of group.hosts) {
      const before = oldHosts.get(host.name);
      if (before && before.address.spec === host.address.spec) continue;
      // A host whose address changed is replaced: removed first, then added.
      if (before) adds.push(call("delHost", { service: s, group: group.name, name: host.name }));
      adds.push(addHost(s, group.name, host));
    }
    for (const host of old.hosts) {
      if (!newHosts.has(host.name)) {
        removes.push(call("delHost", { service: s, group: group.name, name: host.name }));
      }
    }
  }
  if (from.enabledGroup !== to.enabledGroup) {
    adds.push(call("enableGroup", { service: s, group: to.enabledGroup }));
  }
  for (const group of from.groups) {
    if (!to.groups.some((g) => g.name === group.name)) {
      removes.push(call("delGroup", { service: s, group: group.name }));
    }
  }
  return { binds, adds, removes };
}

/** Users: new ones first, so demoting a full user never leaves none with full access. */
function userCalls(from: readonly AdminUser[], to: readonly AdminUser[]) {
  const added: PlannedCall[] = [], changed: PlannedCall[] = [], removes: PlannedCall[] = [];
  for (const user of to) {
    const old = from.find((u) => u.name === user.name);
    if (old && old.password === user.password && old.access === user.access) continue;
    const params = { name: user.name, password: user.password, access: user.access };
    (old ? changed : added).push(call(old ? "changeUser" : "addUser", params));
  }
  for (const user of from) {
    if (!to.some((u) => u.name === user.name)) removes.push(call("delUser", { name: user.name }));
  }
  return { adds: [...added, ...changed], removes };
}

/** The admin calls, in a safe order, that turn `from` into `to`. */
export function planChanges(from: DirectorConfig, to: DirectorConfig): PlanResult {
  const binds: PlannedCall[] = [], adds: PlannedCall[] = [], removes: PlannedCall[] = [];
  const restartNeeded: string[] = [];
  for (const service of to.services) {
    const old = from.services.find((s) => s.name === service.name);
    if (!old) {
      binds.push(...newServiceCalls(service));
      continue;
    }
    const change = changeServiceCalls(old, service);
    binds.push(...change.binds);
    adds.push(...change.adds);
    removes.push(...change.removes);
  }
  for (const service of from.services) {
    if (!to.services.some((s) => s.name === service.name)) {
      removes.push(call("delService", { service: service.name }));
    }
  }
  const [ft, tt] = [from.timeouts ?? {}, to.timeouts ?? {}];
  if (ft.drainMs !== tt.drainMs || ft.adminRequestMs !== tt.adminRequestMs) {
    adds.push(call("changeTimeouts", {
      drain: tt.drainMs === undefined ? "off" : seconds(tt.drainMs),
      adminRequest: tt.adminRequestMs === undefined ? "default" : seconds(tt.adminRequestMs),
    }));
  }
  if (from.checktimeSeconds !== to.checktimeSeconds) {
    adds.push(call("changeChecktime", { time: String(to.checktimeSeconds) }));
  }
  const users = userCalls(from.admin?.users ?? [], to.admin?.users ?? []);
  adds.push(...users.adds);
  removes.push(...users.removes);

  const fromAdmin = from.admin, toAdmin = to.admin;
  if (
    (fromAdmin === undefined) !== (toAdmin === undefined) ||
    (fromAdmin && toAdmin &&
      (fromAdmin.listen.spec !== toAdmin.listen.spec || fromAdmin.secure !== toAdmin.secure ||
        fromAdmin.cert !== toAdmin.cert || fromAdmin.key !== toAdmin.key))
  ) {
    restartNeeded.push("the admin server's address or TLS settings");
  }
  if (JSON.stringify(from.logging) !== JSON.stringify(to.logging)) {
    restartNeeded.push("the logging settings (a reload applies them)");
  }
  return { calls: [...binds, ...adds, ...removes], restartNeeded };
}
