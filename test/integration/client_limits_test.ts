/**
 * Per-client limits over real sockets: `client-maxconn` and `client-rate`
 * with one client address over its limit while another is served — exact
 * with several worker threads too, since the counters are shared — the
 * refusals counted by reason, and `changeService` changing both.
 *
 * @module
 */
import assert from "node:assert/strict";
import type net from "node:net";
import { test } from "node:test";
import { freePort, startDirector } from "./harness.ts";
import { readConn, send, startServer } from "./peers.ts";
import { holdFrom, talkFrom } from "./policy_peers.ts";
import { admin, adminBlock } from "../reliability/probe.ts";

/** A backend that greets each client and holds the connection until the client's FIN. */
const holdingBackend = () =>
  startServer(async (conn) => {
    await send(conn, "hi\n");
    await readConn(conn);
  });

async function limitedDirector(attributes: string, extra = "") {
  const backend = await holdingBackend();
  const [port, adminPort] = [await freePort(), await freePort()];
  const director = await startDirector(`<pdconfig>
  <service name="web"${attributes}>
    <listen ip="127.0.0.1:${port}"/>
    <group name="main" scheduler="roundrobin"><host name="a" ip="127.0.0.1:${backend.port}"/></group>
    <enable group="main"/>
  </service>
  ${adminBlock(adminPort)}
  ${extra}
</pdconfig>`);
  return { backend, port, director, api: admin(adminPort) };
}

/** A client from `from` that is turned away reads nothing and sees the connection end. */
async function assertRefused(from: string, port: number) {
  const outcome = await talkFrom(from, port, "data");
  assert.equal(outcome.data, "", `a refused client (${from}) reads nothing`);
}

test("client-maxconn: the third connection of one address is refused, others are served", async () => {
  const { backend, port, director, api } = await limitedDirector(' client-maxconn="2"');
  const held: net.Socket[] = [];
  try {
    for (let i = 0; i < 2; i++) held.push((await holdFrom("127.0.0.2", port)).socket);
    const before = backend.accepted;
    await assertRefused("127.0.0.2", port);
    await assertRefused("127.0.0.2", port);
    assert.equal(backend.accepted, before, "no backend connection for a refused client");
    // Another address has its own count, while .2 is over its limit.
    const others = [];
    for (let i = 0; i < 2; i++) others.push((await holdFrom("127.0.0.3", port)).socket);
    held.push(...others);
    assert.equal(
      await api.metric("director_client_limit_refused_total", 'reason="client-maxconn"'),
      2,
    );
    await director.waitFor(
      /event=client_limited service=web client=127\.0\.0\.2 .*reason=client-maxconn/,
    );
    assert.match(await api.text("/running.txt"), /^client-limits 2 -\nrefused 0 2 0 0$/m);
    // One of .2's connections ends: its next one is served.
    held.shift()!.end();
    let served = false;
    for (let attempt = 0; attempt < 50 && !served; attempt++) {
      const next = await holdFrom("127.0.0.2", port).catch(() => undefined);
      if (next) {
        held.push(next.socket);
        served = true;
      } else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(served, "a slot freed by a closed connection is usable again");
    // Lifted at run time.
    assert.match(
      await api.text("/changeService?service=web&clientMaxconn=off"),
      /client-maxconn off/,
    );
    held.push((await holdFrom("127.0.0.2", port)).socket);
  } finally {
    for (const socket of held) socket.destroy();
    await director.stop();
    await backend.close();
  }
});

test("client-rate: over N new connections in the window is refused, other addresses are not", async () => {
  const { backend, port, director, api } = await limitedDirector(' client-rate="3/60"');
  const held: net.Socket[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const { socket } = await holdFrom("127.0.0.4", port);
      socket.destroy(); // closed at once: the rate counts new connections, not open ones
    }
    await assertRefused("127.0.0.4", port);
    held.push((await holdFrom("127.0.0.5", port)).socket);
    await assertRefused("127.0.0.4", port);
    assert.equal(
      await api.metric("director_client_limit_refused_total", 'reason="client-rate"'),
      2,
    );
    assert.match(await api.text("/running.txt"), /^client-limits - 3\/60\nrefused 0 0 2 0$/m);
    assert.match(await api.text("/running.xml"), /<service name="web" client-rate="3\/60">/);
    // A higher rate applies at once to the same window.
    assert.match(await api.text("/changeService?service=web&clientRate=5/60"), /client-rate 5\/60/);
    held.push((await holdFrom("127.0.0.4", port)).socket);
    const bad = await api.request("/changeService?service=web&clientRate=5");
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /Cannot use client-rate "5"/);
  } finally {
    for (const socket of held) socket.destroy();
    await director.stop();
    await backend.close();
  }
});

test("a worker thread that dies gives back its clients' counts", async () => {
  const { backend, port, director, api } = await limitedDirector(
    ' client-maxconn="1"',
    '<performance workers="2"/>',
  );
  const held: net.Socket[] = [];
  try {
    const first = await holdFrom("127.0.0.2", port);
    first.socket.on("error", () => {});
    held.push(first.socket);
    await assertRefused("127.0.0.2", port);
    const workers = JSON.parse(await api.text("/api/v1/workers")).list as {
      index: number;
      connections: number;
    }[];
    const victim = workers.find((w) => w.connections > 0)!;
    assert.match(await api.text(`/restartWorker?worker=${victim.index}`), /^ok:/);
    await director.waitFor(new RegExp(`event=worker_restarted worker=${victim.index}`), 10_000);
    // The connection went with its thread, and so did its count: .2 is served again.
    held.push((await holdFrom("127.0.0.2", port)).socket);
    await assertRefused("127.0.0.2", port);
  } finally {
    for (const socket of held) socket.destroy();
    await director.stop();
    await backend.close();
  }
});
