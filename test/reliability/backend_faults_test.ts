/**
 * Backends that misbehave mid-connection: one that closes after sending
 * half its answer, one whose process dies, one that resets (a real RST),
 * one that stops reading while the client sends a lot and then goes away.
 * In every case the client sees its connection end (no hang), Director's
 * open-connection counters return to 0, and after 100 such connections
 * Director holds as many descriptors as before (±2).
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { freePort, sleep, startDirector } from "../integration/harness.ts";
import { send, startServer } from "../integration/peers.ts";
import { dyingBackend, pool, rstBackend, talk, tally } from "./faults.ts";
import { admin, configWithAdmin, fdCount, fdsSettle, mib, rssKiB } from "./probe.ts";
import { requireTool } from "../support/skip.ts";

const CONNECTIONS = 100;
/** A client that gets nothing for this long is hanging. */
const DEADLINE_MS = 8000;

async function directorFor(backendPort: number) {
  const [port, adminPort] = [await freePort(), await freePort()];
  const director = await startDirector(
    configWithAdmin([{ listen: port, hosts: [backendPort] }], adminPort),
  );
  return { director, port, api: admin(adminPort) };
}

/**
 * Warm Director up with `warmup()` (the first connections load code and
 * allocate runtime resources for good), and take the descriptor baseline.
 */
async function baseline(
  pid: number,
  warmup: () => Promise<unknown>,
  api: ReturnType<typeof admin>,
) {
  await warmup();
  await api.idle();
  await sleep(200);
  return fdCount(pid);
}

test("a backend that closes after sending half its answer: clients see the end, nothing leaks", async () => {
  const half = 32 * 1024;
  const backend = await startServer(async (conn) => {
    await conn.read(new Uint8Array(1024)); // the request
    await send(conn, new Uint8Array(half).fill(0x62)); // half of a promised 64 KiB…
    // …and the handler returns: the server closes the connection (FIN).
  });
  const { director, port, api } = await directorFor(backend.port);
  try {
    const one = () => talk(port, { send: "GET 65536\n", deadlineMs: DEADLINE_MS });
    const fds = await baseline(director.pid, () => pool(5, 5, one), api);
    const results = await pool(CONNECTIONS, 10, one);
    assert.deepEqual(tally(results), { fin: CONNECTIONS }, "every client sees a FIN");
    for (const r of results) assert.equal(r.received, half, "the half that was sent arrives");
    await api.idle();
    const after = await fdsSettle(director.pid, fds);
    console.log(`half answer: ${CONNECTIONS} connections, descriptors ${fds} -> ${after}`);
  } finally {
    await director.stop();
    await backend.close();
  }
});

test(
  "a backend process killed mid-transfer: the client sees the end at once",
  requireTool("python3"),
  async () => {
    const backendPort = await freePort();
    const { director, port, api } = await directorFor(backendPort);
    try {
      const rounds = 10;
      const results = [];
      let fds = 0;
      for (let i = 0; i < rounds; i++) {
        if (i === 1) fds = await baseline(director.pid, () => Promise.resolve(), api); // warmed up
        const peer = await dyingBackend(backendPort, 48 * 1024);
        try {
          // The client keeps sending while the backend dies: Director sees a FIN or a reset.
          results.push(await talk(port, { send: 256 * 1024, deadlineMs: DEADLINE_MS }));
        } finally {
          peer.kill();
          await peer.exited;
        }
      }
      const hung = results.filter((r) => r.ending === "hang");
      assert.equal(hung.length, 0, `hung clients: ${JSON.stringify(tally(results))}`);
      await api.idle();
      const after = await fdsSettle(director.pid, fds);
      console.log(
        `killed backend: ${rounds} rounds, endings ${JSON.stringify(tally(results))}, ` +
          `descriptors ${fds} -> ${after}`,
      );
    } finally {
      await director.stop();
    }
  },
);

test(
  "a backend that resets (RST) mid-transfer: clients see the end, nothing leaks",
  requireTool("python3"),
  async () => {
    const backend = await rstBackend(16 * 1024);
    const { director, port, api } = await directorFor(backend.port);
    try {
      // Sanity check of the peer itself: a direct client really gets ECONNRESET.
      const direct = await talk(backend.port, { send: 64 * 1024, deadlineMs: 5000 });
      assert.equal(
        direct.ending,
        "reset",
        `the python peer must send RST: ${JSON.stringify(direct)}`,
      );

      const one = () => talk(port, { send: 512 * 1024, deadlineMs: DEADLINE_MS });
      const fds = await baseline(director.pid, () => pool(5, 5, one), api);
      const results = await pool(CONNECTIONS, 10, one);
      const endings = tally(results);
      assert.equal(endings.hang ?? 0, 0, `no client may hang: ${JSON.stringify(endings)}`);
      assert.equal((endings.fin ?? 0) + (endings.reset ?? 0), CONNECTIONS, JSON.stringify(endings));
      await api.idle();
      const after = await fdsSettle(director.pid, fds);
      console.log(
        `backend RST: ${CONNECTIONS} connections, endings ${JSON.stringify(endings)}, ` +
          `descriptors ${fds} -> ${after}`,
      );
    } finally {
      await director.stop();
      backend.kill();
    }
  },
);

test("a backend that stops reading while the client sends a lot, then goes away", async () => {
  const stallMs = 300;
  const backend = await startServer(async (conn) => {
    await conn.read(new Uint8Array(1024)); // a little, then no more reading…
    await sleep(stallMs);
    // …and the handler returns: closed with unread data, so the kernel sends RST.
  });
  const { director, port, api } = await directorFor(backend.port);
  try {
    const one = () => talk(port, { send: 2 * 1024 * 1024, deadlineMs: DEADLINE_MS });
    const fds = await baseline(director.pid, () => pool(5, 5, one), api);
    const rssBefore = rssKiB(director.pid);
    let rssMax = rssBefore;
    const sampler = setInterval(() => rssMax = Math.max(rssMax, rssKiB(director.pid)), 100);
    let results;
    try {
      results = await pool(CONNECTIONS, 20, one);
    } finally {
      clearInterval(sampler);
    }
    const endings = tally(results);
    assert.equal(endings.hang ?? 0, 0, `no client may hang: ${JSON.stringify(endings)}`);
    await api.idle();
    const after = await fdsSettle(director.pid, fds);
    console.log(
      `stalled backend: ${CONNECTIONS} connections x 2 MiB offered, endings ` +
        `${JSON.stringify(endings)}, descriptors ${fds} -> ${after}, RSS ${mib(rssBefore)} -> ` +
        `max ${mib(rssMax)} MiB`,
    );
    // 20 stalled connections at once, each offering 2 MiB: had Director buffered what the
    // backend would not take, it would have grown by 40 MiB or more. (Below that, the figure
    // is mostly garbage not yet collected: Bun allocates a chunk per read.)
    assert.ok(rssMax - rssBefore < 32 * 1024, `RSS grew by ${mib(rssMax - rssBefore)} MiB`);
  } finally {
    await director.stop();
    await backend.close();
  }
});
