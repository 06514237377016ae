/**
 * Three Director nodes sharing one configuration in a real etcd (started
 * by the test, stopped by PID), on loopback: each node's admin on its own
 * 127.0.0.x address, the shared service on one port every node binds.
 *
 * In order: three nodes starting together seed the key exactly once; an
 * `addHost` on node 1 reaches nodes 2 and 3; two changes made at once on
 * two nodes are both kept; an invalid document written with etcdctl
 * changes nothing; with etcd stopped every node keeps balancing and
 * changes answer 503; once etcd is back a document written meanwhile
 * reaches every node; `/api/v1/cluster` lists three nodes, then two after
 * one is killed and its lease has expired; the overview page (`/`) shows
 * the fleet, and with etcd stopped says so over the last known list.
 * Skipped without `etcd`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it, test } from "node:test";
import { ETCD_MISSING, EtcdServer, eventually } from "./etcd_harness.ts";
import { type FleetNode, hostNames, serviceXml, startNode } from "./fleet_harness.ts";
import { freePort, within } from "../integration/harness.ts";
import { type Backend, connect, echoBackend, exchange } from "../integration/peers.ts";

/** The overview page's fleet rows: node name → row HTML. */
function fleetRows(html: string): Map<string, string> {
  const found = html.matchAll(/<tr data-node="([^"]*)"[^>]*>[\s\S]*?<\/tr>/g);
  return new Map([...found].map((m) => [m[1], m[0]]));
}

/** Generous: the machine is shared; the figure that matters is logged, not asserted. */
const SPREAD_MS = 15_000;

describe("a fleet of three nodes on one etcd", { skip: ETCD_MISSING }, () => {
  let etcd: EtcdServer;
  const nodes: FleetNode[] = [];
  const backends: Backend[] = [];
  let port = 0;
  const prefix = `/fleet-${Date.now()}/`;
  const key = `${prefix}config`;
  const backend = async () => {
    const b = await echoBackend();
    backends.push(b);
    return b.port;
  };

  before(async () => {
    etcd = await EtcdServer.start();
    port = await freePort();
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await Promise.all(backends.map((b) => b.close()));
    await etcd?.close();
  });

  it("three nodes starting together: exactly one seeds, all run its document", async () => {
    const ports = [await backend(), await backend(), await backend()];
    for (let i = 1; i <= 3; i++) {
      const services = serviceXml(port, [{ name: `seed${i}`, port: ports[i - 1] }]);
      nodes.push(await startNode({ index: i, etcd: etcd.endpoint, prefix, services }));
    }
    await Promise.all(nodes.map((n) => n.waitFor(/event=started/, 30_000)));
    const seeders = nodes.filter((n) => /event=cluster_seeded/.test(n.output()));
    assert.equal(seeders.length, 1, "exactly one node seeds");
    const seed = `seed${seeders[0].name.slice(-1)}`;
    for (const node of nodes) {
      assert.deepEqual(await hostNames(node), [seed], node.name);
      if (node !== seeders[0]) assert.match(node.output(), /event=cluster_local_ignored/);
    }
    assert.match(await etcd.etcdctl(["get", key, "--print-value-only"]), /<pdconfig>/);
    assert.match((await exchange(port, "hello\n")).toString(), /hello/);
  });

  it("an addHost on node 1 reaches nodes 2 and 3", async () => {
    const [one, two, three] = nodes;
    const ip = `127.0.0.1:${await backend()}`;
    // A connection held through the change keeps flowing: revisions apply as a reload does.
    const held = await connect(port);
    const echoed = new Promise<string>((resolve) => held.once("data", (d) => resolve(String(d))));
    const res = await one.get(`/addHost?service=web&group=main&name=added&ip=${ip}`);
    assert.equal(res.status, 200, res.body);
    // The call answers once node 1 itself runs the new revision.
    assert.ok((await hostNames(one)).includes("added"));
    const started = Date.now();
    await eventually("node 2 and 3 have host added", async () => {
      const [a, b] = await Promise.all([hostNames(two), hostNames(three)]);
      return a.includes("added") && b.includes("added");
    }, SPREAD_MS);
    console.log(`addHost reached the other nodes within ${Date.now() - started} ms`);
    held.write("held\n");
    assert.equal(await within(10_000, echoed, "held echo"), "held\n");
    held.destroy();
  });

  it("two changes made at once on two nodes are both kept", async () => {
    const [, two, three] = nodes;
    for (let round = 0; round < 3; round++) {
      const [x, y] = [`x${round}`, `y${round}`];
      const [a, b] = await Promise.all([
        two.get(`/addHost?service=web&group=main&name=${x}&ip=127.0.0.1:${await backend()}`),
        three.get(`/addHost?service=web&group=main&name=${y}&ip=127.0.0.1:${await backend()}`),
      ]);
      assert.equal(a.status, 200, a.body);
      assert.equal(b.status, 200, b.body);
      for (const node of nodes) {
        await eventually(`${node.name} has ${x} and ${y}`, async () => {
          const names = await hostNames(node);
          return names.includes(x) && names.includes(y);
        }, SPREAD_MS);
      }
    }
    const doc = await etcd.etcdctl(["get", key, "--print-value-only"]);
    for (const name of ["added", "x0", "y0", "x1", "y1", "x2", "y2"]) {
      assert.match(doc, new RegExp(`name="${name}"`));
    }
  });

  it("an invalid document written with etcdctl changes nothing on any node", async () => {
    const before = await Promise.all(nodes.map(hostNames));
    await etcd.etcdctl(["put", key, '<pdconfig><service name="web"><listen ip="nope"/>']);
    for (const node of nodes) {
      await node.waitFor(/event=cluster_config_invalid .*revision=\d+ reason=/, SPREAD_MS);
    }
    assert.deepEqual(await Promise.all(nodes.map(hostNames)), before);
    assert.match((await exchange(port, "still\n")).toString(), /still/);
    // A change made afterwards replaces the broken document with a valid one.
    const res = await nodes[0].get(`/delHost?service=web&group=main&name=x0`);
    assert.equal(res.status, 200, res.body);
    for (const node of nodes) {
      await eventually(`${node.name} lost x0`, async () => !(await hostNames(node)).includes("x0"));
    }
  });

  it("the overview page of a node shows the fleet: every node, its admin, this node marked", async () => {
    await eventually("node 2's page lists three nodes", async () => {
      const listed = fleetRows((await nodes[1].get("/")).body);
      return [...listed.keys()].join(",") === "node1,node2,node3";
    }, SPREAD_MS);
    const page = await nodes[1].get("/");
    assert.equal(page.status, 200);
    const listed = fleetRows(page.body);
    for (const node of nodes) {
      const row = listed.get(node.name)!;
      assert.ok(row.includes(`href="${node.admin}/"`), `${node.name}'s admin in ${row}`);
      assert.equal(row.includes("this node"), node === nodes[1], row);
    }
    assert.doesNotMatch(page.body, /id="fleet-unreachable"/);
  });

  it("etcd stopped: every node keeps balancing, changes answer 503", async () => {
    // What the page lists while etcd is up: the last known list once it is gone.
    await eventually("node 1's page lists three nodes", async () => {
      return fleetRows((await nodes[0].get("/")).body).size === 3;
    }, SPREAD_MS);
    await etcd.stop();
    for (let i = 0; i < 12; i++) {
      assert.equal((await exchange(port, `no etcd ${i}\n`)).toString(), `no etcd ${i}\n`);
    }
    for (const node of nodes) {
      const res = await node.get(`/addHost?service=web&group=main&name=lost&ip=127.0.0.1:9`);
      assert.equal(res.status, 503, `${node.name}: ${res.body}`);
      assert.match(res.body, /Cannot change the cluster configuration: etcd unreachable at http/);
      assert.equal((await fetch(`${node.admin}/healthz`)).status, 200);
      assert.ok(!(await hostNames(node)).includes("lost"));
    }
    const page = await nodes[0].get("/");
    assert.equal(page.status, 200);
    assert.match(page.body, /id="fleet-unreachable"[^>]*>etcd is unreachable at http:\/\/127/);
    assert.match(page.body, /The list below is the last known, as of /);
    assert.deepEqual([...fleetRows(page.body).keys()], ["node1", "node2", "node3"]);
  });

  it("etcd back: a document written meanwhile with etcdctl reaches every node", async () => {
    await etcd.restart();
    const doc = await etcd.etcdctl(["get", key, "--print-value-only"]);
    const ip = `127.0.0.1:${await backend()}`;
    const next = doc.replace(
      /(<group name="main"[^>]*>)/,
      `$1\n      <host name="late" ip="${ip}"/>`,
    );
    assert.notEqual(next, doc);
    await etcd.etcdctl(["put", key, next.trimEnd()]);
    for (const node of nodes) {
      await eventually(
        `${node.name} has late`,
        async () => (await hostNames(node)).includes("late"),
      );
    }
  });

  it("/api/v1/cluster lists three nodes, then two once one is killed and its lease expires", async () => {
    const names = async () => {
      const res = await nodes[0].get("/api/v1/cluster");
      if (res.status !== 200) return [];
      return (JSON.parse(res.body).nodes as { node: string }[]).map((n) => n.node).sort();
    };
    await eventually("three nodes listed", async () => (await names()).length === 3, SPREAD_MS);
    const status = JSON.parse((await nodes[1].get("/api/v1/cluster")).body);
    assert.equal(status.node, "node2");
    assert.equal(status.appliedRevision, status.revision);
    // Every node reports the revision it runs (records are refreshed every second).
    await eventually("every node reports the same applied revision", async () => {
      const { nodes: listed } = JSON.parse((await nodes[1].get("/api/v1/cluster")).body);
      return listed.every((n: { appliedRevision: number }) =>
        n.appliedRevision === status.appliedRevision
      );
    }, SPREAD_MS);
    nodes[2].signal("SIGKILL");
    await nodes[2].exited;
    await eventually("two nodes listed", async () => {
      const listed = await names();
      return listed.length === 2 && !listed.includes("node3");
    }, SPREAD_MS);
  });

  it("--replace on a cluster node: the new process runs the fleet's config and stays listed", async () => {
    const old = nodes[0];
    const next = await startNode({
      index: 1,
      etcd: etcd.endpoint,
      prefix,
      services: "",
      args: ["--replace", String(old.pid)],
    });
    nodes.push(next);
    await next.waitFor(/event=replaced/, 30_000);
    assert.equal(await old.exited, 0);
    assert.deepEqual(await hostNames(next), await hostNames(nodes[1]));
    assert.match((await exchange(port, "replaced\n")).toString(), /replaced/);
    // The old instance revoked its lease on the way out; the new one's record comes back.
    await eventually("node1 and node2 listed", async () => {
      const res = await nodes[1].get("/api/v1/cluster");
      const listed = (JSON.parse(res.body).nodes as { node: string }[]).map((n) => n.node);
      return listed.sort().join(",") === "node1,node2";
    }, SPREAD_MS);
  });
});

test("a node that cannot reach etcd at start exits 1 with one line, binding nothing", async () => {
  const [etcdPort, listen] = [await freePort(), await freePort()];
  const node = await startNode({
    index: 4,
    etcd: `http://127.0.0.1:${etcdPort}`,
    prefix: "/none/",
    services: serviceXml(listen, [{ name: "a", port: 9 }]),
  });
  try {
    assert.equal(await within(60_000, node.exited, "exit"), 1);
    assert.match(node.output(), /Cannot start the cluster node: Cannot reach etcd at http:\/\/127/);
    assert.doesNotMatch(node.output(), /event=listening/);
  } finally {
    await node.stop();
  }
});
