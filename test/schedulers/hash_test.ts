/**
 * `hash`: consistent hashing of the client address. A client's host
 * depends only on its address and the candidate set; removing a host moves
 * only that host's clients, adding one moves about 1/(N+1) of them, all to
 * the new host; weights set the shares; rings are built once per set.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createHash, RING_CACHE_SIZE } from "../../src/schedulers/hash.ts";
import { clientKey, fmix32, fnv1a, hashString } from "../../src/schedulers/hashing.ts";
import {
  MAX_RING_POINTS,
  POINTS_PER_WEIGHT,
  pointsFor,
  pointsPerWeight,
  Ring,
} from "../../src/schedulers/ring.ts";
import { client, clients, hosts, tally, type TestHost } from "./helpers.ts";

const CLIENTS = clients(10_000);

/** Each client's host name under `candidates`, from one scheduler. */
function mapping(candidates: TestHost[], scheduler = createHash()): Map<string, string> {
  return new Map(CLIENTS.map((a) => [a, scheduler.pick(candidates, client(a)).name]));
}

/** The clients whose host differs between two mappings. */
function moved(before: Map<string, string>, after: Map<string, string>): string[] {
  return CLIENTS.filter((a) => before.get(a) !== after.get(a));
}

describe("hash scheduler", () => {
  it("maps a client to the same host every time, in every instance", () => {
    const candidates = hosts("ABCDE");
    const first = mapping(candidates);
    const scheduler = createHash();
    assert.deepEqual(mapping(candidates, scheduler), first);
    // Load and time play no part.
    for (const h of candidates) h.open = h.index * 10;
    assert.deepEqual(mapping(candidates, scheduler), first);
  });

  it("spreads 10,000 clients over 5 equal hosts within 25% of a fifth each", () => {
    const counts = tally([...mapping(hosts("ABCDE")).values()]);
    for (const name of "ABCDE") {
      assert.ok(Math.abs(counts[name] - 2000) <= 500, `${name} got ${counts[name]}`);
    }
  });

  it("gives shares that follow the weights", () => {
    const counts = tally([...mapping(hosts("ABC", [1, 2, 5])).values()]);
    for (const [name, share] of [["A", 1 / 8], ["B", 2 / 8], ["C", 5 / 8]] as const) {
      const got = counts[name] / CLIENTS.length;
      assert.ok(Math.abs(got - share) <= 0.05, `${name} got ${got}, due ${share}`);
    }
  });

  it("moves only the removed host's clients when one of 5 leaves (at most 1/5 + 5%)", () => {
    const all = hosts("ABCDE");
    const before = mapping(all);
    for (const gone of all) {
      const after = mapping(all.filter((h) => h !== gone));
      const changed = moved(before, after);
      assert.ok(changed.length <= CLIENTS.length * (1 / 5 + 0.05), `${changed.length} moved`);
      for (const address of changed) {
        assert.equal(before.get(address), gone.name, `${address} moved from a staying host`);
      }
      // And everyone the removed host had did move (nobody else could keep them).
      const had = CLIENTS.filter((a) => before.get(a) === gone.name).length;
      assert.equal(changed.length, had);
    }
  });

  it("moves about 1/6 of the clients, all to the new host, when a sixth joins 5", () => {
    const five = hosts("ABCDEF").slice(0, 5);
    const before = mapping(five);
    const after = mapping(hosts("ABCDEF"));
    const changed = moved(before, after);
    const share = changed.length / CLIENTS.length;
    assert.ok(Math.abs(share - 1 / 6) <= 0.05, `${share} moved`);
    for (const address of changed) assert.equal(after.get(address), "F");
  });

  it("moves clients only to a host whose weight went up", () => {
    const candidates = hosts("ABCD");
    const before = mapping(candidates);
    candidates[1].weight = 2;
    const after = mapping(candidates);
    const changed = moved(before, after);
    assert.ok(changed.length > 0);
    for (const address of changed) assert.equal(after.get(address), "B");
  });

  it("sends a client whose host is excluded where removing that host would", () => {
    // A failover retry offers the set without the failed host: the client
    // lands where it will keep landing while that host stays out.
    const all = hosts("ABCD");
    const scheduler = createHash();
    for (const address of CLIENTS.slice(0, 500)) {
      const first = scheduler.pick(all, client(address));
      const rest = all.filter((h) => h !== first);
      const retry = scheduler.pick(rest, client(address));
      assert.notEqual(retry, first);
      assert.equal(createHash().pick(rest, client(address)), retry);
    }
  });

  it("builds a ring once per candidate set and keeps recent ones", () => {
    const scheduler = createHash();
    const all = hosts("ABCD");
    const withoutA = all.slice(1);
    for (const address of CLIENTS.slice(0, 1000)) scheduler.pick(all, client(address));
    assert.equal(scheduler.ringBuilds, 1);
    // Flipping between two sets (a failover retry and back) builds each once.
    for (const address of CLIENTS.slice(0, 100)) {
      scheduler.pick(withoutA, client(address));
      scheduler.pick(all, client(address));
    }
    assert.equal(scheduler.ringBuilds, 2);
    // Same indexes, new weight: a new set.
    const heavier = all.map((h) => ({ ...h, weight: h.index === 0 ? 2 : 1 }));
    scheduler.pick(heavier, client("192.0.2.1"));
    assert.equal(scheduler.ringBuilds, 3);
    // More distinct sets than the cache holds push the oldest out. (A single
    // candidate needs no ring, so the sets start at two.)
    const others = [all.slice(0, 2), all.slice(0, 3), all.slice(1, 3), all.slice(2, 4)];
    assert.equal(others.length, RING_CACHE_SIZE);
    for (const set of others) scheduler.pick(set, client("x"));
    const builds = scheduler.ringBuilds;
    scheduler.pick(all, client("192.0.2.1"));
    assert.equal(scheduler.ringBuilds, builds + 1);
  });

  it("treats an IPv4-mapped IPv6 address as the IPv4 client", () => {
    const scheduler = createHash();
    const candidates = hosts("ABCDEFGH");
    for (const address of CLIENTS.slice(0, 200)) {
      assert.equal(
        scheduler.pick(candidates, client(`::ffff:${address}`)),
        scheduler.pick(candidates, client(address)),
      );
    }
  });
});

describe("hash ring", () => {
  it("gives 160 points per unit of weight, at least one, none for weight 0", () => {
    assert.equal(pointsFor(1000), POINTS_PER_WEIGHT);
    assert.equal(pointsFor(2500), 400);
    assert.equal(pointsFor(1), 1); // weight 0.001
    assert.equal(pointsFor(0), 0);
    assert.equal(new Ring(hosts("ABC", [1, 2, 0.5])).size, 160 + 320 + 80);
  });

  it("stays within its point budget for huge weights by halving the density", () => {
    const heavy = hosts("ABCDEFGHIJKLMNOPQRST", Array(20).fill(1000));
    const perWeight = pointsPerWeight(heavy);
    assert.ok(perWeight < POINTS_PER_WEIGHT);
    assert.equal(Math.log2(POINTS_PER_WEIGHT / perWeight) % 1, 0, "a power-of-two step");
    const ring = new Ring(heavy);
    assert.ok(ring.size <= MAX_RING_POINTS && ring.size > MAX_RING_POINTS / 2, `${ring.size}`);
    assert.equal(pointsPerWeight(hosts("ABCDE")), POINTS_PER_WEIGHT);
  });

  it("finds the first point at or after a hash, wrapping past the top", () => {
    const ring = new Ring(hosts("AB"));
    for (const hash of [0, 1, 0x7fffffff, 0xfffffffe, 0xffffffff]) {
      const owner = ring.owner(hash);
      assert.ok(owner === 0 || owner === 1, `hash ${hash}: owner ${owner}`);
    }
    assert.equal(new Ring(hosts("AB", [0, 0])).owner(123), -1);
  });
});

describe("hashing", () => {
  it("is FNV-1a (32-bit) with the usual test vectors", () => {
    assert.equal(fnv1a(""), 0x811c9dc5);
    assert.equal(fnv1a("a"), 0xe40c292c);
    assert.equal(fnv1a("foobar"), 0xbf9cf968);
  });

  it("finishes with murmur3's fmix32, so neighbouring addresses land far apart", () => {
    // MurmurHash3_x86_32 of the empty input is fmix32(seed): its published
    // vectors for seeds 1 and 0xffffffff are fmix32's.
    assert.equal(fmix32(0), 0);
    assert.equal(fmix32(1), 0x514e28b7);
    assert.equal(fmix32(0xffffffff), 0x81f16f39);
    const a = hashString("10.0.0.17"), b = hashString("10.0.0.18");
    const differing = (a ^ b).toString(2).replaceAll("0", "").length;
    assert.ok(differing >= 8, `only ${differing} bits differ`);
  });

  it("keys clients by address, IPv4-mapped IPv6 reduced to IPv4", () => {
    assert.equal(clientKey("::ffff:192.0.2.1"), "192.0.2.1");
    assert.equal(clientKey("192.0.2.1"), "192.0.2.1");
    assert.equal(clientKey("::ffff:abcd"), "::ffff:abcd");
    assert.equal(clientKey("2001:db8::1"), "2001:db8::1");
  });
});
