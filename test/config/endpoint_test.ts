/**
 * `host:port` specs: what resolves to what, and what is refused with which reason.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EndpointError, parseEndpoint } from "../../src/config/endpoint.ts";

describe("parseEndpoint accepts", () => {
  const cases: Array<[string, string, number]> = [
    ["127.0.0.1:80", "127.0.0.1", 80],
    ["*:18100", "0.0.0.0", 18100],
    ["localhost:7001", "localhost", 7001],
    ["[::1]:80", "::1", 80],
    ["[::]:8080", "::", 8080],
    ["[2001:db8::8a2e:370:7334]:443", "2001:db8::8a2e:370:7334", 443],
    ["[::ffff:192.0.2.1]:1", "::ffff:192.0.2.1", 1],
    ["[1:2:3:4:5:6:7:8]:65535", "1:2:3:4:5:6:7:8", 65535],
    ["backend-1.internal.example.com:8080", "backend-1.internal.example.com", 8080],
    ["db_primary:5432", "db_primary", 5432],
    ["example.com.:80", "example.com.", 80],
  ];
  for (const [spec, hostname, port] of cases) {
    it(`${spec} → ${hostname} port ${port}, spec kept verbatim`, () => {
      assert.deepEqual(parseEndpoint(spec), { spec, hostname, port });
    });
  }
});

describe("parseEndpoint refuses", () => {
  const cases: Array<[string, string]> = [
    ["127.0.0.1", "missing port"],
    ["127.0.0.1:", "missing port"],
    ["[::1]", "missing port"],
    ["[::1]:", "missing port"],
    [":80", "empty host"],
    ["[]:80", "empty host"],
    ["127.0.0.1:0", "out of range 1-65535"],
    ["127.0.0.1:65536", "out of range 1-65535"],
    ["127.0.0.1:99999999999999999999", "out of range 1-65535"],
    ["127.0.0.1:http", 'port "http" is not a number'],
    ["127.0.0.1:-1", 'port "-1" is not a number'],
    ["127.0.0.1:8.5", 'port "8.5" is not a number'],
    ["127.0.0.1:0x50", 'port "0x50" is not a number'],
    ["::1:80", "must be in brackets"],
    ["fe80::1", "must be in brackets"],
    ["[::1:80", 'without a closing "]"'],
    ["[::1]80", 'unexpected "80" after "]"'],
    ["[zz::1]:80", '"zz::1" is not an IPv6 address'],
    ["[1:2:3:4:5:6:7:8:9]:80", "is not an IPv6 address"],
    ["[1::2::3]:80", "is not an IPv6 address"],
    ["[127.0.0.1]:80", "is not an IPv6 address"],
    ["256.1.1.1:80", '"256.1.1.1" is not a valid host'],
    ["1.2.3:80", '"1.2.3" is not a valid host'],
    ["bad_host!:80", '"bad_host!" is not a valid host'],
    ["-leading.example:80", "is not a valid host"],
    ["a..b:80", "is not a valid host"],
    ["*.example:80", "is not a valid host"],
    [" 127.0.0.1:80", "contains whitespace"],
    ["127.0.0.1 :80", "contains whitespace"],
    ["", "it is empty"],
    ["garbage", "missing port"],
  ];
  for (const [spec, reason] of cases) {
    it(`${JSON.stringify(spec)}: ${reason}`, () => {
      assert.throws(() => parseEndpoint(spec), (error: unknown) => {
        assert.ok(error instanceof EndpointError);
        assert.ok(
          error.message.startsWith(`Cannot parse address "${spec}": `),
          error.message,
        );
        assert.ok(error.message.includes(reason), `${error.message} lacks ${reason}`);
        assert.ok(error.message.includes("expected HOST:PORT"), error.message);
        return true;
      });
    });
  }
});
