/**
 * `slowstart` on groups and hosts: accepted values, refusals naming the
 * element and line, and the round trip through `serializeConfig`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config/parse.ts";
import { serializeConfig } from "../../src/config/serialize.ts";
import { refusals, withGroup } from "./helpers.ts";

const group = (attrs: string, host = "") =>
  withGroup(
    `name="main" scheduler="roundrobin"${attrs}`,
    `      <host ip="127.0.0.1:8001"${host}/>`,
  );

describe("slowstart", () => {
  it("is read in ms on groups and hosts; 0 on a host turns it off", () => {
    const { config } = parseConfig(group(' slowstart="30"', ' slowstart="0.5"'), "ok.xml");
    const g = config.services[0].groups[0];
    assert.equal(g.slowStartMs, 30_000);
    assert.equal(g.hosts[0].slowStartMs, 500);
    const off = parseConfig(group("", ' slowstart="0"'), "ok.xml").config;
    assert.equal(off.services[0].groups[0].hosts[0].slowStartMs, 0);
    assert.equal(off.services[0].groups[0].slowStartMs, undefined);
  });

  it("round-trips, and is not written when absent", () => {
    const { config } = parseConfig(group(' slowstart="12.25"', ' slowstart="3"'), "ok.xml");
    const xml = serializeConfig(config);
    assert.match(xml, /<group [^>]*slowstart="12.25"/);
    assert.match(xml, /<host [^>]*slowstart="3"/);
    assert.deepEqual(parseConfig(xml, "again.xml").config, config);
    assert.doesNotMatch(serializeConfig(parseConfig(group(""), "ok.xml").config), /slowstart/);
  });

  refusals([
    [
      "a word",
      group(' slowstart="soon"'),
      4,
      '<group name="main">',
      'slowstart="soon"',
      "0 to 3600",
    ],
    ["a negative host value", group("", ' slowstart="-1"'), 5, "<host", 'slowstart="-1"'],
    ["over an hour", group(' slowstart="3601"'), 4, 'slowstart="3601" is not allowed'],
    ["a 4th decimal", group("", ' slowstart="1.0001"'), 5, "at most 3 decimals"],
    ["an empty value", group(' slowstart=""'), 4, 'slowstart=""'],
  ]);
});
