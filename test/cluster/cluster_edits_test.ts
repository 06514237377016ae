/**
 * `applyToConfig` (the config a change leads to, as a cluster node writes
 * it to etcd) against the model itself: for every kind of config call,
 * the edits applied to the config give exactly the running config the
 * same edits give when committed locally.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ChangeApi } from "../../src/changes/api.ts";
import { applyToConfig } from "../../src/control/cluster_edits.ts";
import { adminFixture } from "../admin/fixture.ts";
import { freePort } from "../integration/harness.ts";

const listen = `127.0.0.1:${await freePort()}`;
const apiListen = `127.0.0.1:${await freePort()}`;
const CALLS: [string, Record<string, string>][] = [
  ["addHost", { service: "web", group: "main", name: "six", ip: "127.0.0.1:18006", weight: "2" }],
  ["delHost", { service: "web", group: "main", name: "three" }],
  ["changeWeight", { service: "web", group: "main", host: "two", weight: "3" }],
  ["changeWeight", { service: "web", group: "main", host: "two", weight: "1" }],
  ["changeMaxconn", { service: "web", group: "main", host: "two", maxconn: "5" }],
  ["changeMaxconn", { service: "web", group: "main", host: "two", maxconn: "none" }],
  ["enableGroup", { service: "web", group: "upgrade" }],
  ["changeScheduler", { service: "web", group: "main", scheduler: "leastconnsrr" }],
  ["newGroup", { service: "web", group: "spare", scheduler: "hash" }],
  ["addHost", { service: "web", group: "spare", ip: "127.0.0.1:18007" }],
  ["setBackup", { service: "web", group: "spare" }],
  ["delBackup", { service: "web" }],
  ["delAllHosts", { service: "web", group: "spare" }],
  ["delGroup", { service: "web", group: "spare" }],
  ["setCheck", {
    service: "web",
    group: "main",
    interval: "2",
    timeout: "1",
    rise: "2",
    fall: "3",
  }],
  ["delCheck", { service: "web", group: "main" }],
  ["changeSendProxy", { service: "web", group: "main", sendProxy: "v2" }],
  ["changeSendProxy", { service: "web", group: "main", sendProxy: "off" }],
  ["changeQueueTimeout", { service: "web", group: "main", timeout: "3" }],
  ["changeQueueTimeout", { service: "web", group: "main", timeout: "default" }],
  ["changeStickyTime", { service: "web", group: "main", time: "60" }],
  ["changeConnectTimeout", { service: "web", group: "main", timeout: "7" }],
  ["changeService", { service: "web", idleTimeout: "30", maxconn: "100" }],
  ["changeService", { service: "web", idleTimeout: "off", maxconn: "default" }],
  ["addListen", { service: "web", listen }],
  ["changeListen", { service: "web", listen, acceptProxy: "yes" }],
  ["changeListen", { service: "web", listen, acceptProxy: "no" }],
  ["delListen", { service: "web", listen }],
  ["changeChecktime", { time: "60" }],
  ["changeTimeouts", { drain: "5" }],
  ["changeTimeouts", { drain: "off" }],
  ["newService", { service: "api", listen: apiListen, scheduler: "leastconns" }],
  ["addHost", { service: "api", group: "main", name: "one", ip: "127.0.0.1:18020" }],
  ["delService", { service: "api" }],
];

test("every config call: its edits on the config equal its edits on the model", async () => {
  const f = adminFixture();
  try {
    for (const [name, params] of CALLS) {
      const call = ChangeApi.call(name)!;
      assert.equal(call.scope, "config", name);
      const ctx = { target: f.controller, params: (k: string) => params[k], user: "test" };
      const before = f.controller.runningConfig();
      const change = await call.run(ctx);
      const expected = applyToConfig(before, change.edits ?? [], change.settings);
      await f.controller.commit(change);
      const after = f.controller.runningConfig();
      const what = `${name} ${JSON.stringify(params)}`;
      assert.deepEqual(expected.services, after.services, what);
      assert.equal(expected.checktimeSeconds, after.checktimeSeconds, what);
      assert.deepEqual(expected.timeouts ?? {}, after.timeouts ?? {}, what);
    }
  } finally {
    f.close();
  }
});

test("applyToConfig leaves its input alone", () => {
  const f = adminFixture();
  try {
    const config = f.controller.runningConfig();
    const copy = structuredClone(config);
    applyToConfig(config, [{ op: "removeService", service: "web" }], { checktimeSeconds: 9 });
    assert.deepEqual(config, copy);
  } finally {
    f.close();
  }
});
