/**
 * Two worker processes on one port (SO_REUSEPORT), one admin in the
 * supervisor: traffic reaches both, changes reach both, a host one worker
 * finds bad is bad for the other, and a killed worker is restarted while
 * the other keeps serving.
 *
 * @module
 */
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { hashPassword } from "../../src/admin/passwords.ts";
import { freePort, sleep, startDirector, within } from "./harness.ts";
import { namedBackend, whoAnswers } from "./peers.ts";

const HASH = await hashPassword("w-secret", 4);

interface WorkerView {
  index: number;
  pid: number;
  ready: boolean;
  hosts: Record<string, { started: number; failures: number }>;
}

async function setup(hosts: string) {
  const [port, adminPort] = [await freePort(), await freePort()];
  const director = await startDirector(`<pdconfig>
  <service name="web">
    <listen ip="127.0.0.1:${port}"/>
    <group name="main" scheduler="roundrobin">${hosts}</group>
    <enable group="main"/>
  </service>
  <admin listen="127.0.0.1:${adminPort}"><user name="ops" password="${HASH}" access="full"/></admin>
  <performance workers="2"/>
</pdconfig>`);
  const admin = async (path: string) =>
    (await fetch(`http://127.0.0.1:${adminPort}${path}`, {
      headers: { authorization: "Basic " + btoa("ops:w-secret") },
    })).text();
  /** Per-worker counters, once the supervisor has polled them (every second). */
  const workers = async (): Promise<WorkerView[]> => {
    await sleep(1200);
    return JSON.parse(await admin("/api/v1/workers")).list;
  };
  return { port, director, admin, workers };
}

const key = (host: string) => JSON.stringify(["web", "main", host]);
const started = (w: WorkerView, host: string) => w.hosts[key(host)]?.started ?? 0;

test("both workers serve, and a change call reaches every worker", async () => {
  const [a, b] = [await namedBackend("A"), await namedBackend("B")];
  const t = await setup(`<host name="a" ip="127.0.0.1:${a.port}"/>`);
  try {
    for (let i = 0; i < 40; i++) assert.equal(await whoAnswers(t.port), "A");
    const before = await t.workers();
    assert.equal(before.length, 2);
    for (const w of before) assert.ok(started(w, "a") > 0, `worker ${w.index} served nothing`);

    assert.match(
      await t.admin(`/addHost?service=web&group=main&name=b&ip=127.0.0.1:${b.port}`),
      /^ok:/,
    );
    for (let i = 0; i < 40; i++) await whoAnswers(t.port);
    for (const w of await t.workers()) {
      assert.ok(started(w, "b") > 0, `worker ${w.index} never used b`);
    }
    // The summed view in the supervisor.
    assert.match(await t.admin("/running.txt"), /^host b 127\.0\.0\.1:\d+ 0 -$/m);
  } finally {
    await t.director.stop();
    await a.close();
    await b.close();
  }
});

test("a host one worker finds bad gets no connections from the other", async () => {
  const alive = await namedBackend("ALIVE");
  const dead = await freePort();
  const t = await setup(
    `<host name="dead" ip="127.0.0.1:${dead}"/><host name="alive" ip="127.0.0.1:${alive.port}"/>`,
  );
  try {
    assert.equal(await whoAnswers(t.port), "ALIVE"); // one worker tried "dead" and failed over
    await t.director.waitFor(/event=host_bad .*host=dead/);
    await sleep(100);
    for (let i = 0; i < 40; i++) assert.equal(await whoAnswers(t.port), "ALIVE");
    const failures = (await t.workers()).map((w) => w.hosts[key("dead")]?.failures ?? 0);
    assert.equal(failures.reduce((x, y) => x + y, 0), 1, `failures per worker: ${failures}`);
    assert.match(await t.admin("/running.txt"), /^disabled dead .*connection refused -$/m);
  } finally {
    await t.director.stop();
    await alive.close();
  }
});

test("a worker killed with SIGKILL is restarted while the other keeps serving", async () => {
  const a = await namedBackend("A");
  const t = await setup(`<host name="a" ip="127.0.0.1:${a.port}"/>`);
  try {
    const [victim] = await t.workers();
    process.kill(victim.pid, "SIGKILL");
    // Connections the kernel had queued on the killed worker's socket are
    // reset with it (as with any SO_REUSEPORT server); once it is gone,
    // every client is served: by the other worker, then by both.
    await t.director.waitFor(/event=worker_exited worker=0 .*signal=SIGKILL/, 5000);
    for (let i = 0; i < 30; i++) assert.equal(await whoAnswers(t.port), "A");
    await t.director.waitFor(/event=worker_restarted worker=0/, 10_000);
    const after = await t.workers();
    assert.equal(after.filter((w) => w.ready).length, 2);
    assert.notEqual(after.find((w) => w.index === victim.index)?.pid, victim.pid);
    assert.match(await t.admin("/metrics"), /^director_worker_restarts_total 1$/m);
    // SIGTERM drains the workers and the supervisor exits 0.
    t.director.signal("SIGTERM");
    assert.equal(await within(10_000, t.director.exited, "exit"), 0);
  } finally {
    await t.director.stop();
    await a.close();
  }
});
