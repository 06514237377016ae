/**
 * The DNS refresh with lookups answered in-process and the clock moved by
 * hand: how soon a name is asked again (the interval, a shorter TTL, never
 * under a second), what a failed lookup keeps, and the edits it commits.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Balancer } from "../../src/balancer/balancer.ts";
import { applyEdit } from "../../src/balancer/edits.ts";
import { DnsRefresh, type Lookups } from "../../src/control/dns_refresh.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { Logger } from "../../src/log.ts";
import { Arena } from "../../src/state/arena.ts";

function setUp(interval = "30") {
  const xml = `<pdconfig><service name="web"><listen ip="127.0.0.1:1"/>
    <group name="main" scheduler="roundrobin">
      <host name="n" ip="app.x:80"/><host name="m" ip="app.x:81"/><host name="ip" ip="10.0.0.1:80"/>
    </group><enable group="main"/></service>
    <resolver nameserver="127.0.0.1:1" interval="${interval}"/></pdconfig>`;
  const config = parseConfig(xml, "t.xml").config;
  const model = new Balancer(config, new Logger({ level: "error" }), {
    arena: Arena.create(1, false),
    worker: 0,
  });
  const clock = { now: 1_000_000 };
  const answer = { records: ["10.0.0.5"], ttl: 60, fail: false };
  const asked: string[] = [];
  const lookups: Lookups = {
    resolveA: (name) => {
      asked.push(name);
      if (answer.fail) return Promise.reject(new Error(`Cannot resolve ${name} A: SERVFAIL`));
      return Promise.resolve({ records: answer.records, ttl: answer.ttl });
    },
    resolveAAAA: () => Promise.resolve({ records: [], ttl: 0 }),
    resolveSrv: () => Promise.resolve({ records: [], ttl: 0 }),
  };
  const refresh = new DnsRefresh({
    model,
    log: model.log,
    commit: (change) => {
      for (const edit of change.edits ?? []) applyEdit(model, edit);
      return Promise.resolve();
    },
    settings: () => config.resolver,
    lookupsFor: () => lookups,
    now: () => clock.now,
  });
  const host = (name: string) => model.service("web")!.group("main")!.findHost(name)!;
  /** Lookups made by a round at `at` ms after the start. */
  const round = async (at: number) => {
    clock.now = 1_000_000 + at;
    asked.length = 0;
    await refresh.tick();
    return asked.length;
  };
  return { host, round, answer };
}

describe("DnsRefresh", () => {
  it("looks a name up once for all its hosts, and sets their address", async () => {
    const { host, round } = setUp();
    assert.equal(await round(0), 1);
    assert.equal(host("n").target.spec, "10.0.0.5:80");
    assert.equal(host("m").target.spec, "10.0.0.5:81");
    assert.equal(host("ip").resolved, undefined);
  });

  it("asks again after the interval, or the TTL when shorter, but not within a second", async () => {
    const t = setUp("30");
    t.answer.ttl = 100;
    await t.round(0);
    assert.equal(await t.round(29_900), 0);
    t.answer.ttl = 5;
    assert.equal(await t.round(30_000), 1);
    assert.equal(await t.round(34_900), 0);
    t.answer.ttl = 0;
    assert.equal(await t.round(35_000), 1);
    assert.equal(await t.round(35_900), 0);
    assert.equal(await t.round(36_000), 1);
  });

  it("keeps the last address when a lookup fails, counts it, and tries again later", async () => {
    const t = setUp("10");
    await t.round(0);
    t.answer.fail = true;
    assert.equal(await t.round(10_000), 1);
    assert.equal(t.host("n").target.spec, "10.0.0.5:80");
    assert.equal(t.host("n").dnsFailures, 1);
    assert.match(t.host("n").dnsError, /SERVFAIL/);
    assert.equal(await t.round(15_000), 0);
    t.answer.fail = false;
    t.answer.records = ["10.0.0.6", "10.0.0.7"];
    assert.equal(await t.round(20_000), 1);
    assert.equal(t.host("n").target.spec, "10.0.0.6:80");
    assert.equal(t.host("n").dnsError, "");
    // Still listed: kept, even when no longer first.
    t.answer.records = ["10.0.0.7", "10.0.0.6"];
    await t.round(30_000);
    assert.equal(t.host("n").target.spec, "10.0.0.6:80");
  });
});
