/**
 * Per-client counters for `client-maxconn` and `client-rate`: for each
 * (service, client address), its open connections and its recent new
 * ones — one table for every service and every worker thread, in one
 * growable buffer (shared between threads when there are several), so the
 * limits hold exactly whichever thread accepts a client.
 *
 * Bounded: at most `maxEntries` addresses are tracked. An entry with open
 * connections is never dropped (its count must come back to zero); idle
 * ones (open 0, kept for their rate) sit on a least-recently-used list and
 * the oldest is forgotten when room is needed. Only when every entry has
 * connections open (`maxEntries` clients connected at once) is a new
 * address refused (`FULL`). Memory: a fixed index (4 bytes per bucket, at
 * most 64 Ki buckets) and `56 + 4 × threads` bytes per address (rounded
 * up to 8; the main thread counts as one), grown as addresses arrive: with
 * 2 worker threads 72 bytes each, 4.5 MiB for the 65,536 at most.
 *
 * The rate is HAProxy's sliding-window estimate: the previous window's
 * count, weighted by the share of it still inside the window that ends
 * now, plus the current window's. Only admitted connections count.
 *
 * Open counts are kept per thread (and summed), so a dead thread's share
 * is taken back exactly (`reclaim`). Every operation runs under the
 * table's spin lock and allocates nothing.
 *
 * @module
 */
import { breakLock, lock, unlock } from "./lock.ts";
import {
  appendEntry,
  COUNT,
  type EntryLinks,
  freeEntry,
  HEAD,
  LOCK,
  reuseEntry,
  unlinkEntry,
  USED,
} from "./entry_list.ts";
import { growBuffer } from "./table.ts";

/** Addresses tracked at once, over every service. */
export const MAX_CLIENT_ENTRIES = 65_536;

/** `admit` results other than an entry number (entries are ≥ 1). */
export const OVER_MAXCONN = -1, OVER_RATE = -2, FULL = -3;

const MAX = 6, WORKERS = 7;
const HEADER_I32 = 8;
// An entry: key (4), service, chain, prev, next, idle flag, open, current, previous,
// then one open count per worker; the window start (Float64) after them.
const E_KEY = 0, E_SERVICE = 4, E_CHAIN = 5, E_PREV = 6, E_NEXT = 7, E_IDLE = 8;
const E_OPEN = 9, E_CUR = 10, E_PREV_COUNT = 11, E_WORKER = 12;
const MAX_BUCKETS = 1 << 16;

export interface ClientTableHandle {
  buffer: ArrayBufferLike;
}

/** The limits one admission checks. */
export interface ClientLimits {
  maxconn: number;
  /** Undefined: no rate limit. */
  rate?: { count: number; windowMs: number };
}

function bucketsFor(max: number): number {
  let buckets = 16;
  while (buckets < max && buckets < MAX_BUCKETS) buckets *= 2;
  return buckets;
}

function makeBuffer(bytes: number, maxBytes: number, shared: boolean): ArrayBufferLike {
  const Ctor = (shared ? SharedArrayBuffer : ArrayBuffer) as unknown as new (
    n: number,
    o: object,
  ) => ArrayBufferLike;
  return new Ctor(bytes, { maxByteLength: maxBytes });
}

export class ClientTable {
  readonly #buffer: ArrayBufferLike;
  readonly #i32: Int32Array;
  readonly #links: EntryLinks;
  readonly #f64: Float64Array;
  readonly #buckets: number;
  readonly #entriesAt: number;
  /** Int32 units per entry (even: the Float64 after them stays aligned). */
  readonly #stride: number;
  readonly #owner: number;

  constructor(
    options: { workers?: number; shared?: boolean; max?: number; owner?: number } = {},
    handle?: ClientTableHandle,
  ) {
    this.#owner = options.owner ?? 1;
    if (handle) this.#buffer = handle.buffer;
    else {
      const max = Math.max(1, options.max ?? MAX_CLIENT_ENTRIES);
      const workers = Math.max(1, options.workers ?? 1);
      const index = 4 * (HEADER_I32 + bucketsFor(max));
      const stride = 4 * (E_WORKER + workers + ((E_WORKER + workers) % 2)) + 8;
      this.#buffer = makeBuffer(index, index + 8 + stride * max, options.shared ?? false);
      const header = new Int32Array(this.#buffer);
      header[MAX] = max;
      header[WORKERS] = workers;
    }
    this.#i32 = new Int32Array(this.#buffer);
    this.#f64 = new Float64Array(this.#buffer);
    const links = { chain: E_CHAIN, prev: E_PREV, next: E_NEXT };
    this.#links = { i32: this.#i32, at: (entry) => this.#at(entry), ...links };
    const workers = this.#i32[WORKERS];
    this.#buckets = bucketsFor(this.#i32[MAX]);
    this.#stride = E_WORKER + workers + ((E_WORKER + workers) % 2) + 2;
    this.#entriesAt = Math.ceil((HEADER_I32 + this.#buckets) / 2) * 2;
  }

  /** A view of the same table for another thread (`owner`: its worker index + 1). */
  static attach(handle: ClientTableHandle, owner: number): ClientTable {
    return new ClientTable({ owner }, handle);
  }

  handle(): ClientTableHandle {
    return { buffer: this.#buffer };
  }

  /** Addresses tracked now. */
  get size(): number {
    return Atomics.load(this.#i32, COUNT);
  }

  /**
   * A new connection of `service` from the address whose key is in
   * `key[0..3]`, by worker `worker`: the entry (≥ 1, to `release` later)
   * when the limits let it in, else `OVER_MAXCONN`, `OVER_RATE` or `FULL`.
   */
  admit(service: number, key: Uint32Array, limits: ClientLimits, worker: number, now: number) {
    const i32 = this.#i32;
    lock(i32, LOCK, this.#owner);
    try {
      let entry = this.#find(service, key);
      if (entry === 0) {
        entry = this.#allocate(service, key, now);
        if (entry === 0) return FULL;
      }
      const at = this.#at(entry);
      if (i32[at + E_OPEN] >= limits.maxconn) return OVER_MAXCONN;
      if (limits.rate && this.#overRate(at, limits.rate.count, limits.rate.windowMs, now)) {
        return OVER_RATE;
      }
      if (i32[at + E_IDLE]) this.#unlink(entry);
      i32[at + E_OPEN]++;
      i32[at + E_WORKER + worker]++;
      i32[at + E_CUR]++;
      return entry;
    } finally {
      unlock(i32, LOCK);
    }
  }

  /** A connection `admit` let in has ended. */
  release(entry: number, worker: number): void {
    const i32 = this.#i32, at = this.#at(entry);
    lock(i32, LOCK, this.#owner);
    try {
      if (i32[at + E_WORKER + worker] === 0) return; // taken back already (`reclaim`)
      i32[at + E_WORKER + worker]--;
      if (--i32[at + E_OPEN] === 0) this.#append(entry);
    } finally {
      unlock(i32, LOCK);
    }
  }

  /** Open connections of the entry for `service` and `key` (0 when untracked). */
  open(service: number, key: Uint32Array): number {
    lock(this.#i32, LOCK, this.#owner);
    try {
      const entry = this.#find(service, key);
      return entry === 0 ? 0 : this.#i32[this.#at(entry) + E_OPEN];
    } finally {
      unlock(this.#i32, LOCK);
    }
  }

  /** Take back what worker `worker` (now dead) held, and any lock it held. */
  reclaim(worker: number): void {
    const i32 = this.#i32;
    breakLock(i32, LOCK, worker + 1);
    lock(i32, LOCK, this.#owner);
    try {
      for (let entry = 1; entry <= i32[USED]; entry++) {
        const at = this.#at(entry), mine = i32[at + E_WORKER + worker];
        if (mine === 0) continue;
        i32[at + E_WORKER + worker] = 0;
        i32[at + E_OPEN] -= mine;
        if (i32[at + E_OPEN] === 0) this.#append(entry);
      }
    } finally {
      unlock(i32, LOCK);
    }
  }

  /** Roll the entry's windows forward to `now`; is one more connection over `count`? */
  #overRate(at: number, count: number, windowMs: number, now: number): boolean {
    const i32 = this.#i32, start = (at >> 1) + (this.#stride >> 1) - 1;
    const elapsed = now - this.#f64[start];
    if (elapsed >= windowMs) {
      const periods = Math.floor(elapsed / windowMs);
      i32[at + E_PREV_COUNT] = periods === 1 ? i32[at + E_CUR] : 0;
      i32[at + E_CUR] = 0;
      this.#f64[start] += periods * windowMs;
    }
    const left = Math.max(0, windowMs - (now - this.#f64[start])) / windowMs;
    return i32[at + E_PREV_COUNT] * left + i32[at + E_CUR] >= count;
  }

  #at(entry: number): number {
    return this.#entriesAt + (entry - 1) * this.#stride;
  }

  /** The bucket of a key at `key[offset…offset+3]` (a caller's key, or an entry's own). */
  #bucket(service: number, key: Uint32Array | Int32Array, offset = 0): number {
    let h = Math.imul(service ^ 0x9e3779b9, 0x85ebca6b);
    for (let w = 0; w < 4; w++) h = Math.imul(h ^ key[offset + w], 0xcc9e2d51) ^ (h >>> 15);
    h ^= h >>> 13;
    return HEADER_I32 + ((h >>> 0) & (this.#buckets - 1));
  }

  #find(service: number, key: Uint32Array): number {
    const i32 = this.#i32;
    for (let e = i32[this.#bucket(service, key)]; e !== 0; e = i32[this.#at(e) + E_CHAIN]) {
      const at = this.#at(e);
      if (
        i32[at + E_SERVICE] === service && i32[at] === (key[0] | 0) &&
        i32[at + 1] === (key[1] | 0) && i32[at + 2] === (key[2] | 0) && i32[at + 3] === (key[3] | 0)
      ) return e;
    }
    return 0;
  }

  /** A new entry (evicting the least recently used idle one when full); 0 if none is idle. */
  #allocate(service: number, key: Uint32Array, now: number): number {
    const i32 = this.#i32;
    if (i32[COUNT] >= i32[MAX]) {
      const oldest = i32[HEAD];
      if (oldest === 0) return 0;
      this.#delete(oldest);
    }
    let entry = reuseEntry(this.#links);
    if (entry === 0) {
      entry = ++i32[USED];
      const end = 4 * (this.#entriesAt + entry * this.#stride);
      if (end > this.#buffer.byteLength) {
        const room = Math.min(i32[MAX], Math.max(entry * 2, 64));
        growBuffer(this.#buffer, 4 * (this.#entriesAt + room * this.#stride));
      }
    }
    const at = this.#at(entry), bucket = this.#bucket(service, key);
    i32.fill(0, at, at + this.#stride);
    for (let w = 0; w < 4; w++) i32[at + E_KEY + w] = key[w];
    i32[at + E_SERVICE] = service;
    i32[at + E_CHAIN] = i32[bucket];
    i32[bucket] = entry;
    this.#f64[(at >> 1) + (this.#stride >> 1) - 1] = now;
    i32[COUNT]++;
    return entry;
  }

  #delete(entry: number): void {
    const i32 = this.#i32, at = this.#at(entry);
    if (i32[at + E_IDLE]) this.#unlink(entry);
    freeEntry(this.#links, this.#bucket(i32[at + E_SERVICE], i32, at + E_KEY), entry);
  }

  /** Off the idle list. */
  #unlink(entry: number): void {
    unlinkEntry(this.#links, entry);
    this.#i32[this.#at(entry) + E_IDLE] = 0;
  }

  /** Onto the back of the idle list (most recently used). */
  #append(entry: number): void {
    appendEntry(this.#links, entry);
    this.#i32[this.#at(entry) + E_IDLE] = 1;
  }
}
