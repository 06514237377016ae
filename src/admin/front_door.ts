/**
 * The admin's front door: a small TCP layer in front of the HTTP server
 * that drops clients who do not send a request in time.
 *
 * The runtimes' HTTP servers start their handler only once the request
 * headers are in, and Deno's never times out a client that sends them one
 * byte at a time, or nothing at all (slow-loris): each such client would
 * keep a descriptor forever. So the admin address is served here: a client
 * must deliver its request head within `admin-request` seconds (else 408
 * and close); the head is capped at 16 KiB (else 431) and must be
 * well-formed (else 400 with what is wrong, `front_door_check.ts`); the body and the
 * answer get one more such period before the connection is closed; the
 * request is marked `Connection: close`, so one connection carries one
 * request and the deadlines apply to every request; and it is relayed to the real
 * HTTP server on a private loopback port. The client's address travels in
 * `X-Director-Client`, which the server trusts only next to this process's
 * random `X-Director-Front` secret.
 *
 * With `secure="yes"` the door terminates TLS itself (a runtime listener
 * with `tls`): the checks and deadlines run on the decrypted stream (the
 * deadline covers the handshake too), and the inner server, still plain
 * HTTP on loopback, is told nothing more than that the client came through
 * the door (`server.ts` gives such requests their `https:` URL). So a
 * malformed request gets the same 400 over HTTPS as over HTTP, under every
 * runtime — where Bun's own HTTPS server would answer 505 or drop it.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Conn, Listener, NetAddr, Runtime } from "../runtime/types.ts";
import { METHODS, requestHeadProblem } from "./front_door_check.ts";

/** Longest request head accepted (request line and headers). */
export const MAX_HEAD_BYTES = 16 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function reply(status: string, message: string): Uint8Array {
  const body = `error: ${message}\n`;
  const length = encoder.encode(body).length;
  const allow = status.startsWith("405 ") ? `allow: ${METHODS.join(", ")}\r\n` : "";
  return encoder.encode(
    `HTTP/1.1 ${status}\r\ncontent-type: text/plain; charset=utf-8\r\n${allow}` +
      `content-length: ${length}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * The byte offset of the first CRLF CRLF within the first `limit` bytes, or
 * -1. Searched in bytes: an offset into decoded text would be off after a
 * multi-byte character.
 */
export function blankLineAt(data: Uint8Array, limit: number): number {
  const last = Math.min(data.length, limit) - 4;
  for (let i = 0; i <= last; i++) {
    if (data[i] === 13 && data[i + 1] === 10 && data[i + 2] === 13 && data[i + 3] === 10) return i;
  }
  return -1;
}

/** Rewrite a request head: one request per connection, the client named for the server. */
export function rewriteHead(head: string, client: string, secret: string): string {
  const lines = head.split("\r\n").filter((line, i) =>
    i === 0 || !/^(connection|keep-alive|x-director-client|x-director-front)\s*:/i.test(line)
  );
  lines.push("Connection: close", `X-Director-Client: ${client}`, `X-Director-Front: ${secret}`);
  return lines.join("\r\n");
}

export class AdminFrontDoor {
  /** Sent with every relayed request; proves the client address comes from here. */
  readonly secret = crypto.randomUUID();
  #listener: Listener;
  #closed = false;

  /** Bind `address` now (throws if it cannot); `inner` is the HTTP server to relay to. */
  constructor(
    private runtime: Runtime,
    address: NetAddr,
    private inner: NetAddr,
    private timeoutMs: () => number,
    private log: Logger,
    tls?: { cert: string; key: string },
  ) {
    // SO_REUSEPORT: a replacing Director binds the admin address beside this one.
    this.#listener = runtime.listen({ ...address, reusePort: true, tls });
  }

  run(): void {
    void (async () => {
      while (!this.#closed) {
        let conn: Conn;
        try {
          conn = await this.#listener.accept();
        } catch {
          if (this.#closed) return;
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        void this.#serve(conn).catch(() => conn.close());
      }
    })();
  }

  async #serve(client: Conn): Promise<void> {
    const read = await this.#readHead(client);
    if (!read) return;
    const { data, end } = read;
    // Refused here, the same under every runtime (see front_door_check.ts).
    const problem = requestHeadProblem(data.subarray(0, end));
    if (problem) {
      await client.writeAll(reply(problem.status, problem.message)).catch(() => {});
      return client.close();
    }
    await this.#relay(client, decoder.decode(data.subarray(0, end)), data.subarray(end + 4));
  }

  /**
   * What the client sent, up to its blank line (at `end`) and past it, within
   * the request timeout and {@linkcode MAX_HEAD_BYTES}; undefined when it did
   * not (the client is then answered 408 or 431, or closed).
   */
  async #readHead(client: Conn): Promise<{ data: Uint8Array; end: number } | undefined> {
    const timer = setTimeout(() => {
      void client.writeAll(reply("408 Request Timeout", "request timeout")).finally(() =>
        client.close()
      );
    }, this.timeoutMs());
    let data = new Uint8Array(0);
    let end = -1;
    try {
      const buf = new Uint8Array(4096);
      while (end < 0) {
        const n = await client.read(buf);
        if (n === null) {
          client.close();
          return undefined;
        }
        const next = new Uint8Array(data.length + n);
        next.set(data);
        next.set(buf.subarray(0, n), data.length);
        data = next;
        end = blankLineAt(data, MAX_HEAD_BYTES + 4);
        if (end < 0 && data.length > MAX_HEAD_BYTES) {
          clearTimeout(timer);
          await client.writeAll(
            reply("431 Request Header Fields Too Large", "request head too large"),
          );
          client.close();
          return undefined;
        }
      }
    } catch {
      clearTimeout(timer);
      client.close(); // reset, or closed by the timeout
      return undefined;
    }
    clearTimeout(timer);
    return { data, end };
  }

  /** The rewritten head and what came after it to the admin server, and its answer back. */
  async #relay(client: Conn, head: string, rest: Uint8Array): Promise<void> {
    let server: Conn;
    try {
      server = await this.runtime.connect(this.inner);
    } catch (error) {
      this.log.error("admin_front_door_error", { reason: String(error) });
      await client.writeAll(reply("503 Service Unavailable", "admin server unavailable"));
      return client.close();
    }
    // The body and the answer get one more period: the server answers a
    // trickled body with 408 by then, and may still wait for the rest of it.
    const cap = setTimeout(() => {
      client.close();
      server.close();
    }, this.timeoutMs() + 1000);
    const rewritten = rewriteHead(head, client.remoteAddr.hostname, this.secret);
    await server.writeAll(encoder.encode(`${rewritten}\r\n\r\n`));
    if (rest.length > 0) await server.writeAll(rest);
    // One request per connection: once the answer is complete (the server's
    // FIN), close both sides, even if the client still holds its side open.
    await new Promise<void>((resolve) => {
      this.runtime.relay(client, server, {
        toBackend() {},
        toClient() {},
        halfClosed(side) {
          if (side !== "backend") return;
          client.close();
          server.close();
        },
        ended: () => resolve(),
      });
    });
    clearTimeout(cap);
  }

  close(): void {
    this.#closed = true;
    this.#listener.close();
  }
}
