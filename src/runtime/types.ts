/**
 * The runtime adapter contract: everything Director needs from Deno or Bun.
 * Errors come out as `NetError`s with a kind (`net_error.ts`).
 *
 * Nothing outside `src/runtime/` touches `Deno.*` or `Bun.*`; it goes through
 * a {@linkcode Runtime}. The shapes follow Deno's socket API (read into a
 * caller-owned buffer, write may be partial, `closeWrite` is the half-close)
 * because that model maps cleanly onto both runtimes.
 *
 * @module
 */
import type { Cancel } from "./cancel.ts";

/** A network endpoint: a literal address or host name and a port. */
export interface NetAddr {
  hostname: string;
  port: number;
}

/**
 * One TCP connection, either side. Every error it rejects with is a
 * `NetError` (see `net_error.ts`).
 */
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
  /**
   * Put bytes already read back in front of the stream, to be read (or
   * relayed) again first: the tail after a PROXY header, a peeked
   * ClientHello. The connection keeps `data`.
   */
  unread(data: Uint8Array): void;
  /**
   * Read ahead into the connection's own queue, at most `limit` bytes (then
   * reading pauses: backpressure), until a relay takes over: a client's
   * early data while its backend connects, forwarded first by
   * {@linkcode Runtime.relay}. `onGone` is called once if the connection
   * breaks (reset) before the relay starts; a half-close is not "gone", its
   * FIN is forwarded after the early data.
   */
  readAhead(limit: number, onGone: () => void): void;
}

/** How a relayed connection ended: which side closed first, or a broken connection. */
export type RelayEnd = "client_closed" | "backend_closed" | "error";

/**
 * What a relay reports. One object serves a whole connection (no closure
 * per chunk); calls come synchronously from the relay as data moves.
 */
export interface RelayHooks {
  /** `n` bytes were handed to the backend (early data included). */
  toBackend(n: number): void;
  /** `n` bytes were handed to the client. */
  toClient(n: number): void;
  /** Both connections are closed; called exactly once. */
  ended(how: RelayEnd): void;
  /** Optional: `side` sent its FIN (end of stream that way), forwarded to the other side. */
  halfClosed?(side: "client" | "backend"): void;
}

/** A bound TCP listening socket. */
export interface Listener {
  readonly addr: NetAddr;
  /** Resolves with the next connection; rejects once the listener is closed. */
  accept(): Promise<Conn>;
  /**
   * Optional, instead of `accept()` (no promise per connection): hand each
   * new connection to `take` as it arrives — first those already waiting —
   * until `take` returns false (it keeps the connection it was given) or
   * the listener is closed. Later connections wait for `accept()` or the
   * next `take`.
   */
  take?(take: (conn: Conn) => boolean): void;
  /** Stop listening: the port refuses new connections at once. */
  close(): void;
}

export interface ListenOptions extends NetAddr {
  /** SO_REUSEPORT, for several worker processes on one port. */
  reusePort?: boolean;
  /**
   * PEM certificate and key: accept TLS. Accepted connections read and
   * write the decrypted stream; the handshake runs as the first bytes are
   * read, and a failed one is a read that rejects (or ends).
   */
  tls?: { cert: string; key: string };
}

export interface ConnectOptions extends NetAddr {
  /** Give up after this long: rejects with a `NetError` of kind "timeout". */
  timeoutMs?: number;
  /** Cancelling gives up at once: rejects with kind "cancelled". */
  cancel?: Cancel;
  /**
   * A probe of a host that may be dropping SYNs (recovery, health checks):
   * a timed-out or cancelled attempt must release its descriptor at once.
   * Without it a runtime may use a faster connect whose abandoned attempts
   * keep their descriptor until the kernel gives up (Bun, see bun/connect.ts).
   */
  probe?: boolean;
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

/** The modules Director starts worker threads with. */
export type WorkerEntry = "workers/thread" | "control/load_spawner" | "control/load_worker";

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
  /**
   * Move bytes both ways between `client` and `backend` until both are
   * closed, the runtime's fastest way: first the client's unread and
   * read-ahead data, then everything else, with backpressure (memory per
   * connection bounded whatever either peer does) and half-close (end of
   * stream on one side becomes a FIN on the other). The first error closes
   * both at once. Closing either connection from outside (an idle timeout)
   * ends the relay too.
   */
  relay(client: Conn, backend: Conn, hooks: RelayHooks): void;
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
   * The URL to start a worker thread with (`new Worker(url, { type:
   * "module" })`) running `entry`, a module path under `src/` without its
   * extension (`"workers/thread"`), wherever this build keeps it (a
   * compiled binary embeds it under another name).
   */
  workerUrl(entry: WorkerEntry): string;
  /**
   * The command that starts this same program again (worker processes):
   * the runtime with its flags and the entry module, or the binary alone.
   */
  selfCommand(): string[];
}
