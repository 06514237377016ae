/**
 * Deno's socket errors as {@linkcode NetError}s: by errno code where Deno
 * gives one (`ECONNREFUSED`), else by its error class.
 *
 * @module
 */
import { asNetError, fromErrno, NetError, type NetErrorKind } from "../net_error.ts";

/** Deno error class names that carry no errno code, and what they mean here. */
const BY_NAME: Record<string, NetErrorKind> = {
  BadResource: "closed",
  Interrupted: "closed",
  ConnectionRefused: "refused",
  ConnectionReset: "reset",
  ConnectionAborted: "reset",
  BrokenPipe: "broken-pipe",
  TimedOut: "timeout",
  AddrInUse: "addr-in-use",
  AddrNotAvailable: "addr-not-available",
  PermissionDenied: "permission",
  NotConnected: "closed",
};

/** Turn whatever Deno threw into a NetError (a NetError passes through). */
export function toNetError(error: unknown): NetError {
  if (error instanceof NetError) return error;
  const code = (error as { code?: unknown })?.code;
  const known = fromErrno(code, error);
  if (known) return known;
  const printed = asNetError(error);
  if (printed.kind !== "other") return printed;
  const name = (error as { name?: string })?.name ?? "";
  const message = error instanceof Error ? error.message : String(error);
  const kind = BY_NAME[name] ??
    (/failed to lookup address|Name or service not known/i.test(message)
      ? "name-not-found"
      : /too many open files|os error (23|24|105)\b/i.test(message)
      ? "local-resource"
      : "other");
  return new NetError(kind, message.replace(/\s*\(os error \d+\)$/, ""), {
    code: typeof code === "string" ? code : undefined,
    cause: error,
  });
}
