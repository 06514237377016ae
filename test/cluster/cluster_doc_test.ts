/**
 * The shared document: what of a config goes to etcd, what a node takes
 * from it, and what stays the node's own.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfigText } from "../../src/config/load.ts";
import { nodeConfig, parseShared, sharedXml } from "../../src/control/cluster_doc.ts";

const LOCAL = `<pdconfig>
  <service name="web"><listen ip="127.0.0.1:18080"/>
    <group name="main" scheduler="roundrobin"><host name="a" ip="127.0.0.1:18001"/></group>
    <enable group="main"/></service>
  <admin listen="127.0.0.1:18081"><user name="ops" password="$2b$04$abcdefghijklmnopqrstuu5MbhKuy3sXUZHxi1iJ4y6Hm5dEL6g0G" access="full"/></admin>
  <logging access="yes"/>
  <performance workers="2"/>
  <checktime time="30"/>
  <timeouts drain="5"/>
  <cluster etcd="http://127.0.0.1:2379" node="n1"/>
</pdconfig>`;

test("the shared document holds services, checktime and timeouts, and nothing of the node's", () => {
  const local = loadConfigText(LOCAL, "local.xml").config;
  const xml = sharedXml(local);
  assert.match(xml, /<service name="web">/);
  assert.match(xml, /<checktime time="30"/);
  assert.match(xml, /<timeouts drain="5"/);
  assert.doesNotMatch(xml, /<admin|<logging|<performance|<cluster|password/);
  // It loads as a file, with no warnings.
  assert.deepEqual(parseShared(xml, "etcd:/d/config@1").warnings, []);
});

test("a shared document's node sections are ignored with a warning; the node keeps its own", () => {
  const local = loadConfigText(LOCAL, "local.xml").config;
  const stray = LOCAL.replace('node="n1"', 'node="other"').replace("18081", "19999");
  const shared = parseShared(stray, "etcd:/d/config@7");
  assert.equal(shared.warnings.length, 1);
  assert.match(
    shared.warnings[0].message,
    /^etcd:\/d\/config@7: <admin>, <logging>, <performance>, <cluster> ignored/,
  );
  const mine = nodeConfig(local, shared).config;
  assert.equal(mine.admin?.listen.port, 18081);
  assert.equal(mine.cluster?.node, "n1");
  assert.equal(mine.workers, 2);
  assert.deepEqual(mine.logging, { access: true });
  assert.deepEqual(mine.services, shared.config.services);
});
