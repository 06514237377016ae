/** @jsxImportSource hono/jsx */
/**
 * The fleet on the overview page (`/`) of a cluster node: every live node
 * of the registry — its name (this node marked), its admin server, the
 * revision of the shared configuration it runs against the key's latest
 * (behind marked), its open connections, version and start time — and
 * whether etcd answers. When it does not, the section says so and shows
 * the last list this node got, with its time.
 *
 * Records come from etcd, so from other nodes (or anyone who can write
 * the prefix): every value goes through JSX (escaped) and `visible()`, and
 * an admin address is a link only when it is a plain `http(s)://` URL.
 *
 * @module
 */
import type { FC } from "hono/jsx";
import { formatTime, visible } from "./page_format.ts";
import type { ClusterStatus, NodeRecord } from "../../control/cluster_registry.ts";

/** The key's latest revision as far as this node knows: what it saw, or a node runs. */
export function latestRevision(status: ClusterStatus, nodes: readonly NodeRecord[]): number {
  return Math.max(status.revision, ...nodes.map((n) => Number(n.appliedRevision) || 0));
}

/** An admin address worth a link: `http(s)://HOST:PORT` with a host one can reach. */
function adminHref(admin: unknown): string | undefined {
  if (typeof admin !== "string" || !/^https?:\/\/[^\s/?#*]+$/.test(admin)) return undefined;
  try {
    const url = new URL(admin);
    if (["0.0.0.0", "[::]"].includes(url.hostname)) return undefined;
    return url.href;
  } catch {
    return undefined;
  }
}

const text = (value: unknown) => visible(String(value ?? "?"));

const NodeRow: FC<{ node: NodeRecord; self: boolean; latest: number }> = (
  { node, self, latest },
) => {
  const behind = Number(node.appliedRevision) < latest;
  const href = adminHref(node.admin);
  const started = typeof node.startedAt === "string" ? formatTime(node.startedAt) : "?";
  return (
    <tr data-node={text(node.node)} data-state={behind ? "behind" : "in-step"}>
      <th scope="row">
        {text(node.node)}
        {self && <span class="pill on">this node</span>}
      </th>
      <td class="mono">
        {href ? <a href={href}>{text(node.admin)}</a> : node.admin ? text(node.admin) : "—"}
      </td>
      <td class="num">
        {text(node.appliedRevision)}
        {behind && <span class="badge badge-bad" title={`latest ${latest}`}>behind</span>}
      </td>
      <td class="num">{text(node.openConnections)}</td>
      <td>{text(node.version)}</td>
      <td>{started}</td>
    </tr>
  );
};

const NodeTable: FC<{ nodes: readonly NodeRecord[]; self: string; latest: number }> = (
  { nodes, self, latest },
) => (
  <div class="table-wrap">
    <table class="summary">
      <thead>
        <tr>
          <th scope="col">Node</th>
          <th scope="col">Admin</th>
          <th scope="col" class="num">Applied revision</th>
          <th scope="col" class="num">Open connections</th>
          <th scope="col">Version</th>
          <th scope="col">Started at</th>
        </tr>
      </thead>
      <tbody>
        {[...nodes].sort((a, b) => String(a.node).localeCompare(String(b.node))).map((n) => (
          <NodeRow node={n} self={n.node === self} latest={latest} />
        ))}
      </tbody>
    </table>
  </div>
);

/** The "Fleet" card: the live nodes, or (etcd unreachable) the last list known. */
export const FleetSection: FC<{ status: ClusterStatus }> = ({ status }) => {
  const nodes = status.nodes ?? status.lastKnown?.nodes;
  const latest = latestRevision(status, nodes ?? []);
  const etcd = status.etcd.join(", ");
  const count = nodes ? `${nodes.length} node${nodes.length === 1 ? "" : "s"}` : "no list";
  return (
    <section class="card fleet" id="fleet" aria-labelledby="fleet-title">
      <header class="group-head">
        <h2 id="fleet-title">Fleet</h2>
        <span class="meta">
          {`${count} · ${visible(status.key)} at revision ${latest} · etcd `}
          <span id="fleet-etcd" class="mono">{visible(etcd)}</span>
          {status.nodes && !status.reachable ? " (reconnecting)" : ""}
        </span>
      </header>
      {!status.nodes && (
        <p class="note error" id="fleet-unreachable" role="alert">
          {status.reachable
            ? "etcd did not list the nodes"
            : `etcd is unreachable at ${visible(etcd)}`}
          {`: ${visible(status.error ?? "no answer")}. `}
          {status.lastKnown
            ? `The list below is the last known, as of ${formatTime(status.lastKnown.at)}.`
            : "No list of the nodes is known yet."}
        </p>
      )}
      {nodes && <NodeTable nodes={nodes} self={status.node} latest={latest} />}
      {nodes?.length === 0 && <p class="note">No node is registered.</p>}
    </section>
  );
};
