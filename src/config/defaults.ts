/**
 * Every default and every limit of the configuration, in one place: the
 * config parser, the change calls, the reload plan and the views all read
 * them from here. Nothing else in `src/` writes one of these numbers: the
 * older names (`DEFAULT_WEIGHT`, `MAX_WEIGHT` … in `scheduling.ts`) are
 * aliases of these.
 *
 * The `sticky` scheduler's table keeps its own defaults for callers outside
 * the config (tests, benches), so they are taken from it rather than written
 * twice.
 *
 * @module
 */
import { DEFAULT_MAX_STICKY_CLIENTS, DEFAULT_STICKY_TIME_MS } from "../schedulers/affinity.ts";

/** What applies when the config is silent. */
export const DEFAULTS = {
  /** `<checktime time>`: seconds a bad host stays out before recovery probes it. */
  checktimeSeconds: 120,
  /** `<group connect-timeout>`, in ms. */
  connectTimeoutMs: 5000,
  /** `<check>` attributes. */
  check: { intervalMs: 2000, timeoutMs: 1000, rise: 2, fall: 3 },
  /** `<timeouts admin-request>`: a whole admin request within this long (ms). */
  adminRequestMs: 10_000,
  /** `<group stickytime>`: how long `sticky` remembers a client (ms), half an hour. */
  stickyTimeMs: DEFAULT_STICKY_TIME_MS,
  /** Clients a `sticky` group remembers at most (the least recently seen go first). */
  maxStickyClients: DEFAULT_MAX_STICKY_CLIENTS,
  /** `<host weight>`. */
  weight: 1,
  /** Process-wide connections when the descriptor limit cannot be read. */
  processMaxconn: 10_000,
  /** `<service sni-timeout>`: how long a routed service waits for a ClientHello (ms). */
  sniTimeoutMs: 5000,
} as const;

/** The largest values accepted (anything larger is surely a typo). */
export const LIMITS = {
  /** Connect, check, queue and admin-request timeouts: an hour. */
  connectTimeoutS: 3600,
  /** Idle and drain timeouts: a week. */
  idleTimeoutS: 604_800,
  /** `checktime` and `stickytime`: a year (keeps numbers free of exponents). */
  checktimeS: 365 * 24 * 3600,
  stickyTimeS: 365 * 24 * 3600,
  /** `maxconn` of a service or a host: far above what one process can hold. */
  maxconn: 10_000_000,
  /** A check's `rise` and `fall`. */
  checkCount: 100,
  /** `<performance workers>` and `--workers`. */
  workers: 1024,
  /** `<host weight>`. */
  weight: 1000,
  /** `client-maxconn`, and the count of `client-rate`. */
  clientLimit: 1_000_000,
  /** The window of `client-rate`: a day. */
  clientRateWindowS: 86_400,
  /** `sni-timeout`: a minute. */
  sniTimeoutS: 60,
  /** `<allow>`/`<deny>` rules and `<route>`s per service. */
  rules: 10_000,
} as const;
