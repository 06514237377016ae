/**
 * `DirectorConfig` → `<pdconfig>` XML, for `/running.xml` and `/save`.
 *
 * The output is meant to be read and edited by people, so it is indented,
 * keeps every address as the operator wrote it (`Endpoint.spec`), and leaves
 * out attributes that merely restate a default. Parsing it gives back an equal
 * model; the tests hold it to that.
 *
 * Comments of the original file are not kept: the model does not hold them,
 * and a saved running config describes the running state, not the old file.
 *
 * @module
 */
import { DEFAULTS } from "./defaults.ts";
import type { AdminConfig, DirectorConfig, GroupConfig, ServiceConfig } from "./model.ts";
import { DEFAULT_STICKY_TIME_MS, DEFAULT_WEIGHT } from "./scheduling.ts";
import { resolverAttributes } from "./parse_resolver.ts";
import { escapeXmlAttr } from "./xml.ts";
import { formatClientRate } from "../policy/rules.ts";

type Attributes = ReadonlyArray<readonly [name: string, value: string | undefined]>;

/** A start tag with its attributes; `undefined` values are left out. */
function tag(name: string, attributes: Attributes, empty: boolean): string {
  const written = attributes
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXmlAttr(value as string)}"`)
    .join("");
  return `<${name}${written}${empty ? " />" : ">"}`;
}

/** A whole element: self-closing when it has no children. */
function element(
  indent: number,
  name: string,
  attributes: Attributes,
  children: string[] = [],
): string[] {
  const pad = "  ".repeat(indent);
  if (children.length === 0) return [pad + tag(name, attributes, true)];
  return [pad + tag(name, attributes, false), ...children, `${pad}</${name}>`];
}

/**
 * Seconds as a plain decimal. Models from `parseConfig` hold whole
 * milliseconds within the accepted ranges, which never print with an exponent.
 */
function seconds(ms: number): string {
  return String(ms / 1000);
}

function group(config: GroupConfig): string[] {
  const timeout = config.connectTimeoutMs === DEFAULTS.connectTimeoutMs
    ? undefined
    : seconds(config.connectTimeoutMs);
  // A group's SRV targets are found again at start: the file keeps the name only.
  const listed = config.srv === undefined ? config.hosts : [];
  const hosts = listed.flatMap(({ name, address, weight, maxconn, slowStartMs }) => {
    const written = weight === undefined || weight === DEFAULT_WEIGHT ? undefined : String(weight);
    return element(3, "host", [
      ["name", name],
      ["ip", address.spec],
      ["weight", written],
      ["maxconn", maxconn === undefined ? undefined : String(maxconn)],
      ["slowstart", slowStartMs === undefined ? undefined : seconds(slowStartMs)],
    ]);
  });
  const sticky = config.stickyTimeMs === DEFAULT_STICKY_TIME_MS ? undefined : config.stickyTimeMs;
  const attributes = [
    ["name", config.name],
    ["scheduler", config.scheduler],
    ["connect-timeout", timeout],
    ["send-proxy", config.sendProxy],
    [
      "queue-timeout",
      config.queueTimeoutMs === undefined ? undefined : seconds(config.queueTimeoutMs),
    ],
    ["stickytime", sticky === undefined ? undefined : seconds(sticky)],
    ["slowstart", config.slowStartMs === undefined ? undefined : seconds(config.slowStartMs)],
    ["srv", config.srv],
  ] as const;
  const check = config.check
    ? element(
      3,
      "check",
      [
        ["interval", seconds(config.check.intervalMs)],
        ["timeout", seconds(config.check.timeoutMs)],
        ["rise", String(config.check.rise)],
        ["fall", String(config.check.fall)],
        ["send", config.check.send],
        ["expect", config.check.expect],
      ] as const,
    )
    : [];
  return element(2, "group", attributes, [...check, ...hosts]);
}

function admin(config: AdminConfig): string[] {
  const users = config.users.flatMap(({ name, password, access }) =>
    element(2, "user", [["name", name], ["password", password], ["access", access]])
  );
  const attributes = [
    ["listen", config.listen.spec],
    ["secure", config.secure ? "yes" : undefined],
    ["cert", config.cert],
    ["key", config.key],
  ] as const;
  return element(1, "admin", attributes, users);
}

function serviceLines(service: ServiceConfig): string[] {
  const children = [
    ...service.listen.flatMap((listen) =>
      element(2, "listen", [["ip", listen.spec], [
        "accept-proxy",
        listen.acceptProxy ? "yes" : undefined,
      ]])
    ),
    ...service.groups.flatMap(group),
    ...element(2, "enable", [["group", service.enabledGroup], ["backup", service.backupGroup]]),
    ...(service.acl ?? []).flatMap((rule) => element(2, rule.action, [["src", rule.src]])),
    ...(service.routes ?? []).flatMap((route) =>
      element(2, "route", [["sni", route.sni], ["group", route.group]])
    ),
  ];
  const attributes = [
    ["name", service.name],
    [
      "idle-timeout",
      service.idleTimeoutMs === undefined ? undefined : seconds(service.idleTimeoutMs),
    ],
    ["maxconn", service.maxconn === undefined ? undefined : String(service.maxconn)],
    [
      "client-maxconn",
      service.clientMaxconn === undefined ? undefined : String(service.clientMaxconn),
    ],
    [
      "client-rate",
      service.clientRate === undefined ? undefined : formatClientRate(service.clientRate),
    ],
    ["sni-timeout", service.sniTimeoutMs === undefined ? undefined : seconds(service.sniTimeoutMs)],
  ] as const;
  return element(1, "service", attributes, children);
}

/** The config as an indented `<pdconfig>` document, ending with a newline. */
export function serializeConfig(config: DirectorConfig): string {
  return [...serializeConfigPieces(config)].join("");
}

/**
 * The same document in pieces — the head, one piece per service, the rest
 * — for a view that streams it; `preamble` goes right after the XML
 * declaration (a comment).
 */
export function* serializeConfigPieces(
  config: DirectorConfig,
  preamble = "",
): Generator<string> {
  yield `<?xml version="1.0" encoding="UTF-8"?>\n${preamble}<pdconfig>\n`;
  for (const service of config.services) yield serviceLines(service).join("\n") + "\n";
  const body: string[] = [];
  if (config.admin) body.push(...admin(config.admin));
  const logging: [string, string][] = [];
  if (config.logging.file !== undefined) logging.push(["file", config.logging.file]);
  if (config.logging.access) logging.push(["access", "yes"]);
  if (config.logging.accessFile !== undefined) {
    logging.push(["access-file", config.logging.accessFile]);
  }
  if (logging.length > 0) body.push(...element(1, "logging", logging));
  body.push(...element(1, "checktime", [["time", String(config.checktimeSeconds)]]));
  if (config.resolver) body.push(...element(1, "resolver", resolverAttributes(config.resolver)));
  if (config.workers !== undefined) {
    body.push(...element(1, "performance", [["workers", String(config.workers)]]));
  }
  if (config.cluster) {
    const { endpoints, prefix, node } = config.cluster;
    body.push(...element(1, "cluster", [["etcd", endpoints.join(",")], ["prefix", prefix], [
      "node",
      node,
    ]]));
  }
  const timeouts = config.timeouts ?? {};
  if (timeouts.drainMs !== undefined || timeouts.adminRequestMs !== undefined) {
    body.push(...element(
      1,
      "timeouts",
      [
        ["drain", timeouts.drainMs === undefined ? undefined : seconds(timeouts.drainMs)],
        [
          "admin-request",
          timeouts.adminRequestMs === undefined ? undefined : seconds(timeouts.adminRequestMs),
        ],
      ] as const,
    ));
  }
  body.push("</pdconfig>");
  yield body.join("\n") + "\n";
}
