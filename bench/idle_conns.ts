/**
 * Opens idle TCP connections and holds them: the client side of the
 * "memory per idle connection" figure.
 *
 * `deno run -A bench/idle_conns.ts PORT COUNT [HOLD_MS]` connects COUNT
 * times to 127.0.0.1:PORT (100 at a time), sends nothing, prints
 * `OPEN <opened> FAILED <failed>`, then holds them until a line arrives on
 * stdin (or stdin closes, or HOLD_MS passes, default 60 s), closes them all,
 * prints `CLOSED` and exits. The bench runs it pinned to the load CPU.
 *
 * @module
 */
const [portArg, countArg, holdArg] = Deno.args;
const port = Number(portArg);
const count = Number(countArg);
const holdMs = Number(holdArg ?? 60_000);
if (!port || !count) {
  console.error("usage: idle_conns.ts PORT COUNT [HOLD_MS]");
  Deno.exit(2);
}

const conns: Deno.TcpConn[] = [];
let failed = 0;
const BATCH = 100;
for (let i = 0; i < count; i += BATCH) {
  const batch = Array.from(
    { length: Math.min(BATCH, count - i) },
    () => Deno.connect({ hostname: "127.0.0.1", port }),
  );
  for (const result of await Promise.allSettled(batch)) {
    if (result.status === "fulfilled") conns.push(result.value);
    else failed++;
  }
}
console.log(`OPEN ${conns.length} FAILED ${failed}`);

const released = new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, holdMs);
  void (async () => {
    const buf = new Uint8Array(64);
    try {
      await Deno.stdin.read(buf); // any line, or EOF
    } catch {
      // stdin is gone: release too.
    }
    clearTimeout(timer);
    resolve();
  })();
});
await released;
for (const conn of conns) {
  try {
    conn.close();
  } catch {
    // Closed by the peer already.
  }
}
console.log("CLOSED");
Deno.exit(0);
