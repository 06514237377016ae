/**
 * `<pdconfig>` XML → validated `DirectorConfig`.
 *
 * Every rule of the old pythondirector format is checked here, and the first
 * violation stops loading with a `ConfigError` that points at the element:
 * `FILE:LINE:COL: <group name="main">: what is wrong; what is expected`. A
 * config that would start but surprise its operator later is worse than one
 * that refuses to load. Unknown attributes are only warnings, though: they
 * cannot change behaviour, and refusing them would break configs written for
 * newer versions.
 *
 * @module
 */
import { isSchedulerName, SCHEDULER_NAMES } from "../schedulers/registry.ts";
import {
  DEFAULT_STICKY_TIME_MS,
  DEFAULT_WEIGHT,
  MAX_STICKY_TIME_S,
  parseSlowStart,
  parseWeight,
  SLOWSTART_EXPECTED,
  WEIGHT_EXPECTED,
} from "./scheduling.ts";
import { DEFAULTS, LIMITS } from "./defaults.ts";
import {
  ConfigError,
  type DirectorConfig,
  type GroupConfig,
  type HostConfig,
  type ListenConfig,
  type LoadedConfig,
  type ServiceConfig,
} from "./model.ts";
import type { Seen } from "./element_reader.ts";
import { parseCluster } from "./parse_cluster.ts";
import { SectionReader } from "./parse_sections.ts";
import { parsePolicy, POLICY_ATTRIBUTES, POLICY_CHILDREN } from "./parse_policy.ts";
import { parseResolver, parseSrv } from "./parse_resolver.ts";
import { parseXmlTree, type XmlElement, XmlSyntaxError } from "./xml.ts";

const ROOT_CHILDREN = [
  "service",
  "admin",
  "logging",
  "checktime",
  "timeouts",
  "performance",
  "cluster",
  "resolver",
];
/** Attributes that name an element best in messages, in order of preference. */

/** Parse and validate a config; throws `ConfigError` with a ready-to-print message. */
export function parseConfig(text: string, file: string): LoadedConfig {
  let root: XmlElement;
  try {
    root = parseXmlTree(text);
  } catch (error) {
    if (!(error instanceof XmlSyntaxError)) throw error;
    const { line, column, message } = error;
    throw new ConfigError(`${file}:${line}:${column}: ${message}`, file, line, column);
  }
  const parser = new Parser(file);
  return { config: parser.root(root), warnings: parser.warnings, source: file, text };
}

function quoteList(names: Iterable<string>): string {
  return [...names].map((name) => `"${name}"`).join(", ");
}

class Parser extends SectionReader {
  root(el: XmlElement): DirectorConfig {
    if (el.name !== "pdconfig") this.fail(el, "the root element must be <pdconfig>");
    this.shape(el, [], ROOT_CHILDREN);
    const services: ServiceConfig[] = [];
    const names: Seen = new Map();
    const seen: Seen = new Map();
    const config: DirectorConfig = {
      services,
      logging: {},
      checktimeSeconds: DEFAULTS.checktimeSeconds,
    };
    for (const child of el.children) {
      if (child.name === "service") {
        const service = this.service(child);
        this.unique(child, names, service.name, "service name", "in the config");
        services.push(service);
      } else {
        const first = seen.get(child.name);
        if (first) {
          this.fail(
            child,
            `only one <${child.name}> is allowed (the first is at line ${first.line})`,
          );
        }
        seen.set(child.name, child);
        if (child.name === "admin") config.admin = this.admin(child);
        if (child.name === "logging") config.logging = this.logging(child);
        if (child.name === "cluster") config.cluster = parseCluster(this, child);
        if (child.name === "checktime") config.checktimeSeconds = this.checktime(child);
        if (child.name === "resolver") config.resolver = parseResolver(this, child);
        if (child.name === "performance") {
          this.shape(child, ["workers"], []);
          const workers = child.attributes.workers;
          if (workers !== undefined) {
            config.workers = workers === "auto"
              ? "auto"
              : this.positiveInteger(child, "workers", LIMITS.workers);
          }
        }
        if (child.name === "timeouts") {
          const timeouts = this.timeouts(child);
          if (Object.keys(timeouts).length > 0) config.timeouts = timeouts;
        }
      }
    }
    return config;
  }

  service(el: XmlElement): ServiceConfig {
    this.shape(el, ["name", "idle-timeout", "maxconn", ...POLICY_ATTRIBUTES], [
      "listen",
      "group",
      "enable",
      ...POLICY_CHILDREN,
    ]);
    const name = this.required(el, "name", "every service needs a unique name");
    const limits: Pick<ServiceConfig, "idleTimeoutMs" | "maxconn"> = {};
    if (el.attributes["idle-timeout"] !== undefined) {
      limits.idleTimeoutMs = this.milliseconds(el, "idle-timeout", LIMITS.idleTimeoutS);
    }
    if (el.attributes.maxconn !== undefined) {
      limits.maxconn = this.positiveInteger(el, "maxconn", LIMITS.maxconn);
    }
    const listen: ListenConfig[] = [];
    const groups: GroupConfig[] = [];
    const groupNames: Seen = new Map();
    const enables: XmlElement[] = [];
    for (const child of el.children) {
      if (child.name === "listen") {
        this.shape(child, ["ip", "accept-proxy"], []);
        const address: ListenConfig = this.listen(child, "ip", `<service name="${name}">`);
        if (this.choice(child, "accept-proxy", ["no", "yes"]) === "yes") address.acceptProxy = true;
        listen.push(address);
      } else if (child.name === "group") {
        const group = this.group(child);
        this.unique(child, groupNames, group.name, "group name", `in service "${name}"`);
        groups.push(group);
      } else if (child.name === "enable") {
        this.shape(child, ["group", "backup"], []);
        enables.push(child);
      }
    }
    if (listen.length === 0) {
      this.fail(el, 'no <listen ip="…"/>; a service needs at least one address to listen on');
    }
    if (groups.length === 0) this.fail(el, "no <group>; a service needs at least one group");
    const { enabledGroup, backupGroup } = this.enable(el, name, enables, groupNames);
    return {
      name,
      listen,
      groups,
      enabledGroup,
      ...(backupGroup === undefined ? {} : { backupGroup }),
      ...limits,
      ...parsePolicy(this, el, groupNames),
    };
  }

  /** The service's one `<enable group="…" [backup="…"]>`, checked against its groups. */
  enable(el: XmlElement, name: string, enables: XmlElement[], groupNames: Seen) {
    const known = `expected one of ${quoteList(groupNames.keys())}`;
    if (enables.length === 0) {
      this.fail(el, `no <enable group="…"/> naming the group enabled at start; ${known}`);
    }
    if (enables.length > 1) this.fail(enables[1], "a second <enable>; a service enables one group");
    const enabledGroup = this.required(enables[0], "group", known);
    if (!groupNames.has(enabledGroup)) {
      this.fail(enables[0], `no group "${enabledGroup}" in service "${name}"; ${known}`);
    }
    const backupGroup = enables[0].attributes.backup;
    if (backupGroup !== undefined) {
      if (!groupNames.has(backupGroup)) {
        this.fail(enables[0], `no backup group "${backupGroup}" in service "${name}"; ${known}`);
      }
      if (backupGroup === enabledGroup) {
        this.fail(enables[0], `backup="${backupGroup}" is the enabled group; name another group`);
      }
    }
    return { enabledGroup, backupGroup };
  }

  // long: every attribute and child of <group> in one place, read top to bottom.
  group(el: XmlElement): GroupConfig {
    this.shape(el, [
      "name",
      "scheduler",
      "connect-timeout",
      "send-proxy",
      "stickytime",
      "queue-timeout",
      "slowstart",
      "srv",
    ], [
      "host",
      "check",
    ]);
    const sendProxy = el.attributes["send-proxy"] === undefined
      ? undefined
      : this.choice(el, "send-proxy", ["v1", "v2"]) as "v1" | "v2";
    const name = this.required(el, "name", "every group needs a name unique in its service");
    const known = `expected one of ${SCHEDULER_NAMES.join(", ")}`;
    const scheduler = this.required(el, "scheduler", known);
    if (!isSchedulerName(scheduler)) this.fail(el, `unknown scheduler "${scheduler}"; ${known}`);
    const timeout = el.attributes["connect-timeout"];
    const connectTimeoutMs = timeout === undefined
      ? DEFAULTS.connectTimeoutMs
      : this.milliseconds(el, "connect-timeout", LIMITS.connectTimeoutS);
    // Stored only when it differs from the default, like weight below.
    const stickyTimeMs = el.attributes.stickytime === undefined
      ? DEFAULT_STICKY_TIME_MS
      : this.milliseconds(el, "stickytime", MAX_STICKY_TIME_S);
    const checks = el.children.filter((child) => child.name === "check");
    if (checks.length > 1) this.fail(checks[1], "a second <check>; a group has at most one");
    const check = checks.length ? this.check(checks[0]) : undefined;
    const hosts: HostConfig[] = [];
    const names: Seen = new Map();
    // Unnamed hosts are numbered by their position among the group's hosts.
    el.children.filter((child) => child.name === "host").forEach((child, i) => {
      this.shape(child, ["name", "ip", "weight", "maxconn", "slowstart"], []);
      const given = child.attributes.name;
      if (given === "") this.fail(child, 'empty name=""; omit it to get the default host.N');
      const weight = this.weight(child);
      const host: HostConfig = {
        name: given ?? `host.${i}`,
        address: this.endpoint(child, "ip"),
        ...(weight === DEFAULT_WEIGHT ? {} : { weight }),
        ...(child.attributes.maxconn === undefined
          ? {}
          : { maxconn: this.positiveInteger(child, "maxconn", LIMITS.maxconn) }),
        ...this.slowStart(child),
      };
      const what = given === undefined ? "default host name" : "host name";
      this.unique(child, names, host.name, what, `in group "${name}"`);
      hosts.push(host);
    });
    const srv = parseSrv(this, el);
    if (srv.srv !== undefined && hosts.length > 0) {
      this.fail(el, `a <host> in a group with srv="${srv.srv}"; its hosts come from DNS`);
    }
    if (hosts.length === 0 && srv.srv === undefined) {
      this.fail(el, 'no <host ip="…"/>; a group needs at least one host (or srv="…")');
    }
    return {
      name,
      scheduler,
      connectTimeoutMs,
      hosts,
      ...(sendProxy ? { sendProxy } : {}),
      ...(check ? { check } : {}),
      ...(el.attributes["queue-timeout"] === undefined
        ? {}
        : { queueTimeoutMs: this.milliseconds(el, "queue-timeout", LIMITS.connectTimeoutS) }),
      ...(stickyTimeMs === DEFAULT_STICKY_TIME_MS ? {} : { stickyTimeMs }),
      ...this.slowStart(el),
      ...srv,
    };
  }

  /** `slowstart="SECONDS"` of a group or host, when written. */
  slowStart(el: XmlElement): { slowStartMs?: number } {
    const written = el.attributes.slowstart;
    if (written === undefined) return {};
    const slowStartMs = parseSlowStart(written);
    if (slowStartMs === undefined) {
      this.fail(el, `slowstart="${written}" is not allowed; ${SLOWSTART_EXPECTED}`);
    }
    return { slowStartMs };
  }

  /** A host's `weight` (default 1): see `scheduling.ts` for what is accepted. */
  weight(el: XmlElement): number {
    const written = el.attributes.weight;
    if (written === undefined) return DEFAULT_WEIGHT;
    const weight = parseWeight(written);
    if (weight === undefined) {
      this.fail(el, `weight="${written}" is not allowed; ${WEIGHT_EXPECTED}`);
    }
    return weight;
  }
}
