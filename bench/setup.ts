/**
 * The tools the benchmark needs (installed via apt when running as root,
 * otherwise the exact install command is printed), their versions, and the
 * machine notes that go at the top of every result file.
 *
 * @module
 */
import { runTool } from "./proc.ts";

export const APT_PACKAGES = ["haproxy", "nginx", "libnginx-mod-stream", "wrk", "iperf3"];
export const INSTALL_COMMAND = `apt-get install -y ${APT_PACKAGES.join(" ")}`;

/** Absolute paths of the external programs. */
export interface Tools {
  haproxy: string;
  nginx: string;
  wrk: string;
  iperf3: string;
  taskset: string | undefined;
  /** The `load_module …;` line nginx needs for `stream {}` ("" when built in). */
  streamModule: string;
}

const STREAM_MODULE_PATHS = [
  "/usr/lib/nginx/modules/ngx_stream_module.so",
  "/usr/lib64/nginx/modules/ngx_stream_module.so",
  "/usr/share/nginx/modules/ngx_stream_module.so",
  "/usr/local/nginx/modules/ngx_stream_module.so",
];

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Find `name` on PATH or in the sbin directories (not on a non-root PATH). */
export function which(name: string): string | undefined {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter((d) => d !== "");
  dirs.push("/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin");
  return dirs.map((d) => `${d}/${name}`).find(isFile);
}

async function streamModuleLine(nginx: string | undefined): Promise<string | undefined> {
  const path = STREAM_MODULE_PATHS.find(isFile);
  if (path) return `load_module ${path};`;
  if (!nginx) return undefined;
  const { output } = await runTool([nginx, "-V"], { timeoutMs: 5000 });
  // Built in statically: `--with-stream` without `=dynamic`.
  if (/--with-stream(\s|$)/.test(output)) return "";
  return undefined;
}

async function findTools(): Promise<{ tools?: Tools; missing: string[] }> {
  const found = {
    haproxy: which("haproxy"),
    nginx: which("nginx"),
    wrk: which("wrk"),
    iperf3: which("iperf3"),
  };
  const missing = Object.entries(found).filter(([, v]) => !v).map(([k]) => k);
  const streamModule = await streamModuleLine(found.nginx);
  if (streamModule === undefined) missing.push("nginx stream module (libnginx-mod-stream)");
  if (missing.length > 0) return { missing };
  return {
    missing,
    tools: {
      ...(found as Omit<Tools, "taskset" | "streamModule">),
      taskset: which("taskset"),
      streamModule: streamModule!,
    },
  };
}

/** The tools, installing them first when missing and running as root; throws otherwise. */
export async function ensureTools(log: (line: string) => void): Promise<Tools> {
  let { tools, missing } = await findTools();
  if (tools) return tools;
  if (Deno.uid() === 0) {
    log(`missing: ${missing.join(", ")}; installing: apt-get update && ${INSTALL_COMMAND}`);
    const env = ["env", "DEBIAN_FRONTEND=noninteractive"];
    await runTool([...env, "apt-get", "update", "-qq"], { timeoutMs: 180_000 });
    const r = await runTool([...env, "apt-get", "install", "-y", "-qq", ...APT_PACKAGES], {
      timeoutMs: 300_000,
    });
    if (r.code !== 0) log(`apt-get install failed:\n${r.output.slice(-1500)}`);
    ({ tools, missing } = await findTools());
    if (tools) return tools;
  }
  throw new Error(
    `missing: ${missing.join(", ")}. Install them (as root) with:\n  ${INSTALL_COMMAND}`,
  );
}

export async function firstLine(argv: string[], pattern: RegExp): Promise<string> {
  try {
    const { output } = await runTool(argv, { timeoutMs: 10_000 });
    return output.split("\n").find((l) => pattern.test(l))?.trim() ?? "?";
  } catch (error) {
    return `? (${(error as Error).message})`;
  }
}

/** The Director source measured: commit, and whether `src/` has uncommitted changes. */
export async function directorSource(root: string): Promise<string> {
  const head = await runTool(["git", "-C", root, "rev-parse", "--short", "HEAD"], {
    timeoutMs: 5000,
  });
  if (head.code !== 0) return "unknown (not a git checkout)";
  const dirty = await runTool(["git", "-C", root, "status", "--porcelain", "src"], {
    timeoutMs: 5000,
  });
  return `commit ${head.stdout.trim()}${
    dirty.stdout.trim() ? " + uncommitted changes in src/" : ""
  }`;
}

/** One version line per program. */
export async function toolVersions(
  tools: Tools,
  bun: string | undefined,
  root: string,
  binary: string | undefined,
): Promise<Record<string, string>> {
  return {
    director: await directorSource(root),
    "dist/director": binary ? await firstLine([binary, "--version"], /director/) : "not built",
    haproxy: await firstLine([tools.haproxy, "-v"], /version/i),
    nginx: await firstLine([tools.nginx, "-v"], /version/i),
    wrk: await firstLine([tools.wrk, "-v"], /wrk/),
    iperf3: await firstLine([tools.iperf3, "-v"], /iperf/),
    deno: `deno ${Deno.version.deno} (V8 ${Deno.version.v8}) at ${Deno.execPath()}`,
    bun: bun ? `bun ${await firstLine([bun, "--version"], /\d/)} at ${bun}` : "not found",
  };
}

function read(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/** Cores, CPU model, kernel, memory, load. */
export function machineNotes(): {
  cores: number;
  model: string;
  kernel: string;
  memory: string;
  load: string;
} {
  const cpuinfo = read("/proc/cpuinfo");
  const memKiB = Number(read("/proc/meminfo").match(/^MemTotal:\s+(\d+)/m)?.[1] ?? 0);
  return {
    cores: (cpuinfo.match(/^processor\s*:/gm) ?? []).length || navigator.hardwareConcurrency,
    model: cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1]?.trim() ?? "unknown",
    kernel: read("/proc/sys/kernel/osrelease").trim() || Deno.osRelease(),
    memory: `${(memKiB / 1024 / 1024).toFixed(1)} GiB`,
    load: read("/proc/loadavg").split(" ").slice(0, 3).join(" "),
  };
}

/** Hard limit on open files for children (`ulimit -Hn`), as the shell sees it. */
export async function hardNofile(): Promise<number> {
  const { output } = await runTool(["sh", "-c", "ulimit -Hn"], { timeoutMs: 5000 });
  const text = output.trim();
  return text === "unlimited" ? 1_048_576 : Number(text) || 1024;
}
