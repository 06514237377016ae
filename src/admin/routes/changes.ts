/**
 * The admin's change URLs: every call of the change API as GET with a
 * query string (what legacy curl/wget scripts send) and as a POST form
 * (what the page sends), and as `POST /api/v1/<call>` with a JSON object.
 * `readonly` users get 403, and so does any request a browser marks as
 * cross-site. A browser is redirected to `/running?resultMessage=…` after
 * a change; other clients get `ok: …` (or JSON).
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { ChangeApi } from "../../changes/api.ts";
import { ChangeError } from "../../changes/errors.ts";
import { crossSiteReason } from "../csrf.ts";
import type { AdminDeps, ChangeStatus, Env } from "../env.ts";
import { runningPage } from "./views.ts";

const wantsHtml = (c: Context) => (c.req.header("accept") ?? "").includes("text/html");

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

/** Query parameters, overridden by form fields for POST. */
async function readParams(c: Context): Promise<Map<string, string> | string> {
  const params = new Map<string, string>(Object.entries(c.req.query()));
  if (c.req.method === "POST" && (c.req.header("content-type") ?? "").includes("form")) {
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
  return params;
}

export function changeRoutes(deps: AdminDeps): Hono<Env> {
  const { state } = deps;
  const app = new Hono<Env>();

  /** Run change call `name` as the request's user; refusals are logged and returned. */
  async function change(c: Context<Env>, name: string, params: Map<string, string>) {
    const user = c.get("user");
    const refuse = (status: ChangeStatus, message: string) => {
      state.log.warn("admin_refused", { user: user.name, action: name, status, reason: message });
      return { status, message };
    };
    if (!ChangeApi.call(name)) return refuse(404, `no change call "${name}"`);
    if (user.access !== "full") return refuse(403, `user "${user.name}" has read-only access`);
    const crossSite = crossSiteReason(c.req.raw);
    if (crossSite) return refuse(403, crossSite);
    try {
      return { status: 200 as const, message: await state.changes.run(name, params, user.name) };
    } catch (error) {
      if (error instanceof ChangeError) return refuse(error.status, error.message);
      throw error;
    }
  }

  /** After a change: browsers go back to the page, scripts get one line. */
  function respond(c: Context<Env>, code: ChangeStatus, message: string) {
    if (wantsHtml(c)) {
      if (code === 200) {
        return c.redirect(`/running?resultMessage=${encodeURIComponent(message)}`, 303);
      }
      return runningPage(c, deps, message, "error", code);
    }
    return c.text(`${code === 200 ? "ok" : "error"}: ${message}\n`, code);
  }

  for (const name of ChangeApi.names) {
    app.on(["GET", "POST"], `/${name}`, async (c) => {
      const params = await readParams(c);
      if (typeof params === "string") return respond(c, 400, params);
      const { status, message } = await change(c, name, params);
      return respond(c, status, message);
    });
  }

  app.get("/api/v1", (c) => c.json({ status: "/api/v1/status", changes: ChangeApi.names }));
  app.post("/api/v1/:action", async (c) => {
    const params = await readJsonParams(c);
    if (typeof params === "string") return c.json({ ok: false, status: 400, error: params }, 400);
    const { status, message } = await change(c, c.req.param("action"), params);
    return c.json(
      status === 200 ? { ok: true, message } : { ok: false, status, error: message },
      status,
    );
  });
  return app;
}
