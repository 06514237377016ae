/**
 * The admin app through `app.request()`: authentication, roles, views and
 * the legacy change calls with their refusals.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CALLS } from "../../src/changes/api.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { adminFixture, FULL, READONLY } from "./fixture.ts";

test("every URL needs authentication: 401 with the Director realm", async () => {
  const f = adminFixture();
  try {
    for (const path of ["/", "/running", "/running.txt", "/running.xml", "/addHost", "/nope"]) {
      const res = await f.call(path, { user: null });
      assert.equal(res.status, 401, path);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Basic realm="Director"/);
    }
    const wrong = await f.call("/running.txt", { user: { name: "ops", password: "nope" } });
    const unknown = await f.call("/running.txt", { user: { name: "ghost", password: "x" } });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    // Same answer for a wrong password and an unknown user: no user enumeration.
    assert.equal(await wrong.text(), await unknown.text());
  } finally {
    f.close();
  }
});

test("a readonly user may view everything and gets 403 on every change", async () => {
  const f = adminFixture();
  try {
    for (const path of ["/", "/running", "/running.txt", "/running.xml", "/config.xml"]) {
      assert.equal((await f.call(path, { user: READONLY })).status, 200, path);
    }
    const before = await f.text("/running.xml");
    for (const name of Object.keys(CALLS)) {
      const res = await f.call(`/${name}?service=web&group=upgrade&name=five&ip=1.2.3.4:5`, {
        user: READONLY,
      });
      assert.equal(res.status, 403, name);
      assert.match(await res.text(), /read-only/);
    }
    assert.equal(await f.text("/running.xml"), before);
  } finally {
    f.close();
  }
});

test("/running.txt keeps the legacy line format", async () => {
  const f = adminFixture();
  try {
    const host = [...f.controller.model.hosts()].find((r) => r.host.name === "three")!;
    f.controller.model.markBad(host, "connection refused");
    assert.equal(
      await f.text("/running.txt"),
      [
        "service web 127.0.0.1:1 main",
        "group main enabled",
        "host two 127.0.0.1:18002 0 -",
        "disabled three 127.0.0.1:18003 connection refused -",
        "group upgrade inactive",
        "host five 127.0.0.1:18005 0 -",
        "",
      ].join("\n"),
    );
  } finally {
    f.close();
  }
});

test("/config.xml is the file as loaded; /running.xml loads again to the running model", async () => {
  const f = adminFixture();
  try {
    assert.equal(await f.text("/config.xml"), f.controller.loaded.text);
    assert.equal(
      (await f.call("/addHost?service=web&group=main&name=new&ip=127.0.0.1:18009")).status,
      200,
    );
    const running = await f.text("/running.xml");
    const reloaded = parseConfig(running, "running.xml").config;
    assert.deepEqual(reloaded, f.controller.runningConfig());
    assert.ok(reloaded.services[0].groups[0].hosts.some((h) => h.name === "new"));
    // /config.xml does not change with run-time changes.
    assert.doesNotMatch(await f.text("/config.xml"), /18009/);
    const diff = await f.text("/config-vs-running");
    assert.match(diff, /^\+ .*name="new".*127\.0\.0\.1:18009/m);
  } finally {
    f.close();
  }
});

test("/config-vs-running after a reload compares with the file reloaded (parsed again)", async () => {
  const f = adminFixture();
  try {
    assert.equal((await f.call("/reload")).status, 200);
    // A reload keeps the file's settings, not its services: the diff parses the text again.
    assert.equal("services" in f.controller.loaded.config, false);
    assert.match(await f.text("/config-vs-running"), /^no changes since the config was loaded/);
    assert.equal(
      (await f.call("/addHost?service=web&group=main&name=new&ip=127.0.0.1:18009")).status,
      200,
    );
    assert.match(await f.text("/config-vs-running"), /^\+ .*name="new".*127\.0\.0\.1:18009/m);
  } finally {
    f.close();
  }
});

test("scripts get 'ok: …' and browsers a 303 back to /running with the message", async () => {
  const f = adminFixture();
  try {
    const script = await f.call("/enableGroup?service=web&group=upgrade");
    assert.equal(script.status, 200);
    assert.match(await script.text(), /^ok: enabled group "upgrade"/);
    const browser = await f.call("/enableGroup", {
      method: "POST",
      headers: {
        accept: "text/html,application/xhtml+xml",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "service=web&group=main",
    });
    assert.equal(browser.status, 303);
    assert.match(browser.headers.get("location") ?? "", /^\/running\?resultMessage=enabled/);
    assert.match(await f.text("/running.txt"), /^service web 127\.0\.0\.1:1 main$/m);
  } finally {
    f.close();
  }
});

test("changes are refused cross-site, allowed from the admin's own origin and from scripts", async () => {
  const f = adminFixture();
  try {
    const path = "/hostAdminDown?service=web&group=main&host=two";
    for (
      const headers of <Record<string, string>[]> [
        { "sec-fetch-site": "cross-site" },
        { "sec-fetch-site": "same-site" },
        { origin: "http://evil.example" },
        { origin: "null" },
      ]
    ) {
      const res = await f.call(path, { headers });
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.match(await res.text(), /cross-site request refused/);
    }
    assert.doesNotMatch(await f.text("/running.txt"), /admin-down/);
    const own = await f.call(path, {
      headers: { origin: "http://localhost", "sec-fetch-site": "same-origin" },
    });
    assert.equal(own.status, 200);
    assert.match(await f.text("/running.txt"), /^disabled two 127\.0\.0\.1:18002 admin-down -$/m);
  } finally {
    f.close();
  }
});

test("pages carry security headers and escape names", async () => {
  const f = adminFixture();
  try {
    const evil = encodeURIComponent(`<script>alert(1)</script>`);
    assert.equal(
      (await f.call(`/addHost?service=web&group=main&name=${evil}&ip=127.0.0.1:18010`)).status,
      200,
    );
    const res = await f.call("/running");
    assert.match(res.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    assert.equal(res.headers.get("referrer-policy"), "same-origin");
    const html = await res.text();
    assert.doesNotMatch(html, /<script>alert\(1\)<\/script>/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    const xml = await f.text("/running.xml");
    assert.match(xml, /name="&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
  } finally {
    f.close();
  }
});

test("every change is audited with the user and parameters, never a password", async () => {
  const f = adminFixture();
  try {
    await f.call("/addHost?service=web&group=upgrade&name=six&ip=127.0.0.1:18006");
    await f.call(
      "/addUser?name=bob&access=readonly&password=" +
        encodeURIComponent("$1$abc$abcdefghijklmnopqrstuv"),
    );
    const log = f.logText();
    assert.match(
      log,
      /event=admin_change user=ops action=addHost .*service=web group=upgrade name=six ip=127\.0\.0\.1:18006/,
    );
    assert.match(log, /event=admin_change user=ops action=addUser .*password=\(hash\)/);
    assert.doesNotMatch(log, /abcdefghijklmnopqrstuv/);
    assert.doesNotMatch(log, new RegExp(FULL.password));
  } finally {
    f.close();
  }
});

test("failed logins are rate-limited per client", async () => {
  const f = adminFixture();
  try {
    const env = { remoteAddr: { hostname: "192.0.2.7" } };
    const bad = { authorization: "Basic " + btoa("ops:wrong") };
    for (let i = 0; i < 10; i++) {
      assert.equal((await f.app.request("/running.txt", { headers: bad }, env)).status, 401);
    }
    const limited = await f.app.request("/running.txt", { headers: bad }, env);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get("retry-after")) > 0);
    // Even the right password waits: the limit is on the client, not the guess.
    const good = { authorization: "Basic " + btoa(`${FULL.name}:${FULL.password}`) };
    assert.equal((await f.app.request("/running.txt", { headers: good }, env)).status, 429);
    // Another client is not affected.
    const other = { remoteAddr: { hostname: "192.0.2.8" } };
    assert.equal((await f.app.request("/running.txt", { headers: good }, other)).status, 200);
    assert.match(f.logText(), /event=admin_login_throttled client=192\.0\.2\.7/);
  } finally {
    f.close();
  }
});

test("oversized requests are refused with 413 and 414", async () => {
  const f = adminFixture();
  try {
    const big = await f.call("/addHost", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "service=web&group=main&ip=127.0.0.1:1&name=" + "x".repeat(100_000),
    });
    assert.equal(big.status, 413);
    const long = await f.call("/running.txt?x=" + "y".repeat(10_000));
    assert.equal(long.status, 414);
  } finally {
    f.close();
  }
});

test("unknown pages are 404, the JSON status lists every host", async () => {
  const f = adminFixture();
  try {
    assert.equal((await f.call("/no/such/page")).status, 404);
    const status = await (await f.call("/api/v1/status")).json();
    assert.equal(status.version, "9.9.9");
    assert.deepEqual(
      status.services[0].groups.flatMap((g: { hosts: { name: string }[] }) =>
        g.hosts.map((h) => h.name)
      ),
      ["two", "three", "five"],
    );
  } finally {
    f.close();
  }
});
