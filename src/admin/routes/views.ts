/**
 * The admin's read-only views: the page, `/running.txt` (pythondirector's
 * records), `/running.xml`, `/config.xml`, `/config-vs-running`, the JSON
 * status the page polls, `/metrics`, `/api/v1/workers` and the page's
 * static assets.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { runningConfigXml } from "../../changes/running_config.ts";
import { serializeConfig } from "../../config/serialize.ts";
import { SCHEDULER_NAMES } from "../../schedulers/registry.ts";
import type { AdminDeps, ChangeStatus, Env } from "../env.ts";
import { ADMIN_CSS, ADMIN_JS } from "../page/assets.ts";
import { IndexPage, RunningPage } from "../page/page.tsx";
import { metricsText } from "../views/metrics.ts";
import { runningText } from "../views/running_text.ts";
import { snapshot } from "../views/status.ts";
import { streamPieces } from "../views/stream.ts";
import { lineDiff } from "../views/text.ts";

function xml(c: Context, text: string) {
  return c.body(text, 200, { "Content-Type": "application/xml; charset=utf-8" });
}

/** The running page, with a message about the last change (and its status). */
export function runningPage(
  c: Context<Env>,
  deps: AdminDeps,
  message: string | undefined,
  kind: "ok" | "error",
  status: ChangeStatus = 200,
) {
  return c.html(
    RunningPage({
      status: snapshot(deps.state, deps.version),
      user: c.get("user"),
      resultMessage: message,
      resultKind: kind,
      schedulers: SCHEDULER_NAMES,
    }),
    status,
  );
}

export function viewRoutes(deps: AdminDeps): Hono<Env> {
  const { state } = deps;
  const status = () => snapshot(state, deps.version);
  const app = new Hono<Env>();
  app.get("/", (c) => c.html(IndexPage({ status: status() })));
  app.get("/running", (c) => {
    const kind = c.req.query("resultKind") === "error" ? "error" : "ok";
    return runningPage(c, deps, c.req.query("resultMessage"), kind);
  });
  app.get(
    "/running.txt",
    (c) =>
      c.body(streamPieces(runningText(state.model)), 200, {
        "Content-Type": "text/plain; charset=UTF-8",
      }),
  );
  app.get("/running.xml", (c) => xml(c, runningConfigXml(state.runningConfig())));
  app.get("/config.xml", (c) => xml(c, state.loaded.text));
  app.get("/config-vs-running", (c) => {
    const diff = lineDiff(
      serializeConfig(state.loaded.config),
      serializeConfig(state.runningConfig()),
    );
    return c.text(diff === "" ? "no changes since the config was loaded\n" : diff);
  });
  app.get("/api/v1/status", (c) => c.json(status()));
  app.get("/api/v1/workers", (c) => {
    const list = state.planes.workers();
    return c.json({ count: list.length, restarts: state.planes.restarts, list });
  });
  app.get("/metrics", (c) => {
    const pieces = metricsText(state, c.req.query("service") || undefined);
    return c.body(streamPieces(pieces), 200, { "Content-Type": "text/plain; version=0.0.4" });
  });
  app.get("/static/admin.css", (c) => c.body(ADMIN_CSS, 200, { "Content-Type": "text/css" }));
  app.get("/static/admin.js", (c) => c.body(ADMIN_JS, 200, { "Content-Type": "text/javascript" }));
  return app;
}
