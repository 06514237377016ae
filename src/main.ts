/**
 * Director's entry point: `deno run -A src/main.ts`, `bun run src/main.ts`,
 * or the built `dist/director`, all with the same command line.
 *
 * @module
 */
import { parseCommandLine, USAGE, UsageError, VERSION } from "./cli.ts";
import { loadConfigFile, loadDefaultConfig, summarizeConfig } from "./config/load.ts";
import { ConfigError, type LoadedConfig } from "./config/model.ts";
import { ACTIONS } from "./admin/actions.ts";
import { checkAdminUsers, startAdminServer } from "./admin/server.ts";
import { reloadConfig } from "./ops/reload.ts";
import { startDemoBackends } from "./demo.ts";
import { Director } from "./director.ts";
import { availableParallelism } from "node:os";
import { defaultMaxconn, raiseFdLimit } from "./limits.ts";
import { Supervisor } from "./workers/supervisor.ts";
import { errorMessage, Logger } from "./log.ts";
import { loadRuntime } from "./runtime/mod.ts";
import type { Runtime } from "./runtime/types.ts";

/** Print one line to stderr and exit: nothing half-started is left behind. */
function fail(runtime: Runtime, message: string, code = 1): never {
  console.error(message);
  return runtime.exit(code);
}

function loadConfig(runtime: Runtime, path: string | undefined): LoadedConfig {
  try {
    const loaded = path ? loadConfigFile(path) : loadDefaultConfig();
    checkAdminUsers(loaded.config.admin, loaded.source);
    return loaded;
  } catch (error) {
    if (error instanceof ConfigError) fail(runtime, error.message);
    throw error;
  }
}

/** How many worker processes: the command line, else the config, else 1; "auto" = cores. */
function workerCount(
  cli: number | "auto" | undefined,
  config: number | "auto" | undefined,
): number {
  const wanted = cli ?? config ?? 1;
  return wanted === "auto" ? Math.max(1, availableParallelism()) : wanted;
}

async function run(
  runtime: Runtime,
  configPath: string | undefined,
  demo: boolean,
  cliWorkers: number | "auto" | undefined,
) {
  const loaded = loadConfig(runtime, configPath);
  const workers = workerCount(cliWorkers, loaded.config.workers);
  let log: Logger;
  try {
    log = new Logger({ file: loaded.config.logging.file });
  } catch (error) {
    return fail(
      runtime,
      `Cannot open log file ${loaded.config.logging.file}: ${errorMessage(error)}`,
    );
  }
  for (const warning of loaded.warnings) log.warn("config_warning", { message: warning.message });

  const stopDemo = demo ? startDemoBackends(runtime, log) : undefined;
  const director = new Director({ runtime, log, loaded, configPath, supervisor: workers > 1 });
  let supervisor: Supervisor | undefined;
  const { limits, raised } = raiseFdLimit(runtime.pid());
  director.defaultMaxconn = defaultMaxconn(limits, runtime.acceptHoldsDescriptors);
  log.info("fd_limit", {
    soft: limits?.soft,
    hard: limits?.hard,
    raised,
    default_maxconn: director.defaultMaxconn,
  });
  try {
    director.start();
    if (workers > 1) {
      supervisor = new Supervisor(director, workers, runtime.selfCommand());
      await supervisor.start();
      const s = supervisor;
      director.workerInfo = () => ({ count: s.count, restarts: s.restarts, list: s.status() });
      log.info("workers_started", { workers });
    }
    const broadcast = supervisor &&
      ((action: string, params: Record<string, string>) =>
        action === "save" ? Promise.resolve(undefined) : supervisor!.broadcast(action, params));
    await startAdminServer(director, VERSION, { afterChange: broadcast });
  } catch (error) {
    director.stop();
    await supervisor?.stop(true);
    stopDemo?.();
    log.error("start_failed", { reason: errorMessage(error) });
    if (log.file) console.error(errorMessage(error));
    return runtime.exit(1);
  }
  log.info("started", {
    version: VERSION,
    runtime: `${runtime.name}-${runtime.version}`,
    pid: runtime.pid(),
    config: loaded.source,
  });
  installSignalHandlers(runtime, director, log, stopDemo, supervisor);
}

function installSignalHandlers(
  runtime: Runtime,
  director: Director,
  log: Logger,
  stopDemo: (() => void) | undefined,
  supervisor: Supervisor | undefined,
): void {
  const stop = (signal: string) => {
    if (director.draining) {
      log.warn("exit_now", { signal, open: director.openConnections });
      void (supervisor?.stop(true) ?? Promise.resolve()).then(() => runtime.exit(1));
      return;
    }
    const drained = Promise.all([director.drain(), supervisor?.stop()]);
    const deadline = director.timeouts.drainMs;
    if (deadline !== undefined) {
      setTimeout(() => {
        log.warn("drain_timeout", {
          signal,
          open: director.openConnections,
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
      log.info("draining", { signal, open: director.openConnections });
      await drained;
      stopDemo?.();
      log.info("stopped", { signal });
      log.close();
      runtime.exit(0);
    })();
  };
  runtime.onSignal("SIGTERM", () => stop("SIGTERM"));
  runtime.onSignal("SIGINT", () => stop("SIGINT"));
  runtime.onSignal("SIGUSR1", () => {
    log.reopen();
    supervisor?.signal("SIGUSR1");
  });
  runtime.onSignal("SIGHUP", () => {
    if (!director.configPath) {
      log.warn("reload_skipped", { reason: "started without --config FILE" });
      return;
    }
    // Success and failure are both logged by the reload itself; workers re-read the file too.
    reloadConfig(director, ACTIONS).then(
      () => supervisor?.broadcast("reload", {}),
      () => {},
    );
  });
}

async function main(): Promise<void> {
  const runtime = await loadRuntime();
  let command;
  try {
    command = parseCommandLine(runtime.args());
  } catch (error) {
    if (error instanceof UsageError) fail(runtime, `${error.message}\n(see director --help)`, 2);
    throw error;
  }
  switch (command.kind) {
    case "help":
      console.log(USAGE);
      return;
    case "version":
      console.log(`director ${VERSION} (${runtime.name} ${runtime.version})`);
      return;
    case "check": {
      const loaded = loadConfig(runtime, command.config);
      for (const warning of loaded.warnings) console.error(`warning: ${warning.message}`);
      console.log(summarizeConfig(loaded.config));
      console.log(`${loaded.source}: OK`);
      return;
    }
    case "hash-password": {
      const { runHashPassword } = await import("./hash_password_cli.ts");
      await runHashPassword(runtime);
      return;
    }
    case "diff": {
      const { runDiff } = await import("./ops/diff_cli.ts");
      await runDiff(runtime, command);
      return;
    }
    case "worker": {
      const { runWorker } = await import("./workers/worker.ts");
      await runWorker(runtime, command.index);
      return;
    }
    case "run":
      await run(runtime, command.config, command.demo, command.workers);
  }
}

await main();
