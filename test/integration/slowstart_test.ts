/**
 * Slow start over real sockets: a host that comes into rotation — added
 * by `addHost` (`roundrobin`), back from admin-down (`leastconns`, with
 * held connections: there the ramp is a weight on the open count), back
 * from bad by `retryHost` (`random`) — takes a small share at first and
 * its full share once the window has passed, counted as connections its
 * backend accepted. With `--workers 2` every thread ramps by the start
 * time in the shared state.
 *
 * @module
 */
import assert from "node:assert/strict";
import type net from "node:net";
import { test } from "node:test";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { freePort, sleep, startDirector } from "./harness.ts";
import { type Backend, connect, readConn, send, startServer, whoAnswers } from "./peers.ts";

/**
 * Seconds of ramp: long enough that a loaded machine still fits many
 * connections in a fifth (seen with 10 s under a load average of 15: only
 * 24 connections in the first 2 s).
 */
const WINDOW_S = 20;
/** Clients opening connections side by side (more of them keep the count up when each is slow). */
const CLIENTS = 6;

/** A backend that greets with its name and keeps the connection until the client closes. */
function holdingBackend(name: string, port = 0): Promise<Backend> {
  return startServer(async (conn) => {
    await send(conn, `${name}\n`);
    await readConn(conn);
  }, port);
}

type SetUp = Awaited<ReturnType<typeof setUp>>;

/** How host b comes into rotation in each case. */
const CASES = [
  {
    scheduler: "roundrobin",
    how: "added by addHost",
    hold: false,
    withB: false,
    async comeBack({ admin, backends }: SetUp) {
      const ip = `127.0.0.1:${backends[1].port}`;
      assert.match(await admin(`/addHost?service=web&group=main&name=b&ip=${ip}`), /added host/);
    },
  },
  {
    scheduler: "leastconns",
    how: "back from admin-down",
    hold: true,
    withB: true,
    async comeBack({ admin }: SetUp) {
      assert.match(await admin("/hostAdminDown?service=web&group=main&host=b"), /admin-down/);
      assert.match(await admin("/hostAdminUp?service=web&group=main&host=b"), /admin-up/);
    },
  },
  {
    scheduler: "random",
    how: "back from bad by retryHost",
    hold: false,
    withB: true,
    async comeBack({ admin, backends, director, port }: SetUp) {
      const bPort = backends[1].port;
      await backends[1].close();
      // Clients find b refused (and are failed over to a) until it is marked bad.
      for (let i = 0; i < 50 && !/event=host_bad .*host=b /.test(director.output()); i++) {
        assert.equal(await whoAnswers(port), "A");
      }
      await director.waitFor(/event=host_bad .*host=b /);
      backends[1] = await holdingBackend("B", bPort);
      assert.match(await admin("/retryHost?service=web&group=main&host=b"), /back in rotation/);
    },
  },
];

async function setUp(scheduler: string, withB: boolean) {
  const backends = await Promise.all(["A", "B"].map((name) => holdingBackend(name)));
  const [port, adminPort] = [await freePort(), await freePort()];
  const hash = await hashPassword("s-secret", 4);
  const director = await startDirector(`<pdconfig>
  <service name="web">
    <listen ip="127.0.0.1:${port}"/>
    <group name="main" scheduler="${scheduler}" slowstart="${WINDOW_S}">
      <host name="a" ip="127.0.0.1:${backends[0].port}"/>
      ${withB ? `<host name="b" ip="127.0.0.1:${backends[1].port}"/>` : ""}
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

for (const { scheduler, how, hold, withB, comeBack } of CASES) {
  test(`${scheduler}: a host ${how} ramps up over slowstart`, async () => {
    const parts = await setUp(scheduler, withB);
    const { backends, port, director, admin } = parts;
    const held: net.Socket[] | undefined = hold ? [] : undefined;
    let running = true;
    const loops: Promise<void>[] = [];
    try {
      await comeBack(parts);
      const t0 = Date.now();
      const counts = () => backends.map((b) => b.accepted);
      const start = counts();
      for (let i = 0; i < (hold ? 3 : CLIENTS); i++) {
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
