/**
 * A probe for the echo stall during reloads, quicker than the whole
 * control-plane benchmark: starts Director (Deno, or `--binary`) with a
 * generated config of `--services` × 20 hosts plus an echo service, holds
 * one connection through it sending 4 bytes every 10 ms, sends `--reloads`
 * SIGHUPs (each awaited, alternately moving one host and back) and prints
 * the worst round trip per reload and overall, with RSS before and after.
 *
 * ```sh
 * deno run -A bench/reload_stall.ts [--binary] [--services 1000] [--reloads 20] [--workers 2] [--pause S] [--settle S]
 * ```
 *
 * `--settle S` then prints RSS every 5 s for S seconds (where memory after
 * the reloads goes back to).
 *
 * `--lag` also runs Director with `bench/lag_preload.ts` (Deno only), which
 * logs every main-thread event-loop gap over 15 ms with the CPU time the main
 * thread ran in it (the rest it waited for a core), printed at the end with
 * the `event=reload…` lines; `--trace-gc` writes V8's GC trace to
 * `/tmp/stall-gc.txt`. On a loaded machine the wall-clock gaps are mostly
 * waiting: the `cpu_ms` of the gaps and the CPU per reload are the figures
 * that compare.
 *
 * @module
 */
import { join } from "node:path";
import { PROXY_CPU, ROOT } from "./candidates.ts";
import { EchoProbe, startEchoBackend } from "./control_probes.ts";
import { echoServiceXml, withOneHostChanged } from "./control_configs.ts";
import { cpuSeconds, freePorts, Proc, rssKiB, sleep, treePids } from "./proc.ts";
import { bigConfig } from "../test/support/big_config.ts";

const args = Deno.args;
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const services = opt("--services", 1000);
const reloads = opt("--reloads", 20);
const workers = opt("--workers", 1);
/** Seconds of quiet before each reload (`--pause 7`: every reload finds the loader ended). */
const pause = opt("--pause", 0);
/** Seconds to watch RSS after the series. */
const settle = opt("--settle", 0);

const echo = startEchoBackend();
const [echoListen] = freePorts(1);
// The services listen on an address of their own, where ports are free whatever else runs.
const listenHost = `127.0.${100 + Math.floor(Math.random() * 100)}.1`;
const base = 20000 + Math.floor(Math.random() * (12000 - services));
const extraXml = echoServiceXml(echoListen, echo.port);
const xml = bigConfig({ services, hostsPerService: 20, basePort: base, listenHost, extraXml });
const dir = Deno.makeTempDirSync({ prefix: "director-stall-" });
const path = join(dir, "director.xml");
Deno.writeTextFileSync(path, xml);
const changed = withOneHostChanged(xml);

const gcTrace = args.includes("--trace-gc")
  ? ["sh", "-c", 'exec stdbuf -oL "$@" >/tmp/stall-gc.txt', "sh"]
  : [];
const argv = args.includes("--binary") ? [join(ROOT, "dist/director")] : [
  ...gcTrace,
  Deno.execPath(),
  "run",
  "-A",
  ...(args.includes("--lag") ? ["--preload", join(ROOT, "bench/lag_preload.ts")] : []),
  ...(gcTrace.length ? ["--v8-flags=--trace-gc"] : []),
  join(ROOT, "src/main.ts"),
];
const runArgs = [...argv, "--config", path, ...(workers > 1 ? ["--workers", String(workers)] : [])];
const proc = new Proc("director", runArgs, workers > 1 ? undefined : PROXY_CPU, ROOT);
try {
  await proc.nextLine(/event=started/, 120_000);
  const probe = await EchoProbe.open(echoListen);
  await sleep(1000);
  console.log(`quiet: worst ${probe.result.maxMs.toFixed(1)} ms`);
  const rssBefore = rssKiB(treePids(proc.pid)) / 1024;
  const worst: number[] = [];
  const cpu0 = cpuSeconds(treePids(proc.pid));
  for (let i = 0; i < reloads; i++) {
    if (pause > 0) await sleep(pause * 1000);
    Deno.writeTextFileSync(path, i % 2 === 0 ? changed : xml);
    probe.reset();
    const t0 = performance.now();
    const done = proc.nextLine(/event=(reloaded|reload_failed)/, 120_000);
    Deno.kill(proc.pid, "SIGHUP");
    const { line } = await done;
    const ms = performance.now() - t0;
    await sleep(100);
    worst.push(probe.result.maxMs);
    const gap = line.includes("reload_failed") ? ` FAILED ${line}` : "";
    console.log(
      `reload ${i}: ${ms.toFixed(0)} ms, worst echo ${probe.result.maxMs.toFixed(1)}${gap}`,
    );
  }
  const cpuMs = (cpuSeconds(treePids(proc.pid)) - cpu0) * 1000 / reloads;
  console.log(
    `Director CPU per reload (the 100 ms pause after each included): ${cpuMs.toFixed(0)} ms`,
  );
  const sorted = [...worst].sort((a, b) => a - b);
  console.log(
    `worst echo over ${reloads} reloads: max ${sorted.at(-1)?.toFixed(1)} ms, median ${
      sorted[Math.floor(sorted.length / 2)]?.toFixed(1)
    } ms; RSS ${rssBefore.toFixed(0)} → ${(rssKiB(treePids(proc.pid)) / 1024).toFixed(0)} MiB`,
  );
  const samples: string[] = [];
  for (let waited = 0; waited < settle; waited += 5) {
    await sleep(5000);
    samples.push(`${waited + 5} s: ${(rssKiB(treePids(proc.pid)) / 1024).toFixed(0)}`);
  }
  if (samples.length) console.log(`RSS after the series (MiB): ${samples.join(", ")}`);
  await probe.close();
} finally {
  if (args.includes("--lag")) {
    for (const line of proc.output.split("\n")) {
      if (/loop_gap|event=reload/.test(line)) {
        console.log(line.replace(/^\S+ /, ""));
      }
    }
  }
  await proc.stop();
  echo.close();
  Deno.removeSync(dir, { recursive: true });
}
