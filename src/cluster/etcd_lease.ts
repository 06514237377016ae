/**
 * etcd leases: grant, one renewal, revoke, and a keeper that holds a lease
 * for as long as it runs.
 *
 * Lease IDs are int64 and are kept as the decimal strings the gateway
 * sends: as numbers they would lose precision above 2^53.
 *
 * The keeper renews every TTL/3, so two renewals may fail in a row before
 * the lease expires. A renewal that fails on the network is simply tried
 * again at the next tick; a renewal etcd answers with TTL 0 (the lease
 * expired or was revoked) makes the keeper grant a new lease and tell its
 * owner, who must attach its keys to the new one.
 *
 * @module
 */
import { EtcdRequestError, type EtcdTransport, GrpcCode, int } from "./etcd_transport.ts";

export async function grantLease(transport: EtcdTransport, ttlSeconds: number) {
  const answer = await transport.call<{ ID?: string; TTL?: string }>(
    "/v3/lease/grant",
    { TTL: String(ttlSeconds) },
  );
  if (!answer.ID) throw new Error("Cannot grant lease: etcd's answer has no ID");
  return { id: answer.ID, ttlSeconds: int(answer.TTL) };
}

/** Renew lease `id` once; returns the TTL left, 0 if the lease no longer exists. */
export async function renewLease(transport: EtcdTransport, id: string): Promise<number> {
  // A streaming call on gRPC; through the gateway one request gets one answer.
  try {
    const answer = await transport.call<{ result?: { TTL?: string } }>(
      "/v3/lease/keepalive",
      { ID: id },
    );
    return int(answer.result?.TTL);
  } catch (error) {
    if (error instanceof EtcdRequestError && error.code === GrpcCode.NOT_FOUND) return 0;
    throw error;
  }
}

/** Revoke lease `id` (deleting its keys); a lease that is already gone counts as revoked. */
export async function revokeLease(transport: EtcdTransport, id: string): Promise<void> {
  try {
    await transport.call("/v3/lease/revoke", { ID: id });
  } catch (error) {
    if (error instanceof EtcdRequestError && error.code === GrpcCode.NOT_FOUND) return;
    throw error;
  }
}

/** Called when the kept lease was lost and replaced: re-attach keys to `newId`. */
export type OnLeaseLost = (lostId: string, newId: string) => void;

export class LeaseKeeper {
  #id: string;
  #lost = false;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #tick: Promise<void> = Promise.resolve();
  readonly #transport: EtcdTransport;
  /** What was asked for (used to replace a lost lease), and what etcd granted. */
  readonly #askedTtl: number;
  #ttlSeconds: number;
  readonly #onLost: OnLeaseLost;

  private constructor(
    transport: EtcdTransport,
    askedTtl: number,
    lease: LeaseGrant,
    onLost: OnLeaseLost,
  ) {
    this.#transport = transport;
    this.#askedTtl = askedTtl;
    this.#id = lease.id;
    this.#ttlSeconds = lease.ttlSeconds;
    this.#onLost = onLost;
    this.#schedule();
  }

  /** Grant a lease of `ttlSeconds` and keep it alive until `stop()`. */
  static async start(transport: EtcdTransport, ttlSeconds: number, onLost: OnLeaseLost) {
    return new LeaseKeeper(transport, ttlSeconds, await grantLease(transport, ttlSeconds), onLost);
  }

  /** The lease to attach keys to (changes when a lost lease is replaced). */
  get id(): string {
    return this.#id;
  }

  /**
   * Stop renewing and revoke the lease, which deletes its keys at once.
   * Rejects with `EtcdUnavailableError` if etcd cannot be reached; the
   * lease then ends by itself when its TTL runs out.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tick;
    if (!this.#lost) await revokeLease(this.#transport, this.#id);
  }

  #schedule() {
    if (this.#stopped) return;
    // etcd may grant more than asked (its minimum TTL); renew by what it granted.
    const interval = Math.max(100, (this.#ttlSeconds * 1000) / 3);
    this.#timer = setTimeout(() => {
      this.#tick = this.#renewOrReplace().finally(() => this.#schedule());
    }, interval);
  }

  async #renewOrReplace(): Promise<void> {
    try {
      if (!this.#lost) this.#lost = (await renewLease(this.#transport, this.#id)) === 0;
      if (this.#lost && !this.#stopped) await this.#replace();
    } catch {
      // etcd unreachable: try again at the next tick; the lease may well survive.
    }
  }

  async #replace(): Promise<void> {
    const lostId = this.#id;
    const lease = await grantLease(this.#transport, this.#askedTtl);
    if (this.#stopped) {
      await revokeLease(this.#transport, lease.id);
      return;
    }
    this.#id = lease.id;
    this.#ttlSeconds = lease.ttlSeconds;
    this.#lost = false;
    try {
      this.#onLost(lostId, lease.id);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

type LeaseGrant = Awaited<ReturnType<typeof grantLease>>;
