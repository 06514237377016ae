/**
 * `save` is atomic even when the process dies mid-write: 30 times, a real
 * Director gets a change and a `/save`, and is SIGKILLed at a random moment
 * around it. The config file must always parse and be either the old
 * content or the new one — never truncated, never a mix.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import process from "node:process";
import { test } from "node:test";
import { parseConfig } from "../../src/config/parse.ts";
import { freePort, sleep, startDirector } from "../integration/harness.ts";
import { pool } from "./faults.ts";
import { admin, configWithAdmin } from "./probe.ts";

const ROUNDS = 30;
/** Hosts in the config, so that a save has some bytes to write (and a window to be killed in). */
const HOSTS = 400;

async function round(i: number, killWindowMs: number) {
  const [port, adminPort] = [await freePort(), await freePort()];
  const hosts = Array.from({ length: HOSTS }, (_, k) => 30000 + k);
  const director = await startDirector(configWithAdmin([{ listen: port, hosts }], adminPort));
  const api = admin(adminPort);
  const before = readFileSync(director.configPath, "utf8");
  try {
    const added = await api.request(
      `/addHost?service=svc0&group=main&name=new${i}&ip=127.0.0.1:${29000 + i}`,
    );
    assert.equal(added.status, 200, await added.text());
    const delay = Math.random() * killWindowMs;
    const started = performance.now();
    const save = api.request("/save", {}, 5000).then(
      async (r) => ({ status: r.status, ms: performance.now() - started, text: await r.text() }),
      () => undefined,
    );
    await sleep(delay);
    process.kill(director.pid, "SIGKILL");
    const answer = await save;
    await director.exited;

    const after = readFileSync(director.configPath, "utf8");
    let kind: "old" | "new";
    if (after === before) kind = "old";
    else {
      const config = parseConfig(after, director.configPath).config; // throws if truncated
      const names = config.services[0].groups[0].hosts.map((h) => h.name);
      assert.ok(names.includes(`new${i}`), "a changed file must be the new content");
      assert.equal(names.length, HOSTS + 1);
      kind = "new";
    }
    // The previous version, if the save got that far, is whole too.
    const bak = `${director.configPath}.bak`;
    if (existsSync(bak)) parseConfig(readFileSync(bak, "utf8"), bak);
    const leftovers = readdirSync(director.dir).filter((f) => f.includes(".tmp"));
    return { kind, delay, answered: answer?.status, saveMs: answer?.ms, leftovers };
  } finally {
    await director.stop();
  }
}

test(`save survives SIGKILL at random moments (${ROUNDS} rounds): old or new file, never broken`, async () => {
  // How long does a save take here? The kills are spread over twice that.
  const [port, adminPort] = [await freePort(), await freePort()];
  const hosts = Array.from({ length: HOSTS }, (_, k) => 30000 + k);
  const timing = await startDirector(configWithAdmin([{ listen: port, hosts }], adminPort));
  let saveMs: number;
  try {
    const started = performance.now();
    const response = await admin(adminPort).request("/save");
    assert.equal(response.status, 200, await response.text());
    saveMs = performance.now() - started;
  } finally {
    await timing.stop();
  }
  const window = Math.max(20, 2 * saveMs);

  const results = await pool(ROUNDS, 3, (i) => round(i, window));
  const counts = { old: 0, new: 0 };
  for (const r of results) counts[r.kind]++;
  const leftovers = results.reduce((n, r) => n + r.leftovers.length, 0);
  console.log(
    `save + SIGKILL: a save takes ~${saveMs.toFixed(0)} ms here; ${ROUNDS} kills within ` +
      `${
        window.toFixed(0)
      } ms of the request: ${counts.old} left the old file, ${counts.new} the ` +
      `new one, 0 broken; ${results.filter((r) => r.answered === 200).length} saves answered ` +
      `before the kill; ${leftovers} temporary file(s) left behind`,
  );
  assert.equal(counts.old + counts.new, ROUNDS);
});
