/**
 * Admin authentication's pure parts: the Basic header parser (malformed
 * headers are no user, never an error), the login throttle per client
 * (bounded, forgetting old failures), and the authenticator over hashes.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Authenticator, LoginThrottle, parseBasicAuth } from "../../src/admin/auth.ts";
import { hashPassword } from "../../src/passwords/passwords.ts";

const basic = (text: string) =>
  "Basic " + btoa(String.fromCharCode(...new TextEncoder().encode(text)));

test("parseBasicAuth: name and password, split at the first colon, UTF-8", () => {
  assert.deepEqual(parseBasicAuth(basic("ops:se:cret")), { name: "ops", password: "se:cret" });
  assert.deepEqual(parseBasicAuth(basic("zoë:pässwörd")), { name: "zoë", password: "pässwörd" });
  assert.deepEqual(parseBasicAuth("basic   " + btoa("a:")), { name: "a", password: "" });
  for (const bad of [undefined, "", "Bearer x", "Basic", "Basic !!!", basic("no-colon")]) {
    assert.equal(parseBasicAuth(bad), undefined, String(bad));
  }
  assert.equal(parseBasicAuth("Basic " + btoa("\xff\xfe:x")), undefined, "not UTF-8");
});

test("login throttle: after limit failures in the window, wait out the rest of it", () => {
  const throttle = new LoginThrottle(3, 1000);
  assert.equal(throttle.fail("c", 0), false);
  assert.equal(throttle.fail("c", 10), false);
  assert.equal(throttle.retryAfter("c", 10), 0, "below the limit");
  assert.equal(throttle.fail("c", 20), true, "crossing it is reported once");
  assert.equal(throttle.fail("c", 30), false);
  assert.equal(throttle.retryAfter("c", 400), 600);
  assert.equal(throttle.retryAfter("other", 400), 0, "per client");
  assert.equal(throttle.retryAfter("c", 1000), 0, "the window is over");
  throttle.fail("d", 0);
  throttle.fail("d", 0);
  throttle.succeed("d");
  assert.equal(throttle.fail("d", 1), false, "a success forgets the failures");
});

test("login throttle: bounded — old clients are forgotten first, then half when still full", () => {
  const throttle = new LoginThrottle(1, 1000, 4);
  for (const c of ["a", "b", "c", "d"]) throttle.fail(c, 0);
  throttle.fail("e", 2000); // the others' windows are over: pruned
  assert.equal(throttle.retryAfter("a", 2000), 0);
  assert.ok(throttle.retryAfter("e", 2000) > 0);
  for (const c of ["f", "g", "h"]) throttle.fail(c, 2000);
  throttle.fail("i", 2000); // full of live entries: the oldest half goes
  assert.equal(throttle.retryAfter("e", 2000), 0, "e was among the oldest");
  assert.ok(throttle.retryAfter("h", 2000) > 0);
  assert.ok(throttle.retryAfter("i", 2000) > 0);
});

test("authenticator: the right password, a wrong one, an unknown user", async () => {
  const users = [{
    name: "ops",
    password: await hashPassword("s3cret", 4),
    access: "full" as const,
  }];
  const auth = new Authenticator(() => users);
  assert.deepEqual(await auth.authenticate(basic("ops:s3cret")), { name: "ops", access: "full" });
  assert.equal(await auth.authenticate(basic("ops:wrong")), undefined);
  assert.equal(await auth.authenticate(basic("nobody:s3cret")), undefined);
  assert.equal(await auth.authenticate(undefined), undefined);
});
