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
import { waitUntil } from "../support/wait.ts";

test("idle-timeout closes a silent connection and spares an active one", async () => {
  const echo = await echoBackend();
  const port = await freePort();
  const director = await startDirector(
    simpleConfig({ listen: port, hosts: [echo.port] }).replace(
      `<service name="svc">`,
      `<service name="svc" idle-timeout="2">`,
    ).replace("</pdconfig>", `<logging access="yes"/></pdconfig>`),
  );
  try {
    const silent = await connect(port);
    let silentClosed = false;
    const silentEnd = readAll(silent).then(() => {}, () => {}).finally(() => silentClosed = true);
    // The active one moves a numbered line every 300 ms and gets each one back,
    // until the silent one is closed and three more after that.
    const active = await connect(port);
    const lines = echoedLines(active);
    let sent = 0, after = 0;
    while (after < 3 && sent < 100) {
      active.write(`ping ${sent++}\n`);
      await within(5000, lines.waitFor(sent), `echo of ping ${sent - 1}`);
      if (silentClosed) after++;
      else await sleep(300);
    }
    await within(10_000, silentEnd, "idle close");
    // Closed by the idle timer (when it fires, test/proxy/idle_test.ts checks).
    await director.waitFor(/event=access [^\n]*bytes_in=0 [^\n]*end=idle_timeout/);
    assert.deepEqual(lines.got(), Array.from({ length: sent }, (_, i) => `ping ${i}`));
    assert.equal(active.destroyed, false, "the active connection survived");
    active.destroy();
  } finally {
    await director.stop();
    await echo.close();
  }
});

/** The lines echoed back on `socket`; `waitFor(n)` resolves once n have come. */
function echoedLines(socket: net.Socket) {
  let text = "";
  const waiters: (() => void)[] = [];
  const got = () => text.split("\n").slice(0, -1);
  socket.on("data", (d) => {
    text += d;
    waiters.splice(0).forEach((w) => w());
  });
  const waitFor = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => got().length >= n ? resolve() : waiters.push(check);
      check();
    });
  return { got, waitFor };
}

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
    // A negative: given half a second, the third client still has not reached a backend.
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
    await waitUntil(() => silent.accepted === 1, 5000, "the held connection relayed");
    director.signal("SIGTERM");
    assert.equal(await within(10_000, director.exited, "exit"), 0);
    // Exited by the drain deadline with the connection still open, not before it.
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
