/**
 * The pure parts of the traffic policy: `client-rate` text, access lists
 * (first match wins, the default), route tables, and insertion by position.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AccessList,
  formatClientRate,
  insertAt,
  parseClientRate,
  RouteTable,
} from "../../src/policy/rules.ts";

test("client-rate: COUNT/SECONDS, decimals allowed, everything else refused", () => {
  assert.deepEqual(parseClientRate("10/1"), { count: 10, windowMs: 1000 });
  assert.deepEqual(parseClientRate("3/0.5"), { count: 3, windowMs: 500 });
  assert.equal(formatClientRate(parseClientRate("100/60")), "100/60");
  for (const bad of ["5", "0/1", "5/0", "-1/1", "5/1s", " 5/1", "1e3/1", "5/86401", "5/"]) {
    assert.throws(() => parseClientRate(bad), /^Error: Cannot use client-rate/, bad);
  }
});

test("access list: first match wins; no match allowed unless any rule allows", () => {
  const list = new AccessList([
    { action: "deny", src: "10.1.0.0/16" },
    { action: "allow", src: "10.0.0.0/8" },
    { action: "allow", src: "::1" },
  ]);
  assert.equal(list.allows("10.1.2.3"), false);
  assert.equal(list.allows("10.2.0.1"), true);
  assert.equal(list.allows("::ffff:10.2.0.1"), true, "an IPv4 client on a dual-stack listener");
  assert.equal(list.allows("::1"), true);
  assert.equal(list.allows("192.0.2.1"), false, "there are allows: no match is refused");
  const denies = new AccessList([{ action: "deny", src: "192.0.2.0/24" }]);
  assert.equal(denies.allows("192.0.2.200"), false);
  assert.equal(denies.allows("198.51.100.1"), true, "only denies: no match is allowed");
  assert.equal(new AccessList([]).allows("anything"), true);
  assert.equal(new AccessList([{ action: "allow", src: "::/0" }]).allows("203.0.113.9"), true);
});

test("routes: first match wins, case-insensitive, wildcards cover one or more labels", () => {
  const table = new RouteTable([
    { sni: "API.example.com", group: "api" },
    { sni: "*.example.com", group: "web" },
  ]);
  assert.equal(table.groupFor("api.example.com"), "api");
  assert.equal(table.groupFor("Api.Example.Com."), "api");
  assert.equal(table.groupFor("a.b.example.com"), "web");
  assert.equal(table.groupFor("example.com"), undefined);
  assert.equal(table.groupFor("other.org"), undefined);
});

test("insertAt: before the rule at that index, appended without one", () => {
  assert.deepEqual(insertAt([1, 2, 3], 9, 0), [9, 1, 2, 3]);
  assert.deepEqual(insertAt([1, 2, 3], 9, 2), [1, 2, 9, 3]);
  assert.deepEqual(insertAt([1, 2, 3], 9, undefined), [1, 2, 3, 9]);
  assert.deepEqual(insertAt([1, 2, 3], 9, 3), [1, 2, 3, 9]);
});
