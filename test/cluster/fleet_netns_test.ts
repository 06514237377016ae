/**
 * The fleet test of `fleet_test.ts`, with each of three nodes in its own
 * network namespace, joined by a bridge (see `netns.ts`), and etcd in the
 * hub namespace: seeding by one node only, an `addHost` on node 1
 * reaching nodes 2 and 3, two changes at once on two nodes both kept, an
 * invalid document written with etcdctl changing nothing, etcd stopped →
 * every node keeps balancing and changes answer 503, etcd back → a
 * document written meanwhile reaches every node, `/api/v1/cluster` with
 * three nodes then two. Skipped without root or `ip`, or without etcd.
 *
 * @module
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { hashPassword } from "../../src/passwords/passwords.ts";
import {
  directorCommand,
  runDirector,
  type RunningDirector,
  tempDir,
} from "../integration/harness.ts";
import { ETCD_MISSING, eventually } from "./etcd_harness.ts";
import { HUB_IP, Lab, NETNS_SKIP, nodeIp } from "./netns.ts";

const ETCD = `http://${HUB_IP}:2379`;
const KEY = "/fleet/config";
const USER = "ops:netns-secret";
const HASH = await hashPassword("netns-secret", 4);
const BACKEND = new URL("./netns_backend.ts", import.meta.url).pathname;
const SPREAD_MS = 15_000;

function localXml(i: number): string {
  return `<pdconfig>
  <service name="web"><listen ip="*:8080"/>
    <group name="main" scheduler="roundrobin"><host name="seed${i}" ip="${HUB_IP}:9001"/></group>
    <enable group="main"/></service>
  <admin listen="${nodeIp(i)}:8081"><user name="ops" password="${HASH}" access="full"/></admin>
  <cluster etcd="${ETCD}" prefix="/fleet/" node="node${i}"/>
</pdconfig>`;
}

describe("a fleet of three nodes in three network namespaces", {
  skip: NETNS_SKIP || ETCD_MISSING,
}, () => {
  let lab: Lab;
  const dir = tempDir();
  const nodes: RunningDirector[] = [];
  let etcd: ReturnType<Lab["start"]> | undefined;
  const admin = (i: number, path: string) => lab.curl(`http://${nodeIp(i)}:8081${path}`, USER);
  const hosts = (i: number) =>
    [...admin(i, "/running.txt").body.matchAll(/^(?:host|disabled) (\S+) /gm)].map((m) => m[1]);
  const etcdctl = (...args: string[]) =>
    lab.run("hub", ["etcdctl", `--endpoints=${ETCD}`, ...args], 15_000);
  const served = (i: number) => lab.curl(`http://${nodeIp(i)}:8080/`).body.trim();

  async function startEtcd() {
    etcd = lab.start("hub", [
      "etcd",
      "--name=hub",
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=${ETCD}`,
      `--advertise-client-urls=${ETCD}`,
      `--listen-peer-urls=http://${HUB_IP}:2380`,
      `--initial-advertise-peer-urls=http://${HUB_IP}:2380`,
      `--initial-cluster=hub=http://${HUB_IP}:2380`,
    ]);
    await eventually(
      "etcd healthy",
      () => /"health":"true"/.test(lab.curl(`${ETCD}/health`).body),
      30_000,
    );
  }

  async function stopEtcd() {
    const proc = etcd!;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    process.kill(proc.pid!, "SIGTERM");
    await exited;
  }

  before(async () => {
    lab = Lab.create(3);
    const ports = Array.from({ length: 8 }, (_, k) => `b${k + 1}:${9001 + k}`);
    const backends = lab.start("hub", [process.execPath, "run", "-A", BACKEND, HUB_IP, ...ports]);
    await eventually("backends listening", () => /listening b8/.test(backends.output()));
    await startEtcd();
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await lab?.close();
  });

  it("three nodes starting together: one seeds, all serve its document", async () => {
    for (const i of [1, 2, 3]) {
      const config = join(dir, `node${i}.xml`);
      writeFileSync(config, localXml(i));
      nodes.push(runDirector(["--config", config], { command: lab.inside(i, directorCommand()) }));
    }
    await Promise.all(nodes.map((n) => n.waitFor(/event=started/, 30_000)));
    const seeders = nodes.filter((n) => /event=cluster_seeded/.test(n.output()));
    assert.equal(seeders.length, 1);
    const seed = hosts(1);
    assert.equal(seed.length, 1);
    for (const i of [1, 2, 3]) {
      assert.deepEqual(hosts(i), seed);
      assert.equal(served(i), "served by b1");
    }
  });

  it("an addHost on node 1 reaches nodes 2 and 3", async () => {
    const res = admin(1, `/addHost?service=web&group=main&name=added&ip=${HUB_IP}:9002`);
    assert.equal(res.status, 200, res.body);
    const started = Date.now();
    await eventually(
      "nodes 2 and 3 have it",
      () => hosts(2).includes("added") && hosts(3).includes("added"),
      SPREAD_MS,
    );
    console.log(`addHost reached nodes 2 and 3 within ${Date.now() - started} ms`);
  });

  it("two changes at once on nodes 2 and 3 are both kept", async () => {
    const out = lab.run("hub", [
      "curl",
      "-s",
      "-Z",
      "-u",
      USER,
      "-w",
      "\n%{http_code}\n",
      `http://${nodeIp(2)}:8081/addHost?service=web&group=main&name=x&ip=${HUB_IP}:9003`,
      `http://${nodeIp(3)}:8081/addHost?service=web&group=main&name=y&ip=${HUB_IP}:9004`,
    ]).stdout;
    assert.equal(out.match(/^200$/gm)?.length, 2, out);
    for (const i of [1, 2, 3]) {
      await eventually(`node ${i} has x and y`, () => {
        const names = hosts(i);
        return names.includes("x") && names.includes("y");
      }, SPREAD_MS);
    }
  });

  it("an invalid document written with etcdctl changes nothing", async () => {
    const before = [1, 2, 3].map(hosts);
    assert.equal(etcdctl("put", KEY, "<pdconfig><service/></pdconfig>").status, 0);
    for (const node of nodes) await node.waitFor(/event=cluster_config_invalid/, SPREAD_MS);
    assert.deepEqual([1, 2, 3].map(hosts), before);
    for (const i of [1, 2, 3]) assert.match(served(i), /^served by b/);
  });

  it("etcd stopped: every node keeps balancing, changes answer 503", async () => {
    await stopEtcd();
    for (const i of [1, 2, 3]) {
      for (let k = 0; k < 4; k++) assert.match(served(i), /^served by b/);
      const res = admin(i, `/addHost?service=web&group=main&name=lost&ip=${HUB_IP}:9005`);
      assert.equal(res.status, 503, res.body);
      assert.match(res.body, /Cannot change the cluster configuration: etcd unreachable at/);
    }
  });

  it("etcd back: a document written meanwhile with etcdctl reaches every node", async () => {
    await startEtcd();
    const doc = `<pdconfig>
  <service name="web"><listen ip="*:8080"/>
    <group name="main" scheduler="roundrobin">
      <host name="late" ip="${HUB_IP}:9006"/>
    </group>
    <enable group="main"/></service>
</pdconfig>`;
    assert.equal(etcdctl("put", KEY, doc).status, 0);
    for (const i of [1, 2, 3]) {
      await eventually(`node ${i} runs the new document`, () => {
        const names = hosts(i);
        return names.length === 1 && names[0] === "late";
      }, SPREAD_MS);
      assert.equal(served(i), "served by b6");
    }
  });

  it("/api/v1/cluster lists three nodes, then two once one is killed and its lease expired", async () => {
    const listed = () => {
      const res = admin(1, "/api/v1/cluster");
      return res.status === 200 ? (JSON.parse(res.body).nodes as unknown[]).length : -1;
    };
    await eventually("three nodes", () => listed() === 3, SPREAD_MS);
    nodes[2].signal("SIGKILL");
    await nodes[2].exited;
    await eventually("two nodes", () => listed() === 2, SPREAD_MS);
  });
});
