/**
 * `GET /api/v1/cluster`: this node's view of its fleet — every node whose
 * registry lease is alive (name, version, applied revision, open
 * connections, start time), the revision of the shared configuration this
 * node runs, and whether etcd answers. 404 when the node is not part of a
 * cluster; when etcd cannot be asked the answer still carries this node's
 * own state, with `error` instead of `nodes`.
 *
 * @module
 */
import { Hono } from "hono";
import type { AdminDeps, Env } from "../env.ts";

export function clusterRoutes(deps: AdminDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.get("/api/v1/cluster", async (c) => {
    const cluster = deps.state.cluster;
    if (!cluster) {
      return c.json(
        { ok: false, status: 404, error: "this Director is not part of a cluster" },
        404,
      );
    }
    const status = await cluster.status();
    return c.json({ ok: status.nodes !== undefined, ...status }, status.nodes ? 200 : 503);
  });
  return app;
}
