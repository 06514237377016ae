/**
 * A change's edits applied to a configuration instead of the model: in a
 * cluster a change call does not touch the running state, it writes the
 * configuration the change leads to into etcd, and every node — this one
 * included — applies that revision (`cluster.ts`). The edits are the ones
 * the change layer validated against this node's state, so applying them
 * here cannot fail on a config that matches it. `sharedXmlAfter` makes
 * the document written, refusing a result the shared document cannot hold.
 *
 * @module
 */
import type { Edit } from "../balancer/edits.ts";
import type { Change, SharedSettings } from "../changes/context.ts";
import { ChangeError } from "../changes/errors.ts";
import { loadableRunningConfig } from "../changes/running_config.ts";
import type { DirectorConfig, GroupConfig, ServiceConfig } from "../config/model.ts";
import { sharedXml } from "./cluster_doc.ts";

/** Set `key` to `value`, or delete it for `null` (back to the default); `undefined` keeps it. */
function assign<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | null | undefined,
) {
  if (value === null) delete target[key];
  else if (value !== undefined) target[key] = value;
}

function serviceIn(config: DirectorConfig, name: string): ServiceConfig {
  const service = config.services.find((s) => s.name === name);
  if (!service) throw new Error(`Cannot apply an edit to the shared config: no service "${name}"`);
  return service;
}

function groupIn(config: DirectorConfig, service: string, name: string): GroupConfig {
  const group = serviceIn(config, service).groups.find((g) => g.name === name);
  if (!group) {
    throw new Error(
      `Cannot apply an edit to the shared config: no group "${name}" in "${service}"`,
    );
  }
  return group;
}

function applyOne(config: DirectorConfig, edit: Edit): void {
  if (applyToService(config, edit) || applyToGroup(config, edit) || applyToHost(config, edit)) {
    return;
  }
  throw new Error(`Cannot share edit "${edit.op}" through the cluster yet`);
}

/** A service's edits (the service, its settings, its listeners); false for any other. */
function applyToService(config: DirectorConfig, edit: Edit): boolean {
  switch (edit.op) {
    case "addService":
      config.services.push(structuredClone(edit.service));
      return true;
    case "removeService":
      config.services = config.services.filter((s) => s.name !== edit.service);
      return true;
    case "setService": {
      const service = serviceIn(config, edit.service);
      assign(service, "idleTimeoutMs", edit.set.idleTimeoutMs);
      assign(service, "maxconn", edit.set.maxconn);
      assign(service, "backupGroup", edit.set.backupGroup);
      assign(service, "enabledGroup", edit.set.enabledGroup);
      return true;
    }
    case "addListen":
      serviceIn(config, edit.service).listen.push({ ...edit.listen });
      return true;
    case "removeListen": {
      const service = serviceIn(config, edit.service);
      service.listen = service.listen.filter((l) => l.spec !== edit.spec);
      return true;
    }
    case "setListen": {
      const listen = serviceIn(config, edit.service).listen.find((l) => l.spec === edit.spec);
      if (listen) assign(listen, "acceptProxy", edit.acceptProxy ? true : null);
      return true;
    }
    default:
      return false;
  }
}

/** A group's edits (the group and its settings); false for any other. */
function applyToGroup(config: DirectorConfig, edit: Edit): boolean {
  switch (edit.op) {
    case "addGroup":
      serviceIn(config, edit.service).groups.push(structuredClone(edit.group));
      return true;
    case "removeGroup": {
      const service = serviceIn(config, edit.service);
      service.groups = service.groups.filter((g) => g.name !== edit.group);
      return true;
    }
    case "setGroup": {
      const group = groupIn(config, edit.service, edit.group);
      const set = edit.set;
      assign(group, "scheduler", set.scheduler);
      assign(group, "connectTimeoutMs", set.connectTimeoutMs);
      assign(group, "sendProxy", set.sendProxy);
      assign(group, "queueTimeoutMs", set.queueTimeoutMs);
      assign(group, "stickyTimeMs", set.stickyTimeMs);
      assign(group, "check", set.check === null ? null : structuredClone(set.check));
      return true;
    }
    default:
      return false;
  }
}

/** A host's edits; false for any other. */
function applyToHost(config: DirectorConfig, edit: Edit): boolean {
  switch (edit.op) {
    case "addHost":
      groupIn(config, edit.service, edit.group).hosts.push(structuredClone(edit.host));
      return true;
    case "removeHost": {
      const group = groupIn(config, edit.service, edit.group);
      group.hosts = group.hosts.filter((h) => h.name !== edit.host);
      return true;
    }
    case "setHost": {
      const host = groupIn(config, edit.service, edit.group).hosts.find((h) =>
        h.name === edit.host
      );
      if (!host) return true;
      // Weight 1 is the default and never stored (configs without weights round-trip).
      assign(host, "weight", edit.set.weight === 1 ? null : edit.set.weight);
      assign(host, "maxconn", edit.set.maxconn);
      return true;
    }
    default:
      return false;
  }
}

/** The configuration `config` becomes with `edits` and `settings` applied (a new object). */
export function applyToConfig(
  config: DirectorConfig,
  edits: readonly Edit[],
  settings: Partial<SharedSettings> = {},
): DirectorConfig {
  const next = structuredClone(config);
  for (const edit of edits) applyOne(next, edit);
  if (settings.checktimeSeconds !== undefined) next.checktimeSeconds = settings.checktimeSeconds;
  if (settings.timeouts) {
    if (Object.keys(settings.timeouts).length > 0) next.timeouts = { ...settings.timeouts };
    else delete next.timeouts;
  }
  return next;
}

/**
 * The shared document `running` becomes with `change`; a ChangeError (409)
 * when it could not hold the result (a service without hosts, say: locally
 * such a state is kept until saved, but the shared document must load on
 * every node).
 */
export function sharedXmlAfter(running: DirectorConfig, change: Change): string {
  const next = applyToConfig(running, change.edits ?? [], change.settings);
  const { omitted } = loadableRunningConfig(next);
  if (omitted.length > 0) {
    throw new ChangeError(
      409,
      `Cannot change the cluster configuration: the shared document cannot hold ${
        omitted.join(", ")
      }; write the service with its hosts to etcd instead`,
    );
  }
  return sharedXml(next);
}
