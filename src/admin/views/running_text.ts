/**
 * `/running.txt`: the running state in pythondirector's line format, one
 * record per line, produced a service at a time (a generator the route
 * streams), straight from the model:
 *
 * ```
 * service NAME LISTEN ENABLED-GROUP     (one line per listen address)
 * group NAME enabled|inactive
 * host NAME IP OPEN -                   (a host taking connections)
 * disabled NAME IP REASON -             (a bad or admin-down host)
 * backup GROUP active|standby           (Director only: the backup group)
 * acl …, route …, client-limits …, refused …   (Director only: see `policy.ts`)
 * ```
 *
 * A `host` or `disabled` record may go on after its `-` (Director only):
 * `address IP:PORT` for a host named by a DNS name (where it connects now),
 * `slowstart 40%` while the host ramps up after coming back; a `group`
 * record with `srv NAME` when its hosts come from an SRV record.
 *
 * The `backup` record is new; legacy parsers skip line kinds they do not
 * know. Names are written with white space and control characters
 * percent-encoded (`field`), so splitting a line on white space works.
 *
 * @module
 */
import type { Balancer } from "../../balancer/balancer.ts";
import type { Service } from "../../balancer/service.ts";
import { hostFactor } from "../../balancer/slowstart.ts";
import type { Arena } from "../../state/arena.ts";
import { policyRecords } from "./policy.ts";
import { field } from "./text.ts";

/** The records of one service. */
export function serviceRecords(service: Service, arena?: Arena, now = Date.now()): string {
  const lines: string[] = [];
  const enabled = service.enabledGroup;
  for (const listen of service.listen) {
    lines.push(`service ${field(service.name)} ${field(listen.spec)} ${field(enabled.name)}`);
  }
  if (service.backupGroup !== undefined) {
    lines.push(
      `backup ${field(service.backupGroup)} ${service.backupActive ? "active" : "standby"}`,
    );
  }
  if (arena) lines.push(...policyRecords(service, arena));
  for (const group of service.groups) {
    const srv = group.srv === undefined ? "" : ` srv ${field(group.srv)}`;
    lines.push(`group ${field(group.name)} ${group === enabled ? "enabled" : "inactive"}${srv}`);
    for (const host of group.hosts) {
      const name = field(host.name), ip = field(host.address.spec);
      const address = host.resolved === undefined ? "" : ` address ${field(host.target.spec)}`;
      if (host.available) {
        const factor = hostFactor(host, group.slowStartMs, now);
        const ramp = factor < 1 ? ` slowstart ${Math.round(factor * 100)}%` : "";
        lines.push(`host ${name} ${ip} ${host.open} -${address}${ramp}`);
        continue;
      }
      // The reason is free text: only line breaks would break the record.
      const reason = host.adminDown ? "admin-down" : host.badReason || "bad";
      lines.push(`disabled ${name} ${ip} ${reason.replace(/[\r\n]+/g, " ")} -${address}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** Every service's records, one service per piece. */
export function* runningText(model: Balancer): Generator<string> {
  for (const service of model.services) yield serviceRecords(service, model.arena, model.now());
}
