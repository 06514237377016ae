/**
 * The traffic policy of one service, in every thread's copy of the model:
 * its access list, SNI routes, per-client limits and SNI timeout. Changed
 * only by the `setPolicy` edit (`policy/edits.ts`), which replaces what it
 * names as a whole — a list is validated and compiled once, in the main
 * thread first, then in each worker thread from the same data.
 *
 * @module
 */
import { DEFAULTS } from "../config/defaults.ts";
import type { AclRule, ClientRate, RouteConfig, ServiceConfig } from "../config/model.ts";
import { AccessList, RouteTable } from "./rules.ts";

/** What a `setPolicy` edit changes; `null` unsets (back to the default), absent keeps. */
export interface PolicySettings {
  acl?: AclRule[];
  routes?: RouteConfig[];
  clientMaxconn?: number | null;
  clientRate?: ClientRate | null;
  sniTimeoutMs?: number | null;
}

const EMPTY_ACL = new AccessList([]);
const NO_ROUTES = new RouteTable([]);

export class ServicePolicy {
  acl: AccessList;
  routes: RouteTable;
  clientMaxconn: number | undefined;
  clientRate: ClientRate | undefined;
  /** Undefined: the default (`DEFAULTS.sniTimeoutMs`). */
  sniTimeoutMs: number | undefined;

  constructor(config: ServiceConfig) {
    this.acl = config.acl?.length ? new AccessList(config.acl) : EMPTY_ACL;
    this.routes = config.routes?.length ? new RouteTable(config.routes) : NO_ROUTES;
    this.clientMaxconn = config.clientMaxconn;
    this.clientRate = config.clientRate && { ...config.clientRate };
    this.sniTimeoutMs = config.sniTimeoutMs;
  }

  /** Must a new client's address be checked (an access list or a limit is set)? */
  get admits(): boolean {
    return !this.acl.empty || this.limitsClients;
  }

  /** Does a connection need the per-client table (a limit is set)? */
  get limitsClients(): boolean {
    return this.clientMaxconn !== undefined || this.clientRate !== undefined;
  }

  get sniTimeout(): number {
    return this.sniTimeoutMs ?? DEFAULTS.sniTimeoutMs;
  }

  /** Apply a validated `setPolicy` edit. */
  apply(set: PolicySettings): void {
    if (set.acl) this.acl = set.acl.length ? new AccessList(set.acl) : EMPTY_ACL;
    if (set.routes) this.routes = set.routes.length ? new RouteTable(set.routes) : NO_ROUTES;
    if ("clientMaxconn" in set) this.clientMaxconn = set.clientMaxconn ?? undefined;
    if ("clientRate" in set) this.clientRate = set.clientRate ?? undefined;
    if ("sniTimeoutMs" in set) this.sniTimeoutMs = set.sniTimeoutMs ?? undefined;
  }

  /** The policy's part of the service's config (only what is set). */
  toConfig(): Partial<ServiceConfig> {
    return {
      ...(this.acl.empty ? {} : { acl: this.acl.rules.map((r) => ({ ...r })) }),
      ...(this.clientMaxconn === undefined ? {} : { clientMaxconn: this.clientMaxconn }),
      ...(this.clientRate === undefined ? {} : { clientRate: { ...this.clientRate } }),
      ...(this.routes.empty ? {} : { routes: this.routes.routes.map((r) => ({ ...r })) }),
      ...(this.sniTimeoutMs === undefined ? {} : { sniTimeoutMs: this.sniTimeoutMs }),
    };
  }
}
