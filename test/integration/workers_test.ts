/**
 * Two worker threads on one port (SO_REUSEPORT), one balancing state: both
 * serve, a rotation is one rotation across them, a change reaches both, a
 * host one worker finds bad is bad for the other, and a worker that dies
 * is restarted while the other keeps serving.
 *
 * @module
 */
import assert from "node:assert/strict";
import type net from "node:net";
import { test } from "node:test";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { freePort, refusedSoon, startDirector, within } from "./harness.ts";
import { waitUntil } from "../reliability/probe.ts";
import {
  connect,
  echoBackend,
  namedBackend,
  readConn,
  send,
  startServer,
  whoAnswers,
} from "./peers.ts";

const HASH = await hashPassword("w-secret", 4);

interface WorkerView {
  index: number;
  ready: boolean;
  connections: number;
  started: number;
  failures: number;
}

async function setup(hosts: string, serviceAttrs = "") {
  const [port, adminPort] = [await freePort(), await freePort()];
  const director = await startDirector(`<pdconfig>
  <service name="web"${serviceAttrs}>
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
    // (as with any SO_REUSEPORT server), and the thread's end (its listener
    // closing) comes a moment after `worker_exited`, which is logged as it is
    // told to stop: wait until 10 clients in a row are served, then every one is.
    let inARow = 0;
    await waitUntil(
      async () => (inARow = (await whoAnswers(t.port)) === "A" ? inARow + 1 : 0) >= 10,
      10_000,
      "the dead worker's listener gone",
      0,
    );
    for (let i = 0; i < 30; i++) assert.equal(await whoAnswers(t.port), "A");
    await t.director.waitFor(/event=worker_restarted worker=0/, 10_000);
    await waitUntil(
      async () => (await t.workers()).filter((w) => w.ready).length === 2,
      10_000,
      "both workers ready",
    );
    assert.match(await t.admin("/metrics"), /^director_worker_restarts_total 1$/m);
    // SIGTERM with nothing open: the restarted worker stops too, and the process exits 0
    // (draining held connections is the next test).
    t.director.signal("SIGTERM");
    assert.equal(await within(10_000, t.director.exited, "exit"), 0);
  } finally {
    await t.director.stop();
    await a.close();
  }
});

/** Send `text` and wait until it comes back (the connection is relayed, not queued). */
async function echoes(socket: net.Socket, text: string): Promise<void> {
  const back = new Promise<void>((resolve) => {
    let got = "";
    const onData = (d: Buffer) => {
      got += d;
      if (got.endsWith(text)) {
        socket.off("data", onData);
        resolve();
      }
    };
    socket.on("data", onData);
  });
  socket.write(text);
  await within(5000, back, `echo of ${text}`);
}

test("SIGTERM with 2 workers: 20 held connections keep echoing, the port refuses, exit 0 after the last", async () => {
  const echo = await echoBackend();
  const t = await setup(`<host name="e" ip="127.0.0.1:${echo.port}"/>`);
  const held: net.Socket[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      const socket = await connect(t.port);
      await echoes(socket, `hello${i} `);
      held.push(socket);
    }
    const busy = (await t.workers()).filter((w) => w.connections > 0);
    assert.equal(busy.length, 2, "the 20 connections are held by both workers");
    t.director.signal("SIGTERM");
    await t.director.waitFor(/event=draining signal=SIGTERM open=20/);
    await refusedSoon(t.port);
    let exited = false;
    void t.director.exited.then(() => exited = true);
    for (const [i, socket] of held.entries()) {
      await echoes(socket, `again${i} `);
      assert.equal(exited, false, "exited while connections were open");
      socket.end();
    }
    assert.equal(await within(10_000, t.director.exited, "exit"), 0);
    assert.match(t.director.output(), /event=stopped signal=SIGTERM/);
  } finally {
    for (const s of held) s.destroy();
    await t.director.stop();
    await echo.close();
  }
});

test("a worker that dies holding connections frees their maxconn slots", async () => {
  const hold = await startServer(async (conn) => {
    await send(conn, "held\n");
    await readConn(conn);
  });
  const t = await setup(`<host name="h" ip="127.0.0.1:${hold.port}" maxconn="2"/>`);
  const held: net.Socket[] = [];
  const greeting = (socket: net.Socket) =>
    within(5000, new Promise((r) => socket.once("data", r)), "greeting");
  try {
    // Fill the host's two slots, then find a worker that holds at least one.
    for (let i = 0; i < 2; i++) {
      const socket = await connect(t.port);
      socket.on("error", () => {});
      await greeting(socket);
      held.push(socket);
    }
    const victim = (await t.workers()).find((w) => w.connections > 0)!;
    assert.match(await t.admin(`/restartWorker?worker=${victim.index}`), /^ok:/);
    await t.director.waitFor(new RegExp(`event=worker_restarted worker=${victim.index}`), 10_000);
    // Its connections went with it; the other's stay. Every slot it held is free again:
    const kept = (await t.workers()).reduce((sum, w) => sum + w.connections, 0);
    assert.equal(kept, 2 - victim.connections);
    for (let i = 0; i < victim.connections; i++) {
      const socket = await connect(t.port);
      socket.on("error", () => {});
      await greeting(socket);
      held.push(socket);
    }
    assert.match(await t.admin("/running.txt"), /^host h 127\.0\.0\.1:\d+ 2 -$/m);
  } finally {
    for (const s of held) s.destroy();
    await t.director.stop();
    await hold.close();
  }
});

test("recovery runs once for the whole process: one probe brings a host back", async () => {
  const port = await freePort();
  const t = await setup(`<host name="h" ip="127.0.0.1:${port}"/>`);
  try {
    assert.match(await t.admin("/changeChecktime?time=1"), /^ok:/);
    await whoAnswers(t.port).catch(() => "");
    await t.director.waitFor(/event=host_bad .*host=h/);
    // The host comes up: the first probe to reach it brings it back. One
    // recovery task makes one probe per round; one per worker would make more.
    const back = await namedBackend("H", port);
    try {
      await t.director.waitFor(/event=host_up .*host=h/, 10_000);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(back.accepted, 1, "probes that reached the host");
    } finally {
      await back.close();
    }
  } finally {
    await t.director.stop();
  }
});
