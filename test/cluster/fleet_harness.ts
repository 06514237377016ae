/**
 * Director nodes of one fleet for tests: each a real process with its own
 * local file (its admin on its own 127.0.0.x address, a `<cluster>`
 * pointing at the test's etcd) and admin helpers. The shared services
 * listen on one loopback port that every node binds (SO_REUSEPORT).
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { freePort, runDirector, type RunningDirector, tempDir } from "../integration/harness.ts";

export const USER = { name: "ops", password: "fleet-secret" };
const HASH = await hashPassword(USER.password, 4);
const AUTH = "Basic " + btoa(`${USER.name}:${USER.password}`);

/** The shared part of a node's local file: one service with the given hosts. */
export function serviceXml(listenPort: number, hosts: { name: string; port: number }[]): string {
  const lines = hosts.map((h) => `      <host name="${h.name}" ip="127.0.0.1:${h.port}"/>`);
  return `  <service name="web">
    <listen ip="127.0.0.1:${listenPort}"/>
    <group name="main" scheduler="roundrobin">
${lines.join("\n")}
    </group>
    <enable group="main"/>
  </service>`;
}

export interface FleetNode extends RunningDirector {
  name: string;
  admin: string;
  /** The node's local file. */
  config: string;
  /** GET an admin path as the full user; resolves status and body. */
  get(path: string): Promise<{ status: number; body: string }>;
}

/** Start node `index` (admin on 127.0.0.1x) with `services` in its local file; does not wait. */
export async function startNode(options: {
  index: number;
  etcd: string;
  prefix: string;
  services: string;
  /** Extra arguments, e.g. `--replace PID`. */
  args?: string[];
}): Promise<FleetNode> {
  const name = `node${options.index}`;
  const admin = `127.0.0.${10 + options.index}:${await freePort()}`;
  const dir = tempDir();
  const config = join(dir, "director.xml");
  writeFileSync(
    config,
    `<pdconfig>
${options.services}
  <admin listen="${admin}"><user name="${USER.name}" password="${HASH}" access="full"/></admin>
  <checktime time="30"/>
  <cluster etcd="${options.etcd}" prefix="${options.prefix}" node="${name}"/>
</pdconfig>
`,
  );
  const director = runDirector(["--config", config, ...(options.args ?? [])]);
  const base = `http://${admin}`;
  return Object.assign(director, {
    name,
    admin: base,
    config,
    async get(path: string) {
      const res = await fetch(base + path, {
        headers: { authorization: AUTH },
        signal: AbortSignal.timeout(15_000),
      });
      return { status: res.status, body: await res.text() };
    },
  });
}

/** Host names in a node's `/running.txt`. */
export async function hostNames(node: FleetNode): Promise<string[]> {
  const { body } = await node.get("/running.txt");
  return [...body.matchAll(/^(?:host|disabled) (\S+) /gm)].map((m) => m[1]).sort();
}
