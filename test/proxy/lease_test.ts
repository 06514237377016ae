/**
 * One connection's lease over a real model: whatever way the connection
 * ends — relayed to the end, a failed connect then another host, no host
 * left, released twice — every slot and count it took comes back exactly
 * once, and each release wakes whoever waits for a slot.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Balancer } from "../../src/balancer/balancer.ts";
import type { HostState } from "../../src/balancer/host_state.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { Logger } from "../../src/log.ts";
import { Lease } from "../../src/proxy/lease.ts";
import { Arena } from "../../src/state/arena.ts";

const XML = `<pdconfig><service name="s" maxconn="2"><listen ip="127.0.0.1:1"/>
  <group name="g" scheduler="roundrobin">
    <host name="a" ip="127.0.0.1:101"/><host name="b" ip="127.0.0.1:102"/>
  </group><enable group="g"/></service></pdconfig>`;
const CTX = { clientAddress: "127.0.0.1", now: 1_000 };

function model() {
  const balancer = new Balancer(
    parseConfig(XML, "t.xml").config,
    new Logger({ level: "error" }),
    { arena: Arena.create(1, false), worker: 0 },
  );
  const service = balancer.service("s")!;
  const group = service.enabledGroup;
  /** Admit a client as the listener does: service slot, process slot, then a lease. */
  const admit = () => {
    assert.ok(service.slots.tryTake(service.maxconn!));
    assert.ok(balancer.processSlots.tryTake(100));
    return new Lease(service, balancer.processSlots);
  };
  const counts = () => ({
    service: service.slots.open,
    process: balancer.processSlots.open,
    hosts: group.hosts.map((h) => h.open),
  });
  return { balancer, service, group, admit, counts };
}

const IDLE = { service: 0, process: 0, hosts: [0, 0] };

test("lease: a relayed connection gives back every slot it took, once", () => {
  const m = model();
  const lease = m.admit();
  const host = m.group.pick(CTX)!;
  lease.trying(m.group, host);
  lease.established();
  assert.deepEqual(m.counts(), {
    service: 1,
    process: 1,
    hosts: host.name === "a" ? [1, 0] : [0, 1],
  });
  assert.equal(lease.host, host);
  lease.release(5_000);
  assert.deepEqual(m.counts(), IDLE);
  assert.equal(host.startedCount, 1);
  assert.equal(host.total, 1, "counted as finished");
  assert.equal(host.lastClosed, 5_000);
  lease.release(6_000);
  assert.deepEqual(m.counts(), IDLE, "a second release takes nothing back again");
  assert.equal(host.total, 1);
});

test("lease: a failed connect gives the host back; the next host is the one released", () => {
  const m = model();
  const lease = m.admit();
  const first = m.group.pick(CTX)!;
  lease.trying(m.group, first);
  lease.failed(true);
  assert.equal(first.open, 0, "the failed attempt no longer counts on its host");
  assert.equal(lease.host, undefined);
  assert.ok(lease.tried?.has(first), "blamed: not tried again for this client");
  const second = m.group.pick(CTX, lease.tried)!;
  assert.notEqual(second, first);
  lease.trying(m.group, second);
  lease.established();
  lease.release(2_000);
  assert.deepEqual(m.counts(), IDLE);
  assert.equal(first.total, 0);
  assert.equal(second.total, 1);
});

test("lease: no host left — the client's admission slots still come back", () => {
  const m = model();
  const lease = m.admit();
  for (const blamed of [true, false]) {
    const host = m.group.pick(CTX, lease.tried)!;
    lease.trying(m.group, host);
    lease.failed(blamed);
  }
  assert.equal(lease.tried?.size, 1, "only the blamed host is remembered");
  lease.failed(true); // nothing being tried: no effect
  lease.release(1);
  assert.deepEqual(m.counts(), IDLE);
  for (const host of m.group.hosts as HostState[]) assert.equal(host.startedCount, 0);
});

test("lease: a release wakes a client waiting for the service's slot", async () => {
  const m = model();
  const leases = [m.admit(), m.admit()];
  assert.equal(m.service.slots.tryTake(m.service.maxconn!), false, "service full");
  const releases = m.service.slots.releases;
  const waiting = releases.next(releases.mark());
  leases[0].release(1);
  await waiting;
  assert.ok(m.service.slots.tryTake(m.service.maxconn!), "the freed slot is there to take");
});

test("lease: a failed connect and a finished one each wake the group's queue", async () => {
  const m = model();
  const lease = m.admit();
  const releases = m.group.releases;
  let mark = releases.mark();
  lease.trying(m.group, m.group.pick(CTX)!);
  lease.failed(false);
  await releases.next(mark);
  mark = releases.mark();
  lease.trying(m.group, m.group.pick(CTX)!);
  lease.release(1);
  await releases.next(mark);
  assert.equal(releases.mark(), mark + 1);
});
