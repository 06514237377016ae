/**
 * `--replace PID`: a second Director binds every port beside the running
 * one (SO_REUSEPORT), and once ready makes it drain. Clients opening
 * connections in a loop all the while see none refused or reset; a
 * connection held on the old instance keeps echoing until it closes; the
 * admin port answers throughout, from the new instance at the end.
 *
 * @module
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import { test } from "node:test";
import type net from "node:net";
import { freePort, runDirector, sleep, startDirector, tempDir, within } from "./harness.ts";
import { connect, echoBackend, exchange } from "./peers.ts";

/** Open connections in `lanes` parallel loops until `stop()`; each must echo its own bytes. */
function connectionLoop(port: number, lanes = 4) {
  let ok = 0, running = true;
  const failures: string[] = [];
  const lane = async (n: number) => {
    for (let i = 0; running && i < 100_000; i++) {
      const message = `lane ${n} connection ${i}\n`;
      try {
        const reply = (await exchange(port, message, 10_000)).toString();
        if (reply === message) ok++;
        else failures.push(`lane ${n} #${i}: got ${JSON.stringify(reply)}`);
      } catch (error) {
        failures.push(`lane ${n} #${i}: ${(error as Error).message}`);
      }
    }
  };
  const done = Promise.all(Array.from({ length: lanes }, (_, n) => lane(n)));
  return {
    get ok() {
      return ok;
    },
    failures,
    async stop() {
      running = false;
      await done;
    },
  };
}

/** Send a line on a held connection and wait for its echo. */
async function echoes(socket: net.Socket, line: string): Promise<void> {
  const got = new Promise<void>((resolve, reject) => {
    let seen = "";
    const onData = (d: Uint8Array) => {
      seen += new TextDecoder().decode(d);
      if (seen.includes(line)) (socket.off("data", onData), resolve());
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
  socket.write(line);
  await within(5000, got, `echo of ${JSON.stringify(line)}`);
}

test("--replace: 500+ connections in a loop see no refusal or reset, a held one keeps echoing", async () => {
  const backend = await echoBackend();
  const [port, adminPort] = [await freePort(), await freePort()];
  const old = await startDirector(`<pdconfig>
  <service name="svc"><listen ip="127.0.0.1:${port}"/>
    <group name="main" scheduler="roundrobin"><host name="a" ip="127.0.0.1:${backend.port}"/></group>
    <enable group="main"/></service>
  <admin listen="127.0.0.1:${adminPort}"/>
</pdconfig>`);
  let replacement: ReturnType<typeof runDirector> | undefined;
  const held = await connect(port);
  const loop = connectionLoop(port);
  try {
    await echoes(held, "before\n");
    while (loop.ok < 100) await sleep(20); // traffic flows before the replacement starts
    replacement = runDirector(["--replace", String(old.pid), "--config", old.configPath]);
    await replacement.waitFor(new RegExp(`event=replaced pid=${old.pid}`), 20_000);
    await old.waitFor(/event=draining signal=SIGTERM open=\d+/);
    // The held connection lives on in the old, draining process.
    await echoes(held, "while draining\n");
    const atDrain = loop.ok;
    while (loop.ok < Math.max(500, atDrain + 200)) await sleep(20);
    await loop.stop();
    assert.deepEqual(loop.failures.slice(0, 5), [], `${loop.failures.length} failed`);
    console.log(`${loop.ok} connections across the replacement, none refused or reset`);
    await echoes(held, "still there\n");
    // The admin port moved over: the new instance answers it.
    const health = await fetch(`http://127.0.0.1:${adminPort}/healthz`);
    assert.equal(await health.text(), "ok\n");
    held.end();
    assert.equal(await within(10_000, old.exited, "old instance exit"), 0);
    assert.match(old.output(), /event=stopped signal=SIGTERM/);
    // Only the new one is left, and it serves.
    assert.equal((await exchange(port, "after\n")).toString(), "after\n");
  } finally {
    await loop.stop();
    held.destroy();
    await old.stop();
    await replacement?.stop();
    await backend.close();
  }
});

test("--replace refuses a process that does not exist, before binding anything", async () => {
  const director = runDirector(["--replace", "999999", "--config", "/nonexistent.xml"]);
  assert.equal(await within(15_000, director.exited, "exit"), 1);
  assert.match(director.output(), /Cannot replace process 999999: no such process/);
  const usage = runDirector(["--replace", "nope"]);
  assert.equal(await within(15_000, usage.exited, "exit"), 2);
});

/** GET `/healthz` over HTTPS trusting `cert`; resolves the body, or "" when nothing answers. */
function httpsHealth(port: number, cert: string): Promise<string> {
  return new Promise((resolve) => {
    const req = https.get(
      { host: "127.0.0.1", port, path: "/healthz", ca: readFileSync(cert), timeout: 3000 },
      (res) => {
        let text = "";
        res.on("data", (d) => text += d);
        res.on("end", () => resolve(text));
      },
    );
    req.on("error", () => resolve(""));
    req.on("timeout", () => req.destroy());
  });
}

test("--replace with an HTTPS admin: the old one drains first, the new one takes the port", async () => {
  const dir = tempDir();
  const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
  execFileSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
    "-keyout",
    key,
    "-out",
    cert,
  ], { stdio: "ignore" });
  const backend = await echoBackend();
  const [port, adminPort] = [await freePort(), await freePort()];
  const old = await startDirector(`<pdconfig>
  <service name="svc"><listen ip="127.0.0.1:${port}"/>
    <group name="main" scheduler="roundrobin"><host name="a" ip="127.0.0.1:${backend.port}"/></group>
    <enable group="main"/></service>
  <admin listen="127.0.0.1:${adminPort}" secure="yes" cert="${cert}" key="${key}"/>
</pdconfig>`);
  let replacement: ReturnType<typeof runDirector> | undefined;
  const held = await connect(port);
  try {
    assert.equal(await httpsHealth(adminPort, cert), "ok\n");
    replacement = runDirector(["--replace", String(old.pid), "--config", old.configPath]);
    await old.waitFor(/event=draining/, 20_000);
    await replacement.waitFor(/event=admin_listening/, 20_000);
    await replacement.waitFor(/event=started/, 20_000);
    assert.equal(await httpsHealth(adminPort, cert), "ok\n");
    await echoes(held, "held across\n");
    held.end();
    assert.equal(await within(10_000, old.exited, "old instance exit"), 0);
  } finally {
    held.destroy();
    await old.stop();
    await replacement?.stop();
    await backend.close();
  }
});
