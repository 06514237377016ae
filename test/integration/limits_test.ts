/**
 * Limits and timeouts over real sockets: idle timeout, maxconn (clients
 * wait in the backlog instead of failing), the drain deadline, and the
 * admin request timeout.
 *
 * @module
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { freePort, simpleConfig, sleep, startDirector, within } from "./harness.ts";
import { connect, echoBackend, readAll, readConn, startServer } from "./peers.ts";

test("idle-timeout closes a silent connection and spares an active one", async () => {
  const echo = await echoBackend();
  const port = await freePort();
  const director = await startDirector(
    simpleConfig({ listen: port, hosts: [echo.port] }).replace(
      `<service name="svc">`,
      `<service name="svc" idle-timeout="0.6">`,
    ),
  );
  try {
    const silent = await connect(port);
    const silentEnd = readAll(silent).then(() => Date.now(), () => Date.now());
    const started = Date.now();
    const active = await connect(port);
    active.on("data", () => {});
    const alive = (async () => {
      for (let i = 0; i < 8; i++) {
        active.write("x");
        await sleep(200); // well inside the 0.6 s idle timeout
      }
    })();
    const closedAfter = (await within(5000, silentEnd, "idle close")) - started;
    assert.ok(
      closedAfter >= 500 && closedAfter < 1500,
      `idle connection closed after ${closedAfter} ms`,
    );
    await alive;
    assert.equal(active.destroyed, false, "the active connection survived 1.6 s");
    active.destroy();
  } finally {
    await director.stop();
    await echo.close();
  }
});

test("above maxconn, new clients wait in the backlog and are served when a slot frees", async () => {
  const holder = await startServer(async (conn) => {
    await conn.writeAll(new TextEncoder().encode("hi\n"));
    await readConn(conn);
  });
  const port = await freePort();
  const director = await startDirector(
    simpleConfig({ listen: port, hosts: [holder.port] }).replace(
      `<service name="svc">`,
      `<service name="svc" maxconn="2">`,
    ),
  );
  const greeted = (s: net.Socket) => new Promise<void>((r) => s.once("data", () => r()));
  try {
    const first = await connect(port), second = await connect(port);
    await within(5000, Promise.all([greeted(first), greeted(second)]), "two greetings");
    const third = await connect(port); // completes in the kernel backlog
    const thirdGreeted = greeted(third);
    await sleep(500);
    assert.equal(holder.accepted, 2, "the third client must wait, not reach a backend");
    first.destroy();
    await within(5000, thirdGreeted, "third greeting after a slot freed");
    assert.equal(holder.accepted, 3);
    second.destroy();
    third.destroy();
  } finally {
    await director.stop();
    await holder.close();
  }
});

test("the drain deadline ends a SIGTERM drain that open connections would hold up", async () => {
  const silent = await startServer((conn) => readConn(conn));
  const port = await freePort();
  const director = await startDirector(
    simpleConfig({ listen: port, hosts: [silent.port] }).replace(
      "</pdconfig>",
      `<timeouts drain="0.5"/></pdconfig>`,
    ),
  );
  try {
    const held = await connect(port);
    held.on("error", () => {});
    await sleep(200);
    const started = Date.now();
    director.signal("SIGTERM");
    assert.equal(await within(5000, director.exited, "exit"), 0);
    const took = Date.now() - started;
    assert.ok(took >= 400 && took < 2500, `exited ${took} ms after SIGTERM`);
    assert.match(director.output(), /event=drain_timeout signal=SIGTERM open=1/);
    held.destroy();
  } finally {
    await director.stop();
    await silent.close();
  }
});

test("an admin request whose body never completes gets 408", async () => {
  const echo = await echoBackend();
  const [port, adminPort] = [await freePort(), await freePort()];
  const hash = await hashPassword("t-secret", 4);
  const director = await startDirector(
    simpleConfig({ listen: port, hosts: [echo.port] }).replace(
      "</pdconfig>",
      `<admin listen="127.0.0.1:${adminPort}"><user name="ops" password="${hash}" access="full"/></admin>` +
        `<timeouts admin-request="0.5"/></pdconfig>`,
    ),
  );
  try {
    const socket = await connect(adminPort);
    let received = "";
    const reply = new Promise<string>((resolve) => {
      socket.on("data", (d) => {
        received += d;
        if (received.includes("\r\n\r\n")) resolve(received);
      });
    });
    socket.write(
      `POST /addHost HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${btoa("ops:t-secret")}\r\n` +
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nservice=svc",
    );
    const text = await within(5000, reply, "408 answer");
    assert.match(text, /^HTTP\/1\.1 408/);
    socket.destroy();
    // The data plane was not disturbed meanwhile.
    const data = await connect(port);
    const echoed = readAll(data);
    data.end("still here");
    assert.equal((await within(5000, echoed, "echo")).toString(), "still here");
  } finally {
    await director.stop();
    await echo.close();
  }
});
