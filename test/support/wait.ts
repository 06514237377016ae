/**
 * Waiting on conditions instead of sleeping: a test polls for the state it
 * needs with a generous deadline (seconds), so a slow, loaded machine makes
 * it slower, never red. Never assert how long something took; speed
 * belongs in `deno task bench`.
 *
 * @module
 */

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll `check` every `everyMs` until it returns a truthy value; throws after `ms`. */
export async function waitUntil<T>(
  check: () => T | Promise<T>,
  ms: number,
  what: string,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await sleep(everyMs);
  }
  throw new Error(`${what}: not true within ${ms} ms (last value: ${JSON.stringify(last)})`);
}
