/**
 * The Bun implementation of the {@linkcode Runtime} contract.
 *
 * Not written yet: Director runs on Deno today (see the "One binary, two
 * runtimes" work item). Loading it fails with a clear message.
 *
 * @module
 */
import type { Runtime } from "./types.ts";

function notYet(): never {
  throw new Error("Cannot run on Bun yet: the Bun runtime adapter is not implemented");
}

export const bunRuntime: Runtime = new Proxy({} as Runtime, { get: notYet });
