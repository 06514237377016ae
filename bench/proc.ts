/**
 * Child processes for the benchmark, and what `/proc` says about them.
 *
 * Every child runs through {@linkcode wrap}: a shell raises the soft limit
 * on open files, then `exec`s `taskset` (when pinning is on), which `exec`s
 * the program, so the PID we hold is the program's own. Every child is
 * bounded in time and stopped by PID (its descendants too, collected
 * before the first signal); {@linkcode stopAll} is the last-resort cleanup.
 *
 * @module
 */

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Process-wide spawn settings, set once by `run.ts`. */
export const spawnSettings = { pin: true, nofile: 16384 };

/** argv wrapped to run with a raised descriptor limit, pinned to `cpu` when pinning is on. */
export function wrap(argv: string[], cpu: number | string | undefined): string[] {
  const pin = spawnSettings.pin && cpu !== undefined ? ["taskset", "-c", String(cpu)] : [];
  const raise = `ulimit -n ${spawnSettings.nofile} 2>/dev/null || ulimit -n "$(ulimit -Hn)"`;
  return ["sh", "-c", `${raise}; exec "$@"`, "sh", ...pin, ...argv];
}

/** Parent PID of every process, from /proc/PID/stat. */
function parentMap(): Map<number, number[]> {
  const kids = new Map<number, number[]>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = kids.get(ppid) ?? [];
      list.push(Number(entry.name));
      kids.set(ppid, list);
    } catch {
      // The process exited while we looked.
    }
  }
  return kids;
}

/** `root` and all its descendants. */
export function treePids(root: number): number[] {
  const kids = parentMap();
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0 && out.length < 1000) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(kids.get(pid) ?? []));
  }
  return out;
}

/** Sum of VmRSS (KiB) over `pids`. */
export function rssKiB(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(/^VmRSS:\s+(\d+) kB/m);
      if (m) total += Number(m[1]);
    } catch {
      // Gone.
    }
  }
  return total;
}

/** CPU time (user + system, all threads) over `pids`, in seconds (USER_HZ is 100 on Linux). */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // Gone.
    }
  }
  return ticks / 100;
}

/** Number of open descriptors over `pids`. */
export function fdCount(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      for (const _ of Deno.readDirSync(`/proc/${pid}/fd`)) total++;
    } catch {
      // Gone.
    }
  }
  return total;
}

/** Is something listening on 127.0.0.1:`port` (or any address)? Read from /proc, no connection made. */
export function isListening(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    try {
      for (const line of Deno.readTextFileSync(file).split("\n").slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f[1]?.endsWith(hex.trim()) && f[3] === "0A") return true;
      }
    } catch {
      // No IPv6 on this machine.
    }
  }
  return false;
}

/** Distinct TCP ports that were free a moment ago. */
export function freePorts(n: number): number[] {
  const listeners = Array.from(
    { length: n },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  for (const l of listeners) l.close();
  return ports;
}

const live = new Set<Proc>();

/** A started child: output kept (last lines), stoppable by PID with its descendants. */
export class Proc {
  readonly pid: number;
  readonly name: string;
  readonly exited: Promise<Deno.CommandStatus>;
  /** Resolves once stdout and stderr have both ended. */
  readonly drained: Promise<void>;
  #child: Deno.ChildProcess;
  #out = "";
  #stdout = "";
  #done = false;
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #lineListeners = new Set<(line: string, at: number) => void>();

  constructor(name: string, argv: string[], cpu: number | string | undefined, cwd?: string) {
    const [cmd, ...args] = wrap(argv, cpu);
    this.name = name;
    this.#child = new Deno.Command(cmd, {
      args,
      cwd,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.pid = this.#child.pid;
    this.#writer = this.#child.stdin.getWriter();
    live.add(this);
    this.exited = this.#child.status.then((s) => {
      this.#done = true;
      live.delete(this);
      return s;
    });
    this.drained = Promise.all([
      this.#drain(this.#child.stdout, true),
      this.#drain(this.#child.stderr, false),
    ]).then(() => {});
  }

  async #drain(stream: ReadableStream<Uint8Array>, isStdout: boolean): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    try {
      for await (const chunk of stream) {
        const at = performance.now();
        const text = decoder.decode(chunk, { stream: true });
        this.#out = (this.#out + text).slice(-64_000);
        if (isStdout) this.#stdout = (this.#stdout + text).slice(-1_000_000);
        const lines = (partial + text).split("\n");
        partial = lines.pop()!.slice(-64_000);
        for (const line of lines) for (const listen of [...this.#lineListeners]) listen(line, at);
      }
    } catch {
      // The process is gone.
    }
  }

  /**
   * The next complete output line (stdout or stderr) matching `re`, and when
   * it arrived (`performance.now()`). Call it before causing the line (a
   * signal, a request); rejects on timeout or when the process exits.
   */
  nextLine(re: RegExp, ms: number): Promise<{ line: string; at: number }> {
    return new Promise((resolve, reject) => {
      const done = () => {
        this.#lineListeners.delete(listener);
        clearTimeout(timer);
      };
      const listener = (line: string, at: number) => {
        if (!re.test(line)) return;
        done();
        resolve({ line, at });
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no ${re} within ${ms} ms`));
      }, ms);
      this.#lineListeners.add(listener);
      void this.exited.then(() => {
        if (!this.#lineListeners.has(listener)) return;
        done();
        reject(new Error(`${this.name} exited: ${this.errorLine()}`));
      });
    });
  }

  /** Send `sig` to the process itself (not its descendants). */
  signal(sig: Deno.Signal): void {
    if (this.#done) return;
    try {
      Deno.kill(this.pid, sig);
    } catch {
      // Exited just now.
    }
  }

  get alive(): boolean {
    return !this.#done;
  }

  /** Output so far (stdout and stderr interleaved, last 64 KB). */
  get output(): string {
    return this.#out;
  }

  /** The most telling line of the output, for a one-line error report. */
  errorLine(): string {
    const lines = this.#out.split("\n").map((l) => l.trim()).filter((l) => l !== "");
    const bad = lines.filter((l) => /error|cannot|fail|denied|not |unable/i.test(l));
    return (bad.at(-1) ?? lines.at(-1) ?? "(no output)").slice(0, 300);
  }

  /** Standard output alone (last 1 MB). */
  get stdout(): string {
    return this.#stdout;
  }

  async write(text: string): Promise<void> {
    try {
      await this.#writer?.write(new TextEncoder().encode(text));
    } catch {
      // Exited already.
    }
  }

  /** Wait until the output matches `re`; throws on timeout or early exit. */
  async waitFor(re: RegExp, ms: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const m = this.#out.match(re);
      if (m) return m;
      if (this.#done) throw new Error(`${this.name} exited: ${this.errorLine()}`);
      await sleep(25);
    }
    throw new Error(`${this.name}: no ${re} within ${ms} ms: ${this.errorLine()}`);
  }

  /** SIGTERM (twice: Director exits at once on the second), SIGKILL after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.#done) return;
    const tree = treePids(this.pid);
    const signal = (pids: number[], sig: Deno.Signal) => {
      for (const pid of pids) {
        try {
          Deno.kill(pid, sig);
        } catch {
          // Already gone.
        }
      }
    };
    signal([this.pid], "SIGTERM");
    await sleep(50);
    signal([this.pid], "SIGTERM");
    const timer = setTimeout(() => signal(tree, "SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
    // Orphaned descendants (e.g. nginx workers whose master was killed).
    await sleep(50);
    signal(tree.filter((pid) => pid !== this.pid && isAlive(pid)), "SIGKILL");
    try {
      await this.#writer?.close();
    } catch {
      // Already closed.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** Run to completion within `timeoutMs` (killed by PID past it). */
export async function runTool(
  argv: string[],
  options: { cpu?: number; timeoutMs: number; cwd?: string },
): Promise<{ code: number; output: string; stdout: string; timedOut: boolean }> {
  const proc = new Proc(argv[0], argv, options.cpu, options.cwd);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void proc.stop(1000);
  }, options.timeoutMs);
  const status = await proc.exited;
  clearTimeout(timer);
  await Promise.race([proc.drained, sleep(1000)]);
  return { code: status.code, output: proc.output, stdout: proc.stdout, timedOut };
}

/** Stop every child still running (used in `finally` and on Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(1500)));
}
