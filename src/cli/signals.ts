/**
 * Signals, handled from the first instant of the process: a SIGHUP or
 * SIGTERM that arrives while the config is still loading must not kill
 * Director by the default action. Until the process is ready, signals
 * are remembered and logged; once it is, they are delivered in order —
 * a queued SIGHUP becomes one reload, a queued SIGTERM a drain.
 *
 * | signal              | once ready                                         |
 * | ------------------- | -------------------------------------------------- |
 * | SIGTERM, SIGINT     | drain: refuse new connections, finish, exit 0       |
 * | the second of those | exit at once, status 1                             |
 * | SIGHUP              | reload the config file, applying only what changed |
 * | SIGUSR1             | re-open the log files (logrotate)                   |
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Runtime, SignalName } from "../runtime/types.ts";

export interface SignalHandlers {
  stop(signal: "SIGTERM" | "SIGINT"): void;
  reload(): void;
  reopen(): void;
}

const HANDLED: SignalName[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGUSR1"];

export class Signals {
  #handlers: SignalHandlers | undefined;
  #queued: SignalName[] = [];
  #log: Logger | undefined;

  /** Install the handlers now (call first thing). */
  constructor(runtime: Runtime) {
    for (const signal of HANDLED) runtime.onSignal(signal, () => this.#arrived(signal));
  }

  /** The log to note early signals in, once there is one (those queued so far too). */
  useLog(log: Logger): void {
    this.#log = log;
    for (const signal of this.#queued) {
      log.info("signal_queued", { signal, reason: "still starting" });
    }
  }

  #arrived(signal: SignalName): void {
    if (this.#handlers) return this.#deliver(signal);
    // Starting: keep it for later (once each; a second SIGHUP adds nothing).
    if (!this.#queued.includes(signal)) this.#queued.push(signal);
    this.#log?.info("signal_queued", { signal, reason: "still starting" });
  }

  #deliver(signal: SignalName): void {
    const handlers = this.#handlers!;
    if (signal === "SIGTERM" || signal === "SIGINT") handlers.stop(signal);
    else if (signal === "SIGHUP") handlers.reload();
    else if (signal === "SIGUSR1") handlers.reopen();
  }

  /** The process is ready: deliver what arrived meanwhile, then every signal as it comes. */
  ready(handlers: SignalHandlers): void {
    this.#handlers = handlers;
    for (const signal of this.#queued.splice(0)) this.#deliver(signal);
  }

  /** Signals that arrived before `ready`, for a start that fails anyway. */
  get queued(): readonly SignalName[] {
    return this.#queued;
  }
}
