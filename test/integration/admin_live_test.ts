/**
 * Admin calls over real sockets against a running Director, checked on
 * live traffic: what a legacy curl script does must take effect at once for
 * new connections, and never disturb connections in progress.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { freePort, startDirector, within } from "./harness.ts";
import { type Backend, connect, echoBackend, namedBackend, readAll, whoAnswers } from "./peers.ts";

const backends: Record<string, Backend> = {};
let director: Awaited<ReturnType<typeof startDirector>>;
let port: number;
let adminPort: number;
const AUTH = "Basic " + btoa("ops:live-secret");

before(async () => {
  for (const name of ["A", "B", "S"]) backends[name] = await namedBackend(name);
  backends.echo = await echoBackend();
  port = await freePort();
  adminPort = await freePort();
  const hash = await hashPassword("live-secret", 4);
  director = await startDirector(`<pdconfig>
  <service name="web">
    <listen ip="127.0.0.1:${port}"/>
    <group name="main" scheduler="roundrobin">
      <host name="a" ip="127.0.0.1:${backends.A.port}"/>
      <host name="echo" ip="127.0.0.1:${backends.echo.port}"/>
    </group>
    <group name="spare" scheduler="roundrobin">
      <host name="s" ip="127.0.0.1:${backends.S.port}"/>
    </group>
    <enable group="main"/>
  </service>
  <admin listen="127.0.0.1:${adminPort}">
    <user name="ops" password="${hash}" access="full"/>
  </admin>
</pdconfig>`);
  await director.waitFor(/event=admin_listening/);
});

after(async () => {
  await director.stop();
  await Promise.all(Object.values(backends).map((b) => b.close()));
});

/** A legacy-script call: GET with a query string, Basic auth, no browser headers. */
async function admin(path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${adminPort}${path}`, {
    headers: { authorization: AUTH },
  });
  return { status: res.status, text: await res.text() };
}

/** Names answering the next `n` connections (the echo host answers with nothing). */
async function answers(n: number): Promise<string[]> {
  const names = [];
  for (let i = 0; i < n; i++) names.push(await whoAnswers(port));
  return names;
}

test("the admin server requires auth over the network too", async () => {
  const res = await fetch(`http://127.0.0.1:${adminPort}/running.txt`);
  await res.body?.cancel();
  assert.equal(res.status, 401);
});

test("addHost, hostAdminDown/Up and delHost change where new connections go", async () => {
  const added = await admin(
    `/addHost?service=web&group=main&name=b&ip=127.0.0.1:${backends.B.port}`,
  );
  assert.equal(added.status, 200, added.text);
  assert.ok((await answers(6)).includes("B"));

  assert.equal((await admin("/hostAdminDown?service=web&group=main&host=a")).status, 200);
  assert.ok(!(await answers(6)).includes("A"));
  assert.equal((await admin("/hostAdminUp?service=web&group=main&host=a")).status, 200);
  assert.ok((await answers(6)).includes("A"));

  assert.equal((await admin("/delHost?service=web&group=main&name=b")).status, 200);
  assert.ok(!(await answers(6)).includes("B"));
});

test("enableGroup moves new connections; a connection in progress keeps flowing", async () => {
  // Park a long-lived connection on the echo host of "main".
  await admin("/hostAdminDown?service=web&group=main&host=a");
  const held = await connect(port);
  const reply = readAll(held);
  held.write("ping ");
  await within(5000, new Promise((r) => held.once("data", r)), "first echo");

  assert.equal((await admin("/enableGroup?service=web&group=spare")).status, 200);
  assert.deepEqual(await answers(3), ["S", "S", "S"]);
  held.end("pong");
  assert.equal((await within(5000, reply, "held reply")).toString(), "ping pong");

  assert.equal((await admin("/enableGroup?service=web&group=main")).status, 200);
  await admin("/hostAdminUp?service=web&group=main&host=a");
});

test("retryHost puts a bad host back in rotation at once", async () => {
  const port2 = await freePort();
  await admin(`/addHost?service=web&group=spare&name=late&ip=127.0.0.1:${port2}`);
  await admin("/enableGroup?service=web&group=spare");
  try {
    // "late" refuses: it goes bad, S serves.
    assert.deepEqual(await answers(2), ["S", "S"]);
    assert.match((await admin("/running.txt")).text, /^disabled late .*connection refused -$/m);
    const late = await namedBackend("LATE", port2);
    try {
      assert.equal((await admin("/retryHost?service=web&group=spare&host=late")).status, 200);
      assert.ok((await answers(4)).includes("LATE"));
    } finally {
      await late.close();
    }
  } finally {
    await admin("/enableGroup?service=web&group=main");
  }
});
