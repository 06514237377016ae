/**
 * PROXY protocol headers, byte-exact against the spec, both ways.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeV1, encodeV2, parseProxyHeader } from "../../src/proxy/proxy_protocol.ts";

const SIG = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
const text = (b: Uint8Array) => new TextDecoder().decode(b);

test("v1 lines for IPv4, IPv6, mapped and mixed addresses", () => {
  assert.equal(
    text(encodeV1({ hostname: "192.0.2.1", port: 56324 }, { hostname: "127.0.0.1", port: 443 })),
    "PROXY TCP4 192.0.2.1 127.0.0.1 56324 443\r\n",
  );
  assert.equal(
    text(encodeV1({ hostname: "::1", port: 4000 }, { hostname: "::1", port: 80 })),
    "PROXY TCP6 ::1 ::1 4000 80\r\n",
  );
  assert.equal(
    text(encodeV1({ hostname: "::ffff:10.1.2.3", port: 1 }, { hostname: "127.0.0.1", port: 2 })),
    "PROXY TCP4 10.1.2.3 127.0.0.1 1 2\r\n",
  );
  assert.equal(
    text(encodeV1({ hostname: "::1", port: 1 }, { hostname: "127.0.0.1", port: 2 })),
    "PROXY UNKNOWN\r\n",
  );
});

test("v2 headers are byte-exact", () => {
  assert.deepEqual(
    [...encodeV2({ hostname: "127.0.0.1", port: 1234 }, { hostname: "10.0.0.2", port: 80 })],
    [...SIG, 0x21, 0x11, 0x00, 0x0c, 127, 0, 0, 1, 10, 0, 0, 2, 0x04, 0xd2, 0x00, 0x50],
  );
  const v6 = encodeV2({ hostname: "2001:db8::1", port: 1 }, { hostname: "::1", port: 443 });
  assert.deepEqual([...v6.subarray(12, 16)], [0x21, 0x21, 0x00, 0x24]);
  assert.deepEqual([...v6.subarray(16, 32)], [
    0x20,
    0x01,
    0x0d,
    0xb8,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    1,
  ]);
  assert.deepEqual([...v6.subarray(32, 48)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual([...v6.subarray(48, 52)], [0, 1, 0x01, 0xbb]);
});

test("parsing round-trips both versions and says when more bytes are needed", () => {
  const src = { hostname: "192.0.2.9", port: 40000 }, dst = { hostname: "127.0.0.1", port: 8080 };
  for (const header of [encodeV1(src, dst), encodeV2(src, dst)]) {
    const withData = new Uint8Array([...header, ...new TextEncoder().encode("GET /")]);
    assert.deepEqual(parseProxyHeader(withData), {
      kind: "ok",
      length: header.length,
      source: src,
    });
    for (let cut = 0; cut < header.length; cut++) {
      assert.equal(parseProxyHeader(header.subarray(0, cut)).kind, "incomplete", `cut at ${cut}`);
    }
  }
  const v6 = encodeV2({ hostname: "2001:db8::7", port: 9 }, { hostname: "::1", port: 80 });
  assert.deepEqual(parseProxyHeader(v6), {
    kind: "ok",
    length: v6.length,
    source: { hostname: "2001:db8::7", port: 9 },
  });
  assert.deepEqual(parseProxyHeader(new TextEncoder().encode("PROXY UNKNOWN\r\n")), {
    kind: "ok",
    length: 15,
  });
});

test("garbage is refused, never mistaken for a header", () => {
  for (
    const bad of [
      "GET / HTTP/1.1\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 99999 80\r\n",
      "PROXY TCP4 not-an-ip 5.6.7.8 1 80\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 1 80\n",
      "PROXY " + "x".repeat(120),
    ]
  ) {
    assert.equal(parseProxyHeader(new TextEncoder().encode(bad)).kind, "invalid", bad);
  }
  const badVersion = new Uint8Array([...SIG, 0x31, 0x11, 0, 0]);
  assert.equal(parseProxyHeader(badVersion).kind, "invalid");
});
