/**
 * The admin users a config may hold: a supported hash passes (the weak old
 * schemes are named for a warning), anything else — a plaintext password
 * above all — is a config error naming the file and the user.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../src/config/model.ts";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { checkAdminUsers } from "../../src/passwords/users.ts";

const admin = (users: [string, string][]) => ({
  listen: { hostname: "127.0.0.1", port: 9000, spec: "127.0.0.1:9000" },
  secure: false,
  users: users.map(([name, password]) => ({ name, password, access: "full" as const })),
});

test("admin users: bcrypt passes; weak schemes pass but are named", async () => {
  const bcrypt = await hashPassword("x", 4);
  assert.deepEqual(checkAdminUsers(admin([["ops", bcrypt]]), "d.xml"), []);
  // Traditional 13-character DES crypt and MD5 crypt: accepted, but weak.
  const weak = checkAdminUsers(
    admin([["old", "abJnggxhB/yWI"], ["md5", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/"]]),
    "d.xml",
  );
  assert.equal(weak.length, 2);
  assert.match(weak[0], /^old \(/);
  assert.match(weak[1], /^md5 \(/);
  assert.deepEqual(checkAdminUsers(undefined, "d.xml"), [], "no <admin> block");
});

test("admin users: a plaintext password is a config error naming the file and user", () => {
  assert.throws(
    () => checkAdminUsers(admin([["ops", "hunter2"]]), "/etc/director.xml"),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.file, "/etc/director.xml");
      assert.match(error.message, /^\/etc\/director\.xml: <user name="ops">: password is not/);
      assert.match(error.message, /director hash-password/);
      return true;
    },
  );
});
