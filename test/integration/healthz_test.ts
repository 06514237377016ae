/**
 * `/healthz` and `director health` against a running Director: exit 0 and
 * `ok` while it serves; once it drains its admin port refuses (a
 * replacement or the other keepalived node answers instead), so
 * `director health` exits 1, with one "Cannot …" line.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { freePort, runDirector, startDirector, within } from "./harness.ts";
import { connect, echoBackend } from "./peers.ts";

async function health(args: string[]) {
  const probe = runDirector(["health", ...args]);
  const code = await within(15_000, probe.exited, "director health");
  return { code, out: probe.stdout().trim(), err: probe.output().trim() };
}

test("director health exits 0 while serving, 1 once draining; /healthz needs no password", async () => {
  const backend = await echoBackend();
  const [port, adminPort] = [await freePort(), await freePort()];
  const director = await startDirector(`<pdconfig>
  <service name="svc"><listen ip="127.0.0.1:${port}"/>
    <group name="main" scheduler="roundrobin"><host name="a" ip="127.0.0.1:${backend.port}"/></group>
    <enable group="main"/></service>
  <admin listen="127.0.0.1:${adminPort}"/>
</pdconfig>`);
  const admin = `http://127.0.0.1:${adminPort}`;
  try {
    const res = await fetch(`${admin}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "ok\n");
    assert.deepEqual(await health(["--admin", admin]), { code: 0, out: "ok", err: "" });
    // The address from the config file works too.
    assert.equal((await health(["--config", director.configPath])).code, 0);

    const held = await connect(port); // keeps the drain going
    director.signal("SIGTERM");
    await director.waitFor(/event=draining/);
    const draining = await health(["--admin", admin]);
    assert.equal(draining.code, 1);
    assert.match(draining.err, new RegExp(`^Cannot check health at ${admin}/healthz: `));
    held.destroy();
    assert.equal(await within(10_000, director.exited, "exit"), 0);
  } finally {
    await director.stop();
    await backend.close();
  }
});

test("director health exits 1 when nothing listens, and 2 on a usage error", async () => {
  const port = await freePort();
  const { code, err } = await health(["--admin", `http://127.0.0.1:${port}`]);
  assert.equal(code, 1);
  assert.match(err, /^Cannot check health at /);
  const bad = runDirector(["health", "--apply"]);
  assert.equal(await within(15_000, bad.exited, "usage"), 2);
});
