/**
 * Tests of the server-rendered admin pages (`page.tsx`) on a hand-made
 * snapshot: the forms a `full` user gets and a `readonly` user does not,
 * markers and badges, escaping of hostile names, and the CSP rules (no
 * inline script, style or event handler). Also: the served script parses.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ADMIN_CSS, ADMIN_JS } from "../../src/admin/page/assets.ts";
import { IndexPage, RunningPage, type RunningPageProps } from "../../src/admin/page/page.tsx";
import { formatBytes, formatDuration, shapeOf, visible } from "../../src/admin/page/page_format.ts";
import type { StatusSnapshot } from "../../src/admin/views/status.ts";

const EVIL = "<script>alert(1)</script>";
const SCHEDULERS = ["random", "roundrobin", "leastconns", "leastconnsrr"];

function status(): StatusSnapshot {
  const host = (name: string, ip: string, extra: object = {}) => ({
    name,
    ip,
    state: "up" as const,
    adminDown: false,
    weight: 1,
    open: 3,
    total: 1200,
    bytesIn: 1536,
    bytesOut: 5 * 1024 * 1024,
    failures: 0,
    lastClosed: "2024-05-01T11:59:58.000Z",
    failuresByKind: {},
    history: [],
    rate: [0, 2, 1, 4],
    maxconn: null,
    ...extra,
  });
  return {
    version: "1.2.3",
    runtime: "deno 2.9.6",
    hostname: "lb1",
    pid: 42,
    startedAt: "2024-05-01T10:00:00.000Z",
    uptimeSeconds: 7200,
    openConnections: 7,
    checktimeSeconds: 120,
    serviceCount: 2,
    next: null,
    services: [{
      name: "web",
      listen: ["*:80", "[::1]:80"],
      enabledGroup: "main",
      backupGroup: null,
      backupActive: false,
      groups: [
        {
          name: "main",
          scheduler: "leastconns",
          enabled: true,
          backup: false,
          sendProxy: null,
          check: null,
          queueTimeoutMs: 5000,
          connectTimeoutMs: 5000,
          stickyTimeMs: 1_800_000,
          hostCount: 3,
          next: null,
          hosts: [
            host("app1", "10.0.0.1:80"),
            host("app2", "10.0.0.2:80", {
              state: "bad",
              failures: 4,
              failuresByKind: { refused: 3, timeout: 1 },
              bad: { since: "2024-05-01T11:55:00.000Z", reason: "connection refused" },
            }),
            host("app3", "10.0.0.3:80", { state: "admin-down", adminDown: true }),
          ],
        },
        {
          name: "spare",
          scheduler: "roundrobin",
          enabled: false,
          backup: false,
          sendProxy: null,
          check: null,
          queueTimeoutMs: 5000,
          connectTimeoutMs: 2000,
          stickyTimeMs: 1_800_000,
          hostCount: 2,
          next: null,
          hosts: [host(EVIL, "10.0.0.9:80"), host(`a"b'c&d`, "10.0.0.10:80")],
        },
      ],
    }, {
      name: "é ü 日本",
      listen: ["127.0.0.1:9000"],
      enabledGroup: "\u0007bell",
      backupGroup: null,
      backupActive: false,
      groups: [{
        name: "\u0007bell",
        scheduler: "random",
        enabled: true,
        backup: false,
        sendProxy: null,
        check: null,
        queueTimeoutMs: 5000,
        connectTimeoutMs: 5000,
        stickyTimeMs: 1_800_000,
        hostCount: 0,
        next: null,
        hosts: [],
      }],
    }],
    users: [{ name: "ops", access: "full" }, { name: "viewer", access: "readonly" }],
  };
}

/** The page as HTML; Hono leaves a space where a false attribute was, which is dropped here. */
const render = (props: Partial<RunningPageProps> = {}): string =>
  String(RunningPage({
    status: status(),
    user: { name: "ops", access: "full" },
    schedulers: SCHEDULERS,
    ...props,
  })).replace(/\s+>/g, ">");

/** Every `<form>` of the page: its action and the names of its inputs and selects. */
function forms(html: string): { action: string; fields: string[] }[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].map(([, attrs, body]) => {
    assert.match(attrs, /method="post"/);
    return {
      action: attrs.match(/action="([^"]*)"/)![1],
      fields: [...body.matchAll(/<(?:input|select)\b[^>]*\bname="([^"]*)"/g)].map((m) => m[1]),
    };
  });
}

const EXPECTED_FIELDS: Record<string, string[]> = {
  "/addHost": ["group", "ip", "name", "service"],
  "/delHost": ["group", "name", "service"],
  "/delAllHosts": ["group", "service"],
  "/enableGroup": ["group", "service"],
  "/changeScheduler": ["group", "scheduler", "service"],
  "/changeWeight": ["group", "host", "service", "weight"],
  "/setBackup": ["group", "service"],
  "/changeSendProxy": ["group", "sendProxy", "service"],
  "/changeSlowStart": ["group", "service", "time"],
  "/changeSrv": ["group", "service", "srv"],
  "/changeQueueTimeout": ["group", "service", "timeout"],
  "/changeMaxconn": ["group", "host", "maxconn", "service"],
  "/setCheck": ["expect", "fall", "group", "interval", "rise", "send", "service", "timeout"],
  "/newGroup": ["group", "scheduler", "service"],
  "/delGroup": ["group", "service"],
  "/newService": ["listen", "service"],
  "/delService": ["service"],
  "/retryHost": ["group", "host", "service"],
  "/hostAdminDown": ["group", "host", "service"],
  "/hostAdminUp": ["group", "host", "service"],
  "/addUser": ["access", "name", "password"],
  "/delUser": ["name"],
  "/save": [],
  "/closeLog": [],
};

describe("RunningPage", () => {
  it("has a post form with the legacy parameter names for every change, for full users", () => {
    const found = forms(render());
    for (const [action, fields] of Object.entries(EXPECTED_FIELDS)) {
      const matching = found.filter((f) => f.action === action);
      assert.ok(matching.length > 0, `no form for ${action}`);
      for (const form of matching) assert.deepEqual([...form.fields].sort(), fields, action);
    }
    assert.deepEqual(
      [...new Set(found.map((f) => f.action))].sort(),
      Object.keys(EXPECTED_FIELDS).sort(),
    );
  });

  it("shows where a host named by DNS connects, and its slow start", () => {
    const snapshot = status();
    Object.assign(snapshot.services[0].groups[0].hosts[1], {
      ip: "app.internal:80",
      resolved: "10.0.0.7:80",
      slowStart: 0.4,
    });
    const html = render({ status: snapshot });
    assert.match(html, /→ 10\.0\.0\.7:80/);
    assert.match(html, /slowstart 40%/);
    assert.doesNotMatch(render(), /slowstart \d/);
  });

  it("asks before destructive changes", () => {
    const html = render();
    for (const action of ["delHost", "delAllHosts", "delGroup", "delService", "delUser"]) {
      const form = html.match(new RegExp(`<form[^>]*action="/${action}"[\\s\\S]*?</form>`))![0];
      assert.match(form, /<button[^>]*data-confirm="[^"]+"/, action);
    }
    assert.doesNotMatch(html.match(/<form[^>]*action="\/addHost"[\s\S]*?<\/form>/)![0], /confirm/);
  });

  it("shows no forms to readonly users, and says so", () => {
    const html = render({ user: { name: "viewer", access: "readonly" } });
    assert.deepEqual(forms(html), []);
    assert.match(html, /read-only access/);
    assert.match(html, /viewer \(readonly\)/);
    assert.doesNotMatch(html, /data-confirm/);
  });

  it("marks the enabled group and offers to enable the others", () => {
    const html = render();
    assert.match(html, /<article class="card group enabled" data-group="main" data-enabled="true"/);
    assert.match(html, /data-group="spare" data-enabled="false"/);
    assert.match(html, /class="pill on"[^>]*>Enabled</);
    const enable = forms(html).filter((f) => f.action === "/enableGroup");
    assert.equal(enable.length, 1, "only the inactive group has an enable button");
    assert.match(html, /<input type="hidden" name="group" value="spare">\s*<button[^>]*>Enable/);
  });

  it("shows host states: a bad host with its reason and since when, an admin-down host", () => {
    const html = render();
    const row = (name: string) =>
      html.match(new RegExp(`<tr[^>]*data-host="${name}"[\\s\\S]*?</tr>`))![0];
    assert.match(row("app2"), /class="badge badge-bad" data-field="state">bad</);
    assert.match(row("app2"), /data-field="reason">connection refused</);
    assert.match(row("app2"), /since 2024-05-01 11:55:00 UTC \(5m 00s ago\)/);
    assert.match(row("app3"), /badge-admin-down" data-field="state">admin down</);
    assert.match(row("app1"), /badge-up" data-field="state">up</);
    assert.match(row("app1"), /data-field="bytesIn">1.5 KiB</);
    assert.match(row("app1"), /data-field="bytesOut">5.0 MiB</);
    assert.match(row("app1"), /data-field="lastClosed">2s ago</);
    assert.match(row("app2"), /data-field="failures" title="refused 3, timeout 1">\s*4\s*</);
    assert.match(row("app1"), /title="no failed connects"/);
    assert.match(row("app1"), /<path data-field="rate" d="M0 15L20 8L40 11.5L60 1">/);
    // Only the buttons that apply to the state are visible; the others wait for the script.
    assert.match(row("app2"), /<form[^>]*action="\/retryHost"[^>]*data-when="bad"(?! hidden)/);
    assert.match(row("app1"), /<form[^>]*action="\/retryHost"[^>]*hidden/);
    assert.match(
      row("app3"),
      /<form[^>]*action="\/hostAdminUp"[^>]*data-when="admin-down"(?! hidden)/,
    );
  });

  it("shows the header facts and links to every view", () => {
    const html = render();
    assert.match(html, /<dd id="uptime">2h 00m<\/dd>/);
    assert.match(html, /<dd id="open-connections">7<\/dd>/);
    assert.match(html, /ops \(full\)/);
    for (const href of ["/running.txt", "/running.xml", "/config.xml", "/config-vs-running", "/"]) {
      assert.ok(html.includes(`href="${href}"`), href);
    }
    assert.match(html, /<meta name="viewport"/);
    assert.match(html, /<link rel="stylesheet" href="\/static\/admin.css">/);
    assert.match(html, /<script src="\/static\/admin.js" defer><\/script>/);
  });

  it("escapes hostile and unusual names everywhere", () => {
    const html = render();
    assert.ok(!html.includes("<script>alert(1)"), "raw script tag in the output");
    assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert.ok(!html.includes(`a"b'c&d`));
    assert.ok(html.includes("a&quot;b&#39;c&amp;d"));
    assert.ok(html.includes("é ü 日本"));
    // Shown as a control picture; kept as it is where it goes back to Director.
    assert.ok(html.includes("<h3>\u2407bell</h3>"));
    assert.ok(html.includes(`name="group" value="\u0007bell"`));
  });

  it("has no inline script, style attribute or event handler (the CSP forbids them)", () => {
    const html = render({ resultMessage: "x", resultKind: "error" }) +
      String(IndexPage({ status: status() }));
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
    assert.doesNotMatch(html, /<script[^>]*>[^<]/);
    assert.doesNotMatch(html, /\sstyle=/i);
    assert.doesNotMatch(html, /<[^>]+\son[a-z]+=/i);
    assert.doesNotMatch(html, /javascript:/i);
  });

  it("renders the result message with its kind", () => {
    assert.match(
      render({ resultMessage: "added host x" }),
      /<p id="result" class="note ok" role="status" data-kind="ok">added host x</,
    );
    const error = render({ resultMessage: `no host ${EVIL}`, resultKind: "error" });
    assert.match(error, /class="note error" role="alert" data-kind="error">no host &lt;script&gt;/);
    assert.doesNotMatch(render(), /id="result"/);
  });

  it("records the snapshot's shape for the live-update script", () => {
    const shape = render().match(/<main data-shape="([^"]*)"/)![1];
    const unescaped = shape.replaceAll("&quot;", '"').replaceAll("&#39;", "'").replaceAll(
      "&lt;",
      "<",
    )
      .replaceAll("&gt;", ">").replaceAll("&amp;", "&");
    assert.equal(unescaped, shapeOf(status()));
  });
});

describe("host history", () => {
  const withHistory = (times: string[]) => {
    const s = status();
    s.services[0].groups[0].hosts[0].history = times.map((at, i) => ({
      at,
      state: i % 2 ? "up" : "bad",
      reason: i % 2 ? "probe_ok" : `refused <${i}>`,
    }));
    return render({ status: s });
  };

  it("lists a host's state changes, newest first, escaped", () => {
    const html = withHistory(["2024-05-01T09:00:00.000Z", "2024-05-01T09:30:00.000Z"]);
    assert.match(html, /2 state changes, last/);
    const items = [...html.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]);
    assert.ok(items[0].startsWith("2024-05-01 09:30:00 UTC"));
    assert.ok(items[1].includes("refused &lt;0&gt;"));
    assert.doesNotMatch(html, /flapping/);
  });

  it("marks a host flapping after 3 changes within 10 minutes", () => {
    // The snapshot's "now" is startedAt + uptime = 12:00:00.
    const html = withHistory([
      "2024-05-01T11:52:00.000Z",
      "2024-05-01T11:55:00.000Z",
      "2024-05-01T11:58:00.000Z",
    ]);
    assert.match(html, /class="flapping"/);
    assert.match(html, /3 state changes, last 2m 00s ago — flapping/);
  });
});

describe("state-dependent forms", () => {
  it("offers delBackup on the backup group and delCheck on a checked group", () => {
    const s = status();
    const groups = s.services[0].groups;
    const other = groups.find((g) => !g.enabled)!;
    other.backup = true;
    s.services[0].backupGroup = other.name;
    groups[0].check = { intervalMs: 2000, timeoutMs: 1000, rise: 2, fall: 3 };
    const found = forms(render({ status: s }));
    const actions = new Set(found.map((f) => f.action));
    assert.ok(actions.has("/delBackup"));
    assert.ok(actions.has("/delCheck"));
    assert.ok(!actions.has("/setBackup"), "the only inactive group is already the backup");
    assert.deepEqual(found.find((f) => f.action === "/delBackup")!.fields, ["service"]);
  });
});

describe("IndexPage", () => {
  it("shows version, host name, running since and uptime, and links", () => {
    const html = String(IndexPage({ status: status() }));
    for (const text of ["1.2.3", "lb1", "2024-05-01 10:00:00 UTC", "2h 00m", 'href="/running"']) {
      assert.ok(html.includes(text), text);
    }
    assert.ok(html.startsWith("<!DOCTYPE html>"));
  });
});

describe("formatting and assets", () => {
  it("formats bytes, durations and control characters", () => {
    assert.deepEqual([0, 1023, 1024, 10 * 1024 * 1024, 3 * 1024 ** 4].map(formatBytes), [
      "0 B",
      "1023 B",
      "1.0 KiB",
      "10 MiB",
      "3.0 TiB",
    ]);
    assert.deepEqual([0, 59, 61, 3660, 90000].map(formatDuration), [
      "0s",
      "59s",
      "1m 01s",
      "1h 01m",
      "1d 1h",
    ]);
    assert.equal(visible("a\u0000\n\u007f\u202eb"), "a\u2400\u240a\u2421\\u202eb");
  });

  it("serves a script that parses and uses no innerHTML, and a stylesheet", () => {
    assert.doesNotThrow(() => new Function(ADMIN_JS));
    assert.doesNotMatch(ADMIN_JS, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    // It polls what the page names (data-poll, data-summary-poll), the view it rendered.
    assert.match(ADMIN_JS, /dataset\.poll/);
    assert.match(ADMIN_JS, /dataset\.summaryPoll/);
    assert.match(ADMIN_CSS, /prefers-color-scheme: dark/);
  });
});
