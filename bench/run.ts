/**
 * `deno task bench`: Director side by side with HAProxy and nginx, in one run.
 *
 * One nginx HTTP backend and one `iperf3 -s` serve every candidate: the
 * backends reached directly, HAProxy (`mode tcp`), nginx `stream`, and
 * Director under Deno, under Bun and as `dist/director`. Each repetition
 * starts every candidate fresh, in turn (interleaved: repetition 1 of all,
 * then repetition 2, …), proxy pinned to CPU 1, load and backends to CPU 0.
 * The medians go to `bench/results/YYYY-MM-DD-HHMM.md` and to stdout.
 *
 * ```
 * deno task bench                 # full run: 3 repetitions, under 10 minutes
 * deno task bench --quick         # smoke run: 1 repetition, about a minute
 * deno task bench --only haproxy,deno --variant exp=/tmp/director-exp
 * deno task bench --control       # the control-plane benchmark instead (control.ts)
 * ```
 *
 * @module
 */
import { join } from "node:path";
import {
  BARE_DENO_KIB,
  type Candidate,
  candidates,
  LOAD_CPU,
  PROXY_CPU,
  ROOT,
  startBackends,
  WORKERS_CPUS,
} from "./candidates.ts";
import { freePorts, type Proc, runTool, spawnSettings, stopAll } from "./proc.ts";
import { runControl } from "./control.ts";
import { candidateLoads, type Profile, runRepetition } from "./repetition.ts";
import {
  ceilingTable,
  type Document,
  FIGURES,
  multiCoreTable,
  rawTable,
  renderDocument,
  type Samples,
  stamp,
  summaryTable,
} from "./report.ts";
import { ensureTools, hardNofile, machineNotes, toolVersions, which } from "./setup.ts";

const USAGE = `usage: deno task bench [--quick] [--only id,id] [--variant name=/path/to/checkout]
                        [--reps N] [--iperf SECONDS] [--wrk SECONDS] [--warmup SECONDS] [--budget SECONDS]
                        [--loads idle,bulk,close,keepalive]
  ids: direct haproxy nginx deno bun binary bare-deno bare-bun haproxy-2t workers1 workers2
       (and variant names); only with --only: bare-deno-16k (the other buffer size)
  --variant: also run Director from another checkout (e.g. a scratch copy with one change)
       deno task bench --control [--quick] [--sizes 1000,4000,20000] [--only deno,binary]
  --control: the control-plane benchmark (config sizes, reloads, admin calls) instead`;

const LOADS = ["idle", "bulk", "close", "keepalive"];

const PROFILES: Record<"full" | "quick", Profile> = {
  full: {
    reps: 3,
    // Eleven candidates (three of them with two loads only) × 3 interleaved
    // repetitions must fit in 11 minutes.
    iperfS: 3,
    wrkS: 4,
    warmupS: 1,
    wrkConns: 50,
    idleConns: 2000,
    budgetS: 700,
    loads: LOADS,
  },
  quick: {
    reps: 1,
    iperfS: 1,
    wrkS: 2,
    warmupS: 1,
    wrkConns: 50,
    idleConns: 500,
    budgetS: 200,
    loads: LOADS,
  },
};

function parseArgs(args: string[]) {
  const out = {
    quick: false,
    only: [] as string[],
    variants: [] as [string, string][],
    overrides: {} as Partial<Profile>,
  };
  const num = (name: string, value: string | undefined, max: number) => {
    const n = Number(value);
    if (!(n >= 1 && n <= max)) throw new Error(`${name} wants a number from 1 to ${max}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--quick") out.quick = true;
    else if (a === "--reps") out.overrides.reps = num(a, args[++i], 9);
    else if (a === "--iperf") out.overrides.iperfS = num(a, args[++i], 30);
    else if (a === "--wrk") out.overrides.wrkS = num(a, args[++i], 30);
    else if (a === "--warmup") out.overrides.warmupS = num(a, args[++i], 30);
    else if (a === "--budget") out.overrides.budgetS = num(a, args[++i], 3600);
    else if (a === "--loads") {
      out.overrides.loads = (args[++i] ?? "").split(",").filter(Boolean);
      const bad = out.overrides.loads.filter((l) => !LOADS.includes(l));
      if (bad.length > 0 || out.overrides.loads.length === 0) {
        throw new Error(`--loads wants some of ${LOADS.join(",")}`);
      }
    } else if (a === "--only") out.only = (args[++i] ?? "").split(",").filter(Boolean);
    else if (a === "--variant") {
      const [name, path] = (args[++i] ?? "").split("=");
      if (!name || !path) throw new Error(`--variant wants name=/path/to/checkout`);
      out.variants.push([name, path]);
    } else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      Deno.exit(0);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  return out;
}

const log = (line: string) => console.error(`[bench] ${line}`);

async function main(): Promise<number> {
  if (Deno.args.includes("--control")) {
    return await runControl(Deno.args.filter((a) => a !== "--control"));
  }
  const args = parseArgs(Deno.args);
  const p = { ...(args.quick ? PROFILES.quick : PROFILES.full), ...args.overrides };
  const started = new Date();
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const notes: string[] = [];
  const machine = machineNotes();
  const loadAtStart = machine.load;

  const tools = await ensureTools(log);
  spawnSettings.pin = machine.cores >= 2 && tools.taskset !== undefined;
  if (!spawnSettings.pin) {
    notes.push("NOT PINNED (needs 2 CPUs and taskset): figures are less stable.");
  }
  if (spawnSettings.pin) {
    // The bench itself (all its threads) stays off the proxy's CPU.
    await runTool(["taskset", "-a", "-cp", String(LOAD_CPU), String(Deno.pid)], {
      timeoutMs: 5000,
    });
  }
  const hard = await hardNofile();
  spawnSettings.nofile = Math.min(hard, 65536);
  if (spawnSettings.nofile < 2 * p.idleConns + 512) {
    p.idleConns = Math.max(100, Math.floor((spawnSettings.nofile - 512) / 2));
    notes.push(`descriptor limit ${spawnSettings.nofile}: idle connections cut to ${p.idleConns}`);
  }
  const bun = [join(ROOT, "node_modules/.bin/bun"), which("bun")].find((b) => b && isFile(b));
  const binary = join(ROOT, "dist/director");
  const versions = await toolVersions(tools, bun, ROOT, isFile(binary) ? binary : undefined);

  const dir = await Deno.makeTempDir({ prefix: "director-bench-" });
  const running = new Set<Proc>();
  const cleanup = async () => {
    await Promise.all([...running].map((r) => r.stop(1500)));
    await stopAll();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const onSignal = () => void cleanup().finally(() => Deno.exit(130));
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const watchdog = setTimeout(() => {
    log("watchdog: the run overran its time budget; stopping everything");
    void cleanup().finally(() => Deno.exit(3));
  }, (p.budgetS + 90) * 1000);

  const samples: Samples = {};
  let list: Candidate[] = [];
  try {
    const [httpPort, iperfPort] = freePorts(2);
    const backend = { http: httpPort, iperf: iperfPort };
    for (const proc of await startBackends(tools, dir, backend)) running.add(proc);
    list = candidates(tools, dir, backend, bun, args.variants)
      .filter((c) => args.only.length === 0 ? !c.optional : args.only.includes(c.id));
    const unknown = args.only.filter((id) => !list.some((c) => c.id === id));
    if (unknown.length > 0) throw new Error(`--only: no candidate ${unknown.join(", ")}\n${USAGE}`);
    for (const c of list) samples[c.id] = Object.fromEntries(FIGURES.map((f) => [f.key, []]));

    outer: for (let rep = 1; rep <= p.reps; rep++) {
      for (const c of list) {
        if (c.unavailable) continue;
        if (elapsed() + estimatedSeconds(p, c) > p.budgetS) {
          notes.push(
            `time budget (${p.budgetS} s) reached: stopped before rep ${rep} of ${c.label}`,
          );
          break outer;
        }
        log(`rep ${rep}/${p.reps} ${c.label} (t=${elapsed().toFixed(0)} s)`);
        await runRepetition({ tools, profile: p, samples, notes, running, log }, c, rep);
      }
    }
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }

  const rows = list.map((c) => ({
    id: c.id,
    label: c.label,
    unavailable: c.unavailable,
    ceiling: c.ceiling,
  }));
  const command = `deno run -A bench/run.ts ${Deno.args.join(" ")}`.trim();
  const doc: Document = {
    started,
    finishedSeconds: elapsed(),
    command: `${command}  (= deno task bench${Deno.args.length ? " " + Deno.args.join(" ") : ""})`,
    quick: args.quick,
    reps: p.reps,
    machine: [
      `${machine.cores} cores, ${machine.model}, ${machine.memory} RAM`,
      `kernel ${machine.kernel}`,
      spawnSettings.pin
        ? `pinning: proxy under test on CPU ${PROXY_CPU} (taskset -c ${PROXY_CPU}), the multi-core rows on CPUs ${WORKERS_CPUS}; backends, wrk, iperf3, the idle opener and the bench on CPU ${LOAD_CPU}`
        : "pinning: none",
      `load average at start ${loadAtStart}, at end ${machineNotes().load}`,
      `open-files soft limit for children: ${spawnSettings.nofile}`,
    ],
    versions,
    settings: [
      `iperf3: one stream, -t ${p.iperfS}, both directions (-R = backend → client)`,
      `wrk: -t1 -c${p.wrkConns} -d${p.wrkS}s --latency; new conn/s adds -H "Connection: close"`,
      `idle memory: ${p.idleConns} idle connections to the HTTP port; Δ RSS (whole process tree) ÷ connections`,
      `each candidate is started fresh per repetition: RSS at start (0.5 s after ready), idle memory, a warm-up of ${p.warmupS} s per HTTP load (keep-alive, then new connections; unmeasured), then the loads`,
      "buffers at each program's default (16 KiB); HAProxy nbthread 1, nginx worker_processes 1",
      `bare relays (bench/bare/): bare-deno reads into two ${BARE_DENO_KIB} KiB buffers per connection; bare-bun is \`bun run\` (not compiled)`,
      "multi-core rows (haproxy-2t nbthread 2, workers1, workers2): RSS at start, new connections and keep-alive only, after a warm-up three times as long (each worker thread compiles the connection path on its own)",
    ],
    summary: summaryTable(rows, samples, "main"),
    cpu: summaryTable(rows, samples, "cpu"),
    ceiling: ceilingTable(rows, samples),
    multiCore: multiCoreTable(rows, samples),
    raw: rawTable(rows, samples, p.reps),
    notes,
  };
  const text = renderDocument(doc);
  const out = join(ROOT, "bench/results", `${stamp(started)}${args.quick ? "-quick" : ""}.md`);
  await Deno.mkdir(join(ROOT, "bench/results"), { recursive: true });
  await Deno.writeTextFile(out, text);
  console.log(text);
  log(`written to ${out}`);
  return 0;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Seconds one repetition of `c` takes at most (loads, start, pauses), for the budget check. */
function estimatedSeconds(p: Profile, c: Candidate): number {
  const loads = candidateLoads(p, c);
  const has = (load: string) => loads.includes(load) ? 1 : 0;
  const httpLoads = has("close") + has("keepalive");
  return 5 + p.warmupS * (c.warmupTimes ?? 1) * Math.max(1, httpLoads) + 4 * has("idle") +
    2 * (p.iperfS + 1) * has("bulk") +
    (p.wrkS + 0.5) * (has("close") + has("keepalive"));
}

try {
  Deno.exit(await main());
} catch (error) {
  console.error(`[bench] ${(error as Error).message}`);
  await stopAll();
  Deno.exit(1);
}
