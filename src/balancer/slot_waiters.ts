/**
 * Listeners waiting for a connection count to drop below a limit (a
 * service's `maxconn`, the process-wide default). Every release wakes all
 * waiters; each checks the count again, so none oversteps the limit.
 *
 * @module
 */
export class SlotWaiters {
  #waiting: (() => void)[] = [];

  /** Undefined while `count < limit`; otherwise a promise resolved at the next release. */
  wait(count: number, limit: number): Promise<void> | undefined {
    if (count < limit) return undefined;
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** A connection ended: wake every waiter. */
  release(): void {
    if (this.#waiting.length > 0) { for (const wake of this.#waiting.splice(0)) wake(); }
  }
}
