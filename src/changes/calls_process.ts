/**
 * Change calls on the process as a whole: checktime and timeouts (shared
 * settings), and `save`, `reload`, `closeLog` (this node's own).
 *
 * @module
 */
import { DEFAULTS, LIMITS } from "../config/defaults.ts";
import type { TimeoutsConfig } from "../config/model.ts";
import { type ChangeCall, config, node } from "./context.ts";
import { ChangeError } from "./errors.ts";
import { need, secondsParam } from "./params.ts";

export const processCalls: Record<string, ChangeCall> = {
  changeChecktime: config((ctx) => {
    const ms = secondsParam(need(ctx.params, "time"), "time", LIMITS.checktimeS);
    return {
      message: `checktime is now ${ms / 1000} s`,
      settings: { checktimeSeconds: ms / 1000 },
    };
  }),

  changeTimeouts: config((ctx) => {
    const drain = ctx.params("drain"), request = ctx.params("adminRequest");
    if (drain === undefined && request === undefined) {
      throw new ChangeError(400, 'missing parameter "drain" or "adminRequest"');
    }
    const timeouts: TimeoutsConfig = { ...ctx.target.settings().timeouts };
    if (drain !== undefined) {
      timeouts.drainMs = drain === "off"
        ? undefined
        : secondsParam(drain, "drain", LIMITS.idleTimeoutS);
    }
    if (request !== undefined) {
      timeouts.adminRequestMs = request === "default"
        ? undefined
        : secondsParam(request, "adminRequest", LIMITS.connectTimeoutS);
    }
    for (const key of ["drainMs", "adminRequestMs"] as const) {
      if (timeouts[key] === undefined) delete timeouts[key];
    }
    return {
      message: `drain deadline ${
        timeouts.drainMs === undefined ? "off" : `${timeouts.drainMs / 1000} s`
      }, admin request timeout ${(timeouts.adminRequestMs ?? DEFAULTS.adminRequestMs) / 1000} s`,
      settings: { timeouts },
    };
  }),

  save: node(async (ctx) => ({ message: await ctx.target.save() })),
  reload: node(async (ctx) => ({ message: await ctx.target.reload() })),
  closeLog: node((ctx) => ({ message: ctx.target.reopenLogs() })),
  restartWorker: node(async (ctx) => {
    const index = Number(need(ctx.params, "worker"));
    if (!Number.isInteger(index) || index < 0) {
      throw new ChangeError(
        400,
        `worker must be a worker index (0, 1, …), not "${ctx.params("worker")}"`,
      );
    }
    return { message: await ctx.target.restartWorker(index) };
  }),
};
