/**
 * Deadlines without a timer each: the connect timeouts of `connect.ts`.
 *
 * A `setTimeout` and a `clearTimeout` per backend connect cost more than
 * the rest of the attempt's bookkeeping. Here the attempts in flight wait
 * in one queue ordered by deadline — appended, since nearly all share their
 * group's timeout — and one timer is armed for the earliest. An attempt
 * that settles is only marked done; done ones are dropped from the head as
 * they settle (connects finish roughly in order), and the timer, when it
 * fires, expires what is due and re-arms for the next deadline. Under a
 * steady load the timer so fires about once per timeout, not per connect.
 *
 * @module
 */

/** One deadline in the queue. */
export interface Timed {
  /** `Date.now()` at which {@linkcode Timed.expire} is due. */
  readonly deadline: number;
  /** Settled (connected, failed or given up): never expires. */
  done: boolean;
  expire(): void;
}

/** Dropped entries at the head before the queue's array is compacted. */
const COMPACT_AT = 1024;

export class Deadlines {
  #items: Timed[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The deadline the timer is armed for (Infinity: not armed). */
  #armedFor = Infinity;

  /** Waiting entries, settled ones at the tail included (for tests). */
  get size(): number {
    return this.#items.length - this.#head;
  }

  add(item: Timed): void {
    const items = this.#items;
    let at = items.length;
    while (at > this.#head && items[at - 1].deadline > item.deadline) at--;
    if (at === items.length) items.push(item);
    else items.splice(at, 0, item);
    if (item.deadline < this.#armedFor) this.#arm(item.deadline);
  }

  /** `item` was marked done: drop the done entries at the head. */
  settled(): void {
    const items = this.#items;
    let head = this.#head;
    while (head < items.length && items[head].done) head++;
    if (head === items.length) {
      items.length = 0;
      head = 0;
    } else if (head >= COMPACT_AT && head * 2 >= items.length) {
      items.splice(0, head);
      head = 0;
    }
    this.#head = head;
  }

  #arm(deadline: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedFor = deadline;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, deadline - Date.now()));
    // A pending connect keeps the process alive by itself; its timer need not.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = Date.now();
    const items = this.#items;
    while (this.#head < items.length) {
      const item = items[this.#head];
      if (!item.done && item.deadline > now) break;
      this.#head++;
      if (!item.done) {
        item.done = true;
        item.expire();
      }
    }
    this.settled();
    if (this.#head < items.length) this.#arm(items[this.#head].deadline);
  }
}
