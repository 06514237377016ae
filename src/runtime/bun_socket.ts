/**
 * One TCP connection on a Bun native socket, as a {@linkcode Conn}.
 *
 * - Reads: Bun pushes data to a `data` handler; an {@linkcode Inbox} turns
 *   that into pull-style reads and pauses the socket when 64 KiB are queued.
 * - Writes: `socket.write` takes only what the kernel accepts now and
 *   returns that count; the rest stays queued here (by reference, which is
 *   why `writeAll` resolves only once every byte is taken) and is written on
 *   `drain`.
 * - Half-close: sockets are created with `allowHalfOpen`, `closeWrite` is
 *   `socket.shutdown()`, and the peer's FIN is the `end` event. Bun closes a
 *   socket by itself once both sides sent FIN; that `close` is end of stream.
 *
 * Errors carry Deno's names and messages ("Connection refused (os error
 * 111)") so the rest of Director reads them the same on both runtimes.
 *
 * @module
 */
import { constants } from "node:os";
import type { BunSocket, BunSocketHandler } from "./bun_types.ts";
import { Inbox } from "./inbox.ts";
import type { Conn, NetAddr } from "./types.ts";

/** Deno's error name and message text for the errno codes Director looks at. */
const KNOWN_ERRORS: Record<string, [name: string, text: string]> = {
  EADDRINUSE: ["AddrInUse", "Address already in use"],
  EADDRNOTAVAIL: ["AddrNotAvailable", "Cannot assign requested address"],
  EACCES: ["PermissionDenied", "Permission denied"],
  ECONNREFUSED: ["ConnectionRefused", "Connection refused"],
  ECONNRESET: ["ConnectionReset", "Connection reset by peer"],
  ECONNABORTED: ["ConnectionAborted", "Software caused connection abort"],
  EPIPE: ["BrokenPipe", "Broken pipe"],
  ETIMEDOUT: ["TimedOut", "Connection timed out"],
  EHOSTUNREACH: ["HostUnreachable", "No route to host"],
  ENETUNREACH: ["NetworkUnreachable", "Network is unreachable"],
};

/** Rewrite a Bun or `node:net` error the way Deno reports it (same name and message). */
export function toRuntimeError(error: unknown): Error {
  const code = (error as { code?: unknown })?.code;
  const known = typeof code === "string" ? KNOWN_ERRORS[code] : undefined;
  if (!known) return error instanceof Error ? error : new Error(String(error));
  const errno = (constants.errno as Record<string, number>)[code as string];
  const result = new Error(`${known[1]}${errno ? ` (os error ${errno})` : ""}`, { cause: error });
  result.name = known[0];
  return Object.assign(result, { code });
}

/** An error named like Deno's for a descriptor that is no longer usable. */
export function closedError(what: string): Error {
  const error = new Error(`Cannot ${what}: the connection is closed`);
  error.name = "BadResource";
  return error;
}

/** Deno's error for a write after `closeWrite`. */
export function brokenPipe(): Error {
  return toRuntimeError(Object.assign(new Error("write after closeWrite"), { code: "EPIPE" }));
}

/** Literal IPv6 addresses are configured as `[::1]`; sockets take them bare. */
export function bare(hostname: string): string {
  return hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
}

interface PendingWrite {
  data: Uint8Array;
  offset: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** A {@linkcode Conn} on a Bun native socket (see the module doc). */
export class BunConn implements Conn {
  readonly localAddr: NetAddr;
  readonly remoteAddr: NetAddr;
  readonly inbox: Inbox;
  #socket: BunSocket<BunConn>;
  #writes: PendingWrite[] = [];
  #flushed: (() => void)[] = [];
  /** Set once the socket can no longer be written: closed here or by the peer. */
  #gone: Error | undefined;
  #shut = false;
  #closed = false;

  constructor(socket: BunSocket<BunConn>) {
    socket.data = this;
    this.#socket = socket;
    this.localAddr = { hostname: socket.localAddress, port: socket.localPort };
    this.remoteAddr = { hostname: socket.remoteAddress, port: socket.remotePort };
    this.inbox = new Inbox({ pause: () => socket.pause(), resume: () => socket.resume() });
  }

  read(buf: Uint8Array): Promise<number | null> {
    return this.inbox.read(buf);
  }

  /** Accepted but not taken by `accept()` yet: read nothing, as if still in the backlog. */
  hold(): void {
    this.#socket.pause();
  }

  /** Taken by `accept()`: start reading. */
  release(): void {
    if (!this.#gone) this.#socket.resume();
  }

  writeAll(data: Uint8Array): Promise<void> {
    if (this.#shut) return Promise.reject(brokenPipe());
    if (this.#gone) return Promise.reject(this.#gone);
    if (data.length === 0) return Promise.resolve();
    let offset = 0;
    if (this.#writes.length === 0) {
      offset = this.#socket.write(data);
      if (offset === data.length) return Promise.resolve();
      if (offset < 0) return Promise.reject(this.#gone ?? closedError("write"));
    }
    return new Promise((resolve, reject) => {
      this.#writes.push({ data, offset, resolve, reject });
    });
  }

  /** The kernel takes data again: continue the queued writes. */
  onDrain(): void {
    while (this.#writes.length > 0) {
      const write = this.#writes[0];
      const n = this.#socket.write(write.data.subarray(write.offset));
      if (n < 0) return this.onClose(closedError("write"));
      write.offset += n;
      if (write.offset < write.data.length) return;
      this.#writes.shift();
      write.resolve();
    }
    for (const resolve of this.#flushed.splice(0)) resolve();
  }

  async closeWrite(): Promise<void> {
    if (this.#writes.length > 0) await new Promise<void>((r) => this.#flushed.push(r));
    if (this.#gone) throw this.#gone;
    this.#shut = true;
    this.#socket.shutdown();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#fail(closedError("use the connection"));
    this.#socket.end();
  }

  setNoDelay(on: boolean): void {
    if (!this.#gone) this.#socket.setNoDelay(on);
  }

  /** Bun closed the socket: a reset or error fails reads, otherwise it is end of stream. */
  onClose(error?: Error): void {
    if (error) this.#fail(toRuntimeError(error));
    else {
      this.inbox.end();
      this.#fail(closedError("write"), false);
    }
  }

  #fail(error: Error, reads = true): void {
    if (reads) this.inbox.fail(error);
    if (this.#gone) return;
    this.#gone = error;
    for (const write of this.#writes.splice(0)) write.reject(error);
    for (const resolve of this.#flushed.splice(0)) resolve();
  }
}

/** Handlers for sockets whose `data` is a {@linkcode BunConn}; `open` is the caller's. */
export function connHandlers(
  open: (socket: BunSocket<BunConn>) => void,
): BunSocketHandler<BunConn> {
  return {
    open,
    data: (socket, chunk) => socket.data?.inbox.push(chunk),
    drain: (socket) => socket.data?.onDrain(),
    end: (socket) => socket.data?.inbox.end(),
    close: (socket, error) => socket.data?.onClose(error),
    error: (socket, error) => socket.data?.onClose(error),
  };
}
