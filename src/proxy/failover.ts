/**
 * Choosing a host and connecting to it, failing over transparently.
 *
 * A host whose connect fails is marked bad and the next one the scheduler
 * picks is tried, until one answers or none is left. When no host of the
 * enabled group can take the connection and the service has a backup group
 * (`<enable group="main" backup="spare"/>`), the backup group's hosts are
 * tried next; the switch to the backup and back is logged once each way.
 *
 * @module
 */
import type { Balancer } from "../balancer/balancer.ts";
import type { Group } from "../balancer/group.ts";
import type { HostState } from "../balancer/host_state.ts";
import type { Service } from "../balancer/service.ts";
import type { PickContext } from "../schedulers/types.ts";
import type { Conn, Runtime } from "../runtime/types.ts";
import {
  connectFailureReason,
  connectHost,
  failureKind,
  isCancelled,
  isLocalFailure,
} from "./connect.ts";

export interface Connected {
  host: HostState;
  group: Group;
  backend: Conn;
}

export interface FailoverDeps {
  runtime: Runtime;
  balancer: Balancer;
}

/** Record whether the backup group serves, logging each switch once. */
function noteBackup(balancer: Balancer, service: Service, active: boolean, group: Group): void {
  if (service.backupActive === active) return;
  service.backupActive = active;
  const fields = { service: service.name, group: group.name };
  if (active) balancer.log.warn("backup_active", fields);
  else balancer.log.info("backup_inactive", fields);
}

/**
 * Connect to a host of the service for a new client. Resolves undefined
 * when every host failed, or when `cancel` aborted (the client left).
 * `tried` collects the hosts that failed (the failover count).
 */
export async function connectWithFailover(
  service: Service,
  deps: FailoverDeps,
  ctx: PickContext,
  cancel: AbortSignal,
  tried: Set<HostState>,
): Promise<Connected | undefined> {
  const { runtime, balancer } = deps;
  let group = service.enabledGroup;
  while (!cancel.aborted) {
    const host = group.pick(ctx, tried);
    if (!host) {
      // Every usable host is at its maxconn: queue for a slot rather than overload one.
      if (group.hasFullHost(tried)) {
        const timeout = group.queueTimeoutMs ?? group.connectTimeoutMs;
        if (await group.waitForSlot(timeout, cancel)) continue;
        if (cancel.aborted) return undefined;
        balancer.log.warn("queue_timeout", {
          service: service.name,
          group: group.name,
          waited_ms: timeout,
        });
        return undefined;
      }
      const backup = service.backup;
      if (backup && group !== backup) {
        group = backup;
        noteBackup(balancer, service, true, group);
        continue;
      }
      return undefined;
    }
    host.open++;
    try {
      const backend = await connectHost(runtime, host.address, group.connectTimeoutMs, {
        cancel,
      });
      if (group === service.enabledGroup) noteBackup(balancer, service, false, group);
      return { host, group, backend };
    } catch (error) {
      host.open--;
      group.slotFreed();
      // A connect cancelled because the client left says nothing about the host.
      if (cancel.aborted || isCancelled(error)) return undefined;
      // Out of descriptors is Director's trouble, not the host's: give up on this
      // client (it is closed at once) without marking a healthy host bad.
      if (isLocalFailure(error)) return undefined;
      balancer.markBad({ service, group, host }, connectFailureReason(error), failureKind(error));
      tried.add(host);
    }
  }
  return undefined;
}
