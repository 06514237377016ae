/**
 * The bare relay under Deno: the ceiling Director under Deno is measured
 * against. No balancing, no config, no counters: accept, connect to the one
 * backend, copy bytes both ways with one read loop per direction into a
 * buffer reused for the life of the connection, `closeWrite` on end of
 * stream, close both on an error. Written for the bench; shares nothing
 * with Director's code.
 *
 * ```
 * deno run -A bench/bare/deno_relay.ts [--buffer BYTES] LISTEN_PORT:BACKEND_PORT ...
 * ```
 *
 * Everything is on 127.0.0.1. Prints `READY` once every port listens.
 *
 * @module
 */

let bufferSize = 16 * 1024;
const routes: { listen: number; backend: number }[] = [];
for (let i = 0; i < Deno.args.length; i++) {
  if (Deno.args[i] === "--buffer") bufferSize = Number(Deno.args[++i]);
  else {
    const [listen, backend] = Deno.args[i].split(":").map(Number);
    routes.push({ listen, backend });
  }
}
if (!(bufferSize >= 1) || routes.length === 0 || routes.some((r) => !r.listen || !r.backend)) {
  console.error("usage: deno_relay.ts [--buffer BYTES] LISTEN_PORT:BACKEND_PORT ...");
  Deno.exit(2);
}

/** Copy `from` → `to` until end of stream, then pass the end on (half-close). */
async function pump(from: Deno.TcpConn, to: Deno.TcpConn, buffer: Uint8Array): Promise<void> {
  for (;;) {
    const n = await from.read(buffer);
    if (n === null) break;
    for (let done = 0; done < n;) done += await to.write(buffer.subarray(done, n));
  }
  await to.closeWrite();
}

function closeQuietly(conn: Deno.TcpConn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

async function relay(client: Deno.TcpConn, backendPort: number): Promise<void> {
  let backend: Deno.TcpConn | undefined;
  try {
    backend = await Deno.connect({ hostname: "127.0.0.1", port: backendPort });
    client.setNoDelay(true);
    backend.setNoDelay(true);
    await Promise.all([
      pump(client, backend, new Uint8Array(bufferSize)),
      pump(backend, client, new Uint8Array(bufferSize)),
    ]);
  } catch {
    // Refused, reset or broken pipe: the connection is over either way.
  } finally {
    closeQuietly(client);
    if (backend) closeQuietly(backend);
  }
}

for (const route of routes) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: route.listen });
  (async () => {
    for await (const conn of listener) void relay(conn, route.backend);
  })();
}
console.log("READY");
