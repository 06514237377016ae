/**
 * The pure parts of backends from DNS: which host names are looked up,
 * how SRV weights become host weights and targets host names, and the
 * edits an SRV answer makes for a group.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Balancer } from "../../src/balancer/balancer.ts";
import { isDnsName } from "../../src/control/dns_refresh.ts";
import { srvEdits, srvHostName, srvWeight } from "../../src/control/srv_hosts.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { Logger } from "../../src/log.ts";
import { Arena } from "../../src/state/arena.ts";

describe("names and weights", () => {
  it("looks up names, not IP literals nor localhost", () => {
    assert.equal(isDnsName("backend.internal"), true);
    assert.equal(isDnsName("db"), true);
    for (const name of ["127.0.0.1", "::1", "0.0.0.0", "localhost", "LOCALHOST.", "a.localhost"]) {
      assert.equal(isDnsName(name), false, name);
    }
  });

  it("maps SRV weights into host weights", () => {
    assert.equal(srvWeight(0), 0.001);
    assert.equal(srvWeight(5), 5);
    assert.equal(srvWeight(65535), 1000);
    assert.equal(srvHostName({ target: "a.example.", port: 80, weight: 1 }), "a.example:80");
  });
});

describe("srvEdits", () => {
  const model = () => {
    const xml = `<pdconfig><service name="web"><listen ip="127.0.0.1:1"/>
      <group name="main" scheduler="roundrobin" srv="_w._tcp.x"/><enable group="main"/>
      </service></pdconfig>`;
    const config = parseConfig(xml, "t.xml").config;
    return new Balancer(config, new Logger({}), { arena: Arena.create(1, false), worker: 0 });
  };
  const address = (name: string) => Promise.resolve(name === "a.x" ? "10.0.0.1" : undefined);

  it("adds new targets (looked up first), re-weights, then removes the missing", async () => {
    const m = model();
    const service = m.service("web")!, group = service.group("main")!;
    const first = await srvEdits(service, group, [
      { target: "a.x", port: 80, weight: 1 },
      { target: "b.x", port: 81, weight: 0 },
    ], { address });
    assert.deepEqual(first.map((s) => s.edit.op), ["addHost", "addHost"]);
    const added = first[0].edit as { host: { resolved?: string; name: string } };
    assert.equal(added.host.name, "a.x:80");
    assert.equal(added.host.resolved, "10.0.0.1");
    for (const step of first) {
      const edit = step.edit as { host: Parameters<typeof group.addHost>[0] };
      group.addHost(edit.host);
    }
    const next = await srvEdits(service, group, [{ target: "a.x", port: 80, weight: 4 }], {
      address,
    });
    assert.deepEqual(next.map((s) => [s.edit.op, s.event?.name]), [
      ["setHost", undefined],
      ["removeHost", "dns_host_removed"],
    ]);
    // Targets that are no host:port at all leave the hosts as they are.
    const none = await srvEdits(service, group, [{ target: "bad name", port: 80, weight: 1 }], {
      address,
    });
    assert.deepEqual(none, []);
  });
});
