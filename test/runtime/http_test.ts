/**
 * The runtime adapter's HTTP server (`serveHttp`) for whichever engine runs
 * the test (`deno test` or `bun test`, see `runtime_test.ts`): it answers,
 * reports the client's address, serves HTTPS with a certificate and key,
 * and shuts down.
 *
 * @module
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadRuntime } from "../../src/runtime/mod.ts";

const runtime = await loadRuntime();
const HOST = "127.0.0.1";
const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

/** Rejects if `promise` has not settled within `ms`. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

test("serveHttp answers, tells the client address, and shuts down", async () => {
  let bound: number | undefined;
  const server = runtime.serveHttp(
    { hostname: HOST, port: 0, onListen: (addr) => bound = addr.port },
    (request, info) =>
      new Response(
        `${request.method} ${new URL(request.url).pathname} ${info.remoteAddr.hostname}`,
      ),
  );
  try {
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(bound, server.addr.port);
    const response = await fetch(`http://${HOST}:${server.addr.port}/path`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), `GET /path ${HOST}`);
  } finally {
    await within(5000, server.shutdown());
  }
});

/** A self-signed certificate for 127.0.0.1, made with openssl. */
function selfSigned(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "director-runtime-"));
  try {
    const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
    execFileSync("openssl", [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"],
      ...["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
      ...["-keyout", key, "-out", cert],
    ], { stdio: "ignore" });
    return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("serveHttp with cert and key serves HTTPS", {
  skip: hasOpenssl ? false : "openssl is needed for a test certificate",
}, async () => {
  const { cert, key } = selfSigned();
  const server = runtime.serveHttp(
    { hostname: HOST, port: 0, cert, key },
    (request) => new Response(`secure ${new URL(request.url).protocol}`),
  );
  try {
    const body = await new Promise<string>((resolve, reject) => {
      const request = https.get(
        { host: HOST, port: server.addr.port, path: "/", ca: cert },
        (res) => {
          let text = "";
          res.on("data", (d) => text += d);
          res.on("end", () => resolve(text));
        },
      );
      request.on("error", reject);
    });
    assert.equal(body, "secure https:");
  } finally {
    await within(5000, server.shutdown());
  }
});
