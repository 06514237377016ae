/**
 * Loading config files on a worker thread (`load_worker.ts`): the same
 * result and the same `ConfigError` as `loadConfigFile` / `loadConfigText`,
 * without blocking this thread.
 *
 * A loader is used by the loads that come while it runs and replaced by a
 * fresh one {@linkcode IDLE_MS} after the last of them: a loader kept for
 * good keeps its heap at the high-water mark of the largest parse resident
 * (after 60 reloads of 3,000 hosts and a settle: 235 MiB kept, against
 * 71 MiB ended), a fresh one holds only its modules. There is always one
 * ready, so a reload never waits for a thread to start.
 *
 * After start, loaders are started by a small thread kept for good
 * (`load_spawner.ts`), never from this one: under Deno `new Worker` blocks its caller until the
 * new isolate is made and its modules loaded (25–70 ms on a busy core),
 * which, here, stalled every relayed connection at the first reload after
 * the loader had ended. (A worker started from a worker begins about
 * 500 ms late under Deno 2.9: the spare, started ahead of need, hides
 * that.) A loader and this thread talk over a `MessageChannel`, whose port
 * is handed to the loader at start. `close` ends both threads.
 *
 * @module
 */
import type { Edit } from "../balancer/edits.ts";
import type { Plan } from "../changes/plan.ts";
import type { Runtime } from "../runtime/types.ts";
import { threadErrorReason } from "../runtime/thread_error.ts";
import { SLICE_MS } from "../slices.ts";
import { startLoader } from "./loader_thread.ts";
import {
  ConfigError,
  type DirectorConfig,
  type LoadedConfig,
  type LoadedSettings,
  type ServiceConfig,
} from "../config/model.ts";

/**
 * The running config, as a reload sends it: the services, each as JSON
 * (`Service.configJson`) when its turn comes, then the rest. A change
 * committed meanwhile (between two parts) is one the plan may miss or undo,
 * as with any change committed while a reload is planned.
 */
export interface RunningSource {
  services(): Iterable<string>;
  rest(): Omit<DirectorConfig, "services">;
}

export type LoadRequest =
  | { id: number; path: string; plan?: true }
  | { id: number; text: string; source: string }
  /** The last part was taken: send the next one. */
  | { id: number; next: true }
  /** Some of the running services (a planned load), in order, each as JSON. */
  | { id: number; running: string[] }
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

/** To the spawner thread: start loader `start` with `port`, or end loader `end`. */
export type SpawnerRequest =
  | { start: number; url: string; port: MessagePort }
  | { end: number };

/** From the spawner thread: loader `failed` could not start, or crashed. */
export type SpawnerReply = { failed: number; message: string };

/** How long a used loader is kept after its last load before a fresh one replaces it. */
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
  #spawner: Worker | undefined;
  /** The running loader's number (as the spawner knows it) and channel. */
  #loader: { id: number; port: MessagePort; worker?: Worker } | undefined;
  #loaders = 0;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #idle: ReturnType<typeof setTimeout> | undefined;

  constructor(runtime: Runtime) {
    this.#runtime = runtime;
  }

  /**
   * Start the spawner and the first loader now, before any load: both
   * from this thread, whose `new Worker` blocks it, which is better paid at
   * start than later (and the first loader is then up, its memory counted,
   * as soon as Director has started, not half a second later as from the
   * spawner under Deno).
   */
  warm(): void {
    this.#spawnerThread();
    this.#start(true);
  }

  /** How many loader threads this loader has started (a fresh one after each idle period). */
  get started(): number {
    return this.#loaders;
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
    if (this.#pending.size === 0) this.#idle = setTimeout(() => this.#renew(), IDLE_MS);
    if (reply.ok) return { reply, pending };
    if (reply.config) {
      const { file, line, column } = reply.config;
      throw new ConfigError(reply.message, file, line, column);
    }
    throw new Error(reply.message);
  }

  /** Send the running config, yielding to the event loop every few milliseconds. */
  async #sendRunning(port: MessagePort, id: number, running: RunningSource): Promise<void> {
    let part: string[] = [];
    let sliceStart = performance.now();
    for (const service of running.services()) {
      part.push(service);
      if (part.length < RUNNING_PER_MESSAGE) continue;
      port.postMessage({ id, running: part } satisfies LoadRequest);
      part = [];
      if (performance.now() - sliceStart < SLICE_MS) continue;
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      if (this.#loader?.port !== port) return;
      sliceStart = performance.now();
    }
    if (part.length > 0) port.postMessage({ id, running: part } satisfies LoadRequest);
    port.postMessage({ id, runningRest: running.rest() } satisfies LoadRequest);
  }

  /** The spawner thread, started once (its `new Worker` is the one that blocks here). */
  #spawnerThread(): Worker {
    if (this.#spawner) return this.#spawner;
    const spawner = new Worker(this.#runtime.workerUrl("control/load_spawner"), {
      type: "module",
    });
    spawner.onmessage = ({ data }: MessageEvent<SpawnerReply>) =>
      this.#crashed(data.failed, data.message);
    spawner.onerror = (event) => {
      event.preventDefault?.();
      this.#spawner = undefined;
      this.#fail(`the config loader stopped: ${threadErrorReason(event)}`);
    };
    return this.#spawner = spawner;
  }

  /**
   * The running loader's channel, starting a loader if none runs: from the
   * spawner, or `fromHere` (only at start, see {@linkcode warm}).
   */
  #start(fromHere = false): MessagePort {
    clearTimeout(this.#idle);
    if (this.#loader) return this.#loader.port;
    const { port1: port, port2 } = new MessageChannel();
    const id = ++this.#loaders;
    const url = this.#runtime.workerUrl("control/load_worker");
    const worker = fromHere
      ? startLoader(url, port2, (message) => this.#crashed(id, message))
      : undefined;
    if (!worker) {
      this.#spawnerThread().postMessage({ start: id, url, port: port2 } satisfies SpawnerRequest, [
        port2,
      ]);
    }
    port.onmessage = ({ data }: MessageEvent<LoadReply>) => {
      const pending = this.#pending.get(data.id);
      if (!pending) return;
      if ("wantRunning" in data) {
        void this.#sendRunning(port, data.id, pending.running!).catch((error) =>
          this.#fail(`Cannot send the running config: ${(error as Error).message}`)
        );
        return;
      }
      if ("part" in data) {
        for (const service of data.part) pending.services.push(service);
        return port.postMessage({ id: data.id, next: true } satisfies LoadRequest);
      }
      if ("edits" in data) {
        for (const edit of data.edits) pending.edits.push(edit);
        return port.postMessage({ id: data.id, next: true } satisfies LoadRequest);
      }
      pending.resolve(data);
    };
    this.#loader = { id, port, worker };
    return port;
  }

  /** Loader `id` could not start or died: if it is the running one, its loads fail. */
  #crashed(id: number, message: string): void {
    if (id === this.#loader?.id) this.#fail(`the config loader stopped: ${message}`);
  }

  /** End the used loader and start a fresh one, ready for the next load. */
  #renew(): void {
    this.#end();
    this.#start();
  }

  #end(): void {
    clearTimeout(this.#idle);
    if (!this.#loader) return;
    if (this.#loader.worker) this.#loader.worker.terminate();
    else this.#spawner?.postMessage({ end: this.#loader.id } satisfies SpawnerRequest);
    this.#loader.port.close();
    this.#loader = undefined;
  }

  #fail(message: string): void {
    this.#end();
    for (const [id, pending] of this.#pending) pending.resolve({ id, ok: false, message });
    this.#pending.clear();
  }

  /** End the loader and the spawner; loads in progress fail. */
  close(): void {
    this.#fail("the config loader was closed");
    this.#spawner?.terminate();
    this.#spawner = undefined;
  }
}
