/**
 * The PROXY protocol (HAProxy's spec, versions 1 and 2): how a proxy tells
 * the next hop the client's real address.
 *
 * Director writes a header to backends of groups with `send-proxy="v1|v2"`
 * (nginx `proxy_protocol`, HAProxy `accept-proxy`, Postfix understand it)
 * and reads one from clients on listeners with `accept-proxy="yes"` (when
 * Director sits behind another load balancer).
 *
 * @module
 */
import type { NetAddr } from "../runtime/types.ts";

/** The 12-byte signature that starts every v2 header. */
const V2_SIGNATURE = new Uint8Array([
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
]);
/** A v1 line is at most 107 bytes including CRLF (the spec's limit). */
const V1_MAX = 107;
/** Longest v2 header accepted (16 + addresses and TLVs); more is not a sane client. */
const V2_MAX = 16 + 1024;

const encoder = new TextEncoder();

const isIPv4 = (host: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
const isIPv6 = (host: string) => host.includes(":");

/** An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) as plain IPv4. */
function unmap(host: string): string {
  const match = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(host);
  return match ? match[1] : host;
}

/** The v1 header line for a connection from `source` to `dest`. */
export function encodeV1(source: NetAddr, dest: NetAddr): Uint8Array {
  const [src, dst] = [unmap(source.hostname), unmap(dest.hostname)];
  let line: string;
  if (isIPv4(src) && isIPv4(dst)) line = `PROXY TCP4 ${src} ${dst} ${source.port} ${dest.port}\r\n`;
  else if (isIPv6(src) && isIPv6(dst)) {
    line = `PROXY TCP6 ${src} ${dst} ${source.port} ${dest.port}\r\n`;
  } else line = "PROXY UNKNOWN\r\n";
  return encoder.encode(line);
}

function ipv4Bytes(host: string): number[] {
  return host.split(".").map(Number);
}

/** The 16 bytes of an IPv6 address (expanding `::`). */
function ipv6Bytes(host: string): number[] {
  const [head, tail = ""] = host.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  let groups = [...parse(head)];
  const rest = parse(tail);
  // A trailing dotted quad (::ffff:1.2.3.4) is two groups.
  const last = rest.length ? rest[rest.length - 1] : groups[groups.length - 1];
  const quad = last && isIPv4(last) ? ipv4Bytes(last) : undefined;
  if (quad) (rest.length ? rest : groups).pop();
  const quadGroups = quad
    ? [(quad[0] << 8 | quad[1]).toString(16), (quad[2] << 8 | quad[3]).toString(16)]
    : [];
  const fill = 8 - groups.length - rest.length - quadGroups.length;
  groups = [
    ...groups,
    ...(host.includes("::") ? new Array(fill).fill("0") : []),
    ...rest,
    ...quadGroups,
  ];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/** The v2 (binary) header for a connection from `source` to `dest`. */
export function encodeV2(source: NetAddr, dest: NetAddr): Uint8Array {
  const [src, dst] = [unmap(source.hostname), unmap(dest.hostname)];
  let family: number, body: number[];
  if (isIPv4(src) && isIPv4(dst)) {
    family = 0x11; // AF_INET, STREAM
    body = [...ipv4Bytes(src), ...ipv4Bytes(dst)];
  } else if (isIPv6(src) && isIPv6(dst)) {
    family = 0x21; // AF_INET6, STREAM
    body = [...ipv6Bytes(src), ...ipv6Bytes(dst)];
  } else {
    // LOCAL command, unspecified family: the receiver uses the real addresses.
    return new Uint8Array([...V2_SIGNATURE, 0x20, 0x00, 0x00, 0x00]);
  }
  body.push(source.port >> 8, source.port & 0xff, dest.port >> 8, dest.port & 0xff);
  return new Uint8Array([
    ...V2_SIGNATURE,
    0x21,
    family,
    body.length >> 8,
    body.length & 0xff,
    ...body,
  ]);
}

export function encodeProxyHeader(version: "v1" | "v2", source: NetAddr, dest: NetAddr) {
  return version === "v1" ? encodeV1(source, dest) : encodeV2(source, dest);
}

/** Result of looking at the first bytes a client sent. */
export type ProxyParse =
  | { kind: "incomplete" }
  | { kind: "invalid"; reason: string }
  /** `source` is undefined for UNKNOWN/LOCAL headers (use the real peer address). */
  | { kind: "ok"; source?: NetAddr; length: number };

function formatIPv6(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::").replace(/:{3,}/, "::");
}

function parseV2(data: Uint8Array): ProxyParse {
  if (data.length < 16) return { kind: "incomplete" };
  const version = data[12] >> 4, command = data[12] & 0x0f;
  if (version !== 2 || command > 1) return { kind: "invalid", reason: "bad v2 version or command" };
  const length = 16 + ((data[14] << 8) | data[15]);
  if (length > V2_MAX) return { kind: "invalid", reason: "v2 header too long" };
  if (data.length < length) return { kind: "incomplete" };
  if (command === 0) return { kind: "ok", length }; // LOCAL: health check of the sender
  const family = data[13];
  const view = new DataView(data.buffer, data.byteOffset, length);
  if (family === 0x11 && length >= 16 + 12) {
    return {
      kind: "ok",
      length,
      source: { hostname: data.subarray(16, 20).join("."), port: view.getUint16(24) },
    };
  }
  if (family === 0x21 && length >= 16 + 36) {
    return {
      kind: "ok",
      length,
      source: { hostname: formatIPv6(data.subarray(16, 32)), port: view.getUint16(48) },
    };
  }
  return { kind: "ok", length }; // UNSPEC or a family we do not relay: keep the real peer
}

function parseV1(data: Uint8Array): ProxyParse {
  const end = data.indexOf(0x0a);
  if (end === -1) {
    return data.length >= V1_MAX
      ? { kind: "invalid", reason: "v1 line too long" }
      : { kind: "incomplete" };
  }
  if (end + 1 > V1_MAX || data[end - 1] !== 0x0d) {
    return { kind: "invalid", reason: "malformed v1 line" };
  }
  const line = new TextDecoder().decode(data.subarray(0, end - 1));
  if (line === "PROXY UNKNOWN" || line.startsWith("PROXY UNKNOWN ")) {
    return { kind: "ok", length: end + 1 };
  }
  const match = /^PROXY (TCP4|TCP6) (\S+) (\S+) (\d{1,5}) (\d{1,5})$/.exec(line);
  if (!match) return { kind: "invalid", reason: "malformed v1 line" };
  const [, proto, src, , sport] = match;
  if (
    (proto === "TCP4" && !isIPv4(src)) || (proto === "TCP6" && !isIPv6(src)) ||
    Number(sport) > 65535
  ) {
    return { kind: "invalid", reason: "malformed v1 address" };
  }
  return { kind: "ok", length: end + 1, source: { hostname: src, port: Number(sport) } };
}

/** Parse a PROXY header (v1 or v2) at the start of `data`. */
export function parseProxyHeader(data: Uint8Array): ProxyParse {
  const probe = Math.min(data.length, V2_SIGNATURE.length);
  if (V2_SIGNATURE.subarray(0, probe).every((b, i) => data[i] === b)) {
    return probe < V2_SIGNATURE.length ? { kind: "incomplete" } : parseV2(data);
  }
  const prefix = encoder.encode("PROXY ");
  const n = Math.min(data.length, prefix.length);
  if (!prefix.subarray(0, n).every((b, i) => data[i] === b)) {
    return { kind: "invalid", reason: "no PROXY protocol header" };
  }
  return n < prefix.length ? { kind: "incomplete" } : parseV1(data);
}
