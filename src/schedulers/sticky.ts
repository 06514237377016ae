/**
 * `sticky`: a client goes back to the host it used last, for applications
 * that keep session state on the backend.
 *
 * - A client with no remembered host (new, or silent for `stickytime`) is
 *   placed like `leastconns` places it (fewest open connections per weight,
 *   ties rotating) and remembered.
 * - A client whose remembered host is not a candidate (removed, bad,
 *   admin-down, weight 0, or just refused this client's connect) is placed
 *   afresh the same way, and the new host is remembered *instead*: when the
 *   old host comes back the client stays where it is now, because that is
 *   where its session now lives. A returning host gets new clients only.
 * - Every connection refreshes the client's entry, so `stickytime` counts
 *   from its last connection, not its first.
 *
 * Clients are keyed by IP address (IPv4-mapped IPv6 reduced to IPv4), so
 * clients behind one NAT share a host. The table is bounded (100,000
 * clients unless configured), forgetting the least recently seen first; a
 * forgotten client is simply placed again. See `affinity.ts`.
 *
 * @module
 */
import { AffinityTable, DEFAULT_MAX_STICKY_CLIENTS, DEFAULT_STICKY_TIME_MS } from "./affinity.ts";
import { weightUnits } from "./candidate_set.ts";
import { clientKey } from "./hashing.ts";
import { byOpen } from "./leastconns.ts";
import { Rotation } from "./rotation.ts";
import type { Candidate, PickContext, Scheduler, SchedulerOptions } from "./types.ts";

/** A sticky scheduler, also exposing its table (size, evictions) for tests and status. */
export interface StickyScheduler extends Scheduler {
  readonly table: AffinityTable;
  configure(options: SchedulerOptions): void;
}

/** A sticky scheduler: its table and rotation from `options`, or its own. */
export function createSticky(options: SchedulerOptions = {}): StickyScheduler {
  const table = options.affinity ?? new AffinityTable(
    options.stickyTimeMs ?? DEFAULT_STICKY_TIME_MS,
    options.maxStickyClients ?? DEFAULT_MAX_STICKY_CLIENTS,
  );
  const rotation = new Rotation(options.state);
  return {
    name: "sticky",
    table,
    configure(changed: SchedulerOptions): void {
      // Entries keep their last-use time, so a new stickytime applies to
      // them at once: shortening it expires the clients now past it.
      if (changed.stickyTimeMs !== undefined) table.ttlMs = changed.stickyTimeMs;
    },
    pick<C extends Candidate>(candidates: readonly C[], ctx: PickContext): C {
      if (candidates.length === 0) throw new RangeError("Cannot pick a host: no candidates");
      const key = clientKey(ctx.clientAddress);
      const index = table.lookup(key, ctx.now);
      let chosen: C | undefined;
      if (index >= 0) {
        // Candidates are few; a scan is cheaper than keeping an index map.
        // Weight 0 means "no new clients": the group filters such hosts,
        // and a scheduler handed one anyway must not keep clients there.
        for (let i = 0; i < candidates.length; i++) {
          const c = candidates[i];
          if (c.index === index) {
            if (weightUnits(c) > 0) chosen = c;
            break;
          }
        }
      }
      chosen ??= rotation.pick(candidates, byOpen);
      table.remember(key, chosen.index, ctx.now);
      return chosen;
    },
  };
}
