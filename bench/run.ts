/**
 * `deno task bench`: the side-by-side benchmark against HAProxy and nginx.
 *
 * Not written yet (see the performance work item); this placeholder keeps
 * the task defined and says so instead of failing silently.
 *
 * @module
 */
console.log("The benchmark is not implemented yet: see the performance work item.");
