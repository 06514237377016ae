/**
 * The admin web application: pythondirector's admin URLs, finished and
 * made safe. Built by {@linkcode createAdminApp} from its dependencies (no
 * global state), served by `server.ts`, tested with `app.request()`.
 *
 * Every URL needs HTTP Basic authentication. Change calls work as GET with
 * a query string (what legacy curl/wget scripts send) and as POST forms
 * (what the page sends); `readonly` users get 403 on them, and so does any
 * request a browser marks as cross-site. A browser is redirected to
 * `/running?resultMessage=…` after a change; other clients get `ok: …`.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AdminUser } from "../config/model.ts";
import type { Director } from "../director.ts";
import { ActionError, ACTIONS } from "./actions.ts";
import { ADMIN_CSS, ADMIN_JS } from "./assets.ts";
import { type AuthenticatedUser, Authenticator, LoginThrottle } from "./auth.ts";
import { crossSiteReason } from "./csrf.ts";
import { IndexPage, RunningPage } from "./page.tsx";
import { runningConfigXml } from "./running_config.ts";
import { SCHEDULER_NAMES } from "../schedulers/registry.ts";
import { snapshot } from "./status.ts";
import { lineDiff, runningText } from "./text_views.ts";
import { serializeConfig } from "../config/serialize.ts";
import { renderMetrics } from "../ops/metrics.ts";

export interface AdminDeps {
  director: Director;
  version: string;
  /** Users beyond the config's (the generated `admin` when the config has none). */
  extraUsers?: AdminUser[];
  authenticator?: Authenticator;
  throttle?: LoginThrottle;
  /**
   * After a change succeeded here, apply it elsewhere (the worker processes);
   * resolves a message when that failed (the call then answers 500).
   */
  afterChange?: (action: string, params: Record<string, string>) => Promise<string | undefined>;
}

/** What the server passes as `env` to `app.fetch`. */
export interface AdminEnv {
  remoteAddr?: { hostname: string };
}

type Env = { Bindings: AdminEnv; Variables: { user: AuthenticatedUser } };

const MAX_URL_LENGTH = 8 * 1024;
const MAX_BODY_BYTES = 64 * 1024;
/** Default `<timeouts admin-request>`: a whole admin request within 10 s. */
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** Headers on every admin response: no framing, no inline script, no caching. */
const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; " +
    "base-uri 'none'",
  "X-Frame-Options": "DENY",
  // same-origin, not no-referrer: under no-referrer Chrome sends "Origin: null" on
  // the page's own form posts, which the cross-site check must then refuse.
  "Referrer-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-store",
};

const wantsHtml = (c: Context) => (c.req.header("accept") ?? "").includes("text/html");

export function createAdminApp(deps: AdminDeps): Hono<Env> {
  const { director, version } = deps;
  const users = () => [...(director.admin?.users ?? []), ...(deps.extraUsers ?? [])];
  const authenticator = deps.authenticator ?? new Authenticator(users);
  const throttle = deps.throttle ?? new LoginThrottle();
  const log = director.log;
  const app = new Hono<Env>();
  const status = () => snapshot(director, version);

  app.use(async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  });

  app.use(async (c, next) => {
    if (c.req.url.length > MAX_URL_LENGTH) return c.text("error: URL too long\n", 414);
    const client = c.env?.remoteAddr?.hostname ?? "unknown";
    const now = Date.now();
    const wait = throttle.retryAfter(client, now);
    if (wait > 0) {
      c.header("Retry-After", String(Math.ceil(wait / 1000)));
      return c.text("error: too many failed logins; try again later\n", 429);
    }
    const user = await authenticator.authenticate(c.req.header("authorization"));
    if (!user) {
      if (c.req.header("authorization") && throttle.fail(client, now)) {
        log.warn("admin_login_throttled", { client, limit: throttle.limit });
      }
      if (c.req.header("authorization")) log.info("admin_login_failed", { client });
      c.header("WWW-Authenticate", 'Basic realm="Director", charset="UTF-8"');
      return c.text("error: authentication required\n", 401);
    }
    throttle.succeed(client);
    c.set("user", user);
    await next();
  });

  // A request must arrive (headers were already read) and be answered in time:
  // a client trickling its body cannot hold a handler forever.
  app.use(async (c, next) => {
    const limit = director.timeouts.adminRequestMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"timeout">((resolve) =>
      timer = setTimeout(() => resolve("timeout"), limit)
    );
    const outcome = await Promise.race([next().then(() => "done" as const), expired]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      c.res = c.text("error: request timeout\n", 408, { Connection: "close" });
    }
  });

  app.use(bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => c.text("error: request body too large\n", 413),
  }));

  app.get("/", (c) => c.html(IndexPage({ status: status() })));
  app.get("/running", (c) =>
    c.html(RunningPage({
      status: status(),
      user: c.get("user"),
      resultMessage: c.req.query("resultMessage"),
      resultKind: c.req.query("resultKind") === "error" ? "error" : "ok",
      schedulers: SCHEDULER_NAMES,
    })));
  app.get("/running.txt", (c) => c.text(runningText(status())));
  app.get("/running.xml", (c) => xml(c, runningConfigXml(director)));
  app.get("/config.xml", (c) => xml(c, director.loaded.text));
  app.get("/config-vs-running", (c) => {
    const diff = lineDiff(
      serializeConfig(director.loaded.config),
      serializeConfig(director.runningConfig()),
    );
    return c.text(diff === "" ? "no changes since the config was loaded\n" : diff);
  });
  app.get("/api/v1/status", (c) => c.json(status()));
  app.get("/static/admin.css", (c) => c.body(ADMIN_CSS, 200, { "Content-Type": "text/css" }));
  app.get("/static/admin.js", (c) => c.body(ADMIN_JS, 200, { "Content-Type": "text/javascript" }));

  /** Run change call `name` as the request's user; refusals are logged and returned. */
  async function change(
    c: Context<Env>,
    name: string,
    params: Map<string, string>,
  ): Promise<{ status: ChangeStatus; message: string }> {
    const user = c.get("user");
    const refuse = (status: ChangeStatus, message: string) => {
      log.warn("admin_refused", { user: user.name, action: name, status, reason: message });
      return { status, message };
    };
    // Own properties only: "constructor" or "toString" must not reach Object.prototype.
    const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
    if (!action) return refuse(404, `no change call "${name}"`);
    for (const [key, value] of params) {
      const bad = NOT_IN_XML.exec(value);
      if (bad) {
        const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
        return refuse(400, `parameter "${key}" holds U+${code}, which a config file cannot hold`);
      }
    }
    if (user.access !== "full") return refuse(403, `user "${user.name}" has read-only access`);
    const crossSite = crossSiteReason(c.req.raw);
    if (crossSite) return refuse(403, crossSite);
    try {
      const message = await action({
        director,
        params: (key) => params.get(key),
        user: user.name,
      });
      log.info("admin_change", { user: user.name, action: name, ...auditFields(params) });
      const elsewhere = await deps.afterChange?.(name, Object.fromEntries(params));
      if (elsewhere) return refuse(500, `${message}, but ${elsewhere}`);
      return { status: 200, message };
    } catch (error) {
      if (error instanceof ActionError) return refuse(error.status, error.message);
      throw error;
    }
  }

  for (const name of Object.keys(ACTIONS)) {
    app.on(["GET", "POST"], `/${name}`, async (c) => {
      const params = await readParams(c);
      if (typeof params === "string") return respond(c, 400, params);
      const { status, message } = await change(c, name, params);
      return respond(c, status, message);
    });
  }

  app.get(
    "/api/v1/workers",
    (c) => c.json(director.workerInfo?.() ?? { count: 1, restarts: 0, list: [] }),
  );
  app.get("/api/v1", (c) => c.json({ status: "/api/v1/status", changes: Object.keys(ACTIONS) }));
  app.post("/api/v1/:action", async (c) => {
    const params = await readJsonParams(c);
    if (typeof params === "string") return c.json({ ok: false, status: 400, error: params }, 400);
    const { status, message } = await change(c, c.req.param("action"), params);
    return c.json(
      status === 200 ? { ok: true, message } : { ok: false, status, error: message },
      status,
    );
  });
  app.get(
    "/metrics",
    (c) => c.body(renderMetrics(director), 200, { "Content-Type": "text/plain; version=0.0.4" }),
  );

  /** After a change: browsers go back to the page, scripts get one line. */
  function respond(c: Context<Env>, code: ChangeStatus, message: string) {
    if (wantsHtml(c)) {
      if (code === 200) {
        return c.redirect(`/running?resultMessage=${encodeURIComponent(message)}`, 303);
      }
      return c.html(
        RunningPage({
          status: status(),
          user: c.get("user"),
          resultMessage: message,
          resultKind: "error",
          schedulers: SCHEDULER_NAMES,
        }),
        code,
      );
    }
    return c.text(`${code === 200 ? "ok" : "error"}: ${message}\n`, code);
  }

  app.notFound((c) => c.text("error: no such page\n", 404));
  app.onError((error, c) => {
    log.error("admin_error", { path: new URL(c.req.url).pathname, reason: String(error) });
    return c.text("error: internal error\n", 500);
  });
  return app;
}

type ChangeStatus = 200 | 400 | 403 | 404 | 409 | 500;

/** A JSON object body as parameters; a string says why it is refused. */
async function readJsonParams(c: Context): Promise<Map<string, string> | string> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return "the body must be a JSON object of parameters";
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return "the body must be a JSON object of parameters";
  }
  const params = new Map<string, string>();
  for (const [key, value] of Object.entries(body)) {
    if (!["string", "number", "boolean"].includes(typeof value)) {
      return `parameter "${key}" must be a string, number or boolean`;
    }
    params.set(key, String(value));
  }
  return params;
}

function xml(c: Context, text: string) {
  return c.body(text, 200, { "Content-Type": "application/xml; charset=utf-8" });
}

/** Query parameters, overridden by form fields for POST. */
async function readParams(c: Context): Promise<Map<string, string> | string> {
  const params = new Map<string, string>(Object.entries(c.req.query()));
  if (c.req.method === "POST") {
    const type = c.req.header("content-type") ?? "";
    if (type.includes("form")) {
      let body;
      try {
        body = await c.req.parseBody();
      } catch (error) {
        return `malformed form body: ${(error as Error).message}`;
      }
      for (const [key, value] of Object.entries(body)) {
        if (typeof value === "string") params.set(key, value);
      }
    }
  }
  return params;
}

/** Characters XML 1.0 cannot hold even as references: a name with one could never be saved. */
const NOT_IN_XML =
  // deno-lint-ignore no-control-regex -- control characters are exactly what is refused
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Parameters for the audit line; a password hash is not worth logging. */
function auditFields(params: Map<string, string>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key === "password") fields[key] = "(hash)";
    else if (/^[a-z]+$/i.test(key) && key !== "user" && key !== "action") fields[key] = value;
  }
  return fields;
}
