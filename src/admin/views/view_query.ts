/**
 * Which part of the running state a view shows: one service or all, a
 * search, and a page. The page (`/running`) and the JSON API
 * (`/api/v1/status`, `/api/v1/services`) read the same parameters, so the
 * page's live updates poll exactly the rows it rendered:
 *
 * - `service=NAME`: that service only;
 * - `q=TEXT`: services, groups and hosts whose name — or, for a host, its
 *   address — contains TEXT (case-insensitive). A service or group that
 *   matches by name keeps all its hosts;
 * - `limit=N&after=CURSOR`: a page. Without `service`, of services (the
 *   cursor is the last service name of the previous page); with `service`,
 *   of the hosts of each group (the cursor is the last host name, in the
 *   group named by `group=`, or in every group when it is not given).
 *   Answers carry the cursor of the next page as `next`.
 *
 * @module
 */
import type { Group } from "../../balancer/group.ts";
import type { HostState } from "../../balancer/host_state.ts";
import type { Service } from "../../balancer/service.ts";

export interface ViewQuery {
  service?: string;
  /** Search text, as typed (matched case-insensitively). */
  q?: string;
  limit?: number;
  after?: string;
  group?: string;
}

/** Pages never exceed this, whatever `limit` asks. */
export const MAX_LIMIT = 10_000;

/** A refused parameter: the API answers 400 with this message. */
export class ViewQueryError extends Error {}

/** The view parameters of a request's query; throws {@linkcode ViewQueryError}. */
export function parseViewQuery(query: Record<string, string | undefined>): ViewQuery {
  const view: ViewQuery = {};
  if (query.service) view.service = query.service;
  if (query.q?.trim()) view.q = query.q.trim();
  if (query.after) view.after = query.after;
  if (query.group) view.group = query.group;
  if (query.limit !== undefined && query.limit !== "") {
    const n = /^\d{1,6}$/.test(query.limit) ? Number(query.limit) : NaN;
    if (!(n >= 1 && n <= MAX_LIMIT)) {
      throw new ViewQueryError(
        `Cannot page by limit="${query.limit.slice(0, 40)}": expected a whole number from 1 ` +
          `to ${MAX_LIMIT}`,
      );
    }
    view.limit = n;
  }
  return view;
}

/** `q` is lower-cased by the callers, once per view. */
const contains = (text: string, q: string) => text.toLowerCase().includes(q);

const hostMatches = (host: HostState, q: string) =>
  contains(host.name, q) || contains(host.address.spec, q);

/** Does a service match the search: by its name, a group's name, or a host's name or address? */
export function serviceMatches(service: Service, search: string | undefined): boolean {
  if (search === undefined) return true;
  const q = search.toLowerCase();
  if (contains(service.name, q)) return true;
  for (const group of service.groups) {
    if (contains(group.name, q)) return true;
    for (const host of group.hosts) if (hostMatches(host, q)) return true;
  }
  return false;
}

/** The hosts of a group the search keeps (all when the service or group matches by name). */
export function groupHosts(service: Service, group: Group, search?: string): HostState[] {
  const hosts = [...group.hosts];
  if (search === undefined) return hosts;
  const q = search.toLowerCase();
  if (contains(service.name, q) || contains(group.name, q)) return hosts;
  return hosts.filter((host) => hostMatches(host, q));
}

/** A page of `items` after the one named `after`, and the cursor of the next page. */
export function pageOf<T extends { name: string }>(
  items: T[],
  limit: number | undefined,
  after: string | undefined,
): { items: T[]; next: string | null } {
  let start = 0;
  if (after !== undefined) {
    const at = items.findIndex((item) => item.name === after);
    // A cursor that is gone (deleted meanwhile) starts over rather than failing.
    start = at < 0 ? 0 : at + 1;
  }
  if (limit === undefined) return { items: items.slice(start), next: null };
  const page = items.slice(start, start + limit);
  const more = start + limit < items.length;
  return { items: page, next: more ? page[page.length - 1].name : null };
}

/** The services a query selects, before paging. */
export function selectedServices(services: Iterable<Service>, view: ViewQuery): Service[] {
  const all = [...services];
  if (view.service !== undefined) return all.filter((s) => s.name === view.service);
  return all.filter((service) => serviceMatches(service, view.q));
}
