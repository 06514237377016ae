/**
 * `deno task test`: the whole suite, with Director under test on each of
 * its three runtimes and with 1 and 2 workers, ending with one summary line
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
 *              the run), the fault and fuzz suites included: the product that
 *              ships gets the same assertions. A full run ends `[binary]` with
 *              a 20 s soak of the binary (`deno task soak` soaks Director
 *              under Deno for 60 s).
 * - `[deno-w2]`, `[binary-w2]` the worker matrix: the process tests except
 *              the stress suites (`test/reliability/`, `test/fuzz/`,
 *              `test/soak/`) unless named, Director under Deno
 *              and as `dist/director`, with `DIRECTOR_WORKERS=2`: the harness
 *              adds `--workers 2` to every Director a test starts unless the
 *              test chooses its number of workers itself. `[deno]` and
 *              `[binary]` are the 1-worker half of the matrix.
 *
 * The test runner itself is always Deno; only the Director under test
 * changes (see `test/integration/harness.ts`). A test "starts Director
 * processes" if it lives in `test/integration/` or imports its harness.
 * Each run writes `.test-results/junit-<run>.xml` and prints its own
 * labelled summary; the exit status is non-zero if any run failed. Before
 * the total, the skips are counted per reason (`tools/skips.ts`): each run
 * sets `DIRECTOR_SKIP_LOG`, where `test/support/skip.ts` notes why it
 * skipped.
 *
 * Arguments: `--runs=deno,deno-w2,bun,binary,binary-w2` picks runs (all by
 * default); anything else goes to `deno test` (an existing path selects
 * tests; the runs other than `[deno]` keep only the process tests among
 * them, and skip when there are none).
 * `DIRECTOR_TEST_SMOKE=1` without paths runs a quick subset ({@linkcode smokeFiles}).
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import process from "node:process";
import { BINARY, build, type BuildResult, BUN, ensureNpmDeps, ROOT } from "./build.ts";
import { skipLogPath, skipsByReason } from "./skips.ts";

type RunName = "deno" | "bun" | "binary" | "deno-w2" | "binary-w2";
const RUNS: RunName[] = ["deno", "deno-w2", "bun", "binary", "binary-w2"];
interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

const RESULTS = join(ROOT, ".test-results");
const TEST_FILE = /(^|[_.])test\.(ts|tsx|mts|js|mjs|jsx)$/;
/** Stress suites the worker matrix leaves out unless named explicitly. */
const STRESS = /^test\/(reliability|fuzz|soak)\//;
/** The soak: `[binary]` runs it apart, shorter (`binarySoak`), unless named explicitly. */
const SOAK = /^test\/soak\//;

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
 * `DIRECTOR_TEST_SMOKE=1` (set by test/tools/fresh_clone_test.ts in its clone)
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

async function denoTest(
  name: string,
  files: string[],
  flags: string[],
  cmd?: string,
  extraEnv: Record<string, string> = {},
) {
  const junit = join(RESULTS, `junit-${name}.xml`);
  const env: Record<string, string | undefined> = {
    ...process.env,
    DIRECTOR_CMD: cmd,
    DIRECTOR_SKIP_LOG: skipLogPath(RESULTS, name),
    // What the process under test must report (test/integration/process_test.ts).
    DIRECTOR_EXPECT_RUNTIME: name.startsWith("deno") ? "deno" : "bun",
    ...extraEnv,
  };
  if (!cmd) delete env.DIRECTOR_CMD;
  const status = await run(
    process.execPath,
    ["test", "-A", "--parallel", `--junit-path=${junit}`, ...flags, ...files],
    env,
  );
  return countsOf(junit, status);
}

/** Has `dist/director` been built (said once, whichever run asks first)? */
let buildReported = false;
async function binaryBuilt(): Promise<boolean> {
  const built = await building!;
  if (!buildReported) {
    buildReported = true;
    if (built.ok) console.log(`dist/director built in ${(built.ms / 1000).toFixed(1)} s`);
    else console.error(`Cannot build dist/director:\n${built.output}`);
  }
  return built.ok;
}

/**
 * The soak against the binary, shorter than `deno task soak` (which soaks
 * Director under Deno for 60 s): 20 s, 3,000 short and 200 held
 * connections, with the same assertions (every exchange answered,
 * descriptors and memory back to where they started).
 */
function binarySoak(): Promise<Counts> {
  const env = { SOAK_SECONDS: "20", SOAK_CONNECTIONS: "3000", SOAK_HELD: "200" };
  return denoTest("binary-soak", ["test/soak/soak_test.ts"], flags, BINARY, env);
}

/**
 * A 2-worker run of the worker matrix: the data-plane process tests (those
 * of `[binary]`) with `DIRECTOR_WORKERS=2`, under Deno or against the binary.
 */
async function workerMatrixRun(label: "deno-w2" | "binary-w2"): Promise<void> {
  if (matrixTests.length === 0) return;
  await timed(label, async () => {
    const env = { DIRECTOR_WORKERS: "2" };
    if (label === "deno-w2") return denoTest(label, matrixTests, flags, undefined, env);
    if (!(await binaryBuilt())) return { passed: 0, failed: 1, skipped: 0 };
    return denoTest(label, matrixTests, flags, BINARY, env);
  });
}

/** The skips of every run that went, per reason. */
function printSkips(): void {
  const junitOf = (label: string) =>
    label === "bun"
      ? [join(RESULTS, "junit-bun-adapter.xml"), join(RESULTS, "junit-bun.xml")]
      : label === "binary"
      ? [join(RESULTS, "junit-binary.xml"), join(RESULTS, "junit-binary-soak.xml")]
      : [join(RESULTS, `junit-${label}.xml`)];
  const lines = skipsByReason(
    results.map(([label]) => ({
      label,
      junit: junitOf(label),
      log: skipLogPath(RESULTS, label),
    })),
  );
  if (lines.length === 0) return;
  console.log("skipped, by reason:");
  for (const line of lines) console.log(`  ${line}`);
}

// ---- arguments ----
let runs: RunName[] = [...RUNS];
const flags: string[] = [];
const paths: string[] = [];
for (const arg of process.argv.slice(2)) {
  if (arg.startsWith("--runs=")) runs = arg.slice(7).split(",").filter(Boolean) as RunName[];
  else if (!arg.startsWith("-") && existsSync(join(ROOT, arg))) paths.push(arg);
  else flags.push(arg);
}
if (paths.length === 0 && process.env.DIRECTOR_TEST_SMOKE) paths.push(...smokeFiles());
const unknown = runs.filter((r) => !RUNS.includes(r));
if (unknown.length > 0) {
  console.error(`Cannot run the tests: unknown run ${unknown.join(", ")} (${RUNS.join(", ")})`);
  process.exit(2);
}
const selected = [...new Set((paths.length > 0 ? paths : ["test/"]).flatMap(testFiles))];
const processTests = selected.filter(startsDirector);
const binaryTests = paths.length > 0 ? processTests : processTests.filter((f) => !SOAK.test(f));
const matrixTests = paths.length > 0 ? processTests : processTests.filter((f) => !STRESS.test(f));
const adapterTests = selected.filter((f) => f.startsWith("test/runtime/"));

if (!ensureNpmDeps()) {
  console.log("0 passed, 1 failed, 0 skipped");
  process.exit(1);
}
mkdirSync(RESULTS, { recursive: true });
for (const name of readdirSync(RESULTS)) {
  if (/^(junit(-.*)?\.xml|skips-.*\.jsonl)$/.test(name)) rmSync(join(RESULTS, name));
}

// Build the binary while the other runs go.
const wantsBinary = runs.includes("binary") || runs.includes("binary-w2");
const building: Promise<BuildResult> | undefined = wantsBinary && binaryTests.length
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
if (runs.includes("deno-w2")) await workerMatrixRun("deno-w2");
if (runs.includes("bun") && (processTests.length > 0 || adapterTests.length > 0)) {
  await timed("bun", async () => {
    let counts: Counts = { passed: 0, failed: 0, skipped: 0 };
    if (adapterTests.length > 0) {
      const junit = join(RESULTS, "junit-bun-adapter.xml");
      const args = ["test", "--reporter=junit", `--reporter-outfile=${junit}`, ...adapterTests];
      const env = { ...process.env, DIRECTOR_SKIP_LOG: skipLogPath(RESULTS, "bun") };
      counts = countsOf(junit, await run(BUN, args, env));
      console.log(`[bun] adapter under bun test: ${format(counts)}`);
    }
    if (processTests.length > 0) {
      const cmd = `${BUN} run ${join(ROOT, "src/main.ts")}`;
      counts = add(counts, await denoTest("bun", processTests, flags, cmd));
    }
    return counts;
  });
}
if (building && runs.includes("binary")) {
  await timed("binary", async () => {
    if (!(await binaryBuilt())) return { passed: 0, failed: 1, skipped: 0 };
    const counts = await denoTest("binary", binaryTests, flags, BINARY);
    return paths.length > 0 ? counts : add(counts, await binarySoak());
  });
}
if (runs.includes("binary-w2")) await workerMatrixRun("binary-w2");

console.log("");
for (const [label, counts, seconds] of results) {
  console.log(`[${label}] ${format(counts)} (${seconds.toFixed(1)} s)`);
}
printSkips();
const total = results.reduce((sum, [, counts]) => add(sum, counts), {
  passed: 0,
  failed: 0,
  skipped: 0,
});
if (results.length === 0) total.failed = 1; // nothing ran: not a success
console.log(format(total));
process.exit(total.failed > 0 ? 1 : 0);
