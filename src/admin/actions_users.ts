/**
 * Admin change calls on users: addUser and delUser.
 *
 * Passwords arrive as crypt(3) hashes (make one with
 * `director hash-password`); a plaintext password is refused, so it is never
 * stored, and never echoed or logged.
 *
 * @module
 */
import type { Access } from "../config/model.ts";
import { type Action, ActionError, need } from "./action_support.ts";
import { hashScheme, isWeakScheme } from "./passwords.ts";

function access(value: string): Access {
  if (value !== "full" && value !== "readonly") {
    throw new ActionError(400, `access must be "full" or "readonly", not "${value}"`);
  }
  return value;
}

/** A password parameter must be a supported crypt hash: plaintext is never stored. */
function checkedHash(password: string): string {
  if (!hashScheme(password)) {
    throw new ActionError(
      400,
      "password must be a crypt hash (bcrypt recommended: run `director hash-password`); " +
        "plaintext passwords are refused",
    );
  }
  return password;
}

// deno-lint-ignore no-control-regex -- control characters are exactly what is refused
const CONTROL_CHARACTER = /[\x00-\x1f\x7f]/;

export const userActions: Record<string, Action> = {
  addUser(ctx) {
    const admin = ctx.director.admin;
    if (!admin) throw new ActionError(409, "there is no admin block in the config");
    const name = need(ctx.params, "name");
    if (name.includes(":") || CONTROL_CHARACTER.test(name)) {
      throw new ActionError(400, "a user name cannot contain ':' or control characters");
    }
    const password = checkedHash(need(ctx.params, "password"));
    const level = access(need(ctx.params, "access"));
    if (admin.users.some((u) => u.name === name)) {
      throw new ActionError(409, `a user "${name}" already exists`);
    }
    admin.users.push({ name, password, access: level });
    const scheme = hashScheme(password)!;
    if (isWeakScheme(scheme)) {
      ctx.director.log.warn("weak_password_hash", { user: name, scheme });
    }
    return `added ${level} user "${name}"`;
  },

  changeUser(ctx) {
    const admin = ctx.director.admin;
    const name = need(ctx.params, "name");
    const user = admin?.users.find((u) => u.name === name);
    if (!admin || !user) throw new ActionError(404, `no user "${name}"`);
    const password = ctx.params("password")
      ? checkedHash(need(ctx.params, "password"))
      : user.password;
    const level = ctx.params("access") ? access(need(ctx.params, "access")) : user.access;
    const fullUsers = admin.users.filter((u) => u.access === "full");
    if (user.access === "full" && level !== "full" && fullUsers.length === 1) {
      throw new ActionError(
        409,
        `cannot make "${name}" read-only: it is the last user with full access`,
      );
    }
    user.password = password;
    user.access = level;
    return `changed user "${name}" (${level})`;
  },

  delUser(ctx) {
    const admin = ctx.director.admin;
    const name = need(ctx.params, "name");
    const user = admin?.users.find((u) => u.name === name);
    if (!admin || !user) throw new ActionError(404, `no user "${name}"`);
    const fullUsers = admin.users.filter((u) => u.access === "full");
    if (user.access === "full" && fullUsers.length === 1) {
      throw new ActionError(409, `cannot delete "${name}": it is the last user with full access`);
    }
    admin.users = admin.users.filter((u) => u !== user);
    return `deleted user "${name}"`;
  },
};
