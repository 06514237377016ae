/**
 * Backend connects with a timeout, and failure reasons a person can read.
 *
 * @module
 */
import type { Endpoint } from "../config/model.ts";
import { errorMessage } from "../log.ts";
import type { Conn, Runtime } from "../runtime/types.ts";

/** Raised when a connect did not complete within the group's connect timeout. */
export class ConnectTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`connect timeout after ${timeoutMs} ms`);
    this.name = "ConnectTimeoutError";
  }
}

/**
 * Connect to `address`, giving up after `timeoutMs`, or at once when
 * `cancel` aborts (the client went away, so the attempt is pointless).
 */
export async function connectWithTimeout(
  runtime: Runtime,
  address: Endpoint,
  timeoutMs: number,
  cancel?: AbortSignal,
): Promise<Conn> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onCancel = () => controller.abort();
  cancel?.addEventListener("abort", onCancel, { once: true });
  try {
    return await runtime.connect({
      hostname: address.hostname,
      port: address.port,
      signal: controller.signal,
    });
  } catch (error) {
    if (timedOut) throw new ConnectTimeoutError(timeoutMs);
    // Out of descriptors says nothing about the host: callers must not blame it.
    if (isLocalResourceError(error)) throw new LocalResourceError(connectFailureReason(error));
    throw error;
  } finally {
    clearTimeout(timer);
    cancel?.removeEventListener("abort", onCancel);
  }
}

/** A short reason for a failed connect, for logs and the admin page. */
export function connectFailureReason(error: unknown): string {
  if (error instanceof ConnectTimeoutError) return error.message;
  const text = `${(error as { name?: string })?.name ?? ""} ${errorMessage(error)}`;
  if (/refused/i.test(text)) return "connection refused";
  if (/unreachable/i.test(text)) return "host unreachable";
  if (/reset/i.test(text)) return "connection reset";
  if (/not known|ENOTFOUND|lookup|resolve/i.test(text)) return "cannot resolve host name";
  return errorMessage(error).replace(/\s*\(os error \d+\)$/, "");
}

/**
 * A connect that failed for want of Director's own resources (descriptors,
 * buffers): it proves nothing about the host.
 */
export class LocalResourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LocalResourceError";
  }
}

/**
 * Did the connect fail for want of Director's own resources (descriptors,
 * buffers, memory)? Such a failure says nothing about the host.
 */
function isLocalResourceError(error: unknown): boolean {
  const text = `${(error as { name?: string })?.name ?? ""} ${errorMessage(error)}`;
  return /too many open files|EMFILE|ENFILE|os error (23|24|105)\b|no buffer space|ENOBUFS/i.test(
    text,
  );
}
