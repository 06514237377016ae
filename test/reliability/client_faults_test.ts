/**
 * Clients that misbehave: ones that reset their connection mid-transfer
 * (a real RST), and slow readers and writers facing a peer that pushes as
 * fast as it can. Director must close the other side of a reset
 * connection, and its memory must not grow with what the fast side offers:
 * backpressure has to reach from the slow client all the way to the backend
 * (and back).
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { freePort, sleep, startDirector, within } from "../integration/harness.ts";
import { startServer } from "../integration/peers.ts";
import { loadRuntime } from "../../src/runtime/mod.ts";
import type { Conn } from "../../src/runtime/types.ts";
import { pool, resettingClients, talk } from "./faults.ts";
import { admin, configWithAdmin, fdCount, fdsSettle, mib, rssKiB, waitUntil } from "./probe.ts";
import { requireTool } from "../support/skip.ts";

const runtime = await loadRuntime();

async function directorFor(backendPort: number) {
  const [port, adminPort] = [await freePort(), await freePort()];
  const director = await startDirector(
    configWithAdmin([{ listen: port, hosts: [backendPort] }], adminPort),
  );
  return { director, port, api: admin(adminPort) };
}

/** A backend that streams `limit` bytes as fast as the connection takes them, reading whatever arrives. */
async function streamingBackend(limit: number) {
  const stats = { active: 0, written: 0, finished: 0 };
  const chunk = new Uint8Array(256 * 1024).fill(0x7a);
  const server = await startServer(async (conn) => {
    stats.active++;
    const sink = (async () => {
      const buf = new Uint8Array(64 * 1024);
      try {
        while (await conn.read(buf) !== null) { /* discard */ }
      } catch {
        // Reset: the writer below notices too.
      }
    })();
    try {
      let sent = 0;
      while (sent < limit) {
        const n = Math.min(chunk.length, limit - sent);
        await conn.writeAll(n === chunk.length ? chunk : chunk.subarray(0, n));
        sent += n;
        stats.written += n;
      }
      await conn.closeWrite();
      await sink;
    } finally {
      stats.active--;
      stats.finished++;
    }
  });
  return Object.assign(server, { stats });
}

test(
  "clients that reset mid-transfer: Director closes the backend side, nothing leaks",
  requireTool("python3"),
  async () => {
    const backend = await streamingBackend(64 * 1024 * 1024);
    const { director, port, api } = await directorFor(backend.port);
    try {
      // Warm up with ordinary clients that read a little and leave.
      await pool(5, 5, () => talk(port, { send: "hi", deadlineMs: 300 }));
      await waitUntil(() => backend.stats.active === 0, 5000, "warm-up backends closed");
      await api.idle();
      const fds = fdCount(director.pid);

      const count = 100;
      const clients = await resettingClients(port, {
        count,
        parallel: 10,
        sendBytes: 64 * 1024,
        readBytes: 256 * 1024,
      });
      await within(30_000, clients.exited, "resetting clients");
      const [, ok, failed] = clients.lines().find((l) => l.startsWith("done"))!.split(" ");
      assert.equal(Number(ok), count, `clients that could not even connect: ${failed}`);

      // Each backend connection was closed by Director: its writer stopped.
      await waitUntil(
        () => backend.stats.active === 0,
        5000,
        `backend connections closed (still open: ${backend.stats.active})`,
      );
      await api.idle();
      const after = await fdsSettle(director.pid, fds);
      console.log(
        `client RST: ${count} connections, ${mib(backend.stats.written / 1024)} MiB streamed, ` +
          `backend connections still open ${backend.stats.active}, descriptors ${fds} -> ${after}`,
      );
      // Director still serves.
      const check = await talk(port, { send: "hi", deadlineMs: 5000 });
      assert.ok(check.received > 0, "Director answers after the resets");
    } finally {
      await director.stop();
      await backend.close();
    }
  },
);

/** Read `conn` at about `bytesPerSecond`, in 4 ticks a second, until `ms` passed. */
async function slowRead(conn: Conn, bytesPerSecond: number, ms: number): Promise<number> {
  const perTick = bytesPerSecond / 4;
  const buf = new Uint8Array(perTick);
  let total = 0;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    let got = 0;
    while (got < perTick) {
      const n = await conn.read(buf.subarray(got));
      if (n === null) return total + got;
      got += n;
    }
    total += got;
    await sleep(250);
  }
  return total;
}

test("a client reading 64 KiB/s while the backend sends 1 GiB: Director's memory stays flat", async () => {
  const GiB = 1024 * 1024 * 1024;
  const backend = await streamingBackend(GiB);
  const { director, port, api } = await directorFor(backend.port);
  let conn: Conn | undefined;
  try {
    // Warm-up: a fast 16 MiB download, so buffers and compiled code exist before measuring.
    const warm = await runtime.connect({ hostname: "127.0.0.1", port });
    const buf = new Uint8Array(256 * 1024);
    for (let got = 0; got < 16 * 1024 * 1024;) got += (await warm.read(buf)) ?? Infinity;
    warm.close();
    await api.idle();
    await sleep(500);
    const before = rssKiB(director.pid);
    const writtenBefore = backend.stats.written;

    conn = await runtime.connect({ hostname: "127.0.0.1", port });
    let max = before;
    const sampler = setInterval(() => max = Math.max(max, rssKiB(director.pid)), 100);
    let read;
    try {
      read = await within(20_000, slowRead(conn, 64 * 1024, 10_000), "slow read");
    } finally {
      clearInterval(sampler);
    }
    const written = backend.stats.written - writtenBefore;
    const growth = max - before;
    console.log(
      `slow reader: 10 s at 64 KiB/s read ${mib(read / 1024)} MiB; backend wrote ` +
        `${mib(written / 1024)} MiB of 1024 (the rest is held back by backpressure); ` +
        `Director RSS ${mib(before)} -> max ${mib(max)} MiB (+${mib(growth)} MiB)`,
    );
    assert.ok(read > 400 * 1024, `the slow client read only ${read} bytes`);
    // What the backend could push is bounded by socket buffers, not by Director's memory.
    assert.ok(written < 128 * 1024 * 1024, `backend wrote ${written} bytes`);
    assert.ok(growth < 8 * 1024, `Director's RSS grew by ${mib(growth)} MiB`);
  } finally {
    conn?.close();
    await director.stop();
    await backend.close();
  }
});

test("a client sending as fast as it can to a backend reading 64 KiB/s: memory stays flat", async () => {
  let backendRead = 0;
  const backend = await startServer(async (conn) => {
    backendRead += await slowRead(conn, 64 * 1024, 6000);
  });
  const { director, port, api } = await directorFor(backend.port);
  try {
    await talk(port, { send: "warm-up", end: true, deadlineMs: 8000 });
    await api.idle();
    await sleep(300);
    const before = rssKiB(director.pid);
    let max = before;
    const sampler = setInterval(() => max = Math.max(max, rssKiB(director.pid)), 100);
    let result;
    try {
      // 1 GiB offered; the backend closes after 6 s of slow reading.
      result = await talk(port, { send: 1024 * 1024 * 1024, deadlineMs: 15_000 });
    } finally {
      clearInterval(sampler);
    }
    const growth = max - before;
    console.log(
      `slow backend: the client's 1 GiB upload ended by ${result.ending} after ${result.ms} ms; ` +
        `backend read ${mib(backendRead / 1024)} MiB; Director RSS ${mib(before)} -> ` +
        `max ${mib(max)} MiB (+${mib(growth)} MiB)`,
    );
    assert.notEqual(result.ending, "hang");
    assert.ok(growth < 8 * 1024, `Director's RSS grew by ${mib(growth)} MiB`);
  } finally {
    await director.stop();
    await backend.close();
  }
});
