/**
 * Change calls on groups: create and delete, enable, backup, scheduler,
 * timeouts, PROXY header, sticky time, queue timeout, health check.
 *
 * @module
 */
import type { GroupSettings } from "../balancer/edits.ts";
import type { CheckConfig } from "../config/model.ts";
import { DEFAULTS, LIMITS } from "../config/defaults.ts";
import { type CallContext, type Change, type ChangeCall, config } from "./context.ts";
import { ChangeError } from "./errors.ts";
import { findService, serviceGroup } from "./lookup.ts";
import { countParam, need, optional, scheduler, secondsParam } from "./params.ts";

/** A change of one group's settings. */
function setGroup(
  ctx: CallContext,
  set: GroupSettings,
  message: (group: string) => string,
): Change {
  const { service, group } = serviceGroup(ctx);
  return {
    message: message(group.name),
    edits: [{ op: "setGroup", service: service.name, group: group.name, set }],
  };
}

export const groupCalls: Record<string, ChangeCall> = {
  enableGroup: config((ctx) => {
    const { service, group } = serviceGroup(ctx);
    if (service.enabledGroup === group) {
      return { message: `group "${group.name}" is already enabled` };
    }
    if (service.backupGroup === group.name) {
      throw new ChangeError(409, `group "${group.name}" is the backup group; delBackup first`);
    }
    return {
      message: `enabled group "${group.name}" of service "${service.name}"`,
      edits: [{ op: "setService", service: service.name, set: { enabledGroup: group.name } }],
    };
  }),

  changeScheduler: config((ctx) => {
    const name = scheduler(need(ctx.params, "scheduler"));
    return setGroup(ctx, { scheduler: name }, (g) => `group "${g}" now uses scheduler "${name}"`);
  }),

  newGroup: config((ctx) => {
    const service = findService(ctx.target, need(ctx.params, "service"));
    const name = need(ctx.params, "group");
    const schedulerName = scheduler(optional(ctx.params, "scheduler") ?? "roundrobin");
    if (service.group(name)) {
      throw new ChangeError(409, `service "${service.name}" already has a group "${name}"`);
    }
    const group = {
      name,
      scheduler: schedulerName,
      connectTimeoutMs: DEFAULTS.connectTimeoutMs,
      hosts: [],
    };
    return {
      message: `added group "${name}" to service "${service.name}"`,
      edits: [{ op: "addGroup", service: service.name, group }],
    };
  }),

  delGroup: config((ctx) => {
    const { service, group } = serviceGroup(ctx);
    if (service.enabledGroup === group) {
      throw new ChangeError(409, `cannot delete group "${group.name}": it is the enabled group`);
    }
    if (service.backupGroup === group.name) {
      throw new ChangeError(409, `cannot delete group "${group.name}": it is the backup group`);
    }
    const route = service.policy.routes.routes.find((r) => r.group === group.name);
    if (route) {
      throw new ChangeError(
        409,
        `cannot delete group "${group.name}": the route for "${route.sni}" sends to it (delRoute first)`,
      );
    }
    return {
      message: `deleted group "${group.name}" of service "${service.name}"`,
      edits: [{ op: "removeGroup", service: service.name, group: group.name }],
    };
  }),

  setBackup: config((ctx) => {
    const { service, group } = serviceGroup(ctx);
    if (service.enabledGroup === group) {
      throw new ChangeError(
        409,
        `group "${group.name}" is the enabled group; a backup must be another`,
      );
    }
    return {
      message: `group "${group.name}" is the backup of service "${service.name}"`,
      edits: [{ op: "setService", service: service.name, set: { backupGroup: group.name } }],
    };
  }),

  delBackup: config((ctx) => {
    const service = findService(ctx.target, need(ctx.params, "service"));
    if (service.backupGroup === undefined) {
      return { message: `service "${service.name}" has no backup group` };
    }
    return {
      message: `service "${service.name}" has no backup group now`,
      edits: [{ op: "setService", service: service.name, set: { backupGroup: null } }],
    };
  }),

  changeConnectTimeout: config((ctx) => {
    const ms = secondsParam(need(ctx.params, "timeout"), "timeout", LIMITS.connectTimeoutS);
    return setGroup(
      ctx,
      { connectTimeoutMs: ms },
      (g) => `group "${g}" now gives connects ${ms / 1000} s`,
    );
  }),

  changeStickyTime: config((ctx) => {
    const ms = secondsParam(need(ctx.params, "time"), "time", LIMITS.stickyTimeS);
    return setGroup(
      ctx,
      { stickyTimeMs: ms },
      (g) => `group "${g}" now remembers sticky clients for ${ms / 1000} s`,
    );
  }),

  changeSendProxy: config((ctx) => {
    const version = need(ctx.params, "sendProxy");
    if (version !== "v1" && version !== "v2" && version !== "off") {
      throw new ChangeError(400, `sendProxy must be "v1", "v2" or "off", not "${version}"`);
    }
    const sendProxy = version === "off" ? null : version;
    return setGroup(
      ctx,
      { sendProxy },
      (g) =>
        `group "${g}" ${
          version === "off" ? "sends no PROXY header" : `sends PROXY ${version} headers`
        }`,
    );
  }),

  changeQueueTimeout: config((ctx) => {
    const { group } = serviceGroup(ctx);
    const value = need(ctx.params, "timeout");
    const ms = value === "default" ? null : secondsParam(value, "timeout", LIMITS.connectTimeoutS);
    const effective = ms ?? group.connectTimeoutMs;
    return setGroup(
      ctx,
      { queueTimeoutMs: ms },
      (g) => `group "${g}" queues clients for at most ${effective / 1000} s`,
    );
  }),

  setCheck: config((ctx) => {
    const p = ctx.params;
    const seconds = (name: string, fallback: number) => {
      const value = optional(p, name);
      return value === undefined ? fallback : secondsParam(value, name, LIMITS.connectTimeoutS);
    };
    const count = (name: string, fallback: number) => {
      const value = optional(p, name);
      return value === undefined ? fallback : countParam(value, name, LIMITS.checkCount);
    };
    const check: CheckConfig = {
      intervalMs: seconds("interval", DEFAULTS.check.intervalMs),
      timeoutMs: seconds("timeout", DEFAULTS.check.timeoutMs),
      rise: count("rise", DEFAULTS.check.rise),
      fall: count("fall", DEFAULTS.check.fall),
    };
    if (check.timeoutMs > check.intervalMs) {
      throw new ChangeError(400, "timeout must not be longer than interval");
    }
    const send = optional(p, "send"), expect = optional(p, "expect");
    if (send) check.send = send;
    if (expect) check.expect = expect;
    return setGroup(
      ctx,
      { check },
      (g) =>
        `group "${g}" is checked every ${check.intervalMs / 1000} s ` +
        `(timeout ${check.timeoutMs / 1000} s, rise ${check.rise}, fall ${check.fall})`,
    );
  }),

  delCheck: config((ctx) => {
    const { group } = serviceGroup(ctx);
    if (!group.check) return { message: `group "${group.name}" has no check` };
    return setGroup(
      ctx,
      { check: null },
      (g) => `group "${g}" is no longer checked: failed hosts return through recovery`,
    );
  }),
};
