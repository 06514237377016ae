/**
 * Generated pythondirector configs of any size, for the control-plane
 * tests and the `--control` benchmark: `services` services, each with one
 * listen address and one `leastconns` group of `hostsPerService` hosts.
 *
 * Hosts point at 127.0.0.1 ports that nothing needs to answer on (the
 * control plane never connects to them unless traffic or a check asks).
 *
 * @module
 */

export interface BigConfigOptions {
  services: number;
  hostsPerService: number;
  /** First listen port; service `i` listens on `listenHost:basePort + i`. */
  basePort?: number;
  /** The listen address of every service (default 127.0.0.1). */
  listenHost?: string;
  /** Scheduler of every group (default `leastconns`). */
  scheduler?: string;
  /** XML inserted before `</pdconfig>` (an `<admin>` block, one more service, …). */
  extraXml?: string;
  /** Port the hosts point at (default 9); host `j` is `127.0.0.(1 + j % 250):port`. */
  hostPort?: number;
}

/** The config as XML text. */
export function bigConfig(options: BigConfigOptions): string {
  const basePort = options.basePort ?? 30000;
  const scheduler = options.scheduler ?? "leastconns";
  const hostPort = options.hostPort ?? 9;
  const parts = ["<pdconfig>\n"];
  for (let i = 0; i < options.services; i++) {
    const listen = `${options.listenHost ?? "127.0.0.1"}:${basePort + i}`;
    parts.push(`  <service name="svc${i}">\n    <listen ip="${listen}"/>\n`);
    parts.push(`    <group name="main" scheduler="${scheduler}">\n`);
    for (let j = 0; j < options.hostsPerService; j++) {
      const ip = `127.0.${1 + Math.floor(j / 250) % 250}.${1 + (j % 250)}`;
      parts.push(`      <host name="h${j}" ip="${ip}:${hostPort}"/>\n`);
    }
    parts.push(`    </group>\n    <enable group="main"/>\n  </service>\n`);
  }
  if (options.extraXml) parts.push(options.extraXml, "\n");
  parts.push("</pdconfig>\n");
  return parts.join("");
}
