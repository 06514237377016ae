/**
 * One worker thread as the pool talks to it: a request and its reply (or
 * the lack of one, in time), and what the pool does once a thread is gone
 * and its share of every count was taken back (`src/state/reclaim.ts`).
 *
 * @module
 */
import type { Balancer } from "../balancer/balancer.ts";
import type { FromWorker, ToWorker } from "./messages.ts";

/** How long a thread may take to answer a change. */
export const CONFIRM_TIMEOUT_MS = 10_000;

export interface Thread {
  index: number;
  worker: Worker;
  ready: boolean;
  replies: Map<number, (reply: Extract<FromWorker, { type: "reply" }>) => void>;
  drained?: () => void;
}

/** A thread that did not agree to a request, and why. */
export interface Refusal {
  index: number;
  reason: string;
}

/** Send `thread` a request; resolves undefined when it agreed, else which thread and why not. */
export function ask(
  thread: Thread,
  request: Extract<ToWorker, { id: number }>,
  timeoutMs = CONFIRM_TIMEOUT_MS,
): Promise<Refusal | undefined> {
  const { id } = request;
  const { index } = thread;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      thread.replies.delete(id);
      resolve({ index, reason: "no answer" });
    }, timeoutMs);
    thread.replies.set(id, (reply) => {
      clearTimeout(timer);
      resolve(reply.ok ? undefined : { index, reason: reply.error ?? "refused" });
    });
    thread.worker.postMessage(request);
  });
}

/**
 * After thread `index`'s counts were reclaimed: wake every waiter (slots
 * were freed), and break the locks the dead thread may have held.
 */
export function wakeAfterReclaim(model: Balancer, index: number): void {
  model.processSlots.releases.release();
  for (const service of model.services) {
    service.slots.releases.release();
    for (const group of service.groups) {
      group.breakLocks(index + 1);
      group.slotFreed();
    }
  }
}
