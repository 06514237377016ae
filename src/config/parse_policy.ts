/**
 * The traffic-policy parts of a `<service>`: the attributes
 * `client-maxconn`, `client-rate` and `sni-timeout`, and the children
 * `<allow src>`, `<deny src>` and `<route sni group>`, each kept in
 * document order. `parse.ts` calls these for every service.
 *
 * @module
 */
import { policyReason } from "../policy/errors.ts";
import { LIMITS } from "./defaults.ts";
import type { AclRule, RouteConfig, ServiceConfig } from "./model.ts";
import type { ElementReader, Seen } from "./element_reader.ts";
import type { XmlElement } from "./xml.ts";
import { checkAclSource, checkSni, parseClientRate } from "../policy/rules.ts";

export const POLICY_ATTRIBUTES = ["client-maxconn", "client-rate", "sni-timeout"];
export const POLICY_CHILDREN = ["allow", "deny", "route"];

type Policy = Pick<
  ServiceConfig,
  "acl" | "routes" | "clientMaxconn" | "clientRate" | "sniTimeoutMs"
>;

/** The policy of service `el`; `groups` are its group names (routes must name one). */
export function parsePolicy(reader: ElementReader, el: XmlElement, groups: Seen): Policy {
  const policy: Policy = {};
  const attrs = el.attributes;
  if (attrs["client-maxconn"] !== undefined) {
    policy.clientMaxconn = reader.positiveInteger(el, "client-maxconn", LIMITS.clientLimit);
  }
  if (attrs["client-rate"] !== undefined) {
    try {
      policy.clientRate = parseClientRate(attrs["client-rate"]);
    } catch (error) {
      reader.fail(el, `invalid ${policyReason(error)}`);
    }
  }
  if (attrs["sni-timeout"] !== undefined) {
    policy.sniTimeoutMs = reader.milliseconds(el, "sni-timeout", LIMITS.sniTimeoutS);
  }
  const acl: AclRule[] = [], routes: RouteConfig[] = [];
  const sources: Seen = new Map(), names: Seen = new Map();
  // A second rule for the same src or sni could never match: surely a mistake.
  for (const child of el.children) {
    if (child.name === "allow" || child.name === "deny") {
      const rule = aclRule(reader, child);
      reader.unique(child, sources, rule.src, "src", "in this service's <allow>/<deny>");
      acl.push(rule);
    }
    if (child.name === "route") {
      const rule = route(reader, child, groups);
      reader.unique(child, names, rule.sni.toLowerCase(), "sni", "in this service's <route>s");
      routes.push(rule);
    }
  }
  if (acl.length > LIMITS.rules || routes.length > LIMITS.rules) {
    reader.fail(el, `more than ${LIMITS.rules} <allow>/<deny> or <route> elements`);
  }
  if (acl.length > 0) policy.acl = acl;
  if (routes.length > 0) policy.routes = routes;
  return policy;
}

function aclRule(reader: ElementReader, el: XmlElement): AclRule {
  reader.shape(el, ["src"], []);
  const src = reader.required(el, "src", "expected an address or range such as 10.0.0.0/8");
  try {
    if (checkAclSource(src).hostBitsSet) {
      reader.warn(el, `src="${src}" has bits set beyond its prefix; they are ignored`);
    }
  } catch (error) {
    reader.fail(el, `invalid src: ${policyReason(error)}`);
  }
  return { action: el.name as "allow" | "deny", src };
}

function route(reader: ElementReader, el: XmlElement, groups: Seen): RouteConfig {
  reader.shape(el, ["sni", "group"], []);
  const sni = reader.required(el, "sni", "expected a host name or *.domain");
  try {
    checkSni(sni);
  } catch (error) {
    reader.fail(el, `invalid sni: ${policyReason(error)}`);
  }
  const known = `expected one of ${[...groups.keys()].map((g) => `"${g}"`).join(", ")}`;
  const group = reader.required(el, "group", known);
  if (!groups.has(group)) reader.fail(el, `no group "${group}" in this service; ${known}`);
  return { sni, group };
}
