/**
 * `random`: uniform over equally weighted candidates, proportional to
 * weight otherwise, with an injectable source.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRandom } from "../../src/schedulers/random.ts";
import { ctx, hosts, tally } from "./helpers.ts";

describe("random scheduler", () => {
  it("spreads 30,000 picks over 3 hosts within 5% of a third each", () => {
    const scheduler = createRandom();
    const candidates = hosts("ABC");
    const names = Array.from({ length: 30_000 }, () => scheduler.pick(candidates, ctx).name);
    const counts = tally(names);
    assert.deepEqual(Object.keys(counts).sort(), ["A", "B", "C"]);
    for (const [name, count] of Object.entries(counts)) {
      // 10,000 expected; ±500 is about six standard deviations.
      assert.ok(Math.abs(count - 10_000) <= 500, `${name} got ${count}`);
    }
  });

  it("maps the injected source onto the candidates", () => {
    const values = [0, 0.34, 0.5, 0.67, 0.999999, 0.1];
    let next = 0;
    const scheduler = createRandom(() => values[next++]);
    const candidates = hosts("ABC");
    const names = values.map(() => scheduler.pick(candidates, ctx).name);
    assert.equal(next, values.length, "one draw per pick");
    assert.deepEqual(names, ["A", "B", "B", "C", "C", "A"]);
  });

  it("stays in range if the source returns 1", () => {
    const candidates = hosts("ABC");
    assert.equal(createRandom(() => 1).pick(candidates, ctx), candidates[2]);
  });

  it("ignores load: open counts do not bias the choice", () => {
    const candidates = hosts("AB");
    candidates[0].open = 1000;
    assert.equal(createRandom(() => 0).pick(candidates, ctx), candidates[0]);
  });
});

describe("random scheduler with weights", () => {
  it("picks in proportion to weight, within 5% of each share over 60,000 picks", () => {
    const scheduler = createRandom();
    const candidates = hosts("ABC", [1, 2, 3]);
    const counts = tally(
      Array.from({ length: 60_000 }, () => scheduler.pick(candidates, ctx).name),
    );
    for (const [name, expected] of [["A", 10_000], ["B", 20_000], ["C", 30_000]] as const) {
      assert.ok(
        Math.abs(counts[name] - expected) <= expected * 0.05,
        `${name} got ${counts[name]}`,
      );
    }
  });

  it("maps the draw onto cumulative weights, one draw per pick", () => {
    // Weights 1 and 3 split [0, 1) at 0.25.
    const values = [0, 0.2499, 0.25, 0.6, 0.999999, 1];
    let next = 0;
    const scheduler = createRandom(() => values[next++]);
    const candidates = hosts("AB", [1, 3]);
    const names = values.map(() => scheduler.pick(candidates, ctx).name);
    assert.equal(next, values.length);
    assert.deepEqual(names, ["A", "A", "B", "B", "B", "B"]);
  });

  it("handles fractional weights exactly at the boundaries", () => {
    const candidates = hosts("ABC", [0.1, 0.2, 0.7]);
    assert.equal(createRandom(() => 0.0999).pick(candidates, ctx).name, "A");
    assert.equal(createRandom(() => 0.1).pick(candidates, ctx).name, "B");
    assert.equal(createRandom(() => 0.3).pick(candidates, ctx).name, "C");
  });

  it("never picks a weight-0 host, even when the draw is at either end", () => {
    const candidates = hosts("ABC", [0, 1, 0]);
    for (const draw of [0, 0.5, 0.999999, 1]) {
      assert.equal(createRandom(() => draw).pick(candidates, ctx).name, "B", `draw ${draw}`);
    }
  });
});
