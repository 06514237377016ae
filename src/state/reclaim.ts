/**
 * Taking back what a dead worker thread held: its share of every open
 * count (hosts, services, the process), and any lock it died holding, so
 * no slot leaks and no pick waits forever. The main thread calls this
 * once the thread is gone, before a new one takes its index.
 *
 * @module
 */
import {
  type Arena,
  G_LOCK,
  H_OPEN,
  HW_FAILURES,
  HW_OPEN,
  HW_STARTED,
  S_OPEN,
  SW_OPEN,
} from "./arena.ts";
import { breakLock } from "./lock.ts";
import type { StateTable } from "./table.ts";

/** Subtract worker `worker`'s share of a per-worker count from the shared one, and zero it. */
function reclaimCount(
  table: StateTable,
  slots: number,
  worker: number,
  shared: number,
  own: number,
) {
  let taken = 0;
  for (let slot = 0; slot < slots; slot++) {
    const mine = table.i32[table.iw(slot, worker, own)];
    if (mine === 0) continue;
    Atomics.sub(table.i32, table.i(slot, shared), mine);
    table.i32[table.iw(slot, worker, own)] = 0;
    taken += mine;
  }
  return taken;
}

/** Give back what `worker` held; returns the connections it had open. */
export function reclaimWorker(arena: Arena, worker: number): number {
  const hosts = arena.hostSlots?.highWater ?? arena.hosts.capacity;
  const groups = arena.groupSlots?.highWater ?? arena.groups.capacity;
  const services = arena.serviceSlots?.highWater ?? arena.services.capacity;
  reclaimCount(arena.hosts, hosts, worker, H_OPEN, HW_OPEN);
  reclaimCount(arena.services, services, worker, S_OPEN, SW_OPEN);
  const open = reclaimCount(arena.process, 1, worker, S_OPEN, SW_OPEN);
  for (let slot = 0; slot < groups; slot++) {
    breakLock(arena.groups.i32, arena.groups.i(slot, G_LOCK), worker + 1);
  }
  arena.clients.reclaim(worker);
  return open;
}

/** What one worker has done so far: connections started and connect failures, over every host. */
export function workerTotals(arena: Arena, worker: number): { started: number; failures: number } {
  const hosts = arena.hosts;
  const slots = arena.hostSlots?.highWater ?? hosts.capacity;
  let started = 0, failures = 0;
  for (let slot = 0; slot < slots; slot++) {
    started += hosts.f64[hosts.fw(slot, worker, HW_STARTED)];
    failures += hosts.f64[hosts.fw(slot, worker, HW_FAILURES)];
  }
  return { started, failures };
}
