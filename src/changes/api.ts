/**
 * The change API: every change call by name, one way in for every client —
 * the admin's URLs, forms and JSON API, `director diff --apply` (through
 * the admin), and the cluster watcher — so a change is validated, applied
 * and logged the same way whoever asks.
 *
 * A call validates everything first and returns what to change
 * (`context.ts`); `run` then commits it through the {@linkcode Committer}:
 * locally (bind new addresses, then apply the edits in every thread at
 * once), or through etcd when this node is part of a cluster. A refused
 * call throws {@linkcode ChangeError} and has changed nothing.
 *
 * @module
 */
import { dnsCalls } from "./calls_dns.ts";
import { hostCalls } from "./calls_hosts.ts";
import { groupCalls } from "./calls_groups.ts";
import { policyCalls } from "./calls_policy.ts";
import { processCalls } from "./calls_process.ts";
import { serviceCalls } from "./calls_services.ts";
import { slowStartCalls } from "./calls_slowstart.ts";
import { userCalls } from "./calls_users.ts";
import type { Change, ChangeCall, ChangeTarget } from "./context.ts";
import { ChangeError, StaleChangeError } from "./errors.ts";

const changesSomething = (change: Change) => !!(change.edits?.length || change.settings);

/** Every change call by its URL name. */
export const CALLS: Readonly<Record<string, ChangeCall>> = {
  ...hostCalls,
  ...groupCalls,
  ...serviceCalls,
  ...policyCalls,
  ...userCalls,
  ...processCalls,
  ...slowStartCalls,
  ...dnsCalls,
};

/** Commits a config call's change (see the module doc). */
export interface Committer {
  commit(change: Change): Promise<void>;
}

/** Characters XML 1.0 cannot hold even as references: a name with one could never be saved. */
const NOT_IN_XML =
  // deno-lint-ignore no-control-regex -- control characters are exactly what is refused
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Parameters for the audit line; a password hash is not worth logging. */
function auditFields(params: ReadonlyMap<string, string>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key === "password") fields[key] = "(hash)";
    else if (/^[a-z]+$/i.test(key) && key !== "user" && key !== "action") fields[key] = value;
  }
  return fields;
}

export class ChangeApi {
  readonly #target: ChangeTarget;
  readonly #committer: Committer;

  constructor(target: ChangeTarget, committer: Committer) {
    this.#target = target;
    this.#committer = committer;
  }

  /** The call named `name` (own names only: "constructor" is not a call). */
  static call(name: string): ChangeCall | undefined {
    return Object.hasOwn(CALLS, name) ? CALLS[name] : undefined;
  }

  static get names(): string[] {
    return Object.keys(CALLS);
  }

  /** Run call `name` as `user`; resolves its message, or throws ChangeError. */
  async run(name: string, params: ReadonlyMap<string, string>, user: string): Promise<string> {
    const call = ChangeApi.call(name);
    if (!call) throw new ChangeError(404, `no change call "${name}"`);
    for (const [key, value] of params) {
      const bad = NOT_IN_XML.exec(value);
      if (bad) {
        const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
        throw new ChangeError(
          400,
          `parameter "${key}" holds U+${code}, which a config file cannot hold`,
        );
      }
    }
    const context = { target: this.#target, params: (k: string) => params.get(k), user };
    let change = await call.run(context);
    if (call.scope === "config" && changesSomething(change)) {
      try {
        await this.#committer.commit(change);
      } catch (error) {
        if (!(error instanceof StaleChangeError)) throw error;
        // Another node's change won: validate and make this one again on top of it, once.
        change = await call.run(context);
        if (changesSomething(change)) await this.#committer.commit(change);
      }
    }
    this.#target.log.info("admin_change", { user, action: name, ...auditFields(params) });
    return change.message;
  }
}
