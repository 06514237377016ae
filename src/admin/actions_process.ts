/**
 * Admin change calls on the process as a whole: checktime, timeouts,
 * `save` and `closeLog` (`reload` lives with the table of every call, which
 * it applies).
 *
 * @module
 */
import { type Action, ActionError, need, secondsParam } from "./action_support.ts";
import { saveRunningConfig } from "./save.ts";

export const processActions: Record<string, Action> = {
  changeChecktime(ctx) {
    const ms = secondsParam(need(ctx.params, "time"), "time", 31_536_000);
    ctx.director.balancer.checktimeMs = ms;
    ctx.director.recovery.start(); // the probe interval follows checktime
    return `checktime is now ${ms / 1000} s`;
  },
  changeTimeouts(ctx) {
    const drain = ctx.params("drain"), request = ctx.params("adminRequest");
    if (drain === undefined && request === undefined) {
      throw new ActionError(400, 'missing parameter "drain" or "adminRequest"');
    }
    const timeouts = { ...ctx.director.timeouts };
    if (drain !== undefined) {
      timeouts.drainMs = drain === "off" ? undefined : secondsParam(drain, "drain", 604_800);
    }
    if (request !== undefined) {
      timeouts.adminRequestMs = request === "default"
        ? undefined
        : secondsParam(request, "adminRequest", 3600);
    }
    for (const key of ["drainMs", "adminRequestMs"] as const) {
      if (timeouts[key] === undefined) delete timeouts[key];
    }
    ctx.director.timeouts = timeouts;
    return `drain deadline ${
      timeouts.drainMs === undefined ? "off" : `${timeouts.drainMs / 1000} s`
    }, ` +
      `admin request timeout ${(timeouts.adminRequestMs ?? 10_000) / 1000} s`;
  },
  save(ctx) {
    return saveRunningConfig(ctx.director);
  },
  closeLog(ctx) {
    ctx.director.log.reopen();
    return ctx.director.log.file
      ? `re-opened log file ${ctx.director.log.file}`
      : "logging to stderr";
  },
};
