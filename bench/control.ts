/**
 * `deno task bench --control`: the control-plane benchmark. For generated
 * configs of 1,000, 4,000 and 20,000 hosts it times, for Director under
 * Deno and as the built binary: `--check`, start, reloads, the admin pages,
 * `addHost`, RSS over a series of reloads and the worst round trip of an
 * echo connection held through them; beside them `haproxy -c` on the
 * equivalent HAProxy config. No data-plane load runs.
 *
 * ```
 * deno task bench --control            # 3 sizes × 2 runtimes, a few minutes
 * deno task bench --control --quick    # 1,000 and 4,000 hosts, fewer repetitions
 * deno task bench --control --sizes 1000,20000 --only binary
 * ```
 *
 * Director runs on the proxy CPU; the bench (admin client, echo backend and
 * probe) on the load CPU. Every step is bounded; every process is stopped
 * by PID. Results go to `bench/results/YYYY-MM-DD-HHMM-control.md`.
 *
 * @module
 */
import { join } from "node:path";
import { LOAD_CPU, PROXY_CPU, ROOT } from "./candidates.ts";
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  type ControlPorts,
  directorControlConfig,
  freePortRun,
  haproxyControlConfig,
  HOSTS_PER_SERVICE,
  withOneHostChanged,
} from "./control_configs.ts";
import { AdminClient, startEchoBackend } from "./control_probes.ts";
import {
  CONTROL_FIGURES,
  controlTable,
  renderControl,
  type SizeResults,
} from "./control_report.ts";
import { runRuntime, type RuntimeSpec } from "./control_session.ts";
import { type Cell, step } from "./control_steps.ts";
import { freePorts, Proc, runTool, spawnSettings, stopAll } from "./proc.ts";
import { median, stamp } from "./report.ts";
import { directorSource, firstLine, hardNofile, machineNotes, which } from "./setup.ts";

const USAGE =
  `usage: deno task bench --control [--quick] [--sizes 1000,4000,20000] [--only deno,binary]
  --sizes: hosts per config (multiples of ${HOSTS_PER_SERVICE}: services × ${HOSTS_PER_SERVICE} hosts)`;

/** How many of each repeated measurement. */
export interface ControlProfile {
  sizes: number[];
  /**
   * Reloads (and page loads) whose median is reported: 11, as each takes
   * 5–200 ms and a median of 5 moved by 1.5× from run to run (the growth
   * ratios divide one by another).
   */
  reps: number;
  /** Reloads in the RSS / echo series. */
  series: number;
  addHosts: number;
}

const PROFILES: Record<"full" | "quick", ControlProfile> = {
  full: { sizes: [1000, 4000, 20000], reps: 11, series: 100, addHosts: 20 },
  quick: { sizes: [1000, 4000], reps: 3, series: 20, addHosts: 5 },
};
/** The whole run stops past this (seconds), whatever is still running. */
const WATCHDOG_S = 45 * 60;

const log = (line: string) => console.error(`[bench --control] ${line}`);

function parseArgs(args: string[]) {
  const out = { quick: false, sizes: undefined as number[] | undefined, only: [] as string[] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--quick") out.quick = true;
    else if (a === "--sizes") {
      out.sizes = (args[++i] ?? "").split(",").map(Number);
      if (out.sizes.some((h) => !(h >= HOSTS_PER_SERVICE && h % HOSTS_PER_SERVICE === 0))) {
        throw new Error(`--sizes wants multiples of ${HOSTS_PER_SERVICE}\n${USAGE}`);
      }
    } else if (a === "--only") out.only = (args[++i] ?? "").split(",").filter(Boolean);
    else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      Deno.exit(0);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  return out;
}

/** A bcrypt hash of the bench's admin password, made by Director's own `hash-password`. */
async function hashPassword(): Promise<string> {
  const main = join(ROOT, "src/main.ts");
  const script = 'printf "%s\\n" "$1" | "$2" run -A "$3" hash-password';
  const r = await runTool(["sh", "-c", script, "sh", ADMIN_PASSWORD, Deno.execPath(), main], {
    timeoutMs: 60_000,
    cwd: ROOT,
  });
  const hash = r.stdout.trim().split("\n").at(-1) ?? "";
  if (!/^\$2[aby]\$\d\d\$/.test(hash)) {
    throw new Error(`Cannot hash the admin password: ${r.output.trim().slice(-200)}`);
  }
  return hash;
}

/** `haproxy -c -f` three times; the median wall time, s. */
async function haproxyCheck(haproxy: string | undefined, file: string): Promise<Cell> {
  if (!haproxy) return { error: "haproxy not installed" };
  const cells = await step(["check"], 180, async (d) => {
    const times = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = await runTool([haproxy, "-c", "-f", file], {
        cpu: PROXY_CPU,
        timeoutMs: d.ms(60_000),
      });
      if (r.timedOut) throw new Error("haproxy -c timed out");
      if (r.code !== 0) throw new Error(`haproxy -c: ${r.output.trim().split("\n").at(-1)}`);
      times.push((performance.now() - t0) / 1000);
    }
    return [median(times)];
  });
  return cells.check;
}

export async function runControl(args: string[]): Promise<number> {
  const opts = parseArgs(args);
  const profile = { ...PROFILES[opts.quick ? "quick" : "full"] };
  if (opts.sizes) profile.sizes = opts.sizes;
  const started = new Date();
  const t0 = performance.now();
  const notes: string[] = [];
  const machine = machineNotes();
  const loadAtStart = machine.load;
  spawnSettings.pin = machine.cores >= 2 && which("taskset") !== undefined;
  if (spawnSettings.pin) {
    await runTool(["taskset", "-a", "-cp", String(LOAD_CPU), String(Deno.pid)], {
      timeoutMs: 5000,
    });
  } else notes.push("NOT PINNED (needs 2 CPUs and taskset)");
  spawnSettings.nofile = Math.min(await hardNofile(), 65536);

  const binary = join(ROOT, "dist/director");
  const hasBinary = isExecutable(binary);
  const runtimes: RuntimeSpec[] = [
    {
      id: "deno",
      label: "Director (Deno)",
      argv: [Deno.execPath(), "run", "-A", join(ROOT, "src/main.ts")],
    },
    {
      id: "binary",
      label: "Director (binary)",
      argv: hasBinary ? [binary] : undefined,
      unavailable: hasBinary ? undefined : "dist/director not built",
    },
  ].filter((r) => opts.only.length === 0 || opts.only.includes(r.id));
  if (runtimes.length === 0) throw new Error(`--only: no runtime of deno, binary\n${USAGE}`);
  const haproxy = which("haproxy");

  const dir = await Deno.makeTempDir({ prefix: "director-bench-control-" });
  const echo = startEchoBackend();
  const running = new Set<Proc>();
  const cleanup = async () => {
    await Promise.all([...running].map((p) => p.stop(1500)));
    await stopAll();
    echo.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const onSignal = () => void cleanup().finally(() => Deno.exit(130));
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const watchdog = setTimeout(() => {
    log(`watchdog: the run passed ${WATCHDOG_S} s; stopping everything`);
    void cleanup().finally(() => Deno.exit(3));
  }, WATCHDOG_S * 1000);

  const results: Record<string, SizeResults> = Object.fromEntries(runtimes.map((r) => [r.id, {}]));
  const haproxyResults: SizeResults = {};
  try {
    log("hashing the admin password (hash-password, bcrypt)");
    const hash = await hashPassword();
    for (const hosts of profile.sizes) {
      const services = hosts / HOSTS_PER_SERVICE;
      const [echoListen, admin] = freePorts(2);
      const ports: ControlPorts = {
        base: freePortRun(services),
        echoListen,
        echoBackend: echo.port,
        admin,
      };
      const xml = directorControlConfig(services, ports, hash);
      const configPath = join(dir, `director-${hosts}.xml`);
      Deno.writeTextFileSync(configPath, xml);
      const hapPath = join(dir, `haproxy-${hosts}.cfg`);
      Deno.writeTextFileSync(hapPath, haproxyControlConfig(services, ports));
      log(`${hosts} hosts (${services} services): haproxy -c`);
      haproxyResults[hosts] = { haproxyCheck: await haproxyCheck(haproxy, hapPath) };
      for (const rt of runtimes) {
        if (rt.unavailable) continue;
        log(`${hosts} hosts: ${rt.label} (t=${((performance.now() - t0) / 1000).toFixed(0)} s)`);
        results[rt.id][hosts] = await runRuntime(rt, {
          configPath,
          xml,
          changedXml: withOneHostChanged(xml),
          echoPort: ports.echoListen,
          admin: new AdminClient(admin, ADMIN_USER, ADMIN_PASSWORD),
          profile,
          running,
          notes,
          log,
        });
        Deno.writeTextFileSync(configPath, xml);
      }
    }
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }

  const versions = {
    director: await directorSource(ROOT),
    "dist/director": hasBinary ? await firstLine([binary, "--version"], /director/) : "not built",
    haproxy: haproxy ? await firstLine([haproxy, "-v"], /version/i) : "not installed",
    deno: `deno ${Deno.version.deno} (V8 ${Deno.version.v8}) at ${Deno.execPath()}`,
  };
  const hapFigure = [{ key: "haproxyCheck", title: "`haproxy -c -f` s", digits: 3, how: "" }];
  const text = renderControl({
    started,
    seconds: (performance.now() - t0) / 1000,
    command: `deno task bench --control${args.length ? " " + args.join(" ") : ""}`,
    quick: opts.quick,
    sizes: profile.sizes,
    runtimes: runtimes.map((r) => ({
      label: r.label,
      unavailable: r.unavailable,
      table: controlTable(results[r.id], profile.sizes, CONTROL_FIGURES),
    })),
    haproxy: controlTable(haproxyResults, profile.sizes, hapFigure),
    settings: [
      `medians of ${profile.reps} for the reloads and the pages (each page's first GET also on its own); a series of ${profile.series} reloads for RSS and the echo; ${profile.addHosts} addHost calls`,
      "Director: one process (no workers), `--config` the generated file, logging to stderr; admin user with a bcrypt hash (cost 12) from `hash-password`, paid once by a first admin call before anything is timed",
      "times are wall time seen by the bench: a signal or request sent → the log line or the last byte of the answer arrived",
      "each step has a time limit; one that overruns it reads `> T s` and the run goes on",
    ],
    machine: [
      `${machine.cores} cores, ${machine.model}, ${machine.memory} RAM, kernel ${machine.kernel}`,
      spawnSettings.pin
        ? `pinning: Director, --check and haproxy -c on CPU ${PROXY_CPU}; the bench (admin client, echo backend and probe) on CPU ${LOAD_CPU}`
        : "pinning: none",
      `load average at start ${loadAtStart}, at end ${machineNotes().load}`,
    ],
    versions,
    notes,
  });
  const out = join(
    ROOT,
    "bench/results",
    `${stamp(started)}-control${opts.quick ? "-quick" : ""}.md`,
  );
  await Deno.mkdir(join(ROOT, "bench/results"), { recursive: true });
  await Deno.writeTextFile(out, text);
  console.log(text);
  log(`written to ${out}`);
  return 0;
}

function isExecutable(path: string): boolean {
  try {
    const st = Deno.statSync(path);
    return st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}
