/**
 * The data planes as the control plane sees them: one in this thread
 * ({@linkcode LocalPlanes}), or one per worker thread (`src/workers/pool.ts`).
 * The control plane commits a change through this interface alike in both:
 * bind what the change adds, then apply its edits everywhere, or release
 * the binds when it is refused.
 *
 * @module
 */
import type { Edit } from "../balancer/edits.ts";
import type { ListenConfig, LoggingConfig } from "../config/model.ts";
import { ChangeError } from "../changes/errors.ts";
import type { DataPlane } from "../proxy/data_plane.ts";
import { workerTotals } from "../state/reclaim.ts";

/** One worker thread, as `/api/v1/workers` shows it. */
export interface WorkerStatus {
  index: number;
  /** Thread id (worker threads) or process id (one thread). */
  id: number;
  ready: boolean;
  /** Connections in progress in this worker. */
  connections: number;
  /** Connections this worker has established, and connect failures it met, since start. */
  started: number;
  failures: number;
  restarts: number;
}

export interface DataPlanes {
  /** Bind, in every data plane, the addresses `edits` add; throws (nothing bound) if one fails. */
  prepare(edits: readonly Edit[]): Promise<void>;
  /** Release what `prepare` bound (the change was refused after all). */
  abort(): Promise<void>;
  /** Apply validated edits everywhere, the control plane's model included. */
  apply(edits: readonly Edit[]): Promise<void>;
  setLogging(logging: LoggingConfig): void;
  reopenLogs(): void;
  /** Connections in progress, all data planes together. */
  readonly openConnections: number;
  workers(): WorkerStatus[];
  readonly restarts: number;
  /** Terminate worker `index` at once (its connections are cut) and start a new one. */
  restart(index: number): Promise<string>;
  /** Stop accepting everywhere at once; resolves once every connection has finished. */
  drain(): Promise<void>;
  /** Close every listener at once (start-up failed half-way); forget every thread. */
  close(): Promise<void>;
}

/** The addresses a list of edits binds (a new service's, a new listen address). */
export function bindsOf(edits: readonly Edit[]): { service: string; listen: ListenConfig }[] {
  const binds: { service: string; listen: ListenConfig }[] = [];
  for (const edit of edits) {
    if (edit.op === "addService") {
      for (const listen of edit.service.listen) binds.push({ service: edit.service.name, listen });
    } else if (edit.op === "addListen") binds.push({ service: edit.service, listen: edit.listen });
  }
  return binds;
}

/** The data plane of a single-threaded Director: this thread's own, over the same model. */
export class LocalPlanes implements DataPlanes {
  readonly plane: DataPlane;
  readonly restarts = 0;
  #pid: number;

  constructor(plane: DataPlane, pid: number) {
    this.plane = plane;
    this.#pid = pid;
  }

  prepare(edits: readonly Edit[]): Promise<void> {
    this.plane.prepare(bindsOf(edits));
    return Promise.resolve();
  }

  abort(): Promise<void> {
    this.plane.abortPrepared();
    return Promise.resolve();
  }

  apply(edits: readonly Edit[]): Promise<void> {
    return this.plane.apply(edits);
  }

  setLogging(logging: LoggingConfig): void {
    this.plane.setLogging(logging);
  }

  reopenLogs(): void {
    this.plane.reopenLogs();
  }

  get openConnections(): number {
    return this.plane.openConnections;
  }

  workers(): WorkerStatus[] {
    const connections = this.plane.openConnections;
    const totals = workerTotals(this.plane.model.arena, 0);
    return [{ index: 0, id: this.#pid, ready: true, connections, ...totals, restarts: 0 }];
  }

  restart(): Promise<string> {
    throw new ChangeError(409, "cannot restart a worker: Director runs in one thread (workers=1)");
  }

  drain(): Promise<void> {
    return this.plane.drain();
  }

  close(): Promise<void> {
    this.plane.close();
    return Promise.resolve();
  }
}
