/**
 * The Bun implementation of the {@linkcode Runtime} contract, behaving like
 * the Deno adapter (`deno.ts`) in everything Director relies on.
 *
 * - Listening and accepted connections: `Bun.listen` native sockets with
 *   `allowHalfOpen` (`listener.ts`, `conn.ts`), each reading at most 64 KiB
 *   ahead in pull mode. Bun accepts eagerly, so connections nobody has
 *   `accept()`ed yet are held, unread, each holding a descriptor.
 * - Outgoing connections: `Bun.connect` for the data path (abandoned on
 *   timeout, since it cannot be cancelled), `node:net` for probes
 *   (`connect.ts`).
 * - Relay: the two native sockets' handlers wired to each other (`relay.ts`).
 * - HTTP: `Bun.serve` with `idleTimeout: 0`, or server-sent events would be
 *   cut after Bun's default 10 idle seconds; `development: false`, so an
 *   error is a plain 500 as on Deno, never a page with a stack trace.
 * - Process: `node:process` signals, arguments and exit; `node:os` host name;
 *   `selfCommand` is the binary alone when compiled, else `bun run <entry>`.
 *
 * Errors are `NetError`s with a kind (`errors.ts`), as under Deno.
 *
 * @module
 */
import { hostname } from "node:os";
import process from "node:process";
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
} from "../types.ts";
import { bunApi, type BunServer } from "./api.ts";
import { BunConn } from "./conn.ts";
import { connectBun } from "./connect.ts";
import { bare, toNetError } from "./errors.ts";
import { BunListener } from "./listener.ts";
import { relayBun } from "./relay.ts";

const bun = bunApi();

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
    throw toNetError(error);
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

  listen: (options: ListenOptions): Listener => new BunListener(bun, options),
  connect: (options: ConnectOptions): Promise<Conn> => connectBun(bun, options),
  relay: (client, backend, hooks) => relayBun(client as BunConn, backend as BunConn, hooks),
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
  workerUrl(entry): string {
    // `bun build --compile` embeds the worker entries (tools/build.ts names
    // them) under the entry points' common root, as JavaScript.
    if (import.meta.url.includes("$bunfs")) return `/$bunfs/root/${entry}.js`;
    return new URL(`../../${entry}.ts`, import.meta.url).href;
  },
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
