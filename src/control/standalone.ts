/**
 * A single-threaded Director's parts: one model in a plain (unshared)
 * arena, one data plane over it in this thread, and the control plane.
 * Not started: `plane.start()` binds the listeners, `controller.start()`
 * the recovery and checks (tests use the parts without either).
 *
 * @module
 */
import { Balancer } from "../balancer/balancer.ts";
import type { LoadedConfig } from "../config/model.ts";
import type { Logger } from "../log.ts";
import { DataPlane } from "../proxy/data_plane.ts";
import type { Runtime } from "../runtime/types.ts";
import { Arena } from "../state/arena.ts";
import { Controller } from "./controller.ts";
import { LocalPlanes } from "./planes.ts";

export interface StandaloneOptions {
  runtime: Runtime;
  log: Logger;
  loaded: LoadedConfig;
  configPath: string | undefined;
  defaultMaxconn: number;
  /** The model's clock (tests move it by hand). */
  now?: () => number;
}

export function standalone(
  options: StandaloneOptions,
): { controller: Controller; plane: DataPlane } {
  const { runtime, log, loaded } = options;
  const arena = Arena.create(1, false);
  const model = new Balancer(loaded.config, log, { arena, worker: 0 }, { now: options.now });
  const plane = new DataPlane({
    runtime,
    model,
    log,
    reusePort: true, // every listener: a replacing Director (--replace) binds beside this one
    defaultMaxconn: options.defaultMaxconn,
    logging: loaded.config.logging,
  });
  const planes = new LocalPlanes(plane, runtime.pid());
  const controller = new Controller({ ...options, model, planes });
  return { controller, plane };
}
