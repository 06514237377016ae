/**
 * The supervisor ⇄ worker channel: JSON messages, one per line, over the
 * worker's standard input (supervisor → worker) and standard output
 * (worker → supervisor). Requests carry an `id` and get one reply with it.
 *
 * @module
 */

import type { DirectorConfig } from "../config/model.ts";

/** A host named by where it lives. */
export interface HostName {
  service: string;
  group: string;
  host: string;
}

/** Per-host counters a worker reports (summed by the supervisor). */
export interface HostCounters {
  open: number;
  total: number;
  started: number;
  bytesIn: number;
  bytesOut: number;
  failures: number;
  failuresByKind: Record<string, number>;
}

export interface WorkerStats {
  connections: number;
  /** Keyed by `JSON.stringify([service, group, host])`. */
  hosts: Record<string, HostCounters>;
}

/** Supervisor → worker. The first message is always `init`. */
export type ToWorker =
  | {
    type: "init";
    /** The running config (as a model: run-time states such as empty groups included). */
    config: DirectorConfig;
    /** Where the config came from, for messages. */
    source: string;
    /** The config file, for reload; absent for the embedded default. */
    configPath?: string;
    bad: { ref: HostName; reason: string }[];
    adminDown: HostName[];
  }
  | { type: "call"; id: number; action: string; params: Record<string, string> }
  | { type: "stats"; id: number }
  | { type: "markBad"; ref: HostName; reason: string }
  | { type: "markUp"; ref: HostName; why: string }
  | { type: "adminDown"; ref: HostName; down: boolean };

/** Worker → supervisor. */
export type FromWorker =
  | { type: "ready"; pid: number }
  | { type: "reply"; id: number; ok: boolean; status?: number; message: string }
  | { type: "stats"; id: number; stats: WorkerStats }
  | { type: "hostBad"; ref: HostName; reason: string };

/** The key of a host in `WorkerStats.hosts`. */
export function hostKey(ref: HostName): string {
  return JSON.stringify([ref.service, ref.group, ref.host]);
}

/** Split a byte stream into lines and hand each parsed message to `onMessage`. */
export function readMessages<T>(
  stream: AsyncIterable<Uint8Array | string>,
  onMessage: (message: T) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  return (async () => {
    for await (const chunk of stream) {
      pending += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = pending.indexOf("\n")) !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.trim() === "") continue;
        try {
          onMessage(JSON.parse(line) as T);
        } catch {
          // A line that is not a message (stray output) is ignored.
        }
      }
    }
  })();
}

/** One message as a line. */
export function line(message: ToWorker | FromWorker): string {
  return JSON.stringify(message) + "\n";
}
