/**
 * Change calls on services and their listen addresses.
 *
 * Binding a new address happens when the change is committed, before any
 * edit is applied: a busy port refuses the call (409) and changes nothing.
 *
 * @module
 */
import type { ServiceSettings } from "../balancer/edits.ts";
import type { ListenConfig, ServiceConfig } from "../config/model.ts";
import { DEFAULTS, LIMITS } from "../config/defaults.ts";
import { parseCount } from "../config/numbers.ts";
import { type ChangeCall, config } from "./context.ts";
import { ChangeError } from "./errors.ts";
import { clientLimitParams, describeClientLimits } from "./calls_policy.ts";
import { findService, listenInUse } from "./lookup.ts";
import { endpoint, need, optional, scheduler, secondsParam, yesNo } from "./params.ts";

export const serviceCalls: Record<string, ChangeCall> = {
  newService: config((ctx) => {
    const name = need(ctx.params, "service");
    const listen = endpoint(need(ctx.params, "listen"), "listen address");
    const groupName = optional(ctx.params, "group") ?? "main";
    const schedulerName = scheduler(optional(ctx.params, "scheduler") ?? "roundrobin");
    if (ctx.target.model.service(name)) {
      throw new ChangeError(409, `a service "${name}" already exists`);
    }
    const user = listenInUse(ctx.target, listen);
    if (user) throw new ChangeError(409, `${listen.spec} is already used by ${user}`);
    const service: ServiceConfig = {
      name,
      listen: [listen],
      groups: [{
        name: groupName,
        scheduler: schedulerName,
        connectTimeoutMs: DEFAULTS.connectTimeoutMs,
        hosts: [],
      }],
      enabledGroup: groupName,
    };
    return {
      message:
        `added service "${name}" listening on ${listen.spec} (add hosts to group "${groupName}")`,
      edits: [{ op: "addService", service }],
    };
  }),

  delService: config((ctx) => {
    const service = findService(ctx.target, need(ctx.params, "service"));
    return {
      message: `deleted service "${service.name}"; its open connections finish normally`,
      edits: [{ op: "removeService", service: service.name }],
    };
  }),

  addListen: config((ctx) => {
    const service = findService(ctx.target, need(ctx.params, "service"));
    const listen: ListenConfig = endpoint(need(ctx.params, "listen"), "listen address");
    if (yesNo(ctx.params("acceptProxy") ?? "no", "acceptProxy")) listen.acceptProxy = true;
    const user = listenInUse(ctx.target, listen);
    if (user) throw new ChangeError(409, `${listen.spec} is already used by ${user}`);
    return {
      message: `service "${service.name}" now also listens on ${listen.spec}`,
      edits: [{ op: "addListen", service: service.name, listen }],
    };
  }),

  changeListen: config((ctx) => {
    const service = findService(ctx.target, need(ctx.params, "service"));
    const spec = need(ctx.params, "listen");
    if (!service.listen.some((l) => l.spec === spec)) {
      throw new ChangeError(404, `service "${service.name}" does not listen on "${spec}"`);
    }
    const acceptProxy = yesNo(need(ctx.params, "acceptProxy"), "acceptProxy");
    return {
      message: `${spec} ${acceptProxy ? "expects" : "does not expect"} a PROXY header from clients`,
      edits: [{ op: "setListen", service: service.name, spec, acceptProxy }],
    };
  }),

  delListen: config((ctx) => {
    const service = findService(ctx.target, need(ctx.params, "service"));
    const spec = need(ctx.params, "listen");
    if (!service.listen.some((l) => l.spec === spec)) {
      throw new ChangeError(404, `service "${service.name}" does not listen on "${spec}"`);
    }
    if (service.listen.length === 1) {
      throw new ChangeError(
        409,
        `cannot remove ${spec}: it is the last listen address (use delService)`,
      );
    }
    return {
      message:
        `service "${service.name}" stopped listening on ${spec}; its connections finish normally`,
      edits: [{ op: "removeListen", service: service.name, spec }],
    };
  }),

  changeService: config((ctx) => {
    const service = findService(ctx.target, need(ctx.params, "service"));
    const idle = ctx.params("idleTimeout"), maxconn = ctx.params("maxconn");
    const policy = clientLimitParams(ctx.params);
    if (idle === undefined && maxconn === undefined && !policy) {
      throw new ChangeError(
        400,
        'missing parameter "idleTimeout", "maxconn", "clientMaxconn", "clientRate" or "sniTimeout"',
      );
    }
    const set: ServiceSettings = {};
    if (idle !== undefined) {
      set.idleTimeoutMs = idle === "off"
        ? null
        : secondsParam(idle, "idleTimeout", LIMITS.idleTimeoutS);
    }
    if (maxconn !== undefined) {
      const limit = maxconn === "default" ? null : parseCount(maxconn, LIMITS.maxconn);
      if (limit === undefined) {
        throw new ChangeError(
          400,
          `maxconn must be a whole number from 1 to ${LIMITS.maxconn} or "default", not "${maxconn}"`,
        );
      }
      set.maxconn = limit;
    }
    const idleMs = "idleTimeoutMs" in set ? set.idleTimeoutMs : service.idleTimeoutMs;
    const limit = "maxconn" in set ? set.maxconn : service.maxconn;
    return {
      message: `service "${service.name}": idle timeout ${
        idleMs === undefined || idleMs === null ? "off" : `${idleMs / 1000} s`
      }, maxconn ${limit ?? `default (${ctx.target.defaultMaxconn})`}${
        policy ? `, ${describeClientLimits(service, policy)}` : ""
      }`,
      edits: [
        ...(Object.keys(set).length > 0
          ? [{ op: "setService" as const, service: service.name, set }]
          : []),
        ...(policy ? [{ op: "setPolicy" as const, service: service.name, set: policy }] : []),
      ],
    };
  }),
};
