/**
 * IP addresses and address ranges (CIDR) for client policies.
 *
 * Every address is held as an `AddressKey`: four uint32 words of one
 * 128-bit address, most significant first, IPv4 mapped into
 * `::ffff:0:0/96` — one fixed-size form for both families, usable as the
 * key of a shared-memory hash table. Ranges live in the same space (an IPv4
 * `/p` is a `/96+p` there), so matching is four masked word compares, and a
 * client reported as `::ffff:10.1.2.3` (an IPv4 client on a dual-stack
 * listener) matches `10.0.0.0/8`.
 *
 * Choices:
 * - One space means an IPv6 range that covers `::ffff:0:0/96` covers IPv4
 *   clients too: `::/0` matches everyone (as in HAProxy, which compares
 *   IPv4 samples to IPv6 patterns in mapped form; nginx keeps families
 *   apart). An IPv6 range inside `::ffff:0:0/96` is the IPv4 range it
 *   denotes: `::ffff:10.0.0.0/104` parses to, and prints as, `10.0.0.0/8`.
 * - A range with host bits set beyond the prefix (`10.1.2.3/8`) is accepted
 *   and masked, as nginx (with a warning) and HAProxy do; `hostBitsSet`
 *   says so, for the caller to warn.
 * - IPv4 is strict dotted decimal: four parts, no leading zeros (`010` is
 *   octal to inet_aton), so a text means one thing everywhere.
 * - A zone (`fe80::1%eth0`) is allowed in a client address and ignored; a
 *   range may not have one.
 *
 * Matching parses the client address into a reused module buffer: no
 * allocation, no string splitting per call.
 *
 * @module
 */
import { PolicySyntaxError } from "./errors.ts";

/** A 128-bit address as four uint32 words, most significant first. */
export type AddressKey = Uint32Array;

export interface IpAddress {
  /** 4 for IPv4 and IPv4-mapped IPv6 addresses. */
  readonly family: 4 | 6;
  readonly key: AddressKey;
}

export interface Cidr {
  readonly family: 4 | 6;
  /** Prefix length in the family's own terms: 0–32 or 0–128. */
  readonly prefix: number;
  /** The network address (host bits cleared) and mask, in the 128-bit space. */
  readonly network: AddressKey;
  readonly mask: AddressKey;
  /** The text had bits set beyond the prefix (they were cleared). */
  readonly hostBitsSet: boolean;
}

const MAPPED = 0xffff;
const groups = new Uint16Array(8);
const scratch = new Uint32Array(4);

/** Parses a dotted quad in `text[start, end)`; the value as uint32, or -1. */
function parseIpv4(text: string, start: number, end: number): number {
  let value = 0, part = 0, digits = 0, dots = 0;
  for (let i = start; i <= end; i++) {
    const code = i < end ? text.charCodeAt(i) : 0x2e;
    if (code >= 0x30 && code <= 0x39) {
      if (digits === 1 && part === 0) return -1; // leading zero
      part = part * 10 + code - 0x30;
      if (++digits > 3 || part > 255) return -1;
    } else if (code === 0x2e) {
      if (digits === 0 || ++dots > 4) return -1;
      value = value * 256 + part;
      part = digits = 0;
    } else return -1;
  }
  return dots === 4 ? value : -1;
}

const hexValue = (code: number) =>
  code >= 0x30 && code <= 0x39
    ? code - 0x30
    : code >= 0x61 && code <= 0x66
    ? code - 0x57
    : code >= 0x41 && code <= 0x46
    ? code - 0x37
    : -1;

/** Parses IPv6 text in `text[start, end)` into the 8 `groups`; false if invalid. */
function parseIpv6(text: string, start: number, end: number): boolean {
  let count = 0, gap = -1, i = start;
  if (text.charCodeAt(i) === 0x3a) {
    if (text.charCodeAt(i + 1) !== 0x3a || end - start < 2) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    const groupStart = i;
    let value = 0;
    while (i < end && hexValue(text.charCodeAt(i)) >= 0) {
      value = value * 16 + hexValue(text.charCodeAt(i++));
    }
    if (i < end && text.charCodeAt(i) === 0x2e) { // a dotted quad ends the address
      const v4 = parseIpv4(text, groupStart, end);
      if (v4 < 0 || count > 6) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    if (i === groupStart || i - groupStart > 4 || count === 8) return false;
    groups[count++] = value;
    if (i === end) break;
    if (text.charCodeAt(i++) !== 0x3a || i === end) return false; // ":" then more
    if (text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false;
      gap = count;
      i++;
    }
  }
  if (gap < 0) return count === 8;
  if (count > 7) return false;
  const moved = count - gap;
  groups.copyWithin(8 - moved, gap, count);
  groups.fill(0, gap, 8 - moved);
  return true;
}

/**
 * Parses `address` into `out[offset…offset+3]`: 4 or 6 (the family), or 0
 * if it is not an address (then `out` is unspecified). Allocates nothing.
 */
export function writeAddressKey(address: string, out: Uint32Array, offset = 0): 0 | 4 | 6 {
  if (address.indexOf(":") < 0) {
    const v4 = parseIpv4(address, 0, address.length);
    if (v4 < 0) return 0;
    out[offset] = 0, out[offset + 1] = 0, out[offset + 2] = MAPPED, out[offset + 3] = v4;
    return 4;
  }
  const zone = address.indexOf("%");
  if (zone === 0 || zone === address.length - 1) return 0;
  if (!parseIpv6(address, 0, zone < 0 ? address.length : zone)) return 0;
  for (let w = 0; w < 4; w++) out[offset + w] = (groups[2 * w] << 16 | groups[2 * w + 1]) >>> 0;
  return isMapped(out, offset) ? 4 : 6;
}

const isMapped = (key: Uint32Array, offset = 0) =>
  key[offset] === 0 && key[offset + 1] === 0 && key[offset + 2] === MAPPED;

/** The key of an address as a socket reports it, or undefined if it is not one. */
export function addressKey(address: string): AddressKey | undefined {
  const key = new Uint32Array(4);
  return writeAddressKey(address, key) ? key : undefined;
}

/** Parses an IPv4 or IPv6 address; undefined if `text` is not one. */
export function parseIp(text: string): IpAddress | undefined {
  const key = new Uint32Array(4);
  const family = writeAddressKey(text, key);
  return family ? { family, key } : undefined;
}

/** Canonical text: dotted quad for IPv4 (mapped) keys, RFC 5952 for IPv6. */
export function formatIp(key: AddressKey): string {
  if (isMapped(key)) {
    const v4 = key[3];
    return `${v4 >>> 24}.${v4 >>> 16 & 255}.${v4 >>> 8 & 255}.${v4 & 255}`;
  }
  const parts: number[] = [];
  for (let w = 0; w < 4; w++) parts.push(key[w] >>> 16, key[w] & 0xffff);
  // The longest run of two or more zero groups (the first, on a tie) becomes "::".
  let bestStart = -1, bestLength = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && parts[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (from: number, to: number) =>
    parts.slice(from, to).map((part) => part.toString(16)).join(":");
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/** Parses `address` or `address/prefix`; throws `Cannot use address range "…": reason`. */
export function parseCidr(text: string): Cidr {
  const fail = (reason: string): never => {
    throw new PolicySyntaxError(`address range "${text}"`, reason);
  };
  const slash = text.indexOf("/");
  const addressText = slash < 0 ? text : text.slice(0, slash);
  if (addressText.includes("%")) fail("a range cannot have a zone (%)");
  const network = new Uint32Array(4);
  const family = writeAddressKey(addressText, network);
  if (!family) fail(`"${addressText}" is not an IPv4 or IPv6 address`);
  const writtenAsIpv4 = !addressText.includes(":");
  const bits = writtenAsIpv4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]*)$/.test(prefixText)) fail("the prefix length is not a number");
    prefix = Number(prefixText);
    if (prefix > bits) fail(`the prefix length is more than ${bits}`);
  }
  const prefix128 = writtenAsIpv4 ? 96 + prefix : prefix;
  const mask = maskOf(prefix128);
  let hostBitsSet = false;
  for (let w = 0; w < 4; w++) {
    const masked = (network[w] & mask[w]) >>> 0;
    if (masked !== network[w]) hostBitsSet = true;
    network[w] = masked;
  }
  // An IPv6 range inside ::ffff:0:0/96 is an IPv4 range.
  const isIpv4 = prefix128 >= 96 && isMapped(network);
  return {
    family: isIpv4 ? 4 : 6,
    prefix: isIpv4 ? prefix128 - 96 : prefix128,
    network,
    mask,
    hostBitsSet,
  };
}

function maskOf(prefix128: number): Uint32Array {
  const mask = new Uint32Array(4);
  for (let w = 0; w < 4; w++) {
    const bits = Math.min(32, Math.max(0, prefix128 - 32 * w));
    mask[w] = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  }
  return mask;
}

/** Canonical text with the prefix always written: `10.0.0.0/8`, `2001:db8::/32`. */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.network)}/${cidr.prefix}`;
}

/** Whether the address whose key is at `key[offset…]` is in the range. */
export function cidrMatchesKey(cidr: Cidr, key: Uint32Array, offset = 0): boolean {
  const { network, mask } = cidr;
  return ((key[offset] & mask[0]) >>> 0) === network[0] &&
    ((key[offset + 1] & mask[1]) >>> 0) === network[1] &&
    ((key[offset + 2] & mask[2]) >>> 0) === network[2] &&
    ((key[offset + 3] & mask[3]) >>> 0) === network[3];
}

/** Whether a client address (as its socket reports it) is in the range; false if not an address. */
export function cidrMatches(cidr: Cidr, address: string): boolean {
  return writeAddressKey(address, scratch) !== 0 && cidrMatchesKey(cidr, scratch);
}
