/**
 * Skips with a reason, for tests that need a program this machine may lack
 * (python3, openssl, chromium, nginx, etcd…) or a condition it may not meet:
 *
 * ```ts
 * test("a connect that times out…", requireTool("python3"), async () => { … });
 * describe("against a real etcd", requireTool("etcd"), () => { … });
 * test("…", skipUnless(hasIPv6, "no IPv6 loopback"), async () => { … });
 * ```
 *
 * Each returns node:test options, `{ skip: false }` or `{ skip: reason }`,
 * so a missing tool skips the test with a message instead of failing it.
 * When a test is skipped, the reason and the calling file are appended to
 * the file named by `DIRECTOR_SKIP_LOG` (set by `tools/test.ts` for each
 * run), from which the summary counts the skips per reason. `.ci/run`
 * installs every tool listed here, so CI skips none of these.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync } from "node:fs";
import { relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** How to tell each tool is there, and the Debian package that brings it. */
const TOOLS = {
  python3: { present: () => runs("python3", "--version"), apt: "python3" },
  openssl: { present: () => runs("openssl", "version"), apt: "openssl" },
  chromium: { present: () => existsSync("/usr/bin/chromium"), apt: "chromium" },
  nginx: {
    present: () =>
      existsSync("/usr/sbin/nginx") &&
      existsSync("/usr/lib/nginx/modules/ngx_stream_module.so"),
    apt: "nginx libnginx-mod-stream",
  },
  etcd: { present: () => runs(process.env.ETCD_BIN ?? "etcd", "--version"), apt: "etcd-server" },
  etcdctl: {
    present: () => runs(process.env.ETCDCTL_BIN ?? "etcdctl", "version"),
    apt: "etcd-client",
  },
  haproxy: { present: () => runs("haproxy", "-v"), apt: "haproxy" },
  keepalived: { present: () => runs("keepalived", "--version"), apt: "keepalived" },
  ip: { present: () => runs("ip", "-V"), apt: "iproute2" },
  bash: { present: () => runs("bash", "--version"), apt: "bash" },
} as const;

export type Tool = keyof typeof TOOLS;

/** Does `cmd arg` run and exit 0? */
function runs(cmd: string, arg: string): boolean {
  try {
    return spawnSync(cmd, [arg], { stdio: "ignore", timeout: 10_000 }).status === 0;
  } catch {
    return false;
  }
}

const known = new Map<Tool, boolean>();

/** Is `tool` installed here? (Asked once per process.) */
export function hasTool(tool: Tool): boolean {
  if (!known.has(tool)) known.set(tool, TOOLS[tool].present());
  return known.get(tool)!;
}

/** Skip unless every tool named is installed; the reason names the missing ones. */
export function requireTool(...tools: Tool[]): { skip: string | false } {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length === 0) return { skip: false };
  const apt = missing.map((t) => TOOLS[t].apt).join(" ");
  return skip(`needs ${missing.join(", ")} (apt-get install ${apt})`, callerFile());
}

/** Skip with `reason` unless `condition` holds (for needs that are not a program). */
export function skipUnless(condition: boolean, reason: string): { skip: string | false } {
  return condition ? { skip: false } : skip(reason, callerFile());
}

function skip(reason: string, file: string): { skip: string } {
  const log = process.env.DIRECTOR_SKIP_LOG;
  if (log) {
    try {
      appendFileSync(log, JSON.stringify({ file, reason }) + "\n");
    } catch {
      // The count is a report, not part of the test.
    }
  }
  return { skip: reason };
}

/** The test file that called the exported helper, as the JUnit reports name it (`./test/…`). */
function callerFile(): string {
  const stack = new Error().stack?.split("\n") ?? [];
  // [0] "Error", [1] callerFile, [2] skip helper, [3] the test file.
  // Deno writes file URLs, Bun plain paths.
  const match = stack[3]?.match(/(file:\/\/\/[^\s()]+?|\/[^\s():]+):\d+:\d+/);
  if (!match) return "unknown";
  const path = match[1].startsWith("file:") ? fileURLToPath(match[1]) : match[1];
  return `./${relative(ROOT, path)}`;
}
