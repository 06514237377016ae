/**
 * The things measured side by side: the backends reached directly (the
 * physical limit), HAProxy, nginx stream, and Director under Deno, under
 * Bun and as the built binary (plus any `--variant` checkouts, for trying
 * a change to the data path in the same interleaved run).
 *
 * Proxies run on {@linkcode PROXY_CPU}; backends on {@linkcode LOAD_CPU}.
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
}

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

  const hap = pairOfPorts();
  const hapConf = join(dir, "haproxy.cfg");
  Deno.writeTextFileSync(hapConf, haproxyConfig(hap, backend));
  list.push({
    id: "haproxy",
    label: "HAProxy",
    ports: hap,
    start: () =>
      startProxy("haproxy", [tools.haproxy, "-f", hapConf], async (p) => {
        await waitListening(p, hap.http, 10_000);
        await waitListening(p, hap.iperf, 5000);
      }),
  });

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
  // The workers dimension: the same Director with 1 and with 2 worker
  // processes, both allowed on every core (the load generator shares them
  // on this 2-core machine), so the ratio between the two rows is the
  // scaling factor. The binary when built, else Deno.
  const scaled = isExecutable(binary) ? [binary] : [Deno.execPath(), "run", "-A", main];
  for (const workers of [1, 2]) {
    list.push(directorCandidate(
      `workers${workers}`,
      `Director ${isExecutable(binary) ? "(binary)" : "(Deno)"}, ${workers} worker${
        workers > 1 ? "s" : ""
      }, cores 0-1`,
      [...scaled, "--workers", String(workers)],
      dir,
      backend,
      ROOT,
      WORKERS_CPUS,
    ));
  }
  for (const [name, root] of variants) {
    const variantMain = join(root, "src/main.ts");
    list.push(directorCandidate(
      name,
      `Director (Deno) ${name}`,
      isFile(variantMain) ? [Deno.execPath(), "run", "-A", variantMain] : `${variantMain} missing`,
      dir,
      backend,
      root,
    ));
  }
  return list;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
