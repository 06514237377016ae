/**
 * One TCP connection on a Bun native socket (`Bun.listen`, `Bun.connect`),
 * as a {@linkcode Conn}.
 *
 * Bun pushes data to a `data` handler. Until a relay takes the connection
 * it is in *pull mode*: an {@linkcode Inbox} (made on first use) queues what
 * arrives and turns it into pull-style reads, pausing the socket at its
 * limit. Once `bun/relay.ts` takes it, the handlers forward each chunk
 * straight to the peer socket and nothing is queued or promised per chunk.
 *
 * Writes: `socket.write` takes only what the kernel accepts now and returns
 * that count; `writeAll` keeps the rest (by reference, which is why it
 * resolves only once every byte is taken) and writes it on `drain`.
 * Half-close: sockets have `allowHalfOpen`, `closeWrite` is `shutdown()`,
 * the peer's FIN is the `end` event; Bun closes a socket by itself once both
 * sides sent FIN, and that `close` is end of stream.
 *
 * @module
 */
import type { BunSocket } from "./api.ts";
import { brokenPipe, closedError, toNetError } from "./errors.ts";
import { Inbox, INBOX_LIMIT } from "./inbox.ts";
import type { NetError } from "../net_error.ts";
import type { Conn, NetAddr } from "../types.ts";

interface PendingWrite {
  data: Uint8Array;
  offset: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * What takes a relayed connection's socket events (`BunRelay` in
 * `bun/relay.ts`); declared here so this module does not import the relay,
 * which imports it.
 */
export interface ConnRelay {
  data(from: BunConn, chunk: Uint8Array): void;
  drain(to: BunConn): void;
  end(from: BunConn): void;
  close(conn: BunConn, error?: Error): void;
}

/** Read ahead without an inbox, the socket was paused at the limit. */
const F_PAUSED = 1;
/** FIN seen while no inbox exists. */
const F_EOF = 2;
/** `closeWrite` done. */
const F_SHUT = 4;
/** `close` called. */
const F_CLOSED = 8;
/**
 * Nagle's algorithm is on (`setNoDelay(false)` was called). Bun sets
 * TCP_NODELAY on every socket it accepts or connects (1.4.4, seen with
 * strace), so a `setNoDelay(true)` on a fresh socket is a system call that
 * changes nothing: skipped, two per relayed connection.
 */
const F_DELAY = 16;

/** A {@linkcode Conn} on a Bun native socket (see the module doc). */
export class BunConn implements Conn {
  readonly socket: BunSocket<BunConn>;
  /** Set while a relay owns the connection: the handlers forward to it. */
  relay: ConnRelay | undefined;
  /** Relay mode: bytes for this socket that it could not take yet (it drains them). */
  pending: Uint8Array[] | undefined;
  /** Relay mode: the other connection of the relay. */
  peer: BunConn | undefined;
  /** Relay mode: this side's end state (bits, `relay.ts`). */
  ends = 0;
  #inbox: Inbox | undefined;
  /** Read ahead without an inbox (nobody reads, a relay will take it): the chunks so far. */
  #early: Uint8Array[] | undefined;
  #earlyBytes = 0;
  /** Reads failed (reset, closed here) while no inbox exists. */
  #readError: NetError | undefined;
  #limit = INBOX_LIMIT;
  #onGone: (() => void) | undefined;
  #writes: PendingWrite[] | undefined;
  #flushed: (() => void)[] | undefined;
  /** Set once the socket can no longer be written: closed here or by the peer. */
  #gone: NetError | undefined;
  /** {@linkcode F_PAUSED} and the other states, as bits (one field, not four). */
  #flags = 0;
  #local: NetAddr | undefined;
  #remote: NetAddr | undefined;

  constructor(socket: BunSocket<BunConn>) {
    socket.data = this;
    this.socket = socket;
  }

  get localAddr(): NetAddr {
    return this.#local ??= { hostname: this.socket.localAddress, port: this.socket.localPort };
  }

  get remoteAddr(): NetAddr {
    return this.#remote ??= { hostname: this.socket.remoteAddress, port: this.socket.remotePort };
  }

  /**
   * The pull-mode queue, made on first use (a relayed connection may never
   * need one); what was read ahead before moves into it.
   */
  get inbox(): Inbox {
    return this.#inbox ??= this.#makeInbox();
  }

  #makeInbox(): Inbox {
    const socket = this.socket;
    const inbox = new Inbox(
      { pause: () => socket.pause(), resume: () => socket.resume() },
      this.#limit,
    );
    const early = this.#early;
    this.#early = undefined;
    this.#earlyBytes = 0;
    if (this.#flags & F_PAUSED) {
      this.#flags &= ~F_PAUSED;
      if (!this.#gone) socket.resume();
    }
    if (early) { for (const chunk of early) inbox.push(chunk); }
    if (this.#flags & F_EOF) inbox.end();
    if (this.#readError) inbox.fail(this.#readError);
    return inbox;
  }

  /** Pull mode: data arrived. Queued without an inbox while nobody reads (read ahead). */
  onData(chunk: Uint8Array): void {
    if (this.#inbox || !this.#onGone) return this.inbox.push(chunk);
    if ((this.#flags & F_EOF) || this.#readError || chunk.length === 0) return;
    (this.#early ??= []).push(chunk);
    this.#earlyBytes += chunk.length;
    if (!(this.#flags & F_PAUSED) && this.#earlyBytes >= this.#limit) {
      this.#flags |= F_PAUSED;
      this.socket.pause();
    }
  }

  /** Pull mode: the peer sent FIN. */
  onEnd(): void {
    if (this.#inbox) this.#inbox.end();
    else this.#flags |= F_EOF;
  }

  /**
   * Hand pull mode over to the relay: the chunks queued (or undefined);
   * {@linkcode ended} and {@linkcode failure} then tell whether EOF or an
   * error came. The socket is left as it is (paused or not).
   */
  takeEarly(): Uint8Array[] | undefined {
    this.#onGone = undefined;
    const inbox = this.#inbox;
    if (inbox) {
      this.#inbox = undefined;
      if (inbox.ended) this.#flags |= F_EOF;
      return inbox.takeAll();
    }
    const early = this.#early;
    this.#early = undefined;
    return early;
  }

  /** Pull mode saw the peer's FIN (after {@linkcode takeEarly}: up to the hand-over). */
  get ended(): boolean {
    return this.#inbox ? this.#inbox.ended : (this.#flags & F_EOF) !== 0;
  }

  /** Why the connection can no longer be used, if it cannot (closed, reset). */
  get failure(): Error | undefined {
    return this.#gone;
  }

  read(buf: Uint8Array): Promise<number | null> {
    return this.inbox.read(buf);
  }

  unread(data: Uint8Array): void {
    this.inbox.unshift(data);
  }

  readAhead(limit: number, onGone: () => void): void {
    this.#limit = Math.min(limit, INBOX_LIMIT);
    this.#onGone = onGone;
    this.release();
  }

  /** Accepted but not taken by `accept()` yet: read nothing, as if still in the backlog. */
  hold(): void {
    this.socket.pause();
  }

  /** Taken by `accept()`: start reading. */
  release(): void {
    if (!this.#gone) this.socket.resume();
  }

  writeAll(data: Uint8Array): Promise<void> {
    if (this.#flags & F_SHUT) return Promise.reject(brokenPipe());
    if (this.#gone) return Promise.reject(this.#gone);
    if (data.length === 0) return Promise.resolve();
    let offset = 0;
    if (!this.#writes || this.#writes.length === 0) {
      offset = this.socket.write(data);
      if (offset === data.length) return Promise.resolve();
      if (offset < 0) return Promise.reject(this.#gone ?? closedError("write"));
    }
    return new Promise((resolve, reject) => {
      (this.#writes ??= []).push({ data, offset, resolve, reject });
    });
  }

  /** The kernel takes data again: continue the queued writes. */
  onDrain(): void {
    const writes = this.#writes;
    while (writes && writes.length > 0) {
      const write = writes[0];
      const n = this.socket.write(write.data.subarray(write.offset));
      if (n < 0) return this.onClose(closedError("write"));
      write.offset += n;
      if (write.offset < write.data.length) return;
      writes.shift();
      write.resolve();
    }
    if (this.#flushed) { for (const resolve of this.#flushed.splice(0)) resolve(); }
  }

  async closeWrite(): Promise<void> {
    if (this.#writes && this.#writes.length > 0) {
      await new Promise<void>((r) => (this.#flushed ??= []).push(r));
    }
    if (this.#gone) throw this.#gone;
    this.#flags |= F_SHUT;
    this.socket.shutdown();
  }

  close(): void {
    if (this.#flags & F_CLOSED) return;
    this.#flags |= F_CLOSED;
    this.#fail(closedError("use the connection"));
    this.socket.end();
  }

  get closed(): boolean {
    return (this.#flags & F_CLOSED) !== 0;
  }

  setNoDelay(on: boolean): void {
    if (this.#gone || on === ((this.#flags & F_DELAY) === 0)) return;
    this.#flags ^= F_DELAY;
    this.socket.setNoDelay(on);
  }

  /** Bun closed the socket: a reset or error fails reads, otherwise it is end of stream. */
  onClose(error?: Error): void {
    if (error) {
      const gone = this.#onGone;
      this.#onGone = undefined;
      this.#fail(toNetError(error));
      gone?.();
    } else {
      this.onEnd();
      this.#fail(closedError("write"), false);
    }
  }

  #fail(error: NetError, reads = true): void {
    if (reads) {
      if (this.#inbox) this.#inbox.fail(error);
      else if (!this.#readError) {
        this.#readError = error;
        this.#early = undefined;
      }
    }
    if (this.#gone) return;
    this.#gone = error;
    if (this.#writes) { for (const write of this.#writes.splice(0)) write.reject(error); }
    if (this.#flushed) { for (const resolve of this.#flushed.splice(0)) resolve(); }
  }
}
