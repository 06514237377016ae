/**
 * Starting the admin server for a running Director.
 *
 * No `<admin>` block means no admin server. With `secure="yes"` it serves
 * HTTPS with the configured PEM `cert` and `key`. Either way clients reach
 * the front door (`front_door.ts`, which terminates TLS for HTTPS), and it
 * relays to the HTTP server on a private loopback port. When the block has no
 * users, a random password is generated for user `admin`, printed once to
 * the log with how to set a permanent one, and kept only as a hash in
 * memory (it is never written to `/running.xml` or saved).
 *
 * The admin address is bound with `SO_REUSEPORT`, so a replacing Director
 * (`--replace PID`) binds it beside the running one and the port moves
 * over without a gap; should that fail with "address in use" (an older
 * instance bound it without), it is retried for as long as `bindRetryMs`
 * allows.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { DEFAULTS } from "../config/defaults.ts";
import type { AdminUser } from "../config/model.ts";
import { errorMessage } from "../log.ts";
import { hashPassword } from "../passwords/passwords.ts";
import { checkAdminUsers } from "../passwords/users.ts";
import { describeBindError } from "../proxy/listener.ts";
import { netErrorKind } from "../runtime/net_error.ts";
import { createAdminApp } from "./app.ts";
import { AdminFrontDoor } from "./front_door.ts";
import type { AdminState } from "./state.ts";

function randomPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
}

function readPem(path: string | undefined, what: string): string {
  try {
    return readFileSync(path!, "utf8");
  } catch (error) {
    throw new Error(
      `Cannot start the admin server: cannot read ${what} ${path}: ${errorMessage(error)}`,
    );
  }
}

/** A running admin server. */
export interface AdminServer {
  /** Stop accepting (draining: a replacement takes the port); requests in progress finish. */
  close(): void;
}

/** Call `bind` until it does not fail with "address in use", for at most `retryMs`. */
async function bindRetrying<T>(bind: () => T, retryMs: number): Promise<T> {
  const deadline = Date.now() + retryMs;
  while (true) {
    try {
      return bind();
    } catch (error) {
      if (netErrorKind(error) !== "addr-in-use" || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Start the admin server if the config asks for one; throws one clear error if it cannot bind. */
export async function startAdminServer(
  state: AdminState,
  version: string,
  bindRetryMs = 0,
): Promise<AdminServer | undefined> {
  const admin = state.admin;
  if (!admin) return undefined;
  const { log, runtime } = state;

  for (const weak of checkAdminUsers(admin, state.loaded.source)) {
    log.warn("weak_password_hash", {
      user: weak,
      hint: "replace it with a bcrypt hash from `director hash-password`",
    });
  }
  const extraUsers: AdminUser[] = [];
  let generated: string | undefined;
  if (admin.users.length === 0) {
    generated = randomPassword();
    extraUsers.push({ name: "admin", password: await hashPassword(generated, 10), access: "full" });
  }

  const app = createAdminApp({ state, version, extraUsers });
  const scheme = admin.secure ? "https" : "http";
  const tls = admin.secure
    ? { cert: readPem(admin.cert, "certificate"), key: readPem(admin.key, "key") }
    : undefined;
  // Every client goes through the front door (request deadlines, checks, TLS); see front_door.ts.
  let door: AdminFrontDoor | undefined;
  const inner = runtime.serveHttp({ hostname: "127.0.0.1", port: 0 }, (request, info) => {
    const viaDoor = door !== undefined && request.headers.get("x-director-front") === door.secret;
    if (!viaDoor) return app.fetch(request, { remoteAddr: info.remoteAddr });
    const hostname = request.headers.get("x-director-client") ?? "";
    // Decrypted by the door: the request's own URL (the origin checks compare with it) is https.
    if (tls) request = asHttps(request);
    return app.fetch(request, { remoteAddr: { hostname } });
  });
  try {
    door = await bindRetrying(() =>
      new AdminFrontDoor(
        runtime,
        { hostname: admin.listen.hostname, port: admin.listen.port },
        inner.addr,
        () => state.timeouts.adminRequestMs ?? DEFAULTS.adminRequestMs,
        log,
        tls,
      ), bindRetryMs);
  } catch (error) {
    await inner.shutdown();
    throw new Error(`Cannot listen on ${admin.listen.spec} (admin): ${bindReason(error)}`);
  }
  door.run();
  announce(state, scheme, generated);
  return { close: () => door!.close() };
}

/**
 * `request` with its `https:` URL; the same method, headers, body (streamed)
 * and signal. A URL that does not parse (a malformed `Host`, which the
 * runtime took as it came) stays as it is, as over plain HTTP: no origin
 * can match it either way.
 */
function asHttps(request: Request): Request {
  const bodyless = request.method === "GET" || request.method === "HEAD";
  let url: URL;
  try {
    url = new URL(request.url.replace(/^http:/, "https:"));
  } catch {
    return request;
  }
  return new Request(url, {
    method: request.method,
    headers: request.headers,
    body: bodyless ? null : request.body,
    signal: request.signal,
    duplex: "half",
  } as RequestInit);
}

function bindReason(error: unknown): string {
  return describeBindError(error);
}

/** Log where the admin listens, and the generated password if there is one. */
function announce(state: AdminState, scheme: string, generated: string | undefined): void {
  const { log } = state;
  const listen = state.admin!.listen.spec;
  log.info("admin_listening", { listen, url: `${scheme}://${listen}/` });
  if (generated) {
    // Printed once, on purpose: the config has no user, and this is the only way in.
    log.warn("admin_password_generated", {
      user: "admin",
      password: generated,
      hint: 'valid until restart; add <user name=… password=HASH access="full"/> to <admin>, ' +
        "with HASH from `director hash-password`",
    });
  }
}
