/**
 * One TCP connection on Deno, as a {@linkcode Conn}.
 *
 * Reads go straight to `Deno.TcpConn.read`, except that the connection
 * keeps a small queue in front of the socket: bytes put back with `unread`
 * (a PROXY header's tail, a peeked ClientHello) and, after `readAhead`,
 * the client's early data while its backend connects. The read-ahead loop
 * is the client → backend direction of the relay started early: when
 * `deno/relay.ts` attaches a backend, it forwards the queue first, then
 * writes straight through. Errors are {@linkcode NetError}s.
 *
 * @module
 */
import { grown, RELAY_BUFFER_INITIAL } from "../buffers.ts";
import { NetError } from "../net_error.ts";
import type { Conn, NetAddr, RelayHooks } from "../types.ts";
import { toNetError } from "./errors.ts";
import { readSocket, resourceId, writeSocket } from "./socket_io.ts";

export function toNetAddr(addr: Deno.Addr): NetAddr {
  if (addr.transport === "tcp" || addr.transport === "udp") {
    return { hostname: addr.hostname, port: addr.port };
  }
  return { hostname: "", port: 0 };
}

/** Where the read-ahead loop delivers once a relay runs: the backend and the relay's hooks. */
export interface AheadTarget {
  readonly conn: DenoConn;
  readonly hooks: RelayHooks;
}

/**
 * Write `buf[0, n)` to `conn` straight through Deno's op (`socket_io.ts`):
 * one `write` in the common case, more only when the kernel takes part of
 * it. Errors are Deno's, not `NetError`s: the relays that call it only
 * need to know that the write failed.
 */
export async function writeOut(conn: DenoConn, buf: Uint8Array, n: number): Promise<void> {
  const { socket, rid } = conn;
  let done = await writeSocket(socket, rid, n === buf.length ? buf : buf.subarray(0, n));
  while (done < n) done += await writeSocket(socket, rid, buf.subarray(done, n));
}

export class DenoConn implements Conn {
  /** A TLS connection (`Listener` with `tls`) reads and writes the decrypted stream. */
  readonly socket: Deno.TcpConn | Deno.TlsConn;
  /** For the relay's reads and writes through Deno's core ops (`socket_io.ts`); TCP only. */
  readonly rid: number | undefined;
  #closed = false;
  #local: NetAddr | undefined;
  #remote: NetAddr | undefined;
  /** Bytes put back or read ahead, in order, not yet read or relayed. */
  #queue: Uint8Array[] | undefined;
  #queued = 0;
  /** The read-ahead loop saw end of stream (forward a FIN after the queue). */
  eof = false;
  /** The read-ahead loop, while one runs: it ends with the client → backend direction. */
  ahead: Promise<"eof" | "error"> | undefined;
  #target: AheadTarget | undefined;
  #wake: (() => void) | undefined;
  #stopped = false;
  /** Told if the client breaks before a relay takes it; dropped once one does. */
  #onGone: (() => void) | undefined;
  #limit = 0;

  constructor(socket: Deno.TcpConn | Deno.TlsConn) {
    this.socket = socket;
    // TLS streams keep the public API: their reads drive the handshake.
    this.rid = "handshake" in socket ? undefined : resourceId(socket);
  }

  get localAddr(): NetAddr {
    return this.#local ??= toNetAddr(this.socket.localAddr);
  }

  get remoteAddr(): NetAddr {
    return this.#remote ??= toNetAddr(this.socket.remoteAddr);
  }

  async read(buf: Uint8Array): Promise<number | null> {
    if (this.#queued > 0) return this.#take(buf);
    if (this.ahead) throw new NetError("other", "Cannot read: the connection is being relayed");
    try {
      return await this.socket.read(buf);
    } catch (error) {
      throw toNetError(error);
    }
  }

  async writeAll(data: Uint8Array): Promise<void> {
    try {
      let offset = 0;
      while (offset < data.length) {
        offset += await this.socket.write(offset === 0 ? data : data.subarray(offset));
      }
    } catch (error) {
      throw toNetError(error);
    }
  }

  async closeWrite(): Promise<void> {
    try {
      await this.socket.closeWrite();
    } catch (error) {
      throw toNetError(error);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopped = true;
    this.#wake?.();
    try {
      this.socket.close();
    } catch {
      // Already closed by the runtime (e.g. after a reset): nothing to release.
    }
  }

  setNoDelay(on: boolean): void {
    try {
      if ("setNoDelay" in this.socket) this.socket.setNoDelay(on);
    } catch {
      // The socket may already be gone; the option no longer matters.
    }
  }

  unread(data: Uint8Array): void {
    if (data.length === 0) return;
    (this.#queue ??= []).unshift(data);
    this.#queued += data.length;
  }

  /** Bytes put back or read ahead and not yet read or relayed. */
  get queued(): number {
    return this.#queued;
  }

  readAhead(limit: number, onGone: () => void): void {
    if (this.ahead) return;
    this.#limit = limit;
    this.#onGone = onGone;
    this.ahead = this.#runAhead();
  }

  /**
   * Deliver from now on to `target`: the queue first, then each chunk as it
   * is read; resolves once the queue is flushed (the FIN too, if the
   * client already sent it). Rejects if the backend fails meanwhile.
   */
  async attach(target: AheadTarget): Promise<void> {
    // The session's cancel token is not needed any more (nor kept alive).
    this.#onGone = undefined;
    while (this.#queue && this.#queue.length > 0) {
      const chunks = this.#queue;
      this.#queue = undefined;
      for (const chunk of chunks) {
        await target.conn.writeAll(chunk);
        target.hooks.toBackend(chunk.length);
      }
    }
    // No await between the emptiness check above and this assignment: the
    // loop can never write ahead of queued data still being flushed.
    this.#queued = 0;
    this.#target = target;
    if (this.eof) await target.conn.closeWrite();
    this.#wake?.();
  }

  async #runAhead(): Promise<"eof" | "error"> {
    let buf = new Uint8Array(RELAY_BUFFER_INITIAL);
    const { socket, rid } = this;
    try {
      while (!this.#stopped) {
        if (!this.#target && this.#queued >= this.#limit) {
          await new Promise<void>((resolve) => this.#wake = resolve);
          this.#wake = undefined;
          continue;
        }
        const n = await readSocket(socket, rid, buf);
        if (n === 0) break;
        const target = this.#target;
        if (target) {
          await writeOut(target.conn, buf, n);
          target.hooks.toBackend(n);
        } else {
          (this.#queue ??= []).push(buf.slice(0, n));
          this.#queued += n;
        }
        buf = grown(buf, n);
      }
    } catch {
      const onGone = this.#onGone;
      this.#onGone = undefined;
      if (!this.#target) onGone?.();
      return "error";
    }
    if (this.#stopped) return "error";
    this.eof = true;
    try {
      // Without a target yet, attach() forwards the FIN after the queue.
      if (this.#target) await this.#target.conn.closeWrite();
    } catch {
      return "error";
    }
    return "eof";
  }

  #take(buf: Uint8Array): number {
    const queue = this.#queue!;
    let n = 0;
    while (n < buf.length && queue.length > 0) {
      const chunk = queue[0];
      const k = Math.min(chunk.length, buf.length - n);
      buf.set(k === chunk.length ? chunk : chunk.subarray(0, k), n);
      n += k;
      if (k === chunk.length) queue.shift();
      else queue[0] = chunk.subarray(k);
    }
    this.#queued -= n;
    return n;
  }
}
