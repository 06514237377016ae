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
 * the backend connected, an early FIN) is forwarded first. The socket
 * handlers every `BunConn` shares ({@linkcode connHandlers}) live here too:
 * they send each event to the connection until a relay owns it.
 *
 * @module
 */
import type { RelayHooks } from "../types.ts";
import type { BunSocket, BunSocketHandler } from "./api.ts";
import { BunConn, type ConnRelay } from "./conn.ts";

/**
 * One side's end state, as bits in its `BunConn.ends` (a number on the
 * connection instead of an object per side, and no private methods: these
 * handlers run for every event of every connection and are compiled hot).
 */
const EOF = 1; // FIN received from this side
const SHUT = 2; // FIN sent to this side
const SHUT_OWED = 4; // FIN owed to this side once its pending bytes are written
const CLOSED = 8; // Bun closed this side

export class BunRelay implements ConnRelay {
  readonly client: BunConn;
  readonly backend: BunConn;
  readonly hooks: RelayHooks;
  /** Which side sent the first FIN. */
  first: "client" | "backend" | undefined;
  error = false;

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
    client.relay = backend.relay = this;
    client.peer = backend;
    backend.peer = client;
    if (client.failure || backend.failure || client.closed || backend.closed) return this.fail();
    // Indexed loops: for-of's iterator protocol would make this hot function several times larger.
    if (fromClient) {
      for (let i = 0; i < fromClient.length; i++) this.data(client, fromClient[i]);
    }
    if (fromBackend) {
      for (let i = 0; i < fromBackend.length; i++) this.data(backend, fromBackend[i]);
    }
    if (client.ended) this.end(client);
    if (backend.ended) this.end(backend);
    if (!backend.pending) client.socket.resume();
    if (!client.pending) backend.socket.resume();
  }

  data(from: BunConn, chunk: Uint8Array): void {
    const to = from.peer!;
    if (from === this.backend) this.hooks.toClient(chunk.length);
    else this.hooks.toBackend(chunk.length);
    if (to.pending) {
      // A chunk that was already on its way when the source paused.
      to.pending.push(chunk);
      return;
    }
    const n = to.socket.write(chunk);
    if (n === chunk.length) return;
    if (n < 0) return this.fail();
    to.pending = [n === 0 ? chunk : chunk.subarray(n)];
    from.socket.pause();
  }

  drain(to: BunConn): void {
    const pending = to.pending;
    if (!pending) return;
    while (pending.length > 0) {
      const chunk = pending[0];
      const n = to.socket.write(chunk);
      if (n < 0) return this.fail();
      if (n < chunk.length) {
        pending[0] = chunk.subarray(n);
        return;
      }
      pending.shift();
    }
    to.pending = undefined;
    if ((to.ends & SHUT_OWED) !== 0) this.shutdown(to);
    to.peer!.socket.resume();
  }

  /** `from` sent FIN: pass it on once what is held for the other side is written. */
  end(from: BunConn): void {
    if ((from.ends & EOF) !== 0) return;
    from.ends |= EOF;
    this.first ??= from === this.client ? "client" : "backend";
    const to = from.peer!;
    if (to.pending) to.ends |= SHUT_OWED;
    else this.shutdown(to);
  }

  /** Send FIN to `conn` (it came from the other side), unless it was sent or `conn` is closed. */
  shutdown(conn: BunConn): void {
    conn.ends &= ~SHUT_OWED;
    if ((conn.ends & (SHUT | CLOSED)) !== 0) return;
    conn.ends |= SHUT;
    conn.socket.shutdown();
    this.hooks.halfClosed?.(conn === this.client ? "backend" : "client");
  }

  close(conn: BunConn, error?: Error): void {
    if ((conn.ends & CLOSED) !== 0) return;
    conn.ends |= CLOSED;
    conn.pending = undefined;
    if (error) this.error = true;
    const other = conn.peer!;
    // A reset, or a side closed from outside (not after both FINs): end the other too.
    const bothFins = (conn.ends & (EOF | SHUT)) === (EOF | SHUT);
    if ((other.ends & CLOSED) === 0) {
      if (error || !bothFins) other.socket.end();
      return;
    }
    this.hooks.ended(
      this.error ? "error" : this.first === "backend" ? "backend_closed" : "client_closed",
    );
  }

  /** Something broke (a write failed, a side was gone at the start): end both. */
  fail(): void {
    this.error = true;
    this.client.socket.end();
    this.backend.socket.end();
  }
}

/**
 * The handlers of every native socket whose `data` is a {@linkcode BunConn}:
 * pull mode feeds its inbox, relay mode hands the event to the relay.
 * `open` is the caller's (the listener's accept, or the connect attempt).
 */
export function connHandlers(
  open: (socket: BunSocket<BunConn>) => void,
): BunSocketHandler<BunConn> {
  return {
    open,
    data(socket, chunk) {
      const conn = socket.data;
      if (conn.relay) conn.relay.data(conn, chunk);
      else conn.onData(chunk);
    },
    drain(socket) {
      const conn = socket.data;
      if (conn.relay) conn.relay.drain(conn);
      else conn.onDrain();
    },
    end(socket) {
      const conn = socket.data;
      if (conn.relay) conn.relay.end(conn);
      else conn.onEnd();
    },
    close(socket, error) {
      const conn = socket.data;
      if (conn.relay) conn.relay.close(conn, error);
      else conn?.onClose(error);
    },
    error(socket, error) {
      const conn = socket.data;
      if (conn.relay) conn.relay.close(conn, error);
      else conn?.onClose(error);
    },
  };
}

export function relayBun(client: BunConn, backend: BunConn, hooks: RelayHooks): void {
  if (!(client instanceof BunConn) || !(backend instanceof BunConn)) {
    throw new TypeError("Cannot relay: both connections must be Bun native sockets");
  }
  new BunRelay(client, backend, hooks).start();
}
