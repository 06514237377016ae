/**
 * `docs/architecture.md` stays true to the tree: every file or folder it
 * names exists (outside the "Before" paragraphs, which name the old
 * layout), its layer table has a row for every folder and top-level
 * module of `src/`, and the imports of `src/` point down that table, except
 * within the two-way pairs the document names.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { folderGraph, importGraph, readSources } from "../../tools/check_imports.ts";

const DOC = "docs/architecture.md";
const text = readFileSync(DOC, "utf8");

/** Paths in backticks, with the line they are on; old-layout paragraphs left out. */
function namedPaths(): { path: string; line: number }[] {
  const found: { path: string; line: number }[] = [];
  let before = false;
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") before = false;
    else if (/^Before\b/.test(line)) before = true;
    if (before) return;
    for (const [, token] of line.matchAll(/`([^`\s]+)`/g)) {
      if (token.startsWith("/") || /[*<>|]/.test(token)) continue;
      if (!/\.(ts|tsx|md|xml)$|\/$/.test(token) || !token.includes("/")) continue;
      const path = /^(src|test|tools|docs)\//.test(token) ? token : `src/${token}`;
      found.push({ path, line: i + 1 });
    }
  });
  return found;
}

test("architecture.md: every path it names exists", () => {
  const paths = namedPaths();
  assert.ok(paths.length > 60, `only ${paths.length} paths found: the scanner broke`);
  const missing = paths.filter(({ path }) => !existsSync(path.replace(/\/$/, "")))
    .map(({ path, line }) => `${DOC}:${line} names ${path}, which does not exist`);
  assert.deepEqual(missing, []);
});

test("architecture.md: the layer table has a row for every part of src/", () => {
  const rows = new Set(
    [...text.matchAll(/^\| `(src\/[^`]+)`/gm)].map((m) => m[1]),
  );
  const parts = readdirSync("src", { withFileTypes: true })
    .filter((entry) => entry.isDirectory() || /\.ts$/.test(entry.name))
    .map((entry) => entry.isDirectory() ? `src/${entry.name}/` : `src/${entry.name}`);
  const missing = parts.filter((part) => !rows.has(part))
    .map((part) => `${part} has no row in ${DOC}'s layer table`);
  assert.deepEqual(missing, []);
});

test("architecture.md: every import points down the layer table, but for the named pairs", () => {
  const rows = [...text.matchAll(/^\| `src\/([^`]+)`/gm)].map((m) => m[1]);
  const pairs = new Set(
    [...text.matchAll(/`([\w]+\/)` ⇄ `([\w]+\/)`/g)].flatMap((
      [, a, b],
    ) => [`${a} ${b}`, `${b} ${a}`]),
  );
  assert.ok(pairs.size > 0, "the two-way pairs were found");
  const graph = importGraph(readSources("src"));
  const upward: string[] = [];
  for (const [from, targets] of folderGraph(graph)) {
    for (const to of targets) {
      if (rows.indexOf(to) > rows.indexOf(from) || pairs.has(`${from} ${to}`)) continue;
      const file = [...graph].find(([f, t]) =>
        f.startsWith(from) && t.some((x) => x.startsWith(to))
      );
      upward.push(`src/${from} imports src/${to} (${file?.[0]}), which is not below it in ${DOC}`);
    }
  }
  assert.deepEqual(upward, []);
});
