/**
 * The running state as a config that loads again.
 *
 * At run time a group can be left without hosts (`delAllHosts`, `newGroup`)
 * and a new service can have no hosts yet, which the config rules refuse
 * (every group needs a host). So that `/running.xml` and `save` always
 * produce a file Director will start from, such groups — and services
 * whose enabled group is empty — are left out, each named in an XML comment
 * at the top of the document.
 *
 * @module
 */
import type { DirectorConfig } from "../config/model.ts";
import { serializeConfigPieces } from "../config/serialize.ts";

/** The loadable part of the running config, and what had to be left out. */
export function loadableRunningConfig(running: DirectorConfig): {
  config: DirectorConfig;
  omitted: string[];
} {
  const omitted: string[] = [];
  const services = [];
  for (const service of running.services) {
    const enabled = service.groups.find((g) => g.name === service.enabledGroup);
    if (!enabled || enabled.hosts.length === 0) {
      omitted.push(`service "${service.name}" (its enabled group has no hosts)`);
      continue;
    }
    const groups = service.groups.filter((g) => {
      if (g.hosts.length > 0) return true;
      const backup = g.name === service.backupGroup ? ", so no backup either" : "";
      omitted.push(`group "${g.name}" of service "${service.name}" (no hosts${backup})`);
      return false;
    });
    // A backup naming a group left out would make the file unloadable.
    const { backupGroup, ...rest } = service;
    const kept = backupGroup !== undefined && groups.some((g) => g.name === backupGroup);
    services.push({ ...rest, groups, ...(kept ? { backupGroup } : {}) });
  }
  return { config: { ...running, services }, omitted };
}

/** `/running.xml`: the running config as XML, with a comment for anything left out. */
export function runningConfigXml(running: DirectorConfig): string {
  return [...runningConfigPieces(running)].join("");
}

/** The same in pieces (a service each), for a view that streams it. */
export function runningConfigPieces(running: DirectorConfig): Generator<string> {
  const { config, omitted } = loadableRunningConfig(running);
  if (omitted.length === 0) return serializeConfigPieces(config);
  // "--" may not appear inside an XML comment.
  const lines = omitted.map((o) => `  left out: ${o.replaceAll("--", "- -")}`);
  const comment = `<!-- Not saved, because a config cannot hold it yet:\n${
    lines.join("\n")
  }\n-->\n`;
  return serializeConfigPieces(config, comment);
}
