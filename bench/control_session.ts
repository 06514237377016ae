/**
 * One runtime at one config size in the control-plane benchmark: `--check`,
 * then start Director, take every step of `control_steps.ts` in a fixed
 * order (the reload series before the pages, so its RSS is not the pages'
 * garbage; `addHost` last, as a reload would undo its run-time changes)
 * and stop it by PID. A Director that does not start gets that
 * reason in every later figure.
 *
 * @module
 */
import { PROXY_CPU, ROOT } from "./candidates.ts";
import type { AdminClient } from "./control_probes.ts";
import {
  addHosts,
  type Cell,
  type Deadline,
  page,
  reloadByAdmin,
  reloadOneHost,
  reloadsAgain,
  reloadsUnderEcho,
  reloadUnchanged,
  type Session,
  step,
} from "./control_steps.ts";
import type { ControlProfile } from "./control.ts";
import { CONTROL_FIGURES } from "./control_report.ts";
import { Proc, rssKiB, runTool, treePids } from "./proc.ts";
import { median } from "./report.ts";

export interface RuntimeSpec {
  id: string;
  label: string;
  /** How to run Director; undefined when it cannot run here. */
  argv?: string[];
  unavailable?: string;
}

export interface RuntimeContext {
  configPath: string;
  xml: string;
  changedXml: string;
  echoPort: number;
  admin: AdminClient;
  profile: ControlProfile;
  running: Set<Proc>;
  notes: string[];
  log: (line: string) => void;
}

/** Seconds each step may take. */
const LIMIT_S = { check: 180, start: 120, reloads: 180, pages: 120, series: 600, addHost: 120 };

/** Median wall time of three `--check` runs, s. */
function check(argv: string[], configPath: string) {
  return step(["check"], LIMIT_S.check, async (d) => {
    const times = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = await runTool([...argv, "--check", "--config", configPath], {
        cpu: PROXY_CPU,
        cwd: ROOT,
        timeoutMs: d.ms(60_000),
      });
      if (r.timedOut) throw new Error("--check timed out");
      if (r.code !== 0) throw new Error(`--check: ${r.output.trim().split("\n").at(-1)}`);
      times.push((performance.now() - t0) / 1000);
    }
    return [median(times)];
  });
}

export async function runRuntime(
  rt: RuntimeSpec,
  ctx: RuntimeContext,
): Promise<Record<string, Cell>> {
  const argv = rt.argv!;
  const p = ctx.profile;
  const cells: Record<string, Cell> = { ...await check(argv, ctx.configPath) };
  const t0 = performance.now();
  const proc = new Proc(rt.label, [...argv, "--config", ctx.configPath], PROXY_CPU, ROOT);
  ctx.running.add(proc);
  try {
    Object.assign(
      cells,
      await step(["start"], LIMIT_S.start, async (d) => {
        const { line, at } = await proc.nextLine(/event=(started|start_failed)\b/, d.ms(120_000));
        if (line.includes("event=start_failed")) throw new Error(line.slice(25));
        return [(at - t0) / 1000];
      }),
    );
    if (!("value" in cells.start)) {
      const reason = "error" in cells.start ? cells.start.error : "did not start in time";
      ctx.notes.push(`${rt.label}, ${ctx.configPath}: did not start: ${reason}`);
      for (const f of CONTROL_FIGURES) cells[f.key] ??= { error: "did not start" };
      return cells;
    }
    const s: Session = { proc, ...ctx };
    const take = async (keys: string[], seconds: number, fn: Parameters<typeof step>[2]) => {
      ctx.log(`  ${keys.join(", ")}`);
      Object.assign(cells, await step(keys, seconds, fn));
      if (!proc.alive) ctx.notes.push(`${rt.label} exited during ${keys[0]}: ${proc.errorLine()}`);
    };
    // The first admin call pays bcrypt once (later ones hit the verified-login cache).
    await take(["rssStart"], 60, async (d) => {
      await s.admin.ok("/api/v1/status", d.ms(60_000));
      return [rssKiB(treePids(proc.pid)) / 1024];
    });
    await take(["reloadSame"], LIMIT_S.reloads, (d) => reloadUnchanged(s, p.reps, d));
    await take(["reloadAdmin"], LIMIT_S.reloads, (d) => reloadByAdmin(s, p.reps, d));
    await take(["reloadOne"], LIMIT_S.reloads, (d) => reloadOneHost(s, p.reps, d));
    await take(
      ["rssBefore", "rssAfter", "echoMax", "echoQuiet"],
      LIMIT_S.series,
      (d) => reloadsUnderEcho(s, p.series, d),
    );
    await take(["rssAgain"], LIMIT_S.series, (d) => reloadsAgain(s, p.series, d));
    const pages = (path: string) => (d: Deadline) => page(s, path, p.reps, d);
    await take(["runningFirst", "running", "runningKiB"], LIMIT_S.pages, pages("/running"));
    await take(["metricsFirst", "metrics", "metricsKiB"], LIMIT_S.pages, pages("/metrics"));
    await take(["runningTxt"], LIMIT_S.pages, async (d) => {
      const [_first, median] = await page(s, "/running.txt", p.reps, d);
      return [median];
    });
    await take(["addHost"], LIMIT_S.addHost, (d) => addHosts(s, p.addHosts, d));
    return cells;
  } finally {
    await proc.stop();
    ctx.running.delete(proc);
  }
}
