/**
 * The access log: one line per finished (or refused) client connection,
 * when `<logging access="yes">` or `access-file="…"` asks for it — in the
 * event log, or in its own file. Each data-plane thread writes its own
 * lines (appends of whole lines, so threads never interleave a line).
 *
 * @module
 */
import type { LoggingConfig } from "../config/model.ts";
import { Logger } from "../log.ts";
import type { RelayEnd } from "../runtime/types.ts";

/** One access-log record: a finished (or refused) client connection. */
export interface AccessRecord {
  service: string;
  group: string;
  client: string;
  host?: string;
  ip?: string;
  connectMs?: number;
  durationMs: number;
  bytesIn: number;
  bytesOut: number;
  end: RelayEnd | "no_host" | "client_gone" | "idle_timeout";
  failovers: number;
}

export class AccessLog {
  #events: Logger;
  #file: Logger | undefined;
  /** What sessions call per connection; undefined while the access log is off. */
  writer: ((record: AccessRecord) => void) | undefined;

  constructor(events: Logger, logging: LoggingConfig) {
    this.#events = events;
    this.configure(logging);
  }

  configure(logging: LoggingConfig): void {
    this.#file?.close();
    this.#file = undefined;
    const { access, accessFile } = logging;
    if (!access && !accessFile) {
      this.writer = undefined;
      return;
    }
    const log = accessFile ? (this.#file = new Logger({ file: accessFile })) : this.#events;
    this.writer = (r) =>
      log.info("access", {
        service: r.service,
        group: r.group,
        client: r.client,
        host: r.host,
        ip: r.ip,
        connect_ms: r.connectMs?.toFixed(1),
        duration_ms: r.durationMs.toFixed(1),
        bytes_in: r.bytesIn,
        bytes_out: r.bytesOut,
        end: r.end,
        failovers: r.failovers,
      });
  }

  reopen(): void {
    this.#file?.reopen();
  }
}
