/**
 * The digest-based crypt(3) schemes, on `node:crypto` hashes:
 *
 * - MD5-crypt (`$1$`), Poul-Henning Kamp's FreeBSD algorithm, and its
 *   Apache variant (`$apr1$`), which differs only in the magic string mixed
 *   into the first digest.
 * - SHA-crypt (`$5$` SHA-256, `$6$` SHA-512), Ulrich Drepper's
 *   specification "Unix crypt using SHA-256 and SHA-512"
 *   (https://www.akkadia.org/drepper/SHA-crypt.txt); step numbers in the
 *   comments refer to it.
 *
 * Passwords are hashed as their UTF-8 bytes, like crypt(3) does with what
 * the terminal sent. Each function returns the complete hash string, which
 * the caller compares with the stored one (in constant time).
 *
 * (The npm packages evaluated for these were wrong for some inputs:
 * `apache-md5` encodes passwords as Latin-1, `unixcrypt` mishandles
 * passwords of exactly 32/64 bytes; hence this module.)
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { CRYPT_ALPHABET } from "./crypt_des.ts";

/**
 * Which digest bytes form each group of the crypt base-64 output: a group
 * of 3 bytes (first one most significant) gives 4 characters, least
 * significant 6 bits first; a final group of n < 3 bytes gives n + 1.
 */
const MD5_ORDER = [[0, 6, 12], [1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 5], [11]];
// deno-fmt-ignore
const SHA256_ORDER = [
  [0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14],
  [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29], [31, 30],
];
// deno-fmt-ignore
const SHA512_ORDER = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26],
  [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32],
  [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38],
  [18, 39, 60], [40, 61, 19], [62, 20, 41], [63],
];

/** SHA-crypt rounds: the default, and the range other values are clamped to. */
export const SHA_ROUNDS_DEFAULT = 5000;
const SHA_ROUNDS_MIN = 1000;
const SHA_ROUNDS_MAX = 999_999_999;

function encode64(digest: Uint8Array, order: number[][]): string {
  let out = "";
  for (const group of order) {
    let word = 0;
    for (const index of group) word = (word << 8) | digest[index];
    for (let n = 0; n <= group.length; n++, word >>>= 6) out += CRYPT_ALPHABET[word & 63];
  }
  return out;
}

function digest(algorithm: string, ...parts: Uint8Array[]): Buffer {
  const hash = createHash(algorithm);
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** `source` repeated (and cut) to exactly `length` bytes. */
function repeatTo(source: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = source[i % source.length];
  return out;
}

function passwordBytes(password: string, scheme: string): Buffer {
  if (password.includes("\0")) {
    throw new Error(`Cannot compute ${scheme}: the password contains a NUL character`);
  }
  return Buffer.from(password, "utf8");
}

function checkSalt(salt: string, max: number, scheme: string): Buffer {
  if (!new RegExp(`^[./0-9A-Za-z]{0,${max}}$`).test(salt)) {
    throw new Error(
      `Cannot compute ${scheme}: the salt must be 0-${max} characters of [./0-9A-Za-z]`,
    );
  }
  return Buffer.from(salt, "ascii");
}

/**
 * MD5-crypt: `$1$salt$…` (or `$apr1$salt$…` with `magic` `"$apr1$"`),
 * salt of at most 8 characters. 1000 MD5 rounds: weak by today's standards.
 */
export function md5Crypt(password: string, salt: string, magic: "$1$" | "$apr1$" = "$1$"): string {
  const pw = passwordBytes(password, "MD5-crypt");
  const s = checkSalt(salt, 8, "MD5-crypt");
  const alternate = digest("md5", pw, s, pw);
  // One byte per bit of the password length, low bit first: NUL if set,
  // else the first password byte (PHK's code reads a zeroed buffer).
  const bits: Uint8Array[] = [];
  for (let n = pw.length; n > 0; n >>= 1) bits.push(n & 1 ? Buffer.of(0) : pw.subarray(0, 1));
  let final = digest("md5", pw, Buffer.from(magic), s, repeatTo(alternate, pw.length), ...bits);
  // 1000 rounds "to slow down brute force", mixing password, salt and the
  // previous digest in an order that depends on the round number.
  for (let i = 0; i < 1000; i++) {
    final = digest(
      "md5",
      i & 1 ? pw : final,
      i % 3 ? s : Buffer.alloc(0),
      i % 7 ? pw : Buffer.alloc(0),
      i & 1 ? final : pw,
    );
  }
  return `${magic}${salt}$${encode64(final, MD5_ORDER)}`;
}

/**
 * SHA-crypt: `$5$` (`"sha256"`) or `$6$` (`"sha512"`), salt of at most 16
 * characters. With `rounds` given, it is clamped to 1000..999999999 and
 * written as `rounds=N$`; without, 5000 rounds and no `rounds=` field.
 */
export function shaCrypt(
  password: string,
  algorithm: "sha256" | "sha512",
  salt: string,
  rounds?: number,
): string {
  const scheme = algorithm === "sha256" ? "SHA-256-crypt" : "SHA-512-crypt";
  const pw = passwordBytes(password, scheme);
  const s = checkSalt(salt, 16, scheme);
  if (rounds !== undefined && !Number.isSafeInteger(rounds)) {
    throw new Error(`Cannot compute ${scheme}: rounds must be an integer, got ${rounds}`);
  }
  const count = rounds === undefined
    ? SHA_ROUNDS_DEFAULT
    : Math.min(SHA_ROUNDS_MAX, Math.max(SHA_ROUNDS_MIN, rounds));
  // Steps 4-8: digest B = H(password, salt, password).
  const b = digest(algorithm, pw, s, pw);
  // Steps 1-3 and 9-12: digest A = H(password, salt, B repeated to the
  // password length, then per bit of that length (low first) B or password).
  const bits: Uint8Array[] = [];
  for (let n = pw.length; n > 0; n >>= 1) bits.push(n & 1 ? b : pw);
  const a = digest(algorithm, pw, s, repeatTo(b, pw.length), ...bits);
  // Steps 13-16: P = H(password repeated length times), cut to the length.
  const p = repeatTo(digest(algorithm, ...Array(pw.length).fill(pw)), pw.length);
  // Steps 17-20: S = H(salt repeated 16 + A[0] times), cut to the salt length.
  const sp = repeatTo(digest(algorithm, ...Array(16 + a[0]).fill(s)), s.length);
  // Step 21: the rounds.
  let c = a;
  for (let i = 0; i < count; i++) {
    const hash = createHash(algorithm);
    hash.update(i & 1 ? p : c);
    if (i % 3) hash.update(sp);
    if (i % 7) hash.update(p);
    hash.update(i & 1 ? c : p);
    c = hash.digest();
  }
  // Step 22: the output string.
  const prefix = algorithm === "sha256" ? "$5$" : "$6$";
  const roundsField = rounds === undefined ? "" : `rounds=${count}$`;
  const order = algorithm === "sha256" ? SHA256_ORDER : SHA512_ORDER;
  return `${prefix}${roundsField}${salt}$${encode64(c, order)}`;
}
