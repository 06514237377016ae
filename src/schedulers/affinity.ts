/**
 * The `sticky` scheduler's memory: which host each client last used, for
 * `ttlMs` after that use, holding at most `maxEntries` clients — one table
 * for every worker thread, in one growable buffer (shared between threads
 * when there are several, see `src/state/table.ts`).
 *
 * Entries sit on a least-recently-used list: every use moves its entry to
 * the back, so the front is both the entry that expires first and the one
 * to evict when full, and neither needs a scan or a timer. Clients are
 * found through a chained hash index keyed by two independent 32-bit
 * hashes of the client's key (a false match would need both to collide).
 * Every operation runs under the table's spin lock; none allocates. Time
 * comes from the caller (`now`), never the clock.
 *
 * Memory: a fixed index (at most 64 Ki buckets, 4 bytes each) and 32 bytes
 * per remembered client, grown as clients arrive.
 *
 * @module
 */
import { breakLock, lock, unlock } from "../state/lock.ts";
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
} from "../state/entry_list.ts";
import { growBuffer } from "../state/table.ts";
import { fmix32, fnv1a } from "./hashing.ts";

/** Defaults: pythondirector-style half an hour, and a bounded table. */
export const DEFAULT_STICKY_TIME_MS = 1_800_000;
export const DEFAULT_MAX_STICKY_CLIENTS = 100_000;

// Header, in Int32 units; the TTL is a Float64 at byte 32.
const EVICTIONS = 6, MAX = 7;
const TTL_F64 = 4;
const HEADER_BYTES = 40;
// An entry: six Int32 and one Float64 (32 bytes). Links are entry number + 1; 0 is none.
const E_KEY_A = 0, E_KEY_B = 1, E_INDEX = 2, E_CHAIN = 3, E_PREV = 4, E_NEXT = 5;
const ENTRY_BYTES = 32;
const MAX_BUCKETS = 1 << 16;

/** What a worker thread needs to map another thread's table. */
export interface AffinityHandle {
  buffer: ArrayBufferLike;
}

function bucketsFor(maxEntries: number): number {
  let buckets = 16;
  while (buckets < maxEntries && buckets < MAX_BUCKETS) buckets *= 2;
  return buckets;
}

/** Client key → host index, expiring and bounded (least recently used goes first). */
export class AffinityTable {
  readonly #buffer: ArrayBufferLike;
  readonly #i32: Int32Array;
  readonly #links: EntryLinks;
  readonly #f64: Float64Array;
  readonly #buckets: number;
  readonly #entriesAt: number;
  /** Lock owner written while this thread holds the lock (worker index + 1). */
  readonly #owner: number;

  constructor(
    ttlMs = DEFAULT_STICKY_TIME_MS,
    maxEntries = DEFAULT_MAX_STICKY_CLIENTS,
    options: { shared?: boolean; owner?: number; handle?: AffinityHandle } = {},
  ) {
    this.#owner = options.owner ?? 1;
    const max = Math.max(1, maxEntries);
    if (options.handle) {
      this.#buffer = options.handle.buffer;
    } else {
      const bytes = HEADER_BYTES + 4 * bucketsFor(max);
      const growable = { maxByteLength: bytes + 8 + ENTRY_BYTES * max };
      this.#buffer = options.shared
        ? new (SharedArrayBuffer as unknown as new (n: number, o: object) => ArrayBufferLike)(
          bytes,
          growable,
        )
        : new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBufferLike)(
          bytes,
          growable,
        );
    }
    this.#i32 = new Int32Array(this.#buffer);
    this.#f64 = new Float64Array(this.#buffer);
    const links = { chain: E_CHAIN, prev: E_PREV, next: E_NEXT };
    this.#links = { i32: this.#i32, at: (entry) => this.#at(entry), ...links };
    if (!options.handle) {
      this.#i32[MAX] = max;
      this.#f64[TTL_F64] = ttlMs;
    }
    this.#buckets = bucketsFor(this.#i32[MAX]);
    // Entries start on an 8-byte boundary after the index.
    this.#entriesAt = Math.ceil((HEADER_BYTES + 4 * this.#buckets) / 8) * 8;
  }

  handle(): AffinityHandle {
    return { buffer: this.#buffer };
  }

  /** Release the table's lock if worker `owner` died holding it. */
  breakLock(owner: number): void {
    breakLock(this.#i32, LOCK, owner);
  }

  get ttlMs(): number {
    return this.#f64[TTL_F64];
  }

  /** A new stickytime applies to every entry at once (entries keep their last-use time). */
  set ttlMs(ms: number) {
    this.#f64[TTL_F64] = ms;
  }

  get maxEntries(): number {
    return this.#i32[MAX];
  }

  /** Clients remembered right now (expired ones may linger until swept). */
  get size(): number {
    return Atomics.load(this.#i32, COUNT);
  }

  /** Entries dropped because the table was full (not because they expired). */
  get evictions(): number {
    return Atomics.load(this.#i32, EVICTIONS);
  }

  /**
   * The host index remembered for `key`, or -1 when there is none or it has
   * expired (an expired entry is deleted). Does not refresh the entry: the
   * caller first checks the host can still take the client, then calls
   * {@linkcode remember}.
   */
  lookup(key: string, now: number): number {
    const a = fnv1a(key), b = fmix32(fnv1a(key, 0x9747b28c));
    lock(this.#i32, LOCK, this.#owner);
    try {
      const entry = this.#find(a, b);
      if (entry === 0) return -1;
      if (now - this.#lastUsed(entry) >= this.ttlMs) {
        this.#delete(entry, a);
        return -1;
      }
      return this.#i32[this.#at(entry) + E_INDEX];
    } finally {
      unlock(this.#i32, LOCK);
    }
  }

  /** Record that `key` uses host `index` as of `now` (moving it to the back). */
  remember(key: string, index: number, now: number): void {
    const a = fnv1a(key), b = fmix32(fnv1a(key, 0x9747b28c));
    lock(this.#i32, LOCK, this.#owner);
    try {
      let entry = this.#find(a, b);
      if (entry !== 0) {
        unlinkEntry(this.#links, entry);
      } else {
        // A new client: the only time the table grows, so the time to trim it.
        this.#sweep(now);
        if (this.#i32[COUNT] >= this.#i32[MAX]) {
          const oldest = this.#i32[HEAD];
          this.#delete(oldest, this.#i32[this.#at(oldest) + E_KEY_A]);
          this.#i32[EVICTIONS]++;
        }
        entry = this.#allocate(a, b);
      }
      const at = this.#at(entry);
      this.#i32[at + E_INDEX] = index;
      this.#f64[(at >> 1) + 3] = now;
      appendEntry(this.#links, entry);
    } finally {
      unlock(this.#i32, LOCK);
    }
  }

  /** Forget every client. */
  clear(): void {
    lock(this.#i32, LOCK, this.#owner);
    try {
      while (this.#i32[HEAD] !== 0) {
        const entry = this.#i32[HEAD];
        this.#delete(entry, this.#i32[this.#at(entry) + E_KEY_A]);
      }
    } finally {
      unlock(this.#i32, LOCK);
    }
  }

  /** Int32 index of entry `entry` (1-based). */
  #at(entry: number): number {
    return (this.#entriesAt + (entry - 1) * ENTRY_BYTES) >> 2;
  }

  #lastUsed(entry: number): number {
    return this.#f64[(this.#at(entry) >> 1) + 3];
  }

  #bucket(a: number): number {
    return (HEADER_BYTES >> 2) + (a & (this.#buckets - 1));
  }

  #find(a: number, b: number): number {
    const i32 = this.#i32;
    for (let entry = i32[this.#bucket(a)]; entry !== 0; entry = i32[this.#at(entry) + E_CHAIN]) {
      const at = this.#at(entry);
      if (i32[at + E_KEY_A] === (a | 0) && i32[at + E_KEY_B] === (b | 0)) return entry;
    }
    return 0;
  }

  #allocate(a: number, b: number): number {
    const i32 = this.#i32;
    let entry = reuseEntry(this.#links);
    if (entry === 0) {
      entry = ++i32[USED];
      const end = this.#entriesAt + entry * ENTRY_BYTES;
      if (end > this.#buffer.byteLength) {
        const room = Math.min(this.#i32[MAX], Math.max(entry * 2, 64));
        const bytes = this.#entriesAt + room * ENTRY_BYTES;
        growBuffer(this.#buffer, bytes);
      }
    }
    const at = this.#at(entry);
    const bucket = this.#bucket(a);
    i32[at + E_KEY_A] = a;
    i32[at + E_KEY_B] = b;
    i32[at + E_CHAIN] = i32[bucket];
    i32[bucket] = entry;
    i32[COUNT]++;
    return entry;
  }

  #delete(entry: number, a: number): void {
    unlinkEntry(this.#links, entry);
    freeEntry(this.#links, this.#bucket(a), entry);
  }

  /** Drop expired entries from the front; stops at the first live one. */
  #sweep(now: number): void {
    const ttl = this.ttlMs;
    while (this.#i32[HEAD] !== 0) {
      const entry = this.#i32[HEAD];
      if (now - this.#lastUsed(entry) < ttl) break;
      this.#delete(entry, this.#i32[this.#at(entry) + E_KEY_A]);
    }
  }
}
