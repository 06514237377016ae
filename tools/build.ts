/**
 * `deno task build`: compile Director into one self-contained executable,
 * `dist/director`, with the pinned Bun from `node_modules` (`bun build
 * --compile --minify`). It works offline: Bun uses its own executable as
 * the base, and the default config, `package.json` and the admin assets are
 * imported as text/JSON, so they are bundled in; nothing is read from the
 * repository at run time.
 *
 * The binary ignores `.env` and `bunfig.toml` in its working directory
 * (Bun would load them by default), so a file lying around in the
 * directory Director is started from cannot change how it behaves.
 *
 * Also a module: `tools/test.ts` imports {@linkcode ensureNpmDeps} and
 * {@linkcode build}.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import process from "node:process";

export const ROOT: string = new URL("..", import.meta.url).pathname;
export const BUN: string = `${ROOT}node_modules/.bin/bun`;
export const BINARY: string = `${ROOT}dist/director`;

function needsInstall(): boolean {
  const marker = `${ROOT}node_modules/.package-lock.json`;
  if (!existsSync(marker) || !existsSync(BUN)) return true;
  return statSync(`${ROOT}package-lock.json`).mtimeMs > statSync(marker).mtimeMs;
}

/** Run `npm ci` if `node_modules` is missing or older than the lock file; false if it failed. */
export function ensureNpmDeps(): boolean {
  if (!needsInstall()) return true;
  console.error("Installing npm dependencies (npm ci)…");
  const npm = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: ROOT, stdio: "inherit" });
  if (npm.status !== 0) {
    console.error("Cannot install the npm dependencies: npm ci failed");
    return false;
  }
  return true;
}

/** The `bun build` arguments (run in the repository root). */
export const BUILD_ARGS: string[] = [
  "build",
  "--compile",
  // `--minify` minus identifier renaming: the admin page's browser script is
  // assembled from server functions' source text (`fn.toString()`, see
  // src/admin/assets.ts), and renamed identifiers break its cross-references.
  "--minify-whitespace",
  "--minify-syntax",
  // The admin pages are Hono JSX (deno.json's compilerOptions say so for Deno).
  "--jsx-import-source=hono/jsx",
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
  "src/main.ts",
  // The worker thread entries (src/runtime/bun/runtime.ts finds them by these names).
  "src/workers/thread.ts",
  "src/control/load_spawner.ts",
  "src/control/load_worker.ts",
  "--outfile",
  "dist/director",
];

export interface BuildResult {
  ok: boolean;
  /** Bun's output (empty when it was shown as it ran). */
  output: string;
  ms: number;
}

/**
 * Build `dist/director`. With `quiet`, Bun's output is collected and
 * returned instead of shown (the test runner builds while tests run).
 */
export function build(options: { quiet?: boolean } = {}): Promise<BuildResult> {
  const started = Date.now();
  if (!ensureNpmDeps()) {
    return Promise.resolve({ ok: false, output: "npm ci failed", ms: 0 });
  }
  mkdirSync(`${ROOT}dist`, { recursive: true });
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(BUN, BUILD_ARGS, {
      cwd: ROOT,
      stdio: options.quiet ? ["ignore", "pipe", "pipe"] : "inherit",
    });
    child.stdout?.on("data", (d) => output += d);
    child.stderr?.on("data", (d) => output += d);
    child.on("error", (error) => {
      resolve({ ok: false, output: `Cannot run ${BUN}: ${error.message}`, ms: 0 });
    });
    child.on("close", (code) => {
      const ok = code === 0 && existsSync(BINARY);
      resolve({ ok, output, ms: Date.now() - started });
    });
  });
}

if (import.meta.main) {
  const result = await build();
  if (!result.ok) {
    console.error("Cannot build dist/director: bun build failed");
    process.exit(1);
  }
  const mib = (statSync(BINARY).size / 1024 / 1024).toFixed(1);
  console.log(`dist/director: ${mib} MiB, built in ${(result.ms / 1000).toFixed(1)} s`);
}
