/**
 * The control plane: the main thread's model and settings, the change
 * layer's target and committer, reload, recovery and health checks — one
 * of each for the whole process, whatever runs the data plane (this thread,
 * or worker threads behind {@linkcode DataPlanes}).
 *
 * A change is committed in two steps: the data planes bind what it adds
 * (a busy port refuses it, nothing changed), then its edits are applied
 * everywhere and its settings here. Reload commits a whole plan the same
 * way, so a reload is all or nothing.
 *
 * @module
 */
import type { Balancer } from "../balancer/balancer.ts";
import type { Committer } from "../changes/api.ts";
import { ChangeApi } from "../changes/api.ts";
import type { Change, ChangeTarget, SharedSettings } from "../changes/context.ts";
import { ChangeError } from "../changes/errors.ts";
import type { Plan } from "../changes/plan.ts";
import { type Reloadable, reloadConfig } from "../changes/reload.ts";
import { saveRunningConfig } from "../changes/save.ts";
import { ConfigLoader } from "./load_off_thread.ts";
import type {
  AdminConfig,
  AdminUser,
  DirectorConfig,
  Endpoint,
  LoadedConfig,
  LoadedSettings,
  LoggingConfig,
  TimeoutsConfig,
} from "../config/model.ts";
import { errorMessage, type Logger } from "../log.ts";
import type { Runtime } from "../runtime/types.ts";
import type { ClusterNode } from "./cluster.ts";
import { BackgroundTasks } from "./background.ts";
import type { DataPlanes } from "./planes.ts";

export interface ControllerOptions {
  runtime: Runtime;
  log: Logger;
  loaded: LoadedConfig;
  /** The file it came from, which `save` overwrites and reload re-reads. */
  configPath: string | undefined;
  model: Balancer;
  planes: DataPlanes;
  /** The connection limit of services without `maxconn` (from the descriptor limit). */
  defaultMaxconn: number;
}

/** What `/healthz` and `director health` report (see {@linkcode Controller.readiness}). */
export type Readiness = "ok" | "draining" | "not ready";

export class Controller implements ChangeTarget, Reloadable, Committer {
  readonly runtime: Runtime;
  readonly log: Logger;
  readonly model: Balancer;
  readonly planes: DataPlanes;
  readonly configPath: string | undefined;
  readonly defaultMaxconn: number;
  readonly startedAt = new Date();
  readonly changes: ChangeApi;
  #loaded: LoadedSettings;
  /** The loaded file's services, until a reload (which leaves them to the model and the file). */
  #loadedServices: LoadedConfig["config"]["services"] | undefined;
  #admin: AdminConfig | undefined;
  #logging: LoggingConfig;
  #timeouts: TimeoutsConfig;
  #reloads = { ok: 0, failed: 0 };
  /** Recovery, health checks, rate sampling and DNS refresh (`background.ts`). */
  #tasks: BackgroundTasks;
  #loader: ConfigLoader;
  #reloading: Promise<unknown> = Promise.resolve();
  #phase: "starting" | "ready" | "draining" = "starting";
  #cluster: ClusterNode | undefined;

  constructor(options: ControllerOptions) {
    this.runtime = options.runtime;
    this.log = options.log;
    this.model = options.model;
    this.planes = options.planes;
    this.configPath = options.configPath;
    this.defaultMaxconn = options.defaultMaxconn;
    this.#loaded = options.loaded;
    this.#loadedServices = options.loaded.config.services;
    const config = options.loaded.config;
    this.#admin = config.admin && structuredClone(config.admin);
    this.#logging = { ...config.logging };
    this.#timeouts = { ...config.timeouts };
    this.changes = new ChangeApi(this, this);
    this.#loader = new ConfigLoader(this.runtime);
    this.#tasks = new BackgroundTasks({
      runtime: this.runtime,
      model: this.model,
      dns: {
        model: this.model,
        log: this.log,
        commit: (change) => this.commitHere(change),
        settings: () => this.#loaded.config.resolver,
      },
    });
  }

  /** Start recovery, health checks, rate sampling and DNS refresh; warm the config loader. */
  start(): void {
    if (this.configPath) this.#loader.warm();
    this.#tasks.start();
  }

  /**
   * This node is one of a cluster: from now on config changes, `save` and
   * reload go through etcd, and etcd's revisions are applied here (`cluster.ts`).
   */
  joinCluster(node: ClusterNode): void {
    this.#cluster = node;
    node.attach(this);
  }

  get cluster(): ClusterNode | undefined {
    return this.#cluster;
  }

  /** Stop the control plane's timers (draining, or start-up failed). */
  stop(): void {
    void this.#cluster?.stop();
    this.#tasks.stop();
    this.#loader.close();
  }

  /** Every listener is bound and the config applied: from now on `/healthz` may say ok. */
  markReady(): void {
    if (this.#phase === "starting") this.#phase = "ready";
  }

  /**
   * "ok" only while ready, not draining, every data plane up (a restarting
   * worker is not) and, in a cluster, the fleet's latest revision applied here.
   */
  get readiness(): Readiness {
    if (this.#phase === "draining") return "draining";
    if (this.#phase === "starting" || this.#cluster?.inStep === false) return "not ready";
    if (this.planes.workers().some((w) => !w.ready)) {
      return "not ready";
    }
    return "ok";
  }

  // ---- what the views read ----

  /** The config as last loaded from its file (at start, or by a reload), its services aside. */
  get loaded(): LoadedSettings {
    return this.#loaded;
  }

  /** The whole config as last loaded; after a reload its text is parsed again, on the worker. */
  async loadedConfig(): Promise<DirectorConfig> {
    if (this.#loadedServices) return { ...this.#loaded.config, services: this.#loadedServices };
    return (await this.#loader.loadText(this.#loaded.text, this.#loaded.source)).config;
  }

  get admin(): AdminConfig | undefined {
    return this.#admin;
  }

  get timeouts(): TimeoutsConfig {
    return this.#timeouts;
  }

  get reloads(): { ok: number; failed: number } {
    return { ...this.#reloads };
  }

  get openConnections(): number {
    return this.planes.openConnections;
  }

  /** The running state in config form (what `/running.xml` and `save` write). */
  runningConfig(services = this.model.servicesConfig()): DirectorConfig {
    const { workers, resolver } = this.#loaded.config;
    return {
      services,
      ...(this.#admin ? { admin: structuredClone(this.#admin) } : {}),
      logging: { ...this.#logging },
      checktimeSeconds: this.model.checktimeMs / 1000,
      ...(Object.keys(this.#timeouts).length > 0 ? { timeouts: { ...this.#timeouts } } : {}),
      ...(workers === undefined ? {} : { workers }),
      ...(resolver === undefined ? {} : { resolver }),
    };
  }

  // ---- ChangeTarget ----

  settings(): SharedSettings {
    return { checktimeSeconds: this.model.checktimeMs / 1000, timeouts: { ...this.#timeouts } };
  }

  get adminListen(): Endpoint | undefined {
    return this.#admin?.listen;
  }

  users(): AdminUser[] | undefined {
    return this.#admin?.users.map((u) => ({ ...u }));
  }

  setUsers(users: AdminUser[]): void {
    if (this.#admin) this.#admin.users = users.map((u) => ({ ...u }));
  }

  reopenLogs(): string {
    this.log.reopen();
    this.planes.reopenLogs();
    return this.log.file ? `re-opened log file ${this.log.file}` : "logging to stderr";
  }

  save(): string | Promise<string> {
    if (this.#cluster) return this.#cluster.save();
    return saveRunningConfig(this.runningConfig(), this.configPath);
  }

  /** Reload the file; a reload asked for while one runs follows it (and plans from its result). */
  reload(): Promise<string> {
    if (this.#cluster) return this.#cluster.reload();
    const next = this.#reloading.then(() => reloadConfig(this));
    this.#reloading = next.catch(() => {});
    return next;
  }

  restartWorker(index: number): Promise<string> {
    return this.planes.restart(index);
  }

  // ---- Committer ----

  /** Commit a change: through etcd in a cluster (every node applies it), else here. */
  async commit(change: Change): Promise<void> {
    if (this.#cluster) return await this.#cluster.commit(change);
    await this.commitHere(change);
  }

  /**
   * Bind what the change adds, then apply it in every thread of this node; a
   * failed bind refuses it (409). What only this node knows (the addresses its
   * DNS lookups found) is committed here directly, never to the fleet.
   */
  async commitHere(change: Change): Promise<void> {
    const edits = change.edits ?? [];
    await this.#prepare(edits);
    await this.planes.apply(edits);
    if (change.settings) this.#applySettings(change.settings);
  }

  async #prepare(edits: Change["edits"] & object): Promise<void> {
    try {
      await this.planes.prepare(edits);
    } catch (error) {
      await this.planes.abort();
      throw new ChangeError(409, errorMessage(error));
    }
  }

  #applySettings(settings: Partial<SharedSettings>): void {
    if (settings.checktimeSeconds !== undefined) {
      this.model.checktimeMs = settings.checktimeSeconds * 1000;
      this.#tasks.checktimeChanged();
    }
    if (settings.timeouts) this.#timeouts = { ...settings.timeouts };
  }

  // ---- Reloadable ----

  /** Read, parse, validate and plan on a worker thread (a large file takes a while). */
  loadPlanned(path: string): Promise<{ loaded: LoadedSettings; plan: Plan }> {
    return this.#loader.loadPlanned(path, {
      services: () => this.model.servicesJson(),
      rest: () => {
        const { services: _, ...rest } = this.runningConfig([]);
        return rest;
      },
    });
  }

  async applyReload(plan: Plan, loaded: LoadedSettings | LoadedConfig): Promise<void> {
    await this.#prepare(plan.edits);
    await this.planes.apply(plan.edits);
    this.#applySettings(plan.settings);
    if (plan.users) this.setUsers(plan.users);
    this.#setLogging(loaded.config.logging);
    this.#loaded = loaded;
    this.#loadedServices = "services" in loaded.config ? loaded.config.services : undefined;
  }

  countReload(ok: boolean): void {
    if (ok) this.#reloads.ok++;
    else this.#reloads.failed++;
  }

  /** Apply `<logging>` at run time: the log file here, the access logs in every data plane. */
  #setLogging(logging: LoggingConfig): void {
    try {
      if (logging.file !== this.#logging.file) this.log.setFile(logging.file);
      this.#logging = { ...logging };
      this.planes.setLogging(logging);
    } catch (error) {
      this.log.error("reload_logging_failed", { reason: errorMessage(error) });
    }
  }

  /** Stop recovery and checks, then every data plane; resolves when the last connection ended. */
  drain(): Promise<void> {
    this.#phase = "draining";
    this.stop();
    return this.planes.drain();
  }
}
