/**
 * Reading a PROXY header off a connection: split across reads, followed by
 * client bytes that are handed on, refused when malformed, when the peer
 * closes first, or when it does not come in time (the connection is closed).
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { readPreamble } from "../../src/proxy/preamble.ts";
import type { Conn } from "../../src/runtime/types.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** A connection that yields `chunks` one read at a time, then EOF — or waits until closed. */
function scripted(chunks: Uint8Array[], thenWait = false) {
  let closed = false;
  let wake: (() => void) | undefined;
  const conn = {
    read(buf: Uint8Array): Promise<number | null> {
      const chunk = chunks.shift();
      if (chunk) {
        buf.set(chunk);
        return Promise.resolve(chunk.length);
      }
      if (!thenWait || closed) {
        return closed ? Promise.reject(new Error("closed")) : Promise.resolve(null);
      }
      return new Promise((_, reject) => (wake = () => reject(new Error("closed"))));
    },
    close() {
      closed = true;
      wake?.();
    },
  };
  return { conn: conn as unknown as Conn, closed: () => closed };
}

test("preamble: a v1 header split over reads; the client's bytes after it are kept", async () => {
  const { conn } = scripted([
    bytes("PROXY TCP4 192.0.2.1 "),
    bytes("198.51.100.2 5000 80\r\nGET /"),
  ]);
  const preamble = await readPreamble(conn, 10_000);
  assert.ok(preamble.ok);
  assert.equal(preamble.source?.hostname, "192.0.2.1");
  assert.equal(preamble.source?.port, 5000);
  assert.equal(new TextDecoder().decode(preamble.rest), "GET /");
});

test("preamble: a malformed header, or a peer that closes first, is refused with a reason", async () => {
  const bad = await readPreamble(scripted([bytes("GET / HTTP/1.1\r\n\r\n")]).conn, 10_000);
  assert.equal(bad.ok, false);
  const early = await readPreamble(scripted([bytes("PROXY TCP4")]).conn, 10_000);
  assert.deepEqual(early, { ok: false, reason: "closed before a PROXY header" });
});

test("preamble: no header in time — the connection is closed and the reason says so", async () => {
  const { conn, closed } = scripted([bytes("PROX")], true);
  const late = await readPreamble(conn, 20);
  assert.deepEqual(late, { ok: false, reason: "no PROXY header in time" });
  assert.ok(closed());
});
