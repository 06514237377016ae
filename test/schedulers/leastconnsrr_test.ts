/**
 * `leastconnsrr`: fewest open connections, then the host that closed a
 * connection least recently (never first), then rotation.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLeastConnsRR } from "../../src/schedulers/leastconnsrr.ts";
import { ctx, hosts, seeded, tally, type TestHost } from "./helpers.ts";

function withLoad(opens: number[], lastClosed: number[]): TestHost[] {
  const candidates = hosts("ABCD".slice(0, opens.length));
  candidates.forEach((h, i) => {
    h.open = opens[i];
    h.lastClosed = lastClosed[i];
  });
  return candidates;
}

describe("leastconnsrr scheduler", () => {
  it("picks the fewest open connections whatever lastClosed says", () => {
    const candidates = withLoad([3, 1, 2], [0, 9000, 100]);
    assert.equal(createLeastConnsRR().pick(candidates, ctx).name, "B");
  });

  it("breaks ties by the oldest lastClosed", () => {
    const candidates = withLoad([1, 1, 1, 2], [3000, 1000, 2000, 10]);
    const scheduler = createLeastConnsRR();
    for (let i = 0; i < 3; i++) assert.equal(scheduler.pick(candidates, ctx).name, "B");
  });

  it("puts a host that never closed before any that did", () => {
    const candidates = withLoad([0, 0, 0], [100, 50, 0]);
    assert.equal(createLeastConnsRR().pick(candidates, ctx).name, "C");
  });

  it("rotates among hosts that never closed", () => {
    const scheduler = createLeastConnsRR();
    const candidates = withLoad([0, 0, 0, 0], [0, 500, 0, 0]);
    const names = Array.from({ length: 300 }, () => scheduler.pick(candidates, ctx).name);
    assert.equal(names.slice(0, 6).join(""), "ACDACD");
    assert.deepEqual(tally(names), { A: 100, C: 100, D: 100 });
  });

  it("rotates among hosts tied on both open and lastClosed", () => {
    const scheduler = createLeastConnsRR();
    const candidates = withLoad([2, 2, 1, 1], [700, 700, 700, 700]);
    const names = Array.from({ length: 4 }, () => scheduler.pick(candidates, ctx).name);
    assert.equal(names.join(""), "CDCD");
  });

  it("follows (open, lastClosed) when counters move with picks and closes", () => {
    const rand = seeded(99);
    const scheduler = createLeastConnsRR();
    const candidates = hosts("ABCD");
    const names: string[] = [];
    for (let now = 1; now <= 2000; now++) {
      const best = candidates.reduce((x, y) =>
        y.open < x.open || (y.open === x.open && y.lastClosed < x.lastClosed) ? y : x
      );
      const chosen = scheduler.pick(candidates, { ...ctx, now });
      assert.equal(chosen.open, best.open, `t=${now}: ${chosen.name} is not least loaded`);
      assert.equal(chosen.lastClosed, best.lastClosed, `t=${now}: ${chosen.name} closed later`);
      chosen.open++;
      names.push(chosen.name);
      for (const host of candidates) {
        for (let n = host.open; n > 0; n--) {
          if (rand() < 0.4) {
            host.open--;
            host.lastClosed = now;
          }
        }
      }
    }
    for (const [name, count] of Object.entries(tally(names))) {
      assert.ok(Math.abs(count - 500) <= 50, `${name} got ${count} of 2000`);
    }
  });
});

describe("leastconnsrr scheduler with weights", () => {
  it("compares open per weight first, then lastClosed", () => {
    const candidates = withLoad([2, 1, 4], [0, 0, 0]);
    candidates[2].weight = 4; // 1 per weight, like B
    candidates[1].lastClosed = 500;
    candidates[2].lastClosed = 100;
    assert.equal(createLeastConnsRR().pick(candidates, ctx).name, "C");
    candidates[0].weight = 4; // 0.5 per weight: now A is least loaded
    assert.equal(createLeastConnsRR().pick(candidates, ctx).name, "A");
  });
});
