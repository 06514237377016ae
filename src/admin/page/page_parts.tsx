/** @jsxImportSource hono/jsx */
// deno-lint-ignore-file jsx-key -- server rendering needs no keys, and Hono would print them
/**
 * The services, groups and hosts of the `/running` page.
 *
 * The host tables are `page_hosts.tsx`'s. Names are shown through
 * `visible()` (control characters made visible) and sent back in forms
 * unchanged.
 *
 * @module
 */
import type { FC } from "hono/jsx";
import { Field, FieldForm, PostForm, SchedulerSelect, Submit } from "./page_forms.tsx";
import { GroupAdvanced } from "./page_group_settings.tsx";
import { PolicyCard } from "./page_policy.tsx";
import { visible } from "./page_format.ts";
import { type Ctx, HostTable } from "./page_hosts.tsx";
import { HostPager, viewHref } from "./page_overview.tsx";
import type { GroupStatus, ServiceStatus } from "../views/status.ts";

/** The group's name, its badges, what it is set to, and (inactive) the button to enable it. */
const GroupHead: FC<{ service: string; group: GroupStatus; ctx: Ctx }> = (
  { service, group, ctx },
) => {
  const context = { service, group: group.name };
  return (
    <header class="group-head">
      <h3>{visible(group.name)}</h3>
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
  );
};

/** The folded settings of a group: scheduler, weights, sticky time, the rest, and deleting. */
const GroupSettings: FC<{ service: string; group: GroupStatus; ctx: Ctx }> = (
  { service, group, ctx },
) => {
  const context = { service, group: group.name };
  const name = visible(group.name);
  return (
    <details>
      <summary>Group settings</summary>
      <div class="body">
        <PostForm call="changeScheduler" context={context}>
          <SchedulerSelect schedulers={ctx.schedulers} current={group.scheduler} />
          <Submit label="Change scheduler" />
        </PostForm>
        {group.hosts.length > 0 && (
          <FieldForm
            call="changeWeight"
            context={context}
            hosts={group.hosts.map((h) => h.name)}
            label="Weight (0 = drain)"
            name="weight"
            placeholder="1"
            size={5}
            submit="Change weight"
          />
        )}
        {group.scheduler === "sticky" && (
          <FieldForm
            call="changeStickyTime"
            context={context}
            label="Sticky time (s)"
            name="time"
            placeholder="1800"
            size={6}
            submit="Change sticky time"
          />
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
  );
};

const GroupCard: FC<{ service: string; group: GroupStatus; ctx: Ctx }> = (
  { service, group, ctx },
) => {
  const context = { service, group: group.name };
  return (
    <article
      class={`card group ${group.enabled ? "enabled" : "inactive"}`}
      data-group={group.name}
      data-enabled={String(group.enabled)}
    >
      <GroupHead service={service} group={group} ctx={ctx} />
      <HostTable service={service} group={group} ctx={ctx} />
      <HostPager service={service} group={group} view={ctx.view} />
      {ctx.full && (
        <PostForm call="addHost" context={context} class="inline add-host">
          <Field label="New host name" name="name" size={12} />
          <Field label="Address" name="ip" placeholder="10.0.0.5:8080" size={16} />
          <Submit label="Add host" />
        </PostForm>
      )}
      {ctx.full && <GroupSettings service={service} group={group} ctx={ctx} />}
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
