/**
 * Finding what a change call names: 404 for a missing service, group or
 * host (by name or, where allowed, by address), 400 when none is named, and
 * which listen addresses are taken.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Balancer } from "../../src/balancer/balancer.ts";
import type { CallContext, ChangeTarget } from "../../src/changes/context.ts";
import { ChangeError } from "../../src/changes/errors.ts";
import { findHost, listenInUse, serviceGroup } from "../../src/changes/lookup.ts";
import { parseEndpoint } from "../../src/config/endpoint.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { Logger } from "../../src/log.ts";
import { Arena } from "../../src/state/arena.ts";

const XML = `<pdconfig><service name="web"><listen ip="127.0.0.1:8080"/>
  <group name="main" scheduler="roundrobin">
    <host name="a" ip="127.0.0.1:101"/><host ip="127.0.0.1:102"/>
  </group><enable group="main"/></service></pdconfig>`;

const model = new Balancer(
  parseConfig(XML, "t.xml").config,
  new Logger({ level: "error" }),
  { arena: Arena.create(1, false), worker: 0 },
);
const target = { model, adminListen: parseEndpoint("127.0.0.1:9000") } as unknown as ChangeTarget;
const ctx = (values: Record<string, string>): CallContext => ({
  target,
  params: (name) => values[name],
  user: "test",
});

function refused(run: () => unknown, status: number, message: string) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ChangeError);
    assert.equal(error.status, status);
    assert.equal(error.message, message);
    return true;
  });
}

test("serviceGroup: both found, or a 404 naming what is missing", () => {
  const { service, group } = serviceGroup(ctx({ service: "web", group: "main" }));
  assert.equal(service.name, "web");
  assert.equal(group.name, "main");
  refused(() => serviceGroup(ctx({ service: "api", group: "main" })), 404, 'no service "api"');
  refused(
    () => serviceGroup(ctx({ service: "web", group: "spare" })),
    404,
    'service "web" has no group "spare"',
  );
  refused(() => serviceGroup(ctx({ group: "main" })), 400, 'missing parameter "service"');
});

test("findHost: by host or name; by ip only where the call allows it", () => {
  const { group } = serviceGroup(ctx({ service: "web", group: "main" }));
  assert.equal(findHost(ctx({ host: "a" }), group, false).name, "a");
  assert.equal(findHost(ctx({ name: "host.1" }), group, false).name, "host.1");
  assert.equal(findHost(ctx({ ip: "127.0.0.1:102" }), group, true).name, "host.1");
  refused(() => findHost(ctx({ host: "z" }), group, true), 404, 'group "main" has no host "z"');
  refused(
    () => findHost(ctx({ ip: "127.0.0.1:1" }), group, true),
    404,
    'group "main" has no host with ip "127.0.0.1:1"',
  );
  refused(
    () => findHost(ctx({ ip: "127.0.0.1:102" }), group, false),
    400,
    'missing parameter "host" or "name"',
  );
  refused(() => findHost(ctx({}), group, true), 400, 'missing parameter "host" or "name" or "ip"');
});

test("listenInUse names the service or the admin holding an address", () => {
  assert.equal(listenInUse(target, parseEndpoint("127.0.0.1:8080")), 'service "web"');
  assert.equal(listenInUse(target, parseEndpoint("127.0.0.1:9000")), "admin");
  assert.equal(listenInUse(target, parseEndpoint("127.0.0.1:8081")), undefined);
  assert.equal(listenInUse(target, parseEndpoint("127.0.0.2:8080")), undefined);
});
