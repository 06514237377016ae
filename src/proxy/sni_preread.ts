/**
 * Reading a client's TLS ClientHello before choosing where to send it, on
 * services with SNI routes (what nginx `ssl_preread` does): bytes are read
 * until the hello is complete (or is clearly not one), then put back with
 * `unread`, so the backend receives every byte exactly as the client sent
 * it. TLS is never terminated; Director holds no key.
 *
 * Bounded: at most {@linkcode MAX_CLIENT_HELLO_BYTES} are inspected (a
 * larger hello is `malformed`), and the hello must arrive within the
 * service's `sni-timeout`; then the connection is closed (as nginx does at
 * its `preread_timeout`): a read cannot be abandoned without closing, and
 * a client that sends half a hello and waits is not worth a backend.
 *
 * @module
 */
import { inspectClientHello, MAX_CLIENT_HELLO_BYTES } from "../policy/client_hello.ts";
import type { Conn } from "../runtime/types.ts";

export type Preread =
  /** A complete hello, with its server name if it has one. */
  | { kind: "hello"; serverName?: string }
  /** Not TLS, malformed, or the client half-closed first: no name to route on. */
  | { kind: "no-name"; why: "not-tls" | "malformed" | "closed" }
  /** No complete hello within the timeout: the connection is closed. */
  | { kind: "timeout"; bytes: number }
  /** The connection broke while reading. */
  | { kind: "gone" };

/**
 * Read the ClientHello from `conn`, put every byte read back in front of
 * the stream, and say what it was.
 */
export async function prereadClientHello(conn: Conn, timeoutMs: number): Promise<Preread> {
  // One buffer, read into in place: a hello trickling in byte by byte costs no copying.
  const buf = new Uint8Array(MAX_CLIENT_HELLO_BYTES);
  let length = 0;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    conn.close(); // ends the pending read
  }, timeoutMs);
  try {
    while (true) {
      // Never more than the cap: a hello that does not fit in it is `malformed`.
      const seen = inspectClientHello(buf.subarray(0, length));
      if (seen.kind === "hello") return { kind: "hello", serverName: seen.serverName };
      if (seen.kind !== "incomplete") return { kind: "no-name", why: seen.kind };
      let n: number | null;
      try {
        n = await conn.read(buf.subarray(length));
      } catch {
        return timedOut ? { kind: "timeout", bytes: length } : { kind: "gone" };
      }
      if (n === null) return { kind: "no-name", why: "closed" };
      length += n;
    }
  } finally {
    clearTimeout(timer);
    if (!timedOut) conn.unread(buf.slice(0, length));
  }
}
