/**
 * A plain-data snapshot of the running state, for the admin views: the
 * HTML page, `/running.txt`, and the JSON API (`/api/v1/status`) that the
 * page polls for live updates.
 *
 * @module
 */
import type { HostState } from "../../balancer/host_state.ts";
import { hostFactor } from "../../balancer/slowstart.ts";
import type { Access } from "../../config/model.ts";
import type { AdminState } from "../state.ts";

export type HostStateName = "up" | "bad" | "admin-down";

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
  /** `srv` of the group: its hosts come from this SRV record. */
  srv?: string;
  /** `slowstart` of the group in ms, or null (absent in older snapshots). */
  slowStartMs?: number | null;
  hosts: HostStatus[];
}

export interface ServiceStatus {
  name: string;
  listen: string[];
  enabledGroup: string;
  backupGroup: string | null;
  /** Is the backup group serving new connections right now? */
  backupActive: boolean;
  groups: GroupStatus[];
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
  services: ServiceStatus[];
  users: { name: string; access: Access }[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** `slowStart` of a host that ramps up now. */
function rampOf(host: HostState, groupMs: number | undefined, now: number) {
  const factor = host.available ? hostFactor(host, groupMs, now) : 1;
  return factor < 1 ? { slowStart: factor } : {};
}

export function snapshot(state: AdminState, version: string): StatusSnapshot {
  const now = state.model.now();
  const services: ServiceStatus[] = [];
  for (const service of state.model.services) {
    const enabled = service.enabledGroup.name;
    const groups: GroupStatus[] = [];
    for (const group of service.groups) {
      groups.push({
        name: group.name,
        scheduler: group.schedulerName,
        enabled: group.name === enabled,
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
        hosts: group.hosts.map((h) => ({
          name: h.name,
          ip: h.address.spec,
          state: h.adminDown ? "admin-down" : h.bad ? "bad" : "up",
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
          ...rampOf(h, group.slowStartMs, now),
          ...(h.resolved === undefined ? {} : { resolved: h.target.spec }),
          ...(h.dnsError ? { dnsError: h.dnsError } : {}),
        })),
      });
    }
    services.push({
      name: service.name,
      listen: service.listen.map((l) => l.spec),
      enabledGroup: enabled,
      backupGroup: service.backupGroup ?? null,
      backupActive: service.backupActive,
      groups,
    });
  }
  return {
    version,
    runtime: `${state.runtime.name} ${state.runtime.version}`,
    hostname: state.runtime.hostname(),
    pid: state.runtime.pid(),
    startedAt: state.startedAt.toISOString(),
    uptimeSeconds: Math.floor((now - state.startedAt.getTime()) / 1000),
    openConnections: state.openConnections,
    checktimeSeconds: state.model.checktimeMs / 1000,
    services,
    users: (state.admin?.users ?? []).map((u) => ({ name: u.name, access: u.access })),
  };
}
