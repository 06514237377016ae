/**
 * What the admin server reads: the control plane's model and settings,
 * and the change API it sends every change through. The admin holds no
 * state of its own beyond its login throttle.
 *
 * @module
 */
import type { Balancer } from "../balancer/balancer.ts";
import type { ChangeApi } from "../changes/api.ts";
import type { LoadedSettings } from "../config/model.ts";
import type { AdminConfig, DirectorConfig, TimeoutsConfig } from "../config/model.ts";
import type { ClusterStatus } from "../control/cluster.ts";
import type { Readiness } from "../control/controller.ts";
import type { WorkerStatus } from "../control/planes.ts";
import type { Logger } from "../log.ts";
import type { Runtime } from "../runtime/types.ts";

export interface AdminState {
  readonly runtime: Runtime;
  readonly log: Logger;
  readonly model: Balancer;
  readonly changes: ChangeApi;
  readonly startedAt: Date;
  /** The config as last loaded from its file (`/config.xml`), its services aside. */
  readonly loaded: LoadedSettings;
  /** The whole config as last loaded, services included (`/config-vs-running`). */
  loadedConfig(): Promise<DirectorConfig>;
  readonly admin: AdminConfig | undefined;
  readonly timeouts: TimeoutsConfig;
  readonly reloads: { ok: number; failed: number };
  readonly openConnections: number;
  /** What `/healthz` answers. */
  readonly readiness: Readiness;
  readonly planes: {
    workers(): WorkerStatus[];
    readonly restarts: number;
  };
  runningConfig(): DirectorConfig;
  /** This node's cluster (`<cluster>`), if it is part of one. */
  readonly cluster?: { status(): Promise<ClusterStatus> };
}
