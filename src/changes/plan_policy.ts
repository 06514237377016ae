/**
 * Reload and `director diff` for a service's traffic policy: the
 * `setPolicy` edit that turns one service's rules, routes and per-client
 * limits into another's (`plan.ts`), and the admin calls that make it
 * (`plan_calls.ts`).
 *
 * As calls, a list changes rule by rule: rules that go, or that would
 * now stand out of order, are deleted first; then each missing rule is
 * inserted at its place (`position=`), so the list ends exactly as in the
 * target, every rule that stays never leaving it.
 *
 * @module
 */
import type { Edit } from "../balancer/edits.ts";
import type { ServiceConfig } from "../config/model.ts";
import { formatClientRate } from "../policy/rules.ts";
import type { PolicySettings } from "../policy/service_policy.ts";

/** One admin call (the shape of `plan_calls.ts`'s `PlannedCall`). */
interface PlannedCall {
  action: string;
  params: Record<string, string>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The `setPolicy` edit from `from` to `to`, or undefined when the policy is the same. */
export function policyEdit(from: ServiceConfig, to: ServiceConfig): Edit | undefined {
  const set: PolicySettings = {};
  if (!same(from.acl ?? [], to.acl ?? [])) set.acl = to.acl ?? [];
  if (!same(from.routes ?? [], to.routes ?? [])) set.routes = to.routes ?? [];
  if (from.clientMaxconn !== to.clientMaxconn) set.clientMaxconn = to.clientMaxconn ?? null;
  if (!same(from.clientRate, to.clientRate)) set.clientRate = to.clientRate ?? null;
  if (from.sniTimeoutMs !== to.sniTimeoutMs) set.sniTimeoutMs = to.sniTimeoutMs ?? null;
  if (Object.keys(set).length === 0) return undefined;
  return { op: "setPolicy", service: to.name, set };
}

/** Delete-then-insert steps turning list `from` into `to` (items compared by `key`). */
function listSteps<T>(
  from: readonly T[],
  to: readonly T[],
  key: (item: T) => string,
): { remove: T[]; insert: { item: T; at: number }[] } {
  const target = new Map(to.map((item, i) => [key(item), i]));
  const remove: T[] = [], kept = new Set<string>();
  let last = -1;
  for (const item of from) {
    const at = target.get(key(item));
    if (at === undefined || at < last) remove.push(item);
    else {
      last = at;
      kept.add(key(item));
    }
  }
  const insert = to.flatMap((item, at) => kept.has(key(item)) ? [] : [{ item, at }]);
  return { remove, insert };
}

/** The calls that make a `setPolicy` edit on a service whose policy was `from`. */
export function policyCalls(
  service: string,
  from: Partial<ServiceConfig>,
  set: PolicySettings,
): PlannedCall[] {
  const calls: PlannedCall[] = [];
  const call = (action: string, params: Record<string, string>) =>
    calls.push({ action, params: { service, ...params } });
  const limits: Record<string, string> = {};
  if ("clientMaxconn" in set) {
    limits.clientMaxconn = set.clientMaxconn == null ? "off" : String(set.clientMaxconn);
  }
  if ("clientRate" in set) {
    limits.clientRate = set.clientRate == null ? "off" : formatClientRate(set.clientRate);
  }
  if ("sniTimeoutMs" in set) {
    limits.sniTimeout = set.sniTimeoutMs == null ? "default" : String(set.sniTimeoutMs / 1000);
  }
  if (Object.keys(limits).length > 0) call("changeService", limits);
  if (set.acl) {
    const steps = listSteps(from.acl ?? [], set.acl, (r) => `${r.action} ${r.src}`);
    for (const rule of steps.remove) call("delAcl", { src: rule.src });
    for (const { item, at } of steps.insert) {
      call("addAcl", { action: item.action, src: item.src, position: String(at) });
    }
  }
  if (set.routes) {
    const steps = listSteps(from.routes ?? [], set.routes, (r) => `${r.sni} ${r.group}`);
    for (const route of steps.remove) call("delRoute", { sni: route.sni });
    for (const { item, at } of steps.insert) {
      call("addRoute", { sni: item.sni, group: item.group, position: String(at) });
    }
  }
  return calls;
}
