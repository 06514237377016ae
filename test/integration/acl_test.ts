/**
 * Allow/deny by source address over real sockets: clients bound to
 * 127.0.0.2–127.0.0.30 and ::1, rules in document order (first match
 * wins), a refused client closed with nothing forwarded and no backend
 * connection, counted and logged once a second; the admin calls
 * `addAcl`/`delAcl` with `position`, and the rules in `/running.txt`,
 * `/running.xml` and `/metrics`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import { freePort, startDirector } from "./harness.ts";
import { namedBackend } from "./peers.ts";
import { talkFrom } from "./policy_peers.ts";
import { admin, adminBlock } from "../reliability/probe.ts";

async function aclDirector(rules: string) {
  const backend = await namedBackend("APP");
  const [port, adminPort] = [await freePort(), await freePort()];
  const director = await startDirector(`<pdconfig>
  <service name="web">
    <listen ip="127.0.0.1:${port}"/>
    <listen ip="[::1]:${port}"/>
    <group name="main" scheduler="roundrobin"><host name="a" ip="127.0.0.1:${backend.port}"/></group>
    <enable group="main"/>
${rules}
  </service>
  ${adminBlock(adminPort)}
</pdconfig>`);
  return { backend, port, director, api: admin(adminPort) };
}

/** Which of 127.0.0.FIRST..LAST are served ("APP") or refused. */
async function servedAmong(port: number, first: number, last: number): Promise<number[]> {
  const served: number[] = [];
  for (let i = first; i <= last; i++) {
    const outcome = await talkFrom(`127.0.0.${i}`, port, "hello", { halfClose: true });
    if (outcome.data === "APP\n") served.push(i);
    else assert.equal(outcome.data, "", `a refused client (127.0.0.${i}) reads nothing`);
  }
  return served;
}

test("allow and deny by source: first match wins, refused clients never reach a backend", async () => {
  const { backend, port, director, api } = await aclDirector(`
    <deny src="127.0.0.8"/>
    <allow src="127.0.0.0/29"/>
    <allow src="127.0.0.16/28"/>
    <allow src="::1"/>`);
  try {
    // 127.0.0.0/29 is .0–.7; .8 is denied first; .16–.31 allowed; nothing else (there are allows).
    const served = await servedAmong(port, 2, 30);
    const expected = [2, 3, 4, 5, 6, 7, ...Array.from({ length: 15 }, (_, i) => 16 + i)];
    assert.deepEqual(served, expected);
    assert.equal(backend.accepted, expected.length, "no backend connection for a refused client");
    assert.equal((await talkFrom("::1", port, "x", { halfClose: true })).data, "APP\n");
    const refused = 29 - expected.length;
    assert.equal(await api.metric("director_denied_connections_total", 'service="web"'), refused);
    await director.waitFor(/event=client_denied service=web client=127\.0\.0\.\d+/);
    // Throttled: far fewer lines than refusals (the loop above takes well under a second each).
    const lines = director.output().match(/event=client_denied/g) ?? [];
    assert.ok(lines.length < refused, `${lines.length} log lines for ${refused} refusals`);
    const text = await api.text("/running.txt");
    assert.match(
      text,
      /^acl deny 127\.0\.0\.8\nacl allow 127\.0\.0\.0\/29\nacl allow 127\.0\.0\.16\/28\nacl allow ::1\n/m,
    );
    assert.match(text, new RegExp(`^refused ${refused} 0 0 0$`, "m"));
  } finally {
    await director.stop();
    await backend.close();
  }
});

test("deny rules only: everyone else is allowed; IPv6 ::1 can be denied", async () => {
  const { backend, port, director } = await aclDirector(`
    <deny src="127.0.0.4/30"/>
    <deny src="::1/128"/>`);
  try {
    assert.deepEqual(await servedAmong(port, 2, 9), [2, 3, 8, 9]);
    const v6 = await talkFrom("::1", port, "x", { halfClose: true });
    assert.equal(v6.data, "");
  } finally {
    await director.stop();
    await backend.close();
  }
});

test("addAcl and delAcl change the rules at once, in every worker; running.xml keeps them", async () => {
  const { backend, port, director, api } = await aclDirector("");
  try {
    assert.deepEqual(await servedAmong(port, 2, 4), [2, 3, 4]);
    assert.match(await api.text("/addAcl?service=web&action=allow&src=127.0.0.2"), /^ok: /);
    assert.deepEqual(await servedAmong(port, 2, 4), [2]);
    // Inserted before the allow: .2 is now denied by the first rule.
    assert.match(
      await api.text("/addAcl?service=web&action=deny&src=127.0.0.0/30&position=0"),
      /^ok: /,
    );
    assert.deepEqual(await servedAmong(port, 2, 4), []);
    const xml = await api.text("/running.xml");
    assert.match(xml, /<deny src="127\.0\.0\.0\/30" \/>\s*<allow src="127\.0\.0\.2" \/>/);
    // Refusals: a bad range, a duplicate, an unknown src, a bad position.
    const bad = await api.request("/addAcl?service=web&action=allow&src=127.0.0.300");
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /Cannot use address range "127\.0\.0\.300"/);
    assert.equal((await api.request("/addAcl?service=web&action=allow&src=127.0.0.2")).status, 409);
    assert.equal((await api.request("/delAcl?service=web&src=127.0.0.3")).status, 404);
    assert.equal(
      (await api.request("/addAcl?service=web&action=deny&src=10.0.0.0/8&position=7")).status,
      400,
    );
    assert.match(await api.text("/delAcl?service=web&src=127.0.0.0/30"), /^ok: /);
    assert.deepEqual(await servedAmong(port, 2, 4), [2]);
    assert.match(await api.text("/delAcl?service=web&src=127.0.0.2"), /^ok: /);
    assert.deepEqual(await servedAmong(port, 2, 4), [2, 3, 4]);
    assert.doesNotMatch(await api.text("/running.txt"), /^acl /m);
  } finally {
    await director.stop();
    await backend.close();
  }
});

test("behind accept-proxy, the PROXY header's source address is the one checked", async () => {
  const backend = await namedBackend("APP");
  const port = await freePort();
  const director = await startDirector(`<pdconfig>
  <service name="web">
    <listen ip="127.0.0.1:${port}" accept-proxy="yes"/>
    <group name="main" scheduler="roundrobin"><host name="a" ip="127.0.0.1:${backend.port}"/></group>
    <enable group="main"/>
    <deny src="192.0.2.9"/>
  </service>
</pdconfig>`);
  const header = (source: string) => `PROXY TCP4 ${source} 127.0.0.1 5555 ${port}\r\nhello`;
  try {
    const served = await talkFrom("127.0.0.1", port, header("192.0.2.10"), { halfClose: true });
    assert.equal(served.data, "APP\n");
    const refused = await talkFrom("127.0.0.1", port, header("192.0.2.9"), { halfClose: true });
    assert.equal(refused.data, "");
    await director.waitFor(/event=client_denied service=web client=192\.0\.2\.9/);
  } finally {
    await director.stop();
    await backend.close();
  }
});

test("a reload applies changed rules and limits without a restart", async () => {
  const { backend, port, director, api } = await aclDirector("");
  try {
    assert.deepEqual(await servedAmong(port, 2, 3), [2, 3]);
    const xml = readFileSync(director.configPath, "utf8")
      .replace(`<service name="web">`, `<service name="web" client-maxconn="5">`)
      .replace(`<enable group="main"/>`, `<enable group="main"/><deny src="127.0.0.2"/>`);
    writeFileSync(director.configPath, xml);
    assert.match(await api.text("/reload"), /^ok: /);
    assert.deepEqual(await servedAmong(port, 2, 3), [3]);
    assert.match(await api.text("/running.txt"), /^acl deny 127\.0\.0\.2\nclient-limits 5 -$/m);
  } finally {
    await director.stop();
    await backend.close();
  }
});
