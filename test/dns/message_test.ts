/**
 * DNS messages against hand-written bytes: the query encoding, a response
 * with compressed names, CNAME, A, AAAA and SRV records, every length
 * check, compression on encode, and mutated messages (decoding either
 * works or throws `MessageError`, never anything else).
 *
 * `FUZZ_SEED=n` replays the random part.
 *
 * @module
 */
import assert from "node:assert/strict";
import process from "node:process";
import { describe, it } from "node:test";
import {
  decodeMessage,
  type DnsMessage,
  encodeMessage,
  encodeQuery,
  MessageError,
  peekHeader,
  RecordType,
} from "../../src/dns/message.ts";
import { nameLabels } from "../../src/dns/names.ts";
import { prng } from "../fuzz/prng.ts";

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
const label = (text: string) => [text.length, ...ascii(text)];
const HEADER = (counts: number[], flags = [0x81, 0x80]) => [
  0xbe,
  0xef,
  ...flags,
  ...counts.flatMap((n) => [0, n]),
];
/** www.example.com A IN, at offset 12 (example.com starts at 16). */
const QUESTION = [...label("www"), ...label("example"), ...label("com"), 0, 0, 1, 0, 1];

/** A response: CNAME www → web.example.com, web's A and AAAA, an SRV in additional. */
const RESPONSE = new Uint8Array([
  ...HEADER([1, 3, 0, 1]),
  ...QUESTION, // 12..32
  // 33: www.example.com CNAME web.example.com, TTL 300
  ...[0xc0, 12, 0, 5, 0, 1, 0, 0, 1, 44, 0, 6],
  ...label("web"),
  0xc0,
  16, // 45: "web" + pointer to example.com
  // 51: web.example.com A 192.0.2.1, TTL with the top bit set (reads 0)
  ...[0xc0, 45, 0, 1, 0, 1, 0x80, 0, 0, 0, 0, 4, 192, 0, 2, 1],
  // 67: web.example.com AAAA 2001:db8::1, TTL 60
  ...[0xc0, 45, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16, 0x20, 1, 0x0d, 0xb8, ...new Array(11).fill(0), 1],
  // 95: _sip._udp.example.com SRV 1 2 5060 web.example.com (compressed target, tolerated)
  ...label("_sip"),
  ...label("_udp"),
  ...[0xc0, 16, 0, 33, 0, 1, 0, 0, 0, 10, 0, 8, 0, 1, 0, 2, 0x13, 0xc4, 0xc0, 45],
]);

function assertRefused(bytes: number[] | Uint8Array, reason: RegExp) {
  assert.throws(() => decodeMessage(new Uint8Array(bytes)), (error: Error) => {
    assert.ok(error instanceof MessageError, String(error));
    assert.match(error.message, /^Cannot decode DNS message: /);
    assert.match(error.message, reason);
    return true;
  });
}

describe("encodeQuery", () => {
  it("writes a recursive query byte for byte", () => {
    assert.deepEqual([...encodeQuery(0x1234, "www.Example.com.", RecordType.A)], [
      ...[0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0],
      ...label("www"),
      ...label("Example"),
      ...label("com"),
      ...[0, 0, 1, 0, 1],
    ]);
    const srv = encodeQuery(1, "_http._tcp.x", RecordType.SRV);
    assert.deepEqual([...srv.subarray(srv.length - 4)], [0, 33, 0, 1]);
  });

  it("refuses names that cannot be written", () => {
    for (
      const bad of [
        "a..b",
        ".a",
        `${"a".repeat(64)}.b`,
        `${"a.".repeat(127)}a`,
        "a b",
        "a\\.b",
        "é",
      ]
    ) {
      assert.throws(() => encodeQuery(1, bad, RecordType.A), MessageError, bad);
    }
    assert.deepEqual(nameLabels("."), []);
    assert.equal(nameLabels(`${"a.".repeat(126)}a`).length, 127);
  });
});

describe("decodeMessage", () => {
  it("reads the header, question and records, following compression", () => {
    const message = decodeMessage(RESPONSE);
    assert.deepEqual(
      {
        ...message,
        answers: undefined,
        additionals: undefined,
      },
      {
        id: 0xbeef,
        response: true,
        opcode: 0,
        authoritative: false,
        truncated: false,
        recursionDesired: true,
        recursionAvailable: true,
        rcode: 0,
        questions: [{ name: "www.example.com", type: 1, class: 1 }],
        answers: undefined,
        authorities: [],
        additionals: undefined,
      },
    );
    assert.deepEqual(message.answers, [
      {
        name: "www.example.com",
        class: 1,
        ttl: 300,
        data: { kind: "CNAME", target: "web.example.com" },
      },
      { name: "web.example.com", class: 1, ttl: 0, data: { kind: "A", address: "192.0.2.1" } },
      {
        name: "web.example.com",
        class: 1,
        ttl: 60,
        data: { kind: "AAAA", address: "2001:db8::1" },
      },
    ]);
    assert.deepEqual(message.additionals, [{
      name: "_sip._udp.example.com",
      class: 1,
      ttl: 10,
      data: { kind: "SRV", priority: 1, weight: 2, port: 5060, target: "web.example.com" },
    }]);
  });

  it("reads flags and rcodes, and peeks at the header of anything", () => {
    const flags = decodeMessage(new Uint8Array(HEADER([0, 0, 0, 0], [0x86, 0x03])));
    assert.deepEqual(
      [flags.response, flags.authoritative, flags.truncated, flags.recursionDesired, flags.rcode],
      [true, true, true, false, 3],
    );
    assert.deepEqual(peekHeader(new Uint8Array([0, 7, 0x82, 0, 0, 9, 0, 0, 0, 0, 0, 0, 99])), {
      id: 7,
      truncated: true,
    });
    assert.equal(peekHeader(new Uint8Array(11)), undefined);
  });

  it("escapes label bytes that would make the text ambiguous", () => {
    const bytes = [...HEADER([1, 0, 0, 0]), 3, 0x61, 0x2e, 0x62, 2, 0, 0x5c, 0, 0, 1, 0, 1];
    assert.equal(decodeMessage(new Uint8Array(bytes)).questions[0].name, "a\\.b.\\000\\\\");
  });

  it("reads an AAAA that is an IPv4-mapped address as such", () => {
    const bytes = [
      ...HEADER([0, 1, 0, 0]),
      ...[0, 0, 28, 0, 1, 0, 0, 0, 1, 0, 16, ...new Array(10).fill(0), 0xff, 0xff, 10, 0, 0, 1],
    ];
    assert.deepEqual(decodeMessage(new Uint8Array(bytes)).answers[0].data, {
      kind: "AAAA",
      address: "::ffff:10.0.0.1",
    });
  });

  it("refuses inconsistent messages, saying why", () => {
    const record = (type: number, data: number[]) => [
      ...HEADER([0, 1, 0, 0]),
      ...[0, 0, type, 0, 1, 0, 0, 0, 1, 0, data.length, ...data],
    ];
    assertRefused(new Array(11).fill(0), /less than a header/);
    assertRefused(HEADER([1, 0, 0, 0]), /name runs past the end/);
    assertRefused(
      [...HEADER([1, 0, 0, 0]), ...QUESTION.slice(0, -1)],
      /question runs past the end/,
    );
    assertRefused([...HEADER([1, 0, 0, 0]), 0xc0, 12, 0, 1, 0, 1], /does not point backwards/);
    assertRefused(
      [...HEADER([1, 0, 0, 0]), 1, 0x61, 0xc0, 12, 0, 1, 0, 1],
      /does not point backwards/,
    );
    assertRefused([...HEADER([1, 0, 0, 0]), 0xc0], /pointer runs past the end/);
    assertRefused([...HEADER([1, 0, 0, 0]), 0x40, 0, 0, 1, 0, 1], /unknown label type 0x40/);
    assertRefused([...HEADER([1, 0, 0, 0]), 5, 0x61, 0x61], /label runs past the end/);
    const long = [
      ...HEADER([1, 0, 0, 0]),
      ...new Array(4).fill(label("a".repeat(63))).flat(),
      0,
      0,
      1,
      0,
      1,
    ];
    assertRefused(long, /longer than 255/);
    assertRefused([...HEADER([0, 1, 0, 0]), 0, 0, 1, 0, 1, 0, 0, 0], /runs past the end/);
    assertRefused(
      [...HEADER([0, 1, 0, 0]), 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 10, 1, 2, 3, 4],
      /data of .* past/,
    );
    assertRefused(record(1, [1, 2, 3, 4, 5]), /A record of \. has 5 bytes/);
    assertRefused(record(1, [1, 2, 3]), /A record of \. has 3 bytes/);
    assertRefused(record(28, new Array(15).fill(0)), /AAAA record/);
    assertRefused(record(5, [...label("a"), 0, 7]), /CNAME record/);
    assertRefused(record(5, [...label("a")]), /label|name runs past/);
    assertRefused(record(33, [0, 1, 0, 2, 0, 3]), /SRV record/);
    assertRefused(record(33, [0, 1, 0, 2, 0, 3, 0, 0]), /SRV record/);
    assertRefused([...RESPONSE.subarray(0, RESPONSE.length - 1)], /past the end/);
  });

  it("keeps unknown record types raw", () => {
    const bytes = [...HEADER([0, 1, 0, 0]), 0, 0, 16, 0, 1, 0, 0, 0, 5, 0, 3, 2, 0x68, 0x69];
    assert.deepEqual(decodeMessage(new Uint8Array(bytes)).answers[0].data, {
      kind: "other",
      type: 16,
      bytes: new Uint8Array([2, 0x68, 0x69]),
    });
  });
});

describe("encodeMessage", () => {
  it("compresses repeated names and reads back the same message", () => {
    const message: DnsMessage = {
      ...decodeMessage(RESPONSE),
      authorities: [{
        name: "example.com",
        class: 1,
        ttl: 5,
        data: { kind: "other", type: 2, bytes: new Uint8Array([0]) },
      }],
    };
    const bytes = encodeMessage(message);
    assert.deepEqual(decodeMessage(bytes), message);
    // The first answer's owner is the question name: a pointer to offset 12.
    assert.deepEqual([...bytes.subarray(33, 35)], [0xc0, 12]);
    // SRV targets are written in full (RFC 2782).
    assert.deepEqual([...bytes.subarray(bytes.length - 17)], [
      ...label("web"),
      ...label("example"),
      ...label("com"),
      0,
    ]);
    assert.ok(bytes.length < 200, `${bytes.length} bytes`);
  });

  it("refuses addresses of the wrong family", () => {
    const base = decodeMessage(encodeQuery(1, "x", RecordType.A));
    for (
      const data of [{ kind: "A", address: "::1" }, { kind: "AAAA", address: "1.2.3.4" }, {
        kind: "A",
        address: "x",
      }] as const
    ) {
      assert.throws(
        () => encodeMessage({ ...base, answers: [{ name: "x", class: 1, ttl: 1, data }] }),
        MessageError,
      );
    }
  });
});

it(`mutated messages decode or throw MessageError (seed ${SEED})`, () => {
  const rng = prng(SEED);
  let decoded = 0;
  for (let i = 0; i < 5000; i++) {
    const bytes = [...RESPONSE];
    for (let n = 1 + rng.int(4); n > 0; n--) {
      const at = rng.int(bytes.length);
      if (rng.int(4) === 0) bytes.length = at;
      else bytes[at] = rng.pick([0, 0xc0, 0x3f, 0xff, rng.int(256), bytes[at] + 1 & 0xff]);
    }
    try {
      decodeMessage(new Uint8Array(bytes));
      decoded++;
    } catch (error) {
      assert.ok(error instanceof MessageError, `seed ${SEED} input ${i}: ${error}`);
    }
  }
  assert.ok(decoded > 0);
});
