/**
 * Listening under Bun: `Bun.listen` native sockets with `allowHalfOpen`.
 *
 * Bun accepts every connection at once (there is no way to leave them in
 * the kernel's backlog), so one nobody has `accept()`ed yet is held here,
 * paused and unread; unlike Deno's backlog, each holds a descriptor while
 * it waits (`Runtime.acceptHoldsDescriptors`).
 *
 * @module
 */
import { NetError } from "../net_error.ts";
import type { Conn, Listener, ListenOptions, NetAddr } from "../types.ts";
import type { BunApi, BunTcpListener } from "./api.ts";
import { BunConn } from "./conn.ts";
import { connHandlers } from "./relay.ts";
import { bare, toNetError } from "./errors.ts";

interface Waiter {
  resolve: (conn: Conn) => void;
  reject: (error: Error) => void;
}

function listenerClosedError(): NetError {
  return new NetError("closed", "Cannot accept: the listener is closed");
}

export class BunListener implements Listener {
  readonly addr: NetAddr;
  #listener: BunTcpListener;
  #ready: BunConn[] = [];
  #waiters: Waiter[] = [];
  #take: ((conn: Conn) => boolean) | undefined;
  #closed = false;

  constructor(bun: BunApi, options: ListenOptions) {
    try {
      this.#listener = bun.listen<BunConn>({
        hostname: bare(options.hostname),
        port: options.port,
        allowHalfOpen: true,
        ...(options.reusePort ? { reusePort: true } : {}),
        ...(options.tls ? { tls: options.tls } : {}),
        socket: connHandlers((socket) => this.#opened(new BunConn(socket))),
      });
    } catch (error) {
      throw toNetError(error);
    }
    // Like Deno, report the address actually bound ("localhost" → 127.0.0.1).
    const bound: Record<string, unknown> = {};
    this.#listener.getsockname(bound);
    this.addr = {
      hostname: typeof bound.address === "string" ? bound.address : bare(options.hostname),
      port: this.#listener.port,
    };
  }

  #opened(conn: BunConn): void {
    if (this.#closed) return conn.close();
    const take = this.#take;
    if (take) {
      if (!take(conn)) this.#take = undefined;
      return;
    }
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

  take(take: (conn: Conn) => boolean): void {
    if (this.#closed) return;
    while (this.#ready.length > 0 && !this.#closed) {
      const conn = this.#ready.shift()!;
      conn.release();
      if (!take(conn)) return;
    }
    this.#take = take;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#take = undefined;
    this.#listener.stop(false);
    for (const conn of this.#ready.splice(0)) conn.close();
    for (const waiter of this.#waiters.splice(0)) waiter.reject(listenerClosedError());
  }
}
