/**
 * Admin fuzzing.
 *
 * Over loopback sockets to a real Director process (so each run of the
 * runtime matrix goes through that runtime's HTTP server): random paths
 * (real ones, change call names, prototype names, garbage), random
 * methods, real parameter names with garbage values, invalid UTF-8 in
 * query strings and form bodies, JSON garbage to `/api/v1/*`, huge headers
 * and big bodies, good, bad and missing credentials. Every answer must be
 * 2xx/3xx/4xx — never a 5xx (a connection the HTTP server closes without an
 * answer, as for headers over its limit, is counted as "closed") — and the
 * state must stay valid: `/running.xml` parses, the status JSON and the
 * page render.
 *
 * Over the network, against a real Director: slow-loris clients (headers
 * one byte a second) must not stop another client's admin requests from
 * being answered, nor disturb the data plane; and we record whether the
 * admin server times such clients out.
 *
 * `FUZZ_SEED=n` replays a run, `FUZZ_COUNT=n` changes the number of requests.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import net from "node:net";
import process from "node:process";
import { test } from "node:test";
import { CALLS } from "../../src/changes/api.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { configXml, READONLY } from "../admin/fixture.ts";
import { freePort, sleep, startDirector } from "../integration/harness.ts";
import { namedBackend } from "../integration/peers.ts";
import { pool, talk } from "../reliability/faults.ts";
import { admin, configWithAdmin } from "../reliability/probe.ts";
import { prng, type Rng } from "./prng.ts";

const COUNT = Number(process.env.FUZZ_COUNT ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

const ACTION_NAMES = Object.keys(CALLS);
const VIEWS = [
  "/",
  "/running",
  "/running.txt",
  "/running.xml",
  "/config.xml",
  "/config-vs-running",
  "/api/v1",
  "/api/v1/status",
  "/api/v1/workers",
  "/metrics",
  "/static/admin.css",
  "/static/admin.js",
];
/** Names that exist on every object's prototype: a lookup must not find them. */
const PROTO_NAMES = [
  "__proto__",
  "constructor",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
  "__lookupGetter__",
];
const PARAM_NAMES = [
  "service",
  "group",
  "host",
  "name",
  "ip",
  "listen",
  "scheduler",
  "password",
  "access",
  "time",
  "timeout",
  "idleTimeout",
  "maxconn",
  "weight",
  "drain",
  "adminRequest",
  "resultMessage",
  "resultKind",
  "__proto__",
  "constructor",
  "",
];
/** Values that name real things in the fixture, so some calls get deep enough to change state. */
const REAL_VALUES = [
  "web",
  "main",
  "upgrade",
  "two",
  "three",
  "five",
  "ops",
  "viewer",
  "roundrobin",
  "leastconns",
  "127.0.0.1:18009",
  "full",
  "readonly",
  "1",
  "0.5",
];
const GARBAGE_VALUES = [
  "",
  " ",
  "-1",
  "1e309",
  "NaN",
  "99999999999999999999999",
  "127.0.0.1:0",
  "127.0.0.1:99999",
  "[::1",
  "名前",
  "🙂",
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "a\u0000b",
  "line\nbreak",
  "\u202E",
  "%",
  "x".repeat(5000),
  "__proto__",
  "constructor",
  "toString",
  "$2b$04$abcdefghijklmnopqrstuu5Ei0oJgS3v8/u3yJ/FTB9r5cZJZ5v2y",
  "plaintext",
];
/** Raw (already percent-encoded) query values, several of them invalid UTF-8 or bad escapes. */
const RAW_QUERY_VALUES = ["%ff%fe", "%C0%AF", "%ED%A0%80", "%", "%zz", "%E2%82", "%00", "a%2Fb"];
const METHODS = ["GET", "GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
const CONTENT_TYPES = [
  "application/x-www-form-urlencoded",
  "application/json",
  "multipart/form-data; boundary=xyz",
  "multipart/form-data",
  "text/plain",
  "application/x-www-form-urlencoded; charset=iso-8859-1",
  "",
];
const JSON_BODIES = [
  "{",
  "[]",
  "null",
  '"str"',
  "1",
  "{}",
  '{"service": {"a": 1}}',
  '{"service": null}',
  '{"__proto__": {"service": "web"}}',
  '{"constructor": {"prototype": {"x": 1}}}',
  "[".repeat(10_000) + "]".repeat(10_000),
  '{"service": "web", "group": "main", "name": "j", "ip": "127.0.0.1:18070"}',
  '{"service": "web", "group": "upgrade"}',
  "\uFEFF{}",
];

const encoder = new TextEncoder();

function randomValue(r: Rng): string {
  const roll = r.next();
  if (roll < 0.35) return encodeURIComponent(r.pick(REAL_VALUES));
  if (roll < 0.7) return encodeURIComponent(r.pick(GARBAGE_VALUES));
  if (roll < 0.85) return r.pick(RAW_QUERY_VALUES);
  return Array.from({ length: r.int(12) }, () => `%${r.int(256).toString(16).padStart(2, "0")}`)
    .join("");
}

function randomQuery(r: Rng): string {
  const parts = [];
  for (let n = r.int(6); n > 0; n--) {
    const name = r.next() < 0.9 ? r.pick(PARAM_NAMES) : r.pick(RAW_QUERY_VALUES);
    parts.push(r.next() < 0.1 ? name : `${name}=${randomValue(r)}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

function randomPath(r: Rng): string {
  const roll = r.next();
  if (roll < 0.25) return r.pick(VIEWS);
  if (roll < 0.55) return `/${r.pick(ACTION_NAMES)}`;
  if (roll < 0.7) return `/api/v1/${r.pick([...ACTION_NAMES, ...PROTO_NAMES])}`;
  if (roll < 0.78) return `/${r.pick(PROTO_NAMES)}`;
  if (roll < 0.85) return r.pick(["//", "/./running", "/../running", "/%2e%2e/", "/running/"]);
  if (roll < 0.9) return `/${"a/".repeat(r.int(3000))}`; // may exceed the URL limit
  return "/" +
    Array.from({ length: 1 + r.int(20) }, () => r.pick(RAW_QUERY_VALUES.concat(["x", "%20"])))
      .join("");
}

function randomBody(r: Rng, type: string): string | Uint8Array | undefined {
  const roll = r.next();
  if (roll < 0.1) return new Uint8Array(70 * 1024 + r.int(1024 * 1024)).fill(0x61); // > 64 KiB
  if (type.includes("json")) return r.pick(JSON_BODIES);
  if (type.includes("multipart")) {
    return `--xyz\r\nContent-Disposition: form-data; name="${r.pick(PARAM_NAMES)}"\r\n\r\n` +
      `${r.pick(GARBAGE_VALUES)}\r\n--xyz--\r\n`;
  }
  // A form body, possibly with bytes that are not UTF-8.
  const form = randomQuery(r).slice(1);
  if (r.next() < 0.3) {
    const bytes = encoder.encode(form);
    const bad = new Uint8Array(bytes.length + 4);
    bad.set(bytes);
    bad.set([0xff, 0xfe, 0xc0, 0xaf], bytes.length);
    return bad;
  }
  return form;
}

const FULL_AUTH = "Basic " + btoa("ops:ops-secret");
const READONLY_AUTH = "Basic " + btoa(`${READONLY.name}:${READONLY.password}`);
const BAD_AUTHS = [
  "Basic " + btoa("ops:wrong"),
  "Basic " + btoa("nobody:x"),
  "Basic !!!notbase64",
  "Basic " + btoa("no-colon"),
  "Basic " + btoa("\u00ff\u00fe:\u00ff"),
  "Bearer abc",
  "Basic",
  "",
];

interface Sent {
  method: string;
  path: string;
  status: number;
  body: string;
}

/** One HTTP/1.1 request on its own connection from `localAddress`; status 0 = closed unanswered. */
/** The body of a `Transfer-Encoding: chunked` answer (latin1 text in, text out). */
function dechunk(text: string): string {
  let body = "", at = 0;
  for (;;) {
    const eol = text.indexOf("\r\n", at);
    const size = parseInt(text.slice(at, eol), 16);
    if (!(size > 0)) return Buffer.from(body, "latin1").toString("utf8");
    body += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

function rawRequest(
  port: number,
  o: { method: string; path: string; headers: Headers; body?: string | Uint8Array },
  localAddress = "127.0.0.1",
): Promise<{ status: number; body: string }> {
  // The request target as a client would send it (what app.request() did with the path).
  const url = new URL(`http://127.0.0.1${o.path.startsWith("/") ? "" : "/"}${o.path}`);
  const body = typeof o.body === "string" ? encoder.encode(o.body) : o.body;
  let head = `${o.method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n` +
    "connection: close\r\n";
  for (const [name, value] of o.headers) head += `${name}: ${value}\r\n`;
  if (body) head += `content-length: ${body.length}\r\n`;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ port, host: "127.0.0.1", localAddress });
    const timer = setTimeout(() => socket.destroy(new Error("no answer in 10 s")), 10_000);
    const done = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const status = Number(text.match(/^HTTP\/1\.[01] (\d{3})/)?.[1] ?? 0);
      const split = text.indexOf("\r\n\r\n");
      const rest = text.slice(split + 4);
      // Streamed views (/running.xml, /metrics …) come chunked.
      const chunked = /^transfer-encoding:\s*chunked\s*$/im.test(text.slice(0, split));
      resolve({ status, body: chunked ? dechunk(rest) : rest });
    };
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", () => {}); // a reset after the answer (a body it did not read) is fine
    socket.on("close", done);
    socket.on("connect", () => {
      socket.write(head + "\r\n");
      if (body) socket.write(body);
    });
  });
}

/** A real Director with the admin fixture's config, on free ports. */
async function fuzzTarget() {
  const [listen, adminPort] = [await freePort(), await freePort()];
  const director = await startDirector(
    configXml().replace('"127.0.0.1:1"', `"127.0.0.1:${listen}"`)
      .replace('"127.0.0.1:2"', `"127.0.0.1:${adminPort}"`),
  );
  const call = (path: string, init: { method?: string; body?: string } = {}) =>
    rawRequest(adminPort, {
      method: init.method ?? "GET",
      path,
      headers: new Headers({
        authorization: FULL_AUTH,
        ...(init.body ? { "content-type": "application/json" } : {}),
      }),
      body: init.body,
    });
  return { director, adminPort, call };
}

test(`${COUNT} random admin requests: never a 5xx, and the state stays valid`, async () => {
  console.log(`admin fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
  const r = prng(SEED);
  const f = await fuzzTarget();
  const statuses: Record<number, number> = {};
  const failures: string[] = [];
  const started = performance.now();
  try {
    for (let i = 0; i < COUNT; i++) {
      const method = r.pick(METHODS);
      const path = randomPath(r) + randomQuery(r);
      const headers = new Headers();
      // Mostly the full user (so calls get deep), sometimes read-only or bad credentials;
      // bad ones come from their own address so the login throttle does not block the rest.
      const who = r.next();
      let client = "127.0.0.1";
      if (who < 0.8) headers.set("authorization", FULL_AUTH);
      else if (who < 0.9) headers.set("authorization", READONLY_AUTH);
      else {
        const bad = r.pick(BAD_AUTHS);
        if (bad) headers.set("authorization", bad);
        client = `127.0.${1 + r.int(250)}.${1 + r.int(250)}`;
      }
      if (r.next() < 0.2) headers.set("accept", "text/html");
      if (r.next() < 0.05) headers.set("x-huge", "h".repeat(64 * 1024 + r.int(64 * 1024)));
      if (r.next() < 0.05) {
        for (let h = 0; h < 200; h++) headers.set(`x-many-${h}`, String(h));
      }
      if (r.next() < 0.05) {
        headers.set("sec-fetch-site", r.pick(["cross-site", "same-site", "none"]));
      }
      if (r.next() < 0.05) headers.set("origin", r.pick(["null", "http://evil.example", ""]));
      let body: string | Uint8Array | undefined;
      if (method !== "GET" && method !== "HEAD") {
        const type = r.pick(CONTENT_TYPES);
        if (type) headers.set("content-type", type);
        body = randomBody(r, type);
      }
      const sent = await rawRequest(f.adminPort, { method, path, headers, body }, client);
      statuses[sent.status] = (statuses[sent.status] ?? 0) + 1;
      if (sent.status >= 500 && failures.length < 10) {
        failures.push(
          `#${i} ${method} ${path.slice(0, 120)} -> ${sent.status} ${sent.body.slice(0, 120)}`,
        );
      }
      // Every 100 requests: the running state still makes a loadable config.
      if (i % 100 === 99) {
        const xml = await f.call("/running.xml");
        assert.equal(xml.status, 200);
        parseConfig(xml.body, "running.xml");
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`${COUNT} requests in ${seconds} s; statuses ${JSON.stringify(statuses)}`);
    for (const line of failures) console.log(`  ${line}`);
    // Why: the admin's own log of unexpected errors, each distinct reason once.
    const reasons = new Set(
      [...f.director.output().matchAll(/event=admin_error path=\S+ reason=(.*)$/gm)].map((m) =>
        m[1].slice(0, 160)
      ),
    );
    for (const reason of reasons) console.log(`  admin_error: ${reason}`);
    // The state is valid at the end: each view renders and the config loads.
    parseConfig((await f.call("/running.xml")).body, "running.xml");
    for (const view of ["/running", "/running.txt", "/api/v1/status", "/metrics"]) {
      assert.equal((await f.call(view)).status, 200, view);
    }
    JSON.parse((await f.call("/api/v1/status")).body);
    assert.deepEqual(failures, [], `seed ${SEED}: 5xx answers`);
    // Most requests were answered by the app (a closed connection is the exception).
    assert.ok((statuses[0] ?? 0) < COUNT / 4, `statuses ${JSON.stringify(statuses)}`);
  } finally {
    await f.director.stop();
  }
});

test("change calls named like Object.prototype members are unknown calls (404), not 5xx", async () => {
  const f = await fuzzTarget();
  try {
    const problems: string[] = [];
    for (const name of PROTO_NAMES) {
      const response = await f.call(`/api/v1/${name}`, { method: "POST", body: "{}" });
      if (response.status !== 404) {
        problems.push(`/api/v1/${name} -> ${response.status} ${response.body}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.doesNotMatch(
      f.director.output(),
      /event=admin_change[^\n]*action=(constructor|toString)/,
    );
  } finally {
    await f.director.stop();
  }
});

// -- over the network -----------------------------------------------------------------

/**
 * A client that sends `first` at once, then `trickle` one byte every
 * `everyMs`; records what it was answered and when the server closed it.
 */
function slowClient(port: number, first: string, trickle: string, everyMs = 1000) {
  const socket = net.connect({ port, host: "127.0.0.1" });
  const state = { closedAfterMs: undefined as number | undefined, answer: "" };
  const started = Date.now();
  socket.on("error", () => {});
  socket.on("data", (d) => state.answer += d);
  socket.on("close", () => state.closedAfterMs = Date.now() - started);
  if (first) socket.write(first);
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || sent >= trickle.length) return clearInterval(timer);
    socket.write(trickle[sent++]);
  }, everyMs);
  return {
    state,
    stop() {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

const AUTH = "Basic " + btoa("ops:rel-secret");
const SLOW_HEADERS = `GET /running HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${AUTH}\r\n` +
  `X-Padding: ${"p".repeat(100)}\r\n\r\n`;
const FORM = "service=svc0&group=main&ip=127.0.0.1:1&name=loris";
const SLOW_BODY_HEADERS =
  `POST /addHost HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${AUTH}\r\n` +
  `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${FORM.length}\r\n\r\n`;

const describeClient = (label: string, c: ReturnType<typeof slowClient>) =>
  `${label}: ${
    c.state.closedAfterMs === undefined ? "still open" : `closed after ${c.state.closedAfterMs} ms`
  }${c.state.answer ? ` (answered ${JSON.stringify(c.state.answer.split("\r\n")[0])})` : ""}`;

test("slow-loris clients do not stop admin requests or the data plane", async () => {
  const backend = await namedBackend("data");
  const [port, adminPort] = [await freePort(), await freePort()];
  const director = await startDirector(
    configWithAdmin([{ listen: port, hosts: [backend.port] }], adminPort, {
      extra: '<timeouts admin-request="3"/>',
    }),
  );
  const api = admin(adminPort);
  const lorises: ReturnType<typeof slowClient>[] = [];
  try {
    // 100 clients sending their headers one byte a second, never finishing…
    for (let i = 0; i < 100; i++) lorises.push(slowClient(adminPort, "", SLOW_HEADERS));
    // …and 10 sending whole headers, then their form body one byte a second.
    for (let i = 0; i < 10; i++) lorises.push(slowClient(adminPort, SLOW_BODY_HEADERS, FORM));

    // Meanwhile, for 12 s: admin requests and data-plane exchanges keep being answered.
    const adminTimes: number[] = [];
    const dataTimes: number[] = [];
    const until = Date.now() + 12_000;
    while (Date.now() < until) {
      let t = Date.now();
      const status = await api.status(10_000);
      adminTimes.push(Date.now() - t);
      assert.equal(status.services.length, 1);
      t = Date.now();
      const results = await pool(5, 5, () => talk(port, { end: true, deadlineMs: 10_000 }));
      dataTimes.push(Date.now() - t);
      for (const result of results) assert.equal(result.head, "data\n");
      await sleep(500);
    }
    const headerClosed = lorises.slice(0, 100).filter((l) => l.state.closedAfterMs !== undefined);
    const bodyAnswers = new Set(lorises.slice(100).map((l) => l.state.answer.split("\r\n")[0]));
    const bodyClosed = lorises.slice(100).filter((l) => l.state.closedAfterMs !== undefined);
    console.log(
      `slow-loris: ${adminTimes.length} admin requests answered in at most ` +
        `${Math.max(...adminTimes)} ms and ${dataTimes.length} rounds of 5 data exchanges in at ` +
        `most ${Math.max(...dataTimes)} ms while 110 slow clients were connected. After 12 s ` +
        `(admin-request="3") the admin server had closed ${headerClosed.length} of the 100 ` +
        `header-trickling clients and ${bodyClosed.length} of the 10 body-trickling ones, ` +
        `which were answered ${JSON.stringify([...bodyAnswers])}`,
    );
    // Every request above was answered within its deadline (10 s: a slow machine, not a
    // starved server); the times are printed, not asserted (speed belongs in the benchmark).
    assert.ok(adminTimes.length > 0 && dataTimes.length > 0);
  } finally {
    for (const l of lorises) l.stop();
    await director.stop();
    await backend.close();
  }
});

test('the admin server drops clients that do not complete a request within admin-request="2"', async () => {
  const backend = await namedBackend("data");
  const [port, adminPort] = [await freePort(), await freePort()];
  const director = await startDirector(
    configWithAdmin([{ listen: port, hosts: [backend.port] }], adminPort, {
      extra: '<timeouts admin-request="2"/>',
    }),
  );
  const clients = {
    "silent": slowClient(adminPort, "", ""),
    "header trickle": slowClient(adminPort, "", SLOW_HEADERS),
    "body trickle": slowClient(adminPort, SLOW_BODY_HEADERS, FORM),
  };
  try {
    // The timeout plus generous slack.
    for (let i = 0; i < 40; i++) {
      if (Object.values(clients).every((c) => c.state.closedAfterMs !== undefined)) break;
      await sleep(200);
    }
    const seen = Object.entries(clients).map(([label, c]) => describeClient(label, c));
    console.log(`admin-request="2", 8 s later: ${seen.join("; ")}`);
    const open = Object.entries(clients).filter(([, c]) => c.state.closedAfterMs === undefined);
    assert.deepEqual(
      open.map(([label]) => label),
      [],
      "connections still held by the admin server 8 s after connecting",
    );
  } finally {
    for (const c of Object.values(clients)) c.stop();
    await director.stop();
    await backend.close();
  }
});
