/**
 * Probes for the reliability tests: what a running Director process holds
 * (open descriptors, resident memory, from `/proc/PID/…`), its admin JSON
 * and metrics, Director configs with an admin block, and a Director started
 * under a shell (for `ulimit`).
 *
 * Everything here is bounded: every wait has a deadline, every loop a count.
 *
 * @module
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hashPassword } from "../../src/passwords/passwords.ts";
import type { StatusSnapshot } from "../../src/admin/views/status.ts";
import { directorCommand, runDirector, tempDir, workerArgs } from "../integration/harness.ts";
import { waitUntil } from "../support/wait.ts";

export const ADMIN_USER = "ops";
export const ADMIN_PASSWORD = "rel-secret";
/** bcrypt cost 4: fast to check, the admin tests are not about password strength. */
export const ADMIN_HASH = await hashPassword(ADMIN_PASSWORD, 4);
export const AUTH = "Basic " + btoa(`${ADMIN_USER}:${ADMIN_PASSWORD}`);

// -- the process ---------------------------------------------------------------

/** Open file descriptors of process `pid` (Linux `/proc`). */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** What the descriptors of `pid` point at, counted by kind (socket, anon_inode:[eventfd], …). */
export function fdKinds(pid: number): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = "?";
    try {
      target = Deno.readLinkSync(`/proc/${pid}/fd/${fd}`).replace(/\[\d+\]$/, "");
    } catch {
      // Closed between the listing and the read.
    }
    kinds[target] = (kinds[target] ?? 0) + 1;
  }
  return kinds;
}

/** Resident set size of `pid` in KiB (`VmRSS` of `/proc/PID/status`). */
export function rssKiB(pid: number): number {
  const match = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

export const mib = (kib: number) => (kib / 1024).toFixed(1);

/** Is process `pid` still alive (and not a zombie)? */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

export { waitUntil };

/**
 * Wait until `pid` holds at most `baseline + tolerance` descriptors; returns
 * the count (throws with the kinds of descriptors held if it never does).
 */
export async function fdsSettle(
  pid: number,
  baseline: number,
  tolerance = 2,
  ms = 5000,
): Promise<number> {
  try {
    return await waitUntil(
      () => {
        const n = fdCount(pid);
        return n <= baseline + tolerance ? n : 0;
      },
      ms,
      "descriptors back to baseline",
    );
  } catch {
    const now = fdCount(pid);
    throw new Error(
      `Director holds ${now} descriptors ${ms} ms after the clients finished, ` +
        `baseline ${baseline} (±${tolerance}): ${JSON.stringify(fdKinds(pid))}`,
    );
  }
}

// -- the admin server -----------------------------------------------------------

/**
 * An HTTP client without keep-alive: an idle pooled admin connection would
 * count as a descriptor of Director's, and these tests count descriptors.
 */
const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });

export interface Admin {
  port: number;
  /** GET (or `init.method`) `path`, authenticated, with a time limit. */
  request(path: string, init?: RequestInit, ms?: number): Promise<Response>;
  text(path: string, ms?: number): Promise<string>;
  status(ms?: number): Promise<StatusSnapshot>;
  /** Open connections: the process total and the sum of every host's `open`. */
  open(): Promise<{ total: number; hosts: number }>;
  /** Wait until no connection is open (process and hosts); throws with the counts. */
  idle(ms?: number): Promise<void>;
  /** A `/metrics` sample value (first series of that name matching `labels`). */
  metric(name: string, labels?: string): Promise<number | undefined>;
}

export function admin(port: number): Admin {
  const request = async (path: string, init: RequestInit = {}, ms = 10_000) => {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", AUTH);
    // `client` is Deno's fetch extension, unknown to the DOM RequestInit type.
    const options = { ...init, headers, client, signal: AbortSignal.timeout(ms) };
    return await fetch(`http://127.0.0.1:${port}${path}`, options as RequestInit);
  };
  const text = async (path: string, ms = 10_000) => {
    const response = await request(path, {}, ms);
    const body = await response.text();
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${body}`);
    return body;
  };
  const status = async (ms = 10_000) => JSON.parse(await text("/api/v1/status", ms));
  const open = async () => {
    const s: StatusSnapshot = await status();
    let hosts = 0;
    for (const service of s.services) {
      for (const group of service.groups) for (const host of group.hosts) hosts += host.open;
    }
    return { total: s.openConnections, hosts };
  };
  return {
    port,
    request,
    text,
    status,
    open,
    // 20 s: on a loaded machine one status request alone can take seconds.
    async idle(ms = 20_000) {
      let last = { total: -1, hosts: -1 };
      try {
        await waitUntil(
          async () => {
            last = await open();
            return last.total === 0 && last.hosts === 0;
          },
          ms,
          "open connections back to 0",
          100,
        );
      } catch (error) {
        const counts = last.total === -1
          ? `unknown (no status answer: ${(error as Error).message})`
          : `${last.total} (hosts: ${last.hosts})`;
        throw new Error(`open connections still ${counts} ${ms} ms after the clients`);
      }
    },
    async metric(name: string, labels = "") {
      const body = await text("/metrics");
      for (const line of body.split("\n")) {
        if (!line.startsWith(name)) continue;
        const rest = line.slice(name.length);
        if (!/^[{ ]/.test(rest) || !rest.includes(labels)) continue;
        return Number(rest.slice(rest.lastIndexOf(" ") + 1));
      }
      return undefined;
    },
  };
}

/** The `<admin>` block for a config: user `ops`, full access. */
export function adminBlock(port: number): string {
  return `<admin listen="127.0.0.1:${port}">
    <user name="${ADMIN_USER}" password="${ADMIN_HASH}" access="full"/>
  </admin>`;
}

export interface ServiceSpec {
  name?: string;
  listen: number;
  hosts: number[];
  scheduler?: string;
  /** Extra attributes of `<group>` (e.g. `connect-timeout="1"`). */
  groupAttrs?: string;
  /** Extra attributes of `<service>` (e.g. `idle-timeout="2"`). */
  serviceAttrs?: string;
}

/** A config: the services, an admin block on `adminPort`, and `checktime`. */
export function configWithAdmin(
  services: ServiceSpec[],
  adminPort: number,
  options: { checktime?: number; extra?: string } = {},
): string {
  const blocks = services.map((s, i) => {
    const hosts = s.hosts.map((port, j) => `      <host name="h${j}" ip="127.0.0.1:${port}"/>`);
    return `  <service name="${s.name ?? `svc${i}`}" ${s.serviceAttrs ?? ""}>
    <listen ip="127.0.0.1:${s.listen}"/>
    <group name="main" scheduler="${s.scheduler ?? "roundrobin"}" ${s.groupAttrs ?? ""}>
${hosts.join("\n")}
    </group>
    <enable group="main"/>
  </service>`;
  });
  return `<pdconfig>
${blocks.join("\n")}
  ${adminBlock(adminPort)}
  <checktime time="${options.checktime ?? 120}"/>
${options.extra ?? ""}
</pdconfig>
`;
}

// -- Director under a shell -----------------------------------------------------

/**
 * Start Director through `bash -c '<prefix>; exec <director command>'`, so a
 * shell setting such as `ulimit -n 256` applies to it. `exec` keeps the PID,
 * so the returned PID is Director's own. Resolves once it logged `started`.
 */
export async function startDirectorUnderShell(xml: string, prefix: string) {
  const dir = tempDir();
  const configPath = join(dir, "director.xml");
  writeFileSync(configPath, xml);
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const args = ["--config", configPath];
  const command = [...directorCommand(), ...args, ...workerArgs(args)].map(quote).join(" ");
  const director = runDirector([], {
    command: ["bash", "-c", `${prefix}; exec ${command}`],
    shell: true,
  });
  await director.waitFor(/event=started/);
  return Object.assign(director, { configPath, dir });
}
