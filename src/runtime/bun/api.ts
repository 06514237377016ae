/**
 * The few Bun APIs the Bun adapter uses, typed locally.
 *
 * No Bun type package is installed and `deno check` must stay clean, so
 * instead of ambient declarations the adapter casts `globalThis.Bun` to
 * {@linkcode BunApi} through {@linkcode bunApi}. The shapes follow Bun 1.4
 * (`Bun.listen`, `Bun.serve`); only what the adapter calls is declared.
 *
 * @module
 */

/** A native TCP socket (`Bun.listen`), carrying the adapter's state in `data`. */
export interface BunSocket<Data> {
  data: Data;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Writes what the kernel takes now; returns that many bytes (0 when full, -1 when closed). */
  write(data: Uint8Array): number;
  /** Half-close: send FIN, keep reading. */
  shutdown(): void;
  /** Close both directions gracefully (FIN, not RST). */
  end(): void;
  /** Close at once, discarding anything unsent. */
  terminate(): void;
  /** Stop reading from the kernel (the peer's writes back up: backpressure). */
  pause(): void;
  resume(): void;
  setNoDelay(on: boolean): boolean;
}

/** Event handlers of a native socket; one object serves every socket of a listener. */
export interface BunSocketHandler<Data> {
  open?(socket: BunSocket<Data>): void;
  data?(socket: BunSocket<Data>, chunk: Uint8Array): void;
  /** The kernel takes writes again after `write` returned less than asked. */
  drain?(socket: BunSocket<Data>): void;
  /** The peer half-closed (FIN). */
  end?(socket: BunSocket<Data>): void;
  /** The socket is gone; `error` is set for a reset or another failure. */
  close?(socket: BunSocket<Data>, error?: Error): void;
  error?(socket: BunSocket<Data>, error: Error): void;
  /** `Bun.connect` only: the connect failed (the socket never opened). */
  connectError?(socket: BunSocket<Data>, error: Error): void;
}

export interface BunConnectOptions<Data> {
  hostname: string;
  port: number;
  allowHalfOpen?: boolean;
  /** The socket's initial `data` (available in `open` and `connectError`). */
  data?: Data;
  socket: BunSocketHandler<Data>;
}

export interface BunListenOptions<Data> {
  hostname: string;
  port: number;
  reusePort?: boolean;
  /** Without it Bun closes both directions when the peer sends FIN. */
  allowHalfOpen?: boolean;
  /** Accept TLS: the handlers see the decrypted stream. */
  tls?: { cert: string; key: string };
  socket: BunSocketHandler<Data>;
}

/** A listening TCP socket (`Bun.listen`). */
export interface BunTcpListener {
  readonly hostname: string;
  readonly port: number;
  /** Fills `out` with the bound address. */
  getsockname(out: Record<string, unknown>): void;
  /** Stop listening; open connections are kept unless `closeActive`. */
  stop(closeActive?: boolean): void;
}

export interface BunServeOptions {
  hostname: string;
  port: number;
  /** Seconds before an idle connection is closed; 0 = never (server-sent events). */
  idleTimeout?: number;
  /** `false`: no error pages with stack traces. */
  development?: boolean;
  tls?: { cert: string; key: string };
  fetch(request: Request, server: BunServer): Response | Promise<Response>;
  error?(error: Error): Response | Promise<Response>;
}

/** A running HTTP server (`Bun.serve`). */
export interface BunServer {
  readonly hostname?: string;
  readonly port?: number;
  requestIP(request: Request): { address: string; port: number } | null;
  /** Stop accepting; resolves once in-flight requests have finished. */
  stop(closeActive?: boolean): Promise<void>;
}

/** The `Bun` global, as far as the adapter uses it. */
export interface BunApi {
  readonly version: string;
  /** The entry module's path (`/$bunfs/…` inside a compiled binary). */
  readonly main: string;
  listen<Data>(options: BunListenOptions<Data>): BunTcpListener;
  /** Resolves with the socket once connected. A pending connect cannot be cancelled. */
  connect<Data>(options: BunConnectOptions<Data>): Promise<BunSocket<Data>>;
  serve(options: BunServeOptions): BunServer;
}

/** The `Bun` global; only call this when running on Bun. */
export function bunApi(): BunApi {
  const bun = (globalThis as unknown as { Bun?: BunApi }).Bun;
  if (!bun) throw new Error("Cannot load the Bun adapter: not running on Bun");
  return bun;
}
