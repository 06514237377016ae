/**
 * The Deno implementation of the {@linkcode Runtime} contract.
 *
 * @module
 */
import { NetError } from "../net_error.ts";
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
import { DenoConn, toNetAddr } from "./conn.ts";
import { toNetError } from "./errors.ts";
import { relayDeno } from "./relay.ts";

/** Deno.connect takes IPv6 literals without brackets. */
function bare(hostname: string): string {
  return hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
}

class DenoListener implements Listener {
  readonly addr: NetAddr;
  #listener: Deno.TcpListener | Deno.TlsListener;

  constructor(listener: Deno.TcpListener | Deno.TlsListener) {
    this.#listener = listener;
    this.addr = toNetAddr(listener.addr);
  }

  async accept(): Promise<Conn> {
    try {
      return new DenoConn(await this.#listener.accept());
    } catch (error) {
      throw toNetError(error);
    }
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

/**
 * Deno.connect with a timeout and a cancel token: one AbortController per
 * attempt (Deno cancels a connect only through a signal), dropped once it
 * settles.
 */
async function connect(options: ConnectOptions): Promise<Conn> {
  const { timeoutMs, cancel } = options;
  if (cancel?.cancelled) throw new NetError("cancelled", "connect cancelled");
  const controller = new AbortController();
  let why: "timeout" | "cancelled" | undefined;
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
    why = "timeout";
    controller.abort();
  }, timeoutMs);
  const forget = cancel?.onCancel(() => {
    why ??= "cancelled";
    controller.abort();
  });
  try {
    const socket = await Deno.connect({
      hostname: bare(options.hostname),
      port: options.port,
      signal: controller.signal,
    });
    return new DenoConn(socket);
  } catch (error) {
    if (why === "timeout") throw new NetError("timeout", `connect timeout after ${timeoutMs} ms`);
    if (why === "cancelled") throw new NetError("cancelled", "connect cancelled");
    throw toNetError(error);
  } finally {
    clearTimeout(timer);
    forget?.();
  }
}

/** Director's runtime when started with `deno run`. */
export const denoRuntime: Runtime = {
  name: "deno",
  version: Deno.version.deno,
  acceptHoldsDescriptors: false,

  listen(options: ListenOptions): Listener {
    const bind = {
      hostname: bare(options.hostname),
      port: options.port,
      transport: "tcp" as const,
      ...(options.reusePort ? { reusePort: true } : {}),
    };
    try {
      if (options.tls) return new DenoListener(Deno.listenTls({ ...bind, ...options.tls }));
      return new DenoListener(Deno.listen(bind));
    } catch (error) {
      throw toNetError(error);
    }
  },

  connect,
  relay: relayDeno,

  serveHttp(options: ServeOptions, handler: HttpHandler): HttpServer {
    try {
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
    } catch (error) {
      throw toNetError(error);
    }
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
  workerUrl: (entry) => new URL(`../../${entry}.ts`, import.meta.url).href,
  selfCommand(): string[] {
    const exec = Deno.execPath();
    // A `deno compile` binary is the program itself; `deno run` needs the
    // entry module, and --unstable-net for SO_REUSEPORT.
    if (!/(^|\/)deno(\.exe)?$/.test(exec)) return [exec];
    return [exec, "run", "-A", "--unstable-net", new URL(Deno.mainModule).pathname];
  },
};
