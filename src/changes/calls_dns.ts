/**
 * `changeSrv`: make a group's hosts the targets of an SRV record (the DNS
 * refresh replaces them at its next lookup), or stop (the hosts found so
 * far stay, as if added by hand).
 *
 * @module
 */
import type { Group } from "../balancer/group.ts";
import { isSrvName } from "../config/parse_resolver.ts";
import { type ChangeCall, config } from "./context.ts";
import { ChangeError } from "./errors.ts";
import { serviceGroup } from "./lookup.ts";
import { need } from "./params.ts";

/** Refuse a hand-made host change in a group whose hosts come from DNS. */
export function refuseSrvGroup(group: Group, what: string): void {
  if (group.srv === undefined) return;
  throw new ChangeError(
    409,
    `cannot ${what} group "${group.name}": its hosts come from SRV ${group.srv} (changeSrv…&srv=off first)`,
  );
}

export const dnsCalls: Record<string, ChangeCall> = {
  changeSrv: config((ctx) => {
    const { service, group } = serviceGroup(ctx);
    const value = need(ctx.params, "srv").trim();
    if (value !== "off" && !isSrvName(value)) {
      throw new ChangeError(400, `srv must be _service._proto.name or "off", not "${value}"`);
    }
    const srv = value === "off" ? null : value;
    return {
      message: srv
        ? `group "${group.name}" takes its hosts from SRV ${srv}`
        : `group "${group.name}" keeps its hosts; they no longer follow SRV`,
      edits: [{ op: "setGroup", service: service.name, group: group.name, set: { srv } }],
    };
  }),
};
