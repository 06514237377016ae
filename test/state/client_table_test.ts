/**
 * The per-client table: open counts against client-maxconn, the sliding
 * window of client-rate, per-service keys, bounded size with eviction of
 * idle entries only, and taking back a dead worker's share.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { addressKey } from "../../src/policy/cidr.ts";
import { ClientTable, FULL, OVER_MAXCONN, OVER_RATE } from "../../src/state/client_table.ts";

const key = (address: string) => addressKey(address)!;
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

test("client-maxconn: open connections per address and service, given back on release", () => {
  const table = new ClientTable({ workers: 2 });
  const a = key("192.0.2.1"), b = key("192.0.2.2");
  const limits = { maxconn: 2 };
  const first = table.admit(1, a, limits, 0, 0);
  const second = table.admit(1, a, limits, 1, 0);
  assert.ok(first > 0 && second === first);
  assert.equal(table.admit(1, a, limits, 0, 0), OVER_MAXCONN);
  assert.ok(table.admit(1, b, limits, 0, 0) > 0, "another address is not affected");
  assert.ok(table.admit(2, a, limits, 0, 0) > 0, "nor the same address on another service");
  assert.equal(table.open(1, a), 2);
  table.release(first, 1);
  assert.equal(table.open(1, a), 1);
  assert.ok(table.admit(1, a, limits, 0, 0) > 0);
});

test("client-rate: at most COUNT in a window, the previous window weighted by its overlap", () => {
  const table = new ClientTable();
  const a = key("2001:db8::1");
  const limits = { maxconn: NO_LIMIT, rate: { count: 3, windowMs: 1000 } };
  for (let i = 0; i < 3; i++) assert.ok(table.admit(1, a, limits, 0, 100 + i) > 0);
  assert.equal(table.admit(1, a, limits, 0, 500), OVER_RATE);
  // Refused connections do not count: at 1.2 s the estimate is 3 × 0.9 = 2.7 < 3.
  assert.ok(table.admit(1, a, limits, 0, 1200) > 0);
  assert.equal(table.admit(1, a, limits, 0, 1250), OVER_RATE, "3 × 0.85 + 1 = 3.55 ≥ 3");
  // Two windows later nothing is left of the old counts.
  for (let i = 0; i < 3; i++) assert.ok(table.admit(1, a, limits, 0, 3200 + i) > 0);
  assert.equal(table.admit(1, a, limits, 0, 3300), OVER_RATE);
});

test("bounded: idle entries are forgotten oldest first, busy ones never", () => {
  const table = new ClientTable({ max: 3 });
  const limits = { maxconn: 1 };
  const busy = table.admit(1, key("10.0.0.1"), limits, 0, 0);
  const idle1 = table.admit(1, key("10.0.0.2"), limits, 0, 0);
  const idle2 = table.admit(1, key("10.0.0.3"), limits, 0, 0);
  table.release(idle1, 0);
  table.release(idle2, 0);
  assert.ok(table.admit(1, key("10.0.0.4"), limits, 0, 0) > 0, "evicts 10.0.0.2");
  assert.equal(table.size, 3);
  assert.equal(table.open(1, key("10.0.0.1")), 1, "the busy entry is kept");
  assert.ok(table.admit(1, key("10.0.0.5"), limits, 0, 0) > 0, "evicts 10.0.0.3");
  assert.equal(table.admit(1, key("10.0.0.6"), limits, 0, 0), FULL, "all three are busy");
  assert.equal(table.admit(1, key("10.0.0.1"), limits, 0, 0), OVER_MAXCONN, "still counted");
  table.release(busy, 0);
  assert.ok(table.admit(1, key("10.0.0.6"), limits, 0, 0) > 0);
});

test("a dead worker's open connections are taken back", () => {
  const table = new ClientTable({ workers: 2, shared: true });
  const a = key("198.51.100.7");
  const limits = { maxconn: 2 };
  const entry = table.admit(1, a, limits, 1, 0);
  table.admit(1, a, limits, 1, 0);
  assert.equal(table.admit(1, a, limits, 0, 0), OVER_MAXCONN);
  const other = ClientTable.attach(table.handle(), 2);
  other.reclaim(1);
  assert.equal(table.open(1, a), 0);
  table.release(entry, 1); // a late release of a reclaimed connection changes nothing
  assert.equal(table.open(1, a), 0);
  assert.ok(table.admit(1, a, limits, 0, 0) > 0);
});
