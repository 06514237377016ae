/**
 * The balancer: every service with its groups and hosts, and the health
 * transitions of hosts (bad ⇄ up), each logged as one event line.
 *
 * @module
 */
import type { DirectorConfig } from "../config/model.ts";
import type { Logger } from "../log.ts";
import type { Group } from "./group.ts";
import type { FailureKind, HostState } from "./host_state.ts";
import { Service } from "./service.ts";

/** A host together with where it lives, as the data plane and recovery see it. */
export interface HostRef {
  service: Service;
  group: Group;
  host: HostState;
}

export class Balancer {
  readonly #services = new Map<string, Service>();
  checktimeMs: number;
  readonly log: Logger;
  readonly now: () => number;
  /** Told when a host newly goes bad on this process's traffic or checks (workers report it). */
  onBad: ((ref: HostRef, reason: string) => void) | undefined;
  /** Told when a bad host comes back (the supervisor broadcasts it). */
  onUp: ((ref: HostRef, why: string) => void) | undefined;

  constructor(config: DirectorConfig, log: Logger, now: () => number = Date.now) {
    this.log = log;
    this.now = now;
    this.checktimeMs = config.checktimeSeconds * 1000;
    for (const service of config.services) this.addService(new Service(service));
  }

  get services(): Iterable<Service> {
    return this.#services.values();
  }

  service(name: string): Service | undefined {
    return this.#services.get(name);
  }

  addService(service: Service): void {
    this.#services.set(service.name, service);
  }

  removeService(name: string): void {
    this.#services.delete(name);
  }

  /** Every host of every group, for recovery and views. */
  *hosts(): Iterable<HostRef> {
    for (const service of this.#services.values()) {
      for (const group of service.groups) {
        for (const host of group.hosts) yield { service, group, host };
      }
    }
  }

  /** A connect to `host` failed: take it out of rotation (if not already) and log why. */
  markBad(ref: HostRef, reason: string, kind: FailureKind = "other"): void {
    const { host } = ref;
    host.failures++;
    host.failuresByKind[kind]++;
    if (host.bad) {
      host.bad.reason = reason;
      return;
    }
    host.bad = { since: this.now(), reason };
    host.record({ at: host.bad.since, state: "bad", reason });
    this.onBad?.(ref, reason);
    this.log.warn("host_bad", { ...refFields(ref), ip: host.address.spec, reason });
  }

  /**
   * Another process found the host bad: take it out too, without counting a
   * failure of our own or telling anyone (it is already known).
   */
  adoptBad(ref: HostRef, reason: string): void {
    if (ref.host.bad) return;
    ref.host.bad = { since: this.now(), reason };
    ref.host.record({ at: ref.host.bad.since, state: "bad", reason });
    this.log.debug("host_bad_elsewhere", { ...refFields(ref), reason });
  }

  /** A probe to a bad host failed again: keep it out, with the newest reason. */
  stillBad(ref: HostRef, reason: string): void {
    if (!ref.host.bad) return;
    ref.host.bad.reason = reason;
    this.log.info("host_still_bad", { ...refFields(ref), ip: ref.host.address.spec, reason });
  }

  /** Put a bad host back into rotation (`why`: probe_ok, admin_retry, …). */
  markUp(ref: HostRef, why: string): void {
    const { host } = ref;
    if (!host.bad) return;
    const downFor = ((this.now() - host.bad.since) / 1000).toFixed(1);
    host.bad = undefined;
    host.record({ at: this.now(), state: "up", reason: why });
    this.onUp?.(ref, why);
    this.log.info("host_up", { ...refFields(ref), ip: host.address.spec, why, down_s: downFor });
  }

  /** Take a host out of rotation by hand (open connections continue), or put it back. */
  setAdminDown(ref: HostRef, down: boolean, user: string): void {
    ref.host.adminDown = down;
    ref.host.record({
      at: this.now(),
      state: down ? "admin-down" : "admin-up",
      reason: `by ${user}`,
    });
  }

  /** The running state as a config (services only; the caller adds admin and logging). */
  servicesConfig(): DirectorConfig["services"] {
    return [...this.#services.values()].map((s) => s.toConfig());
  }
}

/** Log fields naming a host. */
export function refFields(ref: HostRef): Record<string, string> {
  return { service: ref.service.name, group: ref.group.name, host: ref.host.name };
}
