/**
 * A real, single-member etcd for tests, on free loopback ports with its
 * data in a temp directory: start it, stop it (by PID), restart it on the
 * same ports and data, compact it, and run `etcdctl` against it.
 *
 * Tests that need it skip when `etcd` is not installed:
 *
 * ```ts
 * describe("…", { skip: ETCD_MISSING }, () => { … });
 * ```
 *
 * @module
 */
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import process from "node:process";
import { freePort, sleep, tempDir } from "../integration/harness.ts";

export { freePort, sleep, within } from "../integration/harness.ts";

const ETCD = process.env.ETCD_BIN ?? "etcd";
const ETCDCTL = process.env.ETCDCTL_BIN ?? "etcdctl";

/** Why etcd tests cannot run here (a `skip` reason), or false if they can. */
export const ETCD_MISSING: string | false = spawnSync(ETCD, ["--version"]).status === 0
  ? false
  : `etcd not installed (no '${ETCD}' on PATH; set ETCD_BIN)`;

/** How long `stop()` waits after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5000;

export class EtcdServer {
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dir = tempDir();
  #proc: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #output = "";

  private constructor(clientPort: number, peerPort: number) {
    this.clientPort = clientPort;
    this.peerPort = peerPort;
  }

  /** Start an etcd and wait until it answers. */
  static async start(): Promise<EtcdServer> {
    const server = new EtcdServer(await freePort(), await freePort());
    try {
      await server.restart();
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  /** The client URL, `http://127.0.0.1:PORT`. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.clientPort}`;
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  /** Everything etcd wrote so far, for failure messages. */
  output(): string {
    return this.#output;
  }

  /** (Re)start etcd on the same ports and data directory; resolves once it answers. */
  async restart(): Promise<void> {
    if (this.#proc) throw new Error("Cannot start etcd: it is already running");
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const proc = spawn(ETCD, [
      "--name=test",
      `--data-dir=${join(this.dir, "data")}`,
      `--listen-client-urls=${this.endpoint}`,
      `--advertise-client-urls=${this.endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=test=${peer}`,
    ], { stdio: ["ignore", "pipe", "pipe"] });
    this.#proc = proc;
    const keep = (data: Buffer) => this.#output = (this.#output + data).slice(-20_000);
    proc.stdout!.on("data", keep);
    proc.stderr!.on("data", keep);
    this.#exited = new Promise((resolve) => proc.once("exit", () => resolve()));
    void this.#exited.then(() => {
      if (this.#proc === proc) this.#proc = undefined;
    });
    await this.#waitUntilHealthy();
  }

  async #waitUntilHealthy(): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (!this.#proc) throw new Error(`etcd exited during startup:\n${this.#output}`);
      try {
        const response = await fetch(`${this.endpoint}/health`, {
          signal: AbortSignal.timeout(1000),
        });
        const body = await response.json() as { health?: string };
        if (body.health === "true") return;
      } catch {
        // Not listening yet.
      }
      await sleep(100);
    }
    throw new Error(`etcd did not become healthy within 20 s:\n${this.#output}`);
  }

  /** Stop etcd by PID: SIGTERM, then SIGKILL after a grace period. Safe to call twice. */
  async stop(): Promise<void> {
    const proc = this.#proc;
    if (!proc?.pid) return;
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(proc.pid!, name);
      } catch {
        // Already gone.
      }
    };
    signal("SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), STOP_GRACE_MS);
    await this.#exited;
    clearTimeout(timer);
    this.#proc = undefined;
  }

  /** Stop etcd and remove its data. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Compact the history up to `revision` (watches from before it are refused). */
  async compact(revision: number): Promise<void> {
    const response = await fetch(`${this.endpoint}/v3/kv/compaction`, {
      method: "POST",
      body: JSON.stringify({ revision: String(revision), physical: true }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`Cannot compact etcd at ${revision}: ${text}`);
  }

  /** Run `etcdctl` (API v3) against this etcd; resolves with its standard output. */
  etcdctl(args: string[]): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      execFile(
        ETCDCTL,
        [`--endpoints=${this.endpoint}`, ...args],
        { env: { ...process.env, ETCDCTL_API: "3" }, timeout: 15_000 },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`etcdctl ${args.join(" ")} failed: ${stderr || error}`));
          else resolve(stdout);
        },
      );
    });
  }
}

/** Poll `check` until it returns true (every 50 ms, up to `ms`); reject naming `what` if it never does. */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 15_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not true within ${ms} ms`);
    await sleep(50);
  }
}

/**
 * A TCP relay to `targetPort` that can be cut (every connection dropped,
 * new ones refused) and restored on the same port: it takes a client off
 * etcd while etcd itself stays up for others.
 */
export class CuttableRelay {
  readonly port: number;
  readonly #targetPort: number;
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;

  private constructor(port: number, targetPort: number) {
    this.port = port;
    this.#targetPort = targetPort;
  }

  static async start(targetPort: number): Promise<CuttableRelay> {
    const relay = new CuttableRelay(await freePort(), targetPort);
    await relay.restore();
    return relay;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Accept (again) and relay. */
  restore(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.#targetPort, "127.0.0.1");
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.once("close", () => this.#sockets.delete(socket));
        socket.on("error", () => {});
      }
      client.pipe(upstream).pipe(client);
      client.once("close", () => upstream.destroy());
      upstream.once("close", () => client.destroy());
    });
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
  }

  /** Drop every relayed connection and stop accepting. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A listener that accepts connections and never answers: requests to it time out. */
export async function silentListener() {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accepted: () => accepted,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
