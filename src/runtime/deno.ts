/**
 * The Deno implementation of the {@linkcode Runtime} contract.
 *
 * @module
 */
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

function toNetAddr(addr: Deno.Addr): NetAddr {
  if (addr.transport === "tcp" || addr.transport === "udp") {
    return { hostname: addr.hostname, port: addr.port };
  }
  return { hostname: "", port: 0 };
}

/** Deno.connect takes IPv6 literals without brackets. */
function bare(hostname: string): string {
  return hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
}

class DenoConn implements Conn {
  readonly localAddr: NetAddr;
  readonly remoteAddr: NetAddr;
  #conn: Deno.TcpConn;
  #closed = false;

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.localAddr = toNetAddr(conn.localAddr);
    this.remoteAddr = toNetAddr(conn.remoteAddr);
  }

  read(buf: Uint8Array): Promise<number | null> {
    return this.#conn.read(buf);
  }

  async writeAll(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      offset += await this.#conn.write(offset === 0 ? data : data.subarray(offset));
    }
  }

  closeWrite(): Promise<void> {
    return this.#conn.closeWrite();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the runtime (e.g. after a reset): nothing to release.
    }
  }

  setNoDelay(on: boolean): void {
    try {
      this.#conn.setNoDelay(on);
    } catch {
      // The socket may already be gone; the option no longer matters.
    }
  }
}

class DenoListener implements Listener {
  readonly addr: NetAddr;
  #listener: Deno.TcpListener;

  constructor(listener: Deno.TcpListener) {
    this.#listener = listener;
    this.addr = toNetAddr(listener.addr);
  }

  async accept(): Promise<Conn> {
    return new DenoConn(await this.#listener.accept());
  }

  close(): void {
    try {
      this.#listener.close();
    } catch {
      // Closing twice is harmless.
    }
  }
}

class DenoHttpServer implements HttpServer {
  readonly addr: NetAddr;
  #server: Deno.HttpServer<Deno.NetAddr>;

  constructor(server: Deno.HttpServer<Deno.NetAddr>) {
    this.#server = server;
    this.addr = toNetAddr(server.addr);
  }

  shutdown(): Promise<void> {
    return this.#server.shutdown();
  }
}

/** Director's runtime when started with `deno run`. */
export const denoRuntime: Runtime = {
  name: "deno",
  version: Deno.version.deno,
  acceptHoldsDescriptors: false,

  listen(options: ListenOptions): Listener {
    const listener = Deno.listen({
      hostname: bare(options.hostname),
      port: options.port,
      transport: "tcp",
      ...(options.reusePort ? { reusePort: true } : {}),
    });
    return new DenoListener(listener);
  },

  async connect(options: ConnectOptions): Promise<Conn> {
    const conn = await Deno.connect({
      hostname: bare(options.hostname),
      port: options.port,
      signal: options.signal,
    });
    return new DenoConn(conn);
  },

  serveHttp(options: ServeOptions, handler: HttpHandler): HttpServer {
    const server = Deno.serve(
      {
        hostname: bare(options.hostname),
        port: options.port,
        cert: options.cert,
        key: options.key,
        onListen: (addr) => options.onListen?.(toNetAddr(addr)),
      } as Deno.ServeTcpOptions,
      (request, info) => handler(request, { remoteAddr: toNetAddr(info.remoteAddr) }),
    );
    return new DenoHttpServer(server);
  },

  onSignal(signal: SignalName, handler: () => void): () => void {
    Deno.addSignalListener(signal, handler);
    return () => Deno.removeSignalListener(signal, handler);
  },

  args: () => [...Deno.args],
  exit: (code: number) => Deno.exit(code),
  setExitCode(code: number) {
    Deno.exitCode = code;
  },
  pid: () => Deno.pid,
  hostname: () => Deno.hostname(),
  selfCommand(): string[] {
    const exec = Deno.execPath();
    // A `deno compile` binary is the program itself; `deno run` needs the
    // entry module, and --unstable-net for SO_REUSEPORT in the workers.
    if (!/(^|\/)deno(\.exe)?$/.test(exec)) return [exec];
    return [exec, "run", "-A", "--unstable-net", new URL(Deno.mainModule).pathname];
  },
};
