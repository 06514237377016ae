/**
 * The cluster's shared document: what of a configuration goes to etcd,
 * and how a node's configuration is made from the shared document and its
 * own sections.
 *
 * The shared part is what every node must agree on — services, groups,
 * hosts, checks, `<checktime>`, `<timeouts>` — as a pdconfig document in
 * the format of a file (so `etcdctl get` shows familiar XML and `director
 * diff` works on it). What is the node's own — `<admin>` with its users,
 * `<logging>`, `<performance>`, `<cluster>` — stays in its local file; in
 * the shared document those sections are ignored, with a warning.
 *
 * @module
 */
import { runningConfigXml } from "../changes/running_config.ts";
import type { DirectorConfig, LoadedConfig } from "../config/model.ts";
import { parseConfig } from "../config/parse.ts";

/** The shared part of a configuration. */
export function sharedConfig(config: DirectorConfig): DirectorConfig {
  return {
    services: config.services,
    logging: {},
    checktimeSeconds: config.checktimeSeconds,
    ...(config.timeouts ? { timeouts: { ...config.timeouts } } : {}),
  };
}

/** The shared document for `config` (what is written to etcd). */
export function sharedXml(config: DirectorConfig): string {
  return runningConfigXml(sharedConfig(config));
}

/** Parse a shared document read from etcd (throws `ConfigError`); node sections are dropped. */
export function parseShared(xml: string, source: string): LoadedConfig {
  const loaded = parseConfig(xml, source);
  const config = loaded.config;
  const own: string[] = [];
  if (config.admin) own.push("admin");
  if (Object.keys(config.logging).length > 0) own.push("logging");
  if (config.workers !== undefined) own.push("performance");
  if (config.cluster) own.push("cluster");
  const warnings = [...loaded.warnings];
  if (own.length > 0) {
    warnings.push({
      message: `${source}: ${
        own.map((k) => `<${k}>`).join(", ")
      } ignored: each node keeps its own in its local file`,
    });
  }
  return { ...loaded, config: sharedConfig(config), warnings };
}

/** A node's configuration: the shared document's part, and the node's own sections from `own`. */
export function nodeConfig(own: DirectorConfig, shared: LoadedConfig): LoadedConfig {
  const config: DirectorConfig = {
    ...sharedConfig(shared.config),
    logging: { ...own.logging },
    ...(own.admin ? { admin: structuredClone(own.admin) } : {}),
    ...(own.workers !== undefined ? { workers: own.workers } : {}),
    ...(own.cluster ? { cluster: own.cluster } : {}),
  };
  return { ...shared, config };
}
