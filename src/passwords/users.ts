/**
 * The admin users a config may hold: every password must be a supported
 * crypt hash (a plaintext password in a file lands here too).
 *
 * @module
 */
import type { AdminConfig } from "../config/model.ts";
import { ConfigError } from "../config/model.ts";
import { hashScheme, isWeakScheme } from "./passwords.ts";

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
