/**
 * Balancing over real sockets: each scheduler spreads clients over its
 * group's hosts, and every listen address of a service serves.
 *
 * @module
 */
import assert from "node:assert/strict";
import type net from "node:net";
import { after, before, test } from "node:test";
import { freePort, simpleConfig, startDirector } from "./harness.ts";
import {
  type Backend,
  connect,
  namedBackend,
  readConn,
  send,
  startServer,
  whoAnswers,
} from "./peers.ts";
import { admin, adminBlock } from "../reliability/probe.ts";
import { waitUntil } from "../support/wait.ts";

let backends: Backend[] = [];

before(async () => {
  backends = await Promise.all(["A", "B", "C"].map((n) => namedBackend(n)));
});
after(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

async function withScheduler(
  scheduler: string,
  fn: (port: number, api: ReturnType<typeof admin>) => Promise<void>,
) {
  const [port, adminPort] = [await freePort(), await freePort()];
  const director = await startDirector(
    simpleConfig({ listen: port, hosts: backends.map((b) => b.port), scheduler })
      .replace("</pdconfig>", `${adminBlock(adminPort)}</pdconfig>`),
  );
  try {
    await fn(port, admin(adminPort));
  } finally {
    await director.stop();
  }
}

test("roundrobin serves the hosts in strict rotation", async () => {
  await withScheduler("roundrobin", async (port) => {
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push(await whoAnswers(port));
    assert.deepEqual(seen, ["A", "B", "C", "A", "B", "C"]);
  });
});

test("random reaches every host", async () => {
  await withScheduler("random", async (port) => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 45; i++) {
      const name = await whoAnswers(port);
      seen.set(name, (seen.get(name) ?? 0) + 1);
    }
    assert.deepEqual([...seen.keys()].sort(), ["A", "B", "C"]);
  });
});

for (const scheduler of ["leastconns", "leastconnsrr"]) {
  test(`${scheduler} spreads sequential clients instead of overloading one host`, async () => {
    await withScheduler(scheduler, async (port, api) => {
      const seen = new Map<string, number>();
      for (let i = 0; i < 9; i++) {
        const name = await whoAnswers(port);
        seen.set(name, (seen.get(name) ?? 0) + 1);
        // Sequential means the last one is over for Director too: with two
        // workers the next client may reach the other thread before the
        // first has counted its connection closed.
        await waitUntil(
          async () => (await api.open()).hosts === 0,
          10_000,
          "the connection closed",
        );
      }
      assert.deepEqual(Object.fromEntries(seen), { A: 3, B: 3, C: 3 });
    });
  });
}

test("leastconns sends a new client to the host with fewest open connections", async () => {
  // Hosts that keep connections open: the reply is the name, the FIN only on client close.
  const holders = await Promise.all(
    ["X", "Y"].map((name) =>
      startServer(async (conn) => {
        await send(conn, `${name}\n`);
        await readConn(conn);
      })
    ),
  );
  const [port, adminPort] = [await freePort(), await freePort()];
  const director = await startDirector(
    simpleConfig({ listen: port, hosts: holders.map((b) => b.port), scheduler: "leastconns" })
      .replace("</pdconfig>", `${adminBlock(adminPort)}</pdconfig>`),
  );
  const api = admin(adminPort);
  const open: net.Socket[] = [];
  const firstLine = (socket: net.Socket) =>
    new Promise<string>((r) => socket.once("data", (d) => r(`${d}`.trim())));
  try {
    // Two long-lived clients: one on each host.
    const first: string[] = [];
    for (let i = 0; i < 2; i++) {
      const socket = await connect(port);
      first.push(await firstLine(socket));
      open.push(socket);
    }
    assert.deepEqual([...first].sort(), ["X", "Y"]);
    // Free X's slot: the next client must go to X (0 open) rather than Y (1 open).
    open[first.indexOf("X")].destroy();
    await waitUntil(async () => (await api.open()).hosts === 1, 10_000, "X's connection closed");
    const names = [];
    for (let i = 0; i < 3; i++) {
      const socket = await connect(port);
      names.push(await firstLine(socket));
      open.push(socket);
    }
    assert.equal(names[0], "X");
    // With X at 0 and Y at 1: X, then a tie (1-1) broken by rotation, then the other.
    assert.equal(names.filter((n) => n === "X").length, 2);
    assert.equal(names.filter((n) => n === "Y").length, 1);
  } finally {
    for (const s of open) s.destroy();
    await director.stop();
    await Promise.all(holders.map((b) => b.close()));
  }
});

test("every listen address of a service serves", async () => {
  const ports = [await freePort(), await freePort()];
  const director = await startDirector(
    simpleConfig({ listen: ports, hosts: [backends[0].port] }),
  );
  try {
    assert.equal(await whoAnswers(ports[0]), "A");
    assert.equal(await whoAnswers(ports[1]), "A");
  } finally {
    await director.stop();
  }
});
