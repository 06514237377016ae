/**
 * Change calls on a service's traffic policy: access rules by source
 * address (`addAcl`, `delAcl`) and SNI routes (`addRoute`, `delRoute`).
 *
 * Rules are kept in order, first match wins: a new rule is appended, or
 * with `position=N` inserted before the rule now at index N (0 is the
 * first). Each call replaces the service's whole list in one `setPolicy`
 * edit, so every thread switches from the old list to the new at once.
 * A rule is removed by its `src` (or `sni`) exactly as it was added; two
 * rules for the same one are refused, as in the config.
 *
 * @module
 */
import type { Service } from "../balancer/service.ts";
import { DEFAULTS, LIMITS } from "../config/defaults.ts";
import type { AclRule, RouteConfig } from "../config/model.ts";
import {
  checkAclSource,
  checkSni,
  formatClientRate,
  insertAt,
  parseClientRate,
} from "../policy/rules.ts";
import type { PolicySettings } from "../policy/service_policy.ts";
import { type ChangeCall, config } from "./context.ts";
import { ChangeError } from "./errors.ts";
import { findGroup, findService } from "./lookup.ts";
import { countParam, need, optional, secondsParam } from "./params.ts";
import type { Params } from "./params.ts";

/** `position`: a whole number from 0; undefined when absent (append). */
function position(params: Params, length: number): number | undefined {
  const text = optional(params, "position");
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) > length) {
    throw new ChangeError(
      400,
      `position must be a whole number from 0 to ${length}, not "${text}"`,
    );
  }
  return Number(text);
}

/** Run `check`, turning its `Cannot use …` into a 400. */
function valid<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw new ChangeError(400, error instanceof Error ? error.message : String(error));
  }
}

const where = (at: number | undefined, length: number) =>
  at === undefined || at >= length ? "last" : `at position ${at}`;

export const policyCalls: Record<string, ChangeCall> = {
  addAcl: config((ctx) => {
    const service = findService(ctx.target, need(ctx.params, "service"));
    const action = need(ctx.params, "action");
    if (action !== "allow" && action !== "deny") {
      throw new ChangeError(400, `action must be "allow" or "deny", not "${action}"`);
    }
    const src = need(ctx.params, "src").trim();
    valid(() => checkAclSource(src));
    const rules = service.policy.acl.rules;
    if (rules.some((rule) => rule.src === src)) {
      throw new ChangeError(409, `service "${service.name}" already has a rule for src "${src}"`);
    }
    if (rules.length >= LIMITS.rules) {
      throw new ChangeError(409, `service "${service.name}" has ${LIMITS.rules} rules already`);
    }
    const at = position(ctx.params, rules.length);
    const acl: AclRule[] = insertAt(rules, { action, src }, at);
    return {
      message: `service "${service.name}": ${action} ${src} (${
        where(at, rules.length)
      } of ${acl.length} rules)`,
      edits: [{ op: "setPolicy", service: service.name, set: { acl } }],
    };
  }),

  delAcl: config((ctx) => {
    const service = findService(ctx.target, need(ctx.params, "service"));
    const src = need(ctx.params, "src").trim();
    const rules = service.policy.acl.rules;
    if (!rules.some((rule) => rule.src === src)) {
      throw new ChangeError(404, `service "${service.name}" has no rule for src "${src}"`);
    }
    const acl = rules.filter((rule) => rule.src !== src);
    return {
      message: `service "${service.name}": removed the rule for ${src} (${acl.length} left)`,
      edits: [{ op: "setPolicy", service: service.name, set: { acl } }],
    };
  }),

  addRoute: config((ctx) => {
    const service = findService(ctx.target, need(ctx.params, "service"));
    const sni = need(ctx.params, "sni").trim();
    valid(() => checkSni(sni));
    const group = findGroup(service, need(ctx.params, "group")).name;
    const routes = service.policy.routes.routes;
    if (routes.some((route) => route.sni.toLowerCase() === sni.toLowerCase())) {
      throw new ChangeError(409, `service "${service.name}" already has a route for "${sni}"`);
    }
    if (routes.length >= LIMITS.rules) {
      throw new ChangeError(409, `service "${service.name}" has ${LIMITS.rules} routes already`);
    }
    const at = position(ctx.params, routes.length);
    const next: RouteConfig[] = insertAt(routes, { sni, group }, at);
    return {
      message: `service "${service.name}": TLS for ${sni} goes to group "${group}" (${
        where(at, routes.length)
      } of ${next.length} routes)`,
      edits: [{ op: "setPolicy", service: service.name, set: { routes: next } }],
    };
  }),

  delRoute: config((ctx) => {
    const service = findService(ctx.target, need(ctx.params, "service"));
    const sni = need(ctx.params, "sni").trim().toLowerCase();
    const routes = service.policy.routes.routes;
    if (!routes.some((route) => route.sni.toLowerCase() === sni)) {
      throw new ChangeError(404, `service "${service.name}" has no route for "${sni}"`);
    }
    const next = routes.filter((route) => route.sni.toLowerCase() !== sni);
    return {
      message: `service "${service.name}": removed the route for ${sni} (${next.length} left)`,
      edits: [{ op: "setPolicy", service: service.name, set: { routes: next } }],
    };
  }),
};

/**
 * `changeService`'s policy parameters: `clientMaxconn=N|off`,
 * `clientRate=N/SECONDS|off`, `sniTimeout=SECONDS|default`. Undefined when
 * none is given.
 */
export function clientLimitParams(params: Params): PolicySettings | undefined {
  const set: PolicySettings = {};
  const maxconn = optional(params, "clientMaxconn");
  if (maxconn !== undefined) {
    set.clientMaxconn = maxconn === "off"
      ? null
      : countParam(maxconn, "clientMaxconn", LIMITS.clientLimit);
  }
  const rate = optional(params, "clientRate");
  if (rate !== undefined) {
    set.clientRate = rate === "off" ? null : valid(() => parseClientRate(rate));
  }
  const sni = optional(params, "sniTimeout");
  if (sni !== undefined) {
    set.sniTimeoutMs = sni === "default"
      ? null
      : secondsParam(sni, "sniTimeout", LIMITS.sniTimeoutS);
  }
  return Object.keys(set).length > 0 ? set : undefined;
}

/** What the service's policy limits are once `set` applies, for the call's message. */
export function describeClientLimits(service: Service, set: PolicySettings): string {
  const policy = service.policy;
  const maxconn = "clientMaxconn" in set ? set.clientMaxconn : policy.clientMaxconn;
  const rate = "clientRate" in set ? set.clientRate : policy.clientRate;
  const sni = "sniTimeoutMs" in set ? set.sniTimeoutMs : policy.sniTimeoutMs;
  return `client-maxconn ${maxconn ?? "off"}, client-rate ${
    rate ? formatClientRate(rate) : "off"
  }, sni-timeout ${(sni ?? DEFAULTS.sniTimeoutMs) / 1000} s`;
}
