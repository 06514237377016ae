/**
 * Which records of a state table are in use (main thread only).
 *
 * A removed host's record cannot be reused at once: its connections in
 * progress still count down on it. So a freed slot is *retired* first and
 * reused only once nothing counts on it any more (`isIdle`), checked when
 * a slot is wanted. New slots take the lowest free number, so records stay
 * packed.
 *
 * @module
 */
export class SlotAllocator {
  #next = 0;
  #free: number[] = [];
  #retired = new Set<number>();
  #isIdle: (slot: number) => boolean;
  #clear: (slot: number) => void;

  /** `isIdle`: may a retired slot be reused; `clear`: zero it before reuse. */
  constructor(isIdle: (slot: number) => boolean, clear: (slot: number) => void) {
    this.#isIdle = isIdle;
    this.#clear = clear;
  }

  /** Slots ever handed out (the table must hold this many). */
  get highWater(): number {
    return this.#next;
  }

  take(): number {
    if (this.#free.length === 0 && this.#retired.size > 0) this.#reclaim();
    const slot = this.#free.pop() ?? this.#next++;
    this.#clear(slot);
    return slot;
  }

  /** Take this exact slot (a worker thread mirroring the main thread's choice). */
  claim(slot: number): void {
    if (slot >= this.#next) this.#next = slot + 1;
  }

  /** No longer used by the model; reusable once idle. */
  retire(slot: number): void {
    this.#retired.add(slot);
  }

  get retiredCount(): number {
    return this.#retired.size;
  }

  #reclaim(): void {
    for (const slot of this.#retired) {
      if (!this.#isIdle(slot)) continue;
      this.#retired.delete(slot);
      this.#free.push(slot);
    }
  }
}
