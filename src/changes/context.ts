/**
 * What a change call sees and returns.
 *
 * A call reads the running state through {@linkcode ChangeTarget} — the
 * model (read-only for config calls), the process settings — and answers
 * with a {@linkcode Change}: the edits to the model and the settings to
 * change. It changes nothing itself; the change layer commits what it
 * returns (everywhere at once, or through etcd in a cluster). Calls on
 * this node's own state (a host's health, admin-down, users, logs) act
 * directly and return no edits.
 *
 * @module
 */
import type { Balancer } from "../balancer/balancer.ts";
import type { Edit } from "../balancer/edits.ts";
import type { AdminUser, Endpoint, TimeoutsConfig } from "../config/model.ts";
import type { Logger } from "../log.ts";
import type { Params } from "./params.ts";

/** Settings of the whole configuration that are not part of the model. */
export interface SharedSettings {
  checktimeSeconds: number;
  timeouts: TimeoutsConfig;
}

/** What a config call asks to change; the change layer commits it. */
export interface Change {
  /** The success message. */
  message: string;
  edits?: Edit[];
  settings?: Partial<SharedSettings>;
}

/** The running state, as change calls see it. */
export interface ChangeTarget {
  readonly model: Balancer;
  readonly log: Logger;
  /** The shared settings now. */
  settings(): SharedSettings;
  /** The connection limit of services without `maxconn`. */
  readonly defaultMaxconn: number;
  /** The admin's address; undefined without an admin server. */
  readonly adminListen: Endpoint | undefined;
  /** The admin users (a copy); undefined without an `<admin>` block. */
  users(): AdminUser[] | undefined;
  setUsers(users: AdminUser[]): void;
  /** Re-open every log file (the event log and the access logs, in every thread). */
  reopenLogs(): string;
  /** Write the running configuration where it is kept; returns the message. */
  save(): string | Promise<string>;
  /** Re-read the configuration and apply the difference; returns the message. */
  reload(): Promise<string>;
  /** Terminate worker thread `index` and start a new one; returns the message. */
  restartWorker(index: number): Promise<string>;
}

export interface CallContext {
  target: ChangeTarget;
  params: Params;
  /** Who asks: a user name, or "reload" for changes a reload applies. */
  user: string;
}

/**
 * A change call. `config` calls change the configuration (what `save`
 * writes, what a cluster shares) and return edits; `node` calls act on
 * this node's own state and return only a message.
 */
export interface ChangeCall {
  readonly scope: "config" | "node";
  run(ctx: CallContext): Change | Promise<Change>;
}

/** A config call. */
export const config = (run: ChangeCall["run"]): ChangeCall => ({ scope: "config", run });
/** A call on this node's own state. */
export const node = (run: ChangeCall["run"]): ChangeCall => ({ scope: "node", run });
