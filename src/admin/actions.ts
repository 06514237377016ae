/**
 * The admin change calls: pythondirector's, with its parameter names, plus
 * the ones it planned and never finished.
 *
 * Each action validates everything first and changes state only when it
 * will succeed, so a refused call changes nothing. Refusals carry the HTTP
 * status: 400 for missing or malformed parameters, 404 for names that do
 * not exist, 409 for what the current state forbids.
 *
 * @module
 */
import type { Endpoint, ListenConfig } from "../config/model.ts";
import { DEFAULTS } from "../config/model.ts";
import { MAX_STICKY_TIME_S } from "../config/scheduling.ts";
import type { Director } from "../director.ts";
import { Group } from "../balancer/group.ts";
import { Service } from "../balancer/service.ts";
import {
  type Action,
  ActionError,
  endpoint,
  findService,
  need,
  scheduler,
  secondsParam,
  serviceGroup,
} from "./action_support.ts";
import { hostActions } from "./actions_hosts.ts";
import { limitActions } from "./actions_limits.ts";
import { userActions } from "./actions_users.ts";
import { processActions } from "./actions_process.ts";
import { reloadConfig } from "../ops/reload.ts";

/** Is `spec` already a listen address of any service (or the admin)? */
function listenInUse(director: Director, address: Endpoint): string | undefined {
  for (const service of director.balancer.services) {
    for (const listen of service.listen) {
      if (listen.hostname === address.hostname && listen.port === address.port) {
        return `service "${service.name}"`;
      }
    }
  }
  const admin = director.admin?.listen;
  if (admin && admin.hostname === address.hostname && admin.port === address.port) return "admin";
  return undefined;
}

const serviceActions: Record<string, Action> = {
  enableGroup(ctx) {
    const { service, group } = serviceGroup(ctx);
    if (service.enabledGroup === group) return `group "${group.name}" is already enabled`;
    if (service.backupGroup === group.name) {
      throw new ActionError(409, `group "${group.name}" is the backup group; delBackup first`);
    }
    service.enableGroup(group.name);
    return `enabled group "${group.name}" of service "${service.name}"`;
  },

  changeScheduler(ctx) {
    const { group } = serviceGroup(ctx);
    const name = scheduler(need(ctx.params, "scheduler"));
    group.setScheduler(name);
    return `group "${group.name}" now uses scheduler "${name}"`;
  },

  newGroup(ctx) {
    const service = findService(ctx.director, need(ctx.params, "service"));
    const name = need(ctx.params, "group");
    const schedulerName = scheduler(ctx.params("scheduler") || "roundrobin");
    if (service.group(name)) {
      throw new ActionError(409, `service "${service.name}" already has a group "${name}"`);
    }
    service.addGroup(
      new Group({
        name,
        scheduler: schedulerName,
        connectTimeoutMs: DEFAULTS.connectTimeoutMs,
        hosts: [],
      }),
    );
    return `added group "${name}" to service "${service.name}"`;
  },

  delGroup(ctx) {
    const { service, group } = serviceGroup(ctx);
    if (service.enabledGroup === group) {
      throw new ActionError(409, `cannot delete group "${group.name}": it is the enabled group`);
    }
    if (service.backupGroup === group.name) {
      throw new ActionError(409, `cannot delete group "${group.name}": it is the backup group`);
    }
    service.removeGroup(group.name);
    return `deleted group "${group.name}" of service "${service.name}"`;
  },

  newService(ctx) {
    const name = need(ctx.params, "service");
    const listen = endpoint(need(ctx.params, "listen"), "listen address");
    const groupName = ctx.params("group") || "main";
    const schedulerName = scheduler(ctx.params("scheduler") || "roundrobin");
    const { director } = ctx;
    if (director.balancer.service(name)) {
      throw new ActionError(409, `a service "${name}" already exists`);
    }
    const user = listenInUse(director, listen);
    if (user) throw new ActionError(409, `${listen.spec} is already used by ${user}`);
    const service = new Service({
      name,
      listen: [listen],
      groups: [{
        name: groupName,
        scheduler: schedulerName,
        connectTimeoutMs: DEFAULTS.connectTimeoutMs,
        hosts: [],
      }],
      enabledGroup: groupName,
    });
    try {
      director.startService(service);
    } catch (error) {
      throw new ActionError(409, (error as Error).message);
    }
    director.balancer.addService(service);
    return `added service "${name}" listening on ${listen.spec} (add hosts to group "${groupName}")`;
  },

  addListen(ctx) {
    const service = findService(ctx.director, need(ctx.params, "service"));
    const listen: ListenConfig = endpoint(need(ctx.params, "listen"), "listen address");
    const acceptProxy = ctx.params("acceptProxy") ?? "no";
    if (acceptProxy !== "yes" && acceptProxy !== "no") {
      throw new ActionError(400, `acceptProxy must be "yes" or "no", not "${acceptProxy}"`);
    }
    if (acceptProxy === "yes") listen.acceptProxy = true;
    const user = listenInUse(ctx.director, listen);
    if (user) throw new ActionError(409, `${listen.spec} is already used by ${user}`);
    try {
      ctx.director.addListener(service, listen);
    } catch (error) {
      throw new ActionError(409, (error as Error).message);
    }
    service.listen.push(listen);
    return `service "${service.name}" now also listens on ${listen.spec}`;
  },

  changeListen(ctx) {
    const service = findService(ctx.director, need(ctx.params, "service"));
    const spec = need(ctx.params, "listen");
    const listen = service.listen.find((l) => l.spec === spec);
    if (!listen) {
      throw new ActionError(404, `service "${service.name}" does not listen on "${spec}"`);
    }
    const value = need(ctx.params, "acceptProxy");
    if (value !== "yes" && value !== "no") {
      throw new ActionError(400, `acceptProxy must be "yes" or "no", not "${value}"`);
    }
    // The listener reads this object for every new connection.
    if (value === "yes") listen.acceptProxy = true;
    else delete listen.acceptProxy;
    return `${spec} ${value === "yes" ? "expects" : "does not expect"} a PROXY header from clients`;
  },

  delListen(ctx) {
    const service = findService(ctx.director, need(ctx.params, "service"));
    const spec = need(ctx.params, "listen");
    if (!service.listen.some((l) => l.spec === spec)) {
      throw new ActionError(404, `service "${service.name}" does not listen on "${spec}"`);
    }
    if (service.listen.length === 1) {
      throw new ActionError(
        409,
        `cannot remove ${spec}: it is the last listen address (use delService)`,
      );
    }
    ctx.director.removeListener(service, spec);
    service.listen = service.listen.filter((l) => l.spec !== spec);
    return `service "${service.name}" stopped listening on ${spec}; its connections finish normally`;
  },

  changeConnectTimeout(ctx) {
    const { group } = serviceGroup(ctx);
    const ms = secondsParam(need(ctx.params, "timeout"), "timeout", 3600);
    group.connectTimeoutMs = ms;
    return `group "${group.name}" now gives connects ${ms / 1000} s`;
  },

  changeStickyTime(ctx) {
    const { group } = serviceGroup(ctx);
    const ms = secondsParam(need(ctx.params, "time"), "time", MAX_STICKY_TIME_S);
    group.stickyTimeMs = ms;
    return `group "${group.name}" now remembers sticky clients for ${ms / 1000} s`;
  },

  changeService(ctx) {
    const service = findService(ctx.director, need(ctx.params, "service"));
    const idle = ctx.params("idleTimeout"), maxconn = ctx.params("maxconn");
    if (idle === undefined && maxconn === undefined) {
      throw new ActionError(400, 'missing parameter "idleTimeout" or "maxconn"');
    }
    const idleMs = idle === undefined || idle === "off"
      ? undefined
      : secondsParam(idle, "idleTimeout", 604_800);
    let limit: number | undefined;
    if (maxconn !== undefined && maxconn !== "default") {
      limit = /^\d+$/.test(maxconn) ? Number(maxconn) : NaN;
      if (!(limit >= 1 && limit <= 10_000_000)) {
        throw new ActionError(
          400,
          `maxconn must be a whole number from 1 to 10000000 or "default", not "${maxconn}"`,
        );
      }
    }
    if (idle !== undefined) service.idleTimeoutMs = idleMs;
    if (maxconn !== undefined) service.maxconn = limit;
    return `service "${service.name}": idle timeout ${
      service.idleTimeoutMs === undefined ? "off" : `${service.idleTimeoutMs / 1000} s`
    }, maxconn ${service.maxconn ?? `default (${ctx.director.defaultMaxconn})`}`;
  },

  setBackup(ctx) {
    const { service, group } = serviceGroup(ctx);
    if (service.enabledGroup === group) {
      throw new ActionError(
        409,
        `group "${group.name}" is the enabled group; a backup must be another`,
      );
    }
    service.backupGroup = group.name;
    return `group "${group.name}" is the backup of service "${service.name}"`;
  },

  delBackup(ctx) {
    const service = findService(ctx.director, need(ctx.params, "service"));
    if (service.backupGroup === undefined) return `service "${service.name}" has no backup group`;
    service.backupGroup = undefined;
    service.backupActive = false;
    return `service "${service.name}" has no backup group now`;
  },

  changeSendProxy(ctx) {
    const { group } = serviceGroup(ctx);
    const version = need(ctx.params, "sendProxy");
    if (version !== "v1" && version !== "v2" && version !== "off") {
      throw new ActionError(400, `sendProxy must be "v1", "v2" or "off", not "${version}"`);
    }
    group.sendProxy = version === "off" ? undefined : version;
    return `group "${group.name}" ${
      version === "off" ? "sends no PROXY header" : `sends PROXY ${version} headers`
    }`;
  },

  delService(ctx) {
    const service = findService(ctx.director, need(ctx.params, "service"));
    ctx.director.stopService(service.name);
    ctx.director.balancer.removeService(service.name);
    return `deleted service "${service.name}"; its open connections finish normally`;
  },
};

export { ActionError };
export type { Action };

/** Every change call by its URL name. */
export const ACTIONS: Readonly<Record<string, Action>> = {
  ...hostActions,
  ...limitActions,
  ...serviceActions,
  ...userActions,
  ...processActions,
  reload(ctx) {
    return reloadConfig(ctx.director, ACTIONS);
  },
};
