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

/** Everything a reload does before it applies: load the new file, plan from the old one. */
function reloadWork(text: string, running: ReturnType<typeof loadConfigText>): void {
  const loaded = loadConfigText(text, "big.xml");
  const plan = planChanges(running.config, loaded.config);
  assert.equal(plan.edits.length, 1, "the larger config differs by one host");
  serializeConfig(loaded.config);
}

/** The best of `REPS` runs, in milliseconds. */
function bestTime(options: BigConfigOptions): number {
  const text = bigConfig(options);
  // The running config lacks one host, so the plan has one edit to find.
  const running = loadConfigText(text.replace(/ *<host name="h0" [^>]*>\n/, ""), "old.xml");
  reloadWork(text, running); // warm up the JIT on this size
  let best = Infinity;
  for (let i = 0; i < REPS; i++) {
    const start = performance.now();
    reloadWork(text, running);
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

function assertLinear(small: BigConfigOptions, large: BigConfigOptions): void {
  const a = bestTime(small), b = bestTime(large);
  const ratio = b / a;
  const sizes = `${small.services}×${small.hostsPerService} → ${large.services}×` +
    `${large.hostsPerService}: ${a.toFixed(1)} ms → ${b.toFixed(1)} ms`;
  assert.ok(ratio <= MAX_RATIO, `${sizes}, ×${ratio.toFixed(2)} (at most ×${MAX_RATIO})`);
}

describe("load, validate, plan and serialize are linear in the config", () => {
  it("4× the services (20 hosts each) takes at most 6× the time", () => {
    assertLinear({ services: 100, hostsPerService: 20 }, { services: 400, hostsPerService: 20 });
  });

  it("4× the hosts per group (5 services) takes at most 6× the time", () => {
    assertLinear({ services: 5, hostsPerService: 400 }, { services: 5, hostsPerService: 1600 });
  });
});
