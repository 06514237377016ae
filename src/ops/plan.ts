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
  ListenConfig,
  ServiceConfig,
} from "../config/model.ts";
import { DEFAULT_STICKY_TIME_MS, DEFAULT_WEIGHT } from "../config/scheduling.ts";

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
const stickyTime = (group: GroupConfig) => group.stickyTimeMs ?? DEFAULT_STICKY_TIME_MS;
const weightOf = (host: HostConfig) => host.weight ?? DEFAULT_WEIGHT;
const changeStickyTime = (service: string, group: GroupConfig) =>
  call("changeStickyTime", { service, group: group.name, time: seconds(stickyTime(group)) });
const call = (action: string, params: Record<string, string>): PlannedCall => ({
  action,
  params,
});

function addGroupCalls(service: string, group: GroupConfig, isNew: boolean): PlannedCall[] {
  const calls: PlannedCall[] = [];
  if (isNew) {
    calls.push(call("newGroup", { service, group: group.name, scheduler: group.scheduler }));
  }
  if (group.sendProxy) {
    calls.push(call("changeSendProxy", { service, group: group.name, sendProxy: group.sendProxy }));
  }
  if (group.connectTimeoutMs !== 5000) {
    calls.push(call("changeConnectTimeout", {
      service,
      group: group.name,
      timeout: seconds(group.connectTimeoutMs),
    }));
  }
  if (stickyTime(group) !== DEFAULT_STICKY_TIME_MS) calls.push(changeStickyTime(service, group));
  calls.push(...groupExtras(service, group, undefined));
  for (const host of group.hosts) calls.push(...addHost(service, group.name, host));
  return calls;
}

function addHost(service: string, group: string, host: HostConfig): PlannedCall[] {
  const params: Record<string, string> = { service, group, name: host.name, ip: host.address.spec };
  if (weightOf(host) !== DEFAULT_WEIGHT) params.weight = String(weightOf(host));
  const calls = [call("addHost", params)];
  if (host.maxconn !== undefined) {
    calls.push(
      call("changeMaxconn", { service, group, host: host.name, maxconn: String(host.maxconn) }),
    );
  }
  return calls;
}

/** The check and queue-timeout calls that turn group `from` (or a new one) into `to`. */
function groupExtras(
  service: string,
  to: GroupConfig,
  from: GroupConfig | undefined,
): PlannedCall[] {
  const calls: PlannedCall[] = [];
  const group = to.name;
  if (to.queueTimeoutMs !== from?.queueTimeoutMs) {
    const timeout = to.queueTimeoutMs === undefined ? "default" : seconds(to.queueTimeoutMs);
    if (from || to.queueTimeoutMs !== undefined) {
      calls.push(call("changeQueueTimeout", { service, group, timeout }));
    }
  }
  if (JSON.stringify(to.check) !== JSON.stringify(from?.check)) {
    if (!to.check) calls.push(call("delCheck", { service, group }));
    else {
      const c = to.check;
      const params: Record<string, string> = {
        service,
        group,
        interval: seconds(c.intervalMs),
        timeout: seconds(c.timeoutMs),
        rise: String(c.rise),
        fall: String(c.fall),
      };
      if (c.send !== undefined) params.send = c.send;
      if (c.expect !== undefined) params.expect = c.expect;
      calls.push(call("setCheck", params));
    }
  }
  return calls;
}

/** The changeService call that sets a service's idle timeout and maxconn. */
function serviceLimits(service: ServiceConfig): PlannedCall {
  return call("changeService", {
    service: service.name,
    idleTimeout: service.idleTimeoutMs === undefined ? "off" : seconds(service.idleTimeoutMs),
    maxconn: service.maxconn === undefined ? "default" : String(service.maxconn),
  });
}

function addListen(service: string, listen: ListenConfig): PlannedCall {
  const params: Record<string, string> = { service, listen: listen.spec };
  if (listen.acceptProxy) params.acceptProxy = "yes";
  return call("addListen", params);
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
  for (const listen of service.listen.slice(1)) calls.push(addListen(service.name, listen));
  if (service.idleTimeoutMs !== undefined || service.maxconn !== undefined) {
    calls.push(serviceLimits(service));
  }
  calls.push(...addGroupCalls(service.name, enabled, false));
  for (const group of service.groups) {
    if (group !== enabled) calls.push(...addGroupCalls(service.name, group, true));
  }
  if (service.backupGroup) {
    calls.push(call("setBackup", { service: service.name, group: service.backupGroup }));
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
  const key = (l: ListenConfig) => `${l.spec} ${l.acceptProxy ? "proxy" : ""}`;
  const fromListen = new Set(from.listen.map(key));
  const toSpecs = new Set(to.listen.map((l) => l.spec));
  const fromSpecs = new Set(from.listen.map((l) => l.spec));
  for (const l of from.listen) {
    if (!toSpecs.has(l.spec)) removes.push(call("delListen", { service: s, listen: l.spec }));
  }
  for (const l of to.listen) {
    if (fromListen.has(key(l))) continue;
    // Same address, other accept-proxy setting: changed in place, the socket stays bound.
    if (fromSpecs.has(l.spec)) {
      adds.push(
        call("changeListen", {
          service: s,
          listen: l.spec,
          acceptProxy: l.acceptProxy ? "yes" : "no",
        }),
      );
    } else binds.push(addListen(s, l));
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
    if (old.sendProxy !== group.sendProxy) {
      const sendProxy = group.sendProxy ?? "off";
      adds.push(call("changeSendProxy", { service: s, group: group.name, sendProxy }));
    }
    if (old.connectTimeoutMs !== group.connectTimeoutMs) {
      adds.push(call("changeConnectTimeout", {
        service: s,
        group: group.name,
        timeout: seconds(group.connectTimeoutMs),
      }));
    }
    if (stickyTime(old) !== stickyTime(group)) adds.push(changeStickyTime(s, group));
    adds.push(...groupExtras(s, group, old));
    const oldHosts = new Map(old.hosts.map((h) => [h.name, h]));
    const newHosts = new Map(group.hosts.map((h) => [h.name, h]));
    for (const host of group.hosts) {
      const before = oldHosts.get(host.name);
      if (before && before.address.spec === host.address.spec) {
        // Same host, new weight: re-weighted in place, its state and connections kept.
        if (weightOf(before) !== weightOf(host)) {
          const weight = String(weightOf(host));
          adds.push(
            call("changeWeight", { service: s, group: group.name, host: host.name, weight }),
          );
        }
        if (before.maxconn !== host.maxconn) {
          const maxconn = host.maxconn === undefined ? "none" : String(host.maxconn);
          adds.push(
            call("changeMaxconn", { service: s, group: group.name, host: host.name, maxconn }),
          );
        }
        continue;
      }
      // A host whose address changed is replaced: removed first, then added.
      if (before) adds.push(call("delHost", { service: s, group: group.name, name: host.name }));
      adds.push(...addHost(s, group.name, host));
    }
    for (const host of old.hosts) {
      if (!newHosts.has(host.name)) {
        removes.push(call("delHost", { service: s, group: group.name, name: host.name }));
      }
    }
  }
  // The backup is cleared before the enabled group switches (a backup cannot be enabled)…
  const backupChanges = from.backupGroup !== to.backupGroup;
  if (backupChanges && from.backupGroup !== undefined) adds.push(call("delBackup", { service: s }));
  if (from.enabledGroup !== to.enabledGroup) {
    adds.push(call("enableGroup", { service: s, group: to.enabledGroup }));
  }
  // …and set after it (nor can the enabled group be the backup).
  if (backupChanges && to.backupGroup !== undefined) {
    adds.push(call("setBackup", { service: s, group: to.backupGroup }));
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
  if (from.workers !== to.workers) restartNeeded.push("the number of worker processes");
  if (JSON.stringify(from.logging) !== JSON.stringify(to.logging)) {
    restartNeeded.push("the logging settings (a reload applies them)");
  }
  return { calls: [...binds, ...adds, ...removes], restartNeeded };
}
