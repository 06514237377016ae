/**
 * A small network for tests, in Linux network namespaces: a "hub"
 * namespace with a bridge (198.18.0.254/24) and node namespaces, each
 * joined to the bridge by a veth pair (node i at 198.18.0.i). Addresses
 * come from 198.18.0.0/15 (RFC 2544, benchmarking) and exist only inside
 * these namespaces; nothing is added to the test's own namespace. Every
 * process started in the lab is stopped by PID, and `close()` deletes the
 * namespaces (and with them every interface).
 *
 * Needs root and `ip`; {@linkcode NETNS_SKIP} says why not otherwise.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import process from "node:process";
import { sleep } from "../integration/harness.ts";

export const HUB_IP = "198.18.0.254";
export const nodeIp = (i: number) => `198.18.0.${i}`;

function probe(): string | false {
  if (process.getuid?.() !== 0) return "needs root (ip netns)";
  if (spawnSync("ip", ["-V"]).status !== 0) return "no ip (iproute2) on PATH";
  const name = `dprobe${process.pid}`;
  const add = spawnSync("ip", ["netns", "add", name]);
  spawnSync("ip", ["netns", "del", name]);
  return add.status === 0 ? false : `cannot create a network namespace: ${add.stderr}`;
}

/** Why namespace tests cannot run here (a `skip` reason), or false if they can. */
export const NETNS_SKIP: string | false = probe();

function ip(...args: string[]): void {
  const run = spawnSync("ip", args, { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`ip ${args.join(" ")} failed: ${run.stderr}`);
}

export class Lab {
  readonly id = `d${process.pid % 10000}${Math.floor(Math.random() * 1000)}`;
  readonly #procs = new Set<ChildProcess>();
  readonly #spaces: string[] = [];

  /** The namespace name of node `i` (1-based), or of the hub. */
  ns(i: number | "hub"): string {
    return `${this.id}-${i === "hub" ? "hub" : `n${i}`}`;
  }

  /** Create the hub and `nodes` node namespaces. */
  static create(nodes: number): Lab {
    const lab = new Lab();
    try {
      const hub = lab.#space("hub");
      ip("-n", hub, "link", "set", "lo", "up");
      ip("-n", hub, "link", "add", "br0", "type", "bridge");
      ip("-n", hub, "addr", "add", `${HUB_IP}/24`, "dev", "br0");
      ip("-n", hub, "link", "set", "br0", "up");
      for (let i = 1; i <= nodes; i++) {
        const ns = lab.#space(i);
        ip("-n", hub, "link", "add", `v${i}`, "type", "veth", "peer", "name", "eth0", "netns", ns);
        ip("-n", hub, "link", "set", `v${i}`, "master", "br0", "up");
        ip("-n", ns, "link", "set", "lo", "up");
        ip("-n", ns, "addr", "add", `${nodeIp(i)}/24`, "dev", "eth0");
        ip("-n", ns, "link", "set", "eth0", "up");
      }
    } catch (error) {
      lab.#deleteSpaces();
      throw error;
    }
    return lab;
  }

  #space(i: number | "hub"): string {
    const name = this.ns(i);
    ip("netns", "add", name);
    this.#spaces.push(name);
    return name;
  }

  /** The command line that runs `argv` inside namespace `i`. */
  inside(i: number | "hub", argv: string[]): string[] {
    return ["ip", "netns", "exec", this.ns(i), ...argv];
  }

  /** Start `argv` inside namespace `i` (stopped by `close()`); its output is kept. */
  start(i: number | "hub", argv: string[]): ChildProcess & { output(): string } {
    const [cmd, ...args] = this.inside(i, argv);
    const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    proc.stdout!.on("data", (d) => output = (output + d).slice(-50_000));
    proc.stderr!.on("data", (d) => output = (output + d).slice(-50_000));
    this.#procs.add(proc);
    proc.once("exit", () => this.#procs.delete(proc));
    return Object.assign(proc, { output: () => output });
  }

  /** Run `argv` inside namespace `i` to completion; resolves its status and output. */
  run(i: number | "hub", argv: string[], timeoutMs = 15_000) {
    const [cmd, ...args] = this.inside(i, argv);
    const done = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs });
    return { status: done.status, stdout: done.stdout ?? "", stderr: done.stderr ?? "" };
  }

  /** `curl` from the hub: status and body of a GET (status 0 when nothing answered). */
  curl(url: string, user?: string): { status: number; body: string } {
    const auth = user ? ["-u", user] : [];
    const out = this.run("hub", [
      "curl",
      "-s",
      "-m",
      "5",
      ...auth,
      "-w",
      "\n%{http_code}",
      url,
    ]).stdout;
    const cut = out.lastIndexOf("\n");
    return { status: Number(out.slice(cut + 1)) || 0, body: out.slice(0, cut) };
  }

  /** Stop every process started here (SIGTERM, then SIGKILL), then delete the namespaces. */
  async close(): Promise<void> {
    const procs = [...this.#procs];
    for (const proc of procs) signal(proc, "SIGTERM");
    const deadline = Date.now() + 5000;
    while (this.#procs.size > 0 && Date.now() < deadline) await sleep(50);
    for (const proc of this.#procs) signal(proc, "SIGKILL");
    while (this.#procs.size > 0 && Date.now() < deadline + 3000) await sleep(50);
    this.#deleteSpaces();
  }

  #deleteSpaces(): void {
    for (const name of this.#spaces.splice(0).reverse()) spawnSync("ip", ["netns", "del", name]);
  }
}

export function signal(proc: ChildProcess, name: NodeJS.Signals): void {
  try {
    if (proc.pid && proc.exitCode === null) process.kill(proc.pid, name);
  } catch {
    // Already gone.
  }
}
