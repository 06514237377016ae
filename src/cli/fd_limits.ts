/**
 * The file-descriptor limit, and the default connection limit derived from it.
 *
 * Every relayed connection holds two descriptors (client and backend). A
 * process that runs out of descriptors cannot accept, connect or open its
 * log, so Director raises its soft `RLIMIT_NOFILE` to the hard limit at
 * start (as HAProxy and nginx do) and caps connections below what remains.
 *
 * Neither Deno nor Bun exposes `setrlimit`, so the raise goes through
 * util-linux's `prlimit` on this process; where that is missing or not
 * permitted, Director says at start what the limit is.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { DEFAULTS, LIMITS } from "../config/defaults.ts";

export interface FdLimits {
  soft: number;
  hard: number;
}

/** Descriptors kept back for listeners, the log, the admin server and probes. */
export const RESERVED_FDS = 64;

/** Read this process's open-files limits from /proc; undefined where there is no /proc. */
export function readFdLimits(pid: number | "self" = "self"): FdLimits | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/limits`, "utf8");
    const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
    if (!match) return undefined;
    const value = (v: string) => (v === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(v));
    return { soft: value(match[1]), hard: value(match[2]) };
  } catch {
    return undefined;
  }
}

/** Raise the soft limit to the hard one; returns the limits in force afterwards. */
export function raiseFdLimit(pid: number): { limits?: FdLimits; raised: boolean } {
  const before = readFdLimits();
  if (!before || before.soft >= before.hard) return { limits: before, raised: false };
  const hard = before.hard === Number.MAX_SAFE_INTEGER ? "unlimited" : String(before.hard);
  try {
    spawnSync("prlimit", ["--pid", String(pid), `--nofile=${hard}:${hard}`], {
      stdio: "ignore",
      timeout: 2000,
    });
  } catch {
    // No prlimit: keep the limit we have.
  }
  const after = readFdLimits();
  return { limits: after, raised: !!after && after.soft > before.soft };
}

/**
 * The default process-wide connection limit: half the usable descriptors
 * (each connection holds two). Where the runtime accepts clients before
 * Director asks (`acceptHoldsDescriptors`, Bun), waiting clients hold one
 * descriptor each too, so a third is kept for them.
 */
export function defaultMaxconn(
  limits: FdLimits | undefined,
  acceptHoldsDescriptors = false,
): number {
  if (!limits) return DEFAULTS.processMaxconn;
  // An unlimited soft limit still gives a number the maxconn cap accepts.
  const usable = Math.min(limits.soft, LIMITS.maxconn) - RESERVED_FDS;
  return Math.max(1, Math.floor(usable / (acceptHoldsDescriptors ? 3 : 2)));
}
