/**
 * The built-in demo backends for `director --demo`: three tiny HTTP servers
 * on 127.0.0.1:9001–9003, each answering `served by demo-N`, so that
 * `curl localhost:8080` shows balancing at once.
 *
 * They speak just enough HTTP/1.1 for curl, browsers and wrk: one response
 * per request, keep-alive honoured, `Connection: close` respected.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Conn, Listener, Runtime } from "../runtime/types.ts";

export const DEMO_PORTS = [9001, 9002, 9003] as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function response(name: string, keepAlive: boolean): Uint8Array {
  const body = `served by ${name}\n`;
  return encoder.encode(
    `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n` +
      `x-backend: ${name}\r\nconnection: ${keepAlive ? "keep-alive" : "close"}\r\n\r\n${body}`,
  );
}

/** Answer every request on one connection until the client closes. */
async function serveDemoConn(conn: Conn, name: string): Promise<void> {
  const buf = new Uint8Array(8192);
  let pending = "";
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      pending += decoder.decode(buf.subarray(0, n), { stream: true });
      if (pending.length > 65536) break; // not an HTTP client: stop listening to it
      let end: number;
      while ((end = pending.indexOf("\r\n\r\n")) !== -1) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        const keepAlive = !/^connection:\s*close/im.test(head) && !/HTTP\/1\.0/.test(head);
        await conn.writeAll(response(name, keepAlive));
        if (!keepAlive) return;
      }
    }
  } catch {
    // A demo client that resets is not worth a log line.
  } finally {
    conn.close();
  }
}

/** Start the demo backends; returns a function that stops them. */
export function startDemoBackends(runtime: Runtime, log: Logger): () => void {
  const listeners: Listener[] = [];
  try {
    DEMO_PORTS.forEach((port) => {
      listeners.push(runtime.listen({ hostname: "127.0.0.1", port }));
    });
  } catch (error) {
    for (const listener of listeners) listener.close();
    const port = DEMO_PORTS[listeners.length];
    throw new Error(`Cannot start demo backend on 127.0.0.1:${port}: ${String(error)}`);
  }
  listeners.forEach((listener, i) => {
    const name = `demo-${i + 1}`;
    log.info("demo_backend", { name, listen: `127.0.0.1:${DEMO_PORTS[i]}` });
    void (async () => {
      while (true) {
        let conn: Conn;
        try {
          conn = await listener.accept();
        } catch {
          return; // closed
        }
        void serveDemoConn(conn, name);
      }
    })();
  });
  return () => listeners.forEach((l) => l.close());
}
