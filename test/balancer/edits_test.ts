/**
 * Edits keep every copy of the model in step: the main thread applies an
 * edit first and writes where it placed what it added; a worker thread's
 * copy applying the same edit (as it arrives, structured-cloned) maps the
 * very same records of the shared state, so a connection counted in one
 * copy is seen in the other. Settings edits change both alike.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Balancer } from "../../src/balancer/balancer.ts";
import { applyEdit, type Edit } from "../../src/balancer/edits.ts";
import { parseEndpoint } from "../../src/config/endpoint.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { Logger } from "../../src/log.ts";
import { Arena, type ArenaHandle } from "../../src/state/arena.ts";

const XML = `<pdconfig><service name="s"><listen ip="127.0.0.1:1"/>
  <group name="g" scheduler="roundrobin"><host name="a" ip="127.0.0.1:101"/></group>
  <enable group="g"/></service></pdconfig>`;
const log = new Logger({ level: "error" });

/** The main thread's model (row 1 of the arena) and a worker thread's copy (row 0). */
function copies() {
  const config = parseConfig(XML, "t.xml").config;
  const arena = Arena.create(2, true);
  const main = new Balancer(config, log, { arena, worker: 1 });
  // A worker thread's view (`attach` also takes the worker's index once the client table is in).
  const attach = Arena.attach as (handle: ArenaHandle, worker: number) => Arena;
  const worker = new Balancer(
    structuredClone(config),
    log,
    { arena: attach(arena.handle(), 0), worker: 0 },
    { placements: main.placements() },
  );
  /** Apply on the main thread, then on the worker as a message would carry it. */
  const apply = (edit: Edit) => {
    applyEdit(main, edit);
    applyEdit(worker, structuredClone(edit));
  };
  const host = (model: Balancer, name: string, group = "g") =>
    model.service("s")!.group(group)!.findHost(name)!;
  return { main, worker, apply, host };
}

test("edits: an added host lands in the same shared record in both copies", () => {
  const { main, worker, apply, host } = copies();
  const edit: Edit = {
    op: "addHost",
    service: "s",
    group: "g",
    host: { name: "b", address: parseEndpoint("127.0.0.1:102") },
  };
  apply(edit);
  assert.ok(edit.op === "addHost" && edit.placement, "the main thread wrote its placement");
  const [inMain, inWorker] = [host(main, "b"), host(worker, "b")];
  assert.equal(inWorker.slot, inMain.slot);
  assert.equal(inWorker.index, inMain.index);
  assert.notEqual(inMain.slot, host(main, "a").slot);
  inWorker.opened(); // the worker thread counts a connection…
  assert.equal(inMain.open, 1, "…and the main thread sees it");
  inWorker.unopened();
  assert.equal(inMain.open, 0);
});

test("edits: an added group and service are placed once and mapped alike", () => {
  const { main, worker, apply, host } = copies();
  apply({
    op: "addGroup",
    service: "s",
    group: {
      name: "spare",
      scheduler: "leastconns",
      connectTimeoutMs: 1000,
      hosts: [{ name: "c", address: parseEndpoint("127.0.0.1:103") }],
    },
  });
  assert.equal(host(worker, "c", "spare").slot, host(main, "c", "spare").slot);
  apply({
    op: "addService",
    service: parseConfig(XML.replaceAll('"s"', '"t"').replace(":1", ":2"), "t.xml").config
      .services[0],
  });
  const [t1, t2] = [main.service("t")!, worker.service("t")!];
  assert.equal(t2.slot, t1.slot);
  assert.notEqual(t1.slot, main.service("s")!.slot);
  assert.ok(t2.slots.tryTake(10));
  assert.equal(t1.slots.open, 1, "one shared service record");
});

test("edits: settings change both copies; unset goes back to the default", () => {
  const { main, worker, apply, host } = copies();
  apply({ op: "setHost", service: "s", group: "g", host: "a", set: { weight: 2.5, maxconn: 7 } });
  apply({ op: "setService", service: "s", set: { maxconn: 50, idleTimeoutMs: 3000 } });
  apply({ op: "setGroup", service: "s", group: "g", set: { scheduler: "leastconns" } });
  for (const model of [main, worker]) {
    assert.equal(host(model, "a").weight, 2.5);
    assert.equal(host(model, "a").maxconn, 7);
    assert.equal(model.service("s")!.maxconn, 50);
    assert.equal(model.service("s")!.group("g")!.schedulerName, "leastconns");
  }
  apply({ op: "setHost", service: "s", group: "g", host: "a", set: { maxconn: null } });
  apply({ op: "setService", service: "s", set: { idleTimeoutMs: null } });
  for (const model of [main, worker]) {
    assert.equal(host(model, "a").maxconn, undefined);
    assert.equal(model.service("s")!.idleTimeoutMs, undefined);
    assert.equal(model.service("s")!.maxconn, 50, "an absent key is left unchanged");
  }
});

test("edits: removing a host leaves the others; an edit naming nothing is refused plainly", () => {
  const { main, worker, apply, host } = copies();
  apply({
    op: "addHost",
    service: "s",
    group: "g",
    host: { name: "b", address: parseEndpoint("127.0.0.1:102") },
  });
  apply({ op: "removeHost", service: "s", group: "g", host: "a" });
  for (const model of [main, worker]) {
    assert.deepEqual(model.service("s")!.group("g")!.hosts.map((h) => h.name), ["b"]);
  }
  assert.equal(host(worker, "b").slot, host(main, "b").slot);
  applyEdit(main, { op: "removeService", service: "s" });
  const late: Edit = { op: "setHost", service: "s", group: "g", host: "b", set: { weight: 1 } };
  assert.throws(() => applyEdit(main, late), /^Error: Cannot apply an edit: no service "s"$/);
});

test("edits: a service's config as JSON (what a reload sends the loader) follows every edit", () => {
  const { main, apply } = copies();
  const service = main.service("s")!;
  const edits: Edit[] = [
    {
      op: "addHost",
      service: "s",
      group: "g",
      host: { name: "b", address: parseEndpoint("127.0.0.1:102") },
    },
    { op: "setHost", service: "s", group: "g", host: "b", set: { weight: 3, maxconn: 7 } },
    { op: "removeHost", service: "s", group: "g", host: "a" },
    { op: "setService", service: "s", set: { idleTimeoutMs: 9000, maxconn: 50 } },
    { op: "addListen", service: "s", listen: parseEndpoint("127.0.0.1:2") },
    { op: "setListen", service: "s", spec: "127.0.0.1:2", acceptProxy: true },
    { op: "removeListen", service: "s", spec: "127.0.0.1:1" },
    {
      op: "addGroup",
      service: "s",
      group: {
        name: "spare",
        scheduler: "leastconns",
        connectTimeoutMs: 1000,
        hosts: [{ name: "c", address: parseEndpoint("127.0.0.1:103") }],
      },
    },
    { op: "setGroup", service: "s", group: "spare", set: { scheduler: "roundrobin" } },
    { op: "setService", service: "s", set: { enabledGroup: "spare" } },
    { op: "removeGroup", service: "s", group: "g" },
  ];
  for (const edit of edits) {
    const before = service.configJson();
    apply(edit);
    assert.notEqual(service.configJson(), before, `${edit.op} changed the config`);
    assert.deepEqual(JSON.parse(service.configJson()), service.toConfig(), `after ${edit.op}`);
  }
});

test("edits: a service's config survives JSON whole (policy, checks, limits, weights)", () => {
  const xml = `<pdconfig><service name="web" client-maxconn="5" client-rate="10/2.5" sni-timeout="3"
      idle-timeout="30" maxconn="100">
    <listen ip="127.0.0.1:1" accept-proxy="yes"/><listen ip="[::1]:1"/>
    <group name="main" scheduler="leastconns" queue-timeout="2" send-proxy="v2" slowstart="5">
      <check interval="3" send="PING\\r\\n" expect="PONG"/>
      <host name="a" ip="127.0.0.1:101" weight="2.5" maxconn="9" slowstart="0"/>
    </group>
    <group name="upgrade" scheduler="sticky" stickytime="60"><host name="b" ip="localhost:102"/></group>
    <enable group="main" backup="upgrade"/><deny src="10.1.0.0/16"/><allow src="10.0.0.0/8"/>
    <route sni="*.example.com" group="upgrade"/></service></pdconfig>`;
  const model = new Balancer(parseConfig(xml, "t.xml").config, log, {
    arena: Arena.create(1, false),
    worker: 0,
  });
  const service = model.service("web")!;
  assert.ok(service.toConfig().acl?.length && service.toConfig().routes?.length);
  assert.deepEqual(JSON.parse(service.configJson()), service.toConfig());
});
