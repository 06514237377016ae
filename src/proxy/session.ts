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
 * @module
 */
import type { Balancer } from "../balancer/balancer.ts";
import type { HostState } from "../balancer/host_state.ts";
import type { ListenConfig } from "../config/model.ts";
import type { Throttle } from "../log.ts";
import type { Conn, RelayEnd, RelayHooks, Runtime } from "../runtime/types.ts";
import { connectWithFailover } from "./failover.ts";
import type { IdleEntry, IdleSweeper } from "./idle.ts";
import type { Lease } from "./lease.ts";
import { readPreamble } from "./preamble.ts";
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
  /** `no_host` lines: at most one a second per service. */
  noHostLog: Throttle;
}

/** One access-log record: a finished (or refused) client connection. */
export interface AccessRecord {
  service: string;
  group: string;
  client: string;
  host?: string;
  ip?: string;
  connectMs?: number;
  durationMs: number;
  bytesIn: number;
  bytesOut: number;
  end: RelayEnd | "no_host" | "client_gone" | "idle_timeout";
  failovers: number;
}

/**
 * Serve one accepted client connection, whose `lease` holds its slots;
 * resolves when both sides are closed and the lease is given back.
 */
export async function serveClient(
  client: Conn,
  lease: Lease,
  listen: ListenConfig,
  deps: SessionDeps,
): Promise<void> {
  try {
    await serve(client, lease, listen, deps);
  } finally {
    lease.release(deps.balancer.now());
  }
}

async function serve(client: Conn, lease: Lease, listen: ListenConfig, deps: SessionDeps) {
  const { balancer, access } = deps;
  const service = lease.service;
  const started = access ? performance.now() : 0;
  client.setNoDelay(true);

  // Behind another load balancer, the client's real address comes first, in a PROXY header.
  let source = client.remoteAddr;
  if (listen.acceptProxy) {
    const preamble = await readPreamble(client);
    if (!preamble.ok) {
      client.close();
      balancer.log.warn("proxy_header_refused", {
        service: service.name,
        listen: listen.spec,
        client: client.remoteAddr.hostname,
        reason: preamble.reason,
      });
      return;
    }
    source = preamble.source ?? source;
    client.unread(preamble.rest);
  }

  // Early data is read ahead (bounded) while the backend connects; a reset cancels the connect.
  const gone = new AbortController();
  client.readAhead(EARLY_DATA_LIMIT, () => gone.abort());
  const ctx = { clientAddress: source.hostname, now: balancer.now() };
  const clientName = `${source.hostname}:${source.port}`;
  const tried = new Set<HostState>();
  const connected = await connectWithFailover(lease, deps, ctx, gone.signal, tried);

  if (!connected) {
    client.close();
    const group = service.enabledGroup;
    access?.({
      service: service.name,
      group: group.name,
      client: clientName,
      durationMs: performance.now() - started,
      bytesIn: 0,
      bytesOut: 0,
      end: gone.signal.aborted ? "client_gone" : "no_host",
      failovers: tried.size,
    });
    if (gone.signal.aborted) return;
    const suppressed = deps.noHostLog.pass(service.name, Date.now());
    if (suppressed === undefined) return;
    balancer.log.warn("no_host", {
      service: service.name,
      group: group.name,
      client: ctx.clientAddress,
      tried: tried.size,
      suppressed: suppressed || undefined,
    });
    return;
  }

  const { group, backend, host } = connected;
  lease.established();
  const connectedAt = access ? performance.now() : 0;
  backend.setNoDelay(true);
  if (group.sendProxy) {
    // Before any client byte: the backend reads the header first.
    try {
      await backend.writeAll(encodeProxyHeader(group.sendProxy, source, client.localAddr));
    } catch {
      // A backend that breaks now ends the relay at once.
    }
  }

  const relay = new RelayedConnection(client, backend, host, service.idleTimeoutMs, deps);
  const end = await relay.run();
  access?.({
    service: service.name,
    group: group.name,
    client: clientName,
    host: host.name,
    ip: host.address.spec,
    connectMs: connectedAt - started,
    durationMs: performance.now() - started,
    bytesIn: relay.bytesIn,
    bytesOut: relay.bytesOut,
    end,
    failovers: tried.size,
  });
}

/**
 * The relay hooks of one connection: the host's byte counters, the
 * per-connection counts (only read by the access log), and the idle
 * timeout's stamp. One object per connection, no closure per chunk.
 */
class RelayedConnection implements RelayHooks {
  bytesIn = 0;
  bytesOut = 0;
  #host: HostState;
  #idle: IdleEntry | undefined;
  #sweeper: IdleSweeper;
  #timedOut = false;
  #client: Conn;
  #backend: Conn;
  #runtime: Runtime;
  #done: ((end: RelayEnd) => void) | undefined;

  constructor(
    client: Conn,
    backend: Conn,
    host: HostState,
    idleTimeoutMs: number | undefined,
    deps: SessionDeps,
  ) {
    this.#client = client;
    this.#backend = backend;
    this.#host = host;
    this.#runtime = deps.runtime;
    this.#sweeper = deps.idle;
    if (idleTimeoutMs) {
      this.#idle = deps.idle.register(idleTimeoutMs, () => {
        this.#timedOut = true;
        client.close();
        backend.close();
      });
    }
  }

  run(): Promise<RelayEnd | "idle_timeout"> {
    return new Promise<RelayEnd>((resolve) => {
      this.#done = resolve;
      this.#runtime.relay(this.#client, this.#backend, this);
    }).then((end) => (this.#timedOut ? "idle_timeout" : end));
  }

  toBackend(n: number): void {
    this.#host.addBytesIn(n);
    this.bytesIn += n;
    if (this.#idle) this.#idle.last = this.#sweeper.now;
  }

  toClient(n: number): void {
    this.#host.addBytesOut(n);
    this.bytesOut += n;
    if (this.#idle) this.#idle.last = this.#sweeper.now;
  }

  ended(how: RelayEnd): void {
    if (this.#idle) this.#sweeper.unregister(this.#idle);
    this.#done?.(how);
  }
}
