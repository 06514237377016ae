/**
 * `director [--config FILE] [--workers N]`: run the balancer.
 *
 * The process is composed from parts, by the number of workers:
 *
 * - one worker (the default): the control plane and one data plane in this
 *   thread, over one model ({@linkcode LocalPlanes});
 * - N workers: the control plane here, N data planes in worker threads
 *   sharing the arena ({@linkcode ThreadPool}); this thread binds no data
 *   port.
 *
 * Either way the admin server, recovery and health checks run once, here.
 * Starting is all or nothing: a port that cannot be bound stops the start
 * with one clear line, and nothing is left listening.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { type AdminServer, startAdminServer } from "../admin/server.ts";
import { Balancer } from "../balancer/balancer.ts";
import { loadConfigFile, loadDefaultConfig } from "../config/load.ts";
import { ConfigError, type LoadedConfig } from "../config/model.ts";
import { ClusterNode } from "../control/cluster.ts";
import { Controller } from "../control/controller.ts";
import type { DataPlanes } from "../control/planes.ts";
import { standalone } from "../control/standalone.ts";
import { errorMessage, Logger } from "../log.ts";
import type { Runtime } from "../runtime/types.ts";
import { Arena } from "../state/arena.ts";
import { ThreadPool } from "../workers/pool.ts";
import { VERSION } from "./args.ts";
import { startDemoBackends } from "./demo.ts";
import { defaultMaxconn, raiseFdLimit } from "./fd_limits.ts";
import { checkReplaceable, enableRequestMigration, retireOld } from "./replace.ts";
import type { Signals } from "./signals.ts";

/** How long a replacing Director waits for the old one to let go of an HTTPS admin port. */
const REPLACE_ADMIN_WAIT_MS = 30_000;

/** Print one line to stderr and exit: nothing half-started is left behind. */
export function fail(runtime: Runtime, message: string, code = 1): never {
  console.error(message);
  return runtime.exit(code);
}

/** Load the config (a file, or the embedded one); a bad one is one line and exit 1. */
export function loadConfig(runtime: Runtime, path: string | undefined): LoadedConfig {
  try {
    return path ? loadConfigFile(path) : loadDefaultConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(runtime, error.message);
    throw error;
  }
}

/** How many workers: the command line, else the config, else 1; "auto" = cores. */
function workerCount(cli: number | "auto" | undefined, config: number | "auto" | undefined) {
  const wanted = cli ?? config ?? 1;
  return wanted === "auto" ? Math.max(1, availableParallelism()) : wanted;
}

interface Parts {
  controller: Controller;
  planes: DataPlanes;
}

/** Build the parts for `workers` and start the data planes (throws if a port is busy). */
async function compose(
  runtime: Runtime,
  log: Logger,
  loaded: LoadedConfig,
  configPath: string | undefined,
  workers: number,
  maxconn: number,
): Promise<Parts> {
  const config = loaded.config;
  const base = { runtime, log, loaded, configPath, defaultMaxconn: maxconn };
  if (workers === 1) {
    const { controller, plane } = standalone(base);
    plane.start();
    return { controller, planes: controller.planes };
  }
  // Worker threads 0..N-1; the main thread counts in its own row N.
  const arena = Arena.create(workers + 1, true);
  const model = new Balancer(config, log, { arena, worker: workers });
  let controller: Controller | undefined = undefined;
  const pool = new ThreadPool({
    runtime,
    log,
    model,
    count: workers,
    defaultMaxconn: maxconn,
    runningConfig: () => controller!.runningConfig(),
  });
  controller = new Controller({ ...base, model, planes: pool });
  await pool.start();
  log.info("workers_started", { workers });
  return { controller, planes: pool };
}

export async function run(
  runtime: Runtime,
  signals: Signals,
  configPath: string | undefined,
  demo: boolean,
  cliWorkers: number | "auto" | undefined,
  replace?: number,
): Promise<void> {
  if (replace !== undefined) refuseUnreplaceable(runtime, replace);
  let loaded = loadConfig(runtime, configPath);
  let log: Logger;
  try {
    log = new Logger({ file: loaded.config.logging.file });
  } catch (error) {
    return fail(
      runtime,
      `Cannot open log file ${loaded.config.logging.file}: ${errorMessage(error)}`,
    );
  }
  signals.useLog(log);
  const joined = await joinCluster(runtime, log, loaded);
  const cluster = joined?.node;
  if (joined) loaded = joined.loaded;
  for (const warning of loaded.warnings) log.warn("config_warning", { message: warning.message });
  const workers = workerCount(cliWorkers, loaded.config.workers);
  const stopDemo = demo ? startDemoBackends(runtime, log) : undefined;
  if (replace !== undefined) enableRequestMigration(log);
  const { limits, raised } = raiseFdLimit(runtime.pid());
  const maxconn = defaultMaxconn(limits, runtime.acceptHoldsDescriptors);
  log.info("fd_limit", {
    soft: limits?.soft,
    hard: limits?.hard,
    raised,
    default_maxconn: maxconn,
  });

  let parts: Parts | undefined;
  let admin: AdminServer | undefined;
  let retired = false;
  try {
    parts = await compose(runtime, log, loaded, configPath, workers, maxconn);
    parts.controller.start();
    if (cluster) parts.controller.joinCluster(cluster);
    // An HTTPS admin port (no SO_REUSEPORT) is free only once the old process
    // drains, so that one is told first and the port retried until it lets go.
    if (replace !== undefined && parts.controller.admin?.secure) retired = retireOld(replace, log);
    admin = await startAdminServer(parts.controller, VERSION, replace ? REPLACE_ADMIN_WAIT_MS : 0);
  } catch (error) {
    parts?.controller.stop();
    await parts?.planes.close();
    stopDemo?.();
    log.error("start_failed", { reason: errorMessage(error) });
    if (log.file) console.error(errorMessage(error));
    return runtime.exit(1);
  }
  log.info("started", {
    version: VERSION,
    runtime: `${runtime.name}-${runtime.version}`,
    pid: runtime.pid(),
    workers,
    config: loaded.source,
  });
  parts.controller.markReady();
  if (replace !== undefined && !retired) retireOld(replace, log);
  signals.ready(lifecycle(runtime, parts.controller, log, stopDemo, () => admin?.close()));
}

/** `--replace PID` with a PID that cannot be replaced: one line, exit 1, before binding anything. */
function refuseUnreplaceable(runtime: Runtime, pid: number): void {
  try {
    checkReplaceable(pid, runtime.pid());
  } catch (error) {
    fail(runtime, errorMessage(error));
  }
}

/** With `<cluster>`: the node and the configuration to start with, from etcd (exit 1 if none). */
async function joinCluster(runtime: Runtime, log: Logger, local: LoadedConfig) {
  if (!local.config.cluster) return undefined;
  try {
    return await ClusterNode.join(local, log, VERSION);
  } catch (error) {
    log.error("start_failed", { reason: errorMessage(error) });
    return fail(runtime, errorMessage(error));
  }
}

/** What the signals do once running (see `signals.ts`). */
function lifecycle(
  runtime: Runtime,
  controller: Controller,
  log: Logger,
  stopDemo: (() => void) | undefined,
  closeAdmin: () => void,
) {
  let draining = false;
  return {
    stop(signal: string) {
      if (draining) {
        log.warn("exit_now", { signal, open: controller.openConnections });
        return runtime.exit(1);
      }
      draining = true;
      const drained = controller.drain();
      // The admin port refuses too, like every port: a replacement (or the
      // other node, for keepalived) answers from now on.
      closeAdmin();
      const deadline = controller.timeouts.drainMs;
      if (deadline !== undefined) {
        setTimeout(() => {
          log.warn("drain_timeout", {
            signal,
            open: controller.openConnections,
            after_s: deadline / 1000,
          });
          log.close();
          runtime.exit(0);
        }, deadline);
      }
      void (async () => {
        // Logged a macrotask later: the runtime releases a closed listener's
        // socket once its pending accept is cancelled, so by now the ports refuse.
        await new Promise((resolve) => setTimeout(resolve, 0));
        log.info("draining", { signal, open: controller.openConnections });
        await drained;
        stopDemo?.();
        log.info("stopped", { signal });
        log.close();
        runtime.exit(0);
      })();
    },
    reload() {
      if (!controller.configPath) {
        log.warn("reload_skipped", { reason: "started without --config FILE" });
        return;
      }
      // Success and failure are both logged by the reload itself.
      controller.reload().catch(() => {});
    },
    reopen() {
      controller.reopenLogs();
    },
  };
}
