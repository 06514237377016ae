/**
 * Misbehaving peers for the reliability tests: python3 peers that really
 * send a TCP reset (SO_LINGER 0, which neither Deno's sockets nor
 * `node:net` can), clients that report how a connection ended (FIN, reset,
 * or a hang past a deadline), and a bounded-concurrency pool.
 *
 * @module
 */
import { spawn } from "node:child_process";
import net from "node:net";
import process from "node:process";
import { Buffer } from "node:buffer";
import { within } from "../integration/harness.ts";

// -- python3 peers that send a real RST -------------------------------------------

/**
 * A python3 peer. It prints one line when ready (`ready PORT`), then runs
 * its script; it exits by itself after `lifetime` seconds at most.
 */
export interface PythonPeer {
  port: number;
  pid: number;
  /** Lines it printed after `ready` (results). */
  lines(): string[];
  exited: Promise<number | string>;
  kill(): void;
}

const PY_COMMON = `
import socket, struct, sys, time, threading, os, signal
signal.signal(signal.SIGALRM, lambda *a: os._exit(3))
def rst(s):
    # SO_LINGER with a zero timeout: close() sends RST and drops unsent data.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.close()
`;

/** Accept loop: each client gets `sendBytes` bytes, then a reset. */
const PY_RST_SERVER = `
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', PORT)); srv.listen(512)
print('ready', srv.getsockname()[1], flush=True)
def serve(c):
    try:
        c.settimeout(5)
        c.recv(1024)
        c.sendall(b'x' * SEND)
        time.sleep(0.02)
    except Exception:
        pass
    rst(c)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
`;

/** Accept one client, send `sendBytes`, then die by SIGKILL: the kernel closes for it. */
const PY_DIE_SERVER = `
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', PORT)); srv.listen(16)
print('ready', srv.getsockname()[1], flush=True)
c, _ = srv.accept()
c.settimeout(5)
try:
    c.recv(1024)
    c.sendall(b'x' * SEND)
except Exception:
    pass
time.sleep(0.05)
os.kill(os.getpid(), signal.SIGKILL)
`;

/**
 * \`count\` clients, \`parallel\` at a time: connect, send \`sendBytes\`, read
 * until \`readBytes\` arrived (or 3 s), then reset. Prints \`done OK FAILED\`.
 */
const PY_RST_CLIENTS = `
print('ready', PORT, flush=True)
ok = failed = 0
lock = threading.Lock()
def one():
    global ok, failed
    try:
        c = socket.create_connection(('127.0.0.1', PORT), timeout=3)
        c.sendall(b'y' * SEND)
        got = 0
        deadline = time.time() + 3
        while got < READ and time.time() < deadline:
            d = c.recv(65536)
            if not d: break
            got += len(d)
        rst(c)
        with lock: ok += 1
    except Exception as e:
        with lock: failed += 1
left = COUNT
while left > 0:
    batch = [threading.Thread(target=one) for _ in range(min(PARALLEL, left))]
    for t in batch: t.start()
    for t in batch: t.join()
    left -= len(batch)
print('done', ok, failed, flush=True)
`;

function pythonPeer(
  script: string,
  vars: Record<string, number>,
  lifetimeSeconds = 60,
): Promise<PythonPeer> {
  let source = PY_COMMON + `signal.alarm(${lifetimeSeconds})\n` + script;
  for (const [name, value] of Object.entries(vars)) {
    source = source.replaceAll(name, String(Math.trunc(value)));
  }
  const proc = spawn("python3", ["-c", source], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const lines = () => out.split("\n").filter((l) => l && !l.startsWith("ready"));
  const exited = new Promise<number | string>((resolve) =>
    proc.on("exit", (code, sig) => resolve(code ?? sig ?? -1))
  );
  let gone = false;
  void exited.then(() => gone = true);
  const ready = new Promise<number>((resolve, reject) => {
    proc.stdout!.on("data", (d) => {
      out += d;
      const match = out.match(/^ready (\d+)$/m);
      if (match) resolve(Number(match[1]));
    });
    void exited.then(() => reject(new Error(`python3 peer exited before it was ready:\n${out}`)));
  });
  return within(5000, ready, "python3 peer start").then((port) => ({
    port,
    pid: proc.pid!,
    lines,
    exited,
    kill() {
      if (gone) return;
      try {
        process.kill(proc.pid!, "SIGKILL");
      } catch {
        // Already gone.
      }
    },
  }));
}

/** A backend that answers each client with `sendBytes` bytes and then resets it. */
export function rstBackend(sendBytes: number, port = 0): Promise<PythonPeer> {
  return pythonPeer(PY_RST_SERVER, { PORT: port, SEND: sendBytes });
}

/** A backend for one client: sends `sendBytes`, then its process is SIGKILLed. */
export function dyingBackend(port: number, sendBytes: number): Promise<PythonPeer> {
  return pythonPeer(PY_DIE_SERVER, { PORT: port, SEND: sendBytes }, 20);
}

/** Clients that reset their connection mid-transfer (see the script). */
export function resettingClients(
  port: number,
  options: { count: number; parallel: number; sendBytes: number; readBytes: number },
): Promise<PythonPeer> {
  return pythonPeer(PY_RST_CLIENTS, {
    PORT: port,
    COUNT: options.count,
    PARALLEL: options.parallel,
    SEND: options.sendBytes,
    READ: options.readBytes,
  });
}

/** Run `task(i)` for i in [0, count), at most `parallel` at once; returns the results in order. */
export async function pool<T>(
  count: number,
  parallel: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return results;
}

// -- clients that report how a connection ended --------------------------------------

/**
 * How a client connection ended, as the client saw it: the server closed it
 * (`fin`), reset it, refused it, another error, nothing within the deadline
 * (`hang`), or the client closed it itself after holding it (`held`).
 */
export type Ending = "fin" | "reset" | "error" | "hang" | "refused" | "held";

export interface ClientResult {
  ending: Ending;
  /** Bytes received before the end. */
  received: number;
  /** The first bytes received (up to 256), for checking answers. */
  head: string;
  /** Milliseconds from connect attempt to the end. */
  ms: number;
  code?: string;
}

/**
 * Connect to 127.0.0.1:`port`, write `send` (bytes, or a byte count of
 * filler, written as fast as the connection takes it), optionally
 * half-close, and read until the server ends the connection. A connection
 * still open after `deadlineMs` counts as a hang and is destroyed.
 */
export function talk(
  port: number,
  options: {
    send?: Uint8Array | string | number;
    end?: boolean;
    deadlineMs: number;
    /** After the first bytes arrive, keep the connection this long, then close it (`held`). */
    holdMs?: number;
  },
): Promise<ClientResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    let received = 0;
    let head = "";
    let done = false;
    const finish = (ending: Ending, code?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ending, received, head, ms: Date.now() - started, code });
    };
    const timer = setTimeout(() => finish("hang"), options.deadlineMs);
    socket.on("data", (d: Buffer) => {
      if (received === 0 && options.holdMs !== undefined) {
        setTimeout(() => finish("held"), options.holdMs);
      }
      received += d.length;
      if (head.length < 256) head += d.subarray(0, 256 - head.length).toString("latin1");
    });
    socket.on("end", () => finish("fin"));
    socket.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ECONNRESET" || e.code === "EPIPE") finish("reset", e.code);
      else if (e.code === "ECONNREFUSED") finish("refused", e.code);
      else finish("error", e.code ?? e.message);
    });
    socket.on("close", () => finish("fin"));
    socket.once("connect", () => {
      const send = options.send;
      if (typeof send === "number") {
        // Filler, 64 KiB at a time, respecting backpressure.
        const chunk = Buffer.alloc(Math.min(64 * 1024, Math.max(1, send)), 0x61);
        let left = send;
        const more = () => {
          while (left > 0 && !done) {
            const n = Math.min(left, chunk.length);
            left -= n;
            if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
              socket.once("drain", more);
              return;
            }
          }
          if (left <= 0 && options.end && !done) socket.end();
        };
        more();
      } else {
        if (send !== undefined) socket.write(send);
        if (options.end) socket.end();
      }
    });
  });
}

/** Tally of endings, for messages: `{ fin: 98, reset: 2 }`. */
export function tally(results: ClientResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.ending] = (counts[r.ending] ?? 0) + 1;
  return counts;
}
