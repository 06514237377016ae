/**
 * What one connection's shared-state work costs, alone: the real classes
 * of `src/state/` and `src/balancer/` over a shared arena, in 1 or 2
 * threads at once, without sockets. Each thread runs, per "connection":
 * the process's and the service's slot (`Slots.tryTake`), the group's
 * lock around a rotation step and `HostState.opened`, the start, two
 * chunks of bytes each way, the end, and the three releases. Then it
 * spins `--gap` µs (the rest of a connection's work; 0: the worst case,
 * both threads hammering the same lines). `--hosts own` gives each thread
 * its own host (neighbouring records), `same` one host for both.
 *
 * ```
 * deno run -A bench/shared_state.ts --threads 2 --gap 0 --iters 300000 --hosts own
 * node_modules/.bin/bun bench/shared_state.ts --threads 1
 * ```
 *
 * The threads run `bench/shared_state_worker.ts`. Prints ns per
 * connection for each thread (`performance.now()` around the sequence,
 * so some 50 ns of it is the clock).
 *
 * @module
 */
import { argv } from "node:process";
import { Arena } from "../src/state/arena.ts";

function arg(name: string, fallback: string): string {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : fallback;
}

const threads = Number(arg("--threads", "2"));
const arena = Arena.create(2, true);
for (let i = 0; i < 2; i++) arena.hostSlots!.take();
arena.groupSlots!.take();
arena.serviceSlots!.take();
const job = {
  handle: arena.handle(),
  iters: Number(arg("--iters", "100000")),
  gapUs: Number(arg("--gap", "0")),
  ownHost: arg("--hosts", "same") === "own",
};
const url = new URL("./shared_state_worker.ts", import.meta.url).href;
const ns = await Promise.all(
  Array.from({ length: threads }, (_, worker) =>
    new Promise<number>((resolve) => {
      const thread = new Worker(url, { type: "module" });
      thread.onmessage = (e: MessageEvent<number>) => {
        resolve(e.data);
        thread.terminate();
      };
      thread.postMessage({ ...job, worker });
    })),
);
const shape = `threads=${threads} gap=${job.gapUs}us hosts=${job.ownHost ? "own" : "same"}`;
console.log(`${shape} ns/conn ${ns.map((n) => n.toFixed(0)).join(" ")}`);
