/**
 * Network errors as types: every socket error that leaves a runtime
 * adapter is a {@linkcode NetError} with a {@linkcode NetErrorKind}, built
 * once in the adapter from the engine's own error (Deno's error classes,
 * Bun's and `node:net`'s errno codes). Callers decide by `kind` and never
 * read a message; the message is for people (logs, the admin page).
 *
 * @module
 */

/** What went wrong, as far as Director cares. */
export type NetErrorKind =
  /** The peer answered the connect with RST: nothing listens there. */
  | "refused"
  /** A connect did not complete within its timeout. */
  | "timeout"
  /** No route to the host or network. */
  | "unreachable"
  /** The connection was reset or aborted by the peer. */
  | "reset"
  /** Director's own resources ran out (descriptors, buffers): says nothing about the peer. */
  | "local-resource"
  /** A bind found the address in use. */
  | "addr-in-use"
  /** A bind asked for an address this machine does not have. */
  | "addr-not-available"
  /** The operating system refused (a port below 1024 without the capability). */
  | "permission"
  /** A host name did not resolve. */
  | "name-not-found"
  /** A write after this side's half-close (or after the peer closed). */
  | "broken-pipe"
  /** The connection or listener was closed here. */
  | "closed"
  /** The operation was cancelled by its caller (the client left during a connect). */
  | "cancelled"
  | "other";

/** A socket error from a runtime adapter; see the module doc. */
export class NetError extends Error {
  readonly kind: NetErrorKind;
  /** The errno code, when the engine gave one (`ECONNREFUSED`). */
  readonly code: string | undefined;

  constructor(
    kind: NetErrorKind,
    message: string,
    options: { code?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "NetError";
    this.kind = kind;
    this.code = options.code;
  }
}

/** The kind of `error` if it is a {@linkcode NetError}, else "other". */
export function netErrorKind(error: unknown): NetErrorKind {
  return error instanceof NetError ? error.kind : "other";
}

/** errno codes → kind and the text a person reads; shared by the adapters that see codes. */
export const ERRNO_KINDS: Readonly<Record<string, readonly [NetErrorKind, string]>> = {
  ECONNREFUSED: ["refused", "connection refused"],
  ECONNRESET: ["reset", "connection reset by peer"],
  ECONNABORTED: ["reset", "connection aborted"],
  EPIPE: ["broken-pipe", "broken pipe"],
  ETIMEDOUT: ["timeout", "connection timed out"],
  EHOSTUNREACH: ["unreachable", "host unreachable"],
  ENETUNREACH: ["unreachable", "network unreachable"],
  EADDRINUSE: ["addr-in-use", "address already in use"],
  EADDRNOTAVAIL: ["addr-not-available", "address not available on this machine"],
  EACCES: ["permission", "permission denied"],
  EPERM: ["permission", "operation not permitted"],
  EMFILE: ["local-resource", "too many open files"],
  ENFILE: ["local-resource", "too many open files in the system"],
  ENOBUFS: ["local-resource", "no buffer space available"],
  ENOMEM: ["local-resource", "out of memory"],
  ENOTFOUND: ["name-not-found", "cannot resolve host name"],
  EAI_NONAME: ["name-not-found", "cannot resolve host name"],
  EAI_AGAIN: ["name-not-found", "cannot resolve host name (temporary failure)"],
};

/** A NetError from an errno code, or undefined when the code is not one of ours. */
export function fromErrno(code: unknown, cause: unknown): NetError | undefined {
  if (typeof code !== "string") return undefined;
  const known = ERRNO_KINDS[code];
  return known ? new NetError(known[0], known[1], { code, cause }) : undefined;
}

/** Linux errno numbers as engines print them ("(os error 111)"), for the codes above. */
const ERRNO_NUMBERS: Readonly<Record<number, string>> = {
  13: "EACCES",
  1: "EPERM",
  12: "ENOMEM",
  23: "ENFILE",
  24: "EMFILE",
  32: "EPIPE",
  98: "EADDRINUSE",
  99: "EADDRNOTAVAIL",
  101: "ENETUNREACH",
  103: "ECONNABORTED",
  104: "ECONNRESET",
  105: "ENOBUFS",
  110: "ETIMEDOUT",
  111: "ECONNREFUSED",
  113: "EHOSTUNREACH",
};

/**
 * Any engine's network error as a NetError, for errors that do not come
 * through an adapter's own sockets (`fetch`): the errno code of the error
 * or of a cause, else the "(os error N)" an engine printed; else kind
 * "other" with the innermost message.
 */
export function asNetError(error: unknown): NetError {
  if (error instanceof NetError) return error;
  let innermost: unknown = error;
  for (let e: unknown = error, depth = 0; e && depth < 8; depth++) {
    const known = fromErrno((e as { code?: unknown }).code, error);
    if (known) return known;
    const printed = /\(os error (\d+)\)/.exec(String((e as Error).message ?? ""));
    const code = printed ? ERRNO_NUMBERS[Number(printed[1])] : undefined;
    if (code) return fromErrno(code, error)!;
    innermost = e;
    e = (e as { cause?: unknown }).cause;
  }
  const message = innermost instanceof Error ? innermost.message : String(innermost);
  return new NetError("other", message, { cause: error });
}
