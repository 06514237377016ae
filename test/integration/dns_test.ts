/**
 * Backends from DNS over real sockets, with the test DNS server on
 * 127.0.0.1 and backends on 127.0.0.2 and 127.0.0.3 (Linux routes all of
 * 127/8 to lo), same port: a host named by a DNS name follows its A record
 * (new connections go to the new address, a held one stays, a failed
 * lookup keeps the address), and a group with `srv=` follows its SRV
 * record's targets (hosts that stay keep their counters; an empty or
 * failed answer keeps the set).
 *
 * @module
 */
import assert from "node:assert/strict";
import type net from "node:net";
import { after, before, test } from "node:test";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { TestDnsServer } from "../support/dns_server.ts";
import { freePort, sleep, startDirector } from "./harness.ts";
import { type Backend, connect, send, startServer, whoAnswers } from "./peers.ts";

let dns: TestDnsServer;
let port: number;
let backends: Backend[] = [];

/** Greets with its name, then echoes each line prefixed with it, until the client closes. */
function backend(name: string, hostname: string): Promise<Backend> {
  return startServer(
    async (conn) => {
      await send(conn, `${name}\n`);
      const buf = new Uint8Array(4096);
      let n: number | null;
      while ((n = await conn.read(buf)) !== null) {
        await send(conn, `${name}:${new TextDecoder().decode(buf.subarray(0, n))}`);
      }
    },
    port,
    hostname,
  );
}

before(async () => {
  dns = await TestDnsServer.start();
  for (let attempt = 0;; attempt++) {
    port = await freePort();
    try {
      backends = [await backend("TWO", "127.0.0.2"), await backend("THREE", "127.0.0.3")];
      break;
    } catch (error) {
      await Promise.all(backends.map((b) => b.close()));
      backends = [];
      if (attempt > 10) throw error;
    }
  }
});
after(async () => {
  await Promise.all(backends.map((b) => b.close()));
  await dns.close();
});

async function director(group: string) {
  const [listen, adminPort] = [await freePort(), await freePort()];
  const hash = await hashPassword("d-secret", 4);
  const running = await startDirector(`<pdconfig>
  <service name="web">
    <listen ip="127.0.0.1:${listen}"/>
    ${group}
    <enable group="main"/>
  </service>
  <admin listen="127.0.0.1:${adminPort}"><user name="ops" password="${hash}" access="full"/></admin>
  <resolver nameserver="${dns.address}" interval="1"/>
  <checktime time="1"/>
</pdconfig>`);
  const admin = async (path: string) =>
    (await fetch(`http://127.0.0.1:${adminPort}${path}`, {
      headers: { authorization: "Basic " + btoa("ops:d-secret") },
    })).text();
  return Object.assign(running, { listen, admin });
}

/** Wait until the log holds `count` lines matching `pattern` (global). */
async function occurrences(d: { output(): string }, pattern: RegExp, count: number) {
  const deadline = Date.now() + 15_000;
  while ([...d.output().matchAll(pattern)].length < count) {
    if (Date.now() > deadline) throw new Error(`no ${count} × ${pattern} in:\n${d.output()}`);
    await sleep(50);
  }
}

/** The first line a held connection gets. */
function firstLine(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => socket.once("data", (d) => resolve(`${d}`.trim())));
}

test("a host named by DNS follows its A record; a failed lookup keeps the address", async () => {
  dns.setA("app.test", ["127.0.0.2"], 1);
  const d = await director(`<group name="main" scheduler="roundrobin">
      <host name="app" ip="app.test:${port}"/>
    </group>`);
  let held: net.Socket | undefined;
  try {
    await d.waitFor(/event=dns_address_changed .*host=app .*to=127\.0\.0\.2/);
    assert.equal(await whoAnswers(d.listen), "TWO");
    held = await connect(d.listen);
    assert.equal(await firstLine(held), "TWO");
    assert.match(
      await d.admin("/running.txt"),
      new RegExp(`^host app app.test:${port} 1 - address 127.0.0.2:${port}$`, "m"),
    );

    dns.setA("app.test", ["127.0.0.3"], 1);
    await d.waitFor(/event=dns_address_changed .*from=127\.0\.0\.2 to=127\.0\.0\.3/);
    assert.equal(await whoAnswers(d.listen), "THREE");
    // The connection opened before the change stays where it was.
    const echoed = firstLine(held);
    held.write("still\n");
    assert.equal(await echoed, "TWO:still");
    assert.match(await d.admin("/running.txt"), new RegExp(`address 127.0.0.3:${port}$`, "m"));

    dns.failWith("app.test", "servfail");
    await d.waitFor(/event=dns_lookup_failed name=app.test .*kept=127\.0\.0\.3/);
    assert.equal(await whoAnswers(d.listen), "THREE");
    const metrics = await d.admin("/metrics");
    const failures = /director_host_dns_failures_total\{[^}]*host="app"[^}]*\} (\d+)/.exec(metrics);
    assert.ok(failures && Number(failures[1]) >= 1, metrics);
    dns.failWith("app.test", undefined);
  } finally {
    held?.destroy();
    dns.failWith("app.test", undefined);
    await d.stop();
  }
});

test("a group with srv= has the SRV targets as hosts, and follows them", async () => {
  const srv = "_app._tcp.test";
  dns.setA("a.test", ["127.0.0.2"], 60);
  dns.setA("b.test", ["127.0.0.3"], 60);
  const both = [
    { priority: 10, weight: 1, port, target: "a.test" },
    { priority: 10, weight: 1, port, target: "b.test" },
  ];
  dns.setSrv(srv, both, 1);
  const d = await director(`<group name="main" scheduler="roundrobin" srv="${srv}"/>`);
  const total = async (host: string) => {
    const status = JSON.parse(await d.admin("/api/v1/status"));
    const hosts = status.services[0].groups[0].hosts as { name: string; total: number }[];
    return hosts.find((h) => h.name === host)?.total;
  };
  try {
    await d.waitFor(new RegExp(`event=dns_host_added .*host=a.test:${port}`));
    await d.waitFor(new RegExp(`event=dns_host_added .*host=b.test:${port}`));
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(await whoAnswers(d.listen));
    assert.deepEqual([...seen].sort(), ["THREE", "TWO"]);
    assert.match(await d.admin("/running.txt"), new RegExp(`^group main enabled srv ${srv}$`, "m"));
    const before = await total(`a.test:${port}`);
    assert.ok(before !== undefined && before >= 2, `a.test served: ${before}`);
    // A reload of the same file leaves the hosts DNS gave alone.
    assert.match(await d.admin("/reload"), /: 0 change\(s\) applied/);
    assert.equal(await total(`a.test:${port}`), before);
    assert.equal(await total(`b.test:${port}`) !== undefined, true);

    // b leaves the record: its host goes, a stays with its counters.
    dns.setSrv(srv, [both[0]], 1);
    await d.waitFor(new RegExp(`event=dns_host_removed .*host=b.test:${port}`));
    for (let i = 0; i < 3; i++) assert.equal(await whoAnswers(d.listen), "TWO");
    assert.ok((await total(`a.test:${port}`))! >= before + 3, "a's counters carried on");
    assert.equal(await total(`b.test:${port}`), undefined);

    // An empty answer, then a failing server: the set stays.
    dns.setSrv(srv, [], 1);
    await d.waitFor(/event=srv_lookup_failed .*kept=1/);
    dns.failWith(srv, "servfail");
    await d.waitFor(/event=srv_lookup_failed .*SERVFAIL/);
    assert.equal(await whoAnswers(d.listen), "TWO");
    assert.match(await d.admin("/metrics"), /director_group_srv_failures_total\{[^}]*\} [1-9]/);
    dns.failWith(srv, undefined);

    // b comes back with weight 3.
    dns.setSrv(srv, [both[0], { ...both[1], weight: 3 }], 1);
    await occurrences(d, new RegExp(`event=dns_host_added .*host=b.test:${port}`, "g"), 2);
    const names: string[] = [];
    for (let i = 0; i < 8; i++) names.push(await whoAnswers(d.listen));
    assert.equal(names.filter((n) => n === "THREE").length, 6, names.join(" "));
    // Hand-made host changes are refused on such a group.
    assert.match(
      await d.admin(`/addHost?service=web&group=main&ip=127.0.0.1:${port}`),
      /its hosts come from SRV/,
    );
  } finally {
    dns.failWith(srv, undefined);
    await d.stop();
  }
});

test("a name with only an AAAA record is reached over IPv6", async () => {
  const six = await backend("SIX", "::1");
  dns.setAAAA("six.test", ["::1"], 30);
  const d = await director(`<group name="main" scheduler="roundrobin">
      <host name="v6" ip="six.test:${six.port}"/>
    </group>`);
  try {
    await d.waitFor(/event=dns_address_changed .*host=v6 .*to=::1/);
    assert.equal(await whoAnswers(d.listen), "SIX");
    assert.match(await d.admin("/running.txt"), new RegExp(`address \\[::1\\]:${six.port}$`, "m"));
  } finally {
    await d.stop();
    await six.close();
  }
});
