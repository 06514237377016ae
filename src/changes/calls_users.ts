/**
 * Change calls on admin users: addUser, changeUser, delUser. Users are
 * this node's own (its `<admin>` block), so these change nothing shared.
 *
 * Passwords arrive as crypt(3) hashes (make one with
 * `director hash-password`); a plaintext password is refused, so it is never
 * stored, and never echoed or logged.
 *
 * @module
 */
import type { Access, AdminUser } from "../config/model.ts";
import { hashScheme, isWeakScheme } from "../passwords/passwords.ts";
import { type CallContext, type ChangeCall, node } from "./context.ts";
import { ChangeError } from "./errors.ts";
import { need, optional } from "./params.ts";

function access(value: string): Access {
  if (value !== "full" && value !== "readonly") {
    throw new ChangeError(400, `access must be "full" or "readonly", not "${value}"`);
  }
  return value;
}

/** A password parameter must be a supported crypt hash: plaintext is never stored. */
function checkedHash(password: string): string {
  if (!hashScheme(password)) {
    throw new ChangeError(
      400,
      "password must be a crypt hash (bcrypt recommended: run `director hash-password`); " +
        "plaintext passwords are refused",
    );
  }
  return password;
}

// deno-lint-ignore no-control-regex -- control characters are exactly what is refused
const CONTROL_CHARACTER = /[\x00-\x1f\x7f]/;

/** The users and the one named by `name` (404 when there is none). */
function namedUser(ctx: CallContext): { users: AdminUser[]; user: AdminUser } {
  const name = need(ctx.params, "name");
  const users = ctx.target.users();
  const user = users?.find((u) => u.name === name);
  if (!users || !user) throw new ChangeError(404, `no user "${name}"`);
  return { users, user };
}

/** Is `user` the last one with full access (so it must stay)? */
const lastFull = (users: AdminUser[], user: AdminUser) =>
  user.access === "full" && users.filter((u) => u.access === "full").length === 1;

export const userCalls: Record<string, ChangeCall> = {
  addUser: node((ctx) => {
    const users = ctx.target.users();
    if (!users) throw new ChangeError(409, "there is no admin block in the config");
    const name = need(ctx.params, "name");
    if (name.includes(":") || CONTROL_CHARACTER.test(name)) {
      throw new ChangeError(400, "a user name cannot contain ':' or control characters");
    }
    const password = checkedHash(need(ctx.params, "password"));
    const level = access(need(ctx.params, "access"));
    if (users.some((u) => u.name === name)) {
      throw new ChangeError(409, `a user "${name}" already exists`);
    }
    ctx.target.setUsers([...users, { name, password, access: level }]);
    const scheme = hashScheme(password)!;
    if (isWeakScheme(scheme)) ctx.target.log.warn("weak_password_hash", { user: name, scheme });
    return { message: `added ${level} user "${name}"` };
  }),

  changeUser: node((ctx) => {
    const { users, user } = namedUser(ctx);
    const passwordText = optional(ctx.params, "password");
    const password = passwordText === undefined ? user.password : checkedHash(passwordText);
    const accessText = optional(ctx.params, "access");
    const level = accessText === undefined ? user.access : access(accessText);
    if (level !== "full" && lastFull(users, user)) {
      throw new ChangeError(
        409,
        `cannot make "${user.name}" read-only: it is the last user with full access`,
      );
    }
    ctx.target.setUsers(users.map((u) => u === user ? { ...u, password, access: level } : u));
    return { message: `changed user "${user.name}" (${level})` };
  }),

  delUser: node((ctx) => {
    const { users, user } = namedUser(ctx);
    if (lastFull(users, user)) {
      throw new ChangeError(
        409,
        `cannot delete "${user.name}": it is the last user with full access`,
      );
    }
    ctx.target.setUsers(users.filter((u) => u !== user));
    return { message: `deleted user "${user.name}"` };
  }),
};
