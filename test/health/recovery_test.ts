/**
 * Recovery with a fake clock and a scripted probe: a bad host is probed
 * once checktime has passed (at once when its whole group is bad), comes
 * back when the probe answers, stays out with the new reason when it does
 * not, and checked groups are left to the health checker.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Balancer, type HostRef } from "../../src/balancer/balancer.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { ProbeFailure } from "../../src/health/checker.ts";
import { Recovery, recoveryTickMs } from "../../src/health/recovery.ts";
import { Logger } from "../../src/log.ts";
import { Arena } from "../../src/state/arena.ts";

function setup(check = "") {
  const xml = `<pdconfig><checktime time="10"/><service name="s"><listen ip="127.0.0.1:1"/>
    <group name="g" scheduler="roundrobin">${check}
      <host name="a" ip="127.0.0.1:101"/><host name="b" ip="127.0.0.1:102"/>
    </group><enable group="g"/></service></pdconfig>`;
  let now = 1_000_000;
  const balancer = new Balancer(
    parseConfig(xml, "t.xml").config,
    new Logger({ level: "error" }),
    { arena: Arena.create(1, false), worker: 0 },
    { now: () => now },
  );
  const probed: string[] = [];
  const failing = new Set<string>();
  const recovery = new Recovery(balancer, (ref) => {
    probed.push(ref.host.name);
    return failing.has(ref.host.name)
      ? Promise.reject(new ProbeFailure("still refused", "refused"))
      : Promise.resolve();
  });
  const ref = (name: string): HostRef => [...balancer.hosts()].find((r) => r.host.name === name)!;
  const bad = (name: string) => balancer.markBad(ref(name), "connection refused", "refused");
  return { balancer, recovery, probed, failing, ref, bad, later: (ms: number) => (now += ms) };
}

test("recovery: a bad host is probed once checktime has passed, and comes back", async () => {
  const t = setup();
  t.bad("a");
  await t.recovery.tick();
  assert.deepEqual(t.probed, [], "not before checktime");
  t.later(10_000);
  await t.recovery.tick();
  assert.deepEqual(t.probed, ["a"]);
  assert.equal(t.ref("a").host.bad, undefined, "back in rotation");
  assert.equal(t.ref("a").host.badReason, "");
});

test("recovery: a failed probe keeps the host out with the new reason", async () => {
  const t = setup();
  t.bad("a");
  t.failing.add("a");
  t.later(10_000);
  await t.recovery.tick();
  assert.ok(t.ref("a").host.bad);
  assert.equal(t.ref("a").host.badReason, "still refused");
  await t.recovery.tick();
  assert.deepEqual(t.probed, ["a", "a"], "probed again on the next round");
});

test("recovery: a group with every host bad is probed at once", async () => {
  const t = setup();
  t.bad("a");
  t.bad("b");
  assert.deepEqual(t.recovery.due().map((r) => r.host.name), ["a", "b"]);
  await t.recovery.tick();
  assert.equal(t.ref("a").host.bad, undefined);
  assert.equal(t.ref("b").host.bad, undefined);
});

test("recovery: checked groups are the health checker's; the tick follows checktime", () => {
  const t = setup('<check interval="1" timeout="0.5"/>');
  t.bad("a");
  t.bad("b");
  t.later(60_000);
  assert.deepEqual(t.recovery.due(), []);
  assert.equal(recoveryTickMs(10_000), 2500);
  assert.equal(recoveryTickMs(100), 250, "at least a quarter second");
  assert.equal(recoveryTickMs(3_600_000), 5000, "at most five seconds");
});
