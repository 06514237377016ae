/**
 * Backend connects for the data path and the probes, and what a failed
 * one means: a reason a person can read, and the failure's kind.
 *
 * The runtime adapter does the connect (with its timeout) and reports
 * every failure as a `NetError` with a kind; nothing here reads a message.
 *
 * @module
 */
import type { FailureKind } from "../balancer/host_state.ts";
import type { Endpoint } from "../config/model.ts";
import { NetError, type NetErrorKind, netErrorKind } from "../runtime/net_error.ts";
import type { Cancel } from "../runtime/cancel.ts";
import type { Conn, Runtime } from "../runtime/types.ts";

/** The host-failure kind (a metric label) of a connect error. */
export function failureKind(error: unknown): FailureKind {
  const kind = netErrorKind(error);
  return kind === "refused" || kind === "timeout" || kind === "unreachable" || kind === "reset"
    ? kind
    : "other";
}

/**
 * Did the connect fail for want of Director's own resources (descriptors,
 * buffers)? Such a failure says nothing about the host: it must not be
 * marked bad for it.
 */
export function isLocalFailure(error: unknown): boolean {
  return netErrorKind(error) === "local-resource";
}

/** Was the attempt given up by its caller (the client left), not failed by the host? */
export function isCancelled(error: unknown): boolean {
  return netErrorKind(error) === "cancelled";
}

const REASONS: Partial<Record<NetErrorKind, string>> = {
  refused: "connection refused",
  unreachable: "host unreachable",
  reset: "connection reset",
  "name-not-found": "cannot resolve host name",
};

/** A short reason for a failed connect, for logs, the page and `/running.txt`. */
export function connectFailureReason(error: unknown): string {
  if (!(error instanceof NetError)) return error instanceof Error ? error.message : String(error);
  return REASONS[error.kind] ?? error.message;
}

/**
 * Connect to a backend address within `timeoutMs`; `cancel` gives up at
 * once (the client left). `probe` for recovery and health checks, whose
 * hosts may be dropping SYNs (see `ConnectOptions.probe`). Positional
 * rather than an options object: this runs for every client connection,
 * and the one object made here is the runtime's connect options.
 */
export function connectHost(
  runtime: Runtime,
  address: Endpoint,
  timeoutMs: number,
  cancel?: Cancel,
  probe?: boolean,
): Promise<Conn> {
  return runtime.connect({
    hostname: address.hostname,
    port: address.port,
    timeoutMs,
    cancel,
    probe,
  });
}
