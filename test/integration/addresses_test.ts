/**
 * Address forms over real sockets: `[::1]:PORT` listens and connects over
 * IPv6, `localhost:PORT` resolves at connect time, and `*:PORT` listens on
 * every IPv4 interface (reached here through 127.0.0.1). Skipped where the
 * machine has no IPv6 loopback.
 *
 * @module
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { freePort, startDirector, within } from "./harness.ts";
import { namedBackend, readAll } from "./peers.ts";

const hasIPv6 = await new Promise<boolean>((resolve) => {
  const server = net.createServer();
  server.once("error", () => resolve(false));
  server.listen(0, "::1", () => server.close(() => resolve(true)));
});

function ask(host: string, port: number): Promise<string> {
  return within(
    5000,
    new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host, port, allowHalfOpen: true }, () => socket.end());
      readAll(socket).then((b) => resolve(b.toString().trim()), reject);
    }),
    `answer on ${host}:${port}`,
  );
}

test(
  "[::1], localhost and * addresses all work",
  { skip: hasIPv6 ? false : "no IPv6 loopback" },
  async () => {
    const backend = await namedBackend("B");
    const [p6, pAll] = [await freePort(), await freePort()];
    const director = await startDirector(`<pdconfig>
  <service name="v6">
    <listen ip="[::1]:${p6}"/>
    <group name="g" scheduler="roundrobin"><host name="b" ip="localhost:${backend.port}"/></group>
    <enable group="g"/>
  </service>
  <service name="all">
    <listen ip="*:${pAll}"/>
    <group name="g" scheduler="roundrobin"><host name="b" ip="127.0.0.1:${backend.port}"/></group>
    <enable group="g"/>
  </service>
</pdconfig>`);
    try {
      assert.equal(await ask("::1", p6), "B");
      assert.equal(await ask("127.0.0.1", pAll), "B");
      // [::1] is IPv6 only: the IPv4 loopback is not served on that port.
      await assert.rejects(ask("127.0.0.1", p6));
    } finally {
      await director.stop();
      await backend.close();
    }
  },
);
