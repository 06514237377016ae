/**
 * A preload for `bench/reload_stall.ts --lag`: logs each main-thread
 * event-loop gap over 15 ms as `event=loop_gap ms=… cpu_ms=… at=…` on
 * stderr, from the `load` event on: `cpu_ms` is the time the main thread ran during the gap (from
 * `/proc/thread-self/schedstat`), the rest it waited for a CPU; `at` is
 * ms since the process started. Linux only.
 *
 * @module
 */
const ran = () => Number(Deno.readTextFileSync("/proc/thread-self/schedstat").split(" ")[0]) / 1e6;
// After the main module ran: Deno runs a preload's own event loop to its end first.
globalThis.addEventListener("load", () => {
  let last = performance.now();
  let lastRan = ran();
  setInterval(() => {
    const now = performance.now();
    const r = ran();
    if (now - last > 16) {
      console.error(
        `event=loop_gap ms=${(now - last - 1).toFixed(1)} cpu_ms=${(r - lastRan).toFixed(1)} at=${
          now.toFixed(0)
        }`,
      );
    }
    last = now;
    lastRan = r;
  }, 1);
});
