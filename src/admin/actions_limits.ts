/**
 * Admin change calls for per-host limits and health checks:
 * `changeMaxconn`, `changeQueueTimeout`, `setCheck`, `delCheck`.
 *
 * @module
 */
import type { CheckConfig } from "../config/model.ts";
import {
  type Action,
  ActionError,
  countParam,
  need,
  secondsParam,
  serviceGroup,
} from "./action_support.ts";

export const limitActions: Record<string, Action> = {
  changeMaxconn(ctx) {
    const { group } = serviceGroup(ctx);
    const name = need(ctx.params, "host");
    const host = group.findHost(name);
    if (!host) throw new ActionError(404, `group "${group.name}" has no host "${name}"`);
    const value = need(ctx.params, "maxconn");
    host.maxconn = value === "none" ? undefined : countParam(value, "maxconn", 10_000_000);
    // A higher limit may let queued clients through at once.
    group.slotFreed();
    return `host "${host.name}" maxconn ${host.maxconn ?? "none"}`;
  },

  changeQueueTimeout(ctx) {
    const { group } = serviceGroup(ctx);
    const value = need(ctx.params, "timeout");
    group.queueTimeoutMs = value === "default" ? undefined : secondsParam(value, "timeout", 3600);
    return `group "${group.name}" queues clients for at most ${
      (group.queueTimeoutMs ?? group.connectTimeoutMs) / 1000
    } s`;
  },

  setCheck(ctx) {
    const { group } = serviceGroup(ctx);
    const p = ctx.params;
    const check: CheckConfig = {
      intervalMs: p("interval") ? secondsParam(p("interval")!, "interval", 3600) : 2000,
      timeoutMs: p("timeout") ? secondsParam(p("timeout")!, "timeout", 3600) : 1000,
      rise: p("rise") ? countParam(p("rise")!, "rise", 100) : 2,
      fall: p("fall") ? countParam(p("fall")!, "fall", 100) : 3,
    };
    if (check.timeoutMs > check.intervalMs) {
      throw new ActionError(400, "timeout must not be longer than interval");
    }
    if (p("send")) check.send = p("send");
    if (p("expect")) check.expect = p("expect");
    group.check = check;
    return `group "${group.name}" is checked every ${check.intervalMs / 1000} s ` +
      `(timeout ${check.timeoutMs / 1000} s, rise ${check.rise}, fall ${check.fall})`;
  },

  delCheck(ctx) {
    const { group } = serviceGroup(ctx);
    if (!group.check) return `group "${group.name}" has no check`;
    group.check = undefined;
    return `group "${group.name}" is no longer checked: failed hosts return through recovery`;
  },
};
