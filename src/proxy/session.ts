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
import { pump, settle } from "./relay.ts";
import { Upstream } from "./upstream.ts";

export interface SessionDeps {
  runtime: Runtime;
  balancer: Balancer;
}

/** Serve one accepted client connection; resolves when both sides are closed. */
export async function serveClient(client: Conn, service: Service, deps: SessionDeps) {
  const { runtime, balancer } = deps;
  const group = service.enabledGroup;
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
  backend.setNoDelay(true);
  const downstream = pump(backend, client, (n) => chosen.bytesOut += n);
  const attached = upstream.attach(backend).then(
    () => upstream.done,
    () => "error" as const,
  );
  await settle(client, backend, attached, downstream);
  chosen.connectionClosed(balancer.now());
}
