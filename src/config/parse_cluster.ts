/**
 * `<cluster etcd="http://H:P[,http://H:P…]" prefix="/director/" node="NAME"/>`:
 * this node is one of a fleet whose shared configuration lives in etcd
 * under `prefix` + `config` (see `src/control/cluster.ts`). The element is
 * the node's own, like `<admin>` and `<logging>`: it stays in the local
 * file and is never part of the shared document.
 *
 * @module
 */
import type { ElementReader } from "./element_reader.ts";
import type { ClusterConfig } from "./model.ts";
import type { XmlElement } from "./xml.ts";

export const DEFAULT_CLUSTER_PREFIX = "/director/";

/** Node names become etcd keys and log values: keep them plain. */
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function parseCluster(reader: ElementReader, el: XmlElement): ClusterConfig {
  reader.shape(el, ["etcd", "prefix", "node"], []);
  const list = reader.required(el, "etcd", "the etcd client URLs, http://HOST:PORT[,…]");
  const endpoints = list.split(",").map((url) => url.trim()).filter((url) => url !== "");
  for (const url of endpoints) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || !parsed.port || parsed.pathname !== "/") {
      reader.fail(el, `etcd URL "${url}" is not allowed; expected http://HOST:PORT`);
    }
  }
  if (endpoints.length === 0) reader.fail(el, `empty etcd=""; expected http://HOST:PORT[,…]`);
  const prefix = el.attributes.prefix ?? DEFAULT_CLUSTER_PREFIX;
  if (!prefix.startsWith("/") || /\s/.test(prefix)) {
    reader.fail(el, `prefix="${prefix}" is not allowed; expected a key prefix like "/director/"`);
  }
  const node = reader.required(el, "node", "this node's name in the fleet, unique in it");
  if (!NODE_NAME.test(node)) {
    reader.fail(el, `node="${node}" is not allowed; expected letters, digits, ".", "_" or "-"`);
  }
  return { endpoints, prefix, node };
}
