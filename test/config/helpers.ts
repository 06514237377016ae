/**
 * Small documents and an assertion for the config tests. Documents are built
 * from arrays of lines so each case's line numbers can be read off the code.
 *
 * @module
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import type { Endpoint } from "../../src/config/model.ts";
import { ConfigError } from "../../src/config/model.ts";
import { parseConfig } from "../../src/config/parse.ts";

export const FIXTURE = new URL("../fixtures/legacy-config.xml", import.meta.url);
export const EXAMPLE = new URL("../../config.example.xml", import.meta.url);

export const ep = (spec: string, hostname: string, port: number): Endpoint => ({
  spec,
  hostname,
  port,
});

export const doc = (...lines: string[]): string => lines.join("\n");

export const LISTEN = '    <listen ip="127.0.0.1:8000"/>';
export const GROUP = [
  '    <group name="main" scheduler="roundrobin">',
  '      <host name="a" ip="127.0.0.1:8001"/>',
  "    </group>",
];
export const HOST = '      <host name="a" ip="127.0.0.1:8001"/>';
export const ENABLE = '    <enable group="main"/>';

/** A service (line 2) with `attributes`, holding `inner` from line 3 on. */
export const serviceWith = (attributes: string, ...inner: string[]): string =>
  doc("<pdconfig>", `  <service${attributes}>`, ...inner, "  </service>", "</pdconfig>");

/** Service "web" (line 2) holding `inner` from line 3 on. */
export const withService = (...inner: string[]): string => serviceWith(' name="web"', ...inner);

/** A valid service "web" listening on 127.0.0.1:8000 (lines 2-8), then `extra` from line 9. */
export const withRoot = (...extra: string[]): string =>
  doc(
    "<pdconfig>",
    '  <service name="web">',
    LISTEN,
    ...GROUP,
    ENABLE,
    "  </service>",
    ...extra,
    "</pdconfig>",
  );

/** Service "web" with one group (line 4) with `attributes` and `hosts` from line 5. */
export const withGroup = (attributes: string, ...hosts: string[]): string =>
  withService(LISTEN, `    <group ${attributes}>`, ...hosts, "    </group>", ENABLE);

/**
 * Assert that `xml`, loaded as `bad.xml`, is refused at `line` with a message
 * `bad.xml:LINE:COL: …` holding every one of `parts`; returns the error.
 */
export function refusal(xml: string, line: number, ...parts: string[]): ConfigError {
  let caught: unknown;
  try {
    parseConfig(xml, "bad.xml");
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${caught}`);
  assert.match(caught.message, new RegExp(`^bad\\.xml:${line}:\\d+: `));
  assert.equal(caught.file, "bad.xml");
  assert.equal(caught.line, line);
  for (const part of parts) {
    assert.ok(caught.message.includes(part), `"${caught.message}" lacks "${part}"`);
  }
  return caught;
}

/** A table-driven refusal case: [title, document, line, ...parts]. */
export type Refusal = [string, string, number, ...string[]];

/** One test per case, each asserting its `refusal`. */
export function refusals(cases: Refusal[]): void {
  for (const [title, xml, line, ...parts] of cases) {
    it(title, () => {
      refusal(xml, line, ...parts);
    });
  }
}
