/**
 * Admin change calls on hosts: add, delete, retry, admin-down/up.
 *
 * @module
 */
import type { Group } from "../balancer/group.ts";
import type { HostState } from "../balancer/host_state.ts";
import {
  type Action,
  type ActionContext,
  ActionError,
  endpoint,
  need,
  serviceGroup,
} from "./action_support.ts";

/** The host named by `host` or `name` (or, for delHost, `ip`) in the group. */
function findHost(ctx: ActionContext, group: Group, allowIp: boolean): HostState {
  const byName = ctx.params("host") || ctx.params("name");
  if (byName) {
    const host = group.findHost(byName);
    if (!host) throw new ActionError(404, `group "${group.name}" has no host "${byName}"`);
    return host;
  }
  if (allowIp && ctx.params("ip")) {
    const ip = ctx.params("ip")!;
    const host = group.findHostByAddress(ip);
    if (!host) throw new ActionError(404, `group "${group.name}" has no host with ip "${ip}"`);
    return host;
  }
  throw new ActionError(400, `missing parameter "host" or "name"${allowIp ? ' or "ip"' : ""}`);
}

/** The first free `host.N` name, as the config gives unnamed hosts. */
function defaultHostName(group: Group): string {
  for (let i = group.hosts.length;; i++) {
    if (!group.findHost(`host.${i}`)) return `host.${i}`;
  }
}

export const hostActions: Record<string, Action> = {
  addHost(ctx) {
    const { group } = serviceGroup(ctx);
    const address = endpoint(need(ctx.params, "ip"), "ip");
    const name = ctx.params("name")?.trim() ? ctx.params("name")! : defaultHostName(group);
    if (group.findHost(name)) {
      throw new ActionError(409, `group "${group.name}" already has a host "${name}"`);
    }
    if (group.findHostByAddress(address.spec)) {
      throw new ActionError(409, `group "${group.name}" already has a host at ${address.spec}`);
    }
    group.addHost({ name, address });
    return `added host "${name}" (${address.spec}) to group "${group.name}"`;
  },

  delHost(ctx) {
    const { service, group } = serviceGroup(ctx);
    const host = findHost(ctx, group, true);
    if (service.enabledGroup === group && group.hosts.length === 1) {
      throw new ActionError(
        409,
        `cannot delete host "${host.name}": it is the last host of the enabled group`,
      );
    }
    group.removeHost(host);
    return `deleted host "${host.name}" from group "${group.name}"; its open connections continue`;
  },

  delAllHosts(ctx) {
    const { service, group } = serviceGroup(ctx);
    if (service.enabledGroup === group) {
      throw new ActionError(409, `cannot delete all hosts of group "${group.name}": it is enabled`);
    }
    const count = group.hosts.length;
    for (const host of [...group.hosts]) group.removeHost(host);
    return `deleted ${count} host(s) from group "${group.name}"`;
  },

  retryHost(ctx) {
    const { service, group } = serviceGroup(ctx);
    const host = findHost(ctx, group, false);
    if (!host.bad) throw new ActionError(409, `host "${host.name}" is not bad`);
    ctx.director.balancer.markUp({ service, group, host }, "admin_retry");
    return `host "${host.name}" is back in rotation`;
  },

  hostAdminDown(ctx) {
    const { service, group } = serviceGroup(ctx);
    const host = findHost(ctx, group, false);
    if (host.adminDown) return `host "${host.name}" is already admin-down`;
    ctx.director.balancer.setAdminDown({ service, group, host }, true, ctx.user);
    return `host "${host.name}" is admin-down: no new connections, open ones continue`;
  },

  hostAdminUp(ctx) {
    const { service, group } = serviceGroup(ctx);
    const host = findHost(ctx, group, false);
    if (!host.adminDown) return `host "${host.name}" is already admin-up`;
    ctx.director.balancer.setAdminDown({ service, group, host }, false, ctx.user);
    return `host "${host.name}" is admin-up again`;
  },
};
