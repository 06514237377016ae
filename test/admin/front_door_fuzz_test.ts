/**
 * Malformed request lines over real sockets, against a Director process
 * (so under `[deno]`, `[bun]` and `[binary]`): raw NUL and control bytes
 * in the target, bad method tokens, bad or missing versions, bare LF,
 * non-ASCII bytes, and random mutations of a good request line. Every one
 * must get a 4xx with an `error: …` message — the same under every
 * runtime, never Bun's 505 or a dropped connection — and the admin must
 * keep answering good requests afterwards. The same over HTTPS
 * (`secure="yes"`): the front door terminates TLS and checks the
 * decrypted request, so under Bun too a malformed request line gets 400,
 * not the 505 of Bun's own HTTPS server (skipped without `openssl`).
 *
 * A client that goes away in the middle of its request is logged as
 * `level=info event=admin_client_gone`, not as an error.
 *
 * `FUZZ_SEED=n` replays a run, `FUZZ_COUNT=n` changes the number of mutations.
 *
 * @module
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import tls from "node:tls";
import { prng } from "../fuzz/prng.ts";
import { freePort, sleep, startDirector, tempDir } from "../integration/harness.ts";
import { namedBackend } from "../integration/peers.ts";
import { makeCert } from "../integration/tls_peers.ts";
import { requireTool } from "../support/skip.ts";
import { admin, AUTH, configWithAdmin } from "../reliability/probe.ts";

const COUNT = Number(process.env.FUZZ_COUNT ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const HEADERS = `Host: 127.0.0.1\r\nAuthorization: ${AUTH}\r\n\r\n`;
const bytes = (text: string) => new Uint8Array([...text].map((c) => c.charCodeAt(0) & 0xff));

/** Request lines every runtime must refuse with 400 (as latin1 byte strings). */
const MALFORMED: Record<string, string> = {
  "NUL in the target": "GET /run\x00ning HTTP/1.1",
  "control byte in the target": "GET /running\x01.txt HTTP/1.1",
  "DEL in the target": "GET /\x7f HTTP/1.1",
  "escape sequence in the target": "GET /\x1b[31m HTTP/1.1",
  "tab in the target": "GET /run\tning HTTP/1.1",
  "bare CR in the target": "GET /a\rb HTTP/1.1",
  "non-ASCII byte in the target": "GET /r\xe9sum\xe9 HTTP/1.1",
  "space in the target": "GET /a b HTTP/1.1",
  "empty method": " / HTTP/1.1",
  "method with a slash": "G/ET / HTTP/1.1",
  "method with a NUL": "GE\x00T / HTTP/1.1",
  "method with a colon": "GET: / HTTP/1.1",
  "no target": "GET HTTP/1.1",
  "two spaces": "GET  / HTTP/1.1",
  "no version": "GET /",
  "version HTTP/2.0": "GET / HTTP/2.0",
  "version HTTP/9.9": "GET / HTTP/9.9",
  "version HTTP/1": "GET / HTTP/1",
  "version http/1.1": "GET / http/1.1",
  "version with a NUL": "GET / HTTP/1.\x001",
  "version then garbage": "GET / HTTP/1.1 x",
  "empty request line": "",
  "only spaces": "   ",
  "binary garbage": "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
};

interface Answer {
  status: number | undefined;
  text: string;
}

type Scheme = "http" | "https";
const SCHEMES: Scheme[] = ["http", "https"];

/**
 * Send `head` (latin1 bytes), over TLS for `https`; read until the server
 * closes; the status and the whole answer.
 */
function send(port: number, head: Uint8Array, scheme: Scheme = "http"): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = scheme === "https"
      ? tls.connect({ port, host: "127.0.0.1", servername: "localhost", rejectUnauthorized: false })
      : net.connect(port, "127.0.0.1");
    let text = "";
    const done = () => {
      const status = /^HTTP\/1\.[01] (\d{3}) /.exec(text)?.[1];
      resolve({ status: status === undefined ? undefined : Number(status), text });
    };
    socket.setTimeout(15_000, () => socket.destroy());
    socket.on(scheme === "https" ? "secureConnect" : "connect", () => {
      if (head.length > 0) socket.write(head);
    });
    socket.on("data", (d) => text += d.toString("latin1"));
    socket.on("close", done);
    socket.on("error", () => {});
  });
}

/** A random mutation of a good request line: a byte replaced, inserted or removed. */
function mutate(rng: ReturnType<typeof prng>, line: string): string {
  const at = rng.int(line.length + 1);
  const byte = String.fromCharCode(rng.pick([0, 1, 9, 10, 13, 32, 0x7f, 0x80, 0xff, rng.int(256)]));
  const how = rng.int(3);
  if (how === 0) return line.slice(0, at) + byte + line.slice(at + 1);
  if (how === 1) return line.slice(0, at) + byte + line.slice(at);
  return line.slice(0, at) + line.slice(at + 1);
}

/** `<admin … secure="yes">` with a certificate made for the test. */
function secureAdmin(xml: string, adminPort: number): string {
  const dir = tempDir();
  const { cert, key } = makeCert("localhost");
  const [certPath, keyPath] = [join(dir, "cert.pem"), join(dir, "key.pem")];
  writeFileSync(certPath, cert);
  writeFileSync(keyPath, key);
  const plain = `<admin listen="127.0.0.1:${adminPort}">`;
  assert.ok(xml.includes(plain));
  return xml.replace(
    plain,
    `<admin listen="127.0.0.1:${adminPort}" secure="yes" cert="${certPath}" key="${keyPath}">`,
  );
}

/** A good request still gets its 200 (over `scheme`) after everything sent before. */
async function stillServes(adminPort: number, scheme: Scheme) {
  if (scheme === "http") {
    assert.equal((await admin(adminPort).status(5000)).services.length, 1);
    return;
  }
  const answer = await send(adminPort, bytes(`GET /running.txt HTTP/1.1\r\n${HEADERS}`), scheme);
  assert.equal(answer.status, 200, answer.text.slice(0, 200));
  assert.match(answer.text, /^service svc0 /m);
}

async function withAdmin(
  body: (adminPort: number, log: () => string) => Promise<void>,
  scheme: Scheme = "http",
) {
  const backend = await namedBackend("data");
  const [port, adminPort] = [await freePort(), await freePort()];
  const xml = configWithAdmin([{ listen: port, hosts: [backend.port] }], adminPort, {
    extra: '<timeouts admin-request="3"/>',
  });
  const director = await startDirector(scheme === "https" ? secureAdmin(xml, adminPort) : xml);
  try {
    if (scheme === "https") assert.match(director.output(), /url=https:\/\//);
    await body(adminPort, () => director.output());
    assert.doesNotMatch(director.output(), /level=error/);
  } finally {
    await director.stop();
    await backend.close();
  }
}

for (const scheme of SCHEMES) {
  const needs = scheme === "https" ? requireTool("openssl") : {};

  test(
    `${scheme}: malformed request lines get 400 with a message, other methods 405, on every runtime`,
    needs,
    async () => {
      await withAdmin(async (adminPort) => {
        const problems: string[] = [];
        for (const [what, line] of Object.entries(MALFORMED)) {
          const answer = await send(adminPort, bytes(`${line}\r\n${HEADERS}`), scheme);
          if (answer.status !== 400 || !/\r\n\r\nerror: .+/.test(answer.text)) {
            problems.push(`${what}: ${JSON.stringify(answer.text.slice(0, 120))}`);
          }
        }
        // Well-formed, but not a method the admin serves (Bun alone would drop the connection).
        for (const method of ["GT", "FOO", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"]) {
          const answer = await send(
            adminPort,
            bytes(`${method} /running.txt HTTP/1.1\r\n${HEADERS}`),
            scheme,
          );
          if (
            answer.status !== 405 ||
            !/\r\nallow: GET, HEAD, POST\r\n[\s\S]*error: .+/i.test(answer.text)
          ) {
            problems.push(`method ${method}: ${JSON.stringify(answer.text.slice(0, 120))}`);
          }
        }
        assert.deepEqual(problems, []);
        // Still serving good requests.
        await stillServes(adminPort, scheme);
      }, scheme);
    },
  );

  test(`${scheme}: a client that sends nothing gets 408 and is closed`, needs, async () => {
    await withAdmin(async (adminPort) => {
      // Connected (over TLS: handshake done) but silent: the admin-request deadline (3 s) ends it.
      const answer = await send(adminPort, new Uint8Array(0), scheme);
      assert.equal(answer.status, 408, answer.text);
      await stillServes(adminPort, scheme);
    }, scheme);
  });

  test(
    `${scheme}: ${COUNT} mutated request heads: only 2xx-4xx, never 5xx or no answer`,
    needs,
    async () => {
      const rng = prng(SEED);
      const good = ["GET /running.txt HTTP/1.1", "Host: 127.0.0.1", `Authorization: ${AUTH}`];
      await withAdmin(async (adminPort) => {
        const problems: string[] = [];
        for (let i = 0; i < COUNT && problems.length < 10; i++) {
          // Mostly the request line; every third time a header line instead.
          const lines = [...good];
          const which = i % 3 === 2 ? 1 + rng.int(2) : 0;
          lines[which] = mutate(rng, mutate(rng, lines[which]));
          const head = `${lines.join("\r\n")}\r\n\r\n`;
          const answer = await send(adminPort, bytes(head), scheme);
          const status = answer.status ?? 0;
          // The head may still be a valid request (e.g. "GET /running.tx HTTP/1.1": 404, fine).
          if (status < 200 || status >= 500) {
            problems.push(`${JSON.stringify(head)}: ${JSON.stringify(answer.text.slice(0, 120))}`);
          }
        }
        assert.deepEqual(problems, [], `FUZZ_SEED=${SEED}`);
        await stillServes(adminPort, scheme);
      }, scheme);
    },
  );
}

test("a client that leaves mid-request is logged at info as admin_client_gone", async () => {
  await withAdmin(async (adminPort, log) => {
    // A chunked form body (the server reads it as a stream), cut off after its first chunk.
    const head = `POST /addHost HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${AUTH}\r\n` +
      "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n";
    const form = "10\r\nservice=svc0&gro\r\n";
    for (let i = 0; i < 3; i++) {
      const socket = net.connect(adminPort, "127.0.0.1");
      socket.on("error", () => {});
      await new Promise((resolve) => socket.on("connect", resolve));
      socket.write(head + form);
      await sleep(300);
      socket.destroy();
    }
    const gone = /level=info event=admin_client_gone /;
    for (let i = 0; i < 100 && !gone.test(log()); i++) await sleep(100);
    assert.match(log(), gone);
    assert.doesNotMatch(log(), /event=admin_error/);
  });
});
