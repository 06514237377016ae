/**
 * Pull-based reads on top of push-based sockets.
 *
 * Bun's native sockets and `node:net` hand over data as it arrives, while
 * the `Conn` contract reads into a caller's buffer when the caller
 * asks. An {@linkcode Inbox} sits in between: a chunk that arrives while a
 * read waits is copied straight into that read's buffer; otherwise it is
 * queued, and once {@linkcode INBOX_LIMIT} bytes are queued the socket is
 * paused (the kernel stops reading, so the peer's writes back up) until
 * reads have drained the queue below the limit again. Memory per
 * connection is therefore bounded by the limit plus one chunk.
 *
 * @module
 */
/** Queued bytes at which the socket is paused. */
export const INBOX_LIMIT = 64 * 1024;

/** Pausing and resuming the socket that feeds an inbox. */
export interface Flow {
  pause(): void;
  resume(): void;
}

interface PendingRead {
  buf: Uint8Array;
  resolve: (n: number | null) => void;
  reject: (error: Error) => void;
}

/** Incoming data of one connection, read pull-style (see the module doc). */
export class Inbox {
  #flow: Flow;
  #chunks: Uint8Array[] = [];
  #queued = 0;
  #paused = false;
  #eof = false;
  #error: Error | undefined;
  #read: PendingRead | undefined;
  #limit: number;

  constructor(flow: Flow, limit = INBOX_LIMIT) {
    this.#flow = flow;
    this.#limit = limit;
  }

  /** Has the peer half-closed (end of stream seen, maybe with data still queued)? */
  get ended(): boolean {
    return this.#eof;
  }

  /** The error the connection failed with, if it did. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Put `chunk` back in front of the queue (read again first). */
  unshift(chunk: Uint8Array): void {
    if (chunk.length === 0 || this.#error) return;
    this.#chunks.unshift(chunk);
    this.#queued += chunk.length;
  }

  /**
   * Hand every queued chunk over (a relay takes the connection) and stop
   * being used: later pushes are the relay's business. The socket is left
   * as it is (paused or not); the relay resumes it.
   */
  takeAll(): Uint8Array[] {
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#queued = 0;
    this.#paused = false;
    return chunks;
  }

  /** Bytes waiting to be read (at most the limit plus one chunk). */
  get queued(): number {
    return this.#queued;
  }

  /** Has the socket been paused for backpressure (and not resumed yet)? */
  get paused(): boolean {
    return this.#paused;
  }

  /** Data arrived. The inbox keeps `chunk`: the caller must not reuse it. */
  push(chunk: Uint8Array): void {
    if (this.#error || this.#eof || chunk.length === 0) return;
    const read = this.#read;
    if (read) {
      // A read only waits while the queue is empty, so order is kept.
      this.#read = undefined;
      const n = Math.min(chunk.length, read.buf.length);
      read.buf.set(n === chunk.length ? chunk : chunk.subarray(0, n));
      if (n < chunk.length) this.#enqueue(chunk.subarray(n));
      read.resolve(n);
      return;
    }
    this.#enqueue(chunk);
  }

  /** The peer half-closed: reads return what is queued, then `null`. */
  end(): void {
    if (this.#eof || this.#error) return;
    this.#eof = true;
    const read = this.#read;
    this.#read = undefined;
    read?.resolve(null);
  }

  /** The connection broke or was closed: queued data is dropped, reads reject. */
  fail(error: Error): void {
    if (this.#error) return;
    this.#error = error;
    this.#chunks = [];
    this.#queued = 0;
    const read = this.#read;
    this.#read = undefined;
    read?.reject(error);
  }

  /** `Conn.read`: bytes copied into `buf`, or `null` at end of stream. */
  read(buf: Uint8Array): Promise<number | null> {
    if (this.#error) return Promise.reject(this.#error);
    if (this.#read) {
      return Promise.reject(new Error("Cannot read: another read is already waiting"));
    }
    if (this.#queued > 0) return Promise.resolve(this.#take(buf));
    if (this.#eof) return Promise.resolve(null);
    if (buf.length === 0) return Promise.resolve(0);
    return new Promise((resolve, reject) => this.#read = { buf, resolve, reject });
  }

  #enqueue(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#queued += chunk.length;
    if (!this.#paused && this.#queued >= this.#limit) {
      this.#paused = true;
      this.#flow.pause();
    }
  }

  #take(buf: Uint8Array): number {
    let n = 0;
    while (n < buf.length && this.#chunks.length > 0) {
      const chunk = this.#chunks[0];
      const k = Math.min(chunk.length, buf.length - n);
      buf.set(k === chunk.length ? chunk : chunk.subarray(0, k), n);
      n += k;
      if (k === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(k);
    }
    this.#queued -= n;
    if (this.#paused && this.#queued < this.#limit) {
      this.#paused = false;
      this.#flow.resume();
    }
    return n;
  }
}
