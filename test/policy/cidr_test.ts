/**
 * Addresses and ranges: parsing (every IPv6 spelling), keys, canonical text,
 * refusals, matching (boundaries, IPv4-mapped clients), and a seeded
 * comparison of matching against a BigInt model on random ranges.
 *
 * `FUZZ_SEED=n` replays the random part.
 *
 * @module
 */
import assert from "node:assert/strict";
import process from "node:process";
import { describe, it } from "node:test";
import {
  addressKey,
  cidrMatches,
  cidrMatchesKey,
  formatCidr,
  formatIp,
  parseCidr,
  parseIp,
  writeAddressKey,
} from "../../src/policy/cidr.ts";
import { prng, type Rng } from "../fuzz/prng.ts";

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const key = (text: string) => [...(addressKey(text) ?? [])];
const hex = (text: string) => key(text).map((w) => w.toString(16));

describe("parseIp and addressKey", () => {
  it("maps IPv4 into ::ffff:0:0/96, however it is written", () => {
    const expected = [0, 0, 0xffff, 0x7f000005];
    assert.deepEqual(key("127.0.0.5"), expected);
    assert.deepEqual(key("::ffff:127.0.0.5"), expected);
    assert.deepEqual(key("::FFFF:7f00:5"), expected);
    assert.deepEqual(key("0:0:0:0:0:ffff:127.0.0.5"), expected);
    assert.equal(parseIp("::ffff:127.0.0.5")?.family, 4);
    assert.equal(parseIp("255.255.255.255")?.key[3], 0xffffffff);
    assert.equal(parseIp("0.0.0.0")?.family, 4);
  });

  it("reads IPv6 with :: in any position", () => {
    assert.deepEqual(hex("::"), ["0", "0", "0", "0"]);
    assert.deepEqual(hex("::1"), ["0", "0", "0", "1"]);
    assert.deepEqual(hex("1::"), ["10000", "0", "0", "0"]);
    assert.deepEqual(hex("2001:db8::ff00:42:8329"), ["20010db8", "0", "ff00", "428329"]);
    assert.deepEqual(hex("2001:DB8:0:0:8:800:200C:417A"), ["20010db8", "0", "80800", "200c417a"]);
    assert.deepEqual(hex("1:2:3:4:5:6:7::"), ["10002", "30004", "50006", "70000"]);
    assert.deepEqual(hex("::2:3:4:5:6:7:8"), ["2", "30004", "50006", "70008"]);
    assert.deepEqual(hex("1:2:3::6:7:8"), ["10002", "30000", "6", "70008"]);
    assert.deepEqual(hex("::1.2.3.4"), ["0", "0", "0", "1020304"]);
    assert.deepEqual(hex("64:ff9b::192.0.2.33"), ["64ff9b", "0", "0", "c0000221"]);
    assert.deepEqual(hex("fe80::1%eth0"), ["fe800000", "0", "0", "1"]);
    assert.equal(parseIp("::1")?.family, 6);
  });

  it("refuses what is not an address", () => {
    const bad = [
      "",
      "1.2.3",
      "1.2.3.4.5",
      "1.2.3.256",
      "01.2.3.4",
      "1.2.3.04",
      "1..3.4",
      "1.2.3.4.",
      " 1.2.3.4",
      "1.2.3.4 ",
      "1.2.3.-4",
      "0x1.2.3.4",
      "1.2.3.4%eth0",
      "localhost",
      ":",
      ":::",
      ":1",
      "1:",
      "1::2::3",
      "1:::2",
      "12345::",
      "g::",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "1::2:3:4:5:6:7:8",
      "::ffff:1.2.3",
      "::ffff:1.2.3.4:5",
      "1:2:3:4:5:6:7:1.2.3.4",
      "1.2.3.4::",
      "[::1]",
      "::1%",
      "%eth0",
      "::1/128",
    ];
    for (const text of bad) {
      assert.equal(parseIp(text), undefined, text);
      assert.equal(addressKey(text), undefined, text);
    }
  });

  it("writes keys into a shared array at an offset", () => {
    const table = new Uint32Array(12).fill(7);
    assert.equal(writeAddressKey("10.0.0.1", table, 4), 4);
    assert.equal(writeAddressKey("2001:db8::1", table, 8), 6);
    assert.deepEqual([...table], [7, 7, 7, 7, 0, 0, 0xffff, 0x0a000001, 0x20010db8, 0, 0, 1]);
    assert.equal(writeAddressKey("nope", table, 0), 0);
  });
});

describe("formatIp", () => {
  it("writes RFC 5952 text, and IPv4 as a dotted quad", () => {
    const cases: [string, string][] = [
      ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
      ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
      ["0:0:1:0:0:0:0:0", "0:0:1::"],
      ["0:0:0:0:0:0:0:0", "::"],
      ["::1", "::1"],
      ["1::", "1::"],
      ["ABCD:EF01::", "abcd:ef01::"],
      ["::ffff:10.1.2.3", "10.1.2.3"],
      ["::1.2.3.4", "::102:304"],
    ];
    for (const [text, canonical] of cases) {
      assert.equal(formatIp(addressKey(text)!), canonical, text);
    }
  });
});

describe("parseCidr and formatCidr", () => {
  it("reads bare addresses as single-address ranges", () => {
    assert.equal(formatCidr(parseCidr("10.1.2.3")), "10.1.2.3/32");
    assert.equal(formatCidr(parseCidr("2001:DB8::1")), "2001:db8::1/128");
    assert.deepEqual(parseCidr("10.1.2.3").prefix, 32);
    assert.deepEqual(parseCidr("::1").prefix, 128);
  });

  it("masks host bits and says they were set", () => {
    const loose = parseCidr("10.1.2.3/8");
    assert.equal(formatCidr(loose), "10.0.0.0/8");
    assert.equal(loose.hostBitsSet, true);
    assert.equal(parseCidr("10.0.0.0/8").hostBitsSet, false);
    assert.equal(formatCidr(parseCidr("2001:db8:ffff::1/32")), "2001:db8::/32");
    assert.equal(formatCidr(parseCidr("192.168.1.255/31")), "192.168.1.254/31");
    assert.equal(formatCidr(parseCidr("255.255.255.255/0")), "0.0.0.0/0");
    assert.equal(formatCidr(parseCidr("ffff::/1")), "8000::/1");
  });

  it("treats IPv6 ranges inside ::ffff:0:0/96 as the IPv4 ranges they are", () => {
    const range = parseCidr("::ffff:10.0.0.0/104");
    assert.deepEqual([range.family, range.prefix, formatCidr(range)], [4, 8, "10.0.0.0/8"]);
    assert.equal(formatCidr(parseCidr("::ffff:0:0/96")), "0.0.0.0/0");
    assert.equal(formatCidr(parseCidr("::ffff:0:0/95")), "::fffe:0:0/95");
    assert.equal(parseCidr("::ffff:0:0/95").family, 6);
  });

  it("refuses bad ranges, saying why", () => {
    const refusals: [string, RegExp][] = [
      ["", /is not an IPv4 or IPv6 address/],
      ["/8", /is not an IPv4 or IPv6 address/],
      ["10.0.0/8", /"10.0.0" is not an IPv4 or IPv6 address/],
      ["10.0.0.0/33", /more than 32/],
      ["::/129", /more than 128/],
      ["10.0.0.0/", /not a number/],
      ["10.0.0.0/-1", /not a number/],
      ["10.0.0.0/08", /not a number/],
      ["10.0.0.0/8/8", /not a number/],
      ["10.0.0.0/ 8", /not a number/],
      ["10.0.0.0/1000", /more than 32/],
      ["fe80::%eth0/64", /zone/],
    ];
    for (const [text, reason] of refusals) {
      assert.throws(() => parseCidr(text), (error: Error) => {
        assert.ok(error.message.startsWith(`Cannot use address range "${text}": `), error.message);
        assert.match(error.message, reason);
        return true;
      });
    }
  });
});

describe("cidrMatches", () => {
  it("matches IPv4 clients, plain and IPv4-mapped, at the range's edges", () => {
    const range = parseCidr("192.168.4.0/22");
    for (
      const inside of ["192.168.4.0", "192.168.7.255", "::ffff:192.168.5.1", "::FFFF:c0a8:401"]
    ) {
      assert.ok(cidrMatches(range, inside), inside);
    }
    for (const outside of ["192.168.3.255", "192.168.8.0", "::ffff:192.168.8.0", "::c0a8:401"]) {
      assert.ok(!cidrMatches(range, outside), outside);
    }
    assert.ok(cidrMatches(parseCidr("127.0.0.5"), "::ffff:127.0.0.5"));
    assert.ok(!cidrMatches(parseCidr("127.0.0.5"), "127.0.0.6"));
    assert.ok(cidrMatches(parseCidr("0.0.0.0/0"), "8.8.8.8"));
    assert.ok(!cidrMatches(parseCidr("0.0.0.0/0"), "::1"));
  });

  it("matches IPv6 clients whatever their spelling", () => {
    const range = parseCidr("2001:db8:abcd::/48");
    assert.ok(cidrMatches(range, "2001:db8:abcd::1"));
    assert.ok(cidrMatches(range, "2001:0DB8:ABCD:0000:0000:0000:0000:0001"));
    assert.ok(cidrMatches(range, "2001:db8:abcd:ffff:ffff:ffff:ffff:ffff"));
    assert.ok(!cidrMatches(range, "2001:db8:abce::"));
    assert.ok(!cidrMatches(range, "2001:db8:abcc:ffff::"));
    assert.ok(cidrMatches(parseCidr("::1"), "0:0:0:0:0:0:0:1"));
    assert.ok(cidrMatches(parseCidr("fe80::/10"), "fe80::1%eth0"));
    assert.ok(cidrMatches(parseCidr("::/0"), "10.0.0.1"), "::/0 covers the mapped space");
  });

  it("does not match what is not an address", () => {
    for (const text of ["", "nope", "10.0.0", "::g"]) {
      assert.ok(!cidrMatches(parseCidr("::/0"), text), text);
    }
  });
});

/** A random 128-bit address as BigInt and in a random spelling. */
function randomAddress(rng: Rng, near?: bigint): { value: bigint; text: string } {
  let value = 0n;
  for (let i = 0; i < 8; i++) {
    value = value << 16n | BigInt(rng.pick([0, 0, 1, 0xffff, rng.int(65536)]));
  }
  if (near !== undefined) value = near ^ (1n << BigInt(rng.int(128)));
  if (rng.int(3) === 0) value = 0xffffn << 32n | (value & 0xffffffffn); // IPv4-mapped
  const groups = Array.from(
    { length: 8 },
    (_, i) => Number(value >> BigInt(112 - 16 * i) & 0xffffn),
  );
  let parts = groups.map((g) => (rng.int(2) ? g.toString(16).toUpperCase() : g.toString(16)));
  if (rng.int(2)) parts = parts.map((p) => p.padStart(4, "0"));
  let text = parts.join(":");
  const zeros = groups.findIndex((g) => g === 0);
  if (zeros >= 0 && rng.int(2)) { // compress the run of zeros starting there
    let end = zeros;
    while (end < 8 && groups[end] === 0) end++;
    text = `${parts.slice(0, zeros).join(":")}::${parts.slice(end).join(":")}`;
  }
  if (value >> 32n === 0xffffn && rng.int(2)) {
    const v4 = Number(value & 0xffffffffn);
    text = rng.int(2)
      ? `${v4 >>> 24}.${v4 >>> 16 & 255}.${v4 >>> 8 & 255}.${v4 & 255}`
      : `::ffff:${v4 >>> 24}.${v4 >>> 16 & 255}.${v4 >>> 8 & 255}.${v4 & 255}`;
  }
  return { value, text };
}

const toBigInt = (key: Uint32Array) => [...key].reduce((acc, w) => acc << 32n | BigInt(w), 0n);

it(`matching agrees with a BigInt model on random ranges (seed ${SEED})`, () => {
  const rng = prng(SEED);
  for (let i = 0; i < 3000; i++) {
    const base = randomAddress(rng);
    assert.equal(toBigInt(addressKey(base.text)!), base.value, `seed ${SEED}: ${base.text}`);
    const dotted = !base.text.includes(":");
    const mapped = base.value >> 32n === 0xffffn;
    const prefix = dotted || (mapped && rng.int(2)) ? 96 + rng.int(33) : rng.int(129);
    const range = parseCidr(`${base.text}/${dotted ? prefix - 96 : prefix}`);
    const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(128 - prefix);
    const client = randomAddress(rng, rng.int(2) ? base.value : undefined);
    const expected = (client.value & mask) === (base.value & mask);
    assert.equal(
      cidrMatches(range, client.text),
      expected,
      `seed ${SEED}: ${client.text} in ${base.text}/${prefix}`,
    );
    assert.equal(cidrMatchesKey(range, addressKey(client.text)!), expected);
    assert.deepEqual(parseCidr(formatCidr(range)), { ...range, hostBitsSet: false });
  }
});
