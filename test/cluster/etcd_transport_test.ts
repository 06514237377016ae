/**
 * The pure parts of the etcd transport: prefix ranges in base64, the two
 * shapes of gateway errors, and the watch's reconnect backoff.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { describe, it } from "node:test";
import { decode, encode, gatewayError, prefixRange } from "../../src/cluster/etcd_transport.ts";
import { BACKOFF_MAX_MS, backoffDelay } from "../../src/cluster/etcd_watch.ts";

const bytes = (base64: string) => [...Buffer.from(base64, "base64")];

describe("prefixRange", () => {
  it("increments the last byte of the prefix", () => {
    assert.deepEqual(prefixRange("/director/"), {
      key: encode("/director/"),
      range_end: encode("/director0"),
    });
  });

  it("increments the last UTF-8 byte of a non-ASCII prefix", () => {
    // "aÿ" is 61 c3 bf in UTF-8.
    assert.deepEqual(bytes(prefixRange("a\u00ff").range_end), [0x61, 0xc3, 0xc0]);
  });

  it("selects all keys for the empty prefix", () => {
    assert.deepEqual(prefixRange(""), { key: "AA==", range_end: "AA==" });
  });

  it("round-trips text through base64", () => {
    assert.equal(decode(encode("<pdconfig> é ✓")), "<pdconfig> é ✓");
    assert.equal(decode(undefined), "");
  });
});

describe("gatewayError", () => {
  it("reads a unary error body", () => {
    assert.deepEqual(
      gatewayError({ error: "etcdserver: key is not provided", message: "m", code: 3 }),
      { code: 3, message: "m" },
    );
  });

  it("reads a stream error object", () => {
    assert.deepEqual(
      gatewayError({ error: { grpc_code: 14, http_code: 503, message: "no leader" } }),
      { code: 14, message: "no leader" },
    );
  });

  it("finds no error in answers", () => {
    assert.equal(gatewayError({ header: { revision: "3" }, kvs: [] }), undefined);
    assert.equal(gatewayError({ result: { created: true } }), undefined);
    assert.equal(gatewayError("text"), undefined);
  });
});

describe("backoffDelay", () => {
  it("doubles from 100 ms to at most 5 s, jittered to 50-100 %", () => {
    assert.deepEqual([0, 1, 2, 3].map((a) => backoffDelay(a, () => 1)), [100, 200, 400, 800]);
    assert.equal(backoffDelay(0, () => 0), 50);
    assert.equal(backoffDelay(10, () => 1), BACKOFF_MAX_MS);
    assert.equal(backoffDelay(1000, () => 0), BACKOFF_MAX_MS / 2);
  });
});
