/**
 * The supervisor of a multi-process Director (`<performance workers="N"/>`).
 *
 * It runs the admin server, recovery and health checks on its own copy of
 * the running state (the model), and N worker processes run the data plane
 * on SO_REUSEPORT listeners. The rules that keep them coherent:
 *
 * - A change call is validated and applied to the model first, then sent to
 *   every worker, and answered once all have confirmed. A worker that
 *   refuses or does not confirm within {@linkcode CONFIRM_TIMEOUT_MS} is
 *   restarted from the model's running config — so no worker keeps a
 *   diverging state — and the call answers 500 naming it.
 * - A host a worker finds bad is marked bad in the model and in every
 *   worker; recovery and checks run once, here, and a host they bring back
 *   is brought back everywhere.
 * - Counters are summed over the workers once a second into the model,
 *   which the admin views read; `/api/v1/workers` shows each worker's own.
 * - A worker that exits unexpectedly is restarted (logged, counted).
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { Director } from "../director.ts";
import { errorMessage } from "../log.ts";
import {
  type FromWorker,
  hostKey,
  type HostName,
  line,
  readMessages,
  type ToWorker,
  type WorkerStats,
} from "./channel.ts";

export const CONFIRM_TIMEOUT_MS = 3000;
const STATS_INTERVAL_MS = 1000;
const READY_TIMEOUT_MS = 20_000;

interface Worker {
  index: number;
  proc: ChildProcess;
  pid: number;
  ready: boolean;
  stats: WorkerStats;
  replies: Map<number, (message: FromWorker) => void>;
}

/** One worker as the admin's `/api/v1/workers` shows it. */
export interface WorkerStatus {
  index: number;
  pid: number;
  ready: boolean;
  connections: number;
  hosts: WorkerStats["hosts"];
}

const nameOf = (
  ref: { service: { name: string }; group: { name: string }; host: { name: string } },
) => ({
  service: ref.service.name,
  group: ref.group.name,
  host: ref.host.name,
});

export class Supervisor {
  readonly model: Director;
  readonly count: number;
  restarts = 0;
  #command: string[];
  #workers: (Worker | undefined)[] = [];
  #nextId = 1;
  #stopping = false;
  #statsTimer: ReturnType<typeof setInterval> | undefined;

  /** `command` runs this program (the supervisor appends `--worker N`). */
  constructor(model: Director, count: number, command: string[]) {
    this.model = model;
    this.count = count;
    this.#command = command;
    model.balancer.onBad = (ref, reason) =>
      this.#send({ type: "markBad", ref: nameOf(ref), reason });
    model.balancer.onUp = (ref, why) => this.#send({ type: "markUp", ref: nameOf(ref), why });
  }

  /** Start every worker; resolves when all are listening, throws if one cannot start. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.count }, (_, i) => this.#spawn(i)));
    this.#statsTimer = setInterval(() => void this.#pollStats(), STATS_INTERVAL_MS);
  }

  #spawn(index: number): Promise<void> {
    const [cmd, ...args] = this.#command;
    const proc = spawn(cmd, [...args, "--worker", String(index)], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    const worker: Worker = {
      index,
      proc,
      pid: proc.pid ?? 0,
      ready: false,
      stats: { connections: 0, hosts: {} },
      replies: new Map(),
    };
    this.#workers[index] = worker;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker ${index} did not start in time`)),
        READY_TIMEOUT_MS,
      );
      void readMessages<FromWorker>(proc.stdout!, (message) => {
        if (message.type === "ready") {
          worker.ready = true;
          clearTimeout(timer);
          resolve();
        } else this.#receive(worker, message);
      });
      proc.on("exit", (code, signal) => {
        clearTimeout(timer);
        if (!worker.ready) {
          reject(new Error(`worker ${index} exited during start (${signal ?? code})`));
        }
        this.#exited(worker, code, signal);
      });
    });
    proc.stdin!.on("error", () => {}); // a dead worker's pipe; its exit is handled above
    const config = this.model.runningConfig();
    const bad = [], adminDown: HostName[] = [];
    for (const ref of this.model.balancer.hosts()) {
      if (ref.host.bad) bad.push({ ref: nameOf(ref), reason: ref.host.bad.reason });
      if (ref.host.adminDown) adminDown.push(nameOf(ref));
    }
    proc.stdin!.write(line({
      type: "init",
      config,
      source: this.model.loaded.source,
      configPath: this.model.configPath,
      bad,
      adminDown,
    }));
    return ready;
  }

  #receive(worker: Worker, message: FromWorker): void {
    if (message.type === "reply" || message.type === "stats") {
      worker.replies.get(message.id)?.(message);
      worker.replies.delete(message.id);
    } else if (message.type === "hostBad") {
      const ref = this.#find(message.ref);
      // The model's markBad tells every worker (onBad), the reporter included: harmless.
      if (ref && !ref.host.bad) this.model.balancer.markBad(ref, message.reason);
    }
  }

  #find(name: HostName) {
    const service = this.model.balancer.service(name.service);
    const group = service?.group(name.group);
    const host = group?.findHost(name.host);
    return service && group && host ? { service, group, host } : undefined;
  }

  #exited(worker: Worker, code: number | null, signal: string | null): void {
    if (this.#workers[worker.index] !== worker) return;
    this.#workers[worker.index] = undefined;
    for (const resolve of worker.replies.values()) {
      resolve({ type: "reply", id: 0, ok: false, message: "worker exited" });
    }
    if (this.#stopping || !worker.ready) return;
    this.restarts++;
    this.model.log.error("worker_exited", {
      worker: worker.index,
      pid: worker.pid,
      code: code ?? undefined,
      signal: signal ?? undefined,
    });
    setTimeout(() => {
      if (this.#stopping) return;
      this.#spawn(worker.index).then(
        () =>
          this.model.log.info("worker_restarted", {
            worker: worker.index,
            pid: this.#workers[worker.index]?.pid,
          }),
        (error) =>
          this.model.log.error("worker_restart_failed", {
            worker: worker.index,
            reason: errorMessage(error),
          }),
      );
    }, 200);
  }

  #send(message: ToWorker): void {
    for (const worker of this.#workers) if (worker?.ready) worker.proc.stdin!.write(line(message));
  }

  #request(worker: Worker, message: ToWorker & { id: number }): Promise<FromWorker | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        worker.replies.delete(message.id);
        resolve(undefined);
      }, CONFIRM_TIMEOUT_MS);
      worker.replies.set(message.id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      worker.proc.stdin!.write(line(message));
    });
  }

  /**
   * Apply a change call (already applied to the model) on every worker.
   * Resolves undefined when all confirmed, or a message naming those that
   * did not (they are restarted from the running config).
   */
  async broadcast(action: string, params: Record<string, string>): Promise<string | undefined> {
    const live = this.#workers.filter((w): w is Worker => !!w?.ready);
    const replies = await Promise.all(
      live.map((w) => this.#request(w, { type: "call", id: this.#nextId++, action, params })),
    );
    const failed: string[] = [];
    replies.forEach((reply, i) => {
      if (reply?.type === "reply" && reply.ok) return;
      const why = reply?.type === "reply" ? reply.message : "no answer";
      failed.push(`worker ${live[i].index} (pid ${live[i].pid}): ${why}`);
      this.model.log.error("worker_diverged", { worker: live[i].index, action, reason: why });
      live[i].proc.kill("SIGKILL"); // restarted from the running config
    });
    return failed.length ? `not confirmed by ${failed.join("; ")}; restarting it` : undefined;
  }

  /** Ask every worker for its counters and sum them into the model. */
  async #pollStats(): Promise<void> {
    const live = this.#workers.filter((w): w is Worker => !!w?.ready);
    await Promise.all(live.map(async (w) => {
      const reply = await this.#request(w, { type: "stats", id: this.#nextId++ });
      if (reply?.type === "stats") w.stats = reply.stats;
    }));
    let connections = 0;
    for (const w of live) connections += w.stats.connections;
    this.model.reportedConnections = connections;
    for (const ref of this.model.balancer.hosts()) {
      const key = hostKey(nameOf(ref));
      const host = ref.host;
      host.open =
        host.total =
        host.started =
        host.bytesIn =
        host.bytesOut =
        host.failures =
          0;
      for (const kind of Object.keys(host.failuresByKind) as (keyof typeof host.failuresByKind)[]) {
        host.failuresByKind[kind] = 0;
      }
      for (const w of live) {
        const c = w.stats.hosts[key];
        if (!c) continue;
        host.open += c.open;
        host.total += c.total;
        host.started += c.started;
        host.bytesIn += c.bytesIn;
        host.bytesOut += c.bytesOut;
        host.failures += c.failures;
        for (const [kind, n] of Object.entries(c.failuresByKind)) {
          host.failuresByKind[kind as keyof typeof host.failuresByKind] += n;
        }
      }
    }
  }

  /** Each worker's own state, for `/api/v1/workers`. */
  status(): WorkerStatus[] {
    return this.#workers.filter((w): w is Worker => !!w).map((w) => ({
      index: w.index,
      pid: w.pid,
      ready: w.ready,
      connections: w.stats.connections,
      hosts: w.stats.hosts,
    }));
  }

  /** Forward a signal to every worker (SIGUSR1: reopen logs). */
  signal(name: NodeJS.Signals): void {
    for (const worker of this.#workers) worker?.proc.kill(name);
  }

  /** Drain every worker (SIGTERM) and resolve once all have exited; `force` kills them. */
  async stop(force = false): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#statsTimer);
    const exits = this.#workers.filter((w): w is Worker => !!w).map((w) =>
      new Promise<void>((resolve) => {
        if (w.proc.exitCode !== null || w.proc.signalCode !== null) return resolve();
        w.proc.once("exit", () => resolve());
        w.proc.kill(force ? "SIGKILL" : "SIGTERM");
      })
    );
    await Promise.all(exits);
  }
}
