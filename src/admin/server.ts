/**
 * Starting the admin server for a running Director.
 *
 * No `<admin>` block means no admin server. With `secure="yes"` it serves
 * HTTPS with the configured PEM `cert` and `key`. When the block has no
 * users, a random password is generated for user `admin`, printed once to
 * the log with how to set a permanent one, and kept only as a hash in
 * memory (it is never written to `/running.xml` or saved).
 *
 * The plain-HTTP address is bound with `SO_REUSEPORT`, so a replacing
 * Director (`--replace PID`) binds it beside the running one and the port
 * moves over without a gap; HTTPS (the runtime's own server) is retried
 * until the old instance lets go, for as long as `bindRetryMs` allows.
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
import type { HttpServer } from "../runtime/types.ts";
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
  if (!admin.secure) {
    // Plain HTTP goes through the front door (request deadlines); see front_door.ts.
    let door: AdminFrontDoor | undefined;
    const inner = runtime.serveHttp({ hostname: "127.0.0.1", port: 0 }, (request, info) => {
      const viaDoor = door !== undefined && request.headers.get("x-director-front") === door.secret;
      const hostname = viaDoor
        ? request.headers.get("x-director-client") ?? ""
        : info.remoteAddr.hostname;
      return app.fetch(request, { remoteAddr: { hostname } });
    });
    try {
      door = new AdminFrontDoor(
        runtime,
        { hostname: admin.listen.hostname, port: admin.listen.port },
        inner.addr,
        () => state.timeouts.adminRequestMs ?? DEFAULTS.adminRequestMs,
        log,
      );
    } catch (error) {
      await inner.shutdown();
      throw new Error(`Cannot listen on ${admin.listen.spec} (admin): ${bindReason(error)}`);
    }
    door.run();
    announce(state, scheme, generated);
    return { close: () => door!.close() };
  }
  const tls = { cert: readPem(admin.cert, "certificate"), key: readPem(admin.key, "key") };
  let server: HttpServer;
  try {
    server = await bindRetrying(() =>
      runtime.serveHttp(
        { hostname: admin.listen.hostname, port: admin.listen.port, ...tls },
        (request, info) => app.fetch(request, { remoteAddr: info.remoteAddr }),
      ), bindRetryMs);
  } catch (error) {
    throw new Error(`Cannot listen on ${admin.listen.spec} (admin): ${bindReason(error)}`);
  }
  announce(state, scheme, generated);
  return { close: () => void server.shutdown().catch(() => {}) };
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
