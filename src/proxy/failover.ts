/**
 * Choosing a host and connecting to it, failing over transparently.
 *
 * A host whose connect fails is marked bad and the next one the scheduler
 * picks is tried, until one answers or none is left. When no host of the
 * enabled group can take the connection and the service has a backup group
 * (`<enable group="main" backup="spare"/>`), the backup group's hosts are
 * tried next; the switch to the backup and back is logged once each way
 * (by whichever thread makes it: the flag is shared).
 *
 * When every usable host is at its `maxconn`, the client queues: it waits
 * for a connection of the group to end (in any thread), for at most the
 * group's queue timeout.
 *
 * @module
 */
import type { Balancer } from "../balancer/balancer.ts";
import type { Group } from "../balancer/group.ts";
import type { HostState } from "../balancer/host_state.ts";
import type { Service } from "../balancer/service.ts";
import type { PickContext } from "../schedulers/types.ts";
import type { Cancel } from "../runtime/cancel.ts";
import type { Conn, Runtime } from "../runtime/types.ts";
import {
  connectFailureReason,
  connectHost,
  failureKind,
  isCancelled,
  isLocalFailure,
} from "./connect.ts";
import type { Lease } from "./lease.ts";

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
  if (!service.setBackupActive(active)) return;
  const fields = { service: service.name, group: group.name };
  if (active) balancer.log.warn("backup_active", fields);
  else balancer.log.info("backup_inactive", fields);
}

/**
 * Wait for a slot of `group` (every usable host is full): true when one may
 * have freed, false on the queue timeout (logged) or when the client left.
 */
async function queueForSlot(
  balancer: Balancer,
  service: Service,
  group: Group,
  mark: number,
  cancel: Cancel,
  deadline: number,
): Promise<boolean> {
  const left = deadline - Date.now();
  if (left > 0) await group.releases.next(mark, left);
  if (cancel.cancelled) return false;
  if (Date.now() < deadline) return true;
  balancer.log.warn("queue_timeout", {
    service: service.name,
    group: group.name,
    waited_ms: group.queueTimeoutMs ?? group.connectTimeoutMs,
  });
  return false;
}

/**
 * No host of `group` could be picked: the group to try next — the same one
 * once a slot may have freed (every usable host was full), or the backup —
 * or undefined. Kept out of `connectWithFailover`, which runs for every
 * connection and is compiled hot: its rare paths live here.
 */
async function afterNoHost(
  balancer: Balancer,
  lease: Lease,
  group: Group,
  mark: number,
  cancel: Cancel,
  queue: { deadline?: number },
): Promise<Group | undefined> {
  const service = lease.service;
  if (group.hasFullHost(lease.tried)) {
    queue.deadline ??= Date.now() + (group.queueTimeoutMs ?? group.connectTimeoutMs);
    return await queueForSlot(balancer, service, group, mark, cancel, queue.deadline)
      ? group
      : undefined;
  }
  const backup = service.backup;
  if (!backup || group === backup) return undefined;
  queue.deadline = undefined;
  noteBackup(balancer, service, true, backup);
  return backup;
}

/**
 * The connect to `host` failed: hand its slot back and mark it bad if it is
 * to blame. False when this client is to be given up on: the connect was
 * cancelled (the client left), or failed for want of Director's own
 * resources (descriptors) — neither says anything about the host.
 */
function connectFailed(
  balancer: Balancer,
  lease: Lease,
  group: Group,
  host: HostState,
  cancel: Cancel,
  error: unknown,
): boolean {
  if (cancel.cancelled || isCancelled(error) || isLocalFailure(error)) {
    lease.failed(false);
    return false;
  }
  lease.failed(true);
  const service = lease.service;
  balancer.markBad({ service, group, host }, connectFailureReason(error), failureKind(error));
  return true;
}

/**
 * Connect to a host of the service for the lease's client (in group
 * `first` if given, else the enabled group; then the backup). Resolves
 * undefined when every host failed, or when `cancel` fired (the client
 * left). The lease collects the hosts that failed (the failover count).
 */
export async function connectWithFailover(
  lease: Lease,
  deps: FailoverDeps,
  ctx: PickContext,
  cancel: Cancel,
  first?: Group,
): Promise<Connected | undefined> {
  const service = lease.service;
  // The enabled group, or the one an SNI route chose.
  let group: Group | undefined = first ?? service.enabledGroup;
  let queue: { deadline?: number } | undefined;
  while (!cancel.cancelled) {
    // Read before the pick, so a release between the pick and the wait is not missed.
    const mark = group.releases.mark();
    const host = group.pick(ctx, lease.tried);
    if (!host) {
      group = await afterNoHost(deps.balancer, lease, group, mark, cancel, queue ??= {});
      if (!group) return undefined;
      continue;
    }
    lease.trying(group, host);
    try {
      const backend = await connectHost(deps.runtime, host.target, group.connectTimeoutMs, cancel);
      if (group === service.enabledGroup) noteBackup(deps.balancer, service, false, group);
      return { host, group, backend };
    } catch (error) {
      if (!connectFailed(deps.balancer, lease, group, host, cancel, error)) return undefined;
    }
  }
  return undefined;
}
