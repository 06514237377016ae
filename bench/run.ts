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
 * ```
 *
 * @module
 */
import { join } from "node:path";
import {
  type Candidate,
  candidates,
  LOAD_CPU,
  PROXY_CPU,
  ROOT,
  startBackends,
} from "./candidates.ts";
import { idleMemory, iperf, rssMiB, wrk } from "./measure.ts";
import { freePorts, type Proc, runTool, sleep, spawnSettings, stopAll } from "./proc.ts";
import {
  type Document,
  FIGURES,
  rawTable,
  renderDocument,
  type Samples,
  stamp,
  summaryTable,
} from "./report.ts";
import { ensureTools, hardNofile, machineNotes, toolVersions, which } from "./setup.ts";

const USAGE =
  `usage: deno task bench [--quick] [--reps N] [--only id,id] [--variant name=/path/to/checkout]
  ids: direct haproxy nginx deno bun binary (and variant names)`;

const PROFILES = {
  full: { reps: 3, iperfS: 4, wrkS: 5, warmupS: 1, wrkConns: 50, idleConns: 2000, budgetS: 560 },
  quick: { reps: 1, iperfS: 1, wrkS: 2, warmupS: 1, wrkConns: 50, idleConns: 500, budgetS: 120 },
};

function parseArgs(args: string[]) {
  const out = { quick: false, reps: 0, only: [] as string[], variants: [] as [string, string][] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--quick") out.quick = true;
    else if (a === "--reps") out.reps = Number(args[++i]);
    else if (a === "--only") out.only = (args[++i] ?? "").split(",").filter(Boolean);
    else if (a === "--variant") {
      const [name, path] = (args[++i] ?? "").split("=");
      if (!name || !path) throw new Error(`--variant wants name=/path/to/checkout`);
      out.variants.push([name, path]);
    } else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      Deno.exit(0);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  if (out.reps && !(out.reps >= 1 && out.reps <= 9)) throw new Error("--reps wants 1..9");
  return out;
}

const log = (line: string) => console.error(`[bench] ${line}`);

async function main(): Promise<number> {
  const args = parseArgs(Deno.args);
  const p = { ...(args.quick ? PROFILES.quick : PROFILES.full) };
  if (args.reps) p.reps = args.reps;
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
  const versions = await toolVersions(tools, bun);

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
      .filter((c) => args.only.length === 0 || args.only.includes(c.id));
    for (const c of list) samples[c.id] = Object.fromEntries(FIGURES.map((f) => [f.key, []]));

    const perCandidateS = 3 + 4 + p.warmupS + 2 * (p.iperfS + 1) + 2 * (p.wrkS + 0.5) + 2;
    outer: for (let rep = 1; rep <= p.reps; rep++) {
      for (const c of list) {
        if (c.unavailable) continue;
        if (elapsed() + perCandidateS > p.budgetS) {
          notes.push(
            `time budget (${p.budgetS} s) reached: stopped before rep ${rep} of ${c.label}`,
          );
          break outer;
        }
        log(`rep ${rep}/${p.reps} ${c.label} (t=${elapsed().toFixed(0)} s)`);
        await runCandidate(c, rep);
      }
    }
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }

  async function runCandidate(c: Candidate, rep: number): Promise<void> {
    const s = samples[c.id];
    const record = async (keys: string[], what: string, fn: () => Promise<number[]>) => {
      try {
        const values = await fn();
        keys.forEach((k, i) => s[k][rep - 1] = values[i]);
        log(`  ${what}: ${values.map((v) => +v.toFixed(2)).join(" / ")}`);
      } catch (error) {
        keys.forEach((k) => s[k][rep - 1] = NaN);
        notes.push(`rep ${rep} ${c.label} ${what}: ${(error as Error).message}`);
        log(`  ${what}: FAILED ${(error as Error).message}`);
      }
      await sleep(300);
    };
    let proc: Proc | undefined;
    try {
      if (c.start) {
        try {
          proc = await c.start();
          running.add(proc);
        } catch (error) {
          const reason = (error as Error).message.split("\n")[0];
          if (rep === 1) c.unavailable = reason;
          else notes.push(`rep ${rep} ${c.label}: did not start: ${reason}`);
          log(`  not available: ${reason}`);
          return;
        }
        const server = proc;
        await sleep(500);
        await record(["startMiB"], "RSS at start MiB", () => Promise.resolve([rssMiB(server)]));
        await record(["idleKiB"], `KiB per idle conn (${p.idleConns})`, async () => {
          const r = await idleMemory(server, c.ports.http, p.idleConns);
          if (r.opened < p.idleConns || r.fdDelta < 1.9 * r.opened) {
            notes.push(
              `rep ${rep} ${c.label} idle: opened ${r.opened}/${p.idleConns}, proxy gained ${r.fdDelta} fds`,
            );
          }
          return [r.perConnKiB];
        });
      }
      await wrk(tools, c.ports.http, { close: false, seconds: p.warmupS, conns: p.wrkConns })
        .catch(() => {});
      await record(
        ["bulkUp"],
        "bulk → Gbit/s",
        async () => [await iperf(tools, c.ports.iperf, false, p.iperfS)],
      );
      await record(
        ["bulkDown"],
        "bulk ← Gbit/s",
        async () => [await iperf(tools, c.ports.iperf, true, p.iperfS)],
      );
      for (const close of [true, false]) {
        const what = close ? "new conn/s" : "keep-alive req/s, p99 ms";
        await record(close ? ["connRate"] : ["kaRate", "kaP99"], what, async () => {
          const r = await wrk(tools, c.ports.http, { close, seconds: p.wrkS, conns: p.wrkConns });
          if (r.errors) {
            notes.push(`rep ${rep} ${c.label} ${close ? "close" : "keep-alive"}: ${r.errors}`);
          }
          return close ? [r.rps] : [r.rps, r.p99Ms];
        });
      }
      if (proc && !proc.alive) {
        notes.push(`rep ${rep} ${c.label} exited during the run: ${proc.errorLine()}`);
      }
    } finally {
      if (proc) {
        await proc.stop();
        running.delete(proc);
      }
    }
  }

  const rows = list.map((c) => ({ id: c.id, label: c.label, unavailable: c.unavailable }));
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
        ? `pinning: proxy under test on CPU ${PROXY_CPU} (taskset -c ${PROXY_CPU}); backends, wrk, iperf3, the idle opener and the bench on CPU ${LOAD_CPU}`
        : "pinning: none",
      `load average at start ${loadAtStart}, at end ${machineNotes().load}`,
      `open-files soft limit for children: ${spawnSettings.nofile}`,
    ],
    versions,
    settings: [
      `iperf3: one stream, -t ${p.iperfS}, both directions (-R = backend → client)`,
      `wrk: -t1 -c${p.wrkConns} -d${p.wrkS}s --latency; new conn/s adds -H "Connection: close"`,
      `idle memory: ${p.idleConns} idle connections to the HTTP port; Δ RSS (whole process tree) ÷ connections`,
      `each candidate is started fresh per repetition: RSS at start (0.5 s after ready), idle memory, ${p.warmupS} s warm-up, then the loads`,
      "buffers at each program's default (16 KiB); HAProxy nbthread 1, nginx worker_processes 1",
    ],
    summary: summaryTable(rows, samples),
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

try {
  Deno.exit(await main());
} catch (error) {
  console.error(`[bench] ${(error as Error).message}`);
  await stopAll();
  Deno.exit(1);
}
