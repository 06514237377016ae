/**
 * Change calls on hosts: add, delete, retry, admin-down/up, weight, maxconn.
 *
 * @module
 */
import type { Group } from "../balancer/group.ts";
import { DEFAULTS, LIMITS } from "../config/defaults.ts";
import { type ChangeCall, config, node } from "./context.ts";
import { ChangeError } from "./errors.ts";
import { refuseSrvGroup } from "./calls_dns.ts";
import { slowStartParam } from "./calls_slowstart.ts";
import { findHost, serviceGroup } from "./lookup.ts";
import { countParam, endpoint, need, optional, weightParam } from "./params.ts";

/** The first free `host.N` name, as the config gives unnamed hosts. */
function defaultHostName(group: Group): string {
  for (let i = group.hosts.length;; i++) {
    if (!group.findHost(`host.${i}`)) return `host.${i}`;
  }
}

export const hostCalls: Record<string, ChangeCall> = {
  addHost: config((ctx) => {
    const { service, group } = serviceGroup(ctx);
    refuseSrvGroup(group, "add a host to");
    const address = endpoint(need(ctx.params, "ip"), "ip");
    const name = optional(ctx.params, "name") ?? defaultHostName(group);
    const weightText = optional(ctx.params, "weight");
    const weight = weightText === undefined ? DEFAULTS.weight : weightParam(weightText);
    if (group.findHost(name)) {
      throw new ChangeError(409, `group "${group.name}" already has a host "${name}"`);
    }
    if (group.findHostByAddress(address.spec)) {
      throw new ChangeError(409, `group "${group.name}" already has a host at ${address.spec}`);
    }
    const slowText = optional(ctx.params, "slowstart");
    const host = {
      name,
      address,
      ...(weight === DEFAULTS.weight ? {} : { weight }),
      ...(slowText === undefined ? {} : { slowStartMs: slowStartParam(slowText) }),
    };
    const weighted = weight === DEFAULTS.weight ? "" : ` with weight ${weight}`;
    return {
      message: `added host "${name}" (${address.spec})${weighted} to group "${group.name}"`,
      edits: [{ op: "addHost", service: service.name, group: group.name, host }],
    };
  }),

  delHost: config((ctx) => {
    const { service, group } = serviceGroup(ctx);
    refuseSrvGroup(group, "delete a host of");
    const host = findHost(ctx, group, true);
    if (service.enabledGroup === group && group.hosts.length === 1) {
      throw new ChangeError(
        409,
        `cannot delete host "${host.name}": it is the last host of the enabled group`,
      );
    }
    return {
      message:
        `deleted host "${host.name}" from group "${group.name}"; its open connections continue`,
      edits: [{ op: "removeHost", service: service.name, group: group.name, host: host.name }],
    };
  }),

  delAllHosts: config((ctx) => {
    const { service, group } = serviceGroup(ctx);
    if (service.enabledGroup === group) {
      throw new ChangeError(409, `cannot delete all hosts of group "${group.name}": it is enabled`);
    }
    return {
      message: `deleted ${group.hosts.length} host(s) from group "${group.name}"`,
      edits: group.hosts.map((h) => ({
        op: "removeHost" as const,
        service: service.name,
        group: group.name,
        host: h.name,
      })),
    };
  }),

  changeWeight: config((ctx) => {
    const { service, group } = serviceGroup(ctx);
    const host = findHost(ctx, group, false);
    const weight = weightParam(need(ctx.params, "weight"));
    const was = host.weight;
    const edits = [{
      op: "setHost" as const,
      service: service.name,
      group: group.name,
      host: host.name,
      set: { weight },
    }];
    if (weight === 0) {
      return {
        message:
          `host "${host.name}" has weight 0 (was ${was}): no new connections, open ones continue`,
        edits,
      };
    }
    return { message: `host "${host.name}" has weight ${weight} (was ${was})`, edits };
  }),

  changeMaxconn: config((ctx) => {
    const { service, group } = serviceGroup(ctx);
    const name = need(ctx.params, "host");
    const host = group.findHost(name);
    if (!host) throw new ChangeError(404, `group "${group.name}" has no host "${name}"`);
    const value = need(ctx.params, "maxconn");
    const maxconn = value === "none" ? null : countParam(value, "maxconn", LIMITS.maxconn);
    return {
      message: `host "${host.name}" maxconn ${maxconn ?? "none"}`,
      edits: [{
        op: "setHost",
        service: service.name,
        group: group.name,
        host: host.name,
        set: { maxconn },
      }],
    };
  }),

  // Health and admin state are this node's own, in the shared state: no edit.
  retryHost: node((ctx) => {
    const { service, group } = serviceGroup(ctx);
    const host = findHost(ctx, group, false);
    if (!host.bad) throw new ChangeError(409, `host "${host.name}" is not bad`);
    ctx.target.model.markUp({ service, group, host }, "admin_retry");
    return { message: `host "${host.name}" is back in rotation` };
  }),

  hostAdminDown: node((ctx) => {
    const { service, group } = serviceGroup(ctx);
    const host = findHost(ctx, group, false);
    if (host.adminDown) return { message: `host "${host.name}" is already admin-down` };
    ctx.target.model.setAdminDown({ service, group, host }, true, ctx.user);
    return { message: `host "${host.name}" is admin-down: no new connections, open ones continue` };
  }),

  hostAdminUp: node((ctx) => {
    const { service, group } = serviceGroup(ctx);
    const host = findHost(ctx, group, false);
    if (!host.adminDown) return { message: `host "${host.name}" is already admin-up` };
    ctx.target.model.setAdminDown({ service, group, host }, false, ctx.user);
    return { message: `host "${host.name}" is admin-up again` };
  }),
};
