/**
 * Loading config files on a worker thread (`load_worker.ts`): the same
 * result and the same `ConfigError` as `loadConfigFile`, without blocking
 * this thread. A worker is started for a load and ended once no load is
 * pending: a worker kept between reloads keeps its heap at the high-water
 * mark of the largest parse resident (after 60 reloads of 3,000 hosts and a
 * settle: 235 MiB kept, against 71 MiB ended). Starting one costs a few
 * tens of milliseconds per reload.
 * `close` ends it too.
 *
 * @module
 */
import type { Runtime } from "../runtime/types.ts";
import { ConfigError, type LoadedConfig, type ServiceConfig } from "./model.ts";

export type LoadRequest =
  | { id: number; path: string }
  /** The last part was taken: send the next one. */
  | { id: number; next: true };

export type LoadReply =
  /** Some of the services, in order (a large config comes in parts). */
  | { id: number; part: ServiceConfig[] }
  /** The rest of the config; its services are the parts before it. */
  | { id: number; ok: true; loaded: LoadedConfig }
  | {
    id: number;
    ok: false;
    message: string;
    /** Set when the error was a ConfigError. */
    config?: { file: string; line?: number; column?: number };
  };

export class ConfigLoader {
  #runtime: Runtime;
  #worker: Worker | undefined;
  #nextId = 1;
  #pending = new Map<number, (reply: Exclude<LoadReply, { part: unknown }>) => void>();
  #parts = new Map<number, ServiceConfig[]>();

  constructor(runtime: Runtime) {
    this.#runtime = runtime;
  }

  /** Read, parse and validate `path` on the worker; rejects with a ConfigError as loading would. */
  async load(path: string): Promise<LoadedConfig> {
    const id = this.#nextId++;
    const reply = await new Promise<Exclude<LoadReply, { part: unknown }>>((resolve) => {
      this.#pending.set(id, resolve);
      this.#parts.set(id, []);
      this.#start().postMessage({ id, path } satisfies LoadRequest);
    });
    const services = this.#parts.get(id) ?? [];
    this.#parts.delete(id);
    if (this.#pending.size === 0) this.#end();
    if (reply.ok) return { ...reply.loaded, config: { ...reply.loaded.config, services } };
    if (reply.config) {
      const { file, line, column } = reply.config;
      throw new ConfigError(reply.message, file, line, column);
    }
    throw new Error(reply.message);
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.#runtime.workerUrl("config/load_worker"), { type: "module" });
    worker.onmessage = ({ data }: MessageEvent<LoadReply>) => {
      if ("part" in data) {
        for (const service of data.part) this.#parts.get(data.id)?.push(service);
        return worker.postMessage({ id: data.id, next: true } satisfies LoadRequest);
      }
      this.#pending.get(data.id)?.(data);
      this.#pending.delete(data.id);
    };
    worker.onerror = (event) => {
      event.preventDefault?.();
      this.#fail(`the config loader stopped: ${(event as ErrorEvent).message ?? "crashed"}`);
    };
    return this.#worker = worker;
  }

  #end(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  #fail(message: string): void {
    this.#end();
    for (const [id, resolve] of this.#pending) resolve({ id, ok: false, message });
    this.#pending.clear();
    this.#parts.clear();
  }

  close(): void {
    this.#fail("the config loader was closed");
  }
}
