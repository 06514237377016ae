/**
 * The JSON API (`/api/v1/…`) and `/metrics` through `app.request()`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { adminFixture, READONLY } from "./fixture.ts";

const json = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

test("changes as POST with a JSON body answer in JSON, refusals included", async () => {
  const f = adminFixture();
  try {
    const ok = await f.call(
      "/api/v1/addHost",
      json({ service: "web", group: "main", name: "j", ip: "127.0.0.1:18070" }),
    );
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), {
      ok: true,
      message: 'added host "j" (127.0.0.1:18070) to group "main"',
    });
    const dup = await f.call(
      "/api/v1/addHost",
      json({ service: "web", group: "main", name: "j", ip: "127.0.0.1:18071" }),
    );
    assert.equal(dup.status, 409);
    assert.deepEqual(await dup.json(), {
      ok: false,
      status: 409,
      error: 'group "main" already has a host "j"',
    });
    const unknown = await f.call("/api/v1/frobnicate", json({}));
    assert.equal(unknown.status, 404);
    const broken = await f.call("/api/v1/addHost", { ...json({}), body: "{not json" });
    assert.equal(broken.status, 400);
    assert.equal((await broken.json()).ok, false);
    const nested = await f.call("/api/v1/addHost", json({ service: { evil: 1 } }));
    assert.equal(nested.status, 400);
    const readonly = await f.call("/api/v1/enableGroup", {
      ...json({ service: "web", group: "upgrade" }),
      user: READONLY,
    });
    assert.equal(readonly.status, 403);
    const cross = await f.call("/api/v1/enableGroup", {
      ...json({ service: "web", group: "upgrade" }),
      headers: { "content-type": "application/json", "sec-fetch-site": "cross-site" },
    });
    assert.equal(cross.status, 403);
    const status = await (await f.call("/api/v1/status")).json();
    assert.equal(status.services[0].enabledGroup, "main");
  } finally {
    f.close();
  }
});

test("/metrics is Prometheus text that follows the state", async () => {
  const f = adminFixture();
  try {
    const ref = [...f.controller.model.hosts()].find((r) => r.host.name === "three")!;
    f.controller.model.markBad(ref, "connection refused", "refused");
    f.controller.model.markBad(ref, "connect timeout after 5000 ms", "timeout");
    ref.host.opened();
    ref.host.opened();
    const res = await f.call("/metrics");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const labels = 'service="web",group="main",host="three",address="127.0.0.1:18003"';
    assert.match(text, /^# TYPE director_host_connections_open gauge$/m);
    assert.ok(text.includes(`director_host_connections_open{${labels}} 2\n`));
    assert.ok(text.includes(`director_host_up{${labels}} 0\n`));
    assert.ok(text.includes(`director_host_state{${labels},state="bad"} 1\n`));
    assert.ok(
      text.includes(`director_host_connect_failures_total{${labels},reason="refused"} 1\n`),
    );
    assert.ok(
      text.includes(`director_host_connect_failures_total{${labels},reason="timeout"} 1\n`),
    );
    assert.ok(text.includes(`director_group_enabled{service="web",group="main"} 1\n`));
    assert.match(text, /^director_config_reloads_total\{result="ok"\} 0$/m);
    assert.match(text, /^director_open_fds \d+$/m);
    assert.match(text, /^director_resident_memory_bytes \d+$/m);
    // Every sample line is well-formed: name{labels} number.
    for (const line of text.trimEnd().split("\n")) {
      if (!line.startsWith("#")) {
        assert.match(line, /^[a-z_]+(\{.*\})? -?\d+(\.\d+)?(e[+-]?\d+)?$/, line);
      }
    }
    // The state history records the change.
    const status = await (await f.call("/api/v1/status")).json();
    const three = status.services[0].groups[0].hosts[1];
    assert.deepEqual(three.history.map((h: { state: string }) => h.state), ["bad"]);
  } finally {
    f.close();
  }
});

test("label values are escaped", async () => {
  const f = adminFixture();
  try {
    await f.call(
      "/addHost?" +
        new URLSearchParams({
          service: "web",
          group: "main",
          name: 'q"u\\o\nte',
          ip: "127.0.0.1:18090",
        }),
    );
    const text = await (await f.call("/metrics")).text();
    assert.ok(text.includes('host="q\\"u\\\\o\\nte"'));
  } finally {
    f.close();
  }
});
