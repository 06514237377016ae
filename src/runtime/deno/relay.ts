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
import { DenoConn, writeOut } from "./conn.ts";
import { readSocket } from "./socket_io.ts";

type PumpEnd = "eof" | "error";

const noop = () => {};

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

/** The client → backend direction: the read-ahead loop, attached to the backend. */
async function upstream(
  client: DenoConn,
  backend: DenoConn,
  hooks: RelayHooks,
): Promise<PumpEnd> {
  client.readAhead(Infinity, noop);
  try {
    await client.attach({ conn: backend, hooks });
  } catch {
    return "error";
  }
  const end = await client.ahead!;
  if (end === "eof") hooks.halfClosed?.("client");
  return end;
}

export function relayDeno(client: Conn, backend: Conn, hooks: RelayHooks): void {
  if (!(client instanceof DenoConn) || !(backend instanceof DenoConn)) {
    throw new TypeError("Cannot relay: both connections must come from the Deno adapter");
  }
  let first: "client" | "backend" | undefined;
  const closeBoth = (side: "client" | "backend") => (end: PumpEnd) => {
    first ??= side;
    if (end === "error") {
      client.close();
      backend.close();
    }
    return end;
  };
  void Promise.all([
    upstream(client, backend, hooks).then(closeBoth("client")),
    pump(backend, client, hooks).then(closeBoth("backend")),
  ]).then(([up, down]) => {
    client.close();
    backend.close();
    const end: RelayEnd = up === "error" || down === "error"
      ? "error"
      : first === "client"
      ? "client_closed"
      : "backend_closed";
    hooks.ended(end);
  });
}
