/**
 * Every backend flapping while traffic flows: three backends whose listeners
 * close and re-open on the same port every ~300 ms, while clients keep
 * connecting for 8 s. Director must not crash; every client gets either
 * its whole answer or a prompt close (never a hang longer than the connect
 * timeout plus a second); and once the backends stay up, all three serve
 * traffic again within a few seconds.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { freePort, sleep, startDirector } from "../integration/harness.ts";
import { loadRuntime } from "../../src/runtime/mod.ts";
import type { Conn, Listener } from "../../src/runtime/types.ts";
import { type ClientResult, pool, talk, tally } from "./faults.ts";
import { admin, alive, configWithAdmin, waitUntil } from "./probe.ts";

const runtime = await loadRuntime();
const encoder = new TextEncoder();

const CONNECT_TIMEOUT_S = 1;
const FLAP_MS = 300;
const TRAFFIC_MS = 8000;

/** A backend on a fixed port whose listener can be closed and re-opened. */
class FlappingBackend {
  #listener: Listener | undefined;
  #conns = new Set<Conn>();
  accepted = 0;
  flips = 0;

  constructor(readonly name: string, readonly port: number) {}

  get up(): boolean {
    return this.#listener !== undefined;
  }

  /** Open the listener (retrying briefly if the port is still held) and accept until closed. */
  async open(): Promise<void> {
    if (this.#listener) return;
    let listener: Listener | undefined;
    for (let attempt = 0; attempt < 20 && !listener; attempt++) {
      try {
        listener = runtime.listen({ hostname: "127.0.0.1", port: this.port });
      } catch {
        await sleep(10);
      }
    }
    if (!listener) throw new Error(`cannot re-open ${this.name} on port ${this.port}`);
    this.#listener = listener;
    this.flips++;
    void this.#accept(listener);
  }

  async #accept(listener: Listener): Promise<void> {
    while (true) {
      let conn: Conn;
      try {
        conn = await listener.accept();
      } catch {
        return; // closed
      }
      this.accepted++;
      this.#conns.add(conn);
      void (async () => {
        try {
          await conn.writeAll(encoder.encode(`${this.name}\n`));
          await conn.closeWrite();
          const buf = new Uint8Array(1024);
          while (await conn.read(buf) !== null) { /* until the client's FIN */ }
        } catch {
          // The peer went away: fine.
        } finally {
          this.#conns.delete(conn);
          conn.close();
        }
      })();
    }
  }

  /** Close the listener: new connects are refused; connections in progress finish. */
  down(): void {
    this.#listener?.close();
    this.#listener = undefined;
    this.flips++;
  }

  stop(): void {
    this.down();
    for (const conn of this.#conns) conn.close();
  }
}

test("three backends flapping every ~300 ms: no hang, no crash, all serve again after", async () => {
  const backends: FlappingBackend[] = [];
  for (let i = 0; i < 3; i++) backends.push(new FlappingBackend(`b${i}`, await freePort()));
  for (const b of backends) await b.open();
  const [port, adminPort] = [await freePort(), await freePort()];
  const director = await startDirector(configWithAdmin(
    [{
      listen: port,
      hosts: backends.map((b) => b.port),
      groupAttrs: `connect-timeout="${CONNECT_TIMEOUT_S}"`,
    }],
    adminPort,
    { checktime: 1 },
  ));
  const api = admin(adminPort);
  let flapping = true;
  // Each backend flips at its own jittered pace, so sometimes all are down at once.
  const flappers = backends.map(async (b, i) => {
    await sleep(i * 100);
    for (let n = 0; flapping && n < 200; n++) {
      await sleep(FLAP_MS - 100 + Math.random() * 200);
      if (!flapping) break;
      if (b.up) b.down();
      else await b.open();
    }
  });
  try {
    const deadlineMs = CONNECT_TIMEOUT_S * 1000 + 1000;
    const results: ClientResult[] = [];
    const until = Date.now() + TRAFFIC_MS;
    await pool(4, 4, async () => {
      for (let n = 0; n < 2000 && Date.now() < until; n++) {
        results.push(await talk(port, { end: true, deadlineMs }));
        await sleep(5 + Math.random() * 10); // ~100 connections a second per loop
      }
    });
    flapping = false;
    await Promise.all(flappers);
    for (const b of backends) await b.open();

    const full = results.filter((r) => /^b[012]\n$/.test(r.head) && r.ending === "fin");
    const closed = results.filter((r) => r.received === 0 && r.ending !== "hang");
    const odd = results.filter((r) => !full.includes(r) && !closed.includes(r));
    const slowest = Math.max(...results.map((r) => r.ms));
    console.log(
      `flapping: ${results.length} connections in ${TRAFFIC_MS / 1000} s, ` +
        `${backends.reduce((n, b) => n + b.flips, 0)} listener flips: ${full.length} full ` +
        `answers, ${closed.length} prompt closes, ${odd.length} other ` +
        `${JSON.stringify(tally(odd))}; slowest ${slowest} ms; host_bad logged ` +
        `${director.output().match(/event=host_bad/g)?.length ?? 0} times`,
    );
    assert.ok(alive(director.pid), "Director is still running");
    assert.equal(odd.length, 0, `neither answered nor closed promptly: ${JSON.stringify(odd[0])}`);
    assert.ok(full.length > 0, "some clients were served while the backends flapped");

    // The backends stay up now: within a few seconds all three take traffic again.
    const seen = await waitUntil(
      async () => {
        const names = new Set<string>();
        const round = await pool(12, 3, () => talk(port, { end: true, deadlineMs: 5000 }));
        for (const r of round) if (r.head) names.add(r.head.trim());
        return names.size === 3 ? names : undefined;
      },
      8000,
      "all three backends serving again",
      200,
    );
    assert.deepEqual([...seen!].sort(), ["b0", "b1", "b2"]);
    await api.idle();
  } finally {
    flapping = false;
    await Promise.all(flappers);
    await director.stop();
    for (const b of backends) b.stop();
  }
});
