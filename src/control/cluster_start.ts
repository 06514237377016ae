/**
 * A cluster node's start: read the shared configuration from etcd, or
 * seed it from the local file when etcd has none yet — with a transaction
 * that succeeds only while the key is absent, so of two nodes starting
 * together exactly one seeds and the other uses what it wrote.
 *
 * Nothing starts without a configuration it has validated: etcd is tried
 * with bounded backoff for a while, then the start fails with one line
 * (systemd's `Restart=on-failure` tries again later); a document that does
 * not load fails the start, naming it.
 *
 * @module
 */
import type { EtcdClient, GetResult } from "../cluster/etcd_client.ts";
import { backoffDelay } from "../cluster/etcd_watch.ts";
import type { LoadedConfig } from "../config/model.ts";
import { errorMessage, type Logger } from "../log.ts";
import { parseShared, sharedXml } from "./cluster_doc.ts";

/** How long a starting node keeps trying to reach etcd. */
export const START_WAIT_MS = 10_000;

export interface StartPoint {
  shared: LoadedConfig;
  /** The document's mod revision, and the store's revision when it was read. */
  modRevision: number;
  revision: number;
}

async function firstRead(etcd: EtcdClient, key: string, log: Logger): Promise<GetResult> {
  const deadline = Date.now() + START_WAIT_MS;
  for (let attempt = 0;; attempt++) {
    try {
      return await etcd.get(key);
    } catch (error) {
      if (Date.now() + backoffDelay(attempt) > deadline) {
        throw new Error(`Cannot start the cluster node: ${errorMessage(error)}`);
      }
      log.warn("cluster_unreachable", {
        etcd: etcd.endpoints.join(","),
        reason: errorMessage(error),
      });
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt)));
    }
  }
}

/** The document to start from (see the module doc); throws one clear error if there is none. */
export async function readAtStart(
  etcd: EtcdClient,
  key: string,
  local: LoadedConfig,
  log: Logger,
): Promise<StartPoint> {
  const read = await firstRead(etcd, key, log);
  let xml = read.value, modRevision = read.modRevision, revision = read.revision;
  let seeded = false;
  if (xml === undefined) {
    const seed = sharedXml(local.config);
    const put = await etcd.putIf(key, seed, { absent: true });
    revision = put.revision;
    if (put.succeeded) {
      [xml, modRevision, seeded] = [seed, put.revision, true];
      log.info("cluster_seeded", { key, revision, services: local.config.services.length });
    } else if (put.current) {
      [xml, modRevision] = [put.current.value, put.current.modRevision];
    } else {
      throw new Error(`Cannot start the cluster node: ${key} vanished while it was seeded`);
    }
  }
  if (!seeded && local.config.services.length > 0) {
    log.warn("cluster_local_ignored", {
      key,
      services: local.config.services.length,
      reason: "the fleet's services come from etcd",
    });
  }
  try {
    return { shared: parseShared(xml, `etcd:${key}@${modRevision}`), modRevision, revision };
  } catch (error) {
    throw new Error(
      `Cannot start the cluster node: ${key} (revision ${modRevision}) does not load: ${
        errorMessage(error)
      }`,
    );
  }
}
