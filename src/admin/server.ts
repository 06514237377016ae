/**
 * Starting the admin server for a running Director.
 *
 * No `<admin>` block means no admin server. With `secure="yes"` it serves
 * HTTPS with the configured PEM `cert` and `key`. When the block has no
 * users, a random password is generated for user `admin`, printed once to
 * the log with how to set a permanent one, and kept only as a hash in
 * memory (it is never written to `/running.xml` or saved).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import type { AdminConfig, AdminUser } from "../config/model.ts";
import { ConfigError } from "../config/model.ts";
import type { Director } from "../director.ts";
import { errorMessage } from "../log.ts";
import type { HttpServer } from "../runtime/types.ts";
import { type AdminDeps, createAdminApp } from "./app.ts";
import { AdminFrontDoor } from "./front_door.ts";
import { describeBindError } from "../proxy/listener.ts";
import { hashPassword, hashScheme, isWeakScheme } from "./passwords.ts";

/**
 * Check every admin user's password hash; an unknown scheme is a config
 * error naming the user (a plaintext password in the file lands here too).
 */
export function checkAdminUsers(admin: AdminConfig | undefined, file: string): string[] {
  const weak: string[] = [];
  for (const user of admin?.users ?? []) {
    const scheme = hashScheme(user.password);
    if (!scheme) {
      throw new ConfigError(
        `${file}: <user name="${user.name}">: password is not a supported crypt hash ` +
          `(bcrypt $2b$ recommended — make one with "director hash-password"; also accepted: ` +
          `$6$, $5$, $1$, $apr1$, 13-character DES)`,
        file,
      );
    }
    if (isWeakScheme(scheme)) weak.push(`${user.name} (${scheme})`);
  }
  return weak;
}

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

/** Start the admin server if the config asks for one; throws one clear error if it cannot bind. */
export async function startAdminServer(
  director: Director,
  version: string,
  hooks: Pick<AdminDeps, "afterChange"> = {},
): Promise<HttpServer | undefined> {
  const admin = director.admin;
  if (!admin) return undefined;
  const { log, runtime } = director;

  for (const weak of checkAdminUsers(admin, director.loaded.source)) {
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

  const app = createAdminApp({ director, version, extraUsers, ...hooks });
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
        () => director.timeouts.adminRequestMs ?? 10_000,
        log,
      );
    } catch (error) {
      await inner.shutdown();
      throw new Error(`Cannot listen on ${admin.listen.spec} (admin): ${bindReason(error)}`);
    }
    door.run();
    announce(director, scheme, generated);
    return inner;
  }
  const tls = { cert: readPem(admin.cert, "certificate"), key: readPem(admin.key, "key") };
  let server: HttpServer;
  try {
    server = runtime.serveHttp(
      { hostname: admin.listen.hostname, port: admin.listen.port, ...tls },
      (request, info) => app.fetch(request, { remoteAddr: info.remoteAddr }),
    );
  } catch (error) {
    throw new Error(`Cannot listen on ${admin.listen.spec} (admin): ${bindReason(error)}`);
  }
  announce(director, scheme, generated);
  return server;
}

function bindReason(error: unknown): string {
  return describeBindError(error);
}

/** Log where the admin listens, and the generated password if there is one. */
function announce(director: Director, scheme: string, generated: string | undefined): void {
  const { log } = director;
  const listen = director.admin!.listen.spec;
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
