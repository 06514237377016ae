/**
 * Moving bytes between two connections, with backpressure and half-close.
 *
 * Each direction is a read/write loop over one reused buffer: a chunk is
 * read only after the previous one was fully written, so a slow reader on
 * one side stops Director reading from the other side (bounded memory), and
 * no per-chunk allocation happens. The buffer starts small — an idle
 * connection keeps its buffers pinned in pending reads, so they decide the
 * memory per idle connection — and grows (1 → 16 → 64 KiB) when reads fill
 * it, which is what a bulk transfer does. End of stream on one side becomes a
 * half-close (FIN) on the other, so a client that shuts down its write side
 * still receives the whole answer.
 *
 * @module
 */
import type { Conn } from "../runtime/types.ts";

/**
 * The sizes a direction's read buffer goes through: 1 KiB while idle or
 * chatty, 16 KiB once a read fills it, 64 KiB for bulk. Measured
 * (bench/README.md): half the memory per idle connection of a fixed 16 KiB
 * buffer, and a third less CPU per GB of bulk.
 */
export const RELAY_BUFFER_SIZES = [1024, 16 * 1024, 64 * 1024] as const;
export const RELAY_BUFFER_INITIAL = RELAY_BUFFER_SIZES[0];
export const RELAY_BUFFER_MAX = RELAY_BUFFER_SIZES[RELAY_BUFFER_SIZES.length - 1];

/** The buffer for the next read: the next size up when the last read filled `buf`. */
export function grown(buf: Uint8Array<ArrayBuffer>, filled: number): Uint8Array<ArrayBuffer> {
  if (filled < buf.length || buf.length >= RELAY_BUFFER_MAX) return buf;
  return new Uint8Array(RELAY_BUFFER_SIZES.find((size) => size > buf.length) ?? RELAY_BUFFER_MAX);
}

/** How a direction of a relay ended. */
export type PumpEnd = "eof" | "error";

/** Byte counters a relay adds to as data flows (a host's counters). */
export interface Traffic {
  bytesIn: number;
  bytesOut: number;
}

/**
 * Copy `src` to `dst` until `src` ends, then half-close `dst`.
 * Never rejects: a broken connection ends the pump with "error".
 */
export async function pump(
  src: Conn,
  dst: Conn,
  count: (bytes: number) => void,
): Promise<PumpEnd> {
  let buf = new Uint8Array(RELAY_BUFFER_INITIAL);
  try {
    while (true) {
      const n = await src.read(buf);
      if (n === null) break;
      await dst.writeAll(buf.subarray(0, n));
      count(n);
      buf = grown(buf, n);
    }
  } catch {
    return "error";
  }
  try {
    await dst.closeWrite();
  } catch {
    // The peer is already gone; the other direction will notice.
  }
  return "eof";
}

/**
 * Wait for both directions; the first error closes both connections at once
 * (the other direction's pending read then ends it too).
 */
export async function settle(
  client: Conn,
  backend: Conn,
  upstream: Promise<PumpEnd>,
  downstream: Promise<PumpEnd>,
): Promise<RelayEnd> {
  let first: "client" | "backend" | undefined;
  const closeBoth = (side: "client" | "backend") => (end: PumpEnd) => {
    first ??= side;
    if (end === "error") {
      client.close();
      backend.close();
    }
    return end;
  };
  const [up, down] = await Promise.all([
    upstream.then(closeBoth("client")),
    downstream.then(closeBoth("backend")),
  ]);
  client.close();
  backend.close();
  if (up === "error" || down === "error") return "error";
  return first === "client" ? "client_closed" : "backend_closed";
}

/** How a relayed connection ended: which side closed first, or a broken connection. */
export type RelayEnd = "client_closed" | "backend_closed" | "error";
