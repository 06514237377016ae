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
import type { Service } from "../balancer/service.ts";
import type { ListenConfig } from "../config/model.ts";
import type { Conn, Runtime } from "../runtime/types.ts";
import { connectWithFailover } from "./failover.ts";
import { readPreamble } from "./preamble.ts";
import { encodeProxyHeader } from "./proxy_protocol.ts";
import { pump, type RelayEnd, settle } from "./relay.ts";
import type { IdleSweeper } from "./idle.ts";
import { Upstream } from "./upstream.ts";

export interface SessionDeps {
  runtime: Runtime;
  balancer: Balancer;
  /** Called once per finished connection when the access log is on. */
  access?: (record: AccessRecord) => void;
  /** Closes connections of services with an idle timeout. */
  idle?: IdleSweeper;
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

/** Per service: when `no_host` was last logged, and how many since went unlogged. */
const noHostLog = new Map<string, { at: number; suppressed: number }>();

/** Log a client refused for want of a host: at most once a second per service (a flood must not fill the disk). */
function noHost(balancer: Balancer, service: string, group: string, client: string, tried: number) {
  const now = Date.now();
  const last = noHostLog.get(service);
  if (last && now - last.at < 1000) {
    last.suppressed++;
    return;
  }
  const suppressed = last?.suppressed || undefined;
  noHostLog.set(service, { at: now, suppressed: 0 });
  balancer.log.warn("no_host", { service, group, client, tried, suppressed });
}

/** Serve one accepted client connection; resolves when both sides are closed. */
export async function serveClient(
  client: Conn,
  service: Service,
  listen: ListenConfig,
  deps: SessionDeps,
) {
  const { balancer, access } = deps;
  const started = access ? performance.now() : 0;
  client.setNoDelay(true);

  // Behind another load balancer, the client's real address comes first, in a PROXY header.
  let source = client.remoteAddr;
  let initial: Uint8Array | undefined;
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
    initial = preamble.rest;
  }

  // Bytes are counted on the host once it is known; early data is counted at flush.
  let host: HostState | undefined;
  const upstream = new Upstream(client, (n) => host!.bytesIn += n, initial);
  const ctx = { clientAddress: source.hostname, now: balancer.now() };
  const clientName = `${source.hostname}:${source.port}`;
  const tried = new Set<HostState>();
  const connected = await connectWithFailover(
    service,
    deps,
    ctx,
    upstream.clientGone.signal,
    tried,
  );

  if (!connected) {
    upstream.abandon();
    client.close();
    const group = service.enabledGroup;
    access?.({
      service: service.name,
      group: group.name,
      client: clientName,
      durationMs: performance.now() - started,
      bytesIn: 0,
      bytesOut: 0,
      end: upstream.failed ? "client_gone" : "no_host",
      failovers: tried.size,
    });
    if (!upstream.failed) noHost(balancer, service.name, group.name, ctx.clientAddress, tried.size);
    return;
  }

  const { group, backend } = connected;
  const chosen = host = connected.host;
  const server = backend;
  chosen.started++;
  const connectedAt = access ? performance.now() : 0;
  backend.setNoDelay(true);
  if (group.sendProxy) {
    // Before any client byte: the backend reads the header first.
    try {
      await backend.writeAll(encodeProxyHeader(group.sendProxy, source, client.localAddr));
    } catch {
      // A backend that breaks now ends the relay at once (see settle below).
    }
  }

  // Idle timeout: the sweeper closes both sides; every chunk stamps the coarse clock.
  const sweeper = deps.idle;
  let timedOut = false;
  const idle = service.idleTimeoutMs && sweeper
    ? sweeper.register(service.idleTimeoutMs, () => {
      timedOut = true;
      client.close();
      server.close();
    })
    : undefined;
  // Per-connection byte counts only when someone reads them (the access log).
  let bytesIn = 0, bytesOut = 0;
  const downstream = pump(backend, client, (n) => {
    chosen.bytesOut += n;
    if (access) bytesOut += n;
    if (idle) idle.last = sweeper!.now;
  });
  if (access || idle) {
    upstream.onBytes((n) => {
      if (access) bytesIn += n;
      if (idle) idle.last = sweeper!.now;
    });
  }
  const attached = upstream.attach(backend).then(
    () => upstream.done,
    () => "error" as const,
  );
  const relayEnd = await settle(client, backend, attached, downstream);
  if (idle) sweeper!.unregister(idle);
  const end = timedOut ? "idle_timeout" : relayEnd;
  chosen.connectionClosed(balancer.now());
  group.slotFreed();
  access?.({
    service: service.name,
    group: group.name,
    client: clientName,
    host: chosen.name,
    ip: chosen.address.spec,
    connectMs: connectedAt - started,
    durationMs: performance.now() - started,
    bytesIn,
    bytesOut,
    end,
    failovers: tried.size,
  });
}
