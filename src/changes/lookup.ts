/**
 * Finding what a call names: a service, a group, a host (by name, or by
 * address where the legacy call allows it), each a 404 when missing.
 *
 * @module
 */
import type { Group } from "../balancer/group.ts";
import type { HostState } from "../balancer/host_state.ts";
import type { Service } from "../balancer/service.ts";
import type { Endpoint } from "../config/model.ts";
import type { CallContext, ChangeTarget } from "./context.ts";
import { ChangeError } from "./errors.ts";
import { need } from "./params.ts";

export function findService(target: ChangeTarget, name: string): Service {
  const service = target.model.service(name);
  if (!service) throw new ChangeError(404, `no service "${name}"`);
  return service;
}

export function findGroup(service: Service, name: string): Group {
  const group = service.group(name);
  if (!group) throw new ChangeError(404, `service "${service.name}" has no group "${name}"`);
  return group;
}

/** The service and group named by the `service` and `group` parameters. */
export function serviceGroup(ctx: CallContext): { service: Service; group: Group } {
  const service = findService(ctx.target, need(ctx.params, "service"));
  return { service, group: findGroup(service, need(ctx.params, "group")) };
}

/** The host named by `host` or `name` (or, where `allowIp`, `ip`) in the group. */
export function findHost(ctx: CallContext, group: Group, allowIp: boolean): HostState {
  const byName = ctx.params("host") || ctx.params("name");
  if (byName) {
    const host = group.findHost(byName);
    if (!host) throw new ChangeError(404, `group "${group.name}" has no host "${byName}"`);
    return host;
  }
  if (allowIp && ctx.params("ip")) {
    const ip = ctx.params("ip")!;
    const host = group.findHostByAddress(ip);
    if (!host) throw new ChangeError(404, `group "${group.name}" has no host with ip "${ip}"`);
    return host;
  }
  throw new ChangeError(400, `missing parameter "host" or "name"${allowIp ? ' or "ip"' : ""}`);
}

/** Is `address` already a listen address of any service (or the admin)? Names the user. */
export function listenInUse(target: ChangeTarget, address: Endpoint): string | undefined {
  for (const service of target.model.services) {
    for (const listen of service.listen) {
      if (listen.hostname === address.hostname && listen.port === address.port) {
        return `service "${service.name}"`;
      }
    }
  }
  const admin = target.adminListen;
  if (admin && admin.hostname === address.hostname && admin.port === address.port) return "admin";
  return undefined;
}
