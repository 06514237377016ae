/**
 * The recovery task: puts bad hosts back into rotation, after checking that
 * they answer.
 *
 * pythondirector re-added a bad host blindly once it had been out for
 * `checktime` seconds. Director instead probes it with a TCP connect and
 * re-adds it only when the connect succeeds; otherwise it stays bad with the
 * reason updated, and is probed again on the next round.
 *
 * When every host of a group is bad, waiting `checktime` would leave the
 * service dead for minutes, so such hosts are probed every round
 * (pythondirector's "aggressive mode", made safe by the probe).
 *
 * @module
 */
import type { Balancer, HostRef } from "../balancer/balancer.ts";
import { ProbeFailure } from "./checker.ts";

/** Try a TCP connect to the host; resolve on success, reject with a `ProbeFailure` when it fails. */
export type Probe = (ref: HostRef, timeoutMs: number) => Promise<void>;

/** How often to look: often enough to re-add a host within ~a second after checktime. */
export function recoveryTickMs(checktimeMs: number): number {
  return Math.min(5000, Math.max(250, Math.floor(checktimeMs / 4)));
}

export class Recovery {
  #balancer: Balancer;
  #probe: Probe;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(balancer: Balancer, probe: Probe) {
    this.#balancer = balancer;
    this.#probe = probe;
  }

  start(): void {
    this.stop();
    this.#timer = setInterval(() => void this.tick(), recoveryTickMs(this.#balancer.checktimeMs));
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The hosts due for a probe now. */
  due(): HostRef[] {
    const now = this.#balancer.now();
    const checktime = this.#balancer.checktimeMs;
    const due: HostRef[] = [];
    // A ref only for a host that is due, not for each one every tick.
    this.#balancer.forEachHost((host, group, service) => {
      // Groups with a <check> are brought back by the health checker instead.
      if (!host.bad || host.probing || group.check) return;
      if (group.allBad || now - host.bad.since >= checktime) due.push({ service, group, host });
    });
    return due;
  }

  /** One round: probe every due host in parallel; resolves when all probes are done. */
  async tick(): Promise<void> {
    await Promise.all(this.due().map((ref) => this.#check(ref)));
  }

  async #check(ref: HostRef): Promise<void> {
    ref.host.probing = true;
    try {
      await this.#probe(ref, ref.group.connectTimeoutMs);
      this.#balancer.markUp(ref, "probe_ok");
    } catch (error) {
      // A probe that could not even run (no descriptor) says nothing: keep the reason.
      if (error instanceof ProbeFailure) this.#balancer.stillBad(ref, error.message);
    } finally {
      ref.host.probing = false;
    }
  }
}
