/**
 * The balancer: every service with its groups and hosts (this thread's
 * copy of the model, over the shared state), the process-wide connection
 * slots, and the health transitions of hosts (bad ⇄ up), each logged as
 * one event line.
 *
 * Which thread does what: any thread running the data plane finds a host
 * bad (`markBad`: the flag is shared at once, so no thread sends it more
 * connections); the main thread keeps the reason and history and logs the
 * event (`recordBad`, reached directly with one thread, by message from a
 * worker thread); recovery, checks and the admin run on the main thread.
 *
 * @module
 */
import type { DirectorConfig, ServiceConfig } from "../config/model.ts";
import type { Logger } from "../log.ts";
import type { Arena } from "../state/arena.ts";
import type { Group } from "./group.ts";
import type { FailureKind, HostState } from "./host_state.ts";
import type { ServicePlacement } from "./placement.ts";
import { Service, Slots } from "./service.ts";

/** A host together with where it lives, as the data plane and recovery see it. */
export interface HostRef {
  service: Service;
  group: Group;
  host: HostState;
}

/** The arena, and which worker thread this copy of the model is for (0 with one thread). */
export interface ModelPlace {
  arena: Arena;
  worker: number;
}

export class Balancer {
  readonly #services = new Map<string, Service>();
  checktimeMs: number;
  readonly log: Logger;
  readonly now: () => number;
  readonly arena: Arena;
  readonly worker: number;
  /** Every connection of the process, against the process-wide limit (all threads). */
  readonly processSlots: Slots;
  /**
   * Told when this thread took a host out of rotation (it won the flag).
   * In the main thread it records and logs it; a worker thread replaces it
   * with a message to the main thread.
   */
  onBad: (ref: HostRef, reason: string) => void = (ref, reason) => this.recordBad(ref, reason);

  constructor(
    config: DirectorConfig,
    log: Logger,
    place: ModelPlace,
    options: { now?: () => number; placements?: ServicePlacement[] } = {},
  ) {
    this.log = log;
    this.now = options.now ?? Date.now;
    this.arena = place.arena;
    this.worker = place.worker;
    this.processSlots = new Slots(place.arena.process, 0, place.worker, place.arena.shared);
    this.checktimeMs = config.checktimeSeconds * 1000;
    config.services.forEach((service, i) => this.addService(service, options.placements?.[i]));
  }

  get services(): Iterable<Service> {
    return this.#services.values();
  }

  service(name: string): Service | undefined {
    return this.#services.get(name);
  }

  /** A new service, placed by the main thread (or as `placement` says). */
  addService(config: ServiceConfig, placement?: ServicePlacement): Service {
    const service = new Service(config, this.arena, this.worker, placement);
    this.#services.set(service.name, service);
    return service;
  }

  removeService(name: string): void {
    this.#services.get(name)?.retire();
    this.#services.delete(name);
  }

  /** Where every service lives in the shared state (for a worker thread's copy). */
  placements(): ServicePlacement[] {
    return [...this.#services.values()].map((s) => s.placement());
  }

  /** Every host of every group, each as a new ref (tests and one-off lookups). */
  *hosts(): Iterable<HostRef> {
    for (const service of this.#services.values()) {
      for (const group of service.groups) {
        for (const host of group.hosts) yield { service, group, host };
      }
    }
  }

  /**
   * Call `visit` for every host of every group, with no object made per
   * host: the background tasks walk all hosts every second or so, and at
   * 20,000 hosts a ref each time was garbage enough to keep V8 from ever
   * seeing the process idle (and handing back what reloads had used).
   */
  forEachHost(visit: (host: HostState, group: Group, service: Service) => void): void {
    for (const service of this.#services.values()) {
      for (const group of service.groups) {
        for (const host of group.hosts) visit(host, group, service);
      }
    }
  }

  /**
   * A connect to the host failed (data plane, any thread): count it, and
   * take the host out of rotation if no thread has yet.
   */
  markBad(ref: HostRef, reason: string, kind: FailureKind = "other"): void {
    ref.host.addFailure(kind);
    if (ref.host.setBad(this.now())) this.onBad(ref, reason);
  }

  /** Main thread: a host went bad (here or in a worker thread): keep why, and log it. */
  recordBad(ref: HostRef, reason: string): void {
    const { host } = ref;
    host.badReason = reason;
    const since = host.bad?.since ?? this.now();
    host.record({ at: since, state: "bad", reason });
    this.log.warn("host_bad", { ...refFields(ref), ip: host.address.spec, reason });
  }

  /** A probe to a bad host failed again: keep it out, with the newest reason. */
  stillBad(ref: HostRef, reason: string): void {
    if (!ref.host.bad) return;
    ref.host.badReason = reason;
    this.log.info("host_still_bad", { ...refFields(ref), ip: ref.host.address.spec, reason });
  }

  /** Put a bad host back into rotation (`why`: probe_ok, admin_retry, …). */
  markUp(ref: HostRef, why: string): void {
    const { host } = ref;
    const since = host.bad?.since;
    if (since === undefined || !host.clearBad(this.now())) return;
    const downFor = ((this.now() - since) / 1000).toFixed(1);
    host.badReason = "";
    host.record({ at: this.now(), state: "up", reason: why });
    this.log.info("host_up", { ...refFields(ref), ip: host.address.spec, why, down_s: downFor });
  }

  /** Take a host out of rotation by hand (open connections continue), or put it back. */
  setAdminDown(ref: HostRef, down: boolean, user: string): void {
    if (!ref.host.setAdminDown(down, this.now())) return;
    ref.host.record({
      at: this.now(),
      state: down ? "admin-down" : "admin-up",
      reason: `by ${user}`,
    });
  }

  /** The running state as a config (services only; the caller adds admin and logging). */
  servicesConfig(): DirectorConfig["services"] {
    return [...this.servicesConfigs()];
  }

  /** The same, one service at a time, each made when it is asked for. */
  *servicesConfigs(): Generator<DirectorConfig["services"][number]> {
    for (const service of [...this.#services.values()]) yield service.toConfig();
  }

  /** The same as JSON, a service at a time (each kept until an edit changes it). */
  *servicesJson(): Generator<string> {
    for (const service of [...this.#services.values()]) yield service.configJson();
  }
}

/** Log fields naming a host. */
export function refFields(ref: HostRef): Record<string, string> {
  return { service: ref.service.name, group: ref.group.name, host: ref.host.name };
}
