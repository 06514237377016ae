/**
 * `roundrobin`: strict rotation by group index that survives hosts leaving
 * and returning.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRoundRobin } from "../../src/schedulers/roundrobin.ts";
import type { Scheduler } from "../../src/schedulers/types.ts";
import { ctx, hosts, type TestHost } from "./helpers.ts";

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
