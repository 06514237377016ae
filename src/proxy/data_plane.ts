/**
 * The data plane of one thread: the listeners of every service, the
 * admission of each connection against its limits, and the sessions that
 * relay them. With one worker it runs in the main thread beside the
 * control plane, over the very same model; with several, each worker
 * thread runs one over its own copy of the model (`src/workers/`).
 *
 * Changes arrive as edits (`src/balancer/edits.ts`): `apply` changes the
 * model and then opens or closes the listeners the edits imply. Binding
 * is done first, by `prepare`, so a busy port refuses a change before any
 * of it is applied: the caller prepares, then applies (or aborts).
 *
 * @module
 */
import type { Balancer } from "../balancer/balancer.ts";
import { applyEdit, type Edit } from "../balancer/edits.ts";
import type { Service, Slots } from "../balancer/service.ts";
import type { ListenConfig, LoggingConfig } from "../config/model.ts";
import { errorMessage, type Logger, Throttle } from "../log.ts";
import { Admission } from "../policy/admission.ts";
import { inSlices } from "../slices.ts";
import type { Conn, Runtime } from "../runtime/types.ts";
import { AccessLog } from "./access_log.ts";
import { IdleSweeper } from "./idle.ts";
import { Lease } from "./lease.ts";
import { ServiceListener } from "./listener.ts";
import { Session, type SessionDeps } from "./session.ts";

/** How long an admission waits at most before re-checking its limits. */
const ADMIT_RECHECK_MS = 1000;

export interface DataPlaneOptions {
  runtime: Runtime;
  model: Balancer;
  log: Logger;
  /** Bind with SO_REUSEPORT (several worker threads listen on one port). */
  reusePort: boolean;
  /** The connection limit of the process (from the descriptor limit). */
  defaultMaxconn: number;
  logging: LoggingConfig;
}

/** A service's address bound ahead of the edit that starts it. */
const preparedKey = (service: string, spec: string) => `${service}\u0000${spec}`;

/**
 * Undefined when `slots` has room under `limit`; else a promise that
 * settles once a slot may have freed. The release mark is taken only when
 * full (a shared counter read saved on every accept), and before the look
 * that decides to wait, so a release in between is never missed.
 */
function roomIn(slots: Slots, limit: number): Promise<void> | undefined {
  if (slots.open < limit) return undefined;
  const mark = slots.releases.mark();
  return slots.open < limit ? undefined : slots.releases.next(mark, ADMIT_RECHECK_MS);
}

export class DataPlane {
  readonly model: Balancer;
  #runtime: Runtime;
  #log: Logger;
  #reusePort: boolean;
  #defaultMaxconn: number;
  #listeners = new Map<string, ServiceListener[]>();
  /** Accepted clients waiting for a slot another thread took first (see `#accepted`). */
  #queued = new Map<Service, { listen: ListenConfig; conn: Conn }[]>();
  #prepared = new Map<string, ServiceListener>();
  #open = 0;
  #idleWaiters: (() => void)[] = [];
  #draining = false;
  #accessLog: AccessLog;
  #acceptErrors = new Throttle();
  readonly #deps: SessionDeps;

  constructor(options: DataPlaneOptions) {
    this.model = options.model;
    this.#runtime = options.runtime;
    this.#log = options.log;
    this.#reusePort = options.reusePort;
    this.#defaultMaxconn = options.defaultMaxconn;
    this.#accessLog = new AccessLog(options.log, options.logging);
    this.#deps = {
      runtime: options.runtime,
      balancer: options.model,
      idle: new IdleSweeper(),
      admission: new Admission(options.model.arena, options.model.worker, options.log),
      noHostLog: new Throttle(),
      access: this.#accessLog.writer,
      ended: () => this.#sessionEnded(),
    };
  }

  /** Connections in progress in this thread. */
  get openConnections(): number {
    return this.#open;
  }

  get defaultMaxconn(): number {
    return this.#defaultMaxconn;
  }

  /** Bind and run every service's addresses; all or nothing (throws `ListenError`). */
  start(): void {
    const binds = [...this.model.services].flatMap((service) =>
      service.listen.map((listen) => ({ service: service.name, listen }))
    );
    this.prepare(binds);
    for (const service of this.model.services) this.#startService(service);
  }

  /**
   * Bind these addresses now, without accepting yet (the edits that use
   * them follow). All or nothing: on a failure the ones bound here are
   * closed again and the error thrown.
   */
  prepare(binds: { service: string; listen: ListenConfig }[]): void {
    const bound: string[] = [];
    try {
      for (const { service, listen } of binds) {
        const key = preparedKey(service, listen.spec);
        if (this.#prepared.has(key)) continue;
        this.#prepared.set(key, new ServiceListener(this.#runtime, listen, this.#reusePort));
        bound.push(key);
      }
    } catch (error) {
      for (const key of bound) {
        this.#prepared.get(key)?.close();
        this.#prepared.delete(key);
      }
      throw error;
    }
  }

  /** Close what `prepare` bound and no edit used (a refused change). */
  abortPrepared(): void {
    for (const listener of this.#prepared.values()) listener.close();
    this.#prepared.clear();
  }

  /**
   * Apply validated edits to the model, opening and closing listeners as
   * they say — in slices, so a large change does not stall this thread's
   * connections.
   */
  apply(edits: readonly Edit[]): Promise<void> {
    return inSlices(edits, (edit) => {
      applyEdit(this.model, edit);
      this.#react(edit);
    });
  }

  #react(edit: Edit): void {
    switch (edit.op) {
      case "addService": {
        const service = this.model.service(edit.service.name);
        if (service) this.#startService(service);
        return;
      }
      case "removeService":
        return this.#stopService(edit.service);
      case "addListen": {
        const service = this.model.service(edit.service);
        if (service) this.#startListener(service, edit.listen);
        return;
      }
      case "removeListen":
        return this.#stopListener(edit.service, edit.spec);
    }
  }

  #startService(service: Service): void {
    for (const listen of service.listen) this.#startListener(service, listen);
  }

  #startListener(service: Service, listen: ListenConfig): void {
    const key = preparedKey(service.name, listen.spec);
    const listener = this.#prepared.get(key) ??
      new ServiceListener(this.#runtime, listen, this.#reusePort);
    this.#prepared.delete(key);
    const listeners = this.#listeners.get(service.name) ?? [];
    listeners.push(listener);
    this.#listeners.set(service.name, listeners);
    this.#log.info("listening", { service: service.name, listen: listen.spec });
    void listener.run(
      (conn) => this.#accepted(service, listener.endpoint, conn),
      () => this.#room(service),
      (spec, error) => this.#acceptError(spec, error),
    );
  }

  #stopService(name: string): void {
    for (const listener of this.#listeners.get(name) ?? []) listener.close();
    this.#listeners.delete(name);
  }

  #stopListener(service: string, spec: string): void {
    const listeners = this.#listeners.get(service) ?? [];
    for (const listener of listeners.filter((l) => l.endpoint.spec === spec)) {
      listener.close();
      this.#log.info("listener_closed", { service, listen: spec });
    }
    this.#listeners.set(service, listeners.filter((l) => l.endpoint.spec !== spec));
  }

  /**
   * Is there room for one more connection of `service` (its `maxconn`,
   * and the process-wide limit)? Undefined when there is; otherwise a
   * promise that settles once a slot may have freed, in any thread. Only a
   * look: the slot is taken after the accept (`#accepted`), so a listener
   * waiting for clients holds none.
   */
  #room(service: Service): Promise<void> | undefined {
    return roomIn(service.slots, service.maxconn ?? Infinity) ??
      roomIn(this.model.processSlots, this.#defaultMaxconn);
  }

  /** Take the service's and the process's slot; false (nothing taken) when either is full. */
  #admit(service: Service): boolean {
    if (!service.slots.tryTake(service.maxconn ?? Infinity)) return false;
    if (this.model.processSlots.tryTake(this.#defaultMaxconn)) return true;
    service.slots.release();
    return false;
  }

  /**
   * An accepted client: admitted at once, or — when another thread took
   * the last slot between the look and the accept — queued, unread, until
   * a slot frees. At most one client per listener per thread waits so.
   */
  #accepted(service: Service, listen: ListenConfig, conn: Conn): void {
    const queue = this.#queued.get(service);
    if (!queue && this.#admit(service)) return this.#serve(service, listen, conn);
    if (queue) return void queue.push({ listen, conn });
    this.#queued.set(service, [{ listen, conn }]);
    void this.#drainQueue(service);
  }

  async #drainQueue(service: Service): Promise<void> {
    const queue = this.#queued.get(service)!;
    while (queue.length > 0 && !this.#draining) {
      const own = service.slots, process = this.model.processSlots;
      const mark = own.releases.mark(), processMark = process.releases.mark();
      if (this.#admit(service)) {
        const { listen, conn } = queue.shift()!;
        this.#serve(service, listen, conn);
        continue;
      }
      const full = own.open >= (service.maxconn ?? Infinity);
      await (full ? own : process).releases.next(full ? mark : processMark, ADMIT_RECHECK_MS);
    }
    for (const { conn } of queue.splice(0)) conn.close();
    this.#queued.delete(service);
  }

  #acceptError(listen: string, error: unknown): void {
    // At most once a second per listener, so a flood cannot fill the disk.
    if (this.#acceptErrors.pass(listen, Date.now()) === undefined) return;
    this.#log.error("accept_error", { listen, reason: errorMessage(error) });
  }

  #serve(service: Service, listen: ListenConfig, conn: Conn): void {
    this.#open++;
    const session = new Session(
      conn,
      new Lease(service, this.model.processSlots),
      listen,
      this.#deps,
    );
    // Never rejects: the session logs and aborts by itself (`session_error`).
    void session.start();
  }

  /** A session is over: one fewer connection; the last one ends a drain. */
  #sessionEnded(): void {
    this.#open--;
    if (this.#open === 0) { for (const resolve of this.#idleWaiters.splice(0)) resolve(); }
  }

  /** `<logging>` at run time: the access log follows it. */
  setLogging(logging: LoggingConfig): void {
    this.#accessLog.configure(logging);
    this.#deps.access = this.#accessLog.writer;
  }

  /** Re-open the access log file (SIGUSR1). */
  reopenLogs(): void {
    this.#accessLog.reopen();
  }

  /** Bound port of a service's n-th listen address (useful with port 0). */
  boundPort(service: string, index = 0): number | undefined {
    return this.#listeners.get(service)?.[index]?.port;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Stop accepting everywhere at once; resolves when the last connection has finished. */
  drain(): Promise<void> {
    this.#draining = true;
    this.close();
    if (this.#open === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Close every listener now (start-up failed half-way, or draining). */
  close(): void {
    for (const name of [...this.#listeners.keys()]) this.#stopService(name);
    this.abortPrepared();
  }
}
