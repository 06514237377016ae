/**
 * The admin web application: pythondirector's admin URLs, finished and
 * made safe, composed from sub-routers (views, changes) behind one chain
 * of middleware (`middleware.ts`). Built by {@linkcode createAdminApp} from
 * its dependencies (no global state), served by `server.ts`, tested with
 * `app.request()`. Every URL but `/healthz` needs HTTP Basic authentication; every change
 * goes through the change API (`src/changes/`).
 *
 * @module
 */
import { Hono } from "hono";
import { errorMessage } from "../log.ts";
import { clientGone } from "../runtime/client_gone.ts";
import type { AdminDeps, Env } from "./env.ts";
import { authenticate, limitBody, requestDeadline, securityHeaders } from "./middleware.ts";
import { changeRoutes } from "./routes/changes.ts";
import { clusterRoutes } from "./routes/cluster.ts";
import { healthRoutes } from "./routes/healthz.ts";
import { viewRoutes } from "./routes/views.ts";

export type { AdminDeps, AdminEnv } from "./env.ts";

export function createAdminApp(deps: AdminDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use(securityHeaders);
  app.route("/", healthRoutes(deps)); // before authentication: health checkers have no password
  app.use(authenticate(deps));
  app.use(requestDeadline(deps));
  app.use(limitBody);
  app.route("/", viewRoutes(deps));
  app.route("/", clusterRoutes(deps));
  app.route("/", changeRoutes(deps));
  app.notFound((c) => c.text("error: no such page\n", 404));
  app.onError((error, c) => {
    const fields = { path: new URL(c.req.url).pathname, reason: errorMessage(error) };
    if (clientGone(error, c.req.raw)) {
      // Nobody is left to answer; the client's doing, not a fault of Director.
      deps.state.log.info("admin_client_gone", fields);
      return c.text("error: the request was cut short\n", 400);
    }
    deps.state.log.error("admin_error", fields);
    return c.text("error: internal error\n", 500);
  });
  return app;
}
