/**
 * Loading config files on a worker thread (`load_worker.ts`): the same
 * result and the same `ConfigError` as `loadConfigFile` / `loadConfigText`,
 * without blocking this thread. A worker is started for a load and ended
 * {@linkcode IDLE_MS} after the last one: a worker kept for good keeps its
 * heap at the high-water mark of the largest parse resident (after 60
 * reloads of 3,000 hosts and a settle: 235 MiB kept, against 71 MiB ended),
 * and starting one blocks this thread (under Deno `new Worker` waits for the
 * thread's isolate: 15–40 ms with no CPU used here, per reload, on a loaded
 * core), so reloads in a row share one. `close` ends it too.
 *
 * A reload ({@linkcode ConfigLoader.loadPlanned}) also plans there: this
 * thread sends the running config, a few services per message, and gets
 * back only the plan's edits and the new file without its services. The new
 * model of 20,000 hosts then never lands on this thread's heap, where the
 * young-generation collections that copied it stalled every relay here
 * for tens of milliseconds (and it is not kept: the balancer holds the services).
 *
 * @module
 */
import type { Edit } from "../balancer/edits.ts";
import type { Plan } from "../changes/plan.ts";
import type { Runtime } from "../runtime/types.ts";
import { SLICE_MS } from "../slices.ts";
import {
  ConfigError,
  type DirectorConfig,
  type LoadedConfig,
  type LoadedSettings,
  type ServiceConfig,
} from "../config/model.ts";

/**
 * The running config, as a reload sends it: the services, each made when
 * its turn comes, then the rest. A change committed meanwhile (between two
 * parts) is one the plan may miss or undo, as with any change committed
 * while a reload is planned.
 */
export interface RunningSource {
  services(): Iterable<ServiceConfig>;
  rest(): Omit<DirectorConfig, "services">;
}

export type LoadRequest =
  | { id: number; path: string; plan?: true }
  | { id: number; text: string; source: string }
  /** The last part was taken: send the next one. */
  | { id: number; next: true }
  /** Some of the running services (a planned load), in order. */
  | { id: number; running: ServiceConfig[] }
  /** The rest of the running config: plan now. */
  | { id: number; runningRest: Omit<DirectorConfig, "services"> };

export type LoadReply =
  /** Some of the services, in order (a large config comes in parts). */
  | { id: number; part: ServiceConfig[] }
  /** Some of the plan's edits, in order. */
  | { id: number; edits: Edit[] }
  /** The file loaded (planned load): send the running config. */
  | { id: number; wantRunning: true }
  /** The rest of the config; its services are the parts before it (planned: none). */
  | { id: number; ok: true; loaded: LoadedConfig; plan?: Plan }
  | {
    id: number;
    ok: false;
    message: string;
    /** Set when the error was a ConfigError. */
    config?: { file: string; line?: number; column?: number };
  };

type Final = Extract<LoadReply, { ok: boolean }>;

/** How long the worker is kept after its last load. */
export const IDLE_MS = 5_000;

/** Running services per message. */
const RUNNING_PER_MESSAGE = 20;

interface Pending {
  resolve: (reply: Final) => void;
  services: ServiceConfig[];
  edits: Edit[];
  running?: RunningSource;
}

export class ConfigLoader {
  #runtime: Runtime;
  #worker: Worker | undefined;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #idle: ReturnType<typeof setTimeout> | undefined;

  constructor(runtime: Runtime) {
    this.#runtime = runtime;
  }

  /**
   * Start the worker now, before any load (it ends {@linkcode IDLE_MS} later
   * unless one comes): under Deno the first worker of a process loads its
   * modules on this thread (80 ms of CPU), which is better paid at start
   * than in the middle of the first reload.
   */
  warm(): void {
    if (this.#worker || this.#pending.size > 0) return;
    this.#start();
    this.#idle = setTimeout(() => this.#end(), IDLE_MS);
  }

  /**
   * Parse and validate a document's text on the worker (`source` names it
   * in errors); rejects with a ConfigError as loading would.
   */
  async loadText(text: string, source: string): Promise<LoadedConfig> {
    const { reply, pending } = await this.#request({ id: 0, text, source });
    return { ...reply.loaded, config: { ...reply.loaded.config, services: pending.services } };
  }

  /**
   * Load `path` and plan the change from `running` to it, both on the worker:
   * the plan, and the file without its services.
   */
  async loadPlanned(
    path: string,
    running: RunningSource,
  ): Promise<{ loaded: LoadedSettings; plan: Plan }> {
    const { reply, pending } = await this.#request({ id: 0, path, plan: true }, running);
    const { services: _, ...config } = reply.loaded.config;
    const plan = reply.plan!;
    return { loaded: { ...reply.loaded, config }, plan: { ...plan, edits: pending.edits } };
  }

  async #request(
    request: Extract<LoadRequest, { path: string } | { text: string }>,
    running?: RunningSource,
  ): Promise<{ reply: Extract<Final, { ok: true }>; pending: Pending }> {
    const id = this.#nextId++;
    const pending: Pending = { resolve: () => {}, services: [], edits: [], running };
    const reply = await new Promise<Final>((resolve) => {
      pending.resolve = resolve;
      this.#pending.set(id, pending);
      this.#start().postMessage({ ...request, id } satisfies LoadRequest);
    });
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#idle = setTimeout(() => this.#end(), IDLE_MS);
    if (reply.ok) return { reply, pending };
    if (reply.config) {
      const { file, line, column } = reply.config;
      throw new ConfigError(reply.message, file, line, column);
    }
    throw new Error(reply.message);
  }

  /** Send the running config, yielding to the event loop every few milliseconds. */
  async #sendRunning(worker: Worker, id: number, running: RunningSource): Promise<void> {
    let part: ServiceConfig[] = [];
    let sliceStart = performance.now();
    for (const service of running.services()) {
      part.push(service);
      if (part.length < RUNNING_PER_MESSAGE) continue;
      worker.postMessage({ id, running: part } satisfies LoadRequest);
      part = [];
      if (performance.now() - sliceStart < SLICE_MS) continue;
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      if (this.#worker !== worker) return;
      sliceStart = performance.now();
    }
    if (part.length > 0) worker.postMessage({ id, running: part } satisfies LoadRequest);
    worker.postMessage({ id, runningRest: running.rest() } satisfies LoadRequest);
  }

  #start(): Worker {
    clearTimeout(this.#idle);
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.#runtime.workerUrl("control/load_worker"), { type: "module" });
    worker.onmessage = ({ data }: MessageEvent<LoadReply>) => {
      const pending = this.#pending.get(data.id);
      if (!pending) return;
      if ("wantRunning" in data) {
        void this.#sendRunning(worker, data.id, pending.running!).catch((error) =>
          this.#fail(`Cannot send the running config: ${(error as Error).message}`)
        );
        return;
      }
      if ("part" in data) {
        for (const service of data.part) pending.services.push(service);
        return worker.postMessage({ id: data.id, next: true } satisfies LoadRequest);
      }
      if ("edits" in data) {
        for (const edit of data.edits) pending.edits.push(edit);
        return worker.postMessage({ id: data.id, next: true } satisfies LoadRequest);
      }
      pending.resolve(data);
    };
    worker.onerror = (event) => {
      event.preventDefault?.();
      this.#fail(`the config loader stopped: ${(event as ErrorEvent).message ?? "crashed"}`);
    };
    return this.#worker = worker;
  }

  #end(): void {
    clearTimeout(this.#idle);
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  #fail(message: string): void {
    this.#end();
    for (const [id, pending] of this.#pending) pending.resolve({ id, ok: false, message });
    this.#pending.clear();
  }

  close(): void {
    this.#fail("the config loader was closed");
  }
}
