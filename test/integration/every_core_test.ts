/**
 * Balancing rules to the connection, whatever the number of workers: this
 * file runs in every run of the worker matrix (`DIRECTOR_WORKERS`), and
 * with 2 workers the connections land on both threads (SO_REUSEPORT), so
 * each rule below holds across threads only if they share one state.
 *
 * @module
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import { freePort, sleep, startDirector, within } from "./harness.ts";
import { type Backend, namedBackend, readConn, send, startServer, whoAnswers } from "./peers.ts";

let named: Backend[] = [];
let holders: Backend[] = [];

/** A backend that says its name and keeps the connection until the client closes. */
const holder = (name: string) =>
  startServer(async (conn) => {
    await send(conn, `${name}\n`);
    await readConn(conn);
  });

before(async () => {
  named = await Promise.all(["a", "b", "c"].map((n) => namedBackend(n)));
  holders = await Promise.all(["a", "b", "c"].map(holder));
});
after(async () => {
  await Promise.all([...named, ...holders].map((b) => b.close()));
});

function config(port: number, group: string, hosts: string): string {
  return `<pdconfig><service name="s"><listen ip="127.0.0.1:${port}"/>
    <group name="g" ${group}>${hosts}</group><enable group="g"/></service></pdconfig>`;
}

const hostLines = (backends: Backend[], attrs: string[] = []) =>
  backends.map((b, i) => `<host name="${"abc"[i]}" ip="127.0.0.1:${b.port}" ${attrs[i] ?? ""}/>`)
    .join("");

/** A held connection: resolves with the first line (the host's name) and the socket. */
async function hold(port: number, localAddress?: string) {
  const socket = net.connect({
    port,
    host: "127.0.0.1",
    ...(localAddress ? { localAddress } : {}),
  });
  socket.on("error", () => {});
  const name = await within(
    5000,
    new Promise<string>((resolve) => socket.once("data", (d) => resolve(`${d}`.trim()))),
    "a greeting",
  );
  return { name, socket };
}

test("roundrobin: 30 sequential connections are one strict rotation", async () => {
  const port = await freePort();
  const director = await startDirector(config(port, `scheduler="roundrobin"`, hostLines(named)));
  try {
    const seen: string[] = [];
    for (let i = 0; i < 30; i++) seen.push(await whoAnswers(port));
    assert.deepEqual(seen, Array.from({ length: 30 }, (_, i) => "abc"[i % 3]));
  } finally {
    await director.stop();
  }
});

test("weights 3:1:0 over 40 connections give exactly 30 and 10", async () => {
  const port = await freePort();
  const director = await startDirector(
    config(port, `scheduler="roundrobin"`, hostLines(named, [`weight="3"`, "", `weight="0"`])),
  );
  try {
    const count: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      const name = await whoAnswers(port);
      count[name] = (count[name] ?? 0) + 1;
    }
    assert.deepEqual(count, { a: 30, b: 10 });
  } finally {
    await director.stop();
  }
});

test("leastconns: six held connections are two on each host", async () => {
  const port = await freePort();
  const director = await startDirector(config(port, `scheduler="leastconns"`, hostLines(holders)));
  const held: net.Socket[] = [];
  try {
    const count: Record<string, number> = {};
    for (let i = 0; i < 6; i++) {
      const { name, socket } = await hold(port);
      held.push(socket);
      count[name] = (count[name] ?? 0) + 1;
    }
    assert.deepEqual(count, { a: 2, b: 2, c: 2 });
  } finally {
    for (const s of held) s.destroy();
    await director.stop();
  }
});

test("leastconnsrr: of two idle hosts, the one that closed least recently is next", async () => {
  const port = await freePort();
  const director = await startDirector(
    config(port, `scheduler="leastconnsrr"`, hostLines(holders)),
  );
  const held = new Map<string, net.Socket>();
  try {
    for (let i = 0; i < 3; i++) {
      const { name, socket } = await hold(port);
      held.set(name, socket);
    }
    assert.deepEqual([...held.keys()].sort(), ["a", "b", "c"]);
    // b closes first, then a: both idle, b has been idle longer.
    for (const name of ["b", "a"]) {
      held.get(name)!.destroy();
      await sleep(150);
    }
    const next = await hold(port);
    assert.equal(next.name, "b");
    next.socket.destroy();
  } finally {
    for (const s of held.values()) s.destroy();
    await director.stop();
  }
});

test("sticky: one client address stays on one host for every connection", async () => {
  const port = await freePort();
  const director = await startDirector(config(port, `scheduler="sticky"`, hostLines(holders)));
  const held: net.Socket[] = [];
  try {
    const names = new Set<string>();
    for (let i = 0; i < 12; i++) {
      // Held, so a placement by least connections would move it; the table must not.
      const { name, socket } = await hold(port, "127.0.0.3");
      names.add(name);
      held.push(socket);
    }
    assert.equal(names.size, 1, `127.0.0.3 went to ${[...names]}`);
    const other = await hold(port, "127.0.0.4");
    held.push(other.socket);
    assert.notEqual(other.name, [...names][0], "a new client goes to a less loaded host");
  } finally {
    for (const s of held) s.destroy();
    await director.stop();
  }
});

test('maxconn="1": while a holds its one connection, every new one goes to b', async () => {
  const port = await freePort();
  const director = await startDirector(
    config(port, `scheduler="roundrobin"`, hostLines(holders.slice(0, 2), [`maxconn="1"`])),
  );
  const held: net.Socket[] = [];
  try {
    let first = await hold(port);
    held.push(first.socket);
    while (first.name !== "a") {
      // Rotation started at b: hold connections until a holds one.
      first = await hold(port);
      held.push(first.socket);
    }
    const names: string[] = [];
    const aBefore = holders[0].accepted;
    for (let i = 0; i < 8; i++) {
      const { name, socket } = await hold(port);
      names.push(name);
      socket.destroy();
      await sleep(20);
    }
    assert.deepEqual(names, Array(8).fill("b"));
    assert.equal(holders[0].accepted, aBefore, "a took a second connection");
  } finally {
    for (const s of held) s.destroy();
    await director.stop();
  }
});

test('a service with maxconn="2": a third client waits until one of two closes', async () => {
  const port = await freePort();
  const director = await startDirector(
    config(port, `scheduler="roundrobin"`, hostLines(holders.slice(0, 1))).replace(
      `<service name="s">`,
      `<service name="s" maxconn="2">`,
    ),
  );
  const held: net.Socket[] = [];
  try {
    for (let i = 0; i < 2; i++) held.push((await hold(port)).socket);
    const third = hold(port);
    const early = await Promise.race([
      third.then(() => "served"),
      sleep(500).then(() => "waiting"),
    ]);
    assert.equal(early, "waiting", "a third connection was let in beside two");
    held[0].destroy();
    const served = await third;
    held.push(served.socket);
    assert.equal(served.name, "a");
  } finally {
    for (const s of held) s.destroy();
    await director.stop();
  }
});
