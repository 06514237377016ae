/**
 * Per-host maxconn over real sockets: a full host's clients go to another
 * host; when every host is full they queue for a slot, and give up after
 * the group's queue-timeout.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type net from "node:net";
import { test } from "node:test";
import { freePort, sleep, startDirector, within } from "./harness.ts";
import { connect, readAll, readConn, send, startServer } from "./peers.ts";

const holder = (name: string) =>
  startServer(async (conn) => {
    await send(conn, `${name}\n`);
    await readConn(conn);
  });
const firstLine = (s: net.Socket) =>
  new Promise<string>((r) => s.once("data", (d) => r(`${d}`.trim())));

test("full hosts send clients elsewhere, then queue them, then time the queue out", async () => {
  const [a, b] = [await holder("A"), await holder("B")];
  const port = await freePort();
  const director = await startDirector(`<pdconfig>
  <service name="svc">
    <listen ip="127.0.0.1:${port}"/>
    <group name="main" scheduler="leastconns" queue-timeout="1">
      <host name="a" ip="127.0.0.1:${a.port}" maxconn="1"/>
      <host name="b" ip="127.0.0.1:${b.port}" maxconn="1"/>
    </group>
    <enable group="main"/>
  </service>
</pdconfig>`);
  const open: net.Socket[] = [];
  try {
    const first = await connect(port), second = await connect(port);
    open.push(first, second);
    const names = await within(
      5000,
      Promise.all([firstLine(first), firstLine(second)]),
      "two greetings",
    );
    assert.deepEqual([...names].sort(), ["A", "B"]); // one each: the full host is skipped

    // Both full: the third client queues, and gets the slot the first one frees.
    const third = await connect(port);
    open.push(third);
    const thirdName = firstLine(third);
    await sleep(300);
    assert.equal(a.accepted + b.accepted, 2, "nobody exceeds maxconn");
    first.destroy();
    // The slot freed is the first client's host, whichever that was.
    assert.equal(await within(5000, thirdName, "queued client served"), names[0]);

    // Still full: a fourth client waits queue-timeout (1 s), then is closed.
    const fourth = await connect(port);
    open.push(fourth);
    const closed = await within(
      5000,
      readAll(fourth).catch(() => Buffer.alloc(0)),
      "queue timeout",
    );
    assert.equal(closed.length, 0);
    // Closed by the queue timeout, after the full second (as Director measured it).
    await director.waitFor(/event=queue_timeout service=svc group=main waited_ms=1000/);
  } finally {
    for (const s of open) s.destroy();
    await director.stop();
    await a.close();
    await b.close();
  }
});
