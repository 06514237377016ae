/**
 * `changeSlowStart`: set or clear the slow start of a group (for all its
 * hosts) or of one host (overriding its group's). See
 * `src/balancer/slowstart.ts` for what it does.
 *
 * @module
 */
import { parseSlowStart, SLOWSTART_EXPECTED } from "../config/scheduling.ts";
import { type ChangeCall, config } from "./context.ts";
import { ChangeError } from "./errors.ts";
import { findHost, serviceGroup } from "./lookup.ts";
import { need } from "./params.ts";

/** A `slowstart` parameter in ms (400 when it is not one), as `<… slowstart>` accepts it. */
export function slowStartParam(value: string): number {
  const ms = parseSlowStart(value.trim());
  if (ms === undefined) {
    throw new ChangeError(400, `malformed slowstart "${value}": ${SLOWSTART_EXPECTED}`);
  }
  return ms;
}

const describe = (ms: number | null) =>
  ms === null || ms === 0 ? "no slow start" : `slow start ${ms / 1000} s`;

export const slowStartCalls: Record<string, ChangeCall> = {
  /** `time=SECONDS` (0: none) or `time=default` (a host: its group's; a group: none). */
  changeSlowStart: config((ctx) => {
    const { service, group } = serviceGroup(ctx);
    const value = need(ctx.params, "time");
    const ms = value === "default" ? null : slowStartParam(value);
    if (ctx.params("host") || ctx.params("name")) {
      const host = findHost(ctx, group, false);
      const effective = ms ?? group.slowStartMs ?? null;
      return {
        message: `host "${host.name}" has ${describe(effective)}`,
        edits: [{
          op: "setHost",
          service: service.name,
          group: group.name,
          host: host.name,
          set: { slowStartMs: ms },
        }],
      };
    }
    return {
      message: `group "${group.name}" has ${describe(ms)}`,
      edits: [{
        op: "setGroup",
        service: service.name,
        group: group.name,
        set: { slowStartMs: ms },
      }],
    };
  }),
};
