/**
 * A plain-data snapshot of the running state, for the admin views: the
 * HTML page and the JSON API (`/api/v1/status`) that the page polls for
 * live updates. A {@linkcode ViewQuery} narrows it to one service, a
 * search and a page (see `view_query.ts`), so a snapshot of a config of
 * 20,000 hosts need not hold them all.
 *
 * @module
 */
import type { Group } from "../../balancer/group.ts";
import type { HostState } from "../../balancer/host_state.ts";
import { hostFactor } from "../../balancer/slowstart.ts";
import type { Service } from "../../balancer/service.ts";
import type { Access } from "../../config/model.ts";
import { DEFAULTS } from "../../config/defaults.ts";
import { refusedCounts } from "../../policy/admission.ts";
import { formatClientRate } from "../../policy/rules.ts";
import type { AdminState } from "../state.ts";
import { groupHosts, pageOf, selectedServices, type ViewQuery } from "./view_query.ts";

/** A host's state as the views name it, in the order they list them. */
export const HOST_STATE_NAMES = ["up", "bad", "admin-down"] as const;
export type HostStateName = typeof HOST_STATE_NAMES[number];

/** A host's state by name (admin-down wins over bad). */
export function hostStateName(h: HostState): HostStateName {
  return h.adminDown ? "admin-down" : h.bad ? "bad" : "up";
}

export interface HostStatus {
  name: string;
  /** `host:port` as configured. */
  ip: string;
  state: HostStateName;
  adminDown: boolean;
  /** Share of new connections (1 unless configured; 0: none, open ones continue). */
  weight: number;
  /** Per-host connection limit, or null. */
  maxconn: number | null;
  open: number;
  total: number;
  bytesIn: number;
  bytesOut: number;
  failures: number;
  /** ISO time the host last finished a connection, or null. */
  lastClosed: string | null;
  /** Failed connects by kind: refused, timeout, unreachable, reset, other. */
  failuresByKind: Record<string, number>;
  /** Present while the host is bad. */
  bad?: { since: string; reason: string };
  /** The last state changes, oldest first. */
  history: { at: string; state: string; reason: string }[];
  /** New connections per second, the last 60 seconds, oldest first. */
  rate: number[];
  /** While the host ramps up after coming back: the share of its weight it has (0 to 1). */
  slowStart?: number;
  /** A host named by a DNS name: where it connects now (absent until a lookup succeeded). */
  resolved?: string;
  /** … and why its last lookup failed, if it did. */
  dnsError?: string;
}

export interface GroupStatus {
  name: string;
  scheduler: string;
  enabled: boolean;
  /** The service's backup group (takes connections while no enabled host can). */
  backup: boolean;
  sendProxy: "v1" | "v2" | null;
  /** Active health check, or null (legacy recovery). */
  check: { intervalMs: number; timeoutMs: number; rise: number; fall: number } | null;
  /** How long clients queue when every host is full (defaults to the connect timeout). */
  queueTimeoutMs: number;
  connectTimeoutMs: number;
  /** How long the `sticky` scheduler remembers a client (whatever the scheduler). */
  stickyTimeMs: number;
  /** How many hosts the group has (that match the search): `hosts` may be one page of them. */
  hostCount: number;
  /** Cursor of the next page of hosts (`after=`), or null. */
  next: string | null;
  /** `srv` of the group: its hosts come from this SRV record. */
  srv?: string;
  /** `slowstart` of the group in ms, or null (absent in older snapshots). */
  slowStartMs?: number | null;
  hosts: HostStatus[];
}

/** A service's traffic policy (`policy/`): what `/running.txt` shows as `acl`, `route` … */
export interface PolicyStatus {
  /** Allow/deny rules by source address, in order (first match wins). */
  acl: { action: "allow" | "deny"; src: string }[];
  /** SNI routes, in order (first match wins). */
  routes: { sni: string; group: string }[];
  /** `client-maxconn`: open connections per client address, or null (no limit). */
  clientMaxconn: number | null;
  /** `client-rate` as written (`N/SECONDS`), or null (no limit). */
  clientRate: string | null;
  /** How long a routed service waits for the ClientHello (the default when not set). */
  sniTimeoutMs: number;
  /** Clients turned away so far, by reason. */
  refused: { denied: number; clientMaxconn: number; clientRate: number; sniTimeout: number };
}

export interface ServiceStatus {
  name: string;
  listen: string[];
  enabledGroup: string;
  backupGroup: string | null;
  /** Is the backup group serving new connections right now? */
  backupActive: boolean;
  groups: GroupStatus[];
  /** Absent only in snapshots made before policies existed. */
  policy?: PolicyStatus;
}

export interface StatusSnapshot {
  version: string;
  runtime: string;
  hostname: string;
  pid: number;
  startedAt: string;
  uptimeSeconds: number;
  /** Connections in progress across all services. */
  openConnections: number;
  checktimeSeconds: number;
  /** How many services the query selects: `services` may be one page of them. */
  serviceCount: number;
  /** Cursor of the next page of services (`after=`), or null. */
  next: string | null;
  services: ServiceStatus[];
  users: { name: string; access: Access }[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** `slowStart` of a host that ramps up now. */
function rampOf(host: HostState, groupMs: number | undefined, now: number) {
  const factor = host.available ? hostFactor(host, groupMs, now) : 1;
  return factor < 1 ? { slowStart: factor } : {};
}

function hostStatus(h: HostState, groupMs: number | undefined, now: number): HostStatus {
  return {
    name: h.name,
    ip: h.address.spec,
    state: hostStateName(h),
    adminDown: h.adminDown,
    weight: h.weight,
    maxconn: h.maxconn ?? null,
    open: h.open,
    total: h.total,
    bytesIn: h.bytesIn,
    bytesOut: h.bytesOut,
    failures: h.failures,
    failuresByKind: h.failuresByKind,
    lastClosed: h.lastClosed ? iso(h.lastClosed) : null,
    ...(h.bad ? { bad: { since: iso(h.bad.since), reason: h.bad.reason } } : {}),
    history: h.history.map((c) => ({ at: iso(c.at), state: c.state, reason: c.reason })),
    rate: [...h.rate],
    ...rampOf(h, groupMs, now),
    ...(h.resolved === undefined ? {} : { resolved: h.target.spec }),
    ...(h.dnsError ? { dnsError: h.dnsError } : {}),
  };
}

function policyStatus(service: Service, state: AdminState): PolicyStatus {
  const policy = service.policy;
  const refused = refusedCounts(state.model.arena, service);
  return {
    acl: policy.acl.rules.map((rule) => ({ action: rule.action, src: rule.src })),
    routes: policy.routes.routes.map((route) => ({ sni: route.sni, group: route.group })),
    clientMaxconn: policy.clientMaxconn ?? null,
    clientRate: policy.clientRate ? formatClientRate(policy.clientRate) : null,
    sniTimeoutMs: policy.sniTimeoutMs ?? DEFAULTS.sniTimeoutMs,
    refused: {
      denied: refused.denied,
      clientMaxconn: refused["client-maxconn"],
      clientRate: refused["client-rate"],
      sniTimeout: refused["sni-timeout"],
    },
  };
}

function groupStatus(
  service: Service,
  group: Group,
  view: ViewQuery,
  now: number,
): GroupStatus {
  const matching = groupHosts(service, group, view.q);
  // Hosts are paged only within one service (`service=`); `after` applies to `group=` if named.
  const paged = view.service !== undefined;
  const after = view.group === undefined || view.group === group.name ? view.after : undefined;
  const page = paged ? pageOf(matching, view.limit, after) : { items: matching, next: null };
  return {
    name: group.name,
    scheduler: group.schedulerName,
    enabled: group.name === service.enabledGroup.name,
    backup: group.name === service.backupGroup,
    sendProxy: group.sendProxy ?? null,
    check: group.check
      ? {
        intervalMs: group.check.intervalMs,
        timeoutMs: group.check.timeoutMs,
        rise: group.check.rise,
        fall: group.check.fall,
      }
      : null,
    queueTimeoutMs: group.queueTimeoutMs ?? group.connectTimeoutMs,
    connectTimeoutMs: group.connectTimeoutMs,
    stickyTimeMs: group.stickyTimeMs,
    slowStartMs: group.slowStartMs ?? null,
    ...(group.srv === undefined ? {} : { srv: group.srv }),
    hostCount: matching.length,
    next: page.next,
    hosts: page.items.map((h) => hostStatus(h, group.slowStartMs, now)),
  };
}

/**
 * The state the query selects (everything without one); with `expand`
 * false, only the process facts and the count of services it selects.
 */
export function snapshot(
  state: AdminState,
  version: string,
  view: ViewQuery = {},
  expand = true,
): StatusSnapshot {
  const now = state.model.now();
  const selected = selectedServices(state.model.services, view);
  const page = !expand
    ? { items: [], next: null }
    : view.service === undefined
    ? pageOf(selected, view.limit, view.after)
    : { items: selected, next: null };
  const services: ServiceStatus[] = page.items.map((service) => ({
    name: service.name,
    listen: service.listen.map((l) => l.spec),
    enabledGroup: service.enabledGroup.name,
    backupGroup: service.backupGroup ?? null,
    backupActive: service.backupActive,
    groups: [...service.groups].map((group) => groupStatus(service, group, view, now)),
    policy: policyStatus(service, state),
  }));
  return {
    version,
    runtime: `${state.runtime.name} ${state.runtime.version}`,
    hostname: state.runtime.hostname(),
    pid: state.runtime.pid(),
    startedAt: state.startedAt.toISOString(),
    uptimeSeconds: Math.floor((now - state.startedAt.getTime()) / 1000),
    openConnections: state.openConnections,
    checktimeSeconds: state.model.checktimeMs / 1000,
    serviceCount: selected.length,
    next: page.next,
    services,
    users: (state.admin?.users ?? []).map((u) => ({ name: u.name, access: u.access })),
  };
}
