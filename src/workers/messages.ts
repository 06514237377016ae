/**
 * The messages between the main thread and its worker threads
 * (`postMessage`, structured clone). Shared state never travels here: it
 * lives in the arena every thread maps. Messages carry the model's
 * structure (at start, and as edits) and the lifecycle.
 *
 * @module
 */
import type { Edit } from "../balancer/edits.ts";
import type { ServicePlacement } from "../balancer/placement.ts";
import type { DirectorConfig, ListenConfig, LoggingConfig } from "../config/model.ts";
import type { ArenaHandle } from "../state/arena.ts";

/** Main → worker. The first message is always `init`. */
export type ToWorker =
  | {
    type: "init";
    index: number;
    arena: ArenaHandle;
    /** The running config (services as the model has them now; logging). */
    config: DirectorConfig;
    placements: ServicePlacement[];
    defaultMaxconn: number;
  }
  | { type: "prepare"; id: number; binds: { service: string; listen: ListenConfig }[] }
  | { type: "abort"; id: number }
  | { type: "close"; id: number }
  | { type: "apply"; id: number; edits: Edit[] }
  | { type: "logging"; logging: LoggingConfig }
  | { type: "reopen" }
  | { type: "drain" };

/** Worker → main. */
export type FromWorker =
  | { type: "ready" }
  | { type: "failed"; reason: string }
  | { type: "reply"; id: number; ok: boolean; error?: string }
  | { type: "hostBad"; service: string; group: string; host: string; reason: string }
  | { type: "drained" };
