/**
 * Config fuzzing: thousands of random mutations of valid configs (byte
 * flips, deletions, duplicated elements and attributes, hostile attribute
 * values, truncation…) through `parseConfig`, in-process. Every input must
 * either load — and then serialize to a config that loads to the same
 * model, as `/running.xml` and `save` rely on — or be refused with a
 * `ConfigError` whose message starts with the file name; never another
 * exception (inputs slower than 50 ms are counted and printed, not failed).
 *
 * Then hostile documents: entity bombs, external entities and DTDs, 10,000
 * nested elements, a 5 MB attribute, and configs with thousands of
 * elements (how parse time grows is measured by \`bench/parse_scaling.ts\`).
 *
 * The seed is printed; `FUZZ_SEED=n` replays a run, `FUZZ_COUNT=n` changes
 * the number of inputs.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { ConfigError } from "../../src/config/model.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { serializeConfig } from "../../src/config/serialize.ts";
import { prng, type Rng } from "./prng.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SEEDS: Record<string, string> = {
  "legacy-config.xml": readFileSync(join(ROOT, "test/fixtures/legacy-config.xml"), "utf8"),
  "config.example.xml": readFileSync(join(ROOT, "config.example.xml"), "utf8"),
  "default.xml": readFileSync(join(ROOT, "src/config/default.xml"), "utf8"),
};
/** The name every input is parsed under: each refusal must start with it. */
const FILE = "/etc/director/fuzzed.xml";
const COUNT = Number(process.env.FUZZ_COUNT ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SLOW_MS = 50;

/** Attribute values that have broken parsers and validators before. */
const HOSTILE_VALUES = [
  "",
  " ",
  "0",
  "-1",
  "-0",
  "1.5",
  "0.0001",
  "0.001",
  "1e3",
  "1e309",
  "0x10",
  "Infinity",
  "NaN",
  "99999999999999999999999999",
  "3600.0000000000001",
  "9007199254740993",
  "127.0.0.1:0",
  "127.0.0.1:65535",
  "127.0.0.1:65536",
  "127.0.0.1:-1",
  "127.0.0.1:99999999999999999999",
  "*:80",
  "[::1]:80",
  "[::1",
  "::1:80",
  ":80",
  "host:",
  "a:b:c",
  "256.256.256.256:80",
  "localhost:80",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "ünïcødé",
  "名前",
  "🙂🙃",
  "\u202Eevil",
  "\uFEFFbom",
  "a\u0000b",
  "tab\there",
  "new\nline",
  "&amp;&lt;&gt;&quot;&apos;",
  "&#x41;&#66;",
  "&#0;",
  "&#xD800;",
  "&#x110000;",
  "&unknown;",
  "&",
  "<",
  ">",
  "'",
  '"',
  "%s%n%x",
  "${process.exit()}",
  "../../../../etc/passwd",
  "x".repeat(10_000),
  "yes",
  "no",
  "full",
  "readonly",
  "random",
  "roundrobin",
  "leastconns",
  "leastconnsrr",
  "$2b$04$abcdefghijklmnopqrstuu5Ei0oJgS3v8/u3yJ/FTB9r5cZJZ5v2y",
  "abhWCwoTZY2c6",
];
const ELEMENT_NAMES = [
  "pdconfig",
  "service",
  "listen",
  "group",
  "host",
  "enable",
  "admin",
  "user",
  "logging",
  "checktime",
  "timeouts",
  "foo",
  "xi:include",
];
const ATTRIBUTE_NAMES = [
  "name",
  "ip",
  "scheduler",
  "connect-timeout",
  "group",
  "listen",
  "secure",
  "cert",
  "key",
  "password",
  "access",
  "file",
  "time",
  "idle-timeout",
  "maxconn",
  "weight",
  "drain",
  "admin-request",
  "access-file",
  "foo",
  "__proto__",
  "constructor",
  "xmlns",
  "xml:lang",
];
const SNIPPETS = [
  "<",
  ">",
  "/>",
  "</",
  "&",
  '"',
  "'",
  "=",
  "<!--",
  "-->",
  "<![CDATA[",
  "]]>",
  '<?xml version="1.0"?>',
  "<?pi x?>",
  "<!DOCTYPE pdconfig>",
  "<!ENTITY x 'y'>",
  "\u0000",
  "\u0001",
  "\u001b[31m",
  "\r",
  "\r\n",
  "\t",
  "\uFFFE",
  "\uD800",
  "🙂",
  " ",
  "text",
];

function spans(text: string, re: RegExp): [number, number][] {
  return [...text.matchAll(re)].map((m) => [m.index!, m.index! + m[0].length]);
}

/** The mutations; each returns the new text (possibly unchanged). */
const MUTATIONS: Record<string, (text: string, r: Rng) => string> = {
  flip(text, r) {
    const i = r.int(text.length);
    const ch = r.next() < 0.5 ? String.fromCharCode(r.int(128)) : r.pick(SNIPPETS);
    return text.slice(0, i) + ch + text.slice(i + 1);
  },
  insert(text, r) {
    const i = r.int(text.length + 1);
    return text.slice(0, i) + r.pick(SNIPPETS) + text.slice(i);
  },
  delete(text, r) {
    const i = r.int(text.length);
    return text.slice(0, i) + text.slice(i + 1 + r.int(60));
  },
  truncate(text, r) {
    return text.slice(0, r.int(text.length));
  },
  duplicateElement(text, r) {
    // A self-closing element, or a whole <service>/<group>/<admin> block.
    const all = [
      ...spans(text, /<[a-z]+\b[^<>]*\/>/g),
      ...spans(text, /<(service|group|admin)\b[\s\S]*?<\/\1>/g),
    ];
    if (all.length === 0) return text;
    const [a, b] = r.pick(all);
    const at = r.next() < 0.5 ? b : r.pick(all)[1];
    return text.slice(0, at) + text.slice(a, b) + text.slice(at);
  },
  deleteElement(text, r) {
    const all = [
      ...spans(text, /<[a-z]+\b[^<>]*\/>/g),
      ...spans(text, /<(service|group|admin)\b[\s\S]*?<\/\1>/g),
    ];
    if (all.length === 0) return text;
    const [a, b] = r.pick(all);
    return text.slice(0, a) + text.slice(b);
  },
  duplicateAttribute(text, r) {
    const all = spans(text, /\s[\w:-]+="[^"]*"/g);
    if (all.length === 0) return text;
    const [a, b] = r.pick(all);
    return text.slice(0, b) + text.slice(a, b) + text.slice(b);
  },
  deleteAttribute(text, r) {
    const all = spans(text, /\s[\w:-]+="[^"]*"/g);
    if (all.length === 0) return text;
    const [a, b] = r.pick(all);
    return text.slice(0, a) + text.slice(b);
  },
  attributeValue(text, r) {
    const all = [...text.matchAll(/(\s[\w:-]+=")([^"]*)"/g)];
    if (all.length === 0) return text;
    const m = r.pick(all);
    const start = m.index! + m[1].length;
    let value: string;
    const roll = r.next();
    if (roll < 0.6) value = r.pick(HOSTILE_VALUES);
    else if (roll < 0.8) value = String(Math.floor((r.next() - 0.3) * 10 ** r.int(25)));
    else {
      value = Array.from({ length: r.int(20) }, () => String.fromCodePoint(r.int(0x3000))).join(
        "",
      );
    }
    return text.slice(0, start) + value + text.slice(start + m[2].length);
  },
  addAttribute(text, r) {
    const all = spans(text, /<[a-z]+\b/g);
    if (all.length === 0) return text;
    const [, b] = r.pick(all);
    return `${text.slice(0, b)} ${r.pick(ATTRIBUTE_NAMES)}="${r.pick(HOSTILE_VALUES)}"${
      text.slice(b)
    }`;
  },
  addElement(text, r) {
    const all = spans(text, /<[a-z]+\b[^<>]*>/g);
    if (all.length === 0) return text;
    const [, b] = r.pick(all);
    const name = r.pick(ELEMENT_NAMES);
    const attrs = r.next() < 0.7
      ? ` ${r.pick(ATTRIBUTE_NAMES)}="${r.pick(HOSTILE_VALUES).replaceAll('"', "")}"`
      : "";
    return `${text.slice(0, b)}<${name}${attrs}/>${text.slice(b)}`;
  },
  renameElement(text, r) {
    const all = [...text.matchAll(/<\/?([a-z]+)\b/g)];
    if (all.length === 0) return text;
    const m = r.pick(all);
    const start = m.index! + m[0].indexOf(m[1]);
    return text.slice(0, start) + r.pick(ELEMENT_NAMES) + text.slice(start + m[1].length);
  },
  swapLines(text, r) {
    const lines = text.split("\n");
    const i = r.int(lines.length), j = r.int(lines.length);
    [lines[i], lines[j]] = [lines[j], lines[i]];
    return lines.join("\n");
  },
  duplicateLine(text, r) {
    const lines = text.split("\n");
    const i = r.int(lines.length);
    lines.splice(r.int(lines.length), 0, lines[i]);
    return lines.join("\n");
  },
};

type Outcome =
  | { kind: "loaded" }
  | { kind: "refused"; message: string }
  | { kind: "crashed"; error: unknown };

function outcomeOf(text: string): Outcome {
  try {
    const loaded = parseConfig(text, FILE);
    // What loads must save: the serialized model loads again, to the same model.
    const again = parseConfig(serializeConfig(loaded.config), FILE);
    assert.deepEqual(again.config, loaded.config, "serialize → parse changes the model");
    return { kind: "loaded" };
  } catch (error) {
    if (error instanceof ConfigError) return { kind: "refused", message: error.message };
    return { kind: "crashed", error };
  }
}

/** Milliseconds for one parse; a slow one is retried (the best of 3) so load spikes don't count. */
function timed(text: string): { outcome: Outcome; ms: number } {
  let started = performance.now();
  const outcome = outcomeOf(text);
  let ms = performance.now() - started;
  for (let retry = 0; retry < 3 && ms > SLOW_MS; retry++) {
    started = performance.now();
    outcomeOf(text);
    ms = Math.min(ms, performance.now() - started);
  }
  return { outcome, ms };
}

test(`${COUNT} mutated configs load or are refused with a ConfigError`, () => {
  console.log(`config fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
  const r = prng(SEED);
  const names = Object.keys(MUTATIONS);
  const seeds = Object.entries(SEEDS);
  const counts = { loaded: 0, refused: 0, crashed: 0, slow: 0, badMessage: 0 };
  const byMutation: Record<string, number> = {};
  const failures: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "director-fuzz-"));
  let slowest = 0;
  const started = performance.now();
  for (let i = 0; i < COUNT; i++) {
    const [seedName, original] = seeds[i % seeds.length];
    let text = original;
    const applied: string[] = [];
    for (let k = 1 + r.int(4); k > 0; k--) {
      const name = r.pick(names);
      applied.push(name);
      byMutation[name] = (byMutation[name] ?? 0) + 1;
      text = MUTATIONS[name](text, r);
    }
    const { outcome, ms } = timed(text);
    slowest = Math.max(slowest, ms);
    let problem: string | undefined;
    if (outcome.kind === "crashed") {
      counts.crashed++;
      const e = outcome.error as Error;
      problem = `threw ${e?.name}: ${String(e?.message).slice(0, 200)}`;
    } else if (outcome.kind === "refused" && !outcome.message.startsWith(FILE)) {
      counts.badMessage++;
      problem = `message does not start with the file name: ${outcome.message.slice(0, 200)}`;
    } else {
      counts[outcome.kind]++;
    }
    // Counted and printed, never a failure: a loaded machine is slow at random.
    if (ms > SLOW_MS) counts.slow++;
    if (problem && failures.length < 8) {
      const path = join(dir, `input-${i}.xml`);
      writeFileSync(path, text);
      failures.push(`#${i} (${seedName}, ${applied.join("+")}): ${problem} [input: ${path}]`);
    }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${COUNT} inputs in ${seconds} s: ${counts.loaded} loaded (and round-tripped), ` +
      `${counts.refused} refused, ${counts.crashed} other exceptions, ${counts.badMessage} ` +
      `badly prefixed messages, ${counts.slow} slower than ${SLOW_MS} ms (slowest ` +
      `${slowest.toFixed(1)} ms)`,
  );
  assert.deepEqual(failures, [], `seed ${SEED}:\n${failures.join("\n")}`);
  assert.ok(counts.loaded > 0 && counts.refused > 0, "the mutations exercise both outcomes");
});

/** Parse `text`, which must be refused with a short, clear message matching `expected`. */
function assertRefused(text: string, expected: RegExp): string {
  let message: string | undefined;
  try {
    parseConfig(text, FILE);
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      const e = error as Error;
      assert.fail(`expected a ConfigError, got ${e?.name}: ${String(e?.message).slice(0, 300)}`);
    }
    message = error.message;
  }
  assert.ok(message !== undefined, "the document was accepted");
  assert.ok(message.startsWith(`${FILE}:`), message.slice(0, 300));
  assert.match(message, expected);
  assert.ok(message.length < 1000, `a ${message.length}-character error message is not clear`);
  return message;
}

const SERVICE = `<service name="web"><listen ip="127.0.0.1:8000"/>` +
  `<group name="main" scheduler="roundrobin"><host name="a" ip="127.0.0.1:8001"/></group>` +
  `<enable group="main"/></service>`;

test("entity bombs, external entities and DTDs are refused with a short message naming them", () => {
  const lol = ["<!ENTITY lol0 'lol'>"];
  for (let i = 1; i < 10; i++) lol.push(`<!ENTITY lol${i} '${`&lol${i - 1};`.repeat(10)}'>`);
  assertRefused(
    `<?xml version="1.0"?>\n<!DOCTYPE pdconfig [${lol.join("")}]>\n<pdconfig>&lol9;</pdconfig>`,
    /DOCTYPE/,
  );
  // The references alone, without a DTD: undefined entities, not expansions.
  assertRefused(`<pdconfig><service name="&lol9;&lol9;"/></pdconfig>`, /entity/i);
  assertRefused(
    `<!DOCTYPE pdconfig [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><pdconfig>&xxe;</pdconfig>`,
    /DOCTYPE/,
  );
  assertRefused(
    `<!DOCTYPE pdconfig SYSTEM "http://127.0.0.1:9/evil.dtd"><pdconfig>${SERVICE}</pdconfig>`,
    /DOCTYPE/,
  );
  assertRefused(
    `<!DOCTYPE pdconfig [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><pdconfig/>`,
    /DOCTYPE/,
  );
  assertRefused(`<pdconfig><!ENTITY x "y">${SERVICE}</pdconfig>`, /ENTITY/);
  assertRefused(
    `<pdconfig xmlns:xi="http://www.w3.org/2001/XInclude">` +
      `<xi:include href="file:///etc/passwd" parse="text"/></pdconfig>`,
    /xi:include|unexpected element/,
  );
});

test("10,000 (and 100,000) nested elements are refused with a ConfigError, not a stack overflow", () => {
  for (const depth of [10_000, 100_000]) {
    assertRefused(
      `<pdconfig>${"<service>".repeat(depth)}${"</service>".repeat(depth)}</pdconfig>`,
      /./,
    );
    assertRefused(`<pdconfig>${"<a>".repeat(depth)}${"</a>".repeat(depth)}</pdconfig>`, /./);
  }
});

test("a 5 MB attribute is refused with a short message", () => {
  const big = "x".repeat(5 * 1024 * 1024);
  const fixture = SEEDS["legacy-config.xml"];
  const placements: Record<string, string> = {
    "service name": fixture.replace('<service name="shop"', `<service name="${big}"`),
    "host name": fixture.replace('<host name="alpha"', `<host name="${big}"`),
    "host ip": fixture.replace('ip="127.0.0.1:19101"', `ip="127.0.0.1:${big}"`),
    "user password": fixture.replace('password="pdg.OKQ3wzkKs"', `password="${big}"`),
    "unknown attribute": fixture.replace("<service ", `<service note="${big}" `),
    "logging file": fixture.replace('file="/var/log/pdir.log"', `file="/tmp/${big}"`),
  };
  const problems: string[] = [];
  for (const [where, text] of Object.entries(placements)) {
    assert.notEqual(text, fixture, `the fixture changed: no ${where} to replace`);
    try {
      assertRefused(text, /./);
    } catch (error) {
      problems.push(`5 MB ${where}: ${(error as Error).message.slice(0, 300)}`);
    }
  }
  assert.deepEqual(problems, []);
});

// How parse time grows with size (linear, not quadratic) is measured by
// bench/parse_scaling.ts: a speed, so not asserted here.
