/**
 * The health checker's logic with a fake clock and a scripted probe:
 * checks spread over the interval, `fall` failures take a host out,
 * `rise` successes bring it back.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Balancer } from "../../src/balancer/balancer.ts";
import { decodeEscapes, HealthChecker, ProbeFailure } from "../../src/health/checker.ts";
import { Arena } from "../../src/state/arena.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { Logger } from "../../src/log.ts";

function setup(hosts: number) {
  const xml = `<pdconfig><service name="s"><listen ip="127.0.0.1:1"/>
    <group name="g" scheduler="roundrobin"><check interval="1" timeout="0.5" rise="2" fall="3"/>
    ${
    Array.from({ length: hosts }, (_, i) => `<host name="h${i}" ip="127.0.0.1:${100 + i}"/>`).join(
      "",
    )
  }
    </group><enable group="g"/></service></pdconfig>`;
  let now = 1_000_000;
  const balancer = new Balancer(
    parseConfig(xml, "t.xml").config,
    new Logger({ level: "error" }),
    { arena: Arena.create(1, false), worker: 0 },
    { now: () => now },
  );
  const checked: string[] = [];
  const failing = new Set<string>();
  const checker = new HealthChecker(balancer, (ref) => {
    checked.push(ref.host.name);
    return failing.has(ref.host.name)
      ? Promise.reject(new ProbeFailure("nope", "other"))
      : Promise.resolve();
  });
  const host = (name: string) => [...balancer.hosts()].find((r) => r.host.name === name)!.host;
  return { checker, checked, failing, host, at: (ms: number) => (now = 1_000_000 + ms) };
}

test("checks are spread over the interval, not fired in one burst", async () => {
  const t = setup(4);
  for (const ms of [0, 250, 500, 750]) {
    t.at(ms);
    await Promise.all(t.checker.tick());
  }
  assert.deepEqual(t.checked, ["h0", "h1", "h2", "h3"]);
  t.at(1000);
  await Promise.all(t.checker.tick());
  assert.deepEqual(t.checked.slice(4), ["h0"]);
});

test("fall failures in a row take a host out; rise successes bring it back", async () => {
  const t = setup(1);
  t.failing.add("h0");
  for (let i = 0; i < 2; i++) {
    t.at(i * 1000);
    await Promise.all(t.checker.tick());
  }
  assert.equal(t.host("h0").bad, undefined, "two failures are fewer than fall=3");
  t.at(2000);
  await Promise.all(t.checker.tick());
  assert.match(t.host("h0").bad?.reason ?? "", /^check failed: nope$/);
  t.failing.clear();
  t.at(3000);
  await Promise.all(t.checker.tick());
  assert.ok(t.host("h0").bad, "one success is fewer than rise=2");
  t.at(4000);
  await Promise.all(t.checker.tick());
  assert.equal(t.host("h0").bad, undefined);
});

test("send/expect escapes decode", () => {
  assert.equal(decodeEscapes("PING\\r\\n\\x41\\t\\\\"), "PING\r\nA\t\\");
});
