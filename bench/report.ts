/**
 * The figures, their medians over repetitions, and the markdown report:
 * a summary table (absolute value, ratio to HAProxy, ratio to direct), the
 * raw repetitions with their spread, and the notes of the run.
 *
 * @module
 */

export interface Figure {
  key: string;
  /** Column heading, unit included. */
  title: string;
  /** Which way is better (for the reader; ratios are always value ÷ reference). */
  better: "higher" | "lower";
  digits: number;
  /** Does "direct" (no proxy) have this figure? */
  direct: boolean;
  /** "main" table, or "cpu": the proxy's CPU cost per unit of work. */
  table: "main" | "cpu";
}

const main = { table: "main" } as const;
const cpu = { table: "cpu", better: "lower", direct: false } as const;

export const FIGURES: Figure[] = [
  { ...main, key: "bulkUp", title: "bulk → Gbit/s", better: "higher", digits: 2, direct: true },
  {
    ...main,
    key: "bulkDown",
    title: "bulk ← (-R) Gbit/s",
    better: "higher",
    digits: 2,
    direct: true,
  },
  { ...main, key: "connRate", title: "new conn/s", better: "higher", digits: 0, direct: true },
  { ...main, key: "kaRate", title: "keep-alive req/s", better: "higher", digits: 0, direct: true },
  { ...main, key: "kaP99", title: "keep-alive p99 ms", better: "lower", digits: 2, direct: true },
  { ...main, key: "idleKiB", title: "KiB / idle conn", better: "lower", digits: 1, direct: false },
  {
    ...main,
    key: "startMiB",
    title: "RSS at start MiB",
    better: "lower",
    digits: 1,
    direct: false,
  },
  { ...cpu, key: "cpuBulk", title: "CPU ms / GB bulk →", digits: 0 },
  { ...cpu, key: "cpuConn", title: "CPU µs / new conn", digits: 1 },
  { ...cpu, key: "cpuReq", title: "CPU µs / keep-alive req", digits: 1 },
];

/** samples[candidateId][figureKey] = one value per repetition (NaN = failed). */
export type Samples = Record<string, Record<string, number[]>>;

export function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function fmt(value: number, digits: number): string {
  if (!Number.isFinite(value)) return "—";
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function ratio(value: number, ref: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(ref) || ref === 0) return "—";
  return `${value / ref >= 10 ? (value / ref).toFixed(1) : (value / ref).toFixed(2)}×`;
}

export interface Row {
  id: string;
  label: string;
  /** Set when the candidate could not run: the reason. */
  unavailable?: string;
  /** The id of the bare relay that is this row's ceiling (Director rows). */
  ceiling?: string;
}

/** A summary: rows = candidates; each cell "value (ratio to HAProxy, ratio to direct)". */
export function summaryTable(rows: Row[], samples: Samples, table: Figure["table"]): string {
  const figures = FIGURES.filter((f) => f.table === table);
  const med = (id: string, key: string) => median(samples[id]?.[key] ?? []);
  const head = ["candidate", ...figures.map((f) => f.title)];
  const lines = [
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
  ];
  for (const row of rows) {
    if (table === "cpu" && row.id === "direct") continue;
    if (row.unavailable) {
      lines.push(`| ${row.label} | not available: ${row.unavailable.replaceAll("|", "\\|")} |`);
      continue;
    }
    const cells = figures.map((f) => {
      const v = med(row.id, f.key);
      if (!Number.isFinite(v)) return "—";
      const refs = [
        row.id === "haproxy" ? "" : `H ${ratio(v, med("haproxy", f.key))}`,
        row.id === "direct" || !f.direct ? "" : `D ${ratio(v, med("direct", f.key))}`,
      ].filter((r) => r !== "" && !r.endsWith("—"));
      return refs.length > 0 ? `${fmt(v, f.digits)} (${refs.join(", ")})` : fmt(v, f.digits);
    });
    lines.push(`| ${row.label} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/**
 * Each Director row ÷ its runtime's bare relay, for every figure: how much
 * of the runtime's own ceiling Director reaches (rates: higher is better,
 * under 1× is the price of Director; costs: lower is better).
 */
export function ceilingTable(rows: Row[], samples: Samples): string {
  const med = (id: string, key: string) => median(samples[id]?.[key] ?? []);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const head = ["Director ÷ its bare relay", ...FIGURES.map((f) => f.title)];
  const lines = [
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
  ];
  for (const row of rows) {
    const bare = row.ceiling ? byId.get(row.ceiling) : undefined;
    if (!bare) continue;
    const name = `${row.label} ÷ ${bare.label}`;
    if (row.unavailable || bare.unavailable) {
      lines.push(`| ${name} | not available: ${(row.unavailable ?? bare.unavailable)!} |`);
      continue;
    }
    const cells = FIGURES.map((f) => ratio(med(row.id, f.key), med(bare.id, f.key)));
    lines.push(`| ${name} | ${cells.join(" | ")} |`);
  }
  return lines.length > 2 ? lines.join("\n") : "(no Director row with its bare relay in this run)";
}

/** The ids of the multi-core rows, in table order. */
export const MULTI_CORE_IDS = ["haproxy-2t", "workers1", "workers2"];
/** The goal: a second worker may cost at most this much more CPU per connection. */
export const WORKERS_CPU_GOAL = 1.1;

/**
 * HAProxy with 2 threads beside Director with 1 and 2 workers, all on both
 * cores, and the ratio workers2 ÷ workers1 of CPU per connection (the cost
 * of the state the workers share), against {@linkcode WORKERS_CPU_GOAL}.
 */
export function multiCoreTable(rows: Row[], samples: Samples): string {
  const med = (id: string, key: string) => median(samples[id]?.[key] ?? []);
  const keys = ["connRate", "kaRate", "cpuConn", "cpuReq"];
  const figures = keys.map((k) => FIGURES.find((f) => f.key === k)!);
  const head = ["candidate (cores 0-1)", ...figures.map((f) => f.title)];
  const lines = [
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
  ];
  const present = MULTI_CORE_IDS.map((id) => rows.find((r) => r.id === id)).filter((r) => !!r);
  if (present.length === 0) return "(no multi-core row in this run)";
  for (const row of present) {
    if (row.unavailable) {
      lines.push(`| ${row.label} | not available: ${row.unavailable.replaceAll("|", "\\|")} |`);
      continue;
    }
    const cells = figures.map((f) => {
      const v = med(row.id, f.key);
      const h = row.id === "haproxy-2t" ? "—" : ratio(v, med("haproxy-2t", f.key));
      return h === "—" ? fmt(v, f.digits) : `${fmt(v, f.digits)} (H2 ${h})`;
    });
    lines.push(`| ${row.label} | ${cells.join(" | ")} |`);
  }
  const cpu = med("workers2", "cpuConn") / med("workers1", "cpuConn");
  const rate = med("workers2", "connRate") / med("workers1", "connRate");
  if (Number.isFinite(cpu)) {
    const verdict = cpu <= WORKERS_CPU_GOAL ? "met" : "not met";
    lines.push(
      "",
      `workers2 ÷ workers1: CPU µs / new conn **${cpu.toFixed(2)}×** (goal ≤ ${
        WORKERS_CPU_GOAL.toFixed(2)
      }×: ${verdict}); new conn/s ${rate.toFixed(2)}×.`,
    );
  }
  return lines.join("\n");
}

/** Every repetition, and the spread (max − min) ÷ median, so the noise is visible. */
export function rawTable(rows: Row[], samples: Samples, reps: number): string {
  const head = ["figure", "candidate", ...Array.from({ length: reps }, (_, i) => `rep ${i + 1}`)];
  head.push("median", "spread");
  const lines = [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`];
  for (const f of FIGURES) {
    for (const row of rows) {
      const values = samples[row.id]?.[f.key];
      if (row.unavailable || !values || values.length === 0) continue;
      const ok = values.filter(Number.isFinite);
      const m = median(values);
      const spread = ok.length > 1 && m !== 0
        ? `${((100 * (Math.max(...ok) - Math.min(...ok))) / Math.abs(m)).toFixed(0)}%`
        : "—";
      const cells = Array.from({ length: reps }, (_, i) => fmt(values[i] ?? NaN, f.digits));
      lines.push(
        `| ${f.title} | ${row.label} | ${cells.join(" | ")} | ${fmt(m, f.digits)} | ${spread} |`,
      );
    }
  }
  return lines.join("\n");
}

export interface Document {
  started: Date;
  finishedSeconds: number;
  command: string;
  quick: boolean;
  reps: number;
  machine: string[];
  versions: Record<string, string>;
  settings: string[];
  summary: string;
  cpu: string;
  ceiling: string;
  multiCore: string;
  raw: string;
  notes: string[];
}

export function renderDocument(d: Document): string {
  const title = `# Director benchmark — ${
    d.started.toISOString().slice(0, 16).replace("T", " ")
  } UTC`;
  return `${title}${d.quick ? " (quick smoke run: not for comparison)" : ""}

Command: \`${d.command}\` (${d.finishedSeconds.toFixed(0)} s)

## Results

Median of ${d.reps} interleaved repetition${d.reps === 1 ? "" : "s"}. In parentheses: ratio to
HAProxy (H) and to the backend reached directly (D), value ÷ reference. Higher is better for
throughput and rates; lower is better for p99 latency and memory.

${d.summary}

Proxy CPU cost: the proxy's CPU time (user + system, all threads, from /proc) during the load,
divided by the work done. Less disturbed by other load on the machine than the rates above.

${d.cpu}

### Director against its runtime's ceiling

Each Director row's median ÷ the median of its runtime's bare relay (\`bench/bare/\`: accept,
connect, copy bytes, nothing else): Deno → bare relay (Deno), Bun and the binary → bare relay (Bun).

${d.ceiling}

### Multi-core

HAProxy with \`nbthread 2\` and Director with 1 and 2 worker threads, each allowed on both cores
(\`taskset -c 0,1\`) while the load generator and the backends stay on CPU 0. CPU cost summed over
all threads and processes of the proxy. H2 = ratio to HAProxy with 2 threads.

${d.multiCore}

## Machine

${d.machine.map((l) => `- ${l}`).join("\n")}

## Versions

${Object.entries(d.versions).map(([k, v]) => `- ${k}: ${v}`).join("\n")}

## Settings

${d.settings.map((l) => `- ${l}`).join("\n")}

## Notes

${d.notes.length > 0 ? d.notes.map((l) => `- ${l}`).join("\n") : "- none"}

## Raw repetitions

${d.raw}
`;
}

/** `YYYY-MM-DD-HHMM` in UTC, for the result file name. */
export function stamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())}-${
    p(date.getUTCHours())
  }${p(date.getUTCMinutes())}`;
}
