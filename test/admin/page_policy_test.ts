/**
 * The traffic policy on a service's own page (`page_policy.tsx`): the
 * rules and routes in order, the limits and refusal counts, and the forms
 * of addAcl, delAcl, addRoute, delRoute and changeService — on a hand-made
 * snapshot (forms, escaping) and through the admin app (a form posted as
 * the page sends it changes the policy).
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RunningPage } from "../../src/admin/page/page.tsx";
import type { PolicyStatus, StatusSnapshot } from "../../src/admin/views/status.ts";
import { adminFixture } from "./fixture.ts";

const EVIL = `*.<script>alert("x")</script>.example`;

function group(name: string, enabled: boolean) {
  return {
    name,
    scheduler: "roundrobin",
    enabled,
    backup: false,
    sendProxy: null,
    check: null,
    queueTimeoutMs: 5000,
    connectTimeoutMs: 5000,
    stickyTimeMs: 1_800_000,
    hostCount: 0,
    next: null,
    hosts: [],
  };
}

function snapshot(policy: PolicyStatus): StatusSnapshot {
  return {
    version: "1.2.3",
    runtime: "deno 2.9.6",
    hostname: "lb1",
    pid: 42,
    startedAt: "2024-05-01T10:00:00.000Z",
    uptimeSeconds: 7200,
    openConnections: 0,
    checktimeSeconds: 120,
    serviceCount: 1,
    next: null,
    services: [{
      name: "web",
      listen: ["*:443"],
      enabledGroup: "main",
      backupGroup: null,
      backupActive: false,
      groups: [group("main", true), group(`g<"&'>`, false)],
      policy,
    }],
    users: [],
  };
}

const POLICY: PolicyStatus = {
  acl: [
    { action: "deny", src: "10.0.0.9" },
    { action: "allow", src: "10.0.0.0/8" },
  ],
  routes: [
    { sni: "api.example.com", group: "main" },
    { sni: EVIL, group: `g<"&'>` },
  ],
  clientMaxconn: 3,
  clientRate: "10/2",
  sniTimeoutMs: 1500,
  refused: { denied: 11, clientMaxconn: 22, clientRate: 33, sniTimeout: 44 },
};

const render = (
  policy = POLICY,
  access: "full" | "readonly" = "full",
  service: string | null = "web",
) =>
  String(RunningPage({
    status: snapshot(policy),
    view: service === null ? {} : { service },
    user: { name: "ops", access },
    schedulers: ["roundrobin"],
  })).replace(/\s+>/g, ">");

/** The `<form>`s posting to `/call`: their hidden context and the names of their fields. */
function formsOf(html: string, call: string) {
  const found = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)]
    .filter(([, attrs]) => attrs.includes(`action="/${call}"`));
  return found.map(([, attrs, body]) => {
    assert.match(attrs, /method="post"/);
    const hidden = Object.fromEntries(
      [...body.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    const names = [...body.matchAll(/<(?:input|select)\b[^>]*\bname="([^"]*)"/g)].map((m) => m[1]);
    return { hidden, names: names.sort(), body };
  });
}

describe("PolicyCard", () => {
  it("shows the rules and routes in order, the limits and the refusal counts", () => {
    const html = render();
    const card = html.match(/<article class="card policy"[\s\S]*?<\/article>/)![0];
    const acl = [...card.matchAll(/<tr data-acl="([^"]*)" data-action="([^"]*)"/g)];
    assert.deepEqual(acl.map((m) => `${m[2]} ${m[1]}`), ["deny 10.0.0.9", "allow 10.0.0.0/8"]);
    const routes = [...card.matchAll(/<tr data-route="([^"]*)"/g)].map((m) => m[1]);
    assert.equal(routes.length, 2);
    assert.equal(routes[0], "api.example.com");
    assert.match(card, /client-maxconn <strong data-field="clientMaxconn">3</);
    assert.match(card, /client-rate <strong data-field="clientRate">10\/2</);
    assert.match(card, /sni-timeout <strong>1.5s</);
    for (const [field, n] of [["denied", 11], ["clientMaxconn", 22], ["clientRate", 33]]) {
      assert.match(card, new RegExp(`data-field="refused-${field}">${n}<`));
    }
    assert.match(card, /data-field="refused-sniTimeout">44</);
  });

  it("says what an empty policy means, and shows limits off", () => {
    const empty: PolicyStatus = {
      acl: [],
      routes: [],
      clientMaxconn: null,
      clientRate: null,
      sniTimeoutMs: 5000,
      refused: { denied: 0, clientMaxconn: 0, clientRate: 0, sniTimeout: 0 },
    };
    const html = render(empty);
    assert.match(html, /No rules: every client is allowed/);
    assert.match(html, /No routes: every connection goes to the enabled group/);
    assert.match(html, /data-field="clientMaxconn">off</);
    assert.equal(formsOf(html, "delAcl").length, 0);
    assert.equal(formsOf(html, "delRoute").length, 0);
  });

  it("has a form for each policy call, posting the call's parameters", () => {
    const html = render();
    const [addAcl] = formsOf(html, "addAcl");
    assert.deepEqual(addAcl.names, ["action", "position", "service", "src"]);
    assert.deepEqual(addAcl.hidden, { service: "web" });
    // Position: last (empty, appended) or before each rule now there.
    const positions = [...addAcl.body.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(positions.slice(-3), ["", "0", "1"]);
    const [addRoute] = formsOf(html, "addRoute");
    assert.deepEqual(addRoute.names, ["group", "position", "service", "sni"]);
    assert.match(addRoute.body, /<option value="g&lt;&quot;&amp;&#39;&gt;"/);
    const delAcl = formsOf(html, "delAcl").map((f) => f.hidden);
    assert.deepEqual(delAcl, [
      { service: "web", src: "10.0.0.9" },
      { service: "web", src: "10.0.0.0/8" },
    ]);
    const delRoute = formsOf(html, "delRoute");
    assert.equal(delRoute.length, 2);
    for (const form of delRoute) assert.match(form.body, /<button[^>]*data-confirm="[^"]+"/);
    const [limits] = formsOf(html, "changeService");
    assert.deepEqual(limits.names, ["clientMaxconn", "clientRate", "service", "sniTimeout"]);
    // Each may stay empty (absent): none of them is required.
    assert.doesNotMatch(limits.body, /required/);
  });

  it("escapes a hostile SNI pattern and group name everywhere", () => {
    const html = render();
    assert.ok(!html.includes("<script>alert"), "raw script tag in the output");
    assert.ok(!html.includes(`g<"&'>`), "raw group name in the output");
    const escaped = "*.&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;.example";
    assert.ok(html.includes(`<tr data-route="${escaped}"`));
    assert.ok(html.includes(`<input type="hidden" name="sni" value="${escaped}"`));
  });

  it("shows the policy without forms to readonly users, and only on the service's own page", () => {
    const readonly = render(POLICY, "readonly");
    assert.match(readonly, /<article class="card policy"/);
    assert.match(readonly, /data-acl="10.0.0.9"/);
    assert.doesNotMatch(readonly, /<form/);
    assert.doesNotMatch(render(POLICY, "full", null), /class="card policy"/);
  });
});

describe("policy forms through the admin app", () => {
  it("a form posted as the page sends it changes the policy the page shows", async () => {
    const f = adminFixture();
    try {
      const post = async (call: string, fields: Record<string, string>) => {
        const res = await f.call(`/${call}`, {
          method: "POST",
          headers: { accept: "text/html", "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(fields),
          redirect: "manual",
        });
        assert.equal(res.status, 303, `${call}: ${await res.text()}`);
      };
      await post("addAcl", { service: "web", action: "allow", src: "127.0.0.0/8", position: "" });
      await post("addAcl", { service: "web", action: "deny", src: "127.0.0.9", position: "0" });
      await post("addRoute", { service: "web", sni: "*.example.com", group: "upgrade" });
      await post("changeService", {
        service: "web",
        clientMaxconn: "4",
        clientRate: "",
        sniTimeout: "",
      });
      let page = (await f.text("/running?service=web")).replace(/\s+>/g, ">");
      const acl = [...page.matchAll(/<tr data-acl="([^"]*)"/g)].map((m) => m[1]);
      assert.deepEqual(acl, ["127.0.0.9", "127.0.0.0/8"]);
      assert.match(page, /<tr data-route="\*\.example\.com" data-group="upgrade"/);
      assert.match(page, /data-field="clientMaxconn">4</);
      assert.match(page, /data-field="clientRate">off</);
      await post("delAcl", { service: "web", src: "127.0.0.9" });
      await post("delRoute", { service: "web", sni: "*.example.com" });
      page = (await f.text("/running?service=web")).replace(/\s+>/g, ">");
      assert.deepEqual([...page.matchAll(/<tr data-acl="([^"]*)"/g)].map((m) => m[1]), [
        "127.0.0.0/8",
      ]);
      assert.match(page, /No routes/);
    } finally {
      f.close();
    }
  });
});
