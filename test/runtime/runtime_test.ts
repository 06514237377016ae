/**
 * Contract tests of the runtime adapter for whichever engine runs them:
 * `deno test` checks `src/runtime/deno.ts`, `bun test` checks
 * `src/runtime/bun.ts` (`deno task test` does both). Everything goes
 * through the {@linkcode Runtime} interface over real sockets on 127.0.0.1.
 * TCP here; HTTP in `http_test.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import net from "node:net";
import { test } from "node:test";
import { INBOX_LIMIT } from "../../src/runtime/bun/inbox.ts";
import { detectRuntimeName, loadRuntime } from "../../src/runtime/mod.ts";
import { Cancel } from "../../src/runtime/cancel.ts";
import { NetError } from "../../src/runtime/net_error.ts";
import type { Conn, Listener } from "../../src/runtime/types.ts";
import { blackholePort, payload } from "../integration/peers.ts";
import { requireTool } from "../support/skip.ts";

const runtime = await loadRuntime();
const HOST = "127.0.0.1";
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const sha = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const bytes = (s: string) => new TextEncoder().encode(s);

/** Settles with "pending" if `promise` has not settled within `ms`. */
function within<T>(ms: number, promise: Promise<T>): Promise<T | "pending"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"pending">((r) => timer = setTimeout(() => r("pending"), ms));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A listener, one client connected to it, and the accepted server side. */
async function pair(): Promise<{ listener: Listener; client: Conn; server: Conn; done(): void }> {
  const listener = runtime.listen({ hostname: HOST, port: 0 });
  const accepted = listener.accept();
  const client = await runtime.connect({ hostname: HOST, port: listener.addr.port });
  const server = await accepted;
  return {
    listener,
    client,
    server,
    done() {
      client.close();
      server.close();
      listener.close();
    },
  };
}

/** Read until `n` bytes arrived or end of stream. */
async function readBytes(conn: Conn, n: number, size = 64 * 1024): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  const buf = new Uint8Array(size);
  let got = 0;
  while (got < n) {
    const k = await conn.read(buf);
    if (k === null) break;
    out.set(buf.subarray(0, k), got);
    got += k;
  }
  return out.subarray(0, got);
}

test("the adapter is the one for this engine", () => {
  // The engine as it names itself (not how the adapter detects it): "Deno/2.9.6", "Bun/1.4.4".
  const [engine, version] = navigator.userAgent.split(" ")[0].split("/");
  assert.equal(runtime.name, engine.toLowerCase());
  assert.equal(runtime.version, version);
  assert.equal(detectRuntimeName(), runtime.name);
  assert.equal(runtime.acceptHoldsDescriptors, runtime.name === "bun");
  assert.match(runtime.version, /^\d+\.\d+\.\d+/);
  assert.equal(runtime.pid(), process.pid);
  assert.ok(runtime.hostname().length > 0);
});

test("addresses: the listener reports the bound port, both ends know each other", async () => {
  const p = await pair();
  try {
    assert.ok(p.listener.addr.port > 0);
    assert.equal(p.listener.addr.hostname, HOST);
    assert.deepEqual(p.server.localAddr, { hostname: HOST, port: p.listener.addr.port });
    assert.deepEqual(p.client.remoteAddr, p.server.localAddr);
    assert.deepEqual(p.server.remoteAddr, p.client.localAddr);
    p.client.setNoDelay(true);
    p.server.setNoDelay(false);
  } finally {
    p.done();
  }
});

test("read returns the bytes, then null at end of stream, and null again", async () => {
  const p = await pair();
  try {
    await p.client.writeAll(bytes("hello"));
    await p.client.closeWrite();
    assert.equal(text(await readBytes(p.server, 100)), "hello");
    assert.equal(await p.server.read(new Uint8Array(10)), null);
    assert.equal(await p.server.read(new Uint8Array(10)), null);
  } finally {
    p.done();
  }
});

test("writeAll of 8 MiB waits for a stalled reader, then completes for a slow one", async () => {
  const p = await pair();
  try {
    const data = payload(8 * 1024 * 1024, 4);
    let written = false;
    const writing = p.client.writeAll(data).then(() => written = true);
    // Bounded buffering: nobody reads, so neither the adapter nor the kernel takes it all.
    await sleep(300);
    assert.equal(written, false, "writeAll resolved although nothing was read");
    // On Bun the accepted side queues pushed data itself: it must have paused the socket.
    const inbox = (p.server as { inbox?: { queued: number; paused: boolean } }).inbox;
    if (inbox) {
      assert.equal(inbox.paused, true);
      assert.ok(inbox.queued <= INBOX_LIMIT + 1024 * 1024, `${inbox.queued} bytes queued`);
    }
    // A slow reader: small reads with pauses; the writer keeps pace and finishes.
    const received = new Uint8Array(data.length);
    const buf = new Uint8Array(16 * 1024);
    let got = 0;
    for (let reads = 1; got < data.length; reads++) {
      const n = await p.server.read(buf);
      assert.notEqual(n, null, `end of stream after ${got} bytes`);
      received.set(buf.subarray(0, n!), got);
      got += n!;
      if (reads % 32 === 0) await sleep(1);
    }
    assert.equal(await within(5000, writing), true);
    assert.equal(sha(received), sha(data));
  } finally {
    p.done();
  }
});

test("a connection nobody has accepted yet is not read ahead, then reads normally", async () => {
  const listener = runtime.listen({ hostname: HOST, port: 0 });
  const client = await runtime.connect({ hostname: HOST, port: listener.addr.port });
  try {
    const data = payload(256 * 1024, 6);
    const writing = client.writeAll(data);
    await sleep(200);
    const server = await listener.accept();
    // On Bun the connection was accepted at once and held: nothing may have been read into it.
    const inbox = (server as { inbox?: { queued: number } }).inbox;
    if (inbox) assert.equal(inbox.queued, 0);
    await writing;
    await client.closeWrite();
    assert.equal(sha(await readBytes(server, data.length + 1)), sha(data));
    server.close();
  } finally {
    client.close();
    listener.close();
  }
});

test("closeWrite sends FIN while the other direction keeps flowing", async () => {
  const p = await pair();
  try {
    await p.client.writeAll(bytes("question"));
    await p.client.closeWrite();
    assert.equal(text(await readBytes(p.server, 100)), "question");
    // The server got FIN, and still answers at length, then closes its side.
    const answer = payload(1024 * 1024, 8);
    await p.server.writeAll(answer);
    await p.server.closeWrite();
    const got = await readBytes(p.client, answer.length + 1);
    assert.equal(sha(got), sha(answer));
    assert.equal(await p.client.read(new Uint8Array(10)), null);
    // Writing after closeWrite is a broken pipe, on both sides.
    const brokenPipe = (error: Error) => error instanceof NetError && error.kind === "broken-pipe";
    await assert.rejects(p.client.writeAll(bytes("late")), brokenPipe);
    await assert.rejects(p.server.writeAll(bytes("late")), brokenPipe);
  } finally {
    p.done();
  }
});

test("close() makes a waiting read settle and is safe to call twice", async () => {
  const p = await pair();
  try {
    const reading = p.server.read(new Uint8Array(10)).catch(() => "rejected");
    p.server.close();
    p.server.close();
    assert.notEqual(await within(2000, reading), "pending");
    // The peer sees the close as end of stream.
    assert.equal(await within(2000, p.client.read(new Uint8Array(10))), null);
    await assert.rejects(p.server.writeAll(bytes("late")));
  } finally {
    p.done();
  }
});

test("a peer's reset makes read reject", async () => {
  const listener = runtime.listen({ hostname: HOST, port: 0 });
  try {
    const accepted = listener.accept();
    const socket = net.connect({ port: listener.addr.port, host: HOST });
    await new Promise((resolve) => socket.once("connect", resolve));
    const server = await accepted;
    socket.resetAndDestroy();
    await assert.rejects(within(2000, readBytes(server, 1)), /reset|closed/i);
    server.close();
  } finally {
    listener.close();
  }
});

test("connect: refused is an error saying so", async () => {
  const listener = runtime.listen({ hostname: HOST, port: 0 });
  const port = listener.addr.port;
  listener.close();
  await sleep(50);
  await assert.rejects(
    runtime.connect({ hostname: HOST, port }),
    (error: Error) => error instanceof NetError && error.kind === "refused",
  );
});

test("connect: cancelling rejects a hanging connect", requireTool("python3"), async () => {
  const hole = await blackholePort();
  try {
    const cancel = new Cancel();
    const connecting = runtime.connect({ hostname: HOST, port: hole.port, cancel });
    setTimeout(() => cancel.cancel(), 200);
    // Left alone the connect would hang for the system's SYN retries (minutes).
    const outcome = await within(10_000, connecting.then(() => "connected", () => "rejected"));
    assert.equal(outcome, "rejected");
    // An already cancelled token rejects without connecting.
    const cancelled = new Cancel();
    cancelled.cancel();
    await assert.rejects(
      runtime.connect({ hostname: HOST, port: hole.port, cancel: cancelled }),
      (error: Error) => error instanceof NetError && error.kind === "cancelled",
    );
  } finally {
    hole.close();
  }
});

test("listen: a busy port throws 'address in use'", () => {
  const first = runtime.listen({ hostname: HOST, port: 0 });
  try {
    assert.throws(
      () => runtime.listen({ hostname: HOST, port: first.addr.port }),
      (error: Error) => error instanceof NetError && error.kind === "addr-in-use",
    );
  } finally {
    first.close();
  }
});

test("listen: reusePort lets two listeners share a port", () => {
  const a = runtime.listen({ hostname: HOST, port: 0, reusePort: true });
  try {
    const b = runtime.listen({ hostname: HOST, port: a.addr.port, reusePort: true });
    assert.equal(b.addr.port, a.addr.port);
    b.close();
  } finally {
    a.close();
  }
});

test("listen: close() stops accepting; a waiting accept rejects", async () => {
  const listener = runtime.listen({ hostname: HOST, port: 0 });
  const accepting = listener.accept();
  listener.close();
  await assert.rejects(within(2000, accepting));
  await assert.rejects(runtime.connect({ hostname: HOST, port: listener.addr.port }), /refused/i);
});
