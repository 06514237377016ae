/**
 * A cluster node: the shared configuration lives in etcd under
 * `PREFIX config`, and this node runs it (see docs/fleet.md).
 *
 * - Start ({@linkcode ClusterNode.join}, `cluster_start.ts`): the key's
 *   document, seeded once from a local file if absent.
 * - Running: a watch on the key applies every new revision as a reload
 *   does — only the difference, held connections untouched. An invalid
 *   document changes nothing and is logged (`event=cluster_config_invalid`).
 * - Changes: a config call's edits are applied to the running config, and
 *   the result written with a transaction comparing the key's
 *   `mod_revision`. The call answers once this node applied the revision
 *   it wrote. A node that loses the race catches up with the winner and
 *   the change layer makes its change once more on top (then 409).
 * - etcd unreachable: balancing goes on with the last configuration;
 *   changes answer 503; the watch reconnects with bounded backoff and
 *   resumes from the revision after the last one it delivered, so the node
 *   catches up — or, if that revision was compacted, re-reads the key.
 *
 * @module
 */
import type { Change } from "../changes/context.ts";
import { ChangeError, StaleChangeError } from "../changes/errors.ts";
import { type Plan, planChangesSliced } from "../changes/plan.ts";
import { EtcdClient, EtcdUnavailableError } from "../cluster/etcd_client.ts";
import type { ClusterConfig, DirectorConfig, LoadedConfig } from "../config/model.ts";
import { errorMessage, type Logger } from "../log.ts";
import { nodeConfig, parseShared, sharedXml } from "./cluster_doc.ts";
import { sharedXmlAfter } from "./cluster_edits.ts";
import { KeyFollower } from "./cluster_follow.ts";
import { type ClusterStatus, type NodeRecord, NodeRegistry } from "./cluster_registry.ts";

export type { ClusterStatus };
import { readAtStart } from "./cluster_start.ts";

/** What the cluster needs from the control plane it feeds. */
export interface ClusterHost {
  runningConfig(): DirectorConfig;
  applyReload(plan: Plan, loaded: LoadedConfig): Promise<void>;
  countReload(ok: boolean): void;
  readonly openConnections: number;
}

/** How applying one document went: applied, refused (why), or already there. */
type Outcome = { applied: true; changes: number } | { applied: false; reason: string } | undefined;

const REQUEST_TIMEOUT_MS = 2000;

export class ClusterNode {
  readonly #etcd: EtcdClient;
  readonly #cluster: ClusterConfig;
  readonly #key: string;
  readonly #log: Logger;
  readonly #version: string;
  readonly #startedAt = new Date().toISOString();
  #admin: string | undefined;
  #host: ClusterHost | undefined;
  readonly #follower: KeyFollower;
  #registry: NodeRegistry;
  /** The key's highest mod revision processed (valid or not): what a write compares with. */
  #seen: number;
  /** The mod revision of the document this node runs. */
  #applied: number;
  #watchFrom: number;
  #inStep = true;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    etcd: EtcdClient,
    cluster: ClusterConfig,
    log: Logger,
    version: string,
    at: { modRevision: number; revision: number },
  ) {
    this.#etcd = etcd;
    this.#cluster = cluster;
    this.#key = `${cluster.prefix}config`;
    this.#log = log;
    this.#version = version;
    this.#seen = this.#applied = at.modRevision;
    this.#watchFrom = at.revision + 1;
    this.#follower = new KeyFollower(etcd, this.#key, log, (xml, rev) => this.#apply(xml, rev));
    this.#registry = new NodeRegistry(etcd, `${cluster.prefix}nodes/`, () => this.#record(), log);
  }

  /** Read (or seed) the shared configuration; resolves the node and the config to start with. */
  static async join(
    local: LoadedConfig,
    log: Logger,
    version: string,
  ): Promise<{ node: ClusterNode; loaded: LoadedConfig }> {
    const cluster = local.config.cluster!;
    const etcd = new EtcdClient({
      endpoints: cluster.endpoints,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });
    const start = await readAtStart(etcd, `${cluster.prefix}config`, local, log);
    const node = new ClusterNode(etcd, cluster, log, version, start);
    const admin = local.config.admin;
    if (admin) node.#admin = `${admin.secure ? "https" : "http"}://${admin.listen.spec}`;
    return { node, loaded: nodeConfig(local.config, start.shared) };
  }

  /** Start following etcd for `host` (once its listeners are bound). */
  attach(host: ClusterHost): void {
    this.#host = host;
    this.#follower.start(this.#watchFrom);
    this.#registry.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.#follower.stop(), this.#registry.stop()]);
  }

  // ---- changes ----

  /**
   * Write the change's result to etcd, then apply it here (see the module
   * doc). One at a time with the revisions being applied: the running
   * config it builds on and the revision it compares with must match.
   */
  commit(change: Change): Promise<void> {
    return this.#serial(() => this.#commitNow(change));
  }

  async #commitNow(change: Change): Promise<void> {
    const xml = sharedXmlAfter(this.#host!.runningConfig(), change);
    const base = this.#seen;
    let put;
    try {
      put = await this.#etcd.putIf(this.#key, xml, { modRevision: base });
    } catch (error) {
      throw this.#refusal(error);
    }
    if (put.succeeded) {
      const outcome = await this.#applyNow(xml, put.revision);
      if (outcome && !outcome.applied) {
        throw new ChangeError(500, `Cannot apply revision ${put.revision} here: ${outcome.reason}`);
      }
      return;
    }
    // Lost the race: run what the winner wrote, then the change layer tries once more.
    const current = put.current;
    this.#log.info("cluster_write_conflict", {
      key: this.#key,
      base,
      revision: current?.modRevision,
    });
    if (current) await this.#applyNow(current.value, current.modRevision);
    throw new StaleChangeError(
      "Cannot change the cluster configuration: another change was written first " +
        `(revision ${current?.modRevision ?? "?"}); nothing changed, try again`,
    );
  }

  /** `save`: the running shared configuration to etcd (normally already there). */
  save(): Promise<string> {
    return this.#serial(() => this.#saveNow());
  }

  async #saveNow(): Promise<string> {
    const xml = sharedXml(this.#host!.runningConfig());
    try {
      const put = await this.#etcd.putIf(this.#key, xml, { modRevision: this.#seen });
      if (!put.succeeded) {
        throw new ChangeError(409, "Cannot save: the cluster configuration changed meanwhile");
      }
      await this.#applyNow(xml, put.revision);
      return `saved the running config to etcd ${this.#key} (revision ${put.revision})`;
    } catch (error) {
      throw error instanceof ChangeError ? error : this.#refusal(error, "save");
    }
  }

  /** `reload` (and SIGHUP): re-read the key and apply it if it is newer. */
  async reload(): Promise<string> {
    let current;
    try {
      current = await this.#etcd.get(this.#key);
    } catch (error) {
      throw this.#refusal(error, "reload");
    }
    if (current.value === undefined) {
      throw new ChangeError(409, `Cannot reload: etcd has no ${this.#key}; nothing changed`);
    }
    const outcome = await this.#apply(current.value, current.modRevision);
    if (!outcome) return `revision ${current.modRevision} of ${this.#key} is already applied`;
    if (!outcome.applied) {
      throw new ChangeError(400, `reload refused, nothing changed: ${outcome.reason}`);
    }
    return `reloaded ${this.#key} revision ${current.modRevision}: ${outcome.changes} change(s)`;
  }

  #refusal(error: unknown, what = "change the cluster configuration"): ChangeError {
    if (error instanceof EtcdUnavailableError) {
      this.#follower.setReachable(false, error.message);
      return new ChangeError(
        503,
        `Cannot ${what}: etcd unreachable at ${this.#cluster.endpoints.join(", ")}`,
      );
    }
    return new ChangeError(500, `Cannot ${what}: ${errorMessage(error)}`);
  }

  // ---- applying revisions ----

  /** Apply one revision of the document, in revision order, one at a time. */
  #apply(xml: string, revision: number): Promise<Outcome> {
    return this.#serial(() => this.#applyNow(xml, revision));
  }

  /** Run `task` after every task queued before it (applying revisions, writing changes). */
  #serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(task);
    this.#queue = next.catch(() => {});
    return next;
  }

  async #applyNow(xml: string, revision: number): Promise<Outcome> {
    if (revision <= this.#seen && revision <= this.#applied) return undefined;
    this.#seen = Math.max(this.#seen, revision);
    const host = this.#host!;
    const running = host.runningConfig();
    let loaded: LoadedConfig;
    try {
      loaded = nodeConfig(running, parseShared(xml, `etcd:${this.#key}@${revision}`));
    } catch (error) {
      // Every node refuses it alike: the fleet keeps running the last valid revision.
      const reason = errorMessage(error);
      this.#log.error("cluster_config_invalid", { key: this.#key, revision, reason });
      return this.#refused(reason);
    }
    const plan = await planChangesSliced(running, loaded.config);
    try {
      await host.applyReload(plan, loaded);
    } catch (error) {
      // Valid, but not here (a port busy on this node): out of step until a revision applies.
      this.#inStep = false;
      const reason = errorMessage(error);
      this.#log.error("cluster_apply_failed", { key: this.#key, revision, reason });
      return this.#refused(reason);
    }
    [this.#applied, this.#inStep] = [revision, true];
    host.countReload(true);
    for (const w of loaded.warnings) this.#log.warn("config_warning", { message: w.message });
    const changes = plan.edits.length + Object.keys(plan.settings).length;
    this.#log.info("cluster_applied", { key: this.#key, revision, changes });
    return { applied: true, changes };
  }

  /** A revision not applied (already logged): counted as a failed reload. */
  #refused(reason: string): Outcome {
    this.#host!.countReload(false);
    return { applied: false, reason };
  }

  /** False while the fleet's latest valid revision could not be applied here (`/healthz`). */
  get inStep(): boolean {
    return this.#inStep;
  }

  // ---- status ----

  #record(): NodeRecord {
    return {
      node: this.#cluster.node,
      version: this.#version,
      appliedRevision: this.#applied,
      openConnections: this.#host?.openConnections ?? 0,
      startedAt: this.#startedAt,
      admin: this.#admin,
    };
  }

  async status(): Promise<ClusterStatus> {
    const status: ClusterStatus = {
      node: this.#cluster.node,
      key: this.#key,
      etcd: this.#cluster.endpoints,
      reachable: this.#follower.reachable,
      revision: this.#seen,
      appliedRevision: this.#applied,
    };
    try {
      status.nodes = await this.#registry.list();
    } catch (error) {
      if (error instanceof EtcdUnavailableError) this.#follower.setReachable(false, error.message);
      status.error = `Cannot list the cluster's nodes: ${errorMessage(error)}`;
      status.lastKnown = this.#registry.lastKnown;
    }
    return status;
  }
}
