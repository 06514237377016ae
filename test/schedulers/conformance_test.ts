/**
 * One suite every registered scheduler must pass, whatever its policy:
 * it only ever returns one of the candidates it was given, copes with the
 * set, the weights and the clients changing, never writes to a candidate (but
 * for the score it keeps there),
 * and keeps its state to itself.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createScheduler,
  isSchedulerName,
  SCHEDULER_NAMES,
} from "../../src/schedulers/registry.ts";
import { client, clients, ctx, hosts, seeded, type TestHost } from "./helpers.ts";

/** Weights the inputs draw from: fractions, integers, the extremes. */
const WEIGHTS = [0.001, 0.5, 1, 1, 1, 2, 3, 7.25, 1000];

/** Pick `n`'s context: 40 clients taking turns, a second apart. */
const nth = (n: number) => client(`192.0.2.${n % 40}`, ctx.now + n * 1000);

it("the conformance suite covers all six schedulers", () => {
  assert.deepEqual([...SCHEDULER_NAMES].sort(), [
    "hash",
    "leastconns",
    "leastconnsrr",
    "random",
    "roundrobin",
    "sticky",
  ]);
});

for (const name of SCHEDULER_NAMES) {
  describe(`scheduler conformance: ${name}`, () => {
    it("is created by name and reports that name", () => {
      assert.ok(isSchedulerName(name));
      assert.equal(createScheduler(name).name, name);
    });

    it("returns an element of candidates itself, not a copy", () => {
      const scheduler = createScheduler(name);
      const candidates = hosts("ABCD");
      for (let i = 0; i < 20; i++) {
        const chosen = scheduler.pick(candidates, ctx);
        assert.ok(candidates.some((c) => c === chosen), `picked ${JSON.stringify(chosen)}`);
      }
    });

    it("works with a single candidate", () => {
      const scheduler = createScheduler(name);
      const only = hosts("A");
      only[0].open = 7;
      for (let i = 0; i < 5; i++) assert.equal(scheduler.pick(only, ctx), only[0]);
    });

    it("never picks outside the set after it shrinks or grows", () => {
      const scheduler = createScheduler(name);
      const all = hosts("ABCDE");
      const sets = [all, [all[0], all[4]], [all[2]], all, [all[1], all[3]], all.slice(0, 3)];
      for (const set of sets) {
        for (let i = 0; i < 10; i++) {
          const chosen = scheduler.pick(set, ctx);
          assert.ok(set.includes(chosen), `picked ${chosen.name} from ${set.map((h) => h.name)}`);
        }
      }
    });

    it("keeps its state per instance", () => {
      // The same inputs must give a fresh instance the same picks whether or
      // not another instance is picking in between. Math.random is replaced
      // while the instances are created so that `random`, which takes its
      // source at creation, is reproducible too.
      const inputs = pickInputs(seeded(7), 60);
      const original = Math.random;
      try {
        Math.random = seeded(1);
        const reference = createScheduler(name);
        const expected = inputs.map((set) => reference.pick(set, ctx).name);

        Math.random = seeded(2);
        const other = createScheduler(name);
        Math.random = seeded(1);
        const subject = createScheduler(name);
        const actual = inputs.map((set) => {
          other.pick(set, ctx);
          return subject.pick(set, ctx).name;
        });
        assert.deepEqual(actual, expected);
      } finally {
        Math.random = original;
      }
    });

    it("handles 1000 picks over random subsets, weights, open counts and clients", () => {
      const scheduler = createScheduler(name);
      pickInputs(seeded(42), 1000).forEach((set, n) => {
        const chosen = scheduler.pick(set, nth(n));
        assert.ok(set.includes(chosen));
      });
    });

    it("never writes to a candidate, but for its own score", () => {
      const scheduler = createScheduler(name);
      pickInputs(seeded(5), 200).forEach((set, n) => {
        // Every field read-only but `score`: a write to one throws in module (strict) code.
        const frozen = set.map((h) => {
          const copy = { ...h };
          for (const key of Object.keys(copy)) {
            if (key !== "score") Object.defineProperty(copy, key, { writable: false });
          }
          return Object.preventExtensions(copy);
        });
        assert.ok(frozen.includes(scheduler.pick(frozen, nth(n))));
      });
    });

    it("gives every candidate some of 3000 picks by 1000 clients", () => {
      const scheduler = createScheduler(name);
      const candidates = hosts("ABCDE", [1, 2, 1, 3, 0.5]);
      const seen = new Set<string>();
      for (const [n, address] of clients(1000).entries()) {
        for (let again = 0; again < 3; again++) {
          seen.add(scheduler.pick(candidates, client(address, ctx.now + n)).name);
        }
      }
      assert.deepEqual([...seen].sort(), ["A", "B", "C", "D", "E"]);
    });

    it("picks from a set of weights it has never seen after many it has", () => {
      const scheduler = createScheduler(name);
      const candidates = hosts("ABC");
      for (const weight of WEIGHTS) {
        candidates[1].weight = weight;
        for (let n = 0; n < 20; n++) {
          assert.ok(candidates.includes(scheduler.pick(candidates, nth(n))));
        }
      }
    });

    it("still returns a candidate when given weight-0 hosts (outside the contract)", () => {
      const scheduler = createScheduler(name);
      for (const weights of [[0, 1, 0], [0, 0, 0], [0, 0, 2]]) {
        const candidates = hosts("ABC", weights);
        for (let n = 0; n < 30; n++) {
          const chosen = scheduler.pick(candidates, nth(n));
          assert.ok(candidates.includes(chosen));
          if (weights.some((w) => w > 0)) {
            assert.notEqual(chosen.weight, 0, `${weights}: picked ${chosen.name}`);
          }
        }
      }
    });

    it("refuses an empty candidate list", () => {
      assert.throws(() => createScheduler(name).pick([], ctx), RangeError);
    });
  });
}

describe("createScheduler", () => {
  it("throws for an unknown name, listing the known ones", () => {
    for (const bad of ["fastest", "", "RoundRobin", "toString", "__proto__"]) {
      assert.equal(isSchedulerName(bad), false);
      assert.throws(() => createScheduler(bad), (error: Error) => {
        assert.ok(error.message.includes(`"${bad}"`), error.message);
        for (const known of SCHEDULER_NAMES) assert.ok(error.message.includes(known));
        return true;
      });
    }
  });
});

/** Non-empty random subsets (in group order) of 8 hosts with random load and weights. */
function pickInputs(rand: () => number, count: number): TestHost[][] {
  const inputs: TestHost[][] = [];
  for (let n = 0; n < count; n++) {
    const set = hosts("ABCDEFGH")
      .filter(() => rand() < 0.5)
      .map((h) => ({
        ...h,
        open: Math.floor(rand() * 4),
        lastClosed: Math.floor(rand() * 3),
        weight: WEIGHTS[Math.floor(rand() * WEIGHTS.length)],
      }));
    inputs.push(set.length > 0 ? set : hosts("A"));
  }
  return inputs;
}
