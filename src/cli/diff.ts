/**
 * `director diff OLD.xml NEW.xml`: pythondirector's planned `compareconf`.
 *
 * Prints the admin calls that turn the running state of OLD into NEW, as
 * ready-to-run curl commands against the admin (`--admin URL`, default:
 * NEW's admin address). With `--apply --admin URL --user U` it performs
 * them in order (the password from `DIRECTOR_ADMIN_PASSWORD` or a prompt)
 * and stops at the first refusal.
 *
 * Exit status: 0 when the configs are equal (or `--apply` applied
 * everything), 1 when they differ, 2 when a file cannot be loaded or the
 * command line is wrong, 3 when `--apply` was refused.
 *
 * @module
 */
import process from "node:process";
import { loadConfigFile } from "../config/load.ts";
import { ConfigError, type DirectorConfig } from "../config/model.ts";
import { promptHidden } from "./prompt.ts";
import type { Runtime } from "../runtime/types.ts";
import { planCalls, type PlannedCall } from "../changes/plan_calls.ts";

export interface DiffOptions {
  old: string;
  new: string;
  admin?: string;
  user?: string;
  apply: boolean;
}

/** The admin URL to use: the one given, or NEW's admin listen address. */
export function adminUrl(given: string | undefined, config: DirectorConfig): string {
  if (given) return given.replace(/\/+$/, "");
  const admin = config.admin;
  if (!admin) return "http://ADMIN-HOST:PORT";
  const host = admin.listen.hostname === "0.0.0.0"
    ? "127.0.0.1"
    : admin.listen.spec.split(/:(?=\d+$)/)[0];
  return `${admin.secure ? "https" : "http"}://${host}:${admin.listen.port}`;
}

/** The URL of one call; URLSearchParams also encodes quotes, so it is shell-safe in '…'. */
export function callUrl(base: string, call: PlannedCall): string {
  return `${base}/${call.action}?${new URLSearchParams(call.params)}`;
}

async function apply(calls: PlannedCall[], base: string, user: string): Promise<number> {
  const password = process.env.DIRECTOR_ADMIN_PASSWORD ??
    (process.stdin.isTTY ? await promptHidden(`Password for ${user}: `) : "");
  const authorization = "Basic " + btoa(`${user}:${password}`);
  for (const [i, call] of calls.entries()) {
    let status: number, text: string;
    try {
      const res = await fetch(callUrl(base, call), { headers: { authorization } });
      status = res.status;
      text = (await res.text()).trim();
    } catch (error) {
      console.error(`Cannot apply step ${i + 1} (${call.action}): ${(error as Error).message}`);
      return 3;
    }
    if (status !== 200) {
      console.error(
        `refused at step ${i + 1} of ${calls.length} (${call.action}): ${status} ${text}`,
      );
      return 3;
    }
    console.log(`${i + 1}/${calls.length} ${text}`);
  }
  return 0;
}

export async function runDiff(runtime: Runtime, options: DiffOptions): Promise<never> {
  let from: DirectorConfig, to: DirectorConfig;
  try {
    from = loadConfigFile(options.old).config;
    to = loadConfigFile(options.new).config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return runtime.exit(2);
  }
  const plan = planCalls(from, to);
  if (plan.calls.length === 0 && plan.restartNeeded.length === 0) {
    console.log("# no differences");
    return runtime.exit(0);
  }
  const base = adminUrl(options.admin, to);
  if (options.apply) {
    if (!options.admin || !options.user) {
      console.error("Cannot apply: --apply needs --admin URL and --user NAME");
      return runtime.exit(2);
    }
    for (const item of plan.restartNeeded) console.error(`# needs a restart, not applied: ${item}`);
    return runtime.exit(await apply(plan.calls, base, options.user));
  }
  const auth = options.user
    ? `-u '${options.user.replaceAll("'", "'\\''")}'`
    : '-u "$DIRECTOR_ADMIN_USER"';
  console.log(`# ${plan.calls.length} admin call(s) turn ${options.old} into ${options.new}`);
  for (const call of plan.calls) console.log(`curl -fsS ${auth} '${callUrl(base, call)}'`);
  for (const item of plan.restartNeeded) console.log(`# needs a restart (no admin call): ${item}`);
  return runtime.exit(1);
}
