/**
 * The etcd client against a real etcd (see `etcd_harness.ts`), over real
 * loopback sockets: reads and writes, compare-and-swap under contention,
 * watches across broken streams, restarts and compaction, leases, failure
 * and failover, and the same client under Bun. Skipped without `etcd`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  EtcdClient,
  EtcdRequestError,
  EtcdUnavailableError,
  type WatchEvent,
  type WatchHandlers,
} from "../../src/cluster/etcd_client.ts";
import {
  CuttableRelay,
  ETCD_MISSING,
  EtcdServer,
  eventually,
  freePort,
  silentListener,
  sleep,
  within,
} from "./etcd_harness.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const BUN = join(ROOT, "node_modules/.bin/bun");

let keys = 0;
/** A key no other test uses. */
const freshKey = (name: string) => `/test/${name}/${Date.now()}-${keys++}`;

/** Watch handlers that record everything they are told. */
function recorder() {
  const events: WatchEvent[] = [];
  const states: string[] = [];
  const compacted: number[] = [];
  const handlers: WatchHandlers = {
    onEvents: (batch) => events.push(...batch),
    onState: (state) => states.push(state),
    onCompacted: (revision) => compacted.push(revision),
  };
  return { events, states, compacted, handlers, values: () => events.map((e) => e.value) };
}

describe("EtcdClient against a real etcd", { skip: ETCD_MISSING }, () => {
  let etcd: EtcdServer;
  let client: EtcdClient;
  before(async () => {
    etcd = await EtcdServer.start();
    client = new EtcdClient({ endpoints: [etcd.endpoint], requestTimeoutMs: 5000 });
  });
  after(() => etcd?.close());

  it("reads a missing key as no value at revision 0", async () => {
    const got = await client.get(freshKey("missing"));
    assert.equal(got.value, undefined);
    assert.equal(got.modRevision, 0);
    assert.equal(got.createRevision, 0);
    assert.ok(got.revision >= 1, `header revision ${got.revision}`);
  });

  it("puts, gets, lists and deletes", async () => {
    const dir = freshKey("kv");
    const first = await client.put(`${dir}/a`, "<pdconfig/> é");
    const second = await client.put(`${dir}/b`, "two");
    await client.put(`${dir}/a`, "one");
    const a = await client.get(`${dir}/a`);
    assert.equal(a.value, "one");
    assert.equal(a.createRevision, first);
    assert.ok(a.modRevision > second);
    const listed = await client.list(`${dir}/`);
    assert.deepEqual(listed.entries.map((e) => [e.key, e.value]), [
      [`${dir}/a`, "one"],
      [`${dir}/b`, "two"],
    ]);
    assert.equal((await client.delete(`${dir}/a`)).deleted, 1);
    assert.equal((await client.get(`${dir}/a`)).value, undefined);
    assert.equal((await client.delete(`${dir}/a`)).deleted, 0);
  });

  it("lets exactly one of two concurrent creators win; the loser sees the winner's value", async () => {
    const key = freshKey("create");
    const other = new EtcdClient({ endpoints: [etcd.endpoint] });
    const [x, y] = await Promise.all([
      client.putIf(key, "from-x", { absent: true }),
      other.putIf(key, "from-y", { absent: true }),
    ]);
    assert.equal([x, y].filter((r) => r.succeeded).length, 1, JSON.stringify([x, y]));
    const [winner, loser] = x.succeeded ? [x, y] : [y, x];
    assert.equal(loser.current?.value, x.succeeded ? "from-x" : "from-y");
    assert.equal(loser.current?.modRevision, winner.revision);
    assert.equal((await client.get(key)).value, loser.current?.value);
  });

  it("lets exactly one compare-and-swap writer win; losers get the current value", async () => {
    const key = freshKey("cas");
    await client.put(key, "v0");
    const { modRevision } = await client.get(key);
    const writers = Array.from({ length: 5 }, (_, i) => `w${i}`);
    const results = await Promise.all(
      writers.map((w) => client.putIf(key, w, { modRevision })),
    );
    const winners = results.filter((r) => r.succeeded);
    assert.equal(winners.length, 1, JSON.stringify(results));
    const winnerValue = writers[results.indexOf(winners[0])];
    for (const loser of results.filter((r) => !r.succeeded)) {
      assert.deepEqual(loser.current, { value: winnerValue, modRevision: winners[0].revision });
    }
  });

  it("serializes increments through the failure branch's value, without re-reading", async () => {
    const key = freshKey("counter");
    await client.put(key, "0");
    const start = await client.get(key);
    const increment = async () => {
      let seen = { value: start.value!, modRevision: start.modRevision };
      for (let attempt = 0; attempt < 50; attempt++) {
        const next = String(Number(seen.value) + 1);
        const result = await client.putIf(key, next, { modRevision: seen.modRevision });
        if (result.succeeded) return;
        assert.ok(result.current, "a failed compare-and-swap returns the current value");
        seen = result.current;
      }
      throw new Error("no increment within 50 attempts");
    };
    await Promise.all(Array.from({ length: 6 }, increment));
    assert.equal((await client.get(key)).value, "6");
  });

  it("putIf on a vanished key fails with no current value", async () => {
    const key = freshKey("vanished");
    await client.put(key, "x");
    const { modRevision } = await client.get(key);
    await client.delete(key);
    const result = await client.putIf(key, "y", { modRevision });
    assert.equal(result.succeeded, false);
    assert.equal(result.current, undefined);
  });

  it("watches every put and delete, in order", async () => {
    const key = freshKey("watch");
    const { revision } = await client.get(key);
    const seen = recorder();
    const watch = client.watch(key, { fromRevision: revision + 1 }, seen.handlers);
    try {
      const written: number[] = [];
      for (let i = 0; i < 20; i++) written.push(await client.put(key, `v${i}`));
      written.push((await client.delete(key)).revision);
      await eventually("all 21 events seen", () => seen.events.length >= 21);
      assert.deepEqual(seen.values(), [
        ...Array.from({ length: 20 }, (_, i) => `v${i}`),
        undefined,
      ]);
      assert.deepEqual(seen.events.map((e) => e.modRevision), written);
      assert.equal(seen.events.at(-1)?.type, "delete");
      assert.deepEqual(seen.states, ["connected"]);
    } finally {
      await watch.stop();
    }
  });

  it("watches a prefix, from now when no revision is given", async () => {
    const dir = freshKey("prefix");
    await client.put(`${dir}/before`, "old");
    const seen = recorder();
    const watch = client.watch(`${dir}/`, { prefix: true }, seen.handlers);
    try {
      await eventually("watch connected", () => seen.states.includes("connected"));
      await client.put(`${dir}/x`, "1");
      await client.put(`${dir}-sibling`, "not under the prefix");
      await client.put(`${dir}/y`, "2");
      await eventually("two events seen", () => seen.events.length >= 2);
      assert.deepEqual(seen.events.map((e) => [e.key, e.value]), [[`${dir}/x`, "1"], [
        `${dir}/y`,
        "2",
      ]]);
    } finally {
      await watch.stop();
    }
  });

  it("calls onCompacted when the start revision was compacted, and stops", async () => {
    const key = freshKey("compacted");
    const first = await client.put(key, "a");
    await client.put(key, "b");
    const last = await client.put(key, "c");
    await etcd.compact(last);
    const seen = recorder();
    const watch = client.watch(key, { fromRevision: first }, seen.handlers);
    await within(15_000, watch.done, "the watch stopping after compaction");
    assert.deepEqual(seen.compacted, [last]);
    assert.deepEqual(seen.events, []);
  });

  it("delivers changes made while it was cut off, once, after reconnecting", async () => {
    const relay = await CuttableRelay.start(etcd.clientPort);
    const viaRelay = new EtcdClient({ endpoints: [relay.endpoint], requestTimeoutMs: 2000 });
    const key = freshKey("cut");
    const seen = recorder();
    const watch = viaRelay.watch(key, { fromRevision: (await client.get(key)).revision + 1 }, {
      ...seen.handlers,
    });
    try {
      await client.put(key, "before");
      await eventually("first event", () => seen.events.length === 1);
      await relay.cut();
      await eventually("disconnected reported", () => seen.states.includes("disconnected"));
      await etcd.etcdctl(["put", key, "while-cut-1"]);
      await etcd.etcdctl(["put", key, "while-cut-2"]);
      await relay.restore();
      await eventually("reconnected", () => seen.states.length >= 3);
      await client.put(key, "after");
      await eventually("all four events", () => seen.events.length >= 4);
      assert.deepEqual(seen.values(), ["before", "while-cut-1", "while-cut-2", "after"]);
      assert.deepEqual(seen.states, ["connected", "disconnected", "connected"]);
    } finally {
      await watch.stop();
      await relay.cut();
    }
  });

  it("renews a kept lease (its key stays), revokes it on stop (its key goes)", async () => {
    const key = freshKey("kept");
    const keeper = await client.keepLeaseAlive(2, () => {});
    await client.put(key, "alive", { lease: keeper.id });
    // Watch the key for three TTLs: without renewals it would expire.
    const until = Date.now() + 6500;
    while (Date.now() < until) {
      assert.equal((await client.get(key)).value, "alive", "the key outlived its lease");
      await sleep(250);
    }
    await keeper.stop();
    assert.equal((await client.get(key)).value, undefined);
  });

  it("lets a lease key expire once renewals stop", async () => {
    const key = freshKey("expiring");
    const id = await client.grantLease(2);
    assert.match(id, /^\d+$/);
    await client.put(key, "short-lived", { lease: id });
    assert.ok((await client.keepAlive(id)) > 0);
    assert.equal((await client.get(key)).value, "short-lived");
    await eventually("the key expired", async () => (await client.get(key)).value === undefined);
    assert.equal(await client.keepAlive(id), 0);
  });

  it("replaces a lost lease and tells its owner", async () => {
    const lost: [string, string][] = [];
    const keeper = await client.keepLeaseAlive(2, (old, renewed) => lost.push([old, renewed]));
    const original = keeper.id;
    try {
      await etcd.etcdctl(["lease", "revoke", BigInt(original).toString(16)]);
      await eventually("onLost called", () => lost.length > 0);
      assert.deepEqual(lost, [[original, keeper.id]]);
      assert.notEqual(keeper.id, original);
      assert.ok((await client.keepAlive(keeper.id)) > 0, "the new lease is alive");
    } finally {
      await keeper.stop();
    }
  });

  it("reports etcd's own errors as EtcdRequestError with the gRPC code", async () => {
    await assert.rejects(client.put("", "no key"), (error) => {
      assert.ok(error instanceof EtcdRequestError);
      assert.equal(error.code, 3); // INVALID_ARGUMENT
      return true;
    });
    // etcd answers NOT_FOUND for a lease that is gone; revoking it is then done, not an error.
    await client.revokeLease("12345");
  });

  it("fails over from a dead and a silent endpoint, and sticks to the live one", async () => {
    const silent = await silentListener();
    const dead = `http://127.0.0.1:${await freePort()}`;
    try {
      const failover = new EtcdClient({
        endpoints: [dead, silent.endpoint, etcd.endpoint],
        requestTimeoutMs: 500,
      });
      const key = freshKey("failover");
      await within(15_000, failover.put(key, "via the third"), "put with failover");
      const accepted = silent.accepted();
      assert.ok(accepted >= 1, "the silent endpoint was tried");
      assert.equal((await failover.get(key)).value, "via the third");
      await failover.put(key, "again");
      assert.equal(silent.accepted(), accepted, "later calls go straight to the live endpoint");
    } finally {
      await silent.close();
    }
  });
});

describe("EtcdClient when etcd goes away", { skip: ETCD_MISSING }, () => {
  let etcd: EtcdServer;
  before(async () => etcd = await EtcdServer.start());
  after(() => etcd?.close());

  it("resumes a watch across an etcd restart without loss or duplicates", async () => {
    const client = new EtcdClient({ endpoints: [etcd.endpoint], requestTimeoutMs: 2000 });
    const key = freshKey("restart");
    const seen = recorder();
    const watch = client.watch(key, { fromRevision: 1 }, seen.handlers);
    try {
      await client.put(key, "one");
      await client.put(key, "two");
      await eventually("two events", () => seen.events.length === 2);
      await etcd.stop();
      await eventually("disconnected reported", () => seen.states.includes("disconnected"));
      await etcd.restart();
      await eventually("reconnected", () => seen.states.length >= 3, 30_000);
      await client.put(key, "three");
      await eventually("third event", () => seen.events.length >= 3);
      await etcd.etcdctl(["put", key, "four"]);
      await eventually("fourth event", () => seen.events.length >= 4);
      assert.deepEqual(seen.values(), ["one", "two", "three", "four"]);
      assert.deepEqual(seen.states, ["connected", "disconnected", "connected"]);
    } finally {
      await watch.stop();
    }
  });

  it("rejects promptly with EtcdUnavailableError while etcd is down", async () => {
    const client = new EtcdClient({ endpoints: [etcd.endpoint], requestTimeoutMs: 1000 });
    await etcd.stop();
    try {
      for (const call of [client.get("k"), client.put("k", "v"), client.grantLease(5)]) {
        await within(
          10_000,
          assert.rejects(call, (error) => {
            assert.ok(error instanceof EtcdUnavailableError, String(error));
            assert.match(
              error.message,
              new RegExp(`^Cannot reach etcd at ${etcd.endpoint}: connection refused$`),
            );
            return true;
          }),
        );
      }
    } finally {
      await etcd.restart();
    }
  });

  it("rejects with EtcdUnavailableError when an endpoint never answers", async () => {
    const silent = await silentListener();
    try {
      const stuck = new EtcdClient({ endpoints: [silent.endpoint], requestTimeoutMs: 500 });
      await within(
        10_000,
        assert.rejects(stuck.get("k"), (error) => {
          assert.ok(error instanceof EtcdUnavailableError, String(error));
          assert.match(error.message, /: no answer within 500 ms$/);
          return true;
        }),
      );
    } finally {
      await silent.close();
    }
  });
});

describe("EtcdClient under Bun", {
  skip: ETCD_MISSING || (existsSync(BUN) ? false : "bun not installed in node_modules"),
}, () => {
  it("puts, gets and watches one event", async () => {
    const etcd = await EtcdServer.start();
    try {
      const output = await new Promise<string>((resolve, reject) => {
        execFile(
          BUN,
          ["run", join(ROOT, "test/cluster/etcd_probe.ts"), etcd.endpoint, "/bun/probe"],
          { timeout: 30_000 },
          (error, stdout, stderr) =>
            error ? reject(new Error(`${error}\n${stderr}`)) : resolve(stdout),
        );
      });
      const report = JSON.parse(output.trim());
      assert.equal(report.read.value, "first");
      assert.deepEqual(report.events, [{
        type: "put",
        key: "/bun/probe",
        modRevision: report.revision + 1,
        value: "second",
      }]);
    } finally {
      await etcd.close();
    }
  });
});
