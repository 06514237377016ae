/**
 * The relay over real sockets: large and concurrent transfers arrive
 * byte-identical, half-close works in both directions, and data a client
 * sent before any backend was connected reaches the backend that serves it,
 * also after a failover.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, test } from "node:test";
import { freePort, simpleConfig, startDirector, within } from "./harness.ts";
import {
  type Backend,
  blackholePort,
  connect,
  echoBackend,
  exchange,
  payload,
  readAll,
  readConn,
  recordingBackend,
  send,
  startServer,
} from "./peers.ts";
import { requireTool } from "../support/skip.ts";

let echo: Backend;
let port: number;
let director: Awaited<ReturnType<typeof startDirector>>;

before(async () => {
  echo = await echoBackend();
  port = await freePort();
  director = await startDirector(simpleConfig({ listen: port, hosts: [echo.port] }));
});
after(async () => {
  await director.stop();
  await echo.close();
});

const sha = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

test("a 20 MiB transfer comes back byte-identical", async () => {
  const data = payload(20 * 1024 * 1024);
  const reply = await exchange(port, data, 30_000);
  assert.equal(reply.length, data.length);
  assert.equal(sha(reply), sha(data));
});

test("50 concurrent 1 MiB transfers each come back byte-identical", async () => {
  const runs = Array.from({ length: 50 }, async (_, i) => {
    const data = payload(1024 * 1024, i + 7);
    const reply = await exchange(port, data, 30_000);
    return sha(reply) === sha(data);
  });
  const ok = await Promise.all(runs);
  assert.equal(ok.filter(Boolean).length, 50);
});

test("a client that half-closes still receives the whole answer", async () => {
  // The backend answers only after the client's FIN, and slowly, in pieces.
  const late = await startServer(async (conn) => {
    await readConn(conn);
    for (let i = 0; i < 5; i++) {
      await send(conn, `part ${i}\n`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await send(conn, "done\n");
  });
  const p = await freePort();
  const d = await startDirector(simpleConfig({ listen: p, hosts: [late.port] }));
  try {
    const reply = await exchange(p, "question");
    assert.equal(reply.toString(), "part 0\npart 1\npart 2\npart 3\npart 4\ndone\n");
  } finally {
    await d.stop();
    await late.close();
  }
});

test("a backend that half-closes still receives everything the client sends after", async () => {
  let received: Promise<Uint8Array> | undefined;
  const early = await startServer(async (conn) => {
    await send(conn, "answer first\n");
    await conn.closeWrite(); // FIN from the backend, but it keeps reading
    received = readConn(conn);
    await received;
  });
  const p = await freePort();
  const d = await startDirector(simpleConfig({ listen: p, hosts: [early.port] }));
  try {
    const socket = await connect(p);
    const reply = await within(5000, readAll(socket), "backend answer");
    assert.equal(reply.toString(), "answer first\n");
    const data = payload(1024 * 1024, 3);
    socket.end(data);
    const got = await within(10_000, received!, "client data at backend");
    assert.equal(sha(got), sha(data));
    socket.destroy();
  } finally {
    await d.stop();
    await early.close();
  }
});

test(
  "early data: 200 KiB sent and FIN'd before the backend is up all reach it",
  requireTool("python3"),
  async () => {
    // The first host's connect hangs for the whole connect-timeout, so the client's
    // bytes and FIN are sent before Director can be connected to any backend.
    const rec = await recordingBackend();
    const hole = await blackholePort();
    const p = await freePort();
    const d = await startDirector(simpleConfig({
      listen: p,
      hosts: [hole.port, rec.port],
      groupAttrs: 'connect-timeout="1"',
    }));
    try {
      const data = payload(200 * 1024, 5); // more than the 64 KiB early buffer
      const reply = await exchange(p, data);
      assert.equal(reply.toString(), "got it\n");
      await d.waitFor(/event=host_bad .*host=h0 .*timeout/);
      assert.equal(rec.received.length, 1);
      assert.equal(sha(await rec.received[0]), sha(data));
    } finally {
      await d.stop();
      await rec.close();
      hole.close();
    }
  },
);

test(
  "early data survives failover past a refusing and a timing-out host",
  requireTool("python3"),
  async () => {
    const rec = await recordingBackend();
    const hole = await blackholePort();
    const dead = await freePort();
    const p = await freePort();
    const d = await startDirector(simpleConfig({
      listen: p,
      hosts: [dead, hole.port, rec.port],
      groupAttrs: 'connect-timeout="0.5"',
    }));
    try {
      const data = payload(48 * 1024, 9);
      const socket = await connect(p);
      const reply = readAll(socket);
      socket.end(data); // sent and closed while Director is still failing over
      assert.equal((await within(5000, reply, "reply")).toString(), "got it\n");
      assert.equal(rec.received.length, 1);
      assert.equal(sha(await rec.received[0]), sha(data));
      await d.waitFor(/event=host_bad .*host=h0 .*refused/);
      await d.waitFor(/event=host_bad .*host=h1 .*timeout/);
    } finally {
      await d.stop();
      await rec.close();
      hole.close();
    }
  },
);
