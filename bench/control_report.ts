/**
 * The report of the control-plane benchmark: per runtime, one row per
 * figure with its value at each config size and the growth between
 * consecutive sizes, checked against the target that the figure grows no
 * faster than the config (×4 hosts → at most ×4, ×5 hosts → at most ×5).
 *
 * @module
 */
import type { Cell } from "./control_steps.ts";

export interface ControlFigure {
  key: string;
  title: string;
  digits: number;
  /** How it is measured, for the legend. */
  how: string;
}

export const CONTROL_FIGURES: ControlFigure[] = [
  {
    key: "check",
    title: "`--check` s",
    digits: 2,
    how: "wall time of `director --check` (median of 3)",
  },
  { key: "start", title: "start s", digits: 2, how: "spawn → `event=started` in the log" },
  { key: "rssStart", title: "RSS after start MiB", digits: 1, how: "after the first admin call" },
  {
    key: "reloadSame",
    title: "reload, nothing changed (SIGHUP) ms",
    digits: 1,
    how: "SIGHUP → `event=reloaded` (median)",
  },
  {
    key: "reloadAdmin",
    title: "reload admin call, nothing changed ms",
    digits: 1,
    how: "`GET /reload` until the answer's last byte (median)",
  },
  {
    key: "reloadOne",
    title: "reload, one host changed (SIGHUP) ms",
    digits: 1,
    how:
      "the file alternately moves svc0/h0 to another port and back; SIGHUP → `event=reloaded` with `changes≥1` (median)",
  },
  {
    key: "runningFirst",
    title: "GET /running, first view ms",
    digits: 1,
    how: "the HTML page, the first GET of it in this process",
  },
  { key: "running", title: "GET /running ms", digits: 1, how: "the HTML page (median)" },
  { key: "runningKiB", title: "GET /running KiB", digits: 0, how: "its size" },
  {
    key: "metricsFirst",
    title: "GET /metrics, first scrape ms",
    digits: 1,
    how: "Prometheus text, the first GET of it in this process",
  },
  { key: "metrics", title: "GET /metrics ms", digits: 1, how: "Prometheus text (median)" },
  { key: "metricsKiB", title: "GET /metrics KiB", digits: 0, how: "its size" },
  { key: "runningTxt", title: "GET /running.txt ms", digits: 1, how: "the text view (median)" },
  {
    key: "rssBefore",
    title: "RSS before the reloads MiB",
    digits: 1,
    how:
      "after the reloads above, before a series of SIGHUP reloads (each awaited, moving one host and back)",
  },
  { key: "rssAfter", title: "RSS after the reloads MiB", digits: 1, how: "after that series" },
  {
    key: "rssAgain",
    title: "RSS after as many reloads again MiB",
    digits: 1,
    how:
      "after a second series like it (no echo): the level the reloads settle at, against the one before",
  },
  {
    key: "echoMax",
    title: "worst echo round trip during reloads ms",
    digits: 1,
    how: "4 bytes every 10 ms on one connection through the echo service, held through the series",
  },
  {
    key: "echoQuiet",
    title: "worst echo round trip, no reload ms",
    digits: 1,
    how: "the same connection for 1 s before the series (the baseline)",
  },
  {
    key: "addHost",
    title: "addHost call ms",
    digits: 1,
    how: "`GET /addHost?…` into svc0 (median)",
  },
];

/** results[size][key] for one runtime (or for HAProxy). */
export type SizeResults = Record<number, Record<string, Cell>>;

function fmt(value: number, digits: number): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function cellText(cell: Cell | undefined, digits: number): string {
  if (!cell) return "—";
  if ("over" in cell) return `> ${cell.over} s`;
  if ("error" in cell) return `error: ${cell.error.replaceAll("|", "\\|")}`;
  return Number.isFinite(cell.value) ? fmt(cell.value, digits) : "—";
}

/**
 * The most a figure may grow per doubling of the config: the target says
 * doubling the config at most doubles a figure, with 10 % slack (×2.2) —
 * room for the generated names, which grow a digit with the service count
 * (svc9 → svc99 → svc999), so the files grow a little faster than the
 * host count by themselves.
 */
const PER_DOUBLING = 2.2;

/** The most a figure may grow when the config grows `factor` times: ×2.2 per doubling. */
export function growthLimit(factor: number): number {
  return PER_DOUBLING ** Math.log2(factor);
}

/** Growth from one size to the next: "3.1×", flagged when faster than ×2.2 per doubling. */
function growth(from: Cell | undefined, to: Cell | undefined, factor: number): string {
  if (!from || !to || !("value" in from) || !("value" in to)) return "—";
  if (!(from.value > 0) || !Number.isFinite(to.value)) return "—";
  const r = to.value / from.value;
  return `${r.toFixed(2)}×${r > growthLimit(factor) ? " **over**" : ""}`;
}

/** One table: rows = figures, columns = sizes (hosts) and the growth between them. */
export function controlTable(
  results: SizeResults,
  sizes: number[],
  figures: ControlFigure[],
): string {
  const head = ["figure", ...sizes.map((h) => `${fmt(h, 0)} hosts`)];
  for (let i = 1; i < sizes.length; i++) {
    head.push(
      `growth ${fmt(sizes[i - 1], 0)} → ${fmt(sizes[i], 0)} (hosts ×${sizes[i] / sizes[i - 1]})`,
    );
  }
  const lines = [
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
  ];
  for (const f of figures) {
    const cells = sizes.map((h) => cellText(results[h]?.[f.key], f.digits));
    for (let i = 1; i < sizes.length; i++) {
      const factor = sizes[i] / sizes[i - 1];
      cells.push(growth(results[sizes[i - 1]]?.[f.key], results[sizes[i]]?.[f.key], factor));
    }
    lines.push(`| ${f.title} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

export interface ControlDocument {
  started: Date;
  seconds: number;
  command: string;
  quick: boolean;
  sizes: number[];
  /** Runtime label → its table, or the reason it could not run. */
  runtimes: { label: string; table?: string; unavailable?: string }[];
  haproxy: string;
  settings: string[];
  machine: string[];
  versions: Record<string, string>;
  notes: string[];
}

export function renderControl(d: ControlDocument): string {
  const title = `# Director control-plane benchmark — ${
    d.started.toISOString().slice(0, 16).replace("T", " ")
  } UTC`;
  const sections = d.runtimes.map((r) =>
    `## ${r.label}\n\n${r.unavailable ? `not available: ${r.unavailable}` : r.table}`
  );
  const legend = CONTROL_FIGURES.map((f) => `- ${f.title}: ${f.how}`);
  return `${title}${d.quick ? " (quick smoke run: not for comparison)" : ""}

Command: \`${d.command}\` (${d.seconds.toFixed(0)} s)

Generated configs of ${d.sizes.map((h) => fmt(h, 0)).join(", ")} hosts (services × 20 hosts,
\`test/support/big_config.ts\`), each with one extra service relaying to an echo backend and an
admin block. Growth = value at the larger size ÷ value at the smaller; **over** marks a figure that
grew faster than ×2.2 per doubling of the config (the target: doubling the config at most doubles
a figure, ×2.2; from 1,000 to 4,000 hosts the limit is ×${growthLimit(4).toFixed(2)}, from 4,000 to
20,000 ×${growthLimit(5).toFixed(2)}).

${sections.join("\n\n")}

## HAProxy

\`haproxy -c -f\` on the equivalent config (same services as \`listen\` sections, \`mode tcp\`, 20
\`server\` lines each), median of 3:

${d.haproxy}

## Figures

${legend.join("\n")}

## Settings

${d.settings.map((l) => `- ${l}`).join("\n")}

## Machine

${d.machine.map((l) => `- ${l}`).join("\n")}

## Versions

${Object.entries(d.versions).map(([k, v]) => `- ${k}: ${v}`).join("\n")}

## Notes

${d.notes.length > 0 ? d.notes.map((l) => `- ${l}`).join("\n") : "- none"}
`;
}
