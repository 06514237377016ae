/**
 * Director's entry point: `deno run -A src/main.ts`, `bun run src/main.ts`,
 * or the built `dist/director`, all with the same command line.
 *
 * @module
 */
import { Signals } from "./cli/signals.ts";
import { loadRuntime } from "./runtime/mod.ts";

async function main(): Promise<void> {
  const runtime = await loadRuntime();
  // Before anything else is loaded: a SIGHUP or SIGTERM while starting must not kill us.
  const signals = new Signals(runtime);
  const { parseCommandLine, USAGE, UsageError, VERSION } = await import("./cli/args.ts");
  const { fail, loadConfig, run } = await import("./cli/run.ts");
  const { summarizeConfig } = await import("./config/load.ts");
  let command;
  try {
    command = parseCommandLine(runtime.args());
  } catch (error) {
    if (error instanceof UsageError) fail(runtime, `${error.message}\n(see director --help)`, 2);
    throw error;
  }
  // Only the balancer itself drains; any other command stops at once on ^C.
  if (command.kind !== "run") {
    signals.ready({ stop: () => runtime.exit(130), reload() {}, reopen() {} });
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
      const { runHashPassword } = await import("./cli/hash_password.ts");
      await runHashPassword(runtime);
      return;
    }
    case "health": {
      const { runHealth } = await import("./cli/health.ts");
      return await runHealth(runtime, command);
    }
    case "diff": {
      const { runDiff } = await import("./cli/diff.ts");
      await runDiff(runtime, command);
      return;
    }
    case "run":
      await run(
        runtime,
        signals,
        command.config,
        command.demo,
        command.workers,
        command.replace,
      );
  }
}

await main();
