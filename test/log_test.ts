/**
 * Event log lines: `key=value` with values quoted only when they must be,
 * added fields at the end, levels filtered, a reopened file after a move;
 * and the throttle that keeps a flood to one line per key per interval.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { errorMessage, formatLine, formatValue, Logger, Throttle } from "../src/log.ts";

test("formatValue quotes exactly what would break key=value parsing", () => {
  assert.equal(formatValue("plain"), "plain");
  assert.equal(formatValue(42), "42");
  assert.equal(formatValue(true), "true");
  for (const text of ["", "two words", 'a"b', "a=b", "back\\slash", "tab\there", "nl\n"]) {
    assert.equal(formatValue(text), JSON.stringify(text), text);
  }
});

test("formatLine: time, level, event, then the fields in order; empty ones left out", () => {
  const at = new Date("2026-01-02T03:04:05.678Z");
  const line = formatLine("warn", "host_bad", { host: "a", gone: undefined, n: 3, x: null }, at);
  assert.equal(line, "2026-01-02T03:04:05.678Z level=warn event=host_bad host=a n=3");
});

test("logger: below the level is dropped, added fields go last, reopen follows a move", () => {
  const dir = mkdtempSync(join(tmpdir(), "director-log-"));
  try {
    const file = join(dir, "events.log");
    const log = new Logger({ file, level: "info", fields: { worker: 2 } });
    log.debug("hidden");
    log.info("first", { a: "1" });
    renameSync(file, `${file}.1`);
    log.warn("still_old"); // the open descriptor follows the moved file
    log.reopen();
    log.error("second");
    log.close();
    const old = readFileSync(`${file}.1`, "utf8").trim().split("\n");
    assert.deepEqual(old.map((l) => l.replace(/^\S+ /, "")), [
      "level=info event=first a=1 worker=2",
      "level=warn event=still_old worker=2",
    ]);
    assert.match(readFileSync(file, "utf8"), /level=error event=second worker=2\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("errorMessage: an Error's message, or anything else as text", () => {
  assert.equal(errorMessage(new Error("boom")), "boom");
  assert.equal(errorMessage("plain"), "plain");
  assert.equal(errorMessage(7), "7");
});

test("throttle: one line per key per interval, then how many were held back", () => {
  const throttle = new Throttle(1000, 10);
  assert.equal(throttle.pass("k", 0), 0);
  assert.equal(throttle.pass("k", 10), undefined);
  assert.equal(throttle.pass("k", 999), undefined);
  assert.equal(throttle.pass("other", 500), 0, "keys are apart");
  assert.equal(throttle.pass("k", 1000), 2, "two were held back");
  assert.equal(throttle.pass("k", 1500), undefined);
  assert.equal(throttle.pass("k", 2000), 1);
});

test("throttle: past maxKeys the least recently passed key is forgotten", () => {
  const throttle = new Throttle(1000, 2);
  throttle.pass("a", 0);
  throttle.pass("b", 0);
  throttle.pass("a", 1000); // "a" is now the most recent
  throttle.pass("c", 1000); // evicts "b"
  assert.equal(throttle.pass("a", 1001), undefined, "a is still remembered");
  assert.equal(throttle.pass("b", 1001), 0, "b was forgotten: passes as new");
});
