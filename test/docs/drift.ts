/**
 * What the documentation promises, read from the code and from the docs,
 * for `drift_test.ts`: the events the code logs and the README's event
 * table, the change calls and the README's call table, the signals, and the
 * attributes the config parser knows per element and `config.example.xml`.
 *
 * The code side is read the way it runs where that is possible (the call
 * table is imported; the parser is asked which attributes it knows), and
 * from the source where it is not (log calls).
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseConfig } from "../../src/config/parse.ts";
import { parseXmlTree, type XmlElement } from "../../src/config/xml.ts";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");

/** Name → first place (`src/file.ts:LINE`) where it occurs. */
export type Places = Map<string, string>;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((name) => /\.tsx?$/.test(name))
    .map((name) => relative(ROOT, join(ROOT, dir, name)))
    .sort();
}

/**
 * Events logged under `src/`: the first argument of a logger's
 * `debug/info/warn/error("name", …)` (or `log("level", "name", …)`), which
 * `src/log.ts` prints as `event=name`, and the values of a `const EVENTS` table (a module that
 * logs one of several events by case). `console.*` calls are not events.
 */
export function loggedEvents(): Places {
  const events: Places = new Map();
  const call =
    /(?<!console)\.(?:(?:debug|info|warn|error)\(\s*|log\(\s*"(?:debug|info|warn|error)",\s*)"([a-z][a-z0-9_]*)"/g;
  // A module that picks its event by case names them in a `const EVENTS = { case: "event" }` table.
  const table = /const EVENTS\b[^=]*=\s*\{([^}]*)\}/g;
  // A module that returns events for its caller to log writes them as `event: { name: "event" …`.
  const returned = /event: \{ name: "([a-z][a-z0-9_]*)"/g;
  for (const file of sourceFiles("src")) {
    const text = read(file);
    const found = [
      ...[...text.matchAll(call)].map((m) => ({ name: m[1], at: m.index })),
      ...[...text.matchAll(returned)].map((m) => ({ name: m[1], at: m.index })),
      ...[...text.matchAll(table)].flatMap((m) =>
        [...m[1].matchAll(/:\s*"([a-z][a-z0-9_]*)"/g)].map((e) => ({ name: e[1], at: m.index }))
      ),
    ];
    for (const { name, at } of found) {
      const line = text.slice(0, at).split("\n").length;
      if (!events.has(name)) events.set(name, `${file}:${line}`);
    }
  }
  return events;
}

/** The section of `markdown` under the heading `title` (up to the next heading of its level). */
export function section(markdown: string, title: string): string {
  const heading = new RegExp(`^(#+) ${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m");
  const found = heading.exec(markdown);
  if (!found) return "";
  const rest = markdown.slice(found.index + found[0].length);
  const next = new RegExp(`^#{1,${found[1].length}} `, "m").exec(rest);
  return next ? rest.slice(0, next.index) : rest;
}

/** The first cell's leading code span of every row of the tables in `text`: `name`. */
export function tableNames(text: string, pattern = /^\| `([A-Za-z][\w-]*)/): Places {
  const names: Places = new Map();
  text.split("\n").forEach((line, i) => {
    const name = pattern.exec(line)?.[1];
    if (name && !names.has(name)) names.set(name, `line ${i + 1} of the section`);
  });
  return names;
}

/** Names in `a` missing from `b`, with where each is in `a`. */
export function missing(a: Places, b: Places | Set<string>): string[] {
  return [...a].filter(([name]) => !b.has(name)).map(([name, at]) => `${name} (${at})`);
}

function eachElement(el: XmlElement, visit: (el: XmlElement) => void): void {
  visit(el);
  for (const child of el.children) eachElement(child, visit);
}

/** The offset just after `<name` of an element starting at `line`:`column` (1-based). */
function afterName(text: string, el: XmlElement): number {
  const lines = text.split("\n");
  const offset = lines.slice(0, el.line - 1).reduce((sum, l) => sum + l.length + 1, 0);
  return offset + el.column - 1 + 1 + el.name.length;
}

const PROBE = "drift-probe";

/**
 * For every element of `xml` (a valid config), the attributes the parser
 * knows for it: an unknown attribute is added to the element's first
 * occurrence, and the warning names the known ones.
 */
export function knownAttributes(xml: string): Map<string, string[]> {
  const known = new Map<string, string[]>();
  eachElement(parseXmlTree(xml), (el) => {
    if (known.has(el.name)) return;
    const at = afterName(xml, el);
    const probed = `${xml.slice(0, at)} ${PROBE}="1"${xml.slice(at)}`;
    const warning = parseConfig(probed, "probe.xml").warnings
      .map((w) => w.message)
      .find((message) => message.includes(`"${PROBE}"`));
    if (warning === undefined) throw new Error(`Cannot probe <${el.name}>: no warning`);
    const list = /; known: (.*)$/.exec(warning)?.[1];
    known.set(el.name, list ? list.split(", ") : []);
  });
  return known;
}

/** Every element name the parser accepts, from its `shape(el, [attributes], [children])` calls. */
export function parserElements(): Places {
  const elements: Places = new Map([["pdconfig", "the root"]]);
  for (const file of sourceFiles("src/config")) {
    const text = read(file);
    const lists = [
      ...text.matchAll(/shape\(\s*\w+,\s*\[[^\]]*\],\s*\[([^\]]*)\]/g),
      ...text.matchAll(/ROOT_CHILDREN = \[([^\]]*)\]/g),
    ];
    for (const match of lists) {
      const line = text.slice(0, match.index).split("\n").length;
      for (const name of match[1].matchAll(/"([a-z-]+)"/g)) {
        if (!elements.has(name[1])) elements.set(name[1], `${file}:${line}`);
      }
    }
  }
  return elements;
}
