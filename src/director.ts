/**
 * Director's running instance: the balancer, the listeners of every
 * service, the recovery task, and the connections in progress.
 *
 * Starting is all-or-nothing: if any listen address cannot be bound, the
 * ones already bound are closed again and `start` throws one clear error.
 *
 * @module
 */
import { Balancer } from "./balancer/balancer.ts";
import { HealthChecker } from "./balancer/health.ts";
import { Recovery } from "./balancer/recovery.ts";
import { probeConnect, runCheck } from "./proxy/check_probe.ts";
import type { Service } from "./balancer/service.ts";
import type {
  AdminConfig,
  DirectorConfig,
  ListenConfig,
  LoadedConfig,
  TimeoutsConfig,
} from "./config/model.ts";
import { IdleSweeper } from "./proxy/idle.ts";
import { Logger } from "./log.ts";
import { ConnectionTracker, ServiceListener } from "./proxy/listener.ts";
import { serveClient, type SessionDeps } from "./proxy/session.ts";
import type { Conn, Runtime } from "./runtime/types.ts";

export interface DirectorOptions {
  runtime: Runtime;
  log: Logger;
  /** The config as loaded at start (served as `/config.xml`). */
  loaded: LoadedConfig;
  /** The file it came from, which `save` overwrites; none for the embedded default. */
  configPath?: string;
  /**
   * A worker process of a multi-process Director: listen with SO_REUSEPORT
   * and leave recovery and health checks to the supervisor.
   */
  worker?: boolean;
  /**
   * The supervisor of worker processes: it keeps the running state and runs
   * recovery and checks, but binds no data port (it only checks that each
   * address could be bound, so a busy port is reported clearly).
   */
  supervisor?: boolean;
}

export class Director {
  readonly runtime: Runtime;
  readonly log: Logger;
  /** The config as last loaded from its file (at start, or by a reload). */
  loaded: LoadedConfig;
  readonly configPath: string | undefined;
  readonly worker: boolean;
  readonly supervisor: boolean;
  /** The worker processes, when this is their supervisor (for views and metrics). */
  workerInfo: (() => { count: number; restarts: number; list: unknown[] }) | undefined;
  /** Connections in progress as the workers report them (supervisor only). */
  reportedConnections: number | undefined;
  readonly balancer: Balancer;
  readonly recovery: Recovery;
  readonly health: HealthChecker;
  readonly connections = new ConnectionTracker();
  readonly startedAt = new Date();
  /** Admin settings as running (users change at run time). */
  admin: AdminConfig | undefined;
  logging: DirectorConfig["logging"];
  /** The connection limit of services without `maxconn` (from the descriptor limit). */
  defaultMaxconn = 10_000;
  timeouts: TimeoutsConfig;
  readonly idle = new IdleSweeper();
  /** Config reloads since start, by result (for logs and metrics). */
  readonly reloads = { ok: 0, failed: 0 };
  #listeners = new Map<string, ServiceListener[]>();
  #draining = false;
  /** What every session needs; built once, its `access` set with the access log. */
  #sessionDeps!: SessionDeps;
  #accessLog: Logger | undefined;
  #rateTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: DirectorOptions) {
    this.runtime = options.runtime;
    this.log = options.log;
    this.loaded = options.loaded;
    this.configPath = options.configPath;
    this.worker = options.worker ?? false;
    this.supervisor = options.supervisor ?? false;
    const config = options.loaded.config;
    this.balancer = new Balancer(config, options.log);
    this.admin = config.admin && structuredClone(config.admin);
    this.logging = { ...config.logging };
    this.timeouts = { ...config.timeouts };
    this.#sessionDeps = { runtime: this.runtime, balancer: this.balancer, idle: this.idle };
    this.#configureAccessLog();
    this.recovery = new Recovery(
      this.balancer,
      (ref, timeoutMs) => probeConnect(this.runtime, ref.host.address, timeoutMs),
    );
    this.health = new HealthChecker(
      this.balancer,
      (ref, check) => runCheck(this.runtime, ref.host.address, check),
    );
  }

  /** Apply `<logging>` settings at run time (reload): the log file and the access log. */
  setLogging(logging: DirectorConfig["logging"]): void {
    if (logging.file !== this.logging.file) this.log.setFile(logging.file);
    this.logging = { ...logging };
    this.#configureAccessLog();
  }

  #configureAccessLog(): void {
    this.#accessLog?.close();
    this.#accessLog = undefined;
    const { access, accessFile } = this.logging;
    if (!access && !accessFile) {
      this.#sessionDeps.access = undefined;
      return;
    }
    const log = accessFile ? (this.#accessLog = new Logger({ file: accessFile })) : this.log;
    this.#sessionDeps.access = (r) =>
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

  /** Bind every service's addresses and start accepting; throws if any bind fails. */
  start(): void {
    try {
      for (const service of this.balancer.services) this.startService(service);
    } catch (error) {
      for (const name of this.#listeners.keys()) this.stopService(name);
      throw error;
    }
    if (this.worker) return;
    this.recovery.start();
    this.health.start();
    this.#rateTimer = setInterval(() => {
      for (const { host } of this.balancer.hosts()) host.sampleRate();
    }, 1000);
  }

  /** Close every listener and stop recovery at once (used when start-up fails half-way). */
  stop(): void {
    for (const name of [...this.#listeners.keys()]) this.stopService(name);
    this.recovery.stop();
    this.health.stop();
    clearInterval(this.#rateTimer);
  }

  /** Bind a service's listen addresses (all or none) and start accepting. */
  startService(service: Service): void {
    const bound: ServiceListener[] = [];
    try {
      for (const endpoint of service.listen) {
        bound.push(new ServiceListener(this.runtime, endpoint, this.worker));
      }
    } catch (error) {
      for (const listener of bound) listener.close();
      throw error;
    }
    if (this.supervisor) {
      // The workers listen; the supervisor only made sure they can.
      for (const listener of bound) listener.close();
      return;
    }
    this.#listeners.set(service.name, bound);
    for (const listener of bound) {
      this.log.info("listening", { service: service.name, listen: listener.endpoint.spec });
      this.#run(service, listener);
    }
  }

  #run(service: Service, listener: ServiceListener): void {
    // A service's own maxconn, then the process-wide cap derived from the
    // descriptor limit (several services share the same descriptors).
    const gate = () =>
      (service.maxconn !== undefined ? service.slot(service.maxconn) : undefined) ??
        this.connections.slot(this.defaultMaxconn);
    void listener.run((conn) => this.#accept(service, listener.endpoint, conn), this.log, gate);
  }

  /** Stop accepting for a service; its connections in progress finish normally. */
  stopService(name: string): void {
    for (const listener of this.#listeners.get(name) ?? []) listener.close();
    this.#listeners.delete(name);
  }

  /** Bind one more address for a running service; throws a clear error if it cannot. */
  addListener(service: Service, endpoint: ListenConfig): void {
    const listener = new ServiceListener(this.runtime, endpoint, this.worker);
    if (this.supervisor) return listener.close();
    const listeners = this.#listeners.get(service.name) ?? [];
    listeners.push(listener);
    this.#listeners.set(service.name, listeners);
    this.log.info("listening", { service: service.name, listen: endpoint.spec });
    this.#run(service, listener);
  }

  /** Stop accepting on one address of a service; its connections finish normally. */
  removeListener(service: Service, spec: string): void {
    const listeners = this.#listeners.get(service.name) ?? [];
    for (const listener of listeners.filter((l) => l.endpoint.spec === spec)) {
      listener.close();
      this.log.info("listener_closed", { service: service.name, listen: spec });
    }
    this.#listeners.set(service.name, listeners.filter((l) => l.endpoint.spec !== spec));
  }

  /** Bound port of a service's n-th listen address (useful with port 0). */
  boundPort(service: string, index = 0): number | undefined {
    return this.#listeners.get(service)?.[index]?.port;
  }

  #accept(service: Service, listen: ListenConfig, conn: Conn): void {
    service.open++;
    void this.connections.track(async () => {
      try {
        await serveClient(conn, service, listen, this.#sessionDeps);
      } catch (error) {
        conn.close();
        this.log.error("session_error", { service: service.name, reason: String(error) });
      } finally {
        service.released();
      }
    });
  }

  /** Connections in progress: this process's own, or the workers' sum. */
  get openConnections(): number {
    return this.reportedConnections ?? this.connections.open;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Stop accepting everywhere at once, stop recovery, and resolve when the
   * last connection in progress has finished.
   */
  async drain(): Promise<void> {
    this.#draining = true;
    this.stop();
    await this.connections.idle();
  }

  /** The running state in config form (what `/running.xml` and `save` write). */
  runningConfig(): DirectorConfig {
    return {
      services: this.balancer.servicesConfig(),
      ...(this.admin ? { admin: structuredClone(this.admin) } : {}),
      logging: { ...this.logging },
      checktimeSeconds: this.balancer.checktimeMs / 1000,
      ...(Object.keys(this.timeouts).length > 0 ? { timeouts: { ...this.timeouts } } : {}),
      ...(this.loaded.config.workers === undefined ? {} : { workers: this.loaded.config.workers }),
    };
  }
}
