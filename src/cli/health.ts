/**
 * `director health [--admin URL] [--config FILE]`: ask a running
 * Director's `/healthz` and exit 0 only if it answers 200 `ok` — every
 * listener bound, the configuration applied, not draining. Made for
 * keepalived's `vrrp_script` (docs/fleet.md), so it is quick and quiet:
 * one word on stdout, or one "Cannot …" line on stderr, and a bounded wait.
 *
 * The address is `--admin URL`, else the `<admin listen>` of `--config
 * FILE` (or of the embedded config).
 *
 * @module
 */
import type { Runtime } from "../runtime/types.ts";
import { adminUrl } from "./diff.ts";
import { loadConfig } from "./run.ts";

/** How long a health check may take before it counts as failed. */
const HEALTH_TIMEOUT_MS = 3000;

export interface HealthOptions {
  admin?: string;
  config?: string;
}

/** Ask `/healthz`; resolves the exit status (0 healthy, 1 not) and what to print. */
export async function checkHealth(base: string): Promise<{ code: 0 | 1; line: string }> {
  const url = `${base.replace(/\/+$/, "")}/healthz`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    const word = (await response.text()).trim().slice(0, 40);
    return { code: response.status === 200 && word === "ok" ? 0 : 1, line: word };
  } catch (error) {
    const reason = (error as Error).name === "TimeoutError"
      ? `no answer within ${HEALTH_TIMEOUT_MS} ms`
      : (error as Error).message;
    return { code: 1, line: `Cannot check health at ${url}: ${reason}` };
  }
}

export async function runHealth(runtime: Runtime, options: HealthOptions): Promise<never> {
  const base = options.admin ?? adminUrl(undefined, loadConfig(runtime, options.config).config);
  const { code, line } = await checkHealth(base);
  if (code === 0) console.log(line);
  else if (line.startsWith("Cannot")) console.error(line);
  else console.log(line);
  return runtime.exit(code);
}
