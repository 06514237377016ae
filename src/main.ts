/**
 * Director's entry point: `deno run -A src/main.ts`, `bun run src/main.ts`,
 * or the built `dist/director`, all with the same command line.
 *
 * @module
 */
import { parseCommandLine, USAGE, UsageError, VERSION } from "./cli/args.ts";
import { fail, loadConfig, run } from "./cli/run.ts";
import { summarizeConfig } from "./config/load.ts";
import { loadRuntime } from "./runtime/mod.ts";

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
      const { runHashPassword } = await import("./cli/hash_password.ts");
      await runHashPassword(runtime);
      return;
    }
    case "diff": {
      const { runDiff } = await import("./cli/diff.ts");
      await runDiff(runtime, command);
      return;
    }
    case "run":
      await run(runtime, command.config, command.demo, command.workers);
  }
}

await main();
