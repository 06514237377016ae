/**
 * Why a worker thread died, as one line for the log: the `message` of the
 * `ErrorEvent` a thread's uncaught error raises on its `Worker`. Deno puts
 * the error there alone ("Uncaught ReferenceError: …"); Bun puts the whole
 * report, the source lines around the throw with a caret, the error, then
 * its stack, and a report of the bundled binary quotes a few kilobytes of
 * minified code. The error's own line is what an operator needs.
 *
 * It imports nothing: the config loader's spawner thread uses it and must
 * start in a few milliseconds.
 *
 * @module
 */

/** Longest reason kept (the rest of a longer line is cut). */
const MAX_REASON = 300;

/**
 * A line that states an error: `TypeError: …`, `Uncaught (in promise) Error: …`
 * (it starts with one: a quoted source line such as `4 | throw new TypeError(…)`
 * does not).
 */
const ERROR_LINE = /^(Uncaught (\([^)]*\) )?)?[A-Z]\w*(Error|Exception)\b[^:\s]*:\s/;

/** The one-line reason a thread's error event gives, or "crashed" when it gives none. */
export function threadErrorReason(event: Event): string {
  const message = (event as ErrorEvent).message;
  if (typeof message !== "string" || message.trim() === "") return "crashed";
  const lines = message.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const line = lines.find((l) => ERROR_LINE.test(l)) ?? lines[0];
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON)}…` : line;
}
