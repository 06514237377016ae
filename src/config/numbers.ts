/**
 * The numbers a config attribute and a change call's parameter hold —
 * whole counts and decimal seconds — each parsed by one rule, so
 * `<group connect-timeout="…">` and `changeConnectTimeout?timeout=…` (or
 * `maxconn="…"` and `changeMaxconn`) accept exactly the same values. The
 * callers word their own errors; the largest values come from `LIMITS`
 * (`defaults.ts`).
 *
 * @module
 */

/** A whole number from 1 to `max`, in digits only (no sign, no exponent); else undefined. */
export function parseCount(text: string, max: number): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= max ? n : undefined;
}

/**
 * A decimal number of seconds (`2`, `0.5`) as whole milliseconds, from 1 ms
 * to `maxSeconds`; else undefined. Rounded to the millisecond first, so
 * what is accepted is what runs.
 */
export function parseSeconds(text: string, maxSeconds: number): number | undefined {
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  const ms = Math.round(Number(text) * 1000);
  return ms >= 1 && ms <= maxSeconds * 1000 ? ms : undefined;
}
