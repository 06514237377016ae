/**
 * Password hashes for the admin interface's HTTP Basic auth.
 *
 * The `password` attribute of a config user holds a crypt(3)-family hash:
 *
 * | scheme   | format                                | notes                       |
 * | -------- | ------------------------------------- | --------------------------- |
 * | `des`    | `abhWCwoTZY2c6` (13 chars)            | weak: 8 chars, 12-bit salt  |
 * | `md5`    | `$1$salt$…` (22-char hash)            | weak: 1000 MD5 rounds       |
 * | `apr1`   | `$apr1$salt$…` (Apache `htpasswd -m`) | weak: as `md5`              |
 * | `sha256` | `$5$[rounds=N$]salt$…`                | glibc SHA-crypt             |
 * | `sha512` | `$6$[rounds=N$]salt$…`                | glibc SHA-crypt             |
 * | `bcrypt` | `$2a$`/`$2b$`/`$2y$`, cost, 53 chars  | recommended: `hashPassword` |
 *
 * {@linkcode verifyPassword} recomputes the hash of a candidate password
 * and compares the strings in constant time. bcrypt is deliberately slow
 * (~100+ ms), so {@linkcode PasswordVerifier} remembers successful checks
 * (as SHA-256 digests, never the password) and lets failed ones always pay
 * the full price.
 *
 * Plain passwords are never logged, stored, or put in error messages here.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash, timingSafeEqual } from "node:crypto";
import bcrypt from "bcryptjs";
import { desCrypt } from "./crypt_des.ts";
import { md5Crypt, shaCrypt } from "./crypt_digest.ts";

/** The password hash schemes Director understands. */
export type HashScheme = "des" | "md5" | "apr1" | "sha256" | "sha512" | "bcrypt";

/** Well-formed hashes of each scheme (salts and hashes in the crypt alphabet). */
const FORMATS: Readonly<Record<HashScheme, RegExp>> = {
  des: /^[./0-9A-Za-z]{13}$/,
  md5: /^\$1\$([./0-9A-Za-z]{0,8})\$[./0-9A-Za-z]{22}$/,
  apr1: /^\$apr1\$([./0-9A-Za-z]{0,8})\$[./0-9A-Za-z]{22}$/,
  sha256: /^\$5\$(?:rounds=(\d{1,9})\$)?([./0-9A-Za-z]{0,16})\$[./0-9A-Za-z]{43}$/,
  sha512: /^\$6\$(?:rounds=(\d{1,9})\$)?([./0-9A-Za-z]{0,16})\$[./0-9A-Za-z]{86}$/,
  bcrypt: /^\$2[aby]\$(?:0[4-9]|[12]\d|3[01])\$[./0-9A-Za-z]{53}$/,
};
const SCHEMES = Object.keys(FORMATS) as HashScheme[];

/** The scheme of a stored hash, or `undefined` when it is not a hash Director knows. */
export function hashScheme(hash: string): HashScheme | undefined {
  if (typeof hash !== "string") return undefined;
  return SCHEMES.find((scheme) => FORMATS[scheme].test(hash));
}

/** Whether a scheme is too weak for today (Director warns about these at start). */
export function isWeakScheme(scheme: HashScheme): boolean {
  return scheme === "des" || scheme === "md5" || scheme === "apr1";
}

/**
 * Whether two strings are equal, in time that depends only on the length of
 * `computed` (the scheme fixes it, so it is public) and not on where they
 * differ. `timingSafeEqual` needs equal lengths: when they differ, `computed`
 * is compared with itself and the answer is false.
 */
export function constantTimeEqual(computed: string, stored: string): boolean {
  const a = Buffer.from(computed, "utf8");
  const b = Buffer.from(stored, "utf8");
  const same = timingSafeEqual(a, a.length === b.length ? b : a);
  return same && a.length === b.length;
}

/** The hash of `password` with the scheme, salt and cost of `hash`. */
async function rehash(password: string, hash: string, scheme: HashScheme): Promise<string> {
  switch (scheme) {
    case "des":
      return desCrypt(password, hash.slice(0, 2));
    case "md5":
    case "apr1": {
      const [, salt] = FORMATS[scheme].exec(hash)!;
      return md5Crypt(password, salt, scheme === "md5" ? "$1$" : "$apr1$");
    }
    case "sha256":
    case "sha512": {
      const [, rounds, salt] = FORMATS[scheme].exec(hash)!;
      return shaCrypt(password, scheme, salt, rounds === undefined ? undefined : Number(rounds));
    }
    case "bcrypt":
      // The first 29 characters are `$2x$NN$` and the 22-character salt;
      // bcryptjs keeps the `a`/`b`/`y` minor version in its output.
      return await bcrypt.hash(password, hash.slice(0, 29));
  }
}

/**
 * Whether `password` matches the stored crypt(3)-style `hash`. False for a
 * hash of an unknown scheme, and for a password with a NUL character (which
 * crypt(3) would have cut short).
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const scheme = hashScheme(hash);
  if (scheme === undefined || typeof password !== "string" || password.includes("\0")) {
    return false;
  }
  return constantTimeEqual(await rehash(password, hash, scheme), hash);
}

/** Hash a password with bcrypt (`$2b$`, cost = log2 of the rounds, 4..31). */
export async function hashPassword(password: string, cost = 12): Promise<string> {
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) {
    throw new Error(
      `Cannot hash password: the bcrypt cost must be an integer from 4 to 31, got ${cost}`,
    );
  }
  if (password.includes("\0")) {
    throw new Error("Cannot hash password: it contains a NUL character");
  }
  if (Buffer.byteLength(password, "utf8") > 72) {
    throw new Error("Cannot hash password: it is longer than 72 bytes, which bcrypt ignores");
  }
  return await bcrypt.hash(password, await bcrypt.genSalt(cost));
}

/** Options of a {@linkcode PasswordVerifier}. */
export interface PasswordVerifierOptions {
  /** How many successful checks to remember (least recently used go first); default 1000. */
  maxEntries?: number;
  /** The full check; default {@linkcode verifyPassword} (tests substitute a counter). */
  verify?: (password: string, hash: string) => Promise<boolean>;
}

/**
 * {@linkcode verifyPassword} with a bounded LRU memory of successful checks,
 * so a browser sending the same Basic credentials with every request pays
 * for bcrypt once. The memory holds SHA-256(hash + "\0" + password) only;
 * as the key includes the hash, changing a user's hash makes old entries
 * useless (they age out). Failed checks are never remembered: a wrong
 * password always costs the full hash computation.
 */
export class PasswordVerifier {
  readonly maxEntries: number;
  readonly #verify: (password: string, hash: string) => Promise<boolean>;
  /** Cache keys in use order, least recently used first. */
  readonly #verified = new Set<string>();

  constructor(options: PasswordVerifierOptions = {}) {
    const maxEntries = options.maxEntries ?? 1000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new Error(
        `Cannot create password verifier: maxEntries must be a positive integer, got ${maxEntries}`,
      );
    }
    this.maxEntries = maxEntries;
    this.#verify = options.verify ?? verifyPassword;
  }

  /** Whether `password` matches `hash`, from memory when it matched before. */
  async verify(password: string, hash: string): Promise<boolean> {
    const key = createHash("sha256").update(`${hash}\0${password}`, "utf8").digest("hex");
    if (this.#verified.delete(key)) {
      this.#verified.add(key); // Now the most recently used.
      return true;
    }
    if (!(await this.#verify(password, hash))) return false;
    this.#verified.add(key);
    if (this.#verified.size > this.maxEntries) {
      this.#verified.delete(this.#verified.values().next().value!);
    }
    return true;
  }

  /** How many successful checks are remembered. */
  get size(): number {
    return this.#verified.size;
  }

  /** Forget all remembered checks (e.g. when the config is reloaded). */
  clear(): void {
    this.#verified.clear();
  }
}
