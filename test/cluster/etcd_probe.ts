/**
 * A script, not a test: runs the etcd client once against the etcd at
 * `argv[2]` — put, get, and a watch that must see one put — and prints
 * one JSON line with what it saw. `etcd_client_test.ts` runs it under Bun
 * to show the client works there too (the tests themselves run in Deno).
 *
 * @module
 */
import process from "node:process";
import { EtcdClient, type WatchEvent } from "../../src/cluster/etcd_client.ts";

const endpoint = process.argv[2];
const key = process.argv[3] ?? "/probe/key";
const etcd = new EtcdClient({ endpoints: [endpoint], requestTimeoutMs: 5000 });

const revision = await etcd.put(key, "first");
const read = await etcd.get(key);
const seen = new Promise<WatchEvent[]>((resolve) => {
  const watch = etcd.watch(key, { fromRevision: revision + 1 }, {
    onEvents: (events) => void watch.stop().then(() => resolve(events)),
  });
});
await etcd.put(key, "second");
const timeout = setTimeout(() => {
  console.log(JSON.stringify({ error: "no watch event within 15 s" }));
  process.exit(1);
}, 15_000);
const events = await seen;
clearTimeout(timeout);
console.log(JSON.stringify({ revision, read, events }));
