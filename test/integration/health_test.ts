/**
 * Active health checks over real sockets: a host that accepts connections
 * but answers the check wrongly goes bad after `fall` checks, without any
 * client traffic, and comes back after `rise` good ones.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { freePort, startDirector } from "./harness.ts";
import { type Backend, readConn, send, startServer, whoAnswers } from "./peers.ts";

/** A backend that answers "PING\r\n" with `pong()` and greets clients with its name. */
function checkedBackend(name: string, pong: () => string): Promise<Backend> {
  return startServer(async (conn) => {
    const buf = new Uint8Array(64);
    const n = await conn.read(buf);
    const line = n === null ? "" : new TextDecoder().decode(buf.subarray(0, n));
    if (line === "PING\r\n") return await send(conn, pong());
    await send(conn, `${name}\n`);
    await conn.closeWrite();
    await readConn(conn);
  });
}

test("a host failing its check goes bad without traffic, and returns after rise checks", async () => {
  let bReplies = "NOPE\r\n";
  const a = await checkedBackend("A", () => "PONG\r\n");
  const b = await checkedBackend("B", () => bReplies);
  const port = await freePort();
  const director = await startDirector(`<pdconfig>
  <service name="svc">
    <listen ip="127.0.0.1:${port}"/>
    <group name="main" scheduler="roundrobin">
      <check interval="0.5" timeout="0.5" rise="2" fall="3" send="PING\\r\\n" expect="PONG"/>
      <host name="a" ip="127.0.0.1:${a.port}"/>
      <host name="b" ip="127.0.0.1:${b.port}"/>
    </group>
    <enable group="main"/>
  </service>
</pdconfig>`);
  try {
    const [bad] = await director.waitFor(
      /event=host_bad service=svc group=main host=b .*check failed.*does not start with/,
      20_000,
    );
    assert.ok(bad);
    assert.doesNotMatch(director.output(), /event=host_bad .*host=a /);
    // Clients now only reach A — though B accepts connections fine.
    for (let i = 0; i < 4; i++) assert.equal(await whoAnswers(port, "hello\n"), "A");
    bReplies = "PONG\r\n";
    await director.waitFor(/event=host_up service=svc group=main host=b .*why=check_ok/, 20_000);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(await whoAnswers(port, "hello\n"));
    assert.deepEqual([...seen].sort(), ["A", "B"]);
  } finally {
    await director.stop();
    await a.close();
    await b.close();
  }
});
