/**
 * Every admin change call: what it does, and each refusal with its status.
 * A refused call must change nothing, so `/running.xml` and `/running.txt`
 * are compared before and after each one.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { adminFixture } from "./fixture.ts";

const BCRYPT = await hashPassword("bob-secret", 4);
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

/** [call, query, expected status, message pattern] for refusals. */
const REFUSALS: [string, Record<string, string>, number, RegExp][] = [
  ["addHost", { service: "web", group: "main" }, 400, /missing parameter "ip"/],
  ["addHost", { service: "web", group: "main", ip: "nonsense" }, 400, /malformed ip/],
  ["addHost", { service: "web", group: "main", ip: "127.0.0.1:70000" }, 400, /malformed ip/],
  ["addHost", { service: "nope", group: "main", ip: "127.0.0.1:1" }, 404, /no service "nope"/],
  ["addHost", { service: "web", group: "nope", ip: "127.0.0.1:1" }, 404, /no group "nope"/],
  [
    "addHost",
    { service: "web", group: "main", name: "two", ip: "127.0.0.1:1" },
    409,
    /already has a host "two"/,
  ],
  [
    "addHost",
    { service: "web", group: "main", ip: "127.0.0.1:18002" },
    409,
    /already has a host at/,
  ],
  ["delHost", { service: "web", group: "main" }, 400, /missing parameter/],
  ["delHost", { service: "web", group: "main", name: "ghost" }, 404, /no host "ghost"/],
  ["delHost", { service: "web", group: "main", ip: "127.0.0.1:9" }, 404, /no host with ip/],
  ["delAllHosts", { service: "web", group: "main" }, 409, /it is enabled/],
  ["enableGroup", { service: "web", group: "nope" }, 404, /no group "nope"/],
  ["enableGroup", { service: "web" }, 400, /missing parameter "group"/],
  [
    "changeScheduler",
    { service: "web", group: "main", scheduler: "fastest" },
    400,
    /unknown scheduler "fastest"/,
  ],
  ["newGroup", { service: "web", group: "main" }, 409, /already has a group "main"/],
  ["newGroup", { service: "web", group: "x", scheduler: "bogus" }, 400, /unknown scheduler/],
  ["delGroup", { service: "web", group: "main" }, 409, /it is the enabled group/],
  ["delGroup", { service: "web", group: "nope" }, 404, /no group/],
  ["newService", { service: "web", listen: "127.0.0.1:5" }, 409, /already exists/],
  ["newService", { service: "x", listen: "bad" }, 400, /malformed listen/],
  ["newService", { service: "x", listen: "127.0.0.1:1" }, 409, /already used by service "web"/],
  ["delService", { service: "nope" }, 404, /no service/],
  ["retryHost", { service: "web", group: "main", host: "two" }, 409, /is not bad/],
  ["retryHost", { service: "web", group: "main", host: "ghost" }, 404, /no host/],
  ["hostAdminDown", { service: "web", group: "main" }, 400, /missing parameter/],
  ...["x", "-1", "1001", "0.0001", "1e3"].map((weight): [
    string,
    Record<string, string>,
    number,
    RegExp,
  ] => [
    "changeWeight",
    { service: "web", group: "main", host: "two", weight },
    400,
    /malformed weight .*from 0 to 1000/,
  ]),
  [
    "changeWeight",
    { service: "web", group: "main", host: "two" },
    400,
    /missing parameter "weight"/,
  ],
  ["changeWeight", { service: "web", group: "main", host: "ghost", weight: "2" }, 404, /no host/],
  ["changeWeight", { service: "web", group: "nope", host: "two", weight: "2" }, 404, /no group/],
  [
    "addHost",
    { service: "web", group: "main", ip: "127.0.0.1:18009", weight: "heavy" },
    400,
    /malformed weight "heavy"/,
  ],
  ["changeStickyTime", { service: "web", group: "main", time: "0" }, 400, /time must be/],
  ["changeStickyTime", { service: "web", group: "main" }, 400, /missing parameter "time"/],
  ["addUser", { name: "bob", password: "plaintext", access: "full" }, 400, /must be a crypt hash/],
  ["addUser", { name: "bob", password: BCRYPT, access: "root" }, 400, /access must be/],
  ["addUser", { name: "a:b", password: BCRYPT, access: "full" }, 400, /cannot contain ':'/],
  ["addUser", { name: "ops", password: BCRYPT, access: "full" }, 409, /already exists/],
  ["delUser", { name: "ghost" }, 404, /no user "ghost"/],
  ["delUser", { name: "ops" }, 409, /last user with full access/],
];

test("each refusal has its status and reason, and changes nothing", async () => {
  const f = adminFixture();
  try {
    for (const [call, params, status, pattern] of REFUSALS) {
      const xmlBefore = await f.text("/running.xml");
      const txtBefore = await f.text("/running.txt");
      const res = await f.call(`/${call}?${q(params)}`);
      const body = await res.text();
      assert.equal(res.status, status, `${call} ${JSON.stringify(params)}: ${body}`);
      assert.match(body, /^error: /);
      assert.match(body, pattern, call);
      assert.equal(await f.text("/running.xml"), xmlBefore, `${call} changed the config`);
      assert.equal(await f.text("/running.txt"), txtBefore, `${call} changed the state`);
    }
  } finally {
    f.close();
  }
});

test("the last host of the enabled group cannot be deleted; others can, by ip or name", async () => {
  const f = adminFixture();
  try {
    assert.equal(
      (await f.call(`/delHost?${q({ service: "web", group: "main", ip: "127.0.0.1:18002" })}`))
        .status,
      200,
    );
    const last = await f.call(`/delHost?${q({ service: "web", group: "main", name: "three" })}`);
    assert.equal(last.status, 409);
    assert.match(await last.text(), /last host of the enabled group/);
    assert.equal(
      (await f.call(`/delHost?${q({ service: "web", group: "upgrade", name: "five" })}`)).status,
      200,
    );
    assert.doesNotMatch(await f.text("/running.txt"), /two|five/);
  } finally {
    f.close();
  }
});

test("hosts, groups and schedulers change as asked", async () => {
  const f = adminFixture();
  try {
    const ok = async (call: string, params: Record<string, string>) => {
      const res = await f.call(`/${call}?${q(params)}`);
      assert.equal(res.status, 200, `${call}: ${await res.clone().text()}`);
      return (await res.text()).trim();
    };
    await ok("addHost", { service: "web", group: "upgrade", ip: "127.0.0.1:18006" });
    assert.match(await f.text("/running.txt"), /^host host\.1 127\.0\.0\.1:18006 0 -$/m);
    await ok("changeScheduler", { service: "web", group: "upgrade", scheduler: "leastconnsrr" });
    await ok("newGroup", { service: "web", group: "canary", scheduler: "random" });
    await ok("addHost", { service: "web", group: "canary", name: "c1", ip: "127.0.0.1:18020" });
    await ok("delAllHosts", { service: "web", group: "upgrade" });
    await ok("delGroup", { service: "web", group: "upgrade" });
    await ok("enableGroup", { service: "web", group: "canary" });
    const running = parseConfig(await f.text("/running.xml"), "r.xml").config.services[0];
    assert.equal(running.enabledGroup, "canary");
    assert.deepEqual(running.groups.map((g) => [g.name, g.scheduler]), [
      ["main", "leastconns"],
      ["canary", "random"],
    ]);
  } finally {
    f.close();
  }
});

test("retryHost puts a bad host back; admin-down and up take it out and back", async () => {
  const f = adminFixture();
  try {
    const ref = [...f.controller.model.hosts()].find((r) => r.host.name === "two")!;
    f.controller.model.markBad(ref, "connection refused");
    assert.match(await f.text("/running.txt"), /^disabled two .* connection refused -$/m);
    assert.equal(
      (await f.call(`/retryHost?${q({ service: "web", group: "main", host: "two" })}`)).status,
      200,
    );
    assert.equal(ref.host.bad, undefined);
    assert.match(f.logText(), /event=host_up .*host=two .*why=admin_retry/);
    await f.call(`/hostAdminDown?${q({ service: "web", group: "main", host: "two" })}`);
    assert.equal(ref.host.available, false);
    assert.match(await f.text("/running.txt"), /^disabled two 127\.0\.0\.1:18002 admin-down -$/m);
    await f.call(`/hostAdminUp?${q({ service: "web", group: "main", name: "two" })}`);
    assert.equal(ref.host.available, true);
  } finally {
    f.close();
  }
});

test("users are added (hash only) and deleted; the new user can log in", async () => {
  const f = adminFixture();
  try {
    const add = await f.call(`/addUser?${q({ name: "bob", password: BCRYPT, access: "full" })}`);
    assert.equal(add.status, 200);
    const asBob = await f.call("/running.txt", { user: { name: "bob", password: "bob-secret" } });
    assert.equal(asBob.status, 200);
    assert.equal((await f.call(`/delUser?${q({ name: "viewer" })}`)).status, 200);
    const gone = await f.call("/running.txt", {
      user: { name: "viewer", password: "viewer-secret" },
    });
    assert.equal(gone.status, 401);
  } finally {
    f.close();
  }
});

test("newService starts listening at once; delService stops it", async () => {
  const f = adminFixture();
  const net = await import("node:net");
  const probe = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: "127.0.0.1" });
      s.on("connect", () => (s.destroy(), resolve(true)));
      s.on("error", () => resolve(false));
    });
  try {
    const server = net.createServer();
    const port = await new Promise<number>((r) =>
      server.listen(0, "127.0.0.1", () => r((server.address() as { port: number }).port))
    );
    await new Promise((r) => server.close(r));
    const res = await f.call(`/newService?${q({ service: "api", listen: `127.0.0.1:${port}` })}`);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(await probe(port), true);
    // A service without hosts is left out of /running.xml, which must stay loadable.
    const xml = await f.text("/running.xml");
    assert.match(xml, /left out: service "api"/);
    parseConfig(xml, "running.xml");
    assert.equal((await f.call(`/delService?${q({ service: "api" })}`)).status, 200);
    assert.equal(await probe(port), false);
  } finally {
    f.close();
  }
});

test("save writes the running config atomically and keeps the previous file as .bak", async () => {
  const f = adminFixture();
  try {
    const original = readFileSync(f.configPath, "utf8");
    await f.call(
      `/addHost?${q({ service: "web", group: "main", name: "saved", ip: "127.0.0.1:18030" })}`,
    );
    const res = await f.call("/save");
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(readFileSync(`${f.configPath}.bak`, "utf8"), original);
    const saved = parseConfig(readFileSync(f.configPath, "utf8"), f.configPath).config;
    assert.deepEqual(saved, f.controller.runningConfig());
    assert.ok(!existsSync(`${f.configPath}.tmp`));
  } finally {
    f.close();
  }
});

test("closeLog re-opens the log file", async () => {
  const f = adminFixture();
  try {
    const res = await f.call("/closeLog");
    assert.equal(res.status, 200);
    assert.match(f.logText(), /event=log_reopened/);
  } finally {
    f.close();
  }
});

test("weights and stickytime change as asked, and weight 0 takes no new connections", async () => {
  const f = adminFixture();
  try {
    const ok = async (call: string, params: Record<string, string>) => {
      const res = await f.call(`/${call}?${q(params)}`);
      const body = await res.text();
      assert.equal(res.status, 200, `${call}: ${body}`);
      return body.trim();
    };
    assert.match(
      await ok("changeWeight", { service: "web", group: "main", host: "two", weight: "2.5" }),
      /host "two" has weight 2\.5 \(was 1\)/,
    );
    assert.match(
      await ok("addHost", {
        service: "web",
        group: "main",
        name: "w",
        ip: "127.0.0.1:18009",
        weight: "3",
      }),
      /with weight 3/,
    );
    await ok("addHost", {
      service: "web",
      group: "main",
      name: "plain",
      ip: "127.0.0.1:18010",
      weight: "",
    });
    await ok("changeStickyTime", { service: "web", group: "main", time: "90" });
    const xml = await f.text("/running.xml");
    assert.match(xml, /<host name="two" ip="127\.0\.0\.1:18002" weight="2\.5" \/>/);
    assert.match(xml, /<host name="w" ip="127\.0\.0\.1:18009" weight="3" \/>/);
    assert.match(xml, /<host name="plain" ip="127\.0\.0\.1:18010" \/>/);
    assert.match(xml, /<group name="main" [^>]*stickytime="90"/);

    const status = await (await f.call("/api/v1/status")).json();
    const main = status.services[0].groups.find((g: { name: string }) => g.name === "main");
    assert.deepEqual(main.hosts.map((h: { weight: number }) => h.weight), [2.5, 1, 3, 1]);
    assert.equal(main.stickyTimeMs, 90_000);

    assert.match(
      await ok("changeWeight", { service: "web", group: "main", name: "three", weight: "0" }),
      /weight 0 \(was 1\): no new connections/,
    );
    const group = f.controller.model.service("web")!.group("main")!;
    for (let i = 0; i < 50; i++) {
      const host = group.pick({ clientAddress: `192.0.2.${i}`, now: i });
      assert.notEqual(host?.name, "three");
    }
    assert.ok(group.findHost("three"), "a weight-0 host stays in its group");
  } finally {
    f.close();
  }
});
