/**
 * One measurement each: bulk throughput (iperf3), new connections per
 * second and keep-alive requests per second (wrk), memory per idle
 * connection (a pinned opener script and /proc). All load runs on the load
 * CPU; every run is bounded in time.
 *
 * @module
 */
import { join } from "node:path";
import { LOAD_CPU, ROOT } from "./candidates.ts";
import { cpuSeconds, fdCount, Proc, rssKiB, runTool, sleep, treePids } from "./proc.ts";
import type { Tools } from "./setup.ts";

/** Bulk throughput through one iperf3 stream (`reverse`: server → client). */
export async function iperf(
  tools: Tools,
  port: number,
  reverse: boolean,
  seconds: number,
): Promise<{ gbps: number; bytes: number }> {
  const argv = [tools.iperf3, "-c", "127.0.0.1", "-p", String(port), "-t", String(seconds), "-J"];
  argv.push("--connect-timeout", "3000");
  if (reverse) argv.push("-R");
  const r = await runTool(argv, { cpu: LOAD_CPU, timeoutMs: seconds * 1000 + 15_000 });
  if (r.timedOut) throw new Error(`iperf3 timed out`);
  let json;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`iperf3: ${r.output.trim().split("\n").at(-1)}`);
  }
  if (json.error) throw new Error(`iperf3: ${json.error}`);
  const sum = json.end?.sum_received;
  if (typeof sum?.bits_per_second !== "number") throw new Error("iperf3: no sum_received");
  return { gbps: sum.bits_per_second / 1e9, bytes: sum.bytes };
}

export interface WrkResult {
  rps: number;
  p99Ms: number;
  requests: number;
  /** Socket errors and non-2xx responses, when there were any. */
  errors?: string;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** Parse wrk's text output (with `--latency`). */
export function parseWrk(text: string): WrkResult {
  const rps = Number(text.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
  if (!Number.isFinite(rps)) throw new Error(`wrk: ${text.trim().split("\n").at(-1)}`);
  const p99 = text.match(/^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$/m);
  const requests = Number(text.match(/(\d+) requests in/)?.[1] ?? 0);
  const problems: string[] = [];
  const sock = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  if (sock) {
    problems.push(
      `socket errors: connect ${sock[1]} read ${sock[2]} write ${sock[3]} timeout ${sock[4]}`,
    );
  }
  const non2xx = text.match(/Non-2xx or 3xx responses: (\d+)/);
  if (non2xx) problems.push(`${non2xx[1]} non-2xx`);
  return {
    rps,
    p99Ms: p99 ? Number(p99[1]) * UNIT_MS[p99[2]] : NaN,
    requests,
    errors: problems.length > 0 ? `${problems.join(", ")} (of ${requests})` : undefined,
  };
}

/** HTTP load: `close` makes every request a new TCP connection through the proxy. */
export async function wrk(
  tools: Tools,
  port: number,
  options: { close: boolean; seconds: number; conns: number },
): Promise<WrkResult> {
  const argv = [tools.wrk, "-t1", `-c${options.conns}`, `-d${options.seconds}s`, "--timeout", "2s"];
  argv.push("--latency");
  if (options.close) argv.push("-H", "Connection: close");
  argv.push(`http://127.0.0.1:${port}/`);
  const r = await runTool(argv, { cpu: LOAD_CPU, timeoutMs: options.seconds * 1000 + 15_000 });
  if (r.timedOut) throw new Error("wrk timed out");
  return parseWrk(r.output);
}

export interface IdleResult {
  /** (RSS after − RSS before) ÷ connections, KiB. */
  perConnKiB: number;
  opened: number;
  /** Descriptors the proxy gained (2 per connection expected: client + backend). */
  fdDelta: number;
}

/** Open `count` idle connections through `proxy` on `port`; RSS difference per connection. */
export async function idleMemory(proxy: Proc, port: number, count: number): Promise<IdleResult> {
  const fd0 = fdCount(treePids(proxy.pid));
  const before = rssKiB(treePids(proxy.pid));
  const opener = new Proc(
    "idle opener",
    [Deno.execPath(), "run", "-A", join(ROOT, "bench/idle_conns.ts"), String(port), String(count)],
    LOAD_CPU,
  );
  try {
    const m = await opener.waitFor(/OPEN (\d+) FAILED (\d+)/, 30_000);
    const opened = Number(m[1]);
    if (opened === 0) throw new Error(`no connection opened (${m[0]})`);
    // Wait until the proxy holds both sides of every connection (or 5 s).
    let fdDelta = 0;
    for (let i = 0; i < 100; i++) {
      fdDelta = fdCount(treePids(proxy.pid)) - fd0;
      if (fdDelta >= 2 * opened) break;
      await sleep(50);
    }
    await sleep(500);
    const after = rssKiB(treePids(proxy.pid));
    fdDelta = fdCount(treePids(proxy.pid)) - fd0;
    return { perConnKiB: (after - before) / opened, opened, fdDelta };
  } finally {
    await opener.write("close\n");
    const timer = setTimeout(() => void opener.stop(1000), 10_000);
    await opener.exited;
    clearTimeout(timer);
    // Let the proxy release them before the next figure (bounded).
    for (let i = 0; i < 100 && fdCount(treePids(proxy.pid)) > fd0 + 16; i++) await sleep(50);
  }
}

/** RSS of the proxy's whole process tree (nginx: master + worker), MiB. */
export function rssMiB(proxy: Proc): number {
  return rssKiB(treePids(proxy.pid)) / 1024;
}

/** CPU seconds the proxy's process tree has used so far (0 without a proxy). */
export function proxyCpu(proxy: Proc | undefined): number {
  return proxy ? cpuSeconds(treePids(proxy.pid)) : NaN;
}
