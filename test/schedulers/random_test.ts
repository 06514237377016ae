/**
 * `random`: uniform over the candidates, with an injectable source.
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
