/**
 * Fast, non-cryptographic 32-bit hashing for the client-affinity
 * schedulers: FNV-1a over a string, finished with murmur3's `fmix32`.
 *
 * FNV-1a alone is quick but mixes its last characters poorly, and client
 * addresses differ mostly in their last characters (`10.0.0.17` vs
 * `10.0.0.18`); `fmix32` spreads every input bit over the whole result, so
 * neighbouring addresses land far apart on the hash ring. Nothing here
 * needs to resist an attacker: a client choosing its address can only
 * choose which backend it reaches, which it could get by reconnecting.
 *
 * All functions are pure, allocation-free and stable across runs and
 * runtimes, so a client maps to the same host after a restart.
 *
 * @module
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a over the UTF-16 code units of `text`, continuing from `seed`.
 * (For the ASCII of IP addresses and most host names this is the usual
 * byte-wise FNV-1a.)
 */
export function fnv1a(text: string, seed: number = FNV_OFFSET): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/** FNV-1a over the four bytes of `value` (little-endian), continuing from `hash`. */
export function fnv1aInt(hash: number, value: number): number {
  for (let shift = 0; shift < 32; shift += 8) {
    hash ^= (value >>> shift) & 0xff;
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/** murmur3's 32-bit finalizer: a bijection with full avalanche. */
export function fmix32(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** A well-mixed 32-bit hash of `text`. */
export function hashString(text: string): number {
  return fmix32(fnv1a(text));
}

/**
 * The key a client is known by: its address, with an IPv4-mapped IPv6
 * address (`::ffff:192.0.2.1`, how a dual-stack listener reports an IPv4
 * client) reduced to the IPv4 one, so the same client maps the same way
 * whichever listener it came through.
 */
export function clientKey(address: string): string {
  if (address.length > 7 && address.startsWith("::ffff:") && address.includes(".")) {
    return address.slice(7);
  }
  return address;
}
