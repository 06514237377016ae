/**
 * `roundrobin`: strict rotation by group index that survives hosts leaving
 * and returning; with weights, smooth weighted round robin.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRoundRobin } from "../../src/schedulers/roundrobin.ts";
import type { Scheduler } from "../../src/schedulers/types.ts";
import { ctx, hosts, longestRun, tally, type TestHost } from "./helpers.ts";

function picks(scheduler: Scheduler, candidates: TestHost[], count: number): string {
  let names = "";
  for (let i = 0; i < count; i++) names += scheduler.pick(candidates, ctx).name;
  return names;
}

describe("roundrobin scheduler", () => {
  it("rotates A B C A B C", () => {
    assert.equal(picks(createRoundRobin(), hosts("ABC"), 9), "ABCABCABC");
  });

  it("skips a host while it is gone and takes it back in its turn", () => {
    const scheduler = createRoundRobin();
    const [a, b, c] = hosts("ABC");
    assert.equal(picks(scheduler, [a, b, c], 3), "ABC");
    assert.equal(picks(scheduler, [a, c], 4), "ACAC");
    // Last pick was C, so the cycle goes on from A, with B back in place.
    assert.equal(picks(scheduler, [a, b, c], 6), "ABCABC");
  });

  it("continues after the returning host rather than restarting", () => {
    const scheduler = createRoundRobin();
    const [a, b, c] = hosts("ABC");
    assert.equal(picks(scheduler, [a, b, c], 1), "A");
    assert.equal(picks(scheduler, [a, c], 1), "C");
    assert.equal(picks(scheduler, [a, b, c], 4), "ABCA");
  });

  it("moves on when the last picked host leaves", () => {
    const scheduler = createRoundRobin();
    const [a, b, c, d] = hosts("ABCD");
    assert.equal(picks(scheduler, [a, b, c, d], 2), "AB");
    assert.equal(picks(scheduler, [a, c, d], 3), "CDA");
  });

  it("fits a new host into the cycle by its index", () => {
    const scheduler = createRoundRobin();
    const [a, b, c] = hosts("ABC");
    assert.equal(picks(scheduler, [a, b], 3), "ABA");
    assert.equal(picks(scheduler, [a, b, c], 4), "BCAB");
  });

  it("follows group indexes, not array positions", () => {
    const scheduler = createRoundRobin();
    const sparse = hosts("ABCDEFGH").filter((h) => [1, 4, 6].includes(h.index));
    assert.equal(picks(scheduler, sparse, 6), "BEGBEG");
  });

  it("ignores load", () => {
    const candidates = hosts("AB");
    candidates[0].open = 50;
    assert.equal(picks(createRoundRobin(), candidates, 4), "ABAB");
  });
});

describe("roundrobin scheduler with weights (smooth weighted round robin)", () => {
  const names = (scheduler: Scheduler, candidates: TestHost[], count: number) =>
    Array.from({ length: count }, () => scheduler.pick(candidates, ctx).name);

  it("gives weights 3:1 exactly 300 and 100 of 400 picks, never more than 3 in a row", () => {
    const picked = names(createRoundRobin(), hosts("AB", [3, 1]), 400);
    assert.deepEqual(tally(picked), { A: 300, B: 100 });
    assert.ok(longestRun(picked) <= 3, `longest run ${longestRun(picked)}`);
  });

  it("interleaves weight 2 with weight 1 as A B A, not A A B", () => {
    assert.equal(names(createRoundRobin(), hosts("AB", [2, 1]), 6).join(""), "ABAABA");
  });

  it("spreads 5:1:1 like nginx: a a b a c a a", () => {
    assert.equal(
      names(createRoundRobin(), hosts("abc", [5, 1, 1]), 14).join(""),
      "aabacaa".repeat(2),
    );
  });

  it("is exact in every cycle of total weight, for fractional and extreme weights", () => {
    for (
      const weights of [[0.5, 1.5], [0.001, 0.002, 0.003], [1000, 1], [2.5, 1, 1.5], [1, 1, 1, 1]]
    ) {
      const scheduler = createRoundRobin();
      const candidates = hosts("ABCD".slice(0, weights.length), weights);
      // Picks per cycle: the weights scaled to the smallest whole numbers.
      const units = weights.map((w) => Math.round(w * 1000));
      const divisor = units.reduce((a, b) => gcd(a, b));
      const cycle = units.reduce((a, b) => a + b) / divisor;
      for (let round = 0; round < 3; round++) {
        const counts = tally(names(scheduler, candidates, cycle));
        candidates.forEach((h, i) => {
          assert.equal(counts[h.name] ?? 0, units[i] / divisor, `${weights}: ${h.name}`);
        });
      }
    }
  });

  it("keeps each host within one pick of its due share at every point", () => {
    // The "smooth" in SWRR: after n picks a host of share s has n·s ± 1.
    const weights = [5, 3, 2];
    const candidates = hosts("ABC", weights);
    const scheduler = createRoundRobin();
    const counts = [0, 0, 0];
    for (let n = 1; n <= 1000; n++) {
      counts[scheduler.pick(candidates, ctx).index]++;
      weights.forEach((w, i) => {
        assert.ok(Math.abs(counts[i] - (n * w) / 10) < 1, `pick ${n}: ${counts}`);
      });
    }
  });

  it("starts a fresh cycle when a host leaves, continuing from the last index", () => {
    const scheduler = createRoundRobin();
    const [a, b, c] = hosts("ABC", [2, 1, 1]);
    assert.deepEqual(tally(names(scheduler, [a, b, c], 8)), { A: 4, B: 2, C: 2 });
    assert.deepEqual(tally(names(scheduler, [a, c], 6)), { A: 4, C: 2 });
    assert.deepEqual(tally(names(scheduler, [a, b, c], 12)), { A: 6, B: 3, C: 3 });
  });

  it("applies a changed weight from the next pick", () => {
    const scheduler = createRoundRobin();
    const candidates = hosts("AB");
    assert.equal(names(scheduler, candidates, 4).join(""), "ABAB");
    candidates[1].weight = 3;
    assert.deepEqual(tally(names(scheduler, candidates, 400)), { A: 100, B: 300 });
  });
});

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
