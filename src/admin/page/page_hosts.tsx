/** @jsxImportSource hono/jsx */
// deno-lint-ignore-file jsx-key -- server rendering needs no keys, and Hono would print them
/**
 * A group's table of hosts on the `/running` page: one row per host.
 *
 * Host rows carry `data-key` (see `hostKey`) and their live cells
 * `data-field="open"` etc., which is how the browser script
 * (`live_rows.ts`) finds what to update in place.
 *
 * @module
 */
import type { FC } from "hono/jsx";
import { PostForm, Submit } from "./page_forms.tsx";
import {
  failureKinds,
  formatAgo,
  formatBytes,
  historyLine,
  historySummary,
  hostKey,
  hostStateView,
  sparkPath,
  visible,
} from "./page_format.ts";
import type { GroupStatus, HostStatus } from "../views/status.ts";
import type { ViewQuery } from "../views/view_query.ts";

/** What every part of the running page needs to know. */
export interface Ctx {
  full: boolean;
  now: number;
  schedulers: readonly string[];
  /** What the page shows (for the links to other pages of hosts). */
  view: ViewQuery;
}

/** `host:port`, allowed to wrap before the port (not inside a number) when the column is narrow. */
const Address: FC<{ spec: string }> = ({ spec }) => {
  const colon = spec.lastIndexOf(":") + 1;
  return (
    <>
      {visible(spec.slice(0, colon))}
      <wbr />
      {visible(spec.slice(colon))}
    </>
  );
};

/** State badge, why and since when, and the history of state changes (newest first). */
const HostStateCell: FC<{ host: HostStatus; now: number }> = ({ host, now }) => {
  const view = hostStateView(host, now);
  const history = historySummary(host.history, now);
  return (
    <td>
      <span class={view.badge} data-field="state">{view.label}</span>
      <span class="reason" data-field="reason" hidden={!view.reason}>{view.reason}</span>
      <span class="since" data-field="since" hidden={!view.since}>{view.since}</span>
      <details class="history" data-field="historyBox" hidden={host.history.length === 0}>
        <summary data-field="changes" class={history.flapping ? "flapping" : undefined}>
          {history.text}
        </summary>
        <ol data-field="history">
          {[...host.history].reverse().map((change) => <li>{historyLine(change)}</li>)}
        </ol>
      </details>
    </td>
  );
};

/** Every per-state button; the page (and the script, live) shows those that apply. */
const HostActions: FC<{ service: string; group: string; host: HostStatus }> = (
  { service, group, host },
) => {
  const context = { service, group, host: host.name };
  const who = `${visible(host.name)} (${host.ip})`;
  return (
    <td class="actions-col">
      <div class="actions">
        <PostForm call="retryHost" context={context} when="bad" state={host.state}>
          <Submit label="Retry" small />
        </PostForm>
        <PostForm call="hostAdminDown" context={context} when="up bad" state={host.state}>
          <Submit label="Take down" small />
        </PostForm>
        <PostForm call="hostAdminUp" context={context} when="admin-down" state={host.state}>
          <Submit label="Bring up" small />
        </PostForm>
        <PostForm call="delHost" context={{ service, group, name: host.name }}>
          <Submit label="Remove" small confirm={`Remove host ${who} from ${visible(group)}?`} />
        </PostForm>
      </div>
    </td>
  );
};

const HostRow: FC<{ service: string; group: string; host: HostStatus; ctx: Ctx }> = (
  { service, group, host, ctx },
) => {
  return (
    <tr data-key={hostKey(service, group, host.name)} data-host={host.name} data-state={host.state}>
      <th scope="row">
        {visible(host.name)}
        {host.weight !== 1 && (
          <span class="muted weight" title="weight: share of new connections">
            {` ×${host.weight}`}
          </span>
        )}
      </th>
      <td class="mono">
        <Address spec={host.ip} />
        {host.resolved && (
          <span class="muted" title="where it connects now">{` → ${host.resolved}`}</span>
        )}
        {host.slowStart !== undefined && (
          <span class="muted" title="ramping up after coming back">
            {` slowstart ${Math.round(host.slowStart * 100)}%`}
          </span>
        )}
      </td>
      <HostStateCell host={host} now={ctx.now} />
      <td class="num">
        <span data-field="open">{host.open}</span>
        {host.maxconn !== null && <span class="muted" title="maxconn">{` / ${host.maxconn}`}</span>}
      </td>
      <td class="num" title="new connections per second, last minute">
        <svg class="spark" viewBox="0 0 60 16" preserveAspectRatio="none" aria-hidden="true">
          <path data-field="rate" d={sparkPath(host.rate)} />
        </svg>
        <span data-field="total">{host.total}</span>
      </td>
      <td class="num">
        <span data-field="bytesIn">{formatBytes(host.bytesIn)}</span>
        {" / "}
        <span data-field="bytesOut">{formatBytes(host.bytesOut)}</span>
      </td>
      <td class="num" data-field="failures" title={failureKinds(host.failuresByKind)}>
        {host.failures}
      </td>
      <td class="num" data-field="lastClosed">{formatAgo(host.lastClosed, ctx.now)}</td>
      {ctx.full && <HostActions service={service} group={group} host={host} />}
    </tr>
  );
};

const COLUMNS = [
  ["host", "Host"],
  ["address", "Address"],
  ["state", "State"],
  ["open", "Open"],
  ["total", "Total"],
  ["bytes", "Bytes in / out"],
  ["failures", "Failures"],
  ["last", "Last closed"],
] as const;
const NUMERIC = new Set(["open", "total", "bytes", "failures", "last"]);

export const HostTable: FC<{ service: string; group: GroupStatus; ctx: Ctx }> = (
  { service, group, ctx },
) => (
  <div class="table-wrap">
    <table class="hosts">
      {/* Fixed column widths, so the tables of all groups line up. */}
      <colgroup>
        {COLUMNS.map(([name]) => <col class={`col-${name}`} />)}
        {ctx.full && <col class="col-actions" />}
      </colgroup>
      <thead>
        <tr>
          {COLUMNS.map(([name, label]) => (
            <th class={NUMERIC.has(name) ? "num" : undefined} scope="col">{label}</th>
          ))}
          {ctx.full && <th class="actions-col" scope="col">Actions</th>}
        </tr>
      </thead>
      <tbody>
        {group.hosts.length === 0
          ? (
            <tr>
              <td class="empty" colspan={COLUMNS.length + (ctx.full ? 1 : 0)}>
                No hosts in this group.
              </td>
            </tr>
          )
          : group.hosts.map((host) => (
            <HostRow service={service} group={group.name} host={host} ctx={ctx} />
          ))}
      </tbody>
    </table>
  </div>
);
