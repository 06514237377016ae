/**
 * Network errors as kinds: errno codes map to the kinds the data plane
 * decides on, `asNetError` finds the code in a cause chain or in an
 * engine's "(os error N)", and falls back to "other" with the innermost
 * message — never throwing on odd values.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  asNetError,
  ERRNO_KINDS,
  fromErrno,
  NetError,
  netErrorKind,
} from "../../src/runtime/net_error.ts";

test("fromErrno: the codes a connect meets map to their kinds", () => {
  const cases: [string, string][] = [
    ["ECONNREFUSED", "refused"],
    ["ETIMEDOUT", "timeout"],
    ["EHOSTUNREACH", "unreachable"],
    ["ECONNRESET", "reset"],
    ["EMFILE", "local-resource"],
    ["EADDRINUSE", "addr-in-use"],
    ["ENOTFOUND", "name-not-found"],
  ];
  for (const [code, kind] of cases) {
    const cause = new Error("engine text");
    const error = fromErrno(code, cause)!;
    assert.ok(error instanceof NetError, code);
    assert.equal(error.kind, kind, code);
    assert.equal(error.code, code);
    assert.equal(error.cause, cause);
    assert.equal(error.message, ERRNO_KINDS[code][1], "the message is ours, not the engine's");
  }
  assert.equal(fromErrno("EWHATEVER", null), undefined);
  assert.equal(fromErrno(111, null), undefined, "a number is not a code");
});

test("asNetError: a code on the error or anywhere down its causes", () => {
  const direct = Object.assign(new Error("x"), { code: "ECONNRESET" });
  assert.equal(asNetError(direct).kind, "reset");
  const deep = new TypeError("fetch failed", {
    cause: new Error("outer", {
      cause: Object.assign(new Error("inner"), { code: "ECONNREFUSED" }),
    }),
  });
  const error = asNetError(deep);
  assert.equal(error.kind, "refused");
  assert.equal(error.cause, deep, "the whole chain is kept as the cause");
});

test("asNetError: an engine's printed '(os error N)' is read in the runtime layer", () => {
  const error = asNetError(new Error("Connection refused (os error 111)"));
  assert.equal(error.kind, "refused");
  assert.equal(error.code, "ECONNREFUSED");
  assert.equal(asNetError(new Error("Too many open files (os error 24)")).kind, "local-resource");
  assert.equal(asNetError(new Error("odd (os error 9999)")).kind, "other");
});

test("asNetError: a NetError passes through; anything else is 'other' with its innermost message", () => {
  const net = new NetError("timeout", "connect timed out");
  assert.equal(asNetError(net), net);
  const other = asNetError(new Error("outer", { cause: new Error("the real reason") }));
  assert.equal(other.kind, "other");
  assert.equal(other.message, "the real reason");
  assert.equal(asNetError("a string").message, "a string");
  assert.equal(asNetError(undefined).kind, "other");
  // A cause chain that loops ends (bounded depth) instead of spinning.
  const a: Error & { cause?: unknown } = new Error("a");
  a.cause = a;
  assert.equal(asNetError(a).kind, "other");
});

test("netErrorKind: only a NetError has a kind", () => {
  assert.equal(netErrorKind(new NetError("cancelled", "client left")), "cancelled");
  assert.equal(netErrorKind(Object.assign(new Error("x"), { kind: "refused" })), "other");
  assert.equal(netErrorKind(null), "other");
});
