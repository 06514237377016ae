/**
 * Admin change calls on hosts: add, delete, retry, admin-down/up, weight.
 *
 * @module
 */
import type { Group } from "../balancer/group.ts";
import type { HostState } from "../balancer/host_state.ts";
import { DEFAULT_WEIGHT, parseWeight, WEIGHT_EXPECTED } from "../config/scheduling.ts";
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

/** The `weight` parameter, validated like `<host weight>` (400 when it is not a weight). */
function weightParam(value: string): number {
  const weight = parseWeight(value.trim());
  if (weight === undefined) {
    throw new ActionError(400, `malformed weight "${value}": ${WEIGHT_EXPECTED}`);
  }
  return weight;
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
    // Optional; an empty form field means the default, as for `name`.
    const weight = ctx.params("weight")?.trim()
      ? weightParam(ctx.params("weight")!)
      : DEFAULT_WEIGHT;
    if (group.findHost(name)) {
      throw new ActionError(409, `group "${group.name}" already has a host "${name}"`);
    }
    if (group.findHostByAddress(address.spec)) {
      throw new ActionError(409, `group "${group.name}" already has a host at ${address.spec}`);
    }
    group.addHost({ name, address, ...(weight === DEFAULT_WEIGHT ? {} : { weight }) });
    const weighted = weight === DEFAULT_WEIGHT ? "" : ` with weight ${weight}`;
    return `added host "${name}" (${address.spec})${weighted} to group "${group.name}"`;
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

  changeWeight(ctx) {
    const { group } = serviceGroup(ctx);
    const host = findHost(ctx, group, false);
    const weight = weightParam(need(ctx.params, "weight"));
    const was = host.weight;
    // The schedulers notice the new weight on their next pick (it changes
    // the candidate set), so nothing else needs telling.
    host.weight = weight;
    if (weight === 0) {
      return `host "${host.name}" has weight 0 (was ${was}): no new connections, open ones continue`;
    }
    return `host "${host.name}" has weight ${weight} (was ${was})`;
  },

  hostAdminUp(ctx) {
    const { service, group } = serviceGroup(ctx);
    const host = findHost(ctx, group, false);
    if (!host.adminDown) return `host "${host.name}" is already admin-up`;
    ctx.director.balancer.setAdminDown({ service, group, host }, false, ctx.user);
    return `host "${host.name}" is admin-up again`;
  },
};
