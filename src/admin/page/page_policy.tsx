/** @jsxImportSource hono/jsx */
// deno-lint-ignore-file jsx-key -- server rendering needs no keys, and Hono would print them
/**
 * A service's traffic policy on its own page (`/running?service=NAME`):
 * the allow/deny rules and SNI routes in the order they are tried, the
 * per-client limits and the clients refused so far — and, for `full`
 * users, the forms of `addAcl`, `delAcl`, `addRoute`, `delRoute` (with a
 * position) and of `changeService`'s client limits.
 *
 * Patterns and addresses come from admins and are shown through JSX
 * (escaped) and `visible()` (control characters made visible); forms send
 * them back unchanged in hidden inputs, which is what the calls match on.
 *
 * @module
 */
import type { Child, FC } from "hono/jsx";
import { Field, PostForm, Submit } from "./page_forms.tsx";
import { visible } from "./page_format.ts";
import type { PolicyStatus, ServiceStatus } from "../views/status.ts";

/** `<select name="position">`: last (empty: appended), or before the rule now at each index. */
const PositionSelect: FC<{ labels: readonly string[] }> = ({ labels }) => (
  <label class="field">
    <span>Position</span>
    <select name="position">
      <option value="">last</option>
      {labels.map((label, i) => <option value={String(i)}>{`before ${i + 1}: ${label}`}</option>)}
    </select>
  </label>
);

/** The limits and the refusal counts, as one line of facts. */
const PolicyFacts: FC<{ policy: PolicyStatus }> = ({ policy }) => {
  const r = policy.refused;
  return (
    <p class="meta" data-field="policyFacts">
      <span>
        client-maxconn <strong data-field="clientMaxconn">{policy.clientMaxconn ?? "off"}</strong>
      </span>
      <span>
        · client-rate <strong data-field="clientRate">{policy.clientRate ?? "off"}</strong>
      </span>
      <span>
        · sni-timeout <strong>{`${policy.sniTimeoutMs / 1000}s`}</strong>
      </span>
      <span>
        · refused: <span data-field="refused-denied">{r.denied}</span> denied,{" "}
        <span data-field="refused-clientMaxconn">{r.clientMaxconn}</span> over client-maxconn,{" "}
        <span data-field="refused-clientRate">{r.clientRate}</span> over client-rate,{" "}
        <span data-field="refused-sniTimeout">{r.sniTimeout}</span> without a ClientHello in time
      </span>
    </p>
  );
};

/** One row of a rule table: its `data-*` attributes, its two cells, and how to remove it. */
interface RuleRow {
  data: Record<string, string>;
  cells: Child;
  remove: { call: string; context: Record<string, string>; confirm: string };
}

/** The rules or the routes, numbered in the order they are tried; `full` adds Remove buttons. */
const RuleTable: FC<
  { class: string; headings: [string, string]; empty: string; rows: RuleRow[]; full: boolean }
> = ({ headings, empty, rows, full, ...rest }) => (
  <div class="table-wrap">
    <table class={rest.class}>
      <thead>
        <tr>
          <th scope="col" class="num">#</th>
          <th scope="col">{headings[0]}</th>
          <th scope="col">{headings[1]}</th>
          {full && <th scope="col" class="actions-col">Actions</th>}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && (
          <tr>
            <td class="empty" colspan={full ? 4 : 3}>{empty}</td>
          </tr>
        )}
        {rows.map((row, i) => (
          <tr {...row.data}>
            <td class="num">{i + 1}</td>
            {row.cells}
            {full && (
              <td class="actions-col">
                <PostForm call={row.remove.call} context={row.remove.context}>
                  <Submit label="Remove" small confirm={row.remove.confirm} />
                </PostForm>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  </div>
);

const AclTable: FC<{ service: string; policy: PolicyStatus; full: boolean }> = (
  { service, policy, full },
) => (
  <RuleTable
    class="acl"
    headings={["Action", "Source"]}
    empty="No rules: every client is allowed."
    full={full}
    rows={policy.acl.map((rule) => ({
      data: { "data-acl": rule.src, "data-action": rule.action },
      cells: (
        <>
          <td>{rule.action}</td>
          <td class="mono">{visible(rule.src)}</td>
        </>
      ),
      remove: {
        call: "delAcl",
        context: { service, src: rule.src },
        confirm: `Remove the rule ${rule.action} ${visible(rule.src)}?`,
      },
    }))}
  />
);

const RouteTable: FC<{ service: string; policy: PolicyStatus; full: boolean }> = (
  { service, policy, full },
) => (
  <RuleTable
    class="routes"
    headings={["Server name (SNI)", "Group"]}
    empty="No routes: every connection goes to the enabled group."
    full={full}
    rows={policy.routes.map((route) => ({
      data: { "data-route": route.sni, "data-group": route.group },
      cells: (
        <>
          <td class="mono">{visible(route.sni)}</td>
          <td>{visible(route.group)}</td>
        </>
      ),
      remove: {
        call: "delRoute",
        context: { service, sni: route.sni },
        confirm: `Remove the route ${visible(route.sni)}?`,
      },
    }))}
  />
);

/** The forms that add a rule, add a route, and set the client limits. */
const PolicyForms: FC<{ service: ServiceStatus; policy: PolicyStatus }> = (
  { service, policy },
) => {
  const context = { service: service.name };
  return (
    <>
      <PostForm call="addAcl" context={context} class="inline add-host">
        <label class="field">
          <span>Action</span>
          <select name="action">
            <option value="allow">allow</option>
            <option value="deny">deny</option>
          </select>
        </label>
        <Field label="Source (address or CIDR)" name="src" placeholder="10.0.0.0/8" size={18} />
        <PositionSelect labels={policy.acl.map((r) => `${r.action} ${visible(r.src)}`)} />
        <Submit label="Add rule" />
      </PostForm>
      <PostForm call="addRoute" context={context} class="inline add-host">
        <Field label="Server name (SNI)" name="sni" placeholder="*.example.com" size={20} />
        <label class="field">
          <span>Group</span>
          <select name="group">
            {service.groups.map((g) => <option value={g.name}>{visible(g.name)}</option>)}
          </select>
        </label>
        <PositionSelect labels={policy.routes.map((r) => visible(r.sni))} />
        <Submit label="Add route" />
      </PostForm>
      <PostForm call="changeService" context={context} class="inline add-host">
        <Field
          optional
          label="client-maxconn (off = none)"
          name="clientMaxconn"
          placeholder={String(policy.clientMaxconn ?? "off")}
          size={6}
        />
        <Field
          optional
          label="client-rate (N/SECONDS, off)"
          name="clientRate"
          placeholder={policy.clientRate ?? "off"}
          size={8}
        />
        <Field
          optional
          label="sni-timeout (s, default)"
          name="sniTimeout"
          placeholder={String(policy.sniTimeoutMs / 1000)}
          size={5}
        />
        <Submit label="Set client limits" />
      </PostForm>
    </>
  );
};

/** The policy card of one service (its own page only). */
export const PolicyCard: FC<{ service: ServiceStatus; full: boolean }> = ({ service, full }) => {
  const policy = service.policy;
  if (!policy) return null;
  return (
    <article class="card policy" data-policy={service.name}>
      <header class="group-head">
        <h3>Traffic policy</h3>
        <PolicyFacts policy={policy} />
      </header>
      <h4>Allow / deny by source address (first match wins)</h4>
      <AclTable service={service.name} policy={policy} full={full} />
      <h4>SNI routes (first match wins)</h4>
      <RouteTable service={service.name} policy={policy} full={full} />
      {full && <PolicyForms service={service} policy={policy} />}
    </article>
  );
};
