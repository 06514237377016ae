/**
 * Reload: re-read the config file and apply only what changed.
 *
 * The new file is fully validated and the change planned first — off the
 * data plane's event loop (see `control/load_worker.ts`), so relayed
 * connections do not stall while a large file is parsed and compared with
 * the running config; if it does not load, nothing changes and the
 * error (file, line, reason) is logged and returned. Then the plan (the
 * same one `director diff` prints) is committed as one change: new
 * addresses are bound first — if one cannot be bound, the ones bound for
 * this reload are released and nothing has changed — then every edit is
 * applied at once, in every thread. Unchanged hosts keep their counters,
 * bad state and admin-down flag, and no connection is cut: removed
 * listeners stop accepting and their connections finish.
 *
 * The file is the truth: run-time changes not saved to it are undone by a
 * reload (`/config-vs-running` shows them beforehand).
 *
 * @module
 */
import type { LoadedSettings } from "../config/model.ts";
import { errorMessage, type Logger } from "../log.ts";
import { ChangeError } from "./errors.ts";
import type { Plan } from "./plan.ts";

/** What a reload needs from the running process. */
export interface Reloadable {
  readonly log: Logger;
  /** The file to re-read; undefined when started from the embedded config. */
  readonly configPath: string | undefined;
  /**
   * Read, parse and validate the file and plan the change from the running
   * config to it (throws `ConfigError`); the file comes without its services.
   */
  loadPlanned(path: string): Promise<{ loaded: LoadedSettings; plan: Plan }>;
  /** Commit the plan everywhere at once (throws ChangeError when a bind fails: nothing changed). */
  applyReload(plan: Plan, loaded: LoadedSettings): Promise<void>;
  /** Count the reload's outcome (metrics). */
  countReload(ok: boolean): void;
}

/** Reload the config file; returns a summary, or throws {@linkcode ChangeError}. */
export async function reloadConfig(process: Reloadable): Promise<string> {
  const path = process.configPath;
  const log = process.log;
  if (!path) {
    throw new ChangeError(409, "cannot reload: Director was started without --config FILE");
  }
  let loaded, plan;
  try {
    ({ loaded, plan } = await process.loadPlanned(path));
  } catch (error) {
    process.countReload(false);
    log.error("reload_failed", { file: path, reason: errorMessage(error) });
    throw new ChangeError(400, `reload refused, nothing changed: ${errorMessage(error)}`);
  }
  try {
    await process.applyReload(plan, loaded);
  } catch (error) {
    process.countReload(false);
    log.error("reload_failed", { file: path, reason: errorMessage(error) });
    throw new ChangeError(409, `reload refused, nothing changed: ${errorMessage(error)}`);
  }
  process.countReload(true);
  for (const warning of loaded.warnings) log.warn("config_warning", { message: warning.message });
  const changes = plan.edits.length + Object.keys(plan.settings).length + (plan.users ? 1 : 0);
  const restart = plan.restartNeeded;
  log.info("reloaded", {
    file: path,
    changes,
    restart_needed: restart.join("; ") || undefined,
  });
  const summary = `reloaded ${path}: ${changes} change(s) applied`;
  return restart.length
    ? `${summary}; a restart is needed to change ${restart.join(" and ")}`
    : summary;
}
