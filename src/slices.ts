/**
 * Long work in short slices: a loop over thousands of items (the edits of
 * a large reload, the services of a large plan) yields to the event loop
 * every few milliseconds, so relayed connections sharing the thread never
 * wait long behind it.
 *
 * @module
 */

/** Longest stretch of work between two yields. */
export const SLICE_MS = 5;

const yieldNow = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Run `each` on every item, yielding to the event loop every {@linkcode SLICE_MS}. */
export async function inSlices<T>(items: Iterable<T>, each: (item: T) => void): Promise<void> {
  let sliceStart = performance.now();
  for (const item of items) {
    each(item);
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldNow();
      sliceStart = performance.now();
    }
  }
}

/** Drive a generator to its end, yielding to the event loop every {@linkcode SLICE_MS}. */
export async function drive<T>(steps: Generator<unknown, T>): Promise<T> {
  let sliceStart = performance.now();
  while (true) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldNow();
      sliceStart = performance.now();
    }
  }
}

/** Drive a generator to its end at once. */
export function driveNow<T>(steps: Generator<unknown, T>): T {
  while (true) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
