/**
 * `leastconns`: fewest open connections, ties rotated (not given to the
 * lowest host as pythondirector did).
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLeastConns } from "../../src/schedulers/leastconns.ts";
import { ctx, hosts, seeded, tally } from "./helpers.ts";

describe("leastconns scheduler", () => {
  it("picks the host with the fewest open connections", () => {
    for (
      const [opens, expected] of [[[0, 5, 9], "A"], [[5, 0, 9], "B"], [[5, 9, 2], "C"]] as const
    ) {
      const candidates = hosts("ABC");
      opens.forEach((open, i) => candidates[i].open = open);
      const scheduler = createLeastConns();
      for (let i = 0; i < 3; i++) {
        assert.equal(scheduler.pick(candidates, ctx).name, expected, `opens ${opens}`);
      }
    }
  });

  it("shares 300 picks among 3 tied hosts exactly 100 each", () => {
    const scheduler = createLeastConns();
    const candidates = hosts("ABC");
    const names = Array.from({ length: 300 }, () => scheduler.pick(candidates, ctx).name);
    assert.deepEqual(tally(names), { A: 100, B: 100, C: 100 });
    assert.equal(names.slice(0, 6).join(""), "ABCABC");
  });

  it("rotates only among the tied minimum", () => {
    const scheduler = createLeastConns();
    const candidates = hosts("ABCD");
    candidates[1].open = 1;
    candidates[3].open = 0;
    candidates[0].open = 0;
    candidates[2].open = 2;
    const names = Array.from({ length: 6 }, () => scheduler.pick(candidates, ctx).name);
    assert.equal(names.join(""), "ADADAD");
  });

  it("keeps hosts level when open counts follow the picks", () => {
    // Each pick opens a connection on the chosen host; each step every open
    // connection closes with probability 1/2, so ties are frequent.
    const rand = seeded(2024);
    const scheduler = createLeastConns();
    const candidates = hosts("ABC");
    const names: string[] = [];
    for (let step = 0; step < 3000; step++) {
      const min = Math.min(...candidates.map((h) => h.open));
      const chosen = scheduler.pick(candidates, ctx);
      assert.equal(chosen.open, min, `step ${step}: picked ${chosen.name} above the minimum`);
      chosen.open++;
      names.push(chosen.name);
      for (const host of candidates) {
        for (let n = host.open; n > 0; n--) if (rand() < 0.5) host.open--;
      }
    }
    for (const [name, count] of Object.entries(tally(names))) {
      assert.ok(Math.abs(count - 1000) <= 50, `${name} got ${count} of 3000`);
    }
  });
});

describe("leastconns scheduler with weights", () => {
  it("compares open connections per weight", () => {
    // 2 open on weight 3 (0.67 each) beats 1 open on weight 1.
    const candidates = hosts("AB", [1, 3]);
    candidates[0].open = 1;
    candidates[1].open = 2;
    assert.equal(createLeastConns().pick(candidates, ctx).name, "B");
    candidates[1].open = 4; // 1.33 per weight
    assert.equal(createLeastConns().pick(candidates, ctx).name, "A");
  });

  it("treats equal ratios as ties and rotates them, fractions included", () => {
    const candidates = hosts("ABC", [0.1, 0.3, 2]);
    [1, 3, 20].forEach((open, i) => candidates[i].open = open);
    const scheduler = createLeastConns();
    const names = Array.from({ length: 6 }, () => scheduler.pick(candidates, ctx).name);
    assert.equal(names.join(""), "ABCABC");
  });

  it("fills hosts in proportion to weight when connections stay open", () => {
    const scheduler = createLeastConns();
    const candidates = hosts("ABC", [1, 2, 3]);
    for (let i = 0; i < 600; i++) scheduler.pick(candidates, ctx).open++;
    assert.deepEqual(candidates.map((h) => h.open), [100, 200, 300]);
  });

  it("spreads 1:3 weighted load about 1:3 when connections close at random", () => {
    const rand = seeded(7);
    const scheduler = createLeastConns();
    const candidates = hosts("AB", [1, 3]);
    const names: string[] = [];
    for (let step = 0; step < 8000; step++) {
      const best = Math.min(...candidates.map((h) => h.open / h.weight));
      const chosen = scheduler.pick(candidates, ctx);
      assert.equal(chosen.open / chosen.weight, best, `step ${step}: not the least loaded`);
      chosen.open++;
      names.push(chosen.name);
      for (const host of candidates) {
        for (let n = host.open; n > 0; n--) if (rand() < 0.1) host.open--;
      }
    }
    const counts = tally(names);
    assert.ok(Math.abs(counts.A - 2000) <= 200, `A got ${counts.A} of 8000`);
    assert.ok(Math.abs(counts.B - 6000) <= 200, `B got ${counts.B} of 8000`);
  });
});
