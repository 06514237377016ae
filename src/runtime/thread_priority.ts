/**
 * Lower the scheduling priority of the calling thread, so that background
 * work (parsing and planning a config on the loader thread) gives way to
 * the threads that relay connections whenever they want the same core.
 *
 * On Linux a nice value belongs to a thread, not to the whole process:
 * `setpriority(PRIO_PROCESS, tid, n)` with the thread's own id (read from
 * `/proc/thread-self`) changes that thread alone. Both runtimes expose it
 * through `node:os`. Elsewhere, or where the call is refused, nothing
 * changes: the work still runs, only without the courtesy.
 *
 * @module
 */
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";

/** The nice value background threads run at (0 is normal, 19 the lowest). */
export const BACKGROUND_NICE = 10;

/**
 * Give the calling thread nice `nice`; returns the thread id changed, or
 * undefined when the platform has no per-thread priority or refused it.
 */
export function lowerThreadPriority(nice = BACKGROUND_NICE): number | undefined {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isInteger(tid) || tid <= 0) return undefined;
    setPriority(tid, nice);
    return tid;
  } catch {
    return undefined;
  }
}
