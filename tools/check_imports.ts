/**
 * The architecture rules of `src/`, checked by `deno task check`:
 *
 * 1. **No import cycle.** Every arrow — static, type-only, re-export and
 *    dynamic `import("…")` with a literal path — counts: a cycle of types is
 *    still two modules that cannot be read one before the other. Each cycle
 *    is printed as `a.ts → b.ts → a.ts`.
 * 2. **Only `src/runtime/` knows the runtime.** Outside it no code names the
 *    `Deno` or `Bun` globals. `node:` modules are the API both runtimes
 *    implement, so the portable ones (files, paths, process, buffers,
 *    crypto, util, os, child_process) may be used anywhere — that is how the
 *    config is read, the config saved, passwords hashed and log files written
 *    on both runtimes. Sockets and threads (`node:net`, `node:dgram`,
 *    `node:tls`, `node:http`, `node:worker_threads` …) are the runtime's
 *    business: allowed only in `src/runtime/` and `src/dns/` (the stub
 *    resolver speaks UDP, which the `Runtime` seam does not offer). Any other
 *    `node:` module outside `src/runtime/` fails until it is added to a list
 *    below.
 * 3. **Nothing outside `src/runtime/` parses an error's message.** Errors
 *    cross the runtime seam as `NetError` kinds (`src/runtime/net_error.ts`);
 *    `.message` (or `errorMessage(…)` from `src/log.ts`) followed by
 *    `.match(`, `.replace(`, `.includes(` … or passed to `/re/.test(…)` fails. The one way out is a comment holding
 *    `parses-message:` and the reason on that line or the 2 above it (for an
 *    error that carries its reason nowhere else, such as a library's).
 *
 * 4. **No module far over its size without a reason.** A module over
 *    {@linkcode LIMIT_MODULE_LINES} lines, or a function over
 *    {@linkcode LIMIT_FUNCTION_LINES} lines, fails unless it says why: a
 *    function with a comment holding `long:` on one of the 3 lines above
 *    it, a module with `long:` in its `@module` doc.
 *
 * With `--report` it also lists modules over {@linkcode MAX_MODULE_LINES}
 * lines and functions over {@linkcode MAX_FUNCTION_LINES} lines (the sizes
 * to aim for; rule 4 leaves a margin above them), and the folders that
 * import each other (no module cycle, but two layers in one folder): a
 * report, not a failure. Those with a `long:` reason are listed apart as
 * explained.
 *
 * The scan reads source text: comments and string contents are blanked
 * first (line numbers kept), so an example in a comment is not an import
 * and `"Deno."` in a message is not a use.
 *
 * Run: `deno run -A tools/check_imports.ts [--report] [dir]` (default `src`).
 *
 * @module
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import process from "node:process";

export const MAX_MODULE_LINES = 300;
export const MAX_FUNCTION_LINES = 60;
/** Over these, without a `long:` reason, the check fails (rule 4). */
export const LIMIT_MODULE_LINES = 330;
export const LIMIT_FUNCTION_LINES = 70;

/** `node:` modules every folder may use (both runtimes implement them alike). */
const PORTABLE_NODE = new Set([
  "buffer",
  "child_process",
  "crypto",
  "fs",
  "fs/promises",
  "os",
  "path",
  "process",
  "util",
]);
/** `node:` modules for sockets and threads, and the folders that may use them. */
const RUNTIME_NODE = new Set(["dgram", "net", "tls", "http", "https", "worker_threads"]);
const RUNTIME_FOLDERS = ["runtime/", "dns/"];

/** One source file: its text with comments blanked, and with strings blanked too. */
export interface Source {
  /** Path relative to the scanned root, with `/`. */
  path: string;
  /** The file as written. */
  text: string;
  /** `text` with comments and the contents of templates blanked (quoted strings kept). */
  code: string;
  /** `code` with the contents of strings and templates blanked. */
  bare: string;
}

export interface Problem {
  path: string;
  line: number;
  rule: "cycle" | "runtime" | "message" | "size";
  text: string;
}

// --- lexing -----------------------------------------------------------------

/** Characters after which a `/` starts a regex literal, not a division. */
const REGEX_AFTER = new Set([..."(,=:[!&|?{};+-*%<>~^"]);
const REGEX_KEYWORDS = /\b(return|typeof|case|do|else|in|of|void|yield|await)\s*$/;

/**
 * `text` with comments and template contents blanked (`code`: import paths
 * are in quotes, and a template may hold text that looks like an import)
 * and, in `bare`, quoted strings blanked as well; newlines are kept so line
 * numbers stay true.
 * Regex literals are kept in both (rule 3 looks for them).
 */
export function lex(text: string): { code: string; bare: string } {
  const code: string[] = [];
  const bare: string[] = [];
  const blank = (ch: string) => (ch === "\n" ? "\n" : " ");
  // Brace depth of each open `${`, so `}` knows when it ends one.
  const templates: number[] = [];
  let depth = 0;
  let last = ""; // last significant character emitted as code
  let i = 0;
  const emit = (ch: string, bareCh = ch) => {
    code.push(ch);
    bare.push(bareCh);
  };
  const template = () => {
    // Inside a template's literal part, up to its end or the next `${`.
    while (i < text.length) {
      const ch = text[i];
      if (ch === "\\") {
        emit(" ");
        emit(blank(text[i + 1] ?? ""));
        i += 2;
      } else if (ch === "`") {
        emit(ch);
        i++;
        last = "`";
        return;
      } else if (ch === "$" && text[i + 1] === "{") {
        emit("${");
        i += 2;
        templates.push(depth);
        depth++;
        last = "{";
        return;
      } else {
        emit(blank(ch));
        i++;
      }
    }
  };
  while (i < text.length) {
    const ch = text[i];
    const next = text[i + 1];
    if (ch === "/" && next === "/") {
      while (i < text.length && text[i] !== "\n") emit(" "), i++;
    } else if (ch === "/" && next === "*") {
      while (i < text.length && !(text[i] === "*" && text[i + 1] === "/")) {
        emit(blank(text[i])), i++;
      }
      emit("  "), i += 2;
    } else if (ch === '"' || ch === "'") {
      emit(ch), i++;
      while (i < text.length && text[i] !== ch && text[i] !== "\n") {
        if (text[i] === "\\") emit(text[i], " "), i++;
        emit(text[i], blank(text[i])), i++;
      }
      emit(text[i] ?? ""), i++;
      last = ch;
    } else if (ch === "`") {
      emit(ch), i++;
      template();
    } else if (ch === "/" && (REGEX_AFTER.has(last) || last === "" || regexKeyword(code))) {
      // A regex literal, kept whole (classes may hold `/`).
      let inClass = false;
      emit(ch), i++;
      while (i < text.length && text[i] !== "\n") {
        const c = text[i];
        emit(c), i++;
        if (c === "\\") emit(text[i] ?? ""), i++;
        else if (c === "[") inClass = true;
        else if (c === "]") inClass = false;
        else if (c === "/" && !inClass) break;
      }
      last = "/";
    } else {
      if (ch === "{") depth++;
      if (ch === "}") {
        depth--;
        if (templates.length && templates[templates.length - 1] === depth) {
          templates.pop();
          emit(ch), i++;
          template();
          continue;
        }
      }
      emit(ch), i++;
      if (!/\s/.test(ch)) last = /[\w$)\]]/.test(ch) ? "a" : ch;
    }
  }
  return { code: code.join(""), bare: bare.join("") };
}

function regexKeyword(code: string[]): boolean {
  return REGEX_KEYWORDS.test(code.slice(-12).join(""));
}

const lineOf = (text: string, index: number) => text.slice(0, index).split("\n").length;

// --- files and imports ------------------------------------------------------

/** Every `.ts`/`.tsx` file under `root`, read and lexed. */
export function readSources(root: string): Source[] {
  const sources: Source[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.tsx?$/.test(name)) {
        const text = readFileSync(path, "utf8");
        const { code, bare } = lex(text);
        sources.push({ path: relative(root, path).replaceAll("\\", "/"), text, code, bare });
      }
    }
  };
  walk(root);
  return sources;
}

export interface Import {
  specifier: string;
  line: number;
}

const STATIC_IMPORT = /^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*(["'])([^"']+)\1/gm;
const BARE_IMPORT = /^[ \t]*import\s*(["'])([^"']+)\1/gm;
const DYNAMIC_IMPORT = /\bimport\s*\(\s*(["'])([^"']+)\1\s*\)/g;

/** The imports of one module (comments already blanked in `code`). */
export function importsOf(code: string): Import[] {
  const found: Import[] = [];
  for (const pattern of [STATIC_IMPORT, BARE_IMPORT, DYNAMIC_IMPORT]) {
    for (const match of code.matchAll(pattern)) {
      found.push({ specifier: match[2], line: lineOf(code, match.index) });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/** Module path → the paths (inside the scanned root) it imports. */
export function importGraph(sources: Source[]): Map<string, string[]> {
  const known = new Set(sources.map((s) => s.path));
  const graph = new Map<string, string[]>();
  for (const source of sources) {
    const targets = new Set<string>();
    for (const { specifier } of importsOf(source.code)) {
      if (!specifier.startsWith(".")) continue;
      const target = normalize(join(dirname(source.path), specifier)).replaceAll("\\", "/");
      if (known.has(target)) targets.add(target);
    }
    graph.set(source.path, [...targets].sort());
  }
  return graph;
}

// --- rule 1: cycles -----------------------------------------------------------

/**
 * One cycle per strongly connected component of more than one module (or a
 * module importing itself), each as a path that ends where it starts.
 */
export function findCycles(graph: Map<string, string[]>): string[][] {
  return knotsOf(graph).map((component) => cycleThrough(graph, new Set(component)));
}

/** The strongly connected components that hold a cycle (more than one member, or a self-import). */
export function knotsOf(graph: Map<string, string[]>): string[][] {
  // Tarjan's algorithm, iterative so a deep chain cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: [string, number][] = [[start, 0]];
    while (work.length) {
      const frame = work[work.length - 1];
      const [node, edge] = frame;
      if (edge === 0) {
        index.set(node, counter), low.set(node, counter++);
        stack.push(node), onStack.add(node);
      }
      const targets = graph.get(node) ?? [];
      if (edge < targets.length) {
        frame[1]++;
        const target = targets[edge];
        if (!index.has(target)) work.push([target, 0]);
        else if (onStack.has(target)) low.set(node, Math.min(low.get(node)!, index.get(target)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent)!, low.get(node)!));
      }
      if (low.get(node) === index.get(node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        const selfLoop = (graph.get(node) ?? []).includes(node);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }
  return components;
}

/** A shortest cycle through the first (sorted) module of a component. */
function cycleThrough(graph: Map<string, string[]>, members: Set<string>): string[] {
  const start = [...members].sort()[0];
  const from = new Map<string, string>();
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    for (const target of graph.get(queue[q]) ?? []) {
      if (!members.has(target)) continue;
      if (target === start) {
        const path = [start];
        for (let at = queue[q]; at !== start; at = from.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!from.has(target)) from.set(target, queue[q]), queue.push(target);
    }
  }
  return [start, start];
}

// --- rules 2 and 3 ----------------------------------------------------------

const RUNTIME_GLOBAL = /(?<![\w$.])(Deno|Bun)\s*(\.|\?\.|\[)|\bglobalThis\s*\.\s*(Deno|Bun)\b/g;

/** Rule 2 for one module. */
export function runtimeProblems(source: Source): Problem[] {
  if (source.path.startsWith("runtime/")) return [];
  const problems: Problem[] = [];
  for (const match of source.bare.matchAll(RUNTIME_GLOBAL)) {
    const name = match[1] ?? match[3];
    problems.push({
      path: source.path,
      line: lineOf(source.bare, match.index),
      rule: "runtime",
      text: `uses the ${name} global outside src/runtime/`,
    });
  }
  for (const { specifier, line } of importsOf(source.code)) {
    if (!specifier.startsWith("node:")) continue;
    const name = specifier.slice(5);
    if (PORTABLE_NODE.has(name)) continue;
    const allowed = RUNTIME_NODE.has(name) &&
      RUNTIME_FOLDERS.some((folder) => source.path.startsWith(folder));
    if (allowed) continue;
    const where = RUNTIME_NODE.has(name)
      ? `only src/${RUNTIME_FOLDERS.join(" and src/")} may use it`
      : "not on the list of portable node: modules in tools/check_imports.ts";
    problems.push({
      path: source.path,
      line,
      rule: "runtime",
      text: `imports ${specifier}: ${where}`,
    });
  }
  return problems;
}

const SEARCHES =
  "match|matchAll|replace|replaceAll|search|split|includes|startsWith|endsWith|indexOf";
/** An error's message: `.message`, or what `errorMessage(…)` (src/log.ts) returns. */
const MESSAGE = String.raw`(?:[\w$.?]*\.message|errorMessage\([^()]*\))`;
const MESSAGE_PARSED = [
  new RegExp(
    String.raw`(?:\.message|errorMessage\([^()]*\))\s*(?:\?\.|\.)\s*(?:${SEARCHES})\s*\(`,
    "g",
  ),
  new RegExp(String.raw`\.(?:test|exec)\s*\(\s*${MESSAGE}\s*[),]`, "g"),
];

/** Rule 3 for one module. */
export function messageProblems(source: Source): Problem[] {
  if (source.path.startsWith("runtime/")) return [];
  const problems: Problem[] = [];
  const lines = source.text.split("\n");
  for (const pattern of MESSAGE_PARSED) {
    for (const match of source.bare.matchAll(pattern)) {
      const line = lineOf(source.bare, match.index);
      if (lines.slice(Math.max(0, line - 3), line).some((l) => l.includes("parses-message:"))) {
        continue;
      }
      problems.push({
        path: source.path,
        line,
        rule: "message",
        text: "parses an error's message outside src/runtime/ (give the error a type or a field)",
      });
    }
  }
  return problems;
}

// --- the size report ----------------------------------------------------------

export interface Length {
  path: string;
  line: number;
  name: string;
  lines: number;
  /** The reason given in a `long:` comment, if any. */
  reason?: string;
}

const NOT_FUNCTIONS = new Set(["if", "for", "while", "switch", "catch", "with", "function"]);

/**
 * Functions (declarations, methods, arrows with a block body) longer than
 * `max` lines, outermost and nested alike. Found by matching braces in the
 * bare text: a `{` is a function body when it follows `=>`, or a `)` (with an
 * optional return type) whose `(` is not that of `if`, `for`, `while` …
 */
export function longFunctions(source: Source, text: string, max: number): Length[] {
  const bare = source.bare;
  const opens: number[] = [];
  const found: Length[] = [];
  for (let i = 0; i < bare.length; i++) {
    if (bare[i] === "{") opens.push(i);
    else if (bare[i] === "}") {
      const open = opens.pop();
      if (open === undefined) continue;
      const name = functionName(bare, open);
      if (name === undefined) continue;
      const first = lineOf(bare, open);
      const lines = lineOf(bare, i) - first + 1;
      if (lines <= max) continue;
      found.push({ path: source.path, line: first, name, lines, reason: reasonAbove(text, first) });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/** The name of the function whose body opens at `open`, or undefined if it is not one. */
function functionName(bare: string, open: number): string | undefined {
  const before = bare.slice(Math.max(0, open - 400), open);
  const arrow = /=>\s*$/.test(before);
  let close = before.length - 1;
  if (!arrow) {
    // Skip a return type: `): Type {` — walk back to the `)` that ends the parameters.
    const typed = before.match(/\)\s*(:\s*[^(){};=]*)?\s*$/);
    if (!typed) return undefined;
    close = typed.index!;
  } else {
    close = before.lastIndexOf("=>");
    close = before.slice(0, close).search(/\)\s*(:\s*[^(){};=]*)?\s*$/);
    if (close < 0) {
      // `x => {`: a single bare parameter.
      return nameBefore(before.slice(0, before.lastIndexOf("=>")).replace(/[\w$]+\s*$/, ""));
    }
  }
  let level = 0;
  let at = close;
  for (; at >= 0; at--) {
    if (before[at] === ")") level++;
    else if (before[at] === "(") {
      level--;
      if (level === 0) break;
    }
  }
  if (at < 0) return arrow ? "(arrow)" : undefined;
  const head = before.slice(0, at);
  const word = head.match(/([\w$#]+)\s*(<[^()]*>)?\s*$/)?.[1];
  if (!arrow) {
    if (word === undefined || NOT_FUNCTIONS.has(word) && !/function\s*$/.test(head)) {
      return word === "function" ? "(function)" : undefined;
    }
    return word;
  }
  return nameBefore(head.replace(/\b(async)\s*$/, ""));
}

/** For an arrow: the name it is given (`const x =`, `x:`, or the call it is passed to). */
function nameBefore(head: string): string {
  const assigned = head.match(/([\w$#]+)\s*(:[^=]*)?=\s*(async\s*)?$/) ??
    head.match(/([\w$#]+)\s*:\s*(async\s*)?$/);
  if (assigned) return assigned[1];
  const call = head.match(/([\w$#.]+)\s*\(\s*(\([^()]*\)\s*,?\s*|[^()]*,\s*)?$/);
  return call ? `(arrow in ${call[1]})` : "(arrow)";
}

/** The reason in a `long:` comment on the 3 lines above `line` (1-based). */
function reasonAbove(text: string, line: number): string | undefined {
  const lines = text.split("\n");
  for (let at = line - 1; at >= Math.max(0, line - 4); at--) {
    const reason = lines[at]?.match(/\blong:\s*(.+?)\s*(\*\/)?$/)?.[1];
    if (reason) return reason;
  }
  return undefined;
}

/** The reason in a `long:` line of the module's doc comment, if any. */
export function moduleReason(text: string): string | undefined {
  const doc = text.match(/\/\*\*[\s\S]*?@module[\s\S]*?\*\//)?.[0] ?? "";
  return doc.match(/\blong:\s*(.+)/)?.[1].replace(/\s*\*\/$/, "").trim();
}

/** The folder-level graph (top-level files count as their own folder). */
export function folderGraph(graph: Map<string, string[]>): Map<string, string[]> {
  const folder = (path: string) => path.includes("/") ? path.split("/")[0] + "/" : path;
  const folders = new Map<string, Set<string>>();
  for (const [from, targets] of graph) {
    const edges = folders.get(folder(from)) ?? new Set();
    folders.set(folder(from), edges);
    for (const to of targets) if (folder(to) !== folder(from)) edges.add(folder(to));
  }
  return new Map([...folders].map(([f, edges]) => [f, [...edges].sort()]));
}

// --- the command ------------------------------------------------------------

/** Every rule over the sources: the problems that fail the check. */
export function check(sources: Source[]): Problem[] {
  const problems: Problem[] = [];
  for (const cycle of findCycles(importGraph(sources))) {
    problems.push({ path: cycle[0], line: 0, rule: "cycle", text: cycle.join(" → ") });
  }
  for (const source of sources) {
    problems.push(...runtimeProblems(source), ...messageProblems(source), ...sizeProblems(source));
  }
  return problems;
}

/** Lines of a source file (a final newline does not start another). */
function lineCount(text: string): number {
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/** Rule 4: the module, and each function in it, within its limit or with a `long:` reason. */
export function sizeProblems(source: Source): Problem[] {
  const problems: Problem[] = [];
  const lines = lineCount(source.text);
  if (lines > LIMIT_MODULE_LINES && !moduleReason(source.text)) {
    problems.push({
      path: source.path,
      line: 0,
      rule: "size",
      text: `${lines} lines (over ${LIMIT_MODULE_LINES}): split it, or say why in a ` +
        "`long:` line of its @module doc",
    });
  }
  for (const f of longFunctions(source, source.text, LIMIT_FUNCTION_LINES)) {
    if (f.reason) continue;
    problems.push({
      path: source.path,
      line: f.line,
      rule: "size",
      text: `${f.name} is ${f.lines} lines (over ${LIMIT_FUNCTION_LINES}): split it, or say ` +
        "why in a `// long:` comment on the lines above it",
    });
  }
  return problems;
}

function report(root: string, sources: Source[]): void {
  const modules: Length[] = [];
  const functions: Length[] = [];
  for (const source of sources) {
    const text = source.text;
    const lines = lineCount(text);
    if (lines > MAX_MODULE_LINES) {
      modules.push({ path: source.path, line: 1, name: "", lines, reason: moduleReason(text) });
    }
    functions.push(...longFunctions(source, text, MAX_FUNCTION_LINES));
  }
  const print = (title: string, rows: Length[], show: (row: Length) => string) => {
    console.log(`${title}: ${rows.length}`);
    for (const row of rows.sort((a, b) => b.lines - a.lines)) console.log(`  ${show(row)}`);
  };
  const why = (row: Length) => (row.reason ? ` — ${row.reason}` : "");
  const graph = importGraph(sources);
  const folders = folderGraph(graph);
  const example = (from: string, to: string) => {
    const files = [...graph].flatMap(([f, targets]) =>
      f.startsWith(from) ? targets.filter((t) => t.startsWith(to)).map((t) => `${f} → ${t}`) : []
    );
    return `${files[0]}${files.length > 1 ? ` +${files.length - 1}` : ""}`;
  };
  const knots = knotsOf(folders).map((members) => new Set(members));
  console.log(`folders that import each other (directly or round a loop): ${knots.length}`);
  for (const knot of knots) {
    console.log(`  ${[...knot].sort().join(" ")}`);
    for (const from of [...knot].sort()) {
      for (const to of folders.get(from) ?? []) {
        if (knot.has(to)) console.log(`    ${from} → ${to}: ${example(from, to)}`);
      }
    }
  }
  for (const explained of [false, true]) {
    const tag = explained ? " (explained)" : "";
    print(
      `modules over ${MAX_MODULE_LINES} lines${tag}`,
      modules.filter((m) => !!m.reason === explained),
      (m) => `${m.lines} ${root}/${m.path}${why(m)}`,
    );
    print(
      `functions over ${MAX_FUNCTION_LINES} lines${tag}`,
      functions.filter((f) => !!f.reason === explained),
      (f) => `${f.lines} ${root}/${f.path}:${f.line} ${f.name}${why(f)}`,
    );
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const root = args.find((arg) => !arg.startsWith("--")) ?? "src";
  const sources = readSources(root);
  if (args.includes("--report")) report(root, sources);
  const problems = check(sources);
  for (const p of problems) {
    const where = p.line ? `${root}/${p.path}:${p.line}` : `${root}/${p.path}`;
    console.error(`${where}: ${p.rule}: ${p.text}`);
  }
  if (problems.length) {
    console.error(`Cannot pass the architecture check: ${problems.length} problem(s) in ${root}/`);
    process.exit(1);
  }
  console.log(`architecture check: ${sources.length} modules in ${root}/, no cycle, rules kept`);
}
