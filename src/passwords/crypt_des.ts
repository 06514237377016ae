/**
 * Traditional DES-based crypt(3), the 13-character hashes of old Unix
 * `/etc/passwd` files and of pythondirector configs (e.g. `abhWCwoTZY2c6`
 * is `crypt("s3cret", "ab")`).
 *
 * The algorithm, as in Seventh Edition Unix `crypt.c`:
 *
 * 1. The key is the first 8 bytes of the password; the low 7 bits of each
 *    byte fill the 7 high bits of a key byte (the parity bit stays 0).
 * 2. The two salt characters (12 bits) perturb the DES E-box: when salt bit
 *    `j` of character `i` is set, E-box entries `6i+j` and `6i+j+24` swap.
 * 3. A block of 64 zero bits is encrypted 25 times with that modified DES.
 * 4. The 64 result bits (padded with 2 zero bits to 66) are written as 11
 *    characters of 6 bits each, most significant bit first, after the salt.
 *
 * Bits are kept one per array element: slow compared to table-driven DES,
 * but short, auditable against the FIPS 46 tables, and a few ms per hash.
 * This scheme is weak (8 significant characters, 12-bit salt); it is only
 * here to accept old configs.
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** The crypt(3) alphabet: character `i` stands for the 6-bit value `i`. */
export const CRYPT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// FIPS 46 tables, 1-based bit numbers as published (FP is the inverse of IP).
// deno-fmt-ignore
const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4,
  62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
  57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3,
  61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];
// deno-fmt-ignore
const FP = [
  40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31,
  38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29,
  36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27,
  34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25,
];
/** Permuted choice 1: the key bits that form the C and D halves. */
// deno-fmt-ignore
const PC1_C = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18,
  10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
];
// deno-fmt-ignore
const PC1_D = [
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22,
  14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];
/** Left rotations of C and D before each of the 16 rounds. */
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
/** Permuted choice 2: the 48 bits of C‖D that form a round key. */
// deno-fmt-ignore
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
  41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
/** The E bit-selection table (expansion of R from 32 to 48 bits). */
// deno-fmt-ignore
const E = [
  32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17,
  16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25, 24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
];
/** The P permutation of the S-box outputs. */
// deno-fmt-ignore
const P = [
  16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10,
  2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
];
/**
 * The 8 S-boxes, one hex digit per entry, 4 rows of 16: the row is chosen by
 * the outer input bits (b0 b5), the column by the inner ones (b1..b4).
 */
const S = [
  "e4d12fb83a6c5907 0f74e2d1a6cb9538 41e8d62bfc973a50 fc8249175b3ea06d",
  "f18e6b34972dc05a 3d47f28ec01a69b5 0e7ba4d158c6932f d8a13f42b67c05e9",
  "a09e63f51dc7b428 d709346a285ecbf1 d6498f30b12c5ae7 1ad069874fe3b52c",
  "7de3069a1285bc4f d8b56f03472c1ae9 a690cb7df13e5284 3f06a1d8945bc72e",
  "2c417ab6853fd0e9 eb2c47d150fa3986 421bad78f9c5630e b8c71e2d6f09a453",
  "c1af92680d34e75b af427c9561de0b38 9ef528c3704a1db6 432c95fabe17608d",
  "4b2ef08d3c975a61 d0b7491ae35c2f86 14bdc37eaf680592 6bd814a7950fe23c",
  "d2846fb1a93e50c7 1fd8a374c56b0e92 7b419ce206adf358 21e74a8dfc90356b",
].map((box) => [...box.replaceAll(" ", "")].map((hex) => parseInt(hex, 16)));

/** Permute `input` by a 1-based table into a new bit array. */
function permute(input: Uint8Array, table: number[]): Uint8Array {
  return Uint8Array.from(table, (bit) => input[bit - 1]);
}

/** The 16 round keys (48 bits each) for a 64-bit key. */
function keySchedule(key: Uint8Array): Uint8Array[] {
  let c = permute(key, PC1_C), d = permute(key, PC1_D);
  return SHIFTS.map((shift) => {
    c = Uint8Array.from({ length: 28 }, (_, i) => c[(i + shift) % 28]);
    d = Uint8Array.from({ length: 28 }, (_, i) => d[(i + shift) % 28]);
    const cd = new Uint8Array(56);
    cd.set(c);
    cd.set(d, 28);
    return permute(cd, PC2);
  });
}

/** One DES encryption of a 64-bit block with a (salt-modified) E-box. */
function encryptBlock(block: Uint8Array, keys: Uint8Array[], ebox: number[]): Uint8Array {
  const bits = permute(block, IP);
  let left = bits.slice(0, 32), right = bits.slice(32);
  for (const key of keys) {
    const f = new Uint8Array(32);
    for (let box = 0; box < 8; box++) {
      const x = (bit: number) => right[ebox[6 * box + bit] - 1] ^ key[6 * box + bit];
      const row = (x(0) << 1) | x(5);
      const column = (x(1) << 3) | (x(2) << 2) | (x(3) << 1) | x(4);
      const value = S[box][16 * row + column];
      for (let bit = 0; bit < 4; bit++) f[4 * box + bit] = (value >> (3 - bit)) & 1;
    }
    const next = left.map((bit, i) => bit ^ f[P[i] - 1]);
    left = right;
    right = next;
  }
  const preoutput = new Uint8Array(64);
  preoutput.set(right); // The halves swap after the last round.
  preoutput.set(left, 32);
  return permute(preoutput, FP);
}

/**
 * `crypt(password, salt)` with traditional DES. `salt` must be two
 * characters of {@linkcode CRYPT_ALPHABET}; the password is taken as UTF-8
 * and only its first 8 bytes count (as in crypt(3)). A password with a NUL
 * character is refused: crypt(3) would silently cut it there.
 */
export function desCrypt(password: string, salt: string): string {
  if (!/^[./0-9A-Za-z]{2}$/.test(salt)) {
    throw new Error("Cannot compute DES crypt: the salt must be 2 characters of [./0-9A-Za-z]");
  }
  if (password.includes("\0")) {
    throw new Error("Cannot compute DES crypt: the password contains a NUL character");
  }
  const key = new Uint8Array(64);
  Buffer.from(password, "utf8").subarray(0, 8).forEach((byte, i) => {
    for (let bit = 0; bit < 7; bit++) key[8 * i + bit] = (byte >> (6 - bit)) & 1;
  });
  const ebox = [...E];
  for (let i = 0; i < 2; i++) {
    const value = CRYPT_ALPHABET.indexOf(salt[i]);
    for (let bit = 0; bit < 6; bit++) {
      if ((value >> bit) & 1) {
        [ebox[6 * i + bit], ebox[6 * i + bit + 24]] = [ebox[6 * i + bit + 24], ebox[6 * i + bit]];
      }
    }
  }
  const keys = keySchedule(key);
  let block: Uint8Array = new Uint8Array(64);
  for (let round = 0; round < 25; round++) block = encryptBlock(block, keys, ebox);
  let out = salt;
  for (let i = 0; i < 11; i++) {
    let value = 0;
    for (let bit = 0; bit < 6; bit++) value = (value << 1) | (block[6 * i + bit] ?? 0);
    out += CRYPT_ALPHABET[value];
  }
  return out;
}
