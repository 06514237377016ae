/**
 * `sticky`: a client keeps its host while that host is a candidate and the
 * client came back within `stickytime`; new (or displaced) clients are
 * placed by weighted least connections; the table expires and is bounded.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AffinityTable } from "../../src/schedulers/affinity.ts";
import { createSticky } from "../../src/schedulers/sticky.ts";
import { client, clients, ctx, hosts, seeded, tally, type TestHost } from "./helpers.ts";

const MINUTE = 60_000;

/** Each client's host name, picking once per client at `now`. */
function assign(
  scheduler: ReturnType<typeof createSticky>,
  candidates: TestHost[],
  addresses: string[],
  now = ctx.now,
): Map<string, string> {
  return new Map(addresses.map((a) => [a, scheduler.pick(candidates, client(a, now)).name]));
}

describe("sticky scheduler", () => {
  it("keeps 1000 clients on their hosts across picks while load changes", () => {
    const scheduler = createSticky();
    const candidates = hosts("ABCD");
    const addresses = clients(1000);
    const first = assign(scheduler, candidates, addresses);
    const rand = seeded(3);
    for (let round = 1; round <= 5; round++) {
      // Load that would make leastconns choose differently each round.
      for (const host of candidates) host.open = Math.floor(rand() * 50);
      assert.deepEqual(assign(scheduler, candidates, addresses, ctx.now + round * MINUTE), first);
    }
  });

  it("places new clients by open connections per weight, ties rotating", () => {
    const scheduler = createSticky();
    const candidates = hosts("ABC", [1, 2, 1]);
    // Each placement opens a connection there, so placements follow the weights.
    for (const address of clients(1000)) scheduler.pick(candidates, client(address)).open++;
    assert.deepEqual(candidates.map((h) => h.open), [250, 500, 250]);
    candidates[0].open = 0;
    assert.equal(scheduler.pick(candidates, client("192.0.2.200")).name, "A");
  });

  it("moves a client only when its host leaves, and keeps it there when the host returns", () => {
    const scheduler = createSticky();
    const all = hosts("ABC");
    const addresses = clients(300);
    const before = assign(scheduler, all, addresses);
    assert.deepEqual(tally([...before.values()]), { A: 100, B: 100, C: 100 });

    const withoutB = [all[0], all[2]];
    const during = assign(scheduler, withoutB, addresses, ctx.now + MINUTE);
    for (const address of addresses) {
      if (before.get(address) === "B") assert.notEqual(during.get(address), "B");
      else assert.equal(during.get(address), before.get(address), `${address} moved`);
    }

    // B is back: the displaced clients stay where their sessions now are,
    // and B, idle, gets the new clients.
    all[0].open = all[2].open = 150;
    const after = assign(scheduler, all, addresses, ctx.now + 2 * MINUTE);
    assert.deepEqual(after, during);
    assert.equal(scheduler.pick(all, client("198.51.100.1", ctx.now + 2 * MINUTE)).name, "B");
  });

  it("forgets a client stickytime after its last connection, not its first", () => {
    const scheduler = createSticky({ stickyTimeMs: 10 * MINUTE });
    const candidates = hosts("AB");
    const t0 = ctx.now;
    assert.equal(scheduler.pick(candidates, client("192.0.2.1", t0)).name, "A");
    candidates[0].open = 5; // a new placement would now go to B
    // Each visit within stickytime refreshes the entry.
    for (let visit = 1; visit <= 3; visit++) {
      const now = t0 + visit * (10 * MINUTE - 1);
      assert.equal(scheduler.pick(candidates, client("192.0.2.1", now)).name, "A", `${visit}`);
    }
    const last = t0 + 3 * (10 * MINUTE - 1);
    assert.equal(scheduler.pick(candidates, client("192.0.2.1", last + 10 * MINUTE)).name, "B");
  });

  it("defaults to 1800 s and 100,000 clients", () => {
    const { table } = createSticky();
    assert.equal(table.ttlMs, 1_800_000);
    assert.equal(table.maxEntries, 100_000);
  });

  it("applies a new stickytime to existing clients (configure)", () => {
    const scheduler = createSticky();
    const candidates = hosts("AB");
    assert.equal(scheduler.pick(candidates, client("192.0.2.1")).name, "A");
    candidates[0].open = 1;
    scheduler.configure({ stickyTimeMs: MINUTE });
    assert.equal(scheduler.pick(candidates, client("192.0.2.1", ctx.now + MINUTE)).name, "B");
  });

  it("holds at most maxStickyClients, forgetting the least recently seen", () => {
    const scheduler = createSticky({ maxStickyClients: 100 });
    const candidates = hosts("ABCD");
    const addresses = clients(1000);
    const first = assign(scheduler, candidates, addresses);
    assert.equal(scheduler.table.size, 100);
    assert.equal(scheduler.table.evictions, 900);
    // The newest 100 are remembered whatever the load says now.
    candidates[0].open = candidates[1].open = candidates[2].open = 9;
    const recent = addresses.slice(900);
    for (const address of recent) {
      assert.equal(scheduler.pick(candidates, client(address)).name, first.get(address));
    }
    // An old one was forgotten and is placed afresh (on the idle host).
    assert.equal(scheduler.pick(candidates, client(addresses[0])).name, "D");
  });

  it("treats an IPv4-mapped IPv6 address as the IPv4 client", () => {
    const scheduler = createSticky();
    const candidates = hosts("AB");
    assert.equal(scheduler.pick(candidates, client("192.0.2.7")).name, "A");
    assert.equal(scheduler.pick(candidates, client("::ffff:192.0.2.7")).name, "A");
    assert.equal(scheduler.pick(candidates, client("2001:db8::7")).name, "B");
  });

  it("re-places a client whose remembered host has weight 0", () => {
    const scheduler = createSticky();
    const candidates = hosts("AB");
    assert.equal(scheduler.pick(candidates, client("192.0.2.1")).name, "A");
    candidates[0].weight = 0;
    assert.equal(scheduler.pick(candidates, client("192.0.2.1")).name, "B");
    candidates[0].weight = 1;
    assert.equal(scheduler.pick(candidates, client("192.0.2.1")).name, "B");
  });
});

describe("AffinityTable", () => {
  it("sweeps expired clients when new ones arrive, so the table shrinks without a timer", () => {
    const table = new AffinityTable(MINUTE, 1000);
    for (const [i, address] of clients(500).entries()) table.remember(address, i % 3, i);
    assert.equal(table.size, 500);
    table.remember("192.0.2.1", 0, 499 + MINUTE);
    // Entries last used at 0 … 499 are all past a minute now.
    assert.equal(table.size, 1);
    assert.equal(table.evictions, 0);
  });

  it("keeps a refreshed entry ahead of older ones when evicting", () => {
    const table = new AffinityTable(MINUTE, 2);
    table.remember("a", 0, 1);
    table.remember("b", 1, 2);
    table.remember("a", 0, 3); // a is now the most recent
    table.remember("c", 2, 4); // evicts b, not a
    assert.equal(table.lookup("a", 5), 0);
    assert.equal(table.lookup("b", 5), -1);
    assert.equal(table.lookup("c", 5), 2);
  });

  it("expires exactly at ttl and deletes the expired entry on lookup", () => {
    const table = new AffinityTable(1000, 10);
    table.remember("a", 4, 0);
    assert.equal(table.lookup("a", 999), 4);
    assert.equal(table.lookup("a", 1000), -1);
    assert.equal(table.size, 0);
  });
});
