/**
 * One client connection, from accept to close: choose a host, connect
 * (failing over transparently to the group's other hosts), relay.
 *
 * The group is fixed when the client arrives, so switching the enabled
 * group never moves a connection in progress. A host whose connect fails is
 * marked bad and the next host is tried; the client sees nothing of it while
 * any host works (`failover.ts`, which also switches to a backup group).
 * When none does, the client is closed at once.
 *
 * On `accept-proxy` listeners the client's real address is read from a
 * PROXY header first (`preamble.ts`); to `send-proxy` groups it is written
 * before any client byte.
 *
 * Cost: while connecting, the session is an async function; once relaying
 * it is this one object — the relay's hooks — and the runtime's relay, with
 * no promise, timer or closure per connection (idle timeouts use one shared
 * sweep). Per-connection counts are kept only when the access log reads them.
 *
 * @module
 */
import type { Balancer } from "../balancer/balancer.ts";
import type { Group } from "../balancer/group.ts";
import type { ListenConfig } from "../config/model.ts";
import { errorMessage, type Throttle } from "../log.ts";
import { type Admission, REFUSED } from "../policy/admission.ts";
import { Cancel } from "../runtime/cancel.ts";
import type { Conn, RelayEnd, RelayHooks, Runtime } from "../runtime/types.ts";
import type { AccessRecord } from "./access_log.ts";
import { ClientContext } from "./client_context.ts";
import { type Connected, connectWithFailover } from "./failover.ts";
import type { IdleEntry, IdleSweeper } from "./idle.ts";
import type { Lease } from "./lease.ts";
import { readPreamble } from "./preamble.ts";
import { prereadClientHello } from "./sni_preread.ts";
import { encodeProxyHeader } from "./proxy_protocol.ts";

/** Most bytes a client may send ahead while no backend is connected (then reading pauses). */
export const EARLY_DATA_LIMIT = 64 * 1024;

export interface SessionDeps {
  runtime: Runtime;
  balancer: Balancer;
  /** Called once per finished connection when the access log is on. */
  access?: (record: AccessRecord) => void;
  /** Closes connections of services with an idle timeout. */
  idle: IdleSweeper;
  /** Access lists and per-client limits (`src/policy/`). */
  admission: Admission;
  /** `no_host` lines: at most one a second per service. */
  noHostLog: Throttle;
  /** Told once, when the session is over (its lease given back). */
  ended(session: Session): void;
}

/** A session is its client's pick context too (one object fewer per connection). */
export class Session extends ClientContext implements RelayHooks {
  readonly #client: Conn;
  readonly #lease: Lease;
  readonly #listen: ListenConfig;
  readonly #deps: SessionDeps;
  #started = 0;
  #connectedAt = 0;
  #connected: Connected | undefined;
  #idle: IdleEntry | undefined;
  #timedOut = false;
  #over = false;
  bytesIn = 0;
  bytesOut = 0;

  constructor(client: Conn, lease: Lease, listen: ListenConfig, deps: SessionDeps) {
    super(client, deps.balancer.now());
    this.#client = client;
    this.#lease = lease;
    this.#listen = listen;
    this.#deps = deps;
    if (deps.access) {
      this.#started = performance.now();
      void this.address; // the access line needs it after the socket is gone
    }
  }

  /**
   * Serve the client: resolves once the relay runs (or the client was turned away). Never
   * rejects: an error is logged (`session_error`) and the session aborted here, so no handler
   * is chained per connection. A plain service goes straight to the connect (one async step).
   */
  start(): Promise<void> {
    try {
      this.#client.setNoDelay(true);
      const policy = this.#lease.service.policy;
      if (this.#listen.acceptProxy || policy.admits || !policy.routes.empty) return this.#screen();
      return this.#connect(this.#lease.service.enabledGroup);
    } catch (error) {
      this.#failed(error);
      return Promise.resolve();
    }
  }

  #failed(error: unknown): void {
    this.#deps.balancer.log.error("session_error", {
      service: this.#lease.service.name,
      reason: errorMessage(error),
    });
    this.abort();
  }

  /** PROXY header, access list and SNI route first, then the connect. */
  async #screen(): Promise<void> {
    try {
      await this.#screened();
    } catch (error) {
      this.#failed(error);
    }
  }

  async #screened(): Promise<void> {
    // Behind another load balancer, the client's real address comes first, in a PROXY header.
    if (this.#listen.acceptProxy && !await this.#readProxyHeader()) return;
    // By source address (the PROXY header's, if any): refused before anything is read or connected.
    const service = this.#lease.service;
    if (service.policy.admits && !this.#admit()) return;
    // TLS passthrough: the ClientHello's server name chooses the group.
    const group = service.policy.routes.empty ? service.enabledGroup : await this.#route();
    if (group) await this.#connect(group);
  }

  /** Connect (failing over), then relay; a client that leaves meanwhile cancels the connect. */
  async #connect(group: Group): Promise<void> {
    try {
      const client = this.#client;
      // Early data is read ahead (bounded) while the backend connects; a reset cancels the connect.
      const gone = new Cancel();
      client.readAhead(EARLY_DATA_LIMIT, () => gone.cancel());
      const connected = await connectWithFailover(this.#lease, this.#deps, this, gone, group);
      if (!connected) return this.#refuse(gone.cancelled);
      this.#connected = connected;
      const header = this.#relay(connected);
      if (header) await header;
    } catch (error) {
      this.#failed(error);
    }
  }

  /** The access list and per-client limits; false when refused (the client is closed). */
  #admit(): boolean {
    const balancer = this.#deps.balancer;
    const service = this.#lease.service;
    const entry = this.#deps.admission.admit(service, this.clientAddress, balancer.now());
    if (entry > 0) this.#lease.holdClient(balancer.arena.clients, entry, balancer.worker);
    if (entry !== REFUSED) return true;
    this.#client.close();
    this.#finish(undefined);
    return false;
  }

  /** The group for the client's server name; undefined when it was closed (timeout, reset). */
  async #route(): Promise<Group | undefined> {
    const service = this.#lease.service;
    void this.address; // a timeout closes the socket, which may then forget it
    const seen = await prereadClientHello(this.#client, service.policy.sniTimeout);
    if (seen.kind === "hello" || seen.kind === "no-name") {
      const name = seen.kind === "hello" ? seen.serverName : undefined;
      const routed = name === undefined ? undefined : service.policy.routes.groupFor(name);
      return (routed === undefined ? undefined : service.group(routed)) ?? service.enabledGroup;
    }
    this.#client.close();
    this.#finish(seen.kind === "gone" ? "client_gone" : undefined);
    if (seen.kind === "timeout") {
      this.#deps.admission.refuse(service, "sni-timeout", this.clientAddress, {
        bytes: seen.bytes,
        timeout_ms: service.policy.sniTimeout,
      });
    }
    return undefined;
  }

  async #readProxyHeader(): Promise<boolean> {
    const preamble = await readPreamble(this.#client);
    if (preamble.ok) {
      if (preamble.source) this.source = preamble.source;
      this.#client.unread(preamble.rest);
      return true;
    }
    this.#deps.balancer.log.warn("proxy_header_refused", {
      service: this.#lease.service.name,
      listen: this.#listen.spec,
      client: this.clientAddress,
      reason: preamble.reason,
    });
    this.#client.close();
    this.#finish(undefined);
    return false;
  }

  /** No host took the client (or it left): close it, log (throttled), give everything back. */
  #refuse(clientGone: boolean): void {
    const address = this.clientAddress;
    this.#client.close();
    const service = this.#lease.service;
    this.#finish(clientGone ? "client_gone" : "no_host");
    if (clientGone) return;
    const suppressed = this.#deps.noHostLog.pass(service.name, Date.now());
    if (suppressed === undefined) return;
    this.#deps.balancer.log.warn("no_host", {
      service: service.name,
      group: service.enabledGroup.name,
      client: address,
      tried: this.#lease.tried?.size ?? 0,
      suppressed: suppressed || undefined,
    });
  }

  /** Start relaying; a promise only while a PROXY header is written to the backend first. */
  #relay(connected: Connected): Promise<void> | undefined {
    this.#lease.established();
    if (this.#deps.access) this.#connectedAt = performance.now();
    connected.backend.setNoDelay(true);
    if (connected.group.sendProxy) return this.#relayAfterHeader(connected);
    this.#startRelay(connected.backend);
  }

  /** Before any client byte: the backend reads the PROXY header first. */
  async #relayAfterHeader({ group, backend }: Connected): Promise<void> {
    try {
      await backend.writeAll(
        encodeProxyHeader(group.sendProxy!, this.address, this.#client.localAddr),
      );
    } catch {
      // A backend that breaks now ends the relay at once.
    }
    this.#startRelay(backend);
  }

  #startRelay(backend: Conn): void {
    const idleMs = this.#lease.service.idleTimeoutMs;
    if (idleMs) {
      this.#idle = this.#deps.idle.register(idleMs, () => {
        this.#timedOut = true;
        this.#client.close();
        backend.close();
      });
    }
    this.#deps.runtime.relay(this.#client, backend, this);
  }

  toBackend(n: number): void {
    this.#connected!.host.addBytesIn(n);
    if (this.#deps.access) this.bytesIn += n;
    if (this.#idle) this.#idle.last = this.#deps.idle.now;
  }

  toClient(n: number): void {
    this.#connected!.host.addBytesOut(n);
    if (this.#deps.access) this.bytesOut += n;
    if (this.#idle) this.#idle.last = this.#deps.idle.now;
  }

  ended(how: RelayEnd): void {
    if (this.#idle) this.#deps.idle.unregister(this.#idle);
    this.#finish(this.#timedOut ? "idle_timeout" : how);
  }

  /** Something went wrong before the relay took over: close and give everything back. */
  abort(): void {
    this.#client.close();
    this.#connected?.backend.close();
    if (!this.#connected) this.#finish(undefined);
  }

  /** Once: the access-log line, the lease back, and the data plane told. */
  #finish(end: AccessRecord["end"] | undefined): void {
    if (this.#over) return;
    this.#over = true;
    this.#lease.release(this.#deps.balancer.now());
    if (end !== undefined) this.#accessLine(end);
    this.#deps.ended(this);
  }

  #accessLine(end: AccessRecord["end"]): void {
    const access = this.#deps.access;
    if (!access) return;
    const service = this.#lease.service;
    const connected = this.#connected;
    const source = this.address;
    access({
      service: service.name,
      group: (connected?.group ?? service.enabledGroup).name,
      client: `${source.hostname}:${source.port}`,
      host: connected?.host.name,
      ip: connected?.host.address.spec,
      connectMs: connected ? this.#connectedAt - this.#started : undefined,
      durationMs: performance.now() - this.#started,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      end,
      failovers: this.#lease.tried?.size ?? 0,
    });
  }
}
