/**
 * Command-line parsing (`node:util` `parseArgs`, kept to this one module).
 *
 * @module
 */
import { parseArgs } from "node:util";
import pkg from "../../package.json" with { type: "json" };
import { LIMITS } from "../config/defaults.ts";

export const VERSION: string = pkg.version;

export const USAGE = `director ${VERSION} — a TCP load balancer (successor of pythondirector)

Usage:
  director [--config FILE] [--demo]     run the balancer (foreground; logs to stderr or <logging file>)
  director --replace PID --config FILE  start beside the running Director PID, then make it drain
  director --check [--config FILE]      validate the config, print a summary, bind nothing
  director hash-password                read a password (prompt or stdin), print a bcrypt hash
  director diff OLD.xml NEW.xml [--admin URL] [--user NAME] [--apply]
                                        print (or apply) the admin calls that turn OLD into NEW;
                                        exit 0 equal, 1 different, 2 bad input, 3 apply refused
  director health [--admin URL | --config FILE]
                                        exit 0 if the running Director's /healthz says ok
                                        (every listener bound, config applied), else 1
  director --version | --help

Options:
  -c, --config FILE   XML config file (pythondirector format); default: the embedded demo config
      --check         validate only: exit 0 if the config loads, 1 with the errors if not
      --demo          also start three demo backends on 127.0.0.1:9001-9003
      --workers N     worker threads sharing the listen ports (SO_REUSEPORT) and one balancing
                      state; "auto" = one per core; overrides <performance workers>; default 1
      --replace PID   bind every listener beside process PID (SO_REUSEPORT), and once ready
                      send it SIGTERM: an upgrade or restart that drops no connection
      --admin URL     diff, health: the admin base URL (default: the config's admin address)
      --user NAME     diff: the admin user (password from DIRECTOR_ADMIN_PASSWORD or a prompt)
      --apply         diff: perform the calls in order, stop at the first refusal
  -V, --version       print the version and the runtime
  -h, --help          print this help

Signals:
  SIGTERM, SIGINT     stop accepting at once, let open connections finish, exit 0;
                      a second signal exits at once (status 1)
  SIGHUP              reload the config file, applying only what changed
  SIGUSR1             re-open the log file (for logrotate)
`;

export type Command =
  | {
    kind: "run";
    config?: string;
    demo: boolean;
    workers?: number | "auto";
    /** `--replace PID`: the running Director to take over from. */
    replace?: number;
  }
  | { kind: "check"; config?: string }
  | { kind: "hash-password" }
  | { kind: "health"; admin?: string; config?: string }
  | { kind: "diff"; old: string; new: string; admin?: string; user?: string; apply: boolean }
  | { kind: "version" }
  | { kind: "help" };

/** Raised for a command line that cannot be understood; the message is for the user. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const OPTIONS = {
  config: { type: "string", short: "c" },
  check: { type: "boolean" },
  demo: { type: "boolean" },
  admin: { type: "string" },
  user: { type: "string" },
  apply: { type: "boolean" },
  workers: { type: "string" },
  replace: { type: "string" },
  version: { type: "boolean", short: "V" },
  help: { type: "boolean", short: "h" },
} as const;

export function parseCommandLine(args: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: OPTIONS });
  } catch (error) {
    throw new UsageError(`Cannot parse the command line: ${(error as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const diffOnly = values.admin !== undefined || values.user !== undefined || values.apply;
  if (positionals[0] === "diff") {
    if (positionals.length !== 3) {
      throw new UsageError("Cannot diff: give two files, OLD.xml NEW.xml");
    }
    const [, old, next] = positionals;
    return {
      kind: "diff",
      old,
      new: next,
      admin: values.admin,
      user: values.user,
      apply: !!values.apply,
    };
  }
  if (positionals[0] === "health" && positionals.length === 1) {
    if (values.user !== undefined || values.apply) {
      throw new UsageError("Cannot check health: --user and --apply go with diff");
    }
    return { kind: "health", admin: values.admin, config: values.config };
  }
  if (diffOnly) throw new UsageError("Cannot run: --admin, --user and --apply go with diff");
  if (positionals.length > 0) {
    if (positionals[0] === "hash-password" && positionals.length === 1) {
      return { kind: "hash-password" };
    }
    throw new UsageError(`Cannot run: unknown command "${positionals.join(" ")}"`);
  }
  if (values.config === "") throw new UsageError("Cannot run: --config needs a file name");
  if (values.check) return { kind: "check", config: values.config };
  const workers = values.workers === undefined ? undefined : workersOption(values.workers);
  const replace = values.replace === undefined ? undefined : replaceOption(values.replace);
  return {
    kind: "run",
    config: values.config,
    demo: values.demo ?? false,
    workers,
    ...(replace === undefined ? {} : { replace }),
  };
}

/** `--replace PID`: the process id of the Director this one replaces. */
function replaceOption(text: string): number {
  const pid = Number(text);
  if (!(Number.isInteger(pid) && pid > 1)) {
    throw new UsageError(`Cannot run: --replace needs a process id, not "${text}"`);
  }
  return pid;
}

/** `--workers N|auto`, with the same cap as `<performance workers>`. */
function workersOption(text: string): number | "auto" {
  if (text === "auto") return "auto";
  const workers = Number(text);
  if (!(Number.isInteger(workers) && workers >= 1 && workers <= LIMITS.workers)) {
    throw new UsageError(
      `Cannot run: --workers must be a number from 1 to ${LIMITS.workers} or "auto", not "${text}"`,
    );
  }
  return workers;
}
