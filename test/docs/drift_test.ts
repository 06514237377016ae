/**
 * Docs that cannot drift silently. Each test names exactly what is missing
 * where, so whoever adds an event, an admin call, a signal or a config
 * attribute learns which line to add:
 *
 * - every `event=` the code logs has a row in README.md's event table
 *   (## Logging), and every row is an event the code logs;
 * - every change call (`CALLS` in src/changes/api.ts) has a row in the
 *   README's call table (### Changes), and every row is a call;
 * - the README's signal table is exactly the signals src/cli/signals.ts
 *   handles, and the systemd units and logrotate snippets in README.md and
 *   docs/install.md send each signal for what the table says it does;
 * - every attribute the config parser knows, for every element, appears in
 *   config.example.xml, and so does every element.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ChangeApi } from "../../src/changes/api.ts";
import {
  knownAttributes,
  loggedEvents,
  missing,
  parserElements,
  type Places,
  read,
  section,
  tableNames,
} from "./drift.ts";

const README = read("README.md");

describe("README.md's event table (## Logging)", () => {
  const logged = loggedEvents();
  const listed = tableNames(section(README, "Logging"));

  it("finds events on both sides (the scanners still work)", () => {
    assert.ok(logged.size >= 30, `only ${logged.size} events found in src/`);
    assert.ok(listed.size >= 30, `only ${listed.size} events found in README.md's table`);
  });

  it("lists every event the code logs", () => {
    const problems = missing(logged, listed).map((event) =>
      `event ${event} is logged but has no row in README.md's event table (## Logging)`
    );
    assert.deepEqual(problems, []);
  });

  it("lists no event the code never logs", () => {
    const problems = missing(listed, logged).map((event) =>
      `README.md's event table (## Logging) lists ${event}, which nothing under src/ logs`
    );
    assert.deepEqual(problems, []);
  });
});

describe("README.md's call table (### Changes)", () => {
  const calls: Places = new Map(ChangeApi.names.map((name) => [name, "src/changes/api.ts CALLS"]));
  const listed = tableNames(section(README, "Changes"));

  it("documents every change call", () => {
    const problems = missing(calls, listed).map((call) =>
      `admin call ${call} has no row in README.md's call table (### Changes)`
    );
    assert.deepEqual(problems, []);
  });

  it("documents no call that does not exist", () => {
    const problems = missing(listed, calls).map((call) =>
      `README.md's call table (### Changes) lists ${call}, which is not in CALLS`
    );
    assert.deepEqual(problems, []);
  });
});

describe("signals: one table, and the units that follow it", () => {
  const handled = new Set(
    /const HANDLED: SignalName\[\] = \[([^\]]*)\]/.exec(read("src/cli/signals.ts"))?.[1]
      .match(/SIG[A-Z0-9]+/g),
  );
  const rows = section(README, "Signals").split("\n").filter((line) => /^\| .*`SIG/.test(line));
  /** What the README's table says `signal` does (its rows' second cells). */
  const effect = (signal: string) =>
    rows.filter((row) => row.split("|")[1].includes(signal)).map((row) => row.split("|")[2])
      .join(" ");

  it("README.md's signal table is exactly the signals src/cli/signals.ts handles", () => {
    assert.ok(handled.size >= 4, "cannot read HANDLED in src/cli/signals.ts");
    const documented = new Set(rows.flatMap((row) => row.split("|")[1].match(/SIG[A-Z0-9]+/g)));
    const problems = [
      ...[...handled].filter((s) => !documented.has(s)).map((s) =>
        `${s} is handled (src/cli/signals.ts) but has no row in README.md's signal table`
      ),
      ...[...documented].filter((s) => !handled.has(s!)).map((s) =>
        `README.md's signal table lists ${s}, which src/cli/signals.ts does not handle`
      ),
    ];
    assert.deepEqual(problems, []);
  });

  it("the systemd units and logrotate send each signal for what the table says", () => {
    const problems: string[] = [];
    for (const file of ["README.md", "docs/install.md"]) {
      const text = read(file);
      const uses: [RegExp, string][] = [
        [/^ExecReload=\/bin\/kill -(\w+) /gm, "reload"],
        [/^KillSignal=(\w+)$/gm, "drain"],
        [/--signal=(\w+) director\.service/g, "re-open the log"],
      ];
      for (const [pattern, purpose] of uses) {
        for (const match of text.matchAll(pattern)) {
          const signal = match[1].startsWith("SIG") ? match[1] : `SIG${match[1]}`;
          if (!effect(signal).includes(purpose)) {
            problems.push(
              `${file}: "${match[0].trim()}" is meant to ${purpose}, ` +
                `but README.md's signal table says ${signal}: ${
                  effect(signal).trim() || "nothing"
                }`,
            );
          }
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});

describe("config.example.xml documents the whole format", () => {
  const example = read("config.example.xml");

  it("holds every element the parser accepts", () => {
    const problems = missing(parserElements(), new Set(example.match(/(?<=<)[a-z-]+/g))).map(
      (element) => `element <${element}> is accepted by the parser but not in config.example.xml`,
    );
    assert.deepEqual(problems, []);
  });

  it("mentions every attribute the parser knows, for every element", () => {
    const known = knownAttributes(example);
    assert.ok(known.size >= 10, `only ${known.size} elements probed`);
    const problems: string[] = [];
    for (const [element, attributes] of known) {
      for (const attribute of attributes) {
        if (!new RegExp(`(?<![\\w-])${attribute}=`).test(example)) {
          problems.push(
            `<${element} ${attribute}="…"> is read by the parser but not in config.example.xml`,
          );
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});
