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
import { runningConfigPieces } from "../../changes/running_config.ts";
import { serializeConfig } from "../../config/serialize.ts";
import { SCHEDULER_NAMES } from "../../schedulers/registry.ts";
import type { AdminDeps, ChangeStatus, Env } from "../env.ts";
import { ADMIN_CSS, ADMIN_JS } from "../page/assets.ts";
import { IndexPage, RunningPage } from "../page/page.tsx";
import { metricsText } from "../views/metrics.ts";
import { runningText } from "../views/running_text.ts";
import { viewHref } from "../page/page_overview.tsx";
import { snapshot } from "../views/status.ts";
import { summaries, SUMMARY_PAGE } from "../views/summary.ts";
import { parseViewQuery, type ViewQuery, ViewQueryError } from "../views/view_query.ts";
import { streamPieces } from "../views/stream.ts";
import { lineDiff } from "../views/text.ts";

const XML_TYPE = { "Content-Type": "application/xml; charset=utf-8" };

function xml(c: Context, text: string) {
  return c.body(text, 200, XML_TYPE);
}

/** Hosts per group on the page of one service. */
const HOSTS_PAGE = 100;
/** Up to this many hosts in all, the overview shows every service of its page in full too. */
const EXPAND_ALL_HOSTS = 200;

function hostCount(state: AdminDeps["state"]): number {
  let count = 0;
  for (const service of state.model.services) {
    for (const group of service.groups) count += group.hosts.length;
  }
  return count;
}

/** What `/running` shows for a view: one service, or the overview (and, if small, all of it). */
function pageParts(deps: AdminDeps, view: ViewQuery) {
  const { state, version } = deps;
  if (view.service !== undefined) {
    const hosts = { ...view, limit: view.limit ?? HOSTS_PAGE };
    const status = snapshot(state, version, hosts);
    return { status, poll: viewHref(hosts, "/api/v1/status"), found: status.services.length > 0 };
  }
  const summary = summaries(state, view);
  const services = { q: view.q, after: view.after, limit: view.limit ?? SUMMARY_PAGE };
  const expand = hostCount(state) <= EXPAND_ALL_HOSTS;
  const status = snapshot(state, version, services, expand);
  return { status, summary, poll: expand ? viewHref(services, "/api/v1/status") : undefined };
}

/** The running page, with a message about the last change (and its status). */
export function runningPage(
  c: Context<Env>,
  deps: AdminDeps,
  message: string | undefined,
  kind: "ok" | "error",
  status: ChangeStatus = 200,
) {
  let view: ViewQuery = {};
  try {
    view = parseViewQuery(c.req.query());
  } catch (error) {
    if (!(error instanceof ViewQueryError)) throw error;
    [message, kind, status] = [error.message, "error", 400];
  }
  const parts = pageParts(deps, view);
  if (parts.found === false && status === 200) status = 404;
  return c.html(
    RunningPage({
      ...parts,
      view,
      user: c.get("user"),
      resultMessage: message,
      resultKind: kind,
      schedulers: SCHEDULER_NAMES,
    }),
    status,
  );
}

/** The view a JSON request asks for, or its refusal (400). */
function apiView(c: Context<Env>): ViewQuery | Response {
  try {
    return parseViewQuery(c.req.query());
  } catch (error) {
    if (!(error instanceof ViewQueryError)) throw error;
    return c.json({ error: error.message }, 400);
  }
}

export function viewRoutes(deps: AdminDeps): Hono<Env> {
  const { state } = deps;
  const app = new Hono<Env>();
  app.get("/", async (c) => {
    const fleet = await state.cluster?.status();
    return c.html(IndexPage({ status: snapshot(state, deps.version, {}, false), fleet }));
  });
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
  app.get(
    "/running.xml",
    (c) => c.body(streamPieces(runningConfigPieces(state.runningConfig())), 200, XML_TYPE),
  );
  app.get("/config.xml", (c) => xml(c, state.loaded.text));
  app.get("/config-vs-running", async (c) => {
    const diff = lineDiff(
      serializeConfig(await state.loadedConfig()),
      serializeConfig(state.runningConfig()),
    );
    return c.text(diff === "" ? "no changes since the config was loaded\n" : diff);
  });
  app.get("/api/v1/status", (c) => {
    const view = apiView(c);
    if (view instanceof Response) return view;
    const body = snapshot(state, deps.version, view);
    if (view.service !== undefined && body.services.length === 0) {
      return c.json({ error: `Cannot show service "${view.service}": there is none` }, 404);
    }
    return c.json(body);
  });
  app.get("/api/v1/services", (c) => {
    const view = apiView(c);
    return view instanceof Response ? view : c.json(summaries(state, view));
  });
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
