/**
 * Slow start: a host that comes back into rotation (recovery, `retryHost`,
 * `hostAdminUp`, a new `addHost`) takes a share of new connections that
 * grows linearly from near zero to its full weight over `slowstart`
 * seconds, so a cold cache or a JIT that has not warmed up is not handed a
 * full share at once.
 *
 * When the host came back lives in its record of the shared state
 * (`H_UP_SINCE`, written with the model's clock, `Date.now()`, which every
 * worker thread reads alike), so every thread ramps the host the same way.
 *
 * The ramp is a factor on the host's weight, in steps of 1/20 (never below
 * the first step): smooth weighted round robin resets its scores whenever
 * a candidate's weight changes (see `roundrobin.ts`), so a continuously
 * changing weight would starve the host; twenty steps keep the shares
 * exact within each step. `random` draws by the ramped weight, `leastconns`
 * and `leastconnsrr` (and `sticky` placing new clients) divide the open
 * count by it. `hash` ignores slow start: a ring rebuilt at every step
 * would move clients back and forth.
 *
 * @module
 */
import type { Candidate } from "../schedulers/types.ts";
import type { HostState } from "./host_state.ts";

/** The ramp advances in this many equal steps. */
export const SLOWSTART_STEPS = 20;

/** Schedulers whose picks follow the ramped weight (not `hash`). */
const RAMPED = new Set(["random", "roundrobin", "leastconns", "leastconnsrr", "sticky"]);

/** Does scheduler `name` apply slow start? */
export function rampsWith(name: string): boolean {
  return RAMPED.has(name);
}

/**
 * The share of its weight a host has `elapsedMs` after coming back, with a
 * window of `windowMs`: from 1/{@linkcode SLOWSTART_STEPS} up to 1 in equal
 * steps; 1 without a window or once it has passed (and for a clock that
 * went backwards, so a host is never stuck ramping).
 */
export function slowStartFactor(elapsedMs: number, windowMs: number): number {
  if (!(windowMs > 0) || !(elapsedMs >= 0) || elapsedMs >= windowMs) return 1;
  const step = Math.floor((elapsedMs / windowMs) * SLOWSTART_STEPS);
  return Math.max(1, step) / SLOWSTART_STEPS;
}

/** `weight` scaled by `factor`, in the weights' 3 decimals, never 0 for a positive weight. */
export function rampedWeight(weight: number, factor: number): number {
  if (factor >= 1 || !(weight > 0)) return weight;
  return Math.max(0.001, Math.round(weight * factor * 1000) / 1000);
}

/** The window that applies to a host: its own `slowstart`, else its group's. */
export function windowOf(host: HostState, groupWindowMs: number | undefined): number {
  return host.slowStartMs ?? groupWindowMs ?? 0;
}

/** The host's ramp factor now (1 when not ramping). */
export function hostFactor(
  host: HostState,
  groupWindowMs: number | undefined,
  now: number,
): number {
  const window = windowOf(host, groupWindowMs);
  if (window <= 0) return 1;
  const since = host.upSince;
  return since === 0 ? 1 : slowStartFactor(now - since, window);
}

/**
 * A host as a scheduler sees it while it ramps: everything is the host's,
 * except the weight. One per host, reused for every pick.
 */
export class RampedCandidate implements Candidate {
  weight = 0;
  constructor(readonly host: HostState) {}
  get index(): number {
    return this.host.index;
  }
  get name(): string {
    return this.host.name;
  }
  get open(): number {
    return this.host.open;
  }
  get lastClosed(): number {
    return this.host.lastClosed;
  }
  get score(): number {
    return this.host.score;
  }
  set score(value: number) {
    this.host.score = value;
  }
}

const views = new WeakMap<HostState, RampedCandidate>();

/**
 * What to offer the scheduler for `host`: the host itself at full weight,
 * else its view with the ramped weight.
 */
export function candidateFor(host: HostState, factor: number): Candidate {
  if (factor >= 1) return host;
  let view = views.get(host);
  if (!view) views.set(host, view = new RampedCandidate(host));
  view.weight = rampedWeight(host.weight, factor);
  return view;
}

/** The host a scheduler chose (it may have been offered a view). */
export function hostOf(chosen: Candidate): HostState {
  return chosen instanceof RampedCandidate ? chosen.host : chosen as HostState;
}
