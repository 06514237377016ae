/**
 * An SRV answer as host edits for the group that follows it: targets not
 * yet hosts are added (named `target:port`, looked up first so they never
 * start by name), hosts no longer listed are removed, and hosts whose SRV
 * weight changed are re-weighted. Hosts that stay are not touched, so
 * their state, history and counters carry on.
 *
 * @module
 */
import type { Edit } from "../balancer/edits.ts";
import type { Fields } from "../log.ts";
import type { Group } from "../balancer/group.ts";
import type { Service } from "../balancer/service.ts";
import { EndpointError, parseEndpoint } from "../config/endpoint.ts";
import type { HostConfig } from "../config/model.ts";
import { MAX_WEIGHT } from "../config/scheduling.ts";

export interface SrvTarget {
  weight: number;
  port: number;
  target: string;
}

/**
 * A host weight from an SRV weight (0 to 65535): the same number, at most
 * 1000; 0 ("no preference", RFC 2782) becomes the least weight there is,
 * so such a target is rarely picked next to weighted ones, and all-zero
 * targets share equally.
 */
export function srvWeight(weight: number): number {
  return weight <= 0 ? 0.001 : Math.min(MAX_WEIGHT, weight);
}

/** The host name (and `ip`) a target gets: `target:port`, without the root dot. */
export function srvHostName(target: SrvTarget): string {
  return `${target.target.replace(/\.$/, "")}:${target.port}`;
}

/** An edit, and the event to log once it is applied everywhere. */
export interface Step {
  edit: Edit;
  event?: { name: string; fields: Fields };
}

export interface SrvContext {
  /** The address of a new target's name, undefined if it has none now. */
  address(name: string): Promise<string | undefined>;
}

/**
 * The edits that make `group`'s hosts the `targets` (never empty). A
 * target that is not a usable `host:port` is left out; when all are, the
 * hosts stay as they are.
 */
export async function srvEdits(
  service: Service,
  group: Group,
  targets: SrvTarget[],
  ctx: SrvContext,
): Promise<Step[]> {
  const at = { service: service.name, group: group.name };
  const fields = { ...at, srv: group.srv };
  const adds: Step[] = [], changes: Step[] = [], removes: Step[] = [];
  const wanted = new Set<string>();
  for (const target of targets) {
    const name = srvHostName(target), weight = srvWeight(target.weight);
    let address;
    try {
      address = parseEndpoint(name);
    } catch (error) {
      if (!(error instanceof EndpointError)) throw error;
      continue;
    }
    if (wanted.has(name)) continue;
    wanted.add(name);
    const host = group.findHost(name);
    if (host) {
      if (host.weight !== weight) {
        changes.push({ edit: { op: "setHost", ...at, host: name, set: { weight } } });
      }
      continue;
    }
    const config: HostConfig = { name, address, ...(weight === 1 ? {} : { weight }) };
    const resolved = await ctx.address(address.hostname);
    if (resolved !== undefined) config.resolved = resolved;
    const event = { ...fields, host: name, address: resolved ?? "none" };
    adds.push({
      edit: { op: "addHost", ...at, host: config },
      event: { name: "dns_host_added", fields: event },
    });
  }
  if (wanted.size === 0) return [];
  for (const host of group.hosts) {
    if (wanted.has(host.name)) continue;
    removes.push({
      edit: { op: "removeHost", ...at, host: host.name },
      event: { name: "dns_host_removed", fields: { ...fields, host: host.name } },
    });
  }
  return [...adds, ...changes, ...removes];
}
