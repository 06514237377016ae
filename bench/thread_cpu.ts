/**
 * Where a Director binary's CPU per connection goes, thread by thread and
 * window by window: the multi-core rows of the bench (`workers1`,
 * `workers2`) taken apart. After the bench's 1 s keep-alive warm-up, it
 * runs several wrk windows back to back on one process and reads every
 * thread's CPU from `/proc/PID/task/*` before and after each, grouped by
 * thread name: the JavaScript threads (the main thread, or each `Worker`),
 * JSC's compiler threads (`JITWorker`), and the rest (GC helpers,
 * allocator). Binaries and worker counts are interleaved, repetition by
 * repetition; the medians are printed per window.
 *
 * ```
 * deno run -A bench/thread_cpu.ts --bin main=/work/main/dist/director --bin mine=dist/director
 * deno run -A bench/thread_cpu.ts --workers 1,2 --windows 4 --seconds 4 --reps 3 --load close
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { ROOT, startBackends, WORKERS_CPUS } from "./candidates.ts";
import { directorConfig } from "./configs.ts";
import { wrk } from "./measure.ts";
import { freePorts, Proc, stopAll } from "./proc.ts";
import { ensureTools } from "./setup.ts";

type Group = "js" | "jit" | "other";

function threadTicks(pid: number): Record<Group, number> {
  const out: Record<Group, number> = { js: 0, jit: 0, other: 0 };
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/stat`);
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const group: Group = name === "JITWorker"
        ? "jit"
        : name === "Worker" || task.name === String(pid)
        ? "js"
        : "other";
      out[group] += Number(f[11]) + Number(f[12]);
    } catch {
      // The thread ended.
    }
  }
  return out;
}

function arg(name: string, fallback: string): string {
  const at = Deno.args.indexOf(name);
  return at >= 0 ? Deno.args[at + 1] : fallback;
}

const bins = Deno.args.flatMap((a, i) => Deno.args[i - 1] === "--bin" ? [a.split("=")] : []);
if (bins.length === 0) bins.push(["this", join(ROOT, "dist/director")]);
const workers = arg("--workers", "1,2").split(",").map(Number);
const windows = Number(arg("--windows", "4"));
const seconds = Number(arg("--seconds", "4"));
const reps = Number(arg("--reps", "3"));
const close = arg("--load", "close") === "close";

const tools = await ensureTools(console.log);
const dir = await Deno.makeTempDir({ prefix: "director-thread-cpu-" });
/** µs per request, by key `bin wN`, window, then group: one sample per repetition. */
const results = new Map<string, Record<Group | "total", number>[][]>();
try {
  const [http, iperf] = freePorts(2);
  await startBackends(tools, dir, { http, iperf });
  for (let rep = 1; rep <= reps; rep++) {
    for (const [name, bin] of bins) {
      for (const w of workers) {
        const key = `${name} w${w}`;
        const [ph, pi] = freePorts(2);
        const config = join(dir, "director.xml");
        Deno.writeTextFileSync(config, directorConfig({ http: ph, iperf: pi }, { http, iperf }));
        const proc = new Proc(key, [bin, "--workers", String(w), "--config", config], WORKERS_CPUS);
        await proc.waitFor(/event=started/, 20_000);
        await wrk(tools, ph, { close: false, seconds: 1, conns: 50 }).catch(() => {});
        const row = results.get(key) ?? [];
        results.set(key, row);
        for (let n = 0; n < windows; n++) {
          const before = threadTicks(proc.pid);
          const r = await wrk(tools, ph, { close, seconds, conns: 50 });
          const after = threadTicks(proc.pid);
          const us = (g: Group) => (after[g] - before[g]) * 1e4 / r.requests;
          const sample = { js: us("js"), jit: us("jit"), other: us("other"), total: 0 };
          sample.total = sample.js + sample.jit + sample.other;
          (row[n] ??= []).push(sample);
          console.log(`rep ${rep} ${key} window ${n + 1}: ${sample.total.toFixed(1)} µs`);
        }
        await proc.stop(1500);
      }
    }
  }
} finally {
  await stopAll();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`\nCPU µs per ${close ? "new connection" : "keep-alive request"}, median of ${reps}`);
console.log(`(window: total = JS threads + JIT compiler threads + other)`);
for (const [key, row] of results) {
  const cells = row.map((samples) => {
    const m = (g: Group | "total") => median(samples.map((s) => s[g])).toFixed(0);
    return `${m("total")} = ${m("js")}+${m("jit")}+${m("other")}`;
  });
  console.log(`${key.padEnd(12)} ${cells.join(" | ")}`);
}
