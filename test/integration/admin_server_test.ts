/**
 * The admin server process-level behaviours: a generated password when the
 * config has no users, HTTPS with `secure="yes"`, and a clean failure when
 * the admin port is taken.
 *
 * @module
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import https from "node:https";
import { join } from "node:path";
import { test } from "node:test";
import { freePort, runDirector, startDirector, tempDir, within } from "./harness.ts";
import { connect, namedBackend, startServer } from "./peers.ts";
import { requireTool } from "../support/skip.ts";

function service(port: number, backendPort: number): string {
  return `<service name="web">
    <listen ip="127.0.0.1:${port}"/>
    <group name="main" scheduler="roundrobin"><host name="a" ip="127.0.0.1:${backendPort}"/></group>
    <enable group="main"/>
  </service>`;
}

test("an admin block without users gets a generated password, printed once", async () => {
  const backend = await namedBackend("A");
  const [port, adminPort] = [await freePort(), await freePort()];
  const director = await startDirector(
    `<pdconfig>${service(port, backend.port)}<admin listen="127.0.0.1:${adminPort}"/></pdconfig>`,
  );
  try {
    const [, password] = await director.waitFor(
      /event=admin_password_generated user=admin password=(\S+)/,
    );
    assert.equal(director.output().match(/admin_password_generated/g)?.length, 1);
    const url = `http://127.0.0.1:${adminPort}/running.txt`;
    const ok = await fetch(url, {
      headers: { authorization: "Basic " + btoa(`admin:${password}`) },
    });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /^host a /m);
    const bad = await fetch(url, { headers: { authorization: "Basic " + btoa("admin:guess") } });
    await bad.body?.cancel();
    assert.equal(bad.status, 401);
    // The generated user is not part of the running config: never saved.
    const xml = await (await fetch(`http://127.0.0.1:${adminPort}/running.xml`, {
      headers: { authorization: "Basic " + btoa(`admin:${password}`) },
    })).text();
    assert.doesNotMatch(xml, /<user/);
  } finally {
    await director.stop();
    await backend.close();
  }
});

test(
  'secure="yes" serves HTTPS with the configured certificate',
  requireTool("openssl"),
  async () => {
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
    const backend = await namedBackend("A");
    const [port, adminPort] = [await freePort(), await freePort()];
    const director = await startDirector(`<pdconfig>${service(port, backend.port)}
    <admin listen="127.0.0.1:${adminPort}" secure="yes" cert="${cert}" key="${key}"/></pdconfig>`);
    try {
      const [, password] = await director.waitFor(/password=(\S+)/);
      const { readFileSync } = await import("node:fs");
      const ca = readFileSync(cert);
      const call = (
        path: string,
        options: { method?: string; headers?: Record<string, string>; body?: string },
      ) =>
        within(
          10_000,
          new Promise<{ status: number; text: string }>((resolve, reject) => {
            const req = https.request({
              host: "127.0.0.1",
              port: adminPort,
              path,
              ca,
              auth: `admin:${password}`,
              method: options.method ?? "GET",
              headers: options.headers,
            }, (res) => {
              let text = "";
              res.on("data", (d) => text += d);
              res.on("end", () => resolve({ status: res.statusCode!, text }));
            });
            req.on("error", reject);
            req.end(options.body);
          }),
          "https request",
        );
      const body = await call("/running.txt", {});
      assert.equal(body.status, 200);
      assert.match(body.text, /^service web /m);
      // A form post from the page's own https origin is the admin's own; an http one is not.
      const form = (origin: string, name: string) =>
        call("/addHost", {
          method: "POST",
          headers: { origin, "content-type": "application/x-www-form-urlencoded" },
          body: `service=web&group=main&name=${name}&ip=127.0.0.1:9`,
        });
      const own = await form(`https://127.0.0.1:${adminPort}`, "b");
      assert.equal(own.status, 200, own.text);
      const other = await form(`http://127.0.0.1:${adminPort}`, "c");
      assert.equal(other.status, 403, other.text);
      assert.match(other.text, /cross-site request refused/);
      assert.match((await call("/running.txt", {})).text, /^host b /m);
    } finally {
      await director.stop();
      await backend.close();
    }
  },
);

test("an admin port in use fails the start cleanly: one line, exit 1, no port left open", async () => {
  const busy = await startServer(() => {});
  const backend = await namedBackend("A");
  const port = await freePort();
  const dir = tempDir();
  const config = join(dir, "c.xml");
  const { writeFileSync } = await import("node:fs");
  writeFileSync(
    config,
    `<pdconfig>${service(port, backend.port)}<admin listen="127.0.0.1:${busy.port}"/></pdconfig>`,
  );
  try {
    const director = runDirector(["--config", config]);
    assert.equal(await within(10_000, director.exited, "exit"), 1);
    assert.match(
      director.output(),
      /Cannot listen on 127\.0\.0\.1:\d+ \(admin\): address already in use/,
    );
    await assert.rejects(connect(port), /ECONNREFUSED/);
  } finally {
    await busy.close();
    await backend.close();
  }
});
