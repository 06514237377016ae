/**
 * One repetition of one candidate: start it fresh, take every figure, stop
 * it. The order is fixed: RSS at start, memory per idle connection (before
 * any load has grown the heap), a warm-up of each HTTP load measured, bulk →, bulk ←, new
 * connections, keep-alive. Around each load the proxy's CPU time is read,
 * giving its CPU cost per unit of work (the figure least disturbed by
 * other load on the machine). A failed figure is recorded as NaN with a
 * note; a candidate that does not start in repetition 1 is marked
 * unavailable with the reason.
 *
 * @module
 */
import type { Candidate } from "./candidates.ts";
import { idleMemory, iperf, proxyCpu, rssMiB, wrk } from "./measure.ts";
import { type Proc, sleep } from "./proc.ts";
import type { Samples } from "./report.ts";
import type { Tools } from "./setup.ts";

/** Durations and sizes of one run. */
export interface Profile {
  reps: number;
  iperfS: number;
  wrkS: number;
  warmupS: number;
  wrkConns: number;
  idleConns: number;
  budgetS: number;
  /** Which loads to run (all by default): "idle", "bulk", "close", "keepalive". */
  loads: string[];
}

/** The loads this candidate takes: the run's, narrowed to the candidate's own list. */
export function candidateLoads(profile: Profile, c: Candidate): string[] {
  return profile.loads.filter((load) => !c.loads || c.loads.includes(load));
}

export interface RepContext {
  tools: Tools;
  profile: Profile;
  samples: Samples;
  notes: string[];
  /** Proxies running now, so a Ctrl-C can stop them. */
  running: Set<Proc>;
  log: (line: string) => void;
}

export async function runRepetition(ctx: RepContext, c: Candidate, rep: number): Promise<void> {
  const { tools, notes, log } = ctx;
  const p = { ...ctx.profile, loads: candidateLoads(ctx.profile, c) };
  const s = ctx.samples[c.id];
  const put = (key: string, value: number) => s[key][rep - 1] = value;
  const record = async (keys: string[], what: string, fn: () => Promise<number[]>) => {
    try {
      const values = await fn();
      keys.forEach((k, i) => put(k, values[i]));
      log(`  ${what}: ${values.map((v) => +v.toFixed(2)).join(" / ")}`);
    } catch (error) {
      keys.forEach((k) => put(k, NaN));
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
        ctx.running.add(proc);
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
      if (p.loads.includes("idle")) {
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
    }
    await warmUp(tools, c, p);

    for (const reverse of p.loads.includes("bulk") ? [false, true] : []) {
      const keys = reverse ? ["bulkDown"] : ["bulkUp", "cpuBulk"];
      await record(keys, `bulk ${reverse ? "←" : "→"} Gbit/s`, async () => {
        const cpu0 = proxyCpu(proc);
        const r = await iperf(tools, c.ports.iperf, reverse, p.iperfS);
        return [r.gbps, ((proxyCpu(proc) - cpu0) * 1000) / (r.bytes / 1e9)];
      });
    }
    const httpLoads = [true, false].filter((close) =>
      p.loads.includes(close ? "close" : "keepalive")
    );
    for (const close of httpLoads) {
      const keys = close ? ["connRate", "cpuConn"] : ["kaRate", "kaP99", "cpuReq"];
      const what = close ? "new conn/s" : "keep-alive req/s, p99 ms";
      await record(keys, what, async () => {
        const cpu0 = proxyCpu(proc);
        const r = await wrk(tools, c.ports.http, { close, seconds: p.wrkS, conns: p.wrkConns });
        const cpuUs = ((proxyCpu(proc) - cpu0) * 1e6) / r.requests;
        if (r.errors) {
          notes.push(`rep ${rep} ${c.label} ${close ? "close" : "keep-alive"}: ${r.errors}`);
        }
        return close ? [r.rps, cpuUs] : [r.rps, r.p99Ms, cpuUs];
      });
    }
    if (proc && !proc.alive) {
      notes.push(`rep ${rep} ${c.label} exited during the run: ${proc.errorLine()}`);
    }
  } finally {
    if (proc) {
      await proc.stop();
      ctx.running.delete(proc);
    }
  }
}

/**
 * Run each HTTP load the repetition will measure for `warmupS` seconds,
 * unmeasured, before any figure is taken. A JIT-compiled proxy (V8,
 * JavaScriptCore) spends its first thousands of connections compiling the
 * accept → connect path on background threads, CPU that the proxy's figures
 * would otherwise count; a long-running balancer has paid it long before.
 * Every candidate gets the same warm-up, so HAProxy and nginx (nothing to
 * compile) lose nothing by it.
 */
async function warmUp(tools: Tools, c: Candidate, p: Profile): Promise<void> {
  const closes = [false, true].filter((close) => p.loads.includes(close ? "close" : "keepalive"));
  for (const close of closes.length > 0 ? closes : [false]) {
    const seconds = p.warmupS * (c.warmupTimes ?? 1);
    await wrk(tools, c.ports.http, { close, seconds, conns: p.wrkConns })
      .catch(() => {});
  }
}
