/**
 * Loading a config from a file or from the embedded demo config, and the
 * summary `director --check` prints.
 *
 * File access is `node:fs` so the same code runs on Deno and Bun. The demo
 * config is imported as text, so it travels inside a compiled binary (see the
 * `compile` task, which `--include`s it) and needs no file at run time.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import defaultXml from "./default.xml" with { type: "text" };
import {
  ConfigError,
  type DirectorConfig,
  type LoadedConfig,
  type ServiceConfig,
} from "./model.ts";
import { formatClientRate } from "../policy/rules.ts";
import { parseConfig } from "./parse.ts";
import { checkAdminUsers } from "../passwords/users.ts";

/** Shown as the source of the embedded config, in messages and `--check`. */
export const DEFAULT_SOURCE = "(embedded default)";

/**
 * Parse and validate a config document, admin users' password hashes
 * included; throws `ConfigError` with a ready-to-print message.
 */
export function loadConfigText(text: string, source: string): LoadedConfig {
  const loaded = parseConfig(text, source);
  checkAdminUsers(loaded.config.admin, source);
  return loaded;
}

/** Read, parse and validate a config file; throws `ConfigError` when unreadable or invalid. */
export function loadConfigFile(path: string): LoadedConfig {
  return loadConfigText(readConfigText(path), path);
}

/** The text of the config file at `path`; throws a ConfigError naming it. */
export function readConfigText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`Cannot read config ${path}: ${reason}`, path);
  }
}

/** The embedded demo config (`src/config/default.xml`). */
export function loadDefaultConfig(): LoadedConfig {
  return loadConfigText(defaultXml, DEFAULT_SOURCE);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** A short human summary of a config, a few lines per service. */
/** A service's traffic policy in a few words; empty when it has none. */
function summarizePolicy(service: ServiceConfig): string {
  const parts: string[] = [];
  if (service.acl) parts.push(plural(service.acl.length, "allow/deny rule"));
  if (service.routes) parts.push(plural(service.routes.length, "SNI route"));
  if (service.clientMaxconn) parts.push(`client-maxconn ${service.clientMaxconn}`);
  if (service.clientRate) parts.push(`client-rate ${formatClientRate(service.clientRate)}`);
  return parts.join(", ");
}

export function summarizeConfig(config: DirectorConfig): string {
  const lines = [plural(config.services.length, "service")];
  for (const service of config.services) {
    const listen = service.listen.map((endpoint) => endpoint.spec).join(", ");
    lines.push(`service ${service.name}: listen ${listen}; enabled group ${service.enabledGroup}`);
    for (const group of service.groups) {
      const enabled = group.name === service.enabledGroup ? " (enabled)" : "";
      const hosts = plural(group.hosts.length, "host");
      lines.push(`  group ${group.name}${enabled}: ${group.scheduler}, ${hosts}`);
    }
    const policy = summarizePolicy(service);
    if (policy) lines.push(`  policy: ${policy}`);
  }
  const { admin } = config;
  if (admin) {
    const scheme = admin.secure ? "https" : "http";
    const users = admin.users.length === 0
      ? "no users (a password is generated at start)"
      : plural(admin.users.length, "user");
    lines.push(`admin: ${scheme} on ${admin.listen.spec}, ${users}`);
  } else {
    lines.push("admin: none");
  }
  lines.push(`logging: ${config.logging.file ?? "standard error"}`);
  lines.push(`checktime: ${config.checktimeSeconds} s`);
  return lines.join("\n");
}
