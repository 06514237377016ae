/**
 * `GET /healthz`: whether this Director can take traffic, for keepalived's
 * `vrrp_script` (through `director health`), load balancers in front and
 * orchestrators. Served before authentication on purpose: a health checker
 * has no password, and the answer says nothing beyond one word — `ok`
 * (200) while every listener is bound and the configuration is applied,
 * `draining` or `not ready` (503) otherwise.
 *
 * @module
 */
import { Hono } from "hono";
import type { AdminDeps, Env } from "../env.ts";

export function healthRoutes(deps: AdminDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.get("/healthz", (c) => {
    const readiness = deps.state.readiness;
    return c.text(`${readiness}\n`, readiness === "ok" ? 200 : 503);
  });
  return app;
}
