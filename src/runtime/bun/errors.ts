/**
 * Bun's and `node:net`'s socket errors as {@linkcode NetError}s, by errno
 * code; and the errors the Bun adapter raises itself.
 *
 * @module
 */
import { fromErrno, NetError } from "../net_error.ts";

/** Turn whatever Bun threw into a NetError (a NetError passes through). */
export function toNetError(error: unknown): NetError {
  if (error instanceof NetError) return error;
  const known = fromErrno((error as { code?: unknown })?.code, error);
  if (known) return known;
  const message = error instanceof Error ? error.message : String(error);
  return new NetError("other", message, { cause: error });
}

/** For a descriptor that is no longer usable. */
export function closedError(what: string): NetError {
  return new NetError("closed", `Cannot ${what}: the connection is closed`);
}

/** For a write after `closeWrite`. */
export function brokenPipe(): NetError {
  return new NetError("broken-pipe", "broken pipe", { code: "EPIPE" });
}

/** Literal IPv6 addresses are configured as `[::1]`; sockets take them bare. */
export function bare(hostname: string): string {
  return hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
}
