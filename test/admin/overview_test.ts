/**
 * The admin views of a large config (1,000 services × 20 hosts, and a
 * group of 250 hosts): the page's first view is a bounded summary, one
 * service is expanded at a time, search finds services by service, group,
 * host or address, long host lists and the JSON API page, and every name
 * is escaped.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { loadConfigText } from "../../src/config/load.ts";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { bigConfig } from "../support/big_config.ts";
import { adminFixture, FULL } from "./fixture.ts";

const EVIL = `<b>&"x'`;
/** EVIL as the page writes it. */
const ESCAPED = "&lt;b&gt;&amp;&quot;x&#39;";
const hash = await hashPassword(FULL.password, 4);

const extraXml = `
  <service name="special">
    <listen ip="127.0.0.1:2999"/>
    <group name="canary" scheduler="roundrobin">
      <host name="needle" ip="10.9.8.7:80"/>
      <host name="hay" ip="10.9.8.8:80"/>
    </group>
    <enable group="canary"/>
  </service>
  <service name="${
  EVIL.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll('"', "&quot;")
}">
    <listen ip="127.0.0.1:2998"/>
    <group name="main" scheduler="roundrobin"><host name="e1" ip="10.9.9.1:80"/></group>
    <enable group="main"/>
  </service>
  <service name="long">
    <listen ip="127.0.0.1:2997"/>
    <group name="many" scheduler="roundrobin">
      ${Array.from({ length: 250 }, (_, i) => `<host name="m${i}" ip="10.8.0.${i}:80"/>`).join("")}
    </group>
    <enable group="many"/>
  </service>
  <admin listen="127.0.0.1:2"><user name="${FULL.name}" password="${hash}" access="full"/></admin>`;

const rows = (html: string, attr: string) =>
  [...html.matchAll(new RegExp(`<tr data-${attr}="([^"]*)"`, "g"))].map((m) => m[1]);

describe("admin views of 1,000 services × 20 hosts", () => {
  let f: ReturnType<typeof adminFixture>;
  before(() => {
    f = adminFixture(bigConfig({ services: 1000, hostsPerService: 20, extraXml }));
  });
  after(() => f.close());

  it("first shows a summary of 100 services, no host rows, in at most 500 KB", async () => {
    const res = await f.call("/running");
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.ok(html.length <= 500_000, `${html.length} bytes`);
    const services = rows(html, "summary");
    assert.equal(services.length, 100);
    assert.deepEqual(services.slice(0, 2), ["svc0", "svc1"]);
    assert.deepEqual(rows(html, "key"), [], "no host is rendered on the overview");
    assert.match(html, /1003 services · 100 on this page/);
    assert.match(html, /href="\/running\?after=svc99" rel="next"/);
    assert.match(html, /href="\/running\?service=svc0"/);
    assert.match(html, /data-summary-poll="\/api\/v1\/services"/);
    // Each summary row counts the hosts: 20 up, none bad or down.
    const row = html.slice(html.indexOf('data-summary="svc7"'));
    assert.match(row, /<span data-field="up">20<\/span>/);
    assert.match(row, /data-field="bad">0</);
  });

  it("pages the services", async () => {
    const html = await f.text("/running?after=svc99");
    assert.deepEqual(rows(html, "summary").slice(0, 2), ["svc100", "svc101"]);
    assert.match(html, /href="\/running">First page</);
    const last = await f.text("/running?after=svc999");
    assert.deepEqual(rows(last, "summary"), ["special", ESCAPED, "long"]);
    assert.doesNotMatch(last, /rel="next"/);
  });

  it("searches by service, group, host and address", async () => {
    const names = async (q: string) =>
      rows(await f.text(`/running?q=${encodeURIComponent(q)}`), "summary");
    assert.deepEqual(await names("svc12"), [
      "svc12",
      ...Array.from({ length: 10 }, (_, i) => `svc12${i}`),
    ]);
    assert.deepEqual(await names("CANARY"), ["special"], "by group, case-insensitive");
    assert.deepEqual(await names("needle"), ["special"], "by host name");
    assert.deepEqual(await names("10.9.8.7"), ["special"], "by address");
    assert.deepEqual(await names("nothing-like-this"), []);
    assert.match(await f.text("/running?q=nothing-like-this"), /No service matches/);
  });

  it("expands one service, showing only the hosts the search matches", async () => {
    const html = await f.text("/running?service=svc5");
    assert.equal(rows(html, "key").length, 20);
    assert.deepEqual(rows(html, "summary"), []);
    assert.match(html, /data-poll="\/api\/v1\/status\?service=svc5&amp;limit=100"/);
    const one = await f.text("/running?service=special&q=needle");
    assert.deepEqual(rows(one, "key").map((k) => JSON.parse(k.replaceAll("&quot;", '"'))[2]), [
      "needle",
    ]);
    assert.match(one, /1 host matching &quot;needle&quot;/);
    const missing = await f.call(`/running?service=${encodeURIComponent(EVIL)}x`);
    assert.equal(missing.status, 404);
    const text = await missing.text();
    assert.match(text, /No service is named &quot;&lt;b&gt;&amp;&quot;x&#39;x&quot;/);
  });

  it("pages a long host list, 100 hosts at a time", async () => {
    const first = await f.text("/running?service=long");
    assert.equal(rows(first, "key").length, 100);
    assert.match(first, /100 of 250 hosts on this page/);
    assert.match(first, /href="\/running\?service=long&amp;group=many&amp;after=m99" rel="next"/);
    const third = await f.text("/running?service=long&group=many&after=m199");
    const keys = rows(third, "key").map((k) => JSON.parse(k.replaceAll("&quot;", '"'))[2]);
    assert.deepEqual(keys, Array.from({ length: 50 }, (_, i) => `m${200 + i}`));
    assert.doesNotMatch(third, /rel="next"/);
    assert.match(third, /href="\/running\?service=long&amp;group=many">First page</);
  });

  it("escapes names in summary rows, links and the expanded service", async () => {
    const html = await f.text("/running?q=" + encodeURIComponent(EVIL));
    assert.ok(!html.includes(EVIL), "the raw name never appears");
    assert.match(
      html,
      /<a href="\/running\?service=%3Cb%3E%26%22x%27&amp;q=%3Cb%3E%26%22x%27">&lt;b&gt;&amp;&quot;x&#39;<\/a>/,
    );
    const page = await f.text(`/running?service=${encodeURIComponent(EVIL)}`);
    assert.ok(!page.includes(EVIL));
    assert.equal(rows(page, "key").length, 1);
  });

  it("the JSON API pages too: ?service=, ?limit=&after=, and refuses bad parameters", async () => {
    const json = async (path: string) => {
      const res = await f.call(path);
      return { status: res.status, body: await res.json() };
    };
    const one = await json("/api/v1/status?service=svc3");
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.services.map((s: { name: string }) => s.name), ["svc3"]);
    assert.equal(one.body.services[0].groups[0].hosts.length, 20);
    const page = await json("/api/v1/status?limit=10&after=svc9");
    assert.deepEqual(
      page.body.services.map((s: { name: string }) => s.name),
      Array.from({ length: 10 }, (_, i) => `svc${10 + i}`),
    );
    assert.equal(page.body.next, "svc19");
    assert.equal(page.body.serviceCount, 1003);
    const hosts = await json("/api/v1/status?service=long&limit=30&after=m9");
    const group = hosts.body.services[0].groups[0];
    assert.deepEqual([group.hostCount, group.hosts.length, group.hosts[0].name], [250, 30, "m10"]);
    assert.equal(group.next, "m39");
    const summary = await json("/api/v1/services?q=needle");
    assert.deepEqual(summary.body.services.map((s: { name: string }) => s.name), ["special"]);
    assert.equal(summary.body.services[0].up, 2);
    const missing = await json("/api/v1/status?service=nope");
    assert.equal(missing.status, 404);
    assert.match(missing.body.error, /^Cannot show service "nope"/);
    for (const limit of ["0", "abc", "99999999", "-1"]) {
      const bad = await json(`/api/v1/status?limit=${limit}`);
      assert.equal(bad.status, 400, limit);
      assert.match(bad.body.error, /^Cannot page by limit=/);
    }
    assert.equal((await f.call("/running?limit=abc")).status, 400);
  });

  it("streams /running.xml in pieces, and it loads back as the running config", async () => {
    const res = await f.call("/running.xml");
    assert.match(res.headers.get("content-type") ?? "", /^application\/xml/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let chunks = 0, text = "";
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      chunks++;
      text += decoder.decode(read.value, { stream: true });
    }
    // About 256 KiB a chunk (`views/stream.ts`): a megabyte comes in several.
    assert.ok(chunks > 2, `${chunks} chunks of ${text.length} characters`);
    assert.deepEqual(loadConfigText(text, "running.xml").config, f.controller.runningConfig());
  });

  it("diffs config and running config of 20,000 hosts line by line", async () => {
    const added = await f.call("/addHost?service=svc500&group=main&name=extra&ip=10.7.7.7:80");
    assert.equal(added.status, 200);
    const diff = await f.text("/config-vs-running");
    const changed = diff.split("\n").filter((line) => /^[+-] /.test(line));
    assert.deepEqual(changed, ['+       <host name="extra" ip="10.7.7.7:80" />']);
    assert.equal((await f.call("/delHost?service=svc500&group=main&name=extra")).status, 200);
  });
});
