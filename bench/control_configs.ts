/**
 * The configs of the control-plane benchmark (`deno task bench --control`):
 * a generated Director config of `services` × 20 hosts
 * (`test/support/big_config.ts`) plus one service that relays to a local
 * echo backend and an admin block with one user; the same config with one
 * host moved (for "reload with one host changed"); and the HAProxy config
 * with the same services as `listen` sections, for `haproxy -c`.
 *
 * The generated services listen on a run of consecutive ports below the
 * ephemeral range that nothing was using a moment ago; the hosts point at
 * port 9 on 127.0.x.y, which nothing needs to answer (there is no traffic
 * and no health check).
 *
 * @module
 */
import { bigConfig } from "../test/support/big_config.ts";
import { oneHostServiceXml } from "./configs.ts";

export const HOSTS_PER_SERVICE = 20;
/** The admin user the bench logs in as. */
export const ADMIN_USER = "bench";
export const ADMIN_PASSWORD = "bench-control-password";

export interface ControlPorts {
  /** First listen port of the generated services (service i: base + i). */
  base: number;
  /** Where the echo service listens (clients connect here). */
  echoListen: number;
  /** The echo backend (in the bench process). */
  echoBackend: number;
  admin: number;
}

/** The service the echo probe's connection goes through: `listen` → the echo backend. */
export function echoServiceXml(listen: number, backend: number): string {
  return oneHostServiceXml(
    { name: "echo", scheduler: "leastconns", host: "echo" },
    listen,
    backend,
  );
}

/** Director's config: `services` generated services, the echo service, the admin block. */
export function directorControlConfig(
  services: number,
  ports: ControlPorts,
  passwordHash: string,
): string {
  const extraXml = `${echoServiceXml(ports.echoListen, ports.echoBackend)}
  <admin listen="127.0.0.1:${ports.admin}">
    <user name="${ADMIN_USER}" password="${passwordHash}" access="full"/>
  </admin>
  <timeouts admin-request="120"/>`;
  return bigConfig({
    services,
    hostsPerService: HOSTS_PER_SERVICE,
    basePort: ports.base,
    extraXml,
  });
}

/** The first host of the first service, as `bigConfig` writes it. */
const FIRST_HOST = /<host name="h0" ip="127\.0\.1\.1:9"\/>/;

/** The same config with the first host of the first service on another port. */
export function withOneHostChanged(xml: string): string {
  if (!FIRST_HOST.test(xml)) throw new Error("Cannot change one host: svc0/h0 not found");
  return xml.replace(FIRST_HOST, '<host name="h0" ip="127.0.1.1:10"/>');
}

/** HAProxy's equivalent: one `listen` section per service, `mode tcp`, 20 `server` lines each. */
export function haproxyControlConfig(services: number, ports: ControlPorts): string {
  const parts = [
    `global\n  maxconn 100000\ndefaults\n  mode tcp\n  balance leastconn\n`,
    `  timeout connect 5s\n  timeout client 300s\n  timeout server 300s\n`,
  ];
  for (let i = 0; i < services; i++) {
    parts.push(`listen svc${i}\n  bind 127.0.0.1:${ports.base + i}\n`);
    for (let j = 0; j < HOSTS_PER_SERVICE; j++) {
      const ip = `127.0.${1 + Math.floor(j / 250) % 250}.${1 + (j % 250)}`;
      parts.push(`  server h${j} ${ip}:9\n`);
    }
  }
  parts.push(
    `listen echo\n  bind 127.0.0.1:${ports.echoListen}\n`,
    `  server echo 127.0.0.1:${ports.echoBackend}\n`,
  );
  return parts.join("");
}

/** Local ports in use by a TCP socket (listening or not, TIME_WAIT aside), from /proc. */
function portsInUse(): Set<number> {
  const used = new Set<number>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = Deno.readTextFileSync(file);
    } catch {
      continue; // No IPv6 on this machine.
    }
    for (const line of text.split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      // TIME_WAIT (06) does not keep a listener (SO_REUSEADDR) off the port; a machine busy
      // with other tests has thousands of them scattered over the range.
      if (local && state !== "06") used.add(parseInt(local.split(":")[1], 16));
    }
  }
  return used;
}

/**
 * `count` consecutive ports, all unused a moment ago, between 20000 and the
 * start of the ephemeral range (32768), so that no outgoing connection of
 * another program takes one of them while the bench runs.
 */
export function freePortRun(count: number): number {
  const used = portsInUse();
  let start = 20000;
  for (let port = start; port < 32768; port++) {
    if (used.has(port)) start = port + 1;
    else if (port - start + 1 === count) return start;
  }
  throw new Error(`Cannot find ${count} free consecutive ports below 32768`);
}
