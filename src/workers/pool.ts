/**
 * The worker threads of a multi-threaded Director (`workers="N"`), as the
 * control plane sees them ({@linkcode DataPlanes}).
 *
 * Every thread maps the one arena, so the rules of balancing hold across
 * threads to the connection (see `src/state/arena.ts`). What this pool
 * keeps in step is the model's structure:
 *
 * - A change is first *prepared* in every thread (each binds what the
 *   change adds, with SO_REUSEPORT); if one cannot, every thread releases
 *   its binds and the change is refused, unchanged everywhere. Then the
 *   edits are applied to the main thread's model (which places new objects
 *   in the arena) and sent to every thread, which applies them at once.
 * - A thread that dies (or is restarted by `restartWorker`) gives back its
 *   share of every count (`src/state/reclaim.ts`), and a new thread with
 *   the same index starts from the running config.
 * - Draining tells every thread at once; each closes its listeners, lets
 *   its connections finish, and says so.
 *
 * @module
 */
import type { Balancer } from "../balancer/balancer.ts";
import { applyEdit, type Edit } from "../balancer/edits.ts";
import type { DirectorConfig, LoggingConfig } from "../config/model.ts";
import { bindsOf, type DataPlanes, type WorkerStatus } from "../control/planes.ts";
import { errorMessage, type Logger } from "../log.ts";
import { threadErrorReason } from "../runtime/thread_error.ts";
import type { Runtime } from "../runtime/types.ts";
import { S_OPEN, SW_OPEN } from "../state/arena.ts";
import { inSlices } from "../slices.ts";
import { reclaimWorker, workerTotals } from "../state/reclaim.ts";
import { ChangeError } from "../changes/errors.ts";
import type { FromWorker, ToWorker } from "./messages.ts";
import { ask, type Refusal, type Thread, wakeAfterReclaim } from "./thread_link.ts";

/** How long a thread may take to start. */
const READY_TIMEOUT_MS = 20_000;
const RESTART_DELAY_MS = 200;
/** How long a thread told to close its listeners (before it is terminated) may take. */
const CLOSE_TIMEOUT_MS = 2_000;

export interface PoolOptions {
  runtime: Runtime;
  log: Logger;
  /** The main thread's model: it places new objects, and its arena is shared. */
  model: Balancer;
  count: number;
  defaultMaxconn: number;
  /** The running config a (re)started thread begins from. */
  runningConfig: () => DirectorConfig;
}

export class ThreadPool implements DataPlanes {
  restarts = 0;
  #options: PoolOptions;
  #threads: (Thread | undefined)[] = [];
  #nextId = 1;
  #stopping = false;
  /** Restarts per thread index. */
  #restartsOf: number[] = [];

  constructor(options: PoolOptions) {
    this.#options = options;
  }

  /** Start every thread; resolves when all listen, rejects (all stopped) if one cannot. */
  async start(): Promise<void> {
    const started = Array.from({ length: this.#options.count }, (_, i) => this.#spawn(i));
    const results = await Promise.allSettled(started);
    const failed = results.find((r) => r.status === "rejected") as
      | PromiseRejectedResult
      | undefined;
    if (failed) {
      await this.close();
      throw failed.reason;
    }
  }

  #spawn(index: number): Promise<void> {
    const { runtime, model } = this.#options;
    const worker = new Worker(runtime.workerUrl("workers/thread"), { type: "module" });
    const thread: Thread = { index, worker, ready: false, replies: new Map() };
    this.#threads[index] = thread;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`worker ${index} did not start in time`));
        this.#died(thread, "did not start in time");
      }, READY_TIMEOUT_MS);
      worker.onmessage = ({ data }: MessageEvent<FromWorker>) => {
        if (data.type === "ready") {
          thread.ready = true;
          clearTimeout(timer);
          resolve();
        } else if (data.type === "failed") {
          clearTimeout(timer);
          reject(new Error(data.reason));
          this.#died(thread, data.reason, false);
        } else this.#receive(thread, data);
      };
      worker.onerror = (event) => {
        event.preventDefault?.();
        clearTimeout(timer);
        const reason = threadErrorReason(event);
        if (!thread.ready) reject(new Error(`worker ${index} crashed: ${reason}`));
        this.#died(thread, reason);
      };
    });
    const config = this.#options.runningConfig();
    this.#post(thread, {
      type: "init",
      index,
      arena: model.arena.handle(),
      config,
      placements: model.placements(),
      defaultMaxconn: this.#options.defaultMaxconn,
    });
    return ready;
  }

  #post(thread: Thread, message: ToWorker): void {
    thread.worker.postMessage(message);
  }

  #receive(thread: Thread, message: FromWorker): void {
    if (message.type === "reply") {
      thread.replies.get(message.id)?.(message);
      thread.replies.delete(message.id);
    } else if (message.type === "hostBad") {
      const service = this.#options.model.service(message.service);
      const group = service?.group(message.group);
      const host = group?.findHost(message.host);
      if (service && group && host) {
        this.#options.model.recordBad({ service, group, host }, message.reason);
      }
    } else if (message.type === "drained") thread.drained?.();
  }

  /** A thread is gone: take back what it held, and start a new one in its place. */
  #died(thread: Thread, reason: string, restart = true): void {
    if (this.#threads[thread.index] !== thread) return;
    this.#threads[thread.index] = undefined;
    thread.worker.terminate();
    for (const resolve of thread.replies.values()) {
      resolve({ type: "reply", id: 0, ok: false, error: "worker exited" });
    }
    const { model, log } = this.#options;
    const open = reclaimWorker(model.arena, thread.index);
    wakeAfterReclaim(model, thread.index);
    thread.drained?.();
    if (this.#stopping || !restart || !thread.ready) return;
    this.restarts++;
    this.#restartsOf[thread.index] = (this.#restartsOf[thread.index] ?? 0) + 1;
    log.error("worker_exited", { worker: thread.index, reason, connections_lost: open });
    setTimeout(() => {
      if (this.#stopping) return;
      this.#spawn(thread.index).then(
        () => log.info("worker_restarted", { worker: thread.index }),
        (error) =>
          log.error("worker_restart_failed", { worker: thread.index, reason: errorMessage(error) }),
      );
    }, RESTART_DELAY_MS);
  }

  /** Send a request to every live thread; resolves the refusals of those that did not agree. */
  async #request(make: (id: number) => Extract<ToWorker, { id: number }>): Promise<Refusal[]> {
    const threads = this.#threads.filter((t): t is Thread => t !== undefined);
    const replies = await Promise.all(threads.map((thread) => this.#requestOne(thread, make)));
    return replies.filter((r): r is Refusal => r !== undefined);
  }

  /** Send one thread a request; resolves undefined when it agreed, else which thread and why not. */
  #requestOne(
    thread: Thread,
    make: (id: number) => Extract<ToWorker, { id: number }>,
    timeoutMs?: number,
  ): Promise<Refusal | undefined> {
    return ask(thread, make(this.#nextId++), timeoutMs);
  }

  async prepare(edits: readonly Edit[]): Promise<void> {
    const binds = bindsOf(edits);
    if (binds.length === 0) return;
    const refused = await this.#request((id) => ({ type: "prepare", id, binds }));
    if (refused.length > 0) throw new Error(refused[0].reason);
  }

  async abort(): Promise<void> {
    await this.#request((id) => ({ type: "abort", id }));
  }

  async apply(edits: readonly Edit[]): Promise<void> {
    if (edits.length === 0) return;
    // The main thread first: it places what the edits add, and the threads follow its placement.
    await inSlices(edits, (edit) => applyEdit(this.#options.model, edit));
    const refused = await this.#request((id) => ({ type: "apply", id, edits: [...edits] }));
    // An edit is validated and cannot fail; a thread that says otherwise has diverged.
    for (const { index, reason } of refused) {
      this.#options.log.error("worker_diverged", { worker: index, reason });
      const thread = this.#threads[index];
      if (thread) this.#died(thread, `diverged: ${reason}`);
    }
  }

  setLogging(logging: LoggingConfig): void {
    for (const thread of this.#threads) {
      if (thread) this.#post(thread, { type: "logging", logging });
    }
  }

  reopenLogs(): void {
    for (const thread of this.#threads) if (thread) this.#post(thread, { type: "reopen" });
  }

  /** Connections in progress, from the arena (each thread's own count, summed). */
  get openConnections(): number {
    const process = this.#options.model.arena.process;
    return Atomics.load(process.i32, process.i(0, S_OPEN));
  }

  workers(): WorkerStatus[] {
    const process = this.#options.model.arena.process;
    return this.#threads.flatMap((thread, index) =>
      thread
        ? [{
          index,
          id: (thread.worker as unknown as { threadId?: number }).threadId ?? index + 1,
          ready: thread.ready,
          connections: process.i32[process.iw(0, index, SW_OPEN)],
          ...workerTotals(this.#options.model.arena, index),
          restarts: this.#restartsOf[index] ?? 0,
        }]
        : []
    );
  }

  /**
   * Terminate thread `index` (its connections are cut) and start a new one.
   * Its listeners are closed first and confirmed: `terminate()` lets a thread
   * run on for a moment (under Bun, its sockets with it), and a connection the
   * kernel hands a dying listener in that moment would be lost.
   */
  async restart(index: number): Promise<string> {
    const thread = this.#threads[index];
    if (!thread?.ready) throw new ChangeError(409, `no running worker ${index}`);
    await this.#requestOne(thread, (id) => ({ type: "close", id }), CLOSE_TIMEOUT_MS);
    const open = this.workers().find((w) => w.index === index)?.connections ?? 0;
    this.#died(thread, "restarted by the admin");
    return `worker ${index} terminated (${open} connection(s) cut); a new one is starting`;
  }

  drain(): Promise<void> {
    this.#stopping = true;
    const threads = this.#threads.filter((t): t is Thread => t !== undefined);
    return Promise.all(threads.map((thread) =>
      new Promise<void>((resolve) => {
        thread.drained = () => {
          thread.worker.terminate();
          resolve();
        };
        this.#post(thread, { type: "drain" });
      })
    )).then(() => {});
  }

  close(): Promise<void> {
    this.#stopping = true;
    for (const thread of this.#threads) thread?.worker.terminate();
    this.#threads = [];
    return Promise.resolve();
  }
}
