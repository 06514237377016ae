/**
 * The things measured side by side: the backends reached directly (the
 * physical limit), HAProxy, nginx stream, Director under Deno, under Bun
 * and as the built binary, the bare relays of both runtimes (each
 * runtime's own ceiling), the multi-core rows (HAProxy with 2 threads,
 * Director with 1 and 2 workers), plus any `--variant` checkouts, for
 * trying a change to the data path in the same interleaved run.
 *
 * Proxies run on {@linkcode PROXY_CPU}, the multi-core rows on
 * {@linkcode WORKERS_CPUS}; backends and load on {@linkcode LOAD_CPU}.
 *
 * @module
 */
import { join } from "node:path";
import {
  backendNginx,
  directorConfig,
  haproxyConfig,
  nginxStreamConfig,
  type Ports,
} from "./configs.ts";
import { freePorts, isListening, Proc, sleep } from "./proc.ts";
import type { Tools } from "./setup.ts";

/** The CPU of the proxy under test. */
export const PROXY_CPU = 1;
/** The CPU of the load generators, the backends and the bench itself. */
export const LOAD_CPU = 0;
/** The cores the workers comparison may use (all of this 2-core machine). */
export const WORKERS_CPUS = "0,1";

/**
 * The bare Deno relay's read buffer, KiB: 64, where Director's growing
 * buffers end up under bulk load; against 16 KiB it halved the CPU per GB
 * and cost nothing measurable per connection (bench/README.md).
 * `--only bare-deno,bare-deno-16k` measures the other size in the same run.
 */
export const BARE_DENO_KIB: number = 64;

/** The repository root (where `src/main.ts` lives). */
export const ROOT = new URL("../", import.meta.url).pathname;

export interface Candidate {
  /** Short id for `--only` and the raw tables. */
  id: string;
  /** What the results table calls it. */
  label: string;
  /** Where clients connect. */
  ports: Ports;
  /** Start it (resolves once it serves); undefined for "direct". */
  start?: () => Promise<Proc>;
  /** Set when it cannot run here: the reason, one line. */
  unavailable?: string;
  /** Only these loads (of the run's); all of them when unset. */
  loads?: string[];
  /** Run only when named in `--only` (an experiment, not part of the default table). */
  optional?: boolean;
  /** The bare relay of the same runtime (Director rows): the ceiling it is compared with. */
  ceiling?: string;
  /** Warm-up of each load, in units of the run's `warmupS` (1 when unset). */
  warmupTimes?: number;
}

/** Which bare relay each Director row is compared with (variants run under Deno). */
const CEILINGS: Record<string, string> = { deno: "bare-deno", bun: "bare-bun", binary: "bare-bun" };

/** The multi-core rows compare connection handling; bulk and idle memory are the 1-core rows'. */
const MULTI_CORE_LOADS = ["close", "keepalive"];

/**
 * The multi-core rows warm up three times as long. With two worker threads
 * each thread is a JavaScript VM of its own that compiles the connection
 * path again, from half the warm-up's connections: measured with
 * `bench/thread_cpu.ts`, the JIT threads' tail then falls one 4 s window
 * later than with one worker, inside the measured load, and 2 workers ÷ 1
 * compared compile time rather than steady-state cost. Every multi-core
 * row (HAProxy included) gets the same longer warm-up.
 */
const MULTI_CORE_WARMUP_TIMES = 3;

/** Wait until `port` is listening, failing early if `proc` exits. */
async function waitListening(proc: Proc, port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!proc.alive) throw new Error(`${proc.name} exited: ${proc.errorLine()}`);
    if (isListening(port)) return;
    await sleep(25);
  }
  throw new Error(`${proc.name} did not listen on ${port} within ${ms} ms: ${proc.errorLine()}`);
}

/** Start `argv` on the proxy CPU; ready once `ready` resolves. Stops it if that fails. */
async function startProxy(
  name: string,
  argv: string[],
  ready: (p: Proc) => Promise<unknown>,
  cwd = ROOT,
  cpus: number | string = PROXY_CPU,
): Promise<Proc> {
  const proc = new Proc(name, argv, cpus, cwd);
  try {
    await ready(proc);
    return proc;
  } catch (error) {
    await proc.stop(1000);
    throw error;
  }
}

/** The backends: nginx HTTP and `iperf3 -s`, on the load CPU. */
export async function startBackends(tools: Tools, dir: string, ports: Ports): Promise<Proc[]> {
  const conf = join(dir, "backend-nginx.conf");
  Deno.writeTextFileSync(conf, backendNginx(dir, ports.http));
  const nginx = new Proc("backend nginx", [
    tools.nginx,
    "-p",
    `${dir}/`,
    "-e",
    `${dir}/backend-nginx.err`,
    "-c",
    conf,
  ], LOAD_CPU);
  const iperf = new Proc("iperf3 -s", [
    tools.iperf3,
    "-s",
    "-B",
    "127.0.0.1",
    "-p",
    String(ports.iperf),
    "--rcv-timeout",
    "10000",
  ], LOAD_CPU);
  await waitListening(nginx, ports.http, 10_000);
  await waitListening(iperf, ports.iperf, 10_000);
  return [nginx, iperf];
}

function pairOfPorts(): Ports {
  const [http, iperf] = freePorts(2);
  return { http, iperf };
}

function directorCandidate(
  id: string,
  label: string,
  argv: string[] | string,
  dir: string,
  backend: Ports,
  cwd = ROOT,
  cpus: number | string = PROXY_CPU,
): Candidate {
  const ports = pairOfPorts();
  if (typeof argv === "string") return { id, label, ports, unavailable: argv };
  const config = join(dir, `${id}.xml`);
  Deno.writeTextFileSync(config, directorConfig(ports, backend));
  return {
    id,
    label,
    ports,
    start: () =>
      startProxy(
        label,
        [...argv, "--config", config],
        (p) => p.waitFor(/event=started/, 20_000).then(() => waitListening(p, ports.iperf, 5000)),
        cwd,
        cpus,
      ),
  };
}

function haproxyCandidate(tools: Tools, dir: string, backend: Ports, threads: number): Candidate {
  const ports = pairOfPorts();
  const id = threads === 1 ? "haproxy" : `haproxy-${threads}t`;
  const conf = join(dir, `${id}.cfg`);
  Deno.writeTextFileSync(conf, haproxyConfig(ports, backend, threads));
  const start = () =>
    startProxy(
      id,
      [tools.haproxy, "-f", conf],
      async (p) => {
        await waitListening(p, ports.http, 10_000);
        await waitListening(p, ports.iperf, 5000);
      },
      ROOT,
      threads === 1 ? PROXY_CPU : WORKERS_CPUS,
    );
  if (threads === 1) return { id, label: "HAProxy", ports, start };
  const label = `HAProxy, nbthread ${threads}, cores 0-1`;
  return { id, label, ports, start, loads: MULTI_CORE_LOADS, warmupTimes: MULTI_CORE_WARMUP_TIMES };
}

/**
 * A bare relay (bench/bare/): the runtime's own ceiling, on the proxy CPU.
 * Its two routes mirror a proxy candidate's two ports.
 */
function bareCandidate(
  id: string,
  label: string,
  argv: string[] | string,
  backend: Ports,
): Candidate {
  const ports = pairOfPorts();
  if (typeof argv === "string") return { id, label, ports, unavailable: argv };
  const routes = [`${ports.http}:${backend.http}`, `${ports.iperf}:${backend.iperf}`];
  return {
    id,
    label,
    ports,
    start: () =>
      startProxy(label, [...argv, ...routes], async (p) => {
        await p.waitFor(/READY/, 20_000);
        await waitListening(p, ports.http, 5000);
        await waitListening(p, ports.iperf, 5000);
      }),
  };
}

function isExecutable(path: string): boolean {
  try {
    const st = Deno.statSync(path);
    return st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Every candidate, in table order. `variants` are extra Director checkouts (name → root). */
export function candidates(
  tools: Tools,
  dir: string,
  backend: Ports,
  bun: string | undefined,
  variants: [string, string][],
): Candidate[] {
  const list: Candidate[] = [{ id: "direct", label: "direct (no proxy)", ports: backend }];

  list.push(haproxyCandidate(tools, dir, backend, 1));
  const ngx = pairOfPorts();
  const ngxConf = join(dir, "stream-nginx.conf");
  Deno.writeTextFileSync(ngxConf, nginxStreamConfig(dir, tools.streamModule, ngx, backend));
  list.push({
    id: "nginx",
    label: "nginx stream",
    ports: ngx,
    start: () =>
      startProxy(
        "nginx stream",
        [tools.nginx, "-p", `${dir}/`, "-e", `${dir}/stream-nginx.err`, "-c", ngxConf],
        async (p) => {
          await waitListening(p, ngx.http, 10_000);
          await waitListening(p, ngx.iperf, 5000);
        },
      ),
  });

  const main = join(ROOT, "src/main.ts");
  list.push(
    directorCandidate(
      "deno",
      "Director (Deno)",
      [Deno.execPath(), "run", "-A", main],
      dir,
      backend,
    ),
  );
  list.push(directorCandidate(
    "bun",
    "Director (Bun)",
    bun ? [bun, "run", main] : "bun not found at node_modules/.bin/bun",
    dir,
    backend,
  ));
  const binary = join(ROOT, "dist/director");
  list.push(directorCandidate(
    "binary",
    "Director (binary)",
    isExecutable(binary) ? [binary] : "dist/director not built",
    dir,
    backend,
  ));
  const denoRelay = [Deno.execPath(), "run", "-A", join(ROOT, "bench/bare/deno_relay.ts")];
  const bunRelay = bun ? [bun, "run", join(ROOT, "bench/bare/bun_relay.ts")] : "bun not found";
  const denoBare = (kib: number) => [...denoRelay, "--buffer", String(kib * 1024)];
  list.push(
    bareCandidate("bare-deno", "bare relay (Deno)", denoBare(BARE_DENO_KIB), backend),
    bareCandidate("bare-bun", "bare relay (Bun)", bunRelay, backend),
  );
  const otherKib = BARE_DENO_KIB === 16 ? 64 : 16;
  const otherLabel = `bare relay (Deno), ${otherKib} KiB buffers`;
  list.push({
    ...bareCandidate(`bare-deno-${otherKib}k`, otherLabel, denoBare(otherKib), backend),
    optional: true,
  });
  // The multi-core rows: HAProxy with 2 threads, and the same Director with
  // 1 and with 2 worker threads, all allowed on both cores (the load
  // generator and backends stay on CPU 0, sharing it with them), so
  // workers2 ÷ workers1 is the scaling factor and the CPU cost per
  // connection says what sharing state between workers costs. The binary
  // when built, else Deno.
  list.push(haproxyCandidate(tools, dir, backend, 2));
  const scaled = isExecutable(binary) ? [binary] : [Deno.execPath(), "run", "-A", main];
  const kind = isExecutable(binary) ? "(binary)" : "(Deno)";
  for (const workers of [1, 2]) {
    const candidate = directorCandidate(
      `workers${workers}`,
      `Director ${kind}, ${workers} worker${workers > 1 ? "s" : ""}, cores 0-1`,
      [...scaled, "--workers", String(workers)],
      dir,
      backend,
      ROOT,
      WORKERS_CPUS,
    );
    list.push({ ...candidate, loads: MULTI_CORE_LOADS, warmupTimes: MULTI_CORE_WARMUP_TIMES });
  }
  for (const [name, root] of variants) {
    const variantMain = join(root, "src/main.ts");
    const variant = directorCandidate(
      name,
      `Director (Deno) ${name}`,
      isFile(variantMain) ? [Deno.execPath(), "run", "-A", variantMain] : `${variantMain} missing`,
      dir,
      backend,
      root,
    );
    list.push({ ...variant, ceiling: "bare-deno" });
  }
  for (const c of list) c.ceiling ??= CEILINGS[c.id];
  return list;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
