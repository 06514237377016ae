/**
 * Test peers on 127.0.0.1: backends (named, echo, recording, scripted,
 * blackhole) and clients (`node:net`), all over real sockets.
 *
 * @module
 */
import { spawn } from "node:child_process";
import net from "node:net";
import { within } from "./harness.ts";
import { loadRuntime } from "../../src/runtime/mod.ts";
import type { Conn } from "../../src/runtime/types.ts";
import { Buffer } from "node:buffer";

export interface Backend {
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  close(): Promise<void>;
}

const runtime = await loadRuntime();
const encoder = new TextEncoder();

/**
 * Start a TCP server on 127.0.0.1 (or `hostname`; port 0 = any) that runs `handler` for
 * each connection and closes the connection when the handler settles.
 *
 * Servers use Director's runtime adapter rather than `node:net`: Deno's
 * `node:net` server loses data it writes when the client's FIN arrives
 * early (a Deno bug, seen 175 times in 200 here), which would make the
 * half-close and early-data tests fail for reasons outside Director.
 */
export function startServer(
  handler: (conn: Conn) => Promise<unknown> | unknown,
  port = 0,
  hostname = "127.0.0.1",
): Promise<Backend> {
  const listener = runtime.listen({ hostname, port });
  const conns = new Set<Conn>();
  const backend: Backend = {
    port: listener.addr.port,
    accepted: 0,
    close() {
      listener.close();
      for (const conn of conns) conn.close();
      return Promise.resolve();
    },
  };
  void (async () => {
    while (true) {
      let conn: Conn;
      try {
        conn = await listener.accept();
      } catch {
        return; // closed
      }
      backend.accepted++;
      conns.add(conn);
      void (async () => {
        try {
          await handler(conn);
        } catch {
          // A peer reset is an outcome the tests observe from the client side.
        } finally {
          conns.delete(conn);
          conn.close();
        }
      })();
    }
  })();
  return Promise.resolve(backend);
}

/** Read `conn` until the peer's FIN. */
export async function readConn(conn: Conn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(64 * 1024);
  let n: number | null;
  while ((n = await conn.read(buf)) !== null) chunks.push(buf.slice(0, n));
  return Buffer.concat(chunks);
}

/** Write text or bytes. */
export function send(conn: Conn, data: string | Uint8Array): Promise<void> {
  return conn.writeAll(typeof data === "string" ? encoder.encode(data) : data);
}

/** A backend that greets each client with its name and a newline, then closes. */
export function namedBackend(name: string, port = 0): Promise<Backend> {
  return startServer(async (conn) => {
    await send(conn, `${name}\n`);
    await conn.closeWrite();
    await readConn(conn);
  }, port);
}

/** A backend that writes back everything it reads, and half-closes when the client does. */
export function echoBackend(port = 0): Promise<Backend> {
  return startServer(async (conn) => {
    const buf = new Uint8Array(64 * 1024);
    let n: number | null;
    while ((n = await conn.read(buf)) !== null) await conn.writeAll(buf.subarray(0, n));
    await conn.closeWrite();
  }, port);
}

/** A backend that records all bytes each client sent (until its FIN), then answers "got it". */
export async function recordingBackend(): Promise<Backend & { received: Promise<Uint8Array>[] }> {
  const received: Promise<Uint8Array>[] = [];
  const backend = await startServer(async (conn) => {
    const all = readConn(conn);
    received.push(all);
    await all;
    await send(conn, "got it\n");
  });
  return Object.assign(backend, { received });
}

/** Read a client socket until the peer's FIN. */
export function readAll(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("end", () => resolve(Buffer.concat(chunks)));
    socket.on("error", reject);
  });
}

/** Connect to 127.0.0.1:`port` (allowHalfOpen, so FINs can be tested one way at a time). */
export function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

/**
 * One exchange: connect, send `data` (if any), half-close, read everything
 * until the server's FIN. Resolves with what was read.
 */
export async function exchange(port: number, data?: Uint8Array | string, ms = 10_000) {
  const socket = await connect(port);
  const reply = readAll(socket);
  socket.end(data ?? "");
  try {
    return await within(ms, reply, `exchange on port ${port}`);
  } finally {
    socket.destroy();
  }
}

/** Ask the service on `port` which backend answers: the first line of the reply. */
export async function whoAnswers(port: number, data?: string): Promise<string> {
  return (await exchange(port, data)).toString().trim();
}

/**
 * A port where connects hang: a listener with a full accept queue drops
 * further SYNs, so a connect neither succeeds nor fails until it times out.
 * Uses python3 because `listen(0)` without accepting is what makes it.
 */
export async function blackholePort(): Promise<{ port: number; close: () => void }> {
  const script = "import socket,time\n" +
    "s=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\n" +
    "print(s.getsockname()[1],flush=True)\ntime.sleep(120)\n";
  const proc = spawn("python3", ["-c", script], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await within(
    5000,
    new Promise<number>((resolve) => proc.stdout!.once("data", (d) => resolve(Number(`${d}`)))),
    "python3 blackhole listener",
  );
  // Fill the accept queue: connect until a connect no longer completes.
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 8; i++) {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.on("error", () => {});
    fillers.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      socket.once("connect", () => resolve(true));
      setTimeout(() => resolve(false), 300);
    });
    if (!connected) break;
  }
  return {
    port,
    close: () => {
      for (const s of fillers) s.destroy();
      proc.kill("SIGKILL");
    },
  };
}

/** A deterministic payload of `size` bytes (not all zeros, so reordering shows). */
export function payload(size: number, seed = 1): Uint8Array {
  const data = new Uint8Array(size);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return data;
}
