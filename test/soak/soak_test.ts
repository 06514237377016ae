/**
 * Soak: 10,000 connections opened and closed (at most 20 at once, spread
 * over the run) while 500 more stay open for the whole run, each echoing a
 * short line every ~2 s. Afterwards Director must hold about the
 * descriptors and memory it started with: descriptors within ±10, RSS
 * within +20 MiB of the start (taken after a 200-connection warm-up).
 *
 * Not part of `deno task test`: run it with `deno task soak` (which sets
 * `SOAK=1`). `SOAK_SECONDS` sets the duration (default 60), e.g.
 * `SOAK_SECONDS=10 deno task soak` while developing; `SOAK_CONNECTIONS`
 * and `SOAK_HELD` change the counts.
 *
 * @module
 */
import assert from "node:assert/strict";
import net from "node:net";
import { Buffer } from "node:buffer";
import { test } from "node:test";
import process from "node:process";
import { freePort, sleep, startDirector, within } from "../integration/harness.ts";
import { echoBackend } from "../integration/peers.ts";
import { pool, talk, tally } from "../reliability/faults.ts";
import {
  admin,
  alive,
  configWithAdmin,
  fdCount,
  fdsSettle,
  mib,
  rssKiB,
  waitUntil,
} from "../reliability/probe.ts";
import { skipUnless } from "../support/skip.ts";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CHURN = Number(process.env.SOAK_CONNECTIONS ?? 10_000);
const CHURN_PARALLEL = 20;
const HELD = Number(process.env.SOAK_HELD ?? 500);
const TRICKLE_MS = 2000;
const enabled = process.env.SOAK === "1" || process.env.SOAK_SECONDS !== undefined;

interface Held {
  socket: net.Socket;
  trips: number;
  failures: number;
  bytes: number;
}

/** Open one long-lived connection (resolves once connected). */
async function openHeld(port: number): Promise<Held & { echoed: () => number }> {
  const socket = net.connect({ port, host: "127.0.0.1" });
  socket.setNoDelay(true);
  let got = 0;
  socket.on("data", (d: Buffer) => got += d.length);
  socket.on("error", () => {});
  await within(10_000, new Promise((r) => socket.once("connect", r)), "held connect");
  return { socket, trips: 0, failures: 0, bytes: 0, echoed: () => got };
}

/** Echo a line every ~2 s until `stop()`; a missing echo (10 s) ends the loop as a failure. */
async function trickle(held: Held & { echoed: () => number }, id: number, stop: () => boolean) {
  await sleep(Math.random() * TRICKLE_MS); // spread the trickle evenly
  for (let n = 0; n < 100_000 && !stop() && !held.socket.destroyed; n++) {
    const line = `tick ${id} ${n}\n`;
    held.bytes += line.length;
    held.socket.write(line);
    const deadline = Date.now() + 10_000;
    while (held.echoed() < held.bytes && Date.now() < deadline) await sleep(20);
    if (held.echoed() < held.bytes) {
      held.failures++;
      return;
    }
    held.trips++;
    await sleep(TRICKLE_MS * (0.75 + Math.random() / 2));
  }
}

test(
  `soak: ${CHURN} connections + ${HELD} held for ${SECONDS} s, then resources back to start`,
  skipUnless(enabled, "set SOAK=1 (deno task soak) to run the soak test"),
  async () => {
    const echo = await echoBackend();
    const [port, adminPort] = [await freePort(), await freePort()];
    const director = await startDirector(
      configWithAdmin([{ listen: port, hosts: [echo.port] }], adminPort),
    );
    const api = admin(adminPort);
    const pid = director.pid;
    let held: (Held & { echoed: () => number })[] = [];
    try {
      const fdsRaw = fdCount(pid), rssRaw = rssKiB(pid);
      // Warm-up: code compiled, buffers allocated, before the start figures are taken.
      await pool(200, 20, () => talk(port, { send: "warm\n", end: true, deadlineMs: 5000 }));
      await api.idle();
      await sleep(500);
      const fdsStart = fdCount(pid), rssStart = rssKiB(pid);
      let rssMax = rssStart, fdsMax = fdsStart;
      const sampler = setInterval(() => {
        if (!alive(pid)) return;
        rssMax = Math.max(rssMax, rssKiB(pid));
        fdsMax = Math.max(fdsMax, fdCount(pid));
      }, 250);

      const started = Date.now();
      const endAt = started + SECONDS * 1000;
      let stopping = false;
      held = await pool(HELD, 50, () => openHeld(port));
      const trickles = held.map((h, i) => trickle(h, i, () => stopping));
      // Connected in the kernel is not yet accepted: wait until Director counts them all.
      const openDuring = await waitUntil(
        async () => {
          const open = (await api.status()).openConnections;
          return open >= HELD ? open : 0;
        },
        10_000,
        `Director counting ${HELD} open connections`,
        100,
      );

      // The churn, paced to spread CHURN connections over the run.
      const gap = (SECONDS * 1000) / CHURN;
      const churn = await pool(CHURN, CHURN_PARALLEL, async (i) => {
        const due = started + i * gap;
        if (due > Date.now()) await sleep(due - Date.now());
        return await talk(port, { send: `c${i}\n`, end: true, deadlineMs: 10_000 });
      });
      if (Date.now() < endAt) await sleep(endAt - Date.now());
      stopping = true;
      await within(15_000, Promise.all(trickles), "trickle loops");
      const trips = held.reduce((n, h) => n + h.trips, 0);
      const tripFailures = held.reduce((n, h) => n + h.failures, 0);
      for (const h of held) h.socket.destroy();
      await api.idle(10_000);
      clearInterval(sampler);
      const seconds = (Date.now() - started) / 1000;

      // Let the runtime release closed sockets and V8 settle, then measure.
      const fdsEnd = await fdsSettle(pid, fdsStart, 10, 10_000);
      // V8 gives memory back to the system only after some idle seconds (its memory
      // reducer, measured ~20 s after the traffic stops): watch for up to 30 s, take the lowest.
      let rssEnd = rssKiB(pid);
      const closedAt = Date.now();
      for (let i = 0; i < 30 && rssEnd > rssStart + 20 * 1024; i++) {
        await sleep(1000);
        rssEnd = Math.min(rssEnd, rssKiB(pid));
      }
      const settleSeconds = ((Date.now() - closedAt) / 1000).toFixed(0);
      const status = await api.status();
      const total = status.services[0].groups[0].hosts[0].total;
      const churnOk = churn.filter((r, i) => r.head === `c${i}\n`).length;
      console.log(
        [
          `soak: ${seconds.toFixed(0)} s; ${CHURN} short connections (${churnOk} answered, ` +
          `endings ${JSON.stringify(tally(churn))}); ${HELD} held (Director counted ` +
          `${openDuring} open), ${trips} echo round trips (${tripFailures} failed); backend ` +
          `connections counted by Director: ${total}`,
          `  descriptors: ${fdsRaw} at start, ${fdsStart} after warm-up, max ${fdsMax}, ` +
          `${fdsEnd} after`,
          `  RSS: ${mib(rssRaw)} MiB at start, ${mib(rssStart)} after warm-up, max ` +
          `${mib(rssMax)}, ${mib(rssEnd)} ${settleSeconds} s after the last close ` +
          `(${rssEnd >= rssStart ? "+" : ""}${mib(rssEnd - rssStart)} MiB)`,
        ].join("\n"),
      );
      assert.ok(alive(pid), "Director is still running");
      assert.equal(churnOk, CHURN, `short connections: ${JSON.stringify(tally(churn))}`);
      assert.equal(openDuring, HELD);
      assert.equal(tripFailures, 0, "every trickle line came back");
      assert.ok(Math.abs(fdsEnd - fdsStart) <= 10, `descriptors ${fdsStart} -> ${fdsEnd}`);
      assert.ok(rssEnd - rssStart <= 20 * 1024, `RSS grew by ${mib(rssEnd - rssStart)} MiB`);
    } finally {
      for (const h of held) h.socket.destroy();
      await director.stop();
      await echo.close();
    }
  },
);
