/**
 * A small etcd v3 client over etcd's JSON gateway, for fleet mode (Director
 * nodes sharing one configuration stored in etcd): read, write,
 * compare-and-swap, watch, and leases — plain `fetch`, so it runs the same
 * under Deno and Bun.
 *
 * ```ts
 * const etcd = new EtcdClient({ endpoints: ["http://10.0.0.1:2379", "http://10.0.0.2:2379"] });
 * const { value, modRevision, revision } = await etcd.get("/director/config");
 * const { succeeded, current } = await etcd.putIf("/director/config", xml, { modRevision });
 * const watch = etcd.watch("/director/config", { fromRevision: revision + 1 }, handlers);
 * ```
 *
 * Revisions are numbers (they stay far below 2^53); lease IDs are strings.
 * Failures are {@linkcode EtcdUnavailableError} (no endpoint answered) or
 * {@linkcode EtcdRequestError} (etcd answered with an error).
 *
 * @module
 */
import { decode, encode, EtcdTransport, int, prefixRange } from "./etcd_transport.ts";
import type { TransportOptions } from "./etcd_transport.ts";
import { EtcdWatch, type WatchHandlers, type WatchOptions } from "./etcd_watch.ts";
import {
  grantLease,
  LeaseKeeper,
  type OnLeaseLost,
  renewLease,
  revokeLease,
} from "./etcd_lease.ts";

export { EtcdRequestError, EtcdUnavailableError } from "./etcd_transport.ts";
export type { WatchEvent, WatchHandlers, WatchOptions } from "./etcd_watch.ts";
export type { EtcdWatch, LeaseKeeper, OnLeaseLost };

/** A key's state: `value` is undefined (and both revisions 0) if the key does not exist. */
export interface GetResult {
  value?: string;
  modRevision: number;
  createRevision: number;
  /** The store's revision when etcd answered: watch from `revision + 1` to miss nothing. */
  revision: number;
}

export interface ListResult {
  entries: { key: string; value: string; modRevision: number }[];
  revision: number;
}

/** Write only if the key does not exist, or only if it is still at `modRevision`. */
export type PutCondition = { absent: true } | { modRevision: number };

export interface PutIfResult {
  succeeded: boolean;
  /** After a success, the revision of the write; after a failure, the store's revision. */
  revision: number;
  /** After a failure, the key as it is now (undefined if it does not exist). */
  current?: { value: string; modRevision: number };
}

/** The parts of gateway answers the client reads (int64 as strings, zero values omitted). */
interface Header {
  header?: { revision?: string };
}
interface KeyValue {
  key?: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
}
interface RangeAnswer extends Header {
  kvs?: KeyValue[];
}
interface TxnAnswer extends Header {
  succeeded?: boolean;
  responses?: { response_range?: RangeAnswer; response_put?: Header }[];
}

export class EtcdClient {
  readonly #transport: EtcdTransport;

  constructor(options: TransportOptions) {
    this.#transport = new EtcdTransport(options);
  }

  get endpoints(): readonly string[] {
    return this.#transport.endpoints;
  }

  async get(key: string): Promise<GetResult> {
    const answer = await this.#transport.call<RangeAnswer>("/v3/kv/range", { key: encode(key) });
    const kv = answer.kvs?.[0];
    return {
      value: kv ? decode(kv.value) : undefined,
      modRevision: int(kv?.mod_revision),
      createRevision: int(kv?.create_revision),
      revision: int(answer.header?.revision),
    };
  }

  /** Every key that starts with `prefix`, in key order. */
  async list(prefix: string): Promise<ListResult> {
    const answer = await this.#transport.call<RangeAnswer>("/v3/kv/range", prefixRange(prefix));
    const entries = (answer.kvs ?? []).map((kv) => ({
      key: decode(kv.key),
      value: decode(kv.value),
      modRevision: int(kv.mod_revision),
    }));
    return { entries, revision: int(answer.header?.revision) };
  }

  /** Write `value`; with `lease`, the key is deleted when that lease ends. Returns the new revision. */
  async put(key: string, value: string, options: { lease?: string } = {}): Promise<number> {
    const answer = await this.#transport.call<Header>(
      "/v3/kv/put",
      putRequest(key, value, options),
    );
    return int(answer.header?.revision);
  }

  /** Delete `key`; returns how many keys went (0 or 1) and the store's revision. */
  async delete(key: string): Promise<{ deleted: number; revision: number }> {
    const answer = await this.#transport.call<Header & { deleted?: string }>(
      "/v3/kv/deleterange",
      { key: encode(key) },
    );
    return { deleted: int(answer.deleted), revision: int(answer.header?.revision) };
  }

  /**
   * Write `value` only if `condition` holds, in one transaction; if it does
   * not, the same transaction reads the key, so the caller has the value it
   * lost against without a second round trip.
   */
  async putIf(
    key: string,
    value: string,
    condition: PutCondition,
    options: { lease?: string } = {},
  ): Promise<PutIfResult> {
    const compare = "absent" in condition
      ? { key: encode(key), target: "CREATE", result: "EQUAL", create_revision: "0" }
      : {
        key: encode(key),
        target: "MOD",
        result: "EQUAL",
        mod_revision: String(condition.modRevision),
      };
    const answer = await this.#transport.call<TxnAnswer>("/v3/kv/txn", {
      compare: [compare],
      success: [{ request_put: putRequest(key, value, options) }],
      failure: [{ request_range: { key: encode(key) } }],
    });
    const revision = int(answer.header?.revision);
    // The gateway leaves out `succeeded` when it is false.
    if (answer.succeeded === true) return { succeeded: true, revision };
    const kv = answer.responses?.[0]?.response_range?.kvs?.[0];
    const current = kv ? { value: decode(kv.value), modRevision: int(kv.mod_revision) } : undefined;
    return { succeeded: false, revision, current };
  }

  /** Watch `key` (or a prefix) until `stop()`; see {@linkcode EtcdWatch}. */
  watch(key: string, options: WatchOptions, handlers: WatchHandlers): EtcdWatch {
    return new EtcdWatch(this.#transport, key, options, handlers);
  }

  /** Grant a lease; returns its ID (an int64, as a decimal string). */
  async grantLease(ttlSeconds: number): Promise<string> {
    return (await grantLease(this.#transport, ttlSeconds)).id;
  }

  /** Renew a lease once; returns the TTL left in seconds, 0 if the lease is gone. */
  keepAlive(id: string): Promise<number> {
    return renewLease(this.#transport, id);
  }

  revokeLease(id: string): Promise<void> {
    return revokeLease(this.#transport, id);
  }

  /**
   * Grant a lease and keep it alive (renewing every TTL/3) until the
   * keeper's `stop()`, which revokes it. If the lease is lost anyway, a new
   * one is granted and `onLost(lostId, newId)` called.
   */
  keepLeaseAlive(ttlSeconds: number, onLost: OnLeaseLost): Promise<LeaseKeeper> {
    return LeaseKeeper.start(this.#transport, ttlSeconds, onLost);
  }
}

function putRequest(key: string, value: string, options: { lease?: string }) {
  const request: Record<string, string> = { key: encode(key), value: encode(value) };
  if (options.lease) request.lease = options.lease;
  return request;
}
