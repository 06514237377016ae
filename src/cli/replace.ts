/**
 * `--replace PID`: take over from a running Director without dropping a
 * connection.
 *
 * Every listener (and the plain-HTTP admin) is bound with `SO_REUSEPORT`,
 * so the new process binds the same addresses beside the old one and the
 * kernel spreads new connections over both. Once the new one is ready —
 * listeners bound, admin up, config applied — it sends the old one
 * SIGTERM, which drains as usual: its listeners close at once, its open
 * connections finish.
 *
 * Closing a listener resets the connections still waiting in its accept
 * queue — unless `net.ipv4.tcp_migrate_req` is 1 (Linux 5.14+), which
 * moves them to another socket of the same port group. So the replacement
 * sets it when it may (root in the network namespace), and logs what it
 * found either way.
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import type { Logger } from "../log.ts";
import { errorMessage } from "../log.ts";

const MIGRATE_REQ = "/proc/sys/net/ipv4/tcp_migrate_req";

/** Throws "Cannot replace …" unless `pid` is a live process this one may signal. */
export function checkReplaceable(pid: number, self: number): void {
  if (pid === self) throw new Error(`Cannot replace process ${pid}: it is this process`);
  try {
    process.kill(pid, 0);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ESRCH"
      ? "no such process"
      : code === "EPERM"
      ? "not allowed to signal it"
      : errorMessage(error);
    throw new Error(`Cannot replace process ${pid}: ${why}`);
  }
}

/** Turn on `tcp_migrate_req` if it is off and this process may; log the outcome. */
export function enableRequestMigration(log: Logger): void {
  let value: string;
  try {
    value = readFileSync(MIGRATE_REQ, "utf8").trim();
  } catch {
    log.warn("tcp_migrate_req", { value: "unknown", reason: "needs Linux 5.14 or later" });
    return;
  }
  if (value === "1") return log.info("tcp_migrate_req", { value: 1, set: false });
  try {
    writeFileSync(MIGRATE_REQ, "1");
    log.info("tcp_migrate_req", { value: 1, set: true });
  } catch (error) {
    // Not root here: connections queued in the old listener may be reset when it closes.
    log.warn("tcp_migrate_req", { value, set: false, reason: errorMessage(error) });
  }
}

/** The new instance is ready: tell the old one to drain. */
export function retireOld(pid: number, log: Logger): true {
  try {
    process.kill(pid, "SIGTERM");
    log.info("replaced", { pid });
  } catch (error) {
    log.warn("replace_failed", { pid, reason: errorMessage(error) });
  }
  return true;
}
