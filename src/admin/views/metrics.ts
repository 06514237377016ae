/**
 * `/metrics`: the running state in the Prometheus text exposition format
 * (version 0.0.4), for scraping — behind the admin's authentication like
 * every other URL (Prometheus supports `basic_auth` in a scrape config).
 *
 * Host series are labelled `service`, `group`, `host` and `address`; label
 * sets stay bounded (failure reasons are a fixed set of kinds). With tens of
 * thousands of hosts the text runs to tens of megabytes, so it is produced
 * in pieces (`metricsText` is a generator: the route streams it, a piece at
 * a time, so memory stays bounded and relays keep running meanwhile), each
 * host's labels are escaped once, and `?service=NAME` narrows the host
 * series to one service.
 *
 * @module
 */
import { readdirSync } from "node:fs";
import process from "node:process";
import type { HostRef } from "../../balancer/balancer.ts";
import { FAILURE_KINDS } from "../../balancer/host_state.ts";
import type { Service } from "../../balancer/service.ts";
import { hostFactor } from "../../balancer/slowstart.ts";
import type { AdminState } from "../state.ts";
import { policySeries } from "./policy.ts";
import { HOST_STATE_NAMES, hostStateName } from "./status.ts";

/** Escape a label value: backslash, double quote and newline. */
export function labelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function labels(pairs: Record<string, string>): string {
  return Object.entries(pairs).map(([k, v]) => `${k}="${labelValue(v)}"`).join(",");
}

/** Open file descriptors of this process (Linux); undefined elsewhere. */
function openDescriptors(): number | undefined {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return undefined;
  }
}

const family = (name: string, type: "gauge" | "counter", help: string) =>
  `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
const value = (v: number) => (Number.isFinite(v) ? v : 0);
const sample = (name: string, v: number, set = "") =>
  `${name}${set ? `{${set}}` : ""} ${value(v)}\n`;

/**
 * Each host's label set, escaped once and kept with the host (a host's
 * name and address never change; a host moved or replaced is a new object,
 * and a removed one takes its entry with it).
 */
const hostLabelCache = new WeakMap<
  HostRef["host"],
  { service: string; group: string; set: string }
>();

function hostLabels({ service, group, host }: HostRef): string {
  const cached = hostLabelCache.get(host);
  if (cached && cached.service === service.name && cached.group === group.name) return cached.set;
  const set = labels({
    service: service.name,
    group: group.name,
    host: host.name,
    address: host.address.spec,
  });
  hostLabelCache.set(host, { service: service.name, group: group.name, set });
  return set;
}

/** Hosts per piece of the host series. */
const HOSTS_PER_PIECE = 1000;

interface HostFamily {
  name: string;
  type: "gauge" | "counter";
  help: string;
  value: (ref: HostRef) => number;
}

const HOST_FAMILIES: HostFamily[] = [
  {
    name: "director_host_connections_open",
    type: "gauge",
    help: "Connections in progress to the host.",
    value: (r) => r.host.open,
  },
  {
    name: "director_host_connections_total",
    type: "counter",
    help: "Connections to the host that have finished.",
    value: (r) => r.host.total,
  },
  {
    name: "director_host_bytes_in_total",
    type: "counter",
    help: "Bytes relayed from clients to the host.",
    value: (r) => r.host.bytesIn,
  },
  {
    name: "director_host_bytes_out_total",
    type: "counter",
    help: "Bytes relayed from the host to clients.",
    value: (r) => r.host.bytesOut,
  },
  {
    name: "director_host_weight",
    type: "gauge",
    help: "The host's weight (0: no new connections).",
    value: (r) => r.host.weight,
  },
  {
    name: "director_host_slowstart_ratio",
    type: "gauge",
    help: "Share of its weight the host has while it ramps up after coming back (1: full).",
    value: (r) => r.host.available ? hostFactor(r.host, r.group.slowStartMs, Date.now()) : 1,
  },
  {
    name: "director_host_dns_failures_total",
    type: "counter",
    help: "Failed lookups of the host's DNS name (the last good address is kept).",
    value: (r) => r.host.dnsFailures,
  },
  {
    name: "director_host_up",
    type: "gauge",
    help: "1 if the host takes new connections (not bad, not admin-down).",
    value: (r) => (r.host.available ? 1 : 0),
  },
];

function* processSeries(state: AdminState): Generator<string> {
  const now = state.model.now();
  let out = family("director_uptime_seconds", "gauge", "Seconds since Director started.") +
    sample("director_uptime_seconds", (now - state.startedAt.getTime()) / 1000) +
    family("director_resident_memory_bytes", "gauge", "Resident set size of the process.") +
    sample("director_resident_memory_bytes", process.memoryUsage().rss);
  const fds = openDescriptors();
  if (fds !== undefined) {
    out += family("director_open_fds", "gauge", "Open file descriptors of the process.") +
      sample("director_open_fds", fds);
  }
  out += family("director_config_reloads_total", "counter", "Config reloads by result.") +
    sample("director_config_reloads_total", state.reloads.ok, 'result="ok"') +
    sample("director_config_reloads_total", state.reloads.failed, 'result="failed"') +
    family("director_workers", "gauge", "Worker threads running the data plane.") +
    sample("director_workers", state.planes.workers().length) +
    family("director_worker_restarts_total", "counter", "Worker threads restarted after dying.") +
    sample("director_worker_restarts_total", state.planes.restarts) +
    family("director_connections_open", "gauge", "Client connections in progress.") +
    sample("director_connections_open", state.openConnections);
  yield out;
}

/** The group series: which group each service has enabled, and SRV lookups that failed. */
function groupSeries(services: readonly Service[]): string {
  let out = family("director_group_enabled", "gauge", "1 for the enabled group of each service.");
  for (const s of services) {
    for (const g of s.groups) {
      const set = labels({ service: s.name, group: g.name });
      out += sample("director_group_enabled", s.enabledGroup === g ? 1 : 0, set);
    }
  }
  out += family(
    "director_group_srv_failures_total",
    "counter",
    "Failed or empty SRV lookups of a group with srv= (its hosts are kept).",
  );
  for (const s of services) {
    for (const g of s.groups) {
      if (g.srv === undefined) continue;
      out += sample(
        "director_group_srv_failures_total",
        g.srvFailures,
        labels({
          service: s.name,
          group: g.name,
          srv: g.srv,
        }),
      );
    }
  }
  return out;
}

/** The metrics text, in pieces; `service`: only that service's host and group series. */
export function* metricsText(state: AdminState, service?: string): Generator<string> {
  yield* processSeries(state);
  const services = [...state.model.services].filter((s) => !service || s.name === service);
  yield groupSeries(services) +
    policySeries(services, state.model.arena, { labels, sample, family });
  const refs: HostRef[] = [];
  const sets: string[] = [];
  for (const service of services) {
    for (const group of service.groups) {
      for (const host of group.hosts) {
        const ref = { service, group, host };
        refs.push(ref);
        sets.push(hostLabels(ref));
      }
    }
  }
  for (const f of HOST_FAMILIES) {
    yield family(f.name, f.type, f.help);
    yield* pieces(refs.length, (i) => sample(f.name, f.value(refs[i]), sets[i]));
  }
  yield family("director_host_state", "gauge", "The host's state: 1 for the current one.");
  const states = labelledLines("director_host_state", "state", HOST_STATE_NAMES);
  yield* pieces(refs.length, (i) => {
    const current = hostStateName(refs[i].host);
    return states(sets[i], (k) => (HOST_STATE_NAMES[k] === current ? 1 : 0));
  });
  yield family(
    "director_host_connect_failures_total",
    "counter",
    "Failed connects to the host by reason.",
  );
  const failures = labelledLines("director_host_connect_failures_total", "reason", FAILURE_KINDS);
  yield* pieces(refs.length, (i) => {
    const host = refs[i].host;
    return failures(sets[i], (k) => host.failuresOfKind(k));
  });
}

/**
 * The lines of a series with one more label (`key`) taking each of
 * `values`, for one host's label set: the text around the set is made once
 * per scrape, not once per line (at 20,000 hosts these are most of the
 * text).
 */
function labelledLines(name: string, key: string, values: readonly string[]) {
  const closes = values.map((v) => `,${key}="${labelValue(v)}"} `);
  const open = `${name}{`;
  return (set: string, valueAt: (k: number) => number): string => {
    let out = "";
    for (let k = 0; k < closes.length; k++) {
      out += `${open}${set}${closes[k]}${value(valueAt(k))}\n`;
    }
    return out;
  };
}

/** `count` lines from `line`, yielded {@linkcode HOSTS_PER_PIECE} at a time. */
function* pieces(count: number, line: (i: number) => string): Generator<string> {
  for (let start = 0; start < count; start += HOSTS_PER_PIECE) {
    let text = "";
    const end = Math.min(count, start + HOSTS_PER_PIECE);
    for (let i = start; i < end; i++) text += line(i);
    yield text;
  }
}

/** The whole metrics text at once (tests, small configs). */
export function renderMetrics(state: AdminState, service?: string): string {
  return [...metricsText(state, service)].join("");
}
