/**
 * `deno task start`: the demo on a bare clone. deno.json says
 * `"nodeModulesDir": "manual"`, so Deno refuses to resolve an npm package
 * until `npm ci` has filled `node_modules`; this script imports nothing from
 * npm, installs the dependencies when they are missing (as `deno task test`
 * does), then runs `src/main.ts --demo` (extra arguments are passed on).
 *
 * Director runs as a child in its own process group, so a signal reaches it
 * exactly once, forwarded from here: a Ctrl-C sent to the terminal's whole
 * foreground group must not arrive twice (a second SIGINT means "exit at
 * once"). This script exits with the child's status.
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { ensureNpmDeps, ROOT } from "./build.ts";

/** What `src/cli/signals.ts` handles; the rest keep their default action. */
const FORWARDED = ["SIGTERM", "SIGINT", "SIGHUP", "SIGUSR1"] as const;

/** Exit status of a shell for a child killed by `signal` (128 + its number). */
const SIGNAL_STATUS: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGKILL: 137 };

function runDemo(args: string[]): Promise<number> {
  const child = spawn(process.execPath, ["run", "-A", `${ROOT}src/main.ts`, "--demo", ...args], {
    cwd: ROOT,
    stdio: "inherit",
    detached: true,
  });
  for (const signal of FORWARDED) {
    process.on(signal, () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // By PID: under Deno, ChildProcess.kill() makes "close" report the signal
      // instead of the status Director exits with after draining.
      try {
        process.kill(child.pid!, signal);
      } catch {
        // Already gone.
      }
    });
  }
  return new Promise((resolve) => {
    child.on("error", (error) => {
      console.error(`Cannot start the demo: ${error.message}`);
      resolve(1);
    });
    child.on("close", (code, signal) => {
      resolve(code ?? SIGNAL_STATUS[signal ?? ""] ?? 143);
    });
  });
}

if (import.meta.main) {
  if (!ensureNpmDeps()) process.exit(1);
  process.exit(await runDemo(process.argv.slice(2)));
}
