/**
 * The front door's request-head check (`src/admin/front_door_check.ts`),
 * its byte search for the end of the head, and how a client that went away
 * is recognised (`src/runtime/client_gone.ts`). Over real sockets, against
 * Director processes: `front_door_fuzz_test.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { blankLineAt } from "../../src/admin/front_door.ts";
import { requestHeadProblem, requestLineProblem } from "../../src/admin/front_door_check.ts";
import { clientGone } from "../../src/runtime/client_gone.ts";

const bytes = (text: string) => new Uint8Array([...text].map((c) => c.charCodeAt(0) & 0xff));
const head = (...lines: string[]) => bytes(lines.join("\r\n"));

describe("requestLineProblem", () => {
  it("accepts well-formed request lines", () => {
    for (
      const line of [
        "GET / HTTP/1.1",
        "POST /addHost HTTP/1.0",
        "GET /running.txt?service=a%20b&x=%00 HTTP/1.1",
        "GET http://127.0.0.1:8081/ HTTP/1.1",
        "FOO /x HTTP/1.1", // a token: the method check comes later
      ]
    ) assert.equal(requestLineProblem(line), undefined, line);
  });

  it("names the part that is wrong", () => {
    const cases: [string, RegExp][] = [
      ["GET /a\x00b HTTP/1.1", /target holds byte 0x00; .*percent-encoded/],
      ["GET /\x7f HTTP/1.1", /target holds byte 0x7f/],
      ["GET /r\xe9 HTTP/1.1", /target holds byte 0xe9/],
      ["GET /a\tb HTTP/1.1", /target holds byte 0x09/],
      ["G/ET / HTTP/1.1", /method "G\/ET" is not a token/],
      ["GE\x00T / HTTP/1.1", /method "GE\\x00T" is not a token/],
      ["GET / HTTP/2.0", /version "HTTP\/2\.0" is not supported; expected HTTP\/1\.1/],
      ["GET / http/1.1", /version "http\/1\.1" is not supported/],
      ["GET  / HTTP/1.1", /expected METHOD TARGET HTTP\/1\.1, single spaces/],
      ["GET /", /expected METHOD TARGET HTTP\/1\.1/],
      ["", /bad request line ""/],
      ["GET / HTTP/1.1 x", /expected METHOD TARGET/],
    ];
    for (const [line, expected] of cases) {
      assert.match(requestLineProblem(line) ?? "(accepted)", expected, JSON.stringify(line));
    }
  });

  it("cuts a long line short in the message, escaping what is not printable", () => {
    const message = requestLineProblem(`${"\x01".repeat(500)} / HTTP/1.1`)!;
    assert.ok(message.length < 400, message);
    assert.match(message, /"(\\x01){60}…"/);
  });
});

describe("requestHeadProblem", () => {
  it("passes a good head and its obs-text header values", () => {
    const good = head("POST /x HTTP/1.1", "Host: a", "X-Name: caf\xe9", "Empty:", "T: a\tb");
    assert.equal(requestHeadProblem(good), undefined);
  });

  it("refuses bad header lines with 400, naming the line", () => {
    const cases: [Uint8Array, RegExp][] = [
      [head("GET / HTTP/1.1", "Host: a", " folded"), /header line 2: folded/],
      [head("GET / HTTP/1.1", "Host a"), /header line 1 "Host a"; expected NAME: VALUE/],
      [head("GET / HTTP/1.1", "Ho st: a"), /header line 1 .*expected NAME: VALUE/],
      [head("GET / HTTP/1.1", "X: a\x00b"), /header line 1: X holds control byte 0x00/],
      [head("GET / HTTP/1.1", "X: a\rb"), /control byte 0x0d/],
      [head("GET / HTTP/1.1", "X: a\nY: b"), /control byte 0x0a/],
    ];
    for (const [bad, expected] of cases) {
      const problem = requestHeadProblem(bad);
      assert.equal(problem?.status, "400 Bad Request");
      assert.match(problem.message, expected);
    }
  });

  it("answers 405 to a well-formed request with a method the admin does not serve", () => {
    for (const method of ["PUT", "DELETE", "OPTIONS", "BREW"]) {
      const problem = requestHeadProblem(head(`${method} / HTTP/1.1`, "Host: a"));
      assert.equal(problem?.status, "405 Method Not Allowed");
      assert.match(
        problem.message,
        new RegExp(`"${method}" is not served here; use GET, HEAD, POST`),
      );
    }
    for (const method of ["GET", "HEAD", "POST"]) {
      assert.equal(requestHeadProblem(head(`${method} / HTTP/1.1`, "Host: a")), undefined);
    }
  });
});

describe("blankLineAt", () => {
  it("finds the end of the head in bytes, after multi-byte characters too", () => {
    const data = new TextEncoder().encode("GET /é HTTP/1.1\r\nX: 😀\r\n\r\nbody");
    const at = blankLineAt(data, 1000);
    assert.equal(new TextDecoder().decode(data.subarray(at + 4)), "body");
  });

  it("looks only within the limit, and says -1 when there is none", () => {
    const data = bytes("GET / HTTP/1.1\r\n\r\n");
    assert.equal(blankLineAt(data, 100), 14);
    assert.equal(blankLineAt(data, 17), -1);
    assert.equal(blankLineAt(bytes("GET / HTTP/1.1\r\n"), 100), -1);
  });
});

describe("clientGone", () => {
  it("recognises each runtime's way of saying the client left", () => {
    const named = (name: string) => Object.assign(new Error("x"), { name });
    assert.ok(clientGone(new DOMException("The connection was closed.", "AbortError")));
    assert.ok(clientGone(named("BadResource")));
    assert.ok(clientGone(named("ConnectionReset")));
    const aborted = new AbortController();
    aborted.abort();
    const request = new Request("http://x/", { signal: aborted.signal });
    assert.ok(clientGone(new Error("anything"), request));
  });

  it("leaves real errors alone", () => {
    assert.equal(clientGone(new TypeError("undefined is not a function")), false);
    assert.equal(clientGone(new Error("boom"), new Request("http://x/")), false);
    assert.equal(clientGone("a string"), false);
    assert.equal(clientGone(null), false);
  });
});
