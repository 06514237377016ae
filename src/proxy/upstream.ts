/**
 * The client → backend direction, which starts before any backend exists.
 *
 * A client may send its request (and even close its side) before Director
 * has connected to a backend, and the connect may fail over to other hosts.
 * pythondirector could lose such early data; here it is read into a buffer
 * of at most {@linkcode EARLY_DATA_LIMIT} bytes (then reading pauses:
 * backpressure) and written, in order, to whichever backend finally
 * answers, followed by the client's FIN if it already sent one.
 *
 * @module
 */
import type { Conn } from "../runtime/types.ts";
import { grown, type PumpEnd, RELAY_BUFFER_INITIAL } from "./relay.ts";

/** Most bytes held per connection while no backend is connected. */
export const EARLY_DATA_LIMIT = 64 * 1024;

export class Upstream {
  /** Resolves when the client's side has ended (EOF forwarded, or an error). */
  readonly done: Promise<PumpEnd>;
  /** Aborted when the client connection fails: cancels a connect in progress. */
  readonly clientGone = new AbortController();

  #client: Conn;
  #count: (bytes: number) => void;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #backend: Conn | undefined;
  #eof = false;
  #stopped = false;
  #resume: (() => void) | undefined;

  /** `initial`: bytes already read from the client (after a PROXY header), sent first. */
  constructor(client: Conn, count: (bytes: number) => void, initial?: Uint8Array) {
    this.#client = client;
    this.#count = count;
    if (initial && initial.length > 0) {
      this.#pending.push(initial);
      this.#pendingBytes = initial.length;
    }
    this.done = this.#run();
  }

  /** Also report every forwarded byte count to `extra` (per-connection counting). */
  onBytes(extra: (bytes: number) => void): void {
    const count = this.#count;
    this.#count = (n) => {
      count(n);
      extra(n);
    };
  }

  /** Has the client connection broken (reset) before or while relaying? */
  get failed(): boolean {
    return this.clientGone.signal.aborted;
  }

  /**
   * The backend is connected: write the early data to it, then let the pump
   * write straight through. Rejects if the backend fails during the flush.
   */
  async attach(backend: Conn): Promise<void> {
    while (this.#pending.length > 0) {
      const chunks = this.#pending;
      this.#pending = [];
      for (const chunk of chunks) {
        await backend.writeAll(chunk);
        this.#count(chunk.length);
      }
    }
    // No await between the emptiness check above and this assignment, so the
    // pump can never write ahead of early data still being flushed.
    this.#pendingBytes = 0;
    this.#backend = backend;
    if (this.#eof) await backend.closeWrite();
    this.#wake();
  }

  /** No backend will come: stop the pump (the caller closes the client). */
  abandon(): void {
    this.#stopped = true;
    this.#pending = [];
    this.#wake();
  }

  #wake(): void {
    const resume = this.#resume;
    this.#resume = undefined;
    resume?.();
  }

  async #run(): Promise<PumpEnd> {
    let buf = new Uint8Array(RELAY_BUFFER_INITIAL);
    try {
      while (!this.#stopped) {
        if (!this.#backend && this.#pendingBytes >= EARLY_DATA_LIMIT) {
          await new Promise<void>((resolve) => this.#resume = resolve);
          continue;
        }
        const n = await this.#client.read(buf);
        if (n === null) break;
        const backend = this.#backend;
        if (backend) {
          await backend.writeAll(buf.subarray(0, n));
          this.#count(n);
        } else {
          this.#pending.push(buf.slice(0, n));
          this.#pendingBytes += n;
        }
        buf = grown(buf, n);
      }
    } catch {
      this.clientGone.abort();
      return "error";
    }
    if (this.#stopped) return "error";
    this.#eof = true;
    try {
      // Without a backend yet, attach() forwards the FIN after the early data.
      if (this.#backend) await this.#backend.closeWrite();
    } catch {
      return "error";
    }
    return "eof";
  }
}
