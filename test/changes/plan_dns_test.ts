/**
 * Reload and `director diff` with backends from DNS: the hosts an SRV
 * group found are DNS's, not the file's, so a plan leaves them alone; a
 * changed or dropped `srv` is one group setting; the address a DNS name
 * resolved to never makes an edit.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planChanges } from "../../src/changes/plan.ts";
import { planCalls } from "../../src/changes/plan_calls.ts";
import type { DirectorConfig } from "../../src/config/model.ts";
import { parseConfig } from "../../src/config/parse.ts";

const config = (group: string): DirectorConfig =>
  parseConfig(
    `<pdconfig><service name="web"><listen ip="127.0.0.1:1"/>${group}<enable group="main"/>` +
      `</service></pdconfig>`,
    "t.xml",
  ).config;

const SRV = `<group name="main" scheduler="roundrobin" srv="_w._tcp.x"/>`;
const STATIC =
  `<group name="main" scheduler="roundrobin"><host name="s" ip="10.0.0.9:80"/></group>`;

/** A running config whose SRV group found two hosts. */
function running(): DirectorConfig {
  const c = config(SRV);
  c.services[0].groups[0].hosts.push(
    {
      name: "a.x:80",
      address: { spec: "a.x:80", hostname: "a.x", port: 80 },
      resolved: "10.0.0.1",
    },
    { name: "b.x:80", address: { spec: "b.x:80", hostname: "b.x", port: 80 }, weight: 3 },
  );
  return c;
}

describe("plans with DNS", () => {
  it("keeps the hosts an SRV group found when the file is unchanged", () => {
    assert.deepEqual(planChanges(running(), config(SRV)).edits, []);
  });

  it("a new srv name is one setting; the hosts wait for DNS", () => {
    const to = config(SRV.replace("_w._tcp.x", "_v._tcp.x"));
    assert.deepEqual(planChanges(running(), to).edits, [
      { op: "setGroup", service: "web", group: "main", set: { srv: "_v._tcp.x" } },
    ]);
    assert.deepEqual(planCalls(running(), to).calls, [
      { action: "changeSrv", params: { service: "web", group: "main", srv: "_v._tcp.x" } },
    ]);
  });

  it("dropping srv for hosts in the file replaces the found ones", () => {
    const ops = planChanges(running(), config(STATIC)).edits.map((e) => e.op);
    assert.deepEqual(ops, ["setGroup", "addHost", "removeHost", "removeHost"]);
  });

  it("a resolved address is run-time state, not a difference", () => {
    const from = config(
      `<group name="main" scheduler="roundrobin"><host name="n" ip="app.x:80"/></group>`,
    );
    const to = structuredClone(from);
    from.services[0].groups[0].hosts[0].resolved = "10.0.0.5";
    assert.deepEqual(planChanges(from, to).edits, []);
  });
});
