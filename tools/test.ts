/**
 * `deno task test`: install the npm dependencies if they are missing, run
 * the whole suite with `deno test`, and end with one summary line
 * `N passed, N failed, N skipped` (counted from the JUnit report, so nested
 * test steps count one each).
 *
 * Extra arguments are passed to `deno test` (e.g. a file or `--filter`).
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;

function needsInstall(): boolean {
  const marker = `${root}node_modules/.package-lock.json`;
  if (!existsSync(marker)) return true;
  return statSync(`${root}package-lock.json`).mtimeMs > statSync(marker).mtimeMs;
}

if (needsInstall()) {
  console.error("Installing npm dependencies (npm ci)…");
  const npm = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (npm.status !== 0) {
    console.error("Cannot run the tests: npm ci failed");
    Deno.exit(1);
  }
}

mkdirSync(`${root}.test-results`, { recursive: true });
const junit = `${root}.test-results/junit.xml`;
const args = Deno.args.length > 0 ? Deno.args : ["test/"];
const run = spawnSync(
  Deno.execPath(),
  ["test", "-A", "--parallel", `--junit-path=${junit}`, ...args],
  { cwd: root, stdio: "inherit", env: { ...Deno.env.toObject(), NO_COLOR: "1" } },
);

/** Count leaf test cases in a JUnit report: passed, failed, skipped. */
function summarize(xml: string): { passed: number; failed: number; skipped: number } {
  let passed = 0, failed = 0, skipped = 0;
  for (const match of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = match[2] ?? "";
    if (/<failure\b|<error\b/.test(body)) failed++;
    else if (/<skipped\b/.test(body)) skipped++;
    else passed++;
  }
  return { passed, failed, skipped };
}

let counts = { passed: 0, failed: run.status === 0 ? 0 : 1, skipped: 0 };
if (existsSync(junit)) {
  counts = summarize(readFileSync(junit, "utf8"));
  // A crash before any report still has to show as a failure.
  if (run.status !== 0 && counts.failed === 0) counts.failed = 1;
}
console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
Deno.exit(run.status === 0 ? 0 : 1);
