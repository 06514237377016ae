/**
 * A watch on one key (or a prefix) over the gateway's streaming
 * `/v3/watch`, that survives broken streams.
 *
 * The watcher remembers the revision to resume from — one past the last
 * event it delivered — and every reconnect asks etcd for exactly that
 * revision on, so across reconnects no event is lost and none repeats.
 * Reconnects back off exponentially (100 ms doubling to 5 s, with jitter)
 * and fail over between endpoints like any other request.
 *
 * If etcd has compacted the revision the watch must start from, the events
 * in between are gone: the watcher calls `onCompacted` and stops, and the
 * caller re-reads the key and watches again from what it read.
 *
 * @module
 */
import {
  decode,
  encode,
  type EtcdTransport,
  gatewayError,
  int,
  prefixRange,
} from "./etcd_transport.ts";
import { JsonObjectSplitter } from "./json_stream.ts";
import { errorMessage } from "../log.ts";

export interface WatchEvent {
  type: "put" | "delete";
  key: string;
  /** The new value (puts only). */
  value?: string;
  modRevision: number;
}

export interface WatchHandlers {
  /** Events in revision order; `revision` is the store's revision when etcd sent them. */
  onEvents(events: WatchEvent[], revision: number): void;
  /** The start revision was compacted; the watch has stopped (re-read, then watch again). */
  onCompacted?(compactRevision: number): void;
  /** The stream is up (etcd confirmed the watch) or broke (the watcher is reconnecting). */
  onState?(state: "connected" | "disconnected", reason?: string): void;
}

export interface WatchOptions {
  /** First revision to report; default: changes after the watch is created. */
  fromRevision?: number;
  /** Watch every key that starts with `key`. */
  prefix?: boolean;
}

export const BACKOFF_FIRST_MS = 100;
export const BACKOFF_MAX_MS = 5000;

/** Delay before reconnect number `attempt` (0-based): doubling, capped, then jittered to 50–100 %. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** The parts of a gateway WatchResponse the watcher reads (int64 as strings, zero values omitted). */
interface WatchResult {
  header?: { revision?: string };
  created?: boolean;
  canceled?: boolean;
  compact_revision?: string;
  cancel_reason?: string;
  events?: {
    type?: "PUT" | "DELETE";
    kv?: { key?: string; value?: string; mod_revision?: string };
  }[];
}

/** How a stream ended: etcd compacted our start revision, or it broke for `reason`. */
type SessionEnd = { compacted: number } | { reason: string };

export class EtcdWatch {
  #next: number | undefined;
  #stopped = false;
  #stream: AbortController | undefined;
  #wake: (() => void) | undefined;
  #state: "connected" | "disconnected" | undefined;
  readonly #transport: EtcdTransport;
  readonly #key: string;
  readonly #prefix: boolean;
  readonly #handlers: WatchHandlers;
  /** Settles once the watcher has stopped (by `stop()` or after a compaction). */
  readonly done: Promise<void>;

  constructor(
    transport: EtcdTransport,
    key: string,
    options: WatchOptions,
    handlers: WatchHandlers,
  ) {
    this.#transport = transport;
    this.#key = key;
    this.#prefix = options.prefix ?? false;
    this.#handlers = handlers;
    this.#next = options.fromRevision;
    this.done = this.#run();
  }

  /** Stop watching; no handler is called afterwards. */
  stop(): Promise<void> {
    this.#stopped = true;
    this.#stream?.abort();
    this.#wake?.();
    return this.done;
  }

  async #run(): Promise<void> {
    let attempt = 0;
    while (!this.#stopped) {
      const end = await this.#session(() => attempt = 0);
      if (this.#stopped) return;
      if ("compacted" in end) {
        this.#stopped = true;
        const compacted = end.compacted;
        callHandler(() => this.#handlers.onCompacted?.(compacted));
        return;
      }
      this.#setState("disconnected", end.reason);
      await this.#sleep(backoffDelay(attempt++));
    }
  }

  /** One stream, from connect to its end; `onCreated` runs when etcd confirms the watch. */
  async #session(onCreated: () => void): Promise<SessionEnd> {
    this.#stream = new AbortController();
    try {
      const response = await this.#transport.open(
        "/v3/watch",
        this.#request(),
        this.#stream.signal,
      );
      if (!response.body) return { reason: "watch answer has no body" };
      const splitter = new JsonObjectSplitter();
      const decoder = new TextDecoder();
      for await (const chunk of response.body) {
        for (const message of splitter.push(decoder.decode(chunk, { stream: true }))) {
          const end = this.#handle(message, onCreated);
          if (end) return end;
        }
      }
      return { reason: "watch stream ended" };
    } catch (error) {
      return { reason: errorMessage(error) };
    } finally {
      this.#stream.abort(); // end the request (etcd keeps an idle stream open)
    }
  }

  #request() {
    const create: Record<string, string> = this.#prefix
      ? prefixRange(this.#key)
      : { key: encode(this.#key) };
    if (this.#next !== undefined) create.start_revision = String(this.#next);
    return { create_request: create };
  }

  /** Act on one message; returns how the session ends, if it does. */
  #handle(message: unknown, onCreated: () => void): SessionEnd | undefined {
    if (this.#stopped) return { reason: "stopped" };
    const error = gatewayError(message);
    if (error) return { reason: `watch failed: ${error.message} (code ${error.code ?? "none"})` };
    const result = (message as { result?: WatchResult }).result ?? {};
    const revision = int(result.header?.revision);
    if (result.created) {
      // Without a start revision etcd watches from revision+1 of this header.
      this.#next ??= revision + 1;
      onCreated();
      this.#setState("connected");
    }
    if (result.canceled) {
      const compacted = int(result.compact_revision);
      if (compacted > 0) return { compacted };
      return { reason: `watch canceled by etcd: ${result.cancel_reason || "no reason given"}` };
    }
    const events = (result.events ?? []).map(toEvent);
    if (events.length > 0) {
      this.#next = events[events.length - 1].modRevision + 1;
      callHandler(() => this.#handlers.onEvents(events, revision));
    }
    return undefined;
  }

  #setState(state: "connected" | "disconnected", reason?: string) {
    if (this.#state === state || this.#stopped) return;
    this.#state = state;
    callHandler(() => this.#handlers.onState?.(state, reason));
  }

  /** Wait `ms`, or less if `stop()` is called meanwhile. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#wake?.(), ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }
}

/**
 * Run a handler; if it throws, re-throw outside the watcher (an uncaught
 * error, as for any bug) so the watch itself goes on undisturbed.
 */
function callHandler(call: () => void): void {
  try {
    call();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

function toEvent(event: NonNullable<WatchResult["events"]>[number]): WatchEvent {
  const kv = event.kv ?? {};
  const base = { key: decode(kv.key), modRevision: int(kv.mod_revision) };
  // The gateway leaves out enum zero values: an event without a type is a PUT.
  if (event.type === "DELETE") return { type: "delete", ...base };
  return { type: "put", ...base, value: decode(kv.value) };
}
