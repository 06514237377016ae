/**
 * The bare relay under Bun: the ceiling Director under Bun (and the binary)
 * is measured against. Each accepted socket and its backend socket are
 * wired to each other through Bun's handlers: `data` writes straight to the
 * peer; when `write` takes less than offered, the rest waits for the
 * peer's `drain` and the source is paused until then. `end` (FIN) is passed
 * on with `shutdown()` once nothing is pending; a close or error closes
 * both. Written for the bench; shares nothing with Director's code.
 *
 * The `data` chunk is Bun's own copy (`BinaryType.toJS` clones the bytes,
 * Bun `src/bun.js/jsc/array_buffer.zig`), so a pending rest is kept as a
 * view, without copying it again.
 *
 * ```
 * bun run bench/bare/bun_relay.ts LISTEN_PORT:BACKEND_PORT ...
 * ```
 *
 * @module
 */

import process from "node:process";

interface Side {
  peer?: Sock;
  /** The relay is over: a backend that connects now is closed at once. */
  closed?: boolean;
  /** Bytes `write` did not take yet (this socket's own outgoing rest). */
  pending?: Uint8Array;
  /** The peer sent FIN: shut this side down once `pending` is written. */
  shutAfter?: boolean;
}
interface Sock {
  data: Side;
  write(data: Uint8Array): number;
  shutdown(): void;
  end(): void;
  pause(): void;
  resume(): void;
  setNoDelay(on: boolean): boolean;
}
type Handlers = Partial<Record<"open" | "drain" | "end" | "connectError", (s: Sock) => void>> & {
  data(s: Sock, chunk: Uint8Array): void;
  close(s: Sock, error?: Error): void;
  error(s: Sock): void;
};
interface Bun {
  listen(o: { hostname: string; port: number; allowHalfOpen: boolean; socket: Handlers }): void;
  connect(
    o: { hostname: string; port: number; allowHalfOpen: boolean; data: Side; socket: Handlers },
  ): Promise<Sock>;
}
const bun = (globalThis as unknown as { Bun: Bun }).Bun;

/** Write what the kernel takes; keep the rest and pause the source until `to` drains. */
function send(from: Sock, to: Sock, chunk: Uint8Array): void {
  if (to.data.pending) {
    const both = new Uint8Array(to.data.pending.length + chunk.length);
    both.set(to.data.pending);
    both.set(chunk, to.data.pending.length);
    to.data.pending = both;
    return from.pause();
  }
  const n = to.write(chunk);
  if (n < 0) return closeBoth(from);
  if (n < chunk.length) {
    to.data.pending = chunk.subarray(n);
    from.pause();
  }
}

function closeBoth(s: Sock): void {
  const peer = s.data.peer;
  s.data.peer = undefined;
  s.data.closed = true;
  s.end();
  if (peer) {
    peer.data.peer = undefined;
    peer.data.closed = true;
    peer.end();
  }
}

const relay: Handlers = {
  data: (s, chunk) => s.data.peer && send(s, s.data.peer, chunk),
  drain(s) {
    const rest = s.data.pending;
    if (!rest) return;
    const n = s.write(rest);
    if (n < 0) return closeBoth(s);
    if (n < rest.length) return void (s.data.pending = rest.subarray(n));
    s.data.pending = undefined;
    if (s.data.shutAfter) s.shutdown();
    s.data.peer?.resume();
  },
  end(s) {
    const peer = s.data.peer;
    if (!peer) return;
    if (peer.data.pending) peer.data.shutAfter = true;
    else peer.shutdown();
  },
  // A clean close means both FINs were seen; a rest still pending on the peer
  // is written (and the peer shut down) by its drain.
  close(s, error) {
    if (error || !s.data.peer?.data.pending) closeBoth(s);
  },
  error: (s) => closeBoth(s),
};

/** The backend side: once connected, let the client's bytes flow. */
const backendSide: Handlers = {
  ...relay,
  open(backend) {
    const client = backend.data.peer!;
    if (client.data.closed) return backend.end();
    backend.setNoDelay(true);
    client.data.peer = backend;
    client.resume();
  },
  connectError: (backend) => backend.data.peer?.end(),
};

const routes = process.argv.slice(2).map((a) => a.split(":").map(Number));
if (routes.length === 0 || routes.some(([l, b]) => !l || !b)) {
  console.error("usage: bun_relay.ts LISTEN_PORT:BACKEND_PORT ...");
  process.exit(2);
}
for (const [listen, backendPort] of routes) {
  bun.listen({
    hostname: "127.0.0.1",
    port: listen,
    allowHalfOpen: true,
    socket: {
      ...relay,
      open(client) {
        client.data = {};
        client.pause(); // nothing to relay to until the backend is connected
        client.setNoDelay(true);
        const data = { peer: client };
        const options = { hostname: "127.0.0.1", port: backendPort, allowHalfOpen: true };
        bun.connect({ ...options, data, socket: backendSide }).catch(() => client.end());
      },
    },
  });
}
console.log("READY");
