/**
 * Picks the runtime adapter for the engine Director is running on.
 *
 * The adapters are loaded lazily so that each engine only evaluates its own
 * module (the Deno adapter references `Deno` at load time).
 *
 * @module
 */
import type { Runtime } from "./types.ts";

export type { Conn, Listener, NetAddr, RelayEnd, RelayHooks, Runtime } from "./types.ts";
export { NetError, type NetErrorKind, netErrorKind } from "./net_error.ts";

/** Which engine is executing this code. */
export function detectRuntimeName(): "deno" | "bun" {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.Bun !== "undefined") return "bun";
  if (typeof g.Deno !== "undefined") return "deno";
  throw new Error("Cannot start: Director runs on Deno or Bun, and neither was detected");
}

/** Load the adapter for the current engine. */
export async function loadRuntime(): Promise<Runtime> {
  if (detectRuntimeName() === "bun") {
    const { bunRuntime } = await import("./bun/runtime.ts");
    return bunRuntime;
  }
  const { denoRuntime } = await import("./deno/runtime.ts");
  return denoRuntime;
}
