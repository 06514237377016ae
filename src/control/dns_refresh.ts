/**
 * Backends from DNS, kept up to date on the main thread:
 *
 * - A host whose `ip` is a host name (not `localhost`, which the system
 *   resolves itself) is looked up (A, then AAAA) every `<resolver
 *   interval>` (30 s), or sooner when the record's TTL is shorter, but not
 *   more than once a second. When the address changes, an edit tells every
 *   thread: new connections go to the new address, open ones stay where
 *   they are. A failed lookup keeps the last good address (until the first
 *   success, connects use the name and the system's resolver), and is
 *   logged and counted on the host.
 * - A group with `srv="_service._proto.name"` has the targets of that SRV
 *   record as hosts (`target:port`, named so, the SRV weight as weight;
 *   only the records of the lowest priority). Hosts appear and disappear
 *   by `addHost`/`removeHost` edits committed through the change layer, so
 *   hosts that stay keep their state and counters. An empty or failed
 *   answer keeps the last set (logged, counted on the group). A new target
 *   is looked up before it is added, so it is never connected by name.
 *
 * Names are looked up one at a time per name (hosts sharing a name share
 * the lookup), all due names of a round in parallel, and the round's edits
 * are committed as one change.
 *
 * @module
 */
import type { Balancer, HostRef } from "../balancer/balancer.ts";
import type { Edit } from "../balancer/edits.ts";
import type { Group } from "../balancer/group.ts";
import type { HostState } from "../balancer/host_state.ts";
import type { Service } from "../balancer/service.ts";
import type { Change } from "../changes/context.ts";
import {
  DEFAULT_RESOLVER_INTERVAL_MS,
  MIN_RESOLVER_INTERVAL_MS,
} from "../config/parse_resolver.ts";
import type { ResolverConfig } from "../config/model.ts";
import { Resolver } from "../dns/resolver.ts";
import { errorMessage, type Logger } from "../log.ts";
import { srvEdits, type SrvTarget, type Step } from "./srv_hosts.ts";

/** What the refresh asks of DNS (a `Resolver`; tests may pass another). */
export interface Lookups {
  resolveA(name: string): Promise<{ records: string[]; ttl: number }>;
  resolveAAAA(name: string): Promise<{ records: string[]; ttl: number }>;
  resolveSrv(
    name: string,
  ): Promise<
    { records: { priority: number; weight: number; port: number; target: string }[]; ttl: number }
  >;
}

export interface DnsRefreshOptions {
  model: Balancer;
  log: Logger;
  /** Commit edits in every thread (the controller's committer). */
  commit(change: Change): Promise<void>;
  /** The `<resolver>` settings now (a reload may change them). */
  settings(): ResolverConfig | undefined;
  /** Makes the lookups for a list of nameservers (default: a `Resolver`). */
  lookupsFor?(nameservers: string[] | undefined): Lookups;
  /** The clock (tests move it by hand). */
  now?: () => number;
}

/** How often due names are looked for (a scan of the hosts: not too often). */
const TICK_MS = 500;

import { isDnsName } from "../dns/names.ts";
export { isDnsName };

/**
 * Is the host named by a DNS name (not an IP address)? Asked of every host
 * twice a second, so answered once per host: its address never changes (a
 * moved host is a new object). At 20,000 hosts the question made ~5 MB of
 * garbage a second while idle — enough to keep V8 from ever thinking the
 * process idle and handing back the memory a reload had used.
 */
const namedCache = new WeakMap<HostState, boolean>();

function namedByDns(host: HostState): boolean {
  let named = namedCache.get(host);
  if (named === undefined) namedCache.set(host, named = isDnsName(host.address.hostname));
  return named;
}

export class DnsRefresh {
  readonly #o: DnsRefreshOptions;
  /** When each name (`a:NAME`, `srv:SERVICE/GROUP`) is due next. */
  readonly #due = new Map<string, number>();
  #lookups: { key: string; lookups: Lookups } | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #busy = false;

  readonly #now: () => number;

  constructor(options: DnsRefreshOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    this.stop();
    this.#timer = setInterval(() => void this.tick(), TICK_MS);
    void this.tick();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One round: look up every due name and SRV group, commit what changed. */
  async tick(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const { names, groups } = this.#dueNow(this.#now());
      const results = await Promise.all([
        ...[...names].map(([name, refs]) => this.#refreshName(name, refs)),
        ...groups.map(([service, group]) => this.#refreshSrv(service, group)),
      ]);
      await this.#commit(results.flat());
    } catch (error) {
      this.#o.log.error("dns_refresh_failed", { reason: errorMessage(error) });
    } finally {
      // Whatever went wrong, nothing stays "in flight" for ever.
      for (const [key, due] of this.#due) if (due === Infinity) this.#again(key);
      this.#busy = false;
    }
  }

  /** Names and SRV groups due now; forgets what is no longer in the model. */
  #dueNow(now: number) {
    const names = new Map<string, HostRef[]>();
    const groups: [Service, Group][] = [];
    const seen = new Set<string>();
    const isDue = (key: string) => {
      seen.add(key);
      return (this.#due.get(key) ?? 0) <= now;
    };
    for (const service of this.#o.model.services) {
      for (const group of service.groups) {
        if (group.srv !== undefined && isDue(`srv:${service.name}/${group.name}/${group.srv}`)) {
          groups.push([service, group]);
        }
        for (const host of group.hosts) {
          if (!namedByDns(host)) continue;
          const name = host.address.hostname;
          if (!isDue(`a:${name}`)) continue;
          const refs = names.get(name) ?? [];
          refs.push({ service, group, host });
          names.set(name, refs);
        }
      }
    }
    for (const key of this.#due.keys()) if (!seen.has(key)) this.#due.delete(key);
    for (const name of names.keys()) this.#due.set(`a:${name}`, Infinity); // in flight
    for (const [s, g] of groups) this.#due.set(`srv:${s.name}/${g.name}/${g.srv}`, Infinity);
    return { names, groups };
  }

  get #intervalMs(): number {
    return this.#o.settings()?.intervalMs ?? DEFAULT_RESOLVER_INTERVAL_MS;
  }

  /** When to ask again after an answer with `ttl` seconds (or a failure: the interval). */
  #again(key: string, ttl?: number): void {
    const wait = ttl === undefined ? this.#intervalMs : Math.min(this.#intervalMs, ttl * 1000);
    this.#due.set(key, this.#now() + Math.max(MIN_RESOLVER_INTERVAL_MS, wait));
  }

  #resolver(): Lookups {
    const servers = this.#o.settings()?.nameservers;
    const key = servers?.join(",") ?? "";
    if (this.#lookups?.key !== key) {
      const lookups = this.#o.lookupsFor?.(servers) ?? new Resolver({ nameservers: servers });
      this.#lookups = { key, lookups };
    }
    return this.#lookups.lookups;
  }

  /** The addresses of `name` (A, else AAAA) and their TTL; throws when there are none. */
  async #addresses(name: string): Promise<{ records: string[]; ttl: number }> {
    const a = await this.#resolver().resolveA(name);
    if (a.records.length > 0) return a;
    const aaaa = await this.#resolver().resolveAAAA(name);
    if (aaaa.records.length > 0) return aaaa;
    throw new Error(`Cannot resolve ${name}: no A or AAAA records`);
  }

  /** Look `name` up for the hosts named by it: edits for the hosts whose address changes. */
  async #refreshName(name: string, refs: HostRef[]): Promise<Step[]> {
    const key = `a:${name}`;
    let answer;
    try {
      answer = await this.#addresses(name);
    } catch (error) {
      this.#again(key);
      const reason = errorMessage(error);
      for (const { host } of refs) {
        host.dnsFailures++;
        host.dnsError = reason;
      }
      this.#o.log.warn("dns_lookup_failed", {
        name,
        reason,
        kept: refs[0].host.resolved ?? "none",
      });
      return [];
    }
    this.#again(key, answer.ttl);
    const steps: Step[] = [];
    for (const { service, group, host } of refs) {
      host.dnsError = "";
      // The current address while DNS still lists it: no churn among equals.
      const chosen = answer.records.includes(host.resolved ?? "")
        ? host.resolved!
        : answer.records[0];
      if (chosen === host.resolved) continue;
      const at = { service: service.name, group: group.name, host: host.name };
      const from = host.resolved ?? "none";
      steps.push({
        edit: { op: "setHost", ...at, set: { resolved: chosen } },
        event: { name: "dns_address_changed", fields: { ...at, name, from, to: chosen } },
      });
    }
    return steps;
  }

  /** Look the group's SRV record up: edits adding, removing and re-weighting its hosts. */
  async #refreshSrv(service: Service, group: Group): Promise<Step[]> {
    const srv = group.srv!;
    const key = `srv:${service.name}/${group.name}/${srv}`;
    let targets: SrvTarget[];
    try {
      const answer = await this.#resolver().resolveSrv(srv);
      if (answer.records.length === 0) throw new Error(`Cannot resolve ${srv} SRV: no records`);
      this.#again(key, answer.ttl);
      const best = Math.min(...answer.records.map((r) => r.priority));
      targets = answer.records.filter((r) => r.priority === best);
    } catch (error) {
      this.#again(key);
      group.srvFailures++;
      group.srvError = errorMessage(error);
      this.#o.log.warn("srv_lookup_failed", {
        service: service.name,
        group: group.name,
        srv,
        reason: group.srvError,
        kept: group.hosts.length,
      });
      return [];
    }
    group.srvError = "";
    return await srvEdits(service, group, targets, {
      address: (name) => this.#addresses(name).then((a) => a.records[0], () => undefined),
    });
  }

  /**
   * Commit the round's edits, leaving out those whose host or group went
   * meanwhile; then log them (so a log line means every thread has it).
   */
  async #commit(steps: Step[]): Promise<void> {
    const live = steps.filter(({ edit }) => this.#applies(edit));
    if (live.length === 0) return;
    await this.#o.commit({ message: "dns", edits: live.map((step) => step.edit) });
    for (const { event } of live) if (event) this.#o.log.info(event.name, event.fields);
  }

  #applies(edit: Edit): boolean {
    if (edit.op !== "setHost" && edit.op !== "addHost" && edit.op !== "removeHost") return true;
    const group = this.#o.model.service(edit.service)?.group(edit.group);
    if (!group) return false;
    return edit.op === "addHost" ? !group.findHost(edit.host.name) : !!group.findHost(edit.host);
  }
}
