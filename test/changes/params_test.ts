/**
 * Reading a change call's parameters: what is accepted, and that every
 * refusal is a 400 naming the parameter and what was expected.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { LIMITS } from "../../src/config/defaults.ts";
import { ChangeError } from "../../src/changes/errors.ts";
import {
  countParam,
  endpoint,
  need,
  optional,
  type Params,
  scheduler,
  secondsParam,
  weightParam,
  yesNo,
} from "../../src/changes/params.ts";

const params = (values: Record<string, string>): Params => (name) => values[name];

/** `run` throws a 400 ChangeError whose message holds every piece of `parts`. */
function refused(run: () => unknown, ...parts: string[]) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ChangeError, String(error));
    assert.equal(error.status, 400);
    for (const part of parts) assert.ok(error.message.includes(part), `${error.message} ∌ ${part}`);
    return true;
  });
}

test("need and optional: blank counts as absent", () => {
  const p = params({ a: "x", blank: "  " });
  assert.equal(need(p, "a"), "x");
  refused(() => need(p, "blank"), 'missing parameter "blank"');
  refused(() => need(p, "none"), 'missing parameter "none"');
  assert.equal(optional(p, "a"), "x");
  assert.equal(optional(p, "blank"), undefined);
  assert.equal(optional(p, "none"), undefined);
});

test("secondsParam: decimal seconds to whole ms, within (0, max]", () => {
  assert.equal(secondsParam("2", "t", 10), 2000);
  assert.equal(secondsParam("0.001", "t", 10), 1);
  assert.equal(secondsParam("1.5", "t", 10), 1500);
  assert.equal(secondsParam("10", "t", 10), 10_000);
  for (const bad of ["0", "0.0004", "11", "-1", "1e3", " 1", "", "abc", "1."]) {
    refused(() => secondsParam(bad, "timeout", 10), "timeout", "0.001 and 10", `"${bad}"`);
  }
});

test("countParam: whole numbers from 1 to max; the maxconn cap is the config's", () => {
  assert.equal(countParam("1", "n", 5), 1);
  assert.equal(countParam("5", "n", 5), 5);
  for (const bad of ["0", "6", "1.0", "-1", "", "x"]) refused(() => countParam(bad, "n", 5), "n");
  assert.equal(countParam(String(LIMITS.maxconn), "maxconn", LIMITS.maxconn), LIMITS.maxconn);
  refused(() => countParam(String(LIMITS.maxconn + 1), "maxconn", LIMITS.maxconn), "maxconn");
});

test("weightParam: the config's weights, surrounding spaces allowed", () => {
  assert.equal(weightParam("2.5"), 2.5);
  assert.equal(weightParam(" 0 "), 0);
  assert.equal(weightParam(String(LIMITS.weight)), LIMITS.weight);
  for (const bad of ["1001", "-1", "0.0001", "1e2", "x"]) {
    refused(() => weightParam(bad), `malformed weight "${bad}"`);
  }
});

test("endpoint, scheduler, yesNo: the reason and the choices are named", () => {
  assert.equal(endpoint("127.0.0.1:80", "ip").port, 80);
  refused(() => endpoint("127.0.0.1", "ip"), 'malformed ip "127.0.0.1"');
  assert.equal(scheduler("roundrobin"), "roundrobin");
  refused(() => scheduler("fastest"), 'unknown scheduler "fastest"', "roundrobin", "leastconns");
  assert.equal(yesNo("yes", "x"), true);
  assert.equal(yesNo("no", "x"), false);
  refused(() => yesNo("true", "acceptProxy"), 'acceptProxy must be "yes" or "no"');
});
