/**
 * The admin app's Hono environment and what its parts share.
 *
 * @module
 */
import type { AdminUser } from "../config/model.ts";
import type { AuthenticatedUser, Authenticator, LoginThrottle } from "./auth.ts";
import type { AdminState } from "./state.ts";

/** What the server passes as `env` to `app.fetch`. */
export interface AdminEnv {
  remoteAddr?: { hostname: string };
}

export type Env = { Bindings: AdminEnv; Variables: { user: AuthenticatedUser } };

export interface AdminDeps {
  state: AdminState;
  version: string;
  /** Users beyond the config's (the generated `admin` when the config has none). */
  extraUsers?: AdminUser[];
  authenticator?: Authenticator;
  throttle?: LoginThrottle;
}

/** The statuses a change answers with. */
export type ChangeStatus = 200 | 400 | 403 | 404 | 409 | 500 | 503;
