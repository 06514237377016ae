/**
 * The architecture check (`tools/check_imports.ts`) on small made-up
 * modules: it finds each kind of problem, prints a cycle as a path, and is
 * not fooled by comments, strings or type-only arrows.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  check,
  findCycles,
  importGraph,
  importsOf,
  lex,
  LIMIT_FUNCTION_LINES,
  LIMIT_MODULE_LINES,
  longFunctions,
  moduleReason,
  readSources,
  type Source,
} from "../../tools/check_imports.ts";

const source = (path: string, text: string): Source => ({ path, text, ...lex(text) });
const rules = (...sources: Source[]) => check(sources).map((p) => `${p.path}:${p.line} ${p.rule}`);

test("import check: a cycle is found and printed as a path back to its start", () => {
  const sources = [
    source("a/x.ts", 'import { y } from "../b/y.ts";\n'),
    source("b/y.ts", 'import type { Z } from "./z.ts";\nexport const y = 1;\n'),
    source("b/z.ts", 'export type Z = number;\nexport { x } from "../a/x.ts";\n'),
    source("c/free.ts", 'import { y } from "../b/y.ts";\n'),
  ];
  const cycles = findCycles(importGraph(sources));
  assert.deepEqual(cycles, [["a/x.ts", "b/y.ts", "b/z.ts", "a/x.ts"]]);
  const problems = check(sources);
  assert.equal(problems.length, 1);
  assert.equal(problems[0].text, "a/x.ts → b/y.ts → b/z.ts → a/x.ts");
});

test("import check: dynamic imports and self-imports are arrows too", () => {
  const sources = [
    source("main.ts", 'const m = await import("./cli/run.ts");\n'),
    source("cli/run.ts", 'import "../main.ts";\n'),
    source("self.ts", 'export * from "./self.ts";\n'),
  ];
  const cycles = findCycles(importGraph(sources)).map((c) => c.join(" "));
  assert.deepEqual(cycles.sort(), ["cli/run.ts main.ts cli/run.ts", "self.ts self.ts"]);
});

test("import check: imports in comments and strings are not imports", () => {
  const text = [
    '// import { a } from "./a.ts";',
    "/* import { b } from './b.ts'; */",
    'const s = "import { c } from \\"./c.ts\\"";',
    "const t = `",
    'import { d } from "./d.ts";',
    "`;",
    'import { e } from "./e.ts";',
    "import {",
    "  f,",
    '} from "./f.ts";',
  ].join("\n");
  const found = importsOf(lex(text).code);
  assert.deepEqual(found, [{ specifier: "./e.ts", line: 7 }, { specifier: "./f.ts", line: 8 }]);
});

test("import check: the Deno and Bun globals only in runtime/", () => {
  const use = "export const pid = Deno.pid;\n";
  assert.deepEqual(rules(source("proxy/x.ts", use)), ["proxy/x.ts:1 runtime"]);
  assert.deepEqual(rules(source("runtime/deno/x.ts", use)), []);
  assert.deepEqual(rules(source("proxy/y.ts", "const b = globalThis.Bun;\n")), [
    "proxy/y.ts:1 runtime",
  ]);
  // Named in a message or a comment, or as a property, is not a use.
  const named = '// Deno.listen\nthrow new Error("Deno.listen failed");\nconst a = x.Deno.y;\n';
  assert.deepEqual(rules(source("proxy/z.ts", named)), []);
});

test("import check: node: modules — portable ones anywhere, sockets in runtime/ and dns/", () => {
  const net = 'import net from "node:net";\n';
  assert.deepEqual(rules(source("proxy/a.ts", net)), ["proxy/a.ts:1 runtime"]);
  assert.deepEqual(rules(source("dns/a.ts", net)), []);
  assert.deepEqual(rules(source("runtime/bun/a.ts", net)), []);
  assert.deepEqual(rules(source("config/a.ts", 'import { readFileSync } from "node:fs";\n')), []);
  // Not on either list: refused until someone decides.
  const vm = '\nimport { runInContext } from "node:vm";\n';
  assert.deepEqual(rules(source("proxy/b.ts", vm)), ["proxy/b.ts:2 runtime"]);
  assert.deepEqual(rules(source("runtime/b.ts", vm)), []);
});

test("import check: reading an error's message with a regex or string search fails", () => {
  for (
    const line of [
      "if (/refused/.test(error.message)) return;",
      "const m = err.message.match(/\\d+/);",
      "const r = (e as Error).message.replace(/x/, '');",
      "if (error.message.includes('ECONNREFUSED')) return;",
      "if (error?.message?.startsWith('x')) return;",
      "if (errorMessage(error).includes('refused')) return;",
      "if (/EMFILE/.test(errorMessage(e))) return;",
    ]
  ) {
    assert.deepEqual(rules(source("proxy/a.ts", `\n${line}\n`)), ["proxy/a.ts:2 message"], line);
    assert.deepEqual(rules(source("runtime/a.ts", `\n${line}\n`)), [], line);
  }
  // Carrying a message on is fine; a stated reason lets a library's error through.
  assert.deepEqual(rules(source("proxy/a.ts", "log({ reason: error.message });\n")), []);
  const waived = "// parses-message: the library has no field\nerror.message.replace(/x/, '');\n";
  assert.deepEqual(rules(source("config/a.ts", waived)), []);
});

test("import check: long functions are measured by their braces and named", () => {
  const body = (n: number) => Array.from({ length: n }, (_, i) => `  x(${i});`).join("\n");
  const text = [
    `export function big(a: number): number {`,
    body(70),
    `  if (a) {`,
    body(70),
    `  }`,
    `}`,
    `const arrow = async (b: string) => {`,
    body(65),
    `};`,
    `// long: one table, read top to bottom`,
    `function explained() {`,
    body(65),
    `}`,
    `function small() {`,
    body(10),
    `}`,
  ].join("\n");
  const found = longFunctions(source("a.ts", text), text, 60);
  assert.deepEqual(
    found.map((f) => [f.name, f.lines, f.reason]),
    [["big", 144, undefined], ["arrow", 67, undefined], [
      "explained",
      67,
      "one table, read top to bottom",
    ]],
  );
  assert.equal(moduleReason("/**\n * Thing.\n * long: generated\n * @module\n */\n"), "generated");
});

test("import check: a module or function over its limit fails, unless a long: line says why", () => {
  const body = (n: number) => Array.from({ length: n }, (_, i) => `  x(${i});`).join("\n");
  const fn = (name: string, lines: number) => [`function ${name}() {`, body(lines - 2), `}`];
  const fits = fn("fits", LIMIT_FUNCTION_LINES).join("\n");
  const over = ["// a comment, but no reason", ...fn("over", LIMIT_FUNCTION_LINES + 1)].join("\n");
  const said = ["// long: one table, read top to bottom", ...fn("said", 90)].join("\n");
  assert.deepEqual(rules(source("f.ts", [fits, over, said].join("\n"))), [
    `f.ts:${LIMIT_FUNCTION_LINES + 2} size`,
  ]);
  const many = Array.from({ length: LIMIT_MODULE_LINES }, (_, i) => `export const c${i} = ${i};`);
  assert.deepEqual(rules(source("big.ts", ["// one too many", ...many].join("\n") + "\n")), [
    "big.ts:0 size",
  ]);
  assert.deepEqual(rules(source("fits.ts", many.join("\n") + "\n")), []);
  const doc = "/**\n * Generated.\n * long: a table from the RFC\n * @module\n */\n";
  assert.deepEqual(rules(source("said.ts", doc + many.join("\n") + "\n")), []);
});

test("import check: src/ as it stands passes", () => {
  const sources = readSources("src");
  assert.ok(sources.length > 50, "src/ was read");
  assert.deepEqual(check(sources), []);
});
