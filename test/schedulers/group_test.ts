/**
 * How a group hands its hosts to the schedulers: weight-0 hosts are never
 * candidates (but stay in the group), weights and `stickytime` reach the
 * scheduler, and both come back out of `toConfig` only when not defaults.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Group } from "../../src/balancer/group.ts";
import type { HostState } from "../../src/balancer/host_state.ts";
import { Arena } from "../../src/state/arena.ts";
import type { GroupConfig } from "../../src/config/model.ts";
import { SCHEDULER_NAMES } from "../../src/schedulers/registry.ts";
import { client, clients, ctx, tally } from "./helpers.ts";

function groupOf(scheduler: string, weights: (number | undefined)[], extra = {}): Group {
  const config: GroupConfig = {
    name: "main",
    scheduler,
    connectTimeoutMs: 5000,
    hosts: weights.map((weight, i) => ({
      name: "ABCD"[i],
      address: { spec: `127.0.0.1:${8001 + i}`, hostname: "127.0.0.1", port: 8001 + i },
      ...(weight === undefined ? {} : { weight }),
    })),
    ...extra,
  };
  return new Group(config, Arena.create(1, false), 0);
}

/** Make `host` show `n` open connections (as n picks in progress would). */
function setOpen(host: HostState, n: number): void {
  while (host.open < n) host.opened();
  while (host.open > n) host.unopened();
}

describe("Group and weights", () => {
  for (const scheduler of SCHEDULER_NAMES) {
    it(`${scheduler}: a weight-0 host gets no new connections but stays in the group`, () => {
      const group = groupOf(scheduler, [1, 0, 2]);
      const picked = clients(300).map((a) => group.pick(client(a))!.name);
      assert.ok(!picked.includes("B"), `${scheduler} picked B`);
      assert.equal(group.hosts.length, 3);
    });
  }

  it("returns no host when every available host has weight 0", () => {
    const group = groupOf("roundrobin", [0, 0]);
    assert.equal(group.pick(ctx), undefined);
    assert.equal(group.allBad, false, "weight 0 is not bad: recovery leaves it alone");
  });

  it("passes weights to the scheduler, and a changed weight takes effect at once", () => {
    const group = groupOf("roundrobin", [3, 1]);
    const names = () => Array.from({ length: 400 }, () => group.pick(ctx)!.name);
    assert.deepEqual(tally(names()), { A: 300, B: 100 });
    group.hosts[1].weight = 0;
    assert.deepEqual(tally(names()), { A: 400 });
    group.hosts[1].weight = 1;
    assert.deepEqual(tally(names()), { A: 300, B: 100 });
    group.hosts[0].weight = 1;
    assert.deepEqual(tally(names()), { A: 200, B: 200 });
  });

  it("round-trips weight and stickytime through toConfig, leaving out defaults", () => {
    const plain = groupOf("sticky", [undefined, undefined]).toConfig();
    assert.equal("stickyTimeMs" in plain, false);
    assert.ok(plain.hosts.every((h) => !("weight" in h)));
    const tuned = groupOf("sticky", [2.5, undefined], { stickyTimeMs: 60_000 });
    assert.equal(tuned.stickyTimeMs, 60_000);
    const config = tuned.toConfig();
    assert.equal(config.stickyTimeMs, 60_000);
    assert.deepEqual(config.hosts.map((h) => h.weight), [2.5, undefined]);
    tuned.hosts[0].weight = 1;
    tuned.stickyTimeMs = 1_800_000;
    assert.deepEqual(groupOf("sticky", [undefined, undefined]).toConfig(), tuned.toConfig());
  });

  it("gives its stickytime to a sticky scheduler, live and after a scheduler change", () => {
    const group = groupOf("leastconns", [1, 1], { stickyTimeMs: 60_000 });
    group.setScheduler("sticky");
    const [a, b] = group.hosts;
    const t0 = ctx.now;
    assert.equal(group.pick(client("192.0.2.1", t0)), a);
    setOpen(a, 5); // a fresh placement would go to B
    assert.equal(group.pick(client("192.0.2.1", t0 + 59_000)), a);
    assert.equal(group.pick(client("192.0.2.1", t0 + 59_000 + 60_000)), b);
    // Shortened while running: the table keeps its clients but forgets sooner.
    const now = t0 + 200_000;
    assert.equal(group.pick(client("192.0.2.1", now)), b);
    setOpen(b, 9);
    group.stickyTimeMs = 1000;
    assert.equal(group.pick(client("192.0.2.1", now + 999)), b);
    assert.equal(group.pick(client("192.0.2.1", now + 999 + 1000)), a);
  });
});
