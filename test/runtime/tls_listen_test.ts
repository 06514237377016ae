/**
 * Contract tests of `Runtime.listen` with `tls` (what the admin's front
 * door serves HTTPS with), for whichever engine runs them (`deno test`,
 * `bun test`): accepted connections read and write the decrypted stream,
 * half-close both ways, and a client that does not speak TLS ends in a
 * read that rejects or ends, never a hang, without stopping the listener.
 *
 * @module
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, test } from "node:test";
import tls from "node:tls";
import { loadRuntime } from "../../src/runtime/mod.ts";
import type { Conn } from "../../src/runtime/types.ts";

const runtime = await loadRuntime();
const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;
/** Client sockets of the running test, destroyed at its end (pass or fail). */
const sockets: net.Socket[] = [];
const track = <T extends net.Socket>(socket: T): T => (sockets.push(socket), socket);
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});
const needs = { skip: hasOpenssl ? false : "openssl is needed for a test certificate" };

function selfSigned(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "director-tls-"));
  const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
  execFileSync("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
    ...["-days", "1", "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
  ], { stdio: "ignore" });
  return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}

/** `promise`, or a rejection naming `what` after 20 s (a broken adapter must fail, not hang). */
function deadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Cannot finish: ${what} after 20 s`)), 20_000);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Everything `conn` sends until end of stream (or the error that ends it). */
async function readAll(conn: Conn): Promise<{ text: string; error?: unknown }> {
  const buf = new Uint8Array(4096);
  let text = "";
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) return { text };
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
  } catch (error) {
    return { text, error };
  }
}

test("listen with tls: the decrypted stream both ways, with half-close", needs, async () => {
  const listener = runtime.listen({ hostname: "127.0.0.1", port: 0, tls: selfSigned() });
  try {
    const accepted = listener.accept();
    const client = track(tls.connect({
      port: listener.addr.port,
      host: "127.0.0.1",
      rejectUnauthorized: false,
    }));
    let answer = "";
    client.on("data", (d) => answer += d);
    const ended = new Promise<void>((resolve) => client.on("end", resolve));
    client.on("error", () => {});
    await deadline(new Promise((r) => client.on("secureConnect", r)), "the TLS handshake");
    client.end("hello over tls");
    const server = await accepted;
    const got = await deadline(readAll(server), "reading the client");
    assert.deepEqual(got, { text: "hello over tls" }, "the client's FIN ends the stream");
    await server.writeAll(new TextEncoder().encode("and back"));
    await server.closeWrite();
    await deadline(ended, "the client seeing the FIN");
    assert.equal(answer, "and back");
    server.close();
    client.destroy();
  } finally {
    listener.close();
  }
});

test(
  "listen with tls: a client that speaks no TLS ends its read; others are served",
  needs,
  async () => {
    const listener = runtime.listen({ hostname: "127.0.0.1", port: 0, tls: selfSigned() });
    try {
      const accepted = listener.accept();
      const plain = track(net.connect(listener.addr.port, "127.0.0.1"));
      plain.on("error", () => {});
      plain.end("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      const server = await accepted;
      const got = await readAll(server);
      assert.equal(got.text, "", "no plaintext gets through as data");
      server.close();
      plain.destroy();
      // The listener still accepts and decrypts.
      const next = listener.accept();
      const client = track(tls.connect({
        port: listener.addr.port,
        host: "127.0.0.1",
        rejectUnauthorized: false,
      }));
      client.on("error", () => {});
      client.on("secureConnect", () => client.end("second"));
      assert.deepEqual(await deadline(readAll(await next), "the second client"), {
        text: "second",
      });
      client.destroy();
    } finally {
      listener.close();
    }
  },
);
