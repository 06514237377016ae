/**
 * What every admin request passes through: security headers, the URL
 * length cap, HTTP Basic authentication with the login throttle, the
 * request deadline and the body size cap.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { DEFAULTS } from "../config/defaults.ts";
import { Authenticator, LoginThrottle } from "./auth.ts";
import type { AdminDeps, Env } from "./env.ts";

const MAX_URL_LENGTH = 8 * 1024;
const MAX_BODY_BYTES = 64 * 1024;

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

export const securityHeaders: MiddlewareHandler<Env> = async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
};

/** Basic authentication; failed logins are throttled per client address. */
export function authenticate(deps: AdminDeps): MiddlewareHandler<Env> {
  const { state } = deps;
  const users = () => [...(state.admin?.users ?? []), ...(deps.extraUsers ?? [])];
  const authenticator = deps.authenticator ?? new Authenticator(users);
  const throttle = deps.throttle ?? new LoginThrottle();
  return async (c, next) => {
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
        state.log.warn("admin_login_throttled", { client, limit: throttle.limit });
      }
      if (c.req.header("authorization")) state.log.info("admin_login_failed", { client });
      c.header("WWW-Authenticate", 'Basic realm="Director", charset="UTF-8"');
      return c.text("error: authentication required\n", 401);
    }
    throttle.succeed(client);
    c.set("user", user);
    await next();
  };
}

/**
 * A request must arrive (headers were already read) and be answered in
 * time: a client trickling its body cannot hold a handler forever.
 */
export function requestDeadline(deps: AdminDeps): MiddlewareHandler<Env> {
  return async (c, next) => {
    const limit = deps.state.timeouts.adminRequestMs ?? DEFAULTS.adminRequestMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"timeout">((resolve) =>
      timer = setTimeout(() => resolve("timeout"), limit)
    );
    const outcome = await Promise.race([next().then(() => "done" as const), expired]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      c.res = c.text("error: request timeout\n", 408, { Connection: "close" });
    }
  };
}

export const limitBody: MiddlewareHandler<Env> = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => c.text("error: request body too large\n", 413),
});
