/**
 * A backend that accepts and never answers (nor reads): its clients get
 * nothing, but Director keeps serving every other service meanwhile; with
 * `<service idle-timeout="2">` such a connection is closed after about 2 s,
 * both sides, while a connection that trickles data survives.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfig } from "../../src/config/parse.ts";
import { freePort, sleep, startDirector } from "../integration/harness.ts";
import { connect, namedBackend, readConn, startServer } from "../integration/peers.ts";
import { pool, talk, tally } from "./faults.ts";
import { admin, configWithAdmin, fdCount, fdsSettle, waitUntil } from "./probe.ts";

/** A backend that accepts, reads (and discards) what comes, and never answers. */
async function silentBackend() {
  const stats = { open: 0 };
  const backend = await startServer(async (conn) => {
    stats.open++;
    try {
      await readConn(conn); // until Director closes the connection
    } finally {
      stats.open--;
    }
  });
  return Object.assign(backend, { stats });
}

test("a backend that never answers: its clients wait, other services are served", async () => {
  const silent = await silentBackend();
  const ok = await namedBackend("ok");
  const [port, okPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const director = await startDirector(
    configWithAdmin([
      { name: "silent", listen: port, hosts: [silent.port] },
      { name: "ok", listen: okPort, hosts: [ok.port] },
    ], adminPort),
  );
  const api = admin(adminPort);
  try {
    await pool(3, 3, () => talk(okPort, { end: true, deadlineMs: 5000 }));
    await api.idle();
    const fds = fdCount(director.pid);

    // The stuck clients give up after 8 s: long enough for all 50 to reach the backend
    // and for the other service's 100 exchanges, however loaded the machine.
    const stuck = pool(50, 50, () => talk(port, { send: "hello?\n", deadlineMs: 8000 }));
    await waitUntil(() => silent.stats.open === 50, 8000, "50 connections at the silent backend");
    // Meanwhile the other service answers at once, every time.
    const started = Date.now();
    const others = await pool(100, 10, () => talk(okPort, { end: true, deadlineMs: 5000 }));
    assert.deepEqual(tally(others), { fin: 100 });
    for (const r of others) assert.equal(r.head, "ok\n");
    const othersMs = Date.now() - started;
    assert.equal((await api.status()).openConnections, 50);

    const results = await stuck;
    assert.deepEqual(tally(results), { hang: 50 }, "the silent backend's clients get nothing");
    for (const r of results) assert.equal(r.received, 0);
    // The clients gave up: Director closes the backend side and forgets them.
    await waitUntil(() => silent.stats.open === 0, 10_000, "backend connections closed");
    await api.idle();
    const after = await fdsSettle(director.pid, fds);
    console.log(
      `silent backend: 50 stuck clients; 100 exchanges with another service took ${othersMs} ms; ` +
        `descriptors ${fds} -> ${after}`,
    );
  } finally {
    await director.stop();
    await silent.close();
    await ok.close();
  }
});

/** Is `<service idle-timeout>` a known attribute yet? (An unknown one is only a warning.) */
function idleTimeoutSupported(): boolean {
  const xml = configWithAdmin([{ listen: 1, hosts: [2], serviceAttrs: 'idle-timeout="2"' }], 3);
  try {
    const { warnings } = parseConfig(xml, "probe.xml");
    return !warnings.some((w) => w.message.includes("idle-timeout"));
  } catch {
    return false;
  }
}

test(
  'with idle-timeout="2" a connection to a silent backend is closed by the idle timer',
  idleTimeoutSupported() ? {} : { todo: "needs <service idle-timeout>" },
  async () => {
    const silent = await silentBackend();
    const [port, adminPort] = [await freePort(), await freePort()];
    const director = await startDirector(
      configWithAdmin(
        [{ listen: port, hosts: [silent.port], serviceAttrs: 'idle-timeout="2"' }],
        adminPort,
        { extra: `  <logging access="yes"/>` },
      ),
    );
    const api = admin(adminPort);
    try {
      // A client that trickles a byte every 500 ms is never idle…
      const trickle = (async () => {
        const socket = await connect(port);
        socket.on("error", () => {});
        let closed = false;
        socket.on("close", () => closed = true);
        for (let i = 0; i < 9 && !closed; i++) {
          socket.write("x");
          await sleep(500);
        }
        const survived = !closed;
        socket.destroy();
        return survived;
      })();
      // …while silent ones are closed after 2 s (the sweep runs every 250 ms).
      const results = await pool(20, 20, () => talk(port, { send: "hello?\n", deadlineMs: 8000 }));
      const endings = tally(results);
      assert.equal(endings.hang ?? 0, 0, `idle connections left open: ${JSON.stringify(endings)}`);
      // Each closed by the idle timer (when it fires, test/proxy/idle_test.ts checks).
      await waitUntil(
        () => (director.output().match(/event=access [^\n]*end=idle_timeout/g) ?? []).length >= 20,
        10_000,
        "20 access lines with end=idle_timeout",
      );
      assert.equal(await trickle, true, "a connection moving a byte every 0.5 s survives 4.5 s");
      await waitUntil(() => silent.stats.open === 0, 10_000, "backend side closed too");
      await api.idle();
      const times = results.map((r) => r.ms).sort((a, b) => a - b);
      console.log(
        `idle-timeout 2 s: 20 silent connections closed after ${times[0]}-${times.at(-1)} ms`,
      );
    } finally {
      await director.stop();
      await silent.close();
    }
  },
);
