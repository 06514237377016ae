/**
 * The change plan: applied call by call through the admin app, it must turn
 * the running config into the target exactly, and be empty for equal configs.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfig } from "../../src/config/parse.ts";
import { planChanges } from "../../src/changes/plan.ts";
import { planCalls } from "../../src/changes/plan_calls.ts";
import { adminFixture, configXml } from "../admin/fixture.ts";

/** Target configs as edits of the fixture's XML, each a kind of change. */
const EDITS: [string, (xml: string) => string][] = [
  ["nothing", (x) => x],
  [
    "a host added",
    (x) =>
      x.replace(
        `<host name="five" ip="127.0.0.1:18005"/>`,
        `<host name="five" ip="127.0.0.1:18005"/><host name="six" ip="127.0.0.1:18006"/>`,
      ),
  ],
  ["a host removed", (x) => x.replace(/<host name="three"[^>]*>/, "")],
  ["a host moved to a new address", (x) => x.replace("127.0.0.1:18003", "127.0.0.1:18033")],
  [
    "the enabled group switched",
    (x) => x.replace(`<enable group="main"/>`, `<enable group="upgrade"/>`),
  ],
  [
    "a scheduler and a connect timeout changed",
    (x) => x.replace(`scheduler="leastconns"`, `scheduler="random" connect-timeout="2.5"`),
  ],
  [
    "a group added and one removed",
    (x) =>
      x.replace(
        /<group name="upgrade"[\s\S]*?<\/group>/,
        `<group name="canary" scheduler="roundrobin"><host name="c" ip="127.0.0.1:18040"/></group>`,
      ),
  ],
  [
    "the enabled group replaced by a new one",
    (x) =>
      x.replace(/<group name="main"[\s\S]*?<\/group>/, "")
        .replace(
          "<enable",
          `<group name="blue" scheduler="leastconnsrr"><host name="b1" ip="127.0.0.1:18050"/></group><enable`,
        )
        .replace(`<enable group="main"/>`, `<enable group="blue"/>`),
  ],
  [
    "slowstart set on a group and a host, a host added with one",
    (x) =>
      x.replace(`scheduler="leastconns"`, `scheduler="leastconns" slowstart="30"`)
        .replace(`ip="127.0.0.1:18003"/>`, `ip="127.0.0.1:18003" slowstart="0"/>`)
        .replace(
          `<host name="five" ip="127.0.0.1:18005"/>`,
          `<host name="five" ip="127.0.0.1:18005"/><host name="s" ip="127.0.0.1:18007" slowstart="2.5"/>`,
        ),
  ],
  ["checktime changed", (x) => x.replace("</admin>", '</admin><checktime time="30"/>')],
  [
    "a host re-weighted",
    (x) => x.replace(`ip="127.0.0.1:18003"/>`, `ip="127.0.0.1:18003" weight="2.5"/>`),
  ],
  [
    "a weighted host added, one set to weight 0, a group made sticky with a stickytime",
    (x) =>
      x.replace(`ip="127.0.0.1:18002"/>`, `ip="127.0.0.1:18002" weight="0"/>`)
        .replace(
          `<host name="five" ip="127.0.0.1:18005"/>`,
          `<host name="five" ip="127.0.0.1:18005"/><host name="six" ip="127.0.0.1:18006" weight="3"/>`,
        )
        .replace(`scheduler="leastconns"`, `scheduler="sticky" stickytime="60"`),
  ],
  [
    "a new group with stickytime and weights",
    (x) =>
      x.replace(
        "<enable",
        `<group name="h" scheduler="hash" stickytime="5"><host name="h1" ip="127.0.0.1:18060" weight="0.5"/></group><enable`,
      ),
  ],
  [
    "checks, queues, maxconn, PROXY and backup set",
    (x) =>
      x.replace(
        `<host name="two" ip="127.0.0.1:18002"/>`,
        `<host name="two" ip="127.0.0.1:18002" maxconn="5"/>`,
      )
        .replace(
          `<group name="main" scheduler="leastconns">`,
          `<group name="main" scheduler="leastconns" queue-timeout="2" send-proxy="v2"><check interval="3" send="PING" expect="PONG"/>`,
        )
        .replace(`<enable group="main"/>`, `<enable group="main" backup="upgrade"/>`)
        .replace(`<listen ip="127.0.0.1:1"/>`, `<listen ip="127.0.0.1:1" accept-proxy="yes"/>`),
  ],
  [
    "timeouts and service limits set",
    (x) =>
      x.replace(`<service name="web">`, `<service name="web" idle-timeout="2.5" maxconn="100">`)
        .replace("</admin>", `</admin><timeouts drain="30" admin-request="5"/>`),
  ],
  [
    "access rules, SNI routes and per-client limits set",
    (x) =>
      x.replace(
        `<service name="web">`,
        `<service name="web" client-maxconn="5" client-rate="10/2.5" sni-timeout="3">`,
      ).replace(
        `<enable group="main"/>`,
        `<enable group="main"/><deny src="10.1.0.0/16"/><allow src="10.0.0.0/8"/><allow src="::1"/>` +
          `<route sni="*.example.com" group="upgrade"/><route sni="api.example.org" group="main"/>`,
      ),
  ],
  [
    "a route to a new group",
    (x) =>
      x.replace(
        "<enable",
        `<group name="tls" scheduler="roundrobin"><host name="t1" ip="127.0.0.1:18070"/></group><enable`,
      ).replace(
        `<enable group="main"/>`,
        `<enable group="main"/><route sni="a.test" group="tls"/>`,
      ),
  ],
  ["a user removed", (x) => x.replace(/<user name="viewer"[^>]*>/, "")],
  [
    "a user made read-only and one added",
    (x) =>
      x.replace(
        `access="readonly"/>`,
        `access="readonly"/><user name="ops2" password="$1$abc$abcdefghijklmnopqrstuv" access="full"/>`,
      )
        .replace(/(<user name="ops" [^>]*access=)"full"/, `$1"readonly"`),
  ],
];

for (const [what, edit] of EDITS) {
  test(`the plan reproduces the target exactly: ${what}`, async () => {
    const f = adminFixture();
    try {
      const target = parseConfig(edit(configXml()), "target.xml").config;
      const plan = planCalls(f.controller.runningConfig(), target);
      if (what === "nothing") assert.deepEqual(plan, { calls: [], restartNeeded: [] });
      for (const call of plan.calls) {
        const res = await f.call(`/${call.action}?${new URLSearchParams(call.params)}`);
        assert.equal(
          res.status,
          200,
          `${call.action} ${JSON.stringify(call.params)}: ${await res.text()}`,
        );
      }
      assert.deepEqual(f.controller.runningConfig(), target);
      // Applying it again finds nothing left to do.
      assert.deepEqual(planCalls(f.controller.runningConfig(), target).calls, []);
    } finally {
      f.close();
    }
  });

  test(`the plan's edits, committed at once, reproduce the target: ${what}`, async () => {
    const f = adminFixture();
    try {
      const target = parseConfig(edit(configXml()), "target.xml").config;
      const plan = planChanges(f.controller.runningConfig(), target);
      await f.controller.commit({ message: "", edits: plan.edits, settings: plan.settings });
      if (plan.users) f.controller.setUsers(plan.users);
      assert.deepEqual(f.controller.runningConfig(), target);
      assert.deepEqual(planChanges(f.controller.runningConfig(), target).edits, []);
    } finally {
      f.close();
    }
  });
}

test("what no admin call can change is reported as needing a restart", () => {
  const base = parseConfig(configXml(), "a.xml").config;
  const moved = parseConfig(
    configXml().replace(`<admin listen="127.0.0.1:2">`, `<admin listen="127.0.0.1:3">`),
    "b.xml",
  ).config;
  assert.deepEqual(planChanges(base, moved).restartNeeded, [
    "the admin server's address or TLS settings",
  ]);
});

test("a weight change alone is one changeWeight call, and back to 1 is another", () => {
  const base = parseConfig(configXml(), "a.xml").config;
  const edit = (xml: string) => parseConfig(xml, "b.xml").config;
  const heavier = edit(
    configXml().replace(`ip="127.0.0.1:18003"/>`, `ip="127.0.0.1:18003" weight="4"/>`),
  );
  assert.deepEqual(planCalls(base, heavier).calls, [
    {
      action: "changeWeight",
      params: { service: "web", group: "main", host: "three", weight: "4" },
    },
  ]);
  assert.deepEqual(planCalls(heavier, base).calls, [
    {
      action: "changeWeight",
      params: { service: "web", group: "main", host: "three", weight: "1" },
    },
  ]);
  // A weighted host that moves address is re-added with its weight.
  const moved = edit(
    configXml().replace(`ip="127.0.0.1:18003"/>`, `ip="127.0.0.1:18033" weight="4"/>`),
  );
  assert.deepEqual(planCalls(base, moved).calls.map((c) => [c.action, c.params.weight]), [
    ["delHost", undefined],
    ["addHost", "4"],
  ]);
});

test("policy lists change rule by rule to the exact target order, and back to none", async () => {
  const rules = (...r: string[]) =>
    configXml().replace(
      `<service name="web">`,
      `<service name="web"${r.includes("limits") ? ' client-maxconn="2"' : ""}>`,
    ).replace(
      `<enable group="main"/>`,
      `<enable group="main"/>${r.filter((x) => x !== "limits").join("")}`,
    );
  const a = `<allow src="10.0.0.1"/>`, b = `<deny src="10.0.0.0/8"/>`, c = `<allow src="::/0"/>`;
  const d = `<deny src="192.0.2.0/24"/>`, r1 = `<route sni="x.test" group="upgrade"/>`;
  const r2 = `<route sni="*.test" group="main"/>`;
  const steps = [
    rules(a, b, c, r1, r2, "limits"),
    rules(c, a, d, r2, r1),
    rules(`<deny src="10.0.0.1"/>`, c, r2),
    rules(),
  ];
  const f = adminFixture(steps[0]);
  try {
    for (const xml of steps.slice(1)) {
      const target = parseConfig(xml, "target.xml").config;
      for (const call of planCalls(f.controller.runningConfig(), target).calls) {
        const res = await f.call(`/${call.action}?${new URLSearchParams(call.params)}`);
        assert.equal(res.status, 200, `${call.action} ${JSON.stringify(call.params)}`);
      }
      assert.deepEqual(f.controller.runningConfig(), target);
      assert.deepEqual(planChanges(f.controller.runningConfig(), target).edits, []);
    }
  } finally {
    f.close();
  }
});
