/**
 * Reload: re-read the config file and apply only what changed.
 *
 * The new file is fully validated first; if it does not load, nothing
 * changes and the error (file, line, reason) is logged and returned. Then
 * the change plan (the same one `director diff` prints) is applied to the
 * running state through the admin calls, so unchanged hosts keep their
 * counters, bad state and admin-down flag, and no connection is cut:
 * removed listeners stop accepting and their connections finish.
 *
 * The plan binds new addresses first; if one cannot be bound, the
 * addresses bound by this reload are released again and nothing else has
 * changed. The file is the truth: run-time changes not saved to it are
 * undone by a reload (`/config-vs-running` shows them beforehand).
 *
 * @module
 */
import { type Action, ActionError } from "../admin/action_support.ts";
import { checkAdminUsers } from "../admin/server.ts";
import { loadConfigFile } from "../config/load.ts";
import type { Director } from "../director.ts";
import { errorMessage } from "../log.ts";
import { planChanges, type PlannedCall } from "./plan.ts";

/** Calls that only bind addresses: undone if a later bind of the same reload fails. */
const BIND_CALLS = new Set(["newService", "addListen"]);

function undo(director: Director, actions: Readonly<Record<string, Action>>, done: PlannedCall[]) {
  for (const step of done.reverse()) {
    const { service, listen } = step.params;
    const params = step.action === "newService" ? { service } : { service, listen };
    const action = actions[step.action === "newService" ? "delService" : "delListen"];
    try {
      void action({
        director,
        params: (key) => params[key as keyof typeof params],
        user: "reload",
      });
    } catch {
      // Best effort: the failure being reported matters more.
    }
  }
}

/** Reload the config file; returns a summary, or throws {@linkcode ActionError}. */
export async function reloadConfig(
  director: Director,
  actions: Readonly<Record<string, Action>>,
): Promise<string> {
  const path = director.configPath;
  const log = director.log;
  if (!path) {
    throw new ActionError(409, "cannot reload: Director was started without --config FILE");
  }
  let loaded;
  try {
    loaded = loadConfigFile(path);
    checkAdminUsers(loaded.config.admin, path);
  } catch (error) {
    director.reloads.failed++;
    log.error("reload_failed", { file: path, reason: errorMessage(error) });
    throw new ActionError(400, `reload refused, nothing changed: ${errorMessage(error)}`);
  }

  const plan = planChanges(director.runningConfig(), loaded.config);
  const applied: PlannedCall[] = [];
  for (const step of plan.calls) {
    try {
      await actions[step.action]({ director, params: (key) => step.params[key], user: "reload" });
      applied.push(step);
    } catch (error) {
      director.reloads.failed++;
      const what = `${step.action} ${JSON.stringify(step.params)}`;
      const binding = applied.every((s) => BIND_CALLS.has(s.action));
      if (binding) undo(director, actions, applied);
      log.error("reload_failed", { file: path, step: what, reason: errorMessage(error) });
      throw new ActionError(
        409,
        `reload stopped at ${what}: ${errorMessage(error)}; ` +
          (binding ? "nothing changed" : `the ${applied.length} step(s) before it were applied`),
      );
    }
  }
  try {
    director.setLogging(loaded.config.logging);
  } catch (error) {
    log.error("reload_logging_failed", { reason: errorMessage(error) });
  }
  const restart = plan.restartNeeded.filter((r) => !r.startsWith("the logging settings"));
  director.loaded = loaded;
  director.reloads.ok++;
  for (const warning of loaded.warnings) log.warn("config_warning", { message: warning.message });
  log.info("reloaded", {
    file: path,
    changes: plan.calls.length,
    restart_needed: restart.join("; ") || undefined,
  });
  const summary = `reloaded ${path}: ${plan.calls.length} change(s) applied`;
  return restart.length
    ? `${summary}; a restart is needed to change ${restart.join(" and ")}`
    : summary;
}
