/**
 * Listening sockets: accept loops that hand each client to the data plane,
 * and the set of connections in progress (for draining on shutdown).
 *
 * @module
 */
import { SlotWaiters } from "../balancer/slot_waiters.ts";
import type { Endpoint, ListenConfig } from "../config/model.ts";
import { errorMessage, type Logger } from "../log.ts";
import { netErrorKind } from "../runtime/net_error.ts";
import type { Conn, Listener, Runtime } from "../runtime/types.ts";

/** Counts connections in progress and tells when the last one has finished. */
export class ConnectionTracker {
  #open = 0;
  #idle: (() => void)[] = [];
  #slots = new SlotWaiters();

  get open(): number {
    return this.#open;
  }

  /** Run `work` as one tracked connection. */
  async track(work: () => Promise<void>): Promise<void> {
    this.#open++;
    try {
      await work();
    } finally {
      this.#open--;
      this.#slots.release();
      if (this.#open === 0) { for (const resolve of this.#idle.splice(0)) resolve(); }
    }
  }

  /** A promise to wait on while `limit` or more connections are open; undefined when below. */
  slot(limit: number): Promise<void> | undefined {
    return this.#slots.wait(this.#open, limit);
  }

  /** Resolves once no connection is in progress. */
  idle(): Promise<void> {
    if (this.#open === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}

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
  #lastErrorLog = 0;

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
   * Accept until closed, calling `onClient` for each connection. Before each
   * accept, `gate` may return a promise to wait on (the service is at its
   * connection limit): new clients then wait in the kernel's backlog.
   */
  async run(
    onClient: (conn: Conn) => void,
    log: Logger,
    gate?: () => Promise<void> | undefined,
  ): Promise<void> {
    while (!this.#closed) {
      const wait = gate?.();
      if (wait) {
        await wait;
        continue;
      }
      let conn: Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed) return;
        // Out of descriptors and similar: keep the listener, retry shortly,
        // and log at most once a second so a flood cannot fill the disk.
        const now = Date.now();
        if (now - this.#lastErrorLog >= 1000) {
          this.#lastErrorLog = now;
          log.error("accept_error", { listen: this.endpoint.spec, reason: errorMessage(error) });
        }
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_ERROR_PAUSE_MS));
        continue;
      }
      onClient(conn);
    }
  }

  /** Stop accepting: the port refuses new connections from now on. */
  close(): void {
    this.#closed = true;
    this.#listener.close();
  }
}
