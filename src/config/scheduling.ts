/**
 * The scheduling settings of the config, host weights and the group's
 * sticky time: their limits, defaults and the one weight parser the config
 * file and the admin calls share, so
 * `<host weight="…">` and `changeWeight?weight=…` accept exactly the same
 * values.
 *
 * A weight is a host's relative share of new connections: a decimal from 0
 * to 1000 with at most 3 decimals (so schedulers can count in exact integer
 * thousandths). 0 keeps the host in its group, its open connections
 * untouched, but gives it no new ones.
 *
 * @module
 */
import { DEFAULTS, LIMITS } from "./defaults.ts";

/** The weight of a host that does not state one. */
export const DEFAULT_WEIGHT = DEFAULTS.weight;

/** The largest weight accepted. */
export const MAX_WEIGHT = LIMITS.weight;

/** What a valid weight looks like, for error messages. */
export const WEIGHT_EXPECTED =
  `expected a decimal number from 0 to ${MAX_WEIGHT} with at most 3 decimals ` +
  "(0: no new connections)";

/** `stickytime` when a group does not state one: 30 minutes, in ms. */
export const DEFAULT_STICKY_TIME_MS = DEFAULTS.stickyTimeMs;

/** The longest `stickytime` accepted, in seconds (a year, like `checktime`). */
export const MAX_STICKY_TIME_S = LIMITS.stickyTimeS;

/**
 * The weight written as `text` (`2`, `0.5`, `1000`, `0`), or undefined when
 * it is not one: signs, exponents, spaces, a 4th decimal and anything above
 * {@linkcode MAX_WEIGHT} are refused rather than rounded, so the weight that
 * runs is the one written.
 */
export function parseWeight(text: string): number | undefined {
  if (!/^\d{1,4}(\.\d{1,3})?$/.test(text)) return undefined;
  const weight = Number(text);
  return weight <= MAX_WEIGHT ? weight : undefined;
}

/** The longest `slowstart` accepted, in seconds (an hour). */
export const MAX_SLOWSTART_S = 3600;

/** What a valid `slowstart` looks like, for error messages. */
export const SLOWSTART_EXPECTED =
  `expected a number of seconds from 0 to ${MAX_SLOWSTART_S}, at most 3 decimals (0: none)`;

/**
 * A `slowstart` written as `text` (`30`, `2.5`, `0`), in whole ms, or
 * undefined when it is not one. 0 (no ramp) is accepted so a host can opt
 * out of its group's slow start.
 */
export function parseSlowStart(text: string): number | undefined {
  if (!/^\d{1,4}(\.\d{1,3})?$/.test(text)) return undefined;
  const ms = Math.round(Number(text) * 1000);
  return ms <= MAX_SLOWSTART_S * 1000 ? ms : undefined;
}
