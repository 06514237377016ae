/**
 * The `sticky` scheduler's memory: which host each client last used, for
 * `ttlMs` after that use, holding at most `maxEntries` clients.
 *
 * A `Map` keeps its keys in insertion order, and every use re-inserts its
 * key at the end, so the map is always ordered from least to most recently
 * used. That one order serves both limits: the entries that expire first
 * and the ones to evict when full are both at the front, so neither needs a
 * scan or a timer. Time comes from the caller (`now`), never the clock.
 *
 * @module
 */

/** Defaults: pythondirector-style half an hour, and a bounded table. */
export const DEFAULT_STICKY_TIME_MS = 1_800_000;
export const DEFAULT_MAX_STICKY_CLIENTS = 100_000;

interface Entry {
  /** Group index of the client's host. */
  index: number;
  /** ms since epoch of the client's last connection. */
  lastUsed: number;
}

/** Client key → host index, expiring and bounded (least recently used goes first). */
export class AffinityTable {
  readonly #entries = new Map<string, Entry>();
  ttlMs: number;
  maxEntries: number;
  /** Entries dropped because the table was full (not because they expired). */
  evictions = 0;

  constructor(ttlMs = DEFAULT_STICKY_TIME_MS, maxEntries = DEFAULT_MAX_STICKY_CLIENTS) {
    this.ttlMs = ttlMs;
    this.maxEntries = Math.max(1, maxEntries);
  }

  /** Clients remembered right now (expired ones may linger until swept). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The host index remembered for `key`, or -1 when there is none or it has
   * expired (an expired entry is deleted). Does not refresh the entry: the
   * caller first checks the host can still take the client, then calls
   * {@linkcode remember}.
   */
  lookup(key: string, now: number): number {
    const entry = this.#entries.get(key);
    if (entry === undefined) return -1;
    if (now - entry.lastUsed >= this.ttlMs) {
      this.#entries.delete(key);
      return -1;
    }
    return entry.index;
  }

  /** Record that `key` uses host `index` as of `now` (moving it to the back). */
  remember(key: string, index: number, now: number): void {
    const entries = this.#entries;
    const entry = entries.get(key);
    if (entry !== undefined) {
      // Re-insert to move it to the back; the entry object is reused.
      entries.delete(key);
      entry.index = index;
      entry.lastUsed = now;
      entries.set(key, entry);
      return;
    }
    // A new client: the only time the table grows, so the time to trim it.
    this.#sweep(now);
    if (entries.size >= this.maxEntries) {
      for (const oldest of entries.keys()) {
        entries.delete(oldest);
        this.evictions++;
        if (entries.size < this.maxEntries) break;
      }
    }
    entries.set(key, { index, lastUsed: now });
  }

  /** Forget every client (a new scheduler would; tests use it too). */
  clear(): void {
    this.#entries.clear();
  }

  /** Drop expired entries from the front; stops at the first live one. */
  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (now - entry.lastUsed < this.ttlMs) break;
      this.#entries.delete(key);
    }
  }
}
