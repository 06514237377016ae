/**
 * The scheduling attributes: `<host weight>` and `<group stickytime>`, and
 * the `sticky` and `hash` schedulers. Valid values load into the model
 * (defaults left out), invalid ones are refused with FILE:LINE:COL and the
 * element, and both round-trip through `serializeConfig`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DirectorConfig } from "../../src/config/model.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { parseWeight } from "../../src/config/scheduling.ts";
import { serializeConfig } from "../../src/config/serialize.ts";
import { HOST, type Refusal, refusals, withGroup } from "./helpers.ts";

const load = (xml: string): DirectorConfig => parseConfig(xml, "ok.xml").config;
const RR = 'name="main" scheduler="roundrobin"';
const hostWith = (attributes: string) => `      <host name="a" ip="127.0.0.1:8001"${attributes}/>`;
const firstGroup = (xml: string) => load(xml).services[0].groups[0];

describe("host weight", () => {
  for (
    const [written, weight] of [
      ["0", 0],
      ["0.5", 0.5],
      ["2", 2],
      ["1000", 1000],
      ["0.001", 0.001],
      ["007.250", 7.25],
      ["1000.000", 1000],
    ] as const
  ) {
    it(`weight="${written}" is ${weight}`, () => {
      assert.equal(
        firstGroup(withGroup(RR, hostWith(` weight="${written}"`))).hosts[0].weight,
        weight,
      );
    });
  }

  it("weight 1, written or not, is left out of the model", () => {
    for (const attribute of ["", ' weight="1"', ' weight="1.000"']) {
      const host = firstGroup(withGroup(RR, hostWith(attribute))).hosts[0];
      assert.equal("weight" in host, false, attribute);
    }
  });

  refusals(
    ["-1", "1001", "1000.001", "abc", "1e3", "", " 2", "2 ", "0.0001", "1,5", ".5", "5.", "NaN"]
      .map((value): Refusal => [
        `weight="${value}" is refused`,
        withGroup(RR, hostWith(` weight="${value}"`)),
        5,
        `<host name="a">: weight="${value}" is not allowed`,
        "from 0 to 1000 with at most 3 decimals",
      ]),
  );

  it("the admin calls accept exactly what the config does", () => {
    assert.equal(parseWeight("2.5"), 2.5);
    assert.equal(parseWeight("0"), 0);
    assert.equal(parseWeight("10000"), undefined);
    assert.equal(parseWeight("-0"), undefined);
  });
});

describe("group stickytime and the sticky and hash schedulers", () => {
  for (
    const [written, ms] of [["60", 60_000], ["0.5", 500], ["31536000", 31_536_000_000]] as const
  ) {
    it(`stickytime="${written}" is ${ms} ms`, () => {
      const group = firstGroup(withGroup(`${RR} stickytime="${written}"`, HOST));
      assert.equal(group.stickyTimeMs, ms);
    });
  }

  it("stickytime 1800, written or not, is left out of the model", () => {
    for (const attribute of ["", ' stickytime="1800"']) {
      assert.equal("stickyTimeMs" in firstGroup(withGroup(RR + attribute, HOST)), false);
    }
  });

  refusals(["0", "-5", "abc", "31536001", "1e3", ""].map((value): Refusal => [
    `stickytime="${value}" is refused`,
    withGroup(`${RR} stickytime="${value}"`, HOST),
    4,
    `<group name="main">: invalid stickytime="${value}"`,
    "from 0.001 to 31536000",
  ]));

  it("sticky and hash are schedulers, and an unknown one lists all six", () => {
    for (const scheduler of ["sticky", "hash"]) {
      assert.equal(
        firstGroup(withGroup(`name="main" scheduler="${scheduler}"`, HOST)).scheduler,
        scheduler,
      );
    }
    assert.throws(
      () => load(withGroup('name="main" scheduler="ip_hash"', HOST)),
      /expected one of random, roundrobin, leastconns, leastconnsrr, sticky, hash$/,
    );
  });
});

describe("weights and stickytime round-trip", () => {
  const xml = withGroup(
    'name="main" scheduler="sticky" stickytime="90.5"',
    hostWith(' weight="2.5"'),
    '      <host name="b" ip="127.0.0.1:8002" weight="0"/>',
    '      <host name="c" ip="127.0.0.1:8003" weight="1"/>',
  );

  it("serializes non-default weights and stickytime, and parses back equal", () => {
    const config = load(xml);
    const out = serializeConfig(config);
    assert.match(out, /<group name="main" scheduler="sticky" stickytime="90\.5">/);
    assert.match(out, /<host name="a" ip="127\.0\.0\.1:8001" weight="2\.5" \/>/);
    assert.match(out, /<host name="b" ip="127\.0\.0\.1:8002" weight="0" \/>/);
    assert.match(out, /<host name="c" ip="127\.0\.0\.1:8003" \/>/);
    const again = parseConfig(out, "again.xml");
    assert.deepEqual(again.config, config);
    assert.deepEqual(again.warnings, []);
  });

  it("writes neither attribute for a config without them", () => {
    const out = serializeConfig(load(withGroup(RR, HOST)));
    assert.doesNotMatch(out, /weight=|stickytime=/);
  });
});
