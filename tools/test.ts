/**
 * `deno task test`: the whole suite, with Director under test on each of
 * its three runtimes, ending with one summary line
 * `N passed, N failed, N skipped` (counted from the JUnit reports, so
 * nested test steps count one each).
 *
 * The runs, one after the other (some tests use fixed ports):
 *
 * - `[deno]`   every test under `test/`; Director runs as `deno run -A src/main.ts`.
 * - `[bun]`    the adapter's contract tests under `bun test` (`test/runtime/`),
 *              then the tests that start Director processes, with
 *              `DIRECTOR_CMD="bun run src/main.ts"`.
 * - `[binary]` the process tests against `dist/director`, built by
 *              `tools/build.ts` while the first runs go (a failed build fails
 *              the run), except the long stress suites (`test/reliability/`,
 *              `test/fuzz/`, `test/soak/`): they test runtime behaviour, which
 *              `[bun]` covers with the same Bun and adapter; what the binary
 *              adds is packaging (bundling, embedding, no runtime on PATH).
 *              Name them as arguments to run them against the binary too.
 *
 * The test runner itself is always Deno; only the Director under test
 * changes (see `test/integration/harness.ts`). A test "starts Director
 * processes" if it lives in `test/integration/` or imports its harness.
 * Each run writes `.test-results/junit-<run>.xml` and prints its own
 * labelled summary; the exit status is non-zero if any run failed.
 *
 * Arguments: `--runs=deno,bun,binary` picks runs; anything else goes to
 * `deno test` (an existing path selects tests; the bun and binary runs keep
 * only the process tests among them, and skip when there are none).
 * `DIRECTOR_TEST_SMOKE=1` without paths runs a quick subset ({@linkcode smokeFiles}).
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import process from "node:process";
import { BINARY, build, type BuildResult, BUN, ensureNpmDeps, ROOT } from "./build.ts";

type RunName = "deno" | "bun" | "binary";
interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

const RESULTS = join(ROOT, ".test-results");
const TEST_FILE = /(^|[_.])test\.(ts|tsx|mts|js|mjs|jsx)$/;
/** Stress suites the `[binary]` run leaves to `[bun]` unless named explicitly. */
const STRESS = /^test\/(reliability|fuzz|soak)\//;

/** Count leaf test cases in a JUnit report: passed, failed, skipped. */
function summarize(xml: string): Counts {
  let passed = 0, failed = 0, skipped = 0;
  for (const match of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = match[2] ?? "";
    if (/<failure\b|<error\b/.test(body)) failed++;
    else if (/<skipped\b/.test(body)) skipped++;
    else passed++;
  }
  return { passed, failed, skipped };
}

const add = (a: Counts, b: Counts): Counts => ({
  passed: a.passed + b.passed,
  failed: a.failed + b.failed,
  skipped: a.skipped + b.skipped,
});
const format = (c: Counts) => `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;

/** Test files under `path` (a file or a directory), relative to the root. */
function testFiles(path: string): string[] {
  const full = join(ROOT, path);
  if (statSync(full).isFile()) return [relative(ROOT, full)];
  return readdirSync(full, { recursive: true, encoding: "utf8" })
    .filter((name) => TEST_FILE.test(name))
    .map((name) => relative(ROOT, join(full, name)))
    .sort();
}

/** Does this test file start Director processes (so it matters which runtime runs Director)? */
function startsDirector(file: string): boolean {
  if (file.startsWith("test/integration/")) return true;
  return /integration\/harness\.ts["']/.test(readFileSync(join(ROOT, file), "utf8"));
}

/**
 * `DIRECTOR_TEST_SMOKE=1` (set by test/ops/fresh_clone_test.ts in its clone)
 * with no paths: a quick subset instead of the whole suite. Every test that
 * reads a fixture or the docs (what a clone could lack), and the process
 * test (one integration test, so `[bun]` and `[binary]` run too).
 */
function smokeFiles(): string[] {
  return testFiles("test/").filter((file) =>
    file === "test/integration/process_test.ts" || file.startsWith("test/docs/") ||
    (!file.endsWith("fresh_clone_test.ts") &&
      /fixtures\/|\bFIXTURE\b/.test(readFileSync(join(ROOT, file), "utf8")))
  );
}

/** Run a command with inherited output; resolves with its exit status. */
function run(cmd: string, args: string[], env: Record<string, string | undefined>) {
  return new Promise<number>((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: "inherit", env: { ...env, NO_COLOR: "1" } });
    child.on("error", (error) => {
      console.error(`Cannot run ${cmd}: ${error.message}`);
      resolve(127);
    });
    child.on("close", (code) => resolve(code ?? 1));
  });
}

/** Counts from a JUnit file a command wrote; a crash without a report is one failure. */
function countsOf(junit: string, status: number): Counts {
  const counts = existsSync(junit)
    ? summarize(readFileSync(junit, "utf8"))
    : { passed: 0, failed: 0, skipped: 0 };
  if (status !== 0 && counts.failed === 0) counts.failed = 1;
  return counts;
}

async function denoTest(name: string, files: string[], flags: string[], cmd?: string) {
  const junit = join(RESULTS, `junit-${name}.xml`);
  const env: Record<string, string | undefined> = { ...process.env, DIRECTOR_CMD: cmd };
  if (!cmd) delete env.DIRECTOR_CMD;
  const status = await run(
    process.execPath,
    ["test", "-A", "--parallel", `--junit-path=${junit}`, ...flags, ...files],
    env,
  );
  return countsOf(junit, status);
}

// ---- arguments ----
let runs: RunName[] = ["deno", "bun", "binary"];
const flags: string[] = [];
const paths: string[] = [];
for (const arg of process.argv.slice(2)) {
  if (arg.startsWith("--runs=")) runs = arg.slice(7).split(",").filter(Boolean) as RunName[];
  else if (!arg.startsWith("-") && existsSync(join(ROOT, arg))) paths.push(arg);
  else flags.push(arg);
}
if (paths.length === 0 && process.env.DIRECTOR_TEST_SMOKE) paths.push(...smokeFiles());
const unknown = runs.filter((r) => !["deno", "bun", "binary"].includes(r));
if (unknown.length > 0) {
  console.error(`Cannot run the tests: unknown run ${unknown.join(", ")} (deno, bun, binary)`);
  process.exit(2);
}
const selected = [...new Set((paths.length > 0 ? paths : ["test/"]).flatMap(testFiles))];
const processTests = selected.filter(startsDirector);
const binaryTests = paths.length > 0 ? processTests : processTests.filter((f) => !STRESS.test(f));
const adapterTests = selected.filter((f) => f.startsWith("test/runtime/"));

if (!ensureNpmDeps()) {
  console.log("0 passed, 1 failed, 0 skipped");
  process.exit(1);
}
mkdirSync(RESULTS, { recursive: true });
for (const name of readdirSync(RESULTS)) {
  if (/^junit(-.*)?\.xml$/.test(name)) rmSync(join(RESULTS, name));
}

// Build the binary while the other runs go.
const building: Promise<BuildResult> | undefined = runs.includes("binary") && binaryTests.length
  ? build({ quiet: true })
  : undefined;

const results: [string, Counts, number][] = [];
async function timed(label: string, work: () => Promise<Counts>): Promise<void> {
  const started = Date.now();
  console.log(`\n==== [${label}] ====`);
  const counts = await work();
  const seconds = (Date.now() - started) / 1000;
  results.push([label, counts, seconds]);
  console.log(`[${label}] ${format(counts)} (${seconds.toFixed(1)} s)`);
}

if (runs.includes("deno")) {
  await timed("deno", () => denoTest("deno", paths.length > 0 ? paths : ["test/"], flags));
}
if (runs.includes("bun") && (processTests.length > 0 || adapterTests.length > 0)) {
  await timed("bun", async () => {
    let counts: Counts = { passed: 0, failed: 0, skipped: 0 };
    if (adapterTests.length > 0) {
      const junit = join(RESULTS, "junit-bun-adapter.xml");
      const args = ["test", "--reporter=junit", `--reporter-outfile=${junit}`, ...adapterTests];
      counts = countsOf(junit, await run(BUN, args, { ...process.env }));
      console.log(`[bun] adapter under bun test: ${format(counts)}`);
    }
    if (processTests.length > 0) {
      const cmd = `${BUN} run ${join(ROOT, "src/main.ts")}`;
      counts = add(counts, await denoTest("bun", processTests, flags, cmd));
    }
    return counts;
  });
}
if (building) {
  await timed("binary", async () => {
    const built = await building;
    if (!built.ok) {
      console.error(`Cannot build dist/director:\n${built.output}`);
      return { passed: 0, failed: 1, skipped: 0 };
    }
    console.log(`dist/director built in ${(built.ms / 1000).toFixed(1)} s`);
    return denoTest("binary", binaryTests, flags, BINARY);
  });
}

console.log("");
for (const [label, counts, seconds] of results) {
  console.log(`[${label}] ${format(counts)} (${seconds.toFixed(1)} s)`);
}
const total = results.reduce((sum, [, counts]) => add(sum, counts), {
  passed: 0,
  failed: 0,
  skipped: 0,
});
if (results.length === 0) total.failed = 1; // nothing ran: not a success
console.log(format(total));
process.exit(total.failed > 0 ? 1 : 0);
