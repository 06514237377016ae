/** @jsxImportSource hono/jsx */
// deno-lint-ignore-file jsx-key -- server rendering needs no keys, and Hono would print them
/**
 * The overview of the `/running` page: a search box (service, group, host
 * or address), one summary row per service — hosts up, bad and down, open
 * connections, new connections per second — each linking to the page of
 * that service alone, and links to the next page of services (and, on
 * that page, of each long host list).
 *
 * A config of 1,000 services shows 100 rows here, not 20,000 host rows:
 * services are expanded one at a time (`/running?service=NAME`), and their
 * host lists are paged too (see `page_parts.tsx`). Summary rows carry
 * `data-summary` and their cells `data-field`, which is how the browser
 * script updates them in place.
 *
 * @module
 */
import type { FC } from "hono/jsx";
import { visible } from "./page_format.ts";
import type { GroupStatus } from "../views/status.ts";
import type { SummaryPage } from "../views/summary.ts";
import type { ViewQuery } from "../views/view_query.ts";

/** A link to the page (or, with `base`, the API) showing the view `params` describe. */
export function viewHref(params: Record<string, string | number | undefined>, base = "/running") {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${base}?${text}` : base;
}

export const SearchForm: FC<{ view: ViewQuery }> = ({ view }) => (
  <form method="get" action="/running" class="inline search" role="search">
    <label class="field">
      <span>Find a service, group, host or address</span>
      <input type="search" name="q" value={view.q ?? ""} size={28} placeholder="web, 10.0.0.5" />
    </label>
    <button type="submit">Search</button>
    {view.q !== undefined && <a href="/running">Show all</a>}
  </form>
);

const COLUMNS: [field: string, label: string, numeric: boolean][] = [
  ["listen", "Listening on", false],
  ["enabledGroup", "Enabled group", false],
  ["up", "Hosts up", true],
  ["bad", "Bad", true],
  ["adminDown", "Down", true],
  ["open", "Open", true],
  ["rate", "New/s", true],
];

/** One service's row: its link, listeners, enabled group and counts (updated live). */
const SummaryRow: FC<{ service: SummaryPage["services"][number]; view: ViewQuery }> = (
  { service: s, view },
) => (
  <tr data-summary={s.name} data-state={s.bad > 0 ? "bad" : "up"}>
    <th scope="row">
      <a href={viewHref({ service: s.name, q: view.q })}>{visible(s.name)}</a>
      <span class="muted">{` ${s.groups} ${s.groups === 1 ? "group" : "groups"}`}</span>
    </th>
    <td class="mono">{visible(s.listen.join(", "))}</td>
    <td>{visible(s.enabledGroup)}</td>
    <td class="num">
      <span data-field="up">{s.up}</span>
      <span class="muted">/</span>
      <span data-field="hosts">{s.hosts}</span>
    </td>
    <td class="num" data-field="bad">{s.bad}</td>
    <td class="num" data-field="adminDown">{s.adminDown}</td>
    <td class="num" data-field="open">{s.open}</td>
    <td class="num" data-field="rate">{s.rate}</td>
  </tr>
);

/** Summary rows of one page of services. */
export const SummaryTable: FC<{ summary: SummaryPage; view: ViewQuery }> = (
  { summary, view },
) => {
  const shown = summary.services.length;
  const count = `${summary.serviceCount} service${summary.serviceCount === 1 ? "" : "s"}`;
  const what = view.q === undefined ? count : `${count} matching "${visible(view.q)}"`;
  return (
    <section
      class="card overview-table"
      aria-labelledby="overview-title"
      data-summary-poll={viewHref({ q: view.q, after: view.after }, "/api/v1/services")}
      data-summary-shape={JSON.stringify(summary.services.map((s) => s.name))}
    >
      <header class="group-head">
        <h2 id="overview-title">Services</h2>
        <span class="meta" id="overview-count">
          {what}
          {shown < summary.serviceCount ? ` · ${shown} on this page` : ""}
        </span>
      </header>
      <div class="table-wrap">
        <table class="summary">
          <thead>
            <tr>
              <th scope="col">Service</th>
              {COLUMNS.map(([, label, numeric]) => (
                <th scope="col" class={numeric ? "num" : undefined}>{label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {summary.services.map((s) => <SummaryRow service={s} view={view} />)}
          </tbody>
        </table>
      </div>
      {shown === 0 && <p class="note">No service matches.</p>}
      <nav class="pager" aria-label="Pages of services">
        {view.after !== undefined && <a href={viewHref({ q: view.q })}>First page</a>}
        {summary.next !== null && (
          <a href={viewHref({ q: view.q, after: summary.next })} rel="next">Next page</a>
        )}
      </nav>
    </section>
  );
};

/** Links to the other pages of a long host list (`group=G&after=HOST`). */
export const HostPager: FC<{ service: string; group: GroupStatus; view: ViewQuery }> = (
  { service, group, view },
) => {
  const paged = view.after !== undefined && (view.group ?? group.name) === group.name;
  if (!paged && group.next === null) return null;
  const link = (after?: string) => viewHref({ service, q: view.q, group: group.name, after });
  return (
    <nav class="pager" aria-label={`Pages of hosts of ${visible(group.name)}`}>
      <span class="meta">{`${group.hosts.length} of ${group.hostCount} hosts on this page`}</span>
      {paged && <a href={link()}>First page</a>}
      {group.next !== null && <a href={link(group.next)} rel="next">Next page</a>}
    </nav>
  );
};
