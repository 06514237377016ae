/**
 * Whether an error raised while an HTTP request was being served means that
 * its client went away (closed or reset the connection mid-request), which
 * is the client's doing and not worth an error line. Each engine says it
 * its own way, which is why this lives in the runtime layer:
 *
 * - Bun aborts the request's signal, and reading the rest of the body
 *   rejects with an `AbortError` ("The connection was closed.");
 * - Deno's body stream fails with `BadResource` ("Cannot read request body
 *   as underlying resource unavailable"), or a reset (`ConnectionReset`,
 *   `BrokenPipe`), and leaves the signal alone.
 *
 * @module
 */

/** Error names that mean the peer of an HTTP request is gone. */
const GONE_NAMES = new Set([
  "AbortError",
  "BadResource",
  "ConnectionReset",
  "ConnectionAborted",
  "BrokenPipe",
]);

/** Did serving `request` fail with `error` because its client went away? */
export function clientGone(error: unknown, request?: Request): boolean {
  if (request?.signal?.aborted) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === "string" && GONE_NAMES.has(name);
}
