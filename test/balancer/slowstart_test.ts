/**
 * Slow start: the ramp function itself, and a group handing a returning
 * host a growing share under every balancing scheduler (picks counted with
 * the clock moved by hand), while `hash` ignores it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Group } from "../../src/balancer/group.ts";
import type { HostState } from "../../src/balancer/host_state.ts";
import {
  hostFactor,
  rampedWeight,
  SLOWSTART_STEPS,
  slowStartFactor,
} from "../../src/balancer/slowstart.ts";
import type { GroupConfig } from "../../src/config/model.ts";
import { Arena } from "../../src/state/arena.ts";
import { clients } from "../schedulers/helpers.ts";

describe("slowStartFactor", () => {
  it("grows linearly in steps from 1/20 to 1 over the window", () => {
    assert.equal(slowStartFactor(0, 10_000), 1 / SLOWSTART_STEPS);
    assert.equal(slowStartFactor(499, 10_000), 1 / SLOWSTART_STEPS);
    assert.equal(slowStartFactor(2_500, 10_000), 0.25);
    assert.equal(slowStartFactor(5_000, 10_000), 0.5);
    assert.equal(slowStartFactor(9_999, 10_000), 0.95);
    assert.equal(slowStartFactor(10_000, 10_000), 1);
    let previous = 0;
    for (let t = 0; t <= 10_000; t += 100) {
      const f = slowStartFactor(t, 10_000);
      assert.ok(f >= previous && f > 0 && f <= 1, `monotonic at ${t}`);
      // Never ahead of the straight line by more than one step.
      assert.ok(f <= t / 10_000 + 1 / SLOWSTART_STEPS + 1e-9, `linear at ${t}`);
      previous = f;
    }
  });

  it("is 1 without a window, past it, or with a clock that went backwards", () => {
    assert.equal(slowStartFactor(5, 0), 1);
    assert.equal(slowStartFactor(50_000, 10_000), 1);
    assert.equal(slowStartFactor(-5, 10_000), 1);
    assert.equal(slowStartFactor(NaN, 10_000), 1);
  });

  it("scales weights in thousandths, never to 0", () => {
    assert.equal(rampedWeight(2, 0.25), 0.5);
    assert.equal(rampedWeight(0.001, 0.05), 0.001);
    assert.equal(rampedWeight(3, 1), 3);
    assert.equal(rampedWeight(0, 0.5), 0);
  });
});

let now = 1_000_000;
const WINDOW = 20_000;

function group(scheduler: string, extra: Partial<GroupConfig> = {}): Group {
  const config: GroupConfig = {
    name: "main",
    scheduler,
    connectTimeoutMs: 5000,
    slowStartMs: WINDOW,
    hosts: ["A", "B"].map((name, i) => ({
      name,
      address: { spec: `127.0.0.1:${9001 + i}`, hostname: "127.0.0.1", port: 9001 + i },
    })),
    ...extra,
  };
  return new Group(config, Arena.create(1, false), 0);
}

let seen = 0;

/** B's share of `count` picks by new clients now (connections held when `hold`). */
function shareOfB(g: Group, count: number, hold: boolean): number {
  let b = 0;
  const addresses = clients(seen + count).slice(seen);
  seen += count;
  const picked: HostState[] = [];
  for (let i = 0; i < count; i++) {
    const host = g.pick({ clientAddress: addresses[i], now })!;
    if (host.name === "B") b++;
    if (hold) picked.push(host);
    else host.unopened();
  }
  for (const host of picked) host.unopened();
  return b / count;
}

/** Take B out and bring it back (as recovery does) at `now`. */
function bounce(g: Group): HostState {
  const b = g.findHost("B")!;
  b.setBad(now);
  b.clearBad(now);
  return b;
}

describe("a group ramps a returning host", () => {
  for (
    const [scheduler, hold] of [
      ["roundrobin", false],
      ["random", false],
      ["leastconns", true],
      ["leastconnsrr", true],
      ["sticky", true],
    ] as const
  ) {
    it(`${scheduler}: under a third of the final share in the first fifth, full after`, () => {
      const g = group(scheduler);
      bounce(g);
      const early: number[] = [];
      for (const at of [0, 0.05, 0.1, 0.15]) {
        now = g.findHost("B")!.upSince + at * WINDOW;
        early.push(shareOfB(g, 400, hold));
      }
      now += WINDOW;
      const final = shareOfB(g, 400, hold);
      const first = early.reduce((a, b) => a + b) / early.length;
      assert.ok(final > 0.4 && final < 0.6, `${scheduler}: final share ${final}`);
      assert.ok(first < final / 3, `${scheduler}: first fifth ${first} vs final ${final}`);
      assert.ok(first > 0, `${scheduler}: the returning host still gets some`);
    });
  }

  it("midway the share is about half the final one (roundrobin)", () => {
    const g = group("roundrobin");
    const b = bounce(g);
    now = b.upSince + WINDOW / 2;
    const mid = shareOfB(g, 1000, false);
    // Weight 0.5 against 1: a third of the picks.
    assert.ok(Math.abs(mid - 1 / 3) < 0.01, `mid ${mid}`);
  });

  it("hash ignores slow start (its ring would churn)", () => {
    const g = group("hash");
    bounce(g);
    now = g.findHost("B")!.upSince;
    const share = shareOfB(g, 2000, false);
    assert.ok(share > 0.35 && share < 0.65, `hash share ${share}`);
  });

  it("a host's own slowstart overrides the group's; 0 turns it off", () => {
    const g = group("roundrobin");
    const b = bounce(g);
    now = b.upSince;
    b.slowStartMs = 0;
    assert.equal(hostFactor(b, g.slowStartMs, now), 1);
    b.slowStartMs = 1000;
    now = b.upSince + 500;
    assert.equal(hostFactor(b, g.slowStartMs, now), 0.5);
    b.slowStartMs = undefined;
    assert.equal(hostFactor(b, g.slowStartMs, now), 1 / SLOWSTART_STEPS);
  });

  it("hosts of the config at start, never out, are not ramped", () => {
    const g = group("roundrobin");
    now = 5;
    assert.equal(hostFactor(g.findHost("B")!, g.slowStartMs, now), 1);
    assert.ok(Math.abs(shareOfB(g, 400, false) - 0.5) < 0.01);
  });

  it("admin-up and a new host start the ramp too", () => {
    const g = group("roundrobin");
    const b = g.findHost("B")!;
    b.setAdminDown(true, now);
    b.setAdminDown(false, now + 1);
    assert.equal(b.upSince, now + 1);
    const c = g.addHost({
      name: "C",
      address: { spec: "127.0.0.1:9003", hostname: "127.0.0.1", port: 9003 },
    });
    c.joined(now + 2);
    assert.equal(hostFactor(c, g.slowStartMs, now + 2), 1 / SLOWSTART_STEPS);
  });
});
