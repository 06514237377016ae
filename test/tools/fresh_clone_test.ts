/**
 * A new user's first ten minutes, for real: `git clone` of this repository
 * (its committed HEAD) into an empty temporary directory outside the
 * project's tree, then the README's two Quick start commands there, read
 * from the README itself so the test follows the document:
 *
 * 1. the first (`… task start`) must install what it needs and serve the
 *    demo: a TCP client gets `served by demo-N` from 127.0.0.1:8080; a
 *    SIGTERM to the start script (the parent of Director) is passed on
 *    once, Director drains, and the command exits 0;
 * 2. the second (`… task test`) with `DIRECTOR_TEST_SMOKE=1`, which makes
 *    `tools/test.ts` run a small subset (every test reading fixtures, the
 *    docs drift test, one integration test) on each runtime, so it neither
 *    recurses into this test nor takes the whole suite's time.
 *
 * It takes minutes (an `npm ci` and a binary build in the clone), so it runs
 * only with `DIRECTOR_FRESH_CLONE=1`, which `.ci/run` sets; it skips with a
 * reason when git, npx or the npm registry are missing.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";

const ROOT = new URL("../../", import.meta.url).pathname;
const DEMO_PORT = 8080;

/** Why this test cannot run here, or undefined. */
function whyNot(): string | undefined {
  if (!process.env.DIRECTOR_FRESH_CLONE) {
    return "set DIRECTOR_FRESH_CLONE=1 to run the fresh-clone test (.ci/run does)";
  }
  if (process.env.DIRECTOR_TEST_SMOKE) return "already inside a fresh-clone run";
  const ok = (cmd: string, args: string[]) =>
    spawnSync(cmd, args, { cwd: ROOT, stdio: "ignore", timeout: 30_000 }).status === 0;
  if (!ok("git", ["--version"])) return "git is not installed";
  if (!ok("git", ["rev-parse", "--verify", "HEAD"])) return "the project is not a git checkout";
  if (!ok("npx", ["--version"])) return "npx (Node.js/npm) is not installed";
  if (!ok("npm", ["ping"])) return "the npm registry cannot be reached (npm ping failed)";
  return undefined;
}

/** The README's Quick start commands, in order, as argv (comments dropped). */
export function quickStartCommands(readme: string): string[][] {
  const section = readme.split(/^## Quick start$/m)[1] ?? "";
  const block = section.match(/```sh\n([\s\S]*?)```/)?.[1] ?? "";
  return block.split("\n")
    .map((line) => line.replace(/#.*$/, "").trim())
    .filter(Boolean)
    .map((line) => line.split(/\s+/));
}

interface Shell {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | string>;
}

/** Run `argv` in `cwd` as the leader of its own process group (so it can be cleaned up whole). */
function shell(argv: string[], cwd: string, env: Record<string, string | undefined>): Shell {
  const child = spawn(argv[0], argv.slice(1), {
    cwd,
    env: { ...env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout!.on("data", (d) => output += d);
  child.stderr!.on("data", (d) => output += d);
  const exited = new Promise<number | string>((resolve) => {
    child.on("close", (code, signal) => resolve(code ?? signal ?? -1));
  });
  return { child, output: () => output, exited };
}

/** Poll `check` every 200 ms until it returns a value, or fail after `ms`. */
async function until<T>(ms: number, what: string, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${ms} ms`);
}

function kill(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** One HTTP request to the demo over a plain TCP socket; the whole reply. */
function askDemo(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(DEMO_PORT, "127.0.0.1");
    let reply = "";
    socket.setTimeout(10_000, () => socket.destroy(new Error("no reply within 10 s")));
    socket.on(
      "connect",
      () => socket.end("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    socket.on("data", (d) => reply += d);
    socket.on("end", () => resolve(reply));
    socket.on("error", reject);
  });
}

/** The parent process id of `pid`, from /proc (Linux). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** The first command: demo reached by a TCP client, SIGTERM to the start script, exit 0. */
async function startDemo(clone: string, argv: string[], env: Record<string, string>) {
  // The demo's ports are fixed; another test's demo may hold them for a moment.
  for (let attempt = 1;; attempt++) {
    const start = shell(argv, clone, env);
    let director: number | undefined;
    try {
      const ready = await until(300_000, `${argv.join(" ")} printing event=started`, () => {
        const pid = start.output().match(/event=started .*\bpid=(\d+)/)?.[1];
        if (pid) return Number(pid);
        return start.child.exitCode !== null || start.child.signalCode !== null ? 0 : undefined;
      });
      if (ready === 0) {
        await start.exited;
        if (/address already in use/.test(start.output()) && attempt < 10) {
          await new Promise((r) => setTimeout(r, 3000));
          continue;
        }
        assert.fail(`${argv.join(" ")} stopped before serving:\n${start.output()}`);
      }
      director = ready;
      const names = new Set<string>();
      for (let i = 0; i < 3; i++) names.add((await askDemo()).match(/served by (demo-\d)/)?.[1]!);
      assert.deepEqual([...names].sort(), ["demo-1", "demo-2", "demo-3"]);
      // The start script is Director's parent: it must pass the SIGTERM on, once.
      kill(parentOf(director) ?? director, "SIGTERM");
      const status = await Promise.race([
        start.exited,
        new Promise((r) => setTimeout(() => r("still running after 60 s"), 60_000)),
      ]);
      assert.equal(status, 0, start.output());
      assert.match(start.output(), /event=stopped signal=SIGTERM/);
      assert.doesNotMatch(start.output(), /event=exit_now/);
      return;
    } finally {
      kill(-start.child.pid!, "SIGKILL");
      kill(director, "SIGKILL");
    }
  }
}

/** The second command, with the marker: the smoke subset passes on every runtime. */
async function runSmoke(clone: string, argv: string[], env: Record<string, string>) {
  const run = shell(argv, clone, { ...env, DIRECTOR_TEST_SMOKE: "1" });
  try {
    const status = await Promise.race([
      run.exited,
      new Promise((r) => setTimeout(() => r("still running after 20 min"), 1_200_000)),
    ]);
    const summary = run.output().trim().split("\n").at(-1) ?? "";
    assert.equal(status, 0, run.output().slice(-4000));
    const [passed, failed] = (summary.match(/^(\d+) passed, (\d+) failed/) ?? []).slice(1);
    assert.equal(failed, "0", summary);
    assert.ok(Number(passed) > 0, summary);
    for (const label of ["[deno]", "[bun]", "[binary]"]) {
      assert.ok(run.output().includes(`==== ${label} ====`), `no ${label} run:\n${summary}`);
    }
  } finally {
    kill(-run.child.pid!, "SIGKILL");
  }
}

const skip = whyNot();
test("a fresh clone runs the README's two commands", skip ? { skip } : {}, async () => {
  const [start, tests] = quickStartCommands(readFileSync(join(ROOT, "README.md"), "utf8"));
  assert.deepEqual(start?.slice(-2), ["task", "start"], "README's first command");
  assert.deepEqual(tests?.slice(-2), ["task", "test"], "README's second command");
  const dir = mkdtempSync(join(tmpdir(), "director-clone-"));
  assert.ok(!dir.startsWith(ROOT), `${dir} is inside the project`);
  const clone = join(dir, "director");
  try {
    const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" });
    const cloned = spawnSync("git", ["clone", "--quiet", "--no-checkout", ROOT, clone]);
    assert.equal(cloned.status, 0, `git clone: ${cloned.stderr}`);
    const checkout = spawnSync("git", ["checkout", "--quiet", "--detach", head.stdout.trim()], {
      cwd: clone,
    });
    assert.equal(checkout.status, 0, `git checkout: ${checkout.stderr}`);
    assert.ok(!existsSync(join(clone, "node_modules")), "the clone has no node_modules");
    // Nothing of this project's environment leaks into the clone's runs.
    const env = { ...process.env } as Record<string, string>;
    delete env.DIRECTOR_CMD;
    delete env.DIRECTOR_FRESH_CLONE;
    await startDemo(clone, start, env);
    await runSmoke(clone, tests, env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
