/**
 * `/healthz` through `app.request()`: no authentication, one word, and 200
 * only between "every listener bound, config applied" and the drain.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { adminFixture } from "./fixture.ts";

async function health(f: ReturnType<typeof adminFixture>) {
  const res = await f.call("/healthz", { user: null });
  return { status: res.status, body: await res.text() };
}

test("/healthz needs no password: not ready (503), then ok (200), then draining (503)", async () => {
  const f = adminFixture();
  try {
    assert.deepEqual(await health(f), { status: 503, body: "not ready\n" });
    f.controller.markReady();
    assert.deepEqual(await health(f), { status: 200, body: "ok\n" });
    await f.controller.drain();
    assert.deepEqual(await health(f), { status: 503, body: "draining\n" });
    // Draining is final: being marked ready again does not revive it.
    f.controller.markReady();
    assert.equal((await health(f)).body, "draining\n");
  } finally {
    f.close();
  }
});

test("/healthz says nothing beyond its word, and other URLs still need a password", async () => {
  const f = adminFixture();
  try {
    f.controller.markReady();
    const res = await f.call("/healthz", { user: null });
    assert.equal(res.headers.get("content-type")?.split(";")[0], "text/plain");
    assert.equal((await res.text()).trim(), "ok");
    assert.equal((await f.call("/healthz/x", { user: null })).status, 401);
    assert.equal((await f.call("/running.txt", { user: null })).status, 401);
  } finally {
    f.close();
  }
});
