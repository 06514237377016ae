/**
 * The Bun implementation of the {@linkcode Runtime} contract, behaving like
 * the Deno adapter (`deno.ts`) in everything Director relies on.
 *
 * - Listening and accepted connections: `Bun.listen` native sockets with
 *   `allowHalfOpen` (see `bun_socket.ts`), each reading at most 64 KiB
 *   ahead. Bun accepts eagerly, so connections nobody has `accept()`ed yet
 *   are queued here, unread; unlike Deno's kernel backlog, each holds a
 *   descriptor while it waits.
 * - Outgoing connections: `node:net`, because a pending `Bun.connect`
 *   cannot be cancelled and `signal` must be honoured (see `bun_net.ts`).
 * - HTTP: `Bun.serve` with `idleTimeout: 0`, or server-sent events would be
 *   cut after Bun's default 10 idle seconds; `development: false`, so an
 *   error is a plain 500 as on Deno, never a page with a stack trace.
 * - Process: `node:process` signals, arguments and exit; `node:os` host name;
 *   `selfCommand` is the binary alone when compiled, else `bun run <entry>`.
 *
 * Errors carry Deno's names and messages, so callers match them alike.
 *
 * @module
 */
import { hostname } from "node:os";
import process from "node:process";
import { connectNodeNet } from "./bun_net.ts";
import { bare, BunConn, connHandlers, toRuntimeError } from "./bun_socket.ts";
import { bunApi, type BunServer, type BunTcpListener } from "./bun_types.ts";
import type {
  Conn,
  ConnectOptions,
  HttpHandler,
  HttpServer,
  Listener,
  ListenOptions,
  NetAddr,
  Runtime,
  ServeOptions,
  SignalName,
} from "./types.ts";

const bun = bunApi();

interface Waiter {
  resolve: (conn: Conn) => void;
  reject: (error: Error) => void;
}

function listenerClosedError(): Error {
  const error = new Error("Cannot accept: the listener is closed");
  error.name = "BadResource";
  return error;
}

class BunListener implements Listener {
  readonly addr: NetAddr;
  #listener: BunTcpListener;
  #ready: BunConn[] = [];
  #waiters: Waiter[] = [];
  #closed = false;

  constructor(options: ListenOptions) {
    try {
      this.#listener = bun.listen<BunConn>({
        hostname: bare(options.hostname),
        port: options.port,
        allowHalfOpen: true,
        ...(options.reusePort ? { reusePort: true } : {}),
        socket: connHandlers((socket) => this.#opened(new BunConn(socket))),
      });
    } catch (error) {
      throw toRuntimeError(error);
    }
    // Like Deno, report the address actually bound ("localhost" → 127.0.0.1).
    const bound: Record<string, unknown> = {};
    this.#listener.getsockname(bound);
    this.addr = {
      hostname: typeof bound.address === "string" ? bound.address : bare(options.hostname),
      port: this.#listener.port,
    };
  }

  /**
   * Bun accepts every connection at once (there is no way to leave them in
   * the kernel's backlog): one nobody has asked for yet is held unread.
   */
  #opened(conn: BunConn): void {
    if (this.#closed) return conn.close();
    const waiter = this.#waiters.shift();
    if (waiter) return waiter.resolve(conn);
    conn.hold();
    this.#ready.push(conn);
  }

  accept(): Promise<Conn> {
    const conn = this.#ready.shift();
    if (conn) {
      conn.release();
      return Promise.resolve(conn);
    }
    if (this.#closed) return Promise.reject(listenerClosedError());
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener.stop(false);
    for (const conn of this.#ready.splice(0)) conn.close();
    for (const waiter of this.#waiters.splice(0)) waiter.reject(listenerClosedError());
  }
}

class BunHttpServer implements HttpServer {
  readonly addr: NetAddr;
  #server: BunServer;

  constructor(server: BunServer, addr: NetAddr) {
    this.#server = server;
    this.addr = addr;
  }

  shutdown(): Promise<void> {
    return this.#server.stop(false);
  }
}

function serveHttp(options: ServeOptions, handler: HttpHandler): HttpServer {
  if (!options.cert !== !options.key) {
    throw new Error("Cannot serve HTTPS: both a certificate and a key are needed");
  }
  let server: BunServer;
  try {
    server = bun.serve({
      hostname: bare(options.hostname),
      port: options.port,
      idleTimeout: 0,
      development: false,
      ...(options.cert && options.key ? { tls: { cert: options.cert, key: options.key } } : {}),
      fetch: (request, bunServer) => {
        const ip = bunServer.requestIP(request);
        return handler(request, {
          remoteAddr: { hostname: ip?.address ?? "", port: ip?.port ?? 0 },
        });
      },
      // Deno's default: log the error, answer a bare 500.
      error: (error) => {
        console.error(error);
        return new Response("Internal Server Error", { status: 500 });
      },
    });
  } catch (error) {
    throw toRuntimeError(error);
  }
  const addr = { hostname: server.hostname ?? bare(options.hostname), port: server.port ?? 0 };
  options.onListen?.(addr);
  return new BunHttpServer(server, addr);
}

/** Director's runtime when started with `bun run` or as the compiled binary. */
export const bunRuntime: Runtime = {
  name: "bun",
  version: bun.version,
  acceptHoldsDescriptors: true,

  listen: (options: ListenOptions): Listener => new BunListener(options),
  connect: (options: ConnectOptions): Promise<Conn> => connectNodeNet(options),
  serveHttp,

  onSignal(signal: SignalName, handler: () => void): () => void {
    process.on(signal, handler);
    return () => process.off(signal, handler);
  },

  args: () => process.argv.slice(2),
  exit: (code: number): never => process.exit(code),
  setExitCode(code: number) {
    process.exitCode = code;
  },
  pid: () => process.pid,
  hostname: () => hostname(),
  selfCommand(): string[] {
    // In a `bun build --compile` binary the entry lives in Bun's embedded
    // file system: the binary alone runs it again.
    const main = bun.main;
    return main.startsWith("/$bunfs") || main.startsWith("B:/~BUN") ? [process.execPath] : [
      process.execPath,
      "run",
      main,
    ];
  },
};
