/**
 * Slow start over real sockets: a host brought back by `hostAdminUp`
 * takes a small share at first and its full share once the window has
 * passed — counted as connections its backend accepted — with short
 * connections under `roundrobin`, and with held ones under `leastconns`
 * (where the ramp is a weight on the open count). With `--workers 2` both
 * threads ramp by the start time in the shared state.
 *
 * @module
 */
import assert from "node:assert/strict";
import type net from "node:net";
import { test } from "node:test";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { freePort, sleep, startDirector } from "./harness.ts";
import { type Backend, connect, readConn, send, startServer, whoAnswers } from "./peers.ts";

/** Seconds of ramp: long enough that a loaded machine still fits many connections in a fifth. */
const WINDOW_S = 10;

/** A backend that greets with its name and keeps the connection until the client closes. */
function holdingBackend(name: string): Promise<Backend> {
  return startServer(async (conn) => {
    await send(conn, `${name}\n`);
    await readConn(conn);
  });
}

async function setUp(scheduler: string) {
  const backends = await Promise.all(["A", "B"].map(holdingBackend));
  const [port, adminPort] = [await freePort(), await freePort()];
  const hash = await hashPassword("s-secret", 4);
  const director = await startDirector(`<pdconfig>
  <service name="web">
    <listen ip="127.0.0.1:${port}"/>
    <group name="main" scheduler="${scheduler}" slowstart="${WINDOW_S}">
      <host name="a" ip="127.0.0.1:${backends[0].port}"/>
      <host name="b" ip="127.0.0.1:${backends[1].port}"/>
    </group>
    <enable group="main"/>
  </service>
  <admin listen="127.0.0.1:${adminPort}"><user name="ops" password="${hash}" access="full"/></admin>
</pdconfig>`);
  const admin = async (path: string) =>
    (await fetch(`http://127.0.0.1:${adminPort}${path}`, {
      headers: { authorization: "Basic " + btoa("ops:s-secret") },
    })).text();
  return { backends, port, director, admin };
}

/** A client connection that has read its greeting (`hold`: kept open, else closed). */
async function oneClient(port: number, held: net.Socket[] | undefined): Promise<void> {
  if (!held) {
    await whoAnswers(port);
    return;
  }
  const socket = await connect(port);
  await new Promise((resolve) => socket.once("data", resolve));
  held.push(socket);
}

for (const [scheduler, hold] of [["roundrobin", false], ["leastconns", true]] as const) {
  test(`${scheduler}: a host back from admin-down ramps up over slowstart`, async () => {
    const { backends, port, director, admin } = await setUp(scheduler);
    const held: net.Socket[] | undefined = hold ? [] : undefined;
    let running = true;
    const loops: Promise<void>[] = [];
    try {
      assert.match(await admin("/hostAdminDown?service=web&group=main&host=b"), /admin-down/);
      assert.match(await admin("/hostAdminUp?service=web&group=main&host=b"), /admin-up/);
      const t0 = Date.now();
      const counts = () => backends.map((b) => b.accepted);
      const start = counts();
      for (let i = 0; i < (hold ? 3 : 4); i++) {
        loops.push((async () => {
          while (running) {
            await oneClient(port, held);
            if (hold) await sleep(40);
          }
        })());
      }
      // Read just inside the first fifth: a timer firing late must not count the next step.
      await sleep(WINDOW_S * 1000 / 5 - 150);
      const fifth = counts();
      const earlyAt = (Date.now() - t0) / 1000;
      const text = await admin("/running.txt");
      assert.match(text, /^host b \S+ \d+ - slowstart \d+%$/m, text);
      assert.match(text, /^host a \S+ \d+ -$/m);
      await sleep(Math.max(0, t0 + WINDOW_S * 1000 + 300 - Date.now()));
      const whole = counts();
      assert.doesNotMatch(await admin("/running.txt"), /slowstart/);
      await sleep(3000);
      const after = counts();
      const share = (from: number[], to: number[]) => {
        const [a, b] = [to[0] - from[0], to[1] - from[1]];
        return { b: b / (a + b), total: a + b };
      };
      const early = share(start, fifth), final = share(whole, after);
      const figures = `first ${earlyAt.toFixed(1)} s: B ${early.b.toFixed(3)} of ${early.total}; ` +
        `after the window: B ${final.b.toFixed(3)} of ${final.total}`;
      console.log(`${scheduler}: ${figures}`);
      assert.ok(early.total >= 30, `too few connections to judge: ${figures}`);
      assert.ok(final.total >= 10, `too few connections to judge: ${figures}`);
      assert.ok(final.b >= 0.4, `B must have its full share after the window: ${figures}`);
      assert.ok(
        early.b < final.b / 3,
        `B must get under a third of its share at first: ${figures}`,
      );
    } finally {
      running = false;
      await Promise.allSettled(loops);
      for (const socket of held ?? []) socket.destroy();
      await director.stop();
      await Promise.all(backends.map((b) => b.close()));
    }
  });
}
