/**
 * Listening sockets: accept loops that take a connection's slots, accept
 * it and hand it to the data plane.
 *
 * @module
 */
import type { Endpoint, ListenConfig } from "../config/model.ts";
import { errorMessage } from "../log.ts";
import { netErrorKind } from "../runtime/net_error.ts";
import type { Conn, Listener, Runtime } from "../runtime/types.ts";

/** Thrown when a listen address cannot be bound; the message is one clear line. */
export class ListenError extends Error {
  constructor(endpoint: Endpoint, cause: unknown) {
    super(`Cannot listen on ${endpoint.spec}: ${describeBindError(cause)}`);
    this.name = "ListenError";
  }
}

/** One line for a failed bind, by the error's kind. */
export function describeBindError(error: unknown): string {
  switch (netErrorKind(error)) {
    case "addr-in-use":
      return "address already in use";
    case "permission":
      return "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
    case "addr-not-available":
      return "address not available on this machine";
    default:
      return errorMessage(error);
  }
}

/** How long to pause accepting after an accept error such as EMFILE. */
const ACCEPT_ERROR_PAUSE_MS = 100;

/** One bound address and its accept loop. */
export class ServiceListener {
  readonly endpoint: ListenConfig;
  #listener: Listener;
  #closed = false;
  /** Ends the current `#taking` (the listener is closed). */
  #stopTaking: (() => void) | undefined;

  /** Bind now (throws {@linkcode ListenError}); call `run` to start accepting. */
  constructor(runtime: Runtime, endpoint: ListenConfig, reusePort = false) {
    this.endpoint = endpoint;
    try {
      this.#listener = runtime.listen({
        hostname: endpoint.hostname,
        port: endpoint.port,
        reusePort,
      });
    } catch (error) {
      throw new ListenError(endpoint, error);
    }
  }

  get port(): number {
    return this.#listener.addr.port;
  }

  /**
   * Accept until closed, calling `onClient` for each connection. Before
   * each accept, `room` may return a promise to wait on (the service or
   * the process is at its limit): new clients then wait in the kernel's
   * backlog instead of being accepted.
   */
  async run(
    onClient: (conn: Conn) => void,
    room: () => Promise<void> | undefined,
    onError: (listen: string, error: unknown) => void,
  ): Promise<void> {
    while (!this.#closed) {
      const wait = room();
      if (wait) {
        await wait;
        continue;
      }
      if (this.#listener.take) {
        await this.#taking(onClient, room);
        continue;
      }
      let conn: Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed) return;
        // Out of descriptors and similar: keep the listener, retry shortly.
        onError(this.endpoint.spec, error);
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_ERROR_PAUSE_MS));
        continue;
      }
      onClient(conn);
    }
  }

  /**
   * Where the runtime offers it, connections come straight from its accept
   * callback, without a promise each, until `room` says to wait.
   */
  #taking(
    onClient: (conn: Conn) => void,
    room: () => Promise<void> | undefined,
  ): Promise<void> {
    return new Promise((resolve) => {
      this.#stopTaking = resolve;
      this.#listener.take!((conn) => {
        onClient(conn);
        if (!this.#closed && room() === undefined) return true;
        this.#stopTaking = undefined;
        resolve();
        return false;
      });
    });
  }

  /** Stop accepting: the port refuses new connections from now on. */
  close(): void {
    this.#closed = true;
    this.#listener.close();
    this.#stopTaking?.();
    this.#stopTaking = undefined;
  }
}
