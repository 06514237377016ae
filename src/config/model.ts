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

/** A listen address; `accept-proxy="yes"` expects a PROXY protocol header from clients. */
export interface ListenConfig extends Endpoint {
  acceptProxy?: boolean;
}

export interface HostConfig {
  /** `maxconn`: at most this many open connections to the host. */
  maxconn?: number;
  /** Unique in its group; unnamed hosts get `host.0`, `host.1`, … in group order. */
  name: string;
  address: Endpoint;
  /**
   * `weight`: relative share of new connections, 0 to 1000 (3 decimals);
   * 0 takes no new connections. Absent means 1 (and 1 is never stored, so
   * configs without weights round-trip unchanged). See `scheduling.ts`.
   */
  weight?: number;
  /** `slowstart` (ms): ramp up over this long after coming back; 0: none (overrides the group). */
  slowStartMs?: number;
  /**
   * Run time only (never read from or written to a file): the address a
   * host named by a DNS name resolves to now, so a worker thread started
   * from the running config connects where the others do.
   */
  resolved?: string;
}

/** `<check>`: an active health check for every host of a group. */
export interface CheckConfig {
  intervalMs: number;
  timeoutMs: number;
  /** Successes in a row that bring a bad host back. */
  rise: number;
  /** Failures in a row that take a host out. */
  fall: number;
  /** Sent after connecting (escapes \r \n \t \\ \xHH decoded). */
  send?: string;
  /** The reply must start with this. */
  expect?: string;
}

export interface GroupConfig {
  name: string;
  /** A scheduler name from `src/schedulers/registry.ts`. */
  scheduler: string;
  /** Backend connect timeout in milliseconds (attribute `connect-timeout`, in seconds). */
  connectTimeoutMs: number;
  /** `send-proxy`: send the client's address to backends in a PROXY protocol header. */
  sendProxy?: "v1" | "v2";
  /** `queue-timeout` (ms): how long a client waits when every host is at its maxconn. */
  queueTimeoutMs?: number;
  /** Active health check (`<check>`); absent: legacy recovery after failures. */
  check?: CheckConfig;
  /**
   * `stickytime` in ms: how long the `sticky` scheduler remembers a client
   * after its last connection. Absent means the default (1800 s, never
   * stored). Kept whatever the scheduler, for a switch to `sticky`.
   */
  stickyTimeMs?: number;
  /** `slowstart` (ms): a host coming back ramps up to its weight over this long. */
  slowStartMs?: number;
  /** `srv="_service._proto.name"`: the hosts are that SRV record's targets (`src/control/dns_refresh.ts`). */
  srv?: string;
  hosts: HostConfig[];
}

export interface ServiceConfig {
  name: string;
  listen: ListenConfig[];
  groups: GroupConfig[];
  /** Name of the group enabled at start; always one of `groups`. */
  enabledGroup: string;
  /** `<enable backup="…">`: where new connections go while every enabled host is down. */
  backupGroup?: string;
  /** `idle-timeout` (seconds): close a connection when no byte moved either way for this long. */
  idleTimeoutMs?: number;
  /** `maxconn`: at most this many connections at once; more wait in the accept backlog. */
  maxconn?: number;
  /** `<allow src>` / `<deny src>`, in document order (first match wins). */
  acl?: AclRule[];
  /** `client-maxconn`: open connections per client address. */
  clientMaxconn?: number;
  /** `client-rate="N/SECONDS"`: new connections per client address per window. */
  clientRate?: ClientRate;
  /** `<route sni group>`, in document order (first match wins). */
  routes?: RouteConfig[];
  /** `sni-timeout` (ms): how long a routed service waits for the ClientHello (default 5 s). */
  sniTimeoutMs?: number;
}

/** One access rule; `src` as written (a CIDR range or a bare address). */
export interface AclRule {
  action: "allow" | "deny";
  src: string;
}

/** `client-rate`: at most `count` new connections per `windowMs` from one client address. */
export interface ClientRate {
  count: number;
  windowMs: number;
}

/** An SNI route: a server-name pattern (as written) and the group it sends to. */
export interface RouteConfig {
  sni: string;
  group: string;
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

/** `<cluster>`: the shared configuration comes from etcd (`parse_cluster.ts`). */
export interface ClusterConfig {
  endpoints: string[];
  /** Keys live under it: `PREFIX config`, `PREFIX nodes/NAME`. */
  prefix: string;
  /** This node's name in the fleet. */
  node: string;
}

export interface DirectorConfig {
  services: ServiceConfig[];
  admin?: AdminConfig;
  logging: LoggingConfig;
  /** Seconds a bad host stays out before recovery probes it (`<checktime time>`). */
  checktimeSeconds: number;
  timeouts?: TimeoutsConfig;
  /** `<performance workers>`: worker processes (1 = one process; "auto" = one per core). */
  workers?: number | "auto";
  /** `<cluster>`: this node shares its configuration through etcd. */
  cluster?: ClusterConfig;
  /** `<resolver>`: how host names and SRV records are looked up. */
  resolver?: ResolverConfig;
}

/** `<resolver nameserver="IP:PORT,…" interval="SECONDS"/>`. */
export interface ResolverConfig {
  /** As written (`127.0.0.1:5353`); absent: the system's (/etc/resolv.conf). */
  nameservers?: string[];
  /** Longest time between two lookups of a name (ms); a shorter TTL asks sooner. */
  intervalMs?: number;
}

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

/** A loaded config without its services: what a reload keeps (the model has the services). */
export type LoadedSettings = Omit<LoadedConfig, "config"> & {
  config: Omit<DirectorConfig, "services">;
};
