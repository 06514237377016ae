/**
 * The measurements of the control-plane benchmark against one running
 * Director: reloads (SIGHUP and the admin call, with nothing or one host
 * changed), the admin pages, `addHost`, RSS over many reloads and the
 * worst round trip of an echo connection held through those reloads.
 *
 * Every step runs against a {@linkcode Deadline}; a step that overruns it
 * is recorded as "> T s" and the run goes on.
 *
 * @module
 */
import { type AdminClient, EchoProbe } from "./control_probes.ts";
import { median } from "./report.ts";
import { type Proc, rssKiB, sleep, treePids } from "./proc.ts";

/** One figure of one size and runtime. */
export type Cell =
  | { value: number }
  | { over: number }
  | { error: string };

/** A step ran out of its time. */
export class StepTimeout extends Error {}

/** The time a step may take; waits inside it take the smaller of their own limit and what is left. */
export class Deadline {
  readonly #end: number;
  constructor(readonly seconds: number) {
    this.#end = performance.now() + seconds * 1000;
  }
  get expired(): boolean {
    return performance.now() >= this.#end;
  }
  /** `max` ms, or what is left if less; throws {@linkcode StepTimeout} once nothing is. */
  ms(max: number): number {
    const left = this.#end - performance.now();
    if (left <= 0) throw new StepTimeout();
    return Math.min(max, left);
  }
}

/** Run `fn` within `seconds`; its values become cells (a timeout or error fills every key). */
export async function step(
  keys: string[],
  seconds: number,
  fn: (d: Deadline) => Promise<number[]>,
): Promise<Record<string, Cell>> {
  const deadline = new Deadline(seconds);
  try {
    const values = await fn(deadline);
    return Object.fromEntries(keys.map((k, i) => [k, { value: values[i] }]));
  } catch (error) {
    const cell: Cell = error instanceof StepTimeout || deadline.expired
      ? { over: seconds }
      : { error: (error as Error).message.split("\n")[0].slice(0, 160) };
    return Object.fromEntries(keys.map((k) => [k, cell]));
  }
}

/** A running Director and what the steps need to drive it. */
export interface Session {
  proc: Proc;
  admin: AdminClient;
  configPath: string;
  /** The config as started, and the same with one host changed. */
  xml: string;
  changedXml: string;
  echoPort: number;
}

/** SIGHUP and wait for `event=reloaded`; ms from the signal to the log line. */
export async function sighupReload(s: Session, d: Deadline): Promise<{ ms: number; line: string }> {
  const next = s.proc.nextLine(/event=(reloaded|reload_failed)\b/, d.ms(120_000));
  const t0 = performance.now();
  s.proc.signal("SIGHUP");
  const { line, at } = await next;
  if (line.includes("event=reload_failed")) throw new Error(`reload failed: ${line.slice(25)}`);
  return { ms: at - t0, line };
}

/** Median of `n` SIGHUP reloads with nothing changed, ms. */
export async function reloadUnchanged(s: Session, n: number, d: Deadline): Promise<number[]> {
  const times = [];
  for (let i = 0; i < n; i++) times.push((await sighupReload(s, d)).ms);
  return [median(times)];
}

/** Median latency of `n` `reload` admin calls with nothing changed, ms. */
export async function reloadByAdmin(s: Session, n: number, d: Deadline): Promise<number[]> {
  const times = [];
  for (let i = 0; i < n; i++) times.push((await s.admin.ok("/reload", d.ms(120_000))).ms);
  return [median(times)];
}

/** Write the config with (or without) the one changed host and reload it by SIGHUP. */
async function reloadToggled(s: Session, changed: boolean, d: Deadline): Promise<number> {
  Deno.writeTextFileSync(s.configPath, changed ? s.changedXml : s.xml);
  const { ms, line } = await sighupReload(s, d);
  if (!/changes=[1-9]/.test(line)) throw new Error(`reload applied no change: ${line.slice(25)}`);
  return ms;
}

/** Median of `n` SIGHUP reloads that each move one host; the file is the original again after. */
export async function reloadOneHost(s: Session, n: number, d: Deadline): Promise<number[]> {
  const times = [];
  for (let i = 0; i < n; i++) times.push(await reloadToggled(s, i % 2 === 0, d));
  if (n % 2 === 1) await reloadToggled(s, false, d);
  return [median(times)];
}

/** The first and the median time of `n` GETs of `path`, ms, and the size of the answer, KiB. */
export async function page(s: Session, path: string, n: number, d: Deadline): Promise<number[]> {
  const times = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const r = await s.admin.ok(path, d.ms(120_000));
    times.push(r.ms);
    bytes = r.bytes;
  }
  return [times[0], median(times), bytes / 1024];
}

/** Median latency of `n` `addHost` calls (new hosts in svc0), ms. */
export async function addHosts(s: Session, n: number, d: Deadline): Promise<number[]> {
  const times = [];
  for (let i = 0; i < n; i++) {
    const query = `service=svc0&group=main&name=bench-added-${i}&ip=127.0.2.${1 + i}:9`;
    times.push((await s.admin.ok(`/addHost?${query}`, d.ms(60_000))).ms);
  }
  return [median(times)];
}

/**
 * `n` SIGHUP reloads (alternately moving one host and moving it back), each
 * awaited, with an echo connection held through Director the whole time.
 * Returns RSS before and after (MiB, each settled), the worst echo round trip during the
 * reloads and, for reference, during 1 s without reloads before them (ms).
 */
export async function reloadsUnderEcho(s: Session, n: number, d: Deadline): Promise<number[]> {
  const before = await settledRssMiB(s.proc.pid);
  const probe = await EchoProbe.open(s.echoPort);
  try {
    await sleep(1000);
    const quiet = probe.result;
    if (quiet.lost || quiet.count === 0) throw new Error(`echo: ${quiet.lost ?? "no round trip"}`);
    probe.reset();
    for (let i = 0; i < n; i++) {
      await reloadToggled(s, i % 2 === 0, d);
      if (probe.result.lost) throw new Error(`echo connection lost: ${probe.result.lost}`);
    }
    if (n % 2 === 1) await reloadToggled(s, false, d);
    const during = probe.result;
    if (during.lost) throw new Error(`echo connection lost: ${during.lost}`);
    return [before, await settledRssMiB(s.proc.pid), during.maxMs, quiet.maxMs];
  } finally {
    await probe.close();
  }
}

/**
 * `n` more SIGHUP reloads like the series before, without the echo; the
 * settled RSS after them (MiB). The binary's RSS rises over its first tens
 * of reloads to a level it then keeps (its allocators' working set, not a
 * leak): this second series shows whether the first one ended there.
 */
export async function reloadsAgain(s: Session, n: number, d: Deadline): Promise<number[]> {
  for (let i = 0; i < n; i++) await reloadToggled(s, i % 2 === 0, d);
  if (n % 2 === 1) await reloadToggled(s, false, d);
  return [await settledRssMiB(s.proc.pid)];
}

/** How long RSS is watched for its settled value. */
const SETTLE_MS = 40_000;

/**
 * The lowest RSS of the process tree over {@linkcode SETTLE_MS} of quiet
 * (MiB): a runtime hands freed memory back some seconds after the work, so
 * a sample taken at once measures the garbage of the last reload rather
 * than what it kept. Measured under Deno after a series of reloads of
 * 20,000 hosts, it comes back in steps: the loader thread ends 5 s after
 * the last load, then V8's memory reducer gives back the rest in rounds
 * about 8 s apart (after 20 reloads 306 → 196 → 115 MiB at 15 and 25 s;
 * after 100, 311 → 222 → 108 at 15 and 30 s; 158 after start), so 15 s of
 * watching caught only the first round.
 */
async function settledRssMiB(pid: number): Promise<number> {
  let low = Infinity;
  for (const end = Date.now() + SETTLE_MS; Date.now() < end; await sleep(500)) {
    low = Math.min(low, rssKiB(treePids(pid)) / 1024);
  }
  return low;
}
