/**
 * Cluster nodes in this process (standalone control planes, not
 * listening) on a real etcd: two changes made on two nodes in the same
 * instant — both compare against the same revision, so one write must
 * lose — are both kept, the loser re-making its change on top of the
 * winner's; a watch whose revision was compacted while it was cut off
 * re-reads the key and catches up; the `<cluster>` element's errors.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { after, before, describe, it, test } from "node:test";
import { EtcdClient } from "../../src/cluster/etcd_client.ts";
import { loadConfigText } from "../../src/config/load.ts";
import { ClusterNode } from "../../src/control/cluster.ts";
import { standalone } from "../../src/control/standalone.ts";
import { Logger } from "../../src/log.ts";
import { loadRuntime } from "../../src/runtime/mod.ts";
import { CuttableRelay, ETCD_MISSING, EtcdServer, eventually } from "./etcd_harness.ts";
import { freePort, tempDir } from "../integration/harness.ts";

const runtime = await loadRuntime();

function localXml(endpoint: string, prefix: string, node: string, listen: number) {
  return `<pdconfig>
  <service name="web"><listen ip="127.0.0.1:${listen}"/>
    <group name="main" scheduler="roundrobin"><host name="first" ip="127.0.0.1:18001"/></group>
    <enable group="main"/></service>
  <cluster etcd="${endpoint}" prefix="${prefix}" node="${node}"/>
</pdconfig>`;
}

/** A cluster node in this process: its control plane, its log, and a way to stop it. */
async function inProcessNode(endpoint: string, prefix: string, name: string, listen: number) {
  const dir = tempDir();
  const logFile = join(dir, "log");
  const log = new Logger({ file: logFile });
  const local = loadConfigText(localXml(endpoint, prefix, name, listen), join(dir, "local.xml"));
  const { node, loaded } = await ClusterNode.join(local, log, "test");
  const { controller, plane } = standalone({
    runtime,
    log,
    loaded,
    configPath: undefined,
    defaultMaxconn: 100,
  });
  controller.joinCluster(node);
  const hosts = () => controller.model.servicesConfig()[0].groups[0].hosts.map((h) => h.name);
  return {
    controller,
    hosts,
    log: () => readFileSync(logFile, "utf8"),
    add: (host: string, port: number) =>
      controller.changes.run(
        "addHost",
        new Map([["service", "web"], ["group", "main"], ["name", host], [
          "ip",
          `127.0.0.1:${port}`,
        ]]),
        "test",
      ),
    async close() {
      controller.stop();
      await node.stop();
      plane.close();
      log.close();
    },
  };
}

describe("cluster nodes in one process", { skip: ETCD_MISSING }, () => {
  let etcd: EtcdServer;
  let listen = 0;
  before(async () => {
    etcd = await EtcdServer.start();
    listen = await freePort();
  });
  after(() => etcd?.close());

  it("two changes in the same instant on two nodes: one write loses, both changes are kept", async () => {
    const prefix = `/race-${Date.now()}/`;
    const a = await inProcessNode(etcd.endpoint, prefix, "a", listen);
    const b = await inProcessNode(etcd.endpoint, prefix, "b", listen);
    try {
      // Both calls validate and write before either hears back: same base revision.
      const [ra, rb] = await Promise.all([a.add("from-a", 18002), b.add("from-b", 18003)]);
      assert.match(ra, /added host "from-a"/);
      assert.match(rb, /added host "from-b"/);
      const conflicts = (a.log() + b.log()).match(/event=cluster_write_conflict/g) ?? [];
      assert.equal(conflicts.length, 1, "exactly one write lost and was made again");
      for (const node of [a, b]) {
        await eventually("both hosts everywhere", () => {
          const names = node.hosts();
          return names.includes("from-a") && names.includes("from-b");
        });
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a change the shared document cannot hold (a service without hosts) is refused: 409", async () => {
    const node = await inProcessNode(etcd.endpoint, `/empty-${Date.now()}/`, "e", listen);
    try {
      const params = new Map([["service", "api"], ["listen", `127.0.0.1:${await freePort()}`]]);
      await assert.rejects(
        node.controller.changes.run("newService", params, "test"),
        (error: Error & { status?: number }) =>
          error.status === 409 && /cannot hold service "api"/.test(error.message),
      );
      assert.equal(node.controller.model.servicesConfig().length, 1);
    } finally {
      await node.close();
    }
  });

  it("a valid revision this node cannot apply (its port is busy here) makes it not ready", async () => {
    const prefix = `/busy-${Date.now()}/`;
    const node = await inProcessNode(etcd.endpoint, prefix, "busy", listen);
    const direct = new EtcdClient({ endpoints: [etcd.endpoint] });
    const busy = net.createServer();
    const busyPort = await freePort();
    await new Promise<void>((resolve) => busy.listen(busyPort, "127.0.0.1", resolve));
    try {
      node.controller.markReady();
      assert.equal(node.controller.readiness, "ok");
      const key = `${prefix}config`;
      const doc = (await direct.get(key)).value!;
      const withBusy = doc.replace(
        /(<listen [^>]*>)/,
        `$1\n    <listen ip="127.0.0.1:${busyPort}"/>`,
      );
      assert.notEqual(withBusy, doc);
      await direct.put(key, withBusy);
      await eventually("not ready", () => node.controller.readiness === "not ready");
      assert.match(node.log(), /event=cluster_apply_failed .*address already in use/);
      await direct.put(key, doc.replace("first", "renamed"));
      await eventually("ready again", () => node.controller.readiness === "ok");
      assert.deepEqual(node.hosts(), ["renamed"]);
    } finally {
      await node.close();
      busy.close();
    }
  });

  it("save writes etcd (not a file); reload re-reads the key", async () => {
    const prefix = `/save-${Date.now()}/`;
    const node = await inProcessNode(etcd.endpoint, prefix, "s", listen);
    const direct = new EtcdClient({ endpoints: [etcd.endpoint] });
    try {
      const saved = await node.controller.changes.run("save", new Map(), "test");
      assert.match(
        saved,
        new RegExp(`^saved the running config to etcd ${prefix}config \\(revision \\d+\\)`),
      );
      assert.match((await direct.get(`${prefix}config`)).value!, /<host name="first"/);
      assert.match(await node.controller.reload(), /is already applied/);
    } finally {
      await node.close();
    }
  });

  it("a watch that lost its revision to compaction re-reads the key and catches up", async () => {
    const prefix = `/compact-${Date.now()}/`;
    const relay = await CuttableRelay.start(etcd.clientPort);
    const node = await inProcessNode(relay.endpoint, prefix, "c", listen);
    const direct = new EtcdClient({ endpoints: [etcd.endpoint] });
    try {
      await relay.cut();
      const key = `${prefix}config`;
      const doc = (await direct.get(key)).value!;
      let revision = 0;
      for (let i = 0; i < 3; i++) {
        const next = doc.replace(
          /(<group name="main"[^>]*>)/,
          `$1\n      <host name="while-cut-${i}" ip="127.0.0.1:${18010 + i}"/>`,
        );
        revision = await direct.put(key, next);
      }
      await etcd.compact(revision);
      await relay.restore();
      await eventually(
        "the node runs the last document",
        () => node.hosts().includes("while-cut-2"),
      );
      assert.ok(!node.hosts().includes("while-cut-0"), "only the last document counts");
      assert.match(node.log(), /event=cluster_watch_compacted/);
    } finally {
      await node.close();
      await relay.cut();
    }
  });
});

test("<cluster> errors name the file, line and what is wrong", () => {
  const bad = (attrs: string) => () =>
    loadConfigText(`<pdconfig>\n  <cluster ${attrs}/>\n</pdconfig>`, "local.xml");
  assert.throws(bad(`node="n"`), /local\.xml:2:3: <cluster>: missing attribute etcd=/);
  assert.throws(bad(`etcd="ftp://h:1" node="n"`), /etcd URL "ftp:\/\/h:1" is not allowed/);
  assert.throws(bad(`etcd="http://h" node="n"`), /is not allowed; expected http:\/\/HOST:PORT/);
  assert.throws(bad(`etcd="http://h:1"`), /missing attribute node=/);
  assert.throws(bad(`etcd="http://h:1" node="a b"`), /node="a b" is not allowed/);
  assert.throws(bad(`etcd="http://h:1" node="n" prefix="x/"`), /prefix="x\/" is not allowed/);
  const ok = loadConfigText(
    `<pdconfig><cluster etcd="http://10.0.0.1:2379, http://10.0.0.2:2379" node="n-1"/></pdconfig>`,
    "local.xml",
  );
  assert.deepEqual(ok.config.cluster, {
    endpoints: ["http://10.0.0.1:2379", "http://10.0.0.2:2379"],
    prefix: "/director/",
    node: "n-1",
  });
});
