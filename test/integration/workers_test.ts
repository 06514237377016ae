/**
 * Two worker threads on one port (SO_REUSEPORT), one balancing state: both
 * serve, a rotation is one rotation across them, a change reaches both, a
 * host one worker finds bad is bad for the other, and a worker that dies
 * is restarted while the other keeps serving.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { freePort, startDirector, within } from "./harness.ts";
import { waitUntil } from "../reliability/probe.ts";
import { namedBackend, whoAnswers } from "./peers.ts";

const HASH = await hashPassword("w-secret", 4);

interface WorkerView {
  index: number;
  ready: boolean;
  connections: number;
  started: number;
  failures: number;
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
  const workers = async (): Promise<WorkerView[]> =>
    JSON.parse(await admin("/api/v1/workers")).list;
  return { port, director, admin, workers };
}

test("both workers serve one rotation, and a change call reaches every worker", async () => {
  const [a, b] = [await namedBackend("A"), await namedBackend("B")];
  const t = await setup(`<host name="a" ip="127.0.0.1:${a.port}"/>`);
  try {
    for (let i = 0; i < 40; i++) assert.equal(await whoAnswers(t.port), "A");
    const before = await t.workers();
    assert.equal(before.length, 2);
    // 40 connections from 40 source ports: the kernel gave each worker some.
    for (const w of before) assert.ok(w.started > 0, `worker ${w.index} served nothing`);

    assert.match(
      await t.admin(`/addHost?service=web&group=main&name=b&ip=127.0.0.1:${b.port}`),
      /^ok:/,
    );
    // One rotation for both workers: strictly alternating, whichever worker accepts.
    const seen: string[] = [];
    for (let i = 0; i < 20; i++) seen.push(await whoAnswers(t.port));
    const first = seen[0];
    assert.deepEqual(seen, seen.map((_, i) => (i % 2 === 0 ? first : first === "A" ? "B" : "A")));
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
    for (let i = 0; i < 40; i++) assert.equal(await whoAnswers(t.port), "ALIVE");
    const failures = (await t.workers()).map((w) => w.failures);
    assert.equal(failures.reduce((x, y) => x + y, 0), 1, `failures per worker: ${failures}`);
    assert.match(await t.admin("/running.txt"), /^disabled dead .*connection refused -$/m);
  } finally {
    await t.director.stop();
    await alive.close();
  }
});

test("a worker that dies is restarted while the other keeps serving", async () => {
  const a = await namedBackend("A");
  const t = await setup(`<host name="a" ip="127.0.0.1:${a.port}"/>`);
  try {
    assert.match(await t.admin("/restartWorker?worker=0"), /^ok: worker 0 terminated/);
    await t.director.waitFor(/event=worker_exited worker=0 /, 5000);
    // Connections the kernel had queued on the dead worker's socket go with it
    // (as with any SO_REUSEPORT server); once it is gone, every client is served.
    for (let i = 0; i < 30; i++) assert.equal(await whoAnswers(t.port), "A");
    await t.director.waitFor(/event=worker_restarted worker=0/, 10_000);
    await waitUntil(
      async () => (await t.workers()).filter((w) => w.ready).length === 2,
      10_000,
      "both workers ready",
    );
    assert.match(await t.admin("/metrics"), /^director_worker_restarts_total 1$/m);
    // SIGTERM drains the workers and the process exits 0.
    t.director.signal("SIGTERM");
    assert.equal(await within(10_000, t.director.exited, "exit"), 0);
  } finally {
    await t.director.stop();
    await a.close();
  }
});
