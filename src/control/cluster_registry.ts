/**
 * The fleet's node registry: each node keeps `PREFIX nodes/NAME` in etcd,
 * attached to a lease it renews, holding what `/api/v1/cluster` shows —
 * version, applied revision, open connections, start time. A node that
 * dies stops renewing, and etcd deletes its key when the lease runs out;
 * one that stops cleanly revokes its lease, and is gone at once.
 *
 * etcd being unreachable is not an error here: the record is written
 * again on the next tick once it answers, under a new lease if the old
 * one expired meanwhile.
 *
 * @module
 */
import type { EtcdClient, LeaseKeeper } from "../cluster/etcd_client.ts";
import { errorMessage, type Logger } from "../log.ts";

/** What one node publishes about itself. */
export interface NodeRecord {
  node: string;
  version: string;
  /** The mod revision of the shared configuration this node runs. */
  appliedRevision: number;
  openConnections: number;
  startedAt: string;
  /** The node's admin server, `http(s)://HOST:PORT` as its `<admin listen>` says (absent: none). */
  admin?: string;
}

/** The last list etcd answered, and when (shown while etcd cannot be asked). */
export interface KnownNodes {
  nodes: NodeRecord[];
  at: string;
}

/** What `/api/v1/cluster` shows. */
export interface ClusterStatus {
  node: string;
  key: string;
  etcd: readonly string[];
  reachable: boolean;
  /** The key's mod revision as last seen, and the one this node runs. */
  revision: number;
  appliedRevision: number;
  /** Every live node; undefined (with `error`) when etcd cannot be asked. */
  nodes?: NodeRecord[];
  error?: string;
  /** With `error`: the last list this node got, if any. */
  lastKnown?: KnownNodes;
}

/** Seconds a dead node stays listed; renewed every third of it. */
export const NODE_LEASE_TTL_S = 5;
/** How often the record is refreshed (when it changed), and a lost lease re-granted. */
const PUBLISH_EVERY_MS = 1000;
/**
 * Every so many ticks the record is written even if unchanged: a replaced
 * instance of the same node (`--replace`) revoking its own lease may have
 * taken the key with it.
 */
const REWRITE_EVERY_TICKS = 5;
/** A clean stop gives up revoking after this long (the lease then expires by itself). */
const STOP_WAIT_MS = 2000;

export class NodeRegistry {
  #keeper: LeaseKeeper | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #published = "";
  #busy = false;
  #ticks = 0;
  #stopped = false;
  #lastKnown: KnownNodes | undefined;

  constructor(
    private etcd: EtcdClient,
    private prefix: string,
    private record: () => NodeRecord,
    private log: Logger,
  ) {}

  get key(): string {
    return `${this.prefix}${this.record().node}`;
  }

  start(): void {
    void this.#tick();
    this.#timer = setInterval(() => void this.#tick(), PUBLISH_EVERY_MS);
  }

  /** Every node whose lease is alive, by name. */
  async list(): Promise<NodeRecord[]> {
    const { entries } = await this.etcd.list(this.prefix);
    const nodes: NodeRecord[] = [];
    for (const entry of entries) {
      try {
        nodes.push(JSON.parse(entry.value) as NodeRecord);
      } catch {
        // Not written by a Director: not a node.
      }
    }
    this.#lastKnown = { nodes, at: new Date().toISOString() };
    return nodes;
  }

  /** The last list etcd answered (refreshed every few seconds by the node itself too). */
  get lastKnown(): KnownNodes | undefined {
    return this.#lastKnown;
  }

  /** Stop publishing and revoke the lease (the node leaves the list at once). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    const keeper = this.#keeper;
    if (!keeper) return;
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, STOP_WAIT_MS));
    await Promise.race([keeper.stop().catch(() => {}), timeout]);
  }

  async #tick(): Promise<void> {
    if (this.#busy || this.#stopped) return;
    this.#busy = true;
    try {
      this.#keeper ??= await this.etcd.keepLeaseAlive(NODE_LEASE_TTL_S, () => {
        this.#published = ""; // a new lease: the key went with the old one
      });
      if (this.#stopped) return void await this.#keeper.stop().catch(() => {});
      const text = JSON.stringify(this.record());
      const rewrite = ++this.#ticks % REWRITE_EVERY_TICKS === 0;
      if (text !== this.#published || rewrite) {
        await this.etcd.put(this.key, text, { lease: this.#keeper.id });
        this.#published = text;
      }
      if (rewrite) await this.list(); // what the page shows should etcd go away
    } catch (error) {
      // etcd unreachable: the cluster logs that once; try again at the next tick.
      this.log.debug("cluster_registry_retry", { reason: errorMessage(error) });
      this.#published = "";
    } finally {
      this.#busy = false;
    }
  }
}
