/**
 * Integration-test harness: a real Director process, real backends and
 * real clients, all on 127.0.0.1.
 *
 * Director is started as a subprocess with the command in `DIRECTOR_CMD`
 * (default: this Deno running `src/main.ts`), so the same tests run
 * against `deno run`, `bun run` or the built binary; `DIRECTOR_WORKERS=N`
 * adds `--workers N` to every Director that does not choose its own
 * number of workers (see {@linkcode workerArgs}). Every process and
 * server a test starts is stopped by the test, by PID; every wait is
 * bounded in time.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

export const ROOT = new URL("../../", import.meta.url).pathname;

/** The command that runs Director, as argv. */
export function directorCommand(): string[] {
  const fromEnv = process.env.DIRECTOR_CMD?.trim();
  if (fromEnv) return fromEnv.split(/\s+/);
  return [process.execPath, "run", "-A", join(ROOT, "src/main.ts")];
}

/**
 * `["--workers", N]` when `DIRECTOR_WORKERS` asks for N workers and the run
 * given by `args` does not choose for itself: not when the arguments or
 * `DIRECTOR_CMD` already say `--workers`, nor when the config file sets
 * `<performance workers>` (a test of that attribute means it), nor for the
 * commands that serve nothing (`--check`, `--version`, `--help`, `diff`…).
 */
export function workerArgs(args: string[]): string[] {
  const wanted = process.env.DIRECTOR_WORKERS?.trim();
  if (!wanted || wanted === "1") return [];
  const all = [...directorCommand(), ...args];
  if (all.some((a) => a === "--workers" || a.startsWith("--workers="))) return [];
  if (args.some((a) => ["--check", "--version", "-V", "--help", "-h"].includes(a))) return [];
  if (args.length > 0 && !args[0].startsWith("-")) return []; // diff, hash-password
  const config = args[args.indexOf("--config") + 1];
  if (args.includes("--config") && config && isFile(config)) {
    if (/<performance\b[^>]*\bworkers=/.test(readFileSync(config, "utf8"))) return [];
  }
  return ["--workers", wanted];
}

/** A regular file (never opens a FIFO, which would block until its writer comes). */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Can a listener bind 127.0.0.1:`port` now? */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Ports handed out by this test file, so two tests of one file never share one. */
const handedOut = new Set<number>();

/**
 * Where test files running side by side (`deno test --parallel`, or two
 * suites at once) reserve the ports they hand out: one file per port, made
 * with O_EXCL and naming its owner. Checking that a port is free is not
 * enough: another file may check the same port before either binds it, and
 * Director binds with SO_REUSEPORT, so two Directors on one port would
 * share its connections instead of one failing.
 */
const RESERVATIONS = join(tmpdir(), "director-test-ports");
/** This test file's mark in its reservations: the PID says whether it still runs. */
const OWNER = `${process.pid} ${crypto.randomUUID()}`;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/** Reserve `port` for this test file; false when a running test holds it. */
function reserve(port: number): boolean {
  const file = join(RESERVATIONS, String(port));
  mkdirSync(RESERVATIONS, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, OWNER, { flag: "wx" });
      return true;
    } catch {
      let owner = "";
      try {
        owner = readFileSync(file, "utf8");
      } catch {
        continue; // released meanwhile: try again
      }
      if (processAlive(Number(owner.split(" ")[0]))) return false;
      rmSync(file, { force: true }); // left by a test run that ended
    }
  }
  return false;
}

/** Give back this file's reservations (Deno fires `unload` per test file; Node-style `exit` once). */
function releaseReservations(): void {
  for (const port of handedOut) {
    const file = join(RESERVATIONS, String(port));
    try {
      if (readFileSync(file, "utf8") === OWNER) rmSync(file);
    } catch {
      // already gone
    }
  }
}
globalThis.addEventListener?.("unload", releaseReservations);
process.on("exit", releaseReservations);

/**
 * A TCP port that is free now and reserved for this test file, chosen at
 * random in 20000–32767: below the kernel's ephemeral range, so it cannot
 * collide with client sockets' local ports (binding port 0 tends to hand a
 * just-released port to the next caller), and reserved, so test files
 * running in parallel never pick the same one.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12768);
    if (handedOut.has(port) || !reserve(port)) continue;
    handedOut.add(port);
    if (await portIsFree(port)) return port;
  }
  throw new Error("Cannot find a free port in 20000-32767 after 100 attempts");
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "director-test-"));
}

/** Reject if `promise` does not settle within `ms`. */
export function within<T>(ms: number, promise: Promise<T>, what = "operation"): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface RunningDirector {
  proc: ChildProcess;
  pid: number;
  /** Everything written to stderr so far (the log, unless a log file is configured). */
  output(): string;
  stdout(): string;
  /** Wait until the output matches `pattern`; returns the match. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Send a signal by PID (ChildProcess.kill under Deno sends only the first one). */
  signal(name: NodeJS.Signals): void;
  /** Stop it (SIGKILL after a grace period); safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Run Director with `args` (plus {@linkcode workerArgs}); does not wait for
 * it to be ready. `command` replaces {@linkcode directorCommand}, `env` the
 * whole environment; `shell: true` means `command` is a shell that runs
 * Director itself with its own arguments (nothing is appended).
 */
export function runDirector(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; command?: string[]; shell?: boolean } = {},
): RunningDirector {
  const [cmd, ...base] = options.command ?? directorCommand();
  const extra = options.shell ? [] : workerArgs(args);
  const proc = spawn(cmd, [...base, ...args, ...extra], {
    cwd: options.cwd ?? ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: options.env ?? { ...process.env, NO_COLOR: "1" },
  });
  let err = "", out = "";
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  proc.stderr!.on("data", (d) => {
    err += d;
    notify();
  });
  proc.stdout!.on("data", (d) => {
    out += d;
    notify();
  });
  // Set before the waiters are told, so a waiter sees the end in the same turn.
  // Waiters give up at "close" (the output read to its end), not at "exit".
  let exitedYet = false, closedYet = false;
  const exited = new Promise<number | string>((resolve) => {
    proc.on("exit", (code, signal) => {
      exitedYet = true;
      resolve(code ?? signal ?? -1);
    });
  });
  proc.on("close", () => {
    closedYet = true;
    notify();
  });
  const signal = (name: NodeJS.Signals) => {
    if (exitedYet) return;
    try {
      process.kill(proc.pid!, name);
    } catch {
      // Already gone.
    }
  };
  const waitFor = (pattern: RegExp, ms = 15_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const done = () => (waiters.delete(check), clearTimeout(timer));
      const check = () => {
        const match = (err + out).match(pattern);
        if (match) {
          done();
          resolve(match);
        } else if (closedYet) {
          done();
          reject(new Error(`Director exited before printing ${pattern}:\n${err}${out}`));
        }
      };
      // The output in the message is the output at the deadline, not at the call.
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`waiting for ${pattern}: not within ${ms} ms; output:\n${err}${out}`));
      }, ms);
      waiters.add(check);
      check();
    });
  return {
    proc,
    pid: proc.pid!,
    output: () => err,
    stdout: () => out,
    waitFor,
    exited,
    signal,
    async stop() {
      if (exitedYet) return;
      signal("SIGTERM");
      signal("SIGTERM"); // the second signal makes it exit at once
      const timer = setTimeout(() => signal("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Write `xml` to a temp file and start Director on it; resolves once it is serving. */
export async function startDirector(xml: string, extraArgs: string[] = []) {
  const dir = tempDir();
  const configPath = join(dir, "director.xml");
  writeFileSync(configPath, xml);
  const director = runDirector(["--config", configPath, ...extraArgs]);
  await director.waitFor(/event=started/);
  return Object.assign(director, { configPath, dir });
}

/** A config with one service and one group, for the common case. */
export function simpleConfig(options: {
  listen: number | number[];
  hosts: (number | { port: number; name?: string })[];
  scheduler?: string;
  groupAttrs?: string;
  checktime?: number;
  extraGroups?: string;
}): string {
  const listens = [options.listen].flat();
  const hosts = options.hosts.map((h, i) => {
    const { port, name } = typeof h === "number" ? { port: h, name: `h${i}` } : h;
    return `      <host name="${name ?? `h${i}`}" ip="127.0.0.1:${port}"/>`;
  });
  return `<pdconfig>
  <service name="svc">
${listens.map((p) => `    <listen ip="127.0.0.1:${p}"/>`).join("\n")}
    <group name="main" scheduler="${options.scheduler ?? "roundrobin"}" ${options.groupAttrs ?? ""}>
${hosts.join("\n")}
    </group>
${options.extraGroups ?? ""}
    <enable group="main"/>
  </service>
  <checktime time="${options.checktime ?? 120}"/>
</pdconfig>
`;
}

export type { ChildProcess };

/**
 * Resolve once connects to `port` are refused (within `ms`, generous for a
 * loaded machine): a closed listener's socket is released by the runtime a
 * moment after `close()`.
 */
export async function refusedSoon(port: number, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (true) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: "127.0.0.1" });
      socket.once("connect", () => (socket.destroy(), resolve(false)));
      socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
    });
    if (refused) return;
    if (Date.now() > deadline) throw new Error(`port ${port} still accepts after ${ms} ms`);
    await sleep(20);
  }
}
