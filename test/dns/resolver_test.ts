/**
 * The resolver against the test DNS server over real UDP (and TCP) on
 * loopback: A, AAAA, SRV, TTLs and zone changes, CNAME chains, NXDOMAIN,
 * SERVFAIL and REFUSED, timeouts moving on to the next nameserver, TC →
 * TCP, forged and broken responses, resolv.conf.
 *
 * @module
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseNameserver, parseResolvConf } from "../../src/dns/nameservers.ts";
import { DnsError, type DnsErrorKind, Resolver } from "../../src/dns/resolver.ts";
import { TestDnsServer } from "../support/dns_server.ts";

/** Short enough to keep the timeout tests quick; generous for loopback answers. */
const TIMEOUT_MS = 500;

async function assertDnsError(promise: Promise<unknown>, kind: DnsErrorKind, message: RegExp) {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof DnsError, String(error));
    assert.equal(error.kind, kind, error.message);
    assert.match(error.message, message);
    return true;
  });
}

describe("Resolver against one server", () => {
  let server: TestDnsServer;
  let resolver: Resolver;
  before(async () => {
    server = await TestDnsServer.start();
    resolver = new Resolver({ nameservers: [server.address], timeoutMs: 2000, attempts: 1 });
  });
  after(() => server.close());

  it("resolves A and AAAA records with their TTL", async () => {
    server.setA("web.test", ["10.0.0.1", "10.0.0.2"], 30);
    server.setAAAA("web.test", ["2001:db8::1", "::ffff:10.0.0.3"], 45);
    assert.deepEqual(await resolver.resolveA("web.test"), {
      records: ["10.0.0.1", "10.0.0.2"],
      ttl: 30,
    });
    assert.deepEqual(await resolver.resolveAAAA("WEB.test."), {
      records: ["2001:db8::1", "::ffff:10.0.0.3"],
      ttl: 45,
    });
  });

  it("resolves SRV records (the additional section is not used)", async () => {
    server.setSrv("_app._tcp.svc.test", [
      { priority: 10, weight: 60, port: 8080, target: "a.svc.test" },
      { priority: 20, weight: 0, port: 8081, target: "b.svc.test" },
    ], 20);
    server.setA("a.svc.test", ["10.1.0.1"], 5);
    assert.deepEqual(await resolver.resolveSrv("_app._tcp.svc.test"), {
      records: [
        { priority: 10, weight: 60, port: 8080, target: "a.svc.test" },
        { priority: 20, weight: 0, port: 8081, target: "b.svc.test" },
      ],
      ttl: 20,
    });
    server.setSrv("_none._tcp.svc.test", [{ priority: 0, weight: 0, port: 0, target: "." }], 20);
    assert.deepEqual(await resolver.resolveSrv("_none._tcp.svc.test"), { records: [], ttl: 0 });
  });

  it("sees the zone change: new addresses, new TTL, removal", async () => {
    server.setA("moving.test", ["10.2.0.1"], 300);
    assert.deepEqual(await resolver.resolveA("moving.test"), { records: ["10.2.0.1"], ttl: 300 });
    server.setA("moving.test", ["10.2.0.2", "10.2.0.3"], 7);
    assert.deepEqual(await resolver.resolveA("moving.test"), {
      records: ["10.2.0.2", "10.2.0.3"],
      ttl: 7,
    });
    server.remove("moving.test");
    await assertDnsError(
      resolver.resolveA("moving.test"),
      "nxdomain",
      /^Cannot resolve moving.test A: no such name/,
    );
    assert.equal(server.queries("moving.test"), 3);
  });

  it("answers an empty list when the name has no records of the type", async () => {
    server.setA("v4only.test", ["10.3.0.1"]);
    assert.deepEqual(await resolver.resolveAAAA("v4only.test"), { records: [], ttl: 0 });
  });

  it("follows a CNAME chain, with the smallest TTL on the way", async () => {
    server.setCname("alias.test", "middle.test", 50);
    server.setCname("middle.test", "final.test", 8);
    server.setA("final.test", ["10.4.0.1"], 100);
    assert.deepEqual(await resolver.resolveA("alias.test"), { records: ["10.4.0.1"], ttl: 8 });
    server.setCname("dangling.test", "nowhere.test", 50);
    await assertDnsError(resolver.resolveA("dangling.test"), "nxdomain", /dangling.test A/);
  });

  it("reports NXDOMAIN, SERVFAIL and REFUSED by kind", async () => {
    await assertDnsError(
      resolver.resolveSrv("never.test"),
      "nxdomain",
      /^Cannot resolve never.test SRV: /,
    );
    server.setA("broken.test", ["10.5.0.1"]);
    server.failWith("broken.test", "servfail");
    await assertDnsError(resolver.resolveA("broken.test"), "servfail", /SERVFAIL/);
    server.failWith("broken.test", "refused");
    await assertDnsError(resolver.resolveA("broken.test"), "refused", /REFUSED/);
    server.failWith("broken.test", undefined);
    assert.deepEqual((await resolver.resolveA("broken.test")).records, ["10.5.0.1"]);
  });

  it("retries a truncated answer over TCP", async () => {
    const many = Array.from({ length: 60 }, (_, i) => `10.6.0.${i + 1}`);
    server.setA("big.test", many, 9);
    server.failWith("big.test", "truncate");
    assert.deepEqual(await resolver.resolveA("big.test"), { records: many, ttl: 9 });
    assert.equal(server.queries("big.test"), 2); // once over UDP, once over TCP
  });

  it("ignores responses with another id or question", async () => {
    server.setA("spoofed.test", ["10.7.0.1"]);
    server.failWith("spoofed.test", "spoof");
    assert.deepEqual((await resolver.resolveA("spoofed.test")).records, ["10.7.0.1"]);
    server.failWith("spoofed.test", "spoof-only");
    const quick = new Resolver({
      nameservers: [server.address],
      timeoutMs: TIMEOUT_MS,
      attempts: 1,
    });
    await assertDnsError(quick.resolveA("spoofed.test"), "timeout", /no answer from 127.0.0.1:/);
  });

  it("ignores a response from another port", async () => {
    server.setA("stray.test", ["10.7.0.2"]);
    server.failWith("stray.test", "wrong-port");
    const quick = new Resolver({
      nameservers: [server.address],
      timeoutMs: TIMEOUT_MS,
      attempts: 1,
    });
    await assertDnsError(quick.resolveA("stray.test"), "timeout", /no answer from/);
    assert.equal(server.queries("stray.test"), 1);
  });

  it("reports a response that does not decode as malformed", async () => {
    server.setA("garbled.test", ["10.8.0.1"]);
    server.failWith("garbled.test", "garbage");
    await assertDnsError(
      resolver.resolveA("garbled.test"),
      "malformed",
      /Cannot decode DNS message/,
    );
  });

  it("refuses names that cannot be asked", async () => {
    await assertDnsError(
      resolver.resolveA("a..b"),
      "malformed",
      /^Cannot resolve a..b A: .*empty label/,
    );
  });

  it("answers concurrent queries each with its own records", async () => {
    for (let i = 0; i < 20; i++) server.setA(`host${i}.par.test`, [`10.9.0.${i}`], i + 1);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => resolver.resolveA(`host${i}.par.test`)),
    );
    answers.forEach((answer, i) =>
      assert.deepEqual(answer, { records: [`10.9.0.${i}`], ttl: i + 1 })
    );
  });
});

describe("Resolver with several servers", () => {
  let first: TestDnsServer, second: TestDnsServer;
  before(async () => {
    [first, second] = [await TestDnsServer.start(), await TestDnsServer.start()];
    for (const server of [first, second]) {
      server.setA("both.test", [server === first ? "10.0.1.1" : "10.0.2.2"]);
    }
  });
  after(async () => {
    await first.close();
    await second.close();
  });
  const resolver = (attempts = 1) =>
    new Resolver({ nameservers: [first.address, second.address], timeoutMs: TIMEOUT_MS, attempts });

  it("asks the first server while it answers", async () => {
    assert.deepEqual((await resolver().resolveA("both.test")).records, ["10.0.1.1"]);
    assert.equal(second.queries("both.test"), 0);
  });

  it("moves on to the next server on timeout, SERVFAIL, REFUSED and garbage", async () => {
    for (const failure of ["timeout", "servfail", "refused", "garbage"] as const) {
      first.failWith("both.test", failure);
      const before = [first.queries("both.test"), second.queries("both.test")];
      assert.deepEqual((await resolver().resolveA("both.test")).records, ["10.0.2.2"], failure);
      assert.deepEqual([first.queries("both.test"), second.queries("both.test")], [
        before[0] + 1,
        before[1] + 1,
      ]);
    }
    first.failWith("both.test", undefined);
  });

  it("does not ask the next server after NXDOMAIN", async () => {
    second.setA("only-second.test", ["10.0.2.3"]);
    await assertDnsError(
      resolver().resolveA("only-second.test"),
      "nxdomain",
      /NXDOMAIN from 127.0.0.1/,
    );
    assert.equal(second.queries("only-second.test"), 0);
  });

  it("makes `attempts` rounds, then reports the last answer given, else timeout", async () => {
    first.setA("down.test", ["10.0.1.9"]);
    second.setA("down.test", ["10.0.2.9"]);
    first.failWith("down.test", "servfail");
    second.failWith("down.test", "timeout");
    await assertDnsError(resolver(2).resolveA("down.test"), "servfail", /SERVFAIL/);
    assert.deepEqual([first.queries("down.test"), second.queries("down.test")], [2, 2]);
    first.failWith("down.test", "timeout");
    await assertDnsError(
      resolver(1).resolveA("down.test"),
      "timeout",
      /^Cannot resolve down.test A: no answer from/,
    );
    assert.deepEqual([first.queries("down.test"), second.queries("down.test")], [3, 3]);
  });

  it("moves on from a server whose port is closed", async () => {
    const closed = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => closed.bind(0, "127.0.0.1", resolve));
    const port = closed.address().port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const skipping = new Resolver({
      nameservers: [`127.0.0.1:${port}`, second.address],
      timeoutMs: TIMEOUT_MS,
    });
    assert.deepEqual((await skipping.resolveA("both.test")).records, ["10.0.2.2"]);
  });
});

it("asks an IPv6 nameserver, over UDP and TCP", async () => {
  const server = await TestDnsServer.start("::1");
  try {
    server.setAAAA("six.test", ["2001:db8::6"], 6);
    const resolver = new Resolver({ nameservers: [server.address], timeoutMs: 2000 });
    assert.deepEqual(await resolver.resolveAAAA("six.test"), { records: ["2001:db8::6"], ttl: 6 });
    server.failWith("six.test", "truncate");
    assert.deepEqual(await resolver.resolveAAAA("six.test"), { records: ["2001:db8::6"], ttl: 6 });
    assert.equal(server.queries("six.test"), 3);
  } finally {
    await server.close();
  }
});

describe("nameservers", () => {
  it("parses addresses with and without ports", () => {
    assert.deepEqual(parseNameserver("10.0.0.53"), {
      host: "10.0.0.53",
      port: 53,
      family: 4,
      text: "10.0.0.53:53",
    });
    assert.equal(parseNameserver("127.0.0.1:5353").text, "127.0.0.1:5353");
    assert.equal(parseNameserver("::1").text, "[::1]:53");
    assert.equal(parseNameserver("[::1]:5353").text, "[::1]:5353");
    assert.equal(parseNameserver("[fe80::1%eth0]").host, "fe80::1%eth0");
    for (
      const bad of [
        "",
        "dns.google",
        "1.2.3.4:0",
        "1.2.3.4:65536",
        "1.2.3.4:x",
        "[1.2.3.4]:53",
        "[::1]:",
        "1.2.3",
      ]
    ) {
      assert.throws(() => parseNameserver(bad), /^Error: Cannot use nameserver ".*": /, bad);
    }
  });

  it("reads the nameserver lines of resolv.conf", () => {
    const text = [
      "# comment",
      "search example.com",
      "nameserver 10.0.0.53",
      "  nameserver   ::1  # trailing comment",
      "; nameserver 10.9.9.9",
      "options timeout:1 attempts:2",
      "nameserver",
      "nameserver not-an-address",
    ].join("\n");
    assert.deepEqual(parseResolvConf(text), ["10.0.0.53", "::1", "not-an-address"]);
  });

  it("uses resolv.conf without nameservers, and fails with no-nameserver when it has none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "director-resolv-"));
    try {
      const path = join(dir, "resolv.conf");
      writeFileSync(path, "nameserver 10.0.0.53\nnameserver bogus\nnameserver ::1\n");
      assert.deepEqual(await new Resolver({ resolvConfPath: path }).nameservers(), [
        "10.0.0.53:53",
        "[::1]:53",
      ]);
      writeFileSync(path, "search example.com\n");
      await assertDnsError(
        new Resolver({ resolvConfPath: path }).resolveA("x.test"),
        "no-nameserver",
        /no nameserver/,
      );
      const missing = new Resolver({ resolvConfPath: join(dir, "missing") });
      await assertDnsError(
        missing.resolveSrv("x.test"),
        "no-nameserver",
        /^Cannot resolve x.test SRV: /,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses bad options", () => {
    assert.throws(() => new Resolver({ timeoutMs: 0 }), /Cannot use resolver option timeoutMs=0/);
    assert.throws(() => new Resolver({ attempts: 1.5 }), /Cannot use resolver option attempts=1.5/);
    assert.throws(() => new Resolver({ nameservers: ["nope"] }), /Cannot use nameserver "nope"/);
  });
});
