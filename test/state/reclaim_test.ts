/**
 * Taking back a dead worker thread's share: its open counts come off every
 * host, service and the process, the other workers' shares stay, the locks
 * it held are broken, and its totals are read per worker.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Arena,
  G_LOCK,
  H_OPEN,
  HW_FAILURES,
  HW_OPEN,
  HW_STARTED,
  S_OPEN,
  SW_OPEN,
} from "../../src/state/arena.ts";
import { lock } from "../../src/state/lock.ts";
import { reclaimWorker, workerTotals } from "../../src/state/reclaim.ts";
import type { StateTable } from "../../src/state/table.ts";

/** Count `n` open on `slot` for `worker`, as the data plane does. */
function open(table: StateTable, slot: number, worker: number, shared: number, own: number, n = 1) {
  Atomics.add(table.i32, table.i(slot, shared), n);
  table.i32[table.iw(slot, worker, own)] += n;
}

function arena() {
  const a = Arena.create(3, true);
  const hosts = [a.hostSlots!.take(), a.hostSlots!.take()];
  const group = a.groupSlots!.take();
  const service = a.serviceSlots!.take();
  return { a, hosts, group, service };
}

test("reclaim: a dead worker's open counts come off; the others' stay", () => {
  const { a, hosts, service } = arena();
  open(a.hosts, hosts[0], 0, H_OPEN, HW_OPEN, 2);
  open(a.hosts, hosts[1], 0, H_OPEN, HW_OPEN, 1);
  open(a.hosts, hosts[1], 1, H_OPEN, HW_OPEN, 4);
  open(a.services, service, 0, S_OPEN, SW_OPEN, 3);
  open(a.services, service, 1, S_OPEN, SW_OPEN, 4);
  open(a.process, 0, 0, S_OPEN, SW_OPEN, 3);
  open(a.process, 0, 1, S_OPEN, SW_OPEN, 4);

  assert.equal(reclaimWorker(a, 0), 3, "the connections worker 0 had open");
  const at = (t: StateTable, slot: number, field: number) => Atomics.load(t.i32, t.i(slot, field));
  assert.equal(at(a.hosts, hosts[0], H_OPEN), 0);
  assert.equal(at(a.hosts, hosts[1], H_OPEN), 4);
  assert.equal(at(a.services, service, S_OPEN), 4);
  assert.equal(at(a.process, 0, S_OPEN), 4);
  assert.equal(a.hosts.i32[a.hosts.iw(hosts[1], 0, HW_OPEN)], 0, "its share is zeroed");
  assert.equal(a.hosts.i32[a.hosts.iw(hosts[1], 1, HW_OPEN)], 4);
  assert.equal(reclaimWorker(a, 0), 0, "twice takes nothing more");
  assert.equal(at(a.process, 0, S_OPEN), 4);
});

test("reclaim: the group locks a dead worker held are broken, no others", () => {
  const { a, group } = arena();
  const second = a.groupSlots!.take();
  lock(a.groups.i32, a.groups.i(group, G_LOCK), 0 + 1);
  lock(a.groups.i32, a.groups.i(second, G_LOCK), 2 + 1);
  reclaimWorker(a, 0);
  assert.equal(a.groups.i32[a.groups.i(group, G_LOCK)], 0);
  assert.equal(a.groups.i32[a.groups.i(second, G_LOCK)], 3, "worker 2 is alive");
});

test("workerTotals: one worker's started and failed connects over every host", () => {
  const { a, hosts } = arena();
  a.hosts.f64[a.hosts.fw(hosts[0], 1, HW_STARTED)] = 5;
  a.hosts.f64[a.hosts.fw(hosts[1], 1, HW_STARTED)] = 2;
  a.hosts.f64[a.hosts.fw(hosts[1], 1, HW_FAILURES)] = 1;
  a.hosts.f64[a.hosts.fw(hosts[1], 2, HW_STARTED)] = 100;
  assert.deepEqual(workerTotals(a, 1), { started: 7, failures: 1 });
  assert.deepEqual(workerTotals(a, 0), { started: 0, failures: 0 });
});
