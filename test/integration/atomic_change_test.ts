/**
 * A change reaches every worker thread or none. A reload (and an admin
 * call) that adds two listen addresses, the second one taken by another
 * process, is refused with a message naming it, and nothing is left
 * behind: the first address is bound by no thread, the running state is
 * what it was, and the service that was there keeps serving.
 *
 * Runs with two workers whatever the worker matrix says: each thread binds
 * the first address before it finds the second taken, so every thread must
 * give back what it bound.
 *
 * @module
 */
import assert from "node:assert/strict";
import net from "node:net";
import { writeFileSync } from "node:fs";
import { test } from "node:test";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { freePort, portIsFree, startDirector } from "./harness.ts";
import { namedBackend, whoAnswers } from "./peers.ts";

const HASH = await hashPassword("atomic-secret", 4);
const AUTH = "Basic " + btoa("ops:atomic-secret");

function config(o: { admin: number; web: number; host: number; extra?: number[] }): string {
  const extra = o.extra
    ? `  <service name="extra">
${o.extra.map((p) => `    <listen ip="127.0.0.1:${p}"/>`).join("\n")}
    <group name="main" scheduler="roundrobin"><host name="x" ip="127.0.0.1:${o.host}"/></group>
    <enable group="main"/>
  </service>\n`
    : "";
  return `<pdconfig>
  <service name="web">
    <listen ip="127.0.0.1:${o.web}"/>
    <group name="main" scheduler="roundrobin"><host name="a" ip="127.0.0.1:${o.host}"/></group>
    <enable group="main"/>
  </service>
${extra}  <admin listen="127.0.0.1:${o.admin}"><user name="ops" password="${HASH}" access="full"/></admin>
</pdconfig>
`;
}

async function admin(port: number, path: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: AUTH } });
  return { status: res.status, text: await res.text() };
}

/** A plain listener (no SO_REUSEPORT) that holds `port`, as another program would. */
function occupy(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

test("a change that cannot bind in every worker changes nothing in any of them", async () => {
  const a = await namedBackend("A");
  const [web, adminPort, free, taken] = await Promise.all(
    [freePort(), freePort(), freePort(), freePort()],
  );
  const blocker = await occupy(taken);
  const base = { admin: adminPort, web, host: a.port };
  const director = await startDirector(config(base), ["--workers", "2"]);
  try {
    const before = (await admin(adminPort, "/running.txt")).text;

    // A reload that adds a service on a free and a taken address.
    writeFileSync(director.configPath, config({ ...base, extra: [free, taken] }));
    const reload = await admin(adminPort, "/reload");
    assert.ok(reload.status >= 400 && reload.status < 500, `${reload.status} ${reload.text}`);
    assert.match(reload.text, new RegExp(`127\\.0\\.0\\.1:${taken}`));
    assert.equal(await portIsFree(free), true, "no worker kept the free address");
    assert.equal((await admin(adminPort, "/running.txt")).text, before);
    assert.equal(await whoAnswers(web), "A");

    // The same through the admin: a new service on the taken address.
    const call = await admin(
      adminPort,
      `/newService?service=extra&listen=127.0.0.1:${taken}&group=main`,
    );
    assert.equal(call.status, 409, call.text);
    assert.equal((await admin(adminPort, "/running.txt")).text, before);

    // Once the address is let go, the same reload applies in every worker.
    await new Promise((resolve) => blocker.close(resolve));
    const again = await admin(adminPort, "/reload");
    assert.equal(again.status, 200, again.text);
    for (let i = 0; i < 6; i++) assert.equal(await whoAnswers(taken), "A");
    assert.equal(await whoAnswers(free), "A");
  } finally {
    blocker.close();
    await director.stop();
    await a.close();
  }
});
