/**
 * The ClientHello reader: built hellos (every field's length checked),
 * fragmentation over records and over TCP segments down to one byte, the
 * size cap, a real hello captured from `openssl s_client`, and fuzzing
 * (random and mutated inputs never throw, and a decision made on a prefix
 * never changes when more bytes arrive).
 *
 * `FUZZ_SEED=n` replays a run, `FUZZ_COUNT=n` changes the number of inputs.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import net from "node:net";
import process from "node:process";
import { describe, it } from "node:test";
import {
  type ClientHelloResult,
  inspectClientHello,
  MAX_CLIENT_HELLO_BYTES,
} from "../../src/policy/client_hello.ts";
import { prng, type Rng } from "../fuzz/prng.ts";

const COUNT = Number(process.env.FUZZ_COUNT ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

const u16 = (n: number) => [n >> 8 & 0xff, n & 0xff];
const u24 = (n: number) => [n >> 16 & 0xff, n >> 8 & 0xff, n & 0xff];
const ascii = (text: string) => [...new TextEncoder().encode(text)];

/** One extension: type, length, data. */
const extension = (type: number, data: number[]) => [...u16(type), ...u16(data.length), ...data];

/** A server_name extension with the given (type, name) entries. */
function sniExtension(...names: [number, string][]): number[] {
  const list = names.flatMap(([type, name]) => [type, ...u16(name.length), ...ascii(name)]);
  return extension(0, [...u16(list.length), ...list]);
}

interface HelloParts {
  sessionId?: number[];
  suites?: number[];
  compressions?: number[];
  /** Extension bytes; undefined leaves the extensions block out entirely. */
  extensions?: number[];
}

/** A ClientHello handshake message (type, 24-bit length, body). */
function clientHello(parts: HelloParts = {}): number[] {
  const sessionId = parts.sessionId ?? new Array(32).fill(7);
  const suites = parts.suites ?? [0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f];
  const compressions = parts.compressions ?? [0];
  const body = [
    0x03,
    0x03,
    ...new Array(32).fill(0xab),
    sessionId.length,
    ...sessionId,
    ...u16(suites.length),
    ...suites,
    compressions.length,
    ...compressions,
    ...(parts.extensions ? [...u16(parts.extensions.length), ...parts.extensions] : []),
  ];
  return [1, ...u24(body.length), ...body];
}

/** The handshake message in TLS records of at most `size` payload bytes each. */
function records(message: number[], size = 16384, type = 22): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < message.length; i += size) {
    const chunk = message.slice(i, i + size);
    out.push(type, 0x03, 0x01, ...u16(chunk.length), ...chunk);
  }
  return new Uint8Array(out);
}

const helloWithName = (name: string) =>
  records(
    clientHello({ extensions: [...extension(10, [0, 2, 0, 29]), ...sniExtension([0, name])] }),
  );

const inspect = (bytes: number[] | Uint8Array) => inspectClientHello(new Uint8Array(bytes));

function assertMalformed(result: ClientHelloResult, reason: RegExp) {
  assert.equal(result.kind, "malformed", JSON.stringify(result));
  if (result.kind === "malformed") assert.match(result.reason, reason);
}

describe("inspectClientHello on well-formed hellos", () => {
  it("returns the server name lower-cased, without a trailing dot", () => {
    assert.deepEqual(inspectClientHello(helloWithName("api.example.com")), {
      kind: "hello",
      serverName: "api.example.com",
    });
    assert.deepEqual(inspectClientHello(helloWithName("WWW.Example.ORG.")), {
      kind: "hello",
      serverName: "www.example.org",
    });
    assert.deepEqual(inspectClientHello(helloWithName("_svc.x-1.example")), {
      kind: "hello",
      serverName: "_svc.x-1.example",
    });
  });

  it("returns no server name when there is no server_name extension or no extensions", () => {
    assert.deepEqual(inspect(records(clientHello({ extensions: extension(10, [0, 0]) }))), {
      kind: "hello",
    });
    assert.deepEqual(inspect(records(clientHello({ extensions: [] }))), { kind: "hello" });
    assert.deepEqual(inspect(records(clientHello())), { kind: "hello" });
  });

  it("skips unknown name types in the server name list", () => {
    const hello = clientHello({ extensions: sniExtension([7, "ignored"], [0, "b.example"]) });
    assert.deepEqual(inspect(records(hello)), { kind: "hello", serverName: "b.example" });
  });

  it("reads a hello fragmented over many records, and bytes after it are ignored", () => {
    const message = clientHello({ extensions: sniExtension([0, "frag.example"]) });
    for (const size of [1, 2, 3, 4, 5, 17, 100]) {
      const bytes = records(message, size);
      const trailing = new Uint8Array([...bytes, 23, 3, 3, 0, 5, 1, 2, 3, 4, 5, 99]);
      assert.deepEqual(inspectClientHello(bytes), { kind: "hello", serverName: "frag.example" });
      assert.deepEqual(inspectClientHello(trailing), { kind: "hello", serverName: "frag.example" });
    }
  });

  it("says incomplete for every prefix of a hello sent one byte at a time", () => {
    for (const size of [16384, 1, 7]) {
      const bytes = records(clientHello({ extensions: sniExtension([0, "slow.example"]) }), size);
      for (let n = 0; n < bytes.length; n++) {
        assert.deepEqual(inspectClientHello(bytes.subarray(0, n)), { kind: "incomplete" }, `${n}`);
      }
      assert.deepEqual(inspectClientHello(bytes), { kind: "hello", serverName: "slow.example" });
    }
  });

  it("accepts a hello of exactly MAX_CLIENT_HELLO_BYTES", () => {
    const base = clientHello({
      extensions: [...sniExtension([0, "big.example"]), ...extension(21, [])],
    });
    const padding = MAX_CLIENT_HELLO_BYTES - 5 - base.length;
    const extensions = [...sniExtension([0, "big.example"]), ...extension(21, new Array(padding))];
    const bytes = records(clientHello({ extensions }));
    assert.equal(bytes.length, MAX_CLIENT_HELLO_BYTES);
    assert.deepEqual(inspectClientHello(bytes), { kind: "hello", serverName: "big.example" });
  });
});

describe("inspectClientHello on other and broken input", () => {
  it("says not-tls for other protocols and SSLv2-compatible hellos", () => {
    assert.deepEqual(inspect(ascii("GET / HTTP/1.1\r\n")), { kind: "not-tls" });
    assert.deepEqual(inspect([0x80, 0x2e, 0x01, 0x03, 0x01]), { kind: "not-tls" }); // SSLv2
    assert.deepEqual(inspect([0x16, 0x02]), { kind: "not-tls" });
    assert.deepEqual(inspect([0x17, 0x03, 0x03]), { kind: "not-tls" });
    assert.deepEqual(inspect([]), { kind: "incomplete" });
    assert.deepEqual(inspect([0x16]), { kind: "incomplete" });
  });

  it("refuses broken records", () => {
    const message = clientHello({ extensions: sniExtension([0, "x.example"]) });
    const split = records(message, 10);
    const alert = [...split.subarray(0, 15), 21, 3, 3, 0, 2, 1, 0];
    assertMalformed(inspect(alert), /record type 21/);
    assertMalformed(inspect([22, 3, 1, 0, 0, 1]), /empty handshake record/);
    assertMalformed(inspect([22, 3, 1, 0x40, 0x01]), /exceeds 2\^14/);
    assertMalformed(inspect([...split.subarray(0, 15), 22, 4, 1, 0, 1, 0]), /record version 4/);
    assertMalformed(inspect(records([2, 0, 0, 1, 0])), /type 2 is not a ClientHello/);
  });

  it("checks every length in the hello body", () => {
    const good = clientHello({ extensions: sniExtension([0, "x.example"]) });
    // Each length field (its low byte) one more and one less than the truth:
    // [offset, reason for +1, reason for -1] (a wrong length misaligns what follows).
    const cases: [number, RegExp, RegExp][] = [
      [3, /./, /extensions length/], // handshake length; +1 waits for more (below)
      [4 + 34, /session id/, /cipher suites/],
      [4 + 34 + 1 + 32 + 1, /cipher suites/, /cipher suites/],
      [4 + 34 + 1 + 32 + 2 + 6, /extensions length/, /compression/],
      [4 + 34 + 1 + 32 + 2 + 6 + 2 + 1, /extensions length/, /extensions length/],
    ];
    for (const [offset, plus, minus] of cases) {
      for (const [delta, reason] of [[1, plus], [-1, minus]] as const) {
        const bytes = [...good];
        bytes[offset] += delta;
        if (offset === 3 && delta === 1) continue;
        assertMalformed(inspect(records(bytes)), reason);
      }
    }
    assertMalformed(inspect(records(clientHello({ sessionId: new Array(33).fill(1) }))), /session/);
    assertMalformed(inspect(records(clientHello({ suites: [0x13] }))), /cipher suites/);
    assertMalformed(inspect(records(clientHello({ suites: [] }))), /cipher suites/);
    assertMalformed(inspect(records(clientHello({ compressions: [] }))), /compression/);
    assertMalformed(inspect(records([1, 0, 0, 10, 3, 3, 1, 2, 3, 4, 5, 6, 7, 8])), /shorter/);
    // The handshake length says more than the body holds: wait, then the cap.
    const long = [1, ...u24(good.length - 4 + 1), ...good.slice(4)];
    assert.deepEqual(inspect(records(long)), { kind: "incomplete" });
  });

  it("checks the extensions and the server name", () => {
    const sni = (extensions: number[]) => inspect(records(clientHello({ extensions })));
    assertMalformed(sni([0, 10, 0, 5, 1, 2]), /truncated extension/);
    assertMalformed(sni([0, 10]), /truncated extension/);
    assertMalformed(sni([...extension(10, []), ...extension(10, [])]), /appears twice/);
    assertMalformed(sni(extension(0, [])), /server name list length/);
    assertMalformed(sni(extension(0, [0, 0])), /server name list length/);
    assertMalformed(sni(extension(0, [0, 4, 0, 0, 5])), /server name list length/);
    assertMalformed(sni(extension(0, [0, 2, 0, 0, 5])), /server name list length/);
    assertMalformed(sni(extension(0, [0, 4, 0, 0, 5, 0x61])), /truncated server name/);
    assertMalformed(sni(sniExtension([0, "a.example"], [0, "b.example"])), /two host names/);
    assertMalformed(sni(sniExtension([7, "other"])), /without a host name/);
    for (const bad of ["", ".", "a..b", ".a", "a b", "caf\xe9", "a/b", "x".repeat(254)]) {
      assertMalformed(sni(sniExtension([0, bad])), /not a host name/);
    }
    assert.deepEqual(sni(sniExtension([0, `${"x".repeat(253)}.`])), {
      kind: "hello",
      serverName: "x".repeat(253),
    });
  });

  it("refuses hellos larger than MAX_CLIENT_HELLO_BYTES", () => {
    const declared = records([1, ...u24(MAX_CLIENT_HELLO_BYTES), 3, 3]);
    assertMalformed(inspectClientHello(declared), /too large/);
    // Decided from the first record: one byte more than can fit under the cap.
    const fits = MAX_CLIENT_HELLO_BYTES - 5 - 4;
    const start = (length: number) => records([1, ...u24(length), 3, 3]);
    assert.deepEqual(inspect(start(fits)), { kind: "incomplete" });
    assertMalformed(inspect(start(fits + 1)), /too large: ClientHello of 16380 bytes/);
    // Declared small enough, but fragmented so finely that the records overflow the cap.
    const fine = records(clientHello({ extensions: extension(21, new Array(8000).fill(0)) }), 1);
    assert.ok(fine.length > MAX_CLIENT_HELLO_BYTES);
    assertMalformed(inspectClientHello(fine), /too large/);
    assert.deepEqual(inspectClientHello(fine.subarray(0, MAX_CLIENT_HELLO_BYTES - 1)), {
      kind: "incomplete",
    });
    assertMalformed(inspectClientHello(fine.subarray(0, MAX_CLIENT_HELLO_BYTES)), /too large/);
  });
});

/** A random mutation of `base`: flips, deletions, insertions, truncation, length fields. */
function mutate(rng: Rng, base: Uint8Array): Uint8Array {
  const bytes = [...base];
  for (let n = 1 + rng.int(4); n > 0; n--) {
    const at = rng.int(bytes.length + 1);
    switch (rng.int(6)) {
      case 0:
        bytes[at] = rng.int(256);
        break;
      case 1:
        bytes.splice(at, 1 + rng.int(8));
        break;
      case 2:
        bytes.splice(at, 0, ...Array.from({ length: 1 + rng.int(8) }, () => rng.int(256)));
        break;
      case 3:
        bytes.length = at;
        break;
      case 4:
        bytes[at] = rng.pick([0, 1, 0x7f, 0x80, 0xff]);
        break;
      default:
        bytes[at] = (bytes[at] ?? 0) + rng.pick([1, -1]) & 0xff;
    }
  }
  return new Uint8Array(bytes);
}

function randomInput(rng: Rng): Uint8Array {
  const kind = rng.int(4);
  if (kind === 0) return Uint8Array.from({ length: rng.int(300) }, () => rng.int(256));
  const name = rng.pick(["a.example", "x", "LONG.".repeat(40) + "example", "b-c.d"]);
  const message = clientHello({ extensions: sniExtension([0, name]) });
  const base = records(message, rng.pick([16384, 1, 3, 50]));
  return kind === 1 ? base : mutate(rng, base);
}

it(`inspectClientHello never throws and decides once (seed ${SEED})`, () => {
  console.log(`client hello fuzz seed=${SEED} count=${COUNT}`);
  const rng = prng(SEED);
  const kinds = new Map<string, number>();
  for (let i = 0; i < COUNT; i++) {
    const input = randomInput(rng);
    const full = inspectClientHello(input);
    kinds.set(full.kind, (kinds.get(full.kind) ?? 0) + 1);
    assert.ok(["incomplete", "not-tls", "malformed", "hello"].includes(full.kind));
    for (let cuts = 0; cuts < 4; cuts++) {
      const prefix = inspectClientHello(input.subarray(0, rng.int(input.length + 1)));
      if (prefix.kind !== "incomplete") {
        assert.deepEqual(full, prefix, `seed ${SEED} input ${i}: a prefix decided differently`);
      }
    }
  }
  console.log(`client hello fuzz kinds=${JSON.stringify(Object.fromEntries(kinds))}`);
  assert.ok((kinds.get("hello") ?? 0) > 0 && (kinds.get("malformed") ?? 0) > 0);
});

/** The first bytes `openssl s_client` sends to a listener that never answers. */
async function captureOpensslHello(args: string[]): Promise<Uint8Array> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const received = new Promise<Uint8Array>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no ClientHello from openssl")), 20_000);
    server.once("connection", (socket) => {
      let bytes = new Uint8Array(0);
      socket.on("data", (chunk: Uint8Array) => {
        bytes = new Uint8Array([...bytes, ...chunk]);
        if (inspectClientHello(bytes).kind === "incomplete") return;
        clearTimeout(timer);
        socket.destroy();
        resolve(bytes);
      });
      socket.on("error", () => {});
    });
  });
  const openssl = spawn("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, ...args], {
    stdio: ["pipe", "ignore", "ignore"],
  });
  const exited = new Promise((resolve) => openssl.once("exit", resolve));
  try {
    return await received;
  } finally {
    if (openssl.exitCode === null) openssl.kill("SIGKILL");
    await exited;
    await new Promise((resolve) => server.close(resolve));
  }
}

describe("a real ClientHello from openssl s_client", {
  skip: hasOpenssl ? false : "openssl is not installed",
}, () => {
  it("carries the name given with -servername", async () => {
    const bytes = await captureOpensslHello(["-servername", "X.Example"]);
    assert.deepEqual(inspectClientHello(bytes), { kind: "hello", serverName: "x.example" });
    for (let n = 0; n < bytes.length; n++) {
      assert.equal(inspectClientHello(bytes.subarray(0, n)).kind, "incomplete");
    }
  });

  it("has no name with -noservername (TLS 1.2)", async () => {
    const bytes = await captureOpensslHello(["-noservername", "-tls1_2"]);
    assert.deepEqual(inspectClientHello(bytes), { kind: "hello" });
  });
});
