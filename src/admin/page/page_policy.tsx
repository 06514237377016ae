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
import type { FC } from "hono/jsx";
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

/** A text input that may stay empty (an empty form field counts as absent). */
const OptionalField: FC<{ label: string; name: string; placeholder: string; size: number }> = (
  { label, name, placeholder, size },
) => (
  <label class="field">
    <span>{label}</span>
    <input
      type="text"
      name={name}
      placeholder={placeholder}
      size={size}
      autocomplete="off"
      spellcheck={false}
      autocapitalize="off"
    />
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

const AclTable: FC<{ service: string; policy: PolicyStatus; full: boolean }> = (
  { service, policy, full },
) => (
  <div class="table-wrap">
    <table class="acl">
      <thead>
        <tr>
          <th scope="col" class="num">#</th>
          <th scope="col">Action</th>
          <th scope="col">Source</th>
          {full && <th scope="col" class="actions-col">Actions</th>}
        </tr>
      </thead>
      <tbody>
        {policy.acl.length === 0 && (
          <tr>
            <td class="empty" colspan={full ? 4 : 3}>
              No rules: every client is allowed.
            </td>
          </tr>
        )}
        {policy.acl.map((rule, i) => (
          <tr data-acl={rule.src} data-action={rule.action}>
            <td class="num">{i + 1}</td>
            <td>{rule.action}</td>
            <td class="mono">{visible(rule.src)}</td>
            {full && (
              <td class="actions-col">
                <PostForm call="delAcl" context={{ service, src: rule.src }}>
                  <Submit
                    label="Remove"
                    small
                    confirm={`Remove the rule ${rule.action} ${visible(rule.src)}?`}
                  />
                </PostForm>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  </div>
);

const RouteTable: FC<{ service: string; policy: PolicyStatus; full: boolean }> = (
  { service, policy, full },
) => (
  <div class="table-wrap">
    <table class="routes">
      <thead>
        <tr>
          <th scope="col" class="num">#</th>
          <th scope="col">Server name (SNI)</th>
          <th scope="col">Group</th>
          {full && <th scope="col" class="actions-col">Actions</th>}
        </tr>
      </thead>
      <tbody>
        {policy.routes.length === 0 && (
          <tr>
            <td class="empty" colspan={full ? 4 : 3}>
              No routes: every connection goes to the enabled group.
            </td>
          </tr>
        )}
        {policy.routes.map((route, i) => (
          <tr data-route={route.sni} data-group={route.group}>
            <td class="num">{i + 1}</td>
            <td class="mono">{visible(route.sni)}</td>
            <td>{visible(route.group)}</td>
            {full && (
              <td class="actions-col">
                <PostForm call="delRoute" context={{ service, sni: route.sni }}>
                  <Submit
                    label="Remove"
                    small
                    confirm={`Remove the route ${visible(route.sni)}?`}
                  />
                </PostForm>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  </div>
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
        <OptionalField
          label="client-maxconn (off = none)"
          name="clientMaxconn"
          placeholder={String(policy.clientMaxconn ?? "off")}
          size={6}
        />
        <OptionalField
          label="client-rate (N/SECONDS, off)"
          name="clientRate"
          placeholder={policy.clientRate ?? "off"}
          size={8}
        />
        <OptionalField
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
