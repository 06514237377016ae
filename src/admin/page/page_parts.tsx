/** @jsxImportSource hono/jsx */
// deno-lint-ignore-file jsx-key -- server rendering needs no keys, and Hono would print them
/**
 * The services, groups and hosts of the `/running` page.
 *
 * Host rows carry `data-key` (see `hostKey`) and their live cells
 * `data-field="open"` etc., which is how the browser script finds what to
 * update in place. Names are shown through `visible()` (control characters
 * made visible) and sent back in forms unchanged.
 *
 * @module
 */
import type { FC } from "hono/jsx";
import { Field, HostSelect, PostForm, SchedulerSelect, Submit } from "./page_forms.tsx";
import { GroupAdvanced } from "./page_group_settings.tsx";
import { PolicyCard } from "./page_policy.tsx";
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
import { HostPager, viewHref } from "./page_overview.tsx";
import type { GroupStatus, HostStatus, ServiceStatus } from "../views/status.ts";
import type { ViewQuery } from "../views/view_query.ts";

interface Ctx {
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

const HostRow: FC<{ service: string; group: string; host: HostStatus; ctx: Ctx }> = (
  { service, group, host, ctx },
) => {
  const view = hostStateView(host, ctx.now);
  const history = historySummary(host.history, ctx.now);
  const context = { service, group, host: host.name };
  const who = `${visible(host.name)} (${host.ip})`;
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
      {ctx.full && (
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
      )}
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

const HostTable: FC<{ service: string; group: GroupStatus; ctx: Ctx }> = (
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

const GroupCard: FC<{ service: string; group: GroupStatus; ctx: Ctx }> = (
  { service, group, ctx },
) => {
  const context = { service, group: group.name };
  const name = visible(group.name);
  return (
    <article
      class={`card group ${group.enabled ? "enabled" : "inactive"}`}
      data-group={group.name}
      data-enabled={String(group.enabled)}
    >
      <header class="group-head">
        <h3>{name}</h3>
        {group.enabled
          ? <span class="pill on" title="New connections go to this group">Enabled</span>
          : <span class="pill">Inactive</span>}
        {group.backup && (
          <span
            class="pill backup"
            title="Takes new connections while no host of the enabled group can"
          >
            Backup
          </span>
        )}
        {group.sendProxy && <span class="pill">PROXY {group.sendProxy}</span>}
        <span class="meta">
          {group.scheduler} · connect timeout {group.connectTimeoutMs / 1000}s · {group.check
            ? `checked every ${
              group.check.intervalMs / 1000
            }s (rise ${group.check.rise}, fall ${group.check.fall}) · `
            : ""}
          {group.hostCount} {group.hostCount === 1 ? "host" : "hosts"}
          {ctx.view.q !== undefined && ` matching "${visible(ctx.view.q)}"`}
        </span>
        {ctx.full && !group.enabled && (
          <PostForm call="enableGroup" context={context} class="inline push">
            <Submit label="Enable this group" primary small />
          </PostForm>
        )}
      </header>
      <HostTable service={service} group={group} ctx={ctx} />
      <HostPager service={service} group={group} view={ctx.view} />
      {ctx.full && (
        <PostForm call="addHost" context={context} class="inline add-host">
          <Field label="New host name" name="name" size={12} />
          <Field label="Address" name="ip" placeholder="10.0.0.5:8080" size={16} />
          <Submit label="Add host" />
        </PostForm>
      )}
      {ctx.full && (
        <details>
          <summary>Group settings</summary>
          <div class="body">
            <PostForm call="changeScheduler" context={context}>
              <SchedulerSelect schedulers={ctx.schedulers} current={group.scheduler} />
              <Submit label="Change scheduler" />
            </PostForm>
            {group.hosts.length > 0 && (
              <PostForm call="changeWeight" context={context}>
                <HostSelect names={group.hosts.map((h) => h.name)} />
                <Field label="Weight (0 = drain)" name="weight" placeholder="1" size={5} />
                <Submit label="Change weight" />
              </PostForm>
            )}
            {group.scheduler === "sticky" && (
              <PostForm call="changeStickyTime" context={context}>
                <Field label="Sticky time (s)" name="time" placeholder="1800" size={6} />
                <Submit label="Change sticky time" />
              </PostForm>
            )}
            <GroupAdvanced service={service} group={group} />
            {!group.enabled && (
              <div class="actions">
                <PostForm call="delAllHosts" context={context}>
                  <Submit label="Remove all hosts" confirm={`Remove every host of ${name}?`} />
                </PostForm>
                <PostForm call="delGroup" context={context}>
                  <Submit label="Delete group" confirm={`Delete group ${name}?`} />
                </PostForm>
              </div>
            )}
          </div>
        </details>
      )}
    </article>
  );
};

export const ServiceSection: FC<{ service: ServiceStatus; ctx: Ctx }> = ({ service, ctx }) => (
  <section class="service" data-service={service.name}>
    <header class="service-head">
      <h2>
        <span class="kicker">Service</span> {ctx.view.service === undefined
          ? <a href={viewHref({ service: service.name })}>{visible(service.name)}</a>
          : visible(service.name)}
      </h2>
      <span class="meta">
        listening on {service.listen.map((l, i) => (
          <>
            {i > 0 && ", "}
            <code>{visible(l)}</code>
          </>
        ))} · enabled group{" "}
        <strong data-field="enabledGroup">{visible(service.enabledGroup)}</strong>
      </span>
    </header>
    {service.groups.map((group) => <GroupCard service={service.name} group={group} ctx={ctx} />)}
    {ctx.view.service !== undefined && <PolicyCard service={service} full={ctx.full} />}
    {ctx.full && (
      <details class="card">
        <summary>New group, or delete this service</summary>
        <div class="body">
          <PostForm call="newGroup" context={{ service: service.name }}>
            <Field label="Group name" name="group" size={12} />
            <SchedulerSelect schedulers={ctx.schedulers} />
            <Submit label="Create group" />
          </PostForm>
          <PostForm call="delService" context={{ service: service.name }}>
            <Submit
              label="Delete service"
              confirm={`Delete service ${visible(service.name)}? Its listeners close.`}
            />
          </PostForm>
        </div>
      </details>
    )}
  </section>
);

export type { Ctx as PageContext };
