/**
 * Event logging: one line per event, timestamped, `key=value`, greppable.
 *
 * ```
 * 2026-11-25T15:40:43.123Z level=warn event=host_bad service=web group=main host=two reason="connection refused"
 * ```
 *
 * Lines go to standard error or to a file opened in append mode; `reopen()`
 * closes and re-opens the file so logrotate can move it away (SIGUSR1).
 * Writes are synchronous: a log line is never lost in a crash, and events
 * are rare enough (connections are not logged unless asked) to afford it.
 *
 * @module
 */
import { closeSync, openSync, writeSync } from "node:fs";

export type Level = "debug" | "info" | "warn" | "error";
export type Fields = Record<string, string | number | boolean | undefined | null>;

const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Quote a value when it would otherwise break `key=value` parsing. */
export function formatValue(value: string | number | boolean): string {
  const text = String(value);
  // deno-lint-ignore no-control-regex -- control characters are exactly what must be quoted
  if (text !== "" && /^[^\s"=\\\x00-\x1f\x7f]+$/.test(text)) return text;
  return JSON.stringify(text);
}

/** Render one log line (without the trailing newline). */
export function formatLine(level: Level, event: string, fields: Fields, now = new Date()): string {
  let line = `${now.toISOString()} level=${level} event=${event}`;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    line += ` ${key}=${formatValue(value)}`;
  }
  return line;
}

export class Logger {
  #file?: string;
  #fd = 2;
  #minLevel: number;
  #encoder = new TextEncoder();
  #fields: Fields;

  /** `fields` are added at the end of every line (e.g. `worker=2` in a worker thread). */
  constructor(options: { file?: string; level?: Level; fields?: Fields } = {}) {
    this.#minLevel = LEVELS[options.level ?? "info"];
    this.#fields = options.fields ?? {};
    if (options.file) this.setFile(options.file);
  }

  /** Log to `file` from now on (opened at once so a bad path fails early), or stderr. */
  setFile(file: string | undefined): void {
    const fd = file ? openSync(file, "a") : 2;
    this.#closeFile();
    this.#file = file;
    this.#fd = fd;
  }

  get file(): string | undefined {
    return this.#file;
  }

  /** Re-open the log file (after logrotate moved it). A failure keeps the old descriptor. */
  reopen(): void {
    if (!this.#file) return;
    try {
      this.setFile(this.#file);
      this.info("log_reopened", { file: this.#file });
    } catch (error) {
      this.error("log_reopen_failed", { file: this.#file, reason: errorMessage(error) });
    }
  }

  log(level: Level, event: string, fields: Fields = {}): void {
    if (LEVELS[level] < this.#minLevel) return;
    const all = Object.keys(this.#fields).length ? { ...fields, ...this.#fields } : fields;
    const bytes = this.#encoder.encode(formatLine(level, event, all) + "\n");
    try {
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(this.#fd, bytes, offset);
    } catch {
      // A full disk must not take the balancer down; the line is dropped.
    }
  }

  debug(event: string, fields?: Fields): void {
    this.log("debug", event, fields);
  }
  info(event: string, fields?: Fields): void {
    this.log("info", event, fields);
  }
  warn(event: string, fields?: Fields): void {
    this.log("warn", event, fields);
  }
  error(event: string, fields?: Fields): void {
    this.log("error", event, fields);
  }

  close(): void {
    this.#closeFile();
    this.#fd = 2;
  }

  #closeFile(): void {
    if (this.#fd !== 2) {
      try {
        closeSync(this.#fd);
      } catch {
        // Nothing useful to do if the descriptor is already gone.
      }
    }
  }
}

/** The message of anything thrown, for a log field. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Lines that a flood could repeat (a refused client, an accept error): at
 * most one per key per interval, counting what was held back so the next
 * line can say so (`suppressed=N`). Bounded: past `maxKeys` keys the
 * oldest are forgotten.
 */
export class Throttle {
  #last = new Map<string, { at: number; suppressed: number }>();
  #intervalMs: number;
  #maxKeys: number;

  constructor(intervalMs = 1000, maxKeys = 1024) {
    this.#intervalMs = intervalMs;
    this.#maxKeys = maxKeys;
  }

  /** May a line for `key` be written now? Undefined: no. Otherwise: how many were held back. */
  pass(key: string, now: number): number | undefined {
    const last = this.#last.get(key);
    if (last && now - last.at < this.#intervalMs) {
      last.suppressed++;
      return undefined;
    }
    if (!last && this.#last.size >= this.#maxKeys) {
      this.#last.delete(this.#last.keys().next().value!);
    }
    this.#last.delete(key);
    this.#last.set(key, { at: now, suppressed: 0 });
    return last?.suppressed ?? 0;
  }
}
