/**
 * One client connection, from accept to close: choose a host, connect
 * (failing over transparently to the group's other hosts), relay.
 *
 * The group is fixed when the client arrives, so switching the enabled
 * group never moves a connection in progress. A host whose connect fails is
 * marked bad and the next host is tried; the client sees nothing of it while
 * any host works. When none does, the client is closed at once.
 *
 * @module
 */
import type { Balancer } from "../balancer/balancer.ts";
import type { HostState } from "../balancer/host_state.ts";
import type { Service } from "../balancer/service.ts";
import type { Conn, Runtime } from "../runtime/types.ts";
import { connectFailureReason, connectWithTimeout } from "./connect.ts";
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

/** Serve one accepted client connection; resolves when both sides are closed. */
export async function serveClient(client: Conn, service: Service, deps: SessionDeps) {
  const { runtime, balancer, access } = deps;
  const group = service.enabledGroup;
  const started = access ? performance.now() : 0;
  client.setNoDelay(true);

  // Bytes are counted on the host once it is known; early data is counted at flush.
  let host: HostState | undefined;
  const upstream = new Upstream(client, (n) => host!.bytesIn += n);

  const ctx = { clientAddress: client.remoteAddr.hostname, now: balancer.now() };
  const tried = new Set<HostState>();
  let backend: Conn | undefined;
  while (!upstream.failed) {
    host = group.pick(ctx, tried);
    if (!host) break;
    host.open++;
    try {
      backend = await connectWithTimeout(
        runtime,
        host.address,
        group.connectTimeoutMs,
        upstream.clientGone.signal,
      );
      break;
    } catch (error) {
      host.open--;
      // A connect cancelled because the client left says nothing about the host.
      if (upstream.failed) break;
      balancer.markBad({ service, group, host }, connectFailureReason(error));
      tried.add(host);
      host = undefined;
    }
  }

  if (!backend || !host) {
    upstream.abandon();
    client.close();
    access?.({
      service: service.name,
      group: group.name,
      client: `${ctx.clientAddress}:${client.remoteAddr.port}`,
      durationMs: performance.now() - started,
      bytesIn: 0,
      bytesOut: 0,
      end: upstream.failed ? "client_gone" : "no_host",
      failovers: tried.size,
    });
    if (!upstream.failed) {
      balancer.log.warn("no_host", {
        service: service.name,
        group: group.name,
        client: ctx.clientAddress,
        tried: tried.size,
      });
    }
    return;
  }

  const chosen = host;
  const server = backend;
  chosen.started++;
  const connected = access ? performance.now() : 0;
  backend.setNoDelay(true);

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
  access?.({
    service: service.name,
    group: group.name,
    client: `${ctx.clientAddress}:${client.remoteAddr.port}`,
    host: chosen.name,
    ip: chosen.address.spec,
    connectMs: connected - started,
    durationMs: performance.now() - started,
    bytesIn,
    bytesOut,
    end,
    failovers: tried.size,
  });
}
