/**
 * The running config as a file that loads again: groups left without
 * hosts and services whose enabled group is empty are left out — each
 * named in a comment — and what remains always parses.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadableRunningConfig, runningConfigXml } from "../../src/changes/running_config.ts";
import { parseEndpoint } from "../../src/config/endpoint.ts";
import type { DirectorConfig, GroupConfig } from "../../src/config/model.ts";
import { parseConfig } from "../../src/config/parse.ts";

const group = (name: string, hosts: number): GroupConfig => ({
  name,
  scheduler: "roundrobin",
  connectTimeoutMs: 5000,
  hosts: Array.from({ length: hosts }, (_, i) => ({
    name: `${name}${i}`,
    address: parseEndpoint(`127.0.0.1:${100 + i}`),
  })),
});

function running(...services: [string, GroupConfig[], string?][]): DirectorConfig {
  return {
    services: services.map(([name, groups, backupGroup], i) => ({
      name,
      listen: [{ ...parseEndpoint(`127.0.0.1:${8000 + i}`) }],
      groups,
      enabledGroup: groups[0].name,
      ...(backupGroup ? { backupGroup } : {}),
    })),
    logging: {},
    checktimeSeconds: 120,
  };
}

test("running config: empty groups and services with an empty enabled group are left out", () => {
  const config = running(["web", [group("main", 2), group("spare", 0)]], ["new", [group("g", 0)]]);
  const { config: loadable, omitted } = loadableRunningConfig(config);
  assert.deepEqual(loadable.services.map((s) => s.name), ["web"]);
  assert.deepEqual(loadable.services[0].groups.map((g) => g.name), ["main"]);
  assert.deepEqual(omitted, [
    'group "spare" of service "web" (no hosts)',
    'service "new" (its enabled group has no hosts)',
  ]);
  const xml = runningConfigXml(config);
  assert.match(
    xml,
    /<!-- Not saved, because a config cannot hold it yet:\n {2}left out: group "spare"/,
  );
  assert.equal(parseConfig(xml, "running.xml").config.services.length, 1, "it loads again");
});

test("running config: a backup group left without hosts does not make the file unloadable", () => {
  const config = running(["web", [group("main", 1), group("spare", 0)], "spare"]);
  const xml = runningConfigXml(config);
  const loaded = parseConfig(xml, "running.xml").config;
  assert.equal(loaded.services[0].backupGroup, undefined);
  assert.match(xml, /left out: group "spare" of service "web" \(no hosts, so no backup either\)/);
  const kept = running(["web", [group("main", 1), group("spare", 1)], "spare"]);
  assert.equal(
    parseConfig(runningConfigXml(kept), "r.xml").config.services[0].backupGroup,
    "spare",
  );
});

test("running config: nothing left out means no comment, and names with -- stay in a valid comment", () => {
  assert.doesNotMatch(runningConfigXml(running(["web", [group("main", 1)]])), /<!--/);
  const xml = runningConfigXml(running(["a--b", [group("g", 0)]]));
  const comment = xml.match(/<!--([\s\S]*?)-->/)![1];
  assert.ok(!comment.includes("--"), comment);
  parseConfig(xml.replace(/<service[\s\S]*<\/service>/, ""), "running.xml");
});

test("running config: after newGroup + setBackup, /running.xml and save still load", async () => {
  const { adminFixture } = await import("../admin/fixture.ts");
  const { readFileSync } = await import("node:fs");
  const fx = adminFixture();
  try {
    for (const call of ["newGroup?service=web&group=spare", "setBackup?service=web&group=spare"]) {
      assert.equal((await fx.call(`/${call}`)).status, 200, call);
    }
    const running = await fx.text("/running.xml");
    assert.match(running, /left out: group "spare" of service "web" \(no hosts, so no backup/);
    parseConfig(running, "running.xml");
    assert.equal((await fx.call("/save")).status, 200);
    parseConfig(readFileSync(fx.configPath, "utf8"), fx.configPath);
  } finally {
    fx.close();
  }
});
