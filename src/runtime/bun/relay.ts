/**
 * The relay under Bun: the two native sockets' handlers wired to each
 * other, with no promise, queue or copy per chunk.
 *
 * - `data` on one side is written to the other at once. When `write` takes
 *   less than offered, the rest is kept (Bun hands each event a fresh
 *   buffer, so keeping it by reference is safe) and the source is paused;
 *   the peer's `drain` writes the rest and resumes the source. So at most
 *   one chunk per direction is held, whatever either peer does.
 * - `end` (the peer's FIN) becomes `shutdown()` on the other side, once
 *   anything still held for it is written.
 * - Bun closes a socket once both directions are shut; when both sockets
 *   are closed the relay reports how it ended. A reset or error on either
 *   side closes the other at once.
 *
 * At the start, what pull mode queued (unread bytes, early data read while
 * the backend connected, an early FIN) is forwarded first.
 *
 * @module
 */
import type { RelayEnd, RelayHooks } from "../types.ts";
import { BunConn, type ConnRelay } from "./conn.ts";

/**
 * One side's end state, as bits (one number per side instead of an object
 * per side: a relayed connection is held for as long as it lasts).
 */
const EOF = 1; // FIN received from this side
const SHUT = 2; // FIN sent to this side
const SHUT_OWED = 4; // FIN owed to this side once its pending bytes are written
const CLOSED = 8; // Bun closed this side

export class BunRelay implements ConnRelay {
  readonly client: BunConn;
  readonly backend: BunConn;
  readonly hooks: RelayHooks;
  #first: "client" | "backend" | undefined;
  #error = false;
  #c = 0;
  #b = 0;

  constructor(client: BunConn, backend: BunConn, hooks: RelayHooks) {
    this.client = client;
    this.backend = backend;
    this.hooks = hooks;
  }

  /** Take both connections over: forward what pull mode queued, then relay live. */
  start(): void {
    const client = this.client, backend = this.backend;
    const fromClient = client.takeEarly();
    const fromBackend = backend.takeEarly();
    client.relay = this;
    backend.relay = this;
    if (client.failure || backend.failure || client.closed || backend.closed) return this.#fail();
    // Indexed loops: for-of's iterator protocol would make this hot function several times larger.
    if (fromClient) {
      for (let i = 0; i < fromClient.length; i++) {
        this.data(client, fromClient[i]);
      }
    }
    if (fromBackend) {
      for (let i = 0; i < fromBackend.length; i++) this.data(backend, fromBackend[i]);
    }
    if (client.ended) this.end(client);
    if (backend.ended) this.end(backend);
    if (!backend.pending) client.socket.resume();
    if (!client.pending) backend.socket.resume();
  }

  #has(conn: BunConn, bits: number): boolean {
    return ((conn === this.client ? this.#c : this.#b) & bits) !== 0;
  }

  #set(conn: BunConn, bits: number): void {
    if (conn === this.client) this.#c |= bits;
    else this.#b |= bits;
  }

  #clear(conn: BunConn, bits: number): void {
    if (conn === this.client) this.#c &= ~bits;
    else this.#b &= ~bits;
  }

  #other(conn: BunConn): BunConn {
    return conn === this.client ? this.backend : this.client;
  }

  data(from: BunConn, chunk: Uint8Array): void {
    const to = this.#other(from);
    if (from === this.backend) this.hooks.toClient(chunk.length);
    else this.hooks.toBackend(chunk.length);
    if (to.pending) {
      // A chunk that was already on its way when the source paused.
      to.pending.push(chunk);
      return;
    }
    const n = to.socket.write(chunk);
    if (n === chunk.length) return;
    if (n < 0) return this.#fail();
    to.pending = [n === 0 ? chunk : chunk.subarray(n)];
    from.socket.pause();
  }

  drain(to: BunConn): void {
    const pending = to.pending;
    if (!pending) return;
    while (pending.length > 0) {
      const chunk = pending[0];
      const n = to.socket.write(chunk);
      if (n < 0) return this.#fail();
      if (n < chunk.length) {
        pending[0] = chunk.subarray(n);
        return;
      }
      pending.shift();
    }
    to.pending = undefined;
    if (this.#has(to, SHUT_OWED)) this.#shutdown(to);
    this.#other(to).socket.resume();
  }

  /** `from` sent FIN: pass it on once what is held for the other side is written. */
  end(from: BunConn): void {
    if (this.#has(from, EOF)) return;
    this.#set(from, EOF);
    const side = from === this.client ? "client" : "backend";
    this.#first ??= side;
    const to = this.#other(from);
    if (to.pending) this.#set(to, SHUT_OWED);
    else this.#shutdown(to);
  }

  #shutdown(conn: BunConn): void {
    this.#clear(conn, SHUT_OWED);
    if (this.#has(conn, SHUT | CLOSED)) return;
    this.#set(conn, SHUT);
    conn.socket.shutdown();
    // The FIN came from the other side and is now passed on.
    this.hooks.halfClosed?.(conn === this.client ? "backend" : "client");
  }

  close(conn: BunConn, error?: Error): void {
    if (this.#has(conn, CLOSED)) return;
    this.#set(conn, CLOSED);
    conn.pending = undefined;
    if (error) this.#error = true;
    const other = this.#other(conn);
    // A reset, or a side closed from outside (not after both FINs): end the other too.
    const bothFins = this.#has(conn, EOF) && this.#has(conn, SHUT);
    if (!this.#has(other, CLOSED) && (error || !bothFins)) other.socket.end();
    if ((this.#c & this.#b & CLOSED) !== 0) this.#finish();
  }

  #fail(): void {
    this.#error = true;
    this.client.socket.end();
    this.backend.socket.end();
  }

  #finish(): void {
    const how: RelayEnd = this.#error
      ? "error"
      : this.#first === "backend"
      ? "backend_closed"
      : "client_closed";
    this.hooks.ended(how);
  }
}

export function relayBun(client: BunConn, backend: BunConn, hooks: RelayHooks): void {
  if (!(client instanceof BunConn) || !(backend instanceof BunConn)) {
    throw new TypeError("Cannot relay: both connections must be Bun native sockets");
  }
  new BunRelay(client, backend, hooks).start();
}
