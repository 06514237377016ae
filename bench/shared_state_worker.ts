/**
 * The thread of `bench/shared_state.ts`: runs one job, answers ns per
 * connection.
 *
 * @module
 */
import { Arena, type ArenaHandle, G_LAST, G_LOCK } from "../src/state/arena.ts";
import { lock, unlock } from "../src/state/lock.ts";
import { HostState } from "../src/balancer/host_state.ts";
import { Slots } from "../src/balancer/service.ts";
import { groupReleases } from "../src/balancer/group_record.ts";
import type { HostConfig } from "../src/config/model.ts";

export interface Job {
  handle: ArenaHandle;
  worker: number;
  iters: number;
  gapUs: number;
  ownHost: boolean;
}

const HOST = {
  name: "h",
  address: { spec: "127.0.0.1:1", hostname: "127.0.0.1", port: 1 },
} as HostConfig;

/** One thread's run: ns per connection. */
export function run(job: Job): number {
  const { worker } = job;
  const arena = Arena.attach(job.handle, worker);
  const slot = job.ownHost ? worker : 0;
  const host = new HostState(HOST, 0, { table: arena.hosts, slot, worker });
  const service = new Slots(arena.services, 0, worker, true);
  const process = new Slots(arena.process, 0, worker, true);
  const releases = groupReleases(arena, 0);
  const g = arena.groups.i32, locked = arena.groups.i(0, G_LOCK);
  const last = arena.groups.i(0, G_LAST);
  let spent = 0;
  for (let k = 0; k < job.iters; k++) {
    const t0 = performance.now();
    process.tryTake(1e9);
    service.tryTake(1e9);
    lock(g, locked, worker + 1);
    if (host.available && !host.full) {
      g[last] = (g[last] + 1) % 2;
      host.opened();
    }
    unlock(g, locked);
    host.started();
    for (let chunk = 0; chunk < 2; chunk++) {
      host.addBytesIn(100);
      host.addBytesOut(200);
    }
    host.finished(Date.now());
    releases.release();
    service.release();
    process.release();
    spent += performance.now() - t0;
    const end = performance.now() + job.gapUs / 1000;
    while (performance.now() < end) { /* the rest of a connection's work */ }
  }
  return spent * 1e6 / job.iters;
}

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<Job>) => void) | null;
  postMessage(m: number): void;
};
scope.onmessage = (e) => scope.postMessage(run(e.data));
