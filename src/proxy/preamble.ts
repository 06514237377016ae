/**
 * Reading the PROXY protocol header a front load balancer sends first, on
 * listeners with `accept-proxy="yes"`.
 *
 * The header must arrive whole within {@linkcode PREAMBLE_TIMEOUT_MS};
 * bytes after it are the client's own data and are handed on.
 *
 * @module
 */
import type { Conn, NetAddr } from "../runtime/types.ts";
import { parseProxyHeader } from "./proxy_protocol.ts";

export const PREAMBLE_TIMEOUT_MS = 5000;

export type Preamble =
  | { ok: true; source?: NetAddr; rest: Uint8Array }
  | { ok: false; reason: string };

/** Read and parse the header; on a timeout the connection is closed. */
export async function readPreamble(conn: Conn, timeoutMs = PREAMBLE_TIMEOUT_MS): Promise<Preamble> {
  let data = new Uint8Array(0);
  const buf = new Uint8Array(2048);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    conn.close(); // ends the pending read
  }, timeoutMs);
  try {
    while (true) {
      const parsed = parseProxyHeader(data);
      if (parsed.kind === "ok") {
        return { ok: true, source: parsed.source, rest: data.slice(parsed.length) };
      }
      if (parsed.kind === "invalid") return { ok: false, reason: parsed.reason };
      let n: number | null;
      try {
        n = await conn.read(buf);
      } catch {
        return { ok: false, reason: timedOut ? "no PROXY header in time" : "connection broken" };
      }
      if (n === null) return { ok: false, reason: "closed before a PROXY header" };
      const next = new Uint8Array(data.length + n);
      next.set(data);
      next.set(buf.subarray(0, n), data.length);
      data = next;
    }
  } finally {
    clearTimeout(timer);
  }
}
