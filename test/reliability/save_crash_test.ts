/**
 * `save` is atomic even when the process dies mid-write: 30 times, a real
 * Director gets a change and a `/save`, and is SIGKILLed — a third of the
 * rounds at a random moment around the save, a third the moment the save
 * first touches the config's directory (watched with inotify), which lands
 * the kill inside the write, and a third the moment the backup `FILE.bak`
 * first changes. The config file must always parse and be either the old
 * content or the new one — never truncated, never a mix — the backup must
 * always parse, and at least one kill must be seen to land during a write
 * (a temp file left behind), or the test proved nothing.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, watch } from "node:fs";
import { basename } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { parseConfig } from "../../src/config/parse.ts";
import { freePort, sleep, startDirector } from "../integration/harness.ts";
import { pool } from "./faults.ts";
import { admin, configWithAdmin } from "./probe.ts";

const ROUNDS = 30;
/** Hosts in the config, so that a save has some bytes to write (and a window to be killed in). */
const HOSTS = 400;

/**
 * When a round kills Director: a random delay after `/save`, at the save's
 * first file change, or at the first change to the backup file.
 */
type KillAt = { randomWithinMs: number } | "first-write" | "backup-write";

/** Resolves at the first change in `dir` (to `file`, if given) or after `ms`; `close()` stops watching. */
function firstChange(dir: string, ms: number, file?: string) {
  let watcher: ReturnType<typeof watch> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const changed = new Promise<boolean>((resolve) => {
    watcher = watch(dir, (_event, name) => {
      if (file === undefined || name === file) resolve(true);
    });
    timer = setTimeout(() => resolve(false), ms);
  });
  return {
    changed,
    close: () => {
      watcher?.close();
      clearTimeout(timer);
    },
  };
}

async function round(i: number, killAt: KillAt) {
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
    const bak = `${director.configPath}.bak`;
    const watching = killAt === "first-write"
      ? firstChange(director.dir, 5000)
      : killAt === "backup-write"
      ? firstChange(director.dir, 5000, basename(bak))
      : undefined;
    const started = performance.now();
    const save = api.request("/save", {}, 5000).then(
      async (r) => ({ status: r.status, ms: performance.now() - started, text: await r.text() }),
      () => undefined,
    );
    if (typeof killAt === "object") await sleep(Math.random() * killAt.randomWithinMs);
    else {
      await watching!.changed;
      watching!.close();
    }
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
    if (existsSync(bak)) parseConfig(readFileSync(bak, "utf8"), bak);
    const leftovers = readdirSync(director.dir).filter((f) => f.includes(".tmp"));
    return { kind, answered: answer?.status, saveMs: answer?.ms, leftovers };
  } finally {
    await director.stop();
  }
}

test(`save survives SIGKILL at random moments (${ROUNDS} rounds): old or new file, whole backup, never broken`, async () => {
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

  const results = await pool(
    ROUNDS,
    3,
    (i) =>
      round(
        i,
        [{ randomWithinMs: window }, "first-write" as const, "backup-write" as const][i % 3],
      ),
  );
  const counts = { old: 0, new: 0 };
  for (const r of results) counts[r.kind]++;
  // A temp file left behind: the kill landed after the write began and before the rename.
  const midWrite = results.filter((r) => r.leftovers.length > 0);
  console.log(
    `save + SIGKILL: a save takes ~${saveMs.toFixed(0)} ms here; ${ROUNDS} kills (a third within ` +
      `${window.toFixed(0)} ms of the request, a third at the first file change, a third at ` +
      `the backup's first change): ${counts.old} ` +
      `left the old file, ${counts.new} the new one, 0 broken; ` +
      `${results.filter((r) => r.answered === 200).length} saves answered before the kill; ` +
      `${midWrite.length} kill(s) landed during a write (temporary file left behind)`,
  );
  assert.ok(midWrite.length > 0, "no kill landed during a write: the test proved nothing");
  // Killed mid-write, the file is the old one (the new one is only ever renamed in whole).
  for (const r of midWrite) assert.equal(r.kind, "old");
});
