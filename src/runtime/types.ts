/**
 * The runtime adapter contract: everything Director needs from Deno or Bun.
 *
 * Nothing outside `src/runtime/` touches `Deno.*` or `Bun.*`; it goes through
 * a {@linkcode Runtime}. The shapes follow Deno's socket API (read into a
 * caller-owned buffer, write may be partial, `closeWrite` is the half-close)
 * because that model maps cleanly onto both runtimes.
 *
 * @module
 */

/** A network endpoint: a literal address or host name and a port. */
export interface NetAddr {
  hostname: string;
  port: number;
}

/** One TCP connection, either side. */
export interface Conn {
  readonly localAddr: NetAddr;
  readonly remoteAddr: NetAddr;
  /**
   * Read into `buf`; resolves to the number of bytes read, or `null` at end
   * of stream (the peer half-closed). Rejects when the connection breaks.
   */
  read(buf: Uint8Array): Promise<number | null>;
  /** Write all of `data`, resolving once the runtime has taken every byte (backpressure). */
  writeAll(data: Uint8Array): Promise<void>;
  /** Half-close: send FIN, keep reading. */
  closeWrite(): Promise<void>;
  /** Close both directions and release the descriptor. Safe to call twice. */
  close(): void;
  /** Disable Nagle's algorithm (low latency for request/response traffic). */
  setNoDelay(on: boolean): void;
}

/** A bound TCP listening socket. */
export interface Listener {
  readonly addr: NetAddr;
  /** Resolves with the next connection; rejects once the listener is closed. */
  accept(): Promise<Conn>;
  /** Stop listening: the port refuses new connections at once. */
  close(): void;
}

export interface ListenOptions extends NetAddr {
  /** SO_REUSEPORT, for several worker processes on one port. */
  reusePort?: boolean;
}

export interface ConnectOptions extends NetAddr {
  /** Aborting cancels a connect in progress (used for connect timeouts). */
  signal?: AbortSignal;
}

/** Information about the client of an HTTP request. */
export interface HttpClientInfo {
  remoteAddr: NetAddr;
}

export type HttpHandler = (
  request: Request,
  info: HttpClientInfo,
) => Response | Promise<Response>;

export interface ServeOptions extends NetAddr {
  /** PEM certificate and key: serve HTTPS instead of HTTP. */
  cert?: string;
  key?: string;
  /** Called once the server is bound. */
  onListen?: (addr: NetAddr) => void;
}

/** A running HTTP server. */
export interface HttpServer {
  readonly addr: NetAddr;
  /** Stop accepting and close idle connections. */
  shutdown(): Promise<void>;
}

export type SignalName = "SIGTERM" | "SIGINT" | "SIGHUP" | "SIGUSR1" | "SIGUSR2";

/** What Director needs from the JavaScript runtime it runs on. */
export interface Runtime {
  /** "deno" or "bun": reported by `--version` and in logs. */
  readonly name: string;
  /** The runtime's own version string. */
  readonly version: string;
  /**
   * Whether connections not yet taken by `accept()` already hold a file
   * descriptor. False on Deno (they wait in the kernel's backlog); true on
   * Bun, which accepts eagerly: limits derived from the descriptor limit
   * must leave room for clients waiting to be accepted.
   */
  readonly acceptHoldsDescriptors: boolean;
  listen(options: ListenOptions): Listener;
  connect(options: ConnectOptions): Promise<Conn>;
  serveHttp(options: ServeOptions, handler: HttpHandler): HttpServer;
  /** Register a signal handler; returns a function that removes it. */
  onSignal(signal: SignalName, handler: () => void): () => void;
  /** Command-line arguments after the program name. */
  args(): string[];
  exit(code: number): never;
  /** Set the process exit code without exiting (used when the event loop drains). */
  setExitCode(code: number): void;
  pid(): number;
  hostname(): string;
  /**
   * The command that starts this same program again (worker processes):
   * the runtime with its flags and the entry module, or the binary alone.
   */
  selfCommand(): string[];
}
