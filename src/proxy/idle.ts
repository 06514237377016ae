/**
 * Idle timeouts without a timer per connection.
 *
 * Connections of services with an `idle-timeout` register here; the relay
 * stamps `last` with a coarse clock on every chunk (one property write, no
 * `Date.now()` per chunk), and one sweep a quarter-second closes those idle
 * longer than their timeout. The sweep runs only while something is
 * registered, so a Director without idle timeouts pays nothing.
 *
 * @module
 */

export interface IdleEntry {
  /** Coarse time (ms) of the last byte moved. */
  last: number;
  readonly timeoutMs: number;
  readonly close: () => void;
}

/** How often idle connections are looked for: the precision of every idle timeout. */
export const SWEEP_MS = 250;

export class IdleSweeper {
  /** The coarse clock: `Date.now()` as of the last sweep. */
  now = Date.now();
  #entries = new Set<IdleEntry>();
  #timer: ReturnType<typeof setInterval> | undefined;

  register(timeoutMs: number, close: () => void): IdleEntry {
    this.now = Date.now();
    const entry = { last: this.now, timeoutMs, close };
    this.#entries.add(entry);
    this.#timer ??= setInterval(() => this.sweep(), SWEEP_MS);
    return entry;
  }

  unregister(entry: IdleEntry): void {
    this.#entries.delete(entry);
    if (this.#entries.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Close every connection idle past its timeout; returns how many. */
  sweep(): number {
    this.now = Date.now();
    let closed = 0;
    for (const entry of this.#entries) {
      if (this.now - entry.last >= entry.timeoutMs) {
        this.unregister(entry);
        entry.close();
        closed++;
      }
    }
    return closed;
  }

  get size(): number {
    return this.#entries.size;
  }
}
