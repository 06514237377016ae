/**
 * The relay under Deno: two read/write loops, one per direction, each over
 * one reused buffer (`../buffers.ts`). A chunk is read only after the
 * previous one was fully written, so a slow reader on one side stops
 * Director reading from the other (bounded memory), and no chunk is
 * allocated. End of stream on one side becomes a half-close on the other;
 * the first error closes both connections at once.
 *
 * The client → backend loop is the client's read-ahead (`conn.ts`), which
 * may already be running with early data queued when the relay starts.
 *
 * @module
 */
import { grown, RELAY_BUFFER_INITIAL } from "../buffers.ts";
import type { Conn, RelayEnd, RelayHooks } from "../types.ts";
import { type AheadTarget, DenoConn, writeOut } from "./conn.ts";
import { readSocket } from "./socket_io.ts";

type PumpEnd = "eof" | "error";

const noop = () => {};

/**
 * The backend → client direction: copy until the backend ends, then
 * half-close the client, and tell the relay. Never rejects.
 */
async function downstream(relay: DenoRelay): Promise<void> {
  relay.ended("backend", await pump(relay.conn, relay.client, relay.hooks));
}

/**
 * Copy `src` to `dst` until `src` ends, then half-close `dst`. Never
 * rejects. Straight on Deno's sockets (no wrapper promise per chunk), but
 * through `src.read` while it still has bytes put back.
 */
async function pump(src: DenoConn, dst: DenoConn, hooks: RelayHooks): Promise<PumpEnd> {
  let buf = new Uint8Array(RELAY_BUFFER_INITIAL);
  const { socket, rid } = src;
  try {
    while (true) {
      const n = src.queued > 0 ? await src.read(buf) ?? 0 : await readSocket(socket, rid, buf);
      if (n === 0) break;
      await writeOut(dst, buf, n);
      hooks.toClient(n);
      buf = grown(buf, n);
    }
  } catch {
    return "error";
  }
  try {
    await dst.socket.closeWrite();
  } catch {
    // The peer is already gone; the other direction will notice.
  }
  hooks.halfClosed?.("backend");
  return "eof";
}

/**
 * One relayed connection: both directions report here when they end (no
 * promise combinator or closure per connection), and it is also where the
 * client's read-ahead loop delivers (`AheadTarget`).
 */
class DenoRelay implements AheadTarget {
  readonly client: DenoConn;
  readonly conn: DenoConn;
  readonly hooks: RelayHooks;
  #running = 2;
  #first: "client" | "backend" | undefined;
  #error = false;

  constructor(client: DenoConn, backend: DenoConn, hooks: RelayHooks) {
    this.client = client;
    this.conn = backend;
    this.hooks = hooks;
  }

  /** One direction is over: an error closes both at once; the second one ends the relay. */
  ended(side: "client" | "backend", end: PumpEnd): void {
    this.#first ??= side;
    this.#running--;
    if (end === "error") this.#error = true;
    if (end === "error" || this.#running === 0) {
      this.client.close();
      this.conn.close();
    }
    if (this.#running > 0) return;
    const how: RelayEnd = this.#error
      ? "error"
      : this.#first === "client"
      ? "client_closed"
      : "backend_closed";
    this.hooks.ended(how);
  }
}

/** The client → backend direction: the read-ahead loop, attached to the backend. */
async function upstream(relay: DenoRelay): Promise<void> {
  const { client, hooks } = relay;
  client.readAhead(Infinity, noop);
  let end: PumpEnd;
  try {
    await client.attach(relay);
    end = await client.ahead!;
  } catch {
    end = "error";
  }
  if (end === "eof") hooks.halfClosed?.("client");
  relay.ended("client", end);
}

export function relayDeno(client: Conn, backend: Conn, hooks: RelayHooks): void {
  if (!(client instanceof DenoConn) || !(backend instanceof DenoConn)) {
    throw new TypeError("Cannot relay: both connections must come from the Deno adapter");
  }
  const relay = new DenoRelay(client, backend, hooks);
  void upstream(relay);
  void downstream(relay);
}
