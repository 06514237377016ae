/**
 * The control plane's background tasks, one of each for the whole process
 * whatever runs the data plane: recovery of bad hosts, active health
 * checks, the per-second connection-rate sampling and the DNS refresh of
 * host names and SRV groups.
 *
 * @module
 */
import type { Balancer } from "../balancer/balancer.ts";
import { HealthChecker } from "../health/checker.ts";
import { probeConnect, runCheck } from "../health/probes.ts";
import { Recovery } from "../health/recovery.ts";
import type { Runtime } from "../runtime/types.ts";
import { DnsRefresh, type DnsRefreshOptions } from "./dns_refresh.ts";

export interface BackgroundOptions {
  runtime: Runtime;
  model: Balancer;
  dns: DnsRefreshOptions;
}

export class BackgroundTasks {
  #model: Balancer;
  #recovery: Recovery;
  #health: HealthChecker;
  #dns: DnsRefresh;
  #rateTimer: ReturnType<typeof setInterval> | undefined;

  constructor({ runtime, model, dns }: BackgroundOptions) {
    this.#model = model;
    this.#recovery = new Recovery(
      model,
      (ref, timeoutMs) => probeConnect(runtime, ref.host.target, timeoutMs),
    );
    this.#health = new HealthChecker(
      model,
      (ref, check) => runCheck(runtime, ref.host.target, check),
    );
    this.#dns = new DnsRefresh(dns);
  }

  start(): void {
    this.#dns.start();
    this.#recovery.start();
    this.#health.start();
    this.#rateTimer = setInterval(() => this.#model.forEachHost((host) => host.sampleRate()), 1000);
  }

  /** `checktime` changed: recovery probes at the new interval from now on. */
  checktimeChanged(): void {
    this.#recovery.start();
  }

  stop(): void {
    this.#dns.stop();
    this.#recovery.stop();
    this.#health.stop();
    clearInterval(this.#rateTimer);
  }
}
