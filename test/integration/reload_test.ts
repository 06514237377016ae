/**
 * Reload (SIGHUP and the admin `reload` call) and `director diff --apply`
 * against a running Director, over real sockets.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { parseConfig } from "../../src/config/parse.ts";
import {
  directorCommand,
  freePort,
  refusedSoon,
  startDirector,
  tempDir,
  within,
} from "./harness.ts";
import { connect, echoBackend, namedBackend, readAll, whoAnswers } from "./peers.ts";
import { waitUntil } from "../support/wait.ts";

const HASH = await hashPassword("reload-secret", 4);
const AUTH = "Basic " + btoa("ops:reload-secret");

function config(
  o: { listen: number[]; hosts: [string, number][]; admin: number; enabled?: string },
) {
  return `<pdconfig>
  <service name="web">
${o.listen.map((p) => `    <listen ip="127.0.0.1:${p}"/>`).join("\n")}
    <group name="main" scheduler="roundrobin">
${o.hosts.map(([n, p]) => `      <host name="${n}" ip="127.0.0.1:${p}"/>`).join("\n")}
    </group>
    <group name="spare" scheduler="roundrobin"><host name="s" ip="127.0.0.1:${
    o.hosts[0][1]
  }"/></group>
    <enable group="${o.enabled ?? "main"}"/>
  </service>
  <admin listen="127.0.0.1:${o.admin}"><user name="ops" password="${HASH}" access="full"/></admin>
</pdconfig>
`;
}

async function admin(port: number, path: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: AUTH } });
  return { status: res.status, text: await res.text() };
}

test("SIGHUP applies the new file: listeners added and removed, held connection untouched", async () => {
  const echo = await echoBackend();
  const named = await namedBackend("N");
  const [p1, p2, adminPort] = [await freePort(), await freePort(), await freePort()];
  const base = { admin: adminPort, hosts: [["echo", echo.port]] as [string, number][] };
  const director = await startDirector(config({ ...base, listen: [p1] }));
  try {
    // A host added at run time, not in the file: the reload applies the file, so it goes.
    const added = await admin(
      adminPort,
      `/addHost?service=web&group=spare&name=dead&ip=127.0.0.1:${await freePort()}`,
    );
    assert.equal(added.status, 200, added.text);
    assert.match((await admin(adminPort, "/running.txt")).text, /\bdead\b/);
    const held = await connect(p1);
    const reply = readAll(held);
    held.write("before ");
    await within(5000, new Promise((r) => held.once("data", r)), "first echo");

    writeFileSync(
      director.configPath,
      config({ ...base, listen: [p2], hosts: [["echo", echo.port], ["n", named.port]] }),
    );
    director.signal("SIGHUP");
    await director.waitFor(/event=reloaded .*changes=/);
    await refusedSoon(p1); // removed listener
    const names = new Set<string>();
    for (let i = 0; i < 4; i++) names.add(await whoAnswers(p2)); // added listener and host
    assert.ok(names.has("N"));
    held.end("after");
    assert.equal((await within(5000, reply, "held reply")).toString(), "before after");
    // The run-time-only host "dead" was not in the file: the file wins.
    assert.doesNotMatch((await admin(adminPort, "/running.txt")).text, /\bdead\b/);
    assert.match((await admin(adminPort, "/config.xml")).text, new RegExp(`127\\.0\\.0\\.1:${p2}`));
  } finally {
    await director.stop();
    await echo.close();
    await named.close();
  }
});

test("an invalid file changes nothing: the reload call says why, with file and line", async () => {
  const a = await namedBackend("A");
  const [p1, adminPort] = [await freePort(), await freePort()];
  const director = await startDirector(
    config({ listen: [p1], admin: adminPort, hosts: [["a", a.port]] }),
  );
  try {
    const dead = await freePort();
    const added = await admin(
      adminPort,
      `/addHost?service=web&group=main&name=dead&ip=127.0.0.1:${dead}`,
    );
    assert.equal(added.status, 200, added.text);
    for (let i = 0; i < 4; i++) await whoAnswers(p1); // "dead" goes bad
    // The state to compare against once the last client's close is counted (with
    // several workers it may be counted a moment after the client saw the answer).
    let before = "";
    await waitUntil(
      async () => {
        before = (await admin(adminPort, "/running.txt")).text;
        return /^host a \S+ 0 -$/m.test(before) && /^disabled dead /m.test(before);
      },
      10_000,
      "dead bad and no connection open",
    );
    writeFileSync(
      director.configPath,
      `<pdconfig>\n  <service name="web">\n    <listen ip="nope"/>\n`,
    );
    const res = await admin(adminPort, "/reload");
    assert.equal(res.status, 400);
    assert.match(res.text, /reload refused, nothing changed: .*director\.xml:\d+:\d+:/);
    assert.equal((await admin(adminPort, "/running.txt")).text, before);
    assert.equal(await whoAnswers(p1), "A");
    await director.waitFor(/event=reload_failed/);
  } finally {
    await director.stop();
    await a.close();
  }
});

test("diff --apply against a running Director makes /running.xml equal to NEW", async () => {
  const [a, b] = [await namedBackend("A"), await namedBackend("B")];
  const [p1, adminPort] = [await freePort(), await freePort()];
  const oldXml = config({ listen: [p1], admin: adminPort, hosts: [["a", a.port]] });
  const newXml = config({
    listen: [p1],
    admin: adminPort,
    hosts: [["b", b.port]],
    enabled: "spare",
  })
    .replace(`scheduler="roundrobin">\n`, `scheduler="leastconns">\n`);
  const director = await startDirector(oldXml);
  const dir = tempDir();
  const [oldPath, newPath] = [join(dir, "old.xml"), join(dir, "new.xml")];
  writeFileSync(oldPath, oldXml);
  writeFileSync(newPath, newXml);
  try {
    const [cmd, ...args] = directorCommand();
    const shown = spawnSync(cmd, [...args, "diff", oldPath, newPath], {
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(shown.status, 1);
    assert.match(
      shown.stdout,
      /^curl -fsS .*\/addHost\?service=web&group=main&name=b&ip=127\.0\.0\.1%3A\d+'$/m,
    );
    const applied = spawnSync(cmd, [
      ...args,
      "diff",
      oldPath,
      newPath,
      "--apply",
      "--admin",
      `http://127.0.0.1:${adminPort}`,
      "--user",
      "ops",
    ], {
      encoding: "utf8",
      timeout: 20_000,
      env: { ...process.env, DIRECTOR_ADMIN_PASSWORD: "reload-secret" },
    });
    assert.equal(applied.status, 0, applied.stderr + applied.stdout);
    const running =
      parseConfig((await admin(adminPort, "/running.xml")).text, "running.xml").config;
    assert.deepEqual(running, parseConfig(newXml, "new.xml").config);
    assert.equal(await whoAnswers(p1), "B"); // NEW enables "spare", whose host is B
  } finally {
    await director.stop();
    await a.close();
    await b.close();
  }
});
