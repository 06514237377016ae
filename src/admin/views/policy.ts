/**
 * A service's traffic policy in the views: its records in `/running.txt`
 * and its series in `/metrics`.
 *
 * ```
 * acl allow|deny SRC                    one per rule, in order
 * route SNI GROUP                       one per SNI route, in order
 * client-limits MAXCONN|- RATE|-        when a per-client limit is set
 * refused DENIED CLIENT-MAXCONN CLIENT-RATE SNI-TIMEOUT   clients turned away so far
 * ```
 *
 * @module
 */
import type { Service } from "../../balancer/service.ts";
import { refusedCounts } from "../../policy/admission.ts";
import { formatClientRate } from "../../policy/rules.ts";
import type { Arena } from "../../state/arena.ts";
import { field } from "./text.ts";

/** The policy records of one service (none when it has no policy). */
export function policyRecords(service: Service, arena: Arena): string[] {
  const policy = service.policy;
  const lines = policy.acl.rules.map((rule) => `acl ${rule.action} ${field(rule.src)}`);
  for (const route of policy.routes.routes) {
    lines.push(`route ${field(route.sni)} ${field(route.group)}`);
  }
  if (policy.limitsClients) {
    const rate = policy.clientRate ? formatClientRate(policy.clientRate) : "-";
    lines.push(`client-limits ${policy.clientMaxconn ?? "-"} ${rate}`);
  }
  if (policy.admits || !policy.routes.empty) {
    const refused = refusedCounts(arena, service);
    lines.push(
      `refused ${refused.denied} ${refused["client-maxconn"]} ${refused["client-rate"]} ${
        refused["sni-timeout"]
      }`,
    );
  }
  return lines;
}

type Labels = (pairs: Record<string, string>) => string;
type Sample = (name: string, v: number, set?: string) => string;
type Family = (name: string, type: "gauge" | "counter", help: string) => string;

/** The refusal counters of `services`, in the metrics text format. */
export function policySeries(
  services: readonly Service[],
  arena: Arena,
  f: { labels: Labels; sample: Sample; family: Family },
): string {
  let out = f.family(
    "director_denied_connections_total",
    "counter",
    "Clients refused by the service's allow/deny rules.",
  );
  const limited = "director_client_limit_refused_total";
  let limits = f.family(limited, "counter", "Clients refused by a per-client limit, by reason.");
  for (const service of services) {
    const refused = refusedCounts(arena, service);
    const set = f.labels({ service: service.name });
    out += f.sample("director_denied_connections_total", refused.denied, set);
    for (const reason of ["client-maxconn", "client-rate"] as const) {
      limits += f.sample(limited, refused[reason], `${set},reason="${reason}"`);
    }
  }
  const sni = "director_sni_timeouts_total";
  let timeouts = f.family(sni, "counter", "Clients closed without a ClientHello in sni-timeout.");
  for (const service of services) {
    const set = f.labels({ service: service.name });
    timeouts += f.sample(sni, refusedCounts(arena, service)["sni-timeout"], set);
  }
  return out + limits + timeouts;
}
