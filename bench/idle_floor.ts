/**
 * Memory per idle relayed connection under Deno: Director beside the bare
 * Deno relay (`bench/bare/deno_relay.ts`) with small buffers, so the
 * runtime's own floor per connection pair shows next to Director's figure.
 * Each candidate is started fresh, pinned to the proxy CPU, and holds 2,000
 * idle connections to a backend that accepts and holds them (the same
 * measurement as the main benchmark's "KiB / idle conn").
 *
 * ```sh
 * deno run -A bench/idle_floor.ts [--reps 3] [--buffers 1024,16]
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { PROXY_CPU, ROOT } from "./candidates.ts";
import { directorConfig } from "./configs.ts";
import { idleMemory } from "./measure.ts";
import { freePorts, Proc, sleep } from "./proc.ts";

const opt = (name: string, fallback: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : fallback;
};
const reps = Number(opt("--reps", "3"));
const buffers = opt("--buffers", "1024,16").split(",").map(Number);
const IDLE = 2000;

const [backendPort, unusedIperf] = freePorts(2);
const held: Deno.Conn[] = [];
const server = Deno.listen({ hostname: "127.0.0.1", port: backendPort });
void (async () => {
  for await (const conn of server) held.push(conn);
})();
const dir = Deno.makeTempDirSync({ prefix: "director-idle-floor-" });

/** The command line of one candidate listening on `listen`. */
function candidate(kind: string, listen: number): string[] {
  if (kind === "director") {
    const path = join(dir, "director.xml");
    const ports = { http: listen, iperf: freePorts(1)[0] };
    Deno.writeTextFileSync(path, directorConfig(ports, { http: backendPort, iperf: unusedIperf }));
    return [Deno.execPath(), "run", "-A", join(ROOT, "src/main.ts"), "--config", path];
  }
  const relay = join(ROOT, "bench/bare/deno_relay.ts");
  return [Deno.execPath(), "run", "-A", relay, "--buffer", kind, `${listen}:${backendPort}`];
}

async function until(port: number): Promise<void> {
  for (let i = 0; i < 100; i++, await sleep(100)) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      // not listening yet
    }
  }
  throw new Error(`Cannot reach 127.0.0.1:${port}: nothing listens after 10 s`);
}

const kinds = ["director", ...buffers.map(String)];
try {
  for (let rep = 1; rep <= reps; rep++) {
    for (const kind of kinds) {
      const [listen] = freePorts(1);
      const proc = new Proc(kind, candidate(kind, listen), PROXY_CPU, ROOT);
      try {
        await until(listen);
        await sleep(500);
        const r = await idleMemory(proc, listen, IDLE);
        const label = kind === "director"
          ? "Director (Deno)"
          : `bare Deno relay, ${kind} B buffers`;
        console.log(`rep ${rep}: ${label}: ${r.perConnKiB.toFixed(1)} KiB per idle connection`);
      } finally {
        await proc.stop();
        for (const conn of held.splice(0)) conn.close();
      }
    }
  }
} finally {
  server.close();
  Deno.removeSync(dir, { recursive: true });
}
