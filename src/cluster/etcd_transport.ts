/**
 * The HTTP side of the etcd client: JSON POSTs to etcd's gRPC gateway
 * (`/v3/...`), endpoint failover, and the two error types.
 *
 * Endpoints are tried in order, starting with the one that answered last
 * (so a healthy cluster sees one member's traffic, not a round robin). An
 * attempt that fails on the network, times out, or is answered with gRPC
 * code UNAVAILABLE moves on to the next endpoint; any other answer from
 * etcd — success or error — ends the call. Behaviour is decided by gRPC
 * status codes only, never by message text.
 *
 * A timed-out write may still have been applied by the member that did not
 * answer in time; retrying it elsewhere is what the caller asked for, and
 * compare-and-swap callers see the outcome in the value they read back.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { connectFailureReason } from "../proxy/connect.ts";
import { asNetError } from "../runtime/net_error.ts";

/** gRPC status codes the client acts on (google.golang.org/grpc/codes). */
export const GrpcCode = { NOT_FOUND: 5, UNAVAILABLE: 14 } as const;

/** No endpoint could be reached (network errors, timeouts, members without a leader). */
export class EtcdUnavailableError extends Error {
  constructor(endpoints: readonly string[], reason: string) {
    super(`Cannot reach etcd at ${endpoints.join(", ")}: ${reason}`);
    this.name = "EtcdUnavailableError";
  }
}

/** etcd answered, with an error: `code` is the gRPC status code (undefined if the body had none). */
export class EtcdRequestError extends Error {
  constructor(
    readonly path: string,
    readonly code: number | undefined,
    readonly etcdMessage: string,
    readonly httpStatus: number,
  ) {
    super(
      `Cannot complete etcd request ${path}: ${etcdMessage} ` +
        `(gRPC code ${code ?? "none"}, HTTP ${httpStatus})`,
    );
    this.name = "EtcdRequestError";
  }
}

/** Keys and values travel base64-encoded (they are bytes in etcd's protobuf). */
export const encode = (text: string): string => Buffer.from(text, "utf8").toString("base64");
export const decode = (base64: string | undefined): string =>
  Buffer.from(base64 ?? "", "base64").toString("utf8");

/** int64 fields arrive as strings, and are left out when zero. */
export const int = (value: string | number | undefined): number => Number(value ?? 0);

/**
 * The `key` and `range_end` that select every key starting with `prefix`:
 * `range_end` is the prefix with its last byte incremented (UTF-8 never
 * has a 0xff byte, so that cannot overflow). The empty prefix is key "\0"
 * to "\0", which etcd reads as all keys (it refuses an empty key).
 */
export function prefixRange(prefix: string): { key: string; range_end: string } {
  const bytes = Buffer.from(prefix, "utf8");
  if (bytes.length === 0) return { key: "AA==", range_end: "AA==" };
  bytes[bytes.length - 1]++;
  return { key: encode(prefix), range_end: bytes.toString("base64") };
}

/** The error object of a gateway body, as unary calls and streams put it. */
interface GatewayError {
  code?: number;
  grpc_code?: number;
  message?: string;
  error?: string;
}

/** The gRPC error a gateway body carries, if any: `{code, message}` or, in streams, `{error: {grpc_code, message}}`. */
export function gatewayError(body: unknown): { code?: number; message: string } | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { error, code, message } = body as GatewayError & { error?: unknown };
  if (typeof error === "object" && error !== null) {
    const inner = error as GatewayError;
    return { code: inner.grpc_code ?? inner.code, message: inner.message ?? "unknown error" };
  }
  if (error === undefined && code === undefined) return undefined;
  return { code, message: message ?? (typeof error === "string" ? error : "unknown error") };
}

/** One attempt's failure that justifies trying the next endpoint. */
class EndpointFailure extends Error {}

export interface TransportOptions {
  endpoints: string[];
  /** Per attempt, per endpoint: connect, request and the whole answer. */
  requestTimeoutMs?: number;
}

export class EtcdTransport {
  readonly endpoints: readonly string[];
  readonly timeoutMs: number;
  #current = 0;

  constructor(options: TransportOptions) {
    if (options.endpoints.length === 0) throw new Error("Cannot create etcd client: no endpoints");
    this.endpoints = options.endpoints.map((e) => e.replace(/\/+$/, ""));
    this.timeoutMs = options.requestTimeoutMs ?? 5000;
  }

  /** POST `body` to `path` and return the parsed answer, failing over between endpoints. */
  call<T>(path: string, body: unknown): Promise<T> {
    return this.#failover((endpoint) => this.#attempt<T>(endpoint, path, body));
  }

  /**
   * POST `body` to a streaming `path` and return the response once its
   * headers arrived (within the timeout); `signal` aborts the stream later.
   */
  open(path: string, body: unknown, signal: AbortSignal): Promise<Response> {
    return this.#failover((endpoint) => this.#openAttempt(endpoint, path, body, signal));
  }

  async #failover<T>(attempt: (endpoint: string) => Promise<T>): Promise<T> {
    const reasons: string[] = [];
    for (let i = 0; i < this.endpoints.length; i++) {
      const index = (this.#current + i) % this.endpoints.length;
      const endpoint = this.endpoints[index];
      try {
        const result = await attempt(endpoint);
        this.#current = index;
        return result;
      } catch (error) {
        if (!(error instanceof EndpointFailure)) {
          this.#current = index; // it answered, if with an error
          throw error;
        }
        reasons.push(this.endpoints.length > 1 ? `${endpoint}: ${error.message}` : error.message);
      }
    }
    throw new EtcdUnavailableError(this.endpoints, reasons.join("; "));
  }

  async #attempt<T>(endpoint: string, path: string, body: unknown): Promise<T> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    let response: Response, text: string;
    try {
      response = await post(endpoint + path, body, signal);
      text = await response.text();
    } catch (error) {
      throw this.#networkFailure(error, signal);
    }
    return parseAnswer<T>(path, response.status, text);
  }

  async #openAttempt(endpoint: string, path: string, body: unknown, stop: AbortSignal) {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const headersArrived = new AbortController();
    const onTimeout = () => headersArrived.abort(timeout.reason);
    timeout.addEventListener("abort", onTimeout, { once: true });
    const signal = AbortSignal.any([stop, headersArrived.signal]);
    try {
      const response = await post(endpoint + path, body, signal);
      if (response.ok) return response;
      return parseAnswer<never>(path, response.status, await response.text());
    } catch (error) {
      if (stop.aborted || !isNetworkError(error)) throw error;
      throw this.#networkFailure(error, timeout);
    } finally {
      timeout.removeEventListener("abort", onTimeout);
    }
  }

  #networkFailure(error: unknown, timeout: AbortSignal): EndpointFailure {
    if (timeout.aborted) return new EndpointFailure(`no answer within ${this.timeoutMs} ms`);
    // The engines report fetch failures their own ways; `asNetError` reads them all.
    return new EndpointFailure(connectFailureReason(asNetError(error)));
  }
}

function post(url: string, body: unknown, signal: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
}

/** Errors thrown by `parseAnswer` are etcd's answers; everything else came from fetch. */
function isNetworkError(error: unknown): boolean {
  return !(error instanceof EtcdRequestError) && !(error instanceof EndpointFailure);
}

/** The parsed body of an answer, or the error it carries (UNAVAILABLE means: try another member). */
function parseAnswer<T>(path: string, status: number, text: string): T {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new EtcdRequestError(path, undefined, text.trim().slice(0, 200) || "empty body", status);
  }
  const error = gatewayError(body);
  if (error?.code === GrpcCode.UNAVAILABLE) {
    throw new EndpointFailure(`etcd unavailable: ${error.message}`);
  }
  if (error || status < 200 || status >= 300) {
    throw new EtcdRequestError(path, error?.code, error?.message ?? `HTTP ${status}`, status);
  }
  return body as T;
}
