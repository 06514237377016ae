/**
 * The control plane's pure work — load (parse + validate), plan a reload
 * and serialize — grows linearly with the config: a config of 4n hosts may
 * take at most 6× the time of one of n hosts (4× plus room for noise). A
 * quadratic step (a scan of the document per element, pairwise duplicate
 * checks, repeated serialisation) makes it about 16× and fails.
 *
 * The test measures its own ratio, never an absolute time: on a loaded
 * machine each size is timed a few times and the best run counts, since
 * other processes only ever make a run slower. Both ways a config grows are
 * covered: more services, and more hosts per group.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planChanges } from "../../src/changes/plan.ts";
import { loadConfigText } from "../../src/config/load.ts";
import { serializeConfig } from "../../src/config/serialize.ts";
import { bigConfig, type BigConfigOptions } from "../support/big_config.ts";

const MAX_RATIO = 6;
const REPS = 5;
const ROUNDS = 3;

/** Everything a reload does before it applies: load the new file, plan from the old one. */
function reloadWork(text: string, running: ReturnType<typeof loadConfigText>): void {
  const loaded = loadConfigText(text, "big.xml");
  const plan = planChanges(running.config, loaded.config);
  assert.equal(plan.edits.length, 1, "the larger config differs by one host");
  serializeConfig(loaded.config);
}

/** A size to time: its text and the running config it is planned against. */
function prepare(options: BigConfigOptions) {
  const text = bigConfig(options);
  // The running config lacks one host, so the plan has one edit to find.
  const running = loadConfigText(text.replace(/ *<host name="h0" [^>]*>\n/, ""), "old.xml");
  reloadWork(text, running); // warm up the JIT on this size
  return { text, running };
}

function timed(size: ReturnType<typeof prepare>): number {
  const start = performance.now();
  reloadWork(size.text, size.running);
  return performance.now() - start;
}

/**
 * The ratio of the best runs of each size, the sizes timed in turn (so a
 * burst of load elsewhere slows both); a round over the limit is tried
 * again, up to `ROUNDS` times, since noise only ever makes a run slower
 * while a quadratic step is over the limit in every round.
 */
function assertLinear(small: BigConfigOptions, large: BigConfigOptions): void {
  const a = prepare(small), b = prepare(large);
  let report = "";
  for (let round = 0; round < ROUNDS; round++) {
    let bestA = Infinity, bestB = Infinity;
    for (let i = 0; i < REPS; i++) {
      bestA = Math.min(bestA, timed(a));
      bestB = Math.min(bestB, timed(b));
    }
    const ratio = bestB / bestA;
    if (ratio <= MAX_RATIO) return;
    report += `${small.services}×${small.hostsPerService} → ${large.services}×` +
      `${large.hostsPerService}: ${bestA.toFixed(1)} ms → ${bestB.toFixed(1)} ms, ×${
        ratio.toFixed(2)
      }; `;
  }
  assert.fail(`${report}at most ×${MAX_RATIO} in one of ${ROUNDS} rounds`);
}

describe("load, validate, plan and serialize are linear in the config", () => {
  it("4× the services (20 hosts each) takes at most 6× the time", () => {
    assertLinear({ services: 100, hostsPerService: 20 }, { services: 400, hostsPerService: 20 });
  });

  it("4× the hosts per group (5 services) takes at most 6× the time", () => {
    assertLinear({ services: 5, hostsPerService: 400 }, { services: 5, hostsPerService: 1600 });
  });
});
