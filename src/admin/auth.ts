/**
 * HTTP Basic authentication for the admin server.
 *
 * Users come from the running config (they change with addUser/delUser),
 * plus an optional generated user when the config has none. Passwords are
 * crypt(3)-family hashes; verification goes through a cache of successful
 * checks so bcrypt is not paid on every request.
 *
 * Nothing tells an attacker whether a user exists: an unknown name is
 * checked against a dummy hash of the same cost, and every failure gets the
 * same 401. Failed logins are rate-limited per client address.
 *
 * @module
 */
import type { Access, AdminUser } from "../config/model.ts";
import { PasswordVerifier } from "../passwords/passwords.ts";

export interface AuthenticatedUser {
  name: string;
  access: Access;
}

/**
 * A bcrypt hash (cost 12, the `hash-password` default) of a random string
 * nobody knows: checked for unknown names so they cost what a real user costs.
 */
const DUMMY_HASH = "$2b$12$eXPoWH2aGcjdWTEboQzLaOnsniyUe7Wep/ZFAPuRwankstJd8i6ke";

/** Decode an `Authorization: Basic …` header; undefined when absent or malformed. */
export function parseBasicAuth(
  header: string | undefined,
): { name: string; password: string } | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(match[1]), (c) => c.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { name: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Failed logins per client address: after `limit` failures in `windowMs`, refuse for a while. */
export class LoginThrottle {
  #failures = new Map<string, { count: number; since: number }>();
  constructor(readonly limit = 10, readonly windowMs = 60_000, readonly maxClients = 10_000) {}

  /** Milliseconds the client must still wait, or 0 when it may try. */
  retryAfter(client: string, now: number): number {
    const entry = this.#failures.get(client);
    if (!entry || now - entry.since >= this.windowMs) return 0;
    return entry.count >= this.limit ? this.windowMs - (now - entry.since) : 0;
  }

  /** Record a failure; returns true the first time the client crosses the limit (log once). */
  fail(client: string, now: number): boolean {
    let entry = this.#failures.get(client);
    if (!entry || now - entry.since >= this.windowMs) {
      if (this.#failures.size >= this.maxClients) this.#prune(now);
      entry = { count: 0, since: now };
      this.#failures.set(client, entry);
    }
    entry.count++;
    return entry.count === this.limit;
  }

  succeed(client: string): void {
    this.#failures.delete(client);
  }

  #prune(now: number): void {
    for (const [client, entry] of this.#failures) {
      if (now - entry.since >= this.windowMs) this.#failures.delete(client);
    }
    // Still full (an attack from very many addresses): forget the oldest half.
    if (this.#failures.size >= this.maxClients) {
      const keys = [...this.#failures.keys()];
      for (const key of keys.slice(0, keys.length / 2)) this.#failures.delete(key);
    }
  }
}

export class Authenticator {
  #verifier: PasswordVerifier;
  #users: () => readonly AdminUser[];

  /** `users` is read at each request, so run-time user changes apply at once. */
  constructor(users: () => readonly AdminUser[], verifier = new PasswordVerifier()) {
    this.#users = users;
    this.#verifier = verifier;
  }

  /** The user the header authenticates, or undefined. */
  async authenticate(header: string | undefined): Promise<AuthenticatedUser | undefined> {
    const credentials = parseBasicAuth(header);
    if (!credentials) return undefined;
    const user = this.#users().find((u) => u.name === credentials.name);
    const ok = await this.#verifier.verify(credentials.password, user?.password ?? DUMMY_HASH);
    return ok && user ? { name: user.name, access: user.access } : undefined;
  }
}
