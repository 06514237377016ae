/**
 * Active health checks for groups with a `<check>` element.
 *
 * Every host of a checked group is checked every `interval`, independent
 * of traffic: a TCP connect, optionally followed by sending `send` and
 * expecting a reply that starts with `expect`, all within `timeout`. A host
 * goes bad after `fall` failures in a row and back after `rise` successes
 * in a row (HAProxy's model). Checks are spread over the interval by host
 * position, so a large group is not checked in one burst, and they run off
 * the data path (one shared timer, async probes).
 *
 * A connect that fails on live traffic still takes a checked host out at
 * once (fast failover); only the checker brings it back, after `rise`
 * good checks — the legacy recovery task leaves checked groups alone.
 *
 * @module
 */
import type { CheckConfig } from "../config/model.ts";
import { errorMessage } from "../log.ts";
import type { Balancer, HostRef } from "../balancer/balancer.ts";
import type { FailureKind, HostState } from "../balancer/host_state.ts";

/**
 * Run one check of `ref`; resolve when it passes, reject with a
 * {@linkcode ProbeFailure} when it fails. Any other rejection means the
 * check could not be run (out of descriptors): it counts for nothing.
 */
export type CheckProbe = (ref: HostRef, check: CheckConfig) => Promise<void>;

/** A probe or check that ran and failed: why (for people) and the kind (for the counters). */
export class ProbeFailure extends Error {
  constructor(message: string, readonly kind: FailureKind) {
    super(message);
    this.name = "ProbeFailure";
  }
}

/** How often the checker looks for due checks: the precision of `interval`. */
export const CHECK_TICK_MS = 100;

interface CheckState {
  next: number;
  running: boolean;
  ok: number;
  failed: number;
}

export class HealthChecker {
  #balancer: Balancer;
  #probe: CheckProbe;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Per host; hosts removed from their group simply stop being visited. */
  #state = new WeakMap<HostState, CheckState>();

  constructor(balancer: Balancer, probe: CheckProbe) {
    this.#balancer = balancer;
    this.#probe = probe;
  }

  start(): void {
    this.stop();
    this.#timer = setInterval(() => this.tick(), CHECK_TICK_MS);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Start every check that is due; returns their promises (for tests). */
  tick(): Promise<void>[] {
    const now = this.#balancer.now();
    const running: Promise<void>[] = [];
    for (const service of this.#balancer.services) {
      for (const group of service.groups) {
        const check = group.check;
        if (!check) continue;
        group.hosts.forEach((host, i) => {
          let state = this.#state.get(host);
          if (!state) {
            // First sight: spread the group's hosts over one interval.
            const offset = Math.floor((check.intervalMs * i) / Math.max(1, group.hosts.length));
            state = { next: now + offset, running: false, ok: 0, failed: 0 };
            this.#state.set(host, state);
          }
          if (state.running || now < state.next) return;
          state.running = true;
          state.next = now + check.intervalMs;
          running.push(this.#check({ service, group, host }, check, state));
        });
      }
    }
    return running;
  }

  async #check(ref: HostRef, check: CheckConfig, state: CheckState): Promise<void> {
    try {
      await this.#probe(ref, check);
      state.ok++;
      state.failed = 0;
      if (ref.host.bad && state.ok >= check.rise) this.#balancer.markUp(ref, "check_ok");
    } catch (error) {
      // Out of descriptors here says nothing about the host: not a failed check.
      if (!(error instanceof ProbeFailure)) return;
      state.failed++;
      state.ok = 0;
      if (state.failed >= check.fall) {
        const reason = `check failed: ${errorMessage(error)}`;
        // Still bad: keep the newest reason without a log line per interval.
        if (ref.host.bad) ref.host.badReason = reason;
        else this.#balancer.markBad(ref, reason, error.kind);
      }
    } finally {
      state.running = false;
    }
  }
}

/** Decode `\r`, `\n`, `\t`, `\\` and `\xHH` in a check's send/expect string. */
export function decodeEscapes(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|[rnt\\])/g, (_, code: string) => {
    if (code[0] === "x") return String.fromCharCode(parseInt(code.slice(1), 16));
    return { r: "\r", n: "\n", t: "\t", "\\": "\\" }[code]!;
  });
}
