/**
 * What a scheduler may know of a client while choosing its host: the time
 * of the pick, and the client's address, read from the socket only if
 * someone asks (a scheduler, a log line) and then kept.
 *
 * @module
 */
import type { Conn, NetAddr } from "../runtime/types.ts";
import type { PickContext } from "../schedulers/types.ts";

/**
 * The pick context of a client: its address is read only if someone asks
 * (a scheduler, a log line), and then kept — a closed socket may no longer
 * know it.
 */
export class ClientContext implements PickContext {
  readonly now: number;
  #conn: Conn;
  source: NetAddr | undefined;

  constructor(conn: Conn, now: number) {
    this.#conn = conn;
    this.now = now;
  }

  get clientAddress(): string {
    return this.address.hostname;
  }

  get address(): NetAddr {
    return this.source ??= this.#conn.remoteAddr;
  }
}
