/**
 * SNI routing (TLS passthrough) over real sockets: TLS clients reach the
 * backend their server name routes to, verifying that backend's own
 * certificate through a Director that holds no key; a real ClientHello
 * sent one byte at a time arrives unchanged; non-TLS and malformed
 * clients go to the enabled group with every byte; a client that never
 * finishes its hello is closed at `sni-timeout`; `addRoute`/`delRoute`.
 *
 * @module
 */
import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import { test } from "node:test";
import { freePort, sleep, startDirector, within } from "./harness.ts";
import { readConn, send, startServer } from "./peers.ts";
import { admin, adminBlock } from "../reliability/probe.ts";
import { captureClientHello, haveOpenssl, makeCert, tlsAsk, tlsBackend } from "./tls_peers.ts";

const skip = haveOpenssl() ? false : "openssl is not installed (it makes the test certificates)";

/** Resolve once `condition` holds (checked every 20 ms, for at most 10 s). */
async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await sleep(20);
  }
  throw new Error(`${what} did not happen within 10 s`);
}

/** A plain backend that records what each client sent (until its FIN) and answers its label. */
async function recorder(label: string) {
  const received: Uint8Array[] = [];
  const backend = await startServer(async (conn) => {
    received.push(await readConn(conn));
    await send(conn, `${label}\n`);
  });
  return Object.assign(backend, { received });
}

/**
 * Send `bytes` to `port` in chunks of `step` bytes (1: one byte per write),
 * wait for `before` (if given), half-close, and read the answer.
 */
async function sendRaw(
  port: number,
  bytes: Uint8Array,
  step = bytes.length,
  before?: () => Promise<unknown>,
): Promise<string> {
  const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  socket.setNoDelay(true);
  const chunks: Buffer[] = [];
  const done = new Promise<string>((resolve) => {
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.once("end", () => resolve(Buffer.concat(chunks).toString()));
    socket.once("error", () => resolve(Buffer.concat(chunks).toString()));
  });
  await new Promise((resolve) => socket.once("connect", resolve));
  for (let i = 0; i < bytes.length; i += step) {
    await new Promise((resolve) => socket.write(bytes.subarray(i, i + step), resolve));
    if (step < bytes.length) await sleep(1);
  }
  await before?.();
  socket.end();
  try {
    return await within(15_000, done, "raw client");
  } finally {
    socket.destroy();
  }
}

test("TLS clients reach the backend their SNI names; Director holds no key", { skip }, async () => {
  const certs = {
    a: makeCert("a.example.test"),
    w: makeCert("x.y.wild.test"),
    d: makeCert("default.test"),
  };
  const [a, w, d] = await Promise.all([
    tlsBackend("A", certs.a),
    tlsBackend("W", certs.w),
    tlsBackend("D", certs.d),
  ]);
  const port = await freePort();
  const director = await startDirector(`<pdconfig>
  <service name="tls">
    <listen ip="127.0.0.1:${port}"/>
    <group name="default" scheduler="roundrobin"><host name="d" ip="127.0.0.1:${d.port}"/></group>
    <group name="a" scheduler="roundrobin"><host name="a" ip="127.0.0.1:${a.port}"/></group>
    <group name="wild" scheduler="leastconns"><host name="w" ip="127.0.0.1:${w.port}"/></group>
    <enable group="default"/>
    <route sni="A.Example.Test" group="a"/>
    <route sni="*.wild.test" group="wild"/>
  </service>
</pdconfig>`);
  try {
    assert.match(director.configPath, /director\.xml$/);
    for (let i = 0; i < 3; i++) {
      assert.equal(await tlsAsk(port, "a.example.test", certs.a.cert), "A sni=a.example.test\n");
      assert.equal(await tlsAsk(port, "x.y.wild.test", certs.w.cert), "W sni=x.y.wild.test\n");
      assert.equal(await tlsAsk(port, "default.test", certs.d.cert), "D sni=default.test\n");
    }
    // No server name at all: the enabled group (the chain is still verified).
    const socket = tls.connect({
      port,
      host: "127.0.0.1",
      ca: certs.d.cert,
      checkServerIdentity: () => undefined,
    });
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    await within(10_000, new Promise((r) => socket.once("end", r)), "TLS without SNI");
    socket.destroy();
    assert.equal(Buffer.concat(chunks).toString(), "D sni=-\n");
  } finally {
    await director.stop();
    a.close();
    w.close();
    d.close();
  }
});

test(
  "every byte is forwarded unchanged: a hello one byte at a time, non-TLS, malformed",
  { skip },
  async () => {
    const [a, d] = await Promise.all([recorder("A"), recorder("D")]);
    const [port, adminPort] = [await freePort(), await freePort()];
    const director = await startDirector(`<pdconfig>
  <service name="tls" sni-timeout="30">
    <listen ip="127.0.0.1:${port}"/>
    <group name="default" scheduler="roundrobin"><host name="d" ip="127.0.0.1:${d.port}"/></group>
    <group name="a" scheduler="roundrobin"><host name="a" ip="127.0.0.1:${a.port}"/></group>
    <enable group="default"/>
    <route sni="a.example.test" group="a"/>
  </service>
  ${adminBlock(adminPort)}
</pdconfig>`);
    const api = admin(adminPort);
    try {
      const hello = await captureClientHello("a.example.test");
      const early = new TextEncoder().encode("and then some early bytes");
      const withEarly = new Uint8Array([...hello, ...early]);
      // Split into single bytes: reassembled, routed, and delivered exactly.
      assert.equal(await sendRaw(port, withEarly, 1), "A\n");
      assert.deepEqual(new Uint8Array(a.received.at(-1)!), withEarly);
      // Whole, in one write.
      assert.equal(await sendRaw(port, hello), "A\n");
      assert.deepEqual(new Uint8Array(a.received.at(-1)!), hello);
      // Not TLS: the enabled group at once (before the client half-closes), every byte.
      const connectedToD = () => {
        const seen = d.accepted;
        return () => waitUntil(() => d.accepted > seen, "a connection to the enabled group");
      };
      const plain = new TextEncoder().encode("GET / HTTP/1.0\r\nHost: a.example.test\r\n\r\n");
      assert.equal(await sendRaw(port, plain, plain.length, connectedToD()), "D\n");
      assert.deepEqual(new Uint8Array(d.received.at(-1)!), plain);
      // Malformed: an application-data record before the hello is complete.
      const malformed = new Uint8Array([22, 3, 1, 0, 6, 1, 0, 0, 200, 3, 3, 23, 3, 3, 0, 1, 0]);
      assert.equal(await sendRaw(port, malformed, malformed.length, connectedToD()), "D\n");
      assert.deepEqual(new Uint8Array(d.received.at(-1)!), malformed);
      // A "hello" larger than the 16 KiB cap: the enabled group once the cap is read, every byte.
      const huge = new Uint8Array(40_000).fill(7);
      huge.set([22, 3, 1, 0x40, 0, 1, 0x01, 0, 0]);
      for (let at = 16_389; at + 5 < huge.length; at += 16_389) huge.set([22, 3, 1, 0x40, 0], at);
      assert.equal(await sendRaw(port, huge, huge.length, connectedToD()), "D\n");
      assert.deepEqual(new Uint8Array(d.received.at(-1)!), huge);
      // Half a hello and the client half-closes: the enabled group, with the half.
      assert.equal(await sendRaw(port, hello.subarray(0, 40)), "D\n");
      assert.deepEqual(new Uint8Array(d.received.at(-1)!), hello.subarray(0, 40));
      // Half a hello and the client waits: closed at sni-timeout, no backend connection.
      // (Short only now: the byte-at-a-time hello above must not race it on a loaded machine.)
      assert.match(await api.text("/changeService?service=tls&sniTimeout=0.8"), /^ok: /);
      const before = a.accepted + d.accepted;
      const stalled = net.connect({ port, host: "127.0.0.1" });
      stalled.write(hello.subarray(0, 40));
      await within(10_000, new Promise((r) => stalled.once("close", r)), "closing a stalled hello");
      assert.equal(a.accepted + d.accepted, before);
      await director.waitFor(/event=sni_timeout service=tls client=127\.0\.0\.1 bytes=40/);
      assert.equal(await api.metric("director_sni_timeouts_total", 'service="tls"'), 1);
      assert.match(await api.text("/running.txt"), /^refused 0 0 0 1$/m);

      // Routes at run time: a new first route sends a.example.test to the default group.
      assert.match(
        await api.text("/addRoute?service=tls&sni=*.example.test&group=default&position=0"),
        /^ok: /,
      );
      assert.equal(await sendRaw(port, hello), "D\n");
      assert.match(
        await api.text("/running.txt"),
        /^route \*\.example\.test default\nroute a\.example\.test a$/m,
      );
      assert.equal((await api.request("/addRoute?service=tls&sni=b.test&group=none")).status, 404);
      assert.equal((await api.request("/addRoute?service=tls&sni=bad..name&group=a")).status, 400);
      assert.equal((await api.request("/delGroup?service=tls&group=a")).status, 409);
      assert.match(await api.text("/delRoute?service=tls&sni=*.example.test"), /^ok: /);
      assert.equal(await sendRaw(port, hello), "A\n");
      assert.match(await api.text("/running.xml"), /<route sni="a\.example\.test" group="a" \/>/);
    } finally {
      await director.stop();
      await a.close();
      await d.close();
    }
  },
);
