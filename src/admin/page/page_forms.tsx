/** @jsxImportSource hono/jsx */
// deno-lint-ignore-file jsx-key -- server rendering needs no keys, and Hono would print them
/**
 * Form building blocks of the admin page, and its "Administration" part
 * (save, log, new service, users).
 *
 * Every change is a plain `<form method="post" action="/CALL">` whose input
 * names are pythondirector's query parameter names, so the page works with
 * JavaScript off and the same names work from curl. Context (service, group,
 * host) travels in hidden inputs. Destructive buttons carry `data-confirm`;
 * the script asks before submitting, and without it they just submit.
 *
 * @module
 */
import type { Child, FC } from "hono/jsx";
import { visible } from "./page_format.ts";
import type { StatusSnapshot } from "../views/status.ts";

/** A POST form to `/<call>` with `context` as hidden inputs. */
export const PostForm: FC<{
  call: string;
  context?: Record<string, string>;
  class?: string;
  /** Host states (space-separated) in which the form applies; it is hidden in the others. */
  when?: string;
  state?: string;
  children?: Child;
}> = ({ call, context = {}, children, when, state, ...rest }) => (
  <form
    method="post"
    action={`/${call}`}
    class={rest.class ?? "inline"}
    data-call={call}
    data-when={when}
    hidden={when !== undefined && !when.split(" ").includes(state ?? "")}
  >
    {Object.entries(context).map(([name, value]) => (
      <input type="hidden" name={name} value={value} />
    ))}
    {children}
  </form>
);

/** A labelled text input; `optional` ones may stay empty (an empty field counts as absent). */
export const Field: FC<
  { label: string; name: string; placeholder?: string; size?: number; optional?: boolean }
> = ({ label, name, placeholder, size, optional }) => (
  <label class="field">
    <span>{label}</span>
    <input
      type="text"
      name={name}
      placeholder={placeholder}
      size={size ?? 14}
      required={!optional}
      autocomplete="off"
      spellcheck={false}
      autocapitalize="off"
    />
  </label>
);

/** A form of one call with one text field (with `hosts`: and the host it is for). */
export const FieldForm: FC<{
  call: string;
  context: Record<string, string>;
  label: string;
  name: string;
  placeholder?: string;
  size?: number;
  hosts?: readonly string[];
  /** The button's label (default "Set"). */
  submit?: string;
}> = ({ call, context, hosts, submit, ...field }) => (
  <PostForm call={call} context={context}>
    {hosts && <HostSelect names={hosts} />}
    <Field {...field} />
    <Submit label={submit ?? "Set"} />
  </PostForm>
);

/** `<select name="scheduler">` over the scheduler names, `current` preselected. */
export const SchedulerSelect: FC<{ schedulers: readonly string[]; current?: string }> = (
  { schedulers, current },
) => (
  <label class="field">
    <span>Scheduler</span>
    <select name="scheduler">
      {schedulers.map((name) => <option value={name} selected={name === current}>{name}</option>)}
    </select>
  </label>
);

/** A `<select name="host">` of a group's hosts (names shown with control characters made visible). */
export const HostSelect: FC<{ names: readonly string[] }> = ({ names }) => (
  <label class="field">
    <span>Host</span>
    <select name="host">
      {names.map((name) => <option value={name}>{visible(name)}</option>)}
    </select>
  </label>
);

/** A submit button; `confirm` makes it destructive (red, asks first when scripts run). */
export const Submit: FC<{ label: string; confirm?: string; primary?: boolean; small?: boolean }> = (
  { label, confirm, primary, small },
) => {
  const classes = [primary ? "primary" : "", confirm ? "danger" : "", small ? "small" : ""];
  return (
    <button
      type="submit"
      class={classes.filter(Boolean).join(" ") || undefined}
      data-confirm={confirm}
    >
      {label}
    </button>
  );
};

/** Save, log, new service and users: only rendered for `full` users. */
export const AdminSection: FC<{ status: StatusSnapshot; self: string }> = ({ status, self }) => (
  <section class="admin" aria-labelledby="admin-title">
    <h2 id="admin-title">Administration</h2>
    <div class="card">
      <h3>Running configuration</h3>
      <div class="actions">
        <PostForm call="save">
          <Submit label="Save to config file" primary />
        </PostForm>
        <PostForm call="closeLog">
          <Submit label="Re-open log file" />
        </PostForm>
      </div>
      <p class="hint">Save writes the running configuration over the config file.</p>
    </div>
    <div class="card">
      <h3>New service</h3>
      <PostForm call="newService">
        <Field label="Service name" name="service" />
        <Field label="Listen on" name="listen" placeholder="*:8080" />
        <Submit label="Create service" />
      </PostForm>
    </div>
    <div class="card users">
      <h3>Users</h3>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Access</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {status.users.map((user) => (
              <tr data-user={user.name}>
                <td>{visible(user.name)}</td>
                <td>{user.access}</td>
                <td>
                  {user.name === self
                    ? <span class="hint">you</span>
                    : (
                      <PostForm call="delUser" context={{ name: user.name }}>
                        <Submit
                          label="Remove"
                          small
                          confirm={`Remove user ${visible(user.name)}?`}
                        />
                      </PostForm>
                    )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <PostForm call="addUser" class="inline add-host">
        <Field label="Name" name="name" size={12} />
        <Field label="Password hash" name="password" placeholder="$2b$12$…" size={30} />
        <label class="field">
          <span>Access</span>
          <select name="access">
            <option value="readonly">readonly</option>
            <option value="full">full</option>
          </select>
        </label>
        <Submit label="Add user" />
      </PostForm>
      <p class="hint">
        The password is a crypt hash, not the password itself: paste a hash from{" "}
        <code>director hash-password</code>.
      </p>
    </div>
  </section>
);
