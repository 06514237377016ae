/**
 * The typed configuration model: what a `<pdconfig>` file means.
 *
 * `parse.ts` turns XML into this model (with validation), `serialize.ts`
 * turns it back into XML. Parsing the serialized form of a model gives an
 * equal model (the round-trip property the tests check).
 *
 * Addresses keep the text the user wrote (`spec`, e.g. `*:18100`) next to
 * the resolved form, so serializing writes back what the operator typed.
 *
 * @module
 */

/** A `host:port` as written in the config, and what it resolves to. */
export interface Endpoint {
  /** As written: `127.0.0.1:80`, `*:80`, `localhost:80`, `[::1]:80`. */
  spec: string;
  /** Address to bind or connect to; `*` becomes `0.0.0.0`, IPv6 without brackets. */
  hostname: string;
  port: number;
}

export interface HostConfig {
  /** Unique in its group; unnamed hosts get `host.0`, `host.1`, … in group order. */
  name: string;
  address: Endpoint;
}

export interface GroupConfig {
  name: string;
  /** A scheduler name from `src/schedulers/registry.ts`. */
  scheduler: string;
  /** Backend connect timeout in milliseconds (attribute `connect-timeout`, in seconds). */
  connectTimeoutMs: number;
  hosts: HostConfig[];
}

export interface ServiceConfig {
  name: string;
  listen: Endpoint[];
  groups: GroupConfig[];
  /** Name of the group enabled at start; always one of `groups`. */
  enabledGroup: string;
  /** `idle-timeout` (seconds): close a connection when no byte moved either way for this long. */
  idleTimeoutMs?: number;
  /** `maxconn`: at most this many connections at once; more wait in the accept backlog. */
  maxconn?: number;
}

export type Access = "full" | "readonly";

export interface AdminUser {
  name: string;
  /** A crypt(3)-family hash, never a plaintext password. */
  password: string;
  access: Access;
}

export interface AdminConfig {
  listen: Endpoint;
  /** `secure="yes"`: serve HTTPS with `cert` and `key` (PEM file paths). */
  secure: boolean;
  cert?: string;
  key?: string;
  users: AdminUser[];
}

export interface LoggingConfig {
  /** Log file path; absent means standard error. */
  file?: string;
  /** `access="yes"`: one line per finished connection, in the event log. */
  access?: boolean;
  /** `access-file="…"`: the access log goes to this file instead (implies access). */
  accessFile?: string;
}

/** `<timeouts>`: process-wide timeouts. */
export interface TimeoutsConfig {
  /** `drain`: on SIGTERM, exit after this long even if connections are still open. */
  drainMs?: number;
  /** `admin-request`: an admin request (headers and body) must arrive within this long. */
  adminRequestMs?: number;
}

export interface DirectorConfig {
  services: ServiceConfig[];
  admin?: AdminConfig;
  logging: LoggingConfig;
  /** Seconds a bad host stays out before recovery probes it (`<checktime time>`). */
  checktimeSeconds: number;
  timeouts?: TimeoutsConfig;
}

/** Defaults that apply when the config is silent. */
export const DEFAULTS = {
  checktimeSeconds: 120,
  connectTimeoutMs: 5000,
} as const;

/** A problem found while loading a config that does not stop it loading. */
export interface ConfigWarning {
  message: string;
  line?: number;
  column?: number;
}

/** A loaded config with the warnings found on the way. */
export interface LoadedConfig {
  config: DirectorConfig;
  warnings: ConfigWarning[];
  /** Where it came from: a path, or `(embedded default)`. */
  source: string;
  /** The document as written (served as `/config.xml`, comments included). */
  text: string;
}

/**
 * Raised for any config that cannot be loaded. `message` is complete and
 * ready to print: `FILE:LINE:COL: <element>: what is wrong`.
 */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = "ConfigError";
  }
}
