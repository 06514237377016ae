/**
 * Following the shared configuration's key in etcd: a watch that hands
 * every new revision to the node, reconnects by itself (with bounded
 * backoff, resuming from the revision after the last one delivered), and
 * — when etcd compacted that revision while the node was cut off —
 * re-reads the key and watches again from there. It also keeps track of
 * whether etcd answers, logged once per change (`event=cluster_unreachable`,
 * `event=cluster_connected`).
 *
 * @module
 */
import type { EtcdClient, EtcdWatch } from "../cluster/etcd_client.ts";
import { backoffDelay } from "../cluster/etcd_watch.ts";
import { errorMessage, type Logger } from "../log.ts";

/** Apply one revision of the document (in order; older ones are skipped by the node). */
export type ApplyRevision = (xml: string, revision: number) => Promise<unknown>;

export class KeyFollower {
  #watch: EtcdWatch | undefined;
  #reachable = true;
  #stopped = false;

  constructor(
    private etcd: EtcdClient,
    private key: string,
    private log: Logger,
    private apply: ApplyRevision,
  ) {}

  /** Whether etcd answered last time it was asked. */
  get reachable(): boolean {
    return this.#reachable;
  }

  /** Watch from `revision` on. */
  start(revision: number): void {
    if (this.#stopped) return;
    const key = this.key;
    this.#watch = this.etcd.watch(key, { fromRevision: revision }, {
      onEvents: (events) => {
        for (const event of events) {
          if (event.type === "put") void this.apply(event.value ?? "", event.modRevision);
          else this.log.warn("cluster_config_deleted", { key, revision: event.modRevision });
        }
      },
      onCompacted: (compacted) => {
        this.log.warn("cluster_watch_compacted", { key, compacted });
        void this.#resync();
      },
      onState: (state, reason) => this.setReachable(state === "connected", reason),
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#watch?.stop();
  }

  setReachable(reachable: boolean, reason?: string): void {
    if (reachable === this.#reachable) return;
    this.#reachable = reachable;
    const etcd = this.etcd.endpoints.join(",");
    if (reachable) this.log.info("cluster_connected", { etcd });
    else this.log.warn("cluster_unreachable", { etcd, reason });
  }

  /** The watch lost its revision to compaction: re-read the key, then watch again from there. */
  async #resync(): Promise<void> {
    for (let attempt = 0; !this.#stopped; attempt++) {
      try {
        const current = await this.etcd.get(this.key);
        if (current.value !== undefined) await this.apply(current.value, current.modRevision);
        return this.start(current.revision + 1);
      } catch (error) {
        this.setReachable(false, errorMessage(error));
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt)));
      }
    }
  }
}
