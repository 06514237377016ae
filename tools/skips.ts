/**
 * Skips per reason, for the end of `deno task test`: the skipped test cases
 * of each run's JUnit report, attributed to the reasons the skip helper
 * (`test/support/skip.ts`) logged for their file in that run
 * (`.test-results/skips-<run>.jsonl`, named by `DIRECTOR_SKIP_LOG`).
 * A skip in a file that logged no reason (a test that does not use the
 * helper) is counted under "reason not logged" with its file, so no skip
 * goes uncounted.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The skip log of run `name`, in `results`. */
export const skipLogPath = (results: string, name: string) => join(results, `skips-${name}.jsonl`);

/** Reasons logged per file by one run. */
function reasonsByFile(log: string): Map<string, Set<string>> {
  const byFile = new Map<string, Set<string>>();
  if (!existsSync(log)) return byFile;
  for (const line of readFileSync(log, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const { file, reason } = JSON.parse(line) as { file: string; reason: string };
      if (!byFile.has(file)) byFile.set(file, new Set());
      byFile.get(file)!.add(reason);
    } catch {
      // A torn line (two files appending at once): its twin lines say the same.
    }
  }
  return byFile;
}

/** The file of each skipped test case in a JUnit report. */
function skippedFiles(xml: string): string[] {
  const files: string[] = [];
  for (const match of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    if (!/<skipped\b/.test(match[3] ?? "")) continue;
    const attrs = match[1];
    files.push(attrs.match(/\b(?:classname|file)="([^"]*)"/)?.[1] ?? "unknown");
  }
  return files;
}

/**
 * Count the skips of the runs named (each a JUnit report and a skip log)
 * per reason; returns the lines to print, most frequent first, each
 * `N × reason [runs]`.
 */
export function skipsByReason(
  runs: { label: string; junit: string[]; log: string }[],
): string[] {
  const counts = new Map<string, { n: number; runs: Set<string> }>();
  for (const run of runs) {
    const reasons = reasonsByFile(run.log);
    for (const junit of run.junit.filter((path) => existsSync(path))) {
      for (const file of skippedFiles(readFileSync(junit, "utf8"))) {
        const logged = [...(reasons.get(file) ?? [])];
        const reason = logged.length > 0
          ? logged.sort().join(" or ")
          : `reason not logged (${file})`;
        const entry = counts.get(reason) ?? { n: 0, runs: new Set<string>() };
        entry.n++;
        entry.runs.add(run.label);
        counts.set(reason, entry);
      }
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1].n - a[1].n || a[0].localeCompare(b[0]))
    .map(([reason, { n, runs }]) => `${n} × ${reason} [${[...runs].join(", ")}]`);
}
