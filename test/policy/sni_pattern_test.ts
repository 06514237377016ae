/**
 * SNI patterns: what parses (and the refusals' wording), and what matches.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { matchesSni, parseSniPattern } from "../../src/policy/sni_pattern.ts";

const matches = (pattern: string, name: string) => matchesSni(parseSniPattern(pattern), name);

describe("parseSniPattern", () => {
  it("parses exact names and wildcards, lower-cased, without the trailing dot", () => {
    assert.deepEqual(parseSniPattern("API.Example.com."), {
      text: "API.Example.com.",
      kind: "exact",
      suffix: "api.example.com",
    });
    assert.deepEqual(parseSniPattern("*.Example.COM"), {
      text: "*.Example.COM",
      kind: "subdomains",
      suffix: "example.com",
    });
    assert.equal(parseSniPattern("localhost").suffix, "localhost");
    assert.equal(parseSniPattern("xn--bcher-kva.example").suffix, "xn--bcher-kva.example");
    assert.equal(parseSniPattern("*.com").suffix, "com");
  });

  it("accepts the longest names and labels", () => {
    const label63 = "a".repeat(63);
    const name253 = [label63, label63, label63, "b".repeat(61)].join(".");
    assert.equal(name253.length, 253);
    assert.equal(parseSniPattern(name253).suffix, name253);
    assert.equal(parseSniPattern(`${name253}.`).suffix, name253);
    assert.equal(parseSniPattern(`*.${name253.slice(2)}`).suffix, name253.slice(2));
  });

  it("refuses what is not a host name, saying why", () => {
    const refusals: [string, RegExp][] = [
      ["", /it is empty/],
      [".", /it is empty/],
      ["*.", /needs a domain/],
      ["*", /only letters|may only stand/],
      ["a.*.com", /may only stand as the first label/],
      ["*a.example.com", /may only stand as the first label/],
      ["**.example.com", /may only stand as the first label/],
      ["a..b", /empty label/],
      [".a", /empty label/],
      ["a.b..", /empty label/],
      ["-a.example", /inner hyphens/],
      ["a-.example", /inner hyphens/],
      ["a_b.example", /only letters/],
      ["a b", /only letters/],
      ["\u212aa.example", /only letters/],
      ["café.example", /only letters/],
      ["1.2.3.4:443", /only letters/],
      [`${"a".repeat(64)}.example`, /longer than 63/],
      [`${"a.".repeat(126)}ab`, /longer than 253/],
      [`*.${"a.".repeat(125)}ab`, /longer than 253/],
    ];
    for (const [text, reason] of refusals) {
      assert.throws(() => parseSniPattern(text), (error: Error) => {
        assert.ok(error.message.startsWith(`Cannot use SNI pattern "${text}": `), error.message);
        assert.match(error.message, reason);
        return true;
      });
    }
  });
});

describe("matchesSni", () => {
  it("matches exact names case-insensitively, ignoring one trailing dot", () => {
    assert.ok(matches("api.example.com", "api.example.com"));
    assert.ok(matches("api.example.com", "API.Example.Com"));
    assert.ok(matches("api.example.com.", "api.example.com"));
    assert.ok(matches("api.example.com", "api.example.com."));
    assert.ok(!matches("api.example.com", "api.example.com.."));
    assert.ok(!matches("api.example.com", "x.api.example.com"));
    assert.ok(!matches("api.example.com", "api.example.co"));
    assert.ok(!matches("api.example.com", "api.example.comx"));
    assert.ok(!matches("api.example.com", ""));
  });

  it("matches one or more whole labels for *", () => {
    assert.ok(matches("*.example.com", "a.example.com"));
    assert.ok(matches("*.example.com", "a.b.example.com"));
    assert.ok(matches("*.example.com", "A.B.EXAMPLE.COM."));
    assert.ok(!matches("*.example.com", "example.com"));
    assert.ok(!matches("*.example.com", ".example.com"));
    assert.ok(!matches("*.example.com", "..example.com"));
    assert.ok(!matches("*.example.com", "a..example.com"));
    assert.ok(!matches("*.example.com", "aexample.com"));
    assert.ok(!matches("*.example.com", "a.example.org"));
    assert.ok(!matches("*.example.com", "a.example.com.evil"));
    assert.ok(!matches("*.example.com", "com"));
    assert.ok(!matches("*.example.com", ""));
  });
});
