/**
 * The "Fleet" section of the overview page (`/`), through `app.request()`
 * with a fake cluster in place of etcd: every live node with its admin,
 * applied revision (behind marked), open connections, version and start
 * time, this node marked; etcd unreachable said so, with the last known
 * list; records (which other nodes write) escaped; no section outside a
 * cluster.
 *
 * @module
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { ClusterStatus, NodeRecord } from "../../src/control/cluster_registry.ts";
import { adminFixture } from "./fixture.ts";

const EVIL = `<script>alert("x")</script>&'`;
const ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;";

function record(node: string, appliedRevision: number, extra: Partial<NodeRecord> = {}) {
  return {
    node,
    version: "9.9.9",
    appliedRevision,
    openConnections: 3,
    startedAt: "2026-12-03T10:20:30.000Z",
    ...extra,
  };
}

function status(extra: Partial<ClusterStatus> = {}): ClusterStatus {
  return {
    node: "alpha",
    key: "/director/config",
    etcd: ["http://127.0.0.1:2379"],
    reachable: true,
    revision: 12,
    appliedRevision: 12,
    nodes: [
      record("alpha", 12, { admin: "http://10.0.0.1:8081", openConnections: 41 }),
      record("beta", 9, { admin: "https://*:8081", version: "9.9.8" }),
      record("gamma", 12),
    ],
    ...extra,
  };
}

/** The admin fixture with `fleet` as what its cluster answers. */
function fixtureWith(fleet: () => ClusterStatus) {
  const f = adminFixture();
  Object.defineProperty(f.controller, "cluster", {
    value: { status: () => Promise.resolve(fleet()) },
  });
  return f;
}

/** The section's rows: node name → row HTML. */
function rows(html: string): Map<string, string> {
  const section = html.match(/<section class="card fleet"[\s\S]*?<\/section>/)?.[0] ?? "";
  const found = section.matchAll(/<tr data-node="([^"]*)"[^>]*>[\s\S]*?<\/tr>/g);
  return new Map([...found].map((m) => [m[1], m[0]]));
}

describe("the fleet on the overview page", () => {
  let f: ReturnType<typeof adminFixture> | undefined;
  afterEach(() => f?.close());

  it("lists every live node: this node marked, behind marked, the facts of each", async () => {
    f = fixtureWith(() => status());
    const res = await f.call("/");
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<h2 id="fleet-title">Fleet<\/h2>/);
    assert.match(html, /3 nodes · \/director\/config at revision 12/);
    const byName = rows(html);
    assert.deepEqual([...byName.keys()], ["alpha", "beta", "gamma"]);
    const [alpha, beta, gamma] = ["alpha", "beta", "gamma"].map((n) => byName.get(n)!);
    assert.match(alpha, /this node/);
    assert.doesNotMatch(beta + gamma, /this node/);
    assert.match(alpha, /<a href="http:\/\/10\.0\.0\.1:8081\/">http:\/\/10\.0\.0\.1:8081<\/a>/);
    assert.match(alpha, />41</);
    // A wildcard address is shown, not linked; a node without admin shows a dash.
    assert.match(beta, /https:\/\/\*:8081/);
    assert.doesNotMatch(beta, /<a /);
    assert.match(gamma, /—/);
    // Behind: applied below the key's latest revision.
    assert.match(beta, /data-state="behind"/);
    assert.match(beta, /9<span class="badge badge-bad" title="latest 12">behind/);
    assert.match(alpha, /data-state="in-step"/);
    assert.match(gamma, /data-state="in-step"/);
    assert.match(beta, /9\.9\.8/);
    assert.match(gamma, /2026-12-03 10:20:30 UTC/);
    assert.doesNotMatch(html, /id="fleet-unreachable"/);
  });

  it("the key's latest revision is the highest known: a node ahead marks the others behind", async () => {
    f = fixtureWith(() => status({ revision: 10, nodes: [record("alpha", 10), record("b", 11)] }));
    const html = await (await f.call("/")).text();
    assert.match(html, /at revision 11/);
    assert.match(rows(html).get("alpha")!, /data-state="behind"/);
    assert.match(rows(html).get("b")!, /data-state="in-step"/);
  });

  it("etcd unreachable: says so, and shows the last known list with its time", async () => {
    f = fixtureWith(() =>
      status({
        reachable: false,
        nodes: undefined,
        error: "Cannot list the cluster's nodes: Cannot reach etcd at http://127.0.0.1:2379",
        lastKnown: { nodes: [record("alpha", 12), record("beta", 12)], at: "2026-12-03T11:00:00Z" },
      })
    );
    const html = await (await f.call("/")).text();
    assert.match(html, /id="fleet-unreachable" role="alert"/);
    assert.match(html, /etcd is unreachable at http:\/\/127\.0\.0\.1:2379/);
    assert.match(html, /the last known, as of 2026-12-03 11:00:00 UTC/);
    assert.deepEqual([...rows(html).keys()], ["alpha", "beta"]);
  });

  it("etcd unreachable before any list: says that no list is known", async () => {
    f = fixtureWith(() => status({ reachable: false, nodes: undefined, error: "timeout" }));
    const html = await (await f.call("/")).text();
    assert.match(html, /etcd is unreachable/);
    assert.match(html, /No list of the nodes is known yet/);
    assert.equal(rows(html).size, 0);
  });

  it("escapes every value of a record (records come from etcd)", async () => {
    f = fixtureWith(() =>
      status({
        node: EVIL,
        key: EVIL,
        nodes: [
          // deno-lint-ignore no-explicit-any -- a record not written by a Director
          record(EVIL, 12, { admin: `http://x"><b>`, version: EVIL, startedAt: 7 as any }),
        ],
      })
    );
    const html = await (await f.call("/")).text();
    assert.doesNotMatch(html, /<script>alert/);
    assert.doesNotMatch(html, /<b>/);
    assert.ok(html.includes(ESCAPED), "the name, key and version are shown escaped");
    const row = rows(html).get(ESCAPED)!;
    assert.match(row, /this node/);
    assert.doesNotMatch(row, /<a /, "an admin that is no plain URL is not linked");
  });

  it("a node that is not in a cluster shows no fleet", async () => {
    f = adminFixture();
    const html = await (await f.call("/")).text();
    assert.match(html, /Running since/);
    assert.doesNotMatch(html, /fleet/i);
  });
});
