/**
 * One rule for counts and seconds: the parser functions themselves, and
 * the config file and the change calls agreeing on every input — what one
 * accepts the other does, with the same value.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { countParam, secondsParam } from "../../src/changes/params.ts";
import { parseCount, parseSeconds } from "../../src/config/numbers.ts";
import { parseConfig } from "../../src/config/parse.ts";

const SECONDS = ["1", "0.5", "0.001", "0.0005", "0.0004", "0", "10", "10.0004", "10.0006", "11"];
const BAD_SECONDS = ["", " 1", "1 ", "-1", "+1", "1e1", "1.", ".5", "0x10", "1,5", "Infinity"];
const COUNTS = ["1", "7", "10", "0", "11", "007", "1.0", "-1", "1e1", " 1", ""];

test("parseSeconds: decimal seconds to whole ms, rounded first, within (0, max]", () => {
  assert.equal(parseSeconds("1", 10), 1000);
  assert.equal(parseSeconds("0.5", 10), 500);
  assert.equal(parseSeconds("0.0005", 10), 1, "rounds up to 1 ms");
  assert.equal(parseSeconds("0.0004", 10), undefined, "rounds to 0 ms");
  assert.equal(parseSeconds("10.0004", 10), 10_000, "rounds to the limit");
  assert.equal(parseSeconds("10.0006", 10), undefined);
  for (const bad of BAD_SECONDS) assert.equal(parseSeconds(bad, 10), undefined, bad);
});

test("parseCount: digits only, from 1 to max", () => {
  assert.deepEqual(COUNTS.map((c) => parseCount(c, 10)), [
    1,
    7,
    10,
    undefined,
    undefined,
    7,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
});

/** The connect timeout a config with `connect-timeout="text"` loads with, or undefined. */
function fromConfig(attr: string, text: string): number | undefined {
  const xml = `<pdconfig><service name="s" maxconn="${attr === "maxconn" ? text : "5"}">
    <listen ip="127.0.0.1:1"/><group name="g" scheduler="roundrobin"
    connect-timeout="${attr === "timeout" ? text : "1"}"><host ip="127.0.0.1:2"/></group>
    <enable group="g"/></service></pdconfig>`;
  try {
    const service = parseConfig(xml, "t.xml").config.services[0];
    return attr === "timeout" ? service.groups[0].connectTimeoutMs : service.maxconn;
  } catch {
    return undefined;
  }
}

const orUndefined = (run: () => number) => {
  try {
    return run();
  } catch {
    return undefined;
  }
};

test("the config file and the change calls accept the same seconds and counts", () => {
  for (const text of [...SECONDS, ...BAD_SECONDS]) {
    const max = 3600;
    const scaled = text.replace(/^10/, "3600").replace(/^11$/, "3601");
    assert.equal(
      orUndefined(() => secondsParam(scaled, "timeout", max)),
      fromConfig("timeout", scaled),
      `seconds "${scaled}"`,
    );
  }
  for (const text of [...COUNTS, "10000000", "10000001"]) {
    assert.equal(
      orUndefined(() => countParam(text, "maxconn", 10_000_000)),
      fromConfig("maxconn", text),
      `count "${text}"`,
    );
  }
});

test("changeService takes maxconn by the same rule (or 'default')", async () => {
  const { adminFixture } = await import("../admin/fixture.ts");
  const fx = adminFixture();
  try {
    for (const text of [...COUNTS, "10000000", "10000001", "default"]) {
      const status = (await fx.call(`/changeService?service=web&maxconn=${text}`)).status;
      const ok = text === "default" || parseCount(text, 10_000_000) !== undefined;
      assert.equal(status, ok ? 200 : 400, `maxconn "${text}"`);
    }
  } finally {
    fx.close();
  }
});
