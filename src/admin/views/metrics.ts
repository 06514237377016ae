/**
 * `/metrics`: the running state in the Prometheus text exposition format
 * (version 0.0.4), for scraping — behind the admin's authentication like
 * every other URL (Prometheus supports `basic_auth` in a scrape config).
 *
 * Host series are labelled `service`, `group`, `host` and `address`; label
 * sets stay bounded (failure reasons are a fixed set of kinds).
 *
 * @module
 */
import { readdirSync } from "node:fs";
import process from "node:process";
import type { AdminState } from "../state.ts";

/** Escape a label value: backslash, double quote and newline. */
export function labelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs).map(([k, v]) => `${k}="${labelValue(v)}"`).join(",")}}`;
}

/** Open file descriptors of this process (Linux); undefined elsewhere. */
function openDescriptors(): number | undefined {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return undefined;
  }
}

class Exposition {
  #lines: string[] = [];

  family(name: string, type: "gauge" | "counter", help: string): void {
    this.#lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  }

  sample(name: string, value: number, pairs: Record<string, string> = {}): void {
    const set = Object.keys(pairs).length > 0 ? labels(pairs) : "";
    this.#lines.push(`${name}${set} ${Number.isFinite(value) ? value : 0}`);
  }

  toString(): string {
    return this.#lines.join("\n") + "\n";
  }
}

export function renderMetrics(state: AdminState): string {
  const out = new Exposition();
  const now = state.model.now();
  out.family("director_uptime_seconds", "gauge", "Seconds since Director started.");
  out.sample("director_uptime_seconds", (now - state.startedAt.getTime()) / 1000);
  out.family("director_resident_memory_bytes", "gauge", "Resident set size of the process.");
  out.sample("director_resident_memory_bytes", process.memoryUsage().rss);
  const fds = openDescriptors();
  if (fds !== undefined) {
    out.family("director_open_fds", "gauge", "Open file descriptors of the process.");
    out.sample("director_open_fds", fds);
  }
  out.family("director_config_reloads_total", "counter", "Config reloads by result.");
  out.sample("director_config_reloads_total", state.reloads.ok, { result: "ok" });
  out.sample("director_config_reloads_total", state.reloads.failed, { result: "failed" });
  out.family("director_workers", "gauge", "Worker threads running the data plane.");
  out.sample("director_workers", state.planes.workers().length);
  out.family(
    "director_worker_restarts_total",
    "counter",
    "Worker threads restarted after dying.",
  );
  out.sample("director_worker_restarts_total", state.planes.restarts);
  out.family("director_connections_open", "gauge", "Client connections in progress.");
  out.sample("director_connections_open", state.openConnections);

  const refs = [...state.model.hosts()];
  out.family("director_group_enabled", "gauge", "1 for the enabled group of each service.");
  for (const service of state.model.services) {
    for (const group of service.groups) {
      out.sample("director_group_enabled", service.enabledGroup === group ? 1 : 0, {
        service: service.name,
        group: group.name,
      });
    }
  }
  const hostLabels = refs.map(({ service, group, host }) => ({
    service: service.name,
    group: group.name,
    host: host.name,
    address: host.address.spec,
  }));
  const perHost = (
    name: string,
    type: "gauge" | "counter",
    help: string,
    value: (i: number) => number,
  ) => {
    out.family(name, type, help);
    refs.forEach((_, i) => out.sample(name, value(i), hostLabels[i]));
  };
  perHost(
    "director_host_connections_open",
    "gauge",
    "Connections in progress to the host.",
    (i) => refs[i].host.open,
  );
  perHost(
    "director_host_connections_total",
    "counter",
    "Connections to the host that have finished.",
    (i) => refs[i].host.total,
  );
  perHost(
    "director_host_bytes_in_total",
    "counter",
    "Bytes relayed from clients to the host.",
    (i) => refs[i].host.bytesIn,
  );
  perHost(
    "director_host_bytes_out_total",
    "counter",
    "Bytes relayed from the host to clients.",
    (i) => refs[i].host.bytesOut,
  );
  perHost(
    "director_host_weight",
    "gauge",
    "The host's weight (0: no new connections).",
    (i) => refs[i].host.weight,
  );
  perHost(
    "director_host_up",
    "gauge",
    "1 if the host takes new connections (not bad, not admin-down).",
    (i) => refs[i].host.available ? 1 : 0,
  );

  out.family("director_host_state", "gauge", "The host's state: 1 for the current one.");
  refs.forEach(({ host }, i) => {
    const current = host.adminDown ? "admin-down" : host.bad ? "bad" : "up";
    for (const state of ["up", "bad", "admin-down"]) {
      out.sample("director_host_state", state === current ? 1 : 0, { ...hostLabels[i], state });
    }
  });
  out.family(
    "director_host_connect_failures_total",
    "counter",
    "Failed connects to the host by reason.",
  );
  refs.forEach(({ host }, i) => {
    for (const [reason, count] of Object.entries(host.failuresByKind)) {
      out.sample("director_host_connect_failures_total", count, { ...hostLabels[i], reason });
    }
  });
  return out.toString();
}
