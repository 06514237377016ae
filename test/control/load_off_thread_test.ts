/**
 * The config loader on its worker thread: a planned load gives the same
 * plan as planning here and the file without its services; loads asked for
 * at once (a reload and a `/config-vs-running` parse) each get their own
 * answer; loading the same file again (reused on the worker) still plans
 * against the running config given, and sees a change of one byte; a
 * refused file gives the same `ConfigError` as loading here.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planChanges } from "../../src/changes/plan.ts";
import { loadConfigText } from "../../src/config/load.ts";
import { ConfigLoader, IDLE_MS } from "../../src/control/load_off_thread.ts";
import { ConfigError } from "../../src/config/model.ts";
import { loadRuntime } from "../../src/runtime/mod.ts";
import { bigConfig } from "../support/big_config.ts";

const runtime = await loadRuntime();

test("a planned load plans on the worker as here; loads at once get their own answers", async () => {
  const running = loadConfigText(bigConfig({ services: 60, hostsPerService: 20 }), "running");
  const xml = bigConfig({ services: 61, hostsPerService: 20 })
    .replace('<host name="h3" ip="127.0.1.4:9"/>', '<host name="h3" ip="127.0.1.4:10"/>');
  const path = join(mkdtempSync(join(tmpdir(), "director-loader-")), "director.xml");
  writeFileSync(path, xml);
  const loader = new ConfigLoader(runtime);
  try {
    const { services, ...rest } = running.config;
    const [planned, text] = await Promise.all([
      loader.loadPlanned(path, {
        services: () => services.map((s) => JSON.stringify(s)),
        rest: () => rest,
      }),
      loader.loadText(xml, "text"),
    ]);
    const here = planChanges(running.config, loadConfigText(xml, path).config);
    assert.deepEqual(planned.plan, here);
    assert.ok(here.edits.length > 2, "the plan adds a service and replaces hosts");
    assert.equal("services" in planned.loaded.config, false);
    assert.equal(planned.loaded.text, xml);
    assert.deepEqual(text.config, loadConfigText(xml, "text").config);
  } finally {
    loader.close();
  }
});

test("the same file again plans against the running config as it is now; a changed byte is seen", async () => {
  const original = bigConfig({ services: 60, hostsPerService: 20 });
  const running = loadConfigText(original, "running").config;
  const moved = original.replace('ip="127.0.1.4:9"', 'ip="127.0.1.4:8"');
  const path = join(mkdtempSync(join(tmpdir(), "director-loader-")), "director.xml");
  writeFileSync(path, moved);
  const source = (config: typeof running) => {
    const { services, ...rest } = config;
    return { services: () => services.map((s) => JSON.stringify(s)), rest: () => rest };
  };
  const hostEdits = (plan: { edits: { op: string }[] }) =>
    plan.edits.filter((e) => e.op.endsWith("Host")).length;
  const loader = new ConfigLoader(runtime);
  try {
    const first = await loader.loadPlanned(path, source(running));
    assert.ok(hostEdits(first.plan) > 0, "the moved host is replaced");
    // Applied: the same file against the config it made plans nothing.
    const applied = loadConfigText(moved, path).config;
    assert.deepEqual((await loader.loadPlanned(path, source(applied))).plan.edits, []);
    // Run-time changes since (here: the original again) are planned away.
    assert.deepEqual((await loader.loadPlanned(path, source(running))).plan, first.plan);
    // Same length, same name, one byte different: loaded anew.
    writeFileSync(path, moved.replace('ip="127.0.1.4:8"', 'ip="127.0.1.4:7"'));
    const again = await loader.loadPlanned(path, source(applied));
    assert.ok(hostEdits(again.plan) > 0, JSON.stringify(again.plan.edits));
  } finally {
    loader.close();
  }
});

test("a refused file is the ConfigError loading here gives, and nothing is planned", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "director-loader-")), "director.xml");
  writeFileSync(path, "<pdconfig>\n  <service/>\n</pdconfig>\n");
  const loader = new ConfigLoader(runtime);
  try {
    let planned = false;
    const error = await loader.loadPlanned(path, {
      services: () => (planned = true, []),
      rest: () => ({ logging: {}, checktimeSeconds: 1 }) as never,
    }).catch((e) => e);
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.line, 2);
    assert.equal(planned, false);
  } finally {
    loader.close();
  }
});

test("a used loader is replaced by a fresh one after its idle time, and the fresh one answers", async () => {
  const xml = bigConfig({ services: 3, hostsPerService: 2 });
  const loader = new ConfigLoader(runtime);
  try {
    loader.warm();
    assert.equal(loader.started, 1, "warm starts a loader");
    assert.deepEqual((await loader.loadText(xml, "a")).config, loadConfigText(xml, "a").config);
    const deadline = Date.now() + IDLE_MS + 20_000;
    while (loader.started < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(loader.started, 2, `no fresh loader within ${IDLE_MS} ms of the last load`);
    const other = bigConfig({ services: 3, hostsPerService: 2, listenHost: "127.0.9.1" });
    assert.deepEqual((await loader.loadText(other, "b")).config, loadConfigText(other, "b").config);
    assert.equal(loader.started, 2, "the load used the fresh loader, it did not start another");
  } finally {
    loader.close();
  }
});
